//! `range:` and `aggregate:` files: a range type or an aggregate, its options under
//! `options:` (what follows CREATE TYPE … AS RANGE or CREATE AGGREGATE, by name), read by
//! replaying the statement they make, so that the YAML and SQL give one model.

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;
use pg_query::NodeEnum;

use super::File;
use super::format::{AGGREGATE_KEYS, Key, RANGE_KEYS};
use super::objects::qualified;
use crate::diagnostic::Result;
use crate::model::optioned::{AGGREGATE_OPTIONS, OptionKind, RANGE_OPTIONS};
use crate::model::{ObjectId, QualifiedName, Schema};
use crate::pgtree::quote_literal;

/// One option written the way the value's kind requires: a type or a name checked to be
/// one (by the parser), text quoted, numbers and words checked.
impl File<'_> {
    fn option_sql(
        &self,
        known: &[(&str, OptionKind)],
        key: &marked_yaml::types::MarkedScalarNode,
        value: &Node,
    ) -> Result<Option<String>> {
        let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
        let Some(kind) = crate::model::optioned::option_kind(known, key.as_str()) else {
            let hint = match crate::diagnostic::closest(key.as_str(), names.iter().copied()) {
                Some(c) => format!("did you mean `{c}`? Options here: {}", names.join(", ")),
                None => format!("options here: {}", names.join(", ")),
            };
            return Err(self.error(key.span(), format!("unknown option `{}`", key.as_str()), hint).into());
        };
        let text = self.scalar(value, "an option's value")?;
        let sql = match kind {
            OptionKind::Type | OptionKind::Function | OptionKind::Name => {
                // One type or name: a value that closes the list or adds an option is refused.
                self.check_shape(
                    value.span(),
                    &format!("CREATE TYPE t AS RANGE (x = {})", text.as_str()),
                    |s| matches!(s, NodeEnum::CreateRangeStmt(r) if r.params.len() == 1),
                    format!("`{}` is not one name or type", text.as_str().escape_debug()),
                    "write a type (`integer[]`) or a name (`public.add_one`)",
                )?;
                text.as_str().to_string()
            }
            OptionKind::Text => quote_literal(text.as_str()),
            OptionKind::Number => match text.as_str().parse::<i64>() {
                Ok(n) => n.to_string(),
                Err(_) => {
                    return Err(self
                        .error(value.span(), format!("`{}` is not a whole number", text.as_str()), "e.g. 64")
                        .into());
                }
            },
            OptionKind::Word(words) => {
                let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
                let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
                self.one_of(value, key.as_str(), &lower)?
            }
            OptionKind::Flag => match text.as_str().to_lowercase().as_str() {
                "true" | "yes" | "on" => String::new(),
                "false" | "no" | "off" => return Ok(None),
                _ => {
                    return Err(self
                        .error(value.span(), format!("`{}` must be true or false", key.as_str()), "write true")
                        .into());
                }
            },
        };
        Ok(Some(if sql.is_empty() { key.as_str().to_string() } else { format!("{} = {sql}", key.as_str()) }))
    }

    /// `options:`, as `name = value` pieces.
    fn options_sql(
        &self,
        map: &MarkedMappingNode,
        known: &[(&str, OptionKind)],
        what: &str,
    ) -> Result<(Vec<String>, Node)> {
        let node = map.get_node("options").ok_or_else(|| {
            self.error(
                map.span(),
                format!("{what} has no `options`"),
                "add `options: {…}` with what CREATE writes in parentheses",
            )
        })?;
        let options =
            self.mapping(node, "`options` must map option names to values", "e.g. options: {subtype: float8}")?;
        let mut out = Vec::new();
        for (k, v) in options.iter() {
            out.extend(self.option_sql(known, k, v)?);
        }
        Ok((out, node.clone()))
    }

    /// The file's keys checked, and the object's name (`key`), checked.
    fn head<'n>(&self, map: &'n MarkedMappingNode, keys: &[Key], key: &str) -> Result<(&'n Node, QualifiedName)> {
        self.check_keys(map, keys, &format!("the {key} file"))?;
        let name_node = map.get_node(key).expect("dispatched on it");
        let name_scalar = self.scalar(name_node, key)?;
        self.check_name(name_scalar, true)?;
        Ok((name_node, qualified(name_scalar)))
    }

    /// Where the object is declared; a schema other than `public` is the project's.
    fn declared(&self, schema: &mut Schema, id: ObjectId, node: &Node, name: &QualifiedName) {
        self.mark(schema, id, node);
        if name.schema != "public" {
            schema.schemas.insert(name.schema.clone());
        }
    }

    pub(super) fn load_range(&self, schema: &mut Schema, map: &MarkedMappingNode) -> Result<()> {
        let (name_node, name) = self.head(map, RANGE_KEYS, "range")?;
        if crate::source::composite::type_exists(schema, &name) {
            return Err(self
                .error(name_node.span(), format!("type {name} is declared twice"), "keep one file per type")
                .into());
        }
        let (options, node) = self.options_sql(map, RANGE_OPTIONS, &format!("range type {name}"))?;
        self.run(schema, &format!("CREATE TYPE {} AS RANGE ({})", name.sql(), options.join(", ")), &node)?;
        if let Some(r) = schema.ranges.get_mut(&name) {
            r.comment = self.optional_scalar(map, "comment")?.map(|c| c.to_string());
        }
        self.declared(schema, ObjectId::Type(name.clone()), name_node, &name);
        Ok(())
    }

    pub(super) fn load_aggregate(&self, schema: &mut Schema, map: &MarkedMappingNode) -> Result<()> {
        let (name_node, name) = self.head(map, AGGREGATE_KEYS, "aggregate")?;
        let mut args = Vec::new();
        if let Some(node) = map.get_node("args") {
            for arg in self.list(node, "args")? {
                self.check_shape(
                    node.span(),
                    &format!("CREATE AGGREGATE a({arg}) (sfunc = f, stype = integer)"),
                    |s| {
                        matches!(s, NodeEnum::DefineStmt(d) if matches!(d.args.first().and_then(|a| a.node.as_ref()),
                        Some(NodeEnum::List(l)) if l.items.len() == 1))
                    },
                    format!("`{}` is not one type", arg.escape_debug()),
                    "write each argument's type, e.g. args: [integer, text]",
                )?;
                args.push(arg);
            }
        }
        let args = if args.is_empty() { "*".to_string() } else { args.join(", ") };
        let (options, node) = self.options_sql(map, AGGREGATE_OPTIONS, &format!("aggregate {name}"))?;
        let before: Vec<String> = schema.aggregates.keys().cloned().collect();
        self.run(schema, &format!("CREATE AGGREGATE {}({args}) ({})", name.sql(), options.join(", ")), &node)?;
        // The replay refuses a second aggregate of the same signature; a new key is this one.
        let Some(aggregate) = schema.aggregates.iter_mut().find(|(k, _)| !before.contains(k)).map(|(_, a)| a) else {
            return Ok(());
        };
        aggregate.comment = self.optional_scalar(map, "comment")?.map(|c| c.to_string());
        let id = ObjectId::Function(aggregate.routine());
        self.declared(schema, id, name_node, &name);
        Ok(())
    }
}
