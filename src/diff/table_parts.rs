//! The parts of tables that stand on something the migration drops and creates again (a
//! function whose result type changes) or alters (a column's type): PostgreSQL refuses the
//! change while they hold on to it, so they are taken off before and put back after.

use std::collections::BTreeSet;

use super::Change;
use crate::model::deps::Graph;
use crate::model::{Column, ConstraintKind, ObjectId, QualifiedName, Schema};

/// Adds the changes that take off and put back what stands on `rebuilt`, and adds to it
/// the generated columns dropped and added again, so that what reads them is rebuilt too.
pub fn rebuild(
    current: &Schema,
    desired: &Schema,
    graph: &Graph,
    rebuilt: &mut BTreeSet<ObjectId>,
    changes: &mut Vec<Change>,
) {
    let handled: BTreeSet<ObjectId> = changes.iter().filter_map(part).collect();
    let replaced: BTreeSet<ObjectId> = changes
        .iter()
        .filter(|c| matches!(c, Change::AddColumn { .. } | Change::DropColumn { .. }))
        .filter_map(part)
        .collect();
    let on_function =
        |id: &ObjectId| graph.depends_on(id).any(|d| matches!(d, ObjectId::Function(_)) && rebuilt.contains(d));
    let calls_rebuilt = |c: &Column| {
        let calls = c.default.as_ref().map(|d| d.refs().functions.clone()).unwrap_or_default();
        rebuilt.iter().any(|r| matches!(r, ObjectId::Function(f) if calls.contains(&f.name)))
    };
    let mut extra = Vec::new();
    let mut generated = Vec::new();
    for (name, old) in &current.tables {
        let Some(new) = desired.tables.get(name) else { continue };
        for c in &old.columns {
            let id = ObjectId::Column(name.clone(), c.name.clone());
            let Some(wanted) = new.column(&c.name) else { continue };
            // Derived data: dropped and computed again, whatever else changes about it.
            if c.generated.is_some() && !replaced.contains(&id) && graph.depends_on(&id).any(|d| rebuilt.contains(d)) {
                changes.retain(
                    |x| !matches!(x, Change::AlterColumn { table, to, .. } if table == name && to.name == c.name),
                );
                extra.push(Change::DropColumn { table: name.clone(), column: c.clone() });
                extra.push(Change::AddColumn { table: name.clone(), column: wanted.clone(), backfill: None });
                generated.push(id);
            } else if c.default.is_some() && !handled.contains(&id) && on_function(&id) && c == wanted {
                let bare = Column { default: None, ..c.clone() };
                extra.push(alter(name, c, &bare));
                extra.push(alter(name, &bare, wanted));
            } else if calls_rebuilt(wanted) && !replaced.contains(&id) && on_function(&id) {
                // Altered anyway (its type changes): the default comes off with the change
                // and goes back on after the function is created again (which orders the
                // two: the first lets go of the old function, the second needs the new).
                let altered = changes.iter_mut().find_map(|x| match x {
                    Change::AlterColumn { table, to, .. } if table == name && to.name == c.name => Some(to),
                    _ => None,
                });
                if let Some(to) = altered {
                    let bare = Column { default: None, ..(**to).clone() };
                    extra.push(alter(name, &bare, to));
                    **to = bare;
                }
            }
        }
        // DROP COLUMN takes the indexes and constraints of a generated column dropped and
        // added again: they are created again after it.
        let stands = |id: &ObjectId| {
            !handled.contains(id) && (on_function(id) || graph.depends_on(id).any(|d| generated.contains(d)))
        };
        // An expression over a column of an enum recreated keeps its constants typed with
        // the old type, which ALTER COLUMN … TYPE cannot compare with the new one.
        let enum_of = |d: &ObjectId| match d {
            ObjectId::Type(_) => rebuilt.contains(d),
            ObjectId::Column(t, c) => {
                old.name == *t
                    && old.column(c).is_some_and(|c| {
                        let ty = &c.data_type;
                        let q = QualifiedName::new(ty.schema.as_deref().unwrap_or("public"), ty.name.clone());
                        !ty.builtin && rebuilt.contains(&ObjectId::Type(q))
                    })
            }
            _ => false,
        };
        let on_enum = |id: &ObjectId| !handled.contains(id) && graph.depends_on(id).any(enum_of);
        for c in &old.constraints {
            let id = ObjectId::Constraint(name.clone(), c.name.clone());
            let expression = matches!(c.kind, ConstraintKind::Check { .. } | ConstraintKind::Exclude(_));
            if let Some(wanted) = new.constraint(&c.name).filter(|_| stands(&id) || (expression && on_enum(&id))) {
                extra.push(Change::DropConstraint { table: name.clone(), constraint: c.clone() });
                extra.push(Change::AddConstraint { table: name.clone(), constraint: wanted.clone() });
            }
        }
        for i in &old.indexes {
            let id = ObjectId::Index(name.clone(), i.name.clone());
            let expression = i.predicate.is_some() || i.keys.iter().any(|k| k.expr.is_some());
            if let Some(wanted) = new.index(&i.name).filter(|_| stands(&id) || (expression && on_enum(&id))) {
                extra.push(Change::DropIndex { table: name.clone(), index: i.clone() });
                extra.push(Change::CreateIndex { table: name.clone(), index: wanted.clone() });
            }
        }
    }
    rebuilt.extend(generated);
    changes.extend(extra);
}

fn alter(table: &QualifiedName, from: &Column, to: &Column) -> Change {
    Change::AlterColumn { table: table.clone(), from: Box::new(from.clone()), to: Box::new(to.clone()), using: None }
}

/// The column, constraint or index a change is about, if it is about one.
fn part(change: &Change) -> Option<ObjectId> {
    match change {
        Change::AddColumn { table, column, .. } | Change::DropColumn { table, column } => {
            Some(ObjectId::Column(table.clone(), column.name.clone()))
        }
        Change::AlterColumn { table, to, .. } => Some(ObjectId::Column(table.clone(), to.name.clone())),
        Change::AddConstraint { table, constraint }
        | Change::DropConstraint { table, constraint }
        | Change::ValidateConstraint { table, constraint } => {
            Some(ObjectId::Constraint(table.clone(), constraint.name.clone()))
        }
        Change::CreateIndex { table, index } | Change::DropIndex { table, index } => {
            Some(ObjectId::Index(table.clone(), index.name.clone()))
        }
        _ => None,
    }
}
