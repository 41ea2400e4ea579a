//! `supabase_migrations.schema_migrations`, the Supabase CLI's record of applied migrations:
//! created as the CLI creates it (`version text NOT NULL PRIMARY KEY`, then `statements
//! text[]` and `name text` added if missing), so that both tools read and write one history.

use postgres::GenericClient;

use crate::db::Database;
use crate::diagnostic::{Diagnostic, Result};

/// One applied migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub version: String,
    pub name: String,
    /// The statements as applied; None when whoever recorded it did not say.
    pub statements: Option<Vec<String>>,
}

/// The CLI's DDL, in one transaction; its four-second lock timeout keeps a busy table from
/// stalling the run. Then schemagen's own table beside it (`rollbacks`).
const CREATE: &str = "BEGIN;
SET LOCAL lock_timeout = '4s';
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY);
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[];
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text;
CREATE TABLE IF NOT EXISTS supabase_migrations.schemagen_rollbacks (version text NOT NULL PRIMARY KEY, sha256 text NOT NULL);
COMMIT;";

/// Creates the tables where they are missing.
pub fn create(db: &mut Database) -> Result<()> {
    db.run_script(CREATE).map_err(|e| {
        Diagnostic::new(format!("cannot create supabase_migrations.schema_migrations on {}: {e}", db.description))
            .hint("the role needs CREATE on the database (or the table made by the Supabase CLI)")
    })?;
    Ok(())
}

/// The records, by version; none when the table does not exist (nothing was ever applied).
pub fn read(db: &mut Database) -> Result<Vec<Record>> {
    let failed = read_error(db, "schema_migrations");
    if !exists(db, "schema_migrations").map_err(&failed)? {
        return Ok(vec![]);
    }
    // Through jsonb: a table made by an older CLI may lack the name or statements column.
    let rows = db
        .client
        .query(
            "SELECT version, coalesce(to_jsonb(m) ->> 'name', ''),
                    CASE WHEN jsonb_typeof(to_jsonb(m) -> 'statements') = 'array'
                         THEN ARRAY(SELECT jsonb_array_elements_text(to_jsonb(m) -> 'statements')) END
             FROM supabase_migrations.schema_migrations m ORDER BY version",
            &[],
        )
        .map_err(failed)?;
    Ok(rows.iter().map(|r| Record { version: r.get(0), name: r.get(1), statements: r.get(2) }).collect())
}

/// Whether `supabase_migrations.<table>` exists.
pub(super) fn exists(db: &mut Database, table: &str) -> std::result::Result<bool, postgres::Error> {
    let row =
        db.client.query_one("SELECT to_regclass(format('supabase_migrations.%I', $1::text)) IS NOT NULL", &[&table])?;
    Ok(row.get(0))
}

/// The error of reading `supabase_migrations.<table>`.
pub(super) fn read_error(db: &Database, table: &str) -> impl Fn(postgres::Error) -> Diagnostic + use<> {
    let what = format!("cannot read supabase_migrations.{table} on {}", db.description);
    move |e| Diagnostic::new(format!("{what}: {}", crate::db::cause(&e))).hint("the role needs SELECT on it")
}

/// Records `version` as applied, as the CLI does (in the caller's transaction, if any).
pub fn insert(
    client: &mut impl GenericClient,
    version: &str,
    name: &str,
    statements: &[&str],
) -> std::result::Result<(), postgres::Error> {
    client
        .execute(
            "INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES ($1, $2, $3)",
            &[&version, &name, &statements],
        )
        .map(|_| ())
}

/// Forgets `versions`, as the CLI's `migration repair --status reverted` does.
pub fn delete(client: &mut impl GenericClient, versions: &[&str]) -> std::result::Result<(), postgres::Error> {
    client
        .execute("DELETE FROM supabase_migrations.schema_migrations WHERE version = ANY ($1)", &[&versions])
        .map(|_| ())
}
