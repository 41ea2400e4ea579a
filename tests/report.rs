//! `diff --format markdown`: the objects list and the access report, which must claim
//! "broader" only where it follows and report every access lost.

use std::path::Path;
use std::process::Command;

use schemagen::model::Schema;
use schemagen::report::{Access, Effect, Kind, Report};
use schemagen::source::sql::{LoadReport, load_text};

fn schema(sql: &str) -> Schema {
    let mut s = Schema::default();
    load_text(&mut s, Path::new("test.sql"), sql, &mut LoadReport::default()).expect("SQL loads");
    s
}

const POSTS: &str = "create table posts (id int primary key, owner uuid, published boolean);
    alter table posts enable row level security;";

/// The report from `POSTS` plus `before` to `POSTS` plus `after`.
fn report(before: &str, after: &str) -> Report {
    between(&schema(&format!("{POSTS}\n{before}")), &schema(&format!("{POSTS}\n{after}")))
}

/// The report of the diff from `current` to `desired`.
fn between(current: &Schema, desired: &Schema) -> Report {
    Report::new(current, desired, &schemagen::diff::diff(current, desired))
}

fn rows<'a>(r: &'a Report, role: &str, command: &str) -> Vec<&'a Access> {
    r.access.iter().filter(|a| a.role == role && a.command == command).collect()
}

/// The one effect on `role`'s `command` (UPDATE has a row per side; they must agree).
fn effect(r: &Report, role: &str, command: &str) -> Option<Effect> {
    let mut effects: Vec<Effect> = rows(r, role, command).iter().map(|a| a.effect).collect();
    effects.dedup();
    assert!(effects.len() <= 1, "several effects for {role} {command}: {:?}", rows(r, role, command));
    effects.first().copied()
}

/// (role, privilege, granted or revoked), in the report's order.
fn privileges(r: &Report) -> Vec<(&str, &str, Effect)> {
    r.access
        .iter()
        .filter(|a| matches!(a.effect, Effect::Granted | Effect::Revoked))
        .map(|a| (a.role.as_str(), a.command.as_str(), a.effect))
        .collect()
}

/// The acceptance case: on a fixture that widens policies, the markdown names the table,
/// the role and the command of each widening.
#[test]
fn markdown_of_a_widening_fixture_names_table_role_and_command() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture = root.join("tests/fixtures/69_policy_widened");
    let out = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(&fixture)
        .args(["diff", "--format", "markdown", "--schema", "schema", "--sql", "current"])
        .output()
        .expect("run schemagen");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let md = String::from_utf8(out.stdout).expect("UTF-8");
    for line in [
        "| `public.posts` | `anon` | SELECT | **gains** | no rows → USING `published` (Read published posts) |",
        "| `public.posts` | `authenticated` | UPDATE | **broader** | USING `author_id = (SELECT auth.uid())` (Authors update own posts) → USING `true` (Authors update own posts) |",
        "| `public.posts` | `authenticated` | DELETE | **loses** |",
        "- `Read published posts` on `public.posts`: roles `authenticated` → `anon`, `authenticated`",
        "- `Authors update own posts` on `public.posts`: USING `author_id = (SELECT auth.uid())` → `true`",
        "- **Disabled on `public.post_stats`**",
    ] {
        assert!(md.contains(line), "missing {line:?} in:\n{md}");
    }
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("69_policy_widened__markdown", md);
    });
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    assert!(readme.contains(&md), "README.md shows another output of `diff --format markdown` than the command's");
}

#[test]
fn roles_that_grow_are_broader_and_roles_that_shrink_are_not() {
    let wide = "create policy p on posts for select to anon, authenticated using (published);";
    let narrow = "create policy p on posts for select to authenticated using (published);";

    let widened = report(narrow, wide);
    assert_eq!(effect(&widened, "anon", "SELECT"), Some(Effect::Gains));
    assert_eq!(effect(&widened, "authenticated", "SELECT"), None, "authenticated keeps what it had");
    assert_eq!(widened.broader.len(), 1);
    assert_eq!(widened.broader[0].reasons, ["roles `authenticated` → `anon`, `authenticated`"]);

    let narrowed = report(wide, narrow);
    assert!(narrowed.broader.is_empty(), "a narrowing is not broader: {:?}", narrowed.broader);
    assert!(narrowed.changed_conditions.is_empty());
    assert_eq!(narrowed.narrower.len(), 1);
    assert_eq!(effect(&narrowed, "anon", "SELECT"), Some(Effect::Loses));
    assert!(narrowed.access.iter().all(|a| a.effect != Effect::Broader && a.effect != Effect::Gains));
}

#[test]
fn using_true_is_broader_and_the_way_back_is_narrower() {
    let owner = "create policy p on posts for select to authenticated using (owner = auth.uid());";
    let all = "create policy p on posts for select to authenticated using (true);";

    let r = report(owner, all);
    assert_eq!(effect(&r, "authenticated", "SELECT"), Some(Effect::Broader));
    assert_eq!(r.broader[0].reasons, ["USING `owner = auth.uid()` → `true`"]);

    let r = report(all, owner);
    assert_eq!(effect(&r, "authenticated", "SELECT"), Some(Effect::Narrower));
    assert!(r.broader.is_empty());
    assert_eq!(r.narrower[0].reasons, ["USING `true` → `owner = auth.uid()`"]);
}

/// A condition swapped for another can widen or narrow: the report shows both.
#[test]
fn a_changed_condition_is_neither_broader_nor_narrower() {
    let r = report(
        "create policy p on posts for select to authenticated using (owner = auth.uid());",
        "create policy p on posts for select to authenticated using (published);",
    );
    assert!(r.broader.is_empty() && r.narrower.is_empty());
    assert_eq!(r.changed_conditions[0].reasons, ["USING `owner = auth.uid()` → `published`"]);
    let row = &rows(&r, "authenticated", "SELECT")[0];
    assert_eq!(row.effect, Effect::Changed);
    assert!(row.detail.contains("`owner = auth.uid()`") && row.detail.contains("`published`"), "{}", row.detail);
}

/// What is AND-ed to a condition narrows it and what is OR-ed widens it, whatever the
/// conditions are; for a restrictive policy too.
#[test]
fn a_condition_and_ed_is_narrower_and_or_ed_is_broader() {
    let owner = "create policy p on posts for select to authenticated using (owner = auth.uid());";
    let and = "create policy p on posts for select to authenticated using (published and owner = auth.uid());";
    let or = "create policy p on posts for select to authenticated using (owner = auth.uid() or published);";
    for (after, expected) in [(and, Effect::Narrower), (or, Effect::Broader)] {
        let r = report(owner, after);
        assert_eq!(effect(&r, "authenticated", "SELECT"), Some(expected), "{after}");
        assert_eq!(r.broader.len(), usize::from(expected == Effect::Broader), "{after}: {:?}", r.broader);
        assert_eq!(r.narrower.len(), usize::from(expected == Effect::Narrower), "{after}: {:?}", r.narrower);
    }

    let read = "create policy read on posts for select to authenticated using (true);";
    let hide = |using: &str| format!("{read}\ncreate policy hide on posts as restrictive for select using ({using});");
    let r = report(&hide("published and owner = auth.uid()"), &hide("published"));
    assert_eq!(effect(&r, "authenticated", "SELECT"), Some(Effect::Broader));
    assert_eq!(r.broader[0].reasons, ["USING `published AND owner = auth.uid()` → `published`"]);
    let r = report(&hide("published"), &hide("true"));
    assert_eq!(r.broader[0].reasons, ["USING `published` → `true`"], "a restriction that became true is gone");
}

/// UPDATE reads rows through USING and writes them through WITH CHECK; a policy without
/// WITH CHECK decides both, and the report says so in one row.
#[test]
fn update_sides_that_agree_are_one_row() {
    let r = report("", "create policy p on posts for update to authenticated using (owner = auth.uid());");
    let update = rows(&r, "authenticated", "UPDATE");
    assert_eq!(update.len(), 1, "{update:?}");
    assert_eq!(update[0].detail, "no rows → USING and WITH CHECK `owner = auth.uid()` (p)");
}

/// A dropped FOR ALL policy without roles took every command from every role.
#[test]
fn a_dropped_policy_reports_the_access_lost() {
    let r = report("create policy p on posts using (owner = auth.uid());", "");
    for command in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
        assert_eq!(effect(&r, "public", command), Some(Effect::Loses), "{command}");
    }
    assert!(r.broader.is_empty());
    assert_eq!(r.narrower[0].policy, "p");
    assert!(
        r.markdown().contains(
            "| `public.posts` | PUBLIC | INSERT | **loses** | WITH CHECK `owner = auth.uid()` (p) → no rows |"
        )
    );
}

/// A new permissive policy is broader where it joins one that stays; where nothing gave
/// access before it is a gain, not a broadening.
#[test]
fn a_new_permissive_policy_is_or_ed_in_only_where_access_existed() {
    let kept = "create policy mine on posts for select to authenticated using (owner = auth.uid());";
    let added = "create policy published on posts for select to anon, authenticated using (published);";
    let r = report(kept, &format!("{kept}\n{added}"));
    assert_eq!(effect(&r, "anon", "SELECT"), Some(Effect::Gains));
    assert_eq!(effect(&r, "authenticated", "SELECT"), Some(Effect::Broader));
    assert_eq!(r.broader[0].reasons, ["new permissive policy, OR-ed into SELECT of `authenticated` (with `mine`)"]);

    let r = report("", added);
    assert!(r.broader.is_empty(), "no access existed to broaden: {:?}", r.broader);
    assert_eq!(effect(&r, "authenticated", "SELECT"), Some(Effect::Gains));
}

#[test]
fn restrictive_policies_narrow_when_added_and_broaden_when_dropped() {
    let read = "create policy read on posts for select to authenticated using (true);";
    let hide = "create policy hide on posts as restrictive for select to authenticated using (published);";
    let r = report(read, &format!("{read}\n{hide}"));
    assert_eq!(effect(&r, "authenticated", "SELECT"), Some(Effect::Narrower));
    assert!(r.broader.is_empty());

    let r = report(&format!("{read}\n{hide}"), read);
    assert_eq!(effect(&r, "authenticated", "SELECT"), Some(Effect::Broader));
    assert!(r.broader[0].reasons[0].starts_with("restrictive policy dropped"), "{:?}", r.broader);
}

/// The same conditions under other policy names give the same rows: no access change.
#[test]
fn a_policy_split_per_command_changes_no_access() {
    let r = report(
        "create policy own on posts for all to authenticated using (owner = auth.uid());",
        "create policy own_select on posts for select to authenticated using (owner = auth.uid());
         create policy own_insert on posts for insert to authenticated with check (owner = auth.uid());
         create policy own_update on posts for update to authenticated using (owner = auth.uid());
         create policy own_delete on posts for delete to authenticated using (owner = auth.uid());",
    );
    assert!(r.access.is_empty(), "{:?}", r.access);
}

/// Without WITH CHECK a policy checks written rows against its USING, so dropping WITH
/// CHECK replaces one condition with another.
#[test]
fn a_removed_with_check_falls_back_to_using() {
    let r = report(
        "create policy p on posts for update to authenticated using (owner = auth.uid()) with check (true);",
        "create policy p on posts for update to authenticated using (owner = auth.uid());",
    );
    assert_eq!(r.narrower[0].reasons, ["WITH CHECK `true` → `owner = auth.uid()`"]);
    let row = &rows(&r, "authenticated", "UPDATE")[0];
    assert_eq!(row.effect, Effect::Narrower);
    assert!(row.detail.starts_with("WITH CHECK `true`"), "{}", row.detail);
}

#[test]
fn disabling_rls_is_called_out_and_every_role_gains_every_row() {
    let policy = "create policy p on posts for select to authenticated using (owner = auth.uid());
        revoke all on posts from anon, authenticated, service_role;
        grant select on posts to anon;";
    let before = schema(&format!("{POSTS}\n{policy}"));
    let after = schema(&format!("{POSTS}\n{policy}\nalter table posts disable row level security;"));
    let r = between(&before, &after);
    assert!(r.row_security[0].starts_with("**Disabled on `public.posts`**"), "{:?}", r.row_security);
    assert!(r.row_security[0].ends_with("Privileges declared: `anon` (SELECT)."), "{:?}", r.row_security);
    assert_eq!(effect(&r, "public", "DELETE"), Some(Effect::Gains));
    assert_eq!(effect(&r, "authenticated", "SELECT"), Some(Effect::Broader));

    let r = between(&after, &before);
    assert!(r.row_security[0].starts_with("Enabled on `public.posts`"), "{:?}", r.row_security);
    assert_eq!(effect(&r, "public", "DELETE"), Some(Effect::Loses));
    assert_eq!(effect(&r, "authenticated", "SELECT"), Some(Effect::Narrower));
}

#[test]
fn privileges_granted_and_revoked_are_listed_per_role() {
    // Supabase's default privileges give new tables in public to every API role: taken
    // back first, as a project that manages its privileges does.
    let revoke = "revoke all on posts from anon, authenticated, service_role;";
    let r = report(
        &format!("{revoke} grant select, update on posts to authenticated;"),
        &format!("{revoke} grant select on posts to authenticated; grant select, truncate on posts to anon;"),
    );
    assert_eq!(
        privileges(&r),
        [
            ("anon", "SELECT", Effect::Granted),
            ("anon", "TRUNCATE", Effect::Granted),
            ("authenticated", "UPDATE", Effect::Revoked)
        ]
    );
    assert!(r.access.iter().any(|a| a.command == "TRUNCATE" && a.detail == "TRUNCATE ignores row level security"));
}

#[test]
fn objects_are_grouped_by_kind_and_a_rebuilt_view_is_not_a_new_one() {
    let before = "create table b (id int); create view v as select id from posts;
        create policy p on posts for select using (id > 0);";
    let after = "create table a (id int); alter table posts add column body text;
        comment on table posts is 'Posts.'; alter table posts alter column id type bigint;
        create view v as select id from posts;";
    let r = report(before, after);
    let names =
        |objects: &[schemagen::report::Object]| objects.iter().map(|o| (o.kind, o.name.clone())).collect::<Vec<_>>();
    assert_eq!(names(&r.created), [(Kind::Table, "public.a".into()), (Kind::Column, "public.posts.body".into())]);
    assert_eq!(names(&r.dropped), [(Kind::Table, "public.b".into()), (Kind::Policy, "p on public.posts".into())]);
    let changed: Vec<(Kind, &str, Vec<String>)> =
        r.changed.iter().map(|(o, a)| (o.kind, o.name.as_str(), a.clone())).collect();
    assert_eq!(
        changed,
        [
            (Kind::Table, "public.posts", vec!["comment".to_string()]),
            (Kind::Column, "public.posts.id", vec!["definition".to_string()]),
            (Kind::View, "public.v", vec!["recreated unchanged".to_string()]),
        ]
    );
}

#[test]
fn no_changes_says_so() {
    let r = report("", "");
    assert!(r.access.is_empty());
    assert_eq!(r.markdown(), "## schemagen: schema changes\n\nNo changes.\n");
}

/// A renamed table keeps its policies, and a renamed policy its rule: nobody gains or
/// loses anything.
#[test]
fn renames_change_no_access() {
    let current = schema(
        "create table posts (id int primary key, published boolean);
         alter table posts enable row level security;
         create policy read on posts for select to anon using (published);",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("articles.yaml"),
        "table: articles\nrenamed_from: posts\ncolumns:\n  id: int primary key\n  published: boolean\nrls: true\n\
         policies:\n  read_published:\n    renamed_from: read\n    command: select\n    roles: [anon]\n    using: published\n",
    )
    .unwrap();
    let desired = schemagen::load_desired(dir.path()).expect("YAML loads");
    let r = between(&current, &desired);
    assert!(r.access.is_empty(), "{:?}", r.access);
    assert!(r.broader.is_empty() && r.narrower.is_empty() && r.changed_conditions.is_empty());
    assert!(r.created.is_empty() && r.dropped.is_empty(), "{:?} {:?}", r.created, r.dropped);
    let renamed: Vec<&str> = r.changed.iter().flat_map(|(_, a)| a.iter().map(String::as_str)).collect();
    // The primary key follows the table's name, as PostgreSQL would have named it.
    assert_eq!(renamed, ["renamed from `posts`", "renamed from `posts_pkey`", "renamed from `read`"]);
}

/// With --rollback the report describes the rollback: what the migration gave, it takes.
#[test]
fn the_rollback_report_is_the_reverse() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/69_policy_widened");
    let out = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(&fixture)
        .args(["diff", "--rollback", "--format", "markdown", "--schema", "schema", "--sql", "current"])
        .output()
        .expect("run schemagen");
    let md = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(md.contains("| `public.posts` | `anon` | SELECT | **loses** |"), "{md}");
    assert!(md.contains("| `public.posts` | `authenticated` | DELETE | **gains** |"), "{md}");
    assert!(md.contains("Enabled on `public.post_stats`"), "{md}");
}

/// A view's `security_invoker` switched is said as such, in the objects and under row level
/// security, apart from a change of its query; a new view without it is called out.
#[test]
fn a_views_security_invoker_switched_is_said() {
    let invoker = "create view v with (security_invoker = true) as select id from posts;";
    let definer = "create view v as select id from posts;";
    let aspects = |r: &Report| r.changed.iter().find(|(o, _)| o.name == "public.v").map(|(_, a)| a.clone());
    let off = report(invoker, definer);
    assert_eq!(aspects(&off), Some(vec!["security_invoker on → off".to_string()]));
    assert!(off.row_security.iter().any(|l| l.starts_with("**View `public.v` no longer has security_invoker**")));
    let on = report(definer, invoker);
    assert_eq!(aspects(&on), Some(vec!["security_invoker off → on".to_string()]));
    assert!(on.row_security.iter().any(|l| l.starts_with("View `public.v` now has security_invoker")));
    let both = report(invoker, "create view v as select id, owner from posts;");
    assert_eq!(aspects(&both), Some(vec!["definition".to_string(), "security_invoker on → off".to_string()]));
    // Only the query: nothing about security.
    let query = report(invoker, "create view v with (security_invoker = true) as select id, owner from posts;");
    assert_eq!(aspects(&query), Some(vec!["definition".to_string()]));
    assert!(query.row_security.is_empty(), "{:?}", query.row_security);
    let new = report("", definer);
    assert!(new.row_security.iter().any(|l| l.starts_with("**View `public.v` is created without security_invoker**")));
    assert!(report("", invoker).row_security.is_empty());
}

/// `auth.uid()` and `(select auth.uid())` give the same rows, as parse trees (inside an
/// EXISTS too): no access change and no changed condition, and the object says why it
/// changed. The diff keeps the change: it is what the auth_rls_initplan lint asks for, and
/// what the database must be given for the query to run the call once.
#[test]
fn a_per_query_call_wrapped_in_a_subquery_changes_no_access() {
    let policy = |using: &str| {
        format!(
            "create policy p on posts for update to authenticated using ({using}) \
             with check (exists (select 1 from posts q where q.owner = {using_call}));",
            using_call = if using.contains("select") { "(select auth.uid())" } else { "auth.uid()" }
        )
    };
    let (bare, wrapped) = (policy("owner = auth.uid()"), policy("owner = (select auth.uid())"));
    let r = report(&bare, &wrapped);
    assert!(r.access.is_empty(), "{:?}", r.access);
    assert!(r.broader.is_empty() && r.narrower.is_empty() && r.changed_conditions.is_empty());
    let changed: Vec<&Vec<String>> = r.changed.iter().filter(|(o, _)| o.kind == Kind::Policy).map(|(_, a)| a).collect();
    assert_eq!(changed, [&vec!["how often auth.uid() and the like are evaluated (the same rows)".to_string()]]);
    let (current, desired) = (schema(&format!("{POSTS}\n{bare}")), schema(&format!("{POSTS}\n{wrapped}")));
    let changes = schemagen::diff::diff(&current, &desired);
    assert!(changes.iter().any(|c| matches!(c, schemagen::diff::Change::AlterPolicy { .. })), "{changes:?}");
    // Another column, or a subquery that is more than the call, is a change of condition.
    for other in ["author = (select auth.uid())", "owner = (select auth.uid() limit 1)"] {
        let r = report(&bare, &policy(other));
        assert_eq!(effect(&r, "authenticated", "UPDATE"), Some(Effect::Changed), "{other}");
    }
}

/// A new table never held the privileges its default privileges would give: what the
/// migration takes back from them is not "revoked", what it ends with is "granted".
#[test]
fn a_new_table_lists_what_it_is_granted_and_nothing_revoked() {
    let fresh = "create table fresh (id int primary key);
        revoke all on fresh from anon, authenticated, service_role; grant select on fresh to authenticated;";
    let r = report("", fresh);
    assert_eq!(privileges(&r), [("authenticated", "SELECT", Effect::Granted)]);
    // On a table that exists, a revoke is one.
    let r = report("create table fresh (id int primary key);", fresh);
    assert!(r.access.iter().any(|a| a.role == "anon" && a.effect == Effect::Revoked), "{:?}", r.access);
}

/// A policy widened against the table's `access:`: the markdown shows the expectation, what
/// the policies gave and give, and that it is contradicted, beside the policy's change.
#[test]
fn markdown_shows_expectations_beside_the_policy_change() {
    let dir = tempfile::tempdir().unwrap();
    let policy = |using: &str| {
        format!("create policy \"update own\" on public.notes for update to authenticated using ({using});\n")
    };
    std::fs::create_dir_all(dir.path().join("schema")).unwrap();
    std::fs::create_dir_all(dir.path().join("current")).unwrap();
    std::fs::write(
        dir.path().join("current/1.sql"),
        format!(
            "create table public.notes (id uuid primary key, user_id uuid not null);\n\
             alter table public.notes enable row level security;\n{}",
            policy("(select auth.uid()) = user_id")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("schema/notes.yaml"),
        "table: notes\ncolumns:\n  id: uuid primary key\n  user_id: uuid not null\nrls: true\npolicies:\n  update own:\n    \
         command: update\n    roles: [authenticated]\n    using: 'true'\naccess:\n  authenticated: {update: own(user_id)}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .current_dir(dir.path())
        .args(["diff", "--format", "markdown", "--sql", "current"])
        .output()
        .expect("run schemagen");
    let md = String::from_utf8(out.stdout).expect("UTF-8");
    for line in [
        "| `public.notes` | `authenticated` | UPDATE | **broader** |",
        "### Access expectations",
        "| `public.notes` | `authenticated` | UPDATE | `own(user_id)` | `own(user_id)` → `all` | **contradicted** |",
    ] {
        assert!(md.contains(line), "missing {line:?} in:\n{md}");
    }
    // The roles and commands the change leaves as expected are not listed.
    assert!(!md.contains("| `public.notes` | `anon`"), "{md}");
}
