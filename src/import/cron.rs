//! YAML of pg_cron jobs: a `cron:` file each.

use super::{objects::block, scalar};
use crate::model::Schema;

pub(super) fn files(schema: &Schema) -> Vec<(String, String)> {
    schema
        .cron_jobs
        .values()
        .map(|job| {
            let safe: String =
                job.name.chars().map(|c| if c.is_alphanumeric() || matches!(c, '_' | '-') { c } else { '_' }).collect();
            let command =
                if job.command.contains('\n') { block(&job.command) } else { format!("{}\n", scalar(&job.command)) };
            let text = format!("cron: {}\nschedule: {}\ncommand: {command}", scalar(&job.name), scalar(&job.schedule));
            (format!("cron/{safe}.yaml"), text)
        })
        .collect()
}
