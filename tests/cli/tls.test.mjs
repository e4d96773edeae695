// --ca, --cert and --key (IOT_CA, IOT_CERT, IOT_KEY): get and watch reach a platform behind
// HTTPS with a private CA that demands a client certificate (two-way TLS). The platform here
// is the simulator behind a TLS front made in the test from openssl certificates.

import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { httpsServer, makeCertificates } from "../e2e/certificates.mjs";
import { EXIT, setup } from "./helpers.mjs";

let ctx;
let certs;
let front;
let clients = [];
before(async () => {
  ctx = await setup({ progressMs: 1200 });
  certs = makeCertificates();
  const target = new URL(ctx.sim.baseUrl);
  // Two-way TLS: only clients with a certificate from the platform CA get through.
  front = await httpsServer({ key: certs.server.key, cert: certs.server.cert, ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    clients.push(req.socket.getPeerCertificate().subject?.CN ?? null);
    const forward = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
});
after(async () => {
  await front.close();
  await ctx.close();
  certs.remove();
});

const flags = () => ["--ca", certs.ca.certFile, "--cert", certs.client.certFile, "--key", certs.client.keyFile];

test("get with --ca, --cert and --key reaches a platform that wants two-way TLS", async () => {
  clients = [];
  const r = await ctx.run(["get", "fw-now-devices", ...flags()], { env: ctx.env({ IOT_BASE_URL: front.baseUrl }) });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(r.stdout, /^Task fw-now-devices$/m);
  assert.deepEqual(clients, ["iot-console"]);
});

test("IOT_CA, IOT_CERT and IOT_KEY do the same, for a login and a watch", async () => {
  clients = [];
  const env = { IOT_BASE_URL: front.baseUrl, IOT_APP_ID: "demo-app", IOT_SECRET: "demo-secret", IOT_CA: certs.ca.certFile, IOT_CERT: certs.client.certFile, IOT_KEY: certs.client.keyFile };
  const r = await ctx.run(["watch", "demo-progress-success", "--min-delay", "100", "--max-delay", "200", "--json"], { env });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.equal(JSON.parse(r.stdout).status, "success");
  assert.ok(clients.length >= 2, "the login and the polls went through the TLS front");
  assert.ok(clients.every((cn) => cn === "iot-console"));
});

test("--verbose names the TLS files, never their contents", async () => {
  const r = await ctx.run(["get", "fw-now-devices", "--verbose", ...flags()], { env: ctx.env({ IOT_BASE_URL: front.baseUrl }) });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(r.stderr, new RegExp(`TLS: --ca ${certs.ca.certFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, --cert .*, --key `));
  assert.doesNotMatch(r.stderr + r.stdout, /BEGIN (EC )?PRIVATE KEY|BEGIN CERTIFICATE/);
});

test("without the client certificate, or without the CA, the platform is not reached (exit 6), and the hint says why", async () => {
  const noCert = await ctx.run(["get", "fw-now-devices", "--ca", certs.ca.certFile], { env: ctx.env({ IOT_BASE_URL: front.baseUrl }) });
  assert.equal(noCert.code, EXIT.transient, noCert.stderr);
  assert.match(noCert.stderr, /^error: network\b/m);
  assert.match(noCert.stderr, /hint: .*demands a client certificate \(two-way TLS\).*--cert and --key/);
  const noCa = await ctx.run(["get", "fw-now-devices", "--cert", certs.client.certFile, "--key", certs.client.keyFile], { env: ctx.env({ IOT_BASE_URL: front.baseUrl }) });
  assert.equal(noCa.code, EXIT.transient, noCa.stderr);
  assert.match(noCa.stderr, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/);
  assert.match(noCa.stderr, /hint: .*NODE_EXTRA_CA_CERTS.*--ca FILE/);
});

test("bad TLS settings are usage errors in the CLI's words (exit 2)", async () => {
  const env = ctx.env({ IOT_BASE_URL: front.baseUrl });
  const cases = [
    [["--cert", certs.client.certFile], /^error: --cert is given alone: a client certificate needs both --cert FILE and --key FILE/m],
    [["--key", certs.client.keyFile], /^error: --key is given alone/m],
    [["--ca", `${certs.dir}/missing.pem`], /^error: --ca: cannot read ".*missing\.pem" \(ENOENT\)$/m],
    [["--cert", certs.client.certFile, "--key", certs.server.keyFile], /^error: the TLS files cannot be used \(.*\): give PEM files, and a --key that belongs to --cert$/m],
    [["--ca"], /^error: --ca needs a value$/m],
  ];
  for (const [args, message] of cases) {
    const r = await ctx.run(["get", "fw-now-devices", ...args], { env });
    assert.equal(r.code, EXIT.usage, r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /PRIVATE KEY/);
  }
  const fromEnv = await ctx.run(["get", "fw-now-devices"], { env: { ...env, IOT_CERT: certs.client.certFile } });
  assert.match(fromEnv.stderr, /^error: IOT_CERT \(or --cert\) is given alone/m);
});
