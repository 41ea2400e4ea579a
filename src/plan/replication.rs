//! Steps for publications, the tables in them, and how tables are stored.

use crate::diff::Change;
use crate::model::{Publication, Published, QualifiedName, ReplicaIdentity, Storage, Table};
use crate::statement::Statement as Stmt;

use super::{Object, Phase, Step};

/// The steps of a change of replication or storage, or None.
pub(super) fn steps_for(change: &Change) -> Option<Vec<Step>> {
    let step = match change {
        Change::Publication { from, to } => publication_step(from.as_ref(), to.as_ref()),
        Change::Publish { table, publication, from, to } => {
            let stmt = |member: &Option<Published>| Stmt::PublicationTable {
                publication: publication.clone(),
                table: table.clone(),
                member: member.clone(),
            };
            let (up, down) = match (from, to) {
                // A column list or row filter cannot be changed in place without naming every
                // other table of the publication (SET TABLE): dropped and added again.
                (Some(_), Some(_)) => (vec![stmt(&None), stmt(to)], vec![stmt(&None), stmt(from)]),
                _ => (vec![stmt(to)], vec![stmt(from)]),
            };
            let (phase, verb) = match to {
                Some(_) => (Phase::Grant, if from.is_some() { "~" } else { "+" }),
                None => (Phase::DropPolicy, "-"),
            };
            let mut s = Step::new(phase, format!("{verb} table {table} in publication {publication}"), up, down);
            s.requires.push(Object::Table(table.clone()));
            s.requires.push(Object::Publication(publication.clone()));
            let columns = |m: &Option<Published>| m.iter().flat_map(|m| m.columns.clone()).collect::<Vec<_>>();
            s.requires.extend(columns(to).into_iter().map(|c| Object::Column(table.clone(), c)));
            s.releases.extend(columns(from).into_iter().map(|c| Object::Column(table.clone(), c)));
            s
        }
        Change::TableStorage { table, from, to } => {
            let mut s = Step::new(
                Phase::CreateIndex,
                format!("~ storage of {table}: {}", storage_words(to)),
                vec![storage_stmt(table, from, to)],
                vec![storage_stmt(table, to, from)],
            );
            s.requires.push(Object::Table(table.clone()));
            if let ReplicaIdentity::Index(i) = &to.replica_identity {
                s.requires.push(Object::Index(table.schema.clone(), i.clone()));
            }
            if let ReplicaIdentity::Index(i) = &from.replica_identity {
                s.releases.push(Object::Index(table.schema.clone(), i.clone()));
            }
            s
        }
        _ => return None,
    };
    Some(vec![step])
}

fn publication_step(from: Option<&Publication>, to: Option<&Publication>) -> Step {
    let create = |p: &Publication| Stmt::CreatePublication(p.clone());
    let drop = |p: &Publication| Stmt::DropPublication(p.name.clone());
    let mut s = match (from, to) {
        (None, Some(p)) => {
            Step::new(Phase::CreateType, format!("+ publication {}", p.name), vec![create(p)], vec![drop(p)])
        }
        (Some(p), None) => {
            Step::new(Phase::DropType, format!("- publication {}", p.name), vec![drop(p)], vec![create(p)])
        }
        // FOR ALL TABLES cannot be altered: the publication is made again.
        (Some(a), Some(b)) if a.all_tables != b.all_tables => Step::new(
            Phase::CreateType,
            format!("~ publication {}", b.name),
            vec![drop(a), create(b)],
            vec![drop(b), create(a)],
        ),
        (Some(a), Some(b)) => Step::new(
            Phase::CreateType,
            format!("~ publication {}", b.name),
            vec![Stmt::PublicationOptions(b.clone())],
            vec![Stmt::PublicationOptions(a.clone())],
        ),
        (None, None) => unreachable!("the diff changes a publication that one side has"),
    };
    let name = to.or(from).map(|p| p.name.clone()).unwrap_or_default();
    match to {
        Some(_) => s.provides.push(Object::Publication(name)),
        None => s.removes.push(Object::Publication(name)),
    }
    s
}

/// The statement that turns `from` into `to`.
fn storage_stmt(table: &QualifiedName, from: &Storage, to: &Storage) -> Stmt {
    let value = |s: &Storage, k: &str| s.options.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    Stmt::TableStorage {
        table: table.clone(),
        unlogged: (from.unlogged != to.unlogged).then_some(to.unlogged),
        reset: from.options.iter().filter(|(k, _)| value(to, k).is_none()).map(|(k, _)| k.clone()).collect(),
        set: to.options.iter().filter(|(k, v)| value(from, k).as_ref() != Some(v)).cloned().collect(),
        replica_identity: (from.replica_identity != to.replica_identity).then(|| to.replica_identity.clone()),
    }
}

fn storage_words(s: &Storage) -> String {
    let mut words = vec![if s.unlogged { "unlogged".to_string() } else { "logged".to_string() }];
    words.extend(s.options.iter().map(|(k, v)| format!("{k}={v}")));
    words.push(format!("replica identity {}", s.replica_identity.words()));
    words.join(", ")
}

/// What a table restored by a rollback needs beyond CREATE TABLE: its replica identity
/// and its place in publications.
pub(super) fn table_extras(table: &Table) -> Vec<Stmt> {
    let mut out = Vec::new();
    if table.storage.replica_identity != ReplicaIdentity::Default {
        let born = Storage { replica_identity: ReplicaIdentity::Default, ..table.storage.clone() };
        out.push(storage_stmt(&table.name, &born, &table.storage));
    }
    for (publication, member) in &table.publications {
        out.push(Stmt::PublicationTable {
            publication: publication.clone(),
            table: table.name.clone(),
            member: Some(member.clone()),
        });
    }
    out
}
