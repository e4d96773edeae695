//! The `wasm-bindgen` edge: the exported functions, kept thin. Every rule lives in
//! [`crate::core`]; this layer reads the options (`serde-wasm-bindgen`, behind a guard),
//! runs the timers and the fetch (gloo-net), and converts back (`serde-wasm-bindgen`'s
//! JSON-compatible serializer: plain objects and `null`; a task, a subtask or a list page as
//! its `serde_json` text read by one `JSON.parse`). The package's JS
//! (`pkg-template/api.js`) wraps these exports.

mod convert;
mod fetch;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use js_sys::{Date, Math, Promise};
use wasm_bindgen::prelude::*;

use crate::core::limiter::{Limiter, RateLimit, Ticket, Turn};
use crate::core::lists::{
    build_sub_task_request, build_task_list_request, interpret_sub_task_page, interpret_task_page,
    RawListArguments,
};
use crate::core::login::interpret_login;
use crate::core::retry::{next_poll_delay as poll_delay, parse_retry_after};
use crate::core::{
    build_login, build_request, interpret, ErrorKind, ErrorReport, Problem, WireRequest,
};
use fetch::{fetch_answer, Answer, Stop, Stopper};

thread_local! {
    /// One rate limiter per (base URL, app key), shared by every call in this instance (a few
    /// entries at most: a list keeps hashing code out of the wasm).
    static LIMITERS: RefCell<Vec<(String, Limiter)>> = const { RefCell::new(Vec::new()) };
    /// The scheme and authority of the last URL this runtime's parser accepted
    /// ([`runtime_accepts`]).
    static LAST_ACCEPTED_ORIGIN: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Queries one upgrade task, with retries, deadlines and the optional rate limit. Resolves to
/// the normalised task as a plain object, or rejects with a plain error record that the
/// package's JS turns into an `UpgradeTaskError`.
#[wasm_bindgen(js_name = queryUpgradeTask)]
pub fn query_upgrade_task(
    operation_id: JsValue,
    access_token: JsValue,
    options: JsValue,
) -> Promise {
    promise(Box::pin(async move {
        let args = convert::read_arguments(&operation_id, &access_token, &options);
        let secrets = convert::secrets(&[&args.raw.access_token, &args.raw.app_key]);
        let request = checked(build_request(&args.raw), args.problems);
        execute(request, args.signal.as_ref(), &secrets, &mut |answer| {
            interpret(answer.status, answer.body.as_deref()).map(convert::to_plain)
        })
        .await
    }))
}

/// Queries one page of the task list (`GET …/operations?…`): filters and paging checked
/// first; resolves to `{ tasks, invalid, pageNo, pageSize, totalCount }`.
#[wasm_bindgen(js_name = queryUpgradeTaskList)]
pub fn query_upgrade_task_list(access_token: JsValue, options: JsValue) -> Promise {
    promise(Box::pin(async move {
        let args = convert::read_list_arguments(None, &access_token, &options);
        list_page(args, false).await
    }))
}

/// Queries one page of a task's subtasks (`GET …/operations/{id}/subOperations?…`); resolves
/// to `{ subTasks, invalid, pageNo, pageSize, totalCount }`.
#[wasm_bindgen(js_name = queryUpgradeSubTasks)]
pub fn query_upgrade_sub_tasks(
    operation_id: JsValue,
    access_token: JsValue,
    options: JsValue,
) -> Promise {
    promise(Box::pin(async move {
        let args = convert::read_list_arguments(Some(&operation_id), &access_token, &options);
        list_page(args, true).await
    }))
}

/// One page of a list (the subtasks when `sub_tasks`): checked, sent, read; its invalid items
/// redacted as an error would be. One function for both lists, not a generic one: the call
/// machinery ([`run`]) is then compiled once for both (−13 KB of wasm before wasm-opt).
async fn list_page(
    args: convert::JsArguments<RawListArguments>,
    sub_tasks: bool,
) -> Result<JsValue, JsValue> {
    let secrets = convert::secrets(&[&args.raw.common.access_token, &args.raw.common.app_key]);
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let built = if sub_tasks {
        build_sub_task_request(&args.raw)
    } else {
        build_task_list_request(&args.raw)
    };
    // Unused when the check failed (nothing is sent then).
    let paging = built.as_ref().map(|list| list.paging).unwrap_or_default();
    let request = checked(built.map(|list| list.request), args.problems);
    execute(request, args.signal.as_ref(), &secrets, &mut |answer| {
        let body = answer.body.as_deref();
        Ok(if sub_tasks {
            convert::to_plain(
                interpret_sub_task_page(answer.status, body, paging)?.scrub(&secret_refs),
            )
        } else {
            convert::to_plain(interpret_task_page(answer.status, body, paging)?.scrub(&secret_refs))
        })
    })
    .await
}

/// Logs in (`POST /iocm/app/sec/v1.1.0/login`) and resolves to
/// `{ accessToken, refreshToken, expiresAt }` (epoch milliseconds).
#[wasm_bindgen(js_name = login)]
pub fn login(options: JsValue) -> Promise {
    promise(Box::pin(session(options, false)))
}

/// Refreshes a token (`POST /iocm/app/sec/v1.1.0/refreshToken`); same answer as [`login`].
#[wasm_bindgen(js_name = refreshToken)]
pub fn refresh_token(options: JsValue) -> Promise {
    promise(Box::pin(session(options, true)))
}

/// The waiter's next polling delay (the schedule lives in the core).
#[wasm_bindgen(js_name = nextPollDelay)]
pub fn next_poll_delay(current_ms: f64, changed: bool, min_ms: f64, max_ms: f64) -> f64 {
    poll_delay(current_ms, changed, min_ms, max_ms)
}

/// Checks `waitForUpgradeTask`'s own options; resolves to `{minDelayMs, maxDelayMs,
/// maxWaitMs}` or throws an `invalid_argument` error record.
#[wasm_bindgen(js_name = waitPolicy)]
pub fn wait_policy(options: JsValue) -> Result<JsValue, JsValue> {
    convert::settle(
        convert::read_wait_policy(&options).map_err(invalid_argument),
        &[],
    )
}

/// Hands the module Node's `util.types.isProxy`, so that a `fetch` resolving to a Proxy around
/// a `Response` is refused on every Node (pkg-template/node.js; not part of the package's API).
#[wasm_bindgen(js_name = useProxyCheck)]
pub fn use_proxy_check(is_proxy: JsValue) {
    fetch::use_proxy_check(is_proxy);
}

/// An error record of `kind` for failures the package's JS detects itself (the waiter's
/// `maxWaitMs`, a failing `getAccessToken`): `detail` in the package's words, `outside` the
/// text that came with it (an exception's message), with the secrets redacted from that.
#[wasm_bindgen(js_name = errorRecord)]
pub fn error_record(
    kind: &str,
    detail: &str,
    outside: Option<String>,
    attempts: u32,
    secrets: Vec<String>,
) -> JsValue {
    let kind = ErrorKind::from_name(kind).unwrap_or(ErrorKind::Network);
    let mut report = ErrorReport::simple(kind, None, detail);
    if let Some(text) = outside {
        report = report.with_outside(&text);
    }
    report.attempts = attempts;
    match convert::settle::<()>(Err(report), &secrets) {
        Ok(value) | Err(value) => value,
    }
}

async fn session(options: JsValue, refresh: bool) -> Result<JsValue, JsValue> {
    let args = convert::read_login(&options, refresh);
    let mut secret_args = vec![&args.raw.common.app_key, &args.raw.secret];
    secret_args.extend(args.raw.refresh_token.as_ref());
    let secrets = convert::secrets(&secret_args);
    let request = checked(build_login(&args.raw), args.problems);
    execute(request, args.signal.as_ref(), &secrets, &mut |answer| {
        interpret_login(answer.status, answer.body.as_deref(), Date::now()).map(convert::to_plain)
    })
    .await
}

/// A call's future, boxed, as the promise an export returns: one copy of
/// `future_to_promise` for every async export (an `async fn` export instantiates it once
/// each). As with an `async fn` export, nothing of the call runs before the future is first
/// polled (a microtask later).
#[inline(never)]
fn promise(call: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>) -> Promise {
    wasm_bindgen_futures::future_to_promise(call)
}

/// Runs a checked call (or reports why it could not start) and settles it for JS, with the
/// call's secrets scrubbed from any error. Not generic: `read` interprets an answer and
/// converts what it read at once ([`convert::to_plain`]), so one copy of the call machinery
/// and of the error path serves every kind of call.
async fn execute(
    request: Result<WireRequest, ErrorReport>,
    signal: Option<&web_sys::AbortSignal>,
    secrets: &[String],
    read: &mut Read<'_>,
) -> Result<JsValue, JsValue> {
    let outcome = match request {
        Ok(request) => run(&request, signal, read).await,
        Err(report) => Err(report),
    };
    convert::settle_plain(outcome, secrets)
}

/// What a call does with an answer: its value converted for JS (`Err` inside when the
/// conversion failed), or the report of why the answer was refused.
type Read<'a> = dyn FnMut(&Answer) -> Result<Result<JsValue, JsValue>, ErrorReport> + 'a;

/// Merges the core's argument check with the problems only the JS side could see.
fn checked(
    request: Result<WireRequest, Vec<Problem>>,
    js_problems: Vec<Problem>,
) -> Result<WireRequest, ErrorReport> {
    match (request, js_problems.is_empty()) {
        // The core's rules are strict; the runtime's own URL parser has the last word (it
        // knows IDNA, which the core does not carry).
        (Ok(request), true) if !runtime_accepts(&request.url) => {
            Err(invalid_argument(vec![Problem::new(
                "options.baseUrl",
                "is not a URL this runtime's fetch accepts",
            )]))
        }
        (Ok(request), true) => Ok(request),
        (Ok(_), false) => Err(invalid_argument(js_problems)),
        (Err(mut problems), _) => {
            problems.extend(js_problems);
            Err(invalid_argument(problems))
        }
    }
}

/// Whether this runtime's URL parser accepts `url`. The core writes every path segment and
/// query value percent-encoded, and a URL parser refuses nothing in a path or query: only the
/// scheme and authority can fail (IDNA, ports). Once those of a URL were accepted, the URLs
/// of later calls that start with them are not parsed again (one `URL` and one copied string
/// less per call).
fn runtime_accepts(url: &str) -> bool {
    let origin = url.find("://").and_then(|scheme_end| {
        let rest = url.get(scheme_end + 3..)?;
        let authority = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
        url.get(..scheme_end + 3 + authority)
    });
    let known = |origin: &str| {
        LAST_ACCEPTED_ORIGIN.with(|last| last.try_borrow().is_ok_and(|last| *last == origin))
    };
    if origin.is_some_and(known) {
        return true;
    }
    let accepted = web_sys::Url::new(url).is_ok();
    if let (true, Some(origin)) = (accepted, origin) {
        LAST_ACCEPTED_ORIGIN.with(|last| {
            if let Ok(mut last) = last.try_borrow_mut() {
                origin.clone_into(&mut last);
            }
        });
    }
    accepted
}

fn invalid_argument(problems: Vec<Problem>) -> ErrorReport {
    ErrorReport::new(ErrorKind::InvalidArgument, None, None, None, None, problems)
}

/// Runs a call: waits for the rate limiter, sends, interprets, and retries retryable
/// failures with backoff, all within the whole-call deadline and the caller's signal.
async fn run(
    request: &WireRequest,
    signal: Option<&web_sys::AbortSignal>,
    read: &mut Read<'_>,
) -> Result<Result<JsValue, JsValue>, ErrorReport> {
    if signal.is_some_and(|s| convert::property(s, "aborted").as_bool() == Some(true)) {
        return Err(ErrorReport::simple(
            ErrorKind::Aborted,
            None,
            "the caller's signal was already aborted; nothing was sent",
        ));
    }
    let deadline_at = Date::now() + request.timeout_ms;
    let call = Stopper::new(Some(request.timeout_ms), signal);
    let policy = request.policy;
    let mut attempts: u32 = 0;
    loop {
        let ticket = match policy.rate_limit {
            Some(limit) => Some(
                wait_for_turn(&request.limiter_key, limit, &call)
                    .await
                    .map_err(|why| stopped(why, attempts))?,
            ),
            None => None,
        };
        attempts = attempts.saturating_add(1);
        let fetched = fetch_answer(request, &call).await;
        if let Some(ticket) = ticket {
            // The send's window starts when its answer came back (see core::limiter).
            with_limiter(&request.limiter_key, None, &mut |limiter| {
                limiter.finish(ticket, Date::now());
                Turn::Go
            });
        }
        let (mut report, retry_after) = match fetched {
            Ok(answer) => match read(&answer) {
                Ok(converted) => return Ok(converted),
                Err(report) => (report, answer.retry_after()),
            },
            Err(report) => (report, None),
        };
        report.attempts = attempts;
        if !report.retryable
            || attempts >= policy.retry.max_attempts
            || call.state() != Stop::Running
        {
            return Err(report);
        }
        let retry_after_ms = retry_after.and_then(|value| parse_retry_after(&value, Date::now()));
        let delay = policy
            .retry
            .delay_ms(attempts, Math::random(), retry_after_ms);
        if Date::now() + delay >= deadline_at {
            // The wait would outlast timeoutMs: the last failure is the most useful answer.
            return Err(report);
        }
        Stopper::sleep(delay, &call)
            .await
            .map_err(|why| stopped(why, attempts))?;
    }
}

/// Runs `act` on the shared limiter of `key` (created, or given `limit`, when one is passed).
fn with_limiter(
    key: &str,
    limit: Option<RateLimit>,
    act: &mut dyn FnMut(&mut Limiter) -> Turn,
) -> Turn {
    LIMITERS.with(|all| match all.try_borrow_mut() {
        Ok(mut all) => {
            if let Some(limit) = limit.filter(|_| !all.iter().any(|(k, _)| k == key)) {
                all.push((key.to_owned(), Limiter::new(limit)));
            }
            match all.iter_mut().find(|(k, _)| k == key) {
                Some((_, limiter)) => {
                    if let Some(limit) = limit {
                        limiter.set_limit(limit);
                    }
                    act(limiter)
                }
                None => Turn::Go,
            }
        }
        // Never borrowed across an await, so this cannot happen; going on is safe.
        Err(_) => Turn::Go,
    })
}

/// Waits in the shared queue of this (base URL, app key) until the rate limit lets the call
/// go; returns the ticket whose send must be finished when its answer comes back.
async fn wait_for_turn(key: &str, limit: RateLimit, call: &Stopper) -> Result<Ticket, Stop> {
    let mut ticket = 0;
    with_limiter(key, Some(limit), &mut |limiter| {
        ticket = limiter.enqueue();
        Turn::Go
    });
    loop {
        match with_limiter(key, Some(limit), &mut |limiter| {
            limiter.poll(ticket, Date::now())
        }) {
            Turn::Go => return Ok(ticket),
            Turn::Wait(ms) => {
                if let Err(why) = Stopper::sleep(ms, call).await {
                    with_limiter(key, None, &mut |limiter| {
                        limiter.cancel(ticket);
                        Turn::Go
                    });
                    return Err(why);
                }
            }
        }
    }
}

/// The report for a call stopped while waiting (between attempts or in the queue).
fn stopped(why: Stop, attempts: u32) -> ErrorReport {
    let mut report = match why {
        Stop::Caller => ErrorReport::simple(
            ErrorKind::Aborted,
            None,
            "the caller's signal fired while waiting to send",
        ),
        _ => ErrorReport::simple(
            ErrorKind::Timeout,
            None,
            "timeoutMs passed while waiting to send or retry",
        ),
    };
    report.attempts = attempts;
    report
}
