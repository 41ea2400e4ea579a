//! Rules on the types of columns (`prefer-*`). On the schema they cover every column; on a
//! change, only the columns it adds or retypes, so a migration is not blamed for what was
//! there before. (Names over 63 bytes need no rule: the YAML loader rejects them.)

use super::Ctx;
use crate::model::{Column, ObjectRef, Table};

pub(super) fn check_schema(ctx: &mut Ctx) {
    for table in ctx.desired.tables.values() {
        columns(ctx, table);
    }
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
