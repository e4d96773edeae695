import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startSimulator } from "../../simulator/index.mjs";
import { BAD_REQUEST, LOGIN, OPS, authHeaders, query, raw, rawSocket, simFor } from "./helpers.mjs";

test("garbage on the wire gets a 4xx and the server keeps serving", async (t) => {
  const sim = await simFor(t);
  const tok = sim.login();
  const garbage = [
    "GARBAGE\r\n\r\n",
    "GET\r\n\r\n",
    "GET / HTTP/9.9\r\n\r\n",
    "\x00\x01\x02\x03\r\n\r\n",
    "GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    "GET /x HTTP/1.1\r\nBad Header\r\n\r\n",
    `GET /${"%".repeat(100)} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`,
    "GET http://evil.example/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    "GET * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    `GET ${OPS}%ZZ%00%u1234 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`,
    `GET ${OPS}\xff\xfe HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`,
    "POST /__sim/faults HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{{{",
  ];
  for (const g of garbage) {
    const { text } = await rawSocket(sim.port, Buffer.from(g, "latin1"));
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
    assert.ok(m, `no HTTP answer to ${JSON.stringify(g)}: ${JSON.stringify(text.slice(0, 80))}`);
    assert.ok(Number(m[1]) >= 400 && Number(m[1]) < 500, `${m[1]} for ${JSON.stringify(g)}`);
  }
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 200);
});

test("huge headers get 431, huge bodies 413, and the server survives", async (t) => {
  const sim = await simFor(t);
  const tok = sim.login();
  const { text } = await rawSocket(sim.port, `GET ${OPS}x HTTP/1.1\r\nHost: a\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`);
  assert.match(text, /^HTTP\/1\.1 431 /);
  const bigLogin = await raw({ port: sim.port, method: "POST", path: LOGIN, body: `appId=demo-app&secret=${"s".repeat(200_000)}` });
  assert.equal(bigLogin.status, 413);
  const bigFault = await raw({ port: sim.port, method: "POST", path: "/__sim/faults", body: `{"fault":"${"x".repeat(2 * 1024 * 1024)}"}` });
  assert.equal(bigFault.status, 413);
  assert.equal((await query(sim, "fw-now-devices", tok)).status, 200);
});

test("clients that vanish mid-request or mid-response do not hurt the server", async (t) => {
  const sim = await simFor(t);
  const tok = sim.login();
  // half a body, then gone
  await new Promise((resolve) => {
    const s = net.connect(sim.port, "127.0.0.1", () => {
      s.write(`POST ${LOGIN} HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nappId=demo`);
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 50);
    });
  });
  // a request for a slow answer, abandoned
  const ac = new AbortController();
  const p = query(sim, "fw-now-devices", tok, { "x-sim-fault": "drip=20;bytes=1" }, { signal: ac.signal }).then((r) => r.text());
  setTimeout(() => ac.abort(), 80);
  await assert.rejects(p);
  // a huge answer, abandoned after its first chunk
  const ac2 = new AbortController();
  const big = await query(sim, "fw-now-devices", tok, { "x-sim-fault": "oversized" }, { signal: ac2.signal });
  const reader = big.body.getReader();
  assert.equal((await reader.read()).done, false);
  ac2.abort();
  await assert.rejects(reader.read());
  // many at once
  const all = await Promise.all(Array.from({ length: 50 }, () => query(sim, "sw-stopped", tok).then((r) => r.status)));
  assert.ok(all.every((s) => s === 200 || s === 403));
  assert.equal((await query(sim, "fw-now-devices", sim.login())).status, 200);
});

test("bad options are refused up front", async () => {
  const bad = [
    { port: -1 },
    { port: 1.5 },
    { prefix: "/a b" },
    { prefix: "/__sim" },
    { apps: [] },
    { apps: [{ appId: "x" }] },
    { apps: [{ appId: "x", secret: "y" }, { appId: "x", secret: "z" }] },
    { tokenTtlSeconds: 0 },
    { throttle: { calls: 0, perMs: 1000 } },
    { throttle: { calls: 5 } },
    { origins: "*" },
    { progressMs: -1 },
  ];
  for (const o of bad) await assert.rejects(startSimulator(o), TypeError, JSON.stringify(o));
});

test("close() is idempotent and the port is released", async () => {
  const sim = await startSimulator();
  const port = sim.port;
  await Promise.all([sim.close(), sim.close()]);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/__sim`));
  const again = await startSimulator({ port });
  assert.equal(again.port, port);
  await again.close();
});

test("a raw '#' in the request target is 400 120015, not read as the end of the path or the query", async (t) => {
  const sim = await simFor(t);
  const headers = authHeaders(sim.login());
  for (const path of [`${OPS}fw-now-devices#junk`, `${OPS}fw-now-devices/subOperations#x`, `${OPS.slice(0, -1)}?pageNo=0#pageSize=1`, `${LOGIN}#`]) {
    const r = await raw({ port: sim.port, path, method: path.startsWith(LOGIN) ? "POST" : "GET", headers });
    assert.equal(r.status, 400, path);
    assert.deepEqual(JSON.parse(r.body.toString()), BAD_REQUEST, path);
  }
  const ok = await raw({ port: sim.port, path: `${OPS}fw-now-devices`, headers });
  assert.equal(ok.status, 200, "the same request without the '#' is answered");
});
