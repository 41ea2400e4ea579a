//! YAML of pg_cron jobs: a `cron:` file each.

use std::collections::BTreeSet;

use super::{objects::block, scalar};
use crate::model::Schema;

pub(super) fn files(schema: &Schema) -> Vec<(String, String)> {
    let mut taken = BTreeSet::new();
    schema
        .cron_jobs
        .values()
        .map(|job| {
            let safe: String =
                job.name.chars().map(|c| if c.is_alphanumeric() || matches!(c, '_' | '-') { c } else { '_' }).collect();
            // Job names are any text: two may make the same file name (`a b`, `a_b`).
            let path = (1..)
                .map(|n| if n == 1 { format!("cron/{safe}.yaml") } else { format!("cron/{safe}-{n}.yaml") })
                .find(|p| taken.insert(p.clone()))
                .expect("some number is free");
            let command =
                if job.command.contains('\n') { block(&job.command) } else { format!("{}\n", scalar(&job.command)) };
            let text = format!("cron: {}\nschedule: {}\ncommand: {command}", scalar(&job.name), scalar(&job.schedule));
            (path, text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn jobs_whose_names_make_the_same_file_name_get_a_file_each() {
        let schema = crate::source::replayed(
            "select cron.schedule('a b', '@daily', 'select 1');\nselect cron.schedule('a_b', '@hourly', 'select 2');",
        );
        let files = super::files(&schema);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["cron/a_b.yaml", "cron/a_b-2.yaml"]);
        assert!(files[0].1.starts_with("cron: a b\n") && files[1].1.starts_with("cron: a_b\n"), "{files:?}");
    }
}
