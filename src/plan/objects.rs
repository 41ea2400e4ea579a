//! Steps for everything around tables: extensions, enums, row-level security, policies,
//! functions, triggers, views and privileges.

use std::collections::BTreeSet;

use crate::diff::Change;
use crate::model::deps::{self, Dep};
use crate::model::privileges::{
    COLUMN_PRIVILEGES, FUNCTION_PRIVILEGES, SCHEMA_PRIVILEGES, SEQUENCE_PRIVILEGES, Scope, TABLE_PRIVILEGES,
};
use crate::model::{
    Composite, DefaultPrivileges, Domain, Enum, Firing, Function, Grants, ObjectId, ObjectKind, Policy, QualifiedName,
    Sequence, Table, Trigger, View,
};
use crate::source::yaml::PLATFORM_EXTENSIONS;
use crate::statement::{
    AttributeAction, DomainAction, Grant, GrantOn, Rename, RenameKind, SequenceOption, Statement as Stmt,
};

use super::{File, Object, Phase, Step, comment_stmt, needs};

/// The steps of a change that is not about a table's own structure, or None.
pub(super) fn steps_for(change: &Change, defaults: &DefaultPrivileges) -> Option<Vec<Step>> {
    let step = match change {
        Change::Rename { object, from } => rename_step(object, from),
        Change::MoveTable { from, to, sequences, sequence_grants } => move_step(from, to, sequences, sequence_grants),
        Change::RenameSequence { table, from, to } => {
            let rename =
                Rename { kind: RenameKind::Sequence, table: table.clone(), from: from.clone(), to: to.clone() };
            let mut s = Step::new(
                Phase::Rename,
                format!("~ rename sequence {}.{to} (was {from})", table.schema),
                vec![Stmt::Rename(rename.clone())],
                vec![Stmt::Rename(rename.reversed())],
            );
            // Named in the table's schema as it will be: after a move, and before the move back.
            s.requires.push(Object::Table(table.clone()));
            s
        }
        Change::CreateExtension(extension) => {
            let down = if PLATFORM_EXTENSIONS.contains(&extension.name.as_str()) {
                Stmt::Note(format!("extension {} is the platform's: left installed", extension.name))
            } else {
                Stmt::DropExtension(extension.name.clone())
            };
            let mut s = Step::new(
                Phase::CreateExtension,
                format!("+ extension {}", extension.name),
                vec![Stmt::CreateExtension(extension.clone())],
                vec![down],
            );
            s.requires.extend(extension.schema.iter().map(|schema| Object::Schema(schema.clone())));
            s.provides.push(Object::Extension(extension.name.clone()));
            s
        }
        Change::DropExtension(extension) => {
            let mut s = Step::new(
                Phase::DropExtension,
                format!("- extension {}", extension.name),
                vec![Stmt::DropExtension(extension.name.clone())],
                vec![Stmt::CreateExtension(extension.clone())],
            );
            s.releases.extend(extension.schema.iter().map(|schema| Object::Schema(schema.clone())));
            s.removes.push(Object::Extension(extension.name.clone()));
            s
        }
        Change::CreateEnum(e) => {
            let mut up = vec![Stmt::CreateEnum(e.clone())];
            if e.comment.is_some() {
                up.push(comment_stmt(&ObjectId::Type(e.name.clone()), &e.comment));
            }
            up.extend(owner_stmt(ObjectId::Type(e.name.clone()), &e.owner));
            let mut s =
                Step::new(Phase::CreateType, format!("+ type {}", e.name), up, vec![Stmt::DropEnum(e.name.clone())]);
            s.requires.push(Object::Schema(e.name.schema.clone()));
            s.provides.push(Object::Type(e.name.clone()));
            s
        }
        Change::DropEnum(e) => {
            let mut down = vec![Stmt::CreateEnum(e.clone())];
            if e.comment.is_some() {
                down.push(comment_stmt(&ObjectId::Type(e.name.clone()), &e.comment));
            }
            down.extend(owner_stmt(ObjectId::Type(e.name.clone()), &e.owner));
            let mut s =
                Step::new(Phase::DropType, format!("- type {}", e.name), vec![Stmt::DropEnum(e.name.clone())], down);
            s.removes.push(Object::Type(e.name.clone()));
            s
        }
        Change::RecreateEnum { from, to, users } => {
            let recreate = |e: &Enum| recreate_enum(e, users);
            let towards: Vec<_> =
                users.iter().map(|u| crate::diff::EnumUser { default: u.wanted.clone(), ..u.clone() }).collect();
            let mut s = Step::new(
                Phase::CreateType,
                format!("~ type {}: values {} → {}", to.name, from.values.join(", "), to.values.join(", ")),
                recreate_enum(to, &towards),
                lost_values_note(&from.name, to.values.iter().filter(|v| !from.values.contains(v)))
                    .into_iter()
                    .chain(recreate(from))
                    .collect(),
            );
            recreated_enum(&mut s, &to.name, users);
            s
        }
        Change::AddEnumValue { name, value, before, previous, users } => {
            let mut s = Step::new(
                Phase::CreateType,
                format!("~ type {name}: + value {value}"),
                vec![Stmt::AddEnumValue {
                    name: name.clone(),
                    value: value.clone(),
                    before: before.clone(),
                    committed_first: false,
                }],
                // PostgreSQL cannot drop an enum value: the rollback recreates the type.
                lost_values_note(name, [value]).into_iter().chain(recreate_enum(previous, users)).collect(),
            );
            recreated_enum(&mut s, name, users);
            s
        }
        Change::SetRls { table, from, to } => {
            let enabled = (from.0 != to.0).then_some(to.0);
            let forced = (from.1 != to.1).then_some(to.1);
            let (back_enabled, back_forced) = (enabled.map(|_| from.0), forced.map(|_| from.1));
            let mut s = Step::new(
                Phase::RowSecurity,
                format!("~ row level security on {table}: {}", rls_words(*to)),
                vec![Stmt::RowSecurity { table: table.clone(), enabled, forced }],
                vec![Stmt::RowSecurity { table: table.clone(), enabled: back_enabled, forced: back_forced }],
            );
            s.file = File::Policies;
            s.requires.push(Object::Table(table.clone()));
            s
        }
        Change::CreatePolicy(policy) => {
            let mut s = Step::new(
                Phase::CreatePolicy,
                format!("+ policy {} on {}", policy.name, policy.table),
                create_policy(policy),
                vec![drop_policy(policy)],
            );
            s.file = File::Policies;
            s.requires.extend(policy_needs(policy));
            s
        }
        Change::DropPolicy(policy) => {
            let mut s = Step::new(
                Phase::DropPolicy,
                format!("- policy {} on {}", policy.name, policy.table),
                vec![drop_policy(policy)],
                create_policy(policy),
            );
            s.releases.extend(policy_needs(policy));
            s.provides.extend(released(&policy_needs(policy)));
            s
        }
        Change::AlterPolicy { from, to } => {
            let mut s = Step::new(
                Phase::CreatePolicy,
                format!("~ policy {} on {}", to.name, to.table),
                vec![Stmt::AlterPolicy((**to).clone())],
                vec![Stmt::AlterPolicy((**from).clone())],
            );
            s.file = File::Policies;
            s.requires.extend(policy_needs(to));
            s.releases.extend(policy_needs(from));
            s
        }
        Change::CreateTrigger(trigger) => {
            let mut s = Step::new(
                Phase::CreateTrigger,
                format!("+ trigger {} on {}", trigger.name, trigger.table),
                create_trigger(trigger),
                vec![drop_trigger(trigger)],
            );
            s.file = File::Triggers;
            s.requires.extend(trigger_needs(trigger));
            s
        }
        Change::DropTrigger(trigger) => {
            let mut s = Step::new(
                Phase::DropTrigger,
                format!("- trigger {} on {}", trigger.name, trigger.table),
                vec![drop_trigger(trigger)],
                create_trigger(trigger),
            );
            s.releases.extend(trigger_needs(trigger));
            s
        }
        Change::TriggerFiring { table, name, from, to } => {
            // After the triggers are created, with the comments: one rebuilt around a change
            // of its function is created as it ends up anyway.
            let mut s = Step::new(
                Phase::Comment,
                format!("~ trigger {name} on {table}: {}", to.sql().to_lowercase()),
                vec![firing_stmt(table, name, *to)],
                vec![firing_stmt(table, name, *from)],
            );
            s.file = File::Triggers;
            s
        }
        Change::CreateFunction(f) => {
            let mut s = Step::new(
                Phase::CreateFunction,
                format!("+ function {}", f.signature()),
                create_function(f, defaults),
                vec![drop_function(f)],
            );
            if f.returns.as_deref() == Some("trigger") {
                s.file = File::Triggers;
            }
            s.requires.push(Object::Schema(f.name.schema.clone()));
            s.requires.extend(function_needs(f));
            s.provides.push(Object::Function(f.name.clone()));
            s.provides.push(Object::Signature(f.signature()));
            s
        }
        Change::DropFunction(f) => {
            let mut s = Step::new(
                Phase::DropFunction,
                format!("- function {}", f.signature()),
                vec![drop_function(f)],
                create_function(f, defaults),
            );
            s.releases.extend(needs(deps::signature(f)));
            s.provides.extend(f.types.iter().cloned().map(Object::Released));
            s.removes.push(Object::Function(f.name.clone()));
            s.removes.push(Object::Signature(f.signature()));
            // Its rollback creates it again, checking a SQL body's names: after the columns
            // it names are back (a rename back comes after it).
            if f.language == "sql" {
                s.releases.extend(function_needs(f).into_iter().filter(|o| matches!(o, Object::Column(..))));
            }
            s
        }
        Change::ReplaceFunction { from, to } => return Some(replace_function(from, to)),
        Change::CreateView(view) => {
            let mut s = Step::new(
                Phase::CreateView,
                format!("+ view {}", view.name),
                create_view(view, defaults),
                vec![drop_view(view)],
            );
            s.requires.push(Object::Schema(view.name.schema.clone()));
            s.requires.extend(view_needs(view));
            s.provides.push(Object::Table(view.name.clone()));
            s
        }
        Change::DropView(view) => {
            let mut s = Step::new(
                Phase::DropView,
                format!("- view {}", view.name),
                vec![drop_view(view)],
                create_view(view, defaults),
            );
            s.releases.extend(view_needs(view));
            s.provides.extend(released(&view_needs(view)));
            s.removes.push(Object::Table(view.name.clone()));
            s
        }
        Change::ViewOptions { view, from } => {
            let mut s = Step::new(
                Phase::CreateView,
                format!("~ view {}: options", view.name),
                vec![view_options(view, from, &view.options)],
                vec![view_options(view, &view.options, from)],
            );
            s.requires.push(Object::Table(view.name.clone()));
            s
        }
        Change::Grants { target, from, to, restate, trigger } => grant_step(target, from, to, *restate, *trigger),
        Change::DefaultPrivileges { scope, kind, from, to } => default_privileges_step(scope, *kind, from, to),
        Change::CreateRange(r) => super::optioned::create_range(r),
        Change::DropRange(r) => super::optioned::drop_range(r),
        Change::CreateAggregate(a) => super::optioned::create_aggregate(a),
        Change::DropAggregate(a) => super::optioned::drop_aggregate(a),
        Change::CreateComposite(c) => {
            let mut s = Step::new(
                Phase::CreateType,
                format!("+ type {}", c.name),
                create_composite(c),
                vec![Stmt::DropComposite(c.name.clone())],
            );
            s.requires.push(Object::Schema(c.name.schema.clone()));
            s.requires.extend(needs(deps::composite(c)));
            s.provides.push(Object::Type(c.name.clone()));
            s
        }
        Change::DropComposite(c) => {
            let mut s = Step::new(
                Phase::DropType,
                format!("- type {}", c.name),
                vec![Stmt::DropComposite(c.name.clone())],
                create_composite(c),
            );
            s.releases.extend(needs(deps::composite(c)));
            s.removes.push(Object::Type(c.name.clone()));
            s
        }
        Change::AlterComposite { from, to } => {
            let mut s = Step::new(
                Phase::CreateType,
                format!("~ type {}: attributes", to.name),
                alter_composite(from, to),
                alter_composite(to, from),
            );
            s.requires.extend(needs(deps::composite(to)));
            s.provides.push(Object::Type(to.name.clone()));
            s
        }
        Change::CreateDomain(domain) => {
            let mut s = Step::new(
                Phase::CreateType,
                format!("+ domain {}", domain.name),
                create_domain(domain),
                vec![drop_domain(domain)],
            );
            s.requires.push(Object::Schema(domain.name.schema.clone()));
            s.provides.push(Object::Type(domain.name.clone()));
            s
        }
        Change::DropDomain(domain) => {
            let mut s = Step::new(
                Phase::DropType,
                format!("- domain {}", domain.name),
                vec![drop_domain(domain)],
                create_domain(domain),
            );
            s.removes.push(Object::Type(domain.name.clone()));
            s
        }
        Change::AlterDomain { from, to } => Step::new(
            Phase::CreateType,
            format!("~ domain {}", to.name),
            alter_domain(from, to),
            alter_domain(to, from),
        ),
        Change::CreateSequence(sequence) => {
            let mut s = Step::new(
                Phase::CreateType,
                format!("+ sequence {}", sequence.name),
                create_sequence(sequence),
                vec![drop_sequence(sequence)],
            );
            s.requires.push(Object::Schema(sequence.name.schema.clone()));
            s
        }
        Change::DropSequence(sequence) => {
            let on = GrantOn::Sequence(sequence.name.clone());
            let born = unowned(defaults.effective(&sequence.name.schema, ObjectKind::Sequences), &sequence.owner);
            let mut down = create_sequence(sequence);
            down.extend(grant_stmts(&on, &born, &sequence.grants, true));
            down.extend(owner_stmt(ObjectId::Sequence(sequence.name.clone()), &sequence.owner));
            Step::new(Phase::DropType, format!("- sequence {}", sequence.name), vec![drop_sequence(sequence)], down)
        }
        Change::AlterSequence { from, to } => {
            let alter = |target: &Sequence, other: &Sequence| Stmt::AlterSequence {
                name: target.name.clone(),
                options: sequence_changes(target, other),
            };
            Step::new(
                Phase::CreateType,
                format!("~ sequence {}", to.name),
                vec![alter(to, from)],
                vec![alter(from, to)],
            )
        }
        Change::Owner { target, from, to, kept } => {
            let owner = |role: &Option<String>| Stmt::Owner { on: target.clone(), to: role.clone() };
            let mut down = vec![owner(from)];
            if let Some(on) = grant_on(target) {
                down.extend(grant_stmts(&on, &Grants::new(), kept, false));
            }
            let mut s = Step::new(Phase::Owner, format!("~ owner of {target}"), vec![owner(to)], down);
            s.requires.extend(match target {
                ObjectId::Table(t) | ObjectId::View { name: t, .. } => Some(Object::Table(t.clone())),
                ObjectId::Function(r) => Some(Object::Signature(r.to_string())),
                ObjectId::Type(t) => Some(Object::Type(t.clone())),
                _ => None,
            });
            s
        }
        Change::SequenceOwner { sequence, from, to } => {
            let owner = |owner: &Option<(QualifiedName, String)>| Stmt::SequenceOwner {
                name: sequence.clone(),
                owner: owner.clone(),
            };
            let (phase, table) = match (from, to) {
                (_, Some((t, _))) => (Phase::AddForeignKey, Some(t)),
                (Some((t, _)), None) => (Phase::DropForeignKey, Some(t)),
                (None, None) => (Phase::AddForeignKey, None),
            };
            let mut s = Step::new(phase, format!("~ owner of sequence {sequence}"), vec![owner(to)], vec![owner(from)]);
            s.requires.extend(table.map(|t| Object::Table(t.clone())));
            s
        }
        _ => return None,
    };
    Some(vec![step])
}

/// What a step that recreates an enum (or whose rollback does) stands on: the type is
/// dropped in between and its columns converted, so the functions naming it, and the views
/// and policies over those columns' tables, are dropped before; views are created again
/// after the tables' final columns.
fn recreated_enum(s: &mut Step, name: &QualifiedName, users: &[crate::diff::EnumUser]) {
    s.requires.push(Object::Released(name.clone()));
    s.provides.push(Object::Type(name.clone()));
    for u in users {
        s.requires.push(Object::Released(u.table.clone()));
        s.provides.push(Object::Shape(u.table.clone()));
        // Of the new type: what reads it (a check, an index's predicate) comes after.
        s.provides.push(Object::Column(u.table.clone(), u.column.clone()));
    }
}

/// Where a rollback recreates type `name` without the values `lost`: a row that holds one
/// stops the conversion of its column, and nothing can give it a value back.
fn lost_values_note<'a>(name: &QualifiedName, lost: impl IntoIterator<Item = &'a String>) -> Option<Stmt> {
    let lost: Vec<&str> = lost.into_iter().map(String::as_str).collect();
    (!lost.is_empty()).then(|| {
        Stmt::Note(format!(
            "cannot restore rows holding {} of type {name}: change them to a value the type keeps before this \
             runs, or it fails",
            lost.join(", ")
        ))
    })
}

/// The type renamed aside, created again with `e`'s values, its columns converted.
/// The type made again with `e`'s values, and given back to its owner.
fn recreate_enum(e: &Enum, users: &[crate::diff::EnumUser]) -> Vec<Stmt> {
    let recreate = Stmt::RecreateEnum {
        name: e.name.clone(),
        values: e.values.clone(),
        old_name: format!("{}__old", e.name.name),
        users: users.to_vec(),
    };
    std::iter::once(recreate).chain(owner_stmt(ObjectId::Type(e.name.clone()), &e.owner)).collect()
}

/// What a new object's default privileges give, but to the role that is to own it: those
/// become ownership's when it takes the object over, and a REVOKE from it would strip
/// ownership's on a second run of an idempotent migration.
fn unowned(mut born: Grants, owner: &Option<String>) -> Grants {
    if let Some(role) = owner {
        born.remove(role);
    }
    born
}

/// `ALTER … OWNER TO` after an object is created, when the migration role is not to own it.
pub(super) fn owner_stmt(on: ObjectId, owner: &Option<String>) -> Option<Stmt> {
    owner.as_ref().map(|role| Stmt::Owner { on, to: Some(role.clone()) })
}

fn create_composite(c: &Composite) -> Vec<Stmt> {
    let mut out = vec![Stmt::CreateComposite(c.clone())];
    if c.comment.is_some() {
        out.push(comment_stmt(&ObjectId::Type(c.name.clone()), &c.comment));
    }
    out.extend(owner_stmt(ObjectId::Type(c.name.clone()), &c.owner));
    out
}

/// ALTER TYPE actions that turn `from` into `to` (`diff::alters_in_place` holds): attributes
/// dropped, then those kept changed, then the new ones added in order. Called with the two
/// swapped, it gives the reverse.
fn alter_composite(from: &Composite, to: &Composite) -> Vec<Stmt> {
    let alter = |action| Stmt::AlterComposite { name: to.name.clone(), action };
    let mut out = Vec::new();
    for a in from.attributes.iter().filter(|a| !to.attributes.iter().any(|b| b.name == a.name)) {
        out.push(alter(AttributeAction::Drop(a.name.clone())));
    }
    for b in &to.attributes {
        match from.attributes.iter().find(|a| a.name == b.name) {
            Some(a) if a != b => out.push(alter(AttributeAction::Type(b.clone()))),
            Some(_) => {}
            None => out.push(alter(AttributeAction::Add(b.clone()))),
        }
    }
    out
}

fn create_domain(domain: &Domain) -> Vec<Stmt> {
    let mut out = vec![Stmt::CreateDomain(domain.clone())];
    if domain.comment.is_some() {
        out.push(comment_stmt(&ObjectId::Domain(domain.name.clone()), &domain.comment));
    }
    out
}

fn drop_domain(domain: &Domain) -> Stmt {
    Stmt::DropDomain(domain.name.clone())
}

/// ALTER DOMAIN actions that turn `from` into `to`: checks dropped first, then default and
/// NOT NULL, then checks added.
fn alter_domain(from: &Domain, to: &Domain) -> Vec<Stmt> {
    let name = &to.name;
    let mut actions = Vec::new();
    for (n, e) in &from.checks {
        if !to.checks.iter().any(|(m, f)| m == n && f == e) {
            actions.push(DomainAction::DropConstraint(n.clone()));
        }
    }
    if from.default != to.default {
        actions.push(match &to.default {
            Some(d) => DomainAction::SetDefault(d.clone()),
            None => DomainAction::DropDefault,
        });
    }
    if from.not_null != to.not_null {
        actions.push(DomainAction::NotNull(to.not_null));
    }
    for (n, e) in &to.checks {
        if !from.checks.iter().any(|(m, f)| m == n && f == e) {
            actions.push(DomainAction::AddCheck(n.clone(), e.clone()));
        }
    }
    actions.into_iter().map(|action| Stmt::AlterDomain { name: name.clone(), action }).collect()
}

fn create_sequence(sequence: &Sequence) -> Vec<Stmt> {
    let options =
        sequence.options.iter().map(|(k, v)| SequenceOption { name: k.clone(), value: Some(v.clone()) }).collect();
    let mut out = vec![Stmt::CreateSequence { name: sequence.name.clone(), options }];
    if sequence.comment.is_some() {
        out.push(comment_stmt(&ObjectId::Sequence(sequence.name.clone()), &sequence.comment));
    }
    out
}

fn drop_sequence(sequence: &Sequence) -> Stmt {
    Stmt::DropSequence(sequence.name.clone())
}

/// The options that turn `other` into `target`, defaults written out where `target` has none.
fn sequence_changes(target: &Sequence, other: &Sequence) -> Vec<SequenceOption> {
    let keys: BTreeSet<&String> = target.options.iter().chain(other.options.iter()).map(|(k, _)| k).collect();
    let value = |s: &Sequence, k: &str| s.options.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    keys.into_iter()
        .filter(|k| value(target, k) != value(other, k))
        .map(|k| SequenceOption { name: k.clone(), value: value(target, k) })
        .collect()
}

/// The relations a dropped view or policy stood on, released for a change of column type.
fn released(needs: &[Object]) -> Vec<Object> {
    needs
        .iter()
        .filter_map(|o| match o {
            Object::Table(t) => Some(Object::Released(t.clone())),
            _ => None,
        })
        .collect()
}

fn rls_words((enabled, forced): (bool, bool)) -> &'static str {
    match (enabled, forced) {
        (true, true) => "enabled, forced",
        (true, false) => "enabled",
        (false, true) => "disabled (forced)",
        (false, false) => "disabled",
    }
}

/// RLS and privileges of a table, to restore it whole when a drop is rolled back.
pub(super) fn table_extras(table: &Table, defaults: &DefaultPrivileges) -> Vec<Stmt> {
    let mut out = Vec::new();
    if table.rls_enabled || table.rls_forced {
        let (enabled, forced) = (table.rls_enabled.then_some(true), table.rls_forced.then_some(true));
        out.push(Stmt::RowSecurity { table: table.name.clone(), enabled, forced });
    }
    let born = unowned(defaults.effective(&table.name.schema, ObjectKind::Tables), &table.owner);
    out.extend(grant_stmts(&GrantOn::Table(table.name.clone()), &born, &table.grants, true));
    for (column, grants) in &table.column_grants {
        out.extend(grant_stmts(&GrantOn::Column(table.name.clone(), column.clone()), &Grants::new(), grants, false));
    }
    // After the grants: the owner takes in its own.
    out.extend(owner_stmt(ObjectId::Table(table.name.clone()), &table.owner));
    out
}

/// What GRANT names an object by, for those with privileges in the model.
fn grant_on(target: &ObjectId) -> Option<GrantOn> {
    match target {
        ObjectId::Table(t) | ObjectId::View { name: t, .. } => Some(GrantOn::Table(t.clone())),
        ObjectId::Function(r) => Some(GrantOn::Routine(r.clone())),
        ObjectId::Sequence(s) => Some(GrantOn::Sequence(s.clone())),
        _ => None,
    }
}

fn grant_step(target: &ObjectId, from: &Grants, to: &Grants, restate: bool, trigger: bool) -> Step {
    let (on, requires) = match target {
        ObjectId::Table(t) | ObjectId::View { name: t, .. } => {
            (GrantOn::Table(t.clone()), vec![Object::Table(t.clone())])
        }
        ObjectId::Column(t, c) => (
            GrantOn::Column(t.clone(), c.clone()),
            vec![Object::Table(t.clone()), Object::Column(t.clone(), c.clone())],
        ),
        ObjectId::Function(routine) => {
            (GrantOn::Routine(routine.clone()), vec![Object::Signature(routine.to_string())])
        }
        ObjectId::Schema(name) => (GrantOn::Schema(name.clone()), vec![Object::Schema(name.clone())]),
        // Created in an earlier phase, and never granted on when dropped.
        ObjectId::Sequence(name) => (GrantOn::Sequence(name.clone()), vec![]),
        _ => unreachable!("the diff grants on tables, views, columns, functions, schemas and sequences"),
    };
    // A bare name reads as a relation or a function; a schema says what it is.
    let summary = match target {
        ObjectId::Schema(_) => target.to_string(),
        _ => target.name(),
    };
    let mut s = Step::new(
        Phase::Grant,
        format!("~ privileges on {summary}"),
        grant_stmts(&on, from, to, restate),
        grant_stmts(&on, to, from, false),
    );
    s.requires = requires;
    if trigger {
        s.file = File::Triggers;
    }
    s
}

fn default_privileges_step(scope: &Scope, kind: ObjectKind, from: &Grants, to: &Grants) -> Step {
    let statements = |from, to| default_privilege_stmts(scope, kind, from, to);
    let place = scope.as_deref().map_or("all schemas".to_string(), |s| ObjectId::Schema(s.to_string()).to_string());
    let mut s = Step::new(
        Phase::DefaultPrivileges,
        format!("~ default privileges on {} in {place}", kind.word()),
        statements(from, to),
        statements(to, from),
    );
    s.requires.extend(scope.iter().map(|schema| Object::Schema(schema.clone())));
    s
}

/// REVOKE what `from` has and `to` has not, then GRANT what `to` adds (with `restate`,
/// all that `to` has, for an object just created: see `Change::Grants`).
fn grant_stmts(on: &GrantOn, from: &Grants, to: &Grants, restate: bool) -> Vec<Stmt> {
    let all = match on {
        GrantOn::Table(_) => TABLE_PRIVILEGES,
        GrantOn::Column(..) => COLUMN_PRIVILEGES,
        GrantOn::Routine(_) => FUNCTION_PRIVILEGES,
        GrantOn::Schema(_) => SCHEMA_PRIVILEGES,
        GrantOn::Sequence(_) => SEQUENCE_PRIVILEGES,
    };
    role_changes(from, to, all, restate, |grant, privileges, role| {
        Stmt::Grant(Grant { grant, privileges, on: on.clone(), role: role.clone() })
    })
}

/// The same, as ALTER DEFAULT PRIVILEGES of `kind` in `scope`.
fn default_privilege_stmts(scope: &Scope, kind: ObjectKind, from: &Grants, to: &Grants) -> Vec<Stmt> {
    role_changes(from, to, kind.privileges(), false, |grant, privileges, role| Stmt::DefaultPrivileges {
        grant,
        privileges,
        kind,
        schema: scope.clone(),
        role: role.clone(),
    })
}

/// One statement per role that loses privileges (revokes first), then one per role that
/// gains some, or with `restate` (when `from` and `to` differ at all) one per role of `to`
/// with all it holds; `ALL` when that is every privilege of the kind (`all`).
fn role_changes(
    from: &Grants,
    to: &Grants,
    all: &[&str],
    restate: bool,
    stmt: impl Fn(bool, Vec<String>, &String) -> Stmt,
) -> Vec<Stmt> {
    let restate = restate && from != to;
    let empty = BTreeSet::new();
    let roles: BTreeSet<&String> = from.keys().chain(to.keys()).collect();
    let mut revokes = Vec::new();
    let mut grants = Vec::new();
    let written = |privileges: Vec<&String>| -> Vec<String> {
        if all.len() > 1 && privileges.len() == all.len() {
            vec!["ALL".to_string()]
        } else {
            privileges.into_iter().cloned().collect()
        }
    };
    for role in roles {
        let (old, new) = (from.get(role).unwrap_or(&empty), to.get(role).unwrap_or(&empty));
        let removed = written(old.difference(new).collect());
        let added = written(if restate { new.iter().collect() } else { new.difference(old).collect() });
        if !removed.is_empty() {
            revokes.push(stmt(false, removed, role));
        }
        if !added.is_empty() {
            grants.push(stmt(true, added, role));
        }
    }
    revokes.extend(grants);
    revokes
}

fn create_policy(policy: &Policy) -> Vec<Stmt> {
    let mut out = vec![Stmt::CreatePolicy(policy.clone())];
    if policy.comment.is_some() {
        out.push(comment_stmt(&ObjectId::Policy(policy.table.clone(), policy.name.clone()), &policy.comment));
    }
    out
}

fn drop_policy(policy: &Policy) -> Stmt {
    Stmt::DropPolicy { table: policy.table.clone(), name: policy.name.clone() }
}

fn policy_needs(policy: &Policy) -> Vec<Object> {
    needs(deps::policy(policy))
}

fn create_trigger(trigger: &Trigger) -> Vec<Stmt> {
    let mut out = vec![Stmt::CreateTrigger(trigger.clone())];
    // A trigger is created enabled; one that is not is altered after.
    if trigger.firing != Firing::Enabled {
        out.push(firing_stmt(&trigger.table, &trigger.name, trigger.firing));
    }
    if trigger.comment.is_some() {
        out.push(comment_stmt(&ObjectId::Trigger(trigger.table.clone(), trigger.name.clone()), &trigger.comment));
    }
    out
}

fn trigger_needs(trigger: &Trigger) -> Vec<Object> {
    needs(deps::trigger(trigger))
}

fn firing_stmt(table: &QualifiedName, name: &str, firing: Firing) -> Stmt {
    Stmt::TriggerFiring { table: table.clone(), name: name.to_string(), firing }
}

fn drop_trigger(trigger: &Trigger) -> Stmt {
    Stmt::DropTrigger { table: trigger.table.clone(), name: trigger.name.clone() }
}

fn create_function(function: &Function, defaults: &DefaultPrivileges) -> Vec<Stmt> {
    let mut out = vec![Stmt::CreateFunction { function: function.clone(), replace: false }];
    if function.comment.is_some() {
        out.push(comment_stmt(&ObjectId::Function(function.routine()), &function.comment));
    }
    let born = unowned(defaults.effective(&function.name.schema, ObjectKind::Functions), &function.owner);
    out.extend(grant_stmts(&GrantOn::Routine(function.routine()), &born, &function.grants, true));
    out.extend(owner_stmt(ObjectId::Function(function.routine()), &function.owner));
    out
}

/// CREATE OR REPLACE, and back. PostgreSQL checks a SQL body's names as it is created, so
/// an old body that needs what the new one does not (a column by its name before a rename)
/// is put back by a step of its own, ordered before what takes that away: in the rollback
/// it runs once it is back.
fn replace_function(from: &Function, to: &Function) -> Vec<Step> {
    let definition = |f: &Function| vec![Stmt::CreateFunction { function: f.clone(), replace: true }];
    let (old_needs, new_needs) = (function_needs(from), function_needs(to));
    let apart = from.language == "sql" && old_needs.iter().any(|o| !new_needs.contains(o));
    let summary = format!("~ function {}", to.signature());
    let mut s = Step::new(Phase::CreateFunction, summary.clone(), definition(to), definition(from));
    if to.returns.as_deref() == Some("trigger") {
        s.file = File::Triggers;
    }
    s.requires.extend(new_needs);
    if !apart {
        return vec![s];
    }
    let mut back = Step::new(Phase::Rename, format!("{summary}: its old body, for the rollback"), vec![], s.down);
    s.down = vec![];
    back.releases.extend(old_needs);
    vec![back, s]
}

fn drop_function(function: &Function) -> Stmt {
    Stmt::DropFunction(function.routine())
}

fn function_needs(f: &Function) -> Vec<Object> {
    needs(deps::function(f).into_iter().chain(deps::signature(f)).collect())
}

fn create_view(view: &View, defaults: &DefaultPrivileges) -> Vec<Stmt> {
    let mut out = vec![Stmt::CreateView(view.clone())];
    if view.comment.is_some() {
        out.push(comment_stmt(
            &ObjectId::View { name: view.name.clone(), materialized: view.materialized },
            &view.comment,
        ));
    }
    for index in &view.indexes {
        out.push(super::create_index(&view.name, index, false));
        if index.comment.is_some() {
            out.push(comment_stmt(&ObjectId::Index(view.name.clone(), index.name.clone()), &index.comment));
        }
    }
    let born = unowned(defaults.effective(&view.name.schema, ObjectKind::Tables), &view.owner);
    out.extend(grant_stmts(&GrantOn::Table(view.name.clone()), &born, &view.grants, true));
    out.extend(owner_stmt(ObjectId::View { name: view.name.clone(), materialized: view.materialized }, &view.owner));
    out
}

/// The options that turn `from` into `to`: those that change or come set, the others reset.
fn view_options(view: &View, from: &[(String, String)], to: &[(String, String)]) -> Stmt {
    let set = to.iter().filter(|o| !from.contains(o)).cloned().collect();
    let reset = from.iter().filter(|(k, _)| !to.iter().any(|(n, _)| n == k)).map(|(k, _)| k.clone()).collect();
    Stmt::ViewOptions { name: view.name.clone(), materialized: view.materialized, set, reset }
}

fn drop_view(view: &View) -> Stmt {
    Stmt::DropView { name: view.name.clone(), materialized: view.materialized }
}

/// Besides what it reads and calls, the final columns of each relation it reads: `*` is
/// expanded when the view is created. That orders it after every column change of what it
/// reads, so the columns it names (of any relation it reads, as far as names tell) add
/// nothing, and would tie it to a dropped column of the same name elsewhere.
fn view_needs(view: &View) -> Vec<Object> {
    let deps: Vec<Dep> = deps::view(view).into_iter().filter(|d| !matches!(d, Dep::Column(..))).collect();
    let shapes: Vec<Object> = deps
        .iter()
        .filter_map(|d| match d {
            Dep::Relation(r) => Some(Object::Shape(r.clone())),
            _ => None,
        })
        .collect();
    let (relations, calls): (Vec<Dep>, Vec<Dep>) = deps.into_iter().partition(|d| matches!(d, Dep::Relation(_)));
    needs(relations).into_iter().chain(shapes).chain(needs(calls)).collect()
}

/// `ALTER TABLE … SET SCHEMA` (then `RENAME` when the name changes too), and the way back.
fn move_step(from: &QualifiedName, to: &QualifiedName, sequences: &[String], (was, will): &(Grants, Grants)) -> Step {
    let moved = QualifiedName::new(to.schema.clone(), from.name.clone());
    let mut up = vec![Stmt::SetSchema { table: from.clone(), schema: to.schema.clone() }];
    let mut down = vec![Stmt::SetSchema { table: moved.clone(), schema: from.schema.clone() }];
    if from.name != to.name {
        let rename = Rename { kind: RenameKind::Table, table: moved, from: from.name.clone(), to: to.name.clone() };
        up.push(Stmt::Rename(rename.clone()));
        down.insert(0, Stmt::Rename(rename.reversed()));
    }
    for sequence in sequences {
        let on = |schema: &str| GrantOn::Sequence(QualifiedName::new(schema, sequence.clone()));
        up.extend(grant_stmts(&on(&to.schema), was, will, false));
        down.extend(grant_stmts(&on(&from.schema), will, was, false));
    }
    let mut s = Step::new(Phase::Rename, format!("~ move table {from} to {to}"), up, down);
    s.requires.push(Object::Schema(to.schema.clone()));
    s.requires.push(Object::Schema(from.schema.clone()));
    s.provides.push(Object::Table(to.clone()));
    // As for a rename: views over it are dropped before and created after.
    s.removes.push(Object::Shape(from.clone()));
    s
}

/// `ALTER … RENAME`, and the rename back.
fn rename_step(object: &ObjectId, from: &str) -> Step {
    // A table is named by its old name before, and by its new one after.
    let before = match object {
        ObjectId::Table(t) => QualifiedName::new(t.schema.clone(), from),
        _ => object.table().expect("renames are found for tables and what they hold").clone(),
    };
    let (kind, to) = match object {
        ObjectId::Table(t) => (RenameKind::Table, &t.name),
        ObjectId::Column(_, c) => (RenameKind::Column, c),
        ObjectId::Constraint(_, c) => (RenameKind::Constraint, c),
        ObjectId::Index(_, i) => (RenameKind::Index, i),
        ObjectId::Policy(_, p) => (RenameKind::Policy, p),
        _ => unreachable!("renames are found for tables and what they hold"),
    };
    let rename = Rename { kind, table: before.clone(), from: from.to_string(), to: to.clone() };
    let mut s = Step::new(
        Phase::Rename,
        format!("~ rename {object} (was {from})"),
        vec![Stmt::Rename(rename.clone())],
        vec![Stmt::Rename(rename.reversed())],
    );
    // Views over the table are dropped before and created after: a view restored by the
    // rollback names the table and its columns as they were, so it must come back after
    // the rename back (removing the old Shape orders DropView, which releases it, first).
    match object {
        ObjectId::Table(t) => {
            s.provides.push(Object::Table(t.clone()));
            s.removes.push(Object::Shape(before.clone()));
        }
        ObjectId::Column(t, c) => {
            s.requires.push(Object::Table(t.clone()));
            s.removes.push(Object::Column(t.clone(), from.to_string()));
            s.provides.push(Object::Column(t.clone(), c.clone()));
            s.provides.push(Object::Shape(t.clone()));
            s.removes.push(Object::Shape(t.clone()));
        }
        ObjectId::Constraint(t, c) => {
            s.requires.push(Object::Table(t.clone()));
            s.provides.push(Object::Constraint(t.clone(), c.clone()));
        }
        ObjectId::Index(t, i) => {
            s.requires.push(Object::Table(t.clone()));
            s.provides.push(Object::Index(t.schema.clone(), i.clone()));
        }
        _ => s.requires.push(Object::Table(before.clone())),
    }
    s
}
