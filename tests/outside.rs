//! Statements outside the model against the plan (`src/outside.rs`): `diff`, `check` and
//! `generate` refuse those that touch what the plan changes, or whose effect cannot be told,
//! until `[[outside]]` in `schemagen.toml` acknowledges them; the others are only reported.

use std::path::Path;
use std::process::{Command, Output};

fn schemagen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schemagen")).current_dir(dir).args(args).output().expect("run schemagen")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A project with one YAML file and one migration, and the config when given.
fn project(yaml: &str, sql: &str, config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("schema")).unwrap();
    std::fs::create_dir_all(dir.path().join("supabase/migrations")).unwrap();
    std::fs::write(dir.path().join("schema/users.yaml"), yaml).unwrap();
    std::fs::write(dir.path().join("supabase/migrations/20240101000000_init.sql"), sql).unwrap();
    if let Some(config) = config {
        std::fs::write(dir.path().join("schemagen.toml"), config).unwrap();
    }
    dir
}

const USERS: &str = "table: users\ncolumns:\n  id: uuid primary key\n  email: text not null\n";
const USERS_NAMED: &str = "table: users\ncolumns:\n  id: uuid primary key\n  email: text not null\n  name: text\n";
const CLUSTERED: &str = "create table users (id uuid primary key, email text not null);\n\
                         alter table users cluster on users_pkey;\n";

/// The fingerprint a refusal prints for the statement it refuses.
fn fingerprint(err: &str) -> String {
    err.split("fingerprint = \"").nth(1).and_then(|rest| rest.split('"').next()).expect(err).to_string()
}

/// Every file under `dir`, to tell that a refusal wrote nothing.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_dir() {
            out.extend(files(&entry.path()));
        } else {
            out.push(entry.path().display().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn a_statement_on_a_table_the_plan_changes_stops_diff_check_and_generate() {
    let p = project(USERS_NAMED, CLUSTERED, None);
    let before = files(p.path());
    for args in [&["diff"][..], &["check"], &["generate", "--name", "x"], &["diff", "--rollback"]] {
        let o = schemagen(p.path(), args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("ALTER TABLE (other) is outside the model and the plan changes public.users"), "{err}");
        assert!(err.contains("--> supabase/migrations/20240101000000_init.sql:2:1"), "{err}");
        assert!(err.contains("[[outside]]"), "{err}");
        assert!(o.stdout.is_empty(), "{args:?}: nothing of the plan is shown");
    }
    assert_eq!(files(p.path()), before, "generate wrote nothing");
}

#[test]
fn a_statement_on_what_the_plan_leaves_alone_is_only_reported() {
    let sql = format!("{CLUSTERED}create table logs (id int primary key);\nalter table logs cluster on logs_pkey;\n");
    let p = project(USERS, &sql, None);
    std::fs::write(
        p.path().join("schema/logs.yaml"),
        "table: logs\ncolumns:\n  id: int primary key\n  at: timestamptz\n",
    )
    .unwrap();
    let o = schemagen(p.path(), &["diff"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("plan changes public.logs"), "{err}");
    assert!(!err.contains("plan changes public.users"), "users is not in the plan: {err}");
    // Nothing to change: every statement outside the model is a note.
    let p = project(USERS, CLUSTERED, None);
    let o = schemagen(p.path(), &["check"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("note: 1 statement(s) of the SQL are outside the model"), "{err}");
}

#[test]
fn a_do_block_stops_any_plan_and_no_plan() {
    let sql = "create table users (id uuid primary key, email text not null);\n\
               do $$ begin execute 'create table t' || 'x (id int)'; end $$;\n";
    let o = schemagen(project(USERS_NAMED, sql, None).path(), &["diff"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("DO is outside the model and what it changes cannot be told"), "{}", stderr(&o));
    let o = schemagen(project(USERS, sql, None).path(), &["diff"]);
    assert_eq!(o.status.code(), Some(0), "an empty plan is right whatever the block did: {}", stderr(&o));
    // A block that only reads and writes rows is data, as an UPDATE is: neither refused nor listed.
    let rows = "create table users (id uuid primary key, email text not null);\n\
                do $$ begin if exists (select 1 from users) then update users set email = lower(email); end if; end $$;\n";
    let o = schemagen(project(USERS_NAMED, rows, None).path(), &["diff"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("DO"), "{}", stderr(&o));
}

#[test]
fn an_acknowledged_statement_lets_the_plan_through_until_it_changes() {
    let refused = stderr(&schemagen(project(USERS_NAMED, CLUSTERED, None).path(), &["diff"]));
    let print = fingerprint(&refused);
    let by_print = format!("[[outside]]\nfingerprint = \"{print}\"\nreason = \"clustering only\"\n");
    let o = schemagen(project(USERS_NAMED, CLUSTERED, Some(&by_print)).path(), &["generate", "--name", "x"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Whitespace, comments and the case of keywords are the same statement.
    let reformatted = CLUSTERED.replace("alter table users cluster", "-- kept in order\nALTER TABLE  users\n  CLUSTER");
    let o = schemagen(project(USERS_NAMED, &reformatted, Some(&by_print)).path(), &["diff"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Another index is another statement, to be checked again.
    let edited = CLUSTERED
        .replace("users_pkey", "users_email_idx")
        .replace("alter table", "create index users_email_idx on users (email);\nalter table");
    let o = schemagen(project(USERS_NAMED, &edited, Some(&by_print)).path(), &["diff"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_ne!(fingerprint(&stderr(&o)), print);
    // By file and kind: every such statement of the file.
    let by_kind = "[[outside]]\nfile = \"20240101000000_init.sql\"\nkind = \"alter table (other)\"\n";
    let o = schemagen(project(USERS_NAMED, &edited, Some(by_kind)).path(), &["check"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let other_file = "[[outside]]\nfile = \"20240202000000_later.sql\"\nkind = \"ALTER TABLE (other)\"\n";
    let o = schemagen(project(USERS_NAMED, &edited, Some(other_file)).path(), &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn statements_about_roles_and_the_database_are_listed_but_never_stop_a_plan() {
    let sql = "create table users (id uuid primary key, email text not null);\n\
               create role reporting nologin;\n\
               alter role authenticated set statement_timeout = '8s';\n\
               grant reporting to authenticated;\n\
               alter database postgres set timezone to 'UTC';\n";
    let p = project(USERS_NAMED, sql, None);
    let o = schemagen(p.path(), &["diff"]);
    let err = stderr(&o);
    // A change to plan, and exit 2 (changes), not 1: none of the four is refused.
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("ADD COLUMN name"), "{err}");
    assert!(!err.contains("error:"), "{err}");
    for line in [2, 3, 4, 5] {
        assert!(err.contains(&format!("20240101000000_init.sql:{line}:1")), "line {line} not listed: {err}");
    }
}

#[test]
fn an_entry_that_matches_no_statement_any_more_is_warned_about() {
    // The statement the entry was written for is gone; another one is acknowledged.
    let config = "[[outside]]\nfingerprint = \"0123456789abcdef\"\nreason = \"a CLUSTER since removed\"\n\n\
                  [[outside]]\nfile = \"20240101000000_init.sql\"\nkind = \"alter table (other)\"\n";
    let p = project(USERS_NAMED, CLUSTERED, Some(config));
    let o = schemagen(p.path(), &["diff"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the [[outside]] entry fingerprint = \"0123456789abcdef\" matches no statement"), "{err}");
    assert!(!err.contains("entry file ="), "the matching entry is not warned about: {err}");
}

/// What `supabase db dump` writes around every project (the comment of `public`, a grant
/// per role on each serial sequence that repeats the platform's defaults) changes nothing,
/// so it is not outside the model; a grant that does change such a sequence is.
#[test]
fn a_dumps_boilerplate_is_not_outside_the_model_but_a_real_change_of_a_serial_sequence_is() {
    const DUMP: &str = "COMMENT ON SCHEMA public IS 'standard public schema';\n\
                        create table users (id uuid primary key, email text not null, n serial);\n\
                        GRANT ALL ON SEQUENCE public.users_n_seq TO anon;\n\
                        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO authenticated;\n";
    let yaml = format!("{USERS_NAMED}  n: serial\n");
    let p = project(&yaml, DUMP, None);
    let o = schemagen(p.path(), &["diff"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("outside the model"), "{}", stderr(&o));

    let revoked =
        format!("{DUMP}REVOKE ALL ON SEQUENCE public.users_n_seq FROM anon;\nCOMMENT ON SCHEMA public IS 'ours';\n");
    let p = project(&yaml, &revoked, None);
    let err = stderr(&schemagen(p.path(), &["diff"]));
    assert!(err.contains("init.sql:5:1: GRANT (sequence of a serial or identity column)"), "{err}");
    assert!(err.contains("init.sql:6:1: COMMENT (other)"), "{err}");
}

/// Statements about rows and positions (a refresh, a truncate, a sequence restarted) are
/// not about the schema; an option of a serial column's sequence is, and the model does not
/// hold it.
#[test]
fn data_statements_are_not_outside_but_a_serial_sequences_options_are() {
    const HISTORY: &str = "create table users (id uuid primary key, email text not null, n serial);\n\
                           create materialized view counts as select count(*) from users;\n\
                           refresh materialized view counts;\n\
                           truncate users;\n\
                           alter sequence users_n_seq restart with 100;\n";
    let yaml = format!("{USERS_NAMED}  n: serial\n");
    let views = "view: counts\nmaterialized: true\nquery: select count(*) from users\n";
    let p = project(&yaml, HISTORY, None);
    std::fs::write(p.path().join("schema/counts.yaml"), views).unwrap();
    let o = schemagen(p.path(), &["diff"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("outside the model"), "{}", stderr(&o));

    let p = project(&yaml, &format!("{HISTORY}alter sequence users_n_seq increment by 5;\n"), None);
    std::fs::write(p.path().join("schema/counts.yaml"), views).unwrap();
    let err = stderr(&schemagen(p.path(), &["diff"]));
    assert!(err.contains("init.sql:6:1: ALTER SEQUENCE (of a serial or identity column)"), "{err}");
}

/// DISABLE TRIGGER ALL leaves the foreign keys' triggers of `users` off, which the model
/// does not hold: a plan that changes `users` is refused, until ENABLE TRIGGER ALL puts them
/// back.
#[test]
fn disable_trigger_all_over_foreign_keys_is_refused_until_enabled_again() {
    let history = "create table users (id uuid primary key, email text not null);\n\
                   create table notes (id uuid primary key, author uuid references users);\n";
    let notes = "table: notes\ncolumns:\n  id: uuid primary key\n  author: uuid references public.users(id)\n";
    let run = |tail: &str| {
        let p = project(USERS_NAMED, &format!("{history}{tail}"), None);
        std::fs::write(p.path().join("schema/notes.yaml"), notes).unwrap();
        schemagen(p.path(), &["diff"])
    };
    let o = run("alter table users disable trigger all;\n");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ALTER TABLE … DISABLE TRIGGER ALL (foreign key triggers) is outside the model"),
        "{}",
        stderr(&o)
    );
    let o = run("alter table users disable trigger all;\nalter table users enable trigger all;\n");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

/// A grant option is outside the model, its privileges are not: a GRANT … WITH GRANT
/// OPTION is listed (and stops a plan that changes the table's privileges), and REVOKE
/// GRANT OPTION FOR keeps the privileges it leaves on the server.
#[test]
fn a_grant_option_is_outside_the_model_but_its_privileges_are_in_it() {
    let granted = "create table users (id uuid primary key, email text not null);\n\
                   revoke all on users from authenticated;\n\
                   grant select on users to authenticated with grant option;\n";
    let p = project(USERS, granted, None);
    let o = schemagen(p.path(), &["check"]);
    let err = stderr(&o);
    assert!(err.contains("GRANT … WITH GRANT OPTION"), "{err}");
    let revoked = format!("{granted}revoke grant option for select on users from authenticated;\n");
    let o = schemagen(p.path(), &["import", "--out", "imported", "supabase/migrations"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::write(p.path().join("supabase/migrations/20240101000000_init.sql"), revoked).unwrap();
    let o = schemagen(p.path(), &["import", "--out", "again", "supabase/migrations"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let yaml = std::fs::read_to_string(p.path().join("again/users.yaml")).unwrap();
    assert!(yaml.contains("authenticated: [select]") || yaml.contains("authenticated: select"), "{yaml}");
}
