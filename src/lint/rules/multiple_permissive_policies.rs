//! Permissive policies are OR-ed, and each is evaluated for every row: two that apply to
//! the same role and command cost twice. A policy for `public` applies to every role and
//! a FOR ALL policy to every command.

use std::collections::{BTreeMap, BTreeSet};

use super::policies_of;
use crate::lint::Ctx;
use crate::model::{ObjectId, Policy};

const COMMANDS: &[&str] = &["SELECT", "INSERT", "UPDATE", "DELETE"];

pub(super) fn check(ctx: &mut Ctx) {
    for table in ctx.desired.tables.values() {
        let policies = policies_of(ctx.desired, table);
        let permissive: Vec<&Policy> = policies.into_iter().filter(|p| p.permissive).collect();
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
                ObjectId::Table(table.name.clone()),
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
}
