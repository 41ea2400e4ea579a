//! `diff --format markdown`: what a migration does, for a pull-request comment. The objects
//! it creates, changes and drops, and an access report: which role gains or loses which
//! command on which table, and which policies became broader.
//!
//! Access is worked out from the two schemas rather than from the statements, so a policy
//! split in four or renamed is no change, and a policy dropped and created again is one.
//! For every table, role, command and side of a policy (USING: the rows a command reads or
//! touches; WITH CHECK: the rows it may write), the report compares the conditions
//! PostgreSQL ORs (permissive policies) and ANDs (restrictive ones) before and after. It
//! says "broader" or "narrower" only where set logic alone proves it (a condition OR-ed
//! in or taken out, a restriction added or removed, a condition that became `true`), and
//! otherwise shows the old and the new condition.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::Direction;
use crate::diff::Change;
use crate::initplan;
use crate::model::{Expr, Grants, ObjectId, Policy, QualifiedName, Schema, Table, Trigger, View};
use crate::pgtree::{expr_sql, parse_expr};
use crate::pipeline::Outcome;
use pg_query::NodeEnum;
use pg_query::protobuf::BoolExprType;

/// The markdown report of the outcome's migration, or of its rollback.
pub fn markdown(outcome: &Outcome, direction: Direction) -> String {
    let report = match direction {
        Direction::Up => Report::new(&outcome.current, &outcome.desired, &outcome.changes),
        Direction::Down => {
            let back = outcome.rollback_changes.as_deref().expect("the command asked for the rollback's changes");
            Report::new(&outcome.desired, &outcome.current, back)
        }
    };
    report.markdown()
}

/// Everything the markdown says, as data.
#[derive(Debug, Default)]
pub struct Report {
    pub created: Vec<Object>,
    /// Each object with what changed about it (`definition`, `comment`, `privileges` …).
    pub changed: Vec<(Object, Vec<String>)>,
    pub dropped: Vec<Object>,
    pub access: Vec<Access>,
    /// Policies whose change can only let roles reach more rows, with the reasons.
    pub broader: Vec<PolicyNote>,
    /// Policies whose change can only let roles reach fewer rows.
    pub narrower: Vec<PolicyNote>,
    /// Policies whose change is neither: old and new conditions.
    pub changed_conditions: Vec<PolicyNote>,
    /// Row level security switched on or off, forced, or absent from a new table.
    pub row_security: Vec<String>,
    /// Access expectations beside what the policies give before and after.
    pub expectations: Vec<crate::access::changes::Row>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Schema,
    Extension,
    Type,
    Domain,
    Sequence,
    Table,
    Column,
    Constraint,
    Index,
    View,
    MaterializedView,
    Function,
    Policy,
    Trigger,
    Publication,
    DefaultPrivileges,
    CronJob,
}

impl Kind {
    fn of(id: &ObjectId) -> Kind {
        match id {
            ObjectId::Schema(_) => Kind::Schema,
            ObjectId::Extension(_) => Kind::Extension,
            ObjectId::Type(_) => Kind::Type,
            ObjectId::Domain(_) => Kind::Domain,
            ObjectId::Sequence(_) => Kind::Sequence,
            ObjectId::Table(_) => Kind::Table,
            ObjectId::Column(..) => Kind::Column,
            ObjectId::Constraint(..) => Kind::Constraint,
            ObjectId::Index(..) => Kind::Index,
            ObjectId::View { materialized: false, .. } => Kind::View,
            ObjectId::View { materialized: true, .. } => Kind::MaterializedView,
            ObjectId::Function(_) => Kind::Function,
            ObjectId::Policy(..) => Kind::Policy,
            ObjectId::Trigger(..) => Kind::Trigger,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Kind::Schema => "schema",
            Kind::Extension => "extension",
            Kind::Type => "type",
            Kind::Domain => "domain",
            Kind::Sequence => "sequence",
            Kind::Table => "table",
            Kind::Column => "column",
            Kind::Constraint => "constraint",
            Kind::Index => "index",
            Kind::View => "view",
            Kind::MaterializedView => "materialized view",
            Kind::Function => "function",
            Kind::Policy => "policy",
            Kind::Trigger => "trigger",
            Kind::Publication => "publication",
            Kind::DefaultPrivileges => "default privileges",
            Kind::CronJob => "cron job",
        }
    }
}

/// An object as the report lists it: by kind, then by name as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Object {
    pub kind: Kind,
    /// `ObjectId::name`: `public.posts`, `"Read posts" on public.posts`.
    pub name: String,
}

impl Object {
    fn of(id: &ObjectId) -> Object {
        Object { kind: Kind::of(id), name: id.name() }
    }
}

/// One role's access to one command on one object, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// A table, or for privileges a view or a function.
    pub kind: Kind,
    /// `public.posts`, `public.f(uuid)`.
    pub object: String,
    /// `public` for PUBLIC.
    pub role: String,
    /// SELECT, INSERT, UPDATE, DELETE, or another privilege.
    pub command: String,
    pub effect: Effect,
    /// Before → after, or the privilege's note.
    pub detail: String,
}

impl Access {
    /// By object, role, then commands in the order SELECT, INSERT, UPDATE, DELETE.
    fn order(&self) -> (&str, Kind, &str, usize, Effect) {
        (&self.object, self.kind, &self.role, command_rank(&self.command), self.effect)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    /// Reached no rows before, some now.
    Gains,
    /// Reached rows before, none now.
    Loses,
    /// Reaches at least every row it reached before.
    Broader,
    /// Reaches at most the rows it reached before.
    Narrower,
    /// Neither follows from the conditions alone.
    Changed,
    Granted,
    Revoked,
}

impl Effect {
    fn word(self) -> &'static str {
        match self {
            Effect::Gains => "gains",
            Effect::Loses => "loses",
            Effect::Broader => "broader",
            Effect::Narrower => "narrower",
            Effect::Changed => "changed condition",
            Effect::Granted => "privilege granted",
            Effect::Revoked => "privilege revoked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyNote {
    pub table: QualifiedName,
    pub policy: String,
    /// What changed, one item each: `roles: authenticated → anon, authenticated`.
    pub reasons: Vec<String>,
}

impl Report {
    /// The report of `changes`, the diff from `current` to `desired`.
    pub fn new(current: &Schema, desired: &Schema, changes: &[Change]) -> Report {
        let mut report = Report::default();
        report.objects(changes);
        let aligned = initplans_aligned(current, desired);
        let tables = Tables::new(&aligned, desired, changes);
        report.access = access(&tables);
        report.access.extend(privileges(changes));
        report.access.sort_by(|a, b| a.order().cmp(&b.order()));
        report.policies(&tables);
        report.row_security = row_security(changes, &tables);
        report.row_security.extend(view_security(current, desired));
        report.expectations = crate::access::changes::rows(current, desired);
        report
    }

    fn objects(&mut self, changes: &[Change]) {
        let mut created: BTreeMap<Object, &Change> = BTreeMap::new();
        let mut dropped: BTreeMap<Object, &Change> = BTreeMap::new();
        let mut aspects: BTreeMap<Object, BTreeSet<String>> = BTreeMap::new();
        for change in changes {
            match object_of(change) {
                Some((Action::Create, object)) => {
                    created.insert(object, change);
                }
                Some((Action::Drop, object)) => {
                    dropped.insert(object, change);
                }
                Some((Action::Change(aspect), object)) => {
                    aspects.entry(object).or_default().insert(aspect);
                }
                None => {}
            }
        }
        // Dropped and created again is a change; when nothing differs, the object was only
        // rebuilt around something it depends on.
        for (object, drop) in &dropped {
            if let Some(create) = created.remove(object) {
                aspects.entry(object.clone()).or_default().extend(rebuilt(drop, create));
            }
        }
        dropped.retain(|o, _| !aspects.contains_key(o));
        // What is set on an object as it is created (its RLS, privileges, comment) is part
        // of creating it.
        aspects.retain(|o, _| !created.contains_key(o));
        self.created = created.into_keys().collect();
        self.dropped = dropped.into_keys().collect();
        self.changed = aspects.into_iter().map(|(o, a)| (o, a.into_iter().collect())).collect();
    }

    /// Policies that became broader, narrower, or changed otherwise, one policy at a time.
    fn policies(&mut self, tables: &Tables) {
        let desired = tables.desired;
        for (key, new) in &desired.policies {
            match tables.before(key) {
                Some(old) if rule(old) != rule(new) => {
                    let (grows, shrinks, changed) = compare_policy(old, new);
                    let note = |reasons| PolicyNote { table: key.0.clone(), policy: key.1.clone(), reasons };
                    // Nothing to say when only what decides nothing changed (a WITH CHECK
                    // written out equal to the USING it stood for).
                    match (grows.is_empty(), shrinks.is_empty(), changed.is_empty()) {
                        (true, true, true) => {}
                        (false, true, true) => self.broader.push(note(grows)),
                        (true, false, true) => self.narrower.push(note(shrinks)),
                        _ => self
                            .changed_conditions
                            .push(note(grows.into_iter().chain(shrinks).chain(changed).collect())),
                    }
                }
                Some(_) => {}
                None if new.permissive => {
                    // A permissive policy only ever adds rows; it broadens what a role had
                    // when a policy that stays already gave that role the command.
                    let alongside = tables.alongside(new);
                    if !alongside.is_empty() {
                        self.broader.push(PolicyNote {
                            table: key.0.clone(),
                            policy: key.1.clone(),
                            reasons: vec![format!("new permissive policy, OR-ed into {}", alongside.join(", "))],
                        });
                    }
                }
                // On a new table there was nothing to narrow.
                None if tables.is_new(&key.0) => {}
                None => self.narrower.push(PolicyNote {
                    table: key.0.clone(),
                    policy: key.1.clone(),
                    reasons: vec![format!("new restrictive policy, AND-ed in: {}", conditions_of(new))],
                }),
            }
        }
        for (&(table, name), old) in &tables.current_policies {
            if desired.policies.contains_key(&(table.clone(), name.to_string())) || tables.dropped.contains(table) {
                continue;
            }
            let note = |reason: String| PolicyNote { table: table.clone(), policy: name.into(), reasons: vec![reason] };
            if old.permissive {
                self.narrower.push(note(format!("permissive policy dropped: {}", conditions_of(old))));
            } else {
                self.broader.push(note(format!("restrictive policy dropped: {}", conditions_of(old))));
            }
        }
        for list in [&mut self.broader, &mut self.narrower, &mut self.changed_conditions] {
            list.sort_by(|a, b| (&a.table, &a.policy).cmp(&(&b.table, &b.policy)));
        }
    }

    pub fn markdown(&self) -> String {
        let mut out = String::from("## schemagen: schema changes\n\n");
        if self.created.is_empty() && self.changed.is_empty() && self.dropped.is_empty() {
            out.push_str("No changes.\n");
            return out;
        }
        let _ = writeln!(
            out,
            "{} created, {} changed, {} dropped.\n",
            self.created.len(),
            self.changed.len(),
            self.dropped.len()
        );
        let list = |out: &mut String, title: &str, objects: &mut dyn Iterator<Item = (&Object, String)>| {
            let lines: Vec<String> =
                objects.map(|(o, extra)| format!("- {} {}{extra}\n", o.kind.word(), code(&o.name))).collect();
            if !lines.is_empty() {
                let _ = writeln!(out, "### {title} ({})\n", lines.len());
                out.push_str(&lines.concat());
                out.push('\n');
            }
        };
        list(&mut out, "Created", &mut self.created.iter().map(|o| (o, String::new())));
        list(&mut out, "Changed", &mut self.changed.iter().map(|(o, a)| (o, format!(": {}", a.join(", ")))));
        list(&mut out, "Dropped", &mut self.dropped.iter().map(|o| (o, String::new())));

        if !self.row_security.is_empty() {
            out.push_str("### Row level security\n\n");
            for line in &self.row_security {
                let _ = writeln!(out, "- {line}");
            }
            out.push('\n');
        }
        if !self.access.is_empty() {
            out.push_str("### Access\n\n| Table | Role | Command | Change | Before → after |\n|---|---|---|---|---|\n");
            for a in &self.access {
                let role = role_text(&a.role);
                let object = match a.kind {
                    Kind::Table => code(&a.object),
                    other => format!("{} {}", other.word(), code(&a.object)),
                };
                let _ = writeln!(
                    out,
                    "| {} | {role} | {} | **{}** | {} |",
                    cell(&object),
                    a.command,
                    a.effect.word(),
                    cell(&a.detail)
                );
            }
            out.push_str(
                "\nUSING: the rows a command reads, updates or deletes; WITH CHECK: the rows it may write \
                 (a policy without WITH CHECK checks its USING). **broader**: reaches every row it reached \
                 before, and possibly more; **narrower**: at most the rows it reached before; **changed \
                 condition**: neither follows from the conditions alone. PUBLIC is every role not listed \
                 on its own. A role also needs the privilege for the command (on Supabase, `anon` and \
                 `authenticated` hold every privilege on tables in `public` by default).\n\n",
            );
        }
        if !self.expectations.is_empty() {
            out.push_str(&expectations_table(&self.expectations));
        }
        for (title, notes) in [
            ("Policies that became broader", &self.broader),
            ("Policies that became narrower", &self.narrower),
            ("Policies with a changed condition", &self.changed_conditions),
        ] {
            if notes.is_empty() {
                continue;
            }
            let _ = writeln!(out, "### {title}\n");
            for n in notes {
                let _ =
                    writeln!(out, "- {} on {}: {}", code(&n.policy), code(&n.table.to_string()), n.reasons.join("; "));
            }
            out.push('\n');
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }
}

enum Action {
    Create,
    Drop,
    Change(String),
}

/// The object a change creates, drops or changes, and how.
fn object_of(change: &Change) -> Option<(Action, Object)> {
    let column = |t: &QualifiedName, c: &str| ObjectId::Column(t.clone(), c.to_string());
    let constraint = |t: &QualifiedName, c: &str| ObjectId::Constraint(t.clone(), c.to_string());
    let index = |t: &QualifiedName, i: &str| ObjectId::Index(t.clone(), i.to_string());
    let policy = |p: &Policy| ObjectId::Policy(p.table.clone(), p.name.clone());
    let trigger = |t: &Trigger| ObjectId::Trigger(t.table.clone(), t.name.clone());
    let view = |v: &View| ObjectId::View { name: v.name.clone(), materialized: v.materialized };
    let change_of = |aspect: &str| Action::Change(aspect.into());
    let (action, id) = match change {
        Change::Rename { object, from, .. } => (Action::Change(format!("renamed from {}", code(from))), object.clone()),
        Change::ForRollback(_) => return None,
        Change::MoveTable { from, to, .. } => {
            (Action::Change(format!("moved from {}", code(&from.to_string()))), ObjectId::Table(to.clone()))
        }
        Change::RenameSequence { table, from, to } => (
            Action::Change(format!("renamed from {}", code(from))),
            ObjectId::Sequence(QualifiedName::new(table.schema.clone(), to.clone())),
        ),
        Change::CreateSchema(s) => (Action::Create, ObjectId::Schema(s.clone())),
        Change::DropSchema(s) => (Action::Drop, ObjectId::Schema(s.clone())),
        Change::CreateTable(t) => (Action::Create, ObjectId::Table(t.name.clone())),
        Change::DropTable(t) => (Action::Drop, ObjectId::Table(t.name.clone())),
        Change::AddColumn { table, column: c, .. } => (Action::Create, column(table, &c.name)),
        Change::DropColumn { table, column: c, .. } => (Action::Drop, column(table, &c.name)),
        Change::AlterColumn { table, to, .. } => (change_of("definition"), column(table, &to.name)),
        Change::AddConstraint { table, constraint: c } => (Action::Create, constraint(table, &c.name)),
        Change::DropConstraint { table, constraint: c } => (Action::Drop, constraint(table, &c.name)),
        Change::ValidateConstraint { table, constraint: c } => (change_of("validated"), constraint(table, &c.name)),
        Change::CreateIndex { table, index: i } => (Action::Create, index(table, &i.name)),
        Change::DropIndex { table, index: i } => (Action::Drop, index(table, &i.name)),
        Change::Comment { target, .. } => (change_of("comment"), target.clone()),
        Change::CreateExtension(e) => (Action::Create, ObjectId::Extension(e.name.clone())),
        Change::DropExtension(e) => (Action::Drop, ObjectId::Extension(e.name.clone())),
        Change::CreateEnum(e) => (Action::Create, ObjectId::Type(e.name.clone())),
        Change::DropEnum(e) => (Action::Drop, ObjectId::Type(e.name.clone())),
        Change::AddEnumValue { name, .. } => (change_of("values"), ObjectId::Type(name.clone())),
        Change::RecreateEnum { to, .. } => (change_of("values"), ObjectId::Type(to.name.clone())),
        Change::SetRls { table, .. } => (change_of("row level security"), ObjectId::Table(table.clone())),
        Change::CreatePolicy(p) => (Action::Create, policy(p)),
        Change::DropPolicy(p) => (Action::Drop, policy(p)),
        Change::AlterPolicy { from, to } if initplan::same_policy(from, to) => {
            (change_of("how often auth.uid() and the like are evaluated (the same rows)"), policy(to))
        }
        Change::AlterPolicy { to, .. } => (change_of("definition"), policy(to)),
        Change::CreateTrigger(t) => (Action::Create, trigger(t)),
        Change::DropTrigger(t) => (Action::Drop, trigger(t)),
        Change::TriggerFiring { table, name, .. } => {
            (change_of("enabled"), ObjectId::Trigger(table.clone(), name.clone()))
        }
        Change::CreateFunction(f) => (Action::Create, ObjectId::Function(f.routine())),
        Change::DropFunction(f) => (Action::Drop, ObjectId::Function(f.routine())),
        Change::ReplaceFunction { to, .. } => (change_of("definition"), ObjectId::Function(to.routine())),
        Change::CreateView(v) => (Action::Create, view(v)),
        Change::DropView(v) => (Action::Drop, view(v)),
        Change::ViewOptions { view: v, from } => {
            let mut old = v.clone();
            old.options = from.clone();
            let others =
                |v: &View| v.options.iter().filter(|(k, _)| k != "security_invoker").cloned().collect::<Vec<_>>();
            let aspect = match security_switch(&old, v) {
                Some(switch) if others(&old) != others(v) => format!("{switch}; options"),
                Some(switch) => switch,
                None => "options".into(),
            };
            (Action::Change(aspect), view(v))
        }
        Change::Grants { target, .. } => (change_of("privileges"), target.clone()),
        Change::Owner { target, .. } => (change_of("owner"), target.clone()),
        Change::DefaultPrivileges { scope, kind, .. } => {
            let object = Object { kind: Kind::DefaultPrivileges, name: defaults_object(scope, *kind) };
            return Some((change_of("privileges"), object));
        }
        Change::CreateComposite(c) => (Action::Create, ObjectId::Type(c.name.clone())),
        Change::DropComposite(c) => (Action::Drop, ObjectId::Type(c.name.clone())),
        Change::AlterComposite { to, .. } => (change_of("attributes"), ObjectId::Type(to.name.clone())),
        Change::CreateRange(r) => (Action::Create, ObjectId::Type(r.name.clone())),
        Change::DropRange(r) => (Action::Drop, ObjectId::Type(r.name.clone())),
        Change::CreateAggregate(a) => (Action::Create, ObjectId::Function(a.routine())),
        Change::DropAggregate(a) => (Action::Drop, ObjectId::Function(a.routine())),
        Change::CreateDomain(d) => (Action::Create, ObjectId::Domain(d.name.clone())),
        Change::DropDomain(d) => (Action::Drop, ObjectId::Domain(d.name.clone())),
        Change::AlterDomain { to, .. } => (change_of("definition"), ObjectId::Domain(to.name.clone())),
        Change::CreateSequence(s) => (Action::Create, ObjectId::Sequence(s.name.clone())),
        Change::DropSequence(s) => (Action::Drop, ObjectId::Sequence(s.name.clone())),
        Change::AlterSequence { to, .. } => (change_of("options"), ObjectId::Sequence(to.name.clone())),
        Change::SequenceOwner { sequence, .. } => (change_of("owner"), ObjectId::Sequence(sequence.clone())),
        Change::Publication { from, to } => {
            let (action, name) = match (from, to) {
                (None, Some(p)) => (Action::Create, &p.name),
                (Some(p), None) => (Action::Drop, &p.name),
                (Some(_), Some(p)) => (change_of("options"), &p.name),
                (None, None) => return None,
            };
            let name = crate::pgtree::quote_ident(name);
            return Some((action, Object { kind: Kind::Publication, name }));
        }
        Change::CronJob { name, from, to } => {
            let action = match (from, to) {
                (None, _) => Action::Create,
                (_, None) => Action::Drop,
                _ => change_of("schedule or command"),
            };
            return Some((action, Object { kind: Kind::CronJob, name: crate::ident::quote_literal(name) }));
        }
        Change::Publish { table, publication, .. } => {
            let aspect = format!("publication {}", crate::pgtree::quote_ident(publication));
            (Action::Change(aspect), ObjectId::Table(table.clone()))
        }
        Change::TableStorage { table, .. } => (change_of("storage"), ObjectId::Table(table.clone())),
        Change::Repartition { table, .. } => (change_of("partition bound"), ObjectId::Table(table.clone())),
    };
    Some((action, Object::of(&id)))
}

/// What differs about an object dropped and created again: nothing when it was only
/// rebuilt around something it depends on; for a view, its security apart.
fn rebuilt(drop: &Change, create: &Change) -> Vec<String> {
    if same_definition(drop, create) {
        return vec!["recreated unchanged".into()];
    }
    let (Change::DropView(old), Change::CreateView(new)) = (drop, create) else { return vec!["definition".into()] };
    let mut aspects = Vec::new();
    let mut rest = old.clone();
    if old.security_invoker() != new.security_invoker() {
        aspects.extend(security_switch(old, new));
        rest.options = new.options.clone();
    }
    if rest != *new {
        aspects.push("definition".into());
    }
    aspects
}

/// `security_invoker on → off` (or off → on) when it differs between two forms of a view.
fn security_switch(old: &View, new: &View) -> Option<String> {
    if old.security_invoker() == new.security_invoker() {
        return None;
    }
    let on_off = |on: bool| if on { "on" } else { "off" };
    Some(format!("security_invoker {} → {}", on_off(old.security_invoker()), on_off(new.security_invoker())))
}

/// Whether a drop and a create of the same object put back what was there.
fn same_definition(drop: &Change, create: &Change) -> bool {
    match (drop, create) {
        (Change::DropPolicy(a), Change::CreatePolicy(b)) => a == b,
        (Change::DropTrigger(a), Change::CreateTrigger(b)) => a == b,
        (Change::DropView(a), Change::CreateView(b)) => a == b,
        (Change::DropFunction(a), Change::CreateFunction(b)) => a == b,
        (Change::DropConstraint { constraint: a, .. }, Change::AddConstraint { constraint: b, .. }) => a == b,
        (Change::DropIndex { index: a, .. }, Change::CreateIndex { index: b, .. }) => a == b,
        (Change::DropColumn { column: a, .. }, Change::AddColumn { column: b, .. }) => a == b,
        (Change::DropDomain(a), Change::CreateDomain(b)) => a == b,
        (Change::DropComposite(a), Change::CreateComposite(b)) => a == b,
        (Change::DropRange(a), Change::CreateRange(b)) => a == b,
        (Change::DropAggregate(a), Change::CreateAggregate(b)) => a == b,
        _ => false,
    }
}

/// The part of a policy that decides a command: USING picks the rows the command reads,
/// updates or deletes; WITH CHECK the rows it may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Using,
    Check,
}

impl Side {
    fn word(self) -> &'static str {
        match self {
            Side::Using => "USING",
            Side::Check => "WITH CHECK",
        }
    }
}

const COMMANDS: [(&str, &[Side]); 4] = [
    ("SELECT", &[Side::Using]),
    ("INSERT", &[Side::Check]),
    ("UPDATE", &[Side::Using, Side::Check]),
    ("DELETE", &[Side::Using]),
];

fn command_rank(command: &str) -> usize {
    COMMANDS.iter().position(|(c, _)| *c == command).unwrap_or(COMMANDS.len())
}

fn sides(command: &str) -> &'static [Side] {
    COMMANDS.iter().find(|(c, _)| *c == command).map_or(&[Side::Using, Side::Check], |(_, s)| s)
}

/// The condition a policy sets on one side. Without WITH CHECK, PostgreSQL checks written
/// rows against USING; without either, a permissive policy gives nothing and a
/// restrictive one takes nothing away.
fn condition(p: &Policy, side: Side) -> Option<&Expr> {
    match side {
        Side::Using => p.using.as_ref(),
        Side::Check => p.with_check.as_ref().or(p.using.as_ref()),
    }
}

fn is_true(e: &Expr) -> bool {
    e.text() == "true"
}

fn covers(p: &Policy, role: &str, command: &str) -> bool {
    (p.command == "ALL" || p.command == command) && covers_role(p, role)
}

fn covers_role(p: &Policy, role: &str) -> bool {
    p.roles.iter().any(|r| r == role || r == "public")
}

/// The rows one role reaches with one command on one side of one table.
#[derive(Debug, PartialEq)]
enum Reach<'a> {
    Nothing,
    /// Row level security is off: every row (given the privilege).
    Every,
    /// Conditions → the policies that set them: OR of the permissive, AND of the
    /// restrictive (restrictive conditions that restrict nothing are left out).
    Rows {
        permissive: BTreeMap<&'a Expr, Vec<&'a str>>,
        restrictive: BTreeMap<&'a Expr, Vec<&'a str>>,
    },
}

impl Reach<'_> {
    /// Whether it reaches every row: a permissive `true` with nothing restricting it.
    fn every(&self) -> bool {
        match self {
            Reach::Every => true,
            Reach::Nothing => false,
            Reach::Rows { permissive, restrictive } => restrictive.is_empty() && permissive.keys().any(|e| is_true(e)),
        }
    }

    /// `side`: which part of the policies the conditions are, as the row names it.
    fn describe(&self, side: &str) -> String {
        match self {
            Reach::Nothing => "no rows".into(),
            Reach::Every => "every row (row level security off)".into(),
            Reach::Rows { permissive, restrictive } => {
                let list = |conditions: &BTreeMap<&Expr, Vec<&str>>, join: &str| {
                    conditions
                        .iter()
                        .map(|(e, names)| format!("{} ({})", code(e.text()), names.join(", ")))
                        .collect::<Vec<_>>()
                        .join(join)
                };
                let mut s = format!("{side} {}", list(permissive, " OR "));
                if !restrictive.is_empty() {
                    let _ = write!(s, ", AND restrictive {}", list(restrictive, " AND "));
                }
                s
            }
        }
    }
}

/// One table as one schema has it.
struct TableState<'a> {
    rls_off: bool,
    policies: Vec<&'a Policy>,
}

impl<'a> TableState<'a> {
    fn new(table: Option<&'a Table>, policies: Vec<&'a Policy>) -> Self {
        // A table neither schema creates (storage.objects) is the platform's, with RLS on.
        TableState { rls_off: table.is_some_and(|t| !t.rls_enabled), policies }
    }

    fn reach(&self, role: &str, command: &str, side: Side) -> Reach<'a> {
        if self.rls_off {
            return Reach::Every;
        }
        let mut permissive: BTreeMap<&Expr, Vec<&str>> = BTreeMap::new();
        let mut restrictive: BTreeMap<&Expr, Vec<&str>> = BTreeMap::new();
        for p in self.policies.iter().filter(|p| covers(p, role, command)) {
            let Some(e) = condition(p, side) else { continue };
            let name = p.name.as_str();
            if p.permissive {
                permissive.entry(e).or_default().push(name);
            } else if !is_true(e) {
                restrictive.entry(e).or_default().push(name);
            }
        }
        if permissive.is_empty() { Reach::Nothing } else { Reach::Rows { permissive, restrictive } }
    }
}

/// How reach changed, if it did.
fn compare(before: &Reach, after: &Reach) -> Option<Effect> {
    let nothing = |r: &Reach| matches!(r, Reach::Nothing);
    if before == after || before.every() && after.every() {
        return None;
    }
    Some(match (before, after) {
        (b, _) if nothing(b) => Effect::Gains,
        (_, a) if nothing(a) => Effect::Loses,
        (_, a) if a.every() => Effect::Broader,
        (b, _) if b.every() => Effect::Narrower,
        (Reach::Rows { permissive: p0, restrictive: r0 }, Reach::Rows { permissive: p1, restrictive: r1 }) => {
            let (x0, x1) = (any_of(p0.keys().copied()), any_of(p1.keys().copied()));
            let (c0, c1) = (all_of(r0.keys().copied()), all_of(r1.keys().copied()));
            let wider = lets_through(&x1, &x0) && c1.is_subset(&c0);
            let narrower = lets_through(&x0, &x1) && c0.is_subset(&c1);
            match (wider, narrower) {
                (true, false) => Effect::Broader,
                (false, true) => Effect::Narrower,
                (false, false) => Effect::Changed,
                // The same rows, written otherwise or under other policy names.
                (true, true) => return None,
            }
        }
        _ => unreachable!("Every and Nothing are handled above"),
    })
}

/// Both schemas, with the policies of each table gathered once, and the current schema
/// seen through the migration's renames: a renamed table or policy is the same one.
struct Tables<'a> {
    desired: &'a Schema,
    /// Current tables by the name they will have.
    current_tables: BTreeMap<&'a QualifiedName, &'a Table>,
    /// Current policies by the (table, name) they will have.
    current_policies: BTreeMap<(&'a QualifiedName, &'a str), &'a Policy>,
    /// Current policies the migration keeps (maybe changed), by their current table and name.
    staying: BTreeSet<(&'a QualifiedName, &'a str)>,
    /// Every table with policies or declared on either side → its policies before and after.
    policies: BTreeMap<&'a QualifiedName, (Vec<&'a Policy>, Vec<&'a Policy>)>,
    /// Tables the migration drops: every role loses them whole, which the objects say.
    dropped: BTreeSet<&'a QualifiedName>,
}

impl<'a> Tables<'a> {
    fn new(current: &'a Schema, desired: &'a Schema, changes: &'a [Change]) -> Self {
        let mut table_to: BTreeMap<QualifiedName, &QualifiedName> = BTreeMap::new();
        let mut policy_to: BTreeMap<(&QualifiedName, &str), &str> = BTreeMap::new();
        for change in changes {
            match change {
                Change::Rename { object: ObjectId::Table(new), from, .. } => {
                    table_to.insert(QualifiedName::new(new.schema.clone(), from.clone()), new);
                }
                Change::MoveTable { from, to, .. } => {
                    table_to.insert(from.clone(), to);
                }
                Change::Rename { object: ObjectId::Policy(table, new), from, .. } => {
                    policy_to.insert((table, from), new);
                }
                _ => {}
            }
        }
        let renamed = |t: &'a QualifiedName| table_to.get(t).copied().unwrap_or(t);
        let current_tables: BTreeMap<_, _> = current.tables.iter().map(|(t, table)| (renamed(t), table)).collect();
        let current_policies: BTreeMap<_, _> = current
            .policies
            .values()
            .map(|p| {
                let table = renamed(&p.table);
                ((table, policy_to.get(&(table, p.name.as_str())).copied().unwrap_or(&p.name)), p)
            })
            .collect();
        let mut policies: BTreeMap<&QualifiedName, (Vec<&Policy>, Vec<&Policy>)> = BTreeMap::new();
        for (&(table, _), p) in &current_policies {
            policies.entry(table).or_default().0.push(p);
        }
        for p in desired.policies.values() {
            policies.entry(&p.table).or_default().1.push(p);
        }
        for t in current_tables.keys().copied().chain(desired.tables.keys()) {
            policies.entry(t).or_default();
        }
        let dropped = current_tables.keys().copied().filter(|t| !desired.tables.contains_key(*t)).collect();
        let staying = current_policies
            .iter()
            .filter(|((t, n), _)| desired.policies.contains_key(&((*t).clone(), n.to_string())))
            .map(|(_, p)| (&p.table, p.name.as_str()))
            .collect();
        Tables { desired, current_tables, current_policies, staying, policies, dropped }
    }

    /// The current policy that will be `key`.
    fn before(&self, key: &(QualifiedName, String)) -> Option<&'a Policy> {
        self.current_policies.get(&(&key.0, key.1.as_str())).copied()
    }

    fn is_new(&self, table: &QualifiedName) -> bool {
        self.desired.tables.contains_key(table) && !self.current_tables.contains_key(table)
    }

    /// Whether the policies of `table` differ in what they decide.
    fn policies_changed(&self, table: &QualifiedName) -> bool {
        self.policies.get(table).is_some_and(|(old, new)| rules(old) != rules(new))
    }

    /// The roles and commands a new permissive policy covers for which a policy that stays
    /// already gave access: there the new condition is OR-ed into it.
    fn alongside(&self, new: &Policy) -> Vec<String> {
        let Some((old, _)) = self.policies.get(&new.table) else { return Vec::new() };
        let kept = old.iter().filter(|p| p.permissive && self.staying.contains(&(&p.table, p.name.as_str())));
        let mut with: BTreeMap<(usize, &str), Vec<String>> = BTreeMap::new();
        for k in kept {
            // The roles both policies apply to: all of one's where the other is PUBLIC's.
            let roles: Vec<&String> = if new.roles.iter().any(|r| r == "public") {
                k.roles.iter().collect()
            } else {
                new.roles.iter().filter(|r| covers_role(k, r)).collect()
            };
            for (i, (command, _)) in COMMANDS.iter().enumerate() {
                let both = |p: &Policy| p.command == "ALL" || p.command == *command;
                if both(new) && both(k) {
                    for role in &roles {
                        with.entry((i, role.as_str())).or_default().push(code(&k.name));
                    }
                }
            }
        }
        with.into_iter()
            .map(|((i, role), names)| format!("{} of {} (with {})", COMMANDS[i].0, role_text(role), names.join(", ")))
            .collect()
    }
}

/// What a policy decides: permissive, command, roles, USING, WITH CHECK.
type Rule<'p> = (bool, &'p str, &'p [String], Option<&'p Expr>, Option<&'p Expr>);

fn rule(p: &Policy) -> Rule<'_> {
    (p.permissive, p.command.as_str(), p.roles.as_slice(), p.using.as_ref(), p.with_check.as_ref())
}

/// What a table's policies decide, in an order that does not depend on their names.
fn rules<'p>(policies: &[&'p Policy]) -> Vec<Rule<'p>> {
    let mut rules: Vec<_> = policies.iter().map(|p| rule(p)).collect();
    rules.sort();
    rules
}

/// Row access of every role named on each table, before and after.
fn access(tables: &Tables) -> Vec<Access> {
    let mut out = Vec::new();
    for (table, (old, new)) in &tables.policies {
        let (t0, t1) = (tables.current_tables.get(*table).copied(), tables.desired.tables.get(*table));
        let rls = |t: Option<&Table>| t.map(|t| t.rls_enabled);
        if tables.dropped.contains(table) || old == new && rls(t0) == rls(t1) {
            continue;
        }
        let before = TableState::new(t0, old.clone());
        let after = TableState::new(t1, new.clone());
        // Every role a policy or a privilege names; PUBLIC too where RLS is off, as then
        // every role holding the privilege reaches every row.
        let mut roles: BTreeSet<&str> = BTreeSet::new();
        for p in before.policies.iter().chain(&after.policies) {
            roles.extend(p.roles.iter().map(String::as_str));
        }
        for t in t0.iter().chain(t1.iter()) {
            roles.extend(t.grants.keys().map(String::as_str));
        }
        if t0.is_some() && before.rls_off || t1.is_some() && after.rls_off {
            roles.insert("public");
        }
        let with_public = roles.contains("public");
        for role in roles {
            for (command, command_sides) in COMMANDS {
                let reach = |role, side| (before.reach(role, command, side), after.reach(role, command, side));
                let mut rows: Vec<(Effect, Side, Reach, Reach)> = Vec::new();
                for &side in command_sides {
                    let (b, a) = reach(role, side);
                    // The PUBLIC row speaks for every role that fares the same.
                    if with_public
                        && role != "public"
                        && (&b, &a) == (&reach("public", side).0, &reach("public", side).1)
                    {
                        continue;
                    }
                    if let Some(effect) = compare(&b, &a) {
                        rows.push((effect, side, b, a));
                    }
                }
                let row = |effect, detail| Access {
                    kind: Kind::Table,
                    object: table.to_string(),
                    role: role.to_string(),
                    command: command.to_string(),
                    effect,
                    detail,
                };
                // UPDATE's two sides in one row when they say the same.
                match rows.as_slice() {
                    [(e0, _, b0, a0), (e1, _, b1, a1)] if e0 == e1 && b0 == b1 && a0 == a1 => {
                        let both = "USING and WITH CHECK";
                        out.push(row(*e0, format!("{} → {}", b0.describe(both), a0.describe(both))));
                    }
                    _ => {
                        for (effect, side, b, a) in &rows {
                            out.push(row(
                                *effect,
                                format!("{} → {}", b.describe(side.word()), a.describe(side.word())),
                            ));
                        }
                    }
                }
            }
        }
    }
    out
}

/// `new functions in schema public`: what default privileges are about.
fn defaults_object(scope: &Option<String>, kind: crate::model::ObjectKind) -> String {
    match scope {
        Some(schema) => format!("new {} in schema {}", kind.word(), crate::pgtree::quote_ident(schema)),
        None => format!("new {} in every schema", kind.word()),
    }
}

/// Privileges granted and revoked, role by role.
fn privileges(changes: &[Change]) -> Vec<Access> {
    let mut out = Vec::new();
    for change in changes {
        let never = Grants::default();
        let (Object { kind, name: object }, from, to) = match change {
            // A new object had no privileges: what its defaults would give and the
            // migration revokes was never held.
            Change::Grants { target, to, restate: true, .. } => (Object::of(target), &never, to),
            Change::Grants { target, from, to, .. } => (Object::of(target), from, to),
            Change::DefaultPrivileges { scope, kind, from, to } => {
                (Object { kind: Kind::DefaultPrivileges, name: defaults_object(scope, *kind) }, from, to)
            }
            _ => continue,
        };
        let none = BTreeSet::new();
        for role in from.keys().chain(to.keys()).collect::<BTreeSet<_>>() {
            let (had, has) = (from.get(role).unwrap_or(&none), to.get(role).unwrap_or(&none));
            for (privileges, effect) in [(has.difference(had), Effect::Granted), (had.difference(has), Effect::Revoked)]
            {
                for privilege in privileges {
                    let detail = if privilege == "TRUNCATE" { "TRUNCATE ignores row level security" } else { "" };
                    out.push(Access {
                        kind,
                        object: object.clone(),
                        role: role.clone(),
                        command: privilege.clone(),
                        effect,
                        detail: detail.into(),
                    });
                }
            }
        }
    }
    out
}

/// Row level security switched, forced, or missing on a new table.
fn row_security(changes: &[Change], tables: &Tables) -> Vec<String> {
    let desired = tables.desired;
    let mut out = Vec::new();
    let holders = |table: &QualifiedName| {
        let grants = desired.tables.get(table).map(|t| &t.grants).filter(|g| !g.is_empty());
        grants.map_or(String::new(), |g| {
            let roles: Vec<String> = g
                .iter()
                .map(|(r, p)| {
                    format!("{} ({})", role_text(r), p.iter().map(String::as_str).collect::<Vec<_>>().join(", "))
                })
                .collect();
            format!(" Privileges declared: {}.", roles.join("; "))
        })
    };
    for change in changes {
        match change {
            Change::SetRls { table, from, to, .. } if tables.current_tables.contains_key(table) => {
                let name = code(&table.to_string());
                if from.0 && !to.0 {
                    out.push(format!(
                        "**Disabled on {name}**: its policies no longer apply, and every role holding a \
                         privilege on it reaches every row.{}",
                        holders(table)
                    ));
                } else if !from.0 && to.0 {
                    out.push(format!(
                        "Enabled on {name}: a role now reaches only the rows a policy gives it, and none \
                         without one."
                    ));
                }
                if from.1 != to.1 && to.0 {
                    out.push(if to.1 {
                        format!("Forced on {name}: the table's owner is bound by its policies too.")
                    } else {
                        format!("No longer forced on {name}: the table's owner is not bound by its policies.")
                    });
                }
            }
            Change::CreateTable(t) if !t.rls_enabled => out.push(format!(
                "**{} is created without row level security**: every role holding a privilege on it \
                 reaches every row.{}",
                code(&t.name.to_string()),
                holders(&t.name)
            )),
            _ => {}
        }
    }
    // Policies on a table whose RLS is off are only words.
    let idle = desired.tables.values().filter(|t| !t.rls_enabled && tables.policies_changed(&t.name));
    for t in idle.map(|t| &t.name) {
        out.push(format!("Policies on {} have no effect while its row level security is off.", code(&t.to_string())));
    }
    out
}

/// `current` with the condition of each policy that differs from its desired one only in
/// where per-query calls are evaluated (`auth.uid()` → `(select auth.uid())`) written as
/// desired: the same rows, so no change of access to report.
fn initplans_aligned(current: &Schema, desired: &Schema) -> Schema {
    let mut aligned = current.clone();
    for (key, old) in &mut aligned.policies {
        let Some(new) = desired.policies.get(key) else { continue };
        if initplan::same_rows(old.using.as_ref(), new.using.as_ref()) {
            old.using.clone_from(&new.using);
        }
        if initplan::same_rows(old.with_check.as_ref(), new.with_check.as_ref()) {
            old.with_check.clone_from(&new.with_check);
        }
    }
    aligned
}

/// Views that stop or start reading their tables as the caller (`security_invoker`), and
/// new views in an exposed schema that read them as their owner.
fn view_security(current: &Schema, desired: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for (name, view) in desired.views.iter().filter(|(_, v)| !v.materialized) {
        let shown = code(&name.to_string());
        let as_owner = "reads its tables with its owner's privileges, past their row level security, for \
                        every role that may select from it";
        match current.views.get(name).map(View::security_invoker) {
            Some(true) if !view.security_invoker() => {
                out.push(format!("**View {shown} no longer has security_invoker**: it {as_owner}."))
            }
            Some(false) if view.security_invoker() => out.push(format!(
                "View {shown} now has security_invoker: it reads its tables with the caller's privileges and \
                 policies."
            )),
            None if !view.security_invoker() && name.schema == "public" => {
                out.push(format!("**View {shown} is created without security_invoker**: it {as_owner}."))
            }
            _ => {}
        }
    }
    out
}

/// The conditions of a policy, for a note: `SELECT to anon: USING `x``.
fn conditions_of(p: &Policy) -> String {
    let mut parts = vec![format!("{} to {}", p.command, roles_text(&p.roles))];
    for side in [Side::Using, Side::Check] {
        if let Some(e) = condition(p, side).filter(|_| side_applies(&p.command, side)) {
            parts.push(format!("{} {}", side.word(), code(e.text())));
        }
    }
    parts.join(", ")
}

fn side_applies(command: &str, side: Side) -> bool {
    sides(command).contains(&side)
}

fn roles_text(roles: &[String]) -> String {
    roles.iter().map(|r| role_text(r)).collect::<Vec<_>>().join(", ")
}

fn role_text(role: &str) -> String {
    if role == "public" { "PUBLIC".into() } else { code(role) }
}

/// What a changed policy widens, narrows, or changes otherwise: (broader, narrower, changed).
fn compare_policy(old: &Policy, new: &Policy) -> (Vec<String>, Vec<String>, Vec<String>) {
    if old.permissive != new.permissive {
        // A restrictive policy limits the rows other policies give, a permissive one gives
        // rows: turning one into the other only adds rows, or only takes them away.
        return if new.permissive {
            (vec!["restrictive → permissive".into()], vec![], vec![])
        } else {
            (vec![], vec!["permissive → restrictive".into()], vec![])
        };
    }
    let (mut broader, mut narrower, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    // `wider`: whether the new side lets through every row the old one did, `narrower`:
    // whether it lets through no other.
    let mut sort = |text: String, wider: bool, narrower_too: bool| match (wider, narrower_too) {
        (true, false) => broader.push(text),
        (false, true) => narrower.push(text),
        (false, false) => changed.push(text),
        (true, true) => {}
    };
    // Reaching more roles or commands, a permissive policy gives more and a restrictive
    // one restricts more.
    let has_public = |roles: &[String]| roles.iter().any(|r| r == "public");
    let more_roles = has_public(&new.roles) || old.roles.iter().all(|r| new.roles.contains(r));
    let fewer_roles = has_public(&old.roles) || new.roles.iter().all(|r| old.roles.contains(r));
    let more_commands = new.command == "ALL" || new.command == old.command;
    let fewer_commands = old.command == "ALL" || new.command == old.command;
    let scope = |more: bool, fewer: bool| if new.permissive { (more, fewer) } else { (fewer, more) };
    if old.roles != new.roles {
        let (w, n) = scope(more_roles, fewer_roles);
        sort(format!("roles {} → {}", roles_text(&old.roles), roles_text(&new.roles)), w, n);
    }
    if old.command != new.command {
        let (w, n) = scope(more_commands, fewer_commands);
        sort(format!("command {} → {}", old.command, new.command), w, n);
    }
    for side in [Side::Using, Side::Check] {
        if !side_applies(&old.command, side) || !side_applies(&new.command, side) {
            continue;
        }
        let (a, b) = (condition(old, side), condition(new, side));
        if a == b {
            continue;
        }
        let show = |e: Option<&Expr>| e.map_or("(none)".to_string(), |e| code(e.text()));
        let text = format!("{} {} → {}", side.word(), show(a), show(b));
        // Without a condition a permissive policy gives no rows and a restrictive one
        // takes none away.
        let (w, n) = if new.permissive {
            let (x0, x1) = (any_of(a), any_of(b));
            (lets_through(&x1, &x0), lets_through(&x0, &x1))
        } else {
            let (c0, c1) = (all_of(a), all_of(b));
            (c1.is_subset(&c0), c0.is_subset(&c1))
        };
        sort(text, w, n);
    }
    (broader, narrower, changed)
}

/// The top-level operands of an AND (or an OR) in an expression, each as its normalised
/// text: `a AND (b AND c)` gives a, b and c; anything else gives itself.
fn operands(e: &Expr, op: BoolExprType) -> Vec<String> {
    fn walk(node: &pg_query::protobuf::Node, op: i32, out: &mut Vec<String>) {
        match &node.node {
            Some(NodeEnum::BoolExpr(b)) if b.boolop == op => b.args.iter().for_each(|a| walk(a, op, out)),
            _ => out.push(expr_sql(node).text().to_string()),
        }
    }
    let mut out = Vec::new();
    match parse_expr(e.text()) {
        Ok(node) => walk(&node, op as i32, &mut out),
        Err(_) => out.push(e.text().to_string()),
    }
    out
}

/// The conditions AND-ed in `conditions`; `true` restricts nothing and is left out.
fn all_of<'e>(conditions: impl IntoIterator<Item = &'e Expr>) -> BTreeSet<String> {
    conditions.into_iter().flat_map(|e| operands(e, BoolExprType::AndExpr)).filter(|c| c != "true").collect()
}

/// The conditions OR-ed in `conditions`, each as the set of conditions it ANDs (empty for
/// `true`). No condition at all lets no row through.
fn any_of<'e>(conditions: impl IntoIterator<Item = &'e Expr>) -> Vec<BTreeSet<String>> {
    conditions
        .into_iter()
        .flat_map(|e| operands(e, BoolExprType::OrExpr))
        .map(|d| match crate::pgtree::normalize_expr(&d) {
            Ok(e) => all_of(std::iter::once(&e)),
            Err(_) => BTreeSet::from([d]),
        })
        .collect()
}

/// Whether the OR of `wide` lets through every row the OR of `narrow` does, as their shape
/// shows: each condition of `narrow` ANDs all that one of `wide` does, and maybe more.
fn lets_through(wide: &[BTreeSet<String>], narrow: &[BTreeSet<String>]) -> bool {
    narrow.iter().all(|n| wide.iter().any(|w| w.is_subset(n)))
}

/// Inline code that survives any backticks inside.
fn code(s: &str) -> String {
    if s.contains('`') { format!("`` {s} ``") } else { format!("`{s}`") }
}

/// Table cells: a `|` would end the cell, even inside code.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The expectations beside the policies: what `access:` says, what the policies gave and give.
fn expectations_table(rows: &[crate::access::changes::Row]) -> String {
    let mut out = String::from(
        "### Access expectations\n\n| Table | Role | Command | Expected | Before → after | Verdict |\n|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let before = r.before.as_deref().unwrap_or("(new table)");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&code(&r.table.to_string())),
            role_text(r.role.name()),
            r.command.map_or("every", |c| c.sql()),
            cell(&code(&r.expected)),
            cell(&format!("{} → {}", code(before), code(&r.after))),
            r.verdict.word()
        );
    }
    out.push_str(
        "\nExpected: the table's `access:`, or what its `rls:` preset promises; before → after: what the \
         policies and privileges give the role, where their conditions decide it. `schemagen test generate` \
         writes the pgTAP tests that prove the expectations, `schemagen verify` runs them.\n\n",
    );
    out
}
