//! Contexts of the statements about publications and how tables are stored.

use minijinja::{Value, context};

use super::quote::{dotted, ident, idents, keyword, literal, qname, setting_value};
use crate::diagnostic::Result;
use crate::model::{Publication, Published, QualifiedName, ReplicaIdentity};

const PUBLISH: &[&str] = &["INSERT", "UPDATE", "DELETE", "TRUNCATE"];

pub(super) fn create_publication(p: &Publication) -> Result<(&'static str, Value)> {
    // Only what differs from CREATE PUBLICATION's defaults.
    let default = Publication { all_tables: p.all_tables, ..Publication::new(p.name.clone()) };
    let options = if p == &default { None } else { Some(publication_options(p)?) };
    Ok(("create_publication.sql.j2", context! { name => ident(&p.name), all_tables => p.all_tables, options }))
}

pub(super) fn drop_publication(name: &str) -> (&'static str, Value) {
    ("drop_publication.sql.j2", context! { name => ident(name) })
}

pub(super) fn publication_options_stmt(p: &Publication) -> Result<(&'static str, Value)> {
    Ok(("publication_options.sql.j2", context! { name => ident(&p.name), options => publication_options(p)? }))
}

/// `publish = '…', publish_via_partition_root = …`, the operations from a fixed list.
fn publication_options(p: &Publication) -> Result<String> {
    let operations: Vec<String> =
        p.publish.iter().map(|o| keyword(o, PUBLISH).map(str::to_lowercase)).collect::<Result<_>>()?;
    Ok(format!("publish = {}, publish_via_partition_root = {}", literal(&operations.join(", ")), p.via_root))
}

pub(super) fn publication_table(
    publication: &str,
    table: &QualifiedName,
    member: &Option<Published>,
) -> (&'static str, Value) {
    let columns = member.as_ref().filter(|m| !m.columns.is_empty()).map(|m| idents(&m.columns));
    let row_filter = member.as_ref().and_then(|m| m.row_filter.as_ref()).map(|e| e.text().to_string());
    (
        "publication_table.sql.j2",
        context! {
            publication => ident(publication),
            table => qname(table),
            add => member.is_some(),
            columns,
            row_filter,
        },
    )
}

pub(super) fn table_storage(
    table: &QualifiedName,
    unlogged: &Option<bool>,
    reset: &[String],
    set: &[(String, String)],
    replica_identity: &Option<ReplicaIdentity>,
) -> (&'static str, Value) {
    let reset: Vec<String> = reset.iter().map(|k| dotted(k)).collect();
    let replica_identity = replica_identity.as_ref().map(|r| match r {
        ReplicaIdentity::Default => "DEFAULT".to_string(),
        ReplicaIdentity::Full => "FULL".to_string(),
        ReplicaIdentity::Nothing => "NOTHING".to_string(),
        ReplicaIdentity::Index(i) => format!("USING INDEX {}", ident(i)),
    });
    (
        "table_storage.sql.j2",
        context! {
            table => qname(table),
            unlogged => *unlogged,
            reset => (!reset.is_empty()).then(|| reset.join(", ")),
            set => storage_options(set),
            replica_identity,
        },
    )
}

/// `name = value, …` of storage parameters, or None for none.
pub(super) fn storage_options(options: &[(String, String)]) -> Option<String> {
    let options: Vec<String> = options.iter().map(|(k, v)| format!("{} = {}", dotted(k), setting_value(v))).collect();
    (!options.is_empty()).then(|| options.join(", "))
}
