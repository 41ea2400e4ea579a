//! `schemagen lint`: each rule fires on a schema or change that breaks it and stays quiet on
//! the compliant form; severities follow YAML, then schemagen.toml, then the default; the
//! binary exits 1 only on an error-level finding. No database is needed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use schemagen::config::Config;
use schemagen::lint::{Category, Finding, Format, RuleId, Settings, Severity, lint_changes, lint_schema, render};
use schemagen::model::Schema;
use schemagen::{load_current, load_desired};
use tempfile::TempDir;

/// A project in a temporary directory: YAML files under `schema/`, SQL under `migrations/`.
struct Project {
    dir: TempDir,
}

impl Project {
    fn new(yaml: &[(&str, &str)]) -> Project {
        let project = Project { dir: tempfile::tempdir().expect("temp dir") };
        for (name, text) in yaml {
            project.write(&format!("schema/{name}"), text);
        }
        project
    }

    fn with_sql(self, sql: &str) -> Project {
        self.write("migrations/0001_init.sql", sql);
        self
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn desired(&self) -> Schema {
        load_desired(&self.path("schema")).unwrap_or_else(|e| panic!("YAML does not load:\n{e}"))
    }

    fn current(&self) -> Schema {
        load_current(&[self.path("migrations")]).unwrap_or_else(|e| panic!("SQL does not load:\n{e}")).0
    }

    fn lint(&self) -> Vec<Finding> {
        lint_schema(&self.desired(), &Settings::default())
    }

    fn lint_change(&self, online: bool) -> Vec<Finding> {
        let (current, desired) = (self.current(), self.desired());
        let changes = schemagen::diff::diff(&current, &desired);
        lint_changes(&current, &desired, &changes, online, &Settings::default())
    }

    /// The text output, with the temporary directory taken out of the paths.
    fn text(&self, findings: &[Finding]) -> String {
        render(findings, Format::Text).replace(&format!("{}/", self.dir.path().display()), "")
    }
}

fn ids(findings: &[Finding]) -> BTreeSet<&'static str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

fn of_rule(findings: &[Finding], rule: &str) -> Vec<Finding> {
    findings.iter().filter(|f| f.rule.as_str() == rule).cloned().collect()
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("lint__{name}"), text);
    });
}

/// `rule` fires on the schema of `trigger` (its text output is the snapshot) and not on
/// that of `compliant`.
fn schema_rule(rule: &str, trigger: &[(&str, &str)], compliant: &[(&str, &str)]) {
    let p = Project::new(trigger);
    let found = of_rule(&p.lint(), rule);
    assert!(!found.is_empty(), "{rule} does not fire on:\n{trigger:#?}");
    snapshot(rule, &p.text(&found));
    let ok = Project::new(compliant).lint();
    assert!(!ids(&ok).contains(rule), "{rule} fires on the compliant form:\n{}", render(&ok, Format::Text));
}

/// `rule` fires on the change from `sql` to `trigger` and not on the change to `compliant`.
fn change_rule(rule: &str, sql: &str, trigger: &[(&str, &str)], compliant: &[(&str, &str)]) {
    let p = Project::new(trigger).with_sql(sql);
    let found = of_rule(&p.lint_change(false), rule);
    assert!(!found.is_empty(), "{rule} does not fire on the change to:\n{trigger:#?}");
    snapshot(rule, &p.text(&found));
    let ok = Project::new(compliant).with_sql(sql).lint_change(false);
    assert!(!ids(&ok).contains(rule), "{rule} fires on the compliant change:\n{}", render(&ok, Format::Text));
}

const OWNED: &str = "
table: notes
columns:
  id: uuid primary key default gen_random_uuid()
  user_id: uuid not null references auth.users(id) on delete cascade
  body: text
indexes:
  notes_user_id_idx: user_id
rls: true
";

fn with_policies(policies: &str) -> String {
    format!("{OWNED}policies:\n{policies}")
}

const OWN_ROWS: &str = "
  notes_own:
    roles: [authenticated]
    using: (select auth.uid()) = user_id
";

// ---- Supabase advisors ----

#[test]
fn rls_disabled_in_public() {
    let open = OWNED.replace("rls: true\n", "");
    let private = format!("{}schema: private\n", open);
    schema_rule("rls_disabled_in_public", &[("notes.yaml", &open)], &[("notes.yaml", &with_policies(OWN_ROWS))]);
    // Only exposed schemas: the API does not serve `private`.
    assert!(!ids(&Project::new(&[("notes.yaml", &private)]).lint()).contains("rls_disabled_in_public"));
}

#[test]
fn policy_exists_rls_disabled() {
    let off = with_policies(OWN_ROWS).replace("rls: true\n", "");
    schema_rule("policy_exists_rls_disabled", &[("notes.yaml", &off)], &[("notes.yaml", &with_policies(OWN_ROWS))]);
}

#[test]
fn rls_enabled_no_policy() {
    schema_rule("rls_enabled_no_policy", &[("notes.yaml", OWNED)], &[("notes.yaml", &with_policies(OWN_ROWS))]);
}

#[test]
fn auth_rls_initplan() {
    let per_row = "
  notes_own:
    roles: [authenticated]
    using: user_id = auth.uid()
    with_check: (auth.jwt() ->> 'role') = 'editor' and current_setting('app.tenant') = 'x'
";
    schema_rule(
        "auth_rls_initplan",
        &[("notes.yaml", &with_policies(per_row))],
        &[("notes.yaml", &with_policies(OWN_ROWS))],
    );
    // The nearest SELECT decides: a call in the WHERE of a subquery with FROM runs per row
    // it reads, one in a SELECT without FROM runs once.
    let lint = |using: &str| {
        let policy = format!("  p:\n    using: {using}\n");
        ids(&Project::new(&[("notes.yaml", &with_policies(&policy))]).lint()).contains("auth_rls_initplan")
    };
    assert!(lint("exists (select 1 from public.notes n where n.user_id = auth.uid())"));
    assert!(!lint("exists (select 1 from public.notes n where n.user_id = (select auth.uid()))"));
    assert!(!lint("user_id = (select auth.uid()) and (select auth.jwt() ->> 'aal') = 'aal2'"));
    assert!(lint("user_id = pg_catalog.current_setting('request.jwt.claim.sub')::uuid"));
}

#[test]
fn multiple_permissive_policies() {
    let two = "
  notes_own:
    roles: [authenticated]
    using: (select auth.uid()) = user_id
  notes_read_all:
    command: select
    using: 'true'
";
    let restrictive = "
  notes_own:
    roles: [authenticated]
    using: (select auth.uid()) = user_id
  notes_mfa:
    restrictive: true
    using: (select auth.jwt() ->> 'aal') = 'aal2'
";
    // FOR ALL to authenticated and FOR SELECT to public overlap on SELECT for authenticated.
    schema_rule(
        "multiple_permissive_policies",
        &[("notes.yaml", &with_policies(two))],
        &[("notes.yaml", &with_policies(restrictive))],
    );
    let found = of_rule(&Project::new(&[("notes.yaml", &with_policies(two))]).lint(), "multiple_permissive_policies");
    assert_eq!(found.len(), 1, "one finding for the one overlap: {found:#?}");
    assert!(found[0].message.contains("role authenticated on SELECT"), "{}", found[0].message);
}

#[test]
fn unindexed_foreign_keys() {
    let bare = OWNED.replace("indexes:\n  notes_user_id_idx: user_id\n", "");
    schema_rule("unindexed_foreign_keys", &[("notes.yaml", &bare)], &[("notes.yaml", OWNED)]);
    // Any index whose leading columns are the key's, in any order, serves it; a partial
    // one does not.
    let two = |indexes: &str| {
        let parent = "table: parent\ncolumns:\n  a: int\n  b: int\nprimary_key: [a, b]\nrls: true\n";
        let child = format!(
            "table: child\ncolumns:\n  id: bigint primary key\n  a: int\n  b: int\n  c: int\nforeign_keys:\n  - columns: [a, b]\n    references: parent(a, b)\nindexes:\n{indexes}rls: true\n"
        );
        let p = Project::new(&[("parent.yaml", parent), ("child.yaml", &child)]);
        ids(&p.lint()).contains("unindexed_foreign_keys")
    };
    assert!(!two("  child_b_a_c_idx: b, a, c\n"));
    assert!(two("  child_a_c_idx: a, c\n"));
    assert!(two("  child_a_b_idx:\n    columns: a, b\n    where: c > 0\n"));
}

#[test]
fn duplicate_index() {
    let twice =
        OWNED.replace("  notes_user_id_idx: user_id\n", "  notes_user_id_idx: user_id\n  notes_user_idx: user_id\n");
    schema_rule("duplicate_index", &[("notes.yaml", &twice)], &[("notes.yaml", OWNED)]);
    // A unique index on the primary key's columns is the primary key's index again.
    let pk_again =
        OWNED.replace("  notes_user_id_idx: user_id\n", "  notes_id_key:\n    columns: id\n    unique: true\n");
    let found = of_rule(&Project::new(&[("notes.yaml", &pk_again)]).lint(), "duplicate_index");
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("notes_pkey"), "{}", found[0].message);
}

#[test]
fn no_primary_key() {
    let keyless = OWNED.replace("uuid primary key default", "uuid not null default");
    schema_rule("no_primary_key", &[("notes.yaml", &keyless)], &[("notes.yaml", OWNED)]);
}

const FUNCTION: &str = "
function: public.touch
returns: trigger
language: plpgsql
body: |
  BEGIN
    NEW.updated_at = now();
    RETURN NEW;
  END;
";

#[test]
fn function_search_path_mutable() {
    let pinned = format!("{FUNCTION}set:\n  search_path: ''\n");
    schema_rule("function_search_path_mutable", &[("touch.yaml", FUNCTION)], &[("touch.yaml", &pinned)]);
}

const VIEW: &str = "
view: public.note_counts
query: select user_id, count(*) as n from public.notes group by user_id
";

#[test]
fn security_definer_view() {
    let invoker = format!("{VIEW}security_invoker: true\n");
    schema_rule(
        "security_definer_view",
        &[("notes.yaml", OWNED), ("view.yaml", VIEW)],
        &[("notes.yaml", OWNED), ("view.yaml", &invoker)],
    );
}

#[test]
fn auth_users_exposed() {
    let users = "view: public.user_emails\nquery: select id, email from auth.users\n";
    let private = users.replace("public.user_emails", "private.user_emails");
    schema_rule("auth_users_exposed", &[("view.yaml", users)], &[("view.yaml", &private)]);
    // With security_invoker the caller needs privileges on auth.users, which API roles lack.
    let invoker = format!("{users}security_invoker: true\n");
    assert!(!ids(&Project::new(&[("view.yaml", &invoker)]).lint()).contains("auth_users_exposed"));
}

#[test]
fn security_definer_platform_access() {
    let function = "function: public.user_email\nargs: [uid uuid]\nreturns: text\nsecurity_definer: true\nset: {search_path: ''}\nbody: select email from auth.users where id = uid\n";
    let private = format!("{function}grants:\n  service_role: [execute]\n");
    schema_rule("security_definer_platform_access", &[("f.yaml", function)], &[("f.yaml", &private)]);
    // PL/pgSQL bodies are read too; an invoker's function is the caller's own rights.
    let plpgsql = "function: public.wipe\nreturns: void\nlanguage: plpgsql\nsecurity_definer: true\nbody: |\n  begin\n    delete from storage.objects;\n  end;\n";
    assert!(ids(&Project::new(&[("f.yaml", plpgsql)]).lint()).contains("security_definer_platform_access"));
    let invoker = function.replace("security_definer: true\n", "");
    assert!(!ids(&Project::new(&[("f.yaml", &invoker)]).lint()).contains("security_definer_platform_access"));
}

#[test]
fn access_contradicted() {
    let expected = "access: {anon: none, authenticated: own(user_id)}\n";
    let open = format!("{}{expected}", with_policies("\n  notes_read:\n    using: 'true'\n"));
    let own = format!("{}{expected}", with_policies(OWN_ROWS));
    schema_rule("access_contradicted", &[("notes.yaml", &open)], &[("notes.yaml", &own)]);
    // Presets imply their expectations: `rls: owner` next to a hand-written open policy.
    let preset = OWNED
        .replace("rls: true\n", "rls: owner\npolicies:\n  anyone reads:\n    command: select\n    using: 'true'\n");
    let found = of_rule(&Project::new(&[("notes.yaml", &preset)]).lint(), "access_contradicted");
    assert!(found[0].message.contains("anon select: all, expected none"), "{}", found[0].message);
}

#[test]
fn membership_self_insert() {
    let workspaces = "table: workspaces\ncolumns:\n  id: uuid primary key\n  owner_id: uuid not null\nrls: true\npolicies:\n  owner reads:\n    roles: [authenticated]\n    using: owner_id = (select auth.uid())\n";
    let documents = "table: documents\ncolumns:\n  id: uuid primary key\n  workspace_id: uuid not null references workspaces(id)\nrls: {preset: workspace_member, column: workspace_id, members: workspace_members}\n";
    let members = |check: &str| {
        format!(
            "table: workspace_members\ncolumns:\n  workspace_id: uuid not null references workspaces(id)\n  user_id: uuid not null\nprimary_key: [workspace_id, user_id]\nrls: true\npolicies:\n  read own:\n    command: select\n    roles: [authenticated]\n    using: user_id = (select auth.uid())\n  join:\n    command: insert\n    roles: [authenticated]\n    with_check: {check}\n"
        )
    };
    let open = members("user_id = (select auth.uid())");
    let guarded =
        members("exists (select 1 from workspaces w where w.id = workspace_id and w.owner_id = (select auth.uid()))");
    schema_rule(
        "membership_self_insert",
        &[("workspaces.yaml", workspaces), ("documents.yaml", documents), ("workspace_members.yaml", &open)],
        &[("workspaces.yaml", workspaces), ("documents.yaml", documents), ("workspace_members.yaml", &guarded)],
    );
    // Nothing trusts it: an ordinary own-rows table.
    let alone = Project::new(&[("workspaces.yaml", workspaces), ("workspace_members.yaml", &open)]).lint();
    assert!(!ids(&alone).contains("membership_self_insert"));
}

#[test]
fn rls_references_user_metadata() {
    let policy = |claim: &str| {
        format!(
            "  notes_admin:\n    roles: [authenticated]\n    using: ((select auth.jwt()) -> '{claim}' ->> 'role') = 'admin'\n"
        )
    };
    schema_rule(
        "rls_references_user_metadata",
        &[("notes.yaml", &with_policies(&policy("user_metadata")))],
        &[("notes.yaml", &with_policies(&policy("app_metadata")))],
    );
}

#[test]
fn rls_policy_always_true() {
    let policy = |command: &str, role: &str| {
        format!("  notes_open:\n    command: {command}\n    roles: [{role}]\n    using: 'true'\n")
    };
    schema_rule(
        "rls_policy_always_true",
        &[("notes.yaml", &with_policies(&policy("update", "authenticated")))],
        &[("notes.yaml", &with_policies(&policy("select", "authenticated")))],
    );
    // A public read is meant (as in Supabase's advisor), and service_role bypasses RLS.
    let anon_reads = Project::new(&[("notes.yaml", &with_policies(&policy("select", "anon")))]).lint();
    assert!(!ids(&anon_reads).contains("rls_policy_always_true"));
    let service = Project::new(&[("notes.yaml", &with_policies(&policy("all", "service_role")))]).lint();
    assert!(!ids(&service).contains("rls_policy_always_true"));
    let anon_writes = Project::new(&[("notes.yaml", &with_policies(&policy("delete", "anon")))]).lint();
    assert!(ids(&anon_writes).contains("rls_policy_always_true"));
    // Always true in other spellings is the same hole.
    for always in ["1 = 1", "true or user_id = auth.uid()", "not false"] {
        let spelled = format!("  notes_open:\n    command: update\n    roles: [authenticated]\n    using: {always}\n");
        let found = Project::new(&[("notes.yaml", &with_policies(&spelled))]).lint();
        assert!(ids(&found).contains("rls_policy_always_true"), "{always}");
    }
}

#[test]
fn extension_in_public() {
    schema_rule(
        "extension_in_public",
        &[("setup.yaml", "extensions:\n  pg_trgm: {}\n")],
        &[("setup.yaml", "extensions:\n  pg_trgm: {schema: extensions}\n")],
    );
    // pg_cron and the like create their own schema: there is nothing to move.
    let own = Project::new(&[("setup.yaml", "extensions:\n  pg_cron: {}\n  pg_net: {schema: public}\n")]).lint();
    assert!(!ids(&own).contains("extension_in_public"), "{}", render(&own, Format::Text));
}

#[test]
fn external_tables_are_not_linted_as_tables() {
    let external = "table: customers\nschema: billing\nexternal: true\n";
    let findings = Project::new(&[("customers.yaml", external)]).lint();
    assert!(findings.is_empty(), "{}", render(&findings, Format::Text));
}

// ---- migration safety ----

const NOTES_SQL: &str = "
create table public.notes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users(id) on delete cascade,
  body text,
  n integer,
  title varchar(20)
);
create index notes_user_id_idx on public.notes (user_id);
alter table public.notes enable row level security;
";

const NOTES_YAML: &str = "
table: notes
columns:
  id: uuid primary key default gen_random_uuid()
  user_id: uuid not null references auth.users(id) on delete cascade
  body: text
  n: integer
  title: varchar(20)
indexes:
  notes_user_id_idx: user_id
rls: true
";

fn notes_with(from: &str, to: &str) -> String {
    assert!(NOTES_YAML.contains(from), "{from}");
    NOTES_YAML.replacen(from, to, 1)
}

#[test]
fn adding_required_field() {
    let required = notes_with("  title: varchar(20)\n", "  title: varchar(20)\n  slug: text not null\n");
    let backfilled = notes_with(
        "  title: varchar(20)\n",
        "  title: varchar(20)\n  slug:\n    type: text\n    not_null: true\n    backfill: lower(coalesce(title, ''))\n",
    );
    change_rule("adding_required_field", NOTES_SQL, &[("notes.yaml", &required)], &[("notes.yaml", &backfilled)]);
    let defaulted = notes_with("  title: varchar(20)\n", "  title: varchar(20)\n  slug: text not null default ''\n");
    assert!(
        !ids(&Project::new(&[("notes.yaml", &defaulted)]).with_sql(NOTES_SQL).lint_change(false))
            .contains("adding_required_field")
    );
    // A new table has no rows to fill.
    let other = "table: tags\ncolumns:\n  id: bigint primary key\n  name: text not null\nrls: true\n";
    let p = Project::new(&[("notes.yaml", NOTES_YAML), ("tags.yaml", other)]).with_sql(NOTES_SQL);
    assert!(!ids(&p.lint_change(false)).contains("adding_required_field"));
}

#[test]
fn changing_column_type() {
    change_rule(
        "changing_column_type",
        NOTES_SQL,
        &[("notes.yaml", &notes_with("  n: integer\n", "  n: bigint\n"))],
        // Raising a varchar limit or making it text rewrites nothing.
        &[("notes.yaml", &notes_with("  title: varchar(20)\n", "  title: varchar(40)\n"))],
    );
    let to_text = notes_with("  title: varchar(20)\n", "  title: text\n");
    assert!(
        !ids(&Project::new(&[("notes.yaml", &to_text)]).with_sql(NOTES_SQL).lint_change(false))
            .contains("changing_column_type")
    );
    let narrowed = notes_with("  title: varchar(20)\n", "  title: varchar(10)\n");
    assert!(
        ids(&Project::new(&[("notes.yaml", &narrowed)]).with_sql(NOTES_SQL).lint_change(false))
            .contains("changing_column_type")
    );
}

#[test]
fn require_concurrent_index_creation() {
    let indexed = notes_with("  notes_user_id_idx: user_id\n", "  notes_user_id_idx: user_id\n  notes_n_idx: n\n");
    let new_table =
        "table: tags\ncolumns:\n  id: bigint primary key\n  name: text\nindexes:\n  tags_name_idx: name\nrls: true\n";
    change_rule(
        "require_concurrent_index_creation",
        NOTES_SQL,
        &[("notes.yaml", &indexed)],
        &[("notes.yaml", NOTES_YAML), ("tags.yaml", new_table)],
    );
    let online = Project::new(&[("notes.yaml", &indexed)]).with_sql(NOTES_SQL).lint_change(true);
    assert!(!ids(&online).contains("require_concurrent_index_creation"));
}

#[test]
fn constraint_missing_not_valid() {
    let checked = format!("{NOTES_YAML}checks:\n  notes_n_positive: n > 0\n");
    change_rule("constraint_missing_not_valid", NOTES_SQL, &[("notes.yaml", &checked)], &[("notes.yaml", NOTES_YAML)]);
    let online = Project::new(&[("notes.yaml", &checked)]).with_sql(NOTES_SQL).lint_change(true);
    assert!(!ids(&online).contains("constraint_missing_not_valid"));
    // A unique key is not validated row by row later: NOT VALID does not exist for it.
    let unique = format!("{NOTES_YAML}unique:\n  - [user_id, title]\n");
    let p = Project::new(&[("notes.yaml", &unique)]).with_sql(NOTES_SQL);
    assert!(!ids(&p.lint_change(false)).contains("constraint_missing_not_valid"));
}

#[test]
fn ban_drop_column() {
    let dropped = notes_with("  n: integer\n", "");
    change_rule("ban_drop_column", NOTES_SQL, &[("notes.yaml", &dropped)], &[("notes.yaml", NOTES_YAML)]);
    // The table's `allow_destructive: true` already declares the loss intended.
    let allowed = dropped.replace("rls: true\n", "rls: true\nallow_destructive: true\n");
    let p = Project::new(&[("notes.yaml", &allowed)]).with_sql(NOTES_SQL);
    assert!(!ids(&p.lint_change(false)).contains("ban_drop_column"));
}

#[test]
fn ban_drop_table() {
    let sql = format!("{NOTES_SQL}create table public.tags (id bigint primary key);\n");
    change_rule(
        "ban_drop_table",
        &sql,
        &[("notes.yaml", NOTES_YAML)],
        &[("notes.yaml", NOTES_YAML), ("tags.yaml", "table: tags\ncolumns:\n  id: bigint primary key\n")],
    );
}

#[test]
fn renaming_column() {
    let renamed = notes_with("  body: text\n", "  content:\n    type: text\n    renamed_from: body\n");
    let beside = notes_with("  body: text\n", "  body: text\n  content: text\n");
    change_rule("renaming_column", NOTES_SQL, &[("notes.yaml", &renamed)], &[("notes.yaml", &beside)]);
}

/// A function of `language` whose body writes `column` of notes: its YAML and its SQL.
fn note_writer(language: &str, column: &str) -> (String, String) {
    let body = match language {
        "sql" => format!("update public.notes set {column} = $1 where id = $2"),
        _ => format!("BEGIN UPDATE public.notes SET {column} = b WHERE id = i; END;"),
    };
    let yaml = format!(
        "function: public.set_body\nargs: [b text, i uuid]\nreturns: void\nlanguage: {language}\nbody: '{body}'\n"
    );
    let sql =
        format!("create function public.set_body(b text, i uuid) returns void language {language} as $$ {body} $$;\n");
    (yaml, sql)
}

#[test]
fn renamed_column_in_a_function_body() {
    let renamed = notes_with("  body: text\n", "  content:\n    type: text\n    renamed_from: body\n");
    for (rule, language) in [("renamed_column_in_sql_body", "sql"), ("renamed_column_in_plpgsql_body", "plpgsql")] {
        let (old_yaml, old_sql) = note_writer(language, "body");
        let (new_yaml, _) = note_writer(language, "content");
        let sql = format!("{NOTES_SQL}{old_sql}");
        change_rule(
            rule,
            &sql,
            &[("notes.yaml", &renamed), ("set_body.yaml", &old_yaml)],
            &[("notes.yaml", &renamed), ("set_body.yaml", &new_yaml)],
        );
    }
}

#[test]
fn renaming_table() {
    let renamed = NOTES_YAML.replace("table: notes\n", "table: memos\nrenamed_from: notes\n");
    change_rule("renaming_table", NOTES_SQL, &[("notes.yaml", &renamed)], &[("notes.yaml", NOTES_YAML)]);
}

// ---- column types: on the schema, and on what a change adds ----

#[test]
fn prefer_text_field() {
    let varchar = OWNED.replace("  body: text\n", "  body: varchar(500)\n");
    let checked = OWNED.replace("  body: text\n", "  body: text check (char_length(body) <= 500)\n");
    schema_rule("prefer_text_field", &[("notes.yaml", &varchar)], &[("notes.yaml", &checked)]);
}

#[test]
fn prefer_timestamptz() {
    let local = OWNED.replace("  body: text\n", "  seen_at: timestamp\n");
    let zoned = OWNED.replace("  body: text\n", "  seen_at: timestamptz\n");
    schema_rule("prefer_timestamptz", &[("notes.yaml", &local)], &[("notes.yaml", &zoned)]);
}

#[test]
fn prefer_bigint_over_int() {
    let table = |id: &str| format!("table: counters\ncolumns:\n  id: {id}\n  hits: integer\nrls: true\n");
    schema_rule(
        "prefer_bigint_over_int",
        &[("counters.yaml", &table("integer primary key"))],
        &[("counters.yaml", &table("bigint primary key"))],
    );
    for id in ["serial primary key", "integer generated always as identity", "smallint primary key"] {
        let found = Project::new(&[("counters.yaml", &table(id))]).lint();
        assert!(ids(&found).contains("prefer_bigint_over_int"), "{id}");
    }
}

#[test]
fn type_rules_on_a_change_cover_only_what_it_adds() {
    // NOTES_SQL already has title varchar(20): the schema lint reports it, the change that
    // leaves it alone does not; the varchar column the change adds is reported.
    let added = notes_with("  title: varchar(20)\n", "  title: varchar(20)\n  slug: varchar(80)\n");
    let p = Project::new(&[("notes.yaml", &added)]).with_sql(NOTES_SQL);
    let on_change: Vec<String> =
        of_rule(&p.lint_change(false), "prefer_text_field").iter().map(|f| f.object.to_string()).collect();
    assert_eq!(on_change, vec!["column public.notes.slug"]);
    assert_eq!(of_rule(&p.lint(), "prefer_text_field").len(), 2);
}

// ---- severities ----

#[test]
fn yaml_settings_override_per_object_then_per_table() {
    let keyless = "
table: events
lint:
  # Raised: this project wants keys everywhere.
  no_primary_key: error
columns:
  at: timestamptz not null
  kind:
    type: varchar(20)
    lint: {prefer_text_field: allow}
  label: varchar(20)
rls: true
";
    let findings = Project::new(&[("events.yaml", keyless)]).lint();
    let keyed = of_rule(&findings, "no_primary_key");
    assert_eq!(keyed.len(), 1);
    assert_eq!(keyed[0].severity, Severity::Error);
    let varchar: Vec<String> = of_rule(&findings, "prefer_text_field").iter().map(|f| f.object.to_string()).collect();
    assert_eq!(varchar, vec!["column public.events.label"], "the column's allow covers that column only");
    // A table setting covers its columns, and a one-column constraint looks at its column.
    let table_wide =
        keyless.replace("  no_primary_key: error\n", "  no_primary_key: error\n  prefer_text_field: allow\n");
    assert!(!ids(&Project::new(&[("events.yaml", &table_wide)]).lint()).contains("prefer_text_field"));
    let fk = "
table: notes
columns:
  id: bigint primary key
  user_id:
    type: uuid
    references: auth.users(id)
    lint: {unindexed_foreign_keys: allow}
rls: true
";
    assert!(!ids(&Project::new(&[("notes.yaml", fk)]).lint()).contains("unindexed_foreign_keys"));
}

/// Ids are one style (snake_case); the kebab-case spellings the safety and type rules once
/// had still name the same rule, in `schemagen.toml` and in YAML.
#[test]
fn old_kebab_case_rule_ids_are_still_read() {
    let varchar = OWNED.replace("  body: text\n", "  body: varchar(9)\n");
    let fires = lint_schema(&Project::new(&[("notes.yaml", &varchar)]).desired(), &Default::default());
    assert_eq!(of_rule(&fires, "prefer_text_field").len(), 1, "the finding names the rule in its one style");
    let p = Project::new(&[("notes.yaml", &varchar)]);
    p.write("schemagen.toml", "[lint]\nprefer-text-field = \"allow\"\n");
    let config = Config::load(p.dir.path()).expect("the old spelling is a known rule");
    assert!(!ids(&lint_schema(&p.desired(), &config.lint)).contains("prefer_text_field"));
    let in_yaml = varchar.replace("rls: true\n", "rls: true\nlint: {prefer-text-field: allow}\n");
    let findings = lint_schema(&Project::new(&[("notes.yaml", &in_yaml)]).desired(), &Default::default());
    assert!(!ids(&findings).contains("prefer_text_field"));
}

#[test]
fn config_settings_override_defaults_and_yaml_overrides_config() {
    let p = Project::new(&[("notes.yaml", OWNED)]);
    p.write("schemagen.toml", "[lint]\nrls_enabled_no_policy = \"error\"\nprefer_text_field = \"allow\"\n");
    let config = Config::load(p.dir.path()).expect("config loads");
    let varchar = OWNED.replace("  body: text\n", "  body: varchar(9)\n");
    let desired = Project::new(&[("notes.yaml", &varchar)]).desired();
    let findings = lint_schema(&desired, &config.lint);
    assert_eq!(of_rule(&findings, "rls_enabled_no_policy")[0].severity, Severity::Error);
    assert!(!ids(&findings).contains("prefer_text_field"));
    let quiet = varchar.replace("rls: true\n", "rls: true\nlint: {rls_enabled_no_policy: warn}\n");
    let findings = lint_schema(&Project::new(&[("notes.yaml", &quiet)]).desired(), &config.lint);
    assert_eq!(of_rule(&findings, "rls_enabled_no_policy")[0].severity, Severity::Warn);
}

#[test]
fn config_rejects_unknown_rules_and_severities_at_their_line() {
    let p = Project::new(&[]);
    p.write(
        "schemagen.toml",
        "schema = \"schema\"\n\n[lint]\nno_primary_key = \"warn\"\nno_primary_keys = \"allow\"\n",
    );
    let e = Config::load(p.dir.path()).unwrap_err().to_string();
    assert!(e.contains("unknown lint rule `no_primary_keys`; did you mean `no_primary_key`?"), "{e}");
    assert!(e.contains("schemagen.toml:5:1"), "{e}");
    p.write("schemagen.toml", "[lint]\nno_primary_key = \"fatal\"\n");
    let e = Config::load(p.dir.path()).unwrap_err().to_string();
    assert!(e.contains("unknown variant `fatal`, expected one of `allow`, `warn`, `error`"), "{e}");
    assert!(e.contains("schemagen.toml:2:18"), "{e}");
}

// ---- output ----

#[test]
fn output_is_sorted_whatever_the_input_order() {
    let open = OWNED.replace("rls: true\n", "").replace("uuid primary key default", "uuid not null default");
    let p = Project::new(&[("notes.yaml", &open), ("touch.yaml", FUNCTION)]);
    let findings = p.lint();
    assert!(findings.len() >= 3);
    let mut reversed = findings.clone();
    reversed.reverse();
    for format in [Format::Text, Format::Json, Format::Sarif] {
        assert_eq!(render(&findings, format), render(&reversed, format));
    }
    let text = p.text(&reversed);
    let places: Vec<&str> = text.lines().filter(|l| l.starts_with("  --> ")).collect();
    let mut sorted = places.clone();
    sorted.sort_by_key(|l| {
        let (file, rest) = l[6..].split_once(':').unwrap();
        let (line, col) = rest.split_once(':').unwrap();
        (file.to_string(), line.parse::<u32>().unwrap(), col.parse::<u32>().unwrap())
    });
    assert_eq!(places, sorted);
}

#[test]
fn sarif_has_the_fields_code_scanning_reads() {
    let p = Project::new(&[("notes.yaml", &OWNED.replace("rls: true\n", ""))]);
    let findings = p.lint();
    let sarif: serde_json::Value = serde_json::from_str(&render(&findings, Format::Sarif)).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "schemagen");
    let rules: Vec<&str> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rules, RuleId::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>());
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let rls = results.iter().find(|r| r["ruleId"] == "rls_disabled_in_public").expect("the RLS finding");
    assert_eq!(rls["level"], "error");
    assert_eq!(rules[rls["ruleIndex"].as_u64().unwrap() as usize], "rls_disabled_in_public");
    assert!(rls["message"]["text"].as_str().unwrap().contains("without row-level security"));
    let place = &rls["locations"][0]["physicalLocation"];
    assert!(place["artifactLocation"]["uri"].as_str().unwrap().ends_with("schema/notes.yaml"));
    assert_eq!(place["region"]["startLine"], 2);
    assert_eq!(place["region"]["startColumn"], 8);
}

#[test]
fn json_lists_findings_and_counts() {
    let p = Project::new(&[("notes.yaml", &OWNED.replace("rls: true\n", ""))]);
    let json: serde_json::Value = serde_json::from_str(&render(&p.lint(), Format::Json)).unwrap();
    let first = &json["findings"][0];
    assert_eq!(first["rule"], "rls_disabled_in_public");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["object"], "table public.notes");
    assert_eq!(first["line"], 2);
    assert_eq!(json["errors"], 1);
}

// ---- the command ----

fn schemagen(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_schemagen")).args(args).current_dir(dir).output().expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn command_exits_1_only_on_error_findings() {
    let open = Project::new(&[("notes.yaml", &OWNED.replace("rls: true\n", ""))]);
    let (code, out, _) = schemagen(open.dir.path(), &["lint"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[rls_disabled_in_public]: table public.notes"), "{out}");
    assert!(out.contains("  --> schema/notes.yaml:2:8"), "{out}");

    let clean = Project::new(&[("notes.yaml", &with_policies(OWN_ROWS))]);
    let (code, out, _) = schemagen(clean.dir.path(), &["lint"]);
    assert_eq!((code, out.as_str()), (0, "no lint findings\n"));

    // Warnings alone pass.
    open.write("schemagen.toml", "[lint]\nrls_disabled_in_public = \"warn\"\n");
    let (code, out, _) = schemagen(open.dir.path(), &["lint", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!((json["errors"].as_u64(), json["warnings"].as_u64()), (Some(0), Some(1)));
}

#[test]
fn command_lints_the_change_from_the_sql() {
    let required = notes_with("  title: varchar(20)\n", "  title: varchar(20)\n  slug: text not null\n");
    let p = Project::new(&[("notes.yaml", &required)]).with_sql(NOTES_SQL);
    let (code, out, err) = schemagen(p.dir.path(), &["lint", "--sql", "migrations"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("error[adding_required_field]: column public.notes.slug"), "{out}");
    // The type rule runs on the schema and on the change; it is reported once.
    assert_eq!(out.matches("warn[prefer_text_field]").count(), 1, "{out}");
    // Named SQL that does not exist is an error, not a skipped change.
    let (code, _, err) = schemagen(p.dir.path(), &["lint", "--sql", "nowhere"]);
    assert_eq!(code, 1);
    assert!(err.contains("nowhere does not exist"), "{err}");
}

#[test]
fn command_online_drops_the_rules_the_online_plan_answers() {
    let indexed = notes_with("  notes_user_id_idx: user_id\n", "  notes_user_id_idx: user_id\n  notes_n_idx: n\n");
    let p = Project::new(&[("notes.yaml", &indexed)]).with_sql(NOTES_SQL);
    let (_, out, _) = schemagen(p.dir.path(), &["lint", "--sql", "migrations"]);
    assert!(out.contains("require_concurrent_index_creation"), "{out}");
    let (_, out, _) = schemagen(p.dir.path(), &["lint", "--sql", "migrations", "--online"]);
    assert!(!out.contains("require_concurrent_index_creation"), "{out}");
    // The same from schemagen.toml.
    p.write("schemagen.toml", "sql = [\"migrations\"]\n");
    let (_, out, _) = schemagen(p.dir.path(), &["lint"]);
    assert!(out.contains("require_concurrent_index_creation"), "{out}");
    p.write("schemagen.toml", "sql = [\"migrations\"]\nonline = true\n");
    let (_, out, _) = schemagen(p.dir.path(), &["lint"]);
    assert!(!out.contains("require_concurrent_index_creation"), "{out}");
}

#[test]
fn command_rejects_unknown_rules_in_yaml() {
    let p = Project::new(&[(
        "notes.yaml",
        &with_policies(OWN_ROWS).replace("rls: true\n", "rls: true\nlint: {no_primary_keys: allow}\n"),
    )]);
    // Every command that reads the YAML refuses it, at the misspelled key.
    for command in ["lint", "diff"] {
        let (code, _, err) = schemagen(p.dir.path(), &[command]);
        assert_eq!(code, 1, "{command}: {err}");
        assert!(err.contains("unknown lint rule `no_primary_keys`; did you mean `no_primary_key`?"), "{err}");
        assert!(err.contains("schema/notes.yaml:10:8"), "{err}");
    }
}

#[test]
fn tables_written_by_new_table_are_lint_clean() {
    let p = Project::new(&[]);
    for args in [&["new", "table", "workspaces"][..], &["new", "table", "docs", "--workspace", "workspaces"]] {
        let (code, out, err) = schemagen(p.dir.path(), args);
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, out, _) = schemagen(p.dir.path(), &["lint"]);
    assert_eq!((code, out.as_str()), (0, "no lint findings\n"));
}

// ---- the bundled schema and the docs ----

#[test]
fn bundled_schema_is_lint_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let findings = lint_schema(&load_desired(&root.join("schema")).expect("bundled schema"), &Settings::default());
    assert!(findings.is_empty(), "{}", render(&findings, Format::Text));
}

#[test]
fn docs_describe_every_rule() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lint.md")).unwrap();
    let sections: Vec<&str> = docs.split("\n### ").skip(1).collect();
    assert_eq!(sections.len(), RuleId::ALL.len(), "one section per rule");
    for &rule in RuleId::ALL {
        let section = sections.iter().find(|s| s.starts_with(&format!("`{rule}`")));
        let section = section.unwrap_or_else(|| panic!("docs/lint.md has no section for {rule}"));
        assert!(section.contains(&format!("Default: **{}**", rule.default_severity())), "wrong default for {rule}");
    }
}

#[test]
fn docs_list_each_category_in_catalog_order() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lint.md")).unwrap();
    let parts = [
        ("Rules from Supabase's database advisors", Category::Advisor),
        ("Rules on the change", Category::Safety),
        ("Rules on column types", Category::Style),
    ];
    for (heading, category) in parts {
        let part = docs.split("\n## ").find(|p| p.starts_with(heading)).unwrap_or_else(|| panic!("no ## {heading}"));
        let documented: Vec<&str> = part.split("\n### `").skip(1).filter_map(|s| s.split('`').next()).collect();
        let rules: Vec<&str> = RuleId::ALL.iter().filter(|r| r.category() == category).map(|r| r.as_str()).collect();
        assert_eq!(documented, rules, "{heading}");
    }
}

const EVENTS: &str = "table: events\ncolumns:\n  id: bigint\n  day: date not null\nprimary_key: [id, day]\n\
                      partition_by: range (day)\nrls: true\n";
const EVENTS_2025: &str = "table: events_2025\npartition_of: events\nbound: from ('2025-01-01') to ('2026-01-01')\n";

/// A partition has its parent's primary key (PostgreSQL copies it down); a partitioned
/// table without one still has none.
#[test]
fn no_primary_key_reads_a_partitions_key_on_its_parent() {
    let found = Project::new(&[("events.yaml", EVENTS), ("events_2025.yaml", EVENTS_2025)]).lint();
    assert!(of_rule(&found, "no_primary_key").is_empty(), "{}", render(&found, Format::Text));
    let keyless = EVENTS.replace("primary_key: [id, day]\n", "");
    let found = Project::new(&[("events.yaml", &keyless), ("events_2025.yaml", EVENTS_2025)]).lint();
    let flagged: Vec<String> = of_rule(&found, "no_primary_key").iter().map(|f| f.object.to_string()).collect();
    assert_eq!(flagged, ["table public.events", "table public.events_2025"]);
}

/// PostgreSQL builds no index CONCURRENTLY on a partitioned table, so `--online` is no advice
/// there.
#[test]
fn require_concurrent_index_creation_leaves_partitioned_tables_alone() {
    let sql = "create table events (id bigint, day date not null, primary key (id, day)) partition by range (day);\n\
               alter table events enable row level security;";
    let indexed = format!("{EVENTS}indexes:\n  events_day_idx: day\n");
    let found = Project::new(&[("events.yaml", &indexed)]).with_sql(sql).lint_change(false);
    assert!(!ids(&found).contains("require_concurrent_index_creation"), "{}", render(&found, Format::Text));
}
