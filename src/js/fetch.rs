//! The gloo-net request with a whole-call deadline, the caller's signal, and a body read
//! capped at 4 MiB, however the body arrives (chunked, compressed or not).

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, ReadableStreamDefaultReader};

use super::convert::property;
use crate::core::{ErrorKind, ErrorReport, WireRequest, MAX_BODY_BYTES};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (Node 18+, browsers, workers), called directly so that a fetch
    /// that resolves to something other than a `Response` is an error, not a trap.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(request: &web_sys::Request) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// A complete answer: status, headers of interest and the body (`None`: over the cap).
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, or `None` when it was larger than [`MAX_BODY_BYTES`].
    pub body: Option<Vec<u8>>,
}

/// Why the call stopped early: our deadline or the caller's signal.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    Running,
    Deadline,
    Caller,
}

/// Everything that must be undone when the call ends: the timer and the signal listener.
struct Cancellation {
    controller: AbortController,
    state: Rc<Cell<Stop>>,
    /// Rejects as soon as the deadline passes or the caller aborts.
    stopped: Promise,
    timer: JsValue,
    caller: Option<(AbortSignal, Closure<dyn FnMut()>)>,
    _on_deadline: Closure<dyn FnMut()>,
    _swallow: Closure<dyn FnMut(JsValue)>,
}

impl Cancellation {
    fn new(timeout_ms: f64, caller: Option<AbortSignal>) -> Result<Self, ErrorReport> {
        let controller = AbortController::new().map_err(|_| {
            ErrorReport::simple(
                ErrorKind::Network,
                None,
                "AbortController is not available in this runtime",
            )
        })?;
        let state = Rc::new(Cell::new(Stop::Running));
        let reject_slot: Rc<Cell<Option<Function>>> = Rc::new(Cell::new(None));
        let slot = reject_slot.clone();
        let stopped = Promise::new(&mut |_resolve, reject| slot.set(Some(reject)));
        let swallow = Closure::<dyn FnMut(JsValue)>::new(|_| {});
        // Handled once here, so a late rejection is never reported as unhandled.
        let _ = stopped.catch(&swallow);
        let stop_with = {
            let (controller, state, reject_slot) =
                (controller.clone(), state.clone(), reject_slot.clone());
            move |why: Stop| {
                if state.get() == Stop::Running {
                    state.set(why);
                    controller.abort();
                    if let Some(reject) = reject_slot.take() {
                        let _ = reject.call1(&JsValue::UNDEFINED, &JsValue::NULL);
                    }
                }
            }
        };
        let on_deadline = {
            let stop_with = stop_with.clone();
            Closure::<dyn FnMut()>::new(move || stop_with(Stop::Deadline))
        };
        let timer = set_timeout(on_deadline.as_ref().unchecked_ref(), timeout_ms);
        let caller = caller.map(|signal| {
            let listener = Closure::<dyn FnMut()>::new(move || stop_with(Stop::Caller));
            let _ =
                signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
            (signal, listener)
        });
        Ok(Self {
            controller,
            state,
            stopped,
            timer,
            caller,
            _on_deadline: on_deadline,
            _swallow: swallow,
        })
    }

    /// Awaits `promise`, or the deadline, or the caller's abort, whichever comes first.
    async fn race(
        &self,
        promise: &JsValue,
        status: Option<u16>,
        what: &str,
    ) -> Result<JsValue, ErrorReport> {
        let both = Array::of2(promise, &self.stopped);
        match JsFuture::from(Promise::race(&both)).await {
            Ok(value) => Ok(value),
            Err(error) => Err(self.failure(status, &error, what)),
        }
    }

    fn failure(&self, status: Option<u16>, error: &JsValue, what: &str) -> ErrorReport {
        match self.state.get() {
            Stop::Deadline => ErrorReport::simple(
                ErrorKind::Timeout,
                status,
                &format!("no complete answer within timeoutMs ({what})"),
            ),
            Stop::Caller => ErrorReport::simple(
                ErrorKind::Aborted,
                status,
                &format!("the caller's signal fired ({what})"),
            ),
            Stop::Running => ErrorReport::simple(
                ErrorKind::Network,
                status,
                &format!("{what}: {}", describe_js_error(error)),
            ),
        }
    }
}

impl Drop for Cancellation {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some((signal, listener)) = &self.caller {
            let _ = signal
                .remove_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
        }
    }
}

/// Sends the request and reads the whole answer within the deadline and the caller's signal.
pub async fn fetch_answer(
    request: &WireRequest,
    caller: Option<AbortSignal>,
) -> Result<Answer, ErrorReport> {
    let cancel = Cancellation::new(request.timeout_ms, caller)?;
    let signal = cancel.controller.signal();
    let mut builder = gloo_net::http::Request::get(&request.url).abort_signal(Some(&signal));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = builder.build().map_err(|e| {
        ErrorReport::simple(
            ErrorKind::Network,
            None,
            &format!("the request could not be built: {e}"),
        )
    })?;
    let raw_request: web_sys::Request = built.into();
    let pending =
        global_fetch(&raw_request).map_err(|e| cancel.failure(None, &e, "fetch threw"))?;
    let sent = cancel.race(&pending, None, "the request failed").await?;
    let Ok(raw_response) = sent.dyn_into::<web_sys::Response>() else {
        return Err(ErrorReport::simple(
            ErrorKind::Network,
            None,
            "fetch resolved to something that is not a Response",
        ));
    };
    let response = gloo_net::http::Response::from(raw_response);
    let status = response.status();
    let body = match response.body() {
        None => Some(Vec::new()),
        Some(stream) => read_capped(&cancel, stream.get_reader().unchecked_into(), status).await?,
    };
    Ok(Answer { status, body })
}

/// Reads a body stream chunk by chunk, stopping (and cancelling the stream) past the cap.
async fn read_capped(
    cancel: &Cancellation,
    reader: ReadableStreamDefaultReader,
    status: u16,
) -> Result<Option<Vec<u8>>, ErrorReport> {
    let mut body = Vec::new();
    loop {
        let chunk = cancel
            .race(
                &reader.read(),
                Some(status),
                "the connection failed while reading the body",
            )
            .await?;
        if property(&chunk, "done").as_bool().unwrap_or(true) {
            return Ok(Some(body));
        }
        let Ok(bytes) = property(&chunk, "value").dyn_into::<Uint8Array>() else {
            return Err(ErrorReport::simple(
                ErrorKind::Network,
                Some(status),
                "the body stream produced something other than bytes",
            ));
        };
        let length = usize::try_from(bytes.length()).unwrap_or(usize::MAX);
        if length > MAX_BODY_BYTES.saturating_sub(body.len()) {
            let _ = reader.cancel();
            cancel.controller.abort();
            return Ok(None);
        }
        let start = body.len();
        body.resize(start + length, 0);
        if let Some(target) = body.get_mut(start..) {
            bytes.copy_to(target);
        }
    }
}

/// A short description of a JS error (its message and, for Node's fetch, its cause's code).
fn describe_js_error(error: &JsValue) -> String {
    let message = property(error, "message")
        .as_string()
        .unwrap_or_else(|| "unknown error".into());
    let cause = property(error, "cause");
    let code = property(&cause, "code").as_string();
    let cause_message = property(&cause, "message").as_string();
    match (code, cause_message) {
        (Some(code), _) => format!("{message} ({code})"),
        (None, Some(inner)) => format!("{message} ({inner})"),
        (None, None) => message,
    }
}
