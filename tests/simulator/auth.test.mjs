import { test } from "node:test";
import assert from "node:assert/strict";
import { simClock } from "../sim-clock.mjs";
import { INVALID_TOKEN, LOGIN, REFRESH, json, query, simFor } from "./helpers.mjs";

const form = (o) => ({ method: "POST", body: new URLSearchParams(o) });
const jsonPost = (o) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(o) });

test("login with form fields answers the platform's token shape", async (t) => {
  const sim = await simFor(t);
  const res = await fetch(`${sim.url}${LOGIN}`, form({ appId: "demo-app", secret: "demo-secret" }));
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^application\/json/);
  const body = await json(res);
  assert.deepEqual(Object.keys(body).sort(), ["accessToken", "expiresIn", "refreshToken", "scope", "tokenType"]);
  assert.equal(body.tokenType, "bearer");
  assert.equal(body.scope, "default");
  assert.equal(body.expiresIn, 3600);
  assert.match(body.accessToken, /^[0-9a-f]{32}$/);
  assert.match(body.refreshToken, /^[0-9a-f]{32}$/);
  assert.notEqual(body.accessToken, body.refreshToken);
  const q = await query(sim, "fw-now-devices", { ...body, appId: "demo-app" });
  assert.equal(q.status, 200);
});

test("login accepts a JSON body too, and tokenTtlSeconds sets expiresIn", async (t) => {
  const sim = await simFor(t, { tokenTtlSeconds: 120 });
  const res = await fetch(`${sim.url}${LOGIN}`, jsonPost({ appId: "demo-app", secret: "demo-secret" }));
  assert.equal(res.status, 200);
  assert.equal((await json(res)).expiresIn, 120);
});

test("wrong or missing credentials get the platform's error shape", async (t) => {
  const sim = await simFor(t);
  const cases = [
    [form({ appId: "demo-app", secret: "wrong" }), 400, "100208"],
    [form({ appId: "nobody", secret: "demo-secret" }), 400, "100208"],
    [jsonPost({ appId: "demo-app", secret: "nope" }), 400, "100208"],
    [form({ appId: "demo-app" }), 400, "100022"],
    [form({}), 400, "100022"],
    [{ method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }, 400, "100022"],
    [jsonPost({ appId: 5, secret: ["demo-secret"] }), 400, "100022"],
  ];
  for (const [init, status, code] of cases) {
    const res = await fetch(`${sim.url}${LOGIN}`, init);
    assert.equal(res.status, status, init.body?.toString());
    const body = await json(res);
    assert.deepEqual(Object.keys(body), ["error_code", "error_desc"]);
    assert.equal(body.error_code, code);
    assert.equal(typeof body.error_desc, "string");
    assert.ok(body.error_desc.length > 0);
  }
  const get = await fetch(`${sim.url}${LOGIN}`);
  assert.equal(get.status, 405);
});

test("a new login invalidates the previous token of that app", async (t) => {
  const sim = await simFor(t);
  const first = sim.login();
  assert.equal((await query(sim, "fw-now-devices", first)).status, 200);
  const res = await fetch(`${sim.url}${LOGIN}`, form({ appId: "demo-app", secret: "demo-secret" }));
  const second = { ...(await json(res)), appId: "demo-app" };
  const old = await query(sim, "fw-now-devices", first);
  assert.equal(old.status, 403);
  assert.deepEqual(await json(old), INVALID_TOKEN);
  assert.equal((await query(sim, "fw-now-devices", second)).status, 200);
  // the programmatic login does the same
  const third = sim.login();
  assert.equal((await query(sim, "fw-now-devices", second)).status, 403);
  assert.equal((await query(sim, "fw-now-devices", third)).status, 200);
});

test("refreshToken gives new tokens and retires the old ones", async (t) => {
  const sim = await simFor(t);
  const tok = sim.login();
  const res = await fetch(`${sim.url}${REFRESH}`, jsonPost({ appId: "demo-app", secret: "demo-secret", refreshToken: tok.refreshToken }));
  assert.equal(res.status, 200);
  const fresh = await json(res);
  assert.deepEqual(Object.keys(fresh).sort(), ["accessToken", "expiresIn", "refreshToken", "scope", "tokenType"]);
  assert.equal(fresh.tokenType, "bearer");
  assert.notEqual(fresh.accessToken, tok.accessToken);
  assert.notEqual(fresh.refreshToken, tok.refreshToken);
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 403);
  assert.equal((await query(sim, "fw-now-devices", { ...fresh, appId: "demo-app" })).status, 200);

  // the old refresh token is spent
  const again = await fetch(`${sim.url}${REFRESH}`, jsonPost({ appId: "demo-app", secret: "demo-secret", refreshToken: tok.refreshToken }));
  assert.equal(again.status, 401);
  assert.equal((await json(again)).error_code, "1010005");
  // wrong secret, missing refresh token
  const wrong = await fetch(`${sim.url}${REFRESH}`, jsonPost({ appId: "demo-app", secret: "x", refreshToken: fresh.refreshToken }));
  assert.equal(wrong.status, 400);
  assert.equal((await json(wrong)).error_code, "100208");
  const missing = await fetch(`${sim.url}${REFRESH}`, jsonPost({ appId: "demo-app", secret: "demo-secret" }));
  assert.equal(missing.status, 400);
  assert.equal((await json(missing)).error_code, "100022");
});

test("tokens expire after tokenTtlSeconds", async (t) => {
  const clock = simClock();
  const sim = await simFor(t, { ...clock.options, tokenTtlSeconds: 0.3 });
  const tok = sim.login();
  assert.equal(tok.expiresIn, 1); // whole seconds, rounded up
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 200);
  clock.advance(299);
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 200, "1 ms before it expires");
  clock.advance(1);
  const res = await query(sim, "fw-now-devices", tok);
  assert.equal(res.status, 403);
  assert.deepEqual(await json(res), INVALID_TOKEN);
  assert.equal(sim.requests().at(-1).auth, "expired");
  // a fresh login works again
  assert.equal((await query(sim, "fw-now-devices", sim.login())).status, 200);
});

test("refresh tokens last 30 days; an expired one is refused", async (t) => {
  const clock = simClock();
  const sim = await simFor(t, { ...clock.options, tokenTtlSeconds: 60 });
  const refresh = (tok) => fetch(`${sim.url}${REFRESH}`, jsonPost({ appId: "demo-app", secret: "demo-secret", refreshToken: tok.refreshToken }));
  const tok = sim.login();
  clock.advance(30 * 24 * 3600 * 1000 - 1);
  const fresh = await refresh(tok);
  assert.equal(fresh.status, 200, "1 ms before it expires");
  const renewed = { ...(await json(fresh)), appId: "demo-app" };
  assert.equal((await query(sim, "fw-now-devices", renewed)).status, 200);
  clock.advance(30 * 24 * 3600 * 1000);
  const late = await refresh(renewed);
  assert.equal(late.status, 401);
  assert.equal((await json(late)).error_code, "1010005");
});

test("app_key must be the app the token was issued to; missing or malformed headers are refused", async (t) => {
  const sim = await simFor(t, { apps: [{ appId: "app-a", secret: "sa" }, { appId: "app-b", secret: "sb" }] });
  const a = sim.login("app-a", "sa");
  const b = sim.login("app-b");
  assert.equal((await query(sim, "fw-now-devices", a)).status, 200);
  assert.equal((await query(sim, "fw-now-devices", b)).status, 200); // two apps hold tokens at once

  const url = `${sim.url}/iodm/northbound/v1.5.0/operations/fw-now-devices`;
  const cases = [
    { app_key: "app-b", authorization: `Bearer ${a.accessToken}` },
    { app_key: "APP-A", authorization: `Bearer ${a.accessToken}` },
    { app_key: "nobody", authorization: `Bearer ${a.accessToken}` },
    { authorization: `Bearer ${a.accessToken}` },
    { app_key: "app-a" },
    { app_key: "app-a", authorization: a.accessToken },
    { app_key: "app-a", authorization: `Basic ${a.accessToken}` },
    { app_key: "app-a", authorization: `Bearer ${a.accessToken}x` },
    { app_key: "app-a", authorization: "Bearer " },
  ];
  for (const headers of cases) {
    const res = await fetch(url, { headers });
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.deepEqual(await json(res), INVALID_TOKEN);
  }
  const lower = await fetch(url, { headers: { app_key: "app-a", authorization: `bearer ${a.accessToken}` } });
  assert.equal(lower.status, 200);
  const verdicts = sim.requests().map((r) => r.auth);
  assert.ok(verdicts.includes("missing"));
  assert.ok(verdicts.includes("invalid"));
});

test("programmatic login refuses wrong credentials and returns the appId", async (t) => {
  const sim = await simFor(t);
  assert.throws(() => sim.login("demo-app", "wrong"), /login failed/);
  assert.throws(() => sim.login("nobody"), /login failed/);
  const tok = sim.login();
  assert.equal(tok.appId, "demo-app");
  assert.equal(tok.tokenType, "bearer");
});
