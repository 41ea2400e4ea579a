//! YAML for publications and how a table is stored: `unlogged:`, `with:` (storage
//! parameters, also of indexes), `replica_identity:` and `publications:` of a table, and
//! publication files.

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;

use super::format::{PUBLICATION_KEYS, PUBLISHED_KEYS, REPLICA_IDENTITIES, REPLICA_INDEX_KEYS};
use super::{File, Place, Places, column_hint, diagnostic_at};
use crate::diagnostic::{Diagnostic, Result, closest};
use crate::model::replication::{PLATFORM_PUBLICATIONS, PUBLISH_OPERATIONS};
use crate::model::{Publication, Published, QualifiedName, Schema};
use crate::pgtree::{quote_ident, quote_literal};

impl File<'_> {
    /// The words `unlogged:` and `with:` add to a table's CREATE TABLE: before TABLE, and
    /// after its columns.
    pub(super) fn table_storage_sql(&self, map: &MarkedMappingNode) -> Result<(&'static str, String)> {
        let unlogged = match map.get_node("unlogged") {
            Some(u) if self.flag(u, "unlogged")? => "UNLOGGED ",
            _ => "",
        };
        let with = match map.get_node("with") {
            Some(w) => self.with_clause(w)?,
            None => String::new(),
        };
        Ok((unlogged, with))
    }

    /// `with:` as ` WITH (…)`.
    pub(super) fn with_clause(&self, node: &Node) -> Result<String> {
        Ok(format!(" WITH ({})", self.storage_parameters(node)?.join(", ")))
    }

    /// `with:` as the options of `WITH (…)`, `name = value`: each name a (dotted)
    /// identifier, each value a number or a word; anything else is refused where it is written.
    pub(super) fn storage_parameters(&self, node: &Node) -> Result<Vec<String>> {
        let map = self.mapping(
            node,
            "`with` must map storage parameters to values",
            "e.g. with: {fillfactor: 70, autovacuum_enabled: false}",
        )?;
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            // Every storage parameter is a number, a boolean or a word (`auto`).
            let value = self.scalar(value, "a storage parameter")?;
            let text = value.as_str();
            let word =
                !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            let refused = if !key.split('.').all(super::is_plain_identifier) {
                Some((key.span(), "name", "write the parameter's name, e.g. fillfactor or toast.autovacuum_enabled"))
            } else if !word {
                Some((value.span(), "value", "write a number, true or false, or a word such as auto"))
            } else {
                None
            };
            if let Some((span, what, hint)) = refused {
                let shown = if what == "name" { key.as_str() } else { text };
                let message = format!("`{}` is not a storage parameter {what}", shown.escape_debug());
                return Err(self.error(span, message, hint).into());
            }
            out.push(format!("{} = {}", key.to_lowercase(), text.to_lowercase()));
        }
        Ok(out)
    }

    /// `replica_identity:` and `publications:` of a table, on the table just built.
    pub(super) fn table_replication(
        &self,
        schema: &mut Schema,
        places: &mut Places,
        map: &MarkedMappingNode,
        name: &QualifiedName,
    ) -> Result<()> {
        // Through the replay, which refuses an index that cannot be the identity.
        if let Some(node) = map.get_node("replica_identity") {
            let identity = match node {
                Node::Mapping(m) => {
                    self.check_keys(m, REPLICA_INDEX_KEYS, "replica_identity")?;
                    let index = m.get_node("index").ok_or_else(|| {
                        self.error(
                            node.span(),
                            "`replica_identity` needs `index`",
                            "e.g. replica_identity: {index: t_key}",
                        )
                    })?;
                    format!("USING INDEX {}", quote_ident(self.scalar(index, "index")?.as_str()))
                }
                _ => self.one_of(node, "replica identity", REPLICA_IDENTITIES)?.to_uppercase(),
            };
            self.run(schema, &format!("ALTER TABLE {} REPLICA IDENTITY {identity}", name.sql()), node)?;
        }
        let mut publications = std::collections::BTreeMap::new();
        if let Some(node) = map.get_node("publications") {
            let entries: Vec<(&str, Option<&Node>, &Node)> = match node {
                Node::Mapping(m) => m.iter().map(|(k, v)| (k.as_str(), Some(v), v)).collect(),
                Node::Sequence(s) => s
                    .iter()
                    .map(|n| self.scalar(n, "a publication").map(|p| (p.as_str(), None, n)))
                    .collect::<Result<_>>()?,
                Node::Scalar(s) => vec![(s.as_str(), None, node)],
            };
            for (publication, spec, at) in entries {
                let member = match spec {
                    Some(Node::Mapping(m)) => self.published(m)?,
                    Some(other) if !self.scalar(other, "a publication")?.is_empty() => {
                        return Err(self
                            .error(
                                other.span(),
                                "a publication's entry must be a mapping",
                                "e.g. publications: {supabase_realtime: {columns: [id, body]}}",
                            )
                            .into());
                    }
                    _ => Published::default(),
                };
                if publications.insert(publication.to_string(), member).is_some() {
                    return Err(self
                        .error(at.span(), format!("publication {publication} is listed twice"), "list it once")
                        .into());
                }
                places.publication_members.push((publication.to_string(), name.clone(), self.place(at.span())));
            }
        }
        schema.tables.get_mut(name).expect("built before").publications = publications;
        Ok(())
    }

    /// One table's entry under `publications:`: its column list and row filter.
    fn published(&self, map: &MarkedMappingNode) -> Result<Published> {
        self.check_keys(map, PUBLISHED_KEYS, "a publication entry")?;
        let mut columns = match map.get_node("columns") {
            Some(c) => self.names(c, "columns")?,
            None => Vec::new(),
        };
        columns.sort();
        let row_filter = map.get_node("where").map(|w| self.parsed_expr(w, "where")).transpose()?;
        Ok(Published { columns, row_filter })
    }

    pub(super) fn load_publication(&self, schema: &mut Schema, map: &MarkedMappingNode) -> Result<()> {
        self.check_keys(map, PUBLICATION_KEYS, "the publication file")?;
        let name_node = self.scalar(map.get_node("publication").expect("dispatched on it"), "publication")?;
        self.check_name(name_node, false)?;
        let name = name_node.to_string();
        if schema.publications.contains_key(&name) {
            return Err(self
                .error(
                    name_node.span(),
                    format!("publication {name} is declared twice"),
                    "keep one file per publication",
                )
                .into());
        }
        // As a person writes it, through the replay.
        let mut sql = format!("CREATE PUBLICATION {}", quote_ident(&name));
        if let Some(node) = map.get_node("all_tables")
            && self.flag(node, "all_tables")?
        {
            sql.push_str(" FOR ALL TABLES");
        }
        let mut options = Vec::new();
        if let Some(node) = map.get_node("publish") {
            let words = self.words(node, "publish", "operation", PUBLISH_OPERATIONS)?;
            options.push(format!("publish = {}", quote_literal(&words.join(", "))));
        }
        if let Some(node) = map.get_node("via_partition_root") {
            options.push(format!("publish_via_partition_root = {}", self.flag(node, "via_partition_root")?));
        }
        if !options.is_empty() {
            sql.push_str(&format!(" WITH ({})", options.join(", ")));
        }
        self.run(schema, &sql, map.get_node("publication").expect("dispatched on it"))
    }
}

/// Each `publications:` entry names a publication the project declares or the platform's,
/// one that lists its tables (not FOR ALL TABLES), a table that is logged, and columns the
/// table has.
pub(super) fn check_members(schema: &Schema, members: &[(String, QualifiedName, Place)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (publication, table, place) in members {
        let declared = schema.publications.get(publication);
        let problem = match declared {
            None if !Publication::is_platform(publication) => {
                let known = schema.publications.keys().map(String::as_str).chain(PLATFORM_PUBLICATIONS.iter().copied());
                let hint = match closest(publication, known) {
                    Some(c) => format!("did you mean `{c}`? Or declare it in a `publication:` file"),
                    None => "declare it in a `publication:` file, or use supabase_realtime".to_string(),
                };
                Some((format!("publication {publication} is not declared"), hint))
            }
            Some(p) if p.all_tables => Some((
                format!("publication {publication} is FOR ALL TABLES: it cannot list {table}"),
                "remove the entry: the publication already has every table".to_string(),
            )),
            _ if schema.tables.get(table).is_some_and(|t| t.storage.unlogged) => Some((
                format!("{table} is unlogged, and PostgreSQL cannot publish an unlogged table"),
                "remove `unlogged: true`, or take the table out of the publication".to_string(),
            )),
            _ => None,
        };
        let member = schema.tables.get(table).and_then(|t| t.publications.get(publication).map(|m| (t, m)));
        let missing = member.and_then(|(t, m)| m.columns.iter().find(|c| t.column(c).is_none()).map(|c| (t, c)));
        let problem = problem.or_else(|| {
            missing.map(|(t, c)| {
                (format!("publication {publication} lists column {c}, which {table} does not have"), column_hint(t, c))
            })
        });
        if let Some((message, hint)) = problem {
            out.push(diagnostic_at(Some(place), message, hint));
        }
    }
    out
}
