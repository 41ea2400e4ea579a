//! A view that reads itself through other views. PostgreSQL accepts the CREATE OR REPLACE
//! that closes the loop and fails only when the view is queried; no plan can order its
//! objects, so the loader refuses it at that statement, where it can be fixed.

use std::collections::BTreeSet;

use crate::model::{QualifiedName, Schema};

/// The views from `view` back to itself (`[v1, v2, v1]`), when its query reaches it.
pub fn cycle_through(schema: &Schema, view: &QualifiedName) -> Option<Vec<QualifiedName>> {
    let mut path = vec![view.clone()];
    let mut seen = BTreeSet::new();
    reaches(schema, view, &mut path, &mut seen).then_some(path)
}

/// Depth first over the views each one reads; `path` holds the chain being explored.
fn reaches(
    schema: &Schema,
    target: &QualifiedName,
    path: &mut Vec<QualifiedName>,
    seen: &mut BTreeSet<QualifiedName>,
) -> bool {
    let Some(view) = path.last().and_then(|v| schema.views.get(v)) else { return false };
    for read in &view.refs.relations {
        if !schema.views.contains_key(read) {
            continue;
        }
        path.push(read.clone());
        if read == target {
            return true;
        }
        if seen.insert(read.clone()) && reaches(schema, target, path, seen) {
            return true;
        }
        path.pop();
    }
    false
}
