// Flow control per app key: a sliding window.
//
// A call is accepted when fewer than `calls` calls of the same app key were
// accepted in the last `perMs` milliseconds; rejected calls are not counted,
// so a client that backs off is served again as soon as the oldest accepted
// call leaves the window.

export class Throttle {
  #calls;
  #perMs;
  #now;
  #log = new Map(); // app key → accepted-call timestamps, oldest first

  constructor({ calls, perMs }, now) {
    this.#calls = calls;
    this.#perMs = perMs;
    this.#now = now;
  }

  /** @returns {{ ok: true } | { ok: false, retryAfterMs: number }} */
  take(key) {
    const now = this.#now();
    let stamps = this.#log.get(key);
    if (!stamps) {
      stamps = [];
      this.#log.set(key, stamps);
    }
    while (stamps.length > 0 && stamps[0] <= now - this.#perMs) stamps.shift();
    if (stamps.length >= this.#calls) {
      return { ok: false, retryAfterMs: stamps[0] + this.#perMs - now };
    }
    stamps.push(now);
    return { ok: true };
  }

  reset() {
    this.#log.clear();
  }
}
