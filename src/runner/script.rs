//! Running one file on a live database: its statements in one transaction together with the
//! change to the migration history, or, when it cannot run in a transaction, as written.

use std::path::Path;

use pg_query::NodeEnum;
use pg_query::protobuf::TransactionStmtKind as Kind;

use super::split::{self, Statement};
use crate::db::{Database, ScriptError};
use crate::diagnostic::{Diagnostic, Origin};

/// A file cut into the statements that run.
pub struct Script<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub statements: Vec<Statement<'a>>,
    /// Why it runs as written, outside a transaction of schemagen's; None: in one.
    pub as_written: Option<String>,
    /// The statements that run: in a transaction, the file's own `BEGIN` and `COMMIT` around
    /// them are left out, schemagen's transaction takes their place.
    body: std::ops::Range<usize>,
}

impl<'a> Script<'a> {
    /// `online`: a file `generate --online` wrote to run outside a transaction.
    pub fn new(path: &'a Path, text: &'a str, online: bool) -> Script<'a> {
        let statements = split::statements(text);
        let nodes: Vec<Vec<NodeEnum>> = statements.iter().map(|s| nodes(s.text)).collect();
        let control = |i: usize, kinds: &[Kind]| match nodes.get(i).map(Vec::as_slice) {
            Some([NodeEnum::TransactionStmt(t)]) => kinds.iter().any(|k| *k as i32 == t.kind),
            _ => false,
        };
        let n = statements.len();
        let mut body = 0..n;
        if n >= 2
            && control(0, &[Kind::TransStmtBegin, Kind::TransStmtStart])
            && control(n - 1, &[Kind::TransStmtCommit])
        {
            body = 1..n - 1;
        }
        let own = [
            Kind::TransStmtBegin,
            Kind::TransStmtStart,
            Kind::TransStmtCommit,
            Kind::TransStmtRollback,
            Kind::TransStmtPrepare,
            Kind::TransStmtCommitPrepared,
            Kind::TransStmtRollbackPrepared,
        ];
        let as_written = if online {
            Some("`generate --online` wrote it to run outside a transaction".to_string())
        } else if let Some(what) = body.clone().find_map(|i| nodes[i].iter().find_map(outside_transaction)) {
            Some(format!("{what} cannot run in a transaction"))
        } else if body.clone().any(|i| control(i, &own)) {
            Some("it begins or ends transactions of its own".to_string())
        } else {
            None
        };
        if as_written.is_some() {
            body = 0..n;
        }
        Script { path, text, statements, as_written, body }
    }

    /// A file run as psql runs one: statement by statement, each in its own transaction
    /// unless the file begins one (`verify` replays histories so).
    pub fn one_by_one(path: &'a Path, text: &'a str) -> Script<'a> {
        let statements = split::statements(text);
        let body = 0..statements.len();
        Script { path, text, statements, as_written: Some("it is run as psql runs a file".into()), body }
    }

    /// The statements as the Supabase CLI records them.
    pub fn recorded(&self) -> Vec<&'a str> {
        self.statements.iter().map(|s| s.text).collect()
    }

    /// "in one transaction" or why not, for messages.
    pub fn how(&self) -> String {
        match &self.as_written {
            None => "in one transaction".into(),
            Some(why) => format!("as written: {why}"),
        }
    }

    /// Runs the statements, then `record` (the change to the history); all or nothing in a
    /// transaction. The session's settings are reset after it, so that a `SET` in one file
    /// does not reach the next.
    pub fn run(
        &self,
        db: &mut Database,
        record: impl FnOnce(&mut postgres::Client) -> std::result::Result<(), postgres::Error>,
    ) -> std::result::Result<(), Failure> {
        let result = self.run_statements(db, record);
        if result.is_err() {
            // A transaction of ours, or one the file began, ends without its changes; outside
            // one this only warns.
            let _ = db.run_script("ROLLBACK");
        }
        let _ = db.run_script("RESET ALL");
        result
    }

    fn run_statements(
        &self,
        db: &mut Database,
        record: impl FnOnce(&mut postgres::Client) -> std::result::Result<(), postgres::Error>,
    ) -> std::result::Result<(), Failure> {
        let transaction = self.as_written.is_none();
        if transaction {
            db.run_script("BEGIN").map_err(|error| Failure { statement: None, error })?;
        }
        for i in self.body.clone() {
            db.run_script(self.statements[i].text).map_err(|error| Failure { statement: Some(i), error })?;
        }
        record(&mut db.client).map_err(|e| Failure { statement: None, error: record_error(&e) })?;
        if transaction {
            db.run_script("COMMIT").map_err(|error| Failure { statement: None, error })?;
        }
        Ok(())
    }

    /// The error of `failure` at its place in the file, with what is left of the file.
    pub fn diagnostic(&self, failure: &Failure, what: &str) -> Diagnostic {
        let e = &failure.error;
        let mut message = format!("{what} {} failed: {}", self.path.display(), e.message);
        if let Some(detail) = &e.detail {
            message.push_str(&format!("\nDETAIL: {detail}"));
        }
        let Some(i) = failure.statement else {
            return Diagnostic::new(message).hint("nothing of it is applied: its transaction was rolled back");
        };
        let origin = self.origin(i, e);
        let left = match &self.as_written {
            None => "nothing of it is applied: its statements and its record were rolled back together".to_string(),
            Some(why) => format!(
                "it runs as written ({why}): its {i} statement(s) before this one stay applied and it is not \
                 recorded; finish or undo them by hand (a failed CREATE INDEX CONCURRENTLY leaves an invalid \
                 index to drop)"
            ),
        };
        let hint = match &e.hint {
            Some(h) => format!("{h}; {left}"),
            None => left,
        };
        Diagnostic::new(format!("{message}\n(statement {} of {})", i + 1, self.statements.len()))
            .at(origin, Some(self.text))
            .hint(hint)
    }
}

impl Script<'_> {
    /// Where in the file the error `e` of statement `i` is: the server's position within the
    /// statement, else the statement's start.
    pub fn origin(&self, i: usize, e: &ScriptError) -> Origin {
        let start = Origin::at_offset(self.path, self.text, self.statements[i].offset);
        match e.at {
            Some((1, column)) => Origin::new(self.path, start.line, start.column + column - 1),
            Some((line, column)) => Origin::new(self.path, start.line + line - 1, column),
            None => start,
        }
    }
}

/// A statement (None: the transaction or the record) the server refused.
pub struct Failure {
    pub statement: Option<usize>,
    pub error: ScriptError,
}

/// The record's INSERT or DELETE is schemagen's, not the file's: no place in the file.
fn record_error(e: &postgres::Error) -> ScriptError {
    let message = e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string());
    ScriptError {
        message: format!("cannot update supabase_migrations.schema_migrations: {message}"),
        at: None,
        detail: None,
        hint: None,
    }
}

fn nodes(sql: &str) -> Vec<NodeEnum> {
    pg_query::parse(sql, 0)
        .map(|p| p.protobuf.stmts.into_iter().filter_map(|s| s.stmt.and_then(|n| n.node)).collect())
        .unwrap_or_default()
}

/// The statements PostgreSQL refuses in a transaction block.
fn outside_transaction(node: &NodeEnum) -> Option<&'static str> {
    let concurrently = |params: &[pg_query::Node]| {
        params.iter().any(|p| matches!(&p.node, Some(NodeEnum::DefElem(d)) if d.defname == "concurrently"))
    };
    match node {
        NodeEnum::IndexStmt(s) if s.concurrent => Some("CREATE INDEX CONCURRENTLY"),
        NodeEnum::DropStmt(s) if s.concurrent => Some("DROP INDEX CONCURRENTLY"),
        NodeEnum::ReindexStmt(s) if concurrently(&s.params) => Some("REINDEX CONCURRENTLY"),
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd => Some("VACUUM"),
        NodeEnum::CreatedbStmt(_) => Some("CREATE DATABASE"),
        NodeEnum::DropdbStmt(_) => Some("DROP DATABASE"),
        NodeEnum::CreateTableSpaceStmt(_) | NodeEnum::DropTableSpaceStmt(_) => Some("a tablespace statement"),
        NodeEnum::AlterSystemStmt(_) => Some("ALTER SYSTEM"),
        NodeEnum::AlterTableStmt(s)
            if s.cmds.iter().any(|c| {
                matches!(&c.node, Some(NodeEnum::AlterTableCmd(cmd))
                    if matches!(cmd.def.as_deref().and_then(|d| d.node.as_ref()), Some(NodeEnum::PartitionCmd(p)) if p.concurrent))
            }) =>
        {
            Some("DETACH PARTITION CONCURRENTLY")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Script;
    use std::path::Path;

    #[test]
    fn a_file_in_begin_and_commit_runs_its_inside_in_one_transaction() {
        let s = Script::new(Path::new("a.sql"), "-- t\nBEGIN;\ncreate table t (id int);\nCOMMIT;\n", false);
        assert_eq!(s.as_written, None);
        assert_eq!(s.body, 1..2);
        assert_eq!(s.recorded(), ["-- t\nBEGIN", "create table t (id int)", "COMMIT"]);
    }

    #[test]
    fn concurrent_indexes_own_commits_and_online_files_run_as_written() {
        let p = Path::new("a.sql");
        let s = Script::new(p, "create table t (id int);\ncreate index concurrently i on t (id);", false);
        assert!(s.as_written.unwrap().contains("CREATE INDEX CONCURRENTLY"));
        let s = Script::new(p, "begin;\ncreate table t (id int);\ncommit;\nvacuum t;", false);
        assert!(s.as_written.unwrap().contains("VACUUM"));
        let s = Script::new(p, "create table t (id int);\ncommit;\ncreate table u (id int);", false);
        assert!(s.as_written.unwrap().contains("transactions of its own"));
        assert!(Script::new(p, "alter table t validate constraint c;", true).as_written.is_some());
        assert!(Script::new(p, "savepoint a; create table t (id int); release a;", false).as_written.is_none());
    }
}
