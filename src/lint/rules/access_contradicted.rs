//! A table whose policies and privileges give a role other rows than its declared access
//! expectations (`access:`, or those of its `rls:` preset) say, where the policies' conditions
//! decide it: `anon: none` next to a policy `TO public USING (true)`, `own(user_id)` next to
//! a policy that checks another column, a command the expectations allow with no policy.
//! The generated tests (`schemagen test generate`) would fail; this says so without a
//! database.

use crate::access::implied::{self, Implied};
use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for (name, access) in &ctx.desired.hints.access {
        let Some(table) = ctx.desired.tables.get(name) else { continue };
        let mut contradictions = Vec::new();
        for ((role, command), given) in implied::matrix(ctx.desired, table) {
            let Implied::Rule(given) = given else { continue };
            let expected = access.rule(role, command);
            if given.for_role(role) != expected.for_role(role) {
                contradictions.push(format!("{} {}: {given}, expected {expected}", role.name(), command.name()));
            }
        }
        if contradictions.is_empty() {
            continue;
        }
        ctx.report(
            ObjectId::Table(name.clone()),
            format!(
                "the policies and privileges of table {name} contradict its access expectations: {}",
                contradictions.join("; ")
            ),
            "change the policies (or grants), or the `access:` expectations if they are what is wrong; \
             `schemagen test generate` writes the tests that prove them",
        );
    }
}
