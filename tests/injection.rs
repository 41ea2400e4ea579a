//! Statement injection, on a real PostgreSQL. Every YAML key and name that reaches SQL, and
//! the `schemagen.toml` paths that reach the file header, gets values that try to close their
//! quoting or smuggle a second statement (`DROP TABLE canary`). For each case and each of the
//! plain, `--idempotent` and `--online` modes, `schemagen generate` either refuses the value at
//! its place (exit 1, `--> file:line:col`, nothing written) or writes files that, applied in
//! order to a database holding the table `canary` and one row, leave that row there after the
//! up migration and after the rollback; where the value is data (a name, a comment, a literal)
//! it comes back from the database exactly as written.
//!
//! `INJECTION_CASE=text` runs only the cases whose name holds `text`; `INJECTION_THREADS=n`
//! sets how many run at once (default 2).

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use support::{ident, literal, yq};

/// Each closes one kind of quoting, then drops the canary. A second statement can only run
/// when the first is still valid SQL, so each payload breaks out of one context cleanly
/// rather than out of all at once.
const PAYLOADS: &[(&str, &str)] = &[
    ("quote", "'); DROP TABLE canary; --"),
    ("dquote", "\"); DROP TABLE canary; --"),
    ("newline", "--\nDROP TABLE canary; --"),
    ("dollar", "$$; DROP TABLE canary; --"),
    ("tag", "$schemagen$; DROP TABLE canary; --"),
    ("comment", "*/; DROP TABLE canary; --"),
];

/// Dollar tags a renderer might pick for a function body, each closed from inside the body.
const BODY_TAGS: &[&str] =
    &["$f$; DROP TABLE canary; --", "$function$; DROP TABLE canary; --", "$body$; DROP TABLE canary; --"];

/// Rules whose error would refuse a case for a reason that has nothing to do with its value.
const LINT_OFF: &str = "[lint]\nrls_disabled_in_public = \"allow\"\npolicy_exists_rls_disabled = \"allow\"\n\
                        security_definer_view = \"allow\"\nadding_required_field = \"allow\"\n";

const MODES: &[(&str, &[&str])] = &[("plain", &[]), ("idempotent", &["--idempotent"]), ("online", &["--online"])];

/// One project: SQL beside the canary, YAML files, and what the database must hold after
/// the up migration and after the rollback (query → rows).
#[derive(Clone, Default)]
struct Case {
    name: String,
    current: String,
    files: Vec<(String, String)>,
    /// Lines of `schemagen.toml` before its `[lint]` table.
    config: String,
    schema_dir: Option<String>,
    sql_dir: Option<String>,
    up: Vec<(String, String)>,
    down: Vec<(String, String)>,
}

impl Case {
    fn new(name: impl Into<String>) -> Case {
        Case { name: name.into(), ..Case::default() }
    }
    fn current(mut self, sql: impl Into<String>) -> Case {
        self.current.push_str(&sql.into());
        self
    }
    fn file(mut self, path: &str, yaml: impl Into<String>) -> Case {
        self.files.push((path.to_string(), yaml.into()));
        self
    }
    /// A table file `t.yaml`: `table: t` and then `rest`.
    fn table(self, rest: impl Into<String>) -> Case {
        self.file("t.yaml", format!("table: t\n{}", rest.into()))
    }
    /// A function file `f.yaml` for `public.f`, then `rest`.
    fn function(self, rest: impl Into<String>) -> Case {
        self.file("f.yaml", format!("function: public.f\n{}", rest.into()))
    }
    /// After the up migration, `query` gives `rows`.
    fn up(mut self, query: &str, rows: impl Into<String>) -> Case {
        self.up.push((query.to_string(), rows.into()));
        self
    }
    fn down(mut self, query: &str, rows: impl Into<String>) -> Case {
        self.down.push((query.to_string(), rows.into()));
        self
    }
}

/// `s` as a TOML basic string.
fn tq(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

const TRIGGER_FUNCTION: &str = "returns: trigger\nlanguage: plpgsql\nbody: begin return new; end;\n";
const RELNAMES: &str = "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = ";
const T_COLUMNS: &str = "select attname from pg_attribute where attrelid = 'public.t'::regclass and attnum > 0 \
                         and not attisdropped order by attnum";
const T_CONSTRAINT: &str = "select conname from pg_constraint where conrelid = 'public.t'::regclass and contype = ";
const INHERITED_FROM: &str = "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhparent where i.inhrelid = 'public.t'::regclass";
const T_ROWS: &str = "insert into public.t (n) values (1); select m from public.t;";

/// Cases where `p` is a name: it comes back from the catalog as written.
fn name_cases(p: &str) -> Vec<Case> {
    let q = yq(p);
    vec![
        Case::new("table name").file("p.yaml", format!("table: {q}\ncolumns:\n  id: int\n")).up(
            &format!("{RELNAMES} 'r' and relname <> 'canary'"),
            p,
        ),
        Case::new("schema name")
            .file("setup.yaml", format!("schemas: [{q}]\n"))
            .table(format!("schema: {q}\ncolumns:\n  id: int\n"))
            .up("select relnamespace::regnamespace = 'public'::regnamespace, n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace where relname = 't'", format!("f|{p}")),
        Case::new("column name").table(format!("columns:\n  {q}: int\n")).up(T_COLUMNS, p),
        Case::new("check name")
            .table(format!("columns:\n  n: int\nchecks:\n  {q}: n > 0\n"))
            .up(&format!("{T_CONSTRAINT} 'c'"), p),
        Case::new("unique name")
            .table(format!("columns:\n  n: int\nunique:\n  - {{name: {q}, columns: [n]}}\n"))
            .up(&format!("{T_CONSTRAINT} 'u'"), p),
        Case::new("primary key name")
            .table(format!("columns:\n  n: int\nprimary_key: {{name: {q}, columns: [n]}}\n"))
            .up(&format!("{T_CONSTRAINT} 'p'"), p),
        Case::new("foreign key name")
            .table(format!(
                "columns:\n  n: int\nforeign_keys:\n  - {{name: {q}, columns: [n], references: canary(id)}}\n"
            ))
            .up(&format!("{T_CONSTRAINT} 'f'"), p),
        Case::new("column constraint name")
            .table(format!("columns:\n  n:\n    type: int\n    check: n > 0\n    constraint_names: {{check: {q}}}\n"))
            .up(&format!("{T_CONSTRAINT} 'c'"), p),
        Case::new("index name")
            .table(format!("columns:\n  n: int\nindexes:\n  {q}: n\n"))
            .up(&format!("{RELNAMES} 'i' and relname <> 'canary_pkey'"), p),
        Case::new("index include column")
            .table(format!("columns:\n  n: int\n  {q}: int\nindexes:\n  t_idx: {{columns: [n], include: [{q}]}}\n"))
            .up("select attname from pg_attribute where attrelid = 'public.t_idx'::regclass and attnum = 2", p),
        Case::new("policy name")
            .table(format!("columns:\n  n: int\nrls: true\npolicies:\n  {q}:\n    using: 'true'\n"))
            .up("select polname from pg_policy", p),
        Case::new("trigger name")
            .function(TRIGGER_FUNCTION)
            .table(format!(
                "columns:\n  n: int\ntriggers:\n  {q}:\n    timing: before\n    events: [update]\n    function: public.f\n"
            ))
            .up("select tgname from pg_trigger where not tgisinternal", p),
        Case::new("trigger update_of column")
            .function(TRIGGER_FUNCTION)
            .table(format!(
                "columns:\n  {q}: int\ntriggers:\n  t_trg:\n    timing: before\n    events: [update]\n    update_of: [{q}]\n    function: public.f\n"
            ))
            .up("select attname from pg_trigger t join pg_attribute a on a.attrelid = t.tgrelid and a.attnum = t.tgattr[0] where not tgisinternal", p),
        Case::new("function name")
            .file("f.yaml", format!("function: {}\nreturns: int\nbody: select 1\n", yq(&format!("public.{p}"))))
            .up("select proname from pg_proc where pronamespace = 'public'::regnamespace", p),
        Case::new("trigger function name")
            .file("f.yaml", format!("function: {}\n{TRIGGER_FUNCTION}", yq(&format!("public.{p}"))))
            .table(format!(
                "columns:\n  n: int\ntriggers:\n  t_trg:\n    timing: before\n    events: [update]\n    function: {}\n",
                yq(&format!("public.{p}"))
            ))
            .up("select proname from pg_trigger t join pg_proc p on p.oid = t.tgfoid where not tgisinternal", p),
        Case::new("view name")
            .file("v.yaml", format!("view: {}\nquery: select 1 as one\n", yq(&format!("public.{p}"))))
            .up(&format!("{RELNAMES} 'v'"), p),
        Case::new("view column name")
            .file("v.yaml", format!("view: public.v\ncolumns: [{q}]\nquery: select 1\n"))
            .up("select attname from pg_attribute where attrelid = 'public.v'::regclass", p),
        Case::new("enum name")
            .file("e.yaml", format!("enum: {}\nvalues: [a]\n", yq(&format!("public.{p}"))))
            .up("select typname from pg_type where typtype = 'e' and typnamespace = 'public'::regnamespace", p),
        Case::new("enum value")
            .file("e.yaml", format!("enum: public.e\nvalues: [a, {q}]\n"))
            .up("select enumlabel from pg_enum order by enumsortorder", format!("a\n{p}")),
        Case::new("column type name")
            .file("e.yaml", format!("enum: {}\nvalues: [a]\n", yq(&format!("public.{p}"))))
            .table(format!("columns:\n  n: {}\n", yq(&format!("public.{}", ident(p)))))
            .up("select typname from pg_attribute a join pg_type t on t.oid = a.atttypid where attrelid = 'public.t'::regclass and attname = 'n'", p),
        Case::new("function arg name")
            .function(format!("args: [{}]\nreturns: int\nbody: select 1\n", yq(&format!("{} int", ident(p)))))
            .up("select unnest(proargnames) from pg_proc where proname = 'f'", p),
        Case::new("composite type name")
            .file("c.yaml", format!("type: {}\nattributes: {{a: int}}\n", yq(&format!("public.{p}"))))
            .up("select relname from pg_class where relkind = 'c' and relnamespace = 'public'::regnamespace", p),
        Case::new("composite attribute name")
            .file("c.yaml", format!("type: public.c\nattributes:\n  {q}: int\n"))
            .up("select attname from pg_attribute where attrelid = 'public.c'::regclass and attnum > 0", p),
        Case::new("range type name")
            .file("r.yaml", format!("range: {}\noptions: {{subtype: float8}}\n", yq(&format!("public.{p}"))))
            .up("select typname from pg_type where typtype = 'r' and typnamespace = 'public'::regnamespace", p),
        Case::new("multirange type name")
            .file("r.yaml", format!("range: public.r\noptions: {{subtype: float8, multirange_type_name: {}}}\n", yq(&ident(p))))
            .up("select typname from pg_type where typtype = 'm' and typnamespace = 'public'::regnamespace", p),
        Case::new("aggregate name")
            .file(
                "a.yaml",
                format!("aggregate: {}\nargs: [int]\noptions: {{sfunc: int4pl, stype: int}}\n", yq(&format!("public.{p}"))),
            )
            .up("select proname from pg_proc where prokind = 'a' and pronamespace = 'public'::regnamespace", p),
        Case::new("domain name")
            .file("d.yaml", format!("domain: {}\ntype: int\n", yq(&format!("public.{p}"))))
            .up("select typname from pg_type where typtype = 'd' and typnamespace = 'public'::regnamespace", p),
        Case::new("domain check name")
            .file("d.yaml", format!("domain: public.d\ntype: int\nchecks:\n  {q}: VALUE > 0\n"))
            .up("select conname from pg_constraint where contypid = 'public.d'::regtype", p),
        Case::new("partitioned table name")
            .file("p.yaml", format!("table: {q}\ncolumns:\n  m: text\npartition_by: list (m)\n"))
            .table(format!("partition_of: {q}\nbound: default\n"))
            .up(INHERITED_FROM, p),
        Case::new("inherited table name")
            .file("p.yaml", format!("table: {q}\ncolumns:\n  m: text\n"))
            .table(format!("inherits: [{q}]\n"))
            .up(INHERITED_FROM, p),
        Case::new("sequence name")
            .file("s.yaml", format!("sequence: {}\n", yq(&format!("public.{p}"))))
            .up(&format!("{RELNAMES} 'S'"), p),
        Case::new("publication name")
            .file("pub.yaml", format!("publication: {q}\npublish: [insert]\n"))
            .table(format!("columns:\n  n: int primary key\npublications: [{q}]\n"))
            .up("select p.pubname from pg_publication_rel r join pg_publication p on p.oid = r.prpubid", p),
        Case::new("publication column")
            .table(format!(
                "columns:\n  n: int primary key\n  {q}: text\npublications:\n  supabase_realtime: {{columns: [n, {q}]}}\n"
            ))
            .up("select a.attname from pg_publication_rel r join pg_attribute a on a.attrelid = r.prrelid and a.attnum = any (r.prattrs) where a.attname <> 'n'", p),
        Case::new("replica identity index")
            .table(format!("columns:\n  n: int not null\nunique:\n  - {{name: {q}, columns: [n]}}\nreplica_identity: {{index: {q}}}\n"))
            .up("select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid where i.indisreplident", p),
        Case::new("transition table")
            .function(TRIGGER_FUNCTION)
            .table(format!(
                "columns:\n  n: int\ntriggers:\n  t_trg:\n    timing: after\n    events: [update]\n    for_each: statement\n    old_table: {q}\n    function: public.f\n"
            ))
            .up("select tgoldtable from pg_trigger where not tgisinternal", p),
        Case::new("storage parameter").table(format!("columns:\n  n: int\nwith: {{fillfactor: {q}}}\n")),
        Case::new("storage parameter name").table(format!("columns:\n  n: int\nwith: {{{q}: 70}}\n")),
        Case::new("collation")
            .current(format!("create collation {} from \"C\";\n", ident(p)))
            .table(format!("columns:\n  n:\n    type: text\n    collate: {q}\n"))
            .up("select collname from pg_attribute a join pg_collation c on c.oid = a.attcollation where attrelid = 'public.t'::regclass and attname = 'n'", p),
        Case::new("opclass")
            .current(format!(
                "create operator class {} for type int4 using btree as operator 1 <, operator 2 <=, \
                 operator 3 =, operator 4 >=, operator 5 >, function 1 btint4cmp(int4, int4);\n",
                ident(p)
            ))
            .table(format!("columns:\n  n: int\nindexes:\n  t_idx: {}\n", yq(&format!("n {}", ident(p)))))
            .up("select opcname from pg_index i join pg_opclass o on o.oid = i.indclass[0] where indexrelid = 'public.t_idx'::regclass", p),
        Case::new("policy role")
            .table(format!("columns:\n  n: int\nrls: true\npolicies:\n  pol:\n    roles: [{q}]\n    using: 'true'\n"))
            .up("select rolname from pg_policy p join pg_roles r on r.oid = any (p.polroles)", p),
        Case::new("grant role")
            .table(format!("columns:\n  n: int\ngrants:\n  {q}: [select]\n"))
            .up("select grantee from information_schema.table_privileges where table_name = 't' and grantee not in ('postgres', 'anon', 'authenticated', 'service_role')", p),
        Case::new("renamed_from column")
            .current(format!("create table t ({} int);\n", ident(p)))
            .table(format!("columns:\n  n: {{type: int, renamed_from: {q}}}\n"))
            .up(T_COLUMNS, "n")
            .down(T_COLUMNS, p),
        Case::new("renamed_from table")
            .current(format!("create table {} (id int);\n", ident(p)))
            .table(format!("renamed_from: {q}\ncolumns:\n  id: int\n"))
            .up(&format!("{RELNAMES} 'r' and relname <> 'canary'"), "t")
            .down(&format!("{RELNAMES} 'r' and relname <> 'canary'"), p),
        // Dropped: the rollback writes the name into its `-- cannot restore data` note.
        Case::new("dropped table")
            .current(format!("create table {} (id int);\n", ident(p)))
            .up(&format!("{RELNAMES} 'r' and relname <> 'canary'"), "")
            .down(&format!("{RELNAMES} 'r' and relname <> 'canary'"), p),
        Case::new("dropped column")
            .current(format!("create table t (n int, {} text);\n", ident(p)))
            .table("columns:\n  n: int\n")
            .up(T_COLUMNS, "n")
            .down(T_COLUMNS, format!("n\n{p}")),
    ]
}

/// Cases where `p` is text the database keeps: a comment or a string literal.
fn text_cases(p: &str) -> Vec<Case> {
    let q = yq(p);
    let l = yq(&literal(p));
    let commented = |kind: &str| format!("{kind}\ncomment: {q}\n");
    vec![
        Case::new("comments")
            .file("setup.yaml", format!("schemas: [app]\nschema_comments:\n  app: {q}\n"))
            .function(commented(TRIGGER_FUNCTION))
            .file("v.yaml", format!("view: public.v\nquery: select 1 as one\ncomment: {q}\n"))
            .file("e.yaml", format!("enum: public.e\nvalues: [a]\ncomment: {q}\n"))
            .file("d.yaml", format!("domain: public.d\ntype: int\ncomment: {q}\n"))
            .file("c.yaml", format!("type: public.c\nattributes: {{a: int}}\ncomment: {q}\n"))
            .file("s.yaml", format!("sequence: public.s\ncomment: {q}\n"))
            .table(format!(
                "comment: {q}\ncolumns:\n  n: {{type: int, comment: {q}}}\nindexes:\n  t_idx: {{columns: [n], comment: {q}}}\n\
                 rls: true\npolicies:\n  pol: {{using: 'true', comment: {q}}}\n\
                 triggers:\n  t_trg: {{timing: before, events: [update], function: public.f, comment: {q}}}\n"
            ))
            .up("select obj_description('public.t'::regclass, 'pg_class')", p)
            .up("select col_description('public.t'::regclass, 1)", p)
            .up("select obj_description('public.t_idx'::regclass, 'pg_class')", p)
            .up("select obj_description(oid, 'pg_policy') from pg_policy", p)
            .up("select obj_description(oid, 'pg_trigger') from pg_trigger where not tgisinternal", p)
            .up("select obj_description('public.f'::regproc, 'pg_proc')", p)
            .up("select obj_description('public.v'::regclass, 'pg_class')", p)
            .up("select obj_description('public.e'::regtype, 'pg_type')", p)
            .up("select obj_description('public.d'::regtype, 'pg_type')", p)
            .up("select obj_description('public.c'::regtype, 'pg_type')", p)
            .up("select obj_description('public.s'::regclass, 'pg_class')", p)
            .up("select obj_description('app'::regnamespace, 'pg_namespace')", p),
        Case::new("aggregate initcond and comments of a range type and an aggregate")
            .file("a.yaml", format!("aggregate: public.a\nargs: [text]\noptions: {{sfunc: textcat, stype: text, initcond: {q}}}\ncomment: {q}\n"))
            .file("r.yaml", format!("range: public.r\noptions: {{subtype: float8}}\ncomment: {q}\n"))
            .up("select agginitval from pg_aggregate where aggfnoid = 'public.a'::regproc", p)
            .up("select obj_description('public.a'::regproc, 'pg_proc')", p)
            .up("select obj_description('public.r'::regtype, 'pg_type')", p),
        Case::new("cron job name and command")
            .current("create extension if not exists pg_cron;\n")
            .file("setup.yaml", "extensions:\n  pg_cron: {}\n")
            .file("job.yaml", format!("cron: {q}\nschedule: '@daily'\ncommand: {q}\n"))
            .up("select jobname from cron.job", p)
            .up("select command from cron.job", p)
            .down("select count(*) from cron.job", "0"),
        Case::new("column default")
            .table(format!("columns:\n  n: int\n  m: {{type: text, default: {l}}}\n"))
            .up(T_ROWS, p),
        Case::new("generated column")
            .table(format!("columns:\n  n: int\n  m: {{type: text, generated: {}}}\n", yq(&format!("n::text || {}", literal(p)))))
            .up(T_ROWS, format!("1{p}")),
        Case::new("check literal").table(format!("columns:\n  n: text\n  m: {{type: text, check: {}}}\n", yq(&format!("m <> {}", literal(p))))),
        Case::new("table check literal").table(format!("columns:\n  m: text\nchecks:\n  - {}\n", yq(&format!("m <> {}", literal(p))))),
        Case::new("index expression literal")
            .table(format!("columns:\n  m: text\nindexes:\n  t_idx: {}\n", yq(&format!("(m || {})", literal(p))))),
        Case::new("publication row filter literal")
            .table(format!(
                "columns:\n  n: int primary key\n  m: text\nreplica_identity: full\npublications:\n  supabase_realtime: {{where: {}}}\n",
                yq(&format!("m <> {}", literal(p)))
            ))
            .up("select count(*) from pg_publication_rel where prqual is not null", "1"),
        Case::new("partition bound literal")
            .file("p.yaml", "table: p\ncolumns:\n  m: text\npartition_by: list (m)\n")
            .table(format!("partition_of: p\nbound: {}\n", yq(&format!("in ({})", literal(p)))))
            .up(&format!("insert into public.p values ({}); select tableoid::regclass from public.p", literal(p)), "t"),
        Case::new("partition key literal").table(format!(
            "columns:\n  m: text\npartition_by: {}\n",
            yq(&format!("list ((m || {}))", literal(p)))
        )),
        Case::new("index where literal")
            .table(format!("columns:\n  m: text\nindexes:\n  t_idx: {{columns: [m], where: {}}}\n", yq(&format!("m <> {}", literal(p))))),
        Case::new("policy literals").table(format!(
            "columns:\n  m: text\nrls: true\npolicies:\n  pol:\n    using: {0}\n    with_check: {0}\n",
            yq(&format!("m <> {}", literal(p)))
        )),
        Case::new("trigger when literal").function(TRIGGER_FUNCTION).table(format!(
            "columns:\n  m: text\ntriggers:\n  t_trg:\n    timing: before\n    events: [update]\n    when: {}\n    function: public.f\n",
            yq(&format!("new.m <> {}", literal(p)))
        )),
        Case::new("trigger args")
            .function(TRIGGER_FUNCTION)
            .table(format!(
                "columns:\n  m: text\ntriggers:\n  t_trg:\n    timing: before\n    events: [update]\n    function: public.f\n    args: [{q}]\n"
            ))
            .up("select encode(tgargs, 'escape') from pg_trigger where not tgisinternal", format!("{p}\\000")),
        Case::new("function body")
            .function(format!("returns: text\nbody: {}\n", yq(&format!("select {}::text", literal(p)))))
            .up("select public.f()", p)
            .up("select prosrc from pg_proc where proname = 'f'", format!("select {}::text", literal(p))),
        Case::new("plpgsql body")
            .function(format!("returns: text\nlanguage: plpgsql\nbody: {}\n", yq(&format!("begin return {}; end;", literal(p)))))
            .up("select public.f()", p),
        Case::new("function arg default")
            .function(format!("args: [{}]\nreturns: text\nbody: select a\n", yq(&format!("a text default {}", literal(p)))))
            .up("select public.f()", p),
        Case::new("function set value")
            .function(format!("returns: int\nbody: select 1\nset:\n  app.x: {q}\n"))
            .up("select unnest(proconfig) from pg_proc where proname = 'f'", format!("app.x={p}")),
        Case::new("view query literal")
            .file("v.yaml", format!("view: public.v\nquery: {}\n", yq(&format!("select {}::text as m", literal(p)))))
            .up("select m from public.v", p),
        Case::new("domain literals").file(
            "d.yaml",
            format!("domain: public.d\ntype: text\ndefault: {l}\nchecks:\n  d_check: {}\n", yq(&format!("VALUE <> {}", literal(p)))),
        ),
        Case::new("backfill literal")
            .current("create table t (n int);\ninsert into t values (1);\n")
            .table(format!("columns:\n  n: int\n  m: {{type: text, not_null: true, backfill: {l}}}\n"))
            .up("select m from public.t", p),
        Case::new("using literal")
            .current("create table t (n int, m int);\ninsert into t values (1, 1);\n")
            .table(format!("columns:\n  n: int\n  m: {{type: bigint, using: {}}}\n", yq(&format!("m + length({})", literal(p)))))
            .up("select m from public.t", (1 + p.chars().count()).to_string()),
    ]
}

/// Cases where the value is a fragment of SQL that tries to end its clause early.
fn fragment_cases() -> Vec<Case> {
    let column = |name: &str, key: &str, value: &str| {
        Case::new(format!("column {name}: {value}"))
            .table(format!("columns:\n  n: int\n  m:\n    type: int\n    {key}: {}\n", yq(value)))
    };
    let index = |name: &str, spec: String| {
        Case::new(format!("index {name}")).table(format!("columns:\n  n: int\nindexes:\n  t_idx: {spec}\n"))
    };
    let policy = |key: &str, value: &str| {
        Case::new(format!("policy {key}: {value}"))
            .table(format!("columns:\n  n: int\nrls: true\npolicies:\n  pol:\n    {key}: {}\n", yq(value)))
    };
    let trigger = |key: &str, value: &str| {
        Case::new(format!("trigger {key}: {value}")).function(TRIGGER_FUNCTION).table(format!(
            "columns:\n  n: int\ntriggers:\n  t_trg:\n    timing: before\n    events: [update]\n    function: public.f\n    {key}: {}\n",
            yq(value)
        ))
    };
    let function = |key: &str, value: &str| {
        let mut keys = BTreeMap::from([("returns", "int".to_string()), ("body", "select 1".to_string())]);
        keys.insert(key, yq(value));
        let yaml: String = keys.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
        Case::new(format!("function {key}: {value}")).function(yaml)
    };
    let hint = |key: &str, current: &str, ty: &str, value: &str| {
        Case::new(format!("hint {key}: {value}"))
            .current(current)
            .table(format!("columns:\n  n: int\n  m: {{type: {ty}, not_null: true, {key}: {}}}\n", yq(value)))
    };
    let sequence = |key: &str, value: &str| {
        Case::new(format!("sequence {key}: {value}"))
            .file("s.yaml", format!("sequence: public.s\n{key}: {}\n", yq(value)))
    };
    let domain = |key: &str, value: &str| {
        let ty = if key == "type" { String::new() } else { "type: int\n".to_string() };
        Case::new(format!("domain {key}: {value}")).file("d.yaml", format!("domain: public.d\n{ty}{key}: {value}\n"))
    };
    let smuggled = "DROP TABLE canary";
    let mut cases = vec![
        Case::new(format!("column type: int; {smuggled}"))
            .table(format!("columns:\n  n: {}\n", yq(&format!("int; {smuggled}; --")))),
        Case::new(format!("column type: int); {smuggled}"))
            .table(format!("columns:\n  n: {{type: {}}}\n", yq(&format!("int); {smuggled}; --")))),
        Case::new("column type: int default 1); ... create table").table(format!(
            "columns:\n  n: {{type: {}}}\n",
            yq(&format!("int default 1); {smuggled}; create table x (y int"))
        )),
        column("default", "default", &format!("0); {smuggled}; --")),
        column("default", "default", &format!("0; {smuggled}")),
        column("check", "check", &format!("m > 0); {smuggled}; --")),
        column("generated", "generated", &format!("n) STORED; {smuggled}; --")),
        column("identity", "identity", &format!("always; {smuggled}")),
        column("references", "references", &format!("canary (id); {smuggled}; --")),
        index("columns", yq(&format!("n); {smuggled}; --"))),
        index("columns", yq(&format!("n); {smuggled}; create index t_idx2 on t (n"))),
        index("opclass", yq(&format!("n int4_ops); {smuggled}; --"))),
        index("where", format!("{{columns: [n], where: {}}}", yq(&format!("n > 0; {smuggled}")))),
        index("using", format!("{{columns: [n], using: {}}}", yq(&format!("btree (n); {smuggled}; --")))),
        index("using", format!("{{columns: [n], using: {}}}", yq(&format!("btree; {smuggled}")))),
        index("using", format!("{{columns: [n], using: {}}}", yq(&format!("\"btree\"; {smuggled}; --")))),
        index("include", format!("{{columns: [n], include: {}}}", yq(&format!("n); {smuggled}; --")))),
        policy("using", &format!("true); {smuggled}; --")),
        policy("with_check", &format!("true); {smuggled}; --")),
        policy("command", &format!("select; {smuggled}")),
        trigger("when", &format!("true) EXECUTE FUNCTION public.f(); {smuggled}; --")),
        trigger("function", &format!("public.f(); {smuggled}; --")),
        trigger("events", &format!("update; {smuggled}")),
        function("args", &format!("a int) RETURNS int LANGUAGE sql AS 'select 1'; {smuggled}; --")),
        function("args", &format!("a int default 1); {smuggled}; --")),
        function("returns", &format!("int LANGUAGE sql AS 'select 1'; {smuggled}; --")),
        function("returns", &format!("setof int; {smuggled}; --")),
        function("returns", &format!("table (x int); {smuggled}; --")),
        function("language", &format!("sql; {smuggled}; --")),
        function("language", &format!("sql\n{smuggled}; --")),
        function("volatility", &format!("stable; {smuggled}")),
        function("parallel", &format!("safe; {smuggled}")),
        function("cost", &format!("1; {smuggled}")),
        function("rows", &format!("10) {smuggled}; --")),
        Case::new(format!("composite attribute type: int); {smuggled}"))
            .file("c.yaml", format!("type: public.c\nattributes:\n  a: {}\n", yq(&format!("int); {smuggled}; --")))),
        Case::new(format!("composite attribute type: int, b int); {smuggled}")).file(
            "c.yaml",
            format!("type: public.c\nattributes:\n  a: {}\n", yq(&format!("int, b int); {smuggled}; --"))),
        ),
        Case::new(format!("function set key: search_path = public; {smuggled}")).function(format!(
            "returns: int\nbody: select 1\nset:\n  {}: x\n",
            yq(&format!("search_path = public; {smuggled}; --"))
        )),
        Case::new(format!("function set key: app.x; {smuggled}"))
            .function(format!("returns: int\nbody: select 1\nset:\n  {}: x\n", yq(&format!("app.x; {smuggled}; --")))),
        Case::new(format!("view query: select 1; {smuggled}"))
            .file("v.yaml", format!("view: public.v\nquery: {}\n", yq(&format!("select 1 as one; {smuggled}")))),
        Case::new(format!("view query: select 1; {smuggled};"))
            .file("v.yaml", format!("view: public.v\nquery: {}\n", yq(&format!("select 1 as one; {smuggled};")))),
        Case::new(format!("grants privilege: select; {smuggled}"))
            .table(format!("columns:\n  n: int\ngrants:\n  anon: [{}]\n", yq(&format!("select; {smuggled}")))),
        hint("using", "create table t (n int, m text);\n", "int", &format!("m::int; {smuggled}")),
        hint("using", "create table t (n int, m text);\n", "int", &format!("m::int); {smuggled}; --")),
        hint("backfill", "create table t (n int);\n", "text", &format!("'x'; {smuggled}")),
        hint("backfill", "create table t (n int);\n", "text", &format!("'x'); {smuggled}; --")),
        sequence("as", &format!("bigint; {smuggled}")),
        sequence("increment", &format!("1; {smuggled}")),
        domain("type", &yq(&format!("int; {smuggled}; --"))),
        domain("default", &yq(&format!("0); {smuggled}; --"))),
        domain("checks", &format!("{{d_check: {}}}", yq(&format!("VALUE > 0); {smuggled}; --")))),
    ];
    // `schemagen.toml`: the paths reach the header of every file, the timeouts its SET lines.
    let dir = format!("dir\n{smuggled}; --");
    cases.push(
        Case { schema_dir: Some(dir.clone()), ..Case::new("toml schema path") }
            .table("columns:\n  n: int\n")
            .up(&format!("{RELNAMES} 'r' and relname <> 'canary'"), "t"),
    );
    cases.push(
        Case { sql_dir: Some(dir), ..Case::new("toml sql path") }
            .table("columns:\n  n: int\n")
            .up(&format!("{RELNAMES} 'r' and relname <> 'canary'"), "t"),
    );
    for key in ["lock_timeout", "statement_timeout"] {
        let mut case = Case::new(format!("toml {key}")).table("columns:\n  n: int\n");
        case.config = format!("{key} = {}\n", tq(&format!("5s'; {smuggled}; --")));
        cases.push(case);
    }
    cases
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (label, p) in PAYLOADS {
        for c in name_cases(p).into_iter().chain(text_cases(p)) {
            out.push(Case { name: format!("{} [{label}]", c.name), ..c });
        }
    }
    for (i, p) in BODY_TAGS.iter().enumerate() {
        let body = format!("select {}::text", literal(p));
        out.push(
            Case::new(format!("function body tag {i}"))
                .function(format!("returns: text\nbody: {}\n", yq(&body)))
                .up("select public.f()", *p)
                .up("select prosrc from pg_proc where proname = 'f'", body),
        );
    }
    out.extend(fragment_cases());
    if let Ok(only) = std::env::var("INJECTION_CASE") {
        out.retain(|c| c.name.contains(&only));
    }
    out
}

/// Every file under `dir` with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The project of `case`: the canary first, in YAML and in the current SQL.
fn project(case: &Case) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let schema = root.path().join(case.schema_dir.as_deref().unwrap_or("schema"));
    let sql = root.path().join(case.sql_dir.as_deref().unwrap_or("supabase/migrations"));
    std::fs::create_dir_all(&schema).unwrap();
    std::fs::create_dir_all(&sql).unwrap();
    std::fs::write(schema.join("canary.yaml"), "table: canary\ncolumns:\n  id: int primary key\n").unwrap();
    for (path, yaml) in &case.files {
        std::fs::write(schema.join(path), yaml).unwrap();
    }
    let init = format!("create table canary (id int primary key);\ninsert into canary values (1);\n{}", case.current);
    std::fs::write(sql.join("20240101000000_init.sql"), init).unwrap();
    let mut config = case.config.clone();
    if let Some(dir) = &case.schema_dir {
        config.push_str(&format!("schema = {}\n", tq(dir)));
    }
    if let Some(dir) = &case.sql_dir {
        config.push_str(&format!("sql = [{}]\n", tq(dir)));
    }
    std::fs::write(root.path().join("schemagen.toml"), format!("{config}{LINT_OFF}")).unwrap();
    root
}

/// Runs `sql` and checks that the canary's row survived it and that `checks` hold.
fn apply_and_check(
    db: &support::Db,
    what: &str,
    files: &[(PathBuf, String)],
    checks: &[(String, String)],
) -> Result<(), String> {
    for (path, sql) in files {
        db.apply(sql).map_err(|e| format!("{what} {} fails on PostgreSQL: {e}", path.display()))?;
    }
    match db.query("select count(*) from public.canary") {
        Ok(n) if n == "1" => {}
        Ok(n) => return Err(format!("after the {what} the canary holds {n} rows")),
        Err(e) => return Err(format!("after the {what} the canary is gone: {e}")),
    }
    for (query, want) in checks {
        let got = db.query(query).map_err(|e| format!("after the {what}, {query}: {e}"))?;
        if &got != want {
            return Err(format!("after the {what}, {query}\n  gives {got:?}\n  not   {want:?}"));
        }
    }
    Ok(())
}

/// Err says what went wrong, with the lines of the written SQL that name the canary.
fn check(case: &Case, flags: &[&str]) -> Result<(), String> {
    let root = project(case);
    let before = tree(root.path());
    let out = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(root.path())
        .args(["generate", "--name", "inj", "--timestamp", "20250101000000", "--allow-destructive"])
        .args(flags)
        .output()
        .expect("run schemagen");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let after = tree(root.path());
    if out.status.code() == Some(1) {
        let located = stderr.lines().filter_map(|l| l.trim_start().strip_prefix("--> ")).any(|at| {
            let parts: Vec<&str> = at.rsplitn(3, ':').collect();
            parts.len() == 3 && parts[..2].iter().all(|n| n.parse::<usize>().is_ok())
        });
        return match (located, after == before, stderr.contains("error[")) {
            (true, true, false) => Ok(()),
            (_, _, true) => Err(format!("refused by a lint rule, not at the value:\n{stderr}")),
            (false, _, _) => Err(format!("refused without a file:line:col:\n{stderr}")),
            (true, false, _) => Err("refused, but files were written".into()),
        };
    }
    if out.status.code() != Some(0) {
        return Err(format!("exit {:?}:\n{stderr}", out.status.code()));
    }
    let written: Vec<(PathBuf, String)> = after
        .into_iter()
        .filter(|(p, _)| !before.contains_key(p) && p.extension().is_some_and(|e| e == "sql"))
        .map(|(p, bytes)| (p, String::from_utf8(bytes).unwrap()))
        .collect();
    let is_down = |p: &Path| p.to_string_lossy().ends_with(".down.sql");
    let (down, up): (Vec<_>, Vec<_>) = written.iter().cloned().partition(|(p, _)| is_down(p));
    let sort_by_name = |mut files: Vec<(PathBuf, String)>| {
        files.sort_by(|a, b| a.0.file_name().cmp(&b.0.file_name()));
        files
    };
    let (up, mut down) = (sort_by_name(up), sort_by_name(down));
    down.reverse();
    let db = support::server().fresh_db();
    let init = before.iter().find(|(p, _)| p.ends_with("20240101000000_init.sql")).expect("init");
    db.apply(&String::from_utf8_lossy(init.1)).map_err(|e| format!("the current SQL fails: {e}"))?;
    apply_and_check(&db, "up migration", &up, &case.up)
        .and_then(|()| apply_and_check(&db, "rollback", &down, &case.down))
        .map_err(|e| {
            let canary: Vec<String> = written
                .iter()
                .flat_map(|(p, sql)| {
                    sql.lines().filter(|l| l.contains("canary")).map(move |l| format!("    {}: {l}", p.display()))
                })
                .collect();
            format!("{e}\n  written lines naming the canary:\n{}", canary.join("\n"))
        })
}

/// Roles the role cases grant to and name in policies: global to the server, so created
/// once here (when missing) and left for the next run.
fn create_roles() {
    let db = support::server().fresh_db();
    for (_, p) in PAYLOADS {
        let sql =
            format!("do $do$ begin create role {}; exception when duplicate_object then null; end $do$;", ident(p));
        db.apply(&sql).unwrap_or_else(|e| panic!("cannot create role {p:?}: {e}"));
    }
}

#[test]
fn no_value_from_yaml_or_config_runs_a_second_statement() {
    create_roles();
    let cases = cases();
    let jobs: Vec<(&Case, &str, &[&str])> =
        cases.iter().flat_map(|c| MODES.iter().map(move |(mode, flags)| (c, *mode, *flags))).collect();
    let threads = std::env::var("INJECTION_THREADS").ok().and_then(|n| n.parse().ok()).unwrap_or(2);
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some((case, mode, flags)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Err(e) = check(case, flags) {
                        failures.lock().unwrap().push(format!("{} ({mode}): {e}", case.name.escape_debug()));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    assert!(failures.is_empty(), "{} of {} case runs failed:\n\n{}", failures.len(), jobs.len(), failures.join("\n\n"));
}
