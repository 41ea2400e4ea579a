//! A project on disk driven through the `schemagen` binary: a history in
//! `supabase/migrations/0001_init.sql`, YAML in `schema/`, and `generate` with a fixed
//! timestamp; and the database the YAML builds from nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use schemagen::model::Schema;
use schemagen::render::Renderer;
use schemagen::{Direction, load_desired, plan_migration, render_file};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn schemagen(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_schemagen")).current_dir(dir).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `schemagen ARGS` in `dir` on the test server (for `verify`, `apply`, `status`, …), with
/// no colour and no database URL from the environment.
pub fn on_server(dir: &Path, args: &[&str]) -> Output {
    let server = super::server();
    Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("SCHEMAGEN_PGHOST", &server.host)
        .env("SCHEMAGEN_PGPORT", server.port.to_string())
        .env_remove("SCHEMAGEN_DB_URL")
        .output()
        .expect("run schemagen")
}

/// Both streams of a run, for assertion messages.
pub fn text(o: &Output) -> String {
    format!("--- stdout\n{}--- stderr\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A project with `schema/` holding the files and an empty `supabase/migrations`.
pub fn yaml_project(yaml: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("supabase/migrations")).unwrap();
    std::fs::create_dir_all(dir.path().join("schema")).unwrap();
    for (name, text) in yaml {
        std::fs::write(dir.path().join("schema").join(name), text).unwrap();
    }
    dir
}

/// A project: `supabase/migrations/0001_init.sql` holding `current`, and `schema/` the files.
pub fn project(current: &str, yaml: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = yaml_project(yaml);
    std::fs::write(dir.path().join("supabase/migrations/0001_init.sql"), current).unwrap();
    dir
}

/// The up migration from nothing to the YAML in `schema`, rendered as `generate` would.
pub fn sql_from_empty(schema: &Path) -> String {
    let desired = load_desired(schema).unwrap_or_else(|e| panic!("the YAML does not load:\n{e}"));
    let plan = plan_migration(&Schema::default(), &desired).unwrap();
    render_file(&Renderer::new(None).unwrap(), &plan, Direction::Up, "from_empty", "test").unwrap()
}

/// A fresh database with the YAML in `schema` applied from nothing.
pub fn built_from_yaml(schema: &Path) -> super::Db {
    let sql = sql_from_empty(schema);
    let db = super::server().fresh_db();
    db.apply(&sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
    db
}

pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    out.sort();
    out
}

/// `generate` into the project with a fixed timestamp; the new migration files in apply
/// order, and the rollback.
pub fn generate(dir: &Path, extra: &[&str]) -> (Vec<PathBuf>, PathBuf) {
    let before = files(&dir.join("supabase/migrations"));
    let mut args = vec!["generate", "--name", "change", "--timestamp", "20990101000000"];
    args.extend_from_slice(extra);
    let run = schemagen(dir, &args);
    assert_eq!(run.code, 0, "generate failed:\n{}{}", run.stdout, run.stderr);
    let new = files(&dir.join("supabase/migrations")).into_iter().filter(|f| !before.contains(f)).collect();
    (new, dir.join("supabase/rollbacks/20990101000000_change.down.sql"))
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Applies the files of a migration in order, each as psql runs it.
pub fn apply(db: &super::Db, files: &[PathBuf]) {
    for f in files {
        db.apply(&read(f)).unwrap_or_else(|e| panic!("{} does not apply: {e}\n{}", f.display(), read(f)));
    }
}
