//! YAML for partitioning: `partition_by:` on a partitioned table, `partition_of:` and
//! `bound:` on a partition. Each becomes the clause of CREATE TABLE a person would write.

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use super::File;
use crate::diagnostic::Result;
use crate::model::QualifiedName;

/// The partitioning clauses of one table's CREATE TABLE.
pub(super) struct Clauses<'n> {
    /// ` PARTITION OF parent`, after the table's name.
    pub of: String,
    /// ` FOR VALUES …` / ` DEFAULT` and ` PARTITION BY …`, after its elements.
    pub after: String,
    /// Where `partition_of:` is written: what a refusal of the parent points at.
    pub parent: Option<&'n MarkedScalarNode>,
    /// INHERITS: the table may have no columns of its own.
    pub inherits: bool,
    /// Each clause alone in a statement that parses only if the clause does.
    pub pieces: Vec<(&'n marked_yaml::Span, String)>,
}

/// Moves each partition file after the file of the partition it is a partition of (a
/// partition of a partition), and a table that inherits after its parents, keeping file
/// order otherwise. Partitions and heirs come after other tables already (`load_rank`); a
/// cycle is left as it is, for the replay to refuse.
pub(super) fn parents_first(parsed: &mut [(File<'_>, Node)]) {
    let text = |map: &MarkedMappingNode, key: &str| map.get_node(key).and_then(Node::as_scalar).map(|s| s.to_string());
    let name_of = |root: &Node| {
        let Node::Mapping(map) = root else { return None };
        let table = text(map, "table")?;
        Some(match text(map, "schema") {
            Some(schema) => format!("{schema}.{table}"),
            None if table.contains('.') => table,
            None => format!("public.{table}"),
        })
    };
    let parents_of = |root: &Node| {
        let Node::Mapping(map) = root else { return Vec::new() };
        let mut parents: Vec<String> = text(map, "partition_of").into_iter().collect();
        match map.get_node("inherits") {
            Some(Node::Sequence(seq)) => parents.extend(seq.iter().filter_map(Node::as_scalar).map(|s| s.to_string())),
            Some(Node::Scalar(s)) => parents.extend(s.split(',').map(|p| p.trim().to_string())),
            _ => {}
        }
        parents.into_iter().map(|p| if p.contains('.') { p } else { format!("public.{p}") }).collect::<Vec<_>>()
    };
    let mut i = 0;
    let mut moves = 0;
    while i < parsed.len() && moves <= parsed.len() * parsed.len() {
        let parents = parents_of(&parsed[i].1);
        let later = (i + 1..parsed.len()).rev().find(|&j| name_of(&parsed[j].1).is_some_and(|n| parents.contains(&n)));
        match later {
            Some(j) => {
                parsed[i..=j].rotate_left(1);
                moves += 1;
            }
            None => i += 1,
        }
    }
}

impl File<'_> {
    pub(super) fn partition_clauses<'n>(&self, map: &'n MarkedMappingNode) -> Result<Clauses<'n>> {
        let node = |key: &str| map.get_node(key).map(|n| self.scalar(n, &format!("`{key}`"))).transpose();
        let (by, of, bound) = (node("partition_by")?, node("partition_of")?, node("bound")?);
        let mut clauses =
            Clauses { of: String::new(), after: String::new(), parent: of, inherits: false, pieces: Vec::new() };
        match (of, bound) {
            (Some(parent), Some(bound)) => {
                self.check_name(parent, true)?;
                let parent = match parent.split_once('.') {
                    Some((s, t)) => QualifiedName::new(s, t),
                    None => QualifiedName::new("public", parent.as_str()),
                };
                clauses.of = format!(" PARTITION OF {}", parent.sql());
                let spec = if bound.as_str().trim().eq_ignore_ascii_case("default") {
                    " DEFAULT".to_string()
                } else {
                    format!(" FOR VALUES {}", bound.as_str())
                };
                clauses.pieces.push((bound.span(), format!("CREATE TABLE t PARTITION OF p{spec}")));
                clauses.after.push_str(&spec);
            }
            (Some(parent), None) => {
                return Err(self
                    .error(
                        parent.span(),
                        "a partition needs `bound:`",
                        "add `bound: from (…) to (…)`, `in (…)`, `with (modulus m, remainder r)` or `default`",
                    )
                    .into());
            }
            (None, Some(bound)) => {
                return Err(self
                    .error(bound.span(), "`bound:` without `partition_of:`", "name the partitioned table it belongs to")
                    .into());
            }
            (None, None) => {}
        }
        if let Some(node) = map.get_node("inherits") {
            let parents = self.names(node, "`inherits`")?;
            let parents: Vec<String> = parents
                .iter()
                .map(|p| match p.split_once('.') {
                    Some((s, t)) => QualifiedName::new(s, t).sql(),
                    None => QualifiedName::new("public", p.as_str()).sql(),
                })
                .collect();
            clauses.inherits = !parents.is_empty();
            let clause = format!(" INHERITS ({})", parents.join(", "));
            clauses.pieces.push((node.span(), format!("CREATE TABLE t (){clause}")));
            clauses.after.push_str(&clause);
        }
        if let Some(by) = by {
            let clause = format!(" PARTITION BY {}", by.as_str());
            clauses.pieces.push((by.span(), format!("CREATE TABLE t (){clause}")));
            clauses.after.push_str(&clause);
        }
        Ok(clauses)
    }

    /// A partition's columns are its parent's: it declares none.
    pub(super) fn partition_columns(&self, map: &MarkedMappingNode) -> Result<()> {
        match map.keys().find(|k| k.as_str() == "columns") {
            Some(key) => Err(self
                .error(
                    key.span(),
                    "a partition cannot declare `columns`",
                    "its columns are those of the table in `partition_of:`: remove `columns:`",
                )
                .into()),
            None => Ok(()),
        }
    }
}
