//! The one model both sources load into and the diff compares.
//!
//! Everything here is already normalised: type names are canonical, expressions are
//! pg_query-deparsed text, and every constraint and index has the name PostgreSQL would
//! give it. Two schemas that PostgreSQL would store identically compare equal.

pub mod cron;
pub mod deps;
pub mod identity;
pub mod naming;
pub mod objects;
pub mod optioned;
pub mod owners;
pub mod partition;
pub mod privileges;
pub mod replication;
pub mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

pub use cron::CronJob;
pub use objects::{
    Attribute, Composite, Domain, Enum, Extension, Firing, Function, FunctionArg, Policy, Routine, Sequence, Signature,
    Trigger, View,
};
pub use partition::{PartitionBound, PartitionKey, PartitionOf};
pub use privileges::{DefaultPrivileges, Grants, ObjectKind};
pub use replication::{Publication, Published, ReplicaIdentity, Storage};
pub use types::DataType;

use crate::diagnostic::Origin;

/// A schema-qualified name. Unqualified names in the sources mean `public`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName { schema: schema.into(), name: name.into() }
    }

    /// `schema.name` with each part quoted only where SQL needs it.
    pub fn sql(&self) -> String {
        format!("{}.{}", crate::ident::quote_ident(&self.schema), crate::ident::quote_ident(&self.name))
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql())
    }
}

/// A normalised SQL expression: the text PostgreSQL's parser prints it as, with what it
/// refers to, found from the same parse tree. Only the parser makes one (`pgtree::expr_sql`),
/// so its text is always exactly one expression, and no later stage parses it again to
/// learn what it depends on. Two expressions are equal when their text is.
#[derive(Debug, Clone)]
pub struct Expr {
    text: String,
    refs: std::sync::Arc<Refs>,
}

/// What an expression, a view's query or a SQL function's body refers to. Unqualified
/// relations and functions are taken as `public`; built-in functions are among them, and
/// callers look only for the objects they know. Columns are named by their last part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Refs {
    pub relations: Vec<QualifiedName>,
    pub functions: Vec<QualifiedName>,
    pub columns: Vec<String>,
}

impl Expr {
    /// An expression as the parser printed it, with what its tree refers to. Only the
    /// loaders' parse functions call this.
    pub fn parsed(text: String, refs: Refs) -> Self {
        Expr { text, refs: std::sync::Arc::new(refs) }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn refs(&self) -> &Refs {
        &self.refs
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Expr {}

impl PartialOrd for Expr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Expr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}

impl std::hash::Hash for Expr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl Serialize for Expr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Schemas the project creates (CREATE SCHEMA), beyond `public`.
    pub schemas: BTreeSet<String>,
    /// Privileges on the schemas the project creates (`GRANT USAGE ON SCHEMA …`), those
    /// that have any, and on `public` once they differ from the platform's (see
    /// `schema_grants_of`).
    pub schema_grants: BTreeMap<String, Grants>,
    /// COMMENT ON SCHEMA, for the schemas the project creates.
    pub schema_comments: BTreeMap<String, String>,
    pub tables: BTreeMap<QualifiedName, Table>,
    /// Tables the project references but does not own (YAML `external: true`): foreign
    /// keys may point at them; the diff never creates or drops them.
    pub external: BTreeSet<QualifiedName>,
    /// Functions the project calls but does not own (`function: …` with `external: true`).
    pub external_functions: BTreeSet<QualifiedName>,
    pub extensions: BTreeMap<String, Extension>,
    pub enums: BTreeMap<QualifiedName, Enum>,
    /// Composite types (`CREATE TYPE x AS (…)`).
    pub composites: BTreeMap<QualifiedName, Composite>,
    /// Range types (`CREATE TYPE x AS RANGE (…)`).
    pub ranges: BTreeMap<QualifiedName, optioned::RangeType>,
    /// Aggregates, by `Aggregate::key` (name and argument types).
    pub aggregates: BTreeMap<String, optioned::Aggregate>,
    pub domains: BTreeMap<QualifiedName, Domain>,
    pub functions: BTreeMap<Signature, Function>,
    pub views: BTreeMap<QualifiedName, View>,
    /// By (table, name); the table may be one the project does not own (storage.objects).
    pub policies: BTreeMap<(QualifiedName, String), Policy>,
    pub triggers: BTreeMap<(QualifiedName, String), Trigger>,
    /// Sequences other than those of serial and identity columns (a `pg_dump` serial, a
    /// sequence owned by `<table>_<column>_seq` that the column draws from, becomes a
    /// serial column again).
    pub sequences: BTreeMap<QualifiedName, Sequence>,
    /// Publications the project creates, and the platform's it declares options of; the
    /// tables in each are kept on the tables.
    pub publications: BTreeMap<String, Publication>,
    /// pg_cron jobs scheduled by name, by name.
    pub cron_jobs: BTreeMap<String, CronJob>,
    /// What new objects start with (ALTER DEFAULT PRIVILEGES), from Supabase's platform
    /// defaults on.
    pub default_privileges: DefaultPrivileges,
    /// How to get here, beyond what the schema is: set by the YAML, never compared.
    pub hints: Hints,
}

/// What the desired schema says about the way to it: renames, backfills, casts, which
/// destructive changes are allowed, where each object is declared and its lint settings.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// In the order they are applied: tables first, then what is inside them.
    pub renames: Vec<Rename>,
    /// (table, column) → the expression over the row that fills a new column on the rows
    /// that exist, before it becomes NOT NULL.
    pub backfill: BTreeMap<(QualifiedName, String), Expr>,
    /// (table, column) → the USING expression of a change of the column's type.
    pub using: BTreeMap<(QualifiedName, String), Expr>,
    /// Tables (`allow_destructive: true`) whose data-losing changes need no flag.
    pub allow_destructive: BTreeSet<QualifiedName>,
    pub origins: BTreeMap<ObjectId, Origin>,
    /// object → lint rule → severity.
    pub lint: BTreeMap<ObjectId, BTreeMap<crate::lint::RuleId, crate::lint::Severity>>,
    /// Who may do what on each table (`access:`, or implied by its `rls:` preset).
    pub access: BTreeMap<QualifiedName, crate::access::Access>,
    /// pg_cron jobs of the replay named by a `cron.schedule` the model cannot read (a
    /// computed command): unscheduling one is no error.
    pub cron_outside: BTreeSet<String>,
    /// Where the replay last scheduled each pg_cron job, by name.
    pub cron_origins: BTreeMap<String, Origin>,
}

/// One object of a schema: what hints and origins are keyed by, what a comment, a grant,
/// a rename, a lint finding, a loss or a graph node is about, and how the report and the
/// messages name it. `Display` is the human form, `kind name`; `render` alone makes SQL
/// of one. The variants are in the order the report lists kinds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectId {
    Schema(String),
    Extension(String),
    /// An enum or a composite type.
    Type(QualifiedName),
    Domain(QualifiedName),
    Sequence(QualifiedName),
    Table(QualifiedName),
    Column(QualifiedName, String),
    Constraint(QualifiedName, String),
    /// By its table and its own name, as the YAML declares it and messages name it (`on`
    /// the table); SQL names it in the table's schema.
    Index(QualifiedName, String),
    /// COMMENT ON and the report tell a materialized view from a view.
    View {
        name: QualifiedName,
        materialized: bool,
    },
    /// By name and input types, as PostgreSQL tells overloads apart.
    Function(Routine),
    Policy(QualifiedName, String),
    Trigger(QualifiedName, String),
}

impl ObjectId {
    pub fn kind(&self) -> &'static str {
        match self {
            ObjectId::Schema(_) => "schema",
            ObjectId::Extension(_) => "extension",
            ObjectId::Type(_) => "type",
            ObjectId::Domain(_) => "domain",
            ObjectId::Sequence(_) => "sequence",
            ObjectId::Table(_) => "table",
            ObjectId::Column(..) => "column",
            ObjectId::Constraint(..) => "constraint",
            ObjectId::Index(..) => "index",
            ObjectId::View { materialized: false, .. } => "view",
            ObjectId::View { materialized: true, .. } => "materialized view",
            ObjectId::Function(_) => "function",
            ObjectId::Policy(..) => "policy",
            ObjectId::Trigger(..) => "trigger",
        }
    }

    /// The name without the kind, each part quoted where SQL would need it:
    /// `public.posts`, `public.posts.body`, `"Read posts" on public.posts`, `public.f(uuid)`.
    pub fn name(&self) -> String {
        let ident = crate::ident::quote_ident;
        match self {
            ObjectId::Schema(s) | ObjectId::Extension(s) => ident(s),
            ObjectId::Type(q)
            | ObjectId::Domain(q)
            | ObjectId::Sequence(q)
            | ObjectId::Table(q)
            | ObjectId::View { name: q, .. } => q.to_string(),
            ObjectId::Column(t, c) => format!("{t}.{}", ident(c)),
            ObjectId::Constraint(t, n) | ObjectId::Index(t, n) | ObjectId::Policy(t, n) | ObjectId::Trigger(t, n) => {
                format!("{} on {t}", ident(n))
            }
            ObjectId::Function(r) => r.to_string(),
        }
    }

    /// The table the object lives on: that of a column, constraint, index, policy or trigger.
    pub fn table(&self) -> Option<&QualifiedName> {
        match self {
            ObjectId::Column(t, _)
            | ObjectId::Constraint(t, _)
            | ObjectId::Index(t, _)
            | ObjectId::Policy(t, _)
            | ObjectId::Trigger(t, _) => Some(t),
            _ => None,
        }
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.name())
    }
}

/// `renamed_from:` — `object` (its new identity) was called `from` before.
#[derive(Debug, Clone, PartialEq)]
pub struct Rename {
    pub object: ObjectId,
    pub from: String,
    /// The schema of a table moved from another schema (`renamed_from: other.t`).
    pub from_schema: Option<String>,
    pub origin: Option<Origin>,
}

impl Rename {
    /// The old name of a renamed or moved table.
    pub fn old_table(&self) -> Option<QualifiedName> {
        let ObjectId::Table(new) = &self.object else { return None };
        Some(QualifiedName::new(self.from_schema.clone().unwrap_or_else(|| new.schema.clone()), self.from.clone()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub name: QualifiedName,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    pub grants: Grants,
    /// Privileges on single columns (`GRANT UPDATE (name) ON …`), by column.
    pub column_grants: BTreeMap<String, Grants>,
    pub storage: Storage,
    /// The publications the table is in, by name (not those FOR ALL TABLES).
    pub publications: BTreeMap<String, Published>,
    /// The role that owns it, when not the migration role (`ALTER … OWNER TO`).
    pub owner: Option<String>,
    /// PARTITION BY: the table is partitioned (and holds no rows of its own).
    pub partition_by: Option<PartitionKey>,
    /// PARTITION OF: the table is a partition; its columns are the parent's.
    pub partition_of: Option<PartitionOf>,
    /// INHERITS: the tables whose columns (and CHECKs) it has besides its own.
    pub inherits: Vec<QualifiedName>,
    #[serde(skip)]
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: DataType,
    pub not_null: bool,
    pub default: Option<Expr>,
    pub identity: Option<Identity>,
    /// The options of the identity's sequence that differ from the defaults (`identity`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identity_options: Vec<(String, String)>,
    pub generated: Option<Expr>,
    pub collation: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Identity {
    #[serde(rename = "ALWAYS")]
    Always,
    #[serde(rename = "BY DEFAULT")]
    ByDefault,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    pub name: String,
    #[serde(flatten)]
    pub kind: ConstraintKind,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// A CHECK or foreign key added `NOT VALID` and not validated since: the rows that were
    /// there were never checked. Only ALTER TABLE … ADD makes one (CREATE TABLE ignores it).
    pub not_valid: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConstraintKind {
    PrimaryKey { columns: Vec<String> },
    Unique { columns: Vec<String>, nulls_not_distinct: bool },
    Check { expr: Expr, no_inherit: bool },
    ForeignKey(ForeignKey),
    Exclude(Exclusion),
}

/// `EXCLUDE USING method (key WITH operator, …)`: no two rows whose keys all match by
/// their operators (and that satisfy `predicate`). Kept by an index of the constraint's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    /// Access method; PostgreSQL's default is `btree`, and is written as such.
    pub method: String,
    pub elements: Vec<ExclusionElement>,
    pub include: Vec<String>,
    /// Storage parameters of its index, sorted.
    pub options: Vec<(String, String)>,
    pub predicate: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExclusionElement {
    pub key: IndexKey,
    /// The operator, `&&` or `myschema.=` (PostgreSQL's own, `pg_catalog.=`, unqualified).
    pub operator: String,
}

impl Exclusion {
    /// The columns of its table it names as keys or INCLUDE columns.
    pub fn columns(&self) -> Vec<String> {
        let keys = self.elements.iter().filter_map(|e| e.key.column.clone());
        keys.chain(self.include.iter().cloned()).collect()
    }

    /// Its key expressions and its predicate.
    pub fn exprs(&self) -> Vec<&Expr> {
        self.elements.iter().filter_map(|e| e.key.expr.as_ref()).chain(&self.predicate).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub ref_table: QualifiedName,
    /// Empty when the source named no columns and the target's key is not known here
    /// (a platform table such as `auth.users`): PostgreSQL then uses the primary key.
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    /// `ON DELETE SET NULL (a, b)`: the columns set, when not all of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_delete_columns: Vec<String>,
    pub on_update: FkAction,
    pub match_full: bool,
}

impl ForeignKey {
    /// `SET NULL (tenant_id)`, `CASCADE`: the ON DELETE action as SQL.
    pub fn on_delete_sql(&self) -> String {
        match self.on_delete_columns.as_slice() {
            [] => self.on_delete.sql().to_string(),
            columns => {
                let columns: Vec<String> = columns.iter().map(|c| crate::ident::quote_ident(c)).collect();
                format!("{} ({})", self.on_delete.sql(), columns.join(", "))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum FkAction {
    #[default]
    #[serde(rename = "NO ACTION")]
    NoAction,
    #[serde(rename = "RESTRICT")]
    Restrict,
    #[serde(rename = "CASCADE")]
    Cascade,
    #[serde(rename = "SET NULL")]
    SetNull,
    #[serde(rename = "SET DEFAULT")]
    SetDefault,
}

impl FkAction {
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    /// Access method; `btree` is the default and is written as such.
    pub method: String,
    pub keys: Vec<IndexKey>,
    pub include: Vec<String>,
    pub predicate: Option<Expr>,
    pub nulls_not_distinct: bool,
    /// Storage parameters (`WITH (fillfactor = 70)`), sorted.
    pub options: Vec<(String, String)>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexKey {
    /// A plain column, or an expression (normalised text).
    pub column: Option<String>,
    pub expr: Option<Expr>,
    pub collation: Option<String>,
    pub opclass: Option<String>,
    pub desc: bool,
    /// Only set when it differs from the direction's default (NULLS LAST for ASC).
    pub nulls_first: Option<bool>,
}

impl Schema {
    /// The privileges on schema `name`; `public`'s are the platform's until a GRANT, a
    /// REVOKE or the YAML says otherwise.
    pub fn schema_grants_of(&self, name: &str) -> Grants {
        match self.schema_grants.get(name) {
            Some(g) => g.clone(),
            None if name == privileges::PUBLIC_SCHEMA => privileges::platform_public_grants(),
            None => Grants::new(),
        }
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.get(name)
    }

    /// The unique or primary-key constraint on `table` whose columns are exactly `columns`.
    pub fn key_on<'a>(&'a self, table: &QualifiedName, columns: &[String]) -> Option<&'a Constraint> {
        self.tables.get(table)?.constraints.iter().find(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns: k } | ConstraintKind::Unique { columns: k, .. } => k == columns,
            _ => false,
        })
    }
}

impl Table {
    pub fn new(name: QualifiedName) -> Self {
        Table {
            name,
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            comment: None,
            rls_enabled: false,
            rls_forced: false,
            grants: Grants::new(),
            column_grants: BTreeMap::new(),
            storage: Storage::default(),
            publications: BTreeMap::new(),
            owner: None,
            partition_by: None,
            partition_of: None,
            inherits: Vec::new(),
            origin: None,
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    pub fn constraint(&self, name: &str) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.name == name)
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    pub fn primary_key(&self) -> Option<&Vec<String>> {
        self.constraints.iter().find_map(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns } => Some(columns),
            _ => None,
        })
    }

    /// Names of relations this table brings into its schema: itself and its indexes,
    /// including the indexes behind primary-key and unique constraints.
    pub fn relation_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.name.as_str())
            .chain(self.indexes.iter().map(|i| i.name.as_str()))
            .chain(self.constraints.iter().filter(|c| c.kind.owns_index()).map(|c| c.name.as_str()))
    }
}

impl Column {
    /// The sequence a serial or identity column comes with, `<table>_<column>_seq` (cut to
    /// 63 bytes as PostgreSQL cuts it), which goes with its table (the model holds it in the column, not among the sequences).
    pub fn own_sequence(&self, table: &QualifiedName) -> Option<QualifiedName> {
        (self.data_type.is_serial() || self.identity.is_some()).then(|| {
            QualifiedName::new(table.schema.clone(), naming::make_object_name(&table.name, Some(&self.name), "seq"))
        })
    }
}

impl ConstraintKind {
    /// A primary key or unique constraint: a key a foreign key can reference.
    pub fn has_index(&self) -> bool {
        matches!(self, ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. })
    }

    /// A key or an exclusion constraint: an index of the constraint's name comes with it.
    pub fn owns_index(&self) -> bool {
        self.has_index() || matches!(self, ConstraintKind::Exclude(_))
    }

    pub fn is_foreign_key(&self) -> bool {
        matches!(self, ConstraintKind::ForeignKey(_))
    }

    /// The table's own columns the constraint lists (not those its expression reads).
    pub fn columns(&self) -> &[String] {
        match self {
            ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => columns,
            ConstraintKind::ForeignKey(fk) => &fk.columns,
            ConstraintKind::Check { .. } | ConstraintKind::Exclude(_) => &[],
        }
    }
}

impl Constraint {
    /// Equal definitions, names aside.
    pub fn same_definition(&self, other: &Constraint) -> bool {
        self.kind == other.kind
            && self.deferrable == other.deferrable
            && self.initially_deferred == other.initially_deferred
            && self.not_valid == other.not_valid
    }
}

impl Index {
    pub fn same_definition(&self, other: &Index) -> bool {
        Index { name: String::new(), comment: None, ..self.clone() }
            == Index { name: String::new(), comment: None, ..other.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_read_as_kind_then_name_quoted_where_sql_would_need_it() {
        let t = QualifiedName::new("public", "posts");
        let routine =
            Routine { name: QualifiedName::new("public", "f"), procedure: false, input_types: vec!["uuid".into()] };
        let cases = [
            (ObjectId::Schema("API".into()), "schema \"API\""),
            (ObjectId::Column(t.clone(), "Body".into()), "column public.posts.\"Body\""),
            (ObjectId::Index(t.clone(), "posts_idx".into()), "index posts_idx on public.posts"),
            (ObjectId::Policy(t.clone(), "Read posts".into()), "policy \"Read posts\" on public.posts"),
            (ObjectId::View { name: t.clone(), materialized: true }, "materialized view public.posts"),
            (ObjectId::Function(routine), "function public.f(uuid)"),
        ];
        for (id, text) in cases {
            assert_eq!(id.to_string(), text);
        }
    }
}
