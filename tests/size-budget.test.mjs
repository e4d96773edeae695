// Size guard: the gzip size of the built .wasm must stay within benches/size-budget.json.
// Catches size regressions early; the real target (the whole browser download ≤ 45 KB gzip,
// see BENCHMARKS.md) is not met yet, so the budget sits just above today's size.
// Needs pkg/ built (make build / node scripts/build-pkg.mjs). Run: node --test tests/size-budget.test.mjs

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const budget = JSON.parse(readFileSync(path.join(ROOT, "benches", "size-budget.json"), "utf8"));

test(`gzip size of ${budget.file} stays within the budget (${budget.maxGzipBytes} bytes)`, () => {
  const file = path.join(ROOT, budget.file);
  assert.ok(existsSync(file), `${budget.file} is missing: build the package first (node scripts/build-pkg.mjs)`);
  const raw = readFileSync(file);
  const gzip = zlib.gzipSync(raw, { level: budget.gzipLevel }).length;
  const kib = (b) => (b / 1024).toFixed(1);
  assert.ok(
    gzip <= budget.maxGzipBytes,
    `${budget.file} is ${gzip} bytes gzip (${kib(gzip)} KiB; ${raw.length} raw), over the budget of ${budget.maxGzipBytes} (${kib(budget.maxGzipBytes)} KiB) ` +
      `by ${gzip - budget.maxGzipBytes} bytes. If the growth is intended, raise maxGzipBytes in benches/size-budget.json in the same commit and say why.`,
  );
});

test("the budget file is consistent", () => {
  assert.equal(typeof budget.maxGzipBytes, "number");
  assert.ok(Number.isInteger(budget.gzipLevel) && budget.gzipLevel >= 1 && budget.gzipLevel <= 9);
  // A guard, not a wish: a budget far above the measured size would catch nothing.
  assert.ok(budget.maxGzipBytes <= budget.measuredGzipBytes + 4 * 1024, "maxGzipBytes should stay within a few KiB of the measured size");
});
