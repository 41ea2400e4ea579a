//! The rules, one file each as in squawk, so that a rule's check and the texts it reports
//! are read and changed together, and adding a rule is its file, its line in the list
//! below and its test. The list is the catalog: the typed `RuleId`, the stable id users
//! write, the default severity and what the rule checks. The helpers at the end are the
//! ones several rules share.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{Ctx, Migration, Severity};
use crate::diagnostic::closest;
use crate::diff::Change;
use crate::model::deps::Dep;
use crate::model::{Column, Function, ObjectId, Policy, QualifiedName, Schema, Table};
use crate::pgtree::parse_expr;

mod access_contradicted;
mod adding_required_field;
mod auth_rls_initplan;
mod auth_users_exposed;
mod ban_drop_column;
mod ban_drop_table;
mod changing_column_type;
mod constraint_missing_not_valid;
mod duplicate_index;
mod extension_in_public;
mod function_search_path_mutable;
mod membership_self_insert;
mod multiple_permissive_policies;
mod no_primary_key;
mod policy_exists_rls_disabled;
mod prefer_bigint_over_int;
mod prefer_text_field;
mod prefer_timestamptz;
mod renamed_column_in_plpgsql_body;
mod renamed_column_in_sql_body;
mod renaming_column;
mod renaming_table;
mod require_concurrent_index_creation;
mod rls_disabled_in_public;
mod rls_enabled_no_policy;
mod rls_policy_always_true;
mod rls_references_user_metadata;
mod security_definer_platform_access;
mod security_definer_view;
mod unindexed_foreign_keys;

/// What a rule looks at, which is also what it is about: advisors read the desired schema,
/// safety rules each change, style rules each column the lint covers (every column of the
/// schema; on a change, those it adds or retypes).
#[derive(Clone, Copy)]
pub(super) enum Check {
    Advisor(fn(&mut Ctx)),
    Safety(fn(&mut Ctx, &Migration, &Change)),
    Style(fn(&mut Ctx, &Table, &Column)),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Supabase's database advisors, on the schema.
    Advisor,
    /// Migration safety (squawk's rules), on a change.
    Safety,
    /// Column types, on the schema and on what a change adds.
    Style,
}

#[derive(Clone, Copy)]
struct Rule {
    id: &'static str,
    default: Severity,
    check: Check,
    summary: &'static str,
}

/// Builds `RuleId` from the list below: one line a rule, so the enum and the catalog stay
/// in step. (The `mod` lines above stay outside it, where rustfmt finds the files.)
macro_rules! rules {
    ($($variant:ident = $id:literal, $default:ident, $kind:ident($file:ident), $summary:literal;)*) => {
        /// A lint rule. Its string (`as_str`, `FromStr`) is the stable id that `lint:`
        /// settings, output and SARIF name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $($variant,)*
        }

        impl RuleId {
            /// Every rule, in the order of docs/lint.md and of SARIF's rule list.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            fn rule(self) -> Rule {
                match self {
                    $(RuleId::$variant => Rule {
                        id: $id,
                        default: Severity::$default,
                        check: Check::$kind($file::check),
                        summary: $summary,
                    },)*
                }
            }
        }
    };
}

// Variant = stable id, default severity, what it checks (its file's `check`), summary for
// SARIF. Advisors first, then safety, then style. Ids are snake_case, as Supabase's
// advisors spell theirs; the safety and style rules were once kebab-case, as squawk spells
// them, and those spellings are still read (`FromStr`).
rules! {
    RlsDisabledInPublic = "rls_disabled_in_public", Error, Advisor(rls_disabled_in_public), "Table in an exposed schema without row-level security";
    PolicyExistsRlsDisabled = "policy_exists_rls_disabled", Error, Advisor(policy_exists_rls_disabled), "Table has policies but row-level security is off";
    RlsEnabledNoPolicy = "rls_enabled_no_policy", Warn, Advisor(rls_enabled_no_policy), "Row-level security is on but the table has no policy";
    AuthRlsInitplan = "auth_rls_initplan", Warn, Advisor(auth_rls_initplan), "Policy calls auth.uid()/auth.jwt()/current_setting() once per row";
    MultiplePermissivePolicies = "multiple_permissive_policies", Warn, Advisor(multiple_permissive_policies), "Several permissive policies for one role and command";
    UnindexedForeignKeys = "unindexed_foreign_keys", Warn, Advisor(unindexed_foreign_keys), "Foreign key without an index on its columns";
    DuplicateIndex = "duplicate_index", Warn, Advisor(duplicate_index), "Index with the same definition as another";
    NoPrimaryKey = "no_primary_key", Warn, Advisor(no_primary_key), "Table without a primary key";
    FunctionSearchPathMutable = "function_search_path_mutable", Warn, Advisor(function_search_path_mutable), "Function without SET search_path";
    SecurityDefinerView = "security_definer_view", Error, Advisor(security_definer_view), "View in an exposed schema without security_invoker";
    AuthUsersExposed = "auth_users_exposed", Error, Advisor(auth_users_exposed), "View in an exposed schema reads auth.users";
    SecurityDefinerPlatformAccess = "security_definer_platform_access", Error, Advisor(security_definer_platform_access), "SECURITY DEFINER function the API may call uses a platform table";
    RlsReferencesUserMetadata = "rls_references_user_metadata", Error, Advisor(rls_references_user_metadata), "Policy reads user_metadata from the JWT";
    RlsPolicyAlwaysTrue = "rls_policy_always_true", Error, Advisor(rls_policy_always_true), "Policy condition is always true";
    MembershipSelfInsert = "membership_self_insert", Error, Advisor(membership_self_insert), "Users can insert themselves into a membership table other policies trust";
    AccessContradicted = "access_contradicted", Warn, Advisor(access_contradicted), "Policies give a role other rows than the table's access expectations say";
    ExtensionInPublic = "extension_in_public", Warn, Advisor(extension_in_public), "Extension installed in the public schema";
    AddingRequiredField = "adding_required_field", Error, Safety(adding_required_field), "NOT NULL column without a default added to an existing table";
    ChangingColumnType = "changing_column_type", Warn, Safety(changing_column_type), "Column type change rewrites the table under an exclusive lock";
    RequireConcurrentIndexCreation = "require_concurrent_index_creation", Warn, Safety(require_concurrent_index_creation), "Index created on an existing table without CONCURRENTLY";
    ConstraintMissingNotValid = "constraint_missing_not_valid", Warn, Safety(constraint_missing_not_valid), "Foreign key or check added to an existing table without NOT VALID";
    BanDropColumn = "ban_drop_column", Warn, Safety(ban_drop_column), "Column dropped";
    BanDropTable = "ban_drop_table", Warn, Safety(ban_drop_table), "Table dropped";
    RenamingColumn = "renaming_column", Warn, Safety(renaming_column), "Column renamed";
    RenamingTable = "renaming_table", Warn, Safety(renaming_table), "Table renamed";
    RenamedColumnInSqlBody = "renamed_column_in_sql_body", Error, Safety(renamed_column_in_sql_body), "SQL function body still names a renamed column";
    RenamedColumnInPlpgsqlBody = "renamed_column_in_plpgsql_body", Warn, Safety(renamed_column_in_plpgsql_body), "PL/pgSQL function body still names a renamed column";
    PreferTextField = "prefer_text_field", Warn, Style(prefer_text_field), "varchar(n) column";
    PreferTimestamptz = "prefer_timestamptz", Warn, Style(prefer_timestamptz), "timestamp without time zone column";
    PreferBigintOverInt = "prefer_bigint_over_int", Warn, Style(prefer_bigint_over_int), "integer or smallint primary key or identity";
}

impl RuleId {
    pub fn as_str(self) -> &'static str {
        self.rule().id
    }

    pub fn category(self) -> Category {
        match self.rule().check {
            Check::Advisor(_) => Category::Advisor,
            Check::Safety(_) => Category::Safety,
            Check::Style(_) => Category::Style,
        }
    }

    pub fn default_severity(self) -> Severity {
        self.rule().default
    }

    pub fn summary(self) -> &'static str {
        self.rule().summary
    }

    pub(super) fn check(self) -> Check {
        self.rule().check
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RuleId {
    /// The message for an unknown id, naming the nearest known one.
    type Err = String;

    fn from_str(id: &str) -> Result<RuleId, String> {
        // `prefer-text-field`, the old spelling, in settings written before ids were one style.
        let snake = id.replace('-', "_");
        RuleId::ALL.iter().copied().find(|r| r.as_str() == snake).ok_or_else(|| {
            match closest(&snake, RuleId::ALL.iter().map(|r| r.as_str())) {
                Some(near) => format!("unknown lint rule `{id}`; did you mean `{near}`?"),
                None => format!("unknown lint rule `{id}` (the rules are listed in docs/lint.md)"),
            }
        })
    }
}

/// An unknown id fails to deserialize, so the config loader points at it.
impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// On a column rename, each function of the desired schema whose body (its dependencies as
/// `uses` finds them) still names the column by its old name: PostgreSQL does not follow a
/// rename into a body, so the function fails when it runs.
fn bodies_naming_renamed_column(ctx: &mut Ctx, change: &Change, language: &str, uses: fn(&Function) -> Vec<Dep>) {
    let Change::Rename { object: ObjectId::Column(table, new), from } = change else { return };
    let old = Dep::Column(table.clone(), from.clone());
    let functions: Vec<&Function> =
        ctx.desired.functions.values().filter(|f| f.language == language && uses(f).contains(&old)).collect();
    for f in functions {
        let object = ObjectId::Function(f.routine());
        ctx.report(
            object.clone(),
            format!("the body of {object} names column {from} of {table}, which the migration renames to {new}: it fails when it runs"),
            format!("write {new} for {from} in the body, so that the function is replaced in the same migration"),
        );
    }
}

/// Schemas the Data API (PostgREST) serves in a default Supabase project.
const EXPOSED_SCHEMAS: &[&str] = &["public"];

fn exposed(name: &QualifiedName) -> bool {
    EXPOSED_SCHEMAS.contains(&name.schema.as_str())
}

/// The policies of `table`. They are keyed by (table, name): a table's are one range of
/// the map.
fn policies_of<'a>(schema: &'a Schema, table: &Table) -> Vec<&'a Policy> {
    schema
        .policies
        .range((table.name.clone(), String::new())..)
        .take_while(|((t, _), _)| t == &table.name)
        .map(|(_, p)| p)
        .collect()
}

/// A policy's USING and WITH CHECK expressions, those it has, as pg_query trees in JSON.
fn clauses(policy: &Policy) -> Vec<(&'static str, Value)> {
    [("USING", &policy.using), ("WITH CHECK", &policy.with_check)]
        .into_iter()
        .filter_map(|(clause, expr)| {
            let tree = parse_expr(expr.as_ref()?.text()).ok()?;
            Some((clause, serde_json::to_value(&tree).expect("pg_query trees serialize")))
        })
        .collect()
}

/// The name parts of a FuncCall, without a leading `pg_catalog`.
fn function_name(call: &Value) -> Vec<&str> {
    let parts: Vec<&str> = call["funcname"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.pointer("/node/String/sval").and_then(Value::as_str))
        .collect();
    match parts.as_slice() {
        ["pg_catalog", rest @ ..] => rest.to_vec(),
        _ => parts,
    }
}
