import { test } from "node:test";
import assert from "node:assert/strict";
import { OPS, query, raw, simFor } from "./helpers.mjs";

const ORIGIN = "http://localhost:5173";

function preflight(sim, origin, { path = `${OPS}fw-now-devices`, method = "GET", headers = "app_key,authorization,accept,x-sim-fault" } = {}) {
  const h = { "access-control-request-method": method, "access-control-request-headers": headers };
  if (origin) h.origin = origin;
  return raw({ port: sim.port, method: "OPTIONS", path, headers: h });
}

test("preflight answers with every CORS header the browser needs", async (t) => {
  const sim = await simFor(t);
  const r = await preflight(sim, ORIGIN);
  assert.equal(r.status, 204);
  assert.equal(r.headers["access-control-allow-origin"], ORIGIN);
  assert.equal(r.headers["access-control-allow-headers"], "app_key, authorization, accept, content-type, x-sim-fault");
  assert.equal(r.headers["access-control-allow-methods"], "GET, POST, PUT, DELETE, OPTIONS");
  assert.equal(r.headers["access-control-expose-headers"], "retry-after");
  assert.ok(Number(r.headers["access-control-max-age"]) > 0);
  assert.match(r.headers.vary, /Origin/);
  // preflights for the login and the control endpoints too
  assert.equal((await preflight(sim, ORIGIN, { path: "/iocm/app/sec/v1.1.0/login", method: "POST", headers: "content-type" })).status, 204);
  assert.equal((await preflight(sim, ORIGIN, { path: "/__sim/tasks/x", method: "PUT", headers: "content-type" })).headers["access-control-allow-origin"], ORIGIN);
  // Chrome's private-network preflight
  const pna = await raw({
    port: sim.port,
    method: "OPTIONS",
    path: `${OPS}x`,
    headers: { origin: ORIGIN, "access-control-request-method": "GET", "access-control-request-private-network": "true" },
  });
  assert.equal(pna.headers["access-control-allow-private-network"], "true");
  // preflights are neither throttled nor authenticated, and are logged
  assert.equal(sim.requests().at(-1).method, "OPTIONS");
});

test("CORS headers are on every answer: success, platform errors, throttle, faults", async (t) => {
  const sim = await simFor(t, { throttle: { calls: 1, perMs: 60000 }, retryAfter: true });
  const tok = sim.login();
  const o = { origin: ORIGIN };
  const answers = [
    await query(sim, "fw-now-devices", tok, o),
    await query(sim, "fw-now-devices", tok, o), // throttled
    await fetch(`${sim.url}${OPS}x`, { headers: { ...o, app_key: "demo-app", authorization: "Bearer bad" } }),
    await fetch(`${sim.url}/nowhere`, { headers: o }),
    await fetch(`${sim.url}/iocm/app/sec/v1.1.0/login`, { method: "POST", headers: o, body: "appId=x&secret=y" }),
    await fetch(`${sim.url}/__sim/tasks`, { headers: o }),
  ];
  for (const fault of ["status=503;retry-after=1", "html-502", "truncated", "json-array", "resultcode", "delay=5", "oversized"]) {
    answers.push(await fetch(`${sim.url}${OPS}fw-now-devices`, { headers: { ...o, "x-sim-fault": fault } }));
  }
  assert.equal(answers[1].status, 403);
  assert.equal(answers[1].headers.get("retry-after"), "60");
  for (const res of answers) {
    assert.equal(res.headers.get("access-control-allow-origin"), ORIGIN, `${res.url} ${res.status}`);
    assert.equal(res.headers.get("access-control-expose-headers"), "retry-after");
    await res.arrayBuffer();
  }
});

test("without an Origin header there is no allow-origin header", async (t) => {
  const sim = await simFor(t);
  const res = await query(sim, "fw-now-devices", sim.login());
  assert.equal(res.headers.get("access-control-allow-origin"), null);
});

test("the origin allow-list admits listed origins only", async (t) => {
  const sim = await simFor(t, { origins: [ORIGIN, "https://console.example.com"] });
  const tok = sim.login();
  assert.equal((await preflight(sim, "https://console.example.com")).headers["access-control-allow-origin"], "https://console.example.com");
  const allowed = await query(sim, "fw-now-devices", tok, { origin: ORIGIN });
  assert.equal(allowed.headers.get("access-control-allow-origin"), ORIGIN);

  const refused = await preflight(sim, "http://evil.example");
  assert.equal(refused.status, 403);
  assert.equal(refused.headers["access-control-allow-origin"], undefined);
  assert.equal(refused.headers["access-control-allow-methods"], undefined);
  // a non-preflighted request from a refused origin is answered, but without CORS headers
  const res = await query(sim, "fw-now-devices", tok, { origin: "http://evil.example" });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), null);
  // origins differing in scheme or port are different origins
  assert.equal((await preflight(sim, "https://localhost:5173")).status, 403);
  assert.equal((await preflight(sim, "http://localhost:5174")).status, 403);
});
