//! A database's catalog as facts about objects (catalog.sql), and the differences between
//! two of them, grouped by object for a person to read.

use std::collections::BTreeMap;
use std::fmt;

/// The query that lists the facts; one JSON array per row.
pub const QUERY: &str = include_str!("catalog.sql");

/// A fact's attributes, named, in the query's order; SQL NULL is None.
type Attributes = Vec<(String, Option<String>)>;

/// (object, part) → the fact's attributes, e.g.
/// ("table public.notes", "column body") → [("type", "text"), ("not null", "true"), …].
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Catalog(BTreeMap<(String, String), Attributes>);

impl Catalog {
    /// The catalog from the rows of `QUERY`.
    pub fn parse(rows: &str) -> Result<Catalog, String> {
        let mut facts = BTreeMap::new();
        for line in rows.lines().filter(|l| !l.trim().is_empty()) {
            let bad = || format!("unexpected catalog row: {line}");
            let values: Vec<serde_json::Value> = serde_json::from_str(line).map_err(|_| bad())?;
            let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
            let [object, part, attrs @ ..] = values.as_slice() else { return Err(bad()) };
            let (Some(object), Some(part)) = (text(object), text(part)) else { return Err(bad()) };
            let attrs =
                attrs.chunks(2).map(|kv| (text(&kv[0]).unwrap_or_default(), kv.get(1).and_then(text))).collect();
            // Unique by construction: names are unique per table, per schema or by signature.
            facts.insert((object, part), attrs);
        }
        Ok(Catalog(facts))
    }
}

/// How one fact differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Only in the expected catalog.
    Missing,
    /// Only in the catalog that was checked.
    Extra,
    /// In both, with these attributes different: (name, got, expected).
    Differs(Vec<(String, Option<String>, Option<String>)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub object: String,
    /// What inside the object; empty for the object itself.
    pub part: String,
    pub change: Change,
}

/// What differs between `got` and `expected`, by object, in order. A missing or extra object
/// stands for all of its parts.
pub fn compare(got: &Catalog, expected: &Catalog) -> Vec<Difference> {
    let mut out: Vec<Difference> = Vec::new();
    let keys: std::collections::BTreeSet<&(String, String)> = got.0.keys().chain(expected.0.keys()).collect();
    for key in keys {
        let (object, part) = key;
        let change = match (got.0.get(key), expected.0.get(key)) {
            (Some(g), Some(e)) if g == e => continue,
            (Some(g), Some(e)) => Change::Differs(attribute_changes(g, e)),
            (Some(_), None) => Change::Extra,
            (None, _) => Change::Missing,
        };
        // The object's own fact sorts before its parts ("" first).
        let whole = out
            .iter()
            .any(|d| d.object == *object && d.part.is_empty() && matches!(d.change, Change::Missing | Change::Extra));
        if !whole {
            out.push(Difference { object: object.clone(), part: part.clone(), change });
        }
    }
    out
}

fn attribute_changes(got: &Attributes, expected: &Attributes) -> Vec<(String, Option<String>, Option<String>)> {
    let mut names: Vec<&String> = got.iter().chain(expected).map(|(k, _)| k).collect();
    // In the query's order, each once.
    let mut seen = std::collections::BTreeSet::new();
    names.retain(|k| seen.insert(*k));
    let value = |attrs: &Attributes, name: &str| attrs.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.clone());
    names.into_iter().map(|k| (k.clone(), value(got, k), value(expected, k))).filter(|(_, g, e)| g != e).collect()
}

/// The differences as indented lines, one object after another:
///
/// ```text
///   table public.notes
///     column body: type is text, expected character varying(100)
///     index notes_title_idx: missing
/// ```
pub struct Report<'a>(pub &'a [Difference]);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut i = 0;
        while i < self.0.len() {
            let object = &self.0[i].object;
            let group: Vec<&Difference> = self.0[i..].iter().take_while(|d| &d.object == object).collect();
            i += group.len();
            match group.as_slice() {
                [only] if only.part.is_empty() => writeln!(f, "  {object}: {}", describe(&only.change))?,
                _ => {
                    writeln!(f, "  {object}")?;
                    for d in group {
                        let part = if d.part.is_empty() { "itself" } else { &d.part };
                        writeln!(f, "    {part}: {}", describe(&d.change))?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn describe(change: &Change) -> String {
    match change {
        Change::Missing => "missing".into(),
        Change::Extra => "extra".into(),
        Change::Differs(attrs) => {
            attrs.iter().map(|(name, got, expected)| attribute(name, got, expected)).collect::<Vec<_>>().join("; ")
        }
    }
}

/// `name is X, expected Y`; for values of several lines (function and view definitions) the
/// first line that differs.
fn attribute(name: &str, got: &Option<String>, expected: &Option<String>) -> String {
    let got = got.as_deref().unwrap_or("none");
    let expected = expected.as_deref().unwrap_or("none");
    if !got.contains('\n') && !expected.contains('\n') {
        return format!("{name} is {got}, expected {expected}");
    }
    let (g, e): (Vec<&str>, Vec<&str>) = (got.lines().collect(), expected.lines().collect());
    let n = (0..g.len().max(e.len())).find(|&n| g.get(n) != e.get(n)).unwrap_or(0);
    let line = |lines: &[&str]| lines.get(n).map_or("(no such line)".to_string(), |l| format!("\"{}\"", l.trim()));
    format!("{name}, line {}: {}, expected {}", n + 1, line(&g), line(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(rows: &[&str]) -> Catalog {
        Catalog::parse(&rows.join("\n")).expect("rows parse")
    }

    #[test]
    fn differences_are_grouped_by_object_and_name_the_attribute() {
        let expected = catalog(&[
            r#"["table public.notes", "", "row level security", "true"]"#,
            r#"["table public.notes", "column body", "type", "text", "not null", "true", "default", null]"#,
            r#"["table public.notes", "index notes_title_idx", "definition", "CREATE INDEX … WHERE (title <> '')"]"#,
            r#"["table public.notes", "policy \"Own rows\"", "command", "SELECT"]"#,
            r#"["view public.recent", "", "definition", "SELECT id\n   FROM notes;"]"#,
        ]);
        let got = catalog(&[
            r#"["table public.notes", "", "row level security", "true"]"#,
            r#"["table public.notes", "column body", "type", "integer", "not null", "true", "default", "0"]"#,
            r#"["table public.notes", "index notes_title_idx", "definition", "CREATE INDEX …"]"#,
            r#"["table public.notes", "trigger t", "definition", "CREATE TRIGGER t …"]"#,
            r#"["view public.recent", "", "definition", "SELECT id\n   FROM public.notes;"]"#,
        ]);
        let diffs = compare(&got, &expected);
        assert_eq!(
            Report(&diffs).to_string(),
            "  table public.notes\n\
             \x20   column body: type is integer, expected text; default is 0, expected none\n\
             \x20   index notes_title_idx: definition is CREATE INDEX …, expected CREATE INDEX … WHERE (title <> '')\n\
             \x20   policy \"Own rows\": missing\n\
             \x20   trigger t: extra\n\
             \x20 view public.recent: definition, line 2: \"FROM public.notes;\", expected \"FROM notes;\"\n"
        );
        assert!(compare(&got, &got).is_empty());
    }

    #[test]
    fn a_missing_object_stands_for_its_parts() {
        let expected = catalog(&[
            r#"["table public.notes", ""]"#,
            r#"["table public.notes", "column id", "type", "uuid"]"#,
            r#"["table public.notes", "constraint notes_pkey", "definition", "PRIMARY KEY (id)"]"#,
        ]);
        let diffs = compare(&Catalog::default(), &expected);
        assert_eq!(Report(&diffs).to_string(), "  table public.notes: missing\n");
    }

    #[test]
    fn rows_that_are_not_facts_are_errors() {
        assert!(Catalog::parse("not json").is_err());
        assert!(Catalog::parse(r#"["only an object"]"#).is_err());
    }
}
