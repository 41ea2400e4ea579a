//! Steps for pg_cron jobs: last of all, once every function a command may call exists.

use crate::diff::Change;
use crate::model::CronJob;
use crate::statement::Statement as Stmt;

use super::{Object, Phase, Step};

pub(super) fn steps_for(change: &Change) -> Option<Vec<Step>> {
    let Change::CronJob { name, from, to } = change else { return None };
    // cron.schedule replaces a job of the same name, so a changed job needs no unschedule.
    let set = |job: &Option<CronJob>| match job {
        Some(j) => Stmt::CronSchedule(j.clone()),
        None => Stmt::CronUnschedule(name.clone()),
    };
    let verb = match (from, to) {
        (None, _) => "+",
        (_, None) => "-",
        _ => "~",
    };
    let mut s = Step::new(Phase::CronJob, format!("{verb} cron job {name}"), vec![set(to)], vec![set(from)]);
    s.requires.push(Object::Extension("pg_cron".into()));
    Some(vec![s])
}
