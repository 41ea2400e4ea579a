//! schemagen: a Supabase/PostgreSQL schema declared in YAML, diffed against the SQL that
//! exists, rendered as ordered migration and rollback SQL.
//!
//! The pipeline, one module per stage: `source` (YAML and SQL → `model::Schema`),
//! `diff` (two schemas → changes), `plan` (changes → ordered steps with reverses),
//! `render` (steps → SQL through templates). `pipeline` runs the stages a command asks for
//! into one `Outcome`, with the data the change can lose and the lint findings; `cli`,
//! `formats`, `report` and `verify` read it. `import` writes a schema back as YAML.

pub mod access;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod destructive;
pub mod diagnostic;
pub mod diff;
pub mod drift;
pub mod formats;
pub mod generated;
pub mod graph;
pub mod ident;
pub mod import;
pub mod initplan;
pub mod lint;
pub mod model;
pub mod outside;
pub mod paint;
pub mod pgtree;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod report;
pub mod rlstest;
pub mod runner;
pub mod scaffold;
pub mod source;
pub mod statement;
pub mod verify;

use std::path::{Path, PathBuf};

use crate::diagnostic::Result;
use crate::model::Schema;
use crate::plan::{File, Plan};
use crate::render::Renderer;
use crate::source::sql::LoadReport;

/// The desired schema, from YAML files, with `rls:` presets expanded by the embedded templates.
pub fn load_desired(dir: &Path) -> Result<Schema> {
    load_desired_with(dir, None)
}

/// The desired schema, with `rls:` presets expanded by the templates of `templates` where
/// it has them (a team's own meaning of a preset), else by the embedded ones.
pub fn load_desired_with(dir: &Path, templates: Option<&Path>) -> Result<Schema> {
    source::yaml::load_dir(dir, templates)
}

/// The current schema, from SQL files replayed in order.
pub fn load_current(paths: &[PathBuf]) -> Result<(Schema, LoadReport)> {
    source::sql::load_paths(paths)
}

/// The ordered plan that turns `current` into `desired`.
pub fn plan_migration(current: &Schema, desired: &Schema) -> Result<Plan> {
    plan::plan(&diff::diff(current, desired), desired)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// The statements of a plan in apply order (up) or in rollback order (down), of one
/// output file or of all.
pub fn render_statements(
    renderer: &Renderer,
    plan: &Plan,
    direction: Direction,
    file: Option<File>,
) -> Result<Vec<String>> {
    let steps: Vec<&plan::Step> = match direction {
        Direction::Up => plan.steps.iter().collect(),
        Direction::Down => plan.steps.iter().rev().collect(),
    };
    steps
        .into_iter()
        .filter(|s| file.is_none_or(|f| s.file == f))
        .flat_map(|s| if direction == Direction::Up { &s.up } else { &s.down })
        .map(|s| renderer.statement(s))
        .collect()
}

/// The statements of one transaction of a migration (of one output file, or all), with
/// each `ALTER TYPE … ADD VALUE` whose value another of its statements names taken out to
/// run before it: PostgreSQL refuses a value added in the transaction that uses it
/// ("unsafe use of new value").
fn render_body(renderer: &Renderer, plan: &Plan, direction: Direction, file: Option<File>) -> Result<render::Body> {
    let statements = render_statements(renderer, plan, direction, file)?;
    if direction == Direction::Down {
        return Ok(render::Body { before: Vec::new(), statements });
    }
    let steps = plan.steps.iter().filter(|s| file.is_none_or(|f| s.file == f));
    let added: Vec<(usize, &statement::Statement)> = steps
        .flat_map(|s| &s.up)
        .enumerate()
        .filter(|(_, s)| matches!(s, statement::Statement::AddEnumValue { .. }))
        .collect();
    let mut body = render::Body::default();
    let mut first = Vec::new();
    for (i, stmt) in &added {
        let statement::Statement::AddEnumValue { value, .. } = stmt else { continue };
        let quoted = ident::quote_literal(value);
        let used = statements.iter().enumerate().any(|(j, text)| j != *i && text.contains(&quoted));
        if used {
            let mut moved = (*stmt).clone();
            if let statement::Statement::AddEnumValue { committed_first, .. } = &mut moved {
                *committed_first = true;
            }
            body.before.push(renderer.statement(&moved)?);
            first.push(*i);
        }
    }
    body.statements = statements.into_iter().enumerate().filter(|(i, _)| !first.contains(i)).map(|(_, s)| s).collect();
    Ok(body)
}

/// The statements that run after the migration's transaction, outside any (`--online`).
pub fn render_after(renderer: &Renderer, plan: &Plan) -> Result<Vec<String>> {
    plan.steps.iter().flat_map(|s| &s.after).map(|s| renderer.statement(s)).collect()
}

/// A whole migration file: header, the statements in one transaction, and those that must
/// run outside it.
pub fn render_file(
    renderer: &Renderer,
    plan: &Plan,
    direction: Direction,
    title: &str,
    source: &str,
) -> Result<String> {
    let body = render_body(renderer, plan, direction, None)?;
    let after = if direction == Direction::Up { render_after(renderer, plan)? } else { vec![] };
    renderer.migration(title, source, &body, &after)
}

/// One of the files `generate` writes (all of the migration, with `file` None), in a
/// transaction.
pub fn render_part(
    renderer: &Renderer,
    plan: &Plan,
    direction: Direction,
    file: Option<File>,
    title: &str,
    source: &str,
) -> Result<String> {
    let body = render_body(renderer, plan, direction, file)?;
    renderer.migration(title, source, &body, &[])
}

/// The file of statements that run outside a transaction, after the others (`--online`).
pub fn render_outside(renderer: &Renderer, plan: &Plan, title: &str, source: &str) -> Result<String> {
    renderer.migration(title, source, &render::Body::default(), &render_after(renderer, plan)?)
}
