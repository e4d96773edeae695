use gloo_utils::errors::JsError;
use thiserror::Error as ThisError;

/// All the errors returned by this crate.
#[derive(Debug, ThisError)]
pub enum Error {
    /// Error returned by JavaScript.
    #[error("{0}")]
    JsError(JsError),
    /// Error returned by `serde` during deserialization.
    #[cfg(feature = "json")]
    #[cfg_attr(docsrs, doc(cfg(feature = "json")))]
    #[error("{0}")]
    SerdeError(
        #[source]
        #[from]
        serde_json::Error,
    ),
    /// Error returned by this crate
    #[error("{0}")]
    GlooError(String),
}

#[cfg(any(feature = "http", feature = "websocket", feature = "eventsource"))]
pub(crate) use conversion::*;
#[cfg(any(feature = "http", feature = "websocket", feature = "eventsource"))]
mod conversion {
    use gloo_utils::errors::JsError;
    use std::convert::TryFrom;
    use wasm_bindgen::JsValue;

    // Patched (see PATCHES.md): 0.7.0 converts with `js_to_js_error`, which panics
    // (`unreachable!`, a trap with `panic = "abort"`) when the thrown value is not an `Error`
    // (`new Request` rethrows what a page's setter on `Object.prototype` throws: `throw "x"`),
    // and reads `name`, `message` and `toString()` without catching (an `Error` whose getter
    // throws would throw through the module). Here the error's `message` is read through
    // `Reflect.get` (catching) and kept when it is a string; a thrown string is kept as it is;
    // anything else gives a fixed text.
    #[cfg(feature = "http")]
    pub(crate) fn js_to_error(js_value: JsValue) -> super::Error {
        let message = js_sys::Reflect::get(&js_value, &JsValue::from_str("message"))
            .ok()
            .and_then(|message| message.as_string());
        super::Error::GlooError(
            message
                .or_else(|| js_value.as_string())
                .unwrap_or_else(|| String::from("a JavaScript exception")),
        )
    }

    #[allow(dead_code)]
    pub(crate) fn js_to_js_error(js_value: JsValue) -> JsError {
        match JsError::try_from(js_value) {
            Ok(error) => error,
            Err(_) => unreachable!("JsValue passed is not an Error type -- this is a bug"),
        }
    }
}
