// The per-device subtasks of a task (GET operations/{id}/subOperations): which
// devices, in which status, with which times and reasons. A subtask source is a
// snapshot at one instant: `total`, `statusAt(i)` (the platform's spelling) and
// `text(i)` (the item's JSON), so a page and its counts can never disagree.

import { createHash } from "node:crypto";
import { parseTime, platformTime } from "./platform.mjs";

/** Subtask statuses as the platform spells them (`fail`, not `failed`). */
export const SUBTASK_STATUSES = Object.freeze(["wait", "processing", "fail", "success", "stop", "timeout"]);

/** Most subtasks generated for one task (a stored task may claim any total). */
export const MAX_GENERATED_SUBTASKS = 1_000_000;

const FAIL_REASONS = Object.freeze([
  "The device went offline while downloading the package.",
  "Package verification failed: checksum mismatch.",
  "Not enough free storage on the device for the package.",
  "The device rejected the package: its version is not newer than the installed one.",
]);
const DETAIL = Object.freeze({
  wait: () => "",
  processing: (i) => (i % 2 === 0 ? "Downloading the package." : "Installing the package."),
  success: () => "Upgrade succeeded.",
  fail: (i) => FAIL_REASONS[i % FAIL_REASONS.length],
  timeout: () => "The device did not report a result within the time limit.",
  stop: () => "The task was stopped before this device finished.",
});

const sha1 = (text) => createHash("sha1").update(text).digest("hex");
const pad = (n) => String(n).padStart(4, "0");
const normStatus = (v) => {
  const s = String(v ?? "").toLowerCase().replace(/[_-]/g, "");
  return s === "failed" ? "fail" : s;
};

/** A status as written in any item (`FAIL`, `failed`, `Success`) → the platform's spelling, or "". */
export function canonicalSubStatus(v) {
  const s = normStatus(v);
  return SUBTASK_STATUSES.includes(s) ? s : "";
}

/** The subtask id of device `i` of a task: 24 hex digits, stable for (task, index). */
export function subOperationId(operationId, i) {
  return sha1(`${operationId}\n${i}`).slice(0, 24);
}

const SLUG = /^[A-Za-z0-9_.-]{1,48}$/;
const slugOf = (name, fallback) => (SLUG.test(name) ? name : `${fallback}-${sha1(name).slice(0, 8)}`);
const strings = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === "string" && x !== "") : []);

/**
 * The devices of a task, one per subtask: first `targets.devices` in order, then
 * generated ids for the members of `targets.deviceGroups` (`{group}-0000`, … dealt
 * round-robin over the groups; a group name that is no plain id becomes
 * `group{n}-{hash}`), or `{operationId}-0000`, … when the task names no group.
 */
export function taskDevices(operationId, targets, total) {
  const listed = strings(targets?.devices);
  const groups = strings(targets?.deviceGroups);
  const slugs = groups.length > 0 ? groups.map((g, n) => slugOf(g, `group${n}`)) : [slugOf(operationId, "task")];
  const generated = Math.max(0, total - listed.length);
  const bySlug = new Map(slugs.map((s, n) => [s, n]));
  let listedSet = null;
  return {
    at(i) {
      if (i < listed.length) return listed[i];
      const k = i - listed.length;
      return `${slugs[k % slugs.length]}-${pad(Math.floor(k / slugs.length))}`;
    },
    /** Whether one of the first `total` subtasks is for `deviceId`. */
    has(deviceId) {
      listedSet ??= new Set(listed.slice(0, total));
      if (listedSet.has(deviceId)) return true;
      const m = /^(.+)-(\d{4,})$/.exec(deviceId);
      if (!m || pad(Number(m[2])) !== m[2] || !bySlug.has(m[1])) return false;
      return Number(m[2]) * slugs.length + bySlug.get(m[1]) < generated;
    },
  };
}

const COUNT_KEYS = ["wait", "processing", "success", "fail", "stop", "timeout"];
const isCount = (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0) || (typeof v === "string" && /^\d+$/.test(v));

/**
 * A task's counts read as the lenient single-task rules read them (numbers or digit
 * strings; anything else 0) and its number of subtasks: `staResult.total` when it is a
 * count, else the sum of the counts, else the number of listed devices; at most
 * {@link MAX_GENERATED_SUBTASKS}.
 */
export function subtaskCounts(task) {
  const s = task?.staResult !== null && typeof task?.staResult === "object" ? task.staResult : {};
  const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, isCount(s[k]) ? Number(s[k]) : 0]));
  const sum = COUNT_KEYS.reduce((a, k) => a + counts[k], 0);
  let total = isCount(s.total) ? Number(s.total) : sum > 0 ? sum : strings(task?.targets?.devices).length;
  total = Math.min(total, MAX_GENERATED_SUBTASKS);
  return { total, counts };
}

/**
 * Spreads the statuses over the devices so that each status occurs exactly its count
 * (smooth weighted round-robin: failed devices are scattered, not bunched at the end).
 * Devices the counts leave out (sum < total) are `wait`; a sum over total is cut.
 * @returns {Uint8Array} index into SUBTASK_STATUSES per device
 */
export function layoutStatuses(counts, total) {
  const weights = SUBTASK_STATUSES.map((k) => counts[k] ?? 0);
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum < total) weights[0] += total - sum;
  const all = Math.max(sum, total);
  const current = weights.map(() => 0);
  const out = new Uint8Array(total);
  for (let i = 0; i < total; i++) {
    let best = 0;
    for (let k = 0; k < weights.length; k++) {
      current[k] += weights[k];
      if (current[k] > current[best]) best = k;
    }
    current[best] -= all;
    out[i] = best;
  }
  return out;
}

/**
 * The subtasks of a task that does not progress (a static seed or a stored body),
 * derived from its body: statuses per {@link layoutStatuses}, devices per
 * {@link taskDevices}, times inside the task's own window (start … stop, or an hour
 * from the start while it runs), reasons per status.
 *
 * @param {string} operationId
 * @param {object} task the parsed body
 * @param {{ fallbackMs: number, variant?: (item: object, i: number) => object }} more
 *   fallbackMs: the creation instant when the body has no readable createTime;
 *   variant: rewrites each generated item (seeds with their own spellings)
 */
export function staticSubtasks(operationId, task, { fallbackMs, variant }) {
  const { total, counts } = subtaskCounts(task);
  let layout = null; // built on first use: a 65536-device seed costs nothing until asked
  const statuses = () => (layout ??= layoutStatuses(counts, total));
  const devices = taskDevices(operationId, task.targets, total);
  const created = parseTime(task.createTime);
  const createMs = Number.isNaN(created) ? fallbackMs : created;
  const started = parseTime(task.startTime);
  const t0 = Number.isNaN(started) ? createMs : started;
  const stopped = parseTime(task.stopTime);
  const t1 = Number.isNaN(stopped) ? t0 + 3600_000 : Math.max(t0, stopped);
  const common = itemCommon(task);
  const statusAt = (i) => SUBTASK_STATUSES[statuses()[i]];
  return {
    total,
    devices,
    statusAt,
    text(i) {
      const status = statusAt(i);
      const startMs = t0 + Math.floor(((0.6 * i) / Math.max(1, total)) * (t1 - t0));
      const stopMs = status === "stop" ? t1 : startMs + Math.floor(0.4 * (t1 - t0));
      const item = makeItem(common, {
        operationId,
        i,
        deviceId: devices.at(i),
        status,
        createMs,
        startMs: status === "wait" ? null : startMs,
        stopMs: status === "wait" || status === "processing" ? null : stopMs,
      });
      return JSON.stringify(variant ? variant(item, i) : item);
    },
  };
}

/**
 * The subtasks of a progressing task at one instant: device i's status and times are
 * `deviceProgress(run, i)`, the same function the task's `staResult` counts.
 *
 * @param {string} operationId
 * @param {object} task the body served at that instant
 * @param {{ total: number, startedAt: number, device: (i: number) => { status: string, startMs: number | null, stopMs: number | null } }} run
 */
export function progressSubtasks(operationId, task, { total, startedAt, device }) {
  const devices = taskDevices(operationId, task.targets, total);
  const common = itemCommon(task);
  const memo = new Map();
  const state = (i) => {
    let s = memo.get(i);
    if (!s) memo.set(i, (s = device(i)));
    return s;
  };
  return {
    total,
    devices,
    statusAt: (i) => state(i).status,
    text(i) {
      const s = state(i);
      return JSON.stringify(
        makeItem(common, {
          operationId,
          i,
          deviceId: devices.at(i),
          status: s.status,
          createMs: startedAt,
          startMs: s.startMs === null ? null : startedAt + s.startMs,
          stopMs: s.stopMs === null ? null : startedAt + s.stopMs,
        }),
      );
    },
  };
}

/**
 * Subtask items stored by a test, served verbatim (any JSON values, in order);
 * their status is read leniently for the status filter.
 * @param {string[]} texts each item's JSON text
 */
export function storedSubtasks(texts) {
  const parsed = texts.map((t) => JSON.parse(t));
  return {
    total: texts.length,
    devices: { has: (id) => parsed.some((v) => v !== null && typeof v === "object" && v.deviceId === id) },
    statusAt: (i) => canonicalSubStatus(parsed[i]?.status),
    text: (i) => texts[i],
  };
}

function itemCommon(task) {
  const fileVersion = typeof task.extendPara?.fileVersion === "string" ? task.extendPara.fileVersion : "";
  const retry = task.policy?.retryType === true || task.policy?.retryType === "true";
  const retryTimes = retry && isCount(task.policy?.retryTimes) ? Number(task.policy.retryTimes) : 0;
  return { operateType: typeof task.operateType === "string" ? task.operateType : "", fileVersion, retryTimes };
}

function makeItem(common, { operationId, i, deviceId, status, createMs, startMs, stopMs }) {
  const item = { subOperationId: subOperationId(operationId, i), createTime: platformTime(createMs) };
  if (startMs !== null) item.startTime = platformTime(startMs);
  if (stopMs !== null) item.stopTime = platformTime(stopMs);
  const extendInfo = { fileVersion: common.fileVersion };
  if ((status === "fail" || status === "timeout") && common.retryTimes > 0) extendInfo.retries = common.retryTimes;
  return {
    ...item,
    operateType: common.operateType,
    deviceId,
    status,
    detailInfo: DETAIL[status](i),
    extendInfo,
  };
}
