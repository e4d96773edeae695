// Configuration (flags, environment, login), secrecy of the token, --help and --version.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { EXIT, closedPort, setup } from "./helpers.mjs";

let ctx;
before(async () => {
  ctx = await setup();
});
after(() => ctx.close());

const CANARY = "CANARY-TOKEN-7d1e4b2a-do-not-print";
const SECRET_CANARY = "CANARY-SECRET-93fa0c";

test("logs in with IOT_APP_ID and IOT_SECRET (the app key defaults to the app id)", async () => {
  const r = await ctx.run(["get", "--json", "fw-now-devices"], {
    env: { IOT_BASE_URL: ctx.sim.baseUrl, IOT_APP_ID: "demo-app", IOT_SECRET: "demo-secret" },
  });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.equal(JSON.parse(r.stdout).operationId, "fw-now-devices");
  const logins = ctx.sim.requests().filter((q) => q.method === "POST" && q.path.endsWith("/login"));
  assert.ok(logins.length >= 1, "a login was made");
});

test("logs in with --app-id and --secret; watch works the same way", async () => {
  const r = await ctx.run(["watch", "fw-now-devices", "--base-url", ctx.sim.baseUrl, "--app-id", "demo-app", "--secret", "demo-secret", "--verbose"]);
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(r.stderr, /logging in at /);
  assert.match(r.stderr, /logged in/);
  assert.ok(!(r.stdout + r.stderr).includes("demo-secret"), "the secret is never printed");
});

test("a refused login exits 4 and never shows the secret", async () => {
  const r = await ctx.run(["get", "fw-now-devices", "--verbose"], {
    env: { IOT_BASE_URL: ctx.sim.baseUrl, IOT_APP_ID: "demo-app", IOT_SECRET: SECRET_CANARY },
  });
  assert.equal(r.code, EXIT.unauthorized, r.stderr);
  assert.match(r.stderr, /^error: unauthorized — login failed/m);
  assert.match(r.stderr, /platform code:\s+100208/);
  assert.ok(!(r.stdout + r.stderr).includes(SECRET_CANARY));
});

test("a given token wins over logging in", async () => {
  const env = ctx.env({ IOT_APP_ID: "demo-app", IOT_SECRET: "wrong-secret-123" });
  ctx.sim.clearRequests();
  const r = await ctx.run(["get", "fw-now-devices"], { env });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.equal(ctx.sim.requests().filter((q) => q.path.endsWith("/login")).length, 0);
});

test("flags win over the environment", async () => {
  const port = await closedPort();
  const env = ctx.env({ IOT_BASE_URL: `http://127.0.0.1:${port}`, IOT_APP_KEY: "not-the-app" });
  const r = await ctx.run(["get", "fw-now-devices", "--base-url", ctx.sim.baseUrl, "--app-key", "demo-app"], { env });
  assert.equal(r.code, EXIT.ok, r.stderr);
  const token = ctx.sim.login().accessToken;
  const flagged = await ctx.run(["get", "fw-now-devices", "--token", token], { env: { ...env, IOT_BASE_URL: ctx.sim.baseUrl, IOT_APP_KEY: "demo-app", IOT_ACCESS_TOKEN: "stale-token-0000" } });
  assert.equal(flagged.code, EXIT.ok, flagged.stderr);
});

test("the token never appears in stdout or stderr, not even with --verbose", async (t) => {
  const runs = [
    ["get", "fw-now-devices", "--verbose"],
    ["get", "no-such-task", "--verbose"],
    ["get", "--json", "--verbose", "fw-now-devices", "sw-stopped"],
    ["watch", "sw-stopped", "--verbose"],
    ["watch", "no-such-task", "--verbose"],
  ];
  // A refused token, from the environment and from the flag.
  for (const args of runs) {
    await t.test(`refused token: ${args.join(" ")}`, async () => {
      const viaEnv = await ctx.run(args, { env: { IOT_BASE_URL: ctx.sim.baseUrl, IOT_APP_KEY: "demo-app", IOT_ACCESS_TOKEN: CANARY } });
      assert.equal(viaEnv.code, EXIT.unauthorized);
      assert.match(viaEnv.stderr, /access token from IOT_ACCESS_TOKEN \(\d+ characters, not shown\)/);
      assert.ok(!viaEnv.stdout.includes(CANARY) && !viaEnv.stderr.includes(CANARY), viaEnv.stderr);
      const viaFlag = await ctx.run([...args, `--token=${CANARY}`], { env: { IOT_BASE_URL: ctx.sim.baseUrl, IOT_APP_KEY: "demo-app" } });
      assert.equal(viaFlag.code, EXIT.unauthorized);
      assert.ok(!viaFlag.stdout.includes(CANARY) && !viaFlag.stderr.includes(CANARY), viaFlag.stderr);
    });
  }
  // A valid token.
  for (const args of runs) {
    await t.test(`valid token: ${args.join(" ")}`, async () => {
      const env = ctx.env();
      const r = await ctx.run(args, { env });
      assert.ok(r.code === EXIT.ok || r.code === EXIT.notFound || r.code === EXIT.taskEnded, r.stderr);
      assert.ok(!(r.stdout + r.stderr).includes(env.IOT_ACCESS_TOKEN));
    });
  }
  // Even a usage error after the token flag does not echo it.
  await t.test("usage error", async () => {
    const r = await ctx.run(["get", "x", "--token", CANARY, "--nope", "--verbose"]);
    assert.equal(r.code, EXIT.usage);
    assert.ok(!(r.stdout + r.stderr).includes(CANARY));
  });
});

test("--verbose tells where the settings came from, and masks the app key", async () => {
  const r = await ctx.run(["get", "fw-now-devices", "--verbose"], { env: ctx.env({ IOT_APP_KEY: "demo-app" }) });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(r.stderr, /^verbose: platform http:\/\/127\.0\.0\.1:\d+ \(from IOT_BASE_URL\); app key dem… \(8 characters\) \(from IOT_APP_KEY\)$/m);
  assert.match(r.stderr, /^verbose: done in \d+ ms: 1 ok, 0 failed$/m);
  assert.ok(!r.stderr.includes("demo-app"));
});

test("a password inside the base URL is never printed, not even with --verbose (the URL is refused)", async (t) => {
  const port = new URL(ctx.sim.baseUrl).port;
  const login = { IOT_APP_ID: "demo-app", IOT_SECRET: "demo-secret" };
  const cases = [
    ["a flag, with a token", ["--base-url", `http://admin:hunter2pw@127.0.0.1:${port}`], ctx.env()],
    ["a flag, logging in", ["--base-url", `http://admin:hunter2pw@127.0.0.1:${port}`], login],
    ["the environment", [], { ...login, IOT_BASE_URL: `http://admin:hunter2pw@127.0.0.1:${port}` }],
    ["a URL that does not parse", ["--base-url", `http://admin:hunter2pw/x@127.0.0.1:${port}`], login],
    ["no scheme", ["--base-url", `admin:hunter2pw@127.0.0.1:${port}`], login],
    ["a short password", ["--base-url", `http://admin:pw@127.0.0.1:${port}`], login],
  ];
  for (const [name, flags, env] of cases) {
    await t.test(name, async () => {
      const r = await ctx.run(["get", "-v", ...flags, "fw-now-devices"], { env });
      assert.equal(r.code, EXIT.usage, r.stderr);
      assert.match(r.stderr, /^verbose: platform (http:\/\/)?\*\*\*@127\.0\.0\.1:\d+ \(from /m, "said where, with the userinfo masked");
      assert.doesNotMatch(r.stdout + r.stderr, /hunter2pw|admin|:pw@/);
    });
  }
});

test("--version prints the version from package.json next to the CLI", async () => {
  const { version } = JSON.parse(readFileSync(join(ctx.dir, "package.json"), "utf8"));
  for (const args of [["--version"], ["-V"], ["get", "--version"]]) {
    const r = await ctx.run(args);
    assert.equal(r.code, EXIT.ok);
    assert.equal(r.stdout, `${version}\n`);
    assert.equal(r.stderr, "");
  }
});

test("--help for the tool and for every command documents options, environment and exit codes", async () => {
  const variants = [
    [["--help"], /^Usage: iot-upgrade-task <command> \[options\]/],
    [["-h"], /^Usage: iot-upgrade-task <command>/],
    [["help"], /^Usage: iot-upgrade-task <command>/],
    [["get", "--help"], /^Usage: iot-upgrade-task get \[options\] <operationId\.\.\.>/],
    [["help", "get"], /^Usage: iot-upgrade-task get /],
    [["watch", "--help"], /^Usage: iot-upgrade-task watch \[options\] <operationId>/],
    [["help", "watch"], /^Usage: iot-upgrade-task watch /],
  ];
  for (const [args, first] of variants) {
    const r = await ctx.run(args);
    assert.equal(r.code, EXIT.ok, args.join(" "));
    assert.match(r.stdout, first);
    for (const word of ["--base-url", "--app-key", "--token", "--app-id", "--secret", "--json", "--verbose", "IOT_BASE_URL", "IOT_APP_KEY", "IOT_ACCESS_TOKEN", "IOT_APP_ID", "IOT_SECRET", "NO_COLOR"]) {
      assert.ok(r.stdout.includes(word), `${args.join(" ")} mentions ${word}`);
    }
    assert.match(r.stdout, /Exit codes:/);
    for (const line of [/^ {2}0 +success/m, /^ {2}1 +the watched task ended "failed" or "stop"/m, /^ {2}2 +usage error, or invalid_argument/m, /^ {2}3 +not_found/m, /^ {2}4 +unauthorized/m, /^ {2}5 +throttled/m, /^ {2}6 +network, timeout or server/m, /^ {2}7 +invalid_response/m, /^ {2}8 +anything else/m]) {
      assert.match(r.stdout, line);
    }
    assert.doesNotMatch(r.stdout, /--min-delay|--max-delay/, "the polling flags are hidden");
    assert.doesNotMatch(r.stdout, /\x1b\[/);
  }
  const get = await ctx.run(["get", "--help"]);
  assert.match(get.stdout, /--timeout DURATION\s+deadline of the login and of each query/);
  const watch = await ctx.run(["watch", "--help"]);
  assert.match(watch.stdout, /--timeout DURATION\s+give up \(exit 6\) when the task has not ended after this long, the\s+login included/);
  const list = await ctx.run(["list", "--help"]);
  assert.match(list.stdout, /--timeout DURATION\s+deadline of the login and of each page's query/);
});

test("the first line is the node shebang", () => {
  assert.equal(readFileSync(ctx.cli, "utf8").split("\n")[0], "#!/usr/bin/env node");
});
