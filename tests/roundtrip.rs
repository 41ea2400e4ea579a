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

use support::sql_files;

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
    let db = server.fresh_db();
    apply_all(&db, &current_files);
    let before = db.catalog();
    db.apply(&g.up).unwrap_or_else(|e| panic!("{case}: up migration fails on PostgreSQL: {e}\n{}", g.up));
    support::assert_catalog_eq(&db.catalog(), &oracle.catalog(), &format!("{case}: current + up vs desired.sql"));

    // The schema built from nothing is the same too.
    let fresh = server.fresh_db();
    let from_empty = generate(&Schema::default(), &desired);
    fresh.apply(&from_empty.up).unwrap_or_else(|e| panic!("{case}: schema from empty fails: {e}\n{}", from_empty.up));
    support::assert_catalog_eq(&fresh.catalog(), &oracle.catalog(), &format!("{case}: from empty vs desired.sql"));

    db.apply(&g.down).unwrap_or_else(|e| panic!("{case}: rollback fails on PostgreSQL: {e}\n{}", g.down));
    support::assert_catalog_eq(&db.catalog(), &before, &format!("{case}: current + up + down vs current"));
}

#[test]
fn fixtures_round_trip_on_postgres() {
    let dirs = fixtures();
    assert!(dirs.len() >= 20, "expected at least 20 fixtures, found {}", dirs.len());
    // Every fixture runs, so one report lists all that fail.
    let only = std::env::var("FIXTURE").ok();
    let chosen: Vec<&PathBuf> =
        dirs.iter().filter(|d| only.as_ref().is_none_or(|o| d.to_string_lossy().contains(o.as_str()))).collect();
    let passed = support::parallel(&chosen, |dir| std::panic::catch_unwind(|| check_fixture(dir)).is_ok());
    let failed: Vec<String> = chosen
        .iter()
        .zip(passed)
        .filter(|(_, ok)| !ok)
        .map(|(dir, _)| dir.file_name().unwrap().to_string_lossy().to_string())
        .collect();
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
    let before = db.catalog();
    db.apply(&g.up).unwrap_or_else(|e| panic!("example up fails: {e}\n{}", g.up));
    let oracle = server.fresh_db();
    oracle
        .apply(&std::fs::read_to_string(root.join("tests/fixtures/example_desired.sql")).unwrap())
        .expect("example oracle");
    support::assert_catalog_eq(&db.catalog(), &oracle.catalog(), "example: migrations + up vs example_desired.sql");
    db.apply(&g.down).unwrap_or_else(|e| panic!("example rollback fails: {e}\n{}", g.down));
    support::assert_catalog_eq(&db.catalog(), &before, "example: rollback");
}

/// With `--idempotent`, applying the up migration twice succeeds and leaves the catalog
/// of the desired schema.
#[test]
fn idempotent_migrations_apply_twice() {
    let server = support::server();
    let mut renderer = Renderer::new(None).unwrap();
    renderer.set_idempotent(true);
    let failed: Vec<String> = support::parallel(&fixtures(), |dir| {
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        let desired = load_desired(&dir.join("schema")).unwrap();
        let current_files = sql_files(&dir.join("current"));
        let (current, _) = load_current(&current_files).unwrap();
        let plan = plan_migration(&current, &desired).unwrap();
        let up = render_file(&renderer, &plan, Direction::Up, "idempotent", &case).unwrap();
        let db = server.fresh_db();
        apply_all(&db, &current_files);
        let once = db.apply(&up);
        let twice = db.apply(&up);
        let oracle = server.fresh_db();
        oracle.apply(&std::fs::read_to_string(dir.join("desired.sql")).unwrap()).unwrap();
        let same = support::catalog_diff(&db.catalog(), &oracle.catalog());
        (once.is_err() || twice.is_err() || same.is_some())
            .then(|| format!("{case}: once {once:?}, twice {twice:?}, catalog {same:?}"))
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failed.is_empty(), "not idempotent:\n{}", failed.join("\n"));
}

/// `generate` on the bundled example writes schema, policy and trigger migrations and a
/// rollback; applied by file name after the existing migrations they give the oracle's
/// catalog, and the rollback gives back the existing one. The files are snapshots.
#[test]
fn generated_example_files_apply_in_file_name_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    let copy = |from: &str| {
        let status = std::process::Command::new("cp").arg("-r").arg(root.join(from)).arg(work.path()).status().unwrap();
        assert!(status.success());
    };
    copy("schema");
    copy("supabase");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(work.path())
        .args(["generate", "--name", "seeds", "--timestamp", "20250301120000"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let migrations = sql_files(&work.path().join("supabase/migrations"));
    let generated: Vec<&PathBuf> = migrations.iter().filter(|p| p.to_string_lossy().contains("_seeds")).collect();
    let names: Vec<String> = generated.iter().map(|p| p.file_name().unwrap().to_string_lossy().to_string()).collect();
    assert_eq!(
        names,
        ["20250301120000_seeds.sql", "20250301120001_seeds_policies.sql", "20250301120002_seeds_triggers.sql"]
    );
    let rollback = work.path().join("supabase/rollbacks/20250301120000_seeds.down.sql");
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        for p in generated.iter().copied().chain(std::iter::once(&rollback)) {
            let name = p.file_name().unwrap().to_string_lossy().replace(".sql", "");
            insta::assert_snapshot!(format!("example__{name}"), std::fs::read_to_string(p).unwrap());
        }
    });

    let server = support::server();
    let db = server.fresh_db();
    apply_all(&db, &migrations);
    let oracle = server.fresh_db();
    oracle.apply(&std::fs::read_to_string(root.join("tests/fixtures/example_desired.sql")).unwrap()).unwrap();
    support::assert_catalog_eq(&db.catalog(), &oracle.catalog(), "example: generated files vs example_desired.sql");
    db.apply(&std::fs::read_to_string(&rollback).unwrap()).expect("rollback applies");
    let before = server.fresh_db();
    apply_all(&before, &sql_files(&root.join("supabase/migrations")));
    support::assert_catalog_eq(&db.catalog(), &before.catalog(), "example: rollback vs existing migrations");
}
