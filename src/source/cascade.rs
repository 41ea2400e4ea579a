//! What `DROP … CASCADE` takes along. PostgreSQL records which objects an object depends
//! on and drops the dependents with it; the model finds the same ones from the parse
//! trees: views that read a dropped relation or call a dropped function (and, in turn,
//! what depends on those views), policies and triggers, column defaults, CHECKs and indexes
//! that call a dropped function, and the columns of a dropped type.

use std::collections::BTreeSet;

use crate::model::{ConstraintKind, Expr, QualifiedName, Schema};
use crate::source::ddl::drop_column;

/// What was just dropped, as dependents name it.
#[derive(Debug, Default)]
pub struct Dropped {
    /// Tables and views.
    pub relations: BTreeSet<QualifiedName>,
    /// Functions by name (an overload left behind keeps the name alive).
    pub functions: BTreeSet<QualifiedName>,
    pub types: BTreeSet<QualifiedName>,
}

impl Dropped {
    fn hit_by(&self, relations: &[QualifiedName], functions: &[QualifiedName]) -> bool {
        relations.iter().any(|r| self.relations.contains(r)) || functions.iter().any(|f| self.functions.contains(f))
    }

    fn expr_hit(&self, expr: &Expr) -> bool {
        self.hit_by(&expr.refs().relations, &expr.refs().functions)
    }
}

/// Removes from `schema` what depends on `dropped`, transitively.
pub fn drop_dependents(schema: &mut Schema, mut dropped: Dropped) {
    dropped.functions.retain(|f| !schema.functions.values().any(|g| &g.name == f));
    loop {
        let views: Vec<QualifiedName> = schema
            .views
            .values()
            .filter(|v| dropped.hit_by(&v.refs.relations, &v.refs.functions))
            .map(|v| v.name.clone())
            .collect();
        if views.is_empty() {
            break;
        }
        for v in views {
            schema.views.remove(&v);
            schema.policies.retain(|(t, _), _| t != &v);
            schema.triggers.retain(|(t, _), _| t != &v);
            dropped.relations.insert(v);
        }
    }
    schema.policies.retain(|_, p| !p.using.iter().chain(&p.with_check).any(|e| dropped.expr_hit(e)));
    schema.triggers.retain(|_, t| !dropped.functions.contains(&t.function));
    for table in schema.tables.values_mut() {
        for column in &mut table.columns {
            if column.default.as_ref().is_some_and(|d| dropped.expr_hit(d)) {
                column.default = None;
            }
        }
        table.constraints.retain(|c| !matches!(&c.kind, ConstraintKind::Check { expr, .. } if dropped.expr_hit(expr)));
        table.indexes.retain(|i| {
            !i.keys.iter().filter_map(|k| k.expr.as_ref()).chain(&i.predicate).any(|e| dropped.expr_hit(e))
        });
    }
    let typed: Vec<(QualifiedName, String)> = schema
        .tables
        .values()
        .flat_map(|t| {
            t.columns
                .iter()
                .filter(|c| {
                    let ty = &c.data_type;
                    !ty.builtin
                        && dropped
                            .types
                            .contains(&QualifiedName::new(ty.schema.as_deref().unwrap_or("public"), &ty.name))
                })
                .map(|c| (t.name.clone(), c.name.clone()))
        })
        .collect();
    for (table, column) in typed {
        drop_column(schema, &table, &column);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{QualifiedName, Schema};

    fn schema(sql: &str) -> Schema {
        crate::source::replayed(sql)
    }

    const BASE: &str = "create type mood as enum ('ok', 'sad');
        create table t (id int primary key, m mood, n int default next_n(), o int check (is_ok(o)));
        create table u (id int primary key, t_id int references t);
        create function touch() returns trigger language plpgsql as 'begin return new; end';
        create function is_ok(int) returns boolean language sql as 'select true';
        create trigger t_touch before update on t for each row execute function touch();
        create view v as select id from t;
        create view w as select id from v;
        create policy p on u using (exists (select 1 from t where t.id = u.t_id));";

    #[test]
    fn cascade_takes_the_dependents_and_plain_drop_has_none_to_take() {
        let s = schema(&format!("{BASE} drop table t cascade;"));
        assert!(s.views.is_empty(), "views over t and over those views go");
        assert!(s.policies.is_empty(), "a policy reading t goes");
        assert!(s.tables[&QualifiedName::new("public", "u")].constraints.iter().all(|c| !c.kind.is_foreign_key()));

        let s = schema(&format!("{BASE} drop function touch() cascade; drop function is_ok(int) cascade;"));
        assert!(s.triggers.is_empty());
        let t = &s.tables[&QualifiedName::new("public", "t")];
        assert!(t.constraints.iter().all(|c| c.name != "t_o_check"), "{:?}", t.constraints);

        let s = schema(&format!("{BASE} drop type mood cascade;"));
        assert!(s.tables[&QualifiedName::new("public", "t")].column("m").is_none());

        let s = schema(&format!("{BASE} drop view v cascade;"));
        assert!(s.views.is_empty());
        let s = schema(&format!("{BASE} drop view w;"));
        assert_eq!(s.views.len(), 1);
    }
}
