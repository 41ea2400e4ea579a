//! The online-safe form of the steps that would block writes on a table that has rows
//! (`--online`): an index is built CONCURRENTLY, a foreign key or CHECK is added NOT VALID
//! and validated later, and SET NOT NULL goes through a validated CHECK so that it does not
//! scan the table under its exclusive lock. What must run outside the migration's
//! transaction (CONCURRENTLY cannot run in one, and VALIDATE only helps in a transaction of
//! its own) goes to the step's `after` statements. Rollbacks stay plain.

use crate::diff::Change;
use crate::model::naming::make_object_name;
use crate::model::{Column, ConstraintKind, ObjectId, QualifiedName, Schema};
use crate::statement::Statement as Stmt;

use super::{Step, add_column_stmts, alter_column, backfill_update, comment_stmt, create_index, not_null_stmt};

/// Rewrites the steps of `change` into their online form. A partitioned table keeps the
/// plain form: PostgreSQL builds no index CONCURRENTLY on one and adds no NOT VALID foreign
/// key to one, and its rows are in the partitions anyway.
pub(super) fn adapt(change: &Change, steps: &mut [Step], desired: &Schema) {
    let Some(step) = steps.first_mut() else { return };
    let partitioned = |t: &QualifiedName| desired.table(t).is_some_and(|t| t.partition_by.is_some());
    match change {
        Change::CreateIndex { table, .. }
        | Change::AddConstraint { table, .. }
        | Change::AlterColumn { table, .. }
        | Change::AddColumn { table, .. }
            if partitioned(table) => {}
        Change::CreateIndex { table, index } => {
            let mut after = vec![create_index(table, index, true)];
            if index.comment.is_some() {
                after.push(comment_stmt(&ObjectId::Index(table.clone(), index.name.clone()), &index.comment));
            }
            step.up = vec![];
            step.after = after;
        }
        Change::AddConstraint { table, constraint }
            if matches!(constraint.kind, ConstraintKind::ForeignKey(_) | ConstraintKind::Check { .. })
                && !constraint.not_valid =>
        {
            step.up[0] = Stmt::AddConstraint { table: table.clone(), constraint: constraint.clone(), not_valid: true };
            step.after.push(Stmt::ValidateConstraint { table: table.clone(), name: constraint.name.clone() });
        }
        Change::AlterColumn { table, from, to, using } if to.not_null && !from.not_null => {
            let nullable = Column { not_null: false, ..(**to).clone() };
            step.up = alter_column(table, from, &nullable, using.as_ref());
            not_null_through_check(step, table, &to.name);
        }
        Change::AddColumn { table, column, backfill: Some(expr) } if column.not_null => {
            let nullable = Column { not_null: false, ..column.clone() };
            step.up = add_column_stmts(table, &nullable);
            step.up.push(backfill_update(table, &column.name, expr));
            not_null_through_check(step, table, &column.name);
        }
        _ => {}
    }
}

/// `CHECK (column IS NOT NULL) NOT VALID` in the transaction (named apart from the NOT NULL
/// constraint that PostgreSQL 18 calls `<table>_<column>_not_null`); after it, VALIDATE (which lets
/// writes through), SET NOT NULL (which then needs no scan) and the check dropped.
fn not_null_through_check(step: &mut Step, table: &QualifiedName, column: &str) {
    let name = make_object_name(&table.name, Some(column), "not_null_check");
    step.up.push(Stmt::AddNotNullCheck { table: table.clone(), name: name.clone(), column: column.to_string() });
    step.after.push(Stmt::ValidateConstraint { table: table.clone(), name: name.clone() });
    step.after.push(not_null_stmt(table, column, true));
    step.after.push(Stmt::DropConstraint { table: table.clone(), name });
}
