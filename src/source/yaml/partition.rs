//! YAML for partitioning: `partition_by:` on a partitioned table, `partition_of:` and
//! `bound:` on a partition. Each becomes the clause of CREATE TABLE a person would write.

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
    /// Each clause alone in a statement that parses only if the clause does.
    pub pieces: Vec<(&'n marked_yaml::Span, String)>,
}

impl File<'_> {
    pub(super) fn partition_clauses<'n>(&self, map: &'n MarkedMappingNode) -> Result<Clauses<'n>> {
        let node = |key: &str| map.get_node(key).map(|n| self.scalar(n, &format!("`{key}`"))).transpose();
        let (by, of, bound) = (node("partition_by")?, node("partition_of")?, node("bound")?);
        let mut clauses = Clauses { of: String::new(), after: String::new(), parent: of, pieces: Vec::new() };
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
