// What the Redis store reports (from a review, each case failed before its fix): the shared
// window's calls in iot_gateway_rate_window_calls, iot_gateway_store_budget_waits once per call
// that waited, the 429 of the fallback's hold saying it is the hold, and Redis refusing the
// gateway's credentials (WRONGPASS, NOAUTH, NOPERM) told apart from Redis being away. A
// redis-server of our own on a free loopback port, a small fake platform on loopback http.

import assert from "node:assert/strict";
import http from "node:http";
import { after, before, beforeEach, describe, test } from "node:test";
import { createClient } from "../../gateway/node_modules/redis/dist/index.js";
import { freePort, startRedis } from "./fleet.mjs";
import { gatewayModule, KEY, listen, logSink, onLoopback, sleep, TASK_PATH, waitFor } from "./helpers.mjs";

/** Login (after `loginDelayMs`), and task GETs answered 200 at once; `gets` counts the task GETs. */
async function fakePlatform({ loginDelayMs = 0 } = {}) {
  const st = { logins: 0, gets: 0 };
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    if (req.url.endsWith("/login")) st.loginsAsked = (st.loginsAsked ?? 0) + 1;
    if (req.url.endsWith("/login") && loginDelayMs > 0) await sleep(loginDelayMs);
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "application/json" });
    if (req.url.endsWith("/login")) {
      st.logins += 1;
      return res.end(JSON.stringify({ accessToken: `tok-${st.logins}`, tokenType: "bearer", refreshToken: "ref", expiresIn: 3600, scope: "default" }));
    }
    st.gets += 1;
    res.end(JSON.stringify({ operationId: req.url.split("/").pop() }));
  });
  return Object.assign(st, await onLoopback(server));
}

/** A gateway on `store` in front of `plat`, its log kept; get() resolves to { status, headers, text, json }. */
async function gatewayOn(plat, store, more = {}) {
  const logs = logSink();
  const gw = gatewayModule.createGateway({ upstream: plat.url, appId: "app", secret: "app-secret-value", consoleKeys: [KEY], store, logger: { level: "info", destination: logs.stream }, upstreamTimeoutMs: 1000, cacheMs: 0, ...more });
  const server = await listen(gw);
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    gw,
    logs,
    async get(p) {
      const r = await fetch(url + p, { headers: { authorization: `Bearer ${KEY}` }, signal: AbortSignal.timeout(15_000) });
      const text = await r.text();
      return { status: r.status, headers: r.headers, text, json: text.startsWith("{") ? JSON.parse(text) : null };
    },
    /** One gauge of GET /metrics. */
    async metric(name) {
      const { text } = await this.get("/metrics");
      const line = text.split("\n").find((l) => l.startsWith(`${name} `));
      assert.ok(line, `${name} in /metrics`);
      return Number(line.slice(name.length + 1));
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r()));
      await gw.close();
    },
  };
}

const shared = (g) => waitFor(() => g.gw.store.state().mode === "shared", "the store on Redis");
const fallback = (g) => waitFor(() => g.gw.store.state().mode === "fallback", "the fallback");

let redis;
before(async () => {
  redis = await startRedis();
});
// Each test starts from an empty Redis (startRedis: flush).
beforeEach(() => redis?.flush());

after(async () => {
  await redis?.stop();
});

describe("the metrics of the Redis store", () => {
  test("iot_gateway_rate_window_calls counts the shared window's calls while shared (those of every replica), the local window's in the fallback", { timeout: 30_000 }, async () => {
    const plat = await fakePlatform();
    const rate = { calls: 10, perMs: 60_000 };
    const a = await gatewayOn(plat, redis.url, { rate, replicas: 2 });
    const b = await gatewayOn(plat, redis.url, { rate, replicas: 2 });
    const away = await gatewayOn(plat, `redis://127.0.0.1:${await freePort()}/0`, { rate, replicas: 2 });
    try {
      await Promise.all([shared(a), shared(b)]);
      for (const id of ["m1", "m2", "m3"]) assert.equal((await a.get(`${TASK_PATH}/${id}`)).status, 200);
      assert.equal(plat.gets, 3);
      assert.equal(await a.metric("iot_gateway_rate_window_calls"), 3, "the replica that made the calls");
      assert.equal(await b.metric("iot_gateway_rate_window_calls"), 3, "a replica that made none sees the shared window too");
      // In the fallback: the local window, which the hold fills (the replica's whole share, 10 / 2).
      await fallback(away);
      assert.equal(await away.metric("iot_gateway_rate_window_calls"), 5);
    } finally {
      await Promise.all([a.close(), b.close(), away.close()]);
      await plat.close();
    }
  });

  test("iot_gateway_store_budget_waits counts a call that waited for the shared window once (not once per poll), and not a call refused at once", { timeout: 30_000 }, async () => {
    const plat = await fakePlatform();
    const rate = { calls: 1, perMs: 3000 };
    const patient = await gatewayOn(plat, redis.url, { rate, maxWaitMs: 10_000 });
    const hasty = await gatewayOn(plat, redis.url, { rate, maxWaitMs: 100 });
    try {
      await Promise.all([shared(patient), shared(hasty)]);
      assert.equal((await patient.get(`${TASK_PATH}/w1`)).status, 200); // the window's one slot, for 3 s after its answer
      const refused = await hasty.get(`${TASK_PATH}/w2`);
      assert.equal(refused.status, 429, "the window is full for longer than this gateway's 100 ms wait");
      assert.equal(await hasty.metric("iot_gateway_store_budget_waits"), 0, "a call refused at once did not wait");
      assert.equal((await patient.get(`${TASK_PATH}/w3`)).status, 200, "this one waits for the slot (about 3 s, polling Redis every 250 ms)");
      assert.equal(await patient.metric("iot_gateway_store_budget_waits"), 1, "one call waited");
      assert.equal(plat.gets, 2);
    } finally {
      await Promise.all([patient.close(), hasty.close()]);
      await plat.close();
    }
  });
});

/**
 * Two replicas A and B on Redis in front of a platform whose login takes `loginDelayMs`; runs
 * `fn({ plat, a, b, first })` once A's first call holds the fleet's token lock, its login in
 * flight (`first`: that call's answer, or its error).
 */
async function withLoginInFlight(loginDelayMs, fn) {
  const plat = await fakePlatform({ loginDelayMs });
  const a = await gatewayOn(plat, redis.url, { replicas: 2, upstreamTimeoutMs: 15_000 });
  const b = await gatewayOn(plat, redis.url, { replicas: 2, upstreamTimeoutMs: 15_000 });
  try {
    await Promise.all([shared(a), shared(b)]);
    const first = a.get(`${TASK_PATH}/first`).catch((err) => err);
    await waitFor(() => plat.loginsAsked > 0, "A's login reached the platform"); // A holds the token lock
    await fn({ plat, a, b, first });
  } finally {
    await Promise.all([a.close(), b.close()]);
    await plat.close();
  }
}

describe("a replica that closes", () => {
  test("closed while its login runs: the fleet's token lock is released, so another replica logs in at once; no false login error", { timeout: 30_000 }, async () => {
    await withLoginInFlight(1000, async ({ a, b, first }) => {
      await a.gw.close(); // a rolling deploy
      const answer = await first;
      assert.ok(answer instanceof Error || answer.status === 503, `A's caller: ${answer.status ?? answer}`);
      const started = Date.now();
      const r = await b.get(`${TASK_PATH}/c2`);
      assert.equal(r.status, 200, r.text);
      // Before, B waited for the lock's lease (upstreamTimeoutMs + 2 s = 17 s here).
      assert.ok(Date.now() - started < 8000, `B answered after ${Date.now() - started} ms`);
      assert.deepEqual(a.logs.lines.filter((l) => l.level >= 50).map((l) => l.msg), [], "the shutdown is no failed login");
    });
  });

  test("closed while it waits for another replica's login: close() and its caller's 503 come at once, not after that login", { timeout: 30_000 }, async () => {
    await withLoginInFlight(6000, async ({ plat, b, first }) => {
      const waiting = b.get(`${TASK_PATH}/l2`).catch((err) => err);
      await waitFor(() => b.gw.store.state().lockWaits > 0, "B waits for A's login");
      const started = Date.now();
      await b.gw.close();
      const closedIn = Date.now() - started;
      const r = await waiting;
      assert.equal(r.status, 503, r.text ?? String(r));
      assert.equal(r.json.error_code, "GW.CLOSING");
      assert.ok(closedIn < 3000, `close() took ${closedIn} ms (A's login takes 6 s)`);
      assert.equal(plat.logins, 0, "A's login has not answered yet");
      await first;
    });
  });
});

describe("the fallback's hold", () => {
  test("a gateway started while Redis is unreachable: its 429 says the gateway lost its shared store and holds, not that the platform's rate is used up; nothing is sent", { timeout: 30_000 }, async () => {
    const plat = await fakePlatform();
    const g = await gatewayOn(plat, `redis://127.0.0.1:${await freePort()}/0`, { rate: { calls: 100, perMs: 60_000 } });
    try {
      await fallback(g);
      const r = await g.get(`${TASK_PATH}/h1`);
      assert.equal(r.status, 429);
      assert.equal(r.json.error_code, "1010009", "the platform's throttling code, as any 429 of the gateway");
      const seconds = Number(r.headers.get("retry-after"));
      assert.ok(seconds > 50 && seconds <= 61, `held for the window plus the upstream timeout (${seconds} s)`);
      assert.doesNotMatch(r.json.error_desc, /platform's rate/, r.json.error_desc);
      assert.match(r.json.error_desc, /lost its shared store/, r.json.error_desc);
      assert.match(r.json.error_desc, new RegExp(`retry after ${seconds} s\\.$`), r.json.error_desc);
      assert.equal(plat.gets, 0);
    } finally {
      await g.close();
      await plat.close();
    }
  });
});

describe("Redis refusing the gateway's credentials", () => {
  const PASSWORD = "right-password-4711";
  const WRONG = "wrong-password-0815";
  /** The ACL users' own (right) password. */
  const USER_PASSWORD = "user-password-2342";
  let locked;
  let admin;
  before(async () => {
    locked = await startRedis({ args: ["--requirepass", PASSWORD] });
    admin = createClient({ url: `redis://:${PASSWORD}@127.0.0.1:${locked.port}` });
    admin.on("error", () => {});
    await admin.connect();
    // A user that may read and write keys but not run scripts (the store's window needs EVAL).
    await admin.sendCommand(["ACL", "SETUSER", "noscripts", "on", `>${USER_PASSWORD}`, "~*", "+@all", "-eval", "-evalsha"]);
  });
  after(async () => {
    admin?.destroy();
    await locked?.stop();
  });

  for (const [code, url] of [
    ["WRONGPASS", () => `redis://:${WRONG}@127.0.0.1:${locked.port}/0`],
    ["NOAUTH", () => `redis://127.0.0.1:${locked.port}/0`],
    ["NOPERM", () => `redis://noscripts:${USER_PASSWORD}@127.0.0.1:${locked.port}/0`],
  ]) {
    test(`${code}: logged once at error level naming the cause, shown by /healthz, never as "Redis unreachable"; the gateway keeps serving from its fallback; no credential logged`, { timeout: 30_000 }, async () => {
      const plat = await fakePlatform();
      const g = await gatewayOn(plat, url());
      try {
        await fallback(g);
        await sleep(2500); // node-redis reconnects (and is refused again) every second meanwhile, the store probes every 500 ms
        const health = await g.get("/healthz");
        assert.equal(health.status, 200, "the gateway keeps serving");
        assert.equal(health.json.storeState.mode, "fallback");
        assert.equal(health.json.storeState.refused, code, health.text);
        const errors = g.logs.lines.filter((l) => l.event === "store" && l.level === 50);
        assert.equal(errors.length, 1, JSON.stringify(errors));
        assert.match(errors[0].msg, new RegExp(`^Redis refused the gateway's credentials \\(${code}\\): check the store URL's password/user`));
        assert.deepEqual(g.logs.lines.filter((l) => /unreachable/i.test(l.msg)), [], "not told as Redis being away");
        assert.equal((await g.get(`${TASK_PATH}/c1`)).status, 429, "the fallback's hold, as for a Redis away");
        for (const text of [...g.logs.raw, health.text, await g.get("/metrics").then((m) => m.text)]) {
          assert.ok(![WRONG, PASSWORD, USER_PASSWORD].some((p) => text.includes(p)), `no password in ${text}`);
          assert.ok(!text.includes(`@127.0.0.1:${locked.port}`), `no store URL in ${text}`);
        }
      } finally {
        await g.close();
        await plat.close();
      }
    });
  }

  test("credentials fixed (the ACL user may run scripts again): the replica rejoins and /healthz no longer shows the refusal", { timeout: 30_000 }, async () => {
    const plat = await fakePlatform();
    await admin.sendCommand(["ACL", "SETUSER", "fixable", "on", `>${USER_PASSWORD}`, "~*", "+@all", "-eval", "-evalsha"]);
    const g = await gatewayOn(plat, `redis://fixable:${USER_PASSWORD}@127.0.0.1:${locked.port}/0`);
    try {
      await waitFor(() => g.gw.store.state().refused === "NOPERM", "the refusal");
      await admin.sendCommand(["ACL", "SETUSER", "fixable", "+eval", "+evalsha"]);
      await shared(g);
      const health = await g.get("/healthz");
      assert.equal(health.json.storeState.refused, null, health.text);
    } finally {
      await g.close();
      await plat.close();
    }
  });
});
