//! Subcommands and exit codes: 0 no changes (or done), 2 changes found, 3 the change can lose data
//! and nothing allows it, 4 `verify` found a direction that does not converge or an access expectation that fails, 1 error.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{self, Config};
use crate::diagnostic::{Diagnostic, Result};
use crate::formats::Format;
use crate::generated::{self, Naming};
use crate::pipeline::{self, Lint, Outcome, Stages};
use crate::render::Renderer;
use crate::{Direction, import, load_current, load_desired_with, render_file};

#[derive(Parser, Debug)]
#[command(
    name = "schemagen",
    version,
    about = "Declare a Supabase/PostgreSQL schema in YAML; get the migration SQL to get there."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the migration from the SQL that exists to the YAML (exit 0: none, 2: changes).
    #[command(
        after_help = "Exit codes: 0 no changes, 2 changes, 3 the change can lose data and nothing allows it, 1 error."
    )]
    Diff(DiffArgs),
    /// Write the migration and its rollback as new files.
    #[command(
        after_help = "Exit codes: 0 written (or no changes), 3 the change can lose data and nothing allows it, 1 error or an error-level lint finding (nothing written)."
    )]
    Generate(GenerateArgs),
    /// Write YAML that reproduces the schema of existing SQL.
    #[command(after_help = "Exit codes: 0 written, 1 error.")]
    Import(ImportArgs),
    /// Check that the migrations already bring the database to the YAML (exit 0), or say
    /// what migration is missing (exit 2). For pre-commit hooks and CI.
    #[command(
        after_help = "Exit codes: 0 the migrations bring the database to the YAML, 2 a migration is missing or the last generated files are stale, 1 error."
    )]
    Check(CheckArgs),
    /// Write the YAML of a new object, with its row-level security.
    #[command(subcommand)]
    New(NewCommand),
    /// Print the dependency graph of the YAML schema, whole or around one object.
    #[command(after_help = "Exit codes: 0 printed, 1 error.")]
    Graph(GraphArgs),
    /// Lint the YAML schema, and the change to it from the SQL when there is SQL (exit 1 on
    /// an error-level finding).
    #[command(after_help = "Exit codes: 0 no error-level finding, 1 an error-level finding or an error.")]
    Lint(LintArgs),
    /// Print the JSON Schema of the YAML files, for editors to validate and complete them.
    SchemaJson,
    /// Prove the migration on PostgreSQL: apply the SQL that exists, then the up migration and
    /// the rollback, in scratch databases, and compare catalogs; run the row level security
    /// tests on the desired schema (exit 0: both converge and the tests pass, 4: not).
    #[command(
        after_help = "Exit codes: 0 both directions converge and every access expectation holds, 4 the migration or its rollback fails or leaves a different catalog, or an expectation fails, 1 verify could not judge."
    )]
    Verify(VerifyArgs),
    /// List the migration files applied to a database, pending, or edited since they were
    /// applied (from supabase_migrations.schema_migrations, as the Supabase CLI records them).
    #[command(
        after_help = "Exit codes: 0 every file is applied as it is, 2 pending, edited or unknown migrations, 1 error."
    )]
    Status(DbArgs),
    /// Apply the pending migration files in order, each in one transaction with its record.
    #[command(after_help = "Exit codes: 0 applied (or nothing pending), 1 error (the failing file is left out whole).")]
    Apply(ApplyArgs),
    /// Roll back the latest run of `generate` applied to a database (or all after --to) with
    /// its rollback file, and remove its records.
    #[command(
        after_help = "Exit codes: 0 rolled back (or nothing applied), 1 error (nothing rolled back of the failing run)."
    )]
    Rollback(RollbackArgs),
    /// Tests of row level security: `test generate` writes pgTAP files from the access
    /// expectations (`access:`, `rls:` presets, else what the policies do).
    #[command(subcommand)]
    Test(TestCommand),
    /// Start a project here: schemagen.toml, schema/ with one example table, and the
    /// pre-commit hook to add. Refuses to touch any of them that exists.
    Init,
    /// Print a shell completion script: `schemagen completions bash > /etc/bash_completion.d/schemagen`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug)]
struct VerifyArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Verify the online-safe plan (its last statements run outside a transaction) [config: online]
    #[arg(long)]
    online: bool,
    /// Apply the up migration as one file, as `generate --single-file` writes it [config: single_file]
    #[arg(long)]
    single_file: bool,
    /// Server to verify on (libpq URI or key=value string); the role needs CREATEDB [default:
    /// SCHEMAGEN_PGHOST and SCHEMAGEN_PGPORT, else a throwaway PostgreSQL]
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// SQL run after the built-in Supabase stub in every scratch database (vault, cron, …);
    /// repeatable, after those of the config [config: verify_stubs]
    #[arg(long = "stub", value_name = "FILE")]
    stubs: Vec<PathBuf>,
    /// Replay the migrations in order instead, each run of `generate` followed by its
    /// rollback file, which must restore the catalog of before the run
    #[arg(long)]
    history: bool,
}

#[derive(Args, Debug)]
struct DbArgs {
    /// The database (postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require])
    /// [env: SCHEMAGEN_DB_URL] [config: db_url]
    #[arg(long, value_name = "URL")]
    db: Option<String>,
}

#[derive(Args, Debug)]
struct ApplyArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Say what would be applied, and change nothing
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args, Debug)]
struct RollbackArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Roll back every run applied after this version (which stays applied) [default: the latest run]
    #[arg(long, value_name = "VERSION")]
    to: Option<String>,
}

#[derive(Args, Debug)]
struct LintArgs {
    /// Directory of the YAML files [default: schema]
    #[arg(long)]
    schema: Option<PathBuf>,
    /// SQL file or directory holding the current schema; repeatable [default: supabase/migrations, when it exists]
    #[arg(long)]
    sql: Vec<PathBuf>,
    /// Directory whose templates override the embedded ones (for `rls:` presets)
    #[arg(long)]
    templates: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = crate::lint::Format::Text)]
    format: crate::lint::Format,
    /// Lint the change as an --online plan makes it (indexes CONCURRENTLY, constraints NOT VALID) [config: online]
    #[arg(long)]
    online: bool,
    /// Lint this live database's schema instead of the YAML (a postgresql:// URL; bare: SCHEMAGEN_DB_URL,
    /// else db_url in schemagen.toml). The password is never shown
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    db: Option<String>,
}

#[derive(Subcommand, Debug)]
enum TestCommand {
    /// Write one pgTAP file per table with row level security into supabase/tests, for
    /// `supabase test db`, pg_prove and `verify`.
    #[command(after_help = "Exit codes: 0 written (or unchanged), 1 error (nothing written).")]
    Generate(TestGenerateArgs),
}

#[derive(Args, Debug)]
struct TestGenerateArgs {
    /// Directory of the YAML files [default: schema]
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Directory to write the tests into
    #[arg(long, default_value = crate::rlstest::DIR)]
    out: PathBuf,
    /// Replace test files that exist and differ (they are never overwritten otherwise)
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct GraphArgs {
    /// Directory of the YAML files [default: schema]
    #[arg(long)]
    schema: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    /// Only this object and what it depends on and what depends on it (e.g. public.users)
    #[arg(long)]
    object: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Args, Debug)]
struct CheckArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Check this live database against what the SQL builds (drift) instead of the YAML (a postgresql:// URL; bare: SCHEMAGEN_DB_URL,
    /// else db_url in schemagen.toml). The password is never shown
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    db: Option<String>,
    /// How `--db` reports drift
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    format: DriftFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DriftFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Subcommand, Debug)]
enum NewCommand {
    /// A table owned by a user (or a workspace), RLS on, one policy per command for
    /// authenticated, an updated_at trigger.
    Table(NewTableArgs),
}

#[derive(Args, Debug)]
struct NewTableArgs {
    /// Name of the table
    name: String,
    /// Column holding the owning user, referencing auth.users(id)
    #[arg(long, default_value = "user_id")]
    owner: String,
    /// Rows belong to a workspace of this table (which has a user_id owner) instead of a user
    #[arg(long)]
    workspace: Option<String>,
    /// Directory of the YAML files [default: schema]
    #[arg(long)]
    schema: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct Inputs {
    /// Directory of the YAML table files [default: schema]
    #[arg(long)]
    schema: Option<PathBuf>,
    /// SQL file or directory holding the current schema; repeatable [default: supabase/migrations]
    #[arg(long)]
    sql: Vec<PathBuf>,
    /// Directory whose templates override the embedded ones
    #[arg(long)]
    templates: Option<PathBuf>,
    /// Guarded SQL that can run twice (IF NOT EXISTS, DROP … IF EXISTS before CREATE, OR REPLACE)
    #[arg(long)]
    idempotent: bool,
}

#[derive(Args, Debug)]
struct DiffArgs {
    #[command(flatten)]
    inputs: Inputs,
    #[command(flatten)]
    safety: Safety,
    /// Print the rollback (down migration) instead
    #[arg(long)]
    rollback: bool,
    #[arg(long, value_enum, default_value_t = Format::Sql)]
    format: Format,
    /// Diff the YAML against this live database instead of the SQL (a postgresql:// URL; bare: SCHEMAGEN_DB_URL,
    /// else db_url in schemagen.toml). The password is never shown
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    db: Option<String>,
    /// The current side: a YAML folder, SQL file or folder, or a database URL (with --to)
    #[arg(long, value_name = "SOURCE", requires = "to", conflicts_with = "db")]
    from: Option<String>,
    /// The desired side: a YAML folder, SQL file or folder, or a database URL (with --from)
    #[arg(long, value_name = "SOURCE", requires = "from")]
    to: Option<String>,
}

/// How careful the migration is with data and locks.
#[derive(Args, Debug)]
struct Safety {
    /// Allow changes that can lose data: dropped tables and columns, narrowed types, removed
    /// enum values, dropped views, functions and types (else exit 3, nothing written)
    #[arg(long)]
    allow_destructive: bool,
    /// Online-safe plan: indexes built CONCURRENTLY and constraints validated after the
    /// transaction, SET NOT NULL through a validated CHECK, lock and statement timeouts
    #[arg(long)]
    online: bool,
    /// Print no warning-level lint finding about the change (errors and data losses still print)
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct GenerateArgs {
    #[command(flatten)]
    inputs: Inputs,
    #[command(flatten)]
    safety: Safety,
    /// Name of the migration: the file is <timestamp>_<name>.sql
    #[arg(long)]
    name: String,
    /// Directory of migrations to write into [default: the first --sql directory]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Directory for the rollback file [default: rollbacks beside --out]
    #[arg(long)]
    rollback_dir: Option<PathBuf>,
    /// Fixed timestamp (YYYYMMDDHHMMSS) instead of the current UTC time
    #[arg(long)]
    timestamp: Option<String>,
    /// One migration file instead of separate schema, policy and trigger files
    #[arg(long)]
    single_file: bool,
}

#[derive(Args, Debug)]
struct ImportArgs {
    /// SQL files or directories, read in order
    #[arg(required_unless_present = "db")]
    sql: Vec<PathBuf>,
    /// Directory to write the YAML files into
    #[arg(long)]
    out: PathBuf,
    /// List every statement outside the model with its file, line and column
    #[arg(long)]
    report: bool,
    /// Pull the schema of this live database instead of SQL files (a postgresql:// URL; bare: SCHEMAGEN_DB_URL,
    /// else db_url in schemagen.toml). The password is never shown
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    db: Option<String>,
}

/// The command line of this process. A usage error exits 1 like every other error: 2 says
/// "changes found", which a mistyped flag must not pass for.
pub fn parse() -> Cli {
    Cli::try_parse().unwrap_or_else(|e| {
        let _ = e.print();
        std::process::exit(if e.use_stderr() { 1 } else { 0 })
    })
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let result = Config::load(Path::new(".")).and_then(|config| match cli.command {
        Command::Diff(a) => diff(&config, a),
        Command::Generate(a) => generate(&config, a),
        Command::Import(a) => import_sql(&config, a),
        Command::Check(a) => check(&config, a),
        Command::New(NewCommand::Table(a)) => new_table(&config, a),
        Command::Graph(a) => graph(&config, a),
        Command::Lint(a) => lint(&config, a),
        Command::Verify(a) => verify(&config, a),
        Command::Status(a) => crate::runner::status(&db_url(&config, a)?, &folders(&config)),
        Command::Apply(a) => crate::runner::apply(&db_url(&config, a.db)?, &folders(&config), a.dry_run),
        Command::Rollback(a) => rollback(&config, a),
        Command::Test(TestCommand::Generate(a)) => test_generate(&config, a),
        Command::Init => init(),
        Command::Completions { shell } => {
            // Made from the same clap definition that parses the command line, so it
            // never offers a flag the binary does not take.
            use clap::CommandFactory as _;
            clap_complete::generate(shell, &mut Cli::command(), "schemagen", &mut std::io::stdout());
            Ok(0)
        }
        Command::SchemaJson => {
            let schema = crate::source::yaml::json_schema();
            let text = serde_json::to_string_pretty(&schema).expect("JSON of JSON values");
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{text}");
            Ok(0)
        }
    });
    match result {
        Ok(code) => code,
        Err(errors) => {
            crate::paint::eprint(&errors.to_string());
            1
        }
    }
}

struct Resolved {
    schema: PathBuf,
    sql: Vec<PathBuf>,
    templates: Option<PathBuf>,
    renderer: Renderer,
}

fn resolve(config: &Config, inputs: Inputs) -> Result<Resolved> {
    let schema = inputs.schema.or_else(|| config.schema.clone()).unwrap_or_else(|| "schema".into());
    let sql = if inputs.sql.is_empty() {
        config.sql.clone().unwrap_or_else(|| vec!["supabase/migrations".into()])
    } else {
        inputs.sql
    };
    let templates = inputs.templates.or_else(|| config.templates.clone());
    if let Some(t) = &templates
        && !t.is_dir()
    {
        let what = if t.exists() { "is a file" } else { "does not exist" };
        return Err(Diagnostic::new(format!("templates directory {} {what}", t.display()))
            .hint("pass a directory of *.sql.j2 files")
            .into());
    }
    let mut renderer = Renderer::new(templates.as_deref())?;
    renderer.set_idempotent(inputs.idempotent || config.idempotent.unwrap_or(false));
    Ok(Resolved { schema, sql, templates, renderer })
}

impl Resolved {
    /// The outcome of the resolved files after `stages`.
    fn run(&mut self, config: &Config, stages: &Stages) -> Result<Outcome> {
        let inputs =
            pipeline::Inputs { schema: &self.schema, templates: self.templates.as_deref(), sql: Some(&self.sql) };
        let outcome = pipeline::run(&inputs, stages)?;
        self.render_online(config, stages.online);
        Ok(outcome)
    }

    /// An online-safe plan's files start with the lock and statement timeouts.
    fn render_online(&mut self, config: &Config, online: bool) {
        if online {
            let lock = config.lock_timeout.as_deref().unwrap_or(config::LOCK_TIMEOUT);
            self.renderer.set_online(lock, config.statement_timeout.as_deref().unwrap_or(config::STATEMENT_TIMEOUT));
        }
    }
}

fn sources(r: &Resolved) -> String {
    let sql: Vec<String> = r.sql.iter().map(|p| p.display().to_string()).collect();
    format!("{} against {}", r.schema.display(), sql.join(", "))
}

fn diff(config: &Config, args: DiffArgs) -> Result<i32> {
    let mut r = resolve(config, args.inputs)?;
    let direction = if args.rollback { Direction::Down } else { Direction::Up };
    let stages =
        Stages { rollback_changes: args.rollback && args.format == Format::Markdown, ..reviewed(config, &args.safety) };
    let compared = compared(config, &r, args.db.as_deref(), args.from.zip(args.to))?;
    let read_sql = compared.is_none();
    let (outcome, source) = match compared {
        Some((current, desired, source)) => {
            r.render_online(config, stages.online);
            (Outcome::new(desired, Some(current), &stages)?, source)
        }
        None => (r.run(config, &stages)?, sources(&r)),
    };
    crate::outside::gate(&outcome.outside, outcome.plan(), &config.outside)?;
    print!("{}", crate::formats::text(&outcome, &r.renderer, args.format, direction, &source)?);
    let _ = std::io::stdout().flush();
    print_outside(&outcome, if read_sql { &config.outside } else { &[] });
    // The preview is printed either way; the exit status says whether it may be applied.
    let review = review(&outcome, &args.safety);
    Ok(if review.blocked {
        3
    } else if outcome.plan().is_empty() {
        0
    } else {
        2
    })
}

/// The schemas `diff` compares when a database or `--from`/`--to` name them (current,
/// desired, and how the migration's header names them). Where a side is live, what only the
/// server's spelling tells apart is no change (`live::aligned`).
fn compared(
    config: &Config,
    r: &Resolved,
    db: Option<&str>,
    from_to: Option<(String, String)>,
) -> Result<Option<(crate::model::Schema, crate::model::Schema, String)>> {
    use crate::source::spec::{Spec, db_url};
    let (from, to) = match (db, from_to) {
        (_, Some((from, to))) => (Spec::parse(&from), Spec::parse(&to)),
        (Some(flag), None) => (Spec::Db(db_url(flag, config)?), Spec::Yaml(r.schema.clone())),
        (None, None) => return Ok(None),
    };
    let source = format!("{} against {}", to.describe(), from.describe());
    let (current, mut from_db) = from.load_live(r.templates.as_deref())?;
    let (desired, mut to_db) = to.load_live(r.templates.as_deref())?;
    Ok(Some(if from.is_live() || to.is_live() {
        use crate::source::live::{aligned, compared_forms};
        let forms = compared_forms(&current, from_db.as_mut(), &desired, to_db.as_mut())?;
        (aligned(&current, &desired, &forms), desired, source)
    } else {
        (current, desired, source)
    }))
}

fn generate(config: &Config, args: GenerateArgs) -> Result<i32> {
    if args.name.is_empty() || !args.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(Diagnostic::new(format!("invalid migration name `{}`", args.name))
            .hint("use letters, digits, `_` and `-`, e.g. add_profiles")
            .into());
    }
    let mut r = resolve(config, args.inputs)?;
    let (out, rollback_dir) = output_dirs(config, &r.sql, args.out, args.rollback_dir);
    let timestamp = generated::version(args.timestamp.as_deref(), &out)?;
    let outcome = r.run(config, &reviewed(config, &args.safety))?;
    crate::outside::gate(&outcome.outside, outcome.plan(), &config.outside)?;
    print_outside(&outcome, &config.outside);
    let plan = outcome.plan();
    if plan.is_empty() {
        println!("No changes: the migrations already match {}. Nothing written.", r.schema.display());
        return Ok(0);
    }
    let review = review(&outcome, &args.safety);
    if review.blocked {
        eprintln!("Nothing written.");
        return Ok(3);
    }
    if review.lint_errors {
        eprintln!("Nothing written: fix the error-level findings above, or set their severity in {}.", config::FILE);
        return Ok(1);
    }
    let naming = Naming {
        timestamp: &timestamp,
        name: &args.name,
        out: &out,
        rollback_dir: &rollback_dir,
        single: args.single_file || config.single_file.unwrap_or(false),
        source: &sources(&r),
    };
    let files = generated::files(&r.renderer, plan, &naming)?;
    write_new_files(&files)?;
    for (path, _) in &files {
        println!("wrote {}", path.display());
    }
    Ok(0)
}

/// What `diff` and `generate` run: the plan, and what is said about the change before it
/// is applied.
fn reviewed<'a>(config: &'a Config, safety: &Safety) -> Stages<'a> {
    Stages {
        online: config.wants_online(safety.online),
        plan: true,
        lint: Lint::Change(&config.lint),
        ..Stages::default()
    }
}

/// What `diff` and `generate` say about a change before it is applied.
struct Review {
    /// Data-losing changes that nothing allows.
    blocked: bool,
    /// Error-level lint findings about the change.
    lint_errors: bool,
}

/// Prints, on stderr, the lint findings about the change and the changes that can lose data.
fn review(outcome: &Outcome, safety: &Safety) -> Review {
    use crate::lint::{Format, Severity, render};
    let allow_destructive = safety.allow_destructive;
    let shown: Vec<_> =
        outcome.findings.iter().filter(|f| !safety.quiet || f.severity == Severity::Error).cloned().collect();
    if !shown.is_empty() {
        crate::paint::eprint(&render(&shown, Format::Text));
    }
    let lint_errors = outcome.findings.iter().any(|f| f.severity == Severity::Error);
    let losses = &outcome.losses;
    if losses.is_empty() {
        return Review { blocked: false, lint_errors };
    }
    let list: String = losses.iter().map(|l| l.to_string()).collect();
    if allow_destructive {
        crate::paint::eprint(&format!(
            "warning: allowed by --allow-destructive, this migration can lose data:\n{list}"
        ));
        return Review { blocked: false, lint_errors };
    }
    crate::paint::eprint(&format!(
        "error: this migration can lose data ({} change(s)):\n{list}\
         hint: rerun with --allow-destructive once the data is safe, or set `allow_destructive: true` in the \
         table's YAML\n",
        losses.len()
    ));
    Review { blocked: true, lint_errors }
}

fn verify(config: &Config, args: VerifyArgs) -> Result<i32> {
    let stubs: Vec<PathBuf> = config.verify_stubs.iter().flatten().chain(&args.stubs).cloned().collect();
    let stubs = crate::verify::stubs(&stubs)?;
    if args.history {
        let f = folders(config);
        return crate::verify::history(&f.migrations, &f.rollbacks, &stubs, args.database_url.as_deref());
    }
    let single_file = args.single_file || config.single_file.unwrap_or(false);
    let mut r = resolve(config, args.inputs)?;
    let outcome =
        r.run(config, &Stages { online: config.wants_online(args.online), plan: true, ..Stages::default() })?;
    let scripts = crate::verify::Scripts::new(&r.renderer, &outcome, &r.sql, single_file, &sources(&r))?;
    crate::verify::run(&scripts, args.database_url.as_deref(), &stubs)
}

fn test_generate(config: &Config, args: TestGenerateArgs) -> Result<i32> {
    let dir = args.schema.or_else(|| config.schema.clone()).unwrap_or_else(|| "schema".into());
    let schema = load_desired_with(&dir, config.templates.as_deref())?;
    let files = crate::rlstest::files(&schema).map_err(|e| Diagnostic::new(e).hint("rename one of the tables"))?;
    let mut changed = Vec::new();
    let mut replaced = Vec::new();
    for file in &files {
        let path = args.out.join(&file.name);
        match std::fs::read_to_string(&path) {
            Ok(text) if text == file.text => println!("unchanged {}", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::fs::symlink_metadata(&path).is_err() => {
                changed.push((path, file.text.clone()))
            }
            _ if args.force => {
                replaced.push(path.clone());
                changed.push((path, file.text.clone()));
            }
            _ => {
                return Err(Diagnostic::new(format!("{} exists and differs from what is generated", path.display()))
                    .hint("rerun with --force to replace the test files that changed (nothing was written)")
                    .into());
            }
        }
    }
    // A name is removed, never written through: a link at it goes, its target stays.
    for path in &replaced {
        std::fs::remove_file(path).map_err(|e| {
            Diagnostic::new(format!("cannot replace {}: {e}", path.display())).hint("check its permissions")
        })?;
    }
    write_new_files(&changed)?;
    for (path, _) in &changed {
        println!("wrote {}", path.display());
    }
    for file in &files {
        if let Some(why) = &file.skipped {
            crate::paint::eprint(&format!(
                "warning: {}: the rows of {} cannot be made automatically ({why}); its test only says so\n",
                file.name, file.table
            ));
        } else if file.review {
            crate::paint::eprint(&format!(
                "warning: {}: {} declares no `access:`; its test asserts what the policies do now: review it\n",
                file.name, file.table
            ));
        }
    }
    Ok(0)
}

/// Prints, on stderr, the statements of the SQL that the model does not hold, where they are.
/// The statements outside the model, and the `[[outside]]` entries of `acknowledged` that
/// match none of them (pass none when no SQL was read).
fn print_outside(outcome: &Outcome, acknowledged: &[crate::outside::Acknowledged]) {
    for entry in crate::outside::unmatched(&outcome.outside, acknowledged) {
        crate::paint::eprint(&format!(
            "warning: schemagen.toml: the [[outside]] entry {entry} matches no statement outside the model: \
             remove it (its statement was edited or removed; an edited one must be checked again)\n"
        ));
    }
    if outcome.outside.is_empty() {
        return;
    }
    let mut text = format!(
        "note: {} statement(s) of the SQL are outside the model: the plan does not see what they do\n",
        outcome.outside.len()
    );
    for o in &outcome.outside {
        text.push_str(&format!("  --> {}: {}: {}\n", o.origin, o.kind, crate::render::comment_line(&o.first_line)));
    }
    text.push_str("  = help: declare what they do in the YAML where it can be, or check it by hand\n");
    crate::paint::eprint(&text);
}

fn check(config: &Config, args: CheckArgs) -> Result<i32> {
    let mut r = resolve(config, args.inputs)?;
    if let Some(flag) = &args.db {
        return drift(config, &r, flag, args.format);
    }
    let outcome = r.run(config, &Stages { plan: true, ..Stages::default() })?;
    crate::outside::gate(&outcome.outside, outcome.plan(), &config.outside)?;
    print_outside(&outcome, &config.outside);
    let plan = outcome.plan();
    if plan.is_empty() {
        if let Some(stale) = stale_generated(config, &mut r, outcome.desired)? {
            print!("{stale}");
            return Ok(2);
        }
        println!("ok: {} already match {}", sources_sql(&r), r.schema.display());
        return Ok(0);
    }
    println!(
        "a migration is missing: {} do not match {} ({} change(s)):",
        sources_sql(&r),
        r.schema.display(),
        plan.steps.len()
    );
    for step in &plan.steps {
        println!("  {}", step.summary);
    }
    println!("\nrun `schemagen generate --name <name>` to write it; it would contain:\n");
    print!("{}", render_file(&r.renderer, plan, Direction::Up, "missing migration", &sources(&r))?);
    Ok(2)
}

/// `check --db`: the database against what the migrations build, by object; exit 2 on drift.
fn drift(config: &Config, r: &Resolved, flag: &str, format: DriftFormat) -> Result<i32> {
    use crate::source::spec::{Spec, db_url};
    let db = Spec::Db(db_url(flag, config)?);
    let (live, mut conn) = db.load_live(None)?;
    let (files, live) = crate::source::live::compared_forms(&load_current(&r.sql)?.0, None, &live, conn.as_mut())?;
    let drift = crate::drift::Drift::new(&files, &live);
    let (db, files) = (db.describe(), sources_sql(r));
    print!(
        "{}",
        match format {
            DriftFormat::Text => drift.text(&db, &files),
            DriftFormat::Json => drift.json(&db, &files),
            DriftFormat::Markdown => drift.markdown(&db, &files),
        }
    );
    Ok(if drift.is_empty() { 0 } else { 2 })
}

/// What differs between the files of the last `generate` run and what `generate` would
/// write now from the migrations before them (see `generated::stale`). None when they match
/// (or no run is at the end).
fn stale_generated(config: &Config, r: &mut Resolved, desired: crate::model::Schema) -> Result<Option<String>> {
    let mut migrations = Vec::new();
    for p in &r.sql {
        migrations.extend(crate::source::files_in(p, &["sql"])?);
    }
    let Some(run) = generated::last_run(&migrations) else { return Ok(None) };
    let (out, rollback_dir) = output_dirs(config, &r.sql, None, None);
    let online = config.wants_online(run.online());
    let before =
        Outcome::new(desired, Some(load_current(&run.before)?.0), &Stages { online, plan: true, ..Stages::default() })?;
    r.render_online(config, online);
    let plan = before.plan();
    let naming = Naming {
        timestamp: &run.timestamp,
        name: &run.name,
        out: &out,
        rollback_dir: &rollback_dir,
        single: config.single_file.unwrap_or(false) || (run.files.len() == 1 && plan.files().len() > 1),
        source: &sources(r),
    };
    generated::stale(&r.renderer, plan, &naming, &run)
}

/// Where `generate` writes migrations and rollbacks: flag, config, or beside the SQL.
fn output_dirs(
    config: &Config,
    sql: &[PathBuf],
    out: Option<PathBuf>,
    rollback: Option<PathBuf>,
) -> (PathBuf, PathBuf) {
    let out = out
        .or_else(|| config.out.clone())
        .or_else(|| sql.iter().find(|p| p.is_dir()).cloned())
        .unwrap_or_else(|| "supabase/migrations".into());
    let rollback = rollback
        .or_else(|| config.rollback_dir.clone())
        .unwrap_or_else(|| out.parent().unwrap_or(Path::new(".")).join("rollbacks"));
    (out, rollback)
}

/// The database of the runner's `--db`, else `SCHEMAGEN_DB_URL`, else `db_url` in the config.
fn db_url(config: &Config, args: DbArgs) -> Result<String> {
    crate::source::spec::db_url(args.db.as_deref().unwrap_or(""), config)
}

/// The migrations folder (where `generate` writes) and its rollback files, for the runner.
fn folders(config: &Config) -> crate::runner::Folders {
    let sql = config.sql.clone().unwrap_or_else(|| vec!["supabase/migrations".into()]);
    let (migrations, rollbacks) = output_dirs(config, &sql, None, None);
    crate::runner::Folders { migrations, rollbacks }
}

/// `rollback`, refusing a rollback file that `check` finds edited: when the run is the last
/// of the folder and the migrations already match the YAML, the run is generated again and
/// compared (what `check` does).
fn rollback(config: &Config, args: RollbackArgs) -> Result<i32> {
    let url = db_url(config, args.db)?;
    let folders = folders(config);
    let edited =
        |run: &crate::runner::files::Run, local: &[crate::runner::files::Migration]| -> Result<Option<String>> {
            let not_compared = |why: &str| {
                eprintln!("note: {} not compared with what `generate` writes: {why}", run.rollback.display());
                Ok(None)
            };
            if run.range.end != local.len() {
                return not_compared("only the last run of the folder can be");
            }
            let mut r = resolve(config, Inputs { schema: None, sql: vec![], templates: None, idempotent: false })?;
            if !r.schema.is_dir() {
                return not_compared("there is no YAML schema");
            }
            let outcome = r.run(config, &Stages { plan: true, ..Stages::default() })?;
            if !outcome.plan().is_empty() {
                return not_compared("the YAML has changed since the migrations");
            }
            stale_generated(config, &mut r, outcome.desired)
        };
    crate::runner::rollback(&url, &folders, args.to.as_deref(), &edited)
}

fn graph(config: &Config, args: GraphArgs) -> Result<i32> {
    let dir = args.schema.or_else(|| config.schema.clone()).unwrap_or_else(|| "schema".into());
    let whole = crate::graph::build(&load_desired_with(&dir, config.templates.as_deref())?);
    let g = match &args.object {
        Some(name) => whole.around(name).ok_or_else(|| {
            Diagnostic::new(format!("no object named `{name}` in {}", dir.display()))
                .hint("name a table, view, function, policy or trigger, e.g. public.users")
        })?,
        None => whole,
    };
    print!(
        "{}",
        match args.format {
            GraphFormat::Dot => g.to_dot(),
            GraphFormat::Mermaid => g.to_mermaid(),
            GraphFormat::Json => g.to_json(),
        }
    );
    Ok(0)
}

fn lint(config: &Config, args: LintArgs) -> Result<i32> {
    use crate::lint::{Severity, render};
    let dir = args.schema.or_else(|| config.schema.clone()).unwrap_or_else(|| "schema".into());
    let templates = args.templates.or_else(|| config.templates.clone());
    // SQL named by a flag or the config must load; the default folder may just not exist
    // yet, and then there is no change to lint.
    let named = !args.sql.is_empty() || config.sql.is_some();
    let sql = if args.sql.is_empty() {
        config.sql.clone().unwrap_or_else(|| vec!["supabase/migrations".into()])
    } else {
        args.sql
    };
    let inputs = pipeline::Inputs {
        schema: &dir,
        templates: templates.as_deref(),
        sql: (named || sql.iter().any(|p| p.exists())).then_some(&sql),
    };
    let stages =
        Stages { online: config.wants_online(args.online), lint: Lint::All(&config.lint), ..Stages::default() };
    let findings = match &args.db {
        Some(flag) => {
            let db = crate::source::spec::Spec::Db(crate::source::spec::db_url(flag, config)?);
            Outcome::new(db.load(None)?, None, &stages)?.findings
        }
        None => pipeline::run(&inputs, &stages)?.findings,
    };
    match args.format {
        crate::lint::Format::Text => crate::paint::print(&render(&findings, args.format)),
        _ => print!("{}", render(&findings, args.format)),
    }
    let _ = std::io::stdout().flush();
    Ok(if findings.iter().any(|f| f.severity == Severity::Error) { 1 } else { 0 })
}

fn sources_sql(r: &Resolved) -> String {
    r.sql.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// What `init` writes as schemagen.toml: every key, with the defaults the commands use.
const INIT_CONFIG: &str = "# schemagen's settings; command-line flags override them.
schema = \"schema\"
sql = [\"supabase/migrations\"]
# out = \"supabase/migrations\"      # where `generate` writes (default: the first sql folder)
# rollback_dir = \"supabase/rollbacks\"
# templates = \"templates\"          # files here replace the embedded templates of the same name
# single_file = false
# idempotent = false
# online = false                   # CREATE INDEX CONCURRENTLY, NOT VALID then VALIDATE, ...
# lock_timeout = \"5s\"
# statement_timeout = \"15min\"
# verify_stubs = [\"supabase/verify_stub.sql\"]  # SQL `verify` runs after its Supabase stub (vault, cron, ...)
# db_url = \"postgresql://postgres@localhost:54322/postgres\"  # --db without a URL, status/apply/rollback; SCHEMAGEN_DB_URL wins

[lint]
# rule_id = \"allow\" | \"warn\" | \"error\"   (docs/lint.md lists the rules)
";

fn init() -> Result<i32> {
    let schema = Path::new("schema");
    if schema.exists() {
        return Err(Diagnostic::new("schema/ exists already: this project is started")
            .hint("add tables with `schemagen new table NAME`")
            .into());
    }
    let spec = crate::scaffold::NewTable { name: "notes", owner: "user_id", workspace: None };
    let mut files = vec![(PathBuf::from(config::FILE), INIT_CONFIG.to_string())];
    files.extend(
        crate::scaffold::new_table(&spec, &crate::model::Schema::default())
            .into_iter()
            .map(|(name, text)| (schema.join(name), text)),
    );
    write_new_files(&files)?;
    for (path, _) in &files {
        println!("wrote {}", path.display());
    }
    // The folder the config names, so that the first `diff` has a history to read, if empty.
    std::fs::create_dir_all("supabase/migrations")
        .map_err(|e| Diagnostic::new(format!("cannot create supabase/migrations: {e}")))?;
    println!(
        "\nNext: `schemagen diff` shows the migration, `schemagen generate --name init` writes it.\n\
         To check every commit, add to .pre-commit-config.yaml:\n\n\
         repos:\n  - repo: local\n    hooks:\n      - id: schemagen\n        name: schemagen check\n        \
         entry: schemagen check\n        language: system\n        pass_filenames: false\n        \
         files: ^(schema/|supabase/migrations/|schemagen\\.toml)"
    );
    Ok(0)
}

fn new_table(config: &Config, args: NewTableArgs) -> Result<i32> {
    let dir = args.schema.or_else(|| config.schema.clone()).unwrap_or_else(|| "schema".into());
    let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    for (what, name, example) in [("table", &args.name, "notes"), ("owner column", &args.owner, "user_id")] {
        if !valid(name) {
            return Err(Diagnostic::new(format!("invalid {what} name `{}`", name.escape_debug()))
                .hint(format!("use lower-case letters, digits and `_`, e.g. `{example}`"))
                .into());
        }
    }
    let existing = if dir.exists() {
        load_desired_with(&dir, config.templates.as_deref())?
    } else {
        crate::model::Schema::default()
    };
    if existing.tables.keys().any(|k| k.name == args.name) {
        return Err(Diagnostic::new(format!("table {} is already declared in {}", args.name, dir.display()))
            .hint("pick another name")
            .into());
    }
    if let Some(ws) = &args.workspace
        && !existing.tables.keys().any(|k| &k.name == ws && k.schema == "public")
    {
        return Err(Diagnostic::new(format!("workspace table {ws} is not declared in {}", dir.display()))
            .hint("declare the workspace table first, or leave out --workspace")
            .into());
    }
    let spec = crate::scaffold::NewTable { name: &args.name, owner: &args.owner, workspace: args.workspace.as_deref() };
    crate::scaffold::check(&spec, &existing)?;
    let files: Vec<(PathBuf, String)> =
        crate::scaffold::new_table(&spec, &existing).into_iter().map(|(name, text)| (dir.join(name), text)).collect();
    write_new_files(&files)?;
    for (path, _) in &files {
        println!("wrote {}", path.display());
    }
    Ok(0)
}

fn import_sql(config: &Config, args: ImportArgs) -> Result<i32> {
    let (schema, report, read) = match &args.db {
        Some(flag) => {
            let mut db = crate::db::connect(&crate::source::spec::db_url(flag, config)?)?;
            let (schema, report) = crate::source::live::load(&mut db)?;
            (schema, report, db.description)
        }
        None => {
            let (schema, report) = load_current(&args.sql)?;
            let read = format!("{} SQL file(s)", report.files);
            (schema, report, read)
        }
    };
    let files: Vec<(PathBuf, String)> =
        import::to_yaml(&schema).into_iter().map(|(name, text)| (args.out.join(name), text)).collect();
    write_new_files(&files)?;
    println!(
        "wrote {} YAML file(s) to {} ({} statement(s) read from {read}, {} outside the model)",
        files.len(),
        args.out.display(),
        report.statements,
        report.skipped_total()
    );
    for (kind, n) in &report.skipped {
        println!("  skipped {n} × {kind}");
    }
    for (origin, what) in &report.unresolved {
        println!("  not modelled: {what} ({origin})");
    }
    if args.report {
        println!("statements outside the model:");
        for o in &report.outside {
            let shown: String = o.first_line.chars().take(80).collect();
            let more = if shown.len() < o.first_line.len() { " …" } else { "" };
            println!("  {}: {}: {shown}{more}", o.origin, o.kind);
        }
    } else if !report.outside.is_empty() {
        println!("  (--report lists each with its file and line)");
    }
    Ok(0)
}

/// Writes each file whole (temporary file, then a link to its name), after checking that none
/// exists: an existing migration is never overwritten, not even by a concurrent run, and on
/// error nothing is left behind, neither a file nor a directory made for one.
fn write_new_files(files: &[(PathBuf, String)]) -> Result<()> {
    for (path, _) in files {
        // symlink_metadata: a link at the name, even one to nowhere, is a file that exists.
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(already_exists(path));
        }
    }
    let mut made = Vec::new();
    let result = write_all(files, &mut made);
    if result.is_err() {
        // Newest first: files before the directories that hold them.
        for path in made.iter().rev() {
            let _ = if path.is_dir() { std::fs::remove_dir(path) } else { std::fs::remove_file(path) };
        }
    }
    result
}

fn already_exists(path: &Path) -> crate::diagnostic::Errors {
    Diagnostic::new(format!("{} already exists", path.display()))
        .hint(
            "schemagen never overwrites a file: remove it, or write elsewhere (another --out, or another \
             --name or --timestamp for generate)",
        )
        .into()
}

/// Writes every temporary file, then links each to its name and removes it; `made` collects
/// what exists because of it.
fn write_all(files: &[(PathBuf, String)], made: &mut Vec<PathBuf>) -> Result<()> {
    let failed = |what: &str, path: &Path, e: std::io::Error| {
        Diagnostic::new(format!("cannot {what} {}: {e}", path.display()))
            .hint("every output directory (--out, --rollback-dir) must be a directory this user can write, or one it can create")
    };
    let mut written = Vec::new();
    for (path, text) in files {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.as_os_str().is_empty() && !d.exists()).collect();
        for d in missing.into_iter().rev() {
            std::fs::create_dir(d).map_err(|e| failed("create", d, e))?;
            made.push(d.to_path_buf());
        }
        let tmp = dir.join(temporary_name(path));
        // create_new is O_EXCL: it neither follows a link planted at the name nor reuses a file.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| failed("write", path, e))?;
        made.push(tmp.clone());
        file.write_all(text.as_bytes()).map_err(|e| failed("write", path, e))?;
        written.push((tmp, path));
    }
    // A hard link, unlike a rename, fails when the name exists: a file that appeared since the
    // check above (another run) is kept and this run fails.
    for (tmp, path) in &written {
        std::fs::hard_link(tmp, path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => already_exists(path),
            _ => failed("write", path, e).into(),
        })?;
        made.push(path.to_path_buf());
    }
    for (tmp, _) in &written {
        std::fs::remove_file(tmp).map_err(|e| failed("remove", tmp, e))?;
    }
    Ok(())
}

/// A hidden name beside `path` that no one can plant a file or link at in advance.
fn temporary_name(path: &Path) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("schemagen");
    format!(".{name}.{}.{n}.{nanos:09}.tmp", std::process::id())
}
