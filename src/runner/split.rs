//! A migration file cut into statements exactly as the Supabase CLI cuts it before it runs
//! them and stores them in `schema_migrations.statements`: its scanner is not PostgreSQL's
//! (it knows quotes, dollar quotes, comments and backslash escapes, and keeps a `;` inside
//! parentheses or a `BEGIN ATOMIC … END` body), and each piece keeps its comments, loses
//! its `;` and the white space around it. Doing the same, quirks included, is what lets
//! `status` compare a file with what either tool recorded when it applied it.

/// One statement: its text as the CLI stores it, and where that text starts in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    pub text: &'a str,
    pub offset: usize,
}

/// The statements of `sql`, in order.
pub fn statements(sql: &str) -> Vec<Statement<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut state = State::Ready;
    for (i, c) in sql.char_indices() {
        let end = i + c.len_utf8();
        match state.next(c, &sql[start..end]) {
            Some(next) => state = next,
            None => {
                push(&mut out, sql, start, end);
                start = end;
                state = State::Ready;
            }
        }
    }
    push(&mut out, sql, start, sql.len());
    out
}

fn push<'a>(out: &mut Vec<Statement<'a>>, sql: &'a str, start: usize, end: usize) {
    let token = &sql[start..end];
    let text = token.trim_end_matches(';').trim();
    if !text.is_empty() {
        let offset = start + (text.as_ptr() as usize - token.as_ptr() as usize);
        out.push(Statement { text, offset });
    }
}

/// Where the scanner is; `next` sees each character with the statement so far (`data`,
/// ending with it) and returns None where the statement ends.
#[derive(Debug, Clone)]
enum State {
    Ready,
    /// One `-` read: a line comment if another follows.
    Dash,
    /// Inside something that ends at a fixed text: a line comment (`\n`) or a dollar-quoted
    /// string (its `$tag$`).
    Until(String),
    /// After a `/`; a comment (`depth` > 0) once `*` follows.
    Block(usize),
    /// Inside '…' or "…"; `closing` once the delimiter was read (a doubled one stays inside).
    Quote {
        delimiter: char,
        closing: bool,
    },
    /// After a `$` at byte `usize` of the statement: a dollar-quote tag may follow.
    Tag(usize),
    /// After a `\`: the next character is skipped.
    Escape,
    /// Inside `( … )` or `ATOMIC … END`, where `;` does not end the statement.
    Nested {
        inner: Box<State>,
        closer: &'static str,
    },
}

impl State {
    fn next(self, c: char, data: &str) -> Option<State> {
        let ends_with = |s: &str| data.len() >= s.len() && data.as_bytes()[data.len() - s.len()..] == *s.as_bytes();
        Some(match self {
            State::Ready => match c {
                '$' => State::Tag(data.len() - 1),
                '\'' | '"' => State::Quote { delimiter: c, closing: false },
                '-' => State::Dash,
                '/' => State::Block(0),
                '\\' => State::Escape,
                ';' => return None,
                '(' => State::Nested { inner: Box::new(State::Ready), closer: ")" },
                'c' | 'C' if atomic(data) => State::Nested { inner: Box::new(State::Ready), closer: "END" },
                _ => State::Ready,
            },
            State::Dash if c == '-' => State::Until("\n".into()),
            State::Dash => return State::Ready.next(c, data),
            State::Until(end) => {
                if ends_with(&end) {
                    State::Ready
                } else {
                    State::Until(end)
                }
            }
            State::Block(depth) => {
                if ends_with("/*") {
                    State::Block(depth + 1)
                } else if depth == 0 {
                    return State::Ready.next(c, data);
                } else if ends_with("*/") {
                    if depth == 1 { State::Ready } else { State::Block(depth - 1) }
                } else {
                    State::Block(depth)
                }
            }
            State::Quote { delimiter, closing } => {
                if !closing {
                    State::Quote { delimiter, closing: c == delimiter }
                } else if c == delimiter {
                    State::Quote { delimiter, closing: false }
                } else {
                    return State::Ready.next(c, data);
                }
            }
            State::Tag(at) => {
                if c == '$' {
                    State::Until(data[at..].to_string())
                } else if c.is_alphanumeric() || c == '_' {
                    State::Tag(at)
                } else {
                    return State::Ready.next(c, data);
                }
            }
            State::Escape => State::Ready,
            State::Nested { inner, closer } => {
                // A `;` that would end the statement leaves the inner state as it was.
                let inner = match (*inner).clone().next(c, data) {
                    Some(next) => next,
                    None => *inner,
                };
                if matches!(inner, State::Ready) && ends_with_ignoring_case(data, closer) {
                    State::Ready
                } else {
                    State::Nested { inner: Box::new(inner), closer }
                }
            }
        })
    }
}

/// `data` ends with the word ATOMIC after white space (as Go's `unicode.IsSpace` reads the
/// byte before it), which opens a `BEGIN ATOMIC` body.
fn atomic(data: &str) -> bool {
    let before = data.len().checked_sub(7).map(|i| data.as_bytes()[i]);
    ends_with_ignoring_case(data, "ATOMIC")
        && before.is_some_and(|b| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' | 0x85 | 0xA0))
}

fn ends_with_ignoring_case(data: &str, suffix: &str) -> bool {
    data.len() >= suffix.len() && data.as_bytes()[data.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::statements;

    fn texts(sql: &str) -> Vec<&str> {
        statements(sql).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn comments_stay_with_the_statement_after_them_and_separators_go() {
        let sql = "-- profiles\ncreate table a (id int);\n\n/* two; */ select 1 ;;\n-- trailing note\n";
        assert_eq!(texts(sql), ["-- profiles\ncreate table a (id int)", "/* two; */ select 1", "-- trailing note"]);
        let s = &statements(sql)[1];
        assert_eq!(&sql[s.offset..s.offset + s.text.len()], s.text);
    }

    #[test]
    fn semicolons_inside_quotes_dollar_quotes_parentheses_and_atomic_bodies_do_not_split() {
        let sql = "select 'a;b', \"c;d\", 'it''s;';\n\
                   create function f() returns int language plpgsql as $body$ begin return 1; end $body$;\n\
                   create function g() returns int language sql begin atomic select 1; select 2; end;\n\
                   create rule r as on insert to t do also (insert into u select 1; insert into u select 2);\n\
                   select $$x;y$$";
        let got = texts(sql);
        assert_eq!(got.len(), 5, "{got:#?}");
        assert!(got[1].ends_with("end $body$") && got[2].ends_with("select 2; end"), "{got:#?}");
    }

    #[test]
    fn atomic_opens_a_body_only_as_a_word_after_white_space() {
        assert_eq!(texts("select x.atomic; select 2"), ["select x.atomic", "select 2"]);
        assert_eq!(texts("begin\natomic select 1; end; select 2"), ["begin\natomic select 1; end", "select 2"]);
    }

    /// Parentheses do not nest for the CLI: the first `)` closes them all.
    #[test]
    fn the_first_closing_parenthesis_ends_the_group_as_the_cli_does() {
        assert_eq!(texts("select ((1); select 2)"), ["select ((1)", "select 2)"]);
    }

    #[test]
    fn a_backslash_skips_the_next_character_as_the_cli_does() {
        assert_eq!(texts("select \\; select 1;"), ["select \\; select 1"]);
    }
}
