//! Publications, the tables in them, and how tables are stored.

use crate::model::{Publication, Schema, Storage, Table};

use super::Change;

/// Publications created, dropped or changed. The platform's are never created or dropped:
/// one that a side does not declare is as the platform makes it.
pub(super) fn diff_publications(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    let side = |schema: &Schema, name: &str| {
        schema
            .publications
            .get(name)
            .cloned()
            .or_else(|| Publication::is_platform(name).then(|| Publication::new(name)))
    };
    let names: std::collections::BTreeSet<&String> =
        current.publications.keys().chain(desired.publications.keys()).collect();
    for name in names {
        let (from, to) = (side(current, name), side(desired, name));
        if from != to {
            changes.push(Change::Publication { from, to });
        }
    }
}

/// The storage and the publications of a table, from `old` (None for a new table, which
/// CREATE TABLE makes UNLOGGED and gives its parameters) to `new` (None for a dropped one,
/// whose membership goes with it).
pub(super) fn diff_table(old: Option<&Table>, new: &Table, changes: &mut Vec<Change>) {
    let born = Storage { replica_identity: Default::default(), ..new.storage.clone() };
    let from = old.map_or(&born, |t| &t.storage);
    if from != &new.storage {
        changes.push(Change::TableStorage { table: new.name.clone(), from: from.clone(), to: new.storage.clone() });
    }
    let member = |t: Option<&Table>, p: &str| t.and_then(|t| t.publications.get(p)).cloned();
    let names: std::collections::BTreeSet<&String> =
        new.publications.keys().chain(old.iter().flat_map(|t| t.publications.keys())).collect();
    for publication in names {
        let (from, to) = (member(old, publication), member(Some(new), publication));
        if from != to {
            changes.push(Change::Publish { table: new.name.clone(), publication: publication.clone(), from, to });
        }
    }
}
