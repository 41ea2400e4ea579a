//! PL/pgSQL bodies that do not compile: PostgreSQL compiles a body when the function is
//! created, so a misspelt keyword fails the migration. pg_query's `parse_plpgsql` runs the
//! same compiler offline; its message names the token it stopped at, which is found again
//! in the YAML to point at the line of the body that holds it.

use marked_yaml::Node;

use super::Locator;
use crate::diagnostic::{Diagnostic, Origin};
use crate::model::{Function, ObjectId, Schema};
use crate::source::yaml::File;

pub(super) fn check(schema: &Schema, at: &Locator) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for f in schema.functions.values().filter(|f| f.language == "plpgsql") {
        let Err(message) = compile(f) else { continue };
        let id = ObjectId::Function(f.routine());
        let message = format!("the body of {id} does not compile: {message}");
        let hint = "the body is PL/pgSQL: check the spelling of its keywords, the `;` after each statement and \
                    that every IF, LOOP and BEGIN has its END";
        let located = at.node(&id, &["body"]).and_then(|(file, body)| {
            let near = near_token(&message)?;
            let origin = find_in_body(file, body, near)?;
            Some(Diagnostic::new(message.clone()).at(origin, Some(file.text)).hint(hint))
        });
        out.push(located.unwrap_or_else(|| at.error(&id, &["body"], message, hint)));
    }
    out
}

/// Compiles the body as CREATE FUNCTION would, with the function's own arguments and
/// return type (a RETURN with a value is an error in a function returning void).
fn compile(f: &Function) -> Result<(), String> {
    let mut tag = "$body$".to_string();
    while f.body.contains(&tag) {
        tag.insert(1, 'x');
    }
    let args: Vec<String> = f
        .args
        .iter()
        .map(|a| [a.mode.as_str(), &crate::pgtree::quote_ident(&a.name), &a.data_type].join(" ").trim().to_string())
        .collect();
    let (kind, returns) = match &f.returns {
        Some(r) => ("FUNCTION", format!(" RETURNS {r}")),
        None => ("PROCEDURE", String::new()),
    };
    let sql = format!("CREATE {kind} f({}){returns} LANGUAGE plpgsql AS {tag}{}{tag}", args.join(", "), f.body);
    match pg_query::parse_plpgsql(&sql) {
        // Only what needs no catalog: offline, the compiler also fails on names it cannot
        // look up ("Not implemented (LookupExplicitNamespace …)"), which PostgreSQL finds.
        Err(pg_query::Error::Parse(message))
            if message.starts_with("syntax error") || message.starts_with("RETURN ") =>
        {
            Err(message)
        }
        // Compiled, or pg_query could not print the tree as JSON: not the body's fault.
        _ => Ok(()),
    }
}

/// The token a syntax error names: `… at or near "retrun"`.
fn near_token(message: &str) -> Option<&str> {
    let rest = message.split("at or near \"").nth(1)?;
    rest.rfind('"').map(|end| &rest[..end]).filter(|t| !t.is_empty())
}

/// Where `token` first appears in the YAML text of `body` (a block scalar's lines are in
/// the file as written, indented).
fn find_in_body(file: &File, body: &Node, token: &str) -> Option<Origin> {
    let start = body.span().start()?;
    let lines = file.text.lines().enumerate().skip(start.line() - 1);
    for (i, line) in lines {
        let from = if i + 1 == start.line() { start.column() - 1 } else { 0 };
        let Some(rest) = line.get(from..) else { continue };
        if let Some(pos) = rest.find(token) {
            let column = line[..from + pos].chars().count() + 1;
            return Some(Origin::new(file.path, i + 1, column));
        }
        // Past the body: a following key at the body's own indentation or less.
        if i + 1 > start.line() && !line.trim().is_empty() && !line.starts_with([' ', '\t']) {
            return None;
        }
    }
    None
}
