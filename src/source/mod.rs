//! The two sources of a schema: YAML files (desired) and SQL migrations (current).
//! Both end in the same `model::Schema`, through the same table-building code in `ddl`.

pub mod ddl;
pub mod routines;
pub mod security;
pub mod sql;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Result};

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

pub fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Diagnostic::new(format!("cannot read {}: {e}", path.display())).into())
}
