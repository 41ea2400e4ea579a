//! Real-PostgreSQL test harness, shared by the integration tests (`mod support;`).
//!
//! ```ignore
//! mod support;
//!
//! let db = support::server().fresh_db();
//! db.apply("create table t (id int primary key);").unwrap();
//! assert!(db.catalog().contains("table public.t "));
//! ```
//!
//! The server is the one named by `SCHEMAGEN_PGHOST` (a unix socket directory) and
//! `SCHEMAGEN_PGPORT`, or else the throwaway cluster of `scripts/pg.sh`, started on first use.
//! Every test database is a copy of the template `schemagen_tmpl`, which holds
//! `src/verify/supabase_stub.sql` (the stub `schemagen verify` ships) and is rebuilt whenever
//! that file changes. The corpus suite's databases
//! come from a second template, `schemagen_corpus_tmpl`, which adds the corpus stubs. All talking to the server goes through `psql` (std only, no client crate). Set `SCHEMAGEN_KEEP_FAILED_DB=1` to
//! keep the database of a failing test for inspection.
#![allow(dead_code)]

pub mod project;
pub mod rng;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Name of the template database every test database is created from.
pub const TEMPLATE_DB: &str = "schemagen_tmpl";
/// The template of the corpus suite: `TEMPLATE_DB` with the corpus stubs (see `corpus_db`).
const CORPUS_TEMPLATE_DB: &str = "schemagen_corpus_tmpl";
/// Key of the advisory lock that serializes (re)building the template across processes.
const TEMPLATE_LOCK_KEY: i64 = 0x0053_4745_4e54_4d50;
const DEFAULT_PORT: u16 = 54329;
const CATALOG_SQL: &str = include_str!("../pg/catalog.sql");
const SETUP_HINT: &str = "run scripts/setup.sh (installs PostgreSQL), then scripts/pg.sh start, \
     or point SCHEMAGEN_PGHOST/SCHEMAGEN_PGPORT at a running server";

static SERVER: OnceLock<Server> = OnceLock::new();
static CORPUS_TEMPLATE: OnceLock<()> = OnceLock::new();
static DB_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A running PostgreSQL server reached through a unix socket directory.
#[derive(Clone, Debug)]
pub struct Server {
    /// Unix socket directory (psql `-h`).
    pub host: String,
    pub port: u16,
    psql: PathBuf,
}

/// The shared server, started (and its template database built) on first use.
pub fn server() -> &'static Server {
    SERVER.get_or_init(start_server)
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn start_server() -> Server {
    let psql = find_psql();
    let (host, port) = match std::env::var("SCHEMAGEN_PGHOST") {
        Ok(host) if !host.is_empty() => {
            let port = std::env::var("SCHEMAGEN_PGPORT")
                .ok()
                .filter(|p| !p.is_empty())
                .map(|p| p.parse::<u16>().unwrap_or_else(|_| panic!("SCHEMAGEN_PGPORT is not a port: {p:?}")))
                .unwrap_or(DEFAULT_PORT);
            (host, port)
        }
        _ => start_local_cluster(),
    };
    let server = Server { host, port, psql };
    if let Err(e) = server.run("postgres", &[], "select 1;") {
        panic!("cannot connect to PostgreSQL at {} port {}: {e}\n{SETUP_HINT}", server.host, server.port);
    }
    server.ensure_template(TEMPLATE_DB, "template1", &[repo_root().join("src/verify/supabase_stub.sql")]);
    server.drop_stale_dbs();
    server
}

/// `bash scripts/pg.sh start`, then read PGHOST/PGPORT from `scripts/pg.sh env`.
fn start_local_cluster() -> (String, u16) {
    let root = repo_root();
    let script = root.join("scripts/pg.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg("start")
        .current_dir(&root)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}", script.display()));
    if !out.status.success() {
        panic!(
            "could not start PostgreSQL with `bash scripts/pg.sh start` ({}):\n{}{}\n{SETUP_HINT}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(r#"eval "$(bash "$1" env)" && printf '%s\n%s\n' "$PGHOST" "$PGPORT""#)
        .arg("bash")
        .arg(&script)
        .current_dir(&root)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}", script.display()));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    match (out.status.success(), lines.next(), lines.next()) {
        (true, Some(host), Some(port)) if !host.is_empty() => {
            let port = port.trim().parse().unwrap_or_else(|_| panic!("`scripts/pg.sh env` gave a bad port: {port:?}"));
            (host.to_string(), port)
        }
        _ => panic!("`bash scripts/pg.sh env` failed ({}): {text}{}", out.status, String::from_utf8_lossy(&out.stderr)),
    }
}

/// Newest `/usr/lib/postgresql/<v>/bin/psql`, else `psql` on PATH.
fn find_psql() -> PathBuf {
    let mut found: Vec<(Vec<u64>, PathBuf)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/usr/lib/postgresql") {
        for entry in dir.flatten() {
            let psql = entry.path().join("bin/psql");
            if psql.is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let version = name.split('.').map(|p| p.parse().unwrap_or(0)).collect();
                found.push((version, psql));
            }
        }
    }
    found.sort();
    if let Some((_, psql)) = found.pop() {
        return psql;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let psql = dir.join("psql");
            if psql.is_file() {
                return psql;
            }
        }
    }
    panic!("psql not found (looked in /usr/lib/postgresql/*/bin and PATH); {SETUP_HINT}");
}

/// 64-bit FNV-1a: a stable fingerprint of the stub (std's hashers are not stable).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Quotes an SQL identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes an SQL string literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `s` as a double-quoted YAML scalar, which reads back as `s` in any context.
pub fn yq(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Server {
    /// A `psql` command connected to database `db`: no psqlrc, quiet, stop at the first error,
    /// notices suppressed, UTC and ISO dates so query output is stable.
    pub fn psql_command(&self, db: &str) -> Command {
        let mut cmd = Command::new(&self.psql);
        cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", &self.host])
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db])
            .env("PGOPTIONS", "-c client_min_messages=warning")
            .env("PGCLIENTENCODING", "UTF8")
            .env("PGTZ", "UTC")
            .env("PGDATESTYLE", "ISO, YMD")
            .env("PGAPPNAME", "schemagen-tests")
            .env_remove("PGSERVICE")
            .env_remove("PGSERVICEFILE");
        cmd
    }

    /// Runs `sql` (on stdin) in `db` with extra psql arguments; Ok(stdout) or Err(stderr).
    fn run(&self, db: &str, args: &[&str], sql: &str) -> Result<String, String> {
        let mut child = self
            .psql_command(db)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.psql.display()))?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let input = sql.to_owned();
        // Feed stdin from a thread: psql may fill the stdout pipe before it has read everything.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
            let _ = stdin.write_all(b"\n");
        });
        let out = child.wait_with_output().map_err(|e| format!("psql failed: {e}"))?;
        let _ = writer.join();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            Ok(stdout)
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr).trim_end().to_string();
            Err(if stderr.is_empty() { format!("psql exited with {}; output: {stdout}", out.status) } else { stderr })
        }
    }

    /// A new, empty database (a copy of the template, so with the Supabase stub), dropped when
    /// the returned value is dropped.
    pub fn fresh_db(&self) -> Db {
        self.fresh_db_from(TEMPLATE_DB)
    }

    fn fresh_db_from(&self, template: &str) -> Db {
        let n = DB_COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("sg_{}_{}", std::process::id(), n);
        // Database-level settings do not travel with TEMPLATE: set the stub's search_path again.
        let sql = format!(
            "drop database if exists {db} with (force);\n\
             create database {db} template {tmpl};\n\
             alter database {db} set search_path to \"$user\", public, extensions;\n",
            db = ident(&name),
            tmpl = ident(template)
        );
        let mut attempt = 0;
        loop {
            match self.run("postgres", &[], &sql) {
                Ok(_) => break,
                // Another session may briefly be connected to the template (or rebuilding it, when
                // several checkouts with different stubs share one server).
                Err(e) if e.contains("being accessed by other users") && attempt < 300 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("cannot create test database {name}: {e}"),
            }
        }
        Db { name, server: self.clone() }
    }

    /// Builds template database `name` as a copy of `base` with the SQL `files` applied, unless
    /// it exists and was built from the same files. Serialized across processes by an
    /// advisory lock, and built under another name then renamed, so a half-built template is
    /// never used.
    fn ensure_template(&self, name: &str, base: &str, files: &[PathBuf]) {
        let mut hash = String::new();
        for path in files {
            let text = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            hash.push_str(&format!("{:016x}", fnv1a(&text)));
        }
        let tag = format!("schemagen supabase stub {hash}");
        let current_sql =
            format!("select shobj_description(oid, 'pg_database') from pg_database where datname = {};", literal(name));
        let is_current = |server: &Server| {
            server.run("postgres", &["-A", "-t"], &current_sql).map(|out| out.trim() == tag).unwrap_or(false)
        };
        if is_current(self) {
            return;
        }
        let _lock = AdvisoryLock::acquire(self, TEMPLATE_LOCK_KEY);
        if is_current(self) {
            return; // built by another process meanwhile
        }
        let build = format!("{name}_build");
        let prepare = format!(
            "drop database if exists {tmpl} with (force);\n\
             drop database if exists {build} with (force);\n\
             create database {build} template {base};\n",
            tmpl = ident(name),
            build = ident(&build),
            base = ident(base)
        );
        self.run("postgres", &[], &prepare).unwrap_or_else(|e| panic!("cannot create database {build}: {e}"));
        for path in files {
            let out = self
                .psql_command(&build)
                .arg("-f")
                .arg(path)
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
            if !out.status.success() {
                panic!(
                    "loading {} failed (are the stand-in extensions installed? run scripts/setup.sh):\n{}",
                    path.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        let finish = format!(
            "alter database {build} rename to {tmpl};\n\
             comment on database {tmpl} is {tag};\n",
            build = ident(&build),
            tmpl = ident(name),
            tag = literal(&tag)
        );
        self.run("postgres", &[], &finish).unwrap_or_else(|e| panic!("cannot install template {name}: {e}"));
    }

    /// Drops test databases left behind by test processes that no longer exist (Linux only).
    fn drop_stale_dbs(&self) {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let Ok(names) = self.run(
            "postgres",
            &["-A", "-t"],
            "select datname from pg_database where datname ~ '^sg_[0-9]+_[0-9]+$';",
        ) else {
            return;
        };
        let me = std::process::id().to_string();
        for name in names.lines() {
            let pid = name.split('_').nth(1).unwrap_or("");
            if pid != me && !Path::new("/proc").join(pid).exists() {
                let _ = self.run("postgres", &[], &format!("drop database if exists {} with (force);", ident(name)));
            }
        }
    }
}

/// A session-level advisory lock held by a psql process until dropped (or until this process
/// dies: psql then sees end of input, exits, and the lock goes with its session).
struct AdvisoryLock {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl AdvisoryLock {
    fn acquire(server: &Server, key: i64) -> AdvisoryLock {
        let mut child = server
            .psql_command("postgres")
            .args(["-A", "-t"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
        let mut stdin = child.stdin.take().expect("piped stdin");
        // \warn writes to stderr, which is unbuffered: we see it as soon as the lock is ours.
        writeln!(stdin, "select pg_advisory_lock({key});\n\\warn schemagen-locked").expect("write to psql");
        stdin.flush().expect("flush psql stdin");
        let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            match stderr.read_line(&mut line) {
                Ok(0) | Err(_) => {
                    let _ = child.wait();
                    panic!("could not take the template lock: {seen}");
                }
                Ok(_) if line.trim_end() == "schemagen-locked" => break,
                Ok(_) => seen.push_str(&line),
            }
        }
        AdvisoryLock { child, stdin: Some(stdin) }
    }
}

impl Drop for AdvisoryLock {
    fn drop(&mut self) {
        drop(self.stdin.take()); // end of input: psql exits, the session and its lock end
        let _ = self.child.wait();
    }
}

/// A test database, dropped (WITH (FORCE)) when this value is dropped.
pub struct Db {
    pub name: String,
    server: Server,
}

impl Db {
    /// Runs `sql` as a psql script (`-v ON_ERROR_STOP=1`, not in one transaction, so the
    /// script may hold its own BEGIN/COMMIT and CREATE INDEX CONCURRENTLY). Err holds psql's
    /// stderr, e.g. `psql:<stdin>:1: ERROR:  syntax error at or near ...`.
    pub fn apply(&self, sql: &str) -> Result<(), String> {
        self.server.run(&self.name, &[], sql).map(|_| ())
    }

    /// Runs `sql` and returns its rows unaligned, without headers, fields separated by `|`,
    /// one row per line (no trailing newline). NULL prints as an empty field.
    pub fn query(&self, sql: &str) -> Result<String, String> {
        let out = self.server.run(&self.name, &["-A", "-t", "-F", "|"], sql)?;
        Ok(out.strip_suffix('\n').unwrap_or(&out).to_string())
    }

    /// Canonical text of the database's schema (see tests/pg/catalog.sql): one sorted line per
    /// fact, so databases built differently but equal give equal strings.
    pub fn catalog(&self) -> String {
        let out = self
            .server
            .run(&self.name, &["-A", "-t"], CATALOG_SQL)
            .unwrap_or_else(|e| panic!("catalog query failed on {}: {e}", self.name));
        let mut lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
        lines.sort_unstable();
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }

    /// psql connected to this database (for tests that need other psql options).
    pub fn psql_command(&self) -> Command {
        self.server.psql_command(&self.name)
    }

    /// libpq connection string for this database.
    pub fn conninfo(&self) -> String {
        format!("host={} port={} user=postgres dbname={}", self.server.host, self.server.port, self.name)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if std::thread::panicking() && std::env::var_os("SCHEMAGEN_KEEP_FAILED_DB").is_some() {
            eprintln!("keeping test database {} ({})", self.name, self.conninfo());
            return;
        }
        let _ =
            self.server.run("postgres", &[], &format!("drop database if exists {} with (force);", ident(&self.name)));
    }
}

/// Panics with the lines only in `left` and only in `right` when the catalogs differ.
pub fn assert_catalog_eq(left: &str, right: &str, what: &str) {
    if let Some(diff) = catalog_diff(left, right) {
        panic!("{what}: catalogs differ\n{diff}");
    }
}

/// None when equal, else a readable report of the lines only in `left` / only in `right`.
pub fn catalog_diff(left: &str, right: &str) -> Option<String> {
    if left == right {
        return None;
    }
    let mut count: HashMap<&str, i64> = HashMap::new();
    for line in left.lines() {
        *count.entry(line).or_default() += 1;
    }
    for line in right.lines() {
        *count.entry(line).or_default() -= 1;
    }
    let mut only_left = Vec::new();
    let mut only_right = Vec::new();
    for (line, n) in count {
        for _ in 0..n.abs() {
            if n > 0 {
                only_left.push(line);
            } else {
                only_right.push(line);
            }
        }
    }
    only_left.sort_unstable();
    only_right.sort_unstable();
    let mut msg = String::new();
    if only_left.is_empty() && only_right.is_empty() {
        msg.push_str("(same lines, in a different order or with different line endings)\n");
    }
    msg.push_str(&format!("--- only in left ({}):\n", only_left.len()));
    for line in &only_left {
        msg.push_str(&format!("-   {line}\n"));
    }
    msg.push_str(&format!("+++ only in right ({}):\n", only_right.len()));
    for line in &only_right {
        msg.push_str(&format!("+   {line}\n"));
    }
    Some(msg)
}

/// The `.sql` files of a directory, in file-name order (how migration runners apply them).
pub fn sql_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// The seeds of a seeded test: the one in `seed_var` (to replay a failure), else 1 to the
/// number in `cases_var` (default `default`).
pub fn seeds(seed_var: &str, cases_var: &str, default: u64) -> Vec<u64> {
    match std::env::var(seed_var) {
        Ok(s) => vec![s.parse().unwrap_or_else(|_| panic!("{seed_var} is a number"))],
        Err(_) => {
            let n: u64 = std::env::var(cases_var).ok().and_then(|n| n.parse().ok()).unwrap_or(default);
            (1..=n).collect()
        }
    }
}

/// `f` of every item, in the items' order, computed on a few threads: each case of the
/// database suites mostly waits on psql and the server, so cases overlap well even on two
/// cores. A panic in `f` ends its thread and is re-raised once the other threads have run
/// the remaining items.
pub fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const THREADS: usize = 4;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS.min(items.len()))
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { return out };
                        out.push((i, f(item)));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// `../shared`, beside the project.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// A fresh database with the project stub, corpus_setup.sql, the shared stub and its extras:
/// a copy of a second template that holds them, built once rather than replayed into every
/// database.
pub fn corpus_db(server: &Server) -> Db {
    CORPUS_TEMPLATE.get_or_init(|| {
        let shared = shared_dir().join("pg");
        let files = [
            repo_root().join("src/verify/supabase_stub.sql"),
            repo_root().join("tests/pg/corpus_setup.sql"),
            shared.join("supabase-stub.sql"),
            shared.join("supabase-stub-extras.sql"),
        ];
        server.ensure_template(CORPUS_TEMPLATE_DB, "template1", &files);
    });
    server.fresh_db_from(CORPUS_TEMPLATE_DB)
}

/// The fixture case directories of tests/fixtures, in name order.
pub fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}
