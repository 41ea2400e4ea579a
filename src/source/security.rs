//! Replay of row-level security, policies and privileges.

use pg_query::NodeEnum;
use pg_query::protobuf::{self, GrantTargetType, ObjectType, RoleSpecType};

use crate::model::privileges::{
    COLUMN_PRIVILEGES, FUNCTION_PRIVILEGES, OWNER, PUBLIC_SCHEMA, SCHEMA_PRIVILEGES, SEQUENCE_PRIVILEGES,
    TABLE_PRIVILEGES, apply_grant,
};
use std::collections::BTreeSet;

use crate::model::{Column, ObjectKind, Policy, QualifiedName, Schema, Table};
use crate::pgtree::expr_sql;
use crate::source::ddl::{Outcome, existing};
use crate::source::routines::{function_keys, object_with_args};

/// Role names of a `TO ...` list: `public` for PUBLIC, names as written otherwise.
pub fn role_names(nodes: &[pg_query::Node]) -> Vec<String> {
    let mut roles: Vec<String> = nodes
        .iter()
        .filter_map(|n| match n.node.as_ref()? {
            NodeEnum::RoleSpec(r) => Some(role_name(r)),
            _ => None,
        })
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

pub(crate) fn role_name(r: &protobuf::RoleSpec) -> String {
    match RoleSpecType::try_from(r.roletype) {
        Ok(RoleSpecType::RolespecPublic) => "public".into(),
        Ok(RoleSpecType::RolespecCurrentUser) => "current_user".into(),
        Ok(RoleSpecType::RolespecCurrentRole) => "current_role".into(),
        Ok(RoleSpecType::RolespecSessionUser) => "session_user".into(),
        _ => r.rolename.clone(),
    }
}

pub fn create_policy(schema: &mut Schema, s: &protobuf::CreatePolicyStmt) -> Outcome {
    let Some(rv) = s.table.as_ref() else { return Outcome::Skipped("CREATE POLICY") };
    let table = existing(schema, rv);
    let key = (table.clone(), s.policy_name.clone());
    // Only on a table the model holds: one outside it may have lost its policies in ways
    // the replay does not see.
    if schema.tables.contains_key(&table) && schema.policies.contains_key(&key) {
        return Outcome::Rejected {
            message: format!("policy \"{}\" for table {table} already exists", s.policy_name),
            hint: "PostgreSQL refuses a second CREATE POLICY of the same name on a table: write \
                   DROP POLICY IF EXISTS first, or ALTER POLICY to change it",
        };
    }
    let mut roles = role_names(&s.roles);
    if roles.is_empty() {
        roles.push("public".into());
    }
    let policy = Policy {
        table: table.clone(),
        name: s.policy_name.clone(),
        permissive: s.permissive,
        command: if s.cmd_name.is_empty() { "ALL".into() } else { s.cmd_name.to_uppercase() },
        roles,
        using: s.qual.as_deref().map(expr_sql),
        with_check: s.with_check.as_deref().map(expr_sql),
        comment: None,
    };
    schema.policies.insert(key, policy);
    Outcome::Applied
}

pub fn alter_policy(schema: &mut Schema, s: &protobuf::AlterPolicyStmt) -> Outcome {
    let Some(rv) = s.table.as_ref() else { return Outcome::Skipped("ALTER POLICY") };
    let key = (existing(schema, rv), s.policy_name.clone());
    let Some(p) = schema.policies.get_mut(&key) else {
        return Outcome::Unresolved(format!("ALTER POLICY {} ON {}, which the model does not hold", key.1, key.0));
    };
    if !s.roles.is_empty() {
        p.roles = role_names(&s.roles);
    }
    if let Some(q) = s.qual.as_deref() {
        p.using = Some(expr_sql(q));
    }
    if let Some(c) = s.with_check.as_deref() {
        p.with_check = Some(expr_sql(c));
    }
    Outcome::Applied
}

/// The privileges a GRANT or REVOKE names, upper-case, with ALL expanded: on the whole
/// object, and on single columns as (column, privilege).
fn privileges(s: &protobuf::GrantStmt, all: &[&str]) -> (Vec<String>, Vec<(String, String)>) {
    if s.privileges.is_empty() {
        return (all.iter().map(|p| p.to_string()).collect(), Vec::new());
    }
    let (mut whole, mut columns) = (Vec::new(), Vec::new());
    for p in &s.privileges {
        let Some(NodeEnum::AccessPriv(a)) = p.node.as_ref() else { continue };
        let names: Vec<String> = if a.priv_name.is_empty() {
            // ALL (columns): every privilege a column can have.
            COLUMN_PRIVILEGES.iter().map(|p| p.to_string()).collect()
        } else {
            vec![a.priv_name.to_uppercase()]
        };
        if a.cols.is_empty() {
            whole.extend(names);
        } else {
            for column in a.cols.iter().filter_map(crate::pgtree::str_of) {
                columns.extend(names.iter().map(|n| (column.to_string(), n.clone())));
            }
        }
    }
    (whole, columns)
}

/// GRANT or REVOKE on a table, its columns included. Revoking a privilege on the table
/// revokes it on every column too, as in PostgreSQL.
fn grant_on_table(table: &mut Table, roles: &[String], whole: &[String], columns: &[(String, String)], grant: bool) {
    apply_grant(&mut table.grants, roles, whole, grant);
    if !grant {
        for column_grants in table.column_grants.values_mut() {
            apply_grant(column_grants, roles, whole, false);
        }
    }
    for (column, privilege) in columns {
        let column_grants = table.column_grants.entry(column.clone()).or_default();
        apply_grant(column_grants, roles, std::slice::from_ref(privilege), grant);
    }
    table.column_grants.retain(|_, g| !g.is_empty());
}

pub fn grant(schema: &mut Schema, s: &protobuf::GrantStmt) -> Outcome {
    // REVOKE GRANT OPTION FOR leaves the privileges: the model holds no grant options.
    if !s.is_grant && s.grant_option {
        return Outcome::Applied;
    }
    let objtype = ObjectType::try_from(s.objtype).unwrap_or(ObjectType::Undefined);
    let targtype = GrantTargetType::try_from(s.targtype).unwrap_or(GrantTargetType::Undefined);
    // The owner's privileges are implicit (a dump grants them all the same).
    let roles: Vec<String> = role_names(&s.grantees).into_iter().filter(|r| r != OWNER).collect();
    // What is in the platform's schemas (storage, auth, …) is the platform's: the model
    // holds none of it, so a grant on all of it is outside the model, not a grant on nothing.
    let all_in: Vec<String> = match targtype {
        GrantTargetType::AclTargetAllInSchema => {
            s.objects.iter().filter_map(crate::pgtree::str_of).map(str::to_string).collect()
        }
        _ => Vec::new(),
    };
    if !all_in.iter().all(|n| n == PUBLIC_SCHEMA || schema.schemas.contains(n)) {
        return Outcome::Skipped("GRANT (schemas the project does not create)");
    }
    match objtype {
        ObjectType::ObjectTable => {
            let (privs, columns) = privileges(s, TABLE_PRIVILEGES);
            let targets: Vec<QualifiedName> = if targtype == GrantTargetType::AclTargetAllInSchema {
                schema
                    .tables
                    .keys()
                    .chain(schema.views.keys())
                    .filter(|k| all_in.contains(&k.schema))
                    .cloned()
                    .collect()
            } else {
                s.objects
                    .iter()
                    .filter_map(|o| match o.node.as_ref()? {
                        NodeEnum::RangeVar(rv) => Some(existing(schema, rv)),
                        _ => None,
                    })
                    .collect()
            };
            let mut unresolved = Vec::new();
            for t in targets {
                if let Some(table) = schema.tables.get_mut(&t) {
                    grant_on_table(table, &roles, &privs, &columns, s.is_grant);
                } else if !columns.is_empty() {
                    return Outcome::Skipped("GRANT (columns of a view)");
                } else if let Some(view) = schema.views.get_mut(&t) {
                    apply_grant(&mut view.grants, &roles, &privs, s.is_grant);
                } else {
                    unresolved.push(t.to_string());
                }
            }
            if !unresolved.is_empty() {
                return Outcome::Unresolved(format!(
                    "GRANT on {}, which the model does not hold",
                    unresolved.join(", ")
                ));
            }
        }
        ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine => {
            let (privs, _) = privileges(s, FUNCTION_PRIVILEGES);
            let keys: Vec<_> = if targtype == GrantTargetType::AclTargetAllInSchema {
                // ALL FUNCTIONS leaves procedures out, ALL PROCEDURES takes only them.
                let kind = ObjectType::try_from(s.objtype).unwrap_or(ObjectType::ObjectRoutine);
                let of_kind = |procedure: bool| match kind {
                    ObjectType::ObjectFunction => !procedure,
                    ObjectType::ObjectProcedure => procedure,
                    _ => true,
                };
                schema
                    .functions
                    .iter()
                    .filter(|(_, f)| all_in.contains(&f.name.schema) && of_kind(f.procedure))
                    .map(|(k, _)| k.clone())
                    .collect()
            } else {
                s.objects
                    .iter()
                    .filter_map(|o| match o.node.as_ref()? {
                        NodeEnum::ObjectWithArgs(owa) => Some(object_with_args(owa)),
                        _ => None,
                    })
                    .flat_map(|(name, args)| function_keys(schema, &name, args.as_deref()))
                    .collect()
            };
            if keys.is_empty() && targtype != GrantTargetType::AclTargetAllInSchema {
                return Outcome::Unresolved("GRANT on a function the model does not hold".into());
            }
            for k in keys {
                if let Some(f) = schema.functions.get_mut(&k) {
                    apply_grant(&mut f.grants, &roles, &privs, s.is_grant);
                }
            }
        }
        ObjectType::ObjectSchema => {
            let names: Vec<String> = s.objects.iter().filter_map(crate::pgtree::str_of).map(str::to_string).collect();
            // The platform's schemas (auth, storage, …) are the platform's to grant on;
            // `public` is the project's too.
            if !names.iter().all(|n| schema.schemas.contains(n) || n == PUBLIC_SCHEMA) {
                return Outcome::Skipped("GRANT (schemas the project does not create)");
            }
            let (privs, _) = privileges(s, SCHEMA_PRIVILEGES);
            for name in names {
                let mut grants = schema.schema_grants_of(&name);
                apply_grant(&mut grants, &roles, &privs, s.is_grant);
                schema.schema_grants.insert(name, grants);
            }
            // `public`'s entry stays, empty or not: without it, it would hold the platform's.
            schema.schema_grants.retain(|name, g| !g.is_empty() || name == PUBLIC_SCHEMA);
        }
        ObjectType::ObjectSequence => {
            let (privs, _) = privileges(s, SEQUENCE_PRIVILEGES);
            let (names, columns): (Vec<QualifiedName>, Vec<QualifiedName>) =
                if targtype == GrantTargetType::AclTargetAllInSchema {
                    let inside = |q: &QualifiedName| all_in.contains(&q.schema);
                    (
                        schema.sequences.keys().filter(|q| inside(q)).cloned().collect(),
                        column_sequences(schema).into_iter().filter(inside).collect(),
                    )
                } else {
                    let named = s.objects.iter().filter_map(|o| match o.node.as_ref()? {
                        NodeEnum::RangeVar(rv) => Some(crate::source::ddl::qualified(rv)),
                        _ => None,
                    });
                    let (names, columns): (Vec<_>, Vec<_>) = named.partition(|n| schema.sequences.contains_key(n));
                    if let Some(name) = columns.iter().find(|n| !is_column_sequence(schema, n)) {
                        return Outcome::Unresolved(format!("GRANT on sequence {name}, which the model does not hold"));
                    }
                    (names, columns)
                };
            // The model keeps no privileges of a serial or identity column's sequence: it
            // has what the defaults give a new sequence, and a grant that leaves that as it
            // is (pg_dump writes one out for each) changes nothing.
            let defaults_change = |name: &QualifiedName| {
                let before = schema.default_privileges.effective(&name.schema, ObjectKind::Sequences);
                let mut after = before.clone();
                apply_grant(&mut after, &roles, &privs, s.is_grant);
                after != before
            };
            if columns.iter().any(defaults_change) {
                return Outcome::Skipped("GRANT (sequence of a serial or identity column)");
            }
            for name in names {
                let sequence = schema.sequences.get_mut(&name).expect("checked above");
                apply_grant(&mut sequence.grants, &roles, &privs, s.is_grant);
            }
        }
        _ => return Outcome::Skipped("GRANT (other objects)"),
    }
    // The privileges are the model's; the right to grant them on is not.
    if s.grant_option { Outcome::Skipped("GRANT … WITH GRANT OPTION") } else { Outcome::Applied }
}

pub fn alter_default_privileges(schema: &mut Schema, s: &protobuf::AlterDefaultPrivilegesStmt) -> Outcome {
    let Some(action) = s.action.as_ref() else { return Outcome::Skipped("ALTER DEFAULT PRIVILEGES") };
    let mut schemas = Vec::new();
    for option in &s.options {
        let Some(NodeEnum::DefElem(d)) = option.node.as_ref() else { continue };
        let items = match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
            Some(NodeEnum::List(l)) => l.items.clone(),
            _ => Vec::new(),
        };
        match d.defname.as_str() {
            "schemas" => schemas.extend(items.iter().filter_map(|n| crate::pgtree::str_of(n).map(str::to_string))),
            "roles" => {
                let roles = role_names(&items);
                if !roles.iter().any(|r| r == OWNER || r == "current_role" || r == "current_user") {
                    return Outcome::Unresolved(format!(
                        "ALTER DEFAULT PRIVILEGES FOR ROLE {}: only the defaults of {OWNER}, who runs the migrations, are modelled",
                        roles.join(", ")
                    ));
                }
            }
            _ => {}
        }
    }
    let kind = match ObjectType::try_from(action.objtype).unwrap_or(ObjectType::Undefined) {
        ObjectType::ObjectTable => ObjectKind::Tables,
        ObjectType::ObjectSequence => ObjectKind::Sequences,
        ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine => ObjectKind::Functions,
        ObjectType::ObjectType => ObjectKind::Types,
        ObjectType::ObjectSchema => ObjectKind::Schemas,
        _ => return Outcome::Skipped("ALTER DEFAULT PRIVILEGES"),
    };
    let (privileges, _) = privileges(action, kind.privileges());
    let roles = role_names(&action.grantees);
    let scopes: Vec<Option<String>> =
        if schemas.is_empty() { vec![None] } else { schemas.into_iter().map(Some).collect() };
    for scope in scopes {
        schema.default_privileges.apply(scope, kind, &roles, &privileges, action.is_grant);
    }
    Outcome::Applied
}

/// The sequences that serial and identity columns draw from: `<table>_<column>_seq`, or
/// the one a `nextval` default names (a renamed table's keeps its old name).
fn column_sequences(schema: &Schema) -> BTreeSet<QualifiedName> {
    let mut out = BTreeSet::new();
    for table in schema.tables.values() {
        for column in &table.columns {
            if let Some(name) = column_sequence(&table.name, column) {
                out.insert(name);
            }
        }
    }
    out
}

fn column_sequence(table: &QualifiedName, column: &Column) -> Option<QualifiedName> {
    if let Some(sequence) = column.own_sequence(table) {
        return Some(sequence);
    }
    column.default.as_ref().and_then(crate::source::ddl::drawn_sequence)
}

/// `column_sequences(schema).contains(name)`, without a scan of every table when the name
/// is `<table>_<column>_seq` of a table that has the column.
pub(crate) fn is_column_sequence(schema: &Schema, name: &QualifiedName) -> bool {
    let by_name = name.name.strip_suffix("_seq").is_some_and(|stem| {
        stem.match_indices('_').any(|(i, _)| {
            let table = QualifiedName::new(name.schema.clone(), stem[..i].to_string());
            schema.tables.get(&table).is_some_and(|t| {
                t.columns.iter().any(|c| c.name == stem[i + 1..] && column_sequence(&table, c).as_ref() == Some(name))
            })
        })
    });
    by_name || column_sequences(schema).contains(name)
}
