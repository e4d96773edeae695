// The task store: seeded demo tasks, tasks that progress over time, and tasks
// stored verbatim by tests (PUT /__sim/tasks/{id}).

import { platformTime } from "./platform.mjs";

const HOSTILE_IMG = "<img src=x onerror=alert(1)>";
const HOSTILE_SCRIPT = "<script>alert(1)</script>";
const HOSTILE_JS = "javascript:alert(1)";
const RLO = "\u202E"; // RIGHT-TO-LEFT OVERRIDE

/**
 * The malformed-id rule. An id is malformed (400 / 120015) when it is empty,
 * longer than 128 characters, `.` or `..`, or holds a character outside
 * `[A-Za-z0-9_.-]` (after percent-decoding). Ids of stored tasks are served
 * whatever they hold, so tests can check that an id needing percent-encoding
 * arrives intact.
 */
export function isMalformedId(id) {
  return id.length === 0 || id.length > 128 || id === "." || id === ".." || !/^[A-Za-z0-9_.-]+$/.test(id);
}

const range = (n, f) => Array.from({ length: n }, (_, i) => f(i));
const pad = (i, w = 3) => String(i).padStart(w, "0");

/** Static tasks: fixed snapshots, one per shape. */
function staticSeeds() {
  return [
    {
      id: "fw-now-devices",
      description: "Firmware, 3 devices, policy now, no retry: finished, success",
      body: {
        operationId: "fw-now-devices",
        createTime: "20240301T080000Z",
        startTime: "20240301T080005Z",
        stopTime: "20240301T081512Z",
        operateType: "firmware_upgrade",
        targets: { devices: ["3f9a1c2e-meter-0001", "3f9a1c2e-meter-0002", "3f9a1c2e-meter-0003"] },
        policy: { executeType: "now", retryType: false },
        status: "success",
        staResult: { total: 3, wait: 0, processing: 0, success: 3, fail: 0, stop: 0, timeout: 0 },
        extendPara: { fileVersion: "V2.1.0", releaseChannel: "stable" },
      },
    },
    {
      id: "sw-group-online",
      description: "Software, 2 device groups, policy device_online, retry 3 times: processing",
      body: {
        operationId: "sw-group-online",
        createTime: "20240302T093000Z",
        startTime: "20240302T093012Z",
        operateType: "software_upgrade",
        targets: {
          deviceGroups: ["warehouse-north", "warehouse-south"],
          deviceType: "WaterMeter",
          model: "WM-200",
          manufacturerName: "Acme Metering",
          devices: [],
        },
        policy: { executeType: "device_online", retryType: true, retryTimes: 3 },
        status: "processing",
        staResult: { total: 40, wait: 10, processing: 5, success: 20, fail: 3, stop: 0, timeout: 2 },
        extendPara: { fileVersion: "app-4.7.1", packageSize: 1048576 },
      },
    },
    {
      id: "fw-custom-window",
      description: "Firmware, devices and a group, custom window in 2030, retry 5 times: waiting",
      body: {
        operationId: "fw-custom-window",
        createTime: "20240303T120000Z",
        operateType: "firmware_upgrade",
        targets: {
          deviceGroups: ["substation-7"],
          deviceType: "Gateway",
          model: "GW-X1",
          manufacturerName: "Acme Networks",
          devices: ["gw-0001", "gw-0002"],
        },
        policy: {
          executeType: "custom",
          startTime: "20300101T000000Z",
          endTime: "20300102T060000Z",
          retryType: true,
          retryTimes: 5,
        },
        status: "wait",
        staResult: { total: 12, wait: 12, processing: 0, success: 0, fail: 0, stop: 0, timeout: 0 },
        extendPara: { fileVersion: "GW-X1_1.0.9", maintenanceTicket: { id: "CHG-1042", approved: true } },
      },
    },
    {
      id: "sw-stopped",
      description: "Software, 10 devices, policy now: stopped by an operator",
      body: {
        operationId: "sw-stopped",
        createTime: "20240304T070000Z",
        startTime: "20240304T070001Z",
        stopTime: "20240304T071530Z",
        operateType: "software_upgrade",
        targets: { devices: range(10, (i) => `sensor-${pad(i)}`) },
        policy: { executeType: "now", retryType: false },
        status: "stop",
        staResult: { total: 10, wait: 0, processing: 0, success: 4, fail: 0, stop: 6, timeout: 0 },
        extendPara: { fileVersion: "sensor-fw-0.9.3", reason: "operator stop" },
      },
    },
    {
      id: "fw-256-devices",
      description: "Firmware, exactly 256 devices (the limit), retry 2 times: failed",
      body: {
        operationId: "fw-256-devices",
        createTime: "20240305T000000Z",
        startTime: "20240305T000010Z",
        stopTime: "20240305T020000Z",
        operateType: "firmware_upgrade",
        targets: { devices: range(256, (i) => `device-${pad(i)}`) },
        policy: { executeType: "now", retryType: true, retryTimes: 2 },
        status: "failed",
        staResult: { total: 256, wait: 0, processing: 0, success: 250, fail: 4, stop: 0, timeout: 2 },
        extendPara: { fileVersion: "V3.0.0", batch: 1 },
      },
    },
    {
      id: "fw-largest-valid",
      description: "Firmware, 256 device groups + 256 devices with long names (largest valid task)",
      body: {
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
        policy: {
          executeType: "custom",
          startTime: "20240306T010000Z",
          endTime: "20240313T010000Z",
          retryType: true,
          retryTimes: 5,
        },
        status: "processing",
        staResult: { total: 65536, wait: 30000, processing: 536, success: 34000, fail: 500, stop: 0, timeout: 500 },
        extendPara: { fileVersion: "SSL-9000_v12.4.0-build.20240306".padEnd(200, "-x"), rollout: "wave-3" },
      },
    },
    {
      id: "sw-lenient-shapes",
      description: "Software, variant spellings the contract accepts (softwareUpgrade, DEVICE_ONLINE, RFC 3339 times, numbers as strings, nulls)",
      body: {
        operationId: "sw-lenient-shapes",
        createTime: "2024-03-07T16:00:00+08:00",
        startTime: "2024-03-07 08:00:05Z",
        stopTime: "",
        operateType: "softwareUpgrade",
        targets: { deviceGroups: [], deviceType: "", model: null, devices: ["dev-a", "dev-b"] },
        policy: { executeType: "DEVICE_ONLINE", retryType: "true", retryTimes: "2" },
        status: "processing",
        staResult: { total: "2", wait: null, processing: 1, success: "1" },
        extendPara: { fileVersion: "", channel: "beta" },
        unknownTopLevelField: { kept: false },
      },
    },
    {
      id: "demo-hostile",
      description: "Firmware, device ids, names and version holding HTML, script and RTL-override text (must render as text)",
      body: {
        operationId: "demo-hostile",
        createTime: "20240308T000000Z",
        startTime: "20240308T000001Z",
        stopTime: "20240308T001000Z",
        operateType: "firmware_upgrade",
        targets: {
          deviceGroups: [HOSTILE_SCRIPT, `group-${RLO}gnp.exe`],
          deviceType: HOSTILE_IMG,
          model: HOSTILE_JS,
          manufacturerName: `Acme ${RLO}lmth.exe`,
          devices: [HOSTILE_IMG, HOSTILE_SCRIPT, HOSTILE_JS, `device-${RLO}gnp.exe`, `"><svg onload=alert(1)>`],
        },
        policy: { executeType: "now", retryType: false },
        status: "success",
        staResult: { total: 5, wait: 0, processing: 0, success: 5, fail: 0, stop: 0, timeout: 0 },
        extendPara: {
          fileVersion: `${HOSTILE_SCRIPT}${HOSTILE_IMG}${RLO}1.0`,
          [HOSTILE_IMG]: HOSTILE_JS,
        },
      },
    },
  ];
}

/** Tasks that progress over time: wait → processing → success / failed / stop. */
function progressSeeds() {
  return [
    {
      id: "demo-progress-success",
      description: "Firmware, 24 devices, policy now: progresses wait → processing → success",
      outcome: "success",
      total: 24,
      base: () => ({
        operateType: "firmware_upgrade",
        targets: { devices: range(24, (i) => `tracker-${pad(i)}`) },
        policy: { executeType: "now", retryType: false },
        extendPara: { fileVersion: "TRK_5.2.0", rollout: "canary" },
      }),
    },
    {
      id: "demo-progress-failed",
      description: "Software, 3 device groups, policy device_online, retry 2 times: progresses to failed",
      outcome: "failed",
      total: 60,
      base: () => ({
        operateType: "software_upgrade",
        targets: {
          deviceGroups: ["campus-a", "campus-b", "campus-c"],
          deviceType: "AirQualitySensor",
          model: "AQ-3",
          manufacturerName: "Acme Environmental",
          devices: [],
        },
        policy: { executeType: "device_online", retryType: true, retryTimes: 2 },
        extendPara: { fileVersion: "aq-app-2.0.0", note: "some devices fail or time out" },
      }),
    },
    {
      id: "demo-progress-stop",
      description: "Firmware, 30 devices, custom window: progresses, then is stopped half-way",
      outcome: "stop",
      total: 30,
      base: (startedAt) => ({
        operateType: "firmware_upgrade",
        targets: { devices: range(30, (i) => `lock-${pad(i)}`) },
        policy: {
          executeType: "custom",
          startTime: platformTime(startedAt),
          endTime: platformTime(startedAt + 24 * 3600 * 1000),
          retryType: false,
        },
        extendPara: { fileVersion: "LOCK_1.4.2", window: "overnight" },
      }),
    },
  ];
}

/** Per-device outcome of a device in a task that ends `outcome`. */
function deviceOutcome(outcome, i) {
  if (outcome === "failed") {
    if (i % 7 === 3) return "timeout";
    if (i % 5 === 1) return "fail";
  }
  return "success";
}

/**
 * The state of a progressing task `elapsedMs` after it was (re)started, for a
 * run of `durationMs`:
 *  - the first 10 % it waits (every device in `wait`);
 *  - then it processes: device i starts at 60 %·i/total of the processing span and
 *    takes 40 % of it, ending with its outcome; a "stop" task is stopped half-way,
 *    every device not done by then counting as `stop`;
 *  - at 90 % (or at the stop) it has ended and carries its final status.
 * Every device is in exactly one bucket, so each count ≤ total and the sum = total.
 */
export function progressState({ outcome, total, durationMs, elapsedMs }) {
  const waitEnd = 0.1 * durationMs;
  const span = 0.8 * durationMs;
  const STOP_AT = 0.5;
  const counts = { total, wait: 0, processing: 0, success: 0, fail: 0, stop: 0, timeout: 0 };
  const p = durationMs <= 0 ? 1 : Math.min(1, Math.max(0, (elapsedMs - waitEnd) / span));
  const started = durationMs <= 0 || elapsedMs >= waitEnd;
  if (!started) {
    counts.wait = total;
    return { status: "wait", counts, startedAtMs: null, endedAtMs: null };
  }
  const stopped = outcome === "stop" && p >= STOP_AT;
  const at = stopped ? STOP_AT : p;
  for (let i = 0; i < total; i++) {
    const s = (0.6 * i) / total;
    if (at >= s + 0.4) counts[deviceOutcome(outcome, i)] += 1;
    else if (stopped) counts.stop += 1;
    else if (at >= s) counts.processing += 1;
    else counts.wait += 1;
  }
  let status = "processing";
  let endedAtMs = null;
  if (stopped) {
    status = "stop";
    endedAtMs = waitEnd + STOP_AT * span;
  } else if (p >= 1) {
    status = outcome;
    endedAtMs = waitEnd + span;
  }
  return { status, counts, startedAtMs: waitEnd, endedAtMs };
}

export class TaskStore {
  #entries = new Map(); // id → entry
  #progressMs;
  #now;

  constructor({ progressMs, now }) {
    this.#progressMs = progressMs;
    this.#now = now;
    this.reseed();
  }

  /** Back to the seeded tasks, progress restarted now. */
  reseed() {
    this.#entries.clear();
    for (const s of staticSeeds()) {
      this.#entries.set(s.id, { kind: "static", description: s.description, text: JSON.stringify(s.body) });
    }
    const now = this.#now();
    for (const s of progressSeeds()) {
      this.#entries.set(s.id, {
        kind: "progress",
        description: s.description,
        spec: s,
        startedAt: now,
        durationMs: this.#progressMs,
      });
    }
  }

  list() {
    return [...this.#entries].map(([operationId, e]) => ({ operationId, description: e.description, kind: e.kind }));
  }

  has(id) {
    return this.#entries.has(id);
  }

  /** The body served for `id` right now (string or Buffer), or undefined. */
  render(id) {
    const e = this.#entries.get(id);
    if (!e) return undefined;
    if (e.kind === "progress") return JSON.stringify(this.#progressBody(id, e));
    return e.text;
  }

  #progressBody(id, e) {
    const { spec, startedAt, durationMs } = e;
    const st = progressState({
      outcome: spec.outcome,
      total: spec.total,
      durationMs,
      elapsedMs: this.#now() - startedAt,
    });
    const body = { operationId: id, createTime: platformTime(startedAt) };
    if (st.startedAtMs !== null) body.startTime = platformTime(startedAt + st.startedAtMs);
    if (st.endedAtMs !== null) body.stopTime = platformTime(startedAt + st.endedAtMs);
    const base = spec.base(startedAt);
    return {
      ...body,
      operateType: base.operateType,
      targets: base.targets,
      policy: base.policy,
      status: st.status,
      staResult: st.counts,
      extendPara: base.extendPara,
    };
  }

  /** Stores a body served verbatim (string or Buffer). @returns true when it replaced a task. */
  put(id, raw, description) {
    const existed = this.#entries.has(id);
    this.#entries.set(id, {
      kind: "stored",
      description: description ?? "Stored by a test (served verbatim)",
      text: typeof raw === "string" || Buffer.isBuffer(raw) ? raw : JSON.stringify(raw),
    });
    return existed;
  }

  delete(id) {
    return this.#entries.delete(id);
  }

  /**
   * Restarts a progressing task.
   * @returns {"ok" | "missing" | "static"}
   */
  restart(id, progressMs) {
    const e = this.#entries.get(id);
    if (!e) return "missing";
    if (e.kind !== "progress") return "static";
    e.startedAt = this.#now();
    if (progressMs !== undefined) e.durationMs = progressMs;
    return "ok";
  }
}
