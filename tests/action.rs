//! The GitHub Action (`action.yml`) runs schemagen commands in shell steps; each must be one
//! the CLI accepts, so the Action cannot drift from the CLI: every one found is run on a copy
//! of the bundled example and must end as the Action expects (0, 2 or 3; never 1, an error).

use std::path::Path;
use std::process::Command;

use marked_yaml::Node;

/// The `run:` scripts of the Action's steps.
fn run_scripts(action: &Node) -> Vec<String> {
    let steps = action.as_mapping().and_then(|m| m.get_mapping("runs")).and_then(|r| r.get_sequence("steps"));
    let steps = steps.expect("action.yml has runs.steps");
    steps.iter().filter_map(|s| s.as_mapping()?.get_scalar("run").map(|r| r.as_str().to_string())).collect()
}

/// The arguments of each `schemagen …` command in `script`, up to a redirection (`>`,
/// `2>`), a pipe or the end of the command.
fn schemagen_commands(script: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in script.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| *w == "schemagen") else { continue };
        let args: Vec<String> = words[at + 1..]
            .iter()
            .take_while(|w| !w.trim_start_matches(|c: char| c.is_ascii_digit()).starts_with(['>', '|', '&', ';']))
            .map(|w| w.to_string())
            .collect();
        assert!(
            args.iter().all(|a| !a.contains('$')),
            "schemagen arguments in action.yml must be literal, for this test to run them: {line}"
        );
        out.push(args);
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() { copy_dir(&src, &dst) } else { std::fs::copy(&src, &dst).map(drop).unwrap() }
    }
}

#[test]
fn every_schemagen_command_of_the_action_runs_on_the_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("action.yml")).expect("action.yml at the repository root");
    let action = marked_yaml::parse_yaml(0, &text).expect("action.yml is YAML");
    let runs = action.as_mapping().and_then(|m| m.get_mapping("runs")).expect("runs");
    assert_eq!(runs.get_scalar("using").map(|u| u.as_str()), Some("composite"));
    let scripts = run_scripts(&action);
    let commands: Vec<Vec<String>> = scripts.iter().flat_map(|s| schemagen_commands(s)).collect();
    // What the Action is for; a parser that found nothing would pass vacuously.
    for wanted in [&["check"][..], &["diff", "--format", "markdown"], &["lint", "--format", "sarif"]] {
        assert!(commands.iter().any(|c| c == wanted), "action.yml does not run schemagen {wanted:?}: {commands:?}");
    }
    assert!(scripts.iter().any(|s| s.contains("cargo install --locked --path")), "the Action builds schemagen");
    assert!(text.contains("github/codeql-action/upload-sarif@"), "the Action uploads the SARIF");

    for script in &scripts {
        let mut bash = Command::new("bash").arg("-n").stdin(std::process::Stdio::piped()).spawn().expect("bash");
        std::io::Write::write_all(&mut bash.stdin.take().unwrap(), script.as_bytes()).unwrap();
        assert!(bash.wait().unwrap().success(), "a step's script is not valid bash:\n{script}");
    }

    let project = tempfile::tempdir().unwrap();
    for dir in ["schema", "supabase"] {
        copy_dir(&root.join(dir), &project.path().join(dir));
    }
    for args in &commands {
        let out = Command::new(env!("CARGO_BIN_EXE_schemagen"))
            .current_dir(project.path())
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run schemagen");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0 | 2 | 3)), "schemagen {args:?}: {:?}\n{stderr}", out.status.code());
        if args.iter().any(|a| a == "sarif") {
            let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the SARIF is JSON");
            assert_eq!(sarif["version"], "2.1.0");
        }
    }
}
