//! The YAML checks of issue 15, and the replay's refusals of conflicting DDL, refuse what
//! PostgreSQL would refuse: for the less obvious cases of the bad-input catalogue, the SQL
//! the case's YAML (or history) stands for is refused by the server with the error the check anticipates, and the same SQL put right is accepted (so
//! the refusal is the shape the case is about, not the setup around it).

mod support;

use std::path::Path;

use support::server;

/// (catalogue case, SQL its YAML stands for, a fragment of PostgreSQL's error, that SQL
/// put right). Each runs in a transaction of its own, after `SETUP`.
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "350_sql_alter_type_of_column_a_view_reads",
        "create view tv as select id from t; alter table t alter column id type integer",
        "cannot alter type of a column used by a view or rule",
        "create view tv as select title from t; alter table t alter column id type integer",
    ),
    (
        "351_sql_drop_column_a_policy_reads",
        "create policy own on t using (title <> ''); alter table t drop column title",
        "policy own on table t depends on column title",
        "create policy own on t using (id > 0); alter table t drop column title",
    ),
    (
        "352_sql_drop_column_a_foreign_key_references",
        "create table t2 (t_id bigint references t (id)); alter table t drop column id",
        "constraint t2_t_id_fkey on table t2 depends on column id",
        "create table t2 (t_id bigint references t (id)); alter table t drop column title",
    ),
    (
        "356_sql_replace_view_renames_a_column",
        "create view tv as select id, title from t; create or replace view tv as select id, title as name from t",
        "cannot change name of view column \"title\" to \"name\"",
        "create view tv as select id, title from t; create or replace view tv as select id, title, title as name from t",
    ),
    (
        "340_yaml_calls_function_that_exists_nowhere",
        "create table t2 (id uuid primary key default gen_random_uuidd())",
        "function gen_random_uuidd() does not exist",
        "create table t2 (id uuid primary key default gen_random_uuid())",
    ),
    (
        "341_yaml_casts_to_type_that_exists_nowhere",
        "create table t2 (id bigint primary key, status text check (status::state is not null))",
        "type \"state\" does not exist",
        "create table t2 (id bigint primary key, status text check (status::text is not null))",
    ),
    (
        "144_yaml_two_primary_keys",
        "create table t2 (id bigint primary key, b bigint primary key)",
        "multiple primary keys",
        "create table t2 (id bigint primary key, b bigint not null unique)",
    ),
    (
        "145_yaml_with_check_on_select_policy",
        "create policy p on t for select with check (true)",
        "WITH CHECK cannot be applied to SELECT or DELETE",
        "create policy p on t for select using (true)",
    ),
    (
        "146_yaml_using_on_insert_policy",
        "create policy p on t for insert using (true)",
        "only WITH CHECK expression allowed for INSERT",
        "create policy p on t for insert with check (true)",
    ),
    (
        "147_yaml_instead_of_trigger_on_table",
        "create trigger tr instead of update on t for each row execute function f()",
        "cannot have INSTEAD OF triggers",
        "create trigger tr before update on t for each row execute function f()",
    ),
    (
        "147_yaml_truncate_trigger_for_each_row",
        "create trigger wipe after truncate on t for each row execute function f()",
        "TRUNCATE FOR EACH ROW triggers are not supported",
        "create trigger wipe after truncate on t for each statement execute function f()",
    ),
    (
        "148_yaml_identity_on_text",
        "create table t2 (id text generated always as identity)",
        "identity column type must be smallint, integer, or bigint",
        "create table t2 (id bigint generated always as identity)",
    ),
    (
        "149_yaml_generated_uses_generated",
        "create table t2 (id bigint, a integer generated always as (id * 2) stored, \
         b integer generated always as (a * 2) stored)",
        "cannot use generated column \"a\"",
        "create table t2 (id bigint, a integer generated always as (id * 2) stored, \
         b integer generated always as (id * 4) stored)",
    ),
    (
        "150_yaml_varchar_zero_length",
        "create table t2 (a varchar(0))",
        "length for type varchar must be at least 1",
        "create table t2 (a varchar(1))",
    ),
    (
        "151_yaml_numeric_precision_too_large",
        "create table t2 (a numeric(2000))",
        "must be between 1 and 1000",
        "create table t2 (a numeric(1000))",
    ),
    (
        "152_yaml_default_not_of_column_type",
        "create table t2 (a integer default 'abc')",
        "invalid input syntax for type integer",
        "create table t2 (a integer default '12')",
    ),
    (
        "152_yaml_default_reads_a_column",
        "create table t2 (id bigint, a integer default id)",
        "cannot use column reference in DEFAULT expression",
        "create table t2 (id bigint, a integer default 1)",
    ),
    (
        "153_yaml_enum_duplicate_label",
        "create type e as enum ('a', 'a')",
        "pg_enum_typid_label_index",
        "create type e as enum ('a', 'b')",
    ),
    (
        "155_yaml_enum_label_too_long",
        "create type e as enum ('this_label_is_far_longer_than_the_sixty_three_bytes_postgresql_keeps')",
        "63 bytes or less",
        "create type e as enum ('a_label_of_sixty_three_bytes_is_the_longest_postgresql_keeps_ok')",
    ),
    (
        "157_yaml_fk_type_mismatch",
        "create table users (id uuid primary key); create table t2 (u text references users(id))",
        "incompatible types",
        "create table users (id uuid primary key); create table t2 (u uuid references users(id))",
    ),
    (
        "158_yaml_platform_table_owned",
        "create table auth.users (id uuid primary key)",
        "already exists",
        "create table public.users (id uuid primary key)",
    ),
    (
        "159_yaml_check_holds_a_subquery",
        "create table t2 (id bigint primary key, parent bigint, check (parent in (select id from t2)))",
        "cannot use subquery in check constraint",
        "create table t2 (id bigint primary key, parent bigint references t2)",
    ),
    (
        "163_yaml_trigger_update_of_unknown_column",
        "create trigger touch before update of titel on t for each row execute function f()",
        "column \"titel\" of relation \"t\" does not exist",
        "create trigger touch before update of title on t for each row execute function f()",
    ),
    (
        "163_yaml_before_trigger_when_reads_new_generated",
        "create table t2 (id bigint, email text, lower_email text generated always as (lower(email)) stored); \
         create trigger touch before update on t2 for each row when (new is distinct from old) execute function f()",
        "cannot reference NEW generated columns",
        "create table t2 (id bigint, email text, lower_email text generated always as (lower(email)) stored); \
         create trigger touch before update on t2 for each row when (new.email is distinct from old.email) \
         execute function f()",
    ),
    (
        "164_yaml_view_unknown_column",
        "create view v as select nope from t",
        "column \"nope\" does not exist",
        "create view v as select id from t",
    ),
    (
        "165_yaml_policy_reads_undeclared_table",
        "create policy p on t for select using (id in (select id from memberz))",
        "relation \"memberz\" does not exist",
        "create policy p on t for select using (id in (select id from t))",
    ),
    (
        "166_yaml_unknown_role_in_grants",
        "grant select on t to reporting",
        "role \"reporting\" does not exist",
        "grant select on t to authenticated",
    ),
    (
        "167_yaml_plpgsql_does_not_compile",
        "create function g() returns integer language plpgsql as $$begin\n  retrun 1;\nend$$",
        "syntax error at or near \"retrun\"",
        "create function g() returns integer language plpgsql as $$begin\n  return 1;\nend$$",
    ),
    (
        "168_yaml_sql_body_reads_undeclared_table",
        "create function g() returns integer language sql as $$select 1 from nowhere$$",
        "relation \"nowhere\" does not exist",
        "create function g() returns integer language sql as $$select 1 from t$$",
    ),
    (
        "240_yaml_partition_of_plain_table",
        "create table e (d date);\ncreate table e1 partition of e for values from ('2024-01-01') to ('2025-01-01')",
        "is not partitioned",
        "create table e (d date) partition by range (d);\n\
         create table e1 partition of e for values from ('2024-01-01') to ('2025-01-01')",
    ),
    (
        "241_yaml_second_default_partition",
        "create table e (d date) partition by range (d);\n\
         create table e1 partition of e default;\ncreate table e2 partition of e default",
        "conflicts with existing default partition",
        "create table e (d date) partition by range (d);\ncreate table e1 partition of e default",
    ),
    (
        "242_yaml_partitioned_primary_key_without_key",
        "create table e (id bigint primary key, d date not null) partition by range (d)",
        "must include all partitioning columns",
        "create table e (id bigint, d date not null, primary key (id, d)) partition by range (d)",
    ),
    (
        "249_yaml_partitioned_unique_index_without_key",
        "create table e (id bigint, d date not null) partition by range (d);\ncreate unique index e_id_idx on e (id)",
        "must include all partitioning columns",
        "create table e (id bigint, d date not null) partition by range (d);\ncreate unique index e_id_idx on e (id, d)",
    ),
    (
        "243_sql_overlapping_partition",
        "create table e (r text) partition by list (r);\n\
         create table e1 partition of e for values in ('eu');\ncreate table e2 partition of e for values in ( 'eu' )",
        "would overlap partition",
        "create table e (r text) partition by list (r);\ncreate table e1 partition of e for values in ('eu')",
    ),
    (
        "246_sql_bound_of_another_strategy",
        "create table e (r text) partition by list (r);\ncreate table e1 partition of e for values from ('a') to ('m')",
        "invalid bound specification for a list partition",
        "create table e (r text) partition by list (r);\ncreate table e1 partition of e for values in ('a')",
    ),
    (
        "247_sql_attach_to_plain_table",
        "create table e (r text);\ncreate table e1 (r text);\nalter table e attach partition e1 for values in ('eu')",
        "is not partitioned",
        "create table e (r text) partition by list (r);\ncreate table e1 (r text);\n\
         alter table e attach partition e1 for values in ('eu')",
    ),
    (
        "270_yaml_policy_subquery_unknown_column",
        "create policy p on t for select using (exists (select 1 from members m where m.org = id))",
        "column m.org does not exist",
        "create policy p on t for select using (exists (select 1 from members m where m.org_id = id))",
    ),
    (
        "271_yaml_policy_subquery_outer_unknown_column",
        "create policy p on t for select using (exists (select 1 from members m where m.org_id = organisation))",
        "column \"organisation\" does not exist",
        "create policy p on t for select using (exists (select 1 from members m where m.org_id = t.id))",
    ),
    (
        "272_yaml_view_subquery_unknown_column",
        "create view v as select t.id, (select count(*) from members m where m.org_id = t.id and m.role = 'admin') \
         from t",
        "column m.role does not exist",
        "create view v as select t.id, (select count(*) from members m where m.org_id = t.id) from t",
    ),
    (
        "273_yaml_default_cast_not_readable",
        "create table t2 (seats integer default ('x')::int)",
        "invalid input syntax for type integer: \"x\"",
        "create table t2 (seats integer default ('12')::int)",
    ),
    (
        "274_yaml_default_of_another_type",
        "create table t2 (seats integer default '12'::text)",
        "column \"seats\" is of type integer but default expression is of type text",
        "create table t2 (seats integer default '12'::integer)",
    ),
    (
        "275_yaml_default_calls_function_of_another_type",
        "create function default_label() returns text language sql immutable as $$select 'none'$$; \
         create table t2 (seats integer not null default public.default_label())",
        "column \"seats\" is of type integer but default expression is of type text",
        "create function default_label() returns text language sql immutable as $$select 'none'$$; \
         create table t2 (seats text not null default public.default_label())",
    ),
    (
        "300_sql_create_existing_policy",
        "create policy p on t using (true); create policy p on t using (id > 0)",
        "policy \"p\" for table \"t\" already exists",
        "create policy p on t using (true); drop policy if exists p on t; create policy p on t using (id > 0)",
    ),
    (
        "301_sql_create_existing_view",
        "create view v as select id from t; create view v as select id from t where id > 0",
        "relation \"v\" already exists",
        "create view v as select id from t; create or replace view v as select id from t where id > 0",
    ),
    (
        "302_sql_create_view_over_table",
        "create or replace view t as select 1::bigint as id",
        "\"t\" is not a view",
        "create or replace view t_view as select 1::bigint as id",
    ),
    (
        "304_sql_alter_constraint_not_a_foreign_key",
        "alter table t add constraint t_id_check check (id > 0); alter table t alter constraint t_id_check deferrable",
        "is not a foreign key constraint",
        "alter table t add constraint t_id_check check (id > 0)",
    ),
    (
        "311_yaml_constraint_trigger_before",
        "create constraint trigger tr before update on t for each row execute function f()",
        "syntax error at or near \"before\"",
        "create constraint trigger tr after update on t for each row execute function f()",
    ),
    (
        "312_yaml_trigger_deferrable_without_constraint",
        "create trigger tr after update on t deferrable initially deferred for each row execute function f()",
        "syntax error at or near \"deferrable\"",
        "create constraint trigger tr after update on t deferrable initially deferred for each row execute function f()",
    ),
    (
        "313_sql_replace_constraint_trigger",
        "create constraint trigger tr after insert on t for each row execute function f(); \
         create or replace trigger tr after insert or update on t for each row execute function f()",
        "trigger \"tr\" for relation \"t\" is a constraint trigger",
        "create constraint trigger tr after insert on t for each row execute function f(); drop trigger tr on t; \
         create constraint trigger tr after insert or update on t for each row execute function f()",
    ),
    (
        "314_sql_constraint_trigger_named_as_a_constraint",
        "alter table t add constraint tr check (id > 0); \
         create constraint trigger tr after insert on t for each row execute function f()",
        "duplicate key value violates unique constraint \"pg_constraint_conrelid_contypid_conname_index\"",
        "alter table t add constraint tr check (id > 0); \
         create constraint trigger tr2 after insert on t for each row execute function f()",
    ),
    (
        "330_sql_like_check_name_taken",
        "alter table t add constraint positive check (id > 0); \
         create table t2 (units integer constraint positive check (units > 0), like t including constraints)",
        "constraint \"positive\" for relation \"t2\" already exists",
        "alter table t add constraint positive check (id > 0); \
         create table t2 (units integer constraint units_positive check (units > 0), like t including constraints)",
    ),
    (
        "331_sql_like_second_primary_key",
        "create table t2 (version bigint primary key, like t including all)",
        "multiple primary keys for table \"t2\" are not allowed",
        "create table t2 (version bigint unique, like t including all)",
    ),
];

const SETUP: &str = "create table t (id bigint primary key, title text);\n\
                     create table members (org_id bigint not null, user_id uuid not null);\n\
                     create function f() returns trigger language plpgsql as $$begin return new; end$$;";

#[test]
fn what_the_yaml_checks_refuse_postgresql_refuses() {
    let db = server().fresh_db();
    db.apply(SETUP).unwrap();
    let catalogue = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input");
    let mut failures = Vec::new();
    for (case, refused, error, right) in CASES {
        assert!(catalogue.join(case).is_dir(), "{case} is not in the bad-input catalogue");
        match db.apply(&format!("begin;\n{refused};\nrollback;")) {
            Ok(()) => failures.push(format!("{case}: PostgreSQL accepted {refused}")),
            Err(e) if !e.contains(error) => failures.push(format!("{case}: refused, but not with `{error}`: {e}")),
            Err(_) => {}
        }
        if let Err(e) = db.apply(&format!("begin;\n{right};\nrollback;")) {
            failures.push(format!("{case}: the SQL put right is refused too: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An empty label is a label PostgreSQL keeps: the checks leave it alone.
#[test]
fn an_empty_enum_label_is_accepted() {
    let db = server().fresh_db();
    db.apply("create type e as enum ('a', '')").unwrap();
    assert_eq!(db.query("select count(*) from pg_enum where enumtypid = 'e'::regtype").unwrap(), "2");
}

/// More columns than a table can have: the catalogue's case has 1602.
#[test]
fn a_table_of_1601_columns_is_refused() {
    let db = server().fresh_db();
    let columns = |n: usize| (0..n).map(|i| format!("c{i} integer")).collect::<Vec<_>>().join(", ");
    let err = db.apply(&format!("create table wide ({})", columns(1601))).unwrap_err();
    assert!(err.contains("tables can have at most 1600 columns"), "{err}");
    db.apply(&format!("create table wide ({})", columns(1600))).unwrap();
}

/// The names the unqualified-call check takes for PostgreSQL's and the extensions' hold
/// everything the server provides: every function and type of pg_catalog, and for each
/// listed extension the server can install, exactly what it creates (so a call of any of
/// them is never refused, and the lists hold nothing an extension does not create).
#[test]
fn the_catalog_lists_hold_what_the_server_provides() {
    use schemagen::catalog;
    let db = server().fresh_db();
    let names = |sql: &str| db.query(sql).unwrap().lines().map(str::to_string).collect::<Vec<_>>();
    let functions = names("select distinct proname from pg_proc where pronamespace = 'pg_catalog'::regnamespace");
    let missing: Vec<_> = functions.iter().filter(|f| !catalog::builtin_function(f)).collect();
    assert!(missing.is_empty(), "pg_catalog functions not listed (run scripts/catalog_names.sh): {missing:?}");
    let types = names("select distinct typname from pg_type where typnamespace = 'pg_catalog'::regnamespace");
    let missing: Vec<_> = types.iter().filter(|t| !catalog::builtin_type(t)).collect();
    assert!(missing.is_empty(), "pg_catalog types not listed (run scripts/catalog_names.sh): {missing:?}");
    assert!(!catalog::builtin_function("gen_random_uuidd") && !catalog::builtin_type("state"));

    let available = names("select name from pg_available_extensions");
    let mut checked = 0;
    for ext in catalog::extensions().filter(|e| available.iter().any(|a| a == e)) {
        let created = names(&format!(
            "begin;\ncreate extension if not exists \"{ext}\" cascade;\n\
             select p.proname from pg_depend d join pg_proc p on d.classid = 'pg_proc'::regclass and d.objid = p.oid \
             join pg_extension e on d.refobjid = e.oid where e.extname = '{ext}' and d.deptype = 'e' \
             union select t.typname from pg_depend d join pg_type t on d.classid = 'pg_type'::regclass \
             and d.objid = t.oid join pg_extension e on d.refobjid = e.oid where e.extname = '{ext}' \
             and d.deptype = 'e' order by 1;\nrollback;"
        ));
        let mut listed: Vec<_> = catalog::extension_names(ext).collect();
        let missing: Vec<_> = created.iter().filter(|n| !listed.contains(&n.as_str())).collect();
        assert!(missing.is_empty(), "{ext} creates names not listed: {missing:?}");
        listed.retain(|n| !catalog::builtin_function(n) && !created.iter().any(|c| c == n));
        assert!(listed.iter().all(|n| *n == "algorithm_sign" || *n == "try_cast_double"), "{ext} lists {listed:?}");
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} extensions could be compared");
}
