// createGateway's configuration: checked once, with messages that name the option.

import { X509Certificate, createPrivateKey } from "node:crypto";
import { createSecureContext } from "node:tls";
import { clockOf } from "./clock.mjs";

export const DEFAULTS = Object.freeze({
  cacheMs: 1000,
  rate: Object.freeze({ calls: 100, perMs: 60000 }),
  maxWaitMs: 10000,
  upstreamTimeoutMs: 15000,
  maxUrlBytes: 2048,
  maxHeaderBytes: 8192,
  maxBodyBytes: 8 * 1024 * 1024,
  connections: 16,
});

/** The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2147483647;
/** How a refusal of a longer delay explains the limit (config and the bin's flags). */
export const MAX_TIMER_WHY = "about 24.8 days, the longest timer Node has";

/** A console key must be long enough not to be guessed. */
export const MIN_KEY_LENGTH = 16;

export class GatewayConfigError extends TypeError {
  constructor(message) {
    super(`createGateway: ${message}`);
    this.name = "GatewayConfigError";
  }
}

const fail = (message) => {
  throw new GatewayConfigError(message);
};

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** `https:` anywhere, `http:` only to loopback (as the package allows). */
export function parseUpstream(text) {
  let url;
  try {
    url = new URL(String(text));
  } catch {
    return fail(`upstream "${text}" is not an absolute URL such as https://iot.example.com:8743`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.test(url.hostname))) {
    fail(`upstream must be https: (http: only to localhost / 127.0.0.1 / [::1]), not ${url.protocol}//${url.host}`);
  }
  if (url.username || url.password || url.search || url.hash) fail("upstream must not carry credentials, a query or a fragment");
  return url;
}

/** "100/60000" → { calls: 100, perMs: 60000 } */
export function parseRate(text) {
  const m = /^(\d{1,9})\/(\d{1,12})$/.exec(String(text).trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) return null;
  return { calls: Number(m[1]), perMs: Number(m[2]) };
}

const pem = (v) => typeof v === "string" || Buffer.isBuffer(v) || v instanceof Uint8Array;

function whole(name, v, min, fallback) {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min) fail(`${name} must be a whole number ≥ ${min}, not ${JSON.stringify(v)}`);
  return v;
}

/** A delay that reaches a timer: at most MAX_TIMER_MS. */
function delay(name, v, min, fallback) {
  const ms = whole(name, v, min, fallback);
  if (ms > MAX_TIMER_MS) fail(`${name} must be at most ${MAX_TIMER_MS} ms (${MAX_TIMER_WHY}), not ${ms}`);
  return ms;
}

/**
 * Refuses TLS material the platform connection could not use, now rather than at the first login
 * (which would report it as "the platform could not be reached"): a cert or ca that is no PEM
 * certificate, a key that is no PEM private key (or needs a passphrase), a key of another
 * certificate. Messages give OpenSSL's code only, never the contents.
 */
function checkTls({ cert, key, ca }) {
  const attempt = (what, check) => {
    try {
      return check();
    } catch (err) {
      return fail(`${what} (${err?.code ?? "unreadable"})`);
    }
  };
  /** The first certificate of a PEM text; X509Certificate also reads DER, which the TLS connection does not. */
  const certificate = (name, v) => {
    const what = `${name} is not a PEM certificate`;
    if (!/-----BEGIN (?:TRUSTED )?CERTIFICATE-----/.test(Buffer.from(v).toString("latin1"))) fail(`${what} (no PEM certificate block; a DER file needs converting: openssl x509 -inform der)`);
    return attempt(what, () => new X509Certificate(v));
  };
  if (ca) certificate("ca", ca);
  if (!cert) return;
  const leaf = certificate("cert", cert);
  const privateKey = attempt("key is not a PEM private key without a passphrase", () => createPrivateKey(key));
  // checkPrivateKey compares the public halves, whatever the two algorithms (OpenSSL's own check,
  // in createSecureContext, passes an EC key with an RSA certificate).
  if (!leaf.checkPrivateKey(privateKey)) fail("key is not the private key of cert");
  attempt("cert and key are no TLS credentials", () => createSecureContext({ cert, key }));
}

/** Checks and fills in createGateway's config. */
export function normalizeConfig(config) {
  if (config === null || typeof config !== "object") fail("config must be an object");
  const c = config;
  const upstream = parseUpstream(c.upstream);
  if (typeof c.appId !== "string" || c.appId === "" || /[\0-\x1f\x7f]/.test(c.appId)) fail("appId must be a non-empty string without control characters");
  if (typeof c.secret !== "string" || c.secret === "") fail("secret must be a non-empty string");
  const tls = {};
  for (const k of ["cert", "key", "ca"]) {
    if (c[k] === undefined || c[k] === null) continue;
    if (!pem(c[k])) fail(`${k} must be PEM text (a string or a Buffer)`);
    tls[k] = c[k];
  }
  if (Boolean(tls.cert) !== Boolean(tls.key)) fail("cert and key go together (the client certificate and its private key)");
  checkTls(tls);

  const consoleKeys = c.consoleKeys ?? [];
  if (!Array.isArray(consoleKeys)) fail("consoleKeys must be an array of strings");
  for (const k of consoleKeys) {
    if (typeof k !== "string" || k.length < MIN_KEY_LENGTH || /[^\x21-\x7e]/.test(k)) {
      fail(`each console key must be at least ${MIN_KEY_LENGTH} printable ASCII characters without spaces`);
    }
  }
  if (c.authorize !== undefined && typeof c.authorize !== "function") fail("authorize must be a function (req) => boolean | Promise<boolean>");
  if (consoleKeys.length === 0 && c.authorize === undefined) fail("give consoleKeys or an authorize(req) hook: a gateway open to anyone would spend the app's rate");

  const origins = c.origins ?? [];
  if (!Array.isArray(origins)) fail("origins must be an array of origins such as https://console.example.com");
  for (const o of origins) {
    let u;
    try {
      u = new URL(o);
    } catch {
      fail(`origin "${o}" is not an origin such as https://console.example.com`);
    }
    if (u.origin !== o) fail(`origin "${o}" must be exactly scheme://host[:port] (as browsers send it: "${u.origin}")`);
  }

  let rate = DEFAULTS.rate;
  if (c.rate !== undefined) {
    const r = typeof c.rate === "string" ? parseRate(c.rate) : c.rate;
    if (!r || !Number.isInteger(r.calls) || r.calls < 1 || !Number.isInteger(r.perMs) || r.perMs < 1) fail("rate must be { calls, perMs } (whole numbers ≥ 1) or \"N/MS\"");
    if (r.perMs > MAX_TIMER_MS) fail(`rate's perMs must be at most ${MAX_TIMER_MS} ms (${MAX_TIMER_WHY}), not ${r.perMs}`);
    rate = { calls: r.calls, perMs: r.perMs };
  }
  const clock = clockOf(c);
  if ("error" in clock) fail(clock.error);
  const store = c.store ?? null;
  if (typeof store === "string" && !/^rediss?:\/\//.test(store)) fail("store must be a redis:// or rediss:// URL, a node-redis client or a GatewayStore (the text given is not shown: it may hold a password)");
  if (store !== null && typeof store !== "string" && typeof store !== "object") fail("store must be a redis:// URL, a node-redis client or a GatewayStore");
  const replicas = whole("replicas", c.replicas, 1, 1);
  if (replicas > 1 && store === null) fail(`replicas (${replicas}) needs a shared store (store: "redis://…"): replicas without one each log in, and each login logs the others out`);

  return {
    upstream,
    appId: c.appId,
    secret: c.secret,
    tls,
    consoleKeys: [...consoleKeys],
    authorize: c.authorize ?? null,
    origins: [...origins],
    cacheMs: whole("cacheMs", c.cacheMs, 0, DEFAULTS.cacheMs),
    rate,
    maxWaitMs: delay("maxWaitMs", c.maxWaitMs, 0, DEFAULTS.maxWaitMs),
    upstreamTimeoutMs: delay("upstreamTimeoutMs", c.upstreamTimeoutMs, 1, DEFAULTS.upstreamTimeoutMs),
    maxUrlBytes: whole("maxUrlBytes", c.maxUrlBytes, 64, DEFAULTS.maxUrlBytes),
    maxHeaderBytes: whole("maxHeaderBytes", c.maxHeaderBytes, 1024, DEFAULTS.maxHeaderBytes),
    maxBodyBytes: whole("maxBodyBytes", c.maxBodyBytes, 1024, DEFAULTS.maxBodyBytes),
    connections: whole("connections", c.connections, 1, DEFAULTS.connections),
    store,
    replicas,
    logger: c.logger,
    clock: clock.clock,
  };
}
