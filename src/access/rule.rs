//! The text of one rule: `none`, `all`, `own(user_id)`,
//! `workspace(workspace_id via workspace_members)` or
//! `workspace(team_id via public.team_members(team_id, member_id))`. Errors carry the byte
//! offset in the text they are about, so the loader points at the very character.

use super::{Rule, Workspace};
use crate::model::QualifiedName;

/// What is wrong, and where in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub offset: usize,
    pub message: String,
    pub hint: String,
}

pub const FORMS: &str = "none, all, own(COLUMN) or workspace(COLUMN via MEMBERS_TABLE)";

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn spaces(&mut self) {
        while self.text[self.at..].starts_with(' ') {
            self.at += 1;
        }
    }

    fn error(&self, message: impl Into<String>, hint: impl Into<String>) -> RuleError {
        RuleError { offset: self.at, message: message.into(), hint: hint.into() }
    }

    /// A plain lower-case identifier: what the rule names are columns and tables written
    /// without quotes.
    fn ident(&mut self, what: &str) -> Result<&'a str, RuleError> {
        self.spaces();
        let rest = &self.text[self.at..];
        let len = rest
            .char_indices()
            .find(|(i, c)| !(c.is_ascii_lowercase() || *c == '_' || (*i > 0 && (c.is_ascii_digit() || *c == '$'))))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return Err(self.error(
                format!("expected {what} here"),
                "a name of lower-case letters, digits and `_`, starting with a letter or `_`",
            ));
        }
        self.at += len;
        Ok(&rest[..len])
    }

    fn expect(&mut self, token: &str, hint: &str) -> Result<(), RuleError> {
        self.spaces();
        if self.text[self.at..].starts_with(token) {
            self.at += token.len();
            Ok(())
        } else {
            Err(self.error(format!("expected `{token}` here"), hint))
        }
    }

    fn end(&mut self) -> Result<(), RuleError> {
        self.spaces();
        if self.at == self.text.len() {
            Ok(())
        } else {
            Err(self.error("unexpected text after the rule", format!("a rule is one of: {FORMS}")))
        }
    }
}

/// Parses one rule.
pub fn parse(text: &str) -> Result<Rule, RuleError> {
    let mut c = Cursor { text, at: 0 };
    let start = {
        c.spaces();
        c.at
    };
    let word = c.ident("a rule").map_err(|e| RuleError { hint: format!("a rule is one of: {FORMS}"), ..e })?;
    let rule = match word {
        "none" => Rule::None,
        "all" => Rule::All,
        "own" => {
            c.expect("(", "own takes the owner column: own(user_id)")?;
            let column = c.ident("the owner column")?.to_string();
            c.expect(")", "own takes one column: own(user_id)")?;
            Rule::Own(column)
        }
        "workspace" => {
            let hint = "e.g. workspace(workspace_id via workspace_members)";
            c.expect("(", hint)?;
            let column = c.ident("the workspace column")?.to_string();
            c.spaces();
            let via = c.at;
            if c.ident("`via`").ok() != Some("via") {
                return Err(RuleError {
                    offset: via,
                    message: "expected `via MEMBERS_TABLE` after the workspace column".into(),
                    hint: hint.into(),
                });
            }
            let first = c.ident("the membership table")?;
            c.spaces();
            let members = if c.text[c.at..].starts_with('.') {
                c.at += 1;
                QualifiedName::new(first, c.ident("the membership table")?)
            } else {
                QualifiedName::new("public", first)
            };
            c.spaces();
            let (member_workspace_column, member_column) = if c.text[c.at..].starts_with('(') {
                c.at += 1;
                let w = c.ident("the membership table's workspace column")?.to_string();
                c.expect(",", "name the workspace column, then the user column: (workspace_id, user_id)")?;
                let u = c.ident("the membership table's user column")?.to_string();
                c.expect(")", "two columns: (workspace_id, user_id)")?;
                (w, u)
            } else {
                ("workspace_id".to_string(), "user_id".to_string())
            };
            c.expect(")", hint)?;
            Rule::Workspace(Workspace { column, members, member_workspace_column, member_column })
        }
        other => {
            let near = crate::diagnostic::closest(other, ["none", "all", "own", "workspace"]);
            return Err(RuleError {
                offset: start,
                message: format!("unknown rule `{other}`"),
                hint: match near {
                    Some(n) => format!("did you mean `{n}`? A rule is one of: {FORMS}"),
                    None => format!("a rule is one of: {FORMS}"),
                },
            });
        }
    };
    c.end()?;
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_reads_back_as_written() {
        for text in [
            "none",
            "all",
            "own(user_id)",
            "workspace(workspace_id via workspace_members)",
            "workspace(team_id via app.team_members(team_id, member_id))",
        ] {
            assert_eq!(parse(text).unwrap().to_string(), text);
        }
        assert_eq!(parse(" own( owner ) ").unwrap(), Rule::Own("owner".into()));
    }

    #[test]
    fn errors_point_at_the_character() {
        let e = parse("own(user_id").unwrap_err();
        assert_eq!((e.offset, e.message.as_str()), (11, "expected `)` here"));
        let e = parse("workspace(ws members)").unwrap_err();
        assert_eq!(e.offset, 13);
        let e = parse("owner(x)").unwrap_err();
        assert_eq!((e.offset, e.message.as_str()), (0, "unknown rule `owner`"));
        assert!(e.hint.contains("did you mean `own`"));
        let e = parse("own(x); drop table t").unwrap_err();
        assert_eq!(e.offset, 6);
    }
}
