//! One thing wrong with an argument or a response, located by a path in JS field names.

use serde::{Serialize, Serializer};

use super::redact::Redactor;

/// A single problem: where (`targets.devices[3]`, `""` for the whole body) and what. A problem
/// of the whole body is made by [`Problem::body`] and its message names the body itself ("the
/// body is truncated JSON …"), so it reads whole without a place in front of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The path in JS field names; empty for a problem with the whole body.
    pub path: String,
    /// What is wrong, in plain English.
    #[serde(serialize_with = "finished")]
    pub message: String,
    /// Whether this is a problem of the whole body whose message names the body itself
    /// ([`Problem::body`]); Rust-side only, it never reaches JS.
    #[serde(skip)]
    of_body: bool,
}

impl Problem {
    /// Creates a problem at `path`, relative to the value checked (`""`: that value itself,
    /// which its caller then places, as a page does its items: `data[3]`).
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::of(path.into(), message.into(), false)
    }

    /// A problem of the whole body, at path `""`; `message` names the body itself ("the body is
    /// …"), which is why a report's message puts no place in front of it.
    pub fn body(message: impl Into<String>) -> Self {
        Self::of(String::new(), message.into(), true)
    }

    /// Whether this is a problem of the whole body ([`Problem::body`]), whose message needs no
    /// place in front of it.
    pub fn is_of_body(&self) -> bool {
        self.of_body
    }

    /// [`Problem::new`] once its path and message are Strings (not generic: one copy).
    #[inline(never)]
    #[cold]
    fn of(path: String, message: String, of_body: bool) -> Self {
        Self {
            path,
            message,
            of_body,
        }
    }
}

/// The message as users read it: quoted outside values finished ([`finish`]).
fn finished<S: Serializer>(message: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&finish(message, &Redactor::default()))
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

/// Opens a value from outside inside a problem message, until the message is finished (text,
/// not a `char`, so the searches reuse the string searcher the module already has).
const OPEN: &str = "\u{E000}";
/// Closes it.
const CLOSE: &str = "\u{E001}";
/// How many characters of an outside value a finished message shows.
const SHOWN: usize = 60;
/// How many a message keeps until it is finished: more than it shows, so that a secret cut
/// by the shown length is still recognised whole when the report is redacted (a token travels
/// in a header, which servers cap at a few KiB).
const KEPT: usize = SHOWN + 4096;

/// A value the platform sent, for a problem message: kept marked as outside text until the
/// report is finished ([`finish`]), which redacts the call's secrets in it, shortens it to 60
/// characters and puts it in quotes. Control characters become U+FFFD.
#[cold]
pub fn quote(text: &str) -> String {
    let mut out = String::from(OPEN);
    for (count, ch) in text.chars().enumerate() {
        if count == KEPT {
            out.push('…');
            break;
        }
        out.push(
            if ch.is_control() || ('\u{E000}'..='\u{E001}').contains(&ch) {
                '\u{FFFD}'
            } else {
                ch
            },
        );
    }
    out.push_str(CLOSE);
    out
}

/// A problem message as users read it: each quoted outside value redacted of the secrets,
/// shortened to 60 characters and put in double quotes; the library's own words as they are.
pub fn finish(message: &str, redactor: &Redactor<'_>) -> String {
    if !message.contains(OPEN) {
        return message.to_owned();
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some((own, after)) = rest.split_once(OPEN) {
        out.push_str(own);
        let (value, next) = after.split_once(CLOSE).unwrap_or((after, ""));
        let redacted = redactor.redact(value);
        out.push('"');
        match redacted.char_indices().nth(SHOWN) {
            Some((cut, _)) => {
                out.push_str(redacted.get(..cut).unwrap_or_default());
                out.push('…');
            }
            None => out.push_str(&redacted),
        }
        out.push('"');
        rest = next;
    }
    out.push_str(rest);
    out
}
