// `iot-upgrade-task get`: the readable summary, --json, several ids, terminal-safe output.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DONE_CASES } from "../done-cases.mjs";
import { ANSI, EXIT, requireScript, runCliOnTty, setup } from "./helpers.mjs";

let ctx;
before(async () => {
  ctx = await setup();
});
after(() => ctx.close());

test("get prints a readable summary with times in local time", async () => {
  const r = await ctx.run(["get", "fw-now-devices"], { env: ctx.env({ TZ: "Asia/Shanghai" }) });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.equal(r.stderr, "");
  const o = r.stdout;
  assert.match(o, /^Task fw-now-devices\n/);
  assert.match(o, /Status\s+success/);
  assert.match(o, /Type\s+firmware upgrade/);
  assert.match(o, /Version\s+V2\.1\.0/);
  assert.match(o, /Devices\s+3 of 3 done \(100%\)/);
  assert.match(o, /success 3, fail 0, timeout 0, stop 0, processing 0, wait 0/);
  assert.match(o, /Targets\s+3 devices: 3f9a1c2e-meter-0001, 3f9a1c2e-meter-0002, 3f9a1c2e-meter-0003/);
  assert.match(o, /Policy\s+run now; no retry/);
  // 2024-03-01T08:00:00Z in UTC+8.
  assert.match(o, /Created\s+2024-03-01 16:00:00 \+08:00/);
  assert.match(o, /Started\s+2024-03-01 16:00:05 \+08:00/);
  assert.match(o, /Stopped\s+2024-03-01 16:15:12 \+08:00/);
  assert.match(o, /Extra\s+releaseChannel: stable/);
  assert.doesNotMatch(o, ANSI, "no colours when stdout is not a terminal");
});

test("colours: NO_COLOR off, FORCE_COLOR=0 off, other FORCE_COLOR on (a pipe too), TERM=dumb off, else a terminal", async (t) => {
  await requireScript();
  const SGR = /\x1b\[[0-9;]*m/;
  // [name, environment, on a terminal?, colours expected]
  const cases = [
    ["a pipe", {}, false, false],
    ["a pipe, FORCE_COLOR=1", { FORCE_COLOR: "1" }, false, true],
    ["a pipe, FORCE_COLOR empty", { FORCE_COLOR: "" }, false, true],
    ["a pipe, FORCE_COLOR=0", { FORCE_COLOR: "0" }, false, false],
    ["a pipe, FORCE_COLOR=1 and NO_COLOR=1", { FORCE_COLOR: "1", NO_COLOR: "1" }, false, false],
    ["a terminal", {}, true, true],
    ["a terminal, FORCE_COLOR=0", { FORCE_COLOR: "0" }, true, false],
    ["a terminal, FORCE_COLOR=false", { FORCE_COLOR: "false" }, true, false],
    ["a terminal, TERM=dumb", { TERM: "dumb" }, true, false],
    ["a terminal, TERM=dumb and FORCE_COLOR=1", { TERM: "dumb", FORCE_COLOR: "1" }, true, true],
    ["a terminal, NO_COLOR=1", { NO_COLOR: "1" }, true, false],
    ["a terminal, NO_COLOR empty", { NO_COLOR: "" }, true, true],
  ];
  for (const [name, extra, tty, colours] of cases) {
    await t.test(name, async () => {
      const env = ctx.env(extra);
      const r = tty ? await runCliOnTty(ctx.cli, ["get", "fw-now-devices"], { env }) : await ctx.run(["get", "fw-now-devices"], { env });
      const output = tty ? r.output : r.stdout;
      assert.equal(r.code, EXIT.ok, output + (r.stderr ?? ""));
      assert.match(output, /Status\s+(\x1b\[[0-9;]*m)*success/);
      if (colours) assert.match(output, SGR);
      else assert.doesNotMatch(output, SGR);
    });
  }
});

test("get summary of an ended task: what ended how; stopped devices are not \"done\"", async () => {
  const r = await ctx.run(["get", "sw-stopped"], { env: ctx.env() });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(r.stdout, /Devices\s+4 of 10 done \(40%\)\n\s+ended: 4 succeeded, 0 failed, 6 stopped, 0 not reached\n/);
  assert.doesNotMatch(r.stdout, /10 of 10 done/);
  const timedOut = await ctx.run(["get", "fw-256-devices"], { env: ctx.env() });
  assert.match(timedOut.stdout, /ended: 250 succeeded, 4 failed, 2 timed out, 0 stopped, 0 not reached/);
  const running = await ctx.run(["get", "fw-custom-window"], { env: ctx.env() });
  assert.doesNotMatch(running.stdout, /ended:/);
});

test("devices done: stopped ones are not, the percentage rounds down (the console's numbers too)", async () => {
  // tests/browser/console.test.mjs holds the console to the same table.
  for (const c of DONE_CASES) {
    if (c.body) ctx.sim.setTask(c.id, c.body);
    const r = await ctx.run(["get", c.id], { env: ctx.env() });
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(r.stdout, new RegExp(`\\n  Devices\\s+${c.done} of ${c.total} done \\(${c.percent}%\\)\\n`), `${c.id}: ${r.stdout}`);
  }
});

test("get summary: device groups, custom window, retries, missing times", async () => {
  const r = await ctx.run(["get", "fw-custom-window"], { env: ctx.env({ TZ: "America/New_York" }) });
  assert.equal(r.code, EXIT.ok, r.stderr);
  const o = r.stdout;
  assert.match(o, /Status\s+wait/);
  assert.match(o, /0 of 12 done \(0%\)/);
  assert.match(o, /1 device group: substation-7/);
  assert.match(o, /type Gateway, model GW-X1, manufacturer Acme Networks/);
  assert.match(o, /2 devices: gw-0001, gw-0002/);
  // 2030-01-01T00:00:00Z and 2030-01-02T06:00:00Z in New York (EST, UTC-5).
  assert.match(o, /Policy\s+run in a window: 2029-12-31 19:00:00 -05:00 → 2030-01-02 01:00:00 -05:00; retry failed devices up to 5 times/);
  assert.match(o, /Started\s+—/);
  assert.match(o, /Stopped\s+—/);
  assert.match(o, /maintenanceTicket: \{"id":"CHG-1042","approved":true\}/);
});

test("get summary shortens long device lists unless --verbose", async () => {
  const short = await ctx.run(["get", "fw-256-devices"], { env: ctx.env() });
  assert.equal(short.code, EXIT.ok, short.stderr);
  assert.match(short.stdout, /256 devices: .* … and 248 more/);
  assert.match(short.stdout, /Status\s+failed/, "get exits 0 for a failed task: the query succeeded");
  const long = await ctx.run(["get", "--verbose", "fw-256-devices"], { env: ctx.env() });
  assert.equal(long.code, EXIT.ok, long.stderr);
  assert.doesNotMatch(long.stdout, /more \(--verbose/);
  const task = await ctx.api.queryUpgradeTask("fw-256-devices", ctx.sim.login().accessToken, { baseUrl: ctx.sim.baseUrl, appKey: "demo-app" });
  for (const d of task.targets.devices) assert.ok(long.stdout.includes(d), d);
});

test("get --json prints the normalised object on one line", async () => {
  const env = ctx.env();
  const r = await ctx.run(["get", "--json", "sw-lenient-shapes"], { env });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.equal(r.stderr, "");
  assert.ok(r.stdout.endsWith("\n"));
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 1);
  const expected = await ctx.api.queryUpgradeTask("sw-lenient-shapes", env.IOT_ACCESS_TOKEN, { baseUrl: ctx.sim.baseUrl, appKey: "demo-app" });
  assert.deepEqual(JSON.parse(lines[0]), expected);
  assert.equal(JSON.parse(lines[0]).createTime, "2024-03-07T08:00:00Z", "JSON keeps the ISO-8601 UTC times");
});

test("get --json with several ids: one line per id, in the order given", async () => {
  const ids = ["sw-stopped", "fw-now-devices", "sw-group-online", "fw-now-devices"];
  const r = await ctx.run(["get", ...ids, "--json"], { env: ctx.env() });
  assert.equal(r.code, EXIT.ok, r.stderr);
  const tasks = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(tasks.map((t) => t.operationId), ids);
  assert.deepEqual(tasks.map((t) => t.status), ["stop", "success", "processing", "success"]);
});

test("get with several ids prints every summary, separated by a blank line", async () => {
  const r = await ctx.run(["get", "fw-now-devices", "sw-stopped", "sw-group-online"], { env: ctx.env() });
  assert.equal(r.code, EXIT.ok, r.stderr);
  const blocks = r.stdout.trimEnd().split("\n\n");
  assert.equal(blocks.length, 3);
  assert.match(blocks[0], /^Task fw-now-devices/);
  assert.match(blocks[1], /^Task sw-stopped\n[\s\S]*Status\s+stop/);
  assert.match(blocks[2], /^Task sw-group-online\n[\s\S]*Status\s+processing[\s\S]*retry failed devices up to 3 times/);
});

test("several ids with failures: the others still print, the exit code is the first failure's", async () => {
  ctx.sim.setTask("cli-broken", '{"operationId": ""}');
  const env = ctx.env();
  const a = await ctx.run(["get", "--json", "fw-now-devices", "no-such-task", "cli-broken", "sw-stopped"], { env });
  assert.equal(a.code, EXIT.notFound, a.stderr);
  assert.deepEqual(a.stdout.trimEnd().split("\n").map((l) => JSON.parse(l).operationId), ["fw-now-devices", "sw-stopped"]);
  assert.match(a.stderr, /not_found — operation "no-such-task"/);
  assert.match(a.stderr, /invalid_response — operation "cli-broken"/);

  const b = await ctx.run(["get", "fw-now-devices", "cli-broken", "no-such-task"], { env });
  assert.equal(b.code, EXIT.invalidResponse, b.stderr);
  assert.match(b.stdout, /^Task fw-now-devices/);
});

test("platform text cannot drive the terminal: controls and bidi overrides are shown escaped", async () => {
  const hostile = await ctx.run(["get", "demo-hostile"], { env: ctx.env() });
  assert.equal(hostile.code, EXIT.ok, hostile.stderr);
  assert.ok(!hostile.stdout.includes("\u202e"), "no raw RTL override");
  assert.ok(hostile.stdout.includes("device-\\u202Egnp.exe"));
  assert.ok(hostile.stdout.includes("<script>alert(1)</script>"), "text is shown as text");

  const body = {
    operationId: "cli-escape",
    operateType: "firmware_upgrade",
    status: "success",
    targets: { devices: ["dev-\u001b[2J\u001b]0;pwned\u0007-1", "dev-\u009b31m-2"] },
    staResult: { total: 2, success: 2 },
    extendPara: { fileVersion: "v\r\n1" },
  };
  ctx.sim.setTask("cli-escape", JSON.stringify(body));
  const env = ctx.env();
  const r = await ctx.run(["get", "cli-escape"], { env });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.doesNotMatch(r.stdout, /[\u001b\u0007\u009b\r]/);
  assert.ok(r.stdout.includes("dev-\\u001B[2J\\u001B]0;pwned\\u0007-1"));
  assert.ok(r.stdout.includes("v\\u000D\\u000A1"));

  const j = await ctx.run(["get", "--json", "cli-escape"], { env });
  assert.equal(j.code, EXIT.ok, j.stderr);
  assert.doesNotMatch(j.stdout, /[\u001b\u0007\u009b\u202e]/);
  assert.equal(j.stdout.trimEnd().split("\n").length, 1);
  assert.deepEqual(JSON.parse(j.stdout).targets.devices, body.targets.devices, "the JSON still carries the exact values");
});
