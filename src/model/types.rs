//! Column types, in the canonical spelling `format_type` uses, so `int4`, `int` and
//! `integer` are one type and `varchar(20)` is `character varying(20)`.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::ident::quote_ident;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataType {
    /// Only for types outside pg_catalog and public (`extensions.vector`).
    pub schema: Option<String>,
    /// Canonical name: `integer`, `character varying`, or the user type's name.
    pub name: String,
    pub modifiers: Vec<String>,
    pub array_dims: usize,
    /// Built-in names are SQL keywords and never quoted; user types are identifiers.
    pub builtin: bool,
}

/// Internal and alias spellings → the canonical name, for the types PostgreSQL spells
/// with keywords. Types not listed keep their own name (`text`, `uuid`, `jsonb`).
const ALIASES: &[(&str, &str)] = &[
    ("int2", "smallint"),
    ("smallint", "smallint"),
    ("int4", "integer"),
    ("int", "integer"),
    ("integer", "integer"),
    ("int8", "bigint"),
    ("bigint", "bigint"),
    ("float4", "real"),
    ("real", "real"),
    ("float8", "double precision"),
    ("double precision", "double precision"),
    ("float", "double precision"),
    ("decimal", "numeric"),
    ("numeric", "numeric"),
    ("bool", "boolean"),
    ("boolean", "boolean"),
    ("varchar", "character varying"),
    ("character varying", "character varying"),
    ("bpchar", "character"),
    ("char", "character"),
    ("character", "character"),
    ("timestamptz", "timestamp with time zone"),
    ("timestamp", "timestamp without time zone"),
    ("timetz", "time with time zone"),
    ("time", "time without time zone"),
    ("varbit", "bit varying"),
    ("serial4", "serial"),
    ("serial", "serial"),
    ("serial8", "bigserial"),
    ("bigserial", "bigserial"),
    ("serial2", "smallserial"),
    ("smallserial", "smallserial"),
];

/// Built-in types (and the types of extensions Supabase ships) known without a declaration.
const KNOWN: &[&str] = &[
    "text",
    "uuid",
    "json",
    "jsonb",
    "date",
    "bytea",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "money",
    "xml",
    "tsvector",
    "tsquery",
    "point",
    "line",
    "lseg",
    "box",
    "path",
    "polygon",
    "circle",
    "oid",
    "regclass",
    "regproc",
    "regtype",
    "regrole",
    "name",
    "interval",
    "bit",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "int4multirange",
    "int8multirange",
    "nummultirange",
    "tsmultirange",
    "tstzmultirange",
    "datemultirange",
    "pg_lsn",
    "txid_snapshot",
    "pg_snapshot",
    "\"char\"",
    "citext",
    "vector",
    "halfvec",
    "sparsevec",
    "hstore",
    "ltree",
    "lquery",
    "geometry",
    "geography",
    "cube",
    // Pseudo-types, which only functions name (RETURNS, OUT parameters).
    "record",
    "void",
    "trigger",
    "event_trigger",
    "anyelement",
    "anyarray",
    "anynonarray",
    "anyenum",
    "anyrange",
    "anymultirange",
    "anycompatible",
    "anycompatiblearray",
    "anycompatiblenonarray",
    "anycompatiblerange",
    "anycompatiblemultirange",
    "internal",
    "cstring",
];

impl DataType {
    /// Builds the canonical type from the parts pg_query gives (`["pg_catalog", "int4"]`).
    pub fn from_parts(mut names: Vec<String>, modifiers: Vec<String>, array_dims: usize) -> Self {
        let last = names.pop().unwrap_or_default();
        let schema = names.pop();
        let catalog = matches!(schema.as_deref(), None | Some("pg_catalog"));
        if catalog {
            // A bare `bpchar` is unbounded; only `char`/`character` imply a length.
            let canonical = if last == "bpchar" && modifiers.is_empty() {
                None
            } else {
                ALIASES.iter().find(|(alias, _)| *alias == last).map(|(_, c)| *c)
            };
            if let Some(canonical) = canonical {
                return DataType { schema: None, name: canonical.to_string(), modifiers, array_dims, builtin: true };
            }
            if KNOWN.contains(&last.as_str()) || schema.is_some() || last == "bpchar" {
                return DataType { schema: None, name: last, modifiers, array_dims, builtin: true };
            }
        }
        DataType { schema: schema.filter(|s| s != "public"), name: last, modifiers, array_dims, builtin: false }
    }

    /// True for the serial pseudo-types, which stand for an integer with a sequence default.
    pub fn is_serial(&self) -> bool {
        self.builtin && matches!(self.name.as_str(), "serial" | "bigserial" | "smallserial")
    }

    /// The integer type a serial stands for (the column's type in the catalog), or itself.
    pub fn without_serial(&self) -> DataType {
        let base = match self.name.as_str() {
            _ if !self.is_serial() => return self.clone(),
            "smallserial" => "smallint",
            "bigserial" => "bigint",
            _ => "integer",
        };
        DataType::from_parts(vec![base.to_string()], vec![], 0)
    }

    pub fn sql(&self) -> String {
        let mods = if self.modifiers.is_empty() { String::new() } else { format!("({})", self.modifiers.join(",")) };
        let mut out = if self.builtin {
            match self.name.split_once(" with") {
                // The precision of time types sits before the zone words.
                Some((head, zone)) if head == "timestamp" || head == "time" => {
                    format!("{head}{mods} with{zone}")
                }
                _ => format!("{}{mods}", self.name),
            }
        } else {
            let name = match &self.schema {
                Some(s) => format!("{}.{}", quote_ident(s), quote_ident(&self.name)),
                None => quote_ident(&self.name),
            };
            format!("{name}{mods}")
        };
        for _ in 0..self.array_dims {
            out.push_str("[]");
        }
        out
    }

    /// The short spelling people write (`timestamptz`, `varchar(20)`), for YAML output.
    pub fn short_sql(&self) -> String {
        const SHORT: &[(&str, &str)] = &[
            ("timestamp with time zone", "timestamptz"),
            ("timestamp without time zone", "timestamp"),
            ("time with time zone", "timetz"),
            ("time without time zone", "time"),
            ("character varying", "varchar"),
        ];
        match SHORT.iter().find(|(long, _)| self.builtin && *long == self.name) {
            Some((_, short)) => DataType { name: short.to_string(), ..self.clone() }.sql(),
            None => self.sql(),
        }
    }

    /// Changes between these types need no USING: PostgreSQL has an assignment cast.
    pub fn casts_implicitly_to(&self, to: &DataType) -> bool {
        const TEXTUAL: &[&str] = &["text", "character varying", "character", "bpchar", "citext"];
        const NUMERIC: &[&str] = &["smallint", "integer", "bigint", "numeric", "real", "double precision"];
        if self.array_dims != to.array_dims {
            return false;
        }
        if self.name == to.name && self.schema == to.schema {
            return true;
        }
        let both = |set: &[&str]| set.contains(&self.name.as_str()) && set.contains(&to.name.as_str());
        both(TEXTUAL) || both(NUMERIC) || (self.name.starts_with("timestamp") && to.name.starts_with("timestamp"))
    }
}

impl DataType {
    /// Whether every value of `self` converts to `to` and back unchanged: a change of type
    /// that cannot lose data (a longer varchar, a wider integer, anything to text).
    pub fn widens_to(&self, to: &DataType) -> bool {
        const INTEGERS: &[&str] = &["smallint", "integer", "bigint", "numeric"];
        if self.is_serial() || to.is_serial() {
            return self.without_serial().widens_to(&to.without_serial());
        }
        if self.array_dims != to.array_dims {
            return false;
        }
        let rank = |t: &DataType| INTEGERS.iter().position(|n| *n == t.name);
        let number = |m: Option<&String>| m.and_then(|m| m.trim().parse::<u32>().ok());
        if self.name == to.name && self.schema == to.schema {
            let (a, b) = (&self.modifiers, &to.modifiers);
            return match self.name.as_str() {
                // numeric(p, s): as many digits before and after the point, or unbounded.
                "numeric" => {
                    b.is_empty()
                        || (!a.is_empty() && {
                            let (p1, s1) = (number(a.first()).unwrap_or(0), number(a.get(1)).unwrap_or(0));
                            let (p2, s2) = (number(b.first()).unwrap_or(0), number(b.get(1)).unwrap_or(0));
                            s2 >= s1 && p2.saturating_sub(s2) >= p1.saturating_sub(s1)
                        })
                }
                // character without a length is character(1).
                "character" => number(b.first()).unwrap_or(1) >= number(a.first()).unwrap_or(1),
                _ => b.is_empty() || (!a.is_empty() && number(b.first()) >= number(a.first())),
            };
        }
        if let (Some(a), Some(b)) = (rank(self), rank(to)) {
            return b > a && (to.name != "numeric" || to.modifiers.is_empty());
        }
        (to.name == "text" && to.builtin)
            || (self.name == "real" && to.name == "double precision")
            || (self.name == "timestamp without time zone" && to.name == "timestamp with time zone")
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql())
    }
}

impl Serialize for DataType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.sql())
    }
}
