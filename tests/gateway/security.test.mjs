// The gateway's security table: path tricks, methods, sizes, origins, keys and Authorization
// smuggling; then every response, header and log line of the whole run is scanned for the
// secret, the platform token, the console keys and the client key material.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { APP, KEY, OTHER_KEY, TASK_PATH, pkg, raw, rejection, startStack, through } from "./helpers.mjs";

const ORIGIN = "https://console.example.com";
let stack;
const seen = []; // every answer, for the final scan

async function call(path, options) {
  const r = await raw(stack.url, path, options);
  seen.push(r);
  return r;
}

before(async () => {
  stack = await startStack({ gateway: { origins: [ORIGIN], cacheMs: 0 } });
  seen.push(await raw(stack.url, `${TASK_PATH}/fw-now-devices`)); // logged in: there is a token to leak
});
after(() => stack.close());

const TRICKS = [
  `${TASK_PATH}/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fiocm%2fapp%2fsec%2fv1.1.0%2flogin`,
  `${TASK_PATH}/..%2f..%2f..%2f..%2f__sim%2ftasks`,
  `${TASK_PATH}/%2e%2e`,
  `${TASK_PATH}/%2E`,
  `${TASK_PATH}/..`,
  `${TASK_PATH}/.`,
  `${TASK_PATH}/%252e%252e%252f__sim`,
  `${TASK_PATH}/%25`,
  `${TASK_PATH}//fw-now-devices`,
  `//iodm/northbound/v1.5.0/operations/fw-now-devices`,
  `${TASK_PATH}/fw-now-devices/../../../../iocm/app/sec/v1.1.0/login`,
  `${TASK_PATH}/fw-now-devices/subOperations/../x`,
  `${TASK_PATH}/fw-now-devices%2fsubOperations`,
  `${TASK_PATH}/x%5c..%5c..%5c__sim`,
  `${TASK_PATH}/x\\..\\..\\__sim`,
  `${TASK_PATH}/x%00`,
  `${TASK_PATH}/x%0d%0aapp_key:%20evil`,
  `${TASK_PATH}/%ZZ`,
  `${TASK_PATH}/${"a".repeat(300)}`,
  `/IODM/northbound/v1.5.0/operations/fw-now-devices`,
  `/iodm/northbound/v1.5.0/operations/`,
  `/iocm/app/sec/v1.1.0/login`,
  `/iocm/app/sec/v1.1.0/refreshToken`,
  `/__sim/tasks`,
  `/__sim/requests`,
  `/iodm/northbound/v1.5.0/operationsX`,
  `/`,
];

test("path tricks never reach another upstream path: 404 in the platform's shape, nothing sent", async () => {
  const before = stack.sim.requests().length;
  for (const path of TRICKS) {
    const r = await call(path);
    assert.ok(r.status === 404 || r.status === 400, `${path} → ${r.status}`);
    assert.equal(typeof r.json?.error_code, "string", `${path}: platform error shape`);
    assert.equal(typeof r.json?.error_desc, "string");
  }
  assert.equal(stack.sim.requests().length, before, "not one of them reached the platform");
});

test("an absolute-form request target is refused", async () => {
  const r = await call(`http://127.0.0.1:1${TASK_PATH}/fw-now-devices`);
  assert.equal(r.status, 400);
});

test("ids that are fine travel as exactly one encoded segment", async () => {
  const before = stack.upstreamQueries().length;
  await call(`${TASK_PATH}/a;b=c`);
  await call(`${TASK_PATH}/caf%C3%A9`);
  await call(`${TASK_PATH}/x:y@z`);
  const urls = stack.upstreamQueries().slice(before).map((r) => r.url);
  assert.deepEqual(urls, [`${TASK_PATH}/a%3Bb%3Dc`, `${TASK_PATH}/caf%C3%A9`, `${TASK_PATH}/x%3Ay%40z`]);
});

test("methods: only GET (and the CORS preflight); others are 405 with Allow, in the platform's shape", async () => {
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "HEAD", "TRACE"]) {
    const r = await call(`${TASK_PATH}/fw-now-devices`, { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, "GET, OPTIONS");
    if (method !== "HEAD") assert.equal(r.json.error_code, "GW.METHOD");
  }
  const body = await call(`${TASK_PATH}/fw-now-devices`, { headers: { "content-type": "text/plain" }, body: "smuggled" });
  assert.equal(body.status, 400, "a GET with a body is refused, never forwarded");
});

test("sizes: a long URL is 414, a large header block 431", async () => {
  assert.equal((await call(`${TASK_PATH}/fw-now-devices?x=${"a".repeat(3000)}`)).status, 414);
  assert.equal((await call(`${TASK_PATH}/fw-now-devices`, { headers: { "x-padding": "p".repeat(9000) } })).status, 431);
});

test("CORS: only listed origins get CORS headers; a spoofed Origin is refused", async () => {
  const ok = await call(`${TASK_PATH}/fw-now-devices`, { headers: { origin: ORIGIN } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers["access-control-allow-origin"], ORIGIN);
  assert.match(ok.headers.vary, /Origin/);
  const pre = await call(`${TASK_PATH}/fw-now-devices`, { method: "OPTIONS", key: null, headers: { origin: ORIGIN, "access-control-request-method": "GET", "access-control-request-headers": "authorization, app_key" } });
  assert.equal(pre.status, 204);
  assert.match(pre.headers["access-control-allow-headers"], /authorization/);
  for (const origin of ["https://evil.example", "https://console.example.com.evil.example", "null", `${ORIGIN}:443`]) {
    const bad = await call(`${TASK_PATH}/fw-now-devices`, { headers: { origin } });
    assert.equal(bad.status, 403, origin);
    assert.equal(bad.headers["access-control-allow-origin"], undefined);
    const badPre = await call(`${TASK_PATH}/fw-now-devices`, { method: "OPTIONS", key: null, headers: { origin, "access-control-request-method": "GET" } });
    assert.equal(badPre.status, 403);
    assert.equal(badPre.headers["access-control-allow-origin"], undefined);
  }
});

test("keys: missing, wrong, near-miss, elsewhere → 401 / 1010005 (the package says unauthorized); smuggling refused", async () => {
  const cases = [
    { key: null },
    { key: "wrong-key-wrong-key-wrong" },
    { key: KEY.slice(0, -1) },
    { key: `${KEY}x` },
    { key: KEY.toUpperCase() },
    { key: null, headers: { authorization: `Basic ${Buffer.from(`x:${KEY}`).toString("base64")}` } },
    { key: null, headers: { authorization: KEY } },
    { key: null, headers: { app_key: KEY } },
    { key: null, headers: { cookie: `key=${KEY}` } },
  ];
  for (const c of cases) {
    const r = await call(`${TASK_PATH}/fw-now-devices`, c);
    assert.equal(r.status, 401, JSON.stringify(c));
    assert.equal(r.json.error_code, "1010005");
    assert.match(r.headers["www-authenticate"], /^Bearer/);
  }
  assert.equal((await call(`${TASK_PATH}/fw-now-devices?access_token=${KEY}`, { key: null })).status, 401);
  // Two Authorization headers (a good one hidden behind a bad one, or the reverse): 400.
  const twice = await raw(stack.url, `${TASK_PATH}/fw-now-devices`, { key: null, headers: { authorization: ["Bearer nope-nope-nope-nope", `Bearer ${KEY}`] } });
  seen.push(twice);
  assert.equal(twice.status, 400);
  // Both configured keys work.
  assert.equal((await call(`${TASK_PATH}/fw-now-devices`, { key: OTHER_KEY })).status, 200);
  const e = await rejection(pkg.queryUpgradeTask("fw-now-devices", "not-a-console-key", through(stack)));
  assert.equal(e.kind, "unauthorized");
  assert.equal(e.httpStatus, 401);
});

test("the caller's own headers never travel: app_key, Authorization and x-sim-fault are the gateway's", async () => {
  const before = stack.upstreamQueries().length;
  const r = await call(`${TASK_PATH}/sw-stopped`, { headers: { app_key: "evil-app", "x-sim-fault": "status=500", "x-forwarded-for": "1.2.3.4", cookie: "a=b" } });
  assert.equal(r.status, 200, "the fault header was not forwarded");
  const q = stack.upstreamQueries().slice(before);
  assert.equal(q.length, 1);
  assert.equal(q[0].headers.app_key, APP.appId);
  assert.equal(q[0].headers["x-sim-fault"], undefined);
  assert.equal(q[0].headers.cookie, undefined);
  assert.equal(q[0].headers["x-forwarded-for"], undefined);
});

test("logs redact secrets by configuration (pino redact paths)", async () => {
  const token = (await stack.gateway.store.token.current()).accessToken;
  stack.gateway.logger.info({ secret: APP.secret, token, accessToken: token, consoleKey: KEY, req: { headers: { authorization: `Bearer ${KEY}`, cookie: "s=1", app_key: APP.appId } } }, "redaction probe");
  const line = stack.logs.lines.find((l) => l.msg === "redaction probe");
  assert.equal(line.secret, "[redacted]");
  assert.equal(line.token, "[redacted]");
  assert.equal(line.accessToken, "[redacted]");
  assert.equal(line.consoleKey, "[redacted]");
  assert.equal(line.req.headers.authorization, "[redacted]");
  assert.equal(line.req.headers.cookie, "[redacted]");
});

test("scan: no response, header or log line holds the secret, the platform token, a console key or key material", async () => {
  // More traffic that carries secrets around: a failure path and the metrics.
  stack.sim.setFault("status=503", { operationId: "fw-now-devices", count: 1 });
  seen.push(await raw(stack.url, `${TASK_PATH}/fw-now-devices`));
  seen.push(await raw(stack.url, "/metrics", { key: null }));
  seen.push(await raw(stack.url, "/healthz", { key: null }));
  const token = (await stack.gateway.store.token.current()).accessToken;
  const c = stack.sim.certificates;
  const pemBody = (pem) => pem.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
  const needles = { secret: APP.secret, token, KEY, OTHER_KEY, clientKey: pemBody(c.clientKey).slice(0, 40), clientKeyLine: c.clientKey.split("\n")[1] };
  const logText = stack.logs.raw.filter((l) => !l.includes("redaction probe")).join("\n");
  assert.ok(stack.logs.raw.length > 50, "the run logged");
  for (const [name, needle] of Object.entries(needles)) {
    assert.ok(needle.length >= 8, name);
    for (const r of seen) {
      assert.ok(!r.text.includes(needle), `${name} in a response body: ${r.text.slice(0, 120)}`);
      assert.ok(!r.rawHeaders.join("\n").includes(needle), `${name} in a response header`);
    }
    assert.ok(!logText.includes(needle), `${name} in a log line`);
  }
});
