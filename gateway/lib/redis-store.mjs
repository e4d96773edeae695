// A GatewayStore shared by several gateway replicas through Redis (node-redis), so that they act
// as one client of the platform: one token (login and refresh under a lease lock), one sliding
// window for the app's rate (a Lua script), one response cache with cross-replica coalescing.
//
// Keys (namespace `iotgw:<sha256(upstream + app id), 16 hex>`):
//   :token        the platform token record (JSON), PX = its remaining lifetime — the only secret
//                 stored, in clear, as any token cache; protect Redis accordingly
//   :token-lock   owner id, SET NX PX leaseMs; released only by its owner (compare-and-delete)
//   :window       ZSET of calls; score = when the call stops counting (Redis time, ms): while in
//                 flight `sent + upstreamTimeoutMs + perMs`, after the answer `answered + perMs`
//   :answer:<k>   a cached answer (JSON), PX = cacheMs;  :answer-lock:<k>  its loader, short lease
//   :epoch        a random id, no TTL, set by whoever finds it missing: a replica that knew another
//                 one (or finds :window gone while its own calls still count in it) knows Redis lost
//                 the window (a restart, even a quick one, or an eviction) and writes it back
//
// Every command has a deadline (a frozen Redis keeps its socket open) and fails at once while the
// client is not ready (a user's client would queue it offline): both count as Redis failing.
// When Redis is unreachable (at start, or for more than `fallbackAfterMs` mid-run) each replica
// falls back to a local store with `floor(calls / replicas)` of the rate and the last token it
// saw. The platform's window does not reset with Redis, so the switch holds: the local window is
// seeded as full until every call the fleet may have made before the switch stops counting; on
// rejoin (Redis back, possibly empty) a replica first writes its own fallback calls into the shared
// window plus placeholders for what the other replicas may have spent meanwhile.

import { createHash, randomBytes } from "node:crypto";
import { createClient } from "redis";
import { storeClock } from "./clock.mjs";
import { RateLimited, createMemoryStore } from "./store.mjs";

/**
 * Lua: the window key (KEYS[1]) lives at least `ms` (a Lua expression) more. Only ever extended:
 * a shorter TTL than another script gave would drop entries that still count.
 */
const keepWindowFor = (ms) => `local keep = ${ms}
if redis.call('PTTL', KEYS[1]) < keep then redis.call('PEXPIRE', KEYS[1], keep) end`;

/**
 * KEYS window, epoch; ARGV calls (0: only check), id, inflightMs, the epoch known ('' if none),
 * this replica's latest own entry (Redis ms, 0 if none), a new epoch in case there is none.
 * {1, now, epoch} granted (also when id is in the window already: an earlier try that timed out
 * here but ran late), {0, now, epoch, first entry's end} full, {2, now, epoch} window lost.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local e = redis.call('GET', KEYS[2])
local lost = (ARGV[4] ~= '' and e ~= ARGV[4]) or (tonumber(ARGV[5]) > now + 200 and redis.call('EXISTS', KEYS[1]) == 0)
if not e then
  e = ARGV[6]
  redis.call('SET', KEYS[2], e)
end
if lost then return {2, now, e} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[1] ~= '0' and redis.call('ZSCORE', KEYS[1], ARGV[2]) then return {1, now, e} end
local n = redis.call('ZCARD', KEYS[1])
local until_ = now + tonumber(ARGV[3])
if n < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], until_, ARGV[2])
  ${keepWindowFor("tonumber(ARGV[3]) + 1000")}
  return {1, now, e}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, now, e, tonumber(first[2])}
`;

const RELEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
${keepWindowFor("tonumber(ARGV[2]) + 1000")}
return now
`;

/** The calls counting in the shared window now (on Redis' clock), for the metric: entries that stopped counting are not yet pruned. */
const WINDOW_CALLS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`;

/** A login pause: its value and the ms it has left (its TTL). */
const PAUSE_GET = `return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`;
/** Adds entries (id, stopsCountingAt in local ms, converted with the local→Redis offset) unless a larger one is there. */
const SEED = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local off = tonumber(ARGV[1])
local latest = now
for i = 2, #ARGV, 2 do
  local s = tonumber(ARGV[i + 1]) + off
  if s > now then
    redis.call('ZADD', KEYS[1], 'GT', s, ARGV[i])
    if s > latest then latest = s end
  end
end
${keepWindowFor("latest - now + 1000")}
return now
`;

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** The lock's owner keeps its lease while its login runs. */
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** KEYS lock, token: a token written back (SET NX) only while no other replica holds the lock (it may be logging in). */
const RESTORE = `local l = redis.call('GET', KEYS[1]) if l and l ~= ARGV[1] then return 0 end if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 1 end return 0`;
/** KEYS lock, token: the token is written only while ARGV[1] still holds the lock. */
const WRITE_IF_OWNER = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end`;

// Real time, on purpose: these waits poll what moves outside the process in real time (Redis
// reconnecting, another replica's lock or answer, the shared window on Redis' own clock). The
// decisions taken between polls (deadlines, the fallback's hold) read the gateway's clock.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A Redis command failed (as opposed to the work done between commands, e.g. a login). */
class RedisFailure extends Error {
  /** @param {number} [since] when the command was sent (a timeout: Redis failing since then) */
  constructor(cause, since) {
    super(`Redis: ${cause?.message ?? cause}`, { cause });
    this.name = "RedisFailure";
    this.since = since;
  }
}
/**
 * Redis refusing the gateway's credentials or their rights: WRONGPASS (wrong password or user),
 * NOAUTH (a password needed, none given), NOPERM (the ACL user may not run a command or touch a
 * key). Read from the error reply's code (its message, or a RedisFailure's cause), never the URL.
 */
function refusalOf(err) {
  for (let e = err, depth = 0; e && depth < 4; e = e.cause, depth++) {
    const m = /^(WRONGPASS|NOAUTH|NOPERM)\b/.exec(String(e?.message ?? ""));
    if (m) return m[1];
  }
  return null;
}
const same = (a, b) => (a === null || a === undefined ? b === null || b === undefined : b !== null && b !== undefined && a.accessToken === b.accessToken);

/** The namespace of an upstream + app id: one fleet per platform application. */
export function redisNamespace(upstream, appId) {
  return `iotgw:${createHash("sha256").update(`${upstream}\n${appId}`).digest("hex").slice(0, 16)}`;
}

/**
 * @param {{ redis: string | import("redis").RedisClientType, namespace: string, rate: { calls: number, perMs: number },
 *   replicas?: number, upstreamTimeoutMs: number, leaseMs?: number, fallbackAfterMs?: number,
 *   clock?: { now(): number, setTimeout?(cb: () => void, ms: number): unknown, clearTimeout?(h: unknown): void }, now?: () => number,
 *   log?: import("pino").Logger }} o
 */
export function createRedisStore(o) {
  const clock = storeClock("createRedisStore", { clock: o.clock, now: o.now });
  const now = clock.now;
  const { calls, perMs } = o.rate;
  const replicas = Math.max(1, o.replicas ?? 1);
  const share = Math.max(1, Math.floor(calls / replicas));
  const leaseMs = o.leaseMs ?? Math.max(5000, o.upstreamTimeoutMs + 2000);
  const inflightMs = o.upstreamTimeoutMs + perMs; // an unanswered call counts at most this long
  const fallbackAfterMs = o.fallbackAfterMs ?? 2000;
  /** A command unanswered this long has failed (loopback or LAN Redis answers in about a ms). */
  const commandMs = Math.max(50, Math.min(1000, fallbackAfterMs));
  const ns = o.namespace;
  const keys = { token: `${ns}:token`, lock: `${ns}:token-lock`, loginPause: `${ns}:login-pause`, window: `${ns}:window`, epoch: `${ns}:epoch`, answer: (k) => `${ns}:answer:${k}`, answerLock: (k) => `${ns}:answer-lock:${k}` };
  const me = randomBytes(8).toString("hex");
  const log = o.log;
  const ownClient = typeof o.redis === "string";
  const client = ownClient
    ? createClient({ url: o.redis, disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy: (n) => Math.min(100 * 2 ** Math.min(n, 4), 1000) } })
    : o.redis;

  const local = createMemoryStore({ rate: { calls: share, perMs }, clock });
  const counters = { lockWaits: 0, budgetWaits: 0, fallbacks: 0, rejoins: 0 };
  /** local clock − Redis clock, from the last script reply */
  let offset = 0;
  let lastContact = 0;
  let downSince = null;
  let mode = "connecting"; // "shared" | "fallback" | "connecting"
  /** calls this replica made while in fallback: { id, stopAt (local ms) } */
  let fallbackCalls = [];
  /** this replica's calls in the shared window: id → when it stops counting (local ms), written back if Redis loses the window */
  const mine = new Map();
  /** the :epoch last seen ('' before the first) */
  let epoch = "";
  let seq = 0;
  let closed = false;
  let probe = null;
  let rejoining = null;
  /** Until then (local ms) the fallback holds every call (the last switch to it, see setMode). */
  let holdUntil = 0;
  /** Redis refused the gateway's credentials ("WRONGPASS" | "NOAUTH" | "NOPERM"), until a rejoin; null otherwise. */
  let refused = null;

  /** The refusal, at error level: once per refusal (node-redis reconnects and is refused again every second). */
  function logRefusal(from) {
    const rights = refused === "NOPERM" ? " and its ACL rights (the store runs GET, SET, DEL and Lua scripts on its keys)" : "";
    log?.error(
      { event: "store", state: "fallback", from, refused, holdMs: Math.max(0, holdUntil - now()) },
      `Redis refused the gateway's credentials (${refused}): check the store URL's password/user${rights}. Not transient: until it is fixed this replica keeps 1/${replicas} of the rate locally, without the other replicas`,
    );
  }

  function setMode(next, why) {
    if (mode === next) return;
    const before = mode;
    mode = next;
    if (next === "fallback") {
      counters.fallbacks += 1;
      // Everything the fleet may have sent before the switch still counts at the platform: hold
      // until the last of it (sent at the latest now, answered at the latest upstreamTimeoutMs later) is out.
      holdUntil = Math.max(now(), lastContact) + inflightMs;
      local.limiter.seed?.(Array.from({ length: share }, () => holdUntil));
      if (refused) logRefusal(before);
      else log?.warn({ event: "store", state: "fallback", from: before, holdMs: holdUntil - now(), reason: why }, `Redis unreachable: each replica now keeps 1/${replicas} of the rate locally`);
      probeLater();
    } else if (next === "shared" && before !== "connecting") {
      refused = null;
      counters.rejoins += 1;
      log?.warn({ event: "store", state: "shared", from: before }, "Redis is back: the replicas share one token, one rate and one cache again");
    } else if (next === "shared") {
      log?.info({ event: "store", state: "shared" }, "connected to Redis");
    }
  }

  function noteDown(err) {
    if (closed) return;
    const code = refusalOf(err);
    if (code && code !== refused) {
      refused = code;
      if (mode === "fallback") logRefusal(mode); // in the fallback already (Redis was away, came back refusing): said now
    }
    // A timeout: failing since the command was sent (but not before the last answer).
    if (downSince === null) downSince = Math.min(now(), Math.max(err?.since ?? now(), lastContact));
    if (mode === "connecting" || now() - downSince >= fallbackAfterMs) setMode("fallback", String(err?.message ?? err));
  }


  /** Back from fallback: our own fallback calls and placeholders for the others go into the shared window first. */
  async function rejoin() {
    if (mode === "fallback") {
      // The token this replica used meanwhile: kept if the fleet has none (the platform may still accept it).
      await restoreToken();
      // Placeholders for what the other replicas may still spend locally until they rejoin too.
      const t = now();
      const args = [];
      for (let i = 0; i < (replicas - 1) * share; i++) args.push(`fallback-other-${i}`, String(t + inflightMs + 2000));
      // Our own fallback calls, until none is left unwritten (calls may start while a round trip runs).
      for (;;) {
        const pending = fallbackCalls.filter((c) => !c.seeded && c.stopAt > now());
        if (pending.length === 0 && args.length === 0) break;
        for (const c of pending) args.push(c.id, String(c.stopAt));
        const redisNow = Number(await wc(() => client.eval(SEED, { keys: [keys.window], arguments: [String(Math.round(-offset)), ...args] })));
        offset = now() - redisNow;
        for (const c of pending) {
          c.seeded = true;
          remember(c.id, c.stopAt);
        }
        args.length = 0;
      }
      fallbackCalls = fallbackCalls.filter((c) => !c.seeded && c.stopAt > now()); // empty: checked just above, no await since
    }
    await syncWindow(); // a reconnect may be to a Redis that restarted meanwhile, empty
    lastContact = now();
    downSince = null;
    setMode("shared");
    // Whoever still waits in the local fallback now waits for the shared window instead.
    local.limiter.drain((maxWaitMs, signal) => limiter.acquire({ maxWaitMs, signal }));
  }

  function rejoinOnce() {
    rejoining ??= rejoin()
      .catch((err) => noteDown(err))
      .finally(() => {
        rejoining = null;
      });
    return rejoining;
  }

  /** In the fallback with the client still connected (a frozen Redis that thaws says no "ready"): try again now and then. */
  function probeLater() {
    if (probe || closed) return;
    probe = setTimeout(() => {
      probe = null;
      if (closed || mode !== "fallback") return;
      (client.isReady ? rejoinOnce() : Promise.resolve()).finally(() => {
        if (mode === "fallback") probeLater();
      });
    }, 500);
    probe.unref?.();
  }

  /**
   * Every Redis command goes through here (`send` sends it), so its failures are told apart from
   * the work's. It fails at once while the client is not ready, and after commandMs unanswered.
   */
  function rc(send) {
    const since = now();
    if (!client.isReady) return Promise.reject(new RedisFailure(new Error("Redis is not ready"), since));
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${commandMs} ms`)), commandMs);
    });
    return Promise.race([new Promise((r) => r(send())), late]).then(
      (v) => {
        clearTimeout(timer);
        return v;
      },
      (err) => {
        clearTimeout(timer);
        throw new RedisFailure(err, since);
      },
    );
  }

  /** A write (SET or a script): its success, not a read's, shows Redis is back (a read-only replica after a failover serves reads). */
  let writeFailing = false;
  function wc(send) {
    return rc(send).then(
      (v) => {
        writeFailing = false;
        downSince = null;
        return v;
      },
      (err) => {
        writeFailing = true;
        throw err;
      },
    );
  }

  /**
   * Runs `fn` on Redis. While connecting, or while Redis is briefly unreachable, it waits (at
   * most fallbackAfterMs, then the fallback takes over); in the fallback it runs `fallback()`.
   */
  async function shared(fn, fallback) {
    for (;;) {
      if (mode === "fallback") return fallback();
      if (mode === "shared" && client.isReady) {
        try {
          const v = await fn();
          lastContact = now();
          if (!writeFailing) downSince = null;
          return v;
        } catch (err) {
          if (!(err instanceof RedisFailure)) throw err;
          noteDown(err);
          continue;
        }
      }
      if (mode === "shared") noteDown(new Error("Redis is not ready"));
      if (closed) throw new RateLimited(1000);
      await sleep(50);
    }
  }

  // ---- token ---------------------------------------------------------------------------

  /** The shared token (mirrored locally), or null when Redis has none. */
  async function sharedToken() {
    const text = await rc(() => client.get(keys.token));
    if (!text) return null;
    const rec = JSON.parse(text);
    await mirror(rec);
    return rec;
  }
  async function readToken() {
    return (await sharedToken()) ?? restoreToken();
  }
  const ttlOf = (rec) => Math.max(1000, Math.round(rec.expiresAt - now()));
  /**
   * The token key gone while the token it mirrored still lives (Redis restarted, or evicted it):
   * written back, no new login. Not while another replica holds the lock (e.g. this replica's own
   * copy, never stored because its lease ran out): null, and the caller waits for that replica's.
   */
  async function restoreToken() {
    const rec = await local.token.current();
    if (!rec || rec.expiresAt <= now() + 1000) return null;
    const written = await wc(() => client.eval(RESTORE, { keys: [keys.lock, keys.token], arguments: [me, JSON.stringify(rec), String(ttlOf(rec))] }));
    if (Number(written) === 1) return rec;
    return sharedToken(); // another replica wrote one just now (or is logging in)
  }
  /**
   * The local slot follows the shared token record, so a fallback starts with it (no extra
   * login) and with its marks (renewRetryAt, refusedUntil: a record that differs only there is
   * copied too, or a fallback would forget a backoff the fleet holds).
   */
  async function mirror(rec) {
    const cur = await local.token.current();
    if (JSON.stringify(cur) !== JSON.stringify(rec)) await local.token.replace(cur, async () => rec);
  }

  /** The leases this replica holds now (the token lock, answer locks): close() gives them back. */
  const heldLocks = new Set();

  let pendingReplace = null;
  async function replaceShared(stale, obtain) {
    for (;;) {
      // Another replica's new token; none (it expired while we waited) counts as stale.
      const cur = await readToken();
      if (cur !== null && !same(cur, stale)) return cur;
      // Ours already: an earlier SET NX that timed out here but ran late on Redis took it.
      const got = (await wc(() => client.set(keys.lock, me, { NX: true, PX: leaseMs }))) || (await rc(() => client.get(keys.lock))) === me;
      if (got) {
        heldLocks.add(keys.lock);
        // The lease lasts while the work runs (a refresh, then a login: up to 2 × upstreamTimeoutMs).
        const keep = setInterval(() => wc(() => client.eval(EXTEND, { keys: [keys.lock], arguments: [me, String(leaseMs)] })).catch(() => {}), Math.max(50, Math.floor(leaseMs / 3)));
        keep.unref?.();
        try {
          const again = await readToken(); // someone finished just before we got the lock
          if (again !== null && !same(again, stale)) return again;
          const rec = await obtain(again);
          // Only while the lock is still ours (else another replica may be logging in). Redis lost
          // just now, or the lease with it: the new token still serves this replica (no second login).
          const written = await wc(() => client.eval(WRITE_IF_OWNER, { keys: [keys.lock, keys.token], arguments: [me, JSON.stringify(rec), String(ttlOf(rec))] })).catch((err) => noteDown(err));
          if (written === 0) log?.warn({ event: "store" }, "the login lease ran out before the new token was stored: it serves this replica only");
          await mirror(rec);
          return rec;
        } finally {
          clearInterval(keep);
          heldLocks.delete(keys.lock);
          await wc(() => client.eval(UNLOCK, { keys: [keys.lock], arguments: [me] })).catch(() => {});
        }
      }
      if (closed) throw new Error("the store is closed"); // the caller is answered 503 GW.CLOSING
      counters.lockWaits += 1;
      await sleep(100); // another replica is logging in: wait for its token (or for its lease to run out)
    }
  }

  const token = {
    current: () => shared(readToken, () => local.token.current()),
    replace(stale, obtain) {
      if (pendingReplace) return pendingReplace; // one per replica; the lock makes it one per fleet
      pendingReplace = shared(
        () => replaceShared(stale, obtain),
        () => local.token.replace(stale, obtain),
      ).finally(() => {
        pendingReplace = null;
      });
      return pendingReplace;
    },
  };

  /**
   * A failed login's pause, shared by the fleet (advisory: each replica keeps its own too, so a
   * Redis that is gone or slow only makes this answer null / do nothing). Its TTL is the pause:
   * no replica's clock is read.
   */
  const loginPause = {
    async get() {
      if (mode !== "shared") return null;
      try {
        const [text, leftMs] = await rc(() => client.eval(PAUSE_GET, { keys: [keys.loginPause], arguments: [] }));
        if (!text || !(Number(leftMs) > 0)) return null;
        const { why, delayMs } = JSON.parse(text);
        return typeof why === "string" && Number.isFinite(delayMs) ? { why, delayMs, leftMs: Number(leftMs) } : null;
      } catch {
        return null;
      }
    },
    async set({ why, delayMs }) {
      if (mode !== "shared") return;
      await wc(() => client.set(keys.loginPause, JSON.stringify({ why, delayMs }), { PX: Math.max(1, Math.round(delayMs)) })).catch(() => {});
    },
    async clear() {
      if (mode !== "shared") return;
      await wc(() => client.del(keys.loginPause)).catch(() => {});
    },
  };

  // ---- the shared window -------------------------------------------------------------------

  /** A local FIFO in front of the shared window: one waiter at a time asks Redis. */
  const queue = [];
  let pumping = false;

  function remember(id, stopAt) {
    mine.set(id, stopAt);
    if (mine.size > 2 * calls + 16) for (const [k, s] of mine) if (s <= now()) mine.delete(k);
  }

  /** ACQUIRE (n calls; "0" only checks): a lost window is written back first, then asked again. */
  async function acquireShared(n, id) {
    for (let round = 0; ; round++) {
      let latest = 0;
      for (const s of mine.values()) latest = Math.max(latest, s);
      const own = latest > now() ? String(Math.round(latest - offset)) : "0";
      const r = await wc(() => client.eval(ACQUIRE, { keys: [keys.window, keys.epoch], arguments: [n, id, String(inflightMs), epoch, own, randomBytes(8).toString("hex")] }));
      offset = now() - Number(r[1]);
      const lost = Number(r[0]) === 2;
      if (lost) await reseed();
      epoch = String(r[2]);
      if (!lost || round > 0) return r;
    }
  }

  /** After a reconnect: did Redis lose the window meanwhile? */
  async function syncWindow() {
    await acquireShared("0", "check");
  }

  /**
   * Redis lost the shared window (a restart, even a quick one, or an eviction) but the platform's
   * window goes on: this replica's calls that still count go back in, and (with other replicas)
   * placeholders fill the rest until whatever they sent before the loss stops counting; the
   * token goes back too (no new login).
   */
  async function reseed() {
    const t = now();
    const own = [...mine].filter(([, s]) => s > t);
    const others = replicas > 1 ? Math.max(0, calls - own.length) : 0;
    const args = [];
    for (const [id, s] of own) args.push(id, String(s));
    for (let i = 0; i < others; i++) args.push(`lost-${i}`, String(t + inflightMs));
    if (args.length > 0) await wc(() => client.eval(SEED, { keys: [keys.window], arguments: [String(Math.round(-offset)), ...args] }));
    if (!(await rc(() => client.get(keys.token)))) await restoreToken();
    log?.warn({ event: "store", state: "shared", rewritten: own.length, placeholders: others }, "Redis lost the shared window (restarted or evicted): written back");
  }

  async function tryShared(id) {
    const r = await acquireShared(String(calls), id);
    if (Number(r[0]) === 1) remember(id, now() + inflightMs);
    return Number(r[0]) === 1 ? { ok: true } : { ok: false, freeInMs: Math.max(1, Number(r[3]) - Number(r[1])) };
  }

  function sharedPermit(id) {
    let done = false;
    return {
      release() {
        if (done) return;
        done = true;
        const t = now();
        const stop = mine.get(id);
        if (stop !== undefined) mine.set(id, t < stop ? t + perMs : stop); // as RELEASE's ZADD XX
        wc(() => client.eval(RELEASE, { keys: [keys.window], arguments: [id, String(perMs)] })).catch(() => {
          // Redis gone: the entry keeps its in-flight score and stops counting later (safe)
        });
      },
    };
  }

  /**
   * A permit of the local fallback. The call is remembered (counting until an in-flight bound,
   * then until perMs after its answer) so that a rejoin writes it into the shared window; if the
   * replica rejoined while it was in flight, its answer time goes to Redis directly.
   */
  function localPermit(p) {
    const call = { id: `${me}:${++seq}`, stopAt: now() + inflightMs, seeded: false };
    fallbackCalls.push(call);
    if (fallbackCalls.length > 4 * share) fallbackCalls = fallbackCalls.filter((c) => c.stopAt > now());
    return {
      release() {
        p.release();
        call.stopAt = now() + perMs;
        if (call.seeded) {
          remember(call.id, call.stopAt);
          wc(() => client.eval(RELEASE, { keys: [keys.window], arguments: [call.id, String(perMs)] })).catch(() => {});
        }
      },
    };
  }

  /**
   * A permit of the local fallback. Refused while the switch's hold lasts: the hold is what
   * blocks (it fills the whole local share), and the refusal says so (not the platform's rate).
   */
  function localAcquire(maxWaitMs, signal) {
    return local.limiter.acquire({ maxWaitMs, signal }).then(localPermit, (err) => {
      if (err instanceof RateLimited && now() < holdUntil) throw new RateLimited(err.retryAfterMs, "store-hold");
      throw err;
    });
  }

  async function pump() {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0) {
        const w = queue[0];
        if (w.done) {
          queue.shift();
          continue;
        }
        if (mode === "connecting") {
          await sleep(50); // first contact with Redis under way (or the fallback about to start)
          if (now() > w.deadline) {
            queue.shift();
            w.refuse(new RateLimited(1000));
          }
          continue;
        }
        if (mode !== "shared") {
          // Fallback: the waiters go to the local limiter (their remaining wait carried over).
          queue.shift();
          const left = w.deadline - now();
          localAcquire(Math.max(0, left), w.signal).then(w.grant, w.refuse);
          continue;
        }
        // One id per waiter: a try that timed out but ran late granted it already (ACQUIRE sees the id).
        const id = (w.id ??= `${me}:${++seq}`);
        let r;
        try {
          r = await tryShared(id);
          lastContact = now();
        } catch (err) {
          noteDown(err);
          await sleep(50);
          if (now() > w.deadline && mode === "shared") {
            queue.shift(); // never past its deadline, whether or not the fallback starts
            w.refuse(new RateLimited(1000));
          }
          continue;
        }
        if (r.ok) {
          queue.shift();
          w.grant(sharedPermit(id));
          continue;
        }
        if (now() + r.freeInMs > w.deadline) {
          queue.shift();
          w.refuse(new RateLimited(Math.max(1000, r.freeInMs)));
          continue;
        }
        // A call that waits for the shared window: counted once, not at every poll below.
        if (!w.waited) {
          w.waited = true;
          counters.budgetWaits += 1;
        }
        await sleep(Math.min(r.freeInMs + 1, 250, Math.max(1, w.deadline - now())));
      }
    } finally {
      pumping = false;
    }
  }

  /** The shared window's count last read (see limiter.used). */
  let lastWindowCalls = 0;
  const limiter = {
    acquire({ maxWaitMs = 10000, signal } = {}) {
      if (closed) return Promise.reject(new RateLimited(1000));
      if (signal?.aborted) return Promise.reject(signal.reason ?? new Error("aborted"));
      if (mode === "fallback") return localAcquire(maxWaitMs, signal);
      return new Promise((resolve, reject) => {
        const w = { deadline: now() + maxWaitMs, done: false, signal };
        const end = (settle) => {
          signal?.removeEventListener("abort", onAbort);
          if (w.done) return false;
          w.done = true;
          settle();
          return true;
        };
        // A caller that left (its signal aborted) is out of the queue at once; a slot granted to it
        // in the same moment is given back (it still counts in the window: the safe side).
        w.grant = (p) => end(() => resolve(p)) || p.release();
        w.refuse = (e) => end(() => reject(e));
        const onAbort = () => end(() => reject(signal.reason ?? new Error("aborted")));
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(w);
        pump().catch((err) => log?.error({ event: "store", err: String(err?.message ?? err) }, "shared rate queue failed"));
      });
    },
    depth: () => queue.filter((w) => !w.done).length + local.limiter.depth(),
    /**
     * Calls counted in the window now: while shared, the shared window's (every replica's calls,
     * one read per call of this, i.e. per metrics scrape, none per request; the last count read
     * if Redis fails to answer); else the local window's (the fallback, its hold included).
     */
    used() {
      if (mode !== "shared") return local.limiter.used();
      return rc(() => client.eval(WINDOW_CALLS, { keys: [keys.window], arguments: [] })).then(
        (n) => (lastWindowCalls = Number(n)),
        () => lastWindowCalls,
      );
    },
  };

  // ---- the shared response cache ----------------------------------------------------------

  const inflight = new Map();
  const encode = (a) => JSON.stringify({ status: a.status, headers: a.headers, code: a.code, body: a.body.toString("base64") });
  const decode = (t) => {
    const v = JSON.parse(t);
    return { status: v.status, headers: v.headers, code: v.code, body: Buffer.from(v.body, "base64") };
  };
  const keyOf = (k) => createHash("sha256").update(k).digest("hex").slice(0, 32);

  async function loadShared(key, ttlMs, load, cacheable) {
    const k = keyOf(key);
    for (let waited = 0; ; ) {
      const hit = await rc(() => client.get(keys.answer(k)));
      if (hit) return { answer: decode(hit), source: waited > 0 ? "coalesced" : "hit" };
      if (ttlMs <= 0) break;
      const got = await wc(() => client.set(keys.answerLock(k), me, { NX: true, PX: Math.min(leaseMs, o.upstreamTimeoutMs + 1000) }));
      if (got) {
        heldLocks.add(keys.answerLock(k));
        try {
          // The loader before us may have finished between our miss and our lock.
          const late = await rc(() => client.get(keys.answer(k)));
          if (late) return { answer: decode(late), source: waited > 0 ? "coalesced" : "hit" };
          const answer = await load();
          if (cacheable(answer)) await wc(() => client.set(keys.answer(k), encode(answer), { PX: ttlMs })).catch((err) => noteDown(err));
          return { answer, source: "miss" };
        } finally {
          heldLocks.delete(keys.answerLock(k));
          await wc(() => client.eval(UNLOCK, { keys: [keys.answerLock(k)], arguments: [me] })).catch(() => {});
        }
      }
      if (closed) break; // load() fails at once: the gateway is closing
      // Another replica is loading it: wait for its answer (or its lock to go, then load ourselves).
      await sleep(20);
      waited += 20;
      if (waited > o.upstreamTimeoutMs + 2000) break;
    }
    return { answer: await load(), source: "miss" };
  }

  const responses = {
    async load(key, ttlMs, load, cacheable) {
      const mineInFlight = inflight.get(key); // one per replica first
      if (mineInFlight) return { answer: (await mineInFlight).answer, source: "coalesced" };
      const p = shared(
        () => loadShared(key, ttlMs, load, cacheable),
        () => local.responses.load(key, ttlMs, load, cacheable),
      ).finally(() => inflight.delete(key));
      inflight.set(key, p);
      return p;
    },
  };

  // Last, so everything the handlers use exists.
  client.on?.("error", (err) => noteDown(err)); // node-redis emits errors while it reconnects: never unhandled
  client.on?.("ready", () => {
    downSince = null;
    rejoinOnce();
  });
  client.on?.("end", () => noteDown(new Error("connection closed")));
  if (ownClient) client.connect().catch((err) => noteDown(err));
  else if (client.isReady) setMode("shared");

  return {
    get kind() {
      return `redis (${mode})`;
    },
    token,
    loginPause,
    limiter,
    responses,
    /** "shared", "fallback" or "connecting", Redis' refusal of the credentials (or null), and the counters, for metrics and /healthz. */
    state: () => ({ mode, refused, ...counters }),
    async close() {
      closed = true;
      clearTimeout(probe);
      for (const w of queue.splice(0)) if (!w.done) w.refuse(new RateLimited(1000));
      // A login or an answer the close ended (the gateway destroyed its platform calls first):
      // its lease goes back now, by owner (compare-and-delete), not at the end of its lease, which
      // the other replicas would wait out. The work's own release may still come; it finds none.
      await Promise.allSettled([...heldLocks].map((k) => wc(() => client.eval(UNLOCK, { keys: [k], arguments: [me] }))));
      heldLocks.clear();
      await local.close();
      if (ownClient) {
        // close() waits for the reply to every command sent, which a frozen Redis never gives
        // (nor to those rc() gave up on): commandMs for it, then the socket is dropped.
        let timer;
        const closing = new Promise((r) => r((client.close ?? client.quit).call(client))).then(
          () => true,
          () => true, // already gone
        );
        const done = await Promise.race([closing, new Promise((r) => (timer = setTimeout(() => r(false), commandMs)))]);
        clearTimeout(timer);
        if (!done) {
          try {
            client.destroy();
          } catch {
            // already gone
          }
        }
      }
    },
  };
}
