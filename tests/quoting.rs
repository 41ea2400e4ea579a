//! Identifier quoting, on a real PostgreSQL: random names (spaces, both quotes, backslashes,
//! dots, unicode, keywords, upper case, exactly 63 bytes) of tables, columns, checks,
//! indexes, policies, triggers, functions, views and enums go through YAML → `load_desired`
//! → plan from nothing → rendered SQL → a fresh database, and `pg_catalog` holds exactly
//! those names. Comments, a text default and an enum label holding `'); DROP TABLE x; --`
//! come back verbatim, and the table `x` is still there. Names over 63 bytes are refused.
//! Seeded: a failure prints its seed; `QUOTING_SEED=n` replays one, `QUOTING_CASES=n` sets
//! how many run.

mod support;

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use schemagen::model::Schema;
use schemagen::render::Renderer;
use schemagen::{Direction, load_desired, plan_migration, render_file};
use support::rng::Rng;
use support::yq;

const INJECTION: &str = "'); DROP TABLE x; --";
const MAX_NAME: usize = 63;

/// What names are made of: each piece is a way quoting can go wrong.
const PIECES: &[&str] = &[
    "a",
    "b",
    "Z",
    "Users",
    " ",
    "  ",
    "\"",
    "\"\"",
    "'",
    "''",
    "\\",
    ".",
    "-",
    "$1",
    "$$",
    "%s",
    ";",
    "é",
    "日本",
    "🦀",
    "ß",
    "Ω",
    "\t",
    "0",
    "_",
    "user",
    "select",
    "\"; DROP TABLE x; --",
    INJECTION,
];

/// Whole names that are keywords, reserved or not, and names that look like other things.
const WHOLE: &[&str] = &["user", "select", "order", "table", "group", "default", "check", "all", "public", "1a"];

/// A random name, unique in `taken`, of at most 63 bytes; sometimes exactly 63.
fn name(rng: &mut Rng, taken: &mut HashSet<String>) -> String {
    loop {
        let mut n = String::new();
        if rng.chance(10) {
            n.push_str(rng.pick::<&str>(WHOLE));
        } else {
            let target = if rng.chance(25) { MAX_NAME } else { 1 + rng.below(30) };
            while n.len() < target {
                let piece = *rng.pick(PIECES);
                if n.len() + piece.len() > MAX_NAME {
                    break;
                }
                n.push_str(piece);
            }
            if target == MAX_NAME {
                while n.len() < MAX_NAME {
                    n.push('x');
                }
            }
        }
        if taken.insert(n.clone()) {
            return n;
        }
    }
}

/// `s` as an SQL identifier, as a person writes it in an expression.
fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `s` as an SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Every name a case declares, as `kind|owner|name` lines, the way `read_back` writes them.
#[derive(Default)]
struct Expected(BTreeSet<String>);

impl Expected {
    fn add(&mut self, kind: &str, owner: &str, name: &str) {
        self.0.insert(format!("{kind}|{}|{}", hex(owner), hex(name)));
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The YAML files of one random case, and the names it declares.
fn case(rng: &mut Rng) -> (Vec<(String, String)>, Expected) {
    let mut files = Vec::new();
    let mut expected = Expected::default();
    // Tables, indexes, views and types share one namespace; functions have their own.
    let mut relations = HashSet::from(["x".to_string()]);
    let mut functions = HashSet::new();
    let function = name(rng, &mut functions);
    files.push((
        "function.yaml".to_string(),
        format!(
            "function: {}\nreturns: trigger\nlanguage: plpgsql\nbody: begin return new; end;\ncomment: {}\n",
            yq(&format!("public.{function}")),
            yq(INJECTION)
        ),
    ));
    expected.add("function", "", &function);
    for t in 0..2 {
        let table = name(rng, &mut relations);
        expected.add("table", "", &table);
        let mut columns = HashSet::new();
        let mut yaml = format!("table: {}\nschema: public\ncomment: {}\ncolumns:\n", yq(&table), yq(INJECTION));
        let first = name(rng, &mut columns);
        yaml.push_str(&format!(
            "  {}:\n    type: text\n    default: {}\n    comment: {}\n",
            yq(&first),
            yq(&literal(INJECTION)),
            yq(INJECTION)
        ));
        expected.add("column", &table, &first);
        let mut all = vec![first.clone()];
        for _ in 0..1 + rng.below(3) {
            let c = name(rng, &mut columns);
            yaml.push_str(&format!("  {}: integer\n", yq(&c)));
            expected.add("column", &table, &c);
            all.push(c);
        }
        let mut constraints = HashSet::new();
        let check = name(rng, &mut constraints);
        yaml.push_str(&format!("checks:\n  {}: {}\n", yq(&check), yq(&format!("{} > 0", ident(&all[1])))));
        expected.add("constraint", &table, &check);
        let index = name(rng, &mut relations);
        yaml.push_str(&format!(
            "indexes:\n  {}:\n    columns: [{}]\n    comment: {}\n",
            yq(&index),
            yq(&ident(&first)),
            yq(INJECTION)
        ));
        expected.add("index", "", &index);
        let mut policies = HashSet::new();
        let policy = name(rng, &mut policies);
        yaml.push_str(&format!(
            "rls: true\npolicies:\n  {}:\n    using: {}\n    comment: {}\n",
            yq(&policy),
            yq(&format!("{} > 0", ident(&all[1]))),
            yq(INJECTION)
        ));
        expected.add("policy", &table, &policy);
        let mut triggers = HashSet::new();
        let trigger = name(rng, &mut triggers);
        yaml.push_str(&format!(
            "triggers:\n  {}:\n    timing: before\n    events: [update]\n    function: {}\n",
            yq(&trigger),
            yq(&format!("public.{function}"))
        ));
        expected.add("trigger", &table, &trigger);
        files.push((format!("table{t}.yaml"), yaml));
    }
    let view = name(rng, &mut relations);
    files.push(("view.yaml".into(), format!("view: {}\nquery: select 1 as one\n", yq(&format!("public.{view}")))));
    expected.add("view", "", &view);
    let enum_name = name(rng, &mut relations);
    let mut labels = HashSet::from([INJECTION.to_string()]);
    let label = name(rng, &mut labels);
    files.push((
        "enum.yaml".into(),
        format!("enum: {}\nvalues: [{}, {}]\n", yq(&format!("public.{enum_name}")), yq(&label), yq(INJECTION)),
    ));
    expected.add("enum", "", &enum_name);
    expected.add("label", &enum_name, &label);
    expected.add("label", &enum_name, INJECTION);
    (files, expected)
}

/// The names in the database, as `Expected` writes them, hex-encoded so that no character
/// can confuse psql's output.
const READ_BACK: &str = r#"
select 'table|' || '|' || encode(convert_to(relname, 'UTF8'), 'hex') from pg_class
  where relnamespace = 'public'::regnamespace and relkind = 'r' and relname <> 'x'
union all
select 'view|' || '|' || encode(convert_to(relname, 'UTF8'), 'hex') from pg_class
  where relnamespace = 'public'::regnamespace and relkind = 'v'
union all
select 'index|' || '|' || encode(convert_to(relname, 'UTF8'), 'hex') from pg_class
  where relnamespace = 'public'::regnamespace and relkind = 'i'
union all
select 'column|' || encode(convert_to(c.relname, 'UTF8'), 'hex') || '|' || encode(convert_to(a.attname, 'UTF8'), 'hex')
  from pg_attribute a join pg_class c on c.oid = a.attrelid
  where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and c.relname <> 'x' and a.attnum > 0
    and not a.attisdropped
union all
select 'constraint|' || encode(convert_to(c.relname, 'UTF8'), 'hex') || '|' || encode(convert_to(k.conname, 'UTF8'), 'hex')
  from pg_constraint k join pg_class c on c.oid = k.conrelid
  where c.relnamespace = 'public'::regnamespace and k.contype <> 'n'
union all
select 'policy|' || encode(convert_to(c.relname, 'UTF8'), 'hex') || '|' || encode(convert_to(p.polname, 'UTF8'), 'hex')
  from pg_policy p join pg_class c on c.oid = p.polrelid
union all
select 'trigger|' || encode(convert_to(c.relname, 'UTF8'), 'hex') || '|' || encode(convert_to(t.tgname, 'UTF8'), 'hex')
  from pg_trigger t join pg_class c on c.oid = t.tgrelid
  where not t.tgisinternal and c.relnamespace = 'public'::regnamespace
union all
select 'function|' || '|' || encode(convert_to(proname, 'UTF8'), 'hex') from pg_proc
  where pronamespace = 'public'::regnamespace
union all
select 'enum|' || '|' || encode(convert_to(typname, 'UTF8'), 'hex') from pg_type
  where typnamespace = 'public'::regnamespace and typtype = 'e'
union all
select 'label|' || encode(convert_to(t.typname, 'UTF8'), 'hex') || '|' || encode(convert_to(e.enumlabel, 'UTF8'), 'hex')
  from pg_enum e join pg_type t on t.oid = e.enumtypid;
"#;

/// Every text a case writes as a literal: the comments, and the values of the defaults.
const LITERALS: &str = r#"
insert into x default values;
select 'table comment|' || encode(convert_to(obj_description(c.oid, 'pg_class'), 'UTF8'), 'hex') from pg_class c
  where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'i') and c.relname <> 'x'
union all
select 'column comment|' || encode(convert_to(col_description(a.attrelid, a.attnum), 'UTF8'), 'hex')
  from pg_attribute a join pg_class c on c.oid = a.attrelid
  where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and c.relname <> 'x' and a.attnum = 1
union all
select 'policy comment|' || encode(convert_to(obj_description(p.oid, 'pg_policy'), 'UTF8'), 'hex') from pg_policy p
union all
select 'function comment|' || encode(convert_to(obj_description(p.oid, 'pg_proc'), 'UTF8'), 'hex') from pg_proc p
  where pronamespace = 'public'::regnamespace
union all
select 'x|' || count(*) from x;
"#;

fn check(seed: u64, server: &support::Server, renderer: &Renderer) -> Result<(), String> {
    let mut rng = Rng::seeded(seed);
    let (files, expected) = case(&mut rng);
    let dir = tempfile::tempdir().unwrap();
    for (file, text) in &files {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let yaml = || files.iter().map(|(f, t)| format!("# {f}\n{t}")).collect::<String>();
    let desired = load_desired(dir.path()).map_err(|e| format!("YAML does not load: {e}\n{}", yaml()))?;
    let plan = plan_migration(&Schema::default(), &desired).map_err(|e| format!("plan: {e}"))?;
    let up = render_file(renderer, &plan, Direction::Up, "up", "quoting").unwrap();
    let db = server.fresh_db();
    db.apply("create table x (id int default 1);").unwrap();
    db.apply(&up).map_err(|e| format!("up fails: {e}\n{}\n{up}", yaml()))?;
    let found: BTreeSet<String> = db.query(READ_BACK).unwrap().lines().map(str::to_string).collect();
    if found != expected.0 {
        let missing: Vec<&String> = expected.0.difference(&found).collect();
        let extra: Vec<&String> = found.difference(&expected.0).collect();
        return Err(format!(
            "names differ (hex)\nonly in YAML: {missing:#?}\nonly in PostgreSQL: {extra:#?}\n{}\n{up}",
            yaml()
        ));
    }
    let literals = db.query(LITERALS).unwrap();
    let want = hex(INJECTION);
    for line in literals.lines() {
        match line.split_once('|') {
            Some(("x", "1")) => {}
            Some((what, value)) if what != "x" && value == want => {}
            _ => return Err(format!("a literal changed: {line}\n{}\n{up}", yaml())),
        }
    }
    // Two tables, two indexes, two columns, two policies and the function carry the text.
    if literals.lines().count() != 10 {
        return Err(format!("literals read back: {literals}\n{up}"));
    }
    // The defaults of the tables made here (x's is `1`), as PostgreSQL prints them: the
    // literal, whole, cast to text.
    let defaults = db
        .query(
            "select encode(convert_to(pg_get_expr(d.adbin, d.adrelid), 'UTF8'), 'hex') from pg_attrdef d \
                join pg_class c on c.oid = d.adrelid \
                where c.relnamespace = 'public'::regnamespace and c.relname <> 'x';",
        )
        .unwrap();
    let want = hex(&format!("{}::text", literal(INJECTION)));
    if defaults.lines().collect::<Vec<_>>() != [want.as_str(), want.as_str()] {
        return Err(format!("the text defaults changed: {defaults}\n{up}"));
    }
    Ok(())
}

#[test]
fn random_names_and_literals_survive_yaml_sql_and_postgresql() {
    let server = support::server();
    let renderer = Renderer::new(None).unwrap();
    for seed in support::seeds("QUOTING_SEED", "QUOTING_CASES", 30) {
        if let Err(e) = check(seed, server, &renderer) {
            panic!("seed {seed} fails (replay with QUOTING_SEED={seed}): {e}");
        }
    }
}

/// A name one byte over PostgreSQL's limit, wherever a name goes, is an error at that name:
/// PostgreSQL would cut it, and the YAML would name something that does not exist.
#[test]
fn names_over_63_bytes_are_refused_where_they_are_written() {
    // 62 bytes and a two-byte character: 64 bytes, 63 characters.
    let long = format!("{}é", "n".repeat(62));
    let table = |body: &str| format!("table: t\ncolumns:\n  id: integer\n{body}");
    let cases = [
        ("table", format!("table: {}\ncolumns:\n  id: integer\n", yq(&long))),
        ("column", table(&format!("  {}: integer\n", yq(&long)))),
        ("index", table(&format!("indexes:\n  {}: id\n", yq(&long)))),
        ("check", table(&format!("checks:\n  {}: id > 0\n", yq(&long)))),
        ("policy", table(&format!("rls: true\npolicies:\n  {}:\n    using: 'true'\n", yq(&long)))),
        ("function", format!("function: {}\nreturns: void\nbody: select 1\n", yq(&format!("public.{long}")))),
        ("view", format!("view: {}\nquery: select 1\n", yq(&format!("public.{long}")))),
    ];
    for (what, yaml) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.yaml"), &yaml).unwrap();
        let err = load_desired(dir.path()).err().unwrap_or_else(|| panic!("a {what} name of 64 bytes loads"));
        let text = err.to_string();
        assert!(text.contains("longer than PostgreSQL's 63 bytes"), "{what}: {text}");
        assert!(text.contains(&format!("cut it to `{}`", "n".repeat(62))), "{what}: {text}");
        let file = Path::new(dir.path()).join("t.yaml").display().to_string();
        assert!(text.contains(&format!("--> {file}:")), "{what}: not located: {text}");
    }
}
