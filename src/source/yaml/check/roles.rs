//! Roles that exist nowhere: a grant or a policy naming a role that is neither the
//! platform's (Supabase's roles, PostgreSQL's `pg_*` roles, PUBLIC) nor declared under
//! `roles:` is refused, as GRANT and CREATE POLICY would refuse it. Roles are read where
//! the YAML names them, so the error points at the name.

use std::collections::BTreeSet;

use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;

use super::Locator;
use crate::diagnostic::{Diagnostic, Result, closest};
use crate::model::Schema;
use crate::model::privileges::{platform_role, platform_role_names};
use crate::source::yaml::File;

impl File<'_> {
    /// `roles:` of a setup file: a list of role names.
    pub(in crate::source::yaml) fn declared_roles(&self, node: &Node) -> Result<()> {
        let Node::Sequence(items) = node else {
            return Err(self
                .error(node.span(), "`roles` must be a list of role names", "e.g. roles: [reporting]")
                .into());
        };
        items.iter().try_for_each(|item| self.check_name(self.scalar(item, "a role")?, false))
    }
}

pub(super) fn check(_schema: &Schema, at: &Locator) -> Vec<Diagnostic> {
    let declared: BTreeSet<&str> = at
        .parsed
        .iter()
        .filter_map(|(_, root)| root.as_mapping()?.get_sequence("roles"))
        .flat_map(|list| list.iter().filter_map(|n| n.as_scalar().map(|s| s.as_str())))
        .collect();
    let mut out = Vec::new();
    for (file, root) in at.parsed {
        let Node::Mapping(map) = root else { continue };
        let mut named: Vec<&MarkedScalarNode> = Vec::new();
        named.extend(keys(map.get_node("grants")));
        if let Some(Node::Scalar(owner)) = map.get_node("owner") {
            named.push(owner);
        }
        for under in ["column_grants", "schema_grants"] {
            for grants in values(map.get_node(under)) {
                named.extend(keys(Some(grants)));
            }
        }
        for kinds in values(map.get_node("default_privileges")) {
            for grants in values(Some(kinds)) {
                named.extend(keys(Some(grants)));
            }
        }
        for policy in values(map.get_node("policies")) {
            match policy.as_mapping().and_then(|p| p.get_node("roles")) {
                Some(Node::Sequence(list)) => named.extend(list.iter().filter_map(Node::as_scalar)),
                Some(Node::Scalar(s)) => named.push(s),
                _ => {}
            }
        }
        for role in named {
            let name = role.as_str();
            if platform_role(name) || declared.contains(name) {
                continue;
            }
            let mut candidates: Vec<&str> = declared.iter().copied().collect();
            // One by one: each `&'static str` shortens to the list's lifetime.
            platform_role_names().for_each(|r| candidates.push(r));
            let hint = match closest(name, candidates) {
                Some(c) => {
                    format!("did you mean `{c}`? A role created outside the migrations is declared under `roles:`")
                }
                None => "name a platform role (anon, authenticated, service_role, …), or declare the role under \
                         `roles:` in a setup file if it is created outside the migrations"
                    .to_string(),
            };
            out.push(file.error(role.span(), format!("role `{name}` does not exist"), hint));
        }
    }
    out
}

/// The keys of a mapping node (roles, in grants), none for anything else.
fn keys(node: Option<&Node>) -> impl Iterator<Item = &MarkedScalarNode> {
    node.and_then(Node::as_mapping).into_iter().flat_map(|m| m.keys())
}

/// The values of a mapping node, none for anything else.
fn values(node: Option<&Node>) -> impl Iterator<Item = &Node> {
    node.and_then(Node::as_mapping).into_iter().flat_map(|m| m.iter().map(|(_, v)| v))
}
