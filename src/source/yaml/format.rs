//! The YAML format as data: the keys of every mapping, the shape of each key's value and
//! what it means. The loader checks keys against these lists and `schemagen schema-json`
//! writes them as a JSON Schema for editors, so the two cannot disagree about which keys
//! exist.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json, json};

use crate::model::privileges::{
    COLUMN_PRIVILEGES, FUNCTION_PRIVILEGES, SCHEMA_PRIVILEGES, SEQUENCE_PRIVILEGES, TABLE_PRIVILEGES, TYPE_PRIVILEGES,
};

/// One key of a mapping.
pub(super) struct Key {
    pub(super) name: &'static str,
    pub(super) value: Value,
    /// One line for an editor's hover.
    pub(super) doc: &'static str,
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        self.name
    }
}

/// A mapping whose keys are fixed.
pub(super) struct Mapping {
    /// Its name among the JSON Schema's definitions.
    pub(super) name: &'static str,
    pub(super) doc: &'static str,
    pub(super) keys: &'static [Key],
    /// The keys it may have with `external: true`; none if it has no external form.
    pub(super) external: &'static [&'static str],
}

/// The shape of a value, as the loader reads it.
pub(super) enum Value {
    /// A string: a name, a type, a comment, a body.
    Text,
    /// A scalar: SQL, a setting. YAML may type it (`default: 0`, `using: true`); the
    /// loader reads its text.
    Scalar,
    /// true or false (yes/no, on/off).
    Flag,
    /// An integer, or its text.
    Number,
    /// A number, whole or not, or its text.
    Decimal,
    /// One of these words, in any case.
    Word(&'static [&'static str]),
    /// A string of this form (a JSON Schema pattern).
    Pattern(&'static str),
    /// A list of these words, or one of them.
    Words(&'static [&'static str]),
    /// Privileges (these, or `all`), as a list or one.
    Privileges(&'static [&'static str]),
    /// Column names: a list, or one string of names separated by commas.
    Names,
    /// A list of scalars, or one.
    List,
    Map(&'static Mapping),
    /// A mapping from any name to this.
    MapOf(&'static Value),
    ListOf(&'static Value),
    AnyOf(&'static [Value]),
    Null,
    /// `rls:`: a switch, a preset's name, or a preset with its options.
    Rls,
    /// `access:`: roles or commands to rules.
    Access,
}

/// The file kinds, by the key that says what a file declares, in the order the loader
/// looks for them.
pub(super) struct FileKind {
    pub(super) key: &'static str,
    pub(super) mapping: &'static Mapping,
}

pub(super) const KINDS: &[FileKind] = &[
    FileKind { key: "table", mapping: &TABLE },
    FileKind { key: "view", mapping: &VIEW },
    FileKind { key: "function", mapping: &FUNCTION },
    FileKind { key: "procedure", mapping: &FUNCTION },
    FileKind { key: "enum", mapping: &ENUM },
    FileKind { key: "domain", mapping: &DOMAIN },
    FileKind { key: "sequence", mapping: &SEQUENCE },
    // After `domain`, whose file has a `type:` of its own.
    FileKind { key: "type", mapping: &COMPOSITE },
    FileKind { key: "range", mapping: &RANGE },
    FileKind { key: "aggregate", mapping: &AGGREGATE },
    FileKind { key: "publication", mapping: &PUBLICATION },
    FileKind { key: "cron", mapping: &CRON },
    FileKind { key: "extensions", mapping: &SETUP },
    FileKind { key: "schemas", mapping: &SETUP },
    FileKind { key: "schema_grants", mapping: &SETUP },
    FileKind { key: "schema_comments", mapping: &SETUP },
    FileKind { key: "default_privileges", mapping: &SETUP },
    FileKind { key: "roles", mapping: &SETUP },
];

/// The keys of `KINDS` that declare the setup of the project rather than one object.
pub(super) const SETUP_KINDS: &[&str] =
    &["extensions", "schemas", "schema_grants", "schema_comments", "default_privileges", "roles"];

pub(super) const COMMANDS: &[&str] = &["all", "select", "insert", "update", "delete"];
pub(super) const EVENTS: &[&str] = &["insert", "update", "delete", "truncate"];
pub(super) const TIMINGS: &[&str] = &["before", "after", "instead of"];
pub(super) const FOR_EACH: &[&str] = &["row", "statement"];
const FIRINGS: &[&str] = &["replica", "always"];
pub(super) const VOLATILITIES: &[&str] = &["volatile", "stable", "immutable"];
pub(super) const PARALLEL: &[&str] = &["unsafe", "restricted", "safe"];
pub(super) const CHECK_OPTIONS: &[&str] = &["local", "cascaded"];
pub(super) const FK_ACTIONS: &[&str] = &["no action", "restrict", "cascade", "set null", "set default"];
// The loader reads these in `match`es of its own, which give each word its SQL.
const IDENTITIES: &[&str] = &["always", "by default"];
const MATCHES: &[&str] = &["full", "simple"];
const DEFERRED: &[&str] = &["initially deferred", "initially immediate"];
pub(super) const REPLICA_IDENTITIES: &[&str] = &["default", "full", "nothing"];
const PUBLISH: &[&str] = &["insert", "update", "delete", "truncate"];
const RLS_SWITCHES: &[&str] = &["force", "forced", "enable", "enabled", "disable", "disabled"];

/// Keys an `external: true` table may have: it is only referenced, so nothing else.
pub(super) const EXTERNAL_TABLE_KEYS: &[&str] = &["table", "schema", "external", "comment", "policies", "triggers"];
/// Keys an `external: true` function may have.
pub(super) const EXTERNAL_FUNCTION_KEYS: &[&str] = &["function", "procedure", "external"];

const RENAMED_FROM: Key =
    Key { name: "renamed_from", value: Value::Text, doc: "The name it had: renamed, not dropped and created." };
const COMMENT: Key = Key { name: "comment", value: Value::Text, doc: "COMMENT ON it." };
const OWNER: Key = Key {
    name: "owner",
    value: Value::Text,
    doc: "The role that owns it (ALTER … OWNER TO), when not the migration role, postgres.",
};
const LINT: Key = Key {
    name: "lint",
    value: Value::MapOf(&Value::Word(super::hints::SEVERITIES)),
    doc: "Lint rule id → allow, warn or error, for this object.",
};
const DEFERRABLE: Key = Key {
    name: "deferrable",
    value: Value::AnyOf(&[Value::Flag, Value::Word(DEFERRED)]),
    doc: "true, or `initially deferred` / `initially immediate`.",
};
const REFERENCES: Key = Key {
    name: "references",
    value: Value::AnyOf(&[Value::Text, Value::Map(&REFERENCE)]),
    doc: "The referenced table and columns: `auth.users(id)` or {table, columns, name}.",
};
const INDEXES: Key = Key {
    name: "indexes",
    value: Value::AnyOf(&[Value::MapOf(&INDEX_ENTRY), Value::ListOf(&INDEX_ENTRY)]),
    doc: "Index name → keys (as between the parentheses of CREATE INDEX), or a mapping.",
};
const ON_DELETE: Key = Key {
    name: "on_delete",
    value: Value::AnyOf(&[
        Value::Word(FK_ACTIONS),
        Value::Pattern(r"^\s*[sS][eE][tT]\s+([nN][uU][lL][lL]|[dD][eE][fF][aA][uU][lL][tT])\s*\(.+\)\s*$"),
    ]),
    doc: "ON DELETE action; set null (a, b) sets only those columns.",
};
const ON_UPDATE: Key = Key { name: "on_update", value: Value::Word(FK_ACTIONS), doc: "ON UPDATE action." };
const NOT_VALID: Key = Key {
    name: "not_valid",
    value: Value::Flag,
    doc: "Added NOT VALID and left so: the rows already there are not checked.",
};
const CONSTRAINT_NAME: Key = Key { name: "name", value: Value::Text, doc: "Constraint name (default: PostgreSQL's)." };
const KEY_COLUMNS: Key = Key { name: "columns", value: Value::Names, doc: "Columns: [a, b] or \"a, b\"." };
const WITH: Key = Key {
    name: "with",
    value: Value::MapOf(&Value::Scalar),
    doc: "Storage parameters, WITH (name = value): {fillfactor: 70}.",
};
const TABLE_GRANTS: Key = Key {
    name: "grants",
    value: Value::MapOf(&Value::Privileges(TABLE_PRIVILEGES)),
    doc: "Role → privileges: the whole set (without it, what the default privileges give).",
};

pub(super) const TABLE_KEYS: &[Key] = &[
    Key { name: "table", value: Value::Text, doc: "Table name; `schema.name` qualifies it." },
    Key { name: "schema", value: Value::Text, doc: "Schema of the table (default public)." },
    COMMENT,
    OWNER,
    Key {
        name: "columns",
        value: Value::MapOf(&Value::AnyOf(&[Value::Text, Value::Map(&COLUMN)])),
        doc: "Column name → what follows it in CREATE TABLE, or a mapping with `type`.",
    },
    Key {
        name: "primary_key",
        value: Value::AnyOf(&[Value::Names, Value::Map(&PRIMARY_KEY)]),
        doc: "Primary key columns, or {name, columns}.",
    },
    Key {
        name: "unique",
        value: Value::ListOf(&Value::AnyOf(&[Value::Names, Value::Map(&UNIQUE)])),
        doc: "Unique constraints: lists of columns, or mappings.",
    },
    Key {
        name: "checks",
        value: Value::AnyOf(&[
            Value::MapOf(&Value::AnyOf(&[Value::Scalar, Value::Map(&CHECK)])),
            Value::ListOf(&Value::AnyOf(&[Value::Scalar, Value::Map(&CHECK)])),
        ]),
        doc: "CHECK constraints: name → expression, or a list.",
    },
    Key {
        name: "foreign_keys",
        value: Value::ListOf(&Value::Map(&FOREIGN_KEY)),
        doc: "Foreign keys over several columns.",
    },
    Key {
        name: "exclude",
        value: Value::AnyOf(&[Value::MapOf(&Value::Map(&EXCLUDE)), Value::ListOf(&Value::Map(&EXCLUDE))]),
        doc: "EXCLUDE constraints: name → {using, elements, where, …}, or a list.",
    },
    INDEXES,
    Key { name: "external", value: Value::Flag, doc: "Referenced here, created elsewhere: never created or dropped." },
    Key { name: "rls", value: Value::Rls, doc: "Row level security: true, false, force, or a preset." },
    Key { name: "policies", value: Value::MapOf(&Value::Map(&POLICY)), doc: "Policy name → policy." },
    Key {
        name: "access",
        value: Value::Access,
        doc: "Who may do what, proven by `schemagen test generate`: role → rule (none, all, own(COLUMN), \
              workspace(COLUMN via MEMBERS)) or {command → rule}, or command → [roles or rules].",
    },
    Key { name: "triggers", value: Value::MapOf(&Value::Map(&TRIGGER)), doc: "Trigger name → trigger." },
    TABLE_GRANTS,
    Key {
        name: "unlogged",
        value: Value::Flag,
        doc: "CREATE UNLOGGED TABLE: not written to the WAL, emptied by a crash.",
    },
    WITH,
    Key {
        name: "replica_identity",
        value: Value::AnyOf(&[Value::Word(REPLICA_IDENTITIES), Value::Map(&REPLICA_INDEX)]),
        doc: "REPLICA IDENTITY: default (the primary key), full, nothing, or {index: NAME}.",
    },
    Key {
        name: "publications",
        value: Value::AnyOf(&[Value::List, Value::MapOf(&Value::AnyOf(&[Value::Null, Value::Map(&PUBLISHED)]))]),
        doc: "Publications the table is in: [supabase_realtime], or name → {columns, where}.",
    },
    Key {
        name: "column_grants",
        value: Value::MapOf(&Value::MapOf(&Value::Privileges(COLUMN_PRIVILEGES))),
        doc: "Column → role → privileges on that column alone (GRANT UPDATE (col) …).",
    },
    Key {
        name: "partition_by",
        value: Value::Text,
        doc: "PARTITION BY: `range (created_at)`, `list (region)`, `hash (id)`; columns or (expressions).",
    },
    Key {
        name: "inherits",
        value: Value::Names,
        doc: "INHERITS: the tables whose columns (and checks) it has besides its own: [a, b].",
    },
    Key {
        name: "partition_of",
        value: Value::Text,
        doc: "The partitioned table this one is a partition of (with `bound`); its columns are the parent's.",
    },
    Key {
        name: "bound",
        value: Value::Text,
        doc: "A partition's FOR VALUES: `from ('2024-01-01') to ('2025-01-01')`, `in ('eu')`, \
              `with (modulus 4, remainder 0)`, or `default`.",
    },
    RENAMED_FROM,
    Key { name: "allow_destructive", value: Value::Flag, doc: "Changes that lose this table's data need no flag." },
    LINT,
];

pub(super) const COLUMN_KEYS: &[Key] = &[
    Key { name: "type", value: Value::Text, doc: "Any PostgreSQL type; may hold a whole short-form line." },
    Key { name: "not_null", value: Value::Flag, doc: "NOT NULL (true) or NULL (false)." },
    Key { name: "default", value: Value::Scalar, doc: "DEFAULT expression (SQL: string literals keep their quotes)." },
    Key { name: "primary_key", value: Value::Flag, doc: "PRIMARY KEY on this column." },
    Key { name: "unique", value: Value::Flag, doc: "UNIQUE on this column." },
    Key { name: "check", value: Value::Scalar, doc: "CHECK expression." },
    REFERENCES,
    ON_DELETE,
    ON_UPDATE,
    DEFERRABLE,
    Key {
        name: "identity",
        value: Value::AnyOf(&[Value::Word(IDENTITIES), Value::Map(&IDENTITY)]),
        doc: "GENERATED ALWAYS / BY DEFAULT AS IDENTITY; a mapping adds its sequence's options.",
    },
    Key { name: "generated", value: Value::Scalar, doc: "GENERATED ALWAYS AS (expression) STORED." },
    Key { name: "collate", value: Value::Text, doc: "Collation." },
    COMMENT,
    Key { name: "constraint_names", value: Value::Map(&CONSTRAINT_NAMES), doc: "Names of the column's constraints." },
    RENAMED_FROM,
    Key { name: "backfill", value: Value::Scalar, doc: "Expression filling existing rows before NOT NULL applies." },
    Key { name: "using", value: Value::Scalar, doc: "USING expression of a change of type." },
    LINT,
];

pub(super) const FK_KEYS: &[Key] = &[
    CONSTRAINT_NAME,
    KEY_COLUMNS,
    REFERENCES,
    ON_DELETE,
    ON_UPDATE,
    DEFERRABLE,
    Key { name: "match", value: Value::Word(MATCHES), doc: "MATCH FULL or SIMPLE (the default)." },
    NOT_VALID,
    RENAMED_FROM,
    COMMENT,
    LINT,
];
pub(super) const UNIQUE_KEYS: &[Key] = &[
    CONSTRAINT_NAME,
    KEY_COLUMNS,
    Key { name: "nulls_not_distinct", value: Value::Flag, doc: "NULLS NOT DISTINCT." },
    DEFERRABLE,
    RENAMED_FROM,
    COMMENT,
    LINT,
];
pub(super) const CHECK_KEYS: &[Key] = &[
    CONSTRAINT_NAME,
    Key { name: "expr", value: Value::Scalar, doc: "The CHECK expression." },
    Key { name: "no_inherit", value: Value::Flag, doc: "NO INHERIT." },
    NOT_VALID,
    RENAMED_FROM,
    COMMENT,
    LINT,
];
pub(super) const EXCLUDE_KEYS: &[Key] = &[
    CONSTRAINT_NAME,
    Key { name: "using", value: Value::Text, doc: "Access method: gist (usual), btree (default), hash, spgist …" },
    Key {
        name: "elements",
        value: Value::AnyOf(&[Value::Text, Value::ListOf(&Value::Text)]),
        doc: "Elements, `key [opclass] WITH operator`: a list, or one string.",
    },
    Key { name: "where", value: Value::Scalar, doc: "Only rows for which it is true are compared." },
    Key { name: "include", value: Value::Names, doc: "INCLUDE columns of its index." },
    WITH,
    DEFERRABLE,
    RENAMED_FROM,
    COMMENT,
    LINT,
];
pub(super) const PK_KEYS: &[Key] = &[CONSTRAINT_NAME, KEY_COLUMNS, DEFERRABLE, RENAMED_FROM, COMMENT, LINT];
pub(super) const INDEX_KEYS: &[Key] = &[
    Key { name: "name", value: Value::Text, doc: "Index name (in a list of indexes)." },
    Key {
        name: "columns",
        value: Value::AnyOf(&[Value::Text, Value::ListOf(&Value::Text)]),
        doc: "Keys, as between the parentheses of CREATE INDEX: a string or a list.",
    },
    Key { name: "unique", value: Value::Flag, doc: "CREATE UNIQUE INDEX." },
    Key { name: "using", value: Value::Text, doc: "Access method: btree (default), gin, gist, hash, brin …" },
    Key { name: "where", value: Value::Scalar, doc: "Predicate of a partial index." },
    Key { name: "include", value: Value::Names, doc: "INCLUDE columns." },
    Key { name: "nulls_not_distinct", value: Value::Flag, doc: "NULLS NOT DISTINCT." },
    WITH,
    COMMENT,
    RENAMED_FROM,
    LINT,
];
pub(super) const REPLICA_INDEX_KEYS: &[Key] =
    &[Key { name: "index", value: Value::Text, doc: "A unique index (or key) of the table." }];
pub(super) const PUBLISHED_KEYS: &[Key] = &[
    Key { name: "columns", value: Value::Names, doc: "The columns published (default: all)." },
    Key { name: "where", value: Value::Scalar, doc: "Row filter: only rows for which it is true." },
];
pub(super) const PUBLICATION_KEYS: &[Key] = &[
    Key { name: "publication", value: Value::Text, doc: "Publication name." },
    Key { name: "all_tables", value: Value::Flag, doc: "FOR ALL TABLES." },
    Key { name: "publish", value: Value::Words(PUBLISH), doc: "Operations published (default: all four)." },
    Key { name: "via_partition_root", value: Value::Flag, doc: "publish_via_partition_root." },
];
pub(super) const CRON_KEYS: &[Key] = &[
    Key { name: "cron", value: Value::Text, doc: "Job name (cron.job.jobname)." },
    Key {
        name: "schedule",
        value: Value::Text,
        doc: "Five cron fields ('0 3 * * *'), 'N seconds' (1 to 59), or @hourly, @daily, @weekly, @monthly, @yearly.",
    },
    Key { name: "command", value: Value::Text, doc: "The SQL the job runs, in the current database." },
];
pub(super) const REF_KEYS: &[Key] = &[
    Key { name: "table", value: Value::Text, doc: "Referenced table." },
    Key { name: "columns", value: Value::Names, doc: "Referenced columns (default: its primary key)." },
    CONSTRAINT_NAME,
];
pub(super) const CONSTRAINT_NAME_KEYS: &[Key] = &[
    Key { name: "primary_key", value: Value::Text, doc: "Name of the column's PRIMARY KEY." },
    Key { name: "unique", value: Value::Text, doc: "Name of the column's UNIQUE constraint." },
    Key { name: "check", value: Value::Text, doc: "Name of the column's CHECK." },
    Key { name: "references", value: Value::Text, doc: "Name of the column's foreign key." },
];

pub(super) const POLICY_KEYS: &[Key] = &[
    Key { name: "command", value: Value::Word(COMMANDS), doc: "all (default), select, insert, update or delete." },
    Key { name: "roles", value: Value::List, doc: "Roles it applies to (default: public)." },
    Key { name: "using", value: Value::Scalar, doc: "USING: the rows a command reads, updates or deletes." },
    Key { name: "with_check", value: Value::Scalar, doc: "WITH CHECK: the rows a command may write." },
    Key { name: "restrictive", value: Value::Flag, doc: "AS RESTRICTIVE: AND-ed with the other policies." },
    COMMENT,
    RENAMED_FROM,
    LINT,
];
pub(super) const TRIGGER_KEYS: &[Key] = &[
    Key { name: "timing", value: Value::Word(TIMINGS), doc: "before, after or instead of." },
    Key { name: "events", value: Value::Words(EVENTS), doc: "insert, update, delete, truncate: one or a list." },
    Key { name: "update_of", value: Value::List, doc: "UPDATE OF these columns." },
    Key { name: "for_each", value: Value::Word(FOR_EACH), doc: "row (default) or statement." },
    Key { name: "old_table", value: Value::Text, doc: "REFERENCING OLD TABLE AS: the old rows' transition table." },
    Key { name: "new_table", value: Value::Text, doc: "REFERENCING NEW TABLE AS: the new rows' transition table." },
    Key { name: "when", value: Value::Scalar, doc: "WHEN condition." },
    Key { name: "function", value: Value::Text, doc: "The trigger function: schema.name." },
    Key { name: "args", value: Value::List, doc: "String arguments passed to the function." },
    Key {
        name: "constraint",
        value: Value::Flag,
        doc: "CREATE CONSTRAINT TRIGGER (timing: after, for each row); `deferrable:` may defer it.",
    },
    DEFERRABLE,
    Key {
        name: "enabled",
        value: Value::AnyOf(&[Value::Flag, Value::Word(FIRINGS)]),
        doc: "true (default), false (DISABLE TRIGGER), or replica / always (ENABLE REPLICA / ALWAYS TRIGGER).",
    },
    COMMENT,
];
pub(super) const FUNCTION_KEYS: &[Key] = &[
    Key { name: "function", value: Value::Text, doc: "Function name: schema.name." },
    Key { name: "external", value: Value::Flag, doc: "Called here, created elsewhere." },
    Key { name: "procedure", value: Value::Text, doc: "Procedure name: schema.name." },
    Key { name: "args", value: Value::List, doc: "Arguments, each as SQL: [mode] name type [default expr]." },
    Key { name: "returns", value: Value::Text, doc: "Return type as SQL: trigger, void, setof x, table(…)." },
    Key { name: "language", value: Value::Text, doc: "sql (default), plpgsql …" },
    Key { name: "security_definer", value: Value::Flag, doc: "SECURITY DEFINER." },
    Key { name: "volatility", value: Value::Word(VOLATILITIES), doc: "volatile (default), stable or immutable." },
    Key { name: "strict", value: Value::Flag, doc: "STRICT." },
    Key { name: "parallel", value: Value::Word(PARALLEL), doc: "PARALLEL unsafe (default), restricted or safe." },
    Key { name: "leakproof", value: Value::Flag, doc: "LEAKPROOF (only a superuser may declare it)." },
    Key { name: "cost", value: Value::Decimal, doc: "COST: estimated cost per call (default 100; 1 for C)." },
    Key {
        name: "rows",
        value: Value::Decimal,
        doc: "ROWS a set-returning function is estimated to give (default 1000).",
    },
    Key { name: "set", value: Value::MapOf(&Value::Scalar), doc: "SET setting = value on the function." },
    Key { name: "body", value: Value::Text, doc: "The body, kept byte for byte." },
    COMMENT,
    OWNER,
    Key {
        name: "grants",
        value: Value::MapOf(&Value::Privileges(FUNCTION_PRIVILEGES)),
        doc: "Role → [execute]; default: PUBLIC may execute.",
    },
    LINT,
];
pub(super) const VIEW_KEYS: &[Key] = &[
    Key { name: "view", value: Value::Text, doc: "View name: schema.name." },
    Key { name: "materialized", value: Value::Flag, doc: "A materialized view." },
    Key { name: "security_invoker", value: Value::Flag, doc: "WITH (security_invoker = …)." },
    Key {
        name: "with",
        value: Value::MapOf(&Value::Scalar),
        doc: "Other options, WITH (name = value): {security_barrier: true}, a materialized view's {fillfactor: 70}.",
    },
    Key { name: "columns", value: Value::Names, doc: "Column names of the view." },
    Key { name: "query", value: Value::Text, doc: "The SELECT." },
    Key { name: "check_option", value: Value::Word(CHECK_OPTIONS), doc: "WITH LOCAL / CASCADED CHECK OPTION." },
    INDEXES,
    COMMENT,
    OWNER,
    TABLE_GRANTS,
    LINT,
];
pub(super) const ENUM_KEYS: &[Key] = &[
    Key { name: "enum", value: Value::Text, doc: "Type name: schema.name." },
    Key { name: "values", value: Value::List, doc: "Labels, in order." },
    COMMENT,
    OWNER,
];
pub(super) const RANGE_KEYS: &[Key] = &[
    Key { name: "range", value: Value::Text, doc: "Range type name: schema.name." },
    Key {
        name: "options",
        value: Value::MapOf(&Value::Scalar),
        doc: "What CREATE TYPE … AS RANGE takes, by name: subtype (required), subtype_opclass, collation, \
              subtype_diff, multirange_type_name.",
    },
    COMMENT,
];
pub(super) const AGGREGATE_KEYS: &[Key] = &[
    Key { name: "aggregate", value: Value::Text, doc: "Aggregate name: schema.name." },
    Key { name: "args", value: Value::List, doc: "Argument types, in order; none for `name(*)`." },
    Key {
        name: "options",
        value: Value::MapOf(&Value::Scalar),
        doc: "What CREATE AGGREGATE takes, by name: sfunc and stype (required), sspace, finalfunc, \
              finalfunc_extra, finalfunc_modify, combinefunc, serialfunc, deserialfunc, initcond, msfunc, \
              minvfunc, mstype, msspace, mfinalfunc, mfinalfunc_extra, mfinalfunc_modify, minitcond, parallel.",
    },
    COMMENT,
];
pub(super) const COMPOSITE_KEYS: &[Key] = &[
    Key { name: "type", value: Value::Text, doc: "Composite type name: schema.name." },
    Key {
        name: "attributes",
        value: Value::MapOf(&Value::Text),
        doc: "Attribute name → its type as SQL, in order (`text`, `varchar(10) collate \"C\"`).",
    },
    COMMENT,
    OWNER,
];
pub(super) const SETUP_KEYS: &[Key] = &[
    Key {
        name: "extensions",
        value: Value::AnyOf(&[Value::MapOf(&Value::AnyOf(&[Value::Map(&EXTENSION), Value::Null])), Value::List]),
        doc: "Extensions, created IF NOT EXISTS: name → {schema}, or a list of names.",
    },
    Key { name: "schemas", value: Value::List, doc: "Schemas the project creates." },
    Key {
        name: "schema_grants",
        value: Value::MapOf(&Value::MapOf(&Value::Privileges(SCHEMA_PRIVILEGES))),
        doc: "Schema → role → privileges (usage, create) on a schema the project creates: the whole set.",
    },
    Key {
        name: "schema_comments",
        value: Value::MapOf(&Value::Text),
        doc: "Schema → COMMENT ON SCHEMA, for a schema the project creates.",
    },
    Key {
        name: "default_privileges",
        value: Value::MapOf(&Value::Map(&DEFAULT_PRIVILEGES)),
        doc: "ALTER DEFAULT PRIVILEGES: schema (`*` for all) → kind → role → privileges; each kind given replaces the platform's default.",
    },
    Key {
        name: "roles",
        value: Value::List,
        doc: "Roles created outside the migrations that grants and policies may name, besides the platform's.",
    },
];
pub(super) const DEFAULT_PRIVILEGE_KEYS: &[Key] = &[
    Key { name: "tables", value: Value::MapOf(&Value::Privileges(TABLE_PRIVILEGES)), doc: "Tables and views." },
    Key { name: "sequences", value: Value::MapOf(&Value::Privileges(SEQUENCE_PRIVILEGES)), doc: "Sequences." },
    Key {
        name: "functions",
        value: Value::MapOf(&Value::Privileges(FUNCTION_PRIVILEGES)),
        doc: "Functions and procedures.",
    },
    Key { name: "types", value: Value::MapOf(&Value::Privileges(TYPE_PRIVILEGES)), doc: "Types." },
    Key { name: "schemas", value: Value::MapOf(&Value::Privileges(SCHEMA_PRIVILEGES)), doc: "Schemas." },
];
pub(super) const EXTENSION_KEYS: &[Key] =
    &[Key { name: "schema", value: Value::Text, doc: "WITH SCHEMA: where its objects go." }];
pub(super) const DOMAIN_KEYS: &[Key] = &[
    Key { name: "domain", value: Value::Text, doc: "Domain name: schema.name." },
    Key { name: "type", value: Value::Text, doc: "Base type." },
    Key { name: "collate", value: Value::Text, doc: "Collation." },
    Key { name: "not_null", value: Value::Flag, doc: "NOT NULL." },
    Key { name: "default", value: Value::Scalar, doc: "DEFAULT expression." },
    Key { name: "checks", value: Value::MapOf(&Value::Scalar), doc: "Check name → expression on VALUE." },
    COMMENT,
];
pub(super) const SEQUENCE_KEYS: &[Key] = &[
    Key { name: "sequence", value: Value::Text, doc: "Sequence name: schema.name." },
    Key { name: "as", value: Value::Text, doc: "smallint, integer or bigint (default)." },
    Key { name: "increment", value: Value::Number, doc: "INCREMENT BY." },
    Key { name: "minvalue", value: Value::Number, doc: "MINVALUE." },
    Key { name: "maxvalue", value: Value::Number, doc: "MAXVALUE." },
    Key { name: "start", value: Value::Number, doc: "START WITH." },
    Key { name: "cache", value: Value::Number, doc: "CACHE." },
    Key { name: "cycle", value: Value::Flag, doc: "CYCLE." },
    Key { name: "owned_by", value: Value::Text, doc: "OWNED BY table.column: dropped with it." },
    COMMENT,
    OWNER,
    Key {
        name: "grants",
        value: Value::MapOf(&Value::Privileges(SEQUENCE_PRIVILEGES)),
        doc: "Role → privileges (usage, select, update): the whole set (without it, the default privileges').",
    },
];

const INDEX_ENTRY: Value = Value::AnyOf(&[Value::Text, Value::ListOf(&Value::Text), Value::Map(&INDEX)]);

const TABLE: Mapping = Mapping {
    name: "table_file",
    doc: "A table, with its policies, triggers and grants.",
    keys: TABLE_KEYS,
    external: EXTERNAL_TABLE_KEYS,
};
const COLUMN: Mapping = Mapping { name: "column", doc: "A column in long form.", keys: COLUMN_KEYS, external: &[] };
const PRIMARY_KEY: Mapping = Mapping { name: "primary_key", doc: "A named primary key.", keys: PK_KEYS, external: &[] };
const UNIQUE: Mapping = Mapping { name: "unique", doc: "A unique constraint.", keys: UNIQUE_KEYS, external: &[] };
const EXCLUDE: Mapping = Mapping { name: "exclude", doc: "An EXCLUDE constraint.", keys: EXCLUDE_KEYS, external: &[] };
const CHECK: Mapping = Mapping { name: "check", doc: "A check constraint.", keys: CHECK_KEYS, external: &[] };
const FOREIGN_KEY: Mapping = Mapping { name: "foreign_key", doc: "A foreign key.", keys: FK_KEYS, external: &[] };
const INDEX: Mapping = Mapping { name: "index", doc: "An index.", keys: INDEX_KEYS, external: &[] };
const REFERENCE: Mapping =
    Mapping { name: "reference", doc: "The target of a foreign key.", keys: REF_KEYS, external: &[] };
pub(super) const IDENTITY_KEYS: &[Key] = &[
    Key { name: "generated", value: Value::Word(IDENTITIES), doc: "always or by default (default: always)." },
    Key { name: "start", value: Value::Number, doc: "START WITH." },
    Key { name: "increment", value: Value::Number, doc: "INCREMENT BY." },
    Key { name: "minvalue", value: Value::Number, doc: "MINVALUE." },
    Key { name: "maxvalue", value: Value::Number, doc: "MAXVALUE." },
    Key { name: "cache", value: Value::Number, doc: "CACHE." },
    Key { name: "cycle", value: Value::Flag, doc: "CYCLE." },
];
const IDENTITY: Mapping = Mapping {
    name: "identity",
    doc: "An identity with the options of its sequence: {generated: always, start: 1000}.",
    keys: IDENTITY_KEYS,
    external: &[],
};
const CONSTRAINT_NAMES: Mapping = Mapping {
    name: "constraint_names",
    doc: "Names of a column's constraints.",
    keys: CONSTRAINT_NAME_KEYS,
    external: &[],
};
const POLICY: Mapping =
    Mapping { name: "policy", doc: "A row level security policy.", keys: POLICY_KEYS, external: &[] };
const TRIGGER: Mapping = Mapping { name: "trigger", doc: "A trigger.", keys: TRIGGER_KEYS, external: &[] };
const FUNCTION: Mapping = Mapping {
    name: "function_file",
    doc: "A function or procedure.",
    keys: FUNCTION_KEYS,
    external: EXTERNAL_FUNCTION_KEYS,
};
const VIEW: Mapping = Mapping { name: "view_file", doc: "A view.", keys: VIEW_KEYS, external: &[] };
const ENUM: Mapping = Mapping { name: "enum_file", doc: "An enum type.", keys: ENUM_KEYS, external: &[] };
const COMPOSITE: Mapping = Mapping { name: "type_file", doc: "A composite type.", keys: COMPOSITE_KEYS, external: &[] };
const RANGE: Mapping = Mapping { name: "range_file", doc: "A range type.", keys: RANGE_KEYS, external: &[] };
const AGGREGATE: Mapping =
    Mapping { name: "aggregate_file", doc: "An aggregate function.", keys: AGGREGATE_KEYS, external: &[] };
const DOMAIN: Mapping = Mapping { name: "domain_file", doc: "A domain.", keys: DOMAIN_KEYS, external: &[] };
const SEQUENCE: Mapping = Mapping { name: "sequence_file", doc: "A sequence.", keys: SEQUENCE_KEYS, external: &[] };
const PUBLICATION: Mapping = Mapping {
    name: "publication_file",
    doc: "A publication (supabase_realtime is the platform's: declare it only to change its options).",
    keys: PUBLICATION_KEYS,
    external: &[],
};
const CRON: Mapping = Mapping {
    name: "cron_file",
    doc: "A pg_cron job, scheduled by name (needs the pg_cron extension).",
    keys: CRON_KEYS,
    external: &[],
};
const PUBLISHED: Mapping =
    Mapping { name: "published", doc: "A table's part in a publication.", keys: PUBLISHED_KEYS, external: &[] };
const REPLICA_INDEX: Mapping =
    Mapping { name: "replica_index", doc: "REPLICA IDENTITY USING INDEX.", keys: REPLICA_INDEX_KEYS, external: &[] };
const SETUP: Mapping =
    Mapping { name: "setup_file", doc: "Extensions, schemas and default privileges.", keys: SETUP_KEYS, external: &[] };
const DEFAULT_PRIVILEGES: Mapping = Mapping {
    name: "default_privileges",
    doc: "What new objects of each kind start with in a schema.",
    keys: DEFAULT_PRIVILEGE_KEYS,
    external: &[],
};
const EXTENSION: Mapping = Mapping { name: "extension", doc: "An extension.", keys: EXTENSION_KEYS, external: &[] };

/// The JSON Schema (draft-07, which editors' YAML support reads best) of a schema file.
pub fn json_schema() -> Json {
    let mut defs = BTreeMap::new();
    let mut files: Vec<Json> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for kind in KINDS {
        if seen.contains(&kind.mapping.name) {
            continue;
        }
        seen.push(kind.mapping.name);
        files.push(mapping_ref(kind.mapping, &mut defs));
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "schemagen schema file",
        "description": "One object of a schemagen schema: a table, view, function, procedure, enum, domain, sequence, composite type, publication, pg_cron job, or extensions and schemas. Generated by `schemagen schema-json`.",
        "oneOf": files,
        "definitions": defs,
    })
}

fn mapping_ref(mapping: &'static Mapping, defs: &mut BTreeMap<&'static str, Json>) -> Json {
    if !defs.contains_key(mapping.name) {
        // Reserved first, so a mapping reached again while its keys are written is a ref.
        defs.insert(mapping.name, Json::Null);
        let mut properties = Map::new();
        for key in mapping.keys {
            let mut schema = value_schema(&key.value, defs);
            schema.as_object_mut().expect("value schemas are objects").insert("description".into(), key.doc.into());
            properties.insert(key.name.into(), schema);
        }
        let mut def = json!({
            "type": "object",
            "description": mapping.doc,
            "properties": properties,
            "additionalProperties": false,
        });
        let kinds: Vec<Json> =
            KINDS.iter().filter(|k| k.mapping.name == mapping.name).map(|k| json!({ "required": [k.key] })).collect();
        if !kinds.is_empty() {
            def["anyOf"] = kinds.into();
        }
        if !mapping.external.is_empty() {
            def["if"] = json!({ "properties": { "external": { "enum": [true, "true", "yes", "on"] } }, "required": ["external"] });
            def["then"] = json!({ "propertyNames": { "enum": mapping.external } });
        }
        defs.insert(mapping.name, def);
    }
    json!({ "$ref": format!("#/definitions/{}", mapping.name) })
}

/// Each word as written and in capitals: the loader reads them in any case.
fn words(list: &[&str]) -> Json {
    let mut all: Vec<String> = list.iter().map(|w| w.to_lowercase()).collect();
    all.extend(list.iter().map(|w| w.to_uppercase()));
    json!({ "enum": all })
}

fn one_or_list(item: Json) -> Json {
    json!({ "anyOf": [item.clone(), { "type": "array", "items": item }] })
}

fn value_schema(value: &'static Value, defs: &mut BTreeMap<&'static str, Json>) -> Json {
    let scalar = || json!({ "type": ["string", "number", "boolean"] });
    match value {
        Value::Text => json!({ "type": "string" }),
        Value::Scalar => scalar(),
        Value::Flag => {
            json!({ "anyOf": [{ "type": "boolean" }, { "enum": ["true", "false", "yes", "no", "on", "off"] }] })
        }
        Value::Number => json!({ "type": ["integer", "string"] }),
        Value::Decimal => json!({ "type": ["number", "string"] }),
        Value::Word(list) => words(list),
        Value::Pattern(pattern) => json!({ "type": "string", "pattern": pattern }),
        Value::Words(list) => one_or_list(words(list)),
        Value::Privileges(list) => {
            let mut all = vec!["all"];
            all.extend(list.iter());
            one_or_list(words(&all))
        }
        Value::Names => one_or_list(json!({ "type": "string" })),
        Value::List => one_or_list(scalar()),
        Value::Map(m) => mapping_ref(m, defs),
        Value::MapOf(v) => json!({ "type": "object", "additionalProperties": value_schema(v, defs) }),
        Value::ListOf(v) => json!({ "type": "array", "items": value_schema(v, defs) }),
        Value::AnyOf(vs) => json!({ "anyOf": vs.iter().map(|v| value_schema(v, defs)).collect::<Vec<_>>() }),
        Value::Null => json!({ "type": "null" }),
        Value::Rls => rls_schema(),
        Value::Access => access_schema(),
    }
}

/// `rls:` as the loader reads it: a switch, a preset's name, or `{preset, force, options…}`
/// with the options of that preset.
fn rls_schema() -> Json {
    let names: Vec<&str> = super::presets::PRESETS.iter().map(|(p, _)| *p).collect();
    let mut switches: Vec<&str> = RLS_SWITCHES.to_vec();
    switches.extend(&names);
    let mapped: Vec<Json> = super::presets::PRESETS
        .iter()
        .map(|(preset, options)| {
            let mut properties = Map::new();
            properties.insert("preset".into(), words(&[preset]));
            properties.insert("force".into(), value_schema(&Value::Flag, &mut BTreeMap::new()));
            for (option, _) in options.iter() {
                properties.insert((*option).into(), json!({ "type": "string" }));
            }
            json!({ "type": "object", "properties": properties, "required": ["preset"], "additionalProperties": false })
        })
        .collect();
    json!({ "anyOf": [value_schema(&Value::Flag, &mut BTreeMap::new()), words(&switches), { "oneOf": mapped }] })
}

/// `access:` as the loader reads it (src/source/yaml/access.rs): each role a rule, or a
/// rule per command; each command a role or rule, or a list of them.
fn access_schema() -> Json {
    const NAME: &str = r"[a-z_][a-z0-9_$]*";
    let rule = format!(
        r"^ *(none|all|own\( *{NAME} *\)|workspace\( *{NAME} +via +({NAME}\.)?{NAME} *(\( *{NAME} *, *{NAME} *\))? *\)) *$"
    );
    let rule = json!({ "type": "string", "pattern": rule });
    let commands = ["select", "insert", "update", "delete"];
    let per_command: Map<String, Json> = commands.iter().map(|c| ((*c).to_string(), rule.clone())).collect();
    let by_role =
        json!({ "anyOf": [rule, { "type": "object", "properties": per_command, "additionalProperties": false }] });
    let roles = ["anon", "authenticated", "service_role"];
    let entry = json!({ "anyOf": [{ "enum": roles }, rule] });
    let mut properties = Map::new();
    for role in roles {
        properties.insert(role.into(), by_role.clone());
    }
    for command in commands {
        properties.insert(command.into(), one_or_list(entry.clone()));
    }
    json!({ "type": "object", "properties": properties, "additionalProperties": false })
}
