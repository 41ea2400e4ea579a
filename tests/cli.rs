//! The command line as users run it: exit codes, files written (or not), bad input.

use std::path::Path;
use std::process::{Command, Output};

fn schemagen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schemagen")).current_dir(dir).args(args).output().expect("run schemagen")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// A project with `schema/*.yaml` and `supabase/migrations/*.sql`.
fn project(yaml: &[(&str, &str)], sql: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("schema")).unwrap();
    std::fs::create_dir_all(dir.path().join("supabase/migrations")).unwrap();
    for (name, text) in yaml {
        std::fs::write(dir.path().join("schema").join(name), text).unwrap();
    }
    for (name, text) in sql {
        std::fs::write(dir.path().join("supabase/migrations").join(name), text).unwrap();
    }
    dir
}

const USERS: &str = "table: users\ncolumns:\n  id: uuid primary key\n  email: text not null unique\n";

#[test]
fn diff_exit_codes_say_whether_there_are_changes() {
    let p = project(&[("users.yaml", USERS)], &[]);
    let o = schemagen(p.path(), &["diff"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).contains("CREATE TABLE public.users"));

    let p = project(
        &[("users.yaml", USERS)],
        &[("1_init.sql", "create table users (id uuid primary key, email text not null unique);")],
    );
    let o = schemagen(p.path(), &["diff"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("No changes"));
}

#[test]
fn rollback_and_formats() {
    let p = project(&[("users.yaml", USERS)], &[]);
    let o = schemagen(p.path(), &["diff", "--rollback"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("DROP TABLE public.users;"), "{}", stdout(&o));
    let o = schemagen(p.path(), &["diff", "--format", "summary"]);
    assert!(stdout(&o).contains("+ table public.users"), "{}", stdout(&o));
    let o = schemagen(p.path(), &["diff", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(doc["changes"][0]["change"], "+ table public.users");
    assert!(doc["statements"][0].as_str().unwrap().starts_with("CREATE TABLE"));
}

#[test]
fn generate_writes_migration_and_rollback_and_never_overwrites() {
    let p =
        project(&[("users.yaml", USERS)], &[("20240101000000_init.sql", "create table users (id uuid primary key);")]);
    // The table is empty here: the required column needs no backfill.
    std::fs::write(p.path().join("schemagen.toml"), "[lint]\nadding_required_field = \"warn\"\n").unwrap();
    let args = ["generate", "--name", "add_email", "--timestamp", "20250101000000"];
    let o = schemagen(p.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let up = p.path().join("supabase/migrations/20250101000000_add_email.sql");
    let down = p.path().join("supabase/rollbacks/20250101000000_add_email.down.sql");
    let up_text = std::fs::read_to_string(&up).expect("migration written");
    assert!(up_text.contains("ADD COLUMN email text NOT NULL"), "{up_text}");
    assert!(std::fs::read_to_string(&down).unwrap().contains("DROP COLUMN email"));

    // The new migration is now part of the current schema: nothing more to do.
    let o = schemagen(p.path(), &["diff"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // Same name and time again: refused, nothing touched.
    std::fs::remove_file(p.path().join("supabase/migrations/20240101000000_init.sql")).unwrap();
    std::fs::write(&up, "-- mine\n").unwrap();
    let o = schemagen(p.path(), &args);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&up).unwrap(), "-- mine\n");
}

/// A link at the name of a file `generate` writes, or at the name of its temporary file as it
/// once was, is neither followed nor replaced: a file outside the project stays as it is.
#[test]
fn generate_never_follows_or_replaces_a_symbolic_link() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("precious");
    // Out of the migrations folder, which is read before anything is written.
    let args =
        ["generate", "--name", "init", "--timestamp", "20250101000000", "--out", "out", "--rollback-dir", "down"];
    let migration = "out/20250101000000_init.sql";

    // At the migration's own name, pointing where nothing is yet.
    let p = project(&[("users.yaml", USERS)], &[]);
    std::fs::create_dir(p.path().join("out")).unwrap();
    std::os::unix::fs::symlink(&target, p.path().join(migration)).unwrap();
    let o = schemagen(p.path(), &args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(p.path().join(migration)).unwrap().file_type().is_symlink());
    assert!(!target.exists(), "the link was followed");
    let left: Vec<_> = std::fs::read_dir(p.path().join("out")).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "only the link is left: {left:?}");
    assert!(!p.path().join("down").exists());

    // At the temporary name earlier versions wrote through.
    std::fs::write(&target, "mine\n").unwrap();
    let p = project(&[("users.yaml", USERS)], &[]);
    std::fs::create_dir(p.path().join("out")).unwrap();
    std::os::unix::fs::symlink(&target, p.path().join("out/.20250101000000_init.sql.tmp")).unwrap();
    let o = schemagen(p.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine\n");
    assert!(std::fs::read_to_string(p.path().join(migration)).unwrap().contains("CREATE TABLE public.users"));
}

/// `schemagen diff` in `dir`, killed if it runs for more than ten seconds (None then).
fn schemagen_within_seconds(dir: &Path) -> Option<Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(dir)
        .arg("diff")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run schemagen");
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(10) {
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Some(child.wait_with_output().unwrap())
}

/// A named pipe would block the read for ever, `/dev/zero` would fill memory, a huge file
/// would too: each is refused at once, by name.
#[test]
fn only_regular_files_of_a_bounded_size_are_read() {
    let p = project(&[("users.yaml", USERS)], &[]);
    let fifo = p.path().join("supabase/migrations/x.sql");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let o = schemagen_within_seconds(p.path()).expect("a named pipe hangs schemagen");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("x.sql is a named pipe, not a regular file"), "{}", stderr(&o));

    let p = project(&[("users.yaml", USERS)], &[]);
    std::os::unix::fs::symlink("/dev/zero", p.path().join("schema/zero.yaml")).unwrap();
    let o = schemagen_within_seconds(p.path()).expect("/dev/zero is read for ever");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("zero.yaml is a device, not a regular file"), "{}", stderr(&o));

    let p = project(&[("users.yaml", USERS)], &[]);
    let huge = std::fs::File::create(p.path().join("supabase/migrations/1_dump.sql")).unwrap();
    huge.set_len(schemagen::source::MAX_FILE_SIZE + 1).unwrap();
    let o = schemagen_within_seconds(p.path()).expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1_dump.sql is larger than 64 MiB"), "{}", stderr(&o));
}

/// A link back up the tree is said to be one, not reported as every table "declared twice".
#[test]
fn a_symbolic_link_loop_is_named() {
    let p = project(&[("users.yaml", USERS)], &[]);
    std::fs::create_dir(p.path().join("schema/more")).unwrap();
    std::os::unix::fs::symlink("..", p.path().join("schema/more/up")).unwrap();
    let o = schemagen(p.path(), &["diff"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("schema/more/up is schema, reached a second time through a symbolic link"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("declared twice"), "{}", stderr(&o));
}

/// Some Windows editors start a UTF-8 file with a byte order mark.
#[test]
fn a_byte_order_mark_is_read_past() {
    let p = project(
        &[("users.yaml", &format!("\u{feff}{USERS}"))],
        &[("1_init.sql", "\u{feff}create table users (id uuid);")],
    );
    let o = schemagen(p.path(), &["diff"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).contains("ADD COLUMN email text NOT NULL"), "{}", stdout(&o));
}

#[test]
fn generate_is_byte_for_byte_reproducible() {
    let mut outputs = Vec::new();
    for _ in 0..2 {
        let p = project(
            &[
                ("users.yaml", USERS),
                (
                    "posts.yaml",
                    "table: posts\ncolumns:\n  id: bigint generated always as identity primary key\n  author: uuid references users on delete cascade\n  body: text check (length(body) > 0)\nindexes:\n  posts_author_idx: author\n",
                ),
            ],
            &[],
        );
        let o = schemagen(
            p.path(),
            &["generate", "--name", "init", "--timestamp", "20250101000000", "--out", "out", "--rollback-dir", "down"],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        outputs.push((
            std::fs::read(p.path().join("out/20250101000000_init.sql")).unwrap(),
            std::fs::read(p.path().join("down/20250101000000_init.down.sql")).unwrap(),
        ));
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn templates_can_be_overridden() {
    let p = project(&[("users.yaml", USERS)], &[]);
    std::fs::create_dir_all(p.path().join("mytemplates")).unwrap();
    std::fs::write(p.path().join("mytemplates/drop_table.sql.j2"), "DROP TABLE IF EXISTS {{ table }} CASCADE;\n")
        .unwrap();
    let o = schemagen(p.path(), &["diff", "--rollback", "--templates", "mytemplates"]);
    assert!(stdout(&o).contains("DROP TABLE IF EXISTS public.users CASCADE;"), "{}", stdout(&o));
}

#[test]
fn config_file_sets_the_defaults() {
    let p = project(&[], &[]);
    std::fs::create_dir_all(p.path().join("db/tables")).unwrap();
    std::fs::write(p.path().join("db/tables/users.yaml"), USERS).unwrap();
    std::fs::write(p.path().join("schemagen.toml"), "schema = \"db/tables\"\nsql = [\"db/sql\"]\n").unwrap();
    std::fs::create_dir_all(p.path().join("db/sql")).unwrap();
    std::fs::write(
        p.path().join("db/sql/1.sql"),
        "create table users (id uuid primary key, email text not null unique);",
    )
    .unwrap();
    let o = schemagen(p.path(), &["diff"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

/// Each bad input: exit 1, a message with file:line:column and a hint, nothing written.
fn assert_rejected(yaml: &[(&str, &str)], sql: &[(&str, &str)], location: &str, message: &str) {
    let p = project(yaml, sql);
    let o = schemagen(p.path(), &["generate", "--name", "x", "--timestamp", "20250101000000", "--out", "out"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "expected an error for {location}:\n{err}{}", stdout(&o));
    assert!(err.contains(location), "no location {location} in:\n{err}");
    assert!(err.contains(message), "no `{message}` in:\n{err}");
    assert!(err.contains("help: "), "no hint in:\n{err}");
    assert!(!p.path().join("out").exists(), "something was written");
}

#[test]
fn malformed_yaml() {
    assert_rejected(
        &[("users.yaml", "table: users\ncolumns:\n  id: uuid\n   email: text\n")],
        &[],
        "schema/users.yaml:4:",
        "malformed YAML",
    );
}

#[test]
fn unknown_key() {
    assert_rejected(
        &[("users.yaml", "table: users\ncolumns:\n  id:\n    type: uuid\n    not_nul: true\n")],
        &[],
        "schema/users.yaml:5:5",
        "unknown key `not_nul`",
    );
    assert_rejected(
        &[("users.yaml", "table: users\ncolumn:\n  id: uuid\n")],
        &[],
        "schema/users.yaml:2:1",
        "unknown key `column`",
    );
}

#[test]
fn unknown_type() {
    assert_rejected(
        &[("users.yaml", "table: users\ncolumns:\n  id: uuid\n  name: strng not null\n")],
        &[],
        "schema/users.yaml:4:3",
        "unknown type `strng`",
    );
}

#[test]
fn foreign_key_to_a_missing_table_or_column() {
    assert_rejected(
        &[
            ("posts.yaml", "table: posts\ncolumns:\n  id: uuid primary key\n  author: uuid references userz(id)\n"),
            ("users.yaml", USERS),
        ],
        &[],
        "schema/posts.yaml:4:11",
        "references public.userz, which is not declared",
    );
    assert_rejected(
        &[
            (
                "posts.yaml",
                "table: posts\ncolumns:\n  id: uuid primary key\n  author: uuid\nforeign_keys:\n  - columns: [author]\n    references: users(uid)\n",
            ),
            ("users.yaml", USERS),
        ],
        &[],
        "schema/posts.yaml:7:17",
        "column `uid` of public.users",
    );
}

#[test]
fn duplicate_column_and_table() {
    assert_rejected(
        &[("users.yaml", "table: users\ncolumns:\n  id: uuid\n  id: text\n")],
        &[],
        "schema/users.yaml:4:3",
        "duplicate key `id`",
    );
    assert_rejected(&[("a.yaml", USERS), ("b.yaml", USERS)], &[], "schema/b.yaml:1:8", "declared twice");
}

#[test]
fn sql_that_does_not_parse() {
    assert_rejected(
        &[("users.yaml", USERS)],
        &[("1_init.sql", "create table users (id uuid primary key);\n\ncreate tabel posts (id int);\n")],
        "supabase/migrations/1_init.sql:3:8",
        "SQL does not parse",
    );
    assert_rejected(
        &[("users.yaml", "table: users\ncolumns:\n  id: uuid\n  n: int check (n >)\n")],
        &[],
        "schema/users.yaml:4:6",
        "SQL does not parse",
    );
    // An unterminated last statement is read (and refused) too, pointing at its end.
    assert_rejected(
        &[("users.yaml", USERS)],
        &[("1_init.sql", "create table users (id uuid primary key);\ncreate table posts (id int\n")],
        "supabase/migrations/1_init.sql:2:26",
        "at end of input",
    );
}

#[test]
fn check_says_whether_a_migration_is_missing() {
    let p = project(
        &[("users.yaml", USERS)],
        &[("1_init.sql", "create table users (id uuid primary key, email text not null unique);")],
    );
    let o = schemagen(p.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));

    let p = project(&[("users.yaml", USERS)], &[("1_init.sql", "create table users (id uuid primary key);")]);
    let o = schemagen(p.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("+ column public.users.email"), "{}", stdout(&o));
    assert!(stdout(&o).contains("ADD COLUMN email text NOT NULL"), "it prints what the migration would contain");

    let p = project(&[("users.yaml", USERS)], &[("1_init.sql", "create tabel users ();")]);
    let o = schemagen(p.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("1_init.sql:1:8"), "{}", stderr(&o));
}

#[test]
fn check_fails_when_a_committed_generated_file_no_longer_matches() {
    let yaml = "table: users\ncolumns:\n  id: uuid primary key\n  email: text unique\n";
    let p =
        project(&[("users.yaml", yaml)], &[("20240101000000_init.sql", "create table users (id uuid primary key);")]);
    let o = schemagen(p.path(), &["generate", "--name", "add_email", "--timestamp", "20250101000000"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // An edit that keeps the schema the same: the folder still reaches the YAML, but the
    // file is no longer what generate writes.
    let up = p.path().join("supabase/migrations/20250101000000_add_email.sql");
    let text = std::fs::read_to_string(&up).unwrap();
    let report = check_finds_an_edit(p.path(), &up, "ADD COLUMN email text;", "ADD COLUMN email text;\nSELECT 1;");
    assert!(report.contains("20250101000000_add_email.sql:"), "{report}");
    assert!(report.contains("committed: SELECT 1;"), "{report}");
    std::fs::write(&up, &text).unwrap();

    // A stale rollback counts too.
    let down = p.path().join("supabase/rollbacks/20250101000000_add_email.down.sql");
    std::fs::write(&down, "-- emptied by hand\n").unwrap();
    let o = schemagen(p.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("add_email.down.sql:1: differs"), "{}", stdout(&o));
}

#[test]
fn new_table_refuses_to_overwrite_and_checks_the_workspace() {
    let p = project(&[("users.yaml", USERS)], &[]);
    let o = schemagen(p.path(), &["new", "table", "users"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already declared"), "{}", stderr(&o));
    let o = schemagen(p.path(), &["new", "table", "docs", "--workspace", "teams"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("workspace table teams is not declared"), "{}", stderr(&o));
    assert!(!p.path().join("schema/docs.yaml").exists());
    let o = schemagen(p.path(), &["new", "table", "docs"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // What it wrote loads, and a migration for it is now missing.
    let o = schemagen(p.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// The hook definition pre-commit reads, and the README's snippet that points at it.
#[test]
fn pre_commit_hook_is_defined_and_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hooks = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    let node =
        marked_yaml::parse_yaml_with_options(0, &hooks, marked_yaml::LoaderOptions::default().toplevel_sequence())
            .expect("valid YAML");
    let hook = node.as_sequence().and_then(|s| s.get_mapping(0)).expect("a list of hooks");
    for key in ["id", "name", "entry", "language"] {
        assert!(hook.get_scalar(key).is_some(), "hook lacks `{key}`");
    }
    let id = hook.get_scalar("id").unwrap().as_str().to_string();
    assert_eq!(hook.get_scalar("entry").unwrap().as_str(), "schemagen check");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains(&format!("- id: {id}")), "the README's pre-commit snippet names the hook");
}

#[test]
fn graph_shows_dependencies_found_in_the_sql() {
    let posts = "table: posts\ncolumns:\n  id: uuid primary key\n  author: uuid references users on delete cascade\n  n: int default next_n()\nrls: true\npolicies:\n  mine:\n    using: author = auth.uid() and exists (select 1 from public.users u where u.id = author)\ntriggers:\n  touch:\n    timing: before\n    events: [update]\n    function: public.touch\n";
    let touch = "function: public.touch\nreturns: trigger\nlanguage: plpgsql\nbody: |\n  BEGIN RETURN NEW; END;\n";
    let next_n = "function: public.next_n\nreturns: integer\nbody: select count(*)::int from public.users\n";
    let plain = "function: public.audit\nreturns: trigger\nlanguage: plpgsql\nbody: |\n  BEGIN\n    UPDATE public.posts SET n = 1 WHERE id = NEW.id;\n    RETURN NEW;\n  END;\n";
    let declared = "function: public.count_users\nreturns: integer\nlanguage: plpgsql\nbody: |\n  DECLARE n integer;\n  BEGIN\n    SELECT count(*) INTO n FROM public.users;\n    RETURN n;\n  END;\n";
    let files = [
        ("users.yaml", USERS),
        ("posts.yaml", posts),
        ("touch.yaml", touch),
        ("next_n.yaml", next_n),
        ("audit.yaml", plain),
        ("count_users.yaml", declared),
    ];
    let p = project(&files, &[]);
    let o = schemagen(p.path(), &["graph", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let deps = |id: &str| -> Vec<String> {
        doc["objects"][id]
            .as_array()
            .unwrap_or_else(|| panic!("no {id} in {doc}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(deps("table public.posts"), ["function public.next_n()", "table public.users"]);
    assert_eq!(deps("policy mine on public.posts"), ["table public.posts", "table public.users"]);
    assert_eq!(deps("trigger touch on public.posts"), ["function public.touch()", "table public.posts"]);
    assert_eq!(deps("function public.next_n()"), ["table public.users"]);
    // PL/pgSQL bodies: through PL/pgSQL's parser, or the scanner where it cannot read them.
    assert_eq!(deps("function public.audit()"), ["table public.posts"]);
    assert_eq!(deps("function public.count_users()"), ["table public.users"]);

    let o = schemagen(p.path(), &["graph", "--format", "dot", "--object", "public.touch"]);
    let dot = stdout(&o);
    assert!(dot.contains("\"trigger touch on public.posts\" -> \"function public.touch()\""), "{dot}");
    assert!(!dot.contains("next_n"), "only what is around public.touch: {dot}");
    let o = schemagen(p.path(), &["graph", "--object", "nothing_here"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn import_report_lists_each_statement_outside_the_model_where_it_is() {
    let sql = "create table notes (id int primary key);\n\ninsert into notes values (1);\nnotify notes_changed;\n";
    let p = project(&[], &[("20240101000000_notes.sql", sql)]);
    let o = schemagen(p.path(), &["import", "--out", "imported", "supabase/migrations"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("--report lists each"), "{}", stdout(&o));
    let o = schemagen(p.path(), &["import", "--report", "--out", "again", "supabase/migrations"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("20240101000000_notes.sql:3:1: INSERT: insert into notes values (1);"), "{out}");
    assert!(out.contains("20240101000000_notes.sql:4:1: NOTIFY: notify notes_changed;"), "{out}");
    // What is outside the model changes nothing: the table is imported as written.
    let notes = std::fs::read_to_string(p.path().join("again/notes.yaml")).unwrap();
    assert_eq!(notes, "table: notes\ncolumns:\n  id: integer primary key\n");
}

#[test]
fn a_generated_migration_comes_after_the_latest_even_when_the_clock_does_not() {
    // A history dated in the future (a clock ahead, or versions chosen by hand): the new
    // file must still sort last, or the Supabase CLI refuses to apply it.
    let p =
        project(&[("users.yaml", USERS)], &[("29990101000000_init.sql", "create table users (id uuid primary key);")]);
    std::fs::write(p.path().join("schemagen.toml"), "[lint]\nadding_required_field = \"warn\"\n").unwrap();
    let o = schemagen(p.path(), &["generate", "--name", "add_email"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(p.path().join("supabase/migrations/29990101000001_add_email.sql").is_file(), "{}", stdout(&o));
}

#[test]
fn completions_offer_every_subcommand_and_load_in_bash() {
    let dir = tempfile::tempdir().unwrap();
    let o = schemagen(dir.path(), &["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let script = stdout(&o);
    for sub in ["diff", "generate", "import", "check", "graph", "lint", "verify", "schema-json", "completions"] {
        assert!(script.contains(sub), "{sub} missing from the bash completions");
    }
    let path = dir.path().join("schemagen.bash");
    std::fs::write(&path, &script).unwrap();
    let loaded = Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p schemagen", path.display()))
        .output()
        .expect("run bash");
    assert!(loaded.status.success(), "{}", String::from_utf8_lossy(&loaded.stderr));
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("schemagen"));
    let o = schemagen(dir.path(), &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(1), "an unknown shell is a usage error");
}

#[test]
fn init_starts_a_project_that_diffs_and_lints_clean_and_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let o = schemagen(dir.path(), &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("entry: schemagen check"), "{}", stdout(&o));
    let config = std::fs::read_to_string(dir.path().join("schemagen.toml")).unwrap();
    let o = schemagen(dir.path(), &["diff", "--format", "summary"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).contains("+ table public.notes"), "{}", stdout(&o));
    let o = schemagen(dir.path(), &["lint"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // A second init changes nothing.
    std::fs::write(dir.path().join("schemagen.toml"), "# mine\n").unwrap();
    let o = schemagen(dir.path(), &["init"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(dir.path().join("schemagen.toml")).unwrap(), "# mine\n");
    assert!(config.contains("schema = \"schema\""));
}

#[test]
fn every_subcommand_that_judges_says_its_exit_codes_in_help() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["diff", "generate", "import", "check", "graph", "lint", "verify"] {
        let o = schemagen(dir.path(), &[sub, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{sub}");
        assert!(stdout(&o).contains("Exit codes: 0 "), "{sub} --help lacks its exit codes");
    }
}

#[test]
fn colour_only_where_asked_and_never_with_no_color() {
    let p = project(&[("notes.yaml", "table: notes\ncolumns:\n  id: serial primary key\n")], &[]);
    let run = |env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_schemagen"));
        c.current_dir(p.path()).arg("lint").env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        format!("{}{}", stdout(&o), stderr(&o))
    };
    let plain = run(&[]);
    assert!(plain.contains("[rls_disabled_in_public]") && !plain.contains('\u{1b}'), "{plain}");
    assert!(run(&[("CLICOLOR_FORCE", "1")]).contains("\u{1b}["));
    assert_eq!(run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]), plain);
}

#[test]
fn quiet_hides_warnings_about_the_change_but_not_what_blocks_it() {
    let yaml = "table: notes\ncolumns:\n  id: bigint primary key\n  body: text\nindexes:\n  notes_body_idx: body\nlint:\n  rls_disabled_in_public: allow\n";
    let p = project(
        &[("notes.yaml", yaml)],
        &[("20240101000000_init.sql", "create table notes (id bigint primary key, body text, gone text);")],
    );
    let loud = schemagen(p.path(), &["diff"]);
    assert!(stderr(&loud).contains("warn[require_concurrent_index_creation]"), "{}", stderr(&loud));
    let quiet = schemagen(p.path(), &["diff", "--quiet"]);
    assert!(!stderr(&quiet).contains("warn["), "{}", stderr(&quiet));
    // The dropped column still blocks, and says why.
    assert_eq!(quiet.status.code(), Some(3));
    assert!(stderr(&quiet).contains("can lose data"), "{}", stderr(&quiet));
    assert_eq!(stdout(&quiet), stdout(&loud));
}

/// Every object a migration would drop says where the SQL declared it, not tables alone.
#[test]
fn every_destructive_change_says_where_the_object_was_declared() {
    let sql = "create table public.t (a int);\n\
               create view public.v as select a from public.t;\n\
               create function public.f(x int) returns int language sql as $$ select x $$;\n\
               create type public.mood as enum ('a', 'b');\n\
               create sequence public.s;\n\
               create schema app;\n\
               create domain public.d as int;\n";
    let p = project(&[("t.yaml", "table: t\ncolumns:\n  a: int\n")], &[("1_init.sql", sql)]);
    let o = schemagen(p.path(), &["diff"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    for (line, what) in [
        (2, "drops view public.v"),
        (3, "drops function public.f(integer)"),
        (4, "drops type public.mood"),
        (5, "drops sequence public.s"),
        (6, "drops schema app"),
        (7, "drops domain public.d"),
    ] {
        let at = err.find(what).unwrap_or_else(|| panic!("{what} not reported:\n{err}"));
        let next = err[at..].lines().nth(1).unwrap_or_default();
        assert_eq!(next.trim(), format!("declared at supabase/migrations/1_init.sql:{line}:1"), "{err}");
    }
}

/// The refusals of `new table` (bad-input cases 203-205) leave what is right alone: a name
/// of 52 bytes, a workspace table with `id` and `user_id`, the trigger function declared.
#[test]
fn new_table_writes_what_its_checks_allow() {
    let teams = "table: teams\ncolumns:\n  id: uuid primary key\n  user_id: uuid not null\n";
    let p = project(&[("users.yaml", USERS), ("teams.yaml", teams)], &[]);
    let long = "a".repeat(52);
    for args in [vec!["new", "table", "docs", "--workspace", "teams"], vec!["new", "table", long.as_str()]] {
        let o = schemagen(p.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    let o = schemagen(p.path(), &["new", "table", &"b".repeat(53)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(p.path().join("schema/functions/update_updated_at_column.yaml").exists());
    // All of it loads together, and a migration for it is missing.
    let o = schemagen(p.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// A migration with no schema part is named from the migration, its rollback alike, and
/// `check` reads which migration a file belongs to from its header: a migration named
/// `doc_policies` is not taken for the policies of one named `doc`.
#[test]
fn parts_are_named_from_the_migration_and_check_reads_it_from_the_header() {
    let sql = "create table public.docs (id uuid primary key, owner uuid, updated_at timestamptz);\n\
               alter table public.docs enable row level security;\n\
               create function public.touch() returns trigger language plpgsql set search_path = '' as $$\n\
               BEGIN\n    NEW.updated_at = now();\n    RETURN NEW;\nEND;\n$$;\n";
    let docs = "table: docs\ncolumns:\n  id: uuid primary key\n  owner: uuid\n  updated_at: timestamptz\nrls: true\n\
                policies:\n  read own:\n    command: select\n    roles: [authenticated]\n    \
                using: owner = (select auth.uid())\n\
                triggers:\n  docs_touch:\n    timing: before\n    events: [update]\n    function: public.touch\n";
    let touch = "function: public.touch\nreturns: trigger\nlanguage: plpgsql\nset:\n  search_path: ''\nbody: |\n  \
                 BEGIN\n      NEW.updated_at = now();\n      RETURN NEW;\n  END;\n";
    let p = project(&[("docs.yaml", docs)], &[("20240101000000_init.sql", sql)]);
    std::fs::create_dir(p.path().join("schema/functions")).unwrap();
    std::fs::write(p.path().join("schema/functions/touch.yaml"), touch).unwrap();
    let o = schemagen(p.path(), &["generate", "--name", "doc_policies", "--timestamp", "20250101000000"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let written: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("wrote ")).collect();
    assert_eq!(
        written,
        [
            "supabase/migrations/20250101000000_doc_policies.sql",
            "supabase/migrations/20250101000001_doc_policies_triggers.sql",
            "supabase/rollbacks/20250101000000_doc_policies.down.sql",
        ]
    );
    // Recognised as the last run, so an edit to its first file is found.
    let first = p.path().join("supabase/migrations/20250101000000_doc_policies.sql");
    let report = check_finds_an_edit(p.path(), &first, "COMMIT;", "SELECT 1;\nCOMMIT;");
    assert!(report.contains("20250101000000_doc_policies.sql:"), "{report}");
    assert!(report.contains("--name doc_policies --timestamp 20250101000000"), "{report}");
}

/// `check` passes on freshly generated files, then, once `from` is replaced by `to` in
/// `file`, fails (exit 2): its report.
fn check_finds_an_edit(dir: &Path, file: &Path, from: &str, to: &str) -> String {
    let o = schemagen(dir, &["check"]);
    assert_eq!(o.status.code(), Some(0), "freshly generated files match: {}", stdout(&o));
    let text = std::fs::read_to_string(file).unwrap();
    std::fs::write(file, text.replace(from, to)).unwrap();
    let o = schemagen(dir, &["check"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    stdout(&o)
}

#[test]
fn diff_check_and_generate_name_the_statements_outside_the_model() {
    let sql = "create table users (id uuid primary key, email text not null unique);\n\
               insert into users values (gen_random_uuid(), 'a@b.c');\n\
               alter table users cluster on users_pkey;\n";
    let p = project(&[("users.yaml", USERS)], &[("1_init.sql", sql)]);
    for args in [&["diff"][..], &["check"], &["generate", "--name", "x"]] {
        let o = schemagen(p.path(), args);
        let err = stderr(&o);
        assert!(err.contains("1 statement(s) of the SQL are outside the model"), "{args:?}: {err}");
        assert!(err.contains("1_init.sql:3:1: ALTER TABLE (other): alter table users cluster on users_pkey"), "{err}");
        // Data is not the schema's: the INSERT is not listed.
        assert!(!err.contains("INSERT"), "{err}");
    }
}

#[test]
fn foreign_tables_and_their_servers_are_named_as_outside_the_model() {
    let sql = "create table users (id uuid primary key, email text not null unique);\n\
               create server remote foreign data wrapper postgres_fdw options (host 'db');\n\
               create foreign table remote_users (id int) server remote options (table_name 'users');\n\
               comment on foreign table remote_users is 'Far away';\n";
    let p = project(&[("users.yaml", USERS)], &[("1_init.sql", sql)]);
    let o = schemagen(p.path(), &["diff"]);
    let err = stderr(&o);
    assert!(err.contains("3 statement(s) of the SQL are outside the model"), "{err}");
    assert!(err.contains("1_init.sql:2:1: CREATE SERVER: create server remote"), "{err}");
    assert!(err.contains("1_init.sql:3:1: CREATE FOREIGN TABLE: create foreign table remote_users"), "{err}");
    assert!(err.contains("1_init.sql:4:1: COMMENT (other): comment on foreign table remote_users"), "{err}");
}
