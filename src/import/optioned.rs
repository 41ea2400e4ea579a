//! Range types and aggregates as `range:` and `aggregate:` files.

use std::fmt::Write as _;

use super::{file_name, flow_list, scalar};
use crate::model::Schema;
use crate::model::optioned::{OptionValue, Options};
use crate::pgtree::quote_ident;

/// `options:`, each value written so that the loader reads it back the same.
fn options_yaml(options: &Options) -> String {
    let mut y = String::from("options:\n");
    for (name, value) in options {
        let text = match value {
            OptionValue::Type(t) => t.sql(),
            OptionValue::Name(parts) => parts.iter().map(|p| quote_ident(p)).collect::<Vec<_>>().join("."),
            OptionValue::Text(t) => t.clone(),
            OptionValue::Number(n) => n.to_string(),
            OptionValue::Word(w) => w.to_lowercase(),
            OptionValue::Flag => "true".to_string(),
        };
        let _ = writeln!(y, "  {name}: {}", scalar(&text));
    }
    y
}

pub(super) fn files(schema: &Schema, out: &mut Vec<(String, String)>) {
    for r in schema.ranges.values() {
        let mut y = format!("range: {}\n", scalar(&format!("{}.{}", r.name.schema, r.name.name)));
        y.push_str(&options_yaml(&r.options));
        if let Some(c) = &r.comment {
            let _ = writeln!(y, "comment: {}", scalar(c));
        }
        out.push((format!("types/{}", file_name(&r.name)), y));
    }
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for a in schema.aggregates.values() {
        let mut y = format!("aggregate: {}\n", scalar(&format!("{}.{}", a.name.schema, a.name.name)));
        if !a.args.is_empty() {
            let args: Vec<String> = a.args.iter().map(|t| t.sql()).collect();
            let _ = writeln!(y, "args: {}", flow_list(&args));
        }
        y.push_str(&options_yaml(&a.options));
        if let Some(c) = &a.comment {
            let _ = writeln!(y, "comment: {}", scalar(c));
        }
        // Overloads share a name: number the files after the first.
        let base = file_name(&a.name);
        let n = seen.entry(base.clone()).or_default();
        let name = if *n == 0 { base.clone() } else { base.replace(".yaml", &format!("_{n}.yaml")) };
        *n += 1;
        out.push((format!("aggregates/{name}"), y));
    }
}
