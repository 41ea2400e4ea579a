//! A live database read into the model (`source::live`) equals the model of the SQL that
//! built it: every fixture's history and oracle, applied to a fresh database on the test
//! server, read back, and diffed against `load_current` of the same files both ways; and
//! every history of `../shared/corpus` the same way (on the database `tests/corpus.rs`
//! builds them on).

mod support;

use std::path::PathBuf;

use schemagen::model::Schema;
use schemagen::source::live;

/// The changes between the two models, both ways, as text; empty when they are equal.
fn differences(from_db: &Schema, from_sql: &Schema) -> String {
    let (a, b) = (live::comparable(from_db), live::comparable(from_sql));
    let mut out = String::new();
    for c in schemagen::diff::diff(&b, &a) {
        out.push_str(&format!("  sql → db: {c:?}\n"));
    }
    for c in schemagen::diff::diff(&a, &b) {
        out.push_str(&format!("  db → sql: {c:?}\n"));
    }
    out
}

/// Applies `files` to `db` and compares its model with theirs.
fn check(db: support::Db, files: &[PathBuf]) -> Result<(), String> {
    for f in files {
        db.apply(&std::fs::read_to_string(f).unwrap()).map_err(|e| format!("{} does not apply: {e}", f.display()))?;
    }
    let mut conn = schemagen::db::connect(&db.conninfo()).map_err(|e| e.to_string())?;
    let (from_db, _) = live::load(&mut conn).map_err(|e| format!("the catalog does not load: {e}"))?;
    let (from_sql, _) = schemagen::load_current(files).map_err(|e| e.to_string())?;
    let d = differences(&from_db, &from_sql);
    if d.is_empty() { Ok(()) } else { Err(d) }
}

#[test]
fn every_fixture_reads_back_from_the_database_as_its_sql() {
    let mut failures = String::new();
    for dir in support::fixture_dirs() {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let current = support::sql_files(&dir.join("current"));
        for (what, files) in [("current", current), ("desired.sql", vec![dir.join("desired.sql")])] {
            if let Err(e) = check(support::server().fresh_db(), &files) {
                failures.push_str(&format!("{case} {what}:\n{e}\n"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn every_corpus_history_reads_back_from_the_database_as_its_sql() {
    let corpus = support::shared_dir().join("corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: {} is not beside the project", corpus.display());
        return;
    }
    let mut projects: Vec<PathBuf> = std::fs::read_dir(&corpus).unwrap().flatten().map(|e| e.path()).collect();
    projects.retain(|p| p.is_dir());
    projects.sort();
    let mut failures = String::new();
    for dir in &projects {
        let files = support::sql_files(dir);
        if let Err(e) = check(support::corpus_db(support::server()), &files) {
            failures.push_str(&format!("{}:\n{e}\n", dir.file_name().unwrap().to_string_lossy()));
        }
    }
    assert!(failures.is_empty(), "{failures}");
}
