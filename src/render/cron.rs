//! Contexts of the pg_cron calls: every value a literal.

use minijinja::{Value, context};

use super::quote::literal;
use crate::model::CronJob;

pub(super) fn schedule(job: &CronJob) -> (&'static str, Value) {
    (
        "cron_schedule.sql.j2",
        context! { name => literal(&job.name), schedule => literal(&job.schedule), command => literal(&job.command) },
    )
}

pub(super) fn unschedule(name: &str) -> (&'static str, Value) {
    ("cron_unschedule.sql.j2", context! { name => literal(name) })
}
