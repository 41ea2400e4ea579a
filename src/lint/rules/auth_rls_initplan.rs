//! PostgreSQL calls `auth.uid()` and the like once per row in a policy; in a scalar
//! subquery the call becomes an initPlan, run once per query. On large tables the
//! difference is orders of magnitude.

use serde_json::Value;

use super::{clauses, function_name};
use crate::initplan::PER_QUERY_FUNCTIONS;
use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for policy in ctx.desired.policies.values() {
        for (clause, tree) in clauses(policy) {
            let mut calls = Vec::new();
            per_row_calls(&tree, false, &mut calls);
            calls.sort();
            calls.dedup();
            if !calls.is_empty() {
                let wrapped: Vec<String> = calls.iter().map(|c| format!("`(select {c})`")).collect();
                ctx.report(
                    ObjectId::Policy(policy.table.clone(), policy.name.clone()),
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
        }
    }
}

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
