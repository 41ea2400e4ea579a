//! What a table is to logical replication and storage: the publications it is in, what
//! its changes identify rows by, and how it is stored (UNLOGGED, storage parameters).

use serde::Serialize;

use super::Expr;

/// Publications the platform creates: Supabase Realtime streams the tables of
/// `supabase_realtime`. A project adds tables to one and may declare its options, but
/// never creates or drops it; undeclared, it is as the platform makes it.
pub const PLATFORM_PUBLICATIONS: &[&str] = &["supabase_realtime"];

/// The operations a publication publishes, in PostgreSQL's order.
pub const PUBLISH_OPERATIONS: &[&str] = &["insert", "update", "delete", "truncate"];

/// `CREATE PUBLICATION`. Its tables are kept on the tables (`Table::publications`), so a
/// table dropped or renamed takes its membership with it, as in PostgreSQL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Publication {
    pub name: String,
    /// FOR ALL TABLES: every table, present and future; then no table lists it.
    pub all_tables: bool,
    /// `publish`: the operations it publishes, in PostgreSQL's order.
    pub publish: Vec<String>,
    /// `publish_via_partition_root`.
    pub via_root: bool,
}

impl Publication {
    /// A publication as `CREATE PUBLICATION name` makes it (and the platform makes its own).
    pub fn new(name: impl Into<String>) -> Self {
        Publication {
            name: name.into(),
            all_tables: false,
            publish: PUBLISH_OPERATIONS.iter().map(|s| s.to_string()).collect(),
            via_root: false,
        }
    }

    pub fn is_platform(name: &str) -> bool {
        PLATFORM_PUBLICATIONS.contains(&name)
    }
}

/// A table's membership of one publication: which columns (all when empty) and which rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Published {
    pub columns: Vec<String>,
    pub row_filter: Option<Expr>,
}

/// What UPDATE and DELETE identify the old row by in the replication stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicaIdentity {
    /// The primary key.
    #[default]
    Default,
    /// The whole old row (what Realtime needs to send old values and filter deletes).
    Full,
    Nothing,
    /// A unique index of the table, by name.
    Index(String),
}

impl ReplicaIdentity {
    /// How the YAML and the summaries say it.
    pub fn words(&self) -> String {
        match self {
            ReplicaIdentity::Default => "default".into(),
            ReplicaIdentity::Full => "full".into(),
            ReplicaIdentity::Nothing => "nothing".into(),
            ReplicaIdentity::Index(i) => format!("index {i}"),
        }
    }
}

/// How a table is stored: what `UNLOGGED`, `WITH (…)` and `REPLICA IDENTITY` say.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Storage {
    /// UNLOGGED: not written to the WAL, emptied after a crash, never replicated.
    pub unlogged: bool,
    /// Storage parameters (`fillfactor`, `autovacuum_enabled`, `toast.…`), sorted; values
    /// as written, booleans as `true`/`false`.
    pub options: Vec<(String, String)>,
    pub replica_identity: ReplicaIdentity,
}
