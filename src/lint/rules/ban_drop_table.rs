//! A dropped table's rows are lost, and clients deployed before the migration still use it.

use crate::diff::Change;
use crate::lint::{Ctx, Migration};
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx, _: &Migration, change: &Change) {
    let Change::DropTable(t) = change else { return };
    ctx.report(
        ObjectId::Table(t.name.clone()),
        format!("table {} is dropped with all its rows, and clients that still use it fail", t.name),
        "stop using the table in every client first, and keep a copy of the data if it may be needed",
    );
}
