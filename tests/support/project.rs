//! A project on disk driven through the `schemagen` binary: a history in
//! `supabase/migrations/0001_init.sql`, YAML in `schema/`, and `generate` with a fixed
//! timestamp.

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// A project: `supabase/migrations/0001_init.sql` holding `current`, and `schema/` the files.
pub fn project(current: &str, yaml: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("supabase/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::create_dir_all(dir.path().join("schema")).unwrap();
    std::fs::write(migrations.join("0001_init.sql"), current).unwrap();
    for (name, text) in yaml {
        std::fs::write(dir.path().join("schema").join(name), text).unwrap();
    }
    dir
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
