// Per-call time in Node, one process per fixture and transport:
//   node benches/lib/node-percall.mjs <baseUrl|mem> <fixture> <rounds> <batch>
// Variants run interleaved (round-robin batches, rotating order) so drift on a shared machine
// hits them alike. "mem" replaces globalThis.fetch by an in-memory Response of the same bytes:
// a server with (near) zero latency, so what is left is the client's own work.
// Prints one JSON line: {variant: {n, median, p99, min}} in ms, plus the agreement check.

import assert from "node:assert/strict";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { queryUpgradeTask } from "../../pkg/node.js";
import { BODIES, FIXTURES } from "./fixtures.mjs";
import { floorQuery, peerQuery, peerValidate } from "./peer.mjs";
import { summary } from "./stats.mjs";

const [target, fixture, rounds = "20", batch = "200"] = process.argv.slice(2);
const body = BODIES[fixture];
if (!body) throw new Error(`unknown fixture ${fixture}`);

let baseUrl = target;
if (target === "mem") {
  baseUrl = "http://127.0.0.1:9";
  const bytes = new TextEncoder().encode(body);
  const headers = { "content-type": "application/json;charset=UTF-8", "content-length": String(bytes.length) };
  globalThis.fetch = async () => new Response(bytes, { status: 200, headers });
}
const opts = { baseUrl, appKey: "bench-app", retry: false };
const id = fixture;
const token = "bench-token-0123456789abcdef";

const variants = {
  floor: () => floorQuery(id, token, opts),
  // The floor plus what any deadline costs: an AbortController and a 30 s timer per call.
  "floor+deadline": async () => {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 30_000);
    try {
      const res = await fetch(`${baseUrl}/iodm/northbound/v1.5.0/operations/${encodeURIComponent(id)}`, {
        headers: { app_key: opts.appKey, authorization: `Bearer ${token}`, accept: "application/json" },
        signal: ac.signal,
      });
      return JSON.parse(await res.text());
    } finally {
      clearTimeout(timer);
    }
  },
  // The floor done the way the project's Rust side drives fetch (src/js/fetch.rs): two
  // deadline timers, an AbortController, a Request object, the body read chunk by chunk through
  // a stream reader and copied into one buffer, then decoded and parsed. No validation: it
  // shows how much of the project's time is this plumbing rather than the wasm core.
  "floor+project-plumbing": async () => {
    const ac = new AbortController();
    const t1 = setTimeout(() => ac.abort(), 30_000);
    const t2 = setTimeout(() => ac.abort(), 30_000);
    try {
      const req = new Request(`${baseUrl}/iodm/northbound/v1.5.0/operations/${encodeURIComponent(id)}`, {
        headers: { app_key: opts.appKey, authorization: `Bearer ${token}`, accept: "application/json" },
        signal: ac.signal,
      });
      const res = await fetch(req);
      const reader = res.body.getReader();
      const chunks = [];
      let size = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
      }
      const all = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      return JSON.parse(new TextDecoder().decode(all));
    } finally {
      clearTimeout(t1);
      clearTimeout(t2);
    }
  },
  peer: () => peerQuery(id, token, opts),
  project: () => queryUpgradeTask(id, token, opts),
};
// The package built from the baseline commit (benches/lib/baseline.mjs), when given.
const BEFORE = process.env.BENCH_BASELINE_PKG;
const before = BEFORE ? await import(pathToFileURL(path.join(BEFORE, "node.js")).href) : null;
if (before) variants["project (before)"] = () => before.queryUpgradeTask(id, token, opts);
if (target === "mem") {
  // No fetch at all: the parse alone, and the parse + the zod schema alone.
  variants["JSON.parse only"] = async () => JSON.parse(body);
  variants["JSON.parse+zod only"] = async () => peerValidate(JSON.parse(body));
}

// Same answer from the project and the peer, or the comparison means nothing.
let agree = true;
let disagreement = null;
try {
  assert.deepStrictEqual(await variants.project(), await variants.peer());
  if (before) assert.deepStrictEqual(await variants["project (before)"](), await variants.project());
  assert.deepStrictEqual(await variants.peer(), peerValidate(structuredClone(FIXTURES[fixture])));
} catch (e) {
  agree = false;
  disagreement = e.message.slice(0, 2000);
}

const names = Object.keys(variants);
const samples = Object.fromEntries(names.map((n) => [n, []]));
const warm = Math.max(200, +batch);
for (const n of names) for (let i = 0; i < warm; i++) await variants[n]();

const started = performance.now();
for (let r = 0; r < +rounds; r++) {
  for (let k = 0; k < names.length; k++) {
    const n = names[(k + r) % names.length];
    const fn = variants[n];
    const out = samples[n];
    for (let i = 0; i < +batch; i++) {
      const t = performance.now();
      await fn();
      out.push(performance.now() - t);
    }
  }
}
const result = { fixture, target, bytes: Buffer.byteLength(body), agree, disagreement, seconds: (performance.now() - started) / 1000, variants: {} };
for (const n of names) result.variants[n] = summary(samples[n]);
console.log(JSON.stringify(result));
