import { test } from "node:test";
import assert from "node:assert/strict";
import { LOGIN, NOT_FOUND, OPS, json, query, raw, simFor } from "./helpers.mjs";

const put = (sim, id, body, query = "") => fetch(`${sim.url}/__sim/tasks/${encodeURIComponent(id)}${query}`, { method: "PUT", body });

test("GET /__sim describes the simulator and its demo credentials", async (t) => {
  const sim = await simFor(t, { prefix: "/iot", progressMs: 1234 });
  const res = await fetch(`${sim.url}/__sim`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const info = await json(res);
  assert.equal(info.prefix, "/iot");
  assert.deepEqual(info.apps, [{ appId: "demo-app", secret: "demo-secret" }]);
  assert.equal(info.progressMs, 1234);
  assert.deepEqual(info.throttle, { calls: 100, perMs: 60000 });
  assert.equal(info.endpoints.queryUpgradeTask, "/iot/iodm/northbound/v1.5.0/operations/{operationId}");
});

test("GET /__sim/tasks lists ids with one-line descriptions", async (t) => {
  const sim = await simFor(t);
  const { tasks } = await json(await fetch(`${sim.url}/__sim/tasks`));
  const ids = tasks.map((x) => x.operationId);
  for (const id of ["fw-now-devices", "sw-group-online", "fw-256-devices", "fw-largest-valid", "demo-hostile", "demo-progress-success", "demo-progress-failed", "demo-progress-stop"]) {
    assert.ok(ids.includes(id), id);
  }
  assert.deepEqual(tasks.filter((x) => x.kind === "progress").map((x) => x.operationId).sort(), ["demo-progress-failed", "demo-progress-stop", "demo-progress-success"]);
  assert.deepEqual(sim.tasks(), tasks);
});

test("PUT /__sim/tasks/{id} stores a body served verbatim, even invalid JSON; DELETE removes it", async (t) => {
  const sim = await simFor(t);
  const tok = sim.login();
  const weird = '{"operationId": "broken", "status": "nope", ';
  const created = await put(sim, "broken", weird, "?description=half%20a%20task");
  assert.equal(created.status, 201);
  assert.deepEqual(await json(created), { operationId: "broken", bytes: Buffer.byteLength(weird), replaced: false });
  const served = await query(sim, "broken", tok);
  assert.equal(served.status, 200);
  assert.equal(await served.text(), weird);
  assert.equal(sim.tasks().find((x) => x.operationId === "broken").description, "half a task");

  // bytes are kept exactly, even invalid UTF-8
  const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
  assert.equal((await put(sim, "broken", bytes)).status, 200);
  assert.deepEqual(Buffer.from(await (await query(sim, "broken", tok)).arrayBuffer()), bytes);

  // replace a seeded task
  assert.equal((await put(sim, "fw-now-devices", "[1,2,3]")).status, 200);
  assert.equal(await (await query(sim, "fw-now-devices", tok)).text(), "[1,2,3]");

  // programmatic setTask: objects as JSON, strings verbatim
  sim.setTask("obj", { operationId: "obj", n: 1 });
  assert.deepEqual(await json(await query(sim, "obj", tok)), { operationId: "obj", n: 1 });
  sim.setTask("str", "not json");
  assert.equal(await (await query(sim, "str", tok)).text(), "not json");
  assert.throws(() => sim.setTask("..", "{}"));

  assert.equal((await fetch(`${sim.url}/__sim/tasks/broken`, { method: "DELETE" })).status, 200);
  assert.equal((await fetch(`${sim.url}/__sim/tasks/broken`, { method: "DELETE" })).status, 404);
  const gone = await query(sim, "broken", tok);
  assert.equal(gone.status, 404);
  assert.deepEqual(await json(gone), NOT_FOUND);
  assert.equal((await fetch(`${sim.url}/__sim/tasks/broken`)).status, 404);
  assert.equal(sim.deleteTask("obj"), true);
  assert.equal((await raw({ port: sim.port, method: "PUT", path: "/__sim/tasks/..", body: "{}" })).status, 400);
});

test("a stored task can exceed 4 MiB (to test a client's size limit)", async (t) => {
  const sim = await simFor(t);
  const big = JSON.stringify({ operationId: "big", pad: "y".repeat(4 * 1024 * 1024) });
  assert.equal((await put(sim, "big", big)).status, 201);
  const res = await query(sim, "big", sim.login());
  assert.equal(Number(res.headers.get("content-length")), big.length);
  assert.equal((await res.arrayBuffer()).byteLength, big.length);
});

test("GET /__sim/requests logs northbound calls with the token masked; DELETE clears it", async (t) => {
  const sim = await simFor(t);
  const login = await fetch(`${sim.url}${LOGIN}`, { method: "POST", body: new URLSearchParams({ appId: "demo-app", secret: "demo-secret" }) });
  const tok = { ...(await json(login)), appId: "demo-app" };
  // A token also in X-Auth-Token (which the platform does not read): masked too (it was logged in clear).
  await query(sim, "fw-now-devices?x=1", tok, { "x-sim-fault": "delay=1", "x-auth-token": tok.accessToken });
  await fetch(`${sim.url}/__sim/tasks`); // control calls are not logged
  const res = await fetch(`${sim.url}/__sim/requests`);
  const { requests } = await json(res);
  assert.equal(requests.length, 2);
  const [a, b] = requests;
  assert.equal(a.method, "POST");
  assert.equal(a.path, LOGIN);
  assert.equal(a.status, 200);
  assert.equal(b.method, "GET");
  assert.equal(b.url, `${OPS}fw-now-devices?x=1`);
  assert.equal(b.path, `${OPS}fw-now-devices`);
  assert.equal(b.headers.authorization, "Bearer ***");
  assert.equal(b.headers["x-auth-token"], "***");
  assert.equal(b.headers.app_key, "demo-app");
  assert.equal(b.auth, "ok");
  assert.equal(b.fault, "delay=1");
  assert.ok(b.seq > a.seq);
  assert.ok(!Number.isNaN(Date.parse(b.time)));
  const text = JSON.stringify(requests) + JSON.stringify(sim.requests());
  assert.ok(!text.includes(tok.accessToken), "the access token leaked into the log");
  assert.ok(!text.includes("demo-secret"), "the secret leaked into the log");

  assert.deepEqual(await json(await fetch(`${sim.url}/__sim/requests`, { method: "DELETE" })), { cleared: 2 });
  assert.deepEqual(sim.requests(), []);
  await query(sim, "x", tok);
  sim.clearRequests();
  assert.deepEqual(sim.requests(), []);
});

test("POST /__sim/reset restores the seed, clears faults, log and throttle; tokens only on request", async (t) => {
  const sim = await simFor(t, { throttle: { calls: 2, perMs: 60000 } });
  const tok = sim.login();
  await put(sim, "extra", "{}");
  await put(sim, "fw-now-devices", "{}");
  sim.setFault("status=500", { operationId: "sw-stopped" });
  await query(sim, "fw-now-devices", tok);
  await query(sim, "fw-now-devices", tok);
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 403);

  const res = await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
  assert.equal(res.status, 200);
  assert.deepEqual(sim.faults(), []);
  assert.deepEqual(sim.requests(), []);
  assert.ok(!sim.tasks().some((x) => x.operationId === "extra"));
  const back = await query(sim, "fw-now-devices", tok); // same token still valid, throttle window cleared
  assert.equal(back.status, 200);
  assert.equal((await json(back)).operationId, "fw-now-devices");
  assert.equal((await query(sim, "sw-stopped", tok)).status, 200);

  const withTokens = await fetch(`${sim.url}/__sim/reset`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"tokens": true}' });
  assert.deepEqual(await json(withTokens), { reset: true, tokens: true });
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 403);

  sim.reset();
  assert.equal((await query(sim, "fw-now-devices", sim.login())).status, 200);
});

test("control endpoints refuse bad input with 4xx", async (t) => {
  const sim = await simFor(t);
  const cases = [
    [{ method: "POST", path: "/__sim/reset", body: "{oops" }, 400, "bad_json"],
    [{ method: "POST", path: "/__sim/reset", body: "[1]" }, 400, "bad_json"],
    [{ method: "POST", path: "/__sim/tasks/demo-progress-success/restart", body: '{"progressMs": -5}' }, 400, "bad_value"],
    [{ method: "POST", path: "/__sim/tasks/demo-progress-success/restart", body: '{"progressMs": "5"}' }, 400, "bad_value"],
    [{ method: "GET", path: "/__sim/tasks/%E0%A4%A" }, 400, "bad_path"],
    [{ method: "GET", path: "/__sim/nothing" }, 404, "no_route"],
    [{ method: "GET", path: "/__sim/tasks/a/b/c" }, 404, "no_route"],
    [{ method: "POST", path: "/__sim/tasks" }, 405, "method_not_allowed"],
    [{ method: "PATCH", path: "/__sim/faults" }, 405, "method_not_allowed"],
    [{ method: "GET", path: "/__sim/reset" }, 405, "method_not_allowed"],
    [{ method: "PUT", path: "/__sim/requests" }, 405, "method_not_allowed"],
  ];
  for (const [req, status, error] of cases) {
    const r = await raw({ port: sim.port, ...req });
    assert.equal(r.status, status, `${req.method} ${req.path}`);
    assert.equal(JSON.parse(r.body).error, error, `${req.method} ${req.path}`);
  }
});
