//! A 32- or 16-bit key or counter runs out, and widening it later rewrites the table and
//! every column that references it.

use crate::lint::Ctx;
use crate::model::{Column, ObjectId, Table};

pub(super) fn check(ctx: &mut Ctx, table: &Table, c: &Column) {
    let ty = &c.data_type;
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
        let object = ObjectId::Column(table.name.clone(), c.name.clone());
        let message = format!(
            "{object} is {} and {role}: it runs out at {limit}, and widening it later rewrites the table and the columns that reference it",
            ty.sql()
        );
        ctx.report(object, message, "use `bigint` (`bigint generated always as identity` for a counter)");
    }
}
