// A local stand-in for the Huawei IoT platform's northbound API: login,
// refreshToken, queryUpgradeTask, the task list and each task's per-device
// subtasks, with seeded tasks, tasks that progress
// over time, the platform's errors and throttle, fault injection, CORS and
// /__sim/ control endpoints. Plain Node.js, no dependencies.
//
// For local use only: the control endpoints are unauthenticated and live on
// the same server. It binds 127.0.0.1 by default; keep it there.
//
//   import { startSimulator } from "./simulator/index.mjs";
//   const sim = await startSimulator({ progressMs: 2000 });
//   const { accessToken, appId } = sim.login();
//   // GET `${sim.baseUrl}/iodm/northbound/v1.5.0/operations/fw-now-devices`
//   await sim.close();

import { rmSync } from "node:fs";
import { createSimulator } from "./lib/server.mjs";
import { FaultSyntaxError, parseFault } from "./lib/faults.mjs";
import { FAULT_ROUTES } from "./lib/faults.mjs";
import { deviceProgress, isMalformedId, progressState } from "./lib/tasks.mjs";
import { PLATFORM_ERRORS, platformTime } from "./lib/platform.mjs";
import { TOTAL_FIELDS } from "./lib/lists.mjs";
import { makeTestCertificates } from "./lib/certs.mjs";

export const VERSION = "0.1.0";
export const DEFAULT_APP = Object.freeze({ appId: "demo-app", secret: "demo-secret" });
export { FaultSyntaxError, PLATFORM_ERRORS, deviceProgress, isMalformedId, parseFault, platformTime, progressState };
export { LOGIN_PATH, OPERATIONS_PATH, OPERATION_LIST_PATH, REFRESH_PATH, SUB_OPERATIONS_SUFFIX } from "./lib/server.mjs";
export { SUBTASK_STATUSES, subOperationId } from "./lib/subtasks.mjs";
export {
  DEFAULT_PAGE_SIZE,
  FILTER_MAX_LENGTH,
  MAX_PAGE_NO,
  MAX_PAGE_SIZE,
  OPERATION_STATUSES,
  OPERATION_TYPES,
} from "./lib/lists.mjs";
export { FAULT_ROUTES, TOTAL_FIELDS, makeTestCertificates };

function fail(message) {
  throw new TypeError(`startSimulator: ${message}`);
}

/** Validates and fills in the options; exported for the CLI. */
export function normalizeOptions(options = {}) {
  if (options === null || typeof options !== "object") fail("options must be an object");
  const {
    port = 0,
    host = "127.0.0.1",
    prefix = "",
    apps = [DEFAULT_APP],
    tokenTtlSeconds = 3600,
    throttle = { calls: 100, perMs: 60000 },
    retryAfter = false,
    origins = null,
    progressMs = 40000,
    log = false,
    clock = Date.now,
    totalField = "totalCount",
    tls = false,
    requireClientCert = false,
    cors = true,
  } = options;

  if (!Number.isInteger(port) || port < 0 || port > 65535) fail("port must be an integer 0–65535");
  if (typeof host !== "string" || host === "") fail("host must be a non-empty string");

  if (typeof prefix !== "string") fail("prefix must be a string");
  let p = prefix.trim().replace(/\/+$/, "");
  if (p !== "" && !p.startsWith("/")) p = `/${p}`;
  if (p !== "" && !/^(\/[A-Za-z0-9._~-]+)+$/.test(p)) fail(`prefix "${prefix}" must be path segments of [A-Za-z0-9._~-]`);
  if (p === "/__sim" || p.startsWith("/__sim/")) fail("prefix cannot be /__sim");

  if (!Array.isArray(apps) || apps.length === 0) fail("apps must be a non-empty array");
  const seen = new Set();
  for (const a of apps) {
    if (!a || typeof a.appId !== "string" || a.appId === "" || typeof a.secret !== "string" || a.secret === "") {
      fail("each app needs a non-empty appId and secret");
    }
    if (seen.has(a.appId)) fail(`app "${a.appId}" appears twice`);
    seen.add(a.appId);
  }

  if (!(typeof tokenTtlSeconds === "number" && tokenTtlSeconds > 0 && Number.isFinite(tokenTtlSeconds))) {
    fail("tokenTtlSeconds must be a positive number");
  }
  let t = false;
  if (throttle !== false && throttle !== null) {
    if (typeof throttle !== "object" || !Number.isInteger(throttle.calls) || throttle.calls < 1 || !(throttle.perMs > 0)) {
      fail("throttle must be false or { calls: integer ≥ 1, perMs: number > 0 }");
    }
    t = { calls: throttle.calls, perMs: throttle.perMs };
  }
  if (origins !== null && (!Array.isArray(origins) || origins.some((x) => typeof x !== "string"))) {
    fail("origins must be null (any origin) or an array of origin strings");
  }
  if (!(typeof progressMs === "number" && progressMs >= 0 && Number.isFinite(progressMs))) {
    fail("progressMs must be a non-negative number");
  }
  if (typeof clock !== "function") fail("clock must be a function returning milliseconds");
  if (!TOTAL_FIELDS.includes(totalField)) fail(`totalField must be ${TOTAL_FIELDS.map((f) => `"${f}"`).join(" or ")}`);
  let t2 = null;
  if (tls === true) t2 = { generate: true, dir: null };
  else if (tls && typeof tls === "object") {
    const given = ["key", "cert", "ca"].filter((k) => tls[k] !== undefined);
    if (given.length === 0) t2 = { generate: true, dir: typeof tls.dir === "string" ? tls.dir : null };
    else if (given.length === 3 || (given.length === 2 && tls.ca === undefined)) t2 = { generate: false, key: tls.key, cert: tls.cert, ca: tls.ca ?? null };
    else fail("tls needs key and cert (and ca, to check client certificates), or nothing to generate them");
  } else if (tls !== false && tls !== null) fail("tls must be true, false or { key, cert, ca } / { dir }");
  if (requireClientCert && !t2) fail("requireClientCert needs tls");
  if (requireClientCert && t2 && !t2.generate && !t2.ca) fail("requireClientCert needs tls.ca (the CA client certificates must chain to)");
  return {
    port,
    host,
    prefix: p,
    apps: apps.map(({ appId, secret }) => ({ appId, secret })),
    tokenTtlSeconds,
    throttle: t,
    retryAfter: Boolean(retryAfter),
    origins: origins === null ? null : [...origins],
    progressMs,
    log,
    clock,
    totalField,
    tls: t2,
    requireClientCert: Boolean(requireClientCert),
    cors: cors !== false,
    version: VERSION,
  };
}

/**
 * Starts a simulator.
 *
 * @param {object} [options]
 * @param {number} [options.port=0] 0 picks a free port
 * @param {string} [options.host="127.0.0.1"]
 * @param {string} [options.prefix=""] path prefix for the northbound endpoints, e.g. "/iot"
 * @param {{appId: string, secret: string}[]} [options.apps=[{appId: "demo-app", secret: "demo-secret"}]]
 * @param {number} [options.tokenTtlSeconds=3600] access-token lifetime (fractions allowed, for tests)
 * @param {{calls: number, perMs: number} | false} [options.throttle={calls: 100, perMs: 60000}]
 * @param {boolean} [options.retryAfter=false] send Retry-After on throttled answers
 * @param {string[] | null} [options.origins=null] CORS allow-list; null allows any origin
 * @param {number} [options.progressMs=40000] how long a progressing task takes from wait to its end
 * @param {boolean | ((line: string) => void)} [options.log=false] one line per northbound request
 * @param {() => number} [options.clock=Date.now] time source (ms), for tests
 * @param {"totalCount" | "totalSize"} [options.totalField="totalCount"] the name of the list pages' total
 *   (the API reference says totalCount; the Java and PHP SDKs read totalSize)
 * @param {boolean | {key: string, cert: string, ca?: string} | {dir: string}} [options.tls=false]
 *   serve https: with the given certificates, or with test certificates generated on start
 * @param {boolean} [options.requireClientCert=false] refuse TLS clients without a certificate from the CA
 * @param {boolean} [options.cors=true] false: no CORS headers and no preflight (as the platform)
 */
export async function startSimulator(options = {}) {
  const o = normalizeOptions(options);
  let certificates = null;
  if (o.tls?.generate) {
    certificates = makeTestCertificates(o.tls.dir ?? undefined);
    o.tls = { generate: true, dir: certificates.dir, key: certificates.key, cert: certificates.cert, ca: certificates.ca };
  }
  const sim = createSimulator(o);
  const port = await sim.listen();
  const hostPart = o.host.includes(":") ? `[${o.host}]` : o.host;
  const url = `${o.tls ? "https" : "http"}://${hostPart}:${port}`;
  const firstApp = o.apps[0];

  return {
    /** http://HOST:PORT (no prefix) */
    url,
    /** url + prefix: what a client passes as baseUrl */
    baseUrl: `${url}${o.prefix}`,
    port,
    host: o.host,
    prefix: o.prefix,
    options: o,
    server: sim.server,
    /** Faithful mode's generated certificates (folder, file paths, PEM texts), else null. */
    certificates,
    close: () =>
      sim.close().then(() => {
        // Generated into a temporary folder: nothing is left behind.
        if (certificates && !options.tls?.dir) rmSync(certificates.dir, { recursive: true, force: true });
      }),
    /** A fresh token answer plus its appId; invalidates the app's previous token. */
    login(appId = firstApp.appId, secret = appId === firstApp.appId ? firstApp.secret : sim.auth.secretOf(appId)) {
      const t = sim.auth.login(appId, secret);
      if (!t) throw new Error(`simulator login failed for app "${appId}": ${PLATFORM_ERRORS.badCredentials.desc}`);
      return { ...t, appId };
    },
    /** Back to the seeded tasks (progress restarted), no faults, empty log and throttle; tokens kept unless {tokens: true}. */
    reset: (opts) => sim.reset(opts),
    /**
     * Arms a fault: setFault("delay=500") or setFault({fault, operationId?, count?, route?, pageNo?}) or
     * setFault("reset", {operationId, count, route, pageNo}); route "task" (default), "list", "subtasks"
     * or "any"; pageNo: only requests for that page of a list.
     */
    setFault(spec, more = {}) {
      const s = typeof spec === "string" ? { ...more, fault: spec } : { ...spec };
      return sim.faults.add({ fault: s.fault, operationId: s.operationId ?? null, count: s.count ?? null, route: s.route ?? "task", pageNo: s.pageNo ?? null });
    },
    clearFaults: () => sim.faults.clear(),
    faults: () => sim.faults.list(),
    /**
     * Stores a task: a string or Buffer is served verbatim, anything else as JSON. Its
     * subtasks are generated from its staResult and targets, or are `subTasks` verbatim.
     */
    setTask(id, body, { description, subTasks } = {}) {
      if (typeof id !== "string" || id === "" || id === "." || id === "..") throw new TypeError("setTask: bad id");
      if (subTasks !== undefined && !Array.isArray(subTasks)) throw new TypeError("setTask: subTasks must be an array");
      sim.tasks.put(id, body, description);
      if (subTasks !== undefined) sim.tasks.setSubtasks(id, subTasks);
    },
    /** Serves these items (any JSON values) as the task's subtasks, in order; null: generated again. */
    setSubTasks(id, items) {
      if (items !== null && !Array.isArray(items)) throw new TypeError("setSubTasks: items must be an array or null");
      const r = sim.tasks.setSubtasks(id, items);
      if (r !== "ok") throw new Error(`setSubTasks: ${r === "missing" ? "no such task" : "a progressing task's subtasks follow its progress"}: ${id}`);
    },
    /** The settings that can change while running (GET /__sim/settings). */
    settings: () => sim.settings(),
    /** Changes them, like POST /__sim/settings: configure({ totalField: "totalSize" }); reset() restores the options'. */
    configure(changes) {
      const r = sim.configure(changes);
      if (!r.ok) throw new TypeError(`configure: ${r.message}`);
      return sim.settings();
    },
    deleteTask: (id) => sim.tasks.delete(id),
    /** Restarts a progressing task, optionally with a new duration. */
    restartTask(id, { progressMs } = {}) {
      const r = sim.tasks.restart(id, progressMs);
      if (r !== "ok") throw new Error(`restartTask: ${r === "missing" ? "no such task" : "this task does not progress"}: ${id}`);
    },
    tasks: () => sim.tasks.list(),
    requests: () => sim.requests(),
    clearRequests: () => sim.clearRequests(),
  };
}
