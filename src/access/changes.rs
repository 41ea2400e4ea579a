//! Expectations beside a change of policies, for the markdown report: for each table with
//! expectations, each role and command whose reach the change moves, or that the schema
//! after it does not meet, with what the policies gave before and give after.

use super::implied::{self, Implied};
use super::{Access, Command, Role};
use crate::model::{QualifiedName, Schema};

/// One role and command of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub table: QualifiedName,
    pub role: Role,
    /// None: every command alike.
    pub command: Option<Command>,
    pub expected: String,
    /// What the policies gave before (None: the table is new).
    pub before: Option<String>,
    pub after: String,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The policies after the change give what is expected.
    Holds,
    /// They give something else, decided by their conditions.
    Contradicts,
    /// Their conditions do not say; the generated tests will.
    ToBeTested,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Contradicts => "**contradicted**",
            Verdict::ToBeTested => "decided by the tests",
        }
    }
}

/// The rows worth a reviewer's eye, table by table: moved by the change, or contradicted. The expectations are those of the side
/// that has them (the YAML's).
pub fn rows(before: &Schema, after: &Schema) -> Vec<Row> {
    let mut out = Vec::new();
    let expectations = after.hints.access.iter().chain(&before.hints.access);
    let mut seen = std::collections::BTreeSet::new();
    for (name, access) in expectations {
        if !seen.insert(name) {
            continue;
        }
        let Some(table) = after.tables.get(name) else { continue };
        let then = before.tables.get(name).map(|t| implied::matrix(before, t));
        let now = implied::matrix(after, table);
        for role in Role::ALL {
            let each: Vec<Row> = Command::ALL
                .into_iter()
                .filter_map(|command| {
                    let was = then.as_ref().map(|m| m[&(role, command)].clone());
                    row(name, access, role, command, was, now[&(role, command)].clone())
                })
                .collect();
            // One line for a role whose four commands read alike.
            let alike = |a: &Row, b: &Row| Row { command: None, ..a.clone() } == Row { command: None, ..b.clone() };
            if each.len() == Command::ALL.len() && each.iter().all(|r| alike(r, &each[0])) {
                out.push(Row { command: None, ..each[0].clone() });
            } else {
                out.extend(each);
            }
        }
    }
    out
}

fn row(
    table: &QualifiedName,
    access: &Access,
    role: Role,
    command: Command,
    was: Option<Implied>,
    now: Implied,
) -> Option<Row> {
    let expected = access.rule(role, command);
    let verdict = match &now {
        Implied::Rule(r) if r.for_role(role) == expected.for_role(role) => Verdict::Holds,
        Implied::Rule(_) => Verdict::Contradicts,
        Implied::Unknown(_) => Verdict::ToBeTested,
    };
    let text = |i: &Implied| match i {
        Implied::Rule(r) => r.for_role(role).to_string(),
        Implied::Unknown(why) => format!("not decidable ({why})"),
    };
    let moved = was.as_ref() != Some(&now);
    // A table the change leaves alone is news only when its expectations are contradicted.
    (moved || verdict == Verdict::Contradicts).then(|| Row {
        table: table.clone(),
        role,
        command: Some(command),
        expected: expected.for_role(role).to_string(),
        before: was.as_ref().map(text),
        after: text(&now),
        verdict,
    })
}
