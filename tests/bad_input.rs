//! The catalogue of bad input: each directory of `tests/bad_input/` is a project
//! (`schema/*.yaml`, `supabase/migrations/*.sql`, any other file) and, in `args`, the command
//! line, one argument per line (`diff` when there is none). Each runs in a copy of its own:
//! the exit code is 1, stderr points at `file:line:column` (except for `cli` cases, which
//! are about the command line, not a file) and gives a hint, nothing in the project is
//! created or changed, and stderr is the snapshot `snapshots/bad_input__<case>.snap`.
//!
//! "Conflicting DDL" (docs/design.md, "Bad input") is a statement that PostgreSQL would refuse
//! after the statements before it, about an object the model holds: CREATE TABLE of a table
//! that exists, ADD COLUMN of a column that exists, a second constraint, index or key of the
//! same name, a rename onto a name that is taken (a type's too), a second CREATE FUNCTION or
//! CREATE TRIGGER without OR REPLACE, a second CREATE POLICY on a table or CREATE VIEW without
//! OR REPLACE (or over a table), a second CREATE TYPE or ADD ATTRIBUTE of a name that
//! exists. The history cannot apply on any database, so it is an error at the
//! statement. A statement about an object the model does not hold (DROP TABLE of a table
//! never created, ALTER TABLE auth.users, a rename of what the model does not hold) stays a
//! report (`LoadReport::unresolved`): the object may exist outside what was read.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use schemagen::model::Schema;
use schemagen::source::sql::{LoadReport, load_text};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(root).expect("tests/bad_input").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        // A link stays a link (cases about links, in a loop or to a file read twice).
        if entry.file_type().unwrap().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if src.is_dir() {
            copy_dir(&src, &dst);
        } else if entry.file_name() != "args" {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Every path under `dir` with its bytes (None for a directory), to tell whether a run wrote
/// anything.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if entry.file_type().unwrap().is_symlink() {
                out.insert(rel, Some(std::fs::read_link(&p).unwrap().into_os_string().into_encoded_bytes()));
            } else if p.is_dir() {
                out.insert(rel, None);
                stack.push(p);
            } else {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

fn args(case: &Path) -> Vec<String> {
    match std::fs::read_to_string(case.join("args")) {
        Ok(text) => text.lines().map(str::to_string).collect(),
        Err(_) => vec!["diff".into()],
    }
}

/// Runs one case; Err says what is wrong with its outcome.
fn check(case: &Path) -> Result<(), String> {
    let name = case.file_name().unwrap().to_string_lossy().to_string();
    let project = tempfile::tempdir().unwrap();
    copy_dir(case, project.path());
    // Empty directories do not survive git: every case has a migrations folder, maybe empty.
    std::fs::create_dir_all(project.path().join("supabase/migrations")).unwrap();
    let before = tree(project.path());
    let args = args(case);
    let out = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(project.path())
        .args(&args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run schemagen");
    let mut stderr = String::from_utf8_lossy(&out.stderr).to_string();
    for dir in [project.path().to_path_buf(), project.path().canonicalize().unwrap()] {
        stderr = stderr.replace(&dir.display().to_string(), "[project]");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() != Some(1) {
        return Err(format!("exit code {:?}, not 1\n{stderr}{stdout}", out.status.code()));
    }
    if !stdout.is_empty() {
        return Err(format!("a refused command printed on stdout:\n{stdout}"));
    }
    let located = stderr.lines().filter_map(|l| l.trim_start().strip_prefix("--> ")).any(|at| {
        let parts: Vec<&str> = at.rsplitn(3, ':').collect();
        parts.len() == 3 && parts[..2].iter().all(|n| n.parse::<usize>().is_ok()) && !parts[2].is_empty()
    });
    if !located && !name.contains("_cli_") {
        return Err(format!("no --> file:line:column in:\n{stderr}"));
    }
    // clap's usage errors end with their own hint.
    if !stderr.contains("\nhelp: ") && !stderr.contains("try '--help'") {
        return Err(format!("no hint in:\n{stderr}"));
    }
    if tree(project.path()) != before {
        return Err("the project changed: something was written".into());
    }
    catch_unwind(AssertUnwindSafe(|| {
        insta::with_settings!({
            snapshot_path => "../snapshots",
            description => format!("schemagen {}", args.join(" ")),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name.as_str(), stderr);
        });
    }))
    .map_err(|_| "stderr differs from its snapshot".to_string())
}

#[test]
fn every_bad_input_is_refused_with_a_located_hint_and_nothing_written() {
    let cases = cases();
    assert!(cases.len() >= 40, "the catalogue has {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| check(case).err().map(|e| format!("{}: {e}", case.file_name().unwrap().to_string_lossy())))
        .collect();
    assert!(failures.is_empty(), "{} case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// The other half of the rule in the module comment: a statement about an object the model
/// does not hold loads, and is reported where it is.
#[test]
fn a_statement_about_a_missing_object_is_reported_not_refused() {
    let sql = "create table users (id uuid);\ndrop table posts;\nalter table auth.users add column nickname text;\n";
    let mut schema = Schema::default();
    let mut report = LoadReport::default();
    load_text(&mut schema, Path::new("1_init.sql"), sql, &mut report).expect("loads");
    let unresolved: Vec<String> = report.unresolved.iter().map(|(at, what)| format!("{at}: {what}")).collect();
    assert_eq!(
        unresolved,
        [
            "1_init.sql:2:1: DROP TABLE public.posts, which the model does not hold",
            "1_init.sql:3:1: ALTER TABLE auth.users, which the model does not hold",
        ]
    );
    assert!(schema.tables.keys().any(|t| t.name == "users"));
}

/// Inside a DO block the same statements are what its guard (`IF NOT EXISTS`, an `EXCEPTION`
/// handler) would skip: they load, and leave the object as it was.
#[test]
fn a_guarded_create_in_a_do_block_is_not_a_conflict() {
    let sql = "create table users (id uuid, email text);\n\
               do $$ begin\n  if not exists (select 1 from pg_tables where tablename = 'users') then\n    \
               create table users (id bigint);\n  end if;\nend $$;\n\
               do $$ begin\n  alter table users add column email text;\nexception when duplicate_column then null;\nend $$;\n";
    let mut schema = Schema::default();
    load_text(&mut schema, Path::new("1_init.sql"), sql, &mut LoadReport::default()).expect("loads");
    let users = schema.tables.values().find(|t| t.name.name == "users").unwrap();
    let columns: Vec<String> = users.columns.iter().map(|c| format!("{} {}", c.name, c.data_type.sql())).collect();
    assert_eq!(columns, ["id uuid", "email text"]);
}
