//! Steps for a partition given another bound.

use crate::diff::Change;
use crate::statement::Statement as Stmt;

use super::{Object, Phase, Step};

/// DETACH and ATTACH again: the rows stay, and PostgreSQL checks them against the new
/// bound. Before partitions are created (one may take the rows the old bound held), after
/// those dropped (whose rows the new bound may take).
pub(super) fn steps_for(change: &Change) -> Option<Vec<Step>> {
    let Change::Repartition { table, parent, from, to } = change else { return None };
    let move_to = |bound: &crate::model::PartitionBound| {
        vec![
            Stmt::Partition { parent: parent.clone(), table: table.clone(), bound: None },
            Stmt::Partition { parent: parent.clone(), table: table.clone(), bound: Some(bound.clone()) },
        ]
    };
    let mut s =
        Step::new(Phase::DropKeyOrIndex, format!("~ partition {table}: {}", to.text()), move_to(to), move_to(from));
    s.requires.push(Object::Table(table.clone()));
    s.requires.push(Object::Table(parent.clone()));
    s.provides.push(Object::Partitions(parent.clone()));
    Some(vec![s])
}
