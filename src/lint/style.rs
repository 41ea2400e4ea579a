//! Rules on how columns and names are declared (`prefer-*`, `identifier-too-long`). On the
//! schema they cover every column and name; on a change, only what the change adds or
//! retypes, so a migration is not blamed for what was there before.

use super::Ctx;
use crate::model::{Column, ObjectRef, Table};

/// PostgreSQL keeps the first NAMEDATALEN - 1 bytes of a name.
const MAX_IDENTIFIER_BYTES: usize = 63;

pub(super) fn check_schema(ctx: &mut Ctx) {
    let schema = ctx.desired;
    for table in schema.tables.values() {
        table_names_and_columns(ctx, table);
    }
    for policy in schema.policies.values() {
        identifier(ctx, ObjectRef::Policy(policy.table.clone(), policy.name.clone()), &policy.name);
    }
    for trigger in schema.triggers.values() {
        identifier(ctx, ObjectRef::Trigger(trigger.table.clone(), trigger.name.clone()), &trigger.name);
    }
    for f in schema.functions.values() {
        identifier(ctx, ObjectRef::Function(f.name.clone()), &f.name.name);
    }
    for v in schema.views.values() {
        identifier(ctx, ObjectRef::View(v.name.clone()), &v.name.name);
    }
    for name in schema.enums.keys().chain(schema.domains.keys()) {
        identifier(ctx, ObjectRef::Type(name.clone()), &name.name);
    }
    for name in schema.sequences.keys() {
        identifier(ctx, ObjectRef::Sequence(name.clone()), &name.name);
    }
    for name in &schema.schemas {
        identifier(ctx, ObjectRef::Schema(name.clone()), name);
    }
}

/// A whole table: its name, the names of its constraints and indexes, and each column.
pub(super) fn table_names_and_columns(ctx: &mut Ctx, table: &Table) {
    identifier(ctx, ObjectRef::Table(table.name.clone()), &table.name.name);
    for c in &table.columns {
        column(ctx, table, c);
    }
    for c in &table.constraints {
        identifier(ctx, ObjectRef::Constraint(table.name.clone(), c.name.clone()), &c.name);
    }
    for i in &table.indexes {
        identifier(ctx, ObjectRef::Index(table.name.clone(), i.name.clone()), &i.name);
    }
}

/// The type rules and the name rule on one column of `table` (as desired).
pub(super) fn column(ctx: &mut Ctx, table: &Table, c: &Column) {
    let object = ObjectRef::Column(table.name.clone(), c.name.clone());
    identifier(ctx, object.clone(), &c.name);
    column_type(ctx, table, c);
}

/// The type rules alone, for a column whose type a change sets.
pub(super) fn column_type(ctx: &mut Ctx, table: &Table, c: &Column) {
    let object = ObjectRef::Column(table.name.clone(), c.name.clone());
    let ty = &c.data_type;
    if ty.builtin && ty.name == "character varying" && !ty.modifiers.is_empty() {
        ctx.report(
            "prefer-text-field",
            object.clone(),
            format!("{object} is {}: changing its limit later takes an ACCESS EXCLUSIVE lock, and lowering it rewrites the table", ty.sql()),
            format!("use `text` with `check (char_length({}) <= {})`: a check can be replaced NOT VALID and validated without blocking reads", crate::pgtree::quote_ident(&c.name), ty.modifiers.join(",")),
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

pub(super) fn identifier(ctx: &mut Ctx, object: ObjectRef, name: &str) {
    if name.len() > MAX_IDENTIFIER_BYTES {
        let mut end = MAX_IDENTIFIER_BYTES;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        ctx.report(
            "identifier-too-long",
            object,
            format!("the name `{name}` is {} bytes: PostgreSQL keeps only the first 63, `{}`, so the database never matches the YAML", name.len(), &name[..end]),
            "shorten the name to 63 bytes or fewer",
        );
    }
}
