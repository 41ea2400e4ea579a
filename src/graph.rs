//! The dependency graph of a schema's objects, for `schemagen graph`: the model's
//! (`model::deps::Graph`: foreign keys, column types, functions called in defaults and
//! checks, tables read by policies and views, trigger functions, what SQL function bodies
//! read), drawn with tables whole, plus what PL/pgSQL bodies use, read here.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, EdgeRef, Reversed};

use crate::model::deps::{self, Dep, Graph};
use crate::model::{Function, ObjectId, Schema};

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

/// The node an object is drawn as: tables whole (their columns and constraints are the
/// table), a table the schema does not hold as `external`, and only enums among types.
/// Indexes are not drawn.
fn drawn(g: &mut ObjectGraph, schema: &Schema, id: &ObjectId) -> Option<NodeIndex> {
    match id {
        ObjectId::Table(t) if !schema.tables.contains_key(t) => Some(g.labelled(id.clone(), format!("external {t}"))),
        ObjectId::Column(t, _) | ObjectId::Constraint(t, _) => Some(g.node(ObjectId::Table(t.clone()))),
        ObjectId::Type(t) if !schema.enums.contains_key(t) => None,
        ObjectId::Table(_)
        | ObjectId::Type(_)
        | ObjectId::View { .. }
        | ObjectId::Function(_)
        | ObjectId::Policy(..)
        | ObjectId::Trigger(..) => Some(g.node(id.clone())),
        _ => None,
    }
}

pub fn build(schema: &Schema) -> ObjectGraph {
    let deps = Graph::of(schema);
    let mut g = ObjectGraph { graph: DiGraph::new(), nodes: BTreeMap::new() };
    let link = |g: &mut ObjectGraph, from: NodeIndex, to: &ObjectId| {
        if let Some(to) = drawn(g, schema, to) {
            g.edge(from, to);
        }
    };
    for id in deps.objects() {
        let Some(from) = drawn(&mut g, schema, id) else { continue };
        for to in deps.depends_on(id) {
            link(&mut g, from, to);
        }
    }
    // What a PL/pgSQL body uses orders nothing (it is only parsed at creation), but it is
    // what a reader looks for.
    for f in schema.functions.values().filter(|f| f.language == "plpgsql") {
        let from = g.node(ObjectId::Function(f.routine()));
        for to in plpgsql_deps(f).iter().flat_map(|d| deps.resolve(d)) {
            link(&mut g, from, &to);
        }
    }
    g
}

/// What a PL/pgSQL body uses: its statements through SQL's parser, or where PL/pgSQL's
/// parser cannot read the body, the relations its statements name, found by the scanner.
pub fn plpgsql_deps(f: &Function) -> Vec<Dep> {
    match crate::pgtree::plpgsql_statements(&f.body) {
        Some(statements) => statements.iter().flat_map(|s| deps::body(f, &crate::pgtree::statement_refs(s))).collect(),
        None => crate::pgtree::scanned_relations(&f.body).into_iter().map(Dep::Relation).collect(),
    }
}
