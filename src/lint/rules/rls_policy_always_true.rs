//! A permissive policy whose condition is always true lets every role it applies to change
//! every row, whether it says `true` or `1 = 1` or `true OR …`. As in Supabase's advisor, a
//! public SELECT is usually meant and passes, and so does a policy for service_role only,
//! which bypasses row-level security anyway.

use serde_json::Value;

use super::clauses;
use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for policy in ctx.desired.policies.values() {
        let literally_true = clauses(policy).iter().any(|(_, tree)| always(tree, true));
        let service_only = policy.roles.iter().all(|r| r == "service_role");
        if policy.permissive && literally_true && policy.command != "SELECT" && !service_only {
            let who = if policy.roles.iter().any(|r| r == "anon") { "anon" } else { "every role it applies to" };
            ctx.report(
                ObjectId::Policy(policy.table.clone(), policy.name.clone()),
                format!(
                    "policy \"{}\" on {} is always true: {who} may {} every row",
                    policy.name,
                    policy.table,
                    if policy.command == "ALL" { "read and write".to_string() } else { policy.command.to_lowercase() }
                ),
                "write the condition a row must meet, e.g. `(select auth.uid()) = user_id`",
            );
        }
    }
}

/// Whether `tree` (an expression's parse tree as JSON) is `value` for every row: a boolean
/// constant, a comparison of a thing with itself (`1 = 1`, `user_id = user_id`), and AND,
/// OR and NOT of those. Anything else is taken as depending on the row.
fn always(tree: &Value, value: bool) -> bool {
    let node = &tree["node"];
    if let Some(b) = node.pointer("/AConst/val/Boolval/boolval") {
        return b.as_bool() == Some(value);
    }
    if let Some(cast) = node.get("TypeCast") {
        let to_bool = cast
            .pointer("/type_name/names")
            .and_then(Value::as_array)
            .and_then(|n| n.last())
            .and_then(|n| n.pointer("/node/String/sval"))
            .and_then(Value::as_str)
            == Some("bool");
        if let Some(text) = cast.pointer("/arg/node/AConst/val/Sval/sval").and_then(Value::as_str) {
            let truthy = ["t", "true", "y", "yes", "on", "1"].contains(&text.to_lowercase().as_str());
            return to_bool && truthy == value;
        }
        return always(&cast["arg"], value);
    }
    if let Some(e) = node.get("AExpr") {
        let op = e.pointer("/name/0/node/String/sval").and_then(Value::as_str);
        let same = e.get("lexpr").is_some() && same_tree(&e["lexpr"], &e["rexpr"]);
        return value && same && matches!(op, Some("=" | "<=" | ">="));
    }
    let Some(b) = node.get("BoolExpr") else { return false };
    let args: Vec<&Value> = b["args"].as_array().into_iter().flatten().collect();
    // BoolExprType: 1 AND, 2 OR, 3 NOT.
    match (b["boolop"].as_i64(), value) {
        (Some(1), true) | (Some(2), false) => args.iter().all(|a| always(a, value)),
        (Some(1), false) | (Some(2), true) => args.iter().any(|a| always(a, value)),
        (Some(3), _) => args.iter().any(|a| always(a, !value)),
        _ => false,
    }
}

/// Two trees that are the same expression, wherever they were written.
fn same_tree(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().filter(|k| *k != "location").count();
            keys(x) == keys(y)
                && x.iter().filter(|(k, _)| *k != "location").all(|(k, v)| y.get(k).is_some_and(|w| same_tree(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_tree(v, w)),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    fn always_true(text: &str) -> bool {
        let tree = serde_json::to_value(crate::pgtree::parse_expr(text).unwrap()).unwrap();
        super::always(&tree, true)
    }

    #[test]
    fn conditions_that_hold_for_every_row() {
        for t in
            ["true", "1 = 1", "'t'::boolean", "true OR user_id = auth.uid()", "NOT false", "false OR true", "x = x"]
        {
            assert!(always_true(t), "{t}");
        }
        for t in ["false", "1 = 2", "user_id = auth.uid()", "true AND x", "NOT true", "x = y", "1 <> 1"] {
            assert!(!always_true(t), "{t}");
        }
    }
}
