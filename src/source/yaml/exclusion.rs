//! `exclude:` of a table: EXCLUDE constraints, written as the SQL clause a person would
//! write inside CREATE TABLE, each element checked on its own first.

use marked_yaml::Node;
use pg_query::NodeEnum;

use super::format::EXCLUDE_KEYS;
use super::{File, Places, Result};
use crate::ident::quote_ident;
use crate::model::QualifiedName;

impl File<'_> {
    /// The EXCLUDE clauses of `exclude:`, with where each is written.
    pub(super) fn exclusions<'n>(
        &self,
        node: &'n Node,
        table: &QualifiedName,
        places: &mut Places,
    ) -> Result<Vec<(String, &'n marked_yaml::Span)>> {
        let mut out = Vec::new();
        for (name, spec) in self.entries(node, "exclude")? {
            let m = self.mapping(
                spec,
                "an EXCLUDE constraint must be a mapping",
                "e.g. {using: gist, elements: [room with =, during with &&]}",
            )?;
            self.check_keys(m, EXCLUDE_KEYS, "an EXCLUDE constraint")?;
            let elements = m.get_node("elements").ok_or_else(|| {
                self.error(
                    m.span(),
                    "an EXCLUDE constraint needs `elements`",
                    "e.g. elements: [room with =, during with &&]",
                )
            })?;
            if let Some(n) = name {
                places.index.insert((table.clone(), n.to_string()), self.place(elements.span()));
            }
            let elements = match elements {
                Node::Sequence(seq) => {
                    seq.iter().map(|e| self.exclusion_element(e, false)).collect::<Result<Vec<_>>>()?.join(", ")
                }
                other => self.exclusion_element(other, true)?,
            };
            let mut sql = name.map(|n| format!("CONSTRAINT {} ", quote_ident(n))).unwrap_or_default();
            let method = match m.get_node("using") {
                Some(u) => self.identifier(u, "using", "gist")?,
                None => "btree".into(),
            };
            sql.push_str(&format!("EXCLUDE USING {} ({elements})", quote_ident(&method)));
            if let Some(i) = m.get_node("include") {
                sql.push_str(&format!(" INCLUDE ({})", self.name_list(i, "include")?));
            }
            if let Some(w) = m.get_node("with") {
                sql.push_str(&self.with_clause(w)?);
            }
            if let Some(w) = m.get_node("where") {
                sql.push_str(&format!(" WHERE ({})", self.expr(w, "where")?));
            }
            if let Some(d) = m.get_node("deferrable") {
                sql.push_str(&self.deferrable(d)?);
            }
            out.push((sql, spec.span()));
        }
        Ok(out)
    }

    /// One element (`room WITH =`, `lower(name) text_ops WITH =`), or with `several` a list
    /// of them written as one string: nothing else of the EXCLUDE clause.
    fn exclusion_element(&self, node: &Node, several: bool) -> Result<String> {
        let s = self.scalar(node, if several { "elements" } else { "an EXCLUDE element" })?;
        self.check_shape(
            s.span(),
            &format!("ALTER TABLE t ADD EXCLUDE ({})", s.as_str()),
            |stmt| {
                let NodeEnum::AlterTableStmt(a) = stmt else { return false };
                let [cmd] = a.cmds.as_slice() else { return false };
                let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else { return false };
                let Some(NodeEnum::Constraint(c)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) else {
                    return false;
                };
                c.where_clause.is_none()
                    && c.including.is_empty()
                    && c.options.is_empty()
                    && !c.deferrable
                    && !c.initdeferred
                    && (several || c.exclusions.len() == 1)
            },
            format!(
                "`{}` is not {}",
                s.as_str().escape_debug(),
                if several { "a list of EXCLUDE elements" } else { "one EXCLUDE element" }
            ),
            "an element is a column or an expression, optionally with an operator class, then WITH and an \
             operator: `during WITH &&`; `where`, `include`, `using` and `deferrable` have keys of their own",
        )?;
        Ok(s.to_string())
    }
}
