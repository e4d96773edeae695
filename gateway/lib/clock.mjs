// The gateway's one clock: every time-dependent decision (token expiry and refresh, cache
// freshness, the rate window, its queue wake-ups and wait deadlines, Retry-After) reads
// `clock.now()` and waits through `clock.setTimeout`, so a test can drive them all from one
// virtual clock (shared with the platform simulator) instead of the wall.
//
//   clock = { now(): number, setTimeout(callback, ms): handle, clearTimeout(handle): void }
//
// The default is the wall: Date.now and Node's timers. Waits that poll something outside the
// process in real time (Redis reconnecting, another replica's lock or answer) stay on real timers.

/** The real clock: epoch ms and Node's own timers. */
export const REAL_CLOCK = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
});

/** The clocks clockOf made (checked, with functions callable unbound): handed on as they are. */
const checked = new WeakSet([REAL_CLOCK]);

/** @template {typeof REAL_CLOCK} C @param {C} clock @returns {{ clock: C }} */
const made = (clock) => {
  checked.add(clock);
  return { clock };
};

/**
 * The clock of an options object: `clock` (now + timers), or `now` alone (a time source with
 * real timers, as before `clock` existed), else the real clock. Returns an error message or a clock.
 * @param {{ clock?: unknown, now?: unknown }} o
 * @returns {{ clock: typeof REAL_CLOCK } | { error: string }}
 */
export function clockOf(o) {
  const { clock, now } = o ?? {};
  if (clock !== undefined && now !== undefined) return { error: "give clock or now, not both (clock.now is the time source)" };
  if (now !== undefined) {
    if (typeof now !== "function") return { error: "now must be a function returning epoch milliseconds" };
    return made({ ...REAL_CLOCK, now });
  }
  if (clock === undefined) return { clock: REAL_CLOCK };
  // The gateway hands its checked clock on to its store and the store to its limiter.
  if (checked.has(clock)) return { clock };
  if (clock === null || typeof clock !== "object" || typeof clock.now !== "function") return { error: "clock must be an object with now() (epoch ms) and, optionally, setTimeout(callback, ms) and clearTimeout(handle)" };
  const timers = [typeof clock.setTimeout, typeof clock.clearTimeout];
  if (timers.includes("function") && !timers.every((t) => t === "function")) return { error: "clock.setTimeout and clock.clearTimeout go together" };
  if (timers.some((t) => t !== "function" && t !== "undefined")) return { error: "clock.setTimeout and clock.clearTimeout must be functions" };
  return made(
    timers[0] === "function"
      ? { now: () => clock.now(), setTimeout: (callback, ms) => clock.setTimeout(callback, ms), clearTimeout: (handle) => clock.clearTimeout(handle) }
      : { ...REAL_CLOCK, now: () => clock.now() },
  );
}

/** clockOf for the stores' options: throws a TypeError naming `who`. */
export function storeClock(who, o) {
  const c = clockOf(o);
  if ("error" in c) throw new TypeError(`${who}: ${c.error}`);
  return c.clock;
}
