//! Unqualified names in a function's body resolve through the caller's search_path, which
//! the caller controls: it can put its own objects first.

use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for f in ctx.desired.functions.values() {
        if !f.config.iter().any(|(name, _)| name == "search_path") {
            ctx.report(
                ObjectId::Function(f.routine()),
                format!("function {} has no `SET search_path`: it resolves names through the caller's search_path, which the caller controls", f.signature()),
                "add `set: {search_path: ''}` and schema-qualify the names in the body (or `search_path: public`)",
            );
        }
    }
}
