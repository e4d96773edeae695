// The simulator's platform-faithful mode: https with generated (or given) certificates, a client
// certificate required in the handshake, no CORS; and the default mode unchanged.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { makeTestCertificates, normalizeOptions, startSimulator } from "../../simulator/index.mjs";

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../simulator/cli.mjs");

function get(url, { method = "GET", headers = {}, tls = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ...tls, agent: false }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("faithful mode: https, a client certificate from its CA required, no CORS", async () => {
  const sim = await startSimulator({ tls: true, requireClientCert: true, cors: false });
  const c = sim.certificates;
  try {
    assert.match(sim.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    for (const f of Object.values(c.files)) assert.ok(existsSync(f), f);
    const url = `${sim.baseUrl}/iodm/northbound/v1.5.0/operations/fw-now-devices`;
    // No client certificate: refused in the handshake, nothing reaches the HTTP layer.
    await assert.rejects(get(url, { tls: { ca: c.ca } }));
    // A certificate from another CA: refused too.
    const other = makeTestCertificates();
    await assert.rejects(get(url, { tls: { ca: c.ca, cert: other.clientCert, key: other.clientKey } }));
    rmSync(other.dir, { recursive: true, force: true });
    // An unknown server CA is refused by the client (the server certificate is really checked).
    await assert.rejects(get(url, { tls: { cert: c.clientCert, key: c.clientKey } }), /self-signed|unable to verify/i);
    assert.equal(sim.requests().length, 0);

    const tls = { ca: c.ca, cert: c.clientCert, key: c.clientKey };
    const { accessToken } = sim.login();
    const ok = await get(url, { tls, headers: { app_key: "demo-app", authorization: `Bearer ${accessToken}`, origin: "https://console.example.com" } });
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).operationId, "fw-now-devices");
    assert.equal(ok.headers["access-control-allow-origin"], undefined, "no CORS headers");
    const pre = await get(url, { method: "OPTIONS", tls, headers: { origin: "https://console.example.com", "access-control-request-method": "GET" } });
    assert.equal(pre.status, 405, "no preflight");
    assert.equal(pre.headers["access-control-allow-origin"], undefined);
  } finally {
    await sim.close();
  }
  assert.equal(existsSync(c.dir), false, "the generated certificates are removed on close");
});

test("given certificates, and server-only TLS; the default mode is plain http with CORS as before", async () => {
  const c = makeTestCertificates();
  try {
    const sim = await startSimulator({ tls: { key: c.key, cert: c.cert } });
    try {
      assert.equal(sim.certificates, null);
      const r = await get(`${sim.url}/__sim`, { tls: { ca: c.ca } });
      assert.equal(r.status, 200, "no client certificate needed without requireClientCert");
    } finally {
      await sim.close();
    }
  } finally {
    rmSync(c.dir, { recursive: true, force: true });
  }
  const plain = await startSimulator();
  try {
    assert.match(plain.url, /^http:\/\//);
    const r = await fetch(`${plain.url}/iodm/northbound/v1.5.0/operations/x`, { method: "OPTIONS", headers: { origin: "http://a.example", "access-control-request-method": "GET" } });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get("access-control-allow-origin"), "http://a.example");
  } finally {
    await plain.close();
  }
  assert.throws(() => normalizeOptions({ requireClientCert: true }), /requireClientCert needs tls/);
  assert.throws(() => normalizeOptions({ tls: { cert: "x" } }), /tls needs key and cert/);
});

test("the CLI: --tls --require-client-cert --no-cors prints the certificate folder; bad combinations exit 2", { timeout: 20000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "sim-cli-certs-"));
  const child = spawn(process.execPath, [CLI, "--port", "0", "--tls", "--require-client-cert", "--no-cors", "--cert-dir", dir, "--quiet"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no start: ${out}`)), 10000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Ctrl-C stops")) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  assert.match(out, /listening on https:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /tls\s+two-way/);
  assert.ok(out.includes(`certs     ${dir}`));
  assert.match(out, /origins\s+none/);
  assert.ok(existsSync(path.join(dir, "client.key")));
  child.kill("SIGTERM");
  assert.equal(await new Promise((r) => child.on("exit", r)), 0);
  assert.ok(existsSync(path.join(dir, "ca.crt")), "a folder the user named is kept");
  rmSync(dir, { recursive: true, force: true });

  for (const args of [["--require-client-cert"], ["--cert-dir", "x"], ["--tls", "--tls-cert", "a.pem"], ["--tls", "--no-cors", "--origin", "http://a.example"], ["--tls", "--tls-cert", "/nonexistent", "--tls-key", "/nonexistent"]]) {
    const r = spawn(process.execPath, [CLI, "--port", "0", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    r.stderr.on("data", (d) => (err += d));
    assert.equal(await new Promise((res) => r.on("exit", res)), 2, `${args.join(" ")}: ${err}`);
    assert.match(err, /Try --help/);
  }
});
