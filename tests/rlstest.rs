//! The pgTAP tests `schemagen test generate` writes, run on PostgreSQL with pgTAP: they pass
//! for every `rls:` preset, for declared `access:` and for the bundled example, under
//! `verify` and under `pg_prove`; a policy made too broad, too narrow or dropped fails the
//! matching assertion, and `verify` exits 4 naming table, role and command.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::project::{built_from_yaml, on_server as schemagen, text, yaml_project as project};

/// Every preset, a per-command `access:`, an enum, an identity key, a CHECK listing strings.
const SCHEMA: &[(&str, &str)] = &[
    (
        "workspaces.yaml",
        "table: workspaces
columns:
  id: uuid primary key default gen_random_uuid()
  user_id: uuid not null references auth.users(id) on delete cascade
  name: text not null check (char_length(name) <= 100)
rls: owner
",
    ),
    (
        "workspace_members.yaml",
        "table: workspace_members
columns:
  workspace_id: uuid not null references workspaces(id) on delete cascade
  user_id: uuid not null references auth.users(id) on delete cascade
primary_key: [workspace_id, user_id]
rls: owner
",
    ),
    (
        "documents.yaml",
        "table: documents
columns:
  id: bigint generated always as identity primary key
  workspace_id: uuid not null references workspaces(id) on delete cascade
  title: text not null
  status: text not null check (status in ('draft', 'published'))
rls: workspace_member
",
    ),
    (
        "posts.yaml",
        "table: posts
columns:
  id: uuid primary key default gen_random_uuid()
  author_id: uuid references auth.users(id)
  body: text not null
rls: {preset: public_read, column: author_id}
",
    ),
    (
        "announcements.yaml",
        "table: announcements
columns:
  id: serial primary key
  body: text
rls: public_read
",
    ),
    (
        "audit_kind.yaml",
        "enum: audit_kind
values: [login, logout]
",
    ),
    (
        "audit.yaml",
        "table: audit
columns:
  id: uuid primary key default gen_random_uuid()
  kind: audit_kind not null
  at: timestamptz not null
rls: service_only
",
    ),
    ("notes.yaml", NOTES),
];

/// Hand-written policies with the expectations they must meet, per command.
const NOTES: &str = "table: notes
columns:
  id: uuid primary key default gen_random_uuid()
  user_id: uuid not null references auth.users(id)
  body: text
rls: true
policies:
  notes read by all:
    command: select
    roles: [anon, authenticated]
    using: 'true'
  notes insert own:
    command: insert
    roles: [authenticated]
    with_check: (select auth.uid()) = user_id
  notes update own:
    command: update
    roles: [authenticated]
    using: (select auth.uid()) = user_id
    with_check: (select auth.uid()) = user_id
  notes delete own:
    command: delete
    roles: [authenticated]
    using: (select auth.uid()) = user_id
access:
  select: [anon, authenticated]
  insert: own(user_id)
  update: own(user_id)
  delete: own(user_id)
";

/// The `rls:` lines of a verify run's verdict.
fn rls_lines(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout).lines().skip_while(|l| !l.starts_with("rls:")).map(str::to_string).collect()
}

#[test]
fn every_preset_and_declared_access_hold_under_verify() {
    let dir = project(SCHEMA);
    let out = schemagen(dir.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // 3 roles × 8 tries (insert, select, update, delete on A's and B's row), and one more
    // update (moving A's row to B) on each of the 5 tables whose rows have an owner.
    assert_eq!(rls_lines(&out), ["rls: holds: 183 expectations on 7 tables"], "{}", text(&out));
}

#[test]
fn the_bundled_example_holds_under_verify() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = schemagen(root, &["verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let lines = rls_lines(&out);
    // Every table of the example with row level security is tested, and every expectation holds.
    let tables =
        schemagen::load_desired(&root.join("schema")).unwrap().tables.values().filter(|t| t.rls_enabled).count();
    assert!(
        lines.len() == 1 && lines[0].starts_with("rls: holds: ") && lines[0].ends_with(&format!(" on {tables} tables")),
        "{}",
        text(&out)
    );
}

/// `notes` with one policy replaced (or dropped): verify's failures, exit 4.
fn broken(policy: &str, replacement: &str) -> (Option<i32>, Vec<String>) {
    let start = NOTES.find(&format!("  {policy}:\n")).expect("policy in NOTES");
    let end = NOTES[start + 3..].find("\n  notes ").map_or(NOTES.find("access:").unwrap(), |i| start + 3 + i + 1);
    let yaml = format!("{}{replacement}{}", &NOTES[..start], &NOTES[end..]);
    let dir = project(&[("notes.yaml", &yaml)]);
    let out = schemagen(dir.path(), &["verify"]);
    (out.status.code(), rls_lines(&out))
}

#[test]
fn a_policy_too_broad_too_narrow_or_dropped_fails_verify_by_table_role_and_command() {
    let too_broad = "  notes update own:\n    command: update\n    roles: [authenticated]\n    using: 'true'\n";
    assert_eq!(
        broken("notes update own", too_broad),
        (
            Some(4),
            vec![
                "rls: 2 expectations fail:".to_string(),
                "  public.notes: authenticated update (a row of user B): denied, got allowed".into(),
                "  public.notes: authenticated update (moving a row of user A to user B): denied, got allowed".into(),
            ]
        )
    );
    let too_narrow = "  notes read by all:\n    command: select\n    roles: [authenticated]\n    using: (select auth.uid()) = user_id\n";
    assert_eq!(
        broken("notes read by all", too_narrow),
        (
            Some(4),
            vec![
                "rls: 3 expectations fail:".to_string(),
                "  public.notes: anon select (a row of user A): allowed, got denied".into(),
                "  public.notes: anon select (a row of user B): allowed, got denied".into(),
                "  public.notes: authenticated select (a row of user B): allowed, got denied".into(),
            ]
        )
    );
    assert_eq!(
        broken("notes delete own", ""),
        (
            Some(4),
            vec![
                "rls: 1 expectation fails:".to_string(),
                "  public.notes: authenticated delete (a row of user A): allowed, got denied".into(),
            ]
        )
    );
}

#[test]
fn generated_files_run_under_pg_prove() {
    let dir = project(SCHEMA);
    let out = schemagen(dir.path(), &["test", "generate"]);
    assert!(out.status.success(), "{}", text(&out));
    let tests = dir.path().join("supabase/tests");
    let mut files: Vec<_> = std::fs::read_dir(&tests).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    assert_eq!(files.len(), 7, "{}", text(&out));

    let db = built_from_yaml(&dir.path().join("schema"));
    let server = support::server();
    let prove = Command::new("pg_prove")
        .args(["-h", &server.host, "-p", &server.port.to_string(), "-U", "postgres", "-d", &db.name])
        .args(&files)
        .output()
        .expect("pg_prove is installed by scripts/setup.sh (Debian: libtap-parser-sourcehandler-pgtap-perl)");
    let said = text(&prove);
    assert!(prove.status.success(), "{said}");
    assert!(said.contains("All tests successful.") && said.contains("Files=7, Tests=183"), "{said}");

    // Broken on the database, the same files fail where the policy no longer holds.
    db.apply("DROP POLICY \"notes delete own\" ON public.notes;").unwrap();
    let prove = Command::new("pg_prove")
        .args(["-h", &server.host, "-p", &server.port.to_string(), "-U", "postgres", "-d", &db.name])
        .arg(tests.join("schemagen_rls_notes.test.sql"))
        .output()
        .unwrap();
    let said = text(&prove);
    assert!(!prove.status.success(), "{said}");
    assert!(said.contains("\"public.notes: authenticated delete (a row of user A): allowed\""), "{said}");
}

#[test]
fn test_generate_is_deterministic_and_overwrites_only_with_force() {
    let dir = project(SCHEMA);
    let first = schemagen(dir.path(), &["test", "generate"]);
    assert!(first.status.success(), "{}", text(&first));
    let path = dir.path().join("supabase/tests/schemagen_rls_notes.test.sql");
    let generated = std::fs::read_to_string(&path).unwrap();

    let again = schemagen(dir.path(), &["test", "generate"]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(String::from_utf8_lossy(&again.stdout).matches("unchanged ").count(), 7, "{}", text(&again));

    std::fs::write(&path, "-- edited by hand\n").unwrap();
    let refused = schemagen(dir.path(), &["test", "generate"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "-- edited by hand\n");

    let forced = schemagen(dir.path(), &["test", "generate", "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), generated);
}

#[test]
fn a_table_whose_rows_cannot_be_made_is_skipped_with_a_warning() {
    let dir = project(&[(
        "shapes.yaml",
        "table: shapes
columns:
  id: uuid primary key default gen_random_uuid()
  user_id: uuid not null references auth.users(id)
  outline: polygon not null
rls: owner
",
    )]);
    let out = schemagen(dir.path(), &["test", "generate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outline"), "{}", text(&out));
    let file = std::fs::read_to_string(dir.path().join("supabase/tests/schemagen_rls_shapes.test.sql")).unwrap();
    assert!(file.contains("-- skipped: column outline of public.shapes has type polygon"), "{file}");
    // Still a valid pgTAP file: verify reports the table as not tested and passes.
    let verified = schemagen(dir.path(), &["verify"]);
    assert_eq!(verified.status.code(), Some(0), "{}", text(&verified));
    assert!(String::from_utf8_lossy(&verified.stdout).contains("rls: not tested"), "{}", text(&verified));
}

#[test]
fn a_partitioned_table_is_skipped_with_a_warning_not_reported_as_refused() {
    // A row of a partitioned table must fit a partition's bound; the rows the test makes
    // do not, and PostgreSQL would refuse them ("no partition of relation found for row").
    let dir = project(&[
        (
            "events.yaml",
            "table: events
columns:
  id: bigint not null
  user_id: uuid not null references auth.users(id)
  at: date not null
primary_key: [id, at]
partition_by: range (at)
rls: owner
",
        ),
        (
            "events_2024.yaml",
            "table: events_2024\npartition_of: events\nbound: from ('2024-01-01') to ('2025-01-01')\n",
        ),
    ]);
    let out = schemagen(dir.path(), &["test", "generate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("public.events is partitioned"), "{}", text(&out));
    let verified = schemagen(dir.path(), &["verify"]);
    assert_eq!(verified.status.code(), Some(0), "{}", text(&verified));
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(stdout.contains("rls: not tested") && !stdout.contains("refused"), "{}", text(&verified));
}

#[test]
fn hostile_names_stay_quoted_in_the_generated_tests() {
    let table = "Notes'); DROP TABLE canary; --";
    let yaml = format!(
        "table: \"{table}\"
columns:
  id: uuid primary key default gen_random_uuid()
  user_id: uuid not null references auth.users(id)
  \"Body $$ x\": text not null check (\"Body $$ x\" in ('it''s', 'b'))
rls: owner
"
    );
    let canary = "table: canary\ncolumns:\n  id: int primary key\n";
    let dir = project(&[("notes.yaml", &yaml), ("canary.yaml", canary)]);
    let out = schemagen(dir.path(), &["test", "generate"]);
    assert!(out.status.success(), "{}", text(&out));
    let names: Vec<String> = std::fs::read_dir(dir.path().join("supabase/tests"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["schemagen_rls_notes____drop_table_canary____.test.sql"]);
    let verified = schemagen(dir.path(), &["verify"]);
    assert_eq!(verified.status.code(), Some(0), "{}", text(&verified));
    assert_eq!(rls_lines(&verified), ["rls: holds: 27 expectations on 1 table"], "{}", text(&verified));
}

/// What `new table` writes (own rows; rows of a workspace the user owns) declares no
/// `access:`: the tests assert what its policies do, read from their conditions, and hold.
#[test]
fn new_table_scaffolds_get_the_tests_their_policies_imply() {
    let dir = project(&[]);
    for args in [&["new", "table", "notes"][..], &["new", "table", "docs", "--workspace", "notes"]] {
        let out = schemagen(dir.path(), args);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = schemagen(dir.path(), &["test", "generate"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("declares no `access:`"), "{}", text(&out));
    let docs = std::fs::read_to_string(dir.path().join("supabase/tests/schemagen_rls_docs.test.sql")).unwrap();
    assert!(docs.contains("--   authenticated: workspace(note_id via notes(id, user_id))"), "{docs}");
    let verified = schemagen(dir.path(), &["verify"]);
    assert_eq!(verified.status.code(), Some(0), "{}", text(&verified));
    assert_eq!(rls_lines(&verified), ["rls: holds: 54 expectations on 2 tables"], "{}", text(&verified));
}

/// Rows PostgreSQL refuses (a CHECK the generated values miss) prove nothing either way:
/// verify says the test did not run, and which statement was refused, without failing.
#[test]
fn a_test_whose_rows_postgresql_refuses_is_reported_as_not_run() {
    let dir = project(&[(
        "titles.yaml",
        "table: titles
columns:
  id: uuid primary key default gen_random_uuid()
  user_id: uuid not null references auth.users(id)
  title: text not null check (char_length(title) > 20)
rls: owner
",
    )]);
    let out = schemagen(dir.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let lines = rls_lines(&out);
    assert_eq!(lines.len(), 1, "{}", text(&out));
    assert!(
        lines[0].starts_with("rls: not run, PostgreSQL refused the test's rows: public.titles: "),
        "{}",
        text(&out)
    );
    assert!(lines[0].contains("titles_title_check"), "{}", text(&out));
}

/// A team's own preset template means something else than the embedded one: the preset then
/// implies no expectations, and the tests assert what its policies do.
#[test]
fn a_preset_whose_template_the_team_replaces_is_tested_for_its_policies() {
    let dir = project(&[(
        "notes.yaml",
        "table: notes\ncolumns:\n  id: uuid primary key default gen_random_uuid()\n  user_id: uuid not null references auth.users(id)\nrls: owner\n",
    )]);
    std::fs::create_dir(dir.path().join("tpl")).unwrap();
    std::fs::write(
        dir.path().join("tpl/rls_owner.sql.j2"),
        "CREATE POLICY \"anyone reads\" ON {{ table }} FOR SELECT TO anon, authenticated USING (true);\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("schemagen.toml"), "templates = \"tpl\"\n").unwrap();
    let out = schemagen(dir.path(), &["test", "generate"]);
    assert!(out.status.success(), "{}", text(&out));
    let file = std::fs::read_to_string(dir.path().join("supabase/tests/schemagen_rls_notes.test.sql")).unwrap();
    assert!(file.contains("--   anon select: all\n"), "{file}");
    let verified = schemagen(dir.path(), &["verify"]);
    assert_eq!(verified.status.code(), Some(0), "{}", text(&verified));
}
