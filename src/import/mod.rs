//! Model → YAML files a person would maintain: one per table, short forms wherever the
//! loader reads them back to the same model, names only where they are not the default.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::model::naming::{join_columns, make_object_name};
use crate::model::{
    Column, Constraint, ConstraintKind, Exclusion, FkAction, Index, IndexKey, QualifiedName, Schema, Table,
};
use crate::pgtree::quote_ident;
use crate::source::yaml::PLATFORM_SCHEMAS;

mod cron;
mod objects;
mod optioned;
mod replication;

/// (file name, YAML text) for every table, in name order.
/// Tables that foreign keys reference, or policies, views and SQL bodies read, but the SQL
/// does not create (and that are not in a platform schema) are written as `external:
/// true`, so the YAML loads on its own.
pub fn to_yaml(schema: &Schema) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = schema
        .tables
        .values()
        .map(|t| {
            let mut text = table_yaml(t);
            text.push_str(&objects::table_security(schema, t));
            (file_name(&t.name), text)
        })
        .collect();
    // Tables referenced by foreign keys, or carrying policies and triggers, that the SQL
    // does not create: declared external, with what the project puts on them.
    let fk_targets = schema.tables.values().flat_map(|t| t.constraints.iter()).filter_map(|c| match &c.kind {
        ConstraintKind::ForeignKey(fk) if !PLATFORM_SCHEMAS.contains(&fk.ref_table.schema.as_str()) => {
            Some(&fk.ref_table)
        }
        _ => None,
    });
    let carriers = schema.policies.keys().map(|(t, _)| t).chain(schema.triggers.keys().map(|(t, _)| t));
    // And relations that policies, views and SQL bodies read, which the YAML must declare.
    let read = crate::source::yaml::undeclared_relations(schema);
    let external: BTreeSet<&QualifiedName> =
        fk_targets.chain(carriers).chain(&read).filter(|r| !schema.tables.contains_key(*r)).collect();
    for name in external {
        let mut text = format!("{}external: true\n", table_header(name));
        text.push_str(&objects::attachments(schema, name));
        files.push((file_name(name), text));
    }
    files.extend(objects::files(schema));
    optioned::files(schema, &mut files);
    files.extend(replication::files(schema));
    files.extend(cron::files(schema));
    files.sort();
    files
}

fn table_header(name: &QualifiedName) -> String {
    if name.schema == "public" {
        format!("table: {}\n", scalar(&name.name))
    } else {
        format!("table: {}\nschema: {}\n", scalar(&name.name), scalar(&name.schema))
    }
}

pub(crate) fn file_name(name: &QualifiedName) -> String {
    let base = if name.schema == "public" { name.name.clone() } else { format!("{}.{}", name.schema, name.name) };
    let safe: String =
        base.chars().map(|c| if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' }).collect();
    format!("{safe}.yaml")
}

/// A YAML scalar, quoted only when a plain one would be read differently.
pub fn scalar(s: &str) -> String {
    const SPECIAL_START: &[char] =
        &['\'', '"', '{', '[', '*', '&', '!', '|', '>', '%', '@', '`', '#', '-', '?', ':', ',', ']', '}'];
    let reserved =
        matches!(s.to_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "");
    let plain = !reserved
        && !s.starts_with(SPECIAL_START)
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.ends_with(':')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains(['\n', '\t', '\r'])
        && s.parse::<f64>().is_err();
    if plain {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn constraint_prefix(c: &Constraint, default_name: &str) -> String {
    if c.name == default_name { String::new() } else { format!(" constraint {}", quote_ident(&c.name)) }
}

fn deferrable(c: &Constraint) -> &'static str {
    match (c.deferrable, c.initially_deferred) {
        (true, true) => " deferrable initially deferred",
        (true, false) => " deferrable",
        _ => "",
    }
}

/// `schema.table(columns)`, as SQL.
fn ref_target(fk: &crate::model::ForeignKey) -> String {
    let mut s = fk.ref_table.sql();
    if !fk.ref_columns.is_empty() {
        let _ = write!(s, "({})", fk.ref_columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", "));
    }
    s
}

fn references(fk: &crate::model::ForeignKey) -> String {
    let mut s = ref_target(fk);
    if fk.match_full {
        s.push_str(" match full");
    }
    if fk.on_update != FkAction::NoAction {
        let _ = write!(s, " on update {}", fk.on_update.sql().to_lowercase());
    }
    if fk.on_delete != FkAction::NoAction {
        let _ = write!(s, " on delete {}", on_delete(fk));
    }
    s
}

/// The ON DELETE action as the YAML writes it: lower case, but for the columns' names.
fn on_delete(fk: &crate::model::ForeignKey) -> String {
    let action = fk.on_delete.sql().to_lowercase();
    match fk.on_delete_sql().split_once(" (") {
        Some((_, columns)) => format!("{action} ({columns}"),
        None => action,
    }
}

/// Which constraints sit on a single column (written in its line) and which on the table.
fn column_constraint_sql(t: &Table, col: &str, c: &Constraint) -> Option<String> {
    let table = t.name.name.as_str();
    match &c.kind {
        ConstraintKind::Check { expr, no_inherit: false } => {
            let cols = &expr.refs().columns;
            (cols.len() == 1 && cols[0] == col).then(|| {
                format!(
                    "{} check ({})",
                    constraint_prefix(c, &make_object_name(table, Some(col), "check")),
                    expr.text()
                )
            })
        }
        ConstraintKind::PrimaryKey { columns } if columns.len() == 1 && columns[0] == col => Some(format!(
            "{} primary key{}",
            constraint_prefix(c, &make_object_name(table, None, "pkey")),
            deferrable(c)
        )),
        ConstraintKind::Unique { columns, nulls_not_distinct: false } if columns.len() == 1 && columns[0] == col => {
            Some(format!(
                "{} unique{}",
                constraint_prefix(c, &make_object_name(table, Some(col), "key")),
                deferrable(c)
            ))
        }
        ConstraintKind::ForeignKey(fk) if fk.columns.len() == 1 && fk.columns[0] == col => Some(format!(
            "{} references {}{}",
            constraint_prefix(c, &make_object_name(table, Some(col), "fkey")),
            references(fk),
            deferrable(c)
        )),
        _ => None,
    }
}

fn column_sql(col: &Column, primary_key: bool) -> String {
    let mut s = col.data_type.short_sql();
    if let Some(coll) = &col.collation {
        let _ = write!(s, " collate {}", quote_ident(coll));
    }
    if let Some(g) = &col.generated {
        let _ = write!(s, " generated always as ({}) stored", g.text());
    }
    match col.identity {
        Some(crate::model::Identity::Always) => s.push_str(" generated always as identity"),
        Some(crate::model::Identity::ByDefault) => s.push_str(" generated by default as identity"),
        None => {}
    }
    if col.identity.is_some() && !col.identity_options.is_empty() {
        let _ = write!(s, " ({})", crate::model::identity::sql(&col.identity_options).to_lowercase());
    }
    if col.not_null && col.identity.is_none() && !col.data_type.is_serial() && !primary_key {
        s.push_str(" not null");
    }
    if let Some(d) = &col.default {
        let _ = write!(s, " default {}", d.text());
    }
    s
}

fn table_yaml(t: &Table) -> String {
    let mut y = table_header(&t.name);
    if let Some(c) = &t.comment {
        let _ = writeln!(y, "comment: {}", scalar(c));
    }
    if let Some(o) = &t.owner {
        let _ = writeln!(y, "owner: {}", scalar(o));
    }
    let mut on_columns = vec![false; t.constraints.len()];
    if let Some(of) = &t.partition_of {
        let parent = if of.parent.schema == "public" {
            of.parent.name.clone()
        } else {
            format!("{}.{}", of.parent.schema, of.parent.name)
        };
        let _ = writeln!(y, "partition_of: {}\nbound: {}", scalar(&parent), scalar(of.bound.yaml()));
    } else if !t.columns.is_empty() || t.inherits.is_empty() {
        y.push_str("columns:\n");
    }
    for col in &t.columns {
        let single_pk = t.primary_key().is_some_and(|k| k.len() == 1 && k[0] == col.name);
        let mut line = column_sql(col, single_pk);
        for (i, c) in t.constraints.iter().enumerate() {
            if !on_columns[i]
                && c.comment.is_none()
                && !c.not_valid
                && let Some(sql) = column_constraint_sql(t, &col.name, c)
            {
                line.push_str(&sql);
                on_columns[i] = true;
            }
        }
        match &col.comment {
            None => {
                let _ = writeln!(y, "  {}: {}", scalar(&col.name), scalar(&line));
            }
            Some(comment) => {
                let _ = writeln!(
                    y,
                    "  {}:\n    type: {}\n    comment: {}",
                    scalar(&col.name),
                    scalar(&line),
                    scalar(comment)
                );
            }
        }
    }
    let rest: Vec<&Constraint> =
        t.constraints.iter().zip(&on_columns).filter(|(_, on)| !**on).map(|(c, _)| c).collect();
    write_table_constraints(&mut y, t, &rest);
    if !t.inherits.is_empty() {
        let parents: Vec<String> = t
            .inherits
            .iter()
            .map(|p| if p.schema == "public" { p.name.clone() } else { format!("{}.{}", p.schema, p.name) })
            .collect();
        let _ = writeln!(y, "inherits: {}", flow_list(&parents));
    }
    if let Some(key) = &t.partition_by {
        let _ = writeln!(y, "partition_by: {}", scalar(key.text()));
    }
    if !t.indexes.is_empty() {
        y.push_str("indexes:\n");
        for i in &t.indexes {
            write_index(&mut y, i);
        }
    }
    y.push_str(&replication::table_yaml(t));
    y
}

fn flow_list(cols: &[String]) -> String {
    format!("[{}]", cols.iter().map(|c| scalar(c)).collect::<Vec<_>>().join(", "))
}

fn write_table_constraints(y: &mut String, t: &Table, rest: &[&Constraint]) {
    let table = t.name.name.as_str();
    let named = |c: &Constraint, default: String| (c.name != default).then(|| c.name.clone());
    let extras = |y: &mut String, c: &Constraint| {
        if c.deferrable {
            let _ = writeln!(y, "    deferrable: {}", if c.initially_deferred { "initially deferred" } else { "true" });
        }
        constraint_comment(y, c, "    ");
    };
    for c in rest {
        if let ConstraintKind::PrimaryKey { columns } = &c.kind {
            if named(c, make_object_name(table, None, "pkey")).is_none() && !c.deferrable && c.comment.is_none() {
                let _ = writeln!(y, "primary_key: {}", flow_list(columns));
            } else {
                let _ = writeln!(y, "primary_key:\n  name: {}\n  columns: {}", scalar(&c.name), flow_list(columns));
                if c.deferrable {
                    let _ = writeln!(
                        y,
                        "  deferrable: {}",
                        if c.initially_deferred { "initially deferred" } else { "true" }
                    );
                }
                constraint_comment(y, c, "  ");
            }
        }
    }
    let uniques: Vec<&&Constraint> = rest.iter().filter(|c| matches!(c.kind, ConstraintKind::Unique { .. })).collect();
    if !uniques.is_empty() {
        y.push_str("unique:\n");
        for c in uniques {
            let ConstraintKind::Unique { columns, nulls_not_distinct } = &c.kind else {
                continue;
            };
            let name = named(c, make_object_name(table, Some(&join_columns(columns)), "key"));
            if name.is_none() && !nulls_not_distinct && !c.deferrable && c.comment.is_none() {
                let _ = writeln!(y, "  - {}", flow_list(columns));
                continue;
            }
            let _ = writeln!(y, "  - name: {}\n    columns: {}", scalar(&c.name), flow_list(columns));
            if *nulls_not_distinct {
                y.push_str("    nulls_not_distinct: true\n");
            }
            extras(y, c);
        }
    }
    let checks: Vec<&&Constraint> = rest.iter().filter(|c| matches!(c.kind, ConstraintKind::Check { .. })).collect();
    if !checks.is_empty() {
        y.push_str("checks:\n");
        for c in checks {
            let ConstraintKind::Check { expr, no_inherit } = &c.kind else {
                continue;
            };
            if *no_inherit || c.not_valid || c.comment.is_some() {
                let _ = writeln!(y, "  {}:\n    expr: {}", scalar(&c.name), scalar(expr.text()));
                if *no_inherit {
                    y.push_str("    no_inherit: true\n");
                }
                if c.not_valid {
                    y.push_str("    not_valid: true\n");
                }
                constraint_comment(y, c, "    ");
            } else {
                let _ = writeln!(y, "  {}: {}", scalar(&c.name), scalar(expr.text()));
            }
        }
    }
    let fks: Vec<&&Constraint> = rest.iter().filter(|c| c.kind.is_foreign_key()).collect();
    if !fks.is_empty() {
        y.push_str("foreign_keys:\n");
        for c in fks {
            let ConstraintKind::ForeignKey(fk) = &c.kind else {
                continue;
            };
            let _ = writeln!(
                y,
                "  - name: {}\n    columns: {}\n    references: {}",
                scalar(&c.name),
                flow_list(&fk.columns),
                scalar(&ref_target(fk))
            );
            if fk.match_full {
                y.push_str("    match: full\n");
            }
            if fk.on_delete != FkAction::NoAction {
                let _ = writeln!(y, "    on_delete: {}", scalar(&on_delete(fk)));
            }
            if fk.on_update != FkAction::NoAction {
                let _ = writeln!(y, "    on_update: {}", fk.on_update.sql().to_lowercase());
            }
            if c.not_valid {
                y.push_str("    not_valid: true\n");
            }
            extras(y, c);
        }
    }
    let exclusions: Vec<(&Constraint, &Exclusion)> = rest
        .iter()
        .filter_map(|c| match &c.kind {
            ConstraintKind::Exclude(x) => Some((*c, x)),
            _ => None,
        })
        .collect();
    write_exclusions(y, &exclusions);
}

/// One key of an index or of an EXCLUDE constraint, as SQL writes it.
fn index_key(k: &IndexKey) -> String {
    let mut s = match (&k.column, &k.expr) {
        (Some(c), _) => quote_ident(c),
        (None, Some(e)) => format!("({})", e.text()),
        (None, None) => String::new(),
    };
    if let Some(c) = &k.collation {
        let _ = write!(s, " collate {}", quote_ident(c));
    }
    if let Some(o) = &k.opclass {
        let _ = write!(s, " {o}");
    }
    if k.desc {
        s.push_str(" desc");
    }
    match k.nulls_first {
        Some(true) => s.push_str(" nulls first"),
        Some(false) => s.push_str(" nulls last"),
        None => {}
    }
    s
}

fn index_keys(i: &Index) -> Vec<String> {
    i.keys.iter().map(index_key).collect()
}

/// `exclude:`, each constraint by its name.
fn write_exclusions(y: &mut String, exclusions: &[(&Constraint, &Exclusion)]) {
    if exclusions.is_empty() {
        return;
    }
    y.push_str("exclude:\n");
    for (c, x) in exclusions {
        let _ = writeln!(y, "  {}:\n    using: {}", scalar(&c.name), scalar(&x.method));
        let elements: Vec<String> = x
            .elements
            .iter()
            .map(|e| {
                let operator = match e.operator.rsplit_once('.') {
                    Some((schema, op)) => format!("operator({}.{op})", quote_ident(schema)),
                    None => e.operator.clone(),
                };
                scalar(&format!("{} with {operator}", index_key(&e.key)))
            })
            .collect();
        let _ = writeln!(y, "    elements: [{}]", elements.join(", "));
        if !x.include.is_empty() {
            let _ = writeln!(y, "    include: {}", flow_list(&x.include));
        }
        y.push_str(&replication::with_yaml(&x.options, "    "));
        if let Some(p) = &x.predicate {
            let _ = writeln!(y, "    where: {}", scalar(p.text()));
        }
        if c.deferrable {
            let _ = writeln!(y, "    deferrable: {}", if c.initially_deferred { "initially deferred" } else { "true" });
        }
        constraint_comment(y, c, "    ");
    }
}

fn constraint_comment(y: &mut String, c: &Constraint, indent: &str) {
    if let Some(text) = &c.comment {
        let _ = writeln!(y, "{indent}comment: {}", scalar(text));
    }
}

pub(super) fn write_index(y: &mut String, i: &Index) {
    let keys = index_keys(i).join(", ");
    let simple = !i.unique
        && i.method == "btree"
        && i.include.is_empty()
        && i.predicate.is_none()
        && !i.nulls_not_distinct
        && i.options.is_empty()
        && i.comment.is_none();
    if simple {
        let _ = writeln!(y, "  {}: {}", scalar(&i.name), scalar(&keys));
        return;
    }
    let _ = writeln!(y, "  {}:\n    columns: {}", scalar(&i.name), scalar(&keys));
    if i.unique {
        y.push_str("    unique: true\n");
    }
    if i.method != "btree" {
        let _ = writeln!(y, "    using: {}", scalar(&i.method));
    }
    if !i.include.is_empty() {
        let _ = writeln!(y, "    include: {}", flow_list(&i.include));
    }
    if i.nulls_not_distinct {
        y.push_str("    nulls_not_distinct: true\n");
    }
    y.push_str(&replication::with_yaml(&i.options, "    "));
    if let Some(p) = &i.predicate {
        let _ = writeln!(y, "    where: {}", scalar(p.text()));
    }
    if let Some(c) = &i.comment {
        let _ = writeln!(y, "    comment: {}", scalar(c));
    }
}
