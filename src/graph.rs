//! The dependency graph of a schema's objects, for `schemagen graph`: an edge from each
//! object to what it depends on, found in the parse trees (foreign keys, column types,
//! functions called in defaults and checks, tables read by policies and views, trigger
//! functions, tables read by SQL function bodies).

use std::collections::{BTreeMap, BTreeSet};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, EdgeRef, Reversed};

use crate::model::{ConstraintKind, ObjectId, QualifiedName, Schema};

pub struct ObjectGraph {
    /// Each node's label: the object's `Display`, or `external name` for a table the
    /// schema references but does not hold.
    graph: DiGraph<String, ()>,
    nodes: BTreeMap<ObjectId, NodeIndex>,
}

impl ObjectGraph {
    fn node(&mut self, id: ObjectId) -> NodeIndex {
        let label = id.to_string();
        self.labelled(id, label)
    }

    fn labelled(&mut self, id: ObjectId, label: String) -> NodeIndex {
        if let Some(&n) = self.nodes.get(&id) {
            return n;
        }
        let n = self.graph.add_node(label);
        self.nodes.insert(id, n);
        n
    }

    fn edge(&mut self, from: NodeIndex, to: NodeIndex) {
        if from != to && self.graph.find_edge(from, to).is_none() {
            self.graph.add_edge(from, to, ());
        }
    }

    /// The labels, sorted: the order the outputs list nodes in.
    fn labels(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.graph.node_weights().map(String::as_str).collect();
        out.sort();
        out
    }

    /// The objects `names` depend on and that depend on them, transitively; a name matches
    /// a node's whole label (`table public.users`), its qualified name, or its last part.
    pub fn around(&self, name: &str) -> Option<ObjectGraph> {
        let matches = |id: &ObjectId, label: &str| {
            let qualified = id.name();
            let base = qualified.split(" on ").next().unwrap_or(&qualified);
            let base = base.split('(').next().unwrap_or(base);
            label == name || qualified == name || base == name || base.rsplit('.').next() == Some(name)
        };
        let starts: Vec<NodeIndex> =
            self.nodes.iter().filter(|(id, n)| matches(id, &self.graph[**n])).map(|(_, &n)| n).collect();
        if starts.is_empty() {
            return None;
        }
        let mut keep = BTreeSet::new();
        for &s in &starts {
            let mut down = Bfs::new(&self.graph, s);
            while let Some(n) = down.next(&self.graph) {
                keep.insert(n);
            }
            let reversed = Reversed(&self.graph);
            let mut up = Bfs::new(reversed, s);
            while let Some(n) = up.next(reversed) {
                keep.insert(n);
            }
        }
        let mut sub = ObjectGraph { graph: DiGraph::new(), nodes: BTreeMap::new() };
        let mut kept = BTreeMap::new();
        for (id, &n) in self.nodes.iter().filter(|(_, n)| keep.contains(*n)) {
            kept.insert(n, sub.labelled(id.clone(), self.graph[n].clone()));
        }
        for e in self.graph.edge_references() {
            if let (Some(&a), Some(&b)) = (kept.get(&e.source()), kept.get(&e.target())) {
                sub.edge(a, b);
            }
        }
        Some(sub)
    }

    /// Edges as (object, dependency), sorted.
    fn edges(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = self
            .graph
            .edge_references()
            .map(|e| (self.graph[e.source()].as_str(), self.graph[e.target()].as_str()))
            .collect();
        out.sort();
        out
    }

    pub fn to_dot(&self) -> String {
        let mut s = String::from("digraph schema {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
        for id in self.labels() {
            s.push_str(&format!("  \"{}\";\n", id.replace('"', "\\\"")));
        }
        for (a, b) in self.edges() {
            s.push_str(&format!("  \"{}\" -> \"{}\";\n", a.replace('"', "\\\""), b.replace('"', "\\\"")));
        }
        s.push_str("}\n");
        s
    }

    pub fn to_mermaid(&self) -> String {
        let ids: BTreeMap<&str, String> =
            self.labels().into_iter().enumerate().map(|(i, id)| (id, format!("n{i}"))).collect();
        let mut s = String::from("flowchart LR\n");
        for (id, short) in &ids {
            s.push_str(&format!("  {short}[\"{}\"]\n", id.replace('"', "#quot;")));
        }
        for (a, b) in self.edges() {
            s.push_str(&format!("  {} --> {}\n", ids[a], ids[b]));
        }
        s
    }

    pub fn to_json(&self) -> String {
        let depends: BTreeMap<&str, Vec<&str>> = self
            .graph
            .node_indices()
            .map(|n| {
                let mut deps: Vec<&str> =
                    self.graph.neighbors_directed(n, Direction::Outgoing).map(|d| self.graph[d].as_str()).collect();
                deps.sort();
                (self.graph[n].as_str(), deps)
            })
            .collect();
        serde_json::to_string_pretty(&serde_json::json!({ "objects": depends })).expect("JSON of strings") + "\n"
    }
}

/// The node of a relation: the schema's view or table, or a table it only references.
fn rel(g: &mut ObjectGraph, schema: &Schema, name: &QualifiedName) -> NodeIndex {
    match schema.views.get(name) {
        Some(v) => g.node(ObjectId::View { name: name.clone(), materialized: v.materialized }),
        None if schema.tables.contains_key(name) => g.node(ObjectId::Table(name.clone())),
        None => g.labelled(ObjectId::Table(name.clone()), format!("external {name}")),
    }
}

pub fn build(schema: &Schema) -> ObjectGraph {
    let mut g = ObjectGraph { graph: DiGraph::new(), nodes: BTreeMap::new() };
    let functions_named = |name: &QualifiedName| -> Vec<ObjectId> {
        schema.functions.values().filter(|f| &f.name == name).map(|f| ObjectId::Function(f.routine())).collect()
    };
    // Only relations and functions the schema holds (or platform tables it references).
    let link = |g: &mut ObjectGraph, from: NodeIndex, relations: Vec<QualifiedName>, functions: Vec<QualifiedName>| {
        for r in relations {
            if schema.tables.contains_key(&r) || schema.views.contains_key(&r) {
                let to = rel(g, schema, &r);
                g.edge(from, to);
            }
        }
        for f in functions {
            for id in functions_named(&f) {
                let to = g.node(id);
                g.edge(from, to);
            }
        }
    };
    for t in schema.tables.values() {
        let n = g.node(ObjectId::Table(t.name.clone()));
        for c in &t.columns {
            if !c.data_type.builtin {
                let e = QualifiedName::new(
                    c.data_type.schema.clone().unwrap_or_else(|| "public".into()),
                    c.data_type.name.clone(),
                );
                if schema.enums.contains_key(&e) {
                    let to = g.node(ObjectId::Type(e));
                    g.edge(n, to);
                }
            }
            for e in c.default.iter().chain(c.generated.iter()) {
                link(&mut g, n, e.refs().relations.clone(), e.refs().functions.clone());
            }
        }
        for c in &t.constraints {
            match &c.kind {
                ConstraintKind::ForeignKey(fk) => {
                    let to = rel(&mut g, schema, &fk.ref_table);
                    g.edge(n, to);
                }
                ConstraintKind::Check { expr, .. } => {
                    link(&mut g, n, expr.refs().relations.clone(), expr.refs().functions.clone());
                }
                _ => {}
            }
        }
    }
    for e in schema.enums.values() {
        g.node(ObjectId::Type(e.name.clone()));
    }
    for v in schema.views.values() {
        let n = g.node(ObjectId::View { name: v.name.clone(), materialized: v.materialized });
        let relations = v.refs.relations.iter().filter(|x| *x != &v.name).cloned().collect();
        link(&mut g, n, relations, v.refs.functions.clone());
    }
    for f in schema.functions.values() {
        let n = g.node(ObjectId::Function(f.routine()));
        // PL/pgSQL bodies through PL/pgSQL's parser, then each statement through SQL's;
        // where that parser cannot read a body, the relations its statements name are
        // found with the scanner instead.
        let bodies = match f.language.as_str() {
            "sql" => Some(vec![f.body_refs.clone()]),
            "plpgsql" => crate::pgtree::plpgsql_statements(&f.body)
                .map(|statements| statements.iter().map(|s| crate::pgtree::statement_refs(s)).collect()),
            _ => Some(Vec::new()),
        };
        match bodies {
            Some(bodies) => {
                for refs in bodies {
                    let calls = refs.functions.into_iter().filter(|c| c != &f.name).collect();
                    link(&mut g, n, refs.relations, calls);
                }
            }
            None => link(&mut g, n, crate::pgtree::scanned_relations(&f.body), Vec::new()),
        }
    }
    for p in schema.policies.values() {
        let n = g.node(ObjectId::Policy(p.table.clone(), p.name.clone()));
        let to = rel(&mut g, schema, &p.table);
        g.edge(n, to);
        for e in p.using.iter().chain(p.with_check.iter()) {
            link(&mut g, n, e.refs().relations.clone(), e.refs().functions.clone());
        }
    }
    for t in schema.triggers.values() {
        let n = g.node(ObjectId::Trigger(t.table.clone(), t.name.clone()));
        let to = rel(&mut g, schema, &t.table);
        g.edge(n, to);
        let mut calls = vec![t.function.clone()];
        if let Some(w) = &t.when {
            calls.extend(w.refs().functions.iter().cloned());
        }
        link(&mut g, n, Vec::new(), calls);
    }
    g
}
