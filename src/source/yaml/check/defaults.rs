//! Defaults PostgreSQL refuses when the table is created: a string constant the type it is
//! read as cannot read (`integer default 'abc'`, `'abc'::integer`, `('x')::int`: constants
//! are converted as the default is parsed), and an expression whose type is known offline
//! (a cast, a constant, a call of a declared function) with no assignment cast to the
//! column's type (`integer default '12'::text`, `boolean default 1::boolean` is fine).
//!
//! Only what is certain is refused: the types below, by family, and the assignment casts
//! between the families, which are the same on every PostgreSQL version. Anything else (an
//! operator, an unqualified call that may be built in, a domain, an array) is not judged.

use pg_query::NodeEnum;
use pg_query::protobuf::a_const::Val;

use super::shapes::INTEGERS;
use crate::model::{DataType, QualifiedName, Schema};

/// The type families whose assignment casts are certain.
#[derive(Clone, Copy, PartialEq)]
enum Family {
    Number,
    Boolean,
    Uuid,
    /// text, varchar, char: every type is assigned to them (by its output function).
    Text,
}

fn family(ty: &DataType) -> Option<Family> {
    if !ty.builtin || ty.array_dims != 0 {
        return None;
    }
    match ty.name.as_str() {
        n if INTEGERS.contains(&n) => Some(Family::Number),
        "numeric" | "real" | "double precision" => Some(Family::Number),
        "boolean" => Some(Family::Boolean),
        "uuid" => Some(Family::Uuid),
        "text" | "character varying" | "character" => Some(Family::Text),
        _ => None,
    }
}

/// Why `default` cannot be the default of a column of type `ty`, when that is certain.
pub(super) fn problem(schema: &Schema, ty: &DataType, default: &str) -> Option<String> {
    let node = crate::pgtree::parse_expr(default).ok()?;
    let typed = match node.node.as_ref()? {
        NodeEnum::AConst(c) => return constant_problem(ty, c.val.as_ref()?),
        NodeEnum::TypeCast(tc) => {
            let target = crate::pgtree::data_type(tc.type_name.as_ref()?);
            if let Some(NodeEnum::AConst(c)) = tc.arg.as_deref().and_then(|a| a.node.as_ref())
                && let Some(Val::Sval(s)) = c.val.as_ref()
                && !reads(&target, &s.sval)
            {
                return Some(format!("'{}', which is not a valid {}", s.sval, target.sql()));
            }
            target
        }
        NodeEnum::FuncCall(f) => declared_result(schema, f)?,
        _ => return None,
    };
    let (from, to) = (family(&typed)?, family(ty)?);
    let assigned = from == to || to == Family::Text || (from, to) == (Family::Number, Family::Number);
    (!assigned).then(|| format!("of type {}, which {} cannot be assigned from", typed.sql(), ty.sql()))
}

/// The result type of a call of a function the project declares by its schema (so no
/// built-in of that name can be meant), when all its overloads return the same type.
fn declared_result(schema: &Schema, f: &pg_query::protobuf::FuncCall) -> Option<DataType> {
    let names: Vec<&str> = f.funcname.iter().filter_map(crate::pgtree::str_of).collect();
    let [in_schema, name] = names.as_slice() else { return None };
    let q = QualifiedName::new(*in_schema, *name);
    if !super::names::owned_functions(schema, in_schema) || schema.external_functions.contains(&q) {
        return None;
    }
    let mut returns = schema.functions.values().filter(|f| f.name == q).map(|f| f.returns.as_deref());
    let first = returns.next()??;
    if returns.any(|r| r != Some(first)) {
        return None;
    }
    let cast = crate::pgtree::parse_expr(&format!("NULL::{first}")).ok()?;
    match cast.node? {
        NodeEnum::TypeCast(tc) => Some(crate::pgtree::data_type(tc.type_name.as_ref()?)),
        _ => None,
    }
}

/// Why a bare constant cannot be stored in a column of type `ty`: a string its input
/// function refuses, or a number or boolean with no assignment cast to it.
fn constant_problem(ty: &DataType, val: &Val) -> Option<String> {
    match (val, family(ty)?) {
        (Val::Sval(s), _) => (!reads(ty, &s.sval)).then(|| format!("'{}', which is not a valid {}", s.sval, ty.sql())),
        (Val::Ival(_) | Val::Fval(_), Family::Boolean | Family::Uuid) => {
            Some(format!("a number, and {} cannot be assigned from one", ty.name))
        }
        (Val::Boolval(_), Family::Number | Family::Uuid) => {
            Some(format!("a boolean, and {} cannot be assigned from one", ty.name))
        }
        _ => None,
    }
}

/// Whether the input function of `ty` reads `text`; true when that is not certain.
fn reads(ty: &DataType, text: &str) -> bool {
    if family(ty).is_none() {
        return true;
    }
    let v = text.trim();
    let name = ty.name.as_str();
    let numeric = INTEGERS.contains(&name) || matches!(name, "numeric" | "real" | "double precision");
    // Newer servers read `1_000` and `0x10` as integers too: not refused here.
    let lower = v.to_lowercase();
    if numeric && (v.contains('_') || ["0x", "0o", "0b"].iter().any(|p| lower.starts_with(p))) {
        return true;
    }
    match name {
        "smallint" => v.parse::<i16>().is_ok(),
        "integer" => v.parse::<i32>().is_ok(),
        "bigint" => v.parse::<i64>().is_ok(),
        "numeric" | "real" | "double precision" => {
            v.parse::<f64>().is_ok()
                || ["nan", "infinity", "-infinity", "+infinity", "inf", "-inf"].contains(&lower.as_str())
        }
        "boolean" => reads_as_boolean(v),
        "uuid" => reads_as_uuid(v),
        _ => true,
    }
}

/// boolin: a prefix of true, false, yes or no, on, off, 1 or 0.
fn reads_as_boolean(v: &str) -> bool {
    let v = v.to_lowercase();
    !v.is_empty()
        && (["true", "false", "yes", "no"].iter().any(|w| w.starts_with(&v))
            || ["on", "of", "off", "1", "0"].contains(&v.as_str()))
}

/// uuid_in: 32 hexadecimal digits, in groups of four joined by `-` at will, in braces or not.
fn reads_as_uuid(v: &str) -> bool {
    let inner = v.strip_prefix('{').and_then(|r| r.strip_suffix('}')).unwrap_or(v);
    let digits: String = inner.chars().filter(|c| *c != '-').collect();
    digits.len() == 32
        && digits.chars().all(|c| c.is_ascii_hexdigit())
        && !inner.starts_with('-')
        && !inner.ends_with('-')
        && !inner.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(name: &str) -> DataType {
        DataType::from_parts(vec![name.to_string()], vec![], 0)
    }

    /// Each pair is checked against PostgreSQL in tests/refused_by_postgres.rs too.
    #[test]
    fn only_defaults_of_a_certain_type_are_refused() {
        let schema = Schema::default();
        let refused = [
            ("int4", "'abc'"),
            ("int2", "'40000'"),
            ("bool", "'maybe'"),
            ("bool", "1"),
            ("uuid", "'not-a-uuid'"),
            ("int8", "true"),
            ("numeric", "'1,5'"),
            ("int4", "'abc'::integer"),
            ("int4", "('x')::int"),
            ("text", "cast('ab' as uuid)"),
            ("int4", "'12'::text"),
            ("int4", "null::text"),
            ("int4", "now()::text"),
            ("int4", "1::boolean"),
            ("uuid", "5::bigint::text"),
            ("numeric", "true::boolean"),
        ];
        for (t, default) in refused {
            assert!(problem(&schema, &ty(t), default).is_some(), "{t} default {default}");
        }
        let accepted = [
            ("int4", "' 42 '"),
            ("int4", "'1_000'"),
            ("bool", "'Y'"),
            ("bool", "'of'"),
            ("uuid", "'{a0eebc99-9c0b4ef8-bb6d-6bb9bd380a11}'"),
            ("numeric", "'NaN'"),
            ("int4", "now()"),
            ("text", "1"),
            ("text", "true"),
            ("int4", "'12'::integer"),
            ("int4", "true::integer"),
            ("bool", "1::boolean"),
            ("text", "1::integer"),
            ("int8", "1.5::numeric"),
            ("int2", "99999::integer"),
            ("int4", "'abc'::text::integer"),
            ("jsonb", "'1'::text"),
            ("int4", "lower('x')"),
        ];
        for (t, default) in accepted {
            assert_eq!(problem(&schema, &ty(t), default), None, "{t} default {default}");
        }
    }
}
