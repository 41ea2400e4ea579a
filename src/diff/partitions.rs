//! Partitioning and inheritance in the diff. A partition key cannot be altered, nor a
//! table made a partition of another parent in place: such a table is dropped and created
//! again, with its partitions (PostgreSQL drops them with it). A table whose parents
//! change is dropped and created too, with the tables that inherit from it. A partition whose bound alone changes
//! is detached and attached again, which keeps its rows.

use std::collections::BTreeSet;

use super::Change;
use crate::model::{QualifiedName, Schema};

/// Tables of both sides that must be dropped and created again: a changed key, a partition
/// that moves to another parent (or stops or starts being one), and the partitions of those.
pub(super) fn rebuilt(current: &Schema, desired: &Schema) -> BTreeSet<QualifiedName> {
    let mut out: BTreeSet<QualifiedName> = desired
        .tables
        .values()
        .filter(|new| {
            current.tables.get(&new.name).is_some_and(|old| {
                old.partition_by != new.partition_by
                    || old.partition_of.as_ref().map(|o| &o.parent) != new.partition_of.as_ref().map(|o| &o.parent)
                    || old.inherits != new.inherits
            })
        })
        .map(|t| t.name.clone())
        .collect();
    loop {
        let below: Vec<QualifiedName> = [current, desired]
            .iter()
            .flat_map(|s| s.tables.values())
            .filter(|t| {
                current.tables.contains_key(&t.name)
                    && desired.tables.contains_key(&t.name)
                    && (t.partition_of.as_ref().is_some_and(|o| out.contains(&o.parent))
                        || t.inherits.iter().any(|p| out.contains(p)))
            })
            .map(|t| t.name.clone())
            .filter(|n| !out.contains(n))
            .collect();
        if below.is_empty() {
            return out;
        }
        out.extend(below);
    }
}

/// A partition of the same parent with another bound: DETACH and ATTACH.
pub(super) fn diff_bound(old: &crate::model::Table, new: &crate::model::Table, changes: &mut Vec<Change>) {
    if let (Some(from), Some(to)) = (&old.partition_of, &new.partition_of)
        && from.parent == to.parent
        && from.bound != to.bound
    {
        changes.push(Change::Repartition {
            table: new.name.clone(),
            parent: to.parent.clone(),
            from: from.bound.clone(),
            to: to.bound.clone(),
        });
    }
}

/// `current` without the policies and triggers of the tables dropped and created again,
/// which DROP TABLE takes along: each is dropped first (so the rollback restores it), and
/// the diff then creates those the desired schema has on the new table.
pub(super) fn without_rebuilt(
    current: &Schema,
    rebuilt: &BTreeSet<QualifiedName>,
    changes: &mut Vec<Change>,
) -> Option<Schema> {
    if rebuilt.is_empty() {
        return None;
    }
    let mut trimmed = current.clone();
    trimmed.policies.retain(|(table, _), p| {
        let keep = !rebuilt.contains(table);
        if !keep {
            changes.push(Change::DropPolicy(p.clone()));
        }
        keep
    });
    trimmed.triggers.retain(|(table, _), t| {
        let keep = !rebuilt.contains(table);
        if !keep {
            changes.push(Change::DropTrigger(t.clone()));
        }
        keep
    });
    Some(trimmed)
}
