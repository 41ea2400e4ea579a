//! What `diff` prints of an outcome: the migration (or its rollback) as SQL, its steps and
//! statements as JSON, one line per step, or the markdown report for a pull request.

use crate::diagnostic::Result;
use crate::pipeline::Outcome;
use crate::render::Renderer;
use crate::statement::Statement;
use crate::{Direction, render_file, render_statements};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Sql,
    Json,
    Summary,
    /// For a pull-request comment: objects created, changed and dropped, and who gains or
    /// loses access to what
    Markdown,
}

/// The text of `outcome` (with its plan) in `format`, in `direction`; `source` is what the
/// SQL header says it was generated from.
pub fn text(
    outcome: &Outcome,
    renderer: &Renderer,
    format: Format,
    direction: Direction,
    source: &str,
) -> Result<String> {
    let plan = outcome.plan();
    Ok(match format {
        Format::Sql => {
            let title = if direction == Direction::Down { "rollback" } else { "migration" };
            render_file(renderer, plan, direction, title, source)?
        }
        Format::Markdown => crate::report::markdown(outcome, direction),
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
                let render =
                    |stmts: &[Statement]| stmts.iter().map(|s| renderer.statement(s)).collect::<Result<Vec<_>>>();
                steps.push(serde_json::json!({
                    "change": step.summary,
                    "up": render(&step.up)?,
                    "down": render(&step.down)?,
                }));
            }
            let statements = render_statements(renderer, plan, direction, None)?;
            let doc = serde_json::json!({ "changes": steps, "statements": statements });
            serde_json::to_string_pretty(&doc).expect("JSON of strings") + "\n"
        }
    })
}
