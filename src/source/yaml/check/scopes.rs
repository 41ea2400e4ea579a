//! Column references resolved level by level, as PostgreSQL's parser resolves them: a
//! query with subqueries (a policy's `exists (select … from members m where m.org_id =
//! org_id)`, a view with a scalar subquery) names columns of its own FROM and of every
//! query around it.
//!
//! A reference is judged only when the answer is certain. An unqualified name is looked up
//! from the innermost level out; a level with anything whose columns are not known (a
//! table not declared, a view, a function, a subquery, a CTE, an alias with a column list,
//! a join with an alias) ends the search without a verdict, since the name may come from
//! it. `q.c` is judged only when `q` is a declared table of some level (else `q` may be a
//! column of a composite type). ORDER BY and GROUP BY may name output columns and are left
//! out, as are the bodies of CTEs and of subqueries in FROM.

use serde_json::Value;

use crate::model::{QualifiedName, Schema, Table};

/// The columns every table has besides its own.
const SYSTEM_COLUMNS: &[&str] = &["tableoid", "xmin", "xmax", "cmin", "cmax", "ctid"];

/// A column read that no level has.
pub(super) struct Missing<'s> {
    pub column: String,
    /// The declared table a qualified reference (`m.x`) names.
    pub table: Option<&'s Table>,
    /// The declared tables of every level the reference could see, for the hint.
    pub seen: Vec<&'s Table>,
}

/// One entry of a FROM: its name in the query and, when known, the table behind it.
struct Entry<'s> {
    name: String,
    table: Option<&'s Table>,
}

struct Walk<'s> {
    schema: &'s Schema,
    /// The levels around the node being walked, outermost first.
    levels: Vec<Vec<Entry<'s>>>,
    /// The CTE names in scope: an unqualified relation of that name is the CTE.
    ctes: Vec<String>,
    found: Option<Missing<'s>>,
}

/// The first column `query` reads that no level has; `outer` is the table a policy is on,
/// whose columns its expressions read unqualified.
pub(super) fn missing_column<'s>(schema: &'s Schema, query: &Value, outer: Option<&'s Table>) -> Option<Missing<'s>> {
    let base = outer.map(|t| Entry { name: t.name.name.clone(), table: Some(t) });
    let mut walk = Walk { schema, levels: vec![base.into_iter().collect()], ctes: Vec::new(), found: None };
    walk.value(query);
    walk.found
}

impl<'s> Walk<'s> {
    fn value(&mut self, v: &Value) {
        if self.found.is_some() {
            return;
        }
        match v {
            Value::Object(map) => map.iter().for_each(|(key, inner)| self.field(key, inner)),
            Value::Array(items) => items.iter().for_each(|i| self.value(i)),
            _ => {}
        }
    }

    fn field(&mut self, key: &str, inner: &Value) {
        match key {
            "SelectStmt" => self.select(inner),
            "ColumnRef" => self.column_ref(inner),
            // Their insides are not judged (see the module's comment).
            "RangeSubselect" | "RangeFunction" | "RangeTableFunc" | "JsonTable" | "CommonTableExpr" | "sort_clause"
            | "group_clause" => {}
            _ => self.value(inner),
        }
    }

    fn select(&mut self, select: &Value) {
        let ctes_before = self.ctes.len();
        let ctes = select.pointer("/with_clause/ctes").and_then(Value::as_array).into_iter().flatten();
        self.ctes.extend(ctes.filter_map(|c| c.pointer("/node/CommonTableExpr/ctename")?.as_str()).map(String::from));
        // UNION and the like: each side is a query of this level.
        for side in ["larg", "rarg"] {
            if let Some(arm) = select.get(side).filter(|a| a.is_object()) {
                self.select(arm);
            }
        }
        let mut entries = Vec::new();
        for item in select.get("from_clause").and_then(Value::as_array).into_iter().flatten() {
            self.entries(item, &mut entries);
        }
        self.levels.push(entries);
        for (key, inner) in select.as_object().into_iter().flatten() {
            if !matches!(key.as_str(), "with_clause" | "larg" | "rarg") {
                self.field(key, inner);
            }
        }
        self.levels.pop();
        self.ctes.truncate(ctes_before);
    }

    /// The entries a FROM item brings to its level.
    fn entries(&self, item: &Value, out: &mut Vec<Entry<'s>>) {
        let Some((kind, node)) = item.get("node").and_then(Value::as_object).and_then(|m| m.iter().next()) else {
            return;
        };
        let alias = node.pointer("/alias/aliasname").and_then(Value::as_str);
        let renames_columns = node.pointer("/alias/colnames").and_then(Value::as_array).is_some_and(|c| !c.is_empty());
        match kind.as_str() {
            "RangeVar" => {
                let relname = node["relname"].as_str().unwrap_or_default();
                let written = node["schemaname"].as_str().filter(|s| !s.is_empty());
                let cte = written.is_none() && self.ctes.iter().any(|c| c == relname);
                let name = QualifiedName::new(written.unwrap_or("public"), relname);
                let table = self.schema.columns_of(&name).filter(|_| !cte && !renames_columns);
                out.push(Entry { name: alias.unwrap_or(relname).to_string(), table });
            }
            "JoinExpr" if alias.is_none() => {
                for side in ["larg", "rarg"] {
                    if let Some(side) = node.get(side) {
                        self.entries(side, out);
                    }
                }
            }
            _ => out.push(Entry { name: alias.unwrap_or_default().to_string(), table: None }),
        }
    }

    fn column_ref(&mut self, column_ref: &Value) {
        let fields: Vec<Option<&str>> = column_ref
            .get("fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|f| f.pointer("/node/String/sval").and_then(Value::as_str))
            .collect();
        let has = |t: &Table, c: &str| t.column(c).is_some() || SYSTEM_COLUMNS.contains(&c);
        match fields.as_slice() {
            [Some(column)] => {
                for level in self.levels.iter().rev() {
                    let resolved = level.iter().any(|e| e.name == *column || e.table.is_some_and(|t| has(t, column)));
                    if resolved || level.iter().any(|e| e.table.is_none()) {
                        return;
                    }
                }
                let seen = self.levels.iter().rev().flatten().filter_map(|e| e.table).collect();
                self.found = Some(Missing { column: column.to_string(), table: None, seen });
            }
            [Some(qualifier), Some(column)] => {
                for level in self.levels.iter().rev() {
                    if let Some(entry) = level.iter().find(|e| e.name == *qualifier) {
                        if let Some(t) = entry.table.filter(|t| !has(t, column)) {
                            self.found = Some(Missing { column: column.to_string(), table: Some(t), seen: vec![t] });
                        }
                        return;
                    }
                    // A function or subquery without an alias: its name is not known here.
                    if level.iter().any(|e| e.name.is_empty()) {
                        return;
                    }
                }
            }
            _ => {}
        }
    }
}
