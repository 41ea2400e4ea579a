//! YAML for row-level security, policies, triggers, grants, functions, views, enums,
//! extensions and schemas.

use std::fmt::Write as _;

use super::{file_name, flow_list, scalar};
use crate::model::privileges::{COLUMN_PRIVILEGES, PUBLIC_SCHEMA, SCHEMA_PRIVILEGES, platform_public_grants};
use crate::model::{Firing, Function, Grants, ObjectKind, QualifiedName, Schema, Table, View};
use crate::pgtree::quote_ident;

/// `rls`, `grants`, `policies` and `triggers` of an owned table.
pub(super) fn table_security(schema: &Schema, t: &Table) -> String {
    let mut y = String::new();
    match (t.rls_enabled, t.rls_forced) {
        (true, true) => y.push_str("rls: force\n"),
        (true, false) => y.push_str("rls: true\n"),
        _ => {}
    }
    y.push_str(&grants_yaml(schema, &t.name, ObjectKind::Tables, &t.grants));
    if !t.column_grants.is_empty() {
        y.push_str("column_grants:\n");
        for (column, grants) in &t.column_grants {
            y.push_str(&grants_entry(&scalar(column), grants, COLUMN_PRIVILEGES, "  "));
        }
    }
    y.push_str(&attachments(schema, &t.name));
    y
}

/// Policies and triggers on `table`, owned or not.
pub(super) fn attachments(schema: &Schema, table: &QualifiedName) -> String {
    let mut y = String::new();
    // The maps are keyed by (table, name): a range is the table's own, without a scan.
    let from = (table.clone(), String::new());
    let policies: Vec<_> =
        schema.policies.range(from.clone()..).take_while(|((t, _), _)| t == table).map(|(_, p)| p).collect();
    if !policies.is_empty() {
        y.push_str("policies:\n");
        for p in policies {
            let _ = writeln!(y, "  {}:", scalar(&p.name));
            if p.command != "ALL" {
                let _ = writeln!(y, "    command: {}", p.command.to_lowercase());
            }
            if p.roles != ["public"] {
                let _ = writeln!(y, "    roles: {}", flow_list(&p.roles));
            }
            if !p.permissive {
                y.push_str("    restrictive: true\n");
            }
            if let Some(u) = &p.using {
                let _ = writeln!(y, "    using: {}", scalar(u.text()));
            }
            if let Some(w) = &p.with_check {
                let _ = writeln!(y, "    with_check: {}", scalar(w.text()));
            }
            if let Some(c) = &p.comment {
                let _ = writeln!(y, "    comment: {}", scalar(c));
            }
        }
    }
    let triggers: Vec<_> = schema.triggers.range(from..).take_while(|((t, _), _)| t == table).map(|(_, t)| t).collect();
    if !triggers.is_empty() {
        y.push_str("triggers:\n");
        for t in triggers {
            let events: Vec<String> = t.events.iter().map(|e| e.to_lowercase()).collect();
            let _ = writeln!(
                y,
                "  {}:\n    timing: {}\n    events: {}",
                scalar(&t.name),
                t.timing.to_lowercase(),
                flow_list(&events)
            );
            if !t.update_of.is_empty() {
                let _ = writeln!(y, "    update_of: {}", flow_list(&t.update_of));
            }
            for (key, table) in [("old_table", &t.old_table), ("new_table", &t.new_table)] {
                if let Some(name) = table {
                    let _ = writeln!(y, "    {key}: {}", scalar(name));
                }
            }
            if !t.for_each_row {
                y.push_str("    for_each: statement\n");
            }
            if let Some(w) = &t.when {
                let _ = writeln!(y, "    when: {}", scalar(w.text()));
            }
            let _ = writeln!(y, "    function: {}", scalar(&format!("{}.{}", t.function.schema, t.function.name)));
            if !t.args.is_empty() {
                let _ = writeln!(y, "    args: {}", flow_list(&t.args));
            }
            if t.constraint {
                y.push_str("    constraint: true\n");
                match (t.deferrable, t.initially_deferred) {
                    (true, true) => y.push_str("    deferrable: initially deferred\n"),
                    (true, false) => y.push_str("    deferrable: true\n"),
                    _ => {}
                }
            }
            match t.firing {
                Firing::Enabled => {}
                Firing::Disabled => y.push_str("    enabled: false\n"),
                Firing::Replica => y.push_str("    enabled: replica\n"),
                Firing::Always => y.push_str("    enabled: always\n"),
            }
            if let Some(c) = &t.comment {
                let _ = writeln!(y, "    comment: {}", scalar(c));
            }
        }
    }
    y
}

/// `grants:` of an object of `kind`, left out when they are what the default privileges
/// of its schema give it; ALL written for a full set.
fn grants_yaml(schema: &Schema, name: &QualifiedName, kind: ObjectKind, grants: &Grants) -> String {
    if grants == &schema.default_privileges.effective(&name.schema, kind) {
        return String::new();
    }
    grants_entry("grants", grants, kind.privileges(), "")
}

/// `key:` at `indent` with the roles' privileges under it, or `key: {}` for none.
fn grants_entry(key: &str, grants: &Grants, all: &[&str], indent: &str) -> String {
    if grants.is_empty() {
        return format!("{indent}{key}: {{}}\n");
    }
    format!("{indent}{key}:\n{}", privileges_yaml(grants, all, &format!("{indent}  ")))
}

/// One `role: [privileges]` line per role at `indent`, with ALL for a full set.
fn privileges_yaml(grants: &Grants, all: &[&str], indent: &str) -> String {
    let mut y = String::new();
    for (role, privs) in grants {
        let list: Vec<String> = if all.len() > 1 && privs.len() == all.len() && all.iter().all(|p| privs.contains(*p)) {
            vec!["all".into()]
        } else {
            privs.iter().map(|p| p.to_lowercase()).collect()
        };
        let _ = writeln!(y, "{indent}{}: {}", scalar(role), flow_list(&list));
    }
    y
}

/// `default_privileges:` where they differ from a fresh Supabase project's.
fn default_privileges_yaml(schema: &Schema) -> String {
    let declared = schema.default_privileges.declared();
    if declared.is_empty() {
        return String::new();
    }
    let mut y = "default_privileges:\n".to_string();
    let mut last_scope = None;
    for (scope, kind, grants) in &declared {
        if last_scope != Some(scope) {
            let _ = writeln!(y, "  {}:", scalar(scope.as_deref().unwrap_or("*")));
            last_scope = Some(scope);
        }
        y.push_str(&grants_entry(kind.word(), grants, kind.privileges(), "    "));
    }
    y
}

/// A literal block for code (function bodies, view queries), kept byte for byte: the
/// indentation indicator allows leading blank lines, the chomping keeps the end exact.
pub(super) fn block(text: &str) -> String {
    let representable = !text.contains(['\r', '\t']) && text.lines().all(|l| !l.ends_with(' ')) && !text.is_empty();
    if !representable {
        return format!("{}\n", scalar(text));
    }
    let trailing = text.len() - text.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let mut out = format!("|2{chomp}\n");
    for line in text.trim_end_matches('\n').split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
    out
}

/// The value of a `SET` clause as written in YAML: `'public', 'extensions'` → `public, extensions`.
fn setting(value: &str) -> String {
    value
        .split(", ")
        .map(|v| {
            v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).map_or(v.to_string(), |v| v.replace("''", "'"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn function_yaml(schema: &Schema, f: &Function) -> String {
    let kind = if f.procedure { "procedure" } else { "function" };
    let mut y = format!("{kind}: {}\n", scalar(&format!("{}.{}", f.name.schema, f.name.name)));
    if !f.args.is_empty() {
        y.push_str("args:\n");
        for a in &f.args {
            let mut arg = String::new();
            if !a.mode.is_empty() {
                let _ = write!(arg, "{} ", a.mode.to_lowercase());
            }
            if !a.name.is_empty() {
                let _ = write!(arg, "{} ", quote_ident(&a.name));
            }
            arg.push_str(&a.data_type);
            if let Some(d) = &a.default {
                let _ = write!(arg, " default {}", d.text());
            }
            let _ = writeln!(y, "  - {}", scalar(&arg));
        }
    }
    if let Some(r) = &f.returns {
        let _ = writeln!(y, "returns: {}", scalar(r));
    }
    let _ = writeln!(y, "language: {}", scalar(&f.language));
    if let Some(v) = &f.volatility {
        let _ = writeln!(y, "volatility: {}", v.to_lowercase());
    }
    if f.strict {
        y.push_str("strict: true\n");
    }
    if f.security_definer {
        y.push_str("security_definer: true\n");
    }
    if let Some(p) = &f.parallel {
        let _ = writeln!(y, "parallel: {}", p.to_lowercase());
    }
    if f.leakproof {
        y.push_str("leakproof: true\n");
    }
    if let Some(c) = f.cost {
        let _ = writeln!(y, "cost: {c}");
    }
    if let Some(r) = f.rows {
        let _ = writeln!(y, "rows: {r}");
    }
    if !f.config.is_empty() {
        y.push_str("set:\n");
        for (k, v) in &f.config {
            let _ = writeln!(y, "  {}: {}", scalar(k), scalar(&setting(v)));
        }
    }
    let _ = write!(y, "body: {}", block(&f.body));
    if let Some(c) = &f.comment {
        let _ = writeln!(y, "comment: {}", scalar(c));
    }
    if let Some(o) = &f.owner {
        let _ = writeln!(y, "owner: {}", scalar(o));
    }
    y.push_str(&grants_yaml(schema, &f.name, ObjectKind::Functions, &f.grants));
    y
}

fn view_yaml(schema: &Schema, v: &View) -> String {
    let mut y = format!("view: {}\n", scalar(&format!("{}.{}", v.name.schema, v.name.name)));
    if v.materialized {
        y.push_str("materialized: true\n");
    }
    let (invoker, other): (Vec<_>, Vec<_>) = v.options.iter().cloned().partition(|(k, _)| k == "security_invoker");
    if let Some((_, val)) = invoker.first() {
        let _ = writeln!(y, "security_invoker: {val}");
    }
    y.push_str(&super::replication::with_yaml(&other, ""));
    if !v.columns.is_empty() {
        let _ = writeln!(y, "columns: {}", flow_list(&v.columns));
    }
    let _ = write!(y, "query: {}", block(&v.query));
    if let Some(c) = &v.check_option {
        let _ = writeln!(y, "check_option: {}", c.to_lowercase());
    }
    if !v.indexes.is_empty() {
        y.push_str("indexes:\n");
        for i in &v.indexes {
            super::write_index(&mut y, i);
        }
    }
    if let Some(c) = &v.comment {
        let _ = writeln!(y, "comment: {}", scalar(c));
    }
    if let Some(o) = &v.owner {
        let _ = writeln!(y, "owner: {}", scalar(o));
    }
    y.push_str(&grants_yaml(schema, &v.name, ObjectKind::Tables, &v.grants));
    y
}

/// Files for functions, views, enums, and the extensions and schemas.
pub(super) fn files(schema: &Schema) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for f in schema.functions.values() {
        // Overloads share a name: number the files after the first.
        let base = file_name(&f.name);
        let n = seen.entry(base.clone()).or_default();
        let name = if *n == 0 { base.clone() } else { base.replace(".yaml", &format!("_{n}.yaml")) };
        *n += 1;
        out.push((format!("functions/{name}"), function_yaml(schema, f)));
    }
    let called: std::collections::BTreeSet<&QualifiedName> = schema
        .triggers
        .values()
        .map(|t| &t.function)
        .filter(|f| !schema.functions.values().any(|d| &d.name == *f))
        .collect();
    for f in called {
        out.push((
            format!("functions/{}", file_name(f)),
            format!("function: {}\nexternal: true\n", scalar(&format!("{}.{}", f.schema, f.name))),
        ));
    }
    for v in schema.views.values() {
        out.push((format!("views/{}", file_name(&v.name)), view_yaml(schema, v)));
    }
    for e in schema.enums.values() {
        let values: Vec<String> = e.values.clone();
        let mut y = format!(
            "enum: {}\nvalues: {}\n",
            scalar(&format!("{}.{}", e.name.schema, e.name.name)),
            flow_list(&values)
        );
        if let Some(c) = &e.comment {
            let _ = writeln!(y, "comment: {}", scalar(c));
        }
        if let Some(o) = &e.owner {
            let _ = writeln!(y, "owner: {}", scalar(o));
        }
        out.push((format!("types/{}", file_name(&e.name)), y));
    }
    for c in schema.composites.values() {
        let mut y = format!("type: {}\nattributes:\n", scalar(&format!("{}.{}", c.name.schema, c.name.name)));
        for a in &c.attributes {
            let ty = match &a.collation {
                Some(k) => format!("{} collate {}", a.data_type.sql(), quote_ident(k)),
                None => a.data_type.sql(),
            };
            let _ = writeln!(y, "  {}: {}", scalar(&a.name), scalar(&ty));
        }
        if let Some(k) = &c.comment {
            let _ = writeln!(y, "comment: {}", scalar(k));
        }
        if let Some(o) = &c.owner {
            let _ = writeln!(y, "owner: {}", scalar(o));
        }
        out.push((format!("types/{}", file_name(&c.name)), y));
    }
    for d in schema.domains.values() {
        let mut y =
            format!("domain: {}\ntype: {}\n", scalar(&format!("{}.{}", d.name.schema, d.name.name)), scalar(&d.base));
        if let Some(c) = &d.collation {
            let _ = writeln!(y, "collate: {}", scalar(c));
        }
        if d.not_null {
            y.push_str("not_null: true\n");
        }
        if let Some(e) = &d.default {
            let _ = writeln!(y, "default: {}", scalar(e.text()));
        }
        if !d.checks.is_empty() {
            y.push_str("checks:\n");
            for (n, e) in &d.checks {
                let _ = writeln!(y, "  {}: {}", scalar(n), scalar(e.text()));
            }
        }
        if let Some(c) = &d.comment {
            let _ = writeln!(y, "comment: {}", scalar(c));
        }
        out.push((format!("types/{}", file_name(&d.name)), y));
    }
    for q in schema.sequences.values() {
        let mut y = format!("sequence: {}\n", scalar(&format!("{}.{}", q.name.schema, q.name.name)));
        for (k, v) in &q.options {
            let _ = writeln!(y, "{k}: {}", scalar(v));
        }
        if let Some((t, c)) = &q.owned_by {
            let _ = writeln!(y, "owned_by: {}", scalar(&format!("{}.{}.{c}", t.schema, t.name)));
        }
        if let Some(c) = &q.comment {
            let _ = writeln!(y, "comment: {}", scalar(c));
        }
        if let Some(o) = &q.owner {
            let _ = writeln!(y, "owner: {}", scalar(o));
        }
        y.push_str(&grants_yaml(schema, &q.name, ObjectKind::Sequences, &q.grants));
        out.push((format!("sequences/{}", file_name(&q.name)), y));
    }
    let mut setup = String::new();
    if !schema.extensions.is_empty() {
        setup.push_str("extensions:\n");
        for e in schema.extensions.values() {
            match &e.schema {
                Some(s) => {
                    let _ = writeln!(setup, "  {}: {{schema: {}}}", scalar(&e.name), scalar(s));
                }
                None => {
                    let _ = writeln!(setup, "  {}: {{}}", scalar(&e.name));
                }
            }
        }
    }
    if !schema.schemas.is_empty() {
        let schemas: Vec<String> = schema.schemas.iter().cloned().collect();
        let _ = writeln!(setup, "schemas: {}", flow_list(&schemas));
    }
    let public = PUBLIC_SCHEMA.to_string();
    let schema_grants: Vec<_> = std::iter::once(&public)
        .chain(&schema.schemas)
        .filter_map(|name| {
            let grants = schema.schema_grants_of(name);
            let born = if name == &public {
                platform_public_grants()
            } else {
                schema.default_privileges.effective(name, ObjectKind::Schemas)
            };
            (grants != born).then_some((name, grants))
        })
        .collect();
    if !schema_grants.is_empty() {
        setup.push_str("schema_grants:\n");
        for (name, grants) in schema_grants {
            setup.push_str(&grants_entry(&scalar(name), &grants, SCHEMA_PRIVILEGES, "  "));
        }
    }
    let comments: Vec<_> = schema.schema_comments.iter().filter(|(name, _)| schema.schemas.contains(*name)).collect();
    if !comments.is_empty() {
        setup.push_str("schema_comments:\n");
        for (name, text) in comments {
            let _ = writeln!(setup, "  {}: {}", scalar(name), scalar(text));
        }
    }
    setup.push_str(&default_privileges_yaml(schema));
    let roles = created_roles(schema);
    if !roles.is_empty() {
        let _ = writeln!(setup, "roles: {}", flow_list(&roles));
    }
    if !setup.is_empty() {
        out.push(("_setup.yaml".to_string(), setup));
    }
    out
}

/// Roles that grants, policies and owners name and the platform does not have: the YAML declares
/// them (`roles:`), or it would not load.
fn created_roles(schema: &Schema) -> Vec<String> {
    let tables = schema.tables.values().flat_map(|t| std::iter::once(&t.grants).chain(t.column_grants.values()));
    let grants = tables
        .chain(schema.views.values().map(|v| &v.grants))
        .chain(schema.functions.values().map(|f| &f.grants))
        .chain(schema.schema_grants.values());
    let declared = schema.default_privileges.declared();
    let roles: std::collections::BTreeSet<&str> = grants
        .chain(declared.iter().map(|(_, _, g)| g))
        .flat_map(|g| g.keys().map(String::as_str))
        .chain(schema.policies.values().flat_map(|p| p.roles.iter().map(String::as_str)))
        .chain(crate::model::owners::owners(schema).into_values().flatten().map(String::as_str))
        .filter(|r| !crate::model::privileges::platform_role(r))
        .collect();
    roles.into_iter().map(str::to_string).collect()
}
