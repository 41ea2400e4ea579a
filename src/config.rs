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
    /// SQL files `verify` runs after its Supabase stub, before the flags' `--stub` files.
    pub verify_stubs: Option<Vec<PathBuf>>,
    /// The database of `--db` without a URL, `status`, `apply` and `rollback` (after
    /// SCHEMAGEN_DB_URL).
    pub db_url: Option<String>,
    /// `[lint]`: rule id → `allow`, `warn` or `error`, over the rules' defaults.
    #[serde(default)]
    pub lint: crate::lint::Settings,
    /// `[[outside]]`: statements outside the model checked by hand, which `diff`, `check`
    /// and `generate` then let through (`crate::outside`).
    #[serde(default)]
    pub outside: Vec<crate::outside::Acknowledged>,
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
        let at = |offset: usize, message: String, hint: String| -> crate::diagnostic::Errors {
            Diagnostic::new(message).at(Origin::at_offset(&path, &text, offset), Some(&text)).hint(hint).into()
        };
        let invalid = |e: toml::de::Error| {
            at(e.span().map_or(0, |s| s.start), format!("{FILE} is invalid: {}", e.message()), KEYS_HINT.to_string())
        };
        // Parsed once for the keys and values where they are written, once into the struct.
        let table = toml::de::DeTable::parse(&text).map_err(invalid)?;
        for (key, value) in table.get_ref() {
            let name = key.get_ref().as_ref();
            if !KEYS.contains(&name) {
                let hint = match crate::diagnostic::closest(name, KEYS.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`? {KEYS_HINT}"),
                    None => KEYS_HINT.to_string(),
                };
                return Err(at(key.span().start, format!("{FILE}: unknown key `{}`", name.escape_debug()), hint));
            }
            let paths = match value.get_ref() {
                toml::de::DeValue::String(_) if PATH_KEYS.contains(&name) => std::slice::from_ref(value),
                toml::de::DeValue::Array(items) if ["sql", "verify_stubs"].contains(&name) => items.as_ref(),
                _ => &[],
            };
            if let Some(empty) =
                paths.iter().find(|v| matches!(v.get_ref(), toml::de::DeValue::String(s) if s.is_empty()))
            {
                return Err(at(
                    empty.span().start,
                    format!("{FILE}: `{name}` is an empty path"),
                    "name a file or directory, relative to the current directory (\".\" for the directory itself), or remove the key for its default".to_string(),
                ));
            }
            if name == "outside"
                && let toml::de::DeValue::Array(entries) = value.get_ref()
                && let Some((offset, message, hint)) = entries.iter().find_map(outside_entry_error)
            {
                return Err(at(offset, message, hint.to_string()));
            }
            if ["lock_timeout", "statement_timeout"].contains(&name)
                && let toml::de::DeValue::String(v) = value.get_ref()
                && !is_duration(v)
            {
                return Err(at(
                    value.span().start,
                    format!("{FILE}: `{name}` is not a duration: {}", v.escape_debug()),
                    "a whole number and a unit of us, ms, s, min, h or d, e.g. \"5s\" or \"15min\"; 0 waits forever"
                        .to_string(),
                ));
            }
        }
        toml::from_str(&text).map_err(invalid)
    }
}

/// The keys of the file, as `Config` names them.
const KEYS: &[&str] = &[
    "schema",
    "sql",
    "templates",
    "out",
    "rollback_dir",
    "single_file",
    "idempotent",
    "online",
    "lock_timeout",
    "statement_timeout",
    "verify_stubs",
    "db_url",
    "lint",
    "outside",
];

/// The keys whose value is one path.
const PATH_KEYS: &[&str] = &["schema", "templates", "out", "rollback_dir"];

const KEYS_HINT: &str = "keys: schema, sql, templates, out, rollback_dir, single_file, idempotent, online, \
                         lock_timeout, statement_timeout, verify_stubs, db_url, lint, outside; \
                         [lint] maps a rule id (docs/lint.md) to allow, warn or error; \
                         each [[outside]] takes fingerprint, file, kind and reason";

/// What is wrong with an `[[outside]]` entry, where: one that names no statement would let
/// every statement through, and a fingerprint is what the refusal prints, never a statement.
fn outside_entry_error(entry: &toml::Spanned<toml::de::DeValue<'_>>) -> Option<(usize, String, &'static str)> {
    let toml::de::DeValue::Table(keys) = entry.get_ref() else { return None };
    if !keys.iter().any(|(k, _)| crate::outside::SELECTORS.contains(&k.get_ref().as_ref())) {
        return Some((
            entry.span().start,
            format!("{FILE}: an [[outside]] entry names no statement"),
            "give it a `fingerprint` (the refusal prints it), a `file`, a `kind`, or several of them; an entry \
             of none would let every statement outside the model through",
        ));
    }
    keys.iter().find_map(|(k, v)| match v.get_ref() {
        toml::de::DeValue::String(f)
            if k.get_ref() == "fingerprint" && !(f.len() == 16 && f.chars().all(|c| c.is_ascii_hexdigit())) =>
        {
            Some((
                v.span().start,
                format!("{FILE}: `fingerprint` is not a fingerprint: {}", f.escape_debug()),
                "16 hexadecimal digits, as the refusal of the statement prints them after `fingerprint =`",
            ))
        }
        _ => None,
    })
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
    /// `KEYS` is checked before serde sees the file: a field missing from it could never be set.
    #[test]
    fn the_keys_are_the_fields() {
        let message = toml::from_str::<super::Config>("bogus = 1").unwrap_err().message().to_string();
        let fields: Vec<&str> =
            message.split_once("expected one of ").unwrap().1.split(", ").map(|f| f.trim_matches('`')).collect();
        assert_eq!(fields, super::KEYS);
        assert!(super::KEYS_HINT.starts_with(&format!("keys: {};", super::KEYS.join(", "))));
    }

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
