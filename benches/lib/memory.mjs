// Memory over many calls:
//   node --expose-gc benches/lib/memory.mjs <project|floor> <baseUrl|mem> <fixture> <checkpoints…>
// After each checkpoint (total calls so far) it forces two GCs and records the process RSS, the
// JS heap, the wasm linear memory and wasm-bindgen's externref table size (read from the glue's exports: initSync() hands back the
// already-initialised instance, so this is the package's own memory). Prints one JSON line.

import { queryUpgradeTask } from "../../pkg/node.js";
import { initSync } from "../../pkg/iot_upgrade_task.js";
import { floorQuery } from "./floor.mjs";

const [variant, target, fixture, ...marks] = process.argv.slice(2);
// "mem": the in-memory fetch of node-percall.mjs, for long runs. Such a loop never waits for
// I/O, so it turns the event loop every 500 calls (as any real caller does): Node only
// releases a fetch Request's signal bookkeeping from a macrotask after GC.
const MEM = target === "mem";
const baseUrl = MEM ? "http://127.0.0.1:9" : target;
if (MEM) {
  const { BODIES } = await import("./fixtures.mjs");
  const bytes = new TextEncoder().encode(BODIES[fixture]);
  const headers = { "content-type": "application/json;charset=UTF-8", "content-length": String(bytes.length) };
  globalThis.fetch = async () => new Response(bytes, { status: 200, headers });
}
const opts = { baseUrl, appKey: "bench-app", retry: false };
// The floor in the same harness shows what Node itself (fetch, the allocator) does to RSS.
const call = variant === "floor" ? floorQuery : queryUpgradeTask;
// Forced GCs with event-loop turns between them: objects whose release waits for a
// FinalizationRegistry callback or a macrotask (Node's Request/AbortSignal bookkeeping) are
// only gone after a turn, so back-to-back GCs alone sample a heap that swings with timing.
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const sample = async (calls, seconds) => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await settle();
  }
  globalThis.gc();
  const m = process.memoryUsage();
  let wasmBytes = null;
  let externrefs = null;
  if (variant === "project" && calls > 0) {
    // The exports by kind: the build minifies their names (scripts/wasm-opt-flags.mjs).
    const exports = Object.values(initSync());
    /** The one export of `kind`. @param {Function} kind */
    const only = (kind) => {
      const found = exports.filter((value) => value instanceof kind);
      if (found.length !== 1) throw new Error(`the .wasm exports ${found.length} ${kind.name}s, not one`);
      return found[0];
    };
    wasmBytes = only(WebAssembly.Memory).buffer.byteLength;
    // wasm-bindgen's table of JS values held by Rust (the .wasm's one exported table): grows
    // if the core leaks JS objects.
    externrefs = only(WebAssembly.Table).length;
  }
  return { calls, seconds, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, wasmBytes, externrefs };
};
const points = [await sample(0, 0)];
const started = performance.now();
let done = 0;
for (const mark of marks.map(Number)) {
  for (; done < mark; done++) {
    await call(fixture, "bench-token", opts);
    if (MEM && done % 500 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  points.push(await sample(done, (performance.now() - started) / 1000));
}
console.log(JSON.stringify({ variant, target: MEM ? "mem" : "loopback", fixture, points }));
