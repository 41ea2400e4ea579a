//! Each statement as its template and a context of SQL pieces already made safe: names
//! quoted, literals quoted, keywords from fixed lists, expressions and types as the parser
//! printed them. A template only lays the pieces out.

use minijinja::{Value, context};

use super::quote::{comment_line, dotted, ident, idents, keyword, literal, operator, qname, setting_value};
use crate::diagnostic::Result;
use crate::model::Routine;
use crate::model::privileges::{
    COLUMN_PRIVILEGES, FUNCTION_PRIVILEGES, SCHEMA_PRIVILEGES, SEQUENCE_PRIVILEGES, TABLE_PRIVILEGES,
};
use crate::model::{Column, Constraint, ConstraintKind, Identity, Index, IndexKey, ObjectId, Policy, QualifiedName};
use crate::statement::{AttributeAction, DomainAction, GrantOn, IdentityChange, RenameKind, SequenceOption, Statement};

const COMMANDS: &[&str] = &["ALL", "SELECT", "INSERT", "UPDATE", "DELETE"];
const TIMINGS: &[&str] = &["BEFORE", "AFTER", "INSTEAD OF"];
const EVENTS: &[&str] = &["INSERT", "DELETE", "UPDATE", "TRUNCATE"];
const VOLATILITIES: &[&str] = &["IMMUTABLE", "STABLE", "VOLATILE"];
const PARALLEL: &[&str] = &["SAFE", "RESTRICTED", "UNSAFE"];
const ARG_MODES: &[&str] = &["IN", "OUT", "INOUT", "VARIADIC"];
const CHECK_OPTIONS: &[&str] = &["LOCAL", "CASCADED"];
const SEQUENCE_TYPES: &[&str] = &["SMALLINT", "INTEGER", "BIGINT"];

/// The template of `statement` and what it is given.
pub fn context(statement: &Statement) -> Result<(&'static str, Value)> {
    use Statement as S;
    Ok(match statement {
        S::CreateSchema(name) => ("create_schema.sql.j2", context! { schema => ident(name) }),
        S::DropSchema(name) => ("drop_schema.sql.j2", context! { schema => ident(name) }),
        S::CreateTable { table, constraints } => {
            let columns: Vec<Value> = table.columns.iter().map(column).collect();
            let constraints: Vec<Value> = constraints.iter().map(constraint).collect::<Result<_>>()?;
            let options = super::replication::storage_options(&table.storage.options);
            let unlogged = table.storage.unlogged;
            let partition_of = table.partition_of.as_ref().map(|o| qname(&o.parent));
            let bound = table.partition_of.as_ref().map(|o| o.bound.text().to_string());
            let partition_by = table.partition_by.as_ref().map(|k| k.text().to_string());
            let inherits = table.inherits.iter().map(qname).collect::<Vec<_>>().join(", ");
            (
                "create_table.sql.j2",
                context! {
                    table => qname(&table.name), columns, constraints, unlogged, options, partition_of, bound, partition_by,
                    inherits
                },
            )
        }
        S::Partition { parent, table, bound } => (
            "partition.sql.j2",
            context! { parent => qname(parent), table => qname(table), bound => bound.as_ref().map(|b| b.text().to_string()) },
        ),
        S::DropTable(table) => ("drop_table.sql.j2", context! { table => qname(table) }),
        S::AddColumn { table, column: c } => {
            ("add_column.sql.j2", context! { table => qname(table), column => column(c) })
        }
        S::DropColumn { table, column } => {
            ("drop_column.sql.j2", context! { table => qname(table), column => ident(column) })
        }
        S::ColumnType { table, column, data_type, collation, using, cast } => (
            "column_type.sql.j2",
            context! {
                table => qname(table),
                column => ident(column),
                type => data_type.sql(),
                collation => collation.as_deref().map(ident),
                using => using.as_ref().map(|e| e.text().to_string()),
                cast,
            },
        ),
        S::ColumnDefault { table, column, default } => (
            "column_default.sql.j2",
            context! { table => qname(table), column => ident(column), default => default.as_ref().map(|e| e.text().to_string()) },
        ),
        S::ColumnNotNull { table, column, not_null } => {
            ("column_not_null.sql.j2", context! { table => qname(table), column => ident(column), not_null })
        }
        S::ColumnIdentity { table, column, change } => {
            let (action, identity, options) = match change {
                IdentityChange::Add(i, o) => ("add", Some(identity_words(*i)), crate::model::identity::sql(o)),
                IdentityChange::Set(i) => ("set", Some(identity_words(*i)), String::new()),
                IdentityChange::Options(clauses) => ("options", None, clauses.join(" ")),
                IdentityChange::Drop => ("drop", None, String::new()),
            };
            (
                "column_identity.sql.j2",
                context! { table => qname(table), column => ident(column), action, identity, options },
            )
        }
        S::AddConstraint { table, constraint: c, not_valid } => (
            "add_constraint.sql.j2",
            context! { table => qname(table), constraint => constraint(c)?, not_valid => *not_valid || c.not_valid },
        ),
        S::AddNotNullCheck { table, name, column } => {
            let definition = format!("CHECK ({} IS NOT NULL)", ident(column));
            let constraint = context! { name => ident(name), kind => "check", definition };
            ("add_constraint.sql.j2", context! { table => qname(table), constraint, not_valid => true })
        }
        S::DropConstraint { table, name } => {
            ("drop_constraint.sql.j2", context! { table => qname(table), name => ident(name) })
        }
        S::ValidateConstraint { table, name } => {
            ("validate_constraint.sql.j2", context! { table => qname(table), name => ident(name) })
        }
        S::CreateIndex { table, index: i, concurrently } => {
            ("create_index.sql.j2", context! { table => qname(table), index => index(i), concurrently })
        }
        S::DropIndex(name) => ("drop_index.sql.j2", context! { index => qname(name) }),
        S::Comment { on, text } => {
            let (kind, object) = comment_on(on);
            ("comment.sql.j2", context! { kind, object, text => text.as_deref().map(literal) })
        }
        S::CreateExtension(e) => {
            ("create_extension.sql.j2", context! { name => ident(&e.name), schema => e.schema.as_deref().map(ident) })
        }
        S::DropExtension(name) => ("drop_extension.sql.j2", context! { name => ident(name) }),
        S::CreateEnum(e) => ("create_enum.sql.j2", context! { name => qname(&e.name), values => literals(&e.values) }),
        S::DropEnum(name) => ("drop_enum.sql.j2", context! { name => qname(name) }),
        S::AddEnumValue { name, value, before, committed_first } => (
            "add_enum_value.sql.j2",
            context! {
                name => qname(name),
                value => literal(value),
                before => before.as_deref().map(literal),
                if_not_exists => *committed_first,
            },
        ),
        S::RecreateEnum { name, values, old_name, users } => {
            let users: Vec<Value> = users
                .iter()
                .map(|u| {
                    context! {
                        table => qname(&u.table),
                        column => ident(&u.column),
                        type => u.data_type.sql(),
                        default => u.default.as_ref().map(|e| e.text().to_string()),
                    }
                })
                .collect();
            let old = QualifiedName::new(name.schema.clone(), old_name.clone());
            (
                "recreate_enum.sql.j2",
                context! {
                    name => qname(name),
                    old_name => ident(old_name),
                    old => qname(&old),
                    values => literals(values),
                    comment => comment_line(&qname(name)),
                    users,
                },
            )
        }
        S::RowSecurity { table, enabled, forced } => {
            ("row_security.sql.j2", context! { table => qname(table), enabled, forced })
        }
        S::CreatePolicy(p) => ("create_policy.sql.j2", policy(p)?),
        S::AlterPolicy(p) => ("alter_policy.sql.j2", policy(p)?),
        S::DropPolicy { table, name } => {
            ("drop_policy.sql.j2", context! { table => qname(table), name => ident(name) })
        }
        S::CreateTrigger(t) => {
            let mut events = Vec::new();
            for e in &t.events {
                let mut event = keyword(e, EVENTS)?.to_string();
                if event == "UPDATE" && !t.update_of.is_empty() {
                    event = format!("UPDATE OF {}", idents(&t.update_of));
                }
                events.push(event);
            }
            (
                "create_trigger.sql.j2",
                context! {
                    name => ident(&t.name),
                    table => qname(&t.table),
                    timing => keyword(&t.timing, TIMINGS)?,
                    events => events.join(" OR "),
                    for_each_row => t.for_each_row,
                    constraint => t.constraint,
                    deferrable => t.deferrable,
                    initially_deferred => t.initially_deferred,
                    old_table => t.old_table.as_deref().map(ident),
                    new_table => t.new_table.as_deref().map(ident),
                    when => t.when.as_ref().map(|e| e.text().to_string()),
                    function => qname(&t.function),
                    args => t.args.iter().map(|a| literal(a)).collect::<Vec<_>>().join(", "),
                },
            )
        }
        S::DropTrigger { table, name } => {
            ("drop_trigger.sql.j2", context! { table => qname(table), name => ident(name) })
        }
        S::TriggerFiring { table, name, firing } => {
            ("trigger_firing.sql.j2", context! { table => qname(table), name => ident(name), firing => firing.sql() })
        }
        S::CreateFunction { function: f, replace } => {
            let mut args = Vec::new();
            for a in &f.args {
                let mut arg = String::new();
                if !a.mode.is_empty() {
                    arg.push_str(keyword(&a.mode, ARG_MODES)?);
                    arg.push(' ');
                }
                if !a.name.is_empty() {
                    arg.push_str(&ident(&a.name));
                    arg.push(' ');
                }
                arg.push_str(&a.data_type);
                if let Some(d) = &a.default {
                    arg.push_str(" DEFAULT ");
                    arg.push_str(d.text());
                }
                args.push(arg);
            }
            let config: Vec<Value> = f
                .config
                .iter()
                .map(|(name, value)| context! { name => dotted(name), value => setting_values(value) })
                .collect();
            (
                "create_function.sql.j2",
                context! {
                    replace,
                    procedure => f.procedure,
                    name => qname(&f.name),
                    args => args.join(", "),
                    returns => f.returns.clone(),
                    language => ident(&f.language),
                    volatility => f.volatility.as_deref().map(|v| keyword(v, VOLATILITIES)).transpose()?,
                    strict => f.strict,
                    security_definer => f.security_definer,
                    parallel => f.parallel.as_deref().map(|p| keyword(p, PARALLEL)).transpose()?,
                    leakproof => f.leakproof,
                    cost => f.cost.map(|c| c.to_string()),
                    rows => f.rows.map(|r| r.to_string()),
                    config,
                    body => super::quote::dollar_quote(&f.body, ""),
                },
            )
        }
        S::DropFunction(r) => ("drop_function.sql.j2", context! { procedure => r.procedure, signature => routine(r) }),
        S::CreateView(v) => {
            let options: Vec<String> = v.options.iter().map(|(k, val)| view_option(k, val)).collect();
            (
                "create_view.sql.j2",
                context! {
                    name => qname(&v.name),
                    materialized => v.materialized,
                    columns => (!v.columns.is_empty()).then(|| idents(&v.columns)),
                    options => (!options.is_empty()).then(|| options.join(", ")),
                    query => v.query.clone(),
                    check_option => v.check_option.as_deref().map(|c| keyword(c, CHECK_OPTIONS)).transpose()?,
                },
            )
        }
        S::ViewOptions { name, materialized, set, reset } => {
            let set: Vec<String> = set.iter().map(|(k, val)| view_option(k, val)).collect();
            let reset: Vec<String> = reset.iter().map(|k| ident(k)).collect();
            (
                "alter_view.sql.j2",
                context! {
                    name => qname(name),
                    materialized,
                    set => (!set.is_empty()).then(|| set.join(", ")),
                    reset => (!reset.is_empty()).then(|| reset.join(", ")),
                },
            )
        }
        S::DropView { name, materialized } => ("drop_view.sql.j2", context! { name => qname(name), materialized }),
        S::Grant(g) => {
            let (all, kind, object, column) = match &g.on {
                GrantOn::Table(t) => (TABLE_PRIVILEGES, "TABLE", qname(t), None),
                GrantOn::Column(t, c) => (COLUMN_PRIVILEGES, "TABLE", qname(t), Some(ident(c))),
                GrantOn::Routine(r) => (FUNCTION_PRIVILEGES, "ROUTINE", routine(r), None),
                GrantOn::Schema(s) => (SCHEMA_PRIVILEGES, "SCHEMA", ident(s), None),
                GrantOn::Sequence(q) => (SEQUENCE_PRIVILEGES, "SEQUENCE", qname(q), None),
            };
            let privileges = privileges(&g.privileges, all)?
                .into_iter()
                .map(|p| match &column {
                    Some(c) => format!("{p} ({c})"),
                    None => p.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            ("grant.sql.j2", context! { grant => g.grant, privileges, kind, object, role => role(&g.role) })
        }
        S::DefaultPrivileges { grant, privileges: p, kind, schema, role: r } => (
            "default_privileges.sql.j2",
            context! {
                grant,
                privileges => privileges(p, kind.privileges())?.join(", "),
                kind => kind.word().to_uppercase(),
                schema => schema.as_deref().map(ident),
                role => role(r),
            },
        ),
        S::CronSchedule(job) => super::cron::schedule(job),
        S::CronUnschedule(name) => super::cron::unschedule(name),
        S::CreatePublication(p) => super::replication::create_publication(p)?,
        S::DropPublication(name) => super::replication::drop_publication(name),
        S::PublicationOptions(p) => super::replication::publication_options_stmt(p)?,
        S::PublicationTable { publication, table, member } => {
            super::replication::publication_table(publication, table, member)
        }
        S::TableStorage { table, unlogged, reset, set, replica_identity } => {
            super::replication::table_storage(table, unlogged, reset, set, replica_identity)
        }
        S::CreateSequence { name, options } => {
            ("create_sequence.sql.j2", context! { name => qname(name), options => sequence_options(options)? })
        }
        S::DropSequence(name) => ("drop_sequence.sql.j2", context! { name => qname(name) }),
        S::AlterSequence { name, options } => {
            ("alter_sequence.sql.j2", context! { name => qname(name), options => sequence_options(options)? })
        }
        S::SequenceOwner { name, owner } => (
            "sequence_owner.sql.j2",
            context! { name => qname(name), owner => owner.as_ref().map(|(t, c)| format!("{}.{}", qname(t), ident(c))) },
        ),
        S::CreateDomain(d) => {
            let checks: Vec<Value> =
                d.checks.iter().map(|(n, e)| context! { name => ident(n), expr => e.text().to_string() }).collect();
            (
                "create_domain.sql.j2",
                context! {
                    name => qname(&d.name),
                    type => d.base.clone(),
                    collation => d.collation.as_deref().map(ident),
                    default => d.default.as_ref().map(|e| e.text().to_string()),
                    not_null => d.not_null,
                    checks,
                },
            )
        }
        S::DropDomain(name) => ("drop_domain.sql.j2", context! { name => qname(name) }),
        S::CreateComposite(c) => {
            let attributes: Vec<String> = c.attributes.iter().map(attribute).collect();
            ("create_composite.sql.j2", context! { name => qname(&c.name), attributes })
        }
        S::DropComposite(name) | S::DropRange(name) => ("drop_composite.sql.j2", context! { name => qname(name) }),
        S::CreateRange(r) => (
            "create_range.sql.j2",
            context! { name => qname(&r.name), options => super::optioned::options(&r.options)? },
        ),
        S::CreateAggregate(a) => (
            "create_aggregate.sql.j2",
            context! { signature => super::optioned::signature(a), options => super::optioned::options(&a.options)? },
        ),
        S::DropAggregate(a) => ("drop_aggregate.sql.j2", context! { signature => super::optioned::signature(a) }),
        S::AlterComposite { name, action } => {
            let (kind, attribute, data_type) = match action {
                AttributeAction::Add(a) => ("add", attribute(a), None),
                AttributeAction::Drop(n) => ("drop", ident(n), None),
                AttributeAction::Type(a) => ("type", ident(&a.name), Some(typed(a))),
            };
            ("alter_composite.sql.j2", context! { name => qname(name), kind, attribute, type => data_type })
        }
        S::AlterDomain { name, action } => {
            let action = match action {
                DomainAction::DropConstraint(n) => format!("DROP CONSTRAINT {}", ident(n)),
                DomainAction::SetDefault(e) => format!("SET DEFAULT {}", e.text()),
                DomainAction::DropDefault => "DROP DEFAULT".into(),
                DomainAction::NotNull(true) => "SET NOT NULL".into(),
                DomainAction::NotNull(false) => "DROP NOT NULL".into(),
                DomainAction::AddCheck(n, e) => format!("ADD CONSTRAINT {} CHECK ({})", ident(n), e.text()),
            };
            ("alter_domain.sql.j2", context! { name => qname(name), action })
        }
        S::Rename(r) => {
            let renamed = QualifiedName::new(r.table.schema.clone(), r.from.clone());
            let (kind, on) = match r.kind {
                RenameKind::Table => ("table", qname(&renamed)),
                RenameKind::Column => ("column", qname(&r.table)),
                RenameKind::Constraint => ("constraint", qname(&r.table)),
                RenameKind::Index => ("index", qname(&renamed)),
                RenameKind::Sequence => ("sequence", qname(&renamed)),
                RenameKind::Policy => ("policy", qname(&r.table)),
            };
            ("rename.sql.j2", context! { kind, on, from => ident(&r.from), to => ident(&r.to) })
        }
        S::SetSchema { table, schema } => {
            ("set_schema.sql.j2", context! { table => qname(table), schema => ident(schema) })
        }
        S::Backfill { table, column, expr } => (
            "backfill.sql.j2",
            context! { table => qname(table), column => ident(column), expr => expr.text().to_string() },
        ),
        S::SerialSequence { table, column, sequence, data_type } => (
            "serial_sequence.sql.j2",
            context! {
                table => qname(table),
                column => ident(column),
                sequence => qname(sequence),
                type => keyword(&data_type.sql(), SEQUENCE_TYPES)?.to_lowercase(),
                regclass => literal(&qname(sequence)),
            },
        ),
        // pg_get_serial_sequence reads its first argument as SQL names, its second as is.
        S::SyncSequence { table, column } => (
            "sync_sequence.sql.j2",
            context! {
                table => qname(table),
                column => ident(column),
                table_name => literal(&qname(table)),
                column_name => literal(column),
            },
        ),
        S::Owner { on, to } => {
            let (kind, object) = comment_on(on);
            (
                "alter_owner.sql.j2",
                context! { kind, object, role => to.as_deref().map_or("CURRENT_USER".into(), ident) },
            )
        }
        S::Note(text) => ("note.sql.j2", context! { text => comment_line(text) }),
    })
}

fn view_option(key: &str, value: &str) -> String {
    format!("{} = {}", ident(key), setting_value(value))
}

fn identity_words(identity: Identity) -> &'static str {
    match identity {
        Identity::Always => "ALWAYS",
        Identity::ByDefault => "BY DEFAULT",
    }
}

fn column(c: &Column) -> Value {
    context! {
        name => ident(&c.name),
        type => c.data_type.sql(),
        collation => c.collation.as_deref().map(ident),
        generated => c.generated.as_ref().map(|e| e.text().to_string()),
        identity => c.identity.map(identity_words),
        identity_options => crate::model::identity::sql(&c.identity_options),
        default => c.default.as_ref().map(|e| e.text().to_string()),
        not_null => c.not_null,
    }
}

fn constraint(c: &Constraint) -> Result<Value> {
    let (kind, definition) = match &c.kind {
        ConstraintKind::PrimaryKey { columns } => ("primary_key", format!("PRIMARY KEY ({})", idents(columns))),
        ConstraintKind::Unique { columns, nulls_not_distinct } => (
            "unique",
            format!("UNIQUE{} ({})", if *nulls_not_distinct { " NULLS NOT DISTINCT" } else { "" }, idents(columns)),
        ),
        ConstraintKind::Check { expr, no_inherit } => {
            ("check", format!("CHECK ({}){}", expr.text(), if *no_inherit { " NO INHERIT" } else { "" }))
        }
        ConstraintKind::ForeignKey(fk) => {
            let mut sql = format!("FOREIGN KEY ({}) REFERENCES {}", idents(&fk.columns), qname(&fk.ref_table));
            if !fk.ref_columns.is_empty() {
                sql.push_str(&format!(" ({})", idents(&fk.ref_columns)));
            }
            if fk.match_full {
                sql.push_str(" MATCH FULL");
            }
            if fk.on_update != crate::model::FkAction::NoAction {
                sql.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
            }
            if fk.on_delete != crate::model::FkAction::NoAction {
                sql.push_str(&format!(" ON DELETE {}", fk.on_delete_sql()));
            }
            ("foreign_key", sql)
        }
        ConstraintKind::Exclude(x) => {
            let elements: Vec<String> = x
                .elements
                .iter()
                .map(|e| Ok(format!("{} WITH {}", index_key(&e.key), operator(&e.operator)?)))
                .collect::<Result<_>>()?;
            let mut sql = format!("EXCLUDE USING {} ({})", ident(&x.method), elements.join(", "));
            if !x.include.is_empty() {
                sql.push_str(&format!(" INCLUDE ({})", idents(&x.include)));
            }
            if let Some(options) = super::replication::storage_options(&x.options) {
                sql.push_str(&format!(" WITH ({options})"));
            }
            if let Some(p) = &x.predicate {
                sql.push_str(&format!(" WHERE ({})", p.text()));
            }
            ("exclude", sql)
        }
    };
    let deferrable = match (c.deferrable, c.initially_deferred) {
        (false, _) => "",
        (true, false) => " DEFERRABLE",
        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
    };
    Ok(context! { name => ident(&c.name), kind, definition => format!("{definition}{deferrable}") })
}

/// One key of an index or of an EXCLUDE constraint.
fn index_key(k: &IndexKey) -> String {
    let mut key = match (&k.column, &k.expr) {
        (Some(c), _) => ident(c),
        (None, Some(e)) => format!("({})", e.text()),
        (None, None) => String::new(),
    };
    if let Some(c) = &k.collation {
        key.push_str(&format!(" COLLATE {}", ident(c)));
    }
    if let Some(o) = &k.opclass {
        key.push_str(&format!(" {}", dotted(o)));
    }
    if k.desc {
        key.push_str(" DESC");
    }
    match k.nulls_first {
        Some(true) => key.push_str(" NULLS FIRST"),
        Some(false) => key.push_str(" NULLS LAST"),
        None => {}
    }
    key
}

fn index(i: &Index) -> Value {
    let keys: Vec<String> = i.keys.iter().map(index_key).collect();
    context! {
        name => ident(&i.name),
        unique => i.unique,
        method => (i.method != "btree").then(|| ident(&i.method)),
        keys => keys.join(", "),
        include => (!i.include.is_empty()).then(|| idents(&i.include)),
        nulls_not_distinct => i.nulls_not_distinct,
        options => super::replication::storage_options(&i.options),
        predicate => i.predicate.as_ref().map(|e| e.text().to_string()),
    }
}

fn policy(p: &Policy) -> Result<Value> {
    let command = keyword(&p.command, COMMANDS)?;
    let roles: Vec<String> = p.roles.iter().map(|r| ident(r)).collect();
    Ok(context! {
        name => ident(&p.name),
        table => qname(&p.table),
        permissive => p.permissive,
        command => (command != "ALL").then_some(command),
        roles => roles.join(", "),
        public_only => p.roles == ["public"],
        using => p.using.as_ref().map(|e| e.text().to_string()),
        with_check => p.with_check.as_ref().map(|e| e.text().to_string()),
    })
}

/// A role as GRANT and CREATE POLICY name it; `public` is the keyword PUBLIC.
fn role(name: &str) -> String {
    if name == "public" { "PUBLIC".to_string() } else { ident(name) }
}

/// An attribute of a composite type as written in CREATE TYPE and ADD ATTRIBUTE.
fn attribute(a: &crate::model::Attribute) -> String {
    format!("{} {}", ident(&a.name), typed(a))
}

fn typed(a: &crate::model::Attribute) -> String {
    match &a.collation {
        Some(c) => format!("{} COLLATE {}", a.data_type.sql(), ident(c)),
        None => a.data_type.sql(),
    }
}

fn literals(values: &[String]) -> String {
    values.iter().map(|v| literal(v)).collect::<Vec<_>>().join(", ")
}

/// `public.f(integer, text)`: the input types came from the parser.
fn routine(r: &Routine) -> String {
    format!("{}({})", qname(&r.name), r.input_types.join(", "))
}

fn comment_on(on: &ObjectId) -> (&'static str, String) {
    let on_table = |name: &str, t: &QualifiedName| format!("{} ON {}", ident(name), qname(t));
    match on {
        ObjectId::Schema(name) => ("SCHEMA", ident(name)),
        ObjectId::Extension(name) => ("EXTENSION", ident(name)),
        ObjectId::Table(t) => ("TABLE", qname(t)),
        ObjectId::Column(t, c) => ("COLUMN", format!("{}.{}", qname(t), ident(c))),
        ObjectId::Constraint(t, c) => ("CONSTRAINT", on_table(c, t)),
        // An index lives in its table's schema.
        ObjectId::Index(t, i) => ("INDEX", qname(&QualifiedName::new(t.schema.clone(), i.clone()))),
        ObjectId::View { name, materialized: false } => ("VIEW", qname(name)),
        ObjectId::View { name, materialized: true } => ("MATERIALIZED VIEW", qname(name)),
        // ROUTINE names functions and procedures alike.
        ObjectId::Function(r) => ("ROUTINE", routine(r)),
        ObjectId::Policy(t, p) => ("POLICY", on_table(p, t)),
        ObjectId::Trigger(t, tr) => ("TRIGGER", on_table(tr, t)),
        ObjectId::Type(t) => ("TYPE", qname(t)),
        ObjectId::Sequence(s) => ("SEQUENCE", qname(s)),
        ObjectId::Domain(d) => ("DOMAIN", qname(d)),
    }
}

/// Privileges checked against what the kind of object has (and ALL).
fn privileges(names: &[String], all: &[&'static str]) -> Result<Vec<&'static str>> {
    let allowed: Vec<&'static str> = std::iter::once("ALL").chain(all.iter().copied()).collect();
    names.iter().map(|p| keyword(p, &allowed)).collect()
}

/// A function's `SET name = value` value: the loaders keep it as the parser printed it, a
/// list of string literals and plain words; anything else is quoted as one string.
fn setting_values(value: &str) -> String {
    let mut out = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('\'') {
            let mut end = None;
            let bytes = after.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    end = Some(i);
                    break;
                }
                i += 1;
            }
            let Some(end) = end else { return literal(value) };
            out.push(literal(&after[..end].replace("''", "'")));
            rest = after[end + 1..].trim_start();
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            out.push(setting_value(rest[..end].trim()));
            rest = &rest[end..];
        }
        rest = match rest.strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if rest.is_empty() => rest,
            None => return literal(value),
        };
    }
    out.join(", ")
}

fn sequence_options(options: &[SequenceOption]) -> Result<Vec<String>> {
    options
        .iter()
        .map(|o| {
            let number = |default: &str| -> Result<String> {
                let v = o.value.as_deref().unwrap_or(default);
                let digits = v.strip_prefix('-').unwrap_or(v);
                if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
                    Ok(v.to_string())
                } else {
                    Err(crate::diagnostic::Diagnostic::new(format!("sequence option {} is not a number: {v}", o.name))
                        .hint("write an integer")
                        .into())
                }
            };
            Ok(match (o.name.as_str(), o.value.as_deref()) {
                ("as", v) => format!("AS {}", keyword(v.unwrap_or("bigint"), SEQUENCE_TYPES)?.to_lowercase()),
                ("increment", _) => format!("INCREMENT BY {}", number("1")?),
                ("minvalue", None) => "NO MINVALUE".into(),
                ("minvalue", Some(_)) => format!("MINVALUE {}", number("")?),
                ("maxvalue", None) => "NO MAXVALUE".into(),
                ("maxvalue", Some(_)) => format!("MAXVALUE {}", number("")?),
                ("start", _) => format!("START WITH {}", number("1")?),
                ("cache", _) => format!("CACHE {}", number("1")?),
                ("cycle", Some("true")) => "CYCLE".into(),
                ("cycle", _) => "NO CYCLE".into(),
                (other, _) => keyword(other, &[])?.to_string(),
            })
        })
        .collect()
}
