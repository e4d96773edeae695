// The package's public functions, shared by every entry point. Each entry supplies `load`,
// which initialises the WebAssembly module once; the first call of any function initialises
// it, so users never call an init function. Rules (retries, backoff, rate limit, validation,
// polling schedule, hints) live in the Rust core; this file only sequences calls.

import { abortSignalOf, assertClientConfig, typeName } from "./config.js";
import { UpgradeTaskError, toUpgradeTaskError } from "./errors.js";
import * as wasm from "./iot_upgrade_task.js";
import { WALK_PAGE_SIZE, isAborted, notify, walkPages } from "./pages.js";
import { FINAL_STATUSES as FINAL } from "./table.js";


/** An `aborted` error keeps why the caller's signal fired: `signal.reason` becomes its `cause`. */
function keepAbortReason(error, signal) {
  if (error instanceof UpgradeTaskError && error.kind === "aborted" && isAborted(signal) && !Object.hasOwn(error, "cause")) {
    // A descriptor without a prototype: a `get` or `set` a page defined on Object.prototype
    // would otherwise make it an accessor descriptor (and defineProperty throw).
    Object.defineProperty(error, "cause", { __proto__: null, value: reasonOf(signal), writable: true, configurable: true, enumerable: false });
  }
  return error;
}

/**
 * Every option name of the package's calls and of a client's configuration. The core reads a
 * call's options by name (`Reflect.get`), so a class instance's getters, `Object.create` and a
 * get-only Proxy work there; `ownOptions` reads these names the same way.
 */
const OPTION_KEYS = [
  "baseUrl", "appKey", "appId", "secret", "refreshToken", "accessToken", "getAccessToken",
  "timeoutMs", "attemptTimeoutMs", "signal", "retry", "rateLimit",
  "minDelayMs", "maxDelayMs", "maxWaitMs", "onProgress", "onRetry", "concurrency",
  "pageNo", "pageSize", "onInvalid",
  "operationType", "operationStatus", "deviceType", "model", "manufacturerName", "deviceId", "status",
];

/**
 * The caller's options, copied once: its own enumerable keys (as `{ ...options }` copies
 * them), and each of the package's option names read as the core reads it (inherited too: a
 * class instance's getters), except that a getter that throws leaves its key out and a revoked
 * Proxy copies as no options: the core's guard reads those as absent too, and a call rejects
 * only with an UpgradeTaskError. Each of the caller's getters runs once. The copy has no
 * prototype and its keys are defined, not assigned: a getter or setter a page put on
 * Object.prototype for an option name neither sees the copy's keys nor runs when this file
 * reads a key the caller left out. Arrays and non-objects are returned as they are, for the
 * checks to refuse.
 */
function ownOptions(options) {
  if (options === null || typeof options !== "object") return options;
  const copy = { __proto__: null };
  const keep = (key, value) => Object.defineProperty(copy, key, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  const read = new Set();
  try {
    if (Array.isArray(options)) return options;
    for (const key of Reflect.ownKeys(options)) {
      read.add(key);
      try {
        if (Object.prototype.propertyIsEnumerable.call(options, key)) keep(key, options[key]);
      } catch {
        // A throwing getter (or trap) for this key: absent.
      }
    }
    for (const key of OPTION_KEYS) {
      if (read.has(key)) continue;
      try {
        const value = Reflect.get(options, key);
        if (value !== undefined) keep(key, value);
      } catch {
        // As above.
      }
    }
  } catch {
    // A revoked Proxy: no options.
  }
  return copy;
}

/** Node's longest timer (ms); a longer one would fire at once. */
const MAX_TIMER_MS = 2147483647;

/** `String(value)`, or a word for a value that has no text (a null-prototype object, a Symbol, a throwing toString). */
function textOf(value) {
  try {
    return String(value);
  } catch {
    return "a value that cannot be shown as text";
  }
}

/** `signal.reason`, read without throwing. */
function reasonOf(signal) {
  try {
    return signal.reason;
  } catch {
    return undefined;
  }
}

/** Whether `value` is given (neither undefined nor null) but does not read as an AbortSignal: the core refuses it. */
const notASignal = (value) => value !== undefined && value !== null && abortSignalOf(value) === undefined;

/**
 * Calls `onAbort` once when `signal` fires; gives the function that removes it. A signal
 * whose methods throw gets no listener (the core's own reading decides about it).
 */
function listen(signal, onAbort) {
  try {
    signal.addEventListener("abort", onAbort, { __proto__: null, once: true });
  } catch {
    return () => {};
  }
  return () => {
    try {
      signal.removeEventListener("abort", onAbort);
    } catch {
      // As above.
    }
  };
}

/**
 * One "abort" listener on a long-lived signal (a client's), shared by the calls that follow it
 * while they run: a listener per call would pile up while calls are in flight (Node warns past
 * ten). `follow(onAbort)` runs `onAbort` once when the signal fires (at once if it has) and
 * gives the function that stops following; when the last follower stops, the listener is
 * removed (a signal shared by many clients keeps none of theirs between calls).
 */
function sharedAbort(signal) {
  const followers = new Set();
  let unlisten = null;
  const fire = () => {
    unlisten = null; // a `once` listener: gone now (a signal that fires again gets a new one)
    const now = [...followers];
    followers.clear();
    for (const follower of now) follower.onAbort();
  };
  return {
    signal,
    follow(onAbort) {
      if (isAborted(signal)) {
        onAbort();
        return () => {};
      }
      const follower = { onAbort };
      followers.add(follower);
      if (unlisten === null) unlisten = listen(signal, fire);
      return () => {
        if (!followers.delete(follower) || followers.size > 0 || unlisten === null) return;
        unlisten();
        unlisten = null;
      };
    },
  };
}

/**
 * A real AbortSignal that aborts, with the same reason, when `shared`'s signal (a client's;
 * may be null) or the call's `signal` does. What reads as no signal is skipped; accessors that
 * throw are caught. `release()` stops listening (the client's signal outlives its calls).
 */
function linkedSignal(signal, shared) {
  const controller = new AbortController();
  const abort = (source) => () => controller.abort(reasonOf(source));
  const undo = [];
  if (shared !== null) undo.push(shared.follow(abort(shared.signal)));
  const call = abortSignalOf(signal);
  if (call !== undefined && !controller.signal.aborted) {
    if (isAborted(call)) controller.abort(reasonOf(call));
    else undo.push(listen(call, abort(call)));
  }
  const release = () => {
    for (const remove of undo.splice(0)) remove();
  };
  return { signal: controller.signal, release };
}

/** The most ids one queryUpgradeTasks call takes (at the platform's rate, hours of calls). */
const MAX_BATCH_IDS = 100000;

/**
 * The ids of `operationIds`, an array of at most MAX_BATCH_IDS, read by index (its own
 * iterator or `map` is not run; the copy's elements are defined, not assigned), or null when
 * it is no such array or cannot be read (a revoked Proxy, a trap that throws).
 */
function idsOf(operationIds) {
  try {
    if (!Array.isArray(operationIds)) return null;
    const { length } = operationIds;
    if (!(length <= MAX_BATCH_IDS)) return null;
    return Array.from({ length }, (_, i) => operationIds[i]);
  } catch {
    return null;
  }
}

/**
 * Options given but not an object (an array, a function, a primitive): a call refuses them
 * before reading any of them. `own` is what ownOptions gave (an object it copies has no
 * prototype; what it hands back as it is, is no object to read).
 */
const notAnObject = (own) => own !== undefined && own !== null && (typeof own !== "object" || Array.isArray(own));

/**
 * Runs `run()` (a caller's callback, sync or async) until it settles, `signal` (a real
 * AbortSignal: see linkedSignal) aborts or `ms` pass: `{ state: "ok", value }`,
 * `{ state: "error", error }`, `{ state: "aborted" }` or `{ state: "timeout" }`. What the
 * callback does after an abort or a timeout is ignored.
 */
function settleWithin(run, signal, ms) {
  return new Promise((resolve) => {
    let timer = null;
    const done = (outcome) => {
      resolve(outcome);
      if (timer !== null) clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => done({ state: "aborted" });
    signal.addEventListener("abort", onAbort, { __proto__: null, once: true });
    if (Number.isFinite(ms)) timer = setTimeout(() => done({ state: "timeout" }), Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    Promise.resolve()
      .then(run)
      .then(
        (value) => done({ state: "ok", value }),
        (error) => done({ state: "error", error }),
      );
  });
}

/**
 * `text` with every occurrence of `secret` replaced by the core's marker. Wherever it occurs,
 * also inside a word: stricter than the core for a secret under 8 characters (it replaces
 * those only as whole words), which is the safe side for a token.
 */
const withoutSecret = (text, secret) => (typeof text === "string" ? text.split(secret).join("[redacted]") : text);

/**
 * An error of a call made with a refreshed token, also without the token refused before it
 * (the core knew only the one it sent, and a platform's text may quote both).
 */
function withoutToken(error, token) {
  if (!(error instanceof UpgradeTaskError) || typeof token !== "string" || token === "") return error;
  error.message = withoutSecret(error.message, token);
  error.errorDesc = withoutSecret(error.errorDesc, token);
  error.hint = withoutSecret(error.hint, token);
  for (const problem of error.problems) {
    if (problem !== null && typeof problem === "object") problem.message = withoutSecret(problem.message, token);
  }
  return error;
}

/** @param {() => unknown} load */
export function createApi(load) {
  let ready = null;
  let loaded = false; // once true, calls go straight to the module (no await of `ready`)
  const init = () => {
    if (ready === null) {
      ready = Promise.resolve()
        .then(load)
        .then(() => {
          loaded = true;
        })
        .catch((error) => {
          ready = null; // a later call may try again (e.g. after a network hiccup)
          throw error;
        });
    }
    return ready;
  };

  /**
   * Runs a wasm export after initialisation; every rejection becomes an UpgradeTaskError (an
   * `aborted` one with the reason of `signal`, the call's options.signal).
   */
  async function guarded(fn, args, signal) {
    try {
      if (!loaded) await init();
      return await fn(...args);
    } catch (raw) {
      throw keepAbortReason(toUpgradeTaskError(raw), signal);
    }
  }

  /**
   * An UpgradeTaskError for a failure this file detects (message and hint from the core).
   * `more`'s keys are read only when its own (a getter a page put on Object.prototype for
   * `cause` or `secrets` is not one of them).
   */
  async function fail(kind, detail, more = null) {
    const own = (key, otherwise) => (more !== null && Object.hasOwn(more, key) ? more[key] : otherwise);
    const [outside, attempts, secrets, cause, problems] = [own("outside"), own("attempts", 0), own("secrets", []), own("cause"), own("problems")];
    await guarded(() => undefined, []);
    const record = wasm.errorRecord(kind, detail, outside, attempts, secrets.filter((s) => typeof s === "string" && s !== ""));
    if (problems) record.problems = problems;
    return new UpgradeTaskError(record, cause === undefined ? undefined : { cause });
  }

  /** `options.signal`, read without throwing (a throwing getter or a revoked Proxy give none). */
  const signalOf = (options) => {
    try {
      return options !== null && typeof options === "object" ? options.signal : undefined;
    } catch {
      return undefined;
    }
  };
  const queryUpgradeTask = (operationId, accessToken, options) => guarded(wasm.queryUpgradeTask, [operationId, accessToken, options], signalOf(options));
  const queryUpgradeTaskList = (accessToken, options) => guarded(wasm.queryUpgradeTaskList, [accessToken, options], signalOf(options));
  const queryUpgradeSubTasks = (operationId, accessToken, options) => guarded(wasm.queryUpgradeSubTasks, [operationId, accessToken, options], signalOf(options));
  const login = (options) => guarded(wasm.login, [options], signalOf(options));
  const refreshToken = (options) => guarded(wasm.refreshToken, [options], signalOf(options));

  /**
   * Polls `poll(signal)` until the task ends; the schedule comes from the core. `options` is
   * the caller's options as `ownOptions` copied them, the copy `poll` sends too: what is
   * checked is what is used, and each of the caller's getters ran once. `shared` (a client's
   * signal, or null) ends the wait as `options.signal` does, also during a pause.
   */
  async function waitFor(poll, options, shared = null) {
    const opts = options ?? { __proto__: null };
    const policy = await guarded(wasm.waitPolicy, [opts]);
    const onProgress = typeof opts.onProgress === "function" ? opts.onProgress : null;
    const onRetry = typeof opts.onRetry === "function" ? opts.onRetry : null;
    const outer = abortSignalOf(opts.signal);
    if (notASignal(opts.signal)) {
      const problems = [{ path: "options.signal", message: "must be an AbortSignal" }];
      throw await fail("invalid_argument", "options.signal must be an AbortSignal", { problems });
    }
    const fired = [outer, shared?.signal].find(isAborted);
    if (fired !== undefined) throw await fail("aborted", "the caller's signal was already aborted; nothing was sent", { cause: reasonOf(fired) });
    const stop = new AbortController();
    let reason = null;
    let abortedBy; // the signal that ended the wait: its reason is the error's cause
    const halt = (why, by) => {
      if (reason === null) {
        reason = why;
        abortedBy = by;
        stop.abort();
      }
    };
    const unlisten = [outer === undefined ? () => {} : listen(outer, () => halt("aborted", outer)), shared === null ? () => {} : shared.follow(() => halt("aborted", shared.signal))];
    const timer = policy.maxWaitMs === null ? null : setTimeout(() => halt("timeout"), policy.maxWaitMs);
    let last = null;
    let lastText = null;
    let delay = Number.NaN;
    let polls = 0;
    let failures = 0; // consecutive failed polls
    const stopped = () =>
      reason === "timeout"
        ? fail("timeout", `the task did not end within maxWaitMs (${policy.maxWaitMs} ms; last status: ${last?.status ?? "unknown"})`, { attempts: polls })
        : fail("aborted", "the caller's signal fired while waiting for the task", { attempts: polls, cause: abortedBy === undefined ? undefined : reasonOf(abortedBy) });
    try {
      for (;;) {
        let changed = false;
        let retried = null;
        try {
          polls += 1;
          const task = await poll(stop.signal);
          failures = 0;
          const text = JSON.stringify(task);
          changed = text !== lastText;
          last = task;
          lastText = text;
          if (changed && onProgress) notify(onProgress, task);
          if (FINAL.has(task.status)) return task;
        } catch (e) {
          if (reason !== null) throw await stopped();
          if (!(e instanceof UpgradeTaskError) || !e.retryable) throw e;
          // A transient failure: the wait goes on, and the caller is told (below).
          failures += 1;
          retried = e;
        }
        delay = wasm.nextPollDelay(delay, changed, policy.minDelayMs, policy.maxDelayMs);
        if (retried !== null && onRetry) notify(onRetry, retried, { failures, delayMs: delay });
        // A callback may have fired the caller's signal: then no pause at all (the pause's
        // listener would come too late for an abort that already happened).
        if (reason !== null) throw await stopped();
        await new Promise((resolve) => {
          const wake = () => {
            clearTimeout(pause);
            stop.signal.removeEventListener("abort", wake);
            resolve();
          };
          const pause = setTimeout(wake, delay);
          stop.signal.addEventListener("abort", wake, { __proto__: null, once: true });
        });
        if (reason !== null) throw await stopped();
      }
    } finally {
      if (timer !== null) clearTimeout(timer);
      for (const remove of unlisten) remove();
    }
  }

  /** Fetches many ids with bounded concurrency; one result per id, in input order. */
  async function batch(query, given, options) {
    const operationIds = idsOf(given);
    if (operationIds === null) {
      const message = `must be an array of at most ${MAX_BATCH_IDS} operation ids`;
      throw await fail("invalid_argument", `operationIds ${message}`, { problems: [{ path: "operationIds", message }] });
    }
    const concurrency = ownOptions(options)?.concurrency ?? 8;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      const problems = [{ path: "options.concurrency", message: "must be a whole number of 1 or more" }];
      throw await fail("invalid_argument", "options.concurrency must be a whole number of 1 or more", { problems });
    }
    const unique = [...new Set(operationIds)];
    const settled = new Map();
    let next = 0;
    const worker = async () => {
      while (next < unique.length) {
        const id = unique[next++];
        try {
          settled.set(id, { operationId: id, ok: true, task: await query(id) });
        } catch (e) {
          settled.set(id, { operationId: id, ok: false, error: toUpgradeTaskError(e) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, unique.length) }, worker));
    return operationIds.map((id) => ({ ...settled.get(id) }));
  }

  /** Rejects options that are given but no object (notAnObject) with `message`, as the core words it. */
  async function refuseOptions(message) {
    throw await fail("invalid_argument", `options ${message}`, { problems: [{ path: "options", message }] });
  }
  /** The core's words for a function's options that are missing or no object. */
  const OPTIONS_REQUIRED = "is required: an object with baseUrl and appKey";
  /** A client call's: its options may be left out. */
  const OPTIONS_OPTIONAL = "must be an object (or left out)";

  function waitForUpgradeTask(operationId, accessToken, options) {
    const own = ownOptions(options);
    if (notAnObject(own)) return refuseOptions(OPTIONS_REQUIRED);
    return waitFor((signal) => queryUpgradeTask(operationId, accessToken, { ...own, signal }), own);
  }

  function queryUpgradeTasks(operationIds, accessToken, options) {
    const own = ownOptions(options); // once, for every id (as the client does): the caller's getters run once
    if (notAnObject(own)) return refuseOptions(OPTIONS_REQUIRED);
    return batch((id) => queryUpgradeTask(id, accessToken, own), operationIds, own);
  }

  /** A client bound to one platform application: tokens, rate limit and defaults in one place. */
  class UpgradeTaskClient {
    #config;
    /** The caller's configuration object: `getAccessToken` is called on it (a class's method may use its `this`). */
    #source;
    /** The client's signal, one listener for all of its calls (sharedAbort), or null. */
    #shared;

    constructor(config) {
      const own = ownOptions(config);
      assertClientConfig(own);
      this.#config = own;
      this.#source = config;
      const signal = abortSignalOf(own.signal);
      this.#shared = signal === undefined ? null : sharedAbort(signal);
    }

    /**
     * The call's options over the client's defaults; `own` is the caller's, as `ownOptions`
     * copied them. A key the call sets to `undefined` or `null` keeps the client's value, as if
     * left out (the core reads both as absent).
     */
    #options(own) {
      const { accessToken, getAccessToken, ...defaults } = this.#config;
      const given = own !== null && typeof own === "object" && !Array.isArray(own) ? Object.fromEntries(Reflect.ownKeys(own).flatMap((key) => (own[key] === undefined || own[key] === null ? [] : [[key, own[key]]]))) : own;
      // No prototype, as ownOptions' copies: what this file reads of it is what was given.
      return { __proto__: null, ...defaults, rateLimit: this.#config.rateLimit ?? {}, ...given };
    }

    /**
     * Rejects a call that names the platform itself (`baseUrl`, `appKey`) in its options: the
     * client's token belongs to its own application and never goes to another host.
     */
    async #refuseBound(own) {
      const named = own !== null && typeof own === "object" ? CLIENT_BOUND.filter((key) => own[key] !== undefined) : [];
      if (named.length === 0) return;
      const problems = named.map((key) => ({ path: `options.${key}`, message: `is the client's own (config.${key}); another application needs another UpgradeTaskClient` }));
      throw await fail("invalid_argument", `${problems[0].path} ${problems[0].message}`, { problems });
    }

    /**
     * The token for one call: the configured one, or what `getAccessToken` gives, within the
     * call's `signal` and the `leftMs` of its `timeoutMs` (it is part of the call).
     */
    async #token(forceRefresh, secrets, signal, leftMs) {
      const c = this.#config;
      if (typeof c.getAccessToken !== "function") return c.accessToken;
      if (signal.aborted) throw await fail("aborted", "the caller's signal was already aborted; nothing was sent", { cause: signal.reason });
      const got = await settleWithin(() => Reflect.apply(c.getAccessToken, this.#source, [{ forceRefresh }]), signal, leftMs);
      if (got.state === "aborted") throw await fail("aborted", "the caller's signal fired while getAccessToken ran; nothing was sent", { cause: signal.reason });
      if (got.state === "timeout") throw await fail("timeout", "getAccessToken gave no token within the call's timeoutMs; nothing was sent");
      if (got.state === "error") {
        const cause = got.error;
        const outside = cause instanceof Error ? cause.message : textOf(cause);
        throw await fail("unauthorized", "getAccessToken failed", { outside, secrets, cause });
      }
      if (typeof got.value !== "string" || got.value === "") {
        throw await fail("unauthorized", "getAccessToken did not give a non-empty string", { secrets });
      }
      return got.value;
    }

    /** Like the function, with the client's defaults; refreshes the token once on `unauthorized`. */
    queryUpgradeTask(operationId, options) {
      return this.#withToken((token, merged) => queryUpgradeTask(operationId, token, merged), options);
    }

    /**
     * `call(token, options)` with the client's defaults and token; on `unauthorized`, once more
     * with a refreshed token. `timeoutMs` (default 30 s) is the whole call's, `getAccessToken`
     * included; one that is not a valid duration goes to the core as given, for it to refuse.
     */
    async #withToken(call, options) {
      const own = ownOptions(options);
      if (notAnObject(own)) await refuseOptions(OPTIONS_OPTIONAL);
      await this.#refuseBound(own);
      const merged = this.#options(own);
      // The client's signal and the call's both cancel it: with a client signal, the call
      // carries one signal linked to the two (the client's holds one listener for all calls:
      // sharedAbort). The JS's own waits (getAccessToken) always use a real one. With neither
      // need (a fixed token, no client signal), no link is made: the call's options go to the
      // core as they are, as they do with a call's signal that is none, for the core to refuse.
      const shared = this.#shared;
      if (shared === null && typeof this.#config.getAccessToken !== "function") return this.#callWithToken(call, merged, null);
      const link = linkedSignal(merged.signal === shared?.signal ? undefined : merged.signal, shared);
      if (shared !== null && !notASignal(merged.signal)) merged.signal = link.signal;
      try {
        return await this.#callWithToken(call, merged, link.signal);
      } finally {
        link.release();
      }
    }

    /** #withToken's work: `signal` is the real AbortSignal linked to the call's signals (null with a fixed token: #token does not wait). */
    async #callWithToken(call, merged, signal) {
      const started = Date.now();
      const total = merged.timeoutMs ?? 30000; // null is absent, as the core reads it
      const timed = typeof total === "number" && Number.isFinite(total) && total > 0;
      const left = () => (timed ? total - (Date.now() - started) : Number.POSITIVE_INFINITY);
      /** The options for the next call: `timeoutMs` what is left of it after getAccessToken (`passed()` words its timeout). */
      const rest = async (attempts, passed) => {
        if (!timed || typeof this.#config.getAccessToken !== "function") return merged;
        const ms = left();
        if (ms <= 0) throw await fail("timeout", passed(), { attempts });
        return { ...merged, timeoutMs: ms };
      };
      const secrets = [this.#config.appKey, this.#config.accessToken];
      const first = await this.#token(false, secrets, signal, left());
      const firstOptions = await rest(0, () => `timeoutMs (${total} ms) passed while getAccessToken ran; nothing was sent`);
      try {
        return await call(first, firstOptions);
      } catch (e) {
        const refreshable = typeof this.#config.getAccessToken === "function" && merged.retry !== false;
        if (!(e instanceof UpgradeTaskError) || e.kind !== "unauthorized" || !refreshable) throw e;
        const token = await this.#token(true, [...secrets, first], signal, left());
        const againOptions = await rest(e.attempts, () => "timeoutMs passed before the refreshed token could be used");
        try {
          return await call(token, againOptions);
        } catch (again) {
          if (again instanceof UpgradeTaskError) again.attempts += e.attempts ?? 0;
          throw token === first ? again : withoutToken(again, first);
        }
      }
    }

    /**
     * Polls until the task ends (see the function of the same name). The client's signal ends
     * the wait too, also during a pause between polls.
     */
    waitForUpgradeTask(operationId, options) {
      const own = ownOptions(options);
      if (notAnObject(own)) return refuseOptions(OPTIONS_OPTIONAL);
      return waitFor((signal) => this.queryUpgradeTask(operationId, { ...own, signal }), own, this.#shared);
    }

    /** Many tasks at once, in input order, sharing the client's rate limit. */
    async queryUpgradeTasks(operationIds, options) {
      const own = ownOptions(options); // once, for every id: the caller's getters run once
      if (notAnObject(own)) await refuseOptions(OPTIONS_OPTIONAL);
      await this.#refuseBound(own);
      return batch((id) => this.queryUpgradeTask(id, own), operationIds, own);
    }

    /** One page of the task list (see the function of the same name). */
    queryUpgradeTaskList(options) {
      return this.#withToken((token, merged) => queryUpgradeTaskList(token, merged), options);
    }

    /** One page of a task's subtasks (see the function of the same name). */
    queryUpgradeSubTasks(operationId, options) {
      return this.#withToken((token, merged) => queryUpgradeSubTasks(operationId, token, merged), options);
    }

    /**
     * Every task of the list that matches `filter`, page by page (100 a page, in the
     * platform's order), through the client's rate limit, token refresh and retries.
     */
    listUpgradeTasks(filter, options) {
      return walk(filter, options, "filter", TASK_FILTER_KEYS, (pageOptions) => this.queryUpgradeTaskList(pageOptions), LIST_OF_TASKS);
    }

    /** Every subtask (one per device) of a task, page by page; `options.status` filters them. */
    listUpgradeSubTasks(operationId, options) {
      const own = ownOptions(options); // the filter and the options are one object: its getters run once
      return walk(own, own, "options", SUB_TASK_FILTER_KEYS, (pageOptions) => this.queryUpgradeSubTasks(operationId, pageOptions), LIST_OF_SUB_TASKS);
    }
  }

  /** What a client's configuration fixes for every call: its options may not name these. */
  const CLIENT_BOUND = ["baseUrl", "appKey"];
  // `status` is a subtasks' filter: passed on for the core to refuse ("did you mean operationStatus?").
  const TASK_FILTER_KEYS = ["operationType", "operationStatus", "deviceType", "model", "manufacturerName", "deviceId", "status"];
  const SUB_TASK_FILTER_KEYS = ["status"];
  const LIST_OF_TASKS = { itemsOf: (page) => page.tasks, keyOf: (task) => task.operationId };
  const LIST_OF_SUB_TASKS = { itemsOf: (page) => page.subTasks, keyOf: (subTask) => subTask.subOperationId };

  /**
   * The walk of a list: `query(options)` fetches one page; the filter's own keys (from
   * `filter`, named `name` in errors) and the call options (`options`: signal, onInvalid,
   * timeoutMs, retry, …) are read once, when the walk is made.
   */
  function walk(rawFilter, options, name, filterKeys, query, list) {
    const filter = ownOptions(rawFilter);
    const given = ownOptions(options) ?? { __proto__: null };
    const problems = [];
    if (notAnObject(filter)) problems.push({ path: name, message: OPTIONS_OPTIONAL });
    if (notAnObject(given)) problems.push({ path: "options", message: OPTIONS_OPTIONAL });
    const { signal: givenSignal, onInvalid, pageNo, pageSize, ...callOptions } = problems.length === 0 ? given : { __proto__: null };
    const signal = abortSignalOf(givenSignal);
    if (notASignal(givenSignal)) problems.push({ path: "options.signal", message: "must be an AbortSignal" });
    if (onInvalid !== undefined && typeof onInvalid !== "function") problems.push({ path: "options.onInvalid", message: "must be a function" });
    // The core's rule for a page size, checked here: the walk computes page numbers with it.
    if (pageSize !== undefined && pageSize !== null && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= WALK_PAGE_SIZE)) {
      problems.push({ path: "options.pageSize", message: `must be a whole number from 1 to ${WALK_PAGE_SIZE}${typeof pageSize === "number" ? "" : `, got ${typeName(pageSize)}`}` });
    }
    if (pageNo !== undefined) problems.push({ path: "options.pageNo", message: "is the walk's own: it asks for every page from 0 (for one page, use queryUpgradeTaskList or queryUpgradeSubTasks)" });
    // No prototype: a setter a page defined on Object.prototype for a filter key would
    // swallow the assignment (the spread below copies own properties only).
    const filterOptions = Object.create(null);
    if (problems.length === 0 && filter) for (const key of filterKeys) if (filter[key] !== undefined) filterOptions[key] = filter[key];
    const base = { ...callOptions, ...filterOptions };
    return walkPages(
      {
        ...list,
        fetchPage: async (pageNumber, size, pageSignal) => {
          if (problems.length > 0) throw await fail("invalid_argument", `${problems[0].path} ${problems[0].message}`, { problems });
          return query({ ...base, pageNo: pageNumber, pageSize: size, ...(pageSignal ? { signal: pageSignal } : {}) });
        },
        abortedError: () => fail("aborted", "the caller's signal fired between pages of the list", { cause: reasonOf(signal) }),
      },
      { signal, onInvalid, pageSize: problems.length === 0 ? pageSize : undefined },
    );
  }

  return {
    queryUpgradeTask,
    waitForUpgradeTask,
    queryUpgradeTasks,
    queryUpgradeTaskList,
    queryUpgradeSubTasks,
    login,
    refreshToken,
    UpgradeTaskClient,
  };
}
