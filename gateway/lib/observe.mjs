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
 * where it stands as a whole word. Looked for in the bytes as they are and in the bytes with every
 * valid JSON escape decoded (`\u003d` for `=` as Gson writes it, `\u00e4` as ensure_ascii does,
 * `\n` before a short secret, `\"` inside one), wherever the escape stands: in a string or not,
 * in a body that parses or not, after a BOM, at any size. A secret found only through escapes
 * replaces the escapes it spans. Only the secrets' own bytes change; a body holding none comes
 * back as the same Buffer. Linear in the body (the searches are Buffer.indexOf).
 * @param {Buffer} body
 * @param {(string | null | undefined)[]} secrets
 */
export function redactBytes(body, secrets) {
  const needles = [];
  for (const s of secrets) {
    if (typeof s !== "string" || s === "") continue;
    needles.push({ bytes: Buffer.from(s), long: [...s].length >= ANYWHERE_LEN });
  }
  if (needles.length === 0) return body;
  // Each list: one needle's hits, ascending, as [start, end) offsets of the body (`starts`, and
  // `ends` or a fixed `len`). Numbers in arrays, no pair per hit and no sort: a body with
  // millions of hits took 2.3 s, most of it the garbage collector, and now takes a few hundred ms.
  const lists = needles.map((n) => ({ starts: hits(body, n), ends: null, len: n.bytes.length }));
  if (body.includes(0x5c)) {
    const decoded = decodeEscapes(body);
    for (const n of needles) {
      const found = hits(decoded, n);
      if (found.length === 0) continue;
      lists.push({ starts: toBody(body, found, false), ends: toBody(body, found.map((at) => at + n.bytes.length), true), len: 0 });
    }
  }
  // The earliest first, the longest of those starting at one place; none overlapping another.
  const keptStarts = [];
  const keptEnds = [];
  const next = lists.map(() => 0);
  let removed = 0;
  for (let copied = 0; ; ) {
    let best = -1;
    let bestStart = 0;
    let bestEnd = 0;
    for (let i = 0; i < lists.length; i++) {
      const { starts, ends, len } = lists[i];
      while (next[i] < starts.length && starts[next[i]] < copied) next[i] += 1;
      if (next[i] === starts.length) continue;
      const start = starts[next[i]];
      const end = ends === null ? start + len : ends[next[i]];
      if (best === -1 || start < bestStart || (start === bestStart && end > bestEnd)) [best, bestStart, bestEnd] = [i, start, end];
    }
    if (best === -1) break;
    keptStarts.push(bestStart);
    keptEnds.push(bestEnd);
    removed += bestEnd - bestStart;
    copied = bestEnd;
    next[best] += 1;
  }
  if (keptStarts.length === 0) return body;
  const out = Buffer.allocUnsafe(body.length - removed + keptStarts.length * MARKER.length);
  let written = 0;
  let copied = 0;
  for (let i = 0; i < keptStarts.length; i++) {
    written = copyInto(out, written, body, copied, keptStarts[i]);
    written = copyInto(out, written, MARKER, 0, MARKER.length);
    copied = keptEnds[i];
  }
  copyInto(out, written, body, copied, body.length);
  return out;
}

/** Copies `from[start, end)` to `out` at `at`; gives the offset after it. Short runs byte by byte (Buffer#copy's call costs more than a few bytes). */
function copyInto(out, at, from, start, end) {
  if (end - start > 64) return at + from.copy(out, at, start, end);
  for (let i = start; i < end; i++) out[at++] = from[i];
  return at;
}

/** Where needle `n` stands in `bytes` (a long one anywhere, a short one as a whole word): its start offsets, ascending. */
function hits(bytes, { bytes: n, long }) {
  const found = [];
  for (let at = bytes.indexOf(n); at !== -1; at = bytes.indexOf(n, at + 1)) {
    const end = at + n.length;
    if (long || !((isWord(bytes[at - 1]) && isWord(n[0])) || (isWord(bytes[end]) && isWord(n[n.length - 1])))) found.push(at);
  }
  return found;
}

/** The byte a one-letter JSON escape stands for (`\n` → LF, …). */
const SHORT_ESCAPES = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09 };

/** The four hex digits at `at` as a number, or -1. */
function hex4(body, at) {
  let v = 0;
  for (let i = at; i < at + 4; i++) {
    const c = body[i];
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (digit < 0) return -1;
    v = v * 16 + digit;
  }
  return v;
}

/**
 * The valid JSON escape at `at` (a backslash): `{ len, cp }` (its length in the body, the code
 * point it stands for; a surrogate pair is one), or null (an invalid or lone-surrogate escape,
 * which stays as written).
 */
function escapeAt(body, at) {
  const c = body[at + 1];
  if (c !== 0x75) return c in SHORT_ESCAPES ? { len: 2, cp: SHORT_ESCAPES[c] } : null;
  const u = hex4(body, at + 2);
  if (u < 0 || (u >= 0xdc00 && u <= 0xdfff)) return null;
  if (u < 0xd800 || u > 0xdbff) return { len: 6, cp: u };
  const low = body[at + 6] === 0x5c && body[at + 7] === 0x75 ? hex4(body, at + 8) : -1;
  if (low < 0xdc00 || low > 0xdfff) return null;
  return { len: 12, cp: 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00) };
}

/**
 * Walks the body's escapes in order: `onEscape(o, oEnd, d, dEnd, cp)` for each valid one (its
 * place in the body and in the decoded bytes); returns the decoded length.
 */
function walkEscapes(body, onEscape) {
  let o = 0;
  let d = 0;
  for (let at = body.indexOf(0x5c); at !== -1; at = body.indexOf(0x5c, o)) {
    d += at - o;
    const e = escapeAt(body, at);
    if (e === null) {
      o = at + 1; // the backslash as written; what follows is read as it is
      d += 1;
      continue;
    }
    const n = e.cp < 0x80 ? 1 : e.cp < 0x800 ? 2 : e.cp < 0x10000 ? 3 : 4;
    onEscape(at, at + e.len, d, d + n, e.cp);
    o = at + e.len;
    d += n;
  }
  return d + (body.length - o);
}

/** Writes code point `cp` (not a surrogate) as UTF-8 at `at`. */
function utf8Into(out, at, cp) {
  if (cp < 0x80) out[at] = cp;
  else if (cp < 0x800) {
    out[at] = 0xc0 | (cp >> 6);
    out[at + 1] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    out[at] = 0xe0 | (cp >> 12);
    out[at + 1] = 0x80 | ((cp >> 6) & 0x3f);
    out[at + 2] = 0x80 | (cp & 0x3f);
  } else {
    out[at] = 0xf0 | (cp >> 18);
    out[at + 1] = 0x80 | ((cp >> 12) & 0x3f);
    out[at + 2] = 0x80 | ((cp >> 6) & 0x3f);
    out[at + 3] = 0x80 | (cp & 0x3f);
  }
}

/** The body with every valid JSON escape decoded (see walkEscapes). */
function decodeEscapes(body) {
  const out = Buffer.allocUnsafe(body.length); // never longer: each escape is at least as long as its UTF-8
  let o = 0;
  let d = 0;
  const length = walkEscapes(body, (at, oEnd, dAt, dEnd, cp) => {
    body.copy(out, d, o, at);
    utf8Into(out, dAt, cp);
    o = oEnd;
    d = dEnd;
  });
  body.copy(out, d, o);
  return out.subarray(0, length);
}

/**
 * Offsets of the decoded bytes (`points`, ascending) as offsets of the body: one strictly inside
 * an escape's decoded bytes takes the whole escape (its start for a span's start, its end for a
 * span's end: `asEnd`). One walk over the escapes for all of them.
 */
function toBody(body, points, asEnd) {
  const out = new Array(points.length);
  let next = 0;
  let o = 0; // the body's offset where the decoded run at `d` starts (between escapes: one to one)
  let d = 0;
  walkEscapes(body, (at, oEnd, dAt, dEnd) => {
    // Up to the escape's start: the run before it, one to one.
    for (; next < points.length && points[next] <= dAt; next++) out[next] = o + (points[next] - d);
    // Strictly inside the escape's decoded bytes: the whole escape.
    for (; next < points.length && points[next] < dEnd; next++) out[next] = asEnd ? oEnd : at;
    o = oEnd;
    d = dEnd;
  });
  for (; next < points.length; next++) out[next] = o + (points[next] - d);
  return out;
}
