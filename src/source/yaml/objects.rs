//! YAML for everything beside columns and keys: row-level security, policies, triggers
//! and grants of a table; functions, views, enums, extensions and schemas. As for tables,
//! each becomes the SQL a person would write and goes through the same replay.

use std::collections::BTreeSet;

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;
use pg_query::NodeEnum;

use super::format::{
    CHECK_OPTIONS, COMMANDS, COMPOSITE_KEYS, DEFAULT_PRIVILEGE_KEYS, DOMAIN_KEYS, ENUM_KEYS, EVENTS, EXTENSION_KEYS,
    EXTERNAL_FUNCTION_KEYS, FOR_EACH, FUNCTION_KEYS, PARALLEL, POLICY_KEYS, SEQUENCE_KEYS, SETUP_KEYS, TIMINGS,
    TRIGGER_KEYS, VIEW_KEYS, VOLATILITIES,
};
use super::{File, Places};
use crate::diagnostic::Result;
use crate::model::privileges::{
    COLUMN_PRIVILEGES, FUNCTION_PRIVILEGES, OWNER, PUBLIC_SCHEMA, SCHEMA_PRIVILEGES, SEQUENCE_PRIVILEGES,
    TABLE_PRIVILEGES,
};
use crate::model::{Firing, Grants, ObjectId, ObjectKind, QualifiedName, Schema};
use crate::pgtree::{quote_ident, quote_literal};

/// `schema.name` or `name` (in `public`).
pub(super) fn qualified(name: &str) -> QualifiedName {
    match name.split_once('.') {
        Some((s, n)) => QualifiedName::new(s, n),
        None => QualifiedName::new("public", name),
    }
}

/// The types a sequence can count in.
const SEQUENCE_TYPES: &[&str] = &["smallint", "integer", "bigint", "int2", "int4", "int8", "int"];

/// `CREATE FUNCTION` with `params` and `returns` around a fragment: what the fragment may add
/// to it is what `shape` checks.
fn function_frame(params: &str, returns: &str) -> String {
    format!("CREATE FUNCTION f({params}) RETURNS {returns} LANGUAGE sql AS ''")
}

/// The options of a CREATE FUNCTION: its frame has two (LANGUAGE and AS).
fn function_options(stmt: &NodeEnum) -> Option<&pg_query::protobuf::CreateFunctionStmt> {
    match stmt {
        NodeEnum::CreateFunctionStmt(f) if f.options.len() == 2 => Some(f),
        _ => None,
    }
}

impl File<'_> {
    /// Each entry of `args`, refused unless it is exactly one argument.
    fn function_args(&self, node: &Node) -> Result<Vec<String>> {
        let items: Vec<&Node> = match node {
            Node::Sequence(seq) => seq.iter().collect(),
            other => vec![other],
        };
        items
            .into_iter()
            .map(|item| {
                let arg = self.scalar(item, "an argument")?;
                self.check_shape(
                    arg.span(),
                    &function_frame(arg.as_str(), "void"),
                    |s| function_options(s).is_some_and(|f| f.parameters.len() == 1),
                    format!("`{}` is not one argument", arg.as_str().escape_debug()),
                    "write one `[mode] name type [default expr]` per list entry: args: [a int, b text]",
                )?;
                Ok(arg.to_string())
            })
            .collect()
    }

    /// `returns`: one type, SETOF a type, or TABLE (…), and nothing after it.
    fn returns(&self, node: &Node) -> Result<String> {
        let r = self.scalar(node, "returns")?;
        // RETURNS TABLE (…) declares its columns as parameters of mode TABLE; no other may appear.
        let table_mode = pg_query::protobuf::FunctionParameterMode::FuncParamTable as i32;
        let only_table_columns = |f: &pg_query::protobuf::CreateFunctionStmt| {
            f.parameters.iter().all(|p| matches!(&p.node, Some(NodeEnum::FunctionParameter(p)) if p.mode == table_mode))
        };
        self.check_shape(
            r.span(),
            &function_frame("", r.as_str()),
            |s| function_options(s).is_some_and(|f| f.return_type.is_some() && only_table_columns(f)),
            format!("`{}` is not one return type", r.as_str().escape_debug()),
            "write a type, `setof TYPE` or `table (name type, …)`; `language`, `volatility` and the rest have \
             keys of their own",
        )?;
        Ok(r.to_string())
    }

    /// A `set:` key: a setting's name (`search_path`, `app.user_id`), never more SQL.
    fn setting_name(&self, key: &marked_yaml::types::MarkedScalarNode) -> Result<()> {
        let parts: Vec<&str> = key.as_str().split('.').collect();
        if parts.len() <= 2 && parts.iter().all(|p| super::is_plain_identifier(p)) {
            return Ok(());
        }
        Err(self
            .error(
                key.span(),
                format!("`{}` is not the name of a setting", key.as_str().escape_debug()),
                "a setting is a name, or two joined by a dot: e.g. search_path, statement_timeout, app.tenant",
            )
            .into())
    }

    /// Runs one statement built from the YAML at `node`, pointing at `node` if it is wrong.
    pub(super) fn run(&self, schema: &mut Schema, sql: &str, node: &Node) -> Result<()> {
        self.replay(schema, sql, 0, node.span(), &[(node.span(), sql.to_string())]).map(drop)
    }

    pub(super) fn list(&self, node: &Node, what: &str) -> Result<Vec<String>> {
        match node {
            Node::Sequence(seq) => seq.iter().map(|n| self.scalar(n, what).map(|s| s.to_string())).collect(),
            Node::Scalar(s) => Ok(vec![s.to_string()]),
            Node::Mapping(_) => Err(self.error(node.span(), format!("{what} must be a list"), "write [a, b]").into()),
        }
    }

    /// `key`'s list of words, each one of `allowed`, lower-cased.
    pub(super) fn words(&self, node: &Node, key: &str, what: &str, allowed: &[&str]) -> Result<Vec<String>> {
        let words: Vec<String> = self.list(node, key)?.iter().map(|w| w.to_lowercase()).collect();
        match words.iter().find(|w| !allowed.contains(&w.as_str())) {
            Some(w) => Err(self
                .error(node.span(), format!("unknown {what} `{w}`"), format!("{key}: {}", allowed.join(", ")))
                .into()),
            None => Ok(words),
        }
    }

    pub(super) fn one_of(&self, node: &Node, what: &str, allowed: &[&str]) -> Result<String> {
        let s = self.scalar(node, what)?;
        let v = s.to_lowercase();
        if allowed.contains(&v.as_str()) {
            return Ok(v);
        }
        let hint = match crate::diagnostic::closest(&v, allowed.iter().copied()) {
            Some(c) => format!("did you mean `{c}`? One of: {}", allowed.join(", ")),
            None => format!("one of: {}", allowed.join(", ")),
        };
        Err(self.error(s.span(), format!("unknown {what} `{}`", s.as_str()), hint).into())
    }

    /// COST or ROWS of a function: a positive number, written back as the number it is.
    fn estimate(&self, node: &Node, what: &str) -> Result<f64> {
        let s = self.scalar(node, what)?;
        match s.as_str().trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
            _ => Err(self
                .error(
                    s.span(),
                    format!("`{what}` cannot be `{}`", s.as_str().escape_debug()),
                    "write a positive number, e.g. 10",
                )
                .into()),
        }
    }

    /// `grants:` as role → privileges, validated against what the object can have.
    /// The owner may only appear in default privileges, where a dump writes it.
    fn grants(&self, node: &Node, all: &[&str], owner: bool) -> Result<Grants> {
        let map =
            self.mapping(node, "`grants` must map roles to privileges", "e.g. grants: {authenticated: [select]}")?;
        let mut grants = Grants::new();
        for (role, privs) in map.iter() {
            if !owner && role.as_str().eq_ignore_ascii_case(OWNER) {
                return Err(self
                    .error(
                        role.span(),
                        format!("`{}` owns what the migrations create", role.as_str()),
                        "an owner's privileges are implicit: remove it from `grants`",
                    )
                    .into());
            }
            let mut set = BTreeSet::new();
            for p in self.list(privs, "privileges")? {
                let p = p.to_uppercase();
                if p == "ALL" {
                    set.extend(all.iter().map(|a| a.to_string()));
                } else if all.contains(&p.as_str()) {
                    set.insert(p);
                } else {
                    return Err(self
                        .error(
                            privs.span(),
                            format!("unknown privilege `{p}`"),
                            format!("privileges here: all, {}", all.join(", ").to_lowercase()),
                        )
                        .into());
                }
            }
            if !set.is_empty() {
                // A role is named as PostgreSQL stores it, like every name in the YAML; only
                // PUBLIC, which is no role, is a keyword in any case.
                let role = if role.as_str().eq_ignore_ascii_case("public") { "public" } else { role.as_str() };
                grants.insert(role.to_string(), set);
            }
        }
        Ok(grants)
    }

    /// RLS, policies, triggers and grants of table `name` (owned or external).
    pub(super) fn table_security(
        &self,
        schema: &mut Schema,
        places: &mut Places,
        map: &MarkedMappingNode,
        name: &QualifiedName,
    ) -> Result<()> {
        let mut preset = None;
        if let Some(node) = map.get_node("rls") {
            let rls = self.rls(node)?;
            if let Some(t) = schema.tables.get_mut(name) {
                t.rls_enabled = rls.enabled;
                t.rls_forced = rls.forced;
            }
            preset = rls.preset;
        }
        if let Some(g) = map.get_node("grants") {
            let grants = self.grants(g, TABLE_PRIVILEGES, false)?;
            if let Some(t) = schema.tables.get_mut(name) {
                t.grants = grants;
            }
        }
        if let Some(node) = map.get_node("column_grants") {
            let columns = self.mapping(
                node,
                "`column_grants` must map columns to grants",
                "e.g. {name: {authenticated: [update]}}",
            )?;
            for (column, grants) in columns.iter() {
                let grants = self.grants(grants, COLUMN_PRIVILEGES, false)?;
                let Some(t) = schema.tables.get_mut(name) else { continue };
                if t.column(column.as_str()).is_none() {
                    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                    let hint = match crate::diagnostic::closest(column.as_str(), names.iter().copied()) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => format!("columns: {}", names.join(", ")),
                    };
                    let message = format!("column_grants names column {}, which {name} does not have", column.as_str());
                    return Err(self.error(column.span(), message, hint).into());
                }
                if !grants.is_empty() {
                    t.column_grants.insert(column.to_string(), grants);
                }
            }
        }
        if let Some(policies) = map.get_node("policies") {
            let policies = self.mapping(
                policies,
                "`policies` must map names to policies",
                "e.g. policies: {Users read own: {using: ...}}",
            )?;
            for (policy_name, spec) in policies.iter() {
                self.check_name(policy_name, false)?;
                self.policy(schema, name, policy_name.as_str(), spec)?;
            }
        }
        if let Some(preset) = &preset {
            self.expand_preset(schema, places, map.get_mapping("policies"), name, preset)?;
        }
        if let Some(node) = map.get_node("access") {
            self.access(schema, name, node)?;
        }
        if let Some(triggers) = map.get_node("triggers") {
            let triggers = self.mapping(
                triggers,
                "`triggers` must map names to triggers",
                "e.g. triggers: {set_updated_at: {timing: before, ...}}",
            )?;
            for (trigger_name, spec) in triggers.iter() {
                self.check_name(trigger_name, false)?;
                self.trigger(schema, name, trigger_name.as_str(), spec)?;
                // Where the function is named, for the error when it is not declared.
                let at = spec.as_mapping().and_then(|m| m.get_node("function")).unwrap_or(spec);
                places.trigger.insert((name.clone(), trigger_name.to_string()), self.place(at.span()));
            }
        }
        Ok(())
    }

    fn policy(&self, schema: &mut Schema, table: &QualifiedName, name: &str, spec: &Node) -> Result<()> {
        let m =
            self.mapping(spec, format!("policy `{name}` must be a mapping"), "with `using:` and/or `with_check:`")?;
        self.check_keys(m, POLICY_KEYS, &format!("policy `{name}`"))?;
        let mut sql = format!("CREATE POLICY {} ON {}", quote_ident(name), table.sql());
        if let Some(r) = m.get_node("restrictive")
            && self.flag(r, "restrictive")?
        {
            sql.push_str(" AS RESTRICTIVE");
        }
        if let Some(c) = m.get_node("command") {
            sql.push_str(&format!(" FOR {}", self.one_of(c, "command", COMMANDS)?.to_uppercase()));
        }
        if let Some(r) = m.get_node("roles") {
            let roles: Vec<String> = self.list(r, "roles")?.iter().map(|r| quote_ident(r)).collect();
            sql.push_str(&format!(" TO {}", roles.join(", ")));
        }
        if let Some(u) = m.get_node("using") {
            sql.push_str(&format!(" USING ({})", self.expr(u, "using")?));
        }
        if let Some(w) = m.get_node("with_check") {
            sql.push_str(&format!(" WITH CHECK ({})", self.expr(w, "with_check")?));
        }
        self.run(schema, &sql, spec)?;
        let policy = ObjectId::Policy(table.clone(), name.to_string());
        self.mark(schema, policy.clone(), spec);
        self.object_hints(schema, policy, m)?;
        if let Some(c) = self.optional_scalar(m, "comment")?
            && let Some(p) = schema.policies.get_mut(&(table.clone(), name.to_string()))
        {
            p.comment = Some(c.to_string());
        }
        Ok(())
    }

    fn trigger(&self, schema: &mut Schema, table: &QualifiedName, name: &str, spec: &Node) -> Result<()> {
        let Node::Mapping(m) = spec else {
            return Err(self
                .error(
                    spec.span(),
                    format!("trigger `{name}` must be a mapping"),
                    "with `timing`, `events` and `function`",
                )
                .into());
        };
        self.check_keys(m, TRIGGER_KEYS, &format!("trigger `{name}`"))?;
        let need = |k: &str| {
            m.get_node(k).ok_or_else(|| {
                self.error(
                    m.span(),
                    format!("trigger `{name}` needs `{k}`"),
                    "e.g. timing: before, events: [update], function: public.set_updated_at",
                )
            })
        };
        let timing = self.one_of(need("timing")?, "timing", TIMINGS)?.to_uppercase();
        let update_of = match m.get_node("update_of") {
            Some(u) => format!(
                " OF {}",
                self.list(u, "update_of")?.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ")
            ),
            None => String::new(),
        };
        let events_node = need("events")?;
        let mut events = Vec::new();
        for e in self.words(events_node, "events", "event", EVENTS)? {
            let of = if e == "update" { update_of.as_str() } else { "" };
            events.push(format!("{}{of}", e.to_uppercase()));
        }
        if events.is_empty() {
            return Err(self
                .error(
                    events_node.span(),
                    "a trigger needs at least one event",
                    "events: insert, update, delete, truncate",
                )
                .into());
        }
        let for_each = match m.get_node("for_each") {
            Some(f) => self.one_of(f, "for_each", FOR_EACH)?.to_uppercase(),
            None => "ROW".into(),
        };
        let function = qualified(self.scalar(need("function")?, "function")?.trim_end_matches("()"));
        let args = match m.get_node("args") {
            Some(a) => self.list(a, "args")?.iter().map(|a| quote_literal(a)).collect::<Vec<_>>().join(", "),
            None => String::new(),
        };
        let when = match m.get_node("when") {
            Some(w) => format!(" WHEN ({})", self.expr(w, "when")?),
            None => String::new(),
        };
        let mut referencing = String::new();
        for (key, clause) in [("old_table", "OLD"), ("new_table", "NEW")] {
            if let Some(n) = m.get_node(key) {
                let name = self.scalar(n, key)?;
                self.check_name(name, false)?;
                referencing.push_str(&format!(" {clause} TABLE AS {}", quote_ident(name.as_str())));
            }
        }
        if !referencing.is_empty() {
            referencing.insert_str(0, " REFERENCING");
        }
        let (constraint, deferrable) = self.constraint_trigger(m, name, &timing, &for_each, &referencing)?;
        let sql = format!(
            "CREATE {constraint}TRIGGER {} {timing} {} ON {}{referencing}{deferrable} FOR EACH {for_each}{when} \
             EXECUTE FUNCTION {}({args})",
            quote_ident(name),
            events.join(" OR "),
            table.sql(),
            function.sql()
        );
        self.run(schema, &sql, spec)?;
        self.mark(schema, ObjectId::Trigger(table.clone(), name.to_string()), spec);
        let firing = match m.get_node("enabled") {
            Some(n) => self.firing(n)?,
            None => Firing::Enabled,
        };
        if let Some(t) = schema.triggers.get_mut(&(table.clone(), name.to_string())) {
            t.firing = firing;
            t.comment = self.optional_scalar(m, "comment")?.map(|c| c.to_string());
        }
        Ok(())
    }

    /// `CONSTRAINT ` and the DEFERRABLE clause of a `constraint: true` trigger, which
    /// PostgreSQL's grammar allows only AFTER, FOR EACH ROW and without transition tables.
    fn constraint_trigger(
        &self,
        m: &MarkedMappingNode,
        name: &str,
        timing: &str,
        for_each: &str,
        referencing: &str,
    ) -> Result<(&'static str, String)> {
        let constraint = match m.get_node("constraint") {
            Some(c) => self.flag(c, "constraint")?,
            None => false,
        };
        if !constraint {
            return match m.keys().find(|k| k.as_str() == "deferrable") {
                Some(k) => Err(self
                    .error(
                        k.span(),
                        format!("trigger `{name}`: `deferrable` without `constraint: true`"),
                        "only a constraint trigger can be deferred: add `constraint: true`",
                    )
                    .into()),
                None => Ok(("", String::new())),
            };
        }
        let wrong = if timing != "AFTER" {
            Some(("timing", "timing: after"))
        } else if for_each != "ROW" {
            Some(("for_each", "for_each: row"))
        } else if !referencing.is_empty() {
            Some((if m.get_node("old_table").is_some() { "old_table" } else { "new_table" }, "no transition tables"))
        } else {
            None
        };
        if let Some((key, fix)) = wrong {
            let at = m.keys().find(|k| k.as_str() == key).map_or(m.span(), |k| k.span());
            return Err(self
                .error(
                    at,
                    format!("constraint trigger `{name}` cannot have this `{key}`"),
                    format!("PostgreSQL allows a constraint trigger only AFTER, FOR EACH ROW: write {fix}"),
                )
                .into());
        }
        let deferrable = match m.get_node("deferrable") {
            Some(d) => self.deferrable(d)?,
            None => String::new(),
        };
        Ok(("CONSTRAINT ", deferrable))
    }

    /// `enabled:`: true, false, replica or always.
    fn firing(&self, node: &Node) -> Result<Firing> {
        let s = self.scalar(node, "enabled")?;
        Ok(match s.to_lowercase().as_str() {
            "true" | "yes" | "on" => Firing::Enabled,
            "false" | "no" | "off" => Firing::Disabled,
            "replica" => Firing::Replica,
            "always" => Firing::Always,
            other => {
                return Err(self
                    .error(
                        s.span(),
                        format!("enabled must be true, false, `replica` or `always`, not `{other}`"),
                        "e.g. enabled: false (ALTER TABLE … DISABLE TRIGGER)",
                    )
                    .into());
            }
        })
    }

    pub(super) fn load_function(&self, schema: &mut Schema, map: &MarkedMappingNode) -> Result<()> {
        self.check_keys(map, FUNCTION_KEYS, "the function file")?;
        let procedure = map.get_node("procedure").is_some();
        let name_node = map.get_node(if procedure { "procedure" } else { "function" }).expect("dispatched on it");
        let name_scalar = self.scalar(name_node, "name")?;
        self.check_name(name_scalar, true)?;
        let name = qualified(name_scalar);
        if let Some(external) = map.get_node("external")
            && self.flag(external, "external")?
        {
            if let Some(key) = map.keys().find(|k| !EXTERNAL_FUNCTION_KEYS.contains(&k.as_str())) {
                return Err(self
                    .error(
                        key.span(),
                        format!("external function {name} cannot have `{}`", key.as_str()),
                        "an external function is only called: remove `external: true` to manage it here",
                    )
                    .into());
            }
            schema.external_functions.insert(name);
            return Ok(());
        }
        let args = match map.get_node("args") {
            Some(a) => self.function_args(a)?.join(", "),
            None => String::new(),
        };
        // OR REPLACE: a second file of the same signature is this loader's to name ("declared
        // twice", below), not the replay's refusal of SQL.
        let kind = if procedure { "PROCEDURE" } else { "FUNCTION" };
        let mut sql = format!("CREATE OR REPLACE {kind} {}({args})", name.sql());
        match (map.get_node("returns"), procedure) {
            (Some(r), false) => sql.push_str(&format!(" RETURNS {}", self.returns(r)?)),
            (None, false) => {
                return Err(self
                    .error(
                        map.span(),
                        format!("function {name} has no `returns`"),
                        "add e.g. `returns: trigger` or `returns: void`",
                    )
                    .into());
            }
            (Some(r), true) => {
                return Err(self
                    .error(r.span(), "a procedure returns nothing", "remove `returns`, or declare a `function:`")
                    .into());
            }
            (None, true) => {}
        }
        let language = match map.get_node("language") {
            Some(l) => self.identifier(l, "language", "plpgsql")?,
            None => "sql".into(),
        };
        sql.push_str(&format!(" LANGUAGE {}", quote_ident(&language)));
        if let Some(v) = map.get_node("volatility") {
            sql.push_str(&format!(" {}", self.one_of(v, "volatility", VOLATILITIES)?.to_uppercase()));
        }
        if let Some(s) = map.get_node("strict")
            && self.flag(s, "strict")?
        {
            sql.push_str(" STRICT");
        }
        if let Some(s) = map.get_node("security_definer")
            && self.flag(s, "security_definer")?
        {
            sql.push_str(" SECURITY DEFINER");
        }
        if let Some(l) = map.get_node("leakproof")
            && self.flag(l, "leakproof")?
        {
            sql.push_str(" LEAKPROOF");
        }
        if let Some(p) = map.get_node("parallel") {
            sql.push_str(&format!(" PARALLEL {}", self.one_of(p, "parallel", PARALLEL)?.to_uppercase()));
        }
        for (key, clause) in [("cost", "COST"), ("rows", "ROWS")] {
            if let Some(v) = map.get_node(key) {
                sql.push_str(&format!(" {clause} {}", self.estimate(v, key)?));
            }
        }
        if let Some(set) = map.get_node("set") {
            let set = self.mapping(set, "`set` must map settings to values", "e.g. set: {search_path: ''}")?;
            for (k, v) in set.iter() {
                self.setting_name(k)?;
                // A list setting (`search_path: public, extensions`) is several values.
                let v = self.scalar(v, "a setting")?;
                // Plain text, quoted as literals below; no setting takes a line break, and one
                // in a value is a pasted mistake, not a value.
                if v.chars().any(char::is_control) {
                    return Err(self
                        .error(
                            v.span(),
                            "a setting's value cannot hold a line break or a control character",
                            "write the value on one line",
                        )
                        .into());
                }
                let values: Vec<String> = v.split(',').map(|p| quote_literal(p.trim())).collect();
                sql.push_str(&format!(" SET {} = {}", quote_ident(k.as_str()), values.join(", ")));
            }
        }
        let body_node = map.get_node("body").ok_or_else(|| {
            self.error(map.span(), format!("{name} has no `body`"), "add `body: |` with the function's code")
        })?;
        let body = self.scalar(body_node, "body")?.to_string();
        let mut tag = "$$".to_string();
        while body.contains(&tag) {
            tag = format!("${}$", "f".repeat(tag.len()));
        }
        sql.push_str(&format!(" AS {tag}{body}{tag}"));
        let before: BTreeSet<_> = schema.functions.keys().cloned().collect();
        self.run(schema, &sql, name_node)?;
        let key = schema.functions.keys().find(|k| !before.contains(*k)).cloned();
        let Some(key) = key else {
            return Err(self
                .error(name_node.span(), format!("{name} is declared twice"), "keep one file per function signature")
                .into());
        };
        let f = schema.functions.get_mut(&key).expect("just added");
        f.comment = self.optional_scalar(map, "comment")?.map(|c| c.to_string());
        if let Some(g) = map.get_node("grants") {
            f.grants = self.grants(g, FUNCTION_PRIVILEGES, false)?;
        }
        crate::model::owners::hand_over(&mut f.owner, Some(&mut f.grants), self.owner(map)?);
        let routine = f.routine();
        self.mark(schema, ObjectId::Function(routine.clone()), name_node);
        self.object_hints(schema, ObjectId::Function(routine), map)
    }

    pub(super) fn load_view(&self, schema: &mut Schema, map: &MarkedMappingNode) -> Result<()> {
        self.check_keys(map, VIEW_KEYS, "the view file")?;
        let name_node = map.get_node("view").expect("dispatched on it");
        let name_scalar = self.scalar(name_node, "view")?;
        self.check_name(name_scalar, true)?;
        let name = qualified(name_scalar);
        if schema.views.contains_key(&name) || schema.tables.contains_key(&name) {
            return Err(self
                .error(name_node.span(), format!("{name} is declared twice"), "a view and a table cannot share a name")
                .into());
        }
        let materialized = match map.get_node("materialized") {
            Some(m) => self.flag(m, "materialized")?,
            None => false,
        };
        let mut sql = format!("CREATE {}VIEW {}", if materialized { "MATERIALIZED " } else { "" }, name.sql());
        if let Some(c) = map.get_node("columns") {
            sql.push_str(&format!(" ({})", self.name_list(c, "columns")?));
        }
        let mut options = Vec::new();
        if let Some(s) = map.get_node("security_invoker") {
            options.push(format!("security_invoker = {}", self.flag(s, "security_invoker")?));
        }
        if let Some(w) = map.get_node("with") {
            let with = self.storage_parameters(w)?;
            if !options.is_empty() && with.iter().any(|o| o.starts_with("security_invoker =")) {
                let hint = "keep one of `security_invoker:` and `with: {security_invoker: …}`";
                return Err(self.error(w.span(), "security_invoker is given twice", hint).into());
            }
            options.extend(with);
        }
        if !options.is_empty() {
            sql.push_str(&format!(" WITH ({})", options.join(", ")));
        }
        let query_node = map.get_node("query").ok_or_else(|| {
            self.error(map.span(), format!("view {name} has no `query`"), "add `query: |` with its SELECT")
        })?;
        let query = self.scalar(query_node, "query")?;
        let query = query.trim_end().strip_suffix(';').unwrap_or(query.trim_end());
        self.check_shape(
            query_node.span(),
            query,
            |s| matches!(s, NodeEnum::SelectStmt(q) if q.into_clause.is_none()),
            "a view's `query` must be exactly one SELECT, VALUES or WITH … SELECT statement",
            "write the one query the view stands for, without a second statement after `;`",
        )?;
        sql.push_str(&format!(" AS {query}"));
        if let Some(c) = map.get_node("check_option") {
            sql.push_str(&format!(
                " WITH {} CHECK OPTION",
                self.one_of(c, "check_option", CHECK_OPTIONS)?.to_uppercase()
            ));
        }
        self.run(schema, &sql, query_node)?;
        if let Some(indexes) = map.get_node("indexes") {
            if !materialized {
                let hint = "only a materialized view has indexes: add `materialized: true`, or index its tables";
                return Err(self.error(indexes.span(), format!("view {name} is not materialized"), hint).into());
            }
            for (index_name, spec) in self.entries(indexes, "indexes")? {
                let (sql, comment) = self.index(&name, index_name, spec)?;
                self.run(schema, &sql, spec)?;
                let v = schema.views.get_mut(&name).expect("just added");
                if let Some(i) = v.indexes.last_mut() {
                    i.comment = comment;
                }
            }
        }
        let v = schema.views.get_mut(&name).expect("just added");
        v.comment = self.optional_scalar(map, "comment")?.map(|c| c.to_string());
        if let Some(g) = map.get_node("grants") {
            v.grants = self.grants(g, TABLE_PRIVILEGES, false)?;
        }
        crate::model::owners::hand_over(&mut v.owner, Some(&mut v.grants), self.owner(map)?);
        self.mark(schema, ObjectId::View { name: name.clone(), materialized }, name_node);
        self.object_hints(schema, ObjectId::View { name, materialized }, map)
    }

    pub(super) fn load_enum(&self, schema: &mut Schema, map: &MarkedMappingNode) -> Result<()> {
        self.check_keys(map, ENUM_KEYS, "the enum file")?;
        let name_node = map.get_node("enum").expect("dispatched on it");
        let name_scalar = self.scalar(name_node, "enum")?;
        self.check_name(name_scalar, true)?;
        let name = qualified(name_scalar);
        if schema.enums.contains_key(&name) {
            return Err(self
                .error(name_node.span(), format!("enum {name} is declared twice"), "keep one file per type")
                .into());
        }
        let values_node = map
            .get_node("values")
            .ok_or_else(|| self.error(map.span(), format!("enum {name} has no `values`"), "add `values: [a, b]`"))?;
        let values: Vec<String> = self.list(values_node, "values")?.iter().map(|v| quote_literal(v)).collect();
        self.run(schema, &format!("CREATE TYPE {} AS ENUM ({})", name.sql(), values.join(", ")), values_node)?;
        if let Some(e) = schema.enums.get_mut(&name) {
            e.comment = self.optional_scalar(map, "comment")?.map(|c| c.to_string());
            e.owner = self.owner(map)?;
        }
        self.mark(schema, ObjectId::Type(name.clone()), name_node);
        if name.schema != "public" {
            schema.schemas.insert(name.schema.clone());
        }
        Ok(())
    }

    pub(super) fn load_composite(&self, schema: &mut Schema, map: &MarkedMappingNode) -> Result<()> {
        self.check_keys(map, COMPOSITE_KEYS, "the type file")?;
        let name_node = map.get_node("type").expect("dispatched on it");
        let name_scalar = self.scalar(name_node, "type")?;
        self.check_name(name_scalar, true)?;
        let name = qualified(name_scalar);
        if crate::source::composite::type_exists(schema, &name) {
            return Err(self
                .error(name_node.span(), format!("type {name} is declared twice"), "keep one file per type")
                .into());
        }
        let node = map.get_node("attributes").ok_or_else(|| {
            self.error(
                map.span(),
                format!("type {name} has no `attributes`"),
                "add `attributes: {a: integer, b: text}`",
            )
        })?;
        let attributes = self.mapping(node, "`attributes` must map names to types", "e.g. attributes: {a: integer}")?;
        let mut parts = Vec::new();
        for (k, v) in attributes.iter() {
            self.check_name(k, false)?;
            let ty = self.scalar(v, "an attribute's type")?.as_str();
            // One attribute each: a type that closes the list or adds one is refused here.
            self.check_shape(
                v.span(),
                &format!("CREATE TYPE t AS (a {ty})"),
                |s| matches!(s, NodeEnum::CompositeTypeStmt(c) if c.coldeflist.len() == 1),
                format!("`{}` is not one type", ty.escape_debug()),
                "write the attribute's type, e.g. `text` or `varchar(10) collate \"C\"`",
            )?;
            parts.push(format!("{} {ty}", quote_ident(k.as_str())));
        }
        self.run(schema, &format!("CREATE TYPE {} AS ({})", name.sql(), parts.join(", ")), node)?;
        if let Some(c) = schema.composites.get_mut(&name) {
            c.comment = self.optional_scalar(map, "comment")?.map(|c| c.to_string());
            c.owner = self.owner(map)?;
        }
        self.mark(schema, ObjectId::Type(name.clone()), name_node);
        if name.schema != "public" {
            schema.schemas.insert(name.schema.clone());
        }
        Ok(())
    }

    pub(super) fn load_domain(&self, schema: &mut Schema, map: &MarkedMappingNode) -> Result<()> {
        self.check_keys(map, DOMAIN_KEYS, "the domain file")?;
        let name_node = map.get_node("domain").expect("dispatched on it");
        let name_scalar = self.scalar(name_node, "domain")?;
        self.check_name(name_scalar, true)?;
        let name = qualified(name_scalar);
        if schema.domains.contains_key(&name) || schema.enums.contains_key(&name) {
            return Err(self
                .error(name_node.span(), format!("type {name} is declared twice"), "keep one file per type")
                .into());
        }
        let ty = map.get_node("type").ok_or_else(|| {
            self.error(map.span(), format!("domain {name} has no `type`"), "add e.g. `type: double precision`")
        })?;
        let ty_text = self.scalar(ty, "type")?.as_str();
        self.check_shape(
            ty.span(),
            &format!("CREATE DOMAIN d AS {ty_text}"),
            |s| matches!(s, NodeEnum::CreateDomainStmt(d) if d.constraints.is_empty() && d.coll_clause.is_none()),
            format!("`{}` is not one type", ty_text.escape_debug()),
            "write the base type only; `collate`, `default`, `not_null` and `checks` have keys of their own",
        )?;
        let mut sql = format!("CREATE DOMAIN {} AS {ty_text}", name.sql());
        if let Some(c) = map.get_node("collate") {
            sql.push_str(&format!(" COLLATE {}", quote_ident(self.scalar(c, "collate")?)));
        }
        if let Some(d) = map.get_node("default") {
            sql.push_str(&format!(" DEFAULT ({})", self.expr(d, "default")?));
        }
        if let Some(n) = map.get_node("not_null")
            && self.flag(n, "not_null")?
        {
            sql.push_str(" NOT NULL");
        }
        if let Some(checks) = map.get_node("checks") {
            let checks = self.mapping(
                checks,
                "`checks` must map names to expressions on VALUE",
                "e.g. checks: {positive: VALUE > 0}",
            )?;
            for (n, e) in checks.iter() {
                sql.push_str(&format!(" CONSTRAINT {} CHECK ({})", quote_ident(n.as_str()), self.expr(e, "check")?));
            }
        }
        self.run(schema, &sql, name_node)?;
        if let Some(d) = schema.domains.get_mut(&name) {
            d.comment = self.optional_scalar(map, "comment")?.map(|c| c.to_string());
        }
        if name.schema != "public" {
            schema.schemas.insert(name.schema.clone());
        }
        Ok(())
    }

    pub(super) fn load_sequence(&self, schema: &mut Schema, map: &MarkedMappingNode) -> Result<()> {
        self.check_keys(map, SEQUENCE_KEYS, "the sequence file")?;
        let name_node = map.get_node("sequence").expect("dispatched on it");
        let name_scalar = self.scalar(name_node, "sequence")?;
        self.check_name(name_scalar, true)?;
        let name = qualified(name_scalar);
        if schema.sequences.contains_key(&name) {
            return Err(self
                .error(name_node.span(), format!("sequence {name} is declared twice"), "keep one file per sequence")
                .into());
        }
        let mut sql = format!("CREATE SEQUENCE {}", name.sql());
        for (key, clause) in [
            ("as", "AS"),
            ("increment", "INCREMENT BY"),
            ("minvalue", "MINVALUE"),
            ("maxvalue", "MAXVALUE"),
            ("start", "START WITH"),
            ("cache", "CACHE"),
        ] {
            if let Some(v) = map.get_node(key) {
                let text = self.scalar(v, key)?;
                let fits = match key {
                    "as" => SEQUENCE_TYPES.contains(&text.to_lowercase().as_str()),
                    _ => text.parse::<i64>().is_ok(),
                };
                if !fits {
                    let hint = if key == "as" {
                        format!("one of: {}", SEQUENCE_TYPES.join(", "))
                    } else {
                        "write a whole number, e.g. 1".to_string()
                    };
                    return Err(self
                        .error(text.span(), format!("`{key}` cannot be `{}`", text.as_str().escape_debug()), hint)
                        .into());
                }
                sql.push_str(&format!(" {clause} {}", text.as_str()));
            }
        }
        if let Some(c) = map.get_node("cycle")
            && self.flag(c, "cycle")?
        {
            sql.push_str(" CYCLE");
        }
        self.run(schema, &sql, name_node)?;
        let owned_by = match map.get_node("owned_by") {
            Some(o) => {
                let text = self.scalar(o, "owned_by")?;
                let parts: Vec<&str> = text.split('.').collect();
                let owner = match parts.as_slice() {
                    [table, column] => (QualifiedName::new("public", *table), column.to_string()),
                    [s, table, column] => (QualifiedName::new(*s, *table), column.to_string()),
                    _ => {
                        return Err(self
                            .error(
                                o.span(),
                                format!("owned_by must be TABLE.COLUMN, not `{}`", text.as_str()),
                                "e.g. owned_by: public.orders.number",
                            )
                            .into());
                    }
                };
                Some(owner)
            }
            None => None,
        };
        let grants = map.get_node("grants").map(|g| self.grants(g, SEQUENCE_PRIVILEGES, false)).transpose()?;
        let seq = schema.sequences.get_mut(&name).expect("just created");
        seq.owned_by = owned_by;
        if let Some(grants) = grants {
            seq.grants = grants;
        }
        seq.comment = self.optional_scalar(map, "comment")?.map(|c| c.to_string());
        crate::model::owners::hand_over(&mut seq.owner, Some(&mut seq.grants), self.owner(map)?);
        Ok(())
    }

    pub(super) fn load_setup(&self, schema: &mut Schema, places: &mut Places, map: &MarkedMappingNode) -> Result<()> {
        self.check_keys(map, SETUP_KEYS, "the setup file")?;
        if let Some(node) = map.get_node("default_privileges") {
            let scopes = self.mapping(
                node,
                "`default_privileges` must map schemas to kinds of object",
                "e.g. default_privileges: {public: {functions: {service_role: [execute]}}}",
            )?;
            for (scope, kinds) in scopes.iter() {
                let kinds = self.mapping(
                    kinds,
                    format!("default privileges of `{}` must map kinds of object to grants", scope.as_str()),
                    "e.g. functions: {service_role: [execute]}",
                )?;
                self.check_keys(
                    kinds,
                    DEFAULT_PRIVILEGE_KEYS,
                    &format!("the default privileges of `{}`", scope.as_str()),
                )?;
                if scope.as_str() != "*" {
                    places.named_schemas.push((scope.to_string(), "default_privileges", self.place(scope.span())));
                }
                let scope = (scope.as_str() != "*").then(|| scope.to_string());
                for (word, grants) in kinds.iter() {
                    let kind = ObjectKind::from_word(word.as_str()).expect("keys checked above");
                    let grants = self.grants(grants, kind.privileges(), true)?;
                    schema.default_privileges.set(scope.clone(), kind, grants);
                }
            }
        }
        if let Some(list) = map.get_node("roles") {
            self.declared_roles(list)?;
        }
        if let Some(list) = map.get_node("schemas") {
            for s in self.list(list, "schemas")? {
                if s != "public" {
                    schema.schemas.insert(s);
                }
            }
        }
        if let Some(node) = map.get_node("schema_comments") {
            let comments =
                self.mapping(node, "`schema_comments` must map schemas to text", "e.g. {app: The app's data.}")?;
            for (name, text) in comments.iter() {
                places.named_schemas.push((name.to_string(), "schema_comments", self.place(name.span())));
                schema.schema_comments.insert(name.to_string(), self.scalar(text, "a comment")?.to_string());
            }
        }
        if let Some(node) = map.get_node("schema_grants") {
            let schemas = self.mapping(
                node,
                "`schema_grants` must map schemas to grants",
                "e.g. {app: {authenticated: [usage]}}",
            )?;
            for (name, grants) in schemas.iter() {
                places.named_schemas.push((name.to_string(), "schema_grants", self.place(name.span())));
                let grants = self.grants(grants, SCHEMA_PRIVILEGES, false)?;
                // `public` without an entry would keep the platform's privileges.
                if !grants.is_empty() || name.as_str() == PUBLIC_SCHEMA {
                    schema.schema_grants.insert(name.to_string(), grants);
                }
            }
        }
        if let Some(exts) = map.get_node("extensions") {
            let entries: Vec<(String, Option<&Node>)> = match exts {
                Node::Mapping(m) => m.iter().map(|(k, v)| (k.to_string(), Some(v))).collect(),
                other => self.list(other, "extensions")?.into_iter().map(|n| (n, None)).collect(),
            };
            for (name, spec) in entries {
                let mut sql = format!("CREATE EXTENSION IF NOT EXISTS {}", quote_ident(&name));
                if let Some(Node::Mapping(m)) = spec {
                    self.check_keys(m, EXTENSION_KEYS, &format!("extension `{name}`"))?;
                    if let Some(s) = self.optional_scalar(m, "schema")? {
                        sql.push_str(&format!(" WITH SCHEMA {}", quote_ident(s)));
                    }
                }
                self.run(schema, &sql, spec.unwrap_or(exts))?;
            }
        }
        Ok(())
    }
}
