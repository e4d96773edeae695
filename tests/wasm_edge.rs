//! The wasm-bindgen edge's conversions, in Node (`wasm-bindgen-test-runner`, run by
//! `make test-wasm`): options read by serde-wasm-bindgen behind the guard (hostile options
//! included), and error records, sessions and tasks handed back as plain JS objects made by
//! serde-wasm-bindgen's JSON-compatible serializer (objects, `null`; never `Map` or
//! `undefined`).
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code asserts freely

use iot_upgrade_task::js::{error_record, login, query_upgrade_task, wait_policy};
use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// Evaluates a JS expression (test code only: the package itself never evaluates text).
fn js(source: &str) -> JsValue {
    Function::new_no_args(&format!("return ({source});"))
        .call0(&JsValue::UNDEFINED)
        .expect("the test's JS runs")
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).expect("readable")
}

/// The value as JSON text (plain objects only: a `Map` would read as `{}`).
fn json(value: &JsValue) -> String {
    String::from(JSON::stringify(value).expect("serialisable"))
}

/// Asserts `value` is a plain object (prototype `Object.prototype`), recursively for objects
/// and arrays, with no `undefined` anywhere.
fn assert_plain(value: &JsValue, path: &str) {
    assert!(!value.is_undefined(), "{path} is undefined");
    if Array::is_array(value) {
        for (index, item) in Array::from(value).iter().enumerate() {
            assert_plain(&item, &format!("{path}[{index}]"));
        }
    } else if value.is_object() {
        let prototype = Object::get_prototype_of(value);
        assert!(
            Object::is(&prototype, &js("Object.prototype")),
            "{path} is not a plain object"
        );
        for key in Object::keys(value.unchecked_ref::<Object>()).iter() {
            let key = key.as_string().unwrap();
            assert_plain(&get(value, &key), &format!("{path}.{key}"));
        }
    }
}

fn problem_paths(record: &JsValue) -> Vec<String> {
    Array::from(&get(record, "problems"))
        .iter()
        .map(|p| get(&p, "path").as_string().unwrap())
        .collect()
}

#[wasm_bindgen_test]
fn wait_options_are_read_into_the_policy() {
    let policy = wait_policy(js("{ minDelayMs: 10, maxDelayMs: 100 }")).unwrap();
    assert_plain(&policy, "policy");
    assert_eq!(
        json(&policy),
        r#"{"minDelayMs":10,"maxDelayMs":100,"maxWaitMs":null}"#
    );
    let defaults = wait_policy(js("{ onProgress: () => {}, onRetry: function () {} }")).unwrap();
    assert_eq!(get(&defaults, "minDelayMs").as_f64(), Some(2000.0));
}

#[wasm_bindgen_test]
fn hostile_wait_options_are_invalid_arguments() {
    for hostile in [
        "{ minDelayMs: 10n }",
        "{ minDelayMs: Symbol('x') }",
        "{ maxWaitMs: '5' }",
        "{ onProgress: 3 }",
        "{ onRetry: 'retry' }",
        "{ get minDelayMs() { throw new Error('getter'); }, maxDelayMs: 'x' }",
    ] {
        let record = wait_policy(js(hostile)).unwrap_err();
        assert_plain(&record, hostile);
        assert_eq!(
            get(&record, "kind").as_string().as_deref(),
            Some("invalid_argument"),
            "{hostile}"
        );
    }
    // Both callbacks are checked, each under its own path.
    let record = wait_policy(js("{ onProgress: {}, onRetry: 1 }")).unwrap_err();
    assert_eq!(
        problem_paths(&record),
        ["options.onProgress", "options.onRetry"]
    );
    // What cannot be read (a throwing trap, a revoked Proxy) reads as absent: the defaults.
    for unreadable in [
        "new Proxy({}, { get() { throw new Error('trap'); }, has() { throw new Error('trap'); } })",
        "(() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })()",
    ] {
        let policy = wait_policy(js(unreadable)).unwrap();
        assert_eq!(
            get(&policy, "maxDelayMs").as_f64(),
            Some(30_000.0),
            "{unreadable}"
        );
    }
}

#[wasm_bindgen_test]
fn an_error_record_is_a_plain_object_with_every_field() {
    let record = error_record(
        "timeout",
        "waited too long",
        Some("the token s3cret expired".into()),
        2,
        vec!["s3cret".into()],
    );
    assert_plain(&record, "record");
    let text = json(&record);
    for key in [
        "\"kind\":\"timeout\"",
        "\"httpStatus\":null",
        "\"errorCode\":null",
        "\"errorDesc\":null",
        "\"retryable\":true",
        "\"problems\":[]",
        "\"attempts\":2",
        "[redacted]",
    ] {
        assert!(text.contains(key), "{key} missing in {text}");
    }
    assert!(!text.contains("s3cret"), "{text}");
    // An unknown kind falls back to network rather than failing.
    let fallback = error_record("no_such_kind", "x", None, 0, Vec::new());
    assert_eq!(
        get(&fallback, "kind").as_string().as_deref(),
        Some("network")
    );
}

/// Runs `query_upgrade_task` and returns what it settled with (its promise never throws).
async fn query(id: JsValue, token: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    query_upgrade_task(id, token, options).await
}

#[wasm_bindgen_test]
async fn hostile_call_options_are_invalid_arguments_and_nothing_is_sent() {
    let fetch_calls = install_fetch("{}");
    let base = "baseUrl: 'https://iot.example.com', appKey: 'app'";
    let cases = [
        "null".to_owned(),
        "42".to_owned(),
        format!("{{ {base}, timeoutMs: 5n }}"),
        format!("{{ {base}, timeoutMs: Symbol('t') }}"),
        format!("{{ {base}, retry: true }}"),
        format!("{{ {base}, retry: [1] }}"),
        format!("{{ {base}, retry: {{ maxAttempts: 'many' }} }}"),
        format!("{{ {base}, retry: (() => {{ const p = Proxy.revocable({{}}, {{}}); p.revoke(); return p.proxy; }})() }}"),
        format!("{{ {base}, rateLimit: {{ calls: 10n }} }}"),
        format!("{{ {base}, signal: {{}} }}"),
        "{ appKey: 'app', get baseUrl() { throw new Error('getter'); } }".to_owned(),
        "{ baseUrl: 'https://iot.example.com', appKey: 'a\\ud800' }".to_owned(),
        "new Proxy({}, { get() { throw new Error('trap'); } })".to_owned(),
    ];
    for case in &cases {
        let record = query(js("'op-1'"), js("'token'"), js(case))
            .await
            .unwrap_err();
        assert_plain(&record, case);
        assert_eq!(
            get(&record, "kind").as_string().as_deref(),
            Some("invalid_argument"),
            "{case}: {}",
            json(&record)
        );
        assert_eq!(get(&record, "attempts").as_f64(), Some(0.0));
    }
    let paths = problem_paths(
        &query(
            js("'op-1'"),
            js("'token'"),
            js(&format!("{{ {base}, timeoutMs: 5n, retry: true }}")),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(paths, ["options.timeoutMs", "options.retry"]);
    assert_eq!(fetch_calls(), 0, "nothing may be sent");
}

#[wasm_bindgen_test]
async fn every_call_option_is_read_once_into_its_own_field() {
    let fetch_calls = install_fetch("{}");
    // Every option the wrong type at once: each must reach the core under its own path (a key
    // read into another field, or not at all, changes the list).
    let options = js(
        "{ read: [], target: { baseUrl: 1, appKey: 2, timeoutMs: 'a', attemptTimeoutMs: 'b', \
         retry: { maxAttempts: 'c', baseDelayMs: 'd', maxDelayMs: 'e' }, \
         rateLimit: { calls: 'f', perMs: 'g' }, unknown: 'h' } }",
    );
    let read = get(&options, "read");
    let proxy = js("(o) => new Proxy(o.target, { get(t, k, r) { o.read.push(String(k)); return Reflect.get(t, k, r); } })")
        .unchecked_into::<Function>()
        .call1(&JsValue::UNDEFINED, &options)
        .unwrap();
    let paths = problem_paths(&query(js("'op-1'"), js("'token'"), proxy).await.unwrap_err());
    for path in [
        "options.baseUrl",
        "options.appKey",
        "options.timeoutMs",
        "options.attemptTimeoutMs",
        "options.retry.maxAttempts",
        "options.retry.baseDelayMs",
        "options.retry.maxDelayMs",
        "options.rateLimit.calls",
        "options.rateLimit.perMs",
    ] {
        assert!(
            paths.iter().any(|p| p == path),
            "{path} missing in {paths:?}"
        );
    }
    assert_eq!(paths.len(), 9, "{paths:?}");
    // The caller's object is read once per documented key (the nested ones inside `retry` and
    // `rateLimit` are not on it), never for a key it lacks that the module does not know.
    let read: Vec<String> = Array::from(&read)
        .iter()
        .map(|k| k.as_string().unwrap())
        .collect();
    for key in [
        "baseUrl",
        "appKey",
        "timeoutMs",
        "attemptTimeoutMs",
        "retry",
        "rateLimit",
        "appId",
        "signal",
    ] {
        assert_eq!(
            read.iter().filter(|k| *k == key).count(),
            1,
            "{key} in {read:?}"
        );
    }
    assert!(!read.iter().any(|k| k == "unknown"), "{read:?}");
    assert_eq!(fetch_calls(), 0, "nothing may be sent");
}

/// Replaces `globalThis.fetch` by one answering 200 with `body`; returns a counter of calls.
fn install_fetch(body: &str) -> impl Fn() -> u32 {
    let counter = js(&format!(
        "(() => {{ const c = {{ n: 0 }}; globalThis.fetch = async () => {{ c.n += 1; return new Response({}, {{ status: 200, headers: {{ 'content-type': 'application/json' }} }}); }}; return c; }})()",
        JSON::stringify(&JsValue::from_str(body)).unwrap()
    ));
    move || get(&counter, "n").as_f64().unwrap() as u32
}

/// A task's JSON text and the task `query_upgrade_task` makes of it, with `device` as its one
/// device id.
async fn task_with_device(device: &str) -> (String, JsValue) {
    let body = r#"{"operationId":"op-1","operateType":"firmwareUpgrade","status":"wait",
        "targets":{"devices":["DEVICE"]},"staResult":{"total":"3","success":1},
        "extendPara":{"fileVersion":"V2","b":[1, 2],"2":null,"__proto__":{"x":1},"b":7,"big":18446744073709551616}}"#
        .replace("DEVICE", device);
    let calls = install_fetch(&body);
    let task = query(
        js("'op-1'"),
        js("'token'"),
        js("{ baseUrl: 'https://iot.example.com', appKey: 'app', retry: false }"),
    )
    .await
    .unwrap();
    assert_eq!(calls(), 1, "one request for one call");
    (body, task)
}

#[wasm_bindgen_test]
async fn a_task_is_a_plain_object_with_extend_para_as_json_parse_reads_it() {
    // Short ids and long ones alike, a task crosses as its serde_json text read by one
    // JSON.parse (src/js/convert.rs, `impl ToJs for UpgradeTask`): seen through JSON.parse,
    // which parses the whole task once (its text has "operationId").
    let long = "d".repeat(1000);
    let mut made = Vec::new();
    for device in ["d1", long.as_str()] {
        js("globalThis.__parsed = [], globalThis.__parse = JSON.parse, \
            JSON.parse = (text, ...rest) => (globalThis.__parsed.push(String(text)), globalThis.__parse(text, ...rest))");
        let (body, task) = task_with_device(device).await;
        let whole = js("JSON.parse = globalThis.__parse, globalThis.__parsed.filter((t) => t.includes('\"operationId\"')).length");
        assert_eq!(
            whole.as_f64(),
            Some(1.0),
            "the task with a device id of {} bytes did not cross as one JSON text",
            device.len()
        );
        assert_plain(&get(&task, "targets"), "targets");
        assert_plain(&get(&task, "staResult"), "staResult");
        let para = get(&task, "extendPara");
        let expected = get(&JSON::parse(&body).unwrap(), "extendPara");
        assert_eq!(json(&para), json(&expected));
        // Own data property, as JSON.parse makes it, not a prototype change.
        assert!(Object::is(
            &Object::get_prototype_of(&para),
            &js("Object.prototype")
        ));
        assert!(Object::is(
            &Object::get_prototype_of(&task),
            &js("Object.prototype")
        ));
        assert_eq!(json(&get(&para, "__proto__")), r#"{"x":1}"#);
        assert_eq!(get(&task, "createTime"), JsValue::NULL);
        assert_eq!(get(&get(&task, "policy"), "retryTimes"), JsValue::NULL);
        assert_eq!(get(&get(&task, "staResult"), "total").as_f64(), Some(3.0));
        made.push(json(&task).replace(device, "DEVICE"));
    }
    assert_eq!(made[0], made[1], "short and long ids make the same task");
}

#[wasm_bindgen_test]
async fn a_session_is_a_plain_object() {
    let calls = install_fetch(r#"{"accessToken":"a1","tokenType":"bearer","expiresIn":60}"#);
    let session = login(js(
        "{ baseUrl: 'https://iot.example.com', appId: 'app', secret: 's', retry: false }",
    ))
    .await
    .unwrap();
    assert_plain(&session, "session");
    assert_eq!(
        get(&session, "accessToken").as_string().as_deref(),
        Some("a1")
    );
    assert_eq!(get(&session, "refreshToken"), JsValue::NULL);
    assert!(get(&session, "expiresAt").as_f64().unwrap() > 60_000.0);
    assert_eq!(calls(), 1, "one login request");
}

#[wasm_bindgen_test]
async fn a_fetch_resolving_to_a_fake_response_is_a_network_error() {
    let options = "{ baseUrl: 'https://iot.example.com', appKey: 'app', retry: false }";
    for fake in [
        // A subclass whose getter throws, an object made from the prototype, a Proxy of a real
        // Response, a real Response with a shadowing own property.
        "class X extends Response { get status() { throw new Error('boom'); } }; globalThis.fetch = async () => new X('{}')",
        "globalThis.fetch = async () => Object.create(Response.prototype)",
        "globalThis.fetch = async () => new Proxy(new Response('{}'), { get() { throw new Error('trap'); } })",
        "globalThis.fetch = async () => Object.defineProperty(new Response('{}'), 'headers', { get() { throw new Error('own'); } })",
        "globalThis.fetch = async () => ({ status: 200, headers: new Headers(), body: null })",
    ] {
        js(&format!("(() => {{ {fake}; }})()"));
        let record = query(js("'op-1'"), js("'token'"), js(options))
            .await
            .unwrap_err();
        assert_plain(&record, fake);
        assert_eq!(
            get(&record, "kind").as_string().as_deref(),
            Some("network"),
            "{fake}: {}",
            json(&record)
        );
    }
}
