//! An index that another already provides, including those behind primary keys and
//! unique constraints, costs every write and its space for nothing.

use crate::lint::Ctx;
use crate::model::{ConstraintKind, Index, IndexKey, ObjectId};

pub(super) fn check(ctx: &mut Ctx) {
    for table in ctx.desired.tables.values() {
        let mut entries: Vec<(ObjectId, Index)> = Vec::new();
        for c in &table.constraints {
            let nulls_not_distinct = match &c.kind {
                ConstraintKind::PrimaryKey { .. } => false,
                ConstraintKind::Unique { nulls_not_distinct, .. } => *nulls_not_distinct,
                _ => continue,
            };
            let keys = c
                .kind
                .columns()
                .iter()
                .map(|col| IndexKey {
                    column: Some(col.clone()),
                    expr: None,
                    collation: None,
                    opclass: None,
                    desc: false,
                    nulls_first: None,
                })
                .collect();
            let index = Index {
                name: c.name.clone(),
                unique: true,
                method: "btree".into(),
                keys,
                include: Vec::new(),
                predicate: None,
                nulls_not_distinct,
                options: Vec::new(),
                comment: None,
            };
            entries.push((ObjectId::Constraint(table.name.clone(), c.name.clone()), index));
        }
        entries.extend(table.indexes.iter().map(|i| (ObjectId::Index(table.name.clone(), i.name.clone()), i.clone())));
        for (i, (object, index)) in entries.iter().enumerate() {
            if let Some((_, first)) = entries[..i].iter().find(|(_, e)| e.same_definition(index)) {
                ctx.report(
                    object.clone(),
                    format!("{object} has the same definition as {} on the same table", first.name),
                    format!("drop {}: {} already provides it", index.name, first.name),
                );
            }
        }
    }
}
