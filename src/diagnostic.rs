//! Problems a person can act on: a message, where it is (file, line, column, the line
//! itself) and a hint. Independent of how the CLI prints them.

use std::fmt;
use std::path::Path;

/// A place in a source file. Lines and columns count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Origin {
    pub fn new(file: &Path, line: usize, column: usize) -> Self {
        Origin { file: file.display().to_string(), line, column }
    }

    /// The origin of byte `offset` in `text`.
    pub fn at_offset(file: &Path, text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Origin::new(file, line, column)
    }
}

/// Origins of offsets in one text, each counted on from the one before, so that locating
/// every statement of a large file stays linear (`Origin::at_offset` counts from the start).
pub struct Positions<'a> {
    file: &'a Path,
    text: &'a str,
    offset: usize,
    line: usize,
    line_start: usize,
}

impl<'a> Positions<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Positions { file, text, offset: 0, line: 1, line_start: 0 }
    }

    pub fn at(&mut self, offset: usize) -> Origin {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = Positions::new(self.file, self.text);
        }
        let between = &self.text[self.offset..offset];
        if let Some(last) = between.rfind('\n') {
            self.line += between.matches('\n').count();
            self.line_start = self.offset + last + 1;
        }
        self.offset = offset;
        let column = self.text[self.line_start..offset].chars().count() + 1;
        Origin::new(self.file, self.line, column)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub origin: Option<Origin>,
    /// The source line the origin points into, shown under the location.
    pub source_line: Option<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic { message: message.into(), origin: None, source_line: None, hint: None }
    }

    pub fn at(mut self, origin: Origin, source: Option<&str>) -> Self {
        self.source_line = source.and_then(|s| s.lines().nth(origin.line.checked_sub(1)?)).map(visible);
        self.origin = Some(origin);
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if let Some(origin) = &self.origin {
            let gutter = origin.line.to_string().len();
            writeln!(f, "{:gutter$}--> {origin}", "")?;
            if let Some(line) = &self.source_line {
                let (line, column) = window(line, origin.column);
                writeln!(f, "{:gutter$} |", "")?;
                writeln!(f, "{} | {}", origin.line, line)?;
                writeln!(f, "{:gutter$} | {:>column$}", "", "^")?;
            }
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "help: {hint}")?;
        }
        Ok(())
    }
}

/// `line` with its control characters (a NUL, an escape) as the symbols that stand for them,
/// one character for one so that the caret under it stays in place.
fn visible(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\t' => c,
            '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('?'),
            '\x7f' => '\u{2421}',
            _ => c,
        })
        .collect()
}

/// The longest source line shown whole, in characters.
const SHOWN: usize = 120;

/// At most `SHOWN` characters of `line` around `column`, cut ends marked `…`, and the
/// column of the same character in what is shown.
fn window(line: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= SHOWN {
        return (line.to_string(), column);
    }
    let start = column.saturating_sub(1 + SHOWN / 2).min(chars.len() - SHOWN);
    let end = start + SHOWN;
    let mut shown: String = chars[start..end].iter().collect();
    if end < chars.len() {
        shown.push('…');
    }
    if start > 0 {
        return (format!("…{shown}"), column - start + 1);
    }
    (shown, column)
}

/// One or more diagnostics: the error type of every stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Errors(pub Vec<Diagnostic>);

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl From<Diagnostic> for Errors {
    fn from(d: Diagnostic) -> Self {
        Errors(vec![d])
    }
}

pub type Result<T> = std::result::Result<T, Errors>;

/// The closest of `candidates` to `word`, for "did you mean" hints.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
