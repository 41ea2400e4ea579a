//! `schemagen lint`: rules with stable ids over the desired schema (Supabase's database
//! advisors, before the database exists) and over a change (migration-safety rules named
//! as squawk names them). Every rule and its reasoning is listed in docs/lint.md, and
//! each has its file in rules/; what they share is here: which rules run on what, and
//! where a finding's severity and place come from.
//!
//! A finding's severity is, first found: the object's `lint:` setting in YAML, the setting
//! of the column a one-column constraint is declared on, the setting of the object's table,
//! `[lint]` in schemagen.toml, the rule's default. `allow` drops the finding.

mod output;
mod rules;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;

use crate::diagnostic::Origin;
use crate::diff::Change;
use crate::model::{Column, ObjectId, QualifiedName, Schema, Table};

pub use output::{Format, render};
use rules::Check;
pub use rules::{Category, RuleId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Allow,
    Warn,
    Error,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "allow" => Some(Severity::Allow),
            "warn" => Some(Severity::Warn),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Allow => "allow",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub object: ObjectId,
    pub message: String,
    pub origin: Option<Origin>,
    pub hint: String,
}

/// `[lint]` of schemagen.toml: rule id → severity. An unknown id or severity fails to
/// deserialize, so the config loader points at it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Settings {
    severities: BTreeMap<RuleId, Severity>,
}

/// Findings about the desired schema: the advisor rules, and the type rules on every
/// column it declares.
pub fn lint_schema(desired: &Schema, settings: &Settings) -> Vec<Finding> {
    run(desired, None, settings)
}

/// Findings about a change from `current` to `desired`: the migration-safety rules, and
/// the type rules on what the change adds. With `online`, the plan builds indexes
/// CONCURRENTLY and adds constraints NOT VALID, so the rules that ask for that stay quiet.
pub fn lint_changes(
    current: &Schema,
    desired: &Schema,
    changes: &[Change],
    online: bool,
    settings: &Settings,
) -> Vec<Finding> {
    // A table renamed by the change exists under its new name; one it creates does not.
    let renamed = changes
        .iter()
        .filter_map(|c| match c {
            Change::Rename { object: ObjectId::Table(t), .. } | Change::MoveTable { to: t, .. } => Some(t),
            _ => None,
        })
        .collect();
    let migration = Migration { current, changes, online, renamed };
    run(desired, Some(&migration), settings)
}

/// A change being linted, and how the plan will make it.
struct Migration<'a> {
    current: &'a Schema,
    changes: &'a [Change],
    online: bool,
    renamed: BTreeSet<&'a QualifiedName>,
}

impl Migration<'_> {
    /// Whether `table` has rows before the change: rules about locks and rows do not fire
    /// on tables the same migration creates.
    fn existing(&self, table: &QualifiedName) -> bool {
        self.current.tables.contains_key(table) || self.renamed.contains(table)
    }
}

/// Each rule, in catalog order, over what it checks.
fn run(desired: &Schema, migration: Option<&Migration>, settings: &Settings) -> Vec<Finding> {
    let current = migration.map(|m| m.current);
    let mut findings = Vec::new();
    for &rule in RuleId::ALL {
        let mut ctx = Ctx { rule, desired, current, settings, findings: &mut findings };
        match (rule.check(), migration) {
            (Check::Advisor(check), None) => check(&mut ctx),
            (Check::Safety(check), Some(m)) => m.changes.iter().for_each(|c| check(&mut ctx, m, c)),
            (Check::Style(check), _) => {
                for (table, column) in typed_columns(desired, migration) {
                    check(&mut ctx, table, column);
                }
            }
            // Advisors read the desired schema alone: on a change they would repeat `lint_schema`.
            (Check::Advisor(_), Some(_)) | (Check::Safety(_), None) => {}
        }
    }
    output::sort(&mut findings);
    findings
}

/// The columns the type rules cover: on the schema every column; on a change only those it
/// adds or retypes, so a migration is not blamed for what was there before.
fn typed_columns<'a>(desired: &'a Schema, migration: Option<&Migration<'a>>) -> Vec<(&'a Table, &'a Column)> {
    let Some(migration) = migration else {
        return desired.tables.values().flat_map(|t| t.columns.iter().map(move |c| (t, c))).collect();
    };
    let mut columns = Vec::new();
    for change in migration.changes {
        match change {
            Change::CreateTable(table) => columns.extend(table.columns.iter().map(|c| (table, c))),
            Change::AddColumn { table, column, .. } => columns.extend(desired.table(table).map(|t| (t, column))),
            Change::AlterColumn { table, from, to, .. } if from.data_type != to.data_type => {
                columns.extend(desired.table(table).map(|t| (t, to.as_ref())));
            }
            _ => {}
        }
    }
    columns
}

/// What one rule sees while it runs; resolves severities and origins as it reports.
struct Ctx<'a> {
    rule: RuleId,
    desired: &'a Schema,
    /// For a change: where dropped objects were declared.
    current: Option<&'a Schema>,
    settings: &'a Settings,
    findings: &'a mut Vec<Finding>,
}

impl Ctx<'_> {
    fn report(&mut self, object: ObjectId, message: String, hint: impl Into<String>) {
        let severity = self.severity(&object);
        if severity == Severity::Allow {
            return;
        }
        let origin = self.origin(&object);
        self.findings.push(Finding { rule: self.rule, severity, object, message, origin, hint: hint.into() });
    }

    /// The object itself, then the column of a one-column constraint, then the table.
    fn lookup_chain(&self, object: &ObjectId) -> Vec<ObjectId> {
        let mut chain = vec![object.clone()];
        if let ObjectId::Constraint(table, name) = object {
            let constraint = [Some(self.desired), self.current]
                .into_iter()
                .flatten()
                .find_map(|s| s.table(table).and_then(|t| t.constraint(name)));
            if let Some([column]) = constraint.map(|c| c.kind.columns()) {
                chain.push(ObjectId::Column(table.clone(), column.clone()));
            }
        }
        if let Some(table) = object.table() {
            chain.push(ObjectId::Table(table.clone()));
        }
        chain
    }

    fn severity(&self, object: &ObjectId) -> Severity {
        let hints = &self.desired.hints.lint;
        let from_yaml =
            self.lookup_chain(object).iter().find_map(|o| hints.get(o).and_then(|rules| rules.get(&self.rule)));
        from_yaml
            .or_else(|| self.settings.severities.get(&self.rule))
            .copied()
            .unwrap_or_else(|| self.rule.default_severity())
    }

    fn origin(&self, object: &ObjectId) -> Option<Origin> {
        let chain = self.lookup_chain(object);
        [Some(self.desired), self.current]
            .into_iter()
            .flatten()
            .find_map(|s| chain.iter().find_map(|o| s.hints.origins.get(o)))
            .cloned()
    }
}
