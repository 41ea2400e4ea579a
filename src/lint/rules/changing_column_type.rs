//! A type change rewrites the table and its indexes under an ACCESS EXCLUSIVE lock that
//! blocks reads and writes for the whole rewrite, and clients reading the old type may
//! break. PostgreSQL spares the rows only for a few varchar changes.

use crate::diff::Change;
use crate::lint::{Ctx, Migration};
use crate::model::{DataType, ObjectId};

pub(super) fn check(ctx: &mut Ctx, _: &Migration, change: &Change) {
    let Change::AlterColumn { table, from, to, .. } = change else { return };
    if from.data_type != to.data_type && !keeps_storage(&from.data_type, &to.data_type) {
        let object = ObjectId::Column(table.clone(), to.name.clone());
        ctx.report(
            object.clone(),
            format!("{object} changes type from {} to {}: the table and its indexes are rewritten under an ACCESS EXCLUSIVE lock, and clients that read the old type may break", from.data_type, to.data_type),
            "on a big table, add a column of the new type, fill it and switch over; give the cast with `using:` on the column when it is not automatic",
        );
    }
}

/// Type changes PostgreSQL makes without rewriting or scanning the table: a varchar limit
/// raised or removed, or varchar becoming text.
fn keeps_storage(from: &DataType, to: &DataType) -> bool {
    let varchar = |t: &DataType| t.builtin && t.name == "character varying";
    if from.array_dims != to.array_dims || !varchar(from) {
        return false;
    }
    let limit = |t: &DataType| t.modifiers.first().and_then(|m| m.parse::<u64>().ok());
    match (limit(from), to) {
        (_, t) if t.builtin && t.name == "text" => true,
        (Some(old), t) if varchar(t) => limit(t).is_none_or(|new| new >= old),
        (None, t) => varchar(t) && limit(t).is_none(),
        _ => false,
    }
}
