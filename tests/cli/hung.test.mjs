// A platform that accepts connections and never answers: the login hangs. Ctrl-C and SIGTERM
// must still stop every command at once, and --timeout must cover the login too.

import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { EXIT, packageCopy, runCli, spawnCli } from "./helpers.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let pkg;
let server;
let connections = 0;
const sockets = new Set();
let baseUrl;

before(async () => {
  pkg = await packageCopy();
  server = net.createServer((socket) => {
    // Accepted, read, never answered.
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  pkg.remove();
});

/** Logs in with an app id and secret (the login is what hangs). */
const env = () => ({ IOT_BASE_URL: baseUrl, IOT_APP_ID: "demo-app", IOT_SECRET: "demo-secret" });

const COMMANDS = [
  ["watch", "fw-now-devices"],
  ["list"],
  ["devices", "fw-now-devices"],
  ["get", "fw-now-devices"],
];

for (const args of COMMANDS) {
  for (const [signal, code, word] of [
    ["SIGINT", 130, "interrupted"],
    ["SIGTERM", 143, "terminated"],
  ]) {
    test(`${args[0]}: ${signal} during a login that hangs exits ${code} ('${word}') at once`, async () => {
      const seen = connections;
      const { child, result, done } = spawnCli(pkg.cli, args, { env: env() });
      for (let i = 0; i < 400 && connections === seen; i++) await sleep(50);
      assert.ok(connections > seen, `the CLI reached the server (stderr: ${result.stderr})`);
      await sleep(200);
      child.kill(signal);
      const killed = Date.now();
      // The package's own login deadline is 30 s: a run that ignores the signal ends long after.
      const r = await Promise.race([done, sleep(5000).then(() => null)]);
      if (r === null) child.kill("SIGKILL");
      assert.ok(r !== null, `still running 5 s after ${signal} (stderr so far: ${result.stderr})`);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, new RegExp(`^${word}$`, "m"));
      assert.doesNotMatch(r.stderr, /timeout|login failed/);
      assert.equal(r.stdout, "");
      assert.ok(Date.now() - killed < 5000);
    });
  }
}

test("get --timeout 2s and list --timeout 2s: the login gets that deadline too (exit 6, long before 30 s)", async () => {
  for (const args of [
    ["get", "--timeout", "2s", "fw-now-devices"],
    ["list", "--timeout", "2s"],
    ["devices", "--timeout", "2s", "fw-now-devices"],
  ]) {
    const started = Date.now();
    const r = await runCli(pkg.cli, args, { env: env(), timeoutMs: 60000 });
    const took = Date.now() - started;
    assert.equal(r.code, EXIT.transient, r.stderr);
    assert.match(r.stderr, /^error: timeout — login failed$/m);
    assert.ok(took < 20000, `${args.join(" ")} took ${took} ms (the login's own 30 s, not --timeout)`);
  }
});

test("watch --timeout 2s: a login that does not answer in time is the watch timing out (its own message, exit 6)", async () => {
  const started = Date.now();
  const r = await runCli(pkg.cli, ["watch", "--timeout", "2s", "fw-now-devices"], { env: env(), timeoutMs: 60000 });
  const took = Date.now() - started;
  assert.equal(r.code, EXIT.transient, r.stderr);
  assert.match(r.stderr, /^error: the watch timed out after 2 s \(--timeout\): no answer came in that time$/m);
  assert.doesNotMatch(r.stderr, /login failed|HTTP status|hint:/);
  assert.equal(r.stdout, "");
  assert.ok(took < 20000, `watch --timeout 2s took ${took} ms`);
});
