//! Every user can change their own `user_metadata` (`supabase.auth.updateUser`), so a
//! policy must not decide access on it.

use serde_json::Value;

use super::{clauses, function_name};
use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for policy in ctx.desired.policies.values() {
        for (clause, tree) in clauses(policy) {
            if reads_user_metadata(&tree) {
                ctx.report(
                    ObjectId::Policy(policy.table.clone(), policy.name.clone()),
                    format!("policy \"{}\" on {} reads user_metadata from the JWT in {clause}: every user can edit their own user_metadata", policy.name, policy.table),
                    "decide access on app_metadata (only the server sets it) or on a table of roles",
                );
            }
        }
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
