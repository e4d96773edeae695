// The bodies the benchmarks serve. `typical` is a ~1 KB task in the platform's own spelling;
// `largest` is the largest valid task (the same shape as the simulator's `fw-largest-valid`:
// 256 device groups of 256-character names + 256 devices of 128-character names, custom window,
// retries), ~100 KB of JSON. Bodies are fixed strings so every variant parses the same bytes.

const range = (n, f) => Array.from({ length: n }, (_, i) => f(i));
const pad = (i, w = 3) => String(i).padStart(w, "0");

export const TYPICAL = {
  operationId: "5c1f7e2a9b3d4e6f8a0b1c2d",
  createTime: "20240302T093000Z",
  startTime: "20240302T093012Z",
  stopTime: "",
  operateType: "FIRMWARE_UPGRADE",
  targets: {
    deviceGroups: ["warehouse-north", "warehouse-south"],
    deviceType: "WaterMeter",
    model: "WM-200",
    manufacturerName: "Acme Metering",
    devices: range(12, (i) => `3f9a1c2e-7b4d-4e21-9c0a-meter-${pad(i, 4)}`),
  },
  policy: { executeType: "custom", startTime: "20240302T100000Z", endTime: "20240303T060000Z", retryType: true, retryTimes: 3 },
  status: "processing",
  staResult: { total: 40, wait: 10, processing: 5, success: 20, fail: 3, stop: 0, timeout: 2 },
  extendPara: { fileVersion: "WM-200_fw_4.7.1", packageSize: 1048576, releaseChannel: "stable" },
};

export const LARGEST = {
  operationId: "fw-largest-valid",
  createTime: "20240306T000000Z",
  startTime: "20240306T010000Z",
  operateType: "firmware_upgrade",
  targets: {
    deviceGroups: range(256, (i) => `group-${pad(i)}-`.padEnd(256, "abcdefghijklmnopqrstuvwxyz")),
    deviceType: "SmartStreetLight",
    model: "SSL-9000-EXTENDED-RANGE-OUTDOOR-EDITION",
    manufacturerName: "Acme Municipal Lighting Solutions International",
    devices: range(256, (i) => `device-${pad(i)}-`.padEnd(128, "0123456789")),
  },
  policy: { executeType: "custom", startTime: "20240306T010000Z", endTime: "20240313T010000Z", retryType: true, retryTimes: 5 },
  status: "processing",
  staResult: { total: 65536, wait: 30000, processing: 536, success: 34000, fail: 500, stop: 0, timeout: 500 },
  extendPara: { fileVersion: "SSL-9000_v12.4.0-build.20240306".padEnd(200, "-x"), rollout: "wave-3" },
};

/** Invalid bodies both the project and the peer must reject (a sanity check, not timed). */
export const BROKEN = {
  tooManyDevices: { ...TYPICAL, targets: { ...TYPICAL.targets, devices: range(257, (i) => `d-${i}`) } },
  badMonth: { ...TYPICAL, createTime: "20241302T093000Z" },
  countsOverTotal: { ...TYPICAL, staResult: { ...TYPICAL.staResult, total: 10 } },
  unknownStatus: { ...TYPICAL, status: "paused" },
  groupsWithoutModel: { ...TYPICAL, targets: { ...TYPICAL.targets, model: "" } },
};

export const FIXTURES = { typical: TYPICAL, largest: LARGEST };
export const BODIES = Object.fromEntries(Object.entries(FIXTURES).map(([k, v]) => [k, JSON.stringify(v)]));
