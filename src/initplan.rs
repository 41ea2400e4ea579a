//! A call whose value is the same for every row of a query (`auth.uid()`), written bare or
//! in a scalar subquery (`(select auth.uid())`, which PostgreSQL evaluates once, as an
//! initPlan). Both give the same rows; the lint asks for the second, the report reads a
//! change from one to the other as no change of access. Compared as parse trees.

use pg_query::NodeEnum;
use pg_query::protobuf::{self, Node, SubLinkType};

use crate::model::{Expr, Policy};
use crate::pgtree::{expr_sql, parse_expr};

/// Functions stable within a query that PostgreSQL still calls once per row unless they sit
/// in a scalar subquery.
pub const PER_QUERY_FUNCTIONS: &[&[&str]] =
    &[&["auth", "uid"], &["auth", "jwt"], &["auth", "role"], &["auth", "email"], &["current_setting"]];

/// The name parts of a call, without a leading `pg_catalog`.
fn call_name(call: &protobuf::FuncCall) -> Vec<&str> {
    let parts: Vec<&str> = call
        .funcname
        .iter()
        .filter_map(|n| match n.node.as_ref()? {
            NodeEnum::String(s) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        ["pg_catalog", rest @ ..] => rest.to_vec(),
        _ => parts,
    }
}

/// Whether `a` and `b` decide the same rows once every `(select f())` of a per-query
/// function is read as `f()`: the same policy but for where those calls are evaluated.
pub fn same_policy(a: &Policy, b: &Policy) -> bool {
    let bare = |p: &Policy| Policy {
        using: p.using.as_ref().map(per_row),
        with_check: p.with_check.as_ref().map(per_row),
        ..p.clone()
    };
    a != b && bare(a) == bare(b)
}

/// Whether the conditions differ only in how per-query calls are evaluated.
pub fn same_rows(a: Option<&Expr>, b: Option<&Expr>) -> bool {
    a.map(per_row) == b.map(per_row)
}

/// `e` with every `(select f())` of a per-query function written `f()`.
fn per_row(e: &Expr) -> Expr {
    match parse_expr(e.text()) {
        Ok(mut node) => {
            unwrap(&mut node);
            expr_sql(&node)
        }
        Err(_) => e.clone(),
    }
}

/// The call of `(select f())`, when `node` is that and `f` a per-query function.
fn initplan_call(node: &Node) -> Option<Node> {
    let Some(NodeEnum::SubLink(link)) = node.node.as_ref() else { return None };
    if link.sub_link_type != SubLinkType::ExprSublink as i32 || link.testexpr.is_some() {
        return None;
    }
    let Some(NodeEnum::SelectStmt(select)) = link.subselect.as_deref()?.node.as_ref() else { return None };
    // Nothing but the one target: no FROM, WHERE, LIMIT, …
    let bare = protobuf::SelectStmt {
        target_list: select.target_list.clone(),
        limit_option: protobuf::LimitOption::Default as i32,
        op: protobuf::SetOperation::SetopNone as i32,
        ..Default::default()
    };
    if **select != bare {
        return None;
    }
    let [target] = select.target_list.as_slice() else { return None };
    let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else { return None };
    let call = target.val.as_deref()?;
    let Some(NodeEnum::FuncCall(f)) = call.node.as_ref() else { return None };
    let plain = f.agg_order.is_empty() && f.agg_filter.is_none() && f.over.is_none() && !f.agg_star;
    (target.name.is_empty() && plain && PER_QUERY_FUNCTIONS.contains(&call_name(f).as_slice())).then(|| call.clone())
}

/// Rewrites every `(select f())` under `node` as `f()`, through the nodes a policy's
/// condition is made of; a node not walked keeps its subqueries, which can only make two
/// equal conditions look different, never two different ones look equal.
fn unwrap(node: &mut Node) {
    if let Some(call) = initplan_call(node) {
        *node = call;
    }
    let one = |n: &mut Option<Box<Node>>| {
        if let Some(n) = n.as_deref_mut() {
            unwrap(n);
        }
    };
    let all = |v: &mut Vec<Node>| v.iter_mut().for_each(unwrap);
    match node.node.as_mut() {
        Some(NodeEnum::BoolExpr(b)) => all(&mut b.args),
        Some(NodeEnum::AExpr(a)) => {
            one(&mut a.lexpr);
            one(&mut a.rexpr);
        }
        Some(NodeEnum::FuncCall(f)) => all(&mut f.args),
        Some(NodeEnum::TypeCast(t)) => one(&mut t.arg),
        Some(NodeEnum::NullTest(t)) => one(&mut t.arg),
        Some(NodeEnum::BooleanTest(t)) => one(&mut t.arg),
        Some(NodeEnum::CoalesceExpr(c)) => all(&mut c.args),
        Some(NodeEnum::MinMaxExpr(m)) => all(&mut m.args),
        Some(NodeEnum::List(l)) => all(&mut l.items),
        Some(NodeEnum::RowExpr(r)) => all(&mut r.args),
        Some(NodeEnum::AArrayExpr(a)) => all(&mut a.elements),
        Some(NodeEnum::CaseExpr(c)) => {
            one(&mut c.arg);
            all(&mut c.args);
            one(&mut c.defresult);
        }
        Some(NodeEnum::CaseWhen(w)) => {
            one(&mut w.expr);
            one(&mut w.result);
        }
        Some(NodeEnum::SubLink(s)) => {
            one(&mut s.testexpr);
            one(&mut s.subselect);
        }
        Some(NodeEnum::SelectStmt(s)) => {
            all(&mut s.target_list);
            one(&mut s.where_clause);
            one(&mut s.having_clause);
        }
        Some(NodeEnum::ResTarget(r)) => one(&mut r.val),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pgtree::normalize_expr;

    fn same(a: &str, b: &str) -> bool {
        same_rows(Some(&normalize_expr(a).unwrap()), Some(&normalize_expr(b).unwrap()))
    }

    #[test]
    fn a_scalar_subquery_of_a_per_query_call_is_the_call() {
        assert!(same("owner = auth.uid()", "owner = (select auth.uid())"));
        assert!(same(
            "exists (select 1 from m where m.user_id = auth.uid() and m.org = org_id)",
            "exists (select 1 from m where m.user_id = (select auth.uid()) and m.org = org_id)"
        ));
        assert!(same("(auth.jwt() ->> 'role') = 'admin'", "((select auth.jwt()) ->> 'role') = 'admin'"));
    }

    #[test]
    fn anything_more_is_a_difference() {
        // Another function (random() is not stable), a subquery with a clause, another column.
        assert!(!same("x = random()", "x = (select random())"));
        assert!(!same("owner = auth.uid()", "owner = (select auth.uid() limit 1)"));
        assert!(!same("owner = auth.uid()", "author = (select auth.uid())"));
        assert!(!same("owner = auth.uid()", "owner = (select auth.uid() from t)"));
    }
}
