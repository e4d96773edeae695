//! One thing wrong with an argument or a response, located by a path in JS field names.

use super::json::{ObjectWriter, ToJson};

/// A single problem: where (`targets.devices[3]`, `""` for the whole body) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The path in JS field names; empty for a problem with the whole body.
    pub path: String,
    /// What is wrong, in plain English.
    pub message: String,
}

impl Problem {
    /// Creates a problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl ToJson for Problem {
    fn write_json(&self, out: &mut String) {
        let mut problem = ObjectWriter::new(out);
        problem.string("path", &self.path);
        problem.string("message", &self.message);
        problem.finish();
    }
}

/// Collects problems while walking a document, keeping the current path.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<Problem>,
}

impl Problems {
    /// Records a problem at `path`.
    pub fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.list.push(Problem::new(path, message));
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The recorded problems, in the order found.
    pub fn into_vec(self) -> Vec<Problem> {
        self.list
    }
}

/// Joins a parent path and a field name (`policy` + `startTime` → `policy.startTime`).
pub fn field_path(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

/// A short, printable rendering of a value the platform sent, for messages (at most 60 chars).
pub fn quote(text: &str) -> String {
    const LIMIT: usize = 60;
    let mut out = String::from("\"");
    for (count, ch) in text.chars().enumerate() {
        if count == LIMIT {
            out.push('…');
            break;
        }
        if ch.is_control() {
            out.push('\u{FFFD}');
        } else {
            out.push(ch);
        }
    }
    out.push('"');
    out
}
