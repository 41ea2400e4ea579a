//! Real Supabase migration histories (`../shared/corpus/<project>/*.sql` and `../shared/corpus2/`) on a real
//! PostgreSQL. For every project, three checks, each reported on its own:
//!
//! 1. **fidelity**: `load_current` of the whole history, `import::to_yaml`, `load_desired` of
//!    that YAML, rendered from an empty schema and applied to a fresh database, gives the
//!    catalog of a fresh database where the history itself was applied file by file;
//! 2. **fixpoint**: the plan from the history to its imported YAML is empty;
//! 3. **evolution**: for a few cut points k (0 among them), with the first k files as current and the
//!    imported YAML of the whole history as desired, first k files + up gives the whole
//!    history's catalog, and the rollback then gives back the first k files' catalog.
//!
//! Every database gets, on top of the project stub, `tests/pg/corpus_setup.sql` (see there
//! why), `../shared/pg/supabase-stub.sql` and `supabase-stub-extras.sql`, from a template
//! database built once with all four (`support::corpus_db`); the
//! stand-in extensions of `../shared/pg/fake-extensions` must be installed in the server's
//! extension directory (`scripts/setup.sh` does it).
//!
//! Catalogs are compared whole (see the list below `KNOWN_GAPS`). Every check of every project runs; a table of the
//! results is printed and the test fails at the end if any check failed, unless
//! `CORPUS_REPORT_ONLY=1`. `CORPUS_PROJECT=name` runs only the projects whose name contains
//! `name`; `CORPUS_DIR=path` reads the projects from another folder (an edited copy of the
//! corpus, to look past a first failure). The imported YAML, the generated SQL and the full catalog differences are written
//! under `target/tmp/corpus/<project>/` for inspection.

mod support;

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use schemagen::model::Schema;
use schemagen::render::Renderer;
use schemagen::{Direction, import, load_current, load_desired, plan_migration, render_file};

/// Checks that fail for a reason schemagen does not handle yet, each with the reason. The
/// suite fails on any other failure, and says when one of these starts to pass.
const KNOWN_GAPS: &[(&str, &str, &str)] = &[];

// The whole catalog of tests/pg/catalog.sql is compared, nothing left out: schemas,
// extensions, tables (with their RLS flags, UNLOGGED, storage parameters and replica
// identity), columns, identity sequences, constraints, indexes, sequences (with the column
// that owns them), owners, partition keys, partitions with their bounds, inheritance,
// publications (their options, and their tables with column lists and row filters), views
// and materialized views, enums, composite types, range types, domains, functions,
// procedures and aggregates (with their definitions), triggers, policies, comments on all of
// these, grants on schemas (`public` included), tables, columns, views, functions,
// procedures, sequences and types, and default privileges. Foreign tables (with their server
// and options), foreign servers and wrappers are compared too, although the model does not
// hold them: a history that creates one is listed as outside the model (with the
// statement's location) and fails fidelity, as it should.

/// Boolean options of views and tables are stored as written (`security_invoker=on`,
/// `autovacuum_enabled=off`); schemagen writes `true` and `false`. The two spellings are the
/// same option, so they compare by value.
fn boolean_options(line: &str) -> String {
    if !(line.starts_with("view ") || line.starts_with("materialized_view ") || line.starts_with("table ")) {
        return line.to_string();
    }
    let Some((head, rest)) = line.split_once(" options=") else { return line.to_string() };
    let (options, rest) = rest.split_once(' ').map_or((rest, None), |(o, r)| (o, Some(r)));
    let options: Vec<String> = options
        .split(',')
        .filter(|o| !o.is_empty())
        .map(|o| match o.split_once('=') {
            Some((k, "on" | "yes" | "1")) => format!("{k}=true"),
            Some((k, "off" | "no" | "0")) => format!("{k}=false"),
            _ => o.to_string(),
        })
        .collect();
    match rest {
        Some(rest) => format!("{head} options={} {rest}", options.join(",")),
        None => format!("{head} options={}", options.join(",")),
    }
}

fn filtered(catalog: &str) -> String {
    let mut out = String::new();
    for line in catalog.lines() {
        out.push_str(&boolean_options(line));
        out.push('\n');
    }
    out
}

/// The stand-ins of ../shared/pg/fake-extensions, installed by scripts/setup.sh.
const FAKE_EXTENSIONS: &[&str] = &["http", "pg_net", "pgjwt", "pg_cron", "supabase_vault", "pg_graphql", "vector"];

fn out_dir(project: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus").join(project);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create report dir");
    dir
}

use support::{corpus_db, shared_dir, sql_files};

/// Applies history files one by one (each in its own session, as the Supabase CLI does).
fn apply_files(db: &support::Db, files: &[PathBuf]) -> Result<(), String> {
    for f in files {
        let sql = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        db.apply(&sql).map_err(|e| format!("{} does not apply: {e}", file_name(f)))?;
    }
    Ok(())
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// Writes the imported YAML of `schema` into `dir` and loads it back.
fn import_yaml(schema: &Schema, dir: &Path) -> Result<Schema, String> {
    for (name, text) in import::to_yaml(schema) {
        let path = dir.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("{name}: {e}"))?;
    }
    load_desired(dir).map_err(|e| format!("imported YAML does not load: {e}"))
}

fn summaries(plan: &schemagen::plan::Plan) -> String {
    plan.steps.iter().map(|s| s.summary.clone()).collect::<Vec<_>>().join("\n")
}

/// `catalog_diff` of the filtered catalogs, None when equal.
fn compare(got: &str, want: &str, left: &str, right: &str) -> Option<String> {
    support::catalog_diff(&filtered(got), &filtered(want)).map(|d| {
        d.replace("only in left", &format!("only in {left}")).replace("only in right", &format!("only in {right}"))
    })
}

/// Runs `f`, turning a panic into an error.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(format!(
            "panic: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

/// Cut points for the evolution check: 0 (a project adopting the whole history at once, and
/// a rollback that must leave the platform as it was), then up to 3, evenly spaced in
/// 1..=n-1.
fn cut_points(n: usize) -> Vec<usize> {
    let mut ks: Vec<usize> =
        (1..=3).map(|i| ((i * n) as f64 / 4.0).round() as usize).map(|k| k.clamp(1, n.max(2) - 1)).collect();
    ks.dedup();
    ks.retain(|&k| k >= 1 && k < n);
    ks.insert(0, 0);
    ks
}

#[derive(Default)]
struct Outcome {
    /// None: not run.
    status: Option<Result<String, String>>,
}

struct ProjectResult {
    project: String,
    notes: String,
    fidelity: Outcome,
    fixpoint: Outcome,
    evolution: Outcome,
}

fn check_project(server: &support::Server, renderer: &Renderer, dir: &Path) -> ProjectResult {
    let project = file_name(dir);
    let out = out_dir(&project);
    let files = sql_files(dir);
    let mut notes = String::new();
    let mut result = ProjectResult {
        project: project.clone(),
        notes: String::new(),
        fidelity: Outcome::default(),
        fixpoint: Outcome::default(),
        evolution: Outcome::default(),
    };

    // The whole history, on PostgreSQL.
    let history_db = guarded(|| Ok(corpus_db(server))).and_then(|db| apply_files(&db, &files).map(|()| db));
    let history_db = match history_db {
        Ok(db) => db,
        Err(e) => {
            let e = format!("the history itself does not apply (stub/extension problem): {e}");
            result.fidelity.status = Some(Err(e.clone()));
            result.fixpoint.status = Some(Err(e.clone()));
            result.evolution.status = Some(Err(e));
            return result;
        }
    };
    let history_catalog = history_db.catalog();
    drop(history_db);
    std::fs::write(out.join("history.catalog"), &history_catalog).unwrap();

    // The whole history, through schemagen.
    let loaded = guarded(|| load_current(&files).map_err(|e| format!("load_current fails: {e}")));
    let desired = loaded.as_ref().map_err(|e| e.clone()).and_then(|(current, report)| {
        let _ = writeln!(
            notes,
            "load: {} file(s), {} statement(s), {} applied, skipped {:?}, {} unresolved",
            report.files,
            report.statements,
            report.applied,
            report.skipped,
            report.unresolved.len()
        );
        for (origin, what) in &report.unresolved {
            let _ = writeln!(notes, "  unresolved at {origin}: {what}");
        }
        let yaml_dir = out.join("yaml");
        std::fs::create_dir_all(&yaml_dir).unwrap();
        guarded(|| import_yaml(current, &yaml_dir))
    });

    // 1. fidelity
    result.fidelity.status = Some(desired.clone().and_then(|desired| {
        guarded(|| {
            let plan =
                plan_migration(&Schema::default(), &desired).map_err(|e| format!("plan from empty fails: {e}"))?;
            let up =
                render_file(renderer, &plan, Direction::Up, "import", &project).map_err(|e| format!("render: {e}"))?;
            std::fs::write(out.join("from_empty.up.sql"), &up).unwrap();
            let db = corpus_db(server);
            db.apply(&up).map_err(|e| format!("imported YAML's SQL from empty fails: {e}"))?;
            match compare(&db.catalog(), &history_catalog, "from imported YAML", "history") {
                None => Ok(String::new()),
                Some(d) => {
                    std::fs::write(out.join("fidelity.diff"), &d).unwrap();
                    Err(d)
                }
            }
        })
    }));

    // 2. fixpoint
    result.fixpoint.status = Some(loaded.as_ref().map_err(|e| e.clone()).and_then(|(current, _)| {
        let desired = desired.clone()?;
        guarded(|| {
            let plan = plan_migration(current, &desired).map_err(|e| format!("plan fails: {e}"))?;
            if plan.is_empty() {
                Ok(String::new())
            } else {
                let s = format!("{} change(s):\n{}", plan.steps.len(), summaries(&plan));
                std::fs::write(out.join("fixpoint.summary"), &s).unwrap();
                if let Ok(up) = render_file(renderer, &plan, Direction::Up, "fixpoint", &project) {
                    std::fs::write(out.join("fixpoint.up.sql"), up).unwrap();
                }
                Err(s)
            }
        })
    }));

    // 3. evolution
    let ks = cut_points(files.len());
    result.evolution.status = {
        let mut failures = String::new();
        let mut passed = Vec::new();
        for &k in &ks {
            let r = desired.clone().map_err(|_| "no desired schema (see fidelity)".to_string()).and_then(|desired| {
                guarded(|| {
                    let (current, _) =
                        load_current(&files[..k]).map_err(|e| format!("load_current of {k} file(s) fails: {e}"))?;
                    let plan = plan_migration(&current, &desired).map_err(|e| format!("plan fails: {e}"))?;
                    let up = render_file(renderer, &plan, Direction::Up, "up", &project)
                        .map_err(|e| format!("render: {e}"))?;
                    let down = render_file(renderer, &plan, Direction::Down, "down", &project)
                        .map_err(|e| format!("render: {e}"))?;
                    std::fs::write(out.join(format!("k{k}.up.sql")), &up).unwrap();
                    std::fs::write(out.join(format!("k{k}.down.sql")), &down).unwrap();
                    let db = corpus_db(server);
                    apply_files(&db, &files[..k])?;
                    let before = db.catalog();
                    db.apply(&up).map_err(|e| format!("up fails: {e}"))?;
                    let mut problems = String::new();
                    if let Some(d) = compare(&db.catalog(), &history_catalog, "first k + up", "history") {
                        std::fs::write(out.join(format!("k{k}.up.diff")), &d).unwrap();
                        let _ = write!(problems, "after up:\n{d}");
                    }
                    db.apply(&down).map_err(|e| format!("{problems}rollback fails: {e}"))?;
                    if let Some(d) = compare(&db.catalog(), &before, "first k + up + down", "first k") {
                        std::fs::write(out.join(format!("k{k}.down.diff")), &d).unwrap();
                        let _ = write!(problems, "after rollback:\n{d}");
                    }
                    if problems.is_empty() { Ok(()) } else { Err(problems) }
                })
            });
            match r {
                Ok(()) => passed.push(k),
                Err(e) => {
                    let last = k.checked_sub(1).map_or("nothing applied".to_string(), |i| file_name(&files[i]));
                    let _ = writeln!(failures, "k={k} ({last}):\n{e}");
                }
            }
        }
        let ks_text = ks.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(",");
        Some(if failures.is_empty() {
            Ok(format!("k={ks_text}"))
        } else {
            Err(format!("cut points k={ks_text}, passed {passed:?}\n{failures}"))
        })
    };
    result.notes = notes;
    result
}

fn cell(o: &Outcome) -> &'static str {
    match &o.status {
        None => "n/a",
        Some(Ok(_)) => "ok",
        Some(Err(_)) => "FAIL",
    }
}

fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: String = lines.iter().take(n).map(|l| format!("      {l}\n")).collect();
    if lines.len() > n {
        let _ = writeln!(out, "      … ({} more line(s))", lines.len() - n);
    }
    out
}

#[test]
fn corpus_histories_import_fixpoint_evolution() {
    // CORPUS_DIR: another folder of projects (for investigation, e.g. an edited copy);
    // else both folders of real histories beside the project.
    let folders: Vec<PathBuf> = match std::env::var_os("CORPUS_DIR") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![shared_dir().join("corpus"), shared_dir().join("corpus2")],
    };
    let folders: Vec<PathBuf> = folders.into_iter().filter(|f| f.is_dir()).collect();
    if folders.is_empty() {
        eprintln!("skipped: no corpus folder is beside the project");
        return;
    }
    let only = std::env::var("CORPUS_PROJECT").ok().filter(|s| !s.is_empty());
    let report_only = std::env::var("CORPUS_REPORT_ONLY").is_ok_and(|v| v == "1");
    let detail_lines: usize = std::env::var("CORPUS_DETAIL_LINES").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let mut projects: Vec<PathBuf> = folders
        .iter()
        .flat_map(|f| std::fs::read_dir(f).unwrap().flatten())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| only.as_ref().is_none_or(|o| file_name(p).contains(o.as_str())))
        .collect();
    projects.sort();
    assert!(!projects.is_empty(), "no project in {folders:?}");

    let server = support::server();
    // The stand-in extensions must be in the server's extension directory.
    let probe = server.fresh_db();
    let available = probe
        .query(&format!(
            "select count(*) from pg_available_extensions where name in ({})",
            FAKE_EXTENSIONS.iter().map(|e| format!("'{e}'")).collect::<Vec<_>>().join(", ")
        ))
        .expect("query pg_available_extensions");
    drop(probe);
    assert_eq!(
        available.trim(),
        FAKE_EXTENSIONS.len().to_string(),
        "the stand-in extensions of ../shared/pg/fake-extensions ({}) are not all installed in the server's \
         extension directory: run scripts/setup.sh (as root, or with passwordless sudo)",
        FAKE_EXTENSIONS.join(", ")
    );
    let renderer = Renderer::new(None).expect("embedded templates");
    let results: Vec<ProjectResult> = support::parallel(&projects, |p| check_project(server, &renderer, p));

    let mut table = String::new();
    let _ = writeln!(table, "\n{:<24} {:<9} {:<9} {:<9}", "project", "fidelity", "fixpoint", "evolution");
    for r in &results {
        let _ = writeln!(
            table,
            "{:<24} {:<9} {:<9} {:<9}",
            r.project,
            cell(&r.fidelity),
            cell(&r.fixpoint),
            cell(&r.evolution)
        );
    }
    let mut details = String::new();
    let mut failed = 0;
    for r in &results {
        let _ = writeln!(details, "\n== {}", r.project);
        details.push_str(&r.notes);
        for (name, o) in [("fidelity", &r.fidelity), ("fixpoint", &r.fixpoint), ("evolution", &r.evolution)] {
            let known = KNOWN_GAPS.iter().find(|(p, c, _)| *p == r.project && *c == name);
            match (&o.status, known) {
                (Some(Err(e)), Some((_, _, why))) => {
                    let _ = writeln!(details, "  {name}: FAIL (known gap: {why})");
                    details.push_str(&first_lines(e, detail_lines));
                }
                (Some(Ok(_)), Some(_)) => {
                    let _ = writeln!(details, "  {name}: ok, although listed in KNOWN_GAPS: remove it from the list");
                }
                (Some(Err(e)), None) => {
                    failed += 1;
                    let _ = writeln!(details, "  {name}: FAIL");
                    details.push_str(&first_lines(e, detail_lines));
                }
                (Some(Ok(s)), None) if !s.is_empty() => {
                    let _ = writeln!(details, "  {name}: ok ({s})");
                }
                _ => {}
            }
        }
    }
    println!("{details}\n(full outputs in {})", Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus").display());
    println!("{table}");
    if report_only {
        println!("CORPUS_REPORT_ONLY=1: {failed} failed check(s) reported, not failing the test");
        return;
    }
    assert!(failed == 0, "{failed} corpus check(s) failed:{table}");
}
