//! Rows a test can insert: for a table and a slot (1, user A's; 2, user B's), a value for
//! every column that needs one, the same every time. Foreign keys to `auth.users` get the
//! slot's user, foreign keys to the project's tables the key of that table's row of the same
//! slot (made too, first), a column a CHECK limits to listed strings the first of them, an
//! enum its first label. What cannot be filled is said, and the table's test is skipped.

use std::collections::BTreeMap;

use crate::model::{Column, ConstraintKind, DataType, Identity, QualifiedName, Schema, Table};
use crate::render::quote;

/// The test users: slot 1 is A (the signed-in user), slot 2 is B.
pub fn user(slot: u8) -> String {
    format!("00000000-0000-4000-8000-0000000000{slot:02x}")
}

/// The slot's user id as a value of a column of type `t`.
pub fn user_value(slot: u8, t: &DataType) -> String {
    typed(&quote::literal(&user(slot)), t)
}

/// One row: (column, SQL value), in the table's column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub table: QualifiedName,
    pub values: Vec<(String, String)>,
    /// Given explicitly to a GENERATED ALWAYS identity column.
    pub overriding: bool,
}

impl Row {
    pub fn insert(&self) -> String {
        let columns: Vec<&str> = self.values.iter().map(|(c, _)| c.as_str()).collect();
        let values: Vec<&str> = self.values.iter().map(|(_, v)| v.as_str()).collect();
        format!(
            "INSERT INTO {} ({}){} VALUES ({})",
            quote::qname(&self.table),
            quote::idents(&columns),
            if self.overriding { " OVERRIDING SYSTEM VALUE" } else { "" },
            values.join(", ")
        )
    }

    pub fn value(&self, column: &str) -> Option<&str> {
        self.values.iter().find(|(c, _)| c == column).map(|(_, v)| v.as_str())
    }
}

/// Builds rows, and the rows of other tables they need, in the order they can be inserted.
pub struct Rows<'a> {
    schema: &'a Schema,
    /// Rows of other tables the test needs, parents first.
    pub parents: Vec<Row>,
    /// Tables being built, to refuse a cycle of NOT NULL foreign keys.
    building: Vec<QualifiedName>,
}

impl<'a> Rows<'a> {
    pub fn new(schema: &'a Schema) -> Self {
        Rows { schema, parents: Vec::new(), building: Vec::new() }
    }

    /// The row of `table` in `slot`, with `given` values where they are given and a value
    /// in each of `wanted` (a nullable owner column too). Rows it references go to `parents`.
    pub fn row_with(
        &mut self,
        table: &Table,
        slot: u8,
        given: &BTreeMap<String, String>,
        wanted: &[String],
    ) -> Result<Row, String> {
        // A row of a partitioned table must fall in one of its partitions' bounds, which the
        // test does not work out from the bound texts.
        if table.partition_by.is_some() || table.partition_of.is_some() {
            return Err(format!("{} is partitioned: the test cannot choose rows its partitions accept", table.name));
        }
        let key = key_of(table).ok_or_else(|| format!("{} has no primary key to name its rows by", table.name))?;
        if self.building.contains(&table.name) {
            return Err(format!("{} references itself through NOT NULL foreign keys", table.name));
        }
        self.building.push(table.name.clone());
        let mut values = Vec::new();
        let mut overriding = false;
        let mut failed = None;
        for column in table.columns.iter().filter(|c| c.generated.is_none()) {
            let value = match given.get(&column.name) {
                Some(v) => Ok(Some(v.clone())),
                None => {
                    let needed = key.contains(&column.name) || wanted.contains(&column.name);
                    self.value(table, column, slot, needed)
                }
            };
            match value {
                Ok(Some(v)) => {
                    overriding |= column.identity == Some(Identity::Always);
                    values.push((column.name.clone(), v));
                }
                Ok(None) => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        self.building.pop();
        match failed {
            Some(e) => Err(e),
            None => Ok(Row { table: table.name.clone(), values, overriding }),
        }
    }

    /// The value of `column` in `slot`, or None to leave it to its default (or NULL).
    fn value(&mut self, table: &Table, column: &Column, slot: u8, wanted: bool) -> Result<Option<String>, String> {
        // The first foreign key over the column says where its value comes from.
        let fk = table.constraints.iter().find_map(|c| match &c.kind {
            ConstraintKind::ForeignKey(fk) if fk.columns.contains(&column.name) => Some(fk),
            _ => None,
        });
        if let Some(fk) = fk {
            let users = QualifiedName::new("auth", "users");
            if fk.columns.len() == 1 && fk.ref_table == users {
                return Ok(Some(user_value(slot, &column.data_type)));
            }
            if !column.not_null && !wanted {
                return Ok(None);
            }
            let Some(parent) = self.schema.tables.get(&fk.ref_table) else {
                return Err(format!(
                    "column {} references {}, which the project does not declare, so the test cannot make its row",
                    column.name, fk.ref_table
                ));
            };
            let position = fk.columns.iter().position(|c| *c == column.name).expect("filtered on it");
            let parent_key = key_of(parent).unwrap_or_default();
            let ref_column = fk.ref_columns.get(position).or_else(|| parent_key.get(position)).cloned();
            let Some(ref_column) = ref_column else {
                return Err(format!("the key {} references in {} is not known", column.name, fk.ref_table));
            };
            let row = self.parent(parent, slot)?;
            return row.value(&ref_column).map(|v| Some(v.to_string())).ok_or_else(|| {
                format!("the test cannot fill column {ref_column} of {}, which {} references", parent.name, column.name)
            });
        }
        let needed = wanted || (column.not_null && column.default.is_none() && column.identity.is_none());
        if !needed {
            return Ok(None);
        }
        literal(self.schema, table, column, slot).map(Some).ok_or_else(|| {
            format!(
                "column {} of {} has type {}, which the test cannot fill",
                column.name, table.name, column.data_type
            )
        })
    }

    /// The row of `parent` in `slot`, made once.
    fn parent(&mut self, parent: &Table, slot: u8) -> Result<Row, String> {
        let row = self.row_with(parent, slot, &BTreeMap::new(), &[])?;
        if !self.parents.contains(&row) {
            self.parents.push(row.clone());
        }
        Ok(row)
    }

    /// A row of a table that is not the one tested (a membership), made once.
    pub fn extra(&mut self, table: &Table, slot: u8, given: &BTreeMap<String, String>) -> Result<(), String> {
        let row = self.row_with(table, slot, given, &[])?;
        if !self.parents.contains(&row) {
            self.parents.push(row);
        }
        Ok(())
    }
}

/// The primary key's columns, else those of a unique key over NOT NULL columns.
pub fn key_of(table: &Table) -> Option<Vec<String>> {
    if let Some(pk) = table.primary_key() {
        return Some(pk.clone());
    }
    table.constraints.iter().find_map(|c| match &c.kind {
        ConstraintKind::Unique { columns, .. }
            if columns.iter().all(|n| table.column(n).is_some_and(|col| col.not_null)) =>
        {
            Some(columns.clone())
        }
        _ => None,
    })
}

fn typed(value: &str, data_type: &DataType) -> String {
    format!("{value}::{}", data_type.sql())
}

/// A value of the column's type for `slot`, as SQL.
fn literal(schema: &Schema, table: &Table, column: &Column, slot: u8) -> Option<String> {
    let t = &column.data_type;
    if t.array_dims > 0 {
        return Some(typed("'{}'", t));
    }
    if !t.builtin {
        let name = QualifiedName::new(t.schema.clone().unwrap_or_else(|| "public".into()), t.name.clone());
        let label = schema.enums.get(&name)?.values.first()?;
        return Some(typed(&quote::literal(label), t));
    }
    let text = match t.name.as_str() {
        "uuid" => {
            // Distinct per table and column, so that two tables' rows never share a key.
            let h = format!("{}.{}", table.name, column.name)
                .bytes()
                .fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
            format!("{h:08x}-0000-4000-8000-0000000000{slot:02x}")
        }
        "text" | "character varying" | "character" | "citext" => {
            if let Some(listed) = listed_string(table, &column.name) {
                listed
            } else {
                let limit = t.modifiers.first().and_then(|m| m.trim().parse::<usize>().ok()).unwrap_or(usize::MAX);
                let full = format!("row {slot}");
                if full.len() <= limit { full } else { slot.to_string() }
            }
        }
        "smallint" | "integer" | "bigint" | "numeric" | "real" | "double precision" | "serial" | "bigserial"
        | "smallserial" => return Some(slot.to_string()),
        "boolean" => return Some("false".into()),
        "date" => format!("2000-01-{slot:02}"),
        "timestamp with time zone" | "timestamp without time zone" => format!("2000-01-01 00:00:{slot:02}"),
        "time with time zone" | "time without time zone" => format!("00:00:{slot:02}"),
        "interval" => format!("{slot} seconds"),
        "json" | "jsonb" => "{}".into(),
        "bytea" => format!("\\x{slot:02x}"),
        "inet" | "cidr" => format!("192.0.2.{slot}"),
        _ => return None,
    };
    Some(typed(&quote::literal(&text), t))
}

/// The first string a CHECK on this column alone lists (`status IN ('draft', …)`).
fn listed_string(table: &Table, column: &str) -> Option<String> {
    table.constraints.iter().find_map(|c| match &c.kind {
        ConstraintKind::Check { expr, .. }
            if !expr.refs().columns.is_empty() && expr.refs().columns.iter().all(|c| c == column) =>
        {
            let text = expr.text();
            let start = text.find('\'')? + 1;
            let mut out = String::new();
            let mut chars = text[start..].chars().peekable();
            while let Some(ch) = chars.next() {
                if ch == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                    } else {
                        return Some(out);
                    }
                }
                out.push(ch);
            }
            None
        }
        _ => None,
    })
}
