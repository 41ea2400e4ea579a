//! Every fixture, on a real PostgreSQL: current + up has the catalog of the hand-written
//! desired SQL, the rollback brings back the catalog of current, and diffing again finds
//! nothing. The generated SQL is also snapshotted under `snapshots/`.

mod support;

use std::path::{Path, PathBuf};

use schemagen::model::Schema;
use schemagen::render::Renderer;
use schemagen::source::sql::{LoadReport, load_text};
use schemagen::{Direction, load_current, load_desired, plan_migration, render_file};

fn fixtures() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("schema").is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("current dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// Applies `sql` on top of `schema` as the loader would read one more migration file.
fn replay(schema: &Schema, name: &str, sql: &str) -> Schema {
    let mut s = schema.clone();
    load_text(&mut s, Path::new(name), sql, &mut LoadReport::default())
        .unwrap_or_else(|e| panic!("generated SQL does not load: {e}\n{sql}"));
    s
}

struct Generated {
    up: String,
    down: String,
}

fn generate(current: &Schema, desired: &Schema) -> Generated {
    let renderer = Renderer::new(None).expect("embedded templates");
    let plan = plan_migration(current, desired).expect("plan");
    Generated {
        up: render_file(&renderer, &plan, Direction::Up, "migration", "fixture").expect("render up"),
        down: render_file(&renderer, &plan, Direction::Down, "rollback", "fixture").expect("render down"),
    }
}

fn apply_all(db: &support::Db, files: &[PathBuf]) {
    for f in files {
        let sql = std::fs::read_to_string(f).expect("read");
        db.apply(&sql).unwrap_or_else(|e| panic!("{} does not apply: {e}", f.display()));
    }
}

fn check_fixture(dir: &Path) {
    let case = dir.file_name().unwrap().to_string_lossy().to_string();
    let desired = load_desired(&dir.join("schema")).unwrap_or_else(|e| panic!("{case}: YAML does not load:\n{e}"));
    let current_files = sql_files(&dir.join("current"));
    let (current, _) = load_current(&current_files).unwrap_or_else(|e| panic!("{case}: SQL does not load:\n{e}"));
    let g = generate(&current, &desired);

    // Without a database: the output parses, and replaying it reaches the desired model.
    pg_query::parse(&g.up, 0).unwrap_or_else(|e| panic!("{case}: up does not parse: {e}"));
    pg_query::parse(&g.down, 0).unwrap_or_else(|e| panic!("{case}: down does not parse: {e}"));
    let after_up = replay(&current, "up.sql", &g.up);
    let again = plan_migration(&after_up, &desired).expect("plan");
    assert!(
        again.is_empty(),
        "{case}: diff after up is not empty:\n{:#?}",
        again.steps.iter().map(|s| &s.summary).collect::<Vec<_>>()
    );
    let after_down = replay(&after_up, "down.sql", &g.down);
    assert!(
        plan_migration(&after_down, &current).expect("plan").is_empty(),
        "{case}: current + up + down differs from current"
    );

    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("{case}__up"), g.up);
        insta::assert_snapshot!(format!("{case}__down"), g.down);
    });

    // On PostgreSQL.
    let server = support::server();
    let oracle = server.fresh_db();
    oracle
        .apply(&std::fs::read_to_string(dir.join("desired.sql")).expect("desired.sql"))
        .unwrap_or_else(|e| panic!("{case}: desired.sql: {e}"));
    let before = server.fresh_db();
    apply_all(&before, &current_files);
    let db = server.fresh_db();
    apply_all(&db, &current_files);
    db.apply(&g.up).unwrap_or_else(|e| panic!("{case}: up migration fails on PostgreSQL: {e}\n{}", g.up));
    support::assert_catalog_eq(&db.catalog(), &oracle.catalog(), &format!("{case}: current + up vs desired.sql"));

    // The schema built from nothing is the same too.
    let fresh = server.fresh_db();
    let from_empty = generate(&Schema::default(), &desired);
    fresh.apply(&from_empty.up).unwrap_or_else(|e| panic!("{case}: schema from empty fails: {e}\n{}", from_empty.up));
    support::assert_catalog_eq(&fresh.catalog(), &oracle.catalog(), &format!("{case}: from empty vs desired.sql"));

    db.apply(&g.down).unwrap_or_else(|e| panic!("{case}: rollback fails on PostgreSQL: {e}\n{}", g.down));
    support::assert_catalog_eq(&db.catalog(), &before.catalog(), &format!("{case}: current + up + down vs current"));
}

#[test]
fn fixtures_round_trip_on_postgres() {
    let dirs = fixtures();
    assert!(dirs.len() >= 20, "expected at least 20 fixtures, found {}", dirs.len());
    // Every fixture runs, so one report lists all that fail.
    let only = std::env::var("FIXTURE").ok();
    let mut failed = Vec::new();
    for dir in dirs.iter().filter(|d| only.as_ref().is_none_or(|o| d.to_string_lossy().contains(o.as_str()))) {
        if std::panic::catch_unwind(|| check_fixture(dir)).is_err() {
            failed.push(dir.file_name().unwrap().to_string_lossy().to_string());
        }
    }
    assert!(failed.is_empty(), "{} fixture(s) failed: {}", failed.len(), failed.join(", "));
}

#[test]
fn the_bundled_example_migrates_to_its_oracle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let desired = load_desired(&root.join("schema")).expect("schema/ loads");
    let files = sql_files(&root.join("supabase/migrations"));
    let (current, _) = load_current(&files).expect("migrations load");
    let g = generate(&current, &desired);
    assert!(
        g.up.contains("CREATE TABLE public.workspace_active_models"),
        "the example migration creates the seed's table"
    );
    let server = support::server();
    let db = server.fresh_db();
    apply_all(&db, &files);
    db.apply(&g.up).unwrap_or_else(|e| panic!("example up fails: {e}\n{}", g.up));
    let oracle = server.fresh_db();
    oracle
        .apply(&std::fs::read_to_string(root.join("tests/fixtures/example_desired.sql")).unwrap())
        .expect("example oracle");
    support::assert_catalog_eq(&db.catalog(), &oracle.catalog(), "example: migrations + up vs example_desired.sql");
    let before = server.fresh_db();
    apply_all(&before, &files);
    db.apply(&g.down).unwrap_or_else(|e| panic!("example rollback fails: {e}\n{}", g.down));
    support::assert_catalog_eq(&db.catalog(), &before.catalog(), "example: rollback");
}
