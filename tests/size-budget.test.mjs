// Size guard: everything a browser downloads for `import { queryUpgradeTask } from
// "iot-upgrade-task"` — the browser entry (pkg/index.js), every module it imports, and the
// .wasm it fetches — must stay within the gzip budget in benches/size-budget.json. The files
// are found by following the entry's static imports and its `new URL("….wasm",
// import.meta.url)` (scripts/module-graph.mjs), so a new module cannot slip past the guard. The
// budget is a regression guard set just above today's size; the product target (≤ 76 KiB) is
// recorded beside it and reported in BENCHMARKS.md (not met yet).
// Needs pkg/ built (make build / node scripts/build-pkg.mjs). Run: node --test tests/size-budget.test.mjs

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { moduleGraph } from "../scripts/module-graph.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const budget = JSON.parse(readFileSync(path.join(ROOT, "benches", "size-budget.json"), "utf8"));
const gzip = (file) => zlib.gzipSync(readFileSync(file), { level: budget.gzipLevel }).length;
const kib = (b) => (b / 1024).toFixed(1);

test(`everything a browser downloads stays within the budget (${budget.maxGzipBytes} bytes gzip)`, async () => {
  const graph = await moduleGraph(ROOT, [budget.entry]);
  assert.deepEqual(graph.missing, [], `${graph.missing.join(", ")} missing: build the package first (node scripts/build-pkg.mjs)`);
  const files = graph.files.map((f) => path.join(ROOT, f));
  const names = [...graph.files].sort();
  // The walk finds the whole package as a browser loads it: the loader, the API, the errors,
  // the client config, the page walker, the wasm-bindgen glue and the .wasm. The four ESM parts
  // are bundled into the entry by scripts/build-pkg.mjs (esbuild marks each bundled module with
  // a `// api.js` line) and are not shipped on their own; as modules of their own they would be
  // reached by the walk.
  for (const expected of ["pkg/index.js", "pkg/iot_upgrade_task.js", "pkg/iot_upgrade_task_bg.wasm"]) {
    assert.ok(names.includes(expected), `${expected} is not reached from ${budget.entry}: ${names.join(", ")}`);
  }
  const downloadedJs = files.filter((f) => f.endsWith(".js")).map((f) => readFileSync(f, "utf8"));
  for (const part of ["api.js", "errors.js", "config.js", "pages.js"]) {
    const reached = names.includes(`pkg/${part}`) || downloadedJs.some((source) => source.includes(`\n// ${part}\n`));
    assert.ok(reached, `${part} is neither reached from ${budget.entry} nor bundled into it: ${names.join(", ")}`);
  }
  const sizes = files.map((f) => [path.relative(ROOT, f), gzip(f)]);
  const total = sizes.reduce((sum, [, n]) => sum + n, 0);
  const table = sizes.map(([f, n]) => `${f} ${n}`).join(", ");
  assert.ok(
    total <= budget.maxGzipBytes,
    `the browser download is ${total} bytes gzip (${kib(total)} KiB: ${table}), over the budget of ${budget.maxGzipBytes} ` +
      `(${kib(budget.maxGzipBytes)} KiB) by ${total - budget.maxGzipBytes} bytes. If the growth is intended, raise maxGzipBytes in ` +
      "benches/size-budget.json in the same commit and say why.",
  );
});

test("the budget file is consistent", () => {
  assert.equal(typeof budget.maxGzipBytes, "number");
  assert.equal(typeof budget.entry, "string");
  assert.ok(Number.isInteger(budget.gzipLevel) && budget.gzipLevel >= 1 && budget.gzipLevel <= 9);
  // A guard, not a wish: a budget far above the measured size would catch nothing.
  assert.ok(budget.maxGzipBytes <= budget.measuredGzipBytes + 4 * 1024, "maxGzipBytes should stay within a few KiB of the measured size");
  assert.ok(budget.targetGzipBytes <= 76 * 1024, "the product target is at most 76 KiB");
});
