//! What each object depends on, said once, from what the loaders stored (`Refs` of
//! expressions, view queries and SQL bodies, foreign keys, column types, trigger
//! functions); and the graph of a schema's objects built from it, which `graph`, the diff's
//! rebuilt dependents and DROP … CASCADE read. The plan maps the same dependencies onto its
//! own keys.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Column, Composite, Constraint, ConstraintKind, ForeignKey, Function, Index, ObjectId, Policy, QualifiedName,
};
use super::{Expr, Refs, Schema, Trigger, View};

/// One dependency, by the names the object's definition uses. Not an `ObjectId`: a name
/// read in a query is a table or a view (or a CTE), a call names no overload, and the plan
/// needs finer facts than objects: a key on these columns for a foreign key, the columns a
/// policy reads so that a column is dropped only after the policy changes. `Graph::of`
/// resolves these against a schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dep {
    /// The table (or view) a policy or trigger is defined on.
    On(QualifiedName),
    /// A relation read by name.
    Relation(QualifiedName),
    /// Any function of this name.
    Function(QualifiedName),
    /// A column's type, when it is not built in.
    Type(QualifiedName),
    /// A column of the object's own table, named in its expressions.
    Column(QualifiedName, String),
    /// The primary key or unique constraint on these columns (none: the primary key) that
    /// a foreign key references.
    Key(QualifiedName, Vec<String>),
}

/// The relations an expression, a query or a body reads, then the functions it calls.
pub fn refs(refs: &Refs) -> Vec<Dep> {
    let relations = refs.relations.iter().cloned().map(Dep::Relation);
    relations.chain(refs.functions.iter().cloned().map(Dep::Function)).collect()
}

/// The columns of `table` an expression names.
fn own_columns(table: &QualifiedName, refs: &Refs) -> impl Iterator<Item = Dep> {
    refs.columns.iter().map(|c| Dep::Column(table.clone(), c.clone()))
}

/// Its type when it is not built in, what its default or generation expression uses, and
/// the columns of its table a generation expression reads.
pub fn column(table: &QualifiedName, column: &Column) -> Vec<Dep> {
    let mut out = Vec::new();
    let ty = &column.data_type;
    if !ty.builtin {
        out.push(Dep::Type(type_name(ty)));
    }
    for e in column.default.iter().chain(column.generated.iter()) {
        out.extend(refs(e.refs()));
    }
    if let Some(e) = &column.generated {
        out.extend(own_columns(table, e.refs()).filter(|d| d != &Dep::Column(table.clone(), column.name.clone())));
    }
    out
}

/// What its expressions use, and the columns of its table it names.
pub fn index(table: &QualifiedName, index: &Index) -> Vec<Dep> {
    let exprs: Vec<&Expr> = index.keys.iter().filter_map(|k| k.expr.as_ref()).chain(&index.predicate).collect();
    let named = index.keys.iter().filter_map(|k| k.column.clone()).chain(index.include.iter().cloned());
    keyed(table, &exprs, named)
}

/// What the expressions of an index (or an exclusion constraint) use, and the columns of
/// its table it names and its expressions read.
fn keyed(table: &QualifiedName, exprs: &[&Expr], named: impl IntoIterator<Item = String>) -> Vec<Dep> {
    let mut out: Vec<Dep> = exprs.iter().flat_map(|e| refs(e.refs())).collect();
    out.extend(named.into_iter().map(|c| Dep::Column(table.clone(), c)));
    out.extend(exprs.iter().flat_map(|e| own_columns(table, e.refs())));
    out
}

pub fn foreign_key(fk: &ForeignKey) -> Dep {
    Dep::Key(fk.ref_table.clone(), fk.ref_columns.clone())
}

/// What a CHECK or an EXCLUDE uses and the columns it names, the key a foreign key
/// references, the columns a key or foreign key is on.
pub fn constraint(table: &QualifiedName, c: &Constraint) -> Vec<Dep> {
    let mut out: Vec<Dep> = match &c.kind {
        ConstraintKind::Check { expr, .. } => {
            refs(expr.refs()).into_iter().chain(own_columns(table, expr.refs())).collect()
        }
        ConstraintKind::ForeignKey(fk) => vec![foreign_key(fk)],
        ConstraintKind::Exclude(x) => keyed(table, &x.exprs(), x.columns()),
        _ => vec![],
    };
    out.extend(c.kind.columns().iter().map(|col| Dep::Column(table.clone(), col.clone())));
    out
}

/// Its table, what its expressions use, and the columns they name, of its table and of
/// each relation they read (a column is named by its last part, so it may be of either).
pub fn policy(policy: &Policy) -> Vec<Dep> {
    let mut out = vec![Dep::On(policy.table.clone())];
    for e in policy.using.iter().chain(policy.with_check.iter()) {
        out.extend(refs(e.refs()));
        out.extend(own_columns(&policy.table, e.refs()));
        out.extend(read_columns(e.refs()));
    }
    out
}

/// The columns named in `refs`, taken as columns of each relation it reads.
fn read_columns(refs: &Refs) -> impl Iterator<Item = Dep> {
    refs.relations.iter().flat_map(|r| own_columns(r, refs))
}

pub fn trigger(trigger: &Trigger) -> Vec<Dep> {
    let mut out = vec![Dep::On(trigger.table.clone()), Dep::Function(trigger.function.clone())];
    if let Some(w) = &trigger.when {
        out.extend(refs(w.refs()));
    }
    out
}

/// The types of its attributes that are not built in.
pub fn composite(c: &Composite) -> Vec<Dep> {
    c.attributes.iter().filter(|a| !a.data_type.builtin).map(|a| Dep::Type(type_name(&a.data_type))).collect()
}

/// The functions and the types that are not built in that a range type's or an
/// aggregate's options name (and an aggregate's arguments): PostgreSQL records them all.
pub fn options(options: &super::optioned::Options, args: &[super::DataType]) -> Vec<Dep> {
    let types = args.iter().chain(super::optioned::option_types(options)).filter(|t| !t.builtin);
    let types = types.map(|t| Dep::Type(type_name(t)));
    types.chain(super::optioned::option_functions(options).map(Dep::Function)).collect()
}

fn type_name(ty: &super::DataType) -> QualifiedName {
    QualifiedName::new(ty.schema.as_deref().unwrap_or("public"), ty.name.clone())
}

/// What a SQL body reads and calls, itself aside, the columns it names of what it reads,
/// and the relations whose types a PL/pgSQL body declares variables of (the rest of it is
/// only parsed when the function is created). PostgreSQL records none of it.
pub fn function(f: &Function) -> Vec<Dep> {
    body(f, &f.body_refs)
}

/// The types its arguments and result name (an enum, a domain, a composite type, a table's
/// or a view's row type), which PostgreSQL records.
pub fn signature(f: &Function) -> Vec<Dep> {
    f.types.iter().cloned().map(Dep::Type).collect()
}

/// What a statement of `f`'s body refers to, `f` itself aside. A SQL body names columns
/// of the row types of its signature too (`r.title` of an argument `r public.posts`), and
/// PostgreSQL checks those when it creates the function.
pub fn body(f: &Function, statement: &Refs) -> Vec<Dep> {
    let row_types = f.types.iter().filter(|_| f.language == "sql");
    let all = refs(statement)
        .into_iter()
        .chain(read_columns(statement))
        .chain(row_types.flat_map(|t| own_columns(t, statement)));
    all.filter(|d| d != &Dep::Function(f.name.clone())).collect()
}

/// What its query reads and calls, itself aside, and the columns it names of what it reads.
pub fn view(view: &View) -> Vec<Dep> {
    let all = refs(&view.refs).into_iter().chain(read_columns(&view.refs));
    all.filter(|d| !matches!(d, Dep::Relation(r) | Dep::Column(r, _) if r == &view.name)).collect()
}

/// A schema's objects with an edge from each to what it depends on. A table's columns,
/// constraints and indexes are objects of their own, so that what DROP … CASCADE takes
/// is the part that uses the dropped object, not the table.
#[derive(Debug, Default)]
pub struct Graph {
    /// What each object depends on as PostgreSQL records it.
    depends_on: BTreeMap<ObjectId, BTreeSet<ObjectId>>,
    /// What a SQL function's body reads and calls: it orders creation, but PostgreSQL
    /// records none of it, so it keeps nothing from being dropped.
    body: BTreeMap<ObjectId, BTreeSet<ObjectId>>,
    dependents: BTreeMap<ObjectId, BTreeSet<ObjectId>>,
    relations: BTreeMap<QualifiedName, ObjectId>,
    functions: BTreeMap<QualifiedName, Vec<ObjectId>>,
    domains: BTreeSet<QualifiedName>,
    columns: BTreeSet<(QualifiedName, String)>,
}

impl Graph {
    pub fn of(schema: &Schema) -> Graph {
        let mut g = Graph {
            relations: schema
                .tables
                .keys()
                .map(|t| (t.clone(), ObjectId::Table(t.clone())))
                .chain(schema.views.values().map(|v| (v.name.clone(), view_id(v))))
                .collect(),
            domains: schema.domains.keys().cloned().collect(),
            columns: schema
                .tables
                .values()
                .flat_map(|t| t.columns.iter().map(|c| (t.name.clone(), c.name.clone())))
                .collect(),
            ..Graph::default()
        };
        for f in schema.functions.values() {
            g.functions.entry(f.name.clone()).or_default().push(ObjectId::Function(f.routine()));
        }
        for a in schema.aggregates.values() {
            g.functions.entry(a.name.clone()).or_default().push(ObjectId::Function(a.routine()));
        }
        // The sequence of a serial or identity column is a relation a `nextval` default of
        // another table reads (LIKE … INCLUDING DEFAULTS copies one); it goes with its table.
        let mut sequences = BTreeMap::new();
        for t in schema.tables.values() {
            for sequence in t.columns.iter().filter_map(|c| c.own_sequence(&t.name)) {
                g.relations.entry(sequence.clone()).or_insert_with(|| ObjectId::Sequence(sequence.clone()));
                sequences.insert(sequence, t.name.clone());
            }
        }
        for t in schema.tables.values() {
            // A partition stands on its parent (DROP TABLE of the parent takes it along).
            let parent: Vec<Dep> = t.partition_of.iter().map(|o| Dep::Relation(o.parent.clone())).collect();
            g.add(ObjectId::Table(t.name.clone()), &parent);
            for c in &t.columns {
                g.add(ObjectId::Column(t.name.clone(), c.name.clone()), &column(&t.name, c));
            }
            for c in &t.constraints {
                g.add(ObjectId::Constraint(t.name.clone(), c.name.clone()), &constraint(&t.name, c));
            }
            for i in &t.indexes {
                g.add(ObjectId::Index(t.name.clone(), i.name.clone()), &index(&t.name, i));
            }
        }
        for e in schema.enums.keys() {
            g.add(ObjectId::Type(e.clone()), &[]);
        }
        for d in schema.domains.keys() {
            g.add(ObjectId::Domain(d.clone()), &[]);
        }
        for c in schema.composites.values() {
            g.add(ObjectId::Type(c.name.clone()), &composite(c));
        }
        for r in schema.ranges.values() {
            g.add(ObjectId::Type(r.name.clone()), &options(&r.options, &[]));
        }
        for a in schema.aggregates.values() {
            g.add(ObjectId::Function(a.routine()), &options(&a.options, &a.args));
        }
        for v in schema.views.values() {
            let mut deps = view(v);
            // A star the model could not expand (over a subquery, say) reads every column.
            if v.query.contains('*') {
                let read = v.refs.relations.iter().filter_map(|r| schema.tables.get(r));
                let columns = read.flat_map(|t| t.columns.iter().map(|c| Dep::Column(t.name.clone(), c.name.clone())));
                deps.extend(columns.collect::<Vec<_>>());
            }
            g.add(view_id(v), &deps);
        }
        for f in schema.functions.values() {
            let id = ObjectId::Function(f.routine());
            g.add(id.clone(), &signature(f));
            let body = g.targets(&id, &function(f));
            g.body.insert(id, body);
        }
        for p in schema.policies.values() {
            g.add(ObjectId::Policy(p.table.clone(), p.name.clone()), &policy(p));
        }
        for t in schema.triggers.values() {
            g.add(ObjectId::Trigger(t.table.clone(), t.name.clone()), &trigger(t));
        }
        for (sequence, table) in sequences {
            let id = ObjectId::Sequence(sequence);
            if g.dependents.contains_key(&id) {
                g.add(id, &[Dep::On(table)]);
            }
        }
        g
    }

    fn targets(&self, id: &ObjectId, deps: &[Dep]) -> BTreeSet<ObjectId> {
        deps.iter().flat_map(|d| self.resolve(d)).filter(|t| t != id).collect()
    }

    fn add(&mut self, id: ObjectId, deps: &[Dep]) {
        let targets = self.targets(&id, deps);
        for t in &targets {
            self.depends_on.entry(t.clone()).or_default();
            self.dependents.entry(t.clone()).or_default().insert(id.clone());
        }
        self.depends_on.entry(id).or_default().extend(targets);
    }

    /// The objects a dependency names. A relation read in a query may be a CTE, so only
    /// the schema's own are objects; the table of a foreign key, a policy or a trigger is
    /// one even when the schema does not hold it (`auth.users`), and so is a column's type
    /// (an extension's, like citext). A column named is one only where the table has it.
    pub fn resolve(&self, dep: &Dep) -> Vec<ObjectId> {
        match dep {
            Dep::Relation(r) => self.relations.get(r).cloned().into_iter().collect(),
            Dep::On(t) | Dep::Key(t, _) => {
                vec![self.relations.get(t).cloned().unwrap_or_else(|| ObjectId::Table(t.clone()))]
            }
            Dep::Function(f) => self.functions.get(f).cloned().unwrap_or_default(),
            Dep::Type(t) if self.domains.contains(t) => vec![ObjectId::Domain(t.clone())],
            Dep::Type(t) if self.relations.contains_key(t) => vec![self.relations[t].clone()],
            Dep::Type(t) => vec![ObjectId::Type(t.clone())],
            Dep::Column(t, c) if self.columns.contains(&(t.clone(), c.clone())) => {
                vec![ObjectId::Column(t.clone(), c.clone())]
            }
            Dep::Column(..) => vec![],
        }
    }

    /// Every object of the schema, and every object one of them depends on.
    pub fn objects(&self) -> impl Iterator<Item = &ObjectId> {
        self.depends_on.keys()
    }

    /// What `id` depends on directly, a SQL function's body included.
    pub fn depends_on(&self, id: &ObjectId) -> impl Iterator<Item = &ObjectId> {
        self.recorded(id).chain(self.body.get(id).into_iter().flatten())
    }

    /// What `id` depends on directly as PostgreSQL records it: a function's body aside.
    pub fn recorded(&self, id: &ObjectId) -> impl Iterator<Item = &ObjectId> {
        self.depends_on.get(id).into_iter().flatten()
    }

    /// What depends on `ids`, directly or through other dependents, as PostgreSQL records
    /// it: a function for the types of its signature, never for what its body uses; a
    /// column, but not through it (what goes is its default, not the column).
    pub fn dependents(&self, ids: &[ObjectId]) -> BTreeSet<ObjectId> {
        let mut out = BTreeSet::new();
        let mut todo: Vec<&ObjectId> = ids.iter().collect();
        while let Some(id) = todo.pop() {
            for d in self.dependents.get(id).into_iter().flatten() {
                if out.insert(d.clone()) && !matches!(d, ObjectId::Column(..)) {
                    todo.push(d);
                }
            }
        }
        out
    }
}

pub fn view_id(v: &View) -> ObjectId {
    ObjectId::View { name: v.name.clone(), materialized: v.materialized }
}
