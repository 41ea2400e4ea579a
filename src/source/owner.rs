//! `ALTER … OWNER TO`: the owner of a table, view, sequence, function or type, kept on the
//! object only where it is not the migration role. On Supabase the migrations run as
//! `postgres`, so a dump's `OWNER TO "postgres"` (or `CURRENT_USER`) changes nothing.

use pg_query::NodeEnum;
use pg_query::protobuf::{self, AlterTableType, ObjectType};

use crate::model::owners::hand_over;
use crate::model::{Grants, Schema};
use crate::source::ddl::{Outcome, existing};
use crate::source::routines::{function_keys, object_with_args, qualified_names};

/// The role the migrations run as, which owns whatever they create.
pub use crate::model::privileges::OWNER as MIGRATION_ROLE;

/// The owner a role spec gives: None for the migration role.
fn owner(role: Option<&protobuf::RoleSpec>) -> Option<String> {
    let name = crate::source::security::role_name(role?);
    (!matches!(name.as_str(), MIGRATION_ROLE | "current_user" | "current_role" | "session_user")).then_some(name)
}

/// `ALTER TABLE / VIEW / MATERIALIZED VIEW / SEQUENCE x OWNER TO r` when that is all the
/// statement does; None for any other ALTER TABLE.
pub fn alter_relation(schema: &mut Schema, s: &protobuf::AlterTableStmt) -> Option<Outcome> {
    let roles: Vec<Option<String>> = s
        .cmds
        .iter()
        .map(|c| match c.node.as_ref() {
            Some(NodeEnum::AlterTableCmd(c)) if c.subtype == AlterTableType::AtChangeOwner as i32 => {
                Some(owner(c.newowner.as_ref()))
            }
            _ => None,
        })
        .collect::<Option<_>>()?;
    let to = roles.last()?.clone();
    let name = existing(schema, s.relation.as_ref()?);
    let (slot, grants) = if let Some(t) = schema.tables.get_mut(&name) {
        (&mut t.owner, &mut t.grants)
    } else if let Some(v) = schema.views.get_mut(&name) {
        (&mut v.owner, &mut v.grants)
    } else if let Some(q) = schema.sequences.get_mut(&name) {
        (&mut q.owner, &mut q.grants)
    } else if to.is_none() || s.missing_ok || s.objtype == ObjectType::ObjectSequence as i32 {
        // A serial or identity column's sequence is not an object of the model: it has
        // its table's owner, whom ALTER TABLE … OWNER TO gives it too.
        return Some(Outcome::Applied);
    } else {
        let kind = ObjectType::try_from(s.objtype).map_or("relation", kind_word);
        return Some(Outcome::Unresolved(format!("ALTER {kind} {name} OWNER TO, of what the model does not hold")));
    };
    hand_over(slot, Some(grants), to);
    Some(Outcome::Applied)
}

/// `ALTER FUNCTION / PROCEDURE / TYPE x OWNER TO r`; any kind to the migration role changes
/// nothing, another role on another kind (a schema, a domain) is outside the model.
pub fn alter_owner(schema: &mut Schema, s: &protobuf::AlterOwnerStmt) -> Outcome {
    let to = owner(s.newowner.as_ref());
    let kind = ObjectType::try_from(s.object_type).unwrap_or(ObjectType::Undefined);
    let slots: Vec<(&mut Option<String>, Option<&mut Grants>)> =
        match (kind, s.object.as_ref().and_then(|o| o.node.as_ref())) {
            (
                ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine,
                Some(NodeEnum::ObjectWithArgs(o)),
            ) => {
                let (name, args) = object_with_args(o);
                let keys = function_keys(schema, &name, args.as_deref());
                let chosen = schema.functions.iter_mut().filter(|(k, _)| keys.contains(k));
                chosen.map(|(_, f)| (&mut f.owner, Some(&mut f.grants))).collect()
            }
            (ObjectType::ObjectType, Some(NodeEnum::List(l))) => {
                let name = qualified_names(&crate::pgtree::strings(&l.items));
                let e = schema.enums.get_mut(&name).map(|e| (&mut e.owner, None));
                let c = schema.composites.get_mut(&name).map(|c| (&mut c.owner, None));
                e.into_iter().chain(c).collect()
            }
            _ if to.is_none() => return Outcome::Applied,
            _ => return Outcome::Skipped("ALTER OWNER"),
        };
    if slots.is_empty() {
        if to.is_none() {
            return Outcome::Applied;
        }
        return Outcome::Unresolved(format!("ALTER {} OWNER TO, of what the model does not hold", kind_word(kind)));
    }
    for (slot, grants) in slots {
        hand_over(slot, grants, to.clone());
    }
    Outcome::Applied
}

fn kind_word(kind: ObjectType) -> &'static str {
    match kind {
        ObjectType::ObjectTable => "TABLE",
        ObjectType::ObjectView => "VIEW",
        ObjectType::ObjectMatview => "MATERIALIZED VIEW",
        ObjectType::ObjectSequence => "SEQUENCE",
        ObjectType::ObjectFunction => "FUNCTION",
        ObjectType::ObjectProcedure => "PROCEDURE",
        ObjectType::ObjectType => "TYPE",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{QualifiedName, Schema};
    use crate::source::sql::{LoadReport, load_text};

    fn load(sql: &str) -> (Schema, LoadReport) {
        let (mut schema, mut report) = (Schema::default(), LoadReport::default());
        load_text(&mut schema, std::path::Path::new("0.sql"), sql, &mut report).unwrap();
        (schema, report)
    }

    #[test]
    fn the_migration_role_owns_nothing_of_its_own_and_another_role_is_kept() {
        let (schema, report) = load(
            "create table a (id int); create table b (id int); create function f() returns int language sql as 'select 1';
             alter table a owner to \"postgres\"; alter table b owner to reporting; alter function f() owner to reporting;
             alter function f() owner to current_user; alter schema public owner to postgres;",
        );
        let table = |n: &str| &schema.tables[&QualifiedName::new("public", n)];
        assert_eq!(table("a").owner, None);
        assert_eq!(table("b").owner.as_deref(), Some("reporting"));
        assert!(schema.functions.values().all(|f| f.owner.is_none()));
        assert!(report.outside.is_empty(), "{:?}", report.outside);
    }

    /// As in PostgreSQL, the new owner's own grants become ownership's.
    #[test]
    fn an_owner_holds_its_privileges_without_a_grant() {
        let (schema, _) =
            load("create table t (id int); grant select on t to reporting; alter table t owner to reporting;");
        let t = &schema.tables[&QualifiedName::new("public", "t")];
        assert_eq!(t.owner.as_deref(), Some("reporting"));
        assert!(!t.grants.contains_key("reporting"), "{:?}", t.grants);
    }
}
