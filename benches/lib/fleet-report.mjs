// The fleet table (issue 16): one gateway and three replicas over one Redis in front of the
// simulator, many clients polling tasks. Rendered from the figures of tests/gateway/fleet.mjs's
// runFleet — printed by tests/gateway/redis.test.mjs and written into BENCHMARKS.md by
// `make bench` (benches/lib/fleet.mjs), so both show the same columns.

import { table } from "./stats.mjs";

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const delta = (x) => (x < 0 ? `−${ms(-x)}` : `+${ms(x)}`);

/** The fleet table (GFM) for a list of runFleet figures. */
export function fleetTable(runs) {
  return table(
    ["replicas", "clients × tasks, for", "client polls (200 / 429)", "upstream calls", "upstream calls/min", "most in any 60 s (rate)", "logins", "poll p50 / p99 ms", "direct p50 / p99 ms", "added p50 ms", "added p99 ms"],
    runs.map((f) => [
      String(f.replicas),
      `${f.clients} × ${f.tasks}, ${f.seconds} s`,
      `${f.polls} (${f.byStatus["200"] ?? 0} / ${f.byStatus["429"] ?? 0})`,
      String(f.upstreamCalls),
      f.seconds >= f.rate.perMs / 1000 ? ((f.upstreamCalls * 60) / f.seconds).toFixed(0) : `— (run < ${f.rate.perMs / 1000} s)`,
      `${f.maxIn60s} (${f.rate.calls}/${f.rate.perMs / 1000} s)`,
      String(f.logins),
      `${ms(f.poll.median)} / ${ms(f.poll.p99)}`,
      `${ms(f.direct.median)} / ${ms(f.direct.p99)}`,
      delta(f.poll.median - f.direct.median),
      delta(f.poll.p99 - f.direct.p99),
    ]),
  );
}

/** @returns {string[]} the BENCHMARKS.md section's paragraphs */
export function fleetSection(F) {
  const title = "## 6b. Several gateways over one Redis";
  if (!F || F.skipped) return [title, `Not run: ${F?.skipped ?? "no results"}.`];
  return [
    title,
    `benches/lib/fleet.mjs${F.quick ? " (**--quick**)" : ""}, the scenario of tests/gateway/redis.test.mjs (tests/gateway/fleet.mjs; redis-server ${F.redis} on loopback): the platform-faithful simulator with its 100 calls/min, one gateway or ${F.runs.at(-1).replicas} replicas sharing one Redis (token, rate budget, cache; defaults: \`cacheMs\` 1000, bounded waiting then \`429\` + \`Retry-After\`), and N clients spread over them, each polling one of the tasks once a second (a 429 is honoured: the client waits its \`Retry-After\`, at most 3 s). Client, gateways, simulator and Redis client share one Node process. *Poll* is a client's poll answered 200 (time to the end of the body); *direct* is one raw call to a second, unthrottled simulator (same TLS with a client certificate, kept-alive) made every 20 ms in the same process during the same run, so both see the same load; *added* = poll − direct. *Upstream calls/min* is over the whole run (a run shorter than the platform's window shows only the most in any window: the fleet may spend the minute's budget in its first seconds). A poll that is a cache hit can be faster than a direct call; one that waits for the shared budget is slower.`,
    fleetTable(F.runs),
  ];
}
