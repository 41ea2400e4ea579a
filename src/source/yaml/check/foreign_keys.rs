//! Foreign keys whose columns cannot be compared with the key they reference: PostgreSQL
//! needs an equality operator between the two types ("Key columns … are of incompatible
//! types"). Only types whose family is certain are judged: numbers with numbers, text with
//! text, an enum with itself.

use super::Locator;
use crate::diagnostic::Diagnostic;
use crate::model::{ConstraintKind, DataType, ObjectId, Schema};

pub(super) fn check(schema: &Schema, at: &Locator) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for table in schema.tables.values() {
        let id = ObjectId::Table(table.name.clone());
        for c in &table.constraints {
            let ConstraintKind::ForeignKey(fk) = &c.kind else { continue };
            let Some(target) = schema.tables.get(&fk.ref_table) else { continue };
            for (column, referenced) in fk.columns.iter().zip(&fk.ref_columns) {
                let (Some(a), Some(b)) = (table.column(column), target.column(referenced)) else { continue };
                let (Some(fa), Some(fb)) = (family(schema, &a.data_type), family(schema, &b.data_type)) else {
                    continue;
                };
                if fa == fb {
                    continue;
                }
                let path: &[&str] = if at.mentions(&id, &["columns", column], "references") {
                    &["columns", column]
                } else {
                    &["foreign_keys"]
                };
                out.push(at.mention(
                    &id,
                    path,
                    column,
                    format!(
                        "foreign key {} of {}: column `{column}` is {} and {}.{referenced} is {}, which cannot be compared",
                        c.name,
                        table.name,
                        a.data_type.sql(),
                        fk.ref_table,
                        b.data_type.sql()
                    ),
                    format!("give `{column}` the type of the key it references: {}", b.data_type.sql()),
                ));
            }
        }
    }
    out
}

/// The family of types that compare with each other, when it is certain; None for types
/// this check does not judge (domains, extension types).
fn family(schema: &Schema, ty: &DataType) -> Option<String> {
    let base = if ty.builtin {
        match ty.name.as_str() {
            "smallint" | "integer" | "bigint" | "numeric" | "real" | "double precision" | "serial" | "bigserial"
            | "smallserial" => "number",
            "text" | "character varying" | "character" | "bpchar" | "name" => "text",
            "uuid" => "uuid",
            "boolean" => "boolean",
            "date" | "timestamp with time zone" | "timestamp without time zone" => "timestamp",
            "bytea" => "bytea",
            "inet" | "cidr" => "network",
            _ => return None,
        }
        .to_string()
    } else {
        let name = crate::model::QualifiedName::new(ty.schema.as_deref().unwrap_or("public"), ty.name.clone());
        if !schema.enums.contains_key(&name) {
            return None;
        }
        format!("enum {name}")
    };
    Some(format!("{base}{}", "[]".repeat(ty.array_dims)))
}
