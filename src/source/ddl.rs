//! Replays DDL statement trees onto a `Schema`, as PostgreSQL would execute them:
//! defaults for names, NOT NULL implied by keys and identity, cascades of drops and
//! renames. The YAML loader builds the same trees, so both sources share this code.

use std::collections::BTreeMap;

use pg_query::protobuf::{self, AlterTableType, ConstrType, DropBehavior, ObjectType, SortByDir, SortByNulls};
use pg_query::{Node, NodeEnum};

use crate::model::deps::{Graph, view_id};
use crate::model::naming::{choose_name, distinct_index_column_names, join_columns, make_object_name};
use crate::model::privileges::PUBLIC_SCHEMA;
use crate::model::{
    Column, Constraint, ConstraintKind, Expr, FkAction, ForeignKey, Identity, Index, IndexKey, ObjectId, ObjectKind,
    PartitionOf, QualifiedName, Schema, Table,
};
use crate::pgtree::{
    column_refs, const_text, data_type, expr_sql, index_expr_name, is_null_const, quote_literal, regclass_name,
    rename_column_in_expr, str_of, strings,
};
use crate::source::cascade::drop_dependents;
use crate::source::{like, partition, replication, routines, security};

/// What became of one statement.
pub enum Outcome {
    Applied,
    /// Not part of the model (data, session settings, objects not modelled): the label says what.
    Skipped(&'static str),
    /// Modelled, but it refers to something the model does not hold (a platform table).
    Unresolved(String),
    /// Not applied: PostgreSQL would refuse it after the statements before it (an object
    /// created twice), or the model cannot hold what it does (columns of a typed table).
    Rejected {
        message: String,
        hint: &'static str,
    },
}

thread_local! {
    /// The session's `search_path` while `sql` replays a file; empty is PostgreSQL's
    /// default. A setting of the replay, not of the model: the YAML loader and the diff
    /// replay with the default, and `sql` resets it at each file (the Supabase CLI runs each
    /// migration in a session of its own).
    static SEARCH_PATH: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

pub fn search_path() -> Vec<String> {
    SEARCH_PATH.with(|p| p.borrow().clone())
}

pub fn set_search_path(path: Vec<String>) {
    SEARCH_PATH.with(|p| *p.borrow_mut() = path);
}

/// Where an unqualified name lands: the first schema of the search path (`$user` is a role
/// the migrations never name a schema after, and PostgreSQL never creates in pg_catalog).
/// An empty path (pg_dump's `set_config('search_path', '', false)`) leaves nowhere to
/// create in; pg_dump then qualifies every name, so `public` is as good as any.
pub fn default_schema() -> String {
    SEARCH_PATH.with(|p| {
        p.borrow()
            .iter()
            .find(|s| !matches!(s.as_str(), "$user" | "pg_catalog" | "pg_temp"))
            .cloned()
            .unwrap_or_else(|| "public".into())
    })
}

/// A `search_path` string (of `set_config`) as PostgreSQL splits it: comma-separated names, quoted or folded
/// to lower case.
pub fn parse_search_path(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\"\"", "\""),
            None => s.to_lowercase(),
        })
        .collect()
}

/// The search path a statement sets (`SET [LOCAL] search_path`, `RESET search_path`,
/// `SELECT set_config('search_path', …, is_local)`), and whether only until its transaction
/// ends.
pub fn search_path_set(stmt: &NodeEnum) -> Option<(Vec<String>, bool)> {
    use protobuf::VariableSetKind as Kind;
    match stmt {
        NodeEnum::VariableSetStmt(s) if s.name == "search_path" => {
            match Kind::try_from(s.kind).unwrap_or(Kind::Undefined) {
                // Each argument is one name, already unquoted by the grammar.
                Kind::VarSetValue => Some((s.args.iter().filter_map(const_text).collect(), s.is_local)),
                Kind::VarSetDefault | Kind::VarReset => Some((Vec::new(), s.is_local)),
                _ => None,
            }
        }
        NodeEnum::SelectStmt(s) => s.target_list.iter().rev().find_map(|target| {
            let Some(NodeEnum::ResTarget(t)) = target.node.as_ref() else { return None };
            let Some(NodeEnum::FuncCall(f)) = t.val.as_deref().and_then(|v| v.node.as_ref()) else { return None };
            let [name, value, local] = f.args.as_slice() else { return None };
            let is_set_config = strings(&f.funcname).last().map(String::as_str) == Some("set_config");
            (is_set_config && const_text(name).as_deref() == Some("search_path")).then_some(())?;
            let local = matches!(const_text(local).as_deref(), Some("true" | "t" | "on"));
            Some((parse_search_path(&const_text(value)?), local))
        }),
        _ => None,
    }
}

pub fn qualified(rv: &protobuf::RangeVar) -> QualifiedName {
    let schema = if rv.schemaname.is_empty() { default_schema() } else { rv.schemaname.clone() };
    QualifiedName::new(schema, rv.relname.clone())
}

/// The relation an unqualified name means: the first schema of the search path that holds
/// a table or view of that name, as PostgreSQL looks it up; else where it would be created.
pub fn existing(schema: &Schema, rv: &protobuf::RangeVar) -> QualifiedName {
    if !rv.schemaname.is_empty() {
        return qualified(rv);
    }
    SEARCH_PATH
        .with(|p| {
            p.borrow()
                .iter()
                .map(|s| QualifiedName::new(s.clone(), rv.relname.clone()))
                .find(|q| schema.tables.contains_key(q) || schema.views.contains_key(q))
        })
        .unwrap_or_else(|| qualified(rv))
}

/// `existing` for a name list.
pub(crate) fn existing_list(schema: &Schema, names: &[String]) -> Option<QualifiedName> {
    match names {
        [name] => Some(existing(schema, &protobuf::RangeVar { relname: name.clone(), ..Default::default() })),
        _ => qualified_list(names),
    }
}

/// A name list (`["app", "users"]` or `["users"]`) as a qualified name.
pub(crate) fn qualified_list(names: &[String]) -> Option<QualifiedName> {
    match names {
        [name] => Some(QualifiedName::new(default_schema(), name.clone())),
        [.., schema, name] => Some(QualifiedName::new(schema.clone(), name.clone())),
        [] => None,
    }
}

fn list_strings(node: &Node) -> Vec<String> {
    match node.node.as_ref() {
        Some(NodeEnum::List(l)) => strings(&l.items),
        Some(NodeEnum::String(s)) => vec![s.sval.clone()],
        _ => Vec::new(),
    }
}

pub fn apply(schema: &mut Schema, stmt: &NodeEnum) -> Outcome {
    match stmt {
        NodeEnum::CreateStmt(s) => create_table(schema, s),
        NodeEnum::AlterTableStmt(s) => alter_table(schema, s),
        NodeEnum::IndexStmt(s) => create_index(schema, s),
        NodeEnum::RenameStmt(s) => rename(schema, s, true),
        NodeEnum::AlterObjectSchemaStmt(s) => crate::source::set_schema::set_schema(schema, s),
        NodeEnum::DropStmt(s) => drop(schema, s),
        NodeEnum::CommentStmt(s) => comment(schema, s),
        NodeEnum::CreateSchemaStmt(s) => {
            if s.schemaname != "public" && !s.schemaname.is_empty() && schema.schemas.insert(s.schemaname.clone()) {
                let born = schema.default_privileges.effective(&s.schemaname, ObjectKind::Schemas);
                if !born.is_empty() {
                    schema.schema_grants.insert(s.schemaname.clone(), born);
                }
            }
            Outcome::Applied
        }
        NodeEnum::TransactionStmt(_) => Outcome::Applied,
        NodeEnum::SelectStmt(_) if let Some(outcome) = crate::source::cron::select(schema, stmt) => outcome,
        NodeEnum::VariableSetStmt(_) | NodeEnum::SelectStmt(_) => match search_path_set(stmt) {
            Some((path, _)) => {
                set_search_path(path);
                Outcome::Applied
            }
            None => Outcome::Skipped(statement_kind(stmt)),
        },
        NodeEnum::CreatePolicyStmt(s) => security::create_policy(schema, s),
        NodeEnum::AlterPolicyStmt(s) => security::alter_policy(schema, s),
        NodeEnum::GrantStmt(s) => security::grant(schema, s),
        NodeEnum::AlterDefaultPrivilegesStmt(s) => security::alter_default_privileges(schema, s),
        NodeEnum::CreateFunctionStmt(s) => routines::create_function(schema, s),
        NodeEnum::AlterFunctionStmt(s) => routines::alter_function(schema, s),
        NodeEnum::CreateTrigStmt(s) => routines::create_trigger(schema, s),
        NodeEnum::ViewStmt(s) => routines::create_view(schema, s),
        NodeEnum::CreateTableAsStmt(s) => routines::create_materialized_view(schema, s),
        NodeEnum::CreateEnumStmt(s) => routines::create_enum(schema, s),
        NodeEnum::CompositeTypeStmt(s) => crate::source::composite::create_composite(schema, s),
        NodeEnum::CreateRangeStmt(s) => crate::source::optioned::create_range(schema, s),
        NodeEnum::DefineStmt(s) => crate::source::optioned::define(schema, s),
        NodeEnum::AlterEnumStmt(s) => routines::alter_enum(schema, s),
        NodeEnum::CreateExtensionStmt(s) => routines::create_extension(schema, s),
        NodeEnum::DoStmt(s) => do_block(schema, s),
        NodeEnum::CreateDomainStmt(s) => routines::create_domain(schema, s),
        NodeEnum::AlterDomainStmt(s) => routines::alter_domain(schema, s),
        NodeEnum::CreateSeqStmt(s) => routines::create_sequence(schema, s),
        NodeEnum::CreatePublicationStmt(s) => replication::create_publication(schema, s),
        NodeEnum::AlterPublicationStmt(s) => replication::alter_publication(schema, s),
        NodeEnum::AlterOwnerStmt(s) => crate::source::owner::alter_owner(schema, s),
        NodeEnum::AlterSeqStmt(s) => {
            let outcome = routines::alter_sequence(schema, s);
            if let Some(rv) = s.sequence.as_ref() {
                serial_from_sequence(schema, &qualified(rv));
            }
            outcome
        }
        other => Outcome::Skipped(statement_kind(other)),
    }
}

/// The DDL a `DO` block runs: its plain statements and `EXECUTE` of constant strings, read
/// from PL/pgSQL's own parse tree. Migrations often guard `CREATE TYPE` this way
/// (`IF NOT EXISTS (...) THEN CREATE TYPE ...`); the guard only makes it idempotent, so the
/// statements are replayed as if it held, and one the guard would skip (it creates what
/// exists: `Rejected`) is left out. Anything else in the block is left out too.
fn do_block(schema: &mut Schema, s: &protobuf::DoStmt) -> Outcome {
    let Some(body) = do_body(s) else { return Outcome::Skipped("DO") };
    let Some(statements) = crate::pgtree::plpgsql_statements(&body) else { return Outcome::Skipped("DO") };
    let mut applied = false;
    for sql in statements {
        let Ok(parsed) = pg_query::parse(&sql, 0) else { continue };
        for raw in &parsed.protobuf.stmts {
            let Some(stmt) = raw.stmt.as_ref().and_then(|s| s.node.as_ref()) else { continue };
            if let Outcome::Applied = apply(schema, stmt) {
                applied = true;
            }
        }
    }
    if applied { Outcome::Applied } else { Outcome::Skipped("DO") }
}

/// The body of a `DO` block in PL/pgSQL; None in another language.
pub fn do_body(s: &protobuf::DoStmt) -> Option<String> {
    let mut body = None;
    for arg in &s.args {
        if let Some(NodeEnum::DefElem(d)) = arg.node.as_ref() {
            match d.defname.as_str() {
                "as" => body = d.arg.as_deref().and_then(str_of).map(str::to_string),
                "language" if d.arg.as_deref().and_then(str_of).is_some_and(|l| !l.eq_ignore_ascii_case("plpgsql")) => {
                    return None;
                }
                _ => {}
            }
        }
    }
    body
}

/// The sequence of a `nextval('name'::regclass)` default.
pub(crate) fn nextval_sequence(node: &Node) -> Option<QualifiedName> {
    let Some(NodeEnum::FuncCall(f)) = node.node.as_ref() else { return None };
    if strings(&f.funcname).last().map(String::as_str) != Some("nextval") {
        return None;
    }
    let arg = f.args.first()?;
    let text = match arg.node.as_ref()? {
        NodeEnum::TypeCast(tc) => tc.arg.as_deref().and_then(const_text)?,
        _ => const_text(arg)?,
    };
    qualified_list(&regclass_name(&text))
}

/// DROP COLUMN without CASCADE, or ALTER COLUMN TYPE, of a column something outside the
/// table's own indexes and constraints uses: PostgreSQL refuses both.
fn column_in_use(
    schema: &Schema,
    table: &QualifiedName,
    subtype: AlterTableType,
    cmd: &protobuf::AlterTableCmd,
) -> Option<Outcome> {
    let altering = match subtype {
        AlterTableType::AtDropColumn if cmd.behavior != DropBehavior::DropCascade as i32 => false,
        AlterTableType::AtAlterColumnType => true,
        _ => return None,
    };
    schema.tables.get(table)?.column(&cmd.name)?;
    let user = crate::source::cascade::column_user(schema, table, &cmd.name, altering)?;
    Some(if altering {
        Outcome::Rejected {
            message: format!("cannot alter type of column {} of {table}: {user} uses it", cmd.name),
            hint: "PostgreSQL refuses to change the type of a column a view, policy, trigger or generated column \
                   uses: drop that first and create it again after the ALTER",
        }
    } else {
        Outcome::Rejected {
            message: format!("cannot drop column {} of {table} because {user} depends on it", cmd.name),
            hint: "PostgreSQL refuses without CASCADE: drop what depends on it first, or write DROP COLUMN … CASCADE \
                   to drop that too",
        }
    })
}

/// After a rename or move of `table` or its columns, the sequences it owns that are named
/// as `serial` names them again make their columns serial again.
pub(crate) fn serials_again(schema: &mut Schema, table: &QualifiedName) {
    let owned: Vec<QualifiedName> = schema
        .sequences
        .values()
        .filter(|s| s.owned_by.as_ref().is_some_and(|(t, _)| t == table))
        .map(|s| s.name.clone())
        .collect();
    for sequence in owned {
        serial_from_sequence(schema, &sequence);
    }
}

/// A sequence owned by a column named `<table>_<column>_seq` whose default draws from it is
/// what `serial` creates: the column becomes serial again. True when it did.
fn serial_from_sequence(schema: &mut Schema, sequence: &QualifiedName) -> bool {
    let Some((table_name, column)) = schema.sequences.get(sequence).and_then(|s| s.owned_by.clone()) else {
        return false;
    };
    let Some(table) = schema.tables.get_mut(&table_name) else { return false };
    if sequence.name != make_object_name(&table_name.name, Some(&column), "seq") || sequence.schema != table_name.schema
    {
        return false;
    }
    let Some(col) = table.column_mut(&column) else { return false };
    let draws =
        col.default.as_ref().is_some_and(|d| d.text().starts_with("nextval(") && d.text().contains(&sequence.name));
    let serial = match col.data_type.name.as_str() {
        "integer" => "serial",
        "bigint" => "bigserial",
        "smallint" => "smallserial",
        _ => return false,
    };
    // What `serial` creates, and nothing else: a sequence of the column's type with the
    // default options.
    let options = &schema.sequences[sequence].options;
    let as_type = options.iter().find(|(k, _)| k == "as").map_or("bigint", |(_, v)| v.as_str());
    if as_type != col.data_type.name || options.iter().any(|(k, _)| k != "as") {
        return false;
    }
    if !draws || !col.data_type.builtin || col.data_type.array_dims > 0 {
        return false;
    }
    col.data_type = crate::model::DataType::from_parts(vec![serial.into()], vec![], 0);
    col.default = None;
    col.not_null = true;
    schema.sequences.remove(sequence);
    true
}

/// A short name for statements the model does not hold, for the load report.
pub fn statement_kind(stmt: &NodeEnum) -> &'static str {
    match stmt {
        NodeEnum::InsertStmt(_) => "INSERT",
        NodeEnum::UpdateStmt(_) => "UPDATE",
        NodeEnum::DeleteStmt(_) => "DELETE",
        NodeEnum::SelectStmt(_) => "SELECT",
        NodeEnum::DoStmt(_) => "DO",
        NodeEnum::VariableSetStmt(_) => "SET",
        NodeEnum::CreateFunctionStmt(_) => "CREATE FUNCTION",
        NodeEnum::CreatePolicyStmt(_) => "CREATE POLICY",
        NodeEnum::AlterPolicyStmt(_) => "ALTER POLICY",
        NodeEnum::CreateTrigStmt(_) => "CREATE TRIGGER",
        NodeEnum::ViewStmt(_) => "CREATE VIEW",
        NodeEnum::CreateTableAsStmt(_) => "CREATE TABLE AS",
        NodeEnum::GrantStmt(_) => "GRANT",
        NodeEnum::GrantRoleStmt(_) => "GRANT ROLE",
        NodeEnum::AlterDefaultPrivilegesStmt(_) => "ALTER DEFAULT PRIVILEGES",
        NodeEnum::CreateEnumStmt(_) => "CREATE TYPE AS ENUM",
        NodeEnum::CompositeTypeStmt(_) => "CREATE TYPE",
        NodeEnum::CreateDomainStmt(_) => "CREATE DOMAIN",
        NodeEnum::CreateExtensionStmt(_) => "CREATE EXTENSION",
        NodeEnum::CreateSeqStmt(_) => "CREATE SEQUENCE",
        NodeEnum::AlterSeqStmt(_) => "ALTER SEQUENCE",
        NodeEnum::AlterOwnerStmt(_) => "ALTER OWNER",
        NodeEnum::CreatePublicationStmt(_) | NodeEnum::AlterPublicationStmt(_) => "PUBLICATION",
        NodeEnum::NotifyStmt(_) => "NOTIFY",
        NodeEnum::RefreshMatViewStmt(_) => "REFRESH MATERIALIZED VIEW",
        NodeEnum::TruncateStmt(_) => "TRUNCATE",
        NodeEnum::VacuumStmt(_) => "VACUUM",
        NodeEnum::LockStmt(_) => "LOCK",
        NodeEnum::CallStmt(_) => "CALL",
        NodeEnum::CreateRoleStmt(_)
        | NodeEnum::AlterRoleStmt(_)
        | NodeEnum::AlterRoleSetStmt(_)
        | NodeEnum::DropRoleStmt(_) => "ROLE",
        NodeEnum::AlterDatabaseStmt(_) | NodeEnum::AlterDatabaseSetStmt(_) | NodeEnum::AlterSystemStmt(_) => "DATABASE",
        NodeEnum::AlterEnumStmt(_) => "ALTER TYPE",
        NodeEnum::AlterObjectSchemaStmt(_) => "SET SCHEMA",
        NodeEnum::CreateRangeStmt(_) => "CREATE TYPE AS RANGE",
        NodeEnum::DefineStmt(_) => "CREATE AGGREGATE",
        NodeEnum::CreateForeignTableStmt(_) => "CREATE FOREIGN TABLE",
        NodeEnum::CreateForeignServerStmt(_) => "CREATE SERVER",
        NodeEnum::CreateFdwStmt(_) => "CREATE FOREIGN DATA WRAPPER",
        NodeEnum::CreateUserMappingStmt(_) => "CREATE USER MAPPING",
        NodeEnum::ImportForeignSchemaStmt(_) => "IMPORT FOREIGN SCHEMA",
        _ => "other statement",
    }
}

fn create_table(schema: &mut Schema, s: &protobuf::CreateStmt) -> Outcome {
    let Some(rv) = s.relation.as_ref() else {
        return Outcome::Skipped("CREATE TABLE");
    };
    if rv.relpersistence == "t" {
        return Outcome::Skipped("CREATE TEMP TABLE");
    }
    let name = qualified(rv);
    if schema.tables.contains_key(&name) {
        if s.if_not_exists {
            return Outcome::Applied;
        }
        return Outcome::Rejected {
            message: format!("table {name} already exists"),
            hint: "a statement before this one creates it, and PostgreSQL refuses to create it again: drop it \
                   first, or write CREATE TABLE IF NOT EXISTS",
        };
    }
    if s.of_typename.is_some() {
        return Outcome::Rejected {
            message: format!("CREATE TABLE {name} … OF type is not supported: its columns come from elsewhere"),
            hint: "write the table's columns out in CREATE TABLE",
        };
    }
    // A clause the model cannot hold yet: the table is kept without it, and the statement
    // is reported as outside the model.
    let mut left_out = None;
    let mut table = Table::new(name.clone());
    if let (Some(spec), Some(parent)) = (&s.partbound, s.inh_relations.first()) {
        let Some(NodeEnum::RangeVar(parent)) = parent.node.as_ref() else {
            return Outcome::Skipped("CREATE TABLE … PARTITION OF");
        };
        let parent = existing(schema, parent);
        if let Some(refused) = partition::check_bound(schema, &parent, &name, spec) {
            return refused;
        }
        table.partition_of = Some(PartitionOf { parent, bound: partition::bound(spec) });
        // `(col WITH OPTIONS DEFAULT …)`: a column's own default or NOT NULL in one partition.
        if s.table_elts.iter().any(|e| matches!(e.node, Some(NodeEnum::ColumnDef(_)))) {
            left_out = Some("column options of a partition");
        }
    }
    table.partition_by = s.partspec.as_ref().map(partition::key);
    if s.partbound.is_none() {
        match partition::inherits(schema, &name, &s.inh_relations) {
            Ok(parents) => table.inherits = parents,
            Err(refused) => return refused,
        }
    }
    table.grants = schema.default_privileges.effective(&name.schema, ObjectKind::Tables);
    table.storage.unlogged = rv.relpersistence == "u";
    table.storage.options = replication::storage_options(&s.options);
    let mut pending = Vec::new();
    let mut likes = Vec::new();
    for elt in &s.table_elts {
        match elt.node.as_ref() {
            Some(NodeEnum::ColumnDef(def)) if table.partition_of.is_none() => {
                let (column, constraints) = column_from_def(def);
                table.columns.push(column);
                pending.extend(constraints);
            }
            Some(NodeEnum::Constraint(c)) => pending.push(PendingConstraint::from_node(c, None)),
            Some(NodeEnum::TableLikeClause(clause)) => match like::columns(schema, &name, clause) {
                Ok((columns, rest)) => {
                    table.columns.extend(columns);
                    likes.push(rest);
                }
                Err(outcome) => return outcome,
            },
            _ => {}
        }
    }
    if let Some(twice) = table
        .columns
        .iter()
        .enumerate()
        .find_map(|(i, c)| table.columns[..i].iter().any(|d| d.name == c.name).then_some(&c.name))
    {
        return Outcome::Rejected {
            message: format!("column {twice} of {name} specified more than once"),
            hint: "PostgreSQL refuses a table with two columns of one name (a LIKE clause brings all the \
                   columns of its source): rename or drop one",
        };
    }
    for c in &s.constraints {
        if let Some(NodeEnum::Constraint(c)) = c.node.as_ref() {
            pending.push(PendingConstraint::from_node(c, None));
        }
    }
    schema.tables.insert(name.clone(), table);
    // PostgreSQL names CHECKs first, then the indexes of keys, then foreign keys.
    pending.sort_by_key(|p| match p.kind {
        ConstrType::ConstrCheck => 0,
        ConstrType::ConstrPrimary | ConstrType::ConstrUnique | ConstrType::ConstrExclusion => 1,
        _ => 2,
    });
    // A LIKE clause adds its CHECKs and keys after the table's own keys, before its foreign
    // keys (transformCreateStmt), which matters for the names PostgreSQL picks.
    let (foreign, own): (Vec<_>, Vec<_>) =
        without_redundant_keys(pending).into_iter().partition(|p| p.kind == ConstrType::ConstrForeign);
    for p in own {
        add_constraint(schema, &name, p);
    }
    for rest in likes {
        if let Err(refused) = like::expand(schema, &name, rest) {
            schema.tables.remove(&name);
            return refused;
        }
    }
    for p in foreign {
        add_constraint(schema, &name, p);
    }
    if let Some(refused) = partition::check_keys(&schema.tables[&name]) {
        schema.tables.remove(&name);
        return refused;
    }
    left_out.map_or(Outcome::Applied, Outcome::Skipped)
}

/// PostgreSQL builds one index for the keys of a CREATE TABLE that are alike (`UNIQUE
/// PRIMARY KEY`, a UNIQUE written twice): the primary key's, else the first's, which takes
/// the name of a later one when it has none (transformIndexConstraints).
fn without_redundant_keys(pending: Vec<PendingConstraint>) -> Vec<PendingConstraint> {
    let is_key = |p: &PendingConstraint| matches!(p.kind, ConstrType::ConstrPrimary | ConstrType::ConstrUnique);
    let alike = |a: &PendingConstraint, b: &PendingConstraint| {
        a.key_columns() == b.key_columns()
            && strings(&a.node.including) == strings(&b.node.including)
            && a.node.nulls_not_distinct == b.node.nulls_not_distinct
            && (a.node.deferrable, a.node.initdeferred) == (b.node.deferrable, b.node.initdeferred)
    };
    let primary = pending.iter().position(|p| p.kind == ConstrType::ConstrPrimary);
    // The primary key first, then the others in the order written.
    let order = primary.into_iter().chain((0..pending.len()).filter(|i| Some(*i) != primary));
    let mut dropped = vec![false; pending.len()];
    let mut names: Vec<Option<String>> = vec![None; pending.len()];
    let mut kept: Vec<usize> = Vec::new();
    for i in order {
        if !is_key(&pending[i]) {
            continue;
        }
        match kept.iter().find(|&&k| alike(&pending[k], &pending[i])) {
            Some(&k) => {
                dropped[i] = true;
                if pending[k].node.conname.is_empty() && names[k].is_none() && !pending[i].node.conname.is_empty() {
                    names[k] = Some(pending[i].node.conname.clone());
                }
            }
            None => kept.push(i),
        }
    }
    pending
        .into_iter()
        .zip(dropped.into_iter().zip(names))
        .filter(|(_, (dropped, _))| !dropped)
        .map(|(mut p, (_, name))| {
            if let Some(name) = name {
                p.node.conname = name;
            }
            p
        })
        .collect()
}

/// A constraint as written, before it has a name and resolved columns.
pub struct PendingConstraint {
    kind: ConstrType,
    node: protobuf::Constraint,
    /// The column it was written on, for column constraints.
    column: Option<String>,
    /// Added by ALTER TABLE with NOT VALID.
    not_valid: bool,
}

impl PendingConstraint {
    fn from_node(c: &protobuf::Constraint, column: Option<&str>) -> Self {
        PendingConstraint {
            kind: ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined),
            node: c.clone(),
            column: column.map(str::to_string),
            not_valid: false,
        }
    }

    fn key_columns(&self) -> Vec<String> {
        if self.node.keys.is_empty() { self.column.iter().cloned().collect() } else { strings(&self.node.keys) }
    }
}

/// A column and the constraints written on it.
fn column_from_def(def: &protobuf::ColumnDef) -> (Column, Vec<PendingConstraint>) {
    let data_type = def
        .type_name
        .as_ref()
        .map(data_type)
        .unwrap_or_else(|| crate::model::DataType::from_parts(vec!["text".into()], vec![], 0));
    let mut column = Column {
        name: def.colname.clone(),
        not_null: def.is_not_null || data_type.is_serial(),
        data_type,
        default: def.raw_default.as_deref().filter(|d| !is_null_const(d)).map(expr_sql),
        identity: None,
        identity_options: Vec::new(),
        generated: None,
        collation: def.coll_clause.as_ref().map(|c| strings(&c.collname).join(".")),
        comment: None,
    };
    let mut pending: Vec<PendingConstraint> = Vec::new();
    for node in &def.constraints {
        let Some(NodeEnum::Constraint(c)) = node.node.as_ref() else {
            continue;
        };
        match ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined) {
            ConstrType::ConstrNull => column.not_null = false,
            ConstrType::ConstrNotnull => column.not_null = true,
            ConstrType::ConstrDefault => {
                column.default = c.raw_expr.as_deref().filter(|d| !is_null_const(d)).map(expr_sql)
            }
            ConstrType::ConstrIdentity => {
                column.identity = Some(identity_kind(&c.generated_when));
                column.identity_options = identity_options(&[], &c.options, &column.data_type);
                column.not_null = true;
            }
            ConstrType::ConstrGenerated => column.generated = c.raw_expr.as_deref().map(expr_sql),
            ConstrType::ConstrAttrDeferrable
            | ConstrType::ConstrAttrNotDeferrable
            | ConstrType::ConstrAttrDeferred
            | ConstrType::ConstrAttrImmediate => {
                if let Some(last) = pending.last_mut() {
                    match ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined) {
                        ConstrType::ConstrAttrDeferrable => last.node.deferrable = true,
                        ConstrType::ConstrAttrNotDeferrable => last.node.deferrable = false,
                        ConstrType::ConstrAttrDeferred => {
                            last.node.initdeferred = true;
                            last.node.deferrable = true;
                        }
                        _ => last.node.initdeferred = false,
                    }
                }
            }
            _ => pending.push(PendingConstraint::from_node(c, Some(&def.colname))),
        }
    }
    (column, pending)
}

/// The sequence options of an identity (`START WITH 100`, …) over `current`.
fn identity_options(
    current: &[(String, String)],
    options: &[Node],
    ty: &crate::model::DataType,
) -> Vec<(String, String)> {
    crate::model::identity::merged(current, &routines::sequence_option_values(options), ty)
}

fn identity_kind(generated_when: &str) -> Identity {
    if generated_when == "d" { Identity::ByDefault } else { Identity::Always }
}

fn fk_action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Names and adds a constraint to `table`, with PostgreSQL's side effects.
fn add_constraint(schema: &mut Schema, table_name: &QualifiedName, p: PendingConstraint) {
    let Some(table) = schema.tables.get(table_name) else {
        return;
    };
    // `PRIMARY KEY USING INDEX i` turns an existing unique index into the key: its columns
    // and NULLS NOT DISTINCT, and its name unless the constraint has one (the index is
    // renamed to match).
    let using_index = (!p.node.indexname.is_empty()).then(|| table.index(&p.node.indexname)).flatten();
    let nulls_not_distinct = p.node.nulls_not_distinct || using_index.is_some_and(|i| i.nulls_not_distinct);
    let using_index =
        using_index.map(|i| (i.name.clone(), i.keys.iter().filter_map(|k| k.column.clone()).collect::<Vec<_>>()));
    let explicit = (!p.node.conname.is_empty())
        .then(|| p.node.conname.clone())
        .or_else(|| using_index.as_ref().map(|(n, _)| n.clone()));
    let relname = table_name.name.as_str();
    let constraint_taken = |n: &str| table.constraints.iter().any(|c| c.name == n);
    let relation_taken = |n: &str| {
        table.relation_names().any(|r| r == n)
            || schema.tables.contains_key(&QualifiedName::new(table_name.schema.clone(), n))
    };
    let (name, kind) = match p.kind {
        ConstrType::ConstrCheck => {
            let Some(raw) = p.node.raw_expr.as_deref() else {
                return;
            };
            let refs = column_refs(raw);
            let name = explicit.unwrap_or_else(|| {
                let col = (refs.len() == 1).then(|| refs[0].as_str());
                choose_name(relname, col, "check", constraint_taken)
            });
            (name, ConstraintKind::Check { expr: expr_sql(raw), no_inherit: p.node.is_no_inherit })
        }
        ConstrType::ConstrPrimary => {
            let columns = using_index.clone().map_or_else(|| p.key_columns(), |(_, c)| c);
            let name = explicit.unwrap_or_else(|| choose_name(relname, None, "pkey", relation_taken));
            (name, ConstraintKind::PrimaryKey { columns })
        }
        ConstrType::ConstrUnique => {
            let columns = using_index.clone().map_or_else(|| p.key_columns(), |(_, c)| c);
            let name =
                explicit.unwrap_or_else(|| choose_name(relname, Some(&join_columns(&columns)), "key", relation_taken));
            (name, ConstraintKind::Unique { columns, nulls_not_distinct })
        }
        ConstrType::ConstrForeign => {
            let columns =
                if p.node.fk_attrs.is_empty() { p.column.iter().cloned().collect() } else { strings(&p.node.fk_attrs) };
            let Some(pk) = p.node.pktable.as_ref() else {
                return;
            };
            let ref_table = existing(schema, pk);
            let mut ref_columns = strings(&p.node.pk_attrs);
            if ref_columns.is_empty()
                && let Some(key) = schema.tables.get(&ref_table).and_then(Table::primary_key)
            {
                ref_columns = key.clone();
            }
            let name = explicit
                .unwrap_or_else(|| choose_name(relname, Some(&join_columns(&columns)), "fkey", constraint_taken));
            let fk = ForeignKey {
                columns,
                ref_table,
                ref_columns,
                on_delete: fk_action(&p.node.fk_del_action),
                on_delete_columns: strings(&p.node.fk_del_set_cols),
                on_update: fk_action(&p.node.fk_upd_action),
                match_full: p.node.fk_matchtype == "f",
            };
            (name, ConstraintKind::ForeignKey(fk))
        }
        ConstrType::ConstrExclusion => {
            let (exclusion, colnames) = crate::source::exclusion::from_node(&p.node);
            let name = explicit.unwrap_or_else(|| {
                let colnames = distinct_index_column_names(colnames);
                choose_name(relname, Some(&join_columns(&colnames)), "excl", relation_taken)
            });
            (name, ConstraintKind::Exclude(exclusion))
        }
        _ => return,
    };
    let constraint = Constraint {
        name,
        deferrable: p.node.deferrable || p.node.initdeferred,
        initially_deferred: p.node.initdeferred,
        not_valid: p.not_valid && matches!(kind, ConstraintKind::Check { .. } | ConstraintKind::ForeignKey(_)),
        kind,
        comment: None,
    };
    let table = schema.tables.get_mut(table_name).expect("checked above");
    if let ConstraintKind::PrimaryKey { columns } = &constraint.kind {
        for c in columns {
            if let Some(col) = table.column_mut(c) {
                col.not_null = true;
            }
        }
    }
    if let Some((index, _)) = &using_index {
        table.indexes.retain(|i| &i.name != index);
    }
    table.constraints.retain(|c| c.name != constraint.name);
    table.constraints.push(constraint);
}

fn create_index(schema: &mut Schema, s: &protobuf::IndexStmt) -> Outcome {
    let Some(rv) = s.relation.as_ref() else {
        return Outcome::Skipped("CREATE INDEX");
    };
    let table_name = existing(schema, rv);
    if schema.views.get(&table_name).is_some_and(|v| v.materialized) {
        return index_on_view(schema, &table_name, s);
    }
    let Some(table) = schema.tables.get(&table_name) else {
        return Outcome::Unresolved(format!("index on {table_name}, which the model does not hold"));
    };
    let (keys, include, colnames) = index_parts(s);
    let name = if s.idxname.is_empty() {
        let colnames = distinct_index_column_names(colnames);
        choose_name(&table_name.name, Some(&join_columns(&colnames)), "idx", |n| {
            table.relation_names().any(|r| r == n)
                || schema.tables.contains_key(&QualifiedName::new(table_name.schema.clone(), n))
        })
    } else {
        s.idxname.clone()
    };
    // The names of the table's own keys and indexes, and the tables: a scan of every
    // table's indexes per statement would make loading quadratic in the number of tables.
    let taken = schema.tables.contains_key(&QualifiedName::new(table_name.schema.clone(), name.clone()))
        || table.relation_names().any(|r| r == name);
    if taken {
        if s.if_not_exists {
            return Outcome::Applied;
        }
        return Outcome::Rejected {
            message: format!("a relation named {name} already exists in schema {}", table_name.schema),
            hint: "indexes, keys and tables share one namespace per schema, and PostgreSQL refuses a second \
                   relation of the same name: pick another name, or write CREATE INDEX IF NOT EXISTS",
        };
    }
    let index = index_of(s, name, keys, include);
    let table = schema.tables.get_mut(&table_name).expect("checked above");
    table.indexes.retain(|i| i.name != index.name);
    table.indexes.push(index);
    if let Some(refused) = partition::check_keys(table) {
        table.indexes.pop();
        return refused;
    }
    Outcome::Applied
}

/// The keys, INCLUDE columns, and the names PostgreSQL takes an index's name from.
fn index_parts(s: &protobuf::IndexStmt) -> (Vec<IndexKey>, Vec<String>, Vec<String>) {
    let mut keys = Vec::new();
    let mut colnames = Vec::new();
    for elem in &s.index_params {
        let Some(NodeEnum::IndexElem(e)) = elem.node.as_ref() else {
            continue;
        };
        let (key, colname) = index_key(e);
        keys.push(key);
        colnames.push(colname);
    }
    let include = include_columns(&s.index_including_params);
    colnames.extend(include.iter().cloned());
    (keys, include, colnames)
}

fn index_of(s: &protobuf::IndexStmt, name: String, keys: Vec<IndexKey>, include: Vec<String>) -> Index {
    let method = if s.access_method.is_empty() { "btree".into() } else { s.access_method.to_lowercase() };
    Index {
        name,
        unique: s.unique,
        method,
        keys,
        include,
        predicate: s.where_clause.as_deref().map(expr_sql),
        nulls_not_distinct: s.nulls_not_distinct,
        options: replication::storage_options(&s.options),
        comment: None,
    }
}

/// CREATE INDEX on a materialized view: the view holds it.
fn index_on_view(schema: &mut Schema, view: &QualifiedName, s: &protobuf::IndexStmt) -> Outcome {
    let (keys, include, colnames) = index_parts(s);
    let in_schema = |n: &str| {
        let q = QualifiedName::new(view.schema.clone(), n);
        schema.tables.contains_key(&q)
            || schema.views.contains_key(&q)
            || schema.views.values().any(|v| v.name.schema == view.schema && v.indexes.iter().any(|i| i.name == n))
            || schema.tables.values().any(|t| t.name.schema == view.schema && t.relation_names().any(|r| r == n))
    };
    let name = if s.idxname.is_empty() {
        choose_name(&view.name, Some(&join_columns(&distinct_index_column_names(colnames))), "idx", in_schema)
    } else {
        s.idxname.clone()
    };
    if in_schema(&name) {
        if s.if_not_exists {
            return Outcome::Applied;
        }
        return Outcome::Rejected {
            message: format!("a relation named {name} already exists in schema {}", view.schema),
            hint: "indexes, keys and tables share one namespace per schema, and PostgreSQL refuses a second \
                   relation of the same name: pick another name, or write CREATE INDEX IF NOT EXISTS",
        };
    }
    let index = index_of(s, name, keys, include);
    schema.views.get_mut(view).expect("checked by the caller").indexes.push(index);
    Outcome::Applied
}

/// One key of an index (or of an EXCLUDE constraint), and the name PostgreSQL takes from
/// it for the index's name: the column's, or the expression's (`lower`, `expr`).
pub(crate) fn index_key(e: &protobuf::IndexElem) -> (IndexKey, String) {
    let (column, expr) = match e.expr.as_deref() {
        None => (Some(e.name.clone()), None),
        Some(x) => match x.node.as_ref() {
            Some(NodeEnum::ColumnRef(c)) if c.fields.len() == 1 => {
                (c.fields.first().and_then(str_of).map(str::to_string), None)
            }
            _ => (None, Some(x)),
        },
    };
    let colname = match (&column, expr) {
        (Some(c), _) => c.clone(),
        (None, Some(x)) if e.indexcolname.is_empty() => index_expr_name(x),
        _ => e.indexcolname.clone(),
    };
    let desc = e.ordering == SortByDir::SortbyDesc as i32;
    let nulls_first = match SortByNulls::try_from(e.nulls_ordering) {
        Ok(SortByNulls::SortbyNullsFirst) if !desc => Some(true),
        Ok(SortByNulls::SortbyNullsLast) if desc => Some(false),
        _ => None,
    };
    let opclass = strings(&e.opclass).join(".");
    let key = IndexKey {
        column,
        expr: expr.map(expr_sql),
        collation: (!e.collation.is_empty()).then(|| strings(&e.collation).join(".")),
        opclass: (!opclass.is_empty()).then_some(opclass),
        desc,
        nulls_first,
    };
    (key, colname)
}

/// The columns of an INCLUDE list.
pub(crate) fn include_columns(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) => Some(e.name.clone()),
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

fn alter_table(schema: &mut Schema, s: &protobuf::AlterTableStmt) -> Outcome {
    if let Some(outcome) = crate::source::owner::alter_relation(schema, s) {
        return outcome;
    }
    if s.objtype == ObjectType::ObjectType as i32 {
        return crate::source::composite::alter_composite(schema, s);
    }
    if s.objtype == ObjectType::ObjectView as i32 || s.objtype == ObjectType::ObjectMatview as i32 {
        return super::routines::alter_view(schema, s);
    }
    if s.objtype == ObjectType::ObjectIndex as i32 {
        return replication::alter_index(schema, s);
    }
    if s.objtype != ObjectType::ObjectTable as i32 {
        return Outcome::Skipped("ALTER (not a table)");
    }
    let Some(rv) = s.relation.as_ref() else {
        return Outcome::Skipped("ALTER TABLE");
    };
    let name = existing(schema, rv);
    let Some(table) = schema.tables.get(&name) else {
        if s.missing_ok {
            return Outcome::Applied;
        }
        return Outcome::Unresolved(format!("ALTER TABLE {name}, which the model does not hold"));
    };
    // Checked before any command runs, since PostgreSQL refuses the whole statement; the
    // commands run in order, so each sees the names the ones before it added or dropped
    // (`DROP CONSTRAINT x, ADD CONSTRAINT x …` re-creates a foreign key).
    let mut columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    let mut constraints: Vec<&str> = table.constraints.iter().map(|c| c.name.as_str()).collect();
    // A constraint trigger's constraint takes its name too.
    let constraint_triggers =
        schema.triggers.range((name.clone(), String::new())..).take_while(|((t, _), _)| *t == name);
    constraints.extend(constraint_triggers.filter(|(_, t)| t.constraint).map(|((_, n), _)| n.as_str()));
    for cmd in &s.cmds {
        let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else { continue };
        match AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined) {
            AlterTableType::AtDropColumn => columns.retain(|c| *c != cmd.name),
            AlterTableType::AtDropConstraint => {
                if schema.triggers.get(&(name.clone(), cmd.name.clone())).is_some_and(|t| t.constraint) {
                    return Outcome::Rejected {
                        message: format!(
                            "cannot drop constraint {0} on table {name} because trigger {0} on table {name} requires it",
                            cmd.name
                        ),
                        hint: "the constraint of a constraint trigger goes with the trigger: DROP TRIGGER instead",
                    };
                }
                constraints.retain(|c| *c != cmd.name)
            }
            _ => {}
        }
        match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
            Some(NodeEnum::ColumnDef(def)) if cmd.subtype == AlterTableType::AtAddColumn as i32 => {
                if !cmd.missing_ok && columns.contains(&def.colname.as_str()) {
                    return Outcome::Rejected {
                        message: format!("column {} of {name} already exists", def.colname),
                        hint: "a statement before this one adds it, and PostgreSQL refuses to add it again: write \
                               ADD COLUMN IF NOT EXISTS, or leave the statement out",
                    };
                }
                columns.push(&def.colname);
            }
            Some(NodeEnum::Constraint(c)) if !c.conname.is_empty() => {
                if constraints.contains(&c.conname.as_str()) {
                    return Outcome::Rejected {
                        message: format!("constraint {} of {name} already exists", c.conname),
                        hint: "PostgreSQL refuses a second constraint of the same name on a table: drop the first, \
                               or pick another name",
                    };
                }
                constraints.push(&c.conname);
            }
            _ => {}
        }
    }
    let mut outcome = Outcome::Applied;
    for cmd in &s.cmds {
        let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
            continue;
        };
        let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
        let firing = super::routines::trigger_firing(schema, &name, subtype, &cmd.name, !rv.inh);
        match firing.unwrap_or_else(|| alter_table_cmd(schema, &name, cmd)) {
            Outcome::Skipped(what) => outcome = Outcome::Skipped(what),
            rejected @ Outcome::Rejected { .. } => return rejected,
            _ => {}
        }
    }
    outcome
}

fn alter_table_cmd(schema: &mut Schema, name: &QualifiedName, cmd: &protobuf::AlterTableCmd) -> Outcome {
    let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
    let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
    if let Some(refused) = column_in_use(schema, name, subtype, cmd) {
        return refused;
    }
    // A serial column given another type keeps its sequence (of its old type) and its
    // default: what pg_dump shows, an integer type drawing from a sequence it owns.
    if subtype == AlterTableType::AtAlterColumnType
        && let Some(mut table) = schema.tables.remove(name)
    {
        if let Some(at) = table.columns.iter().position(|c| c.name == cmd.name && c.data_type.is_serial()) {
            let sequence = table.columns[at].own_sequence(name).expect("a serial column");
            keep_serial_sequence(schema, &mut table, at, sequence);
        }
        schema.tables.insert(name.clone(), table);
    }
    let table = schema.tables.get_mut(name).expect("caller checked");
    match subtype {
        AlterTableType::AtAddColumn => {
            let Some(NodeEnum::ColumnDef(def)) = def else {
                return Outcome::Applied;
            };
            if table.column(&def.colname).is_some() {
                return Outcome::Applied;
            }
            let (column, pending) = column_from_def(def);
            table.columns.push(column);
            for p in pending {
                add_constraint(schema, name, p);
            }
        }
        AlterTableType::AtDropColumn => {
            // Without CASCADE, PostgreSQL refuses a drop that has dependents beyond the
            // column's own constraints and indexes.
            let before = (cmd.behavior == DropBehavior::DropCascade as i32).then(|| Graph::of(schema));
            drop_column(schema, name, &cmd.name);
            if let Some(before) = before {
                crate::source::cascade::drop_column_dependents(schema, &before, name, &cmd.name);
            }
        }
        AlterTableType::AtColumnDefault => {
            if let Some(col) = table.column_mut(&cmd.name) {
                col.default = cmd.def.as_deref().filter(|d| !is_null_const(d)).map(expr_sql);
                // A serial without its default is its integer type (the sequence stays).
                if cmd.def.is_none() {
                    col.data_type = col.data_type.without_serial();
                }
            }
            if let Some(sequence) = cmd.def.as_deref().and_then(nextval_sequence) {
                serial_from_sequence(schema, &sequence);
            }
        }
        AlterTableType::AtDropNotNull | AlterTableType::AtSetNotNull => {
            if let Some(col) = table.column_mut(&cmd.name) {
                col.not_null = subtype == AlterTableType::AtSetNotNull;
            }
        }
        AlterTableType::AtAlterColumnType => {
            let Some(NodeEnum::ColumnDef(def)) = def else {
                return Outcome::Applied;
            };
            if let Some(col) = table.column_mut(&cmd.name) {
                if let Some(tn) = def.type_name.as_ref() {
                    col.data_type = data_type(tn);
                }
                // Without COLLATE, ALTER TYPE resets the column to the type's default collation.
                col.collation = def.coll_clause.as_ref().map(|c| strings(&c.collname).join("."));
            }
        }
        AlterTableType::AtAddConstraint => {
            if let Some(NodeEnum::Constraint(c)) = def {
                let pending =
                    PendingConstraint { not_valid: c.skip_validation, ..PendingConstraint::from_node(c, None) };
                let before = schema.tables[name].constraints.clone();
                add_constraint(schema, name, pending);
                if let Some(refused) = partition::check_keys(&schema.tables[name]) {
                    schema.tables.get_mut(name).expect("caller checked").constraints = before;
                    return refused;
                }
            }
        }
        AlterTableType::AtValidateConstraint => {
            if let Some(c) = table.constraints.iter_mut().find(|c| c.name == cmd.name) {
                c.not_valid = false;
            }
        }
        // PostgreSQL (up to 17) alters only a foreign key's deferrability this way.
        AlterTableType::AtAlterConstraint => {
            let Some(NodeEnum::AtalterConstraint(given)) = def else { return Outcome::Skipped("ALTER CONSTRAINT") };
            if !given.alter_deferrability || given.alter_enforceability || given.alter_inheritability {
                return Outcome::Skipped("ALTER CONSTRAINT");
            }
            match table.constraints.iter_mut().find(|c| c.name == given.conname) {
                Some(c) if c.kind.is_foreign_key() => {
                    c.deferrable = given.deferrable;
                    c.initially_deferred = given.initdeferred;
                }
                Some(_) => {
                    return Outcome::Rejected {
                        message: format!("constraint {} of {name} is not a foreign key", given.conname),
                        hint: "ALTER CONSTRAINT changes only foreign keys: drop and add the constraint instead",
                    };
                }
                None => {
                    return Outcome::Unresolved(format!(
                        "ALTER CONSTRAINT {} of {name}, which the model does not hold",
                        given.conname
                    ));
                }
            }
        }
        AlterTableType::AtDropConstraint => drop_constraint(schema, name, &cmd.name),
        AlterTableType::AtAddIdentity => {
            if let (Some(NodeEnum::Constraint(c)), Some(col)) = (def, table.column_mut(&cmd.name)) {
                col.identity = Some(identity_kind(&c.generated_when));
                col.identity_options = identity_options(&[], &c.options, &col.data_type);
                col.not_null = true;
            }
        }
        AlterTableType::AtSetIdentity => {
            let Some(col) = table.column_mut(&cmd.name) else {
                return Outcome::Applied;
            };
            let Some(NodeEnum::List(options)) = def else {
                return Outcome::Applied;
            };
            for opt in &options.items {
                if let Some(NodeEnum::DefElem(d)) = opt.node.as_ref()
                    && d.defname == "generated"
                    && let Some(code) = d.arg.as_deref().and_then(const_text)
                {
                    // The grammar stores the ASCII code of 'a' or 'd'.
                    col.identity =
                        Some(if code == u32::from(b'd').to_string() { Identity::ByDefault } else { Identity::Always });
                }
            }
            col.identity_options = identity_options(&col.identity_options, &options.items, &col.data_type);
        }
        AlterTableType::AtDropIdentity => {
            if let Some(col) = table.column_mut(&cmd.name) {
                col.identity = None;
                col.identity_options.clear();
            }
        }
        AlterTableType::AtDropExpression => {
            if let Some(col) = table.column_mut(&cmd.name) {
                col.generated = None;
            }
        }
        AlterTableType::AtEnableRowSecurity => table.rls_enabled = true,
        AlterTableType::AtDisableRowSecurity => table.rls_enabled = false,
        AlterTableType::AtForceRowSecurity => table.rls_forced = true,
        AlterTableType::AtNoForceRowSecurity => table.rls_forced = false,
        AlterTableType::AtChangeOwner => return Outcome::Skipped("ALTER OWNER"),
        AlterTableType::AtAddInherit | AlterTableType::AtDropInherit => {
            let Some(NodeEnum::RangeVar(parent)) = def else {
                return Outcome::Skipped("ALTER TABLE … INHERIT");
            };
            return partition::alter_inherit(schema, name, parent, subtype == AlterTableType::AtAddInherit);
        }
        AlterTableType::AtAttachPartition | AlterTableType::AtDetachPartition => {
            let Some(NodeEnum::PartitionCmd(pc)) = def else {
                return Outcome::Skipped("ALTER TABLE … PARTITION");
            };
            return if subtype == AlterTableType::AtAttachPartition {
                partition::attach(schema, name, pc)
            } else {
                partition::detach(schema, name, pc)
            };
        }
        other => {
            return replication::alter_table_storage(table, other, def)
                .unwrap_or(Outcome::Skipped("ALTER TABLE (other)"));
        }
    }
    Outcome::Applied
}

/// Drops a column and, as PostgreSQL does, every index and constraint of the table that
/// uses it, and the foreign keys elsewhere that point at it.
pub(crate) fn drop_column(schema: &mut Schema, name: &QualifiedName, column: &str) {
    let Some(table) = schema.tables.get_mut(name) else {
        return;
    };
    table.columns.retain(|c| c.name != column);
    table.column_grants.remove(column);
    let uses = |cols: &[String], exprs: &[&Expr]| {
        cols.iter().any(|c| c == column) || exprs.iter().any(|e| e.refs().columns.iter().any(|c| c == column))
    };
    let mut dropped_keys = Vec::new();
    table.constraints.retain(|c| {
        let (columns, exprs): (Vec<String>, Vec<&Expr>) = match &c.kind {
            ConstraintKind::Check { expr, .. } => (vec![], vec![expr]),
            ConstraintKind::Exclude(x) => (x.columns(), x.exprs()),
            other => (other.columns().to_vec(), vec![]),
        };
        let keep = !uses(&columns, &exprs);
        if !keep && c.kind.has_index() {
            dropped_keys.push(c.kind.columns().to_vec());
        }
        keep
    });
    table.indexes.retain(|i| {
        let mut cols: Vec<String> = i.keys.iter().filter_map(|k| k.column.clone()).collect();
        cols.extend(i.include.iter().cloned());
        let mut exprs: Vec<&Expr> = i.keys.iter().filter_map(|k| k.expr.as_ref()).collect();
        exprs.extend(i.predicate.iter());
        !uses(&cols, &exprs)
    });
    for key in dropped_keys {
        drop_referencing_fks(schema, name, Some(&key));
    }
}

/// Removes foreign keys that point at `target` (at its key `columns`, or at all of it).
fn drop_referencing_fks(schema: &mut Schema, target: &QualifiedName, columns: Option<&[String]>) {
    for table in schema.tables.values_mut() {
        table.constraints.retain(|c| match &c.kind {
            ConstraintKind::ForeignKey(fk) => {
                !(&fk.ref_table == target && columns.is_none_or(|cols| fk.ref_columns == cols))
            }
            _ => true,
        });
    }
}

fn drop_constraint(schema: &mut Schema, name: &QualifiedName, constraint: &str) {
    let Some(table) = schema.tables.get_mut(name) else {
        return;
    };
    let Some(pos) = table.constraints.iter().position(|c| c.name == constraint) else {
        return;
    };
    let removed = table.constraints.remove(pos);
    if removed.kind.has_index() {
        drop_referencing_fks(schema, name, Some(removed.kind.columns()));
    }
}

/// Renames `object` (named as it will be) from `from`, as the `ALTER … RENAME` that the
/// plan writes for it would: the diff replays a rename through the same code as a history.
pub fn rename_object(schema: &mut Schema, object: &crate::model::ObjectId, from: &str) {
    use crate::model::ObjectId;
    let (rename_type, relation, subname, newname) = match object {
        ObjectId::Table(new) => (ObjectType::ObjectTable, QualifiedName::new(new.schema.clone(), from), "", &new.name),
        ObjectId::Column(t, new) => (ObjectType::ObjectColumn, t.clone(), from, new),
        ObjectId::Constraint(t, new) => (ObjectType::ObjectTabconstraint, t.clone(), from, new),
        ObjectId::Index(t, new) => (ObjectType::ObjectIndex, QualifiedName::new(t.schema.clone(), from), "", new),
        ObjectId::Policy(t, new) => (ObjectType::ObjectPolicy, t.clone(), from, new),
        _ => return,
    };
    let stmt = protobuf::RenameStmt {
        rename_type: rename_type as i32,
        relation: Some(protobuf::RangeVar {
            schemaname: relation.schema,
            relname: relation.name,
            inh: true,
            relpersistence: "p".into(),
            ..Default::default()
        }),
        subname: subname.to_string(),
        newname: newname.clone(),
        ..Default::default()
    };
    // The YAML's `serial` names its sequence after the table as it is named now: a serial
    // column of a renamed table stays serial, or the diff would change its type to serial.
    // (The plan does not rename the sequence yet, so it keeps its old name on the server.)
    rename(schema, &stmt, false);
}

fn rename(schema: &mut Schema, s: &protobuf::RenameStmt, keep_sequences: bool) -> Outcome {
    let rename_type = ObjectType::try_from(s.rename_type).unwrap_or(ObjectType::Undefined);
    if rename_type == ObjectType::ObjectPublication
        && let Some(from) = s.object.as_deref().and_then(str_of)
    {
        return replication::rename_publication(schema, from, &s.newname);
    }
    match rename_type {
        ObjectType::ObjectType => return crate::source::composite::rename_type(schema, s),
        ObjectType::ObjectAttribute => return crate::source::composite::rename_attribute(schema, s),
        ObjectType::ObjectAggregate => return crate::source::optioned::rename_aggregate(schema, s),
        ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine => {
            let Some(NodeEnum::ObjectWithArgs(owa)) = s.object.as_deref().and_then(|o| o.node.as_ref()) else {
                return Outcome::Skipped("RENAME");
            };
            let (name, args) = routines::object_with_args(owa);
            let new_name = QualifiedName::new(name.schema.clone(), s.newname.clone());
            let moved = crate::source::set_schema::rename_function(schema, &name, args.as_deref(), &new_name);
            return crate::source::set_schema::outcome(moved, s.missing_ok, "RENAME");
        }
        _ => {}
    }
    let Some(rv) = s.relation.as_ref() else {
        return Outcome::Skipped("RENAME");
    };
    let target = existing(schema, rv);
    // ALTER TABLE … RENAME TO also renames a sequence.
    let sequence = rename_type == ObjectType::ObjectSequence
        || (rename_type == ObjectType::ObjectTable
            && !schema.tables.contains_key(&target)
            && !schema.views.contains_key(&target)
            && (schema.sequences.contains_key(&target) || security::is_column_sequence(schema, &target)));
    if sequence {
        return rename_sequence(schema, &target, &s.newname, s.missing_ok);
    }
    let missing = |what: String| {
        if s.missing_ok {
            Outcome::Applied
        } else {
            Outcome::Unresolved(format!("rename of {what}, which the model does not hold"))
        }
    };
    let taken = |what: String| Outcome::Rejected {
        message: format!("{what} already exists"),
        hint: "PostgreSQL refuses to rename onto a name that is taken: drop or rename the other first, or pick \
               another name",
    };
    let new_relation = QualifiedName::new(target.schema.clone(), s.newname.clone());
    let relation_taken = schema.tables.contains_key(&new_relation) || schema.views.contains_key(&new_relation);
    match rename_type {
        // ALTER TABLE … RENAME TO also renames a view.
        ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectMatview
            if !schema.tables.contains_key(&target) && !schema.views.contains_key(&target) =>
        {
            return missing(target.to_string());
        }
        ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectMatview if relation_taken => {
            return taken(format!("relation {new_relation}"));
        }
        ObjectType::ObjectTable if schema.tables.contains_key(&target) => {
            let mut table = schema.tables.remove(&target).expect("checked above");
            table.name = new_relation.clone();
            if keep_sequences {
                keep_serial_sequences(schema, &mut table, &target);
            }
            schema.tables.insert(new_relation.clone(), table);
            retarget_table(schema, &target, &new_relation);
            serials_again(schema, &new_relation);
        }
        ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectMatview => {
            let mut v = schema.views.remove(&target).expect("checked above");
            v.name = new_relation;
            schema.views.insert(v.name.clone(), v);
        }
        ObjectType::ObjectColumn => {
            let columns: Vec<&str> = match (schema.tables.get(&target), schema.views.get(&target)) {
                (Some(t), _) => t.columns.iter().map(|c| c.name.as_str()).collect(),
                (None, Some(v)) => v.columns.iter().map(String::as_str).collect(),
                (None, None) => return missing(target.to_string()),
            };
            if columns.contains(&s.newname.as_str()) {
                return taken(format!("column {} of {target}", s.newname));
            }
            let view_named_by_query = schema.views.get(&target).is_some_and(|v| v.columns.is_empty());
            if !columns.contains(&s.subname.as_str()) && !view_named_by_query {
                return missing(format!("column {} of {target}", s.subname));
            }
            if keep_sequences && let Some(mut table) = schema.tables.remove(&target) {
                if let Some(at) = table.columns.iter().position(|c| c.name == s.subname && c.data_type.is_serial()) {
                    let name = table.columns[at].own_sequence(&target).expect("a serial column");
                    keep_serial_sequence(schema, &mut table, at, name);
                }
                schema.tables.insert(target.clone(), table);
            }
            rename_column(schema, &target, &s.subname, &s.newname);
            serials_again(schema, &target);
        }
        ObjectType::ObjectTabconstraint => {
            if schema.triggers.get(&(target.clone(), s.subname.clone())).is_some_and(|t| t.constraint) {
                return Outcome::Skipped(RENAMED_TRIGGER_CONSTRAINT);
            }
            let trigger_has = schema.triggers.get(&(target.clone(), s.newname.clone())).is_some_and(|t| t.constraint);
            let Some(table) = schema.tables.get_mut(&target) else { return missing(target.to_string()) };
            if trigger_has || table.constraints.iter().any(|c| c.name == s.newname) {
                return taken(format!("constraint {} of {target}", s.newname));
            }
            let Some(c) = table.constraints.iter_mut().find(|c| c.name == s.subname) else {
                return missing(format!("constraint {} of {target}", s.subname));
            };
            c.name = s.newname.clone();
            // A key's index is renamed with it.
            replication::rename_index(table, &s.subname, &s.newname);
        }
        ObjectType::ObjectIndex => {
            // The relation is the index; it lives in the schema of its table.
            let mut found = false;
            for t in schema.tables.values_mut().filter(|t| t.name.schema == target.schema) {
                if let Some(i) = t.indexes.iter_mut().find(|i| i.name == target.name) {
                    i.name = s.newname.clone();
                    replication::rename_index(t, &target.name, &s.newname);
                    found = true;
                } else if let Some(c) = t.constraints.iter_mut().find(|c| c.kind.owns_index() && c.name == target.name)
                {
                    c.name = s.newname.clone();
                    replication::rename_index(t, &target.name, &s.newname);
                    found = true;
                }
            }
            for v in schema.views.values_mut().filter(|v| v.name.schema == target.schema) {
                if let Some(i) = v.indexes.iter_mut().find(|i| i.name == target.name) {
                    i.name = s.newname.clone();
                    found = true;
                }
            }
            if !found {
                return missing(format!("index {target}"));
            }
        }
        ObjectType::ObjectPolicy | ObjectType::ObjectTrigger => {
            let (key, new_key) = ((target.clone(), s.subname.clone()), (target.clone(), s.newname.clone()));
            // The trigger's constraint keeps the old name, which the model does not hold apart.
            let constraint_trigger =
                rename_type == ObjectType::ObjectTrigger && schema.triggers.get(&key).is_some_and(|t| t.constraint);
            let (kind, rekeyed) = if rename_type == ObjectType::ObjectPolicy {
                ("policy", rekey(&mut schema.policies, key, new_key, |p| &mut p.name))
            } else {
                ("trigger", rekey(&mut schema.triggers, key, new_key, |t| &mut t.name))
            };
            match rekeyed {
                Rekeyed::Done => {}
                Rekeyed::Taken => return taken(format!("{kind} {} on {target}", s.newname)),
                Rekeyed::Missing => return missing(format!("{kind} {} on {target}", s.subname)),
            }
            if constraint_trigger {
                return Outcome::Skipped(RENAMED_TRIGGER_CONSTRAINT);
            }
        }
        _ => return Outcome::Skipped("RENAME (other)"),
    }
    Outcome::Applied
}

/// A constraint trigger whose trigger and constraint no longer share a name (renamed apart).
const RENAMED_TRIGGER_CONSTRAINT: &str = "RENAME (constraint trigger)";

enum Rekeyed {
    Done,
    Taken,
    Missing,
}

/// Moves the entry of a map keyed by (table, name) to its new name.
fn rekey<T>(
    map: &mut BTreeMap<(QualifiedName, String), T>,
    key: (QualifiedName, String),
    new_key: (QualifiedName, String),
    name_of: impl Fn(&mut T) -> &mut String,
) -> Rekeyed {
    if map.contains_key(&new_key) {
        return Rekeyed::Taken;
    }
    let Some(mut entry) = map.remove(&key) else { return Rekeyed::Missing };
    *name_of(&mut entry) = new_key.1.clone();
    map.insert(new_key, entry);
    Rekeyed::Done
}

/// PostgreSQL keeps a serial column's sequence, and its name, when the table is renamed
/// (`"contactNotes_id_seq"` after `ALTER TABLE "contactNotes" RENAME TO contact_notes`).
/// `serial` means a sequence named after the table, so such a column becomes what pg_dump
/// would write: the integer type, a default that draws from the old sequence, which the
/// column owns.
fn keep_serial_sequences(schema: &mut Schema, table: &mut Table, old: &QualifiedName) {
    for at in 0..table.columns.len() {
        if !table.columns[at].data_type.is_serial() {
            continue;
        }
        let name = QualifiedName::new(
            old.schema.clone(),
            choose_name(&old.name, Some(&table.columns[at].name), "seq", |n| {
                schema.sequences.contains_key(&QualifiedName::new(old.schema.clone(), n))
            }),
        );
        keep_serial_sequence(schema, table, at, name);
    }
}

/// The serial column `at` of `table` as what pg_dump writes for it once its sequence is
/// named otherwise than `serial` names it: the integer type, a default that draws from
/// `sequence`, which the column owns.
fn keep_serial_sequence(schema: &mut Schema, table: &mut Table, at: usize, sequence: QualifiedName) {
    let col = &mut table.columns[at];
    let base = match col.data_type.name.as_str() {
        "smallserial" => "smallint",
        "bigserial" => "bigint",
        _ => "integer",
    };
    col.data_type = crate::model::DataType::from_parts(vec![base.into()], vec![], 0);
    col.default = nextval_default(&sequence);
    let options = if base == "bigint" { Vec::new() } else { vec![("as".to_string(), base.to_string())] };
    let owned_by = Some((table.name.clone(), col.name.clone()));
    let grants = schema.default_privileges.effective(&sequence.schema, ObjectKind::Sequences);
    let sequence =
        crate::model::Sequence { name: sequence.clone(), options, owned_by, comment: None, grants, owner: None };
    schema.sequences.insert(sequence.name.clone(), sequence);
}

/// ALTER SEQUENCE … RENAME TO (or ALTER TABLE … RENAME TO on a sequence). PostgreSQL keeps
/// a sequence by oid, so the defaults that draw from it follow; a sequence named
/// `<table>_<column>_seq` of the column that owns it is a serial again, and a serial's
/// sequence named otherwise is no longer one.
fn rename_sequence(schema: &mut Schema, from: &QualifiedName, to: &str, missing_ok: bool) -> Outcome {
    let new = QualifiedName::new(from.schema.clone(), to);
    let taken = schema.tables.contains_key(&new)
        || schema.views.contains_key(&new)
        || schema.sequences.contains_key(&new)
        || security::is_column_sequence(schema, &new)
        || schema.tables.values().filter(|t| t.name.schema == new.schema).any(|t| t.relation_names().any(|n| n == to));
    if !schema.sequences.contains_key(from) {
        let serial = schema.tables.values().find_map(|t| {
            let at = t
                .columns
                .iter()
                .position(|c| c.data_type.is_serial() && c.own_sequence(&t.name).as_ref() == Some(from))?;
            Some((t.name.clone(), at))
        });
        let identity = |name: &QualifiedName| {
            schema.tables.values().any(|t| {
                t.columns.iter().any(|c| c.identity.is_some() && c.own_sequence(&t.name).as_ref() == Some(name))
            })
        };
        return match serial {
            Some(_) if taken => taken_outcome(&new),
            Some((name, at)) => {
                let mut table = schema.tables.remove(&name).expect("found above");
                keep_serial_sequence(schema, &mut table, at, new);
                schema.tables.insert(name, table);
                Outcome::Applied
            }
            // An identity column's sequence is named after its table and column in the model,
            // as a fresh build names it; renamed to that name (after its table was), the
            // database is as the model says, and renamed away, it is what the model cannot say.
            None if identity(&new) => Outcome::Applied,
            None if identity(from) => Outcome::Skipped("ALTER SEQUENCE RENAME (identity)"),
            None if missing_ok => Outcome::Applied,
            None => Outcome::Unresolved(format!("rename of sequence {from}, which the model does not hold")),
        };
    }
    if taken {
        return taken_outcome(&new);
    }
    let mut sequence = schema.sequences.remove(from).expect("checked above");
    sequence.name = new.clone();
    schema.sequences.insert(new.clone(), sequence);
    for col in schema.tables.values_mut().flat_map(|t| t.columns.iter_mut()) {
        if col.default.as_ref().and_then(drawn_sequence).as_ref() == Some(from) {
            col.default = nextval_default(&new);
        }
    }
    serial_from_sequence(schema, &new);
    Outcome::Applied
}

fn taken_outcome(name: &QualifiedName) -> Outcome {
    Outcome::Rejected {
        message: format!("relation {name} already exists"),
        hint: "PostgreSQL refuses to rename onto a name that is taken: drop or rename the other first, or pick \
               another name",
    }
}

/// The sequence a `nextval(…)` default draws from.
pub(crate) fn drawn_sequence(default: &Expr) -> Option<QualifiedName> {
    if !default.text().contains("nextval(") {
        return None;
    }
    crate::pgtree::parse_expr(default.text()).ok().and_then(|n| nextval_sequence(&n))
}

/// `nextval('seq'::regclass)` as PostgreSQL prints the default of a column drawing from
/// `sequence` (qualified outside `public`).
pub(crate) fn nextval_default(sequence: &QualifiedName) -> Option<Expr> {
    let quoted = crate::ident::quote_ident(&sequence.name);
    let regclass = if sequence.schema == "public" {
        quoted
    } else {
        format!("{}.{quoted}", crate::ident::quote_ident(&sequence.schema))
    };
    crate::pgtree::normalize_expr(&format!("nextval({}::regclass)", quote_literal(&regclass))).ok()
}

/// What names a table by its name in the model follows it to its new name: its policies,
/// triggers, the foreign keys that reference it and its partitions (PostgreSQL holds them
/// by oid).
pub(crate) fn retarget_table(schema: &mut Schema, from: &QualifiedName, to: &QualifiedName) {
    move_to_table(&mut schema.policies, from, to, |p| &mut p.table);
    move_to_table(&mut schema.triggers, from, to, |t| &mut t.table);
    for owner in schema.sequences.values_mut().filter_map(|s| s.owned_by.as_mut()) {
        if &owner.0 == from {
            owner.0 = to.clone();
        }
    }
    for t in schema.tables.values_mut() {
        for c in &mut t.constraints {
            if let ConstraintKind::ForeignKey(fk) = &mut c.kind
                && &fk.ref_table == from
            {
                fk.ref_table = to.clone();
            }
        }
        if let Some(of) = t.partition_of.as_mut().filter(|o| &o.parent == from) {
            of.parent = to.clone();
        }
    }
}

/// Re-keys the entries of a map keyed by (table, name) from table `from` to table `to`.
fn move_to_table<T>(
    map: &mut BTreeMap<(QualifiedName, String), T>,
    from: &QualifiedName,
    to: &QualifiedName,
    table_of: impl Fn(&mut T) -> &mut QualifiedName,
) {
    let keys: Vec<(QualifiedName, String)> = map.keys().filter(|(t, _)| t == from).cloned().collect();
    for key in keys {
        let mut entry = map.remove(&key).expect("key just listed");
        *table_of(&mut entry) = to.clone();
        map.insert((to.clone(), key.1), entry);
    }
}

fn rename_column(schema: &mut Schema, target: &QualifiedName, old: &str, new: &str) {
    if let Some(view) = schema.views.get_mut(target) {
        match view.columns.iter_mut().find(|c| *c == old) {
            Some(column) => *column = new.to_string(),
            None => {
                view.query = crate::source::view_columns::rename_view_output(&view.query, old, new);
                view.refs = crate::pgtree::statement_refs(&view.query);
            }
        }
        return;
    }
    let rename = |list: &mut Vec<String>| {
        for c in list.iter_mut().filter(|c| *c == old) {
            *c = new.to_string();
        }
    };
    for seq in schema.sequences.values_mut() {
        if let Some((t, c)) = seq.owned_by.as_mut()
            && t == target
            && c == old
        {
            *c = new.to_string();
        }
    }
    // PostgreSQL stores policies and views as trees, so they follow the column.
    for v in schema.views.values_mut() {
        v.query = crate::source::view_columns::rename_view_column(&v.query, target, old, new);
        v.refs = crate::pgtree::statement_refs(&v.query);
    }
    for p in schema.policies.values_mut().filter(|p| &p.table == target) {
        for e in [&mut p.using, &mut p.with_check].into_iter().flatten() {
            *e = rename_column_in_expr(e, old, new);
        }
    }
    for t in schema.tables.values_mut() {
        let own = &t.name == target;
        for c in &mut t.constraints {
            match &mut c.kind {
                ConstraintKind::ForeignKey(fk) => {
                    if own {
                        rename(&mut fk.columns);
                    }
                    if &fk.ref_table == target {
                        rename(&mut fk.ref_columns);
                    }
                }
                ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } if own => {
                    rename(columns)
                }
                ConstraintKind::Check { expr, .. } if own => *expr = rename_column_in_expr(expr, old, new),
                ConstraintKind::Exclude(x) if own => crate::source::exclusion::rename_column(x, old, new),
                _ => {}
            }
        }
        if !own {
            continue;
        }
        if let Some(grants) = t.column_grants.remove(old) {
            t.column_grants.insert(new.to_string(), grants);
        }
        replication::rename_column(t, old, new);
        if let Some(col) = t.column_mut(old) {
            col.name = new.to_string();
            if let Some(g) = &mut col.generated {
                *g = rename_column_in_expr(g, old, new);
            }
        }
        for col in &mut t.columns {
            if let Some(g) = &mut col.generated {
                *g = rename_column_in_expr(g, old, new);
            }
        }
        for i in &mut t.indexes {
            rename(&mut i.include);
            for k in &mut i.keys {
                rename_key(k, old, new);
            }
            if let Some(p) = &mut i.predicate {
                *p = rename_column_in_expr(p, old, new);
            }
        }
    }
}

/// An index key that names column `old`, or reads it, after the column is renamed.
pub(crate) fn rename_key(k: &mut IndexKey, old: &str, new: &str) {
    if k.column.as_deref() == Some(old) {
        k.column = Some(new.to_string());
    }
    if let Some(e) = &mut k.expr {
        *e = rename_column_in_expr(e, old, new);
    }
}

fn drop(schema: &mut Schema, s: &protobuf::DropStmt) -> Outcome {
    let cascade = s.behavior == DropBehavior::DropCascade as i32;
    let before = cascade.then(|| Graph::of(schema));
    let mut dropped = Vec::new();
    match ObjectType::try_from(s.remove_type).unwrap_or(ObjectType::Undefined) {
        ObjectType::ObjectAggregate => return crate::source::optioned::drop_aggregates(schema, s),
        ObjectType::ObjectTable => {
            for obj in &s.objects {
                let Some(name) = existing_list(schema, &list_strings(obj)) else {
                    continue;
                };
                if schema.tables.contains_key(&name) {
                    let below = match partition::dropped_with(schema, &name, cascade) {
                        Ok(below) => below,
                        Err(refused) => return refused,
                    };
                    // A partitioned table takes its partitions along, CASCADE the tables
                    // that inherit from it.
                    for name in std::iter::once(name.clone()).chain(below) {
                        schema.tables.remove(&name);
                        drop_referencing_fks(schema, &name, None);
                        schema.policies.retain(|(t, _), _| t != &name);
                        schema.triggers.retain(|(t, _), _| t != &name);
                        dropped.push(ObjectId::Table(name));
                    }
                } else if !s.missing_ok {
                    return Outcome::Unresolved(format!("DROP TABLE {name}, which the model does not hold"));
                }
            }
        }
        ObjectType::ObjectIndex => {
            for obj in &s.objects {
                let Some(name) = qualified_list(&list_strings(obj)) else {
                    continue;
                };
                for t in schema.tables.values_mut().filter(|t| t.name.schema == name.schema) {
                    t.indexes.retain(|i| i.name != name.name);
                }
                for v in schema.views.values_mut().filter(|v| v.name.schema == name.schema) {
                    v.indexes.retain(|i| i.name != name.name);
                }
            }
        }
        ObjectType::ObjectSchema => {
            for obj in &s.objects {
                let names = list_strings(obj);
                let Some(name) = names.last() else { continue };
                schema.schemas.remove(name);
                schema.schema_grants.remove(name);
                schema.schema_comments.remove(name);
                schema.default_privileges.drop_schema(name);
                if cascade {
                    let inside = |q: &QualifiedName| &q.schema == name;
                    let tables = schema.tables.keys().filter(|q| inside(q)).map(|q| ObjectId::Table(q.clone()));
                    let views = schema.views.values().filter(|v| inside(&v.name)).map(view_id);
                    let functions =
                        schema.functions.values().filter(|f| inside(&f.name)).map(|f| ObjectId::Function(f.routine()));
                    let enums = schema.enums.keys().chain(schema.composites.keys());
                    let enums = enums.filter(|q| inside(q)).map(|q| ObjectId::Type(q.clone()));
                    let domains = schema.domains.keys().filter(|q| inside(q)).map(|q| ObjectId::Domain(q.clone()));
                    dropped.extend(tables.chain(views).chain(functions).chain(enums).chain(domains));
                    schema.tables.retain(|k, _| !inside(k));
                    schema.views.retain(|k, _| !inside(k));
                    schema.functions.retain(|_, f| !inside(&f.name));
                    schema.enums.retain(|k, _| !inside(k));
                    schema.composites.retain(|k, _| !inside(k));
                    schema.ranges.retain(|k, _| !inside(k));
                    schema.aggregates.retain(|_, a| !inside(&a.name));
                    schema.domains.retain(|k, _| !inside(k));
                    schema.sequences.retain(|k, _| !inside(k));
                    schema.policies.retain(|(t, _), _| !inside(t));
                    schema.triggers.retain(|(t, _), _| !inside(t));
                    for t in dropped.iter().filter_map(|d| match d {
                        ObjectId::Table(t) | ObjectId::View { name: t, .. } => Some(t),
                        _ => None,
                    }) {
                        drop_referencing_fks(schema, t, None);
                    }
                }
            }
        }
        ObjectType::ObjectPolicy | ObjectType::ObjectTrigger => {
            for obj in &s.objects {
                let names = list_strings(obj);
                let Some((name, table)) = names.split_last() else { continue };
                let Some(table) = existing_list(schema, table) else { continue };
                let key = (table, name.clone());
                let removed = if s.remove_type == ObjectType::ObjectPolicy as i32 {
                    schema.policies.remove(&key).is_some()
                } else {
                    schema.triggers.remove(&key).is_some()
                };
                if !removed && !s.missing_ok {
                    return Outcome::Unresolved(format!(
                        "DROP of {} on {}, which the model does not hold",
                        key.1, key.0
                    ));
                }
            }
        }
        ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine => {
            for obj in &s.objects {
                let Some(NodeEnum::ObjectWithArgs(owa)) = obj.node.as_ref() else { continue };
                let (name, args) = routines::object_with_args(owa);
                for key in routines::function_keys(schema, &name, args.as_deref()) {
                    if let Some(f) = schema.functions.remove(&key) {
                        dropped.push(ObjectId::Function(f.routine()));
                    }
                }
            }
        }
        ObjectType::ObjectView | ObjectType::ObjectMatview => {
            for obj in &s.objects {
                if let Some(name) = existing_list(schema, &list_strings(obj))
                    && let Some(view) = schema.views.remove(&name)
                {
                    schema.policies.retain(|(t, _), _| t != &name);
                    schema.triggers.retain(|(t, _), _| t != &name);
                    dropped.push(view_id(&view));
                }
            }
        }
        ObjectType::ObjectType | ObjectType::ObjectDomain => {
            for obj in &s.objects {
                if let Some(NodeEnum::TypeName(t)) = obj.node.as_ref() {
                    let name = routines::qualified_names(&strings(&t.names));
                    schema.enums.remove(&name);
                    schema.composites.remove(&name);
                    schema.ranges.remove(&name);
                    // The graph takes a column of a domain's name to be of the domain.
                    dropped.push(match schema.domains.remove(&name) {
                        Some(_) => ObjectId::Domain(name),
                        None => ObjectId::Type(name),
                    });
                }
            }
        }
        ObjectType::ObjectSequence => {
            for obj in &s.objects {
                if let Some(name) = qualified_list(&list_strings(obj)) {
                    schema.sequences.remove(&name);
                }
            }
        }
        ObjectType::ObjectExtension => {
            for obj in &s.objects {
                if let Some(name) = str_of(obj) {
                    schema.extensions.remove(name);
                }
            }
        }
        ObjectType::ObjectPublication => {
            let names: Vec<String> = s.objects.iter().filter_map(str_of).map(str::to_string).collect();
            return replication::drop_publications(schema, &names, s.missing_ok);
        }
        _ => return Outcome::Skipped("DROP (other)"),
    }
    // Without CASCADE, PostgreSQL refuses a drop that has dependents: there are none.
    if let Some(before) = before {
        drop_dependents(schema, &before, &dropped);
    }
    Outcome::Applied
}

fn comment(schema: &mut Schema, s: &protobuf::CommentStmt) -> Outcome {
    let text = (!s.comment.is_empty()).then(|| s.comment.clone());
    let names = s.object.as_deref().map(list_strings).unwrap_or_default();
    let objtype = ObjectType::try_from(s.objtype).unwrap_or(ObjectType::Undefined);
    let unresolved = || Outcome::Unresolved(format!("COMMENT ON {}", names.join(".")));
    match objtype {
        ObjectType::ObjectTable => match qualified_list(&names).and_then(|n| schema.tables.get_mut(&n)) {
            Some(t) => t.comment = text,
            None => return unresolved(),
        },
        ObjectType::ObjectColumn | ObjectType::ObjectTabconstraint => {
            let Some((last, table)) = names.split_last() else {
                return unresolved();
            };
            let Some(t) = qualified_list(table).and_then(|n| schema.tables.get_mut(&n)) else {
                return unresolved();
            };
            if objtype == ObjectType::ObjectColumn {
                match t.column_mut(last) {
                    Some(c) => c.comment = text,
                    None => return unresolved(),
                }
            } else {
                match t.constraints.iter_mut().find(|c| &c.name == last) {
                    Some(c) => c.comment = text,
                    None => return unresolved(),
                }
            }
        }
        ObjectType::ObjectIndex => {
            let Some(name) = qualified_list(&names) else {
                return unresolved();
            };
            let on_views =
                schema.views.values_mut().filter(|v| v.name.schema == name.schema).flat_map(|v| &mut v.indexes);
            let index = schema
                .tables
                .values_mut()
                .filter(|t| t.name.schema == name.schema)
                .flat_map(|t| &mut t.indexes)
                .chain(on_views)
                .find(|i| i.name == name.name);
            match index {
                Some(i) => i.comment = text,
                None => return unresolved(),
            }
        }
        ObjectType::ObjectView | ObjectType::ObjectMatview => {
            match qualified_list(&names).and_then(|n| schema.views.get_mut(&n)) {
                Some(v) => v.comment = text,
                None => return unresolved(),
            }
        }
        ObjectType::ObjectPolicy | ObjectType::ObjectTrigger => {
            let Some((last, table)) = names.split_last() else { return unresolved() };
            let Some(table) = qualified_list(table) else { return unresolved() };
            let key = (table, last.clone());
            let slot = if objtype == ObjectType::ObjectPolicy {
                schema.policies.get_mut(&key).map(|p| &mut p.comment)
            } else {
                schema.triggers.get_mut(&key).map(|t| &mut t.comment)
            };
            match slot {
                Some(c) => *c = text,
                None => return unresolved(),
            }
        }
        ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine => {
            let Some(NodeEnum::ObjectWithArgs(owa)) = s.object.as_deref().and_then(|o| o.node.as_ref()) else {
                return unresolved();
            };
            let (name, args) = routines::object_with_args(owa);
            let keys = routines::function_keys(schema, &name, args.as_deref());
            // ROUTINE names aggregates too.
            if keys.is_empty() && objtype == ObjectType::ObjectRoutine {
                return crate::source::optioned::comment_aggregate(schema, s, text);
            }
            if keys.is_empty() {
                return Outcome::Unresolved(format!("COMMENT ON FUNCTION {name}"));
            }
            for k in keys {
                if let Some(f) = schema.functions.get_mut(&k) {
                    f.comment = text.clone();
                }
            }
        }
        ObjectType::ObjectSequence => match qualified_list(&names).and_then(|n| schema.sequences.get_mut(&n)) {
            Some(q) => q.comment = text,
            None => return unresolved(),
        },
        ObjectType::ObjectType | ObjectType::ObjectDomain => {
            let Some(NodeEnum::TypeName(t)) = s.object.as_deref().and_then(|o| o.node.as_ref()) else {
                return unresolved();
            };
            let name = routines::qualified_names(&strings(&t.names));
            if let Some(e) = schema.enums.get_mut(&name) {
                e.comment = text;
            } else if let Some(c) = schema.composites.get_mut(&name) {
                c.comment = text;
            } else if let Some(r) = schema.ranges.get_mut(&name) {
                r.comment = text;
            } else if let Some(d) = schema.domains.get_mut(&name) {
                d.comment = text;
            } else {
                return Outcome::Unresolved("COMMENT ON TYPE".into());
            }
        }
        ObjectType::ObjectAggregate => return crate::source::optioned::comment_aggregate(schema, s, text),
        // The platform's schemas are the platform's to describe.
        ObjectType::ObjectSchema => match names.last() {
            Some(name) if schema.schemas.contains(name) => match text {
                Some(text) => {
                    schema.schema_comments.insert(name.clone(), text);
                }
                None => {
                    schema.schema_comments.remove(name);
                }
            },
            // What every database's `public` says already (pg_dump writes it out), so
            // nothing changes.
            Some(name) if name == PUBLIC_SCHEMA && text.as_deref() == Some("standard public schema") => {}
            _ => return Outcome::Skipped("COMMENT (other)"),
        },
        _ => return Outcome::Skipped("COMMENT (other)"),
    }
    Outcome::Applied
}
