//! Owners (`ALTER … OWNER TO`) of objects on both sides, and of new tables and sequences,
//! whose privileges are changes of their own; other objects get theirs with their creation,
//! after their grants (`plan::objects`), and a dropped one needs none.

use super::Change;
use crate::model::owners::owners;
use crate::model::{Grants, ObjectId, Schema};

/// The owner changes, after the privilege changes are known: ALTER … OWNER TO merges the new
/// owner's own grants into ownership, so the privileges diff leaves that role alone (it
/// would revoke them from the owner), and the change keeps them for its rollback.
pub fn diff_owners(current: &Schema, desired: &Schema, changes: &mut Vec<Change>) {
    let before = owners(current);
    let mut owned = Vec::new();
    for (target, to) in owners(desired) {
        let new = matches!(target, ObjectId::Table(_) | ObjectId::Sequence(_));
        let from = match before.get(&target) {
            Some(&from) => from,
            None if new => &None,
            None => continue,
        };
        if from == to {
            continue;
        }
        let kept: Grants = match (to, grants_of(current, &target)) {
            (Some(role), Some(grants)) => grants.get(role).map(|p| (role.clone(), p.clone())).into_iter().collect(),
            _ => Grants::new(),
        };
        owned.extend(to.clone().map(|role| (target.clone(), role)));
        changes.push(Change::Owner { target, from: from.clone(), to: to.clone(), kept });
    }
    for (target, role) in owned {
        for c in changes.iter_mut() {
            if let Change::Grants { target: t, from, .. } = c
                && t == &target
            {
                from.remove(&role);
            }
        }
        changes.retain(|c| !matches!(c, Change::Grants { target: t, from, to, .. } if t == &target && from == to));
    }
}

/// The privileges the model keeps on an object that can change owner.
fn grants_of<'a>(schema: &'a Schema, id: &ObjectId) -> Option<&'a Grants> {
    match id {
        ObjectId::Table(t) => schema.tables.get(t).map(|t| &t.grants),
        ObjectId::View { name, .. } => schema.views.get(name).map(|v| &v.grants),
        ObjectId::Sequence(s) => schema.sequences.get(s).map(|s| &s.grants),
        ObjectId::Function(r) => schema.functions.values().find(|f| &f.routine() == r).map(|f| &f.grants),
        _ => None,
    }
}
