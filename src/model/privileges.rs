//! Privileges: what roles hold on an object, and the default privileges
//! (`ALTER DEFAULT PRIVILEGES`) that decide what a new object starts with.
//!
//! An object's grants in the model are its whole ACL except its owner's: what
//! PostgreSQL's catalog would show. A new object starts with the default privileges of
//! its kind and schema, as in PostgreSQL, so `GRANT`/`REVOKE` in a history, the YAML's
//! `grants:` (or its absence) and the migration's statements all describe one ACL.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// Privileges by role (`public` for PUBLIC), each set upper-case (`SELECT`, `EXECUTE`).
pub type Grants = BTreeMap<String, BTreeSet<String>>;

/// What `ALL` means for each kind of object.
pub const TABLE_PRIVILEGES: &[&str] = &["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];
pub const FUNCTION_PRIVILEGES: &[&str] = &["EXECUTE"];
pub const COLUMN_PRIVILEGES: &[&str] = &["SELECT", "INSERT", "UPDATE", "REFERENCES"];
pub const SEQUENCE_PRIVILEGES: &[&str] = &["USAGE", "SELECT", "UPDATE"];
pub const TYPE_PRIVILEGES: &[&str] = &["USAGE"];
pub const SCHEMA_PRIVILEGES: &[&str] = &["USAGE", "CREATE"];

/// The role that runs migrations on Supabase, and so owns what they create. An owner's
/// privileges are implicit: grants to it are left out of objects' grants, and default
/// privileges `FOR ROLE` others do not apply to what migrations create.
pub const OWNER: &str = "postgres";

/// The roles Supabase's platform grants everything in `public` to, by default privileges
/// of the `postgres` role that runs migrations.
pub const PLATFORM_ROLES: &[&str] = &["anon", "authenticated", "service_role"];

/// The platform's `public` schema: the project does not create it, but its privileges are
/// the project's to change (a dump restates them, a history may revoke PUBLIC's USAGE).
pub const PUBLIC_SCHEMA: &str = "public";

/// What `public` grants on a fresh Supabase project: USAGE to PUBLIC (PostgreSQL's default
/// for it) and to anon, authenticated and service_role. Its owner is `pg_database_owner`;
/// `postgres` holds USAGE too, which the model leaves out with the owner's privileges.
pub fn platform_public_grants() -> Grants {
    std::iter::once("public").chain(PLATFORM_ROLES.iter().copied()).flat_map(|r| role_grants(r, &["USAGE"])).collect()
}

/// Roles a Supabase project has besides those it creates, beyond `PLATFORM_ROLES`.
const SUPABASE_ROLES: &[&str] = &[
    "authenticator",
    "dashboard_user",
    "pgbouncer",
    "postgres",
    "supabase_admin",
    "supabase_auth_admin",
    "supabase_functions_admin",
    "supabase_read_only_user",
    "supabase_realtime_admin",
    "supabase_replication_admin",
    "supabase_storage_admin",
    "supabase_etl_admin",
    "pgsodium_keyholder",
    "pgsodium_keyiduser",
    "pgsodium_keymaker",
];

/// Whether `role` exists without the project creating it: Supabase's roles, PostgreSQL's
/// predefined `pg_*` roles, and what a grant or a policy's `TO` may say besides a role
/// (PUBLIC, CURRENT_USER, CURRENT_ROLE, SESSION_USER).
pub fn platform_role(role: &str) -> bool {
    PLATFORM_ROLES.contains(&role)
        || SUPABASE_ROLES.contains(&role)
        || role.starts_with("pg_")
        || ["public", "current_user", "current_role", "session_user"].iter().any(|r| r.eq_ignore_ascii_case(role))
}

/// The platform's roles a misspelt one may have meant.
pub fn platform_role_names() -> impl Iterator<Item = &'static str> {
    PLATFORM_ROLES.iter().chain(SUPABASE_ROLES).copied()
}

/// The kinds of object `ALTER DEFAULT PRIVILEGES` applies to (PostgreSQL 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectKind {
    Tables,
    Sequences,
    Functions,
    Types,
    Schemas,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 5] =
        [ObjectKind::Tables, ObjectKind::Sequences, ObjectKind::Functions, ObjectKind::Types, ObjectKind::Schemas];

    /// What `ALL` means for this kind.
    pub fn privileges(self) -> &'static [&'static str] {
        match self {
            ObjectKind::Tables => TABLE_PRIVILEGES,
            ObjectKind::Sequences => SEQUENCE_PRIVILEGES,
            ObjectKind::Functions => FUNCTION_PRIVILEGES,
            ObjectKind::Types => TYPE_PRIVILEGES,
            ObjectKind::Schemas => SCHEMA_PRIVILEGES,
        }
    }

    /// The word in `ALTER DEFAULT PRIVILEGES … ON <word>` and in the YAML, lower-case.
    pub fn word(self) -> &'static str {
        match self {
            ObjectKind::Tables => "tables",
            ObjectKind::Sequences => "sequences",
            ObjectKind::Functions => "functions",
            ObjectKind::Types => "types",
            ObjectKind::Schemas => "schemas",
        }
    }

    pub fn from_word(word: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.word() == word)
    }

    /// PostgreSQL's own default before any ALTER DEFAULT PRIVILEGES: PUBLIC may execute
    /// functions and use types; everything else is the owner's alone.
    fn built_in(self) -> Grants {
        match self {
            ObjectKind::Functions => role_grants("public", FUNCTION_PRIVILEGES),
            ObjectKind::Types => role_grants("public", TYPE_PRIVILEGES),
            _ => Grants::new(),
        }
    }
}

fn role_grants(role: &str, privileges: &[&str]) -> Grants {
    Grants::from([(role.to_string(), privileges.iter().map(|p| p.to_string()).collect())])
}

/// Where a default privilege applies: every schema (no `IN SCHEMA`) or one schema.
pub type Scope = Option<String>;

/// The default privileges of the role that runs migrations. An entry for every schema
/// (scope `None`) replaces PostgreSQL's built-in default of its kind; an entry for one
/// schema adds to it and can only take back what it added itself, as in PostgreSQL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DefaultPrivileges {
    /// Scope `None` for every kind, always; a schema's entry only while it grants something.
    entries: BTreeMap<(Scope, ObjectKind), Grants>,
}

impl Default for DefaultPrivileges {
    /// A Supabase project before its first migration: PostgreSQL's built-in defaults, and
    /// everything new in `public` granted to anon, authenticated and service_role.
    fn default() -> Self {
        let mut entries: BTreeMap<(Scope, ObjectKind), Grants> =
            ObjectKind::ALL.into_iter().map(|k| ((None, k), k.built_in())).collect();
        for kind in [ObjectKind::Tables, ObjectKind::Functions, ObjectKind::Sequences] {
            let grants = PLATFORM_ROLES.iter().flat_map(|r| role_grants(r, kind.privileges())).collect();
            entries.insert((Some("public".to_string()), kind), grants);
        }
        DefaultPrivileges { entries }
    }
}

impl DefaultPrivileges {
    /// What a new object of `kind` in `schema` starts with.
    /// (The owner's own entry, which a dump may hold, adds nothing it does not have.)
    pub fn effective(&self, schema: &str, kind: ObjectKind) -> Grants {
        let mut grants = self.entries.get(&(None, kind)).cloned().unwrap_or_default();
        if let Some(extra) = self.entries.get(&(Some(schema.to_string()), kind)) {
            for (role, privileges) in extra {
                grants.entry(role.clone()).or_default().extend(privileges.iter().cloned());
            }
        }
        grants.remove(OWNER);
        grants
    }

    /// The entry of `scope` and `kind`: what it grants beyond the built-in default for every
    /// schema, the whole default for scope `None`.
    pub fn get(&self, scope: &Scope, kind: ObjectKind) -> Grants {
        self.entries.get(&(scope.clone(), kind)).cloned().unwrap_or_default()
    }

    /// Replaces the entry of `scope` and `kind`.
    pub fn set(&mut self, scope: Scope, kind: ObjectKind, grants: Grants) {
        if scope.is_some() && grants.is_empty() {
            self.entries.remove(&(scope, kind));
        } else {
            self.entries.insert((scope, kind), grants);
        }
    }

    /// `ALTER DEFAULT PRIVILEGES [IN SCHEMA …] GRANT|REVOKE privileges ON kind TO|FROM roles`.
    pub fn apply(&mut self, scope: Scope, kind: ObjectKind, roles: &[String], privileges: &[String], grant: bool) {
        let mut grants = self.get(&scope, kind);
        apply_grant(&mut grants, roles, privileges, grant);
        self.set(scope, kind, grants);
    }

    /// Every (scope, kind) that either side has an entry for, with both entries.
    pub fn changes<'a>(&'a self, to: &'a DefaultPrivileges) -> Vec<(Scope, ObjectKind, Grants, Grants)> {
        let keys: BTreeSet<&(Scope, ObjectKind)> = self.entries.keys().chain(to.entries.keys()).collect();
        keys.into_iter()
            .map(|(scope, kind)| (scope.clone(), *kind, self.get(scope, *kind), to.get(scope, *kind)))
            .filter(|(_, _, from, to)| from != to)
            .collect()
    }

    /// The entries that differ from a fresh project's, as (scope, kind, grants).
    pub fn declared(&self) -> Vec<(Scope, ObjectKind, Grants)> {
        DefaultPrivileges::default().changes(self).into_iter().map(|(scope, kind, _, to)| (scope, kind, to)).collect()
    }

    /// A dropped schema takes its default privileges along.
    pub fn drop_schema(&mut self, schema: &str) {
        self.entries.retain(|(scope, _), _| scope.as_deref() != Some(schema));
    }
}

/// GRANT (or REVOKE) `privileges` to (from) each of `roles`; a role left with nothing is
/// left out.
pub fn apply_grant(grants: &mut Grants, roles: &[String], privileges: &[String], grant: bool) {
    for role in roles {
        let set = grants.entry(role.clone()).or_default();
        for p in privileges {
            if grant {
                set.insert(p.clone());
            } else {
                set.remove(p);
            }
        }
        if set.is_empty() {
            grants.remove(role);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_schema_entry_adds_to_the_global_one_and_cannot_take_from_it() {
        let mut d = DefaultPrivileges::default();
        assert!(d.effective("public", ObjectKind::Functions).contains_key("anon"));
        assert!(d.effective("public", ObjectKind::Functions).contains_key("public"));
        assert!(!d.effective("private", ObjectKind::Tables).contains_key("anon"));
        // basejump's two statements: PUBLIC goes everywhere, anon and authenticated in public.
        d.apply(None, ObjectKind::Functions, &strings(&["public"]), &strings(&["EXECUTE"]), false);
        d.apply(
            Some("public".into()),
            ObjectKind::Functions,
            &strings(&["anon", "authenticated"]),
            &strings(&["EXECUTE"]),
            false,
        );
        let public = d.effective("public", ObjectKind::Functions);
        assert_eq!(public.keys().collect::<Vec<_>>(), ["service_role"]);
        assert!(d.effective("private", ObjectKind::Functions).is_empty());
        // Revoking in one schema what is granted everywhere changes nothing there.
        d.apply(None, ObjectKind::Tables, &strings(&["auditor"]), &strings(&["SELECT"]), true);
        d.apply(Some("public".into()), ObjectKind::Tables, &strings(&["auditor"]), &strings(&["SELECT"]), false);
        assert!(d.effective("public", ObjectKind::Tables).contains_key("auditor"));
    }

    #[test]
    fn declared_lists_only_what_differs_from_a_fresh_project() {
        let mut d = DefaultPrivileges::default();
        assert!(d.declared().is_empty());
        d.apply(None, ObjectKind::Functions, &strings(&["public"]), &strings(&["EXECUTE"]), false);
        assert_eq!(d.declared(), vec![(None, ObjectKind::Functions, Grants::new())]);
        d.drop_schema("public");
        assert_eq!(d.declared().len(), 4);
    }
}
