//! `SELECT cron.schedule(…)` and `SELECT cron.unschedule(…)` replayed into the model's
//! pg_cron jobs. Only a named job whose three arguments are constants is intent the model
//! can hold; any other call is left outside the model, with where it is.

use pg_query::protobuf;
use pg_query::{Node, NodeEnum, NodeRef};

use crate::model::{CronJob, Schema};
use crate::pgtree::strings;
use crate::source::ddl::Outcome;

/// What a SELECT does to the jobs, or None when it calls no function of pg_cron (then it
/// is data, as before). A call the model cannot read (inside a query, guarded by WHERE, of
/// another function of pg_cron) is outside the model, so that it is listed.
pub fn select(schema: &mut Schema, stmt: &NodeEnum) -> Option<Outcome> {
    let NodeEnum::SelectStmt(s) = stmt else { return None };
    let Some(call) = lone_call(s) else {
        let calls_cron = stmt.nodes().into_iter().any(|(node, ..)| {
            matches!(node, NodeRef::FuncCall(f) if strings(&f.funcname).first().is_some_and(|n| n == "cron"))
        });
        return calls_cron.then_some(Outcome::Skipped("cron (other)"));
    };
    match strings(&call.funcname).iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["cron", "schedule"] => Some(schedule(schema, &call.args)),
        ["cron", "unschedule"] => Some(unschedule(schema, &call.args)),
        // A job of another database (or inactive, or run as another role): not modelled, but
        // one of a constant name replaces the model's job of that name.
        ["cron", "schedule_in_database"] => {
            if let Some(name) = call.args.first().and_then(text_constant) {
                schema.cron_jobs.remove(&name);
                schema.hints.cron_outside.insert(name);
            }
            Some(Outcome::Skipped("cron.schedule_in_database"))
        }
        ["cron", ..] => Some(Outcome::Skipped("cron (other)")),
        _ => None,
    }
}

/// The job a replayed `SELECT cron.schedule('name', …)` names, to say where it was scheduled.
pub fn scheduled(stmt: &NodeEnum) -> Option<String> {
    let NodeEnum::SelectStmt(s) = stmt else { return None };
    let call = lone_call(s)?;
    (strings(&call.funcname) == ["cron", "schedule"]).then(|| call.args.first().and_then(text_constant)).flatten()
}

/// The function call of `SELECT f(…)` with nothing else (no FROM, WHERE, second target).
fn lone_call(s: &protobuf::SelectStmt) -> Option<&protobuf::FuncCall> {
    if !s.from_clause.is_empty()
        || s.where_clause.is_some()
        || s.target_list.len() != 1
        || s.op() != protobuf::SetOperation::SetopNone
    {
        return None;
    }
    let Some(NodeEnum::ResTarget(target)) = s.target_list[0].node.as_ref() else { return None };
    match target.val.as_deref()?.node.as_ref()? {
        NodeEnum::FuncCall(f) => Some(f),
        _ => None,
    }
}

fn schedule(schema: &mut Schema, args: &[Node]) -> Outcome {
    let values: Vec<Option<String>> = args.iter().map(text_constant).collect();
    match values.as_slice() {
        [Some(name), Some(schedule), Some(command)] => {
            schema.cron_jobs.insert(
                name.clone(),
                CronJob { name: name.clone(), schedule: schedule.clone(), command: command.clone() },
            );
            schema.hints.cron_outside.remove(name);
            Outcome::Applied
        }
        // A job of this name whose schedule or command the model cannot read replaces the
        // one it held: neither is known now.
        [Some(name), _, _] => {
            schema.cron_jobs.remove(name);
            schema.hints.cron_outside.insert(name.clone());
            Outcome::Skipped("cron.schedule")
        }
        _ => Outcome::Skipped("cron.schedule"),
    }
}

fn unschedule(schema: &mut Schema, args: &[Node]) -> Outcome {
    let [arg] = args else { return Outcome::Skipped("cron.unschedule") };
    // `cron.unschedule(42)` names a job by its id, which only the server knows.
    let Some(name) = text_constant(arg) else { return Outcome::Skipped("cron.unschedule") };
    if schema.cron_jobs.remove(&name).is_some() {
        return Outcome::Applied;
    }
    if schema.hints.cron_outside.remove(&name) {
        return Outcome::Skipped("cron.unschedule");
    }
    Outcome::Rejected {
        message: format!("cron.unschedule('{name}'): no job of that name was scheduled before"),
        hint: "pg_cron raises on a job it does not have: schedule it in an earlier migration, or remove this call",
    }
}

/// A string constant in any literal form (quoted, E'', dollar-quoted), cast to text or not.
fn text_constant(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            protobuf::a_const::Val::Sval(s) => Some(s.sval.clone()),
            _ => None,
        },
        NodeEnum::TypeCast(tc)
            if tc.type_name.as_ref().is_some_and(|t| strings(&t.names).last().map(String::as_str) == Some("text")) =>
        {
            tc.arg.as_deref().and_then(text_constant)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::source::ddl::{Outcome, apply};

    fn replay(schema: &mut crate::model::Schema, sql: &str) -> Outcome {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let stmt = parsed.protobuf.stmts[0].stmt.as_ref().and_then(|s| s.node.as_ref()).unwrap().clone();
        apply(schema, &stmt)
    }

    #[test]
    fn named_constant_jobs_are_scheduled_replaced_and_unscheduled() {
        let mut schema = crate::model::Schema::default();
        let applied = |o: Outcome| matches!(o, Outcome::Applied);
        assert!(applied(replay(&mut schema, "select cron.schedule('purge', '0 3 * * *', $$delete from t$$)")));
        assert!(applied(replay(&mut schema, "select cron.schedule('purge', '0 4 * * *', E'delete from t')")));
        assert_eq!(schema.cron_jobs["purge"].schedule, "0 4 * * *");
        assert_eq!(schema.cron_jobs["purge"].command, "delete from t");
        assert!(applied(replay(&mut schema, "select cron.unschedule('purge')")));
        assert!(schema.cron_jobs.is_empty());
        assert!(matches!(replay(&mut schema, "select cron.unschedule('purge')"), Outcome::Rejected { .. }));
    }

    #[test]
    fn unnamed_and_computed_jobs_stay_outside() {
        let mut schema = crate::model::Schema::default();
        let skipped = |o: Outcome| matches!(o, Outcome::Skipped("cron.schedule"));
        assert!(skipped(replay(&mut schema, "select cron.schedule('0 3 * * *', 'vacuum')")));
        assert!(skipped(replay(&mut schema, "select cron.schedule('j', '0 3 * * *', format('vacuum %s', 1))")));
        assert!(schema.cron_jobs.is_empty());
        // The job made outside the model may be unscheduled: PostgreSQL has it.
        assert!(matches!(replay(&mut schema, "select cron.unschedule('j')"), Outcome::Skipped(_)));
        replay(&mut schema, "select cron.schedule('k', '@daily', 'vacuum')");
        let elsewhere = "select cron.schedule_in_database('k', '@daily', 'vacuum', 'other')";
        assert!(matches!(replay(&mut schema, elsewhere), Outcome::Skipped("cron.schedule_in_database")));
        assert!(schema.cron_jobs.is_empty());
        assert!(matches!(replay(&mut schema, "select cron.unschedule('k')"), Outcome::Skipped(_)));
        for sql in [
            "select cron.schedule('x', '0 3 * * *', 'a') from t",
            "select cron.schedule('x', '@daily', 'a') where not exists (select from cron.job where jobname = 'x')",
            "select cron.alter_job(1, active := false)",
        ] {
            assert!(matches!(replay(&mut schema, sql), Outcome::Skipped("cron (other)")), "{sql}");
        }
        assert!(matches!(replay(&mut schema, "select count(*) from t"), Outcome::Skipped("SELECT")));
        assert!(schema.cron_jobs.is_empty());
    }
}
