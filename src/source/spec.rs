//! What a command-line argument names as a schema: a folder of YAML, SQL files (a
//! migrations folder, a dump, `supabase/schemas/`), or a live database, and where the URL
//! of `--db` comes from when it is given bare.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Result};
use crate::model::Schema;

/// The environment variable `--db` reads when it is given without a URL; before
/// `db_url` in schemagen.toml, so that a password need never be written in a file.
pub const DB_URL_VAR: &str = "SCHEMAGEN_DB_URL";

pub enum Spec {
    Yaml(PathBuf),
    Sql(PathBuf),
    Db(String),
}

impl Spec {
    /// A `postgres://`/`postgresql://` URL or a `key=value` connection string is a database;
    /// a YAML file, or a folder holding any, is YAML; anything else is SQL.
    pub fn parse(text: &str) -> Spec {
        if is_url(text) {
            return Spec::Db(text.to_string());
        }
        let path = PathBuf::from(text);
        let yaml = |p: &Path| p.extension().is_some_and(|e| e == "yaml" || e == "yml");
        let holds_yaml = path.is_dir() && crate::source::files_in(&path, &["yaml", "yml"]).is_ok_and(|f| !f.is_empty());
        if yaml(&path) || holds_yaml { Spec::Yaml(path) } else { Spec::Sql(path) }
    }

    /// How messages name it: a database without its password.
    pub fn describe(&self) -> String {
        match self {
            Spec::Yaml(p) | Spec::Sql(p) => p.display().to_string(),
            Spec::Db(url) => crate::db::Target::parse(url).map_or_else(|_| "the database".into(), |t| t.description),
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self, Spec::Db(_))
    }

    pub fn load(&self, templates: Option<&Path>) -> Result<Schema> {
        Ok(self.load_live(templates)?.0)
    }

    /// The schema, and for a database the connection it was read on (a comparison asks the
    /// server how it prints constants: `live::compared_forms`).
    pub fn load_live(&self, templates: Option<&Path>) -> Result<(Schema, Option<crate::db::Database>)> {
        match self {
            Spec::Yaml(p) => Ok((crate::load_desired_with(p, templates)?, None)),
            Spec::Sql(p) => Ok((crate::load_current(std::slice::from_ref(p))?.0, None)),
            Spec::Db(url) => {
                let mut db = crate::db::connect(url)?;
                Ok((crate::source::live::load(&mut db)?.0, Some(db)))
            }
        }
    }
}

fn is_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://") || text.contains("dbname=")
}

/// The URL of `--db`: the flag's value, else `SCHEMAGEN_DB_URL`, else `db_url` of the config.
pub fn db_url(flag: &str, config: &Config) -> Result<String> {
    if !flag.is_empty() {
        return Ok(flag.to_string());
    }
    if let Ok(url) = std::env::var(DB_URL_VAR)
        && !url.is_empty()
    {
        return Ok(url);
    }
    config.db_url.clone().filter(|u| !u.is_empty()).ok_or_else(|| {
        Diagnostic::new(format!("no database named: no URL after --db, and neither {DB_URL_VAR} nor db_url is set"))
            .hint(format!(
                "pass --db postgresql://USER@HOST:PORT/DATABASE, or set {DB_URL_VAR} or db_url in schemagen.toml"
            ))
            .into()
    })
}
