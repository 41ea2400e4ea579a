//! The row level security tests `schemagen test generate` writes, run on the scratch
//! database that holds the desired schema: each expectation that fails is named by table,
//! role and command (the description of its assertion), with what happened instead.

use super::{Scratch, plural, progress};
use crate::diagnostic::Result;
use crate::rlstest::TestFile;

/// Runs every test file; prints the verdict and returns whether every expectation holds.
/// A server without pgTAP cannot run them: that is said, and is no failure.
pub(super) fn run(db: &Scratch, tests: &[TestFile]) -> Result<bool> {
    let runnable: Vec<&TestFile> = tests.iter().filter(|t| t.skipped.is_none()).collect();
    let skipped: Vec<String> =
        tests.iter().filter_map(|t| t.skipped.as_ref().map(|why| format!("{} ({why})", t.table))).collect();
    if !skipped.is_empty() {
        println!("rls: not tested, their rows cannot be made automatically: {}", skipped.join("; "));
    }
    if runnable.is_empty() {
        return Ok(true);
    }
    progress(&format!("row level security tests ({} table{})…", runnable.len(), plural(runnable.len())));
    let mut passed = 0;
    let mut failures = Vec::new();
    // A test whose rows PostgreSQL refuses (a CHECK the generated values miss, a trigger that
    // raises) proves nothing either way: said, not counted as a failed expectation.
    let mut not_run = Vec::new();
    for test in &runnable {
        let output = match db.rows(&test.text) {
            Ok(output) => output,
            Err(e) if e.contains("pgtap.control") => {
                println!(
                    "rls: not run: pgTAP is not installed on the server (Debian: apt-get install \
                     postgresql-<version>-pgtap, or bash scripts/setup.sh)"
                );
                return Ok(true);
            }
            Err(e) => {
                not_run.push(format!("{}: {}", test.table, e.lines().next().unwrap_or("").trim()));
                continue;
            }
        };
        let (ok, failed) = outcomes(&output);
        passed += ok;
        failures.extend(failed);
    }
    for line in &not_run {
        println!("rls: not run, PostgreSQL refused the test's rows: {line}");
    }
    let ran = runnable.len() - not_run.len();
    if failures.is_empty() {
        if ran > 0 {
            println!("rls: holds: {passed} expectation{} on {ran} table{}", plural(passed), plural(ran));
        }
        return Ok(true);
    }
    println!(
        "rls: {} expectation{} fail{}:",
        failures.len(),
        plural(failures.len()),
        if failures.len() == 1 { "s" } else { "" }
    );
    for f in &failures {
        println!("  {f}");
    }
    Ok(false)
}

/// The assertions that passed, and each failed one as `description, got OUTCOME`, from TAP.
fn outcomes(tap: &str) -> (usize, Vec<String>) {
    let mut ok = 0;
    let mut failed: Vec<String> = Vec::new();
    for line in tap.lines() {
        if let Some(rest) = line.strip_prefix("not ok ") {
            let description = rest.split_once(" - ").map_or(rest, |(_, d)| d);
            failed.push(format!("{description}, got "));
        } else if line.starts_with("ok ") {
            ok += 1;
        } else if let Some(have) = line.trim_start_matches('#').trim().strip_prefix("have: ")
            && let Some(last) = failed.last_mut()
            && last.ends_with("got ")
        {
            last.push_str(have);
        }
    }
    (ok, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_assertions_keep_their_description_and_what_happened() {
        let tap = "1..2\nok 1 - public.t: anon select (a row of user A): denied\nnot ok 2 - public.t: \
                   authenticated update (a row of user B): denied\n# Failed test 2: \"…\"\n#         have: allowed\n#         want: denied\n";
        let (ok, failed) = outcomes(tap);
        assert_eq!(ok, 1);
        assert_eq!(failed, ["public.t: authenticated update (a row of user B): denied, got allowed"]);
    }
}
