//! Secret redaction of text that came from outside the library: the platform's `error_desc`,
//! `resultmsg` and codes, runtime error messages (which may carry URLs), and values quoted in
//! problems. The library's own words are never passed through it, so a secret that happens to
//! be a common word or a single letter cannot garble them.
//!
//! One pass over the text finds every occurrence at once (the longest secret first where two
//! start at the same place), so the marker itself is never scrubbed again. A secret of at least
//! [`ANYWHERE_LEN`] characters is replaced wherever it occurs, even inside a longer word: a real
//! credential is that long, and must never leak. A shorter one is replaced where it stands as a
//! whole word (not inside a run of letters, digits and `_`): with token `tok`,
//! "access_token" stays as it is, while "token tok is invalid" becomes "token \[redacted\] is
//! invalid".

/// What each occurrence of a secret becomes.
pub const MARKER: &str = "[redacted]";

/// Secrets at least this many characters long are replaced even inside a longer word.
pub const ANYWHERE_LEN: usize = 8;

/// The secrets of one call, ready to redact text.
#[derive(Debug, Clone, Default)]
pub struct Redactor<'s> {
    /// The non-empty ones.
    secrets: Vec<&'s str>,
}

impl<'s> Redactor<'s> {
    /// A redactor for these secrets (empty ones are ignored).
    pub fn new(secrets: &[&'s str]) -> Self {
        let secrets = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
        Self { secrets }
    }

    /// `text` with each occurrence of a secret replaced by [`MARKER`].
    pub fn redact(&self, text: &str) -> String {
        if !self.secrets.iter().any(|secret| text.contains(secret)) {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut at = 0;
        while let Some(tail) = text.get(at..) {
            let Some(next) = tail.chars().next() else {
                break;
            };
            // The longest secret that starts here (no sorting: a call has two or three).
            let found = self
                .secrets
                .iter()
                .filter(|secret| tail.starts_with(**secret) && stands_alone(text, at, secret))
                .max_by_key(|secret| secret.len());
            match found {
                Some(secret) => {
                    out.push_str(text.get(copied..at).unwrap_or_default());
                    out.push_str(MARKER);
                    at += secret.len();
                    copied = at;
                }
                None => at += next.len_utf8(),
            }
        }
        out.push_str(text.get(copied..).unwrap_or_default());
        out
    }
}

/// What a word is made of: ASCII letters and digits, `_`, and (to stay small, without
/// Unicode tables) any non-ASCII character.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()
}

/// Whether `secret`, found at byte `start` of `text`, is to be replaced there: long secrets
/// always; short ones when they are not glued to the word characters around them.
fn stands_alone(text: &str, start: usize, secret: &str) -> bool {
    if secret.chars().count() >= ANYWHERE_LEN {
        return true;
    }
    let before = text.get(..start).and_then(|t| t.chars().next_back());
    let after = text
        .get(start + secret.len()..)
        .and_then(|t| t.chars().next());
    let glued = |outside: Option<char>, edge: Option<char>| {
        outside.is_some_and(is_word) && edge.is_some_and(is_word)
    };
    !glued(before, secret.chars().next()) && !glued(after, secret.chars().next_back())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn whole_words_for_short_secrets_anywhere_for_long_ones() {
        let r = Redactor::new(&["tok", "a"]);
        assert_eq!(r.redact("access_token"), "access_token");
        assert_eq!(r.redact("token tok is bad"), "token [redacted] is bad");
        assert_eq!(r.redact("a: [a] a"), "[redacted]: [[redacted]] [redacted]");
        let long = Redactor::new(&["SECRET-1234"]);
        assert_eq!(long.redact("xSECRET-1234y"), "x[redacted]y");
    }

    #[test]
    fn one_pass_never_scrubs_the_marker_and_prefers_the_longest() {
        let r = Redactor::new(&["red", "[redacted]", "acted", "ab", "abc"]);
        assert_eq!(r.redact("red abc ab"), "[redacted] [redacted] [redacted]");
        assert_eq!(r.redact("[redacted]"), "[redacted]");
        assert_eq!(Redactor::new(&[""]).redact("text"), "text");
        assert_eq!(
            Redactor::new(&["é"]).redact("é café é"),
            "[redacted] café [redacted]"
        );
        assert_eq!(
            Redactor::new(&["caf"]).redact("café caf"),
            "café [redacted]"
        );
    }
}
