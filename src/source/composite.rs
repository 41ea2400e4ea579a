//! Replay of composite types: `CREATE TYPE x AS (a int, b text)` and `ALTER TYPE x
//! ADD / DROP / ALTER ATTRIBUTE`, which PostgreSQL parses as an ALTER TABLE of a type.

use pg_query::NodeEnum;
use pg_query::protobuf::{self, AlterTableType};

use crate::model::{Attribute, Composite, QualifiedName, Schema};
use crate::pgtree::{data_type, strings};
use crate::source::ddl::{Outcome, qualified};

fn attribute(c: &protobuf::ColumnDef) -> Option<Attribute> {
    Some(Attribute {
        name: c.colname.clone(),
        data_type: data_type(c.type_name.as_ref()?),
        collation: c.coll_clause.as_ref().map(|k| strings(&k.collname).join(".")),
    })
}

/// Whether a type of this name exists: PostgreSQL keeps enums, domains, composite types and
/// the row types of tables and views in one namespace.
pub fn type_exists(schema: &Schema, name: &QualifiedName) -> bool {
    schema.enums.contains_key(name)
        || schema.domains.contains_key(name)
        || schema.composites.contains_key(name)
        || schema.ranges.contains_key(name)
        || schema.tables.contains_key(name)
        || schema.views.contains_key(name)
}

pub fn create_composite(schema: &mut Schema, s: &protobuf::CompositeTypeStmt) -> Outcome {
    let Some(rv) = s.typevar.as_ref() else { return Outcome::Skipped("CREATE TYPE") };
    let name = qualified(rv);
    if type_exists(schema, &name) {
        return Outcome::Rejected {
            message: format!("type {name} already exists"),
            hint: "PostgreSQL refuses to create it again: drop it first, or guard it in a DO block",
        };
    }
    let attributes = s
        .coldeflist
        .iter()
        .filter_map(|n| match n.node.as_ref()? {
            NodeEnum::ColumnDef(c) => attribute(c),
            _ => None,
        })
        .collect();
    schema.composites.insert(name.clone(), Composite { name, attributes, comment: None, owner: None });
    Outcome::Applied
}

/// `ALTER TYPE x ADD | DROP | ALTER ATTRIBUTE …`, the actions in order.
pub fn alter_composite(schema: &mut Schema, s: &protobuf::AlterTableStmt) -> Outcome {
    let Some(rv) = s.relation.as_ref() else { return Outcome::Skipped("ALTER TYPE") };
    let name = qualified(rv);
    let Some(mut composite) = schema.composites.get(&name).cloned() else {
        return Outcome::Unresolved(format!("ALTER TYPE {name}, which the model does not hold"));
    };
    for cmd in &s.cmds {
        let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else { continue };
        let def = match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
            Some(NodeEnum::ColumnDef(c)) => Some(c.as_ref()),
            _ => None,
        };
        let position = composite.attributes.iter().position(|a| a.name == cmd.name);
        match AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined) {
            AlterTableType::AtAddColumn => {
                let Some(a) = def.and_then(attribute) else { continue };
                if composite.attributes.iter().any(|b| b.name == a.name) {
                    return Outcome::Rejected {
                        message: format!("attribute {} of type {name} already exists", a.name),
                        hint: "PostgreSQL refuses to add it again: drop it first",
                    };
                }
                composite.attributes.push(a);
            }
            AlterTableType::AtDropColumn => match position {
                Some(i) => {
                    composite.attributes.remove(i);
                }
                None if cmd.missing_ok => {}
                None => {
                    return Outcome::Rejected {
                        message: format!("attribute {} of type {name} does not exist", cmd.name),
                        hint: "PostgreSQL refuses the statement: write DROP ATTRIBUTE IF EXISTS, or drop one that exists",
                    };
                }
            },
            AlterTableType::AtAlterColumnType => {
                let (Some(i), Some(mut a)) = (position, def.and_then(attribute)) else { continue };
                a.name = cmd.name.clone();
                composite.attributes[i] = a;
            }
            _ => return Outcome::Skipped("ALTER TYPE"),
        }
    }
    schema.composites.insert(name, composite);
    Outcome::Applied
}

/// `ALTER TYPE x RENAME TO y` of an enum or a composite type: the columns and attributes
/// of the type follow it, as they name it by oid in PostgreSQL. (Function signatures keep
/// the name they were created with in the model.)
pub fn rename_type(schema: &mut Schema, s: &protobuf::RenameStmt) -> Outcome {
    let names = match s.object.as_deref().and_then(|o| o.node.as_ref()) {
        Some(NodeEnum::List(l)) => strings(&l.items),
        Some(NodeEnum::TypeName(t)) => strings(&t.names),
        _ => return Outcome::Skipped("ALTER TYPE"),
    };
    let from = crate::source::routines::qualified_names(&names);
    let to = QualifiedName::new(from.schema.clone(), s.newname.clone());
    if !schema.enums.contains_key(&from) && !schema.composites.contains_key(&from) && !schema.ranges.contains_key(&from)
    {
        if s.missing_ok {
            return Outcome::Applied;
        }
        return Outcome::Unresolved(format!("ALTER TYPE {from}, which the model does not hold"));
    }
    if type_exists(schema, &to) {
        return Outcome::Rejected {
            message: format!("type {to} already exists"),
            hint: "PostgreSQL refuses to rename onto a name that is taken: drop or rename the other first",
        };
    }
    if let Some(mut e) = schema.enums.remove(&from) {
        e.name = to.clone();
        schema.enums.insert(to.clone(), e);
    }
    if let Some(mut c) = schema.composites.remove(&from) {
        c.name = to.clone();
        schema.composites.insert(to.clone(), c);
    }
    if let Some(mut r) = schema.ranges.remove(&from) {
        r.name = to.clone();
        schema.ranges.insert(to.clone(), r);
    }
    let is_from = |ty: &crate::model::DataType| {
        !ty.builtin && ty.name == from.name && ty.schema.as_deref().unwrap_or("public") == from.schema
    };
    let rename = |ty: &mut crate::model::DataType| {
        if is_from(ty) {
            ty.name = to.name.clone();
        }
    };
    for t in schema.tables.values_mut() {
        t.columns.iter_mut().for_each(|c| rename(&mut c.data_type));
    }
    for c in schema.composites.values_mut() {
        c.attributes.iter_mut().for_each(|a| rename(&mut a.data_type));
    }
    Outcome::Applied
}

/// `ALTER TYPE x RENAME ATTRIBUTE a TO b`.
pub fn rename_attribute(schema: &mut Schema, s: &protobuf::RenameStmt) -> Outcome {
    let Some(rv) = s.relation.as_ref() else { return Outcome::Skipped("ALTER TYPE") };
    let name = qualified(rv);
    let Some(composite) = schema.composites.get_mut(&name) else {
        return Outcome::Unresolved(format!("ALTER TYPE {name}, which the model does not hold"));
    };
    if composite.attributes.iter().any(|a| a.name == s.newname) {
        return Outcome::Rejected {
            message: format!("attribute {} of type {name} already exists", s.newname),
            hint: "PostgreSQL refuses to rename onto a name that is taken",
        };
    }
    match composite.attributes.iter_mut().find(|a| a.name == s.subname) {
        Some(a) => {
            a.name = s.newname.clone();
            Outcome::Applied
        }
        None => Outcome::Unresolved(format!("attribute {} of type {name}, which the model does not hold", s.subname)),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::QualifiedName;

    #[test]
    fn attributes_follow_alter_type_and_a_renamed_type_frees_its_name() {
        let s = crate::source::replayed(
            "create type p as (a int, b text);
             alter type p add attribute c date, drop attribute a, alter attribute b type varchar(5);
             alter type p rename attribute c to day;
             create type mood as enum ('ok', 'sad');
             create table t (m mood, x p);
             alter type mood rename to mood__old;
             create type mood as enum ('ok');
             alter table t alter column m type mood using m::text::mood;
             drop type mood__old;",
        );
        let p = &s.composites[&QualifiedName::new("public", "p")];
        let attributes: Vec<String> = p.attributes.iter().map(|a| format!("{} {}", a.name, a.data_type)).collect();
        assert_eq!(attributes, ["b character varying(5)", "day date"]);
        assert_eq!(s.enums.keys().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["mood"]);
        let t = &s.tables[&QualifiedName::new("public", "t")];
        assert_eq!(t.column("m").unwrap().data_type.name, "mood");
    }
}
