//! A view that reads itself through other views. PostgreSQL accepts the CREATE OR REPLACE
//! that closes the loop and fails only when the view is queried; no plan can order its
//! objects, so the loader refuses it at that statement, where it can be fixed.

use std::collections::BTreeSet;

use pg_query::NodeRef;

use crate::model::{QualifiedName, Schema, View};

/// The views from `view` back to itself (`[v1, v2, v1]`), when its query reaches it.
pub fn cycle_through(schema: &Schema, view: &QualifiedName) -> Option<Vec<QualifiedName>> {
    let mut path = vec![view.clone()];
    let mut seen = BTreeSet::new();
    if !reaches(schema, view, &mut path, &mut seen) {
        return None;
    }
    // A view's references hold the names its query reads, a WITH query's among them: a loop
    // through one of those is no loop.
    let through_cte = path.windows(2).any(|pair| schema.views.get(&pair[0]).is_some_and(|v| names_a_cte(v, &pair[1])));
    (!through_cte).then_some(path)
}

/// Whether `view`'s query has a WITH query of `name`'s name.
fn names_a_cte(view: &View, name: &QualifiedName) -> bool {
    let Ok(parsed) = pg_query::parse(&view.query, 0) else { return true };
    parsed
        .protobuf
        .nodes()
        .into_iter()
        .any(|(n, ..)| matches!(n, NodeRef::CommonTableExpr(c) if c.ctename == name.name))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> QualifiedName {
        QualifiedName::new("public", n)
    }

    #[test]
    fn a_loop_through_views_is_found_and_a_with_query_of_a_views_name_is_not_one() {
        let schema = crate::source::replayed(
            "create table t (a int);
             create view v1 as select a from t;
             create view v2 as select a from v1;
             create or replace view v1 as select a from v2;
             create view v3 as select a from t;
             create view v4 as select a from v3;
             create or replace view v3 as with v4 as (select 1 as a) select a from v4;",
        );
        assert_eq!(cycle_through(&schema, &name("v1")), Some(vec![name("v1"), name("v2"), name("v1")]));
        assert_eq!(cycle_through(&schema, &name("v3")), None);
        assert_eq!(cycle_through(&schema, &name("v4")), None);
    }
}
