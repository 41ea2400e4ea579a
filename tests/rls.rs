//! The row-level security that `schemagen new table` writes, tested as Supabase's users
//! meet it: as `authenticated` with a JWT `sub`, one user reads and writes only its own
//! rows; `anon` gets nothing.

mod support;

use std::path::Path;
use std::process::Command;

use schemagen::model::Schema;
use schemagen::render::Renderer;
use schemagen::{Direction, load_desired, plan_migration, render_file};

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
    let desired = load_desired(&dir.join("schema")).expect("the generated YAML loads");
    let plan = plan_migration(&Schema::default(), &desired).unwrap();
    let sql = render_file(&Renderer::new(None).unwrap(), &plan, Direction::Up, "rls", "test").unwrap();
    let db = support::server().fresh_db();
    db.apply(&sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
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

    // anon sees nothing at all.
    let anon = as_user(db, "anon", ALICE, &format!("select count(*) from public.{table};"));
    assert!(
        anon.as_ref().is_err_and(|e| e.contains("permission denied")) || anon.as_deref() == Ok("0"),
        "anon read: {anon:?}"
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
