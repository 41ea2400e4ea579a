//! Findings as text for people, JSON for scripts, SARIF 2.1.0 for code-scanning UIs.
//! Always in the same order: by file, line, column, then rule and object.

use serde_json::{Value, json};

use super::{Finding, RuleId, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

pub(super) fn sort(findings: &mut [Finding]) {
    findings.sort_by_cached_key(|f| {
        let place = f.origin.as_ref().map(|o| (o.file.clone(), o.line, o.column));
        (place.is_none(), place, f.rule.as_str(), f.object.to_string(), f.message.clone())
    });
}

pub fn render(findings: &[Finding], format: Format) -> String {
    let mut sorted = findings.to_vec();
    sort(&mut sorted);
    match format {
        Format::Text => text(&sorted),
        Format::Json => pretty(&json!({
            "findings": sorted.iter().map(finding_json).collect::<Vec<_>>(),
            "errors": count(&sorted, Severity::Error),
            "warnings": count(&sorted, Severity::Warn),
        })),
        Format::Sarif => pretty(&sarif(&sorted)),
    }
}

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("JSON of strings and numbers") + "\n"
}

fn text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("{}[{}]: {}\n", f.severity, f.rule, f.message));
        if let Some(origin) = &f.origin {
            out.push_str(&format!("  --> {origin}\n"));
        }
        out.push_str(&format!("  = help: {}\n\n", f.hint));
    }
    match (count(findings, Severity::Error), count(findings, Severity::Warn)) {
        (0, 0) => out.push_str("no lint findings\n"),
        (errors, warnings) => out.push_str(&format!("{errors} error(s), {warnings} warning(s)\n")),
    }
    out
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "rule": f.rule.as_str(),
        "severity": f.severity.as_str(),
        "object": f.object.to_string(),
        "message": f.message,
        "file": f.origin.as_ref().map(|o| o.file.clone()),
        "line": f.origin.as_ref().map(|o| o.line),
        "column": f.origin.as_ref().map(|o| o.column),
        "hint": f.hint,
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warn | Severity::Allow => "warning",
    }
}

fn sarif(findings: &[Finding]) -> Value {
    let rules: Vec<Value> = RuleId::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.as_str(),
                "shortDescription": { "text": r.summary() },
                "defaultConfiguration": { "level": level(r.default_severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let locations: Vec<Value> = f
                .origin
                .iter()
                .map(|o| {
                    json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": o.file.replace('\\', "/") },
                            "region": { "startLine": o.line, "startColumn": o.column },
                        }
                    })
                })
                .collect();
            json!({
                "ruleId": f.rule.as_str(),
                "ruleIndex": RuleId::ALL.iter().position(|r| *r == f.rule),
                "level": level(f.severity),
                "message": { "text": format!("{}. Fix: {}.", f.message, f.hint) },
                "locations": locations,
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "schemagen",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}
