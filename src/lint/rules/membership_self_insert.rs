//! Policies that trust a membership table (`workspace_id IN (SELECT … FROM members WHERE
//! user_id = auth.uid())`) are only as strict as that table's own INSERT policy. When it
//! lets a signed-in user add any row as long as the row names them (`user_id = auth.uid()`),
//! they add themselves to any workspace and read everything the other tables guard with it.

use std::collections::{BTreeMap, BTreeSet};

use crate::lint::Ctx;
use crate::model::{ConstraintKind, ObjectId, Policy, QualifiedName};

pub(super) fn check(ctx: &mut Ctx) {
    let schema = ctx.desired;
    // Each table read by the policies of other tables, with those tables: found once.
    let mut trusted: BTreeMap<&QualifiedName, BTreeSet<&QualifiedName>> = BTreeMap::new();
    for p in schema.policies.values() {
        for read in p.using.iter().chain(&p.with_check).flat_map(|e| &e.refs().relations) {
            if read != &p.table {
                trusted.entry(read).or_default().insert(&p.table);
            }
        }
    }
    for policy in schema.policies.values().filter(|p| inserts_for_users(p)) {
        let table = &policy.table;
        let Some(trusting) = trusted.get(table) else { continue };
        // A membership row links a user to a group through a foreign key (to anything but
        // the user). The check lets anyone in when it neither names that link nor reads
        // another relation: nothing asks who may add members to the group.
        let links: Vec<&String> = schema
            .table(table)
            .into_iter()
            .flat_map(|t| &t.constraints)
            .filter_map(|c| match &c.kind {
                ConstraintKind::ForeignKey(fk) if fk.ref_table != QualifiedName::new("auth", "users") => {
                    Some(&fk.columns)
                }
                _ => None,
            })
            .flatten()
            .collect();
        let check = policy.with_check.as_ref().or(policy.using.as_ref());
        let unchecked = check.is_none_or(|e| {
            e.refs().relations.iter().all(|r| r == table) && !links.iter().any(|c| e.refs().columns.contains(*c))
        });
        if !links.is_empty() && unchecked {
            let trusting: Vec<String> = trusting.iter().map(|t| t.to_string()).collect();
            ctx.report(
                ObjectId::Policy(table.clone(), policy.name.clone()),
                format!(
                    "policy \"{}\" lets a signed-in user insert any row of {table}, which the policies of {} trust as membership: a user can add themselves to any group and read its rows",
                    policy.name,
                    trusting.join(", ")
                ),
                "check in WITH CHECK that the inserter may add members, e.g. `exists (select 1 from workspaces w where w.id = workspace_id and w.owner_id = (select auth.uid()))`, or add members through a SECURITY DEFINER function only",
            );
        }
    }
}

/// A permissive policy by which signed-in users insert rows.
fn inserts_for_users(p: &Policy) -> bool {
    p.permissive
        && matches!(p.command.as_str(), "INSERT" | "ALL")
        && p.roles.iter().any(|r| r == "authenticated" || r == "public")
}
