// The console gateway's bench rows (`make bench`; run by benches/run.mjs in its own process):
//
//   1. added latency: the package's queryUpgradeTask straight to the simulator vs through the
//      gateway (cache hit; cache miss over plain http; cache miss over two-way TLS), sequential
//      calls, interleaved in rounds so drift hits every variant alike;
//   2. fan-in: N clients (10 / 100 / 300) polling 50 tasks once a second for a while through one
//      gateway (default cacheMs 1000; the rate opened wide so the figure is the coalescing and
//      the cache, not the platform's budget), upstream calls per client poll.
//
//   node benches/lib/gateway.mjs [quick]     prints one JSON line
//
// Needs pkg/ and pkg-gateway/ built (make build). Loopback only.

import http from "node:http";
import { performance } from "node:perf_hooks";
import { createGateway } from "../../pkg-gateway/index.mjs";
import { queryUpgradeTask } from "../../pkg/node.js";
import { startSimulator } from "../../simulator/index.mjs";
import { summary } from "./stats.mjs";

const QUICK = process.argv[2] === "quick";
const PLAN = QUICK ? { rounds: 3, batch: 50, fanInSeconds: 3, clients: [10, 100] } : { rounds: 10, batch: 200, fanInSeconds: 10, clients: [10, 100, 300] };
const KEY = "bench-console-key-0123456789";
const TASK = "fw-now-devices";
const TASKS = 50;
const WIDE = { calls: 1_000_000, perMs: 60_000 };

function listen(handler) {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// Each login invalidates the app's previous token, so every client of one simulator below has
// an app of its own (two gateways sharing one app would knock each other out, as on the platform).
const APPS = ["direct", "gw-hit", "gw-miss"].map((appId) => ({ appId, secret: `${appId}-secret` }));

async function gatewayOn(sim, config, appId = "demo-app") {
  const c = sim.certificates;
  const gateway = createGateway({
    upstream: sim.baseUrl,
    appId,
    secret: sim.options.apps.find((a) => a.appId === appId).secret,
    ...(c ? { cert: c.clientCert, key: c.clientKey, ca: c.ca } : {}),
    consoleKeys: [KEY],
    rate: WIDE,
    logger: false,
    ...config,
  });
  const server = await listen(gateway);
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    gateway,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r()));
      await gateway.close();
    },
  };
}

async function timeCalls(n, call) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    out.push(performance.now() - t);
  }
  return out;
}

async function latency() {
  const plain = await startSimulator({ throttle: false, apps: APPS });
  const faithful = await startSimulator({ throttle: false, tls: true, requireClientCert: true, cors: false });
  const hit = await gatewayOn(plain, { cacheMs: 3_600_000 }, "gw-hit");
  const miss = await gatewayOn(plain, { cacheMs: 0 }, "gw-miss");
  const missTls = await gatewayOn(faithful, { cacheMs: 0 });
  const token = plain.login("direct").accessToken;
  const opts = (baseUrl, appKey = "console") => ({ baseUrl, appKey, retry: false });
  const variants = {
    direct: () => queryUpgradeTask(TASK, token, opts(plain.baseUrl, "direct")),
    "gateway, cache hit": () => queryUpgradeTask(TASK, KEY, opts(hit.url)),
    "gateway, cache miss": () => queryUpgradeTask(TASK, KEY, opts(miss.url)),
    "gateway, cache miss, two-way TLS upstream": () => queryUpgradeTask(TASK, KEY, opts(missTls.url)),
  };
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  try {
    for (const f of Object.values(variants)) await timeCalls(20, f); // warm-up: login, connections, JIT
    for (let r = 0; r < PLAN.rounds; r++) {
      for (const [name, f] of Object.entries(variants)) samples[name].push(...(await timeCalls(PLAN.batch, f)));
    }
  } finally {
    await Promise.all([hit.close(), miss.close(), missTls.close()]);
    await Promise.all([plain.close(), faithful.close()]);
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summary(v)]));
}

async function fanIn(clients) {
  const sim = await startSimulator({ throttle: false, tls: true, requireClientCert: true, cors: false });
  const ids = Array.from({ length: TASKS }, (_, i) => `bench-task-${i}`);
  for (const id of ids) sim.setTask(id, { operationId: id, operateType: "firmware_upgrade", status: "processing", targets: { devices: ["d1"] } });
  const gw = await gatewayOn(sim, {});
  const port = new URL(gw.url).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const times = [];
  let polls = 0;
  let ok = 0;
  const get = (path) =>
    new Promise((resolve) => {
      const t = performance.now();
      const req = http.request({ host: "127.0.0.1", port, path, agent, headers: { authorization: `Bearer ${KEY}` } }, (res) => {
        res.resume();
        res.on("end", () => {
          times.push(performance.now() - t);
          resolve(res.statusCode);
        });
      });
      req.on("error", () => resolve(0));
      req.end();
    });
  const end = Date.now() + PLAN.fanInSeconds * 1000;
  const client = async (i) => {
    await new Promise((r) => setTimeout(r, (i * 13) % 1000));
    for (let n = 0; Date.now() < end; n++) {
      const status = await get(`/iodm/northbound/v1.5.0/operations/${ids[(i + n) % TASKS]}`);
      polls += 1;
      if (status === 200) ok += 1;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  } finally {
    agent.destroy();
    await gw.close();
  }
  const upstream = sim.requests().filter((r) => r.method === "GET").length;
  await sim.close();
  return { clients, seconds: PLAN.fanInSeconds, polls, ok, upstream, perPoll: upstream / polls, client: summary(times) };
}

const result = { quick: QUICK, latency: await latency(), fanIn: [] };
for (const n of PLAN.clients) result.fanIn.push(await fanIn(n));
console.log(JSON.stringify(result));
