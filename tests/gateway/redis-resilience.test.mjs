// The Redis store when Redis misbehaves (from a review, each case failed before its fix): Redis
// frozen with its socket open (SIGSTOP), killed under a user's client (which queues commands
// offline), restarted empty quicker than fallbackAfterMs, its :window and :token keys evicted; a
// login lease outlived by its owner's work; a token key that expires while a replica waits for the
// lock. A redis-server of our own on a free loopback port, a small fake platform on loopback http.

import assert from "node:assert/strict";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import { createClient } from "../../gateway/node_modules/redis/dist/index.js";
import { startRedis } from "./fleet.mjs";
import { gatewayModule, KEY, listen, onLoopback, sleep, TASK_PATH, waitFor } from "./helpers.mjs";

/** The platform as far as these cases need it: login (`loginFails`: 503), and task GETs that need its current token (`refuseAll`: 1010005 whatever the token). */
async function fakePlatform() {
  const st = { logins: 0, gets: [], token: null, n: 0, hold: null, refuseAll: false, loginFails: false };
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    const json = (status, v) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(v));
    };
    if (req.url.endsWith("/login")) {
      st.logins += 1;
      if (st.loginFails) return json(503, { error_code: "50252", error_desc: "temporarily unavailable" });
      st.token = `tok-${++st.n}`;
      return json(200, { accessToken: st.token, tokenType: "bearer", refreshToken: `ref-${st.n}`, expiresIn: 3600, scope: "default" });
    }
    st.gets.push(req.url);
    if (st.hold) await st.hold;
    if (st.refuseAll || req.headers.authorization !== `Bearer ${st.token}`) return json(401, { error_code: "1010005", error_desc: "Invalid access token" });
    json(200, { operationId: req.url.split("/").pop() });
  });
  return Object.assign(st, await onLoopback(server));
}

/** A gateway on `store` in front of `plat`; get() resolves to { status, json } (status 0: no answer within 15 s). */
async function gatewayOn(plat, store, more = {}) {
  const gw = gatewayModule.createGateway({ upstream: plat.url, appId: "app", secret: "app-secret-value", consoleKeys: [KEY], store, logger: false, upstreamTimeoutMs: 1000, ...more });
  const server = await listen(gw);
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    gw,
    ns: gatewayModule.redisNamespace(new URL(plat.url).href, "app"),
    async get(p) {
      try {
        const r = await fetch(url + p, { headers: { authorization: `Bearer ${KEY}` }, signal: AbortSignal.timeout(15_000) });
        const text = await r.text();
        return { status: r.status, json: text.startsWith("{") ? JSON.parse(text) : null };
      } catch {
        return { status: 0, json: null };
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r()));
      await gw.close();
    },
  };
}

const shared = (store) => waitFor(() => store.state().mode === "shared", "the store on Redis");
const statuses = (answers) => answers.map((a) => a.status).sort((x, y) => x - y).join(",");

let redis;
let admin;
before(async () => {
  redis = await startRedis();
  admin = createClient({ url: redis.url });
  admin.on("error", () => {});
  await admin.connect();
});
// Each test starts from an empty Redis (startRedis: flush).
beforeEach(() => redis?.flush());

after(async () => {
  admin?.destroy();
  redis?.signal("SIGCONT");
  await redis?.stop();
});

describe("Redis unresponsive", () => {
  test("Redis frozen with its socket open (SIGSTOP): a request and /healthz answer (the fallback starts), and the store rejoins once Redis thaws", { timeout: 30_000 }, async () => {
    const plat = await fakePlatform();
    const g = await gatewayOn(plat, redis.url, { rate: { calls: 10, perMs: 1000 }, cacheMs: 0 });
    try {
      await shared(g.gw.store);
      assert.equal((await g.get(`${TASK_PATH}/t1`)).status, 200);
      redis.signal("SIGSTOP");
      let task;
      let health;
      try {
        [task, health] = await Promise.all([g.get(`${TASK_PATH}/t2`), g.get("/healthz")]);
      } finally {
        redis.signal("SIGCONT");
      }
      assert.equal(health.status, 200, "/healthz answered while Redis was frozen");
      assert.equal(health.json.storeState.mode, "fallback");
      assert.ok([200, 429].includes(task.status), `the request answered while Redis was frozen (${task.status})`);
      assert.equal(g.gw.store.state().fallbacks, 1);
      // No "ready" comes from a Redis that thaws (the socket never closed): the store finds it by itself.
      await waitFor(() => g.gw.store.state().mode === "shared", "the rejoin after the thaw");
    } finally {
      await g.close();
      await plat.close();
    }
  });

  test("gateway.close() while Redis is frozen (SIGSTOP): it returns (the client's close waits for replies no more than a command's deadline)", { timeout: 30_000 }, async () => {
    const plat = await fakePlatform();
    const g = await gatewayOn(plat, redis.url, { rate: { calls: 10, perMs: 1000 }, cacheMs: 0 });
    let closed = false;
    try {
      await shared(g.gw.store);
      assert.equal((await g.get(`${TASK_PATH}/t1`)).status, 200);
      redis.signal("SIGSTOP");
      assert.ok([200, 429].includes((await g.get(`${TASK_PATH}/t2`)).status));
      const t = Date.now();
      // Before the fix close() waited for Redis forever.
      const how = await Promise.race([g.close().then(() => "closed"), sleep(8000).then(() => "still pending after 8 s")]);
      closed = how === "closed";
      assert.equal(how, "closed");
      assert.ok(Date.now() - t < 5000, `closed after ${Date.now() - t} ms (generous bound)`);
    } finally {
      redis.signal("SIGCONT");
      if (!closed) await g.close();
      await plat.close();
    }
  });

  test("Redis serving reads but refusing writes (READONLY, demoted by a failover), /healthz polled meanwhile: a waiter gets its answer by its maxWaitMs, and the fallback starts", { timeout: 30_000 }, async () => {
    const [own, master] = [await startRedis(), await startRedis()];
    const ownAdmin = createClient({ url: own.url });
    ownAdmin.on("error", () => {});
    await ownAdmin.connect();
    const plat = await fakePlatform();
    const g = await gatewayOn(plat, own.url, { rate: { calls: 10, perMs: 1000 }, cacheMs: 0, maxWaitMs: 1000 });
    let polling = true;
    let poller = null;
    try {
      await shared(g.gw.store);
      assert.equal((await g.get(`${TASK_PATH}/t1`)).status, 200);
      const m = createClient({ url: master.url });
      m.on("error", () => {});
      await m.connect();
      await m.set(`${g.ns}:token`, await ownAdmin.get(`${g.ns}:token`), { PX: 60_000 }); // the token survives the demotion
      // The sync through sockets, not dump.rdb files in the working directory.
      await m.sendCommand(["CONFIG", "SET", "repl-diskless-sync", "yes", "repl-diskless-sync-delay", "0"]);
      m.destroy();
      await ownAdmin.sendCommand(["CONFIG", "SET", "repl-diskless-load", "swapdb"]);
      await ownAdmin.sendCommand(["REPLICAOF", "127.0.0.1", String(master.port)]);
      await waitFor(async () => (await ownAdmin.get(`${g.ns}:token`)) !== null && (await ownAdmin.set("probe", "1").then(() => false, () => true)), "the demoted Redis synced, read-only");
      poller = (async () => {
        while (polling) {
          await g.get("/healthz"); // each a successful read of the token
          await sleep(200);
        }
      })();
      const t = Date.now();
      const r = await g.get(`${TASK_PATH}/t2`);
      const ms = Date.now() - t;
      // Before the fix: no answer within 15 s (the reads kept the fallback off, the queue ignored the deadline).
      assert.ok([200, 429].includes(r.status), `answered (${r.status})`);
      assert.ok(ms < 5000, `answered after ${ms} ms (maxWaitMs 1000; generous bound)`);
      await sleep(1200); // past fallbackAfterMs since the first refused write
      await g.get(`${TASK_PATH}/t3`);
      assert.equal(g.gw.store.state().mode, "fallback", "the refused writes start the fallback, whatever the reads");
    } finally {
      polling = false;
      await poller;
      await g.close();
      await plat.close();
      ownAdmin.destroy();
      await own.stop();
      await master.stop();
    }
  });

  test("Redis killed under a user's client (offline queue on) while a request is at the platform: it answers at once", { timeout: 30_000 }, async () => {
    const own = await startRedis();
    const client = createClient({ url: own.url });
    client.on("error", () => {});
    await client.connect();
    const plat = await fakePlatform();
    const g = await gatewayOn(plat, client, { cacheMs: 5000 });
    try {
      await shared(g.gw.store);
      assert.equal((await g.get(`${TASK_PATH}/t1`)).status, 200);
      let release;
      plat.hold = new Promise((r) => (release = r));
      const inflight = g.get(`${TASK_PATH}/t2`);
      await waitFor(() => plat.gets.length === 2, "the request at the platform");
      await own.stop();
      await waitFor(() => !client.isReady, "the client saw Redis go");
      const t = Date.now();
      release();
      const answer = await inflight;
      const ms = Date.now() - t;
      assert.equal(answer.status, 200);
      // Before the fix the cache write and the unlock waited in the client's offline queue (about 10 s).
      assert.ok(ms < 4000, `answered ${ms} ms after the platform did (generous bound)`);
    } finally {
      await g.close();
      client.destroy();
      await plat.close();
      await own.stop();
    }
  });
});

describe("Redis losing the shared window", () => {
  const RATE = { calls: 10, perMs: 30_000 };
  const burst = (g, tag) => Promise.all(Array.from({ length: 12 }, (_, i) => g.get(`${TASK_PATH}/${tag}${i}`)));

  test("Redis restarted empty quicker than fallbackAfterMs: the window and the token are written back; no more than the rate, no second login", { timeout: 30_000 }, async () => {
    const plat = await fakePlatform();
    const g = await gatewayOn(plat, redis.url, { rate: RATE, cacheMs: 0, maxWaitMs: 0 });
    try {
      await shared(g.gw.store);
      assert.equal(statuses(await burst(g, "a")), "200,200,200,200,200,200,200,200,200,200,429,429");
      assert.equal(plat.gets.length, 10);
      admin.destroy();
      await redis.stop();
      await redis.start(); // empty, on the same port
      admin = createClient({ url: redis.url });
      admin.on("error", () => {});
      await admin.connect();
      await waitFor(async () => (await admin.sendCommand(["CLIENT", "LIST"])).trim().split("\n").length >= 2, "the gateway reconnected");
      const second = await burst(g, "b");
      assert.ok(second.every((a) => a.status === 429), `the window is still full: ${statuses(second)}`);
      assert.equal(plat.gets.length, 10, "the platform saw no more than its 10 per 30 s");
      assert.equal(plat.logins, 1, "no second login");
    } finally {
      await g.close();
      await plat.close();
    }
  });

  test("the :window and :token keys evicted: written back; no more than the rate, no second login", { timeout: 30_000 }, async () => {
    const plat = await fakePlatform();
    const g = await gatewayOn(plat, redis.url, { rate: RATE, cacheMs: 0, maxWaitMs: 0 });
    try {
      await shared(g.gw.store);
      assert.equal(statuses(await burst(g, "a")), "200,200,200,200,200,200,200,200,200,200,429,429");
      assert.equal(await admin.del([`${g.ns}:window`, `${g.ns}:token`]), 2);
      const second = await burst(g, "b");
      assert.ok(second.every((a) => a.status === 429), `the window is still full: ${statuses(second)}`);
      assert.equal(plat.gets.length, 10, "the platform saw no more than its 10 per 30 s");
      assert.equal(plat.logins, 1, "no second login");
      assert.ok(await admin.get(`${g.ns}:token`), "the token is back in Redis");
    } finally {
      await g.close();
      await plat.close();
    }
  });
});

describe("the login lock", () => {
  const store = (ns, more = {}) => gatewayModule.createRedisStore({ redis: redis.url, namespace: ns, rate: { calls: 10, perMs: 1000 }, upstreamTimeoutMs: 200, ...more });
  const rec = (name) => ({ accessToken: name, refreshToken: null, expiresAt: Date.now() + 60_000, refreshAt: Date.now() + 50_000 });

  test("work that outlasts leaseMs (a refresh, then a login): the owner extends its lease, so two replicas obtain one token; one that lost its lock does not write", { timeout: 30_000 }, async () => {
    const ns = `iotgw:test-lease-${randomBytes(4).toString("hex")}`;
    const [a, b, c] = [store(ns, { leaseMs: 1000 }), store(ns, { leaseMs: 1000 }), store(ns, { leaseMs: 1000 })];
    try {
      await Promise.all([a, b, c].map(shared));
      let obtains = 0;
      const slow = async () => {
        const n = ++obtains;
        await sleep(3000); // three leases long
        return rec(`tok-${n}`);
      };
      const pa = a.token.replace(null, slow);
      await waitFor(() => obtains === 1, "a obtaining under the lock");
      const pb = b.token.replace(null, slow);
      const [ra, rb] = await Promise.all([pa, pb]);
      assert.equal(obtains, 1, "one obtain for both replicas");
      assert.equal(rb.accessToken, ra.accessToken);

      // c takes the lock; while it works, the lock goes to another replica: c's token serves c but is not stored.
      const mineOnly = await c.token.replace(ra, async () => {
        await admin.set(`${ns}:token-lock`, "another-replica", { PX: 10_000 });
        return rec("tok-lost-lock");
      });
      assert.equal(mineOnly.accessToken, "tok-lost-lock");
      assert.equal(JSON.parse(await admin.get(`${ns}:token`)).accessToken, ra.accessToken, "written only while the lock is held");
    } finally {
      await Promise.all([a, b, c].map((s) => s.close()));
    }
  });

  test("a mark on the same token (a failed renewal's renewRetryAt) reaches the replica's local copy: a fallback keeps the fleet's backoff", { timeout: 30_000 }, async () => {
    const ns = `iotgw:test-mark-${randomBytes(4).toString("hex")}`;
    const s = store(ns, { fallbackAfterMs: 300 });
    try {
      await shared(s);
      const first = await s.token.replace(null, async () => rec("tok-1"));
      const marked = await s.token.replace(first, async (current) => ({ ...current, renewRetryAt: Date.now() + 10_000 }));
      assert.equal(typeof marked.renewRetryAt, "number");
      redis.signal("SIGSTOP");
      try {
        await waitFor(async () => (await s.token.current().catch(() => null), s.state().mode === "fallback"), "the fallback");
        const local = await s.token.current();
        assert.equal(local?.accessToken, "tok-1");
        assert.equal(local?.renewRetryAt, marked.renewRetryAt, "the fallback's token has the mark");
      } finally {
        redis.signal("SIGCONT");
      }
    } finally {
      await s.close();
    }
  });

  test("a replica whose lock went to another while it logged in does not write its token back later (token.current() finding :token gone) while the other holds the lock", { timeout: 30_000 }, async () => {
    const ns = `iotgw:test-lost-lock-${randomBytes(4).toString("hex")}`;
    const c = store(ns, { leaseMs: 1000 });
    try {
      await shared(c);
      const got = await c.token.replace(null, async () => {
        await admin.set(`${ns}:token-lock`, "another-replica", { PX: 10_000 }); // logging in itself
        return rec("tok-lost-lock");
      });
      assert.equal(got.accessToken, "tok-lost-lock");
      assert.equal(await admin.get(`${ns}:token`), null, "not written: the lock was lost");
      assert.equal(await c.token.current(), null, "no token yet: the lock's holder is logging in");
      // Before the fix the copy went in with SET NX: :token was tok-lost-lock, the lock still another's.
      assert.equal(await admin.get(`${ns}:token`), null, "not restored while another replica holds the lock");
      await admin.del(`${ns}:token-lock`); // that replica gone without a token: the copy may go back
      assert.equal((await c.token.current())?.accessToken, "tok-lost-lock");
      assert.equal(JSON.parse(await admin.get(`${ns}:token`)).accessToken, "tok-lost-lock");
    } finally {
      await c.close();
    }
  });

  test("a lock SET NX that timed out (Redis 1.2 s late) but ran late: the retry sees the lock is its own and obtains at once, not after the whole lease", { timeout: 30_000 }, async () => {
    const ns = `iotgw:test-late-lock-${randomBytes(4).toString("hex")}`;
    const real = createClient({ url: redis.url, disableOfflineQueue: true });
    real.on("error", () => {});
    await real.connect();
    let slowOnce = true;
    // Redis freezes for 1.2 s (longer than the 1 s command deadline) just as the lock's SET NX goes out: it runs after the deadline.
    const client = new Proxy(real, {
      get(t, k) {
        if (k === "set") {
          return (key, ...rest) => {
            if (slowOnce && key.endsWith(":token-lock")) {
              slowOnce = false;
              redis.signal("SIGSTOP");
              setTimeout(() => redis.signal("SIGCONT"), 1200);
            }
            return t.set(key, ...rest);
          };
        }
        const v = Reflect.get(t, k);
        return typeof v === "function" ? v.bind(t) : v;
      },
    });
    const s = gatewayModule.createRedisStore({ redis: client, namespace: ns, rate: { calls: 10, perMs: 1000 }, upstreamTimeoutMs: 15_000 });
    try {
      await shared(s);
      const t = Date.now();
      const got = await s.token.replace(null, async () => rec("tok-new"));
      const ms = Date.now() - t;
      assert.equal(got.accessToken, "tok-new");
      // Before the fix: after the lease (17 s), about 170 lock waits.
      assert.ok(ms < 5000, `obtained ${ms} ms later (generous bound)`);
      assert.equal(s.state().lockWaits, 0);
    } finally {
      redis.signal("SIGCONT");
      await s.close();
      real.destroy();
    }
  });

  test("token.replace when the token key expires while waiting for the lock: a new token, never null", { timeout: 30_000 }, async () => {
    const ns = `iotgw:test-expired-${randomBytes(4).toString("hex")}`;
    const s = store(ns);
    try {
      await shared(s);
      const stale = { accessToken: "tok-old", refreshToken: null, expiresAt: Date.now() + 300, refreshAt: Date.now() };
      await admin.set(`${ns}:token`, JSON.stringify(stale), { PX: 300 });
      await admin.set(`${ns}:token-lock`, "another-replica", { PX: 1000 }); // it dies before it logs in
      assert.equal((await s.token.current())?.accessToken, "tok-old");
      let obtains = 0;
      const got = await s.token.replace(stale, async () => {
        obtains += 1;
        return rec("tok-new");
      });
      assert.equal(got?.accessToken, "tok-new");
      assert.equal(obtains, 1);
    } finally {
      await s.close();
    }
  });
});

describe("the token across replicas", () => {
  test("the platform refusing every token (1010005): the backoff after the one new login holds on every replica (2 replicas, 10 requests round-robin: 2 logins, 11 GETs)", { timeout: 30_000 }, async () => {
    const plat = await fakePlatform();
    const more = { rate: { calls: 100, perMs: 1000 }, cacheMs: 0, replicas: 2 };
    const gs = [await gatewayOn(plat, redis.url, more), await gatewayOn(plat, redis.url, more)];
    try {
      await Promise.all(gs.map((g) => shared(g.gw.store)));
      plat.refuseAll = true;
      const answers = [];
      for (let i = 0; i < 10; i += 1) answers.push(await gs[i % 2].get(`${TASK_PATH}/r${i}`));
      assert.deepEqual(answers.map((a) => `${a.status} ${a.json?.error_code}`), Array(10).fill("502 GW.UPSTREAM_AUTH"));
      // Before the fix each replica marked only the token it was refused itself: 11 logins, 20 GETs.
      assert.equal(plat.logins, 2, "the first login and one new login after the 1010005, for both replicas");
      assert.equal(plat.gets.length, 11, "each later request one call, no retry");
    } finally {
      for (const g of gs) await g.close();
      await plat.close();
    }
  });
});

describe("logins that fail, on a fleet", () => {
  test("a failed login pauses every replica (the pause is shared in Redis): 3 replicas, 9 requests round-robin, one login; a success ends it everywhere", { timeout: 30_000 }, async () => {
    const plat = await fakePlatform();
    plat.loginFails = true;
    const more = { rate: { calls: 100, perMs: 1000 }, cacheMs: 0, replicas: 3 };
    const gs = [await gatewayOn(plat, redis.url, more), await gatewayOn(plat, redis.url, more), await gatewayOn(plat, redis.url, more)];
    try {
      await Promise.all(gs.map((g) => shared(g.gw.store)));
      const answers = [await gs[0].get(`${TASK_PATH}/p0`)];
      assert.match(answers[0].json.error_desc, /tries again in 1 s/);
      const key = `${gs[0].ns}:login-pause`;
      assert.ok((await admin.pTTL(key)) > 0, "the pause is in Redis");
      // The first pause is 1 s; made 4 s here so that the requests below fit in it on a slow machine.
      await admin.pExpire(key, 4000);
      for (let i = 1; i < 9; i += 1) answers.push(await gs[i % 3].get(`${TASK_PATH}/p${i}`));
      assert.deepEqual(answers.map((a) => `${a.status} ${a.json?.error_code}`), Array(9).fill("502 GW.LOGIN"));
      // Before the fix each replica kept its own pause: one login per replica (3).
      assert.equal(plat.logins, 1, "one login for the fleet within the pause");
      assert.ok(answers.every((a) => /tries again in [1-4] s/.test(a.json.error_desc)), answers[8].json.error_desc);
      plat.loginFails = false;
      await waitFor(async () => (await admin.exists(key)) === 0, "the pause's end");
      await sleep(100); // each replica's own copy ends with it (taken from the key's TTL)
      assert.equal((await gs[1].get(`${TASK_PATH}/after`)).status, 200);
      assert.equal((await gs[2].get(`${TASK_PATH}/after-2`)).status, 200);
      assert.equal(await admin.exists(`${gs[0].ns}:login-pause`), 0, "a success ends the shared pause");
      assert.equal(plat.logins, 2);
    } finally {
      for (const g of gs) await g.close();
      await plat.close();
    }
  });
});

describe("the shared window when Redis answers late", () => {
  test("a waiter whose signal aborts (its console left) is out of the shared queue at once: the one behind it gets the next slot, the aborted one rejects with the signal's reason", { timeout: 30_000 }, async () => {
    const ns = `iotgw:test-abort-${randomBytes(4).toString("hex")}`;
    const s = gatewayModule.createRedisStore({ redis: redis.url, namespace: ns, rate: { calls: 1, perMs: 1500 }, upstreamTimeoutMs: 1000 });
    try {
      await shared(s);
      (await s.limiter.acquire({ maxWaitMs: 0 })).release(); // the one slot counts for 1.5 s
      const leaving = new AbortController();
      const gone = s.limiter.acquire({ maxWaitMs: 20_000, signal: leaving.signal });
      const behind = s.limiter.acquire({ maxWaitMs: 20_000 });
      await waitFor(() => s.limiter.depth() === 2, "two waiting");
      leaving.abort(new Error("the console left"));
      await assert.rejects(gone, /the console left/);
      assert.equal(s.limiter.depth(), 1);
      (await behind).release();
      // Before the fix the aborted waiter stayed queued and took that slot, resolving, not rejecting.
      assert.equal(await admin.zCard(`${ns}:window`), 1, "the call behind (the first one's slot had freed for it); none for the one that left");
      await assert.rejects(s.limiter.acquire({ maxWaitMs: 1000, signal: AbortSignal.abort(new Error("gone before")) }), /gone before/);
    } finally {
      await s.close();
    }
  });

  test("an ACQUIRE that timed out (Redis 1.2 s late) but ran late: the retry (same id) is that call, not a second entry", { timeout: 30_000 }, async () => {
    const ns = `iotgw:test-late-acquire-${randomBytes(4).toString("hex")}`;
    const s = gatewayModule.createRedisStore({ redis: redis.url, namespace: ns, rate: { calls: 2, perMs: 10_000 }, upstreamTimeoutMs: 1000 });
    try {
      await shared(s);
      redis.signal("SIGSTOP");
      const thaw = setTimeout(() => redis.signal("SIGCONT"), 1200);
      let p1;
      try {
        p1 = await s.limiter.acquire({ maxWaitMs: 5000 });
      } finally {
        clearTimeout(thaw);
        redis.signal("SIGCONT");
      }
      // Before the fix the late try left a ghost entry: 2 entries, and the second call was refused.
      assert.equal(await admin.zCard(`${ns}:window`), 1, "one call, one entry");
      const p2 = await s.limiter.acquire({ maxWaitMs: 0 });
      p1.release();
      p2.release();
    } finally {
      redis.signal("SIGCONT");
      await s.close();
    }
  });
});
