//! YAML of publications and of how tables are stored.

use std::fmt::Write as _;

use super::{flow_list, scalar};
use crate::model::{Publication, ReplicaIdentity, Schema, Table};

/// `with:` at `indent`: storage parameters, when there are any.
pub(super) fn with_yaml(options: &[(String, String)], indent: &str) -> String {
    if options.is_empty() {
        return String::new();
    }
    let entries: Vec<String> = options.iter().map(|(k, v)| format!("{}: {}", scalar(k), scalar(v))).collect();
    format!("{indent}with: {{{}}}\n", entries.join(", "))
}

/// `unlogged:`, `with:`, `replica_identity:` and `publications:` of a table.
pub(super) fn table_yaml(t: &Table) -> String {
    let mut y = String::new();
    if t.storage.unlogged {
        y.push_str("unlogged: true\n");
    }
    y.push_str(&with_yaml(&t.storage.options, ""));
    match &t.storage.replica_identity {
        ReplicaIdentity::Default => {}
        ReplicaIdentity::Index(i) => {
            let _ = writeln!(y, "replica_identity: {{index: {}}}", scalar(i));
        }
        other => {
            let _ = writeln!(y, "replica_identity: {}", other.words());
        }
    }
    if t.publications.values().all(|m| m.columns.is_empty() && m.row_filter.is_none()) {
        if !t.publications.is_empty() {
            let names: Vec<String> = t.publications.keys().cloned().collect();
            let _ = writeln!(y, "publications: {}", flow_list(&names));
        }
        return y;
    }
    y.push_str("publications:\n");
    for (name, member) in &t.publications {
        let _ = writeln!(y, "  {}:", scalar(name));
        if !member.columns.is_empty() {
            let _ = writeln!(y, "    columns: {}", flow_list(&member.columns));
        }
        if let Some(f) = &member.row_filter {
            let _ = writeln!(y, "    where: {}", scalar(f.text()));
        }
        if member.columns.is_empty() && member.row_filter.is_none() {
            // A mapping entry needs a value: all columns, every row.
            y.truncate(y.len() - 1);
            y.push_str(" {}\n");
        }
    }
    y
}

/// A file per publication that differs from what the platform would have made.
pub(super) fn files(schema: &Schema) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for p in schema.publications.values() {
        if Publication::is_platform(&p.name) && p == &Publication::new(p.name.clone()) {
            continue;
        }
        let mut y = format!("publication: {}\n", scalar(&p.name));
        if p.all_tables {
            y.push_str("all_tables: true\n");
        }
        if p.publish != Publication::new(p.name.clone()).publish {
            let _ = writeln!(y, "publish: {}", flow_list(&p.publish));
        }
        if p.via_root {
            y.push_str("via_partition_root: true\n");
        }
        let safe: String =
            p.name.chars().map(|c| if c.is_alphanumeric() || matches!(c, '_' | '-') { c } else { '_' }).collect();
        out.push((format!("publications/{safe}.yaml"), y));
    }
    out
}
