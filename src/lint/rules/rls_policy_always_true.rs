//! A permissive policy that is literally true lets every role it applies to change every
//! row. As in Supabase's advisor, a public SELECT is usually meant and passes, and so does
//! a policy for service_role only, which bypasses row-level security anyway.

use serde_json::Value;

use super::clauses;
use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for policy in ctx.desired.policies.values() {
        let literally_true = clauses(policy)
            .iter()
            .any(|(_, tree)| tree.pointer("/node/AConst/val/Boolval/boolval").and_then(Value::as_bool) == Some(true));
        let service_only = policy.roles.iter().all(|r| r == "service_role");
        if policy.permissive && literally_true && policy.command != "SELECT" && !service_only {
            let who = if policy.roles.iter().any(|r| r == "anon") { "anon" } else { "every role it applies to" };
            ctx.report(
                ObjectId::Policy(policy.table.clone(), policy.name.clone()),
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
}
