//! ALTER TYPE … RENAME VALUE. PostgreSQL keeps an enum value by oid, so every default,
//! CHECK, policy, index, trigger condition and view that holds the label shows the new one
//! afterwards. The model holds those as text: the literals that stand for the label are
//! rewritten. A literal stands for it where it is cast to the enum (`'draft'::status`), is
//! the default of a column of the enum, or is compared with such a column (`status =
//! 'draft'`, `status IN ('draft', …)`); a literal compared with anything else is text. An
//! array literal (`'{draft,done}'`) cast to an array of the enum, or the default of such a
//! column, has its element renamed.

use std::collections::BTreeSet;

use pg_query::NodeRef;
use pg_query::protobuf::{self, a_const};

use crate::ident::quote_literal;
use crate::model::{DataType, Expr, QualifiedName, Schema};
use crate::pgtree::{normalize_expr, str_of};

/// Rewrites label `old` of enum `name` as `new` wherever the schema holds it.
pub fn rename_label(schema: &mut Schema, name: &QualifiedName, old: &str, new: &str) {
    let named =
        |ty: &DataType| !ty.builtin && ty.name == name.name && ty.schema.as_deref().unwrap_or("public") == name.schema;
    let of_enum = |ty: &DataType| named(ty) && ty.array_dims == 0;
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
            let whole = named(&c.data_type);
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
        let mut at: std::collections::BTreeMap<usize, String> = std::collections::BTreeMap::new();
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
        for (start, text) in at.into_iter().filter(|(s, _)| *s >= skip) {
            let end = literal_end(sql, start)?;
            out.push_str(&sql[pos..start]);
            out.push_str(&text);
            pos = end;
        }
        out.push_str(&sql[pos..]);
        Some(out)
    }

    /// Where the literal `c` starts and what it becomes, when it is the label written
    /// plainly (`'draft'`) or an array literal that holds it (`'{draft,done}'`).
    fn literal(&self, c: &protobuf::AConst) -> Option<(usize, String)> {
        let Some(a_const::Val::Sval(s)) = &c.val else { return None };
        let text =
            if s.sval == self.old { self.new.to_string() } else { renamed_element(&s.sval, self.old, self.new)? };
        Some((usize::try_from(c.location).ok()?, quote_literal(&text)))
    }

    /// The label's literals on one side of a comparison: a literal, a list (`IN (…)`), an
    /// ARRAY[…], each maybe cast.
    fn literals_of(&self, node: &pg_query::Node) -> Vec<(usize, String)> {
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

    /// A cast to the enum, or to an array of it.
    fn names_enum(&self, ty: Option<&protobuf::TypeName>) -> bool {
        let Some(ty) = ty else { return false };
        let names: Vec<&str> = ty.names.iter().filter_map(str_of).collect();
        match names.as_slice() {
            [name] => *name == self.name.name,
            [schema, name] => *name == self.name.name && *schema == self.name.schema,
            _ => false,
        }
    }
}

/// The array literal `text` (`{draft,"in review"}`) with element `old` written `new`, or
/// None when it is not an array literal or does not hold `old`.
fn renamed_element(text: &str, old: &str, new: &str) -> Option<String> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    if inner.contains('{') {
        return None;
    }
    // Each element with whether it was quoted: an unquoted NULL is no value.
    let mut elements: Vec<(String, bool)> = Vec::new();
    let (mut current, mut quoted, mut was_quoted, mut escaped) = (String::new(), false, false, false);
    for ch in inner.chars() {
        match ch {
            _ if escaped => {
                current.push(ch);
                escaped = false;
            }
            '\\' if quoted => escaped = true,
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => {
                elements.push((std::mem::take(&mut current).trim().to_string(), std::mem::take(&mut was_quoted)))
            }
            _ => current.push(ch),
        }
    }
    elements.push((current.trim().to_string(), was_quoted));
    let is_old = |(e, q): &(String, bool)| e == old && (*q || !e.eq_ignore_ascii_case("null"));
    if !elements.iter().any(is_old) {
        return None;
    }
    let written = |e: &str, quote: bool| {
        let plain = !e.is_empty() && e.chars().all(|c| c.is_alphanumeric() || c == '_');
        if plain && !quote { e.to_string() } else { format!("\"{}\"", e.replace('\\', "\\\\").replace('"', "\\\"")) }
    };
    let renamed: Vec<String> = elements
        .iter()
        .map(
            |pair| if is_old(pair) { written(new, new.eq_ignore_ascii_case("null")) } else { written(&pair.0, pair.1) },
        )
        .collect();
    Some(format!("{{{}}}", renamed.join(",")))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_literals_have_the_element_renamed() {
        assert_eq!(renamed_element("{red,green}", "red", "crimson").as_deref(), Some("{crimson,green}"));
        assert_eq!(renamed_element("{\"red\", NULL}", "red", "dark red").as_deref(), Some("{\"dark red\",NULL}"));
        // An unquoted NULL is no value, a quoted one a label.
        assert_eq!(renamed_element("{NULL}", "NULL", "x"), None);
        assert_eq!(renamed_element("{\"NULL\"}", "NULL", "x").as_deref(), Some("{x}"));
        assert_eq!(renamed_element("{green}", "red", "crimson"), None);
        assert_eq!(renamed_element("red", "red", "crimson"), None);
    }

    #[test]
    fn literals_that_stand_for_the_label_are_renamed() {
        let mut schema = crate::source::replayed(
            "create type tag as enum ('red', 'green');
             create table t (a tag default 'red', b tag[] default '{red,green}', c text default 'red',
               constraint k check (a <> 'red' and c <> 'red' and 'red'::tag is not null));
             alter type tag rename value 'red' to 'crimson';",
        );
        let t = schema.tables.remove(&QualifiedName::new("public", "t")).unwrap();
        let default = |c: &str| t.column(c).unwrap().default.as_ref().unwrap().text().to_string();
        assert_eq!(default("a"), "'crimson'");
        assert_eq!(default("b"), "'{crimson,green}'");
        assert_eq!(default("c"), "'red'");
        let crate::model::ConstraintKind::Check { expr, .. } = &t.constraint("k").unwrap().kind else { panic!() };
        assert_eq!(expr.text(), "a <> 'crimson' AND c <> 'red' AND 'crimson'::tag IS NOT NULL");
    }
}
