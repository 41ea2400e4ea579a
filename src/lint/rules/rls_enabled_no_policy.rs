//! With row-level security on and no policy, only the owner and roles that bypass it
//! (service_role) see a row: usually a policy was forgotten.

use super::policies_of;
use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for table in ctx.desired.tables.values() {
        if table.rls_enabled && policies_of(ctx.desired, table).is_empty() {
            ctx.report(
                ObjectId::Table(table.name.clone()),
                format!(
                    "table {} has row-level security on but no policy: no role but the owner and service_role sees a row",
                    table.name
                ),
                "add policies, or allow the rule on the table if only service_role may use it",
            );
        }
    }
}
