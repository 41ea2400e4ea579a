//! `schemagen new table`: the YAML of a new table with row-level security done the way
//! Supabase's advisors want it — RLS on, one policy per command for `authenticated`, the
//! user's id read once per query (`(select auth.uid())`), nothing for `anon`.

use std::fmt::Write as _;

use crate::diagnostic::{Diagnostic, Result};
use crate::import::scalar;
use crate::model::naming::{MAX_IDENT, make_object_name};
use crate::model::{ObjectId, QualifiedName, Schema};
use crate::pgtree::quote_ident;

/// The shared trigger function that keeps `updated_at` current.
pub const UPDATED_AT_FUNCTION: &str = "update_updated_at_column";

pub struct NewTable<'a> {
    pub name: &'a str,
    /// The column that holds the owning user (`user_id`).
    pub owner: &'a str,
    /// Rows belong to a workspace of this table (with a `user_id` owner) instead of a user.
    pub workspace: Option<&'a str>,
}

/// (file name, YAML) of the table, and of the updated_at function when `existing` lacks it.
pub fn new_table(t: &NewTable, existing: &Schema) -> Vec<(String, String)> {
    let name = t.name;
    let mut y = format!("table: {}\ncolumns:\n  id: uuid primary key default gen_random_uuid()\n", scalar(name));
    let (key, access) = match t.workspace {
        None => {
            let _ = writeln!(y, "  {}: uuid not null references auth.users(id) on delete cascade", scalar(t.owner));
            (t.owner.to_string(), format!("(select auth.uid()) = {}", quote_ident(t.owner)))
        }
        Some(ws) => {
            let column = workspace_column(ws);
            let _ = writeln!(
                y,
                "  {}: uuid not null references {}(id) on delete cascade",
                scalar(&column),
                quote_ident(ws)
            );
            let access = format!(
                "{} in (select w.id from public.{} w where w.user_id = (select auth.uid()))",
                quote_ident(&column),
                quote_ident(ws)
            );
            (column, access)
        }
    };
    y.push_str("  created_at: timestamptz not null default now()\n  updated_at: timestamptz not null default now()\n");
    let _ = writeln!(y, "indexes:\n  {}: {}", scalar(&make_object_name(name, Some(&key), "idx")), quote_ident(&key));
    y.push_str(
        "rls: true\ngrants:\n  authenticated: [select, insert, update, delete]\n  service_role: [all]\npolicies:\n",
    );
    for (command, using, check) in POLICIES {
        let _ = writeln!(
            y,
            "  {}:\n    command: {command}\n    roles: [authenticated]",
            scalar(&policy_name(name, command))
        );
        if using {
            let _ = writeln!(y, "    using: {}", scalar(&access));
        }
        if check {
            let _ = writeln!(y, "    with_check: {}", scalar(&access));
        }
    }
    let _ = writeln!(
        y,
        "triggers:\n  {}:\n    timing: before\n    events: [update]\n    function: public.{UPDATED_AT_FUNCTION}",
        scalar(&trigger_name(name))
    );
    let mut files = vec![(format!("{name}.yaml"), y)];
    if updated_at_functions(existing).next().is_none() {
        files.push((
            format!("functions/{UPDATED_AT_FUNCTION}.yaml"),
            format!(
                "function: public.{UPDATED_AT_FUNCTION}\nreturns: trigger\nlanguage: plpgsql\nset:\n  search_path: ''\nbody: |\n  BEGIN\n      NEW.updated_at = now();\n      RETURN NEW;\n  END;\n"
            ),
        ));
    }
    files
}

/// One policy per command: (command, has USING, has WITH CHECK).
const POLICIES: [(&str, bool, bool); 4] =
    [("select", true, false), ("insert", false, true), ("update", true, true), ("delete", true, false)];

fn policy_name(table: &str, command: &str) -> String {
    format!("{table}_{command}_own")
}

fn trigger_name(table: &str) -> String {
    format!("{table}_updated_at")
}

/// The column of a row that names its workspace: `team_id` for `teams`.
fn workspace_column(workspace: &str) -> String {
    format!("{}_id", workspace.trim_end_matches('s'))
}

/// The columns the generated policies read on the workspace table: its key, and the user
/// each workspace belongs to.
const WORKSPACE_COLUMNS: [&str; 2] = ["id", "user_id"];

fn updated_at_functions(existing: &Schema) -> impl Iterator<Item = &crate::model::Function> {
    existing.functions.values().filter(|f| f.name == QualifiedName::new("public", UPDATED_AT_FUNCTION))
}

/// Refuses what `new_table` would write wrong: a name PostgreSQL would cut to 63 bytes (the
/// YAML would then never match the database), a workspace table the policies cannot read,
/// an `update_updated_at_column` already declared as something a trigger cannot call.
pub fn check(t: &NewTable, existing: &Schema) -> Result<()> {
    let mut names = vec![("table", t.name.to_string()), ("trigger", trigger_name(t.name))];
    names.extend(POLICIES.iter().map(|(c, ..)| ("policy", policy_name(t.name, c))));
    names.extend(t.workspace.map(|ws| ("column", workspace_column(ws))));
    if let Some((what, long)) = names.iter().find(|(_, n)| n.len() > MAX_IDENT) {
        let suffix = names.iter().filter_map(|(_, n)| n.strip_prefix(t.name)).map(str::len).max().unwrap_or(0);
        let hint = if *what == "column" {
            "the column that names a row's workspace is named after the workspace table: use --workspace \
             with a table of a shorter name"
                .to_string()
        } else {
            format!(
                "use a table name of at most {} bytes: the policies and the trigger are named after it",
                MAX_IDENT - suffix
            )
        };
        return Err(Diagnostic::new(format!(
            "`new table {}` would name a {what} `{long}`, {} bytes: PostgreSQL cuts names at {MAX_IDENT}",
            t.name,
            long.len()
        ))
        .hint(hint)
        .into());
    }
    if let Some(ws) = t.workspace {
        let id = ObjectId::Table(QualifiedName::new("public", ws));
        let missing = existing
            .tables
            .get(&QualifiedName::new("public", ws))
            .and_then(|table| WORKSPACE_COLUMNS.into_iter().find(|c| table.column(c).is_none()));
        if let Some(column) = missing {
            return Err(located(
                Diagnostic::new(format!(
                    "workspace table public.{ws} has no column {column}, which the policies of {} read",
                    t.name
                ))
                .hint(format!(
                    "the policies let a user reach the rows of the workspaces whose user_id is theirs: \
                     add {column} to {ws}, or leave out --workspace"
                )),
                existing,
                &id,
            ));
        }
    }
    // Any overload will do as long as one is the trigger function the trigger calls.
    let callable = |f: &crate::model::Function| {
        f.args.is_empty() && f.returns.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("trigger"))
    };
    if !updated_at_functions(existing).any(callable)
        && let Some(f) = updated_at_functions(existing).next()
    {
        return Err(located(
            Diagnostic::new(format!("function {} is already declared, and a trigger cannot call it", f.signature()))
                .hint(format!(
                    "the updated_at trigger calls public.{UPDATED_AT_FUNCTION}() returning trigger: \
                 declare it so, or rename the function declared"
                )),
            existing,
            &ObjectId::Function(f.routine()),
        ));
    }
    Ok(())
}

/// `d` at where `object` is declared, with its line, when the loader recorded it.
fn located(d: Diagnostic, existing: &Schema, object: &ObjectId) -> crate::diagnostic::Errors {
    match existing.hints.origins.get(object) {
        Some(origin) => {
            let text = crate::source::read(std::path::Path::new(&origin.file)).ok();
            d.at(origin.clone(), text.as_deref()).into()
        }
        None => d.into(),
    }
}
