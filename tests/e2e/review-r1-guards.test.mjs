// The rest of review R1 against the built package over loopback: every way a caller's value can
// throw when read (a signal's accessors, an id list, a walk's options, a getter a page put on
// Object.prototype) ends as an UpgradeTaskError, never a raw rejection; a client's signal holds
// one listener however many calls follow it; the 4 MiB body limit is exact.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { APP_KEY, TOKEN, inFreshProcess, json, options, pkg, platformTask, rejection, scriptedServer } from "./helpers.mjs";

const { UpgradeTaskClient, queryUpgradeTask, queryUpgradeTasks } = pkg;

/** A duck-typed signal that fires after `ms`; from then on reading `aborted` or `reason` throws. */
function signalThatTrapsOnceFired(ms) {
  const target = new EventTarget();
  let fired = false;
  setTimeout(() => {
    fired = true;
    target.dispatchEvent(new Event("abort"));
  }, ms);
  return {
    get aborted() {
      if (fired) throw new Error("trap: aborted");
      return false;
    },
    get reason() {
      throw new Error("trap: reason");
    },
    addEventListener: (...args) => target.addEventListener(...args),
    removeEventListener: (...args) => target.removeEventListener(...args),
  };
}

const trap = () => {
  throw new Error("trap");
};
const throwingProxy = () => new Proxy([], { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap });
function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable([], {});
  revoke();
  return proxy;
}

describe("review R1: reads that throw", () => {
  let server;
  before(async () => {
    server = await scriptedServer((req, res) => {
      if (req.url.includes("slow")) return; // never answers: a call ends by its signal
      const id = decodeURIComponent(req.url.split("?")[0].split("/").pop());
      if (req.url.includes("/operations?") || req.url.includes("/subOperations?")) {
        return json(res, 200, { pageNo: 0, pageSize: 100, totalCount: 1, data: req.url.includes("subOperations") ? [] : [platformTask({ operationId: "op-1" })] });
      }
      json(res, 200, platformTask({ operationId: id }));
    });
  });
  after(() => server.close());

  test("an aborted call whose signal's aborted and reason throw once it fired rejects aborted, not with the trap (R1 #3)", async () => {
    const e = await rejection(queryUpgradeTask("slow-1", TOKEN, options(server.baseUrl, { signal: signalThatTrapsOnceFired(50), retry: false })));
    assert.equal(e.kind, "aborted", e.message);
  });

  test("queryUpgradeTasks reads an id list that cannot be read as invalid_argument, and an array by index (R1 #5)", async () => {
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, accessToken: TOKEN });
    for (const run of [(ids) => queryUpgradeTasks(ids, TOKEN, options(server.baseUrl)), (ids) => client.queryUpgradeTasks(ids)]) {
      for (const ids of [throwingProxy(), revokedProxy()]) {
        const e = await rejection(run(ids));
        assert.equal(e.kind, "invalid_argument", e.message);
        assert.deepEqual(e.problems.map((p) => p.path), ["operationIds"]);
      }
      // Its own iterator or map that throws: the list is read by index, as JSON.stringify reads it.
      const odd = ["op-1", "op-2"];
      Object.defineProperty(odd, Symbol.iterator, { value: trap });
      Object.defineProperty(odd, "map", { value: trap });
      const results = await run(odd);
      assert.deepEqual(results.map((r) => [r.operationId, r.ok]), [["op-1", true], ["op-2", true]]);
    }
  });

  test("a walk's signal that is not one, or whose accessors throw, and a pageSize that is not 1–100, are invalid_argument with their own path (R1 #6)", async () => {
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, accessToken: TOKEN });
    const hostile = Object.defineProperty({ addEventListener() {} }, "aborted", { get: trap });
    const cases = [
      [{ signal: hostile }, "options.signal"],
      [{ signal: revokedProxy() }, "options.signal"],
      [{ signal: 42 }, "options.signal"],
      [{ pageSize: 10n }, "options.pageSize"],
      [{ pageSize: Symbol("size") }, "options.pageSize"],
      [{ pageSize: "x" }, "options.pageSize"],
      [{ pageSize: 0 }, "options.pageSize"],
      [{ pageSize: 250 }, "options.pageSize"],
      [{ pageSize: 2.5 }, "options.pageSize"],
    ];
    for (const [given, path] of cases) {
      for (const walk of [() => client.listUpgradeTasks({}, given), () => client.listUpgradeSubTasks("op-1", given)]) {
        const e = await rejection(
          (async () => {
            for await (const item of walk()) assert.fail(`a walk with a bad option yielded ${JSON.stringify(item)}`);
          })(),
        );
        assert.equal(e.kind, "invalid_argument", `${String(given.pageSize ?? "signal")}: ${e.message}`);
        assert.deepEqual(e.problems.map((p) => p.path), [path], e.message);
      }
    }
    // A good pageSize still walks.
    const seen = [];
    for await (const task of client.listUpgradeTasks({}, { pageSize: 7 })) seen.push(task.operationId);
    assert.deepEqual(seen, ["op-1"]);
  });

  test("a throwing getter a page put on Object.prototype for an option name never rejects raw (R1 #9)", async () => {
    /** What each call does in a fresh process with Object.prototype[key] a throwing getter for each of `keys`. */
    const outcomes = async (keys) => {
      const { report } = await inFreshProcess(`
        import http from "node:http";
        const pkg = await import(${JSON.stringify(new URL("../../pkg/node.js", import.meta.url).href)});
        const server = http.createServer((req, res) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ operationId: "op-1", createTime: "20151212T121212Z", operateType: "firmware_upgrade", status: "success",
            targets: { devices: ["d"] }, policy: { executeType: "now" }, staResult: { total: 1, wait: 0, processing: 0, success: 1, fail: 0, stop: 0, timeout: 0 }, extendPara: {} }));
        });
        await new Promise((r) => server.listen(0, "127.0.0.1", r));
        const baseUrl = "http://127.0.0.1:" + server.address().port;
        const keys = ${JSON.stringify(keys)};
        for (const key of keys) Object.defineProperty(Object.prototype, key, { configurable: true, get() { throw new Error("trap " + key); } });
        const out = {};
        const settle = (name, promise) => promise.then(() => { out[name] = "ok"; }, (e) => { out[name] = e instanceof pkg.UpgradeTaskError ? "UpgradeTaskError " + e.kind : "raw " + e; });
        try {
          const client = new pkg.UpgradeTaskClient({ baseUrl, appKey: "a", accessToken: "t" });
          const signalled = new pkg.UpgradeTaskClient({ baseUrl, appKey: "a", getAccessToken: () => "t", signal: new AbortController().signal });
          await settle("wait", pkg.waitForUpgradeTask("op-1", "t", { baseUrl, appKey: "a", maxWaitMs: 1000 }));
          await settle("batch", pkg.queryUpgradeTasks(["op-1"], "t", { baseUrl, appKey: "a" }));
          await settle("clientQuery", client.queryUpgradeTask("op-1"));
          await settle("clientWait", client.waitForUpgradeTask("op-1", { maxWaitMs: 1000 }));
          await settle("clientBatch", client.queryUpgradeTasks(["op-1"]));
          await settle("signalledQuery", signalled.queryUpgradeTask("op-1"));
          await settle("signalledWait", signalled.waitForUpgradeTask("op-1", { signal: new AbortController().signal, maxWaitMs: 1000 }));
        } catch (e) {
          out.constructor = "raw " + e;
        }
        for (const key of keys) delete Object.prototype[key];
        server.close();
        console.log(JSON.stringify(out));
      `);
      return report;
    };
    const calls = ["wait", "batch", "clientQuery", "clientWait", "clientBatch", "signalledQuery", "signalledWait"];
    // Names only the package reads: every call works as if the page had not touched them.
    const mine = await outcomes(["onProgress", "onRetry", "concurrency", "maxWaitMs", "timeoutMs", "retry", "rateLimit", "getAccessToken", "accessToken"]);
    assert.deepEqual(mine, Object.fromEntries(calls.map((name) => [name, "ok"])));
    // `signal` is read by the runtime too (addEventListener's options, fetch's init): Node's
    // fetch fails (a network UpgradeTaskError; a wait then goes on until its maxWaitMs: a
    // network failure is transient), never with the page's error.
    const withSignal = await outcomes(["signal", "onProgress"]);
    assert.deepEqual(Object.keys(withSignal), calls);
    for (const [name, outcome] of Object.entries(withSignal)) {
      const expected = name.toLowerCase().includes("wait") ? "UpgradeTaskError timeout" : "UpgradeTaskError network";
      assert.ok(outcome === "ok" || outcome === expected, `${name}: ${outcome}`);
    }
  });
});

describe("review R1: a client's signal and many calls (R1 #10)", () => {
  let server;
  before(async () => {
    server = await scriptedServer((req, res) => setTimeout(() => json(res, 200, platformTask({ operationId: "op-1", status: "success" })), 100));
  });
  after(() => server.close());

  test("more than ten calls in flight on a client with a signal add no MaxListenersExceededWarning, and the signal still ends them all", async () => {
    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, signal: controller.signal, getAccessToken: () => TOKEN });
      const calls = Array.from({ length: 20 }, () => client.queryUpgradeTask("op-1"));
      const waits = Array.from({ length: 12 }, () => client.waitForUpgradeTask("op-1", { signal: new AbortController().signal, maxWaitMs: 5000 }));
      const done = await Promise.all([...calls, ...waits]);
      assert.equal(done.length, 32);
      await new Promise((resolve) => setTimeout(resolve, 50)); // warnings are emitted on a later tick
      assert.deepEqual(warnings.map((w) => w.name), []);
      // The same client, its signal fired during 15 calls: each rejects aborted with its reason.
      const pending = Array.from({ length: 15 }, () => rejection(client.queryUpgradeTask("op-1")));
      setTimeout(() => controller.abort(new Error("console closed")), 30);
      for (const e of await Promise.all(pending)) {
        assert.equal(e.kind, "aborted", e.message);
        assert.equal(e.cause?.message, "console closed");
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(warnings.map((w) => w.name), []);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("review R1: the 4 MiB body limit is exact (R1 #15)", () => {
  const LIMIT = 4 * 1024 * 1024;
  /** A valid task answer of exactly `bytes` bytes (padding in extendPara). */
  function taskOfSize(bytes, operationId) {
    const empty = JSON.stringify(platformTask({ operationId, extendPara: { pad: "" } }));
    const text = JSON.stringify(platformTask({ operationId, extendPara: { pad: "x".repeat(bytes - Buffer.byteLength(empty)) } }));
    assert.equal(Buffer.byteLength(text), bytes);
    return text;
  }
  let server;
  before(async () => {
    const bodies = {};
    for (const framing of ["length", "chunked"]) {
      bodies[`at-${framing}`] = taskOfSize(LIMIT, `at-${framing}`);
      bodies[`over-${framing}`] = taskOfSize(LIMIT + 1, `over-${framing}`);
    }
    server = await scriptedServer((req, res) => {
      const [id, , framing] = req.url.match(/(at|over)-(length|chunked)/) ?? [];
      const body = bodies[id];
      if (framing === "length") {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        return res.end(body);
      }
      res.writeHead(200, { "content-type": "application/json" }); // chunked: no Content-Length
      const half = Math.floor(body.length / 2);
      res.write(body.slice(0, half));
      setTimeout(() => res.end(body.slice(half)), 5);
    });
  });
  after(() => server.close());

  for (const framing of ["length", "chunked"]) {
    test(`with ${framing === "length" ? "a Content-Length" : "a chunked body"}: exactly 4 MiB is read, one byte more is refused`, async () => {
      const task = await queryUpgradeTask(`at-${framing}`, TOKEN, options(server.baseUrl, { retry: false }));
      const id = `at-${framing}`;
      assert.equal(task.operationId, id);
      assert.equal(task.extendPara.pad.length, LIMIT - Buffer.byteLength(JSON.stringify(platformTask({ operationId: id, extendPara: { pad: "" } }))));
      const e = await rejection(queryUpgradeTask(`over-${framing}`, TOKEN, options(server.baseUrl, { retry: false })));
      assert.equal(e.kind, "invalid_response", e.message);
      assert.ok(e.problems.some((p) => p.path === "" && /^the body is larger than 4194304 bytes/.test(p.message)), JSON.stringify(e.problems));
    });
  }
});

describe("review of the R1 fixes", () => {
  let server;
  before(async () => {
    server = await scriptedServer((req, res) => {
      if (req.url.includes("slow")) return; // never answers
      json(res, 200, platformTask({ operationId: decodeURIComponent(req.url.split("/").pop()), status: "success" }));
    });
  });
  after(() => server.close());

  test("clients that share one signal leave no listener on it once their calls end, and add no warning", async () => {
    const { getEventListeners } = await import("node:events");
    const warnings = [];
    const onWarning = (w) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const app = new AbortController(); // one app-wide shutdown signal
      for (let i = 0; i < 15; i += 1) {
        const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, accessToken: TOKEN, signal: app.signal });
        await client.queryUpgradeTask("op-1");
        await client.waitForUpgradeTask("op-1", { maxWaitMs: 5000 });
      }
      assert.equal(getEventListeners(app.signal, "abort").length, 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(warnings.map((w) => w.name), []);
    } finally {
      process.off("warning", onWarning);
    }
  });

  test("a client signal that fires more than once (an EventTarget that reads as never aborted) cancels each call it fires during", async () => {
    const target = new EventTarget();
    const signal = { aborted: false, addEventListener: (...a) => target.addEventListener(...a), removeEventListener: (...a) => target.removeEventListener(...a) };
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, accessToken: TOKEN, signal, timeoutMs: 5000, retry: false });
    for (let i = 0; i < 2; i += 1) {
      const call = rejection(client.queryUpgradeTask(`slow-${i}`));
      setTimeout(() => target.dispatchEvent(new Event("abort")), 50);
      assert.equal((await call).kind, "aborted", `call ${i}`);
    }
  });

  test("a client call's timeoutMs that is a Symbol or a null-prototype object is invalid_argument, not a raw TypeError", async () => {
    for (const config of [{ accessToken: TOKEN }, { getAccessToken: () => TOKEN }]) {
      const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, ...config });
      for (const timeoutMs of [Symbol("t"), Object.create(null)]) {
        const e = await rejection(client.queryUpgradeTask("op-1", { timeoutMs }));
        assert.equal(e.kind, "invalid_argument", e.message);
        assert.deepEqual(e.problems.map((p) => p.path), ["options.timeoutMs"]);
      }
    }
  });

  test("options that are no object (a number, a string, an array, a function, a trapping Proxy of either) are refused as invalid_argument at path options", async () => {
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, accessToken: TOKEN });
    const bad = () => [5, "x", [], () => {}, throwingProxy(), new Proxy(() => {}, { get: trap, apply: trap })];
    const calls = [
      (o) => client.queryUpgradeTask("op-1", o),
      (o) => client.queryUpgradeTaskList(o),
      (o) => client.queryUpgradeSubTasks("op-1", o),
      (o) => client.waitForUpgradeTask("op-1", o),
      (o) => client.queryUpgradeTasks(["op-1"], o),
      (o) => pkg.waitForUpgradeTask("op-1", TOKEN, o),
      (o) => queryUpgradeTasks(["op-1"], TOKEN, o),
    ];
    for (const [i, call] of calls.entries()) {
      for (const options of bad()) {
        const e = await rejection(call(options));
        assert.equal(e.kind, "invalid_argument", `call ${i}: ${e.message}`);
        assert.deepEqual(e.problems.map((p) => p.path), ["options"], `call ${i}: ${e.message}`);
      }
    }
  });

  test("queryUpgradeTasks reads the caller's options once, whatever the number of ids (as the client does)", async () => {
    const reads = {};
    const counted = {};
    for (const [key, value] of Object.entries({ baseUrl: server.baseUrl, appKey: APP_KEY, concurrency: 2 })) {
      Object.defineProperty(counted, key, { enumerable: true, get: () => ((reads[key] = (reads[key] ?? 0) + 1), value) });
    }
    const results = await queryUpgradeTasks(["op-1", "op-2", "op-3"], TOKEN, counted);
    assert.deepEqual(results.map((r) => r.ok), [true, true, true]);
    assert.deepEqual(reads, { baseUrl: 1, appKey: 1, concurrency: 1 });
  });

  test("new UpgradeTaskClient on an array (a trapping Proxy of one, or one with a throwing getter) throws invalid_argument at config, not the trap", () => {
    const getter = Object.defineProperty([], "accessToken", { get: trap });
    for (const config of [[], throwingProxy(), getter]) {
      let error;
      try {
        new UpgradeTaskClient(config);
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof pkg.UpgradeTaskError, `not an UpgradeTaskError: ${error}`);
      assert.equal(error.kind, "invalid_argument");
      assert.deepEqual(error.problems.map((p) => p.path), ["config"]);
    }
  });

  test("an id list longer than 100000 (a sparse array of length 2^32 - 1) is invalid_argument, not a process out of memory", async () => {
    const ids = ["op-1"];
    ids.length = 2 ** 32 - 1;
    const e = await rejection(queryUpgradeTasks(ids, TOKEN, options(server.baseUrl)));
    assert.equal(e.kind, "invalid_argument");
    assert.deepEqual(e.problems, [{ path: "operationIds", message: "must be an array of at most 100000 operation ids" }]);
  });

  test("the package's own refusals stay UpgradeTaskErrors with getters on Object.prototype for the names they use (cause, secrets, outside, attempts, problems)", async () => {
    const { report } = await inFreshProcess(`
      const pkg = await import(${JSON.stringify(new URL("../../pkg/node.js", import.meta.url).href)});
      const keys = ["cause", "secrets", "outside", "attempts", "problems"];
      for (const key of keys) Object.defineProperty(Object.prototype, key, { configurable: true, get() { throw new Error("trap " + key); } });
      const out = {};
      const settle = async (name, promise) => { try { await promise; out[name] = "resolved"; } catch (e) { out[name] = e instanceof pkg.UpgradeTaskError ? e.kind : "raw " + e; } };
      const client = new pkg.UpgradeTaskClient({ baseUrl: "https://iot.example.com", appKey: "a", accessToken: "t" });
      await settle("concurrency", client.queryUpgradeTasks(["x"], { concurrency: 0 }));
      await settle("walk", (async () => { for await (const _ of client.listUpgradeTasks({}, { pageSize: 0 })); })());
      await settle("signal", pkg.waitForUpgradeTask("op-1", "t", { baseUrl: "https://iot.example.com", appKey: "a", signal: 42 }));
      for (const key of keys) delete Object.prototype[key];
      console.log(JSON.stringify(out));
    `);
    assert.deepEqual(report, { concurrency: "invalid_argument", walk: "invalid_argument", signal: "invalid_argument" });
  });
});
