//! The two sources of a schema: YAML files (desired) and SQL migrations (current).
//! Both end in the same `model::Schema`, through the same table-building code in `ddl`.

pub mod cascade;
pub mod ddl;
pub mod routines;
pub mod security;
pub mod sql;
pub mod view_columns;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Origin, Result};

/// Files under `path` with one of `extensions`, in file-name order (a migrations folder),
/// or `path` itself when it is a file.
pub fn files_in(path: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        return Err(Diagnostic::new(format!("{} does not exist", path.display()))
            .hint("pass an existing file or directory")
            .into());
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| Diagnostic::new(format!("cannot read {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e)) {
                out.push(p);
            }
        }
    }
    out.sort_by(|a, b| a.file_name().cmp(&b.file_name()).then_with(|| a.cmp(b)));
    Ok(out)
}

/// pg_query's message for SQL it could not read, with the one that lists every level of a
/// tree nested deeper than its decoder reads (about a hundred) said in a sentence.
pub fn parser_message(message: &str) -> String {
    if message.starts_with("Error decoding result") { TOO_DEEP.to_string() } else { message.to_string() }
}

pub const TOO_DEEP: &str = "it is nested too deeply to be read (about a hundred levels of parse tree at most)";

/// The text of `path`; bytes that are not UTF-8 are an error at the first of them.
pub fn read(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::new(format!("cannot read {}: {e}", path.display()))
            .hint("check that the file exists and is readable")
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes());
        // The lossy text has one replacement character per bad sequence: offsets agree up to it.
        Diagnostic::new(format!("{} is not UTF-8 text", path.display()))
            .at(Origin::at_offset(path, &text, valid), Some(&text))
            .hint("save the file as UTF-8")
            .into()
    })
}

/// The schema `sql` builds, statement by statement (for unit tests).
#[cfg(test)]
pub(crate) fn replayed(sql: &str) -> crate::model::Schema {
    let mut schema = crate::model::Schema::default();
    for stmt in pg_query::parse(sql, 0).expect("test SQL parses").protobuf.stmts {
        ddl::apply(&mut schema, stmt.stmt.expect("a statement").node.as_ref().expect("a node"));
    }
    schema
}
