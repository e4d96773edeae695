// Retries, rate limit, tokens, waiting and batches, end to end against the simulator.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startSimulator } from "../../simulator/index.mjs";
import { simClock } from "../sim-clock.mjs";
import { json, inFreshProcess, pkg, platformTask, rejection, scriptedServer, assertNoSecrets } from "./helpers.mjs";

const { queryUpgradeTask, waitForUpgradeTask, queryUpgradeTasks, login, refreshToken, UpgradeTaskClient, UpgradeTaskError } = pkg;
const APP = { appId: "demo-app", secret: "demo-secret" };

describe("retries", () => {
  let server;
  let script = [];
  before(async () => {
    server = await scriptedServer((req, res) => (script.shift() ?? ((r) => json(r, 200, platformTask())))(res));
  });
  after(() => server.close());
  const opts = (more = {}) => ({ baseUrl: server.baseUrl, appKey: "k", retry: { baseDelayMs: 10 }, ...more });

  test("502 then 200 succeeds after 2 attempts", async () => {
    script = [(res) => json(res, 502, "<html>bad gateway</html>")];
    server.requests.length = 0;
    const task = await queryUpgradeTask("op-1", "t", opts());
    assert.equal(task.operationId, "op-1");
    assert.equal(server.requests.length, 2);
  });

  test("every attempt failing reports attempts = maxAttempts", async () => {
    script = [1, 2, 3, 4].map(() => (res) => json(res, 503, { error_code: "50252", error_desc: "x" }));
    server.requests.length = 0;
    const e = await rejection(queryUpgradeTask("op-1", "t", opts({ retry: { maxAttempts: 3, baseDelayMs: 5 } })));
    assert.equal(e.kind, "server");
    assert.equal(e.attempts, 3);
    assert.equal(server.requests.length, 3);
    script = [];
  });

  test("Retry-After is honoured", async () => {
    script = [(res) => json(res, 429, "", { "retry-after": "1" })];
    server.requests.length = 0;
    const started = Date.now();
    await queryUpgradeTask("op-1", "t", opts({ retry: { baseDelayMs: 1, maxDelayMs: 5000 } }));
    const waited = Date.now() - started;
    assert.ok(waited >= 950, `waited only ${waited} ms`);
    assert.equal(server.requests.length, 2);
  });

  test("Retry-After is capped by maxDelayMs", async () => {
    script = [(res) => json(res, 429, "", { "retry-after": "120" })];
    const started = Date.now();
    await queryUpgradeTask("op-1", "t", opts({ retry: { maxDelayMs: 50 } }));
    assert.ok(Date.now() - started < 10_000, "waited for the 120 s Retry-After");
  });

  test("non-retryable kinds make one request", async () => {
    for (const [status, body, kind] of [
      [404, { error_code: "123009" }, "not_found"],
      [403, { error_code: "1010005" }, "unauthorized"],
      [200, "[]", "invalid_response"],
    ]) {
      script = [(res) => json(res, status, body)];
      server.requests.length = 0;
      const e = await rejection(queryUpgradeTask("op-1", "t", opts()));
      assert.equal(e.kind, kind);
      assert.equal(e.attempts, 1);
      assert.equal(server.requests.length, 1);
    }
  });

  test("retry: false makes exactly one request", async () => {
    script = [(res) => json(res, 503, "")];
    server.requests.length = 0;
    const e = await rejection(queryUpgradeTask("op-1", "t", opts({ retry: false })));
    assert.equal(e.kind, "server");
    assert.equal(e.attempts, 1);
    assert.equal(server.requests.length, 1);
    script = [];
  });

  test("attemptTimeoutMs expiry is retried; timeoutMs covers all attempts", async () => {
    script = [() => {}];
    server.requests.length = 0;
    const task = await queryUpgradeTask("op-1", "t", opts({ attemptTimeoutMs: 200 }));
    assert.equal(task.operationId, "op-1");
    assert.equal(server.requests.length, 2);
    script = [() => {}, () => {}, () => {}, () => {}];
    const started = performance.now();
    const e = await rejection(queryUpgradeTask("op-1", "t", opts({ timeoutMs: 400, retry: { maxAttempts: 10, baseDelayMs: 1 } })));
    const took = performance.now() - started;
    assert.equal(e.kind, "timeout");
    assert.ok(took >= 399 && took < 10_000, `timeoutMs 400 ended the call after ${took.toFixed(1)} ms`);
    script = [];
  });

  test("invalid retry options are invalid_argument", async () => {
    const e = await rejection(queryUpgradeTask("op-1", "t", opts({ retry: { maxAttempts: 0 }, rateLimit: 5, attemptTimeoutMs: -1 })));
    assert.equal(e.kind, "invalid_argument");
    assert.deepEqual(e.problems.map((p) => p.path), ["options.retry.maxAttempts", "options.attemptTimeoutMs", "options.rateLimit"]);
    assert.equal(e.attempts, 0);
  });
});

describe("login and refreshToken answers whose token no header can carry", () => {
  // A later call sends the token in a header, where CR, LF, other controls and characters
  // beyond Latin-1 cannot go: such an answer is invalid_response, naming the token's field
  // and never the token (src/core/login.rs).
  let server;
  let body;
  before(async () => {
    server = await scriptedServer((req, res) => json(res, 200, body));
  });
  after(() => server.close());
  const secret = "tok-ANSWER-SECRET-9c1e";
  const call = (refresh) =>
    refresh
      ? refreshToken({ baseUrl: server.baseUrl, ...APP, refreshToken: "r-given" })
      : login({ baseUrl: server.baseUrl, ...APP });

  for (const [what, bad] of [
    ["CR LF", `${secret}\r\nX-Evil: 1`],
    ["NUL", `${secret}\u0000`],
    ["beyond Latin-1", `${secret}€`],
  ]) {
    test(`accessToken with ${what}, from login and from refreshToken`, async () => {
      for (const refresh of [false, true]) {
        body = { accessToken: bad, refreshToken: "r-good", expiresIn: 3600 };
        const e = await rejection(call(refresh), { token: secret, appKey: APP.appId });
        assert.equal(e.kind, "invalid_response");
        assert.equal(e.httpStatus, 200);
        assert.deepEqual(e.problems.map((p) => p.path), ["accessToken"]);
        assert.match(e.problems[0].message, /^cannot travel in an HTTP header: a token must /);
        assertNoSecrets(e, bad, APP.secret);
      }
    });
  }

  test("the refresh token travels in the refresh call's JSON body: any string is kept", async () => {
    body = { accessToken: "a-good", refreshToken: "r-€-\r\n", expiresIn: 3600 };
    assert.equal((await login({ baseUrl: server.baseUrl, ...APP })).refreshToken, "r-€-\r\n");
  });

  test("a Latin-1 token is a session, and it works in the next call's header", async () => {
    body = { accessToken: "a-é-ÿ", refreshToken: "r-ü", expiresIn: 3600 };
    const session = await login({ baseUrl: server.baseUrl, ...APP });
    assert.equal(session.accessToken, "a-é-ÿ");
    assert.equal(session.refreshToken, "r-ü");
    body = platformTask();
    const task = await queryUpgradeTask("op-1", session.accessToken, { baseUrl: server.baseUrl, appKey: APP.appId, retry: false });
    assert.equal(task.operationId, "op-1");
    assert.equal(server.requests.at(-1).headers.authorization, "Bearer a-é-ÿ");
  });
});

describe("a login's rate limit", () => {
  let sim;
  before(async () => {
    sim = await startSimulator({ port: 0, throttle: false });
  });
  after(() => sim.close());

  test("login and refreshToken wait in the rate limit's queue, which task calls with appKey = appId share", async () => {
    const rateLimit = { calls: 1, perMs: 60000 };
    const session = await login({ baseUrl: sim.baseUrl, ...APP, rateLimit });
    const logins = sim.requests().length;
    // The window's one call is spent: a second login waits, and its timeoutMs ends it unsent.
    const e = await rejection(login({ baseUrl: sim.baseUrl, ...APP, rateLimit, timeoutMs: 300 }), { token: APP.secret });
    assert.equal(e.kind, "timeout");
    const f = await rejection(refreshToken({ baseUrl: sim.baseUrl, ...APP, refreshToken: session.refreshToken, rateLimit, timeoutMs: 300 }), { token: session.refreshToken });
    assert.equal(f.kind, "timeout");
    const g = await rejection(queryUpgradeTask("fw-now-devices", session.accessToken, { baseUrl: sim.baseUrl, appKey: APP.appId, rateLimit, timeoutMs: 300 }), { token: session.accessToken });
    assert.equal(g.kind, "timeout");
    assert.equal(sim.requests().length, logins, "none of the three was sent");
    // Without a rate limit a login goes at once.
    await login({ baseUrl: sim.baseUrl, ...APP });
    assert.equal(sim.requests().length, logins + 1);
  });
});

describe("against the simulator", () => {
  let sim;
  before(async () => {
    sim = await startSimulator({ port: 0, throttle: { calls: 20, perMs: 1000 }, progressMs: 1500, tokenTtlSeconds: 3600 });
  });
  after(() => sim.close());

  test("login and refreshToken", async () => {
    const session = await login({ baseUrl: sim.baseUrl, ...APP });
    assert.equal(typeof session.accessToken, "string");
    assert.equal(typeof session.refreshToken, "string");
    assert.ok(session.expiresAt > Date.now() + 3_000_000);
    const task = await queryUpgradeTask("fw-now-devices", session.accessToken, { baseUrl: sim.baseUrl, appKey: APP.appId });
    assert.equal(task.operationId, "fw-now-devices");
    const renewed = await refreshToken({ baseUrl: sim.baseUrl, ...APP, refreshToken: session.refreshToken });
    assert.notEqual(renewed.accessToken, session.accessToken);
    const e = await rejection(login({ baseUrl: sim.baseUrl, appId: APP.appId, secret: "wrong-secret-XYZ" }), { token: "wrong-secret-XYZ", appKey: APP.appId });
    assert.equal(e.kind, "unauthorized");
  });

  test("a throttle storm: 200 ids through one client, zero throttled errors", async () => {
    sim.reset();
    const { accessToken } = sim.login();
    const client = new UpgradeTaskClient({ baseUrl: sim.baseUrl, appKey: APP.appId, accessToken, rateLimit: { calls: 20, perMs: 1000 }, retry: false });
    const ids = Array.from({ length: 200 }, (_, i) => `storm-${i}`);
    for (const id of ids) sim.setTask(id, platformTask({ operationId: id }));
    const results = await client.queryUpgradeTasks(ids, { concurrency: 50 });
    const failed = results.filter((r) => !r.ok);
    assert.deepEqual(failed.map((r) => r.error.kind), []);
    assert.deepEqual(results.map((r) => r.operationId), ids);
  });

  test("token expiry mid-run refreshes once and carries on", async () => {
    sim.reset();
    let calls = 0;
    let token = sim.login().accessToken;
    const client = new UpgradeTaskClient({
      baseUrl: sim.baseUrl,
      appKey: APP.appId,
      getAccessToken: ({ forceRefresh }) => {
        calls += 1;
        if (forceRefresh) token = sim.login().accessToken;
        return token;
      },
    });
    assert.equal((await client.queryUpgradeTask("fw-now-devices")).operationId, "fw-now-devices");
    sim.login(); // a new login elsewhere invalidates the client's token
    assert.equal((await client.queryUpgradeTask("fw-now-devices")).operationId, "fw-now-devices");
    assert.equal(calls, 3, "once per call, plus one forced refresh");
  });

  test("a wrong secret fails with unauthorized after one refresh attempt, not a loop", async () => {
    let forced = 0;
    const client = new UpgradeTaskClient({
      baseUrl: sim.baseUrl,
      appKey: APP.appId,
      getAccessToken: async ({ forceRefresh }) => {
        if (forceRefresh) forced += 1;
        return (await login({ baseUrl: sim.baseUrl, appId: APP.appId, secret: "wrong-secret-XYZ" })).accessToken;
      },
    });
    const e = await rejection(client.queryUpgradeTask("fw-now-devices"), { token: "wrong-secret-XYZ", appKey: APP.appId });
    assert.equal(e.kind, "unauthorized");
    assert.equal(forced, 0, "the getter itself failed: no request, no forced refresh");
    assert.ok(e.cause instanceof UpgradeTaskError);
    let refreshes = 0;
    const stale = new UpgradeTaskClient({
      baseUrl: sim.baseUrl,
      appKey: APP.appId,
      getAccessToken: ({ forceRefresh }) => {
        if (forceRefresh) refreshes += 1;
        return "stale-token-SECRET";
      },
    });
    const e2 = await rejection(stale.queryUpgradeTask("fw-now-devices"), { token: "stale-token-SECRET", appKey: "" });
    assert.equal(e2.kind, "unauthorized");
    assert.equal(refreshes, 1);
    assert.equal(e2.attempts, 2);
  });

  test("a throwing getAccessToken rejects unauthorized with the cause kept and secrets scrubbed", async () => {
    const client = new UpgradeTaskClient({
      baseUrl: sim.baseUrl,
      appKey: APP.appId,
      getAccessToken: () => {
        throw new Error(`vault refused app ${APP.appId}`);
      },
    });
    const e = await rejection(client.queryUpgradeTask("fw-now-devices"), { token: "", appKey: APP.appId });
    assert.equal(e.kind, "unauthorized");
    assert.match(e.cause.message, /vault refused/);
    assertNoSecrets(e, "", APP.appId);
  });

  test("the client constructor checks its token source", () => {
    assert.throws(() => new UpgradeTaskClient({ baseUrl: sim.baseUrl, appKey: "x" }), (e) => e instanceof UpgradeTaskError && e.kind === "invalid_argument");
  });

  test("waitForUpgradeTask follows a progressing task to its end", async (t) => {
    // A simulator whose time moves 100 ms per answered request: the waiter sees the same
    // progression (wait, processing…, success over 15 polls) however slow the machine is.
    const clock = simClock({ perRequestMs: 100 });
    const paced = await startSimulator({ port: 0, throttle: false, progressMs: 1500, ...clock.options });
    t.after(() => paced.close());
    const { accessToken } = paced.login();
    const id = "demo-progress-success";
    paced.restartTask(id);
    const seen = [];
    const task = await waitForUpgradeTask(id, accessToken, {
      baseUrl: paced.baseUrl,
      appKey: APP.appId,
      minDelayMs: 20,
      maxDelayMs: 50,
      onProgress: (x) => seen.push(JSON.stringify(x)),
    });
    assert.equal(task.status, "success");
    assert.equal(task.staResult.success, task.staResult.total);
    // Polls at 0, 100, …, 1400 ms of simulator time: waiting until 150 ms (10 %), processing
    // with new counts at each poll from 200 to 1300 ms, ended at 1350 ms (90 %).
    const statuses = seen.map((x) => JSON.parse(x).status);
    assert.deepEqual(statuses, ["wait", ...Array(12).fill("processing"), "success"]);
    assert.equal(new Set(seen).size, seen.length, "called only on changes");
    // the poll at 100 ms saw the same waiting task: no call for it
    assert.equal(paced.requests().filter((r) => r.path.endsWith(`/${id}`)).length, 15);
  });

  test("waitForUpgradeTask: maxWaitMs → timeout, signal → aborted, permanent errors at once", async () => {
    const { accessToken } = sim.login();
    const ids = sim.tasks().map((t) => t.id ?? t.operationId).filter((id) => /progress/.test(id));
    sim.restartTask(ids[0], { progressMs: 60_000 });
    const base = { baseUrl: sim.baseUrl, appKey: APP.appId, minDelayMs: 50 };
    let started = performance.now();
    const e = await rejection(waitForUpgradeTask(ids[0], accessToken, { ...base, maxWaitMs: 300 }), { token: accessToken, appKey: "" });
    let took = performance.now() - started;
    assert.equal(e.kind, "timeout");
    assert.ok(took >= 299 && took < 10_000, `maxWaitMs 300 ended the wait after ${took.toFixed(1)} ms`);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    started = performance.now();
    const a = await rejection(waitForUpgradeTask(ids[0], accessToken, { ...base, signal: controller.signal }), { token: accessToken, appKey: "" });
    took = performance.now() - started;
    assert.equal(a.kind, "aborted");
    assert.ok(took >= 199 && took < 10_000, `the abort at 200 ms ended the wait after ${took.toFixed(1)} ms`);
    const n = await rejection(waitForUpgradeTask("no-such-task", accessToken, base), { token: accessToken, appKey: "" });
    assert.equal(n.kind, "not_found");
  });

  test("waitForUpgradeTask: a minDelayMs above maxDelayMs is refused before any poll; one given alone moves the other's default", async () => {
    const { accessToken } = sim.login();
    sim.clearRequests();
    const base = { baseUrl: sim.baseUrl, appKey: APP.appId };
    const e = await rejection(waitForUpgradeTask("fw-now-devices", accessToken, { ...base, minDelayMs: 5000, maxDelayMs: 1000 }), { token: accessToken, appKey: "" });
    assert.equal(e.kind, "invalid_argument");
    assert.deepEqual(e.problems, [{ path: "options.maxDelayMs", message: "must be at least options.minDelayMs" }]);
    assert.equal(sim.requests().length, 0, "a refused wait polled");
    const client = new UpgradeTaskClient({ ...base, accessToken });
    const viaClient = await client.waitForUpgradeTask("fw-now-devices", { minDelayMs: 2, maxDelayMs: 1 }).catch((x) => x);
    assert.equal(viaClient.kind, "invalid_argument");
    assert.equal(sim.requests().length, 0, "a refused wait polled");
    // A finished task answers on the first poll, whatever the schedule.
    assert.equal((await waitForUpgradeTask("fw-now-devices", accessToken, { ...base, minDelayMs: 60_000 })).operationId, "fw-now-devices");
  });

  test("queryUpgradeTasks returns each id in place; duplicates fetched once", async () => {
    const { accessToken } = sim.login();
    sim.clearRequests();
    const ids = ["fw-now-devices", "no-such-task", "bad id!", "", "fw-now-devices"];
    const results = await queryUpgradeTasks(ids, accessToken, { baseUrl: sim.baseUrl, appKey: APP.appId });
    assert.deepEqual(results.map((r) => r.operationId), ids);
    assert.deepEqual(results.map((r) => r.ok), [true, false, false, false, true]);
    assert.deepEqual(results.filter((r) => !r.ok).map((r) => r.error.kind), ["not_found", "bad_request", "invalid_argument"]);
    assert.ok(results[2].error instanceof UpgradeTaskError);
    const fetched = sim.requests().filter((r) => r.path.endsWith("/fw-now-devices"));
    assert.equal(fetched.length, 1);
  });
});

describe("waitForUpgradeTask's onRetry: failed polls are told, the wait goes on", () => {
  // No throttle: a 403 throttled would be a failed poll of its own.
  let sim;
  before(async () => {
    sim = await startSimulator({ port: 0, throttle: false, progressMs: 1500 });
  });
  after(() => sim.close());
  const base = (more = {}) => ({ baseUrl: sim.baseUrl, appKey: APP.appId, minDelayMs: 10, maxDelayMs: 20, ...more });

  test("called once per failed poll, with the error and the failures so far; not on success", async () => {
    const { accessToken } = sim.login();
    sim.clearFaults();
    // retry: false: one request per poll, so 3 faults are 3 failed polls.
    sim.setFault("status=503", { operationId: "fw-now-devices", count: 3 });
    const retries = [];
    const progress = [];
    const task = await waitForUpgradeTask("fw-now-devices", accessToken, base({
      retry: false,
      onProgress: (t) => progress.push(t.status),
      onRetry: (error, retry) => retries.push({ error, ...retry }),
    }));
    assert.equal(task.status, "success");
    assert.deepEqual(retries.map((r) => r.failures), [1, 2, 3]);
    // The pause before the next poll, from the wait's schedule (minDelayMs 10, maxDelayMs 20).
    for (const { delayMs } of retries) assert.ok(delayMs >= 10 && delayMs <= 20, String(delayMs));
    for (const { error } of retries) {
      assert.ok(error instanceof UpgradeTaskError);
      assert.equal(error.kind, "server");
      assert.equal(error.httpStatus, 503);
      assert.equal(error.retryable, true);
      assertNoSecrets(error, accessToken, "");
    }
    assert.deepEqual(progress, ["success"], "the answer after the failures is the task's first");
    assert.equal(sim.requests().filter((r) => r.path.endsWith("/fw-now-devices")).length, 4);

    // With the poll's own retries (3 attempts), 6 faults are 2 failed polls, not 6.
    sim.setFault("status=503", { operationId: "fw-now-devices", count: 6 });
    const counted = [];
    await waitForUpgradeTask("fw-now-devices", accessToken, base({ retry: { baseDelayMs: 1, maxDelayMs: 5 }, onRetry: (e, { failures: n }) => counted.push(`${e.kind} ${n}`) }));
    assert.deepEqual(counted, ["server 1", "server 2"]);

    // No failure, no call.
    let called = 0;
    await waitForUpgradeTask("fw-now-devices", accessToken, base({ onRetry: () => (called += 1) }));
    assert.equal(called, 0);
  });

  test("a non-function onRetry is an invalid_argument, as a non-function onProgress is; nothing is sent", async () => {
    const { accessToken } = sim.login();
    sim.clearRequests();
    for (const [options, paths] of [
      [{ onRetry: "log" }, ["options.onRetry"]],
      [{ onRetry: {} }, ["options.onRetry"]],
      [{ onProgress: 1, onRetry: true }, ["options.onProgress", "options.onRetry"]],
    ]) {
      const e = await rejection(waitForUpgradeTask("fw-now-devices", accessToken, base(options)), { token: accessToken, appKey: "" });
      assert.equal(e.kind, "invalid_argument");
      assert.deepEqual(e.problems.map((p) => p.path), paths);
      assert.deepEqual(e.problems.map((p) => p.message), paths.map(() => "must be a function"));
    }
    assert.equal(sim.requests().length, 0);
    // Absent (undefined or null) is no callback at all.
    for (const onRetry of [undefined, null]) {
      assert.equal((await waitForUpgradeTask("fw-now-devices", accessToken, base({ onRetry }))).status, "success");
    }
  });

  test("the count is of failures in a row: an answer starts it again", async () => {
    const script = [503, "processing", 503, 503, "success"];
    const server = await scriptedServer((req, res) => {
      const next = script.shift() ?? "success";
      if (next === 503) json(res, 503, { error_code: "50252", error_desc: "busy" });
      else json(res, 200, platformTask({ status: next }));
    });
    try {
      const seen = [];
      const task = await waitForUpgradeTask("op-1", "t", {
        baseUrl: server.baseUrl,
        appKey: "k",
        retry: false,
        minDelayMs: 10,
        maxDelayMs: 20,
        onProgress: (t) => seen.push(t.status),
        onRetry: (e, { failures }) => seen.push(`${e.kind} ${failures}`),
      });
      assert.equal(task.status, "success");
      assert.deepEqual(seen, ["server 1", "processing", "server 1", "server 2", "success"]);
      assert.equal(server.requests.length, 5);
    } finally {
      await server.close();
    }
  });

  test("not called for a permanent error (the wait rejects), nor once maxWaitMs or the signal stopped it", async () => {
    const { accessToken } = sim.login();
    sim.clearFaults();
    // A transient failure, then a permanent one: one call, then the rejection.
    sim.setFault("status=503", { operationId: "fw-now-devices", count: 1 });
    sim.setFault("status=404;code=123009", { operationId: "fw-now-devices", count: 1 });
    const failures = [];
    const onRetry = (e, { failures: n }) => failures.push(`${e.kind} ${n}`);
    const e = await rejection(waitForUpgradeTask("fw-now-devices", accessToken, base({ retry: false, onRetry })), { token: accessToken, appKey: "" });
    assert.equal(e.kind, "not_found");
    assert.deepEqual(failures, ["server 1"]);
    failures.length = 0;
    const missing = await rejection(waitForUpgradeTask("no-such-task", accessToken, base({ onRetry })), { token: accessToken, appKey: "" });
    assert.equal(missing.kind, "not_found");
    assert.deepEqual(failures, []);

    // Every poll fails until maxWaitMs: a call for each failed poll, none after the rejection.
    sim.clearFaults();
    sim.setFault("status=503", { operationId: "fw-now-devices" });
    const counts = [];
    const timedOut = await rejection(waitForUpgradeTask("fw-now-devices", accessToken, base({ retry: false, maxWaitMs: 300, onRetry: (_, { failures: n }) => counts.push(n) })), { token: accessToken, appKey: "" });
    assert.equal(timedOut.kind, "timeout");
    // (How many polls fit in 300 ms depends on the machine: only their numbering is checked;
    // the first poll fails at once, so there is at least one.)
    assert.ok(counts.length >= 1);
    assert.deepEqual(counts, counts.map((_, i) => i + 1));
    const afterTimeout = counts.length;
    // The signal fired from onRetry itself, on the second failure: no third call.
    const controller = new AbortController();
    const aborted = [];
    const a = await rejection(
      waitForUpgradeTask("fw-now-devices", accessToken, base({
        retry: false,
        signal: controller.signal,
        onRetry: (_, { failures: n }) => {
          aborted.push(n);
          if (n === 2) controller.abort();
        },
      })),
      { token: accessToken, appKey: "" },
    );
    assert.equal(a.kind, "aborted");
    assert.deepEqual(aborted, [1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(counts.length, afterTimeout, "no call after the timeout's rejection");
    assert.deepEqual(aborted, [1, 2], "no call after the abort's rejection");
    sim.clearFaults();
  });

  test("a callback that fires the wait's signal ends the wait at once, not after the pause", { timeout: 20_000 }, async () => {
    // With a pause of a minute, a wait that slept before seeing its own abort would run into
    // this test's timeout.
    const { accessToken } = sim.login();
    sim.clearFaults();
    sim.setFault("status=503", { operationId: "fw-now-devices" });
    const slow = { retry: false, minDelayMs: 60_000, maxDelayMs: 60_000 };
    // onRetry on a failing poll; onProgress on the first answer of a task that stays in
    // progress (sw-group-online, fed by devices coming online).
    for (const [abortFrom, id] of [["onRetry", "fw-now-devices"], ["onProgress", "sw-group-online"]]) {
      const controller = new AbortController();
      const e = await rejection(
        waitForUpgradeTask(id, accessToken, base({ ...slow, signal: controller.signal, [abortFrom]: () => controller.abort() })),
        { token: accessToken, appKey: "" },
      );
      assert.equal(e.kind, "aborted", abortFrom);
    }
    sim.clearFaults();
  });

  test("a throwing onRetry does not stop the wait: it surfaces as an uncaught exception, later", async () => {
    // In a child process: an uncaught exception here would fail this file's test.
    const { accessToken } = sim.login();
    sim.clearFaults();
    sim.setFault("status=503", { operationId: "fw-now-devices", count: 2 });
    const source = `
      const pkg = await import(${JSON.stringify(new URL("../../pkg/node.js", import.meta.url).href)});
      const events = [];
      process.on("uncaughtException", (e) => events.push("uncaught " + e.message));
      const task = await pkg.waitForUpgradeTask("fw-now-devices", ${JSON.stringify(accessToken)}, {
        baseUrl: ${JSON.stringify(sim.baseUrl)}, appKey: ${JSON.stringify(APP.appId)}, retry: false, minDelayMs: 10, maxDelayMs: 20,
        onRetry: (e, { failures: n }) => {
          events.push("onRetry " + n);
          throw new Error("onRetry threw " + n);
        },
      }).then((t) => t.status, (e) => "rejected " + e.kind);
      events.push("wait " + task);
      await new Promise((resolve) => setTimeout(resolve, 50));
      process.stdout.write(JSON.stringify(events));
    `;
    const { report } = await inFreshProcess(source);
    // Each exception came after its call had returned (a microtask later), and the wait went on
    // to the task's end instead of rejecting.
    assert.deepEqual(report, ["onRetry 1", "uncaught onRetry threw 1", "onRetry 2", "uncaught onRetry threw 2", "wait success"]);
  });
});

describe("a client's token source and options, as a review tried them", () => {
  let server;
  let answer = null; // (req, res) => void, else a finished task
  before(async () => {
    server = await scriptedServer((req, res) => (answer ? answer(req, res) : json(res, 200, platformTask({ status: "success" }))));
  });
  after(() => server.close());

  /** `promise`, or "still pending" after `ms` (before the fix these calls never settled). */
  const settledWithin = (promise, ms = 5000) => {
    let timer;
    return Promise.race([promise.then((v) => v, (e) => e), new Promise((r) => (timer = setTimeout(() => r("still pending"), ms)))]).finally(() => clearTimeout(timer));
  };

  test("a getAccessToken that never settles: timeoutMs, the signal and maxWaitMs still end the call; an aborted signal never calls it", async () => {
    let asked = 0;
    const hanging = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: "k", timeoutMs: 300, getAccessToken: () => ((asked += 1), new Promise(() => {})) });
    const before = server.requests.length;
    const t = await settledWithin(hanging.queryUpgradeTask("op-1"));
    assert.equal(t.kind, "timeout", String(t));
    assert.match(t.message, /getAccessToken gave no token within the call's timeoutMs; nothing was sent/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("the operator left")), 50);
    const a = await settledWithin(hanging.queryUpgradeTask("op-1", { timeoutMs: 60_000, signal: controller.signal }));
    assert.equal(a.kind, "aborted", String(a));
    assert.equal(a.cause?.message, "the operator left");
    const w = await settledWithin(hanging.waitForUpgradeTask("op-1", { timeoutMs: 60_000, maxWaitMs: 300 }));
    assert.equal(w.kind, "timeout", String(w));
    const walk = hanging.listUpgradeTasks({}, { signal: AbortSignal.timeout(100), timeoutMs: 60_000 });
    const l = await settledWithin(walk[Symbol.asyncIterator]().next());
    assert.equal(l.kind, "aborted", String(l));
    const calledBefore = asked;
    const pre = await settledWithin(hanging.queryUpgradeTask("op-1", { signal: AbortSignal.abort() }));
    assert.equal(pre.kind, "aborted");
    assert.equal(asked, calledBefore, "an already-aborted call does not ask for a token");
    assert.equal(server.requests.length, before, "nothing was sent");
    // A slow token counts against the call's timeoutMs: what is left goes to the request.
    const slow = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: "k", timeoutMs: 1000, getAccessToken: () => new Promise((r) => setTimeout(() => r("tok-slow"), 600)) });
    answer = (_req, res) => setTimeout(() => json(res, 200, platformTask({ status: "success" })), 800);
    try {
      const late = await settledWithin(slow.queryUpgradeTask("op-1"));
      assert.equal(late.kind, "timeout", `600 ms for the token + 800 ms for the answer is past timeoutMs 1000: ${String(late)}`);
    } finally {
      answer = null;
    }
  });

  test("options and a configuration read through their prototypes (class getters, Object.create) mean what they mean to queryUpgradeTask", async () => {
    const baseUrl = server.baseUrl;
    class Opts {
      get baseUrl() {
        return baseUrl;
      }
      get appKey() {
        return "k";
      }
      get minDelayMs() {
        return 5;
      }
    }
    assert.equal((await queryUpgradeTask("op-1", "tok", new Opts())).status, "success");
    // Before the fix: invalid_argument (options.appKey and options.baseUrl required).
    assert.equal((await waitForUpgradeTask("op-1", "tok", new Opts())).status, "success");
    assert.equal((await waitForUpgradeTask("op-1", "tok", Object.create({ baseUrl, appKey: "k" }))).status, "success");
    class Vault {
      #token = "tok-from-the-vault";
      get baseUrl() {
        return baseUrl;
      }
      get appKey() {
        return "k";
      }
      getAccessToken() {
        return this.#token; // its own `this`: a private field
      }
    }
    const before = server.requests.length;
    // Before the fix every call of this client rejected invalid_argument (accessToken, appKey, baseUrl).
    assert.equal((await new UpgradeTaskClient(new Vault()).queryUpgradeTask("op-1")).status, "success");
    assert.equal(server.requests.at(-1).headers.authorization, "Bearer tok-from-the-vault");
    const client = new UpgradeTaskClient({ baseUrl, appKey: "k", accessToken: "tok" });
    const aborted = new (class {
      get signal() {
        return AbortSignal.abort();
      }
    })();
    const e = await rejection(client.queryUpgradeTask("op-1", aborted), { token: "tok", appKey: "" });
    assert.equal(e.kind, "aborted", "before the fix the signal was dropped and the request sent");
    assert.equal(server.requests.length, before + 1, "nothing sent for the aborted call");
  });

  test("with getAccessToken, a duck-typed signal whose accessors throw still gives an answer or an UpgradeTaskError (never a raw Error, never a hang)", async () => {
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: "k", getAccessToken: () => "tok" });
    const duck = (more) => ({ aborted: false, addEventListener() {}, removeEventListener() {}, ...more });
    const signals = {
      "addEventListener throws": duck({ addEventListener() { throw new Error("add boom"); } }),
      "removeEventListener throws": duck({ removeEventListener() { throw new Error("remove boom"); } }),
      "aborted throws on its second read": (() => { let reads = 0; return { get aborted() { reads += 1; if (reads > 1) throw new Error("aborted boom"); return false; }, addEventListener() {}, removeEventListener() {} }; })(),
    };
    for (const [what, signal] of Object.entries(signals)) {
      const outcome = await settledWithin(client.queryUpgradeTask("op-1", { signal }));
      // Before the fix: a raw Error for two of these, and a call that never settled for one.
      assert.ok(outcome === "still pending" ? false : outcome.status === "success" || outcome instanceof UpgradeTaskError, `${what}: ${outcome}`);
    }
  });

  test("a client's signal and a call's own both cancel the call", async () => {
    const clientStop = new AbortController();
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: "k", accessToken: "tok", signal: clientStop.signal });
    assert.equal((await client.queryUpgradeTask("op-1", { signal: new AbortController().signal })).status, "success");
    clientStop.abort(new Error("the client is shut down"));
    const before = server.requests.length;
    // Before the fix the call's own signal replaced the client's, and the call was sent.
    const e = await rejection(client.queryUpgradeTask("op-1", { signal: new AbortController().signal }), { token: "tok", appKey: "" });
    assert.equal(e.kind, "aborted");
    assert.equal(e.cause?.message, "the client is shut down");
    const callStop = new AbortController();
    callStop.abort(new Error("this call only"));
    const other = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: "k", accessToken: "tok", signal: new AbortController().signal });
    assert.equal((await rejection(other.queryUpgradeTask("op-1", { signal: callStop.signal }), { token: "tok", appKey: "" })).cause?.message, "this call only");
    assert.equal(server.requests.length, before, "nothing sent");
  });

  test("a client's batch and subtask walk read each of the caller's getters once", async () => {
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: "k", accessToken: "tok", rateLimit: false });
    let reads = 0;
    const counted = { get timeoutMs() { reads += 1; return 5000; } };
    await client.queryUpgradeTasks(["op-1", "op-2", "op-3"], counted);
    assert.equal(reads, 1, "before the fix 5 reads for 3 ids");
    reads = 0;
    answer = (_req, res) => json(res, 200, { data: [], totalCount: 0 });
    try {
      for await (const _ of client.listUpgradeSubTasks("op-1", counted));
    } finally {
      answer = null;
    }
    assert.equal(reads, 1, "before the fix 2 reads (the filter and the options are one object)");
  });

  test("after the client's refresh-once, the error holds neither the refused token nor the new one", async () => {
    const tokens = ["first-token-AAA-111", "second-token-BBB-222"];
    answer = (req, res) => json(res, 401, { error_code: "1010005", error_desc: `Invalid access token ${req.headers.authorization.slice(7)} (earlier: ${tokens[0]})` });
    try {
      const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: "app-key-REVIEW", getAccessToken: ({ forceRefresh }) => tokens[forceRefresh ? 1 : 0] });
      const e = await client.queryUpgradeTask("op-1").catch((x) => x);
      assert.equal(e.kind, "unauthorized");
      assert.equal(e.attempts, 2);
      for (const token of tokens) assertNoSecrets(e, token, "app-key-REVIEW"); // before the fix: the first token in message and errorDesc
      assert.match(e.errorDesc, /Invalid access token \[redacted\]/);
    } finally {
      answer = null;
    }
  });
});
