// The contract, end to end: the built package in Node against local servers on 127.0.0.1.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { APP_KEY, TOKEN, json, options, pkg, platformTask, rejection, scriptedServer } from "./helpers.mjs";

const { queryUpgradeTask, UpgradeTaskError } = pkg;

let server;
let route = (req, res) => json(res, 200, platformTask());
before(async () => {
  server = await scriptedServer((req, res) => route(req, res));
});
after(() => server.close());

function answer(fn) {
  route = fn;
  server.requests.length = 0;
}

/** After every failure, the next call works. */
async function healthy() {
  answer((req, res) => json(res, 200, platformTask()));
  const task = await queryUpgradeTask("op-1", TOKEN, options(server.baseUrl));
  assert.equal(task.status, "processing");
}

describe("the wire", () => {
  test("GET with app_key, Bearer token and Accept", async () => {
    answer((req, res) => json(res, 200, platformTask()));
    await queryUpgradeTask("op-1", TOKEN, options(server.baseUrl));
    assert.equal(server.requests.length, 1);
    const [req] = server.requests;
    assert.equal(req.method, "GET");
    assert.equal(req.url, "/iodm/northbound/v1.5.0/operations/op-1");
    assert.equal(req.headers.app_key, APP_KEY);
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req.headers.accept, "application/json");
  });

  test("the id is percent-encoded as one path segment", async () => {
    answer((req, res) => json(res, 200, platformTask()));
    await queryUpgradeTask("a/b?c=1#d %é..", TOKEN, options(server.baseUrl));
    assert.equal(server.requests[0].url, "/iodm/northbound/v1.5.0/operations/a%2Fb%3Fc%3D1%23d%20%25%C3%A9..");
  });

  test("a baseUrl prefix and trailing slash are handled", async () => {
    answer((req, res) => json(res, 200, platformTask()));
    await queryUpgradeTask("x", TOKEN, options(`${server.baseUrl}/iot/`));
    await queryUpgradeTask("x", TOKEN, options(`${server.baseUrl}/iot`));
    assert.deepEqual(
      server.requests.map((r) => r.url),
      ["/iot/iodm/northbound/v1.5.0/operations/x", "/iot/iodm/northbound/v1.5.0/operations/x"],
    );
  });

  test("unknown option keys are ignored and a huge timeoutMs is clamped, not fired at once", async () => {
    answer((req, res) => setTimeout(() => json(res, 200, platformTask()), 50));
    const task = await queryUpgradeTask("x", TOKEN, options(server.baseUrl, { timeoutMs: 1e15, retry: { whatever: 1 }, colour: "blue" }));
    assert.equal(task.operationId, "op-1");
  });
});

describe("the result", () => {
  test("has exactly the contract's keys, normalised", async () => {
    answer((req, res) =>
      json(res, 200, {
        ...platformTask(),
        operateType: "FIRMWARE-UPGRADE",
        createTime: "2015-12-12T20:12:12+08:00",
        policy: { executeType: "deviceOnline", retryType: "true", retryTimes: "3" },
        staResult: { total: "2", success: 1, processing: null },
        extendPara: { fileVersion: "", extra: { a: [1, 2] }, big: 12345678901234567890 },
        unknownTopLevel: true,
      }),
    );
    const task = await queryUpgradeTask("op-1", TOKEN, options(server.baseUrl));
    assert.deepEqual(task, {
      operationId: "op-1",
      createTime: "2015-12-12T12:12:12Z",
      startTime: "2015-12-12T12:15:00Z",
      stopTime: null,
      operateType: "firmware_upgrade",
      status: "processing",
      targets: { deviceGroups: [], deviceType: null, model: null, manufacturerName: null, devices: ["dev-1", "dev-2"] },
      policy: { executeType: "device_online", startTime: null, endTime: null, retryType: true, retryTimes: 3 },
      staResult: { total: 2, wait: 0, processing: 0, success: 1, fail: 0, stop: 0, timeout: 0 },
      extendPara: { fileVersion: null, extra: { a: [1, 2] }, big: 12345678901234567890 },
    });
    assert.equal(Object.getPrototypeOf(task), Object.prototype, "a plain object, not a Map");
    assert.equal(Object.getPrototypeOf(task.extendPara), Object.prototype);
  });

  test("long device and group names come back exactly as sent, in order", async () => {
    // Names of over 80 bytes, through the task's serde_json text and one JSON.parse: 1- to
    // 4-byte UTF-8 (a 4-byte character is two UTF-16 code units), escapes, a NUL, and a first
    // name that starts with U+FEFF (a decoder that dropped a leading BOM would lose it).
    const long = (head, fill) => `${head}-${fill.repeat(Math.ceil(80 / fill.length))}`;
    const deviceGroups = [long("\uFEFFgrp-bom", "b"), long("grp-ascii", "abc"), long("grp-é", "é"), long("grp-水", "水")];
    const devices = [long("dev-😀", "😀"), "d", long("dev-mix", "aé水😀"), long('dev-"\\/\n\t\u0000', "\u0000"), long("dev-last", "z")];
    answer((req, res) => json(res, 200, platformTask({ targets: { deviceGroups, deviceType: "T", model: "M", manufacturerName: "Acme", devices } })));
    const task = await queryUpgradeTask("op-1", TOKEN, options(server.baseUrl));
    assert.deepEqual(task.targets, { deviceGroups, deviceType: "T", model: "M", manufacturerName: "Acme", devices });
    assert.deepEqual(Object.keys(task.targets), ["deviceGroups", "deviceType", "model", "manufacturerName", "devices"]);
    assert.equal(Object.getPrototypeOf(task.targets.devices), Array.prototype);
  });

  test("invalid_response lists every problem with its path", async () => {
    answer((req, res) =>
      json(res, 200, {
        ...platformTask(),
        status: "finished",
        targets: { devices: ["ok", "", 3] },
        staResult: { total: 1, success: 2 },
      }),
    );
    const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl)));
    assert.equal(e.kind, "invalid_response");
    assert.equal(e.httpStatus, 200);
    assert.equal(e.retryable, false);
    assert.deepEqual(
      e.problems.map((p) => p.path),
      ["status", "targets.devices[1]", "targets.devices[2]", "staResult.success", "staResult"],
    );
    for (const p of e.problems) assert.equal(typeof p.message, "string");
    await healthy();
  });
});

describe("the error table", () => {
  // status, body, kind, retryable (contract section 4: kinds follow the platform code first,
  // and a kind's retryability is the table's: a 200 carrying 1010009 is throttled, retryable).
  const rows = [
    [400, { error_code: "120015", error_desc: "Bad request error." }, "bad_request", false],
    [400, { error_code: "123029", error_desc: "pageNo or pageSize beyond the limit." }, "page_limit", false],
    [403, { error_code: "1010009", error_desc: "app throttle exceed." }, "throttled", true],
    [429, "", "throttled", true],
    [401, "", "unauthorized", false],
    [403, { error_code: "1010005", error_desc: "App_key or access_token is invalid." }, "unauthorized", false],
    [404, { error_code: "123009", error_desc: "The requested task does not exist." }, "not_found", false],
    [500, { error_code: "999", error_desc: "boom" }, "server", true],
    [503, "", "server", true],
    [418, "", "http", false],
    [200, { error_code: "123009", error_desc: "The requested task does not exist." }, "not_found", false],
    [200, { error_code: 1010009, error_desc: "app throttle exceed." }, "throttled", true],
    [200, { error_code: "42", error_desc: "odd" }, "http", false],
    [403, { resultcode: "1010005", resultmsg: "App_key or access_token is invalid." }, "unauthorized", false],
    [502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "server", true],
  ];
  test("the table agrees with the contract's retryable column for every kind", () => {
    const contract = { bad_request: false, page_limit: false, throttled: true, unauthorized: false, not_found: false, server: true, http: false };
    for (const [status, body, kind, retryable] of rows) assert.equal(retryable, contract[kind], `${status} ${JSON.stringify(body)}`);
    assert.deepEqual(new Set(rows.map((r) => r[2])), new Set(Object.keys(contract)), "every response kind has a row");
  });

  for (const [status, body, kind, retryable] of rows) {
    test(`${status} ${typeof body === "string" ? JSON.stringify(body.slice(0, 20)) : JSON.stringify(body)} → ${kind}${retryable ? ", retryable" : ""}`, async () => {
      answer((req, res) =>
        typeof body === "string" && body.startsWith("<")
          ? (res.writeHead(status, { "content-type": "text/html" }), res.end(body))
          : json(res, status, body),
      );
      const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl)));
      assert.equal(e.kind, kind);
      assert.equal(e.httpStatus, status);
      assert.equal(e.retryable, retryable);
      const code = body.error_code ?? body.resultcode;
      assert.equal(e.errorCode, code === undefined ? null : String(code));
      assert.equal(e.errorDesc, body.error_desc ?? body.resultmsg ?? null);
      assert.ok(e.message.includes(kind) && e.message.includes(String(status)), e.message);
      if (code !== undefined) assert.ok(e.message.includes(String(code)), e.message);
      assert.ok(e.hint.length > 10);
      assert.deepEqual(e.problems, []);
      await healthy();
    });
  }

  test("platform text echoing the token or app key is scrubbed", async () => {
    answer((req, res) => json(res, 403, { error_code: "1010005", error_desc: `token ${TOKEN} with app ${APP_KEY} is invalid` }));
    const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl)));
    assert.equal(e.errorDesc, "token [redacted] with app [redacted] is invalid");
  });
});

describe("bodies that break the format", () => {
  const cases = {
    "truncated JSON": (res) => json(res, 200, JSON.stringify(platformTask()).slice(0, 40)),
    "a JSON array": (res) => json(res, 200, "[]"),
    "an HTML page with 200": (res) => (res.writeHead(200, { "content-type": "text/html" }), res.end("<!doctype html><p>hi</p>")),
    "an empty body": (res) => json(res, 200, ""),
    "deep nesting": (res) => json(res, 200, `{"extendPara":${"[".repeat(50000)}${"]".repeat(50000)}}`),
  };
  for (const [name, send] of Object.entries(cases)) {
    test(`${name} → invalid_response with path ""`, async () => {
      answer((req, res) => send(res));
      const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl)));
      assert.equal(e.kind, "invalid_response");
      assert.equal(e.httpStatus, 200);
      assert.deepEqual(e.problems.map((p) => p.path), [""]);
      await healthy();
    });
  }

  for (const chunked of [true, false]) {
    test(`a 5 MiB body (${chunked ? "chunked" : "with content-length"}) → invalid_response`, async () => {
      const size = 5 * 1024 * 1024;
      answer((req, res) => {
        const headers = { "content-type": "application/json" };
        if (!chunked) headers["content-length"] = String(size);
        res.writeHead(200, headers);
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < size) {
            sent += chunk.length;
            if (!res.write(chunk)) return res.once("drain", pump);
          }
          res.end();
        };
        res.on("error", () => {});
        pump();
      });
      const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl)));
      assert.equal(e.kind, "invalid_response");
      assert.match(e.problems[0].message, /4 MiB/);
      await healthy();
    });
  }

  // The body read ends at Content-Length only where the runtime holds the body to it (a
  // response of its own fetch, not compressed): a compressed body is read to its end, and the
  // cap counts its decoded bytes.
  test("a gzip body is read to its end, however short its Content-Length", async () => {
    // Two gzip members: the task's text up to a long run of spaces, stored (level 0), sized so
    // that the whole body is exactly 16 KiB, then the spaces and the rest, compressed. Node
    // decodes it in 16 KiB pieces, so the first piece is exactly Content-Length bytes long:
    // a read that trusted Content-Length would stop there, in the middle of the text.
    const spaces = " ".repeat(30000);
    const text = (n) => JSON.stringify(platformTask({ operationId: "op-gzip", extendPara: { note: "x".repeat(n) + spaces } }));
    const headOf = (n) => text(n).slice(0, text(n).indexOf(spaces));
    const rest = gzipSync(text(0).slice(headOf(0).length), { level: 9 });
    const stored = (n) => gzipSync(headOf(n), { level: 0 });
    const n = 16384 - rest.length - stored(0).length;
    const body = Buffer.concat([stored(n), rest]);
    assert.equal(body.length, 16384);
    answer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": body.length });
      res.end(body);
    });
    const task = await queryUpgradeTask("op-gzip", TOKEN, options(server.baseUrl));
    assert.equal(task.operationId, "op-gzip");
    assert.equal(task.extendPara.note, "x".repeat(n) + spaces);
  });

  test("a gzip body that decodes past 4 MiB → invalid_response, its Content-Length small", async () => {
    const body = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20));
    answer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": body.length });
      res.end(body);
    });
    const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl)));
    assert.equal(e.kind, "invalid_response");
    assert.match(e.problems[0].message, /4 MiB/);
    await healthy();
  });

  test("a Content-Length body sent in pieces is read whole", async () => {
    const text = JSON.stringify(platformTask({ operationId: "op-pieces" }));
    answer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.write(text.slice(0, 10));
      setTimeout(() => res.write(text.slice(10, 200)), 20);
      setTimeout(() => res.end(text.slice(200)), 40);
    });
    const task = await queryUpgradeTask("op-pieces", TOKEN, options(server.baseUrl));
    assert.equal(task.operationId, "op-pieces");
  });

  test("a 5 MiB error page still classifies by status", async () => {
    answer((req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.on("error", () => {});
      res.end(Buffer.alloc(5 * 1024 * 1024, 0x41));
    });
    const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl)));
    assert.equal(e.kind, "server");
    assert.equal(e.httpStatus, 502);
    await healthy();
  });
});

describe("deadlines, cancellation and the network", () => {
  test("a hung server rejects with timeout at timeoutMs, not before", async () => {
    answer(() => {});
    const started = performance.now();
    const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl, { timeoutMs: 300 })));
    const took = performance.now() - started;
    assert.equal(e.kind, "timeout");
    assert.equal(e.httpStatus, null);
    assert.equal(e.retryable, true);
    assert.equal(server.requests.length, 1, "the request was sent and hung");
    // A timer never fires early (1 ms of clock granularity allowed); late only on a stalled machine.
    assert.ok(took >= 299, `the deadline fired early, after ${took.toFixed(1)} ms`);
    assert.ok(took < 10_000, `the deadline fired late, after ${took.toFixed(1)} ms`);
    await healthy();
  });

  test("headers then a hung body: timeout with the status kept", async () => {
    answer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"operationId":');
    });
    // 1 s: the headers reach the client long before, even on a loaded machine
    const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl, { timeoutMs: 1000 })));
    assert.equal(e.kind, "timeout");
    assert.equal(e.httpStatus, 200);
    await healthy();
  });

  test("the caller's signal aborts in flight", async () => {
    const controller = new AbortController();
    // abort once the request has reached the server: "in flight" on a slow machine too
    const reached = new Promise((resolve) => answer(() => resolve()));
    reached.then(() => controller.abort());
    const started = performance.now();
    const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl, { signal: controller.signal })));
    assert.equal(e.kind, "aborted");
    assert.equal(e.retryable, false);
    assert.equal(server.requests.length, 1);
    assert.ok(performance.now() - started < 10_000, "the abort was not seen (the default 30 s deadline ended the call)");
    await healthy();
  });

  test("an already-aborted signal sends nothing", async () => {
    answer((req, res) => json(res, 200, platformTask()));
    const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl, { signal: AbortSignal.abort() })));
    assert.equal(e.kind, "aborted");
    assert.equal(server.requests.length, 0);
  });

  test("aborting during the body read is aborted, with the status", async () => {
    const controller = new AbortController();
    answer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{"); // ...and nothing more
    });
    // Abort right after the response headers reached the client (fetch resolved): the body
    // read is under way, however slow the machine. (The package calls the global fetch.)
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (...args) => {
      const response = await realFetch(...args);
      setImmediate(() => controller.abort());
      return response;
    };
    let e;
    try {
      e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl, { signal: controller.signal })));
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.equal(e.kind, "aborted");
    assert.equal(e.httpStatus, 200);
    await healthy();
  });

  test("a refused connection is network, retryable", async () => {
    const closed = await scriptedServer(() => {});
    await closed.close();
    const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(closed.baseUrl)));
    assert.equal(e.kind, "network");
    assert.equal(e.httpStatus, null);
    assert.equal(e.retryable, true);
    await healthy();
  });

  test("a connection reset mid-body is network with the status", async () => {
    answer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"operationId":"op');
      setTimeout(() => res.socket.destroy(), 20);
    });
    const e = await rejection(queryUpgradeTask("op-1", TOKEN, options(server.baseUrl)));
    assert.equal(e.kind, "network");
    assert.equal(e.httpStatus, 200);
    await healthy();
  });

  test("200 concurrent calls are independent", async () => {
    answer((req, res) => {
      const id = decodeURIComponent(req.url.split("/").pop());
      if (id.endsWith("7")) return json(res, 404, { error_code: "123009", error_desc: "The requested task does not exist." });
      setTimeout(() => json(res, 200, platformTask({ operationId: id })), Math.random() * 30);
    });
    const ids = Array.from({ length: 200 }, (_, i) => `task-${i}`);
    const results = await Promise.allSettled(ids.map((id) => queryUpgradeTask(id, TOKEN, options(server.baseUrl))));
    results.forEach((r, i) => {
      if (ids[i].endsWith("7")) {
        assert.equal(r.status, "rejected");
        assert.equal(r.reason.kind, "not_found");
      } else {
        assert.equal(r.status, "fulfilled", String(r.reason));
        assert.equal(r.value.operationId, ids[i]);
      }
    });
  });
});

describe("invalid arguments are refused before anything is sent", () => {
  const good = () => [ "op-1", TOKEN, { baseUrl: server.baseUrl, appKey: APP_KEY } ];
  const cases = [
    ["empty operationId", (a) => (a[0] = ""), ["operationId"]],
    ["non-string operationId", (a) => (a[0] = 42), ["operationId"]],
    ["operationId with a lone surrogate", (a) => (a[0] = "op\ud800"), ["operationId"]],
    ["operationId '.'", (a) => (a[0] = "."), ["operationId"]],
    ["operationId '..'", (a) => (a[0] = ".."), ["operationId"]],
    ["a 10 MB operationId", (a) => (a[0] = "x".repeat(10_000_000)), ["operationId"]],
    ["missing token", (a) => (a[1] = undefined), ["accessToken"]],
    ["token with CRLF", (a) => (a[1] = `${TOKEN}\r\nX-Evil: 1`), ["accessToken"]],
    ["token with NUL", (a) => (a[1] = `${TOKEN}\0`), ["accessToken"]],
    ["missing options", (a) => (a[2] = undefined), ["options"]],
    ["missing appKey", (a) => delete a[2].appKey, ["options.appKey"]],
    ["appKey with LF", (a) => (a[2].appKey = `${APP_KEY}\n`), ["options.appKey"]],
    ["relative baseUrl", (a) => (a[2].baseUrl = "/iot"), ["options.baseUrl"]],
    ["baseUrl with credentials", (a) => (a[2].baseUrl = "https://u:p@gw.example.com"), ["options.baseUrl"]],
    ["baseUrl with a query", (a) => (a[2].baseUrl = "https://gw.example.com?x=1"), ["options.baseUrl"]],
    ["baseUrl with a fragment", (a) => (a[2].baseUrl = "https://gw.example.com#x"), ["options.baseUrl"]],
    ["plain http to a remote host", (a) => (a[2].baseUrl = "http://gw.example.com:8743"), ["options.baseUrl"]],
    ["timeoutMs 0", (a) => (a[2].timeoutMs = 0), ["options.timeoutMs"]],
    ["timeoutMs NaN", (a) => (a[2].timeoutMs = NaN), ["options.timeoutMs"]],
    ["timeoutMs Infinity", (a) => (a[2].timeoutMs = Infinity), ["options.timeoutMs"]],
    ["timeoutMs as a string", (a) => (a[2].timeoutMs = "100"), ["options.timeoutMs"]],
    ["a signal that is not an AbortSignal", (a) => (a[2].signal = { aborted: "no" }), ["options.signal"]],
    ["a throwing getter", (a) => Object.defineProperty(a[2], "baseUrl", { get() { throw new Error("nope"); } }), ["options.baseUrl"]],
    ["everything wrong at once", (a) => (a[0] = "", a[1] = 1, a[2] = { timeoutMs: -1 }), ["operationId", "accessToken", "options.appKey", "options.baseUrl", "options.timeoutMs"]],
  ];
  for (const [name, spoil, paths] of cases) {
    test(name, async () => {
      answer((req, res) => json(res, 200, platformTask()));
      const args = good();
      spoil(args);
      const token = typeof args[1] === "string" ? args[1] : TOKEN;
      const e = await rejection(queryUpgradeTask(...args), { token: TOKEN, appKey: APP_KEY });
      assert.equal(e.kind, "invalid_argument");
      assert.equal(e.httpStatus, null);
      assert.equal(e.retryable, false);
      assert.deepEqual(e.problems.map((p) => p.path), paths);
      assert.equal(server.requests.length, 0, "a request was sent");
      assert.ok(!JSON.stringify(e).includes(token));
      await healthy();
    });
  }
});

describe("module formats", () => {
  test("CommonJS require works and instanceof holds across ESM and CJS", async () => {
    const require = createRequire(import.meta.url);
    const cjs = require("../../pkg/node.cjs");
    answer((req, res) => json(res, 404, { error_code: "123009", error_desc: "The requested task does not exist." }));
    let e;
    try {
      await cjs.queryUpgradeTask("op-1", TOKEN, options(server.baseUrl));
    } catch (error) {
      e = error;
    }
    assert.ok(e instanceof cjs.UpgradeTaskError);
    assert.ok(e instanceof UpgradeTaskError);
    assert.equal(e.kind, "not_found");
    const esmError = await rejection(queryUpgradeTask("", TOKEN, options(server.baseUrl)));
    assert.ok(esmError instanceof cjs.UpgradeTaskError);
    assert.ok(!(new Error("x") instanceof cjs.UpgradeTaskError));
    assert.ok(!({ kind: "not_found" } instanceof UpgradeTaskError));
    answer((req, res) => json(res, 200, platformTask()));
    assert.equal((await cjs.queryUpgradeTask("op-1", TOKEN, options(server.baseUrl))).operationId, "op-1");
  });
});
