//! `schemagen lint`: rules with stable ids over the desired schema (Supabase's database
//! advisors, before the database exists) and over a change (migration-safety rules named
//! as squawk names them). Every rule and its reasoning is listed in docs/lint.md.
//!
//! A finding's severity is, first found: the object's `lint:` setting in YAML, the setting
//! of the column a one-column constraint is declared on, the setting of the object's table,
//! `[lint]` in schemagen.toml, the rule's default. `allow` drops the finding.

mod advisors;
mod output;
mod safety;
mod style;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};

use crate::diagnostic::{Origin, closest};
use crate::diff::Change;
use crate::model::{ObjectRef, QualifiedName, Schema};

pub use output::{Format, render};

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
    pub rule: &'static str,
    pub severity: Severity,
    pub object: ObjectRef,
    pub message: String,
    pub origin: Option<Origin>,
    pub hint: String,
}

/// A rule of the catalog: its id, default severity and a one-line summary (for SARIF).
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub default: Severity,
    pub summary: &'static str,
}

const fn rule(id: &'static str, default: Severity, summary: &'static str) -> Rule {
    Rule { id, default, summary }
}

/// Every rule, advisors first; ids are stable (they are what `lint:` settings name).
pub const RULES: &[Rule] = &[
    rule("rls_disabled_in_public", Severity::Error, "Table in an exposed schema without row-level security"),
    rule("policy_exists_rls_disabled", Severity::Error, "Table has policies but row-level security is off"),
    rule("rls_enabled_no_policy", Severity::Warn, "Row-level security is on but the table has no policy"),
    rule("auth_rls_initplan", Severity::Warn, "Policy calls auth.uid()/auth.jwt()/current_setting() once per row"),
    rule("multiple_permissive_policies", Severity::Warn, "Several permissive policies for one role and command"),
    rule("unindexed_foreign_keys", Severity::Warn, "Foreign key without an index on its columns"),
    rule("duplicate_index", Severity::Warn, "Index with the same definition as another"),
    rule("no_primary_key", Severity::Warn, "Table without a primary key"),
    rule("function_search_path_mutable", Severity::Warn, "Function without SET search_path"),
    rule("security_definer_view", Severity::Error, "View in an exposed schema without security_invoker"),
    rule("auth_users_exposed", Severity::Error, "View in an exposed schema reads auth.users"),
    rule("rls_references_user_metadata", Severity::Error, "Policy reads user_metadata from the JWT"),
    rule("rls_policy_always_true", Severity::Warn, "Policy condition is literally true"),
    rule("extension_in_public", Severity::Warn, "Extension installed in the public schema"),
    rule("adding-required-field", Severity::Error, "NOT NULL column without a default added to an existing table"),
    rule("changing-column-type", Severity::Warn, "Column type change rewrites the table under an exclusive lock"),
    rule(
        "require-concurrent-index-creation",
        Severity::Warn,
        "Index created on an existing table without CONCURRENTLY",
    ),
    rule(
        "constraint-missing-not-valid",
        Severity::Warn,
        "Foreign key or check added to an existing table without NOT VALID",
    ),
    rule("ban-drop-column", Severity::Warn, "Column dropped"),
    rule("ban-drop-table", Severity::Warn, "Table dropped"),
    rule("renaming-column", Severity::Warn, "Column renamed"),
    rule("renaming-table", Severity::Warn, "Table renamed"),
    rule("prefer-text-field", Severity::Warn, "varchar(n) column"),
    rule("prefer-timestamptz", Severity::Warn, "timestamp without time zone column"),
    rule("prefer-bigint-over-int", Severity::Warn, "integer or smallint primary key or identity"),
];

pub fn find_rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// `[lint]` of schemagen.toml: rule id → severity. An unknown id or severity fails to
/// deserialize, so the config loader points at it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Settings {
    severities: BTreeMap<RuleId, Severity>,
}

impl Settings {
    fn get(&self, rule: &'static str) -> Option<Severity> {
        self.severities.get(&RuleId(rule)).copied()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RuleId(&'static str);

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        match find_rule(&id) {
            Some(r) => Ok(RuleId(r.id)),
            None => Err(serde::de::Error::custom(unknown_rule_message(&id))),
        }
    }
}

pub fn unknown_rule_message(id: &str) -> String {
    match closest(id, RULES.iter().map(|r| r.id)) {
        Some(near) => format!("unknown lint rule `{id}`; did you mean `{near}`?"),
        None => format!("unknown lint rule `{id}` (the rules are listed in docs/lint.md)"),
    }
}

/// Findings about the desired schema: the advisor rules, and the type and name rules on
/// every column and object it declares.
pub fn lint_schema(desired: &Schema, settings: &Settings) -> Vec<Finding> {
    let mut ctx = Ctx { desired, current: None, settings, findings: Vec::new() };
    advisors::check(&mut ctx);
    style::check_schema(&mut ctx);
    output::sort(&mut ctx.findings);
    ctx.findings
}

/// Findings about a change from `current` to `desired`: the migration-safety rules, and
/// the type and name rules on what the change adds. With `online`, the plan builds indexes
/// CONCURRENTLY and adds constraints NOT VALID, so the rules that ask for that stay quiet.
pub fn lint_changes(
    current: &Schema,
    desired: &Schema,
    changes: &[Change],
    online: bool,
    settings: &Settings,
) -> Vec<Finding> {
    let mut ctx = Ctx { desired, current: Some(current), settings, findings: Vec::new() };
    safety::check(&mut ctx, current, changes, online);
    output::sort(&mut ctx.findings);
    ctx.findings
}

/// Resolves severities and origins while the rules report.
struct Ctx<'a> {
    desired: &'a Schema,
    /// For a change: where dropped objects were declared.
    current: Option<&'a Schema>,
    settings: &'a Settings,
    findings: Vec<Finding>,
}

impl Ctx<'_> {
    fn report(&mut self, rule: &'static str, object: ObjectRef, message: String, hint: impl Into<String>) {
        let severity = self.severity(rule, &object);
        if severity == Severity::Allow {
            return;
        }
        let origin = self.origin(&object);
        self.findings.push(Finding { rule, severity, object, message, origin, hint: hint.into() });
    }

    /// The object itself, then the column of a one-column constraint, then the table.
    fn lookup_chain(&self, object: &ObjectRef) -> Vec<ObjectRef> {
        let mut chain = vec![object.clone()];
        if let ObjectRef::Constraint(table, name) = object {
            let constraint = [Some(self.desired), self.current]
                .into_iter()
                .flatten()
                .find_map(|s| s.table(table).and_then(|t| t.constraint(name)));
            if let Some([column]) = constraint.map(|c| c.kind.columns()) {
                chain.push(ObjectRef::Column(table.clone(), column.clone()));
            }
        }
        if let Some(table) = table_of(object) {
            chain.push(ObjectRef::Table(table.clone()));
        }
        chain
    }

    fn severity(&self, rule: &'static str, object: &ObjectRef) -> Severity {
        let hints = &self.desired.hints.lint;
        let from_yaml = self
            .lookup_chain(object)
            .iter()
            .find_map(|o| hints.get(o).and_then(|rules| rules.get(rule)).and_then(|s| Severity::parse(s)));
        from_yaml
            .or_else(|| self.settings.get(rule))
            .or_else(|| find_rule(rule).map(|r| r.default))
            .expect("every reported rule is in RULES")
    }

    fn origin(&self, object: &ObjectRef) -> Option<Origin> {
        let chain = self.lookup_chain(object);
        [Some(self.desired), self.current]
            .into_iter()
            .flatten()
            .find_map(|s| chain.iter().find_map(|o| s.hints.origins.get(o)))
            .cloned()
    }
}

/// The table an object belongs to, for objects that live on a table.
fn table_of(object: &ObjectRef) -> Option<&QualifiedName> {
    match object {
        ObjectRef::Column(t, _)
        | ObjectRef::Constraint(t, _)
        | ObjectRef::Index(t, _)
        | ObjectRef::Policy(t, _)
        | ObjectRef::Trigger(t, _) => Some(t),
        ObjectRef::Table(_)
        | ObjectRef::Function(_)
        | ObjectRef::View(_)
        | ObjectRef::Type(_)
        | ObjectRef::Sequence(_)
        | ObjectRef::Schema(_)
        | ObjectRef::Extension(_) => None,
    }
}

/// Schemas the Data API (PostgREST) serves in a default Supabase project.
const EXPOSED_SCHEMAS: &[&str] = &["public"];

fn exposed(name: &QualifiedName) -> bool {
    EXPOSED_SCHEMAS.contains(&name.schema.as_str())
}
