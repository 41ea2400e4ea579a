//! A view runs with its owner's privileges, so API callers read the tables behind it past
//! their row-level security.

use super::exposed;
use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for view in ctx.desired.views.values().filter(|v| exposed(&v.name)) {
        if !view.materialized && !view.security_invoker() {
            ctx.report(
                ObjectId::View { name: view.name.clone(), materialized: view.materialized },
                format!("view {} runs with its owner's privileges: API callers read the tables behind it past their row-level security", view.name),
                "add `security_invoker: true` so the view checks the caller's privileges and policies",
            );
        }
    }
}
