// The fleet rows of `make bench` (issue 16; run by benches/run.mjs in its own process): the
// scenario of tests/gateway/redis.test.mjs (tests/gateway/fleet.mjs) with 1 gateway and with 3
// replicas over one redis-server of its own on loopback, 300 clients polling 50 tasks.
//
//   node benches/lib/fleet.mjs [quick]     prints one JSON line ({skipped} without redis-server)
//
// Needs pkg/ and pkg-gateway/ built (make build) and redis-server (scripts/setup.sh installs it).

import { spawnSync } from "node:child_process";

const QUICK = process.argv[2] === "quick";
const version = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
if (version.status !== 0) {
  console.log(JSON.stringify({ skipped: "redis-server is not installed (scripts/setup.sh installs it: apt-get install redis-server)" }));
} else {
  const { runFleet, startRedis } = await import("../../tests/gateway/fleet.mjs");
  const redis = await startRedis();
  const result = { quick: QUICK, redis: /v=(\S+)/.exec(version.stdout)?.[1] ?? "?", runs: [] };
  try {
    for (const replicas of [1, 3]) {
      // Each run's simulator listens on a port of its own, so its keys (namespaced by upstream) are fresh.
      result.runs.push(await runFleet({ redisUrl: redis.url, replicas, clients: 300, tasks: 50, seconds: QUICK ? 15 : 90 }));
    }
  } finally {
    await redis.stop();
  }
  console.log(JSON.stringify(result));
}
