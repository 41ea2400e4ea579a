//! Subcommands and exit codes: 0 no changes (or done), 2 changes found, 1 error.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{self, Config};
use crate::diagnostic::{Diagnostic, Result};
use crate::plan::{File, Plan};
use crate::render::Renderer;
use crate::{
    Direction, import, load_current, load_desired_with, plan_migration, render_file, render_part, render_statements,
};

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
    Diff(DiffArgs),
    /// Write the migration and its rollback as new files.
    Generate(GenerateArgs),
    /// Write YAML that reproduces the schema of existing SQL.
    Import(ImportArgs),
    /// Check that the migrations already bring the database to the YAML (exit 0), or say
    /// what migration is missing (exit 2). For pre-commit hooks and CI.
    Check(CheckArgs),
    /// Write the YAML of a new object, with its row-level security.
    #[command(subcommand)]
    New(NewCommand),
    /// Print the dependency graph of the YAML schema, whole or around one object.
    Graph(GraphArgs),
    /// Lint the YAML schema, and the change to it from the SQL when there is SQL (exit 1 on
    /// an error-level finding).
    Lint(LintArgs),
    /// Print the JSON Schema of the YAML files, for editors to validate and complete them.
    SchemaJson,
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
    /// Lint the change as an --online plan makes it (indexes CONCURRENTLY, constraints NOT VALID)
    #[arg(long)]
    online: bool,
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
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Sql,
    Json,
    Summary,
    /// For a pull-request comment: objects created, changed and dropped, and who gains or
    /// loses access to what
    Markdown,
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
    #[arg(required = true)]
    sql: Vec<PathBuf>,
    /// Directory to write the YAML files into
    #[arg(long)]
    out: PathBuf,
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let result = Config::load(Path::new(".")).and_then(|config| match cli.command {
        Command::Diff(a) => diff(&config, a),
        Command::Generate(a) => generate(&config, a),
        Command::Import(a) => import_sql(a),
        Command::Check(a) => check(&config, a),
        Command::New(NewCommand::Table(a)) => new_table(&config, a),
        Command::Graph(a) => graph(&config, a),
        Command::Lint(a) => lint(&config, a),
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
            eprint!("{errors}");
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
        return Err(Diagnostic::new(format!("templates directory {} does not exist", t.display()))
            .hint("pass a directory of *.sql.j2 files")
            .into());
    }
    let mut renderer = Renderer::new(templates.as_deref())?;
    renderer.set_idempotent(inputs.idempotent || config.idempotent.unwrap_or(false));
    Ok(Resolved { schema, sql, templates, renderer })
}

fn sources(r: &Resolved) -> String {
    let sql: Vec<String> = r.sql.iter().map(|p| p.display().to_string()).collect();
    format!("{} against {}", r.schema.display(), sql.join(", "))
}

fn diff(config: &Config, args: DiffArgs) -> Result<i32> {
    let mut r = resolve(config, args.inputs)?;
    let desired = load_desired_with(&r.schema, r.templates.as_deref())?;
    let (current, _) = load_current(&r.sql)?;
    let changes = crate::diff::diff(&current, &desired);
    let plan = planned(config, &mut r, &args.safety, &changes)?;
    let direction = if args.rollback { Direction::Down } else { Direction::Up };
    let out = match args.format {
        Format::Sql => {
            let title = if args.rollback { "rollback" } else { "migration" };
            render_file(&r.renderer, &plan, direction, title, &sources(&r))?
        }
        Format::Markdown if args.rollback => crate::report::markdown(&desired, &current),
        Format::Markdown => crate::report::markdown(&current, &desired),
        Format::Summary => {
            let mut s = String::new();
            for step in &plan.steps {
                s.push_str(&step.summary);
                s.push('\n');
            }
            s.push_str(&format!("{} change(s)\n", plan.steps.len()));
            s
        }
        Format::Json => {
            let mut steps = Vec::new();
            let ordered: Vec<&crate::plan::Step> = match direction {
                Direction::Up => plan.steps.iter().collect(),
                Direction::Down => plan.steps.iter().rev().collect(),
            };
            for step in ordered {
                let render = |stmts: &[crate::render::Stmt]| {
                    stmts.iter().map(|s| r.renderer.stmt(s)).collect::<Result<Vec<_>>>()
                };
                steps.push(serde_json::json!({
                    "change": step.summary,
                    "up": render(&step.up)?,
                    "down": render(&step.down)?,
                }));
            }
            let statements = render_statements(&r.renderer, &plan, direction, None)?;
            let doc = serde_json::json!({ "changes": steps, "statements": statements });
            serde_json::to_string_pretty(&doc).expect("JSON of strings") + "\n"
        }
    };
    print!("{out}");
    let _ = std::io::stdout().flush();
    // The preview is printed either way; the exit status says whether it may be applied.
    let review = review(config, &current, &desired, &changes, &args.safety);
    Ok(if review.blocked { 3 } else if plan.is_empty() { 0 } else { 2 })
}

fn generate(config: &Config, args: GenerateArgs) -> Result<i32> {
    if args.name.is_empty() || !args.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(Diagnostic::new(format!("invalid migration name `{}`", args.name))
            .hint("use letters, digits, `_` and `-`, e.g. add_profiles")
            .into());
    }
    let timestamp = match args.timestamp {
        Some(t) if t.len() == 14 && t.chars().all(|c| c.is_ascii_digit()) => t,
        Some(t) => {
            return Err(Diagnostic::new(format!("invalid timestamp `{t}`"))
                .hint("write 14 digits: YYYYMMDDHHMMSS")
                .into());
        }
        None => utc_timestamp(),
    };
    let out_default = args.out.clone().or_else(|| config.out.clone());
    let rollback_default = args.rollback_dir.clone().or_else(|| config.rollback_dir.clone());
    let mut r = resolve(config, args.inputs)?;
    let out = out_default
        .or_else(|| r.sql.iter().find(|p| p.is_dir()).cloned())
        .unwrap_or_else(|| "supabase/migrations".into());
    let rollback_dir = rollback_default.unwrap_or_else(|| out.parent().unwrap_or(Path::new(".")).join("rollbacks"));
    let desired = load_desired_with(&r.schema, r.templates.as_deref())?;
    let (current, _) = load_current(&r.sql)?;
    let changes = crate::diff::diff(&current, &desired);
    let plan = planned(config, &mut r, &args.safety, &changes)?;
    if plan.is_empty() {
        println!("No changes: the migrations already match {}. Nothing written.", r.schema.display());
        return Ok(0);
    }
    let review = review(config, &current, &desired, &changes, &args.safety);
    if review.blocked {
        eprintln!("Nothing written.");
        return Ok(3);
    }
    if review.lint_errors {
        eprintln!("Nothing written: fix the error-level findings above, or set their severity in {}.", config::FILE);
        return Ok(1);
    }
    let single = args.single_file || config.single_file.unwrap_or(false);
    // One file per kind, a second apart, so that runners that sort by version apply the
    // schema, then the policies, then the triggers.
    let parts: Vec<(Option<File>, &str)> = if single {
        vec![(None, "")]
    } else {
        plan.files()
            .into_iter()
            .map(|f| {
                (
                    Some(f),
                    match f {
                        File::Schema => "",
                        File::Policies => "_policies",
                        File::Triggers => "_triggers",
                    },
                )
            })
            .collect()
    };
    let mut files = Vec::new();
    for (i, (part, suffix)) in parts.into_iter().enumerate() {
        let stamp = add_seconds(&timestamp, i as u64);
        let title = format!("{stamp}_{}{suffix}", args.name);
        let text = match part {
            None => render_file(&r.renderer, &plan, Direction::Up, &title, &sources(&r))?,
            Some(_) => render_part(&r.renderer, &plan, Direction::Up, part, &title, &sources(&r))?,
        };
        files.push((out.join(format!("{title}.sql")), text));
    }
    if !single && plan.has_after() {
        // Last, and without a transaction: what --online runs outside one.
        let title = format!("{}_{}_online", add_seconds(&timestamp, files.len() as u64), args.name);
        let text = crate::render_outside(&r.renderer, &plan, &title, &sources(&r))?;
        files.push((out.join(format!("{title}.sql")), text));
    }
    let title = format!("{timestamp}_{}", args.name);
    let down = render_file(&r.renderer, &plan, Direction::Down, &format!("rollback of {title}"), &sources(&r))?;
    files.push((rollback_dir.join(format!("{title}.down.sql")), down));
    write_new_files(&files)?;
    for (path, _) in &files {
        println!("wrote {}", path.display());
    }
    Ok(0)
}

/// The plan of `changes`, online-safe when asked by flag or config.
fn planned(config: &Config, r: &mut Resolved, safety: &Safety, changes: &[crate::diff::Change]) -> Result<Plan> {
    let online = safety.online || config.online.unwrap_or(false);
    if online {
        let lock = config.lock_timeout.as_deref().unwrap_or(config::LOCK_TIMEOUT);
        r.renderer.set_online(lock, config.statement_timeout.as_deref().unwrap_or(config::STATEMENT_TIMEOUT));
    }
    crate::plan::plan_with(changes, crate::plan::Options { online })
}

/// What `diff` and `generate` say about a change before it is applied.
struct Review {
    /// Data-losing changes that nothing allows.
    blocked: bool,
    /// Error-level lint findings about the change.
    lint_errors: bool,
}

/// Prints, on stderr, the lint findings about the change and the changes that can lose data.
fn review(
    config: &Config,
    current: &crate::model::Schema,
    desired: &crate::model::Schema,
    changes: &[crate::diff::Change],
    safety: &Safety,
) -> Review {
    use crate::lint::{Format, Severity, lint_changes, render};
    let online = safety.online || config.online.unwrap_or(false);
    let findings = lint_changes(current, desired, changes, online, &config.lint);
    if !findings.is_empty() {
        eprint!("{}", render(&findings, Format::Text));
    }
    let lint_errors = findings.iter().any(|f| f.severity == Severity::Error);
    let losses = crate::destructive::losses(current, desired, changes);
    if losses.is_empty() {
        return Review { blocked: false, lint_errors };
    }
    let list: String = losses.iter().map(|l| l.to_string()).collect();
    if safety.allow_destructive {
        eprint!("warning: allowed by --allow-destructive, this migration can lose data:\n{list}");
        return Review { blocked: false, lint_errors };
    }
    eprint!(
        "error: this migration can lose data ({} change(s)):\n{list}\
         hint: rerun with --allow-destructive once the data is safe, or set `allow_destructive: true` in the \
         table's YAML\n",
        losses.len()
    );
    Review { blocked: true, lint_errors }
}

fn check(config: &Config, args: CheckArgs) -> Result<i32> {
    let r = resolve(config, args.inputs)?;
    let desired = load_desired_with(&r.schema, r.templates.as_deref())?;
    let (current, _) = load_current(&r.sql)?;
    let plan = plan_migration(&current, &desired)?;
    if plan.is_empty() {
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
    print!("{}", render_file(&r.renderer, &plan, Direction::Up, "missing migration", &sources(&r))?);
    Ok(2)
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
    use crate::lint::{Severity, lint_changes, lint_schema, render, unknown_rules};
    let dir = args.schema.or_else(|| config.schema.clone()).unwrap_or_else(|| "schema".into());
    let templates = args.templates.or_else(|| config.templates.clone());
    let desired = load_desired_with(&dir, templates.as_deref())?;
    let unknown = unknown_rules(&desired);
    if !unknown.is_empty() {
        return Err(crate::diagnostic::Errors(unknown));
    }
    let mut findings = lint_schema(&desired, &config.lint);
    // SQL named by a flag or the config must load; the default folder may just not exist
    // yet, and then there is no change to lint.
    let named = !args.sql.is_empty() || config.sql.is_some();
    let sql = if args.sql.is_empty() {
        config.sql.clone().unwrap_or_else(|| vec!["supabase/migrations".into()])
    } else {
        args.sql
    };
    if named || sql.iter().any(|p| p.exists()) {
        let (current, _) = load_current(&sql)?;
        let changes = crate::diff::diff(&current, &desired);
        // The type and name rules run on the schema and on what the change adds: keep one.
        for f in lint_changes(&current, &desired, &changes, args.online, &config.lint) {
            if !findings.iter().any(|g| g.rule == f.rule && g.object == f.object) {
                findings.push(f);
            }
        }
    }
    print!("{}", render(&findings, args.format));
    let _ = std::io::stdout().flush();
    Ok(if findings.iter().any(|f| f.severity == Severity::Error) { 1 } else { 0 })
}

fn sources_sql(r: &Resolved) -> String {
    r.sql.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

fn new_table(config: &Config, args: NewTableArgs) -> Result<i32> {
    let dir = args.schema.or_else(|| config.schema.clone()).unwrap_or_else(|| "schema".into());
    let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid(&args.name) || !valid(&args.owner) {
        return Err(Diagnostic::new(format!("invalid table or column name `{}`", args.name))
            .hint("use lower-case letters, digits and `_`, e.g. `notes`")
            .into());
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
    let files: Vec<(PathBuf, String)> =
        crate::scaffold::new_table(&spec, &existing).into_iter().map(|(name, text)| (dir.join(name), text)).collect();
    write_new_files(&files)?;
    for (path, _) in &files {
        println!("wrote {}", path.display());
    }
    Ok(0)
}

fn import_sql(args: ImportArgs) -> Result<i32> {
    let (schema, report) = load_current(&args.sql)?;
    let files: Vec<(PathBuf, String)> =
        import::to_yaml(&schema).into_iter().map(|(name, text)| (args.out.join(name), text)).collect();
    write_new_files(&files)?;
    println!(
        "wrote {} YAML file(s) to {} ({} statement(s) read from {} SQL file(s), {} outside the model)",
        files.len(),
        args.out.display(),
        report.statements,
        report.files,
        report.skipped_total()
    );
    for (kind, n) in &report.skipped {
        println!("  skipped {n} × {kind}");
    }
    for (origin, what) in &report.unresolved {
        println!("  not modelled: {what} ({origin})");
    }
    Ok(0)
}

/// Writes each file whole (temporary file, then rename), after checking that none exists:
/// an existing migration is never overwritten, and on error nothing is written.
fn write_new_files(files: &[(PathBuf, String)]) -> Result<()> {
    for (path, _) in files {
        if path.exists() {
            return Err(Diagnostic::new(format!("{} already exists", path.display()))
                .hint("schemagen never overwrites a file; pick another --name or --timestamp, or remove the file")
                .into());
        }
    }
    for (path, text) in files {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Diagnostic::new(format!("cannot create {}: {e}", dir.display())))?;
        let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("schemagen")));
        std::fs::write(&tmp, text)
            .and_then(|_| std::fs::rename(&tmp, path))
            .map_err(|e| Diagnostic::new(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

/// The current UTC time as YYYYMMDDHHMMSS (Supabase's migration prefix).
fn utc_timestamp() -> String {
    format_timestamp(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// `stamp` (YYYYMMDDHHMMSS) plus `seconds`, across minutes, days and years.
fn add_seconds(stamp: &str, seconds: u64) -> String {
    let field = |r: std::ops::Range<usize>| stamp[r].parse::<i64>().unwrap_or(0);
    let (y, m, d) = (field(0..4), field(4..6), field(6..8));
    // Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + field(8..10) * 3600 + field(10..12) * 60 + field(12..14);
    format_timestamp(secs.max(0) as u64 + seconds)
}

fn format_timestamp(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}{month:02}{day:02}{:02}{:02}{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}
