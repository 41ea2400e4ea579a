//! The gate between a plan and the files it writes: which changes can lose data (a dropped
//! table or column, a narrowed type, an enum value removed) or remove an object others may
//! call (a view, function, type, sequence, schema or extension). `diff` and `generate`
//! refuse them (exit 3) unless `--allow-destructive` or the table's `allow_destructive:`.

use std::fmt;

use crate::diagnostic::Origin;
use crate::diff::Change;
use crate::model::{Column, ObjectId, QualifiedName, Schema};

/// One change that can lose data or break a caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Loss {
    /// None for what is no object of the schema (a pg_cron job).
    pub object: Option<ObjectId>,
    /// What is lost: "drops table public.t and its rows".
    pub what: String,
    /// Where the object that goes away was declared (the migrations), when known.
    pub declared: Option<Origin>,
    /// Where the desired schema asks for it (the YAML that no longer has it), when known.
    pub cause: Option<Origin>,
    pub hint: Option<String>,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  - {}", self.what)?;
        if let Some(o) = &self.cause {
            writeln!(f, "      because of {o}")?;
        }
        if let Some(o) = &self.declared {
            writeln!(f, "      declared at {o}")?;
        }
        if let Some(h) = &self.hint {
            writeln!(f, "      hint: {h}")?;
        }
        Ok(())
    }
}

/// The data-losing changes among `changes` that no `allow_destructive:` of the desired
/// schema allows.
pub fn losses(current: &Schema, desired: &Schema, changes: &[Change]) -> Vec<Loss> {
    // A drop followed by a create of the same object is a replacement, not a loss.
    let created: Vec<ObjectId> = changes.iter().filter_map(created).collect();
    let replaced = |dropped: &ObjectId| created.iter().any(|c| replaces(c, dropped));
    let table_origin = |t: &QualifiedName, s: &Schema| s.hints.origins.get(&ObjectId::Table(t.clone())).cloned();
    // A table renamed by the migration was declared under its old name.
    let old_name = |t: &QualifiedName| {
        let renamed = desired.hints.renames.iter().find(|r| r.object == ObjectId::Table(t.clone()));
        renamed.and_then(|r| r.old_table()).unwrap_or_else(|| t.clone())
    };
    let mut out = Vec::new();
    let mut loss = |object: ObjectId, what: String, table: Option<&QualifiedName>, hint: Option<String>| {
        // A column is located by its table; every other object by its own statement.
        let (declared, cause) = match table {
            Some(t) => (table_origin(&old_name(t), current), table_origin(t, desired)),
            None => (current.hints.origins.get(&object).cloned(), desired.hints.origins.get(&object).cloned()),
        };
        out.push(Loss { object: Some(object), what, declared, cause, hint });
    };
    for c in changes {
        match c {
            Change::DropTable(t) => loss(
                ObjectId::Table(t.name.clone()),
                format!("drops table {} and its rows", t.name),
                Some(&t.name),
                None,
            ),
            Change::DropColumn { table, column }
                if !replaced(&ObjectId::Column(table.clone(), column.name.clone())) =>
            {
                let hint = rename_hint(current, desired, table, column);
                let what = format!("drops column {table}.{} and its values", column.name);
                loss(ObjectId::Column(table.clone(), column.name.clone()), what, Some(table), hint);
            }
            Change::AlterColumn { table, from, to, using }
                if from.data_type != to.data_type && !from.data_type.widens_to(&to.data_type) =>
            {
                let what = format!(
                    "changes the type of {table}.{} from {} to {}: values that do not fit are lost or fail",
                    to.name, from.data_type, to.data_type
                );
                let hint = using.is_none().then(|| "say how values convert with `using:` on the column".into());
                loss(ObjectId::Column(table.clone(), to.name.clone()), what, Some(table), hint);
            }
            Change::RecreateEnum { from, to, .. } => {
                let removed: Vec<&str> =
                    from.values.iter().filter(|v| !to.values.contains(v)).map(String::as_str).collect();
                if !removed.is_empty() {
                    let what = format!(
                        "removes value(s) {} of type {}: rows holding them fail to convert",
                        removed.join(", "),
                        from.name
                    );
                    loss(ObjectId::Type(from.name.clone()), what, None, None);
                }
            }
            Change::DropView(v) => {
                let view = ObjectId::View { name: v.name.clone(), materialized: v.materialized };
                if !replaced(&view) {
                    loss(view.clone(), format!("drops {view}"), None, None);
                }
            }
            Change::DropFunction(f) => {
                let function = ObjectId::Function(f.routine());
                if !replaced(&function) {
                    loss(function.clone(), format!("drops {function}"), None, None);
                }
            }
            Change::DropEnum(e) => loss(ObjectId::Type(e.name.clone()), format!("drops type {}", e.name), None, None),
            Change::DropComposite(crate::model::Composite { name, .. })
            | Change::DropRange(crate::model::optioned::RangeType { name, .. }) => {
                let ty = ObjectId::Type(name.clone());
                if !replaced(&ty) {
                    loss(ty.clone(), format!("drops {ty}"), None, None);
                }
            }
            Change::DropDomain(d) => {
                let domain = ObjectId::Domain(d.name.clone());
                if !replaced(&domain) {
                    loss(domain.clone(), format!("drops {domain}"), None, None);
                }
            }
            Change::DropSequence(s) => loss(
                ObjectId::Sequence(s.name.clone()),
                format!("drops sequence {} and its current value", s.name),
                None,
                None,
            ),
            Change::DropSchema(s) => loss(ObjectId::Schema(s.clone()), format!("drops schema {s}"), None, None),
            Change::DropExtension(e) => loss(
                ObjectId::Extension(e.name.clone()),
                format!("drops extension {} and the objects it provides", e.name),
                None,
                None,
            ),
            _ => {}
        }
    }
    out.retain(|l| l.object.as_ref().is_none_or(|o| !allowed(desired, o)));
    out.extend(changes.iter().filter_map(|c| unscheduled(current, c)));
    out
}

/// A pg_cron job of the history that the YAML does not declare: unscheduling it stops work
/// someone meant to run, so it is never done silently.
fn unscheduled(current: &Schema, c: &Change) -> Option<Loss> {
    let Change::CronJob { name, from: Some(job), to: None } = c else { return None };
    Some(Loss {
        object: None,
        what: format!(
            "unschedules cron job '{name}' ({}: {})",
            job.schedule,
            job.command.lines().next().unwrap_or_default()
        ),
        declared: current.hints.cron_origins.get(name).cloned(),
        cause: None,
        hint: Some(format!(
            "declare it in a `cron: {name}` file to keep it, or pass --allow-destructive to unschedule it"
        )),
    })
}

fn created(c: &Change) -> Option<ObjectId> {
    match c {
        Change::AddColumn { table, column, .. } => Some(ObjectId::Column(table.clone(), column.name.clone())),
        Change::CreateView(v) => Some(ObjectId::View { name: v.name.clone(), materialized: v.materialized }),
        Change::CreateFunction(f) => Some(ObjectId::Function(f.routine())),
        Change::CreateDomain(d) => Some(ObjectId::Domain(d.name.clone())),
        Change::CreateComposite(c) => Some(ObjectId::Type(c.name.clone())),
        Change::CreateRange(r) => Some(ObjectId::Type(r.name.clone())),
        _ => None,
    }
}

/// Whether what is created stands in for what is dropped, for those who call it: the same
/// object, a view of the same name materialized or not, or a function of the same name
/// whatever its arguments.
fn replaces(created: &ObjectId, dropped: &ObjectId) -> bool {
    match (created, dropped) {
        (ObjectId::View { name: a, .. }, ObjectId::View { name: b, .. }) => a == b,
        (ObjectId::Function(a), ObjectId::Function(b)) => a.name == b.name,
        (a, b) => a == b,
    }
}

/// A column added at the same place of the same table with the same type looks like this
/// one renamed.
fn rename_hint(current: &Schema, desired: &Schema, table: &QualifiedName, dropped: &Column) -> Option<String> {
    let (old, new) = (current.table(table)?, desired.table(table)?);
    let at = old.columns.iter().position(|c| c.name == dropped.name)?;
    let added = new.columns.get(at).filter(|c| old.column(&c.name).is_none() && c.data_type == dropped.data_type)?;
    Some(format!(
        "if {} is {} renamed, write `renamed_from: {}` on column {} to keep its values",
        added.name, dropped.name, dropped.name, added.name
    ))
}

fn allowed(desired: &Schema, object: &ObjectId) -> bool {
    match object {
        ObjectId::Table(t) | ObjectId::Column(t, _) => desired.hints.allow_destructive.contains(t),
        _ => false,
    }
}
