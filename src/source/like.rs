//! `CREATE TABLE t (LIKE source [INCLUDING …] [EXCLUDING …], …)`, as PostgreSQL 15 runs it
//! (transformTableLikeClause, then expandTableLikeClause once the table exists).
//!
//! The columns come first, in the place of the clause: name, type, collation and NOT NULL
//! always; the identity with INCLUDING IDENTITY (a sequence of the new table's own), the
//! generation expression with INCLUDING GENERATED, the default with INCLUDING DEFAULTS (a
//! serial's `nextval` names the source's sequence, which the new table does not own), the
//! comment with INCLUDING COMMENTS. Once the table and its own keys exist: the CHECKs, under
//! their names, with INCLUDING CONSTRAINTS; the keys, exclusion constraints and indexes with
//! INCLUDING INDEXES, under the names PostgreSQL picks for the new table. Foreign keys,
//! policies, triggers, grants, publications, RLS and partitioning never come along.

use std::collections::BTreeSet;

use pg_query::protobuf;

use crate::model::naming::{choose_name, distinct_index_column_names, join_columns};
use crate::model::{Column, Constraint, ConstraintKind, Index, IndexKey, QualifiedName, Schema};
use crate::pgtree::{index_expr_name, parse_expr};
use crate::source::ddl::{Outcome, existing, nextval_default, search_path};

const COMMENTS: u32 = 1 << 0;
const CONSTRAINTS: u32 = 1 << 2;
const DEFAULTS: u32 = 1 << 3;
const GENERATED: u32 = 1 << 4;
const IDENTITY: u32 = 1 << 5;
const INDEXES: u32 = 1 << 6;

/// One LIKE clause, read when its columns were added: what it adds once the table exists.
pub struct Like {
    options: u32,
    constraints: Vec<Constraint>,
    indexes: Vec<Index>,
}

/// The columns a LIKE clause puts in the new table `name`, and the rest of the clause for
/// `expand`. A source the model does not hold stays unresolved: its columns are unknown.
pub fn columns(
    schema: &Schema,
    name: &QualifiedName,
    clause: &protobuf::TableLikeClause,
) -> Result<(Vec<Column>, Like), Outcome> {
    let Some(rv) = clause.relation.as_ref() else {
        return Err(Outcome::Skipped("CREATE TABLE … LIKE"));
    };
    let source = source_name(schema, rv);
    let options = clause.options;
    let like = |constraints, indexes| Like { options, constraints, indexes };
    if let Some(composite) = schema.composites.get(&source) {
        let columns = composite
            .attributes
            .iter()
            .map(|a| Column {
                name: a.name.clone(),
                data_type: a.data_type.clone(),
                not_null: false,
                default: None,
                identity: None,
                identity_options: Vec::new(),
                generated: None,
                collation: a.collation.clone(),
                comment: None,
            })
            .collect();
        return Ok((columns, like(Vec::new(), Vec::new())));
    }
    if schema.views.contains_key(&source) {
        return Err(Outcome::Rejected {
            message: format!(
                "CREATE TABLE {name} (LIKE {source}): the model does not know the types of a view's columns"
            ),
            hint: "write the table's columns out in CREATE TABLE",
        });
    }
    let Some(table) = schema.tables.get(&source) else {
        return Err(Outcome::Unresolved(format!(
            "CREATE TABLE {name} (LIKE {source}): {source} is not in the model, so its columns are unknown"
        )));
    };
    let beyond_columns = options & (CONSTRAINTS | INDEXES | DEFAULTS | GENERATED | IDENTITY) != 0;
    if (table.partition_of.is_some() || !table.inherits.is_empty()) && beyond_columns {
        return Err(Outcome::Rejected {
            message: format!(
                "CREATE TABLE {name} (LIKE {source} INCLUDING …): {source} has columns, CHECKs and indexes from \
                 its parents, which the model does not follow into a copy"
            ),
            hint: "write LIKE of the parent table, or the table's columns out",
        });
    }
    let whole = schema.with_columns(&source).expect("a table of the model");
    let columns = whole.columns.iter().map(|c| copy_column(&source, c, options)).collect();
    Ok((columns, like(table.constraints.clone(), table.indexes.clone())))
}

/// The relation or composite type an unqualified name means: the first schema of the
/// search path that holds one (`existing` looks for tables and views only).
fn source_name(schema: &Schema, rv: &protobuf::RangeVar) -> QualifiedName {
    let found = existing(schema, rv);
    if !rv.schemaname.is_empty() || schema.tables.contains_key(&found) || schema.views.contains_key(&found) {
        return found;
    }
    let mut candidates = search_path().into_iter().map(|s| QualifiedName::new(s, rv.relname.clone()));
    candidates.find(|q| schema.composites.contains_key(q)).unwrap_or(found)
}

fn copy_column(source: &QualifiedName, c: &Column, options: u32) -> Column {
    let default = match c.own_sequence(source) {
        Some(sequence) if c.data_type.is_serial() => nextval_default(&sequence),
        _ => c.default.clone(),
    };
    Column {
        name: c.name.clone(),
        data_type: c.data_type.without_serial(),
        not_null: c.not_null || c.data_type.is_serial() || c.identity.is_some(),
        default: default.filter(|_| options & DEFAULTS != 0),
        identity: c.identity.filter(|_| options & IDENTITY != 0),
        identity_options: if options & IDENTITY != 0 { c.identity_options.clone() } else { Vec::new() },
        generated: c.generated.clone().filter(|_| options & GENERATED != 0),
        collation: c.collation.clone(),
        comment: c.comment.clone().filter(|_| options & COMMENTS != 0),
    }
}

/// What the clause adds to the table `name` once it exists with its columns and own keys:
/// the CHECKs, then the keys and indexes in the order the source has them.
pub fn expand(schema: &mut Schema, name: &QualifiedName, like: Like) -> Result<(), Outcome> {
    let comments = like.options & COMMENTS != 0;
    if like.options & CONSTRAINTS != 0 {
        for c in like.constraints.iter().filter(|c| matches!(c.kind, ConstraintKind::Check { .. })) {
            let table = schema.tables.get_mut(name).expect("created before");
            if table.constraint(&c.name).is_some() {
                return Err(Outcome::Rejected {
                    message: format!("constraint {} for relation {name} already exists", c.name),
                    hint: "the table has a constraint of the name of a CHECK that LIKE … INCLUDING CONSTRAINTS \
                           copies, and PostgreSQL refuses the second: rename one",
                });
            }
            // The new table is empty: PostgreSQL skips the check of its rows, so it is valid.
            table.constraints.push(Constraint {
                not_valid: false,
                comment: c.comment.clone().filter(|_| comments),
                ..c.clone()
            });
        }
    }
    if like.options & INDEXES == 0 {
        return Ok(());
    }
    // The names are chosen among every relation of the schema: a table renamed aside keeps
    // its indexes' names (`orders_pkey`), so its copy's key becomes `orders_pkey1`.
    // A key's name is not one of a constraint of the schema either (ChooseRelationName).
    let mut taken = relation_names(schema, &name.schema);
    let constraint_names: BTreeSet<String> = schema
        .tables
        .values()
        .filter(|t| t.name.schema == name.schema)
        .flat_map(|t| t.constraints.iter().map(|c| c.name.clone()))
        .collect();
    for c in like.constraints.iter().filter(|c| c.kind.owns_index()) {
        if matches!(c.kind, ConstraintKind::PrimaryKey { .. }) && schema.tables[name].primary_key().is_some() {
            return Err(Outcome::Rejected {
                message: format!("multiple primary keys for table {name} are not allowed"),
                hint: "the table has a primary key of its own and LIKE … INCLUDING INDEXES copies another",
            });
        }
        let (name2, label) = match &c.kind {
            ConstraintKind::PrimaryKey { .. } => (None, "pkey"),
            ConstraintKind::Unique { columns, .. } => (Some(join_columns(columns)), "key"),
            ConstraintKind::Exclude(x) => {
                let keys = x.elements.iter().map(|e| key_name(&e.key));
                (
                    Some(join_columns(&distinct_index_column_names(keys.chain(x.include.iter().cloned()).collect()))),
                    "excl",
                )
            }
            _ => continue,
        };
        // The comment of a key is the constraint's, which PostgreSQL does not copy (only
        // the index's, which the model does not hold for keys).
        let chosen =
            choose_name(&name.name, name2.as_deref(), label, |n| taken.contains(n) || constraint_names.contains(n));
        taken.insert(chosen.clone());
        let constraint = Constraint { name: chosen, comment: None, ..c.clone() };
        schema.tables.get_mut(name).expect("created before").constraints.push(constraint);
    }
    for i in &like.indexes {
        let keys = i.keys.iter().map(key_name).chain(i.include.iter().cloned()).collect();
        let chosen = choose_name(&name.name, Some(&join_columns(&distinct_index_column_names(keys))), "idx", |n| {
            taken.contains(n)
        });
        taken.insert(chosen.clone());
        let index = Index { name: chosen, comment: i.comment.clone().filter(|_| comments), ..i.clone() };
        schema.tables.get_mut(name).expect("created before").indexes.push(index);
    }
    Ok(())
}

/// The names of the relations in schema `namespace`, where PostgreSQL picks a new index's
/// name: tables with their indexes and the sequences of their serial and identity columns,
/// views, sequences, composite types.
fn relation_names(schema: &Schema, namespace: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in schema.tables.values().filter(|t| t.name.schema == namespace) {
        out.extend(t.relation_names().map(str::to_string));
        out.extend(t.columns.iter().filter_map(|c| c.own_sequence(&t.name)).map(|q| q.name));
    }
    let others = schema.views.keys().chain(schema.sequences.keys()).chain(schema.composites.keys());
    out.extend(others.filter(|q| q.schema == namespace).map(|q| q.name.clone()));
    out
}

/// The name of an index column: the column's, or what PostgreSQL figured from the
/// expression when the source's index was made (`lower`, `expr`).
fn key_name(key: &IndexKey) -> String {
    match (&key.column, &key.expr) {
        (Some(c), _) => c.clone(),
        (None, Some(x)) => parse_expr(x.text()).map(|n| index_expr_name(&n)).unwrap_or_else(|_| "expr".into()),
        (None, None) => "expr".into(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{ConstraintKind, Identity, QualifiedName, Schema, Table};
    use crate::source::sql::{LoadReport, load_text};

    /// Each case was run on PostgreSQL 15 and its catalog read (`\d+`, pg_constraint,
    /// pg_index, pg_description) for what is asserted here.
    const ORDERS: &str = "
        create table public.customers (id bigint primary key);
        create table public.orders (
          id serial primary key,
          ref bigint generated by default as identity,
          customer_id bigint references public.customers (id),
          code varchar(12) collate \"C\" not null,
          quantity integer not null default 1 constraint positive_quantity check (quantity > 0),
          total numeric(12, 2) generated always as (quantity * 2) stored,
          during tstzrange,
          unique (code, ref),
          constraint no_overlap exclude using gist (during with &&)
        );
        alter table public.orders add check (ref > 0) not valid;
        create index on public.orders (lower(code));
        create index on public.orders (lower(code), lower(code || 'x'));
        create index on public.orders ((code || 'x'), ref);
        create index on public.orders ((code::text)) include (ref);
        create index on public.orders (code);
        create index on public.orders (code);
        comment on column public.orders.code is 'the code';
        comment on constraint positive_quantity on public.orders is 'at least one';
        comment on constraint orders_pkey on public.orders is 'the key';
        comment on index public.orders_lower_idx is 'by lower code';
        alter table public.orders enable row level security;
        create policy p on public.orders using (true);
        revoke all on public.orders from anon;
    ";

    fn load(sql: &str) -> Result<(Schema, LoadReport), String> {
        let mut schema = Schema::default();
        let mut report = LoadReport::default();
        load_text(&mut schema, Path::new("0.sql"), sql, &mut report).map_err(|e| format!("{e:?}"))?;
        Ok((schema, report))
    }

    fn table<'a>(schema: &'a Schema, name: &str) -> &'a Table {
        let (s, n) = name.split_once('.').unwrap();
        schema.tables.get(&QualifiedName::new(s, n)).unwrap_or_else(|| panic!("{name} not created"))
    }

    fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
        items.iter().map(|i| name(i).to_string()).collect()
    }

    #[test]
    fn including_all_copies_what_postgres_copies_under_the_new_names() {
        let (schema, _) =
            load(&format!("{ORDERS} create table public.copy (like public.orders including all);")).unwrap();
        let t = table(&schema, "public.copy");
        let id = t.column("id").unwrap();
        assert_eq!(id.data_type.sql(), "integer");
        assert!(id.not_null);
        // The serial's own sequence, which `copy` does not own.
        assert_eq!(id.default.as_ref().unwrap().text(), "nextval('orders_id_seq'::regclass)");
        assert_eq!(t.column("ref").unwrap().identity, Some(Identity::ByDefault));
        assert_eq!(t.column("total").unwrap().generated.as_ref().unwrap().text(), "quantity * 2");
        assert_eq!(t.column("quantity").unwrap().default.as_ref().unwrap().text(), "1");
        let code = t.column("code").unwrap();
        assert_eq!((code.collation.as_deref(), code.comment.as_deref()), (Some("C"), Some("the code")));
        assert_eq!(code.data_type.sql(), "character varying(12)");
        assert_eq!(
            names(&t.constraints, |c| &c.name),
            ["positive_quantity", "orders_ref_check", "copy_pkey", "copy_code_ref_key", "copy_during_excl"]
        );
        // CHECKs keep their comments and become valid (the new table is empty); the key's
        // comment is the constraint's, which PostgreSQL leaves behind.
        let check = t.constraint("positive_quantity").unwrap();
        assert_eq!(check.comment.as_deref(), Some("at least one"));
        assert!(!t.constraint("orders_ref_check").unwrap().not_valid);
        assert_eq!(t.constraint("copy_pkey").unwrap().comment, None);
        assert!(!t.constraints.iter().any(|c| matches!(c.kind, ConstraintKind::ForeignKey(_))));
        assert_eq!(
            names(&t.indexes, |i| &i.name),
            [
                "copy_lower_idx",
                "copy_lower_lower1_idx",
                "copy_expr_ref_idx",
                "copy_code_ref_idx",
                "copy_code_idx",
                "copy_code_idx1"
            ]
        );
        assert_eq!(t.index("copy_lower_idx").unwrap().comment.as_deref(), Some("by lower code"));
        assert!(!t.rls_enabled);
        assert!(!schema.policies.keys().any(|(table, _)| table == &t.name));
        assert_eq!(t.grants, table(&schema, "public.customers").grants);
    }

    #[test]
    fn without_options_only_the_columns_come() {
        let (schema, _) = load(&format!("{ORDERS} create table public.copy (like public.orders);")).unwrap();
        let t = table(&schema, "public.copy");
        assert!(t.constraints.is_empty() && t.indexes.is_empty());
        for c in &t.columns {
            assert!(c.default.is_none() && c.identity.is_none() && c.generated.is_none() && c.comment.is_none());
        }
        let not_null: Vec<&str> = t.columns.iter().filter(|c| c.not_null).map(|c| c.name.as_str()).collect();
        assert_eq!(not_null, ["id", "ref", "code", "quantity"]);
        assert_eq!(t.column("id").unwrap().data_type.sql(), "integer");
    }

    #[test]
    fn excluding_after_including_all_and_columns_in_the_order_written() {
        let (schema, _) = load(&format!(
            "{ORDERS} create type public.info as (actor uuid, note text collate \"C\");
             create table public.copy (
               first int,
               like public.orders including all excluding indexes excluding identity excluding comments,
               like public.info including all,
               last text
             );"
        ))
        .unwrap();
        let t = table(&schema, "public.copy");
        assert_eq!(
            names(&t.columns, |c| &c.name),
            ["first", "id", "ref", "customer_id", "code", "quantity", "total", "during", "actor", "note", "last"]
        );
        assert!(t.indexes.is_empty());
        assert_eq!(names(&t.constraints, |c| &c.name), ["positive_quantity", "orders_ref_check"]);
        assert_eq!(t.column("ref").unwrap().identity, None);
        assert!(t.column("ref").unwrap().not_null);
        assert_eq!(t.column("code").unwrap().comment, None);
        assert_eq!(t.column("note").unwrap().collation.as_deref(), Some("C"));
    }

    #[test]
    fn the_names_of_copied_keys_avoid_the_relations_of_the_schema() {
        let (schema, _) = load(&format!(
            "{ORDERS} create table public.copy_pkey (id int);
             create table public.copy (note text unique, like public.orders including indexes);"
        ))
        .unwrap();
        let t = table(&schema, "public.copy");
        assert_eq!(
            names(&t.constraints, |c| &c.name),
            ["copy_note_key", "copy_pkey1", "copy_code_ref_key", "copy_during_excl"]
        );
    }

    #[test]
    fn a_table_renamed_aside_keeps_its_index_names_and_the_copy_gets_others() {
        let (schema, _) = load(
            "create table public.orders (id serial primary key, code text unique);
             create index on public.orders (lower(code));
             alter table public.orders rename to orders_old;
             create table public.z (n int constraint orders_code_key1 check (n > 0));
             create table public.orders (like public.orders_old including all);",
        )
        .unwrap();
        let t = table(&schema, "public.orders");
        assert_eq!(names(&t.constraints, |c| &c.name), ["orders_pkey1", "orders_code_key2"]);
        assert_eq!(names(&t.indexes, |i| &i.name), ["orders_lower_idx1"]);
    }

    #[test]
    fn what_postgres_refuses_is_refused() {
        for (sql, message) in [
            (
                "create table public.copy (code text, like public.orders);",
                "column code of public.copy specified more than once",
            ),
            ("create table public.copy (like public.orders, like public.orders);", "specified more than once"),
            (
                "create table public.copy (k int primary key, like public.orders including indexes);",
                "multiple primary keys for table public.copy",
            ),
            (
                "create table public.copy (n int constraint positive_quantity check (n > 1), like public.orders including constraints);",
                "constraint positive_quantity for relation public.copy already exists",
            ),
            (
                "create view public.v as select code from public.orders; create table public.copy (like public.v);",
                "the model does not know the types of a view's columns",
            ),
        ] {
            let err = load(&format!("{ORDERS} {sql}")).err().unwrap_or_else(|| panic!("accepted: {sql}"));
            assert!(err.contains(message), "{sql}: {err}");
        }
    }

    #[test]
    fn a_composite_type_is_found_along_the_search_path() {
        let (schema, _) = load(
            "create schema app; create type public.info as (actor uuid);
             set search_path = app, public;
             create table copy (like info);",
        )
        .unwrap();
        assert_eq!(names(&table(&schema, "app.copy").columns, |c| &c.name), ["actor"]);
    }

    #[test]
    fn a_source_outside_the_model_leaves_the_table_unresolved() {
        let (schema, report) = load("create table public.profiles (like auth.users including all);").unwrap();
        assert!(schema.tables.is_empty());
        assert!(
            report.unresolved.iter().any(|(_, m)| m.contains("auth.users is not in the model")),
            "{:?}",
            report.unresolved
        );
    }
}
