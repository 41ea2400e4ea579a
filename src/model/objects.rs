//! The objects around tables: row-level security policies, triggers, functions, views,
//! enums, extensions and privileges.

use std::fmt;

use serde::Serialize;

use super::{Expr, Grants, QualifiedName, Refs};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub table: QualifiedName,
    pub name: String,
    pub permissive: bool,
    /// ALL, SELECT, INSERT, UPDATE or DELETE.
    pub command: String,
    /// Sorted; `public` when the policy names none.
    pub roles: Vec<String>,
    pub using: Option<Expr>,
    pub with_check: Option<Expr>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trigger {
    pub table: QualifiedName,
    pub name: String,
    /// BEFORE, AFTER or INSTEAD OF.
    pub timing: String,
    /// In PostgreSQL's order: INSERT, DELETE, UPDATE, TRUNCATE.
    pub events: Vec<String>,
    pub update_of: Vec<String>,
    /// `REFERENCING OLD TABLE AS …`: the name the statement's old rows go by (AFTER triggers).
    pub old_table: Option<String>,
    /// `REFERENCING NEW TABLE AS …`.
    pub new_table: Option<String>,
    pub for_each_row: bool,
    pub when: Option<Expr>,
    pub function: QualifiedName,
    pub args: Vec<String>,
    /// CREATE CONSTRAINT TRIGGER (AFTER, FOR EACH ROW): it may be deferred, and it has a
    /// constraint of its name on the table.
    pub constraint: bool,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// When it fires: ALTER TABLE … ENABLE/DISABLE TRIGGER (pg_trigger.tgenabled).
    pub firing: Firing,
    pub comment: Option<String>,
}

/// `pg_trigger.tgenabled`: whether a trigger fires as `session_replication_role` stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum Firing {
    /// 'O': in the origin (default) and local roles; what CREATE TRIGGER makes.
    #[default]
    Enabled,
    /// 'D': never.
    Disabled,
    /// 'R': only in the replica role.
    Replica,
    /// 'A': in every role.
    Always,
}

impl Firing {
    /// The words of ALTER TABLE that set it, before `TRIGGER name`.
    pub fn sql(self) -> &'static str {
        match self {
            Firing::Enabled => "ENABLE",
            Firing::Disabled => "DISABLE",
            Firing::Replica => "ENABLE REPLICA",
            Firing::Always => "ENABLE ALWAYS",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionArg {
    /// "", OUT, INOUT, VARIADIC (TABLE columns are in `returns`).
    pub mode: String,
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Function {
    pub name: QualifiedName,
    pub procedure: bool,
    pub args: Vec<FunctionArg>,
    /// The SQL after RETURNS (`trigger`, `SETOF x`, `TABLE(a integer)`); none for procedures.
    pub returns: Option<String>,
    pub language: String,
    /// The body, byte for byte as written.
    pub body: String,
    /// IMMUTABLE or STABLE; none for the default, VOLATILE.
    pub volatility: Option<String>,
    pub strict: bool,
    pub security_definer: bool,
    /// PARALLEL SAFE or RESTRICTED; none for the default, UNSAFE.
    pub parallel: Option<String>,
    pub leakproof: bool,
    /// COST, when it is not the language's default (1 for C and internal, else 100).
    pub cost: Option<f64>,
    /// ROWS of a set-returning function, when it is not the default, 1000.
    pub rows: Option<f64>,
    /// `SET name = value` clauses, value as SQL.
    pub config: Vec<(String, String)>,
    pub comment: Option<String>,
    pub grants: Grants,
    /// The role that owns it, when not the migration role (`ALTER … OWNER TO`).
    pub owner: Option<String>,
    /// What PostgreSQL needs to exist when it creates the function: what a SQL body reads
    /// and calls, the relations of a PL/pgSQL body's `%ROWTYPE` and `%TYPE` declarations
    /// (nothing else of other languages, whose bodies are not checked at creation).
    #[serde(skip)]
    pub body_refs: Refs,
    /// The types its arguments and result name that are not built in: enums, domains,
    /// composite types, the row types of tables and views. PostgreSQL records these, so
    /// none of them can be dropped while the function exists.
    #[serde(skip)]
    pub types: Vec<QualifiedName>,
}

impl Function {
    /// Name and input argument types: what identifies a function in PostgreSQL.
    pub fn routine(&self) -> Routine {
        Routine {
            name: self.name.clone(),
            procedure: self.procedure,
            input_types: self.args.iter().filter(|a| a.mode != "OUT").map(|a| a.data_type.clone()).collect(),
        }
    }

    pub fn signature(&self) -> String {
        self.routine().to_string()
    }
}

/// A function or procedure as DROP, GRANT and COMMENT name it: its name and input types
/// (as the parser printed them).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Routine {
    pub name: QualifiedName,
    pub procedure: bool,
    pub input_types: Vec<String>,
}

impl fmt::Display for Routine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name, self.input_types.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub name: QualifiedName,
    pub materialized: bool,
    /// Normalised SELECT.
    pub query: String,
    pub columns: Vec<String>,
    /// `WITH (...)` options, sorted: `security_invoker = true`.
    pub options: Vec<(String, String)>,
    /// LOCAL or CASCADED for WITH CHECK OPTION.
    pub check_option: Option<String>,
    pub comment: Option<String>,
    pub grants: Grants,
    /// The role that owns it, when not the migration role (`ALTER … OWNER TO`).
    pub owner: Option<String>,
    /// A materialized view's indexes (REFRESH … CONCURRENTLY needs a unique one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<super::Index>,
    /// What the query reads and calls.
    #[serde(skip)]
    pub refs: Refs,
}

impl View {
    /// Whether it checks the caller's privileges and policies instead of its owner's (a
    /// materialized view cannot).
    pub fn security_invoker(&self) -> bool {
        !self.materialized && self.options.iter().any(|(k, v)| k == "security_invoker" && v == "true")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enum {
    pub name: QualifiedName,
    pub values: Vec<String>,
    pub comment: Option<String>,
    /// The role that owns it, when not the migration role (`ALTER … OWNER TO`).
    pub owner: Option<String>,
}

/// A composite type (`CREATE TYPE x AS (a integer, b text)`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Composite {
    pub name: QualifiedName,
    /// In order: ADD ATTRIBUTE appends.
    pub attributes: Vec<Attribute>,
    pub comment: Option<String>,
    /// The role that owns it, when not the migration role (`ALTER … OWNER TO`).
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribute {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: super::DataType,
    pub collation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extension {
    pub name: String,
    pub schema: Option<String>,
}

/// What a function is called by: its signature.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Signature(pub String);

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sequence {
    pub name: QualifiedName,
    /// Options that differ from PostgreSQL's defaults, by name (`as`, `increment`,
    /// `minvalue`, `maxvalue`, `start`, `cache`, `cycle`), sorted.
    pub options: Vec<(String, String)>,
    pub owned_by: Option<(QualifiedName, String)>,
    pub comment: Option<String>,
    /// USAGE, SELECT and UPDATE by role: what the default privileges gave it, as changed since.
    pub grants: Grants,
    /// The role that owns it, when not the migration role (`ALTER … OWNER TO`).
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Domain {
    pub name: QualifiedName,
    /// The base type, as SQL.
    #[serde(rename = "type")]
    pub base: String,
    pub collation: Option<String>,
    pub not_null: bool,
    pub default: Option<Expr>,
    /// Named CHECKs on VALUE, in order.
    pub checks: Vec<(String, Expr)>,
    pub comment: Option<String>,
}
