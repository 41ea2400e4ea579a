//! Replay of functions, procedures, triggers, views, enums and extensions.

use pg_query::protobuf::{self, AlterTableType, FunctionParameterMode, ObjectType, ViewCheckOption};
use pg_query::{DeparseOptions, NodeEnum};

use crate::model::{
    DataType, Domain, Enum, Extension, Firing, Function, FunctionArg, ObjectKind, QualifiedName, Refs, Schema,
    Sequence, Signature, Trigger, View,
};
use crate::pgtree::{const_text, data_type, expr_sql, node_refs, quote_literal, str_of, strings};
use crate::source::ddl::{Outcome, qualified};
use crate::source::view_columns::expand_stars;

/// `["app", "f"]` → `app.f`; unqualified names are in the search path's first schema.
pub fn qualified_names(names: &[String]) -> QualifiedName {
    match names {
        [.., schema, name] => QualifiedName::new(schema.clone(), name.clone()),
        [name] => QualifiedName::new(crate::source::ddl::default_schema(), name.clone()),
        [] => QualifiedName::new(crate::source::ddl::default_schema(), ""),
    }
}

/// The name and, when given, the argument types of `f(int, text)` in DROP, COMMENT, GRANT.
pub fn object_with_args(owa: &protobuf::ObjectWithArgs) -> (QualifiedName, Option<Vec<String>>) {
    let name = qualified_names(&strings(&owa.objname));
    if owa.args_unspecified {
        return (name, None);
    }
    let types = owa
        .objargs
        .iter()
        .filter_map(|a| match a.node.as_ref()? {
            NodeEnum::TypeName(t) => Some(data_type(t).sql()),
            _ => None,
        })
        .collect();
    (name, Some(types))
}

/// The functions `name(args)` may mean: one signature, or every overload when no
/// argument list was written.
pub fn function_keys(schema: &Schema, name: &QualifiedName, args: Option<&[String]>) -> Vec<Signature> {
    match args {
        Some(args) => {
            let key = Signature(format!("{name}({})", args.join(", ")));
            schema.functions.contains_key(&key).then_some(key).into_iter().collect()
        }
        None => schema.functions.iter().filter(|(_, f)| &f.name == name).map(|(k, _)| k.clone()).collect(),
    }
}

pub(crate) fn def_elems(nodes: &[pg_query::Node]) -> impl Iterator<Item = &protobuf::DefElem> {
    nodes.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::DefElem(d) => Some(d.as_ref()),
        _ => None,
    })
}

fn bool_arg(d: &protobuf::DefElem) -> bool {
    match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
        Some(NodeEnum::Boolean(b)) => b.boolval,
        Some(NodeEnum::Integer(i)) => i.ival != 0,
        Some(NodeEnum::String(s)) => matches!(s.sval.as_str(), "true" | "on" | "yes" | "1"),
        None => true,
        _ => false,
    }
}

/// `SET name = value` of a function, the value as SQL.
fn set_clause(v: &protobuf::VariableSetStmt) -> Option<(String, String)> {
    let values: Vec<String> = v
        .args
        .iter()
        .map(|a| match a.node.as_ref() {
            Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
                Some(protobuf::a_const::Val::Sval(s)) => quote_literal(&s.sval),
                _ => const_text(a).unwrap_or_default(),
            },
            _ => const_text(a).unwrap_or_default(),
        })
        .collect();
    (!values.is_empty()).then(|| (v.name.clone(), values.join(", ")))
}

/// Applies function options (CREATE FUNCTION's or ALTER FUNCTION's) to `f`.
fn apply_function_options(f: &mut Function, options: &[pg_query::Node]) {
    for d in def_elems(options) {
        let arg = d.arg.as_deref();
        match d.defname.as_str() {
            "as" => {
                if let Some(NodeEnum::List(l)) = arg.and_then(|a| a.node.as_ref()) {
                    f.body = strings(&l.items).join("\n");
                }
            }
            "language" => f.language = arg.and_then(str_of).unwrap_or_default().to_lowercase(),
            "volatility" => {
                let v = arg.and_then(str_of).unwrap_or_default().to_uppercase();
                f.volatility = (v != "VOLATILE").then_some(v);
            }
            "strict" => f.strict = bool_arg(d),
            "security" => f.security_definer = bool_arg(d),
            "leakproof" => f.leakproof = bool_arg(d),
            "parallel" => {
                let p = arg.and_then(str_of).unwrap_or_default().to_uppercase();
                f.parallel = (p != "UNSAFE").then_some(p);
            }
            "cost" => f.cost = arg.and_then(const_text).and_then(|c| c.parse().ok()),
            "rows" => f.rows = arg.and_then(const_text).and_then(|r| r.parse().ok()),
            "set" => {
                if let Some(NodeEnum::VariableSetStmt(v)) = arg.and_then(|a| a.node.as_ref()) {
                    f.config.retain(|(k, _)| k != &v.name);
                    if let Some(kv) = set_clause(v) {
                        f.config.push(kv);
                    }
                    f.config.sort();
                }
            }
            _ => {}
        }
    }
}

pub fn create_function(schema: &mut Schema, s: &protobuf::CreateFunctionStmt) -> Outcome {
    if s.sql_body.is_some() {
        return Outcome::Skipped("CREATE FUNCTION (BEGIN ATOMIC)");
    }
    let name = qualified_names(&strings(&s.funcname));
    // Helpers a migration makes for itself in pg_temp vanish with its session.
    if name.schema.starts_with("pg_temp") {
        return Outcome::Skipped("CREATE FUNCTION pg_temp");
    }
    let mut args = Vec::new();
    let mut table_columns = Vec::new();
    let mut types = Vec::new();
    let mut signature_type = |t: &protobuf::TypeName| {
        let ty = resolved_type(schema, t);
        if !ty.builtin {
            types.push(QualifiedName::new(ty.schema.as_deref().unwrap_or("public"), ty.name.clone()));
        }
        ty.sql()
    };
    for p in &s.parameters {
        let Some(NodeEnum::FunctionParameter(p)) = p.node.as_ref() else { continue };
        let ty = p.arg_type.as_ref().map(&mut signature_type).unwrap_or_default();
        let mode = match FunctionParameterMode::try_from(p.mode) {
            Ok(FunctionParameterMode::FuncParamOut) => "OUT",
            Ok(FunctionParameterMode::FuncParamInout) => "INOUT",
            Ok(FunctionParameterMode::FuncParamVariadic) => "VARIADIC",
            Ok(FunctionParameterMode::FuncParamTable) => {
                table_columns.push(format!("{} {ty}", crate::pgtree::quote_ident(&p.name)));
                continue;
            }
            _ => "",
        };
        args.push(FunctionArg {
            mode: mode.into(),
            name: p.name.clone(),
            data_type: ty,
            default: p.defexpr.as_deref().map(expr_sql),
        });
    }
    let returns = if !table_columns.is_empty() {
        Some(format!("TABLE({})", table_columns.join(", ")))
    } else if let Some(t) = s.return_type.as_ref() {
        Some(format!("{}{}", if t.setof { "SETOF " } else { "" }, signature_type(t)))
    } else {
        // Without RETURNS, a function returns what its OUT parameters make: the type of
        // the one, or a record of several (as PostgreSQL records and prints it).
        let outs: Vec<&FunctionArg> = args.iter().filter(|a| a.mode == "OUT" || a.mode == "INOUT").collect();
        match outs.as_slice() {
            _ if s.is_procedure => None,
            [] => None,
            [one] => Some(one.data_type.clone()),
            _ => Some("record".into()),
        }
    };
    types.sort();
    types.dedup();
    let grants = schema.default_privileges.effective(&name.schema, ObjectKind::Functions);
    let mut f = Function {
        name,
        procedure: s.is_procedure,
        args,
        returns,
        language: "sql".into(),
        body: String::new(),
        volatility: None,
        strict: false,
        security_definer: false,
        parallel: None,
        leakproof: false,
        cost: None,
        rows: None,
        config: Vec::new(),
        comment: None,
        grants,
        owner: None,
        body_refs: Refs::default(),
        types,
    };
    apply_function_options(&mut f, &s.options);
    normalise_estimates(&mut f);
    f.body_refs = body_refs(&f);
    let key = Signature(f.signature());
    if !s.replace && schema.functions.contains_key(&key) {
        return Outcome::Rejected {
            message: format!("function {} already exists with the same argument types", key.0),
            hint: "PostgreSQL refuses to create it again: write CREATE OR REPLACE FUNCTION, or drop it first",
        };
    }
    // CREATE OR REPLACE keeps the privileges, comment and owner of the function it replaces.
    if let Some(old) = schema.functions.get(&key) {
        f.grants = old.grants.clone();
        f.comment = old.comment.clone();
        f.owner = old.owner.clone();
    }
    schema.functions.insert(key, f);
    Outcome::Applied
}

/// The type of an argument or a result. `t.c%TYPE` is the column's type, as PostgreSQL
/// resolves it when the function is created (and records no dependency on `t`).
fn resolved_type(schema: &Schema, t: &protobuf::TypeName) -> DataType {
    let names = strings(&t.names);
    if t.pct_type
        && let Some((column, table)) = names.split_last()
        && let Some(table) = crate::source::ddl::existing_list(schema, table)
        && let Some(c) = schema.tables.get(&table).and_then(|t| t.column(column))
    {
        let mut ty = c.data_type.clone();
        ty.name = match ty.name.as_str() {
            "smallserial" if ty.builtin => "smallint".into(),
            "serial" if ty.builtin => "integer".into(),
            "bigserial" if ty.builtin => "bigint".into(),
            _ => ty.name,
        };
        ty.array_dims += t.array_bounds.len();
        return ty;
    }
    data_type(t)
}

/// COST and ROWS that are the defaults PostgreSQL would give are no setting: written or
/// not, the function is the same.
fn normalise_estimates(f: &mut Function) {
    let default_cost = if matches!(f.language.as_str(), "c" | "internal") { 1.0 } else { 100.0 };
    f.cost = f.cost.filter(|c| *c != default_cost);
    f.rows = f.rows.filter(|r| *r != 1000.0);
}

/// A SQL body is checked against the tables it reads when it is created, so what it reads
/// orders it; a PL/pgSQL body is only parsed then, but its declarations' `%ROWTYPE` and
/// `%TYPE` are resolved, so the relations they name order it. Other languages', nothing.
fn body_refs(f: &Function) -> Refs {
    match f.language.as_str() {
        "sql" => crate::pgtree::statement_refs(&f.body),
        "plpgsql" => Refs { relations: crate::pgtree::plpgsql_declared_relations(&f.body), ..Refs::default() },
        _ => Refs::default(),
    }
}

pub fn alter_function(schema: &mut Schema, s: &protobuf::AlterFunctionStmt) -> Outcome {
    let Some(owa) = s.func.as_ref() else { return Outcome::Skipped("ALTER FUNCTION") };
    let (name, args) = object_with_args(owa);
    let keys = function_keys(schema, &name, args.as_deref());
    if keys.is_empty() {
        return Outcome::Unresolved(format!("ALTER FUNCTION {name}, which the model does not hold"));
    }
    for k in keys {
        if let Some(f) = schema.functions.get_mut(&k) {
            apply_function_options(f, &s.actions);
            normalise_estimates(f);
            f.body_refs = body_refs(f);
        }
    }
    Outcome::Applied
}

const TRIGGER_BEFORE: i32 = 1 << 1;
const TRIGGER_INSERT: i32 = 1 << 2;
const TRIGGER_DELETE: i32 = 1 << 3;
const TRIGGER_UPDATE: i32 = 1 << 4;
const TRIGGER_TRUNCATE: i32 = 1 << 5;
const TRIGGER_INSTEAD: i32 = 1 << 6;

pub fn create_trigger(schema: &mut Schema, s: &protobuf::CreateTrigStmt) -> Outcome {
    if s.isconstraint && s.constrrel.is_some() {
        // FROM names the table at the other end of the constraint, which the model keeps
        // no dependency on.
        return Outcome::Skipped("CREATE CONSTRAINT TRIGGER … FROM");
    }
    let Some(rv) = s.relation.as_ref() else { return Outcome::Skipped("CREATE TRIGGER") };
    let table = crate::source::ddl::existing(schema, rv);
    if s.isconstraint
        && let Some(t) = schema.tables.get(&table)
        && t.constraints.iter().any(|c| c.name == s.trigname)
    {
        return Outcome::Rejected {
            message: format!("constraint {} for relation {table} already exists", s.trigname),
            hint: "a constraint trigger makes a constraint of its own name on the table: pick another name",
        };
    }
    let timing = if s.timing & TRIGGER_BEFORE != 0 {
        "BEFORE"
    } else if s.timing & TRIGGER_INSTEAD != 0 {
        "INSTEAD OF"
    } else {
        "AFTER"
    };
    let events = [
        (TRIGGER_INSERT, "INSERT"),
        (TRIGGER_DELETE, "DELETE"),
        (TRIGGER_UPDATE, "UPDATE"),
        (TRIGGER_TRUNCATE, "TRUNCATE"),
    ]
    .iter()
    .filter(|(bit, _)| s.events & bit != 0)
    .map(|(_, e)| e.to_string())
    .collect();
    let trigger = Trigger {
        table: table.clone(),
        name: s.trigname.clone(),
        timing: timing.into(),
        events,
        update_of: strings(&s.columns),
        old_table: transition_table(s, false),
        new_table: transition_table(s, true),
        for_each_row: s.row,
        when: s.when_clause.as_deref().map(expr_sql),
        function: qualified_names(&strings(&s.funcname)),
        args: s.args.iter().filter_map(const_text).collect(),
        constraint: s.isconstraint,
        deferrable: s.deferrable,
        initially_deferred: s.initdeferred,
        // CREATE OR REPLACE too: the trigger it replaces fired as ALTER TABLE set it, the
        // new one fires as a new one does.
        firing: Firing::Enabled,
        comment: None,
    };
    let key = (table, s.trigname.clone());
    match schema.triggers.get(&key) {
        Some(_) if !s.replace => {
            return Outcome::Rejected {
                message: format!("trigger {} on {} already exists", key.1, key.0),
                hint: "PostgreSQL refuses to create it again: write CREATE OR REPLACE TRIGGER, or drop it first",
            };
        }
        Some(old) if old.constraint => {
            return Outcome::Rejected {
                message: format!("trigger {} for relation {} is a constraint trigger", key.1, key.0),
                hint: "PostgreSQL does not replace a constraint trigger: drop it first",
            };
        }
        _ => {}
    }
    schema.triggers.insert(key, trigger);
    Outcome::Applied
}

/// The kind of DISABLE TRIGGER ALL on a table with foreign keys' triggers (its own keys'
/// or those of keys that reference it), whose state the model does not hold.
pub const DISABLE_ALL_WITH_KEYS: &str = "ALTER TABLE … DISABLE TRIGGER ALL (foreign key triggers)";

/// `ALTER [ONLY] TABLE … ENABLE/DISABLE TRIGGER`; none for another subcommand.
pub fn trigger_firing(
    schema: &mut Schema,
    table: &QualifiedName,
    subtype: AlterTableType,
    name: &str,
    only: bool,
) -> Option<Outcome> {
    let (firing, one) = match subtype {
        AlterTableType::AtEnableTrig => (Firing::Enabled, true),
        AlterTableType::AtDisableTrig => (Firing::Disabled, true),
        AlterTableType::AtEnableReplicaTrig => (Firing::Replica, true),
        AlterTableType::AtEnableAlwaysTrig => (Firing::Always, true),
        AlterTableType::AtEnableTrigAll | AlterTableType::AtEnableTrigUser => (Firing::Enabled, false),
        AlterTableType::AtDisableTrigAll | AlterTableType::AtDisableTrigUser => (Firing::Disabled, false),
        _ => return None,
    };
    // The partitions' clones of the triggers follow their parent's state (and a partition
    // made later copies it), but not under ONLY, which the model cannot hold apart.
    let partitioned = || schema.tables.values().any(|t| t.partition_of.as_ref().is_some_and(|p| &p.parent == table));
    let outcome = if only && partitioned() {
        Outcome::Skipped("ALTER TABLE ONLY … ENABLE/DISABLE TRIGGER (partitions)")
    } else {
        Outcome::Applied
    };
    if one {
        // A foreign key's internal trigger, or one the model left out (CREATE CONSTRAINT
        // TRIGGER … FROM).
        let Some(t) = schema.triggers.get_mut(&(table.clone(), name.to_string())) else {
            return Some(Outcome::Skipped("ALTER TABLE … ENABLE/DISABLE TRIGGER (not in the model)"));
        };
        t.firing = firing;
        return Some(outcome);
    }
    for (_, t) in schema.triggers.range_mut((table.clone(), String::new())..).take_while(|((t, _), _)| t == table) {
        t.firing = firing;
    }
    // ALL disables the internal triggers of foreign keys too, which the model leaves out:
    // outside the model until ENABLE TRIGGER ALL puts them back (`enables_all_triggers`).
    if subtype == AlterTableType::AtDisableTrigAll && has_key_triggers(schema, table) {
        return Some(Outcome::Skipped(DISABLE_ALL_WITH_KEYS));
    }
    Some(outcome)
}

/// Whether foreign keys put internal triggers on `table`: its own, and those that reference it.
fn has_key_triggers(schema: &Schema, table: &QualifiedName) -> bool {
    schema.tables.values().any(|t| {
        t.constraints.iter().any(|c| match &c.kind {
            crate::model::ConstraintKind::ForeignKey(fk) => &t.name == table || &fk.ref_table == table,
            _ => false,
        })
    })
}

/// The table of an `ALTER TABLE … ENABLE TRIGGER ALL`, which undoes a DISABLE TRIGGER ALL.
pub fn enables_all_triggers(schema: &Schema, stmt: &NodeEnum) -> Option<QualifiedName> {
    let NodeEnum::AlterTableStmt(s) = stmt else { return None };
    let enables = s.cmds.iter().any(|c| {
        matches!(c.node.as_ref(), Some(NodeEnum::AlterTableCmd(c)) if c.subtype == AlterTableType::AtEnableTrigAll as i32)
    });
    let table = crate::source::ddl::existing(schema, s.relation.as_ref()?);
    enables.then_some(table)
}

/// The name of a trigger's old or new transition table.
fn transition_table(s: &protobuf::CreateTrigStmt, new: bool) -> Option<String> {
    s.transition_rels.iter().find_map(|n| match n.node.as_ref()? {
        NodeEnum::TriggerTransition(t) if t.is_new == new => Some(t.name.clone()),
        _ => None,
    })
}

/// A SELECT as canonical, readable SQL.
pub fn query_sql(node: &pg_query::Node) -> String {
    let options = DeparseOptions { pretty_print: true, ..Default::default() };
    node.node.as_ref().and_then(|n| n.deparse(options).ok()).unwrap_or_default()
}

/// The value of a `WITH (name = value)` option as PostgreSQL keeps it, booleans spelt
/// `true`/`false` (`security_invoker = off` parses `off` as a type name; a bare name is true).
pub(crate) fn option_value(d: &protobuf::DefElem) -> String {
    let raw = match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
        None => "true".to_string(),
        Some(NodeEnum::TypeName(t)) => strings(&t.names).join("."),
        Some(_) => d.arg.as_deref().and_then(const_text).unwrap_or_default(),
    };
    match raw.to_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => "true".to_string(),
        "off" | "false" | "no" | "0" => "false".to_string(),
        other => other.to_string(),
    }
}

fn view_options(options: &[pg_query::Node]) -> (Vec<(String, String)>, Option<String>) {
    let mut out = Vec::new();
    let mut check = None;
    for d in def_elems(options) {
        let value = option_value(d);
        if d.defname == "check_option" {
            check = Some(value.to_uppercase());
        } else {
            out.push((d.defname.to_lowercase(), value));
        }
    }
    out.sort();
    (out, check)
}

/// `ALTER VIEW … SET (…)` and `RESET (…)`; the rest of ALTER VIEW is not modelled.
pub fn alter_view(schema: &mut Schema, s: &protobuf::AlterTableStmt) -> Outcome {
    let Some(rv) = s.relation.as_ref() else { return Outcome::Skipped("ALTER VIEW") };
    let Some(view) = schema.views.get_mut(&qualified(rv)) else {
        return Outcome::Skipped("ALTER VIEW (of a view the model does not hold)");
    };
    for cmd in &s.cmds {
        let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else { continue };
        let Some(NodeEnum::List(list)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) else { continue };
        let (options, check_option) = view_options(&list.items);
        match AlterTableType::try_from(cmd.subtype) {
            Ok(AlterTableType::AtSetRelOptions) => {
                view.options.retain(|(k, _)| !options.iter().any(|(n, _)| n == k));
                view.options.extend(options);
                view.options.sort();
                view.check_option = check_option.or(view.check_option.take());
            }
            Ok(AlterTableType::AtResetRelOptions) => {
                let reset: Vec<String> = def_elems(&list.items).map(|d| d.defname.to_lowercase()).collect();
                view.options.retain(|(k, _)| !reset.contains(k));
                if reset.iter().any(|k| k == "check_option") {
                    view.check_option = None;
                }
            }
            _ => return Outcome::Skipped("ALTER VIEW (other than SET or RESET of options)"),
        }
    }
    Outcome::Applied
}

pub fn create_view(schema: &mut Schema, s: &protobuf::ViewStmt) -> Outcome {
    let (Some(rv), Some(query)) = (s.view.as_ref(), s.query.as_deref()) else { return Outcome::Skipped("CREATE VIEW") };
    let name = qualified(rv);
    let (options, mut check_option) = view_options(&s.options);
    match ViewCheckOption::try_from(s.with_check_option) {
        Ok(ViewCheckOption::LocalCheckOption) => check_option = Some("LOCAL".into()),
        Ok(ViewCheckOption::CascadedCheckOption) => check_option = Some("CASCADED".into()),
        _ => {}
    }
    let old = schema.views.get(&name);
    if schema.tables.contains_key(&name) {
        return Outcome::Rejected {
            message: format!("relation {name} already exists, and it is a table"),
            hint: "a view cannot take a table's name, not even with OR REPLACE: drop or rename the table first, \
                   or pick another name",
        };
    }
    if !s.replace && old.is_some() {
        return Outcome::Rejected {
            message: format!("relation {name} already exists"),
            hint: "PostgreSQL refuses CREATE VIEW over a name that is taken: write CREATE OR REPLACE VIEW, or \
                   drop the old one first",
        };
    }
    let query = expand_stars(query, schema);
    // OR REPLACE keeps the columns a view has, by name and place; it may add some after.
    let query_text = query_sql(&query);
    let columns = strings(&s.aliases);
    let names = |q: &str, c: &[String]| crate::source::view_columns::output_names(q, c);
    if let Some((was, now)) = old.and_then(|v| Some((names(&v.query, &v.columns)?, names(&query_text, &columns)?)))
        && let Some(i) = (0..was.len()).find(|&i| now.get(i) != Some(&was[i]))
    {
        let message = match now.get(i) {
            Some(new) => format!("cannot change name of view column \"{}\" of {name} to \"{new}\"", was[i]),
            None => format!("cannot drop column \"{}\" of view {name}", was[i]),
        };
        return Outcome::Rejected {
            message,
            hint: "CREATE OR REPLACE VIEW keeps the view's columns in their order and may only add columns after \
                   them: ALTER VIEW … RENAME COLUMN first, or drop the view and create it again",
        };
    }
    let view = View {
        name: name.clone(),
        materialized: false,
        query: query_text,
        refs: node_refs(&query),
        columns,
        options,
        check_option,
        comment: old.and_then(|v| v.comment.clone()),
        grants: old.map_or_else(
            || schema.default_privileges.effective(&name.schema, ObjectKind::Tables),
            |v| v.grants.clone(),
        ),
        owner: old.and_then(|v| v.owner.clone()),
        indexes: Vec::new(),
    };
    schema.views.insert(name, view);
    Outcome::Applied
}

pub fn create_materialized_view(schema: &mut Schema, s: &protobuf::CreateTableAsStmt) -> Outcome {
    if s.objtype != ObjectType::ObjectMatview as i32 {
        return Outcome::Skipped("CREATE TABLE AS");
    }
    let (Some(into), Some(query)) = (s.into.as_deref(), s.query.as_deref()) else {
        return Outcome::Skipped("CREATE MATERIALIZED VIEW");
    };
    let Some(rv) = into.rel.as_ref() else { return Outcome::Skipped("CREATE MATERIALIZED VIEW") };
    let name = qualified(rv);
    if s.if_not_exists && schema.views.contains_key(&name) {
        return Outcome::Applied;
    }
    let (options, _) = view_options(&into.options);
    let grants = schema.default_privileges.effective(&name.schema, ObjectKind::Tables);
    let query = expand_stars(query, schema);
    schema.views.insert(
        name.clone(),
        View {
            name,
            materialized: true,
            query: query_sql(&query),
            refs: node_refs(&query),
            columns: strings(&into.col_names),
            options,
            check_option: None,
            comment: None,
            grants,
            owner: None,
            indexes: Vec::new(),
        },
    );
    Outcome::Applied
}

pub fn create_enum(schema: &mut Schema, s: &protobuf::CreateEnumStmt) -> Outcome {
    let name = qualified_names(&strings(&s.type_name));
    if crate::source::composite::type_exists(schema, &name) {
        return Outcome::Rejected {
            message: format!("type {name} already exists"),
            hint: "PostgreSQL refuses to create it again: drop it first, or guard it in a DO block",
        };
    }
    schema.enums.insert(name.clone(), Enum { name, values: strings(&s.vals), comment: None, owner: None });
    Outcome::Applied
}

pub fn alter_enum(schema: &mut Schema, s: &protobuf::AlterEnumStmt) -> Outcome {
    let name = qualified_names(&strings(&s.type_name));
    let Some(e) = schema.enums.get_mut(&name) else {
        return Outcome::Unresolved(format!("ALTER TYPE {name}, which the model does not hold"));
    };
    let taken = || Outcome::Rejected {
        message: format!("enum label \"{}\" of {name} already exists", s.new_val),
        hint: "PostgreSQL refuses a label the type has: write ADD VALUE IF NOT EXISTS, or pick another label",
    };
    let missing = |label: &str| Outcome::Rejected {
        message: format!("\"{label}\" is not an existing enum label of {name}"),
        hint: "PostgreSQL refuses a label the type does not have: check the statements before this one",
    };
    if !s.old_val.is_empty() {
        if !e.values.contains(&s.old_val) {
            return missing(&s.old_val);
        }
        if e.values.contains(&s.new_val) {
            return taken();
        }
        for v in e.values.iter_mut().filter(|v| **v == s.old_val) {
            *v = s.new_val.clone();
        }
        crate::source::enum_labels::rename_label(schema, &name, &s.old_val, &s.new_val);
        return Outcome::Applied;
    }
    if e.values.contains(&s.new_val) {
        return if s.skip_if_new_val_exists { Outcome::Applied } else { taken() };
    }
    let at = match e.values.iter().position(|v| *v == s.new_val_neighbor) {
        Some(i) if s.new_val_is_after => i + 1,
        Some(i) => i,
        None if !s.new_val_neighbor.is_empty() => return missing(&s.new_val_neighbor),
        None => e.values.len(),
    };
    e.values.insert(at, s.new_val.clone());
    Outcome::Applied
}

pub fn create_extension(schema: &mut Schema, s: &protobuf::CreateExtensionStmt) -> Outcome {
    let ext_schema = def_elems(&s.options)
        .find(|d| d.defname == "schema")
        .and_then(|d| d.arg.as_deref())
        .and_then(str_of)
        .map(str::to_string);
    schema.extensions.entry(s.extname.clone()).or_insert(Extension { name: s.extname.clone(), schema: ext_schema });
    Outcome::Applied
}

/// The options of CREATE/ALTER SEQUENCE (and of an identity), by name: a value, or None
/// for `NO MINVALUE`, `NO MAXVALUE` and the like. OWNED BY is left to the caller.
pub(crate) fn sequence_option_values(options: &[pg_query::Node]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for d in def_elems(options) {
        let value = match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
            None => None,
            Some(NodeEnum::TypeName(t)) => Some(data_type(t).sql()),
            Some(NodeEnum::Boolean(b)) => Some(b.boolval.to_string()),
            Some(NodeEnum::List(_)) => continue,
            Some(_) => d.arg.as_deref().and_then(const_text),
        };
        out.push((d.defname.clone(), value));
    }
    out
}

/// Applies sequence options to `seq`, keeping only values that differ from the defaults.
fn apply_sequence_options(seq: &mut Sequence, options: &[pg_query::Node]) {
    for d in def_elems(options).filter(|d| d.defname == "owned_by") {
        if let Some(NodeEnum::List(l)) = d.arg.as_deref().and_then(|a| a.node.as_ref()) {
            let parts = strings(&l.items);
            seq.owned_by = match parts.split_last() {
                Some((column, table)) if parts != ["none"] => Some((qualified_names(table), column.clone())),
                _ => None,
            };
        }
    }
    for (name, value) in sequence_option_values(options) {
        let name = name.as_str();
        if !matches!(name, "as" | "increment" | "minvalue" | "maxvalue" | "start" | "cache" | "cycle") {
            continue;
        }
        seq.options.retain(|(k, _)| k != name);
        let default = match name {
            "as" => Some("bigint"),
            "increment" | "cache" | "start" => Some("1"),
            "cycle" => Some("false"),
            _ => None,
        };
        if let Some(v) = value
            && Some(v.as_str()) != default
        {
            seq.options.push((name.to_string(), v));
        }
    }
    seq.options.sort();
}

pub fn create_sequence(schema: &mut Schema, s: &protobuf::CreateSeqStmt) -> Outcome {
    let Some(rv) = s.sequence.as_ref() else { return Outcome::Skipped("CREATE SEQUENCE") };
    let name = crate::source::ddl::qualified(rv);
    if rv.relpersistence == "t" {
        return Outcome::Skipped("CREATE TEMP SEQUENCE");
    }
    if s.if_not_exists && schema.sequences.contains_key(&name) {
        return Outcome::Applied;
    }
    let grants = schema.default_privileges.effective(&name.schema, ObjectKind::Sequences);
    let mut seq =
        Sequence { name: name.clone(), options: Vec::new(), owned_by: None, comment: None, grants, owner: None };
    apply_sequence_options(&mut seq, &s.options);
    schema.sequences.insert(name, seq);
    Outcome::Applied
}

pub fn alter_sequence(schema: &mut Schema, s: &protobuf::AlterSeqStmt) -> Outcome {
    let Some(rv) = s.sequence.as_ref() else { return Outcome::Skipped("ALTER SEQUENCE") };
    let name = crate::source::ddl::qualified(rv);
    if let Some(seq) = schema.sequences.get_mut(&name) {
        apply_sequence_options(seq, &s.options);
        return Outcome::Applied;
    }
    // The sequence of a serial or identity column: moving where it stands changes no
    // definition; any other option is one the model does not hold for it.
    if crate::source::security::is_column_sequence(schema, &name) {
        let restart =
            |o: &pg_query::Node| matches!(o.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "restart");
        if s.options.iter().all(restart) {
            return Outcome::Applied;
        }
        // An identity's options are the column's.
        let identity = schema.tables.values_mut().find_map(|t| {
            let name_of = |c: &crate::model::Column| c.own_sequence(&t.name);
            let at = t.columns.iter().position(|c| c.identity.is_some() && name_of(c).as_ref() == Some(&name))?;
            Some(&mut t.columns[at])
        });
        let given = sequence_option_values(&s.options);
        let held = |d: &protobuf::DefElem| {
            d.defname == "restart" || crate::model::identity::OPTIONS.contains(&d.defname.as_str())
        };
        if let Some(col) = identity.filter(|_| def_elems(&s.options).all(held)) {
            col.identity_options = crate::model::identity::merged(&col.identity_options, &given, &col.data_type);
            return Outcome::Applied;
        }
        return Outcome::Skipped("ALTER SEQUENCE (of a serial or identity column)");
    }
    if s.missing_ok {
        return Outcome::Applied;
    }
    Outcome::Unresolved(format!("ALTER SEQUENCE {name}, which the model does not hold"))
}

pub fn create_domain(schema: &mut Schema, s: &protobuf::CreateDomainStmt) -> Outcome {
    let name = qualified_names(&strings(&s.domainname));
    let Some(base) = s.type_name.as_ref().map(|t| data_type(t).sql()) else { return Outcome::Skipped("CREATE DOMAIN") };
    let mut domain = Domain {
        name: name.clone(),
        base,
        collation: s.coll_clause.as_ref().map(|c| strings(&c.collname).join(".")),
        not_null: false,
        default: None,
        checks: Vec::new(),
        comment: None,
    };
    for c in &s.constraints {
        let Some(NodeEnum::Constraint(c)) = c.node.as_ref() else { continue };
        match protobuf::ConstrType::try_from(c.contype) {
            Ok(protobuf::ConstrType::ConstrNotnull) => domain.not_null = true,
            Ok(protobuf::ConstrType::ConstrNull) => domain.not_null = false,
            Ok(protobuf::ConstrType::ConstrDefault) => {
                domain.default = c.raw_expr.as_deref().filter(|d| !crate::pgtree::is_null_const(d)).map(expr_sql)
            }
            Ok(protobuf::ConstrType::ConstrCheck) => add_domain_check(&mut domain, c),
            _ => {}
        }
    }
    schema.domains.insert(name, domain);
    Outcome::Applied
}

/// A CHECK on a domain; unnamed ones are named as ChooseConstraintName does:
/// `<domain>_check`, `<domain>_check1`, …
fn add_domain_check(domain: &mut Domain, c: &protobuf::Constraint) {
    let Some(expr) = c.raw_expr.as_deref().map(expr_sql) else { return };
    let name = if c.conname.is_empty() {
        crate::model::naming::choose_name(&domain.name.name, None, "check", |n| {
            domain.checks.iter().any(|(k, _)| k == n)
        })
    } else {
        c.conname.clone()
    };
    domain.checks.push((name, expr));
}

pub fn alter_domain(schema: &mut Schema, s: &protobuf::AlterDomainStmt) -> Outcome {
    let name = qualified_names(&strings(&s.type_name));
    let Some(domain) = schema.domains.get_mut(&name) else {
        return Outcome::Unresolved(format!("ALTER DOMAIN {name}, which the model does not hold"));
    };
    let def = s.def.as_deref();
    // The grammar's subtype letters: T default, N drop not null, O set not null,
    // C add constraint, X drop constraint.
    match s.subtype.as_str() {
        "T" => domain.default = def.filter(|d| !crate::pgtree::is_null_const(d)).map(expr_sql),
        "N" => domain.not_null = false,
        "O" => domain.not_null = true,
        "C" => {
            if let Some(NodeEnum::Constraint(c)) = def.and_then(|d| d.node.as_ref()) {
                add_domain_check(domain, c);
            }
        }
        "X" => domain.checks.retain(|(k, _)| k != &s.name),
        _ => return Outcome::Skipped("ALTER DOMAIN"),
    }
    Outcome::Applied
}
