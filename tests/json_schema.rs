//! `schemagen schema-json`: the committed schema is the command's output, it accepts every
//! YAML file the project and its fixtures load, and it rejects what the loader rejects.

use std::path::{Path, PathBuf};
use std::process::Command;

use marked_yaml::types::MarkedScalarNode;
use marked_yaml::{LoaderOptions, Node};
use serde_json::{Map, Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema_json() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_schemagen")).arg("schema-json").output().expect("run schemagen");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&schema_json()).expect("schema-json prints JSON");
    jsonschema::draft7::meta::validate(&schema).expect("a valid draft-07 schema");
    jsonschema::draft7::new(&schema).expect("the schema compiles")
}

/// A plain scalar as an editor reads it (YAML 1.2 core schema); quoted ones stay strings.
fn scalar(s: &MarkedScalarNode) -> Value {
    let text = s.as_str();
    if !s.may_coerce() {
        return Value::String(text.into());
    }
    let numeric = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
        && text.chars().any(|c| c.is_ascii_digit());
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ if numeric => match (text.parse::<i64>(), text.parse::<f64>()) {
            (Ok(i), _) => json!(i),
            (_, Ok(f)) => json!(f),
            _ => Value::String(text.into()),
        },
        _ => Value::String(text.into()),
    }
}

fn to_json(node: &Node) -> Value {
    match node {
        Node::Scalar(s) => scalar(s),
        Node::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Node::Mapping(m) => Value::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect::<Map<_, _>>()),
    }
}

fn yaml(text: &str) -> Value {
    let options = LoaderOptions::default().prevent_coercion(true);
    to_json(&marked_yaml::parse_yaml_with_options(0, text, options).expect("YAML parses"))
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn committed_schema_is_the_commands_output() {
    let committed =
        std::fs::read_to_string(root().join("docs/schemagen.schema.json")).expect("docs/schemagen.schema.json");
    assert!(
        committed == schema_json(),
        "docs/schemagen.schema.json is stale: run `cargo run -- schema-json > docs/schemagen.schema.json`"
    );
}

#[test]
fn every_schema_file_of_the_project_and_the_fixtures_is_valid() {
    let mut files = Vec::new();
    yaml_files(&root().join("schema"), &mut files);
    for fixture in std::fs::read_dir(root().join("tests/fixtures")).unwrap().flatten() {
        if fixture.path().join("schema").is_dir() {
            yaml_files(&fixture.path().join("schema"), &mut files);
        }
    }
    assert!(files.len() > 100, "expected the fixtures' YAML, found {} files", files.len());
    let validator = validator();
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let e = errors(&validator, &yaml(&std::fs::read_to_string(f).unwrap()));
            (!e.is_empty()).then(|| format!("{}:\n  {}", f.display(), e.join("\n  ")))
        })
        .collect();
    assert!(failures.is_empty(), "{} file(s) fail the schema:\n{}", failures.len(), failures.join("\n"));
}

/// Documents the loader refuses because of a key, and the same documents put right: the
/// schema refuses and accepts exactly as the loader does.
#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let cases = [
        (
            "table: users\ncolumns:\n  email:\n    type: text\n    nullable: false\n",
            "table: users\ncolumns:\n  email:\n    type: text\n    not_null: false\n",
        ),
        (
            "table: users\ncolumns:\n  id: uuid\npolices:\n  p: {using: 'true'}\n",
            "table: users\ncolumns:\n  id: uuid\npolicies:\n  p: {using: 'true'}\n",
        ),
        (
            "table: users\ncolumns:\n  id: uuid\nindexes:\n  users_id_idx: {column: id}\n",
            "table: users\ncolumns:\n  id: uuid\nindexes:\n  users_id_idx: {columns: id}\n",
        ),
        (
            "table: users\nschema: auth\nexternal: true\ncolumns:\n  id: uuid\n",
            "table: users\nschema: auth\nexternal: true\ncomment: Supabase's.\n",
        ),
        (
            "table: notes\ncolumns:\n  id: uuid\n  owner_id: uuid\nrls: {preset: owner, colum: owner_id}\n",
            "table: notes\ncolumns:\n  id: uuid\n  owner_id: uuid\nrls: {preset: owner, column: owner_id, force: true}\n",
        ),
        ("table: notes\ncolumns:\n  id: uuid\nrls: ownr\n", "table: notes\ncolumns:\n  id: uuid\nrls: service_only\n"),
        (
            "function: public.f\nreturns: void\nbody: select 1\nsecurity: definer\n",
            "function: public.f\nreturns: void\nbody: select 1\nsecurity_definer: true\n",
        ),
        (
            "extensions:\n  citext: {schema: extensions, version: '1.6'}\n",
            "extensions:\n  citext: {schema: extensions}\nschemas: [private]\n",
        ),
        ("views: public.v\nquery: select 1\n", "view: public.v\nquery: select 1\n"),
        (
            "table: notes\ncolumns:\n  user_id: uuid\naccess: {authenticated: owner(user_id)}\n",
            "table: notes\ncolumns:\n  user_id: uuid\naccess: {anon: none, authenticated: own(user_id), service_role: all}\n",
        ),
        (
            "table: notes\ncolumns:\n  user_id: uuid\naccess: {admins: all}\n",
            "table: notes\ncolumns:\n  user_id: uuid\naccess: {select: [anon, authenticated], update: own(user_id)}\n",
        ),
        (
            "table: notes\ncolumns:\n  ws: uuid\naccess: {authenticated: {select: 'workspace(ws members)'}}\n",
            "table: notes\ncolumns:\n  ws: uuid\naccess: {authenticated: {select: 'workspace(ws via app.members(w, u))'}}\n",
        ),
    ];
    let validator = validator();
    for (wrong, right) in cases {
        for (text, valid) in [(wrong, false), (right, true)] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("file.yaml"), text).unwrap();
            let loaded = schemagen::load_desired(dir.path());
            assert_eq!(loaded.is_ok(), valid, "the loader on:\n{text}\n{:?}", loaded.err().map(|e| e.to_string()));
            let found = errors(&validator, &yaml(text));
            assert_eq!(found.is_empty(), valid, "the schema on:\n{text}\n{found:?}");
        }
    }
}
