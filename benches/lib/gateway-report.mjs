// The console gateway's section of BENCHMARKS.md (results of benches/lib/gateway.mjs).
// `table` is report.mjs's table renderer, passed in so both sections look alike.

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const delta = (x) => (x < 0 ? `−${ms(-x)}` : `+${ms(x)}`);

/** @returns {string[]} the section's paragraphs */
export function gatewaySection(G, table) {
  if (!G || G.skipped) return ["## 6. The console gateway", `Not run: ${G?.skipped ?? "no results"}.`];
  const direct = G.latency.direct;
  const rows = Object.entries(G.latency).map(([name, s]) => [
    name,
    String(s.n),
    ms(s.median),
    ms(s.p99),
    name === "direct" ? "—" : delta(s.median - direct.median),
    name === "direct" ? "—" : delta(s.p99 - direct.p99),
  ]);
  const fan = G.fanIn.map((f) => [String(f.clients), `${f.seconds} s`, String(f.polls), String(f.upstream), f.perPoll.toFixed(3), `${((f.ok / f.polls) * 100).toFixed(0)} %`, ms(f.client.median), ms(f.client.p99)]);
  return [
    "## 6. The console gateway",
    `benches/lib/gateway.mjs${G.quick ? " (**--quick**)" : ""}: the package's \`queryUpgradeTask\` straight to the simulator (plain http, its own token) and through \`iot-upgrade-task-gateway\` on loopback, sequential calls interleaved in rounds. "Cache hit" is a gateway keeping answers an hour, "cache miss" one with \`cacheMs: 0\` (every call goes upstream), the last row a gateway in front of the platform-faithful simulator (two-way TLS, kept-alive connections).`,
    table(["variant", "calls", "median ms", "p99 ms", "added median ms", "added p99 ms"], rows),
    `Fan-in: N clients, each polling one of 50 tasks once a second (a different one each time) through one gateway with the defaults (\`cacheMs\` 1000) and the rate opened wide, so the ratio is what coalescing and the cache save; with the platform's 100/min the gateway additionally caps the calls at its budget (see the load test in tests/gateway/load.test.mjs).`,
    table(["clients", "for", "client polls", "upstream calls", "upstream calls per poll", "answered 200", "client median ms", "client p99 ms"], fan),
  ];
}
