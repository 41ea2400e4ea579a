//! Replay of `ALTER TABLE/VIEW/FUNCTION/TYPE/DOMAIN … SET SCHEMA`, as PostgreSQL moves
//! objects: a table takes its indexes, constraints, policies, triggers and the sequences
//! it owns along; what references it by oid (foreign keys, columns of a moved type) follows.

use pg_query::NodeEnum;
use pg_query::protobuf::{self, ObjectType};

use crate::model::{DataType, QualifiedName, Schema, Signature};
use crate::pgtree::strings;
use crate::source::composite::type_exists;
use crate::source::ddl::{Outcome, drawn_sequence, existing, nextval_default, retarget_table};
use crate::source::routines::{function_keys, object_with_args, qualified_names};

pub fn set_schema(schema: &mut Schema, s: &protobuf::AlterObjectSchemaStmt) -> Outcome {
    let kind = ObjectType::try_from(s.object_type).unwrap_or(ObjectType::Undefined);
    let moved = match kind {
        ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectMatview => {
            let Some(rv) = s.relation.as_ref() else { return Outcome::Skipped("SET SCHEMA") };
            move_relation(schema, &existing(schema, rv), &s.newschema)
        }
        ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine => {
            let Some(NodeEnum::ObjectWithArgs(owa)) = s.object.as_deref().and_then(|o| o.node.as_ref()) else {
                return Outcome::Skipped("SET SCHEMA");
            };
            let (name, args) = object_with_args(owa);
            let new_name = QualifiedName::new(s.newschema.clone(), name.name.clone());
            rename_function(schema, &name, args.as_deref(), &new_name)
        }
        ObjectType::ObjectType | ObjectType::ObjectDomain => {
            let names = match s.object.as_deref().and_then(|o| o.node.as_ref()) {
                Some(NodeEnum::List(l)) => strings(&l.items),
                Some(NodeEnum::TypeName(t)) => strings(&t.names),
                _ => return Outcome::Skipped("SET SCHEMA"),
            };
            move_type(schema, &qualified_names(&names), &s.newschema)
        }
        _ => return Outcome::Skipped("SET SCHEMA"),
    };
    outcome(moved, s.missing_ok, "SET SCHEMA")
}

/// What a move or rename did, as the replay reports it.
pub fn outcome(moved: Moved, missing_ok: bool, what: &str) -> Outcome {
    match moved {
        Moved::Done => Outcome::Applied,
        Moved::Missing(_) if missing_ok => Outcome::Applied,
        Moved::Missing(object) => Outcome::Unresolved(format!("{what} of {object}, which the model does not hold")),
        Moved::Taken(object) => Outcome::Rejected {
            message: format!("{object} already exists"),
            hint: "PostgreSQL refuses to move or rename an object onto a name that is taken: drop or rename the \
                   other first",
        },
    }
}

pub enum Moved {
    Done,
    Missing(String),
    Taken(String),
}

/// Moves the table or view `from` to schema `to`.
pub fn move_relation(schema: &mut Schema, from: &QualifiedName, to: &str) -> Moved {
    let new = QualifiedName::new(to.to_string(), from.name.clone());
    if !schema.tables.contains_key(from) && !schema.views.contains_key(from) {
        return Moved::Missing(format!("relation {from}"));
    }
    if new == *from {
        return Moved::Done;
    }
    if schema.tables.contains_key(&new) || schema.views.contains_key(&new) || schema.sequences.contains_key(&new) {
        return Moved::Taken(format!("relation {new}"));
    }
    if let Some(mut view) = schema.views.remove(from) {
        view.name = new.clone();
        schema.views.insert(new, view);
        return Moved::Done;
    }
    let mut table = schema.tables.remove(from).expect("checked above");
    table.name = new.clone();
    // Its sequences go with it, keeping their names; the defaults that draw from them are
    // printed with the new schema.
    let owned: Vec<QualifiedName> = schema
        .sequences
        .iter()
        .filter(|(_, seq)| seq.owned_by.as_ref().is_some_and(|(t, _)| t == from))
        .map(|(name, _)| name.clone())
        .collect();
    for old in owned {
        let mut seq = schema.sequences.remove(&old).expect("listed above");
        seq.name = QualifiedName::new(to.to_string(), old.name.clone());
        if let Some(owner) = seq.owned_by.as_mut() {
            owner.0 = new.clone();
        }
        for col in
            table.columns.iter_mut().filter(|c| c.default.as_ref().and_then(drawn_sequence).as_ref() == Some(&old))
        {
            col.default = nextval_default(&seq.name);
        }
        schema.sequences.insert(seq.name.clone(), seq);
    }
    schema.tables.insert(new.clone(), table);
    retarget_table(schema, from, &new);
    crate::source::ddl::serials_again(schema, &new);
    Moved::Done
}

/// Renames the function `name` (the one of `args`, or every one of that name) to
/// `new_name`, in the same schema or another. The triggers that call it follow: PostgreSQL
/// keeps a trigger's function by oid.
pub fn rename_function(
    schema: &mut Schema,
    name: &QualifiedName,
    args: Option<&[String]>,
    new_name: &QualifiedName,
) -> Moved {
    let keys = function_keys(schema, name, args);
    if keys.is_empty() {
        return Moved::Missing(format!("function {name}"));
    }
    // A trigger calls the function of that name without arguments.
    let calls_triggers = keys.iter().any(|k| schema.functions[k].routine().input_types.is_empty());
    let mut moved = Vec::new();
    for key in &keys {
        let mut f = schema.functions[key].clone();
        f.name = new_name.clone();
        let new_key = Signature(f.signature());
        if schema.functions.contains_key(&new_key) {
            return Moved::Taken(format!("function {new_key}"));
        }
        moved.push((new_key, f));
    }
    keys.iter().for_each(|k| {
        schema.functions.remove(k);
    });
    schema.functions.extend(moved);
    if calls_triggers {
        for t in schema.triggers.values_mut().filter(|t| &t.function == name) {
            t.function = new_name.clone();
        }
    }
    Moved::Done
}

/// Moves an enum, composite type or domain; the columns and attributes of that type follow it.
fn move_type(schema: &mut Schema, from: &QualifiedName, to: &str) -> Moved {
    let new = QualifiedName::new(to.to_string(), from.name.clone());
    if !schema.enums.contains_key(from) && !schema.composites.contains_key(from) && !schema.domains.contains_key(from) {
        return Moved::Missing(format!("type {from}"));
    }
    if new == *from {
        return Moved::Done;
    }
    if type_exists(schema, &new) {
        return Moved::Taken(format!("type {new}"));
    }
    if let Some(mut e) = schema.enums.remove(from) {
        e.name = new.clone();
        schema.enums.insert(new.clone(), e);
    }
    if let Some(mut c) = schema.composites.remove(from) {
        c.name = new.clone();
        schema.composites.insert(new.clone(), c);
    }
    if let Some(mut d) = schema.domains.remove(from) {
        d.name = new.clone();
        schema.domains.insert(new.clone(), d);
    }
    let retype = |ty: &mut DataType| {
        if !ty.builtin && ty.name == from.name && ty.schema.as_deref().unwrap_or("public") == from.schema {
            ty.schema = (to != "public").then(|| to.to_string());
        }
    };
    for t in schema.tables.values_mut() {
        t.columns.iter_mut().for_each(|c| retype(&mut c.data_type));
    }
    for c in schema.composites.values_mut() {
        c.attributes.iter_mut().for_each(|a| retype(&mut a.data_type));
    }
    Moved::Done
}
