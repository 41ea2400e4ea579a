//! SQL migrations (a file, several, or a `supabase/migrations/` folder) → `Schema`,
//! by replaying each statement in order with PostgreSQL's own parser.

use pg_query::NodeEnum;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Origin, Positions, Result};
use crate::model::{ObjectId, Schema};
use crate::pgtree::parse_message;
use crate::source::ddl::{self, Outcome};

/// What a load read and what it left out.
#[derive(Debug, Default, Clone)]
pub struct LoadReport {
    pub files: usize,
    pub statements: usize,
    pub applied: usize,
    /// Statements outside the model, by kind.
    pub skipped: BTreeMap<String, usize>,
    /// Each of them: where it starts, its kind and its first line.
    pub outside: Vec<(Origin, String, String)>,
    /// Modelled statements about objects the model does not hold, with where they are.
    pub unresolved: Vec<(Origin, String)>,
}

impl LoadReport {
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }
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
    for piece in pieces {
        let start = piece.as_ptr() as usize - text.as_ptr() as usize;
        match pg_query::parse(piece, 0) {
            Ok(parsed) => {
                for raw in &parsed.protobuf.stmts {
                    apply(schema, &mut positions, text, start + raw.stmt_location as usize, raw, report)?;
                }
            }
            Err(_) => return load_rest(schema, &mut positions, file, text, start, report),
        }
    }
    Ok(())
}

/// The statements of `text` from byte `start` on, parsed with the whole file.
fn load_rest(
    schema: &mut Schema,
    positions: &mut Positions,
    file: &Path,
    text: &str,
    start: usize,
    report: &mut LoadReport,
) -> Result<()> {
    let parsed = pg_query::parse(text, 0).map_err(|e| syntax_error(file, text, &parse_message(&e)))?;
    let rest = parsed.protobuf.stmts.iter().filter(|r| r.stmt_location as usize + r.stmt_len as usize > start);
    for raw in rest {
        apply(schema, positions, text, raw.stmt_location as usize, raw, report)?;
    }
    Ok(())
}

fn apply(
    schema: &mut Schema,
    positions: &mut Positions,
    text: &str,
    location: usize,
    raw: &pg_query::protobuf::RawStmt,
    report: &mut LoadReport,
) -> Result<()> {
    let Some(stmt) = raw.stmt.as_ref().and_then(|s| s.node.as_ref()) else { return Ok(()) };
    report.statements += 1;
    match ddl::apply(schema, stmt) {
        Outcome::Applied => {
            report.applied += 1;
            // Where a table was created, to say where a table that would be dropped came from.
            if let NodeEnum::CreateStmt(c) = stmt
                && let Some(rv) = &c.relation
            {
                let origin = positions.at(statement_start(text, location));
                schema.hints.origins.insert(ObjectId::Table(ddl::qualified(rv)), origin);
            }
        }
        Outcome::Skipped(kind) => {
            *report.skipped.entry(kind.to_string()).or_default() += 1;
            let start = statement_start(text, location);
            let first_line = text[start..].lines().next().unwrap_or_default().trim_end().to_string();
            report.outside.push((positions.at(start), kind.to_string(), first_line));
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
