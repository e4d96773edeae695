// The bin `iot-upgrade-task-gateway`: from the checkout (node pkg-gateway/bin.mjs) and from a
// scratch project that installed both packed tarballs (npm pack of pkg/ and pkg-gateway/).

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startSimulator } from "../../simulator/index.mjs";
import { APP, KEY, ROOT, TASK_PATH, pkg, raw } from "./helpers.mjs";

const BIN = path.join(ROOT, "pkg-gateway", "bin.mjs");

function run(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000); // a deadline for a hung bin, generous on a loaded machine
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a gateway bin, waits for its "listening" line; resolves { url, child, output(), stop() }. */
function start(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no listening line within 30 s; stdout: ${out} stderr: ${err}`));
    }, 30_000);
    child.stderr.on("data", (c) => (err += c));
    child.stdout.on("data", (c) => {
      out += c;
      const m = /^gateway listening on (http:\/\/\S+)$/m.exec(out);
      if (m && timer) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          child,
          output: () => ({ stdout: out, stderr: err }),
          stop: (signal = "SIGTERM") =>
            new Promise((r) => {
              child.once("exit", (code, sig) => r({ code, signal: sig }));
              child.kill(signal);
            }),
        });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before listening: ${err}`));
    });
  });
}

let sim;
let flags;
const env = { IOT_SECRET: APP.secret };
before(async () => {
  sim = await startSimulator({ port: 0, tls: true, requireClientCert: true, cors: false });
  const f = sim.certificates.files;
  flags = ["--listen", "127.0.0.1:0", "--upstream", sim.baseUrl, "--app-id", APP.appId, "--cert", f.clientCert, "--key", f.clientKey, "--ca", f.ca, "--console-key", KEY];
});
after(() => sim.close());

describe("the bin from the checkout", () => {
  test("--help and --version exit 0", async () => {
    const h = await run(["--help"]);
    assert.equal(h.code, 0);
    for (const flag of ["--listen", "--upstream", "--app-id", "--secret-file", "--cert", "--key", "--ca", "--console-key", "--origin", "--cache-ms", "--rate", "--max-wait-ms", "--quiet", "IOT_SECRET", "GATEWAY_CONSOLE_KEYS"]) {
      assert.ok(h.stdout.includes(flag), flag);
    }
    const v = await run(["--version"]);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test("bad flags exit 2 with a clear message", async () => {
    const base = ["--upstream", "https://127.0.0.1:1", "--app-id", "a", "--console-key", KEY];
    const cases = [
      [["--bogus"], {}, /Unknown option '--bogus'/],
      [[...base, "--secret", "s"], {}, /never a flag/],
      [["--app-id", "a", "--console-key", KEY], env, /--upstream URL is required/],
      [[...base.slice(2), "--upstream", "ftp://x"], env, /upstream must be https/],
      [[...base, "--rate", "100"], env, /--rate needs N\/MS/],
      [[...base, "--listen", "nowhere"], env, /--listen needs HOST:PORT/],
      [[...base, "--cache-ms=-1"], env, /--cache-ms needs a whole number/],
      [[...base, "--max-wait-ms", "soon"], env, /--max-wait-ms needs a whole number/],
      [base, {}, /no secret/],
      [["--upstream", "https://127.0.0.1:1", "--app-id", "a", "--console-key", "short"], env, /at least 16/],
      [["--upstream", "https://127.0.0.1:1", "--app-id", "a"], env, /no console key/],
      [[...base, "--cert", "/nonexistent/c.pem", "--key", "/nonexistent/k.pem"], env, /--cert \/nonexistent\/c.pem: no such file/],
      [[...base, "--secret-file", "/nonexistent/secret"], {}, /--secret-file \/nonexistent\/secret: no such file/],
      [[...base, "--origin", "https://a.example/path"], env, /exactly scheme/],
      [[...base, "--replicas", "3"], env, /--replicas needs --store/],
      [base, { ...env, GATEWAY_STORE: "redis//:hunter2-store-password@redis:6379" }, /store must be a redis:\/\/ or rediss:\/\/ URL.*not shown/],
      [[...base, "--store", "redis://127.0.0.1:1/0"], { ...env, GATEWAY_STORE: "redis://127.0.0.1:1/0" }, /give the store once/],
    ];
    // TLS files the platform connection could not use are refused at start, not at the first login.
    const f = sim.certificates.files;
    cases.push(
      [[...base, "--cert", f.clientKey, "--key", f.clientCert], env, /cert is not a PEM certificate \(no PEM certificate block/],
      [[...base, "--cert", f.clientCert, "--key", f.key], env, /key is not the private key of cert/],
      [[...base, "--cert", f.clientCert, "--key", f.ca], env, /key is not a PEM private key/],
      [[...base, "--ca", f.clientKey], env, /ca is not a PEM certificate/],
    );
    const dir = mkdtempSync(path.join(tmpdir(), "gw-secret-"));
    try {
      writeFileSync(path.join(dir, "empty"), "\n");
      // An RSA key for the EC certificate: OpenSSL's own pairing check lets that one pass.
      writeFileSync(path.join(dir, "rsa.key"), generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }));
      cases.push([[...base, "--cert", f.clientCert, "--key", path.join(dir, "rsa.key")], env, /key is not the private key of cert/]);
      // DER, which X509Certificate reads but a TLS connection does not.
      writeFileSync(path.join(dir, "ca.der"), new X509Certificate(readFileSync(f.ca)).raw);
      cases.push([[...base, "--ca", path.join(dir, "ca.der")], env, /ca is not a PEM certificate \(no PEM certificate block/]);
      cases.push([[...base, "--secret-file", path.join(dir, "empty")], {}, /--secret-file .*empty: the file is empty/]);
      for (const [args, e, pattern] of cases) {
        const r = await run(args, e);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, pattern, args.join(" "));
        assert.match(r.stderr, /Try --help/);
        assert.doesNotMatch(r.stderr, /BEGIN|PRIVATE|hunter2/, "no key, certificate or password text");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("runs in front of the faithful simulator, keys from GATEWAY_CONSOLE_KEYS too, JSON logs without secrets, SIGTERM exits 0", { timeout: 60_000 }, async () => {
    const extra = "env-console-key-0123456789";
    const gw = await start([process.execPath, BIN], flags, { ...env, GATEWAY_CONSOLE_KEYS: ` ${extra} ,` });
    try {
      assert.match(gw.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const task = await pkg.queryUpgradeTask("fw-now-devices", KEY, { baseUrl: gw.url, appKey: "console", retry: false });
      assert.equal(task.operationId, "fw-now-devices");
      assert.equal((await raw(gw.url, `${TASK_PATH}/sw-stopped`, { key: extra })).status, 200);
      assert.equal((await raw(gw.url, `${TASK_PATH}/sw-stopped`, { key: "nope-nope-nope-nope" })).status, 401);
    } finally {
      const { code } = await gw.stop("SIGTERM");
      assert.equal(code, 0);
    }
    const { stdout, stderr } = gw.output();
    const lines = stdout.trim().split("\n");
    assert.match(lines[0], /^gateway listening on http:/);
    const logs = lines.slice(1).map((l) => JSON.parse(l));
    assert.ok(logs.some((l) => l.msg === "request" && l.status === 200 && l.route === "task"));
    for (const secret of [APP.secret, KEY, extra]) assert.ok(!stdout.includes(secret) && !stderr.includes(secret), "no secret in the output");
  });

  test("the secret from --secret-file (its line ends left out); --quiet logs no request lines; a client whose headers never end gets 408", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gw-secret-"));
    const file = path.join(dir, "secret");
    writeFileSync(file, `${APP.secret}\r\n\n`, { mode: 0o600 });
    const gw = await start([process.execPath, BIN], [...flags, "--secret-file", file, "--quiet"], {});
    try {
      assert.equal((await raw(gw.url, `${TASK_PATH}/fw-now-devices`)).status, 200);
      // Headers that never end: the 10 s headersTimeout answers 408 (before: 400 after ~37 s).
      const { port } = new URL(gw.url);
      const started = Date.now();
      const answer = await new Promise((resolve, reject) => {
        const socket = net.connect(Number(port), "127.0.0.1", () => socket.write("GET /healthz HTTP/1.1\r\nhost: x\r\n"));
        let text = "";
        socket.setEncoding("utf8").on("data", (c) => (text += c));
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
        setTimeout(() => socket.destroy(), 30_000).unref();
      });
      assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/, answer);
      assert.match(answer, /"error_code":"GW.REQUEST_TIMEOUT"/);
      assert.match(answer, /\r\ncontent-security-policy: default-src 'none'; frame-ancestors 'none'; sandbox\r\n/, "data only, as the gateway's own answers");
      assert.ok(Date.now() - started < 25_000, `answered after ${Date.now() - started} ms`);
    } finally {
      assert.equal((await gw.stop("SIGINT")).code, 0);
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(gw.output().stdout.trim().split("\n").length, 1, "only the listening line");
  });
});

describe("both packed tarballs installed into a scratch project", () => {
  let scratch;
  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), "gw-scratch-"));
    const pack = (dir) => execFileSync("npm", ["pack", "--silent", "--pack-destination", scratch, dir], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").at(-1);
    const main = pack(path.join(ROOT, "pkg"));
    const gateway = pack(path.join(ROOT, "pkg-gateway"));
    writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", `./${main}`, `./${gateway}`], { cwd: scratch, stdio: "pipe", timeout: 180_000 });
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test("the installed bin serves the package's calls; the library imports with its types", { timeout: 60000 }, async () => {
    const bin = path.join(scratch, "node_modules", ".bin", "iot-upgrade-task-gateway");
    const gw = await start([bin], flags, env);
    try {
      const task = await pkg.queryUpgradeTask("sw-stopped", KEY, { baseUrl: gw.url, appKey: "console", retry: false });
      assert.equal(task.status, "stop");
    } finally {
      assert.equal((await gw.stop()).code, 0);
    }
    const probe = "import { createGateway, createMemoryStore } from 'iot-upgrade-task-gateway'; import { login } from 'iot-upgrade-task'; console.log(typeof createGateway, typeof createMemoryStore, typeof login);";
    assert.equal(execFileSync(process.execPath, ["--input-type=module", "-e", probe], { cwd: scratch, encoding: "utf8" }).trim(), "function function function");
    const manifest = JSON.parse(execFileSync(process.execPath, ["-p", "JSON.stringify(require('./node_modules/iot-upgrade-task-gateway/package.json'))"], { cwd: scratch, encoding: "utf8" }));
    assert.equal(manifest.dependencies["iot-upgrade-task"], JSON.parse(execFileSync(process.execPath, ["-p", "JSON.stringify(require('./node_modules/iot-upgrade-task/package.json'))"], { cwd: scratch, encoding: "utf8" })).version);
    assert.equal(manifest.devDependencies, undefined);
    execFileSync(process.execPath, ["-e", "require('fs').accessSync('node_modules/iot-upgrade-task-gateway/index.d.mts')"], { cwd: scratch });
  });
});
