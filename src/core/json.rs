//! A small, strict JSON reader and writer (RFC 8259), made for this crate's one job: read an
//! answer body once, borrowing from it, and write the normalised result as JSON text for
//! `JSON.parse` on the JS side.
//!
//! Why not serde_json: it was a third of the wasm (parser, float parsing and printing, a
//! B-tree map) and the slower half of a call. This reader keeps numbers as the text that was
//! sent (so a value passed through reads in JS exactly as `JSON.parse` reads it), keeps object
//! members in order with duplicates as sent, and keeps each member's source text, so unknown
//! fields are copied, not re-encoded. It accepts exactly what serde_json accepted: nesting
//! limited to 127 levels, lone surrogate escapes and numbers beyond the f64 range refused.

use std::borrow::Cow;
use std::cmp::Ordering;

/// How deep arrays and objects may nest (the 128th level is refused, as serde_json did).
pub const MAX_DEPTH: usize = 128;

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// A parsed JSON value, borrowing its text from the body where it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as the text that was sent.
    Number(Number<'a>),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object, members in the order sent.
    Object(Object<'a>),
}

impl<'a> Value<'a> {
    /// The object, when this is one.
    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Self::Object(object) => Some(object),
            _ => None,
        }
    }

    /// The array's items, when this is an array.
    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(text) => Some(text),
            _ => None,
        }
    }

    /// A count as the platform sends it: a JSON number, or a string of decimal digits,
    /// read exactly (anything else is [`Whole::NotWhole`]).
    pub fn as_whole(&self) -> Whole {
        match self {
            Self::Number(n) => n.whole(),
            Self::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                match s.parse::<u64>() {
                    Ok(n) if n <= MAX_SAFE_INTEGER => Whole::Exact(n),
                    _ => Whole::TooLarge,
                }
            }
            _ => Whole::NotWhole,
        }
    }
}

/// A JSON number as sent (grammar-checked, within the f64 range).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Number<'a>(&'a str);

/// What a number is when read as a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// A whole number from 0 to 2^53 − 1 (`3`, `3.0`, `3e0`, `-0`).
    Exact(u64),
    /// A whole number above 2^53 − 1.
    TooLarge,
    /// Negative, or with a fractional part.
    NotWhole,
}

impl<'a> Number<'a> {
    /// The number's text, exactly as sent.
    pub fn as_str(&self) -> &'a str {
        self.0
    }

    /// Reads the number exactly, in decimal (no float rounding): whether it is a whole
    /// number, and which.
    pub fn whole(&self) -> Whole {
        let decimal = Decimal::of(self.0);
        if decimal.len == 0 {
            return Whole::Exact(0);
        }
        if decimal.negative || decimal.shift < 0 {
            return Whole::NotWhole;
        }
        // MAX_SAFE_INTEGER has 16 digits.
        let width = i64::try_from(decimal.len)
            .unwrap_or(i64::MAX)
            .saturating_add(decimal.shift);
        if width > 16 {
            return Whole::TooLarge;
        }
        let mut value: u64 = 0;
        for b in decimal.digits() {
            value = value * 10 + u64::from(b - b'0');
        }
        for _ in 0..decimal.shift {
            value *= 10;
        }
        if value > MAX_SAFE_INTEGER {
            Whole::TooLarge
        } else {
            Whole::Exact(value)
        }
    }
}

/// A number's exact decimal value: `significant digits × 10^shift`, where the significant
/// digits are `int_part` then `fraction` without leading and trailing zeros.
struct Decimal<'a> {
    negative: bool,
    int_part: &'a str,
    fraction: &'a str,
    leading: usize,
    len: usize,
    shift: i64,
}

impl<'a> Decimal<'a> {
    /// Splits grammar-checked number text.
    fn of(text: &'a str) -> Self {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => (mantissa, parse_exponent(exponent)),
            None => (unsigned, 0),
        };
        let (int_part, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all = || int_part.bytes().chain(fraction.bytes());
        let total = int_part.len() + fraction.len();
        let leading = all().take_while(|b| *b == b'0').count();
        let trailing = if leading == total {
            0
        } else {
            all().rev().take_while(|b| *b == b'0').count()
        };
        let len = total - leading - trailing;
        let shift = exponent
            .saturating_sub(i64::try_from(fraction.len()).unwrap_or(i64::MAX))
            .saturating_add(i64::try_from(trailing).unwrap_or(i64::MAX));
        Self {
            negative,
            int_part,
            fraction,
            leading,
            len,
            shift,
        }
    }

    /// The significant digits, as ASCII bytes.
    fn digits(&self) -> impl Iterator<Item = u8> + 'a {
        self.int_part
            .bytes()
            .chain(self.fraction.bytes())
            .skip(self.leading)
            .take(self.len)
    }

    /// Whether the value is beyond what an f64 holds (it would read as ±Infinity).
    fn overflows_f64(&self) -> bool {
        // 2^1024 − 2^970: the smallest magnitude that rounds to infinity (309 digits).
        const LIMIT: &str = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";
        if self.len == 0 {
            return false;
        }
        // The value lies in [10^(magnitude − 1), 10^magnitude).
        let magnitude = i64::try_from(self.len)
            .unwrap_or(i64::MAX)
            .saturating_add(self.shift);
        match magnitude.cmp(&309) {
            Ordering::Less => false,
            Ordering::Greater => true,
            // Compared digit by digit; missing digits on either side are zeros.
            Ordering::Equal => {
                let mut digits = self.digits();
                for limit in LIMIT.bytes() {
                    match digits.next().unwrap_or(b'0').cmp(&limit) {
                        Ordering::Less => return false,
                        Ordering::Greater => return true,
                        Ordering::Equal => {}
                    }
                }
                true
            }
        }
    }
}

/// Reads an exponent's text (`+12`, `-3`, `7`), saturating far beyond any meaningful value.
fn parse_exponent(text: &str) -> i64 {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    for b in digits.bytes() {
        value = value
            .saturating_mul(10)
            .saturating_add(i64::from(b - b'0'))
            .min(1 << 40);
    }
    if negative {
        -value
    } else {
        value
    }
}

/// An object's members, in the order sent (duplicates kept; [`Object::get`] sees the last,
/// as `JSON.parse` does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object<'a> {
    members: Vec<Member<'a>>,
}

/// One `"key": value` of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member<'a> {
    /// The key, unescaped.
    pub key: Cow<'a, str>,
    /// The value.
    pub value: Value<'a>,
    /// The value's JSON text exactly as sent.
    pub raw: &'a str,
}

impl<'a> Object<'a> {
    /// The value of `key` (the last one, when the key is repeated).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.member(key).map(|member| &member.value)
    }

    /// The member named `key` (the last one, when the key is repeated).
    pub fn member(&self, key: &str) -> Option<&Member<'a>> {
        self.members.iter().rev().find(|member| member.key == key)
    }

    /// Every member, in the order sent.
    pub fn members(&self) -> &[Member<'a>] {
        &self.members
    }
}

/// Why a body is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What and where (`EOF while parsing a string at line 1 column 40`).
    pub message: String,
    /// Whether the text simply ended too early (a truncated body).
    pub eof: bool,
}

/// Parses one JSON text (whitespace around it allowed).
pub fn parse(bytes: &[u8]) -> Result<Value<'_>, SyntaxError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => return Err(error_at(bytes, error.valid_up_to(), "invalid UTF-8", false)),
    };
    let mut parser = Parser {
        text,
        bytes,
        pos: 0,
        depth: 0,
    };
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.pos < bytes.len() {
        return Err(parser.error("trailing characters"));
    }
    Ok(value)
}

fn error_at(bytes: &[u8], pos: usize, what: &str, eof: bool) -> SyntaxError {
    let before = bytes.get(..pos).unwrap_or(bytes);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    SyntaxError {
        message: format!("{what} at line {line} column {column}"),
        eof,
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, what: &str) -> SyntaxError {
        error_at(self.bytes, self.pos, what, false)
    }

    fn eof(&self, what: &str) -> SyntaxError {
        error_at(self.bytes, self.pos, what, true)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Value<'a>, SyntaxError> {
        self.skip_whitespace();
        match self.peek() {
            None => Err(self.eof("EOF while parsing a value")),
            Some(b'"') => {
                self.pos += 1;
                self.string().map(Value::String)
            }
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(_) => Err(self.error("expected value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, SyntaxError> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        if rest.starts_with(word.as_bytes()) {
            self.pos += word.len();
            return Ok(value);
        }
        // A prefix of the word that ends with the text is truncated, not wrong.
        if word.as_bytes().starts_with(rest) {
            self.pos = self.bytes.len();
            return Err(self.eof("EOF while parsing a value"));
        }
        Err(self.error("expected value"))
    }

    fn nested(
        &mut self,
        parse: fn(&mut Self) -> Result<Value<'a>, SyntaxError>,
    ) -> Result<Value<'a>, SyntaxError> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.pos += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn array(&mut self) -> Result<Value<'a>, SyntaxError> {
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                None => return Err(self.eof("EOF while parsing a list")),
                Some(_) => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self) -> Result<Value<'a>, SyntaxError> {
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(Object { members }));
        }
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b'"') => self.pos += 1,
                None => return Err(self.eof("EOF while parsing an object")),
                Some(_) => return Err(self.error("key must be a string")),
            }
            let key = self.string()?;
            self.skip_whitespace();
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => return Err(self.eof("EOF while parsing an object")),
                Some(_) => return Err(self.error("expected `:`")),
            }
            self.skip_whitespace();
            let start = self.pos;
            let value = self.value()?;
            let raw = self.text.get(start..self.pos).unwrap_or_default();
            members.push(Member { key, value, raw });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(Object { members }));
                }
                None => return Err(self.eof("EOF while parsing an object")),
                Some(_) => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    /// A string's contents, after its opening quote.
    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        let mut owned: Option<String> = None;
        let mut start = self.pos;
        loop {
            let run = find_special(self.bytes.get(self.pos..).unwrap_or_default());
            let Some(run) = run else {
                self.pos = self.bytes.len();
                return Err(self.eof("EOF while parsing a string"));
            };
            self.pos += run;
            // The stop bytes are ASCII, so these are character boundaries.
            let piece = self.text.get(start..self.pos).unwrap_or_default();
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(piece),
                        Some(mut text) => {
                            text.push_str(piece);
                            Cow::Owned(text)
                        }
                    });
                }
                Some(b'\\') => {
                    let text = owned.get_or_insert_with(String::new);
                    text.push_str(piece);
                    self.pos += 1;
                    let ch = self.escape()?;
                    text.push(ch);
                    start = self.pos;
                }
                _ => {
                    return Err(self
                        .error("control character (\\u0000-\\u001F) found while parsing a string"))
                }
            }
        }
    }

    /// One escape, after its backslash.
    fn escape(&mut self) -> Result<char, SyntaxError> {
        let Some(b) = self.peek() else {
            return Err(self.eof("EOF while parsing a string"));
        };
        self.pos += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(self.error("lone leading surrogate in hex escape"));
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.error("lone leading surrogate in hex escape"));
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => {
                        return Err(self.error("lone trailing surrogate in hex escape"))
                    }
                    _ => unit,
                };
                match char::from_u32(code) {
                    Some(ch) => ch,
                    None => return Err(self.error("invalid unicode code point")),
                }
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("invalid escape"));
            }
        })
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut unit = 0;
        for _ in 0..4 {
            let Some(b) = self.peek() else {
                return Err(self.eof("EOF while parsing a string"));
            };
            let Some(digit) = char::from(b).to_digit(16) else {
                return Err(self.error("invalid escape"));
            };
            unit = unit * 16 + digit;
            self.pos += 1;
        }
        Ok(unit)
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self) -> Result<Number<'a>, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let unsigned_at = self.pos;
        let int_digits = self.digits();
        let leading_zero = self.bytes.get(unsigned_at) == Some(&b'0');
        if int_digits == 0 || (leading_zero && int_digits > 1) {
            return Err(self.number_error());
        }
        let mut exact = int_digits < 309;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.number_error());
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.number_error());
            }
            exact = false;
        }
        let text = self.text.get(start..self.pos).unwrap_or_default();
        // Only a long integer part or an exponent can leave the f64 range.
        if !exact && Decimal::of(text).overflows_f64() {
            self.pos = start;
            return Err(self.error("number out of range"));
        }
        Ok(Number(text))
    }

    fn number_error(&self) -> SyntaxError {
        if self.pos >= self.bytes.len() {
            self.eof("EOF while parsing a value")
        } else {
            self.error("invalid number")
        }
    }
}

/// Whether a byte ends a run of plain string text: `"`, `\` or a control character.
fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The index of the first [`is_special`] byte, tested eight bytes at a time (most strings
/// have none, and the size-optimised build does not vectorise a byte loop).
fn find_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut offset = 0;
    for chunk in bytes.chunks_exact(8) {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        // Exact tests for "some byte is zero" and "some byte is below 0x20".
        let flagged = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (word.wrapping_sub(ONES * 0x20) & !word))
            & HIGHS;
        if flagged != 0 {
            break;
        }
        offset += 8;
    }
    let tail = bytes.get(offset..)?;
    tail.iter()
        .position(|b| is_special(*b))
        .map(|at| offset + at)
}

/// The JSON text `raw` without the whitespace between tokens (strings untouched), so equal
/// values sent with different layouts compare equal.
pub fn compact(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut kept = 0;
    for (at, b) in raw.bytes().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            // Whitespace is ASCII, so `kept..at` lies on character boundaries.
            out.push_str(raw.get(kept..at).unwrap_or_default());
            kept = at + 1;
        }
    }
    out.push_str(raw.get(kept..).unwrap_or_default());
    out
}

/// Appends `text` as a JSON string (quoted; `"`, `\` and control characters escaped).
pub fn write_string(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    let mut rest = text;
    while let Some(at) = find_special(rest.as_bytes()) {
        let (clean, tail) = rest.split_at(at);
        out.push_str(clean);
        let mut chars = tail.chars();
        match chars.next() {
            Some('"') => out.push_str("\\\""),
            Some('\\') => out.push_str("\\\\"),
            Some('\n') => out.push_str("\\n"),
            Some('\r') => out.push_str("\\r"),
            Some('\t') => out.push_str("\\t"),
            Some(control) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let code = u32::from(control);
                out.push_str("\\u00");
                for nibble in [code >> 4, code & 0xF] {
                    let digit = HEX.get(nibble as usize).copied().unwrap_or(b'0');
                    out.push(char::from(digit));
                }
            }
            None => {}
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out.push('"');
}

/// Writes a JSON object member by member into a string.
pub struct ObjectWriter<'o> {
    out: &'o mut String,
    empty: bool,
}

impl<'o> ObjectWriter<'o> {
    /// Opens an object at the end of `out`.
    pub fn new(out: &'o mut String) -> Self {
        out.push('{');
        Self { out, empty: true }
    }

    /// Starts a member: writes its key and returns the output for its value.
    pub fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(self.out, key);
        self.out.push(':');
        self.out
    }

    /// A string member.
    pub fn string(&mut self, key: &str, value: &str) {
        write_string(self.key(key), value);
    }

    /// A string member, `null` when absent.
    pub fn optional_string(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(value) => self.string(key, value),
            None => self.raw(key, "null"),
        }
    }

    /// A whole-number member.
    pub fn number(&mut self, key: &str, value: u64) {
        let mut digits = itoa::Buffer::new();
        self.raw(key, digits.format(value));
    }

    /// A whole-number member, `null` when absent.
    pub fn optional_number(&mut self, key: &str, value: Option<u64>) {
        match value {
            Some(value) => self.number(key, value),
            None => self.raw(key, "null"),
        }
    }

    /// A boolean member.
    pub fn boolean(&mut self, key: &str, value: bool) {
        self.raw(key, if value { "true" } else { "false" });
    }

    /// A member whose value is already JSON text.
    pub fn raw(&mut self, key: &str, json: &str) {
        self.key(key).push_str(json);
    }

    /// Closes the object.
    pub fn finish(self) {
        self.out.push('}');
    }
}

/// Appends a JSON array of `items`.
pub fn write_array<T: ToJson>(out: &mut String, items: &[T]) {
    out.push('[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        item.write_json(out);
    }
    out.push(']');
}

/// Values the crate hands to JS as JSON text.
pub trait ToJson {
    /// Appends this value's JSON text to `out`.
    fn write_json(&self, out: &mut String);

    /// This value as JSON text.
    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_string(out, self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Result<Value<'_>, SyntaxError> {
        parse(text.as_bytes())
    }

    #[test]
    fn reads_every_kind_of_value_and_keeps_member_text() {
        let body = br#" {"a": [1, -2.5e3, true, false, null], "b" : {"c":"d\n\u00e9\ud83d\ude00"}, "a": 7} "#;
        let value = parse(body).unwrap();
        let object = value.as_object().unwrap();
        assert_eq!(object.members().len(), 3);
        assert_eq!(object.get("a"), Some(&Value::Number(Number("7"))));
        assert_eq!(object.members()[0].raw, "[1, -2.5e3, true, false, null]");
        let inner = object.get("b").unwrap().as_object().unwrap();
        assert_eq!(inner.get("c").unwrap().as_str(), Some("d\né😀"));
        assert_eq!(object.members()[1].raw, r#"{"c":"d\n\u00e9\ud83d\ude00"}"#);
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let value = parse(br#"["plain", "esc\"aped"]"#).unwrap();
        let items = value.as_array().unwrap();
        assert!(matches!(items[0], Value::String(Cow::Borrowed("plain"))));
        assert!(matches!(&items[1], Value::String(Cow::Owned(s)) if s == "esc\"aped"));
    }

    #[test]
    fn refuses_what_json_refuses() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "1e",
            "-",
            "+1",
            ".5",
            "tru",
            "nul",
            "\"a",
            "\"\\x\"",
            "\"\t\"",
            "{a:1}",
            "[1 2]",
            "1 2",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "NaN",
            "Infinity",
            "1e309",
            "-1e400",
        ] {
            assert!(number(bad).is_err(), "accepted {bad:?}");
        }
        assert!(parse(b"\"\xff\"").is_err());
    }

    #[test]
    fn truncation_is_told_apart() {
        for cut in ["{\"a\":", "{\"a\":\"xy", "[1,", "tr", "{\"a\"", "-"] {
            assert!(number(cut).unwrap_err().eof, "{cut}");
        }
        for wrong in ["[1}", "{\"a\" 1}", "x"] {
            assert!(!number(wrong).unwrap_err().eof, "{wrong}");
        }
        let error = number("{\n  \"a\": tx}").unwrap_err();
        assert_eq!(error.message, "expected value at line 2 column 8");
    }

    #[test]
    fn nesting_is_limited() {
        let ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(parse(deep.as_bytes())
            .unwrap_err()
            .message
            .contains("recursion limit"));
    }

    #[test]
    fn the_f64_range_edge_is_exact() {
        assert!(number("1.7976931348623157e308").is_ok());
        assert!(number("179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791").is_ok());
        assert!(number("179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792").is_err());
        assert!(number("1.7976931348623159e308").is_err());
        assert!(number("0.00001e313").is_ok());
        assert!(number("1e-400").is_ok());
        assert!(number("0e99999999999999999999").is_ok());
        assert!(number(&"9".repeat(308)).is_ok());
        assert!(number(&"9".repeat(309)).is_err());
    }

    #[test]
    fn whole_numbers_are_read_exactly() {
        let whole = |text: &str| match number(text).unwrap() {
            Value::Number(n) => n.whole(),
            other => panic!("not a number: {other:?}"),
        };
        assert_eq!(whole("0"), Whole::Exact(0));
        assert_eq!(whole("-0"), Whole::Exact(0));
        assert_eq!(whole("-0.0e5"), Whole::Exact(0));
        assert_eq!(whole("3"), Whole::Exact(3));
        assert_eq!(whole("3.0"), Whole::Exact(3));
        assert_eq!(whole("2.50e1"), Whole::Exact(25));
        assert_eq!(whole("1e15"), Whole::Exact(1_000_000_000_000_000));
        assert_eq!(whole("9007199254740991"), Whole::Exact(MAX_SAFE_INTEGER));
        assert_eq!(whole("9007199254740992"), Whole::TooLarge);
        assert_eq!(whole("1e16"), Whole::TooLarge);
        assert_eq!(whole("123456789012345678901234567890"), Whole::TooLarge);
        assert_eq!(whole("2.5"), Whole::NotWhole);
        assert_eq!(whole("1e-1"), Whole::NotWhole);
        assert_eq!(whole("-1"), Whole::NotWhole);
        assert_eq!(whole("100e-2"), Whole::Exact(1));
    }

    #[test]
    fn writes_strings_json_parse_reads_back() {
        let mut out = String::new();
        write_string(&mut out, "a\"b\\c\n\u{1}\u{1f}é😀\u{7f}");
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\u0001\\u001fé😀\u{7f}\"");
        let back = parse(out.as_bytes()).unwrap();
        assert_eq!(back.as_str(), Some("a\"b\\c\n\u{1}\u{1f}é😀\u{7f}"));
    }

    #[test]
    fn find_special_agrees_with_a_byte_loop() {
        let mut text = Vec::new();
        for i in 0..300u32 {
            text.push(b"abcdefgh\xc3\xa9 ~\x7f"[(i % 13) as usize]);
        }
        for at in 0..text.len() {
            for special in [b'"', b'\\', 0u8, 0x1f, b'\n'] {
                let mut bytes = text.clone();
                bytes[at] = special;
                assert_eq!(find_special(&bytes), Some(at));
                assert_eq!(find_special(&bytes[..at]), None);
            }
        }
        for b in 0..=255u8 {
            assert_eq!(find_special(&[b; 9]).is_some(), is_special(b), "{b}");
        }
    }

    #[test]
    fn compact_drops_layout_not_string_contents() {
        assert_eq!(
            compact("{ \"a b\" : [ 1 ,\n\t2 ], \"c\\\" d\": \" \" }"),
            "{\"a b\":[1,2],\"c\\\" d\":\" \"}"
        );
        assert_eq!(compact("7"), "7");
    }

    #[test]
    fn object_writer_separates_members() {
        let mut out = String::new();
        let mut object = ObjectWriter::new(&mut out);
        object.string("a", "x");
        object.optional_string("b", None);
        object.number("c", 42);
        object.boolean("d", true);
        object.raw("e", "[1]");
        object.finish();
        assert_eq!(out, r#"{"a":"x","b":null,"c":42,"d":true,"e":[1]}"#);
    }
}
