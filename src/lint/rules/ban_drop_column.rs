//! A dropped column's data is lost, and clients deployed before the migration still read
//! it. A generated column changing its expression is dropped and added back: derived data,
//! nothing lost. `allow_destructive: true` on the table already says the loss is intended.

use crate::diff::Change;
use crate::lint::{Ctx, Migration};
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx, _: &Migration, change: &Change) {
    let Change::DropColumn { table, column } = change else { return };
    let desired = ctx.desired;
    if desired.table(table).and_then(|t| t.column(&column.name)).is_none()
        && !desired.hints.allow_destructive.contains(table)
    {
        let object = ObjectId::Column(table.clone(), column.name.clone());
        ctx.report(
            object.clone(),
            format!("{object} is dropped: its data is lost, and clients that still read it fail"),
            "stop reading the column in every client first, and keep a copy of the data if it may be needed",
        );
    }
}
