//! `*` in a view's select list, spelled out the way PostgreSQL stores it.
//!
//! PostgreSQL expands `*` and `t.*` when a view is created: the view keeps the columns the
//! table had then, in their order, and never sees columns added later. The model does the
//! same, so a view created before an ADD COLUMN differs from one created after it, and a
//! view restored by a rollback names its columns in their old order even where the table's
//! columns came back in another.

use std::collections::BTreeSet;

use pg_query::NodeEnum;
use pg_query::protobuf::{self, SetOperation};

use crate::model::{QualifiedName, Schema};
use crate::pgtree::str_of;
use crate::source::ddl::qualified;

/// `query` with every `*` and `t.*` over a table of `schema` replaced by its columns. A
/// star over anything else (a platform table, a view, a CTE, a subquery, a join with an
/// alias, several relations for a bare `*`) is left as written.
pub fn expand_stars(query: &pg_query::Node, schema: &Schema) -> pg_query::Node {
    let mut query = query.clone();
    if let Some(NodeEnum::SelectStmt(select)) = query.node.as_mut() {
        expand_select(select, schema);
    }
    query
}

fn expand_select(select: &mut protobuf::SelectStmt, schema: &Schema) {
    if select.op != SetOperation::SetopNone as i32 {
        return;
    }
    let ctes: BTreeSet<String> = select
        .with_clause
        .iter()
        .flat_map(|w| &w.ctes)
        .filter_map(|c| match c.node.as_ref()? {
            NodeEnum::CommonTableExpr(cte) => Some(cte.ctename.clone()),
            _ => None,
        })
        .collect();
    let mut relations = Vec::new();
    for item in &select.from_clause {
        visible_relations(item, &ctes, &mut relations);
    }
    let single = match select.from_clause.as_slice() {
        [only] if matches!(only.node, Some(NodeEnum::RangeVar(_))) => relations.first().map(|(_, t)| t.clone()),
        _ => None,
    };
    let mut expanded = Vec::with_capacity(select.target_list.len());
    for target in select.target_list.drain(..) {
        match star_columns(&target, &relations, single.as_ref(), schema) {
            Some(columns) => expanded.extend(columns),
            None => expanded.push(target),
        }
    }
    select.target_list = expanded;
}

/// (name the query refers to it by, table) of each table in a FROM item; CTEs, subqueries,
/// functions and aliased joins hide what is inside them.
fn visible_relations(item: &pg_query::Node, ctes: &BTreeSet<String>, out: &mut Vec<(String, QualifiedName)>) {
    match item.node.as_ref() {
        Some(NodeEnum::RangeVar(rv)) => {
            if rv.schemaname.is_empty() && ctes.contains(&rv.relname) {
                return;
            }
            let visible = rv.alias.as_ref().map_or_else(|| rv.relname.clone(), |a| a.aliasname.clone());
            out.push((visible, qualified(rv)));
        }
        Some(NodeEnum::JoinExpr(join)) if join.alias.is_none() => {
            for side in [&join.larg, &join.rarg].into_iter().flatten() {
                visible_relations(side, ctes, out);
            }
        }
        _ => {}
    }
}

/// The columns a `*` or `t.*` target stands for, as column references, or None.
fn star_columns(
    target: &pg_query::Node,
    relations: &[(String, QualifiedName)],
    single: Option<&QualifiedName>,
    schema: &Schema,
) -> Option<Vec<pg_query::Node>> {
    let Some(NodeEnum::ResTarget(res)) = target.node.as_ref() else { return None };
    let Some(NodeEnum::ColumnRef(column_ref)) = res.val.as_deref().and_then(|v| v.node.as_ref()) else {
        return None;
    };
    let (last, qualifier) = column_ref.fields.split_last()?;
    if !matches!(last.node, Some(NodeEnum::AStar(_))) {
        return None;
    }
    let (prefix, table) = match qualifier {
        [] => (None, single?),
        [name] => {
            let name = str_of(name)?;
            let mut matching = relations.iter().filter(|(visible, _)| visible == name);
            let (_, table) = matching.next()?;
            if matching.next().is_some() {
                return None;
            }
            (Some(name.to_string()), table)
        }
        _ => return None,
    };
    let table = schema.with_columns(table)?;
    let string = |s: &str| pg_query::Node { node: Some(NodeEnum::String(protobuf::String { sval: s.to_string() })) };
    let columns = table
        .columns
        .iter()
        .map(|c| {
            let fields = prefix.iter().map(|p| string(p)).chain(std::iter::once(string(&c.name))).collect();
            let val = pg_query::Node { node: Some(NodeEnum::ColumnRef(protobuf::ColumnRef { fields, location: -1 })) };
            pg_query::Node {
                node: Some(NodeEnum::ResTarget(Box::new(protobuf::ResTarget {
                    name: String::new(),
                    indirection: Vec::new(),
                    val: Some(Box::new(val)),
                    location: -1,
                }))),
            }
        })
        .collect();
    Some(columns)
}

/// A view query over `table` once its column `old` is called `new`, as PostgreSQL keeps
/// it: the query reads the new name, and the view's own column keeps the old one
/// (`t.new AS old`). Queries that do not read the table in their FROM are left alone.
pub fn rename_view_column(query: &str, table: &QualifiedName, old: &str, new: &str) -> String {
    let Some(mut stmt) = statement(query) else { return query.to_string() };
    let Some(NodeEnum::SelectStmt(select)) = stmt.node.as_mut() else { return query.to_string() };
    let mut relations = Vec::new();
    for item in &select.from_clause {
        visible_relations(item, &BTreeSet::new(), &mut relations);
    }
    let names: BTreeSet<String> = relations.into_iter().filter(|(_, t)| t == table).map(|(v, _)| v).collect();
    if names.is_empty() {
        return query.to_string();
    }
    for target in &mut select.target_list {
        let Some(NodeEnum::ResTarget(res)) = target.node.as_mut() else { continue };
        let Some(NodeEnum::ColumnRef(column_ref)) = res.val.as_deref().and_then(|v| v.node.as_ref()) else {
            continue;
        };
        let names_old = column_ref.fields.last().and_then(str_of) == Some(old);
        let ours = match column_ref.fields.as_slice() {
            [_] => true,
            [qualifier, _] => str_of(qualifier).is_some_and(|q| names.contains(q)),
            _ => false,
        };
        if res.name.is_empty() && names_old && ours {
            res.name = old.to_string();
        }
    }
    let aliased = crate::source::routines::query_sql(&stmt);
    let renamed = crate::pgtree::rename_identifiers(&aliased, old, new, |q| names.contains(q));
    statement(&renamed).map_or(renamed, |node| crate::source::routines::query_sql(&node))
}

/// A view query once the view's own column `old` is called `new` (`ALTER VIEW … RENAME
/// COLUMN`): the select item that makes it gets `AS new`, or loses an alias that would only
/// repeat the column it reads.
pub fn rename_view_output(query: &str, old: &str, new: &str) -> String {
    let Some(mut stmt) = statement(query) else { return query.to_string() };
    let Some(NodeEnum::SelectStmt(select)) = stmt.node.as_mut() else { return query.to_string() };
    for target in &mut select.target_list {
        let Some(NodeEnum::ResTarget(res)) = target.node.as_mut() else { continue };
        let read = match res.val.as_deref().and_then(|v| v.node.as_ref()) {
            Some(NodeEnum::ColumnRef(c)) => c.fields.last().and_then(str_of).map(str::to_string),
            _ => None,
        };
        let output = if res.name.is_empty() { read.clone() } else { Some(res.name.clone()) };
        if output.as_deref() == Some(old) {
            res.name = if read.as_deref() == Some(new) { String::new() } else { new.to_string() };
        }
    }
    crate::source::routines::query_sql(&stmt)
}

/// The names of a view's columns, as PostgreSQL names them (`columns` the list written
/// after its name, which comes first), when every one is certain: an alias, a column read,
/// a function called, a cast of one of those. None when one is not (an operator, a
/// constant, a `*` left as written, a set operation).
pub fn output_names(query: &str, columns: &[String]) -> Option<Vec<String>> {
    let stmt = statement(query)?;
    let Some(NodeEnum::SelectStmt(select)) = stmt.node.as_ref() else { return None };
    if select.op != SetOperation::SetopNone as i32 || !select.values_lists.is_empty() {
        return None;
    }
    fn named(node: Option<&pg_query::Node>) -> Option<String> {
        match node?.node.as_ref()? {
            NodeEnum::ColumnRef(c) => c.fields.last().and_then(str_of).map(str::to_string),
            NodeEnum::FuncCall(f) => f.funcname.last().and_then(str_of).map(str::to_string),
            NodeEnum::TypeCast(t) => named(t.arg.as_deref())
                .or_else(|| t.type_name.as_ref()?.names.last().and_then(str_of).map(str::to_string)),
            _ => None,
        }
    }
    let mut names: Vec<String> = select
        .target_list
        .iter()
        .map(|t| match t.node.as_ref()? {
            NodeEnum::ResTarget(r) if !r.name.is_empty() => Some(r.name.clone()),
            NodeEnum::ResTarget(r) => named(r.val.as_deref()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    for (name, given) in names.iter_mut().zip(columns) {
        *name = given.clone();
    }
    Some(names)
}

/// The first statement of `sql`, as a tree.
fn statement(sql: &str) -> Option<pg_query::Node> {
    pg_query::parse(sql, 0).ok()?.protobuf.stmts.into_iter().next()?.stmt.map(|s| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(sql: &str) -> Schema {
        crate::source::replayed(sql)
    }

    const TABLES: &str = "create table a (id int, name text); create table b (id int, a_id int);";

    #[test]
    fn stars_become_the_columns_of_the_moment() {
        let s = schema(&format!(
            "{TABLES} create view v as select a.*, b.id as b_id from a join b on b.a_id = a.id;
             create view w as select * from a;
             alter table a add column extra int;"
        ));
        let v = &s.views[&QualifiedName::new("public", "v")].query;
        assert!(v.starts_with("SELECT a.id, a.name, b.id AS b_id"), "{v}");
        assert!(!v.contains("extra"), "{v}");
        let w = &s.views[&QualifiedName::new("public", "w")].query;
        assert!(w.starts_with("SELECT id, name"), "{w}");
        // A star over something the model does not hold stays.
        let s = schema("create view u as select u.* from auth.users u;");
        assert!(s.views[&QualifiedName::new("public", "u")].query.contains("u.*"));
    }

    #[test]
    fn a_renamed_column_keeps_the_views_column_name() {
        let s = schema(&format!(
            "{TABLES} create view v as select a.name, b.id from a join b on b.a_id = a.id where a.name <> '';
             alter table a rename column name to title;
             alter table b rename column id to name;"
        ));
        let v = &s.views[&QualifiedName::new("public", "v")].query;
        assert!(v.starts_with("SELECT a.title AS name, b.name AS id"), "{v}");
        assert!(v.contains("WHERE a.title <> ''"), "{v}");
        // atomic-crm renames the view's column after the table's: the alias goes.
        let s = schema(&format!(
            "{TABLES} create view v as select a.name from a;
             alter table a rename column name to title;
             alter view v rename column name to title;
             alter view v rename column title to heading;"
        ));
        let v = &s.views[&QualifiedName::new("public", "v")].query;
        assert!(v.starts_with("SELECT a.title AS heading"), "{v}");
    }
}
