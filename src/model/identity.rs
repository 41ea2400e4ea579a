//! The options of an identity column's sequence (`GENERATED … AS IDENTITY (START WITH 100)`):
//! held as the ones that differ from what PostgreSQL gives a new sequence of the column's
//! type, so that a history that spells a default out, a database read back and the YAML
//! compare equal.

use super::DataType;

/// The options an identity takes, in the order they are written out.
pub const OPTIONS: &[&str] = &["start", "increment", "minvalue", "maxvalue", "cache", "cycle"];

/// `options` (name, value; a value of None resets the option) applied over `current`, and
/// what differs from the defaults kept, sorted as `OPTIONS`.
pub fn merged(
    current: &[(String, String)],
    options: &[(String, Option<String>)],
    column_type: &DataType,
) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = current.to_vec();
    for (name, value) in options.iter().filter(|(n, _)| OPTIONS.contains(&n.as_str())) {
        all.retain(|(n, _)| n != name);
        if let Some(v) = value {
            all.push((name.clone(), v.clone()));
        }
    }
    let (low, high) = match column_type.name.as_str() {
        "smallint" => ("-32768", "32767"),
        "integer" => ("-2147483648", "2147483647"),
        _ => ("-9223372036854775808", "9223372036854775807"),
    };
    let get = |name: &str| all.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let ascending = get("increment").is_none_or(|i| !i.trim_start().starts_with('-'));
    let min = get("minvalue").unwrap_or_else(|| if ascending { "1".into() } else { low.into() });
    let max = get("maxvalue").unwrap_or_else(|| if ascending { high.into() } else { "-1".into() });
    let start = if ascending { min.clone() } else { max.clone() };
    let default = |name: &str| -> String {
        match name {
            "start" => start.clone(),
            "minvalue" if ascending => "1".into(),
            "minvalue" => low.into(),
            "maxvalue" if ascending => high.into(),
            "maxvalue" => "-1".into(),
            "cycle" => "false".into(),
            _ => "1".into(),
        }
    };
    OPTIONS.iter().filter_map(|name| get(name).filter(|v| *v != default(name)).map(|v| (name.to_string(), v))).collect()
}

/// The options as SQL: `START WITH 100 INCREMENT BY 2 CYCLE`.
pub fn sql(options: &[(String, String)]) -> String {
    let words: Vec<String> = options
        .iter()
        .map(|(name, value)| match name.as_str() {
            "start" => format!("START WITH {value}"),
            "increment" => format!("INCREMENT BY {value}"),
            "minvalue" => format!("MINVALUE {value}"),
            "maxvalue" => format!("MAXVALUE {value}"),
            "cache" => format!("CACHE {value}"),
            _ if value == "true" => "CYCLE".to_string(),
            _ => "NO CYCLE".to_string(),
        })
        .collect();
    words.join(" ")
}

/// `ALTER COLUMN … SET …` clauses that take an identity from `from`'s options to `to`'s:
/// each option that changes, set again, or back to its default.
pub fn set_clauses(from: &[(String, String)], to: &[(String, String)]) -> Vec<String> {
    let value = |list: &[(String, String)], name: &str| list.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    OPTIONS
        .iter()
        .filter(|name| value(from, name) != value(to, name))
        .map(|name| match (*name, value(to, name)) {
            ("minvalue", None) => "SET NO MINVALUE".to_string(),
            ("maxvalue", None) => "SET NO MAXVALUE".to_string(),
            ("cycle", None) => "SET NO CYCLE".to_string(),
            ("start", None) => "SET START WITH 1".to_string(),
            (_, None) => format!("SET {}", sql(&[(name.to_string(), "1".to_string())])),
            (_, Some(v)) => format!("SET {}", sql(&[(name.to_string(), v)])),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(name: &str) -> DataType {
        DataType::from_parts(vec![name.into()], vec![], 0)
    }

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
        pairs.iter().map(|(n, v)| (n.to_string(), Some(v.to_string()))).collect()
    }

    #[test]
    fn defaults_of_the_type_are_left_out() {
        let written = given(&[("start", "1"), ("minvalue", "1"), ("maxvalue", "2147483647"), ("cache", "1")]);
        assert!(merged(&[], &written, &ty("int4")).is_empty());
        let written = given(&[("maxvalue", "2147483647")]);
        assert_eq!(merged(&[], &written, &ty("int8")), vec![("maxvalue".to_string(), "2147483647".to_string())]);
        let kept = merged(&[], &given(&[("start", "100"), ("increment", "5")]), &ty("int8"));
        assert_eq!(sql(&kept), "START WITH 100 INCREMENT BY 5");
        // A start at its minimum is the default once the minimum moves.
        assert_eq!(merged(&[], &given(&[("minvalue", "10"), ("start", "10")]), &ty("int8")).len(), 1);
        // Descending: the start is the maximum.
        assert!(merged(&[], &given(&[("increment", "-1"), ("start", "-1")]), &ty("int8")).len() == 1);
    }

    #[test]
    fn options_change_one_by_one() {
        let from = merged(&[], &given(&[("start", "100"), ("cycle", "true")]), &ty("int8"));
        let to = merged(&from, &[("cycle".into(), None), ("increment".into(), Some("2".into()))], &ty("int8"));
        assert_eq!(set_clauses(&from, &to), ["SET INCREMENT BY 2", "SET NO CYCLE"]);
        assert_eq!(set_clauses(&to, &from), ["SET INCREMENT BY 1", "SET CYCLE"]);
    }
}
