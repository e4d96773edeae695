// The fleet scenario of issue 16, shared by tests/gateway/redis.test.mjs (which asserts on it and
// prints its table) and `make bench` (benches/lib/fleet.mjs, which writes the table into
// BENCHMARKS.md): a redis-server of our own on a free loopback port, N gateway replicas sharing
// it in front of the simulator, and many clients polling tasks through them. Not a test file.

import { spawn } from "node:child_process";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { summary } from "../../benches/lib/stats.mjs";
import { createClient } from "../../gateway/node_modules/redis/dist/index.js";
import { startSimulator } from "../../simulator/index.mjs";
import { KEY, TASK_PATH, gatewayModule, listen, logSink, maxInWindow, raw, sleep } from "./helpers.mjs";

/** A free TCP port on 127.0.0.1 (closed again, for a server to take). */
export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server of our own on a free loopback port (`args`: more options, e.g. `--requirepass`); stop() and start() again on the same port, signal(s) (e.g. SIGSTOP, SIGCONT) it. */
export async function startRedis({ args = [] } = {}) {
  const port = await freePort();
  let child = null;
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise((r) => {
        const s = net.connect(port, "127.0.0.1", () => {
          s.end();
          r(true);
        });
        s.on("error", () => r(false));
      });
      if (ok) return;
      await sleep(50);
    }
    throw new Error("redis-server did not start");
  };
  const stop = () =>
    new Promise((r) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return r(); // not running (killed by a signal counts)
      child.once("exit", () => r());
      child.kill("SIGKILL");
    });
  const url = `redis://127.0.0.1:${port}`;
  /**
   * Empties it (FLUSHALL): for a test that must not see an earlier test's keys. A simulator or
   * platform of a later test can get an earlier one's port, hence its namespace and its token
   * (seen once: a fleet's first calls went out with a token of another run's simulator).
   */
  const flush = async () => {
    const client = createClient({ url, ...(args.includes("--requirepass") ? { password: args[args.indexOf("--requirepass") + 1] } : {}) });
    client.on("error", () => {});
    await client.connect();
    try {
      await client.flushAll();
    } finally {
      await client.close();
    }
  };
  await start();
  return { port, url, start, stop, flush, signal: (s) => child?.kill(s) };
}

/** N gateway replicas on node:http in front of `sim`, all with `config` (e.g. `store`, a redis URL). */
export async function replicas(sim, n, config) {
  const c = sim.certificates;
  const out = [];
  for (let i = 0; i < n; i++) {
    const logs = logSink();
    const gateway = gatewayModule.createGateway({
      upstream: sim.baseUrl,
      appId: "demo-app",
      secret: "demo-secret",
      cert: c.clientCert,
      key: c.clientKey,
      ca: c.ca,
      consoleKeys: [KEY],
      replicas: n,
      logger: { level: "warn", destination: logs.stream },
      ...config,
    });
    const server = await listen(gateway);
    out.push({ gateway, server, logs, url: `http://127.0.0.1:${server.address().port}` });
  }
  return {
    list: out,
    async close() {
      for (const r of out) {
        r.server.closeAllConnections();
        await new Promise((res) => r.server.close(() => res()));
        await r.gateway.close();
      }
    },
  };
}

/** Logins the simulator saw. */
export const logins = (sim) => sim.requests().filter((r) => r.method === "POST" && r.path.endsWith("/login")).length;
/** Task queries the simulator saw. */
export const queries = (sim) => sim.requests().filter((r) => r.method === "GET");

/**
 * `clients` pollers spread over the replicas, `tasks` tasks, for `ms` (or until `until()` says
 * so, if sooner); honours Retry-After (capped) like the package. Resolves to the answers by
 * status and the times (ms) of the 200s.
 */
export async function poll(fleet, { clients, tasks, ms, ids, until = () => false }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const statuses = new Map();
  const times = [];
  const end = Date.now() + ms;
  const one = (url, path) =>
    new Promise((resolve) => {
      const u = new URL(url);
      const t = performance.now();
      const req = http.request({ host: u.hostname, port: u.port, path, agent, headers: { authorization: `Bearer ${KEY}` }, timeout: 20000 }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === 200) times.push(performance.now() - t);
          resolve({ status: res.statusCode, retryAfter: Number(res.headers["retry-after"] ?? 0) });
        });
      });
      req.on("timeout", () => req.destroy(new Error("hung")));
      req.on("error", () => resolve({ status: 0, retryAfter: 0 }));
      req.end();
    });
  const client = async (i) => {
    await sleep((i * 7) % 1000);
    let replica = i % fleet.list.length;
    for (let n = 0; Date.now() < end && !until(); n++) {
      const { status, retryAfter } = await one(fleet.list[replica].url, `${TASK_PATH}/${ids[(i + n) % tasks]}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 0) replica = (replica + 1) % fleet.list.length; // as a load balancer would: the next replica
      await sleep(status === 429 ? Math.min(retryAfter * 1000, 3000) : 1000);
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  } finally {
    agent.destroy();
  }
  return { byStatus: Object.fromEntries(statuses), times };
}

/**
 * Direct calls for the "added latency" baseline: one raw call every `everyMs` until `ms` is
 * over, to a second, unthrottled faithful simulator (its own token, two-way TLS, kept alive),
 * in the same process as the fleet's clients so both see the same load. Resolves to the times.
 */
async function directCalls({ ms, everyMs }) {
  const sim = await startSimulator({ port: 0, tls: true, requireClientCert: true, cors: false, throttle: false });
  const c = sim.certificates;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, cert: c.clientCert, key: c.clientKey, ca: c.ca });
  const u = new URL(sim.baseUrl);
  const headers = { app_key: "demo-app", authorization: `Bearer ${sim.login().accessToken}` };
  const one = () =>
    new Promise((resolve, reject) => {
      const t = performance.now();
      const req = https.request({ host: u.hostname, port: u.port, path: `${TASK_PATH}/fw-now-devices`, agent, headers, timeout: 20000 }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`direct call: ${res.statusCode}`))));
      });
      req.on("timeout", () => req.destroy(new Error("direct call hung")));
      req.on("error", reject);
      req.end();
    });
  const times = [];
  try {
    await one(); // the TLS handshake, not a call's cost
    for (const end = Date.now() + ms; Date.now() < end; ) {
      times.push(await one());
      await sleep(everyMs);
    }
  } finally {
    agent.destroy();
    await sim.close();
  }
  return times;
}

/**
 * The fleet scenario: `replicaCount` gateways over the Redis at `redisUrl` (defaults otherwise:
 * the platform's 100/min, cacheMs 1000) in front of a fresh faithful simulator with `tasks`
 * tasks, `clients` clients polling them for `seconds`, and the direct baseline beside them.
 * Resolves to the figures (what the simulator saw, the clients' answers, latency summaries,
 * each replica's store mode at the end).
 */
export async function runFleet({ redisUrl, replicas: replicaCount, clients, tasks, seconds }) {
  const RATE = { calls: 100, perMs: 60_000 };
  const sim = await startSimulator({ port: 0, tls: true, requireClientCert: true, cors: false, throttle: RATE });
  const ids = Array.from({ length: tasks }, (_, i) => `fleet-task-${i}`);
  for (const id of ids) sim.setTask(id, { operationId: id, operateType: "firmware_upgrade", status: "processing", targets: { devices: ["d1"] } });
  const fleet = await replicas(sim, replicaCount, { store: redisUrl });
  try {
    const [{ byStatus, times }, direct] = await Promise.all([poll(fleet, { clients, tasks, ms: seconds * 1000, ids }), directCalls({ ms: seconds * 1000, everyMs: 20 })]);
    const seen = queries(sim);
    const modes = await Promise.all(fleet.list.map(async (r) => JSON.parse((await raw(r.url, "/healthz", { key: null })).text).storeState?.mode ?? null));
    return {
      replicas: replicaCount,
      clients,
      tasks,
      seconds,
      rate: RATE,
      byStatus,
      polls: Object.values(byStatus).reduce((a, b) => a + b, 0),
      upstreamCalls: seen.length,
      upstreamRefused: seen.filter((r) => r.status !== 200).length,
      tasksFetched: new Set(seen.map((r) => r.path)).size,
      maxIn60s: maxInWindow(seen, RATE.perMs),
      logins: logins(sim),
      poll: summary(times),
      direct: summary(direct),
      modes,
    };
  } finally {
    await fleet.close();
    await sim.close();
  }
}
