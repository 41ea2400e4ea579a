//! A timestamp without time zone stores a wall-clock time of no known zone: sessions with
//! different TimeZone settings read and compare it differently.

use crate::lint::Ctx;
use crate::model::{Column, ObjectId, Table};

pub(super) fn check(ctx: &mut Ctx, table: &Table, c: &Column) {
    let ty = &c.data_type;
    if ty.builtin && ty.name == "timestamp without time zone" {
        let object = ObjectId::Column(table.name.clone(), c.name.clone());
        ctx.report(
            object.clone(),
            format!("{object} is a timestamp without time zone: its values are local times of no known zone, read differently by sessions with different TimeZone settings"),
            "use `timestamptz`, which stores an instant and converts to each session's zone",
        );
    }
}
