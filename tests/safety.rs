//! Safe by default, on a real PostgreSQL where data is involved: the destructive gate,
//! renames that keep rows, backfilled NOT NULL columns and `using:` casts, and `--online`
//! files that apply in order and reach the catalog of the plain plan.

mod support;

use support::project::{apply, files, generate, project, read, schemagen};

const NOTES: &str = "create table public.notes (
  id bigint generated always as identity primary key,
  title text not null,
  body text
);
";

const NOTES_WITHOUT_BODY: &str = "table: notes
columns:
  id: bigint generated always as identity primary key
  title: text not null
";

#[test]
fn dropping_a_column_is_refused_with_exit_3_and_nothing_written() {
    let dir = project(NOTES, &[("notes.yaml", NOTES_WITHOUT_BODY)]);
    let diff = schemagen(dir.path(), &["diff"]);
    assert_eq!(diff.code, 3, "{}", diff.stderr);
    assert!(diff.stderr.contains("drops column public.notes.body"), "{}", diff.stderr);
    // It says where: the YAML that lost the column and the SQL that declared it.
    assert!(diff.stderr.contains("schema/notes.yaml:1:8"), "{}", diff.stderr);
    assert!(diff.stderr.contains("0001_init.sql:1:1"), "{}", diff.stderr);

    let run = schemagen(dir.path(), &["generate", "--name", "drop_body"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("Nothing written"), "{}", run.stderr);
    assert_eq!(files(&dir.path().join("supabase/migrations")).len(), 1, "a migration was written");
    assert!(!dir.path().join("supabase/rollbacks").exists());
}

#[test]
fn allowed_destruction_is_written_and_the_rollback_says_what_it_cannot_restore() {
    let dir = project(NOTES, &[("notes.yaml", NOTES_WITHOUT_BODY)]);
    let (up, down) = generate(dir.path(), &["--allow-destructive"]);
    assert_eq!(up.len(), 1);
    assert!(read(&up[0]).contains("DROP COLUMN body"));
    let rollback = read(&down);
    assert!(rollback.contains("-- cannot restore data: column public.notes.body comes back empty"), "{rollback}");

    // The same allowance, written on the table instead of the command line.
    let yaml = format!("{NOTES_WITHOUT_BODY}allow_destructive: true\n");
    let dir = project(NOTES, &[("notes.yaml", &yaml)]);
    assert_eq!(schemagen(dir.path(), &["diff"]).code, 2);
}

#[test]
fn a_drop_and_add_that_looks_like_a_rename_gets_the_hint() {
    let yaml = "table: notes
columns:
  id: bigint generated always as identity primary key
  title: text not null
  content: text
";
    let dir = project(NOTES, &[("notes.yaml", yaml)]);
    let diff = schemagen(dir.path(), &["diff"]);
    assert_eq!(diff.code, 3);
    assert!(diff.stderr.contains("write `renamed_from: body` on column content"), "{}", diff.stderr);
    // With the hint followed, nothing is lost and the gate lets it through.
    let yaml = yaml.replace("content: text", "content: {type: text, renamed_from: body}");
    let dir = project(NOTES, &[("notes.yaml", &yaml)]);
    let diff = schemagen(dir.path(), &["diff"]);
    assert_eq!(diff.code, 2, "{}", diff.stderr);
    assert!(diff.stdout.contains("RENAME COLUMN body TO content"), "{}", diff.stdout);
}

#[test]
fn narrowing_a_type_is_destructive_and_widening_is_not() {
    let current = "create table public.t (id int primary key, code varchar(20), n integer);";
    let narrow = "table: t\ncolumns:\n  id: int primary key\n  code: varchar(10)\n  n: integer\n";
    let wide = "table: t\ncolumns:\n  id: int primary key\n  code: varchar(40)\n  n: bigint\n";
    let run = schemagen(project(current, &[("t.yaml", narrow)]).path(), &["diff"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("changes the type of public.t.code"), "{}", run.stderr);
    let run = schemagen(project(current, &[("t.yaml", wide)]).path(), &["diff"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

const TODOS: &str = "create table public.todos (
  id uuid primary key default gen_random_uuid(),
  owner uuid not null,
  title text not null
);
create index todos_owner_idx on public.todos (owner);
alter table public.todos enable row level security;
create policy \"owner reads\" on public.todos for select using (owner = auth.uid());
";

const TASKS: &str = "table: tasks
renamed_from: todos
columns:
  id: uuid primary key default gen_random_uuid()
  user_id: {type: uuid, not_null: true, renamed_from: owner}
  title: text not null
indexes:
  tasks_user_idx: {columns: [user_id], renamed_from: todos_owner_idx}
rls: true
policies:
  tasks owner reads:
    renamed_from: owner reads
    command: select
    using: user_id = auth.uid()
";

#[test]
fn renames_keep_the_rows_up_and_down() {
    let dir = project(TODOS, &[("tasks.yaml", TASKS)]);
    let db = support::server().fresh_db();
    apply(&db, &files(&dir.path().join("supabase/migrations")));
    let row = "'00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000aa', 'keep me'";
    db.apply(&format!("insert into public.todos (id, owner, title) values ({row});")).unwrap();
    let before = db.catalog();

    let (up, down) = generate(dir.path(), &[]);
    let text: String = up.iter().map(|f| read(f)).collect();
    for rename in [
        "ALTER TABLE public.todos RENAME TO tasks;",
        "RENAME COLUMN owner TO user_id;",
        "ALTER INDEX public.todos_owner_idx RENAME TO tasks_user_idx;",
        "ALTER POLICY \"owner reads\" ON public.tasks RENAME TO \"tasks owner reads\";",
    ] {
        assert!(text.contains(rename), "missing {rename}:\n{text}");
    }
    assert!(!text.contains("DROP"), "a rename must not drop anything:\n{text}");
    apply(&db, &up);
    let got = db.query("select id, user_id, title from public.tasks;").unwrap();
    assert_eq!(got, "00000000-0000-0000-0000-000000000001|00000000-0000-0000-0000-0000000000aa|keep me");
    assert!(db.query("select 1 from pg_indexes where indexname = 'tasks_user_idx';").unwrap().contains('1'));
    assert!(
        db.query("select 1 from pg_policies where policyname = 'tasks owner reads';").unwrap().contains('1'),
        "the policy keeps its definition under the new name"
    );
    // Fixpoint: the migrations now reach the YAML.
    assert_eq!(schemagen(dir.path(), &["check"]).code, 0);

    db.apply(&read(&down)).unwrap();
    assert_eq!(db.catalog(), before, "the rollback restores the names");
    let got = db.query("select owner, title from public.todos;").unwrap();
    assert_eq!(got, "00000000-0000-0000-0000-0000000000aa|keep me");
}

#[test]
fn backfill_and_using_keep_the_rows() {
    let current = "create table public.orders (
  id bigint generated always as identity primary key,
  amount text not null,
  note text
);
insert into public.orders (amount, note) values (' 12 ', 'a'), ('30', null);
";
    let yaml = "table: orders
columns:
  id: bigint generated always as identity primary key
  amount: {type: integer, not_null: true, using: trim(amount)::integer}
  note: text
  label:
    type: text
    not_null: true
    backfill: coalesce(note, 'order ' || id)
";
    let dir = project(current, &[("orders.yaml", yaml)]);
    // Without backfill the required column is refused before anything is written.
    let unfilled =
        project(current, &[("orders.yaml", &yaml.replace("    backfill: coalesce(note, 'order ' || id)\n", ""))]);
    let run = schemagen(unfilled.path(), &["generate", "--name", "x", "--allow-destructive"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("adding_required_field"), "{}", run.stderr);

    let db = support::server().fresh_db();
    apply(&db, &files(&dir.path().join("supabase/migrations")));
    let (up, _) = generate(dir.path(), &["--allow-destructive"]);
    let text: String = up.iter().map(|f| read(f)).collect();
    // The cast is printed from its parse tree, as every expression is.
    assert!(text.contains("TYPE integer USING TRIM (BOTH  FROM amount)::int;"), "{text}");
    apply(&db, &up);
    let rows = db.query("select id, amount, label from public.orders order by id;").unwrap();
    assert_eq!(rows, "1|12|a\n2|30|order 2");
    let not_null = db
        .query("select attnotnull from pg_attribute where attrelid = 'public.orders'::regclass and attname = 'label';")
        .unwrap();
    assert_eq!(not_null, "t");
    assert_eq!(schemagen(dir.path(), &["check"]).code, 0);
}

const ACCOUNTS: &str = "create table public.teams (id bigint primary key);
create table public.members (
  id bigint generated always as identity primary key,
  team_id bigint,
  email text,
  score integer
);
insert into public.teams values (1);
insert into public.members (team_id, email, score) values (1, 'a@example.com', 3);
";

const MEMBERS: &str = "table: members
columns:
  id: bigint generated always as identity primary key
  team_id: {type: bigint, references: teams(id)}
  email: text not null
  score: integer check (score >= 0)
  joined_at:
    type: timestamptz
    not_null: true
    backfill: now()
indexes:
  - columns: [email]
";
const TEAMS: &str = "table: teams\ncolumns:\n  id: bigint primary key\n";

#[test]
fn online_files_apply_in_order_and_reach_the_catalog_of_the_plain_plan() {
    let plain_dir = project(ACCOUNTS, &[("members.yaml", MEMBERS), ("teams.yaml", TEAMS)]);
    let online_dir = project(ACCOUNTS, &[("members.yaml", MEMBERS), ("teams.yaml", TEAMS)]);
    let (plain, _) = generate(plain_dir.path(), &[]);
    assert_eq!(plain.len(), 1, "without --online there is one transactional file: {plain:?}");
    assert!(!read(&plain[0]).contains("CONCURRENTLY"));
    let (online, down) = generate(online_dir.path(), &["--online"]);

    let last = read(online.last().unwrap());
    assert!(online.last().unwrap().to_string_lossy().ends_with("_online.sql"), "{online:?}");
    assert!(!last.contains("BEGIN;"), "the online file runs outside a transaction:\n{last}");
    assert!(last.contains("CREATE INDEX CONCURRENTLY members_email_idx"), "{last}");
    assert!(last.contains("VALIDATE CONSTRAINT members_team_id_fkey"), "{last}");
    assert!(last.contains("VALIDATE CONSTRAINT members_score_check"), "{last}");
    assert!(last.contains("ALTER COLUMN email SET NOT NULL"), "{last}");
    assert!(last.contains("SET lock_timeout = '5s';"), "{last}");
    let first = read(&online[0]);
    assert!(first.contains("SET LOCAL lock_timeout = '5s';"), "{first}");
    assert!(first.contains("NOT VALID"), "{first}");

    let plain_db = support::server().fresh_db();
    apply(&plain_db, &files(&plain_dir.path().join("supabase/migrations")));
    let online_db = support::server().fresh_db();
    apply(&online_db, &files(&online_dir.path().join("supabase/migrations")));
    assert_eq!(online_db.catalog(), plain_db.catalog(), "online and plain plans reach different catalogs");
    assert_eq!(schemagen(online_dir.path(), &["check"]).code, 0);
    let joined = online_db.query("select count(*) from public.members where joined_at is not null;").unwrap();
    assert_eq!(joined, "1");
    // The rollback of an online migration is a plain one and restores the start.
    let start = support::server().fresh_db();
    start.apply(ACCOUNTS).unwrap();
    online_db.apply(&read(&down)).unwrap();
    assert_eq!(online_db.catalog(), start.catalog());
}

/// A pg_cron job of the migrations that no `cron:` file declares is refused like a drop;
/// allowed, it is unscheduled on PostgreSQL and the rollback schedules it again.
#[test]
fn an_undeclared_cron_job_is_destructive_and_unscheduled_only_when_allowed() {
    let current = "create extension if not exists pg_cron;
select cron.schedule('nightly', '0 3 * * *', $$select 1$$);
select cron.schedule('hourly', '@hourly', $$select 2$$);
";
    let kept = "cron: hourly\nschedule: '@hourly'\ncommand: select 2\n";
    let dir = project(current, &[("_setup.yaml", "extensions:\n  pg_cron: {}\n"), ("hourly.yaml", kept)]);
    let diff = schemagen(dir.path(), &["diff"]);
    assert_eq!(diff.code, 3, "{}", diff.stderr);
    assert!(diff.stderr.contains("unschedules cron job 'nightly'"), "{}", diff.stderr);
    assert!(diff.stderr.contains("0001_init.sql:2:1"), "it says where the job was scheduled: {}", diff.stderr);
    assert!(!diff.stderr.contains("'hourly'"), "a declared job is no loss: {}", diff.stderr);

    let db = support::server().fresh_db();
    apply(&db, &files(&dir.path().join("supabase/migrations")));
    let before = db.catalog();
    let (up, down) = generate(dir.path(), &["--allow-destructive"]);
    apply(&db, &up);
    assert_eq!(db.query("select jobname from cron.job order by jobname;").unwrap(), "hourly");
    assert_eq!(schemagen(dir.path(), &["check"]).code, 0, "the migrations now reach the YAML");
    db.apply(&read(&down)).unwrap();
    assert_eq!(db.catalog(), before, "the rollback schedules the job again");
}
