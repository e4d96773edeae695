// A clock for the platform simulator (and the gateway) that the test moves, not the wall: the
// simulator reads time only through its `clock` option (progress, token expiry, throttle window,
// log times), and the gateway through its `clock` option (token refresh, cache, rate window and
// its wake-ups), so a test driven by this clock passes the same way on an idle and on a
// saturated machine. (Not a test file itself.)

/**
 * Virtual time in ms. It stands still until the test calls `advance`, and with `perRequestMs`
 * it also moves by that step after every northbound request the simulator answers (through the
 * simulator's `log` hook): then "time" is counted in requests, so a poller sees the same
 * sequence of states however slowly the machine runs it.
 *
 * Its timers (`setTimeout` / `clearTimeout`, what the gateway's `clock` option takes) fire only
 * when the clock is moved past their time, in time order, each seeing `now()` at its own time.
 *
 *   const clock = simClock({ perRequestMs: 100 });
 *   const sim = await startSimulator({ ...clock.options, progressMs: 1500 });
 *   const gateway = createGateway({ ..., clock });
 */
export function simClock({ start = Date.now(), perRequestMs = 0 } = {}) {
  let now = start;
  let seq = 0;
  /** @type {Map<number, { at: number, seq: number, callback: () => void }>} */
  const timers = new Map();
  const moveTo = (target) => {
    for (;;) {
      let next = null;
      for (const t of timers.values()) if (t.at <= target && (next === null || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (next === null) break;
      timers.delete(next.seq);
      now = Math.max(now, next.at);
      next.callback();
    }
    now = target;
    return now;
  };
  const clock = {
    /** The current virtual time (ms). */
    now: () => now,
    /** Moves the clock forward by `ms`, firing the timers due on the way. */
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`simClock: cannot go back in time (${ms} ms)`);
      return moveTo(now + ms);
    },
    /** A timer on this clock: `callback` runs when the clock is moved `ms` (or more) ahead. */
    setTimeout(callback, ms) {
      seq += 1;
      timers.set(seq, { at: now + Math.max(0, Number(ms) || 0), seq, callback });
      return seq;
    },
    clearTimeout(handle) {
      timers.delete(handle);
    },
    /** Timers not yet fired. */
    pending: () => timers.size,
    /** Northbound requests answered so far (each moved the clock by perRequestMs). */
    requests: 0,
    /** Spread into startSimulator's options. */
    options: {
      clock: () => now,
      ...(perRequestMs > 0
        ? {
            log: () => {
              clock.requests += 1;
              moveTo(now + perRequestMs);
            },
          }
        : {}),
    },
  };
  return clock;
}
