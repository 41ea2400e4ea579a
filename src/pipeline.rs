//! The stages from the files to what the commands say about them: load the YAML and the
//! SQL, diff them, plan the change, and judge it (the data it can lose, the lint
//! findings). One `Outcome` carries what the stages made, so no command, report or proof
//! loads, diffs or plans a second time. A command asks only for the stages it reads
//! (`Stages`): `lint` does not plan, since a plan can fail where a lint must not, and
//! `verify` does not lint.

use std::path::{Path, PathBuf};

use crate::destructive::{self, Loss};
use crate::diagnostic::Result;
use crate::diff::Change;
use crate::lint::{self, Finding};
use crate::model::Schema;
use crate::plan::{self, Plan};
use crate::{load_current, load_desired_with};

/// The files a run reads.
pub struct Inputs<'a> {
    pub schema: &'a Path,
    pub templates: Option<&'a Path>,
    /// None when there is no SQL to compare with (`lint` before the first migration): then
    /// there is no change either.
    pub sql: Option<&'a [PathBuf]>,
}

/// The stages after loading and diffing that a command wants.
#[derive(Default)]
pub struct Stages<'a> {
    /// Online-safe: what the plan writes and what the safety rules then expect of it.
    pub online: bool,
    pub plan: bool,
    pub lint: Lint<'a>,
    /// The diff from the YAML back to the SQL too, which the rollback's report describes.
    pub rollback_changes: bool,
}

/// Which lint findings a command reports.
#[derive(Default, Clone, Copy)]
pub enum Lint<'a> {
    #[default]
    Off,
    /// The safety rules on the change (`diff` and `generate` print them before applying).
    Change(&'a lint::Settings),
    /// The rules on the desired schema, and on the change when there is one (`lint`).
    All(&'a lint::Settings),
}

/// What the stages made.
#[derive(Debug, Default)]
pub struct Outcome {
    pub desired: Schema,
    /// What the SQL builds; empty without SQL.
    pub current: Schema,
    /// From `current` to `desired`.
    pub changes: Vec<Change>,
    /// Present when `Stages::plan` asked for it.
    pub plan: Option<Plan>,
    /// The changes that can lose data and that nothing in the YAML allows.
    pub losses: Vec<Loss>,
    pub findings: Vec<Finding>,
    /// From `desired` back to `current`, when `Stages::rollback_changes` asked for it. The
    /// rollback's SQL is the plan reversed, never this.
    pub rollback_changes: Option<Vec<Change>>,
    /// Statements of the SQL about the schema that the model does not hold, with where they
    /// are (`LoadReport::schema_outside`): the plan cannot see what they did.
    pub outside: Vec<crate::source::sql::Outside>,
}

/// Loads the schemas (the YAML first, so its errors come first) and runs `stages` on them.
pub fn run(inputs: &Inputs, stages: &Stages) -> Result<Outcome> {
    let desired = load_desired_with(inputs.schema, inputs.templates)?;
    let (current, outside) = match inputs.sql {
        Some(sql) => {
            let (current, report) = load_current(sql)?;
            (Some(current), report.schema_outside())
        }
        None => (None, Vec::new()),
    };
    Ok(Outcome { outside, ..Outcome::new(desired, current, stages)? })
}

impl Outcome {
    /// The stages on schemas already loaded; without `current`, only the desired schema's
    /// findings.
    pub fn new(desired: Schema, current: Option<Schema>, stages: &Stages) -> Result<Outcome> {
        let schema_findings = match stages.lint {
            Lint::All(settings) => lint::lint_schema(&desired, settings),
            Lint::Off | Lint::Change(_) => Vec::new(),
        };
        let Some(current) = current else {
            return Ok(Outcome { desired, findings: schema_findings, ..Outcome::default() });
        };
        let changes = crate::diff::diff(&current, &desired);
        let plan = stages
            .plan
            .then(|| plan::plan_with(&changes, &desired, plan::Options { online: stages.online }))
            .transpose()?;
        let findings = match stages.lint {
            Lint::Off => Vec::new(),
            Lint::Change(settings) => lint::lint_changes(&current, &desired, &changes, stages.online, settings),
            Lint::All(settings) => {
                let mut findings = schema_findings;
                // The type rules run on the schema and on what the change adds: keep one.
                for f in lint::lint_changes(&current, &desired, &changes, stages.online, settings) {
                    if !findings.iter().any(|g| g.rule == f.rule && g.object == f.object) {
                        findings.push(f);
                    }
                }
                findings
            }
        };
        // Cheap and pure, so never left to a command to ask for: none can skip the gate.
        let losses = destructive::losses(&current, &desired, &changes);
        let rollback_changes = stages.rollback_changes.then(|| crate::diff::diff(&desired, &current));
        Ok(Outcome { desired, current, changes, plan, losses, findings, rollback_changes, outside: Vec::new() })
    }

    /// The plan, which the command asked for (`Stages::plan`).
    pub fn plan(&self) -> &Plan {
        self.plan.as_ref().expect("the command asked for the plan")
    }
}
