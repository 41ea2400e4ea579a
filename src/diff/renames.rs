//! Renames, found before the diff: a `renamed_from:` hint whose old object exists (and new
//! one does not) becomes `ALTER … RENAME`, and the current schema is renamed the same way
//! (replayed through `ddl`, as if the statement were in the migrations), so the diff that
//! follows compares like with like. A constraint or index whose definition is unchanged
//! but whose name is not (as after a table rename: `old_pkey` → `new_pkey`) is renamed too.

use std::collections::{BTreeMap, BTreeSet};

use super::Change;
use crate::model::{ObjectId, ObjectKind, QualifiedName, Schema};
use crate::source::{ddl, set_schema};

/// The renames from `current` towards `desired`, and `current` with them applied.
pub fn apply(current: &Schema, desired: &Schema) -> (Vec<Change>, Option<Schema>) {
    let mut hints: Vec<_> = desired.hints.renames.iter().collect();
    // Tables first: the hints of what is inside a table name the table by its new name.
    hints.sort_by_key(|r| !matches!(r.object, ObjectId::Table(_)));
    let mut renamed: Option<Schema> = None;
    let mut changes = Vec::new();
    for hint in hints {
        let schema = renamed.as_ref().unwrap_or(current);
        if let (ObjectId::Table(new), Some(old)) = (&hint.object, hint.from_schema.as_ref().and(hint.old_table())) {
            if movable(schema, &old, new) {
                let work = renamed.get_or_insert_with(|| current.clone());
                changes.push(move_table(work, desired, &old, new));
            }
            continue;
        }
        if applies(schema, &hint.object, &hint.from) {
            let work = renamed.get_or_insert_with(|| current.clone());
            rename(work, &hint.object, &hint.from, &mut changes);
        }
    }
    changes.extend(sequence_renames(current, renamed.as_ref(), &changes));
    let schema = renamed.as_ref().unwrap_or(current);
    let implicit = same_definition_renames(schema, desired);
    if !implicit.is_empty() {
        let work = renamed.get_or_insert_with(|| current.clone());
        for (object, from) in implicit {
            rename(work, &object, &from, &mut changes);
        }
    }
    (changes, renamed)
}

/// PostgreSQL keeps the name of a serial or identity column's sequence when the table or
/// the column is renamed, but `serial` (and a fresh build) names it after both as they are:
/// the sequences of the renamed tables and columns are renamed with them, unless the name
/// is taken in the schema.
fn sequence_renames(current: &Schema, renamed: Option<&Schema>, changes: &[Change]) -> Vec<Change> {
    let Some(renamed) = renamed else { return Vec::new() };
    let mut table_was: BTreeMap<QualifiedName, QualifiedName> = BTreeMap::new();
    let mut column_was: BTreeMap<(QualifiedName, String), String> = BTreeMap::new();
    for change in changes {
        match change {
            Change::Rename { object: ObjectId::Table(new), from } => {
                table_was.insert(new.clone(), QualifiedName::new(new.schema.clone(), from.clone()));
            }
            Change::MoveTable { from, to, .. } => {
                table_was.insert(to.clone(), from.clone());
            }
            Change::Rename { object: ObjectId::Column(t, new), from } => {
                column_was.insert((t.clone(), new.clone()), from.clone());
            }
            _ => {}
        }
    }
    let touched: BTreeSet<&QualifiedName> = table_was.keys().chain(column_was.keys().map(|(t, _)| t)).collect();
    let mut out = Vec::new();
    for name in touched {
        let Some(table) = renamed.tables.get(name) else { continue };
        let was = table_was.get(name).unwrap_or(name);
        let Some(old) = current.tables.get(was) else { continue };
        let taken = relation_names(renamed, &name.schema);
        for column in &table.columns {
            let column_was = column_was.get(&(name.clone(), column.name.clone())).unwrap_or(&column.name);
            let Some(before) = old.column(column_was) else { continue };
            let (Some(from), Some(to)) = (before.own_sequence(was), column.own_sequence(name)) else { continue };
            if from.name != to.name && !taken.contains(to.name.as_str()) {
                out.push(Change::RenameSequence { table: name.clone(), from: from.name, to: to.name });
            }
        }
    }
    out
}

/// Whether the old object exists in `schema` and the new one does not.
fn applies(schema: &Schema, object: &ObjectId, from: &str) -> bool {
    match object {
        ObjectId::Table(new) => {
            let old = QualifiedName::new(new.schema.clone(), from);
            schema.tables.contains_key(&old) && !schema.tables.contains_key(new)
        }
        ObjectId::Column(t, new) => {
            schema.table(t).is_some_and(|t| t.column(from).is_some() && t.column(new).is_none())
        }
        ObjectId::Constraint(t, new) => {
            schema.table(t).is_some_and(|t| t.constraint(from).is_some() && t.constraint(new).is_none())
        }
        ObjectId::Index(t, new) => schema.table(t).is_some_and(|t| t.index(from).is_some() && t.index(new).is_none()),
        ObjectId::Policy(t, new) => {
            schema.policies.contains_key(&(t.clone(), from.to_string()))
                && !schema.policies.contains_key(&(t.clone(), new.clone()))
        }
        _ => false,
    }
}

/// The names the relations of `in_schema` take: tables and their indexes, views, sequences.
fn relation_names<'s>(schema: &'s Schema, in_schema: &str) -> BTreeSet<&'s str> {
    let tables = schema.tables.values().filter(|t| t.name.schema == in_schema).flat_map(|t| t.relation_names());
    let others = schema.views.keys().chain(schema.sequences.keys()).filter(|n| n.schema == in_schema);
    tables.chain(others.map(|n| n.name.as_str())).collect()
}

/// Whether table `old` exists in `schema` and can move to `new`: no relation of `new`'s
/// schema has its name, the name it has there before the rename, or one of its indexes'.
fn movable(schema: &Schema, old: &QualifiedName, new: &QualifiedName) -> bool {
    let Some(table) = schema.tables.get(old) else { return false };
    let taken = relation_names(schema, &new.schema);
    let moved = table.relation_names().chain([new.name.as_str()]);
    !moved.into_iter().any(|n| taken.contains(n))
}

/// Moves `old` to `new`'s schema, then renames it there, as the migration will.
fn move_table(schema: &mut Schema, desired: &Schema, old: &QualifiedName, new: &QualifiedName) -> Change {
    let sequences = schema
        .tables
        .get(old)
        .map_or_else(Vec::new, |t| t.columns.iter().filter_map(|c| c.own_sequence(old)).map(|q| q.name).collect());
    let was = schema.default_privileges.effective(&old.schema, ObjectKind::Sequences);
    let will = desired.default_privileges.effective(&new.schema, ObjectKind::Sequences);
    let sequences = if was == will { Vec::new() } else { sequences };
    set_schema::move_relation(schema, old, &new.schema);
    if old.name != new.name {
        ddl::rename_object(schema, &ObjectId::Table(new.clone()), &old.name);
    }
    Change::MoveTable { from: old.clone(), to: new.clone(), sequences, sequence_grants: (was, will) }
}

/// Renames in `schema` by replaying the rename as a migration would, and records the change.
fn rename(schema: &mut Schema, object: &ObjectId, from: &str, changes: &mut Vec<Change>) {
    ddl::rename_object(schema, object, from);
    changes.push(Change::Rename { object: object.clone(), from: from.to_string() });
}

/// Constraints and indexes of a table on both sides that only differ in name, paired one
/// to one (a definition that several candidates share is left to drop and create).
fn same_definition_renames(current: &Schema, desired: &Schema) -> Vec<(ObjectId, String)> {
    let mut out = Vec::new();
    for (name, new) in &desired.tables {
        let Some(old) = current.tables.get(name) else { continue };
        let gone: Vec<_> = old.constraints.iter().filter(|c| new.constraint(&c.name).is_none()).collect();
        let added: Vec<_> = new.constraints.iter().filter(|c| old.constraint(&c.name).is_none()).collect();
        // An index name is also taken by a key's index: never rename onto a name in use.
        let taken: BTreeSet<&str> = old.relation_names().collect();
        for c in &added {
            let from: Vec<_> = gone.iter().filter(|g| g.same_definition(c)).collect();
            let to: Vec<_> = added.iter().filter(|a| a.same_definition(c)).collect();
            if let ([f], [_]) = (from.as_slice(), to.as_slice())
                && !taken.contains(c.name.as_str())
            {
                out.push((ObjectId::Constraint(name.clone(), c.name.clone()), f.name.clone()));
            }
        }
        let gone: Vec<_> = old.indexes.iter().filter(|i| new.index(&i.name).is_none()).collect();
        let added: Vec<_> = new.indexes.iter().filter(|i| old.index(&i.name).is_none()).collect();
        for i in &added {
            let from: Vec<_> = gone.iter().filter(|g| g.same_definition(i)).collect();
            let to: Vec<_> = added.iter().filter(|a| a.same_definition(i)).collect();
            if let ([f], [_]) = (from.as_slice(), to.as_slice())
                && !taken.contains(i.name.as_str())
            {
                out.push((ObjectId::Index(name.clone(), i.name.clone()), f.name.clone()));
            }
        }
    }
    out
}
