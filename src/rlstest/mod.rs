//! `schemagen test generate`: one pgTAP file per table with row level security (or with
//! `access:`), in the Supabase CLI's layout (`supabase/tests/schemagen_rls_<table>.test.sql`),
//! runnable by `supabase test db`, `pg_prove` and `verify`. Inside one transaction that is
//! rolled back, two users A and B get a row each (and the rows those need: their workspaces
//! and memberships), and every role (`anon`; `authenticated` signed in as A; `service_role`)
//! tries each command on A's row and on B's row, and to move A's row to B; each outcome is
//! asserted allowed or denied as the expectations say. Each try is undone before the next,
//! so the assertions do not depend on each other's order.

pub mod rows;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::access::implied::{self, Implied};
use crate::access::{Command, Role, Rule, Source};
use crate::model::{ConstraintKind, QualifiedName, Schema, Table};
use crate::render::quote;
use rows::{Row, Rows, key_of, user, user_value};

/// The directory the Supabase CLI runs tests from.
pub const DIR: &str = "supabase/tests";

/// One generated file.
#[derive(Debug, Clone)]
pub struct TestFile {
    pub table: QualifiedName,
    /// The file's name in `DIR`.
    pub name: String,
    pub text: String,
    /// Why the table's rows could not be made (the file then only says so).
    pub skipped: Option<String>,
    /// The expectations were read from the policies, not declared.
    pub review: bool,
}

/// Runs one statement as the current role and undoes it. 'allowed' when it reached a row;
/// 'denied' when it reached none or was refused for lack of privilege or by row level
/// security (both SQLSTATE 42501); any other error is returned as text, and fails the test.
const HELPER: &str = "CREATE FUNCTION pg_temp.schemagen_try(statement text) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    n bigint;
    outcome text;
BEGIN
    BEGIN
        EXECUTE statement;
        GET DIAGNOSTICS n = ROW_COUNT;
        outcome := CASE WHEN n > 0 THEN 'allowed' ELSE 'denied' END;
        RAISE EXCEPTION USING ERRCODE = 'SGT01';
    EXCEPTION
        WHEN SQLSTATE 'SGT01' THEN NULL;
        WHEN insufficient_privilege THEN outcome := 'denied';
        WHEN OTHERS THEN outcome := 'error: ' || SQLERRM;
    END;
    RETURN outcome;
END
$fn$;";

/// The tables tested: those with row level security or with expectations.
pub fn files(schema: &Schema) -> Result<Vec<TestFile>, String> {
    let mut out: Vec<TestFile> = Vec::new();
    let mut names = BTreeMap::new();
    for table in schema.tables.values() {
        if !table.rls_enabled && !schema.hints.access.contains_key(&table.name) {
            continue;
        }
        let file = file(schema, table);
        if let Some(other) = names.insert(file.name.clone(), table.name.clone()) {
            return Err(format!("tables {other} and {} would both be tested in {}", table.name, file.name));
        }
        out.push(file);
    }
    Ok(out)
}

/// `schemagen_rls_<table>.test.sql`, with the schema when it is not `public`, in characters
/// any file system takes.
fn file_name(table: &QualifiedName) -> String {
    let safe = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '_' }).collect()
    };
    match table.schema.as_str() {
        "public" => format!("schemagen_rls_{}.test.sql", safe(&table.name)),
        s => format!("schemagen_rls_{}_{}.test.sql", safe(s), safe(&table.name)),
    }
}

/// The expectation of each role and command, or why the policies do not say one.
type Expectations = BTreeMap<(Role, Command), Result<Rule, String>>;

fn expectations(schema: &Schema, table: &Table) -> (Expectations, Vec<String>, bool) {
    if let Some(access) = schema.hints.access.get(&table.name) {
        let said = match &access.source {
            Source::Declared(origin) => format!("declared at {origin}"),
            Source::Preset(preset, origin) => format!("of `rls: {preset}` at {origin}"),
        };
        let mut header = vec![format!("Expectations ({said}):")];
        header.extend(access.summary().into_iter().map(|l| format!("  {l}")));
        let rules = access.rules.iter().map(|(k, r)| (*k, Ok(r.clone()))).collect();
        return (rules, header, false);
    }
    let matrix = implied::matrix(schema, table);
    let mut header = vec![
        "Expectations read from the policies and privileges, not declared: review them, and declare".into(),
        "`access:` in the table's YAML to keep them:".into(),
    ];
    let rules: Expectations = matrix
        .into_iter()
        .map(|(k, implied)| match implied {
            Implied::Rule(r) => (k, Ok(r)),
            Implied::Unknown(why) => (k, Err(why)),
        })
        .collect();
    let said = |e: &Result<Rule, String>| match e {
        Ok(r) => r.to_string(),
        Err(why) => format!("not decidable ({why}), not tested"),
    };
    for role in Role::ALL {
        let each: Vec<&Result<Rule, String>> = Command::ALL.iter().map(|c| &rules[&(role, *c)]).collect();
        if each.iter().all(|e| *e == each[0]) {
            header.push(format!("  {}: {}", role.name(), said(each[0])));
        } else {
            for (command, e) in Command::ALL.iter().zip(each) {
                header.push(format!("  {} {}: {}", role.name(), command.name(), said(e)));
            }
        }
    }
    (rules, header, true)
}

/// Which row a try is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// User A's row.
    Own,
    /// User B's row.
    Other,
    /// A's row, its owner changed to B.
    Move,
}

impl Case {
    fn says(self) -> &'static str {
        match self {
            Case::Own => "a row of user A",
            Case::Other => "a row of user B",
            Case::Move => "moving a row of user A to user B",
        }
    }
}

/// Whether `role` reaches the row of `case` under `rule`: `authenticated` is signed in as A.
fn allowed(rule: &Rule, role: Role, case: Case) -> bool {
    match rule {
        Rule::None => false,
        Rule::All => true,
        Rule::Own(_) | Rule::Workspace(_) => role == Role::Authenticated && case == Case::Own,
    }
}

fn file(schema: &Schema, table: &Table) -> TestFile {
    let (expected, header, review) = expectations(schema, table);
    let name = file_name(&table.name);
    let mut text = String::new();
    let _ = writeln!(
        text,
        "-- Generated by schemagen (`schemagen test generate`): row level security of {}.",
        quote::comment_line(&table.name.to_string())
    );
    text.push_str("-- Generate it again rather than edit it; run it with `supabase test db` or pg_prove.\n");
    for line in &header {
        let _ = writeln!(text, "-- {}", quote::comment_line(line));
    }
    let body = match Body::new(schema, table, &expected) {
        Ok(body) => body,
        Err(why) => {
            let _ = writeln!(text, "-- skipped: {}", quote::comment_line(&why));
            text.push_str("BEGIN;\nCREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions;\nSELECT plan(1);\n");
            let _ = writeln!(text, "SELECT skip({}, 1);", quote::literal(&format!("{}: {why}", table.name)));
            text.push_str("SELECT * FROM finish();\nROLLBACK;\n");
            return TestFile { table: table.name.clone(), name, text, skipped: Some(why), review };
        }
    };
    text.push_str(&body.render(table, &expected));
    TestFile { table: table.name.clone(), name, text, skipped: None, review }
}

/// What a table's test needs: the rows and the statements each role tries.
struct Body {
    /// Rows of other tables (users' workspaces, memberships, parents), inserted first.
    parents: Vec<Row>,
    /// The rows of A (slot 1) and B (slot 2).
    rows: [Row; 2],
    key: Vec<String>,
    /// The column the "move" try changes from A to B, when rows have an owner.
    mover: Option<String>,
    /// The column a plain update sets to itself.
    touched: String,
}

impl Body {
    fn new(schema: &Schema, table: &Table, expected: &Expectations) -> Result<Body, String> {
        let key = key_of(table).ok_or_else(|| format!("{} has no primary key to name its rows by", table.name))?;
        let rules: BTreeSet<&Rule> = expected.values().filter_map(|r| r.as_ref().ok()).collect();
        // Columns the rules read, each given a value: true for an owner column (the user's
        // id), false for a workspace column (filled through its foreign key).
        let mut fill = BTreeMap::new();
        let mut mover = None;
        for rule in &rules {
            match rule {
                Rule::Own(c) => {
                    fill.insert(c.clone(), true);
                    mover.get_or_insert_with(|| c.clone());
                }
                Rule::Workspace(w) => {
                    fill.insert(w.column.clone(), false);
                    mover.get_or_insert_with(|| w.column.clone());
                }
                Rule::None | Rule::All => {}
            }
        }
        for column in fill.keys() {
            if table.column(column).is_none() {
                return Err(format!("the expectations name column {column}, which {} does not have", table.name));
            }
        }
        if mover.is_none() {
            mover = owner_column(table);
        }
        let mut builder = Rows::new(schema);
        let mut rows = Vec::new();
        for slot in [1u8, 2] {
            let given: BTreeMap<String, String> = fill
                .iter()
                .filter(|(_, is_user)| **is_user)
                .map(|(c, _)| (c.clone(), user_value(slot, &table.column(c).expect("checked above").data_type)))
                .collect();
            let wanted: Vec<String> = fill.keys().cloned().collect();
            rows.push(builder.row_with(table, slot, &given, &wanted)?);
        }
        for rule in &rules {
            let Rule::Workspace(w) = rule else { continue };
            let Some(members) = schema.tables.get(&w.members) else {
                return Err(format!("the membership table {} is not declared", w.members));
            };
            for (slot, row) in [1u8, 2].into_iter().zip(&rows) {
                let Some(workspace) = row.value(&w.column) else {
                    return Err(format!("the test cannot fill column {}", w.column));
                };
                let member = members
                    .column(&w.member_column)
                    .ok_or_else(|| format!("{} has no column {}", w.members, w.member_column))?;
                if members.column(&w.member_workspace_column).is_none() {
                    return Err(format!("{} has no column {}", w.members, w.member_workspace_column));
                }
                let given = BTreeMap::from([
                    (w.member_workspace_column.clone(), workspace.to_string()),
                    (w.member_column.clone(), user_value(slot, &member.data_type)),
                ]);
                builder.extra(members, slot, &given)?;
            }
        }
        let touched = mover
            .clone()
            .or_else(|| {
                table.columns.iter().find(|c| !key.contains(&c.name) && c.generated.is_none()).map(|c| c.name.clone())
            })
            .unwrap_or_else(|| key[0].clone());
        let [a, b]: [Row; 2] = rows.try_into().expect("two slots");
        // Moving A's row to B would collide with B's row under a key they would then share
        // (a profile keyed by its user): that move cannot be tried.
        let mover = mover.filter(|m| !unique_keys(table).any(|k| k.iter().all(|c| c == m || a.value(c) == b.value(c))));
        // The tested table's own rows are inserted by the test, not as parents.
        let parents = builder.parents.into_iter().filter(|r| r.table != table.name).collect();
        Ok(Body { parents, rows: [a, b], key, mover, touched })
    }

    fn key_filter(&self, row: &Row) -> String {
        let parts: Vec<String> =
            self.key.iter().map(|k| format!("{} = {}", quote::ident(k), row.value(k).unwrap_or("NULL"))).collect();
        parts.join(" AND ")
    }

    fn statement(&self, table: &Table, command: Command, case: Case) -> String {
        let name = quote::qname(&table.name);
        let row = if case == Case::Other { &self.rows[1] } else { &self.rows[0] };
        let filter = self.key_filter(row);
        match (command, case) {
            (Command::Select, _) => format!("SELECT 1 FROM {name} WHERE {filter}"),
            (Command::Insert, _) => row.insert(),
            (Command::Update, Case::Move) => {
                let mover = self.mover.as_deref().expect("a move is tried only with an owner column");
                let to = self.rows[1].value(mover).unwrap_or("NULL");
                format!("UPDATE {name} SET {} = {to} WHERE {filter}", quote::ident(mover))
            }
            (Command::Update, _) => {
                let c = quote::ident(&self.touched);
                format!("UPDATE {name} SET {c} = {c} WHERE {filter}")
            }
            (Command::Delete, _) => format!("DELETE FROM {name} WHERE {filter}"),
        }
    }

    fn render(&self, table: &Table, expected: &Expectations) -> String {
        let mut tries: Vec<(Command, Vec<Case>)> = Vec::new();
        for command in Command::ALL {
            let mut cases = vec![Case::Own, Case::Other];
            if command == Command::Update && self.mover.is_some() {
                cases.push(Case::Move);
            }
            tries.push((command, cases));
        }
        let asserts = |commands: &[Command]| -> (String, usize) {
            let mut out = String::new();
            let mut n = 0;
            for role in Role::ALL {
                let _ = writeln!(out, "\n-- As {}.", role_says(role));
                let _ =
                    writeln!(out, "SELECT set_config('request.jwt.claims', {}, true);", quote::literal(&claims(role)));
                let _ = writeln!(out, "SET LOCAL ROLE {};", quote::ident(role.name()));
                for (command, cases) in tries.iter().filter(|(c, _)| commands.contains(c)) {
                    let rule = match &expected[&(role, *command)] {
                        Ok(rule) => rule,
                        Err(why) => {
                            let why =
                                format!("{} {}: not decidable from the policies ({why})", role.name(), command.name());
                            let _ = writeln!(out, "-- {}", quote::comment_line(&why));
                            continue;
                        }
                    };
                    for case in cases {
                        let want = if allowed(rule, role, *case) { "allowed" } else { "denied" };
                        let description =
                            format!("{}: {} {} ({}): {want}", table.name, role.name(), command.name(), case.says());
                        let _ = writeln!(
                            out,
                            "SELECT is(pg_temp.schemagen_try({}), {}, {});",
                            quote::literal(&self.statement(table, *command, *case)),
                            quote::literal(want),
                            quote::literal(&description)
                        );
                        n += 1;
                    }
                }
                out.push_str("RESET ROLE;\n");
            }
            (out, n)
        };
        let (inserts, n1) = asserts(&[Command::Insert]);
        let (others, n2) = asserts(&[Command::Select, Command::Update, Command::Delete]);

        let mut text = String::from("BEGIN;\nCREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions;\n");
        let _ = writeln!(text, "SELECT plan({});\n", n1 + n2);
        text.push_str(HELPER);
        text.push_str("\n\n-- Users A and B, and the rows theirs need, made by the superuser running the test.\n");
        let users: Vec<String> = [1u8, 2]
            .iter()
            .map(|s| {
                format!(
                    "({}, {}, 'authenticated', 'authenticated', '{{}}', '{{}}')",
                    quote::literal(&user(*s)),
                    quote::literal(&format!("user{s}@schemagen.test"))
                )
            })
            .collect();
        let _ = writeln!(
            text,
            "INSERT INTO auth.users (id, email, aud, role, raw_app_meta_data, raw_user_meta_data)\n    VALUES {}\n    ON CONFLICT (id) DO NOTHING;",
            users.join(", ")
        );
        for row in &self.parents {
            let _ = writeln!(text, "{} ON CONFLICT DO NOTHING;", row.insert());
        }
        // A trigger on auth.users may have made rows with the test's keys: gone, so the
        // inserts below start from a table without A's and B's rows.
        let _ = writeln!(
            text,
            "DELETE FROM {} WHERE ({}) OR ({});",
            quote::qname(&table.name),
            self.key_filter(&self.rows[0]),
            self.key_filter(&self.rows[1])
        );
        text.push_str("\n-- Inserts, before the table holds A's and B's rows.");
        text.push_str(&inserts);
        text.push_str("\n-- A's and B's rows.\n");
        for row in &self.rows {
            let _ = writeln!(text, "{};", row.insert());
        }
        text.push_str(&others);
        text.push_str("\nSELECT * FROM finish();\nROLLBACK;\n");
        text
    }
}

fn role_says(role: Role) -> &'static str {
    match role {
        Role::Anon => "anon (not signed in)",
        Role::Authenticated => "authenticated, signed in as user A",
        Role::ServiceRole => "service_role",
    }
}

/// The JWT claims PostgREST would set for the role.
fn claims(role: Role) -> String {
    match role {
        Role::Authenticated => format!(r#"{{"sub": "{}", "role": "authenticated"}}"#, user(1)),
        other => format!(r#"{{"role": "{}"}}"#, other.name()),
    }
}

/// The first column that references `auth.users`: whose row it is.
fn owner_column(table: &Table) -> Option<String> {
    table.constraints.iter().find_map(|c| match &c.kind {
        ConstraintKind::ForeignKey(fk)
            if fk.columns.len() == 1 && fk.ref_table == QualifiedName::new("auth", "users") =>
        {
            Some(fk.columns[0].clone())
        }
        _ => None,
    })
}

/// The column sets no two rows may share: primary key, unique constraints, unique indexes
/// over plain columns without a predicate.
fn unique_keys(table: &Table) -> impl Iterator<Item = Vec<String>> + '_ {
    let constraints = table.constraints.iter().filter(|c| c.kind.has_index()).map(|c| c.kind.columns().to_vec());
    let indexes = table
        .indexes
        .iter()
        .filter(|i| i.unique && i.predicate.is_none())
        .filter_map(|i| i.keys.iter().map(|k| k.column.clone()).collect::<Option<Vec<String>>>());
    constraints.chain(indexes)
}
