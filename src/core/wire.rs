//! The platform's answers as serde wire types, read by `serde_json` straight from the body
//! bytes, borrowing every string that needs no unescaping.
//!
//! serde stops at the first error, but the contract wants every problem of a body with its
//! path. So the wire types are lenient: each documented field is an [`Json`] leaf (any JSON
//! value, whatever its type) or an [`Obj`] (the documented object, or any other value), and
//! every rule lives in the validator ([`super::validate`]), which walks these types. The only
//! errors serde reports are the ones that make a body not JSON at all (syntax, truncation,
//! numbers beyond the f64 range, lone surrogate escapes, nesting beyond 127 levels).
//!
//! The objects use `wire_object!` rather than `#[derive(Deserialize)]`: the derive refuses a
//! repeated key, where `JSON.parse` (and so the contract) keeps the last one. Unknown keys are
//! read by [`Skip`] (checked, not kept); unknown `extendPara` members by [`Raw`], the JSON text
//! as sent, handed on to `JSON.parse` unchanged.
//!
//! Every wire type is read through one visitor: a [`Want`] says what a value is read as (a
//! leaf, skipped, an object's [`Fields`], an array's items), and the object or array being
//! read is handed on as a [`Source`] trait object. So `serde_json`'s value parser is compiled
//! once, not once per wire type, and each object adds only its small key dispatch.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// A JSON number as `serde_json` reads it (integers exactly, anything else as the nearest f64,
/// as `JSON.parse` does).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A non-negative integer that fits a u64.
    Unsigned(u64),
    /// A negative integer that fits an i64.
    Negative(i64),
    /// Any other number (a fraction, an exponent, or beyond 64 bits).
    Float(f64),
}

/// Any JSON value, where the contract expects a scalar or a list: its type is checked by the
/// validator, so a wrong type becomes a problem with a path instead of a parse error.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string (borrowed from the body unless it held escapes).
    String(Cow<'a, str>),
    /// An array, item by item.
    Array(Vec<Json<'a>>),
    /// An object (its members are checked, not kept: no documented field is an object here).
    Object,
}

impl<'a> Json<'a> {
    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(text) => Some(text),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// A count as the platform sends it: a JSON number or a string of decimal digits (see
    /// [`Whole`]).
    pub fn as_whole(&self) -> Whole {
        match self {
            Self::Number(Number::Unsigned(n)) if *n <= MAX_SAFE_INTEGER => Whole::Exact(*n),
            Self::Number(Number::Unsigned(_)) => Whole::TooLarge,
            Self::Number(Number::Negative(_)) => Whole::NotWhole,
            Self::Number(Number::Float(x)) => whole_of(*x),
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

/// What an f64 is as a count.
fn whole_of(x: f64) -> Whole {
    if x == 0.0 {
        // 0.0, -0 and -0.0e5 are zero.
        Whole::Exact(0)
    } else if x < 0.0 || x.fract() != 0.0 {
        Whole::NotWhole
    } else if x > MAX_SAFE_INTEGER as f64 {
        Whole::TooLarge
    } else {
        // A whole f64 within 0..=2^53 − 1 converts exactly.
        Whole::Exact(x as u64)
    }
}

/// Reads a JSON number's text exactly, in decimal: whether it is a whole number, and which.
///
/// Why not f64: serde_json's own float reading is one ulp off on 16+ significant digits
/// (`9007199254740991.0` → …990) unless `float_roundtrip` is on (+9 KB gzip of wasm), and
/// Rust's `str::parse::<f64>` brings its own tables (+6 KB gzip). A count needs only this:
/// the significant digits and the decimal exponent.
fn whole_number(text: &str) -> Whole {
    let (negative, unsigned) = match text.as_bytes().split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text.as_bytes()),
    };
    let (mantissa, exponent) = match unsigned.iter().position(|b| matches!(b, b'e' | b'E')) {
        Some(at) => (
            unsigned.get(..at).unwrap_or_default(),
            exponent_of(unsigned.get(at + 1..).unwrap_or_default()),
        ),
        None => (unsigned, 0),
    };
    let fraction = match mantissa.iter().position(|b| *b == b'.') {
        Some(at) => mantissa.len() - at - 1,
        None => 0,
    };
    // One pass over the digits: the significant ones (from the first non-zero digit to the
    // last) and the zeros after them; `value` holds them while they fit 16 digits.
    let (mut value, mut significant, mut zeros) = (0u64, 0usize, 0usize);
    for digit in mantissa
        .iter()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
    {
        if digit == 0 {
            // Leading zeros count for nothing; later ones may be followed by a digit.
            zeros += usize::from(significant > 0);
            continue;
        }
        if significant + zeros < 16 {
            for _ in 0..zeros {
                value *= 10;
            }
            value = value * 10 + u64::from(digit);
        }
        significant += zeros + 1;
        zeros = 0;
    }
    if significant == 0 {
        // 0, -0, 0.0e5: zero.
        return Whole::Exact(0);
    }
    // value = significant digits × 10^shift
    let shift = exponent
        .saturating_sub(i64::try_from(fraction).unwrap_or(i64::MAX))
        .saturating_add(i64::try_from(zeros).unwrap_or(i64::MAX));
    if negative || shift < 0 {
        return Whole::NotWhole;
    }
    // MAX_SAFE_INTEGER has 16 digits.
    let width = i64::try_from(significant)
        .unwrap_or(i64::MAX)
        .saturating_add(shift);
    if width > 16 {
        return Whole::TooLarge;
    }
    for _ in 0..shift {
        value *= 10;
    }
    if value > MAX_SAFE_INTEGER {
        Whole::TooLarge
    } else {
        Whole::Exact(value)
    }
}

/// An exponent's text (`+12`, `-3`, `7`), saturating far beyond any meaningful value.
fn exponent_of(text: &[u8]) -> i64 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let value = digits.iter().fold(0i64, |value, b| {
        value
            .saturating_mul(10)
            .saturating_add(i64::from(b.wrapping_sub(b'0')))
            .min(1 << 40)
    });
    if negative {
        -value
    } else {
        value
    }
}

/// What a value is when read as a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// A whole number from 0 to 2^53 − 1 (`3`, `3.0`, `"3"`, `-0`).
    Exact(u64),
    /// A whole number above 2^53 − 1.
    TooLarge,
    /// Negative, with a fractional part, or not a number.
    NotWhole,
}

/// A documented object, or any other value in its place (for the validator to name).
#[derive(Debug, Clone, PartialEq)]
pub enum Obj<'a, T> {
    /// The object, read into its wire type.
    Object(T),
    /// Something else: `null`, a string, an array, …
    Other(Json<'a>),
}

/// A documented array of objects (a page's `data`), or any other value in its place: each
/// item is the object read into its wire type, or any other value (checked item by item).
#[derive(Debug, Clone, PartialEq)]
pub enum Items<'a, T> {
    /// The array, item by item.
    List(Vec<Obj<'a, T>>),
    /// Something else: `null`, an object, a string, …
    Other(Json<'a>),
}

/// A JSON value read as its text exactly as sent, checked like every other value: numbers
/// within the f64 range, no lone surrogates, nesting limited. `DEPTH` is how many objects
/// and arrays enclose it in the body (2 for `staResult.total`): serde_json captures raw text
/// without a depth limit, so the check re-reads it as if that deep, and the 127-level limit
/// counts from the body's root as for every other value.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a, const DEPTH: usize = 2>(pub &'a RawValue);

impl<const D: usize> PartialEq for Raw<'_, D> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<'a, const D: usize> Raw<'a, D> {
    /// The JSON text as sent.
    pub fn get(&self) -> &'a str {
        self.0.get()
    }

    /// Whether the value is `null`.
    pub fn is_null(&self) -> bool {
        self.get() == "null"
    }

    /// The value as a lenient leaf (for messages and strings).
    pub fn value(&self) -> Json<'a> {
        // Already checked as JSON: reading it again cannot fail.
        read_value(self.get()).unwrap_or(Json::Null)
    }

    /// A count as the platform sends it: a number, read exactly from its text (`3`, `3.0`,
    /// `2.5e1`, `9007199254740991.0`), or a string of decimal digits (see [`Whole`]).
    pub fn as_whole(&self) -> Whole {
        let text = self.get();
        match text.as_bytes().first() {
            Some(b'-' | b'0'..=b'9') if text.bytes().all(|b| b.is_ascii_digit()) => {
                match text.parse::<u64>() {
                    Ok(n) if n <= MAX_SAFE_INTEGER => Whole::Exact(n),
                    _ => Whole::TooLarge,
                }
            }
            Some(b'-' | b'0'..=b'9') => whole_number(text),
            _ => self.value().as_whole(),
        }
    }
}

/// Any JSON value, read, checked as [`Raw`] is, and dropped: the unknown keys of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skip;

/// An object key, borrowed from the body unless it held escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key<'a>(pub Cow<'a, str>);

/// Why reading a value stopped: the deserializer's own error, kept by the [`Source`] that was
/// reading (so that it reaches the caller unchanged, position and category included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stashed;

/// What one value of a body is read as. Every wire type is read through this one
/// non-generic description, so `serde_json`'s value parser is compiled once for all of them
/// rather than once per wire type (−30 KB of wasm before wasm-opt).
pub enum Want<'w, 'de> {
    /// Any value, as a lenient leaf.
    Json,
    /// Any value, checked and dropped.
    Skip,
    /// An object, member by member into these fields; any other value as a leaf.
    Object(&'w mut dyn Fields<'de>),
    /// An array, its items read by this (from the array's own [`Source`]); any other value as
    /// a leaf.
    Items(&'w mut dyn FnMut(&mut dyn Source<'de>) -> Result<(), Stashed>),
}

/// What reading a value as a [`Want`] gave.
#[derive(Debug)]
pub enum Read<'de> {
    /// The object or array was read into the target of the [`Want`] (or skipped).
    Filled,
    /// A value that is not what the [`Want`] reads, as a lenient leaf.
    Leaf(Json<'de>),
}

impl<'de> Read<'de> {
    /// What reading into `object` gave, as an [`Obj`]: the object it filled, or the value
    /// found in its place.
    pub fn into_obj<T>(self, object: T) -> Obj<'de, T> {
        match self {
            Self::Filled => Obj::Object(object),
            Self::Leaf(other) => Obj::Other(other),
        }
    }
}

/// The values of an object or an array being read, whatever the deserializer underneath.
pub trait Source<'de> {
    /// Reads the next value as `want` (`None`: an array has no more items).
    fn next(&mut self, want: Want<'_, 'de>) -> Result<Option<Read<'de>>, Stashed>;
    /// Reads the next value as its JSON text, checked as a value `depth` levels deep is
    /// (see [`Raw`]).
    fn next_raw(&mut self, depth: usize) -> Result<Option<&'de RawValue>, Stashed>;
}

/// A wire object: where each member of a JSON object goes.
pub trait Fields<'de> {
    /// Reads the value of member `key` from `source` into its field; an unknown key's value
    /// is checked and dropped. A repeated key keeps its last value, as `JSON.parse` does.
    fn field(&mut self, key: Cow<'de, str>, source: &mut dyn Source<'de>) -> Result<(), Stashed>;
}

/// A type a wire object's field holds, read from the object's [`Source`].
pub trait Field<'de>: Sized {
    /// Reads the next value as this type.
    fn read(source: &mut dyn Source<'de>) -> Result<Self, Stashed>;

    /// Reads the next value into a wire object's field (a repeated key: the last value
    /// wins). Not inlined: one copy per field type, not one per field of every wire object.
    #[inline(never)]
    fn read_into(slot: &mut Option<Self>, source: &mut dyn Source<'de>) -> Result<(), Stashed> {
        *slot = Some(Self::read(source)?);
        Ok(())
    }
}

impl<'de> Field<'de> for Json<'de> {
    fn read(source: &mut dyn Source<'de>) -> Result<Self, Stashed> {
        Ok(leaf(source.next(Want::Json)?))
    }
}

impl<'de, const DEPTH: usize> Field<'de> for Raw<'de, DEPTH> {
    fn read(source: &mut dyn Source<'de>) -> Result<Self, Stashed> {
        source.next_raw(DEPTH)?.map(Raw).ok_or(Stashed)
    }
}

impl<'de, T: Fields<'de> + Default> Field<'de> for Obj<'de, T> {
    /// Not inlined: one copy per object type, not one per field of every wire object (each
    /// with its own read and the drop of a value read before).
    #[inline(never)]
    fn read_into(slot: &mut Option<Self>, source: &mut dyn Source<'de>) -> Result<(), Stashed> {
        *slot = Some(Self::read(source)?);
        Ok(())
    }

    fn read(source: &mut dyn Source<'de>) -> Result<Self, Stashed> {
        let mut object = T::default();
        // An object's member always has a value (`None` comes only from an array's end).
        let read = source.next(Want::Object(&mut object))?;
        Ok(read.unwrap_or(Read::Filled).into_obj(object))
    }
}

impl<'de, T: Fields<'de> + Default> Field<'de> for Items<'de, T> {
    /// Not inlined: one copy per object type, not one per field of every wire object (each
    /// with its own read and the drop of a value read before).
    #[inline(never)]
    fn read_into(slot: &mut Option<Self>, source: &mut dyn Source<'de>) -> Result<(), Stashed> {
        *slot = Some(Self::read(source)?);
        Ok(())
    }

    fn read(source: &mut dyn Source<'de>) -> Result<Self, Stashed> {
        let mut list = Vec::new();
        let mut each = |items: &mut dyn Source<'de>| -> Result<(), Stashed> {
            loop {
                let mut object = T::default();
                match items.next(Want::Object(&mut object))? {
                    None => return Ok(()),
                    Some(Read::Filled) => list.push(Obj::Object(object)),
                    Some(Read::Leaf(other)) => list.push(Obj::Other(other)),
                }
            }
        };
        let read = source.next(Want::Items(&mut each))?;
        Ok(match read {
            Some(Read::Leaf(other)) => Items::Other(other),
            _ => Items::List(list),
        })
    }
}

/// The leaf of a [`Want::Json`] read (which never fills anything).
fn leaf(read: Option<Read<'_>>) -> Json<'_> {
    match read {
        Some(Read::Leaf(value)) => value,
        _ => Json::Null,
    }
}

/// [`Want`] as serde's seed.
struct WantSeed<'w, 'de>(Want<'w, 'de>);

impl<'de> de::DeserializeSeed<'de> for WantSeed<'_, 'de> {
    type Value = Read<'de>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Read<'de>, D::Error> {
        // `deserialize_any`, not `deserialize_ignored_any` for skipped values: serde_json
        // then reads numbers and strings for real, so 1e309 and lone surrogates are refused
        // wherever they sit.
        deserializer.deserialize_any(WantVisitor(self.0))
    }
}

/// The one visitor of the wire types: every JSON value is accepted.
struct WantVisitor<'w, 'de>(Want<'w, 'de>);

impl<'de> WantVisitor<'_, 'de> {
    fn scalar<E>(self, value: Json<'de>) -> Result<Read<'de>, E> {
        Ok(match self.0 {
            Want::Skip => Read::Filled,
            _ => Read::Leaf(value),
        })
    }
}

impl<'de> Visitor<'de> for WantVisitor<'_, 'de> {
    type Value = Read<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Read<'de>, E> {
        self.scalar(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Read<'de>, E> {
        self.scalar(Json::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Read<'de>, E> {
        self.scalar(Json::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Read<'de>, E> {
        self.scalar(Json::Number(Number::Unsigned(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Read<'de>, E> {
        self.scalar(Json::Number(match u64::try_from(v) {
            Ok(n) => Number::Unsigned(n),
            Err(_) => Number::Negative(v),
        }))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Read<'de>, E> {
        self.scalar(Json::Number(Number::Float(v)))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Read<'de>, E> {
        self.scalar(Json::String(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Read<'de>, E> {
        match self.0 {
            Want::Skip => Ok(Read::Filled),
            _ => Ok(Read::Leaf(Json::String(Cow::Owned(v.to_owned())))),
        }
    }
    fn visit_string<E>(self, v: String) -> Result<Read<'de>, E> {
        self.scalar(Json::String(Cow::Owned(v)))
    }
    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Read<'de>, S::Error> {
        let mut source = Reading::<_, _, InSeq>::new(seq);
        let read = read_seq(self.0, &mut source);
        source.finish(read)
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Read<'de>, M::Error> {
        let mut source = Reading::<_, _, InMap>::new(map);
        let read = read_map(self.0, &mut source);
        source.finish(read)
    }
}

/// An array's items as `want` reads them.
fn read_seq<'de>(want: Want<'_, 'de>, source: &mut dyn Source<'de>) -> Result<Read<'de>, Stashed> {
    match want {
        Want::Items(each) => each(source).map(|()| Read::Filled),
        Want::Skip => {
            while source.next(Want::Skip)?.is_some() {}
            Ok(Read::Filled)
        }
        Want::Json | Want::Object(_) => {
            let mut items = Vec::new();
            while let Some(item) = source.next(Want::Json)? {
                items.push(leaf(Some(item)));
            }
            Ok(Read::Leaf(Json::Array(items)))
        }
    }
}

/// An object's members as `want` reads them (the keys come from [`Source::next_key`]).
fn read_map<'de>(
    want: Want<'_, 'de>,
    source: &mut dyn MapSource<'de>,
) -> Result<Read<'de>, Stashed> {
    match want {
        Want::Object(fields) => {
            while let Some(key) = source.next_key()? {
                fields.field(key, source.as_source())?;
            }
            Ok(Read::Filled)
        }
        want => {
            while source.next_key()?.is_some() {
                source.as_source().next(Want::Skip)?;
            }
            Ok(match want {
                Want::Skip => Read::Filled,
                _ => Read::Leaf(Json::Object),
            })
        }
    }
}

/// A [`Source`] over an object: its keys too.
trait MapSource<'de>: Source<'de> {
    /// The next key (`None`: no more members).
    fn next_key(&mut self) -> Result<Option<Cow<'de, str>>, Stashed>;
    /// Itself as a plain [`Source`] (for its values).
    fn as_source(&mut self) -> &mut dyn Source<'de>;
}

/// serde's access to an object (`K` = [`InMap`]) or an array ([`InSeq`]) being read, and
/// the error that stopped it.
struct Reading<A, E, K> {
    access: A,
    error: Option<E>,
    kind: PhantomData<K>,
}

/// Marks a [`Reading`] of an object.
struct InMap;
/// Marks a [`Reading`] of an array.
struct InSeq;

impl<A, E: de::Error, K> Reading<A, E, K> {
    fn new(access: A) -> Self {
        Self {
            access,
            error: None,
            kind: PhantomData,
        }
    }

    /// Keeps the deserializer's error (not inlined: one copy of the drop of an error kept
    /// before for every read that can fail).
    #[inline(never)]
    fn stash(&mut self, error: E) -> Stashed {
        self.error = Some(error);
        Stashed
    }

    fn finish<'de>(mut self, read: Result<Read<'de>, Stashed>) -> Result<Read<'de>, E> {
        read.map_err(|Stashed| {
            self.error
                .take()
                .unwrap_or_else(|| E::custom("the value could not be read"))
        })
    }

    /// Checks a value's JSON text (see [`Raw`]).
    fn checked<'de>(&mut self, raw: &'de RawValue, depth: usize) -> Result<&'de RawValue, Stashed> {
        match check_raw(raw.get(), depth) {
            Ok(()) => Ok(raw),
            Err(message) => Err(self.stash(E::custom(message))),
        }
    }
}

impl<'de, S: SeqAccess<'de>> Source<'de> for Reading<S, S::Error, InSeq> {
    fn next(&mut self, want: Want<'_, 'de>) -> Result<Option<Read<'de>>, Stashed> {
        self.access
            .next_element_seed(WantSeed(want))
            .map_err(|error| self.stash(error))
    }
    fn next_raw(&mut self, depth: usize) -> Result<Option<&'de RawValue>, Stashed> {
        match self.access.next_element::<&'de RawValue>() {
            Ok(Some(raw)) => self.checked(raw, depth).map(Some),
            Ok(None) => Ok(None),
            Err(error) => Err(self.stash(error)),
        }
    }
}

impl<'de, M: MapAccess<'de>> Source<'de> for Reading<M, M::Error, InMap> {
    fn next(&mut self, want: Want<'_, 'de>) -> Result<Option<Read<'de>>, Stashed> {
        self.access
            .next_value_seed(WantSeed(want))
            .map(Some)
            .map_err(|error| self.stash(error))
    }
    fn next_raw(&mut self, depth: usize) -> Result<Option<&'de RawValue>, Stashed> {
        match self.access.next_value::<&'de RawValue>() {
            Ok(raw) => self.checked(raw, depth).map(Some),
            Err(error) => Err(self.stash(error)),
        }
    }
}

impl<'de, M: MapAccess<'de>> MapSource<'de> for Reading<M, M::Error, InMap> {
    fn next_key(&mut self) -> Result<Option<Cow<'de, str>>, Stashed> {
        match self.access.next_key::<Key<'de>>() {
            Ok(key) => Ok(key.map(|Key(key)| key)),
            Err(error) => Err(self.stash(error)),
        }
    }
    fn as_source(&mut self) -> &mut dyn Source<'de> {
        self
    }
}

/// Reads a whole JSON text into `want` (nothing but whitespace may follow the value).
pub fn read_text<'de>(text: &'de str, want: Want<'_, 'de>) -> Result<Read<'de>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let read = de::DeserializeSeed::deserialize(WantSeed(want), &mut deserializer)?;
    deserializer.end()?;
    Ok(read)
}

/// Reads a whole JSON text as a lenient leaf (what `serde_json::from_str::<Json>` reads,
/// through the one reading code every wire type shares).
pub fn read_value(text: &str) -> Result<Json<'_>, serde_json::Error> {
    read_text(text, Want::Json).map(|read| leaf(Some(read)))
}

/// Checks a value's JSON text as serde_json captured it (without reading its numbers and
/// strings, nor counting its depth): read it, an array or object as deep as it sits in the
/// body. The message says what is wrong.
fn check_raw(text: &str, depth: usize) -> Result<(), String> {
    let checked = if text.starts_with(['[', '{']) {
        let mut nested = String::with_capacity(text.len().saturating_add(2 * depth));
        nested.extend(std::iter::repeat_n('[', depth));
        nested.push_str(text);
        nested.extend(std::iter::repeat_n(']', depth));
        read_text(&nested, Want::Skip).map(drop)
    } else {
        read_text(text, Want::Skip).map(drop)
    };
    checked.map_err(|error| without_position(&error))
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        WantSeed(Want::Json)
            .deserialize(deserializer)
            .map(|read| leaf(Some(read)))
    }
}

impl<'de, T: Fields<'de> + Default> Deserialize<'de> for Obj<'de, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut object = T::default();
        let read = WantSeed(Want::Object(&mut object)).deserialize(deserializer)?;
        Ok(read.into_obj(object))
    }
}

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        WantSeed(Want::Skip).deserialize(deserializer).map(|_| Skip)
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de, const DEPTH: usize> Deserialize<'de> for Raw<'de, DEPTH> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        check_raw(raw.get(), DEPTH)
            .map(|()| Raw(raw))
            .map_err(de::Error::custom)
    }
}

/// A serde_json error's message without its ` at line L column C` (the outer parse adds the
/// position in the whole body).
pub fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match text.strip_suffix(&suffix) {
        Some(message) => message.to_owned(),
        None => text,
    }
}

/// A wire object read on its own (a body that is not an object is an error here; the
/// answers are read as [`Obj`], which takes any value).
fn object_of<'de, T: Fields<'de> + Default, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    match Obj::<T>::deserialize(deserializer)? {
        Obj::Object(object) => Ok(object),
        Obj::Other(_) => Err(de::Error::custom("expected a JSON object")),
    }
}

/// Implements `Deserialize` for a wire object through its [`Fields`].
macro_rules! object_deserialize {
    ($name:ident) => {
        impl<'de> ::serde::de::Deserialize<'de> for $name<'de> {
            fn deserialize<D: ::serde::de::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                $crate::core::wire::object_of(deserializer)
            }
        }
    };
}
pub(crate) use object_deserialize;

/// Declares a wire object: a struct whose fields are all optional (absent keys stay `None`),
/// read by serde from a JSON object. A repeated key keeps its last value and unknown keys are
/// read by [`Skip`], both as `JSON.parse` would (which serde's derive does not do: it refuses
/// repeated keys).
macro_rules! wire_object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident<'a> {
            $( $(#[$field_meta:meta])* $field:ident: $ty:ty = $key:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name<'a> {
            $( $(#[$field_meta])* pub $field: Option<$ty>, )*
        }

        impl<'de> $crate::core::wire::Fields<'de> for $name<'de> {
            fn field(
                &mut self,
                key: ::std::borrow::Cow<'de, str>,
                source: &mut dyn $crate::core::wire::Source<'de>,
            ) -> Result<(), $crate::core::wire::Stashed> {
                match key.as_ref() {
                    $( $key => $crate::core::wire::Field::read_into(&mut self.$field, source)?, )*
                    _ => {
                        source.next($crate::core::wire::Want::Skip)?;
                    }
                }
                Ok(())
            }
        }
        $crate::core::wire::object_deserialize!($name);
    };
}

/// The platform's error fields (`error_code`/`error_desc`, or a gateway's
/// `resultcode`/`resultmsg`), which any answer may carry.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ErrorFields<'w, 'a> {
    /// `error_code`.
    pub error_code: Option<&'w Raw<'a, 1>>,
    /// `resultcode`.
    pub resultcode: Option<&'w Raw<'a, 1>>,
    /// `error_desc`.
    pub error_desc: Option<&'w Json<'a>>,
    /// `resultmsg`.
    pub resultmsg: Option<&'w Json<'a>>,
}

/// A wire type of a whole answer: it may carry the platform's error fields.
pub trait Answer<'a> {
    /// The error fields the body carried.
    fn error_fields(&self) -> ErrorFields<'_, 'a>;
}

/// Implements [`Answer`] for a wire object with the four error fields.
macro_rules! answer_fields {
    ($name:ident) => {
        impl<'a> $crate::core::wire::Answer<'a> for $name<'a> {
            fn error_fields(&self) -> $crate::core::wire::ErrorFields<'_, 'a> {
                $crate::core::wire::ErrorFields {
                    error_code: self.error_code.as_ref(),
                    resultcode: self.resultcode.as_ref(),
                    error_desc: self.error_desc.as_ref(),
                    resultmsg: self.resultmsg.as_ref(),
                }
            }
        }
    };
}

wire_object! {
    /// One task as the platform sends it (`OperationInfo`), plus the error fields any answer
    /// may carry. The task list's items (`data[]` of a page) are the same type.
    pub struct WireTask<'a> {
        /// `operationId`.
        operation_id: Json<'a> = "operationId",
        /// `createTime`.
        create_time: Json<'a> = "createTime",
        /// `startTime`.
        start_time: Json<'a> = "startTime",
        /// `stopTime`.
        stop_time: Json<'a> = "stopTime",
        /// `operateType`.
        operate_type: Json<'a> = "operateType",
        /// `status`.
        status: Json<'a> = "status",
        /// `targets` (`OperateDevices`).
        targets: Obj<'a, WireTargets<'a>> = "targets",
        /// `policy` (`OperatePolicy`).
        policy: Obj<'a, WirePolicy<'a>> = "policy",
        /// `staResult` (`OperationStaResult`).
        sta_result: Obj<'a, WireStaResult<'a>> = "staResult",
        /// `extendPara`.
        extend_para: Obj<'a, WireExtendPara<'a>> = "extendPara",
        /// `error_code`.
        error_code: Raw<'a, 1> = "error_code",
        /// `resultcode`.
        resultcode: Raw<'a, 1> = "resultcode",
        /// `error_desc`.
        error_desc: Json<'a> = "error_desc",
        /// `resultmsg`.
        resultmsg: Json<'a> = "resultmsg",
    }
}
answer_fields!(WireTask);

wire_object! {
    /// `targets` as sent (`OperateDevices`).
    pub struct WireTargets<'a> {
        /// `deviceGroups`.
        device_groups: Json<'a> = "deviceGroups",
        /// `deviceType`.
        device_type: Json<'a> = "deviceType",
        /// `model`.
        model: Json<'a> = "model",
        /// `manufacturerName`.
        manufacturer_name: Json<'a> = "manufacturerName",
        /// `devices`.
        devices: Json<'a> = "devices",
    }
}

wire_object! {
    /// `policy` as sent (`OperatePolicy`).
    pub struct WirePolicy<'a> {
        /// `executeType`.
        execute_type: Json<'a> = "executeType",
        /// `startTime`.
        start_time: Json<'a> = "startTime",
        /// `endTime`.
        end_time: Json<'a> = "endTime",
        /// `retryType`.
        retry_type: Json<'a> = "retryType",
        /// `retryTimes`.
        retry_times: Raw<'a> = "retryTimes",
    }
}

wire_object! {
    /// `staResult` as sent (`OperationStaResult`).
    pub struct WireStaResult<'a> {
        /// `total`.
        total: Raw<'a> = "total",
        /// `wait`.
        wait: Raw<'a> = "wait",
        /// `processing`.
        processing: Raw<'a> = "processing",
        /// `success`.
        success: Raw<'a> = "success",
        /// `fail`.
        fail: Raw<'a> = "fail",
        /// `stop`.
        stop: Raw<'a> = "stop",
        /// `timeout`.
        timeout: Raw<'a> = "timeout",
    }
}

/// An object whose members are all kept as sent (a subtask's `extendInfo`), in the order
/// sent, each as its JSON text (`DEPTH`: see [`Raw`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WireMembers<'a, const DEPTH: usize>(pub Vec<(Cow<'a, str>, Raw<'a, DEPTH>)>);

impl<'de, const DEPTH: usize> Fields<'de> for WireMembers<'de, DEPTH> {
    fn field(&mut self, key: Cow<'de, str>, source: &mut dyn Source<'de>) -> Result<(), Stashed> {
        self.0.push((key, Field::read(source)?));
        Ok(())
    }
}

impl<'de, const DEPTH: usize> Deserialize<'de> for WireMembers<'de, DEPTH> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        object_of(deserializer)
    }
}

/// `extendPara` as sent: the documented `fileVersion` and every other member, in the order
/// sent, as its JSON text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WireExtendPara<'a> {
    /// `fileVersion` (the last one, when repeated).
    pub file_version: Option<Json<'a>>,
    /// Every other member, in the order sent (a repeated key appears each time).
    pub other: Vec<(Cow<'a, str>, Raw<'a>)>,
}

impl<'de> Fields<'de> for WireExtendPara<'de> {
    fn field(&mut self, key: Cow<'de, str>, source: &mut dyn Source<'de>) -> Result<(), Stashed> {
        if key == "fileVersion" {
            self.file_version = Some(Field::read(source)?);
        } else {
            self.other.push((key, Field::read(source)?));
        }
        Ok(())
    }
}
object_deserialize!(WireExtendPara);

wire_object! {
    /// A login or refresh answer as sent.
    pub struct WireLogin<'a> {
        /// `accessToken`.
        access_token: Json<'a> = "accessToken",
        /// `refreshToken`.
        refresh_token: Json<'a> = "refreshToken",
        /// `expiresIn` (seconds).
        expires_in: Raw<'a, 1> = "expiresIn",
        /// `error_code`.
        error_code: Raw<'a, 1> = "error_code",
        /// `resultcode`.
        resultcode: Raw<'a, 1> = "resultcode",
        /// `error_desc`.
        error_desc: Json<'a> = "error_desc",
        /// `resultmsg`.
        resultmsg: Json<'a> = "resultmsg",
    }
}
answer_fields!(WireLogin);

/// Declares the wire type of a page of one list: `{ data, pageNo, pageSize, totalCount }` (or
/// the official SDKs' `totalSize`), plus the error fields, with `data` an array of `$item`.
macro_rules! wire_page {
    ($(#[$meta:meta])* $name:ident, $item:ident) => {
        wire_object! {
            $(#[$meta])*
            pub struct $name<'a> {
                /// `data`: the items.
                data: Items<'a, $item<'a>> = "data",
                /// `pageNo`.
                page_no: Raw<'a, 1> = "pageNo",
                /// `pageSize`.
                page_size: Raw<'a, 1> = "pageSize",
                /// `totalCount`.
                total_count: Raw<'a, 1> = "totalCount",
                /// `totalSize` (the SDKs' name of the total).
                total_size: Raw<'a, 1> = "totalSize",
                /// `error_code`.
                error_code: Raw<'a, 1> = "error_code",
                /// `resultcode`.
                resultcode: Raw<'a, 1> = "resultcode",
                /// `error_desc`.
                error_desc: Json<'a> = "error_desc",
                /// `resultmsg`.
                resultmsg: Json<'a> = "resultmsg",
            }
        }
        answer_fields!($name);
    };
}

wire_page!(
    /// A page of the task list as sent: each item an `OperationInfo`, as for one task.
    WireTaskPage,
    WireTask
);
wire_page!(
    /// A page of a task's subtasks as sent: one `SubOperationInfo` per device.
    WireSubTaskPage,
    WireSubTask
);

wire_object! {
    /// One subtask (one device of a task) as sent (`SubOperationInfo`).
    pub struct WireSubTask<'a> {
        /// `subOperationId`.
        sub_operation_id: Json<'a> = "subOperationId",
        /// `createTime`.
        create_time: Json<'a> = "createTime",
        /// `startTime`.
        start_time: Json<'a> = "startTime",
        /// `stopTime`.
        stop_time: Json<'a> = "stopTime",
        /// `operateType`.
        operate_type: Json<'a> = "operateType",
        /// `deviceId`.
        device_id: Json<'a> = "deviceId",
        /// `status` (`wait|processing|fail|success|stop|timeout`).
        status: Json<'a> = "status",
        /// `detailInfo`: the platform's reason.
        detail_info: Json<'a> = "detailInfo",
        /// `extendInfo`: an object, kept as sent (its members sit 4 levels deep in a page).
        extend_info: Obj<'a, WireMembers<'a, 4>> = "extendInfo",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;

    /// The reading of a number's text before it was one pass over the bytes (the reference).
    fn reference(text: &str) -> Whole {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => (mantissa, exponent_of(exponent.as_bytes())),
            None => (unsigned, 0),
        };
        let (int_part, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = || int_part.bytes().chain(fraction.bytes());
        let leading = digits().take_while(|b| *b == b'0').count();
        let total = int_part.len() + fraction.len();
        if leading == total {
            return Whole::Exact(0);
        }
        let trailing = digits().rev().take_while(|b| *b == b'0').count();
        let significant = total - leading - trailing;
        let shift = exponent
            .saturating_sub(i64::try_from(fraction.len()).unwrap_or(i64::MAX))
            .saturating_add(i64::try_from(trailing).unwrap_or(i64::MAX));
        if negative || shift < 0 {
            return Whole::NotWhole;
        }
        let width = i64::try_from(significant)
            .unwrap_or(i64::MAX)
            .saturating_add(shift);
        if width > 16 {
            return Whole::TooLarge;
        }
        let mut value: u64 = 0;
        for b in digits().skip(leading).take(significant) {
            value = value * 10 + u64::from(b - b'0');
        }
        for _ in 0..shift {
            value *= 10;
        }
        if value > MAX_SAFE_INTEGER {
            Whole::TooLarge
        } else {
            Whole::Exact(value)
        }
    }

    #[test]
    fn whole_numbers_read_as_the_reference_reads_them() {
        let pieces = [
            "0",
            "1",
            "9",
            "00",
            "10",
            "100",
            "9007199254740991",
            "9007199254740992",
            "900719925474099",
            "12345678901234567",
            "0000000000000000001",
            "5",
        ];
        let fractions = [
            "",
            ".0",
            ".5",
            ".00",
            ".10",
            ".000001",
            ".9007199254740991",
            ".0000000000000000000",
        ];
        let exponents = [
            "",
            "e0",
            "e1",
            "E+2",
            "e-1",
            "e-3",
            "e15",
            "e16",
            "e17",
            "e308",
            "e-308",
            "e+0",
            "e99999999999999999999",
            "e-99999999999999999999",
            "E0001",
        ];
        let mut count = 0;
        for sign in ["", "-"] {
            for int in pieces {
                for fraction in fractions {
                    for exponent in exponents {
                        let text = format!("{sign}{int}{fraction}{exponent}");
                        assert_eq!(whole_number(&text), reference(&text), "{text}");
                        count += 1;
                    }
                }
            }
        }
        assert_eq!(count, 2 * 12 * 8 * 15);
        assert_eq!(
            whole_number("9007199254740991.0"),
            Whole::Exact(MAX_SAFE_INTEGER)
        );
        assert_eq!(whole_number("2.5e1"), Whole::Exact(25));
        assert_eq!(whole_number("-0.0e5"), Whole::Exact(0));
        assert_eq!(whole_number("1e16"), Whole::TooLarge);
        assert_eq!(whole_number("0.5"), Whole::NotWhole);
    }
}
