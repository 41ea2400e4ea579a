//! The names PostgreSQL gives unnamed constraints and indexes (makeObjectName,
//! ChooseRelationName, ChooseConstraintName, ChooseIndexColumnNames in its sources), so
//! that a later `DROP CONSTRAINT t_email_key` finds what an earlier `UNIQUE` made.

/// NAMEDATALEN - 1: identifiers are cut to 63 bytes.
pub const MAX_IDENT: usize = 63;

/// Cuts `s` to at most `max` bytes without splitting a character.
pub fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `name1_name2_label`, shortening the longer of name1/name2 first until it fits.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = 0;
    if name2.is_some() {
        overhead += 1;
    }
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    let avail = MAX_IDENT.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let mut out = clip(name1, n1).to_string();
    if let Some(name2) = name2 {
        out.push('_');
        out.push_str(clip(name2, n2));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// Tries `label`, then `label1`, `label2`, … until `taken` says the name is free.
pub fn choose_name(name1: &str, name2: Option<&str>, label: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut pass = 0;
    loop {
        let modlabel = if pass == 0 { label.to_string() } else { format!("{label}{pass}") };
        let candidate = make_object_name(name1, name2, &modlabel);
        if !taken(&candidate) {
            return candidate;
        }
        pass += 1;
    }
}

/// Column names joined with `_`, as ChooseIndexNameAddition and
/// ChooseForeignKeyConstraintNameAddition build them.
pub fn join_columns(columns: &[String]) -> String {
    let mut buf = String::new();
    for name in columns {
        if !buf.is_empty() {
            buf.push('_');
        }
        buf.push_str(name);
        if buf.len() > MAX_IDENT {
            break;
        }
    }
    clip(&buf, MAX_IDENT).to_string()
}

/// Index column names made distinct the way ChooseIndexColumnNames does (`expr`, `expr1`).
pub fn distinct_index_column_names(names: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for orig in names {
        let mut candidate = orig.clone();
        let mut i = 1;
        while out.contains(&candidate) {
            let suffix = i.to_string();
            candidate = format!("{}{}", clip(&orig, MAX_IDENT - suffix.len()), suffix);
            i += 1;
        }
        out.push(candidate);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_joined() {
        assert_eq!(make_object_name("users", Some("email"), "key"), "users_email_key");
        assert_eq!(make_object_name("users", None, "pkey"), "users_pkey");
    }

    #[test]
    fn long_names_shorten_the_longer_part_first() {
        let table = "a".repeat(40);
        let column = "b".repeat(30);
        let name = make_object_name(&table, Some(&column), "check");
        assert_eq!(name.len(), MAX_IDENT);
        assert!(name.ends_with("_check"));
        // 63 - 7 = 56 characters shared: 28 each, since the longer one gives way first.
        assert_eq!(name, format!("{}_{}_check", "a".repeat(28), "b".repeat(28)));
    }

    #[test]
    fn taken_names_get_a_number() {
        let name = choose_name("t", Some("a"), "check", |n| n == "t_a_check" || n == "t_a_check1");
        assert_eq!(name, "t_a_check2");
    }

    #[test]
    fn repeated_index_columns_are_numbered() {
        let names = distinct_index_column_names(vec!["expr".into(), "expr".into(), "a".into()]);
        assert_eq!(names, vec!["expr", "expr1", "a"]);
    }
}
