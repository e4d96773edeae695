// The gateway when things go wrong around it: the token, the platform's answers, embedding as
// middleware, the shutdown, its configuration (each test fails without the fix it is named for).
// A small fake platform on loopback http; the gateway's time on a virtual clock where it matters.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { describe, test } from "node:test";
import { simClock } from "../sim-clock.mjs";
import { gatewayModule, KEY, listen, logSink, onLoopback, pkg, raw, ROOT, TASK_PATH, waitFor } from "./helpers.mjs";

const { createGateway, createMemoryStore, GatewayConfigError, RateLimited } = gatewayModule;
const BIN = path.join(ROOT, "pkg-gateway", "bin.mjs");
const SECRET = "hardening-app-secret-value";
const APP_ID = "hardening-app-id";

/**
 * A fake platform: login and refresh issue `tok-N-SECRETTOKEN` (a new one invalidates the old),
 * task GETs answer 200 with the current token, else 401/1010005. Knobs: `loginFails` (true: 503;
 * a string: 400/100208 with that error_desc),
 * `refreshFails`, `answer(req)` → [status, body text, headers?] (instead of the default), `hold` (a promise
 * every GET waits for).
 */
async function fakePlatform({ expiresIn = 3600 } = {}) {
  const p = { logins: 0, refreshes: 0, gets: [], token: null, n: 0, expiresIn, loginFails: false, refreshFails: false, answer: null, hold: null };
  const issue = () => {
    p.n += 1;
    p.token = `tok-${p.n}-SECRETTOKEN`;
    return { accessToken: p.token, tokenType: "bearer", refreshToken: `ref-${p.n}-REFRESHSECRET`, expiresIn: p.expiresIn, scope: "default" };
  };
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    const unavailable = { error_code: "50252", error_desc: "temporarily unavailable" };
    if (req.url.endsWith("/login")) {
      p.logins += 1;
      if (typeof p.loginFails === "string") return send(400, { error_code: "100208", error_desc: p.loginFails });
      return p.loginFails ? send(503, unavailable) : send(200, issue());
    }
    if (req.url.endsWith("/refreshToken")) {
      p.refreshes += 1;
      return p.refreshFails ? send(503, unavailable) : send(200, issue());
    }
    const auth = req.headers.authorization;
    p.gets.push({ id: req.url.split("/").at(-1), auth: auth?.replace(/^Bearer /, "") });
    if (p.hold) await p.hold;
    if (p.answer) return send(...p.answer(req));
    if (auth !== `Bearer ${p.token}`) return send(401, { error_code: "1010005", error_desc: "Invalid access token" });
    send(200, { operationId: req.url.split("/").at(-1), status: "success" });
  });
  return Object.assign(p, await onLoopback(server));
}

/**
 * The bin in front of `platform` (its own process, `flags` after the required ones): `url()`
 * once it listens, `out()` its output so far, `exited` its exit code, `kill()` (SIGKILL; also
 * after 45 s, so a hung bin cannot hang the test run).
 */
function startBin(platform, flags) {
  const child = spawn(process.execPath, [BIN, "--listen", "127.0.0.1:0", "--upstream", platform.url, "--app-id", APP_ID, "--console-key", KEY, ...flags], {
    env: { PATH: process.env.PATH, IOT_SECRET: SECRET },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  const exited = new Promise((r) => child.once("exit", (code) => r(code)));
  const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
  return {
    child,
    exited,
    out: () => out,
    url: async () => (await waitFor(() => /^gateway listening on (http:\/\/\S+)$/m.exec(out), "the listening line"))[1],
    kill() {
      clearTimeout(timer);
      child.kill("SIGKILL");
    },
  };
}

/** A gateway in front of `platform` on node:http; `close()` stops both the server and the gateway. */
async function front(platform, config = {}) {
  const logs = logSink();
  const gateway = createGateway({ upstream: platform.url, appId: APP_ID, secret: SECRET, consoleKeys: [KEY], cacheMs: 0, logger: { level: "info", destination: logs.stream }, ...config });
  const server = await listen(gateway);
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    gateway,
    url,
    logs,
    get: (id, options) => raw(url, `${TASK_PATH}/${id}`, options),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await gateway.close();
    },
  };
}

/** Lets pending promise callbacks and I/O run (the virtual clock stands still meanwhile). */
const settle = () => new Promise((r) => setImmediate(r));

describe("the token", () => {
  test("a store that lost the token record while renewing (replace gives null) gets asked again; one that gives none at all: 502 GW.LOGIN, no rate slot spent, nothing sent", async () => {
    const clock = simClock();
    const platform = await fakePlatform({ expiresIn: 100 });
    const inner = createMemoryStore({ rate: { calls: 10, perMs: 60_000 }, clock });
    let nulls = 0; // how many replace calls answer null (as the Redis store did when the key expired meanwhile)
    const store = { ...inner, token: { current: () => inner.token.current(), replace: async (stale, obtain) => (nulls-- > 0 ? null : inner.token.replace(stale, obtain)) } };
    const gw = await front(platform, { store, clock });
    try {
      assert.equal((await gw.get("first")).status, 200);
      clock.advance(85_000); // past refreshAt: the next request renews
      nulls = 1;
      const r = await gw.get("after-null");
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(platform.gets.map((g) => g.id), ["first", "after-null"]);

      const emptyStore = { ...createMemoryStore({ rate: { calls: 10, perMs: 60_000 }, clock }), token: { current: async () => null, replace: async () => null } };
      const broken = await front(platform, { store: emptyStore, clock });
      try {
        const e = await broken.get("no-token");
        assert.equal(e.status, 502);
        assert.equal(e.json.error_code, "GW.LOGIN", "not GW.UPSTREAM: the platform was never called");
        assert.doesNotMatch(e.json.error_desc, /could not get an answer from the platform/);
        assert.equal(emptyStore.limiter.used(), 0, "no slot of the rate spent");
        assert.equal(platform.gets.length, 2, "nothing sent");
      } finally {
        await broken.close();
      }
    } finally {
      await gw.close();
      await platform.close();
    }
  });

  test("a failed early refresh (after refreshAt, before expiry) keeps the valid token, is logged without secrets, and is retried only after a backoff", async () => {
    const clock = simClock();
    const platform = await fakePlatform({ expiresIn: 100 }); // refreshAt at 80 s
    const gw = await front(platform, { clock });
    try {
      assert.equal((await gw.get("first")).status, 200);
      clock.advance(81_000);
      platform.refreshFails = true;
      platform.loginFails = true;
      const statuses = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await gw.get(`during-${i}`)).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200], "the old token is still valid: the requests go through");
      assert.ok(platform.gets.slice(1).every((g) => g.auth === "tok-1-SECRETTOKEN"));
      assert.deepEqual([platform.refreshes, platform.logins], [1, 2], "one refresh and one login tried, not one per request");
      clock.advance(5_000); // 86 s: still within the backoff
      assert.equal((await gw.get("backoff")).status, 200);
      assert.deepEqual([platform.refreshes, platform.logins], [1, 2]);
      platform.refreshFails = false;
      platform.loginFails = false;
      clock.advance(5_001); // 91 s: the backoff is over, renewal is tried again (and works)
      assert.equal((await gw.get("renewed")).status, 200);
      assert.deepEqual([platform.refreshes, platform.logins], [2, 2]);
      assert.equal(platform.gets.at(-1).auth, "tok-2-SECRETTOKEN");
      const warn = await waitFor(() => gw.logs.lines.find((l) => l.event === "renew_failed"), "the renewal failure's log line");
      assert.equal(warn.level, 40);
      for (const line of gw.logs.raw) assert.ok(!/SECRETTOKEN|REFRESHSECRET/.test(line) && !line.includes(SECRET), `no secret logged: ${line}`);
    } finally {
      await gw.close();
      await platform.close();
    }
  });

  test("a failed early refresh holds off the whole fleet, not one replica: two gateways on one store try one refresh and one login per backoff", async () => {
    const clock = simClock();
    const platform = await fakePlatform({ expiresIn: 100 }); // refreshAt at 80 s
    const store = createMemoryStore({ rate: { calls: 100, perMs: 60_000 }, clock }); // the fleet's shared store
    const a = await front(platform, { store, clock });
    const b = await front(platform, { store, clock });
    try {
      assert.equal((await a.get("first")).status, 200);
      clock.advance(81_000);
      platform.refreshFails = true;
      platform.loginFails = true;
      const statuses = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await (i % 2 === 0 ? a : b).get(`during-${i}`)).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200], "the old token is still valid on both replicas");
      assert.deepEqual([platform.refreshes, platform.logins], [1, 2], "one refresh and one login for the fleet, not one per replica");
      const warnings = [...a.logs.lines, ...b.logs.lines].filter((l) => l.event === "renew_failed");
      assert.equal(warnings.length, 1, "logged once, by the replica that tried");
      platform.refreshFails = false;
      platform.loginFails = false;
      clock.advance(10_001); // the backoff is over: the next request on either replica renews
      assert.equal((await b.get("renewed")).status, 200);
      assert.equal((await a.get("after")).status, 200);
      assert.deepEqual([platform.refreshes, platform.logins], [2, 2]);
      assert.deepEqual(platform.gets.slice(-2).map((g) => g.auth), ["tok-2-SECRETTOKEN", "tok-2-SECRETTOKEN"]);
    } finally {
      await b.close();
      await a.close();
      await platform.close();
    }
  });

  test("a token that passes refreshAt while a caller waits for the rate is not renewed while that caller holds its slot: renewal waits for the next call, before the queue", async () => {
    const clock = simClock();
    const platform = await fakePlatform({ expiresIn: 100 }); // refreshAt just before 80 s
    const gw = await front(platform, { clock, rate: { calls: 1, perMs: 5000 }, maxWaitMs: 60_000 });
    const limiter = gw.gateway.store.limiter;
    try {
      assert.equal((await gw.get("warm")).status, 200); // tok-1 at T
      clock.advance(76_000);
      assert.equal((await gw.get("r1")).status, 200); // its slot: until T + 81 s
      const r2 = gw.get("r2"); // reads tok-1, still fresh, and waits for r1's slot
      await waitFor(() => limiter.depth() === 1, "r2 waiting");
      clock.advance(5001); // T + 81 s: past refreshAt, r2's slot comes
      await waitFor(() => platform.gets.length === 3, "r2 sent");
      assert.equal((await r2).status, 200);
      assert.equal(platform.refreshes, 0, "no refresh while r2 held its slot");
      assert.equal(platform.gets[2].auth, "tok-1-SECRETTOKEN", "r2 went out with the still-valid token");
      await settle();
      clock.advance(5001);
      assert.equal((await gw.get("r3")).status, 200); // renews first (before the queue), then sends
      assert.equal(platform.refreshes, 1);
      assert.equal(platform.gets.at(-1).auth, "tok-2-SECRETTOKEN");
    } finally {
      await gw.close();
      await platform.close();
    }
  });

  test("a token that runs out while a caller waits for the rate is never sent: the caller logs in when its slot comes", async () => {
    const clock = simClock();
    const platform = await fakePlatform({ expiresIn: 100 }); // refreshAt just before 80 s, expiry at 100 s
    const T = clock.now();
    const gw = await front(platform, { clock, rate: { calls: 1, perMs: 25_000 }, maxWaitMs: 60_000 });
    const limiter = gw.gateway.store.limiter;
    // The platform refuses tok-1 once it has run out (the fake platform has no expiry of its own).
    platform.answer = (req) => {
      const auth = req.headers.authorization;
      const valid = auth === `Bearer ${platform.token}` && !(auth === "Bearer tok-1-SECRETTOKEN" && clock.now() >= T + 100_000);
      return valid ? [200, JSON.stringify({ operationId: req.url.split("/").at(-1), status: "success" })] : [401, JSON.stringify({ error_code: "1010005", error_desc: "Invalid access token" })];
    };
    try {
      assert.equal((await gw.get("warm")).status, 200); // tok-1 at T; its slot until T + 25 s
      clock.advance(78_000);
      assert.equal((await gw.get("r1")).status, 200); // its slot: until T + 103 s
      clock.advance(1000); // T + 79 s: tok-1 is still fresh
      const r2 = gw.get("r2"); // reads tok-1 and waits for r1's slot
      await waitFor(() => limiter.depth() === 1, "r2 waiting");
      clock.advance(24_001); // T + 103 s: r2's slot; tok-1 ran out at T + 100 s
      // Answered at that slot (a refused expired token would wait for another slot, on a clock
      // that no longer moves: 5 s of the wall, generous, say so instead of hanging).
      let wall;
      const late = new Promise((resolve) => (wall = setTimeout(() => resolve(null), 5000)));
      const answered = await Promise.race([r2, late]).finally(() => clearTimeout(wall));
      assert.ok(answered !== null, `r2 was not answered at its slot (sent: ${platform.gets.map((g) => g.auth).join(", ")})`);
      assert.equal(answered.status, 200);
      assert.deepEqual(platform.gets.map((g) => `${g.id}:${g.auth.slice(0, 5)}`), ["warm:tok-1", "r1:tok-1", "r2:tok-2"], "r2 went out once, with a new token");
      assert.equal(platform.logins, 2);
      assert.equal(gw.logs.lines.filter((l) => l.event === "token_rejected").length, 0);
    } finally {
      await gw.close();
      await platform.close();
    }
  });

  test("a refresh while a caller waits for the rate: the caller sends the token current when its slot comes, not the one it read before", async () => {
    const clock = simClock();
    const platform = await fakePlatform({ expiresIn: 100 }); // a refresh invalidates the old token
    const gw = await front(platform, { clock, rate: { calls: 1, perMs: 5000 }, maxWaitMs: 60_000 });
    const limiter = gw.gateway.store.limiter;
    try {
      assert.equal((await gw.get("warm")).status, 200); // tok-1 at T, refreshAt just before T + 80 s
      clock.advance(76_000);
      assert.equal((await gw.get("r1")).status, 200); // its slot: until T + 81 s (the queue wakes 1 ms later)
      const r2 = gw.get("r2"); // reads tok-1, still fresh, and waits for r1's slot
      await waitFor(() => limiter.depth() === 1, "r2 waiting");
      clock.advance(4500); // T + 80.5 s: past refreshAt
      const r3 = gw.get("r3"); // refreshes (tok-2; tok-1 is now invalid), then waits behind r2
      await waitFor(() => limiter.depth() === 2, "r3 waiting");
      assert.equal(platform.refreshes, 1);
      clock.advance(501); // r2's slot
      await waitFor(() => platform.gets.length === 3, "r2 sent");
      assert.equal(platform.gets[2].auth, "tok-2-SECRETTOKEN", "r2 went out with the token current when its slot came");
      assert.equal((await r2).status, 200);
      await settle();
      clock.advance(5001); // r3's slot
      assert.equal((await r3).status, 200);
      assert.deepEqual(platform.gets.map((g) => `${g.id}:${g.auth.slice(0, 5)}`), ["warm:tok-1", "r1:tok-1", "r2:tok-2", "r3:tok-2"], "no platform call wasted");
      assert.equal(platform.logins, 1);
    } finally {
      await gw.close();
      await platform.close();
    }
  });

  test("the platform refuses a token obtained moments ago too (1010005): one new login, then the error without a login until the backoff ends", async () => {
    const clock = simClock();
    const platform = await fakePlatform();
    platform.answer = () => [403, { error_code: "1010005", error_desc: "app_key or access_token invalid" }];
    const gw = await front(platform, { clock });
    try {
      const statuses = [];
      for (let i = 0; i < 10; i += 1) {
        const r = await gw.get("same");
        statuses.push(`${r.status} ${r.json.error_code}`);
      }
      assert.deepEqual(statuses, Array(10).fill("502 GW.UPSTREAM_AUTH"));
      assert.equal(platform.logins, 2, "the first login and one new login after the 1010005, not one per request");
      assert.equal(platform.gets.length, 11, "each later request one call, no retry");
      clock.advance(10_001);
      assert.equal((await gw.get("same")).status, 502);
      assert.equal(platform.logins, 3, "after the backoff, one new login again");
      assert.equal(platform.gets.length, 13);
    } finally {
      await gw.close();
      await platform.close();
    }
  });
});

describe("the in-memory answer cache", () => {
  test("an answer is let go soon after cacheMs, without another request (it was kept until 10000 answers filled the cache)", async () => {
    const clock = simClock();
    const store = createMemoryStore({ rate: { calls: 100, perMs: 60_000 }, clock });
    try {
      for (let i = 0; i < 20; i++) {
        await store.responses.load(`k${i}`, 1000, async () => ({ body: Buffer.alloc(1024) }), () => true);
        clock.advance(10);
      }
      assert.equal(store.responses.size(), 20);
      clock.advance(1000); // the first ones are past their 1000 ms, the last ones not yet
      assert.ok(store.responses.size() < 20, `${store.responses.size()} kept`);
      clock.advance(2000);
      assert.equal(store.responses.size(), 0, "all let go, though nothing asked since");
      const hit = await store.responses.load("again", 1000, async () => "fresh", () => true);
      assert.equal(hit.source, "miss");
      assert.equal((await store.responses.load("again", 1000, async () => "other", () => true)).answer, "fresh", "still a cache");
    } finally {
      await store.close();
    }
  });
});

describe("the rate's queue", () => {
  test("a caller joining the queue just as a slot frees (before its wake-up) does not stall the caller ahead of it", async () => {
    const clock = simClock({ start: 0 });
    const { limiter } = createMemoryStore({ rate: { calls: 1, perMs: 1000 }, clock });
    (await limiter.acquire({ maxWaitMs: 10_000 })).release(); // answered at 0: the slot frees at 1000
    const granted = [];
    const ahead = limiter.acquire({ maxWaitMs: 10_000 }).then((p) => granted.push(["ahead", clock.now()]) && p);
    clock.advance(1000); // the slot is free now; its wake-up is due 1 ms later
    const behind = limiter.acquire({ maxWaitMs: 10_000 }).then((p) => granted.push(["behind", clock.now()]) && p);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(granted, [["ahead", 1000]], "the caller ahead has the free slot at once");
    (await ahead).release(); // answered at 1000: the next slot frees at 2000, its wake-up at 2001
    clock.advance(1001);
    await behind;
    assert.deepEqual(granted, [["ahead", 1000], ["behind", 2001]]);
    limiter.close();
  });
});

describe("consoles that leave while their call waits for the rate", () => {
  /** A GET of `id` through the gateway at `url` whose connection is cut once `cut` resolves. */
  function leaving(url, id, cut) {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: `${TASK_PATH}/${id}`, headers: { authorization: `Bearer ${KEY}` } });
    req.on("error", () => {}); // the reset is ours
    req.end();
    cut.then(() => req.destroy());
  }

  test("the call of a console that disconnects while queued is never sent: the console behind it gets the slot; one still waiting on a coalesced call keeps it", async () => {
    const clock = simClock();
    const platform = await fakePlatform();
    const gw = await front(platform, { clock, rate: { calls: 1, perMs: 60_000 }, maxWaitMs: 600_000 });
    const depth = (n) => waitFor(() => gw.gateway.store.limiter.depth() === n, `${n} waiting for the rate`);
    try {
      assert.equal((await gw.get("first")).status, 200); // the one slot is in the window for 60 s
      let cut;
      const gone = new Promise((r) => (cut = r));
      leaving(gw.url, "gone", gone);
      leaving(gw.url, "gone", gone); // two consoles on one (coalesced) call: it is one call abandoned
      await depth(1);
      const shared = gw.get("shared"); // queued behind "gone"; one console stays, one leaves
      let cutShared;
      leaving(gw.url, "shared", new Promise((r) => (cutShared = r)));
      const behind = gw.get("behind");
      await depth(3);
      cut();
      cutShared();
      await depth(2); // "gone" left the queue; "shared" did not (a console still waits for it)
      clock.advance(60_001);
      assert.equal((await shared).status, 200);
      clock.advance(60_001);
      assert.equal((await behind).status, 200);
      assert.deepEqual(platform.gets.map((g) => g.id), ["first", "shared", "behind"]);
      assert.match((await raw(gw.url, "/metrics", { key: null })).text, /^iot_gateway_abandoned_total 1$/m, "one call, not one per console");
      assert.ok(gw.logs.lines.some((l) => l.event === "abandoned"), "the abandoned call is logged");
    } finally {
      await gw.close();
      await platform.close();
    }
  });
});

describe("logins that fail", () => {
  test("a refused login (a wrong secret) is not tried again for every request: the pause doubles from 1 s to 30 s, the 502 says when (Retry-After), and a success ends it", async () => {
    const clock = simClock();
    const platform = await fakePlatform();
    platform.loginFails = "AppId or secret is not right.";
    const gw = await front(platform, { clock });
    try {
      const first = await gw.get("one");
      assert.equal(first.status, 502);
      assert.equal(first.json.error_code, "GW.LOGIN");
      assert.match(first.json.error_desc, /AppId or secret is not right; it tries again in 1 s\.$/);
      assert.equal(first.headers["retry-after"], "1");
      for (let i = 0; i < 5; i += 1) assert.equal((await gw.get(`paused-${i}`)).json.error_code, "GW.LOGIN");
      assert.equal(platform.logins, 1, "one login for six requests within the pause");
      const pauses = [];
      for (let round = 0; round < 7; round += 1) {
        const r = await gw.get(`late-${round}`);
        pauses.push(Number(r.headers["retry-after"]));
        clock.advance(Number(r.headers["retry-after"]) * 1000);
      }
      assert.deepEqual(pauses, [1, 2, 4, 8, 16, 30, 30], "the pause doubles, up to 30 s");
      assert.equal(platform.logins, 7);
      platform.loginFails = false;
      assert.equal((await gw.get("fixed")).status, 200);
      assert.equal(platform.logins, 8);
      assert.equal(platform.gets.length, 1, "no task was asked for without a token");
    } finally {
      await gw.close();
      await platform.close();
    }
  });
});

describe("the gateway's own refusals", () => {
  test("an id that cannot travel as one segment is 400 GW.BAD_ID (the package: bad_request), not 404 'no such route'; nothing is sent", async () => {
    const platform = await fakePlatform();
    const gw = await front(platform);
    try {
      for (const id of ["a%2Fb", "a%252e", "a%5Cb", "%2e%2e", "a%00", "%ZZ", "x".repeat(257), "x".repeat(300)]) {
        for (const suffix of ["", "/subOperations"]) {
          const r = await gw.get(`${id}${suffix}`);
          assert.equal(r.status, 400, `${id}${suffix}: ${r.text}`);
          assert.equal(r.json.error_code, "GW.BAD_ID");
        }
      }
      for (const p of [`${TASK_PATH}/a/b/c`, `${TASK_PATH}/a/other`, `${TASK_PATH}/`]) assert.equal((await raw(gw.url, p)).json.error_code, "GW.NO_ROUTE", p);
      const e = await pkg.queryUpgradeTask("a/b", KEY, { baseUrl: gw.url, appKey: "via-gateway", retry: false }).catch((x) => x);
      assert.equal(e.kind, "bad_request", e.message);
      assert.equal(e.httpStatus, 400);
      assert.equal(platform.gets.length, 0, "nothing was sent");
    } finally {
      await gw.close();
      await platform.close();
    }
  });

  test("a request target holding a raw '#' (never sent by a browser or fetch) is 400 GW.BAD_REQUEST, not forwarded as the part before it; nothing is sent", async () => {
    const platform = await fakePlatform();
    const gw = await front(platform);
    try {
      for (const p of [`${TASK_PATH}/abc#def`, `${TASK_PATH}/abc/subOperations#x`, `${TASK_PATH}?pageNo=0#pageSize=1`, `${TASK_PATH}#`]) {
        const r = await raw(gw.url, p);
        assert.equal(r.status, 400, `${p}: ${r.text}`);
        assert.equal(r.json.error_code, "GW.BAD_REQUEST", p);
        assert.match(r.json.error_desc, /'#'/);
      }
      assert.equal(platform.gets.length, 0, "nothing was sent");
      assert.equal((await gw.get("abc%23def")).status, 200, "an id holding an encoded '#' still travels");
      assert.equal(platform.gets.at(-1).id, "abc%23def");
    } finally {
      await gw.close();
      await platform.close();
    }
  });

  test("a browser's preflight for a bad id or no route gets its 204, so the browser sees the gateway's 400/404 (not a CORS failure read as 'no answer')", async () => {
    const ORIGIN = "https://console.example.com";
    const platform = await fakePlatform();
    const gw = await front(platform, { origins: [ORIGIN] });
    const preflight = (p, origin = ORIGIN) => raw(gw.url, p, { method: "OPTIONS", key: null, headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization, app_key" } });
    try {
      for (const p of [`${TASK_PATH}/a%2Fb`, `${TASK_PATH}/${"x".repeat(257)}`, `${TASK_PATH}/a/b/c`, "/elsewhere"]) {
        const pre = await preflight(p);
        assert.equal(pre.status, 204, `${p}: before the fix 400 or 404, which the browser reads as a network failure`);
        assert.equal(pre.headers["access-control-allow-origin"], ORIGIN);
        const get = await raw(gw.url, p, { headers: { origin: ORIGIN } });
        assert.ok(get.status === 400 || get.status === 404, `${p}: ${get.status}`);
        assert.equal(get.headers["access-control-allow-origin"], ORIGIN, "the refusal itself is readable by the page");
      }
      assert.equal((await preflight(`${TASK_PATH}/a%2Fb`, "https://elsewhere.example")).status, 400, "an origin not allowed gets no preflight");
      assert.equal(platform.gets.length, 0);
    } finally {
      await gw.close();
      await platform.close();
    }
  });

  test("the 401 names the ways in this gateway has: console keys, authorize(), or both", async () => {
    const platform = await fakePlatform();
    const cases = [
      [{}, "The console key is missing or not valid for this gateway."],
      [{ consoleKeys: [], authorize: () => false }, "This gateway's authorize() did not let the request in."],
      [{ authorize: () => false }, "The console key is missing or not valid for this gateway, and authorize() did not let the request in."],
    ];
    try {
      for (const [config, words] of cases) {
        const gw = await front(platform, config);
        try {
          const r = await gw.get("t", { key: "not-a-key" });
          assert.equal(r.status, 401);
          assert.equal(r.json.error_desc, words);
        } finally {
          await gw.close();
        }
      }
    } finally {
      await platform.close();
    }
  });
});

describe("relayed answers", () => {
  test("credentials a platform answer echoes are redacted on every replica (also one that never logged in itself); bodies without them are relayed byte for byte", async () => {
    const platform = await fakePlatform();
    const store = createMemoryStore({ rate: { calls: 100, perMs: 60_000 } }); // shared by two gateways, like Redis
    const a = await front(platform, { store });
    const b = await front(platform, { store });
    const clean = '{ "operationId" : "plain",\n  "status":"success", "note": "tok tok-1 ref x" }';
    try {
      assert.equal((await a.get("warm")).status, 200); // A logs in; B only reads the token from the store
      assert.equal(platform.logins, 1);
      platform.answer = (req) => {
        if (req.url.endsWith("/plain")) return [200, clean];
        const echo = `app_key=${req.headers.app_key} authorization=${req.headers.authorization} refresh=ref-1-REFRESHSECRET secret=${SECRET}`;
        if (req.url.endsWith("/ok")) return [200, { operationId: "ok", extendPara: { echo } }];
        return [400, { error_code: "120015", error_desc: `bad request; ${echo}` }];
      };
      for (const gw of [a, b]) {
        const bad = await gw.get("bad");
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error_code, "120015");
        assert.equal(bad.json.error_desc, "bad request; app_key=[redacted] authorization=Bearer [redacted] refresh=[redacted] secret=[redacted]");
        const ok = await gw.get("ok");
        assert.equal(ok.status, 200);
        assert.doesNotMatch(ok.text, /SECRETTOKEN|REFRESHSECRET/);
        assert.ok(!ok.text.includes(SECRET));
        assert.equal(ok.json.operationId, "ok");
        const plain = await gw.get("plain");
        assert.equal(plain.text, clean, "no secret in it: the same bytes");
        assert.equal(plain.headers["content-length"], String(Buffer.byteLength(clean)));
      }
      for (const line of [...a.logs.raw, ...b.logs.raw]) assert.ok(!/SECRETTOKEN|REFRESHSECRET/.test(line) && !line.includes(SECRET), `no secret logged: ${line}`);
    } finally {
      await a.close();
      await b.close();
      await store.close();
      await platform.close();
    }
  });
});

describe("relayed answers that are no JSON", () => {
  test("a platform answer typed text/html is relayed as text/plain, and every answer forbids running as a page (CSP sandbox)", async () => {
    const platform = await fakePlatform();
    const gw = await front(platform);
    try {
      assert.equal((await gw.get("warm")).status, 200);
      const page = "<script>document.title='pwned'</script>";
      platform.answer = () => [200, page, { "content-type": "text/html; charset=utf-8" }];
      const html = await gw.get("html");
      assert.equal(html.status, 200);
      assert.equal(html.text, page, "the body as sent");
      assert.equal(html.headers["content-type"], "text/plain; charset=utf-8");
      assert.equal(html.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'; sandbox");
      assert.equal(html.headers["x-content-type-options"], "nosniff");
      platform.answer = () => [200, '{"operationId":"j"}', { "content-type": "application/problem+json" }];
      assert.equal((await gw.get("json")).headers["content-type"], "application/problem+json", "a JSON type is kept");
      const own = await gw.get("a%2Fb"); // the gateway's own answer (400 GW.BAD_ID) carries it too
      assert.equal(own.status, 400);
      assert.equal(own.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'; sandbox");
    } finally {
      await gw.close();
      await platform.close();
    }
  });
});

describe("relayed answers with JSON escapes", () => {
  test("a secret a JSON escape hides from the bytes (\\u003d for '=' as Gson writes it, \\u00e4 as ensure_ascii does, a short one right after \\n) is redacted too", async () => {
    const { redactBytes } = await import(path.join(ROOT, "pkg-gateway", "lib", "observe.mjs"));
    const red = (body, secrets) => redactBytes(Buffer.from(body), secrets).toString();
    // Before the fix all three came back unchanged.
    assert.equal(red('{"error_desc":"token c2VjcmV0LXRva2VuLXZhbHVl\\u003d\\u003d invalid"}', ["c2VjcmV0LXRva2VuLXZhbHVl=="]), '{"error_desc":"token [redacted] invalid"}');
    assert.equal(red('{"error_desc":"secret p\\u00e4ssw\\u00f6rd-geheim wrong"}', ["pässwörd-geheim"]), '{"error_desc":"secret [redacted] wrong"}');
    assert.equal(red('{"error_desc":"bad app_key:\\nab12cd"}', ["ab12cd"]), '{"error_desc":"bad app_key:\\n[redacted]"}');
    // Only the string that held the secret is written again: a number beyond 2^53, the spacing and
    // the other escapes stay as sent (before, the whole body went through JSON.stringify).
    assert.equal(
      red('{ "id" : 12345678901234567890, "at": 1.50, "note": "a\\/b \\u00e4", "error_desc": "token abc\\u003dDEF-secret-x bad" }', ["abc=DEF-secret-x"]),
      '{ "id" : 12345678901234567890, "at": 1.50, "note": "a\\/b \\u00e4", "error_desc": "token [redacted] bad" }',
    );
    const kept = Buffer.from('{ "d" : "line\\none \\u00e4", "n": 1 }');
    assert.equal(redactBytes(kept, ["ab12cd"]), kept, "escapes but no secret: the same Buffer");
    // Bodies the decoding once left to the byte rules: over 1 MiB (the package reads up to 4 MiB),
    // after a UTF-8 BOM (which Response.json() and the package accept), and one that is no JSON.
    const hidden = '"token abc\\u003dDEF-secret-x bad"';
    const large = `{"pad":"${"x".repeat(1_200_000)}","error_desc":${hidden}}`;
    assert.equal(red(large, ["abc=DEF-secret-x"]), large.replace(hidden, '"token [redacted] bad"'));
    assert.equal(red(`\ufeff{"error_desc":${hidden}}`, ["abc=DEF-secret-x"]), '\ufeff{"error_desc":"token [redacted] bad"}');
    assert.equal(red(`<p>oops</p> {"error_desc":${hidden}, abc=DEF-secret-x`, ["abc=DEF-secret-x"]), '<p>oops</p> {"error_desc":"token [redacted] bad", [redacted]');
    // A quote never closed after many escaped ones (a broken page): one pass, not one per quote
    // (a regex scan took 19 s for 320 KB; the deadline is generous, the linear scan takes ms).
    const unclosed = `"${'\\"'.repeat(400_000)}`;
    const started = Date.now();
    assert.equal(red(unclosed, ["abc=DEF-secret-x", "tok-1-SECRETTOKEN"]), unclosed);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    assert.equal(red(`"a\\u003d" "${'\\"'.repeat(10)}`, ["abc=DEF-secret-x"]), `"a\\u003d" "${'\\"'.repeat(10)}`, "no secret: as sent");
    // A string with another flaw (an invalid escape, a raw control character, a cut \u escape),
    // or after a stray quote, still has its valid escapes read (these all leaked before).
    const s = ["abc=DEF-secret-x"];
    assert.equal(red('{"error_desc":"token abc\\u003dDEF-secret-x bad C:\\temp\\x"}', s), '{"error_desc":"token [redacted] bad C:\\temp\\x"}');
    assert.equal(red('{"e":"tab\there abc\\u003dDEF-secret-x"}', s), '{"e":"tab\there [redacted]"}');
    assert.equal(red('{"e":"abc\\u003dDEF-secret-x \\u12"}', s), '{"e":"[redacted] \\u12"}');
    assert.equal(red('<p>a 5" screen</p> {"error_desc":"token abc\\u003dDEF-secret-x bad"}', s), '<p>a 5" screen</p> {"error_desc":"token [redacted] bad"}');
    assert.equal(red('{"e":"\\ud83d\\ude00 abc\\u003dDEF\\u002dsecret-x \\ud800"}', s), '{"e":"\\ud83d\\ude00 [redacted] \\ud800"}', "a pair, a lone surrogate kept as written");
    // Only a secret's own bytes change: a Latin-1 byte (no UTF-8) elsewhere stays as it was.
    const latin = Buffer.concat([Buffer.from('{"name":"M'), Buffer.from([0xfc]), Buffer.from('ller","e":"abc\\u003dDEF-secret-x"}')]);
    assert.deepEqual(redactBytes(latin, s), Buffer.concat([Buffer.from('{"name":"M'), Buffer.from([0xfc]), Buffer.from('ller","e":"[redacted]"}')]));
    const untouched = Buffer.concat([latin.subarray(0, 20), Buffer.from("\\u00e4 \\x \\ud800")]);
    assert.equal(redactBytes(untouched, s), untouched, "no secret: the same Buffer");
    // A million hits, plain and through escapes, with a longer secret that starts at the same
    // places some of the time: each one replaced, the longest where two start at one place.
    const words = " ab abc".repeat(500_000);
    assert.equal(red(words, ["ab", "abc"]), " [redacted] [redacted]".repeat(500_000));
    assert.equal(red(" \\u0061b".repeat(1_000_000), ["ab"]), " [redacted]".repeat(1_000_000));
    // Seeded cases: a secret written with random escapes (\uXXXX, a pair for one beyond the BMP,
    // \/ and \" where they stand) among other escaped text: exactly its own bytes become the marker.
    let seed = 20261204;
    const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const escapeChar = (ch) => {
      if (ch === '"' || ch === "\\") return `\\${ch}`;
      if (ch === "/" && rand(2)) return "\\/";
      if (rand(3) !== 0) return ch;
      const hex = (u) => u.toString(16).padStart(4, "0");
      const units = ch.length === 2 ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [ch.charCodeAt(0)]; // a pair beyond the BMP
      return units.map((u) => `\\u${rand(2) ? hex(u) : hex(u).toUpperCase()}`).join("");
    };
    const alphabet = ['a', 'Z', '9', '=', '/', '"', "\\", 'ä', '€', '😀', ' ', '-'];
    for (let n = 0; n < 300; n++) {
      const secret = Array.from({ length: 8 + rand(8) }, () => alphabet[rand(alphabet.length)]).join("");
      const noise = () => Array.from({ length: rand(6) }, () => escapeChar(["x", "\n", "ü", "/", "q"][rand(5)])).join("").replaceAll("\n", "\\n");
      const written = [...secret].map(escapeChar).join("");
      const gap = () => (rand(2) ? " " : ""); // the secret right next to an escape, or not
      const [before, after] = [`{"a":"${noise()}","e":"${noise()}${gap()}`, `${gap()}${noise()}","z":${rand(100)}}`];
      const body = before + written + after;
      assert.equal(JSON.parse(body).e.includes(secret), true, `case ${n} is valid JSON holding the secret`);
      assert.equal(red(body, [secret]), `${before}[redacted]${after}`, `case ${n}: ${body}`);
    }
    // A body that is the escaped secret 400000 times (a spread of that many spans would throw).
    const many = redactBytes(Buffer.from("abc\\u003dDEF-secret-x ".repeat(400_000)), s);
    assert.equal(many.toString(), "[redacted] ".repeat(400_000));
    // Many short escaped or broken strings, 8 MiB (the gateway's maxBodyBytes): linear, not a
    // thrown JSON.parse per string (10 s before); the deadline is generous.
    for (const unit of ['"\\x"', '"\\n",', '"\\u12"']) {
      const big = Buffer.from(unit.repeat(Math.floor((8 * 1024 * 1024) / unit.length)));
      const t0 = Date.now();
      assert.equal(redactBytes(big, [...s, "tok-1-SECRETTOKEN", "ab12cd"]), big);
      assert.ok(Date.now() - t0 < 5000, `${unit}: ${Date.now() - t0} ms`);
    }

    const platform = await fakePlatform();
    const gw = await front(platform);
    try {
      assert.equal((await gw.get("warm")).status, 200);
      const escaped = JSON.stringify(SECRET).slice(1, -1).replace("e", "\\u0065"); // valid JSON, the secret once decoded
      platform.answer = () => [400, `{"error_code":"120015","error_desc":"bad secret ${escaped}"}`];
      const r = await gw.get("bad");
      assert.equal(r.status, 400);
      assert.equal(r.json.error_desc, "bad secret [redacted]");
    } finally {
      await gw.close();
      await platform.close();
    }
  });
});

describe("as middleware", () => {
  test("a request passed on with next() leaves the response untouched: no CORS headers, no request id of the gateway's, none of its size limits", async () => {
    const { default: express } = await import("../../gateway/node_modules/express/index.js");
    const ORIGIN = "https://console.example.com";
    const platform = await fakePlatform();
    const gateway = createGateway({ upstream: platform.url, appId: APP_ID, secret: SECRET, consoleKeys: [KEY], origins: [ORIGIN], logger: false });
    const app = express();
    app.use((req, res, next) => {
      if (req.path.startsWith("/api/internal")) res.setHeader("x-request-id", "the-app-s-own-id");
      next();
    });
    app.use("/api", gateway);
    app.get("/api/internal/report", (_req, res) => res.json({ internal: true }));
    app.get("/api/plain", (_req, res) => res.json({ plain: true }));
    const server = await listen(app);
    const url = `http://127.0.0.1:${server.address().port}`;
    const gatewayHeaders = (h) => Object.keys(h).filter((k) => k.startsWith("access-control-") || k === "vary" || k === "x-request-id");
    try {
      const report = await raw(url, "/api/internal/report", { key: null, headers: { origin: ORIGIN } });
      assert.deepEqual(report.json, { internal: true });
      assert.equal(report.headers["x-request-id"], "the-app-s-own-id", "the app's own header, not replaced");
      assert.equal(report.headers["access-control-allow-origin"], undefined);
      assert.equal(report.headers["access-control-expose-headers"], undefined);
      assert.equal(report.headers.vary, undefined);
      const plain = await raw(url, "/api/plain", { key: null, headers: { origin: "https://elsewhere.example" } });
      assert.deepEqual(plain.json, { plain: true });
      assert.deepEqual(gatewayHeaders(plain.headers), [], "nothing of the gateway's on the app's route");
      // The gateway's own limits (2048-byte URL, 8192 bytes of headers) are for its own routes only: before the fix 414 and 431 here.
      const longQuery = await raw(url, `/api/plain?q=${"x".repeat(3000)}`, { key: null });
      assert.equal(longQuery.status, 200, longQuery.text);
      assert.deepEqual(longQuery.json, { plain: true });
      const bigHeaders = await raw(url, "/api/plain", { key: null, headers: { cookie: `session=${"y".repeat(9000)}` } });
      assert.equal(bigHeaders.status, 200, bigHeaders.text);
      assert.equal((await raw(url, `/api${TASK_PATH}/x?q=${"x".repeat(3000)}`)).status, 414, "its own routes keep the limit");
      assert.equal((await raw(url, `/api${TASK_PATH}/x`, { headers: { cookie: `session=${"y".repeat(9000)}` } })).status, 431);
      // A path under the task routes that is none of them is the app's too.
      const appsOwn = await raw(url, `/api${TASK_PATH}/a/b/c`, { key: null, headers: { cookie: `session=${"y".repeat(9000)}` } });
      assert.equal(appsOwn.status, 404, appsOwn.text);
      assert.doesNotMatch(appsOwn.text, /GW\./, "the app's own 404, not the gateway's 431");
      // The gateway's own answers keep them.
      const task = await raw(url, `/api${TASK_PATH}/x`, { headers: { origin: ORIGIN } });
      assert.equal(task.status, 200);
      assert.equal(task.headers["access-control-allow-origin"], ORIGIN);
      assert.equal(task.headers.vary, "Origin");
      assert.match(task.headers["x-request-id"], /^[0-9a-f-]{36}$/);
      const health = await raw(url, "/api/healthz", { key: null, headers: { origin: ORIGIN } });
      assert.equal(health.status, 200);
      assert.equal(health.headers["access-control-allow-origin"], ORIGIN);
      assert.match(health.headers["x-request-id"], /^[0-9a-f-]{36}$/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await gateway.close();
      await platform.close();
    }
  });
});

describe("shutdown", () => {
  test("a platform call that hangs when the gateway closes: close() ends it at once and the request gets 503 GW.CLOSING", async () => {
    const platform = await fakePlatform();
    const gw = await front(platform, { upstreamTimeoutMs: 60_000 });
    try {
      assert.equal((await gw.get("first")).status, 200);
      platform.hold = new Promise(() => {}); // the platform never answers again
      const hung = gw.get("hung");
      await waitFor(() => platform.gets.length === 2, "the call reached the platform");
      const started = Date.now();
      await gw.gateway.close();
      const r = await hung;
      // The deadline is generous: before, close() waited for the platform call (here 60 s).
      assert.ok(Date.now() - started < 10_000, `close() took ${Date.now() - started} ms`);
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.error_code, "GW.CLOSING");
      assert.equal(r.headers["retry-after"], "1");
    } finally {
      platform.hold = null;
      await gw.close();
      await platform.close();
    }
  });

  test("a request waiting for the rate when the gateway closes gets 503 GW.CLOSING with Retry-After, not a 429", async () => {
    const clock = simClock();
    const platform = await fakePlatform();
    const gw = await front(platform, { clock, rate: { calls: 1, perMs: 60_000 }, maxWaitMs: 120_000 });
    try {
      assert.equal((await gw.get("first")).status, 200);
      const waiting = gw.get("waiting");
      await waitFor(() => gw.gateway.store.limiter.depth() === 1, "a caller waiting");
      await gw.gateway.close();
      const r = await waiting;
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.error_code, "GW.CLOSING");
      assert.equal(r.headers["retry-after"], "1");
      assert.equal(platform.gets.length, 1);
    } finally {
      await gw.close();
      await platform.close();
    }
  });

  test("a store that refuses once closed (as the Redis store does, with RateLimited): the request in flight gets 503 GW.CLOSING, not 500 GW.INTERNAL", async () => {
    const platform = await fakePlatform();
    const inner = createMemoryStore({ rate: { calls: 10, perMs: 60_000 } });
    let storeClosed = false;
    let reached;
    const atLoad = new Promise((r) => (reached = r));
    let proceed;
    const gate = new Promise((r) => (proceed = r));
    const store = {
      ...inner,
      responses: {
        async load(...args) {
          reached();
          await gate; // waits (e.g. for another replica's answer) while the gateway closes
          if (storeClosed) throw new RateLimited(1000);
          return inner.responses.load(...args);
        },
      },
      async close() {
        storeClosed = true;
      },
    };
    const gw = await front(platform, { store });
    try {
      const inFlight = gw.get("in-flight");
      await atLoad;
      await store.close();
      await gw.gateway.close();
      proceed();
      const r = await inFlight;
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.error_code, "GW.CLOSING");
      assert.equal(gw.logs.lines.filter((l) => l.level >= 50).length, 0, "no error logged: a shutdown is no failure");
    } finally {
      await gw.close();
      await inner.close();
      await platform.close();
    }
  });

  test("the bin on SIGTERM: stops accepting, lets the requests in flight (even one waiting for the rate) finish, then closes the gateway and exits 0", { timeout: 60_000 }, async () => {
    const platform = await fakePlatform();
    let release;
    platform.hold = new Promise((r) => (release = r));
    const bin = startBin(platform, ["--rate", "1/300", "--max-wait-ms", "30000", "--cache-ms", "0"]);
    const { child, exited } = bin;
    try {
      const url = await bin.url();
      const a = raw(url, `${TASK_PATH}/a`); // held at the platform
      await waitFor(() => platform.gets.length === 1, "A at the platform");
      const b = raw(url, `${TASK_PATH}/b`); // waits for A's slot
      await waitFor(async () => /^iot_gateway_queue_depth 1$/m.test((await raw(url, "/metrics", { key: null })).text), "B waiting for the rate");
      child.kill("SIGTERM");
      await waitFor(() => /"msg":"stopping"/.test(bin.out()), "the bin stopping");
      release();
      const [ra, rb] = await Promise.all([a, b]);
      assert.equal(ra.status, 200, ra.text);
      assert.equal(rb.status, 200, `the waiting request finished too: ${rb.text}`);
      assert.equal(await exited, 0, bin.out());
    } finally {
      bin.kill();
      await platform.close();
    }
  });
});

describe("the bin's cut", () => {
  test("the bin on SIGTERM with a request waiting for the rate past the 5 s cut: it gets 503 GW.CLOSING (not a cut connection), then the bin exits 0", { timeout: 60_000 }, async () => {
    const platform = await fakePlatform();
    const bin = startBin(platform, ["--rate", "1/20000", "--max-wait-ms", "30000", "--cache-ms", "0", "--quiet"]);
    const { child, exited } = bin;
    try {
      const url = await bin.url();
      assert.equal((await raw(url, `${TASK_PATH}/a`)).status, 200);
      const b = raw(url, `${TASK_PATH}/b`).catch((err) => ({ status: 0, text: `no answer: ${err.code ?? err.message}` })); // waits 20 s for the rate
      await waitFor(async () => /^iot_gateway_queue_depth 1$/m.test((await raw(url, "/metrics", { key: null })).text), "B waiting for the rate");
      child.kill("SIGTERM");
      const rb = await b;
      // Before the fix the cut destroyed B's connection first (no answer: ECONNRESET).
      assert.equal(rb.status, 503, rb.text);
      assert.equal(rb.json.error_code, "GW.CLOSING");
      assert.equal(await exited, 0, bin.out());
      assert.equal(platform.gets.length, 1);
    } finally {
      bin.kill();
      await platform.close();
    }
  });
});

describe("delays Node's timers cannot hold", () => {
  const base = { upstream: "https://iot.example.com:8743", appId: "a", secret: "s", consoleKeys: [KEY], logger: false };

  test("maxWaitMs, upstreamTimeoutMs and the rate's perMs above 2147483647 ms are refused with GatewayConfigError, naming the option", async () => {
    for (const [change, pattern] of [
      [{ maxWaitMs: 2 ** 31 }, /maxWaitMs must be at most 2147483647 ms/],
      [{ upstreamTimeoutMs: 2 ** 31 }, /upstreamTimeoutMs must be at most 2147483647 ms/],
      [{ rate: { calls: 1, perMs: 2 ** 31 } }, /perMs must be at most 2147483647 ms/],
      [{ rate: "1/2147483648" }, /perMs must be at most 2147483647 ms/],
    ]) {
      assert.throws(() => createGateway({ ...base, ...change }), (e) => e instanceof GatewayConfigError && pattern.test(e.message), JSON.stringify(change));
    }
    const longest = createGateway({ ...base, maxWaitMs: 2 ** 31 - 1, upstreamTimeoutMs: 2 ** 31 - 1, rate: { calls: 1, perMs: 2 ** 31 - 1 } });
    await longest.close();
  });

  test("the bin refuses --max-wait-ms and --rate beyond it: exit 2 with the flag's name", { timeout: 60_000 }, async () => {
    const args = ["--listen", "127.0.0.1:0", "--upstream", "https://127.0.0.1:1", "--app-id", "a", "--console-key", KEY];
    for (const [extra, pattern] of [
      [["--max-wait-ms", "2147483648"], /--max-wait-ms needs a whole number of milliseconds up to 2147483647/],
      [["--rate", "1/2147483648"], /--rate needs MS up to 2147483647/],
    ]) {
      const child = spawn(process.execPath, [BIN, ...args, ...extra], { env: { PATH: process.env.PATH, IOT_SECRET: SECRET }, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (c) => (stderr += c));
      const kill = setTimeout(() => child.kill("SIGKILL"), 15_000); // one that started listening instead
      const code = await new Promise((r) => child.once("exit", (c) => r(c)));
      clearTimeout(kill);
      assert.equal(code, 2, `${extra.join(" ")}: ${stderr}`);
      assert.match(stderr, pattern);
    }
  });
});
