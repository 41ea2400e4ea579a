//! `rls:` presets: a table's row-level security said as an intent (`rls: owner`) and
//! expanded by the template `rls_<preset>.sql.j2` into the CREATE POLICY statements a person
//! would write. Those are replayed like hand-written `policies:`, so the diff and the
//! catalog only ever see ordinary policies, and a team changes what a preset means by
//! overriding its template.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;
use pg_query::NodeEnum;

use super::objects::qualified;
use super::{File, PLATFORM_SCHEMAS, Places, column_hint, diagnostic_at};
use crate::access::Access;
use crate::diagnostic::{Diagnostic, Errors, Result, closest};
use crate::model::{ObjectId, QualifiedName, Schema};
use crate::pgtree::parse_message;
use crate::render::Renderer;
use crate::source::ddl;

/// An option of a preset, and its default.
type PresetOption = (&'static str, Option<&'static str>);

/// Each preset, and the options it takes besides `preset` and `force`.
pub(super) const PRESETS: &[(&str, &[PresetOption])] = &[
    ("owner", &[("column", Some("user_id"))]),
    (
        "workspace_member",
        &[
            ("column", Some("workspace_id")),
            ("members", Some("workspace_members")),
            ("member_column", Some("user_id")),
            ("member_workspace_column", Some("workspace_id")),
        ],
    ),
    ("public_read", &[("column", None)]),
    ("service_only", &[]),
];

/// The templates presets expand through, embedded or from a team's directory. Compiled on
/// the first preset, so that schemas without one never pay for it.
pub(super) struct Templates {
    dir: Option<PathBuf>,
    renderer: OnceCell<Renderer>,
}

impl Templates {
    pub(super) fn new(dir: Option<&Path>) -> Self {
        Templates { dir: dir.map(Path::to_path_buf), renderer: OnceCell::new() }
    }

    /// Whether the team's directory replaces `template`: the preset then means what it says.
    fn overrides(&self, template: &str) -> bool {
        self.dir.as_ref().is_some_and(|d| d.join(template).is_file())
    }

    fn renderer(&self) -> Result<&Renderer> {
        if self.renderer.get().is_none() {
            let renderer = Renderer::new(self.dir.as_deref())?;
            let _ = self.renderer.set(renderer);
        }
        Ok(self.renderer.get().expect("set above"))
    }
}

/// What `rls:` says.
pub(super) struct Rls<'n> {
    pub(super) enabled: bool,
    pub(super) forced: bool,
    pub(super) preset: Option<Preset<'n>>,
}

pub(super) struct Preset<'n> {
    name: &'static str,
    /// The `rls:` value: errors about a default point here.
    node: &'n Node,
    /// Option → its value and the node that gave it (`node` for a default).
    options: BTreeMap<&'static str, (String, &'n Node)>,
}

/// A membership table named by a `workspace_member` preset, checked once every file is read.
pub(super) struct MembersCheck {
    table: QualifiedName,
    members: QualifiedName,
    place: super::Place,
    /// Columns the policies read from the members table, and where each is named.
    columns: Vec<(String, super::Place)>,
}

impl File<'_> {
    /// `rls:`: true, false, force, a preset name, or `{preset: NAME, force, OPTIONS…}`.
    pub(super) fn rls<'n>(&self, node: &'n Node) -> Result<Rls<'n>> {
        let (preset_node, map) = match node {
            Node::Scalar(s) => match s.to_lowercase().as_str() {
                "true" | "yes" | "on" | "enable" | "enabled" => {
                    return Ok(Rls { enabled: true, forced: false, preset: None });
                }
                "false" | "no" | "off" | "disable" | "disabled" => {
                    return Ok(Rls { enabled: false, forced: false, preset: None });
                }
                "force" | "forced" => return Ok(Rls { enabled: true, forced: true, preset: None }),
                _ => (node, None),
            },
            Node::Mapping(m) => {
                let p = m.get_node("preset").ok_or_else(|| {
                    self.error(
                        m.span(),
                        "`rls` as a mapping needs `preset`",
                        "e.g. rls: {preset: owner, column: user_id}",
                    )
                })?;
                (p, Some(m))
            }
            Node::Sequence(_) => {
                return Err(self
                    .error(
                        node.span(),
                        "rls must be true, false, force or a preset",
                        "e.g. `rls: owner` or `rls: {preset: owner, column: owner_id}`",
                    )
                    .into());
            }
        };
        let s = self.scalar(preset_node, "preset")?;
        let wanted = s.to_lowercase();
        let Some((name, options)) = PRESETS.iter().find(|(p, _)| *p == wanted) else {
            let presets: Vec<&str> = PRESETS.iter().map(|(p, _)| *p).collect();
            let list = format!("rls is true, false, force or a preset: {}", presets.join(", "));
            let hint = match closest(&wanted, presets.iter().copied()) {
                Some(c) => format!("did you mean `{c}`? {list}"),
                None => list,
            };
            return Err(self.error(s.span(), format!("unknown rls preset `{}`", s.as_str()), hint).into());
        };
        let mut forced = false;
        if let Some(m) = map {
            let keys: Vec<&str> = ["preset", "force"].into_iter().chain(options.iter().map(|(k, _)| *k)).collect();
            self.check_keys(m, &keys, &format!("rls preset `{name}`"))?;
            if let Some(f) = m.get_node("force") {
                forced = self.flag(f, "force")?;
            }
        }
        let mut values = BTreeMap::new();
        for (key, default) in options.iter() {
            match (map.and_then(|m| m.get_node(key)), default) {
                (Some(given), _) => {
                    values.insert(*key, (self.scalar(given, key)?.to_string(), given));
                }
                (None, Some(default)) => {
                    values.insert(*key, (default.to_string(), node));
                }
                (None, None) => {}
            }
        }
        Ok(Rls { enabled: true, forced, preset: Some(Preset { name, node, options: values }) })
    }

    /// Renders `preset` for `table` and replays its policies. Runs after the hand-written
    /// `policies`, so that a name both declare is reported at the hand-written one.
    pub(super) fn expand_preset(
        &self,
        schema: &mut Schema,
        places: &mut Places,
        policies: Option<&MarkedMappingNode>,
        table: &QualifiedName,
        preset: &Preset,
    ) -> Result<()> {
        let t = schema.tables.get(table).expect("rls is read only for tables the file creates");
        if let Some((column, node)) = preset.options.get("column")
            && t.column(column).is_none()
        {
            return Err(self
                .error(
                    node.span(),
                    format!("rls preset `{}` needs column `{column}` in {table}, which it does not have", preset.name),
                    format!(
                        "{} (name it with `rls: {{preset: {}, column: NAME}}`)",
                        column_hint(t, column),
                        preset.name
                    ),
                )
                .into());
        }
        // Every option the preset takes is given, unset ones as none: templates render with
        // strict undefined.
        let declared = PRESETS.iter().find(|(p, _)| *p == preset.name).map_or(&[][..], |(_, o)| *o);
        let columns: BTreeMap<&str, Option<String>> = declared
            .iter()
            .filter(|(k, _)| *k != "members")
            .map(|(k, _)| (*k, preset.options.get(k).map(|(v, _)| v.clone())))
            .collect();
        let mut members_table = None;
        if let Some((members, node)) = preset.options.get("members") {
            let members = qualified(members);
            members_table = Some(members.clone());
            let columns = ["member_workspace_column", "member_column"]
                .iter()
                .filter_map(|k| preset.options.get(k))
                .map(|(c, n)| (c.clone(), self.place(n.span())))
                .collect();
            places.members.push(MembersCheck {
                table: table.clone(),
                members,
                place: self.place(node.span()),
                columns,
            });
        }

        // What the embedded preset promises, for `schemagen test generate` to prove; `access:`
        // in the same file replaces it. A team's own template says something else.
        let template = format!("rls_{}.sql.j2", preset.name);
        if !self.templates.overrides(&template) {
            let options = preset.options.iter().map(|(k, (v, _))| (*k, v.clone())).collect();
            let origin = self.origin(preset.node.span());
            let implied = Access::of_preset(preset.name, &options, members_table.as_ref(), origin);
            schema.hints.access.insert(table.clone(), implied);
        }

        let here = |e: Errors| {
            Errors(e.0.into_iter().map(|d| d.at(self.origin(preset.node.span()), Some(self.text))).collect())
        };
        let sql = self
            .templates
            .renderer()
            .map_err(here)?
            .preset(&template, table, &columns, members_table.as_ref())
            .map_err(here)?;
        let wrong = |message: String| -> Errors {
            self.error(
                preset.node.span(),
                message,
                format!("{template} must render only CREATE POLICY statements on the table; check it in --templates"),
            )
            .into()
        };
        let parsed = pg_query::parse(&sql, 0)
            .map_err(|e| wrong(format!("the SQL of {template} does not parse: {}", parse_message(&e))))?;
        let mut made = BTreeSet::new();
        for raw in &parsed.protobuf.stmts {
            let Some(stmt) = raw.stmt.as_ref().and_then(|s| s.node.as_ref()) else { continue };
            let NodeEnum::CreatePolicyStmt(p) = stmt else {
                return Err(wrong(format!("{template} renders a statement other than CREATE POLICY")));
            };
            let on = p.table.as_ref().map(ddl::qualified);
            if on.as_ref() != Some(table) {
                return Err(wrong(format!(
                    "{template} creates policy `{}` on another table than {table}",
                    p.policy_name
                )));
            }
            let key = (table.clone(), p.policy_name.clone());
            if !made.insert(p.policy_name.clone()) {
                return Err(wrong(format!("{template} creates policy `{}` twice", p.policy_name)));
            }
            if schema.policies.contains_key(&key) {
                let written = policies.and_then(|m| m.keys().find(|k| k.as_str() == p.policy_name));
                return Err(self
                    .error(
                        written.map_or(preset.node.span(), |k| k.span()),
                        format!("policy `{}` on {table} is also made by rls preset `{}`", p.policy_name, preset.name),
                        "rename this policy, or leave the preset's policy to the preset",
                    )
                    .into());
            }
            // Each statement goes the way a hand-written policy goes, outcomes and all.
            let start = raw.stmt_location as usize;
            let text = match raw.stmt_len as usize {
                0 => &sql[start..],
                len => &sql[start..start + len],
            };
            self.replay(schema, text, 0, preset.node.span(), &[])?;
            self.mark(schema, ObjectId::Policy(table.clone(), p.policy_name.clone()), preset.node);
        }
        Ok(())
    }
}

/// The membership tables of `workspace_member` presets: declared, with the columns read.
pub(super) fn check_members(schema: &Schema, checks: &[MembersCheck]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for check in checks {
        if PLATFORM_SCHEMAS.contains(&check.members.schema.as_str()) || schema.external.contains(&check.members) {
            continue;
        }
        let Some(members) = schema.tables.get(&check.members) else {
            let hint = match closest(&check.members.name, schema.tables.keys().map(|k| k.name.as_str())) {
                Some(c) => format!("did you mean `{c}`? Name the table with `members: TABLE`"),
                None => "declare the membership table in a YAML file, or name it with `members: TABLE`".into(),
            };
            out.push(diagnostic_at(
                Some(&check.place),
                format!(
                    "the workspace_member preset of {} reads memberships from {}, which is not declared",
                    check.table, check.members
                ),
                hint,
            ));
            continue;
        };
        for (column, place) in &check.columns {
            if members.column(column).is_none() {
                out.push(diagnostic_at(
                    Some(place),
                    format!(
                        "the workspace_member preset of {} reads column `{column}` of {}, which it does not have",
                        check.table, check.members
                    ),
                    column_hint(members, column),
                ));
            }
        }
    }
    out
}
