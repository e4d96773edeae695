import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { parseFault } from "../../simulator/index.mjs";
import { INVALID_TOKEN, OPS, authHeaders, json, query, raw, rawSocket, simFor } from "./helpers.mjs";

const TASK = "fw-now-devices";

async function setup(t, options = {}) {
  const sim = await simFor(t, { throttle: false, ...options });
  const tok = sim.login();
  const real = await (await query(sim, TASK, tok)).text();
  const withFault = (fault, id = TASK, init = {}) => query(sim, id, tok, { "x-sim-fault": fault }, init);
  return { sim, tok, real, withFault };
}

/**
 * Status and headers of a response whose body never completes: waits for its first bytes, then
 * `waitMs` more to see that nothing else comes; then gives up.
 */
function headersOnly(port, path, headers, waitMs) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers, agent: false }, (res) => {
      let got = 0;
      let timer = null;
      res.on("data", (c) => {
        got += c.length;
        timer ??= setTimeout(() => {
          resolve({ status: res.statusCode, headers: res.headers, got, complete: res.complete });
          req.destroy();
        }, waitMs);
      });
      res.on("error", () => {});
    });
    req.on("error", (err) => (err.code === "ECONNRESET" ? undefined : reject(err)));
    req.setTimeout(30_000, () => req.destroy(new Error("no body bytes within 30 s")));
  });
}

test("delay=<ms> waits before the headers, then answers normally (auth still applies)", async (t) => {
  const { sim, withFault, real } = await setup(t);
  const started = Date.now();
  const res = await withFault("delay=250");
  assert.ok(Date.now() - started >= 240, `answered after ${Date.now() - started} ms`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), real);
  const bad = await fetch(`${sim.url}${OPS}${TASK}`, { headers: { app_key: "demo-app", authorization: "Bearer nope", "x-sim-fault": "delay=10" } });
  assert.equal(bad.status, 403);
  assert.deepEqual(await json(bad), INVALID_TOKEN);
});

test("hang-headers never answers", async (t) => {
  const { sim, tok } = await setup(t);
  // Not a byte in 2 s (a fault that answered late would show here), and the connection stays open.
  const headers = Object.entries({ ...authHeaders(tok), host: "127.0.0.1", "x-sim-fault": "hang-headers" }).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  const r = await rawSocket(sim.port, `GET ${OPS}${TASK} HTTP/1.1\r\n${headers}\r\n`, { timeoutMs: 2000 });
  assert.equal(r.timedOut, true, "still waiting when the client gave up");
  assert.equal(r.text, "");
});

test("hang-body sends the headers and part of the body, then stalls", async (t) => {
  const { sim, tok, real } = await setup(t);
  const r = await headersOnly(sim.port, `${OPS}${TASK}`, { ...authHeaders(tok), "x-sim-fault": "hang-body" }, 300);
  assert.equal(r.status, 200);
  assert.equal(Number(r.headers["content-length"]), Buffer.byteLength(real));
  assert.ok(r.got > 0 && r.got < Buffer.byteLength(real), `got ${r.got}`);
  assert.equal(r.complete, false);
});

test("drip=<ms> sends the body in small chunks over time", async (t) => {
  const { sim, tok, real } = await setup(t);
  const started = Date.now();
  const r = await raw({ port: sim.port, path: `${OPS}${TASK}`, headers: { ...authHeaders(tok), "x-sim-fault": "drip=5;bytes=64" } });
  const took = Date.now() - started;
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), real);
  const pieces = Math.ceil(Buffer.byteLength(real) / 64);
  assert.ok(r.chunks >= pieces - 1, `${r.chunks} chunks for ${pieces} pieces`);
  assert.ok(took >= pieces * 5 * 0.8, `took ${took} ms`);
});

test("status=<code> answers a platform-style JSON error, with optional retry-after and code", async (t) => {
  const { withFault } = await setup(t);
  const r503 = await withFault("status=503;retry-after=2");
  assert.equal(r503.status, 503);
  assert.equal(r503.headers.get("retry-after"), "2");
  assert.deepEqual(await json(r503), { error_code: "50252", error_desc: "Internal server error." });
  const r404 = await withFault("status=404");
  assert.deepEqual(await json(r404), { error_code: "123009", error_desc: "The requested task does not exist." });
  const r403 = await withFault("status=403;code=1010009");
  assert.equal(r403.status, 403);
  assert.equal(r403.headers.get("retry-after"), null);
  assert.deepEqual(await json(r403), { error_code: "1010009", error_desc: "app throttle exceed." });
  const r429 = await withFault("status=429 ; retry-after=0");
  assert.equal(r429.status, 429);
  assert.equal(r429.headers.get("retry-after"), "0");
  assert.equal((await json(r429)).error_code, "1010009");
});

test("answer faults replace the platform: they need no valid token", async (t) => {
  const { sim } = await setup(t);
  const res = await fetch(`${sim.url}${OPS}${TASK}`, { headers: { "x-sim-fault": "status=500" } });
  assert.equal(res.status, 500);
});

test("html-5xx answers an HTML page that is not JSON", async (t) => {
  const { withFault } = await setup(t);
  for (const code of [502, 503, 504]) {
    const res = await withFault(`html-${code}`);
    assert.equal(res.status, code);
    assert.match(res.headers.get("content-type"), /^text\/html/);
    const text = await res.text();
    assert.match(text, new RegExp(`<h1>${code} `));
    assert.throws(() => JSON.parse(text));
  }
});

test("truncated is a 200 carrying the task's JSON cut in half", async (t) => {
  const { withFault, real } = await setup(t);
  const res = await withFault("truncated");
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.equal(Number(res.headers.get("content-length")), Buffer.byteLength(text));
  assert.ok(text.length > 10 && real.startsWith(text) && text.length <= real.length / 2 + 1);
  assert.throws(() => JSON.parse(text));
  // for an unknown id it still cuts a real task
  const other = await (await withFault("truncated", "no-such-task")).text();
  assert.ok(other.startsWith('{"operationId":'));
});

test("reset destroys the socket before any response", async (t) => {
  const { sim, tok, withFault } = await setup(t);
  await assert.rejects(withFault("reset"), (err) => err instanceof TypeError && /fetch failed/.test(err.message));
  await assert.rejects(
    raw({ port: sim.port, path: `${OPS}${TASK}`, headers: { ...authHeaders(tok), "x-sim-fault": "reset" } }),
    (err) => ["ECONNRESET", "EPIPE"].includes(err.code) || /socket hang up/.test(err.message),
  );
});

test("reset-body sends the headers and part of the body, then destroys the connection", async (t) => {
  const { withFault } = await setup(t);
  const res = await withFault("reset-body");
  assert.equal(res.status, 200);
  await assert.rejects(res.text());
});

test("oversized is a 200 of 5 MiB, chunked, without content-length", async (t) => {
  const { sim, tok, withFault } = await setup(t);
  const res = await withFault("oversized");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), null);
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.length, 5 * 1024 * 1024);
  assert.ok(body.length > 4 * 1024 * 1024);
  assert.equal(JSON.parse(body).operationId, "oversized"); // valid JSON, only too big
  const r = await raw({ port: sim.port, path: `${OPS}${TASK}`, headers: { ...authHeaders(tok), "x-sim-fault": "oversized" } });
  assert.equal(r.headers["transfer-encoding"], "chunked");
  assert.equal(r.headers["content-length"], undefined);
});

test("error-code-200, resultcode, wrong-content-type and json-array", async (t) => {
  const { withFault, real } = await setup(t);
  const e200 = await withFault("error-code-200");
  assert.equal(e200.status, 200);
  assert.deepEqual(await json(e200), { error_code: "123009", error_desc: "The requested task does not exist." });
  const e200b = await withFault("error-code-200=1010009");
  assert.deepEqual(await json(e200b), { error_code: "1010009", error_desc: "app throttle exceed." });

  const rc = await withFault("resultcode");
  assert.equal(rc.status, 403);
  assert.deepEqual(await json(rc), { resultcode: "1010005", resultmsg: "App_key or access_token is invalid." });

  const wct = await withFault("wrong-content-type");
  assert.equal(wct.status, 200);
  assert.match(wct.headers.get("content-type"), /^text\/plain/);
  assert.equal(await wct.text(), real);

  const arr = await withFault("json-array");
  assert.equal(arr.status, 200);
  assert.equal(await arr.text(), "[]");
});

test("faults combine: a delay, an answer and a transport fault", async (t) => {
  const { sim, tok, real } = await setup(t);
  const started = Date.now();
  const r = await raw({ port: sim.port, path: `${OPS}${TASK}`, headers: { ...authHeaders(tok), "x-sim-fault": "delay=100, truncated, drip=1;bytes=40" } });
  assert.ok(Date.now() - started >= 100);
  assert.equal(r.status, 200);
  assert.ok(r.chunks > 2);
  assert.equal(r.body.toString(), real.slice(0, Math.floor(real.length / 2)));
});

test("a bad x-sim-fault header is a 400 from the simulator", async (t) => {
  const { withFault } = await setup(t);
  for (const f of ["explode", "delay", "delay=abc", "status=99", "status=503;retry-after=soon", "html-502, json-array", "delay=1, delay=2", "drip=5;size=3", "truncated=1", ""]) {
    const res = await withFault(f);
    assert.equal(res.status, 400, f);
    assert.equal((await json(res)).error, "bad_fault", f);
  }
  assert.throws(() => parseFault("hang-body, reset-body"));
  assert.deepEqual(parseFault(" HTML-502 ").answer, { name: "html", status: 502 });
});

test("faults armed by POST /__sim/faults: per task, with a count, then gone", async (t) => {
  const { sim, tok, real } = await setup(t);
  const arm = await fetch(`${sim.url}/__sim/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ operationId: TASK, fault: "status=503", count: 2 }),
  });
  assert.equal(arm.status, 201);
  const armed = await json(arm);
  assert.deepEqual({ ...armed, id: undefined }, { id: undefined, operationId: TASK, route: "task", pageNo: null, fault: "status=503", count: 2, remaining: 2 });
  // another task is not affected
  assert.equal((await query(sim, "sw-stopped", tok)).status, 200);
  assert.equal((await query(sim, TASK, tok)).status, 503);
  assert.deepEqual((await json(await fetch(`${sim.url}/__sim/faults`))).faults.map((f) => f.remaining), [1]);
  assert.equal((await query(sim, TASK, tok)).status, 503);
  const after = await query(sim, TASK, tok);
  assert.equal(after.status, 200);
  assert.equal(await after.text(), real);
  assert.deepEqual((await json(await fetch(`${sim.url}/__sim/faults`))).faults, []);
  // the request log names the fault
  assert.deepEqual(sim.requests().filter((r) => r.fault).map((r) => [r.fault, r.status]), [["status=503", 503], ["status=503", 503]]);
});

test("a fault without operationId applies to every task query until cleared; the header wins over it", async (t) => {
  const { sim, tok } = await setup(t);
  sim.setFault("json-array");
  for (const id of [TASK, "sw-stopped", "no-such-task"]) assert.equal(await (await query(sim, id, tok)).text(), "[]");
  assert.equal((await query(sim, TASK, tok, { "x-sim-fault": "status=502" })).status, 502);
  // the login endpoint is not hit by armed faults
  assert.equal((await fetch(`${sim.url}/iocm/app/sec/v1.1.0/login`, { method: "POST", body: "appId=demo-app&secret=demo-secret" })).status, 200);
  const del = await fetch(`${sim.url}/__sim/faults`, { method: "DELETE" });
  assert.deepEqual(await json(del), { cleared: 1 });
  assert.equal((await query(sim, TASK, sim.login())).status, 200);

  // programmatic forms, and deleting one fault by id
  const f = sim.setFault("status=500", { operationId: "sw-stopped", count: 1 });
  assert.deepEqual(sim.faults().map((x) => x.id), [f.id]);
  assert.equal((await fetch(`${sim.url}/__sim/faults/${f.id}`, { method: "DELETE" })).status, 200);
  assert.equal((await fetch(`${sim.url}/__sim/faults/${f.id}`, { method: "DELETE" })).status, 404);
  sim.setFault({ fault: "status=500", count: 1 });
  assert.equal(sim.clearFaults(), 1);
  assert.throws(() => sim.setFault("nonsense"), /unknown fault/);
  assert.throws(() => sim.setFault("status=500", { count: 0 }), /count/);
});

test("POST /__sim/faults refuses bad input with 400", async (t) => {
  const { sim } = await setup(t);
  const post = (body) => fetch(`${sim.url}/__sim/faults`, { method: "POST", headers: { "content-type": "application/json" }, body });
  for (const body of ["{", "[]", "null", JSON.stringify({}), JSON.stringify({ fault: "boom" }), JSON.stringify({ fault: "reset", count: -1 }), JSON.stringify({ fault: "reset", count: 1.5 }), JSON.stringify({ fault: "reset", operationId: 7 })]) {
    const res = await post(body);
    assert.equal(res.status, 400, body);
    assert.ok(["bad_json", "bad_fault"].includes((await json(res)).error), body);
  }
  assert.deepEqual(sim.faults(), []);
});

test("hung connections do not keep the server from closing", async (t) => {
  const { sim, tok } = await setup(t);
  const headers = authHeaders(tok);
  const url = `${sim.url}${OPS}${TASK}`;
  const hung = [
    fetch(url, { headers: { ...headers, "x-sim-fault": "hang-headers" } }).then((r) => r.text()),
    fetch(url, { headers: { ...headers, "x-sim-fault": "hang-body" } }).then((r) => r.text()),
    fetch(url, { headers: { ...headers, "x-sim-fault": "drip=1000;bytes=1" } }).then((r) => r.text()),
    fetch(url, { headers: { ...headers, "x-sim-fault": "delay=60000" } }).then((r) => r.text()),
  ];
  const outcomes = Promise.allSettled(hung);
  // every one of them has reached the simulator before it is closed
  for (let i = 0; i < 600 && sim.requests().filter((r) => r.fault).length < hung.length; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(sim.requests().filter((r) => r.fault).length, hung.length);
  const started = Date.now();
  await sim.close();
  assert.ok(Date.now() - started < 5000, `close took ${Date.now() - started} ms`);
  for (const o of await outcomes) assert.equal(o.status, "rejected");
});
