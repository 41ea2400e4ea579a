//! Helpers over pg_query's trees: names, types, expressions and quoting, shared by both
//! sources so that YAML and SQL normalise through exactly the same code.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use pg_query::protobuf::{self, KeywordKind, Token, a_const};
use pg_query::{Node, NodeEnum, NodeRef};

use crate::model::{DataType, Expr, QualifiedName, Refs};

pub use crate::ident::{quote_ident, quote_literal};

/// The text of a `String` node.
pub fn str_of(node: &Node) -> Option<&str> {
    match node.node.as_ref()? {
        NodeEnum::String(s) => Some(&s.sval),
        _ => None,
    }
}

/// Every `String` node of a name list (`["public", "users"]`).
pub fn strings(nodes: &[Node]) -> Vec<String> {
    nodes.iter().filter_map(str_of).map(str::to_string).collect()
}

/// The SQL text of an expression node, as pg_query deparses it.
pub fn expr_sql(node: &Node) -> Expr {
    let select = protobuf::SelectStmt {
        target_list: vec![Node {
            node: Some(NodeEnum::ResTarget(Box::new(protobuf::ResTarget {
                val: Some(Box::new(node.clone())),
                ..Default::default()
            }))),
        }],
        limit_option: protobuf::LimitOption::Default as i32,
        op: protobuf::SetOperation::SetopNone as i32,
        ..Default::default()
    };
    let text = NodeEnum::SelectStmt(Box::new(select)).deparse(Default::default()).unwrap_or_default();
    let refs = node_refs(node);
    Expr::parsed(text.strip_prefix("SELECT ").unwrap_or(&text).to_string(), refs)
}

/// Parses and deparses an expression written by hand, so formatting never matters.
pub fn normalize_expr(text: &str) -> Result<Expr, String> {
    let node = parse_expr(text)?;
    Ok(expr_sql(&node))
}

/// `parse_expr`'s error when the text ends its expression with `;` and goes on.
pub const MORE_THAN_ONE_STATEMENT: &str = "more than one statement";

/// The tree of an expression written as text. The text is read inside `SELECT …`, so it must
/// be that one expression and nothing else: no second statement after a `;`, and no clause
/// (FROM, WHERE, INTO, UNION, …) that would make the SELECT more than its one target.
pub fn parse_expr(text: &str) -> Result<Node, String> {
    let parsed = pg_query::parse(&format!("SELECT {text}"), 0).map_err(|e| parse_message(&e))?;
    let mut stmts = parsed.protobuf.stmts.into_iter();
    let stmt = stmts.next().and_then(|s| s.stmt).and_then(|s| s.node);
    if stmts.next().is_some() {
        return Err(MORE_THAN_ONE_STATEMENT.to_string());
    }
    let Some(NodeEnum::SelectStmt(mut select)) = stmt else {
        return Err("expected a single expression".to_string());
    };
    let targets = std::mem::take(&mut select.target_list);
    let bare = protobuf::SelectStmt {
        limit_option: protobuf::LimitOption::Default as i32,
        op: protobuf::SetOperation::SetopNone as i32,
        ..Default::default()
    };
    if *select != bare || targets.len() != 1 {
        return Err("expected a single expression".to_string());
    }
    match targets.into_iter().next().and_then(|t| t.node) {
        Some(NodeEnum::ResTarget(target)) if target.name.is_empty() => {
            target.val.map(|v| *v).ok_or_else(|| "empty expression".to_string())
        }
        _ => Err("expected a single expression".to_string()),
    }
}

/// `parse_expr`, once per text and thread, for readers that only look at the tree. The YAML
/// loader checks each expression as written and its checks then read the printed form of
/// every default, CHECK, index expression, policy and WHEN, several checks the same one; and
/// the same texts recur from table to table. Parsing is pure, so a text's tree (or error) is
/// looked up instead of parsed again: pg_query's protobuf round trip was the largest cost of
/// a load.
pub fn expr_tree(text: &str) -> Result<Rc<Node>, String> {
    thread_local! {
        static TREES: RefCell<HashMap<String, Result<Rc<Node>, String>>> = RefCell::new(HashMap::new());
    }
    if let Some(hit) = TREES.with(|trees| trees.borrow().get(text).cloned()) {
        return hit;
    }
    let tree = parse_expr(text).map(Rc::new);
    TREES.with(|trees| trees.borrow_mut().insert(text.to_string(), tree.clone()));
    tree
}

/// pg_query's message without its "Invalid statement:" prefix.
pub fn parse_message(e: &pg_query::Error) -> String {
    match e {
        pg_query::Error::Parse(m) => m.clone(),
        other => other.to_string(),
    }
}

/// True for a NULL constant, possibly cast: PostgreSQL stores no default for it.
pub fn is_null_const(node: &Node) -> bool {
    match node.node.as_ref() {
        Some(NodeEnum::AConst(c)) => c.isnull,
        Some(NodeEnum::TypeCast(tc)) => tc.arg.as_deref().is_some_and(is_null_const),
        _ => false,
    }
}

/// The text of a constant (`10`, `'x'`), as it appears in a type modifier or an option.
pub fn const_text(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            a_const::Val::Ival(i) => Some(i.ival.to_string()),
            a_const::Val::Fval(f) => Some(f.fval.clone()),
            a_const::Val::Sval(s) => Some(s.sval.clone()),
            a_const::Val::Boolval(b) => Some(b.boolval.to_string()),
            a_const::Val::Bsval(b) => Some(b.bsval.clone()),
        },
        NodeEnum::Integer(i) => Some(i.ival.to_string()),
        NodeEnum::Float(f) => Some(f.fval.clone()),
        NodeEnum::String(s) => Some(s.sval.clone()),
        NodeEnum::ColumnRef(c) => c.fields.last().and_then(str_of).map(str::to_string),
        _ => None,
    }
}

pub fn data_type(tn: &protobuf::TypeName) -> DataType {
    let mods = tn.typmods.iter().map(|m| const_text(m).unwrap_or_else(|| expr_sql(m).text().to_string())).collect();
    DataType::from_parts(strings(&tn.names), mods, tn.array_bounds.len())
}

/// Distinct names of the columns an expression reads, in order of first appearance.
pub fn column_refs(node: &Node) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(inner) = node.node.as_ref() else {
        return out;
    };
    for (n, _, _, _) in inner.nodes() {
        if let NodeRef::ColumnRef(c) = n
            && let Some(name) = c.fields.last().and_then(str_of)
            && !out.iter().any(|o| o == name)
        {
            out.push(name.to_string());
        }
    }
    out
}

/// What a query or a function body refers to (`Refs`), from its parse tree; nothing when
/// it does not parse. The same bodies recur (a view restored by each rollback step that
/// rebuilds it): each text is parsed once.
pub fn statement_refs(sql: &str) -> Refs {
    thread_local! {
        static SEEN: RefCell<HashMap<String, Refs>> = RefCell::new(HashMap::new());
    }
    if let Some(hit) = SEEN.with(|seen| seen.borrow().get(sql).cloned()) {
        return hit;
    }
    let refs = pg_query::parse(sql, 0).map(|parsed| refs_of(parsed.protobuf.nodes())).unwrap_or_default();
    SEEN.with(|seen| seen.borrow_mut().insert(sql.to_string(), refs.clone()));
    refs
}

/// What the tree under `node` refers to.
pub fn node_refs(node: &Node) -> Refs {
    node.node.as_ref().map(|n| refs_of(n.nodes())).unwrap_or_default()
}

/// The relations, functions and columns among `nodes`.
fn refs_of(nodes: Vec<(NodeRef<'_>, i32, pg_query::Context, bool)>) -> Refs {
    let qualify = |names: Vec<String>| match names.as_slice() {
        [.., schema, name] => QualifiedName::new(schema.clone(), name.clone()),
        [name] => QualifiedName::new("public", name.clone()),
        [] => QualifiedName::new("public", ""),
    };
    let mut refs = Refs::default();
    for (node, _, _, _) in nodes {
        match node {
            NodeRef::RangeVar(rv) => {
                let schema = if rv.schemaname.is_empty() { "public" } else { &rv.schemaname };
                refs.relations.push(QualifiedName::new(schema, rv.relname.clone()));
            }
            NodeRef::FuncCall(f) => {
                let name = strings(&f.funcname);
                // `nextval('s')`: the literal becomes a regclass constant, as below.
                if matches!(name.last().map(String::as_str), Some("nextval" | "currval" | "setval"))
                    && let Some(text) = f.args.first().and_then(const_text)
                {
                    refs.relations.push(qualify(regclass_name(&text)));
                }
                refs.functions.push(qualify(name));
            }
            // `'orders_id_seq'::regclass` (a `nextval` default): PostgreSQL records the
            // relation the constant names as a dependency, as it does a name it reads.
            NodeRef::TypeCast(tc)
                if tc.type_name.as_ref().and_then(|t| strings(&t.names).pop()).as_deref() == Some("regclass") =>
            {
                if let Some(text) = tc.arg.as_deref().and_then(const_text) {
                    refs.relations.push(qualify(regclass_name(&text)));
                }
            }
            NodeRef::ColumnRef(c) => {
                if let Some(name) = c.fields.last().and_then(str_of) {
                    push_column(&mut refs, name);
                }
            }
            // The columns an INSERT or UPDATE writes are named, not referred to.
            NodeRef::InsertStmt(s) => written(&mut refs, &s.cols),
            NodeRef::UpdateStmt(s) => written(&mut refs, &s.target_list),
            _ => {}
        }
    }
    refs.relations.sort();
    refs.relations.dedup();
    refs.functions.sort();
    refs.functions.dedup();
    refs
}

/// The name a regclass constant holds, in parts: itself a name as SQL writes it
/// (`"public"."t_id_seq"` or `t_id_seq`), unquoted or folded to lower case.
pub fn regclass_name(text: &str) -> Vec<String> {
    text.split('.')
        .map(|p| if p.starts_with('"') { p.trim_matches('"').replace("\"\"", "\"") } else { p.to_lowercase() })
        .collect()
}

fn push_column(refs: &mut Refs, name: &str) {
    if !refs.columns.iter().any(|o| o == name) {
        refs.columns.push(name.to_string());
    }
}

fn written(refs: &mut Refs, targets: &[Node]) {
    for t in targets {
        if let Some(NodeEnum::ResTarget(rt)) = t.node.as_ref() {
            push_column(refs, &rt.name);
        }
    }
}

/// The name PostgreSQL derives for an index expression (FigureIndexColname), or "expr".
pub fn index_expr_name(node: &Node) -> String {
    fn figure(node: &Node) -> Option<String> {
        match node.node.as_ref()? {
            NodeEnum::ColumnRef(c) => c.fields.last().and_then(str_of).map(str::to_string),
            NodeEnum::FuncCall(f) => f.funcname.last().and_then(str_of).map(str::to_string),
            NodeEnum::TypeCast(tc) => tc
                .arg
                .as_deref()
                .and_then(figure)
                .or_else(|| tc.type_name.as_ref().and_then(|t| strings(&t.names).pop())),
            NodeEnum::CollateClause(c) => c.arg.as_deref().and_then(figure),
            NodeEnum::CoalesceExpr(_) => Some("coalesce".into()),
            NodeEnum::MinMaxExpr(m) => {
                Some(if m.op == protobuf::MinMaxOp::IsGreatest as i32 { "greatest".into() } else { "least".into() })
            }
            NodeEnum::CaseExpr(_) => Some("case".into()),
            NodeEnum::NullIfExpr(_) => Some("nullif".into()),
            _ => None,
        }
    }
    figure(node).unwrap_or_else(|| "expr".to_string())
}

/// Rewrites references to column `old` as `new` in an expression.
pub fn rename_column_in_expr(expr: &Expr, old: &str, new: &str) -> Expr {
    let out = rename_identifiers(expr.text(), old, new, |_| true);
    normalize_expr(&out).unwrap_or_else(|_| expr.clone())
}

/// `sql` with identifier `old` written as `new` where it names a column: not where it is
/// called (`old(…)`), follows AS (an alias or a type), or is qualified by a name that
/// `qualifier_ok` refuses.
pub fn rename_identifiers(sql: &str, old: &str, new: &str, qualifier_ok: impl Fn(&str) -> bool) -> String {
    let Ok(scan) = pg_query::scan(sql) else {
        return sql.to_string();
    };
    let name_of = |text: &str| {
        if text.starts_with('"') { text[1..text.len() - 1].replace("\"\"", "\"") } else { text.to_lowercase() }
    };
    let mut out = String::new();
    let mut pos = 0;
    for (i, token) in scan.tokens.iter().enumerate() {
        let (start, end) = (token.start as usize, token.end as usize);
        let text = &sql[start..end];
        // Unreserved keywords (`name`, `type`) are column names too; a name followed by
        // `(` is a function.
        let called = scan.tokens.get(i + 1).is_some_and(|n| n.token == Token::Ascii40 as i32);
        let is_ident = !called
            && (token.token == Token::Ident as i32
                || (token.keyword_kind != KeywordKind::NoKeyword as i32
                    && token.keyword_kind != KeywordKind::ReservedKeyword as i32));
        let before = |back: usize| i.checked_sub(back).and_then(|j| scan.tokens.get(j));
        let after_as = before(1).is_some_and(|t| t.token == Token::As as i32);
        let qualified_ok = match before(1) {
            Some(dot) if dot.token == Token::Ascii46 as i32 => {
                before(2).is_some_and(|q| qualifier_ok(&name_of(&sql[q.start as usize..q.end as usize])))
            }
            _ => true,
        };
        if is_ident && !after_as && qualified_ok && name_of(text) == old {
            out.push_str(&sql[pos..start]);
            out.push_str(&quote_ident(new));
            pos = end;
        }
    }
    out.push_str(&sql[pos..]);
    out
}

/// The SQL statements a PL/pgSQL body runs: its plain statements and `EXECUTE` of constant
/// strings, from PL/pgSQL's own parser. None when the body does not parse.
pub fn plpgsql_statements(body: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    collect_statements(&plpgsql_tree(body)?, &mut out);
    Some(out)
}

/// PL/pgSQL's parse tree of a body, as JSON; None when it does not parse.
pub fn plpgsql_tree(body: &str) -> Option<serde_json::Value> {
    let mut tag = "$pl$".to_string();
    while body.contains(&tag) {
        tag.insert(1, 'x');
    }
    let function = format!("CREATE FUNCTION schemagen_body() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}");
    pg_query::parse_plpgsql(&function).ok()
}

/// The relations a PL/pgSQL body's declarations take a row type or a column's type from
/// (`r public.v%ROWTYPE`, `x t.c%TYPE`): PostgreSQL resolves them when it creates the
/// function, so they must exist by then. Found with the scanner, as PL/pgSQL's parser
/// without a catalog refuses a loop over a `%ROWTYPE` variable. Unqualified names are
/// taken as `public`.
pub fn plpgsql_declared_relations(body: &str) -> Vec<QualifiedName> {
    let Ok(scan) = pg_query::scan(body) else { return Vec::new() };
    let tokens = &scan.tokens;
    let raw = |k: usize| &body[tokens[k].start as usize..tokens[k].end as usize];
    let name = |k: usize| {
        let r = raw(k);
        let word = r.starts_with('"') || r.starts_with(|c: char| c.is_alphabetic() || c == '_');
        word.then(|| if r.starts_with('"') { r.trim_matches('"').replace("\"\"", "\"") } else { r.to_lowercase() })
    };
    let mut out = Vec::new();
    for i in 1..tokens.len().saturating_sub(1) {
        let kind = raw(i + 1).to_lowercase();
        if raw(i) != "%" || !(kind == "rowtype" || kind == "type") {
            continue;
        }
        let mut parts = Vec::new();
        let mut k = i - 1;
        while let Some(part) = name(k) {
            parts.insert(0, part);
            if k < 2 || raw(k - 1) != "." {
                break;
            }
            k -= 2;
        }
        // `x%TYPE` of a lone name is another variable's type; `t.c%TYPE`, a column's.
        if kind == "type" && parts.pop().is_none_or(|_| parts.is_empty()) {
            continue;
        }
        match parts.as_slice() {
            [relation] => out.push(QualifiedName::new("public", relation.clone())),
            [.., schema, relation] => out.push(QualifiedName::new(schema.clone(), relation.clone())),
            [] => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

fn collect_statements(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(q) =
                map.get("PLpgSQL_stmt_execsql").and_then(|e| e["sqlstmt"]["PLpgSQL_expr"]["query"].as_str())
            {
                out.push(q.to_string());
            }
            if let Some(q) =
                map.get("PLpgSQL_stmt_dynexecute").and_then(|e| e["query"]["PLpgSQL_expr"]["query"].as_str())
                && let Ok(node) = parse_expr(q)
                && let Some(NodeEnum::AConst(c)) = node.node.as_ref()
                && let Some(a_const::Val::Sval(sql)) = c.val.as_ref()
            {
                out.push(sql.sval.clone());
            }
            for v in map.values() {
                collect_statements(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_statements(v, out)),
        _ => {}
    }
}

/// Relations a PL/pgSQL body names after FROM, JOIN, UPDATE and INSERT INTO, found with the
/// scanner alone: the fallback when PL/pgSQL's parser cannot read the body.
pub fn scanned_relations(body: &str) -> Vec<QualifiedName> {
    let Ok(scan) = pg_query::scan(body) else { return Vec::new() };
    let text = |t: &pg_query::protobuf::ScanToken| body[t.start as usize..t.end as usize].to_lowercase();
    let tokens = &scan.tokens;
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let word = text(t);
        let names_relation = matches!(word.as_str(), "from" | "join" | "update")
            || (word == "into" && i > 0 && text(&tokens[i - 1]) == "insert");
        if !names_relation {
            continue;
        }
        let ident = |k: usize| {
            tokens.get(k).filter(|n| n.token == Token::Ident as i32).map(|n| {
                let raw = &body[n.start as usize..n.end as usize];
                if raw.starts_with('"') { raw.trim_matches('"').replace("\"\"", "\"") } else { raw.to_lowercase() }
            })
        };
        let Some(first) = ident(i + 1) else { continue };
        let dotted = tokens.get(i + 2).is_some_and(|d| text(d) == ".");
        out.push(match (dotted, ident(i + 3)) {
            (true, Some(second)) => QualifiedName::new(first, second),
            _ => QualifiedName::new("public", first),
        });
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn plpgsql_declarations_name_the_relations_of_their_row_and_column_types() {
        let body = "declare r public.open_tasks%rowtype; t tasks.id%TYPE; v t%type; n int;
            begin for r in select * from public.open_tasks loop n := n + 1; end loop; end";
        let names: Vec<String> = super::plpgsql_declared_relations(body).iter().map(|q| q.to_string()).collect();
        assert_eq!(names, ["public.open_tasks", "public.tasks"]);
    }
    use super::*;

    #[test]
    fn expr_tree_is_parse_expr_looked_up_once_per_text() {
        for text in ["(select auth.uid()) = user_id", "amount >= 0", "1; drop table t", "a +"] {
            let first = expr_tree(text);
            assert_eq!(first.as_deref().map_err(String::as_str), parse_expr(text).as_ref().map_err(String::as_str));
            if let (Ok(a), Ok(b)) = (&first, &expr_tree(text)) {
                assert!(Rc::ptr_eq(a, b), "{text} was parsed again");
            }
        }
        assert_eq!(expr_tree("1; drop table t").unwrap_err(), MORE_THAN_ONE_STATEMENT);
    }

    /// The bare/quoted decision agrees with PostgreSQL's scanner for every keyword it
    /// knows and for common names that are not keywords.
    #[test]
    fn quoting_agrees_with_the_scanner() {
        let words = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ident.rs")).unwrap();
        let listed: Vec<&str> = words
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect();
        let others =
            ["name", "type", "text", "users", "value", "data", "action", "key", "public", "role", "zone", "id"];
        for word in listed.iter().chain(others.iter()) {
            let kind = pg_query::scan(word).unwrap().tokens[0].keyword_kind;
            let reserved = kind != KeywordKind::NoKeyword as i32 && kind != KeywordKind::UnreservedKeyword as i32;
            assert_eq!(super::quote_ident(word) != *word, reserved, "{word}");
        }
    }

    #[test]
    fn quoting_follows_quote_ident() {
        assert_eq!(quote_ident("users"), "users");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("order"), "\"order\"");
        assert_eq!(quote_ident("Mixed"), "\"Mixed\"");
        assert_eq!(quote_ident("has space"), "\"has space\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("name"), "name");
        assert_eq!(quote_ident("1abc"), "\"1abc\"");
    }

    #[test]
    fn formatting_does_not_change_expressions() {
        assert_eq!(normalize_expr("(a>0)").unwrap(), normalize_expr("a > 0").unwrap());
        assert_eq!(normalize_expr("NOW()").unwrap(), normalize_expr("now()").unwrap());
        assert_ne!(normalize_expr("a > 1").unwrap(), normalize_expr("a > 0").unwrap());
    }

    #[test]
    fn column_refs_are_distinct() {
        let node = parse_expr("char_length(model_id) <= 1000 and model_id <> ''").unwrap();
        assert_eq!(column_refs(&node), vec!["model_id"]);
        let node = parse_expr("a < b").unwrap();
        assert_eq!(column_refs(&node), vec!["a", "b"]);
    }

    #[test]
    fn a_regclass_constant_names_a_relation() {
        let e = normalize_expr("nextval('orders_id_seq'::regclass)").unwrap();
        assert_eq!(e.refs().relations, [QualifiedName::new("public", "orders_id_seq")]);
        let e = normalize_expr(r#"nextval('"Archive".orders_id_seq'::regclass)"#).unwrap();
        assert_eq!(e.refs().relations, [QualifiedName::new("Archive", "orders_id_seq")]);
        let e = normalize_expr("nextval('orders_id_seq')").unwrap();
        assert_eq!(e.refs().relations, [QualifiedName::new("public", "orders_id_seq")]);
    }

    #[test]
    fn renames_only_the_column() {
        let e = normalize_expr("char_length(name) > 0 AND names <> name").unwrap();
        let r = rename_column_in_expr(&e, "name", "title");
        assert_eq!(r, normalize_expr("char_length(title) > 0 AND names <> title").unwrap());
    }

    #[test]
    fn an_expression_is_one_expression_and_nothing_more() {
        assert!(parse_expr("m::int").is_ok());
        assert_eq!(parse_expr("1; DROP TABLE canary").unwrap_err(), MORE_THAN_ONE_STATEMENT);
        assert!(parse_expr("1; DROP TABLE canary;").is_err());
        for extra in
            ["1 FROM t", "1 WHERE false", "1 INTO x", "1 UNION SELECT 2", "DISTINCT 1", "1 LIMIT 1", "1, 2", "1 AS a"]
        {
            assert!(parse_expr(extra).is_err(), "{extra}");
        }
    }

    #[test]
    fn index_expression_names() {
        assert_eq!(index_expr_name(&parse_expr("lower(email)").unwrap()), "lower");
        assert_eq!(index_expr_name(&parse_expr("a + b").unwrap()), "expr");
        assert_eq!(index_expr_name(&parse_expr("(data->>'x')::int").unwrap()), "int4");
    }
}
