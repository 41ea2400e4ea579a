//! Steps of range types and aggregates. A range type comes with its multirange type; an
//! aggregate needs its state and final functions and the types it names, so it is
//! created after them and dropped before them.

use crate::model::ObjectId;
use crate::model::deps;
use crate::model::optioned::{Aggregate, RangeType};
use crate::statement::Statement as Stmt;

use super::{Object, Phase, Step, comment_stmt, needs};

fn range_stmts(r: &RangeType) -> Vec<Stmt> {
    let mut out = vec![Stmt::CreateRange(r.clone())];
    if r.comment.is_some() {
        out.push(comment_stmt(&ObjectId::Type(r.name.clone()), &r.comment));
    }
    out
}

fn aggregate_stmts(a: &Aggregate) -> Vec<Stmt> {
    let mut out = vec![Stmt::CreateAggregate(a.clone())];
    if a.comment.is_some() {
        out.push(comment_stmt(&ObjectId::Function(a.routine()), &a.comment));
    }
    out
}

pub(super) fn create_range(r: &RangeType) -> Step {
    let down = vec![Stmt::DropRange(r.name.clone())];
    let mut s = Step::new(Phase::CreateType, format!("+ type {}", r.name), range_stmts(r), down);
    s.requires.push(Object::Schema(r.name.schema.clone()));
    s.requires.extend(needs(deps::options(&r.options, &[])));
    s.provides.extend([Object::Type(r.name.clone()), Object::Type(r.multirange())]);
    s
}

pub(super) fn drop_range(r: &RangeType) -> Step {
    let up = vec![Stmt::DropRange(r.name.clone())];
    let mut s = Step::new(Phase::DropType, format!("- type {}", r.name), up, range_stmts(r));
    s.releases.extend(needs(deps::options(&r.options, &[])));
    s.removes.extend([Object::Type(r.name.clone()), Object::Type(r.multirange())]);
    s
}

pub(super) fn create_aggregate(a: &Aggregate) -> Step {
    let down = vec![Stmt::DropAggregate(a.clone())];
    let mut s = Step::new(Phase::CreateFunction, format!("+ aggregate {}", a.key()), aggregate_stmts(a), down);
    s.requires.push(Object::Schema(a.name.schema.clone()));
    s.requires.extend(needs(deps::options(&a.options, &a.args)));
    s.provides.push(Object::Function(a.name.clone()));
    s
}

pub(super) fn drop_aggregate(a: &Aggregate) -> Step {
    let up = vec![Stmt::DropAggregate(a.clone())];
    let mut s = Step::new(Phase::DropFunction, format!("- aggregate {}", a.key()), up, aggregate_stmts(a));
    s.releases.extend(needs(deps::options(&a.options, &a.args)));
    s.removes.push(Object::Function(a.name.clone()));
    s
}
