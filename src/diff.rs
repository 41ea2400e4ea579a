//! current vs desired → the list of changes that turns one into the other.
//! Order here is only deterministic (sorted by name); `plan` decides the apply order.

use std::collections::BTreeSet;

use crate::model::{Column, Constraint, ConstraintKind, Index, QualifiedName, Schema, Table};

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    CreateSchema(String),
    DropSchema(String),
    CreateTable(Table),
    DropTable(Table),
    AddColumn {
        table: QualifiedName,
        column: Column,
    },
    DropColumn {
        table: QualifiedName,
        column: Column,
    },
    AlterColumn {
        table: QualifiedName,
        from: Box<Column>,
        to: Box<Column>,
    },
    AddConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    DropConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    CreateIndex {
        table: QualifiedName,
        index: Index,
    },
    DropIndex {
        table: QualifiedName,
        index: Index,
    },
    Comment {
        target: CommentTarget,
        from: Option<String>,
        to: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum CommentTarget {
    Table(QualifiedName),
    Column(QualifiedName, String),
    Constraint(QualifiedName, String),
    Index(QualifiedName, String),
}

pub fn diff(current: &Schema, desired: &Schema) -> Vec<Change> {
    let mut changes = Vec::new();
    for s in desired.schemas.difference(&current.schemas) {
        changes.push(Change::CreateSchema(s.clone()));
    }
    for (name, table) in &desired.tables {
        match current.tables.get(name) {
            None => changes.push(Change::CreateTable(table.clone())),
            Some(old) => diff_table(old, table, &mut changes),
        }
    }
    for (name, table) in &current.tables {
        if !desired.tables.contains_key(name) {
            changes.push(Change::DropTable(table.clone()));
        }
    }
    recreate_dependent_foreign_keys(current, desired, &mut changes);
    for s in current.schemas.difference(&desired.schemas) {
        changes.push(Change::DropSchema(s.clone()));
    }
    changes
}

fn comment(
    changes: &mut Vec<Change>,
    target: CommentTarget,
    from: &Option<String>,
    to: &Option<String>,
) {
    if from != to {
        changes.push(Change::Comment {
            target,
            from: from.clone(),
            to: to.clone(),
        });
    }
}

fn diff_table(old: &Table, new: &Table, changes: &mut Vec<Change>) {
    let t = &new.name;
    comment(
        changes,
        CommentTarget::Table(t.clone()),
        &old.comment,
        &new.comment,
    );
    for col in &new.columns {
        match old.column(&col.name) {
            None => changes.push(Change::AddColumn {
                table: t.clone(),
                column: col.clone(),
            }),
            // PostgreSQL cannot add or change a generation expression in place (before 17),
            // and a rollback of DROP EXPRESSION would have to: the column is derived data,
            // so it is dropped and added again.
            Some(prev) if prev.generated != col.generated => {
                changes.push(Change::DropColumn {
                    table: t.clone(),
                    column: prev.clone(),
                });
                changes.push(Change::AddColumn {
                    table: t.clone(),
                    column: col.clone(),
                });
            }
            Some(prev) => {
                let (mut a, mut b) = (prev.clone(), col.clone());
                a.comment = None;
                b.comment = None;
                if a != b {
                    changes.push(Change::AlterColumn {
                        table: t.clone(),
                        from: Box::new(a),
                        to: Box::new(b),
                    });
                }
                comment(
                    changes,
                    CommentTarget::Column(t.clone(), col.name.clone()),
                    &prev.comment,
                    &col.comment,
                );
            }
        }
    }
    for col in &old.columns {
        if new.column(&col.name).is_none() {
            changes.push(Change::DropColumn {
                table: t.clone(),
                column: col.clone(),
            });
        }
    }
    for c in &new.constraints {
        match old.constraint(&c.name) {
            Some(prev) if prev.same_definition(c) => comment(
                changes,
                CommentTarget::Constraint(t.clone(), c.name.clone()),
                &prev.comment,
                &c.comment,
            ),
            Some(prev) => {
                changes.push(Change::DropConstraint {
                    table: t.clone(),
                    constraint: prev.clone(),
                });
                changes.push(Change::AddConstraint {
                    table: t.clone(),
                    constraint: c.clone(),
                });
            }
            None => changes.push(Change::AddConstraint {
                table: t.clone(),
                constraint: c.clone(),
            }),
        }
    }
    for c in &old.constraints {
        if new.constraint(&c.name).is_none() {
            changes.push(Change::DropConstraint {
                table: t.clone(),
                constraint: c.clone(),
            });
        }
    }
    for i in &new.indexes {
        match old.index(&i.name) {
            Some(prev) if prev.same_definition(i) => comment(
                changes,
                CommentTarget::Index(t.clone(), i.name.clone()),
                &prev.comment,
                &i.comment,
            ),
            Some(prev) => {
                changes.push(Change::DropIndex {
                    table: t.clone(),
                    index: prev.clone(),
                });
                changes.push(Change::CreateIndex {
                    table: t.clone(),
                    index: i.clone(),
                });
            }
            None => changes.push(Change::CreateIndex {
                table: t.clone(),
                index: i.clone(),
            }),
        }
    }
    for i in &old.indexes {
        if new.index(&i.name).is_none() {
            changes.push(Change::DropIndex {
                table: t.clone(),
                index: i.clone(),
            });
        }
    }
}

/// A key that is dropped (to be changed or removed) takes with it the foreign keys that
/// reference it, so those that stay are dropped first and added back after.
fn recreate_dependent_foreign_keys(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    let dropped_keys: BTreeSet<(QualifiedName, Vec<String>)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropConstraint { table, constraint } if constraint.kind.has_index() => {
                Some((table.clone(), constraint.kind.columns().to_vec()))
            }
            _ => None,
        })
        .collect();
    if dropped_keys.is_empty() {
        return;
    }
    let already: BTreeSet<(QualifiedName, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropConstraint { table, constraint } => {
                Some((table.clone(), constraint.name.clone()))
            }
            Change::DropTable(t) => Some((t.name.clone(), String::new())),
            _ => None,
        })
        .collect();
    let mut extra = Vec::new();
    for table in current.tables.values() {
        if already.contains(&(table.name.clone(), String::new())) {
            continue;
        }
        for c in &table.constraints {
            let ConstraintKind::ForeignKey(fk) = &c.kind else {
                continue;
            };
            if !dropped_keys.contains(&(fk.ref_table.clone(), fk.ref_columns.clone()))
                || already.contains(&(table.name.clone(), c.name.clone()))
            {
                continue;
            }
            extra.push(Change::DropConstraint {
                table: table.name.clone(),
                constraint: c.clone(),
            });
            if let Some(kept) = desired
                .table(&table.name)
                .and_then(|t| t.constraint(&c.name))
            {
                extra.push(Change::AddConstraint {
                    table: table.name.clone(),
                    constraint: kept.clone(),
                });
            }
        }
    }
    changes.extend(extra);
}
