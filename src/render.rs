//! SQL text from planned statements, through the minijinja templates in `templates/`:
//! embedded in the binary, each overridable by a file of the same name in `--templates DIR`.

use std::path::Path;

use minijinja::{Environment, Error, ErrorKind, Value};

use crate::diagnostic::{Diagnostic, Result};
use crate::pgtree::{quote_ident, quote_literal};

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
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
    "create_function.sql.j2",
    "drop_function.sql.j2",
    "create_view.sql.j2",
    "drop_view.sql.j2",
    "grant.sql.j2",
    "default_privileges.sql.j2",
    "create_sequence.sql.j2",
    "drop_sequence.sql.j2",
    "alter_sequence.sql.j2",
    "sequence_owner.sql.j2",
    "create_domain.sql.j2",
    "drop_domain.sql.j2",
    "alter_domain.sql.j2",
    "rls_owner.sql.j2",
    "rls_workspace_member.sql.j2",
    "rls_public_read.sql.j2",
    "rls_service_only.sql.j2",
    "rename.sql.j2",
    "backfill.sql.j2",
    "note.sql.j2",
    "validate_constraint.sql.j2",
);

/// One SQL statement to be rendered: a template and what it is given.
#[derive(Debug, Clone)]
pub struct Stmt {
    pub template: &'static str,
    pub ctx: Value,
}

impl Stmt {
    pub fn new(template: &'static str, ctx: Value) -> Self {
        Stmt { template, ctx }
    }
}

pub struct Renderer {
    env: Environment<'static>,
}

fn qname(value: Value) -> std::result::Result<String, Error> {
    let part = |key: &str| -> std::result::Result<String, Error> {
        let v = value.get_attr(key)?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, format!("qname needs `{key}`")))
    };
    Ok(format!("{}.{}", quote_ident(&part("schema")?), quote_ident(&part("name")?)))
}

/// A dollar-quoted string whose tag does not occur in the text (`$$`, `$body$`, `$body1$`…).
fn dollar_quote(text: String) -> String {
    let mut tag = "$$".to_string();
    let mut n = 0;
    while text.contains(&tag) {
        tag = if n == 0 { "$body$".to_string() } else { format!("$body{n}$") };
        n += 1;
    }
    format!("{tag}{text}{tag}")
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
        env.add_filter("ident", |s: String| quote_ident(&s));
        env.add_filter("literal", |s: String| quote_literal(&s));
        env.add_filter("qname", qname);
        env.add_filter("dollar_quote", dollar_quote);
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
        let timeouts = Value::from(std::collections::BTreeMap::from([
            ("lock_timeout", lock_timeout.to_string()),
            ("statement_timeout", statement_timeout.to_string()),
        ]));
        self.env.add_global("online", timeouts);
    }

    pub fn render(&self, template: &str, ctx: &Value) -> Result<String> {
        let t = self.env.get_template(template).map_err(template_error)?;
        Ok(t.render(ctx).map_err(template_error)?.trim().to_string())
    }

    pub fn stmt(&self, s: &Stmt) -> Result<String> {
        self.render(s.template, &s.ctx)
    }
}

fn template_error(e: Error) -> crate::diagnostic::Errors {
    let mut msg = format!("template error: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    Diagnostic::new(msg).hint("check the templates given with --templates").into()
}
