//! A typed constant as the server prints it. PostgreSQL keeps a constant as a value of its
//! type and prints it back through the type's output function: `interval '24 hours'` comes
//! back `'24:00:00'::interval`, the jsonpath `'$[*].email'` comes back `'$[*]."email"'`.
//! Rather than reimplement each type's parser, a comparison with a live side asks that
//! server how it prints the constants of the other side, in one round trip, and compares
//! with that.

use std::collections::{BTreeMap, BTreeSet};

use super::canonical::{Constant, Readings, comparable, compared};
use crate::db::Database;
use crate::diagnostic::{Diagnostic, Result};
use crate::model::Schema;

/// `current` and `desired` in the form in which they compare (`canonical::comparable`).
/// When exactly one side was read from a server (its connection given), the string
/// constants of the other side are read as that server prints them, each as the type the
/// server gave the constant in the same place.
pub fn compared_forms(
    current: &Schema,
    current_db: Option<&mut Database>,
    desired: &Schema,
    desired_db: Option<&mut Database>,
) -> Result<(Schema, Schema)> {
    match (current_db, desired_db) {
        (Some(db), None) => as_server_prints(db, current, desired),
        (None, Some(db)) => as_server_prints(db, desired, current).map(|(d, c)| (c, d)),
        _ => Ok((comparable(current), comparable(desired))),
    }
}

/// `live` (read from `db`) and `files` in the compared form, the constants of `files` read
/// as `db` prints them.
pub fn as_server_prints(db: &mut Database, live: &Schema, files: &Schema) -> Result<(Schema, Schema)> {
    let none = Readings::new();
    let (live, printed) = compared(live, &none);
    let (plain, written) = compared(files, &none);
    let asked = paired(&printed, &written);
    if asked.is_empty() {
        return Ok((live, plain));
    }
    let wanted: BTreeSet<&(String, String)> = asked.values().flatten().flatten().collect();
    let texts = ask(db, &wanted.into_iter().collect::<Vec<_>>())?;
    let readings: Readings = asked
        .into_iter()
        .map(|(key, places)| (key, places.into_iter().map(|p| p.and_then(|q| texts.get(&q).cloned())).collect()))
        .collect();
    Ok((live, compared(files, &readings).0))
}

/// For each expression of both sides whose constants pair up (as many on each side): at
/// each place where the strings differ, the files' string and the type the server gave
/// the constant there (or the files', where the server's has none).
fn paired(
    printed: &BTreeMap<String, Vec<Constant>>,
    written: &BTreeMap<String, Vec<Constant>>,
) -> BTreeMap<String, Vec<Option<(String, String)>>> {
    let mut out = BTreeMap::new();
    for (key, ours) in written {
        let Some(theirs) = printed.get(key).filter(|t| t.len() == ours.len()) else { continue };
        let places: Vec<Option<(String, String)>> = ours
            .iter()
            .zip(theirs)
            .map(|(o, t)| match (&o.value, &t.value, t.ty.as_ref().or(o.ty.as_ref())) {
                (Some(ov), Some(tv), Some(ty)) if ov != tv => Some((ov.clone(), ty.clone())),
                _ => None,
            })
            .collect();
        if places.iter().any(Option::is_some) {
            out.insert(key.clone(), places);
        }
    }
    out
}

/// The server's text of each (string, type): `$n::text::type::text`, all in one query, in
/// a read-only transaction (a type's input function is the server's code, not ours). The
/// strings are parameters and the types are names quoted from a parse tree, so no text of
/// the files becomes SQL. A string the type refuses has no text (the two sides differ
/// there); when one is refused the others are asked one by one.
fn ask(db: &mut Database, wanted: &[&(String, String)]) -> Result<BTreeMap<(String, String), String>> {
    let description = db.description.clone();
    let failed = |e: postgres::Error| -> crate::diagnostic::Errors {
        Diagnostic::new(format!("cannot read how {description} prints constants: {}", crate::db::cause(&e))).into()
    };
    let mut out = BTreeMap::new();
    let mut tx = db.client.build_transaction().read_only(true).start().map_err(failed)?;
    // A query takes at most 65,535 parameters.
    for chunk in wanted.chunks(10_000) {
        let casts: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, (_, ty))| format!("${}::pg_catalog.text::{ty}::pg_catalog.text", i + 1))
            .collect();
        let sql = format!("select array[{}]", casts.join(", "));
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            chunk.iter().map(|(v, _)| v as &(dyn postgres::types::ToSql + Sync)).collect();
        tx.execute("savepoint constants", &[]).map_err(failed)?;
        match tx.query_one(sql.as_str(), &params) {
            Ok(row) => {
                let texts: Vec<Option<String>> = row.get(0);
                for (pair, text) in chunk.iter().zip(texts) {
                    if let Some(text) = text {
                        out.insert((*pair).clone(), text);
                    }
                }
            }
            Err(_) => {
                tx.execute("rollback to savepoint constants", &[]).map_err(failed)?;
                for pair in chunk {
                    tx.execute("savepoint constant", &[]).map_err(failed)?;
                    let sql = format!("select $1::pg_catalog.text::{}::pg_catalog.text", pair.1);
                    match tx.query_one(sql.as_str(), &[&pair.0]) {
                        Ok(row) => {
                            if let Some(text) = row.get::<_, Option<String>>(0) {
                                out.insert((*pair).clone(), text);
                            }
                        }
                        Err(_) => {
                            tx.execute("rollback to savepoint constant", &[]).map_err(failed)?;
                        }
                    }
                }
            }
        }
    }
    tx.rollback().map_err(failed)?;
    Ok(out)
}
