// Several gateway replicas, one app, through a real redis-server (Debian's, started here on a
// free loopback port): one login for the fleet, one rate, one cache; a revoked token re-logged in
// once; a replica that dies holding the login lock; Redis missing at start, and Redis stopped and
// restarted mid-run (fallback, then rejoin) — each case asserts what the simulator saw.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { createClient } from "../../gateway/node_modules/redis/dist/index.js";
import { fleetTable } from "../../benches/lib/fleet-report.mjs";
import { freePort, logins, poll, queries, replicas, runFleet, startRedis } from "./fleet.mjs";
import { KEY, ROOT, TASK_PATH, gatewayModule, maxInWindow, raw, sleep, waitFor } from "./helpers.mjs";
import { startSimulator } from "../../simulator/index.mjs";

const REDIS = spawnSync("redis-server", ["--version"]).status === 0;
if (!REDIS) throw new Error("redis-server is missing: make test installs it (scripts/setup.sh; apt-get install redis-server)");

let redis;
before(async () => {
  redis = await startRedis();
});
// Each test starts from an empty Redis (startRedis: flush).
beforeEach(() => redis?.flush());

after(() => redis?.stop());

describe("three replicas sharing Redis", () => {
  // The fleet table (issue 16): 1 gateway, then 3 replicas, 300 clients polling 50 tasks for 30 s.
  const runs = [];
  for (const n of [1, 3]) {
    test(`300 clients over ${n} replica(s) polling 50 tasks for 30 s: one login, never more than the rate, no 1010009`, { timeout: 90000 }, async (t) => {
      const f = await runFleet({ redisUrl: redis.url, replicas: n, clients: 300, tasks: 50, seconds: 30 });
      runs.push(f);
      t.diagnostic(`fleet figures: ${JSON.stringify(f)}`);
      if (n === 3) for (const line of fleetTable(runs).trim().split("\n")) t.diagnostic(line);
      assert.ok(Object.keys(f.byStatus).every((s) => s === "200" || s === "429"), `only 200 and 429 answers: ${JSON.stringify(f.byStatus)}`);
      assert.ok(f.poll.n > 0, "clients got answers");
      assert.equal(f.logins, 1, "exactly one login for the fleet");
      assert.ok(f.maxIn60s <= 100, `at most the platform's 100 per 60 s (saw ${f.maxIn60s})`);
      assert.equal(f.upstreamRefused, 0, "no 1010009");
      assert.equal(f.tasksFetched, 50, "every task fetched");
      assert.deepEqual(f.modes, Array(n).fill("shared"));
    });
  }

  test("the shared cache: the same task from 3 replicas within cacheMs costs one upstream call; a revoked token is re-logged in once fleet-wide", async () => {
    const sim = await startSimulator({ port: 0, tls: true, requireClientCert: true, cors: false, throttle: false });
    // The answers live in Redis for cacheMs (PX, Redis' real time): a minute, so that however
    // slowly the 30 requests are served, none arrives after the answer expired.
    const fleet = await replicas(sim, 3, { store: redis.url, cacheMs: 60_000, rate: { calls: 1000, perMs: 60000 } });
    try {
      sim.setFault("delay=150", { operationId: "sw-stopped", count: 1 });
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => raw(fleet.list[i % 3].url, `${TASK_PATH}/sw-stopped`)));
      assert.ok(answers.every((a) => a.status === 200));
      assert.equal(queries(sim).filter((r) => r.path.endsWith("/sw-stopped")).length, 1, "one upstream call for 30 requests over 3 replicas");
      assert.equal(logins(sim), 1);

      sim.login(); // the platform revokes the fleet's token
      const before = logins(sim);
      const ids = ["fw-now-devices", "sw-group-online", "fw-256-devices", "fw-custom-window", "demo-hostile", "sw-lenient-shapes"];
      const again = await Promise.all(ids.flatMap((id) => fleet.list.map((r) => raw(r.url, `${TASK_PATH}/${id}`))));
      assert.ok(again.every((a) => a.status === 200), again.map((a) => a.status).join(","));
      assert.equal(logins(sim), before + 1, "exactly one re-login for the fleet");
      const metrics = (await raw(fleet.list[2].url, "/metrics", { key: null })).text;
      assert.match(metrics, /^iot_gateway_store_connected 1$/m);
      assert.match(metrics, /^iot_gateway_store_lock_waits \d+$/m);
      assert.match(metrics, /^iot_gateway_store_budget_waits \d+$/m);
      assert.match(metrics, /^iot_gateway_store_fallbacks 0$/m);
    } finally {
      await fleet.close();
      await sim.close();
    }
  });

  test("a replica that died holding the login lock: another logs in once its lease runs out", { timeout: 60000 }, async () => {
    const sim = await startSimulator({ port: 0, tls: true, requireClientCert: true, cors: false, throttle: false });
    const fleet = await replicas(sim, 2, { store: redis.url, upstreamTimeoutMs: 1000, rate: { calls: 1000, perMs: 60000 } });
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      assert.equal((await raw(fleet.list[0].url, `${TASK_PATH}/fw-now-devices`)).status, 200);
      const ns = gatewayModule.redisNamespace(new URL(sim.baseUrl).href, "demo-app");
      // As if a third replica took the lock, then was killed before it logged in: the lease (5 s,
      // on Redis' clock) stays. Nobody can log in before it runs out, however fast or slow we are.
      const lockedAt = Date.now();
      await admin.set(`${ns}:token-lock`, "killed-replica", { PX: 5000 });
      sim.login(); // and the fleet's token is revoked meanwhile
      const r = await raw(fleet.list[1].url, `${TASK_PATH}/sw-stopped`);
      const loginAt = Date.parse(sim.requests().filter((q) => q.method === "POST" && q.path.endsWith("/login")).at(-1).time);
      assert.equal(r.status, 200);
      assert.ok(loginAt - lockedAt >= 4990, `the takeover login waited for the lease to run out (${loginAt - lockedAt} ms after the lock)`);
      assert.ok(Date.now() - lockedAt < 30_000, `and came soon after it (${Date.now() - lockedAt} ms; generous)`);
      assert.equal(logins(sim), 2, "the fleet's first login and one takeover (the revoking login is the simulator's own)");
    } finally {
      await admin.close();
      await fleet.close();
      await sim.close();
    }
  });
});

/** A replica as its own process: the bin with --store; resolves once it listens. */
function binReplica(sim, args) {
  const f = sim.certificates.files;
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "pkg-gateway", "bin.mjs"), "--listen", "127.0.0.1:0", "--upstream", sim.baseUrl, "--app-id", "demo-app", "--cert", f.clientCert, "--key", f.clientKey, "--ca", f.ca, "--console-key", KEY, "--quiet", ...args],
    { env: { PATH: process.env.PATH, IOT_SECRET: "demo-secret" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no listening line within 30 s: ${out}`)), 30_000);
    child.stdout.on("data", (c) => {
      out += c;
      const m = /gateway listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, output: () => out });
      }
    });
    child.on("exit", (code) => reject(new Error(`replica exited ${code}: ${out}`)));
  });
}

describe("replica processes", () => {
  test("SIGKILL one of three replica processes mid-run: the others carry on, one login, the platform within its rate", { timeout: 120_000 }, async (t) => {
    const RATE = { calls: 30, perMs: 2000 };
    const sim = await startSimulator({ port: 0, tls: true, requireClientCert: true, cors: false, throttle: RATE });
    const ids = Array.from({ length: 40 }, (_, i) => `kill-task-${i}`);
    for (const id of ids) sim.setTask(id, { operationId: id, operateType: "firmware_upgrade", status: "processing", targets: { devices: ["d1"] } });
    const list = await Promise.all([0, 1, 2].map(() => binReplica(sim, ["--store", redis.url, "--replicas", "3", "--rate", "30/2000", "--cache-ms", "0", "--max-wait-ms", "2000"])));
    try {
      // Phases by what the simulator saw, not by the wall: the fleet serving, a kill, the others serving on.
      let stop = false;
      const run = poll({ list }, { clients: 60, tasks: 40, ms: 120_000, ids, until: () => stop });
      await waitFor(() => queries(sim).length >= 30, "the fleet serving (30 platform calls)");
      list[0].child.kill("SIGKILL");
      const killedAt = Date.now();
      const afterKill = () => queries(sim).filter((r) => Date.parse(r.time) > killedAt + 1000);
      await waitFor(() => afterKill().length >= 30, "30 platform calls more than 1 s after the kill");
      stop = true;
      const { byStatus } = await run;
      const seen = queries(sim);
      const after = afterKill();
      const figures = { byStatus, upstreamCalls: seen.length, afterKill: after.length, maxInWindow: maxInWindow(seen, RATE.perMs), logins: logins(sim) };
      t.diagnostic(`kill figures: ${JSON.stringify(figures)}`);
      assert.ok(after.length >= 30, "the other replicas kept serving");
      assert.ok(after.every((r) => r.status === 200));
      assert.ok(figures.maxInWindow <= RATE.calls, `never more than ${RATE.calls} per ${RATE.perMs} ms (saw ${figures.maxInWindow})`);
      assert.equal(seen.filter((r) => r.status === 403).length, 0, "no 1010009");
      assert.equal(figures.logins, 1);
      for (const r of list.slice(1)) assert.equal(JSON.parse((await raw(r.url, "/healthz", { key: null })).text).storeState.mode, "shared");
    } finally {
      for (const r of list) r.child.kill("SIGTERM");
      await Promise.all(list.map((r) => (r.child.exitCode !== null || r.child.signalCode !== null ? null : new Promise((res) => r.child.once("exit", res)))));
      await sim.close();
    }
  });
});

describe("Redis faults", () => {
  test("Redis unreachable at start: the gateway starts, says so, serves from its local share, and joins Redis when it comes", { timeout: 90_000 }, async () => {
    const spare = await freePort();
    const sim = await startSimulator({ port: 0, tls: true, requireClientCert: true, cors: false, throttle: { calls: 20, perMs: 1000 } });
    const fleet = await replicas(sim, 1, { store: `redis://127.0.0.1:${spare}`, rate: { calls: 20, perMs: 1000 }, upstreamTimeoutMs: 1000, cacheMs: 0 });
    let late = null;
    try {
      const r = fleet.list[0];
      const mode = async () => JSON.parse((await raw(r.url, "/healthz", { key: null })).text).storeState.mode;
      assert.ok(["connecting", "fallback"].includes(await mode()), "never shared without Redis");
      await waitFor(async () => (await mode()) === "fallback", "the fallback");
      assert.ok(r.logs.lines.some((l) => l.event === "store" && l.state === "fallback"), "it says so in its log");
      // After the hold (calls the fleet may have made before still count), it serves; until then a 429, never anything else.
      const statuses = new Set();
      await waitFor(async () => {
        const status = (await raw(r.url, `${TASK_PATH}/fw-now-devices`)).status;
        statuses.add(status);
        return status === 200 || (await sleep(100));
      }, "a 200 from the local share");
      assert.deepEqual([...statuses].filter((s) => s !== 200 && s !== 429), []);
      // Redis comes up on that port: the replica joins it without a restart.
      late = spawn("redis-server", ["--port", String(spare), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
      await waitFor(async () => (await mode()) === "shared", "the rejoin");
      assert.equal((await raw(r.url, `${TASK_PATH}/sw-stopped`)).status, 200);
      assert.equal(queries(sim).filter((q) => q.status !== 200).length, 0);
    } finally {
      await fleet.close();
      await sim.close();
      late?.kill("SIGKILL");
    }
  });

  test("Redis stopped and restarted mid-run: fallback, then rejoin; the platform never sees more than its rate in any window", { timeout: 150_000 }, async (t) => {
    const RATE = { calls: 30, perMs: 2000 };
    const sim = await startSimulator({ port: 0, tls: true, requireClientCert: true, cors: false, throttle: RATE });
    const ids = Array.from({ length: 40 }, (_, i) => `fault-task-${i}`);
    for (const id of ids) sim.setTask(id, { operationId: id, operateType: "firmware_upgrade", status: "processing", targets: { devices: ["d1"] } });
    const fleet = await replicas(sim, 3, { store: redis.url, rate: RATE, upstreamTimeoutMs: 1000, cacheMs: 0, maxWaitMs: 2000 });
    const unhandled = [];
    const onUnhandled = (e) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      // Phases by what the simulator and the replicas say, not by the wall: shared, Redis gone
      // (every replica in fallback, and serving from it), Redis back (every replica rejoined, serving).
      let stop = false;
      const run = poll(fleet, { clients: 60, tasks: 40, ms: 120_000, ids, until: () => stop });
      const modes = async () => Promise.all(fleet.list.map(async (r) => JSON.parse((await raw(r.url, "/healthz", { key: null })).text).storeState.mode));
      const served = () => queries(sim).filter((q) => q.status === 200).length;
      await waitFor(() => served() >= 30, "30 platform calls while shared");
      await redis.stop();
      await waitFor(async () => (await modes()).every((x) => x === "fallback"), "every replica fell back");
      const inFallback = served();
      await waitFor(() => served() >= inFallback + 10, "10 platform calls from the fallback");
      await redis.start(); // empty: no token, no window
      await waitFor(async () => (await modes()).every((x) => x === "shared"), "every replica rejoined without a restart");
      const rejoined = served();
      await waitFor(() => served() >= rejoined + 10, "10 platform calls after the rejoin");
      stop = true;
      const { byStatus } = await run;
      assert.deepEqual(await modes(), ["shared", "shared", "shared"], "every replica rejoined without a restart");
      const seen = queries(sim);
      const figures = { byStatus, upstreamCalls: seen.length, maxInWindow: maxInWindow(seen, RATE.perMs), logins: logins(sim) };
      t.diagnostic(`fault figures: ${JSON.stringify(figures)}`);
      const t0 = Date.parse(seen[0].time);
      t.diagnostic(`timeline: ${JSON.stringify(sim.requests().filter((r) => r.method === "POST" || r.status !== 200).map((r) => [Date.parse(r.time) - t0, r.method, r.status, r.auth]))}`);
      assert.ok(figures.maxInWindow <= RATE.calls, `never more than ${RATE.calls} per ${RATE.perMs} ms at the platform (saw ${figures.maxInWindow})`);
      assert.equal(seen.filter((r) => r.status === 403).length, 0, "no 1010009");
      assert.ok((byStatus["200"] ?? 0) > 0 && Object.keys(byStatus).every((s) => s === "200" || s === "429"), JSON.stringify(byStatus));
      assert.ok(fleet.list.every((r) => r.logs.lines.some((l) => l.event === "store" && l.state === "fallback") && r.logs.lines.some((l) => l.event === "store" && l.state === "shared")), "each replica logged the fallback and the rejoin");
      assert.deepEqual(unhandled, []);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await fleet.close();
      await sim.close();
      await redis.start().catch(() => {});
    }
  });
});
