//! `comment:` of a table's constraints: COMMENT ON CONSTRAINT, set once the table exists.
//! A comment names its constraint, so it needs the constraint's `name:` (the name the
//! replay would choose otherwise is not known here); the primary key, one per table, does not.

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;

use super::{File, Result};
use crate::model::{ConstraintKind, QualifiedName, Schema};

/// Which constraint a comment is on.
enum Target {
    PrimaryKey,
    Named(String),
}

impl File<'_> {
    /// Sets the comments that `map` gives its constraints on the table `name`, which exists.
    pub(super) fn constraint_comments(
        &self,
        schema: &mut Schema,
        map: &MarkedMappingNode,
        name: &QualifiedName,
    ) -> Result<()> {
        let mut comments = Vec::new();
        if let Some(Node::Mapping(pk)) = map.get_node("primary_key")
            && let Some(text) = self.optional_scalar(pk, "comment")?
        {
            let target = match self.optional_scalar(pk, "name")? {
                Some(n) => Target::Named(n.to_string()),
                None => Target::PrimaryKey,
            };
            comments.push((target, text.as_str().to_string()));
        }
        for key in ["unique", "checks", "foreign_keys", "exclude"] {
            let Some(node) = map.get_node(key) else { continue };
            for (constraint, spec) in self.entries(node, key)? {
                let Node::Mapping(m) = spec else { continue };
                let Some(text) = self.optional_scalar(m, "comment")? else { continue };
                let Some(constraint) = constraint else {
                    let hint = "give it a `name:`, so that the comment has a constraint to be on";
                    let message = format!("a constraint of `{key}` with a comment needs a name");
                    return Err(self.error(text.span(), message, hint).into());
                };
                comments.push((Target::Named(constraint.to_string()), text.as_str().to_string()));
            }
        }
        let table = schema.tables.get_mut(name).expect("created before its comments");
        for (target, text) in comments {
            let found = table.constraints.iter_mut().find(|c| match &target {
                Target::PrimaryKey => matches!(c.kind, ConstraintKind::PrimaryKey { .. }),
                Target::Named(n) => &c.name == n,
            });
            if let Some(c) = found {
                c.comment = Some(text);
            }
        }
        Ok(())
    }
}
