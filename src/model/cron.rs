//! pg_cron jobs: named schedules a migration declares with `cron.schedule(name, schedule,
//! command)`. A job lives in `cron.job`, a table of rows, yet it is what the project means
//! to run, so the model holds the named ones as intent.

use serde::Serialize;

/// A named job of the current database, as `cron.schedule(name, schedule, command)` makes
/// it (active, run as the migration role).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CronJob {
    pub name: String,
    /// Five cron fields, `N seconds`, or a `@daily`-style word, as written.
    pub schedule: String,
    /// The SQL the job runs, as written.
    pub command: String,
}

/// Why `schedule` is not a schedule pg_cron accepts, or None when it is: five fields of
/// `0-9 * , - /` (and month or weekday names), `N seconds` with N from 1 to 59, or one of
/// pg_cron's `@` words.
pub fn schedule_problem(schedule: &str) -> Option<String> {
    const WORDS: &[&str] =
        &["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@reboot"];
    let s = schedule.trim();
    if s.starts_with('@') {
        return (!WORDS.contains(&s.to_ascii_lowercase().as_str()))
            .then(|| format!("`{s}` is not one of {}", WORDS.join(", ")));
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if let [n, unit] = fields.as_slice()
        && matches!(unit.to_ascii_lowercase().as_str(), "second" | "seconds")
    {
        return match n.parse::<u32>() {
            Ok(1..=59) => None,
            _ => Some(format!("`{n}` seconds: pg_cron takes 1 to 59 seconds")),
        };
    }
    if fields.len() != 5 {
        return Some(format!("{} fields where cron takes five (minute hour day month weekday)", fields.len()));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '*' | ',' | '-' | '/' | '$');
    fields.iter().find(|f| !f.chars().all(allowed)).map(|f| format!("field `{f}` has a character cron does not take"))
}

#[cfg(test)]
mod tests {
    use super::schedule_problem;

    #[test]
    fn schedules_pg_cron_takes_and_refuses() {
        for ok in ["0 3 * * *", "*/5 * * * *", "0 0 1,15 * mon-fri", "30 seconds", "@daily", "0 12 $ * *"] {
            assert_eq!(schedule_problem(ok), None, "{ok}");
        }
        for bad in ["0 3 * *", "every day", "0 seconds", "90 seconds", "@sometimes", "0 3 * * * *", "0 3 ; * *"] {
            assert!(schedule_problem(bad).is_some(), "{bad}");
        }
    }
}
