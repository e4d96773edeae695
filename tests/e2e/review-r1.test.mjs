// What review R1 found in the JavaScript layer (pkg-template/api.js) and the edge's reading
// of a response (src/js/fetch.rs), each against the built package over loopback.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { APP_KEY, TOKEN, json, pkg, platformTask, rejection, scriptedServer } from "./helpers.mjs";

const { UpgradeTaskClient, waitForUpgradeTask, queryUpgradeTask } = pkg;

/** `promise`, or a failure after `ms`: a call that should end must not hang the suite. */
function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe("review R1", () => {
  let server;
  before(async () => {
    // Every task stays processing: a wait only ends by its signal or maxWaitMs.
    server = await scriptedServer((req, res) => json(res, 200, platformTask({ operationId: "op-1" })));
  });
  after(() => server.close());

  test("a call's timeoutMs: null is left out, as undefined is: the client's timeoutMs still bounds getAccessToken", async () => {
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, timeoutMs: 300, getAccessToken: () => new Promise(() => {}) });
    const controller = new AbortController(); // ends the call should the deadline be lost
    const timer = setTimeout(() => controller.abort(), 4000);
    const e = await rejection(client.queryUpgradeTask("op-1", { timeoutMs: null, signal: controller.signal })).finally(() => clearTimeout(timer));
    assert.equal(e.kind, "timeout", e.message);
    assert.match(e.message, /getAccessToken/);
  });

  test("the client's signal ends a wait during its pause between polls, with the signal's reason as cause", async () => {
    const controller = new AbortController();
    const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, accessToken: TOKEN, signal: controller.signal });
    let polls = 0;
    const waiting = client.waitForUpgradeTask("op-1", {
      maxWaitMs: 8000,
      minDelayMs: 60000,
      maxDelayMs: 60000,
      onProgress: () => {
        polls += 1;
        setTimeout(() => controller.abort(new Error("operator left")), 50);
      },
    });
    const e = await within(rejection(waiting), 5000, "client signal");
    assert.equal(polls, 1);
    assert.equal(e.kind, "aborted", e.message);
    assert.equal(e.cause?.message, "operator left");
  });

  test("waitForUpgradeTask refuses a signal that is not an AbortSignal, or whose accessors throw, as invalid_argument", async () => {
    const hostile = Object.defineProperty({ addEventListener() {} }, "aborted", {
      get() {
        throw new Error("trap");
      },
    });
    for (const signal of [42, {}, "yes", hostile]) {
      const e = await within(rejection(waitForUpgradeTask("op-1", TOKEN, { baseUrl: server.baseUrl, appKey: APP_KEY, maxWaitMs: 3000, minDelayMs: 1000, signal })), 5000, String(signal));
      assert.equal(e.kind, "invalid_argument", e.message);
      assert.deepEqual(
        e.problems.map((p) => p.path),
        ["options.signal"],
      );
    }
  });

  test("getAccessToken failing with a value String() cannot show is an unauthorized UpgradeTaskError, the value its cause", async () => {
    const odd = [Object.create(null), Symbol("no"), { toString: () => { throw new Error("no text"); } }];
    for (const value of odd) {
      const client = new UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, retry: false, getAccessToken: () => Promise.reject(value) });
      const e = await within(rejection(client.queryUpgradeTask("op-1")), 5000, "odd rejection");
      assert.equal(e.kind, "unauthorized", e.message);
      assert.equal(e.cause, value);
    }
  });

  test("a fetch that gives Response.error() (status 0) is a network error with no HTTP status, not an http error", async () => {
    const real = globalThis.fetch;
    globalThis.fetch = async () => Response.error();
    try {
      const e = await rejection(queryUpgradeTask("op-1", TOKEN, { baseUrl: server.baseUrl, appKey: APP_KEY, retry: false }));
      assert.equal(e.kind, "network", e.message);
      assert.equal(e.httpStatus, null);
    } finally {
      globalThis.fetch = real;
    }
  });
});
