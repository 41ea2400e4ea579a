//! pg_cron jobs scheduled, rescheduled or unscheduled.

use crate::model::Schema;

use super::Change;

pub(super) fn diff_jobs(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    let names: std::collections::BTreeSet<&String> = current.cron_jobs.keys().chain(desired.cron_jobs.keys()).collect();
    for name in names {
        let (from, to) = (current.cron_jobs.get(name), desired.cron_jobs.get(name));
        if from != to {
            changes.push(Change::CronJob { name: name.clone(), from: from.cloned(), to: to.cloned() });
        }
    }
}
