//! stub

use super::Locator;
use crate::diagnostic::Diagnostic;
use crate::model::Schema;

pub(super) fn check(_schema: &Schema, _at: &Locator) -> Vec<Diagnostic> {
    Vec::new()
}
