//! A SECURITY DEFINER function runs with its owner's rights, which on Supabase are those of
//! `postgres`. When `anon` or `authenticated` may execute it and it reads or writes a table
//! of the platform (auth.users, storage.objects, vault.secrets, …), any caller reaches those
//! rows through the API's RPC endpoint, past row-level security. A fixed `search_path`
//! does not help: the body itself is the hole.

use crate::lint::Ctx;
use crate::model::{Function, ObjectId, QualifiedName};

/// The platform's schemas whose tables hold other users' data or the platform's secrets.
const GUARDED: &[&str] = &["auth", "storage", "vault", "pgsodium", "realtime", "net", "cron", "supabase_functions"];

/// Roles of the API (PUBLIC includes them).
const API_ROLES: &[&str] = &["anon", "authenticated", "public"];

pub(super) fn check(ctx: &mut Ctx) {
    for f in ctx.desired.functions.values().filter(|f| f.security_definer && callable(f)) {
        let guarded: Vec<String> = body_relations(f)
            .into_iter()
            .filter(|r| GUARDED.contains(&r.schema.as_str()))
            .map(|r| r.to_string())
            .collect();
        let Some(first) = guarded.first() else { continue };
        let roles: Vec<&str> = API_ROLES
            .iter()
            .copied()
            .filter(|r| f.grants.get(*r).is_some_and(|p| p.contains("EXECUTE")))
            .map(|r| if r == "public" { "PUBLIC" } else { r })
            .collect();
        ctx.report(
            ObjectId::Function(f.routine()),
            format!(
                "function {} is SECURITY DEFINER, executable by {} and uses {first}: callers reach the platform's rows through the API with its owner's rights",
                f.signature(),
                roles.join(", ")
            ),
            "revoke EXECUTE from the API roles (`grants: {service_role: [execute]}`), or make it SECURITY INVOKER, or move it to a schema the API does not serve",
        );
    }
}

/// Whether the API can call `f` at all: it is in an exposed schema, is no trigger function
/// (which only a trigger may call), and an API role holds EXECUTE.
fn callable(f: &Function) -> bool {
    super::exposed(&f.name)
        && f.returns.as_deref() != Some("trigger")
        && API_ROLES.iter().any(|r| f.grants.get(*r).is_some_and(|p| p.contains("EXECUTE")))
}

/// The relations the body reads or writes: a SQL body's from its parse, a PL/pgSQL body's
/// from its statements (or, where PL/pgSQL's parser cannot read it, the scanner).
fn body_relations(f: &Function) -> Vec<QualifiedName> {
    match f.language.as_str() {
        "sql" => f.body_refs.relations.clone(),
        "plpgsql" => match crate::pgtree::plpgsql_statements(&f.body) {
            Some(statements) => statements.iter().flat_map(|s| crate::pgtree::statement_refs(s).relations).collect(),
            None => crate::pgtree::scanned_relations(&f.body),
        },
        _ => Vec::new(),
    }
}
