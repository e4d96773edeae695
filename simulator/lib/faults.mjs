// Fault injection: the syntax shared by the `x-sim-fault` header and
// POST /__sim/faults, and the store of armed faults.
//
//   fault-list = fault *( "," fault )
//   fault      = name [ "=" value ] *( ";" param "=" value )
//
// e.g. `delay=500`, `status=503;retry-after=2`, `html-502, delay=100`,
// `truncated, drip=20;bytes=4`.
//
// A list holds at most one delay, one transport fault (drip, hang-body,
// reset-body) and one answer fault (everything else).

export class FaultSyntaxError extends Error {}

const MAX_DELAY_MS = 600_000;
export const OVERSIZED_BYTES = 5 * 1024 * 1024;

/** Answer faults: they answer in place of the platform (no auth, throttle or lookup). */
const ANSWER = new Set([
  "hang-headers",
  "reset",
  "status",
  "html",
  "truncated",
  "oversized",
  "error-code-200",
  "resultcode",
  "wrong-content-type",
  "json-array",
]);
/** Transport faults: they carry the real answer (or an answer fault's) badly. */
const TRANSPORT = new Set(["drip", "hang-body", "reset-body"]);

function int(text, what, min, max) {
  if (text === undefined || !/^\d{1,9}$/.test(text)) throw new FaultSyntaxError(`${what} needs an integer value`);
  const n = Number(text);
  if (n < min || n > max) throw new FaultSyntaxError(`${what} must be between ${min} and ${max}`);
  return n;
}

function code(text, what) {
  if (text === undefined || !/^[0-9A-Za-z_.-]{1,32}$/.test(text)) throw new FaultSyntaxError(`${what} needs a code`);
  return text;
}

function noValue(name, value) {
  if (value !== undefined) throw new FaultSyntaxError(`${name} takes no value`);
}

function parseOne(item) {
  const [head, ...paramParts] = item.split(";").map((s) => s.trim());
  const eq = head.indexOf("=");
  let name = (eq < 0 ? head : head.slice(0, eq)).trim().toLowerCase();
  let value = eq < 0 ? undefined : head.slice(eq + 1).trim();
  const params = {};
  for (const p of paramParts) {
    if (p === "") continue;
    const e = p.indexOf("=");
    if (e < 0) throw new FaultSyntaxError(`parameter "${p}" needs a value`);
    params[p.slice(0, e).trim().toLowerCase()] = p.slice(e + 1).trim();
  }
  const allowed = (...keys) => {
    for (const k of Object.keys(params)) {
      if (!keys.includes(k)) throw new FaultSyntaxError(`${name} does not take the parameter "${k}"`);
    }
  };
  const htmlMatch = /^html-(\d{3})$/.exec(name);
  if (htmlMatch) {
    noValue(name, value);
    value = htmlMatch[1];
    name = "html";
  }
  switch (name) {
    case "delay":
      allowed();
      return { name, ms: int(value, "delay", 0, MAX_DELAY_MS) };
    case "drip":
      allowed("bytes");
      return {
        name,
        ms: int(value, "drip", 0, MAX_DELAY_MS),
        bytes: params.bytes === undefined ? 16 : int(params.bytes, "drip bytes", 1, 1 << 20),
      };
    case "status": {
      allowed("retry-after", "code");
      const fault = { name, status: int(value, "status", 200, 599) };
      if (params["retry-after"] !== undefined) fault.retryAfter = String(int(params["retry-after"], "retry-after", 0, 1e9));
      if (params.code !== undefined) fault.code = code(params.code, "code");
      return fault;
    }
    case "html":
      allowed();
      return { name, status: value === undefined ? 502 : int(value, "html", 200, 599) };
    case "oversized":
      allowed();
      return { name, bytes: value === undefined ? OVERSIZED_BYTES : int(value, "oversized", 1, 256 * 1024 * 1024) };
    case "error-code-200":
    case "resultcode": {
      allowed();
      const fallback = name === "error-code-200" ? "123009" : "1010005";
      return { name, code: value === undefined ? fallback : code(value, name) };
    }
    case "hang-headers":
    case "hang-body":
    case "reset":
    case "reset-body":
    case "truncated":
    case "wrong-content-type":
    case "json-array":
      noValue(name, value);
      allowed();
      return { name };
    default:
      throw new FaultSyntaxError(`unknown fault "${name}"`);
  }
}

/**
 * Parses a fault list.
 * @returns {{ text: string, delayMs: number, transport: object | null, answer: object | null }}
 */
export function parseFault(text) {
  if (typeof text !== "string") throw new FaultSyntaxError("a fault is a string such as \"delay=500\"");
  if (text.length > 1000) throw new FaultSyntaxError("fault text too long");
  const items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) throw new FaultSyntaxError("empty fault");
  const out = { text: items.join(", "), delayMs: 0, transport: null, answer: null };
  let sawDelay = false;
  for (const item of items) {
    const f = parseOne(item);
    if (f.name === "delay") {
      if (sawDelay) throw new FaultSyntaxError("more than one delay");
      sawDelay = true;
      out.delayMs = f.ms;
    } else if (TRANSPORT.has(f.name)) {
      if (out.transport) throw new FaultSyntaxError("more than one of drip, hang-body, reset-body");
      out.transport = f;
    } else if (ANSWER.has(f.name)) {
      if (out.answer) throw new FaultSyntaxError(`more than one answer fault (${out.answer.name}, ${f.name})`);
      out.answer = f;
    }
  }
  return out;
}

/** Which query routes an armed fault applies to: one task (the default), the list, subtasks, or all. */
export const FAULT_ROUTES = Object.freeze(["task", "list", "subtasks", "any"]);

/** Faults armed through POST /__sim/faults or setFault(). First match wins. */
export class FaultStore {
  #faults = [];
  #nextId = 1;

  /**
   * @param {{ fault: string, operationId?: string | null, count?: number | null, route?: string, pageNo?: number | null }} spec
   */
  add({ fault, operationId = null, count = null, route = "task", pageNo = null }) {
    const parsed = parseFault(fault);
    if (operationId !== null && (typeof operationId !== "string" || operationId === "")) {
      throw new FaultSyntaxError("operationId must be a non-empty string or null");
    }
    if (!FAULT_ROUTES.includes(route)) throw new FaultSyntaxError(`route must be one of ${FAULT_ROUTES.join(", ")}`);
    if (route === "list" && operationId !== null) throw new FaultSyntaxError("the task list names no operationId");
    if (pageNo !== null && !(Number.isInteger(pageNo) && pageNo >= 0)) throw new FaultSyntaxError("pageNo must be an integer ≥ 0 or null");
    if (pageNo !== null && route === "task") throw new FaultSyntaxError("pageNo needs route list, subtasks or any");
    if (count !== null && !(Number.isInteger(count) && count >= 1)) {
      throw new FaultSyntaxError("count must be a positive integer or null");
    }
    const rec = { id: String(this.#nextId++), operationId, route, pageNo, fault: parsed.text, count, remaining: count, parsed };
    this.#faults.push(rec);
    return describe(rec);
  }

  list() {
    return this.#faults.map(describe);
  }

  remove(id) {
    const i = this.#faults.findIndex((f) => f.id === id);
    if (i < 0) return false;
    this.#faults.splice(i, 1);
    return true;
  }

  clear() {
    const n = this.#faults.length;
    this.#faults = [];
    return n;
  }

  /**
   * The fault for a query on `route` ("task", "list", "subtasks") about `operationId`
   * (null: the list, or an undecodable id) asking for page `pageNo` (null: one task), used up by one.
   */
  take(route, operationId, pageNo = null) {
    const i = this.#faults.findIndex(
      (f) =>
        (f.route === "any" || f.route === route) &&
        (f.operationId === null || f.operationId === operationId) &&
        (f.pageNo === null || f.pageNo === pageNo),
    );
    if (i < 0) return null;
    const f = this.#faults[i];
    if (f.remaining !== null) {
      f.remaining -= 1;
      if (f.remaining === 0) this.#faults.splice(i, 1);
    }
    return f.parsed;
  }
}

function describe({ id, operationId, route, pageNo, fault, count, remaining }) {
  return { id, operationId, route, pageNo, fault, count, remaining };
}
