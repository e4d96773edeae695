// The tasks on which the CLI (`get`: "Devices  4 of 10 done (40%)") and the demo console (its
// progress headline: "4 of 10 devices done (40%)") must show the same numbers: devices done are
// the ones that succeeded, failed or timed out (stopped ones are not), the percentage rounded
// down. tests/cli/get.test.mjs and tests/browser/console.test.mjs both read this list, so the
// two are pinned to one table. (Not a test file itself.)

/** A task of 400 devices, one still processing: 399 done is 99 %, never 100 % (platform JSON). */
export const ALMOST_DONE = Object.freeze({
  operationId: "fw-399-of-400",
  createTime: "20240306T080000Z",
  startTime: "20240306T080005Z",
  operateType: "firmware_upgrade",
  targets: { deviceGroups: ["fleet-400"], deviceType: "WaterMeter", model: "WM-300", manufacturerName: "Acme Metering", devices: [] },
  policy: { executeType: "now", retryType: false },
  status: "processing",
  staResult: { total: 400, wait: 0, processing: 1, success: 390, fail: 6, stop: 0, timeout: 3 },
  extendPara: { fileVersion: "V3.0.0" },
});

/**
 * `id` (a seeded simulator task, or `body` stored under it with setTask), and the numbers both
 * must show: `done` of `total`, `percent` (a whole number). `was` is what the console showed
 * before it followed the CLI's rule.
 */
export const DONE_CASES = Object.freeze([
  // stopped by an operator: 4 succeeded, 6 stopped (the console said "10 of 10 … (100%)")
  { id: "sw-stopped", done: 4, total: 10, percent: 40, was: "10 of 10 (100%)" },
  // 399 of 400: 99.75 % rounds down (the console rounded it to "100%")
  { id: ALMOST_DONE.operationId, body: ALMOST_DONE, done: 399, total: 400, percent: 99, was: "399 of 400 (100%)" },
  // 20 succeeded, 3 failed, 2 timed out of 40: 62.5 % (the console said 63 %)
  { id: "sw-group-online", done: 25, total: 40, percent: 62, was: "25 of 40 (63%)" },
]);
