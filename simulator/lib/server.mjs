// The HTTP side: routing, CORS, the northbound endpoints, fault delivery and
// the /__sim/ control endpoints. index.mjs builds the options and exposes the
// programmatic API on top of `createSimulator`.

import http from "node:http";
import https from "node:https";
import { Auth } from "./auth.mjs";
import { Throttle } from "./throttle.mjs";
import { TaskStore, isMalformedId } from "./tasks.mjs";
import { FaultStore, FaultSyntaxError, parseFault } from "./faults.mjs";
import {
  JSON_TYPE,
  KNOWN_DESCRIPTIONS,
  PLATFORM_ERRORS,
  errorBody,
  errorForStatus,
  platformAnswer,
} from "./platform.mjs";
import { TOTAL_FIELDS, pageText, readSubtaskQuery, readTaskQuery } from "./lists.mjs";

export const LOGIN_PATH = "/iocm/app/sec/v1.1.0/login";
export const REFRESH_PATH = "/iocm/app/sec/v1.1.0/refreshToken";
export const OPERATIONS_PATH = "/iodm/northbound/v1.5.0/operations/";
/** The task list (GET, paged). */
export const OPERATION_LIST_PATH = "/iodm/northbound/v1.5.0/operations";
/** After `OPERATIONS_PATH{operationId}`: the task's per-device subtasks (GET, paged). */
export const SUB_OPERATIONS_SUFFIX = "/subOperations";

/** The northbound GET routes and the `route` an armed fault names for each. */
const QUERY_ROUTES = { operation: "task", list: "list", subtasks: "subtasks" };

const ALLOW_HEADERS = "app_key, authorization, accept, content-type, x-sim-fault";
const ALLOW_METHODS = "GET, POST, PUT, DELETE, OPTIONS";
const EXPOSE_HEADERS = "retry-after";
const MAX_AGE = "600";
const CONTROL_JSON = "application/json; charset=utf-8";
const LOG_LIMIT = 1000;
const LOGIN_BODY_LIMIT = 64 * 1024;
const CONTROL_BODY_LIMIT = 1024 * 1024;
const TASK_BODY_LIMIT = 64 * 1024 * 1024;

const HTML_PAGE = (status) => {
  const title = `${status} ${http.STATUS_CODES[status] ?? "Error"}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
};

class BodyTooLarge extends Error {}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new BodyTooLarge(`body larger than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
    req.on("aborted", () => reject(new Error("request aborted")));
  });
}

const toBuffer = (body) => (Buffer.isBuffer(body) ? body : Buffer.from(body ?? "", "utf8"));

function header(req, name) {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** Headers that may carry a credential besides Authorization (a token sent where the platform does not read it still is one). */
const CREDENTIAL_HEADER = /^(proxy-authorization|cookie)$|token|secret|password/i;

function maskHeaders(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k === "authorization") {
      const m = /^(\S+)\s+\S/.exec(String(v));
      out[k] = m ? `${m[1]} ***` : "***";
    } else {
      out[k] = CREDENTIAL_HEADER.test(k) ? "***" : v;
    }
  }
  return out;
}

/**
 * @param {object} o normalised options (see index.mjs)
 */
export function createSimulator(o) {
  const now = o.clock;
  const auth = new Auth({ apps: o.apps, tokenTtlSeconds: o.tokenTtlSeconds, now });
  const throttle = o.throttle ? new Throttle(o.throttle, now) : null;
  const tasks = new TaskStore({ progressMs: o.progressMs, now });
  const faults = new FaultStore();
  const prefix = o.prefix;
  let totalField = o.totalField;
  let requestLog = [];
  let seq = 0;
  let closing = false;
  const timers = new Set();

  // ---- small helpers -------------------------------------------------------

  function later(ms, fn) {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  }

  /** Waits `ms`; resolves false when the connection went away meanwhile. */
  function sleep(ms, res) {
    return new Promise((resolve) => {
      if (ms <= 0) return resolve(!res.destroyed);
      const onClose = () => {
        clearTimeout(t);
        timers.delete(t);
        resolve(false);
      };
      const t = later(ms, () => {
        res.off("close", onClose);
        resolve(!res.destroyed && !closing);
      });
      res.once("close", onClose);
    });
  }

  function logLine(line) {
    if (typeof o.log === "function") o.log(line);
    else if (o.log) process.stderr.write(`${line}\n`);
  }

  /** Sends a complete answer ({status, headers, body}). */
  function send(res, { status, headers = {}, body = "" }) {
    if (res.destroyed || res.headersSent) return;
    const buf = toBuffer(body);
    res.writeHead(status, { ...headers, "content-length": buf.length });
    res.end(buf);
  }

  function control(res, status, value, headers = {}) {
    send(res, {
      status,
      headers: { "content-type": CONTROL_JSON, "cache-control": "no-store", ...headers },
      body: JSON.stringify(value),
    });
  }

  /** The simulator's own errors (not platform answers) have this distinct shape. */
  function simError(res, status, error, message, headers = {}) {
    control(res, status, { error, message }, headers);
  }

  // ---- CORS ------------------------------------------------------------------

  /** Sets the CORS headers for this request; returns false for a refused origin. */
  function applyCors(req, res) {
    if (!o.cors) return true; // faithful mode: the platform answers no CORS at all
    res.setHeader("vary", "Origin");
    const origin = header(req, "origin");
    if (origin === undefined) return true;
    if (o.origins !== null && !o.origins.includes(origin)) return false;
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-expose-headers", EXPOSE_HEADERS);
    return true;
  }

  function preflight(req, res, originAllowed) {
    if (!originAllowed) {
      return simError(res, 403, "origin_not_allowed", "This origin is not in the simulator's --origin list.");
    }
    const headers = {
      "access-control-allow-methods": ALLOW_METHODS,
      "access-control-allow-headers": ALLOW_HEADERS,
      "access-control-max-age": MAX_AGE,
    };
    if (header(req, "access-control-request-private-network") === "true") {
      headers["access-control-allow-private-network"] = "true";
    }
    send(res, { status: 204, headers });
  }

  // ---- request handling --------------------------------------------------------

  async function onRequest(req, res) {
    req.on("error", () => {});
    res.on("error", () => {});
    try {
      await route(req, res);
    } catch (err) {
      if (!res.headersSent && !res.destroyed) {
        simError(res, err instanceof BodyTooLarge ? 413 : 500, err instanceof BodyTooLarge ? "too_large" : "internal", String(err?.message ?? err), { connection: "close" });
      } else {
        res.destroy();
      }
    }
  }

  function controlSubpath(path) {
    for (const base of prefix ? ["/__sim", `${prefix}/__sim`] : ["/__sim"]) {
      if (path === base) return "";
      if (path.startsWith(`${base}/`)) return path.slice(base.length);
    }
    return null;
  }

  async function route(req, res) {
    const url = req.url ?? "";
    const originAllowed = applyCors(req, res);
    if (!url.startsWith("/")) return simError(res, 400, "bad_request", "The request target must be an absolute path.");
    const cut = url.search(/[?#]/);
    const path = cut < 0 ? url : url.slice(0, cut);
    const query = cut < 0 ? "" : url.slice(cut + 1);
    const sub = controlSubpath(path);
    let entry = null;
    if (sub === null) {
      entry = {
        seq: ++seq,
        time: new Date(now()).toISOString(),
        method: req.method,
        url,
        path,
        headers: maskHeaders(req.headers),
        auth: null,
        fault: null,
        status: null,
      };
      requestLog.push(entry);
      if (requestLog.length > LOG_LIMIT) requestLog.splice(0, requestLog.length - LOG_LIMIT);
      res.on("finish", () => {
        entry.status = res.statusCode;
      });
      res.on("close", () => {
        logLine(`${entry.method} ${entry.url} -> ${res.writableFinished ? res.statusCode : "(no complete answer)"}${entry.fault ? ` [fault: ${entry.fault}]` : ""}`);
      });
    }
    if (req.method === "OPTIONS" && o.cors) return preflight(req, res, originAllowed);
    if (sub !== null) return handleControl(req, res, sub, query);
    return handleNorthbound(req, res, path, query, entry);
  }

  // ---- northbound -----------------------------------------------------------------

  async function handleNorthbound(req, res, path, query, entry) {
    // A fragment never travels in HTTP: a raw '#' in the target is a malformed request, refused
    // as the platform refuses any other (not read as the end of the path or query).
    if (req.url.includes("#")) return deliver(res, platformAnswer(PLATFORM_ERRORS.badRequest), null);
    let rest = path;
    if (prefix) {
      if (!path.startsWith(`${prefix}/`)) return notFoundRoute(req, res);
      rest = path.slice(prefix.length);
    }
    let kind;
    let seg = null;
    if (rest === LOGIN_PATH) kind = "login";
    else if (rest === REFRESH_PATH) kind = "refresh";
    else if (rest === OPERATION_LIST_PATH) kind = "list";
    else if (rest.startsWith(OPERATIONS_PATH)) {
      const tail = rest.slice(OPERATIONS_PATH.length);
      const slash = tail.indexOf("/");
      if (slash < 0) kind = "operation";
      else if (tail.slice(slash) === SUB_OPERATIONS_SUFFIX) kind = "subtasks";
      else return notFoundRoute(req, res);
      seg = slash < 0 ? tail : tail.slice(0, slash);
    } else return notFoundRoute(req, res);

    const method = kind in QUERY_ROUTES ? "GET" : "POST";
    if (req.method !== method) {
      return simError(res, 405, "method_not_allowed", `Use ${method} here.`, { allow: `${method}, OPTIONS` });
    }

    let id = null;
    if (seg !== null) {
      try {
        id = decodeURIComponent(seg);
      } catch {
        id = null; // bad percent-encoding: 400 / 120015 below
      }
    }

    // Faults: the header wins; armed faults apply to task queries only.
    let fault = null;
    const faultHeader = header(req, "x-sim-fault");
    if (faultHeader !== undefined) {
      try {
        fault = parseFault(faultHeader);
      } catch (err) {
        if (err instanceof FaultSyntaxError) return simError(res, 400, "bad_fault", err.message);
        throw err;
      }
    } else if (kind in QUERY_ROUTES) {
      fault = faults.take(QUERY_ROUTES[kind], kind === "list" ? null : id, kind === "operation" ? null : requestedPage(query));
    }
    if (fault) entry.fault = fault.text;
    if (fault?.delayMs && !(await sleep(fault.delayMs, res))) return;

    let answer;
    if (fault?.answer) {
      answer = faultAnswer(req, res, fault.answer, () => sampleBody(kind, id, query));
      if (answer === null) return; // handled (hang, reset, oversized)
    } else if (kind === "login") answer = await loginAnswer(req);
    else if (kind === "refresh") answer = await refreshAnswer(req);
    else if (kind === "list") answer = gate(req, entry) ?? listAnswer(query);
    else if (kind === "subtasks") answer = gate(req, entry) ?? subtasksAnswer(id, query);
    else answer = gate(req, entry) ?? operationAnswer(id);

    return deliver(res, answer, fault?.transport ?? null);
  }

  /** The pageNo a list query asks for (absent or empty: 0), for armed faults; NaN when unreadable. */
  function requestedPage(query) {
    const v = new URLSearchParams(query).get("pageNo");
    return v === null || v === "" ? 0 : /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
  }

  function notFoundRoute(req, res) {
    simError(res, 404, "no_route", `No simulator route for ${req.method} ${req.url?.split("?")[0]}${prefix ? ` (the prefix is ${prefix})` : ""}.`);
  }

  /** Auth, then the throttle, for every query route: an error answer, or null to go on. */
  function gate(req, entry) {
    const appKey = header(req, "app_key");
    const verdict = auth.check(appKey, header(req, "authorization"));
    entry.auth = verdict;
    if (verdict !== "ok") return platformAnswer(PLATFORM_ERRORS.invalidToken);
    if (throttle) {
      const t = throttle.take(appKey);
      if (!t.ok) {
        const extra = o.retryAfter ? { "retry-after": String(Math.max(1, Math.ceil(t.retryAfterMs / 1000))) } : {};
        return platformAnswer(PLATFORM_ERRORS.throttled, extra);
      }
    }
    return null;
  }

  const jsonAnswer = (body) => ({ status: 200, headers: { "content-type": JSON_TYPE }, body });
  const missingTask = (id) => platformAnswer(isMalformedId(id) ? PLATFORM_ERRORS.badRequest : PLATFORM_ERRORS.notFound);

  function operationAnswer(id) {
    if (id === null) return platformAnswer(PLATFORM_ERRORS.badRequest);
    const body = tasks.render(id);
    return body === undefined ? missingTask(id) : jsonAnswer(body);
  }

  /** The page's JSON, or an error answer for a query the platform refuses. */
  function listAnswer(query) {
    const q = readTaskQuery(query);
    if (!q.ok) return platformAnswer(q.error);
    const { texts, totalCount } = tasks.listPage(q.filter, q.pageNo, q.pageSize);
    return jsonAnswer(pageText(texts, { pageNo: q.pageNo, pageSize: q.pageSize, totalCount, totalField }));
  }

  function subtasksAnswer(id, query) {
    if (id === null) return platformAnswer(PLATFORM_ERRORS.badRequest);
    const q = readSubtaskQuery(query);
    if (!q.ok) return platformAnswer(q.error);
    const page = tasks.subtaskPage(id, q.status, q.pageNo, q.pageSize);
    if (page === undefined) return missingTask(id);
    return jsonAnswer(pageText(page.texts, { pageNo: q.pageNo, pageSize: q.pageSize, totalCount: page.totalCount, totalField }));
  }

  async function readCredentials(req) {
    const buf = await readBody(req, LOGIN_BODY_LIMIT);
    const text = buf.toString("utf8");
    const type = (header(req, "content-type") ?? "").toLowerCase();
    if (type.includes("json") || (!type.includes("form") && text.trimStart().startsWith("{"))) {
      try {
        const v = JSON.parse(text);
        return v !== null && typeof v === "object" && !Array.isArray(v) ? v : null;
      } catch {
        return null;
      }
    }
    return Object.fromEntries(new URLSearchParams(text));
  }

  const tokenAnswer = (value) => ({ status: 200, headers: { "content-type": JSON_TYPE }, body: JSON.stringify(value) });

  async function loginAnswer(req) {
    const b = await readCredentials(req);
    if (!b || typeof b.appId !== "string" || typeof b.secret !== "string" || !b.appId || !b.secret) {
      return platformAnswer(PLATFORM_ERRORS.invalidInput);
    }
    const t = auth.login(b.appId, b.secret);
    return t ? tokenAnswer(t) : platformAnswer(PLATFORM_ERRORS.badCredentials);
  }

  async function refreshAnswer(req) {
    const b = await readCredentials(req);
    if (!b || [b.appId, b.secret, b.refreshToken].some((v) => typeof v !== "string" || v === "")) {
      return platformAnswer(PLATFORM_ERRORS.invalidInput);
    }
    const t = auth.refresh(b.appId, b.secret, b.refreshToken);
    if (t === "credentials") return platformAnswer(PLATFORM_ERRORS.badCredentials);
    if (t === "refreshToken") return platformAnswer(PLATFORM_ERRORS.invalidRefreshToken);
    return tokenAnswer(t);
  }

  /**
   * The JSON a fault that needs one (truncated, wrong-content-type) carries: what the
   * route would answer — the requested task (else the first seeded one), the requested
   * page (else the first page), the requested task's subtasks (else the first seeded one's).
   */
  function sampleBody(kind, id, query) {
    const first = tasks.list().find((t) => t.kind !== "stored")?.operationId;
    const fallback = () => JSON.stringify({ operationId: "sample", operateType: "firmware_upgrade", status: "wait", targets: { devices: ["d1"] } });
    if (kind === "list") {
      const a = listAnswer(query);
      return toBuffer(a.status === 200 ? a.body : listAnswer("").body);
    }
    if (kind === "subtasks") {
      const own = id === null ? null : subtasksAnswer(id, query);
      if (own?.status === 200) return toBuffer(own.body);
      return toBuffer(first ? subtasksAnswer(first, "").body : fallback());
    }
    const own = id === null ? undefined : tasks.render(id);
    if (own !== undefined) return toBuffer(own);
    return toBuffer((first ? tasks.render(first) : undefined) ?? fallback());
  }

  /** The answer of an answer fault, or null when the fault handled the connection itself. */
  function faultAnswer(req, res, f, sample) {
    switch (f.name) {
      case "hang-headers":
        return null; // never answers; the socket is destroyed on close()
      case "reset":
        resetSocket(req.socket);
        return null;
      case "status": {
        const e = errorForStatus(f.status);
        const c = f.code ?? e.code;
        const desc = f.code !== undefined ? (KNOWN_DESCRIPTIONS[f.code] ?? "Simulated error.") : e.desc;
        const headers = { "content-type": JSON_TYPE };
        if (f.retryAfter !== undefined) headers["retry-after"] = f.retryAfter;
        return { status: f.status, headers, body: errorBody(c, desc) };
      }
      case "html":
        return { status: f.status, headers: { "content-type": "text/html" }, body: HTML_PAGE(f.status) };
      case "truncated": {
        const full = sample();
        return { status: 200, headers: { "content-type": JSON_TYPE }, body: full.subarray(0, Math.floor(full.length / 2)) };
      }
      case "wrong-content-type":
        return { status: 200, headers: { "content-type": "text/plain" }, body: sample() };
      case "json-array":
        return { status: 200, headers: { "content-type": JSON_TYPE }, body: "[]" };
      case "error-code-200":
        return { status: 200, headers: { "content-type": JSON_TYPE }, body: errorBody(f.code, KNOWN_DESCRIPTIONS[f.code] ?? "Simulated error.") };
      case "resultcode":
        return {
          status: 403,
          headers: { "content-type": JSON_TYPE },
          body: JSON.stringify({ resultcode: f.code, resultmsg: KNOWN_DESCRIPTIONS[f.code] ?? "Simulated error." }),
        };
      case "oversized":
        sendOversized(res, f.bytes);
        return null;
      default:
        throw new Error(`unhandled fault ${f.name}`);
    }
  }

  function resetSocket(socket) {
    if (!socket || socket.destroyed) return;
    // A TLS socket cannot send a TCP RST itself (its handle is the TLS wrap): destroy it.
    if (typeof socket.resetAndDestroy === "function" && !socket.encrypted) socket.resetAndDestroy();
    else socket.destroy();
  }

  /** A 200 whose valid-JSON body is `bytes` long, chunked, without content-length. */
  function sendOversized(res, bytes) {
    const head = Buffer.from('{"operationId":"oversized","padding":"');
    const tail = Buffer.from('"}');
    const pad = Math.max(0, bytes - head.length - tail.length);
    const CHUNK = 64 * 1024;
    const block = Buffer.alloc(CHUNK, 0x78); // "x"
    res.writeHead(200, { "content-type": JSON_TYPE }); // no content-length: chunked
    res.write(head);
    let left = pad;
    const pump = () => {
      while (left > 0) {
        if (res.destroyed || closing) return;
        const n = Math.min(CHUNK, left);
        left -= n;
        if (!res.write(n === CHUNK ? block : block.subarray(0, n))) {
          res.once("drain", pump);
          return;
        }
      }
      if (!res.destroyed) res.end(tail);
    };
    pump();
  }

  /** Sends an answer, possibly through a transport fault. */
  function deliver(res, answer, transport) {
    if (!transport) return send(res, answer);
    if (res.destroyed) return;
    const body = toBuffer(answer.body);
    res.writeHead(answer.status, { ...answer.headers, "content-length": body.length });
    const half = body.subarray(0, Math.floor(body.length / 2));
    if (transport.name === "hang-body") {
      res.write(half); // ...and nothing more: the socket is destroyed on close()
      return;
    }
    if (transport.name === "reset-body") {
      res.write(half, () => later(20, () => res.socket?.destroy()));
      return;
    }
    // drip
    let offset = 0;
    const step = () => {
      if (res.destroyed || closing) return;
      const piece = body.subarray(offset, offset + transport.bytes);
      offset += piece.length;
      if (offset >= body.length) return void res.end(piece);
      res.write(piece);
      later(transport.ms, step);
    };
    res.flushHeaders();
    later(transport.ms, step);
  }

  // ---- control endpoints (/__sim/) ----------------------------------------------

  async function readJson(req, { optional = false } = {}) {
    const buf = await readBody(req, CONTROL_BODY_LIMIT);
    const text = buf.toString("utf8").trim();
    if (text === "" && optional) return {};
    let v;
    try {
      v = JSON.parse(text);
    } catch (err) {
      const e = new Error(`The body is not JSON: ${err.message}`);
      e.badJson = true;
      throw e;
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      const e = new Error("The body must be a JSON object.");
      e.badJson = true;
      throw e;
    }
    return v;
  }

  function info() {
    return {
      name: "iot-upgrade-task simulator",
      version: o.version,
      prefix,
      apps: o.apps.map(({ appId, secret }) => ({ appId, secret })),
      tokenTtlSeconds: o.tokenTtlSeconds,
      throttle: o.throttle,
      retryAfter: o.retryAfter,
      progressMs: o.progressMs,
      origins: o.origins,
      totalField,
      endpoints: {
        login: `${prefix}${LOGIN_PATH}`,
        refreshToken: `${prefix}${REFRESH_PATH}`,
        queryUpgradeTask: `${prefix}${OPERATIONS_PATH}{operationId}`,
        queryUpgradeTaskList: `${prefix}${OPERATION_LIST_PATH}`,
        queryUpgradeSubTasks: `${prefix}${OPERATIONS_PATH}{operationId}${SUB_OPERATIONS_SUFFIX}`,
      },
    };
  }

  async function handleControl(req, res, sub, query) {
    try {
      return await controlRoute(req, res, sub, query);
    } catch (err) {
      if (err?.badJson) return simError(res, 400, "bad_json", err.message);
      if (err instanceof FaultSyntaxError) return simError(res, 400, "bad_fault", err.message);
      throw err;
    }
  }

  async function controlRoute(req, res, sub, query) {
    const m = req.method;
    const parts = sub.split("/").filter((p, i) => i > 0 || p !== "");
    if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
    const decoded = [];
    for (const p of parts) {
      try {
        decoded.push(decodeURIComponent(p));
      } catch {
        return simError(res, 400, "bad_path", "Bad percent-encoding in the path.");
      }
    }
    const notAllowed = (allow) => simError(res, 405, "method_not_allowed", `Use ${allow}.`, { allow });
    const [a, b, c] = decoded;

    if (decoded.length === 0) return m === "GET" ? control(res, 200, info()) : notAllowed("GET");

    if (a === "tasks") {
      if (decoded.length === 1) return m === "GET" ? control(res, 200, { tasks: tasks.list() }) : notAllowed("GET");
      const id = b;
      if (decoded.length === 2) {
        if (m === "GET") {
          const body = tasks.render(id);
          if (body === undefined) return simError(res, 404, "no_task", "No such task.");
          return send(res, { status: 200, headers: { "content-type": JSON_TYPE, "cache-control": "no-store" }, body });
        }
        if (m === "PUT") {
          if (id === "" || id === "." || id === "..") return simError(res, 400, "bad_id", "That id cannot be a path segment.");
          const raw = await readBody(req, TASK_BODY_LIMIT);
          const description = new URLSearchParams(query).get("description") ?? undefined;
          const replaced = tasks.put(id, raw, description);
          return control(res, replaced ? 200 : 201, { operationId: id, bytes: raw.length, replaced });
        }
        if (m === "DELETE") {
          return tasks.delete(id) ? control(res, 200, { operationId: id, deleted: true }) : simError(res, 404, "no_task", "No such task.");
        }
        return notAllowed("GET, PUT, DELETE");
      }
      if (decoded.length === 3 && c === "subOperations") return subOperationsControl(req, res, id, query);
      if (decoded.length === 3 && c === "restart") {
        if (m !== "POST") return notAllowed("POST");
        const body = await readJson(req, { optional: true });
        let progressMs;
        if (body.progressMs !== undefined) {
          if (!Number.isFinite(body.progressMs) || body.progressMs < 0) {
            return simError(res, 400, "bad_value", "progressMs must be a non-negative number.");
          }
          progressMs = body.progressMs;
        }
        const r = tasks.restart(id, progressMs);
        if (r === "missing") return simError(res, 404, "no_task", "No such task.");
        if (r === "static") return simError(res, 409, "not_progressing", "This task does not progress over time.");
        return control(res, 200, { operationId: id, restarted: true });
      }
    }

    if (a === "faults") {
      if (decoded.length === 1) {
        if (m === "GET") return control(res, 200, { faults: faults.list() });
        if (m === "POST") {
          const body = await readJson(req);
          return control(res, 201, faults.add({ fault: body.fault, operationId: body.operationId ?? null, count: body.count ?? null, route: body.route ?? "task", pageNo: body.pageNo ?? null }));
        }
        if (m === "DELETE") return control(res, 200, { cleared: faults.clear() });
        return notAllowed("GET, POST, DELETE");
      }
      if (decoded.length === 2) {
        if (m !== "DELETE") return notAllowed("DELETE");
        return faults.remove(b) ? control(res, 200, { id: b, deleted: true }) : simError(res, 404, "no_fault", "No such fault.");
      }
    }

    if (a === "settings" && decoded.length === 1) {
      if (m === "GET") return control(res, 200, settings());
      if (m === "POST") {
        const r = configure(await readJson(req));
        return r.ok ? control(res, 200, settings()) : simError(res, 400, "bad_value", r.message);
      }
      return notAllowed("GET, POST");
    }

    if (a === "requests" && decoded.length === 1) {
      if (m === "GET") return control(res, 200, { requests: requestLog });
      if (m === "DELETE") {
        const n = requestLog.length;
        requestLog = [];
        return control(res, 200, { cleared: n });
      }
      return notAllowed("GET, DELETE");
    }

    if (a === "reset" && decoded.length === 1) {
      if (m !== "POST") return notAllowed("POST");
      const body = await readJson(req, { optional: true });
      reset({ tokens: body.tokens === true });
      return control(res, 200, { reset: true, tokens: body.tokens === true });
    }

    return simError(res, 404, "no_route", `No control endpoint ${m} /__sim${sub}.`);
  }

  /** GET: the page as served now (no auth); PUT: a JSON array of items served verbatim; DELETE: generated again. */
  async function subOperationsControl(req, res, id, query) {
    const m = req.method;
    if (m === "GET") {
      const a = subtasksAnswer(id, query);
      if (a.status === 404) return simError(res, 404, "no_task", "No such task.");
      return send(res, { ...a, headers: { ...a.headers, "cache-control": "no-store" } });
    }
    if (m !== "PUT" && m !== "DELETE") {
      return simError(res, 405, "method_not_allowed", "Use GET, PUT, DELETE.", { allow: "GET, PUT, DELETE" });
    }
    let items = null;
    if (m === "PUT") {
      const text = (await readBody(req, TASK_BODY_LIMIT)).toString("utf8");
      try {
        items = JSON.parse(text);
      } catch (err) {
        return simError(res, 400, "bad_json", `The body is not JSON: ${err.message}`);
      }
      if (!Array.isArray(items)) return simError(res, 400, "bad_json", "The body must be a JSON array of subtask items.");
    }
    const r = tasks.setSubtasks(id, items);
    if (r === "missing") return simError(res, 404, "no_task", "No such task.");
    if (r === "progress") return simError(res, 409, "progressing", "A progressing task's subtasks follow its progress; store a task to set its subtasks.");
    return control(res, 200, { operationId: id, subOperations: items === null ? "generated" : items.length });
  }

  // ---- state ---------------------------------------------------------------------

  /** The settings that can change while running. */
  const settings = () => ({ totalField });

  /** Changes settings: `{totalField}`. @returns {{ok: true} | {ok: false, message: string}} */
  function configure(changes) {
    if (changes === null || typeof changes !== "object") return { ok: false, message: "settings must be an object" };
    const unknown = Object.keys(changes).filter((k) => k !== "totalField");
    if (unknown.length > 0) return { ok: false, message: `unknown setting: ${unknown.join(", ")}` };
    if (changes.totalField !== undefined) {
      if (!TOTAL_FIELDS.includes(changes.totalField)) return { ok: false, message: `totalField must be ${TOTAL_FIELDS.join(" or ")}` };
      totalField = changes.totalField;
    }
    return { ok: true };
  }

  function reset({ tokens = false } = {}) {
    totalField = o.totalField;
    tasks.reseed();
    faults.clear();
    throttle?.reset();
    requestLog = [];
    if (tokens) auth.clear();
  }

  // ---- server ----------------------------------------------------------------------

  // Faithful mode: TLS, optionally requiring a client certificate signed by the given CA
  // (refused in the handshake otherwise), as the platform's two-way TLS does.
  const server = o.tls
    ? https.createServer({ key: o.tls.key, cert: o.tls.cert, ca: o.tls.ca, requestCert: o.requireClientCert, rejectUnauthorized: o.requireClientCert }, onRequest)
    : http.createServer(onRequest);
  server.on("clientError", (err, socket) => {
    if (!socket.writable || err.code === "ECONNRESET") return void socket.destroy();
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const body = JSON.stringify({ error: "bad_request", message: `Malformed request (${err.code ?? "parse error"}).` });
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: ${CONTROL_JSON}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });

  async function listen() {
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return server.address().port;
  }

  let closed = null;
  function close() {
    if (closed) return closed;
    closing = true;
    closed = new Promise((resolve) => {
      server.close(() => resolve());
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections(); // idle, busy and hung ones alike
    });
    return closed;
  }

  return {
    server,
    listen,
    close,
    reset,
    settings,
    configure,
    auth,
    tasks,
    faults,
    requests: () => requestLog.map((e) => ({ ...e, headers: { ...e.headers } })),
    clearRequests: () => {
      requestLog = [];
    },
  };
}
