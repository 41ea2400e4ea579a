//! The options of range types and aggregates as SQL: each name from the model's fixed
//! lists, each value quoted as what it is (a type as the parser printed it, names as
//! identifiers, text as a literal, keywords from their lists).

use super::quote::{ident, keyword, literal};
use crate::diagnostic::{Diagnostic, Result};
use crate::model::optioned::{AGGREGATE_OPTIONS, Aggregate, OptionKind, OptionValue, Options, RANGE_OPTIONS};

/// `name = value` of every option, in name order.
pub fn options(options: &Options) -> Result<Vec<String>> {
    options.iter().map(|(name, value)| option(name, value)).collect()
}

fn option(name: &str, value: &OptionValue) -> Result<String> {
    let Some((name, kind)) = RANGE_OPTIONS.iter().chain(AGGREGATE_OPTIONS).find(|(n, _)| *n == name) else {
        return Err(Diagnostic::new(format!("`{name}` is not an option schemagen writes")).into());
    };
    let value = match (kind, value) {
        (OptionKind::Flag, OptionValue::Flag) => return Ok(name.to_string()),
        (_, OptionValue::Type(t)) => t.sql(),
        (_, OptionValue::Name(parts)) => parts.iter().map(|p| ident(p)).collect::<Vec<_>>().join("."),
        (_, OptionValue::Text(text)) => literal(text),
        (_, OptionValue::Number(n)) => n.to_string(),
        (OptionKind::Word(words), OptionValue::Word(w)) => keyword(w, words)?.to_string(),
        _ => return Err(Diagnostic::new(format!("option `{name}` has a value of another kind")).into()),
    };
    Ok(format!("{name} = {value}"))
}

/// `name(types)`, or `name(*)` without arguments, as CREATE and DROP AGGREGATE write it.
pub fn signature(a: &Aggregate) -> String {
    let args: Vec<String> = a.args.iter().map(|t| t.sql()).collect();
    let args = if args.is_empty() { "*".to_string() } else { args.join(", ") };
    format!("{}({args})", super::quote::qname(&a.name))
}
