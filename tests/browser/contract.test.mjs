// The contract's key cases inside a real browser: a page on the demo server imports
// /pkg/index.js (served as the demo serves it, under its CSP) and calls queryUpgradeTask
// against the simulator on another origin (real CORS), including after every failure.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { simClock } from "../sim-clock.mjs";
import { newPage, startStack } from "./helpers.mjs";

let stack;
let page;
let pageSession;
let token;
const APP_KEY = "demo-app";

before(async () => {
  // The simulator's time moves 100 ms per answered request: the waiter below sees a task
  // restarted with progressMs 1500 wait, process and end over 15 polls, however slow the machine.
  stack = await startStack({ sim: simClock({ perRequestMs: 100 }).options });
  pageSession = await newPage(stack);
  page = pageSession.page;
  await page.goto(`${stack.server.url}/fixtures/blank.html`);
  // Load the package once; every case below calls it through window.__call.
  await page.evaluate(async () => {
    const pkg = await import("/pkg/index.js");
    window.__pkg = pkg;
    window.__call = async (operationId, accessToken, options, { abortAfterMs, preAbort } = {}) => {
      const controller = new AbortController();
      if (preAbort) controller.abort();
      if (abortAfterMs !== undefined) setTimeout(() => controller.abort(), abortAfterMs);
      const opts = abortAfterMs !== undefined || preAbort ? { ...options, signal: controller.signal } : options;
      const started = performance.now();
      try {
        const task = await pkg.queryUpgradeTask(operationId, accessToken, opts);
        return { ok: true, task, ms: performance.now() - started };
      } catch (e) {
        return {
          ok: false,
          ms: performance.now() - started,
          isUpgradeTaskError: e instanceof pkg.UpgradeTaskError,
          isError: e instanceof Error,
          name: e.name,
          kind: e.kind,
          httpStatus: e.httpStatus,
          errorCode: e.errorCode,
          errorDesc: e.errorDesc,
          hint: e.hint,
          retryable: e.retryable,
          problems: e.problems,
          message: e.message,
          own: JSON.stringify(e),
        };
      }
    };
  });
  token = stack.sim.login().accessToken;
});

after(async () => {
  await pageSession?.close();
  await stack?.close();
});

const options = (extra = {}) => ({ baseUrl: stack.sim.baseUrl, appKey: APP_KEY, ...extra });
/** One request per call, so one armed fault meets one call (`retry` is ignored by versions without retries). */
const once = (extra = {}) => options({ retry: false, ...extra });

/** Calls queryUpgradeTask in the page. */
function call(operationId, { accessToken = token, opts = options(), abortAfterMs, preAbort } = {}) {
  return page.evaluate(([id, t, o, a]) => window.__call(id, t, o, a), [operationId, accessToken, opts, { abortAfterMs, preAbort }]);
}

/** Checks an error's common promises: class, name, no secret in it. */
function assertError(r, kind) {
  assert.equal(r.ok, false, `expected a ${kind} rejection, got ${JSON.stringify(r.task)}`);
  assert.equal(r.kind, kind, r.message);
  assert.equal(r.isUpgradeTaskError, true, "instanceof UpgradeTaskError");
  assert.equal(r.isError, true, "instanceof Error");
  assert.equal(r.name, "UpgradeTaskError");
  assert.equal(typeof r.hint, "string");
  assert.ok(r.hint.length > 0, "a hint");
  assert.ok(Array.isArray(r.problems));
  for (const text of [r.message, r.errorDesc ?? "", r.hint, r.own]) {
    assert.ok(!text.includes(token), "the token is not in the error");
  }
  assert.ok(!r.message.includes(APP_KEY), "the app key is not in the message");
}

/** After any failure, a normal call works. */
async function assertStillWorks() {
  const r = await call("fw-now-devices");
  assert.equal(r.ok, true, `the next call works: ${r.message}`);
  assert.equal(r.task.status, "success");
}

const FW_NOW_DEVICES = {
  operationId: "fw-now-devices",
  createTime: "2024-03-01T08:00:00Z",
  startTime: "2024-03-01T08:00:05Z",
  stopTime: "2024-03-01T08:15:12Z",
  operateType: "firmware_upgrade",
  status: "success",
  targets: {
    deviceGroups: [],
    deviceType: null,
    model: null,
    manufacturerName: null,
    devices: ["3f9a1c2e-meter-0001", "3f9a1c2e-meter-0002", "3f9a1c2e-meter-0003"],
  },
  policy: { executeType: "now", startTime: null, endTime: null, retryType: false, retryTimes: null },
  staResult: { total: 3, wait: 0, processing: 0, success: 3, fail: 0, stop: 0, timeout: 0 },
  extendPara: { fileVersion: "V2.1.0", releaseChannel: "stable" },
};

test("a valid task resolves to the normalised shape, exactly", { timeout: 20000 }, async () => {
  const r = await call("fw-now-devices");
  assert.equal(r.ok, true, r.message);
  assert.deepEqual(r.task, FW_NOW_DEVICES);

  // Lenient spellings normalised: camelCase enums, RFC 3339 with offsets, numbers as strings, "" and null.
  const lenient = await call("sw-lenient-shapes");
  assert.equal(lenient.ok, true, lenient.message);
  assert.deepEqual(lenient.task, {
    operationId: "sw-lenient-shapes",
    createTime: "2024-03-07T08:00:00Z",
    startTime: "2024-03-07T08:00:05Z",
    stopTime: null,
    operateType: "software_upgrade",
    status: "processing",
    targets: { deviceGroups: [], deviceType: null, model: null, manufacturerName: null, devices: ["dev-a", "dev-b"] },
    policy: { executeType: "device_online", startTime: null, endTime: null, retryType: true, retryTimes: 2 },
    staResult: { total: 2, wait: 0, processing: 1, success: 1, fail: 0, stop: 0, timeout: 0 },
    extendPara: { fileVersion: null, channel: "beta" },
  });

  // The request carried the contract's headers, across origins (CORS preflight answered).
  const sent = stack.sim.requests().filter((q) => q.path.endsWith("/operations/fw-now-devices") && q.method === "GET").at(-1);
  assert.equal(sent.headers.app_key, APP_KEY);
  assert.equal(sent.headers.authorization, "Bearer ***");
  assert.match(sent.headers.accept, /application\/json/);
  assert.equal(sent.headers.origin, stack.server.url);
});

test("not_found: 404 / 123009, an UpgradeTaskError", { timeout: 20000 }, async () => {
  const r = await call("no-such-task");
  assertError(r, "not_found");
  assert.equal(r.httpStatus, 404);
  assert.equal(r.errorCode, "123009");
  assert.equal(r.errorDesc, "The requested task does not exist.");
  assert.equal(r.retryable, false);
  assert.deepEqual(r.problems, []);
  for (const part of ["not_found", "404", "123009"]) assert.ok(r.message.includes(part), `message names ${part}: ${r.message}`);
  await assertStillWorks();

  // An id that needs percent-encoding travels as one segment.
  const odd = "a/b?c#d %e";
  stack.sim.setTask(odd, { ...FW_NOW_DEVICES, operationId: odd });
  const ok = await call(odd);
  assert.equal(ok.ok, true, ok.message);
  assert.equal(ok.task.operationId, odd);
});

test("throttled and server errors from injected faults are retryable", { timeout: 20000 }, async () => {
  const cases = [
    ["status=403;code=1010009", "throttled", 403, "1010009"],
    ["status=429", "throttled", 429, "1010009"],
    ["status=503", "server", 503, "50252"],
    ["html-502", "server", 502, null],
  ];
  for (const [fault, kind, status, code] of cases) {
    stack.sim.setFault(fault, { operationId: "fw-now-devices", count: 1 });
    const r = await call("fw-now-devices", { opts: once() });
    assertError(r, kind);
    assert.equal(r.httpStatus, status, fault);
    assert.equal(r.errorCode, code, fault);
    assert.equal(r.retryable, true, fault);
    await assertStillWorks();
  }
  // The same fault through the control endpoint, as the page's own fetch would arm it.
  await page.evaluate(async (url) => {
    await fetch(`${url}/__sim/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ fault: "status=500", operationId: "fw-now-devices", count: 1 }) });
  }, stack.sim.url);
  const r = await call("fw-now-devices", { opts: once() });
  assertError(r, "server");
  assert.equal(r.httpStatus, 500);
  await assertStillWorks();
});

test("unauthorized: a wrong token, with the token kept out of the error", { timeout: 20000 }, async () => {
  const wrong = "ffffffffffffffffffffffffffffffff";
  const r = await call("fw-now-devices", { accessToken: wrong });
  assertError(r, "unauthorized");
  assert.equal(r.httpStatus, 403);
  assert.equal(r.errorCode, "1010005");
  assert.ok(!r.own.includes(wrong) && !r.message.includes(wrong));
  await assertStillWorks();
});

test("invalid_response: truncated JSON, a JSON array, an HTML 200", { timeout: 20000 }, async () => {
  for (const fault of ["truncated", "json-array"]) {
    stack.sim.setFault(fault, { operationId: "fw-now-devices", count: 1 });
    const r = await call("fw-now-devices", { opts: once() });
    assertError(r, "invalid_response");
    assert.equal(r.httpStatus, 200);
    assert.equal(r.retryable, false);
    assert.ok(r.problems.length >= 1, fault);
    assert.equal(r.problems[0].path, "", `${fault}: a whole-body problem`);
    await assertStillWorks();
  }
  // A task that breaks several rules lists every problem with its path.
  stack.sim.setTask("broken", {
    operationId: "broken",
    operateType: "firmware_upgrade",
    status: "bogus",
    targets: { devices: ["d1", ""] },
    policy: { executeType: "custom", retryType: true },
    staResult: { total: 1, success: 2 },
  });
  const r = await call("broken");
  assertError(r, "invalid_response");
  const paths = r.problems.map((p) => p.path);
  for (const p of ["status", "targets.devices[1]", "policy.startTime", "policy.retryTimes", "staResult.success"]) {
    assert.ok(paths.includes(p), `a problem at ${p}: ${JSON.stringify(r.problems)}`);
  }
  await assertStillWorks();
});

test("timeout: a hung server and a small timeoutMs", { timeout: 20000 }, async () => {
  stack.sim.setFault("hang-headers", { operationId: "fw-now-devices", count: 1 });
  const r = await call("fw-now-devices", { opts: once({ timeoutMs: 400 }) });
  assertError(r, "timeout");
  assert.equal(r.httpStatus, null);
  assert.equal(r.retryable, true);
  // never before the deadline; after it only as late as a stalled machine makes it
  assert.ok(r.ms >= 399 && r.ms < 10_000, `rejected at the deadline (${Math.round(r.ms)} ms)`);
  await assertStillWorks();

  // Headers arrived, then the body hung: httpStatus is set.
  stack.sim.setFault("hang-body", { operationId: "fw-now-devices", count: 1 });
  const body = await call("fw-now-devices", { opts: once({ timeoutMs: 400 }) });
  assertError(body, "timeout");
  assert.equal(body.httpStatus, 200);
  await assertStillWorks();
});

test("aborted: an AbortController fired mid-call, or before it", { timeout: 20000 }, async () => {
  stack.sim.setFault("delay=20000", { operationId: "fw-now-devices", count: 1 });
  const r = await call("fw-now-devices", { opts: once(), abortAfterMs: 150 });
  assertError(r, "aborted");
  assert.equal(r.retryable, false);
  assert.ok(r.ms >= 145 && r.ms < 10_000, `rejected at the abort, not at the 20 s answer (${Math.round(r.ms)} ms)`);
  await assertStillWorks();

  const before = stack.sim.requests().length;
  const pre = await call("fw-now-devices", { preAbort: true });
  assertError(pre, "aborted");
  assert.equal(stack.sim.requests().length, before, "nothing sent for an aborted signal");
  await assertStillWorks();
});

test("network: nothing listening", { timeout: 20000 }, async () => {
  const r = await call("fw-now-devices", { opts: once({ baseUrl: "http://127.0.0.1:9" }) });
  assertError(r, "network");
  assert.equal(r.httpStatus, null);
  assert.equal(r.retryable, true);
  await assertStillWorks();
});

test("invalid_argument: checked before anything is sent", { timeout: 20000 }, async () => {
  const before = stack.sim.requests().length;
  const cases = [
    ["", token, options()],
    ["fw-now-devices", "", options()],
    ["fw-now-devices", token, options({ appKey: "" })],
    ["fw-now-devices", `${token}\r\nx-evil: 1`, options()],
    ["fw-now-devices", token, options({ appKey: "demo\napp" })],
    ["fw-now-devices", token, options({ baseUrl: "http://iot.example.com:8743" })],
    ["fw-now-devices", token, options({ baseUrl: "not a url" })],
    ["fw-now-devices", token, options({ baseUrl: `${stack.sim.baseUrl}/?x=1` })],
    ["fw-now-devices", token, options({ timeoutMs: -1 })],
    ["fw-now-devices", token, options({ timeoutMs: 0 })],
    ["..", token, options()],
  ];
  for (const [id, t, o] of cases) {
    const r = await call(id, { accessToken: t, opts: o });
    assertError(r, "invalid_argument");
    assert.equal(r.httpStatus, null);
    assert.equal(r.retryable, false);
    assert.ok(r.problems.length >= 1, `problems listed for ${JSON.stringify([id, o])}`);
  }
  // Non-string arguments, straight from JS.
  const typed = await page.evaluate(async (base) => {
    const out = [];
    for (const args of [[42, "t", { baseUrl: base, appKey: "a" }], ["id", null, { baseUrl: base, appKey: "a" }], ["id", "t", undefined], ["id", "t", { appKey: "a" }]]) {
      try {
        await window.__pkg.queryUpgradeTask(...args);
        out.push("resolved");
      } catch (e) {
        out.push(e instanceof window.__pkg.UpgradeTaskError ? e.kind : `other: ${e}`);
      }
    }
    return out;
  }, stack.sim.baseUrl);
  assert.deepEqual(typed, ["invalid_argument", "invalid_argument", "invalid_argument", "invalid_argument"]);
  assert.equal(stack.sim.requests().length, before, "no request was made");
  await assertStillWorks();
});

test("concurrent calls from one page are independent", { timeout: 20000 }, async () => {
  stack.sim.setFault("delay=300", { operationId: "sw-stopped", count: 1 });
  const results = await page.evaluate(
    ([base, t]) =>
      Promise.all(
        ["fw-now-devices", "sw-stopped", "no-such-task", "sw-group-online", "fw-256-devices"].map((id) =>
          window.__pkg.queryUpgradeTask(id, t, { baseUrl: base, appKey: "demo-app" }).then(
            (task) => `${id}:${task.status}`,
            (e) => `${id}:${e.kind}`,
          ),
        ),
      ),
    [stack.sim.baseUrl, token],
  );
  assert.deepEqual(results, ["fw-now-devices:success", "sw-stopped:stop", "no-such-task:not_found", "sw-group-online:processing", "fw-256-devices:failed"]);
});

test("resilience in the browser build: retries with Retry-After, login, rate-limited client, batches, waiter", { timeout: 30000 }, async () => {
  // A 503 with Retry-After: 1, then the real answer: one call, two requests, the wait honoured
  // (the simulator exposes Retry-After through CORS).
  stack.sim.setFault("status=503;retry-after=1", { operationId: "fw-now-devices", count: 1 });
  const retried = await page.evaluate(async ([base, t]) => {
    const started = performance.now();
    const task = await window.__pkg.queryUpgradeTask("fw-now-devices", t, { baseUrl: base, appKey: "demo-app", retry: { baseDelayMs: 1 } });
    return { status: task.status, ms: performance.now() - started };
  }, [stack.sim.baseUrl, token]);
  assert.equal(retried.status, "success");
  assert.ok(retried.ms >= 900, `Retry-After honoured (waited ${retried.ms} ms)`);

  // A failure after every attempt carries the number of requests.
  stack.sim.setFault("status=503", { operationId: "fw-now-devices", count: 2 });
  const attempts = await page.evaluate(async ([base, t]) => {
    try {
      await window.__pkg.queryUpgradeTask("fw-now-devices", t, { baseUrl: base, appKey: "demo-app", retry: { maxAttempts: 2, baseDelayMs: 1 } });
      return "resolved";
    } catch (e) {
      return `${e.kind}/${e.attempts}`;
    }
  }, [stack.sim.baseUrl, token]);
  assert.equal(attempts, "server/2");

  // login, then a client with a tight rate limit and a batch with a duplicate and a bad id.
  const batch = await page.evaluate(async (base) => {
    const { login, UpgradeTaskClient } = window.__pkg;
    const session = await login({ baseUrl: base, appId: "demo-app", secret: "demo-secret" });
    const client = new UpgradeTaskClient({ baseUrl: base, appKey: "demo-app", accessToken: session.accessToken, rateLimit: { calls: 2, perMs: 300 } });
    const started = performance.now();
    const results = await client.queryUpgradeTasks(["fw-now-devices", "sw-stopped", "no-such-task", "fw-now-devices", "sw-group-online"]);
    return { ms: performance.now() - started, results: results.map((r) => (r.ok ? `${r.operationId}:${r.task.status}` : `${r.operationId}:${r.error.kind}`)), expiresIn: session.expiresAt - Date.now() };
  }, stack.sim.baseUrl);
  assert.deepEqual(batch.results, ["fw-now-devices:success", "sw-stopped:stop", "no-such-task:not_found", "fw-now-devices:success", "sw-group-online:processing"]);
  assert.ok(batch.ms >= 300, `4 distinct requests at 2 per 300 ms need at least one full window (took ${batch.ms} ms)`);
  assert.ok(batch.expiresIn > 60_000);
  token = stack.sim.login().accessToken; // the page's login invalidated the earlier token

  // The waiter follows a progressing task to its end, reporting each change.
  const id = stack.sim.tasks().map((t) => t.operationId).find((i) => /progress-success/.test(i));
  stack.sim.restartTask(id, { progressMs: 1500 });
  const waited = await page.evaluate(async ([base, t, taskId]) => {
    const seen = [];
    const task = await window.__pkg.waitForUpgradeTask(taskId, t, { baseUrl: base, appKey: "demo-app", minDelayMs: 50, maxDelayMs: 200, onProgress: (x) => seen.push(x.status) });
    return { status: task.status, seen };
  }, [stack.sim.baseUrl, token, id]);
  assert.equal(waited.status, "success");
  // polls at 0, 100, …, 1400 ms of simulator time: one call for the wait, one per processing
  // state (12), one for the end
  assert.deepEqual(waited.seen, ["wait", ...Array(12).fill("processing"), "success"]);
  await assertStillWorks();
});
