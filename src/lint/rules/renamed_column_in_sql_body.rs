//! PostgreSQL checks a SQL body's names when the function is created, never again: a body
//! that names a column renamed since fails each time the function runs.

use super::bodies_naming_renamed_column;
use crate::diff::Change;
use crate::lint::{Ctx, Migration};
use crate::model::deps;

pub(super) fn check(ctx: &mut Ctx, _: &Migration, change: &Change) {
    bodies_naming_renamed_column(ctx, change, "sql", deps::function);
}
