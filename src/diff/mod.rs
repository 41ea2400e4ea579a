//! current vs desired → the list of changes that turns one into the other.
//! Order here is only deterministic (sorted by name); `plan` decides the apply order.

use std::collections::{BTreeMap, BTreeSet};

mod cron;
mod optioned;
mod owners;
mod partitions;
mod renames;
mod replication;
mod table_parts;

use crate::model::deps::{Graph, view_id};
use crate::model::privileges::{PUBLIC_SCHEMA, Scope};
use crate::model::{
    Column, Composite, Constraint, ConstraintKind, DataType, Domain, Enum, Expr, Extension, Firing, Function, Grants,
    Hints, Index, ObjectId, ObjectKind, PartitionBound, Policy, Publication, Published, QualifiedName, Schema,
    Sequence, Storage, Table, Trigger, View,
};

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `object` (named as it will be) was called `from`: `ALTER … RENAME`.
    Rename {
        object: ObjectId,
        from: String,
    },
    /// A table moved to another schema (`ALTER TABLE … SET SCHEMA`), and renamed there when
    /// `to` has another name.
    MoveTable {
        from: QualifiedName,
        to: QualifiedName,
        /// Its serial and identity columns' sequences (by the names they have when it moves),
        /// which keep the privileges of the schema they were created in: changed from the
        /// first to the second (the defaults of the schema it moves to) after the move, and
        /// back after the move back.
        sequences: Vec<String>,
        sequence_grants: (Grants, Grants),
    },
    /// The sequence of a serial or identity column of `table` (named as it will be), in its
    /// schema, follows a rename of the table or column: PostgreSQL keeps its old name.
    RenameSequence {
        table: QualifiedName,
        from: String,
        to: String,
    },
    CreateSchema(String),
    DropSchema(String),
    CreateTable(Table),
    DropTable(Table),
    AddColumn {
        table: QualifiedName,
        column: Column,
        /// Fills the rows that exist before the column becomes NOT NULL (`backfill:`).
        backfill: Option<Expr>,
    },
    DropColumn {
        table: QualifiedName,
        column: Column,
    },
    AlterColumn {
        table: QualifiedName,
        from: Box<Column>,
        to: Box<Column>,
        /// How values convert to the new type (`using:`), instead of a cast.
        using: Option<Expr>,
    },
    AddConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    DropConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    /// A NOT VALID constraint validated: `constraint` as it is after.
    ValidateConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    CreateIndex {
        table: QualifiedName,
        index: Index,
    },
    DropIndex {
        table: QualifiedName,
        index: Index,
    },
    Comment {
        target: ObjectId,
        from: Option<String>,
        to: Option<String>,
    },
    CreateExtension(Extension),
    DropExtension(Extension),
    CreateEnum(Enum),
    DropEnum(Enum),
    /// `previous` and `users` let the rollback recreate the type without the value.
    AddEnumValue {
        name: QualifiedName,
        value: String,
        before: Option<String>,
        previous: Enum,
        users: Vec<EnumUser>,
    },
    /// A value removed or moved: the type is recreated and its columns converted.
    RecreateEnum {
        from: Enum,
        to: Enum,
        users: Vec<EnumUser>,
    },
    SetRls {
        table: QualifiedName,
        from: (bool, bool),
        to: (bool, bool),
    },
    CreatePolicy(Policy),
    DropPolicy(Policy),
    AlterPolicy {
        from: Box<Policy>,
        to: Box<Policy>,
    },
    CreateTrigger(Trigger),
    DropTrigger(Trigger),
    /// A trigger that stays, enabled or disabled (`from` → `to`).
    TriggerFiring {
        table: QualifiedName,
        name: String,
        from: Firing,
        to: Firing,
    },
    CreateFunction(Box<Function>),
    DropFunction(Box<Function>),
    ReplaceFunction {
        from: Box<Function>,
        to: Box<Function>,
    },
    CreateView(View),
    DropView(View),
    /// A view whose `WITH (…)` options alone change: `view` as it is after.
    ViewOptions {
        view: View,
        from: Vec<(String, String)>,
    },
    /// Privileges on a table, view, column, function or schema.
    Grants {
        target: ObjectId,
        from: Grants,
        to: Grants,
        /// The object is new and `from` is what its default privileges are taken to give
        /// it: the privileges of `to` are granted in full, so that they hold even on a
        /// database whose defaults are not the ones the model assumes.
        restate: bool,
        /// Those of a trigger function, which go with the triggers.
        trigger: bool,
    },
    /// The owner of a table, view, function, type or sequence (None: the migration role).
    Owner {
        target: ObjectId,
        from: Option<String>,
        to: Option<String>,
        /// The new owner's own grants before, which ownership takes in: granted back by
        /// the rollback.
        kept: Grants,
    },
    /// What new objects of a kind start with, in one schema or (None) in all: a rule
    /// about objects to come, not an object, so no `ObjectId`.
    DefaultPrivileges {
        scope: Scope,
        kind: ObjectKind,
        from: Grants,
        to: Grants,
    },
    CreateComposite(Composite),
    DropComposite(Composite),
    CreateRange(crate::model::optioned::RangeType),
    DropRange(crate::model::optioned::RangeType),
    CreateAggregate(crate::model::optioned::Aggregate),
    DropAggregate(crate::model::optioned::Aggregate),
    /// Attributes added, dropped or of another type, in place (`ALTER TYPE … ATTRIBUTE`).
    AlterComposite {
        from: Composite,
        to: Composite,
    },
    CreateDomain(Domain),
    DropDomain(Domain),
    AlterDomain {
        from: Domain,
        to: Domain,
    },
    CreateSequence(Sequence),
    DropSequence(Sequence),
    AlterSequence {
        from: Sequence,
        to: Sequence,
    },
    /// A publication created (`from` None), dropped (`to` None) or given other options.
    Publication {
        from: Option<Publication>,
        to: Option<Publication>,
    },
    /// A table added to a publication (`from` None), dropped from it (`to` None), or given
    /// another column list or row filter.
    Publish {
        table: QualifiedName,
        publication: String,
        from: Option<Published>,
        to: Option<Published>,
    },
    /// A pg_cron job scheduled (`from` None), unscheduled (`to` None) or rescheduled.
    CronJob {
        name: String,
        from: Option<crate::model::CronJob>,
        to: Option<crate::model::CronJob>,
    },
    /// UNLOGGED, storage parameters or replica identity of a table.
    TableStorage {
        table: QualifiedName,
        from: Storage,
        to: Storage,
    },
    /// A partition given another bound: DETACH PARTITION, then ATTACH PARTITION with `to`.
    Repartition {
        table: QualifiedName,
        parent: QualifiedName,
        from: PartitionBound,
        to: PartitionBound,
    },
    /// `ALTER SEQUENCE … OWNED BY`: a step of its own, as the owning table may come later.
    SequenceOwner {
        sequence: QualifiedName,
        from: Option<(QualifiedName, String)>,
        to: Option<(QualifiedName, String)>,
    },
    /// A change the migration does not make but its rollback needs around it: a dependent
    /// of an enum that gains a value, dropped and created again by the rollback only, as
    /// only the rollback recreates the type.
    ForRollback(Box<Change>),
}

/// A column of an enum's type, converted when the type is recreated.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnumUser {
    pub table: QualifiedName,
    pub column: String,
    #[serde(rename = "type")]
    pub data_type: DataType,
    pub default: Option<Expr>,
    /// The default the desired schema gives the column, which a recreation towards it sets
    /// (the current one may name a value the new type lacks).
    #[serde(skip)]
    pub wanted: Option<Expr>,
}

fn enum_users(current: &Schema, desired: &Schema, name: &QualifiedName) -> Vec<EnumUser> {
    let mut out = Vec::new();
    let of_enum =
        |ty: &DataType| !ty.builtin && ty.name == name.name && ty.schema.as_deref().unwrap_or("public") == name.schema;
    for t in current.tables.values() {
        for c in t.columns.iter().filter(|c| of_enum(&c.data_type)) {
            let wanted = desired.table(&t.name).and_then(|t| t.column(&c.name)).filter(|w| of_enum(&w.data_type));
            out.push(EnumUser {
                table: t.name.clone(),
                column: c.name.clone(),
                data_type: c.data_type.clone(),
                default: c.default.clone(),
                wanted: wanted.and_then(|w| w.default.clone()),
            });
        }
    }
    out
}

/// A recreated enum sets its columns' defaults (the desired ones on the way up, the
/// current ones back): a change of such a default is the recreation's, not a change of
/// the column of its own, which would come after it up and before it down, where the
/// other type does not have the value.
fn defaults_with_recreated_enums(changes: &mut Vec<Change>) {
    let users: Vec<(QualifiedName, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::RecreateEnum { users, .. } => Some(users),
            _ => None,
        })
        .flatten()
        .map(|u| (u.table.clone(), u.column.clone()))
        .collect();
    for change in changes.iter_mut() {
        if let Change::AlterColumn { table, from, to, .. } = change
            && from.data_type == to.data_type
            && users.iter().any(|(t, c)| t == table && *c == to.name)
        {
            from.default = to.default.clone();
        }
    }
    changes.retain(|c| !matches!(c, Change::AlterColumn { from, to, .. } if from == to));
}

pub fn diff(current: &Schema, desired: &Schema) -> Vec<Change> {
    let (mut changes, renamed) = renames::apply(current, desired);
    let original = current;
    let current = renamed.as_ref().unwrap_or(current);
    for (name, e) in &desired.extensions {
        if !current.extensions.contains_key(name) {
            changes.push(Change::CreateExtension(e.clone()));
        }
    }
    for s in desired.schemas.difference(&current.schemas) {
        changes.push(Change::CreateSchema(s.clone()));
    }
    schema_grants(current, desired, &mut changes);
    for (scope, kind, from, to) in current.default_privileges.changes(&desired.default_privileges) {
        changes.push(Change::DefaultPrivileges { scope, kind, from, to });
    }
    diff_enums(current, desired, &mut changes);
    diff_sequences(current, desired, &mut changes);
    diff_domains(current, desired, &mut changes);
    diff_composites(current, desired, &mut changes);
    optioned::diff(current, desired, &mut changes);
    replication::diff_publications(current, desired, &mut changes);
    cron::diff_jobs(current, desired, &mut changes);
    let rebuilt = partitions::rebuilt(current, desired);
    for (name, table) in &desired.tables {
        match current.tables.get(name).filter(|_| !rebuilt.contains(name)) {
            None => {
                if let Some(old) = current.tables.get(name) {
                    changes.push(Change::DropTable(old.clone()));
                }
                changes.push(Change::CreateTable(table.clone()));
                if table.rls_enabled || table.rls_forced {
                    let to = (table.rls_enabled, table.rls_forced);
                    changes.push(Change::SetRls { table: name.clone(), from: (false, false), to });
                }
                let born = desired.default_privileges.effective(&name.schema, ObjectKind::Tables);
                grants(&mut changes, ObjectId::Table(name.clone()), &born, &table.grants, true);
                column_grants(&mut changes, &Table::new(name.clone()), table);
                replication::diff_table(None, table, &mut changes);
            }
            Some(old) => {
                partitions::diff_bound(old, table, &mut changes);
                diff_table(old, table, &desired.hints, &mut changes);
                replication::diff_table(Some(old), table, &mut changes);
            }
        }
    }
    for (name, table) in &current.tables {
        if !desired.tables.contains_key(name) {
            changes.push(Change::DropTable(table.clone()));
        }
    }
    recreate_dependent_foreign_keys(current, desired, &mut changes);
    diff_functions(current, desired, &mut changes);
    diff_views(current, desired, &mut changes);
    let trimmed = partitions::without_rebuilt(current, &rebuilt, &mut changes);
    diff_policies(trimmed.as_ref().unwrap_or(current), desired, &mut changes);
    diff_triggers(trimmed.as_ref().unwrap_or(current), desired, &mut changes);
    owners::diff_owners(current, desired, &mut changes);
    recreate_dependents(current, desired, &mut changes);
    defaults_with_recreated_enums(&mut changes);
    for s in current.schemas.difference(&desired.schemas) {
        changes.push(Change::DropSchema(s.clone()));
    }
    for (name, e) in &current.extensions {
        if !desired.extensions.contains_key(name) {
            changes.push(Change::DropExtension(e.clone()));
        }
    }
    if renamed.is_some() {
        as_they_were(original, &mut changes);
    }
    changes
}

/// A view over a renamed table or column is dropped before the rename (see the plan's
/// rename step), so what the rollback creates again after the rename back is the view as it
/// was, not as the renames rewrote it (`t.title AS name` once the column is `name` again).
/// The same holds for a dropped index or CHECK, key or unique constraint of a table that
/// keeps its name: it lets go of its columns as they were named, so it is dropped before
/// they are renamed and created again by the rollback after they are named so again.
/// (A foreign key keeps the renamed form: it also needs the key it references.)
fn as_they_were(original: &Schema, changes: &mut [Change]) {
    for c in changes {
        match c {
            Change::DropView(v) => {
                if let Some(was) = original.views.get(&v.name) {
                    *v = was.clone();
                }
            }
            Change::DropIndex { table, index } => {
                if let Some(was) = original.table(table).and_then(|t| t.index(&index.name)) {
                    *index = was.clone();
                }
            }
            Change::DropConstraint { table, constraint } if !constraint.kind.is_foreign_key() => {
                if let Some(was) = original.table(table).and_then(|t| t.constraint(&constraint.name)) {
                    *constraint = was.clone();
                }
            }
            _ => {}
        }
    }
}

fn comment(changes: &mut Vec<Change>, target: ObjectId, from: &Option<String>, to: &Option<String>) {
    if from != to {
        changes.push(Change::Comment { target, from: from.clone(), to: to.clone() });
    }
}

fn diff_table(old: &Table, new: &Table, hints: &Hints, changes: &mut Vec<Change>) {
    let t = &new.name;
    let hint = |map: &BTreeMap<(QualifiedName, String), Expr>, column: &str| {
        map.get(&(t.clone(), column.to_string())).cloned()
    };
    comment(changes, ObjectId::Table(t.clone()), &old.comment, &new.comment);
    if (old.rls_enabled, old.rls_forced) != (new.rls_enabled, new.rls_forced) {
        let (from, to) = ((old.rls_enabled, old.rls_forced), (new.rls_enabled, new.rls_forced));
        changes.push(Change::SetRls { table: t.clone(), from, to });
    }
    grants(changes, ObjectId::Table(t.clone()), &old.grants, &new.grants, false);
    column_grants(changes, old, new);
    for col in &new.columns {
        match old.column(&col.name) {
            None => changes.push(Change::AddColumn {
                table: t.clone(),
                column: col.clone(),
                backfill: hint(&hints.backfill, &col.name),
            }),
            // PostgreSQL cannot add or change a generation expression in place (before 17),
            // and a rollback of DROP EXPRESSION would have to: the column is derived data,
            // so it is dropped and added again.
            Some(prev) if prev.generated != col.generated => {
                changes.push(Change::DropColumn { table: t.clone(), column: prev.clone() });
                changes.push(Change::AddColumn { table: t.clone(), column: col.clone(), backfill: None });
            }
            Some(prev) => {
                let (mut a, mut b) = (prev.clone(), col.clone());
                a.comment = None;
                b.comment = None;
                if a != b {
                    let using = hint(&hints.using, &col.name);
                    changes.push(Change::AlterColumn { table: t.clone(), from: Box::new(a), to: Box::new(b), using });
                }
                comment(changes, ObjectId::Column(t.clone(), col.name.clone()), &prev.comment, &col.comment);
            }
        }
    }
    for col in &old.columns {
        if new.column(&col.name).is_none() {
            changes.push(Change::DropColumn { table: t.clone(), column: col.clone() });
        }
    }
    for c in &new.constraints {
        match old.constraint(&c.name) {
            Some(prev) if prev.same_definition(c) => {
                comment(changes, ObjectId::Constraint(t.clone(), c.name.clone()), &prev.comment, &c.comment)
            }
            // Checking the rows that are there is all it takes, under a lock that lets writes through.
            Some(prev) if prev.not_valid && (Constraint { not_valid: false, ..prev.clone() }).same_definition(c) => {
                changes.push(Change::ValidateConstraint { table: t.clone(), constraint: c.clone() });
                comment(changes, ObjectId::Constraint(t.clone(), c.name.clone()), &prev.comment, &c.comment);
            }
            Some(prev) => {
                changes.push(Change::DropConstraint { table: t.clone(), constraint: prev.clone() });
                changes.push(Change::AddConstraint { table: t.clone(), constraint: c.clone() });
            }
            None => changes.push(Change::AddConstraint { table: t.clone(), constraint: c.clone() }),
        }
    }
    for c in &old.constraints {
        if new.constraint(&c.name).is_none() {
            changes.push(Change::DropConstraint { table: t.clone(), constraint: c.clone() });
        }
    }
    for i in &new.indexes {
        match old.index(&i.name) {
            Some(prev) if prev.same_definition(i) => {
                comment(changes, ObjectId::Index(t.clone(), i.name.clone()), &prev.comment, &i.comment)
            }
            Some(prev) => {
                changes.push(Change::DropIndex { table: t.clone(), index: prev.clone() });
                changes.push(Change::CreateIndex { table: t.clone(), index: i.clone() });
            }
            None => changes.push(Change::CreateIndex { table: t.clone(), index: i.clone() }),
        }
    }
    for i in &old.indexes {
        if new.index(&i.name).is_none() {
            changes.push(Change::DropIndex { table: t.clone(), index: i.clone() });
        }
    }
}

/// A key that is dropped (to be changed or removed) takes with it the foreign keys that
/// reference it, so those that stay are dropped first and added back after.
fn recreate_dependent_foreign_keys(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    let dropped_keys: BTreeSet<(QualifiedName, Vec<String>)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropConstraint { table, constraint } if constraint.kind.has_index() => {
                Some((table.clone(), constraint.kind.columns().to_vec()))
            }
            _ => None,
        })
        .collect();
    if dropped_keys.is_empty() {
        return;
    }
    let already: BTreeSet<(QualifiedName, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropConstraint { table, constraint } => Some((table.clone(), constraint.name.clone())),
            Change::DropTable(t) => Some((t.name.clone(), String::new())),
            _ => None,
        })
        .collect();
    let mut extra = Vec::new();
    for table in current.tables.values() {
        if already.contains(&(table.name.clone(), String::new())) {
            continue;
        }
        for c in &table.constraints {
            let ConstraintKind::ForeignKey(fk) = &c.kind else {
                continue;
            };
            if !dropped_keys.contains(&(fk.ref_table.clone(), fk.ref_columns.clone()))
                || already.contains(&(table.name.clone(), c.name.clone()))
            {
                continue;
            }
            extra.push(Change::DropConstraint { table: table.name.clone(), constraint: c.clone() });
            if let Some(kept) = desired.table(&table.name).and_then(|t| t.constraint(&c.name)) {
                extra.push(Change::AddConstraint { table: table.name.clone(), constraint: kept.clone() });
            }
        }
    }
    changes.extend(extra);
}

fn diff_enums(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    for (name, e) in &desired.enums {
        let Some(old) = current.enums.get(name) else {
            changes.push(Change::CreateEnum(e.clone()));
            continue;
        };
        // Values can be added in place; a value removed or moved means a new type.
        let kept_order = old.values.iter().all(|v| e.values.contains(v))
            && e.values.iter().filter(|v| old.values.contains(v)).eq(old.values.iter());
        let users = enum_users(current, desired, name);
        if kept_order {
            for (i, v) in e.values.iter().enumerate() {
                if !old.values.contains(v) {
                    let before = e.values[i + 1..].iter().find(|n| old.values.contains(n)).cloned();
                    let (previous, users) = (old.clone(), users.clone());
                    changes.push(Change::AddEnumValue {
                        name: name.clone(),
                        value: v.clone(),
                        before,
                        previous,
                        users,
                    });
                }
            }
        } else {
            changes.push(Change::RecreateEnum { from: old.clone(), to: e.clone(), users });
        }
        comment(changes, ObjectId::Type(name.clone()), &old.comment, &e.comment);
    }
    for (name, e) in &current.enums {
        if !desired.enums.contains_key(name) {
            changes.push(Change::DropEnum(e.clone()));
        }
    }
}

/// Privileges and comments of the project's schemas. A new schema starts with what the
/// default privileges give; a dropped one has its privileges revoked and its comment
/// removed before it goes, so that the rollback puts them back once it is back.
fn schema_grants(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    for name in current.schemas.union(&desired.schemas) {
        let (is_new, kept) = (!current.schemas.contains(name), desired.schemas.contains(name));
        let from = if is_new {
            desired.default_privileges.effective(name, ObjectKind::Schemas)
        } else {
            current.schema_grants_of(name)
        };
        let to = if kept { desired.schema_grants_of(name) } else { Grants::new() };
        grants(changes, ObjectId::Schema(name.clone()), &from, &to, is_new);
        let to = if kept { desired.schema_comments.get(name).cloned() } else { None };
        comment(changes, ObjectId::Schema(name.clone()), &current.schema_comments.get(name).cloned(), &to);
    }
    // The platform's `public` is always there; only its privileges are the project's.
    let public = PUBLIC_SCHEMA.to_string();
    grants(
        changes,
        ObjectId::Schema(public),
        &current.schema_grants_of(PUBLIC_SCHEMA),
        &desired.schema_grants_of(PUBLIC_SCHEMA),
        false,
    );
}

/// Privileges on columns, column by column (those of a dropped column are revoked before
/// it goes, so that the rollback grants them again once it is back).
fn column_grants(changes: &mut Vec<Change>, old: &Table, new: &Table) {
    let none = Grants::new();
    let columns: BTreeSet<&String> = old.column_grants.keys().chain(new.column_grants.keys()).collect();
    for c in columns {
        let (from, to) = (old.column_grants.get(c).unwrap_or(&none), new.column_grants.get(c).unwrap_or(&none));
        grants(changes, ObjectId::Column(new.name.clone(), c.clone()), from, to, false);
    }
}

/// A change of privileges where there is one; `restate` for an object just created (see
/// `Change::Grants`).
fn grants(changes: &mut Vec<Change>, target: ObjectId, from: &Grants, to: &Grants, restate: bool) {
    if from != to {
        let (from, to) = (from.clone(), to.clone());
        changes.push(Change::Grants { target, from, to, restate, trigger: false });
    }
}

fn diff_functions(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    // Whitespace around a body is not part of what it does: `AS $$\nBEGIN` in SQL and a
    // YAML block that cannot start with a blank line are the same function.
    let strip = |f: &Function| Function {
        comment: None,
        grants: Grants::new(),
        owner: None,
        body: f.body.trim().to_string(),
        ..f.clone()
    };
    for (key, f) in &desired.functions {
        let Some(old) = current.functions.get(key) else {
            changes.push(Change::CreateFunction(Box::new(f.clone())));
            continue;
        };
        if strip(old) != strip(f) {
            // CREATE OR REPLACE cannot change the result type or argument names, nor turn a
            // function into a procedure.
            let same_shape = |a: &Function, b: &Function| {
                a.returns == b.returns
                    && a.procedure == b.procedure
                    && a.args.iter().map(|x| (&x.name, &x.mode)).eq(b.args.iter().map(|x| (&x.name, &x.mode)))
            };
            if same_shape(old, f) {
                changes.push(Change::ReplaceFunction { from: Box::new(old.clone()), to: Box::new(f.clone()) });
            } else {
                changes.push(Change::DropFunction(Box::new(old.clone())));
                changes.push(Change::CreateFunction(Box::new(f.clone())));
                continue;
            }
        }
        if old.grants != f.grants {
            let (target, trigger) = (ObjectId::Function(f.routine()), f.returns.as_deref() == Some("trigger"));
            let (from, to) = (old.grants.clone(), f.grants.clone());
            changes.push(Change::Grants { target, from, to, restate: false, trigger });
        }
        comment(changes, ObjectId::Function(f.routine()), &old.comment, &f.comment);
    }
    for (key, f) in &current.functions {
        if !desired.functions.contains_key(key) {
            changes.push(Change::DropFunction(Box::new(f.clone())));
        }
    }
}

fn diff_views(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    let strip = |v: &View| View { comment: None, grants: Grants::new(), owner: None, ..v.clone() };
    for (name, v) in &desired.views {
        match current.views.get(name) {
            None => changes.push(Change::CreateView(v.clone())),
            Some(old)
                if strip(old) != strip(v) && strip(&View { options: v.options.clone(), ..old.clone() }) == strip(v) =>
            {
                changes.push(Change::ViewOptions { view: v.clone(), from: old.options.clone() });
                let view = ObjectId::View { name: name.clone(), materialized: v.materialized };
                grants(changes, view.clone(), &old.grants, &v.grants, false);
                comment(changes, view, &old.comment, &v.comment);
            }
            // Only a materialized view's indexes change: they alone are dropped and created.
            Some(old)
                if strip(old) != strip(v) && strip(&View { indexes: v.indexes.clone(), ..old.clone() }) == strip(v) =>
            {
                for index in old.indexes.iter().filter(|i| !v.indexes.contains(i)) {
                    changes.push(Change::DropIndex { table: name.clone(), index: index.clone() });
                }
                for index in v.indexes.iter().filter(|i| !old.indexes.contains(i)) {
                    changes.push(Change::CreateIndex { table: name.clone(), index: index.clone() });
                }
                let view = ObjectId::View { name: name.clone(), materialized: v.materialized };
                grants(changes, view.clone(), &old.grants, &v.grants, false);
                comment(changes, view, &old.comment, &v.comment);
            }
            Some(old) if strip(old) != strip(v) => {
                changes.push(Change::DropView(old.clone()));
                changes.push(Change::CreateView(v.clone()));
            }
            Some(old) => {
                let view = ObjectId::View { name: name.clone(), materialized: v.materialized };
                grants(changes, view.clone(), &old.grants, &v.grants, false);
                comment(changes, view, &old.comment, &v.comment);
            }
        }
    }
    for (name, v) in &current.views {
        if !desired.views.contains_key(name) {
            changes.push(Change::DropView(v.clone()));
        }
    }
}

fn diff_policies(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    let strip = |p: &Policy| Policy { comment: None, ..p.clone() };
    for (key, p) in &desired.policies {
        let Some(old) = current.policies.get(key) else {
            changes.push(Change::CreatePolicy(p.clone()));
            continue;
        };
        if strip(old) != strip(p) {
            // ALTER POLICY changes roles and expressions, but can neither change the
            // command or permissiveness nor add or remove an expression.
            // Both ways, as the rollback alters it back.
            let alterable = old.command == p.command
                && old.permissive == p.permissive
                && p.using.is_some() == old.using.is_some()
                && p.with_check.is_some() == old.with_check.is_some();
            if !alterable {
                changes.push(Change::DropPolicy(old.clone()));
                changes.push(Change::CreatePolicy(p.clone()));
                continue;
            }
            changes.push(Change::AlterPolicy { from: Box::new(old.clone()), to: Box::new(p.clone()) });
        }
        comment(changes, ObjectId::Policy(key.0.clone(), key.1.clone()), &old.comment, &p.comment);
    }
    for (key, p) in &current.policies {
        if !desired.policies.contains_key(key) {
            changes.push(Change::DropPolicy(p.clone()));
        }
    }
}

fn diff_triggers(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    let strip = |t: &Trigger| Trigger { comment: None, firing: Firing::Enabled, ..t.clone() };
    for (key, t) in &desired.triggers {
        match current.triggers.get(key) {
            None => changes.push(Change::CreateTrigger(t.clone())),
            Some(old) if strip(old) != strip(t) => {
                changes.push(Change::DropTrigger(old.clone()));
                changes.push(Change::CreateTrigger(t.clone()));
            }
            Some(old) => {
                comment(changes, ObjectId::Trigger(key.0.clone(), key.1.clone()), &old.comment, &t.comment);
                if old.firing != t.firing {
                    let (table, name) = key.clone();
                    changes.push(Change::TriggerFiring { table, name, from: old.firing, to: t.firing });
                }
            }
        }
    }
    for (key, t) in &current.triggers {
        if !desired.triggers.contains_key(key) {
            changes.push(Change::DropTrigger(t.clone()));
        }
    }
}

/// What a change drops and recreates (a view, a function) or alters under its dependents
/// (a column, dropped or of another type): what dependents must be rebuilt around; then
/// what only the rollback recreates (an enum that gains a value, whose rollback recreates
/// it without).
fn unstable(changes: &[Change]) -> (BTreeSet<ObjectId>, BTreeSet<ObjectId>) {
    let recreated = |name: &QualifiedName, users: &[EnumUser]| {
        let tables = users.iter().map(|u| ObjectId::Table(u.table.clone()));
        std::iter::once(ObjectId::Type(name.clone())).chain(tables).collect()
    };
    let both = changes
        .iter()
        .flat_map(|c| match c {
            Change::AlterColumn { table, from, to, .. }
                if from.data_type.without_serial() != to.data_type.without_serial()
                    || from.collation != to.collation =>
            {
                vec![ObjectId::Column(table.clone(), to.name.clone())]
            }
            Change::DropColumn { table, column } => vec![ObjectId::Column(table.clone(), column.name.clone())],
            Change::DropView(v) => vec![view_id(v)],
            // Only a table dropped and created again (a changed partition key) can have
            // dependents that stay: the YAML has nothing that reads a table it lacks.
            Change::DropTable(t) => std::iter::once(ObjectId::Table(t.name.clone()))
                .chain(t.columns.iter().map(|c| ObjectId::Column(t.name.clone(), c.name.clone())))
                .collect(),
            Change::DropFunction(f) => vec![ObjectId::Function(f.routine())],
            // Renamed aside, its columns converted, dropped.
            Change::RecreateEnum { to, users, .. } => recreated(&to.name, users),
            _ => vec![],
        })
        .collect();
    let rollback = changes
        .iter()
        .flat_map(|c| match c {
            Change::AddEnumValue { name, users, .. } => recreated(name, users),
            _ => vec![],
        })
        .collect();
    (both, rollback)
}

/// Dependents rebuilt around what `unstable` finds. Those that only the rollback of an
/// added enum value needs are `ForRollback`: `ALTER TYPE … ADD VALUE` alone leaves every
/// dependent in place (and a function created again in its transaction could not use the
/// new value). A dependent that also changes in the migration (a function replaced, its
/// privileges) is rebuilt both ways, as before: its own change is undone before it.
fn recreate_dependents(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    let (both, rollback) = unstable(changes);
    if rollback.is_empty() {
        return rebuild_dependents(current, desired, both, changes);
    }
    let mut with_rollback = changes.clone();
    rebuild_dependents(current, desired, both.iter().chain(&rollback).cloned().collect(), &mut with_rollback);
    let mut plain = changes.clone();
    rebuild_dependents(current, desired, both, &mut plain);
    // The rebuild takes out the changes a rebuilt object makes anyway (a replaced body):
    // when the rollback's rebuild takes out more, it runs both ways.
    let kept = |list: &[Change]| list.iter().filter(|c| changes.contains(c)).count();
    if kept(&with_rollback) != kept(&plain) {
        *changes = with_rollback;
        return;
    }
    let extra: Vec<Change> = with_rollback.into_iter().filter(|c| !plain.contains(c)).collect();
    *changes = plain;
    changes.extend(extra.into_iter().map(|c| Change::ForRollback(Box::new(c))));
}

/// Views, policies, triggers, functions and parts of tables (`table_parts`) that stay the
/// same but stand on something the migration drops and recreates or alters under them are
/// dropped before and created again after, as PostgreSQL requires ("cannot alter type of a
/// column used by a view", "cannot drop view v because function f depends on it"). A
/// function stands on the types of its signature only: what its body uses is not recorded.
fn rebuild_dependents(current: &Schema, desired: &Schema, mut rebuilt: BTreeSet<ObjectId>, changes: &mut Vec<Change>) {
    if rebuilt.is_empty() {
        return;
    }
    let mut handled: BTreeSet<ObjectId> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropView(v) | Change::CreateView(v) => Some(view_id(v)),
            Change::DropPolicy(p) | Change::CreatePolicy(p) => Some(ObjectId::Policy(p.table.clone(), p.name.clone())),
            Change::AlterPolicy { to, .. } => Some(ObjectId::Policy(to.table.clone(), to.name.clone())),
            Change::DropTrigger(t) | Change::CreateTrigger(t) => {
                Some(ObjectId::Trigger(t.table.clone(), t.name.clone()))
            }
            Change::DropFunction(f) | Change::CreateFunction(f) => Some(ObjectId::Function(f.routine())),
            _ => None,
        })
        .collect();
    let graph = Graph::of(current);
    table_parts::rebuild(current, desired, &graph, &mut rebuilt, changes);
    let stands_on = |id: &ObjectId, rebuilt: &BTreeSet<ObjectId>| graph.recorded(id).any(|d| rebuilt.contains(d));
    // A view over a rebuilt view, or a function returning its rows, is rebuilt too, and so
    // is a view calling a rebuilt function: repeat until nothing more is pulled in.
    loop {
        let mut extra = Vec::new();
        for (name, v) in &current.views {
            let Some(new) = desired.views.get(name) else { continue };
            let id = view_id(v);
            if !handled.contains(&id) && stands_on(&id, &rebuilt) {
                extra.push(Change::DropView(v.clone()));
                extra.push(Change::CreateView(new.clone()));
                handled.insert(id.clone());
                rebuilt.insert(id);
            }
        }
        for (key, f) in &current.functions {
            let Some(new) = desired.functions.get(key) else { continue };
            let id = ObjectId::Function(f.routine());
            if !handled.contains(&id) && stands_on(&id, &rebuilt) {
                // Its replacement, privileges and comment come with the new definition.
                changes.retain(|c| match c {
                    Change::ReplaceFunction { to, .. } => to.routine() != f.routine(),
                    Change::Grants { target, .. } | Change::Comment { target, .. } | Change::Owner { target, .. } => {
                        target != &id
                    }
                    _ => true,
                });
                extra.push(Change::DropFunction(Box::new(f.clone())));
                extra.push(Change::CreateFunction(Box::new(new.clone())));
                handled.insert(id.clone());
                rebuilt.insert(id);
            }
        }
        if extra.is_empty() {
            break;
        }
        changes.extend(extra);
    }
    for (key, p) in &current.policies {
        let Some(new) = desired.policies.get(key) else { continue };
        let id = ObjectId::Policy(key.0.clone(), key.1.clone());
        if !handled.contains(&id) && stands_on(&id, &rebuilt) {
            changes.push(Change::DropPolicy(p.clone()));
            changes.push(Change::CreatePolicy(new.clone()));
        }
    }
    // A trigger is rebuilt for what it calls, not for its table: a change of the table's
    // columns leaves it in place.
    let on_table = |d: &ObjectId, table: &QualifiedName| match d {
        ObjectId::Table(t) | ObjectId::View { name: t, .. } => t == table,
        _ => false,
    };
    for (key, t) in &current.triggers {
        let Some(new) = desired.triggers.get(key) else { continue };
        let id = ObjectId::Trigger(key.0.clone(), key.1.clone());
        let calls_rebuilt = graph.depends_on(&id).any(|d| !on_table(d, &t.table) && rebuilt.contains(d));
        if !handled.contains(&id) && calls_rebuilt {
            changes.push(Change::DropTrigger(t.clone()));
            changes.push(Change::CreateTrigger(new.clone()));
        }
    }
}

type Owner = Option<(QualifiedName, String)>;

fn diff_sequences(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    let owner = |changes: &mut Vec<Change>, name: &QualifiedName, from: &Owner, to: &Owner| {
        if from != to {
            changes.push(Change::SequenceOwner { sequence: name.clone(), from: from.clone(), to: to.clone() });
        }
    };
    for (name, seq) in &desired.sequences {
        match current.sequences.get(name) {
            None => {
                changes.push(Change::CreateSequence(seq.clone()));
                owner(changes, name, &None, &seq.owned_by);
                let born = desired.default_privileges.effective(&name.schema, ObjectKind::Sequences);
                grants(changes, ObjectId::Sequence(name.clone()), &born, &seq.grants, true);
            }
            Some(old) => {
                if old.options != seq.options {
                    changes.push(Change::AlterSequence { from: old.clone(), to: seq.clone() });
                }
                grants(changes, ObjectId::Sequence(name.clone()), &old.grants, &seq.grants, false);
                owner(changes, name, &old.owned_by, &seq.owned_by);
                comment(changes, ObjectId::Sequence(name.clone()), &old.comment, &seq.comment);
            }
        }
    }
    for (name, seq) in &current.sequences {
        if !desired.sequences.contains_key(name) {
            // Released from its column first, so that dropping the table does not take it.
            owner(changes, name, &seq.owned_by, &None);
            changes.push(Change::DropSequence(seq.clone()));
        }
    }
}

/// Whether ALTER TYPE turns `from` into `to`: the attributes kept stay in their order, and
/// the new ones come after them (ADD ATTRIBUTE appends).
pub fn alters_in_place(from: &Composite, to: &Composite) -> bool {
    let kept = from.attributes.iter().filter(|a| to.attributes.iter().any(|b| b.name == a.name)).map(|a| &a.name);
    let kept_count = kept.clone().count();
    to.attributes.iter().take(kept_count).map(|a| &a.name).eq(kept)
}

fn diff_composites(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    for (name, c) in &desired.composites {
        match current.composites.get(name) {
            None => changes.push(Change::CreateComposite(c.clone())),
            Some(old) if old.attributes == c.attributes => {}
            // Both ways in place, as the rollback alters it back.
            Some(old) if alters_in_place(old, c) && alters_in_place(c, old) => {
                changes.push(Change::AlterComposite { from: old.clone(), to: c.clone() })
            }
            Some(old) => {
                changes.push(Change::DropComposite(old.clone()));
                changes.push(Change::CreateComposite(c.clone()));
                continue;
            }
        }
        if let Some(old) = current.composites.get(name) {
            comment(changes, ObjectId::Type(name.clone()), &old.comment, &c.comment);
        }
    }
    for (name, c) in &current.composites {
        if !desired.composites.contains_key(name) {
            changes.push(Change::DropComposite(c.clone()));
        }
    }
}

fn diff_domains(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    for (name, d) in &desired.domains {
        match current.domains.get(name) {
            None => changes.push(Change::CreateDomain(d.clone())),
            // ALTER DOMAIN changes the default, NOT NULL and checks, not the base type.
            Some(old) if old.base != d.base || old.collation != d.collation => {
                changes.push(Change::DropDomain(old.clone()));
                changes.push(Change::CreateDomain(d.clone()));
            }
            Some(old) => {
                let strip = |x: &Domain| Domain { comment: None, ..x.clone() };
                if strip(old) != strip(d) {
                    changes.push(Change::AlterDomain { from: old.clone(), to: d.clone() });
                }
                comment(changes, ObjectId::Domain(name.clone()), &old.comment, &d.comment);
            }
        }
    }
    for (name, d) in &current.domains {
        if !desired.domains.contains_key(name) {
            changes.push(Change::DropDomain(d.clone()));
        }
    }
}
