// Retries, rate limit, tokens, waiting and batches, end to end against the simulator.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startSimulator } from "../../simulator/index.mjs";
import { simClock } from "../sim-clock.mjs";
import { json, pkg, platformTask, rejection, scriptedServer, assertNoSecrets } from "./helpers.mjs";

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
