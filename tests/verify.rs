//! `schemagen verify` as users run it, on the test server: plans that hold converge (exit 0),
//! a hand-broken template's wrong SQL is named by object (exit 4), and the scratch databases
//! are gone afterwards.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// `schemagen verify ARGS` in an empty directory (no schemagen.toml) on the test server.
fn verify(args: &[&str]) -> Output {
    let server = support::server();
    let cwd = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(cwd.path())
        .arg("verify")
        .args(args)
        .env("SCHEMAGEN_PGHOST", &server.host)
        .env("SCHEMAGEN_PGPORT", server.port.to_string())
        .output()
        .expect("run schemagen")
}

/// `verify` of a fixture's YAML against its SQL, with more arguments.
fn verify_fixture(name: &str, more: &[&str]) -> Output {
    let dir = fixture(name);
    let schema = dir.join("schema");
    let current = dir.join("current");
    let mut args = vec!["--schema", schema.to_str().unwrap(), "--sql", current.to_str().unwrap()];
    args.extend_from_slice(more);
    verify(&args)
}

fn text(o: &Output) -> String {
    format!("--- stdout\n{}--- stderr\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A directory holding one template that replaces the embedded one of the same name.
fn templates(name: &str, source: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), source).unwrap();
    dir
}

/// The databases a verify run of process `pid` left on the test server.
fn leftovers(pid: u32) -> String {
    let db = support::server().fresh_db();
    db.query(&format!(
        "select string_agg(datname, ',') from pg_database where datname like 'schemagen_verify_{pid}_%';"
    ))
    .unwrap()
}

#[test]
fn a_fixture_converges_both_ways() {
    let o = verify_fixture("13_indexes", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.contains("up: converges: after the up migration the catalog is that of the desired schema"), "{out}");
    assert!(
        out.contains("rollback: converges: after the rollback the catalog is that of the SQL that exists"),
        "{out}"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("verify: applying 1 migration file…"), "{err}");
    assert!(err.contains("verify: up (") && err.contains(" steps, 1 file)…\nverify: rollback…"), "{err}");
}

#[test]
fn a_long_history_shows_progress() {
    let dir = tempfile::tempdir().unwrap();
    let (schema, sql) = (dir.path().join("schema"), dir.path().join("migrations"));
    std::fs::create_dir_all(&schema).unwrap();
    std::fs::create_dir_all(&sql).unwrap();
    std::fs::write(sql.join("000_t.sql"), "create table t (id integer);").unwrap();
    for n in 1..=100 {
        std::fs::write(sql.join(format!("{n:03}_comment.sql")), format!("comment on table t is 'v{n}';")).unwrap();
    }
    std::fs::write(schema.join("t.yaml"), "table: t\ncomment: v101\ncolumns:\n  id: integer\n").unwrap();
    let o = verify(&["--schema", schema.to_str().unwrap(), "--sql", sql.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("verify: applying 101 migration files…\nverify: 100/101 migration files applied…\n"), "{err}");
}

#[test]
fn every_fixture_converges() {
    let mut dirs: Vec<String> = std::fs::read_dir(root().join("tests/fixtures"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("schema").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 60, "found {} fixtures", dirs.len());
    // A few at a time: each run creates and drops two databases.
    let failed: Vec<String> = dirs
        .chunks(dirs.len().div_ceil(4))
        .map(|chunk| {
            std::thread::spawn({
                let chunk = chunk.to_vec();
                move || {
                    chunk
                        .into_iter()
                        .filter_map(|name| {
                            let o = verify_fixture(&name, &[]);
                            (o.status.code() != Some(0)).then(|| format!("{name}:\n{}", text(&o)))
                        })
                        .collect::<Vec<_>>()
                }
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flat_map(|t| t.join().expect("fixture thread"))
        .collect();
    assert!(failed.is_empty(), "{} fixture(s) do not verify:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn the_bundled_example_converges() {
    let schema = root().join("schema");
    let sql = root().join("supabase/migrations");
    let o = verify(&["--schema", schema.to_str().unwrap(), "--sql", sql.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(stdout(&o).contains("up: converges"), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("verify: applying 5 migration files…"), "{}", text(&o));
}

#[test]
fn a_template_that_drops_the_where_clause_is_named_by_index() {
    let embedded = std::fs::read_to_string(root().join("templates/create_index.sql.j2")).unwrap();
    let without_where: String = embedded.lines().filter(|l| !l.contains("WHERE")).map(|l| format!("{l}\n")).collect();
    assert_ne!(without_where, embedded, "the embedded template writes a WHERE clause");
    let broken = templates("create_index.sql.j2", &format!("{without_where};\n"));
    let o = verify_fixture("13_indexes", &["--templates", broken.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.contains("up: does not converge"), "{out}");
    assert!(out.contains("\n  table public.people\n"), "{out}");
    assert!(
        out.contains(
            "    index people_org_idx: definition is CREATE INDEX people_org_idx ON public.people USING btree \
             (org_id), expected CREATE INDEX people_org_idx ON public.people USING btree (org_id) WHERE \
             (deleted_at IS NULL)\n"
        ),
        "{out}"
    );
    // The rollback drops what the up created, however it was written.
    assert!(out.contains("rollback: converges"), "{out}");
}

#[test]
fn a_template_that_writes_the_wrong_default_fails_both_ways_and_leaves_no_database() {
    let broken = templates("column_default.sql.j2", "ALTER TABLE {{ table }} ALTER COLUMN {{ column }} DROP DEFAULT;");
    let dir = fixture("07_defaults_add_change_drop");
    let child = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(broken.path())
        .args(["verify", "--templates", "."])
        .arg("--schema")
        .arg(dir.join("schema"))
        .arg("--sql")
        .arg(dir.join("current"))
        .env("SCHEMAGEN_PGHOST", &support::server().host)
        .env("SCHEMAGEN_PGPORT", support::server().port.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.contains("    column status: default is none, expected 'open'::text\n"), "{out}");
    assert!(out.contains("rollback: does not converge"), "{out}");
    assert!(out.contains("    column status: default is none, expected 'todo'::text\n"), "{out}");
    assert_eq!(leftovers(pid), "", "the scratch databases are dropped after a failed run");
}

#[test]
fn a_rollback_that_keeps_added_columns_is_named_by_column() {
    let broken = templates("drop_column.sql.j2", "SELECT 1;");
    let o = verify_fixture("03_add_columns", &["--templates", broken.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.contains("up: converges"), "{out}");
    assert!(out.contains("rollback: does not converge"), "{out}");
    assert!(out.contains("  table public.products\n    column code: extra\n"), "{out}");
}

#[test]
fn an_up_migration_that_fails_on_postgres_says_where() {
    let broken = templates("create_index.sql.j2", "CREATE INDEX {{ index.name }} ON public.nowhere (x);");
    let o = verify_fixture("13_indexes", &["--templates", broken.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.contains("up: fails on PostgreSQL:\n  up migration, line "), "{out}");
    assert!(out.contains("relation \"public.nowhere\" does not exist"), "{out}");
    assert!(out.contains("rollback: not run, the up migration failed"), "{out}");
}

#[test]
fn an_online_plan_runs_its_last_part_outside_a_transaction() {
    let o = verify_fixture("13_indexes", &["--online"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The index is built CONCURRENTLY, which PostgreSQL refuses inside a transaction: exit 0 says
    // the second file ran outside one.
    assert!(String::from_utf8_lossy(&o.stderr).contains(" steps, 2 files)…"), "{}", text(&o));
}

/// A partitioned table keeps the plain form: CONCURRENTLY or NOT VALID would fail on it.
#[test]
fn an_online_plan_leaves_a_partitioned_table_plain() {
    let o = verify_fixture("117_partitioned_table_gains_keys", &["--online"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_database_url_names_the_server_in_either_form() {
    let server = support::server();
    let uri = format!("postgresql:///postgres?host={}&port={}&user=postgres", server.host, server.port);
    let keywords = format!("host={} port={} user=postgres dbname=postgres", server.host, server.port);
    for url in [uri, keywords] {
        let o = verify_fixture("09_checks", &["--database-url", &url]);
        assert_eq!(o.status.code(), Some(0), "{url}: {}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("verify: using the server of --database-url"),
            "{}",
            text(&o)
        );
    }
}

#[test]
fn a_server_that_cannot_be_reached_is_an_error() {
    let o = verify_fixture("09_checks", &["--database-url", "postgresql://nobody@127.0.0.1:1/app"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error: cannot connect to nobody@127.0.0.1:1/app: "), "{err}");
    assert!(!err.contains("verify: building"), "nothing is attempted before the server answers: {err}");
}

#[test]
fn a_role_without_createdb_is_told_so() {
    let server = support::server();
    let db = server.fresh_db();
    db.apply(
        "do $$ begin if not exists (select from pg_roles where rolname = 'schemagen_verify_nocreatedb') then \
         create role schemagen_verify_nocreatedb login nocreatedb; end if; end $$;",
    )
    .unwrap();
    let url = format!("host={} port={} user=schemagen_verify_nocreatedb dbname=postgres", server.host, server.port);
    let o = verify_fixture("09_checks", &["--database-url", &url]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot create a scratch database") && err.contains("the role needs CREATEDB"), "{err}");
}

#[test]
fn without_a_server_verify_starts_a_throwaway_one_and_removes_it() {
    let cwd = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(cwd.path())
        .args(["verify", "--schema"])
        .arg(fixture("09_checks").join("schema"))
        .arg("--sql")
        .arg(fixture("09_checks").join("current"))
        .env_remove("SCHEMAGEN_PGHOST")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("verify: starting a throwaway PostgreSQL (")
            && err.contains("verify: using the throwaway PostgreSQL"),
        "{err}"
    );
    assert!(!Path::new(&format!("/tmp/schemagen-verify-{pid}-0")).exists(), "the cluster's directory is removed");
}
