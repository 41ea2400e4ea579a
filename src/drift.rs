//! Drift: how a live database differs from what the migrations build, object by object
//! (in the database only, in the files only, different), for `check --db`.

use serde_json::json;

use crate::model::Schema;
use crate::report::{Object, Report};

pub struct Drift {
    pub db_only: Vec<Object>,
    pub files_only: Vec<Object>,
    /// Each object with what differs about it.
    pub different: Vec<(Object, Vec<String>)>,
}

impl Drift {
    /// `files` is what the migrations build, `db` what the database holds; both in the form
    /// where the server's own spelling of an expression is no difference
    /// (`live::compared_forms`).
    pub fn new(files: &Schema, db: &Schema) -> Drift {
        let changes = crate::diff::diff(files, db);
        let report = Report::new(files, db, &changes);
        Drift { db_only: report.created, files_only: report.dropped, different: report.changed }
    }

    pub fn is_empty(&self) -> bool {
        self.db_only.is_empty() && self.files_only.is_empty() && self.different.is_empty()
    }

    fn sections(&self) -> [(&'static str, Vec<String>); 3] {
        let name = |o: &Object| format!("{} {}", o.kind.word(), o.name);
        [
            ("in the database only", self.db_only.iter().map(name).collect()),
            ("in the files only", self.files_only.iter().map(name).collect()),
            (
                "different",
                self.different.iter().map(|(o, what)| format!("{} ({})", name(o), what.join(", "))).collect(),
            ),
        ]
    }

    pub fn text(&self, db: &str, files: &str) -> String {
        if self.is_empty() {
            return format!("ok: {db} is what {files} build\n");
        }
        let mut out = format!("drift: {db} is not what {files} build\n");
        for (title, items) in self.sections() {
            if !items.is_empty() {
                out.push_str(&format!("{title}:\n"));
                items.iter().for_each(|i| out.push_str(&format!("  {i}\n")));
            }
        }
        out
    }

    pub fn markdown(&self, db: &str, files: &str) -> String {
        let mut out = String::from("## schemagen: drift\n\n");
        if self.is_empty() {
            out.push_str(&format!("No drift: `{db}` is what `{files}` build.\n"));
            return out;
        }
        out.push_str(&format!("`{db}` is not what `{files}` build.\n"));
        for (title, items) in self.sections() {
            if !items.is_empty() {
                out.push_str(&format!("\n### {}{}\n\n", title[..1].to_uppercase(), &title[1..]));
                items.iter().for_each(|i| out.push_str(&format!("- `{i}`\n")));
            }
        }
        out
    }

    pub fn json(&self, db: &str, files: &str) -> String {
        let object = |o: &Object| json!({"kind": o.kind.word(), "name": o.name});
        let value = json!({
            "database": db,
            "files": files,
            "drift": !self.is_empty(),
            "database_only": self.db_only.iter().map(object).collect::<Vec<_>>(),
            "files_only": self.files_only.iter().map(object).collect::<Vec<_>>(),
            "different": self.different.iter().map(|(o, what)| {
                json!({"kind": o.kind.word(), "name": o.name, "what": what})
            }).collect::<Vec<_>>(),
        });
        serde_json::to_string_pretty(&value).expect("JSON of JSON values") + "\n"
    }
}
