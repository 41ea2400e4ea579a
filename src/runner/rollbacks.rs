//! `supabase_migrations.schemagen_rollbacks`: schemagen's own record, beside the CLI's
//! history (whose shape it never changes), of the rollback file each migration of a
//! `generate` run had when it was applied, as a SHA-256 of its text. `rollback` refuses a
//! run whose rollback file is no longer that text, for every run it undoes, not only the
//! folder's last one. A run the Supabase CLI applied has no row: nothing to compare.
//! The digest is the server's `sha256()`, so nothing but the text crosses the wire. The
//! table is made with the CLI's (`history::create`), in its schema, so that a read of the
//! project's schemas leaves it out as it leaves the history out.

use std::collections::BTreeMap;

use postgres::GenericClient;

use crate::db::Database;
use crate::diagnostic::{Diagnostic, Result};

/// The SHA-256 of `$n` (text) in hex, on the server.
fn digest_of(param: usize) -> String {
    format!("encode(sha256(convert_to(${param}::text, 'UTF8')), 'hex')")
}

/// The digest recorded for each version; None when the table does not exist (schemagen
/// never applied anything there).
pub fn read(db: &mut Database) -> Result<Option<BTreeMap<String, String>>> {
    let failed = super::history::read_error(db, "schemagen_rollbacks");
    if !super::history::exists(db, "schemagen_rollbacks").map_err(&failed)? {
        return Ok(None);
    }
    let rows =
        db.client.query("SELECT version, sha256 FROM supabase_migrations.schemagen_rollbacks", &[]).map_err(failed)?;
    Ok(Some(rows.iter().map(|r| (r.get(0), r.get(1))).collect()))
}

/// The digest of `text`, as `insert` records it.
pub fn digest(db: &mut Database, text: &str) -> Result<String> {
    let row = db.client.query_one(&format!("SELECT {}", digest_of(1)), &[&text]).map_err(|e| {
        Diagnostic::new(format!("cannot compute a digest on {}: {}", db.description, crate::db::cause(&e)))
    })?;
    Ok(row.get(0))
}

/// Records the rollback text of `version` (in the caller's transaction, if any); a row left
/// by a record the CLI removed since is replaced.
pub fn insert(client: &mut impl GenericClient, version: &str, text: &str) -> std::result::Result<(), postgres::Error> {
    client
        .execute(
            &format!(
                "INSERT INTO supabase_migrations.schemagen_rollbacks (version, sha256) VALUES ($1, {}) \
                 ON CONFLICT (version) DO UPDATE SET sha256 = excluded.sha256",
                digest_of(2)
            ),
            &[&version, &text],
        )
        .map(|_| ())
}

/// Forgets `versions`.
pub fn delete(client: &mut impl GenericClient, versions: &[&str]) -> std::result::Result<(), postgres::Error> {
    client
        .execute("DELETE FROM supabase_migrations.schemagen_rollbacks WHERE version = ANY ($1)", &[&versions])
        .map(|_| ())
}
