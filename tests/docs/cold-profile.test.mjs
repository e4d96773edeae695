// BENCHMARKS.md section 4's "where the cold start goes" comes from benches/lib/cold-profile.mjs:
// a V8 CPU profile of the import + first call, self time summed by category, wasm frames checked
// against the shipped module's body offsets and named from the names-kept twin. A small
// synthetic profile here (no process), so every number is known.

import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregate, categorise, compiledFunctions } from "../../benches/lib/cold-profile.mjs";

const PKG = "file:///x/pkg";
const frames = [
  { functionName: "(root)", url: "" },
  { functionName: "wasm-function[10]", url: "wasm://wasm/0001", columnNumber: 100 }, // the package's, at its offset
  { functionName: "wasm-function[11]", url: "wasm://wasm/0001", columnNumber: 200 },
  { functionName: "wasm-function[11]", url: "wasm://wasm/0002", columnNumber: 999 }, // another module's (offset differs)
  { functionName: "wasm-to-js:i:", url: "wasm://wasm/0001", columnNumber: 0 },
  { functionName: "initSync", url: `${PKG}/iot_upgrade_task.js` },
  { functionName: "queryUpgradeTask", url: `${PKG}/node.js` },
  { functionName: "_Request", url: "node:internal/deps/undici/undici" },
  { functionName: "compileSourceTextModule", url: "node:internal/modules/esm/utils" },
  { functionName: "addEventListener", url: "node:internal/event_target" },
  { functionName: "Module", url: "" },
  { functionName: "Instance", url: "" },
  { functionName: "parse", url: "" },
  { functionName: "(garbage collector)", url: "" },
  { functionName: "(idle)", url: "" },
  { functionName: "(program)", url: "" },
  { functionName: "dispatch", url: "" }, // node:inspector's Session: the profiler's own stop
];
const nodes = frames.map((f, i) => ({ id: i + 1, callFrame: { scriptId: "0", lineNumber: 0, columnNumber: 0, ...f } }));

/** A profile whose samples are `ids` with the time after each given by `after` (µs); the first
 * delta (the profiler's start-up) is large and must not count.
 * @param {number[]} ids @param {number[]} after */
function profile(ids, after) {
  return { nodes, startTime: 0, endTime: 1, samples: ids, timeDeltas: [17000, ...after] };
}

const offsets = new Map([
  [10, 100],
  [11, 200],
]);

test("self time is the time after each sample, summed by category; the profiler's start-up gap is dropped", () => {
  // wasm 10 twice (50 + 150 µs), wasm 11 once (300), another module's frame, a wrapper, then one of each other kind.
  const ids = [2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 1];
  const after = [50, 150, 300, 40, 20, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 10];
  const r = categorise(profile(ids, after), { offsets });
  assert.deepEqual(r.categories, {
    wasm: 0.5,
    "other-wasm": 0.04,
    wrappers: 0.02,
    glue: 0.06,
    "package-js": 0.07,
    undici: 0.08,
    "node-loader": 0.09,
    node: 0.1,
    "wasm-compile": 0.11,
    "wasm-instantiate": 0.12,
    builtins: 0.13,
    gc: 0.14,
    idle: 0.15,
    program: 0.16,
    profiler: 0.01,
  });
  assert.ok(Math.abs(r.total - 1.77) < 1e-9); // the profiler's own stop not counted
  assert.equal(r.frames.get("undici\t_Request undici"), 0.08);
  assert.equal(r.frames.get("glue\tinitSync iot_upgrade_task.js"), 0.06);
  assert.equal(r.frames.get("wrappers\twasm-to-js:i:"), 0.02);
  assert.equal([...r.frames.keys()].some((k) => k.startsWith("wasm\t")), false);
  assert.deepEqual([...r.functions], [
    [10, 0.2],
    [11, 0.3],
  ]);
  assert.equal(r.matched, 2); // distinct wasm frames at their index's offset
  assert.equal(r.mismatched, 1);
});

test("without offsets every wasm-function frame counts as the package's", () => {
  const r = categorise(profile([4, 1], [40]));
  assert.deepEqual(r.categories, { wasm: 0.04 });
  assert.deepEqual([...r.functions], [[11, 0.04]]);
});

test("medians across processes, and the functions that ran named and sized from the twin", () => {
  const twin = {
    functions: [
      { index: 10, name: "iot_upgrade_task::js::execute::{{closure}}::h0123456789abcdef", bytes: 1000 },
      { index: 11, name: "talc::Talc::malloc::h0123456789abcdef", bytes: 300 },
      { index: 12, name: null, bytes: 7 },
    ],
  };
  const runs = [
    categorise(profile([2, 3, 1], [100, 100]), { offsets }), // wasm 10 and 11
    categorise(profile([2, 16, 1], [300, 50]), { offsets }), // wasm 10, program
    categorise(profile([2, 16, 1], [200, 70]), { offsets }),
  ];
  const a = aggregate(runs, twin);
  assert.equal(a.processes, 3);
  assert.deepEqual(
    a.categories.map((c) => [c.key, c.ms, c.top]),
    [
      ["wasm", 0.2, []], // 0.1 + 0.1, 0.3, 0.2 (wasm functions are listed by index, below)
      ["program", 0.05, [{ name: "(program)", ms: 0.05 }]], // 0, 0.05, 0.07
    ],
  );
  assert.equal(a.functionsPerProcess, 1);
  assert.equal(a.functionsAny, 2);
  assert.equal(a.bytesAny, 1300);
  assert.equal(a.bytesPerProcess, 1000);
  assert.equal(a.moduleFunctions, 3);
  assert.equal(a.moduleBytes, 1307);
  assert.deepEqual(
    a.slowest.map((f) => [f.index, f.bytes, f.owner, f.runs, f.ms]),
    [
      [10, 1000, "edge", 3, 0.2],
      [11, 300, "alloc + talc", 1, 0],
    ],
  );
  assert.deepEqual(a.largest.map((f) => f.index), [10, 11]);
});

test("V8's compile trace: each compiled function once, its size checked against the shipped body", () => {
  const text = [
    "Compiled WasmToJS wrapper wasm-to-js-5-i-i, took 0 ms; codesize 148",
    "Compiled function 0x7f00#10 using Liftoff, took 0 ms and 131048 bytes; bodysize 1000 codesize 12704",
    "Compiled function 0x7f00#11 using Liftoff, took 0 ms and 16120 bytes; bodysize 301 codesize 112",
    "Compiled function 0x7f00#10 using TurboFan, took 1 ms and 16120 bytes; bodysize 1000 codesize 900",
    '{"importMs":1}',
  ].join("\n");
  const shipped = new Map([
    [10, { bytes: 1000 }],
    [11, { bytes: 300 }],
  ]);
  assert.deepEqual(compiledFunctions(text, shipped), { functions: 2, bytes: 1301, indices: [10, 11], sizeMismatches: 1 });
});
