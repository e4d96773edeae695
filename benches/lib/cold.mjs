// Cold start in a fresh Node process: node benches/lib/cold.mjs <project|peer|floor> <baseUrl> <fixture>
// performance.now() counts from the process's start (timeOrigin), so `boot` is Node's own
// start-up, `import` the module graph (for the project: its JS, not yet the wasm), `first` the
// first call (for the project: reading + compiling + instantiating the wasm, then the call) and
// `warm` the median of 30 later calls. For the project, `compile` and `instantiate` are the
// parts of `first` spent in `new WebAssembly.Module` and `new WebAssembly.Instance` (timed by
// thin wrappers around the two constructors; the rest of `first` is reading the .wasm, the
// start function and the call itself, cold). Prints one JSON line. Variant `wasm-compile` only
// reads and compiles the .wasm.

const t0 = performance.now();
const [variant, baseUrl, fixture] = process.argv.slice(2);
if (variant === "wasm-compile") {
  // Only reading and compiling the package's .wasm (what the project's first call starts with).
  const { readFileSync } = await import("node:fs");
  const t = performance.now();
  new WebAssembly.Module(readFileSync(new URL("../../pkg/iot_upgrade_task_bg.wasm", import.meta.url)));
  console.log(JSON.stringify({ variant, boot: t0, compile: performance.now() - t }));
  process.exit(0);
}
let call;
const wasmTimes = { compile: 0, instantiate: 0 };
if (variant === "project") {
  // The glue calls `new WebAssembly.Module(bytes)` and `new WebAssembly.Instance(module,
  // imports)`; each wrapper returns the real object (and shares the real prototype, so the
  // glue's `instanceof` checks hold), adding only its own two performance.now() calls.
  for (const [name, key] of [["Module", "compile"], ["Instance", "instantiate"]]) {
    const Real = WebAssembly[name];
    const timed = function (...args) {
      const t = performance.now();
      const made = new Real(...args);
      wasmTimes[key] += performance.now() - t;
      return made;
    };
    timed.prototype = Real.prototype;
    WebAssembly[name] = timed;
  }
  const { queryUpgradeTask } = await import("../../pkg/node.js");
  call = () => queryUpgradeTask(fixture, "bench-token", { baseUrl, appKey: "bench-app", retry: false });
} else {
  const fn = variant === "peer" ? (await import("./peer.mjs")).peerQuery : (await import("./floor.mjs")).floorQuery;
  call = () => fn(fixture, "bench-token", { baseUrl, appKey: "bench-app" });
}
const t1 = performance.now();
await call();
const t2 = performance.now();
const warm = [];
for (let i = 0; i < 30; i++) {
  const t = performance.now();
  await call();
  warm.push(performance.now() - t);
}
warm.sort((a, b) => a - b);
const split = variant === "project" ? wasmTimes : {};
console.log(JSON.stringify({ variant, boot: t0, import: t1 - t0, first: t2 - t1, warm: warm[15], startToFirst: t2, ...split }));
