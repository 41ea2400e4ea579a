//! The statements of the SQL that the model left out, against the plan: those that could
//! make it wrong stop `diff`, `check` and `generate` (exit 1) unless `schemagen.toml`
//! acknowledges them; the others are only reported.
//!
//! A statement outside the model can make the plan wrong when it touches what the plan
//! creates, alters or drops (an ownership, a rule or a clause on a table the plan changes
//! would be lost or would stop the migration), or when what it touches cannot be told (a
//! `DO` block's body), and then only when the plan has a step at all. One that touches
//! nothing the plan writes stays as it was, and an empty plan is right whatever it did.

use std::path::Path;

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Errors, Result};
use crate::model::QualifiedName;
use crate::plan::Plan;
use crate::source::sql::Outside;

/// `[[outside]]` in `schemagen.toml`: statements outside the model that a team has
/// checked by hand. An entry matches a statement when each of its keys matches.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledged {
    /// The statement's fingerprint, as the refusal prints it (`touched::fingerprint`).
    pub fingerprint: Option<String>,
    /// A file, as the location names it or by its trailing path components (`x.sql`).
    pub file: Option<String>,
    /// The kind the location names (`DO`, `ALTER TABLE (other)`), in any case.
    pub kind: Option<String>,
    /// Why it is safe: for the reader of the file, never checked.
    pub reason: Option<String>,
}

/// The keys of an entry, for `config`'s check that it selects something.
pub const SELECTORS: &[&str] = &["fingerprint", "file", "kind"];

impl Acknowledged {
    fn matches(&self, o: &Outside) -> bool {
        self.fingerprint.as_ref().is_none_or(|f| f.eq_ignore_ascii_case(&o.fingerprint))
            && self.kind.as_ref().is_none_or(|k| k.eq_ignore_ascii_case(&o.kind))
            && self.file.as_ref().is_none_or(|f| Path::new(&o.origin.file).ends_with(f))
    }
}

/// The entries of `acknowledged` that match none of `outside`: left from statements since
/// edited or removed, they acknowledge nothing (and an edited statement must be checked again).
pub fn unmatched<'a>(outside: &[Outside], acknowledged: &'a [Acknowledged]) -> Vec<&'a Acknowledged> {
    acknowledged.iter().filter(|a| !outside.iter().any(|o| a.matches(o))).collect()
}

impl std::fmt::Display for Acknowledged {
    /// The entry's selectors as they are written in `schemagen.toml`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = [("fingerprint", &self.fingerprint), ("file", &self.file), ("kind", &self.kind)];
        let written: Vec<String> = keys
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} = {}", toml::Value::String(v.clone()))))
            .collect();
        f.write_str(&written.join(", "))
    }
}

/// Statements about roles and the database (`CREATE ROLE`, `ALTER ROLE … SET`, `GRANT role
/// TO role`, `ALTER DATABASE … SET`): a plan creates, alters and drops objects of schemas
/// only, so it can neither undo nor break them. They are listed, never refused.
const CLUSTER_KINDS: &[&str] = &["ROLE", "GRANT ROLE", "DATABASE"];

/// Refuses, one diagnostic each, the statements that could make `plan` wrong and that no
/// entry of `acknowledged` names.
pub fn gate(outside: &[Outside], plan: &Plan, acknowledged: &[Acknowledged]) -> Result<()> {
    if plan.is_empty() || outside.is_empty() {
        return Ok(());
    }
    let written = written(plan)?;
    let refused: Vec<Diagnostic> = outside
        .iter()
        .filter(|o| !CLUSTER_KINDS.contains(&o.kind.as_str()))
        .filter(|o| !acknowledged.iter().any(|a| a.matches(o)))
        .filter_map(|o| {
            let message = if o.names.is_empty() {
                format!(
                    "{} is outside the model and what it changes cannot be told; the plan may undo or break it",
                    o.kind
                )
            } else {
                let met: Vec<String> = o.names.iter().filter(|n| written.binary_search(n).is_ok()).map(shown).collect();
                if met.is_empty() {
                    return None;
                }
                format!("{} is outside the model and the plan changes {}, which it touches", o.kind, met.join(", "))
            };
            Some(refusal(o, message))
        })
        .collect();
    if refused.is_empty() { Ok(()) } else { Err(Errors(refused)) }
}

/// What the plan's statements create, alter or drop, read back from the SQL that embedded
/// templates write for them (the user's templates may write anything).
fn written(plan: &Plan) -> Result<Vec<QualifiedName>> {
    let renderer = crate::render::Renderer::new(None)?;
    let mut out = Vec::new();
    for stmt in plan.steps.iter().flat_map(|s| s.up.iter().chain(&s.after)) {
        let sql = renderer.statement(stmt)?;
        let Ok(parsed) = pg_query::parse(&sql, 0) else { continue };
        for node in parsed.protobuf.stmts.iter().filter_map(|r| r.stmt.as_ref()?.node.as_ref()) {
            out.extend(crate::source::touched::written(node));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn shown(name: &QualifiedName) -> String {
    if name.name.is_empty() { format!("schema {}", crate::ident::quote_ident(&name.schema)) } else { name.to_string() }
}

fn refusal(o: &Outside, message: String) -> Diagnostic {
    let text = std::fs::read_to_string(&o.origin.file).ok();
    Diagnostic::new(message).at(o.origin.clone(), text.as_deref()).hint(format!(
        "declare what it does in the YAML, or, once you have checked the plan by hand, acknowledge it in {}:\n  \
         [[outside]]\n  fingerprint = \"{}\"\n  reason = \"…\"",
        crate::config::FILE,
        o.fingerprint
    ))
}
