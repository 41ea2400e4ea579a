//! The names a statement is about, from its parse tree: what a statement outside the model
//! may have changed or read, and what a plan's statement creates, alters or drops. The
//! outside gate (`crate::outside`) compares the two; one name space for relations,
//! functions and types (a schema is its name with an empty object name) is enough to tell
//! whether they can meet.

use pg_query::protobuf;
use pg_query::{Node, NodeEnum, NodeRef};

use crate::model::{QualifiedName, Schema};
use crate::pgtree::strings;
use crate::source::ddl::{existing, existing_list, qualified};

/// Every name in `stmt`: the objects it changes and those it reads, as the search path of
/// the replay resolves them against `schema` (the model before the statement).
pub fn named(schema: &Schema, stmt: &NodeEnum) -> Vec<QualifiedName> {
    let mut out = written(stmt);
    for (node, ..) in stmt.nodes() {
        match node {
            NodeRef::RangeVar(rv) => out.push(existing(schema, rv)),
            NodeRef::ObjectWithArgs(o) => out.extend(existing_list(schema, &strings(&o.objname))),
            NodeRef::FuncCall(f) => out.extend(existing_list(schema, &strings(&f.funcname))),
            NodeRef::TypeName(t) => out.extend(existing_list(schema, &strings(&t.names))),
            NodeRef::IndexStmt(s) if !s.idxname.is_empty() => {
                out.extend(s.relation.as_ref().map(|rv| QualifiedName::new(qualified(rv).schema, s.idxname.clone())));
            }
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The objects `stmt` creates, alters or drops (a column, constraint, index, policy or
/// trigger by its table too); nothing for a statement about none (a query).
pub fn written(stmt: &NodeEnum) -> Vec<QualifiedName> {
    let rv = |rv: &Option<protobuf::RangeVar>| rv.iter().map(qualified).collect::<Vec<_>>();
    match stmt {
        NodeEnum::CreateStmt(s) => rv(&s.relation),
        NodeEnum::AlterTableStmt(s) => rv(&s.relation),
        NodeEnum::IndexStmt(s) => {
            let index = s.relation.as_ref().map(|r| QualifiedName::new(qualified(r).schema, s.idxname.clone()));
            rv(&s.relation).into_iter().chain(index).collect()
        }
        NodeEnum::CreatePolicyStmt(s) => rv(&s.table),
        NodeEnum::AlterPolicyStmt(s) => rv(&s.table),
        NodeEnum::CreateTrigStmt(s) => rv(&s.relation),
        NodeEnum::ViewStmt(s) => rv(&s.view),
        NodeEnum::CreateTableAsStmt(s) => s.into.iter().flat_map(|i| rv(&i.rel)).collect(),
        NodeEnum::CompositeTypeStmt(s) => rv(&s.typevar),
        NodeEnum::CreateSeqStmt(s) => rv(&s.sequence),
        NodeEnum::AlterSeqStmt(s) => rv(&s.sequence),
        NodeEnum::RenameStmt(s) => rv(&s.relation).into_iter().chain(object(s.object.as_deref())).collect(),
        NodeEnum::AlterObjectSchemaStmt(s) => rv(&s.relation).into_iter().chain(object(s.object.as_deref())).collect(),
        NodeEnum::AlterOwnerStmt(s) => rv(&s.relation).into_iter().chain(object(s.object.as_deref())).collect(),
        NodeEnum::CommentStmt(s) => object(s.object.as_deref()),
        NodeEnum::DropStmt(s) => s.objects.iter().flat_map(|o| object(Some(o))).collect(),
        NodeEnum::GrantStmt(s) => s.objects.iter().flat_map(|o| object(Some(o))).collect(),
        NodeEnum::CreateFunctionStmt(s) => name_list(&strings(&s.funcname)),
        NodeEnum::AlterFunctionStmt(s) => s.func.iter().flat_map(|f| name_list(&strings(&f.objname))).collect(),
        NodeEnum::CreateEnumStmt(s) => name_list(&strings(&s.type_name)),
        NodeEnum::AlterEnumStmt(s) => name_list(&strings(&s.type_name)),
        NodeEnum::CreateDomainStmt(s) => name_list(&strings(&s.domainname)),
        NodeEnum::AlterDomainStmt(s) => name_list(&strings(&s.type_name)),
        NodeEnum::CreateSchemaStmt(s) => vec![QualifiedName::new(s.schemaname.clone(), "")],
        _ => Vec::new(),
    }
}

/// The names an object node of DROP, COMMENT, GRANT, ALTER … OWNER or RENAME can mean: a
/// name list (`app.users`, and the table of `app.users.email` or `policy on app.users`),
/// a relation, a routine with its arguments or a type.
fn object(node: Option<&Node>) -> Vec<QualifiedName> {
    match node.and_then(|n| n.node.as_ref()) {
        Some(NodeEnum::List(l)) => {
            let names = strings(&l.items);
            let table = names.split_last().map(|(_, t)| name_list(t)).unwrap_or_default();
            name_list(&names).into_iter().chain(table).collect()
        }
        Some(NodeEnum::RangeVar(rv)) => vec![qualified(rv)],
        Some(NodeEnum::ObjectWithArgs(o)) => name_list(&strings(&o.objname)),
        Some(NodeEnum::TypeName(t)) => name_list(&strings(&t.names)),
        // A schema (GRANT … ON SCHEMA, DROP SCHEMA), by an empty name: the schema itself, not
        // what is in it (a plan that alters a table does not touch its schema's grants).
        Some(NodeEnum::String(s)) => vec![QualifiedName::new(s.sval.clone(), "")],
        _ => Vec::new(),
    }
}

/// A name list as the replay's search path qualifies it.
fn name_list(names: &[String]) -> Vec<QualifiedName> {
    crate::source::ddl::qualified_list(names).into_iter().collect()
}

/// Whether `stmt` is a `DO` block that only reads and writes rows: its SQL statements are
/// queries, INSERT, UPDATE or DELETE, and it runs no text as a statement (`EXECUTE`,
/// `FOR … IN EXECUTE`, `OPEN … FOR EXECUTE`). Such a block is data, as an UPDATE outside one
/// is; a call it makes is as a `SELECT f()` outside one.
pub fn data_only(stmt: &NodeEnum) -> bool {
    fn rows_only(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::Object(map) => {
                const DYNAMIC: &[&str] = &["PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors", "PLpgSQL_stmt_open"];
                if DYNAMIC.iter().any(|k| map.contains_key(*k)) {
                    return false;
                }
                let query =
                    map.get("PLpgSQL_stmt_execsql").and_then(|e| e["sqlstmt"]["PLpgSQL_expr"]["query"].as_str());
                query.is_none_or(|q| {
                    pg_query::parse(q, 0).is_ok_and(|p| {
                        p.protobuf.stmts.iter().all(|r| {
                            matches!(
                                r.stmt.as_ref().and_then(|s| s.node.as_ref()),
                                Some(
                                    NodeEnum::SelectStmt(_)
                                        | NodeEnum::InsertStmt(_)
                                        | NodeEnum::UpdateStmt(_)
                                        | NodeEnum::DeleteStmt(_)
                                )
                            )
                        })
                    })
                }) && map.values().all(rows_only)
            }
            serde_json::Value::Array(items) => items.iter().all(rows_only),
            _ => true,
        }
    }
    let NodeEnum::DoStmt(s) = stmt else { return false };
    crate::source::ddl::do_body(s).and_then(|b| crate::pgtree::plpgsql_tree(&b)).is_some_and(|t| rows_only(&t))
}

/// What names a statement in `schemagen.toml` while the files around it change: 16 hex
/// digits of the SHA-256 of its tokens, so the same whatever its whitespace, comments, case
/// of keywords and unquoted names, or place; any other edit (a literal, a `DO` body) makes
/// it another statement, to be checked again.
pub fn fingerprint(statement: &str) -> String {
    use pg_query::protobuf::{KeywordKind, Token};
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    for t in pg_query::scan(statement).map(|s| s.tokens).unwrap_or_default() {
        let token = Token::try_from(t.token).unwrap_or(Token::Nul);
        if matches!(token, Token::SqlComment | Token::CComment) {
            continue;
        }
        let text = statement.get(t.start as usize..t.end as usize).unwrap_or_default();
        let folded =
            t.keyword_kind != KeywordKind::NoKeyword as i32 || (token == Token::Ident && !text.starts_with('"'));
        hasher.update(if folded { text.to_lowercase() } else { text.to_string() });
        hasher.update([0]);
    }
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}
