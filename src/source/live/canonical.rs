//! The form in which a model read from a live database and one read from SQL files compare.
//! PostgreSQL stores expressions as trees and prints them back its own way (`'open'::text`
//! for `'open'`, `x = ANY (ARRAY[…])` for `x IN (…)`, `orders.id` for `id`, `count(*) AS
//! count`); the files hold what a person wrote. Both sides are brought to one form here,
//! only for comparing: the casts of constants, the qualifiers of columns and of `public` or
//! `pg_catalog` names, and the spellings the server picks are left out. What differs after
//! that is a real difference.

use std::collections::BTreeMap;

use pg_query::NodeEnum;
use pg_query::protobuf::{AExprKind, Node};

use crate::model::{ConstraintKind, Expr, Schema};
use crate::pgtree::{expr_sql, parse_expr};

/// A constant of an expression, in the order the walk meets them: its text when it is a
/// string, and the type it is cast to there (as SQL, every name quoted), if any.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Constant {
    pub value: Option<String>,
    pub ty: Option<String>,
}

/// Per expression (by `slots`' key): the text each string constant is to be read as,
/// by its place among the expression's constants.
pub(super) type Readings = BTreeMap<String, Vec<Option<String>>>;

/// `schema` with every expression and view query in the compared form, and without the
/// extensions every Supabase project has before its first migration (a history may create
/// them again or not).
pub fn comparable(schema: &Schema) -> Schema {
    compared(schema, &Readings::new()).0
}

/// `comparable` with the constants of each expression read as `readings` says, and the
/// constants each expression held, by key.
pub(super) fn compared(schema: &Schema, readings: &Readings) -> (Schema, BTreeMap<String, Vec<Constant>>) {
    let mut s = schema.clone();
    s.extensions.retain(|name, _| !crate::source::yaml::PLATFORM_EXTENSIONS.contains(&name.as_str()));
    let owned: std::collections::BTreeSet<_> = s.tables.keys().cloned().collect();
    for t in s.tables.values_mut() {
        for k in &mut t.constraints {
            // A key on a platform table (auth.users) is not in the model: the server names
            // the primary key's columns, a history may name none.
            if let ConstraintKind::ForeignKey(fk) = &mut k.kind
                && !owned.contains(&fk.ref_table)
            {
                fk.ref_columns.clear();
            }
        }
        for c in &mut t.columns {
            unqualified_type(&mut c.data_type);
        }
        let exclusion_keys = t.constraints.iter_mut().flat_map(|k| match &mut k.kind {
            ConstraintKind::Exclude(x) => x.elements.iter_mut().map(|e| &mut e.key).collect(),
            _ => Vec::new(),
        });
        for key in t.indexes.iter_mut().flat_map(|i| &mut i.keys).chain(exclusion_keys) {
            if let Some(op) = key.opclass.as_mut().and_then(|o| o.strip_prefix("extensions.")) {
                key.opclass = Some(op.to_string());
            }
        }
    }
    // PostgreSQL keeps no type modifier of an argument (`vector(384)` is `vector`); the
    // signature that keys a function changes with its types.
    s.functions = std::mem::take(&mut s.functions)
        .into_values()
        .map(|mut f| {
            for a in &mut f.args {
                let ty = a.data_type.strip_prefix("extensions.").unwrap_or(&a.data_type);
                let ty = match (ty.find('('), ty.ends_with(')')) {
                    (Some(open), true) => ty[..open].trim_end(),
                    _ => ty,
                };
                a.data_type = ty.to_string();
            }
            // Nor of a result type: `RETURNS TABLE(id varchar(100))` is `TABLE(id varchar)`.
            f.returns = f.returns.as_deref().map(without_modifiers);
            // A type of the `extensions` schema written unqualified is read as one the model
            // does not hold; the server prints it qualified (see `unqualified_type`).
            f.types.retain(|t| t.schema != "extensions");
            (crate::model::Signature(f.signature()), f)
        })
        .collect();
    let mut seen = BTreeMap::new();
    for (key, slot) in slots(&mut s) {
        let mut constants = Constants { seen: Vec::new(), readings: readings.get(&key).map_or(&[], Vec::as_slice) };
        match slot {
            Slot::Expr(e) => *e = expr(e, &mut constants),
            Slot::Query(q) => *q = query(q, &mut constants),
        }
        seen.insert(key, constants.seen);
    }
    (s, seen)
}

/// `text` without its type modifiers: every parenthesised list of integers outside double
/// quotes (`character varying(100)`, `numeric(10, 2)`) is dropped.
fn without_modifiers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            quoted = !quoted;
        }
        if !quoted && c == '(' {
            let close = rest.find(')').unwrap_or(0);
            let inside = &rest[1..close.max(1)];
            if close > 1 && inside.chars().all(|c| c.is_ascii_digit() || c == ',' || c == ' ') {
                rest = &rest[close + 1..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.trim_end().to_string()
}

/// Where an expression or a view's query is held in a schema.
enum Slot<'a> {
    Expr(&'a mut Expr),
    Query(&'a mut String),
}

/// Every expression and view query of `s`, each with a key that names the same place in
/// another schema.
fn slots(s: &mut Schema) -> Vec<(String, Slot<'_>)> {
    fn push<'a>(out: &mut Vec<(String, Slot<'a>)>, key: String, e: &'a mut Option<Expr>) {
        if let Some(x) = e {
            out.push((key, Slot::Expr(x)));
        }
    }
    let mut out = Vec::new();
    for (name, t) in &mut s.tables {
        for c in &mut t.columns {
            push(&mut out, format!("{name:?} column {} default", c.name), &mut c.default);
            push(&mut out, format!("{name:?} column {} generated", c.name), &mut c.generated);
        }
        for (p, published) in &mut t.publications {
            push(&mut out, format!("{name:?} publication {p}"), &mut published.row_filter);
        }
        for i in &mut t.indexes {
            push(&mut out, format!("{name:?} index {} where", i.name), &mut i.predicate);
            for (n, key) in i.keys.iter_mut().enumerate() {
                push(&mut out, format!("{name:?} index {} key {n}", i.name), &mut key.expr);
            }
        }
        for k in &mut t.constraints {
            match &mut k.kind {
                ConstraintKind::Check { expr: e, .. } => {
                    out.push((format!("{name:?} check {}", k.name), Slot::Expr(e)))
                }
                ConstraintKind::Exclude(x) => {
                    push(&mut out, format!("{name:?} exclude {} where", k.name), &mut x.predicate);
                    for (n, e) in x.elements.iter_mut().enumerate() {
                        push(&mut out, format!("{name:?} exclude {} key {n}", k.name), &mut e.key.expr);
                    }
                }
                _ => {}
            }
        }
    }
    for (name, p) in &mut s.policies {
        push(&mut out, format!("{name:?} using"), &mut p.using);
        push(&mut out, format!("{name:?} with check"), &mut p.with_check);
    }
    for (name, t) in &mut s.triggers {
        push(&mut out, format!("{name:?} when"), &mut t.when);
    }
    for (name, d) in &mut s.domains {
        push(&mut out, format!("{name:?} default"), &mut d.default);
        for (check, e) in &mut d.checks {
            out.push((format!("{name:?} check {check}"), Slot::Expr(e)));
        }
    }
    for (name, f) in &mut s.functions {
        for (n, a) in f.args.iter_mut().enumerate() {
            push(&mut out, format!("{name:?} argument {n}"), &mut a.default);
        }
    }
    for (name, v) in &mut s.views {
        out.push((format!("{name:?} query"), Slot::Query(&mut v.query)));
    }
    out
}

/// `current` with each object (and each column, constraint and index of a table) that
/// equals its counterpart in `desired` once both are in the compared form (`compared`:
/// theirs, as `server_constants::compared_forms` gives them) replaced by that
/// counterpart as written. The diff then sees no change there, and what it renders for the
/// rest comes from the objects as written or as the server prints them, never from the
/// compared form, which drops casts and qualifiers and so is not SQL to run.
pub fn aligned(current: &Schema, desired: &Schema, (cc, cd): &(Schema, Schema)) -> Schema {
    let mut out = current.clone();
    for (name, table) in &mut out.tables {
        let (Some(a), Some(b), Some(wanted)) = (cc.tables.get(name), cd.tables.get(name), desired.tables.get(name))
        else {
            continue;
        };
        if a == b {
            *table = wanted.clone();
            continue;
        }
        same_named(&mut table.columns, &a.columns, &b.columns, &wanted.columns, |c| &c.name);
        same_named(&mut table.constraints, &a.constraints, &b.constraints, &wanted.constraints, |c| &c.name);
        same_named(&mut table.indexes, &a.indexes, &b.indexes, &wanted.indexes, |i| &i.name);
    }
    same_keyed(&mut out.views, &cc.views, &cd.views, &desired.views);
    same_keyed(&mut out.functions, &cc.functions, &cd.functions, &desired.functions);
    same_keyed(&mut out.policies, &cc.policies, &cd.policies, &desired.policies);
    same_keyed(&mut out.triggers, &cc.triggers, &cd.triggers, &desired.triggers);
    // The platform's extensions are in every Supabase database: as the other side says.
    for name in crate::source::yaml::PLATFORM_EXTENSIONS {
        match desired.extensions.get(*name) {
            Some(e) => out.extensions.insert(name.to_string(), e.clone()),
            None => out.extensions.remove(*name),
        };
    }
    out
}

fn same_keyed<K: Ord, V: Clone + PartialEq>(
    out: &mut std::collections::BTreeMap<K, V>,
    a: &std::collections::BTreeMap<K, V>,
    b: &std::collections::BTreeMap<K, V>,
    wanted: &std::collections::BTreeMap<K, V>,
) {
    for (k, v) in out.iter_mut() {
        if let (Some(x), Some(y), Some(w)) = (a.get(k), b.get(k), wanted.get(k))
            && x == y
        {
            *v = w.clone();
        }
    }
}

fn same_named<T: Clone + PartialEq>(out: &mut [T], a: &[T], b: &[T], wanted: &[T], name: impl Fn(&T) -> &String) {
    for (i, v) in out.iter_mut().enumerate() {
        let Some(x) = a.get(i) else { continue };
        let found = b.iter().position(|y| name(y) == name(x));
        if let Some(j) = found
            && &b[j] == x
        {
            *v = wanted[j].clone();
        }
    }
}

/// A type of the `extensions` schema is written with or without it: Supabase's search path
/// holds the schema, and the server prints the name as its own path finds it.
fn unqualified_type(ty: &mut crate::model::DataType) {
    if ty.schema.as_deref() == Some("extensions") {
        *ty = crate::model::DataType::from_parts(vec![ty.name.clone()], ty.modifiers.clone(), ty.array_dims);
    }
}

/// The constants one expression's walk meets, and how each is to be read.
struct Constants<'a> {
    seen: Vec<Constant>,
    readings: &'a [Option<String>],
}

impl Constants<'_> {
    /// Notes `a` (cast to `ty`, if it is) and gives it the text its place is to be read as.
    fn meet(&mut self, a: &mut pg_query::protobuf::AConst, ty: Option<String>) {
        use pg_query::protobuf::a_const::Val;
        let value = match &mut a.val {
            Some(Val::Sval(s)) => {
                let written = s.sval.clone();
                if let Some(Some(reading)) = self.readings.get(self.seen.len()) {
                    s.sval = reading.clone();
                }
                Some(written)
            }
            _ => None,
        };
        self.seen.push(Constant { value, ty });
    }
}

/// A type name of the parse tree as SQL: every name quoted, modifiers only when they are
/// integers. None for what is not a plain type (`%TYPE`, SETOF, other modifiers).
fn type_sql(t: &pg_query::protobuf::TypeName) -> Option<String> {
    use pg_query::protobuf::a_const::Val;
    if t.setof || t.pct_type || t.names.is_empty() {
        return None;
    }
    let names: Option<Vec<String>> =
        t.names.iter().map(|n| crate::pgtree::str_of(n).map(crate::ident::quote_ident)).collect();
    let mut out = names?.join(".");
    if !t.typmods.is_empty() {
        let mods: Option<Vec<String>> = t
            .typmods
            .iter()
            .map(|m| match m.node.as_ref() {
                Some(NodeEnum::AConst(pg_query::protobuf::AConst { val: Some(Val::Ival(i)), .. })) => {
                    Some(i.ival.to_string())
                }
                _ => None,
            })
            .collect();
        out.push_str(&format!("({})", mods?.join(", ")));
    }
    out.push_str(&"[]".repeat(t.array_bounds.len()));
    Some(out)
}

fn expr(e: &Expr, k: &mut Constants) -> Expr {
    match parse_expr(e.text()) {
        Ok(mut node) => {
            walk(&mut node, k);
            expr_sql(&node)
        }
        Err(_) => e.clone(),
    }
}

fn query(text: &str, k: &mut Constants) -> String {
    let Ok(mut parsed) = pg_query::parse(text, 0) else { return text.to_string() };
    for stmt in &mut parsed.protobuf.stmts {
        if let Some(node) = &mut stmt.stmt {
            walk(node, k);
        }
    }
    pg_query::deparse(&parsed.protobuf, Default::default()).unwrap_or_else(|_| text.to_string())
}

fn walk_opt(node: &mut Option<Box<Node>>, k: &mut Constants) {
    if let Some(n) = node {
        walk(n, k);
    }
}

fn walk_all(nodes: &mut [Node], k: &mut Constants) {
    nodes.iter_mut().for_each(|n| walk(n, k));
}

/// Rewrites `node` into the compared form, children first.
fn walk(node: &mut Node, k: &mut Constants) {
    let Some(inner) = node.node.as_mut() else { return };
    match inner {
        NodeEnum::SelectStmt(s) => {
            walk_all(&mut s.target_list, k);
            walk_all(&mut s.from_clause, k);
            walk_opt(&mut s.where_clause, k);
            walk_all(&mut s.group_clause, k);
            walk_opt(&mut s.having_clause, k);
            walk_all(&mut s.sort_clause, k);
            walk_all(&mut s.values_lists, k);
            walk_opt(&mut s.limit_count, k);
            walk_opt(&mut s.limit_offset, k);
            if let Some(l) = &mut s.larg {
                walk_select(l, k);
            }
            if let Some(r) = &mut s.rarg {
                walk_select(r, k);
                // Only the first branch of a UNION names the columns; the server names them
                // in every branch.
                unnamed(r);
            }
            if let Some(w) = &mut s.with_clause {
                walk_all(&mut w.ctes, k);
            }
        }
        NodeEnum::CommonTableExpr(c) => walk_opt(&mut c.ctequery, k),
        NodeEnum::ResTarget(r) => {
            walk_opt(&mut r.val, k);
            // The server names every output column; `count(*)` is `count(*) AS count`.
            if r.name == r.val.as_deref().map(default_name).unwrap_or_default() {
                r.name.clear();
            }
        }
        NodeEnum::RangeVar(r) => {
            if r.schemaname == "public" {
                r.schemaname.clear();
            }
            if r.alias.as_ref().is_some_and(|a| a.aliasname == r.relname && a.colnames.is_empty()) {
                r.alias = None;
            }
        }
        NodeEnum::JoinExpr(j) => {
            walk_opt(&mut j.larg, k);
            walk_opt(&mut j.rarg, k);
            walk_opt(&mut j.quals, k);
        }
        NodeEnum::RangeSubselect(r) => walk_opt(&mut r.subquery, k),
        // The server prints `FROM f()` as `FROM f() f(a, b)`: an alias named as the function,
        // listing its output columns. An alias of the function's own name is dropped with its
        // column list; a list that renames columns renames them in the select list too, so
        // that difference still shows there.
        NodeEnum::RangeFunction(r) => {
            let single = match r.functions.as_slice() {
                [only] => match only.node.as_ref() {
                    Some(NodeEnum::List(l)) => match l.items.first().and_then(|f| f.node.as_ref()) {
                        Some(NodeEnum::FuncCall(f)) => f.funcname.last().map(str_of).map(str::to_string),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            walk_all(&mut r.functions, k);
            if single.is_some_and(|name| r.alias.as_ref().is_some_and(|a| a.aliasname == name))
                && r.coldeflist.is_empty()
            {
                r.alias = None;
            }
        }
        // `orders.id` is `id`: the server qualifies columns wherever it reads more than one
        // relation, a person rarely does.
        NodeEnum::ColumnRef(c) if c.fields.len() == 2 && !matches!(c.fields[1].node, Some(NodeEnum::AStar(_))) => {
            c.fields.remove(0);
        }
        NodeEnum::AExpr(a) => {
            walk_opt(&mut a.lexpr, k);
            walk_opt(&mut a.rexpr, k);
            canonical_a_expr(a);
            if let Some(both) = between(a) {
                *node = both;
            }
        }
        NodeEnum::BoolExpr(b) => walk_all(&mut b.args, k),
        NodeEnum::FuncCall(f) => {
            walk_all(&mut f.args, k);
            walk_all(&mut f.agg_order, k);
            walk_opt(&mut f.agg_filter, k);
            if f.funcname.len() == 2 && ["pg_catalog", "public", "extensions"].contains(&str_of(&f.funcname[0])) {
                f.funcname.remove(0);
            }
            // `nextval('public.s')` is `nextval('s')`: the server prints the name as the
            // search path finds it.
            if f.funcname.last().map(str_of) == Some("nextval")
                && let Some(NodeEnum::AConst(c)) = f.args.first_mut().and_then(|a| a.node.as_mut())
                && let Some(pg_query::protobuf::a_const::Val::Sval(name)) = &mut c.val
                && let Some(rest) = name.sval.strip_prefix("public.")
            {
                name.sval = rest.to_string();
            }
        }
        NodeEnum::TypeCast(t) => {
            match t.arg.as_deref_mut().and_then(|a| a.node.as_mut()) {
                Some(NodeEnum::AConst(a)) => k.meet(a, t.type_name.as_ref().and_then(type_sql)),
                _ => walk_opt(&mut t.arg, k),
            }
            // A constant's cast is the type the server inferred for it, or the one written; a
            // column's, an array's or `CURRENT_DATE`'s is the implicit cast the server makes
            // explicit.
            if t.arg.as_deref().is_some_and(|a| {
                matches!(
                    a.node,
                    Some(
                        NodeEnum::AConst(_)
                            | NodeEnum::ColumnRef(_)
                            | NodeEnum::AArrayExpr(_)
                            | NodeEnum::SqlvalueFunction(_)
                    )
                )
            }) {
                let arg = t.arg.take().expect("checked");
                *node = *arg;
            }
        }
        NodeEnum::NullTest(n) => walk_opt(&mut n.arg, k),
        NodeEnum::BooleanTest(n) => walk_opt(&mut n.arg, k),
        NodeEnum::SubLink(s) => {
            walk_opt(&mut s.testexpr, k);
            walk_opt(&mut s.subselect, k);
        }
        NodeEnum::CaseExpr(c) => {
            walk_opt(&mut c.arg, k);
            walk_all(&mut c.args, k);
            walk_opt(&mut c.defresult, k);
        }
        NodeEnum::CaseWhen(w) => {
            walk_opt(&mut w.expr, k);
            walk_opt(&mut w.result, k);
        }
        NodeEnum::CoalesceExpr(c) => walk_all(&mut c.args, k),
        NodeEnum::MinMaxExpr(m) => walk_all(&mut m.args, k),
        NodeEnum::AArrayExpr(a) => walk_all(&mut a.elements, k),
        NodeEnum::RowExpr(r) => walk_all(&mut r.args, k),
        NodeEnum::List(l) => walk_all(&mut l.items, k),
        NodeEnum::SortBy(s) => walk_opt(&mut s.node, k),
        NodeEnum::CollateClause(c) => walk_opt(&mut c.arg, k),
        NodeEnum::NamedArgExpr(n) => walk_opt(&mut n.arg, k),
        NodeEnum::AIndirection(i) => walk_opt(&mut i.arg, k),
        NodeEnum::AConst(a) => k.meet(a, None),
        _ => {}
    }
}

fn unnamed(s: &mut pg_query::protobuf::SelectStmt) {
    for t in &mut s.target_list {
        if let Some(NodeEnum::ResTarget(r)) = t.node.as_mut() {
            r.name.clear();
        }
    }
    for side in [&mut s.larg, &mut s.rarg].into_iter().flatten() {
        unnamed(side);
    }
}

fn walk_select(s: &mut pg_query::protobuf::SelectStmt, k: &mut Constants) {
    let mut node = Node { node: Some(NodeEnum::SelectStmt(Box::new(std::mem::take(s)))) };
    walk(&mut node, k);
    if let Some(NodeEnum::SelectStmt(done)) = node.node {
        *s = *done;
    }
}

/// `x = ANY (ARRAY[a, b])` is `x IN (a, b)`, `x <> ALL (ARRAY[…])` is `NOT IN`, and `~~`
/// is `LIKE`: the server prints the first of each.
fn canonical_a_expr(a: &mut pg_query::protobuf::AExpr) {
    let op = a.name.first().map(str_of).unwrap_or_default().to_string();
    let kind = AExprKind::try_from(a.kind).unwrap_or(AExprKind::Undefined);
    let array = match a.rexpr.as_deref_mut().and_then(|r| r.node.as_mut()) {
        Some(NodeEnum::AArrayExpr(arr)) => Some(std::mem::take(&mut arr.elements)),
        _ => None,
    };
    match (kind, op.as_str(), array) {
        (AExprKind::AexprOpAny, "=", Some(items)) | (AExprKind::AexprOpAll, "<>", Some(items)) => {
            a.kind = AExprKind::AexprIn as i32;
            a.rexpr = Some(Box::new(Node { node: Some(NodeEnum::List(pg_query::protobuf::List { items })) }));
        }
        (_, _, Some(items)) => {
            if let Some(NodeEnum::AArrayExpr(arr)) = a.rexpr.as_deref_mut().and_then(|r| r.node.as_mut()) {
                arr.elements = items;
            }
        }
        (AExprKind::AexprOp, "~~" | "~~*" | "!~~" | "!~~*", None) => {
            a.kind = if op.contains('*') { AExprKind::AexprIlike } else { AExprKind::AexprLike } as i32;
        }
        _ => {}
    }
}

/// `x BETWEEN a AND b` is `x >= a AND x <= b` (NOT BETWEEN: `x < a OR x > b`), as the
/// server prints it.
fn between(a: &mut pg_query::protobuf::AExpr) -> Option<Node> {
    use pg_query::protobuf::{BoolExpr, BoolExprType};
    let kind = AExprKind::try_from(a.kind).ok()?;
    let (low_op, high_op, bool_op) = match kind {
        AExprKind::AexprBetween => (">=", "<=", BoolExprType::AndExpr),
        AExprKind::AexprNotBetween => ("<", ">", BoolExprType::OrExpr),
        _ => return None,
    };
    let Some(NodeEnum::List(bounds)) = a.rexpr.as_deref().and_then(|r| r.node.clone()) else { return None };
    let [low, high] = <[Node; 2]>::try_from(bounds.items).ok()?;
    let x = a.lexpr.clone()?;
    let compare = |op: &str, bound: Node| Node {
        node: Some(NodeEnum::AExpr(Box::new(pg_query::protobuf::AExpr {
            kind: AExprKind::AexprOp as i32,
            name: vec![Node { node: Some(NodeEnum::String(pg_query::protobuf::String { sval: op.to_string() })) }],
            lexpr: Some(x.clone()),
            rexpr: Some(Box::new(bound)),
            ..Default::default()
        }))),
    };
    Some(Node {
        node: Some(NodeEnum::BoolExpr(Box::new(BoolExpr {
            boolop: bool_op as i32,
            args: vec![compare(low_op, low), compare(high_op, high)],
            ..Default::default()
        }))),
    })
}

fn str_of(node: &Node) -> &str {
    crate::pgtree::str_of(node).unwrap_or_default()
}

/// The name PostgreSQL gives an output column it is not given a name for.
fn default_name(val: &Node) -> String {
    match val.node.as_ref() {
        Some(NodeEnum::ColumnRef(c)) => c.fields.last().map(str_of).unwrap_or_default().to_string(),
        Some(NodeEnum::FuncCall(f)) => f.funcname.last().map(str_of).unwrap_or_default().to_string(),
        Some(NodeEnum::TypeCast(t)) => t.arg.as_deref().map(default_name).unwrap_or_default(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn type_modifiers_go_but_quoted_names_and_other_parentheses_stay() {
        assert_eq!(
            super::without_modifiers("TABLE(code character varying(10), amount numeric(10, 2), \"t(1)\" text)"),
            "TABLE(code character varying, amount numeric, \"t(1)\" text)"
        );
        assert_eq!(super::without_modifiers("SETOF public.t"), "SETOF public.t");
    }
}
