//! Rows without a key cannot be addressed one by one, and logical replication (Realtime,
//! read replicas) cannot replicate their updates and deletes.

use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for table in ctx.desired.tables.values() {
        // A partition has the key of the table it is a partition of (PostgreSQL copies it).
        let mut root = table;
        while let Some(parent) = root.partition_of.as_ref().and_then(|o| ctx.desired.tables.get(&o.parent)) {
            root = parent;
        }
        if table.primary_key().is_none() && root.primary_key().is_none() {
            ctx.report(
                ObjectId::Table(table.name.clone()),
                format!("table {} has no primary key: rows cannot be addressed one by one, and logical replication cannot replicate its updates and deletes", table.name),
                "add `primary_key:` or `primary key` on a column, e.g. `id: uuid primary key default gen_random_uuid()`",
            );
        }
    }
}
