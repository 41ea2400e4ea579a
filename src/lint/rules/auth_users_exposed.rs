//! A view of auth.users in an exposed schema serves users' emails, phone numbers and
//! metadata through the API. As `security_invoker` it needs the caller's privileges on
//! auth.users, which the API roles lack.

use super::exposed;
use crate::lint::Ctx;
use crate::model::{ObjectId, QualifiedName};

pub(super) fn check(ctx: &mut Ctx) {
    let auth_users = QualifiedName::new("auth", "users");
    for view in ctx.desired.views.values().filter(|v| exposed(&v.name)) {
        if !view.security_invoker() && view.refs.relations.contains(&auth_users) {
            ctx.report(
                ObjectId::View { name: view.name.clone(), materialized: view.materialized },
                format!("view {} reads auth.users from an exposed schema: the API can read users' emails and metadata through it", view.name),
                "move the view to a schema the API does not serve, or make it `security_invoker: true`",
            );
        }
    }
}
