//! Range types and aggregates: created, dropped, or dropped and created again when an
//! option changes (PostgreSQL alters neither's definition in place); comments in place.

use std::collections::BTreeMap;

use super::{Change, comment};
use crate::model::optioned::{Aggregate, Options, RangeType};
use crate::model::{ObjectId, Schema};

/// What the diff needs of either kind.
trait Optioned: Clone {
    fn options(&self) -> &Options;
    fn comment(&self) -> &Option<String>;
    fn id(&self) -> ObjectId;
    fn create(self) -> Change;
    fn drop(self) -> Change;
}

impl Optioned for RangeType {
    fn options(&self) -> &Options {
        &self.options
    }
    fn comment(&self) -> &Option<String> {
        &self.comment
    }
    fn id(&self) -> ObjectId {
        ObjectId::Type(self.name.clone())
    }
    fn create(self) -> Change {
        Change::CreateRange(self)
    }
    fn drop(self) -> Change {
        Change::DropRange(self)
    }
}

impl Optioned for Aggregate {
    fn options(&self) -> &Options {
        &self.options
    }
    fn comment(&self) -> &Option<String> {
        &self.comment
    }
    fn id(&self) -> ObjectId {
        ObjectId::Function(self.routine())
    }
    fn create(self) -> Change {
        Change::CreateAggregate(self)
    }
    fn drop(self) -> Change {
        Change::DropAggregate(self)
    }
}

fn diff_kind<K: Ord, V: Optioned>(current: &BTreeMap<K, V>, desired: &BTreeMap<K, V>, changes: &mut Vec<Change>) {
    for (key, new) in desired {
        match current.get(key) {
            None => changes.push(new.clone().create()),
            Some(old) if old.options() != new.options() => {
                changes.push(old.clone().drop());
                changes.push(new.clone().create());
            }
            Some(old) => comment(changes, new.id(), old.comment(), new.comment()),
        }
    }
    for (key, old) in current {
        if !desired.contains_key(key) {
            changes.push(old.clone().drop());
        }
    }
}

pub(super) fn diff(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    diff_kind(&current.ranges, &desired.ranges, changes);
    diff_kind(&current.aggregates, &desired.aggregates, changes);
}
