// Shared helpers for the simulator tests (not a test file itself).

import http from "node:http";
import net from "node:net";
import { startSimulator } from "../../simulator/index.mjs";

export const OPS = "/iodm/northbound/v1.5.0/operations/";
export const LOGIN = "/iocm/app/sec/v1.1.0/login";
export const REFRESH = "/iocm/app/sec/v1.1.0/refreshToken";

export const INVALID_TOKEN = { error_code: "1010005", error_desc: "App_key or access_token is invalid." };
export const THROTTLED = { error_code: "1010009", error_desc: "app throttle exceed." };
export const NOT_FOUND = { error_code: "123009", error_desc: "The requested task does not exist." };
export const BAD_REQUEST = { error_code: "120015", error_desc: "Bad request error." };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a simulator that is closed when the test ends. */
export async function simFor(t, options = {}) {
  const sim = await startSimulator(options);
  t.after(() => sim.close());
  return sim;
}

export function authHeaders(token) {
  return { app_key: token.appId, authorization: `Bearer ${token.accessToken}`, accept: "application/json" };
}

/** GET a task through the northbound API with fetch. */
export function query(sim, id, token, extra = {}, init = {}) {
  return fetch(`${sim.baseUrl}${OPS}${id}`, { headers: { ...authHeaders(token), ...extra }, ...init });
}

export async function json(res) {
  return JSON.parse(await res.text());
}

/**
 * One request with node:http on a fresh connection, the path sent exactly as
 * given. Resolves {status, headers, body: Buffer, chunks} or rejects on socket errors.
 */
export function raw({ port, method = "GET", path, headers = {}, body, timeoutMs = 5000 }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), chunks: chunks.length }));
      res.on("error", reject);
      res.on("aborted", () => reject(new Error("response aborted")));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error("test timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

/** Writes raw bytes on a TCP connection; resolves with everything read until the server closes it. */
export function rawSocket(port, data, { timeoutMs = 3000 } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    const chunks = [];
    s.setTimeout(timeoutMs, () => {
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString("latin1"), timedOut: true });
    });
    s.on("data", (c) => chunks.push(c));
    s.on("end", () => resolve({ text: Buffer.concat(chunks).toString("latin1"), timedOut: false }));
    s.on("close", () => resolve({ text: Buffer.concat(chunks).toString("latin1"), timedOut: false }));
    s.on("error", (err) => (err.code === "ECONNRESET" ? resolve({ text: Buffer.concat(chunks).toString("latin1"), reset: true }) : reject(err)));
    s.write(data);
  });
}

// ---- a checker for the contract's section 3 (on the platform's raw JSON) -------------

const norm = (v) => String(v).toLowerCase().replace(/[_-]/g, "");
const isCount = (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0) || (typeof v === "string" && /^\d+$/.test(v));
const present = (v) => v !== undefined && v !== null && v !== "";

/** Parses a platform or RFC 3339 time; returns epoch ms, or NaN when it is not a real instant. */
export function parseTime(text) {
  if (typeof text !== "string") return NaN;
  let m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  let offsetMin = 0;
  if (!m) {
    m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/.exec(text);
    if (!m) return NaN;
    const z = m[7];
    if (z !== "Z" && z !== "z") {
      const sign = z[0] === "-" ? -1 : 1;
      const digits = z.slice(1).replace(":", "");
      offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    }
  }
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return NaN;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth) return NaN;
  return Date.UTC(y, mo - 1, d, h, mi, s) - offsetMin * 60000;
}

/**
 * Every problem the contract's section 3 finds in a task body (text or Buffer).
 * @returns {{path: string, message: string}[]}
 */
export function checkTask(bodyText) {
  const problems = [];
  const add = (path, message) => problems.push({ path, message });
  const size = Buffer.byteLength(bodyText);
  if (size > 4 * 1024 * 1024) add("", `body is ${size} bytes, over 4 MiB`);
  let t;
  try {
    t = JSON.parse(bodyText);
  } catch {
    add("", "not JSON");
    return problems;
  }
  if (t === null || typeof t !== "object" || Array.isArray(t)) {
    add("", "not a JSON object");
    return problems;
  }
  if (typeof t.error_code !== "undefined" || typeof t.resultcode !== "undefined") add("", "carries an error code");
  if (typeof t.operationId !== "string" || t.operationId === "") add("operationId", "missing or empty");
  if (!["firmwareupgrade", "softwareupgrade"].includes(norm(t.operateType ?? ""))) add("operateType", `unknown: ${t.operateType}`);
  if (!["wait", "processing", "failed", "success", "stop"].includes(norm(t.status ?? ""))) add("status", `unknown: ${t.status}`);
  for (const k of ["createTime", "startTime", "stopTime"]) {
    if (present(t[k]) && Number.isNaN(parseTime(t[k]))) add(k, `not a valid time: ${t[k]}`);
  }

  const g = t.targets ?? {};
  if (typeof g !== "object" || Array.isArray(g)) add("targets", "not an object");
  const groups = g.deviceGroups ?? [];
  const devices = g.devices ?? [];
  for (const [name, list] of [["deviceGroups", groups], ["devices", devices]]) {
    if (!Array.isArray(list)) {
      add(`targets.${name}`, "not an array");
      continue;
    }
    if (list.length > 256) add(`targets.${name}`, `${list.length} items, more than 256`);
    list.forEach((v, i) => {
      if (typeof v !== "string" || v === "") add(`targets.${name}[${i}]`, "not a non-empty string");
    });
  }
  if ((!Array.isArray(groups) || groups.length === 0) && (!Array.isArray(devices) || devices.length === 0)) {
    add("targets", "neither deviceGroups nor devices");
  }
  if (Array.isArray(groups) && groups.length > 0) {
    for (const k of ["deviceType", "model", "manufacturerName"]) {
      if (typeof g[k] !== "string" || g[k] === "") add(`targets.${k}`, "required with deviceGroups");
    }
  }

  const p = t.policy ?? {};
  const exec = p.executeType ?? "now";
  if (!["now", "deviceonline", "custom"].includes(norm(exec))) add("policy.executeType", `unknown: ${exec}`);
  const ps = present(p.startTime) ? parseTime(p.startTime) : null;
  const pe = present(p.endTime) ? parseTime(p.endTime) : null;
  if (Number.isNaN(ps)) add("policy.startTime", "not a valid time");
  if (Number.isNaN(pe)) add("policy.endTime", "not a valid time");
  if (norm(exec) === "custom") {
    if (ps === null) add("policy.startTime", "required for custom");
    if (pe === null) add("policy.endTime", "required for custom");
    if (ps !== null && pe !== null && pe < ps) add("policy.endTime", "before startTime");
  }
  const retry = p.retryType ?? false;
  if (![true, false, "true", "false"].includes(retry)) add("policy.retryType", `not a boolean: ${retry}`);
  if (present(p.retryTimes)) {
    if (!isCount(p.retryTimes) || Number(p.retryTimes) < 1 || Number(p.retryTimes) > 5) add("policy.retryTimes", "not an integer 1–5");
  } else if (retry === true || retry === "true") add("policy.retryTimes", "required when retryType is true");

  const s = t.staResult ?? {};
  const keys = ["total", "wait", "processing", "success", "fail", "stop", "timeout"];
  const c = {};
  for (const k of keys) {
    const v = s[k] ?? 0;
    if (!isCount(v)) add(`staResult.${k}`, `not a non-negative integer: ${v}`);
    c[k] = Number(v);
  }
  for (const k of keys.slice(1)) if (c[k] > c.total) add(`staResult.${k}`, "greater than total");
  const sum = keys.slice(1).reduce((a, k) => a + c[k], 0);
  if (sum > c.total) add("staResult", `sum ${sum} greater than total ${c.total}`);

  const e = t.extendPara ?? {};
  if (typeof e !== "object" || Array.isArray(e)) add("extendPara", "not an object");
  else if (e.fileVersion !== undefined && e.fileVersion !== null && typeof e.fileVersion !== "string") add("extendPara.fileVersion", "not a string");
  return problems;
}
