//! Migration-safety rules on a change (squawk's rule names): what locks a busy table, what
//! fails on a table that has rows, what loses data, what breaks clients still running.

use std::collections::BTreeSet;

use super::{Ctx, style};
use crate::diff::Change;
use crate::model::{Column, ConstraintKind, DataType, ObjectRef, QualifiedName, Schema};

pub(super) fn check(ctx: &mut Ctx, current: &Schema, changes: &[Change], online: bool) {
    let desired = ctx.desired;
    // A table renamed by the change exists under its new name; one it creates does not.
    let renamed: BTreeSet<&QualifiedName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Rename { object: ObjectRef::Table(t), .. } => Some(t),
            _ => None,
        })
        .collect();
    let existing = |t: &QualifiedName| current.tables.contains_key(t) || renamed.contains(t);
    for change in changes {
        match change {
            Change::CreateTable(table) => style::columns(ctx, table),
            Change::AddColumn { table, column, backfill } => {
                if let Some(t) = desired.table(table) {
                    style::column_type(ctx, t, column);
                }
                if existing(table) && required_without_value(column) && backfill.is_none() {
                    let object = ObjectRef::Column(table.clone(), column.name.clone());
                    ctx.report(
                        "adding-required-field",
                        object.clone(),
                        format!("{object} is added NOT NULL without a default to a table that exists: ALTER TABLE fails as soon as the table has a row"),
                        "add `backfill: <expression over the row>` to the column (the plan adds it, fills it, then sets NOT NULL), or a `default`",
                    );
                }
            }
            Change::AlterColumn { table, from, to, .. } if from.data_type != to.data_type => {
                if let Some(t) = desired.table(table) {
                    style::column_type(ctx, t, to);
                }
                if !keeps_storage(&from.data_type, &to.data_type) {
                    let object = ObjectRef::Column(table.clone(), to.name.clone());
                    ctx.report(
                        "changing-column-type",
                        object.clone(),
                        format!("{object} changes type from {} to {}: the table and its indexes are rewritten under an ACCESS EXCLUSIVE lock, and clients that read the old type may break", from.data_type, to.data_type),
                        "on a big table, add a column of the new type, fill it and switch over; give the cast with `using:` on the column when it is not automatic",
                    );
                }
            }
            Change::CreateIndex { table, index } if existing(table) && !online => {
                let object = ObjectRef::Index(table.clone(), index.name.clone());
                ctx.report(
                    "require-concurrent-index-creation",
                    object.clone(),
                    format!("{object} is built on a table that exists without CONCURRENTLY: writes to {table} wait until the whole index is built"),
                    "generate the migration with `--online`, which builds it CONCURRENTLY outside the transaction",
                );
            }
            Change::AddConstraint { table, constraint }
                if existing(table)
                    && !online
                    && !constraint.not_valid
                    && matches!(constraint.kind, ConstraintKind::ForeignKey(_) | ConstraintKind::Check { .. }) =>
            {
                let object = ObjectRef::Constraint(table.clone(), constraint.name.clone());
                ctx.report(
                    "constraint-missing-not-valid",
                    object.clone(),
                    format!("{object} is added to a table that exists without NOT VALID: every row is checked while writes to {table} wait"),
                    "generate the migration with `--online`, which adds it NOT VALID and validates it in a second statement that lets writes through",
                );
            }
            // A generated column changing its expression is dropped and added back: derived
            // data, nothing lost. `allow_destructive: true` on the table already says the
            // loss is intended.
            Change::DropColumn { table, column }
                if desired.table(table).and_then(|t| t.column(&column.name)).is_none()
                    && !desired.hints.allow_destructive.contains(table) =>
            {
                let object = ObjectRef::Column(table.clone(), column.name.clone());
                ctx.report(
                    "ban-drop-column",
                    object.clone(),
                    format!("{object} is dropped: its data is lost, and clients that still read it fail"),
                    "stop reading the column in every client first, and keep a copy of the data if it may be needed",
                );
            }
            Change::DropTable(t) => {
                ctx.report(
                    "ban-drop-table",
                    ObjectRef::Table(t.name.clone()),
                    format!("table {} is dropped with all its rows, and clients that still use it fail", t.name),
                    "stop using the table in every client first, and keep a copy of the data if it may be needed",
                );
            }
            Change::Rename { object: ObjectRef::Table(t), from } => {
                ctx.report(
                    "renaming-table",
                    ObjectRef::Table(t.clone()),
                    format!(
                        "table {t} is renamed from {from}: clients that still use the old name fail as soon as it runs"
                    ),
                    format!(
                        "deploy clients that use {t} first, or keep a view named {from} over the table while they move"
                    ),
                );
            }
            Change::Rename { object: object @ ObjectRef::Column(_, c), from } => {
                ctx.report(
                    "renaming-column",
                    object.clone(),
                    format!(
                        "{object} is renamed from {from}: clients that still use the old name fail as soon as it runs"
                    ),
                    format!(
                        "add the new column beside {from}, write both until every client reads {c}, then drop {from}"
                    ),
                );
            }
            _ => {}
        }
    }
}

/// NOT NULL with nothing to fill the rows that exist: no default, identity, generation
/// expression or serial sequence.
fn required_without_value(c: &Column) -> bool {
    c.not_null && c.default.is_none() && c.identity.is_none() && c.generated.is_none() && !c.data_type.is_serial()
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
