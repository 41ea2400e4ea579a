//! The parse floor for the benchmark (scripts/bench.py, docs/performance.md): how long
//! PostgreSQL's parser, through the `pg_query` crate schemagen uses, takes on the given SQL
//! files and nothing else (no model, no diff, no rendering).
//!
//! ```text
//! cargo run --release --example parse_floor -- [--mode MODE] [--repeat N] FILE...
//! ```
//!
//! Modes:
//! - `parse` (default): `pg_query::parse` of each whole file, the tree dropped at once;
//!   what `schemagen`'s SQL loader calls today. The line also reports `walk_ms`, the time
//!   `protobuf.nodes()` takes on the same trees, an estimate of the analysis walk that
//!   `pg_query::parse` does on top of parsing (`ParseResult::new` collects tables, functions…).
//! - `stmts`: `pg_query::split_with_scanner`, then `pg_query::parse` statement by statement,
//!   each tree dropped before the next: the floor for a loader that holds one tree at a time.
//! - `fingerprint`: `pg_query::fingerprint` of each whole file: PostgreSQL's raw parser,
//!   walked in C, no protobuf, no Rust tree.
//! - `fingerprint-stmts`: split, then `pg_query::fingerprint` statement by statement.
//! - `split`: `pg_query::split_with_scanner` alone.
//!
//! Files are read before the clock starts. With `--repeat N` the whole pass runs N times
//! in the process and the median is reported (the first pass included). Output is one
//! line of `key=value` pairs: `mode files bytes statements ms min_ms max_ms [walk_ms]`.

use std::process::ExitCode;
use std::time::Instant;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Parse,
    Stmts,
    Fingerprint,
    FingerprintStmts,
    Split,
}

impl Mode {
    fn from_name(s: &str) -> Option<Mode> {
        Some(match s {
            "parse" => Mode::Parse,
            "stmts" => Mode::Stmts,
            "fingerprint" => Mode::Fingerprint,
            "fingerprint-stmts" => Mode::FingerprintStmts,
            "split" => Mode::Split,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Parse => "parse",
            Mode::Stmts => "stmts",
            Mode::Fingerprint => "fingerprint",
            Mode::FingerprintStmts => "fingerprint-stmts",
            Mode::Split => "split",
        }
    }
}

/// One pass over every file: (statements seen, time of the analysis walk in ms).
fn pass(mode: Mode, texts: &[String]) -> Result<(usize, f64), String> {
    let mut statements = 0;
    let mut walk_ms = 0.0;
    for text in texts {
        match mode {
            Mode::Parse => {
                let parsed = pg_query::parse(text, 0).map_err(|e| e.to_string())?;
                statements += parsed.protobuf.stmts.len();
                let t = Instant::now();
                let nodes = parsed.protobuf.nodes().len();
                walk_ms += t.elapsed().as_secs_f64() * 1e3;
                std::hint::black_box(nodes);
                drop(parsed);
            }
            Mode::Stmts => {
                for stmt in pg_query::split_with_scanner(text).map_err(|e| e.to_string())? {
                    let parsed = pg_query::parse(stmt, 0).map_err(|e| e.to_string())?;
                    statements += parsed.protobuf.stmts.len();
                    drop(parsed);
                }
            }
            Mode::Fingerprint => {
                let f = pg_query::fingerprint(text, 0, 0).map_err(|e| e.to_string())?;
                std::hint::black_box(f.value);
                // Statements are not counted by a whole-file fingerprint.
            }
            Mode::FingerprintStmts => {
                for stmt in pg_query::split_with_scanner(text).map_err(|e| e.to_string())? {
                    let f = pg_query::fingerprint(stmt, 0, 0).map_err(|e| e.to_string())?;
                    std::hint::black_box(f.value);
                    statements += 1;
                }
            }
            Mode::Split => {
                statements += pg_query::split_with_scanner(text).map_err(|e| e.to_string())?.len();
            }
        }
    }
    Ok((statements, walk_ms))
}

fn usage() -> ExitCode {
    eprintln!("usage: parse_floor [--mode parse|stmts|fingerprint|fingerprint-stmts|split] [--repeat N] FILE...");
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let mut mode = Mode::Parse;
    let mut repeat = 1usize;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mode" => match args.next().as_deref().and_then(Mode::from_name) {
                Some(m) => mode = m,
                None => return usage(),
            },
            "--repeat" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => repeat = n,
                _ => return usage(),
            },
            "-h" | "--help" => {
                usage();
                return ExitCode::SUCCESS;
            }
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        return usage();
    }

    let mut texts = Vec::new();
    for file in &files {
        match std::fs::read_to_string(file) {
            Ok(t) => texts.push(t),
            Err(e) => {
                eprintln!("error: {file}: {e}");
                return ExitCode::from(1);
            }
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();

    let mut times = Vec::new();
    let mut walks = Vec::new();
    let mut statements = 0;
    for _ in 0..repeat {
        let t = Instant::now();
        match pass(mode, &texts) {
            Ok((n, walk)) => {
                statements = n;
                walks.push(walk);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (min, max) = (times.iter().copied().fold(f64::INFINITY, f64::min), times.iter().copied().fold(0.0, f64::max));
    let ms = median(&mut times);
    let walk_ms = median(&mut walks);
    let mut line = format!(
        "mode={} files={} bytes={} statements={} ms={:.1} min_ms={:.1} max_ms={:.1}",
        mode.name(),
        files.len(),
        bytes,
        statements,
        ms,
        min,
        max
    );
    if mode == Mode::Parse {
        line.push_str(&format!(" walk_ms={walk_ms:.1}"));
    }
    println!("{line}");
    ExitCode::SUCCESS
}
