//! ALTER TYPE … RENAME VALUE. PostgreSQL keeps an enum value by oid, so every default,
//! CHECK, policy, index, trigger condition and view that holds the label shows the new one
//! afterwards. The model holds those as text: the literals that stand for the label are
//! rewritten. A literal stands for it where it is cast to the enum (`'draft'::status`), is
//! the default of a column of the enum, or is compared with such a column (`status =
//! 'draft'`, `status IN ('draft', …)`); a literal compared with anything else is text.

use std::collections::BTreeSet;

use pg_query::NodeRef;
use pg_query::protobuf::{self, a_const};

use crate::ident::quote_literal;
use crate::model::{DataType, Expr, QualifiedName, Schema};
use crate::pgtree::{normalize_expr, str_of};

/// Rewrites label `old` of enum `name` as `new` wherever the schema holds it.
pub fn rename_label(schema: &mut Schema, name: &QualifiedName, old: &str, new: &str) {
    let of_enum = |ty: &DataType| {
        !ty.builtin
            && ty.array_dims == 0
            && ty.name == name.name
            && ty.schema.as_deref().unwrap_or("public") == name.schema
    };
    let label = Label { name, old, new };
    let mut enum_columns_of = std::collections::BTreeMap::new();
    for t in schema.tables.values() {
        let columns: BTreeSet<String> =
            t.columns.iter().filter(|c| of_enum(&c.data_type)).map(|c| c.name.clone()).collect();
        enum_columns_of.insert(t.name.clone(), columns);
    }
    for t in schema.tables.values_mut() {
        let columns = &enum_columns_of[&t.name];
        for c in &mut t.columns {
            let whole = of_enum(&c.data_type);
            if let Some(d) = &mut c.default {
                *d = label.in_expr(d, columns, whole);
            }
            if let Some(g) = &mut c.generated {
                *g = label.in_expr(g, columns, false);
            }
        }
        for k in &mut t.constraints {
            if let crate::model::ConstraintKind::Check { expr, .. } = &mut k.kind {
                *expr = label.in_expr(expr, columns, false);
            }
        }
        for i in &mut t.indexes {
            for e in i.keys.iter_mut().filter_map(|k| k.expr.as_mut()).chain(i.predicate.as_mut()) {
                *e = label.in_expr(e, columns, false);
            }
        }
    }
    for p in schema.policies.values_mut() {
        let Some(columns) = enum_columns_of.get(&p.table) else { continue };
        for e in [&mut p.using, &mut p.with_check].into_iter().flatten() {
            *e = label.in_expr(e, columns, false);
        }
    }
    for t in schema.triggers.values_mut() {
        let Some(columns) = enum_columns_of.get(&t.table) else { continue };
        if let Some(w) = &mut t.when {
            *w = label.in_expr(w, columns, false);
        }
    }
    for v in schema.views.values_mut() {
        // The enum's columns of the relations the view reads, unless a relation it reads
        // has a column of that name of another type.
        let read = v.refs.relations.iter().filter_map(|r| schema.tables.get(r));
        let mut columns = BTreeSet::new();
        let mut other = BTreeSet::new();
        for t in read {
            for c in &t.columns {
                if of_enum(&c.data_type) { &mut columns } else { &mut other }.insert(c.name.clone());
            }
        }
        columns.retain(|c| !other.contains(c));
        if let Some(query) = label.in_sql(&v.query, 0, &columns, false) {
            v.query = query;
            v.refs = crate::pgtree::statement_refs(&v.query);
        }
    }
}

struct Label<'a> {
    name: &'a QualifiedName,
    old: &'a str,
    new: &'a str,
}

impl Label<'_> {
    fn in_expr(&self, expr: &Expr, columns: &BTreeSet<String>, whole: bool) -> Expr {
        if !expr.text().contains(self.old) {
            return expr.clone();
        }
        let sql = format!("SELECT {}", expr.text());
        match self.in_sql(&sql, "SELECT ".len(), columns, whole) {
            Some(text) => normalize_expr(&text).unwrap_or_else(|_| expr.clone()),
            None => expr.clone(),
        }
    }

    /// `sql` with the literals that stand for the label rewritten (None: there are none);
    /// the first `skip` bytes are a wrapper, left out of the result.
    fn in_sql(&self, sql: &str, skip: usize, columns: &BTreeSet<String>, whole: bool) -> Option<String> {
        let parsed = pg_query::parse(sql, 0).ok()?;
        let mut at: BTreeSet<usize> = BTreeSet::new();
        for (node, _, _, _) in parsed.protobuf.nodes() {
            match node {
                NodeRef::AConst(c) if whole => at.extend(self.literal(c)),
                NodeRef::TypeCast(tc) if self.names_enum(tc.type_name.as_ref()) => {
                    if let Some(pg_query::NodeEnum::AConst(c)) = tc.arg.as_deref().and_then(|a| a.node.as_ref()) {
                        at.extend(self.literal(c));
                    }
                }
                NodeRef::AExpr(e) => {
                    let sides = [e.lexpr.as_deref(), e.rexpr.as_deref()];
                    let column = |n: Option<&pg_query::Node>| match n.and_then(|n| n.node.as_ref()) {
                        Some(pg_query::NodeEnum::ColumnRef(r)) => {
                            r.fields.last().and_then(str_of).is_some_and(|c| columns.contains(c))
                        }
                        _ => false,
                    };
                    for (i, side) in sides.iter().enumerate() {
                        if column(sides[1 - i]) {
                            at.extend(side.iter().flat_map(|s| self.literals_of(s)));
                        }
                    }
                }
                _ => {}
            }
        }
        if at.is_empty() {
            return None;
        }
        let mut out = String::new();
        let mut pos = skip;
        for start in at.into_iter().filter(|s| *s >= skip) {
            let end = literal_end(sql, start)?;
            out.push_str(&sql[pos..start]);
            out.push_str(&quote_literal(self.new));
            pos = end;
        }
        out.push_str(&sql[pos..]);
        Some(out)
    }

    /// Where the literal `c` starts, when it is the label written plainly (`'draft'`).
    fn literal(&self, c: &protobuf::AConst) -> Option<usize> {
        match &c.val {
            Some(a_const::Val::Sval(s)) if s.sval == self.old => usize::try_from(c.location).ok(),
            _ => None,
        }
    }

    /// The label's literals on one side of a comparison: a literal, a list (`IN (…)`), an
    /// ARRAY[…], each maybe cast.
    fn literals_of(&self, node: &pg_query::Node) -> Vec<usize> {
        match node.node.as_ref() {
            Some(pg_query::NodeEnum::AConst(c)) => self.literal(c).into_iter().collect(),
            Some(pg_query::NodeEnum::TypeCast(tc)) => {
                tc.arg.as_deref().map(|a| self.literals_of(a)).unwrap_or_default()
            }
            Some(pg_query::NodeEnum::List(l)) => l.items.iter().flat_map(|i| self.literals_of(i)).collect(),
            Some(pg_query::NodeEnum::AArrayExpr(a)) => a.elements.iter().flat_map(|i| self.literals_of(i)).collect(),
            _ => Vec::new(),
        }
    }

    fn names_enum(&self, ty: Option<&protobuf::TypeName>) -> bool {
        let Some(ty) = ty.filter(|t| t.array_bounds.is_empty()) else { return false };
        let names: Vec<&str> = ty.names.iter().filter_map(str_of).collect();
        match names.as_slice() {
            [name] => *name == self.name.name,
            [schema, name] => *name == self.name.name && *schema == self.name.schema,
            _ => false,
        }
    }
}

/// The end of the string literal that starts at `start` (`'…'`, quotes doubled inside).
fn literal_end(sql: &str, start: usize) -> Option<usize> {
    let bytes = sql.as_bytes();
    if bytes.get(start) != Some(&b'\'') {
        return None;
    }
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}
