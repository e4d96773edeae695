// A clock for the platform simulator that the test moves, not the wall: the simulator reads
// time only through its `clock` option (progress, token expiry, throttle window, log times), so
// a test driven by this clock passes the same way on an idle and on a saturated machine.
// (Not a test file itself.)

/**
 * Virtual time in ms. It stands still until the test calls `advance`, and with `perRequestMs`
 * it also moves by that step after every northbound request the simulator answers (through the
 * simulator's `log` hook): then "time" is counted in requests, so a poller sees the same
 * sequence of states however slowly the machine runs it.
 *
 *   const clock = simClock({ perRequestMs: 100 });
 *   const sim = await startSimulator({ ...clock.options, progressMs: 1500 });
 */
export function simClock({ start = Date.now(), perRequestMs = 0 } = {}) {
  let now = start;
  const clock = {
    /** The current virtual time (ms). */
    now: () => now,
    /** Moves the clock forward by `ms`. */
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`simClock: cannot go back in time (${ms} ms)`);
      now += ms;
      return now;
    },
    /** Northbound requests answered so far (each moved the clock by perRequestMs). */
    requests: 0,
    /** Spread into startSimulator's options. */
    options: {
      clock: () => now,
      ...(perRequestMs > 0
        ? {
            log: () => {
              clock.requests += 1;
              now += perRequestMs;
            },
          }
        : {}),
    },
  };
  return clock;
}
