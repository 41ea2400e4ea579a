//! `schemagen new table`: the YAML of a new table with row-level security done the way
//! Supabase's advisors want it — RLS on, one policy per command for `authenticated`, the
//! user's id read once per query (`(select auth.uid())`), nothing for `anon`.

use std::fmt::Write as _;

use crate::import::scalar;
use crate::model::Schema;
use crate::model::naming::make_object_name;
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
            let column = format!("{}_id", ws.trim_end_matches('s'));
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
    for (command, using, check) in
        [("select", true, false), ("insert", false, true), ("update", true, true), ("delete", true, false)]
    {
        let _ = writeln!(
            y,
            "  {}:\n    command: {command}\n    roles: [authenticated]",
            scalar(&format!("{name}_{command}_own"))
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
        scalar(&format!("{name}_updated_at"))
    );
    let mut files = vec![(format!("{name}.yaml"), y)];
    let has_function =
        existing.functions.values().any(|f| f.name.name == UPDATED_AT_FUNCTION && f.name.schema == "public");
    if !has_function {
        files.push((
            format!("functions/{UPDATED_AT_FUNCTION}.yaml"),
            format!(
                "function: public.{UPDATED_AT_FUNCTION}\nreturns: trigger\nlanguage: plpgsql\nset:\n  search_path: ''\nbody: |\n  BEGIN\n      NEW.updated_at = now();\n      RETURN NEW;\n  END;\n"
            ),
        ));
    }
    files
}
