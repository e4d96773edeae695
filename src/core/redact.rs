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

use std::borrow::Cow;

use super::request::form_encode;

/// Secrets at least this many characters long are replaced even inside a longer word.
pub const ANYWHERE_LEN: usize = 8;

/// The secrets of one call, ready to redact text.
#[derive(Debug, Clone, Default)]
pub struct Redactor<'s> {
    /// The non-empty ones, each also as the login's form encoding spells it (when that differs).
    secrets: Vec<Needle<'s>>,
}

/// One spelling of a secret, with what the whole-word rule reads of the secret itself (a
/// spelling's own characters would make `%C3%A9` stand alone where `é` does not).
#[derive(Debug, Clone)]
struct Needle<'s> {
    /// The text looked for.
    text: Cow<'s, str>,
    /// The secret is long enough to be replaced anywhere ([`ANYWHERE_LEN`]).
    anywhere: bool,
    /// The secret's first and last characters.
    edges: (Option<char>, Option<char>),
    /// A percent-encoded spelling: its neighbours may be escapes too, read decoded.
    encoded: bool,
}

impl<'s> Redactor<'s> {
    /// A redactor for these secrets (empty ones are ignored). Each is also redacted
    /// percent-encoded, as the login form sends it (upper-case hex) and with lower-case hex:
    /// a platform that echoes the body it received quotes that spelling.
    pub fn new(secrets: &[&'s str]) -> Self {
        let mut kept = Vec::with_capacity(secrets.len());
        for secret in secrets.iter().copied().filter(|s| !s.is_empty()) {
            let anywhere = secret.chars().count() >= ANYWHERE_LEN;
            let edges = (secret.chars().next(), secret.chars().next_back());
            let mut spell = |text, encoded| {
                kept.push(Needle {
                    text,
                    anywhere,
                    edges,
                    encoded,
                })
            };
            spell(Cow::Borrowed(secret), false);
            let encoded = form_encode(secret);
            if encoded != secret {
                let lower = lower_hex(&encoded);
                if lower != encoded {
                    spell(Cow::Owned(lower), true);
                }
                spell(Cow::Owned(encoded), true);
            }
        }
        Self { secrets: kept }
    }

    /// `text` with each occurrence of a secret replaced by [`MARKER`].
    pub fn redact(&self, text: &str) -> String {
        if !self
            .secrets
            .iter()
            .any(|secret| text.contains(secret.text.as_ref()))
        {
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
                .filter(|secret| {
                    tail.starts_with(secret.text.as_ref()) && stands_alone(text, at, secret)
                })
                .max_by_key(|secret| secret.text.len());
            match found {
                Some(secret) => {
                    out.push_str(text.get(copied..at).unwrap_or_default());
                    out.push_str(MARKER);
                    at += secret.text.len();
                    copied = at;
                }
                None => at += next.len_utf8(),
            }
        }
        out.push_str(text.get(copied..).unwrap_or_default());
        out
    }
}

/// `encoded` (a percent-encoding) with the two hex digits after each `%` in lower case.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut digits = 0;
    for c in encoded.chars() {
        if digits > 0 {
            out.push(c.to_ascii_lowercase());
            digits -= 1;
        } else {
            out.push(c);
            if c == '%' {
                digits = 2;
            }
        }
    }
    out
}

/// The character a `%XX` escape stands for (any byte beyond ASCII: part of a non-ASCII
/// character, a word character), or `None` when `three` is no such escape.
fn escaped(three: Option<&str>) -> Option<char> {
    let hex = three?.strip_prefix('%')?;
    let byte = u8::from_str_radix(hex, 16).ok()?;
    Some(if byte.is_ascii() {
        char::from(byte)
    } else {
        '\u{80}'
    })
}

/// What a word is made of: ASCII letters and digits, `_`, and (to stay small, without
/// Unicode tables) any non-ASCII character.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()
}

/// Whether `secret`, found at byte `start` of `text`, is to be replaced there: long secrets
/// always; short ones when they are not glued to the word characters around them (the
/// secret's own length and edges decide, for each of its spellings).
fn stands_alone(text: &str, start: usize, secret: &Needle<'_>) -> bool {
    if secret.anywhere {
        return true;
    }
    let head = text.get(..start).unwrap_or_default();
    let tail = text.get(start + secret.text.len()..).unwrap_or_default();
    let mut before = head.chars().next_back();
    let mut after = tail.chars().next();
    if secret.encoded {
        // Beside an encoded spelling, an escape stands for the character it encodes (the `0`
        // of `%20` is a space, not a word character).
        before = escaped(head.get(head.len().saturating_sub(3)..)).or(before);
        after = escaped(tail.get(..3)).or(after);
    }
    let glued = |outside: Option<char>, edge: Option<char>| {
        outside.is_some_and(is_word) && edge.is_some_and(is_word)
    };
    let (first, last) = secret.edges;
    !glued(before, first) && !glued(after, last)
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
    fn a_secret_is_also_redacted_as_the_login_form_encoded_it() {
        // The login sends `secret=` form-encoded; a platform that echoes the body it got
        // quotes that spelling (upper-case hex, as sent, or lower-case, as some re-print it).
        let r = Redactor::new(&["p@ss w+rd/1"]);
        assert_eq!(
            r.redact("bad body appId=x&secret=p%40ss%20w%2Brd%2F1"),
            "bad body appId=x&secret=[redacted]"
        );
        assert_eq!(r.redact("secret=p%40ss%20w%2brd%2f1"), "secret=[redacted]");
        assert_eq!(r.redact("p@ss w+rd/1"), "[redacted]");
        let short = Redactor::new(&["a b"]);
        assert_eq!(short.redact("secret=a%20b&x"), "secret=[redacted]&x");
        assert_eq!(short.redact("xa%20b"), "xa%20b");
    }

    #[test]
    fn an_encoded_spelling_follows_the_whole_word_rule_of_its_secret() {
        // The review's cases: the encoding of "café" holds that of "é", and "a b c" is short
        // though its encoding has 9 characters.
        let e = Redactor::new(&["é"]);
        assert_eq!(e.redact("caf%C3%A9 é"), "caf%C3%A9 [redacted]");
        assert_eq!(e.redact("secret=%C3%A9&"), "secret=[redacted]&");
        let abc = Redactor::new(&["a b c"]);
        assert_eq!(abc.redact("xa%20b%20cy"), "xa%20b%20cy");
        assert_eq!(abc.redact("secret=a%20b%20c"), "secret=[redacted]");
        let long = Redactor::new(&["p@ss w+rd/1"]);
        assert_eq!(long.redact("xp%40ss%20w%2Brd%2F1y"), "x[redacted]y");
    }

    #[test]
    fn beside_an_encoded_spelling_an_escape_reads_as_what_it_encodes() {
        // The review's cases: the character before is the last digit of `%20` or `%2F`.
        let r = Redactor::new(&["é1", "ñ9x"]);
        assert_eq!(
            r.redact("note=hi%20%C3%A91%20there"),
            "note=hi%20[redacted]%20there"
        );
        assert_eq!(r.redact("q=a%2F%C3%B19x"), "q=a%2F[redacted]");
        // An escape of a letter, or of a byte of a non-ASCII character, still glues.
        assert_eq!(r.redact("x%41%C3%A91"), "x%41%C3%A91");
        assert_eq!(r.redact("caf%C3%A9%C3%A91"), "caf%C3%A9%C3%A91");
        assert_eq!(r.redact("%C3%A91%41"), "%C3%A91%41");
        assert_eq!(r.redact("%C3%A91%2C"), "[redacted]%2C");
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
