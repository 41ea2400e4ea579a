//! The API serves a table of an exposed schema to anyone holding the anon key, limited only
//! by grants, and Supabase grants the API roles every table of `public` by default.

use super::exposed;
use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for table in ctx.desired.tables.values() {
        if !table.rls_enabled && exposed(&table.name) {
            ctx.report(
                ObjectId::Table(table.name.clone()),
                format!("table {} is in an exposed schema without row-level security: anyone with the anon key reads and writes every row its grants allow", table.name),
                "add `rls: true` and policies for the roles that need the rows",
            );
        }
    }
}
