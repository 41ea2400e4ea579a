//! Mutation fuzzing of the ways input gets in: the YAML loader, the SQL loader, and the
//! diff, plan and render of what they load. Seeded with every fixture (its `schema/` files
//! and its `current/` SQL), mutated (bits flipped, cut short, lines repeated or dropped, two
//! inputs spliced, 10,000 brackets, huge numbers, NUL bytes, bytes that are not UTF-8, YAML
//! and SQL tokens, a key of the format with an odd value), and run under `catch_unwind`: no input may panic, hang or overflow the
//! stack. Inputs that once did are in `tests/fuzz_regressions/`, run by a test of their own.
//!
//! `FUZZ_ITERATIONS=n` (default 300, a few seconds) sets how many mutants run, `FUZZ_SEED=n`
//! the seed. The input being run is always on disk in `target/tmp/fuzz/<target>/`, so one
//! that kills the process (a stack overflow) is there afterwards; one that panics is copied
//! to `target/tmp/fuzz/crash-<n>/`. Runs on a thread with the stack of a main thread (8 MiB),
//! where the binary runs.

mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use schemagen::diagnostic::Errors;
use schemagen::model::Schema;
use schemagen::render::Renderer;
use schemagen::source::sql::{LoadReport, load_text};
use schemagen::{Direction, load_current, load_desired, plan_migration, render_file};
use support::rng::Rng;

/// The stack of a process's main thread on Linux, where the binary runs.
const STACK: usize = 8 << 20;
/// Longer than any input takes in a debug build: past it, the input hangs.
const HANG: Duration = Duration::from_secs(20);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture's input: its YAML files (path under `schema/`, bytes) and its SQL, concatenated.
#[derive(Clone)]
struct Seed {
    yaml: Vec<(PathBuf, Vec<u8>)>,
    sql: Vec<u8>,
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for p in entries.flatten().map(|e| e.path()) {
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out.sort();
    out
}

fn seeds() -> Vec<Seed> {
    let mut fixtures = files_under(&root().join("tests/fixtures"));
    fixtures.retain(|p| p.file_name().is_some_and(|n| n == "README"));
    let seeds: Vec<Seed> = fixtures
        .iter()
        .filter_map(|readme| readme.parent())
        .map(|dir| Seed {
            yaml: files_under(&dir.join("schema"))
                .into_iter()
                .map(|p| (p.strip_prefix(dir.join("schema")).unwrap().to_path_buf(), std::fs::read(&p).unwrap()))
                .collect(),
            sql: files_under(&dir.join("current"))
                .iter()
                .map(|p| std::fs::read(p).unwrap())
                .collect::<Vec<_>>()
                .join(&b'\n'),
        })
        .collect();
    assert!(seeds.len() >= 60, "found {} fixtures", seeds.len());
    seeds
}

/// Tokens that mean something to YAML or SQL.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "\n  ",
    "\t",
    "'",
    "\"",
    "`",
    "{",
    "}",
    "[",
    "]",
    "&a ",
    "*a",
    "!!str ",
    "|\n",
    ">-\n",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "? ",
    "#",
    ",",
    "(",
    ")",
    ";",
    "$$",
    "$x$",
    "--",
    "/*",
    "*/",
    "E'\\",
    "U&\"",
    "::",
    "null",
    "~",
    "true",
    "table: ",
    "columns:\n",
    "references ",
    "check (",
    "default ",
    "primary key",
    "unique",
    "not null",
    "generated always as identity",
    "create table t (",
    "alter table ",
    "drop table ",
    "do $$ begin ",
    "create policy ",
    "\\connect x\n",
    "copy t from stdin;\n",
    "varchar(",
    "numeric(",
    "[]",
    "(like t)",
    "partition of ",
    "inherits (",
];

/// Numbers no type, length or sequence option can hold.
const HUGE: &[&str] = &[
    "99999999999999999999999999999999999999",
    "-9223372036854775809",
    "2147483648",
    "1e999999",
    "0x7fffffffffffffffffff",
    "-0",
    "NaN",
];

/// A byte that never starts a character, a start without its end, a surrogate.
const NOT_UTF8: &[&[u8]] = &[&[0xff], &[0xc3], &[0xe2, 0x82], &[0xed, 0xa0, 0x80]];

fn nesting(rng: &mut Rng) -> Vec<u8> {
    let open = *rng.pick(&["[", "(", "{", "- ", "abs(", "-", "array[", "(select ", "begin ", "{a: "]);
    open.repeat(10_000).into_bytes()
}

fn insert(out: &mut Vec<u8>, at: usize, piece: &[u8]) {
    *out = [&out[..at], piece, &out[at..]].concat();
}

/// One to three mutations of `input`; `other` is another input of the same kind to splice.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(out.len() + 1);
        match rng.below(11) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.truncate(at),
            2 | 3 => {
                // A line repeated, dropped, or a token put in.
                let lines: Vec<&[u8]> = out.split_inclusive(|b| *b == b'\n').collect();
                if lines.is_empty() {
                    continue;
                }
                let i = rng.below(lines.len());
                let mut next: Vec<u8> = Vec::new();
                for (j, line) in lines.iter().enumerate() {
                    if j != i || rng.below(2) == 0 {
                        next.extend_from_slice(line);
                    }
                    if j == i {
                        next.extend_from_slice(line);
                    }
                }
                out = next;
            }
            4 => insert(&mut out, at, rng.pick(TOKENS).as_bytes()),
            5 => {
                let cut = rng.below(other.len() + 1);
                out.truncate(at);
                out.extend_from_slice(&other[cut..]);
            }
            6 => insert(&mut out, at, &nesting(rng)),
            7 => {
                // A number made huge, or a huge one put anywhere.
                let digit = out.iter().enumerate().skip(at).find(|(_, b)| b.is_ascii_digit()).map(|(i, _)| i);
                let i = digit.unwrap_or(at);
                let end = out[i..].iter().position(|b| !b.is_ascii_digit()).map_or(out.len(), |n| i + n);
                out = [&out[..i], rng.pick(HUGE).as_bytes(), &out[end..]].concat();
            }
            8 => out.insert(at, 0),
            9 => {
                let bytes: &&[u8] = rng.pick(NOT_UTF8);
                insert(&mut out, at, bytes);
            }
            _ => {
                let from = rng.below(out.len() + 1);
                let len = rng.below(64).min(out.len() - from);
                let piece: Vec<u8> = out[from..from + len].to_vec();
                insert(&mut out, at, &piece);
            }
        }
    }
    out
}

/// Values a key of the format can get wrong: empty, of another shape, out of range, odd names.
const VALUES: &[&str] = &[
    "",
    "\"\"",
    "[]",
    "{}",
    "[a, b]",
    "{a: b}",
    "true",
    "false",
    "null",
    "0",
    "-1",
    "99999999999999999999",
    "x",
    "public.x",
    "a.b.c",
    "pg_temp.x",
    "auth.users(id)",
    "users",
    "id",
    "text",
    "uuid primary key",
    "lower(email)",
    "()",
    "$$",
    "'",
    "\"x\"",
    "owner",
    "workspace_member",
    "before",
    "instead of",
    "[insert, update]",
    "all",
    "cascade",
    "always",
    "initially deferred",
    "plpgsql",
    "trigger",
    "setof x",
    "table(a int)",
    "|\n  select 1",
];

/// The keys of the format, from its JSON Schema, so that the fuzzer knows every one.
fn format_keys() -> Vec<String> {
    fn walk(node: &serde_json::Value, keys: &mut Vec<String>) {
        match node {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                    keys.extend(props.keys().cloned());
                }
                map.values().for_each(|v| walk(v, keys));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, keys)),
            _ => {}
        }
    }
    let mut keys = Vec::new();
    walk(&schemagen::source::yaml::json_schema(), &mut keys);
    keys.sort();
    keys.dedup();
    assert!(keys.len() > 50, "the JSON Schema names {} keys", keys.len());
    keys
}

/// A key of the format with an odd value, put after a random line at its indentation or
/// one level deeper: YAML that parses, with something wrong where the loader looks.
fn odd_entry(rng: &mut Rng, input: &[u8], keys: &[String]) -> Vec<u8> {
    let lines: Vec<&[u8]> = input.split_inclusive(|b| *b == b'\n').collect();
    let at = rng.below(lines.len());
    let indent = lines.get(at).map_or(0, |l| l.iter().take_while(|b| **b == b' ').count()) + 2 * rng.below(2);
    let entry = format!("{}{}: {}\n", " ".repeat(indent), rng.pick(keys), rng.pick(VALUES));
    let mut out: Vec<u8> = lines.iter().take(at + 1).flat_map(|l| l.iter().copied()).collect();
    if !out.ends_with(b"\n") && !out.is_empty() {
        out.push(b'\n');
    }
    out.extend_from_slice(entry.as_bytes());
    out.extend(lines.iter().skip(at + 1).flat_map(|l| l.iter().copied()));
    out
}

/// Where a target keeps the input it is running.
fn workdir(target: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz").join(target);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_yaml(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> PathBuf {
    let schema = dir.join("schema");
    let _ = std::fs::remove_dir_all(&schema);
    for (path, bytes) in files {
        let p = schema.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    std::fs::create_dir_all(&schema).unwrap();
    schema
}

fn load_yaml(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<Schema, Errors> {
    load_desired(&write_yaml(dir, files))
}

/// SQL as text when it is UTF-8; else through the file, as the command reads it.
fn load_sql(dir: &Path, bytes: &[u8]) -> Result<Schema, Errors> {
    let file = dir.join("current.sql");
    std::fs::write(&file, bytes).unwrap();
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let mut schema = Schema::default();
            load_text(&mut schema, &file, text, &mut LoadReport::default()).map(|_| schema)
        }
        Err(_) => load_current(&[file]).map(|(schema, _)| schema),
    }
}

fn migrate(renderer: &Renderer, from: &Schema, to: &Schema) {
    if let Ok(plan) = plan_migration(from, to) {
        for direction in [Direction::Up, Direction::Down] {
            let _ = render_file(renderer, &plan, direction, "fuzz", "fuzz");
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic".into())
}

/// When the input being run started; None once all have run.
#[derive(Clone)]
struct Heartbeat(Arc<Mutex<Option<Instant>>>);

impl Heartbeat {
    fn beat(&self) {
        *self.0.lock().unwrap() = Some(Instant::now());
    }
}

/// Runs `body` on a thread with a main thread's stack, ending the process when one input
/// (from one `beat` to the next) runs past `HANG`: a hung thread cannot be stopped.
fn on_big_stack<T: Send + 'static>(what: &'static str, body: impl FnOnce(Heartbeat) -> T + Send + 'static) -> T {
    let beat = Heartbeat(Arc::new(Mutex::new(Some(Instant::now()))));
    let watch = beat.clone();
    let watchdog = std::thread::spawn(move || {
        loop {
            match *watch.0.lock().unwrap() {
                None => return,
                Some(start) if start.elapsed() > HANG => {
                    eprintln!("{what}: an input ran for more than {HANG:?}; it is in target/tmp/fuzz/");
                    std::process::exit(1);
                }
                Some(_) => {}
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let worker = beat.clone();
    let result = std::thread::Builder::new().stack_size(STACK).spawn(move || body(worker)).unwrap().join();
    *beat.0.lock().unwrap() = None;
    watchdog.join().unwrap();
    result.unwrap_or_else(|e| std::panic::resume_unwind(e))
}

#[test]
fn mutants_of_the_fixtures_never_panic() {
    let iterations: usize = std::env::var("FUZZ_ITERATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
    let (executions, crashes) = on_big_stack("fuzz", move |beat| {
        let seeds = seeds();
        let keys = format_keys();
        let renderer = Renderer::new(None).unwrap();
        let dir = workdir("mutants");
        let mut rng = Rng::seeded(seed);
        let mut executions = (0, 0);
        let mut crashes = Vec::new();
        for i in 0..iterations {
            let base = rng.pick(&seeds).clone();
            let other = rng.pick(&seeds).clone();
            // One side mutated and the other whole, both mutated, or two fixtures crossed:
            // a mutant the loaders take goes on to the diff.
            let mode = rng.below(4);
            let mut yaml = base.yaml.clone();
            if mode != 1 && mode != 3 && !yaml.is_empty() {
                let f = rng.below(yaml.len());
                let splice = other.yaml.first().map_or(&[][..], |(_, b)| b.as_slice());
                yaml[f].1 = if rng.below(2) == 0 {
                    odd_entry(&mut rng, &yaml[f].1, &keys)
                } else {
                    mutate(&mut rng, &yaml[f].1, splice)
                };
            }
            let sql = match mode {
                0 => base.sql.clone(),
                3 => other.sql.clone(),
                _ => mutate(&mut rng, &base.sql, &other.sql),
            };
            beat.beat();
            let run = catch_unwind(AssertUnwindSafe(|| {
                let desired = load_yaml(&dir, &yaml);
                let current = load_sql(&dir, &sql);
                match (&current, &desired) {
                    (Ok(current), Ok(desired)) => {
                        migrate(&renderer, current, desired);
                        migrate(&renderer, desired, current);
                        (2, 2)
                    }
                    _ => (2, 0),
                }
            }));
            match run {
                Ok((loads, migrations)) => {
                    executions.0 += loads;
                    executions.1 += migrations;
                }
                Err(payload) => {
                    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz/crash-{i}"));
                    let _ = std::fs::remove_dir_all(&keep);
                    write_yaml(&keep, &yaml);
                    std::fs::write(keep.join("current.sql"), &sql).unwrap();
                    crashes.push(format!("iteration {i}: {} (input in {})", panic_message(&*payload), keep.display()));
                }
            }
        }
        (executions, crashes)
    });
    println!(
        "fuzz: {iterations} input pairs, {} loads and {} migrations run, {} crash(es)",
        executions.0,
        executions.1,
        crashes.len()
    );
    assert!(crashes.is_empty(), "{} mutant(s) panicked:\n{}", crashes.len(), crashes.join("\n"));
}

/// Each file of `tests/fuzz_regressions/` once crashed a loader or the diff. A `.yaml` is a
/// schema of one file, a `.sql` a migration; each loads or is refused with its location.
#[test]
fn regressions_load_or_are_refused_where_they_are_wrong() {
    on_big_stack("regressions", |beat| {
        let dir = workdir("regressions");
        let renderer = Renderer::new(None).unwrap();
        let files = files_under(&root().join("tests/fuzz_regressions"));
        assert!(!files.is_empty());
        for file in files {
            beat.beat();
            let bytes = std::fs::read(&file).unwrap();
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            let loaded = match file.extension().and_then(|e| e.to_str()) {
                Some("yaml") => load_yaml(&dir, &[(PathBuf::from(&name), bytes)]),
                Some("sql") => load_sql(&dir, &bytes),
                _ => continue,
            };
            match loaded {
                Ok(schema) => migrate(&renderer, &Schema::default(), &schema),
                Err(e) => {
                    assert!(e.0.iter().all(|d| d.origin.is_some() && d.hint.is_some()), "{name}: {e}")
                }
            }
        }
    });
}

/// 10,000 levels of each kind of nesting, in YAML and in every place SQL goes: an error
/// at the input, never a stack overflow.
#[test]
fn deep_nesting_is_refused_with_an_error() {
    on_big_stack("nesting", |beat| {
        let dir = workdir("nesting");
        let deep =
            |open: &str, close: &str, inner: &str| format!("{}{inner}{}", open.repeat(10_000), close.repeat(10_000));
        let yaml = [
            format!("table: t\ncolumns:\n  id: integer\ncomment: {}\n", deep("[", "]", "a")),
            format!("table: t\ncolumns:\n  id: integer\ncomment: {}\n", deep("{a: ", "}", "b")),
            format!("table: t\ncolumns:\n  id: integer\ncomment:\n  {}\n", deep("- ", "", "a")),
            format!("table: t\ncolumns:\n  id: integer check ({})\n", deep("(", ")", "id > 0")),
            format!("table: t\ncolumns:\n  id: integer default {}\n", deep("abs(", ")", "1")),
            format!("table: t\ncolumns:\n  id: integer\npolicies:\n  p:\n    using: {}\n", deep("not ", "", "true")),
            format!("view: v\nquery: select {}\n", deep("(select ", ")", "1")),
        ];
        for (i, text) in yaml.iter().enumerate() {
            beat.beat();
            let loaded = load_yaml(&dir, &[(PathBuf::from("t.yaml"), text.clone().into_bytes())]);
            let e = loaded.err().unwrap_or_else(|| panic!("YAML nesting {i} loads"));
            assert!(e.0.iter().all(|d| d.origin.is_some()), "YAML nesting {i}: not located: {e}");
        }
        let sql = [
            format!("create table t (id int default {});", deep("(", ")", "1")),
            format!("create table t (id int default {});", deep("abs(", ")", "1")),
            format!("create table t (id int default {});", deep("-", "", "1")),
            format!("create table t (id int[] default {});", deep("array[", "]", "1")),
            format!("create view v as select {};", deep("(select ", ")", "1")),
            format!("create table t (id int check ({}));", deep("not ", "", "true")),
            format!("do $$ {} $$;", deep("begin ", " end;", "null;")),
            format!(
                "create function f() returns int language plpgsql as $$ {} $$;",
                deep("begin ", " end;", "return 1;")
            ),
        ];
        for (i, text) in sql.iter().enumerate() {
            beat.beat();
            // A DO block and a function body are strings to the parser: they may load.
            if let Err(e) = load_sql(&dir, text.as_bytes()) {
                assert!(e.0.iter().all(|d| d.origin.is_some()), "SQL nesting {i}: not located: {e}");
            }
        }
    });
}
