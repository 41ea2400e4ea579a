//! Policies are not applied until row-level security is on: the table is open while it
//! looks protected.

use super::policies_of;
use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for table in ctx.desired.tables.values() {
        let policies = policies_of(ctx.desired, table);
        if !table.rls_enabled && !policies.is_empty() {
            let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
            ctx.report(
                ObjectId::Table(table.name.clone()),
                format!(
                    "table {} has policies ({}) but row-level security is off, so they are not applied",
                    table.name,
                    names.join(", ")
                ),
                "add `rls: true`",
            );
        }
    }
}
