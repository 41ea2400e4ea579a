//! The statements a plan is made of, as values: what each one does and to which object,
//! never SQL text. `render` alone turns them into SQL, and it alone quotes, so a name or a
//! comment can never become code, whatever it holds.

pub use crate::diff::EnumUser;
use crate::model::{
    Attribute, Column, Composite, Constraint, DataType, Domain, Enum, Expr, Extension, Firing, Function, Identity,
    Index, ObjectId, ObjectKind, PartitionBound, Policy, Publication, Published, QualifiedName, ReplicaIdentity,
    Routine, Table, Trigger, View,
};

/// One statement of a migration or of its rollback.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    CreateSchema(String),
    DropSchema(String),
    /// CREATE TABLE with these of its constraints (the others are added later).
    CreateTable {
        table: Table,
        constraints: Vec<Constraint>,
    },
    DropTable(QualifiedName),
    AddColumn {
        table: QualifiedName,
        column: Column,
    },
    DropColumn {
        table: QualifiedName,
        column: String,
    },
    /// ALTER COLUMN … TYPE; `cast` writes `USING column::type` when no `using` is given.
    ColumnType {
        table: QualifiedName,
        column: String,
        data_type: DataType,
        collation: Option<String>,
        using: Option<Expr>,
        cast: bool,
    },
    ColumnDefault {
        table: QualifiedName,
        column: String,
        default: Option<Expr>,
    },
    ColumnNotNull {
        table: QualifiedName,
        column: String,
        not_null: bool,
    },
    ColumnIdentity {
        table: QualifiedName,
        column: String,
        change: IdentityChange,
    },
    /// ADD CONSTRAINT, NOT VALID when the constraint is or `not_valid` asks.
    AddConstraint {
        table: QualifiedName,
        constraint: Constraint,
        not_valid: bool,
    },
    /// `CHECK (column IS NOT NULL) NOT VALID`, the online way to SET NOT NULL.
    AddNotNullCheck {
        table: QualifiedName,
        name: String,
        column: String,
    },
    DropConstraint {
        table: QualifiedName,
        name: String,
    },
    ValidateConstraint {
        table: QualifiedName,
        name: String,
    },
    CreateIndex {
        table: QualifiedName,
        index: Index,
        concurrently: bool,
    },
    /// An index is named by its schema and its own name.
    DropIndex(QualifiedName),
    Comment {
        on: ObjectId,
        text: Option<String>,
    },
    CreateExtension(Extension),
    DropExtension(String),
    CreateEnum(Enum),
    DropEnum(QualifiedName),
    AddEnumValue {
        name: QualifiedName,
        value: String,
        before: Option<String>,
        /// Run before the migration's transaction (`IF NOT EXISTS`, so that the migration
        /// runs again after a failure): the transaction uses the value, which PostgreSQL
        /// allows only once it is committed.
        committed_first: bool,
    },
    /// Renames the type, creates it with `values`, converts each column through text and
    /// drops the old type.
    RecreateEnum {
        name: QualifiedName,
        values: Vec<String>,
        old_name: String,
        users: Vec<EnumUser>,
    },
    RowSecurity {
        table: QualifiedName,
        enabled: Option<bool>,
        forced: Option<bool>,
    },
    CreatePolicy(Policy),
    AlterPolicy(Policy),
    DropPolicy {
        table: QualifiedName,
        name: String,
    },
    CreateTrigger(Trigger),
    DropTrigger {
        table: QualifiedName,
        name: String,
    },
    /// ALTER TABLE … ENABLE/DISABLE TRIGGER.
    TriggerFiring {
        table: QualifiedName,
        name: String,
        firing: Firing,
    },
    CreateFunction {
        function: Function,
        replace: bool,
    },
    DropFunction(Routine),
    CreateView(View),
    DropView {
        name: QualifiedName,
        materialized: bool,
    },
    Grant(Grant),
    DefaultPrivileges {
        grant: bool,
        privileges: Vec<String>,
        kind: ObjectKind,
        schema: Option<String>,
        role: String,
    },
    CreateSequence {
        name: QualifiedName,
        options: Vec<SequenceOption>,
    },
    DropSequence(QualifiedName),
    AlterSequence {
        name: QualifiedName,
        options: Vec<SequenceOption>,
    },
    SequenceOwner {
        name: QualifiedName,
        owner: Option<(QualifiedName, String)>,
    },
    CreateComposite(Composite),
    DropComposite(QualifiedName),
    CreateRange(crate::model::optioned::RangeType),
    DropRange(QualifiedName),
    CreateAggregate(crate::model::optioned::Aggregate),
    DropAggregate(crate::model::optioned::Aggregate),
    AlterComposite {
        name: QualifiedName,
        action: AttributeAction,
    },
    CreateDomain(Domain),
    DropDomain(QualifiedName),
    AlterDomain {
        name: QualifiedName,
        action: DomainAction,
    },
    Rename(Rename),
    /// ALTER TABLE `table` SET SCHEMA `schema`.
    SetSchema {
        table: QualifiedName,
        schema: String,
    },
    /// SELECT cron.schedule(name, schedule, command): creates or replaces the job.
    CronSchedule(crate::model::CronJob),
    /// SELECT cron.unschedule(name).
    CronUnschedule(String),
    CreatePublication(Publication),
    DropPublication(String),
    /// ALTER PUBLICATION … SET (publish = …, publish_via_partition_root = …).
    PublicationOptions(Publication),
    /// ALTER PUBLICATION … ADD TABLE, with `member`'s column list and row filter, or (None)
    /// DROP TABLE.
    PublicationTable {
        publication: String,
        table: QualifiedName,
        member: Option<Published>,
    },
    /// ALTER TABLE … SET LOGGED / UNLOGGED, RESET (…), SET (…), REPLICA IDENTITY: those given.
    TableStorage {
        table: QualifiedName,
        unlogged: Option<bool>,
        reset: Vec<String>,
        set: Vec<(String, String)>,
        replica_identity: Option<ReplicaIdentity>,
    },
    /// ALTER TABLE parent ATTACH PARTITION table `bound`, or (None) DETACH PARTITION table.
    Partition {
        parent: QualifiedName,
        table: QualifiedName,
        bound: Option<PartitionBound>,
    },
    /// UPDATE table SET column = (expr): fills a new column on the rows that exist.
    Backfill {
        table: QualifiedName,
        column: String,
        expr: Expr,
    },
    /// `ALTER [MATERIALIZED] VIEW … SET (…)` of the options in `set`, `RESET (…)` of those
    /// in `reset`.
    ViewOptions {
        name: QualifiedName,
        materialized: bool,
        set: Vec<(String, String)>,
        reset: Vec<String>,
    },
    /// A serial column's sequence: created, owned by the column and drawn by its default.
    SerialSequence {
        table: QualifiedName,
        column: String,
        sequence: QualifiedName,
        data_type: DataType,
    },
    /// The sequence of a serial or identity column set to go on after its largest value.
    SyncSequence {
        table: QualifiedName,
        column: String,
    },
    /// `ALTER … OWNER TO`: a role, or (None) the migration role, `CURRENT_USER`.
    Owner {
        on: ObjectId,
        to: Option<String>,
    },
    /// A comment line in the output (`-- cannot restore data: …`).
    Note(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityChange {
    /// With the options of its sequence (`identity::sql`).
    Add(Identity, Vec<(String, String)>),
    Set(Identity),
    /// `SET INCREMENT BY 2 …` clauses (`identity::set_clauses`).
    Options(Vec<String>),
    Drop,
}

/// What a GRANT or REVOKE is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantOn {
    Table(QualifiedName),
    Column(QualifiedName, String),
    Routine(Routine),
    Schema(String),
    Sequence(QualifiedName),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub grant: bool,
    /// Upper case, `ALL` for every privilege of the kind.
    pub privileges: Vec<String>,
    pub on: GrantOn,
    /// A role name; `public` is PUBLIC.
    pub role: String,
}

/// A sequence option by name (`increment`, `minvalue`, …); `None` is its default
/// (`NO MAXVALUE`, `INCREMENT BY 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceOption {
    pub name: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AttributeAction {
    Add(Attribute),
    Drop(String),
    /// ALTER ATTRIBUTE … TYPE, to this attribute's type and collation.
    Type(Attribute),
}

#[derive(Debug, Clone, PartialEq)]
pub enum DomainAction {
    DropConstraint(String),
    SetDefault(Expr),
    DropDefault,
    NotNull(bool),
    AddCheck(String, Expr),
}

/// ALTER … RENAME of a table or of something a table holds, from `from` to `to`. A table or
/// an index is renamed in `table`'s schema (`table`'s own name plays no part); the others
/// on `table`. The rename back is the same with `from` and `to` swapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub kind: RenameKind,
    pub table: QualifiedName,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenameKind {
    Table,
    Sequence,
    Column,
    Constraint,
    Index,
    Policy,
}

impl Rename {
    /// The rename that undoes this one.
    pub fn reversed(&self) -> Rename {
        Rename { from: self.to.clone(), to: self.from.clone(), ..self.clone() }
    }
}
