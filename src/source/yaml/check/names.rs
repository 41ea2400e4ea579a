//! Names that resolve nowhere: a column an expression reads that its table does not have,
//! a relation a view, a SQL function body or a policy's subquery reads, a function an
//! expression calls or a type it casts to, that no file declares (and, unqualified, that
//! neither PostgreSQL nor an extension has: `catalog`).
//!
//! Only what can be told for certain is refused. The columns of a view, and of a policy
//! with a subquery, are resolved level by level (`scopes`), and judged only where every
//! relation a name could come from is a declared table; a relation or function only in the project's own
//! schemas (an unqualified relation is `public`'s unless it is a CTE or a catalog's), never
//! a platform's or an extension's.

use std::collections::BTreeSet;

use pg_query::NodeRef;

use super::{Locator, scopes};
use crate::catalog;
use crate::diagnostic::{Diagnostic, closest};
use crate::model::{DataType, Expr, ObjectId, QualifiedName, Schema, Table};
use crate::pgtree::str_of;
use crate::source::yaml::column_hint;

/// Relations an unqualified name may mean outside the project: the tables PostGIS keeps in
/// the schema it is installed in.
const EXTENSION_RELATIONS: &[&str] = &["spatial_ref_sys", "geometry_columns", "geography_columns"];

pub(super) fn check(schema: &Schema, at: &Locator) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for name in schema.tables.keys() {
        let table = schema.with_columns(name).expect("a table of the schema");
        table_expressions(schema, &table, at, &mut out);
    }
    for ((table, name), policy) in &schema.policies {
        let id = ObjectId::Policy(table.clone(), name.clone());
        for (key, expr) in [("using", &policy.using), ("with_check", &policy.with_check)] {
            let Some(expr) = expr else { continue };
            let site = Site { id: &id, path: &["policies", name.as_str(), key], what: id.to_string() };
            let tree = Tree::of_expr(expr);
            if !tree.subquery {
                out.extend(schema.with_columns(table).and_then(|t| unknown_column(&t, expr, &[], &site, at)));
            } else if let Some(t) = schema.columns_of(table) {
                let query = pg_query::parse(&format!("SELECT {}", expr.text()), 0).ok();
                out.extend(query.and_then(|q| scoped_column(schema, &q, Some(t), &site, at)));
            }
            out.extend(unknown_relation(schema, &tree, &site, at));
            out.extend(unresolved(schema, &tree, &site, at));
        }
    }
    for ((table, name), trigger) in &schema.triggers {
        let id = ObjectId::Trigger(table.clone(), name.clone());
        let Some(t) = schema.with_columns(table) else { continue };
        if let Some(when) = &trigger.when {
            let site = Site { id: &id, path: &["triggers", name, "when"], what: id.to_string() };
            out.extend(unknown_column(&t, when, &["new", "old"], &site, at));
        }
        if let Some(missing) = trigger.update_of.iter().find(|c| t.column(c).is_none()) {
            out.push(at.mention(
                &id,
                &["triggers", name, "update_of"],
                missing,
                format!("trigger {name} on {table} fires on update of `{missing}`, which the table does not have"),
                column_hint(&t, missing),
            ));
        }
    }
    for view in schema.views.values() {
        let id = ObjectId::View { name: view.name.clone(), materialized: view.materialized };
        let tree = Tree::of_statement(&view.query);
        let site = Site { id: &id, path: &["query"], what: id.to_string() };
        out.extend(unknown_relation(schema, &tree, &site, at));
        out.extend(unresolved(schema, &tree, &site, at));
        if let Ok(query) = pg_query::parse(&view.query, 0) {
            out.extend(scoped_column(schema, &query, None, &site, at));
        }
    }
    for f in schema.functions.values().filter(|f| f.language == "sql") {
        let id = ObjectId::Function(f.routine());
        let tree = Tree::of_statement(&f.body);
        let site = Site { id: &id, path: &["body"], what: id.to_string() };
        if !tree.ddl {
            out.extend(unknown_relation(schema, &tree, &site, at));
        }
        out.extend(unresolved(schema, &tree, &site, at));
    }
    out
}

fn table_expressions(schema: &Schema, table: &Table, at: &Locator, out: &mut Vec<Diagnostic>) {
    let id = ObjectId::Table(table.name.clone());
    for column in &table.columns {
        let path = ["columns", column.name.as_str()];
        if let Some(generated) = &column.generated {
            let site =
                Site { id: &id, path: &path, what: format!("generated column `{}` of {}", column.name, table.name) };
            out.extend(unknown_column(table, generated, &[], &site, at));
            out.extend(unresolved(schema, &Tree::of_expr(generated), &site, at));
        }
        if let Some(default) = &column.default {
            if let Some(read) = default.refs().columns.first() {
                out.push(at.mention(
                    &id,
                    &path,
                    read,
                    format!("the default of column `{}` of {} reads `{read}`", column.name, table.name),
                    "a default cannot read a column (or any name that is not a function or a constant): use a \
                     generated column, or a trigger, to compute a value from the row",
                ));
            }
            let site = Site {
                id: &id,
                path: &path,
                what: format!("the default of column `{}` of {}", column.name, table.name),
            };
            out.extend(unresolved(schema, &Tree::of_expr(default), &site, at));
        }
    }
    for c in &table.constraints {
        let crate::model::ConstraintKind::Check { expr, .. } = &c.kind else { continue };
        let paths: [&[&str]; 2] = [&["checks", c.name.as_str()], &["checks"]];
        let path = paths.into_iter().find(|p| at.mentions(&id, p, &expr_words(expr))).unwrap_or(&["columns"]);
        let tree = Tree::of_expr(expr);
        if tree.subquery {
            out.push(at.error(
                &id,
                path,
                format!("check {} of {} holds a subquery", c.name, table.name),
                "a CHECK reads only its own row: use a foreign key, or a trigger that looks at other rows",
            ));
            continue;
        }
        let site = Site { id: &id, path, what: format!("check {} of {}", c.name, table.name) };
        out.extend(unknown_column(table, expr, &[], &site, at));
        out.extend(unresolved(schema, &tree, &site, at));
    }
    for index in &table.indexes {
        let site = Site {
            id: &id,
            path: &["indexes", index.name.as_str()],
            what: format!("index {} on {}", index.name, table.name),
        };
        let exprs: Vec<&Expr> = index.keys.iter().filter_map(|k| k.expr.as_ref()).chain(&index.predicate).collect();
        keyed_expressions(schema, table, &exprs, &site, at, out);
    }
    for c in &table.constraints {
        let crate::model::ConstraintKind::Exclude(x) = &c.kind else { continue };
        let exprs = x.exprs();
        let paths: [&[&str]; 2] = [&["exclude", c.name.as_str()], &["exclude"]];
        let word = exprs.first().map(|e| expr_words(e)).unwrap_or_default();
        let path = paths.into_iter().find(|p| at.mentions(&id, p, &word)).unwrap_or(&["exclude"]);
        let site = Site { id: &id, path, what: format!("constraint {} on {}", c.name, table.name) };
        keyed_expressions(schema, table, &exprs, &site, at, out);
    }
}

/// The columns and functions that the expressions of an index or an EXCLUDE constraint read.
fn keyed_expressions(
    schema: &Schema,
    table: &Table,
    exprs: &[&Expr],
    site: &Site,
    at: &Locator,
    out: &mut Vec<Diagnostic>,
) {
    for expr in exprs {
        out.extend(unknown_column(table, expr, &[], site, at));
        out.extend(unresolved(schema, &Tree::of_expr(expr), site, at));
    }
}

/// Where a name is read: the object whose file holds it, the path to the YAML that wrote
/// it, and how a message names the reader.
struct Site<'a> {
    id: &'a ObjectId,
    path: &'a [&'a str],
    what: String,
}

/// A word of `expr` to find the YAML that wrote it by: its first column, else its first
/// function.
fn expr_words(expr: &Expr) -> String {
    let refs = expr.refs();
    refs.columns.first().cloned().or_else(|| refs.functions.first().map(|f| f.name.clone())).unwrap_or_default()
}

/// The first column `expr` reads that `table` does not have (nor `also`, nor the table's
/// own name for its whole row), unless a subquery may bring it.
fn unknown_column(table: &Table, expr: &Expr, also: &[&str], site: &Site, at: &Locator) -> Option<Diagnostic> {
    if Tree::of_expr(expr).subquery {
        return None;
    }
    let missing = expr
        .refs()
        .columns
        .iter()
        .find(|c| table.column(c).is_none() && !also.contains(&c.as_str()) && **c != table.name.name)?;
    Some(at.mention(
        site.id,
        site.path,
        missing,
        format!("{} reads column `{missing}`, which {} does not have", site.what, table.name),
        column_hint(table, missing),
    ))
}

/// What a parsed expression or statement holds, as far as these checks need.
#[derive(Default)]
struct Tree {
    subquery: bool,
    /// Creates or alters something: later statements may read what it made.
    ddl: bool,
    /// Schema (when written) and name of each relation read.
    relations: Vec<(Option<String>, String)>,
    /// Schema (when written) and name of each function called.
    functions: Vec<(Option<String>, String)>,
    /// Schema (when written) and name of each type cast to.
    types: Vec<(Option<String>, String)>,
    /// Names that stand for a relation without being one: CTEs, aliases.
    local_relations: BTreeSet<String>,
}

impl Tree {
    fn of_expr(expr: &Expr) -> Tree {
        match crate::pgtree::expr_tree(expr.text()) {
            Ok(node) => node.node.as_ref().map(|n| Tree::from_nodes(n.nodes())).unwrap_or_default(),
            Err(_) => Tree::default(),
        }
    }

    fn of_statement(sql: &str) -> Tree {
        match pg_query::parse(sql, 0) {
            Ok(parsed) => Tree::from_nodes(parsed.protobuf.nodes()),
            // Nothing to judge: a body that does not parse is the loader's error.
            Err(_) => Tree { ddl: true, ..Tree::default() },
        }
    }

    fn from_nodes(nodes: Vec<(NodeRef<'_>, i32, pg_query::Context, bool)>) -> Tree {
        let mut tree = Tree::default();
        let split = |names: Vec<&str>| match names.as_slice() {
            [.., schema, name] => (Some(schema.to_string()), name.to_string()),
            [name] => (None, name.to_string()),
            [] => (None, String::new()),
        };
        for (node, _, _, _) in nodes {
            match node {
                NodeRef::SubLink(_) => tree.subquery = true,
                NodeRef::RangeVar(rv) => {
                    let schema = (!rv.schemaname.is_empty()).then(|| rv.schemaname.clone());
                    tree.relations.push((schema, rv.relname.clone()));
                    if let Some(alias) = &rv.alias {
                        tree.local_relations.insert(alias.aliasname.clone());
                    }
                }
                NodeRef::FuncCall(f) => tree.functions.push(split(f.funcname.iter().filter_map(str_of).collect())),
                NodeRef::TypeCast(c) => {
                    let names = c.type_name.iter().flat_map(|t| t.names.iter().filter_map(str_of));
                    tree.types.push(split(names.collect()));
                }
                NodeRef::CommonTableExpr(cte) => {
                    tree.local_relations.insert(cte.ctename.clone());
                }
                NodeRef::CreateStmt(_)
                | NodeRef::CreateTableAsStmt(_)
                | NodeRef::AlterTableStmt(_)
                | NodeRef::ViewStmt(_)
                | NodeRef::CreateFunctionStmt(_)
                | NodeRef::DoStmt(_) => tree.ddl = true,
                _ => {}
            }
        }
        tree
    }
}

/// The schemas whose every relation the project declares.
fn owned_schema(schema: &Schema, name: &str) -> bool {
    name == "public" || schema.schemas.contains(name)
}

/// The schemas whose every function the project declares: its own, but for those an
/// extension it creates puts functions in (one without a schema goes to `public`).
pub(super) fn owned_functions(schema: &Schema, name: &str) -> bool {
    owned_schema(schema, name) && !schema.extensions.values().any(|e| e.schema.as_deref().unwrap_or("public") == name)
}

/// The relations `tree` reads in the project's schemas that the schema does not hold.
fn undeclared<'t>(schema: &'t Schema, tree: &'t Tree) -> impl Iterator<Item = QualifiedName> + 't {
    tree.relations.iter().filter_map(move |(written, name)| {
        let q = QualifiedName::new(written.as_deref().unwrap_or("public"), name.clone());
        let local = written.is_none()
            && (tree.local_relations.contains(name)
                || name.starts_with("pg_")
                || EXTENSION_RELATIONS.contains(&name.as_str()));
        let held = schema.tables.contains_key(&q)
            || schema.views.contains_key(&q)
            || schema.external.contains(&q)
            || schema.sequences.contains_key(&q);
        (owned_schema(schema, &q.schema) && !local && !held).then_some(q)
    })
}

/// Every relation that a policy, a view or a SQL function body reads in the project's
/// schemas and that `schema` does not hold: what `import` declares `external: true`, so
/// that the YAML it writes for a partial history loads.
pub fn undeclared_relations(schema: &Schema) -> BTreeSet<QualifiedName> {
    let policies = schema.policies.values().flat_map(|p| p.using.iter().chain(&p.with_check)).map(Tree::of_expr);
    let views = schema.views.values().map(|v| Tree::of_statement(&v.query));
    let bodies = schema.functions.values().filter(|f| f.language == "sql").map(|f| Tree::of_statement(&f.body));
    let trees: Vec<Tree> = policies.chain(views).chain(bodies.filter(|t| !t.ddl)).collect();
    trees.iter().flat_map(|t| undeclared(schema, t)).collect()
}

fn unknown_relation(schema: &Schema, tree: &Tree, site: &Site, at: &Locator) -> Option<Diagnostic> {
    let qualified = undeclared(schema, tree).next()?;
    let name = &qualified.name;
    let known = schema.tables.keys().chain(schema.views.keys()).map(|q| q.name.as_str());
    let hint = match closest(name, known) {
        Some(c) => format!("did you mean `{c}`? Or declare {qualified} (`external: true` if it is created elsewhere)"),
        None => format!("declare {qualified} in a YAML file (`external: true` if it is created elsewhere)"),
    };
    Some(at.mention(site.id, site.path, name, format!("{} reads {qualified}, which is not declared", site.what), hint))
}

/// The first function or type `tree` names that exists nowhere.
fn unresolved(schema: &Schema, tree: &Tree, site: &Site, at: &Locator) -> Option<Diagnostic> {
    unknown_function(schema, tree, site, at).or_else(|| unknown_type(schema, tree, site, at))
}

/// A function called in one of the project's own schemas that it does not declare, or
/// called unqualified when neither PostgreSQL, an extension nor the project has it.
fn unknown_function(schema: &Schema, tree: &Tree, site: &Site, at: &Locator) -> Option<Diagnostic> {
    let declared = |q: &QualifiedName| {
        schema.functions.values().any(|f| f.name == *q)
            || schema.aggregates.values().any(|a| a.name == *q)
            || schema.external_functions.contains(q)
    };
    let anywhere = |name: &str| {
        schema.functions.values().any(|f| f.name.name == name)
            || schema.aggregates.values().any(|a| a.name.name == name)
            || schema.external_functions.iter().any(|f| f.name == name)
    };
    let unqualified = judges_unqualified(schema, tree);
    let (written, name) = tree.functions.iter().find(|(written, name)| match written.as_deref() {
        Some(s) => owned_functions(schema, s) && !declared(&QualifiedName::new(s, name.clone())),
        None => unqualified && !catalog::builtin_function(name) && !catalog::extension_name(name) && !anywhere(name),
    })?;
    let shown = match written {
        Some(s) => QualifiedName::new(s, name.clone()).to_string(),
        None => name.clone(),
    };
    let names = schema.functions.values().map(|f| f.name.name.as_str());
    let hint = match (closest(name, names), written) {
        (Some(c), _) => format!("did you mean `{c}`? Or declare {shown} in a `function:` file"),
        (None, Some(_)) => {
            format!("declare {shown} in a `function:` file (`external: true` if it is created elsewhere)")
        }
        (None, None) => match closest(name, catalog::builtin_functions()) {
            Some(c) => format!("did you mean PostgreSQL's `{c}`? Or declare {shown} in a `function:` file"),
            None => format!(
                "declare {shown} in a `function:` file (`external: true` if it is created elsewhere), or the \
                 extension that provides it"
            ),
        },
    };
    let message = match written {
        Some(_) => format!("{} calls {shown}(…), which is not declared", site.what),
        None => format!(
            "{} calls {shown}(…), which is neither a PostgreSQL function nor declared by the project or an extension",
            site.what
        ),
    };
    Some(at.mention(site.id, site.path, name, message, hint))
}

/// A cast to a type in one of the project's own schemas that it does not declare, or to an
/// unqualified type that neither PostgreSQL, an extension nor the project has.
fn unknown_type(schema: &Schema, tree: &Tree, site: &Site, at: &Locator) -> Option<Diagnostic> {
    let anywhere = |name: &str| {
        let mut names = schema.enums.keys().chain(schema.domains.keys()).chain(schema.composites.keys());
        names.any(|q| q.name == name)
            || schema.ranges.keys().chain(schema.tables.keys()).chain(schema.views.keys()).any(|q| q.name == name)
            || schema.external.iter().any(|q| q.name == name)
    };
    let unqualified = judges_unqualified(schema, tree);
    let (written, name) = tree.types.iter().find(|(written, name)| match written.as_deref() {
        Some(s) => {
            owned_functions(schema, s)
                && !crate::source::composite::type_exists(schema, &QualifiedName::new(s, name.clone()))
                && !schema.external.contains(&QualifiedName::new(s, name.clone()))
        }
        None => {
            let ty = DataType::from_parts(vec![name.clone()], Vec::new(), 0);
            unqualified
                && !ty.builtin
                && !catalog::builtin_type(name)
                && !catalog::extension_name(name)
                && !anywhere(name)
        }
    })?;
    let shown = match written {
        Some(s) => QualifiedName::new(s, name.clone()).to_string(),
        None => name.clone(),
    };
    Some(
        at.mention(
            site.id,
            site.path,
            name,
            format!("{} casts to type {shown}, which is not declared", site.what),
            "use a PostgreSQL type (text, integer, uuid, timestamptz, jsonb, ...), or declare the type (an `enum:`, \
         `domain:` or `type:` file) or the extension that provides it"
                .to_string(),
        ),
    )
}

/// Whether unqualified names can be judged: not when the code creates what it may call,
/// nor when the project creates an extension whose functions and types are not known here.
fn judges_unqualified(schema: &Schema, tree: &Tree) -> bool {
    !tree.ddl && schema.extensions.keys().all(|e| catalog::knows_extension(e))
}

/// A column that a query (a view's, or a policy's expression with its subqueries) reads
/// and that no level of it has, resolved as PostgreSQL resolves names (`scopes`).
fn scoped_column(
    schema: &Schema,
    query: &pg_query::ParseResult,
    outer: Option<&Table>,
    site: &Site,
    at: &Locator,
) -> Option<Diagnostic> {
    let tree = serde_json::to_value(&query.protobuf).expect("pg_query trees serialize");
    let missing = scopes::missing_column(schema, &tree, outer)?;
    let column = missing.column.as_str();
    let (message, hint) = match missing.table {
        Some(t) => {
            (format!("{} reads column `{column}`, which {} does not have", site.what, t.name), column_hint(t, column))
        }
        None => {
            let mut columns: Vec<&str> = Vec::new();
            for c in missing.seen.iter().flat_map(|t| &t.columns) {
                if !columns.contains(&c.name.as_str()) {
                    columns.push(&c.name);
                }
            }
            let hint = match closest(column, columns.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("the columns it reads from: {}", columns.join(", ")),
            };
            (format!("{} reads column `{column}`, which none of the tables it reads has", site.what), hint)
        }
    };
    Some(at.mention(site.id, site.path, column, message, hint))
}
