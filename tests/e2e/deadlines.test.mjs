// Deadlines and the caller's signal, end to end over loopback: which one ended a call, in which
// phase, and the exact error each gives. Pins the Stopper/await machinery of src/js/fetch.rs
// (the call's timeoutMs, an attempt's attemptTimeoutMs, the waits between attempts and in the
// rate limiter's queue), also with many calls in flight at once.

import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { after, before, describe, test } from "node:test";
import { APP_KEY, TOKEN, json, pkg, platformTask, rejection, scriptedServer } from "./helpers.mjs";

const { queryUpgradeTask } = pkg;

describe("deadlines and the caller's signal", () => {
  let server;
  let script = [];
  // The next scripted answer; by default a valid task for the requested id.
  before(async () => {
    server = await scriptedServer((req, res) => {
      const next = script.shift();
      if (next) return next(res);
      const id = decodeURIComponent(req.url.split("/").pop().split("?")[0]);
      return json(res, 200, platformTask({ operationId: id }));
    });
  });
  after(() => server.close());
  const hang = () => {};
  const halfBody = (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"operationId":');
  };
  const opts = (more = {}) => ({ baseUrl: server.baseUrl, appKey: APP_KEY, retry: false, ...more });
  const timed = async (promise) => {
    const started = performance.now();
    const error = await rejection(promise);
    return { error, took: performance.now() - started };
  };

  test("timeoutMs while the request is unanswered", async () => {
    script = [hang];
    const { error, took } = await timed(queryUpgradeTask("op-1", TOKEN, opts({ timeoutMs: 150 })));
    assert.equal(error.kind, "timeout");
    assert.equal(error.message, "timeout: no complete answer within timeoutMs (waiting for the platform's answer)");
    assert.equal(error.attempts, 1);
    assert.ok(took >= 149 && took < 10_000, `ended after ${took.toFixed(1)} ms`);
  });

  test("timeoutMs while the body is arriving", async () => {
    script = [halfBody];
    const { error } = await timed(queryUpgradeTask("op-1", TOKEN, opts({ timeoutMs: 150 })));
    assert.equal(error.kind, "timeout");
    assert.equal(error.httpStatus, 200);
    assert.equal(error.message, "timeout: HTTP 200; no complete answer within timeoutMs (reading the answer's body)");
  });

  test("attemptTimeoutMs on every attempt, and on one attempt followed by an answer", async () => {
    script = [hang, hang];
    const { error } = await timed(queryUpgradeTask("op-1", TOKEN, opts({ attemptTimeoutMs: 80, retry: { maxAttempts: 2, baseDelayMs: 1 } })));
    assert.equal(error.kind, "timeout");
    assert.equal(error.message, "timeout: no complete answer within attemptTimeoutMs (waiting for the platform's answer)");
    assert.equal(error.attempts, 2);
    script = [halfBody];
    const task = await queryUpgradeTask("op-2", TOKEN, opts({ attemptTimeoutMs: 80, retry: { maxAttempts: 2, baseDelayMs: 1 } }));
    assert.equal(task.operationId, "op-2");
  });

  test("timeoutMs ends a wait in the rate limiter's queue", async () => {
    const limited = opts({ appKey: `${APP_KEY}-limited`, rateLimit: { calls: 1, perMs: 60_000 }, timeoutMs: 100 });
    await queryUpgradeTask("op-1", TOKEN, limited);
    const error = await rejection(queryUpgradeTask("op-1", TOKEN, limited), { appKey: `${APP_KEY}-limited` });
    assert.equal(error.kind, "timeout");
    assert.equal(error.message, "timeout: timeoutMs passed while waiting to send or retry");
    assert.equal(error.attempts, 0);
  });

  test("the caller's signal, before and after timeoutMs", async () => {
    script = [hang];
    const early = new AbortController();
    setTimeout(() => early.abort(new Error("user stop")), 50);
    const { error: aborted } = await timed(queryUpgradeTask("op-1", TOKEN, opts({ signal: early.signal, timeoutMs: 5_000 })));
    assert.equal(aborted.kind, "aborted");
    assert.equal(aborted.message, "aborted: the caller's signal fired (waiting for the platform's answer)");
    assert.equal(aborted.cause?.message, "user stop");
    script = [hang];
    const late = new AbortController();
    const timer = setTimeout(() => late.abort(), 2_000);
    const { error: timedOut } = await timed(queryUpgradeTask("op-1", TOKEN, opts({ signal: late.signal, timeoutMs: 80 })));
    clearTimeout(timer);
    assert.equal(timedOut.kind, "timeout");
    assert.equal(timedOut.message, "timeout: no complete answer within timeoutMs (waiting for the platform's answer)");
  });

  test("a signal shared by many calls keeps no listener of theirs once they settle, and still aborts the next", async () => {
    // Each call listens to the caller's signal while it runs (src/js/fetch.rs, Stopper) and
    // must stop listening when it ends, however it ends: a long-lived signal (one per page or
    // per process) would otherwise collect a listener per call.
    const shared = new AbortController();
    const listeners = () => getEventListeners(shared.signal, "abort").length;
    for (let i = 0; i < 20; i++) {
      const task = await queryUpgradeTask(`op-${i}`, TOKEN, opts({ signal: shared.signal }));
      assert.equal(task.operationId, `op-${i}`);
    }
    assert.equal(listeners(), 0, "after 20 answered calls");
    script = [hang];
    const { error: timedOut } = await timed(queryUpgradeTask("op-t", TOKEN, opts({ signal: shared.signal, timeoutMs: 60 })));
    assert.equal(timedOut.kind, "timeout");
    assert.equal(listeners(), 0, "after a call that timed out");
    script = [hang];
    const pending = timed(queryUpgradeTask("op-a", TOKEN, opts({ signal: shared.signal })));
    setTimeout(() => shared.abort(), 40);
    const { error: aborted } = await pending;
    assert.equal(aborted.kind, "aborted");
    assert.equal(aborted.message, "aborted: the caller's signal fired (waiting for the platform's answer)");
    assert.equal(listeners(), 0, "after the call the signal aborted");
  });

  test("60 calls in flight: each ends by its own answer or its own deadline", async () => {
    // Every third request is never answered; the others are, in arrival order.
    let n = 0;
    script = Array.from({ length: 60 }, () => (res) => (n++ % 3 === 0 ? hang(res) : json(res, 200, platformTask({ operationId: `id-${n}` }))));
    const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => queryUpgradeTask(`op-${i}`, TOKEN, opts({ timeoutMs: 400 }))));
    const failed = outcomes.filter((o) => o.status === "rejected");
    assert.equal(failed.length, 20);
    for (const { reason } of failed) {
      assert.equal(reason.kind, "timeout");
      assert.equal(reason.message, "timeout: no complete answer within timeoutMs (waiting for the platform's answer)");
    }
    const ids = outcomes.filter((o) => o.status === "fulfilled").map((o) => o.value.operationId);
    assert.equal(new Set(ids).size, 40);
    script = [];
  });
});

describe("deadlines hold while the body's chunks are always ready", () => {
  // A caller's fetch (a test double, a cache, a service worker) may answer with a body whose
  // every read() settles in a microtask: 1-byte chunks enqueued at once in pull(), so about 4
  // million of them (several seconds) before the 4 MiB cap. The deadlines' timers are
  // macrotasks and never run meanwhile; the body read must look at the clock itself
  // (src/js/fetch.rs, Attempt::overdue) and end exactly as the timer would have.
  const realFetch = globalThis.fetch;
  const requests = [];
  before(() => {
    globalThis.fetch = async (request) => {
      requests.push(request);
      const body = new ReadableStream({
        pull(controller) {
          controller.enqueue(new Uint8Array([32]));
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
    };
  });
  after(() => {
    globalThis.fetch = realFetch;
  });
  const opts = (more = {}) => ({ baseUrl: "https://iot.example.com", appKey: APP_KEY, retry: false, ...more });
  const timed = async (promise) => {
    const started = performance.now();
    const error = await rejection(promise);
    return { error, took: performance.now() - started };
  };

  test("timeoutMs", async () => {
    requests.length = 0;
    const { error, took } = await timed(queryUpgradeTask("op-1", TOKEN, opts({ timeoutMs: 100 })));
    assert.equal(error.kind, "timeout");
    assert.equal(error.httpStatus, 200);
    assert.equal(error.message, "timeout: HTTP 200; no complete answer within timeoutMs (reading the answer's body)");
    assert.equal(error.attempts, 1);
    assert.ok(took >= 99 && took < 2_000, `ended after ${took.toFixed(1)} ms`);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].signal.aborted, true, "the request was not aborted");
  });

  test("attemptTimeoutMs, on every attempt", async () => {
    requests.length = 0;
    const { error, took } = await timed(
      queryUpgradeTask("op-1", TOKEN, opts({ timeoutMs: 60_000, attemptTimeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 1 } })),
    );
    assert.equal(error.kind, "timeout");
    assert.equal(error.httpStatus, 200);
    assert.equal(error.message, "timeout: HTTP 200; no complete answer within attemptTimeoutMs (reading the answer's body)");
    assert.equal(error.attempts, 2);
    assert.ok(took >= 198 && took < 4_000, `ended after ${took.toFixed(1)} ms`);
    assert.equal(requests.length, 2);
    assert.ok(requests.every((request) => request.signal.aborted), "a request was not aborted");
  });
});

describe("the rate limiter's queue is one per origin, however its base URL is spelled", () => {
  // fetch sends every spelling of an origin (host case, leading zeros in the port, the
  // scheme's default port) to the same place, so they are one (baseUrl, appKey) queue: the
  // core keys the limiter by the canonical base URL (src/core/request.rs, check_base_url).
  // The platform is an in-memory fetch: the test counts what went out.
  const realFetch = globalThis.fetch;
  const sent = [];
  before(() => {
    globalThis.fetch = async (request) => {
      sent.push(request.url);
      const id = decodeURIComponent(new URL(request.url).pathname.split("/").pop());
      return new Response(JSON.stringify(platformTask({ operationId: id })), { status: 200, headers: { "content-type": "application/json" } });
    };
  });
  after(() => {
    globalThis.fetch = realFetch;
  });
  const queued = async (baseUrl, appKey) => {
    const error = await rejection(queryUpgradeTask("op-2", TOKEN, { baseUrl, appKey, retry: false, rateLimit: { calls: 1, perMs: 60_000 }, timeoutMs: 100 }), { appKey });
    assert.equal(error.kind, "timeout", `${baseUrl}: ${error.message}`);
    assert.equal(error.message, "timeout: timeoutMs passed while waiting to send or retry", baseUrl);
    assert.equal(error.attempts, 0, baseUrl);
  };
  const limited = (baseUrl, appKey) => ({ baseUrl, appKey, retry: false, rateLimit: { calls: 1, perMs: 60_000 }, timeoutMs: 5_000 });

  test("host case and a port's leading zeros", async () => {
    sent.length = 0;
    const appKey = `${APP_KEY}-spellings`;
    const task = await queryUpgradeTask("op-1", TOKEN, limited("https://iot.example.com:8743", appKey));
    assert.equal(task.operationId, "op-1");
    for (const spelling of ["https://IOT.example.com:8743", "https://iot.example.com:08743", "https://Iot.Example.Com:8743/", "HTTPS://IOT.EXAMPLE.COM:8743"]) {
      await queued(spelling, appKey);
    }
    assert.deepEqual(sent, ["https://iot.example.com:8743/iodm/northbound/v1.5.0/operations/op-1"]);
    // Another origin with the same appKey is another queue: it goes out at once.
    await queryUpgradeTask("op-3", TOKEN, limited("https://iot2.example.com:8743", appKey));
    assert.equal(sent.length, 2);
  });

  test("the scheme's default port", async () => {
    sent.length = 0;
    const appKey = `${APP_KEY}-default-port`;
    await queryUpgradeTask("op-1", TOKEN, limited("https://iot.example.com", appKey));
    await queued("https://iot.example.com:443", appKey);
    await queued("https://IOT.example.com:0443/", appKey);
    assert.deepEqual(sent, ["https://iot.example.com/iodm/northbound/v1.5.0/operations/op-1"]);
  });
});
