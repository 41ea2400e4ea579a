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

use pg_query::protobuf;

use crate::model::naming::{choose_name, distinct_index_column_names, join_columns};
use crate::model::{Column, Constraint, ConstraintKind, Index, IndexKey, QualifiedName, Schema};
use crate::pgtree::{index_expr_name, parse_expr};
use crate::source::ddl::{Outcome, existing, nextval_default};

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
    let source = existing(schema, rv);
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

fn copy_column(source: &QualifiedName, c: &Column, options: u32) -> Column {
    let default = if c.data_type.is_serial() {
        let sequence = QualifiedName::new(source.schema.clone(), format!("{}_{}_seq", source.name, c.name));
        nextval_default(&sequence)
    } else {
        c.default.clone()
    };
    Column {
        name: c.name.clone(),
        data_type: c.data_type.without_serial(),
        not_null: c.not_null || c.data_type.is_serial() || c.identity.is_some(),
        default: default.filter(|_| options & DEFAULTS != 0),
        identity: c.identity.filter(|_| options & IDENTITY != 0),
        generated: c.generated.clone().filter(|_| options & GENERATED != 0),
        collation: c.collation.clone(),
        comment: c.comment.clone().filter(|_| options & COMMENTS != 0),
    }
}

/// What the clause adds to the table `name` once it exists with its columns and own keys:
/// the CHECKs, then the keys and indexes in the order the source has them.
pub fn expand(schema: &mut Schema, name: &QualifiedName, like: Like) -> Result<(), Outcome> {
    let comments = like.options & COMMENTS != 0;
    let taken_in_schema =
        |schema: &Schema, n: &str| schema.tables.contains_key(&QualifiedName::new(name.schema.clone(), n));
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
    for c in like.constraints.iter().filter(|c| c.kind.owns_index()) {
        let table = &schema.tables[name];
        if matches!(c.kind, ConstraintKind::PrimaryKey { .. }) && table.primary_key().is_some() {
            return Err(Outcome::Rejected {
                message: format!("multiple primary keys for table {name} are not allowed"),
                hint: "the table has a primary key of its own and LIKE … INCLUDING INDEXES copies another",
            });
        }
        let taken = |n: &str| table.relation_names().any(|r| r == n) || taken_in_schema(schema, n);
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
        let constraint =
            Constraint { name: choose_name(&name.name, name2.as_deref(), label, taken), comment: None, ..c.clone() };
        schema.tables.get_mut(name).expect("created before").constraints.push(constraint);
    }
    for i in &like.indexes {
        let table = &schema.tables[name];
        let taken = |n: &str| table.relation_names().any(|r| r == n) || taken_in_schema(schema, n);
        let keys = i.keys.iter().map(key_name).chain(i.include.iter().cloned()).collect();
        let index = Index {
            name: choose_name(&name.name, Some(&join_columns(&distinct_index_column_names(keys))), "idx", taken),
            comment: i.comment.clone().filter(|_| comments),
            ..i.clone()
        };
        schema.tables.get_mut(name).expect("created before").indexes.push(index);
    }
    Ok(())
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
