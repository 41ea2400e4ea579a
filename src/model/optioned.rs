//! Objects PostgreSQL defines by a list of options: range types (`CREATE TYPE r AS RANGE
//! (subtype = …)`) and aggregates (`CREATE AGGREGATE a(int) (sfunc = …, stype = …)`). Each
//! option is kept by what its value names, so that render quotes it as what it is and the
//! plan knows which functions and types the object needs.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{DataType, QualifiedName, Routine};

/// What the value of an option is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A type (`stype = integer[]`).
    Type,
    /// A function, by name (`sfunc = int4pl`): one the project declares, or the platform's.
    Function,
    /// An operator class or a collation, by name.
    Name,
    /// A string literal (`initcond = '{}'`).
    Text,
    /// A whole number (`sspace = 64`).
    Number,
    /// One of a few keywords, upper-case (`parallel = safe`).
    Word(&'static [&'static str]),
    /// Present or not (`finalfunc_extra`).
    Flag,
}

const MODIFY: &[&str] = &["READ_ONLY", "SHAREABLE", "READ_WRITE"];
const PARALLEL: &[&str] = &["SAFE", "RESTRICTED", "UNSAFE"];

/// The options of `CREATE TYPE … AS RANGE` that the model holds. `canonical` needs a shell
/// type created first, which the model does not hold.
pub const RANGE_OPTIONS: &[(&str, OptionKind)] = &[
    ("subtype", OptionKind::Type),
    ("subtype_opclass", OptionKind::Name),
    ("collation", OptionKind::Name),
    ("subtype_diff", OptionKind::Function),
    ("multirange_type_name", OptionKind::Name),
];

/// The options of `CREATE AGGREGATE` that the model holds (all but `sortop`, an operator,
/// and `hypothetical`, of ordered-set aggregates).
pub const AGGREGATE_OPTIONS: &[(&str, OptionKind)] = &[
    ("sfunc", OptionKind::Function),
    ("stype", OptionKind::Type),
    ("sspace", OptionKind::Number),
    ("finalfunc", OptionKind::Function),
    ("finalfunc_extra", OptionKind::Flag),
    ("finalfunc_modify", OptionKind::Word(MODIFY)),
    ("combinefunc", OptionKind::Function),
    ("serialfunc", OptionKind::Function),
    ("deserialfunc", OptionKind::Function),
    ("initcond", OptionKind::Text),
    ("msfunc", OptionKind::Function),
    ("minvfunc", OptionKind::Function),
    ("mstype", OptionKind::Type),
    ("msspace", OptionKind::Number),
    ("mfinalfunc", OptionKind::Function),
    ("mfinalfunc_extra", OptionKind::Flag),
    ("mfinalfunc_modify", OptionKind::Word(MODIFY)),
    ("minitcond", OptionKind::Text),
    ("parallel", OptionKind::Word(PARALLEL)),
];

/// The kind of option `name` of a list, if the model holds it.
pub fn option_kind(options: &[(&str, OptionKind)], name: &str) -> Option<OptionKind> {
    options.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// One option's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum OptionValue {
    Type(DataType),
    /// A name as written, qualified or not (`int4pl`, `public.add_one`); the functions'
    /// names are resolved against the project's (see `OptionValue::function`).
    Name(Vec<String>),
    Text(String),
    Number(i64),
    Word(String),
    Flag,
}

/// The functions the options name (`sfunc`, `subtype_diff`, …), an unqualified name in
/// `public` as the migrations' search path finds it (a built-in one, `int4pl`, is then a
/// function no step provides, which the plan takes to exist).
pub fn option_functions(options: &Options) -> impl Iterator<Item = QualifiedName> + '_ {
    options.iter().filter_map(|(key, value)| {
        let known = option_kind(RANGE_OPTIONS, key).or_else(|| option_kind(AGGREGATE_OPTIONS, key));
        match (known, value) {
            (Some(OptionKind::Function), OptionValue::Name(parts)) => match parts.as_slice() {
                [schema, name] => Some(QualifiedName::new(schema.clone(), name.clone())),
                [name] => Some(QualifiedName::new("public", name.clone())),
                _ => None,
            },
            _ => None,
        }
    })
}

/// Options by name, in name order.
pub type Options = BTreeMap<String, OptionValue>;

/// A range type; its multirange type (`<name>multirange`, or `multirange_type_name`) and
/// the constructor functions of both come and go with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeType {
    pub name: QualifiedName,
    pub options: Options,
    pub comment: Option<String>,
}

impl RangeType {
    /// Its multirange type: `multirange_type_name`, else PostgreSQL's name for it (the
    /// first `range` in the name replaced by `multirange`, or `_multirange` appended).
    pub fn multirange(&self) -> QualifiedName {
        if let Some(OptionValue::Name(parts)) = self.options.get("multirange_type_name") {
            let mut parts = parts.clone();
            let name = parts.pop().unwrap_or_default();
            return QualifiedName::new(parts.pop().unwrap_or_else(|| self.name.schema.clone()), name);
        }
        let name = match self.name.name.find("range") {
            Some(i) => format!("{}multi{}", &self.name.name[..i], &self.name.name[i..]),
            None => format!("{}_multirange", self.name.name),
        };
        QualifiedName::new(self.name.schema.clone(), name)
    }
}

/// An aggregate function (not an ordered-set one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    pub name: QualifiedName,
    /// Its argument types; none for `agg(*)`.
    pub args: Vec<DataType>,
    pub options: Options,
    pub comment: Option<String>,
}

impl Aggregate {
    /// How DROP, GRANT and COMMENT name it (`ROUTINE` takes aggregates too).
    pub fn routine(&self) -> Routine {
        Routine {
            name: self.name.clone(),
            procedure: false,
            input_types: self.args.iter().map(DataType::sql).collect(),
        }
    }

    /// The key of `Schema::aggregates`: name and argument types, as functions are keyed.
    pub fn key(&self) -> String {
        self.routine().to_string()
    }
}

/// The types an object's options name that are not built in.
pub fn option_types(options: &Options) -> impl Iterator<Item = &DataType> {
    options.values().filter_map(|v| match v {
        OptionValue::Type(t) if !t.builtin => Some(t),
        _ => None,
    })
}
