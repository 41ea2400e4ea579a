//! The other side of the bad-input cases of issue 15: what the YAML checks must let
//! through. Each file here is close to one they refuse (a column read through a subquery,
//! a view over a CTE, a quoted dotted name, `default: null`, a declared role, a bigint
//! referencing an integer key, a partition's check over its parent's columns, …); schemagen accepts the schema and PostgreSQL applies the
//! migration it writes, so the checks refused nothing the server takes.

mod support;

use std::path::Path;
use std::process::Command;

const FILES: &[(&str, &str)] = &[
    ("_setup.yaml", "---\nextensions:\n  pgcrypto: ~\nroles: [sg_reporting]\n"),
    (
        "teams.yaml",
        "table: teams\ncolumns:\n  id: integer primary key\n  name:\n    type: varchar(255)\n    default: null\n  \
         budget: numeric(10, 2) default '12.50'\n  active: boolean default 'yes'\n  seats: integer default ' 42 '\n  \
         token: uuid default gen_random_uuid()\n  created_at: timestamptz default now()\n  \
         cast_in: integer default true::integer\n  flag: boolean default 1::boolean\n  \
         narrow: smallint default 99999::integer\n  label: text default public.team_label()\n  \
         wide: bigint default 1.5::numeric\n  shown: varchar(20) default 12::bigint\n\
         grants:\n  sg_reporting: [select]\n  authenticated: [select]\n",
    ),
    (
        "members.yaml",
        "table: members\ncolumns:\n  id: bigint generated always as identity primary key\n  \
         team_id: bigint not null references teams(id)\n  user_id: uuid not null references auth.users(id)\n  \
         email: text check (email like '%@%')\n  lower_email: text generated always as (lower(email)) stored\n\
         indexes:\n  members_email_idx:\n    columns: lower(email)\n    where: email is not null\n\
         rls: true\npolicies:\n  members see their team:\n    command: select\n    roles: [authenticated]\n    \
         using: team_id in (select m.team_id from members m where m.user_id = (select auth.uid()))\n  \
         members join:\n    command: insert\n    roles: [authenticated]\n    with_check: user_id = auth.uid()\n\
         triggers:\n  touch:\n    timing: before\n    events: [update]\n    update_of: [email]\n    \
         when: new.email is distinct from old.email\n    function: touch\n",
    ),
    ("dotted.yaml", "table: \"a.b\"\nschema: public\ncolumns:\n  id: bigint primary key\n"),
    (
        "touch.yaml",
        "function: touch\nreturns: trigger\nlanguage: plpgsql\nbody: |\n  declare\n    t members.email%type;\n  \
         begin\n    t := new.email;\n    return new;\n  end\n",
    ),
    (
        "team_size.yaml",
        "function: team_size\nargs: [team bigint]\nreturns: bigint\nbody: select count(*) from members where team_id = team\n",
    ),
    ("team_label.yaml", "function: public.team_label\nreturns: text\nvolatility: immutable\nbody: select 'none'\n"),
    (
        "team_view.yaml",
        "view: team_view\nquery: |\n  with counted as (select team_id, count(*) as n from members group by team_id)\n  \
         select t.id, t.name, c.n, public.team_size(t.id) as size\n  from teams t left join counted c on c.team_id = t.id\n  \
         order by n\n",
    ),
    ("team_names.yaml", "view: team_names\nquery: select t.name, upper(t.name) as shout from teams t order by shout\n"),
    // A partition of a partition whose file sorts before its parent's, with a check and a
    // policy reading columns it has from the top of its partitions, and a view over it.
    ("logs.yaml", "table: logs\ncolumns:\n  region: text not null\n  at: date not null\npartition_by: list (region)\n"),
    (
        "a_logs_eu_2024.yaml",
        "table: logs_eu_2024\npartition_of: logs_eu\nbound: from ('2024-01-01') to ('2025-01-01')\n\
         checks:\n  - region = 'eu'\nrls: true\npolicies:\n  read eu:\n    command: select\n    \
         roles: [authenticated]\n    using: at > '2024-02-01'\n",
    ),
    ("logs_eu.yaml", "table: logs_eu\npartition_of: logs\nbound: in ('eu')\npartition_by: range (at)\n"),
    ("logs_eu_2024_view.yaml", "view: eu_2024\nquery: select region, at from logs_eu_2024\n"),
    // Names PostgreSQL resolves through the levels of a query: each policy and view below
    // reads columns of the query around it, of aliases, of what the checks cannot see into.
    (
        "docs.yaml",
        "table: docs\ncolumns:\n  id: bigint primary key\n  team_id: bigint references teams(id)\n  \
         owner_id: uuid\n  title: text\nrls: true\npolicies:\n  \
         inner first: {using: 'exists (select 1 from members m where m.team_id = team_id and m.user_id = (select auth.uid()))'}\n  \
         by relation name: {using: 'exists (select 1 from members where members.team_id = docs.team_id)'}\n  \
         renamed columns: {using: 'owner_id in (select uid from members as m(mid, tid, uid) where tid = docs.team_id)'}\n  \
         from a subquery: {using: 'exists (select 1 from (select team_id from members) s where s.team_id = team_id)'}\n  \
         from a cte: {using: 'exists (with x as (select team_id from members) select 1 from x where x.team_id = docs.team_id)'}\n  \
         system column and row: {using: 'exists (select 1 from members m where m.ctid is not null and (m).team_id = team_id)'}\n  \
         from a function: {using: 'exists (select 1 from generate_series(1, 3) g where g = docs.id)'}\n  \
         platform table: {using: 'exists (select 1 from auth.users u where u.id = owner_id)'}\n  \
         joined: {using: 'exists (select 1 from members m join teams t on t.id = m.team_id where t.name = title)'}\n  \
         grouped: {using: '(select count(*) from members m where m.team_id = docs.team_id group by m.team_id order by 1) > 0'}\n  \
         union: {using: 'team_id in (select team_id from members union select id from teams)'}\n",
    ),
    (
        "team_counts.yaml",
        "view: team_counts\nquery: |\n  select t.id, t.xmin as version, (select count(*) from members m where m.team_id = t.id) as n\n  \
         from teams t where exists (select 1 from docs d where d.team_id = t.id) order by n\n",
    ),
    // Unqualified calls and casts of what PostgreSQL, an extension or the project has.
    ("team_state.yaml", "enum: team_state\nvalues: [open, closed]\n"),
    (
        "calls.yaml",
        "table: calls\ncolumns:\n  id: bigint primary key default (random() * 1000)::bigint\n  \
         state: text check (state::team_state is not null and state::text <> '')\n  \
         n: bigint check (team_size(n) >= 0 and n::numeric < 1e9)\n  \
         token: text default encode(gen_random_bytes(8), 'hex')\n  \
         tsv: tsvector generated always as (to_tsvector('simple', coalesce(state, ''))) stored\n  \
         row_of: teams\n\
         checks:\n  - (row_of).id is null or row_of::teams is not null\n",
    ),
    (
        "team_lateral.yaml",
        "view: team_lateral\nquery: |\n  select t.id, x.n from teams t\n  \
         cross join lateral (select count(*) as n from members m where m.team_id = t.id) x\n",
    ),
];

#[test]
fn schemas_close_to_the_refused_ones_load_and_apply() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("schema")).unwrap();
    std::fs::create_dir_all(dir.path().join("supabase/migrations")).unwrap();
    for (name, text) in FILES {
        std::fs::write(dir.path().join("schema").join(name), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_schemagen")).current_dir(dir.path()).arg("diff").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let db = support::server().fresh_db();
    db.apply("do $$ begin create role sg_reporting; exception when duplicate_object then null; end $$").unwrap();
    db.apply(&String::from_utf8(out.stdout).unwrap()).unwrap();
    let views =
        "select count(*) from pg_views where viewname in ('team_view', 'team_names', 'team_counts', 'team_lateral')";
    assert_eq!(db.query(views).unwrap(), "4");
    assert_eq!(db.query("select count(*) from pg_policies where tablename = 'docs'").unwrap(), "11");
    assert!(Path::new(&dir.path().join("schema/dotted.yaml")).exists());
    assert_eq!(db.query("select count(*) from pg_tables where tablename = 'a.b'").unwrap(), "1");
    assert_eq!(db.query("select count(*) from pg_inherits where inhparent = 'logs_eu'::regclass").unwrap(), "1");
    assert_eq!(db.query("select count(*) from pg_policies where tablename = 'logs_eu_2024'").unwrap(), "1");
    assert_eq!(db.query("select count(*) from pg_constraint where conrelid = 'calls'::regclass").unwrap(), "4");
}

/// An unqualified call of a function no list here holds is judged only when every
/// extension the project creates is one whose names are known: with an extension that is
/// not (pg_jsonschema), the call may be that extension's and the schema loads.
#[test]
fn unqualified_calls_are_not_judged_beside_an_unknown_extension() {
    let run = |extensions: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("schema")).unwrap();
        std::fs::create_dir_all(dir.path().join("supabase/migrations")).unwrap();
        let setup = format!("extensions:\n  pgcrypto: ~\n{extensions}");
        std::fs::write(dir.path().join("schema/_setup.yaml"), setup).unwrap();
        let table = "table: docs\ncolumns:\n  id: bigint primary key\n  \
                     body: jsonb check (jsonb_matches_schema('{}', body))\n";
        std::fs::write(dir.path().join("schema/docs.yaml"), table).unwrap();
        Command::new(env!("CARGO_BIN_EXE_schemagen")).current_dir(dir.path()).arg("diff").output().unwrap()
    };
    let known_only = run("");
    let stderr = String::from_utf8_lossy(&known_only.stderr);
    assert_eq!(known_only.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("calls jsonb_matches_schema(…), which is neither a PostgreSQL function"), "{stderr}");
    assert!(stderr.contains("schema/docs.yaml:4:"), "{stderr}");
    let with_unknown = run("  pg_jsonschema: ~\n");
    let stderr = String::from_utf8_lossy(&with_unknown.stderr);
    assert!(!stderr.contains("jsonb_matches_schema"), "{stderr}");
    assert_eq!(with_unknown.status.code(), Some(2), "{stderr}");
    assert!(String::from_utf8_lossy(&with_unknown.stdout).contains("jsonb_matches_schema('{}'"));
}
