// The fault table: every way the network and the platform fail, one row each, against the
// platform simulator (simulator/index.mjs) with the built package. Every row checks:
// - the kind contract section 4 documents for it (and httpStatus, retryable);
// - no unhandled rejection, during or after the call;
// - neither the access token, the app key nor the app secret in the error (String, stack,
//   JSON, every field) or in anything written to the console or stderr meanwhile;
// - the next call is healthy.
// Each call passes `retry: false`, so one row is one request. The table (row, expected kind,
// got kind, httpStatus, ms) is printed at the end.

import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { startSimulator } from "../../simulator/index.mjs";
import { simClock } from "../sim-clock.mjs";
import { APP_KEY, TOKEN, assertNoSecrets, captured, pkg } from "./helpers.mjs";

const { queryUpgradeTask, UpgradeTaskError } = pkg;

/** The app's login secret: never sent by the client, never to appear either. */
const APP_SECRET = "appsecret-E2E-SECRET-0c4e";
const APPS = [{ appId: APP_KEY, secret: APP_SECRET }];
const HEALTHY_ID = "fw-now-devices";

/** Contract section 4: which kinds are retryable. */
const RETRYABLE = new Set(["throttled", "server", "network", "timeout"]);

const unhandled = [];
const onUnhandled = (reason) => unhandled.push(reason);
process.on("unhandledRejection", onUnhandled);

let sim;
let token;
const table = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  sim = await startSimulator({ port: 0, apps: APPS, throttle: false });
  token = sim.login().accessToken;
});

after(async () => {
  process.off("unhandledRejection", onUnhandled);
  await sim?.close();
  const rows = table.map((r) => ({ ...r, ok: r.expected === r.got ? "yes" : "NO" }));
  console.log("\nFault table (retry: false; one request per row)");
  console.table(rows, ["row", "expected", "got", "httpStatus", "ms", "ok"]);
});

function options(more = {}) {
  return { baseUrl: sim.baseUrl, appKey: APP_KEY, retry: false, timeoutMs: 5000, ...more };
}

function assertNoSecretIn(text, secrets) {
  for (const secret of secrets) assert.ok(!text.includes(secret), `a secret leaked into: ${text.slice(0, 300)}`);
}

/** Lets late rejections and timers of the finished call surface before checking. */
async function settle() {
  await new Promise((resolve) => setImmediate(resolve));
  await sleep(20);
  await new Promise((resolve) => setImmediate(resolve));
}

async function healthyCall(on = sim, accessToken = token) {
  const task = await queryUpgradeTask(HEALTHY_ID, accessToken, { ...options(), baseUrl: on.baseUrl });
  assert.equal(task.operationId, HEALTHY_ID);
  assert.equal(task.status, "success");
}

/**
 * One row: runs `call`, records it in the table, checks the kind and every invariant.
 * `expected` is a kind, or "ok" when the call must succeed.
 */
async function row(name, expected, call, { httpStatus, secrets = [], check, healthy = healthyCall } = {}) {
  const started = performance.now();
  const { value: result, error, lines } = await captured(call);
  const ms = Math.round(performance.now() - started);
  const got = error === undefined ? "ok" : error instanceof UpgradeTaskError ? error.kind : `not an UpgradeTaskError: ${error}`;
  table.push({ row: name, expected, got, httpStatus: error === undefined ? 200 : error?.httpStatus ?? null, ms });
  await settle();
  assert.deepEqual(unhandled, [], "unhandled rejections");
  const allSecrets = [TOKEN, APP_KEY, APP_SECRET, token, ...secrets];
  assertNoSecretIn(lines.join("\n"), allSecrets);
  assert.equal(got, expected, `${name}: ${error?.message ?? "resolved"}`);
  if (error !== undefined) {
    for (const secret of allSecrets) assertNoSecrets(error, secret, APP_KEY);
    assert.equal(error.retryable, RETRYABLE.has(error.kind), `retryable of ${error.kind}`);
    assert.ok(error.message.startsWith(error.kind) || error.message.includes(error.kind), error.message);
    if (httpStatus !== undefined) assert.equal(error.httpStatus, httpStatus, `${name}: httpStatus`);
    if (!["invalid_response", "invalid_argument"].includes(error.kind)) assert.deepEqual(error.problems, []);
  }
  await check?.(error ?? result, ms);
  await healthy();
  await settle();
  assert.deepEqual(unhandled, [], "unhandled rejections after the healthy call");
}

/** A loopback port nothing listens on. */
async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the fault table", () => {
  test("refused: nothing listens on the port", async () => {
    const port = await closedPort();
    await row("refused", "network", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options({ baseUrl: `http://127.0.0.1:${port}` })), {
      httpStatus: null,
    });
  });

  test("reset before headers", async () => {
    sim.setFault("reset", { count: 1 });
    await row("reset before headers", "network", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), { httpStatus: null });
  });

  test("reset mid-body", async () => {
    sim.setFault("reset-body", { count: 1 });
    await row("reset mid-body", "network", () => queryUpgradeTask(HEALTHY_ID, token, options()), { httpStatus: 200 });
  });

  test("hung headers", async () => {
    sim.setFault("hang-headers", { count: 1 });
    await row("hung headers (timeoutMs 400)", "timeout", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options({ timeoutMs: 400 })), {
      httpStatus: null,
      // never before the deadline; after it only as late as a stalled machine makes it
      check: (_, ms) => assert.ok(ms >= 399 && ms < 10_000, `took ${ms} ms`),
    });
  });

  test("hung body", async () => {
    sim.setFault("hang-body", { count: 1 });
    // 1 s: the headers and half body arrive long before the deadline, even on a loaded machine
    await row("hung body (timeoutMs 1000)", "timeout", () => queryUpgradeTask(HEALTHY_ID, token, options({ timeoutMs: 1000 })), {
      httpStatus: 200,
      check: (_, ms) => assert.ok(ms >= 999 && ms < 10_000, `took ${ms} ms`),
    });
  });

  test("headers later than the deadline", async () => {
    sim.setFault("delay=20000", { count: 1 });
    await row("delay 20 s (timeoutMs 300)", "timeout", () => queryUpgradeTask(HEALTHY_ID, token, options({ timeoutMs: 300 })), {
      httpStatus: null,
      check: (_, ms) => assert.ok(ms >= 299 && ms < 10_000, `took ${ms} ms`),
    });
  });

  test("5xx HTML page", async () => {
    sim.setFault("html-502", { count: 1 });
    await row("502 HTML page", "server", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), {
      httpStatus: 502,
      check: (e) => assert.equal(e.errorCode, null),
    });
  });

  test("5xx platform JSON", async () => {
    sim.setFault("status=503", { count: 1 });
    await row("503 platform JSON", "server", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), {
      httpStatus: 503,
      check: (e) => assert.equal(e.errorCode, "50252"),
    });
  });

  test("404 HTML page", async () => {
    sim.setFault("html-404", { count: 1 });
    await row("404 HTML page", "not_found", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), { httpStatus: 404 });
  });

  test("unknown task", async () => {
    await row("unknown task (404, 123009)", "not_found", () => queryUpgradeTask("no-such-task", token, options()), {
      httpStatus: 404,
      check: (e) => assert.equal(e.errorCode, "123009"),
    });
  });

  test("400 with 123029", async () => {
    sim.setFault("status=400;code=123029", { count: 1 });
    await row("400 page limit (123029)", "page_limit", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), { httpStatus: 400 });
  });

  test("429 with Retry-After", async () => {
    sim.setFault("status=429;retry-after=1", { count: 1 });
    await row("429 with Retry-After", "throttled", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), { httpStatus: 429 });
  });

  test("truncated body", async () => {
    sim.setFault("truncated", { count: 1 });
    await row("truncated JSON", "invalid_response", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), {
      httpStatus: 200,
      check: (e) => {
        assert.equal(e.problems.length, 1);
        assert.equal(e.problems[0].path, "");
        assert.match(e.problems[0].message, /truncated/);
      },
    });
  });

  test("oversized body (5 MiB, chunked)", async () => {
    sim.setFault("oversized", { count: 1 });
    await row("oversized 5 MiB chunked", "invalid_response", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), {
      httpStatus: 200,
      check: (e) => {
        assert.equal(e.problems.length, 1);
        assert.equal(e.problems[0].path, "");
        assert.match(e.problems[0].message, /4 MiB/);
      },
    });
  });

  test("slow drip that completes within the deadline", async () => {
    sim.setFault("drip=10;bytes=64", { count: 1 });
    await row("slow drip (64 B / 10 ms)", "ok", () => queryUpgradeTask(HEALTHY_ID, token, options({ timeoutMs: 10_000 })), {
      check: (task, ms) => {
        assert.equal(task.operationId, HEALTHY_ID);
        assert.ok(ms >= 50, `a drip of several chunks took only ${ms} ms`);
      },
    });
  });

  test("slow drip past the deadline", async () => {
    sim.setFault("drip=200;bytes=16", { count: 1 });
    await row("slow drip past timeoutMs 1000", "timeout", () => queryUpgradeTask(HEALTHY_ID, token, options({ timeoutMs: 1000 })), {
      httpStatus: 200,
      check: (_, ms) => assert.ok(ms >= 999, `took ${ms} ms`),
    });
  });

  test("200 with error_code", async () => {
    sim.setFault("error-code-200", { count: 1 });
    await row("200 with error_code 123009", "not_found", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), {
      httpStatus: 200,
      check: (e) => {
        assert.equal(e.errorCode, "123009");
        assert.equal(e.errorDesc, "The requested task does not exist.");
      },
    });
  });

  test("200 with error_code whose text echoes the secrets", async () => {
    sim.setTask("echo-secrets", {
      error_code: "1010009",
      error_desc: `throttled for token ${token} and app_key ${APP_KEY}`,
    });
    await row("200 error text echoing secrets", "throttled", () => queryUpgradeTask("echo-secrets", token, options()), {
      httpStatus: 200,
      check: (e) => {
        assert.equal(e.errorCode, "1010009");
        assert.match(e.errorDesc, /throttled for token .+ and app_key .+/);
      },
    });
  });

  test("resultcode", async () => {
    sim.setFault("resultcode", { count: 1 });
    await row("403 resultcode 1010005", "unauthorized", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), {
      httpStatus: 403,
      check: (e) => assert.equal(e.errorCode, "1010005"),
    });
  });

  test("wrong content-type", async () => {
    // Contract section 3 judges the body, not its label: a valid task as text/plain is a task.
    sim.setFault("wrong-content-type", { count: 1 });
    await row("200 text/plain (valid JSON)", "ok", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), {
      check: (task) => assert.equal(task.operationId, HEALTHY_ID),
    });
  });

  test("JSON array", async () => {
    sim.setFault("json-array", { count: 1 });
    await row("200 JSON array", "invalid_response", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), {
      httpStatus: 200,
      check: (e) => assert.deepEqual(e.problems.map((p) => p.path), [""]),
    });
  });

  test("wrong token", async () => {
    await row("wrong token (403, 1010005)", "unauthorized", () => queryUpgradeTask(HEALTHY_ID, TOKEN, options()), {
      httpStatus: 403,
    });
  });

  test("expired token", async () => {
    // The simulator's clock: the token is expired exactly when the test says, and a fresh one
    // is valid however long the machine takes to use it.
    const clock = simClock();
    const short = await startSimulator({ port: 0, apps: APPS, throttle: false, tokenTtlSeconds: 0.2, ...clock.options });
    try {
      const expiring = short.login().accessToken;
      clock.advance(200);
      await row(
        "expired token (ttl 0.2 s)",
        "unauthorized",
        () => queryUpgradeTask(HEALTHY_ID, expiring, { ...options(), baseUrl: short.baseUrl }),
        {
          httpStatus: 403,
          secrets: [expiring],
          check: () => assert.equal(short.requests().at(-1).auth, "expired"),
          // A fresh login works at once.
          healthy: async () => {
            await healthyCall(short, short.login().accessToken);
            await healthyCall();
          },
        },
      );
    } finally {
      await short.close();
    }
  });

  test("throttle storm", async () => {
    // The simulator's window is on its own clock: the 8 calls land in one window however slowly
    // they are sent, and the window passes when the test moves the clock.
    const clock = simClock();
    const tight = await startSimulator({ port: 0, apps: APPS, throttle: { calls: 3, perMs: 1000 }, ...clock.options });
    try {
      const tightToken = tight.login().accessToken;
      let outcomes;
      await row(
        "throttle storm (8 at once, 3 per 1 s)",
        "throttled",
        async () => {
          const calls = Array.from({ length: 8 }, () =>
            queryUpgradeTask(HEALTHY_ID, tightToken, { ...options(), baseUrl: tight.baseUrl }),
          );
          outcomes = await Promise.allSettled(calls);
          const refused = outcomes.filter((o) => o.status === "rejected");
          // The row's error: the first refusal (all are checked below).
          if (refused.length > 0) throw refused[0].reason;
          return outcomes;
        },
        {
          httpStatus: 403,
          secrets: [tightToken],
          check: () => {
            assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 3);
            for (const o of outcomes.filter((x) => x.status === "rejected")) {
              assert.equal(o.reason.kind, "throttled");
              assert.equal(o.reason.errorCode, "1010009");
              assert.equal(o.reason.retryable, true);
              assertNoSecrets(o.reason, tightToken, APP_KEY);
            }
          },
          // Once the window has passed, the same app is served again.
          healthy: async () => {
            await assert.rejects(queryUpgradeTask(HEALTHY_ID, tightToken, { ...options(), baseUrl: tight.baseUrl }), { kind: "throttled" });
            clock.advance(1000);
            await healthyCall(tight, tightToken);
            await healthyCall();
          },
        },
      );
    } finally {
      await tight.close();
    }
  });
});
