//! `status`, `apply` and `rollback` on the test server, on projects schemagen generated
//! itself: each database is a fresh one, what the runner builds is compared with what psql
//! builds from the same files, and the history is read as the Supabase CLI reads it. Also
//! `verify --history` (each rollback file proven on a replay) and `verify --stub`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::project::{on_server, text};
use support::{Db, assert_catalog_eq};

const CLI_HISTORY: &str = "SELECT version, coalesce(name, '') AS name, statements FROM supabase_migrations.schema_migrations ORDER BY version";

/// A project in a temporary directory.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// The bundled example's YAML and migrations, and what `generate` writes from them.
    fn generated() -> Project {
        Project::generated_with(&[])
    }

    /// The same, with more flags for `generate`.
    fn generated_with(flags: &[&str]) -> Project {
        let p = Project::empty();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(&root.join("schema"), &p.path().join("schema"));
        copy_dir(&root.join("supabase/migrations"), &p.migrations());
        let mut args =
            vec!["generate", "--name", "seeds", "--timestamp", "20250301120000", "--allow-destructive", "-q"];
        args.extend_from_slice(flags);
        let out = p.run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        p
    }

    fn empty() -> Project {
        let p = Project { dir: tempfile::tempdir().unwrap() };
        std::fs::create_dir_all(p.migrations()).unwrap();
        p
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn migrations(&self) -> PathBuf {
        self.path().join("supabase/migrations")
    }

    fn rollback_file(&self) -> PathBuf {
        self.path().join("supabase/rollbacks/20250301120000_seeds.down.sql")
    }

    fn write(&self, file: &str, sql: &str) {
        std::fs::write(self.migrations().join(file), sql).unwrap();
    }

    fn files(&self) -> Vec<PathBuf> {
        support::sql_files(&self.migrations())
    }

    fn run(&self, args: &[&str]) -> Output {
        on_server(self.path(), args)
    }

    /// `schemagen COMMAND --db <db> ARGS`.
    fn on(&self, db: &Db, command: &str, args: &[&str]) -> Output {
        let url = db.conninfo();
        let mut all = vec![command, "--db", url.as_str()];
        all.extend_from_slice(args);
        self.run(&all)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh database with `files` applied by psql, one after the other: the reference.
fn built_by_psql(files: &[PathBuf]) -> Db {
    let db = support::server().fresh_db();
    for f in files {
        db.apply(&std::fs::read_to_string(f).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
    db
}

/// The catalog without the runner's own history table.
fn schema_of(db: &Db) -> String {
    db.catalog().lines().filter(|l| !l.contains("supabase_migrations")).map(|l| format!("{l}\n")).collect()
}

/// `version|name` of every record, as the Supabase CLI reads them.
fn records(db: &Db) -> Vec<String> {
    let rows = db.query(&format!("SELECT version || '|' || name FROM ({CLI_HISTORY}) h")).unwrap();
    rows.lines().map(str::to_string).collect()
}

/// `version|name` of files.
fn versions(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|f| {
            let stem = f.file_stem().unwrap().to_string_lossy().to_string();
            let (v, n) = stem.split_once('_').unwrap();
            format!("{v}|{n}")
        })
        .collect()
}

fn without_separators(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != ';').collect()
}

#[test]
fn status_apply_status_rollback_status_on_a_generated_project() {
    let p = Project::generated();
    let files = p.files();
    let (old, generated) = files.split_at(files.len() - 3);
    assert!(generated.iter().all(|f| f.to_string_lossy().contains("_seeds")), "{files:?}");
    let db = support::server().fresh_db();

    let out = p.on(&db, "status", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(stdout(&out).matches("  pending  ").count(), files.len(), "{}", text(&out));

    let out = p.on(&db, "apply", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_catalog_eq(&schema_of(&db), &schema_of(&built_by_psql(&files)), "apply vs psql of every file");

    // The history as the Supabase CLI reads it: one record per file, and the statements
    // recorded are the file's, all of them, in order.
    assert_eq!(records(&db), versions(&files));
    for f in &files {
        let version = f.file_name().unwrap().to_string_lossy()[..14].to_string();
        let stored = db
            .query(&format!(
                "SELECT array_to_string(statements, ';') FROM ({CLI_HISTORY}) h WHERE version = '{version}'"
            ))
            .unwrap();
        assert_eq!(without_separators(&stored), without_separators(&std::fs::read_to_string(f).unwrap()), "{f:?}");
    }

    let out = p.on(&db, "status", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stdout(&out).matches("  applied  ").count(), files.len(), "{}", text(&out));

    // The three files of the run go back together, with the one rollback file.
    let out = p.on(&db, "rollback", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stdout(&out).contains("rolling back 20250301120000, 20250301120001, 20250301120002"), "{}", text(&out));
    assert_catalog_eq(&schema_of(&db), &schema_of(&built_by_psql(old)), "rollback vs psql of the files before the run");
    assert_eq!(records(&db), versions(old));

    let out = p.on(&db, "status", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(stdout(&out).matches("  pending  ").count(), 3, "{}", text(&out));

    // And again: apply brings the run back.
    let out = p.on(&db, "apply", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(records(&db), versions(&files));
}

/// The last file of an `--online` run holds CREATE INDEX CONCURRENTLY: it runs as written,
/// and the run's four files roll back together.
#[test]
fn an_online_run_applies_its_last_file_as_written_and_rolls_back_whole() {
    let p = Project::generated_with(&["--online"]);
    let files = p.files();
    let online = files.last().unwrap();
    assert!(online.to_string_lossy().ends_with("20250301120003_seeds_online.sql"), "{files:?}");
    assert!(std::fs::read_to_string(online).unwrap().contains("CONCURRENTLY"));
    let db = support::server().fresh_db();
    let out = p.on(&db, "apply", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout(&out)
            .contains("20250301120003_seeds_online.sql (21 statement(s), as written: `generate --online` wrote it"),
        "{}",
        text(&out)
    );
    assert_catalog_eq(&schema_of(&db), &schema_of(&built_by_psql(&files)), "apply vs psql of every file");
    let out = p.on(&db, "rollback", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_catalog_eq(&schema_of(&db), &schema_of(&built_by_psql(&files[..files.len() - 4])), "before the run");
    assert_eq!(records(&db), versions(&files[..files.len() - 4]));
}

#[test]
fn a_failing_file_leaves_the_database_and_the_records_as_they_were() {
    let p = Project::empty();
    p.write("20240101000000_one.sql", "create table one (id int primary key);\n");
    p.write(
        "20240102000000_two.sql",
        "begin;\ncreate table two (id int primary key);\ninsert into two values (1), (1);\ncommit;\n",
    );
    p.write("20240103000000_three.sql", "create table three (id int);\n");
    let db = support::server().fresh_db();
    let out = p.on(&db, "apply", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("duplicate key value"), "{err}");
    assert!(err.contains("--> supabase/migrations/20240102000000_two.sql:3:1"), "{err}");
    assert!(err.contains("nothing of it is applied"), "{err}");
    assert_catalog_eq(&schema_of(&db), &schema_of(&built_by_psql(&p.files()[..1])), "only the first file");
    assert_eq!(records(&db), ["20240101000000|one"]);
}

/// As `supabase db push`: a pending file older than the latest applied one, or an applied
/// version with no file, stops `apply` before it runs anything; one run at a time.
#[test]
fn apply_keeps_version_order_and_refuses_a_history_it_does_not_have() {
    let p = Project::empty();
    p.write("20240102000000_two.sql", "create table two (id int);\n");
    let db = support::server().fresh_db();
    assert_eq!(p.on(&db, "apply", &[]).status.code(), Some(0));

    p.write("20240101000000_one.sql", "create table one (id int);\n");
    let out = p.on(&db, "apply", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("20240101000000_one.sql is pending but older than 20240102000000"), "{}", text(&out));

    std::fs::remove_file(p.migrations().join("20240101000000_one.sql")).unwrap();
    std::fs::remove_file(p.migrations().join("20240102000000_two.sql")).unwrap();
    p.write("20240103000000_three.sql", "create table three (id int);\n");
    let out = p.on(&db, "status", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stdout(&out).contains("missing  20240102000000_two: applied, but not in supabase/migrations"),
        "{}",
        text(&out)
    );
    let out = p.on(&db, "apply", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("has migration 20240102000000_two applied, which is not in"), "{}", text(&out));
    assert_eq!(records(&db), ["20240102000000|two"]);
    assert_eq!(db.query("SELECT count(*) FROM pg_class WHERE relname IN ('one', 'three')").unwrap(), "0");

    // While another session holds the runner's lock, nothing runs.
    let mut holder =
        db.psql_command().stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::null()).spawn().unwrap();
    let mut stdin = holder.stdin.take().unwrap();
    use std::io::Write as _;
    writeln!(
        stdin,
        "SELECT pg_advisory_lock({});\n\\! touch {}",
        0x5343_4847_4e52_554e_i64,
        p.path().join("locked").display()
    )
    .unwrap();
    stdin.flush().unwrap();
    while !p.path().join("locked").exists() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = p.on(&db, "rollback", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("another `apply` or `rollback` is running on"), "{}", text(&out));
    drop(stdin);
    holder.wait().unwrap();
}

/// A history the Supabase CLI wrote (its table, a record with the statements as it cuts
/// them, one from an older CLI with none): recognised, not applied again.
#[test]
fn records_the_supabase_cli_wrote_are_read_as_applied() {
    let p = Project::empty();
    p.write("20240101000000_a.sql", "create table a (id int);\n-- the b table\ncreate table b (id int);\n");
    p.write("20240102000000_c.sql", "create table c (id int);\n");
    p.write("20240103000000_d.sql", "create table d (id int);\n");
    let db = support::server().fresh_db();
    db.apply(
        "create schema supabase_migrations;
         create table supabase_migrations.schema_migrations (version text not null primary key);
         insert into supabase_migrations.schema_migrations values ('20240102000000');
         create table c (id int);",
    )
    .unwrap();
    // The table of an older CLI, with no name or statements column, reads.
    let out = p.on(&db, "status", &[]);
    assert!(
        stdout(&out).contains("  applied  20240102000000_c.sql (no statements recorded to compare)\n"),
        "{}",
        text(&out)
    );
    db.apply(
        "alter table supabase_migrations.schema_migrations add column statements text[], add column name text;
         create table a (id int); create table b (id int);
         insert into supabase_migrations.schema_migrations values
           ('20240101000000', array['create table a (id int)', e'-- the b table\\ncreate table b (id int)'], 'a');",
    )
    .unwrap();
    let out = p.on(&db, "status", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stdout(&out).ends_with(
            "  applied  20240101000000_a.sql\n  applied  20240102000000_c.sql (no statements recorded to compare)\n  \
             pending  20240103000000_d.sql\n"
        ),
        "{}",
        text(&out)
    );
    let out = p.on(&db, "apply", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stdout(&out).starts_with("applying 20240103000000_d.sql"), "{}", text(&out));
}

#[test]
fn dry_run_changes_nothing() {
    let p = Project::generated();
    let db = support::server().fresh_db();
    let before = db.catalog();
    let out = p.on(&db, "apply", &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(stdout(&out).matches("would apply ").count(), p.files().len(), "{}", text(&out));
    assert_eq!(db.catalog(), before);
    assert_eq!(db.query("SELECT to_regclass('supabase_migrations.schema_migrations') IS NULL").unwrap(), "t");
}

#[test]
fn a_concurrent_index_runs_outside_a_transaction_and_a_file_edited_after_it_was_applied_shows() {
    let p = Project::empty();
    p.write("20240101000000_t.sql", "create table t (id int, v text);\n\ncreate index concurrently t_v on t (v);\n");
    let db = support::server().fresh_db();
    let out = p.on(&db, "apply", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout(&out).contains("as written: CREATE INDEX CONCURRENTLY cannot run in a transaction"),
        "{}",
        text(&out)
    );
    assert_eq!(db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v'::regclass").unwrap(), "t");

    p.write("20240101000000_t.sql", "create table t (id int, v text);\n\ncreate index concurrently t_v on t (id);\n");
    let out = p.on(&db, "status", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stdout(&out).contains("changed  20240101000000_t.sql: edited after it was applied: statement 2 (supabase/migrations/20240101000000_t.sql:3:1)"),
        "{}",
        text(&out)
    );
}

/// Refused before anything runs: the database and its records stay as they were.
#[test]
fn rollback_refuses_a_missing_or_edited_rollback_file() {
    let p = Project::generated();
    let db = support::server().fresh_db();
    assert_eq!(p.on(&db, "apply", &[]).status.code(), Some(0));
    let (catalog, history) = (db.catalog(), records(&db));
    let generated = std::fs::read_to_string(p.rollback_file()).unwrap();

    let edited = generated.replacen("DROP TABLE public.workspace_active_models;", "SELECT 1;", 1);
    assert_ne!(edited, generated);
    std::fs::write(p.rollback_file(), &edited).unwrap();
    let out = p.on(&db, "rollback", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let line = edited.lines().position(|l| l == "SELECT 1;").unwrap() + 1;
    assert!(
        stderr(&out).contains(&format!("--> supabase/rollbacks/20250301120000_seeds.down.sql:{line}:1")),
        "{}",
        text(&out)
    );

    std::fs::remove_file(p.rollback_file()).unwrap();
    let out = p.on(&db, "rollback", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("the rollback file of 20250301120000_seeds.sql is missing"), "{}", text(&out));
    assert!(stderr(&out).contains("--> supabase/migrations/20250301120000_seeds.sql:1:1"), "{}", text(&out));

    // A migration written by hand has none; the run after it is checked, not rolled back.
    std::fs::write(p.rollback_file(), &generated).unwrap();
    let out = p.on(&db, "rollback", &["--to", "20240215000000"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("20240301000000_triggers_and_stats.sql has no rollback file"), "{}", text(&out));

    // A file of the run edited since it was applied: its rollback no longer matches it.
    let policies = p.migrations().join("20250301120001_seeds_policies.sql");
    let applied = std::fs::read_to_string(&policies).unwrap();
    std::fs::write(&policies, format!("{applied}\nselect 1;\n")).unwrap();
    let out = p.on(&db, "rollback", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("20250301120001_seeds_policies.sql was edited after it was applied"),
        "{}",
        text(&out)
    );
    std::fs::write(&policies, applied).unwrap();

    // A run that is only partly applied (its last file's record gone) is not undone.
    db.apply("DELETE FROM supabase_migrations.schema_migrations WHERE version = '20250301120002'").unwrap();
    let out = p.on(&db, "rollback", &["--to", "20240301000000"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("20250301120002_seeds_triggers.sql is not applied"), "{}", text(&out));

    assert_eq!(db.catalog(), catalog);
    assert_eq!(records(&db), history[..history.len() - 1]);
}

/// Every run `rollback` undoes is checked against the rollback file it was applied with
/// (recorded in `supabase_migrations.schemagen_rollbacks`), not only the folder's last run:
/// an older run's edited rollback is refused before anything runs, and the CLI's table keeps
/// its shape.
#[test]
fn rollback_refuses_an_older_runs_rollback_file_edited_after_it_was_applied() {
    let p = Project::generated();
    std::fs::write(
        p.path().join("schema/notes_later.yaml"),
        "table: notes_later\ncolumns:\n  id: uuid primary key default gen_random_uuid()\n  body: text\n\
         lint:\n  rls_disabled_in_public: allow\n",
    )
    .unwrap();
    let out = p.run(&["generate", "--name", "later", "--timestamp", "20250401120000", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let later = p.path().join("supabase/rollbacks/20250401120000_later.down.sql");
    assert!(later.is_file());
    let db = support::server().fresh_db();
    assert_eq!(p.on(&db, "apply", &[]).status.code(), Some(0));
    let (catalog, history) = (db.catalog(), records(&db));
    let columns = db
        .query(
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns \
             WHERE table_schema = 'supabase_migrations' AND table_name = 'schema_migrations'",
        )
        .unwrap();
    assert_eq!(columns.trim(), "version,statements,name", "the CLI's table keeps its shape");

    // The older run's rollback, edited after it was applied: `check` cannot regenerate it
    // (the YAML has moved on), the recorded digest tells.
    let generated = std::fs::read_to_string(p.rollback_file()).unwrap();
    std::fs::write(p.rollback_file(), generated.replacen("DROP TABLE public.workspace_active_models;", "SELECT 1;", 1))
        .unwrap();
    let before_seeds = "20240301000000";
    let out = p.on(&db, "rollback", &["--to", before_seeds]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains(
            "supabase/rollbacks/20250301120000_seeds.down.sql was edited after 20250301120000_seeds.sql was applied"
        ),
        "{}",
        text(&out)
    );
    assert!(stderr(&out).contains("help: restore it as it was when the run was applied"), "{}", text(&out));
    assert_eq!(db.catalog(), catalog, "nothing was rolled back");
    assert_eq!(records(&db), history);

    // As applied, both runs go back, and their digests with them.
    std::fs::write(p.rollback_file(), &generated).unwrap();
    let out = p.on(&db, "rollback", &["--to", before_seeds]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(records(&db).last().map(|r| &r[..14]), Some(before_seeds));
    let left = db.query("SELECT count(*) FROM supabase_migrations.schemagen_rollbacks").unwrap();
    assert_eq!(left.trim(), "0");
}

#[test]
fn verify_history_proves_each_rollback_and_names_a_hand_broken_one() {
    let p = Project::generated();
    let out = p.run(&["verify", "--history"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout(&out).contains("8 migration files applied; 1 rollback restores the state before its run"),
        "{}",
        text(&out)
    );

    // Still valid SQL, but a table of the run stays behind.
    let generated = std::fs::read_to_string(p.rollback_file()).unwrap();
    let kept = generated.replacen("DROP TABLE public.workspace_active_models;", "", 1);
    assert_ne!(kept, generated);
    std::fs::write(p.rollback_file(), &kept).unwrap();
    let out = p.run(&["verify", "--history"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        stdout(&out).contains(
            "history, supabase/rollbacks/20250301120000_seeds.down.sql: does not converge: 1 difference from the \
             database before 20250301120000_seeds.sql:\n  table public.workspace_active_models: extra"
        ),
        "{}",
        text(&out)
    );

    // A statement PostgreSQL refuses: the file and its line.
    let broken =
        generated.replacen("DROP TABLE public.workspace_active_models;", "DROP TABLE public.no_such_table;", 1);
    std::fs::write(p.rollback_file(), &broken).unwrap();
    let line = broken.lines().position(|l| l.contains("no_such_table")).unwrap() + 1;
    let out = p.run(&["verify", "--history"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        stdout(&out).contains(&format!(
            "supabase/rollbacks/20250301120000_seeds.down.sql:{line}: ERROR:  table \"no_such_table\" does not exist"
        )),
        "{}",
        text(&out)
    );
}

/// A project whose migrations use Supabase's vault: verifiable once a stub adds it.
#[test]
fn verify_runs_the_project_stubs_of_the_flag_and_the_config_after_its_own() {
    let p = Project::empty();
    p.write(
        "20240101000000_notes.sql",
        "create table public.notes (id bigint primary key, secret_id uuid references vault.secrets (id));\n",
    );
    std::fs::create_dir_all(p.path().join("schema")).unwrap();
    std::fs::write(
        p.path().join("schema/notes.yaml"),
        "table: notes\ncolumns:\n  id: bigint primary key\n  secret_id: uuid references vault.secrets(id)\n  body: text\n",
    )
    .unwrap();
    std::fs::write(
        p.path().join("vault.sql"),
        "create schema vault;\ncreate table vault.secrets (id uuid primary key, secret text);\n",
    )
    .unwrap();

    let out = p.run(&["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("schema \"vault\" does not exist"), "{}", text(&out));

    let out = p.run(&["verify", "--stub", "vault.sql"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stdout(&out).contains("up: converges") && stdout(&out).contains("rollback: converges"), "{}", text(&out));

    std::fs::write(p.path().join("schemagen.toml"), "verify_stubs = [\"vault.sql\"]\n").unwrap();
    let out = p.run(&["verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A stub that does not load is named with its line.
    std::fs::write(p.path().join("schemagen.toml"), "").unwrap();
    std::fs::write(
        p.path().join("bad.sql"),
        "create schema vault;\ncreate table vault.secrets (id uuid references nowhere);\n",
    )
    .unwrap();
    let out = p.run(&["verify", "--stub", "bad.sql"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("the stub bad.sql does not load: bad.sql:2: ERROR:"), "{}", text(&out));
}
