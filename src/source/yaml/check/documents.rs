//! What a YAML file says that the tree alone would hide: a second document after `---`,
//! which the parser would drop, a null (`~`, `null`) where a name or a text is meant, which
//! would become the string "~", and a qualified table name beside a `schema:` that says
//! another thing.

use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;

use crate::diagnostic::{Diagnostic, Origin, Result};
use crate::source::yaml::File;

/// Keys whose value is SQL, where `null` is the SQL NULL (`default: null`).
const SQL_KEYS: &[&str] =
    &["default", "check", "expr", "using", "with_check", "where", "generated", "when", "backfill", "query", "body"];

impl File<'_> {
    /// Refuses a second document: each file declares one object, and the parser reads the
    /// first document only. A `---` before anything else starts that one document, and
    /// markers with nothing after them end it harmlessly; a line that starts with `---` or
    /// `...` is always a document marker, even inside a block scalar, so scanning lines is
    /// exact.
    pub(in crate::source::yaml) fn check_documents(&self) -> Result<()> {
        let mut content = false;
        let mut boundary = None;
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let after_marker = ["---", "..."].iter().find_map(|m| {
                line.strip_prefix(m).filter(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
            });
            let rest = after_marker.unwrap_or(line).trim();
            if after_marker.is_some() && content && boundary.is_none() {
                boundary = Some(offset);
            }
            if !rest.is_empty() && !rest.starts_with('#') {
                if let Some(at) = boundary {
                    return Err(Diagnostic::new("this file holds a second YAML document")
                        .at(Origin::at_offset(self.path, self.text, at), Some(self.text))
                        .hint("a schema file declares one object: move what follows into a file of its own")
                        .into());
                }
                content = true;
            }
            offset += line.len();
        }
        Ok(())
    }

    /// Refuses a null value (`~`, `null`, unquoted) anywhere but in SQL: `table: ~` would be a
    /// table named "~", `comment: null` a comment "null".
    pub(in crate::source::yaml) fn check_nulls(&self, node: &Node) -> Result<()> {
        match node {
            Node::Mapping(m) => {
                for (key, value) in m.iter() {
                    match value {
                        // `extensions: {pgcrypto: ~}`: an extension with no options.
                        Node::Mapping(entries) if key.as_str() == "extensions" => {
                            entries.iter().try_for_each(|(_, options)| self.check_nulls_below(options))?;
                        }
                        Node::Scalar(s) if is_null(s) && !SQL_KEYS.contains(&key.as_str()) => {
                            return Err(self
                                .error(
                                    s.span(),
                                    format!("`{}` is null (`{}`)", key.as_str(), s.as_str()),
                                    format!(
                                        "remove `{}` to leave it out, or quote the value (\"{}\") if it is text",
                                        key.as_str(),
                                        s.as_str()
                                    ),
                                )
                                .into());
                        }
                        _ => self.check_nulls(value)?,
                    }
                }
                Ok(())
            }
            Node::Sequence(items) => {
                for item in items.iter() {
                    if let Node::Scalar(s) = item
                        && is_null(s)
                    {
                        return Err(self
                            .error(
                                s.span(),
                                format!("a list entry is null (`{}`)", s.as_str()),
                                format!("remove the entry, or quote it (\"{}\") if it is text", s.as_str()),
                            )
                            .into());
                    }
                    self.check_nulls(item)?;
                }
                Ok(())
            }
            Node::Scalar(_) => Ok(()),
        }
    }

    fn check_nulls_below(&self, node: &Node) -> Result<()> {
        if matches!(node, Node::Scalar(_)) { Ok(()) } else { self.check_nulls(node) }
    }

    /// `table: other.t` beside `schema: public` names two schemas: refused, not read as a
    /// table called "other.t". Quoted (`table: "other.t"`), the dot is part of the name.
    pub(in crate::source::yaml) fn check_table_schema(
        &self,
        table: &MarkedScalarNode,
        schema: Option<&MarkedScalarNode>,
    ) -> Result<()> {
        let (Some(schema), Some((prefix, name))) = (schema, table.split_once('.')) else { return Ok(()) };
        if !table.may_coerce() {
            return Ok(());
        }
        Err(self
            .error(
                table.span(),
                format!("`table: {}` names schema {prefix}, beside `schema: {}`", table.as_str(), schema.as_str()),
                format!(
                    "write `table: {name}` with `schema: {prefix}`, or leave `schema:` out; quote the name (`table: \"{}\"`) \
                     if the dot is part of it",
                    table.as_str()
                ),
            )
            .into())
    }
}

/// A plain (unquoted) YAML null; quoted, `"~"` is text.
fn is_null(s: &MarkedScalarNode) -> bool {
    s.may_coerce() && matches!(s.as_str(), "~" | "null" | "Null" | "NULL")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::source::yaml::File;
    use crate::source::yaml::presets::Templates;

    fn second_document_at(text: &str) -> Option<usize> {
        let path = PathBuf::from("a.yaml");
        let templates = Templates::new(None);
        let file = File { path: &path, text, templates: &templates };
        file.check_documents().err().map(|e| e.0[0].origin.as_ref().unwrap().line)
    }

    #[test]
    fn only_a_document_after_the_first_is_refused() {
        assert_eq!(second_document_at("---\ntable: t\n"), None);
        assert_eq!(second_document_at("# head\n--- # one\ntable: t\n...\n"), None);
        assert_eq!(second_document_at("table: t\n---\n\n# nothing\n"), None);
        assert_eq!(second_document_at("body: |\n  ---x\n  a\n"), None);
        assert_eq!(second_document_at("table: t\n---\ntable: u\n"), Some(2));
        assert_eq!(second_document_at("table: t\n...\n--- {table: u}\n"), Some(2));
    }
}
