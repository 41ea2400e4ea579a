//! `ALTER TABLE … ADD COLUMN … NOT NULL` without a value fails on the first row: the
//! migration works on an empty development database and fails in production.

use crate::diff::Change;
use crate::lint::{Ctx, Migration};
use crate::model::{Column, ObjectId};

pub(super) fn check(ctx: &mut Ctx, migration: &Migration, change: &Change) {
    let Change::AddColumn { table, column, backfill: None } = change else { return };
    if migration.existing(table) && required_without_value(column) {
        let object = ObjectId::Column(table.clone(), column.name.clone());
        ctx.report(
            object.clone(),
            format!("{object} is added NOT NULL without a default to a table that exists: ALTER TABLE fails as soon as the table has a row"),
            "add `backfill: <expression over the row>` to the column (the plan adds it, fills it, then sets NOT NULL), or a `default`",
        );
    }
}

/// NOT NULL with nothing to fill the rows that exist: no default, identity, generation
/// expression or serial sequence.
fn required_without_value(c: &Column) -> bool {
    c.not_null && c.default.is_none() && c.identity.is_none() && c.generated.is_none() && !c.data_type.is_serial()
}
