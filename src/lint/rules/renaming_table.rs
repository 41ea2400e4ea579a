//! Clients still using a table's old name (or schema) fail from the moment the migration runs.

use crate::diff::Change;
use crate::lint::{Ctx, Migration};
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx, _: &Migration, change: &Change) {
    let (t, from) = match change {
        Change::Rename { object: ObjectId::Table(t), from } => (t, from.clone()),
        Change::MoveTable { from, to, .. } => (to, from.to_string()),
        _ => return,
    };
    ctx.report(
        ObjectId::Table(t.clone()),
        format!("table {t} is renamed from {from}: clients that still use the old name fail as soon as it runs"),
        format!("deploy clients that use {t} first, or keep a view named {from} over the table while they move"),
    );
}
