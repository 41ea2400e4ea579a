//! The two sources of a schema: YAML files (desired) and SQL migrations (current).
//! Both end in the same `model::Schema`, through the same table-building code in `ddl`.

pub mod cascade;
pub mod composite;
pub mod created;
pub mod cron;
pub mod ddl;
pub mod enum_labels;
pub mod exclusion;
pub mod like;
pub mod live;
pub mod optioned;
pub mod owner;
pub mod partition;
pub mod replication;
pub mod routines;
pub mod security;
pub mod set_schema;
pub mod spec;
pub mod sql;
pub mod touched;
pub mod view_columns;
pub mod view_cycle;
pub mod yaml;

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Origin, Result};

/// Files under `path` with one of `extensions`, in file-name order (a migrations folder),
/// or `path` itself when it is a file. Each is a regular file, checked before it is read.
pub fn files_in(path: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>> {
    let root = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => path,
        Ok(m) => {
            regular(path, &m)?;
            return Ok(vec![path.to_path_buf()]);
        }
        Err(_) => {
            return Err(Diagnostic::new(format!("{} does not exist", path.display()))
                .hint("pass an existing file or directory")
                .into());
        }
    };
    let cannot_read = |p: &Path, e: std::io::Error| Diagnostic::new(format!("cannot read {}: {e}", p.display()));
    // Directories by their real path: a link back up the tree would make every file under it
    // read again and again, reported as each object "declared twice".
    let mut seen = HashMap::from([(root.canonicalize().map_err(|e| cannot_read(root, e))?, root.to_path_buf())]);
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| cannot_read(&dir, e))?;
        for entry in entries.flatten() {
            let p = entry.path();
            let wanted = p.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e));
            match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() => {
                    let real = p.canonicalize().map_err(|e| cannot_read(&p, e))?;
                    if let Some(first) = seen.get(&real) {
                        return Err(reached_twice(
                            &p,
                            first,
                            "a link loops back up the tree or two links lead to one directory",
                        ));
                    }
                    seen.insert(real, p.clone());
                    stack.push(p);
                }
                Ok(m) if wanted => {
                    regular(&p, &m)?;
                    out.push(p);
                }
                Err(e) if wanted => return Err(cannot_read(&p, e)
                    .hint(
                        "a symbolic link that leads nowhere, or in a loop, cannot be read: remove it or fix its target",
                    )
                    .into()),
                _ => {}
            }
        }
    }
    out.sort_by(|a, b| a.file_name().cmp(&b.file_name()).then_with(|| a.cmp(b)));
    // A file linked under a second name would be read twice, each object "declared twice".
    let mut files = HashMap::new();
    for p in &out {
        let real = p.canonicalize().map_err(|e| cannot_read(p, e))?;
        if let Some(first) = files.insert(real, p) {
            let is_link = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
            let (link, first) = if is_link(p) || !is_link(first) { (p, first) } else { (first, p) };
            return Err(reached_twice(link, first, "two names lead to one file"));
        }
    }
    Ok(out)
}

/// `link` leads to `first`, which is read already; located at the link, the name to remove.
fn reached_twice(link: &Path, first: &Path, why: &str) -> crate::diagnostic::Errors {
    Diagnostic::new(format!("{} is {}, reached a second time through a symbolic link", link.display(), first.display()))
        .at(Origin::new(link, 1, 1), None)
        .hint(format!("{why}: remove one, so that each file is read once"))
        .into()
}

/// Far above any schema, migration or template written by hand or dumped by `pg_dump` for
/// one project, and low enough that reading a file whole never exhausts memory.
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Refuses what reading would hang on (a named pipe) or never finish (`/dev/zero`), and a file
/// too large to hold; `metadata` is the file's, through any link.
fn regular(path: &Path, metadata: &std::fs::Metadata) -> Result<()> {
    use std::os::unix::fs::FileTypeExt as _;
    let kind = metadata.file_type();
    let what = if kind.is_file() {
        return if metadata.len() > MAX_FILE_SIZE { Err(too_large(path)) } else { Ok(()) };
    } else if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    };
    Err(Diagnostic::new(format!("{} is {what}, not a regular file", path.display()))
        .hint("schemagen reads regular files only: remove or rename it, or point the link at a regular file")
        .into())
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn too_large(path: &Path) -> crate::diagnostic::Errors {
    Diagnostic::new(format!("{} is larger than {} MiB", path.display(), MAX_FILE_SIZE >> 20))
        .hint("no schema or migration file is this large: check that it is the file meant, or split it")
        .into()
}

/// pg_query's message for SQL it could not read, with the one that lists every level of a
/// tree nested deeper than its decoder reads (about a hundred) said in a sentence.
pub fn parser_message(message: &str) -> String {
    if message.starts_with("Error decoding result") { TOO_DEEP.to_string() } else { message.to_string() }
}

pub const TOO_DEEP: &str = "it is nested too deeply to be read (about a hundred levels of parse tree at most)";

/// The text of `path`, without a byte order mark; bytes that are not UTF-8 are an error at
/// the first of them.
pub fn read(path: &Path) -> Result<String> {
    let cannot = |e: std::io::Error| {
        Diagnostic::new(format!("cannot read {}: {e}", path.display()))
            .hint("check that the file exists and is readable")
    };
    regular(path, &std::fs::metadata(path).map_err(cannot)?)?;
    let mut bytes = Vec::new();
    // Bounded again while reading: the file may have grown since its size was checked.
    std::fs::File::open(path).and_then(|f| f.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)).map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large(path));
    }
    // Some Windows editors start UTF-8 files with a byte order mark; dropped, not passed to a
    // parser, lines and columns count from the first character the editor shows.
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
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
