//! The migration runner: `status`, `apply` and `rollback` of the migration files against a
//! live database, with the Supabase CLI's history table, so that either tool can pick up
//! where the other left off.

pub mod files;
pub mod history;
pub mod rollbacks;
pub mod script;
pub mod split;

use std::path::PathBuf;

use crate::db::{self, Database};
use crate::diagnostic::{Diagnostic, Origin, Result};
use files::{Migration, Run};
use history::Record;
use script::Script;

/// Where the migrations and their rollback files are.
pub struct Folders {
    pub migrations: PathBuf,
    pub rollbacks: PathBuf,
}

/// The local files against the database's history.
struct State {
    local: Vec<Migration>,
    records: Vec<Record>,
}

impl State {
    fn read(db: &mut Database, local: Vec<Migration>) -> Result<State> {
        Ok(State { local, records: history::read(db)? })
    }

    fn record(&self, version: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.version == version)
    }

    fn pending(&self) -> Vec<&Migration> {
        self.local.iter().filter(|m| self.record(&m.version).is_none()).collect()
    }

    /// Records with no file in the folder.
    fn unknown(&self) -> Vec<&Record> {
        self.records.iter().filter(|r| !self.local.iter().any(|m| m.version == r.version)).collect()
    }
}

/// Where an applied file differs from the statements recorded when it was applied: the
/// first statement that differs, located in the file. None when they agree or none were
/// recorded.
fn changed(m: &Migration, record: &Record) -> Option<String> {
    let recorded = record.statements.as_ref()?;
    let now = split::statements(&m.text);
    let first = (0..now.len().max(recorded.len()))
        .find(|&i| now.get(i).map(|s| s.text) != recorded.get(i).map(String::as_str))?;
    Some(match now.get(first) {
        Some(s) => format!(
            "statement {} ({}) is not the one applied",
            first + 1,
            Origin::at_offset(&m.path, &m.text, s.offset)
        ),
        None => format!("it has {} statement(s), {} were applied", now.len(), recorded.len()),
    })
}

/// Key of the session advisory lock that keeps two runs of `apply` or `rollback` off one
/// database at a time (released when the connection ends).
const RUN_LOCK: i64 = 0x5343_4847_4e52_554e;

/// Connects for a run that changes the database, holding the lock.
fn connect_exclusive(url: &str) -> Result<Database> {
    let mut db = db::connect(url)?;
    let locked = db
        .client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&RUN_LOCK])
        .map_err(|e| Diagnostic::new(format!("cannot take the runner's lock on {}: {e}", db.description)))?;
    if !locked.get::<_, bool>(0) {
        return Err(Diagnostic::new(format!("another `apply` or `rollback` is running on {}", db.description))
            .hint("wait for it to finish, then run this again")
            .into());
    }
    Ok(db)
}

/// `status`: every file applied, changed or pending, and applied versions with no file.
/// Exit 0 when the database has every file as it is, 2 when not.
pub fn status(url: &str, folders: &Folders) -> Result<i32> {
    let local = files::local(&folders.migrations)?;
    let mut db = db::connect(url)?;
    let state = State::read(&mut db, local)?;
    let pending = state.pending().len();
    println!("{}: {} applied, {pending} pending", db.description, state.records.len());
    let mut drift = pending > 0;
    for m in &state.local {
        match state.record(&m.version) {
            None => println!("  pending  {}", m.file_name()),
            Some(r) => match changed(m, r) {
                Some(how) => {
                    drift = true;
                    println!("  changed  {}: edited after it was applied: {how}", m.file_name());
                }
                None if r.statements.is_none() => {
                    println!("  applied  {} (no statements recorded to compare)", m.file_name())
                }
                None => println!("  applied  {}", m.file_name()),
            },
        }
    }
    for r in state.unknown() {
        drift = true;
        println!("  missing  {}_{}: applied, but not in {}", r.version, r.name, folders.migrations.display());
    }
    Ok(if drift { 2 } else { 0 })
}

/// `apply`: the pending files in order, each with its record; stops at the first that fails.
pub fn apply(url: &str, folders: &Folders, dry_run: bool) -> Result<i32> {
    let local = files::local(&folders.migrations)?;
    let mut db = if dry_run { db::connect(url)? } else { connect_exclusive(url)? };
    if !dry_run {
        history::create(&mut db)?;
    }
    let state = State::read(&mut db, local)?;
    if let Some(r) = state.unknown().first() {
        return Err(Diagnostic::new(format!(
            "{} has migration {}_{} applied, which is not in {}",
            db.description,
            r.version,
            r.name,
            folders.migrations.display()
        ))
        .hint("pull the file that applied it into the folder (or `supabase migration repair --status reverted` it) before applying more")
        .into());
    }
    let pending = state.pending();
    let latest = state.records.iter().map(|r| r.version.as_str()).max();
    if let (Some(latest), Some(older)) = (latest, pending.iter().find(|m| Some(m.version.as_str()) < latest)) {
        return Err(Diagnostic::new(format!(
            "{} is pending but older than {latest}, the latest version applied to {}",
            older.path.display(),
            db.description
        ))
        .hint("migrations apply in version order, as the Supabase CLI applies them: give it a version after the latest")
        .into());
    }
    if pending.is_empty() {
        println!("{}: up to date, nothing to apply", db.description);
        return Ok(0);
    }
    let verb = if dry_run { "would apply" } else { "applying" };
    let run_of = |m: &Migration| {
        let i = state.local.iter().position(|l| l.version == m.version).expect("a local file");
        files::run_of(&state.local, i, &folders.rollbacks)
    };
    for m in &pending {
        let online = run_of(m).is_some() && m.name.ends_with("_online");
        let script = Script::new(&m.path, &m.text, online);
        println!("{verb} {} ({} statement(s), {})", m.file_name(), script.statements.len(), script.how());
        if dry_run {
            continue;
        }
        let statements = script.recorded();
        // The rollback file as it is now, recorded with the file: `rollback` refuses it edited.
        let rollback = match run_of(m).filter(|r| r.rollback.is_file()) {
            Some(run) => Some(crate::source::read(&run.rollback)?),
            None => None,
        };
        script
            .run(&mut db, |c| {
                history::insert(c, &m.version, &m.name, &statements)?;
                rollback.as_deref().map_or(Ok(()), |text| rollbacks::insert(c, &m.version, text))
            })
            .map_err(|f| script.diagnostic(&f, "migration"))?;
    }
    if dry_run {
        println!("dry run: nothing applied to {}", db.description);
    } else {
        println!("applied {} migration(s) to {}", pending.len(), db.description);
    }
    Ok(0)
}

/// Says why the rollback file of a run may not be what `generate` wrote (None: nothing found).
pub type EditedCheck<'a> = dyn Fn(&Run, &[Migration]) -> Result<Option<String>> + 'a;

/// `rollback`: the rollback files of the latest applied runs of `generate` (all after `to`,
/// or the latest one), newest first, each in one transaction with removing its records.
/// Every rollback file is checked before any runs.
pub fn rollback(url: &str, folders: &Folders, to: Option<&str>, edited: &EditedCheck) -> Result<i32> {
    let local = files::local(&folders.migrations)?;
    let mut db = connect_exclusive(url)?;
    let state = State::read(&mut db, local)?;
    let recorded = rollbacks::read(&mut db)?;
    let Some(latest) = state.records.last() else {
        println!("{}: no migration is applied, nothing to roll back", db.description);
        return Ok(0);
    };
    if let Some(to) = to
        && state.record(to).is_none()
    {
        return Err(Diagnostic::new(format!(
            "--to {to}: no migration of that version is applied to {}",
            db.description
        ))
        .hint("name an applied version: `schemagen status` lists them")
        .into());
    }
    let undo: Vec<&Record> = match to {
        Some(to) => state.records.iter().filter(|r| r.version.as_str() > to).collect(),
        None => vec![latest],
    };
    // The runs to undo, newest first, each once.
    let mut runs: Vec<Run> = Vec::new();
    for r in undo.iter().rev() {
        let Some(i) = state.local.iter().position(|m| m.version == r.version) else {
            return Err(Diagnostic::new(format!(
                "migration {}_{} is applied but not in {}: its rollback cannot be found",
                r.version,
                r.name,
                folders.migrations.display()
            ))
            .hint("pull the migration and its rollback file into the project first")
            .into());
        };
        if runs.iter().any(|run| run.range.contains(&i)) {
            continue;
        }
        let m = &state.local[i];
        let run = files::run_of(&state.local, i, &folders.rollbacks).ok_or_else(|| {
            Diagnostic::new(format!("{} has no rollback file: `schemagen generate` did not write it", m.path.display()))
                .at(Origin::new(&m.path, 1, 1), Some(&m.text))
                .hint("roll it back by hand (and `supabase migration repair --status reverted` its version), or roll back to a later version")
        })?;
        check_run(&state, &run, to, folders, edited)?;
        if let Some(recorded) = &recorded {
            as_applied(&mut db, &state, &run, recorded)?;
        }
        runs.push(run);
    }
    for run in &runs {
        let text = crate::source::read(&run.rollback)?;
        let script = Script::new(&run.rollback, &text, false);
        let versions: Vec<&str> = state.local[run.range.clone()]
            .iter()
            .filter(|m| state.record(&m.version).is_some())
            .map(|m| m.version.as_str())
            .collect();
        println!("rolling back {} ({} statement(s), {})", versions.join(", "), script.statements.len(), script.how());
        script
            .run(&mut db, |c| {
                history::delete(c, &versions)?;
                recorded.as_ref().map_or(Ok(()), |_| rollbacks::delete(c, &versions))
            })
            .map_err(|f| script.diagnostic(&f, "rollback"))?;
    }
    println!("rolled back {} run(s) of `schemagen generate` on {}", runs.len(), db.description);
    Ok(0)
}

/// Refuses the run when its rollback file is not the text recorded when its files were
/// applied (`rollbacks`); files applied without a record (by the Supabase CLI, or before
/// schemagen kept one) are not compared.
fn as_applied(
    db: &mut Database,
    state: &State,
    run: &Run,
    recorded: &std::collections::BTreeMap<String, String>,
) -> Result<()> {
    let files = &state.local[run.range.clone()];
    let with_digest: Vec<&Migration> = files.iter().filter(|m| recorded.contains_key(&m.version)).collect();
    if with_digest.is_empty() {
        return Ok(());
    }
    let text = crate::source::read(&run.rollback)?;
    let now = rollbacks::digest(db, &text)?;
    let Some(m) = with_digest.iter().find(|m| recorded[&m.version] != now) else { return Ok(()) };
    Err(Diagnostic::new(format!(
        "{} was edited after {} was applied: it is not the rollback file the run was applied with",
        run.rollback.display(),
        m.file_name()
    ))
    .at(Origin::new(&run.rollback, 1, 1), Some(&text))
    .hint(format!(
        "restore it as it was when the run was applied (from version control: the commit that applied {}); \
         nothing was rolled back",
        m.file_name()
    ))
    .into())
}

/// A run may be rolled back when all of it is applied, nothing of it stays (`to` is not in
/// its middle), and its rollback file is there, is the one of this run and was not edited.
fn check_run(state: &State, run: &Run, to: Option<&str>, folders: &Folders, edited: &EditedCheck) -> Result<()> {
    let files = &state.local[run.range.clone()];
    let first = &files[0];
    let names = files.iter().map(Migration::file_name).collect::<Vec<_>>().join(", ");
    if let Some(m) = files.iter().find(|m| state.record(&m.version).is_none()) {
        return Err(Diagnostic::new(format!(
            "{} is not applied, but its rollback file undoes the whole run of `generate` ({names})",
            m.path.display()
        ))
        .hint("apply the rest of the run first, then roll it back whole")
        .into());
    }
    if let Some((m, how)) = files.iter().find_map(|m| Some((m, changed(m, state.record(&m.version)?)?))) {
        return Err(Diagnostic::new(format!(
            "{} was edited after it was applied ({how}): its rollback file undoes the file as it is, not as applied",
            m.path.display()
        ))
        .hint("restore the file as applied (`schemagen status` shows which statement differs), then roll back")
        .into());
    }
    if let Some(to) = to
        && files.iter().any(|m| m.version == to)
        && files.last().is_some_and(|m| m.version != to)
    {
        return Err(Diagnostic::new(format!(
            "--to {to} is inside a run of `generate` ({names}), which rolls back whole"
        ))
        .hint(format!(
            "roll back to {} or to the version before {}",
            files.last().map_or("", |m| &m.version),
            first.version
        ))
        .into());
    }
    let rollback = &run.rollback;
    if !rollback.is_file() {
        return Err(Diagnostic::new(format!(
            "the rollback file of {} is missing: {}",
            first.file_name(),
            rollback.display()
        ))
        .at(Origin::new(&first.path, 1, 1), Some(&first.text))
        .hint(format!(
            "`generate` wrote it into {}; restore it from version control, nothing was rolled back",
            folders.rollbacks.display()
        ))
        .into());
    }
    let text = crate::source::read(rollback)?;
    let mut lines = text.lines();
    let header = lines.next() == Some(&format!("-- {}", run.rollback_title))
        && lines.next().is_some_and(|l| l.starts_with("-- Generated by schemagen from "));
    if !header {
        return Err(Diagnostic::new(format!(
            "{} is not the rollback file `generate` wrote for {}",
            rollback.display(),
            first.file_name()
        ))
        .at(Origin::new(rollback, 1, 1), Some(&text))
        .hint(format!(
            "its first line must be `-- {}`, as generated; restore it from version control",
            run.rollback_title
        ))
        .into());
    }
    files::check_parses(rollback, &text, "nothing was rolled back")?;
    if let Some(report) = edited(run, &state.local)? {
        // The report's lines name each file that differs as `path:line: differs`.
        let prefix = format!("  {}:", rollback.display());
        let Some(at) = report.lines().find_map(|l| l.strip_prefix(&prefix)?.split(':').next()?.parse::<usize>().ok())
        else {
            // The rollback is as generated; another file of the run is not.
            return Ok(());
        };
        let details: String =
            report.lines().filter(|l| l.starts_with("      ")).map(|l| format!("\n{}", l.trim_start())).collect();
        return Err(Diagnostic::new(format!(
            "{} was edited after `generate` wrote it{details}",
            rollback.display()
        ))
        .at(Origin::new(rollback, at, 1), Some(&text))
        .hint("restore the generated rollback from version control (or delete the run and generate it again); nothing was rolled back")
        .into());
    }
    Ok(())
}
