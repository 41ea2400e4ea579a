//! The row-level security that `schemagen new table` writes and that the `rls:` presets
//! expand to, tested as Supabase's users meet it: as `authenticated` with a JWT `sub`, one
//! user reads and writes only its own rows (or its workspaces' rows); `anon` gets nothing
//! unless the preset says everyone may read.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use schemagen::model::Schema;
use schemagen::{load_current, load_desired, load_desired_with, plan_migration};
use support::project::{built_from_yaml, sql_from_empty, yaml_project as project};

const ALICE: &str = "00000000-0000-0000-0000-00000000000a";
const BOB: &str = "00000000-0000-0000-0000-00000000000b";

fn new_table(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(dir)
        .args(["new", "table"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A database with the YAML of `dir` applied, and two users in auth.users.
fn database(dir: &Path) -> support::Db {
    let db = built_from_yaml(&dir.join("schema"));
    db.apply(&format!("insert into auth.users (id) values ('{ALICE}'), ('{BOB}');")).unwrap();
    db
}

/// Runs `sql` as `role` with the JWT of `user`, returning the last line of output or the error.
fn as_user(db: &support::Db, role: &str, user: &str, sql: &str) -> Result<String, String> {
    let script = format!(
        "begin;\nset local role {role};\nselect set_config('request.jwt.claims', '{{\"sub\":\"{user}\",\"role\":\"{role}\"}}', true) \\g /dev/null\n{sql}\ncommit;"
    );
    db.query(&script).map(|out| out.lines().rev().find(|l| !l.is_empty()).unwrap_or("").to_string())
}

fn assert_owner_isolation(db: &support::Db, table: &str, insert_columns: &str, alice_values: &str, bob_values: &str) {
    // Each user writes its own row; writing a row for someone else is refused.
    as_user(
        db,
        "authenticated",
        ALICE,
        &format!("insert into public.{table} ({insert_columns}) values ({alice_values});"),
    )
    .expect("alice inserts her row");
    as_user(db, "authenticated", BOB, &format!("insert into public.{table} ({insert_columns}) values ({bob_values});"))
        .expect("bob inserts his row");
    let forged = as_user(
        db,
        "authenticated",
        BOB,
        &format!("insert into public.{table} ({insert_columns}) values ({alice_values});"),
    );
    assert!(forged.unwrap_err().contains("row-level security"), "bob wrote a row for alice");

    // Each sees one row: its own.
    assert_eq!(as_user(db, "authenticated", ALICE, &format!("select count(*) from public.{table};")).unwrap(), "1");
    assert_eq!(as_user(db, "authenticated", BOB, &format!("select count(*) from public.{table};")).unwrap(), "1");

    // Bob can neither change nor delete Alice's row.
    assert_eq!(
        as_user(
            db,
            "authenticated",
            BOB,
            &format!("with u as (update public.{table} set updated_at = now() returning 1) select count(*) from u;")
        )
        .unwrap(),
        "1"
    );
    assert_eq!(
        as_user(
            db,
            "authenticated",
            BOB,
            &format!("with d as (delete from public.{table} returning 1) select count(*) from d;")
        )
        .unwrap(),
        "1"
    );
    assert_eq!(
        db.query(&format!("select count(*) from public.{table};")).unwrap().trim(),
        "1",
        "only bob's own row was deleted"
    );

    // anon sees nothing at all, and writes nothing.
    let anon = as_user(db, "anon", ALICE, &format!("select count(*) from public.{table};"));
    assert!(
        anon.as_ref().is_err_and(|e| e.contains("permission denied")) || anon.as_deref() == Ok("0"),
        "anon read: {anon:?}"
    );
    let anon =
        as_user(db, "anon", ALICE, &format!("insert into public.{table} ({insert_columns}) values ({alice_values});"));
    assert!(
        anon.as_ref().is_err_and(|e| e.contains("permission denied") || e.contains("row-level security")),
        "anon wrote: {anon:?}"
    );
}

#[test]
fn new_table_isolates_users() {
    let dir = tempfile::tempdir().unwrap();
    new_table(dir.path(), &["notes"]);
    let db = database(dir.path());
    assert_owner_isolation(&db, "notes", "user_id", &format!("'{ALICE}'"), &format!("'{BOB}'"));
}

#[test]
fn new_table_with_workspace_isolates_workspaces() {
    let dir = tempfile::tempdir().unwrap();
    new_table(dir.path(), &["workspaces"]);
    new_table(dir.path(), &["documents", "--workspace", "workspaces"]);
    let db = database(dir.path());
    let alice_ws = "10000000-0000-0000-0000-00000000000a";
    let bob_ws = "10000000-0000-0000-0000-00000000000b";
    as_user(
        &db,
        "authenticated",
        ALICE,
        &format!("insert into public.workspaces (id, user_id) values ('{alice_ws}', '{ALICE}');"),
    )
    .unwrap();
    as_user(
        &db,
        "authenticated",
        BOB,
        &format!("insert into public.workspaces (id, user_id) values ('{bob_ws}', '{BOB}');"),
    )
    .unwrap();
    assert_owner_isolation(&db, "documents", "workspace_id", &format!("'{alice_ws}'"), &format!("'{bob_ws}'"));
}

// ---- rls: presets -------------------------------------------------------------------------

const CAROL: &str = "00000000-0000-0000-0000-00000000000c";

/// What Supabase's default privileges give every new table in `public`: RLS is then the
/// only thing between a role and the rows, which is what these tests exercise.
const SUPABASE_GRANTS: &str = "grants:\n  anon: [all]\n  authenticated: [all]\n  service_role: [all]\n";

fn schemagen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schemagen")).current_dir(dir).args(args).output().unwrap()
}

fn count(db: &support::Db, role: &str, user: &str, table: &str) -> String {
    as_user(db, role, user, &format!("select count(*) from public.{table};")).unwrap()
}

/// A table whose rows belong to the user in `owner`, with `rls` as given.
fn owned_table(name: &str, owner: &str, rls: &str) -> String {
    format!(
        "table: {name}\ncolumns:\n  id: uuid primary key default gen_random_uuid()\n  {owner}: uuid not null references auth.users(id) on delete cascade\n  body: text\n  updated_at: timestamptz\nrls: {rls}\n{SUPABASE_GRANTS}"
    )
}

#[test]
fn owner_preset_isolates_users() {
    let dir = project(&[
        ("notes.yaml", &owned_table("notes", "user_id", "owner")),
        ("posts.yaml", &owned_table("posts", "author_id", "{preset: owner, column: author_id}")),
    ]);
    let db = database(dir.path());
    assert_owner_isolation(&db, "notes", "user_id", &format!("'{ALICE}'"), &format!("'{BOB}'"));
    assert_owner_isolation(&db, "posts", "author_id", &format!("'{ALICE}'"), &format!("'{BOB}'"));
    // anon holds every privilege, as on Supabase: the policies alone keep it out.
    assert_eq!(count(&db, "anon", ALICE, "notes"), "0");
}

#[test]
fn workspace_member_preset_isolates_workspaces() {
    let members = format!(
        "table: workspace_members\ncolumns:\n  workspace_id: uuid references workspaces(id) on delete cascade\n  user_id: uuid references auth.users(id) on delete cascade\nprimary_key: [workspace_id, user_id]\nrls: true\npolicies:\n  members see their memberships:\n    command: select\n    roles: [authenticated]\n    using: (select auth.uid()) = user_id\n{SUPABASE_GRANTS}"
    );
    let dir = project(&[
        ("workspaces.yaml", "table: workspaces\ncolumns:\n  id: uuid primary key\n"),
        ("workspace_members.yaml", &members),
        (
            "documents.yaml",
            &format!(
                "table: documents\ncolumns:\n  id: uuid primary key default gen_random_uuid()\n  workspace_id: uuid not null references workspaces(id) on delete cascade\n  updated_at: timestamptz\nrls: workspace_member\n{SUPABASE_GRANTS}"
            ),
        ),
    ]);
    let db = database(dir.path());
    let (alice_ws, bob_ws) = ("10000000-0000-0000-0000-00000000000a", "10000000-0000-0000-0000-00000000000b");
    db.apply(&format!(
        "insert into auth.users (id) values ('{CAROL}');
         insert into public.workspaces (id) values ('{alice_ws}'), ('{bob_ws}');
         insert into public.workspace_members values ('{alice_ws}', '{ALICE}'), ('{bob_ws}', '{BOB}'),
           ('{alice_ws}', '{CAROL}'), ('{bob_ws}', '{CAROL}');"
    ))
    .unwrap();
    assert_owner_isolation(&db, "documents", "workspace_id", &format!("'{alice_ws}'"), &format!("'{bob_ws}'"));
    assert_eq!(count(&db, "anon", ALICE, "documents"), "0");

    // Carol belongs to both workspaces: she sees Alice's row and the one she adds to Bob's.
    as_user(&db, "authenticated", CAROL, &format!("insert into public.documents (workspace_id) values ('{bob_ws}');"))
        .expect("carol writes in a workspace she belongs to");
    assert_eq!(count(&db, "authenticated", CAROL, "documents"), "2");
    assert_eq!(count(&db, "authenticated", BOB, "documents"), "1");
    // Bob cannot move a row into a workspace he is not a member of.
    let moved =
        as_user(&db, "authenticated", BOB, &format!("update public.documents set workspace_id = '{alice_ws}';"));
    assert!(moved.is_err_and(|e| e.contains("row-level security")), "bob moved a row into alice's workspace");
}

#[test]
fn public_read_preset_lets_everyone_read_and_only_owners_write() {
    let dir = project(&[
        ("announcements.yaml", &owned_table("announcements", "user_id", "public_read")),
        ("profiles.yaml", &owned_table("profiles", "user_id", "{preset: public_read, column: user_id}")),
    ]);
    let db = database(dir.path());
    db.apply(&format!("insert into public.announcements (user_id) values ('{ALICE}'), ('{BOB}');")).unwrap();
    for role in ["anon", "authenticated"] {
        assert_eq!(count(&db, role, ALICE, "announcements"), "2", "{role} reads every announcement");
        let write =
            as_user(&db, role, ALICE, &format!("insert into public.announcements (user_id) values ('{ALICE}');"));
        assert!(write.is_err_and(|e| e.contains("row-level security")), "{role} wrote an announcement");
        for change in
            ["update public.announcements set body = 'x' returning 1", "delete from public.announcements returning 1"]
        {
            let changed = as_user(&db, role, ALICE, &format!("with c as ({change}) select count(*) from c;"));
            assert_eq!(changed.unwrap(), "0", "{role}: {change}");
        }
    }
    as_user(&db, "service_role", ALICE, &format!("insert into public.announcements (user_id) values ('{ALICE}');"))
        .expect("service_role writes");

    // With an owner column, everyone still reads every profile, and each user writes its own.
    as_user(&db, "authenticated", ALICE, &format!("insert into public.profiles (user_id) values ('{ALICE}');"))
        .unwrap();
    as_user(&db, "authenticated", BOB, &format!("insert into public.profiles (user_id) values ('{BOB}');")).unwrap();
    let forged =
        as_user(&db, "authenticated", BOB, &format!("insert into public.profiles (user_id) values ('{ALICE}');"));
    assert!(forged.is_err_and(|e| e.contains("row-level security")), "bob wrote a profile for alice");
    assert_eq!(count(&db, "anon", ALICE, "profiles"), "2");
    let changed = as_user(
        &db,
        "authenticated",
        BOB,
        "with u as (update public.profiles set body = 'x' returning 1) select count(*) from u;",
    );
    assert_eq!(changed.unwrap(), "1", "bob changes his own profile only");
    let anon = as_user(
        &db,
        "anon",
        ALICE,
        "with u as (update public.profiles set body = 'y' returning 1) select count(*) from u;",
    );
    assert_eq!(anon.unwrap(), "0", "anon changes no profile");
}

#[test]
fn service_only_preset_admits_only_service_role() {
    let dir = project(&[("audit_log.yaml", &owned_table("audit_log", "user_id", "service_only"))]);
    let db = database(dir.path());
    db.apply(&format!("insert into public.audit_log (user_id) values ('{ALICE}'), ('{BOB}');")).unwrap();
    for role in ["anon", "authenticated"] {
        assert_eq!(count(&db, role, ALICE, "audit_log"), "0", "{role} reads the log");
        let write = as_user(&db, role, ALICE, &format!("insert into public.audit_log (user_id) values ('{ALICE}');"));
        assert!(write.is_err_and(|e| e.contains("row-level security")), "{role} wrote to the log");
    }
    assert_eq!(count(&db, "service_role", ALICE, "audit_log"), "2");
    as_user(&db, "service_role", ALICE, &format!("insert into public.audit_log (user_id) values ('{ALICE}');"))
        .expect("service_role writes");
}

/// Every preset at once, with the membership table it reads.
fn all_presets() -> tempfile::TempDir {
    project(&[
        ("notes.yaml", &owned_table("notes", "user_id", "owner")),
        ("profiles.yaml", &owned_table("profiles", "user_id", "{preset: public_read, column: user_id}")),
        ("audit_log.yaml", &owned_table("audit_log", "user_id", "{preset: service_only, force: true}")),
        ("workspace_members.yaml", "table: workspace_members\ncolumns:\n  workspace_id: uuid\n  user_id: uuid\n"),
        (
            "documents.yaml",
            "table: documents\ncolumns:\n  id: uuid primary key\n  workspace_id: uuid\nrls: workspace_member\n",
        ),
    ])
}

#[test]
fn presets_are_ordinary_policies_that_survive_a_round_trip_through_sql() {
    let dir = all_presets();
    let desired = load_desired(&dir.path().join("schema")).unwrap();
    let policy =
        &desired.policies[&(schemagen::model::QualifiedName::new("public", "notes"), "owner can update".into())];
    assert_eq!((policy.command.as_str(), policy.roles.clone()), ("UPDATE", vec!["authenticated".to_string()]));
    assert_eq!(policy.using.as_ref().map(|e| e.text()), Some("(SELECT auth.uid()) = user_id"));
    assert_eq!(policy.with_check, policy.using);
    let audit = &desired.tables[&schemagen::model::QualifiedName::new("public", "audit_log")];
    assert!(audit.rls_enabled && audit.rls_forced, "`force: true` forces RLS");
    let names: Vec<String> = desired.policies.keys().map(|(t, n)| format!("{}: {n}", t.name)).collect();
    assert_eq!(names.len(), 4 + 4 + 1 + 4, "{names:#?}");

    // The SQL rendered from the presets, read back as migrations, is the YAML exactly.
    let sql = sql_from_empty(&dir.path().join("schema"));
    let migration = dir.path().join("supabase/migrations/1_presets.sql");
    std::fs::write(&migration, &sql).unwrap();
    let (current, _) = load_current(&[migration]).unwrap();
    let again = plan_migration(&current, &desired).unwrap();
    let left: Vec<&str> = again.steps.iter().map(|s| s.summary.as_str()).collect();
    assert!(left.is_empty(), "{left:#?}\n{sql}");
    let o = schemagen(dir.path(), &["check"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_templates_directory_redefines_a_preset() {
    let dir = project(&[("notes.yaml", &owned_table("notes", "user_id", "owner"))]);
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("rls_owner.sql.j2"),
        "CREATE POLICY \"own rows\" ON {{ table }} TO authenticated\n    USING ({{ column }} = (select auth.uid()));\n",
    )
    .unwrap();
    let policy_names = |schema: &Schema| schema.policies.keys().map(|(_, n)| n.clone()).collect::<Vec<_>>();
    let team = load_desired_with(&dir.path().join("schema"), Some(&templates)).unwrap();
    assert_eq!(policy_names(&team), ["own rows"]);
    assert_eq!(team.policies.values().next().unwrap().command, "ALL");
    let embedded = load_desired(&dir.path().join("schema")).unwrap();
    assert_eq!(
        policy_names(&embedded),
        ["owner can delete", "owner can insert", "owner can select", "owner can update"]
    );

    // The CLI expands presets with the templates it renders with.
    let o = schemagen(dir.path(), &["diff", "--templates", "templates"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("CREATE POLICY \"own rows\" ON public.notes") && !out.contains("owner can"), "{out}");

    // A template that does more than create the table's policies is refused, at the preset.
    std::fs::write(templates.join("rls_owner.sql.j2"), "DROP TABLE {{ table }};\n").unwrap();
    let o = schemagen(dir.path(), &["diff", "--templates", "templates"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("schema/notes.yaml:7:6") && err.contains("other than CREATE POLICY"), "{err}");
}

/// `schemagen diff` on `files` fails with exit code 1 and an error at `at` whose text holds `says`.
fn assert_error(files: &[(&str, &str)], at: &str, says: &[&str]) {
    let dir = project(files);
    let o = schemagen(dir.path(), &["diff"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("--> {at}")), "expected an error at {at}:\n{err}");
    for s in says {
        assert!(err.contains(s), "expected `{s}` in:\n{err}");
    }
}

#[test]
fn preset_mistakes_are_reported_where_they_are_written() {
    let notes = |rls: &str| owned_table("notes", "user_id", rls);
    assert_error(
        &[("notes.yaml", &notes("ownr"))],
        "schema/notes.yaml:7:6",
        &["unknown rls preset `ownr`", "did you mean `owner`?"],
    );
    assert_error(
        &[("notes.yaml", &notes("{preset: owner, column: usr_id}"))],
        "schema/notes.yaml:7:30",
        &["needs column `usr_id` in public.notes", "did you mean `user_id`?"],
    );
    assert_error(
        &[("notes.yaml", &owned_table("notes", "owner_id", "owner"))],
        "schema/notes.yaml:7:6",
        &["needs column `user_id`", "columns of public.notes: id, owner_id, body, updated_at"],
    );
    assert_error(
        &[("notes.yaml", &notes("{preset: owner, members: teams}"))],
        "schema/notes.yaml:7:22",
        &["unknown key `members` in rls preset `owner`", "keys here: preset, force, column"],
    );
    assert_error(
        &[("notes.yaml", &notes("{preset: workspace_member, column: user_id, membrs: teams}"))],
        "schema/notes.yaml:7:50",
        &["did you mean `members`?"],
    );
    assert_error(
        &[
            (
                "documents.yaml",
                "table: documents\ncolumns:\n  id: uuid primary key\n  workspace_id: uuid\nrls: {preset: workspace_member, members: workspace_member}\n",
            ),
            ("workspace_members.yaml", "table: workspace_members\ncolumns:\n  workspace_id: uuid\n  user_id: uuid\n"),
        ],
        "schema/documents.yaml:5:42",
        &["public.workspace_member, which is not declared", "did you mean `workspace_members`?"],
    );
    assert_error(
        &[
            (
                "documents.yaml",
                "table: documents\ncolumns:\n  id: uuid primary key\n  workspace_id: uuid\nrls: {preset: workspace_member, member_column: member_id}\n",
            ),
            ("workspace_members.yaml", "table: workspace_members\ncolumns:\n  workspace_id: uuid\n  user_id: uuid\n"),
        ],
        "schema/documents.yaml:5:48",
        &["reads column `member_id` of public.workspace_members"],
    );
    // A hand-written policy may add to a preset, never share a name with one of its policies.
    assert_error(
        &[("notes.yaml", &format!("{}policies:\n  owner can select:\n    using: true\n", notes("owner")))],
        "schema/notes.yaml:13:3",
        &["policy `owner can select` on public.notes is also made by rls preset `owner`"],
    );
}

#[test]
fn hand_written_policies_add_to_a_preset() {
    let dir = project(&[(
        "notes.yaml",
        &format!(
            "{}policies:\n  admins read all:\n    command: select\n    roles: [service_role]\n    using: true\n",
            owned_table("notes", "user_id", "owner")
        ),
    )]);
    let desired = load_desired(&dir.path().join("schema")).unwrap();
    let names: Vec<&str> = desired.policies.keys().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        ["admins read all", "owner can delete", "owner can insert", "owner can select", "owner can update"]
    );
}

/// The lint's security rules name real holes: each trigger form, applied to PostgreSQL,
/// lets a user past what they should reach, and the compliant form does not.
#[test]
fn lint_security_rules_name_holes_that_exist_on_postgres() {
    let lints = |dir: &Path, rule: &str| String::from_utf8_lossy(&schemagen(dir, &["lint"]).stdout).contains(rule);

    // A SECURITY DEFINER function the API may call, reading auth.users.
    let function = "function: public.user_email\nargs: [uid uuid]\nreturns: text\nsecurity_definer: true\nset: {search_path: ''}\nbody: select email from auth.users where id = uid\n";
    for (yaml, hole) in
        [(function.to_string(), true), (format!("{function}grants:\n  service_role: [execute]\n"), false)]
    {
        let dir = project(&[("user_email.yaml", &yaml)]);
        assert_eq!(lints(dir.path(), "security_definer_platform_access"), hole, "{yaml}");
        let db = database(dir.path());
        db.apply(&format!("update auth.users set email = 'alice@example.com' where id = '{ALICE}';")).unwrap();
        let read = as_user(&db, "anon", BOB, &format!("select public.user_email('{ALICE}');"));
        assert_eq!(read.as_deref() == Ok("alice@example.com"), hole, "{read:?}");
    }

    // A policy that is always true in another spelling.
    for (using, hole) in [("1 = 1", true), ("(select auth.uid()) = user_id", false)] {
        let policies = format!(
            "policies:\n  edit:\n    command: update\n    roles: [authenticated]\n    using: {using}\n  read:\n    command: select\n    roles: [authenticated]\n    using: 'true'\n"
        );
        let dir = project(&[("notes.yaml", &format!("{}{policies}", owned_table("notes", "user_id", "true")))]);
        assert_eq!(lints(dir.path(), "rls_policy_always_true"), hole, "{using}");
        let db = database(dir.path());
        db.apply(&format!("insert into public.notes (id, user_id) values (gen_random_uuid(), '{ALICE}');")).unwrap();
        as_user(&db, "authenticated", BOB, "update public.notes set user_id = auth.uid();").unwrap();
        let bobs = as_user(&db, "authenticated", BOB, "select count(*) from public.notes where user_id = auth.uid();");
        assert_eq!(bobs.as_deref() == Ok("1"), hole, "{using}: {bobs:?}");
    }

    // A membership table whose INSERT policy admits any row naming the inserter.
    let workspaces = format!(
        "table: workspaces\ncolumns:\n  id: uuid primary key\n  owner_id: uuid not null\nrls: true\n{SUPABASE_GRANTS}policies:\n  owner:\n    roles: [authenticated]\n    using: owner_id = (select auth.uid())\n"
    );
    let documents = format!(
        "table: documents\ncolumns:\n  id: uuid primary key default gen_random_uuid()\n  workspace_id: uuid not null references workspaces(id)\nindexes:\n  documents_workspace_id_idx: workspace_id\n{SUPABASE_GRANTS}rls: {{preset: workspace_member, column: workspace_id, members: workspace_members}}\n"
    );
    let members = |check: &str| {
        format!(
            "table: workspace_members\ncolumns:\n  workspace_id: uuid not null references workspaces(id)\n  user_id: uuid not null\nprimary_key: [workspace_id, user_id]\nrls: true\n{SUPABASE_GRANTS}policies:\n  read own:\n    command: select\n    roles: [authenticated]\n    using: user_id = (select auth.uid())\n  join:\n    command: insert\n    roles: [authenticated]\n    with_check: {check}\n"
        )
    };
    let guarded = "exists (select 1 from workspaces w where w.id = workspace_id and w.owner_id = (select auth.uid()))";
    for (check, hole) in [("user_id = (select auth.uid())", true), (guarded, false)] {
        let members = members(check);
        let dir =
            project(&[("workspaces.yaml", &workspaces), ("documents.yaml", &documents), ("members.yaml", &members)]);
        assert_eq!(lints(dir.path(), "membership_self_insert"), hole, "{check}");
        let db = database(dir.path());
        let ws = "00000000-0000-0000-0000-0000000000f1";
        db.apply(&format!("insert into public.workspaces values ('{ws}', '{ALICE}'); insert into public.workspace_members values ('{ws}', '{ALICE}'); insert into public.documents (workspace_id) values ('{ws}');")).unwrap();
        let joined = as_user(
            &db,
            "authenticated",
            BOB,
            &format!("insert into public.workspace_members values ('{ws}', auth.uid());"),
        );
        assert_eq!(joined.is_ok(), hole, "{check}: {joined:?}");
        assert_eq!(count(&db, "authenticated", BOB, "documents") == "1", hole, "{check}");
    }
}
