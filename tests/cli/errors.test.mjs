// Each error kind's exit code, and what the CLI says about it on stderr.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { EXIT, closedPort, setup } from "./helpers.mjs";

let ctx;
before(async () => {
  ctx = await setup();
});
after(() => ctx.close());

/** stderr names the kind, the HTTP status, the platform code and the hint. */
function assertReport(stderr, { kind, status, code }) {
  assert.match(stderr, new RegExp(`^error: ${kind}\\b`, "m"));
  assert.match(stderr, new RegExp(`HTTP status:\\s+${status}`));
  assert.match(stderr, new RegExp(`platform code:\\s+${code}`));
  assert.match(stderr, /hint:\s+\S/);
}

test("not_found exits 3", async () => {
  const r = await ctx.run(["get", "no-such-task"], { env: ctx.env() });
  assert.equal(r.code, EXIT.notFound);
  assert.equal(r.stdout, "");
  assertReport(r.stderr, { kind: "not_found", status: "404", code: "123009 \\(The requested task does not exist\\.\\)" });
});

test("unauthorized (a wrong token) exits 4", async () => {
  const r = await ctx.run(["get", "fw-now-devices"], { env: ctx.env({ IOT_ACCESS_TOKEN: "wrong-token-000000" }) });
  assert.equal(r.code, EXIT.unauthorized);
  assertReport(r.stderr, { kind: "unauthorized", status: "403", code: "1010005" });
});

test("unauthorized (a wrong app key) exits 4", async () => {
  const r = await ctx.run(["get", "fw-now-devices", "--app-key", "other-app"], { env: ctx.env() });
  assert.equal(r.code, EXIT.unauthorized);
  assertReport(r.stderr, { kind: "unauthorized", status: "403", code: "1010005" });
});

test("invalid_response exits 7 and lists every problem", async () => {
  ctx.sim.setTask("cli-invalid", JSON.stringify({ operationId: "cli-invalid", operateType: "reboot", status: "done", targets: { devices: [] } }));
  const r = await ctx.run(["get", "cli-invalid"], { env: ctx.env() });
  assert.equal(r.code, EXIT.invalidResponse);
  assertReport(r.stderr, { kind: "invalid_response", status: "200", code: "none" });
  assert.match(r.stderr, /problems:\n/);
  assert.match(r.stderr, /- operateType: /);
  assert.match(r.stderr, /- status: /);
  assert.match(r.stderr, /- targets: /);
});

test("invalid_response: a body that is not JSON exits 7", async () => {
  ctx.sim.setTask("cli-html", "<html><body>maintenance</body></html>");
  const r = await ctx.run(["get", "cli-html"], { env: ctx.env() });
  assert.equal(r.code, EXIT.invalidResponse);
  assertReport(r.stderr, { kind: "invalid_response", status: "200", code: "none" });
  assert.match(r.stderr, /- \(body\): /);
});

test("network (nothing listening) exits 6", async () => {
  const port = await closedPort();
  const r = await ctx.run(["get", "fw-now-devices"], { env: ctx.env({ IOT_BASE_URL: `http://127.0.0.1:${port}` }) });
  assert.equal(r.code, EXIT.transient);
  assertReport(r.stderr, { kind: "network", status: "none", code: "none" });
});

test("server (503) exits 6", async () => {
  ctx.sim.setFault("status=503", { operationId: "sw-stopped", count: 20 });
  try {
    const r = await ctx.run(["get", "sw-stopped"], { env: ctx.env() });
    assert.equal(r.code, EXIT.transient);
    assertReport(r.stderr, { kind: "server", status: "503", code: "50252" });
  } finally {
    ctx.sim.clearFaults();
  }
});

test("timeout (--timeout passes, nothing answers) exits 6", async () => {
  ctx.sim.setFault("hang-headers", { operationId: "sw-stopped", count: 20 });
  try {
    const started = Date.now();
    const r = await ctx.run(["get", "sw-stopped", "--timeout", "400ms"], { env: ctx.env() });
    assert.equal(r.code, EXIT.transient);
    assertReport(r.stderr, { kind: "timeout", status: "none", code: "none" });
    const took = Date.now() - started;
    assert.ok(took >= 400 && took < 20_000, `--timeout 400ms gave up after ${took} ms`);
  } finally {
    ctx.sim.clearFaults();
  }
});

/** The hint line of a report. */
const hintOf = (stderr) => /^ {2}hint: +(.*)$/m.exec(stderr)?.[1] ?? "";
/** The package's option names, which an operator of the CLI never sets. */
const LIBRARY_WORDS = /timeoutMs|attemptTimeoutMs|maxWaitMs|getAccessToken|baseUrl|operationId|CORS/;

test("hints speak of the CLI's flags and variables, not the package's options", async (t) => {
  await t.test("timeout → --timeout", async () => {
    ctx.sim.setFault("hang-headers", { operationId: "sw-stopped", count: 20 });
    try {
      const r = await ctx.run(["get", "sw-stopped", "--timeout", "400ms"], { env: ctx.env() });
      assert.equal(r.code, EXIT.transient, r.stderr);
      assert.match(hintOf(r.stderr), /--timeout/);
      assert.doesNotMatch(hintOf(r.stderr), LIBRARY_WORDS);
      assert.match(r.stderr, /^ {2}detail: +timeout: /m, "the package's message stays as the detail");
    } finally {
      ctx.sim.clearFaults();
    }
  });
  await t.test("unauthorized with a token → --token, --app-key, --app-id/--secret", async () => {
    const r = await ctx.run(["get", "fw-now-devices", "--token", "x1234567-wrong"], { env: ctx.env({ IOT_ACCESS_TOKEN: undefined }) });
    assert.equal(r.code, EXIT.unauthorized, r.stderr);
    const hint = hintOf(r.stderr);
    for (const word of ["--token", "IOT_APP_KEY", "--app-id", "--secret"]) assert.ok(hint.includes(word), `${word} in: ${hint}`);
    assert.doesNotMatch(hint, LIBRARY_WORDS);
    assert.ok(!r.stderr.includes("x1234567-wrong"), "the token is not shown");
  });
  await t.test("unauthorized login → the app id and the secret, as given", async () => {
    const r = await ctx.run(["get", "fw-now-devices"], { env: { IOT_BASE_URL: ctx.sim.baseUrl, IOT_APP_ID: "demo-app", IOT_SECRET: "wrong-secret-1" } });
    assert.equal(r.code, EXIT.unauthorized, r.stderr);
    assert.match(hintOf(r.stderr), /refused the login: check IOT_APP_ID \(or --app-id\) and IOT_SECRET \(or --secret\)/);
    assert.doesNotMatch(hintOf(r.stderr), LIBRARY_WORDS);
  });
  await t.test("network → --base-url, not baseUrl or CORS", async () => {
    const port = await closedPort();
    const r = await ctx.run(["get", "fw-now-devices"], { env: ctx.env({ IOT_BASE_URL: `http://127.0.0.1:${port}` }) });
    assert.equal(r.code, EXIT.transient, r.stderr);
    assert.match(hintOf(r.stderr), /IOT_BASE_URL \(or --base-url\)/);
    assert.doesNotMatch(hintOf(r.stderr), LIBRARY_WORDS);
  });
  await t.test("not_found of a task → the operation id", async () => {
    const r = await ctx.run(["get", "no-such-task"], { env: ctx.env() });
    assert.equal(r.code, EXIT.notFound, r.stderr);
    assert.equal(hintOf(r.stderr), "The task does not exist: check the operation id.");
  });
});

test("a login that answers 404 (the base URL lacks its path prefix) points at --base-url and exits 2", async (t) => {
  const prefixed = await setup({ prefix: "/iot" });
  t.after(() => prefixed.close());
  const wrong = new URL(prefixed.sim.baseUrl).origin; // the prefix left out
  const r = await prefixed.run(["get", "fw-now-devices"], { env: { IOT_BASE_URL: wrong, IOT_APP_ID: "demo-app", IOT_SECRET: "demo-secret" } });
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.match(r.stderr, /^error: not_found — login failed$/m);
  assert.match(hintOf(r.stderr), /^The login API was not found at this base URL: check IOT_BASE_URL \(or --base-url\) and its path prefix/);
  assert.doesNotMatch(r.stderr, /task does not exist/i);
  // The same base URL with the prefix logs in and finds the task.
  const ok = await prefixed.run(["get", "fw-now-devices"], { env: { IOT_BASE_URL: prefixed.sim.baseUrl, IOT_APP_ID: "demo-app", IOT_SECRET: "demo-secret" } });
  assert.equal(ok.code, EXIT.ok, ok.stderr);
  // With a token, a 404 without the platform's code may be the URL too: the hint says both.
  const token = await prefixed.run(["get", "fw-now-devices"], { env: { ...prefixed.env(), IOT_BASE_URL: wrong } });
  assert.equal(token.code, EXIT.notFound, token.stderr);
  assert.match(hintOf(token.stderr), /the task may not exist, or IOT_BASE_URL \(or --base-url\) may be wrong \(its host or path prefix\)/);
});

test("throttled exits 5", async () => {
  ctx.sim.setFault("status=429", { operationId: "sw-stopped", count: 20 });
  try {
    const r = await ctx.run(["get", "sw-stopped"], { env: ctx.env() });
    assert.equal(r.code, EXIT.throttled);
    assertReport(r.stderr, { kind: "throttled", status: "429", code: "1010009" });
  } finally {
    ctx.sim.clearFaults();
  }
});

test("any other kind (bad_request) exits 8", async () => {
  ctx.sim.setFault("status=400", { operationId: "sw-stopped", count: 20 });
  try {
    const r = await ctx.run(["get", "sw-stopped"], { env: ctx.env() });
    assert.equal(r.code, EXIT.other);
    assertReport(r.stderr, { kind: "bad_request", status: "400", code: "120015" });
  } finally {
    ctx.sim.clearFaults();
  }
});

test("invalid_argument exits 2, sends nothing, and names the CLI's own settings", async () => {
  ctx.sim.clearRequests();
  const dots = await ctx.run(["get", ".."], { env: ctx.env() });
  assert.equal(dots.code, EXIT.usage);
  assert.match(dots.stderr, /^error: the operation id "\.\." cannot travel as a path segment$/m);
  const url = await ctx.run(["get", "fw-now-devices", "--base-url", "http://example.com"], { env: ctx.env() });
  assert.equal(url.code, EXIT.usage);
  assert.match(url.stderr, /^error: --base-url must use https: \(plain http: is allowed only to localhost, 127\.0\.0\.0\/8 or \[::1\]\)$/m);
  // From the environment, before a token or after a login: the variable's name, not options.baseUrl.
  for (const env of [ctx.env({ IOT_BASE_URL: "iot.example.com:8743" }), { IOT_BASE_URL: "iot.example.com:8743", IOT_APP_ID: "demo-app", IOT_SECRET: "demo-secret" }]) {
    const r = await ctx.run(["get", "fw-now-devices"], { env });
    assert.equal(r.code, EXIT.usage);
    assert.equal(r.stderr, 'error: IOT_BASE_URL (or --base-url) must be an absolute URL such as https://host:8743\nRun "iot-upgrade-task get --help" for usage.\n');
  }
  const key = await ctx.run(["get", "fw-now-devices"], { env: ctx.env({ IOT_APP_KEY: "tab\there" }) });
  assert.match(key.stderr, /^error: IOT_APP_KEY \(or --app-key\) must not contain control characters/m);
  for (const r of [dots, url, key]) assert.doesNotMatch(r.stderr, /options\.|problems|HTTP status/);
  assert.equal(ctx.sim.requests().length, 0);
});

test("usage errors exit 2 with a pointer to --help", async (t) => {
  const env = ctx.env();
  const cases = [
    [[], /Usage: iot-upgrade-task <command>/],
    [["frobnicate", "x"], /unknown command "frobnicate"/],
    [["get"], /get needs at least one operation id/],
    [["watch"], /watch needs an operation id/],
    [["watch", "a", "b"], /one operation id at a time/],
    [["get", "x", "--bogus"], /^error: unknown option --bogus\nRun "iot-upgrade-task get --help" for usage\.\n$/],
    [["get", "x", "--jsn"], /^error: unknown option --jsn \(did you mean --json\?\)\n/],
    [["get", "x", "--base"], /^error: unknown option --base \(did you mean --base-url\?\)\n/],
    [["watch", "x", "-q"], /^error: unknown option -q\n/],
    [["get", "x", "--timeout"], /^error: --timeout needs a value\n/],
    [["get", "x", "--json=yes"], /^error: --json takes no value\n/],
    [["get", "x", "--timeout", "soon"], /--timeout must be a duration/],
    [["get", "x", "--timeout", "0"], /--timeout must be more than 0/],
    [["watch", "x", "--min-delay", "fast"], /--min-delay must be a whole number/],
    [["get", "x", "--min-delay", "10"], /only apply to watch/],
    [["help", "nope"], /unknown command "nope"/],
  ];
  for (const [args, message] of cases) {
    await t.test(args.join(" ") || "(no arguments)", async () => {
      const r = await ctx.run(args, { env });
      assert.equal(r.code, EXIT.usage, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    });
  }
});

test("a mistyped flag or command gets the nearest names (edit distance), or none", async (t) => {
  const env = ctx.env();
  const cases = [
    [["get", "x", "--jsn"], "unknown option --jsn (did you mean --json?)"],
    [["list", "--stauts", "wait"], "unknown option --stauts (did you mean --status?)"],
    [["get", "--tokne", "X", "x"], "unknown option --tokne (did you mean --token?)"],
    [["devices", "x", "--cvs"], "unknown option --cvs (did you mean --csv?)"],
    [["get", "--baseurl", "u", "x"], "unknown option --baseurl (did you mean --base-url?)"],
    [["get", "--base-uri", "u", "x"], "unknown option --base-uri (did you mean --base-url?)"],
    [["get", "--verbos", "x"], "unknown option --verbos (did you mean --verbose?)"],
    [["watch", "x", "--min-dealy", "5"], "unknown option --min-dealy (did you mean --min-delay?)"],
    // Two equally near: both.
    [["list", "--device", "d"], "unknown option --device (did you mean --device-id or --device-type?)"],
    // Only the command's own flags: get takes no --device-id.
    [["get", "x", "--device", "d"], "unknown option --device"],
    // A single letter: only a short flag of that letter.
    [["get", "x", "-j"], "unknown option -j"],
    [["get", "x", "-H"], "unknown option -H (did you mean -h?)"],
    [["get", "x", "--bogus"], "unknown option --bogus"],
    [["gte", "x"], 'unknown command "gte" (did you mean get?)'],
    [["lst"], 'unknown command "lst" (did you mean list?)'],
    [["help", "wacth"], 'unknown command "wacth" (did you mean watch?)'],
    [["frobnicate", "x"], 'unknown command "frobnicate" (try get, watch, list or devices)'],
  ];
  for (const [args, message] of cases) {
    await t.test(args.join(" "), async () => {
      const r = await ctx.run(args, { env });
      assert.equal(r.code, EXIT.usage, r.stderr);
      assert.equal(r.stderr.split("\n")[0], `error: ${message}`);
    });
  }
});

test("missing configuration is a usage error (2)", async () => {
  const noUrl = await ctx.run(["get", "x"], { env: { IOT_ACCESS_TOKEN: "some-token-1234", IOT_APP_KEY: "demo-app" } });
  assert.equal(noUrl.code, EXIT.usage);
  assert.match(noUrl.stderr, /--base-url or set IOT_BASE_URL/);
  const noAuth = await ctx.run(["get", "x"], { env: { IOT_BASE_URL: ctx.sim.baseUrl, IOT_APP_KEY: "demo-app" } });
  assert.equal(noAuth.code, EXIT.usage);
  assert.match(noAuth.stderr, /no credentials/);
  const secretOnly = await ctx.run(["get", "x"], { env: { IOT_BASE_URL: ctx.sim.baseUrl, IOT_SECRET: "demo-secret" } });
  assert.equal(secretOnly.code, EXIT.usage);
  const noKey = await ctx.run(["get", "x"], { env: { IOT_BASE_URL: ctx.sim.baseUrl, IOT_ACCESS_TOKEN: "some-token-1234" } });
  assert.equal(noKey.code, EXIT.usage);
  assert.match(noKey.stderr, /no app key/);
});

test("errors are not coloured when stderr is not a terminal", async () => {
  const r = await ctx.run(["get", "no-such-task"], { env: ctx.env() });
  assert.doesNotMatch(r.stderr, /\x1b\[/);
});
