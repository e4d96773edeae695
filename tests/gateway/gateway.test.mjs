// The gateway in front of the platform-faithful simulator (https, client certificate required,
// no CORS): routes, the error table as the package reports it, the token's life (one login,
// refresh before expiry, one re-login after a revoke), a missing client certificate, fan-in
// (coalescing, cache, the rate with its bounded wait) and the package's API through it.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { simClock } from "../sim-clock.mjs";
import { APP, KEY, TASK_PATH, arrivals, gatewayModule, listen, maxInWindow, pkg, raw, rejection, startStack, through, waitFor } from "./helpers.mjs";

const { queryUpgradeTask, waitForUpgradeTask, queryUpgradeTasks, UpgradeTaskClient, UpgradeTaskError } = pkg;

describe("through the gateway over two-way TLS", () => {
  let stack;
  before(async () => {
    // Time counted in requests (100 ms of simulator and gateway time per platform call): a
    // progressing task shows the same states to a poller however slowly the machine runs it.
    const clock = simClock({ perRequestMs: 100 });
    stack = await startStack({ sim: clock.options, gateway: { cacheMs: 0, clock } });
  });
  after(() => stack.close());

  test("a task: the package gets the normalised task; the platform saw the gateway's token and app key, one login", async () => {
    const task = await queryUpgradeTask("fw-now-devices", KEY, through(stack));
    assert.equal(task.operationId, "fw-now-devices");
    assert.equal(task.operateType, "firmware_upgrade");
    const q = stack.upstreamQueries().at(-1);
    assert.equal(q.path, `${TASK_PATH}/fw-now-devices`);
    assert.equal(q.auth, "ok");
    assert.equal(q.headers.app_key, APP.appId, "the caller's app_key is replaced by the platform's");
    assert.equal(q.headers.authorization, "Bearer ***");
    assert.equal(stack.logins().length, 1);
  });

  test("the task list and subtask routes are forwarded with their query string; the id is one canonical segment", async () => {
    const list = await raw(stack.url, `${TASK_PATH}?pageNo=0&pageSize=10&status=processing`);
    const subs = await raw(stack.url, `${TASK_PATH}/sw-stopped/subOperations?pageNo=1&pageSize=5`);
    const odd = await raw(stack.url, `${TASK_PATH}/a%20b%C3%A9`);
    const paths = stack.upstreamQueries().slice(-3).map((r) => r.url);
    assert.deepEqual(paths, [
      `${TASK_PATH}?pageNo=0&pageSize=10&status=processing`,
      `${TASK_PATH}/sw-stopped/subOperations?pageNo=1&pageSize=5`,
      `${TASK_PATH}/a%20b%C3%A9`,
    ]);
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.json.data) && list.json.data.length > 0 && list.json.data.every((t) => typeof t.operationId === "string"), "the page, relayed");
    assert.equal(subs.status, 200);
    assert.equal(subs.json.pageSize, 5);
    assert.ok(subs.json.data.length > 0 && subs.json.data.every((d) => typeof d.deviceId === "string"));
    assert.equal(odd.status, 400, "the simulator's answer to an id outside its character set");
    assert.equal(odd.json.error_code, "120015");
  });

  // Each row: an armed simulator fault → the kind the package reports through the gateway.
  const table = [
    ["status=400", "bad_request", 400, "120015"],
    ["status=400;code=123029", "page_limit", 400, "123029"],
    ["status=404", "not_found", 404, "123009"],
    ["error-code-200", "not_found", 200, "123009"],
    ["status=429", "throttled", 429, "1010009"],
    ["status=403;code=1010009", "throttled", 403, "1010009"],
    ["status=503", "server", 503, "50252"],
    ["html-502", "server", 502, null],
    ["status=418", "http", 418, null],
    ["truncated", "invalid_response", 200, null],
    ["json-array", "invalid_response", 200, null],
  ];
  for (const [fault, kind, httpStatus, errorCode] of table) {
    test(`error table: ${fault} → ${kind}`, async () => {
      stack.sim.setFault(fault, { operationId: "sw-stopped", count: 1 });
      const e = await rejection(queryUpgradeTask("sw-stopped", KEY, through(stack)));
      assert.ok(e instanceof UpgradeTaskError);
      assert.equal(e.kind, kind, e.message);
      assert.equal(e.httpStatus, httpStatus);
      if (errorCode) assert.equal(e.errorCode, errorCode);
      assert.doesNotMatch(e.message, new RegExp(`${KEY}|${APP.secret}`));
    });
  }

  test("a delayed platform answer is relayed (the gateway waits, it does not time out first)", async () => {
    stack.sim.setFault("delay=300", { operationId: "sw-stopped", count: 1 });
    const task = await queryUpgradeTask("sw-stopped", KEY, through(stack));
    assert.equal(task.status, "stop");
  });

  test("a platform that resets the connection: 502 in the platform's shape, kind server", async () => {
    stack.sim.setFault("reset", { operationId: "sw-stopped", count: 1 });
    const e = await rejection(queryUpgradeTask("sw-stopped", KEY, through(stack)));
    assert.equal(e.kind, "server");
    assert.equal(e.httpStatus, 502);
    assert.equal(e.errorCode, "GW.UPSTREAM");
    assert.match(e.errorDesc, /could not get an answer from the platform/);
  });

  test("the token is revoked at the platform (another login): the gateway logs in again once and the call succeeds", async () => {
    await queryUpgradeTask("sw-stopped", KEY, through(stack)); // logged in, whatever ran before
    const before = stack.logins().length;
    stack.sim.login(); // a new login invalidates the gateway's token
    const tasks = await Promise.all(Array.from({ length: 10 }, (_, i) => queryUpgradeTask(i % 2 ? "sw-stopped" : "fw-now-devices", KEY, through(stack))));
    assert.equal(tasks.length, 10);
    assert.equal(stack.logins().length, before + 1, "exactly one re-login for ten concurrent callers");
    const rejected = stack.upstreamQueries().filter((r) => r.auth === "invalid");
    assert.ok(rejected.length >= 1 && rejected.length <= 10);
  });

  test("the platform answers resultcode 1010005 once: one re-login, the caller never sees it", async () => {
    await queryUpgradeTask("sw-stopped", KEY, through(stack)); // logged in, whatever ran before
    const before = stack.logins().length;
    stack.sim.setFault("resultcode", { operationId: "fw-now-devices", count: 1 });
    const task = await queryUpgradeTask("fw-now-devices", KEY, through(stack));
    assert.equal(task.operationId, "fw-now-devices");
    assert.equal(stack.logins().length, before + 1);
  });

  test("the waiter, the batch call and the client work through the gateway unchanged", async () => {
    await queryUpgradeTask("sw-stopped", KEY, through(stack)); // logged in: each poll below is one platform call, 100 ms apart
    stack.sim.restartTask("demo-progress-success", { progressMs: 1500 });
    const seen = [];
    const done = await waitForUpgradeTask("demo-progress-success", KEY, { ...through(stack), minDelayMs: 20, maxDelayMs: 50, maxWaitMs: 60_000, onProgress: (t) => seen.push(JSON.stringify(t)) });
    assert.equal(done.status, "success");
    // Polls at 0, 100, …, 1400 ms of platform time: waiting until 150 ms (10 %), processing with
    // new counts from 200 to 1300 ms, ended at 1350 ms (90 %) — the same sequence as direct.
    assert.deepEqual(seen.map((x) => JSON.parse(x).status), ["wait", ...Array(12).fill("processing"), "success"]);
    assert.equal(new Set(seen).size, seen.length, "called only on changes");
    assert.equal(stack.upstreamQueries().filter((r) => r.path.endsWith("/demo-progress-success")).length, 15);
    const batch = await queryUpgradeTasks(["fw-now-devices", "missing-task", "sw-stopped"], KEY, through(stack));
    assert.deepEqual(batch.map((r) => [r.operationId, r.ok, r.ok ? r.task.status : r.error.kind]), [
      ["fw-now-devices", true, "success"],
      ["missing-task", false, "not_found"],
      ["sw-stopped", true, "stop"],
    ]);
    const client = new UpgradeTaskClient({ baseUrl: stack.url, appKey: "console", getAccessToken: () => KEY });
    assert.equal((await client.queryUpgradeTask("sw-group-online")).status, "processing");
  });

  test("GET /healthz and GET /metrics (Prometheus text) with requests, upstream calls, cache, queue, logins, throttled", async () => {
    const h = await raw(stack.url, "/healthz", { key: null });
    assert.equal(h.status, 200);
    assert.equal(h.json.status, "ok");
    assert.equal(h.json.loggedIn, true);
    const m = await raw(stack.url, "/metrics", { key: null });
    assert.equal(m.status, 200);
    assert.match(m.headers["content-type"], /^text\/plain/);
    for (const name of ["iot_gateway_requests_total", "iot_gateway_upstream_calls_total", "iot_gateway_cache_total", "iot_gateway_queue_depth", "iot_gateway_logins_total", "iot_gateway_throttled_total"]) {
      assert.match(m.text, new RegExp(`^# TYPE ${name} `, "m"), name);
    }
    assert.match(m.text, /^iot_gateway_requests_total\{route="task",status="200"\} \d+/m);
    assert.match(m.text, /^iot_gateway_logins_total\{type="login",result="ok"\} [2-9]/m);
    assert.match(m.text, /^iot_gateway_throttled_total\{source="platform"\} [1-9]/m);
  });

  test("one JSON log line per request: request id, route, status, upstream ms, cache", async () => {
    const r = await raw(stack.url, `${TASK_PATH}/fw-256-devices`);
    // Written when the server closes the exchange, which may be just after the client has the answer.
    const line = await waitFor(() => stack.logs.lines.find((l) => l.reqId === r.headers["x-request-id"]), "the request's log line");
    assert.ok(line, "a log line carries the request id the answer names");
    assert.equal(line.route, "task");
    assert.equal(line.status, 200);
    assert.equal(line.cache, "miss");
    assert.equal(typeof line.upstreamMs, "number");
    assert.equal(line.path, `${TASK_PATH}/fw-256-devices`);
  });
});

describe("the token's life", () => {
  test("one login for many callers, a refresh at 80 % of expiresIn (single-flight), a login once it ran out, never a rejected call", async () => {
    // One virtual clock for the simulator (its token expiry) and the gateway (its refresh):
    // "a minute later" is exactly a minute later for both, however slowly the machine runs.
    const clock = simClock();
    const stack = await startStack({ sim: { tokenTtlSeconds: 60, ...clock.options }, gateway: { cacheMs: 0, clock } });
    const both = () => Promise.all([queryUpgradeTask("sw-stopped", KEY, through(stack)), queryUpgradeTask("fw-now-devices", KEY, through(stack))]);
    try {
      const loginAt = clock.now();
      await Promise.all(Array.from({ length: 20 }, () => queryUpgradeTask("fw-now-devices", KEY, through(stack))));
      assert.equal(stack.logins().length, 1, "twenty concurrent first callers share one login");
      const firstCalls = stack.upstreamQueries().length;
      const rec = await stack.gateway.store.token.current();
      // expiresIn 60 s, on the gateway's clock (less the few real ms between the package's answer and the gateway's record).
      assert.ok(rec.expiresAt <= loginAt + 60_000 && rec.expiresAt > loginAt + 55_000, `expiresAt ${rec.expiresAt - loginAt} ms after the login`);
      // Within a millisecond: the times are epoch ms near 1.7e12, where a double's step is ~2e-4 ms,
      // so 20 % of a lifetime that is not a multiple of 5 ms cannot come out exact.
      const margin = rec.expiresAt - rec.refreshAt;
      assert.ok(Math.abs(margin - 0.2 * (rec.expiresAt - loginAt)) <= 1, `refreshAt: 20 % of the lifetime before expiry (${margin} ms before)`);
      // Each step: [ms to advance, refreshes then, logins then].
      for (const [advance, refreshes, logins] of [
        [45_000, 0, 1], // 45 s: before refreshAt (48 s)
        [5_000, 1, 1], // 50 s: refreshed (the token's new life: 60 s from now), both callers on one refresh
        [45_000, 1, 1], // 95 s: before the new refreshAt (98 s)
        [5_000, 2, 1], // 100 s: refreshed again
        [70_000, 2, 2], // 170 s: the token ran out (160 s) before anyone asked: a new login, not a refresh
        [40_000, 2, 2],
        [10_000, 3, 2], // 220 s: 50 s into the login's token: refreshed
      ]) {
        clock.advance(advance);
        await both();
        assert.deepEqual([stack.refreshes().length, stack.logins().length], [refreshes, logins], `at +${clock.now() - loginAt} ms: refreshes, logins`);
      }
      const bad = stack.upstreamQueries().filter((r) => r.auth !== "ok");
      assert.deepEqual(bad, [], "no call ever went out with an expired token");
      assert.equal(stack.upstreamQueries().length, firstCalls + 7 * 2, "two calls a step, each with a valid token");
    } finally {
      await stack.close();
    }
  });

  test("without a client certificate the simulator refuses the handshake and the gateway says so", async () => {
    const stack = await startStack({ clientCert: false });
    try {
      const e = await rejection(queryUpgradeTask("fw-now-devices", KEY, through(stack)));
      assert.equal(e.kind, "server");
      assert.equal(e.httpStatus, 502);
      assert.equal(e.errorCode, "GW.LOGIN");
      assert.match(e.errorDesc, /requires a client certificate.*--cert and --key/);
      assert.equal(stack.sim.requests().length, 0, "nothing reached the platform's HTTP layer");
      assert.ok(stack.logs.lines.some((l) => l.level >= 50 && l.event === "login"), "an error log line");
    } finally {
      await stack.close();
    }
  });

  test("a connection the platform resets: the 502 names TLS causes only over https, and the right flags for each", async () => {
    const { describeFailure } = await import("../../pkg-gateway/lib/upstream.mjs");
    const reset = { code: "UND_ERR_SOCKET", message: "other side closed" };
    const plain = describeFailure(reset, { hasClientCert: false, tls: false });
    assert.equal(plain, "the platform closed the connection (UND_ERR_SOCKET)");
    assert.match(describeFailure(reset, { hasClientCert: false, tls: true }), /if it requires a client certificate, give the gateway --cert and --key$/);
    const withCert = describeFailure({ code: "ECONNRESET" }, { hasClientCert: true, tls: true });
    assert.match(withCert, /check --cert \/ --key against the CA the platform trusts$/);
    assert.doesNotMatch(withCert, /give the gateway --cert/, "it has them");
  });

  test("a platform certificate from another CA is refused (verification is always on)", async () => {
    const stack = await startStack({ gateway: { ca: undefined } });
    try {
      const r = await raw(stack.url, `${TASK_PATH}/fw-now-devices`);
      assert.equal(r.status, 502);
      assert.match(r.json.error_desc, /certificate could not be verified/);
    } finally {
      await stack.close();
    }
  });

  test("a wrong secret: 502 GW.LOGIN naming the platform's answer", async () => {
    const stack = await startStack({ gateway: { secret: "not-the-secret" } });
    try {
      const r = await raw(stack.url, `${TASK_PATH}/fw-now-devices`);
      assert.equal(r.status, 502);
      assert.equal(r.json.error_code, "GW.LOGIN");
      assert.match(r.json.error_desc, /100208/);
      assert.doesNotMatch(r.text, /not-the-secret/);
    } finally {
      await stack.close();
    }
  });
});

describe("fan-in", () => {
  test("50 identical concurrent requests cost one upstream call; the answer is cached for exactly cacheMs", async () => {
    const clock = simClock(); // the gateway's cache and the simulator on one virtual clock
    const stack = await startStack({ sim: clock.options, gateway: { cacheMs: 800, clock } });
    try {
      stack.sim.setFault("delay=150", { operationId: "sw-stopped" }); // keep the first call in flight
      const answers = await Promise.all(Array.from({ length: 50 }, () => raw(stack.url, `${TASK_PATH}/sw-stopped`)));
      assert.ok(answers.every((a) => a.status === 200 && a.json.operationId === "sw-stopped"));
      assert.equal(stack.upstreamQueries().length, 1, "one upstream call for 50 requests");
      const sources = answers.map((a) => a.headers["x-gateway-cache"]);
      assert.equal(sources.filter((s) => s === "miss").length, 1);
      assert.equal(sources.filter((s) => s === "coalesced").length + sources.filter((s) => s === "hit").length, 49);
      const cache = async () => (await raw(stack.url, `${TASK_PATH}/sw-stopped`)).headers["x-gateway-cache"];
      assert.equal(await cache(), "hit");
      clock.advance(799);
      assert.equal(await cache(), "hit", "1 ms before cacheMs ran out");
      assert.equal(stack.upstreamQueries().length, 1);
      clock.advance(1);
      assert.equal(await cache(), "miss", "expired after cacheMs");
      assert.equal(stack.upstreamQueries().length, 2);
      clock.advance(799);
      assert.equal(await cache(), "hit", "the new answer, kept from its own arrival");
      clock.advance(2);
      assert.equal(await cache(), "miss");
      assert.equal(stack.upstreamQueries().length, 3);
      // Errors other than 404 are not cached.
      stack.sim.clearFaults();
      stack.sim.setFault("status=503", { operationId: "fw-now-devices", count: 1 });
      assert.equal((await raw(stack.url, `${TASK_PATH}/fw-now-devices`)).status, 503);
      assert.equal((await raw(stack.url, `${TASK_PATH}/fw-now-devices`)).status, 200);
      // A 404 is.
      assert.equal((await raw(stack.url, `${TASK_PATH}/no-such-task`)).status, 404);
      assert.equal((await raw(stack.url, `${TASK_PATH}/no-such-task`)).headers["x-gateway-cache"], "hit");
    } finally {
      await stack.close();
    }
  });

  test("the rate counts a call until perMs after its answer; waiters queue fairly, are woken when their slot frees, and the platform never throttles", async () => {
    // The platform: 3 calls per 400 ms by arrival. Its answers take 150 ms (real), so a limiter
    // that counted only sends would let arrivals bunch; the gateway's window starts at the answer.
    // Both windows run on one virtual clock that stands still while the calls travel: the slots
    // free, and the queue wakes, exactly when the test moves the clock 400 ms past the answers.
    const clock = simClock();
    const RATE = { calls: 3, perMs: 400 };
    const stack = await startStack({ sim: { throttle: RATE, ...clock.options }, gateway: { cacheMs: 0, rate: RATE, maxWaitMs: 15000, clock } });
    const limiter = stack.gateway.store.limiter;
    const arrived = arrivals(stack.server);
    try {
      assert.equal((await raw(stack.url, `${TASK_PATH}/sw-stopped`)).status, 200, "logged in, one call");
      clock.advance(401); // that call has left both windows
      stack.sim.setFault("delay=150");
      const t1 = clock.now();
      const ids = ["fw-now-devices", "sw-stopped", "sw-group-online", "fw-256-devices", "fw-custom-window", "sw-lenient-shapes", "demo-hostile"];
      const done = [];
      const ask = (id) => raw(stack.url, `${TASK_PATH}/${id}`).then((a) => (done.push({ id, a }), a));
      const first = ids.map(ask);
      await waitFor(() => done.length === 3 && limiter.depth() === 4, "3 calls answered and 4 waiting");
      const answeredFirst = done.map((d) => d.id);
      // In arrival order, which is the queue's (FIFO) order.
      const queued = arrived.slice(1).map((u) => u.split("/").at(-1)).filter((id) => !answeredFirst.includes(id));
      assert.equal(queued.length, 4);
      // Two more callers for tasks already waiting: they share those calls (coalesced), no slot of their own.
      const repeats = [ask(queued[1]), ask(queued[3])];
      await waitFor(() => arrived.length === 10, "the repeats arrived");
      await new Promise((r) => setImmediate(r));
      clock.advance(400);
      assert.equal(limiter.depth(), 4, "400 ms after the answers the slots are still taken: nobody was woken");
      assert.equal(stack.upstreamQueries().length, 4);
      clock.advance(1);
      assert.equal(limiter.depth(), 1, "then the three oldest waiters got the three slots at once");
      // The second round: three calls, four callers (one of the repeats shares queued[1]'s call).
      await waitFor(() => stack.upstreamQueries().length === 7 && done.length === 7, "the second round answered");
      clock.advance(401);
      assert.equal(limiter.depth(), 0);
      const answers = await Promise.all([...first, ...repeats]);
      assert.deepEqual(answers.map((a) => a.status), answers.map(() => 200), "nobody was throttled by the platform");
      assert.deepEqual((await Promise.all(repeats)).map((a) => a.headers["x-gateway-cache"]), ["coalesced", "coalesced"]);
      const seen = stack.upstreamQueries().slice(1);
      assert.equal(seen.length, 7, "seven distinct tasks, the two repeats coalesced");
      assert.equal(seen.filter((r) => r.status === 403).length, 0, "no 1010009");
      // Exactly when each call reached the platform, on the shared clock: the queue served in its order.
      const at = (r) => `${Date.parse(r.time) - t1} ${r.path.split("/").at(-1)}`;
      assert.deepEqual(seen.map(at).sort(), [...answeredFirst.map((id) => `0 ${id}`), ...queued.slice(0, 3).map((id) => `401 ${id}`), `802 ${queued[3]}`].sort());
      assert.ok(maxInWindow(seen, 400) <= 3, `at most 3 arrivals in any 400 ms (saw ${maxInWindow(seen, 400)})`);
    } finally {
      await stack.close();
    }
  });

  test("past maxWaitMs a caller gets 429 with Retry-After at once (when its slot frees, on the gateway's clock), which the package reports as throttled", async () => {
    const clock = simClock();
    const stack = await startStack({ sim: clock.options, gateway: { cacheMs: 0, rate: { calls: 1, perMs: 60000 }, maxWaitMs: 200, clock } });
    try {
      assert.equal((await raw(stack.url, `${TASK_PATH}/fw-now-devices`)).status, 200);
      clock.advance(15_000);
      const started = Date.now();
      const r = await raw(stack.url, `${TASK_PATH}/sw-stopped`);
      assert.ok(Date.now() - started < 20_000, "no caller hangs");
      assert.equal(r.status, 429);
      assert.equal(r.json.error_code, "1010009");
      assert.equal(r.headers["retry-after"], "45", "the slot frees 60 s after the first answer, 45 s from now");
      clock.advance(43_500);
      assert.equal((await raw(stack.url, `${TASK_PATH}/sw-stopped`)).headers["retry-after"], "2", "1.5 s, rounded up to whole seconds");
      const e = await rejection(queryUpgradeTask("sw-stopped", KEY, through(stack)));
      assert.equal(e.kind, "throttled");
      assert.equal(e.retryable, true);
      assert.equal(stack.upstreamQueries().length, 1);
    } finally {
      await stack.close();
    }
  });

  test("a queued caller is served when its slot frees; one still waiting at maxWaitMs gets 429 then, on the gateway's clock", async () => {
    const clock = simClock();
    const stack = await startStack({ sim: clock.options, gateway: { cacheMs: 0, rate: { calls: 1, perMs: 1000 }, maxWaitMs: 1500, clock } });
    const limiter = stack.gateway.store.limiter;
    try {
      assert.equal((await raw(stack.url, `${TASK_PATH}/fw-now-devices`)).status, 200); // answered at t0: its slot frees at t0 + 1000
      const t0 = clock.now();
      const b = raw(stack.url, `${TASK_PATH}/sw-stopped`);
      await waitFor(() => limiter.depth() === 1, "B waiting");
      clock.advance(300);
      const c = raw(stack.url, `${TASK_PATH}/sw-group-online`); // its deadline: t0 + 1800; its slot: after B's answer + 1000
      await waitFor(() => limiter.depth() === 2, "C waiting");
      clock.advance(700);
      assert.equal(limiter.depth(), 2, "at t0 + 1000 the slot is free, but the queue wakes 1 ms later");
      clock.advance(1);
      assert.equal(limiter.depth(), 1, "B got the slot");
      assert.equal((await b).status, 200);
      clock.advance(798); // t0 + 1799
      assert.equal(limiter.depth(), 1, "C waits until its deadline");
      clock.advance(1);
      const rc = await c;
      assert.equal(rc.status, 429);
      assert.equal(rc.headers["retry-after"], "1", "B's slot frees at t0 + 2001");
      assert.equal(limiter.depth(), 0);
      assert.deepEqual(stack.upstreamQueries().map((q) => [q.path.split("/").at(-1), Date.parse(q.time) - t0]), [["fw-now-devices", 0], ["sw-stopped", 1001]]);
    } finally {
      await stack.close();
    }
  });
});

describe("embedding", () => {
  test("as Express middleware: its routes are served, other paths go to the app", async () => {
    const { default: express } = await import("../../gateway/node_modules/express/index.js");
    const stack = await startStack();
    const app = express();
    app.use(stack.gateway);
    app.get("/hello", (_req, res) => res.json({ app: true }));
    const server = await listen(app);
    const url = `http://127.0.0.1:${server.address().port}`;
    try {
      const task = await queryUpgradeTask("fw-now-devices", KEY, { ...through(stack), baseUrl: url });
      assert.equal(task.operationId, "fw-now-devices");
      assert.deepEqual((await raw(url, "/hello", { key: null })).json, { app: true });
    } finally {
      server.closeAllConnections();
      server.close();
      await stack.close();
    }
  });

  test("an authorize(req) hook lets cookie sessions in; a throwing hook refuses", async () => {
    const stack = await startStack({
      gateway: {
        consoleKeys: [],
        authorize: async (req) => {
          if (req.headers.cookie === "session=boom") throw new Error("session store down");
          return req.headers.cookie === "session=good";
        },
      },
    });
    try {
      assert.equal((await raw(stack.url, `${TASK_PATH}/fw-now-devices`, { key: null, headers: { cookie: "session=good" } })).status, 200);
      assert.equal((await raw(stack.url, `${TASK_PATH}/fw-now-devices`, { key: null, headers: { cookie: "session=bad" } })).status, 401);
      assert.equal((await raw(stack.url, `${TASK_PATH}/fw-now-devices`, { key: null, headers: { cookie: "session=boom" } })).status, 401);
    } finally {
      await stack.close();
    }
  });

  test("bad configurations throw GatewayConfigError naming the option", () => {
    const base = { upstream: "https://iot.example.com:8743", appId: "a", secret: "s", consoleKeys: [KEY] };
    const { createGateway, GatewayConfigError } = gatewayModule;
    for (const [change, pattern] of [
      [{ upstream: "http://iot.example.com" }, /upstream must be https/],
      [{ upstream: "https://u:p@iot.example.com" }, /credentials/],
      [{ appId: "" }, /appId/],
      [{ secret: undefined }, /secret/],
      [{ consoleKeys: ["short"] }, /at least 16/],
      [{ consoleKeys: [] }, /consoleKeys or an authorize/],
      [{ cert: "x" }, /cert and key go together/],
      [{ cert: "not a certificate", key: "not a key" }, /cert is not a PEM certificate \(/],
      [{ ca: "not a certificate" }, /ca is not a PEM certificate \(/],
      [{ replicas: 3 }, /replicas \(3\) needs a shared store/],
      [{ origins: ["https://a.example/"] }, /exactly scheme/],
      [{ rate: "100" }, /rate/],
      [{ cacheMs: -1 }, /cacheMs/],
      [{ clock: {} }, /clock must be an object with now\(\)/],
      [{ clock: { now: () => 0, setTimeout: () => 0 } }, /clock.setTimeout and clock.clearTimeout go together/],
      [{ clock: { now: () => 0 }, now: () => 0 }, /clock or now, not both/],
      [{ now: 5 }, /now must be a function/],
    ]) {
      assert.throws(() => createGateway({ ...base, ...change }), (e) => e instanceof GatewayConfigError && pattern.test(e.message), JSON.stringify(change));
    }
  });
});
