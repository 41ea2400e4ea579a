//! YAML table files → `Schema`, with a file:line:column on every error.
//!
//! Each file becomes the SQL a person would have written for it (one CREATE TABLE and its
//! CREATE INDEXes), parsed by pg_query and replayed by `ddl`, so YAML and SQL share one
//! meaning. Pieces are parsed one by one only when the whole does not parse, to point at
//! the piece that is wrong.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoaderOptions, Node, Span};
use pg_query::NodeEnum;

use crate::diagnostic::{Diagnostic, Errors, Origin, Result, closest};
use crate::model::{ConstraintKind, ObjectId, QualifiedName, Schema, Table};
use crate::pgtree::{MORE_THAN_ONE_STATEMENT, expr_tree, parse_message, quote_ident};
use crate::source::ddl::{self, Outcome};
pub use check::undeclared_relations;
pub use format::json_schema;
use format::{
    CHECK_KEYS, COLUMN_KEYS, CONSTRAINT_NAME_KEYS, EXTERNAL_TABLE_KEYS, FK_ACTIONS, FK_KEYS, IDENTITY_KEYS, INDEX_KEYS,
    KINDS, PK_KEYS, REF_KEYS, TABLE_KEYS, UNIQUE_KEYS,
};

mod access;
mod check;
mod constraint_comments;
mod cron;
mod exclusion;
mod format;
mod hints;
mod objects;
mod optioned;
mod partition;
mod presets;
mod replication;

/// Schemas of the platform (Supabase): referenced by the project, never created by it.
pub const PLATFORM_SCHEMAS: &[&str] = &[
    "auth",
    "storage",
    "extensions",
    "realtime",
    "vault",
    "graphql",
    "graphql_public",
    "pgsodium",
    "net",
    "cron",
    "supabase_functions",
    "pg_catalog",
];

/// Extensions a Supabase project has before its first migration. A migration creates them
/// IF NOT EXISTS, and its rollback leaves them installed: the platform's objects use them.
pub const PLATFORM_EXTENSIONS: &[&str] =
    &["pgcrypto", "uuid-ossp", "pg_stat_statements", "pg_graphql", "supabase_vault", "pgsodium", "plpgsql"];

/// Far deeper than a schema file goes, and far below what overflows the YAML parser.
const MAX_NESTING: usize = 256;

/// PostgreSQL's NAMEDATALEN - 1: the longest identifier it keeps whole.
const MAX_NAME_BYTES: usize = 63;

/// Keys other tools use, and the key that says the same here.
const SYNONYMS: &[(&str, &str)] = &[
    ("nullable", "not_null"),
    ("null", "not_null"),
    ("required", "not_null"),
    ("notnull", "not_null"),
    ("pk", "primary_key"),
    ("primary", "primary_key"),
    ("fk", "references"),
    ("foreign_key", "references"),
    ("ref", "references"),
    ("expression", "expr"),
    ("method", "using"),
    ("name", "table"),
    ("fields", "columns"),
    ("index", "indexes"),
    ("constraints", "checks"),
];

/// Loads every `.yaml`/`.yml` file under `dir` (or the one file `dir` names); `rls:`
/// presets expand through the templates in `templates`, or the embedded ones.
pub fn load_dir(dir: &Path, templates: Option<&Path>) -> Result<Schema> {
    let templates = presets::Templates::new(templates);
    let files = super::files_in(dir, &["yaml", "yml"])?;
    let mut schema = Schema::default();
    let mut errors = Vec::new();
    let mut places = Places::default();
    let mut sources = Vec::new();
    for file in &files {
        let text = super::read(file)?;
        sources.push((file.clone(), text));
    }
    let mut parsed = Vec::new();
    for (file, text) in &sources {
        let f = File { path: file, text, templates: &templates };
        match f.parse() {
            Ok(Some(root)) => parsed.push((f, root)),
            Ok(None) => {}
            Err(e) => errors.extend(e.0),
        }
    }
    // Schemas, extensions and default privileges first: what the other files create
    // starts with the default privileges the project declares, wherever they are written.
    // Then tables, whose columns a view's `*` stands for when the view is created.
    parsed.sort_by_key(|(_, root)| load_rank(root));
    partition::parents_first(&mut parsed);
    for (f, root) in &parsed {
        if let Err(e) = f.load(root, &mut schema, &mut places) {
            errors.extend(e.0);
        }
    }
    for name in &schema.schemas {
        if !schema.schema_grants.contains_key(name)
            && !places.named_schemas.iter().any(|(n, k, _)| n == name && *k == "schema_grants")
        {
            let born = schema.default_privileges.effective(name, crate::model::ObjectKind::Schemas);
            if !born.is_empty() {
                schema.schema_grants.insert(name.clone(), born);
            }
        }
    }
    if errors.is_empty() {
        resolve_foreign_keys(&mut schema);
        errors.extend(validate(&schema, &places));
    }
    if errors.is_empty() {
        errors.extend(check::run(&schema, &parsed));
    }
    if errors.is_empty() { Ok(schema) } else { Err(Errors(errors)) }
}

/// When a parsed file loads: setup (schemas, extensions, default privileges), then
/// tables, then the rest, each group in file order.
fn load_rank(root: &Node) -> u8 {
    let Node::Mapping(map) = root else { return 3 };
    match kind_of(map) {
        Some(k) if format::SETUP_KINDS.contains(&k) => 0,
        // A partition after the tables, so that its parent is there.
        Some("table") if map.get_node("partition_of").is_some() || map.get_node("inherits").is_some() => 2,
        Some("table") => 1,
        _ => 3,
    }
}

/// What a file declares: the first key of `KINDS` it has.
fn kind_of(map: &MarkedMappingNode) -> Option<&'static str> {
    KINDS.iter().map(|k| k.key).find(|k| map.get_node(k).is_some())
}

/// Where something is written, and the text of that line.
pub(super) type Place = (Origin, Option<String>);

/// Where things were written, for errors found after the tables are built.
#[derive(Default)]
struct Places {
    table: HashMap<QualifiedName, Place>,
    /// (table, column) → the column's definition.
    column: HashMap<(QualifiedName, String), Place>,
    /// (table, constraint columns joined) → where a foreign key is written.
    foreign_key: HashMap<(QualifiedName, String), Place>,
    index: HashMap<(QualifiedName, String), Place>,
    trigger: HashMap<(QualifiedName, String), Place>,
    /// Membership tables named by `rls:` presets.
    members: Vec<presets::MembersCheck>,
    /// (publication, table) of each `publications:` entry.
    publication_members: Vec<(String, QualifiedName, Place)>,
    /// Schemas that `default_privileges:`, `schema_grants:` and `schema_comments:` name, with
    /// the key, where.
    named_schemas: Vec<(String, &'static str, Place)>,
}

struct File<'a> {
    path: &'a PathBuf,
    text: &'a str,
    templates: &'a presets::Templates,
}

impl File<'_> {
    fn origin(&self, span: &Span) -> Origin {
        span.start()
            .map(|m| Origin::new(self.path, m.line(), m.column()))
            .unwrap_or_else(|| Origin::new(self.path, 1, 1))
    }

    fn error(&self, span: &Span, message: impl Into<String>, hint: impl Into<String>) -> Diagnostic {
        Diagnostic::new(message).at(self.origin(span), Some(self.text)).hint(hint)
    }

    /// `node` as a mapping, or the error `message` with `hint` at it.
    fn mapping<'n>(&self, node: &'n Node, message: impl Into<String>, hint: &str) -> Result<&'n MarkedMappingNode> {
        match node {
            Node::Mapping(map) => Ok(map),
            other => Err(self.error(other.span(), message, hint).into()),
        }
    }

    fn place(&self, span: &Span) -> Place {
        let origin = self.origin(span);
        let line = self.text.lines().nth(origin.line - 1).map(str::to_string);
        (origin, line)
    }

    /// The file's YAML, None when it holds only comments.
    fn parse(&self) -> Result<Option<Node>> {
        if self.text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
            return Ok(None);
        }
        self.check_nesting()?;
        self.check_documents()?;
        let options = LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
        let root = marked_yaml::parse_yaml_with_options(0, self.text, options).map_err(|e| self.load_error(e))?;
        self.check_nulls(&root)?;
        Ok(Some(root))
    }

    fn load(&self, root: &Node, schema: &mut Schema, places: &mut Places) -> Result<()> {
        let Node::Mapping(map) = root else {
            return Err(self.error(root.span(), "a schema file must be a mapping", "start with `table: NAME`").into());
        };
        match kind_of(map) {
            Some("table") => self.load_table(schema, places, map),
            Some("view") => self.load_view(schema, map),
            Some("function") | Some("procedure") => self.load_function(schema, map),
            Some("enum") => self.load_enum(schema, map),
            Some("type") => self.load_composite(schema, map),
            Some("range") => self.load_range(schema, map),
            Some("aggregate") => self.load_aggregate(schema, map),
            Some("sequence") => self.load_sequence(schema, map),
            Some("domain") => self.load_domain(schema, map),
            Some("publication") => self.load_publication(schema, map),
            Some("cron") => self.load_cron(schema, map),
            Some(_) => self.load_setup(schema, places, map),
            None => {
                let kinds: Vec<&str> = KINDS.iter().map(|k| k.key).collect();
                let first = map.keys().next();
                let hint = match first.and_then(|k| closest(k.as_str(), kinds.iter().copied())) {
                    Some(c) => format!("did you mean `{c}`? Start with one of: {}", kinds.join(", ")),
                    None => format!("start with one of: {}", kinds.join(", ")),
                };
                let span = first.map_or(map.span(), |k| k.span());
                Err(self.error(span, "this file declares nothing schemagen knows", hint).into())
            }
        }
    }

    fn load_table(&self, schema: &mut Schema, places: &mut Places, map: &MarkedMappingNode) -> Result<()> {
        self.check_keys(map, TABLE_KEYS, "the table file")?;
        let table_node = self.scalar(map.get_node("table").expect("dispatched on it"), "`table`")?;
        let schema_node = map.get_node("schema").map(|s| self.scalar(s, "`schema`")).transpose()?;
        self.check_table_schema(table_node, schema_node)?;
        self.check_name(table_node, schema_node.is_none())?;
        if let Some(node) = schema_node {
            self.check_name(node, false)?;
        }
        let name = match schema_node {
            Some(s) => QualifiedName::new(s.as_str(), table_node.as_str()),
            None => match table_node.as_str().split_once('.') {
                Some((s, t)) => QualifiedName::new(s, t),
                None => QualifiedName::new("public", table_node.as_str()),
            },
        };
        if let Some(first) = places.table.get(&name) {
            return Err(self
                .error(
                    table_node.span(),
                    format!("table {name} is declared twice"),
                    format!("it is also declared at {}; keep one", first.0),
                )
                .into());
        }
        places.table.insert(name.clone(), self.place(table_node.span()));
        if let Some(external) = map.get_node("external")
            && self.flag(external, "external")?
        {
            if let Some(key) = map.keys().find(|k| !EXTERNAL_TABLE_KEYS.contains(&k.as_str())) {
                return Err(self
                    .error(
                        key.span(),
                        format!("external table {name} cannot have `{}`", key.as_str()),
                        "an external table is only referenced: remove `external: true` to manage it here",
                    )
                    .into());
            }
            schema.external.insert(name.clone());
            return self.table_security(schema, places, map, &name);
        }
        if name.schema != "public" && !PLATFORM_SCHEMAS.contains(&name.schema.as_str()) {
            schema.schemas.insert(name.schema.clone());
        }

        let mut elements = Vec::new();
        let mut pieces: Vec<(&Span, String)> = Vec::new();
        let mut column_comments = Vec::new();
        let partitioning = self.partition_clauses(map)?;
        let empty = MarkedMappingNode::new_empty(*map.span());
        let columns = match map.get_node("columns") {
            _ if partitioning.parent.is_some() => {
                self.partition_columns(map)?;
                &empty
            }
            None if partitioning.inherits => &empty,
            Some(Node::Mapping(m)) => m,
            Some(other) => {
                return Err(self
                    .error(other.span(), "`columns` must map names to columns", "one `name: TYPE ...` per line")
                    .into());
            }
            None => {
                return Err(self
                    .error(map.span(), "missing `columns`", "add `columns:` with one entry per column")
                    .into());
            }
        };
        for (key, value) in columns.iter() {
            self.check_name(key, false)?;
            let (def, comment) = self.column(key, value)?;
            let sql = format!("{} {def}", quote_ident(key.as_str()));
            places.column.insert((name.clone(), key.to_string()), self.place(key.span()));
            if def.to_lowercase().contains("references") {
                places.foreign_key.insert((name.clone(), key.to_string()), self.place(value.span()));
            }
            pieces.push((value.span(), format!("CREATE TABLE t ({sql})")));
            elements.push(sql);
            column_comments.push((key.to_string(), comment));
        }
        let mut not_valid = Vec::new();
        for (sql, span, valid) in self.table_constraints(map, &name, places)? {
            if !valid {
                not_valid.push((span, format!("ALTER TABLE {} ADD {sql} NOT VALID", name.sql())));
                continue;
            }
            pieces.push((span, format!("CREATE TABLE t ({sql})")));
            elements.push(sql);
        }
        let (unlogged, with) = self.table_storage_sql(map)?;
        if let Some(w) = map.get_node("with") {
            pieces.push((w.span(), format!("CREATE TABLE t (){with}")));
        }
        pieces.extend(partitioning.pieces.iter().map(|(span, sql)| (*span, sql.clone())));
        let inside = if elements.is_empty() && partitioning.parent.is_some() {
            String::new()
        } else {
            format!(" ({})", elements.join(", "))
        };
        let create =
            format!("CREATE {unlogged}TABLE {}{}{inside}{}{with}", name.sql(), partitioning.of, partitioning.after);
        let at = partitioning.parent.map_or(map.span(), |p| p.span());
        let written = self.replay(schema, &create, columns.len(), at, &pieces)?;
        // The replay counts columns, not table constraints: one written inside a column's
        // value would pass it, and shows as one element more than the file declares. Only
        // then is each column parsed alone, to say which.
        let smuggled = written != elements.len();
        for ((key, value), (_, piece)) in columns.iter().zip(&pieces).filter(|_| smuggled) {
            self.check_shape(
                value.span(),
                piece,
                |s| {
                    matches!(s, NodeEnum::CreateStmt(c) if c.table_elts.len() == 1
                    && matches!(c.table_elts[0].node, Some(NodeEnum::ColumnDef(_))))
                },
                format!("column `{}` is not a single column definition", key.as_str()),
                "write the column's type and its own constraints only; put table constraints under `checks`, \
                 `unique`, `foreign_keys` or `exclude`",
            )?;
        }
        // As a person writes it: CREATE TABLE would make the constraint valid.
        for (span, sql) in not_valid {
            self.replay(schema, &sql, 0, span, &[(span, sql.clone())])?;
        }

        let mut index_comments = Vec::new();
        if let Some(indexes) = map.get_node("indexes") {
            for (index_name, spec) in self.entries(indexes, "indexes")? {
                let (sql, comment) = self.index(&name, index_name, spec)?;
                if let Some(n) = index_name {
                    places.index.insert((name.clone(), n.to_string()), self.place(spec.span()));
                }
                let piece = [(spec.span(), sql.clone())];
                self.replay(schema, &sql, 0, spec.span(), &piece)?;
                index_comments.push(comment);
            }
        }

        let table = schema.tables.get_mut(&name).expect("replayed above");
        table.origin = Some(self.origin(table_node.span()));
        schema.hints.origins.insert(ObjectId::Table(name.clone()), self.origin(table_node.span()));
        self.table_hints(schema, &name, map)?;
        self.table_replication(schema, places, map, &name)?;
        let table = schema.tables.get_mut(&name).expect("replayed above");
        table.comment = self.optional_scalar(map, "comment")?.map(|c| c.to_string());
        for (column, comment) in column_comments {
            if let Some(c) = table.column_mut(&column) {
                c.comment = comment;
            }
        }
        let first_index = table.indexes.len() - index_comments.len();
        for (index, comment) in table.indexes[first_index..].iter_mut().zip(index_comments) {
            index.comment = comment;
        }
        self.constraint_comments(schema, map, &name)?;
        self.table_security(schema, places, map, &name)?;
        let owner = self.owner(map)?;
        let table = schema.tables.get_mut(&name).expect("replayed above");
        crate::model::owners::hand_over(&mut table.owner, Some(&mut table.grants), owner);
        Ok(())
    }

    /// Parses `sql` and replays it; when it does not parse, finds the piece that does not.
    fn replay(
        &self,
        schema: &mut Schema,
        sql: &str,
        columns: usize,
        span: &Span,
        pieces: &[(&Span, String)],
    ) -> Result<usize> {
        let parsed = match pg_query::parse(sql, 0) {
            Ok(p) => p,
            Err(e) => {
                for (piece_span, piece) in pieces {
                    if let Err(pe) = pg_query::parse(piece, 0) {
                        return Err(self.sql_error(piece_span, &parse_message(&pe)).into());
                    }
                }
                return Err(self.sql_error(span, &parse_message(&e)).into());
            }
        };
        let stmts: Vec<&NodeEnum> =
            parsed.protobuf.stmts.iter().filter_map(|s| s.stmt.as_ref()?.node.as_ref()).collect();
        let single = match stmts.as_slice() {
            [NodeEnum::CreateStmt(c)] => {
                c.table_elts.iter().filter(|e| matches!(e.node, Some(NodeEnum::ColumnDef(_)))).count() == columns
            }
            [_] => true,
            _ => false,
        };
        if !single {
            // A column piece holds one column; every piece is one statement.
            let escapes = |piece: &str| {
                pg_query::parse(piece, 0).is_ok_and(|p| {
                    let stmts: Vec<_> =
                        p.protobuf.stmts.iter().filter_map(|s| s.stmt.as_ref()?.node.as_ref()).collect();
                    match stmts.as_slice() {
                        [NodeEnum::CreateStmt(c)] => {
                            c.table_elts.iter().filter(|e| matches!(e.node, Some(NodeEnum::ColumnDef(_)))).count() > 1
                        }
                        [_] => false,
                        _ => true,
                    }
                })
            };
            let at = pieces.iter().find(|(_, piece)| escapes(piece)).map_or(span, |(s, _)| *s);
            return Err(self
                .error(
                    at,
                    "this definition is not a single piece of SQL",
                    "an entry must not contain `,` or `;` outside parentheses or quotes",
                )
                .into());
        }
        // How many elements a CREATE TABLE has: its caller knows how many it wrote.
        let elements = match stmts[0] {
            NodeEnum::CreateStmt(c) => c.table_elts.len(),
            _ => 0,
        };
        match ddl::apply(schema, stmts[0]) {
            Outcome::Unresolved(what) => Err(self.error(span, what, "check the names this definition uses").into()),
            Outcome::Rejected { message, hint } => Err(self.error(span, message, hint).into()),
            Outcome::Applied | Outcome::Skipped(_) => Ok(elements),
        }
    }

    fn sql_error(&self, span: &Span, message: &str) -> Diagnostic {
        self.error(
            span,
            format!("SQL does not parse: {}", super::parser_message(message)),
            "the value is SQL: check the spelling, parentheses and quotes",
        )
    }

    fn load_error(&self, e: marked_yaml::LoadError) -> Errors {
        use marked_yaml::LoadError as L;
        let (marker, message, hint) = match &e {
            L::DuplicateKey(inner) => (
                inner.key.span().start().copied(),
                format!("duplicate key `{}`", inner.key.as_str()),
                format!(
                    "`{}` is already defined at line {}; names in a mapping must be unique",
                    inner.prev_key.as_str(),
                    inner.prev_key.span().start().map_or(0, |m| m.line())
                ),
            ),
            L::ScanError(m, _) => (
                Some(*m),
                format!("malformed YAML: {e}"),
                "check the indentation and that `:` is followed by a space".to_string(),
            ),
            L::TopLevelMustBeMapping(m) => {
                (Some(*m), "a table file must be a mapping".into(), "start with `table: NAME`".into())
            }
            L::UnexpectedAnchor(m) | L::UnexpectedTag(m) | L::MappingKeyMustBeScalar(m) => {
                (Some(*m), format!("unsupported YAML: {e}"), "write plain mappings, lists and strings".into())
            }
            _ => (None, format!("malformed YAML: {e}"), String::new()),
        };
        let mut d = Diagnostic::new(message).hint(hint);
        let origin = marker
            .map_or_else(|| Origin::new(self.path, 1, 1), |m| Origin::new(self.path, m.line(), m.column().max(1)));
        d = d.at(origin, Some(self.text));
        d.into()
    }

    fn check_keys(&self, map: &MarkedMappingNode, allowed: &[impl AsRef<str>], what: &str) -> Result<()> {
        let allowed: Vec<&str> = allowed.iter().map(AsRef::as_ref).collect();
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                let synonym =
                    SYNONYMS.iter().find(|(k, _)| *k == key.as_str()).map(|(_, s)| *s).filter(|s| allowed.contains(s));
                let hint = match synonym.or_else(|| closest(key.as_str(), allowed.iter().copied())) {
                    Some(c) => format!("did you mean `{c}`? Keys here: {}", allowed.join(", ")),
                    None => format!("keys here: {}", allowed.join(", ")),
                };
                return Err(self.error(key.span(), format!("unknown key `{}` in {what}", key.as_str()), hint).into());
            }
        }
        Ok(())
    }

    fn scalar<'n>(&self, node: &'n Node, what: &str) -> Result<&'n MarkedScalarNode> {
        node.as_scalar().ok_or_else(|| {
            self.error(node.span(), format!("{what} must be a string"), "write it on one line after the key").into()
        })
    }

    /// A name PostgreSQL stores as written: not empty, no NUL, at most 63 bytes (it would
    /// cut a longer one, and the YAML would then name something that does not exist). A
    /// `qualified` name is checked part by part (`schema.name`).
    fn check_name(&self, node: &MarkedScalarNode, qualified: bool) -> Result<()> {
        match node.split_once('.') {
            Some((schema, name)) if qualified => [schema, name].iter().try_for_each(|part| self.check_part(node, part)),
            _ => self.check_part(node, node.as_str()),
        }
    }

    fn check_part(&self, node: &MarkedScalarNode, name: &str) -> Result<()> {
        let problem = if name.is_empty() {
            "a name cannot be empty"
        } else if name.contains('\0') {
            "a name cannot hold a NUL character"
        } else if name.len() > MAX_NAME_BYTES {
            "this name is longer than PostgreSQL's 63 bytes"
        } else {
            return Ok(());
        };
        let hint = if name.len() > MAX_NAME_BYTES {
            let mut cut = MAX_NAME_BYTES;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("PostgreSQL would cut it to `{}`: write a shorter name", &name[..cut])
        } else {
            "write a name of 1 to 63 bytes".to_string()
        };
        Err(self.error(node.span(), problem, hint).into())
    }

    /// Refuses block nesting (indentation, `- - -`) deeper than `MAX_NESTING` before the
    /// parser sees it: the parser limits flow nesting (`[[[`) but not block nesting, and a few
    /// thousand levels of it overflow the stack. A level takes at least one column, so the
    /// column where a line's content starts bounds its depth.
    fn check_nesting(&self) -> Result<()> {
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let mut column = 0;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                let indicator = matches!(c, '-' | '?' | ':') && matches!(chars.peek(), Some(' ' | '\t') | None);
                if c != ' ' && !indicator {
                    break;
                }
                column += 1;
            }
            if column > MAX_NESTING {
                return Err(Diagnostic::new(format!("this YAML nests deeper than {MAX_NESTING} levels"))
                    .at(Origin::at_offset(self.path, self.text, offset), Some(self.text))
                    .hint("a schema file needs a few levels: check the indentation")
                    .into());
            }
            offset += line.len();
        }
        Ok(())
    }

    /// The string under `key` of `map`, if there is one: any other value is an error, not
    /// nothing.
    /// `owner:`, None for the migration role (`source::owner`), as a dump's `OWNER TO`.
    fn owner(&self, map: &MarkedMappingNode) -> Result<Option<String>> {
        let Some(role) = self.optional_scalar(map, "owner")? else { return Ok(None) };
        self.check_name(role, false)?;
        Ok((role.as_str() != crate::source::owner::MIGRATION_ROLE).then(|| role.to_string()))
    }

    fn optional_scalar<'n>(&self, map: &'n MarkedMappingNode, key: &str) -> Result<Option<&'n MarkedScalarNode>> {
        map.get_node(key).map(|n| self.scalar(n, &format!("`{key}`"))).transpose()
    }

    /// `identity: always`, or `identity: {generated: by default, start: 1000, …}`, as SQL.
    fn identity(&self, node: &Node) -> Result<String> {
        let (kind_node, options) = match node {
            Node::Mapping(m) => {
                self.check_keys(m, IDENTITY_KEYS, "identity")?;
                (m.get_node("generated"), Some(m))
            }
            other => (Some(other), None),
        };
        let kind = match kind_node {
            None => "ALWAYS",
            Some(k) => {
                let s = self.scalar(k, "identity")?;
                match s.to_lowercase().as_str() {
                    "always" => "ALWAYS",
                    "by default" => "BY DEFAULT",
                    other => {
                        return Err(self
                            .error(
                                s.span(),
                                format!("identity must be `always` or `by default`, not `{other}`"),
                                "write `identity: always` or `identity: by default`",
                            )
                            .into());
                    }
                }
            }
        };
        let mut given = Vec::new();
        for (key, value) in options.into_iter().flat_map(|m| m.iter()).filter(|(k, _)| k.as_str() != "generated") {
            let value = if key.as_str() == "cycle" {
                self.flag(value, "cycle")?.to_string()
            } else {
                let s = self.scalar(value, key.as_str())?;
                let digits = s.strip_prefix('-').unwrap_or(s);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 19 {
                    let hint = "write a whole number, e.g. start: 1000";
                    return Err(self
                        .error(s.span(), format!("`{}` is not a whole number", s.escape_debug()), hint)
                        .into());
                }
                s.to_string()
            };
            given.push((key.to_string(), value));
        }
        let options = crate::model::identity::sql(&given);
        Ok(match options.is_empty() {
            true => format!(" GENERATED {kind} AS IDENTITY"),
            false => format!(" GENERATED {kind} AS IDENTITY ({options})"),
        })
    }

    fn flag(&self, node: &Node, what: &str) -> Result<bool> {
        let s = self.scalar(node, what)?;
        match s.as_str() {
            "true" | "yes" | "on" => Ok(true),
            "false" | "no" | "off" => Ok(false),
            other => Err(self
                .error(s.span(), format!("{what} must be true or false, not `{other}`"), "write true or false")
                .into()),
        }
    }

    /// A list of column names: a YAML list, or one string of names separated by commas.
    fn names(&self, node: &Node, what: &str) -> Result<Vec<String>> {
        let names: Vec<String> = match node {
            Node::Sequence(seq) => {
                seq.iter().map(|n| self.scalar(n, what).map(|s| s.to_string())).collect::<Result<_>>()?
            }
            Node::Scalar(s) => s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
            Node::Mapping(_) => {
                return Err(self
                    .error(node.span(), format!("{what} must be a list of column names"), "write [a, b]")
                    .into());
            }
        };
        if names.is_empty() {
            return Err(self.error(node.span(), format!("{what} is empty"), "name at least one column").into());
        }
        Ok(names)
    }

    fn name_list(&self, node: &Node, what: &str) -> Result<String> {
        Ok(self.names(node, what)?.iter().map(|n| quote_ident(n)).collect::<Vec<_>>().join(", "))
    }

    /// An SQL expression, checked on its own so that an error points at it.
    fn expr(&self, node: &Node, what: &str) -> Result<String> {
        let s = self.scalar(node, what)?;
        expr_tree(s.as_str()).map_err(|m| match m.as_str() {
            MORE_THAN_ONE_STATEMENT => self.error(
                s.span(),
                format!("`{what}` must be one expression, and this is more than one statement"),
                "remove the `;` and what follows it",
            ),
            _ => self.sql_error(s.span(), &m),
        })?;
        Ok(s.to_string())
    }

    /// An expression that goes into the model as it is (a hint's `using:`, `backfill:`):
    /// as the parser prints it, so only the one expression it parsed can reach SQL.
    fn parsed_expr(&self, node: &Node, what: &str) -> Result<crate::model::Expr> {
        let text = self.expr(node, what)?;
        crate::pgtree::normalize_expr(&text).map_err(|m| self.sql_error(node.span(), &m).into())
    }

    /// One plain identifier (an access method, a language), lower-cased: such a word goes into
    /// the SQL as it is, so it may hold nothing but letters, digits, `_` and `$`.
    fn identifier(&self, node: &Node, what: &str, example: &str) -> Result<String> {
        let s = self.scalar(node, what)?;
        if is_plain_identifier(s.as_str()) {
            return Ok(s.to_lowercase());
        }
        Err(self
            .error(
                s.span(),
                format!("`{what}` must be one identifier, not `{}`", s.as_str().escape_debug()),
                format!("write a single name of letters, digits and `_`, e.g. `{what}: {example}`"),
            )
            .into())
    }

    /// Parses `sql`, built around the fragment the user wrote at `span`, and refuses it unless
    /// it is one statement that `shape` accepts: a fragment must be the one element it stands
    /// for, not end its clause early and carry another. SQL that does not parse is left to the
    /// replay, which points at the piece that is wrong.
    fn check_shape(
        &self,
        span: &Span,
        sql: &str,
        shape: impl Fn(&NodeEnum) -> bool,
        message: impl Into<String>,
        hint: &str,
    ) -> Result<()> {
        let Ok(parsed) = pg_query::parse(sql, 0) else { return Ok(()) };
        let stmts: Vec<&NodeEnum> =
            parsed.protobuf.stmts.iter().filter_map(|s| s.stmt.as_ref()?.node.as_ref()).collect();
        match stmts.as_slice() {
            [one] if shape(one) => Ok(()),
            _ => Err(self.error(span, message, hint).into()),
        }
    }

    /// Entries of a mapping (name → spec) or of a list (specs, optionally named inside).
    fn entries<'n>(&self, node: &'n Node, what: &str) -> Result<Vec<(Option<&'n str>, &'n Node)>> {
        let named: Vec<(Option<&MarkedScalarNode>, &Node)> = match node {
            Node::Mapping(m) => m.iter().map(|(k, v)| (Some(k), v)).collect(),
            Node::Sequence(s) => s.iter().map(|v| (v.as_mapping().and_then(|m| m.get_scalar("name")), v)).collect(),
            Node::Scalar(_) => {
                return Err(self
                    .error(node.span(), format!("`{what}` must be a mapping or a list"), "write one entry per line")
                    .into());
            }
        };
        named
            .into_iter()
            .map(|(name, v)| {
                name.map(|n| self.check_name(n, false)).transpose()?;
                Ok((name.map(|n| n.as_str()), v))
            })
            .collect()
    }

    /// One column: the SQL after its name in CREATE TABLE, and its comment.
    fn column(&self, key: &MarkedScalarNode, value: &Node) -> Result<(String, Option<String>)> {
        let what = format!("column `{}`", key.as_str());
        let map = match value {
            Node::Scalar(s) if s.trim().is_empty() => {
                return Err(self
                    .error(key.span(), format!("{what} has no type"), "write `name: TYPE`, e.g. `email: text not null`")
                    .into());
            }
            Node::Scalar(s) => return Ok((s.to_string(), None)),
            Node::Sequence(_) => {
                return Err(self
                    .error(
                        value.span(),
                        format!("{what} must be a string or a mapping"),
                        "write `name: TYPE ...` or a mapping with `type:`",
                    )
                    .into());
            }
            Node::Mapping(m) => m,
        };
        self.check_keys(map, COLUMN_KEYS, &what)?;
        let ty = map.get_node("type").ok_or_else(|| {
            self.error(map.span(), format!("{what} has no `type`"), "add `type: TEXT` (any PostgreSQL type)")
        })?;
        let mut sql = self.scalar(ty, "type")?.to_string();
        let names = match map.get_node("constraint_names") {
            Some(Node::Mapping(m)) => {
                self.check_keys(m, CONSTRAINT_NAME_KEYS, "constraint_names")?;
                m.iter()
                    .map(|(k, v)| Ok((k.to_string(), self.scalar(v, "a constraint name")?.to_string())))
                    .collect::<Result<HashMap<_, _>>>()?
            }
            Some(other) => {
                return Err(self
                    .error(other.span(), "`constraint_names` must be a mapping", "e.g. {check: price_positive}")
                    .into());
            }
            None => HashMap::new(),
        };
        let named = |kind: &str| names.get(kind).map(|n| format!(" CONSTRAINT {}", quote_ident(n))).unwrap_or_default();
        if let Some(c) = map.get_node("collate") {
            sql.push_str(&format!(" COLLATE {}", quote_ident(self.scalar(c, "collate")?)));
        }
        if let Some(g) = map.get_node("generated") {
            sql.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", self.expr(g, "generated")?));
        }
        if let Some(i) = map.get_node("identity") {
            sql.push_str(&self.identity(i)?);
        }
        if let Some(n) = map.get_node("not_null") {
            sql.push_str(if self.flag(n, "not_null")? { " NOT NULL" } else { " NULL" });
        }
        if let Some(d) = map.get_node("default") {
            sql.push_str(&format!(" DEFAULT ({})", self.expr(d, "default")?));
        }
        if let Some(p) = map.get_node("primary_key")
            && self.flag(p, "primary_key")?
        {
            sql.push_str(&format!("{} PRIMARY KEY", named("primary_key")));
        }
        if let Some(u) = map.get_node("unique")
            && self.flag(u, "unique")?
        {
            sql.push_str(&format!("{} UNIQUE", named("unique")));
        }
        if let Some(c) = map.get_node("check") {
            sql.push_str(&format!("{} CHECK ({})", named("check"), self.expr(c, "check")?));
        }
        if let Some(r) = map.get_node("references") {
            let name = match r.as_mapping().map(|m| self.optional_scalar(m, "name")).transpose()?.flatten() {
                Some(n) => format!(" CONSTRAINT {}", quote_ident(n)),
                None => named("references"),
            };
            sql.push_str(&format!("{name} REFERENCES {}", self.reference(r)?));
            sql.push_str(&self.fk_options(map)?);
        } else if let Some(k) = map.keys().find(|k| ["on_delete", "on_update", "deferrable"].contains(&k.as_str())) {
            return Err(self
                .error(k.span(), format!("`{}` without `references`", k.as_str()), "add `references: TABLE(COLUMN)`")
                .into());
        }
        Ok((sql, self.optional_scalar(map, "comment")?.map(|c| c.to_string())))
    }

    /// `TABLE(COLUMNS)`, written as SQL (`auth.users(id)`) or as `{table, columns}`.
    fn reference(&self, node: &Node) -> Result<String> {
        match node {
            Node::Scalar(s) => Ok(s.to_string()),
            Node::Mapping(m) => {
                self.check_keys(m, REF_KEYS, "references")?;
                let table = self.optional_scalar(m, "table")?.ok_or_else(|| {
                    self.error(m.span(), "`references` needs `table`", "e.g. {table: auth.users, columns: [id]}")
                })?;
                let qualified = match table.split_once('.') {
                    Some((s, t)) => format!("{}.{}", quote_ident(s), quote_ident(t)),
                    None => quote_ident(table),
                };
                match m.get_node("columns") {
                    Some(c) => Ok(format!("{qualified} ({})", self.name_list(c, "columns")?)),
                    None => Ok(qualified),
                }
            }
            Node::Sequence(_) => Err(self
                .error(
                    node.span(),
                    "`references` must be `TABLE(COLUMN)` or a mapping",
                    "e.g. references: auth.users(id)",
                )
                .into()),
        }
    }

    fn fk_options(&self, map: &MarkedMappingNode) -> Result<String> {
        let mut sql = String::new();
        if let Some(m) = self.optional_scalar(map, "match")? {
            match m.to_lowercase().as_str() {
                "full" => sql.push_str(" MATCH FULL"),
                "simple" => {}
                other => {
                    return Err(self
                        .error(m.span(), format!("unknown match type `{other}`"), "write `full` or `simple`")
                        .into());
                }
            }
        }
        for (key, clause) in [("on_delete", "ON DELETE"), ("on_update", "ON UPDATE")] {
            if let Some(a) = self.optional_scalar(map, key)? {
                // `set null (a, b)` sets only those columns (ON DELETE only).
                let (word, columns) = match a.split_once('(') {
                    Some((word, rest)) if key == "on_delete" => (word.trim(), Some(rest)),
                    _ => (a.as_str(), None),
                };
                let action = word.to_lowercase();
                if !FK_ACTIONS.contains(&action.as_str()) {
                    let hint = match closest(&action, FK_ACTIONS.iter().copied()) {
                        Some(c) => {
                            format!("did you mean `{c}`? Actions: {}", FK_ACTIONS.join(", "))
                        }
                        None => format!("actions: {}", FK_ACTIONS.join(", ")),
                    };
                    return Err(self.error(a.span(), format!("unknown {key} action `{}`", a.as_str()), hint).into());
                }
                sql.push_str(&format!(" {clause} {}", action.to_uppercase()));
                if let Some(columns) = columns {
                    let names = columns.strip_suffix(')').map(|c| c.split(',').map(str::trim).collect::<Vec<_>>());
                    let names = names.filter(|n| {
                        action.starts_with("set ") && n.iter().all(|c| !c.is_empty() && !c.contains(['"', '(', ')']))
                    });
                    let Some(names) = names else {
                        let hint = "write the columns to set after SET NULL or SET DEFAULT: `set null (tenant_id)`";
                        return Err(self
                            .error(a.span(), format!("`{}` is not an ON DELETE action", a.as_str()), hint)
                            .into());
                    };
                    let quoted: Vec<String> = names.iter().map(|c| quote_ident(c)).collect();
                    sql.push_str(&format!(" ({})", quoted.join(", ")));
                }
            }
        }
        if let Some(d) = map.get_node("deferrable") {
            sql.push_str(&self.deferrable(d)?);
        }
        Ok(sql)
    }

    fn deferrable(&self, node: &Node) -> Result<String> {
        let s = self.scalar(node, "deferrable")?;
        Ok(match s.to_lowercase().as_str() {
            "true" | "yes" => " DEFERRABLE".into(),
            "false" | "no" => String::new(),
            "initially deferred" => " DEFERRABLE INITIALLY DEFERRED".into(),
            "initially immediate" => " DEFERRABLE INITIALLY IMMEDIATE".into(),
            other => {
                return Err(self
                    .error(s.span(), format!("deferrable must be true, false, `initially deferred` or `initially immediate`, not `{other}`"), "e.g. deferrable: initially deferred")
                    .into());
            }
        })
    }

    fn constraint_prefix(&self, map: Option<&MarkedMappingNode>) -> Result<String> {
        Ok(match map.and_then(|m| m.get_node("name")) {
            Some(n) => {
                let name = self.scalar(n, "name")?;
                self.check_name(name, false)?;
                format!("CONSTRAINT {} ", quote_ident(name))
            }
            None => String::new(),
        })
    }

    /// PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY and EXCLUDE clauses of the table, with their
    /// spans.
    fn table_constraints<'n>(
        &self,
        map: &'n MarkedMappingNode,
        table: &QualifiedName,
        places: &mut Places,
    ) -> Result<Vec<(String, &'n Span, bool)>> {
        let mut out = Vec::new();
        let valid = |m: Option<&MarkedMappingNode>| -> Result<bool> {
            match m.and_then(|m| m.get_node("not_valid")) {
                Some(n) => Ok(!self.flag(n, "not_valid")?),
                None => Ok(true),
            }
        };
        if let Some(pk) = map.get_node("primary_key") {
            let (m, cols) = match pk {
                Node::Mapping(m) => {
                    self.check_keys(m, PK_KEYS, "primary_key")?;
                    let cols = m
                        .get_node("columns")
                        .ok_or_else(|| self.error(m.span(), "`primary_key` needs `columns`", "e.g. columns: [a, b]"))?;
                    (Some(m), cols)
                }
                other => (None, other),
            };
            let mut sql =
                format!("{}PRIMARY KEY ({})", self.constraint_prefix(m)?, self.name_list(cols, "primary_key")?);
            if let Some(d) = m.and_then(|m| m.get_node("deferrable")) {
                sql.push_str(&self.deferrable(d)?);
            }
            out.push((sql, pk.span(), true));
        }
        if let Some(unique) = map.get_node("unique") {
            let Node::Sequence(items) = unique else {
                return Err(self
                    .error(unique.span(), "`unique` must be a list", "e.g. unique: [[user_id, name]]")
                    .into());
            };
            for item in items.iter() {
                let (m, cols) = match item {
                    Node::Mapping(m) => {
                        self.check_keys(m, UNIQUE_KEYS, "a unique constraint")?;
                        let cols = m.get_node("columns").ok_or_else(|| {
                            self.error(m.span(), "a unique constraint needs `columns`", "e.g. columns: [a, b]")
                        })?;
                        (Some(m), cols)
                    }
                    other => (None, other),
                };
                let nnd = match m.and_then(|m| m.get_node("nulls_not_distinct")) {
                    Some(n) if self.flag(n, "nulls_not_distinct")? => " NULLS NOT DISTINCT",
                    _ => "",
                };
                let mut sql =
                    format!("{}UNIQUE{nnd} ({})", self.constraint_prefix(m)?, self.name_list(cols, "unique")?);
                if let Some(d) = m.and_then(|m| m.get_node("deferrable")) {
                    sql.push_str(&self.deferrable(d)?);
                }
                out.push((sql, item.span(), true));
            }
        }
        if let Some(checks) = map.get_node("checks") {
            for (name, spec) in self.entries(checks, "checks")? {
                let (m, expr) = match spec {
                    Node::Mapping(m) => {
                        self.check_keys(m, CHECK_KEYS, "a check")?;
                        let e = m
                            .get_node("expr")
                            .ok_or_else(|| self.error(m.span(), "a check needs `expr`", "e.g. expr: price >= 0"))?;
                        (Some(m), e)
                    }
                    other => (None, other),
                };
                let prefix = match name {
                    Some(n) => format!("CONSTRAINT {} ", quote_ident(n)),
                    None => String::new(),
                };
                let no_inherit = match m.and_then(|m| m.get_node("no_inherit")) {
                    Some(n) if self.flag(n, "no_inherit")? => " NO INHERIT",
                    _ => "",
                };
                let sql = format!("{prefix}CHECK ({}){no_inherit}", self.expr(expr, "check")?);
                out.push((sql, spec.span(), valid(m)?));
            }
        }
        if let Some(fks) = map.get_node("foreign_keys") {
            let Node::Sequence(items) = fks else {
                return Err(self
                    .error(fks.span(), "`foreign_keys` must be a list", "one `- columns: ... references: ...` per key")
                    .into());
            };
            for item in items.iter() {
                let Node::Mapping(m) = item else {
                    return Err(self
                        .error(item.span(), "a foreign key must be a mapping", "with `columns` and `references`")
                        .into());
                };
                self.check_keys(m, FK_KEYS, "a foreign key")?;
                let cols = m.get_node("columns").ok_or_else(|| {
                    self.error(m.span(), "a foreign key needs `columns`", "e.g. columns: [workspace_id]")
                })?;
                let target = m.get_node("references").ok_or_else(|| {
                    self.error(m.span(), "a foreign key needs `references`", "e.g. references: workspaces(id)")
                })?;
                let names = self.names(cols, "columns")?;
                places.foreign_key.insert((table.clone(), names.join(",")), self.place(target.span()));
                out.push((
                    format!(
                        "{}FOREIGN KEY ({}) REFERENCES {}{}",
                        self.constraint_prefix(Some(m))?,
                        self.name_list(cols, "columns")?,
                        self.reference(target)?,
                        self.fk_options(m)?
                    ),
                    item.span(),
                    valid(Some(m))?,
                ));
            }
        }
        if let Some(exclude) = map.get_node("exclude") {
            out.extend(self.exclusions(exclude, table, places)?.into_iter().map(|(sql, span)| (sql, span, true)));
        }
        Ok(out)
    }

    /// One index key (a column or an expression, with its collation, opclass and order), or
    /// with `several` a list of them written as one string: nothing else of CREATE INDEX.
    fn index_key(&self, node: &Node, several: bool) -> Result<String> {
        let s = self.scalar(node, if several { "columns" } else { "an index key" })?;
        // Most keys are a column and a direction, which cannot hold anything else: only
        // the rest are parsed on their own.
        let plain = |key: &str| {
            let mut words = key.split_whitespace();
            words.next().is_some_and(is_plain_identifier)
                && words.all(|w| ["asc", "desc", "nulls", "first", "last"].contains(&w.to_lowercase().as_str()))
        };
        let keys: Vec<&str> = if several { s.as_str().split(',').collect() } else { vec![s.as_str()] };
        if keys.into_iter().all(plain) {
            return Ok(s.to_string());
        }
        let split = |stmt: &NodeEnum| match stmt {
            NodeEnum::IndexStmt(i) => {
                let mut rest = i.clone();
                let keys = std::mem::take(&mut rest.index_params);
                Some((rest, keys))
            }
            _ => None,
        };
        let frame = pg_query::parse("CREATE INDEX ON t (k)", 0).expect("parses").protobuf.stmts[0].stmt.clone();
        let (frame, _) = frame.and_then(|s| split(s.node.as_ref()?)).expect("an index statement");
        self.check_shape(
            s.span(),
            &format!("CREATE INDEX ON t ({})", s.as_str()),
            |stmt| {
                split(stmt).is_some_and(|(rest, keys)| {
                    rest == frame
                        && (several || keys.len() == 1)
                        && keys.iter().all(|k| matches!(&k.node, Some(NodeEnum::IndexElem(e)) if e.opclass.len() <= 2))
                })
            },
            format!(
                "`{}` is not {}",
                s.as_str().escape_debug(),
                if several { "a list of index keys" } else { "one index key" }
            ),
            "an index key is a column or an expression, optionally with COLLATE, an operator class and ASC/DESC; \
             `where`, `include` and `using` have keys of their own",
        )?;
        Ok(s.to_string())
    }

    /// CREATE INDEX for one entry of `indexes`, and the index's comment.
    fn index(&self, table: &QualifiedName, name: Option<&str>, spec: &Node) -> Result<(String, Option<String>)> {
        let (m, keys) = match spec {
            Node::Mapping(m) => {
                self.check_keys(m, INDEX_KEYS, "an index")?;
                let k = m
                    .get_node("columns")
                    .ok_or_else(|| self.error(m.span(), "an index needs `columns`", "e.g. columns: lower(email)"))?;
                (Some(m), k)
            }
            other => (None, other),
        };
        let keys = match keys {
            Node::Sequence(seq) => seq.iter().map(|k| self.index_key(k, false)).collect::<Result<Vec<_>>>()?.join(", "),
            other => self.index_key(other, true)?,
        };
        let get = |k: &str| m.and_then(|m| m.get_node(k));
        let unique = match get("unique") {
            Some(u) if self.flag(u, "unique")? => "UNIQUE ",
            _ => "",
        };
        let mut sql = format!("CREATE {unique}INDEX {} ON {}", name.map(quote_ident).unwrap_or_default(), table.sql());
        if let Some(u) = get("using") {
            sql.push_str(&format!(" USING {}", quote_ident(&self.identifier(u, "using", "gin")?)));
        }
        sql.push_str(&format!(" ({keys})"));
        if let Some(i) = get("include") {
            sql.push_str(&format!(" INCLUDE ({})", self.name_list(i, "include")?));
        }
        if let Some(n) = get("nulls_not_distinct")
            && self.flag(n, "nulls_not_distinct")?
        {
            sql.push_str(" NULLS NOT DISTINCT");
        }
        if let Some(w) = get("with") {
            sql.push_str(&self.with_clause(w)?);
        }
        if let Some(w) = get("where") {
            sql.push_str(&format!(" WHERE {}", self.expr(w, "where")?));
        }
        let comment = get("comment").map(|c| self.scalar(c, "comment").map(|s| s.to_string())).transpose()?;
        Ok((sql, comment))
    }
}

/// A name of ASCII letters, digits, `_` and `$` that does not start with a digit: what
/// PostgreSQL reads as one unquoted identifier.
fn is_plain_identifier(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Foreign keys written without target columns point at the target's primary key.
fn resolve_foreign_keys(schema: &mut Schema) {
    let keys: HashMap<QualifiedName, Vec<String>> =
        schema.tables.values().filter_map(|t| Some((t.name.clone(), t.primary_key()?.clone()))).collect();
    for table in schema.tables.values_mut() {
        for c in &mut table.constraints {
            if let ConstraintKind::ForeignKey(fk) = &mut c.kind
                && fk.ref_columns.is_empty()
                && let Some(pk) = keys.get(&fk.ref_table)
            {
                fk.ref_columns = pk.clone();
            }
        }
    }
}

fn diagnostic_at(place: Option<&Place>, message: String, hint: String) -> Diagnostic {
    let mut d = Diagnostic::new(message).hint(hint);
    if let Some((origin, line)) = place {
        d.origin = Some(origin.clone());
        d.source_line = line.clone();
    }
    d
}

/// Checks that need every table: types, references, column names in keys and indexes,
/// the functions triggers call, the membership tables of presets.
fn validate(schema: &Schema, places: &Places) -> Vec<Diagnostic> {
    let mut out = presets::check_members(schema, &places.members);
    for (name, key, place) in &places.named_schemas {
        let platform = *key == "default_privileges" && (name == "public" || PLATFORM_SCHEMAS.contains(&name.as_str()))
            || *key == "schema_grants" && name == "public";
        if !platform && !schema.schemas.contains(name) {
            let mut known: Vec<&str> = schema.schemas.iter().map(String::as_str).collect();
            known.insert(0, "public");
            let hint = match closest(name, known.iter().copied()) {
                Some(c) => format!("did you mean `{c}`? Or add it to `schemas:`"),
                None => format!("add it to `schemas:`, or use `\"*\"` for every schema; schemas: {}", known.join(", ")),
            };
            let message = format!("`{key}` names schema {name}, which the project does not create");
            out.push(diagnostic_at(Some(place), message, hint));
        }
    }
    out.extend(shared_relation_names(schema, places));
    out.extend(replication::check_members(schema, &places.publication_members));
    for ((table, name), t) in &schema.triggers {
        let known = PLATFORM_SCHEMAS.contains(&t.function.schema.as_str()) && t.function.schema != "public"
            || schema.functions.values().any(|f| f.name == t.function)
            || schema.external_functions.contains(&t.function);
        if !known {
            let names = schema.functions.values().map(|f| f.name.name.as_str());
            let hint = match closest(&t.function.name, names) {
                Some(c) => format!(
                    "did you mean `{c}`? Declare the function in a `function:` file (`external: true` if it is created elsewhere)"
                ),
                None => {
                    "declare the function in a `function:` file (`external: true` if it is created elsewhere)".into()
                }
            };
            let place = places.trigger.get(&(table.clone(), name.clone()));
            out.push(diagnostic_at(
                place,
                format!("trigger {name} on {table} calls {}, which is not declared", t.function),
                hint,
            ));
        }
    }
    for table in schema.tables.values() {
        let column_place = |c: &str| places.column.get(&(table.name.clone(), c.to_string()));
        for col in &table.columns {
            let ty = &col.data_type;
            let platform = ty.schema.as_deref().is_some_and(|s| PLATFORM_SCHEMAS.contains(&s));
            let type_name = QualifiedName::new(ty.schema.as_deref().unwrap_or("public"), ty.name.clone());
            let declared = crate::source::composite::type_exists(schema, &type_name);
            if !ty.builtin && !platform && !declared {
                out.push(diagnostic_at(
                    column_place(&col.name),
                    format!("unknown type `{}` for column `{}` of {}", ty.sql(), col.name, table.name),
                    "use a PostgreSQL type (text, integer, uuid, timestamptz, jsonb, ...) or qualify an extension's type (extensions.vector)".into(),
                ));
            }
        }
        let known = |cols: &[String]| cols.iter().find(|c| table.column(c).is_none()).cloned();
        for c in &table.constraints {
            let place = match &c.kind {
                ConstraintKind::ForeignKey(fk) => places
                    .foreign_key
                    .get(&(table.name.clone(), fk.columns.join(",")))
                    .or_else(|| column_place(&fk.columns[0])),
                ConstraintKind::Exclude(_) => places.index.get(&(table.name.clone(), c.name.clone())),
                other => other.columns().first().and_then(|c| column_place(c)),
            }
            .or_else(|| places.table.get(&table.name));
            let named = match &c.kind {
                ConstraintKind::Exclude(x) => x.columns(),
                other => other.columns().to_vec(),
            };
            if let Some(missing) = known(&named) {
                out.push(diagnostic_at(
                    place,
                    format!(
                        "constraint {} of {} names column `{missing}`, which the table does not have",
                        c.name, table.name
                    ),
                    column_hint(table, &missing),
                ));
            }
            if let ConstraintKind::ForeignKey(fk) = &c.kind {
                out.extend(check_reference(schema, table, fk, place));
            }
        }
        for i in &table.indexes {
            let cols: Vec<String> =
                i.keys.iter().filter_map(|k| k.column.clone()).chain(i.include.iter().cloned()).collect();
            if let Some(missing) = known(&cols) {
                let place = places.index.get(&(table.name.clone(), i.name.clone()));
                out.push(diagnostic_at(
                    place,
                    format!(
                        "index {} of {} names column `{missing}`, which the table does not have",
                        i.name, table.name
                    ),
                    column_hint(table, &missing),
                ));
            }
        }
    }
    out
}

/// Indexes (and the indexes of keys) named like a table, or like another table's index, of
/// their schema: PostgreSQL keeps one namespace of relations per schema. The replay checks
/// only a table's own names, to stay linear in the number of tables.
fn shared_relation_names(schema: &Schema, places: &Places) -> Vec<Diagnostic> {
    let mut owner: HashMap<(&str, &str), &QualifiedName> =
        schema.tables.keys().map(|t| ((t.schema.as_str(), t.name.as_str()), t)).collect();
    let mut out = Vec::new();
    for table in schema.tables.values() {
        for name in table.relation_names().skip(1) {
            let Some(first) = owner.insert((table.name.schema.as_str(), name), &table.name) else { continue };
            let what =
                if first.name == name { format!("the table {first}") } else { format!("an index or key of {first}") };
            let place =
                places.index.get(&(table.name.clone(), name.to_string())).or_else(|| places.table.get(&table.name));
            out.push(diagnostic_at(
                place,
                format!("a relation named {name} already exists in schema {}", table.name.schema),
                format!(
                    "it is also the name of {what}: indexes, keys and tables share one namespace per schema, so pick \
                     another name"
                ),
            ));
        }
    }
    out
}

/// "did you mean" the closest column of `table`, else its columns.
pub(super) fn column_hint(table: &Table, missing: &str) -> String {
    let names = table.columns.iter().map(|c| c.name.as_str());
    match closest(missing, names) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!(
            "columns of {}: {}",
            table.name,
            table.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn check_reference(
    schema: &Schema,
    table: &Table,
    fk: &crate::model::ForeignKey,
    place: Option<&Place>,
) -> Option<Diagnostic> {
    if PLATFORM_SCHEMAS.contains(&fk.ref_table.schema.as_str()) || schema.external.contains(&fk.ref_table) {
        return None;
    }
    let Some(target) = schema.table(&fk.ref_table) else {
        let names = schema.tables.keys().map(|k| k.name.as_str());
        let hint = match closest(&fk.ref_table.name, names) {
            Some(c) => format!(
                "did you mean `{c}`? Declare the table in a YAML file (`external: true` if another project owns it)"
            ),
            None => "declare the table in a YAML file (`external: true` if another project owns it)".into(),
        };
        return Some(diagnostic_at(
            place,
            format!("foreign key of {} references {}, which is not declared", table.name, fk.ref_table),
            hint,
        ));
    };
    if let Some(missing) = fk.ref_columns.iter().find(|c| target.column(c).is_none()) {
        return Some(diagnostic_at(
            place,
            format!(
                "foreign key of {} references column `{missing}` of {}, which does not exist",
                table.name, fk.ref_table
            ),
            column_hint(target, missing),
        ));
    }
    if fk.ref_columns.is_empty() && target.primary_key().is_none() {
        return Some(diagnostic_at(
            place,
            format!("foreign key of {} references {}, which has no primary key", table.name, fk.ref_table),
            "name the referenced columns: TABLE(COLUMN)".into(),
        ));
    }
    None
}
