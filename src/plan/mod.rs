//! Changes → ordered steps, each with the statements that apply it and those that undo it.
//!
//! Order comes from two things. Each step has a phase (drops of what others use first,
//! then creates, then alters, keys, indexes, and the drops of columns and tables last),
//! which is the order whenever nothing else matters. And each step says which objects it
//! needs, creates, removes or stops needing; those facts become edges of a petgraph graph,
//! and the plan is its topological order with the phase (then the diff's sorted order)
//! choosing among the steps that are ready. A foreign-key cycle between new tables is
//! broken by adding those keys after all the tables exist.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostic::{Diagnostic, Origin, Result};
use crate::diff::Change;
use crate::model::deps::{self, Dep};
use crate::model::naming::choose_name;
use crate::model::{
    Column, Constraint, ConstraintKind, DefaultPrivileges, Expr, Index, ObjectId, QualifiedName, Schema, Table,
};
use crate::statement::{IdentityChange, Statement as Stmt};

mod cron;
mod objects;
mod online;
mod optioned;
mod partitions;
mod replication;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Rename,
    CreateExtension,
    CreateSchema,
    DefaultPrivileges,
    CreateType,
    DropTrigger,
    DropPolicy,
    DropView,
    DropForeignKey,
    DropKeyOrIndex,
    CreateTable,
    AddColumn,
    AlterColumn,
    AddKey,
    AddForeignKey,
    CreateIndex,
    CreateFunction,
    CreateView,
    RowSecurity,
    CreatePolicy,
    CreateTrigger,
    /// Before the grants: an owner change hands the old owner's privileges over, and those
    /// granted to the old owner afterwards must stay its own.
    Owner,
    Grant,
    Comment,
    DropFunction,
    DropColumn,
    DropTable,
    DropType,
    DropSchema,
    DropExtension,
    /// Last: a job's command may call any function of the plan.
    CronJob,
}

/// The file of `generate` a step goes to. Only creations of policies and triggers (and
/// of trigger functions) move to the later files: nothing in the schema file depends on
/// them, so the files applied in order are still a valid order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum File {
    Schema,
    Policies,
    Triggers,
}

/// Something a step can need, create or remove.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Object {
    Schema(String),
    Table(QualifiedName),
    /// A primary key or unique constraint on these columns: what a foreign key needs.
    Key(QualifiedName, Vec<String>),
    Constraint(QualifiedName, String),
    Index(String, String),
    Column(QualifiedName, String),
    Type(QualifiedName),
    /// A type or table that nothing stands on any more which would keep PostgreSQL from
    /// dropping the type or converting the table's columns: what an enum recreated
    /// (renamed aside, created again, its columns converted, the old one dropped; also by
    /// the rollback of an added value) needs of itself and of its columns' tables.
    /// Dropping a function provides it for the types of its signature, dropping a view or
    /// a policy for the relations it reads.
    Released(QualifiedName),
    /// Any function of this name (what a call in an expression or trigger needs).
    Function(QualifiedName),
    Signature(String),
    Extension(String),
    /// The final set of columns of a table: a view that says `t.*` must be created after
    /// every column change of `t`, since `*` is expanded when the view is created.
    Shape(QualifiedName),
    Publication(String),
    /// The bounds of a partitioned table's partitions: a partition dropped (removes) comes
    /// before one created or given another bound (provides), which may take its rows.
    Partitions(QualifiedName),
}

#[derive(Debug, Clone)]
pub struct Step {
    pub phase: Phase,
    pub file: File,
    /// One line for summaries: `+ table public.users`.
    pub summary: String,
    pub up: Vec<Stmt>,
    /// Statements of the migration that run after its transaction, outside any (`--online`).
    pub after: Vec<Stmt>,
    pub down: Vec<Stmt>,
    requires: Vec<Object>,
    provides: Vec<Object>,
    removes: Vec<Object>,
    releases: Vec<Object>,
}

impl Step {
    fn new(phase: Phase, summary: String, up: Vec<Stmt>, down: Vec<Stmt>) -> Self {
        Step {
            phase,
            file: File::Schema,
            summary,
            up,
            after: vec![],
            down,
            requires: vec![],
            provides: vec![],
            removes: vec![],
            releases: vec![],
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Whether some statements run after the transaction (`--online`).
    pub fn has_after(&self) -> bool {
        self.steps.iter().any(|s| !s.after.is_empty())
    }

    /// The output files that have at least one statement, in apply order.
    pub fn files(&self) -> Vec<File> {
        let mut files: Vec<File> = self.steps.iter().filter(|s| !s.up.is_empty()).map(|s| s.file).collect();
        files.sort();
        files.dedup();
        files
    }
}

/// How a plan is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Online-safe statements for tables that have rows (see `online`).
    pub online: bool,
}

/// The plan of `changes` towards `desired`. Its default privileges are what the objects the
/// plan creates start with, in both directions, as the changes of default privileges come
/// first and are undone last; where its objects are declared locates a cycle.
pub fn plan(changes: &[Change], desired: &Schema) -> Result<Plan> {
    plan_with(changes, desired, Options::default())
}

pub fn plan_with(changes: &[Change], desired: &Schema, options: Options) -> Result<Plan> {
    let deferred = cyclic_foreign_keys(changes);
    let dropped: BTreeSet<ObjectId> =
        changes.iter().filter_map(routine_or_rule).filter(|(_, created)| !created).map(|(id, _)| id).collect();
    let mut steps = Vec::new();
    for change in changes {
        let mut these = steps_for(change, &deferred, &desired.default_privileges);
        if options.online {
            online::adapt(change, &mut these, desired);
        }
        // Created again after a drop: in the drop's file, so that no database is ever left
        // between two files without it (RLS on and the policy gone).
        if routine_or_rule(change).is_some_and(|(id, created)| created && dropped.contains(&id)) {
            these.iter_mut().for_each(|s| s.file = File::Schema);
        }
        steps.extend(these);
    }
    order(steps, &desired.hints.origins)
}

/// The policy, trigger or function a change creates (true) or drops (false).
fn routine_or_rule(change: &Change) -> Option<(ObjectId, bool)> {
    match change {
        Change::ForRollback(inner) => routine_or_rule(inner),
        Change::CreatePolicy(p) | Change::DropPolicy(p) => {
            Some((ObjectId::Policy(p.table.clone(), p.name.clone()), matches!(change, Change::CreatePolicy(_))))
        }
        Change::CreateTrigger(t) | Change::DropTrigger(t) => {
            Some((ObjectId::Trigger(t.table.clone(), t.name.clone()), matches!(change, Change::CreateTrigger(_))))
        }
        Change::CreateFunction(f) | Change::DropFunction(f) => {
            Some((ObjectId::Function(f.routine()), matches!(change, Change::CreateFunction(_))))
        }
        _ => None,
    }
}

/// Foreign keys between new tables that reference each other in a cycle: these cannot be
/// written inside CREATE TABLE, so they are added once all the tables exist.
fn cyclic_foreign_keys(changes: &[Change]) -> Vec<(QualifiedName, String)> {
    let created: Vec<&Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(t) => Some(t),
            _ => None,
        })
        .collect();
    let mut graph = DiGraph::<usize, ()>::new();
    let nodes: HashMap<&QualifiedName, NodeIndex> =
        created.iter().enumerate().map(|(i, t)| (&t.name, graph.add_node(i))).collect();
    for t in &created {
        for fk in t.constraints.iter().filter_map(fk_of) {
            if let Some(&target) = nodes.get(&fk.ref_table)
                && fk.ref_table != t.name
            {
                graph.add_edge(nodes[&t.name], target, ());
            }
        }
    }
    let mut deferred = Vec::new();
    for scc in tarjan_scc(&graph).into_iter().filter(|s| s.len() > 1) {
        let members: Vec<&QualifiedName> = scc.iter().map(|n| &created[graph[*n]].name).collect();
        for n in &scc {
            let t = created[graph[*n]];
            for c in &t.constraints {
                if let ConstraintKind::ForeignKey(fk) = &c.kind
                    && fk.ref_table != t.name
                    && members.contains(&&fk.ref_table)
                {
                    deferred.push((t.name.clone(), c.name.clone()));
                }
            }
        }
    }
    deferred
}

fn fk_of(c: &Constraint) -> Option<&crate::model::ForeignKey> {
    match &c.kind {
        ConstraintKind::ForeignKey(fk) => Some(fk),
        _ => None,
    }
}

/// CREATE TABLE with its constraints (foreign keys where `with_foreign_keys` says), its
/// indexes and comments. A NOT VALID constraint comes after it, in ALTER TABLE: CREATE
/// TABLE would make it valid.
fn create_table_stmts(table: &Table, with_foreign_keys: impl Fn(&Constraint) -> bool) -> Vec<Stmt> {
    let constraints: Vec<&Constraint> =
        table.constraints.iter().filter(|c| !c.kind.is_foreign_key() || with_foreign_keys(c)).collect();
    let (later, constraints): (Vec<&Constraint>, Vec<&Constraint>) = constraints.into_iter().partition(|c| c.not_valid);
    let mut out = vec![Stmt::CreateTable {
        table: table.clone(),
        constraints: constraints.iter().map(|c| (*c).clone()).collect(),
    }];
    for constraint in &later {
        out.push(add_constraint(&table.name, constraint));
    }
    for index in &table.indexes {
        out.push(create_index(&table.name, index, false));
    }
    let name = &table.name;
    if let Some(text) = &table.comment {
        out.push(comment_stmt(&ObjectId::Table(name.clone()), &Some(text.clone())));
    }
    for c in table.columns.iter().filter(|c| c.comment.is_some()) {
        out.push(comment_stmt(&ObjectId::Column(name.clone(), c.name.clone()), &c.comment));
    }
    for c in constraints.iter().chain(&later).filter(|c| c.comment.is_some()) {
        out.push(comment_stmt(&ObjectId::Constraint(name.clone(), c.name.clone()), &c.comment));
    }
    for i in table.indexes.iter().filter(|i| i.comment.is_some()) {
        out.push(comment_stmt(&ObjectId::Index(name.clone(), i.name.clone()), &i.comment));
    }
    out
}

pub(crate) fn comment_stmt(target: &ObjectId, text: &Option<String>) -> Stmt {
    Stmt::Comment { on: target.clone(), text: text.clone() }
}

fn add_constraint(table: &QualifiedName, constraint: &Constraint) -> Stmt {
    Stmt::AddConstraint { table: table.clone(), constraint: constraint.clone(), not_valid: false }
}

fn drop_constraint(table: &QualifiedName, constraint: &Constraint) -> Stmt {
    Stmt::DropConstraint { table: table.clone(), name: constraint.name.clone() }
}

fn create_index(table: &QualifiedName, index: &Index, concurrently: bool) -> Stmt {
    Stmt::CreateIndex { table: table.clone(), index: index.clone(), concurrently }
}

/// The plan's keys for dependencies (`model::deps`): a relation is needed as a table (a
/// view provides one too), and a foreign key needs its table and the key it references.
fn needs(deps: Vec<Dep>) -> Vec<Object> {
    let mut out = Vec::new();
    for d in deps {
        match d {
            Dep::On(t) | Dep::Relation(t) => out.push(Object::Table(t)),
            Dep::Function(f) => out.push(Object::Function(f)),
            // A type or a row type: a table's or a view's is provided as the relation.
            Dep::Type(t) => {
                out.push(Object::Table(t.clone()));
                out.push(Object::Type(t));
            }
            Dep::Column(t, c) => out.push(Object::Column(t, c)),
            Dep::Key(t, columns) => {
                out.push(Object::Table(t.clone()));
                if !columns.is_empty() {
                    out.push(Object::Key(t, columns));
                }
            }
        }
    }
    out
}

fn column_needs(table: &QualifiedName, column: &Column) -> Vec<Object> {
    needs(deps::column(table, column))
}

fn index_needs(table: &QualifiedName, index: &Index) -> Vec<Object> {
    needs(deps::index(table, index))
}

fn constraint_needs(table: &QualifiedName, c: &Constraint) -> Vec<Object> {
    needs(deps::constraint(table, c))
}

fn key_objects(table: &QualifiedName, c: &Constraint) -> Vec<Object> {
    let mut out = vec![Object::Constraint(table.clone(), c.name.clone())];
    if c.kind.has_index() {
        out.push(Object::Key(table.clone(), c.kind.columns().to_vec()));
    }
    if c.kind.owns_index() {
        out.push(Object::Index(table.schema.clone(), c.name.clone()));
    }
    out
}

/// What a foreign key needs of the table it references; any other constraint, nothing.
fn fk_targets(c: &Constraint) -> Vec<Object> {
    fk_of(c).map(|fk| needs(vec![deps::foreign_key(fk)])).unwrap_or_default()
}

fn constraint_steps(table: &QualifiedName, constraint: &Constraint) -> (Stmt, Stmt) {
    (add_constraint(table, constraint), drop_constraint(table, constraint))
}

/// A step that the migration leaves out and its rollback runs: ordered as any other, so
/// that the rollback runs its `down` where it belongs.
fn for_rollback(mut step: Step) -> Step {
    step.up.clear();
    step.after.clear();
    step.summary = format!("{} (in the rollback only)", step.summary);
    step
}

fn steps_for(change: &Change, deferred: &[(QualifiedName, String)], defaults: &DefaultPrivileges) -> Vec<Step> {
    if let Change::ForRollback(inner) = change {
        return steps_for(inner, deferred, defaults).into_iter().map(for_rollback).collect();
    }
    if let Some(steps) = objects::steps_for(change, defaults)
        .or_else(|| replication::steps_for(change))
        .or_else(|| partitions::steps_for(change))
        .or_else(|| cron::steps_for(change))
    {
        return steps;
    }
    match change {
        Change::CreateSchema(schema) => {
            let mut s = Step::new(
                Phase::CreateSchema,
                format!("+ schema {schema}"),
                vec![Stmt::CreateSchema(schema.clone())],
                vec![Stmt::DropSchema(schema.clone())],
            );
            s.provides.push(Object::Schema(schema.clone()));
            vec![s]
        }
        Change::DropSchema(schema) => {
            let mut s = Step::new(
                Phase::DropSchema,
                format!("- schema {schema}"),
                vec![Stmt::DropSchema(schema.clone())],
                vec![Stmt::CreateSchema(schema.clone())],
            );
            s.removes.push(Object::Schema(schema.clone()));
            vec![s]
        }
        Change::CreateTable(table) => {
            let is_deferred = |c: &Constraint| deferred.contains(&(table.name.clone(), c.name.clone()));
            let mut create = Step::new(
                Phase::CreateTable,
                format!("+ table {}", table.name),
                create_table_stmts(table, |c| !is_deferred(c)),
                vec![Stmt::DropTable(table.name.clone())],
            );
            create.requires.push(Object::Schema(table.name.schema.clone()));
            // Its own columns are there with it.
            let own = |o: &Object| match o {
                Object::Table(t) | Object::Column(t, _) => t != &table.name,
                _ => true,
            };
            create.requires.extend(table.columns.iter().flat_map(|c| column_needs(&table.name, c)).filter(own));
            create.requires.extend(
                table
                    .constraints
                    .iter()
                    .filter(|c| !c.kind.is_foreign_key())
                    .flat_map(|c| constraint_needs(&table.name, c))
                    .filter(own),
            );
            create.provides.push(Object::Table(table.name.clone()));
            // The sequences of its serial and identity columns, which another table's
            // `nextval` default may draw from (LIKE … INCLUDING DEFAULTS copies one).
            create.provides.extend(table.columns.iter().filter_map(|c| c.own_sequence(&table.name)).map(Object::Table));
            if let Some(of) = &table.partition_of {
                create.requires.push(Object::Table(of.parent.clone()));
                create.provides.push(Object::Partitions(of.parent.clone()));
            }
            create.requires.extend(table.inherits.iter().cloned().map(Object::Table));
            let mut steps = Vec::new();
            for c in &table.constraints {
                if c.kind.is_foreign_key() && is_deferred(c) {
                    let (up, down) = constraint_steps(&table.name, c);
                    let mut s = Step::new(
                        Phase::AddForeignKey,
                        format!("+ constraint {} on {}", c.name, table.name),
                        vec![up],
                        vec![down],
                    );
                    s.requires.push(Object::Table(table.name.clone()));
                    s.requires.extend(fk_targets(c));
                    s.provides.extend(key_objects(&table.name, c));
                    steps.push(s);
                } else {
                    create.requires.extend(fk_targets(c).into_iter().filter(|o| {
                        o != &Object::Table(table.name.clone()) && !matches!(o, Object::Key(t, _) if t == &table.name)
                    }));
                    create.provides.extend(key_objects(&table.name, c));
                }
            }
            for i in &table.indexes {
                create.provides.push(Object::Index(table.name.schema.clone(), i.name.clone()));
                create.requires.extend(index_needs(&table.name, i).into_iter().filter(own));
            }
            steps.insert(0, create);
            steps
        }
        Change::DropTable(table) => {
            // Its foreign keys go first as steps of their own, so that tables that
            // reference each other can be dropped, and restored, in any order.
            let mut steps = Vec::new();
            let mut drop = Step::new(
                Phase::DropTable,
                format!("- table {}", table.name),
                vec![Stmt::DropTable(table.name.clone())],
                std::iter::once(lost_data_note(&format!("table {} comes back empty", table.name)))
                    .chain(create_table_stmts(table, |_| false))
                    .chain(objects::table_extras(table, defaults))
                    .chain(replication::table_extras(table))
                    .collect(),
            );
            drop.requires.push(Object::Schema(table.name.schema.clone()));
            // What its defaults, checks and indexes use goes after it (a function dropped).
            let used = table.columns.iter().flat_map(|c| column_needs(&table.name, c));
            let used = used.chain(
                table
                    .constraints
                    .iter()
                    .filter(|c| !c.kind.is_foreign_key())
                    .flat_map(|c| constraint_needs(&table.name, c)),
            );
            let used = used.chain(table.indexes.iter().flat_map(|i| index_needs(&table.name, i)));
            drop.releases
                .extend(used.filter(|o| !matches!(o, Object::Table(t) | Object::Column(t, _) if t == &table.name)));
            drop.removes.push(Object::Table(table.name.clone()));
            // Before its parent, which would take it along; released, not required, so that
            // a parent dropped and created again does not come between.
            if let Some(of) = &table.partition_of {
                drop.releases.push(Object::Table(of.parent.clone()));
                drop.removes.push(Object::Partitions(of.parent.clone()));
            }
            drop.releases.extend(table.inherits.iter().cloned().map(Object::Table));
            for c in &table.constraints {
                if c.kind.is_foreign_key() {
                    let (up, down) = constraint_steps(&table.name, c);
                    let mut s = Step::new(
                        Phase::DropForeignKey,
                        format!("- constraint {} on {}", c.name, table.name),
                        vec![down],
                        vec![up],
                    );
                    s.requires.push(Object::Table(table.name.clone()));
                    s.releases.extend(fk_targets(c));
                    s.removes.push(Object::Constraint(table.name.clone(), c.name.clone()));
                    steps.push(s);
                } else {
                    drop.removes.extend(key_objects(&table.name, c));
                }
            }
            for i in &table.indexes {
                drop.removes.push(Object::Index(table.name.schema.clone(), i.name.clone()));
            }
            steps.push(drop);
            steps
        }
        Change::AddColumn { table, column, backfill } => {
            let mut s = Step::new(
                Phase::AddColumn,
                format!("+ column {table}.{}", column.name),
                match backfill {
                    Some(expr) => backfill_stmts(table, column, expr),
                    None => add_column_stmts(table, column),
                },
                vec![Stmt::DropColumn { table: table.clone(), column: column.name.clone() }],
            );
            s.requires.push(Object::Table(table.clone()));
            s.requires.extend(column_needs(table, column));
            s.provides.push(Object::Column(table.clone(), column.name.clone()));
            s.provides.push(Object::Shape(table.clone()));
            s.provides.extend(column.own_sequence(table).map(Object::Table));
            vec![s]
        }
        Change::DropColumn { table, column } => {
            let mut s = Step::new(
                Phase::DropColumn,
                format!("- column {table}.{}", column.name),
                vec![Stmt::DropColumn { table: table.clone(), column: column.name.clone() }],
                // A generated column is computed again; any other comes back empty.
                column
                    .generated
                    .is_none()
                    .then(|| lost_data_note(&format!("column {table}.{} comes back empty", column.name)))
                    .into_iter()
                    .chain(add_column_stmts(table, column))
                    .collect(),
            );
            s.requires.push(Object::Table(table.clone()));
            s.releases.extend(column_needs(table, column));
            s.removes.push(Object::Column(table.clone(), column.name.clone()));
            s.provides.push(Object::Shape(table.clone()));
            vec![s]
        }
        Change::AlterColumn { table, from, to, using } => {
            let mut s = Step::new(
                Phase::AlterColumn,
                format!("~ column {table}.{}: {}", to.name, describe_column_change(from, to)),
                alter_column(table, from, to, using.as_ref()),
                alter_column(table, to, from, None),
            );
            s.requires.push(Object::Table(table.clone()));
            s.requires.extend(column_needs(table, to));
            s.releases.extend(column_needs(table, from));
            s.provides.push(Object::Shape(table.clone()));
            // What reads a column whose type changes lets go of it before and takes it after.
            // A view that is dropped reads it by `Shape`, not by column, and may itself wait
            // for a function over its rows: the table must be released by every drop.
            if from.data_type.without_serial() != to.data_type.without_serial() || from.collation != to.collation {
                s.removes.push(Object::Column(table.clone(), to.name.clone()));
                s.provides.push(Object::Column(table.clone(), to.name.clone()));
                s.requires.push(Object::Released(table.clone()));
            }
            vec![s]
        }
        Change::AddConstraint { table, constraint } => {
            let (up, down) = constraint_steps(table, constraint);
            let phase = if constraint.kind.is_foreign_key() { Phase::AddForeignKey } else { Phase::AddKey };
            let mut s = Step::new(phase, format!("+ constraint {} on {table}", constraint.name), vec![up], vec![down]);
            if let Some(text) = &constraint.comment {
                s.up.push(comment_stmt(
                    &ObjectId::Constraint(table.clone(), constraint.name.clone()),
                    &Some(text.clone()),
                ));
            }
            s.requires.push(Object::Table(table.clone()));
            s.requires.extend(constraint_needs(table, constraint));
            s.provides.extend(key_objects(table, constraint));
            vec![s]
        }
        Change::DropConstraint { table, constraint } => {
            let (add, drop) = constraint_steps(table, constraint);
            let phase = if constraint.kind.is_foreign_key() { Phase::DropForeignKey } else { Phase::DropKeyOrIndex };
            let mut down = vec![add];
            if let Some(text) = &constraint.comment {
                down.push(comment_stmt(
                    &ObjectId::Constraint(table.clone(), constraint.name.clone()),
                    &Some(text.clone()),
                ));
            }
            let mut s = Step::new(phase, format!("- constraint {} on {table}", constraint.name), vec![drop], down);
            s.requires.push(Object::Table(table.clone()));
            s.releases.extend(constraint_needs(table, constraint));
            // An expression keeps its constants typed: a type converted under it waits.
            if matches!(constraint.kind, ConstraintKind::Check { .. } | ConstraintKind::Exclude(_)) {
                s.provides.push(Object::Released(table.clone()));
            }
            s.removes.extend(key_objects(table, constraint));
            vec![s]
        }
        Change::ValidateConstraint { table, constraint } => {
            // There is no un-validating: the rollback puts the NOT VALID constraint back.
            let name = &constraint.name;
            let before = Constraint { not_valid: true, ..constraint.clone() };
            let (add, drop) = constraint_steps(table, &before);
            let phase = if constraint.kind.is_foreign_key() { Phase::AddForeignKey } else { Phase::AddKey };
            let up = vec![Stmt::ValidateConstraint { table: table.clone(), name: name.clone() }];
            let mut s = Step::new(phase, format!("~ validate constraint {name} on {table}"), up, vec![drop, add]);
            s.requires.push(Object::Table(table.clone()));
            s.requires.extend(constraint_needs(table, constraint));
            vec![s]
        }
        Change::CreateIndex { table, index } => {
            let (create, drop) = index_stmts(table, index);
            let mut s = Step::new(Phase::CreateIndex, format!("+ index {} on {table}", index.name), create, vec![drop]);
            s.requires.push(Object::Table(table.clone()));
            s.requires.extend(index_needs(table, index));
            s.provides.push(Object::Index(table.schema.clone(), index.name.clone()));
            vec![s]
        }
        Change::DropIndex { table, index } => {
            let (create, drop) = index_stmts(table, index);
            let mut s =
                Step::new(Phase::DropKeyOrIndex, format!("- index {} on {table}", index.name), vec![drop], create);
            s.requires.push(Object::Table(table.clone()));
            s.releases.extend(index_needs(table, index));
            if index.predicate.is_some() || index.keys.iter().any(|k| k.expr.is_some()) {
                s.provides.push(Object::Released(table.clone()));
            }
            s.removes.push(Object::Index(table.schema.clone(), index.name.clone()));
            vec![s]
        }
        Change::Comment { target, from, to } => {
            // Only objects that exist on both sides get a comment change of their own, but
            // schemas (whose comment is a setting of the project, not of CREATE SCHEMA).
            let mut s = Step::new(
                Phase::Comment,
                format!("~ comment on {target}"),
                vec![comment_stmt(target, to)],
                vec![comment_stmt(target, from)],
            );
            if let ObjectId::Schema(name) = target {
                s.requires.push(Object::Schema(name.clone()));
            }
            vec![s]
        }
        _ => unreachable!("objects::steps_for plans every other change"),
    }
}

fn add_column_stmts(table: &QualifiedName, column: &Column) -> Vec<Stmt> {
    let mut out = vec![Stmt::AddColumn { table: table.clone(), column: column.clone() }];
    if column.comment.is_some() {
        out.push(comment_stmt(&ObjectId::Column(table.clone(), column.name.clone()), &column.comment));
    }
    out
}

/// A comment in the rollback where it cannot bring back what the migration dropped.
fn lost_data_note(what: &str) -> Stmt {
    Stmt::Note(format!("cannot restore data: {what}; restore the values from a backup"))
}

/// A NOT NULL column on a table that has rows: added nullable, filled by `expr`, then
/// made NOT NULL, so that no row is ever without a value.
fn backfill_stmts(table: &QualifiedName, column: &Column, expr: &Expr) -> Vec<Stmt> {
    let nullable = Column { not_null: false, ..column.clone() };
    let mut out = add_column_stmts(table, &nullable);
    out.push(backfill_update(table, &column.name, expr));
    if column.not_null {
        out.push(not_null_stmt(table, &column.name, true));
    }
    out
}

fn backfill_update(table: &QualifiedName, column: &str, expr: &Expr) -> Stmt {
    Stmt::Backfill { table: table.clone(), column: column.to_string(), expr: expr.clone() }
}

fn index_stmts(table: &QualifiedName, index: &Index) -> (Vec<Stmt>, Stmt) {
    let mut create = vec![create_index(table, index, false)];
    if index.comment.is_some() {
        create.push(comment_stmt(&ObjectId::Index(table.clone(), index.name.clone()), &index.comment));
    }
    (create, Stmt::DropIndex(QualifiedName::new(table.schema.clone(), index.name.clone())))
}

fn describe_column_change(from: &Column, to: &Column) -> String {
    let mut parts = Vec::new();
    if from.data_type != to.data_type || from.collation != to.collation {
        let collate = |c: &Option<String>| c.as_ref().map(|c| format!(" collate {c}")).unwrap_or_default();
        parts.push(format!(
            "type {}{} → {}{}",
            from.data_type,
            collate(&from.collation),
            to.data_type,
            collate(&to.collation)
        ));
    }
    if from.default != to.default {
        parts.push("default".to_string());
    }
    if from.not_null != to.not_null {
        parts.push(if to.not_null { "set not null" } else { "drop not null" }.to_string());
    }
    if from.identity != to.identity || from.identity_options != to.identity_options {
        parts.push("identity".to_string());
    }
    parts.join(", ")
}

/// The statements that turn column `from` into `to`. Called with the two swapped, it
/// gives the reverse, so the rollback is exact by construction.
fn alter_column(table: &QualifiedName, from: &Column, to: &Column, using: Option<&Expr>) -> Vec<Stmt> {
    let column = &from.name;
    let mut out = Vec::new();
    // A serial is its integer type and a sequence it owns, drawn by its default.
    let (from_type, to_type) = (from.data_type.without_serial(), to.data_type.without_serial());
    let type_changes = from_type != to_type || from.collation != to.collation;
    let serial_sequence =
        || QualifiedName::new(table.schema.clone(), choose_name(&table.name, Some(column), "seq", |_| false));
    let renumber = || Stmt::SyncSequence { table: table.clone(), column: column.clone() };
    // A default that cannot be cast to the new type blocks ALTER TYPE: drop it first and
    // set the wanted one after. Identity and default exclude each other, so the old one of
    // either goes before the new one of the other arrives.
    let identity_added = from.identity.is_none() && to.identity.is_some();
    let drop_default = from.default.is_some() && (type_changes || identity_added || to.default.is_none());
    let default = |default: Option<Expr>| Stmt::ColumnDefault { table: table.clone(), column: column.clone(), default };
    let identity = |change| Stmt::ColumnIdentity { table: table.clone(), column: column.clone(), change };
    if drop_default {
        out.push(default(None));
    }
    if from.data_type.is_serial() && !to.data_type.is_serial() {
        out.push(default(None));
        out.push(Stmt::DropSequence(serial_sequence()));
    }
    if from.identity.is_some() && to.identity.is_none() {
        out.push(identity(IdentityChange::Drop));
    }
    if type_changes {
        out.push(Stmt::ColumnType {
            table: table.clone(),
            column: column.clone(),
            data_type: to_type.clone(),
            collation: to.collation.clone(),
            using: using.cloned(),
            cast: !from_type.casts_implicitly_to(&to_type),
        });
    }
    if to.not_null && !from.not_null {
        out.push(not_null_stmt(table, column, true));
    }
    // A sequence that starts where the rows have values goes on after them.
    if to.data_type.is_serial() && !from.data_type.is_serial() {
        let (sequence, data_type) = (serial_sequence(), to_type.clone());
        out.push(Stmt::SerialSequence { table: table.clone(), column: column.clone(), sequence, data_type });
        out.push(renumber());
    }
    match (from.identity, to.identity) {
        (None, Some(i)) => out.extend([identity(IdentityChange::Add(i, to.identity_options.clone())), renumber()]),
        (Some(a), Some(b)) => {
            if a != b {
                out.push(identity(IdentityChange::Set(b)));
            }
            if from.identity_options != to.identity_options {
                let clauses = crate::model::identity::set_clauses(&from.identity_options, &to.identity_options);
                out.push(identity(IdentityChange::Options(clauses)));
            }
        }
        _ => {}
    }
    if to.default.is_some() && (drop_default || from.default != to.default) {
        out.push(default(to.default.clone()));
    }
    if from.not_null && !to.not_null {
        out.push(not_null_stmt(table, column, false));
    }
    out
}

fn not_null_stmt(table: &QualifiedName, column: &str, not_null: bool) -> Stmt {
    Stmt::ColumnNotNull { table: table.clone(), column: column.to_string(), not_null }
}

/// Where the object a step provides is declared, if the YAML says.
fn declared_at<'a>(object: &Object, origins: &'a BTreeMap<ObjectId, Origin>) -> Option<&'a Origin> {
    let view = |t: &QualifiedName, materialized| ObjectId::View { name: t.clone(), materialized };
    let candidates = match object {
        Object::Table(t) | Object::Shape(t) | Object::Key(t, _) => {
            vec![ObjectId::Table(t.clone()), view(t, false), view(t, true)]
        }
        Object::Column(t, c) => vec![ObjectId::Column(t.clone(), c.clone()), ObjectId::Table(t.clone())],
        Object::Constraint(t, c) => vec![ObjectId::Constraint(t.clone(), c.clone()), ObjectId::Table(t.clone())],
        // Any function of the name: the step needs one, whatever its arguments.
        Object::Function(f) => {
            return origins.iter().find_map(|(o, origin)| match o {
                ObjectId::Function(r) if &r.name == f => Some(origin),
                _ => None,
            });
        }
        Object::Type(t) => vec![ObjectId::Type(t.clone())],
        Object::Schema(s) => vec![ObjectId::Schema(s.clone())],
        Object::Extension(e) => vec![ObjectId::Extension(e.clone())],
        Object::Index(..)
        | Object::Signature(_)
        | Object::Released(_)
        | Object::Publication(_)
        | Object::Partitions(_) => vec![],
    };
    candidates.iter().find_map(|c| origins.get(c))
}

/// Topological order of the steps' dependencies; the lowest phase first among ready steps.
fn order(steps: Vec<Step>, origins: &BTreeMap<ObjectId, Origin>) -> Result<Plan> {
    let mut graph = DiGraph::<usize, ()>::with_capacity(steps.len(), steps.len());
    let nodes: Vec<NodeIndex> = (0..steps.len()).map(|i| graph.add_node(i)).collect();
    let mut providers: HashMap<&Object, Vec<usize>> = HashMap::new();
    let mut removers: HashMap<&Object, Vec<usize>> = HashMap::new();
    for (i, s) in steps.iter().enumerate() {
        for o in &s.provides {
            providers.entry(o).or_default().push(i);
        }
        for o in &s.removes {
            removers.entry(o).or_default().push(i);
        }
    }
    for (i, s) in steps.iter().enumerate() {
        for o in &s.requires {
            for &p in providers.get(o).into_iter().flatten().filter(|&&p| p != i) {
                graph.add_edge(nodes[p], nodes[i], ());
            }
            if !providers.contains_key(o) {
                for &r in removers.get(o).into_iter().flatten().filter(|&&r| r != i) {
                    graph.add_edge(nodes[i], nodes[r], ());
                }
            }
        }
        // What a step still requires, it does not release (an ALTER POLICY that keeps a column).
        for o in s.releases.iter().filter(|o| !s.requires.contains(o)) {
            for &r in removers.get(o).into_iter().flatten().filter(|&&r| r != i) {
                graph.add_edge(nodes[i], nodes[r], ());
            }
        }
        // An object removed and created again (a changed key) is removed first.
        for o in &s.provides {
            for &r in removers.get(o).into_iter().flatten().filter(|&&r| r != i) {
                graph.add_edge(nodes[r], nodes[i], ());
            }
        }
    }
    let mut indegree: Vec<usize> =
        nodes.iter().map(|&n| graph.neighbors_directed(n, petgraph::Direction::Incoming).count()).collect();
    let mut ready: BinaryHeap<Reverse<(Phase, usize)>> =
        (0..steps.len()).filter(|&i| indegree[i] == 0).map(|i| Reverse((steps[i].phase, i))).collect();
    let mut order = Vec::with_capacity(steps.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        order.push(i);
        for next in graph.neighbors_directed(nodes[i], petgraph::Direction::Outgoing) {
            let j = graph[next];
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(Reverse((steps[j].phase, j)));
            }
        }
    }
    if order.len() < steps.len() {
        let members: Vec<&Step> = tarjan_scc(&graph)
            .into_iter()
            .find(|scc| scc.len() > 1)
            .unwrap_or_default()
            .into_iter()
            .map(|n| &steps[graph[n]])
            .collect();
        let declared = |s: &Step| s.provides.iter().find_map(|o| declared_at(o, origins));
        let cycle: Vec<String> = members
            .iter()
            .map(|s| match declared(s) {
                Some(origin) => format!("{} (declared at {origin})", s.summary),
                None => s.summary.clone(),
            })
            .collect();
        let mut d = Diagnostic::new(format!("the changes depend on each other in a cycle: {}", cycle.join(" → ")))
            .hint(
                "break the cycle in the YAML (a function written in plpgsql needs nothing when it is created, \
                 as its body is checked only when it runs), or split the change in two migrations",
            );
        if let Some(origin) = members.iter().find_map(|s| declared(s)) {
            let text = std::fs::read_to_string(&origin.file).ok();
            d = d.at(origin.clone(), text.as_deref());
        }
        return Err(d.into());
    }
    // A step that something in an earlier file depends on moves to that file, so that the
    // files applied one after the other are still in dependency order.
    let mut steps = steps;
    for &i in order.iter().rev() {
        let earliest =
            graph.neighbors_directed(nodes[i], petgraph::Direction::Outgoing).map(|n| steps[graph[n]].file).min();
        if let Some(f) = earliest
            && f < steps[i].file
        {
            steps[i].file = f;
        }
    }
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    Ok(Plan { steps: order.into_iter().map(|i| slots[i].take().expect("each step once")).collect() })
}
