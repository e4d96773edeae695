import { test } from "node:test";
import assert from "node:assert/strict";
import { progressState } from "../../simulator/index.mjs";
import { simClock } from "../sim-clock.mjs";
import { checkTask, json, parseTime, query, simFor } from "./helpers.mjs";

const PLATFORM_TIME = /^\d{8}T\d{6}Z$/;
const STATUS_ORDER = { wait: 0, processing: 1, success: 2, failed: 2, stop: 2 };
const COUNT_KEYS = ["wait", "processing", "success", "fail", "stop", "timeout"];

async function allTasks(sim) {
  const tok = sim.login();
  const { tasks } = await json(await fetch(`${sim.url}/__sim/tasks`));
  const out = {};
  for (const { operationId } of tasks) {
    const res = await query(sim, encodeURIComponent(operationId), tok);
    assert.equal(res.status, 200, operationId);
    out[operationId] = await res.text();
  }
  return out;
}

test("the section-3 checker finds real problems (so a clean result means something)", () => {
  const good = { operationId: "x", operateType: "firmware_upgrade", status: "wait", targets: { devices: ["d"] } };
  assert.deepEqual(checkTask(JSON.stringify(good)), []);
  const bad = [
    { ...good, operationId: "" },
    { ...good, operateType: "bios_upgrade" },
    { ...good, status: "done" },
    { ...good, targets: { devices: [] } },
    { ...good, targets: { devices: Array.from({ length: 257 }, (_, i) => `d${i}`) } },
    { ...good, targets: { deviceGroups: ["g"], model: "m", manufacturerName: "x" } },
    { ...good, targets: { devices: ["d", ""] } },
    { ...good, policy: { executeType: "custom", startTime: "20240101T000000Z" } },
    { ...good, policy: { executeType: "custom", startTime: "20240102T000000Z", endTime: "20240101T000000Z" } },
    { ...good, policy: { retryType: true } },
    { ...good, policy: { retryType: true, retryTimes: 6 } },
    { ...good, staResult: { total: 2, success: 3 } },
    { ...good, staResult: { total: 4, success: 2, fail: 2, timeout: 1 } },
    { ...good, staResult: { total: 4, wait: -1 } },
    { ...good, createTime: "20241301T000000Z" },
    { ...good, createTime: "20240230T000000Z" },
    { ...good, createTime: "20240101T240000Z" },
  ];
  for (const b of bad) assert.ok(checkTask(JSON.stringify(b)).length > 0, JSON.stringify(b).slice(0, 120));
  assert.ok(checkTask("[]").length > 0);
  assert.ok(checkTask('{"operationId":"x"').length > 0);
  assert.equal(parseTime("2015-12-12T20:12:12+08:00"), Date.UTC(2015, 11, 12, 12, 12, 12));
});

test("every seeded task passes every rule of contract section 3, before, during and after progress", async (t) => {
  const clock = simClock();
  const sim = await simFor(t, { ...clock.options, progressMs: 600, throttle: false });
  let at = 0;
  for (const target of [0, 30, 60, 150, 300, 400, 540, 600, 700]) {
    clock.advance(target - at);
    at = target;
    const bodies = await allTasks(sim);
    assert.ok(Object.keys(bodies).length >= 11);
    for (const [id, text] of Object.entries(bodies)) assert.deepEqual(checkTask(text), [], `${id} at ${at} ms`);
  }
});

test("the seeded tasks cover every shape", async (t) => {
  const sim = await simFor(t);
  const list = (await json(await fetch(`${sim.url}/__sim/tasks`))).tasks;
  for (const entry of list) {
    assert.equal(typeof entry.description, "string");
    assert.ok(entry.description.length > 10 && !entry.description.includes("\n"), entry.operationId);
  }
  const tasks = Object.fromEntries(Object.entries(await allTasks(sim)).map(([id, text]) => [id, JSON.parse(text)]));
  const all = Object.values(tasks);
  const n = (v) => String(v).toLowerCase().replace(/[_-]/g, "");

  assert.ok(all.some((x) => x.operateType === "firmware_upgrade"));
  assert.ok(all.some((x) => x.operateType === "software_upgrade"));
  assert.ok(all.some((x) => (x.targets.devices ?? []).length > 0 && (x.targets.deviceGroups ?? []).length === 0));
  assert.ok(all.some((x) => (x.targets.deviceGroups ?? []).length > 0));
  for (const e of ["now", "deviceonline", "custom"]) assert.ok(all.some((x) => n(x.policy?.executeType ?? "now") === e), e);
  assert.ok(all.some((x) => x.policy.retryType === true && Number.isInteger(x.policy.retryTimes)));
  assert.ok(all.some((x) => x.policy.retryType === false));
  for (const s of ["wait", "processing", "success", "failed", "stop"]) assert.ok(all.some((x) => x.status === s), s);
  assert.ok(all.every((x) => x.extendPara && "fileVersion" in x.extendPara));
  assert.ok(all.some((x) => typeof x.extendPara.fileVersion === "string" && x.extendPara.fileVersion && Object.keys(x.extendPara).length > 1));
  assert.ok(all.filter((x) => x.operationId !== "sw-lenient-shapes").every((x) => PLATFORM_TIME.test(x.createTime)));
  assert.ok(all.some((x) => PLATFORM_TIME.test(x.policy.startTime ?? "") && PLATFORM_TIME.test(x.policy.endTime ?? "")));

  const d256 = tasks["fw-256-devices"];
  assert.equal(d256.targets.devices.length, 256);
  assert.equal(new Set(d256.targets.devices).size, 256);

  const big = tasks["fw-largest-valid"];
  assert.equal(big.targets.deviceGroups.length, 256);
  assert.equal(big.targets.devices.length, 256);
  assert.ok(big.targets.deviceGroups.every((g) => g.length >= 200));
  assert.ok(big.targets.devices.every((d) => d.length >= 100));
  assert.equal(new Set(big.targets.deviceGroups).size, 256);
  assert.ok(JSON.stringify(big).length < 4 * 1024 * 1024);

  const hostile = JSON.stringify(tasks["demo-hostile"]);
  for (const s of ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "javascript:alert(1)", "\u202E"]) {
    assert.ok(hostile.includes(s) || hostile.includes(JSON.stringify(s).slice(1, -1)), s);
  }
  assert.ok(tasks["demo-hostile"].targets.devices.includes("<script>alert(1)</script>"));
  assert.ok(tasks["demo-hostile"].extendPara.fileVersion.includes("<script>"));
  assert.ok(tasks["demo-hostile"].extendPara.fileVersion.includes("\u202E"));
});

test("progressState keeps every count consistent at every instant", () => {
  for (const outcome of ["success", "failed", "stop"]) {
    for (const total of [0, 1, 2, 7, 30, 256]) {
      const duration = 1000;
      let prev = null;
      for (let ms = 0; ms <= 1100; ms += 5) {
        const s = progressState({ outcome, total, durationMs: duration, elapsedMs: ms });
        const c = s.counts;
        assert.equal(c.total, total);
        for (const k of COUNT_KEYS) {
          assert.ok(Number.isInteger(c[k]) && c[k] >= 0 && c[k] <= total, `${outcome}/${total}@${ms} ${k}`);
        }
        assert.equal(COUNT_KEYS.reduce((a, k) => a + c[k], 0), total);
        assert.equal(s.startedAtMs !== null, s.status !== "wait");
        assert.equal(s.endedAtMs !== null, ["success", "failed", "stop"].includes(s.status));
        if (prev) {
          assert.ok(STATUS_ORDER[s.status] >= STATUS_ORDER[prev.status]);
          for (const k of ["success", "fail", "stop", "timeout"]) assert.ok(c[k] >= prev.counts[k], `${k} went down`);
        }
        prev = s;
      }
      assert.equal(prev.status, outcome);
      if (outcome === "success") assert.equal(prev.counts.success, total);
      if (outcome === "failed" && total >= 7) assert.ok(prev.counts.fail > 0 && prev.counts.timeout > 0);
      if (outcome === "stop" && total >= 2) assert.ok(prev.counts.stop > 0);
    }
  }
  // a zero duration is finished at once
  assert.equal(progressState({ outcome: "success", total: 3, durationMs: 0, elapsedMs: 0 }).status, "success");
});

test("progressing tasks move wait → processing → end as time passes, consistent at every sample", async (t) => {
  // The simulator's clock, not the wall: every 15 ms of its time from 0 to 950 ms is sampled,
  // however slowly this machine answers.
  const clock = simClock();
  const sim = await simFor(t, { ...clock.options, progressMs: 800, throttle: false });
  const tok = sim.login();
  const ids = { "demo-progress-success": "success", "demo-progress-failed": "failed", "demo-progress-stop": "stop" };
  for (const id of Object.keys(ids)) sim.restartTask(id);
  const seen = Object.fromEntries(Object.keys(ids).map((id) => [id, []]));
  for (let at = 0; at <= 950; at += 15) {
    for (const id of Object.keys(ids)) {
      const text = await (await query(sim, id, tok)).text();
      assert.deepEqual(checkTask(text), [], `${id} at ${at} ms`);
      seen[id].push(JSON.parse(text));
    }
    clock.advance(15);
  }
  for (const [id, outcome] of Object.entries(ids)) {
    const samples = seen[id];
    assert.equal(samples.length, 64);
    const statuses = samples.map((s) => s.status);
    // wait for the first 10 % (80 ms), processing until its end; the stop task ends at half.
    assert.deepEqual(statuses.slice(0, 6), Array(6).fill("wait"), id);
    assert.equal(statuses[6], "processing", id);
    assert.equal(statuses.indexOf(outcome), outcome === "stop" ? 27 : 48, `${id}: ${statuses.join(",")}`);
    assert.equal(statuses.at(-1), outcome, id);
    for (let i = 1; i < samples.length; i++) {
      assert.ok(STATUS_ORDER[statuses[i]] >= STATUS_ORDER[statuses[i - 1]], `${id}: status went back`);
    }
    for (const s of samples) {
      const c = s.staResult;
      for (const k of COUNT_KEYS) assert.ok(c[k] <= c.total);
      assert.ok(COUNT_KEYS.reduce((a, k) => a + c[k], 0) <= c.total);
      assert.ok(PLATFORM_TIME.test(s.createTime));
      assert.equal("startTime" in s, s.status !== "wait", `${id} ${s.status} startTime`);
      assert.equal("stopTime" in s, s.status === outcome, `${id} ${s.status} stopTime`);
      if (s.startTime) assert.ok(parseTime(s.startTime) >= parseTime(s.createTime));
      if (s.stopTime) assert.ok(parseTime(s.stopTime) >= parseTime(s.startTime));
    }
    const last = samples.at(-1).staResult;
    if (outcome === "success") assert.equal(last.success, last.total);
    if (outcome === "failed") assert.ok(last.fail + last.timeout > 0);
    if (outcome === "stop") assert.ok(last.stop > 0 && last.wait === 0 && last.processing === 0);
  }
});

test("restarting a task starts its progress over, optionally with a new duration", async (t) => {
  const sim = await simFor(t, { progressMs: 0 });
  const tok = sim.login();
  assert.equal((await json(await query(sim, "demo-progress-success", tok))).status, "success");
  const res = await fetch(`${sim.url}/__sim/tasks/demo-progress-success/restart`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ progressMs: 60000 }),
  });
  assert.equal(res.status, 200);
  const now = await json(await query(sim, "demo-progress-success", tok));
  assert.equal(now.status, "wait");
  assert.equal(now.staResult.wait, now.staResult.total);
  assert.ok(!("startTime" in now) && !("stopTime" in now));
  // other progressing tasks are untouched
  assert.equal((await json(await query(sim, "demo-progress-failed", tok))).status, "failed");
  // static tasks do not restart; unknown ones are 404
  assert.equal((await fetch(`${sim.url}/__sim/tasks/fw-now-devices/restart`, { method: "POST" })).status, 409);
  assert.equal((await fetch(`${sim.url}/__sim/tasks/nope/restart`, { method: "POST" })).status, 404);
  assert.throws(() => sim.restartTask("fw-now-devices"), /does not progress/);
  sim.restartTask("demo-progress-success", { progressMs: 0 });
  assert.equal((await json(await query(sim, "demo-progress-success", tok))).status, "success");
});

test("the injectable clock drives progress and token expiry deterministically", async (t) => {
  let now = Date.UTC(2024, 0, 1, 12, 0, 0);
  const sim = await simFor(t, { clock: () => now, progressMs: 10000, tokenTtlSeconds: 60 });
  const tok = sim.login();
  const get = async () => json(await query(sim, "demo-progress-stop", tok));
  const first = await get();
  assert.equal(first.status, "wait");
  assert.equal(first.createTime, "20240101T120000Z");
  assert.equal(first.policy.startTime, "20240101T120000Z");
  assert.equal(first.policy.endTime, "20240102T120000Z");
  now += 1000;
  const started = await get();
  assert.equal(started.status, "processing");
  assert.equal(started.startTime, "20240101T120001Z");
  now += 4000; // 50 % of processing: stopped
  const stopped = await get();
  assert.equal(stopped.status, "stop");
  assert.equal(stopped.stopTime, "20240101T120005Z");
  now += 55000;
  assert.equal((await query(sim, "demo-progress-stop", tok)).status, 403);
});
