//! Plans that apply (issue 15): on a real PostgreSQL, each migration applies with rows in
//! the tables, keeps them, reaches the YAML (`check`), and its rollback brings back the
//! catalog and the rows of before.

mod support;

use support::project::{apply, generate, project, read, schemagen};

struct Case<'a> {
    /// The history, `0001_init.sql`.
    current: &'a str,
    /// Rows put in before the migration.
    rows: &'a str,
    yaml: &'a [(&'a str, &'a str)],
    args: &'a [&'a str],
    /// A query and its result after the migration, and after the rollback.
    after_up: (&'a str, &'a str),
    after_down: (&'a str, &'a str),
}

/// The migration's files and its rollback, once both applied and checked.
fn up_and_down(case: &Case) -> (Vec<String>, String) {
    let dir = project(case.current, case.yaml);
    let db = support::server().fresh_db();
    db.apply(case.current).unwrap();
    db.apply(case.rows).unwrap();
    let before = db.catalog();
    let (up, down) = generate(dir.path(), case.args);
    apply(&db, &up);
    let check = schemagen(dir.path(), &["check"]);
    assert_eq!(check.code, 0, "the migration does not reach the YAML:\n{}{}", check.stdout, check.stderr);
    assert_eq!(db.query(case.after_up.0).unwrap(), case.after_up.1, "rows after the migration");
    let rollback = read(&down);
    db.apply(&rollback).unwrap_or_else(|e| panic!("the rollback does not apply: {e}\n{rollback}"));
    support::assert_catalog_eq(&db.catalog(), &before, "after the rollback");
    assert_eq!(db.query(case.after_down.0).unwrap(), case.after_down.1, "rows after the rollback");
    (up.iter().map(|f| read(f)).collect(), rollback)
}

#[test]
fn a_check_on_a_new_column_comes_after_the_column() {
    let up = up_and_down(&Case {
        current: "create table public.items (id int primary key);",
        rows: "insert into public.items values (1), (2);",
        yaml: &[
            (
                "items.yaml",
                "table: items\ncolumns:\n  id: int primary key\n  \
                 rank: int not null default public.first_rank() check (rank > 0)\n\
                 indexes:\n  - columns: [rank]\n",
            ),
            ("first_rank.yaml", "function: public.first_rank\nreturns: int\nbody: select 1\n"),
        ],
        args: &[],
        after_up: ("select id, rank from public.items order by id", "1|1\n2|1"),
        after_down: ("select id from public.items order by id", "1\n2"),
    })
    .0;
    let text = up.concat();
    let (function, column, check) =
        (text.find("CREATE FUNCTION").unwrap(), text.find("ADD COLUMN rank").unwrap(), text.find("CHECK").unwrap());
    assert!(function < column && column < check, "{text}");
}

#[test]
fn the_rollback_of_a_column_rename_recreates_the_view_as_it_was() {
    let (_, down) = up_and_down(&Case {
        current: "create table public.posts (id int primary key, name text);
                  create view public.titles as select p.id, p.name from public.posts p;",
        rows: "insert into public.posts values (1, 'first');",
        yaml: &[
            (
                "posts.yaml",
                "table: posts\ncolumns:\n  id: int primary key\n  title: {type: text, renamed_from: name}\n",
            ),
            ("titles.yaml", "view: public.titles\nquery: select p.id, p.title from public.posts p\n"),
        ],
        args: &[],
        after_up: ("select id, title from public.titles", "1|first"),
        after_down: ("select id, name from public.titles", "1|first"),
    });
    assert!(!down.contains("title AS name"), "{down}");
}

const NEIGHBOURS: &str = "create table public.teams (id int primary key, name text, motto text);
create table public.members (id int primary key, team_id int references public.teams, note text);
alter table public.teams enable row level security;
alter table public.members enable row level security;
create policy team_reads on public.teams for select using (name is not null);
create policy team_members on public.members for select
  using (exists (select 1 from public.teams t where t.id = team_id));
create policy own_note on public.members for update using (note is not null);
";

#[test]
fn dropping_a_column_touches_only_what_reads_it() {
    let teams = "table: teams\ncolumns:\n  id: int primary key\n  name: text\nrls: true\n\
                 policies:\n  team_reads: {command: select, using: name is not null}\n";
    let members = "table: members\ncolumns:\n  id: int primary key\n  team_id: int references teams\n  \
                   note: varchar(200)\n\
                   rls: true\npolicies:\n  \
                   team_members: {command: select, using: 'exists (select 1 from public.teams t where t.id = team_id)'}\n  \
                   own_note: {command: update, using: note is not null}\n";
    let (up, _) = up_and_down(&Case {
        current: NEIGHBOURS,
        rows: "insert into public.teams values (1, 'a', 'm'); insert into public.members values (1, 1, 'n');",
        yaml: &[("teams.yaml", teams), ("members.yaml", members)],
        args: &["--allow-destructive"],
        after_up: ("select t.id, m.note from public.teams t join public.members m on m.team_id = t.id", "1|n"),
        after_down: ("select motto from public.teams", ""),
    });
    assert_eq!(up.len(), 1, "a policy dropped and created again stays in the file of its drop:\n{}", up.concat());
    let text = &up[0];
    assert!(!text.contains("team_reads") && !text.contains("team_members"), "nothing reads teams.motto:\n{text}");
    // own_note reads members.note, whose type changes.
    let (drop, alter, create) = (
        text.find("DROP POLICY own_note").unwrap(),
        text.find("ALTER COLUMN note TYPE").unwrap(),
        text.find("CREATE POLICY own_note").unwrap(),
    );
    assert!(drop < alter && alter < create, "{text}");
}

#[test]
fn a_rollback_that_removes_an_enum_value_says_what_it_cannot_restore() {
    let (_, down) = up_and_down(&Case {
        current: "create type public.mood as enum ('ok', 'sad');
                  create table public.days (id int primary key, mood public.mood not null default 'ok');",
        rows: "insert into public.days values (1, 'sad'), (2, 'ok');",
        yaml: &[
            ("mood.yaml", "enum: public.mood\nvalues: [ok, happy, sad]\n"),
            ("days.yaml", "table: days\ncolumns:\n  id: int primary key\n  mood: public.mood not null default 'ok'\n"),
        ],
        args: &[],
        after_up: ("select id, mood from public.days order by id", "1|sad\n2|ok"),
        after_down: ("select id, mood from public.days order by id", "1|sad\n2|ok"),
    });
    assert!(down.contains("-- cannot restore rows holding happy of type public.mood"), "{down}");
}

#[test]
fn an_added_enum_value_leaves_what_takes_the_type_in_place_and_the_rollback_rebuilds_it() {
    let current = "create type public.mood as enum ('ok', 'sad');
        create function public.usual_mood() returns public.mood language sql immutable as $$select 'ok'::public.mood$$;
        create table public.days (id int primary key, mood public.mood not null default 'ok');
        create function public.days_with(m public.mood) returns setof public.days language sql stable
          as $$select * from public.days where mood = m$$;
        create view public.sad_days as select id from public.days_with('sad');";
    let (up, down) = up_and_down(&Case {
        current,
        rows: "insert into public.days values (1, 'sad'), (2, 'ok');",
        yaml: &[
            ("mood.yaml", "enum: public.mood\nvalues: [ok, happy, sad]\n"),
            (
                "usual_mood.yaml",
                "function: public.usual_mood\nreturns: public.mood\nvolatility: immutable\n\
                 body: select 'ok'::public.mood\n",
            ),
            ("days.yaml", "table: days\ncolumns:\n  id: int primary key\n  mood: public.mood not null default 'ok'\n"),
            (
                "days_with.yaml",
                "function: public.days_with\nargs: [m public.mood]\nreturns: setof public.days\nvolatility: stable\n\
                 body: select * from public.days where mood = m\n",
            ),
            ("sad_days.yaml", "view: public.sad_days\nquery: select id from public.days_with('sad')\n"),
        ],
        args: &[],
        after_up: ("select id, mood from public.days order by id", "1|sad\n2|ok"),
        after_down: ("select id, mood from public.days order by id", "1|sad\n2|ok"),
    });
    // The migration is the new value alone; the rollback takes the function, the view over
    // it and the default off the type before it recreates it, and puts them back after.
    let up = up.concat();
    let statements: Vec<&str> = up
        .lines()
        .filter(|l| !l.starts_with("--") && !l.trim().is_empty() && !matches!(*l, "BEGIN;" | "COMMIT;"))
        .collect();
    assert_eq!(statements, ["ALTER TYPE public.mood ADD VALUE 'happy' BEFORE 'sad';"], "{up}");
    for dropped in ["DROP FUNCTION public.days_with", "DROP VIEW public.sad_days", "DROP FUNCTION public.usual_mood"] {
        assert!(down.contains(dropped), "{dropped} missing from the rollback:\n{down}");
    }
}

#[test]
fn a_function_that_changes_beside_an_added_enum_value_is_rebuilt_both_ways() {
    let function = |body: &str| {
        format!(
            "function: public.days_with\nargs: [m public.mood]\nreturns: setof public.days\nvolatility: stable\n\
             body: {body}\n"
        )
    };
    let (up, _) = up_and_down(&Case {
        current: "create type public.mood as enum ('ok', 'sad');
            create table public.days (id int primary key, mood public.mood not null);
            create function public.days_with(m public.mood) returns setof public.days language sql stable
              as $$select * from public.days where mood = m$$;",
        rows: "insert into public.days values (1, 'sad'), (2, 'ok');",
        yaml: &[
            ("mood.yaml", "enum: public.mood\nvalues: [ok, happy, sad]\n"),
            ("days.yaml", "table: days\ncolumns:\n  id: int primary key\n  mood: public.mood not null\n"),
            ("days_with.yaml", &function("select * from public.days where mood = m order by id")),
        ],
        args: &[],
        after_up: ("select id from public.days_with('sad')", "1"),
        after_down: ("select id from public.days_with('ok')", "2"),
    });
    // Its new body comes with it once the value is there; the rollback puts the old one back.
    let up = up.concat();
    let (add, create) = (up.find("ADD VALUE").unwrap(), up.find("CREATE FUNCTION public.days_with").unwrap());
    assert!(add < create && up.contains("order by id"), "{up}");
}

#[test]
fn a_function_whose_result_type_changes_takes_its_default_and_index_along() {
    let function = |returns: &str| {
        format!(
            "function: public.first_rank\nreturns: {returns}\nlanguage: sql\nvolatility: immutable\nbody: select 1\n"
        )
    };
    up_and_down(&Case {
        current: "create function public.first_rank() returns int language sql immutable as $$select 1$$;
                  create table public.items (id int primary key, rank bigint default public.first_rank());
                  create index items_rank_idx on public.items ((rank + public.first_rank()));",
        rows: "insert into public.items (id) values (1), (2);",
        yaml: &[
            (
                "items.yaml",
                "table: items\ncolumns:\n  id: int primary key\n  rank: bigint default public.first_rank()\n\
                 indexes:\n  items_rank_idx: '(rank + public.first_rank())'\n",
            ),
            ("first_rank.yaml", &function("bigint")),
        ],
        args: &[],
        after_up: ("select id, rank from public.items order by id", "1|1\n2|1"),
        after_down: ("select id, rank from public.items order by id", "1|1\n2|1"),
    });
}

#[test]
fn a_column_type_change_under_a_generated_column() {
    up_and_down(&Case {
        current: "create table public.boxes (id int primary key, side int not null,
                    area int generated always as (side * side) stored);",
        rows: "insert into public.boxes (id, side) values (1, 3);",
        yaml: &[(
            "boxes.yaml",
            "table: boxes\ncolumns:\n  id: int primary key\n  side: bigint not null\n  \
             area: int generated always as (side * side) stored\n",
        )],
        args: &[],
        after_up: ("select id, side, area from public.boxes", "1|3|9"),
        after_down: ("select id, side, area from public.boxes", "1|3|9"),
    });
}

#[test]
fn serial_to_identity_keeps_the_rows_and_the_numbering() {
    up_and_down(&Case {
        current: "create table public.tags (id serial primary key, label text);",
        rows: "insert into public.tags (label) values ('a'), ('b');",
        yaml: &[(
            "tags.yaml",
            "table: tags\ncolumns:\n  id: integer generated by default as identity primary key\n  label: text\n",
        )],
        args: &["--allow-destructive"],
        after_up: ("insert into public.tags (label) values ('c') returning id", "3"),
        after_down: ("select id, label from public.tags order by id", "1|a\n2|b\n3|c"),
    });
}

#[test]
fn a_view_whose_options_alone_change_is_altered_in_place() {
    let (up, down) = up_and_down(&Case {
        current: "create table public.notes (id int primary key, body text);
                  create view public.bodies with (security_barrier = true) as select id, body from public.notes;",
        rows: "insert into public.notes values (1, 'b');",
        yaml: &[
            ("notes.yaml", "table: notes\ncolumns:\n  id: int primary key\n  body: text\n"),
            ("bodies.yaml", "view: public.bodies\nsecurity_invoker: true\nquery: select id, body from public.notes\n"),
        ],
        args: &[],
        after_up: ("select id, body from public.bodies", "1|b"),
        after_down: ("select id, body from public.bodies", "1|b"),
    });
    let text = up.concat();
    assert!(!text.contains("DROP VIEW") && !down.contains("DROP VIEW"), "{text}\n{down}");
    assert!(text.contains("ALTER VIEW public.bodies SET (security_invoker = true);"), "{text}");
    assert!(text.contains("ALTER VIEW public.bodies RESET (security_barrier);"), "{text}");
}

#[test]
fn a_sql_function_that_writes_a_renamed_column_is_replaced_after_the_rename_and_back_before() {
    let function = |column: &str| {
        format!(
            "function: public.set_title\nargs: [t text, i int]\nreturns: void\nlanguage: sql\n\
             body: 'update public.posts set {column} = t where id = i'\n"
        )
    };
    let (up, down) = up_and_down(&Case {
        current: "create table public.posts (id int primary key, name text);
                  create function public.set_title(t text, i int) returns void language sql
                    as $$ update public.posts set name = t where id = i $$;",
        rows: "insert into public.posts values (1, 'first');",
        yaml: &[
            (
                "posts.yaml",
                "table: posts\ncolumns:\n  id: int primary key\n  title: {type: text, renamed_from: name}\n",
            ),
            ("set_title.yaml", &function("title")),
        ],
        args: &[],
        after_up: ("select public.set_title('second', 1); select title from public.posts", "\nsecond"),
        after_down: ("select public.set_title('third', 1); select name from public.posts", "\nthird"),
    });
    let text = up.concat();
    assert!(text.find("RENAME COLUMN").unwrap() < text.find("CREATE OR REPLACE FUNCTION").unwrap(), "{text}");
    assert!(down.find("RENAME COLUMN").unwrap() < down.find("CREATE OR REPLACE FUNCTION").unwrap(), "{down}");
}

#[test]
fn a_table_moved_to_another_schema_keeps_its_rows_and_what_it_holds() {
    // Its serial sequence, key, unique constraint, index and policy go with it; the
    // foreign key of another table follows it.
    let notes = "table: notes\nschema: archive\nrenamed_from: public.notes\ncolumns:\n  \
                 id: serial primary key\n  body: text not null unique\n  owner_id: int\n\
                 indexes:\n  notes_owner: {columns: [owner_id]}\n\
                 rls: true\npolicies:\n  notes_read: {command: select, using: \"body <> ''\"}\n";
    let (up, down) = up_and_down(&Case {
        current: "create schema archive;
                  create table public.notes (id serial primary key, body text not null unique, owner_id int);
                  create index notes_owner on public.notes (owner_id);
                  create table public.pins (id int primary key, note_id int references public.notes);
                  alter table public.notes enable row level security;
                  create policy notes_read on public.notes for select using (body <> '');",
        rows: "insert into public.notes (body, owner_id) values ('a', 7), ('b', 8); insert into public.pins values (1, 2);",
        yaml: &[
            ("_setup.yaml", "schemas: [archive]\n"),
            ("notes.yaml", notes),
            ("pins.yaml", "table: pins\ncolumns:\n  id: int primary key\n  note_id: int references archive.notes\n"),
        ],
        args: &[],
        after_up: (
            "insert into archive.notes (body) values ('c') returning id;
             select n.body, n.owner_id from archive.notes n join public.pins p on p.note_id = n.id",
            "3\nb|8",
        ),
        after_down: ("select id, body from public.notes order by id", "1|a\n2|b\n3|c"),
    });
    let text = up.concat();
    assert!(!text.contains("DROP") && !text.contains("CREATE"), "{text}");
    assert!(text.contains("ALTER TABLE public.notes SET SCHEMA archive;"), "{text}");
    assert!(down.contains("ALTER TABLE archive.notes SET SCHEMA public;"), "{down}");
}

#[test]
fn a_table_moved_and_renamed_into_a_new_schema_and_back() {
    let (up, down) = up_and_down(&Case {
        current: "create table public.drafts (id int generated always as identity primary key, body text);",
        rows: "insert into public.drafts (body) values ('a'), ('b');",
        yaml: &[
            ("_setup.yaml", "schemas: [archive]\n"),
            (
                "drafts.yaml",
                "table: old_drafts\nschema: archive\nrenamed_from: public.drafts\ncolumns:\n  \
                 id: int generated always as identity primary key\n  body: text\n",
            ),
        ],
        args: &[],
        after_up: ("insert into archive.old_drafts (body) values ('c') returning id", "3"),
        after_down: ("select id, body from public.drafts order by id", "1|a\n2|b\n3|c"),
    });
    let text = up.concat();
    let (schema, moved, renamed) = (
        text.find("CREATE SCHEMA archive").unwrap(),
        text.find("ALTER TABLE public.drafts SET SCHEMA archive;").unwrap(),
        text.find("ALTER TABLE archive.drafts RENAME TO old_drafts;").unwrap(),
    );
    assert!(schema < moved && moved < renamed && !text.contains("DROP TABLE"), "{text}");
    let (renamed, moved, schema) = (
        down.find("ALTER TABLE archive.old_drafts RENAME TO drafts;").unwrap(),
        down.find("ALTER TABLE archive.drafts SET SCHEMA public;").unwrap(),
        down.find("DROP SCHEMA archive").unwrap(),
    );
    assert!(renamed < moved && moved < schema, "{down}");
}
