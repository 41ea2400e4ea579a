//! `import` round trips: the YAML written for some SQL loads back to the same schema, so
//! `diff` of that YAML against the same SQL finds nothing; and, on PostgreSQL, the YAML
//! rendered from nothing builds the catalog the SQL builds.

mod support;

use std::path::{Path, PathBuf};

use schemagen::model::Schema;
use schemagen::render::Renderer;
use schemagen::source::sql::{LoadReport, load_text};
use schemagen::{Direction, import, load_desired, plan_migration, render_file};

/// Writes the YAML `import` would write for `current` and loads it back.
fn import_and_reload(current: &Schema, what: &str) -> Schema {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in import::to_yaml(current) {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).expect("write yaml");
    }
    load_desired(dir.path()).unwrap_or_else(|e| {
        let files: Vec<String> = import::to_yaml(current).into_iter().map(|(n, t)| format!("# {n}\n{t}")).collect();
        panic!("{what}: imported YAML does not load:\n{e}\n{}", files.join("\n"))
    })
}

fn assert_no_change(current: &Schema, reloaded: &Schema, what: &str) {
    let plan = plan_migration(current, reloaded).expect("plan");
    assert!(
        plan.is_empty(),
        "{what}: diff of imported YAML against its SQL is not empty: {:#?}",
        plan.steps.iter().map(|s| &s.summary).collect::<Vec<_>>()
    );
}

fn load(sql_files: &[(String, String)]) -> Schema {
    let mut schema = Schema::default();
    let mut report = LoadReport::default();
    for (name, text) in sql_files {
        load_text(&mut schema, Path::new(name), text, &mut report).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    schema
}

use support::fixture_dirs;

fn read_sql(dir: &Path) -> Vec<(String, String)> {
    support::sql_files(dir)
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("read")))
        .collect()
}

#[test]
fn import_of_every_fixture_diffs_empty() {
    let mut checked = 0;
    for dir in fixture_dirs() {
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        for (what, files) in [
            (format!("{case}/current"), read_sql(&dir.join("current"))),
            (
                format!("{case}/desired.sql"),
                vec![("desired.sql".to_string(), std::fs::read_to_string(dir.join("desired.sql")).unwrap())],
            ),
        ] {
            let current = load(&files);
            let reloaded = import_and_reload(&current, &what);
            assert_no_change(&current, &reloaded, &what);
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} inputs checked");
}

/// The SQL blocks of a seed document (```sql fences).
fn sql_blocks(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            inside = !inside && trimmed.trim_start_matches('`').trim() == "sql";
            continue;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn import_of_every_seed_diffs_empty() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    if !seeds.is_dir() {
        eprintln!("skipped: ../shared/seeds is not beside the project");
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut tables = 0;
    for f in files {
        let sql = sql_blocks(&std::fs::read_to_string(&f).unwrap());
        let current = load(&[(f.display().to_string(), sql)]);
        tables += current.tables.len();
        let reloaded = import_and_reload(&current, &f.display().to_string());
        assert_no_change(&current, &reloaded, &f.display().to_string());
    }
    // 000 creates workspace_active_models; 004 model_access and model_sync_log.
    assert!(tables >= 3, "the seeds' tables were not read: {tables}");
}

#[test]
fn imported_yaml_builds_the_same_catalog_on_postgres() {
    let server = support::server();
    let renderer = Renderer::new(None).unwrap();
    for dir in fixture_dirs() {
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        let desired_sql = std::fs::read_to_string(dir.join("desired.sql")).unwrap();
        let schema = load(&[("desired.sql".into(), desired_sql.clone())]);
        let reloaded = import_and_reload(&schema, &case);
        let plan = plan_migration(&Schema::default(), &reloaded).unwrap();
        let up = render_file(&renderer, &plan, Direction::Up, "import", &case).unwrap();
        let from_yaml = server.fresh_db();
        from_yaml.apply(&up).unwrap_or_else(|e| panic!("{case}: imported YAML's SQL fails: {e}\n{up}"));
        let from_sql = server.fresh_db();
        from_sql.apply(&desired_sql).unwrap();
        support::assert_catalog_eq(
            &from_yaml.catalog(),
            &from_sql.catalog(),
            &format!("{case}: imported YAML vs its SQL"),
        );
    }
}

/// `history` applied to one database, and its import rendered from nothing to another,
/// give the same catalog; the import diffs empty against the history.
fn assert_import_reproduces(history: &str, what: &str) {
    let current = load(&[(format!("{what}.sql"), history.to_string())]);
    let reloaded = import_and_reload(&current, what);
    assert_no_change(&current, &reloaded, what);
    let plan = plan_migration(&Schema::default(), &reloaded).unwrap();
    let up = render_file(&Renderer::new(None).unwrap(), &plan, Direction::Up, "import", what).unwrap();
    let (by_history, by_import) = (support::server().fresh_db(), support::server().fresh_db());
    by_history.apply(history).unwrap_or_else(|e| panic!("{what}: the history fails: {e}"));
    by_import.apply(&up).unwrap_or_else(|e| panic!("{what}: imported YAML's SQL fails: {e}\n{up}"));
    support::assert_catalog_eq(&by_import.catalog(), &by_history.catalog(), &format!("{what}: import vs history"));
}

#[test]
fn column_privileges_follow_postgresql_through_a_history() {
    assert_import_reproduces(
        "create table public.t (a int, b int, c int);
grant update (a, b) on public.t to anon;
grant select (c), references (a) on public.t to authenticated;
revoke update on public.t from anon;
grant insert (c) on public.t to anon;
grant all (b) on public.t to service_role;
alter table public.t rename column c to d;
alter table public.t drop column b;",
        "column_privileges",
    );
}

#[test]
fn drop_cascade_takes_what_postgresql_takes() {
    let base = "create type public.mood as enum ('ok', 'sad');
create function public.is_ok(v int) returns boolean language sql immutable as 'select v > 0';
create function public.touch() returns trigger language plpgsql as 'begin return new; end';
create table public.t (id int primary key, m public.mood, o int check (public.is_ok(o)));
create table public.u (id int primary key, t_id int references public.t);
alter table public.u enable row level security;
create policy p on public.u using (exists (select 1 from public.t where t.id = u.t_id));
create policy q on public.u using (public.is_ok(id));
create trigger t_touch before update on public.t for each row execute function public.touch();
create view public.v as select id from public.t;
create view public.w as select id from public.v;
create index u_ok on public.u (id) where public.is_ok(id);
create schema app;
create table app.x (id int primary key);
create view public.xv as select id from app.x;
";
    for (what, drop) in [
        ("drop_table_cascade", "drop table public.t cascade;"),
        ("drop_function_cascade", "drop function public.is_ok(int) cascade; drop function public.touch() cascade;"),
        ("drop_type_cascade", "drop type public.mood cascade;"),
        ("drop_view_cascade", "drop view public.v cascade;"),
        ("drop_schema_cascade", "drop schema app cascade;"),
    ] {
        assert_import_reproduces(&format!("{base}{drop}"), what);
    }
}

/// Roles a history grants to without creating them are declared under `roles:`: without
/// that, the YAML check of unknown roles would refuse the imported files.
#[test]
fn roles_the_platform_does_not_have_are_declared() {
    let current = load(&[(
        "1_init.sql".into(),
        "create table t (id int primary key);\ngrant select on t to reporting;\n\
         alter table t enable row level security;\ncreate policy p on t to \"Etl Bot\", authenticated using (true);\n"
            .into(),
    )]);
    let setup = import::to_yaml(&current).into_iter().find(|(n, _)| n == "_setup.yaml").expect("a setup file").1;
    assert!(setup.contains("roles: [Etl Bot, reporting]"), "{setup}");
    let reloaded = import_and_reload(&current, "custom roles");
    assert_no_change(&current, &reloaded, "custom roles");
}

/// A relation a policy's subquery or a view reads that the history does not create is
/// declared `external: true`: the YAML check of undeclared relations would refuse it
/// otherwise. A CTE's name is no relation.
#[test]
fn relations_read_but_not_created_are_declared_external() {
    let current = load(&[(
        "1_init.sql".into(),
        "create table t (id uuid primary key);\nalter table t enable row level security;\n\
         create policy p on t using (exists (select 1 from public.profiles where id = auth.uid()));\n\
         create view v as with c as (select id from t) select c.id from c join teams using (id);\n"
            .into(),
    )]);
    let files = import::to_yaml(&current);
    let externals: Vec<&str> =
        files.iter().filter(|(_, text)| text.contains("external: true")).map(|(n, _)| n.as_str()).collect();
    assert_eq!(externals, ["profiles.yaml", "teams.yaml"]);
    let reloaded = import_and_reload(&current, "relations read");
    assert_no_change(&current, &reloaded, "relations read");
}
