//! Rust ⇄ JS values: reading the call's arguments, and handing results and errors back as
//! plain JS objects.

use js_sys::{JsString, Reflect, JSON};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::request::{not_a_string, MAX_OPERATION_ID_BYTES};
use crate::core::{Argument, ErrorKind, ErrorReport, Problem, RawArguments};

/// The arguments as read from JS, plus problems only the JS side can see.
pub struct JsArguments {
    /// The string and number arguments, for the core to check.
    pub raw: RawArguments,
    /// `options.signal`, when one was given and looks like an `AbortSignal`.
    pub signal: Option<web_sys::AbortSignal>,
    /// Problems found while reading (options not an object, a bad signal, …).
    pub problems: Vec<Problem>,
}

/// Reads `operationId`, `accessToken` and the options object without throwing.
pub fn read_arguments(
    operation_id: &JsValue,
    access_token: &JsValue,
    options: &JsValue,
) -> JsArguments {
    let mut problems = Vec::new();
    let mut raw = RawArguments {
        operation_id: read_string(operation_id, Some(MAX_OPERATION_ID_BYTES)),
        access_token: read_string(access_token, None),
        ..RawArguments::default()
    };
    let mut signal = None;
    if options.is_object() {
        raw.base_url = read_string(&property(options, "baseUrl"), None);
        raw.app_key = read_string(&property(options, "appKey"), None);
        let timeout = property(options, "timeoutMs");
        raw.timeout_ms = if timeout.is_undefined() || timeout.is_null() {
            None
        } else {
            Some(timeout.as_f64().ok_or_else(|| type_name(&timeout)))
        };
        let given = property(options, "signal");
        if !(given.is_undefined() || given.is_null()) {
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

/// Reads `target[key]`; a throwing getter or proxy reads as `undefined`.
pub fn property(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    if js_sys::Array::is_array(value) {
        return "an array".into();
    }
    value
        .js_typeof()
        .as_string()
        .unwrap_or_else(|| "an unknown type".into())
}

fn read_string(value: &JsValue, max_len: Option<usize>) -> Argument {
    if value.is_undefined() || value.is_null() {
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

/// Turns a serialisable Rust value into a plain JS value (objects, arrays, `null`).
///
/// The value goes through JSON text and the engine's own `JSON.parse`: plain objects, `null`
/// for `None`, and numbers beyond 2^53 in `extendPara` read exactly as `JSON.parse` reads them.
pub fn to_plain<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| JsValue::from_str(&e.to_string()))?;
    JSON::parse(&text)
}

/// The JS value a failed call rejects with: the report's fields as a plain object
/// (the package's JS wraps it in an `UpgradeTaskError`).
pub fn error_value(report: &ErrorReport) -> JsValue {
    to_plain(report).unwrap_or_else(|_| {
        // Serialising a report cannot fail; keep a minimal value all the same.
        let fallback = js_sys::Object::new();
        let _ = Reflect::set(
            &fallback,
            &"kind".into(),
            &ErrorKind::Network.as_str().into(),
        );
        let _ = Reflect::set(&fallback, &"message".into(), &report.kind.as_str().into());
        fallback.into()
    })
}
