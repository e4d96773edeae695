// `iot-upgrade-task list` and `devices`: tables, --json, --csv, filters, every page, the
// platform's spellings, invalid items, exit codes and terminal-safe output.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ANSI, EXIT, setup } from "./helpers.mjs";

let ctx;
before(async () => {
  ctx = await setup();
});
after(() => ctx.close());

const lines = (text) => text.split("\n").filter((l) => l !== "");

test("list prints every task as a table, newest first, times in local time", async () => {
  ctx.sim.reset();
  const r = await ctx.run(["list"], { env: ctx.env({ TZ: "Asia/Shanghai" }) });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.equal(r.stderr, "");
  const rows = lines(r.stdout);
  assert.match(rows[0], /^OPERATION ID\s+TYPE\s+STATUS\s+DONE\s+FAILED\s+CREATED\s+VERSION$/);
  assert.equal(rows.length, 12, "a header and the 11 seeded tasks");
  const fw = rows.find((l) => l.startsWith("fw-256-devices "));
  assert.match(fw, /^fw-256-devices\s+firmware\s+failed\s+256\/256\s+6\s+2024-03-05 08:00:00 \+08:00\s+V3\.0\.0$/);
  assert.ok(rows.indexOf(fw) < rows.findIndex((l) => l.startsWith("fw-now-devices ")), "newest first");
  const statusColumn = rows[0].indexOf("STATUS");
  for (const row of rows.slice(1)) assert.match(row.slice(statusColumn), /^(wait|processing|failed|success|stop)\b/, "columns aligned");
  assert.doesNotMatch(r.stdout, ANSI);
  assert.ok(rows.every((row) => row.length < 160), "long values are clipped in the table");
});

test("list filters are sent as the platform spells them; --json is one task per line", async () => {
  ctx.sim.clearRequests();
  const r = await ctx.run(["list", "--status", "success", "--type", "firmware_upgrade", "--json"], { env: ctx.env() });
  assert.equal(r.code, EXIT.ok, r.stderr);
  const tasks = lines(r.stdout).map((l) => JSON.parse(l));
  assert.ok(tasks.length > 0);
  assert.ok(tasks.every((t) => t.status === "success" && t.operateType === "firmware_upgrade"));
  const urls = ctx.sim.requests().map((q) => q.url).filter((u) => !u.includes("login"));
  assert.deepEqual(urls, ["/iodm/northbound/v1.5.0/operations?operationType=firmware_upgrade&operationStatus=success&pageNo=0&pageSize=100"]);
  const byDevice = await ctx.run(["list", "--device-id", "campus-c-0019", "--json"], { env: ctx.env() });
  assert.deepEqual(
    lines(byDevice.stdout).map((l) => JSON.parse(l).operationId),
    ["demo-progress-failed"],
  );
  const none = await ctx.run(["list", "--model", "no such model"], { env: ctx.env() });
  assert.equal(none.code, EXIT.ok);
  assert.equal(none.stdout, "");
  assert.match(none.stderr, /no tasks match/);
});

test("list walks every page", async (t) => {
  t.after(() => ctx.sim.reset());
  for (let i = 0; i < 190; i += 1) {
    ctx.sim.setTask(`bulk-${String(i).padStart(3, "0")}`, {
      operationId: `bulk-${String(i).padStart(3, "0")}`,
      createTime: "20230101T000000Z",
      operateType: "firmware_upgrade",
      status: "wait",
      targets: { devices: ["d-1"] },
      staResult: { total: 1, wait: 1 },
      extendPara: { fileVersion: "V1" },
    });
  }
  ctx.sim.clearRequests();
  const r = await ctx.run(["list", "--json"], { env: ctx.env() });
  assert.equal(r.code, EXIT.ok, r.stderr);
  const ids = lines(r.stdout).map((l) => JSON.parse(l).operationId);
  assert.equal(ids.length, 201);
  assert.equal(new Set(ids).size, 201);
  assert.equal(ctx.sim.requests().filter((q) => q.path.endsWith("/operations")).length, 3);
});

test("devices: a table of the failed devices with the platform's reason; --status failed goes out as fail", async () => {
  ctx.sim.reset();
  ctx.sim.clearRequests();
  const r = await ctx.run(["devices", "fw-256-devices", "--status", "failed"], { env: ctx.env() });
  assert.equal(r.code, EXIT.ok, r.stderr);
  const rows = lines(r.stdout);
  assert.match(rows[0], /^DEVICE\s+STATUS\s+REASON\s+STARTED\s+STOPPED$/);
  assert.equal(rows.length, 5, "the 4 failed devices");
  assert.match(rows[1], /^device-025\s+failed\s+Package verification failed: checksum mismatch\.\s+2024-03-05 00:07:11 \+00:00\s+2024-03-05 00:55:07 \+00:00$/);
  assert.ok(ctx.sim.requests().some((q) => q.url.endsWith("/fw-256-devices/subOperations?subOperationStatus=fail&pageNo=0&pageSize=100")));
});

test("devices --json walks all 256 devices; --csv is RFC 4180 with a header and CRLF", async () => {
  const json = await ctx.run(["devices", "fw-256-devices", "--json"], { env: ctx.env() });
  assert.equal(json.code, EXIT.ok, json.stderr);
  const subs = lines(json.stdout).map((l) => JSON.parse(l));
  assert.equal(subs.length, 256);
  assert.deepEqual(Object.keys(subs[0]), ["subOperationId", "deviceId", "status", "operateType", "createTime", "startTime", "stopTime", "detailInfo", "extendInfo"]);
  const counts = {};
  for (const s of subs) counts[s.status] = (counts[s.status] ?? 0) + 1;
  assert.deepEqual(counts, { success: 250, failed: 4, timeout: 2 });

  const csv = await ctx.run(["devices", "fw-256-devices", "--status", "timeout", "--csv"], { env: ctx.env() });
  assert.equal(csv.code, EXIT.ok, csv.stderr);
  const records = csv.stdout.split("\r\n");
  assert.equal(records.at(-1), "");
  assert.equal(records[0], "deviceId,status,reason,createTime,startTime,stopTime,subOperationId");
  assert.equal(records.length, 4);
  assert.match(records[1], /^device-\d{3},timeout,The device did not report a result within the time limit\.,2024-03-05T00:00:00Z,2024-03-05T\d\d:\d\d:\d\dZ,2024-03-05T\d\d:\d\d:\d\dZ,[0-9a-f]{24}$/);
});

test("devices: hostile text stays text in the table, and CSV formulas are defused", async () => {
  const r = await ctx.run(["devices", "demo-hostile"], { env: ctx.env() });
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.doesNotMatch(r.stdout, /[\u202e\u0000-\u0008\u001b]/u);
  assert.match(r.stdout, /\\u202E/);
  ctx.sim.setSubTasks("fw-now-devices", [{ subOperationId: "s1", deviceId: "=cmd|' /C calc'!A0", status: "fail", operateType: "firmware_upgrade", detailInfo: 'say "no", then\nstop' }]);
  const csv = await ctx.run(["devices", "fw-now-devices", "--csv"], { env: ctx.env() });
  assert.equal(csv.stdout.split("\r\n")[1], `'=cmd|' /C calc'!A0,failed,"say ""no"", then\nstop",,,,s1`, "as sent, quoted (not a terminal)");
  ctx.sim.reset();
});

test("invalid items are named on stderr, the rest printed, exit 7", async (t) => {
  t.after(() => ctx.sim.reset());
  ctx.sim.setSubTasks("fw-now-devices", [
    { subOperationId: "s0", deviceId: "d0", status: "success", operateType: "firmware_upgrade" },
    { subOperationId: "s1", deviceId: "d1", status: "exploded", operateType: "firmware_upgrade" },
  ]);
  const r = await ctx.run(["devices", "fw-now-devices"], { env: ctx.env() });
  assert.equal(r.code, EXIT.invalidResponse);
  assert.match(r.stdout, /^d0\s+success/m);
  assert.match(r.stderr, /warning: device 1 of page 0 \(id "s1"\) breaks the platform's documented format; left out:\n\s+- data\[1\]\.status: "exploded" is not a known value/);
});

test("a page that fails mid-walk: the table of the rows fetched before it is printed, then the error, with its exit code", async (t) => {
  ctx.sim.reset();
  t.after(() => ctx.sim.clearFaults());
  ctx.sim.setFault("status=400", { operationId: "fw-256-devices", route: "subtasks", pageNo: 2, count: 1 });
  const r = await ctx.run(["devices", "fw-256-devices"], { env: ctx.env() });
  assert.equal(r.code, EXIT.other, r.stderr);
  const rows = lines(r.stdout);
  assert.match(rows[0], /^DEVICE\s+STATUS\s+REASON/);
  assert.equal(rows.length, 201, "a header and the 200 devices of pages 0 and 1");
  assert.match(r.stderr, /HTTP 400/);
  assert.doesNotMatch(r.stderr, /has no devices/);
  ctx.sim.setFault("status=503", { route: "list", pageNo: 0, count: 3 });
  const none = await ctx.run(["list"], { env: ctx.env() });
  assert.equal(none.code, EXIT.transient, none.stderr);
  assert.equal(none.stdout, "", "no rows: no table");
  assert.doesNotMatch(none.stderr, /no tasks match/, "a failed walk is not an empty list");
});

test("usage errors: flags in the tool's words, misplaced flags, bad values refused before sending", async () => {
  const cases = [
    [["list", "--status", "fail"], /--status "fail" is not one of wait, processing, failed, success, stop/],
    [["devices", "op", "--status", "fail"], /the platform's "fail" is spelled "failed" here/],
    [["list", "--type", "firmwareUpgrade"], /--type "firmwareUpgrade" is not one of firmware_upgrade, software_upgrade/],
    [["list", "--csv"], /--csv only applies to devices/],
    [["get", "op", "--status", "failed"], /--status only applies to list and devices/],
    [["devices", "op", "--json", "--csv"], /--json and --csv are two different outputs/],
    [["devices"], /devices needs an operation id/],
    [["devices", "a", "b"], /devices takes one operation id at a time/],
    [["list", "op-1"], /list takes no operation id/],
    [["list", "--model", "m".repeat(257)], /--model is 257 characters long; at most 256 are allowed/],
  ];
  for (const [args, message] of cases) {
    const r = await ctx.run(args, { env: ctx.env() });
    assert.equal(r.code, EXIT.usage, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    // The pointer names the command's help, where its flags (--status, --type, …) are.
    assert.match(r.stderr, new RegExp(`\nRun "iot-upgrade-task ${args[0]} --help" for usage\.\n$`), args.join(" "));
    assert.equal(r.stdout, "");
  }
});

test("errors as for get: an unknown task is exit 3, a refused token exit 4", async () => {
  const missing = await ctx.run(["devices", "no-such-task"], { env: ctx.env() });
  assert.equal(missing.code, EXIT.notFound);
  assert.match(missing.stderr, /error: not_found — devices of operation "no-such-task"/);
  const refused = await ctx.run(["list"], { env: { ...ctx.env(), IOT_ACCESS_TOKEN: "not-a-valid-token-123" } });
  assert.equal(refused.code, EXIT.unauthorized);
  assert.doesNotMatch(refused.stderr, /not-a-valid-token-123/);
});

test("help: both commands are listed and described", async () => {
  const main = await ctx.run(["--help"]);
  assert.match(main.stdout, /\n  list\s+the platform's tasks/);
  assert.match(main.stdout, /\n  devices <operationId>\s+a task's devices/);
  for (const command of ["list", "devices"]) {
    const r = await ctx.run(["help", command]);
    assert.equal(r.code, EXIT.ok);
    assert.match(r.stdout, new RegExp(`^Usage: iot-upgrade-task ${command} `));
    assert.match(r.stdout, /\n {2}--json +JSON instead of text, one object per line \(a task; with devices, a subtask\)\n/);
    assert.match(r.stdout, /list and\n {2}devices exit with the code of a failed page/);
  }
});
