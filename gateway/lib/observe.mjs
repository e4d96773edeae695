// Logs (pino, secrets redacted by configuration) and metrics (prom-client, one registry per
// gateway so two gateways in one process never share or clash).

import pino from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Every place a secret could sit in a logged object; pino replaces them with "[redacted]". */
export const REDACT_PATHS = Object.freeze([
  "secret",
  "token",
  "accessToken",
  "refreshToken",
  "consoleKey",
  "consoleKeys",
  "key",
  "cert",
  "authorization",
  "cookie",
  "app_key",
  "*.secret",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.consoleKey",
  "*.consoleKeys",
  "*.key",
  "*.cert",
  "*.authorization",
  "*.cookie",
  "*.app_key",
  "*.headers.authorization",
  "*.headers.cookie",
  "*.headers.app_key",
]);

/** pino's options for the gateway (exported for tests and for users building their own logger). */
export const LOG_OPTIONS = Object.freeze({
  name: "iot-upgrade-task-gateway",
  redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
  base: undefined,
});

/**
 * @param {undefined | false | import("pino").Logger | import("pino").LoggerOptions} logger
 */
export function createLogger(logger) {
  if (logger === false) return pino({ ...LOG_OPTIONS, enabled: false });
  if (logger && typeof logger.info === "function" && typeof logger.child === "function") return logger;
  const { destination, ...options } = logger && typeof logger === "object" ? logger : {};
  const o = { ...LOG_OPTIONS, ...options, redact: LOG_OPTIONS.redact };
  return destination ? pino(o, destination) : pino(o);
}

/** The gateway's metrics in its own registry. */
export function createMetrics({ queueDepth, rateInUse, storeState }) {
  const registry = new Registry();
  const registers = [registry];
  if (storeState) {
    const fromState = (name, help, pick) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(pick(storeState()));
        },
      });
    fromState("iot_gateway_store_connected", "1 while the replicas share Redis, 0 in the local fallback (or still connecting).", (s) => (s.mode === "shared" ? 1 : 0));
    fromState("iot_gateway_store_fallbacks", "Switches to the local fallback since start.", (s) => s.fallbacks);
    fromState("iot_gateway_store_lock_waits", "Times a replica waited for another's login (the token lock) since start.", (s) => s.lockWaits);
    fromState("iot_gateway_store_budget_waits", "Calls that waited for the shared rate window since start (each once, however long; a call refused at once did not wait).", (s) => s.budgetWaits);
  }
  return {
    registry,
    requests: new Counter({ name: "iot_gateway_requests_total", help: "Requests answered, by route and status.", labelNames: ["route", "status"], registers }),
    upstreamCalls: new Counter({ name: "iot_gateway_upstream_calls_total", help: "Calls sent to the platform, by route and status (0: no answer).", labelNames: ["route", "status"], registers }),
    upstreamSeconds: new Histogram({
      name: "iot_gateway_upstream_seconds",
      help: "Time from sending a call to the platform to its whole answer.",
      labelNames: ["route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    cache: new Counter({ name: "iot_gateway_cache_total", help: "Forwarded requests by how they were answered: hit (cache), coalesced (shared an in-flight call), miss (own call).", labelNames: ["result"], registers }),
    logins: new Counter({ name: "iot_gateway_logins_total", help: "Logins and token refreshes at the platform, by outcome.", labelNames: ["type", "result"], registers }),
    abandoned: new Counter({ name: "iot_gateway_abandoned_total", help: "Calls never sent because every console waiting for their answer disconnected while they waited for the rate.", registers }),
    throttled: new Counter({ name: "iot_gateway_throttled_total", help: "Throttled answers: by the gateway (429, its queue wait ran out) or by the platform (1010009).", labelNames: ["source"], registers }),
    queueDepth: new Gauge({
      name: "iot_gateway_queue_depth",
      help: "Callers waiting for a slot of the platform's rate.",
      registers,
      collect() {
        this.set(queueDepth());
      },
    }),
    rateInUse: new Gauge({
      name: "iot_gateway_rate_window_calls",
      help: "Calls counted in the platform's current window (in flight or answered within it); on Redis, the fleet's shared window.",
      registers,
      async collect() {
        this.set(await rateInUse()); // the Redis store reads its shared window: one round trip per scrape
      },
    }),
  };
}

/** What each secret becomes, as in the package (src/core/redact.rs). */
const MARKER = Buffer.from("[redacted]");
/** Secrets at least this many characters long are replaced even inside a longer word. */
const ANYWHERE_LEN = 8;
/** ASCII letters, digits and `_`, and any byte of a non-ASCII character (as redact.rs's is_word). */
const isWord = (b) => b === undefined ? false : b >= 0x80 || b === 0x5f || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/**
 * `body` with each occurrence of a secret replaced by "[redacted]", by the package's rules
 * (redact.rs): one pass (the marker is never scrubbed again), the longest secret first where two
 * start at one place; a secret of 8 characters or more wherever it occurs, a shorter one only
 * where it stands as a whole word. Works on the bytes (each secret as its UTF-8, and as it reads
 * inside a JSON string), so a body holding no secret comes back as the same Buffer; a body with
 * escapes also on its decoded strings (redactDecoded).
 * @param {Buffer} body
 * @param {(string | null | undefined)[]} secrets
 */
export function redactBytes(body, secrets) {
  const forms = formsOf(secrets);
  if (forms.length === 0) return body;
  return redactForms((body.includes(0x5c) && redactDecoded(body, forms)) || body, forms);
}

/**
 * A body whose JSON escapes (`\u003d` for `=` as Gson writes it, `\u00e4` as ensure_ascii does,
 * `\n` before a short secret) hide a secret from the byte rules: each string token (value or
 * name) that holds an escape, decoded, by the same rules; a token that changed is written again
 * (JSON.stringify of the redacted string), everything else (numbers beyond 2^53, spacing, the
 * other escapes, a leading BOM) stays as sent. Any body, whatever its size (maxBodyBytes bounds
 * it) and whether or not it parses: a token that does not decode is left to the byte rules,
 * which run on the whole result after this. Null when no token changed.
 */
function redactDecoded(body, forms) {
  const text = body.toString("utf8");
  const parts = [];
  let copied = 0;
  // One pass left to right (a regex over the tokens backtracks from every quote of a string
  // that never closes: 19 s for 320 KB); a string never closed ends the scan.
  for (let i = text.indexOf('"'); i !== -1; ) {
    let j = i + 1;
    let escaped = false;
    while (j < text.length && text.charCodeAt(j) !== 0x22) {
      if (text.charCodeAt(j) === 0x5c) {
        escaped = true;
        j += 1;
      }
      j += 1;
    }
    if (j >= text.length) break;
    const redacted = escaped ? redactToken(text.slice(i, j + 1), forms) : null;
    if (redacted !== null) {
      parts.push(text.slice(copied, i), redacted);
      copied = j + 1;
    }
    i = text.indexOf('"', j + 1);
  }
  if (parts.length === 0) return null;
  parts.push(text.slice(copied));
  return Buffer.from(parts.join(""));
}

/** A JSON string token decoded, redacted and written again; null when it holds no secret (or is no JSON string). */
function redactToken(token, forms) {
  let str;
  try {
    str = JSON.parse(token);
  } catch {
    return null; // not a JSON string (a body that is no JSON): the byte rules only
  }
  const b = Buffer.from(str);
  const r = redactForms(b, forms);
  return r === b ? null : JSON.stringify(r.toString("utf8"));
}

/** Each secret as its UTF-8 and its JSON string forms: `{ bytes, long }` (long: replaced even inside a word). */
function formsOf(secrets) {
  const forms = new Map();
  for (const s of secrets) {
    if (typeof s !== "string" || s === "") continue;
    const long = [...s].length >= ANYWHERE_LEN;
    const json = JSON.stringify(s).slice(1, -1);
    for (const f of [s, json, json.replaceAll("/", "\\/")]) if (!forms.has(f) || long) forms.set(f, long);
  }
  return [...forms].map(([f, long]) => ({ bytes: Buffer.from(f), long }));
}

/** redactBytes' rules on the bytes as they are, for the forms of formsOf. */
function redactForms(body, forms) {
  const present = forms.filter((n) => body.includes(n.bytes));
  if (present.length === 0) return body;
  present.sort((a, b) => b.bytes.length - a.bytes.length);
  const alone = (at, n) => n.long || !((isWord(body[at - 1]) && isWord(n.bytes[0])) || (isWord(body[at + n.bytes.length]) && isWord(n.bytes[n.bytes.length - 1])));
  const out = [];
  let copied = 0;
  let at = 0;
  while (at < body.length) {
    const n = present.find((p) => body[at] === p.bytes[0] && body.subarray(at, at + p.bytes.length).equals(p.bytes) && alone(at, p));
    if (n) {
      out.push(body.subarray(copied, at), MARKER);
      at += n.bytes.length;
      copied = at;
    } else at += 1;
  }
  out.push(body.subarray(copied));
  return Buffer.concat(out);
}
