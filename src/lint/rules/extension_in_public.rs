//! An extension's functions, types and operators become part of the API's schema when it
//! is installed in `public`.

use crate::lint::Ctx;
use crate::model::ObjectId;

pub(super) fn check(ctx: &mut Ctx) {
    for ext in ctx.desired.extensions.values() {
        if ext.schema.as_deref().is_none_or(|s| s == "public") {
            ctx.report(
                ObjectId::Extension(ext.name.clone()),
                format!(
                    "extension {} is installed in public: its functions and types become part of the API's schema",
                    ext.name
                ),
                format!("install it in the extensions schema: `extensions: {{{}: {{schema: extensions}}}}`", ext.name),
            );
        }
    }
}
