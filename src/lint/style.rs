//! Rules on how columns and names are declared (`prefer-*`, `identifier-too-long`). On the
//! schema they cover every column and name; on a change, only what the change adds or
//! retypes, so a migration is not blamed for what was there before.

use std::collections::BTreeSet;

use super::Ctx;
use crate::model::naming::{MAX_IDENT, clip};
use crate::model::{Column, ObjectRef, QualifiedName, Table};

pub(super) fn check_schema(ctx: &mut Ctx) {
    for table in ctx.desired.tables.values() {
        columns(ctx, table);
    }
    long_identifiers(ctx, None);
}

pub(super) fn columns(ctx: &mut Ctx, table: &Table) {
    for c in &table.columns {
        column_type(ctx, table, c);
    }
}

/// The type rules on one column of `table` (as desired).
pub(super) fn column_type(ctx: &mut Ctx, table: &Table, c: &Column) {
    let object = ObjectRef::Column(table.name.clone(), c.name.clone());
    let ty = &c.data_type;
    if ty.builtin && ty.name == "character varying" && !ty.modifiers.is_empty() {
        ctx.report(
            "prefer-text-field",
            object.clone(),
            format!(
                "{object} is {}: changing its limit later takes an ACCESS EXCLUSIVE lock, and lowering it rewrites the table",
                ty.sql()
            ),
            format!(
                "use `text` with `check (char_length({}) <= {})`: a check can be replaced NOT VALID and validated without blocking reads",
                crate::pgtree::quote_ident(&c.name),
                ty.modifiers.join(",")
            ),
        );
    }
    if ty.builtin && ty.name == "timestamp without time zone" {
        ctx.report(
            "prefer-timestamptz",
            object.clone(),
            format!("{object} is a timestamp without time zone: its values are local times of no known zone, read differently by sessions with different TimeZone settings"),
            "use `timestamptz`, which stores an instant and converts to each session's zone",
        );
    }
    let small = ty.builtin
        && ty.array_dims == 0
        && matches!(ty.name.as_str(), "integer" | "smallint" | "serial" | "smallserial");
    let key = table.primary_key().is_some_and(|pk| pk.contains(&c.name));
    if small && (key || c.identity.is_some() || ty.is_serial()) {
        let role = match (key, c.identity.is_some()) {
            (true, _) => "a primary key",
            (false, true) => "an identity column",
            (false, false) => "a serial counter",
        };
        let limit = if ty.name.starts_with("small") { "32,767" } else { "2,147,483,647" };
        let message = format!(
            "{object} is {} and {role}: it runs out at {limit}, and widening it later rewrites the table and the columns that reference it",
            ty.sql()
        );
        ctx.report(
            "prefer-bigint-over-int",
            object,
            message,
            "use `bigint` (`bigint generated always as identity` for a counter)",
        );
    }
}

/// Names longer than 63 bytes as the YAML writes them. PostgreSQL's parser cuts them, and
/// so does the loader (it replays the YAML as SQL), so the model only holds the cut names:
/// the names as written are the keys of the hints. With `created`, only the objects a
/// change creates (by their cut names) are reported.
pub(super) fn long_identifiers(ctx: &mut Ctx, created: Option<&BTreeSet<ObjectRef>>) {
    let hints = &ctx.desired.hints;
    let written: BTreeSet<&ObjectRef> = hints.origins.keys().chain(hints.lint.keys()).collect();
    for object in written {
        let name = own_name(object);
        if name.len() <= MAX_IDENT || created.is_some_and(|c| !c.contains(&clipped(object))) {
            continue;
        }
        ctx.report(
            "identifier-too-long",
            object.clone(),
            format!(
                "the name `{name}` is {} bytes: PostgreSQL keeps the first 63, `{}`, so the database and the API know it by another name than the YAML",
                name.len(),
                clip(name, MAX_IDENT)
            ),
            "shorten the name to 63 bytes or fewer",
        );
    }
}

fn own_name(object: &ObjectRef) -> &str {
    match object {
        ObjectRef::Table(q)
        | ObjectRef::Function(q)
        | ObjectRef::View(q)
        | ObjectRef::Type(q)
        | ObjectRef::Sequence(q) => &q.name,
        ObjectRef::Column(_, n)
        | ObjectRef::Constraint(_, n)
        | ObjectRef::Index(_, n)
        | ObjectRef::Policy(_, n)
        | ObjectRef::Trigger(_, n)
        | ObjectRef::Schema(n)
        | ObjectRef::Extension(n) => n,
    }
}

/// The object as PostgreSQL (and the model) names it: every part cut to 63 bytes.
fn clipped(object: &ObjectRef) -> ObjectRef {
    let cut = |s: &str| clip(s, MAX_IDENT).to_string();
    let q = |q: &QualifiedName| QualifiedName::new(cut(&q.schema), cut(&q.name));
    match object {
        ObjectRef::Table(t) => ObjectRef::Table(q(t)),
        ObjectRef::Column(t, n) => ObjectRef::Column(q(t), cut(n)),
        ObjectRef::Constraint(t, n) => ObjectRef::Constraint(q(t), cut(n)),
        ObjectRef::Index(t, n) => ObjectRef::Index(q(t), cut(n)),
        ObjectRef::Policy(t, n) => ObjectRef::Policy(q(t), cut(n)),
        ObjectRef::Trigger(t, n) => ObjectRef::Trigger(q(t), cut(n)),
        ObjectRef::Function(f) => ObjectRef::Function(q(f)),
        ObjectRef::View(v) => ObjectRef::View(q(v)),
        ObjectRef::Type(t) => ObjectRef::Type(q(t)),
        ObjectRef::Sequence(s) => ObjectRef::Sequence(q(s)),
        ObjectRef::Schema(s) => ObjectRef::Schema(cut(s)),
        ObjectRef::Extension(e) => ObjectRef::Extension(cut(e)),
    }
}
