import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { VERSION } from "../../simulator/index.mjs";
import { LOGIN, OPS, THROTTLED, json } from "./helpers.mjs";

const CLI = fileURLToPath(new URL("../../simulator/cli.mjs", import.meta.url));

/** Starts the CLI; resolves once it printed its URL. */
function startCli(t, args) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (c) => (err += c));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on("data", (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && out.includes("Ctrl-C")) resolve(m[1]);
    });
    exited.then(({ code }) => reject(new Error(`cli exited with ${code}: ${err}`)));
    setTimeout(() => reject(new Error(`cli did not start: ${out} ${err}`)), 30_000).unref();
  });
  return { child, ready, exited, output: () => out };
}

test("the CLI is an executable node script", () => {
  assert.ok(readFileSync(CLI, "utf8").startsWith("#!/usr/bin/env node\n"));
  assert.ok(statSync(CLI).mode & 0o111, "cli.mjs is not executable");
});

test("--port 0 picks a free port, prints URL and credentials, serves, and stops cleanly on SIGINT", async (t) => {
  const cli = startCli(t, ["--port", "0", "--prefix", "/iot", "--app-id", "my-app", "--secret", "s3cret", "--throttle", "3/60000", "--progress-ms", "500", "--token-ttl", "100", "--origin", "http://a.example", "--origin", "http://b.example"]);
  const url = await cli.ready;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(url, "http://127.0.0.1:0");
  const out = cli.output();
  assert.match(out, /my-app/);
  assert.match(out, /s3cret/);
  assert.match(out, new RegExp(`baseUrl\\s+${url}/iot`));

  const login = await fetch(`${url}/iot${LOGIN}`, { method: "POST", body: new URLSearchParams({ appId: "my-app", secret: "s3cret" }) });
  assert.equal(login.status, 200);
  const tok = await json(login);
  assert.equal(tok.expiresIn, 100);
  const headers = { app_key: "my-app", authorization: `Bearer ${tok.accessToken}`, origin: "http://b.example" };
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${url}/iot${OPS}demo-progress-success`, { headers });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "http://b.example");
  }
  const throttled = await fetch(`${url}/iot${OPS}fw-now-devices`, { headers });
  assert.equal(throttled.status, 403);
  assert.deepEqual(await json(throttled), THROTTLED);
  const refused = await fetch(`${url}/iot${OPS}fw-now-devices`, { method: "OPTIONS", headers: { origin: "http://c.example", "access-control-request-method": "GET" } });
  assert.equal(refused.status, 403);
  const info = await json(await fetch(`${url}/__sim`));
  assert.equal(info.progressMs, 500);

  // a hung request must not keep the process alive
  const hung = fetch(`${url}/iot${OPS}fw-now-devices`, { headers: { ...headers, "x-sim-fault": "hang-headers" } }).catch((e) => e);
  // wait until the hung request has reached the simulator (its request log), then stop it
  const arrived = async () => (await json(await fetch(`${url}/__sim/requests`))).requests.some((r) => r.fault === "hang-headers");
  for (let i = 0; i < 600 && !(await arrived()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(await arrived(), "the hung request reached the simulator");
  const started = Date.now();
  cli.child.kill("SIGINT");
  const { code } = await cli.exited;
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 10_000, "a hung request kept the process alive");
  assert.match(cli.output(), /stopped/);
  assert.ok((await hung) instanceof Error);
  await assert.rejects(fetch(`${url}/__sim`));
});

test("SIGTERM stops it too, and --throttle off disables the throttle", async (t) => {
  const cli = startCli(t, ["--port", "0", "--throttle", "off", "--quiet"]);
  const url = await cli.ready;
  const tok = await json(await fetch(`${url}${LOGIN}`, { method: "POST", body: "appId=demo-app&secret=demo-secret" }));
  for (let i = 0; i < 105; i++) {
    const res = await fetch(`${url}${OPS}fw-now-devices`, { headers: { app_key: "demo-app", authorization: `Bearer ${tok.accessToken}` } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  cli.child.kill("SIGTERM");
  assert.equal((await cli.exited).code, 0);
  assert.ok(!/GET \//.test(cli.output()), "--quiet still logged requests");
});

test("--help, --version and bad flags", () => {
  const help = spawnSync(process.execPath, [CLI, "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  for (const flag of ["--port", "--host", "--prefix", "--app-id", "--secret", "--token-ttl", "--throttle", "--origin", "--progress-ms", "--help", "--version"]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  const version = spawnSync(process.execPath, [CLI, "--version"], { encoding: "utf8" });
  assert.equal(version.status, 0);
  assert.ok(version.stdout.includes(VERSION));
  for (const args of [["--bogus"], ["--port", "abc"], ["--port", "70000"], ["--throttle", "5"], ["--throttle", "0/100"], ["--token-ttl", "0"], ["--prefix", "/a b"], ["extra"]]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 5000 });
    assert.notEqual(r.status, 0, args.join(" "));
    assert.ok(r.stderr.length > 0, args.join(" "));
  }
});
