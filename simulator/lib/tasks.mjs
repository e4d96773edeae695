// The task store: seeded demo tasks, tasks that progress over time, and tasks
// stored verbatim by tests (PUT /__sim/tasks/{id}).

import { parseTime, platformTime } from "./platform.mjs";
import { progressSubtasks, staticSubtasks, storedSubtasks } from "./subtasks.mjs";
import { pick } from "./lists.mjs";

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
      // Its subtasks use the same accepted variants: RFC 3339 times, "" and null, upper-case
      // and camelCase enums, an unknown field.
      subtaskVariant: (item, i) => ({
        ...item,
        createTime: "2024-03-07T16:00:00+08:00",
        startTime: i === 0 ? "2024-03-07 08:00:05Z" : "2024-03-07T08:00:07.250z",
        stopTime: i === 0 ? "" : "2024-03-07T16:20:00+0800",
        operateType: "softwareUpgrade",
        status: i === 0 ? "PROCESSING" : "Success",
        detailInfo: i === 0 ? null : "",
        extendInfo: i === 0 ? { channel: "beta" } : {},
        unknownItemField: { kept: false },
      }),
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
      // Its devices' reasons hold the same hostile text.
      subtaskVariant: (item, i) => ({
        ...item,
        detailInfo: [HOSTILE_IMG, HOSTILE_SCRIPT, HOSTILE_JS, `Upgrade ${RLO}deliaf.exe`, `"><svg onload=alert(1)>`][i % 5],
        extendInfo: { ...item.extendInfo, [HOSTILE_SCRIPT]: HOSTILE_IMG },
      }),
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

const STOP_AT = 0.5;

/** The phases of a run of `durationMs`: waiting until `waitEnd`, then a processing span. */
function phases(durationMs, elapsedMs, outcome) {
  const waitEnd = 0.1 * durationMs;
  const span = 0.8 * durationMs;
  const p = durationMs <= 0 ? 1 : Math.min(1, Math.max(0, (elapsedMs - waitEnd) / span));
  const started = durationMs <= 0 || elapsedMs >= waitEnd;
  const stopped = started && outcome === "stop" && p >= STOP_AT;
  return { waitEnd, span, p, started, stopped, at: stopped ? STOP_AT : p };
}

/**
 * Device `i` of a progressing task (see {@link progressState}): its status in the
 * platform's subtask spelling (`wait|processing|success|fail|stop|timeout`) and the
 * instants, in ms after the (re)start, at which it started and stopped (null: not yet).
 */
export function deviceProgress({ outcome, total, durationMs, elapsedMs }, i, ph = phases(durationMs, elapsedMs, outcome)) {
  if (!ph.started) return { status: "wait", startMs: null, stopMs: null };
  const s = (0.6 * i) / total;
  const startMs = ph.waitEnd + s * ph.span;
  if (ph.at >= s + 0.4) return { status: deviceOutcome(outcome, i), startMs, stopMs: ph.waitEnd + (s + 0.4) * ph.span };
  if (ph.stopped) return { status: "stop", startMs: ph.at >= s ? startMs : null, stopMs: ph.waitEnd + STOP_AT * ph.span };
  if (ph.at >= s) return { status: "processing", startMs, stopMs: null };
  return { status: "wait", startMs: null, stopMs: null };
}

/**
 * The state of a progressing task `elapsedMs` after it was (re)started, for a
 * run of `durationMs`:
 *  - the first 10 % it waits (every device in `wait`);
 *  - then it processes: device i starts at 60 %·i/total of the processing span and
 *    takes 40 % of it, ending with its outcome; a "stop" task is stopped half-way,
 *    every device not done by then counting as `stop`;
 *  - at 90 % (or at the stop) it has ended and carries its final status.
 * Every device is in exactly one bucket, so each count ≤ total and the sum = total;
 * the buckets are those of {@link deviceProgress}, device by device.
 */
export function progressState(run) {
  const { outcome, total, durationMs, elapsedMs } = run;
  const ph = phases(durationMs, elapsedMs, outcome);
  const counts = { total, wait: 0, processing: 0, success: 0, fail: 0, stop: 0, timeout: 0 };
  if (!ph.started) {
    counts.wait = total;
    return { status: "wait", counts, startedAtMs: null, endedAtMs: null };
  }
  for (let i = 0; i < total; i++) counts[deviceProgress(run, i, ph).status] += 1;
  let status = "processing";
  let endedAtMs = null;
  if (ph.stopped) {
    status = "stop";
    endedAtMs = ph.waitEnd + STOP_AT * ph.span;
  } else if (ph.p >= 1) {
    status = outcome;
    endedAtMs = ph.waitEnd + ph.span;
  }
  return { status, counts, startedAtMs: ph.waitEnd, endedAtMs };
}

const norm = (v) => String(v ?? "").toLowerCase().replace(/[_-]/g, "");
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A stored body parsed as a JSON object, or null (invalid JSON or UTF-8, an array, …). */
function parseStored(raw) {
  try {
    const text = typeof raw === "string" ? raw : utf8.decode(raw);
    const v = JSON.parse(text);
    return isObject(v) ? { text, body: v } : null;
  } catch {
    return null;
  }
}

/** Whether a task (its body and its subtasks) passes the task list's filter. */
function matches(body, filter, subtasks) {
  if (filter.operationType !== undefined && norm(body.operateType) !== norm(filter.operationType)) return false;
  if (filter.operationStatus !== undefined && norm(body.status) !== norm(filter.operationStatus)) return false;
  for (const k of ["deviceType", "model", "manufacturerName"]) {
    if (filter[k] !== undefined && (!isObject(body.targets) || body.targets[k] !== filter[k])) return false;
  }
  return filter.deviceId === undefined || subtasks().devices.has(filter.deviceId);
}

export class TaskStore {
  #entries = new Map(); // id → entry
  #progressMs;
  #now;
  #seq = 0;

  constructor({ progressMs, now }) {
    this.#progressMs = progressMs;
    this.#now = now;
    this.reseed();
  }

  /** Back to the seeded tasks, progress restarted now. */
  reseed() {
    this.#entries.clear();
    for (const s of staticSeeds()) {
      this.#entries.set(s.id, {
        kind: "static",
        description: s.description,
        text: JSON.stringify(s.body),
        body: s.body,
        seq: ++this.#seq,
        subtaskVariant: s.subtaskVariant,
        subtasks: null,
      });
    }
    const now = this.#now();
    for (const s of progressSeeds()) {
      this.#entries.set(s.id, {
        kind: "progress",
        description: s.description,
        spec: s,
        startedAt: now,
        durationMs: this.#progressMs,
        seq: ++this.#seq,
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
    if (e.kind === "progress") return JSON.stringify(this.#progressBody(id, e, this.#now()));
    return e.text;
  }

  #progressRun(e, at) {
    return { outcome: e.spec.outcome, total: e.spec.total, durationMs: e.durationMs, elapsedMs: at - e.startedAt };
  }

  #progressBody(id, e, at) {
    const { spec, startedAt } = e;
    const st = progressState(this.#progressRun(e, at));
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

  /**
   * A task as the lists see it at instant `at`: its JSON text, parsed body (null when the
   * body is no JSON object: such a task is served alone, never listed), creation instant
   * and its subtasks (a function, built on demand).
   */
  #view(id, e, at) {
    if (e.kind === "progress") {
      const body = this.#progressBody(id, e, at);
      const run = this.#progressRun(e, at);
      return {
        text: JSON.stringify(body),
        body,
        createdMs: e.startedAt,
        subtasks: () => progressSubtasks(id, body, { total: e.spec.total, startedAt: e.startedAt, device: (i) => deviceProgress(run, i) }),
      };
    }
    const subtasks = () => {
      if (e.storedSubtasks) return storedSubtasks(e.storedSubtasks);
      e.subtasks ??= e.body
        ? staticSubtasks(id, e.body, { fallbackMs: e.storedAt ?? 0, variant: e.subtaskVariant })
        : storedSubtasks([]);
      return e.subtasks;
    };
    const created = parseTime(e.body?.createTime);
    return { text: e.listText ?? e.text, body: e.body, createdMs: Number.isNaN(created) ? (e.storedAt ?? 0) : created, subtasks };
  }

  /**
   * Page `pageNo` of the tasks passing `filter`, newest first (by createTime; a stored
   * task without one counts from when it was stored; ties: the later added first).
   * @returns {{ texts: string[], totalCount: number }}
   */
  listPage(filter, pageNo, pageSize) {
    const at = this.#now();
    const views = [...this.#entries]
      .map(([id, e]) => ({ seq: e.seq, ...this.#view(id, e, at) }))
      .filter((v) => v.body !== null)
      .sort((a, b) => b.createdMs - a.createdMs || b.seq - a.seq);
    const { indexes, totalCount } = pick(views.length, (i) => matches(views[i].body, filter, views[i].subtasks), pageNo, pageSize);
    return { texts: indexes.map((i) => views[i].text), totalCount };
  }

  /**
   * Page `pageNo` of task `id`'s subtasks in device order, only those in `status`
   * (the platform's spelling) when given; undefined when there is no such task.
   * @returns {{ texts: string[], totalCount: number } | undefined}
   */
  subtaskPage(id, status, pageNo, pageSize) {
    const e = this.#entries.get(id);
    if (!e) return undefined;
    const src = this.#view(id, e, this.#now()).subtasks();
    const { indexes, totalCount } = pick(src.total, (i) => status === undefined || src.statusAt(i) === status, pageNo, pageSize);
    return { texts: indexes.map((i) => src.text(i)), totalCount };
  }

  /** Stores a body served verbatim (string or Buffer). @returns true when it replaced a task. */
  put(id, raw, description) {
    const existed = this.#entries.has(id);
    const text = typeof raw === "string" || Buffer.isBuffer(raw) ? raw : JSON.stringify(raw);
    const parsed = parseStored(text);
    this.#entries.set(id, {
      kind: "stored",
      description: description ?? "Stored by a test (served verbatim)",
      text,
      listText: parsed?.text,
      body: parsed?.body ?? null,
      storedAt: this.#now(),
      seq: ++this.#seq,
      subtasks: null,
      storedSubtasks: null,
    });
    return existed;
  }

  /**
   * Sets the subtasks of task `id` to these items, served verbatim in this order (any
   * JSON values, odd shapes included), or back to the generated ones with `null`.
   * @returns {"ok" | "missing" | "progress"} progressing tasks' subtasks follow their progress
   */
  setSubtasks(id, items) {
    const e = this.#entries.get(id);
    if (!e) return "missing";
    if (e.kind === "progress") return "progress";
    e.storedSubtasks = items === null ? null : items.map((v) => JSON.stringify(v) ?? "null");
    return "ok";
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
