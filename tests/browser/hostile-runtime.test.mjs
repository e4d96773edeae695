// A hostile runtime in a real Chromium (issue 13h): a page that defines accessors on
// Object.prototype and Array.prototype. Chromium's own Request is native and reads only the
// init's own members, so here (unlike in Node, whose undici copies the options into objects
// of its own) every call works as if the prototypes were clean, and no setter sees a value
// of the request or the result. tests/e2e/hostile-runtime.test.mjs has the Node side.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { after, before, test } from "node:test";
import { platformTask } from "../e2e/helpers.mjs";
import { ROOT, launchBrowser, newPage } from "./helpers.mjs";

// A bare static server of pkg/ and one blank page: the case needs neither the simulator nor
// the demo (its fetch is replaced in the page).
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
let server;
let browser;
let session;

before(async () => {
  server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    try {
      if (url.pathname === "/") {
        res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>blank</title>");
        return;
      }
      if (!url.pathname.startsWith("/pkg/") || url.pathname.includes("..")) throw new Error("not served");
      const file = path.join(ROOT, url.pathname);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  browser = await launchBrowser();
  session = await newPage(browser);
  await session.page.goto(`http://127.0.0.1:${server.address().port}/`);
});
after(async () => {
  await session?.close();
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

test("accessors on Object.prototype and Array.prototype: the calls work as if the prototypes were clean", { timeout: 30000 }, async () => {
  // The platform's task (tests/e2e/helpers.mjs), with 256 long device ids: the result then
  // crosses through serde-wasm-bindgen's objects and arrays, which a setter could intercept.
  const task = platformTask({ targets: { devices: Array.from({ length: 256 }, (_, i) => `device-${i}-`.padEnd(100, "x")) } });
  const outcome = await session.page.evaluate(async (task) => {
    const pkg = await import("/pkg/index.js");
    const body = JSON.stringify(task);
    const seenRequests = new Map();
    const realFetch = window.fetch.bind(window);
    // The platform's answers from memory; anything else (the package's own .wasm) as usual.
    window.fetch = async (request, init) => {
      if (!(request instanceof Request) || !request.url.startsWith("http://127.0.0.1:9/")) return realFetch(request, init);
      seenRequests.set("redirect", request.redirect).set("credentials", request.credentials).set("method", request.method);
      return new Response(body, { status: 200 });
    };
    const options = { baseUrl: "http://127.0.0.1:9", appKey: "app", retry: false, timeoutMs: 5000, signal: new AbortController().signal };
    const clean = await pkg.queryUpgradeTask("op-1", "tok", options);

    const given = new Set();
    const keys = ["signal", "method", "headers", "body", "operationId", "status", "targets", "devices", "fileVersion"];
    for (const key of keys) {
      Object.defineProperty(Object.prototype, key, {
        configurable: true,
        set(value) {
          given.add(typeof value === "string" ? value : typeof value);
          throw new Error(`setter ${key}`);
        },
      });
    }
    for (const [key, value] of [["redirect", "error"], ["credentials", "omit"]]) {
      Object.defineProperty(Object.prototype, key, { configurable: true, get: () => value, set() {} });
    }
    Object.defineProperty(Array.prototype, "3", { configurable: true, set(value) { given.add(value); throw new Error("setter 3"); } });
    let polluted;
    try {
      polluted = await Promise.race([
        pkg.queryUpgradeTask("op-1", "tok", options).then(
          (value) => ({ value }),
          (error) => ({ error: `${error.kind}: ${error.message}` }),
        ),
        new Promise((resolve) => setTimeout(() => resolve({ error: "the call never settled" }), 5000)),
      ]);
    } finally {
      for (const key of [...keys, "redirect", "credentials"]) delete Object.prototype[key];
      delete Array.prototype[3];
    }
    return {
      error: polluted.error ?? null,
      same: polluted.value !== undefined && JSON.stringify(polluted.value) === JSON.stringify(clean),
      devices: polluted.value?.targets.devices.length ?? null,
      device3: polluted.value?.targets.devices[3] === clean.targets.devices[3],
      seenRequests: Object.fromEntries(seenRequests),
      leaked: [...given].filter((v) => typeof v === "string" && v !== "function" && v !== "object"),
    };
  }, task);
  assert.equal(outcome.error, null);
  assert.equal(outcome.same, true);
  assert.equal(outcome.devices, 256);
  assert.equal(outcome.device3, true);
  assert.deepEqual(outcome.seenRequests, { redirect: "follow", credentials: "same-origin", method: "GET" });
  assert.deepEqual(outcome.leaked, [], "a setter on a prototype was given a value of the request or the result");
});
