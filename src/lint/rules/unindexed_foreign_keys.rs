//! A foreign key needs an index whose leading columns are its columns (in any order) for
//! the lookups a delete or update of the referenced row makes; without one each is a scan
//! of the whole table, under lock. Partial and expression indexes do not serve every
//! lookup, so they do not count.

use std::collections::BTreeSet;

use crate::lint::Ctx;
use crate::model::{ConstraintKind, ObjectId};

pub(super) fn check(ctx: &mut Ctx) {
    for table in ctx.desired.tables.values() {
        let mut leads: Vec<Vec<&str>> = table
            .indexes
            .iter()
            .filter(|i| i.predicate.is_none())
            .map(|i| i.keys.iter().map_while(|k| k.column.as_deref()).collect())
            .collect();
        leads.extend(
            table
                .constraints
                .iter()
                .filter(|c| c.kind.has_index())
                .map(|c| c.kind.columns().iter().map(String::as_str).collect()),
        );
        for c in &table.constraints {
            let ConstraintKind::ForeignKey(fk) = &c.kind else { continue };
            let wanted: BTreeSet<&str> = fk.columns.iter().map(String::as_str).collect();
            let covered = leads.iter().any(|lead| {
                lead.len() >= wanted.len() && lead[..wanted.len()].iter().copied().collect::<BTreeSet<_>>() == wanted
            });
            if !covered {
                let columns = fk.columns.join(", ");
                let index_name = format!("{}_{}_idx", table.name.name, fk.columns.join("_"));
                ctx.report(
                    ObjectId::Constraint(table.name.clone(), c.name.clone()),
                    format!("foreign key {} of table {} has no index starting with ({columns}): each delete or update of a referenced row in {} scans {}", c.name, table.name, fk.ref_table, table.name),
                    format!("add an index: `indexes: {{{index_name}: {columns}}}`"),
                );
            }
        }
    }
}
