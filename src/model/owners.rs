//! Who owns what: the objects that can have an owner other than the migration role.

use std::collections::BTreeMap;

use super::deps::view_id;
use super::{ObjectId, Schema};

/// The owner of every table, view, function, type and sequence; None for the migration role.
pub fn owners(schema: &Schema) -> BTreeMap<ObjectId, &Option<String>> {
    let tables = schema.tables.values().map(|t| (ObjectId::Table(t.name.clone()), &t.owner));
    let views = schema.views.values().map(|v| (view_id(v), &v.owner));
    let functions = schema.functions.values().map(|f| (ObjectId::Function(f.routine()), &f.owner));
    let enums = schema.enums.values().map(|e| (ObjectId::Type(e.name.clone()), &e.owner));
    let composites = schema.composites.values().map(|c| (ObjectId::Type(c.name.clone()), &c.owner));
    let sequences = schema.sequences.values().map(|s| (ObjectId::Sequence(s.name.clone()), &s.owner));
    tables.chain(views).chain(functions).chain(enums).chain(composites).chain(sequences).collect()
}

/// Gives an object to `to` (None: the migration role) as ALTER … OWNER TO does: the new
/// owner's own grants merge into what it holds as owner, so they leave the object's grants
/// (an owner's privileges are implicit in the model).
pub fn hand_over(owner: &mut Option<String>, grants: Option<&mut super::Grants>, to: Option<String>) {
    if let (Some(role), Some(grants)) = (&to, grants) {
        grants.remove(role);
    }
    *owner = to;
}
