// The gateway when things go wrong around it: the token, the platform's answers, embedding as
// middleware, the shutdown, its configuration (each test fails without the fix it is named for).
// A small fake platform on loopback http; the gateway's time on a virtual clock where it matters.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { describe, test } from "node:test";
import { simClock } from "../sim-clock.mjs";
import { KEY, ROOT, TASK_PATH, gatewayModule, listen, logSink, raw, waitFor } from "./helpers.mjs";

const { createGateway, createMemoryStore, GatewayConfigError, RateLimited } = gatewayModule;
const BIN = path.join(ROOT, "pkg-gateway", "bin.mjs");
const SECRET = "hardening-app-secret-value";
const APP_ID = "hardening-app-id";

/**
 * A fake platform: login and refresh issue `tok-N-SECRETTOKEN` (a new one invalidates the old),
 * task GETs answer 200 with the current token, else 401/1010005. Knobs: `loginFails`,
 * `refreshFails`, `answer(req)` → [status, body text] (instead of the default), `hold` (a promise
 * every GET waits for).
 */
async function fakePlatform({ expiresIn = 3600 } = {}) {
  const p = { logins: 0, refreshes: 0, gets: [], token: null, n: 0, expiresIn, loginFails: false, refreshFails: false, answer: null, hold: null };
  const issue = () => {
    p.n += 1;
    p.token = `tok-${p.n}-SECRETTOKEN`;
    return { accessToken: p.token, tokenType: "bearer", refreshToken: `ref-${p.n}-REFRESHSECRET`, expiresIn: p.expiresIn, scope: "default" };
  };
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    const send = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    const unavailable = { error_code: "50252", error_desc: "temporarily unavailable" };
    if (req.url.endsWith("/login")) {
      p.logins += 1;
      return p.loginFails ? send(503, unavailable) : send(200, issue());
    }
    if (req.url.endsWith("/refreshToken")) {
      p.refreshes += 1;
      return p.refreshFails ? send(503, unavailable) : send(200, issue());
    }
    const auth = req.headers.authorization;
    p.gets.push({ id: req.url.split("/").at(-1), auth: auth?.replace(/^Bearer /, "") });
    if (p.hold) await p.hold;
    if (p.answer) return send(...p.answer(req));
    if (auth !== `Bearer ${p.token}`) return send(401, { error_code: "1010005", error_desc: "Invalid access token" });
    send(200, { operationId: req.url.split("/").at(-1), status: "success" });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  p.url = `http://127.0.0.1:${server.address().port}`;
  p.close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return p;
}

/** A gateway in front of `platform` on node:http; `close()` stops both the server and the gateway. */
async function front(platform, config = {}) {
  const logs = logSink();
  const gateway = createGateway({ upstream: platform.url, appId: APP_ID, secret: SECRET, consoleKeys: [KEY], cacheMs: 0, logger: { level: "info", destination: logs.stream }, ...config });
  const server = await listen(gateway);
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    gateway,
    url,
    logs,
    get: (id, options) => raw(url, `${TASK_PATH}/${id}`, options),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await gateway.close();
    },
  };
}

/** Lets pending promise callbacks and I/O run (the virtual clock stands still meanwhile). */
const settle = () => new Promise((r) => setImmediate(r));

describe("as middleware", () => {
  test("a request passed on with next() leaves the response untouched: no CORS headers, no request id of the gateway's", async () => {
    const { default: express } = await import("../../gateway/node_modules/express/index.js");
    const ORIGIN = "https://console.example.com";
    const platform = await fakePlatform();
    const gateway = createGateway({ upstream: platform.url, appId: APP_ID, secret: SECRET, consoleKeys: [KEY], origins: [ORIGIN], logger: false });
    const app = express();
    app.use((req, res, next) => {
      if (req.path.startsWith("/api/internal")) res.setHeader("x-request-id", "the-app-s-own-id");
      next();
    });
    app.use("/api", gateway);
    app.get("/api/internal/report", (_req, res) => res.json({ internal: true }));
    app.get("/api/plain", (_req, res) => res.json({ plain: true }));
    const server = await listen(app);
    const url = `http://127.0.0.1:${server.address().port}`;
    const gatewayHeaders = (h) => Object.keys(h).filter((k) => k.startsWith("access-control-") || k === "vary" || k === "x-request-id");
    try {
      const report = await raw(url, "/api/internal/report", { key: null, headers: { origin: ORIGIN } });
      assert.deepEqual(report.json, { internal: true });
      assert.equal(report.headers["x-request-id"], "the-app-s-own-id", "the app's own header, not replaced");
      assert.equal(report.headers["access-control-allow-origin"], undefined);
      assert.equal(report.headers["access-control-expose-headers"], undefined);
      assert.equal(report.headers.vary, undefined);
      const plain = await raw(url, "/api/plain", { key: null, headers: { origin: "https://elsewhere.example" } });
      assert.deepEqual(plain.json, { plain: true });
      assert.deepEqual(gatewayHeaders(plain.headers), [], "nothing of the gateway's on the app's route");
      // The gateway's own answers keep them.
      const task = await raw(url, `/api${TASK_PATH}/x`, { headers: { origin: ORIGIN } });
      assert.equal(task.status, 200);
      assert.equal(task.headers["access-control-allow-origin"], ORIGIN);
      assert.equal(task.headers.vary, "Origin");
      assert.match(task.headers["x-request-id"], /^[0-9a-f-]{36}$/);
      const health = await raw(url, "/api/healthz", { key: null, headers: { origin: ORIGIN } });
      assert.equal(health.status, 200);
      assert.equal(health.headers["access-control-allow-origin"], ORIGIN);
      assert.match(health.headers["x-request-id"], /^[0-9a-f-]{36}$/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await gateway.close();
      await platform.close();
    }
  });
});

describe("delays Node's timers cannot hold", () => {
  const base = { upstream: "https://iot.example.com:8743", appId: "a", secret: "s", consoleKeys: [KEY], logger: false };

  test("maxWaitMs, upstreamTimeoutMs and the rate's perMs above 2147483647 ms are refused with GatewayConfigError, naming the option", async () => {
    for (const [change, pattern] of [
      [{ maxWaitMs: 2 ** 31 }, /maxWaitMs must be at most 2147483647 ms/],
      [{ upstreamTimeoutMs: 2 ** 31 }, /upstreamTimeoutMs must be at most 2147483647 ms/],
      [{ rate: { calls: 1, perMs: 2 ** 31 } }, /perMs must be at most 2147483647 ms/],
      [{ rate: "1/2147483648" }, /perMs must be at most 2147483647 ms/],
    ]) {
      assert.throws(() => createGateway({ ...base, ...change }), (e) => e instanceof GatewayConfigError && pattern.test(e.message), JSON.stringify(change));
    }
    const longest = createGateway({ ...base, maxWaitMs: 2 ** 31 - 1, upstreamTimeoutMs: 2 ** 31 - 1, rate: { calls: 1, perMs: 2 ** 31 - 1 } });
    await longest.close();
  });

  test("the bin refuses --max-wait-ms and --rate beyond it: exit 2 with the flag's name", { timeout: 60_000 }, async () => {
    const args = ["--listen", "127.0.0.1:0", "--upstream", "https://127.0.0.1:1", "--app-id", "a", "--console-key", KEY];
    for (const [extra, pattern] of [
      [["--max-wait-ms", "2147483648"], /--max-wait-ms needs a whole number of milliseconds up to 2147483647/],
      [["--rate", "1/2147483648"], /--rate needs MS up to 2147483647/],
    ]) {
      const child = spawn(process.execPath, [BIN, ...args, ...extra], { env: { PATH: process.env.PATH, IOT_SECRET: SECRET }, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (c) => (stderr += c));
      const kill = setTimeout(() => child.kill("SIGKILL"), 15_000); // one that started listening instead
      const code = await new Promise((r) => child.once("exit", (c) => r(c)));
      clearTimeout(kill);
      assert.equal(code, 2, `${extra.join(" ")}: ${stderr}`);
      assert.match(stderr, pattern);
    }
  });
});
