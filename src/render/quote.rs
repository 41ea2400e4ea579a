//! The only way values enter SQL: identifiers and literals quoted, keywords taken from a
//! fixed list, comment text kept on its line, dollar-quoted bodies under a tag they cannot
//! close. Everything a template receives went through one of these.

use crate::diagnostic::{Diagnostic, Result};
use crate::model::QualifiedName;

pub use crate::ident::{quote_ident as ident, quote_literal as literal};

pub fn qname(q: &QualifiedName) -> String {
    format!("{}.{}", ident(&q.schema), ident(&q.name))
}

/// Names joined as a list: `a, "B c"`.
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    names.iter().map(|n| ident(n.as_ref())).collect::<Vec<_>>().join(", ")
}

/// A dotted name whose parts are each an identifier (`public.my_ops`, `app.setting`).
pub fn dotted(name: &str) -> String {
    name.split('.').map(ident).collect::<Vec<_>>().join(".")
}

/// Text for a `--` comment: a line break would end the comment and let the rest run as
/// SQL, so control characters are written escaped.
pub fn comment_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `body` dollar-quoted under `$name$` (or `$$` for an empty name), numbered until the
/// tag first occurs exactly where it closes the body: the body can neither contain the
/// tag nor end with a `$` that would close `$$` one character early.
pub fn dollar_quote(body: &str, name: &str) -> String {
    let mut n = 0;
    loop {
        let tag = match n {
            0 => format!("${name}$"),
            _ if name.is_empty() => format!("$body{n}$"),
            _ => format!("${name}{n}$"),
        };
        let closed = format!("{body}{tag}");
        if closed.find(&tag) == Some(body.len()) {
            return format!("{tag}{body}{tag}");
        }
        n += 1;
    }
}

/// `word` in upper case if it is one of `allowed`: the model's keywords (trigger timing,
/// volatility, privileges, …) come from parse trees, and this keeps any other text out.
pub fn keyword(word: &str, allowed: &[&'static str]) -> Result<&'static str> {
    let upper = word.to_uppercase();
    allowed.iter().copied().find(|k| *k == upper).ok_or_else(|| {
        Diagnostic::new(format!("`{word}` is not a keyword schemagen writes here"))
            .hint(format!("expected one of: {}", allowed.join(", ")))
            .into()
    })
}

/// A value of a setting or a storage option as written after `=`: a plain word or number
/// as it is, anything else as a string literal.
pub fn setting_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '+'))
        && !value.contains("--");
    if plain { value.to_string() } else { literal(value) }
}

/// An operator: `&&`, or `OPERATOR(schema.=)` when qualified. Only operator characters
/// make one (never `--` or `/*`, which would start a comment); anything else is an error,
/// not text in the output.
pub fn operator(name: &str) -> Result<String> {
    let (schema, op) = match name.rsplit_once('.') {
        Some((schema, op)) => (Some(schema), op),
        None => (None, name),
    };
    let valid = !op.is_empty()
        && op.chars().all(|c| "+-*/<>=~!@#%^&|`?".contains(c))
        && !op.contains("--")
        && !op.contains("/*");
    if !valid {
        return Err(Diagnostic::new(format!("`{name}` is not an operator schemagen writes"))
            .hint("an operator is made of + - * / < > = ~ ! @ # % ^ & | ` ?, optionally after a schema")
            .into());
    }
    Ok(match schema {
        Some(s) => format!("OPERATOR({}.{op})", ident(s)),
        None => op.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_are_operator_characters_only() {
        assert_eq!(operator("&&").unwrap(), "&&");
        assert_eq!(operator("My Ops.=").unwrap(), "OPERATOR(\"My Ops\".=)");
        for bad in ["=; DROP TABLE x", "-- x", "=/*", "", "a.b.c"] {
            assert!(operator(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dollar_tags_never_close_early() {
        assert_eq!(dollar_quote("select 1", ""), "$$select 1$$");
        assert_eq!(dollar_quote("a $$ b", ""), "$body1$a $$ b$body1$");
        assert_eq!(dollar_quote("ends with $", ""), "$body1$ends with $$body1$");
        assert_eq!(dollar_quote(" x $schemagen$ y ", "schemagen"), "$schemagen1$ x $schemagen$ y $schemagen1$");
    }

    #[test]
    fn comment_lines_stay_one_line() {
        assert_eq!(comment_line("a\nDROP TABLE x;\r--"), "a\\nDROP TABLE x;\\r--");
        assert!(!comment_line("x\u{2028}y").contains('\u{2028}'));
    }

    #[test]
    fn keywords_come_from_the_list() {
        assert_eq!(keyword("before", &["BEFORE", "AFTER"]).unwrap(), "BEFORE");
        assert!(keyword("BEFORE; DROP TABLE x", &["BEFORE", "AFTER"]).is_err());
    }
}
