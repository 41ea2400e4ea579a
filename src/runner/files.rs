//! The migration files of the folder, named as the Supabase CLI reads them
//! (`<version>_<name>.sql`, version all digits, in file-name order), and the runs of
//! `generate` they belong to, whose rollback file undoes them together.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Result};
use crate::generated;

/// One migration file.
#[derive(Debug, Clone)]
pub struct Migration {
    pub path: PathBuf,
    pub version: String,
    pub name: String,
    pub text: String,
}

impl Migration {
    pub fn file_name(&self) -> String {
        format!("{}_{}.sql", self.version, self.name)
    }
}

/// The migrations of `dir` in apply order; files whose names the CLI skips are skipped (and
/// said so on stderr), and every one read is checked to parse, so that no file is applied
/// when a later one cannot be.
pub fn local(dir: &Path) -> Result<Vec<Migration>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Diagnostic::new(format!("cannot read {}: {e}", dir.display())).into()),
    };
    let mut names: Vec<String> = entries.flatten().filter_map(|e| e.file_name().into_string().ok()).collect();
    names.sort();
    let mut out: Vec<Migration> = Vec::new();
    for file in names {
        let path = dir.join(&file);
        let Some((version, name)) = version_and_name(&file) else {
            if file.ends_with(".sql") {
                eprintln!("skipping {}: the name must be <version>_<name>.sql", path.display());
            }
            continue;
        };
        if let Some(twin) = out.iter().find(|m| m.version == version) {
            return Err(Diagnostic::new(format!(
                "{} and {} have the same version {version}",
                twin.path.display(),
                path.display()
            ))
            .hint("each version is recorded once in supabase_migrations.schema_migrations: give one of them a later version")
            .into());
        }
        let text = crate::source::read(&path)?;
        check_parses(&path, &text, "the runner touches no database while a migration file does not parse")?;
        out.push(Migration { path, version, name, text });
    }
    Ok(out)
}

/// `(version, name)` of a file name the CLI applies: digits, `_`, a name, `.sql`.
fn version_and_name(file: &str) -> Option<(String, String)> {
    let (version, rest) = file.strip_suffix(".sql")?.split_once('_')?;
    (!version.is_empty() && version.bytes().all(|b| b.is_ascii_digit())).then(|| (version.into(), rest.into()))
}

/// A file that does not parse is refused where it stops parsing; `then` ends the hint (what
/// was left undone).
pub fn check_parses(path: &Path, text: &str, then: &str) -> Result<()> {
    if let Err(e) = pg_query::parse(text, 0) {
        let mut errors = crate::source::sql::syntax_error(path, text, &crate::pgtree::parse_message(&e));
        for d in &mut errors.0 {
            d.hint = Some(format!("{}; {then}", d.hint.take().unwrap_or_default()));
        }
        return Err(errors);
    }
    Ok(())
}

/// The files of one `generate` run, `migrations[range]`, and the rollback file that undoes
/// all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub range: std::ops::Range<usize>,
    pub rollback: PathBuf,
    /// The rollback file's first line, as `generate` writes it.
    pub rollback_title: String,
}

/// The run of `migrations[index]`, or None for a file `generate` did not write. Each file's
/// header names the migration (run) it belongs to; a run's files are a second apart.
pub fn run_of(migrations: &[Migration], index: usize, rollback_dir: &Path) -> Option<Run> {
    let part = |i: usize| -> Option<(String, String)> {
        let m = &migrations[i];
        (m.version.len() == 14).then_some(())?;
        generated::migration_in(&m.text)
    };
    let follows = |a: usize, b: usize| match (part(a), part(b)) {
        (Some(ra), Some(rb)) => ra == rb && generated::add_seconds(&migrations[a].version, 1) == migrations[b].version,
        _ => false,
    };
    let (stamp, name) = part(index)?;
    let mut start = index;
    while start > 0 && follows(start - 1, start) {
        start -= 1;
    }
    let mut end = index + 1;
    while end < migrations.len() && follows(end - 1, end) {
        end += 1;
    }
    Some(Run {
        range: start..end,
        rollback: generated::rollback_path(rollback_dir, &stamp, &name),
        rollback_title: generated::rollback_title(&stamp, &name),
    })
}
