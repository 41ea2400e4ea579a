//! The server verify works on: the one of `--database-url`, the one named by
//! `SCHEMAGEN_PGHOST`/`SCHEMAGEN_PGPORT`, or a throwaway cluster started for the run and
//! removed after it; reached through `db.rs`, like every other command.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::db::Database;
use crate::diagnostic::{Diagnostic, Result};

const DEBIAN_ROOT: &str = "/usr/lib/postgresql";
const INSTALL_HINT: &str = "install PostgreSQL (`apt-get install postgresql`), or pass --database-url \
                            postgresql://user@host/db of a server where that role may create databases";

/// A server and how to reach it; a throwaway cluster stops when this is dropped.
pub struct Server {
    conn: Conn,
    /// Where the server is, for the progress line.
    pub description: String,
    _cluster: Option<Cluster>,
}

enum Conn {
    /// A libpq connection string or URI, as given.
    Url(String),
    /// A unix socket directory and port, as the superuser `postgres`.
    Socket { host: String, port: String },
}

impl Server {
    /// The server of `url`; else the one of `SCHEMAGEN_PGHOST`; else a throwaway cluster of
    /// the newest PostgreSQL installed.
    pub fn connect(url: Option<&str>) -> Result<Server> {
        let server = Self::find(url)?;
        server.open(None)?;
        Ok(server)
    }

    fn find(url: Option<&str>) -> Result<Server> {
        if let Some(url) = url {
            return Ok(Server {
                conn: Conn::Url(url.to_string()),
                description: "the server of --database-url".into(),
                _cluster: None,
            });
        }
        if let Some(host) = std::env::var("SCHEMAGEN_PGHOST").ok().filter(|h| !h.is_empty()) {
            let port = std::env::var("SCHEMAGEN_PGPORT").ok().filter(|p| !p.is_empty()).unwrap_or("5432".into());
            return Ok(Server {
                description: format!("the server at {host} port {port} (SCHEMAGEN_PGHOST)"),
                conn: Conn::Socket { host, port },
                _cluster: None,
            });
        }
        let installed = install_roots(Path::new(DEBIAN_ROOT));
        let Some(bin) = find_server_bin(&installed, std::env::var_os("PATH").as_deref()) else {
            return Err(Diagnostic::new(
                "no PostgreSQL to verify on: no --database-url, and no initdb and pg_ctl in \
                 /usr/lib/postgresql/*/bin or on PATH",
            )
            .hint(INSTALL_HINT)
            .into());
        };
        super::progress(&format!("starting a throwaway PostgreSQL ({})…", bin.display()));
        let cluster = Cluster::start(&bin)?;
        Ok(Server {
            description: "the throwaway PostgreSQL".into(),
            conn: Conn::Socket { host: cluster.dir.display().to_string(), port: Cluster::PORT.to_string() },
            _cluster: Some(cluster),
        })
    }

    /// A connection to database `db` (None: the one the URL names, or `postgres`).
    pub fn open(&self, db: Option<&str>) -> Result<Database> {
        let url = match &self.conn {
            Conn::Url(url) => db.map_or_else(|| url.clone(), |db| with_dbname(url, db)),
            Conn::Socket { host, port } => format!(
                "host={} port={} user=postgres dbname={}",
                keyword_value(host),
                keyword_value(port),
                keyword_value(db.unwrap_or("postgres"))
            ),
        };
        crate::db::connect(&url)
    }
}

/// A value of a key=value connection string, quoted as libpq reads it.
fn keyword_value(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `url` naming database `db` instead: a URI's path is replaced (and a `dbname` parameter
/// dropped), a key=value string gets a later `dbname`, which libpq lets win, and a bare
/// database name is replaced.
fn with_dbname(url: &str, db: &str) -> String {
    for scheme in ["postgresql://", "postgres://"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            let (path, query) = rest.split_once('?').map_or((rest, None), |(p, q)| (p, Some(q)));
            let authority = path.split_once('/').map_or(path, |(a, _)| a);
            let params: Vec<&str> = query
                .into_iter()
                .flat_map(|q| q.split('&'))
                .filter(|p| !p.is_empty() && !p.starts_with("dbname="))
                .collect();
            let mut out = format!("{scheme}{authority}/{db}");
            if !params.is_empty() {
                out.push('?');
                out.push_str(&params.join("&"));
            }
            return out;
        }
    }
    if url.contains('=') { format!("{url} dbname='{db}'") } else { db.to_string() }
}

/// The `bin` directories of `root` (Debian's /usr/lib/postgresql: one per major version),
/// newest first.
fn install_roots(root: &Path) -> Vec<PathBuf> {
    let mut bins: Vec<(Vec<u64>, PathBuf)> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let version = e.file_name().to_string_lossy().split('.').map(|p| p.parse().unwrap_or(0)).collect();
            (version, e.path().join("bin"))
        })
        .collect();
    // Newest first, by number: 9.6 < 10.
    bins.sort();
    bins.into_iter().rev().map(|(_, p)| p).collect()
}

/// The first of `bins`, then of the directories of `path`, that holds initdb and pg_ctl.
fn find_server_bin(bins: &[PathBuf], path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let on_path = path.map(|p| std::env::split_paths(p).collect::<Vec<_>>()).unwrap_or_default();
    bins.iter().chain(&on_path).find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file()).cloned()
}

/// A cluster in a temporary directory, on a unix socket there and no TCP port, run as the
/// `postgres` user when this process is root (initdb refuses root). Stopped and removed when
/// dropped.
struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

impl Cluster {
    /// Only names the socket file: the socket directory is private to the cluster.
    const PORT: u16 = 5432;

    fn start(bin: &Path) -> Result<Cluster> {
        let as_postgres = is_root();
        let base = if Path::new("/tmp").is_dir() { PathBuf::from("/tmp") } else { std::env::temp_dir() };
        let mut cluster = None;
        for n in 0..100 {
            let dir = base.join(format!("schemagen-verify-{}-{n}", std::process::id()));
            // As root the directory is made by `postgres`, which must own what initdb writes.
            let made = if as_postgres {
                as_user_postgres(Path::new("mkdir"))
                    .args(["-m", "700"])
                    .arg(&dir)
                    .output()
                    .is_ok_and(|o| o.status.success())
            } else {
                use std::os::unix::fs::DirBuilderExt as _;
                std::fs::DirBuilder::new().mode(0o700).create(&dir).is_ok()
            };
            if made {
                cluster = Some(Cluster { dir, bin: bin.to_path_buf(), as_postgres });
                break;
            }
            if as_postgres && !dir.exists() {
                return Err(Diagnostic::new(
                    "running as root, but the throwaway PostgreSQL cannot run as the user `postgres` \
                     (initdb refuses root)",
                )
                .hint("create the user (installing the `postgresql` package does), or pass --database-url")
                .into());
            }
        }
        let cluster = cluster.ok_or_else(|| {
            Diagnostic::new(format!("cannot create a directory for the throwaway PostgreSQL in {}", base.display()))
        })?;
        let data = cluster.dir.join("data");
        let out = cluster
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["--auth=trust", "-U", "postgres", "--encoding=UTF8", "--locale=C", "--no-sync"])
            .output()
            .map_err(|e| Diagnostic::new(format!("cannot run initdb: {e}")))?;
        if !out.status.success() {
            return Err(Diagnostic::new(format!(
                "initdb failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
            .into());
        }
        // Durability is pointless for a cluster that lives for one run.
        let settings = format!(
            "\nlisten_addresses = ''\nunix_socket_directories = '{}'\nport = {}\nfsync = off\n\
             synchronous_commit = off\nfull_page_writes = off\n",
            cluster.dir.display().to_string().replace('\'', "''"),
            Self::PORT
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .and_then(|mut f| f.write_all(settings.as_bytes()))
            .map_err(|e| Diagnostic::new(format!("cannot configure the throwaway PostgreSQL: {e}")))?;
        let log = cluster.dir.join("log");
        let started = cluster
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "start"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !started {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(Diagnostic::new(format!("the throwaway PostgreSQL did not start:\n{log}")).into());
        }
        Ok(cluster)
    }

    /// `program` of the cluster's installation, as the user that owns the cluster.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut cmd = if self.as_postgres { as_user_postgres(&program) } else { Command::new(program) };
        cmd.stdin(Stdio::null());
        cmd
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        if data.join("postmaster.pid").exists() {
            // Its data is thrown away next: no need for a clean shutdown.
            let _ = self
                .command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `program` run as the user `postgres` through runuser, which a minimal PATH may lack.
fn as_user_postgres(program: &Path) -> Command {
    let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .unwrap_or(Path::new("runuser"));
    let mut cmd = Command::new(runuser);
    cmd.args(["-u", "postgres", "--"]).arg(program);
    cmd
}

/// Whether this process runs as root: /proc/self belongs to the process's effective user.
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_keeps_its_server_and_parameters_and_names_the_scratch_database() {
        assert_eq!(
            with_dbname("postgresql://app:pw@db.example.com:6543/postgres?sslmode=require", "scratch"),
            "postgresql://app:pw@db.example.com:6543/scratch?sslmode=require"
        );
        assert_eq!(with_dbname("postgres://localhost", "scratch"), "postgres://localhost/scratch");
        assert_eq!(
            with_dbname("postgresql:///app?host=/run/pg&dbname=app&port=5433", "scratch"),
            "postgresql:///scratch?host=/run/pg&port=5433"
        );
    }

    #[test]
    fn a_keyword_string_gets_a_later_dbname_and_a_bare_name_is_replaced() {
        assert_eq!(with_dbname("host=/run/pg dbname=app", "scratch"), "host=/run/pg dbname=app dbname='scratch'");
        assert_eq!(with_dbname("app", "scratch"), "scratch");
    }

    #[test]
    fn the_server_is_the_newest_installed_then_one_on_path() {
        let root = tempfile::tempdir().unwrap();
        let dir = |name: &str, programs: &[&str]| {
            let d = root.path().join(name);
            std::fs::create_dir_all(&d).unwrap();
            for p in programs {
                std::fs::write(d.join(p), "").unwrap();
            }
            d
        };
        let v10 = dir("lib/10/bin", &["initdb", "pg_ctl"]);
        let v9 = dir("lib/9.6/bin", &["initdb", "pg_ctl"]);
        let client_only = dir("lib/17/bin", &["psql"]);
        let on_path = dir("path", &["initdb", "pg_ctl"]);
        let roots = install_roots(&root.path().join("lib"));
        assert_eq!(roots, [client_only.clone(), v10.clone(), v9]);
        let path = std::env::join_paths([&on_path]).unwrap();
        assert_eq!(find_server_bin(&roots, Some(&path)), Some(v10));
        assert_eq!(find_server_bin(std::slice::from_ref(&client_only), Some(&path)), Some(on_path));
        assert_eq!(find_server_bin(&[client_only], None), None);
    }
}
