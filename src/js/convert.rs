//! Rust ⇄ JS values: reading the calls' arguments without throwing, and handing results
//! and errors back as plain JS objects.

use std::cell::RefCell;

use js_sys::{JsString, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::json::ToJson;
use crate::core::limiter::RawRateLimit;
use crate::core::login::Session;
use crate::core::problem::Problems;
use crate::core::request::{not_a_string, RawPolicy, MAX_OPERATION_ID_BYTES};
use crate::core::retry::{wait_policy, RawRetry, WaitPolicy};
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

/// Reads `queryUpgradeTask`'s `operationId`, `accessToken` and options.
pub fn read_arguments(
    operation_id: &JsValue,
    access_token: &JsValue,
    options: &JsValue,
) -> JsArguments<RawArguments> {
    let mut read = read_common(options, "appKey");
    read.raw.operation_id = read_string(operation_id, Some(MAX_OPERATION_ID_BYTES));
    read.raw.access_token = read_string(access_token, None);
    read
}

/// Reads the options of `login` (`refresh == false`) or `refreshToken`.
pub fn read_login(options: &JsValue, refresh: bool) -> JsArguments<RawLogin> {
    let common = read_common(options, "appId");
    let raw = RawLogin {
        secret: read_string(&property(options, "secret"), None),
        refresh_token: refresh.then(|| read_string(&property(options, "refreshToken"), None)),
        common: common.raw,
    };
    JsArguments {
        raw,
        signal: common.signal,
        problems: common.problems,
    }
}

fn read_common(options: &JsValue, key_name: &'static str) -> JsArguments<RawArguments> {
    let mut raw = RawArguments::default();
    let mut problems = Vec::new();
    let mut signal = None;
    if options.is_object() {
        raw.base_url = read_string(&property(options, "baseUrl"), None);
        raw.app_key = read_string(&property(options, key_name), None);
        let alias = if key_name == "appKey" {
            "appId"
        } else {
            "appKey"
        };
        raw.key_alias_given = (!is_absent(&property(options, alias))).then_some(alias);
        raw.timeout_ms = read_number(&property(options, "timeoutMs"));
        raw.policy = read_policy(options);
        let given = property(options, "signal");
        if !is_absent(&given) {
            if looks_like_abort_signal(&given) {
                signal = Some(given.unchecked_into());
            } else {
                problems.push(Problem::new("options.signal", "must be an AbortSignal"));
            }
        }
    } else {
        raw.options_missing = true;
    }
    JsArguments {
        raw,
        signal,
        problems,
    }
}

fn read_policy(options: &JsValue) -> RawPolicy {
    let retry = property(options, "retry");
    let retry = if is_absent(&retry) {
        RawRetry::Default
    } else if retry.as_bool() == Some(false) {
        RawRetry::Off
    } else if checked_is_array(&retry).is_err() {
        RawRetry::Refused("an object that cannot be read (a revoked Proxy)".into())
    } else if retry.is_object() && !is_array(&retry) {
        RawRetry::Custom {
            max_attempts: read_number(&property(&retry, "maxAttempts")),
            base_delay_ms: read_number(&property(&retry, "baseDelayMs")),
            max_delay_ms: read_number(&property(&retry, "maxDelayMs")),
        }
    } else {
        RawRetry::Refused(type_name(&retry))
    };
    let limit = property(options, "rateLimit");
    let rate_limit = if is_absent(&limit) || limit.as_bool() == Some(false) {
        RawRateLimit::Off
    } else if checked_is_array(&limit).is_err() {
        RawRateLimit::Refused("an object that cannot be read (a revoked Proxy)".into())
    } else if limit.is_object() && !is_array(&limit) {
        RawRateLimit::Custom {
            calls: read_number(&property(&limit, "calls")),
            per_ms: read_number(&property(&limit, "perMs")),
        }
    } else {
        RawRateLimit::Refused(type_name(&limit))
    };
    RawPolicy {
        retry,
        attempt_timeout_ms: read_number(&property(options, "attemptTimeoutMs")),
        rate_limit,
    }
}

/// Reads and checks `minDelayMs`, `maxDelayMs` and `maxWaitMs`.
pub fn read_wait_policy(options: &JsValue) -> Result<WaitPolicy, Vec<Problem>> {
    let mut problems = Problems::default();
    let policy = wait_policy(
        &read_number(&property(options, "minDelayMs")),
        &read_number(&property(options, "maxDelayMs")),
        &read_number(&property(options, "maxWaitMs")),
        &mut problems,
    );
    let callback = property(options, "onProgress");
    if !is_absent(&callback) && !callback.is_function() {
        problems.add("options.onProgress", "must be a function");
    }
    if problems.is_empty() {
        Ok(policy)
    } else {
        Err(problems.into_vec())
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `Array.isArray`, catching the TypeError a revoked Proxy throws.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn checked_is_array(value: &JsValue) -> Result<bool, JsValue>;
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

fn read_number(value: &JsValue) -> Option<Result<f64, String>> {
    if is_absent(value) {
        None
    } else {
        Some(value.as_f64().ok_or_else(|| type_name(value)))
    }
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
    if !text.is_valid_utf16() {
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
    fn to_js(&self) -> Result<JsValue, JsValue>;
}

/// A task goes through JSON text and the engine's own `JSON.parse`: one crossing for the
/// whole object, and unknown `extendPara` values read exactly as `JSON.parse` reads them.
impl ToJs for crate::core::UpgradeTask {
    fn to_js(&self) -> Result<JsValue, JsValue> {
        JSON::parse(&self.to_json())
    }
}

impl ToJs for Session {
    fn to_js(&self) -> Result<JsValue, JsValue> {
        let refresh = self
            .refresh_token
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from_str);
        plain_object(&[
            ("accessToken", JsValue::from_str(&self.access_token)),
            ("refreshToken", refresh),
            ("expiresAt", JsValue::from_f64(self.expires_at)),
        ])
    }
}

impl ToJs for WaitPolicy {
    fn to_js(&self) -> Result<JsValue, JsValue> {
        plain_object(&[
            ("minDelayMs", JsValue::from_f64(self.min_delay_ms)),
            ("maxDelayMs", JsValue::from_f64(self.max_delay_ms)),
            (
                "maxWaitMs",
                self.max_wait_ms.map_or(JsValue::NULL, JsValue::from_f64),
            ),
        ])
    }
}

impl ToJs for () {
    fn to_js(&self) -> Result<JsValue, JsValue> {
        Ok(JsValue::NULL)
    }
}

/// A plain object with these properties.
fn plain_object(entries: &[(&'static str, JsValue)]) -> Result<JsValue, JsValue> {
    let object = Object::new();
    for (key, value) in entries {
        Reflect::set(&object, &name(key), value)?;
    }
    Ok(object.into())
}

/// Converts a call's outcome: the value as a plain object, or the scrubbed error record.
pub fn settle<T: ToJs>(
    outcome: Result<T, ErrorReport>,
    secrets: &[String],
) -> Result<JsValue, JsValue> {
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let report = match outcome {
        Ok(value) => match value.to_js() {
            Ok(plain) => return Ok(plain),
            Err(_) => ErrorReport::simple(
                ErrorKind::InvalidResponse,
                None,
                "the answer could not be converted",
            ),
        },
        Err(report) => report,
    };
    Err(error_value(&report.scrub(&secret_refs)))
}

/// The JS value a failed call rejects with: the report's fields as a plain object
/// (the package's JS wraps it in an `UpgradeTaskError`).
fn error_value(report: &ErrorReport) -> JsValue {
    JSON::parse(&report.to_json()).unwrap_or_else(|_| {
        // The report's JSON is always valid; keep a minimal value all the same.
        let fallback = js_sys::Object::new();
        let _ = Reflect::set(&fallback, &"kind".into(), &report.kind.as_str().into());
        let _ = Reflect::set(&fallback, &"message".into(), &report.kind.as_str().into());
        fallback.into()
    })
}
