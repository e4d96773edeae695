import { test } from "node:test";
import assert from "node:assert/strict";
import { simClock } from "../sim-clock.mjs";
import { BAD_REQUEST, LOGIN, NOT_FOUND, OPS, THROTTLED, authHeaders, json, query, raw, simFor } from "./helpers.mjs";

test("GET operations/{id} serves the task as JSON, exactly as /__sim/tasks/{id} shows it", async (t) => {
  const sim = await simFor(t);
  const tok = sim.login();
  const res = await query(sim, "fw-now-devices", tok);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json;charset=UTF-8");
  const text = await res.text();
  const task = JSON.parse(text);
  assert.equal(task.operationId, "fw-now-devices");
  assert.equal(task.operateType, "firmware_upgrade");
  assert.equal(task.status, "success");
  assert.equal(task.createTime, "20240301T080000Z");
  const viaControl = await fetch(`${sim.url}/__sim/tasks/fw-now-devices`);
  assert.equal(await viaControl.text(), text);
  const log = sim.requests().at(-1);
  assert.equal(log.path, `${OPS}fw-now-devices`);
  assert.equal(log.headers.app_key, "demo-app");
  assert.equal(log.headers.accept, "application/json");
  assert.equal(log.status, 200);
});

test("unknown ids are 404 / 123009", async (t) => {
  const sim = await simFor(t);
  const tok = sim.login();
  for (const id of ["nope", "5c9b2a2ee4b0e9d2a3e4c0f1", "a".repeat(128), "FW-NOW-DEVICES"]) {
    const res = await query(sim, id, tok);
    assert.equal(res.status, 404, id);
    assert.equal(res.headers.get("content-type"), "application/json;charset=UTF-8");
    assert.deepEqual(await json(res), NOT_FOUND);
  }
});

test("malformed ids are 400 / 120015 (characters outside [A-Za-z0-9_.-], over 128, bad percent-encoding, . and ..)", async (t) => {
  const sim = await simFor(t);
  const headers = authHeaders(sim.login());
  const paths = ["a%20b", "%zz", "abc%", "a%2Fb", "%E4%BD%A0", "a!b", "a~b", "a".repeat(129), "..", ".", "%2E%2E", "%00"];
  for (const p of paths) {
    const res = await raw({ port: sim.port, path: `${OPS}${p}`, headers });
    assert.equal(res.status, 400, p);
    assert.deepEqual(JSON.parse(res.body), BAD_REQUEST, p);
  }
  // an empty id segment is malformed too; a further segment is no route
  assert.equal((await raw({ port: sim.port, path: OPS, headers })).status, 400);
  assert.equal((await raw({ port: sim.port, path: `${OPS}fw-now-devices/extra`, headers })).status, 404);
  assert.deepEqual(JSON.parse((await raw({ port: sim.port, path: `${OPS}fw-now-devices/extra`, headers })).body).error, "no_route");
  // a query string does not change which task is served
  assert.equal((await raw({ port: sim.port, path: `${OPS}fw-now-devices?x=1`, headers })).status, 200);
});

test("a stored task whose id needs percent-encoding is served when the id arrives intact", async (t) => {
  const sim = await simFor(t);
  const tok = sim.login();
  const id = "a/b?c#d%e f ü";
  sim.setTask(id, { operationId: id, operateType: "firmware_upgrade", status: "wait", targets: { devices: ["d"] } });
  const res = await query(sim, encodeURIComponent(id), tok);
  assert.equal(res.status, 200);
  assert.equal((await json(res)).operationId, id);
  // sent unencoded it is another path
  assert.notEqual((await raw({ port: sim.port, path: `${OPS}a/b`, headers: authHeaders(tok) })).status, 200);
});

test("only GET is served on the task path", async (t) => {
  const sim = await simFor(t);
  const res = await fetch(`${sim.url}${OPS}fw-now-devices`, { method: "POST", headers: authHeaders(sim.login()) });
  assert.equal(res.status, 405);
  assert.match(res.headers.get("allow"), /GET/);
});

test("auth is checked before the id: a bad token on an unknown or malformed id is still 403", async (t) => {
  const sim = await simFor(t);
  for (const id of ["nope", "a%20b"]) {
    const res = await fetch(`${sim.url}${OPS}${id}`, { headers: { app_key: "demo-app", authorization: "Bearer nope" } });
    assert.equal(res.status, 403);
  }
});

test("the prefix option serves the northbound API under a path prefix only", async (t) => {
  const sim = await simFor(t, { prefix: "iot/" });
  assert.equal(sim.prefix, "/iot");
  assert.equal(sim.baseUrl, `${sim.url}/iot`);
  const login = await fetch(`${sim.baseUrl}${LOGIN}`, { method: "POST", body: new URLSearchParams({ appId: "demo-app", secret: "demo-secret" }) });
  assert.equal(login.status, 200);
  const tok = { ...(await json(login)), appId: "demo-app" };
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 200);
  // without the prefix there is no route
  const bare = await fetch(`${sim.url}${OPS}fw-now-devices`, { headers: authHeaders(tok) });
  assert.equal(bare.status, 404);
  assert.equal((await json(bare)).error, "no_route");
  assert.equal((await fetch(`${sim.url}${LOGIN}`, { method: "POST", body: "appId=demo-app&secret=demo-secret" })).status, 404);
  assert.equal((await fetch(`${sim.url}/iotx${OPS}fw-now-devices`, { headers: authHeaders(tok) })).status, 404);
  // control endpoints answer at the root and under the prefix
  assert.equal((await fetch(`${sim.url}/__sim/tasks`)).status, 200);
  assert.equal((await fetch(`${sim.baseUrl}/__sim/tasks`)).status, 200);

  const deep = await simFor(t, { prefix: "/gw/iot" });
  assert.equal((await query(deep, "fw-now-devices", deep.login())).status, 200);
});

test("throttle: N calls per window per app key, N+1 is 403 / 1010009, allowed again after the window", async (t) => {
  const clock = simClock();
  const sim = await simFor(t, {
    ...clock.options,
    throttle: { calls: 5, perMs: 400 },
    apps: [{ appId: "app-a", secret: "sa" }, { appId: "app-b", secret: "sb" }],
  });
  const a = sim.login("app-a");
  const b = sim.login("app-b");
  // refused calls (bad token) do not count
  for (let i = 0; i < 3; i++) {
    const bad = await fetch(`${sim.url}${OPS}fw-now-devices`, { headers: { app_key: "app-a", authorization: "Bearer wrong" } });
    assert.equal(bad.status, 403);
    assert.notDeepEqual(await json(bad), THROTTLED);
  }
  // five calls spread over the window (0, 50, …, 200 ms) are served
  for (let i = 0; i < 5; i++) {
    assert.equal((await query(sim, "fw-now-devices", a)).status, 200, `call ${i + 1}`);
    if (i < 4) clock.advance(50);
  }
  const sixth = await query(sim, "fw-now-devices", a);
  assert.equal(sixth.status, 403);
  assert.deepEqual(await json(sixth), THROTTLED);
  assert.equal(sixth.headers.get("retry-after"), null); // retryAfter is off by default
  // a throttled call is throttled whatever the id
  assert.equal((await query(sim, "nope", a)).status, 403);
  // another app key has its own window
  assert.equal((await query(sim, "fw-now-devices", b)).status, 200);
  // 1 ms before the first call leaves the window: still throttled
  clock.advance(199); // 399 ms after the first call
  assert.equal((await query(sim, "fw-now-devices", a)).status, 403);
  // the first call has left the window: one more call, and only one
  clock.advance(1);
  assert.equal((await query(sim, "fw-now-devices", a)).status, 200);
  assert.equal((await query(sim, "fw-now-devices", a)).status, 403);
  // a whole window later every slot is free again
  clock.advance(400);
  for (let i = 0; i < 5; i++) assert.equal((await query(sim, "fw-now-devices", a)).status, 200, `after the window, call ${i + 1}`);
  assert.equal((await query(sim, "fw-now-devices", a)).status, 403);
});

test("throttle with retryAfter sends Retry-After in whole seconds, rounded up", async (t) => {
  const clock = simClock();
  const sim = await simFor(t, { ...clock.options, throttle: { calls: 2, perMs: 1500 }, retryAfter: true });
  const tok = sim.login();
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 200);
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 200);
  const res = await query(sim, "fw-now-devices", tok);
  assert.equal(res.status, 403);
  assert.equal(res.headers.get("retry-after"), "2"); // 1500 ms left
  assert.deepEqual(await json(res), THROTTLED);
  clock.advance(600); // 900 ms left
  assert.equal((await query(sim, "fw-now-devices", tok)).headers.get("retry-after"), "1");
  clock.advance(899); // 1 ms left: still a whole second
  assert.equal((await query(sim, "fw-now-devices", tok)).headers.get("retry-after"), "1");
  clock.advance(1);
  const served = await query(sim, "fw-now-devices", tok);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get("retry-after"), null);
});

test("default throttle is 100 calls per minute; throttle:false turns it off", async (t) => {
  const clock = simClock();
  const sim = await simFor(t, clock.options);
  const tok = sim.login();
  const statuses = [];
  for (let i = 0; i < 101; i++) statuses.push((await query(sim, "fw-now-devices", tok)).status);
  assert.equal(statuses.filter((s) => s === 200).length, 100);
  assert.equal(statuses[100], 403);
  clock.advance(59_999);
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 403);
  clock.advance(1);
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 200);

  const open = await simFor(t, { ...clock.options, throttle: false });
  const tok2 = open.login();
  for (let i = 0; i < 120; i++) assert.equal((await query(open, "fw-now-devices", tok2)).status, 200);
});
