//! Shapes PostgreSQL rejects whatever the names: a second primary key, a policy clause its
//! command does not take, a trigger timing the table cannot have, identity on a type that
//! does not count, generated columns built on generated columns, type modifiers out of
//! range, a default the column's type cannot take (`defaults`), enum labels (twice, or too long), too many columns,
//! and platform tables declared as the project's own.

use std::collections::BTreeSet;

use super::Locator;
use crate::diagnostic::Diagnostic;
use crate::model::{Column, ConstraintKind, DataType, ObjectId, Schema, Table};
use crate::source::yaml::PLATFORM_SCHEMAS;

/// MaxHeapAttributeNumber: the most columns a table can have.
const MAX_COLUMNS: usize = 1600;

/// NAMEDATALEN - 1: the longest enum label PostgreSQL stores.
const MAX_LABEL_BYTES: usize = 63;

/// The longest `varchar(n)` / `char(n)` (MaxAttrSize).
const MAX_LENGTH: i64 = 10_485_760;

/// NUMERIC_MAX_PRECISION, and the range of a scale (NUMERIC_MIN_SCALE..=NUMERIC_MAX_SCALE).
const MAX_PRECISION: i64 = 1000;
const SCALE: std::ops::RangeInclusive<i64> = -1000..=1000;

pub(super) const INTEGERS: &[&str] = &["smallint", "integer", "bigint"];

pub(super) fn check(schema: &Schema, at: &Locator) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for table in schema.tables.values() {
        let id = ObjectId::Table(table.name.clone());
        if PLATFORM_SCHEMAS.contains(&table.name.schema.as_str()) {
            out.push(at.error(
                &id,
                &["table"],
                format!("table {} belongs to the platform, not to this project", table.name),
                format!(
                    "the platform creates and migrates the tables of `{}`: add `external: true` to reference it \
                     (foreign keys, policies), or declare the project's own table in another schema",
                    table.name.schema
                ),
            ));
        }
        if let Some(first_over) = table.columns.get(MAX_COLUMNS) {
            out.push(at.error(
                &id,
                &["columns", &first_over.name],
                format!(
                    "table {} has {} columns; PostgreSQL allows {MAX_COLUMNS}, and `{}` is the first past them",
                    table.name,
                    table.columns.len(),
                    first_over.name
                ),
                "split the table, or move rarely used columns into a jsonb column",
            ));
        }
        out.extend(primary_keys(table, at));
        for column in &table.columns {
            out.extend(column_shape(schema, table, column, at));
        }
    }
    out.extend(policies(schema, at));
    out.extend(triggers(schema, at));
    out.extend(enum_labels(schema, at));
    out
}

fn primary_keys(table: &Table, at: &Locator) -> Option<Diagnostic> {
    let mut keys = table.constraints.iter().filter_map(|c| match &c.kind {
        ConstraintKind::PrimaryKey { columns } => Some(columns),
        _ => None,
    });
    let first = keys.next()?;
    let second = keys.next()?;
    let id = ObjectId::Table(table.name.clone());
    let message =
        format!("table {} has two primary keys, ({}) and ({})", table.name, first.join(", "), second.join(", "));
    let hint = "a table has one primary key: make the other columns `unique` (with `not null`), or list all of \
                them in one `primary_key: [a, b]`";
    Some(at.mention(&id, &["columns", &second[0]], "primary", message, hint))
}

fn column_shape(schema: &Schema, table: &Table, column: &Column, at: &Locator) -> Vec<Diagnostic> {
    let id = ObjectId::Table(table.name.clone());
    let path = ["columns", column.name.as_str()];
    let mut out = Vec::new();
    let ty = &column.data_type;
    let what = format!("column `{}` of {}", column.name, table.name);
    if column.identity.is_some() && !(ty.builtin && ty.array_dims == 0 && INTEGERS.contains(&ty.name.as_str())) {
        out.push(at.mention(
            &id,
            &path,
            "identity",
            format!("{what} is an identity column of type {}, which does not count", ty.sql()),
            "an identity column is smallint, integer or bigint: change its type, or drop `identity` and give it a \
             default",
        ));
    }
    if let Some(problem) = modifier_problem(ty) {
        out.push(at.error(&id, &path, format!("{what}: {problem}"), "write a type PostgreSQL accepts"));
    }
    if let Some(generated) = &column.generated {
        let uses =
            generated.refs().columns.iter().find(|c| table.column(c).is_some_and(|other| other.generated.is_some()));
        if let Some(other) = uses {
            out.push(at.mention(
                &id,
                &path,
                other,
                format!("generated {what} uses generated column `{other}`"),
                format!(
                    "a generation expression can only read ordinary columns: write `{other}`'s expression in its place"
                ),
            ));
        }
    }
    if let Some(default) = &column.default
        && let Some(problem) = super::defaults::problem(schema, ty, default.text())
    {
        out.push(at.mention(
            &id,
            &path,
            "default",
            format!("the default of {what} is {problem}"),
            format!("write a value of type {} (or cast an expression to it)", ty.sql()),
        ));
    }
    out
}

/// What is wrong with the modifiers of `ty`, if PostgreSQL refuses them.
fn modifier_problem(ty: &DataType) -> Option<String> {
    if !ty.builtin {
        return None;
    }
    let numbers: Vec<i64> = ty.modifiers.iter().filter_map(|m| m.trim().parse().ok()).collect();
    if numbers.len() != ty.modifiers.len() {
        return None;
    }
    match (ty.name.as_str(), numbers.as_slice()) {
        ("character varying" | "character" | "bit" | "bit varying", [n]) if !(1..=MAX_LENGTH).contains(n) => {
            Some(format!("the length of {} must be 1 to {MAX_LENGTH}, not {n}", ty.name))
        }
        ("numeric", [p, ..]) if !(1..=MAX_PRECISION).contains(p) => {
            Some(format!("the precision of numeric must be 1 to {MAX_PRECISION}, not {p}"))
        }
        ("numeric", [_, s]) if !SCALE.contains(s) => {
            Some(format!("the scale of numeric must be {} to {}, not {s}", SCALE.start(), SCALE.end()))
        }
        (name, [p]) if (name.starts_with("time") || name == "interval") && *p < 0 => {
            Some(format!("the precision of {name} cannot be negative"))
        }
        _ => None,
    }
}

fn policies(schema: &Schema, at: &Locator) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for ((table, name), policy) in &schema.policies {
        let id = ObjectId::Policy(table.clone(), name.clone());
        let path = |key: &'static str| ["policies", name.as_str(), key];
        let command = policy.command.to_lowercase();
        if policy.with_check.is_some() && matches!(command.as_str(), "select" | "delete") {
            out.push(at.error(
                &id,
                &path("with_check"),
                format!("policy {name} on {table} is for {command}, which has no WITH CHECK"),
                format!("{command} writes no new row: use `using` for the rows it may see"),
            ));
        }
        if policy.using.is_some() && command == "insert" {
            out.push(at.error(
                &id,
                &path("using"),
                format!("policy {name} on {table} is for insert, which has no USING"),
                "insert reads no existing row: use `with_check` for the rows it may add",
            ));
        }
    }
    out
}

fn triggers(schema: &Schema, at: &Locator) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for ((table, name), trigger) in &schema.triggers {
        let id = ObjectId::Trigger(table.clone(), name.clone());
        let on_table = schema.tables.contains_key(table) || schema.external.contains(table);
        if trigger.timing.eq_ignore_ascii_case("instead of") && on_table {
            out.push(at.error(
                &id,
                &["triggers", name, "timing"],
                format!("trigger {name} on {table} is INSTEAD OF, and {table} is a table"),
                "INSTEAD OF triggers are for views: use `before` or `after` on a table",
            ));
        }
        if let (Some(when), Some(t)) = (&trigger.when, schema.tables.get(table))
            && trigger.timing.eq_ignore_ascii_case("before")
            && let Some(read) = new_generated(t, when.text())
        {
            out.push(at.mention(
                &id,
                &["triggers", name, "when"],
                "new",
                format!("the WHEN of BEFORE trigger {name} on {table} reads {read}"),
                "a BEFORE trigger runs before generated columns are computed: read the columns they are computed \
                 from, or make the trigger AFTER",
            ));
        }
        if trigger.for_each_row && trigger.events.iter().any(|e| e.eq_ignore_ascii_case("truncate")) {
            out.push(at.error(
                &id,
                &["triggers", name, "events"],
                format!("trigger {name} on {table} fires on TRUNCATE for each row"),
                "TRUNCATE has no rows: add `for_each: statement`, or put TRUNCATE in a trigger of its own",
            ));
        }
    }
    out
}

fn enum_labels(schema: &Schema, at: &Locator) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for e in schema.enums.values() {
        let id = ObjectId::Type(e.name.clone());
        let mut seen = BTreeSet::new();
        for (i, label) in e.values.iter().enumerate() {
            let position = i.to_string();
            // An empty label is one PostgreSQL keeps.
            let problem = if label.len() > MAX_LABEL_BYTES {
                format!("a label longer than {MAX_LABEL_BYTES} bytes")
            } else if !seen.insert(label) {
                format!("the label '{label}' twice")
            } else {
                continue;
            };
            out.push(at.error(
                &id,
                &["values", &position],
                format!("enum {} has {problem}", e.name),
                "each label of an enum is unique and at most 63 bytes long",
            ));
        }
    }
    out
}

/// What a WHEN condition reads of NEW that is generated: `new.x` of a generated column, or
/// the whole row `new` of a table that has one.
fn new_generated(table: &Table, when: &str) -> Option<String> {
    let node = crate::pgtree::expr_tree(when).ok()?;
    let generated = |c: &str| table.column(c).is_some_and(|c| c.generated.is_some());
    node.node.as_ref()?.nodes().into_iter().find_map(|(n, _, _, _)| {
        let pg_query::NodeRef::ColumnRef(c) = n else { return None };
        let fields: Vec<&str> = c.fields.iter().filter_map(crate::pgtree::str_of).collect();
        match fields.as_slice() {
            ["new", column] if generated(column) => Some(format!("generated column NEW.{column}")),
            ["new"] if table.columns.iter().any(|c| c.generated.is_some()) => {
                Some("the whole NEW row, and the table has generated columns".to_string())
            }
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(name: &str, modifiers: &[&str]) -> DataType {
        DataType::from_parts(vec![name.to_string()], modifiers.iter().map(|m| m.to_string()).collect(), 0)
    }

    #[test]
    fn modifiers_out_of_range_are_found_and_those_in_range_pass() {
        assert!(modifier_problem(&ty("varchar", &["0"])).is_some());
        assert!(modifier_problem(&ty("varchar", &["10485761"])).is_some());
        assert!(modifier_problem(&ty("numeric", &["1001"])).is_some());
        assert!(modifier_problem(&ty("numeric", &["10", "1001"])).is_some());
        for ok in
            [ty("varchar", &["1"]), ty("bpchar", &["10485760"]), ty("numeric", &["1000", "-1000"]), ty("numeric", &[])]
        {
            assert_eq!(modifier_problem(&ok), None, "{}", ok.sql());
        }
    }
}
