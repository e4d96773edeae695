// Where the project's per-call time goes: a V8 CPU profile (node:inspector) of N project calls
// with the in-memory fetch of node-percall.mjs, self time summed by where the code lives.
//   node benches/lib/profile.mjs <fixture> <calls>     prints one JSON line

import { Session } from "node:inspector/promises";
import { queryUpgradeTask } from "../../pkg/node.js";
import { BODIES } from "./fixtures.mjs";

const [fixture = "typical", calls = "5000"] = process.argv.slice(2);
const bytes = new TextEncoder().encode(BODIES[fixture]);
const headers = { "content-type": "application/json;charset=UTF-8", "content-length": String(bytes.length) };
globalThis.fetch = async () => new Response(bytes, { status: 200, headers });
const opts = { baseUrl: "http://127.0.0.1:9", appKey: "bench-app", retry: false };
for (let i = 0; i < 1000; i++) await queryUpgradeTask(fixture, "bench-token", opts);

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 50 });
await session.post("Profiler.start");
for (let i = 0; i < +calls; i++) await queryUpgradeTask(fixture, "bench-token", opts);
const { profile } = await session.post("Profiler.stop");
session.disconnect();

function category(frame) {
  const { url, functionName } = frame;
  if (url.startsWith("wasm://")) return "wasm code (the Rust core, incl. its JSON parse/serialise)";
  if (url.endsWith("/pkg/iot_upgrade_task.js")) return "wasm-bindgen JS glue (pkg/iot_upgrade_task.js)";
  if (/\/pkg\/[^/]+\.js$/.test(url)) return "package JS (node.js, with api.js and errors.js bundled in)";
  if (functionName === "(garbage collector)") return "garbage collector";
  if (functionName === "(idle)" || functionName === "(program)" || functionName === "(root)") return "idle / program";
  if (url.includes("undici") || url.includes("internal/webstreams") || url.includes("internal/abort") || url.includes("internal/event_target") || url.includes("internal/deps")) {
    return "Node fetch, streams, AbortController, events";
  }
  if (url.includes("benches/lib")) return "bench harness (in-memory fetch)";
  if (url === "") return `V8 built-ins (${["parse", "stringify"].includes(functionName) ? "JSON." + functionName : "other"})`;
  return "other Node internals (timers, promises, …)";
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const fns = new Map();
profile.samples.forEach((id, i) => {
  const frame = byId.get(id).callFrame;
  const c = category(frame);
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(c, (self.get(c) ?? 0) + dt);
  const f = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").pop()}`;
  fns.set(f, (fns.get(f) ?? 0) + dt);
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
const shares = [...self].sort((a, b) => b[1] - a[1]).map(([name, t]) => ({ name, share: t / total, usPerCall: t / +calls }));
const top = [...fns].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, t]) => ({ name, share: t / total, usPerCall: t / +calls }));
console.log(JSON.stringify({ fixture, calls: +calls, shares, top }));
