//! Timers, cancellation and the request itself: gloo-net's `RequestBuilder` builds the
//! request (method, headers, body, abort signal), the global `fetch` sends it through a
//! catching binding, and gloo-net's `Response` reads status, headers and the body stream —
//! once the answer was checked to be a genuine `Response`. Around it: the whole-call deadline
//! and the caller's signal (a [`Stopper`] for the call), an optional per-request deadline (a
//! [`Stopper`] per attempt), and a body read capped at 4 MiB however the body arrives
//! (chunked, compressed or not). Every wait watches the call's stopper ([`Race`]): a promise
//! is awaited through [`Settled`], a stopper fires into a slot of its own, so no call makes a
//! wasm-bindgen `Closure` (each costs a `FinalizationRegistry` entry) or a `Promise.race`.
//! A timer is a macrotask: a body whose chunks are always ready (each `read()` settles in a
//! microtask) would keep it from ever running, so the body read also checks the clock against
//! each deadline's due instant ([`Attempt::overdue`]) and ends as the timer would have.
//!
//! gloo-net assumes a well-behaved runtime (its header setters `unwrap_throw`, its `send`
//! panics when `fetch` resolves to something else than a `Response`); those paths are made
//! unreachable: the core refuses, before anything is built, every header value the Fetch API
//! would refuse (control characters, characters beyond Latin-1), and only a checked, genuine
//! `Response` reaches `gloo_net::http::Response`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use gloo_net::http::{Headers, Method, RequestBuilder};
use js_sys::{Date, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

use super::convert::{name, property};
use crate::core::transport::{network_failure, Failure};
use crate::core::{ErrorKind, ErrorReport, WireRequest, MAX_BODY_BYTES};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (Node 18+, browsers, workers), called directly: a fetch that throws
    /// or resolves to something other than a `Response` is an error, not a trap (gloo-net's
    /// own `send` panics there, and knows only windows and workers as globals).
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(request: &web_sys::Request) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
    /// The runtime's `Response` constructor (for its prototype).
    #[wasm_bindgen(thread_local_v2, js_name = Response)]
    static RESPONSE: JsValue;
    /// A `Response` as seen by [`BrandedResponse::branded_status`].
    #[wasm_bindgen(js_name = Response)]
    type BrandedResponse;
    /// `Response.prototype.status`'s own getter, called on `this` whatever it is (`final`):
    /// it throws, caught here, unless `this` is a real `Response`.
    #[wasm_bindgen(method, getter, final, catch, js_class = "Response", js_name = status)]
    fn branded_status(this: &BrandedResponse) -> Result<u16, JsValue>;
    /// `Uint8Array.prototype.set.call(target, source)`: copies a chunk into wasm memory
    /// from the typed array's own storage (js-sys's `copy_to` first compares a plain `length`
    /// read, which an own getter on the chunk could answer, and panics on a mismatch).
    #[wasm_bindgen(catch, js_namespace = ["Uint8Array", "prototype", "set"], js_name = call)]
    fn copy_chunk(target: &mut [u8], source: &Uint8Array) -> Result<(), JsValue>;
    /// A settle callback of [`Settled`], as a `Function` to bind.
    #[wasm_bindgen(js_name = Function)]
    type SettleCallback;
    /// `callback.bind(undefined, index, key)`: the callback for one [`Settled`] slot.
    #[wasm_bindgen(method, js_class = "Function", js_name = bind)]
    fn bind_slot(this: &SettleCallback, context: &JsValue, index: f64, key: f64) -> Function;
    /// The shared `abort` listener of the [`Watched`] signals, as a `Function` to bind.
    #[wasm_bindgen(js_name = Function)]
    type WatchCallback;
    /// `callback.bind(undefined, key)`: the listener of one [`Watched`] signal.
    #[wasm_bindgen(method, js_class = "Function", js_name = bind)]
    fn bind_watch(this: &WatchCallback, context: &JsValue, key: f64) -> Function;
    /// A promise as [`Settled`] awaits it.
    #[wasm_bindgen(js_name = Promise)]
    type Awaited;
    /// `promise.then(on_fulfilled, on_rejected)`, its result unused; what it throws is caught
    /// (a `fetch` of a test double may give something without a `then`, or whose `then`
    /// throws).
    #[wasm_bindgen(method, catch, js_class = "Promise", js_name = then)]
    fn then_both(
        this: &Awaited,
        on_fulfilled: &Function,
        on_rejected: &Function,
    ) -> Result<(), JsValue>;
}

thread_local! {
    /// `Response.prototype`, read once.
    static RESPONSE_PROTOTYPE: std::cell::OnceCell<Option<JsValue>> = const { std::cell::OnceCell::new() };
    /// The runtime's `util.types.isProxy`: handed in by the Node entries ([`use_proxy_check`])
    /// or else looked up once ([`proxy_check`]); `Some(None)` where the runtime offers none
    /// (browsers; the browser entry on a Node before 20.16 and 22.3), `None` before either.
    static IS_PROXY: RefCell<Option<Option<Function>>> = const { RefCell::new(None) };
    /// Where the promises awaited through [`Settled`] leave their outcome.
    static SLOTS: RefCell<Slots> = const { RefCell::new(Slots { slots: Vec::new(), free: Vec::new(), next_key: 1.0 }) };
    /// The two settle callbacks every [`Settled`] binds to its slot (made once).
    static ON_SETTLED: (OnSettled, OnSettled) = (
        Closure::new(|index, key, value| settle(index, key, Ok(value))),
        Closure::new(|index, key, reason| settle(index, key, Err(reason))),
    );
    /// The caller signals the live calls listen to ([`Watched`]).
    static WATCHED: RefCell<Vec<Watched>> = const { RefCell::new(Vec::new()) };
    /// The `abort` listener every [`Watched`] signal gets, bound to its key (made once).
    static ON_ABORT: Closure<dyn FnMut(f64, JsValue)> = Closure::new(abort_watchers);
    /// The key of the next [`Watched`] entry (never reused).
    static NEXT_WATCH_KEY: std::cell::Cell<f64> = const { std::cell::Cell::new(1.0) };
}

/// One caller signal the live calls wait on: the signal gets one `abort` listener however
/// many calls share it (one per call made Node print `MaxListenersExceededWarning` past 10
/// calls on one signal), removed when the last of those calls ends. The stoppers waiting on
/// it are the slots marked with its key ([`Slot::watch`]); the caller's signal itself is never
/// changed otherwise.
struct Watched {
    key: f64,
    signal: AbortSignal,
    listener: Function,
    /// How many live stoppers wait on it.
    count: u32,
}

/// The shared listener of the [`Watched`] signal `key`: fires every stopper waiting on it
/// (each as its own listener would have, with the event as the reason).
fn abort_watchers(key: f64, event: JsValue) {
    let waiting: Vec<(usize, f64)> = SLOTS.with(|slots| {
        slots.try_borrow().map_or(Vec::new(), |slots| {
            let marked = slots.slots.iter().enumerate();
            marked
                .filter(|(_, slot)| slot.watch == key && slot.key != 0.0)
                .map(|(index, slot)| (index, slot.key))
                .collect()
        })
    });
    for (index, slot_key) in waiting {
        settle(index as f64, slot_key, Err(event.clone()));
    }
}

/// Makes the stopper in slot (`index`, `key`) fire when `signal` aborts; returns the key of
/// the signal's [`Watched`] entry.
fn watch_signal(signal: &AbortSignal, index: usize, key: f64) -> f64 {
    let known = WATCHED.with(|watched| {
        let mut watched = watched.try_borrow_mut().ok()?;
        // `===`, one crossing per live signal (a few at most).
        let entry = watched.iter_mut().find(|entry| entry.signal == *signal)?;
        entry.count += 1;
        Some(entry.key)
    });
    if let Some(watch_key) = known {
        with_slot(index, key, |slot| slot.watch = watch_key);
        return watch_key;
    }
    let watch_key = NEXT_WATCH_KEY.with(|next| next.replace(next.get() + 1.0));
    let listener = ON_ABORT.with(|on_abort| {
        let callback: &WatchCallback = on_abort.as_ref().unchecked_ref();
        callback.bind_watch(&JsValue::UNDEFINED, watch_key)
    });
    WATCHED.with(|watched| {
        if let Ok(mut watched) = watched.try_borrow_mut() {
            watched.push(Watched {
                key: watch_key,
                signal: signal.clone(),
                listener: listener.clone(),
                count: 1,
            });
        }
    });
    // The slot is marked before the listener is added: a signal-like object of the caller's
    // may call it at once, from inside `addEventListener`.
    with_slot(index, key, |slot| slot.watch = watch_key);
    // Outside any borrow: the signal may be a caller's object whose method runs user code.
    let _ = signal.add_event_listener_with_callback("abort", &listener);
    watch_key
}

/// One stopper no longer waits on the [`Watched`] signal `watch_key`; the signal's listener is
/// removed with the last one.
fn unwatch_signal(watch_key: f64) {
    let emptied = WATCHED.with(|watched| {
        let mut watched = watched.try_borrow_mut().ok()?;
        let at = watched.iter().position(|entry| entry.key == watch_key)?;
        let entry = watched.get_mut(at)?;
        entry.count = entry.count.saturating_sub(1);
        (entry.count == 0).then(|| watched.swap_remove(at))
    });
    if let Some(entry) = emptied {
        let _ = entry
            .signal
            .remove_event_listener_with_callback("abort", &entry.listener);
    }
}

/// A [`Settled`] callback: `(slot index, slot key, value or reason)`.
type OnSettled = Closure<dyn FnMut(f64, f64, JsValue)>;

/// One awaited promise's outcome (or a [`Stopper`]'s firing) and the task waiting for it.
struct Slot {
    /// Whose slot it is ([`Settled::key`]); 0 when free.
    key: f64,
    /// The first outcome delivered (later ones are ignored).
    outcome: Option<Result<JsValue, JsValue>>,
    waker: Option<Waker>,
    /// The key of the [`Watched`] signal a stopper here waits on (0: none).
    watch: f64,
}

/// The slots of the promises being awaited and of the live stoppers, and the free ones.
struct Slots {
    slots: Vec<Slot>,
    free: Vec<usize>,
    /// The key of the next slot taken (keys are never reused, so a callback of a dropped
    /// [`Settled`] or [`Stopper`] never lands in the slot of a later one).
    next_key: f64,
}

/// Takes a free slot: its index and key. Never borrowed across a call into JS, so the
/// borrow cannot fail; if it did, a key no slot has makes every wait on it fail at once.
fn take_slot() -> (usize, f64) {
    SLOTS.with(|slots| {
        let Ok(mut slots) = slots.try_borrow_mut() else {
            return (usize::MAX, -1.0);
        };
        let key = slots.next_key;
        slots.next_key += 1.0;
        let slot = Slot {
            key,
            outcome: None,
            waker: None,
            watch: 0.0,
        };
        let index = match slots.free.pop() {
            Some(index) => {
                if let Some(free) = slots.slots.get_mut(index) {
                    *free = slot;
                }
                index
            }
            None => {
                slots.slots.push(slot);
                slots.slots.len() - 1
            }
        };
        (index, key)
    })
}

/// Runs `act` on slot `index` while it still belongs to `key` (`None` otherwise).
fn with_slot<R>(index: usize, key: f64, act: impl FnOnce(&mut Slot) -> R) -> Option<R> {
    SLOTS.with(|slots| {
        let mut slots = slots.try_borrow_mut().ok()?;
        slots
            .slots
            .get_mut(index)
            .filter(|slot| slot.key == key)
            .map(act)
    })
}

/// Frees slot `index` if it still belongs to `key`.
fn free_slot(index: usize, key: f64) {
    SLOTS.with(|slots| {
        if let Ok(mut slots) = slots.try_borrow_mut() {
            let freed = slots.slots.get_mut(index).filter(|slot| slot.key == key);
            if let Some(slot) = freed {
                slot.key = 0.0;
                slot.outcome = None;
                slot.waker = None;
                slot.watch = 0.0;
                slots.free.push(index);
            }
        }
    });
}

/// The shared fulfilled (`fulfilled == true`) or rejected callback, bound to one slot: a
/// plain JS function (`Function.prototype.bind`), no `Closure` of its own.
fn bound(index: usize, key: f64, fulfilled: bool) -> Function {
    ON_SETTLED.with(|(on_fulfilled, on_rejected)| {
        let callback = if fulfilled { on_fulfilled } else { on_rejected };
        let callback: &SettleCallback = callback.as_ref().unchecked_ref();
        callback.bind_slot(&JsValue::UNDEFINED, index as f64, key)
    })
}

/// A promise awaited from Rust, like `wasm_bindgen_futures::JsFuture`, but without two
/// `Closure`s per await: `JsFuture` makes a resolve and a reject closure for every promise,
/// and each wasm-bindgen closure is registered with (and later unregistered from) a
/// `FinalizationRegistry` — in Node 20 about 0.5 µs per closure, six per typical call. Here
/// the promise gets two shared callbacks bound to a slot (`Function.prototype.bind`, plain JS
/// objects), which leave the outcome there and wake the task.
struct Settled {
    index: usize,
    key: f64,
}

impl Settled {
    fn new(promise: &Promise) -> Self {
        let (index, key) = take_slot();
        let awaited = promise
            .unchecked_ref::<Awaited>()
            .then_both(&bound(index, key, true), &bound(index, key, false));
        if let Err(thrown) = awaited {
            // Not a promise: awaited as one that rejected with what `then` threw.
            settle(index as f64, key, Err(thrown));
        }
        Self { index, key }
    }
}

/// A settle callback: the outcome goes to slot `index` if it still belongs to `key` and has
/// none yet (a stopper's timer and its caller's signal may both fire: the first counts).
fn settle(index: f64, key: f64, outcome: Result<JsValue, JsValue>) {
    let waker = with_slot(index as usize, key, |slot| {
        if slot.outcome.is_none() {
            slot.outcome = Some(outcome);
        }
        slot.waker.take()
    })
    .flatten();
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl Future for Settled {
    type Output = Result<JsValue, JsValue>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let polled = with_slot(self.index, self.key, |slot| match slot.outcome.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        });
        // No slot: only a `Settled` whose slot could not be taken (see `take_slot`): a
        // failure rather than a wait that never ends.
        polled.unwrap_or(Poll::Ready(Err(JsValue::NULL)))
    }
}

impl Drop for Settled {
    fn drop(&mut self) {
        free_slot(self.index, self.key);
    }
}

/// A complete answer.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, or `None` when it was larger than [`MAX_BODY_BYTES`].
    pub body: Option<Vec<u8>>,
    /// The response's headers, read only when needed (most answers need none).
    headers: Headers,
}

impl Answer {
    /// The `Retry-After` header, when sent (and, cross-origin, exposed by CORS); read only
    /// for an answer that is retried.
    pub fn retry_after(&self) -> Option<String> {
        self.headers.get("retry-after")
    }
}

/// Why a [`Stopper`] fired.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stop {
    /// Not fired.
    Running,
    /// Its timer ran out.
    Deadline,
    /// The caller's signal fired.
    Caller,
}

/// A timer and an optional signal, whichever fires first, recorded in a slot of its own
/// (as [`Settled`] records a promise's outcome): the timer calls the shared fulfilled
/// callback bound to the slot, the signal's `abort` listener the rejected one, so the slot
/// says which fired. No promise, no `Closure`; every wait of a call ([`Race`]) watches the
/// call's stopper, so a firing wakes the wait it ends. The timer is cleared and the listener
/// removed when it is dropped.
pub struct Stopper {
    index: usize,
    key: f64,
    /// When the timer is due (`Date.now()` milliseconds; infinite without a timer), for a
    /// wait that never lets the timer run ([`Attempt::overdue`]).
    due: f64,
    timer: Option<JsValue>,
    /// The key of the caller's signal it waits on ([`watch_signal`]), if any.
    caller: Option<f64>,
}

impl Stopper {
    /// Starts the timer (when `timeout_ms` is set) and listens to `signal` (when given).
    pub fn new(timeout_ms: Option<f64>, signal: Option<&AbortSignal>) -> Self {
        let (index, key) = take_slot();
        let due = timeout_ms.map_or(f64::INFINITY, |ms| Date::now() + ms);
        let timer = timeout_ms.map(|ms| set_timeout(&bound(index, key, true), ms));
        let caller = signal.map(|signal| watch_signal(signal, index, key));
        Self {
            index,
            key,
            due,
            timer,
            caller,
        }
    }

    /// Its due instant, if it passed by `now` while it had not fired.
    fn overdue_at(&self, now: f64) -> Option<f64> {
        (self.due <= now && self.state() == Stop::Running).then_some(self.due)
    }

    /// Fires it as its timer does (a caller's signal that fired first still counts).
    fn lapse(&self) {
        settle(self.index as f64, self.key, Ok(JsValue::UNDEFINED));
    }

    /// Why it fired, if it did.
    pub fn state(&self) -> Stop {
        let fired = with_slot(self.index, self.key, |slot| {
            slot.outcome.as_ref().map(Result::is_ok)
        });
        match fired.flatten() {
            None => Stop::Running,
            Some(true) => Stop::Deadline,
            Some(false) => Stop::Caller,
        }
    }

    /// Wakes `waker` when it fires.
    fn watch(&self, waker: &Waker) {
        with_slot(self.index, self.key, |slot| {
            slot.waker = Some(waker.clone())
        });
    }

    /// Waits `ms`, unless `call` fires first (then `Err` with why).
    pub async fn sleep(ms: f64, call: &Stopper) -> Result<(), Stop> {
        let timer = Stopper::new(Some(ms), None);
        let _ = Race {
            promise: None,
            stoppers: [Some(call), Some(&timer)],
        }
        .await;
        match call.state() {
            Stop::Running => Ok(()),
            why => Err(why),
        }
    }
}

impl Drop for Stopper {
    fn drop(&mut self) {
        if let Some(timer) = &self.timer {
            clear_timeout(timer);
        }
        if let Some(watch_key) = self.caller {
            unwatch_signal(watch_key);
        }
        free_slot(self.index, self.key);
    }
}

/// Awaits a promise (when given) or the first of `stoppers` to fire: the promise's outcome,
/// or `Err(null)` when a stopper fired first (its state says why). When both happened since
/// the last poll, the promise's outcome wins (as `Promise.race([promise, ...])` would with
/// every contender already settled), which is why the body read also asks
/// [`Attempt::overdue`].
struct Race<'s> {
    promise: Option<Settled>,
    stoppers: [Option<&'s Stopper>; 2],
}

impl Future for Race<'_> {
    type Output = Result<JsValue, JsValue>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(promise) = self.promise.as_mut() {
            if let Poll::Ready(outcome) = Pin::new(promise).poll(cx) {
                return Poll::Ready(outcome);
            }
        }
        for stopper in self.stoppers.iter().flatten() {
            if stopper.state() != Stop::Running {
                return Poll::Ready(Err(JsValue::NULL));
            }
            stopper.watch(cx.waker());
        }
        Poll::Pending
    }
}

/// One request: its own abort controller and optional deadline, inside the call's stopper.
struct Attempt<'c> {
    call: &'c Stopper,
    /// The per-request deadline, when `attemptTimeoutMs` is set (none: nothing to race).
    own: Option<Stopper>,
    controller: AbortController,
    /// Whether the request goes over TLS (for the core's reading of a failure).
    over_tls: bool,
}

impl Attempt<'_> {
    /// Awaits `promise`, or whichever stopper fires first; on failure the request is aborted.
    async fn race(
        &self,
        promise: &JsValue,
        status: Option<u16>,
        what: &str,
    ) -> Result<JsValue, ErrorReport> {
        let race = Race {
            promise: Some(Settled::new(promise.unchecked_ref())),
            stoppers: [Some(self.call), self.own.as_ref()],
        };
        race.await.map_err(|error| {
            self.controller.abort();
            self.failure(status, &error, what)
        })
    }

    /// Whether a stopper of this attempt fired or is past its due instant: then the wait must
    /// end, even if every promise it awaits settles at once (a timer, a macrotask, never runs
    /// while they do). The stopper first due is fired as its timer would have been (the
    /// call's on a tie, as its timer was set first), so [`Attempt::failure`] tells the same.
    fn overdue(&self) -> bool {
        let now = Date::now();
        let call = self.call.overdue_at(now);
        let own = self.own.as_ref().filter(|own| {
            own.overdue_at(now)
                .is_some_and(|due| call.is_none_or(|call| due < call))
        });
        match own {
            Some(own) => own.lapse(),
            None if call.is_some() => self.call.lapse(),
            None => {}
        }
        self.call.state() != Stop::Running
            || self
                .own
                .as_ref()
                .is_some_and(|own| own.state() != Stop::Running)
    }

    /// The failure of this attempt: a stopper that fired says where the attempt was (no status
    /// yet: waiting for the answer; with one: reading its body); otherwise `what` failed.
    fn failure(&self, status: Option<u16>, error: &JsValue, what: &str) -> ErrorReport {
        let own = self.own.as_ref().map_or(Stop::Running, Stopper::state);
        let stage = if status.is_none() {
            "waiting for the platform's answer"
        } else {
            "reading the answer's body"
        };
        match (self.call.state(), own) {
            (Stop::Deadline, _) => ErrorReport::simple(
                ErrorKind::Timeout,
                status,
                &format!("no complete answer within timeoutMs ({stage})"),
            ),
            (Stop::Caller, _) => ErrorReport::simple(
                ErrorKind::Aborted,
                status,
                &format!("the caller's signal fired ({stage})"),
            ),
            (_, Stop::Deadline) => ErrorReport::simple(
                ErrorKind::Timeout,
                status,
                &format!("no complete answer within attemptTimeoutMs ({stage})"),
            ),
            _ => {
                let (codes, socket_bytes_read) = error_codes(error);
                let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
                let failure = Failure {
                    codes: &codes,
                    socket_bytes_read,
                    over_tls: self.over_tls,
                };
                network_failure(status, what, &describe_js_error(error), &failure)
            }
        }
    }
}

/// Sends one request and reads the whole answer, within the call's stopper and the
/// attempt's own deadline.
pub async fn fetch_answer(request: &WireRequest, call: &Stopper) -> Result<Answer, ErrorReport> {
    let controller = AbortController::new().map_err(|_| {
        ErrorReport::simple(
            ErrorKind::Network,
            None,
            "AbortController is not available in this runtime",
        )
    })?;
    let attempt = Attempt {
        call,
        own: request
            .policy
            .attempt_timeout_ms
            .map(|ms| Stopper::new(Some(ms), None)),
        controller,
        over_tls: request.url.starts_with("https:"),
    };
    let signal = attempt.controller.signal();
    let raw_request = build_request(request, &signal).map_err(|error| {
        ErrorReport::simple(ErrorKind::Network, None, "the request could not be built")
            .with_outside(&error.to_string())
    })?;
    let pending =
        global_fetch(&raw_request).map_err(|e| attempt.failure(None, &e, "fetch threw"))?;
    let sent = attempt.race(&pending, None, "the request failed").await?;
    let Some(response) = genuine_response(sent) else {
        return Err(ErrorReport::simple(
            ErrorKind::Network,
            None,
            "fetch resolved to something that is not a Response",
        ));
    };
    let response = gloo_net::http::Response::from(response);
    let status = response.status();
    // Status 0 is no answer at all: `Response.error()` (a network error a caller's `fetch`
    // or a service worker gives) or an opaque response. Not an HTTP status to report.
    if status == 0 {
        return Err(ErrorReport::simple(
            ErrorKind::Network,
            None,
            "fetch gave a network-error response (status 0), not an answer",
        ));
    }
    let headers = response.headers();
    let body = match response.body() {
        None => Some(Vec::new()),
        Some(stream) => {
            let reader = call_method(&stream, "getReader")
                .ok()
                .filter(|reader| reader.is_object())
                .ok_or_else(|| {
                    ErrorReport::simple(
                        ErrorKind::Network,
                        Some(status),
                        "the response body could not be read",
                    )
                })?;
            let length = enforced_length(&response, &headers);
            read_capped(&attempt, reader, status, length).await?
        }
    };
    Ok(Answer {
        status,
        body,
        headers,
    })
}

/// Builds the one `Request` of an attempt with gloo-net's `RequestBuilder`. Its header
/// setter throws on a value the Fetch API refuses: the core has refused those already
/// (`core::request`), and the names are the crate's own constants.
fn build_request(
    request: &WireRequest,
    signal: &AbortSignal,
) -> Result<web_sys::Request, gloo_net::Error> {
    let method = if request.method == "POST" {
        Method::POST
    } else {
        Method::GET
    };
    // A fresh `Headers` per request, made by the builder at the first header and dropped
    // with the request (which copies it): nothing outlives the call holding the access token
    // or the app key. Keeping the last call's `Headers` for the next one saved about 3 µs
    // per call in memory (BENCHMARKS.md section 7, run N) but kept both secrets in memory.
    let builder = request.headers.iter().fold(
        RequestBuilder::new(&request.url).method(method),
        |builder, (key, value)| builder.header(key, value),
    );
    let builder = builder.abort_signal(Some(signal));
    let built = match &request.body {
        Some(body) => builder.body(body.as_str())?,
        None => builder.build()?,
    };
    Ok(built.into())
}

/// `value` as a `Response` gloo-net may read without anything throwing: not a Proxy where the
/// runtime can tell ([`known_proxy`]), an instance whose prototype is exactly
/// `Response.prototype` (no subclass or Proxy overriding a getter), with no own property
/// shadowing `status`, `headers` or `body`, that passes the runtime's own brand check. A test
/// double (`{ status: 200, body: null }`), `null`, a Proxy: `None`.
fn genuine_response(value: JsValue) -> Option<web_sys::Response> {
    // First, so that no trap of a Proxy runs in these checks (resolving the fetch promise has
    // read its `then` already).
    if known_proxy(&value) {
        return None;
    }
    let expected = RESPONSE_PROTOTYPE.with(|cached| {
        cached
            .get_or_init(|| {
                RESPONSE.with(|constructor| Reflect::get(constructor, &name("prototype")).ok())
            })
            .clone()
    })?;
    // Throws, caught, for `null`, `undefined` and a revoked Proxy.
    let prototype = Reflect::get_prototype_of(&value).ok()?;
    if !Object::is(&prototype, &expected) {
        return None;
    }
    for key in ["status", "headers", "body"] {
        let own = Reflect::get_own_property_descriptor(value.unchecked_ref::<Object>(), &name(key))
            .ok()?;
        if !own.is_undefined() {
            return None;
        }
    }
    value
        .unchecked_ref::<BrandedResponse>()
        .branded_status()
        .ok()?;
    Some(value.unchecked_into())
}

/// Whether the runtime says `value` is a Proxy. Node's `Response` brand check is
/// `instanceof`-like (undici), so a Proxy around a real `Response` passes every other check
/// of [`genuine_response`] while its traps forward, and a trap that throws on a later read
/// would throw out of gloo-net's own reads, which catch nothing. Browsers need no check and
/// have none: their brand check looks at the object's internal slots, which a Proxy does not
/// have, so it refuses any Proxy. Only a `true` answer counts: where the check is missing,
/// throws or answers something else, the other checks decide. The Node entries make sure it
/// is there on every Node ([`use_proxy_check`]).
fn known_proxy(value: &JsValue) -> bool {
    // The check is taken out of the cell before it runs: no borrow is held while JS runs.
    let known = IS_PROXY.with(|cell| cell.try_borrow().ok().and_then(|slot| slot.clone()));
    let check = known.unwrap_or_else(|| {
        let found = proxy_check();
        IS_PROXY.with(|cell| {
            if let Ok(mut slot) = cell.try_borrow_mut() {
                slot.get_or_insert_with(|| found.clone());
            }
        });
        found
    });
    check.is_some_and(|is_proxy| {
        is_proxy
            .call1(&JsValue::UNDEFINED, value)
            .is_ok_and(|answer| answer.as_bool() == Some(true))
    })
}

/// Takes `is_proxy` (Node's `util.types.isProxy`) as the check [`known_proxy`] asks, in place
/// of any earlier one or of the module's own lookup, where it is a function. The Node entries
/// hand it in right after instantiating, from `process.getBuiltinModule("node:util")` or,
/// where that gives none (Node before 20.16 and 22.3), from an import of `node:util`.
pub fn use_proxy_check(is_proxy: JsValue) {
    if let Ok(is_proxy) = is_proxy.dyn_into::<Function>() {
        IS_PROXY.with(|cell| {
            if let Ok(mut slot) = cell.try_borrow_mut() {
                *slot = Some(Some(is_proxy));
            }
        });
    }
}

/// `globalThis.process.getBuiltinModule("node:util").types.isProxy`, reached without an
/// import (the glue is one module for every runtime), in Node 20.16+ and 22.3+ and any runtime
/// whose `process` offers `getBuiltinModule`; the check unless one was handed in. Every step
/// reads ([`property`]) or calls through a catching binding, so a page's own `process` global
/// (a polyfill, a throwing getter) means `None`, not an exception.
fn proxy_check() -> Option<Function> {
    let process = property(&js_sys::global(), "process");
    let get_builtin_module = property(&process, "getBuiltinModule")
        .dyn_into::<Function>()
        .ok()?;
    let util = get_builtin_module
        .call1(&process, &JsValue::from_str("node:util"))
        .ok()?;
    property(&property(&util, "types"), "isProxy")
        .dyn_into::<Function>()
        .ok()
}

/// Calls `target[name]()`, catching whatever it throws.
fn call_method(target: &JsValue, name: &'static str) -> Result<JsValue, JsValue> {
    property(target, name).dyn_into::<Function>()?.call0(target)
}

/// The body's length when the runtime itself holds the body to it: a response of the
/// runtime's own network fetch (`basic`: not one a caller's `fetch` made up, whose headers
/// may say anything, nor a cross-origin one, which may hide `Content-Encoding`), not
/// compressed, with a `Content-Length` (the runtime fails a body that does not match it).
fn enforced_length(response: &gloo_net::http::Response, headers: &Headers) -> Option<usize> {
    if response.type_() != web_sys::ResponseType::Basic {
        return None;
    }
    if headers
        .get("content-encoding")
        .is_some_and(|coding| !coding.trim().eq_ignore_ascii_case("identity"))
    {
        return None;
    }
    headers.get("content-length")?.trim().parse().ok()
}

/// Reads a body stream chunk by chunk, stopping (and cancelling the stream) past the cap.
/// With a `length` the runtime enforces ([`enforced_length`]), the read ends when that many
/// bytes came: the stream's closing `done` arrives only a turn of the event loop later (in
/// Node about 30 µs per call over loopback), and the body is complete without it. Every
/// [`CLOCK_EVERY_CHUNKS`] chunks it asks [`Attempt::overdue`], and ends as the deadline's
/// timer would have: a stream whose chunks are always ready never lets that timer run.
async fn read_capped(
    attempt: &Attempt<'_>,
    reader: JsValue,
    status: u16,
    length: Option<usize>,
) -> Result<Option<Vec<u8>>, ErrorReport> {
    let length = length.filter(|&length| length <= MAX_BODY_BYTES);
    if length == Some(0) {
        return Ok(Some(Vec::new()));
    }
    let mut body = Vec::with_capacity(length.unwrap_or(0));
    let mut chunks: u32 = 0;
    loop {
        let what = "the connection failed while reading the body";
        let next =
            call_method(&reader, "read").map_err(|e| attempt.failure(Some(status), &e, what))?;
        let chunk = attempt.race(&next, Some(status), what).await?;
        if property(&chunk, "done").as_bool().unwrap_or(true) {
            return Ok(Some(body));
        }
        let bytes = property(&chunk, "value");
        // Its length read through `Reflect.get` and the copy through a catching binding: a
        // Proxy of a Uint8Array passes `instanceof`, and its traps, or an own `length` getter
        // of the chunk, could otherwise throw through the module (js-sys's `length()` and
        // `copy_to` catch nothing, and `copy_to` panics when the two lengths differ).
        let count = property(&bytes, "length").as_f64();
        let (Some(count), true) = (count, bytes.is_instance_of::<Uint8Array>()) else {
            return Err(ErrorReport::simple(
                ErrorKind::Network,
                Some(status),
                "the body stream produced something other than bytes",
            ));
        };
        let bytes: Uint8Array = bytes.unchecked_into();
        let size = count as usize;
        if size > MAX_BODY_BYTES.saturating_sub(body.len()) {
            let _ = call_method(&reader, "cancel");
            attempt.controller.abort();
            return Ok(None);
        }
        // An empty chunk has nothing to copy (nor has a detached buffer, whose length reads
        // 0: copying from it would throw).
        if size > 0 {
            let start = body.len();
            body.resize(start + size, 0);
            let copied = body
                .get_mut(start..)
                .map(|target| copy_chunk(target, &bytes));
            if !matches!(copied, Some(Ok(()))) {
                return Err(ErrorReport::simple(
                    ErrorKind::Network,
                    Some(status),
                    "the body stream produced something other than bytes",
                ));
            }
        }
        if length == Some(body.len()) {
            return Ok(Some(body));
        }
        chunks = chunks.wrapping_add(1);
        if chunks % CLOCK_EVERY_CHUNKS == 0 && attempt.overdue() {
            attempt.controller.abort();
            return Err(attempt.failure(Some(status), &JsValue::NULL, what));
        }
    }
}

/// How many chunks the body read takes between two looks at the clock: a body of fewer
/// chunks (nearly every answer) never pays for one, and a stream of always-ready chunks ends
/// within 16 chunks of its deadline.
const CLOCK_EVERY_CHUNKS: u32 = 16;

/// The error codes along a JS error's `cause` chain (outermost first; "" where none), and the
/// bytes its socket had read, when the runtime says (undici's `UND_ERR_SOCKET` carries
/// `socket.bytesRead`). The core decides what they mean.
fn error_codes(error: &JsValue) -> (Vec<String>, Option<f64>) {
    let mut codes = Vec::new();
    let mut bytes_read = None;
    let mut current = error.clone();
    for _ in 0..4 {
        if !current.is_object() {
            break;
        }
        codes.push(property(&current, "code").as_string().unwrap_or_default());
        bytes_read =
            bytes_read.or_else(|| property(&property(&current, "socket"), "bytesRead").as_f64());
        current = property(&current, "cause");
    }
    (codes, bytes_read)
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
