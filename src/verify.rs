//! `schemagen verify`: proves a migration on a real PostgreSQL before it ships.
//!
//! In one scratch database: the SQL that exists, then the up migration exactly as `generate`
//! writes it, then its rollback. In another: the desired schema built from nothing with the
//! embedded templates, the reference. After the up migration the catalog must equal the
//! reference's; after the rollback, what the SQL that exists gave. On the reference, the
//! row level security tests `test generate` writes (`rlstest`) must pass too. Both
//! databases are created for the run and dropped after it.

mod catalog;
mod history;
mod rls;
mod server;

pub use history::history;

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Result};
use crate::generated::{self, Naming};
use crate::model::Schema;
use crate::pipeline::Outcome;
use crate::render::Renderer;
use crate::{Direction, plan_migration, render_file};
use catalog::{Catalog, Report};
use server::Server;

/// Exit code when the up migration or the rollback fails on PostgreSQL or does not reach the
/// catalog it should, or an access expectation fails.
pub const DIVERGED: i32 = 4;

const STUB: &str = include_str!("verify/supabase_stub.sql");

/// What `verify` applies.
pub struct Scripts {
    /// The SQL files that exist, in the order they are read (and applied).
    pub current: Vec<PathBuf>,
    /// The up migration, as the files `generate` writes, in order; none when nothing changes.
    pub up: Vec<String>,
    pub down: String,
    /// The desired schema from nothing, rendered with the embedded templates, so that a
    /// template of `--templates` that writes the wrong SQL shows as a difference.
    pub desired: String,
    /// Steps of the plan, for the progress line.
    pub steps: usize,
    /// The row level security tests of the desired schema, run where it was built.
    pub tests: Vec<crate::rlstest::TestFile>,
}

impl Scripts {
    /// The scripts of the outcome's plan (rendered by `renderer`, split into files unless
    /// `single_file`, as `generate` does), over the SQL of `sql`, towards its desired schema.
    pub fn new(
        renderer: &Renderer,
        outcome: &Outcome,
        sql: &[PathBuf],
        single_file: bool,
        source: &str,
    ) -> Result<Scripts> {
        let plan = outcome.plan();
        let mut current = Vec::new();
        for path in sql {
            current.extend(crate::source::files_in(path, &["sql"])?);
        }
        // Exactly the files `generate` would write (their names do not matter here).
        let naming = Naming {
            timestamp: "20000101000000",
            name: "verify",
            out: Path::new(""),
            rollback_dir: Path::new("rollbacks"),
            single: single_file,
            source,
        };
        let mut up: Vec<String> =
            generated::files(renderer, plan, &naming)?.into_iter().map(|(_, text)| text).collect();
        let down = up.pop().expect("generate writes a rollback");
        if plan.is_empty() {
            up.clear();
        }
        let reference = plan_migration(&Schema::default(), &outcome.desired)?;
        let desired = render_file(&Renderer::new(None)?, &reference, Direction::Up, "desired schema", "the YAML")?;
        let tests = crate::rlstest::files(&outcome.desired).map_err(Diagnostic::new)?;
        Ok(Scripts { current, up, down, desired, steps: plan.steps.len(), tests })
    }
}

/// The built-in stub as SQL: its psql meta-command (`\set ON_ERROR_STOP 1`, for running it
/// by hand, as the tests do) left as an empty line, so that lines keep their numbers.
fn stub_sql() -> String {
    STUB.lines().map(|l| if l.starts_with('\\') { "\n".to_string() } else { format!("{l}\n") }).collect()
}

/// What a scratch database runs: SQL text, named in errors by a label, or a file.
pub(crate) enum Script<'a> {
    Text(&'a str),
    File(&'a Path),
}

pub(crate) fn progress(message: &str) {
    eprintln!("verify: {message}");
}

/// SQL files run after the built-in Supabase stub in every scratch database (`--stub`,
/// `verify_stubs`): the platform schemas a project uses that the stub does not have (vault,
/// graphql, cron, net, …). Each is checked to parse before any database is made.
pub fn stubs(files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    for f in files {
        crate::runner::files::check_parses(f, &crate::source::read(f)?, "verify made no database")?;
    }
    Ok(files.to_vec())
}

/// Runs the scripts on the server of `url` (see `Server::connect` for the others), prints
/// the result of each direction, and returns the exit code: 0 when both converge, `DIVERGED`
/// when one does not.
pub fn run(scripts: &Scripts, url: Option<&str>, stubs: &[PathBuf]) -> Result<i32> {
    let server = Server::connect(url)?;
    progress(&format!("using {}", server.description));
    progress("building the desired schema from nothing…");
    let n = scripts.current.len();
    progress(&format!("applying {n} migration file{}…", plural(n)));
    // Independent until they are compared: built side by side.
    let (desired, current) = std::thread::scope(|s| {
        let desired = s.spawn(|| build_desired(&server, &scripts.desired, stubs));
        let current = apply_current(&server, &scripts.current, stubs);
        (desired.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), current)
    });
    let (reference, desired) = desired?;
    let (db, before) = current?;

    progress(&format!(
        "up ({} step{}, {} file{})…",
        scripts.steps,
        plural(scripts.steps),
        scripts.up.len(),
        plural(scripts.up.len())
    ));
    let mut converged = true;
    let count = scripts.up.len();
    let applied = scripts.up.iter().enumerate().try_for_each(|(i, up)| {
        let label =
            if count == 1 { "up migration".to_string() } else { format!("up migration, file {} of {count}", i + 1) };
        db.apply(Script::Text(up), &label)
    });
    if let Err(e) = applied {
        println!("up: fails on PostgreSQL:\n{}", indent(&e));
        println!("rollback: not run, the up migration failed");
        return Ok(DIVERGED);
    }
    let after = db.catalog()?;
    converged &= judge("up", "up migration", "the desired schema", &after, &desired);

    if scripts.up.is_empty() {
        println!("rollback: nothing to roll back");
    } else {
        progress("rollback…");
        match db.apply(Script::Text(&scripts.down), "rollback") {
            Err(e) => {
                println!("rollback: fails on PostgreSQL:\n{}", indent(&e));
                converged = false;
            }
            Ok(()) => converged &= judge("rollback", "rollback", "the SQL that exists", &db.catalog()?, &before),
        }
    }
    converged &= rls::run(&reference, &scripts.tests)?;
    Ok(if converged { 0 } else { DIVERGED })
}

/// A scratch database holding the desired schema, built from nothing, and its catalog.
fn build_desired<'a>(server: &'a Server, script: &str, stubs: &[PathBuf]) -> Result<(Scratch<'a>, Catalog)> {
    let db = Scratch::create(server, "desired")?;
    db.prepare(stubs)?;
    db.apply(Script::Text(script), "the desired schema").map_err(|e| {
        Diagnostic::new(format!("the desired schema cannot be built on PostgreSQL: {e}"))
            .hint("fix the YAML (an expression, a function body, a missing object), then verify again")
    })?;
    let catalog = db.catalog()?;
    Ok((db, catalog))
}

/// A scratch database holding what the SQL files that exist make, and its catalog.
fn apply_current<'a>(server: &'a Server, files: &[PathBuf], stubs: &[PathBuf]) -> Result<(Scratch<'a>, Catalog)> {
    let db = Scratch::create(server, "current")?;
    db.prepare(stubs)?;
    let n = files.len();
    for (i, file) in files.iter().enumerate() {
        db.apply(Script::File(file), &file.display().to_string()).map_err(|e| {
            Diagnostic::new(format!("the SQL that exists does not apply on PostgreSQL: {e}")).hint(
                "the migrations must apply in order to an empty database (with Supabase's auth schema and \
                 roles, which verify stubs on a plain server)",
            )
        })?;
        // Long histories: a line every hundred files.
        if (i + 1) % 100 == 0 && i + 1 < n {
            progress(&format!("{}/{n} migration files applied…", i + 1));
        }
    }
    let catalog = db.catalog()?;
    Ok((db, catalog))
}

/// Prints whether `got` (the catalog after `step`) is `expected` (that of `what`), and what
/// differs if not.
fn judge(direction: &str, step: &str, what: &str, got: &Catalog, expected: &Catalog) -> bool {
    let diffs = catalog::compare(got, expected);
    if diffs.is_empty() {
        println!("{direction}: converges: after the {step} the catalog is that of {what}");
        return true;
    }
    print!(
        "{direction}: does not converge: {} difference{} from {what}:\n{}",
        diffs.len(),
        plural(diffs.len()),
        Report(&diffs)
    );
    false
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}

/// A database created for the run on `server`, dropped when this is dropped (also when the
/// run fails half-way). Each script runs on a connection of its own, as psql runs one: a
/// database-level setting (the stub's search_path) reaches the scripts after it.
struct Scratch<'a> {
    server: &'a Server,
    name: String,
}

impl<'a> Scratch<'a> {
    fn create(server: &'a Server, role: &str) -> Result<Scratch<'a>> {
        // The process id keeps runs on one machine apart, the clock runs from several.
        let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("schemagen_verify_{}_{nonce:08x}_{role}", std::process::id());
        server.open(None)?.run_script(&format!("CREATE DATABASE {}", crate::ident::quote_ident(&name))).map_err(
            |e| {
                let hint = if e.message.contains("permission denied") {
                    "verify creates scratch databases and drops them after the run: the role needs CREATEDB \
                 (ALTER ROLE … CREATEDB), or verify on a server where it has it"
                } else {
                    "verify creates scratch databases and drops them after the run; see PostgreSQL's message"
                };
                Diagnostic::new(format!("cannot create a scratch database: {}", e.message)).hint(hint)
            },
        )?;
        Ok(Scratch { server, name })
    }

    /// Loads the Supabase stub unless the database already has an `auth` schema (a server
    /// whose template database has it), then the project's `stubs`.
    fn prepare(&self, stubs: &[PathBuf]) -> Result<()> {
        let has_auth = self
            .rows("SELECT count(*) FROM pg_namespace WHERE nspname = 'auth'")
            .map_err(|e| Diagnostic::new(format!("cannot query the scratch database: {e}")))?;
        if has_auth.trim() == "0" {
            self.apply(Script::Text(&stub_sql()), "the Supabase stub")
                .map_err(|e| Diagnostic::new(format!("cannot load the Supabase stub: {e}")))?;
        }
        for stub in stubs {
            self.apply(Script::File(stub), &stub.display().to_string()).map_err(|e| {
                Diagnostic::new(format!("the stub {} does not load: {e}", stub.display()))
                    .hint("a stub runs after the built-in Supabase stub (auth, storage, extensions, the roles) on an empty database: create what it needs in it")
            })?;
        }
        Ok(())
    }

    /// Runs `script` as psql runs a file, statement by statement; Err is PostgreSQL's error
    /// at its place: `label, line N` for text, `FILE:LINE` for a file, as psql says it.
    fn apply(&self, script: Script, label: &str) -> std::result::Result<(), String> {
        let (path, text) = match script {
            Script::Text(text) => (PathBuf::from(label), text.to_string()),
            Script::File(path) => (
                path.to_path_buf(),
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            ),
        };
        let is_file = matches!(script, Script::File(_));
        let statements = crate::runner::script::Script::one_by_one(&path, &text);
        let mut db = self.server.open(Some(&self.name)).map_err(|e| e.to_string())?;
        statements.run(&mut db, |_| Ok(())).map_err(|f| {
            let e = &f.error;
            let place = match f.statement.map(|i| statements.origin(i, e)) {
                Some(o) if is_file => format!("{}:{}", o.file, o.line),
                Some(o) => format!("{label}, line {}", o.line),
                None => label.to_string(),
            };
            let mut out = format!("{place}: ERROR:  {}", e.message);
            for (what, text) in [("DETAIL", &e.detail), ("HINT", &e.hint)] {
                if let Some(text) = text {
                    out.push_str(&format!("\n{what}:  {text}"));
                }
            }
            out
        })
    }

    /// The rows `sql` returns, the first column of each on a line, as `psql -A -t` prints
    /// them; Err is PostgreSQL's message.
    fn rows(&self, sql: &str) -> std::result::Result<String, String> {
        let mut db = self.server.open(Some(&self.name)).map_err(|e| e.to_string())?;
        match db.client.simple_query(sql) {
            Ok(messages) => Ok(messages
                .iter()
                .filter_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(row) => Some(row.get(0).unwrap_or("").to_string() + "\n"),
                    _ => None,
                })
                .collect()),
            Err(e) => Err(crate::db::cause(&e)),
        }
    }

    fn catalog(&self) -> Result<Catalog> {
        let version = self
            .server
            .open(Some(&self.name))?
            .version()
            .map_err(|e| Diagnostic::new(format!("cannot query the scratch database: {}", crate::db::cause(&e))))?;
        let rows = self
            .rows(&crate::db::portable(catalog::QUERY, version, "pr"))
            .map_err(|e| Diagnostic::new(format!("the catalog query failed: {e}")))?;
        Ok(Catalog::parse(&rows).map_err(Diagnostic::new)?)
    }
}

impl Drop for Scratch<'_> {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", crate::ident::quote_ident(&self.name));
        let dropped = self
            .server
            .open(None)
            .and_then(|mut db| db.run_script(&sql).map_err(|e| Diagnostic::new(e.message).into()));
        if let Err(e) = dropped {
            eprintln!("verify: warning: could not drop the scratch database {}: {e}", self.name);
        }
    }
}
