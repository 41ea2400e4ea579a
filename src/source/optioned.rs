//! Replay of range types (`CREATE TYPE r AS RANGE (…)`) and aggregates (`CREATE AGGREGATE
//! a(int) (…)`, `DROP AGGREGATE`, `ALTER AGGREGATE … RENAME TO`, `COMMENT ON AGGREGATE`).
//! Range types are dropped, renamed and commented on with the other types (ddl.rs).

use pg_query::NodeEnum;
use pg_query::protobuf::{self, ObjectType};

use crate::model::optioned::{
    AGGREGATE_OPTIONS, Aggregate, OptionKind, OptionValue, Options, RANGE_OPTIONS, RangeType, option_kind,
};
use crate::model::{QualifiedName, Schema};
use crate::pgtree::{data_type, strings};
use crate::source::composite::type_exists;
use crate::source::ddl::Outcome;
use crate::source::routines::{def_elems, object_with_args, qualified_names};

/// A name without the `public` or `pg_catalog` it may be written with: the migrations'
/// search path finds it there either way, and the live reader writes it bare.
fn unqualified(mut parts: Vec<String>) -> Vec<String> {
    if parts.len() == 2 && (parts[0] == "public" || parts[0] == "pg_catalog") {
        parts.remove(0);
    }
    parts
}

/// The options of a definition, each read as what its kind says it is; the first one the
/// model does not hold, or whose value is not of its kind, is the error.
fn read_options(known: &[(&str, OptionKind)], nodes: &[pg_query::Node], what: &str) -> Result<Options, String> {
    let mut options = Options::new();
    for d in def_elems(nodes) {
        let name = d.defname.to_lowercase();
        let unknown = || format!("{what} with option {name}, which the model does not hold");
        let kind = option_kind(known, &name).ok_or_else(unknown)?;
        let arg = d.arg.as_deref().and_then(|a| a.node.as_ref());
        let value = match (kind, arg) {
            (OptionKind::Flag, None) => OptionValue::Flag,
            (OptionKind::Type, Some(NodeEnum::TypeName(t))) => OptionValue::Type(data_type(t)),
            (OptionKind::Function | OptionKind::Name, Some(NodeEnum::TypeName(t))) => {
                OptionValue::Name(unqualified(strings(&t.names)))
            }
            (OptionKind::Name, Some(NodeEnum::String(s))) => OptionValue::Name(vec![s.sval.clone()]),
            (OptionKind::Text, Some(NodeEnum::String(s))) => OptionValue::Text(s.sval.clone()),
            (OptionKind::Text, Some(NodeEnum::Integer(i))) => OptionValue::Text(i.ival.to_string()),
            (OptionKind::Number, Some(NodeEnum::Integer(i))) => OptionValue::Number(i.ival.into()),
            (OptionKind::Word(words), Some(NodeEnum::TypeName(t))) => {
                let word = strings(&t.names).join(".").to_uppercase();
                if !words.contains(&word.as_str()) {
                    return Err(unknown());
                }
                OptionValue::Word(word)
            }
            _ => return Err(unknown()),
        };
        options.insert(name, value);
    }
    Ok(options)
}

pub fn create_range(schema: &mut Schema, s: &protobuf::CreateRangeStmt) -> Outcome {
    let name = qualified_names(&strings(&s.type_name));
    if type_exists(schema, &name) {
        return Outcome::Rejected {
            message: format!("type {name} already exists"),
            hint: "PostgreSQL refuses to create it again: drop it first, or guard it in a DO block",
        };
    }
    let options = match read_options(RANGE_OPTIONS, &s.params, "CREATE TYPE AS RANGE") {
        Ok(o) => o,
        Err(e) => return Outcome::Unresolved(e),
    };
    if !options.contains_key("subtype") {
        return Outcome::Rejected {
            message: format!("range type {name} has no subtype"),
            hint: "PostgreSQL refuses a range type without `subtype = …`",
        };
    }
    schema.ranges.insert(name.clone(), RangeType { name, options, comment: None });
    Outcome::Applied
}

/// `CREATE AGGREGATE`; the other definitions (operators, text search, collations) are not
/// modelled.
pub fn define(schema: &mut Schema, s: &protobuf::DefineStmt) -> Outcome {
    if s.kind != ObjectType::ObjectAggregate as i32 {
        return Outcome::Skipped("CREATE OPERATOR, COLLATION or TEXT SEARCH");
    }
    let name = qualified_names(&strings(&s.defnames));
    // args: the argument list, then the number of direct arguments of an ordered-set
    // aggregate (-1 for a plain one).
    let (params, ordered) = match s.args.as_slice() {
        [params, ordered] => (params, ordered),
        _ => return Outcome::Unresolved(format!("CREATE AGGREGATE {name} in the old syntax")),
    };
    if !matches!(ordered.node.as_ref(), Some(NodeEnum::Integer(i)) if i.ival == -1) || s.oldstyle {
        return Outcome::Unresolved(format!("CREATE AGGREGATE {name}: ordered-set aggregates are not modelled"));
    }
    let args = match params.node.as_ref() {
        Some(NodeEnum::List(l)) => l
            .items
            .iter()
            .filter_map(|p| match p.node.as_ref()? {
                NodeEnum::FunctionParameter(f) => f.arg_type.as_ref().map(data_type),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let options = match read_options(AGGREGATE_OPTIONS, &s.definition, "CREATE AGGREGATE") {
        Ok(o) => o,
        Err(e) => return Outcome::Unresolved(e),
    };
    if !options.contains_key("sfunc") || !options.contains_key("stype") {
        return Outcome::Rejected {
            message: format!("aggregate {name} needs sfunc and stype"),
            hint: "PostgreSQL refuses an aggregate without `sfunc = …, stype = …`",
        };
    }
    let aggregate = Aggregate { name, args, options, comment: None };
    let key = aggregate.key();
    if (schema.aggregates.contains_key(&key) && !s.replace) || schema.functions.keys().any(|k| k.0 == key) {
        return Outcome::Rejected {
            message: format!("function {key} already exists"),
            hint: "PostgreSQL refuses to create it again: write CREATE OR REPLACE AGGREGATE, or drop it first",
        };
    }
    schema.aggregates.insert(key, aggregate);
    Outcome::Applied
}

/// The keys of the aggregates `f(args)` (all of that name without arguments) names.
fn aggregate_keys(schema: &Schema, owa: &protobuf::ObjectWithArgs) -> Vec<String> {
    let (name, args) = object_with_args(owa);
    match args {
        Some(args) => {
            let key = format!("{name}({})", args.join(", "));
            schema.aggregates.contains_key(&key).then_some(key).into_iter().collect()
        }
        None => schema.aggregates.iter().filter(|(_, a)| a.name == name).map(|(k, _)| k.clone()).collect(),
    }
}

fn object_of(node: Option<&pg_query::Node>) -> Option<&protobuf::ObjectWithArgs> {
    match node?.node.as_ref()? {
        NodeEnum::ObjectWithArgs(owa) => Some(owa),
        _ => None,
    }
}

pub fn drop_aggregates(schema: &mut Schema, s: &protobuf::DropStmt) -> Outcome {
    for owa in s.objects.iter().filter_map(|o| object_of(Some(o))) {
        let keys = aggregate_keys(schema, owa);
        if keys.is_empty() && !s.missing_ok {
            let (name, _) = object_with_args(owa);
            return Outcome::Unresolved(format!("DROP AGGREGATE {name}, which the model does not hold"));
        }
        for k in keys {
            schema.aggregates.remove(&k);
        }
    }
    Outcome::Applied
}

/// `ALTER AGGREGATE a(int) RENAME TO b`.
pub fn rename_aggregate(schema: &mut Schema, s: &protobuf::RenameStmt) -> Outcome {
    let Some(owa) = object_of(s.object.as_deref()) else { return Outcome::Skipped("ALTER AGGREGATE") };
    let keys = aggregate_keys(schema, owa);
    let [key] = keys.as_slice() else {
        return Outcome::Unresolved(format!(
            "ALTER AGGREGATE {}, which the model does not hold",
            object_with_args(owa).0
        ));
    };
    let mut aggregate = schema.aggregates.remove(key).expect("found");
    aggregate.name = QualifiedName::new(aggregate.name.schema.clone(), s.newname.clone());
    let new_key = aggregate.key();
    if schema.aggregates.contains_key(&new_key) || schema.functions.keys().any(|k| k.0 == new_key) {
        return Outcome::Rejected {
            message: format!("function {new_key} already exists"),
            hint: "PostgreSQL refuses to rename onto a name that is taken: drop or rename the other first",
        };
    }
    schema.aggregates.insert(new_key, aggregate);
    Outcome::Applied
}

/// `COMMENT ON AGGREGATE a(int) IS …`.
pub fn comment_aggregate(schema: &mut Schema, s: &protobuf::CommentStmt, text: Option<String>) -> Outcome {
    let Some(owa) = object_of(s.object.as_deref()) else { return Outcome::Skipped("COMMENT (other)") };
    let keys = aggregate_keys(schema, owa);
    if keys.is_empty() {
        return Outcome::Unresolved(format!("COMMENT ON AGGREGATE {}", object_with_args(owa).0));
    }
    for k in keys {
        if let Some(a) = schema.aggregates.get_mut(&k) {
            a.comment = text.clone();
        }
    }
    Outcome::Applied
}

#[cfg(test)]
mod tests {
    use crate::model::QualifiedName;
    use crate::model::optioned::OptionValue;

    #[test]
    fn ranges_and_aggregates_replay_with_their_options() {
        let s = crate::source::replayed(
            "create type floatrange as range (subtype = float8, subtype_diff = float8mi);
             create function add_one(int, int) returns int language sql as 'select $1 + $2 + 1';
             create aggregate total(int) (sfunc = public.add_one, stype = int, initcond = '0', parallel = safe);
             create aggregate gone(int) (sfunc = int4pl, stype = int);
             alter aggregate total(int) rename to summed;
             comment on aggregate summed(int) is 'Sums plus one';
             drop aggregate gone(integer);
             create aggregate odd(int order by int) (sfunc = int4pl, stype = int);
             create function twice(int, int) returns int language sql as 'select $1 + $2 * 2';
             create aggregate doubled(int) (sfunc = twice, stype = int);
             drop function twice(int, int) cascade;",
        );
        let r = &s.ranges[&QualifiedName::new("public", "floatrange")];
        assert_eq!(r.options["subtype_diff"], OptionValue::Name(vec!["float8mi".into()]));
        assert_eq!(s.aggregates.keys().collect::<Vec<_>>(), ["public.summed(integer)"]);
        // `public.add_one` and `add_one` are one function to the migrations' search path.
        assert_eq!(s.aggregates["public.summed(integer)"].options["sfunc"], OptionValue::Name(vec!["add_one".into()]));
        let a = &s.aggregates["public.summed(integer)"];
        assert_eq!(a.options["initcond"], OptionValue::Text("0".into()));
        assert_eq!(a.options["parallel"], OptionValue::Word("SAFE".into()));
        assert_eq!(a.comment.as_deref(), Some("Sums plus one"));
    }
}
