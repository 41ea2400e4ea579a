//! Replay of what makes a table replicated and how it is stored: CREATE / ALTER / DROP
//! PUBLICATION, a table's REPLICA IDENTITY, UNLOGGED and storage parameters (of tables and
//! indexes), as PostgreSQL executes them.

use pg_query::protobuf::{self, AlterPublicationAction, AlterTableType, PublicationObjSpecType};
use pg_query::{Node, NodeEnum};

use crate::model::replication::PUBLISH_OPERATIONS;
use crate::model::{Publication, Published, QualifiedName, ReplicaIdentity, Schema, Table};
use crate::pgtree::{const_text, expr_sql, rename_column_in_expr, strings};
use crate::source::ddl::{Outcome, existing};
use crate::source::routines::{def_elems, option_value};

/// `WITH (…)` storage parameters as the model keeps them: `namespace.name`, sorted.
pub fn storage_options(options: &[Node]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = def_elems(options).map(|d| (option_name(d), option_value(d))).collect();
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

fn option_name(d: &protobuf::DefElem) -> String {
    let name = d.defname.to_lowercase();
    if d.defnamespace.is_empty() { name } else { format!("{}.{name}", d.defnamespace.to_lowercase()) }
}

/// SET (…) replaces the parameters it names; RESET (…) takes them back to their defaults.
fn change_options(options: &mut Vec<(String, String)>, given: &[Node], reset: bool) {
    for d in def_elems(given) {
        let name = option_name(d);
        options.retain(|(k, _)| *k != name);
        if !reset {
            options.push((name, option_value(d)));
        }
    }
    options.sort();
}

/// An ALTER TABLE action on the table's storage or replica identity; None when `subtype`
/// is not one.
pub fn alter_table_storage(table: &mut Table, subtype: AlterTableType, def: Option<&NodeEnum>) -> Option<Outcome> {
    let storage = &mut table.storage;
    match subtype {
        AlterTableType::AtSetLogged => storage.unlogged = false,
        AlterTableType::AtSetUnLogged => storage.unlogged = true,
        AlterTableType::AtSetRelOptions | AlterTableType::AtResetRelOptions => {
            let Some(NodeEnum::List(list)) = def else { return Some(Outcome::Applied) };
            change_options(&mut storage.options, &list.items, subtype == AlterTableType::AtResetRelOptions);
        }
        AlterTableType::AtReplicaIdentity => {
            let Some(NodeEnum::ReplicaIdentityStmt(r)) = def else { return Some(Outcome::Applied) };
            storage.replica_identity = match r.identity_type.as_str() {
                "f" => ReplicaIdentity::Full,
                "n" => ReplicaIdentity::Nothing,
                "i" => {
                    let unique_index = table.indexes.iter().any(|i| i.name == r.name && i.unique)
                        || table.constraints.iter().any(|c| c.kind.has_index() && c.name == r.name);
                    if !unique_index {
                        return Some(Outcome::Rejected {
                            message: format!("{} is not a unique index of {}", r.name, table.name),
                            hint: "REPLICA IDENTITY USING INDEX needs a unique, non-partial index of the table on \
                                   NOT NULL columns: create it first",
                        });
                    }
                    ReplicaIdentity::Index(r.name.clone())
                }
                _ => ReplicaIdentity::Default,
            };
        }
        _ => return None,
    }
    Some(Outcome::Applied)
}

/// `ALTER INDEX … SET (…) / RESET (…)`; other actions on an index are outside the model.
pub fn alter_index(schema: &mut Schema, s: &protobuf::AlterTableStmt) -> Outcome {
    let Some(rv) = s.relation.as_ref() else { return Outcome::Skipped("ALTER INDEX") };
    let name = crate::source::ddl::qualified(rv);
    let index = schema
        .tables
        .values_mut()
        .filter(|t| t.name.schema == name.schema)
        .find_map(|t| t.indexes.iter_mut().find(|i| i.name == name.name));
    let Some(index) = index else {
        if s.missing_ok {
            return Outcome::Applied;
        }
        return Outcome::Unresolved(format!("ALTER INDEX {name}, which the model does not hold"));
    };
    let mut outcome = Outcome::Applied;
    for cmd in &s.cmds {
        let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else { continue };
        let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
        match (subtype, cmd.def.as_deref().and_then(|d| d.node.as_ref())) {
            (AlterTableType::AtSetRelOptions | AlterTableType::AtResetRelOptions, Some(NodeEnum::List(list))) => {
                change_options(&mut index.options, &list.items, subtype == AlterTableType::AtResetRelOptions)
            }
            _ => outcome = Outcome::Skipped("ALTER INDEX (other)"),
        }
    }
    outcome
}

/// Whether a publication of this name exists: one the history created, or the platform's.
fn exists(schema: &Schema, name: &str) -> bool {
    schema.publications.contains_key(name) || Publication::is_platform(name)
}

/// The `publish` and `publish_via_partition_root` options; other options (those of later
/// PostgreSQL versions) are left at their defaults.
fn apply_options(p: &mut Publication, options: &[Node]) {
    for d in def_elems(options) {
        match d.defname.as_str() {
            "publish" => {
                let given = d.arg.as_deref().and_then(const_text).unwrap_or_default().to_lowercase();
                let given: Vec<&str> = given.split(',').map(str::trim).collect();
                p.publish = PUBLISH_OPERATIONS.iter().filter(|o| given.contains(o)).map(|o| o.to_string()).collect();
            }
            "publish_via_partition_root" => p.via_root = option_value(d) == "true",
            _ => {}
        }
    }
}

/// The tables a publication statement lists, with their column lists and row filters;
/// `false` when it also names schemas (`TABLES IN SCHEMA`), which the model does not hold.
fn listed_tables(schema: &Schema, objects: &[Node]) -> (Vec<(QualifiedName, Published)>, bool) {
    let mut tables = Vec::new();
    let mut only_tables = true;
    for object in objects {
        let Some(NodeEnum::PublicationObjSpec(spec)) = object.node.as_ref() else { continue };
        match PublicationObjSpecType::try_from(spec.pubobjtype).unwrap_or(PublicationObjSpecType::Undefined) {
            PublicationObjSpecType::PublicationobjTable | PublicationObjSpecType::PublicationobjContinuation => {
                let Some(rv) = spec.pubtable.as_ref().and_then(|t| t.relation.as_ref()) else {
                    only_tables = false;
                    continue;
                };
                let table = spec.pubtable.as_ref().expect("checked above");
                let mut columns = strings(&table.columns);
                columns.sort();
                let row_filter = table.where_clause.as_deref().map(expr_sql);
                tables.push((existing(schema, rv), Published { columns, row_filter }));
            }
            _ => only_tables = false,
        }
    }
    (tables, only_tables)
}

pub fn create_publication(schema: &mut Schema, s: &protobuf::CreatePublicationStmt) -> Outcome {
    if schema.publications.contains_key(&s.pubname) {
        return Outcome::Rejected {
            message: format!("publication {} already exists", s.pubname),
            hint: "a statement before this one creates it, and PostgreSQL refuses to create it again: drop it \
                   first, or use ALTER PUBLICATION",
        };
    }
    let mut publication = Publication::new(s.pubname.clone());
    publication.all_tables = s.for_all_tables;
    apply_options(&mut publication, &s.options);
    schema.publications.insert(s.pubname.clone(), publication);
    add_members(schema, &s.pubname, &s.pubobjects)
}

pub fn alter_publication(schema: &mut Schema, s: &protobuf::AlterPublicationStmt) -> Outcome {
    if !exists(schema, &s.pubname) {
        return Outcome::Unresolved(format!("ALTER PUBLICATION {}, which the model does not hold", s.pubname));
    }
    if !s.options.is_empty() {
        let publication =
            schema.publications.entry(s.pubname.clone()).or_insert_with(|| Publication::new(s.pubname.clone()));
        apply_options(publication, &s.options);
    }
    match AlterPublicationAction::try_from(s.action).unwrap_or(AlterPublicationAction::Undefined) {
        _ if s.pubobjects.is_empty() => Outcome::Applied,
        AlterPublicationAction::ApAddObjects => add_members(schema, &s.pubname, &s.pubobjects),
        AlterPublicationAction::ApSetObjects => {
            remove_members(schema, &s.pubname);
            add_members(schema, &s.pubname, &s.pubobjects)
        }
        AlterPublicationAction::ApDropObjects => {
            let (tables, only_tables) = listed_tables(schema, &s.pubobjects);
            for (name, _) in tables {
                let member = schema.tables.get_mut(&name).and_then(|t| t.publications.remove(&s.pubname));
                if member.is_none() {
                    return Outcome::Unresolved(format!(
                        "DROP TABLE {name} from publication {}, which the model does not hold",
                        s.pubname
                    ));
                }
            }
            if only_tables { Outcome::Applied } else { Outcome::Skipped("PUBLICATION … TABLES IN SCHEMA") }
        }
        AlterPublicationAction::Undefined => Outcome::Skipped("ALTER PUBLICATION"),
    }
}

fn add_members(schema: &mut Schema, publication: &str, objects: &[Node]) -> Outcome {
    let (tables, only_tables) = listed_tables(schema, objects);
    for (name, published) in tables {
        let Some(table) = schema.tables.get_mut(&name) else {
            return Outcome::Unresolved(format!(
                "table {name} added to publication {publication}, which the model does not hold"
            ));
        };
        if table.publications.contains_key(publication) {
            return Outcome::Rejected {
                message: format!("table {name} is already in publication {publication}"),
                hint: "PostgreSQL refuses to add a table to a publication twice: drop it from the publication \
                       first, or use ALTER PUBLICATION … SET TABLE",
            };
        }
        table.publications.insert(publication.to_string(), published);
    }
    if only_tables { Outcome::Applied } else { Outcome::Skipped("PUBLICATION … TABLES IN SCHEMA") }
}

fn remove_members(schema: &mut Schema, publication: &str) {
    for table in schema.tables.values_mut() {
        table.publications.remove(publication);
    }
}

/// DROP PUBLICATION: the publication and its tables' membership.
pub fn drop_publications(schema: &mut Schema, names: &[String], missing_ok: bool) -> Outcome {
    for name in names {
        if !exists(schema, name) && !missing_ok {
            return Outcome::Unresolved(format!("DROP PUBLICATION {name}, which the model does not hold"));
        }
        schema.publications.remove(name);
        remove_members(schema, name);
    }
    Outcome::Applied
}

/// ALTER PUBLICATION … RENAME TO.
pub fn rename_publication(schema: &mut Schema, from: &str, to: &str) -> Outcome {
    if !exists(schema, from) {
        return Outcome::Unresolved(format!("rename of publication {from}, which the model does not hold"));
    }
    if exists(schema, to) {
        return Outcome::Rejected {
            message: format!("publication {to} already exists"),
            hint: "PostgreSQL refuses to rename onto a name that is taken: pick another name",
        };
    }
    let mut publication = schema.publications.remove(from).unwrap_or_else(|| Publication::new(from));
    publication.name = to.to_string();
    schema.publications.insert(to.to_string(), publication);
    for table in schema.tables.values_mut() {
        if let Some(member) = table.publications.remove(from) {
            table.publications.insert(to.to_string(), member);
        }
    }
    Outcome::Applied
}

/// A renamed column, in its table's publication column lists and row filters (PostgreSQL
/// keeps both by column number), and a renamed index as the replica identity.
pub fn rename_column(table: &mut Table, old: &str, new: &str) {
    for member in table.publications.values_mut() {
        for c in member.columns.iter_mut().filter(|c| *c == old) {
            *c = new.to_string();
        }
        member.columns.sort();
        if let Some(f) = &mut member.row_filter {
            *f = rename_column_in_expr(f, old, new);
        }
    }
}

pub fn rename_index(table: &mut Table, old: &str, new: &str) {
    if table.storage.replica_identity == ReplicaIdentity::Index(old.to_string()) {
        table.storage.replica_identity = ReplicaIdentity::Index(new.to_string());
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{Publication, QualifiedName, ReplicaIdentity, Schema};
    use crate::source::sql::{LoadReport, load_text};

    fn load(sql: &str) -> Result<(Schema, LoadReport), String> {
        let mut schema = Schema::default();
        let mut report = LoadReport::default();
        load_text(&mut schema, Path::new("0.sql"), sql, &mut report).map_err(|e| format!("{e:?}"))?;
        Ok((schema, report))
    }

    fn members(schema: &Schema, publication: &str) -> Vec<String> {
        schema
            .tables
            .values()
            .filter(|t| t.publications.contains_key(publication))
            .map(|t| t.name.name.clone())
            .collect()
    }

    #[test]
    fn publication_membership_follows_the_history() {
        let (schema, _) = load(
            "create table a (id int primary key, b text, c text); create table b (id int primary key);
             create table c (id int primary key);
             drop publication if exists supabase_realtime;
             create publication supabase_realtime for table a (id, b) where (b <> 'x'), b;
             alter publication supabase_realtime drop table b;
             create publication feed with (publish = 'insert, delete');
             alter publication feed add table b, c;
             alter publication feed set table c;
             alter publication feed rename to news;
             alter table a rename column b to body;
             alter table c rename to cc;
             drop table c_missing_is_fine_if_exists_ignored cascade;",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(members(&schema, "supabase_realtime"), ["a"]);
        assert_eq!(members(&schema, "news"), ["cc"]);
        let a = &schema.tables[&QualifiedName::new("public", "a")].publications["supabase_realtime"];
        assert_eq!(a.columns, ["body", "id"]);
        assert_eq!(a.row_filter.as_ref().unwrap().text(), "body <> 'x'");
        assert_eq!(schema.publications["news"].publish, ["insert", "delete"]);
        // Created again as the platform makes it: no different from not declared.
        assert_eq!(schema.publications["supabase_realtime"], Publication::new("supabase_realtime"));
        let (schema, _) =
            load("create table a (id int); alter publication supabase_realtime add table a; drop table a;").unwrap();
        assert!(members(&schema, "supabase_realtime").is_empty());
    }

    #[test]
    fn what_postgresql_refuses_is_refused() {
        let twice = load("create table a (id int); alter publication supabase_realtime add table a, a;");
        assert!(twice.unwrap_err().contains("already in publication supabase_realtime"));
        let again = load("create publication p; create publication p;");
        assert!(again.unwrap_err().contains("publication p already exists"));
        let not_unique = load(
            "create table a (id int, b int); create index a_b on a (b); alter table a replica identity using index a_b;",
        );
        assert!(not_unique.unwrap_err().contains("a_b is not a unique index"));
    }

    #[test]
    fn storage_and_replica_identity_follow_the_history() {
        let (schema, _) = load(
            "create unlogged table a (id int primary key, k int not null unique) with (fillfactor = 70, autovacuum_enabled = off);
             alter table a set logged, set (toast.autovacuum_enabled = false), reset (fillfactor);
             alter table a replica identity using index a_k_key;
             alter index a_k_key rename to a_k;
             create index a_id on a (id) with (fillfactor = 50);
             alter index a_id set (fillfactor = 60);",
        )
        .unwrap();
        let a = &schema.tables[&QualifiedName::new("public", "a")];
        assert!(!a.storage.unlogged);
        let options: Vec<(&str, &str)> = a.storage.options.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(options, [("autovacuum_enabled", "false"), ("toast.autovacuum_enabled", "false")]);
        assert_eq!(a.storage.replica_identity, ReplicaIdentity::Index("a_k".into()));
        assert_eq!(a.index("a_id").unwrap().options, [("fillfactor".to_string(), "60".to_string())]);
    }

    #[test]
    fn clauses_the_model_cannot_hold_are_reported_where_they_are() {
        let (schema, report) = load(
            "create table r (id int, during tstzrange, exclude using gist (during with &&));
             create table m (id int) partition by range (id); create table m1 partition of m (id default 0) default;
             alter table r add constraint no_overlap exclude using gist (during with &&);
             create publication s for tables in schema public;",
        )
        .unwrap();
        // EXCLUDE constraints are in the model: the unnamed one named as PostgreSQL names it.
        let r = &schema.tables[&QualifiedName::new("public", "r")];
        let names: Vec<&str> = r.constraints.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["r_during_excl", "no_overlap"]);
        let outside: Vec<(usize, &str)> = report.outside.iter().map(|o| (o.origin.line, o.kind.as_str())).collect();
        assert_eq!(outside, [(2, "column options of a partition"), (4, "PUBLICATION … TABLES IN SCHEMA")]);
    }
}
