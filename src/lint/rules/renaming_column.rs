//! Clients still using a column's old name fail from the moment the migration runs.

use crate::diff::Change;
use crate::lint::{Ctx, Migration};
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx, _: &Migration, change: &Change) {
    let Change::Rename { object: object @ ObjectId::Column(_, c), from } = change else { return };
    ctx.report(
        object.clone(),
        format!("{object} is renamed from {from}: clients that still use the old name fail as soon as it runs"),
        format!("add the new column beside {from}, write both until every client reads {c}, then drop {from}"),
    );
}
