//! The names PostgreSQL and the extensions schemagen knows provide, so that an unqualified
//! call of a function (or a cast to a type) that exists nowhere is refused on the YAML, as
//! PostgreSQL refuses it, while a call of a built-in or an extension's function is not.
//!
//! The lists are data (`src/catalog/*.txt`), written by `scripts/catalog_names.sh`: read off
//! a server (pg_catalog, and what each extension it can install creates) and off the install
//! scripts of Debian's packages of PostGIS, pgRouting, RUM and HypoPG; what other versions of
//! PostgreSQL (14 to 18) add or drop is kept by hand. A name known to any version counts, so
//! a project is never refused for the version it targets. A project that creates an
//! extension not listed here is not judged on unqualified names at all.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// Names by section (`pg_catalog`, or an extension's name). A name ending in `*` stands for
/// every name it is the prefix of.
type Sections = BTreeMap<&'static str, BTreeSet<&'static str>>;

const BY_HAND: &str = include_str!("catalog/by_hand.txt");

static FUNCTIONS: LazyLock<BTreeSet<&str>> = LazyLock::new(|| {
    sections(&[include_str!("catalog/functions.txt"), BY_HAND]).remove("pg_catalog").unwrap_or_default()
});
static TYPES: LazyLock<BTreeSet<&str>> =
    LazyLock::new(|| sections(&[include_str!("catalog/types.txt")]).remove("pg_catalog").unwrap_or_default());
/// An extension's functions and types together: either kind of name is the extension's.
static EXTENSIONS: LazyLock<Sections> = LazyLock::new(|| {
    let mut all = sections(&[include_str!("catalog/extensions.txt"), include_str!("catalog/packages.txt"), BY_HAND]);
    all.remove("pg_catalog");
    all
});

/// `[section]` lines open a section; every other line but `#` comments is a name of it.
fn sections(texts: &[&'static str]) -> Sections {
    let mut out = Sections::new();
    for text in texts {
        let mut section = "";
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            match line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                Some(name) => section = name,
                None => {
                    out.entry(section).or_default().insert(line);
                }
            }
        }
    }
    out
}

fn holds(names: &BTreeSet<&str>, name: &str) -> bool {
    names.contains(name) || names.iter().any(|n| n.strip_suffix('*').is_some_and(|prefix| name.starts_with(prefix)))
}

/// A function of pg_catalog in some PostgreSQL from 14 to 18.
pub fn builtin_function(name: &str) -> bool {
    FUNCTIONS.contains(name)
}

/// A type of pg_catalog.
pub fn builtin_type(name: &str) -> bool {
    TYPES.contains(name)
}

/// True when the functions and types `extension` creates are known here.
pub fn knows_extension(extension: &str) -> bool {
    extension == "plpgsql" || EXTENSIONS.contains_key(extension)
}

/// A function or type some known extension creates. Any extension counts, declared or not:
/// Supabase creates some before the project's first migration, and the dashboard others.
pub fn extension_name(name: &str) -> bool {
    EXTENSIONS.values().any(|names| holds(names, name))
}

/// Every function name of pg_catalog these lists hold, for hints and for tests.
pub fn builtin_functions() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().copied()
}

/// The names listed for `extension`, for tests that compare them with a server.
pub fn extension_names(extension: &str) -> impl Iterator<Item = &'static str> {
    EXTENSIONS.get(extension).into_iter().flatten().copied()
}

/// The extensions whose names are listed.
pub fn extensions() -> impl Iterator<Item = &'static str> {
    EXTENSIONS.keys().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_every_source_are_found() {
        assert!(builtin_function("now") && builtin_function("gen_random_uuid"));
        assert!(builtin_function("uuidv7"), "a PostgreSQL 18 function, kept by hand");
        assert!(!builtin_function("gen_random_uuidd") && !builtin_function("uuid_generate_v4"));
        assert!(builtin_type("tsvector") && !builtin_type("citext"));
        assert!(extension_name("uuid_generate_v4") && extension_name("citext") && extension_name("try_cast_double"));
        assert!(extension_name("st_coverageunion"), "a PostGIS 3.4 function, by its prefix");
        assert!(!extension_name("stx_area") && !extension_name("gen_random_uuidd"));
        assert!(knows_extension("pgcrypto") && knows_extension("postgis") && !knows_extension("timescaledb"));
    }
}
