//! Rust ⇄ JS values: the calls' options read into derived types by `serde-wasm-bindgen`
//! (behind a guard that makes hostile objects harmless), results and errors handed back as
//! plain JS objects (errors, sessions: `serde-wasm-bindgen`'s JSON-compatible serializer;
//! tasks, subtasks and list pages: their `serde_json` text read by one `JSON.parse`).

use std::cell::RefCell;
use std::fmt;

use js_sys::{Array, JsString, Object, Reflect, JSON};
use serde::de::value::MapDeserializer;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::limiter::RawRateLimit;
use crate::core::lists::{Page, PageItem, RawListArguments, RawPaging, RawTaskFilter};
use crate::core::login::Session;
use crate::core::problem::Problems;
use crate::core::request::{not_a_string, RawPolicy, MAX_OPERATION_ID_BYTES};
use crate::core::retry::{wait_policy, RawRetry, WaitPolicy};
use crate::core::subtask::UpgradeSubTask;
use crate::core::task::UpgradeTask;
use crate::core::{Argument, ErrorKind, ErrorReport, Problem, RawArguments, RawLogin};

/// Arguments as read from JS, plus what only the JS side can see.
pub struct JsArguments<T> {
    /// The string and number arguments, for the core to check.
    pub raw: T,
    /// `options.signal`, when one was given and looks like an `AbortSignal`.
    pub signal: Option<web_sys::AbortSignal>,
    /// Problems found while reading (a bad signal).
    pub problems: Vec<Problem>,
}

/// One option value as `serde-wasm-bindgen` reads it from the guarded values ([`guarded`]).
///
/// `Copy`, with its strings kept aside in [`TEXTS`] while the options are read: a field type
/// with a destructor makes every exit of serde's derived `visit_map` drop each field read so
/// far (code quadratic in the fields; measured: 9.8 KB of .wasm, 0.6 KB gzip). The readers
/// take every kept string before any user code (a getter) can run again.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum Loose {
    /// `undefined` or `null` (or a getter that threw).
    #[default]
    Absent,
    /// A well-formed string.
    Text(Kept),
    /// A number (any, `NaN` included: the core checks it).
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// Anything else, by its type's name (`bigint`, `symbol`, `an array`, `function`, …).
    Other(Kept),
    /// A string with a lone surrogate (not valid UTF-16).
    LoneSurrogate,
}

/// A string read from the options, kept in [`TEXTS`] until [`Kept::take`] (the next read of
/// options empties the list: a string left untaken is dropped then).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kept(usize);

thread_local! {
    /// The strings of the options being read ([`Kept`]); emptied at the start of each read.
    static TEXTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

impl Kept {
    /// Keeps `text` until it is taken.
    fn keep(text: String) -> Self {
        TEXTS.with(|texts| match texts.try_borrow_mut() {
            Ok(mut texts) => {
                texts.push(text);
                Self(texts.len() - 1)
            }
            // Never borrowed across a read, so this cannot happen; the text reads as empty.
            Err(_) => Self(usize::MAX),
        })
    }

    /// The string kept (moved out: a second take gives an empty string).
    fn take(self) -> String {
        TEXTS.with(|texts| {
            texts
                .try_borrow_mut()
                .ok()
                .and_then(|mut texts| texts.get_mut(self.0).map(std::mem::take))
                .unwrap_or_default()
        })
    }
}

/// The options of every call, in one derived type (one derived reader, not one per kind of
/// call: 4 readers cost about 1 KB gzip more): each call guards only its own keys
/// ([`guarded`]), so the others read as absent. `retry` and `rateLimit` are flattened by the
/// guard: no reader for a nested object either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Options {
    /// `baseUrl`.
    pub base_url: Loose,
    /// `appKey` (task calls) or `appId` (logins).
    #[serde(alias = "appId")]
    pub app_key: Loose,
    /// `timeoutMs`.
    pub timeout_ms: Loose,
    /// `attemptTimeoutMs`.
    pub attempt_timeout_ms: Loose,
    /// `retry`, as the guard keeps it ([`guarded_nested`]): `false`, `true` for an object
    /// (whose fields follow), or the text describing what else it was.
    pub retry: Loose,
    /// `retry.maxAttempts`.
    #[serde(rename = "retry.maxAttempts")]
    pub max_attempts: Loose,
    /// `retry.baseDelayMs`.
    #[serde(rename = "retry.baseDelayMs")]
    pub base_delay_ms: Loose,
    /// `retry.maxDelayMs`.
    #[serde(rename = "retry.maxDelayMs")]
    pub retry_max_delay_ms: Loose,
    /// `rateLimit`, written as `retry` is.
    pub rate_limit: Loose,
    /// `rateLimit.calls`.
    #[serde(rename = "rateLimit.calls")]
    pub calls: Loose,
    /// `rateLimit.perMs`.
    #[serde(rename = "rateLimit.perMs")]
    pub per_ms: Loose,
    /// `operationType` (the task list's filter).
    pub operation_type: Loose,
    /// `operationStatus`.
    pub operation_status: Loose,
    /// `deviceType`.
    pub device_type: Loose,
    /// `model`.
    pub model: Loose,
    /// `manufacturerName`.
    pub manufacturer_name: Loose,
    /// `deviceId`.
    pub device_id: Loose,
    /// `status` (the subtasks' filter).
    pub status: Loose,
    /// `pageNo`.
    pub page_no: Loose,
    /// `pageSize`.
    pub page_size: Loose,
    /// `secret` (logins).
    pub secret: Loose,
    /// `refreshToken` (refreshes).
    pub refresh_token: Loose,
    /// `minDelayMs` (`waitForUpgradeTask`).
    pub min_delay_ms: Loose,
    /// `maxDelayMs` (`waitForUpgradeTask`).
    pub max_delay_ms: Loose,
    /// `maxWaitMs` (`waitForUpgradeTask`).
    pub max_wait_ms: Loose,
    /// `onProgress` (`waitForUpgradeTask`; read for its type only).
    pub on_progress: Loose,
    /// `onRetry` (`waitForUpgradeTask`; read for its type only).
    pub on_retry: Loose,
}

impl<'de> Deserialize<'de> for Loose {
    #[inline(never)]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LooseVisitor;
        impl<'de> Visitor<'de> for LooseVisitor {
            type Value = Loose;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an option value")
            }
            fn visit_unit<E>(self) -> Result<Loose, E> {
                Ok(Loose::Absent)
            }
            fn visit_none<E>(self) -> Result<Loose, E> {
                Ok(Loose::Absent)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
                Ok(Loose::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
                Ok(Loose::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
                Ok(Loose::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
                Ok(Loose::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
                Ok(Loose::Text(Kept::keep(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Loose, E> {
                Ok(Loose::Text(Kept::keep(v)))
            }
            // Only the guard's markers are arrays here: `[type]` or `[]` (a lone surrogate).
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Loose, S::Error> {
                Ok(match seq.next_element::<String>()? {
                    Some(what) => Loose::Other(Kept::keep(what)),
                    None => Loose::LoneSurrogate,
                })
            }
        }
        deserializer.deserialize_any(LooseVisitor)
    }
}

const CALL_KEYS: &[&str] = &["baseUrl", "timeoutMs", "attemptTimeoutMs"];
/// `retry`'s keys, and the names they are read under ([`guarded_nested`]).
const RETRY_KEYS: &[(&str, &str)] = &[
    ("maxAttempts", "retry.maxAttempts"),
    ("baseDelayMs", "retry.baseDelayMs"),
    ("maxDelayMs", "retry.maxDelayMs"),
];
/// `rateLimit`'s keys, and the names they are read under.
const RATE_KEYS: &[(&str, &str)] = &[("calls", "rateLimit.calls"), ("perMs", "rateLimit.perMs")];
const WAIT_KEYS: &[&str] = &[
    "minDelayMs",
    "maxDelayMs",
    "maxWaitMs",
    "onProgress",
    "onRetry",
];

/// The options as the guard read them: each present key (under the name the derived types
/// give it) with its safe value, in the order read.
type Guarded = Vec<(&'static str, JsValue)>;

/// The guard in front of `serde-wasm-bindgen`, which would read an object with plain property
/// accesses (a throwing getter or a Proxy trap would throw through the module, a getter on
/// `Object.prototype` would run for every absent key): each of `keys` read once through
/// `Reflect.get` (which catches; a getter that throws reads as absent), and each present
/// value kept ([`safe_value`]). `serde-wasm-bindgen` then reads only those values, never the
/// caller's object ([`read_guarded`]).
fn guarded(guarded: &mut Guarded, source: &JsValue, keys: &[&'static str]) {
    for key in keys {
        guard_key(guarded, source, key, key);
    }
}

/// Keeps `source[key]` under `as_key` as [`guarded`] does (nothing when absent).
fn guard_key(guarded: &mut Guarded, source: &JsValue, key: &'static str, as_key: &'static str) {
    let value = property(source, key);
    if !is_absent(&value) {
        guarded.push((as_key, safe_value(value)));
    }
}

/// A present option value as the module may read it: strings, numbers and booleans as they
/// are; anything else a marker naming its type (`["bigint"]`), a string with a lone surrogate
/// a marker of its own (`[]`). None of them runs user code when read.
fn safe_value(value: JsValue) -> JsValue {
    if let Some(text) = value.dyn_ref::<JsString>() {
        if well_formed(text) {
            value
        } else {
            Array::new().into()
        }
    } else if value.as_f64().is_some() || value.as_bool().is_some() {
        value
    } else {
        // `Array.of` defines its element (`push` would run a setter a page defined for "0" on
        // `Array.prototype`, and what it throws would go through the module).
        Array::of1(&JsValue::from_str(&type_name(&value))).into()
    }
}

/// `{ [key]: value }`, a plain object.
fn marker(key: &'static str, value: &JsValue) -> JsValue {
    let object = Object::new();
    let _ = own_property(&object, &name(key), value);
    object.into()
}

/// Defines `target[key]` as an own data property, as `JSON.parse` makes them: no setter of a
/// prototype runs, none sees the value (the vendored `serde-wasm-bindgen`'s function).
use serde_wasm_bindgen::define_own_property as own_property;

/// Keeps `false`-or-options `key` of `options`, flattened: `false` as it is, an object as
/// `true` with its `keys` kept (each under its own name), anything else (`true` included) as
/// the string describing it; nothing when absent.
fn guarded_nested(
    guarded: &mut Guarded,
    options: &JsValue,
    key: &'static str,
    keys: &[(&'static str, &'static str)],
) {
    let value = property(options, key);
    let safe = if is_absent(&value) {
        return;
    } else if value.as_bool() == Some(false) {
        value
    } else if value.as_bool().is_some() {
        JsValue::from_str("boolean")
    } else if checked_is_array(&value).is_err() {
        JsValue::from_str("an object that cannot be read (a revoked Proxy)")
    } else if value.is_object() && !is_array(&value) {
        for (field, as_key) in keys {
            guard_key(guarded, &value, field, as_key);
        }
        JsValue::TRUE
    } else {
        JsValue::from_str(&type_name(&value))
    };
    guarded.push((key, safe));
}

/// The guarded options of a call: the common keys, `key_name` (`appKey` or `appId`), the
/// call's `extra` keys, and the guarded `retry` and `rateLimit`.
fn guarded_call_options(
    options: &JsValue,
    key_name: &'static str,
    extra: &[&'static str],
) -> Guarded {
    let mut read = Vec::with_capacity(8);
    guarded(&mut read, options, CALL_KEYS);
    guard_key(&mut read, options, key_name, key_name);
    guarded(&mut read, options, extra);
    guarded_nested(&mut read, options, "retry", RETRY_KEYS);
    guarded_nested(&mut read, options, "rateLimit", RATE_KEYS);
    read
}

/// Reads the guarded values into `T`: serde's derived visitor walks them as a map
/// (`serde::de::value::MapDeserializer`: only the keys present, no lookup of every field of
/// `T`), each value read by `serde-wasm-bindgen`. The values are strings, numbers, booleans
/// and the guard's markers: reading them cannot fail and runs no user code; if it ever
/// failed, every option would read as absent and the core would say what is missing.
fn read_guarded<T: de::DeserializeOwned + Default>(guarded: &Guarded) -> T {
    TEXTS.with(|texts| {
        if let Ok(mut texts) = texts.try_borrow_mut() {
            texts.clear();
        }
    });
    let values = guarded
        .iter()
        .map(|(key, value)| (*key, serde_wasm_bindgen::Deserializer::from(value.clone())));
    T::deserialize(MapDeserializer::<_, serde_wasm_bindgen::Error>::new(values)).unwrap_or_default()
}

/// Reads `queryUpgradeTask`'s `operationId`, `accessToken` and options.
pub fn read_arguments(
    operation_id: &JsValue,
    access_token: &JsValue,
    options: &JsValue,
) -> JsArguments<RawArguments> {
    let (mut read, _) = read_options(options, "appKey", &[]);
    read.raw.operation_id = read_string(operation_id, Some(MAX_OPERATION_ID_BYTES));
    read.raw.access_token = read_string(access_token, None);
    read
}

/// The task list's own option keys.
const TASK_LIST_KEYS: &[&str] = &[
    "operationType",
    "operationStatus",
    "deviceType",
    "model",
    "manufacturerName",
    "deviceId",
    "pageNo",
    "pageSize",
];
/// A subtask query's own option keys.
const SUB_TASK_KEYS: &[&str] = &["status", "pageNo", "pageSize"];

/// Reads `queryUpgradeTaskList`'s `accessToken` and options (`operation_id: None`), or
/// `queryUpgradeSubTasks`'s operation id, token and options.
pub fn read_list_arguments(
    operation_id: Option<&JsValue>,
    access_token: &JsValue,
    options: &JsValue,
) -> JsArguments<RawListArguments> {
    let keys = if operation_id.is_some() {
        SUB_TASK_KEYS
    } else {
        TASK_LIST_KEYS
    };
    let (mut common, read) = read_options(options, "appKey", keys);
    let filter = RawTaskFilter {
        operation_type: argument(&read.operation_type),
        operation_status: argument(&read.operation_status),
        device_type: argument(&read.device_type),
        model: argument(&read.model),
        manufacturer_name: argument(&read.manufacturer_name),
        device_id: argument(&read.device_id),
    };
    let status = argument(&read.status);
    let paging = RawPaging {
        page_no: number(&read.page_no),
        page_size: number(&read.page_size),
    };
    // Read for its presence only, after the kept strings were taken (its getter may run code).
    let other = if operation_id.is_some() {
        "operationStatus"
    } else {
        "status"
    };
    let other_filter_given = options.is_object() && !is_absent(&property(options, other));
    if let Some(id) = operation_id {
        common.raw.operation_id = read_string(id, Some(MAX_OPERATION_ID_BYTES));
    }
    common.raw.access_token = read_string(access_token, None);
    JsArguments {
        raw: RawListArguments {
            common: common.raw,
            filter,
            status,
            paging,
            other_filter_given,
        },
        signal: common.signal,
        problems: common.problems,
    }
}

/// Reads the options of `login` (`refresh == false`) or `refreshToken`.
pub fn read_login(options: &JsValue, refresh: bool) -> JsArguments<RawLogin> {
    let extra: &[&'static str] = if refresh {
        &["secret", "refreshToken"]
    } else {
        &["secret"]
    };
    let (common, read) = read_options(options, "appId", extra);
    let raw = RawLogin {
        secret: argument(&read.secret),
        refresh_token: refresh.then(|| argument(&read.refresh_token)),
        common: common.raw,
    };
    JsArguments {
        raw,
        signal: common.signal,
        problems: common.problems,
    }
}

/// Reads the options every call has; also gives the call's own keys as read (all absent
/// when `options` is not an object), their strings still kept: the caller takes them before
/// any user code runs.
fn read_options(
    options: &JsValue,
    key_name: &'static str,
    extra: &[&'static str],
) -> (JsArguments<RawArguments>, Options) {
    let mut raw = RawArguments::default();
    let mut problems = Vec::new();
    let mut signal = None;
    let mut read = Options::default();
    if options.is_object() {
        let guarded = guarded_call_options(options, key_name, extra);
        // The other call's name for the key, read for its presence only ("did you mean …?").
        let alias = if key_name == "appKey" {
            "appId"
        } else {
            "appKey"
        };
        raw.key_alias_given = (!is_absent(&property(options, alias))).then_some(alias);
        let given = property(options, "signal");
        if !is_absent(&given) {
            if looks_like_abort_signal(&given) {
                signal = Some(given.unchecked_into());
            } else {
                problems.push(Problem::new("options.signal", "must be an AbortSignal"));
            }
        }
        // Read after every getter of the caller ran (in the same order as ever): no user
        // code runs between this read and the taking of its kept strings, here and by the
        // caller (one could call back into the package, which empties the kept strings).
        read = read_guarded(&guarded);
        raw.base_url = argument(&read.base_url);
        raw.app_key = argument(&read.app_key);
        raw.timeout_ms = number(&read.timeout_ms);
        raw.policy = policy(&read);
    } else {
        raw.options_missing = true;
    }
    (
        JsArguments {
            raw,
            signal,
            problems,
        },
        read,
    )
}

fn policy(read: &Options) -> RawPolicy {
    let retry = match read.retry {
        Loose::Absent => RawRetry::Default,
        Loose::Bool(false) => RawRetry::Off,
        Loose::Bool(true) => RawRetry::Custom {
            max_attempts: number(&read.max_attempts),
            base_delay_ms: number(&read.base_delay_ms),
            max_delay_ms: number(&read.retry_max_delay_ms),
        },
        Loose::Text(what) => RawRetry::Refused(what.take()),
        other => RawRetry::Refused(type_of(other)),
    };
    let rate_limit = match read.rate_limit {
        Loose::Absent | Loose::Bool(false) => RawRateLimit::Off,
        Loose::Bool(true) => RawRateLimit::Custom {
            calls: number(&read.calls),
            per_ms: number(&read.per_ms),
        },
        Loose::Text(what) => RawRateLimit::Refused(what.take()),
        other => RawRateLimit::Refused(type_of(other)),
    };
    RawPolicy {
        retry,
        attempt_timeout_ms: number(&read.attempt_timeout_ms),
        rate_limit,
    }
}

/// A string option for the core.
fn argument(value: &Loose) -> Argument {
    match value {
        Loose::Absent => Argument::Missing,
        Loose::Text(text) => Argument::Text(text.take()),
        Loose::Number(_) => Argument::Refused(not_a_string("number")),
        Loose::Bool(_) => Argument::Refused(not_a_string("boolean")),
        Loose::Other(what) => Argument::Refused(not_a_string(&what.take())),
        Loose::LoneSurrogate => Argument::Refused(LONE_SURROGATE.into()),
    }
}

/// A number option for the core: `None` when absent, `Err` with the type's name otherwise.
fn number(value: &Loose) -> Option<Result<f64, String>> {
    match *value {
        Loose::Absent => None,
        Loose::Number(n) => Some(Ok(n)),
        other => Some(Err(type_of(other))),
    }
}

/// The name of a value's type, as the core's messages say it.
fn type_of(value: Loose) -> String {
    match value {
        Loose::Absent => "undefined".into(),
        Loose::Number(_) => "number".into(),
        Loose::Text(_) | Loose::LoneSurrogate => "string".into(),
        Loose::Bool(_) => "boolean".into(),
        Loose::Other(what) => what.take(),
    }
}

const LONE_SURROGATE: &str = "contains a lone surrogate (not valid UTF-16)";

/// Reads and checks `minDelayMs`, `maxDelayMs` and `maxWaitMs`, and that the callbacks
/// `onProgress` and `onRetry`, when given, are functions.
pub fn read_wait_policy(options: &JsValue) -> Result<WaitPolicy, Vec<Problem>> {
    let mut read = Vec::with_capacity(WAIT_KEYS.len());
    guarded(&mut read, options, WAIT_KEYS);
    let read: Options = read_guarded(&read);
    let mut problems = Problems::default();
    let policy = wait_policy(
        &number(&read.min_delay_ms),
        &number(&read.max_delay_ms),
        &number(&read.max_wait_ms),
        &mut problems,
    );
    callback(read.on_progress, "options.onProgress", &mut problems);
    callback(read.on_retry, "options.onRetry", &mut problems);
    if problems.is_empty() {
        Ok(policy)
    } else {
        Err(problems.into_vec())
    }
}

/// Records a problem at `path` unless `value` is absent or a function (a wait's callbacks).
#[inline(never)]
fn callback(value: Loose, path: &'static str, problems: &mut Problems) {
    if !matches!(value, Loose::Absent)
        && !matches!(value, Loose::Other(what) if what.take() == "function")
    {
        problems.add(path, "must be a function");
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `Array.isArray`, catching the TypeError a revoked Proxy throws.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn checked_is_array(value: &JsValue) -> Result<bool, JsValue>;
    /// A string, for [`Utf16Text::checked_well_formed`].
    #[wasm_bindgen(js_name = String)]
    type Utf16Text;
    /// `Array.prototype.join` of a list of keys (throws, caught, for a Symbol in it).
    #[wasm_bindgen(catch, js_namespace = ["Array", "prototype", "join"], js_name = call)]
    fn checked_join(keys: &Array) -> Result<String, JsValue>;
    /// `String.prototype.isWellFormed` (ES2024; throws, caught, where the runtime has none:
    /// js-sys's own binding would throw through the module there).
    #[wasm_bindgen(method, catch, js_class = "String", js_name = isWellFormed)]
    fn checked_well_formed(this: &Utf16Text) -> Result<bool, JsValue>;
}

/// Whether `text` is valid UTF-16 (no lone surrogate): one call to the engine's
/// `isWellFormed` (Node 20+, current browsers), or `JsString::is_valid_utf16`'s walk of every
/// code unit (one boundary crossing each) where there is none.
fn well_formed(text: &JsString) -> bool {
    text.unchecked_ref::<Utf16Text>()
        .checked_well_formed()
        .unwrap_or_else(|_| text.is_valid_utf16())
}

/// Whether `value` is an array; a value that cannot be inspected (a revoked Proxy) is not.
fn is_array(value: &JsValue) -> bool {
    checked_is_array(value).unwrap_or(false)
}

thread_local! {
    /// The JS strings of the property and header names read on every call, made once per
    /// instance (making a JS string from Rust text is a copy and a decode each time).
    static NAMES: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// The JS string for `name`, made once and kept (a handle to the kept string).
pub fn name(name: &'static str) -> JsValue {
    NAMES.with(|names| {
        let Ok(mut names) = names.try_borrow_mut() else {
            return JsValue::from_str(name);
        };
        if let Some((_, value)) = names.iter().find(|(known, _)| *known == name) {
            return value.clone();
        }
        let value = JsValue::from_str(name);
        names.push((name, value.clone()));
        value
    })
}

/// Reads `target[key]`, catching what a getter or proxy throws.
pub fn get(target: &JsValue, key: &'static str) -> Result<JsValue, JsValue> {
    Reflect::get(target, &name(key))
}

/// Reads `target[key]`; a throwing getter or proxy reads as `undefined`.
pub fn property(target: &JsValue, key: &'static str) -> JsValue {
    get(target, key).unwrap_or(JsValue::UNDEFINED)
}

fn is_absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    if is_array(value) {
        return "an array".into();
    }
    value
        .js_typeof()
        .as_string()
        .unwrap_or_else(|| "an unknown type".into())
}

fn read_string(value: &JsValue, max_len: Option<usize>) -> Argument {
    if is_absent(value) {
        return Argument::Missing;
    }
    let Some(text) = value.dyn_ref::<JsString>() else {
        return Argument::Refused(not_a_string(&type_name(value)));
    };
    if let Some(max) = max_len {
        // UTF-8 is never shorter than UTF-16 in code units, so this refuses before copying.
        if usize::try_from(text.length()).map_or(true, |len| len > max) {
            return Argument::Refused(format!("is longer than {max} characters"));
        }
    }
    if !well_formed(text) {
        return Argument::Refused("contains a lone surrogate (not valid UTF-16)".into());
    }
    Argument::Text(String::from(text))
}

fn looks_like_abort_signal(value: &JsValue) -> bool {
    property(value, "aborted").as_bool().is_some()
        && property(value, "addEventListener").is_function()
}

/// The secrets among the arguments: scrubbed from every error before it leaves Rust.
pub fn secrets(arguments: &[&Argument]) -> Vec<String> {
    arguments
        .iter()
        .filter_map(|arg| match arg {
            Argument::Text(text) if !text.is_empty() => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// What a call resolves to, as a plain JS value.
pub trait ToJs {
    /// The plain JS value (objects, arrays, `null`).
    fn to_js(self) -> Result<JsValue, JsValue>;
}

/// `serde-wasm-bindgen`'s serializer for plain JS values: objects (never `Map`), `null` for
/// `None` (never `undefined`), each property assigned (`o[k] = v`).
const PLAIN: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::json_compatible();

/// The same, each property and element defined as an own data property (the vendored crate's
/// patch): for a runtime whose `Object.prototype` or `Array.prototype` may hold a setter for
/// a key the module writes ([`must_define`]). About 15x slower per property in Node 20, which
/// matters little here: only error records, sessions and the wait policy are made this way.
const DEFINED: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::json_compatible()
    .define_properties(true)
    .define_elements(true);

/// A value as a plain JS object, made by `serde-wasm-bindgen`: assigned, or defined where the
/// prototypes were changed ([`must_define`], asked anew for each value).
fn plain<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = if must_define() { &DEFINED } else { &PLAIN };
    value.serialize(serializer).map_err(JsValue::from)
}

/// The own keys of `Object.prototype` in a runtime nobody changed (Node, Chromium, Firefox,
/// Safari): none is a key the module writes.
const OBJECT_PROTOTYPE_KEYS: &[&str] = &[
    "constructor",
    "__defineGetter__",
    "__defineSetter__",
    "hasOwnProperty",
    "__lookupGetter__",
    "__lookupSetter__",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toString",
    "valueOf",
    "__proto__",
    "toLocaleString",
];

/// Whether the objects and arrays the module makes must have their properties defined rather
/// than assigned, so that no code of the page runs: unless `Object.prototype` has only its
/// standard keys (no accessor or read-only property a page added, under any key: a setter for
/// `status`), `Array.prototype` has no index key and `Object.prototype` is its prototype. A
/// define (slower) makes the call work as if the prototypes were clean. A few reads of the
/// runtime's own objects (Node 20: `Object.prototype`'s keys and their join about 0.5 µs, the
/// rest 0.03 µs), once per value made by `serde-wasm-bindgen`.
fn must_define() -> bool {
    // The prototypes of a fresh object and array: the ones every output object gets.
    let (Ok(object), Ok(array)) = (
        Reflect::get_prototype_of(&Object::new()),
        Reflect::get_prototype_of(&Array::new()),
    ) else {
        return true;
    };
    let parent_is_object =
        Reflect::get_prototype_of(&array).is_ok_and(|parent| Object::is(&parent, &object));
    // `Array.prototype` is an array: its `length` is 0 exactly when it has no index property
    // (defining one raises it; it cannot shrink below one; 7 ns where its own keys take
    // 1.2 µs). (Its own data property: reading it runs no code.)
    let no_index = array.unchecked_ref::<Array>().length() == 0;
    // A Symbol key makes `join` throw: not clean. (An index key of `Object.prototype`, which
    // arrays see too, is not one of its standard keys.)
    let Some(keys) = Reflect::own_keys(&object)
        .ok()
        .and_then(|keys| checked_join(&keys).ok())
    else {
        return true;
    };
    !parent_is_object
        || !no_index
        || keys
            .split(',')
            .any(|key| !OBJECT_PROTOTYPE_KEYS.contains(&key))
}

/// A value as a plain object: its `serde_json` text read by one `JSON.parse`, so it is exactly
/// what `JSON.parse` of that text gives — own data properties whatever the page's prototypes
/// hold, `__proto__` included, a repeated key's last value at its first place — and the
/// unknown `extendPara`/`extendInfo` members, copied as sent, are what `JSON.parse` of the
/// body gives. Tasks, subtasks and pages cross this way: faster than `serde-wasm-bindgen`
/// for every shape measured, in Node 20 and Chromium, short ids and the largest task alike
/// (BENCHMARKS.md section 7, run T).
fn parsed<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    // A failure becomes `invalid_response` in `settle`, never an empty value.
    let text = serde_json::to_string(value).map_err(|_| JsValue::NULL)?;
    JSON::parse(&text)
}

/// A task as a plain object ([`parsed`]).
impl ToJs for UpgradeTask {
    fn to_js(self) -> Result<JsValue, JsValue> {
        parsed(&self)
    }
}

/// A subtask as a plain object ([`parsed`]).
impl ToJs for UpgradeSubTask {
    fn to_js(self) -> Result<JsValue, JsValue> {
        parsed(&self)
    }
}

/// A page, `{ tasks | subTasks, invalid, pageNo, pageSize, totalCount }`, as one plain object
/// ([`parsed`]: one text and one `JSON.parse` for the page, not one per item).
impl<T: Serialize + PageItem> ToJs for Page<T> {
    fn to_js(self) -> Result<JsValue, JsValue> {
        parsed(&self)
    }
}

impl ToJs for Session {
    fn to_js(self) -> Result<JsValue, JsValue> {
        plain(&self)
    }
}

impl ToJs for WaitPolicy {
    fn to_js(self) -> Result<JsValue, JsValue> {
        plain(&self)
    }
}

impl ToJs for () {
    fn to_js(self) -> Result<JsValue, JsValue> {
        Ok(JsValue::NULL)
    }
}

/// A call's value as a plain JS value, made at once; `Err` when it could not be made
/// ([`settle_plain`] says so).
pub fn to_plain<T: ToJs>(value: T) -> Result<JsValue, JsValue> {
    value.to_js()
}

/// Converts a call's outcome: the value as a plain object, or the scrubbed error record.
/// A thin generic shell over [`settle_plain`], so that the error path exists once.
pub fn settle<T: ToJs>(
    outcome: Result<T, ErrorReport>,
    secrets: &[String],
) -> Result<JsValue, JsValue> {
    settle_plain(outcome.map(to_plain), secrets)
}

/// Settles an outcome whose value was already converted ([`to_plain`]): the plain value, or
/// the scrubbed error record (`invalid_response` when the conversion failed).
#[inline(never)]
pub fn settle_plain(
    outcome: Result<Result<JsValue, JsValue>, ErrorReport>,
    secrets: &[String],
) -> Result<JsValue, JsValue> {
    let report = match outcome {
        Ok(Ok(plain)) => return Ok(plain),
        Ok(Err(_)) => ErrorReport::simple(
            ErrorKind::InvalidResponse,
            None,
            "the answer could not be converted",
        ),
        Err(report) => report,
    };
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    Err(error_value(&report.scrub(&secret_refs)))
}

/// The JS value a failed call rejects with: the report's fields as a plain object
/// (the package's JS wraps it in an `UpgradeTaskError`).
pub fn error_value(report: &ErrorReport) -> JsValue {
    plain(report).unwrap_or_else(|_| {
        // Serialising strings, numbers and a list of them cannot fail; keep a minimal value
        // all the same.
        marker("kind", &JsValue::from_str(report.kind.as_str()))
    })
}
