//! What `DROP … CASCADE` takes along. PostgreSQL records which objects an object depends
//! on and drops the dependents with it; the model finds the same ones in the dependency
//! graph of the schema as it was before the drop (`model::deps`): views that read a dropped
//! relation or call a dropped function (and what depends on those views), policies and
//! triggers, column defaults, CHECKs and indexes that use a dropped object, the
//! functions whose signature names a dropped type or row type, and the columns of a
//! dropped type.

use std::collections::BTreeSet;

use crate::model::deps::{self, Dep, Graph};
use crate::model::{ObjectId, QualifiedName, Schema};
use crate::source::ddl::drop_column;

/// Removes from `schema` what depends on `dropped`, transitively. `before` is the graph of
/// the schema before the drop, which still holds the dropped objects and their dependents.
pub fn drop_dependents(schema: &mut Schema, before: &Graph, dropped: &[ObjectId]) {
    // A call names no overload: one left behind keeps the name, and what calls it, alive.
    let dropped: Vec<ObjectId> = dropped
        .iter()
        .filter(|id| !matches!(id, ObjectId::Function(r) if schema.functions.values().any(|f| f.name == r.name)))
        .cloned()
        .collect();
    let mut dependents = before.dependents(&dropped);
    // A column of a dropped type goes as if dropped with CASCADE itself, which takes more
    // than the graph's dependents (they stop at columns: one whose default used a dropped
    // function loses only the default).
    let mut gone = dropped;
    let mut todo: Vec<ObjectId> = dependents.iter().filter(|id| goes(before, id, &gone)).cloned().collect();
    while let Some(column) = todo.pop() {
        let ObjectId::Column(table, name) = &column else { continue };
        gone.push(column.clone());
        for id in column_dependents(schema, before, table, name) {
            if goes(before, &id, &gone) && !gone.contains(&id) {
                todo.push(id.clone());
            }
            dependents.insert(id);
        }
    }
    remove(schema, before, &gone, dependents);
}

/// Whether a dependent column goes with `dropped` (of a dropped type or row type, or
/// generated from a dropped column) rather than only losing its default.
fn goes(before: &Graph, id: &ObjectId, dropped: &[ObjectId]) -> bool {
    matches!(id, ObjectId::Column(..))
        && before.depends_on(id).any(|d| {
            matches!(
                d,
                ObjectId::Type(_)
                    | ObjectId::Domain(_)
                    | ObjectId::Table(_)
                    | ObjectId::View { .. }
                    | ObjectId::Column(..)
            ) && dropped.contains(d)
        })
}

/// What `ALTER TABLE … DROP COLUMN … CASCADE` takes along besides what `drop_column`
/// removes itself (the constraints and indexes over the column): the policies, triggers,
/// views and generated columns that use the column, and what depends on those. A view
/// goes only when its query names the column: the graph's rule that a `*` left unexpanded
/// reads every column (right for planning, where taking more only rebuilds more) would take
/// a `count(*)` view that PostgreSQL keeps.
pub fn drop_column_dependents(schema: &mut Schema, before: &Graph, table: &QualifiedName, column: &str) {
    let dependents = column_dependents(schema, before, table, column);
    remove(schema, before, &[ObjectId::Column(table.clone(), column.to_string())], dependents);
}

/// What keeps PostgreSQL from dropping column `column` of `table` without CASCADE
/// (`altering`: from changing its type): a view that names it, a policy or trigger that
/// reads it, a generated column computed from it, and for a drop a foreign key of another
/// table that references it (the table's own indexes and constraints on it go with it, and
/// an ALTER TYPE rebuilds them).
pub fn column_user(schema: &Schema, table: &QualifiedName, column: &str, altering: bool) -> Option<ObjectId> {
    let key = schema.tables.get(table).and_then(|t| t.primary_key()).cloned().unwrap_or_default();
    let references = |fk: &crate::model::ForeignKey| {
        &fk.ref_table == table
            && (fk.ref_columns.iter().any(|c| c == column)
                || (fk.ref_columns.is_empty() && key.iter().any(|c| c == column)))
    };
    let foreign = schema.tables.values().filter(|t| &t.name != table).find_map(|t| {
        t.constraints.iter().find_map(|c| match &c.kind {
            crate::model::ConstraintKind::ForeignKey(fk) if references(fk) => {
                Some(ObjectId::Constraint(t.name.clone(), c.name.clone()))
            }
            _ => None,
        })
    });
    if let Some(fk) = foreign.filter(|_| !altering) {
        return Some(fk);
    }
    let graph = Graph::of(schema);
    column_dependents(schema, &graph, table, column).into_iter().find(|id| match id {
        ObjectId::View { .. } | ObjectId::Policy(..) | ObjectId::Trigger(..) => true,
        ObjectId::Column(t, c) => t == table && c != column,
        ObjectId::Constraint(t, _) => !altering && t != table,
        _ => false,
    })
}

/// What `drop_column_dependents` removes.
fn column_dependents(schema: &Schema, before: &Graph, table: &QualifiedName, column: &str) -> BTreeSet<ObjectId> {
    let dropped = [ObjectId::Column(table.clone(), column.to_string())];
    let mut dependents = before.dependents(&dropped);
    let named = Dep::Column(table.clone(), column.to_string());
    let unnamed: Vec<ObjectId> = dependents
        .iter()
        .filter(|id| match id {
            ObjectId::View { name, .. } => schema
                .views
                .get(name)
                .is_some_and(|v| v.refs.relations.contains(table) && !deps::view(v).contains(&named)),
            _ => false,
        })
        .cloned()
        .collect();
    let kept: BTreeSet<ObjectId> = before.dependents(&unnamed).into_iter().chain(unnamed).collect();
    dependents.retain(|id| !kept.contains(id));
    // A trigger names columns in `UPDATE OF` and its WHEN, which PostgreSQL records as
    // dependencies of the trigger.
    let fires_on = |t: &crate::model::Trigger| {
        t.update_of.iter().any(|c| c == column)
            || t.when.as_ref().is_some_and(|w| w.refs().columns.iter().any(|c| c == column))
    };
    let triggers = schema.triggers.values().filter(|t| &t.table == table && fires_on(t));
    let triggers: Vec<ObjectId> = triggers.map(|t| ObjectId::Trigger(t.table.clone(), t.name.clone())).collect();
    dependents.extend(triggers);
    dependents
}

/// Removes `dependents` (of `dropped`, in `before`) from `schema`.
fn remove(schema: &mut Schema, before: &Graph, dropped: &[ObjectId], dependents: BTreeSet<ObjectId>) {
    for id in dependents {
        match &id {
            ObjectId::View { name, .. } => {
                schema.views.remove(name);
            }
            ObjectId::Policy(t, n) => {
                schema.policies.remove(&(t.clone(), n.clone()));
            }
            ObjectId::Trigger(t, n) => {
                schema.triggers.remove(&(t.clone(), n.clone()));
            }
            // A function whose signature names a dropped type or row type, an aggregate
            // whose state function or type was dropped.
            ObjectId::Function(r) => {
                schema.functions.retain(|_, f| &f.routine() != r);
                schema.aggregates.retain(|_, a| &a.routine() != r);
            }
            // Of a dropped type (or row type), or generated from a dropped column, the
            // column goes; otherwise its default used what was dropped.
            ObjectId::Column(t, c) => {
                if goes(before, &id, dropped) {
                    drop_column(schema, t, c);
                } else if let Some(column) =
                    schema.tables.get_mut(t).and_then(|t| t.columns.iter_mut().find(|x| &x.name == c))
                {
                    column.default = None;
                }
            }
            ObjectId::Constraint(t, n) => {
                if let Some(table) = schema.tables.get_mut(t) {
                    table.constraints.retain(|c| &c.name != n);
                }
            }
            ObjectId::Index(t, n) => {
                if let Some(table) = schema.tables.get_mut(t) {
                    table.indexes.retain(|i| &i.name != n);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::deps::Graph;
    use crate::model::{ObjectId, QualifiedName, Schema};

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
        // The column goes as DROP COLUMN … CASCADE would take it: with a view that reads it.
        let s = schema(&format!("{BASE} create view vm as select id, m from t; drop type mood cascade;"));
        assert!(!s.views.contains_key(&QualifiedName::new("public", "vm")), "{:?}", s.views.keys());
        assert!(s.views.contains_key(&QualifiedName::new("public", "v")), "a view of other columns stays");

        let s = schema(&format!("{BASE} drop view v cascade;"));
        assert!(s.views.is_empty());
        let s = schema(&format!("{BASE} drop view w;"));
        assert_eq!(s.views.len(), 1);
    }

    /// As PostgreSQL 15 does: `drop cascades to default value for column id of table c`, and
    /// the column stays.
    #[test]
    fn a_copied_serial_default_goes_with_the_table_of_its_sequence() {
        let s = schema(
            "create table o (id serial primary key, r int generated always as identity);
             create table c (like o including all);
             create table d (n bigint default nextval('o_r_seq'));
             drop table o cascade;",
        );
        let c = &s.tables[&QualifiedName::new("public", "c")];
        let id = c.column("id").expect("the column stays");
        assert!(id.default.is_none() && id.not_null);
        assert!(c.column("r").unwrap().identity.is_some(), "its own identity is not the dropped table's");
        assert!(s.tables[&QualifiedName::new("public", "d")].column("n").unwrap().default.is_none());
    }

    #[test]
    fn dependents_follow_views_but_not_function_bodies() {
        let s = schema(
            "create table t (id int primary key);
             create function n() returns bigint language sql as 'select count(*) from t';
             create view v as select id from t;
             create view w as select n();
             create view x as select id from v;
             create policy p on t using (id > 0);",
        );
        let t = ObjectId::Table(QualifiedName::new("public", "t"));
        let names: Vec<String> = Graph::of(&s).dependents(&[t]).iter().map(ObjectId::to_string).collect();
        assert_eq!(names, ["view public.v", "view public.x", "policy p on public.t"]);
    }
}
