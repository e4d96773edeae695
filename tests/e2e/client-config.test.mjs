// The client's configuration is checked where it is written (`new UpgradeTaskClient`), with
// the same rules and words as every call's own check in the core; `appId` given where
// `appKey` is meant (and the reverse for login) gets "did you mean"; an abort keeps the
// signal's reason as the error's cause.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import { json, pkg, platformTask, scriptedServer } from "./helpers.mjs";

const { queryUpgradeTask, waitForUpgradeTask, login, UpgradeTaskClient, UpgradeTaskError } = pkg;
const cjs = createRequire(import.meta.url)("../../pkg/node.cjs");

const GOOD = { baseUrl: "https://iot.example.com:8743", appKey: "app", accessToken: "token" };

/** The problems the constructor throws with, or null when it does not throw. */
function constructorProblems(Client, config) {
  try {
    new Client(config);
    return null;
  } catch (error) {
    assert.ok(error instanceof UpgradeTaskError, `not an UpgradeTaskError: ${error}`);
    assert.equal(error.kind, "invalid_argument");
    assert.equal(error.attempts, 0);
    assert.match(error.message, /^invalid_argument: config/);
    return error.problems;
  }
}

/**
 * The problems the core finds in the same settings given to a call, in the constructor's words
 * (`options.x` and `accessToken` become `config.x`), or null when it accepts them. An aborted
 * signal keeps a good call from sending anything: it then rejects with `aborted`.
 */
async function coreProblems(config) {
  const { accessToken, ...options } = config;
  const signal = "signal" in options ? options.signal : AbortSignal.abort();
  try {
    await queryUpgradeTask("op-1", accessToken, { ...options, signal });
    assert.fail("an aborted call resolved");
  } catch (error) {
    if (error.kind === "aborted") return null;
    assert.equal(error.kind, "invalid_argument", error.message);
    return error.problems.map(({ path, message }) => ({
      path: path === "accessToken" ? "config.accessToken" : path.replace(/^options\./, "config."),
      message: message.replaceAll("options.", "config."),
    }));
  }
}

const bases = [
  "https://iot.example.com:8743",
  "https://iot.example.com:8743/gateway/iot/",
  "HTTPS://IOT.EXAMPLE.COM",
  "https://1.2.3.4",
  "https://[2001:db8::1]:8743",
  "http://localhost:8743",
  "http://LOCALHOST:1",
  "http://127.0.0.1:8743",
  "http://127.20.30.40",
  "http://[::1]:8743",
  "https://x.",
  "https://a-b.c",
  "iot.example.com:8743",
  "//iot.example.com",
  "ftp://iot.example.com",
  "http://iot.example.com",
  "http://127.1",
  "http://[::2]:1",
  "https://user:pw@iot.example.com",
  "https://iot.example.com/?q=1",
  "https://iot.example.com/#top",
  "https://iot.example.com:99999",
  "https://iot.example.com:",
  "https://iot.example.com:8a",
  "https://[::1",
  "https://[::1]x",
  "https://[zz::1]",
  "https://bad_host",
  "https://xn--a",
  "https://1.2.3",
  "https://0x7f.0.0.1",
  "https://256.1.1.1",
  "https://01.2.3.4",
  "https://1.2.3.4.",
  "https:// iot.example.com",
  "https://iot.example.com\\x",
  "https://ünicode.example",
  "https://",
  "",
  42,
  ["https://x"],
  "https://\ud800.example",
];

/** An object every read of which throws (a hostile Proxy), and one revoked. */
const throwing = () => new Proxy({}, { get() { throw new Error("trap"); }, has() { throw new Error("trap"); } });
const revoked = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const trappedField = (key) => Object.defineProperty({}, key, { enumerable: true, get() { throw new Error("trap"); } });
// Nested options and signals whose reads throw: the core reads each such field as absent (or
// names what cannot be read); the constructor must say the same, never throw raw (review R1 #7).
const hostile = [
  ...[throwing(), revoked(), trappedField("maxAttempts")].map((retry) => ({ ...GOOD, retry })),
  ...[throwing(), revoked(), trappedField("calls")].map((rateLimit) => ({ ...GOOD, rateLimit })),
  ...[throwing(), revoked(), Object.defineProperty({ addEventListener() {} }, "aborted", { get() { throw new Error("trap"); } })].map((signal) => ({ ...GOOD, signal })),
];

const numbers = [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "5s", 1e12, 5000, null, true];
const corpus = [
  GOOD,
  ...bases.map((baseUrl) => ({ ...GOOD, baseUrl })),
  ...numbers.map((timeoutMs) => ({ ...GOOD, timeoutMs })),
  ...numbers.map((attemptTimeoutMs) => ({ ...GOOD, attemptTimeoutMs })),
  ...[true, [], "x", 0, false, {}, { maxAttempts: 0 }, { maxAttempts: 101 }, { maxAttempts: 1.5 }, { maxAttempts: "3" }, { baseDelayMs: 0 }, { baseDelayMs: -1 }, { maxDelayMs: "1s" }, { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100 }].map((retry) => ({ ...GOOD, retry })),
  ...[true, [], "x", false, {}, { calls: 0 }, { calls: 1e10 }, { calls: 2.5 }, { calls: "5" }, { perMs: 0 }, { perMs: "1m" }, { calls: 10, perMs: 1000 }].map((rateLimit) => ({ ...GOOD, rateLimit })),
  ...["", 5, "a\r\nb", "a\tb", "ключ", "\ud800", null, undefined].map((appKey) => ({ ...GOOD, appKey })),
  ...["", 5, "t\n", "токен", "\udc00x"].map((accessToken) => ({ ...GOOD, accessToken })),
  ...[{}, "x", 1, { aborted: true }].map((signal) => ({ ...GOOD, signal })),
  { baseUrl: "https://iot.example.com", appId: "app", accessToken: "token" },
  { baseUrl: "https://iot.example.com", appId: "app", appKey: "app", accessToken: "token" },
  { baseUrl: "http://iot.example.com", appKey: "", accessToken: "t\r", timeoutMs: -5, retry: { maxAttempts: 0 }, rateLimit: { perMs: -1 } },
  ...hostile,
];

describe("UpgradeTaskClient checks all of its configuration at construction", () => {
  test("a bad baseUrl, timeoutMs, retry, rateLimit or appKey throws from the constructor (ESM and CommonJS)", () => {
    for (const Client of [UpgradeTaskClient, cjs.UpgradeTaskClient]) {
      for (const [bad, path] of [
        [{ baseUrl: "iot.example.com:8743" }, "config.baseUrl"],
        [{ baseUrl: "http://iot.example.com" }, "config.baseUrl"],
        [{ timeoutMs: -1 }, "config.timeoutMs"],
        [{ timeoutMs: "30s" }, "config.timeoutMs"],
        [{ attemptTimeoutMs: 0 }, "config.attemptTimeoutMs"],
        [{ retry: { maxAttempts: 0 } }, "config.retry.maxAttempts"],
        [{ rateLimit: { calls: 0 } }, "config.rateLimit.calls"],
        [{ appKey: "" }, "config.appKey"],
        [{ accessToken: "a\r\nb" }, "config.accessToken"],
      ]) {
        const problems = constructorProblems(Client, { ...GOOD, ...bad });
        assert.deepEqual(problems?.map((p) => p.path), [path], JSON.stringify(bad));
      }
      assert.equal(constructorProblems(Client, GOOD), null);
      assert.equal(constructorProblems(Client, { baseUrl: "https://x", appKey: "a", getAccessToken: () => "t" }), null);
      assert.deepEqual(constructorProblems(Client, { baseUrl: "https://x", appKey: "a" }), [
        { path: "config.accessToken", message: "needs exactly one of accessToken (a string) or getAccessToken (a function)" },
      ]);
      assert.deepEqual(constructorProblems(Client, { baseUrl: "https://x", appKey: "a", getAccessToken: "t" }), [
        { path: "config.getAccessToken", message: "must be a function, got string" },
      ]);
      assert.equal(constructorProblems(Client, undefined)?.[0].path, "config");
    }
  });

  test("every problem is listed, and the message never holds the token", () => {
    const token = "tok\r\nSECRET-123";
    let error;
    try {
      new UpgradeTaskClient({ baseUrl: "ftp://x", appKey: "a", accessToken: token, timeoutMs: 0, retry: true });
    } catch (e) {
      error = e;
    }
    assert.deepEqual(error.problems.map((p) => p.path), ["config.accessToken", "config.baseUrl", "config.timeoutMs", "config.retry"]);
    assert.match(error.message, /^invalid_argument: config\.accessToken must not contain control characters .* \(and 3 more problems\)$/);
    assert.ok(!JSON.stringify({ m: error.message, p: error.problems }).includes("SECRET-123"));
  });

  test("the constructor and the core give the same answer on every configuration of the corpus", async () => {
    for (const [index, config] of corpus.entries()) {
      let label;
      try {
        label = JSON.stringify(config, (k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
      } catch {
        label = `corpus[${index}] (hostile: cannot be shown)`;
      }
      const mine = constructorProblems(UpgradeTaskClient, config);
      const core = await coreProblems(config);
      const sorted = (list) => list && [...list].sort((a, b) => a.path.localeCompare(b.path) || a.message.localeCompare(b.message));
      assert.deepEqual(sorted(mine), sorted(core), label);
    }
  });
});

describe("did you mean appKey / appId?", () => {
  test("appId given to queryUpgradeTask, appKey given to login, appId given to the client", async () => {
    const query = await queryUpgradeTask("op-1", "token", { baseUrl: "https://iot.example.com", appId: "app" }).catch((e) => e);
    assert.equal(query.kind, "invalid_argument");
    assert.deepEqual(query.problems, [{ path: "options.appKey", message: "is required (a non-empty string); options.appId was given: did you mean appKey?" }]);
    assert.match(query.message, /did you mean appKey\?/);

    const session = await login({ baseUrl: "https://iot.example.com", appKey: "app", secret: "demo-secret" }).catch((e) => e);
    assert.equal(session.kind, "invalid_argument");
    assert.deepEqual(session.problems.map((p) => p.path), ["options.appId"]);
    assert.match(session.problems[0].message, /options\.appKey was given: did you mean appId\?$/);

    const problems = constructorProblems(UpgradeTaskClient, { baseUrl: "https://iot.example.com", appId: "app", accessToken: "t" });
    assert.deepEqual(problems, [{ path: "config.appKey", message: "is required (a non-empty string); config.appId was given: did you mean appKey?" }]);
  });
});

describe("an abort keeps the signal's reason as the error's cause", () => {
  let server;
  let hold = false;
  before(async () => {
    server = await scriptedServer((req, res) => {
      if (hold) return; // never answers: the call waits until it is aborted
      json(res, 200, platformTask({ status: "processing" }));
    });
  });
  after(() => server.close());
  const options = (signal, more = {}) => ({ baseUrl: server.baseUrl, appKey: "k", signal, ...more });

  test("already aborted, aborted in flight, aborted while waiting, through a client", async () => {
    const reason = new Error("the operator closed the page");
    const early = await queryUpgradeTask("op-1", "t", options(AbortSignal.abort(reason))).catch((e) => e);
    assert.equal(early.kind, "aborted");
    assert.equal(early.cause, reason);

    hold = true;
    const inFlight = new AbortController();
    const pending = queryUpgradeTask("op-1", "t", options(inFlight.signal)).catch((e) => e);
    setTimeout(() => inFlight.abort(reason), 50);
    const flight = await pending;
    assert.equal(flight.kind, "aborted");
    assert.equal(flight.cause, reason);
    assert.equal(flight.attempts, 1);

    const viaClient = new AbortController();
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: "k", accessToken: "t" });
    const clientCall = client.queryUpgradeTask("op-1", { signal: viaClient.signal }).catch((e) => e);
    setTimeout(() => viaClient.abort("a string reason"), 50);
    const fromClient = await clientCall;
    assert.equal(fromClient.kind, "aborted");
    assert.equal(fromClient.cause, "a string reason");
    hold = false;

    const waiting = new AbortController();
    const wait = waitForUpgradeTask("op-1", "t", options(waiting.signal, { minDelayMs: 20, maxDelayMs: 40 })).catch((e) => e);
    setTimeout(() => waiting.abort(reason), 150);
    const waited = await wait;
    assert.equal(waited.kind, "aborted");
    assert.equal(waited.cause, reason);

    const preWait = await waitForUpgradeTask("op-1", "t", options(AbortSignal.abort(reason))).catch((e) => e);
    assert.equal(preWait.cause, reason);

    // Without a signal, or for other kinds, no cause is invented.
    const notFound = await queryUpgradeTask("op-1", "t", { baseUrl: "http://127.0.0.1:1", appKey: "k", retry: false }).catch((e) => e);
    assert.equal(notFound.kind, "network");
    assert.equal(Object.hasOwn(notFound, "cause"), false);
  });
});

describe("a client's calls cannot name another platform", () => {
  let home;
  let elsewhere;
  before(async () => {
    home = await scriptedServer((req, res) => json(res, 200, platformTask()));
    elsewhere = await scriptedServer((req, res) => json(res, 200, platformTask()));
  });
  after(() => Promise.all([home.close(), elsewhere.close()]));

  test("options.baseUrl or options.appKey: invalid_argument from every client method, and nothing is sent anywhere", async () => {
    const client = new UpgradeTaskClient({ baseUrl: home.baseUrl, appKey: "home-app", getAccessToken: () => "the-clients-own-token" });
    const calls = [
      (o) => client.queryUpgradeTask("op-1", o),
      (o) => client.queryUpgradeTasks(["op-1", "op-2"], o),
      (o) => client.waitForUpgradeTask("op-1", o),
      (o) => client.queryUpgradeTaskList(o),
      (o) => client.queryUpgradeSubTasks("op-1", o),
      async (o) => {
        for await (const task of client.listUpgradeTasks({}, o)) assert.fail(`a task was listed: ${task.operationId}`);
      },
      async (o) => {
        for await (const subTask of client.listUpgradeSubTasks("op-1", o)) assert.fail(`a subtask was listed: ${subTask.subOperationId}`);
      },
    ];
    for (const [i, call] of calls.entries()) {
      for (const [options, paths] of [
        [{ baseUrl: elsewhere.baseUrl }, ["options.baseUrl"]],
        [{ appKey: "another-app" }, ["options.appKey"]],
        [{ appKey: "another-app", baseUrl: elsewhere.baseUrl, retry: false }, ["options.baseUrl", "options.appKey"]],
      ]) {
        const error = await call(options).then(
          () => assert.fail(`call ${i} resolved`),
          (e) => e,
        );
        assert.ok(error instanceof UpgradeTaskError, `call ${i}: ${error}`);
        assert.equal(error.kind, "invalid_argument", `call ${i}: ${error.message}`);
        assert.deepEqual(error.problems.map((p) => p.path), paths, `call ${i}`);
        assert.match(error.message, /^invalid_argument: options\.(baseUrl|appKey) is the client's own \(config\.(baseUrl|appKey)\)/);
        assert.equal(error.message.includes("another-app"), false);
      }
    }
    assert.equal(elsewhere.requests.length, 0, "a request went to the other host");
    assert.equal(home.requests.length, 0, "a refused call still sent a request");
    // The same options without the two keys are a normal call to the client's own platform.
    const task = await client.queryUpgradeTask("op-1", { retry: false, baseUrl: undefined });
    assert.equal(task.operationId, platformTask().operationId);
    assert.equal(home.requests.length, 1);
  });
});

test("a client call's option set to undefined keeps the client's setting", async () => {
  let hold = true;
  const server = await scriptedServer((req, res) => {
    if (!hold) json(res, 200, platformTask());
  });
  try {
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: "k", accessToken: "t", timeoutMs: 200, retry: false });
    const started = Date.now();
    const error = await client.queryUpgradeTask("op-1", { timeoutMs: undefined, retry: undefined }).catch((e) => e);
    assert.equal(error.kind, "timeout", error.message);
    assert.equal(error.attempts, 1, "retry: undefined turned the client's retry: false back on");
    assert.ok(Date.now() - started < 20_000, "timeoutMs: undefined dropped the client's 200 ms for the 30 s default");
    hold = false;
    assert.equal((await client.queryUpgradeTask("op-1", { timeoutMs: undefined })).operationId, platformTask().operationId);
  } finally {
    await server.close();
  }
});
