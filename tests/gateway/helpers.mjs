// Shared set-up for the gateway tests (not a test file itself): the simulator in its
// platform-faithful mode (https, a client certificate required, no CORS) and the built gateway
// package (pkg-gateway/) in front of it on node:http, all on loopback and free ports; plus a raw
// HTTP client that sends paths exactly as given (fetch would normalise `..` and `\`).

import { existsSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../../simulator/index.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "../..");
export const APP = { appId: "demo-app", secret: "demo-secret" };
export const KEY = "console-key-0123456789abcdef";
export const OTHER_KEY = "second-console-key-fedcba9876543210";
export const TASK_PATH = "/iodm/northbound/v1.5.0/operations";

for (const f of ["pkg/node.js", "pkg-gateway/index.mjs"]) {
  if (!existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run make build first (it builds pkg/ and pkg-gateway/).`);
}
export const gatewayModule = await import("../../pkg-gateway/index.mjs");
export const pkg = await import("../../pkg/node.js");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits (real time, polling every 10 ms) until `condition()` is truthy and resolves to its value;
 * rejects naming `what` only after `timeoutMs`: a generous deadline, never a window to hit.
 */
export async function waitFor(condition, what, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await condition();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await sleep(10);
  }
}

/** Counts the requests a server has received (its "request" events), in order. */
export function arrivals(server) {
  const urls = [];
  server.on("request", (req) => urls.push(req.url));
  return urls;
}

/** A pino destination that keeps every line (parsed) for the test to read. */
export function logSink() {
  const lines = [];
  const raw = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line === "") continue;
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      cb();
    },
  });
  return { stream, lines, raw };
}

/** Puts a fake platform's server on a free loopback port: `{ url, close() }` (close cuts its open connections first). */
export async function onLoopback(server) {
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close() {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

export function listen(handler, host = "127.0.0.1") {
  // Idle kept-alive sockets stay open longer than any pause of the test clients (Node's 5 s
  // default could close one just as a client reuses it: a reset that is no gateway's answer).
  const server = http.createServer(handler);
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve(server));
  });
}

/**
 * The simulator (faithful mode unless `sim.tls === false`) and a gateway in front of it.
 * `gateway` overrides createGateway's config; `clientCert: false` starts it without one.
 */
export async function startStack({ sim: simOptions = {}, gateway: gatewayOptions = {}, clientCert = true } = {}) {
  const sim = await startSimulator({ port: 0, tls: true, requireClientCert: true, cors: false, progressMs: 3000, ...simOptions });
  const c = sim.certificates;
  const logs = logSink();
  const config = {
    upstream: sim.baseUrl,
    appId: APP.appId,
    secret: APP.secret,
    ...(c ? { ca: c.ca } : {}),
    ...(c && clientCert ? { cert: c.clientCert, key: c.clientKey } : {}),
    consoleKeys: [KEY, OTHER_KEY],
    logger: { level: "info", destination: logs.stream },
    ...gatewayOptions,
  };
  const gateway = gatewayModule.createGateway(config);
  const server = await listen(gateway);
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    sim,
    gateway,
    server,
    url,
    logs,
    config,
    /** Task queries the simulator saw (GET …/operations…), in order. */
    upstreamQueries: () => sim.requests().filter((r) => r.method === "GET" && r.path.startsWith(TASK_PATH)),
    logins: () => sim.requests().filter((r) => r.method === "POST" && r.path.endsWith("/login")),
    refreshes: () => sim.requests().filter((r) => r.method === "POST" && r.path.endsWith("/refreshToken")),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r()));
      await gateway.close();
      await sim.close();
    },
  };
}

const agent = new http.Agent({ keepAlive: false });

/**
 * A raw request: the path goes on the wire exactly as given.
 * @returns {Promise<{ status: number, headers: http.IncomingHttpHeaders, rawHeaders: string[], text: string, json: any }>}
 */
export function raw(url, pathAndQuery, { method = "GET", headers = {}, key = KEY, body } = {}) {
  const u = new URL(url);
  const h = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: pathAndQuery, headers: h, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, text, json });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The package's options for calls through the gateway: the console key travels as the token. */
export const through = (stack, more = {}) => ({ baseUrl: stack.url, appKey: "console", retry: false, ...more });

/** Rejects unless `p` rejects; resolves to the error. */
export async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

/**
 * The most calls the simulator accepted in any window of `perMs` (sliding, by arrival time).
 * @param {{ time: string }[]} entries
 */
export function maxInWindow(entries, perMs) {
  const t = entries.map((e) => Date.parse(e.time)).sort((a, b) => a - b);
  let most = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi += 1) {
    while (t[hi] - t[lo] >= perMs) lo += 1;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}
