//! Access expectations: who may do what on a table, said in the YAML (`access:`), implied by
//! an `rls:` preset, or read back from the table's policies and privileges. `rlstest` turns
//! them into pgTAP tests, `lint` compares them with the policies, the report shows them.
//!
//! An expectation is a rule per role (`anon`, `authenticated`, `service_role`) and command
//! (select, insert, update, delete): `none`, `all`, `own(COLUMN)` (the rows whose column
//! holds the signed-in user's id) or `workspace(COLUMN via MEMBERS)` (the rows whose column
//! names a workspace the user belongs to, per the membership table).

pub mod changes;
pub mod implied;
pub mod rule;

use std::collections::BTreeMap;
use std::fmt;

use crate::diagnostic::Origin;
use crate::model::QualifiedName;

/// The roles an expectation speaks of: Supabase's API roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Anon,
    Authenticated,
    ServiceRole,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Anon, Role::Authenticated, Role::ServiceRole];

    pub fn name(self) -> &'static str {
        match self {
            Role::Anon => "anon",
            Role::Authenticated => "authenticated",
            Role::ServiceRole => "service_role",
        }
    }

    pub fn parse(word: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == word)
    }

    /// What a role gets when the expectation does not name it: `service_role` bypasses row
    /// level security on Supabase, the others reach nothing.
    pub fn default_rule(self) -> Rule {
        match self {
            Role::ServiceRole => Rule::All,
            _ => Rule::None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Command {
    Select,
    Insert,
    Update,
    Delete,
}

impl Command {
    pub const ALL: [Command; 4] = [Command::Select, Command::Insert, Command::Update, Command::Delete];

    pub fn name(self) -> &'static str {
        match self {
            Command::Select => "select",
            Command::Insert => "insert",
            Command::Update => "update",
            Command::Delete => "delete",
        }
    }

    /// The privilege and the policy command of the same name.
    pub fn sql(self) -> &'static str {
        match self {
            Command::Select => "SELECT",
            Command::Insert => "INSERT",
            Command::Update => "UPDATE",
            Command::Delete => "DELETE",
        }
    }

    pub fn parse(word: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == word)
    }
}

/// Which rows a role reaches with a command.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    None,
    All,
    /// The rows whose `column` is the signed-in user's id.
    Own(String),
    Workspace(Workspace),
}

impl Rule {
    /// What the rule lets `role` reach: only a signed-in user owns rows or is a member, so
    /// `own(…)` of anon is none.
    pub fn for_role(&self, role: Role) -> &Rule {
        match self {
            Rule::Own(_) | Rule::Workspace(_) if role != Role::Authenticated => &Rule::None,
            other => other,
        }
    }
}

/// `workspace(column via members(member_workspace_column, member_column))`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Workspace {
    pub column: String,
    pub members: QualifiedName,
    pub member_workspace_column: String,
    pub member_column: String,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::None => f.write_str("none"),
            Rule::All => f.write_str("all"),
            Rule::Own(c) => write!(f, "own({c})"),
            Rule::Workspace(w) => {
                let members = if w.members.schema == "public" { w.members.name.clone() } else { w.members.to_string() };
                write!(f, "workspace({} via {members}", w.column)?;
                if (w.member_workspace_column.as_str(), w.member_column.as_str()) != ("workspace_id", "user_id") {
                    write!(f, "({}, {})", w.member_workspace_column, w.member_column)?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Where a table's expectations come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `access:` in the YAML, at this place.
    Declared(Origin),
    /// Implied by `rls: PRESET`, at this place.
    Preset(&'static str, Origin),
}

/// A table's expectations: a rule for every role and command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub rules: BTreeMap<(Role, Command), Rule>,
    pub source: Source,
}

impl Access {
    /// Every role and command given its rule; those not in `given` get the role's default.
    pub fn complete(given: BTreeMap<(Role, Command), Rule>, source: Source) -> Access {
        let mut rules = BTreeMap::new();
        for role in Role::ALL {
            for command in Command::ALL {
                let rule = given.get(&(role, command)).cloned().unwrap_or_else(|| role.default_rule());
                rules.insert((role, command), rule);
            }
        }
        Access { rules, source }
    }

    pub fn rule(&self, role: Role, command: Command) -> &Rule {
        &self.rules[&(role, command)]
    }

    /// The expectations of an `rls:` preset with its options (those the template gets).
    pub fn of_preset(
        preset: &'static str,
        options: &BTreeMap<&str, String>,
        members: Option<&QualifiedName>,
        origin: Origin,
    ) -> Access {
        let option = |k: &str| options.get(k).cloned();
        let mut given = BTreeMap::new();
        let mut every = |role: Role, rule: Rule| {
            for command in Command::ALL {
                given.insert((role, command), rule.clone());
            }
        };
        match preset {
            "owner" => every(Role::Authenticated, Rule::Own(option("column").unwrap_or_else(|| "user_id".into()))),
            "workspace_member" => every(
                Role::Authenticated,
                Rule::Workspace(Workspace {
                    column: option("column").unwrap_or_else(|| "workspace_id".into()),
                    members: members.cloned().unwrap_or_else(|| QualifiedName::new("public", "workspace_members")),
                    member_workspace_column: option("member_workspace_column").unwrap_or_else(|| "workspace_id".into()),
                    member_column: option("member_column").unwrap_or_else(|| "user_id".into()),
                }),
            ),
            "public_read" => {
                if let Some(column) = option("column") {
                    every(Role::Authenticated, Rule::Own(column));
                }
                given.insert((Role::Anon, Command::Select), Rule::All);
                given.insert((Role::Authenticated, Command::Select), Rule::All);
            }
            _ => {}
        }
        Access::complete(given, Source::Preset(preset, origin))
    }

    /// One line per role: `anon: none`, or `authenticated: select all, insert own(user_id), …`.
    pub fn summary(&self) -> Vec<String> {
        Role::ALL
            .into_iter()
            .map(|role| {
                let rules: Vec<&Rule> = Command::ALL.iter().map(|c| self.rule(role, *c)).collect();
                if rules.iter().all(|r| *r == rules[0]) {
                    format!("{}: {}", role.name(), rules[0])
                } else {
                    let each: Vec<String> =
                        Command::ALL.iter().zip(&rules).map(|(c, r)| format!("{} {r}", c.name())).collect();
                    format!("{}: {}", role.name(), each.join(", "))
                }
            })
            .collect()
    }
}
