// TLS certificate failures are not retried: each comes back at once (one request, one
// connection) as `network` with `retryable: false` and a hint naming the cause. Local HTTPS
// servers made in the test from openssl certificates; the package runs in a child Node that
// trusts the test CA through NODE_EXTRA_CA_CERTS, as the README tells users to.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { httpsServer, makeCertificates } from "./certificates.mjs";
import { json, platformTask } from "./helpers.mjs";

const nodeEntry = fileURLToPath(new URL("../../pkg/node.js", import.meta.url));

/** Runs one queryUpgradeTask (3 attempts allowed) in a child Node trusting `caFile`; resolves what it settled to. */
function callFromChild(baseUrl, caFile) {
  const script = `
    const { queryUpgradeTask } = await import(${JSON.stringify(nodeEntry)});
    try {
      const task = await queryUpgradeTask("op-1", "tok-TLS-test-1234", { baseUrl: process.argv[1], appKey: "app-TLS-test", retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
      console.log(JSON.stringify({ ok: true, status: task.status }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, kind: e.kind, retryable: e.retryable, attempts: e.attempts, hint: e.hint, message: e.message, httpStatus: e.httpStatus }));
    }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, baseUrl], {
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: caFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1)));
      } catch {
        reject(new Error(`child exited ${code}: ${out}${err}`));
      }
    });
  });
}

describe("TLS failures that retrying cannot heal", () => {
  let certs;
  before(() => {
    certs = makeCertificates();
  });
  after(() => certs.remove());

  /** Serves `tls`, counts TCP connections, calls it from a child; resolves {result, connections}. */
  async function attempt(tls, handler = (req, res) => json(res, 200, platformTask())) {
    const server = await httpsServer(tls, handler);
    let connections = 0;
    server.server.on("connection", () => (connections += 1));
    try {
      const result = await callFromChild(server.baseUrl, certs.ca.certFile);
      return { result, connections };
    } finally {
      await server.close();
    }
  }

  const cases = [
    ["a self-signed server certificate (DEPTH_ZERO_SELF_SIGNED_CERT)", () => ({ key: certs.self.key, cert: certs.self.cert }), /DEPTH_ZERO_SELF_SIGNED_CERT/, /NODE_EXTRA_CA_CERTS/],
    ["a chain ending in an unknown self-signed CA (SELF_SIGNED_CERT_IN_CHAIN)", () => ({ key: certs.unknown.key, cert: certs.unknownWithChain.cert }), /SELF_SIGNED_CERT_IN_CHAIN/, /NODE_EXTRA_CA_CERTS/],
    ["a leaf from an unknown CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)", () => ({ key: certs.unknown.key, cert: certs.unknown.cert }), /UNABLE_TO_VERIFY_LEAF_SIGNATURE/, /NODE_EXTRA_CA_CERTS/],
    ["an expired certificate (CERT_HAS_EXPIRED)", () => ({ key: certs.expired.key, cert: certs.expired.cert }), /CERT_HAS_EXPIRED/, /expired[\s\S]*clock/],
    ["a certificate for another host name (ERR_TLS_CERT_ALTNAME_INVALID)", () => ({ key: certs.wrongHost.key, cert: certs.wrongHost.cert }), /ERR_TLS_CERT_ALTNAME_INVALID/, /does not name the host in baseUrl/],
    ["a server that demands a client certificate (UND_ERR_SOCKET)", () => ({ key: certs.server.key, cert: certs.server.cert, ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true }), /UND_ERR_SOCKET/, /client certificate \(two-way TLS\)[\s\S]*Two-way TLS, private CAs/],
  ];

  for (const [name, tls, code, hint] of cases) {
    test(`${name}: network, not retryable, one attempt, a hint naming the cause`, async () => {
      const { result, connections } = await attempt(tls());
      assert.equal(result.ok, false, JSON.stringify(result));
      assert.equal(result.kind, "network");
      assert.equal(result.retryable, false, result.message);
      assert.equal(result.attempts, 1);
      assert.equal(connections, 1, "one connection: no retry");
      assert.equal(result.httpStatus, null);
      assert.match(result.message, code);
      assert.match(result.hint, hint);
      assert.match(result.hint, /Retrying will not help\.$/);
    });
  }

  test("the same server with a trusted certificate answers, and its 503s are still retried", async () => {
    const good = await attempt({ key: certs.server.key, cert: certs.server.cert });
    assert.deepEqual(good.result, { ok: true, status: "processing" });
    const busy = await attempt({ key: certs.server.key, cert: certs.server.cert }, (req, res) => {
      res.setHeader("connection", "close");
      json(res, 503, { error_code: "50252", error_desc: "Internal server error." });
    });
    assert.equal(busy.result.kind, "server");
    assert.equal(busy.result.retryable, true);
    assert.equal(busy.result.attempts, 3);
  });
});
