//! Adding a foreign key or check checks every row while holding a lock that blocks writes
//! (for a foreign key, on the referenced table too); NOT VALID then VALIDATE lets them
//! through.

use crate::diff::Change;
use crate::lint::{Ctx, Migration};
use crate::model::{ConstraintKind, ObjectId};

pub(super) fn check(ctx: &mut Ctx, migration: &Migration, change: &Change) {
    let Change::AddConstraint { table, constraint } = change else { return };
    if migration.existing(table)
        && !migration.online
        && !constraint.not_valid
        && matches!(constraint.kind, ConstraintKind::ForeignKey(_) | ConstraintKind::Check { .. })
    {
        let object = ObjectId::Constraint(table.clone(), constraint.name.clone());
        ctx.report(
            object.clone(),
            format!("{object} is added to a table that exists without NOT VALID: every row is checked while writes to {table} wait"),
            "generate the migration with `--online`, which adds it NOT VALID and validates it in a second statement that lets writes through",
        );
    }
}
