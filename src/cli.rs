//! Subcommands and exit codes: 0 no changes (or done), 2 changes found, 1 error.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Result};
use crate::render::Renderer;
use crate::{Direction, import, load_current, load_desired, plan_migration, render_file, render_statements};

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
}

#[derive(Args, Debug)]
struct DiffArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Print the rollback (down migration) instead
    #[arg(long)]
    rollback: bool,
    #[arg(long, value_enum, default_value_t = Format::Sql)]
    format: Format,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Sql,
    Json,
    Summary,
}

#[derive(Args, Debug)]
struct GenerateArgs {
    #[command(flatten)]
    inputs: Inputs,
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
    Ok(Resolved { schema, sql, renderer: Renderer::new(templates.as_deref())? })
}

fn sources(r: &Resolved) -> String {
    let sql: Vec<String> = r.sql.iter().map(|p| p.display().to_string()).collect();
    format!("{} against {}", r.schema.display(), sql.join(", "))
}

fn diff(config: &Config, args: DiffArgs) -> Result<i32> {
    let r = resolve(config, args.inputs)?;
    let desired = load_desired(&r.schema)?;
    let (current, _) = load_current(&r.sql)?;
    let plan = plan_migration(&current, &desired)?;
    let direction = if args.rollback { Direction::Down } else { Direction::Up };
    let out = match args.format {
        Format::Sql => {
            let title = if args.rollback { "rollback" } else { "migration" };
            render_file(&r.renderer, &plan, direction, title, &sources(&r))?
        }
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
            let statements = render_statements(&r.renderer, &plan, direction)?;
            let doc = serde_json::json!({ "changes": steps, "statements": statements });
            serde_json::to_string_pretty(&doc).expect("JSON of strings") + "\n"
        }
    };
    print!("{out}");
    let _ = std::io::stdout().flush();
    Ok(if plan.is_empty() { 0 } else { 2 })
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
    let r = resolve(config, args.inputs)?;
    let out = out_default
        .or_else(|| r.sql.iter().find(|p| p.is_dir()).cloned())
        .unwrap_or_else(|| "supabase/migrations".into());
    let rollback_dir = rollback_default.unwrap_or_else(|| out.parent().unwrap_or(Path::new(".")).join("rollbacks"));
    let desired = load_desired(&r.schema)?;
    let (current, _) = load_current(&r.sql)?;
    let plan = plan_migration(&current, &desired)?;
    if plan.is_empty() {
        println!("No changes: the migrations already match {}. Nothing written.", r.schema.display());
        return Ok(0);
    }
    let file = format!("{timestamp}_{}.sql", args.name);
    let title = format!("{timestamp}_{}", args.name);
    let up = render_file(&r.renderer, &plan, Direction::Up, &title, &sources(&r))?;
    let down = render_file(&r.renderer, &plan, Direction::Down, &format!("rollback of {title}"), &sources(&r))?;
    let up_path = out.join(&file);
    let down_path = rollback_dir.join(format!("{timestamp}_{}.down.sql", args.name));
    write_new_files(&[(up_path.clone(), up), (down_path.clone(), down)])?;
    println!("wrote {}", up_path.display());
    println!("wrote {}", down_path.display());
    Ok(0)
}

fn import_sql(args: ImportArgs) -> Result<i32> {
    let (schema, report) = load_current(&args.sql)?;
    let files: Vec<(PathBuf, String)> =
        import::to_yaml(&schema).into_iter().map(|(name, text)| (args.out.join(name), text)).collect();
    write_new_files(&files)?;
    println!(
        "wrote {} table file(s) to {} ({} statement(s) read from {} file(s), {} outside the model)",
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
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
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
