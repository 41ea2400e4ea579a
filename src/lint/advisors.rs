//! The rules of Supabase's database advisors (security and performance), with their ids,
//! run on the YAML instead of a live database. Tables declared `external: true` are not in
//! `Schema::tables`, so the table rules skip them; their policies are still checked.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Ctx, exposed};
use crate::model::{ConstraintKind, Index, IndexKey, ObjectRef, Policy, QualifiedName, Table};
use crate::pgtree::{parse_expr, references};

pub(super) fn check(ctx: &mut Ctx) {
    let schema = ctx.desired;
    for table in schema.tables.values() {
        // Policies are keyed by (table, name): a table's are one range of the map.
        let policies: Vec<&Policy> = schema
            .policies
            .range((table.name.clone(), String::new())..)
            .take_while(|((t, _), _)| t == &table.name)
            .map(|(_, p)| p)
            .collect();
        rls(ctx, table, &policies);
        multiple_permissive(ctx, table, &policies);
        unindexed_foreign_keys(ctx, table);
        duplicate_index(ctx, table);
        if table.primary_key().is_none() {
            ctx.report(
                "no_primary_key",
                ObjectRef::Table(table.name.clone()),
                format!("table {} has no primary key: rows cannot be addressed one by one, and logical replication cannot replicate its updates and deletes", table.name),
                "add `primary_key:` or `primary key` on a column, e.g. `id: uuid primary key default gen_random_uuid()`",
            );
        }
    }
    for policy in schema.policies.values() {
        policy_expressions(ctx, policy);
    }
    for f in schema.functions.values() {
        if !f.config.iter().any(|(name, _)| name == "search_path") {
            ctx.report(
                "function_search_path_mutable",
                ObjectRef::Function(f.name.clone()),
                format!("function {} has no `SET search_path`: it resolves names through the caller's search_path, which the caller controls", f.signature()),
                "add `set: {search_path: ''}` and schema-qualify the names in the body (or `search_path: public`)",
            );
        }
    }
    for view in schema.views.values().filter(|v| exposed(&v.name)) {
        let invoker = !view.materialized && view.options.iter().any(|(k, v)| k == "security_invoker" && v == "true");
        if !view.materialized && !invoker {
            ctx.report(
                "security_definer_view",
                ObjectRef::View(view.name.clone()),
                format!("view {} runs with its owner's privileges: API callers read the tables behind it past their row-level security", view.name),
                "add `security_invoker: true` so the view checks the caller's privileges and policies",
            );
        }
        let auth_users = QualifiedName::new("auth", "users");
        if !invoker && references(&view.query, false).0.contains(&auth_users) {
            ctx.report(
                "auth_users_exposed",
                ObjectRef::View(view.name.clone()),
                format!("view {} reads auth.users from an exposed schema: the API can read users' emails and metadata through it", view.name),
                "move the view to a schema the API does not serve, or make it `security_invoker: true`",
            );
        }
    }
    for ext in schema.extensions.values() {
        if ext.schema.as_deref().is_none_or(|s| s == "public") {
            ctx.report(
                "extension_in_public",
                ObjectRef::Extension(ext.name.clone()),
                format!(
                    "extension {} is installed in public: its functions and types become part of the API's schema",
                    ext.name
                ),
                format!("install it in the extensions schema: `extensions: {{{}: {{schema: extensions}}}}`", ext.name),
            );
        }
    }
}

fn rls(ctx: &mut Ctx, table: &Table, policies: &[&Policy]) {
    let object = ObjectRef::Table(table.name.clone());
    if !table.rls_enabled && !policies.is_empty() {
        let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
        ctx.report(
            "policy_exists_rls_disabled",
            object.clone(),
            format!(
                "table {} has policies ({}) but row-level security is off, so they are not applied",
                table.name,
                names.join(", ")
            ),
            "add `rls: true`",
        );
    }
    if !table.rls_enabled && exposed(&table.name) {
        ctx.report(
            "rls_disabled_in_public",
            object.clone(),
            format!("table {} is in an exposed schema without row-level security: anyone with the anon key reads and writes every row its grants allow", table.name),
            "add `rls: true` and policies for the roles that need the rows",
        );
    }
    if table.rls_enabled && policies.is_empty() {
        ctx.report(
            "rls_enabled_no_policy",
            object,
            format!(
                "table {} has row-level security on but no policy: no role but the owner and service_role sees a row",
                table.name
            ),
            "add policies, or allow the rule on the table if only service_role may use it",
        );
    }
}

const COMMANDS: &[&str] = &["SELECT", "INSERT", "UPDATE", "DELETE"];

/// Permissive policies are OR-ed, and each is evaluated for every row: two that apply to
/// the same role and command cost twice. A policy for `public` applies to every role and
/// a FOR ALL policy to every command.
fn multiple_permissive(ctx: &mut Ctx, table: &Table, policies: &[&Policy]) {
    let permissive: Vec<&&Policy> = policies.iter().filter(|p| p.permissive).collect();
    let roles: BTreeSet<&str> =
        permissive.iter().flat_map(|p| p.roles.iter().map(String::as_str)).chain(["public"]).collect();
    // (role, policy names) → the commands they overlap on.
    let mut overlaps: BTreeMap<(&str, Vec<&str>), Vec<&str>> = BTreeMap::new();
    for role in roles {
        for command in COMMANDS {
            let names: Vec<&str> = permissive
                .iter()
                .filter(|p| p.roles.iter().any(|r| r == role || r == "public"))
                .filter(|p| p.command == *command || p.command == "ALL")
                .map(|p| p.name.as_str())
                .collect();
            if names.len() > 1 {
                overlaps.entry((role, names)).or_default().push(command);
            }
        }
    }
    for ((role, names), commands) in overlaps {
        ctx.report(
            "multiple_permissive_policies",
            ObjectRef::Table(table.name.clone()),
            format!(
                "table {} has {} permissive policies for role {role} on {}: {}; each one is evaluated for every row",
                table.name,
                names.len(),
                commands.join(", "),
                names.join(", ")
            ),
            "merge them into one policy whose condition ORs theirs, or make the extra ones `restrictive: true`",
        );
    }
}

/// A foreign key needs an index whose leading columns are its columns (in any order) for
/// the lookups a delete or update of the referenced row makes. Partial and expression
/// indexes do not serve every lookup, so they do not count.
fn unindexed_foreign_keys(ctx: &mut Ctx, table: &Table) {
    let mut leads: Vec<Vec<&str>> = table
        .indexes
        .iter()
        .filter(|i| i.predicate.is_none())
        .map(|i| i.keys.iter().map_while(|k| k.column.as_deref()).collect())
        .collect();
    leads.extend(
        table
            .constraints
            .iter()
            .filter(|c| c.kind.has_index())
            .map(|c| c.kind.columns().iter().map(String::as_str).collect()),
    );
    for c in &table.constraints {
        let ConstraintKind::ForeignKey(fk) = &c.kind else { continue };
        let wanted: BTreeSet<&str> = fk.columns.iter().map(String::as_str).collect();
        let covered = leads.iter().any(|lead| {
            lead.len() >= wanted.len() && lead[..wanted.len()].iter().copied().collect::<BTreeSet<_>>() == wanted
        });
        if !covered {
            let columns = fk.columns.join(", ");
            let index_name = format!("{}_{}_idx", table.name.name, fk.columns.join("_"));
            ctx.report(
                "unindexed_foreign_keys",
                ObjectRef::Constraint(table.name.clone(), c.name.clone()),
                format!("foreign key {} of table {} has no index starting with ({columns}): each delete or update of a referenced row in {} scans {}", c.name, table.name, fk.ref_table, table.name),
                format!("add an index: `indexes: {{{index_name}: {columns}}}`"),
            );
        }
    }
}

/// Indexes, including those behind primary keys and unique constraints, that another one
/// already provides: each costs writes and space for nothing.
fn duplicate_index(ctx: &mut Ctx, table: &Table) {
    let mut entries: Vec<(ObjectRef, Index)> = Vec::new();
    for c in &table.constraints {
        let nulls_not_distinct = match &c.kind {
            ConstraintKind::PrimaryKey { .. } => false,
            ConstraintKind::Unique { nulls_not_distinct, .. } => *nulls_not_distinct,
            _ => continue,
        };
        let keys = c
            .kind
            .columns()
            .iter()
            .map(|col| IndexKey {
                column: Some(col.clone()),
                expr: None,
                collation: None,
                opclass: None,
                desc: false,
                nulls_first: None,
            })
            .collect();
        let index = Index {
            name: c.name.clone(),
            unique: true,
            method: "btree".into(),
            keys,
            include: Vec::new(),
            predicate: None,
            nulls_not_distinct,
            comment: None,
        };
        entries.push((ObjectRef::Constraint(table.name.clone(), c.name.clone()), index));
    }
    entries.extend(table.indexes.iter().map(|i| (ObjectRef::Index(table.name.clone(), i.name.clone()), i.clone())));
    for (i, (object, index)) in entries.iter().enumerate() {
        if let Some((_, first)) = entries[..i].iter().find(|(_, e)| e.same_definition(index)) {
            ctx.report(
                "duplicate_index",
                object.clone(),
                format!("{object} has the same definition as {} on the same table", first.name),
                format!("drop {}: {} already provides it", index.name, first.name),
            );
        }
    }
}

/// The rules that read a policy's USING and WITH CHECK expressions.
fn policy_expressions(ctx: &mut Ctx, policy: &Policy) {
    let object = ObjectRef::Policy(policy.table.clone(), policy.name.clone());
    let clauses = [("USING", &policy.using), ("WITH CHECK", &policy.with_check)];
    for (clause, expr) in clauses {
        let Some(tree) = expr.as_ref().and_then(|e| parse_expr(&e.0).ok()) else { continue };
        let tree = serde_json::to_value(&tree).expect("pg_query trees serialize");
        let mut calls = Vec::new();
        per_row_calls(&tree, false, &mut calls);
        calls.sort();
        calls.dedup();
        if !calls.is_empty() {
            let wrapped: Vec<String> = calls.iter().map(|c| format!("`(select {c})`")).collect();
            ctx.report(
                "auth_rls_initplan",
                object.clone(),
                format!(
                    "policy \"{}\" on {} calls {} once per row in {clause}",
                    policy.name,
                    policy.table,
                    calls.join(", ")
                ),
                format!(
                    "wrap each call in a scalar subquery, {}, which PostgreSQL evaluates once per query",
                    wrapped.join(", ")
                ),
            );
        }
        if reads_user_metadata(&tree) {
            ctx.report(
                "rls_references_user_metadata",
                object.clone(),
                format!("policy \"{}\" on {} reads user_metadata from the JWT in {clause}: every user can edit their own user_metadata", policy.name, policy.table),
                "decide access on app_metadata (only the server sets it) or on a table of roles",
            );
        }
    }
    let literally_true = |e: &Option<crate::model::Expr>| {
        e.as_ref()
            .and_then(|e| parse_expr(&e.0).ok())
            .and_then(|n| serde_json::to_value(n).ok())
            .is_some_and(|v| v.pointer("/node/AConst/val/Boolval/boolval").and_then(Value::as_bool) == Some(true))
    };
    let anon = policy.roles.iter().any(|r| r == "anon");
    // As Supabase's advisor: a public SELECT is usually meant, and service_role bypasses
    // row-level security anyway.
    let service_only = policy.roles.iter().all(|r| r == "service_role");
    if policy.permissive
        && (literally_true(&policy.using) || literally_true(&policy.with_check))
        && policy.command != "SELECT"
        && !service_only
    {
        let who = if anon { "anon" } else { "every role it applies to" };
        ctx.report(
            "rls_policy_always_true",
            object,
            format!(
                "policy \"{}\" on {} is literally true: {who} may {} every row",
                policy.name,
                policy.table,
                if policy.command == "ALL" { "read and write".to_string() } else { policy.command.to_lowercase() }
            ),
            "write the condition a row must meet, e.g. `(select auth.uid()) = user_id`",
        );
    }
}

/// Functions whose value is the same for every row of a query but that PostgreSQL calls
/// for each row unless they sit in a scalar subquery (an initPlan).
const PER_QUERY_FUNCTIONS: &[&[&str]] =
    &[&["auth", "uid"], &["auth", "jwt"], &["auth", "role"], &["auth", "email"], &["current_setting"]];

/// Calls of `PER_QUERY_FUNCTIONS` in `node` that are not inside a SELECT without FROM, the
/// nearest enclosing SELECT deciding: `(select auth.uid())` runs once, while a call in the
/// WHERE of `exists (select 1 from t where …)` runs for each row that subquery reads.
fn per_row_calls(node: &Value, in_initplan: bool, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            let mut in_initplan = in_initplan;
            if let Some(select) = map.get("SelectStmt") {
                in_initplan = select["from_clause"].as_array().is_none_or(Vec::is_empty);
            }
            if let Some(call) = map.get("FuncCall") {
                let name = function_name(call);
                if !in_initplan && PER_QUERY_FUNCTIONS.contains(&name.as_slice()) {
                    let args = if call["args"].as_array().is_some_and(|a| !a.is_empty()) { "…" } else { "" };
                    out.push(format!("{}({args})", name.join(".")));
                }
            }
            map.values().for_each(|v| per_row_calls(v, in_initplan, out));
        }
        Value::Array(items) => items.iter().for_each(|v| per_row_calls(v, in_initplan, out)),
        _ => {}
    }
}

/// The name parts of a FuncCall, without a leading `pg_catalog`.
fn function_name(call: &Value) -> Vec<&str> {
    let parts: Vec<&str> = call["funcname"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.pointer("/node/String/sval").and_then(Value::as_str))
        .collect();
    match parts.as_slice() {
        ["pg_catalog", rest @ ..] => rest.to_vec(),
        _ => parts,
    }
}

/// A JSON operator (`->`, `->>`, `#>`, `#>>`) that takes `user_metadata` out of a value
/// computed from `auth.jwt()` or `current_setting()` (the raw claims).
fn reads_user_metadata(node: &Value) -> bool {
    match node {
        Value::Object(map) => {
            let hit = map.get("AExpr").is_some_and(|e| {
                let op = e["name"].pointer("/0/node/String/sval").and_then(Value::as_str);
                let key = e["rexpr"].pointer("/node/AConst/val/Sval/sval").and_then(Value::as_str);
                matches!(op, Some("->" | "->>" | "#>" | "#>>"))
                    && key.is_some_and(|k| k.contains("user_metadata"))
                    && calls_jwt(&e["lexpr"])
            });
            hit || map.values().any(reads_user_metadata)
        }
        Value::Array(items) => items.iter().any(reads_user_metadata),
        _ => false,
    }
}

fn calls_jwt(node: &Value) -> bool {
    match node {
        Value::Object(map) => {
            map.get("FuncCall")
                .is_some_and(|c| matches!(function_name(c).as_slice(), ["auth", "jwt"] | ["current_setting"]))
                || map.values().any(calls_jwt)
        }
        Value::Array(items) => items.iter().any(calls_jwt),
        _ => false,
    }
}
