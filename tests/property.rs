//! Random pairs of schemas (tables with foreign keys, checks, indexes, generated columns,
//! defaults calling a function whose result type changes, views over tables and views,
//! functions, SQL functions that write a column, functions taking or returning the row
//! type of a table or a view, policies with subqueries, triggers (enabled or not,
//! constraint triggers among them), and columns renamed
//! under views and functions): for each pair, current + up has the catalog
//! of desired, and + down has the catalog of current again, on a real PostgreSQL. Seeded: a failure prints its seed; `PROPERTY_SEED=n` replays one,
//! `PROPERTY_CASES=n` sets how many run.

mod support;

use std::fmt::Write as _;
use std::path::Path;

use schemagen::model::{ObjectId, QualifiedName, Rename, Schema};
use schemagen::render::Renderer;
use schemagen::source::sql::{LoadReport, load_text};
use schemagen::{Direction, plan_migration, render_file};
use support::rng::Rng;

const COLUMNS: &[(&str, &str, &str)] = &[
    ("a", "integer", "0"),
    ("b", "text", "''"),
    ("c", "boolean", "false"),
    ("d", "timestamptz", "now()"),
    ("e", "numeric(10,2)", "1.5"),
    ("f", "bigint", "7"),
];

/// One random state of the universe of tables t0..t3 and the objects around them, and
/// the columns it names anew where the other state may have them under their old name
/// (table, new name, old name): `b` becomes `b_new`.
fn state(rng: &mut Rng, renames: bool) -> (String, Vec<(usize, String, String)>) {
    let mut sql = String::new();
    let mut renamed = Vec::new();
    // A function that defaults call, whose result type may change between the states.
    let one = rng.chance(50);
    if one {
        let returns = if rng.chance(50) { "integer" } else { "bigint" };
        let _ =
            writeln!(sql, "create function public.one() returns {returns} language sql immutable as $$ select 1 $$;");
    }
    let mut tables: Vec<(usize, Vec<String>)> = Vec::new();
    for t in 0..4 {
        if !rng.chance(75) {
            continue;
        }
        let mut cols: Vec<String> = vec![];
        let mut integer_a = false;
        let mut defs = vec!["id uuid primary key default gen_random_uuid()".to_string()];
        for (name, ty, default) in COLUMNS {
            if rng.chance(50) {
                let chosen = match *name {
                    "a" if rng.chance(25) => "bigint",
                    _ if rng.chance(20) => "text",
                    _ => ty,
                };
                integer_a |= *name == "a" && chosen != "text";
                let name = if *name == "b" && renames && rng.chance(40) {
                    renamed.push((t, "b_new".to_string(), "b".to_string()));
                    "b_new"
                } else {
                    name
                };
                let mut def = format!("{name} {chosen}");
                if name == "a" && chosen != "text" && one && rng.chance(40) {
                    def.push_str(" default public.one()");
                } else if chosen == *ty && rng.chance(40) {
                    let _ = write!(def, " default {default}");
                }
                if rng.chance(30) {
                    def.push_str(" not null");
                }
                defs.push(def);
                cols.push(name.to_string());
            }
        }
        if integer_a && rng.chance(40) {
            defs.push(format!("constraint t{t}_a_positive check (a {} 0)", if rng.chance(50) { ">=" } else { ">" }));
        }
        if integer_a && rng.chance(40) {
            defs.push("g bigint generated always as (a * 2) stored".into());
            cols.push("g".into());
        }
        if rng.chance(30) {
            defs.push("owner uuid references auth.users(id) on delete cascade".into());
            cols.push("owner".into());
        }
        let _ = writeln!(sql, "create table public.t{t} ({});", defs.join(", "));
        for c in &cols {
            if rng.chance(25) {
                let _ = writeln!(sql, "create index t{t}_{c}_idx on public.t{t} ({c});");
            }
        }
        tables.push((t, cols));
    }
    // Foreign keys between the tables, cycles included.
    for (t, _) in &tables {
        for (u, _) in &tables {
            if t != u && rng.chance(20) {
                let _ = writeln!(
                    sql,
                    "alter table public.t{t} add column ref_t{u} uuid references public.t{u}(id) on delete set null;"
                );
            }
        }
    }
    let has = |t: usize| tables.iter().any(|(x, _)| *x == t);
    if rng.chance(60) {
        let body = if rng.chance(50) { "BEGIN NEW.id = NEW.id; RETURN NEW; END;" } else { "BEGIN RETURN NEW; END;" };
        let _ = writeln!(sql, "create function public.touch() returns trigger language plpgsql as $$ {body} $$;");
        for (t, _) in &tables {
            if rng.chance(40) {
                let when = if rng.chance(30) { " when (new.id is not null)" } else { "" };
                let _ = writeln!(
                    sql,
                    "create trigger t{t}_touch before update on public.t{t} for each row{when} execute function public.touch();"
                );
                if rng.chance(30) {
                    let firing = rng.pick(&["disable", "enable replica", "enable always"]);
                    let _ = writeln!(sql, "alter table public.t{t} {firing} trigger t{t}_touch;");
                }
            }
            if rng.chance(20) {
                let deferral = rng.pick(&["", " deferrable", " deferrable initially deferred"]);
                let _ = writeln!(
                    sql,
                    "create constraint trigger t{t}_checked after insert on public.t{t}{deferral} \
                     for each row execute function public.touch();"
                );
            }
        }
    }
    // A SQL function that writes a text column (PostgreSQL checks its names when it is created).
    for (t, cols) in &tables {
        if let Some(b) = cols.iter().find(|c| c.starts_with('b'))
            && rng.chance(50)
        {
            let _ = writeln!(
                sql,
                "create function public.set_t{t}(v text) returns void language sql as $$ update public.t{t} set {b} = v::text $$;"
            );
        }
    }
    if let Some((t, _)) = tables.first()
        && rng.chance(50)
    {
        let arg = if rng.chance(50) { "p uuid" } else { "p uuid, q text default 'x'" };
        let _ = writeln!(
            sql,
            "create function public.exists_in_t{t}({arg}) returns boolean language sql stable as $$ select exists (select 1 from public.t{t} where id = p) $$;"
        );
    }
    // A function over a table's row type: the table's columns change under it.
    for (t, cols) in &tables {
        if rng.chance(30) {
            let field = cols.iter().find(|c| c.starts_with('b')).map_or("r.id::text".to_string(), |b| format!("r.{b}"));
            let _ = writeln!(
                sql,
                "create function public.label_t{t}(r public.t{t}) returns text language sql stable as $$ select {field} $$;"
            );
        }
    }
    for (t, cols) in &tables {
        if rng.chance(50) {
            let _ = writeln!(sql, "alter table public.t{t} enable row level security;");
            let other = (0..4).find(|u| u != t && has(*u) && rng.chance(50));
            let using = match other {
                Some(u) => format!("exists (select 1 from public.t{u} x where x.id = id)"),
                None if cols.iter().any(|c| c == "owner") => "owner = auth.uid()".into(),
                None => "auth.uid() is not null".into(),
            };
            let command = *rng.pick(&["all", "select", "update"]);
            let _ =
                writeln!(sql, "create policy t{t}_read on public.t{t} for {command} to authenticated using ({using});");
        }
        if rng.chance(40) {
            let picked: Vec<&String> = cols.iter().filter(|_| rng.chance(50)).collect();
            let extra: String = picked.iter().map(|c| format!(", {c}")).collect();
            let _ = writeln!(sql, "create view public.v{t} as select id{extra} from public.t{t};");
            if rng.chance(40) {
                let _ = writeln!(sql, "create view public.w{t} as select id from public.v{t};");
            }
            // Functions over a view's row type: a view whose columns change is dropped and
            // created again, and PostgreSQL refuses to drop it under them.
            if rng.chance(40) {
                let (returns, body) = if rng.chance(50) {
                    (format!("setof public.v{t}"), format!("select * from public.v{t}"))
                } else {
                    (format!("public.v{t}"), format!("select * from public.v{t} limit 1"))
                };
                let _ = writeln!(
                    sql,
                    "create function public.rows_v{t}() returns {returns} language sql stable as $$ {body} $$;"
                );
            }
            if rng.chance(30) {
                let _ = writeln!(
                    sql,
                    "create function public.id_of_v{t}(r public.v{t}) returns uuid language sql immutable as $$ select r.id $$;"
                );
            }
        }
    }
    (sql, renamed)
}

fn load(sql: &str) -> Schema {
    let mut schema = Schema::default();
    load_text(&mut schema, Path::new("state.sql"), sql, &mut LoadReport::default()).expect("generated SQL loads");
    schema
}

fn check(seed: u64, server: &support::Server, renderer: &Renderer) -> Result<(), String> {
    let mut rng = Rng::seeded(seed);
    let ((current_sql, _), (desired_sql, renamed)) = (state(&mut rng, false), state(&mut rng, true));
    let mut desired_schema = load(&desired_sql);
    for (t, new, old) in renamed {
        let object = ObjectId::Column(QualifiedName::new("public", format!("t{t}")), new);
        desired_schema.hints.renames.push(Rename { object, from: old, from_schema: None, origin: None });
    }
    let plan = plan_migration(&load(&current_sql), &desired_schema).map_err(|e| format!("plan: {e}"))?;
    let up = render_file(renderer, &plan, Direction::Up, "up", "property").unwrap();
    let down = render_file(renderer, &plan, Direction::Down, "down", "property").unwrap();
    let context = || format!("\n-- current\n{current_sql}\n-- desired\n{desired_sql}\n-- up\n{up}\n-- down\n{down}");
    let (desired, db) = (server.fresh_db(), server.fresh_db());
    desired.apply(&desired_sql).map_err(|e| format!("desired: {e}"))?;
    db.apply(&current_sql).map_err(|e| format!("current: {e}"))?;
    let current = db.catalog();
    db.apply(&up).map_err(|e| format!("up fails: {e}{}", context()))?;
    if let Some(d) = support::catalog_diff(&db.catalog(), &desired.catalog()) {
        return Err(format!("current + up differs from desired:\n{d}{}", context()));
    }
    db.apply(&down).map_err(|e| format!("down fails: {e}{}", context()))?;
    if let Some(d) = support::catalog_diff(&db.catalog(), &current) {
        return Err(format!("current + up + down differs from current:\n{d}{}", context()));
    }
    Ok(())
}

#[test]
fn random_schema_pairs_migrate_and_roll_back() {
    let server = support::server();
    let renderer = Renderer::new(None).unwrap();
    let seeds = support::seeds("PROPERTY_SEED", "PROPERTY_CASES", 200);
    let results = support::parallel(&seeds, |&seed| check(seed, server, &renderer));
    if let Some((seed, Err(e))) = seeds.iter().zip(results).find(|(_, r)| r.is_err()) {
        panic!("seed {seed} fails (replay with PROPERTY_SEED={seed}): {e}");
    }
}
