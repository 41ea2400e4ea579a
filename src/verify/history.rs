//! `verify --history`: the committed migrations replayed in order on a scratch database,
//! each run of `generate` followed by its rollback file, which must give back the catalog of
//! before the run; then the run is applied again and the replay goes on. A rollback edited
//! by hand so that it fails or leaves something behind is named, with the difference.

use std::path::{Path, PathBuf};

use super::server::Server;
use super::{DIVERGED, Scratch, Script, indent, judge, plural, progress};
use crate::diagnostic::Result;
use crate::runner::files::{self, Migration};

/// Replays `migrations` (with the rollback files of `rollbacks`) on the server of `url`;
/// 0 when every rollback restores the state before its run, `DIVERGED` when one does not.
pub fn history(migrations: &Path, rollbacks: &Path, stubs: &[PathBuf], url: Option<&str>) -> Result<i32> {
    let local = files::local(migrations)?;
    let server = Server::connect(url)?;
    progress(&format!("using {}", server.description));
    let db = Scratch::create(&server, "history")?;
    db.prepare(stubs)?;
    let (mut proven, mut unproven) = (0, Vec::new());
    let mut i = 0;
    while i < local.len() {
        let run = files::run_of(&local, i, rollbacks).filter(|r| r.range.start == i);
        let Some(run) = run else {
            if let Err(e) = apply(&db, &local[i..=i]) {
                return failed(&e);
            }
            i += 1;
            continue;
        };
        let files = &local[run.range.clone()];
        if !run.rollback.is_file() {
            unproven.push(run.rollback.display().to_string());
            if let Err(e) = apply(&db, files) {
                return failed(&e);
            }
            i = run.range.end;
            continue;
        }
        let before = db.catalog()?;
        if let Err(e) = apply(&db, files) {
            return failed(&e);
        }
        let label = run.rollback.display().to_string();
        progress(&format!("{label}…"));
        if let Err(e) = db.apply(Script::File(&run.rollback), &label) {
            println!("history: the rollback {label} fails on PostgreSQL:\n{}", indent(&e));
            return Ok(DIVERGED);
        }
        let what = format!("the database before {}", files[0].file_name());
        if !judge(&format!("history, {label}"), "rollback", &what, &db.catalog()?, &before) {
            return Ok(DIVERGED);
        }
        proven += 1;
        // On with the run applied, as the database has it.
        if let Err(e) = apply(&db, files) {
            return failed(&format!("after its rollback, {e}"));
        }
        i = run.range.end;
    }
    println!(
        "history: {} migration file{} applied; {proven} rollback{} restore{} the state before {}",
        local.len(),
        plural(local.len()),
        plural(proven),
        if proven == 1 { "s" } else { "" },
        if proven == 1 { "its run" } else { "their runs" }
    );
    for missing in &unproven {
        println!("history: not proven, no rollback file: {missing}");
    }
    Ok(0)
}

/// Applies each file as psql does; Err names the file and line.
fn apply(db: &Scratch, files: &[Migration]) -> std::result::Result<(), String> {
    files.iter().try_for_each(|m| db.apply(Script::File(&m.path), &m.path.display().to_string()))
}

fn failed(e: &str) -> Result<i32> {
    println!("history: a migration fails on PostgreSQL:\n{}", indent(e));
    Ok(DIVERGED)
}
