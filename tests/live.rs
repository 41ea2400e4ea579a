//! A live database read into the model (`source::live`) equals the model of the SQL that
//! built it: every fixture's history and oracle, applied to a fresh database on the test
//! server, read back, and diffed against `load_current` of the same files both ways; and
//! every history of `../shared/corpus` the same way (on the database `tests/corpus.rs`
//! builds them on); and the YAML `import --db` writes from the database reads back as the
//! SQL too.

mod support;

use std::path::PathBuf;

use schemagen::model::Schema;
use schemagen::source::live;

/// The changes between the two models, both ways, as text; empty when they are equal. The
/// constants of `from_sql` are read as the server `db` prints them.
fn differences(db: &mut schemagen::db::Database, from_db: &Schema, from_sql: &Schema) -> String {
    let (a, b) = live::as_server_prints(db, from_db, from_sql).unwrap();
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
    let d = differences(&mut conn, &from_db, &from_sql);
    if !d.is_empty() {
        return Err(d);
    }
    // What `import --db` writes reads back as the SQL too.
    let yaml = tempfile::tempdir().unwrap();
    for (name, text) in schemagen::import::to_yaml(&from_db) {
        let path = yaml.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let pulled = schemagen::load_desired(yaml.path()).map_err(|e| format!("the pulled YAML does not load: {e}"))?;
    let d = differences(&mut conn, &pulled, &from_sql);
    if d.is_empty() { Ok(()) } else { Err(format!("the pulled YAML differs:\n{d}")) }
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
        let project = dir.file_name().unwrap().to_string_lossy().into_owned();
        let files = support::sql_files(dir);
        if let Err(e) = check(support::corpus_db(support::server()), &files) {
            failures.push_str(&format!("{project}:\n{e}\n"));
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

fn schemagen(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove(schemagen::source::spec::DB_URL_VAR)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

/// The bundled example's migrations on a database, then changed by hand: each change is
/// named by object, with exit 2, in every format; none before.
#[test]
fn check_db_reports_a_hand_made_change_by_object() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = support::sql_files(&root.join("supabase/migrations"));
    let db = support::server().fresh_db();
    for f in &files {
        db.apply(&std::fs::read_to_string(f).unwrap()).unwrap();
    }
    let url = db.conninfo();
    let (code, out, err) = schemagen(root, &["check", "--db", &url]);
    assert_eq!(code, 0, "{out}{err}");
    db.apply(
        "alter table public.model_access add column hotfix text;
         alter policy \"All authenticated users can view model access\" on public.model_access using (false);
         drop index public.idx_model_access_tier;",
    )
    .unwrap();
    let (code, out, err) = schemagen(root, &["check", "--db", &url]);
    assert_eq!(code, 2, "{out}{err}");
    for line in [
        "in the database only:\n  column public.model_access.hotfix\n",
        "in the files only:\n  index idx_model_access_tier on public.model_access\n",
        "different:\n  policy \"All authenticated users can view model access\" on public.model_access (definition)\n",
    ] {
        assert!(out.contains(line), "{line} not in:\n{out}");
    }
    let (code, out, _) = schemagen(root, &["check", "--db", &url, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 2);
    assert_eq!(json["database_only"][0]["name"], "public.model_access.hotfix");
    assert_eq!(json["files_only"][0]["kind"], "index");
    assert_eq!(json["different"][0]["kind"], "policy");
    let (code, out, _) = schemagen(root, &["check", "--db", &url, "--format", "markdown"]);
    assert_eq!(code, 2);
    assert!(out.contains("### In the database only\n\n- `column public.model_access.hotfix`"), "{out}");
}

/// Constants the server prints its own way (an interval, a jsonpath) are no drift: each is
/// read as that server prints it; nor are the cast it adds to `current_date` and the type
/// modifiers it drops from a function's result columns. A changed value still is, and a hostile string of the
/// files is only ever a parameter of that reading.
#[test]
fn check_db_reads_the_files_constants_as_the_server_prints_them() {
    let work = tempfile::tempdir().unwrap();
    let migrations = work.path().join("supabase/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::create_dir_all(work.path().join("schema")).unwrap();
    let history = "create table public.t (id int primary key, created_at timestamptz, \
                     due interval default interval '24 hours', \
                     note text check (note <> 'x''); drop table public.t; --'), \
                     tags jsonb default '[]' check (jsonb_path_exists(tags, '$[*].name') or tags = '[]'));\n\
                   alter table public.t enable row level security;\n\
                   create policy recent on public.t for select using (created_at > now() - interval '36 hours');\n\
                   create view public.today as select id from public.t where created_at >= current_date;\n\
                   create function public.codes() returns table (code varchar(10), amount numeric(10, 2)) \
                     language sql as $$ select 'a'::varchar(10), 1.5::numeric(10, 2) $$;\n";
    std::fs::write(migrations.join("20250101000000_init.sql"), history).unwrap();
    let db = support::server().fresh_db();
    db.apply(history).unwrap();
    let url = db.conninfo();
    let (code, out, err) = schemagen(work.path(), &["check", "--db", &url]);
    assert_eq!(code, 0, "{out}{err}");
    db.apply(
        "alter table public.t alter column due set default interval '25 hours';
         alter table public.t drop constraint t_note_check, add constraint t_note_check check (note <> 'plain');",
    )
    .unwrap();
    let (code, out, err) = schemagen(work.path(), &["check", "--db", &url]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("column public.t.due (definition)"), "{out}");
    assert!(out.contains("constraint t_note_check on public.t (definition)"), "{out}");
    assert_eq!(db.query("select count(*) from public.t").unwrap().trim(), "0", "the table is still there");
}

/// `import --db` writes YAML whose diff against the database (`diff --db`) is empty, and
/// `diff --from URL --to YAML` agrees.
#[test]
fn import_db_pulls_yaml_that_diffs_empty_against_the_database() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let db = support::server().fresh_db();
    for f in support::sql_files(&root.join("supabase/migrations")) {
        db.apply(&std::fs::read_to_string(f).unwrap()).unwrap();
    }
    let work = tempfile::tempdir().unwrap();
    let url = db.conninfo();
    let (code, out, err) = schemagen(work.path(), &["import", "--db", &url, "--out", "schema"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = schemagen(work.path(), &["diff", "--db", &url, "--format", "summary"]);
    assert_eq!((code, out.as_str()), (0, "0 change(s)\n"), "{err}");
    let (code, out, err) = schemagen(work.path(), &["diff", "--from", &url, "--to", "schema", "--format", "summary"]);
    assert_eq!((code, out.as_str()), (0, "0 change(s)\n"), "{err}");
}

/// Databases that cannot be read (refused, no database in the URL, a role that may not log
/// in, one without CONNECT, TLS refused): exit 1, the server named, the password never,
/// nothing written.
#[test]
fn a_database_that_cannot_be_read_is_a_clear_error_without_the_password() {
    let server = support::server();
    let db = server.fresh_db();
    db.apply(&format!(
        "do $$ begin create role schemagen_nologin nologin; exception when duplicate_object then null; end $$;
         do $$ begin create role schemagen_noconnect login; exception when duplicate_object then null; end $$;
         revoke connect on database {} from public;",
        support::ident(&db.name)
    ))
    .unwrap();
    let sock = format!("host={} port={}", server.host, server.port);
    let cases = [
        ("postgresql://bob:s3cr3t-pw@127.0.0.1:1/postgres?connect_timeout=2", "bob@127.0.0.1:1/postgres", "refused"),
        ("postgresql://bob:s3cr3t-pw@127.0.0.1:1", "", "names no database"),
        (
            &format!("{sock} user=schemagen_nologin password=s3cr3t-pw dbname={}", db.name),
            "schemagen_nologin@",
            "not permitted to log in",
        ),
        (
            &format!("{sock} user=schemagen_noconnect password=s3cr3t-pw dbname={}", db.name),
            "schemagen_noconnect@",
            "permission denied for database",
        ),
        // The test server has no TLS: it refuses the handshake that sslmode=require asks for.
        (
            &format!("{sock} user=postgres password=s3cr3t-pw dbname={} sslmode=require", db.name),
            "postgres@",
            "server does not support TLS",
        ),
    ];
    let work = tempfile::tempdir().unwrap();
    for (url, host, cause) in cases {
        for args in [vec!["check", "--db", url], vec!["import", "--db", url, "--out", "out"], vec!["lint", "--db", url]]
        {
            let (code, out, err) = schemagen(work.path(), &args);
            assert_eq!(code, 1, "{args:?}: {out}{err}");
            assert!(err.contains(host) && err.contains(cause), "{args:?}: {err}");
            assert!(!err.contains("s3cr3t") && !out.contains("s3cr3t"), "{args:?}: {err}");
            assert!(!work.path().join("out").exists());
        }
    }
}

/// A wrong password: exit 1, the role and server named, the password not. The cluster of
/// scripts/pg.sh asks `schemagen_password` for one; a server that trusts it is skipped.
#[test]
fn a_wrong_password_is_refused_without_showing_it() {
    let server = support::server();
    let db = server.fresh_db();
    db.apply(
        "do $$ begin create role schemagen_password login password 'right-pw'; \
         exception when duplicate_object then null; end $$;",
    )
    .unwrap();
    let url = format!(
        "host={} port={} user=schemagen_password password=wr0ng-pw dbname={}",
        server.host, server.port, db.name
    );
    if schemagen::db::connect(&url).is_ok() {
        eprintln!(
            "skipped: this server trusts schemagen_password (a cluster started before scripts/pg.sh asked for one)"
        );
        return;
    }
    let work = tempfile::tempdir().unwrap();
    for args in [vec!["check", "--db", &url], vec!["import", "--db", &url, "--out", "out"], vec!["diff", "--db", &url]]
    {
        let (code, out, err) = schemagen(work.path(), &args);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert!(err.contains("schemagen_password@") && err.contains("password authentication failed"), "{err}");
        assert!(!err.contains("wr0ng") && !out.contains("wr0ng"), "{err}");
        assert!(!work.path().join("out").exists());
    }
}

/// A bare `--db` reads `SCHEMAGEN_DB_URL`, else `db_url` of schemagen.toml.
#[test]
fn a_bare_db_flag_reads_the_environment_then_the_config() {
    let db = support::server().fresh_db();
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir(work.path().join("migrations")).unwrap();
    std::fs::write(
        work.path().join("schemagen.toml"),
        "sql = [\"migrations\"]\ndb_url = \"postgresql://carol:s3cr3t-pw@127.0.0.1:1/from_config\"\n",
    )
    .unwrap();
    let (code, _, err) = schemagen(work.path(), &["check", "--db"]);
    assert_eq!(code, 1);
    assert!(err.contains("carol@127.0.0.1:1/from_config") && !err.contains("s3cr3t"), "{err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(["check", "--db"])
        .current_dir(work.path())
        .env(schemagen::source::spec::DB_URL_VAR, db.conninfo())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("/{} is what migrations build", db.name)), "{stdout}");
}

/// `diff --db` renders what differs from the YAML as written: a cast the compared form
/// leaves out (`amount::numeric`) is in the SQL it writes, a CHECK the database already has
/// in the server's spelling is no change, and the SQL applied leaves nothing to diff.
#[test]
fn diff_db_writes_the_yaml_as_written_not_the_compared_form() {
    let db = support::server().fresh_db();
    db.apply(
        "create table public.t (id integer primary key, amount text, status text not null default 'open' \
         check (status in ('open', 'closed')));",
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(work.path().join("schema")).unwrap();
    std::fs::write(
        work.path().join("schema/t.yaml"),
        "table: t\ncolumns:\n  id: integer primary key\n  amount: text check (amount::numeric > 0)\n  \
         status: text not null default 'open' check (status in ('open', 'closed'))\n",
    )
    .unwrap();
    let url = db.conninfo();
    let (code, sql, err) = schemagen(work.path(), &["diff", "--db", &url]);
    assert_eq!(code, 2, "{sql}{err}");
    assert!(sql.contains("::numeric"), "the cast is gone from:\n{sql}");
    assert!(!sql.contains("status"), "a CHECK spelled the server's way is a change in:\n{sql}");
    db.apply(&sql).unwrap();
    db.apply("insert into public.t (id, amount) values (1, '2.5')").unwrap();
    assert!(db.apply("insert into public.t (id, amount) values (2, '-1')").is_err());
    let (code, out, err) = schemagen(work.path(), &["diff", "--db", &url, "--format", "summary"]);
    assert_eq!((code, out.as_str()), (0, "0 change(s)\n"), "{err}");
}

/// Keys PostgreSQL builds one index for (`UNIQUE PRIMARY KEY`, a UNIQUE written twice) are
/// one constraint in the model too, under the name the server gives it.
#[test]
fn alike_keys_of_a_create_table_are_one_constraint_as_on_postgresql() {
    let sql = "create table public.k (id uuid unique primary key, a int unique, b int, unique (b), \
         constraint b_named unique (b), c int, constraint c_named unique (c), unique (c), \
         d int, unique nulls not distinct (d), unique (d));\n";
    let (_dir, file) = checked_history(sql);
    let db = support::server().fresh_db();
    db.apply(sql).unwrap();
    let on_server = db
        .query(
            "select string_agg(conname, ',' order by conname) from pg_constraint where conrelid = 'public.k'::regclass",
        )
        .unwrap();
    let (model, _) = schemagen::load_current(&[file]).unwrap();
    let mut names: Vec<String> = model.tables[&schemagen::model::QualifiedName::new("public", "k")]
        .constraints
        .iter()
        .map(|c| c.name.clone())
        .collect();
    names.sort();
    assert_eq!(names.join(","), on_server.trim());
}

/// What no fixture holds: options of the platform's publication a history changed, a
/// publication of all tables, REPLICA IDENTITY NOTHING, a composite type outside `public`
/// and a view reading a function under an alias that renames its columns.
#[test]
fn platform_publication_options_and_renamed_function_columns_read_back() {
    let sql = "create schema billing;
         create type billing.amount as (value numeric(12, 2), currency text collate \"C\");
         create table public.ledger (id bigint primary key, amount billing.amount);
         alter table public.ledger replica identity nothing;
         alter publication supabase_realtime set (publish = 'insert', publish_via_partition_root = true);
         alter publication supabase_realtime add table public.ledger (id);
         create publication everything for all tables with (publish = 'delete');
         create function public.ids() returns table (id bigint, note text) language sql
           as 'select id, null::text from public.ledger';
         create view public.renamed as select n, t from public.ids() ids(n, t);";
    let _history = checked_history(sql);
    let db = support::server().fresh_db();
    db.apply(sql).unwrap();
    let mut conn = schemagen::db::connect(&db.conninfo()).unwrap();
    let (from_db, _) = live::load(&mut conn).unwrap();
    assert_eq!(from_db.publications["supabase_realtime"].publish, ["insert"]);
    assert!(from_db.publications["supabase_realtime"].via_root);
    assert!(from_db.publications["everything"].all_tables);
    let amount = &from_db.composites[&schemagen::model::QualifiedName::new("billing", "amount")];
    assert_eq!(amount.attributes[1].collation.as_deref(), Some("C"));
}

/// `sql` as a one-file history, checked to read back from a database as itself.
fn checked_history(sql: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("20240101000000_init.sql");
    std::fs::write(&file, sql).unwrap();
    check(support::server().fresh_db(), std::slice::from_ref(&file)).unwrap();
    (dir, file)
}

/// The other half of drift: the bundled example's migrations applied by `schemagen apply`
/// (with the Supabase CLI's history table, which is not the project's) leave nothing for
/// `check --db` to report.
#[test]
fn check_db_reports_no_drift_after_apply() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let db = support::server().fresh_db();
    let url = db.conninfo();
    let (code, out, err) = schemagen(root, &["apply", "--db", &url]);
    assert_eq!(code, 0, "{out}{err}");
    let applied = db.query("select count(*) from supabase_migrations.schema_migrations").unwrap();
    assert_eq!(applied.trim(), support::sql_files(&root.join("supabase/migrations")).len().to_string());
    let (code, out, err) = schemagen(root, &["check", "--db", &url]);
    assert_eq!(code, 0, "{out}{err}");
    db.apply("alter table public.model_access add column hotfix text;").unwrap();
    let (code, out, _) = schemagen(root, &["check", "--db", &url]);
    assert_eq!(code, 2, "{out}");
}
