//! EXCLUDE constraints as PostgreSQL builds them: the keys of an index, each with the
//! operator that two rows' keys must not all satisfy together.

use pg_query::NodeEnum;
use pg_query::protobuf;

use crate::model::{Exclusion, ExclusionElement};
use crate::pgtree::{expr_sql, strings};
use crate::source::ddl::{include_columns, index_key, rename_key};
use crate::source::replication::storage_options;

/// The constraint of an `EXCLUDE` clause, and the names PostgreSQL takes from its keys for
/// the constraint's name.
pub fn from_node(c: &protobuf::Constraint) -> (Exclusion, Vec<String>) {
    let mut elements = Vec::new();
    let mut colnames = Vec::new();
    // Each element is a list: the index key, then the operator's name as a list.
    for pair in &c.exclusions {
        let Some(NodeEnum::List(pair)) = pair.node.as_ref() else { continue };
        let [elem, op] = pair.items.as_slice() else { continue };
        let (Some(NodeEnum::IndexElem(e)), Some(NodeEnum::List(op))) = (elem.node.as_ref(), op.node.as_ref()) else {
            continue;
        };
        let (key, colname) = index_key(e);
        elements.push(ExclusionElement { key, operator: operator_name(strings(&op.items)) });
        colnames.push(colname);
    }
    let include = include_columns(&c.including);
    colnames.extend(include.iter().cloned());
    let method = if c.access_method.is_empty() { "btree".into() } else { c.access_method.to_lowercase() };
    let exclusion = Exclusion {
        method,
        elements,
        include,
        options: storage_options(&c.options),
        predicate: c.where_clause.as_deref().map(expr_sql),
    };
    (exclusion, colnames)
}

/// `OPERATOR(pg_catalog.=)` is `=`: PostgreSQL's own operators are found first whatever
/// the search path, and the server prints them so.
fn operator_name(parts: Vec<String>) -> String {
    match parts.as_slice() {
        [schema, op] if schema == "pg_catalog" => op.clone(),
        _ => parts.join("."),
    }
}

/// A column of its table renamed: its keys, INCLUDE columns and predicate follow.
pub fn rename_column(x: &mut Exclusion, old: &str, new: &str) {
    for e in &mut x.elements {
        rename_key(&mut e.key, old, new);
    }
    for c in x.include.iter_mut().filter(|c| *c == old) {
        *c = new.to_string();
    }
    if let Some(p) = &mut x.predicate {
        *p = crate::pgtree::rename_column_in_expr(p, old, new);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{ConstraintKind, QualifiedName, Schema};
    use crate::source::sql::{LoadReport, load_text};

    fn load(sql: &str) -> Schema {
        let mut schema = Schema::default();
        let mut report = LoadReport::default();
        load_text(&mut schema, Path::new("0.sql"), sql, &mut report).expect("loads");
        assert!(report.outside.is_empty(), "{:?}", report.outside);
        schema
    }

    #[test]
    fn renames_follow_and_a_dropped_column_takes_it_along() {
        let schema = load(
            "create table b (id int, room int, during tstzrange, note text,
               exclude using gist (room with operator(pg_catalog.=), during with &&) where (note <> ''));
             alter table b add exclude using btree (lower(note) with =);
             alter table b rename column room to place;
             alter table b rename column note to memo;
             alter table b rename constraint b_room_during_excl to no_overlap;
             alter index b_lower_excl rename to one_memo;",
        );
        let b = &schema.tables[&QualifiedName::new("public", "b")];
        let shown: Vec<(String, String, Option<String>)> = b
            .constraints
            .iter()
            .map(|c| {
                let ConstraintKind::Exclude(x) = &c.kind else { panic!("{c:?}") };
                let elements: Vec<String> = x
                    .elements
                    .iter()
                    .map(|e| {
                        let key = e.key.column.clone().or(e.key.expr.as_ref().map(|x| x.text().to_string()));
                        format!("{} {}", key.unwrap(), e.operator)
                    })
                    .collect();
                (c.name.clone(), elements.join(", "), x.predicate.as_ref().map(|p| p.text().to_string()))
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("no_overlap".into(), "place =, during &&".into(), Some("memo <> ''".into())),
                ("one_memo".into(), "lower(memo) =".into(), None)
            ]
        );
        // As PostgreSQL drops an index with a column it uses, so each constraint goes.
        let schema = load(
            "create table b (id int, room int, during tstzrange, exclude using gist (room with =, during with &&));
             alter table b add constraint c exclude (id with =) where (room > 0);
             alter table b drop column room cascade;",
        );
        assert!(schema.tables[&QualifiedName::new("public", "b")].constraints.is_empty());
    }
}
