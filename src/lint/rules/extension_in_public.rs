//! An extension's functions, types and operators become part of the API's schema when it
//! is installed in `public`.

use crate::lint::Ctx;
use crate::model::ObjectId;

/// Extensions whose control file or install script puts their objects in a schema of their
/// own (`cron`, `net`, `graphql`, `vault`, …, or pg_catalog), whatever `WITH SCHEMA` says:
/// they never land in `public`, so moving them is no fix.
const OWN_SCHEMA: &[&str] =
    &["adminpack", "pg_cron", "pg_graphql", "pg_net", "pg_tle", "pgmq", "pgsodium", "plpgsql", "supabase_vault"];

pub(super) fn check(ctx: &mut Ctx) {
    for ext in ctx.desired.extensions.values().filter(|e| !OWN_SCHEMA.contains(&e.name.as_str())) {
        if ext.schema.as_deref().is_none_or(|s| s == "public") {
            ctx.report(
                ObjectId::Extension(ext.name.clone()),
                format!(
                    "extension {} is installed in public: its functions and types become part of the API's schema",
                    ext.name
                ),
                format!("install it in the extensions schema: `extensions: {{{}: {{schema: extensions}}}}`", ext.name),
            );
        }
    }
}
