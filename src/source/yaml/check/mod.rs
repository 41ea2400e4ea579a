//! What PostgreSQL would refuse in a schema that loaded: names that resolve nowhere, shapes
//! it rejects, bodies that do not parse. The loader replays each file on its own; these
//! checks need the whole schema, and they run before any command uses it, so `diff`,
//! `lint`, `generate` and `check` refuse the same files offline, at the YAML that is wrong.
//!
//! Each concern is a module of its own; all of them read the model and point back at the
//! YAML through `Locator`. They prefer missing a mistake to refusing what PostgreSQL would
//! accept: a name they cannot judge (a built-in function, a platform table) passes.

mod defaults;
mod documents;
mod foreign_keys;
mod names;
mod plpgsql;
mod roles;
mod scopes;
mod shapes;

pub use names::undeclared_relations;

use marked_yaml::Node;

use super::File;
use crate::diagnostic::Diagnostic;
use crate::model::{ObjectId, Schema};

/// Every check over the loaded `schema`, whose files are `parsed`.
pub(super) fn run(schema: &Schema, parsed: &[(File, Node)]) -> Vec<Diagnostic> {
    // By the path as origins write it: looked up once per object checked.
    let by_path = parsed.iter().enumerate().map(|(i, (f, _))| (f.path.display().to_string(), i)).collect();
    let at = Locator { schema, parsed, by_path };
    let mut out = shapes::check(schema, &at);
    out.extend(foreign_keys::check(schema, &at));
    out.extend(names::check(schema, &at));
    out.extend(roles::check(schema, &at));
    out.extend(plpgsql::check(schema, &at));
    out
}

/// Finds the YAML that declares a part of the model.
pub(super) struct Locator<'a> {
    schema: &'a Schema,
    parsed: &'a [(File<'a>, Node)],
    by_path: std::collections::HashMap<String, usize>,
}

impl Locator<'_> {
    /// The file that declares `object`, and its tree.
    fn file(&self, object: &ObjectId) -> Option<&(File<'_>, Node)> {
        let origin = self.schema.hints.origins.get(object)?;
        self.by_path.get(&origin.file).map(|&i| &self.parsed[i])
    }

    /// An error at `path` under the mapping that declares `object` (the deepest key of the
    /// path that is written; an entry of a list by its `name`, or by its position), or at
    /// the object's own origin.
    pub(super) fn error(
        &self,
        object: &ObjectId,
        path: &[&str],
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Diagnostic {
        match self.file(object) {
            Some((file, root)) => {
                let node = walk(root, path);
                if std::ptr::eq(node, root)
                    && let Some(origin) = self.schema.hints.origins.get(object)
                {
                    return Diagnostic::new(message).at(origin.clone(), Some(file.text)).hint(hint);
                }
                file.error(node.span(), message, hint)
            }
            None => {
                let d = Diagnostic::new(message).hint(hint);
                match self.schema.hints.origins.get(object) {
                    Some(origin) => d.at(origin.clone(), None),
                    None => d,
                }
            }
        }
    }

    /// An error at the first value under `path` that names `word` (an identifier the check
    /// could not resolve), else at `path`.
    pub(super) fn mention(
        &self,
        object: &ObjectId,
        path: &[&str],
        word: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Diagnostic {
        if let Some((file, root)) = self.file(object)
            && let Some(span) = mentioning(walk(root, path), word)
        {
            return file.error(span, message, hint);
        }
        self.error(object, path, message, hint)
    }
}

impl Locator<'_> {
    /// The file that declares `object` and the node at `path` in it, when it is written.
    pub(super) fn node(&self, object: &ObjectId, path: &[&str]) -> Option<(&File<'_>, &Node)> {
        let (file, root) = self.file(object)?;
        let node = walk(root, path);
        (!std::ptr::eq(node, root)).then_some((file, node))
    }

    /// Whether a value under `path` names `word`.
    pub(super) fn mentions(&self, object: &ObjectId, path: &[&str], word: &str) -> bool {
        self.file(object).is_some_and(|(_, root)| {
            let node = walk(root, path);
            !std::ptr::eq(node, root) && mentioning(node, word).is_some()
        })
    }
}

fn walk<'n>(root: &'n Node, path: &[&str]) -> &'n Node {
    let mut node = root;
    for key in path {
        let next = match node {
            Node::Mapping(m) => m.get_node(key),
            Node::Sequence(s) => s
                .iter()
                .find(|item| item.as_mapping().and_then(|m| m.get_scalar("name")).is_some_and(|n| n.as_str() == *key))
                .or_else(|| key.parse().ok().and_then(|i| s.get_node(i))),
            Node::Scalar(_) => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// The first key or scalar under `node` in which `word` stands as an identifier of its own.
fn mentioning<'n>(node: &'n Node, word: &str) -> Option<&'n marked_yaml::Span> {
    match node {
        Node::Scalar(s) => names_word(s.as_str(), word).then_some(node.span()),
        Node::Sequence(s) => s.iter().find_map(|n| mentioning(n, word)),
        Node::Mapping(m) => {
            m.iter().find_map(|(k, v)| if names_word(k.as_str(), word) { Some(k.span()) } else { mentioning(v, word) })
        }
    }
}

fn names_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let lower = text.to_lowercase();
    let word = word.to_lowercase();
    lower.match_indices(&word).any(|(i, _)| {
        !lower[..i].chars().next_back().is_some_and(ident) && !lower[i + word.len()..].chars().next().is_some_and(ident)
    })
}
