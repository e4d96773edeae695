// createGateway: a (req, res[, next]) handler that forwards the read-only northbound GETs of
// many consoles to the platform with one token, the platform's rate kept for all of them, and
// identical requests coalesced and briefly cached.

import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { performance } from "node:perf_hooks";
import { normalizeConfig } from "./config.mjs";
import { createLogger, createMetrics, redactBytes } from "./observe.mjs";
import { gatewayPath, matchRoute, refusedIdRoute } from "./routes.mjs";
import { RateLimited, createMemoryStore } from "./store.mjs";
import { createRedisStore, redisNamespace } from "./redis-store.mjs";
import { createUpstream } from "./upstream.mjs";

const JSON_TYPE = "application/json;charset=UTF-8";
const ALLOW_HEADERS = "authorization, app_key, accept, content-type";
const EXPOSE_HEADERS = "retry-after, x-request-id, x-gateway-cache";
const INVALID_TOKEN = "1010005";
const THROTTLED = "1010009";
const NOT_FOUND = "123009";
/** How long a failed token renewal, or a fresh token the platform refused too, holds off the next try. */
const BACKOFF_MS = 10_000;
/** The answer to a request the gateway cannot finish because it is closing. */
const CLOSING = ["GW.CLOSING", "The gateway is shutting down; retry (another replica may answer).", { "retry-after": "1" }];

/** An answer the gateway gives itself, in the platform's error shape. */
export class GatewayAnswer extends Error {
  constructor(status, code, desc, headers = {}) {
    super(desc);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const sha = (text) => createHash("sha256").update(text).digest();

/** Every answer is data: a browser that opens one as a page runs nothing of it (the bin's own answers carry them too). */
export const DATA_ONLY_HEADERS = Object.freeze({ "x-content-type-options": "nosniff", "content-security-policy": "default-src 'none'; frame-ancestors 'none'; sandbox" });
/**
 * The content type of a relayed answer: the platform's when it is JSON, else text/plain (a page
 * the platform, or a proxy before it, sends as text/html is never served as HTML from the
 * gateway's origin, which may be the console's). None given: JSON.
 */
function relayedType(type) {
  if (type === undefined) return JSON_TYPE;
  return /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type) ? type : "text/plain; charset=utf-8";
}

/** Why a call's wait for the rate ended: every console that asked for its answer has gone. */
class ConsolesGone extends Error {
  constructor() {
    super("every console waiting for this answer disconnected");
    this.name = "ConsolesGone";
  }
}

/** The platform code of an answer body (`error_code` or `resultcode`), or null. */
function platformCode(answer) {
  if (answer.body.length === 0 || answer.body.length > 1024 * 1024) return null;
  const first = answer.body.subarray(0, 64).toString("utf8").trimStart();
  if (!first.startsWith("{")) return null;
  try {
    const v = JSON.parse(answer.body.toString("utf8"));
    const c = v?.error_code ?? v?.resultcode;
    return c === undefined || c === null ? null : String(c);
  } catch {
    return null;
  }
}

/**
 * @param {import("../index.d.mts").GatewayConfig} config
 * @returns {import("../index.d.mts").Gateway}
 */
export function createGateway(config) {
  const o = normalizeConfig(config);
  const { clock } = o;
  const now = clock.now;
  const log = createLogger(o.logger);
  const redis = typeof o.store === "string" || (o.store !== null && typeof o.store.eval === "function" && !o.store.limiter);
  const store = redis
    ? createRedisStore({ redis: o.store, namespace: redisNamespace(o.upstream.href, o.appId), rate: o.rate, replicas: o.replicas, upstreamTimeoutMs: o.upstreamTimeoutMs, clock, log })
    : (o.store ?? createMemoryStore({ rate: o.rate, clock }));
  const ownStore = o.store === null || redis;
  const upstream = createUpstream({
    upstream: o.upstream,
    appId: o.appId,
    secret: o.secret,
    tls: o.tls,
    timeoutMs: o.upstreamTimeoutMs,
    maxBodyBytes: o.maxBodyBytes,
    connections: o.connections,
  });
  const metrics = createMetrics({ queueDepth: () => store.limiter.depth(), rateInUse: () => store.limiter.used?.() ?? 0, storeState: store.state?.bind(store) });
  const keyDigests = o.consoleKeys.map(sha);
  /** The 401's words, for the ways in this gateway has (console keys, `authorize`, or both). */
  const REFUSED = [
    keyDigests.length > 0 ? "The console key is missing or not valid for this gateway" : null,
    o.authorize ? `${keyDigests.length > 0 ? "and" : "This gateway's"} authorize() did not let the request in` : null,
  ]
    .filter(Boolean)
    .join(", ")
    .concat(".");
  const secretTexts = [o.secret, ...o.consoleKeys, ...["key", "cert"].map((k) => (o.tls[k] ? String(o.tls[k]) : ""))].filter((s) => s.length >= 4);
  let lastTokens = [];
  /** The token record last read from the store (obtained by this replica or another): its tokens are scrubbed too. */
  let inUse = null;
  let closed = false;

  const tokensOf = (t) => (t ? [t.accessToken, t.refreshToken] : []);

  /** Removes every secret the gateway knows from a text before it is logged or answered. */
  function scrub(text) {
    let out = String(text);
    for (const s of [...secretTexts, ...lastTokens, ...tokensOf(inUse)]) if (s) out = out.split(s).join("[redacted]");
    return out;
  }

  /**
   * A platform answer's body as it may be relayed: without the app secret and the tokens (the one
   * the call used, and those this replica obtained), and for an error also without the app id
   * (what the package scrubs from error_desc). A body holding none is the same Buffer.
   */
  function scrubAnswer(answer, t, route) {
    const error = answer.status >= 400 || answer.code !== null;
    const body = redactBytes(answer.body, [o.secret, ...lastTokens, ...tokensOf(t), ...(error ? [o.appId] : [])]);
    if (body !== answer.body) log.warn({ event: "answer_scrubbed", route, status: answer.status }, "the platform's answer carried a credential; relayed with it redacted");
    answer.body = body;
    return answer;
  }

  // ---- the platform token --------------------------------------------------------------

  function record(session, type) {
    // The package's expiresAt is on the wall (its Date.now at the answer + expiresIn): taken as
    // the lifetime left now, then placed on the gateway's clock. On the wall clock (the default)
    // that is the package's expiresAt, or a ms earlier (t is read first): never later.
    const t = now();
    const lifetime = Math.max(0, Number(session.expiresAt) - Date.now());
    const expiresAt = t + lifetime;
    const margin = Math.min(300_000, lifetime * 0.2);
    lastTokens = [session.accessToken, session.refreshToken].filter(Boolean);
    metrics.logins.inc({ type, result: "ok" });
    log.info({ event: type, expiresInMs: lifetime }, type === "login" ? "logged in to the platform" : "refreshed the platform token");
    return { accessToken: session.accessToken, refreshToken: session.refreshToken ?? null, expiresAt, refreshAt: expiresAt - margin };
  }

  /**
   * Before expiry: the refresh token if there is one, else a login. Runs under the store's lock
   * (token.replace), `current` the record as stored now. A renewal that fails while the token is
   * still valid keeps it, marked `renewRetryAt` (BACKOFF_MS on): the mark is stored with the
   * record, so no replica sharing the store tries again before then (one refresh and one login
   * per backoff for the fleet, not per replica).
   */
  async function renew(current) {
    const valid = Boolean(current?.accessToken) && now() < current.expiresAt;
    if (valid && now() < (current.renewRetryAt ?? 0)) return current; // another replica's renewal failed just now
    try {
      return await renewNow(current);
    } catch (err) {
      if (!(err instanceof GatewayAnswer) || !valid) throw err;
      log.warn({ event: "renew_failed", expiresInMs: current.expiresAt - now(), retryInMs: BACKOFF_MS }, "could not renew the platform token; using the current one while it is valid");
      return { ...current, renewRetryAt: now() + BACKOFF_MS };
    }
  }

  /** renew's attempt: the refresh token if there is one, else a login. */
  async function renewNow(current) {
    if (current?.refreshToken && current.expiresAt > now() + 200) {
      try {
        return record(await upstream.refresh(current.refreshToken), "refresh");
      } catch (err) {
        if (closed) throw err;
        metrics.logins.inc({ type: "refresh", result: "error" });
        log.warn({ event: "refresh", err: scrub(err?.message ?? err) }, "token refresh failed; logging in");
      }
    }
    return relogin();
  }

  /**
   * The last failed login: `{ why, until, delayMs }`. Until `until` no new login is tried (a wrong
   * secret or a platform that is down would otherwise cost one login per console request); the
   * pause doubles from 1 s to 30 s while logins keep failing, and a success ends it.
   */
  let loginFailure = null;

  /** The 502 GW.LOGIN for a failed (or paused) login, with when to try again. */
  function loginAnswer(why) {
    const seconds = Math.max(1, Math.ceil((loginFailure.until - now()) / 1000));
    return new GatewayAnswer(502, "GW.LOGIN", `The gateway could not log in to the platform: ${why}; it tries again in ${seconds} s.`, { "retry-after": String(seconds) });
  }

  /**
   * A new login (first use, or the platform refused the token). A store with a `loginPause`
   * (the Redis store) shares the pause, so the fleet tries one login per pause, not one per
   * replica: a pause another replica set is taken as this replica's own.
   */
  async function relogin() {
    const paused = () => loginFailure !== null && now() < loginFailure.until;
    if (!paused()) {
      // Paused here already: no need to ask the store.
      const shared = await store.loginPause?.get().catch(() => null);
      if (shared) loginFailure = { why: shared.why, until: now() + shared.leftMs, delayMs: shared.delayMs };
    }
    if (paused()) throw loginAnswer(loginFailure.why);
    try {
      const session = record(await upstream.login(), "login");
      if (loginFailure !== null) await store.loginPause?.clear().catch(() => {});
      loginFailure = null;
      return session;
    } catch (err) {
      if (closed) throw err; // ended by close(): no failed login, no pause for the fleet
      metrics.logins.inc({ type: "login", result: "error" });
      const why = (err?.kind === "network" || err?.kind === "timeout" ? upstream.describe(err.connectFailure ?? err.cause ?? err) : scrub(err?.message ?? err)).replace(/[.\s]+$/, "");
      const delayMs = Math.min(30_000, (loginFailure?.delayMs ?? 500) * 2);
      loginFailure = { why, until: now() + delayMs, delayMs };
      await store.loginPause?.set({ why, delayMs }).catch(() => {});
      log.error({ event: "login", kind: err?.kind ?? null, err: scrub(err?.message ?? err), retryInMs: delayMs }, "login to the platform failed");
      throw loginAnswer(why);
    }
  }

  /** store.token.replace, never null: a store that lost the record meanwhile (its key expired) is asked once more, for a new one. */
  async function replaceToken(stale, obtain) {
    let t = await store.token.replace(stale, obtain);
    if (!t?.accessToken && stale !== null) t = await store.token.replace(null, obtain);
    if (!t?.accessToken) throw new GatewayAnswer(502, "GW.LOGIN", "The gateway's store gave it no platform token; retry.");
    return t;
  }

  /**
   * The token to use now: the store's, renewed once past refreshAt. A renewal that fails while the
   * token is still valid keeps it (logged) and is tried again only after BACKOFF_MS, by any
   * replica (renew's `renewRetryAt`).
   */
  async function token() {
    const stored = await store.token.current();
    const t = stored?.accessToken ? stored : null;
    if (t && now() < t.refreshAt) return (inUse = t);
    if (t && now() < t.expiresAt && now() < (t.renewRetryAt ?? 0)) return (inUse = t);
    return (inUse = await replaceToken(t ?? null, renew));
  }

  // ---- one upstream call, through the rate ---------------------------------------------

  /**
   * `signal` aborts when no console waits for this answer any more: the wait for a rate slot
   * ends there, so no slot of the platform's rate goes to a call nobody reads. A call already
   * sent goes on (its slot is spent; its answer may still be cached).
   */
  async function callUpstream(route, upstreamPath, ctx, signal) {
    let t = await token(); // a first login (or its failure) before the queue: it takes no slot of the rate
    for (let attempt = 1; ; attempt += 1) {
      let permit;
      try {
        permit = await store.limiter.acquire({ maxWaitMs: o.maxWaitMs, signal });
      } catch (err) {
        if (err instanceof RateLimited && !closed) {
          metrics.throttled.inc({ source: "gateway" });
          const seconds = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
          const why =
            err.reason === "store-hold"
              ? "The gateway lost its shared store (Redis) and holds its calls until those the fleet may have sent before are out of the platform's window"
              : `Too many requests for the platform's rate (${o.rate.calls} per ${o.rate.perMs} ms)`;
          throw new GatewayAnswer(429, THROTTLED, `${why}; retry after ${seconds} s.`, { "retry-after": String(seconds) });
        }
        if (err instanceof ConsolesGone) {
          metrics.abandoned.inc(); // once per call (however many consoles had waited for it)
          log.info({ event: "abandoned", route, attempt }, attempt === 1 ? "every console waiting for this answer left before its call had a rate slot: not sent" : "every console waiting for this answer left before the call's retry (after a new login) had a rate slot: not sent again");
        }
        throw err;
      }
      try {
        // The token current now that the slot is ours (one renewed during the wait replaced
        // it), read, not renewed: a renewal is another call to the platform, made before the
        // queue (above), not while a slot of the rate is held — unless the token ran out
        // during the wait, and none replaced it: a call never goes out with an expired token.
        const stored = await store.token.current();
        if (stored?.accessToken && now() < stored.expiresAt) t = inUse = stored;
        else if (now() >= t.expiresAt) t = await token();
      } catch (err) {
        permit.release();
        throw err;
      }
      const started = performance.now();
      let answer;
      try {
        answer = await upstream.get(upstreamPath, { token: t.accessToken });
      } catch (err) {
        metrics.upstreamCalls.inc({ route, status: "0" });
        const why = err?.code === "GW_BODY_TOO_LARGE" ? err.message : upstream.describe(err);
        log.warn({ event: "upstream", route, code: err?.code ?? err?.cause?.code ?? null }, `platform call failed: ${why}`);
        throw new GatewayAnswer(502, "GW.UPSTREAM", `The gateway could not get an answer from the platform: ${why}.`);
      } finally {
        permit.release();
        ctx.upstreamMs = Math.round((performance.now() - started) * 10) / 10;
      }
      metrics.upstreamCalls.inc({ route, status: String(answer.status) });
      metrics.upstreamSeconds.observe({ route }, ctx.upstreamMs / 1000);
      const code = platformCode(answer);
      if (code === INVALID_TOKEN) {
        // A fresh token refused too is marked in the token record (refusedUntil, so every replica
        // sharing the store sees it): until then no replica logs in for it.
        const backingOff = typeof t.refusedUntil === "number" && now() < t.refusedUntil;
        if (attempt === 1 && !backingOff) {
          log.warn({ event: "token_rejected", route }, "the platform rejected the token; logging in again");
          t = await replaceToken(t, relogin);
          continue;
        }
        if (!backingOff) {
          const marked = { ...t, refusedUntil: now() + BACKOFF_MS };
          t = await store.token.replace(t, async () => marked).then((r) => r ?? marked, () => marked); // a store failing here: the answer all the same
        }
        const retryInMs = Math.max(0, (t.refusedUntil ?? now()) - now());
        log.warn({ event: "token_rejected", route, retryInMs }, "the platform refused a token obtained moments ago; no new login before the backoff ends");
        throw new GatewayAnswer(502, "GW.UPSTREAM_AUTH", "The platform refused the gateway's fresh token (1010005): check the gateway's app id.");
      }
      if (code === THROTTLED || answer.status === 429) {
        metrics.throttled.inc({ source: "platform" });
        log.warn({ event: "platform_throttled", route }, "the platform throttled a call (is another process using the same app?)");
      }
      answer.code = code;
      return scrubAnswer(answer, t, route);
    }
  }

  /**
   * The consoles waiting for each upstream path's answer (requests coalesce on it): when the last
   * of them disconnects before the answer, the call's wait for the rate is aborted.
   * @type {Map<string, { count: number, controller: AbortController }>}
   */
  const waiting = new Map();

  /** Counts `res` as waiting for `key`'s answer until it is answered or gone: `{ signal, done() }`. */
  function joinWaiters(key, res) {
    let w = waiting.get(key);
    if (!w) waiting.set(key, (w = { count: 0, controller: new AbortController() }));
    w.count += 1;
    let counted = true;
    const leave = () => {
      if (!counted) return;
      counted = false;
      res.off("close", onClose);
      w.count -= 1;
      if (w.count > 0) return false;
      if (waiting.get(key) === w) waiting.delete(key);
      return true;
    };
    const onClose = () => {
      if (!res.writableFinished && leave()) w.controller.abort(new ConsolesGone());
    };
    res.on("close", onClose);
    return { signal: w.controller.signal, done: leave };
  }

  /** The answer for `match` through the store (cached, coalesced or loaded), while `res` waits for it. */
  async function answerFor(match, res, ctx) {
    // A request joining a load whose consoles all left just now gets that load's ConsolesGone: it
    // asks again (a new load, its own wait).
    for (let round = 1; ; round += 1) {
      const interest = joinWaiters(match.upstreamPath, res);
      try {
        return await store.responses.load(match.upstreamPath, o.cacheMs, () => callUpstream(match.route, match.upstreamPath, ctx, interest.signal), cacheable);
      } catch (err) {
        if (!(err instanceof ConsolesGone) || res.destroyed || round === 3) throw err;
      } finally {
        interest.done();
      }
    }
  }

  const cacheable = (a) => (a.status === 200 && a.code === null) || a.code === NOT_FOUND || (a.status === 404 && a.code === null);

  // ---- downstream ----------------------------------------------------------------------

  /** Each request's context, for the headers every answer of the gateway's own carries. */
  const contexts = new WeakMap();

  /** An answer of the gateway's: with the request id and the CORS headers (none on a request passed on with next()). */
  function send(res, status, headers, body) {
    if (res.headersSent || res.destroyed) return;
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const ctx = contexts.get(res);
    const own = ctx ? { "x-request-id": ctx.id, ...ctx.cors } : {};
    res.writeHead(status, { ...own, "cache-control": "no-store", ...DATA_ONLY_HEADERS, ...headers, "content-length": buf.length });
    res.end(buf);
  }

  function sendError(res, status, code, desc, headers = {}) {
    send(res, status, { "content-type": JSON_TYPE, ...headers }, JSON.stringify({ error_code: code, error_desc: scrub(desc) }));
  }

  function headerBytes(req) {
    let n = 0;
    for (const part of req.rawHeaders) n += Buffer.byteLength(part) + 2;
    return n;
  }

  /** Authorization: Bearer <console key> (constant time over every key), else the hook. */
  async function authorized(req) {
    const auth = req.headers.authorization;
    const m = typeof auth === "string" ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth) : null;
    if (m && keyDigests.length > 0) {
      const d = sha(m[1]);
      let ok = false;
      for (const k of keyDigests) ok = timingSafeEqual(d, k) || ok;
      if (ok) return true;
    }
    if (o.authorize) {
      try {
        return (await o.authorize(req)) === true;
      } catch (err) {
        log.error({ event: "authorize", err: scrub(err?.message ?? err) }, "the authorize hook threw; refusing the request");
        return false;
      }
    }
    return false;
  }

  /** The CORS headers of the gateway's answers to this request (kept in ctx.cors); false when the origin is not allowed. */
  function cors(req, ctx) {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    ctx.cors = { vary: "Origin" };
    if (!o.origins.includes(origin)) return false;
    ctx.cors = { vary: "Origin", "access-control-allow-origin": origin, "access-control-expose-headers": EXPOSE_HEADERS };
    return true;
  }

  /** A request that is not the gateway's, as middleware: the app's next handler answers (and logs) it. */
  function passOn(ctx, next) {
    ctx.passed = true;
    return next();
  }

  async function handle(req, res, next, ctx) {
    const url = req.url ?? "";
    const cut = url.search(/[?#]/);
    const path = cut < 0 ? url : url.slice(0, cut);
    // As middleware, a request that is not the gateway's goes on before any of its own limits apply.
    if (typeof next === "function" && !gatewayPath(path)) return passOn(ctx, next);
    if (Buffer.byteLength(url) > o.maxUrlBytes) return sendError(res, 414, "GW.URI_TOO_LONG", `The request URL is longer than ${o.maxUrlBytes} bytes.`);
    if (headerBytes(req) > o.maxHeaderBytes) return sendError(res, 431, "GW.HEADERS_TOO_LARGE", `The request headers are larger than ${o.maxHeaderBytes} bytes.`);
    if (!url.startsWith("/")) return sendError(res, 400, "GW.BAD_REQUEST", "The request target must be an absolute path.");
    // A fragment never travels in HTTP (RFC 9110 §4.2.4): a raw '#' is refused rather than read as
    // the end of the path or query, which another hop in front of the gateway might read otherwise.
    if (url.includes("#")) return sendError(res, 400, "GW.BAD_REQUEST", "The request target must not hold a raw '#' (percent-encode it as %23).");
    const query = cut < 0 ? "" : url.slice(cut + 1);
    const originOk = cors(req, ctx);

    if (path === "/healthz" || path === "/metrics") {
      ctx.route = path.slice(1);
      if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, "GW.METHOD", "Use GET here.", { allow: "GET, HEAD" });
      if (path === "/healthz") {
        const t = await store.token.current();
        return send(res, closed ? 503 : 200, { "content-type": JSON_TYPE }, JSON.stringify({ status: closed ? "closing" : "ok", store: store.kind ?? "custom", ...(store.state ? { storeState: store.state() } : {}), loggedIn: Boolean(t && t.expiresAt > now()), queueDepth: store.limiter.depth() }));
      }
      return send(res, 200, { "content-type": metrics.registry.contentType }, await metrics.registry.metrics());
    }

    const preflight = () => send(res, 204, { "access-control-allow-methods": "GET, OPTIONS", "access-control-allow-headers": ALLOW_HEADERS, "access-control-max-age": "600", allow: "GET, OPTIONS" }, "");
    // A browser's preflight for a request the gateway will refuse itself (a bad id, no such
    // route) gets its 204 too: the browser then sends the request and shows the gateway's own
    // answer, not a CORS failure that reads as "no answer".
    const refusedPreflight = req.method === "OPTIONS" && req.headers.origin !== undefined && originOk;
    const match = matchRoute(path, query);
    const refusedId = match ? null : refusedIdRoute(path);
    if (refusedId !== null) {
      ctx.route = refusedId;
      if (refusedPreflight) return preflight();
      return sendError(res, 400, "GW.BAD_ID", "The operation id cannot travel through the gateway as one path segment: once decoded it holds '/', '\\', '%' or a control character, is '.' or '..', or is over 256 characters (or it is not valid percent-encoding).");
    }
    if (!match) {
      if (typeof next === "function") return passOn(ctx, next);
      ctx.route = "none";
      if (refusedPreflight) return preflight();
      return sendError(res, 404, "GW.NO_ROUTE", "No such route on the gateway: it forwards only the read-only task routes (GET /iodm/northbound/v1.5.0/operations[/{id}[/subOperations]]).");
    }
    ctx.route = match.route;
    ctx.path = match.upstreamPath.split("?")[0];
    if (!originOk) return sendError(res, 403, "GW.ORIGIN", "This origin is not in the gateway's --origin list.");
    if (req.method === "OPTIONS") return preflight();
    if (req.method !== "GET") return sendError(res, 405, "GW.METHOD", `${req.method} is not allowed: the gateway forwards only GET.`, { allow: "GET, OPTIONS" });
    const length = req.headers["content-length"];
    if ((length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined) {
      return sendError(res, 400, "GW.BODY", "A GET request must not carry a body.");
    }
    let authorizations = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === "authorization") authorizations += 1;
    if (authorizations > 1) return sendError(res, 400, "GW.BAD_REQUEST", "Send exactly one Authorization header.");
    if (!(await authorized(req))) {
      return sendError(res, 401, INVALID_TOKEN, REFUSED, { "www-authenticate": 'Bearer realm="iot-upgrade-task-gateway"' });
    }
    if (closed) return sendError(res, 503, ...CLOSING);

    const { answer, source } = await answerFor(match, res, ctx);
    ctx.cache = source;
    metrics.cache.inc({ result: source });
    const headers = { "content-type": relayedType(answer.headers["content-type"]), "x-gateway-cache": source };
    if (answer.headers["retry-after"]) headers["retry-after"] = answer.headers["retry-after"];
    return send(res, answer.status, headers, answer.body);
  }

  async function handler(req, res, next) {
    const started = performance.now();
    const ctx = { id: randomUUID(), passed: false, route: "none", path: null, cache: null, upstreamMs: null, cors: {} };
    contexts.set(res, ctx);
    res.on("close", () => {
      if (ctx.passed) return;
      const status = res.writableFinished ? res.statusCode : 0;
      metrics.requests.inc({ route: ctx.route, status: String(status) });
      log.info(
        { reqId: ctx.id, method: req.method, route: ctx.route, path: ctx.path, status, ms: Math.round((performance.now() - started) * 10) / 10, upstreamMs: ctx.upstreamMs, cache: ctx.cache },
        "request",
      );
    });
    try {
      await handle(req, res, next, ctx);
    } catch (err) {
      // Closing ends what is still running (a store that is closed refuses, the queue is emptied): say so, whatever the error.
      if (closed) {
        if (!(err instanceof GatewayAnswer || err instanceof RateLimited)) log.info({ reqId: ctx.id, err: scrub(err?.message ?? err) }, "a request in flight was ended by the shutdown");
        return sendError(res, 503, ...CLOSING);
      }
      if (err instanceof GatewayAnswer) return sendError(res, err.status, err.code, err.message, err.headers);
      // This console left (the call was counted and logged where its wait ended); one still
      // connected here (answerFor gave up asking again) is told to retry.
      if (err instanceof ConsolesGone) return sendError(res, 503, "GW.RETRY", "The call for this answer was abandoned by the consoles waiting for it; retry.", { "retry-after": "1" });
      log.error({ reqId: ctx.id, err: scrub(err?.stack ?? err) }, "unexpected failure");
      sendError(res, 500, "GW.INTERNAL", "The gateway failed unexpectedly; see its log.");
    }
  }

  handler.close = async () => {
    if (closed) return;
    closed = true;
    // The platform calls end first (a login among them), then the store, which gives back the
    // leases they held (the Redis store's token lock).
    await upstream.close();
    if (ownStore) await store.close();
    log.flush?.();
  };
  handler.metrics = metrics.registry;
  handler.store = store;
  handler.logger = log;
  return handler;
}
