//! SQL migrations (a file, several, or a `supabase/migrations/` folder) → `Schema`,
//! by replaying each statement in order with PostgreSQL's own parser.

use pg_query::NodeEnum;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Origin, Positions, Result};
use crate::model::{ObjectId, QualifiedName, Schema};
use crate::pgtree::parse_message;
use crate::source::created::created;
use crate::source::ddl::{self, Outcome};
use crate::source::view_cycle::cycle_through;

/// What a load read and what it left out.
#[derive(Debug, Default, Clone)]
pub struct LoadReport {
    pub files: usize,
    pub statements: usize,
    pub applied: usize,
    /// Statements outside the model, by kind.
    pub skipped: BTreeMap<String, usize>,
    /// Each of them, where it is.
    pub outside: Vec<Outside>,
    /// Modelled statements about objects the model does not hold, with where they are.
    pub unresolved: Vec<(Origin, String)>,
}

impl LoadReport {
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }

    /// The statements about the schema that the model left out (data and session statements
    /// aside), with where they are: what `diff`, `check` and `generate` say they did not read.
    pub fn schema_outside(&self) -> Vec<Outside> {
        const NOT_SCHEMA: &[&str] = &[
            "INSERT",
            "UPDATE",
            "DELETE",
            "SELECT",
            "SET",
            "NOTIFY",
            "REFRESH MATERIALIZED VIEW",
            "TRUNCATE",
            "VACUUM",
            "LOCK",
            DATA_DO,
        ];
        self.outside.iter().filter(|o| !NOT_SCHEMA.contains(&o.kind.as_str())).cloned().collect()
    }
}

/// The kind of a `DO` block that only reads and writes rows (`touched::data_only`).
const DATA_DO: &str = "DO (rows only)";

/// A statement the model left out.
#[derive(Debug, Clone)]
pub struct Outside {
    /// Where it starts.
    pub origin: Origin,
    /// What kind of statement it is (`ddl::statement_kind`, or the clause left out).
    pub kind: String,
    pub first_line: String,
    /// `touched::fingerprint`: how `schemagen.toml` names it.
    pub fingerprint: String,
    /// The names it changes or reads (`touched::named`); none when they cannot be told
    /// from its tree (a `DO` block's body, an aggregate's definition).
    pub names: Vec<QualifiedName>,
}

/// Loads every `.sql` file under each path, in order.
pub fn load_paths(paths: &[PathBuf]) -> Result<(Schema, LoadReport)> {
    let mut schema = Schema::default();
    let mut report = LoadReport::default();
    for path in paths {
        for file in super::files_in(path, &["sql"])? {
            let text = super::read(&file)?;
            load_text(&mut schema, &file, &text, &mut report)?;
        }
    }
    Ok((schema, report))
}

/// Replays one file's statements onto `schema`.
pub fn load_text(schema: &mut Schema, file: &Path, text: &str, report: &mut LoadReport) -> Result<()> {
    report.files += 1;
    // pg_query hands the text to C as a string: a NUL would cut it short.
    if let Some(nul) = text.find('\0') {
        return Err(Diagnostic::new("the SQL holds a NUL byte")
            .at(Origin::at_offset(file, text, nul), Some(text))
            .hint("a NUL byte is never valid in SQL text: remove it (is this a binary file?)")
            .into());
    }
    // Statement by statement, so that a large dump's trees are never all in memory at once.
    // The scanner can split wrongly inside a `BEGIN ATOMIC` body; then the rest of the file
    // is parsed whole, from the statement that did not parse on its own.
    let mut pieces = pg_query::split_with_scanner(text).unwrap_or_else(|_| vec![text]);
    // The scanner leaves out an unterminated last statement; it must still be read (and fail).
    let covered = pieces.last().map_or(0, |p| p.as_ptr() as usize - text.as_ptr() as usize + p.len());
    let tail = statement_start(text, covered);
    if tail < text.len() && !text[tail..].trim_start_matches(';').trim().is_empty() {
        pieces.push(&text[covered..]);
    }
    let mut positions = Positions::new(file, text);
    let mut session = Session::new(text);
    for piece in pieces {
        let start = piece.as_ptr() as usize - text.as_ptr() as usize;
        match pg_query::parse(piece, 0) {
            Ok(parsed) => {
                for raw in &parsed.protobuf.stmts {
                    let location = start + raw.stmt_location as usize;
                    // A length of 0 is "to the end of what was parsed".
                    let end = if raw.stmt_len == 0 { start + piece.len() } else { location + raw.stmt_len as usize };
                    apply(schema, &mut session, &mut positions, text, location..end, raw, report)?;
                }
            }
            Err(_) => return load_rest(schema, &mut session, &mut positions, file, text, start, report),
        }
    }
    Ok(())
}

/// The statements of `text` from byte `start` on, parsed with the whole file.
fn load_rest(
    schema: &mut Schema,
    session: &mut Session,
    positions: &mut Positions,
    file: &Path,
    text: &str,
    start: usize,
    report: &mut LoadReport,
) -> Result<()> {
    let parsed = pg_query::parse(text, 0).map_err(|e| syntax_error(file, text, &parse_message(&e)))?;
    let rest = parsed.protobuf.stmts.iter().filter(|r| r.stmt_location as usize + r.stmt_len as usize > start);
    for raw in rest {
        let location = raw.stmt_location as usize;
        let end = if raw.stmt_len == 0 { text.len() } else { location + raw.stmt_len as usize };
        apply(schema, session, positions, text, location..end, raw, report)?;
    }
    Ok(())
}

/// What one file's session holds between its statements: the Supabase CLI applies each
/// migration file in a session of its own, so none of it carries over to the next file.
struct Session {
    /// Whether the file can roll back at all. Without a ROLLBACK (or ABORT) in its text no
    /// copy of the model is taken, so a history that never rolls back stays linear.
    undoable: bool,
    /// Inside BEGIN … COMMIT; outside, each statement is its own transaction.
    open: bool,
    /// The open transaction (no name) and its savepoints, innermost last, each with the
    /// model and the search path as they were when it began (only when `undoable`).
    saved: Vec<(Option<String>, Schema, Vec<String>)>,
    /// The search path before the transaction's first `SET LOCAL`, back at its end.
    local_reset: Option<Vec<String>>,
}

impl Session {
    fn new(text: &str) -> Self {
        ddl::set_search_path(Vec::new());
        let lower = text.to_ascii_lowercase();
        Session {
            undoable: lower.contains("rollback") || lower.contains("abort"),
            open: false,
            saved: Vec::new(),
            local_reset: None,
        }
    }

    /// Whether to apply `stmt` after what it does to the session: transaction statements
    /// (ROLLBACK goes back to the model as it was at BEGIN, ROLLBACK TO to its savepoint,
    /// which stays, COMMIT keeps all) and search paths set for the transaction only.
    fn before(&mut self, schema: &mut Schema, stmt: &NodeEnum) -> bool {
        if let Some((_, true)) = ddl::search_path_set(stmt) {
            // Outside a transaction, SET LOCAL is only a warning.
            if self.open && self.local_reset.is_none() {
                self.local_reset = Some(ddl::search_path());
            }
            return self.open;
        }
        let NodeEnum::TransactionStmt(s) = stmt else { return true };
        use pg_query::protobuf::TransactionStmtKind as Kind;
        let kind = Kind::try_from(s.kind).unwrap_or(Kind::Undefined);
        let named = |saved: &[(Option<String>, Schema, Vec<String>)]| {
            saved.iter().rposition(|(n, _, _)| n.as_deref() == Some(s.savepoint_name.as_str()))
        };
        match kind {
            // BEGIN inside a transaction is only a warning.
            Kind::TransStmtBegin | Kind::TransStmtStart if !self.open => {
                self.open = true;
                if self.undoable {
                    self.saved.push((None, schema.clone(), ddl::search_path()));
                }
            }
            Kind::TransStmtCommit | Kind::TransStmtPrepare | Kind::TransStmtRollback => {
                if let Some(path) = self.local_reset.take() {
                    ddl::set_search_path(path);
                }
                if kind == Kind::TransStmtRollback
                    && let Some((_, before, path)) = self.saved.drain(..).next()
                {
                    *schema = before;
                    ddl::set_search_path(path);
                }
                self.saved.clear();
                self.open = false;
            }
            // SAVEPOINT outside a transaction is an error that psql reports and goes past.
            Kind::TransStmtSavepoint if self.undoable && self.open => {
                self.saved.push((Some(s.savepoint_name.clone()), schema.clone(), ddl::search_path()))
            }
            Kind::TransStmtRelease => {
                if let Some(at) = named(&self.saved) {
                    self.saved.truncate(at);
                }
            }
            Kind::TransStmtRollbackTo => {
                if let Some(at) = named(&self.saved) {
                    self.saved.truncate(at + 1);
                    *schema = self.saved[at].1.clone();
                    ddl::set_search_path(self.saved[at].2.clone());
                }
            }
            _ => {}
        }
        true
    }
}

impl Drop for Session {
    /// The search path is the replay's, never the next load's (a YAML load on this thread).
    fn drop(&mut self) {
        ddl::set_search_path(Vec::new());
    }
}

fn apply(
    schema: &mut Schema,
    session: &mut Session,
    positions: &mut Positions,
    text: &str,
    span: std::ops::Range<usize>,
    raw: &pg_query::protobuf::RawStmt,
    report: &mut LoadReport,
) -> Result<()> {
    let location = span.start;
    let Some(stmt) = raw.stmt.as_ref().and_then(|s| s.node.as_ref()) else { return Ok(()) };
    report.statements += 1;
    if !session.before(schema, stmt) {
        return Ok(());
    }
    let outcome = ddl::apply(schema, stmt);
    // Where an object was created (a table also when a clause of it is left out), to say
    // where one that would be dropped came from.
    if matches!(outcome, Outcome::Applied | Outcome::Skipped(_))
        && let Some(object) = created(stmt)
        && (matches!(outcome, Outcome::Applied)
            || matches!(&object, ObjectId::Table(t) if schema.tables.contains_key(t)))
    {
        let origin = positions.at(statement_start(text, location));
        if let ObjectId::View { name, .. } = &object
            && let Some(cycle) = cycle_through(schema, name)
        {
            let path: Vec<String> = cycle.iter().map(ToString::to_string).collect();
            return Err(Diagnostic::new(format!("view {name} reads itself: {}", path.join(" → ")))
                .at(origin, Some(text))
                .hint("PostgreSQL accepts this view but fails every query on it (infinite recursion): make one of these views stop reading the next")
                .into());
        }
        schema.hints.origins.insert(object, origin);
    }
    if matches!(outcome, Outcome::Applied)
        && let Some(job) = crate::source::cron::scheduled(stmt)
    {
        schema.hints.cron_origins.insert(job, positions.at(statement_start(text, location)));
    }
    if matches!(outcome, Outcome::Applied)
        && let Some(table) = crate::source::routines::enables_all_triggers(schema, stmt)
    {
        forget_disable_all(report, &table);
    }
    match outcome {
        Outcome::Applied => report.applied += 1,
        Outcome::Skipped(kind) => {
            let kind = if crate::source::touched::data_only(stmt) { DATA_DO } else { kind };
            *report.skipped.entry(kind.to_string()).or_default() += 1;
            let start = statement_start(text, location);
            let first_line = text[start..].lines().next().unwrap_or_default().trim_end().to_string();
            let fingerprint = crate::source::touched::fingerprint(&text[start.min(span.end)..span.end]);
            report.outside.push(Outside {
                origin: positions.at(start),
                kind: kind.to_string(),
                first_line,
                fingerprint,
                names: crate::source::touched::named(schema, stmt),
            });
        }
        Outcome::Unresolved(what) => {
            let origin = positions.at(statement_start(text, location));
            report.unresolved.push((origin, what));
        }
        Outcome::Rejected { message, hint } => {
            let origin = positions.at(statement_start(text, location));
            return Err(Diagnostic::new(message).at(origin, Some(text)).hint(hint).into());
        }
    }
    Ok(())
}

/// ENABLE TRIGGER ALL makes the foreign keys' triggers of `table` fire again, as they were
/// made: a DISABLE TRIGGER ALL before it is no longer outside the model.
fn forget_disable_all(report: &mut LoadReport, table: &QualifiedName) {
    let kind = crate::source::routines::DISABLE_ALL_WITH_KEYS;
    let before = report.outside.len();
    report.outside.retain(|o| !(o.kind == kind && o.names.contains(table)));
    let forgotten = before - report.outside.len();
    if let Some(n) = report.skipped.get_mut(kind) {
        *n -= forgotten;
        if *n == 0 {
            report.skipped.remove(kind);
        }
    }
}

/// pg_query points at the end of the previous statement; skip to the statement's first token.
fn statement_start(text: &str, location: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = location.min(bytes.len());
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if text[i..].starts_with("--") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else {
            return i;
        }
    }
}

/// A parse error located at its statement, and at the offending token when the message
/// names one (`syntax error at or near "tabel"`).
pub fn syntax_error(file: &Path, text: &str, message: &str) -> crate::diagnostic::Errors {
    let message = &super::parser_message(message);
    let end = text.trim_end().char_indices().last().map_or(0, |(i, _)| i);
    let token = message.split("at or near \"").nth(1).and_then(|rest| rest.rsplit_once('"')).map(|(t, _)| t);
    let offset = if message.contains("at end of input") { Some(end) } else { None };
    let offset = offset
        .or_else(|| failing_statement(text).map(|(start, stmt)| start + token.and_then(|t| stmt.find(t)).unwrap_or(0)))
        // The scanner itself fails on an unterminated quote: the token is the rest of the file.
        .or_else(|| token.and_then(|t| text.find(t)))
        .unwrap_or(0);
    // An unterminated quote makes the token the rest of the file: its first line is enough.
    let message = match token.and_then(|t| t.split_once('\n')) {
        Some((first, _)) => message.replacen(token.unwrap_or_default(), &format!("{first}…"), 1),
        None => message.to_string(),
    };
    let line = text[offset..].lines().next().unwrap_or("").trim_start();
    let before = text[..offset].to_lowercase();
    let hint = if line.starts_with('\\') {
        "this is a psql meta-command, not SQL: schemagen reads SQL only, so remove the line (recent pg_dump \
         versions write `\\restrict` at the top of a dump)"
    } else if message == super::TOO_DEEP {
        "PostgreSQL itself may accept it, but schemagen cannot read it: nest less (a CTE, a view or a function \
         for a part)"
    } else if message.starts_with("memory exhausted") || message.starts_with("stack depth limit exceeded") {
        "PostgreSQL's parser gives up on this nesting: nest less (a CTE, a view or a function for a part)"
    } else if before.contains("copy ") && before.contains("from stdin") {
        "the rows after COPY … FROM stdin are data that psql sends, not SQL: keep data out of the migrations \
         (supabase/seed.sql) or use INSERT"
    } else {
        "fix the statement; schemagen reads SQL with PostgreSQL's own parser"
    };
    Diagnostic::new(format!("SQL does not parse: {message}"))
        .at(Origin::at_offset(file, text, offset), Some(text))
        .hint(hint)
        .into()
}

/// The first statement that does not parse on its own, with its byte offset.
fn failing_statement(text: &str) -> Option<(usize, &str)> {
    let statements = pg_query::split_with_scanner(text).ok()?;
    statements.into_iter().find_map(|stmt| {
        let orig = stmt.as_ptr() as usize - text.as_ptr() as usize;
        let end = orig + stmt.len();
        let start = statement_start(text, orig).min(end);
        let stmt = &text[start..end];
        pg_query::parse(stmt, 0).is_err().then_some((start, stmt))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QualifiedName;

    /// The model after replaying `files` in order, or the first refusal's message.
    fn load(files: &[&str]) -> std::result::Result<(Schema, LoadReport), String> {
        let mut schema = Schema::default();
        let mut report = LoadReport::default();
        for (i, text) in files.iter().enumerate() {
            load_text(&mut schema, Path::new(&format!("{i}.sql")), text, &mut report).map_err(|e| format!("{e:?}"))?;
        }
        Ok((schema, report))
    }

    fn table<'a>(schema: &'a Schema, schema_name: &str, name: &str) -> Option<&'a crate::model::Table> {
        schema.tables.get(&QualifiedName::new(schema_name, name))
    }

    #[test]
    fn a_grant_on_all_of_a_platform_schema_is_outside_and_on_an_empty_project_schema_is_nothing() {
        let (_, report) = load(&["revoke all on all functions in schema public from anon;
             revoke all on all sequences in schema storage from anon;
             revoke all on all tables in schema storage from anon;"])
        .unwrap();
        assert!(report.unresolved.is_empty(), "{:?}", report.unresolved);
        assert_eq!(report.skipped.get("GRANT (schemas the project does not create)"), Some(&2), "{:?}", report.skipped);
        assert_eq!(report.applied, 1);
    }

    #[test]
    fn alter_constraint_changes_a_foreign_keys_deferrability_and_nothing_else() {
        let base = "create table u (id int primary key);
             create table t (id int check (id > 0), u int constraint t_u_fkey references u deferrable initially deferred);";
        let (schema, _) = load(&[base, "alter table t alter constraint t_u_fkey not deferrable;"]).unwrap();
        let fk = table(&schema, "public", "t").unwrap().constraints.iter().find(|c| c.name == "t_u_fkey").unwrap();
        assert!(!fk.deferrable && !fk.initially_deferred);
        let (schema, _) = load(&[base, "alter table t alter constraint t_u_fkey deferrable;"]).unwrap();
        let fk = table(&schema, "public", "t").unwrap().constraints.iter().find(|c| c.name == "t_u_fkey").unwrap();
        assert!(fk.deferrable && !fk.initially_deferred);
        let refused = load(&[base, "alter table t alter constraint t_id_check deferrable;"]).unwrap_err();
        assert!(refused.contains("is not a foreign key"), "{refused}");
    }

    #[test]
    fn alter_table_actions_run_in_order() {
        let (schema, _) = load(&["create table u (id int primary key);
             create table t (id int, u int, constraint t_u_fkey foreign key (u) references u);
             alter table t drop constraint t_u_fkey,
               add constraint t_u_fkey foreign key (u) references u on delete cascade;
             alter table t drop column id, add column id bigint;"])
        .unwrap();
        let t = table(&schema, "public", "t").unwrap();
        let fk = t.constraints.iter().find(|c| c.name == "t_u_fkey").unwrap();
        assert!(
            matches!(&fk.kind, crate::model::ConstraintKind::ForeignKey(f) if f.on_delete == crate::model::FkAction::Cascade)
        );
        assert_eq!(t.column("id").unwrap().data_type.sql(), "bigint");
        let twice = load(&["create table t (u int);
             alter table t add constraint c check (u > 0), add constraint c check (u > 1);"]);
        assert!(twice.unwrap_err().contains("constraint c of public.t already exists"));
    }

    const TRIGGERS: &str = "create table t (id int primary key);
         create function f() returns trigger language plpgsql as 'begin return new; end';
         create trigger a before insert on t for each row execute function f();
         create trigger b before update on t for each row execute function f();";

    fn firing(schema: &Schema, name: &str) -> crate::model::Firing {
        schema.triggers[&(QualifiedName::new("public", "t"), name.to_string())].firing
    }

    #[test]
    fn trigger_firing_is_replayed() {
        use crate::model::Firing;
        let (schema, report) = load(&[
            TRIGGERS,
            "alter table t disable trigger a; alter table t enable replica trigger b;",
            "alter table t disable trigger user; alter table t enable trigger a, enable always trigger b;",
        ])
        .unwrap();
        assert_eq!((firing(&schema, "a"), firing(&schema, "b")), (Firing::Enabled, Firing::Always));
        assert!(report.outside.is_empty(), "{:?}", report.outside);
        // CREATE OR REPLACE makes a trigger that fires as a new one does.
        let (schema, _) = load(&[
            TRIGGERS,
            "alter table t disable trigger all;
             create or replace trigger a before insert on t for each row execute function f();",
        ])
        .unwrap();
        assert_eq!((firing(&schema, "a"), firing(&schema, "b")), (Firing::Enabled, Firing::Disabled));
        // A trigger the model does not hold is outside it, not refused.
        let (_, report) = load(&[TRIGGERS, "alter table t disable trigger \"RI_ConstraintTrigger_c_1\";"]).unwrap();
        assert_eq!(report.outside[0].kind, "ALTER TABLE … ENABLE/DISABLE TRIGGER (not in the model)");
        // ONLY leaves the partitions' clones as they were.
        let partitioned = "create table p (k int) partition by range (k);
             create table p1 partition of p for values from (0) to (10);
             create trigger a after insert on p for each row execute function f();";
        let (_, report) = load(&[TRIGGERS, partitioned, "alter table p disable trigger a;"]).unwrap();
        assert!(report.outside.is_empty());
        let (_, report) = load(&[TRIGGERS, partitioned, "alter table only p disable trigger a;"]).unwrap();
        assert_eq!(report.outside[0].kind, "ALTER TABLE ONLY … ENABLE/DISABLE TRIGGER (partitions)");
    }

    #[test]
    fn disable_trigger_all_with_foreign_keys_is_outside_until_enabled_again() {
        let keys = "create table u (id int primary key, t int references t);";
        let (schema, report) = load(&[TRIGGERS, keys, "alter table t disable trigger all;"]).unwrap();
        assert_eq!(firing(&schema, "a"), crate::model::Firing::Disabled);
        let kinds: Vec<&str> = report.outside.iter().map(|o| o.kind.as_str()).collect();
        assert_eq!(kinds, [crate::source::routines::DISABLE_ALL_WITH_KEYS]);
        assert_eq!(report.outside[0].names, [QualifiedName::new("public", "t")]);
        let (_, report) =
            load(&[TRIGGERS, keys, "alter table t disable trigger all;", "alter table t enable trigger all;"]).unwrap();
        assert!(report.outside.is_empty() && report.skipped.is_empty(), "{:?}", report.outside);
        // Without foreign keys, ALL is USER.
        let (_, report) = load(&[TRIGGERS, "alter table t disable trigger all;"]).unwrap();
        assert!(report.outside.is_empty());
    }

    #[test]
    fn constraint_triggers_are_replayed() {
        let (schema, report) = load(&[
            TRIGGERS,
            "create constraint trigger c after insert on t deferrable initially deferred
               for each row execute function f();
             create constraint trigger d after insert on t from t for each row execute function f();",
        ])
        .unwrap();
        let c = &schema.triggers[&(QualifiedName::new("public", "t"), "c".to_string())];
        assert!(c.constraint && c.deferrable && c.initially_deferred);
        let kinds: Vec<&str> = report.outside.iter().map(|o| o.kind.as_str()).collect();
        assert_eq!(kinds, ["CREATE CONSTRAINT TRIGGER … FROM"]);
        let c = "create constraint trigger c after insert on t for each row execute function f();";
        let replaced = load(&[TRIGGERS, c, &c.replace("constraint trigger", "or replace trigger")]);
        assert!(replaced.unwrap_err().contains("is a constraint trigger"));
        let clash = load(&[TRIGGERS, "alter table t add constraint c check (id > 0);", c]);
        assert!(clash.unwrap_err().contains("constraint c for relation public.t already exists"));
        let clash = load(&[TRIGGERS, c, "alter table t add constraint c check (id > 0);"]);
        assert!(clash.unwrap_err().contains("constraint c of public.t already exists"));
        let (_, report) = load(&[TRIGGERS, c, "alter trigger c on t rename to c2;"]).unwrap();
        assert_eq!(report.outside[0].kind, "RENAME (constraint trigger)");
        let clash = load(&[
            TRIGGERS,
            c,
            "alter table t add constraint k check (id > 0); alter table t rename constraint k to c;",
        ]);
        assert!(clash.unwrap_err().contains("constraint c of public.t"));
        let dropped = load(&[TRIGGERS, c, "alter table t drop constraint c;"]);
        assert!(dropped.unwrap_err().contains("because trigger c on table public.t requires it"));
    }

    #[test]
    fn rollback_undoes_its_transaction() {
        let (schema, _) = load(&["begin; create table a (x int); rollback;
             create table b (x int);
             begin; create table c (x int); commit;
             start transaction; create table d (x int); abort;
             begin; create table e (x int);
               savepoint s1; create table f (x int);
               savepoint s2; create table g (x int);
               rollback to savepoint s1; create table h (x int);
               savepoint s3; create table i (x int); release savepoint s3;
             commit;
             rollback;"])
        .unwrap();
        let names: Vec<&str> = schema.tables.keys().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "e", "h", "i"]);
    }

    #[test]
    fn a_rolled_back_table_can_be_created_again() {
        assert!(load(&["begin; create table a (x int); rollback; create table a (y int);"]).is_ok());
    }

    #[test]
    fn search_path_places_unqualified_names() {
        let (schema, _) = load(&[
            "create schema app;
             create table users (id int primary key);
             set search_path to app, public;
             create table notes (id int primary key, author int references users);
             create index on notes (author);
             create view recent as select id from notes;
             create function touch() returns int language sql as 'select 1';
             create type mood as enum ('ok');
             alter table users add column name text;
             create policy p on notes using (true);
             begin; set local search_path = public; create table t_local (x int); commit;
             create table after_local (x int);
             begin; set search_path = public; rollback;
             create table after_rollback (x int);
             select pg_catalog.set_config('search_path', 'public', false);
             create table t_public (x int);
             select set_config('search_path', '\"App2\", public', false);",
            "create table next_file (x int);",
        ])
        .unwrap();
        let notes = table(&schema, "app", "notes").unwrap();
        assert!(notes.constraints.iter().any(|c| matches!(&c.kind,
            crate::model::ConstraintKind::ForeignKey(f) if f.ref_table == QualifiedName::new("public", "users"))));
        assert_eq!(notes.indexes.len(), 1);
        assert!(table(&schema, "public", "users").unwrap().column("name").is_some());
        assert!(schema.views.contains_key(&QualifiedName::new("app", "recent")));
        assert!(schema.functions.values().any(|f| f.name == QualifiedName::new("app", "touch")));
        assert!(schema.enums.contains_key(&QualifiedName::new("app", "mood")));
        assert!(schema.policies.contains_key(&(QualifiedName::new("app", "notes"), "p".to_string())));
        for (schema_name, name) in [
            ("public", "t_local"),
            ("app", "after_local"),
            ("app", "after_rollback"),
            ("public", "t_public"),
            ("public", "next_file"),
        ] {
            assert!(table(&schema, schema_name, name).is_some(), "{schema_name}.{name}");
        }
        assert_eq!(crate::source::ddl::search_path(), Vec::<String>::new());
        assert_eq!(crate::source::ddl::parse_search_path(r#""App2", public"#), ["App2", "public"]);
    }

    #[test]
    fn alters_of_what_the_model_does_not_hold_are_reported() {
        let (_, report) = load(&["create table t (a int); create view v as select 1 as x;
             alter table auth.users add column x int;
             alter table missing rename column a to b;
             alter table t rename column missing to b;
             alter table missing rename constraint c to d;
             alter index missing_idx rename to other_idx;
             alter policy p on t rename to q;
             alter trigger tr on t rename to tr2;
             alter view missing_view rename to w;
             alter table missing rename to other;
             alter table if exists missing rename to other;"])
        .unwrap();
        let lines: Vec<usize> = report.unresolved.iter().map(|(o, _)| o.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 9, 10], "{:?}", report.unresolved);
    }

    #[test]
    fn a_renamed_table_keeps_its_serial_sequence() {
        let (schema, _) = load(&[
            r#"create table "contactNotes" (id serial, n bigserial); alter table "contactNotes" rename to notes;"#,
        ])
        .unwrap();
        let t = table(&schema, "public", "notes").unwrap();
        let id = t.column("id").unwrap();
        assert_eq!(id.data_type.sql(), "integer");
        assert_eq!(id.default.as_ref().unwrap().text(), r#"nextval('"contactNotes_id_seq"'::regclass)"#);
        let seq = &schema.sequences[&QualifiedName::new("public", "contactNotes_id_seq")];
        assert_eq!(seq.owned_by, Some((QualifiedName::new("public", "notes"), "id".to_string())));
        assert_eq!(seq.options, [("as".to_string(), "integer".to_string())]);
        assert!(schema.sequences[&QualifiedName::new("public", "contactNotes_n_seq")].options.is_empty());
    }
}
