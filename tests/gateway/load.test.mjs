// Load, bounded and on loopback only: 300 concurrent clients poll 50 tasks for 30 s through one
// gateway in front of the faithful simulator (its throttle: the platform's 100 calls per 60 s).
// The assertions are on what the simulator saw, never on timing: no more than its rate in any
// window, no 1010009, exactly one login, every client answered (200 or 429), none hung.
// Clients poll once a second and honour Retry-After on a 429 (capped at 5 s), as the package does.

import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { KEY, TASK_PATH, maxInWindow, raw, sleep, startStack } from "./helpers.mjs";

const CLIENTS = 300;
const TASKS = 50;
const DURATION_MS = 30_000;
const POLL_MS = 1000;
const REQUEST_DEADLINE_MS = 25_000; // generous: the gateway's own bound is maxWaitMs (10 s)
const RETRY_CAP_MS = 5000;

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

test(`${CLIENTS} clients polling ${TASKS} tasks for ${DURATION_MS / 1000} s cost at most the platform's rate, one login, no 1010009`, { timeout: 90_000 }, async (t) => {
  const stack = await startStack({ gateway: { logger: false } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const port = new URL(stack.url).port;
  const ids = Array.from({ length: TASKS }, (_, i) => `load-task-${i}`);
  for (const id of ids) stack.sim.setTask(id, { operationId: id, operateType: "firmware_upgrade", status: "processing", targets: { devices: ["d1"] } });
  const statuses = new Map();
  const latencies = [];
  let hung = 0;
  let failed = 0;

  const get = (path) =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = http.request({ host: "127.0.0.1", port, path, agent, headers: { authorization: `Bearer ${KEY}` }, timeout: REQUEST_DEADLINE_MS }, (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - started);
          resolve({ status: res.statusCode, retryAfter: Number(res.headers["retry-after"] ?? 0) });
        });
      });
      req.on("timeout", () => {
        hung += 1;
        req.destroy();
      });
      req.on("error", () => resolve({ status: 0, retryAfter: 0 }));
      req.end();
    });

  const end = Date.now() + DURATION_MS;
  const client = async (i) => {
    await sleep((i * 7) % POLL_MS); // spread the starts over the first second
    for (let n = 0; Date.now() < end; n += 1) {
      const { status, retryAfter } = await get(`${TASK_PATH}/${ids[(i + n) % TASKS]}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status !== 200 && status !== 429) failed += 1;
      // As the package does: a 429 is retried after its Retry-After (capped), else the next poll in a second.
      await sleep(status === 429 ? Math.min(retryAfter * 1000, RETRY_CAP_MS) : POLL_MS);
    }
  };
  try {
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    const seen = stack.upstreamQueries();
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    latencies.sort((a, b) => a - b);
    const metrics = (await raw(stack.url, "/metrics", { key: null })).text;
    const cacheOf = (result) => Number(new RegExp(`^iot_gateway_cache_total\\{result="${result}"\\} (\\d+)`, "m").exec(metrics)?.[1] ?? 0);
    const figures = {
      clientRequests: total,
      byStatus: Object.fromEntries(statuses),
      upstreamCalls: seen.length,
      maxUpstreamIn60s: maxInWindow(seen, 60_000),
      logins: stack.logins().length,
      cache: { hit: cacheOf("hit"), coalesced: cacheOf("coalesced"), miss: cacheOf("miss") },
      clientMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)) },
    };
    t.diagnostic(`load figures: ${JSON.stringify(figures)}`);

    assert.equal(hung, 0, "no request hung");
    assert.equal(failed, 0, `only 200 and 429 answers (${JSON.stringify(figures.byStatus)})`);
    assert.ok(total >= CLIENTS, "every client was answered");
    assert.ok(figures.maxUpstreamIn60s <= 100, `the simulator saw ${figures.maxUpstreamIn60s} calls in a 60 s window (its rate: 100)`);
    assert.equal(seen.filter((r) => r.status === 403).length, 0, "no 1010009 (nor any 403)");
    assert.ok(seen.every((r) => r.status === 200), "every upstream call succeeded");
    assert.ok(seen.length >= TASKS, "every task was fetched at least once");
    assert.equal(figures.logins, 1, "exactly one login");
    assert.ok(figures.cache.hit + figures.cache.coalesced > figures.cache.miss, "most polls were answered without their own upstream call");
  } finally {
    agent.destroy();
    await stack.close();
  }
});

test("50 identical concurrent requests → 1 upstream call (coalescing), with the cache off", async () => {
  const stack = await startStack({ gateway: { cacheMs: 0, logger: false } });
  try {
    // The first call stays in flight 3 s (generous: the 49 others reach the gateway long before).
    stack.sim.setFault("delay=3000", { operationId: "sw-stopped", count: 1 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => raw(stack.url, `${TASK_PATH}/sw-stopped`)));
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(stack.upstreamQueries().length, 1);
    assert.deepEqual(
      answers.map((a) => a.headers["x-gateway-cache"]).sort().filter((v, i, a) => a.indexOf(v) === i),
      ["coalesced", "miss"],
    );
  } finally {
    await stack.close();
  }
});
