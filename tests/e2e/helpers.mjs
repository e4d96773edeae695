// Shared helpers of the end-to-end tests: the built package, a scriptable local server that
// plays the platform, and the secret checks every error must pass.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import http from "node:http";
import { format } from "node:util";

export const TOKEN = "tok-E2E-SECRET-7f3a9c";
export const APP_KEY = "appkey-E2E-SECRET-51d2";

export const pkg = await import("../../pkg/node.js");

/** A valid platform task body (the platform's own spellings). */
export function platformTask(overrides = {}) {
  return {
    operationId: "op-1",
    createTime: "20151212T121212Z",
    startTime: "20151212T121500Z",
    stopTime: null,
    operateType: "firmware_upgrade",
    status: "processing",
    targets: { devices: ["dev-1", "dev-2"] },
    policy: { executeType: "now", retryType: false },
    staResult: { total: 2, wait: 0, processing: 1, success: 1, fail: 0, stop: 0, timeout: 0 },
    extendPara: { fileVersion: "V2.0" },
    ...overrides,
  };
}

/**
 * Starts a server on 127.0.0.1 whose answers a test scripts: `route(req, res)` decides.
 * Records every request (method, raw url, headers).
 */
export async function scriptedServer(route) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    route(req, res);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  return {
    baseUrl,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Answers JSON with a status. */
export function json(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json;charset=UTF-8", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** Calls queryUpgradeTask expecting a rejection; checks it is a clean UpgradeTaskError. */
export async function rejection(promise, { token = TOKEN, appKey = APP_KEY } = {}) {
  let error;
  try {
    const value = await promise;
    assert.fail(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof pkg.UpgradeTaskError, `not an UpgradeTaskError: ${error}`);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "UpgradeTaskError");
  for (const key of ["kind", "httpStatus", "errorCode", "errorDesc", "hint", "retryable", "problems"]) {
    assert.ok(key in error, `missing ${key}`);
    assert.notEqual(error[key], undefined, `${key} is undefined`);
  }
  assert.ok(Array.isArray(error.problems));
  assertNoSecrets(error, token, appKey);
  return error;
}

/** Neither secret appears in String(e), e.stack, JSON.stringify(e) or any field. */
export function assertNoSecrets(error, token = TOKEN, appKey = APP_KEY) {
  const texts = [String(error), String(error.stack), JSON.stringify(error), JSON.stringify(error.problems), String(error.errorDesc), error.hint, error.message];
  for (const text of texts) {
    for (const secret of [token, appKey]) {
      if (secret) assert.ok(!text.includes(secret), `a secret leaked into: ${text}`);
    }
  }
}

export function options(baseUrl, more = {}) {
  return { baseUrl, appKey: APP_KEY, ...more };
}

/** Runs `fn` with console and stderr captured; returns what it resolved or threw, and the output. */
export async function captured(fn) {
  const lines = [];
  const methods = ["log", "info", "warn", "error", "debug", "trace", "dir"];
  const saved = methods.map((m) => console[m]);
  const savedWrite = process.stderr.write;
  for (const m of methods) console[m] = (...args) => lines.push(format(...args));
  process.stderr.write = (chunk, ...rest) => {
    lines.push(String(chunk));
    rest.find((r) => typeof r === "function")?.();
    return true;
  };
  try {
    return { value: await fn(), lines };
  } catch (error) {
    return { error, lines };
  } finally {
    methods.forEach((m, i) => {
      console[m] = saved[i];
    });
    process.stderr.write = savedWrite;
  }
}


/**
 * Runs `source` (an ES module's text) in a fresh Node process, for cases that pollute globals or
 * could escape uncaught; resolves to its output and the JSON of its last stdout line (`report`,
 * undefined when that line is no JSON). Rejects when the child fails or outlives `timeout`.
 */
export function inFreshProcess(source, { timeout = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", source], { timeout }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`child failed: ${error.message}\n${stderr}`));
      let report;
      try {
        report = JSON.parse(stdout.trim().split("\n").pop());
      } catch {
        report = undefined;
      }
      resolve({ stdout, stderr, report });
    });
  });
}
