//! What a table's policies and privileges let each role do, said as rules where the
//! conditions have one of the shapes a rule names (`true`, `(SELECT auth.uid()) = col`, the
//! membership subquery of `rls: workspace_member`, `auth.role() = 'authenticated'`), and
//! "not decidable" otherwise. Tests of a table without declared expectations are generated
//! from this, for review; `lint` compares it with the declared ones.

use std::collections::BTreeMap;

use super::{Command, Role, Rule, Workspace};
use crate::model::{Policy, QualifiedName, Schema, Table};

/// What the policies give one role for one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Implied {
    Rule(Rule),
    /// Why no rule says it.
    Unknown(String),
}

/// Every role and command of `table`.
pub fn matrix(schema: &Schema, table: &Table) -> BTreeMap<(Role, Command), Implied> {
    let policies: Vec<&Policy> = schema.policies.values().filter(|p| p.table == table.name).collect();
    let mut out = BTreeMap::new();
    for role in Role::ALL {
        for command in Command::ALL {
            out.insert((role, command), implied(table, &policies, role, command));
        }
    }
    out
}

/// Whether `role` holds the privilege of `command` on the table (itself or through PUBLIC).
pub fn privileged(table: &Table, role: Role, command: Command) -> bool {
    [role.name(), "public"].iter().any(|r| table.grants.get(*r).is_some_and(|set| set.contains(command.sql())))
}

fn implied(table: &Table, policies: &[&Policy], role: Role, command: Command) -> Implied {
    if !privileged(table, role, command) {
        return Implied::Rule(Rule::None);
    }
    // service_role bypasses row level security on Supabase (and in verify's stub).
    if !table.rls_enabled || role == Role::ServiceRole {
        return Implied::Rule(Rule::All);
    }
    let applies = |p: &&&Policy| {
        (p.command == "ALL" || p.command == command.sql()) && p.roles.iter().any(|r| r == role.name() || r == "public")
    };
    for p in policies.iter().filter(applies).filter(|p| !p.permissive) {
        if rule_of(p, role, command) != Some(Rule::All) {
            return Implied::Unknown(format!("restrictive policy \"{}\"", p.name));
        }
    }
    let mut rules = Vec::new();
    for p in policies.iter().filter(applies).filter(|p| p.permissive) {
        match rule_of(p, role, command) {
            Some(Rule::All) => return Implied::Rule(Rule::All),
            Some(Rule::None) => {}
            Some(rule) => rules.push(rule),
            None => return Implied::Unknown(format!("the condition of policy \"{}\"", p.name)),
        }
    }
    rules.dedup();
    match rules.as_slice() {
        [] => Implied::Rule(Rule::None),
        [one] => Implied::Rule(one.clone()),
        _ => Implied::Unknown("policies that each allow other rows".into()),
    }
}

/// The rule of one policy for `command`: what its USING, or WITH CHECK, or both, say.
fn rule_of(p: &Policy, role: Role, command: Command) -> Option<Rule> {
    let using = p.using.as_ref().map(|e| e.text());
    let check = p.with_check.as_ref().map(|e| e.text()).or(using);
    let of = |text: Option<&str>| text.map_or(Some(Rule::None), |t| condition(t, role, &p.table));
    match command {
        Command::Select | Command::Delete => of(using),
        Command::Insert => of(check),
        Command::Update => {
            let (u, c) = (of(using)?, of(check)?);
            (u == c).then_some(u)
        }
    }
}

/// The rule a condition (as PostgreSQL's parser prints it) says, when it says one.
pub fn condition(text: &str, role: Role, table: &QualifiedName) -> Option<Rule> {
    let text = strip_parens(text.trim());
    match text {
        "true" => return Some(Rule::All),
        "false" => return Some(Rule::None),
        _ => {}
    }
    if let Some((left, right)) = text.split_once(" = ") {
        let (left, right) = (strip_parens(left.trim()), strip_parens(right.trim()));
        for (a, b) in [(left, right), (right, left)] {
            if is_uid(a) && is_column(b) {
                return Some(Rule::Own(b.to_string()));
            }
            if is_call(a, "auth.role()")
                && let Some(name) =
                    b.strip_prefix('\'').and_then(|b| b.strip_suffix("::text").unwrap_or(b).strip_suffix('\''))
            {
                return Some(if name == role.name() { Rule::All } else { Rule::None });
            }
        }
    }
    membership(text, table)
}

/// `col IN (SELECT m.mwc FROM members m WHERE m.mc = (SELECT auth.uid()))`.
fn membership(text: &str, table: &QualifiedName) -> Option<Rule> {
    let (column, rest) = text.split_once(" IN (SELECT ")?;
    let rest = rest.strip_suffix(')')?;
    let (selected, rest) = rest.split_once(" FROM ")?;
    let (from, condition) = rest.split_once(" WHERE ")?;
    let (members, alias) = match from.split_once(' ') {
        Some((m, a)) => (m, Some(a)),
        None => (from, None),
    };
    let unalias = |c: &str| -> Option<String> {
        let c = c.trim();
        let bare = match alias {
            Some(a) => c.strip_prefix(a).and_then(|c| c.strip_prefix('.')).unwrap_or(c),
            None => c,
        };
        is_column(bare).then(|| bare.to_string())
    };
    let (l, r) = condition.split_once(" = ")?;
    let member_column = match (is_uid(strip_parens(r.trim())), is_uid(strip_parens(l.trim()))) {
        (true, _) => unalias(l)?,
        (_, true) => unalias(r)?,
        _ => return None,
    };
    if !is_column(column.trim()) {
        return None;
    }
    let members = match members.split_once('.') {
        Some((s, n)) => QualifiedName::new(s, n),
        None => QualifiedName::new(table.schema.clone(), members),
    };
    Some(Rule::Workspace(Workspace {
        column: column.trim().to_string(),
        members,
        member_workspace_column: unalias(selected)?,
        member_column,
    }))
}

fn strip_parens(mut text: &str) -> &str {
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        // Only parentheses around the whole: `(a) = (b)` keeps its own.
        let mut depth = 0i32;
        let whole = inner.chars().all(|c| {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            depth >= 0
        });
        if !whole {
            break;
        }
        text = inner.trim();
    }
    text
}

fn is_call(text: &str, call: &str) -> bool {
    let text = strip_parens(text);
    text == call || text.strip_prefix("SELECT ").is_some_and(|t| t.trim() == call)
}

fn is_uid(text: &str) -> bool {
    is_call(text, "auth.uid()")
}

fn is_column(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && !matches!(text, "true" | "false" | "null")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_in_the_shapes_rules_name() {
        let t = QualifiedName::new("public", "notes");
        let own = Some(Rule::Own("user_id".into()));
        assert_eq!(condition("(SELECT auth.uid()) = user_id", Role::Authenticated, &t), own);
        assert_eq!(condition("user_id = auth.uid()", Role::Authenticated, &t), own);
        assert_eq!(condition("true", Role::Anon, &t), Some(Rule::All));
        assert_eq!(condition("auth.role() = 'authenticated'", Role::Anon, &t), Some(Rule::None));
        assert_eq!(condition("auth.role() = 'authenticated'", Role::Authenticated, &t), Some(Rule::All));
        assert_eq!(condition("(auth.role() = 'authenticated'::text)", Role::Anon, &t), Some(Rule::None));
        assert_eq!(condition("user_id = auth.uid() OR published", Role::Authenticated, &t), None);
        let ws = condition(
            "workspace_id IN (SELECT m.workspace_id FROM public.workspace_members m WHERE m.user_id = (SELECT auth.uid()))",
            Role::Authenticated,
            &t,
        );
        assert_eq!(ws.unwrap().to_string(), "workspace(workspace_id via workspace_members)");
    }
}
