// The gateway's shared state behind one small interface, so that a store shared by several
// replicas (Redis: a token under a lease lock, a sliding-window limiter, a response cache with
// cross-replica coalescing) can replace this in-memory one without touching the gateway.
//
// A store has three parts (see index.d.mts, `GatewayStore`):
//
//   token.current()                 → the platform token record, or null
//   token.replace(stale, obtain)    → single-flight: when the stored record is still `stale`
//                                     (same accessToken, or both null), runs `obtain(stale)` under
//                                     the store's lock and stores its result; otherwise returns
//                                     what another caller stored meanwhile. Never two in flight.
//   limiter.acquire({ maxWaitMs, signal }) → a permit; rejects with RateLimited after maxWaitMs,
//                                     or with the signal's reason once it aborts (the caller left)
//   permit.release()                → the call's answer arrived: it keeps its place in the window
//                                     until `perMs` after now (as the platform counts it)
//   limiter.depth()                 → callers waiting
//   responses.load(key, ttlMs, load, cacheable) → coalesced, cached answer of `load()`
//   close()

import { storeClock } from "./clock.mjs";

/** Thrown by `limiter.acquire` when no slot frees within the caller's wait. */
export class RateLimited extends Error {
  /**
   * @param {number} retryAfterMs when a slot is expected to be free again
   * @param {"rate" | "store-hold"} [reason] what holds the call: the rate's window ("rate"), or a
   *   shared store's fallback holding every call until what the fleet may have sent before is out ("store-hold")
   */
  constructor(retryAfterMs, reason = "rate") {
    const seconds = Math.ceil(retryAfterMs / 1000);
    super(reason === "store-hold" ? `the gateway lost its shared store and holds its calls; retry in ${seconds} s` : `the platform's rate is used up; retry in ${seconds} s`);
    this.name = "RateLimited";
    this.retryAfterMs = retryAfterMs;
    this.reason = reason;
  }
}

/** One token for the process; `replace` is single-flight. */
function memoryTokenSlot() {
  let record = null;
  let pending = null;
  const same = (a, b) => (a === null || a === undefined ? b === null || b === undefined : b !== null && b !== undefined && a.accessToken === b.accessToken);
  return {
    async current() {
      return record;
    },
    async replace(stale, obtain) {
      if (pending) return pending;
      if (!same(record, stale)) return record;
      pending = (async () => {
        try {
          record = await obtain(record);
          return record;
        } finally {
          pending = null;
        }
      })();
      return pending;
    },
    async clear() {
      record = null;
    },
  };
}

/**
 * The platform's rate as the platform counts it: at most `calls` calls in any `perMs` window,
 * where a call occupies the window from when it is sent until `perMs` after its answer arrives.
 * Waiters are served strictly in arrival order (a fair queue). Time (the window, the wake-ups,
 * each waiter's deadline) is the clock's.
 * @param {{ calls: number, perMs: number, clock: { now(): number, setTimeout(cb: () => void, ms: number): unknown, clearTimeout(h: unknown): void } }} o
 */
export function memoryLimiter({ calls, perMs, clock }) {
  const now = clock.now;
  let inFlight = 0;
  /** answer times of finished calls still inside the window, oldest first */
  const answered = [];
  /** @type {{ grant: () => void, timer: unknown }[]} */
  const queue = [];
  let wake = null;
  let closed = false;

  const prune = (t) => {
    while (answered.length > 0 && answered[0] <= t - perMs) answered.shift();
  };
  const free = (t) => {
    prune(t);
    return calls - inFlight - answered.length;
  };
  /** When the `n`-th (1-based) slot from now is expected to free (in-flight calls counted as answering now). */
  const etaMs = (n) => {
    const t = now();
    prune(t);
    const f = calls - inFlight - answered.length;
    if (f >= n) return 0;
    const idx = n - f - 1;
    if (idx < answered.length) return Math.max(0, answered[idx] + perMs - t);
    return perMs; // behind calls still in flight: at least a window after their answers
  };

  function schedule() {
    if (wake) {
      clock.clearTimeout(wake);
      wake = null;
    }
    if (queue.length === 0 || answered.length === 0) return; // in-flight calls wake us on release
    const t = now();
    const delay = Math.max(0, answered[0] + perMs - t) + 1;
    wake = clock.setTimeout(() => {
      wake = null;
      pump();
    }, delay);
    wake.unref?.();
  }

  function pump() {
    while (queue.length > 0 && free(now()) > 0) {
      const w = queue.shift();
      if (w.timer) clock.clearTimeout(w.timer);
      inFlight += 1;
      w.grant();
    }
    schedule();
  }

  function permit() {
    let done = false;
    return {
      release() {
        if (done) return;
        done = true;
        inFlight -= 1;
        answered.push(now());
        pump();
      },
    };
  }

  return {
    calls,
    perMs,
    acquire({ maxWaitMs = 10000, signal } = {}) {
      if (signal?.aborted) return Promise.reject(signal.reason ?? new Error("aborted"));
      if (queue.length === 0 && free(now()) > 0) {
        inFlight += 1;
        return Promise.resolve(permit());
      }
      // Certain to wait longer than allowed (the slot this caller would get frees later): say so now.
      const eta = etaMs(queue.length + 1);
      if (closed || maxWaitMs <= 0 || eta > maxWaitMs) return Promise.reject(new RateLimited(Math.max(1000, eta)));
      return new Promise((resolve, reject) => {
        const w = {
          timer: null,
          grant: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve(permit());
          },
          refuse: (err) => {
            signal?.removeEventListener("abort", onAbort);
            reject(err);
          },
          /** Hands the caller over to another limiter (see drain). */
          handOver: (other) => {
            signal?.removeEventListener("abort", onAbort);
            other.then(resolve, reject);
          },
          deadline: now() + maxWaitMs,
          signal,
        };
        const leave = () => {
          const i = queue.indexOf(w);
          if (i >= 0) queue.splice(i, 1);
          signal?.removeEventListener("abort", onAbort);
          if (w.timer) clock.clearTimeout(w.timer);
        };
        const onAbort = () => {
          leave();
          reject(signal.reason ?? new Error("aborted"));
        };
        w.timer = clock.setTimeout(() => {
          const position = queue.indexOf(w) + 1;
          leave();
          reject(new RateLimited(Math.max(1000, etaMs(position))));
        }, maxWaitMs);
        queue.push(w);
        signal?.addEventListener("abort", onAbort, { once: true });
        // pump, not only schedule: a slot may have freed just now, before its wake-up fired
        // (the wake-up this replaces); the head of the queue takes it, this caller waits behind.
        pump();
      });
    },
    /**
     * Takes every waiter out of this limiter: `to(remainingWaitMs, signal)` must return the promise
     * of a permit from elsewhere (a shared store taking over again), which the waiter then gets.
     */
    drain(to) {
      for (const w of queue.splice(0)) {
        if (w.timer) clock.clearTimeout(w.timer);
        w.handOver(to(Math.max(0, w.deadline - now()), w.signal));
      }
      schedule();
    },
    /** Counts calls this limiter did not make (e.g. before a switch to it) until the given times. */
    seed(stopTimes) {
      for (const stop of stopTimes) answered.push(stop - perMs);
      answered.sort((a, b) => a - b);
      schedule();
    },
    depth: () => queue.length,
    /** Calls counted in the window now (in flight + answered within perMs). */
    used: () => {
      prune(now());
      return inFlight + answered.length;
    },
    /** Stops the timers; whoever still waits is refused at once (nobody hangs on a closed gateway). */
    close() {
      closed = true;
      if (wake) clock.clearTimeout(wake);
      for (const w of queue.splice(0)) {
        if (w.timer) clock.clearTimeout(w.timer);
        w.refuse(new RateLimited(1000));
      }
    },
  };
}

/** The cache looks for answers past their time at most this often (an answer is let go at most this late). */
const SWEEP_EVERY_MS = 1000;

/**
 * Answers by key: one `load()` in flight per key (everyone asking meanwhile shares it), and the
 * answer kept for `ttlMs` when `cacheable(answer)`. An answer is let go within SWEEP_EVERY_MS
 * after its time, whether or not anything is asked meanwhile (a timer on `clock`, one at a time).
 * @param {{ clock: { now(): number, setTimeout(cb: () => void, ms: number): unknown, clearTimeout(h: unknown): void }, maxEntries?: number }} o
 */
export function memoryResponses({ clock, maxEntries = 10000 }) {
  const now = () => clock.now();
  /** @type {Map<string, { answer: unknown, expiresAt: number }>} */
  const cache = new Map();
  /** @type {Map<string, Promise<unknown>>} */
  const inflight = new Map();
  let timer = null;
  let timerAt = Infinity;
  let closed = false;
  /** Drops the answers past their time; wakes again for the next one to expire. */
  const sweep = () => {
    timer = null;
    timerAt = Infinity;
    const t = now();
    let next = Infinity;
    for (const [k, v] of cache) {
      if (v.expiresAt <= t) cache.delete(k);
      else next = Math.min(next, v.expiresAt);
    }
    if (next !== Infinity) wakeAt(Math.max(next, t + SWEEP_EVERY_MS));
  };
  const wakeAt = (at) => {
    if (closed || at >= timerAt) return;
    if (timer !== null) clock.clearTimeout(timer);
    timerAt = at;
    timer = clock.setTimeout(sweep, Math.max(0, at - now()));
    timer?.unref?.(); // a real timer: the cache alone keeps no process alive
  };
  return {
    /** @returns {Promise<{ answer: unknown, source: "hit" | "coalesced" | "miss" }>} */
    async load(key, ttlMs, load, cacheable) {
      const t = now();
      const hit = cache.get(key);
      if (hit && hit.expiresAt > t) return { answer: hit.answer, source: "hit" };
      if (hit) cache.delete(key);
      const shared = inflight.get(key);
      if (shared) return { answer: await shared, source: "coalesced" };
      const p = (async () => {
        try {
          const answer = await load();
          if (ttlMs > 0 && cacheable(answer)) {
            if (cache.size >= maxEntries) cache.delete(cache.keys().next().value); // the oldest
            const expiresAt = now() + ttlMs;
            cache.set(key, { answer, expiresAt });
            wakeAt(expiresAt);
          }
          return answer;
        } finally {
          inflight.delete(key);
        }
      })();
      inflight.set(key, p);
      return { answer: await p, source: "miss" };
    },
    size: () => cache.size,
    clear: () => cache.clear(),
    /** Stops the timer and lets every answer go. */
    close() {
      closed = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      cache.clear();
    },
  };
}

/**
 * The default store: everything in this process, on one clock (`clock`, or `now` alone with real
 * timers; default the wall).
 * @param {{ rate: { calls: number, perMs: number }, clock?: { now(): number, setTimeout?(cb: () => void, ms: number): unknown, clearTimeout?(h: unknown): void }, now?: () => number }} o
 */
export function createMemoryStore({ rate, clock, now }) {
  const c = storeClock("createMemoryStore", { clock, now });
  const limiter = memoryLimiter({ ...rate, clock: c });
  const responses = memoryResponses({ clock: c });
  return {
    kind: "memory",
    token: memoryTokenSlot(),
    limiter,
    responses,
    async close() {
      limiter.close();
      responses.close();
    },
  };
}
