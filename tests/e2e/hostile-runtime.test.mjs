// A hostile runtime around the built package (issue 13h): a page (or a library it loads) that
// defines accessors on Object.prototype or Array.prototype, a fetch double that answers with
// something that is not a promise, a body stream of odd chunks, and 50 calls sharing one
// AbortSignal. Every call settles, as the contract says, with the value or a typed
// UpgradeTaskError; nothing escapes the module uncaught, and later calls work.
//
// A polluted prototype is global, and some pollutions break Node's own fetch (undici writes
// `signal`, `method`, `headers` and reads `body` on its own objects): each such case runs in
// a child process, so that it cannot disturb this file, and reports what it saw.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { APP_KEY, TOKEN, inFreshProcess, pkg, platformTask } from "./helpers.mjs";

const PKG = new URL("../../pkg/node.js", import.meta.url).href;

/**
 * Runs `body` (an async function body that may use `pkg`, `call`, `settle`, `brief`, `opts`,
 * `task`, `answerWith` and `report`) in a child process with an in-memory fetch answering
 * `task`, `before` (code) run first, before the package is imported; resolves to what it
 * reported plus what escaped uncaught.
 */
function inChild(body, { before = "" } = {}) {
  const source = `
    ${before}
    const pkg = await import(${JSON.stringify(PKG)});
    // Counted, not pushed: a page's setter for "0" on Array.prototype must not break the harness.
    const uncaught = { count: 0, text: "" };
    process.on("uncaughtException", (e) => { uncaught.count += 1; uncaught.text += String(e?.message ?? e) + "; "; });
    const task = ${JSON.stringify(platformTask())};
    let answer = JSON.stringify(task);
    const answerWith = (value) => { answer = typeof value === "string" ? value : JSON.stringify(value); };
    globalThis.fetch = async () => new Response(answer, { status: 200 });
    const opts = (more = {}) => ({ baseUrl: "http://127.0.0.1:9", appKey: ${JSON.stringify(APP_KEY)}, retry: false, timeoutMs: 5000, ...more });
    const call = () => pkg.queryUpgradeTask("op-1", ${JSON.stringify(TOKEN)}, opts());
    /** What a call settled with, or "hung" after 2 s. */
    const settle = (promise) => {
      let timer;
      return Promise.race([
        promise.then(
          (value) => ({ ok: true, value }),
          (error) => ({ ok: false, typed: error instanceof pkg.UpgradeTaskError, kind: error?.kind ?? null, message: String(error?.message ?? error) }),
        ),
        new Promise((resolve) => { timer = setTimeout(() => resolve("hung"), 2000); }),
      ]).finally(() => clearTimeout(timer));
    };
    /** A settled outcome in a word or two: "ok", "typed network", "hung", … */
    const brief = (o) => (o === "hung" ? o : o.ok ? "ok" : (o.typed ? "typed " : "untyped ") + o.kind);
    let reported;
    const report = (value) => { reported = value; };
    try {
      await (async () => { ${body} })();
    } catch (e) {
      reported = { harness: String(e?.stack ?? e) };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.stdout.write("\\n" + JSON.stringify({ reported, uncaught }) + "\\n");
    process.exit(0);
  `;
  return inFreshProcess(source).then(({ stdout, stderr, report }) => {
    if (report === undefined) throw new Error(`child printed: ${stdout}${stderr}`);
    assert.doesNotMatch(stdout + stderr, new RegExp(`${TOKEN}|${APP_KEY}`), "a secret reached the output");
    return report;
  });
}

describe("a polluted Object.prototype before the package is imported", () => {
  test("Object.prototype.get / .set: both entries import, and a call settles typed or works", async () => {
    // esbuild's keepNames helper (both entries are esbuild bundles) defined names with a
    // descriptor literal inheriting from Object.prototype: invalid under this pollution, so the
    // import itself threw "Invalid property descriptor".
    const browserEntry = new URL("../../pkg/index.js", import.meta.url).href;
    for (const key of ["get", "set"]) {
      const { reported, uncaught } = await inChild(
        `
          await import(${JSON.stringify(browserEntry)});
          report(brief(await settle(call())));
        `,
        // node:fs/promises first: Node's own ESM loader loads it lazily, and under this
        // pollution that load throws inside Node, before any code of the package runs (a
        // browser page that pollutes, then imports, has no such step).
        { before: `await import("node:fs/promises"); Object.prototype[${JSON.stringify(key)}] = function () {};` },
      );
      assert.equal(uncaught.count, 0, `${key}: ${uncaught.text}`);
      assert.ok(["ok", "typed network"].includes(reported), `${key}: ${JSON.stringify(reported)}`);
    }
  });
});

describe("a runtime without process.getBuiltinModule (Node before 20.16 and 22.3)", () => {
  test("the Node entry loads its .wasm through import(\"node:fs\") instead, and calls work", async () => {
    const { reported, uncaught } = await inChild(`report([brief(await settle(call())), brief(await settle(call()))]);`, {
      before: "delete process.getBuiltinModule;",
    });
    assert.equal(uncaught.count, 0, uncaught.text);
    assert.deepEqual(reported, ["ok", "ok"]);
  });
});

describe("accessors on Object.prototype around the request", () => {
  test("Object.prototype.get or .set (a data property) before the process's first fetch: the call settles, typed, and the next call works", async () => {
    // A property named get or set on Object.prototype turns every descriptor literal that
    // inherits from it into an invalid one: Node's fetch (undici) makes such descriptors when
    // its Headers are first used, so `new Headers()` / `headers.set` throw there. gloo-net's
    // header setter used to unwrap_throw that through the module: an uncaught exception and a
    // call that never settled (its timeoutMs included).
    const outcomes = await Promise.all(
      ["get", "set"].map((key) =>
        inChild(`
          Object.prototype[${JSON.stringify(key)}] = function () {};
          const first = await settle(call());
          delete Object.prototype[${JSON.stringify(key)}];
          const next = await settle(call());
          report([brief(first), brief(next)]);
        `),
      ),
    );
    for (const [i, { reported, uncaught }] of outcomes.entries()) {
      assert.equal(uncaught.count, 0, `${["get", "set"][i]}: ${uncaught.text}`);
      assert.ok(["ok", "typed network"].includes(reported[0]), `${["get", "set"][i]}: ${reported[0]}`);
      assert.equal(reported[1], "ok", ["get", "set"][i]);
    }
  });

  test("a throwing setter for a key the request init is written with never makes a call hang; the next call works", async () => {
    const outcomes = await Promise.all(
      ["signal", "method", "headers", "body"].flatMap((key) =>
        ['new Error("setter")', '"a thrown string"'].map((thrown) =>
          inChild(`
            Object.defineProperty(Object.prototype, ${JSON.stringify(key)}, { configurable: true, set() { throw ${thrown}; } });
            const first = await settle(call());
            delete Object.prototype[${JSON.stringify(key)}];
            const next = await settle(call());
            report({ first: first === "hung" ? first : { ...first, value: undefined }, next: next === "hung" ? next : next.ok });
          `).then((out) => ({ key, thrown, ...out })),
        ),
      ),
    );
    for (const { key, thrown, reported, uncaught } of outcomes) {
      const where = `setter for ${key} throwing ${thrown}`;
      assert.equal(uncaught.count, 0, `${where}: escaped uncaught: ${uncaught.text}`);
      const { first } = reported;
      assert.notEqual(first, "hung", `${where}: the call never settled`);
      // Node's own Request constructor (undici) writes these keys on objects of its own and
      // throws with the page's setter: then a typed network error. A browser's native Request
      // never runs the setter, and the call works.
      assert.ok(first.ok || (first.typed && first.kind === "network"), `${where}: ${JSON.stringify(first)}`);
      assert.equal(reported.next, true, `${where}: the next call did not work`);
    }
  });

  test("one call's failure holds back none of the calls started in the same turn", async () => {
    const { reported, uncaught } = await inChild(`
      let throws = 1;
      Object.defineProperty(Object.prototype, "signal", {
        configurable: true,
        set(value) {
          if (throws-- > 0) throw new Error("only once");
          Object.defineProperty(this, "signal", { value, writable: true, enumerable: true, configurable: true });
        },
      });
      const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => settle(call())));
      report(outcomes.map((o) => (o === "hung" ? o : o.ok ? "ok" : o.kind)));
    `);
    assert.equal(uncaught.count, 0, uncaught.text);
    assert.deepEqual(reported, ["network", "ok", "ok", "ok", "ok"]);
  });

  test("getters on Object.prototype for members of a request init: the call settles, and the next call works", async () => {
    // The module's own init has no prototype (vendor/gloo-net/PATCHES.md), so a browser's
    // native Request never reads these getters. Node's Request (undici) copies its options
    // into objects of its own, which inherit them: there the request takes them, which a
    // page could not change from outside either. Either way the call settles.
    const { reported, uncaught } = await inChild(`
      const polluted = { redirect: "error", cache: "no-store", credentials: "omit", keepalive: true, referrerPolicy: "no-referrer", body: "a body", dispatcher: {} };
      for (const [key, value] of Object.entries(polluted)) {
        // A getter with a no-op setter: Node's own code writes some of these keys.
        Object.defineProperty(Object.prototype, key, { configurable: true, get: () => value, set() {} });
      }
      const outcome = await settle(call());
      for (const key of Object.keys(polluted)) delete Object.prototype[key];
      const next = await settle(call());
      report([outcome, next].map(brief));
    `);
    assert.equal(uncaught.count, 0, uncaught.text);
    assert.ok(["ok", "typed network"].includes(reported[0]), reported[0]);
    assert.equal(reported[1], "ok");
  });

  test("a fetch that gives something other than a promise (a synchronous test double) is a network error", async () => {
    const { reported, uncaught } = await inChild(`
      const doubles = [
        () => ({ status: 200, body: null }),
        () => 42,
        () => new Response(answer, { status: 200 }),
        () => ({ then() { throw new Error("then threw"); } }),
      ];
      const outcomes = [];
      for (const double of doubles) {
        globalThis.fetch = double;
        outcomes.push(brief(await settle(call())));
      }
      globalThis.fetch = async () => new Response(answer, { status: 200 });
      outcomes.push(brief(await settle(call())));
      report(outcomes);
    `);
    assert.equal(uncaught.count, 0, uncaught.text);
    assert.deepEqual(reported, ["typed network", "typed network", "typed network", "typed network", "ok"]);
  });

  test("body chunks that only pose as bytes (a Proxy of a Uint8Array, one with an own length getter or a lying length) are a network error", async () => {
    const { reported, uncaught } = await inChild(`
      const streamOf = (chunk) => async () => new Response(new ReadableStream({ start(c) { c.enqueue(chunk); c.close(); } }), { status: 200 });
      const bytes = () => new TextEncoder().encode(answer);
      const outcomes = [];
      globalThis.fetch = streamOf(new Proxy(bytes(), { get() { throw new Error("trap"); } }));
      outcomes.push(brief(await settle(call())));
      globalThis.fetch = streamOf(Object.defineProperty(bytes(), "length", { get() { throw new Error("own length getter"); } }));
      outcomes.push(brief(await settle(call())));
      globalThis.fetch = streamOf(Object.defineProperty(bytes(), "length", { value: 3 }));
      outcomes.push(brief(await settle(call())));
      report(outcomes);
    `);
    assert.equal(uncaught.count, 0, uncaught.text);
    assert.deepEqual(reported, ["typed network", "typed network", "typed network"]);
  });
});

describe("accessors on Object.prototype and Array.prototype around the result", () => {
  // Each key is one the result is made with. The setters record what they are given (in a Set:
  // an array's own writes would run them) and store nothing: an assignment would lose the
  // property and hand its value to the page. Array indices low enough for Node's own arrays
  // are left alone (Node's async hooks write them).
  const SETTERS = `
    const given = new Set();
    const record = (proto, key) => Object.defineProperty(proto, key, { configurable: true, set(value) { given.add(typeof value === "string" ? value : typeof value); } });
    const pollute = () => {
      for (const key of ["operationId", "status", "targets", "devices", "deviceGroups", "accessToken", "refreshToken", "expiresAt", "fileVersion", "extendPara"]) record(Object.prototype, key);
      record(Array.prototype, "200");
    };
    const clean = () => {
      for (const key of ["operationId", "status", "targets", "devices", "deviceGroups", "accessToken", "refreshToken", "expiresAt", "fileVersion", "extendPara"]) delete Object.prototype[key];
      delete Array.prototype[200];
    };
    const { isDeepStrictEqual } = await import("node:util");
  `;

  test("a task (short ids, and 256 long device names) is whole and identical to a clean run's, and no setter sees its values", async () => {
    const { reported, uncaught } = await inChild(`
      ${SETTERS}
      const large = { ...task, targets: { devices: Array.from({ length: 256 }, (_, i) => "device-" + String(i).padStart(3, "0") + "-".repeat(90)) } };
      const results = [];
      for (const body of [task, large]) {
        answerWith(body);
        const before = await settle(call());
        pollute();
        const polluted = await settle(call());
        clean();
        results.push({
          ok: before.ok && polluted.ok,
          same: before.ok && polluted.ok && isDeepStrictEqual(before.value, polluted.value),
          devices: polluted.ok ? polluted.value.targets.devices.length : null,
          status: polluted.ok ? polluted.value.status : null,
          prototype: polluted.ok && Object.getPrototypeOf(polluted.value) === Object.prototype && Object.getPrototypeOf(polluted.value.targets.devices) === Array.prototype,
        });
      }
      report({ results, leaked: [...given].filter((v) => v === "op-1" || v === "processing" || v === "V2.0" || String(v).startsWith("dev")) });
    `);
    assert.equal(uncaught.count, 0, uncaught.text);
    assert.deepEqual(reported.results, [
      { ok: true, same: true, devices: 2, status: "processing", prototype: true },
      { ok: true, same: true, devices: 256, status: "processing", prototype: true },
    ]);
    assert.deepEqual(reported.leaked, [], "a setter on a prototype was given a value of the result");
  });

  test("with setters on Object.prototype only (no index key anywhere), a large task is still whole and identical", async () => {
    // The module then defines the objects' properties but assigns the arrays' elements.
    const { reported, uncaught } = await inChild(`
      const given = new Set();
      const large = { ...task, targets: { devices: Array.from({ length: 256 }, (_, i) => "device-" + i + "-".repeat(90)) } };
      answerWith(large);
      const before = await settle(call());
      for (const key of ["status", "targets", "devices", "operationId"]) {
        Object.defineProperty(Object.prototype, key, { configurable: true, set(value) { given.add(typeof value === "string" ? value : typeof value); } });
      }
      Object.defineProperty(Object.prototype, "somePolyfill", { configurable: true, writable: true, value: () => 1 });
      const polluted = await settle(call());
      for (const key of ["status", "targets", "devices", "operationId", "somePolyfill"]) delete Object.prototype[key];
      const { isDeepStrictEqual } = await import("node:util");
      report({
        same: before.ok && polluted.ok && isDeepStrictEqual(before.value, polluted.value),
        devices: polluted.ok ? polluted.value.targets.devices.length : null,
        leaked: [...given].filter((v) => v === "op-1" || v === "processing" || String(v).startsWith("device")),
      });
    `);
    assert.equal(uncaught.count, 0, uncaught.text);
    assert.deepEqual(reported, { same: true, devices: 256, leaked: [] });
  });

  test("a login session is whole, and a setter for accessToken on Object.prototype never sees the token", async () => {
    const { reported, uncaught } = await inChild(`
      ${SETTERS}
      globalThis.fetch = async () => new Response(JSON.stringify({ accessToken: "new-access-SECRET", tokenType: "bearer", refreshToken: "new-refresh-SECRET", expiresIn: 3600, scope: "default" }), { status: 200 });
      pollute();
      const outcome = await settle(pkg.login({ baseUrl: "http://127.0.0.1:9", appId: "app", secret: "s3cret", retry: false }));
      clean();
      report({
        ok: outcome.ok,
        session: outcome.ok ? { accessToken: outcome.value.accessToken, refreshToken: outcome.value.refreshToken, own: Object.keys(outcome.value) } : outcome,
        leaked: [...given].filter((v) => String(v).includes("SECRET")),
      });
    `);
    assert.equal(uncaught.count, 0, uncaught.text);
    assert.equal(reported.ok, true, JSON.stringify(reported.session));
    assert.deepEqual(reported.session, { accessToken: "new-access-SECRET", refreshToken: "new-refresh-SECRET", own: ["accessToken", "refreshToken", "expiresAt"] });
    assert.deepEqual(reported.leaked, [], "a setter on Object.prototype was given the session's tokens");
  });

  test("a throwing setter for a key of the result on Object.prototype neither hangs the call nor changes its value", async () => {
    const { reported, uncaught } = await inChild(`
      const large = { ...task, targets: { devices: Array.from({ length: 256 }, (_, i) => "device-" + i + "-".repeat(90)) } };
      const outcomes = [];
      for (const body of [task, large]) {
        answerWith(body);
        Object.defineProperty(Object.prototype, "operationId", { configurable: true, set() { throw new Error("setter"); } });
        const outcome = await settle(call());
        delete Object.prototype.operationId;
        outcomes.push(outcome === "hung" ? outcome : outcome.ok ? outcome.value.operationId : outcome.kind);
      }
      report(outcomes);
    `);
    assert.equal(uncaught.count, 0, uncaught.text);
    assert.deepEqual(reported, ["op-1", "op-1"]);
  });

  test(
    "an error record's keys with setters on Object.prototype: still an UpgradeTaskError",
    async () => {
      const { reported, uncaught } = await inChild(`
        answerWith("[]");
        const outcomes = {};
        for (const key of ["kind", "httpStatus", "errorCode", "errorDesc", "hint", "retryable", "problems", "attempts", "message", "cause"]) {
          Object.defineProperty(Object.prototype, key, { configurable: true, set() { throw new Error("setter"); } });
          const outcome = await settle(call());
          delete Object.prototype[key];
          outcomes[key] = outcome === "hung" ? outcome : outcome.typed + " " + outcome.kind;
        }
        report(outcomes);
      `);
      assert.equal(uncaught.count, 0, uncaught.text);
      const expected = "true invalid_response";
      assert.deepEqual(reported, { kind: expected, httpStatus: expected, errorCode: expected, errorDesc: expected, hint: expected, retryable: expected, problems: expected, attempts: expected, message: expected, cause: expected });
    },
  );
});

describe("many calls sharing one AbortSignal", () => {
  const realFetch = globalThis.fetch;
  const opts = (signal) => ({ baseUrl: "http://127.0.0.1:9", appKey: APP_KEY, retry: false, timeoutMs: 10_000, signal });
  const body = JSON.stringify(platformTask());

  /** A signal whose abort listeners are counted. */
  function countedSignal() {
    const controller = new AbortController();
    const { signal } = controller;
    const counted = { controller, signal, listeners: 0, most: 0 };
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    const live = new Set();
    signal.addEventListener = (type, listener, options) => {
      if (type === "abort" && !live.has(listener)) {
        live.add(listener);
        counted.listeners = live.size;
        counted.most = Math.max(counted.most, live.size);
      }
      return add(type, listener, options);
    };
    signal.removeEventListener = (type, listener, options) => {
      if (type === "abort" && live.delete(listener)) counted.listeners = live.size;
      return remove(type, listener, options);
    };
    return counted;
  }

  test("50 concurrent calls on one signal: no MaxListenersExceededWarning, one listener; aborting ends all 50 as aborted, with signal.reason as cause", async () => {
    const warnings = [];
    const onWarning = (warning) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    // Answers only when aborted (through the request's own signal).
    globalThis.fetch = (request) => new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason)));
    const counted = countedSignal();
    try {
      const calls = Array.from({ length: 50 }, (_, i) => pkg.queryUpgradeTask(`op-${i}`, TOKEN, opts(counted.signal)).then(
        () => null,
        (error) => error,
      ));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(counted.listeners, 1, "one abort listener for all the calls");
      const reason = new Error("the user went away");
      counted.controller.abort(reason);
      const errors = await Promise.all(calls);
      for (const error of errors) {
        assert.ok(error instanceof pkg.UpgradeTaskError, String(error));
        assert.equal(error.kind, "aborted");
        assert.equal(error.cause, reason);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(warnings, []);
      assert.equal(counted.listeners, 0, "a listener was left on the signal");
    } finally {
      process.off("warning", onWarning);
      globalThis.fetch = realFetch;
    }
  });

  test("a signal-like object that calls its abort listener from inside addEventListener aborts the call", async () => {
    // Answers only when aborted (through the request's own signal), as above.
    globalThis.fetch = (request) => new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason)));
    let removed = 0;
    const signal = {
      aborted: false,
      addEventListener(type, listener) {
        if (type === "abort") listener({ type: "abort" });
      },
      removeEventListener() {
        removed += 1;
      },
    };
    try {
      const outcome = await pkg.queryUpgradeTask("op-1", TOKEN, opts(signal)).then(
        () => "resolved",
        (error) => (error instanceof pkg.UpgradeTaskError ? error.kind : String(error)),
      );
      assert.equal(outcome, "aborted");
      assert.equal(removed, 1, "the listener is removed when the call ends");
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  test("1000 sequential calls on one long-lived signal leave no listener behind", async () => {
    globalThis.fetch = async () => new Response(body, { status: 200 });
    const counted = countedSignal();
    try {
      for (let i = 0; i < 1000; i += 1) {
        const task = await pkg.queryUpgradeTask("op-1", TOKEN, opts(counted.signal));
        assert.equal(task.operationId, "op-1");
      }
      assert.equal(counted.listeners, 0);
      assert.equal(counted.most, 1);
      // Batches of 20 concurrent calls, 10 times: still at most one listener at a time.
      for (let round = 0; round < 10; round += 1) {
        await Promise.all(Array.from({ length: 20 }, () => pkg.queryUpgradeTask("op-1", TOKEN, opts(counted.signal))));
      }
      assert.equal(counted.listeners, 0);
      assert.equal(counted.most, 1);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});

describe("accessors on Object.prototype around the package's own JS", () => {
  test("a setter on Object.prototype for a filter key does not swallow the filter of listUpgradeTasks", async () => {
    const { reported, uncaught } = await inChild(`
      const urls = [];
      globalThis.fetch = async (request) => {
        urls.push(request.url);
        return new Response(JSON.stringify({ data: [], pageNo: 0, pageSize: 100, totalCount: 0 }), { status: 200 });
      };
      const given = new Set();
      Object.defineProperty(Object.prototype, "operationType", { configurable: true, set(value) { given.add(value); } });
      const client = new pkg.UpgradeTaskClient({ baseUrl: "http://127.0.0.1:9", appKey: "app", accessToken: "tok", rateLimit: false, retry: false });
      const tasks = [];
      try {
        for await (const task of client.listUpgradeTasks({ operationType: "firmware_upgrade" })) tasks.push(task);
      } finally {
        delete Object.prototype.operationType;
      }
      report({ queries: urls.map((url) => new URL(url).search), tasks: tasks.length, given: [...given] });
    `);
    assert.equal(uncaught.count, 0, uncaught.text);
    assert.deepEqual(reported.queries, ["?operationType=firmware_upgrade&pageNo=0&pageSize=100"]);
    assert.deepEqual(reported.given, []);
  });
});
