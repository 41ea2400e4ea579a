//! A live PostgreSQL, reached with the `postgres` client crate (TLS by native-tls): the one
//! place that reads a database URL, picks TLS as libpq's `sslmode` means it, and names the
//! server in messages without ever showing the password.

use std::time::Duration;

use postgres::config::{Host, SslMode};
use postgres::{Client, Config};

use crate::diagnostic::{Diagnostic, Result};

/// How long one connection attempt may take before the host is called unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connected database and how to name it to a person.
pub struct Database {
    pub client: Client,
    /// `user@host:port/db`: never the password.
    pub description: String,
}

/// Where a URL points, parsed, with the TLS policy libpq's `sslmode` asks for.
pub struct Target {
    config: Config,
    /// `verify-ca`/`verify-full`: the certificate must chain to a trusted root and name the
    /// host. `require` encrypts without checking the certificate, as libpq does without a root
    /// certificate.
    verify: bool,
    pub description: String,
}

impl Target {
    /// Parses a `postgresql://` URI or a `key=value` connection string. The message of a
    /// refused URL never repeats the URL, which may hold a password.
    pub fn parse(url: &str) -> Result<Target> {
        let (url, verify) = libpq_sslmode(url);
        let mut config: Config = url.parse().map_err(|e: postgres::Error| {
            Diagnostic::new(format!("cannot read the database URL: {}", without_url(&cause(&e))))
                .hint("write it as postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require]")
        })?;
        if config.get_dbname().is_none() {
            let server = describe(&config);
            let server = server.trim_end_matches('/');
            return Err(Diagnostic::new(format!("the database URL of {server} names no database"))
                .hint("add the database after the host: postgresql://USER@HOST:PORT/postgres")
                .into());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("schemagen");
        }
        let description = describe(&config);
        Ok(Target { config, verify, description })
    }

    /// A connection; Err names the server and the cause (refused, unreachable, password,
    /// TLS), never the password.
    pub fn connect(&self) -> Result<Database> {
        let connected = if self.config.get_ssl_mode() == SslMode::Disable {
            self.config.connect(postgres::NoTls)
        } else {
            let tls = native_tls::TlsConnector::builder()
                .danger_accept_invalid_certs(!self.verify)
                .danger_accept_invalid_hostnames(!self.verify)
                .build()
                .map_err(|e| Diagnostic::new(format!("cannot set up TLS: {e}")))?;
            self.config.connect(postgres_native_tls::MakeTlsConnector::new(tls))
        };
        let client = connected.map_err(|e| {
            Diagnostic::new(format!("cannot connect to {}: {}", self.description, cause(&e)))
                .hint("check the URL (host, port, user, password, database, sslmode) and that the server accepts connections from here")
        })?;
        Ok(Database { client, description: self.description.clone() })
    }
}

impl Database {
    /// Runs `sql` (any number of statements) as one simple query, as psql -f would without
    /// ON_ERROR_STOP's per-statement round trips. Err is the server's message with the line
    /// and column in `sql` where PostgreSQL says the error is.
    pub fn run_script(&mut self, sql: &str) -> std::result::Result<(), ScriptError> {
        self.client.batch_execute(sql).map_err(|e| ScriptError::of(&e, sql))
    }
}

impl Database {
    /// The server's `server_version_num` (150004 for 15.4).
    pub fn version(&mut self) -> std::result::Result<i32, postgres::Error> {
        Ok(self.client.query_one("SELECT current_setting('server_version_num')::int", &[])?.get(0))
    }
}

/// A catalog query made to run on a server of `version`. The queries are written for
/// PostgreSQL 15 and later; before 15 a publication has no column list and no row filter
/// (`pg_publication_rel.prattrs` and `.prqual` do not exist), so there `ALIAS.prattrs` reads
/// as no columns and `ALIAS.prqual` as no filter. Nothing else the queries read differs
/// across 14 to 17 (17's MAINTAIN privilege is a value, filtered as such).
pub fn portable(sql: &str, version: i32, alias: &str) -> String {
    if version >= 150_000 {
        return sql.to_string();
    }
    sql.replace(&format!("{alias}.prattrs"), "'{}'::pg_catalog.int2[]")
        .replace(&format!("{alias}.prqual"), "null::pg_catalog.pg_node_tree")
}

/// A statement the server refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    pub message: String,
    /// Line and column (from 1) in the script, when the server gave a position.
    pub at: Option<(usize, usize)>,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl ScriptError {
    fn of(e: &postgres::Error, sql: &str) -> ScriptError {
        let Some(db) = e.as_db_error() else {
            return ScriptError { message: cause(e), at: None, detail: None, hint: None };
        };
        let at = match db.position() {
            Some(postgres::error::ErrorPosition::Original(p)) => {
                // The server counts characters from 1.
                let offset = sql.char_indices().nth((*p as usize).saturating_sub(1)).map_or(sql.len(), |(i, _)| i);
                let before = &sql[..offset];
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                Some((before.matches('\n').count() + 1, before[line_start..].chars().count() + 1))
            }
            _ => None,
        };
        ScriptError {
            message: db.message().to_string(),
            at,
            detail: db.detail().map(str::to_string),
            hint: db.hint().map(str::to_string),
        }
    }
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ERROR: {}", self.message)?;
        if let Some((line, column)) = self.at {
            write!(f, " (line {line}, column {column})")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\nDETAIL: {detail}")?;
        }
        Ok(())
    }
}

/// Parses `url` and connects.
pub fn connect(url: &str) -> Result<Database> {
    Target::parse(url)?.connect()
}

/// The client crate knows `disable`, `prefer` and `require`; libpq's verifying modes are
/// `require` plus certificate checks, done by the TLS connector.
fn libpq_sslmode(url: &str) -> (String, bool) {
    let mut verify = false;
    let mut out = url.to_string();
    for mode in ["verify-full", "verify-ca"] {
        let needle = format!("sslmode={mode}");
        if out.contains(&needle) {
            verify = true;
            out = out.replace(&needle, "sslmode=require");
        }
    }
    (out, verify)
}

/// `user@host:port/db`, for messages.
fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    format!("{user}{host}:{port}/{}", config.get_dbname().unwrap_or(""))
}

/// The client's error, with the server's own message where there is one (the crate's
/// top-level text is only "db error").
pub(crate) fn cause(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                let piece = s.to_string();
                if !text.contains(&piece) {
                    text = format!("{text}: {piece}");
                }
                source = s.source();
            }
            text
        }
    }
}

/// A parse error of the client quotes no URL today; cut anything after a URL scheme in case
/// a later version does.
fn without_url(message: &str) -> String {
    match message.find("://") {
        Some(i) => format!("{}…", &message[..message[..i].rfind(' ').map_or(0, |s| s + 1)]),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_names_user_host_port_and_database_but_never_the_password() {
        let t = Target::parse("postgresql://alice:s3cret@db.example.com:6543/postgres?sslmode=require").unwrap();
        assert_eq!(t.description, "alice@db.example.com:6543/postgres");
        assert!(!t.verify);
        let t = Target::parse("host=/tmp/sock port=5433 user=postgres dbname=x password=hunter2").unwrap();
        assert_eq!(t.description, "postgres@/tmp/sock:5433/x");
    }

    #[test]
    fn verifying_sslmodes_turn_on_certificate_checks() {
        let t = Target::parse("postgresql://u@h/d?sslmode=verify-full").unwrap();
        assert!(t.verify);
        assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
    }

    #[test]
    fn a_url_without_a_database_or_with_a_bad_option_is_refused_without_echoing_it() {
        let e = Target::parse("postgresql://u:pw@h:5432").err().unwrap().to_string();
        assert!(e.contains("names no database"), "{e}");
        let e = Target::parse("postgresql://u:topsecret@h/d?sslmode=bogus").err().unwrap().to_string();
        assert!(e.contains("sslmode") && !e.contains("topsecret"), "{e}");
    }

    /// On the test set-up's server (SCHEMAGEN_PGHOST); skipped without one.
    #[test]
    fn a_refused_statement_says_where_it_is_in_the_script() {
        let Ok(host) = std::env::var("SCHEMAGEN_PGHOST") else { return };
        let port = std::env::var("SCHEMAGEN_PGPORT").unwrap_or("5432".into());
        let mut db = connect(&format!("host={host} port={port} user=postgres dbname=postgres")).unwrap();
        let e = db.run_script("select 1;\nselect 2;\n  select nope_column;\n").unwrap_err();
        assert!(e.message.contains("nope_column"), "{e}");
        assert_eq!(e.at, Some((3, 10)));
    }

    #[test]
    fn before_15_publication_columns_and_filters_read_as_none() {
        let sql = "select any(r.prattrs), pg_get_expr(r.prqual, r.prrelid)";
        assert_eq!(portable(sql, 150_004, "r"), sql);
        assert_eq!(
            portable(sql, 140_011, "r"),
            "select any('{}'::pg_catalog.int2[]), pg_get_expr(null::pg_catalog.pg_node_tree, r.prrelid)"
        );
    }

    #[test]
    fn an_unreachable_server_is_named_without_the_password() {
        let e = connect("postgresql://bob:pa55word@127.0.0.1:1/postgres?connect_timeout=2").err().unwrap().to_string();
        assert!(e.contains("bob@127.0.0.1:1/postgres") && !e.contains("pa55word"), "{e}");
    }
}
