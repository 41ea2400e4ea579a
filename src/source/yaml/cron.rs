//! `cron:` files: a pg_cron job by name, its schedule and its command.

use marked_yaml::types::MarkedMappingNode;

use super::File;
use super::format::CRON_KEYS;
use crate::diagnostic::Result;
use crate::model::cron::schedule_problem;
use crate::model::{CronJob, Schema};

impl File<'_> {
    pub(super) fn load_cron(&self, schema: &mut Schema, map: &MarkedMappingNode) -> Result<()> {
        self.check_keys(map, CRON_KEYS, "the cron file")?;
        let name_node = self.scalar(map.get_node("cron").expect("dispatched on it"), "cron")?;
        let name = name_node.as_str().to_string();
        if name.trim().is_empty() {
            return Err(self.error(name_node.span(), "a cron job needs a name", "e.g. cron: purge_sessions").into());
        }
        if schema.cron_jobs.contains_key(&name) {
            let hint = "keep one file per job";
            return Err(self.error(name_node.span(), format!("cron job {name} is declared twice"), hint).into());
        }
        let required = |key: &str, example: &str| {
            let node = map.get_node(key).ok_or_else(|| {
                self.error(map.span(), format!("cron job {name} needs `{key}`"), format!("e.g. {key}: {example}"))
            })?;
            self.scalar(node, key)
        };
        let schedule = required("schedule", "'0 3 * * *'")?;
        if let Some(problem) = schedule_problem(schedule.as_str()) {
            let hint = "five cron fields (minute hour day month weekday) like '0 3 * * *', 'N seconds', or @hourly/@daily/@weekly/@monthly/@yearly";
            return Err(self.error(schedule.span(), format!("not a pg_cron schedule: {problem}"), hint).into());
        }
        let command = required("command", "select public.purge_sessions()")?;
        let job = CronJob {
            name: name.clone(),
            schedule: schedule.as_str().to_string(),
            command: command.as_str().to_string(),
        };
        schema.cron_jobs.insert(name, job);
        Ok(())
    }
}
