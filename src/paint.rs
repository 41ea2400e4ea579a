//! Colour for people at a terminal. The text is styled here and written through anstream,
//! which drops the styles when the stream is not a terminal, `NO_COLOR` is set or
//! `CLICOLOR=0` (and forces them with `CLICOLOR_FORCE`): what a pipe, a file or a test reads
//! is the plain text.

use anstyle::{AnsiColor, Style};

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const HELP: Style = AnsiColor::Cyan.on_default();
const PLACE: Style = AnsiColor::Blue.on_default();

/// `text` with the label of each diagnostic line in its colour: `error…`, `warn…`,
/// `help:` and the `-->` of a location.
pub fn diagnostics(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let label_end = |stop: &[char]| body.find(stop).map_or(0, |i| i + 1);
        let (style, end) = if body.starts_with("error") {
            (ERROR, label_end(&[':', ']']))
        } else if body.starts_with("warn") {
            (WARNING, label_end(&[':', ']']))
        } else if body.starts_with("help:") || body.starts_with("= help:") {
            (HELP, label_end(&[':']))
        } else if body.starts_with("-->") {
            (PLACE, 3)
        } else {
            (Style::new(), 0)
        };
        if end == 0 {
            out.push_str(line);
        } else {
            out.push_str(&format!("{indent}{style}{}{style:#}{}", &body[..end], &body[end..]));
        }
    }
    out
}

/// Writes `text` to standard error, in colour where the terminal wants it.
pub fn eprint(text: &str) {
    use std::io::Write as _;
    let _ = anstream::stderr().write_all(diagnostics(text).as_bytes());
}

/// Writes `text` to standard output, in colour where the terminal wants it.
pub fn print(text: &str) {
    use std::io::Write as _;
    let _ = anstream::stdout().write_all(diagnostics(text).as_bytes());
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_are_styled_and_nothing_else_changes() {
        let text = "error: bad\n --> a.yaml:1:2\nwarn[rule]: w\n  = help: h\nplain\n";
        let painted = super::diagnostics(text);
        assert!(painted.contains("\u{1b}["));
        let stripped: String = anstream::adapter::strip_str(&painted).to_string();
        assert_eq!(stripped, text);
    }
}
