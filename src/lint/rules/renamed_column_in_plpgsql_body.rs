//! A PL/pgSQL body is planned when it first runs in a session: one that names a column
//! renamed since fails there, in the statement that names it.

use super::bodies_naming_renamed_column;
use crate::diff::Change;
use crate::graph::plpgsql_deps;
use crate::lint::{Ctx, Migration};

pub(super) fn check(ctx: &mut Ctx, _: &Migration, change: &Change) {
    bodies_naming_renamed_column(ctx, change, "plpgsql", plpgsql_deps);
}
