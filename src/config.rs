//! `schemagen.toml`: defaults for the command-line options, read from the current directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Origin, Result};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory of the YAML files (default `schema`).
    pub schema: Option<PathBuf>,
    /// SQL files or directories that hold the current schema (default `supabase/migrations`).
    pub sql: Option<Vec<PathBuf>>,
    /// Directory of templates that override the embedded ones.
    pub templates: Option<PathBuf>,
    /// Where `generate` writes migrations (default: the first `sql` directory).
    pub out: Option<PathBuf>,
    /// Where `generate` writes rollbacks (default: `rollbacks` beside `out`).
    pub rollback_dir: Option<PathBuf>,
    /// `generate` writes one file instead of schema, policy and trigger files.
    pub single_file: Option<bool>,
    /// Guarded SQL that can run twice.
    pub idempotent: Option<bool>,
    /// Online-safe plans, as `--online`.
    pub online: Option<bool>,
    /// `SET lock_timeout` at the top of each online file (default 5s).
    pub lock_timeout: Option<String>,
    /// `SET statement_timeout` at the top of each online file (default 15min).
    pub statement_timeout: Option<String>,
    /// `[lint]`: rule id → `allow`, `warn` or `error`, over the rules' defaults.
    #[serde(default)]
    pub lint: crate::lint::Settings,
}

pub const FILE: &str = "schemagen.toml";
pub const LOCK_TIMEOUT: &str = "5s";
pub const STATEMENT_TIMEOUT: &str = "15min";

impl Config {
    /// Whether plans are online-safe: by `--online` (`flag`) or by the config.
    pub fn wants_online(&self, flag: bool) -> bool {
        flag || self.online.unwrap_or(false)
    }

    /// The config in `dir`, or the defaults when there is none.
    pub fn load(dir: &Path) -> Result<Config> {
        let path = dir.join(FILE);
        if !path.is_file() {
            return Ok(Config::default());
        }
        let text = crate::source::read(&path)?;
        let config: Config = toml::from_str(&text).map_err(|e| -> crate::diagnostic::Errors {
            let offset = e.span().map_or(0, |s| s.start);
            Diagnostic::new(format!("{FILE} is invalid: {}", e.message()))
                .at(Origin::at_offset(&path, &text, offset), Some(&text))
                .hint(
                    "keys: schema, sql, templates, out, rollback_dir, single_file, idempotent, online, \
                     lock_timeout, statement_timeout, lint; \
                     [lint] maps a rule id (docs/lint.md) to allow, warn or error",
                )
                .into()
        })?;
        for (key, value) in [("lock_timeout", &config.lock_timeout), ("statement_timeout", &config.statement_timeout)] {
            if let Some(v) = value
                && !is_duration(v)
            {
                let offset = text.find(key).unwrap_or(0);
                return Err(Diagnostic::new(format!("{FILE}: `{key}` is not a duration: {}", v.escape_debug()))
                    .at(Origin::at_offset(&path, &text, offset), Some(&text))
                    .hint("a whole number and a unit of us, ms, s, min, h or d, e.g. \"5s\" or \"15min\"; 0 waits forever")
                    .into());
            }
        }
        Ok(config)
    }
}

/// A value PostgreSQL takes for a time setting: a whole number, then optionally a unit.
fn is_duration(value: &str) -> bool {
    let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = value[digits.len()..].trim_start();
    let digits = digits.trim_end();
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && ["", "us", "ms", "s", "min", "h", "d"].contains(&unit)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_are_whole_numbers_with_a_unit() {
        for ok in ["5s", "15min", "0", "250 ms", "1d"] {
            assert!(super::is_duration(ok), "{ok}");
        }
        for bad in ["", "-5s", "5 seconds", "5s'; DROP TABLE x; --", "1.5s", "s"] {
            assert!(!super::is_duration(bad), "{bad}");
        }
    }
}
