//! Changing a varchar limit later is a type change, and lowering it rewrites the table
//! under an ACCESS EXCLUSIVE lock; a check holding the limit can be replaced NOT VALID and
//! validated without blocking.

use crate::lint::Ctx;
use crate::model::{Column, ObjectId, Table};

pub(super) fn check(ctx: &mut Ctx, table: &Table, c: &Column) {
    let ty = &c.data_type;
    if ty.builtin && ty.name == "character varying" && !ty.modifiers.is_empty() {
        let object = ObjectId::Column(table.name.clone(), c.name.clone());
        ctx.report(
            object.clone(),
            format!(
                "{object} is {}: changing its limit later takes an ACCESS EXCLUSIVE lock, and lowering it rewrites the table",
                ty.sql()
            ),
            format!(
                "use `text` with `check (char_length({}) <= {})`: a check can be replaced NOT VALID and validated without blocking reads",
                crate::pgtree::quote_ident(&c.name),
                ty.modifiers.join(",")
            ),
        );
    }
}
