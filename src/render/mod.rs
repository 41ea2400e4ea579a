//! SQL text from planned statements, through the minijinja templates in `templates/`:
//! embedded in the binary, each overridable by a file of the same name in `--templates DIR`.
//! Render is the one stage that makes SQL text and the one user of minijinja: a template
//! receives only pieces that `quote` and `statement` made safe, and a key it misspells is
//! an error (strict undefined), not an empty string.

mod cron;
mod optioned;
pub(crate) mod quote;
mod replication;
mod statement;

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{Environment, Error, UndefinedBehavior, Value, context};

use crate::diagnostic::{Diagnostic, Result};
use crate::model::QualifiedName;
use crate::statement::Statement;

pub use quote::{comment_line, ident, literal, qname};

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

pub const TEMPLATES: &[(&str, &str)] = embedded!(
    "macros.sql.j2",
    "migration.sql.j2",
    "create_schema.sql.j2",
    "drop_schema.sql.j2",
    "create_table.sql.j2",
    "drop_table.sql.j2",
    "add_column.sql.j2",
    "drop_column.sql.j2",
    "column_type.sql.j2",
    "column_default.sql.j2",
    "column_not_null.sql.j2",
    "column_identity.sql.j2",
    "add_constraint.sql.j2",
    "drop_constraint.sql.j2",
    "create_index.sql.j2",
    "drop_index.sql.j2",
    "comment.sql.j2",
    "alter_owner.sql.j2",
    "create_extension.sql.j2",
    "drop_extension.sql.j2",
    "create_enum.sql.j2",
    "drop_enum.sql.j2",
    "add_enum_value.sql.j2",
    "recreate_enum.sql.j2",
    "row_security.sql.j2",
    "create_policy.sql.j2",
    "alter_policy.sql.j2",
    "drop_policy.sql.j2",
    "create_trigger.sql.j2",
    "drop_trigger.sql.j2",
    "trigger_firing.sql.j2",
    "create_function.sql.j2",
    "drop_function.sql.j2",
    "create_view.sql.j2",
    "drop_view.sql.j2",
    "alter_view.sql.j2",
    "grant.sql.j2",
    "default_privileges.sql.j2",
    "create_sequence.sql.j2",
    "drop_sequence.sql.j2",
    "alter_sequence.sql.j2",
    "sequence_owner.sql.j2",
    "create_domain.sql.j2",
    "drop_domain.sql.j2",
    "alter_domain.sql.j2",
    "create_composite.sql.j2",
    "drop_composite.sql.j2",
    "create_range.sql.j2",
    "create_aggregate.sql.j2",
    "drop_aggregate.sql.j2",
    "alter_composite.sql.j2",
    "rls_owner.sql.j2",
    "rls_workspace_member.sql.j2",
    "rls_public_read.sql.j2",
    "rls_service_only.sql.j2",
    "rename.sql.j2",
    "set_schema.sql.j2",
    "backfill.sql.j2",
    "note.sql.j2",
    "serial_sequence.sql.j2",
    "sync_sequence.sql.j2",
    "validate_constraint.sql.j2",
    "create_publication.sql.j2",
    "drop_publication.sql.j2",
    "publication_options.sql.j2",
    "publication_table.sql.j2",
    "table_storage.sql.j2",
    "partition.sql.j2",
    "cron_schedule.sql.j2",
    "cron_unschedule.sql.j2",
);

pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    pub fn new(override_dir: Option<&Path>) -> Result<Self> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("default delimiters"),
        );
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // A DO block's body holds names and literals: its tag is chosen after them.
        env.add_filter("dollar_quote", |body: String, name: Option<String>| {
            quote::dollar_quote(&body, name.as_deref().unwrap_or(""))
        });
        env.add_global("idempotent", false);
        env.add_global("online", Value::from(()));
        for (name, embedded) in TEMPLATES {
            let source = match override_dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
                Some(path) => crate::source::read(&path)?,
                None => embedded.to_string(),
            };
            env.add_template_owned(*name, source).map_err(|e| {
                Diagnostic::new(format!("template {name} is invalid: {e}"))
                    .hint("fix the template or remove it from --templates")
            })?;
        }
        Ok(Renderer { env })
    }

    /// Guarded SQL (IF NOT EXISTS, DROP … IF EXISTS before CREATE, OR REPLACE) that can
    /// run twice.
    pub fn set_idempotent(&mut self, idempotent: bool) {
        self.env.add_global("idempotent", idempotent);
    }

    /// Online-safe output: each file starts by bounding how long it waits for a lock and
    /// how long one statement may run.
    pub fn set_online(&mut self, lock_timeout: &str, statement_timeout: &str) {
        let timeouts = Value::from(BTreeMap::from([
            ("lock_timeout", literal(lock_timeout)),
            ("statement_timeout", literal(statement_timeout)),
        ]));
        self.env.add_global("online", timeouts);
    }

    fn render(&self, template: &str, ctx: &Value) -> Result<String> {
        let t = self.env.get_template(template).map_err(template_error)?;
        Ok(t.render(ctx).map_err(template_error)?.trim().to_string())
    }

    /// The SQL of one planned statement.
    pub fn statement(&self, s: &Statement) -> Result<String> {
        let (template, ctx) = statement::context(s)?;
        self.render(template, &ctx)
    }

    /// A migration file: header, the statements in one transaction (and those that must
    /// be committed before it), then those that run outside it. The title and the source (paths) go into comment lines.
    pub fn migration(&self, title: &str, source: &str, body: &Body, after: &[String]) -> Result<String> {
        let ctx = context! {
            title => comment_line(title),
            source => comment_line(source),
            before => body.before.clone(),
            statements => body.statements.clone(),
            after => after.to_vec(),
        };
        let mut text = self.render("migration.sql.j2", &ctx)?;
        text.push('\n');
        Ok(text)
    }

    /// The policies of an `rls:` preset on `table`: its options are column names, and
    /// `members` a table.
    pub fn preset(
        &self,
        template: &str,
        table: &QualifiedName,
        columns: &BTreeMap<&str, Option<String>>,
        members: Option<&QualifiedName>,
    ) -> Result<String> {
        let mut ctx: BTreeMap<&str, Value> =
            columns.iter().map(|(k, v)| (*k, Value::from(v.as_deref().map(ident)))).collect();
        ctx.insert("table", Value::from(qname(table)));
        if let Some(m) = members {
            ctx.insert("members", Value::from(qname(m)));
        }
        self.render(template, &Value::from(ctx))
    }
}

fn template_error(e: Error) -> crate::diagnostic::Errors {
    let mut msg = format!("template error: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    Diagnostic::new(msg)
        .hint(
            "check the templates given with --templates: they receive SQL already quoted (`{{ table }}`, \
             not `{{ table|qname }}`), and every name they use must be one the statement has",
        )
        .into()
}

/// The statements of a migration's transaction, and those that run before it on their own.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub before: Vec<String>,
    pub statements: Vec<String>,
}
