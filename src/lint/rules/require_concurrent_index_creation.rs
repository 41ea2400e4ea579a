//! `CREATE INDEX` without CONCURRENTLY blocks writes to the table until the index is built.

use crate::diff::Change;
use crate::lint::{Ctx, Migration};
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx, migration: &Migration, change: &Change) {
    let Change::CreateIndex { table, index } = change else { return };
    // PostgreSQL builds no index CONCURRENTLY on a partitioned table: `--online` cannot help.
    let partitioned = ctx.desired.tables.get(table).is_some_and(|t| t.partition_by.is_some());
    if migration.existing(table) && !migration.online && !partitioned {
        let object = ObjectId::Index(table.clone(), index.name.clone());
        ctx.report(
            object.clone(),
            format!("{object} is built on a table that exists without CONCURRENTLY: writes to {table} wait until the whole index is built"),
            "generate the migration with `--online`, which builds it CONCURRENTLY outside the transaction",
        );
    }
}
