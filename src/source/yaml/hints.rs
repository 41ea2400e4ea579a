//! The keys that say how to reach the schema rather than what it is: `renamed_from`,
//! `backfill`, `using`, `allow_destructive` and `lint`. They go to `Schema::hints`, which
//! the diff reads and never compares, so they can stay in the YAML after they were used.

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;

use super::File;
use crate::diagnostic::Result;
use crate::lint::{RuleId, Severity};
use crate::model::{ObjectId, QualifiedName, Rename, Schema};

pub const SEVERITIES: &[&str] = &["allow", "warn", "error"];

impl File<'_> {
    pub(super) fn mark(&self, schema: &mut Schema, object: ObjectId, node: &Node) {
        schema.hints.origins.insert(object, self.origin(node.span()));
    }

    /// `renamed_from:` of `object`, and `lint:` settings, from the mapping that declares it.
    pub(super) fn object_hints(&self, schema: &mut Schema, object: ObjectId, map: &MarkedMappingNode) -> Result<()> {
        if let Some(from) = map.get_node("renamed_from") {
            let s = self.scalar(from, "renamed_from")?;
            let mut old = s.to_string();
            let mut from_schema = None;
            // A table named with another schema was moved there (ALTER TABLE … SET SCHEMA).
            if let ObjectId::Table(new) = &object
                && let Some((schema_part, name)) = old.split_once('.')
            {
                from_schema = (schema_part != new.schema).then(|| schema_part.to_string());
                old = name.to_string();
            }
            schema.hints.renames.push(Rename {
                object: object.clone(),
                from: old,
                from_schema,
                origin: Some(self.origin(s.span())),
            });
        }
        if let Some(lint) = map.get_node("lint") {
            let rules =
                self.mapping(lint, "`lint` must map rule ids to a severity", "e.g. lint: {no_primary_key: allow}")?;
            let mut settings = std::collections::BTreeMap::new();
            for (rule, severity) in rules.iter() {
                let id: RuleId = rule
                    .as_str()
                    .parse()
                    .map_err(|message| self.error(rule.span(), message, "the rules are listed in docs/lint.md"))?;
                let severity = self.one_of(severity, "severity", SEVERITIES)?;
                settings.insert(id, Severity::parse(&severity).expect("SEVERITIES are the severities"));
            }
            schema.hints.lint.insert(object, settings);
        }
        Ok(())
    }

    /// Hints of a table file: the table's own and those of its columns and indexes.
    pub(super) fn table_hints(&self, schema: &mut Schema, name: &QualifiedName, map: &MarkedMappingNode) -> Result<()> {
        self.object_hints(schema, ObjectId::Table(name.clone()), map)?;
        if let Some(allow) = map.get_node("allow_destructive")
            && self.flag(allow, "allow_destructive")?
        {
            schema.hints.allow_destructive.insert(name.clone());
        }
        if let Some(columns) = map.get_mapping("columns") {
            for (key, value) in columns.iter() {
                let column = ObjectId::Column(name.clone(), key.to_string());
                schema.hints.origins.insert(column.clone(), self.origin(key.span()));
                let Node::Mapping(m) = value else { continue };
                self.object_hints(schema, column, m)?;
                let at = (name.clone(), key.to_string());
                // A hint goes into the migration with no statement around it that a parse could
                // check: it is kept as the parser printed the one expression it read.
                if let Some(b) = m.get_node("backfill") {
                    schema.hints.backfill.insert(at.clone(), self.parsed_expr(b, "backfill")?);
                }
                if let Some(u) = m.get_node("using") {
                    schema.hints.using.insert(at, self.parsed_expr(u, "using")?);
                }
            }
        }
        if let Some(indexes) = map.get_node("indexes") {
            for (index_name, spec) in self.entries(indexes, "indexes")? {
                let (Some(index_name), Node::Mapping(m)) = (index_name, spec) else { continue };
                let index = ObjectId::Index(name.clone(), index_name.to_string());
                self.mark(schema, index.clone(), spec);
                self.object_hints(schema, index, m)?;
            }
        }
        for key in ["checks", "unique", "foreign_keys", "exclude"] {
            let Some(list) = map.get_node(key) else { continue };
            for (constraint_name, spec) in self.entries(list, key)? {
                let (Some(constraint_name), Node::Mapping(m)) = (constraint_name, spec) else { continue };
                let constraint = ObjectId::Constraint(name.clone(), constraint_name.to_string());
                self.mark(schema, constraint.clone(), spec);
                self.object_hints(schema, constraint, m)?;
            }
        }
        if let Some(Node::Mapping(pk)) = map.get_node("primary_key")
            && let Some(pk_name) = self.optional_scalar(pk, "name")?
        {
            self.object_hints(schema, ObjectId::Constraint(name.clone(), pk_name.to_string()), pk)?;
        }
        Ok(())
    }
}
