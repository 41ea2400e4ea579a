//! `access:` of a table file: the expectations `schemagen test generate` proves. Keys are
//! roles (`anon: none`, `authenticated: {select: all, update: own(user_id)}`) or commands
//! (`select: [anon, authenticated]`, `update: own(user_id)`); each role and command is said
//! once. They go to `Schema::hints`, never compared by the diff.

use std::collections::BTreeMap;

use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;

use super::File;
use crate::access::{Access, Command, Role, Rule, Source, rule};
use crate::diagnostic::{Diagnostic, Origin, Result, closest};
use crate::model::{QualifiedName, Schema};

const KEYS: &str = "anon, authenticated, service_role, select, insert, update, delete";

impl File<'_> {
    /// Reads `access:` of `table` into the schema's hints, over what a preset implied.
    pub(super) fn access(&self, schema: &mut Schema, table: &QualifiedName, node: &Node) -> Result<()> {
        let map = self.mapping(
            node,
            "`access` must map roles or commands to rules",
            "e.g. access: {anon: none, authenticated: own(user_id)}",
        )?;
        let mut given: BTreeMap<(Role, Command), Rule> = BTreeMap::new();
        let mut set = |role: Role, command: Command, rule: Rule, at: &MarkedScalarNode| -> Result<()> {
            if given.insert((role, command), rule).is_some() {
                return Err(self
                    .error(
                        at.span(),
                        format!("{} {} is given twice in `access`", role.name(), command.name()),
                        "say each role's rule for a command once, under the role or under the command",
                    )
                    .into());
            }
            Ok(())
        };
        for (key, value) in map.iter() {
            if let Some(role) = Role::parse(key.as_str()) {
                match value {
                    Node::Mapping(commands) => {
                        for (c, r) in commands.iter() {
                            let command = self.access_command(c)?;
                            let (rule, at) = self.access_rule(schema, table, r)?;
                            set(role, command, rule, at)?;
                        }
                    }
                    _ => {
                        let (rule, at) = self.access_rule(schema, table, value)?;
                        for command in Command::ALL {
                            set(role, command, rule.clone(), at)?;
                        }
                    }
                }
            } else if let Some(command) = Command::parse(key.as_str()) {
                let items: Vec<&Node> = match value {
                    Node::Sequence(s) => s.iter().collect(),
                    other => vec![other],
                };
                for item in items {
                    let s = self.scalar(item, "an entry of `access`")?;
                    if let Some(role) = Role::parse(s.as_str()) {
                        set(role, command, Rule::All, s)?;
                        continue;
                    }
                    let (rule, at) = self.access_rule(schema, table, item)?;
                    match rule {
                        // Nobody of the roles that follow their default: only anon and
                        // authenticated, whose default it is anyway, so written for the reader.
                        Rule::None => {}
                        Rule::All => {
                            return Err(self
                                .error(
                                    s.span(),
                                    format!("`all` under `{}` does not say which role", command.name()),
                                    "list the roles that reach every row: e.g. select: [anon, authenticated]",
                                )
                                .into());
                        }
                        rule => set(Role::Authenticated, command, rule, at)?,
                    }
                }
            } else {
                let hint = match closest(key.as_str(), KEYS.split(", ")) {
                    Some(c) => format!("did you mean `{c}`? Keys here: {KEYS}"),
                    None => format!("keys here: {KEYS}"),
                };
                return Err(self.error(key.span(), format!("unknown key `{}` in `access`", key.as_str()), hint).into());
            }
        }
        let origin = self.origin(node.span());
        schema.hints.access.insert(table.clone(), Access::complete(given, Source::Declared(origin)));
        Ok(())
    }

    fn access_command(&self, key: &MarkedScalarNode) -> Result<Command> {
        Command::parse(key.as_str()).ok_or_else(|| {
            let words = ["select", "insert", "update", "delete"];
            let hint = match closest(key.as_str(), words) {
                Some(c) => format!("did you mean `{c}`? Commands: select, insert, update, delete"),
                None => "commands: select, insert, update, delete".into(),
            };
            self.error(key.span(), format!("unknown command `{}` in `access`", key.as_str()), hint).into()
        })
    }

    /// One rule, its columns checked against the table.
    fn access_rule<'n>(
        &self,
        schema: &Schema,
        table: &QualifiedName,
        node: &'n Node,
    ) -> Result<(Rule, &'n MarkedScalarNode)> {
        let s = self.scalar(node, "a rule of `access`")?;
        let rule = rule::parse(s.as_str()).map_err(|e| self.error_inside(s, e.offset, e.message, e.hint))?;
        let column = match &rule {
            Rule::Own(c) => Some(c),
            Rule::Workspace(w) => Some(&w.column),
            Rule::None | Rule::All => None,
        };
        if let (Some(column), Some(t)) = (column, schema.tables.get(table))
            && t.column(column).is_none()
        {
            let at = s.as_str().find(column.as_str()).unwrap_or(0);
            return Err(self.error_inside(
                s,
                at,
                format!("`access` names column `{column}`, which {table} does not have"),
                super::column_hint(t, column),
            ));
        }
        Ok((rule, s))
    }

    /// An error at byte `offset` of a one-line scalar's text (after its opening quote, if any).
    fn error_inside(
        &self,
        s: &MarkedScalarNode,
        offset: usize,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> crate::diagnostic::Errors {
        let start = self.origin(s.span());
        let line = self.text.lines().nth(start.line - 1).unwrap_or("");
        let first: String = line.chars().skip(start.column - 1).take(1).collect();
        let quoted = usize::from(first == "\"" || first == "'");
        let column = start.column + quoted + s.as_str()[..offset.min(s.as_str().len())].chars().count();
        let origin = Origin { column, ..start };
        Diagnostic::new(message).at(origin, Some(self.text)).hint(hint).into()
    }
}
