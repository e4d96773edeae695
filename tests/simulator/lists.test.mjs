// The task list (GET operations) and each task's subtasks (GET operations/{id}/subOperations):
// paging, filters, the platform's errors, and subtasks that agree with staResult at every
// instant. Time is the injectable clock: nothing here depends on wall-clock windows.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SUBTASK_STATUSES } from "../../simulator/index.mjs";
import { BAD_REQUEST, INVALID_TOKEN, LOGIN, NOT_FOUND, OPS, THROTTLED, authHeaders, checkTask, json, parseTime, raw, simFor } from "./helpers.mjs";

const LIST = "/iodm/northbound/v1.5.0/operations";
const PAGE_LIMIT = { error_code: "123029", error_desc: "pageNo or pageSize beyond the limit." };
const JSON_TYPE = "application/json;charset=UTF-8";
const PLATFORM_TIME = /^\d{8}T\d{6}Z$/;
const T0 = Date.UTC(2026, 0, 15, 8, 0, 0);
const SEEDED = 11;
const PROGRESSING = { "demo-progress-success": "success", "demo-progress-failed": "failed", "demo-progress-stop": "stop" };
const DONE = new Set(["success", "fail", "timeout", "stop"]);

/** A simulator on a clock the test moves by hand (`ctx.now`). */
async function clocked(t, options = {}) {
  const ctx = { now: T0 };
  ctx.sim = await simFor(t, { clock: () => ctx.now, throttle: false, progressMs: 10000, ...options });
  ctx.tok = ctx.sim.login();
  return ctx;
}

const qs = (params = {}) => {
  const s = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  return s ? `?${s}` : "";
};

/** GET a northbound path; resolves {status, type, body (parsed JSON), text}. */
async function get({ sim, tok }, path, params, headers = {}) {
  const res = await fetch(`${sim.baseUrl}${path}${qs(params)}`, { headers: { ...authHeaders(tok), ...headers } });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, type: res.headers.get("content-type"), headers: res.headers, body, text };
}

const listPage = (ctx, params) => get(ctx, LIST, params);
const subPage = (ctx, id, params) => get(ctx, `${OPS}${encodeURIComponent(id)}/subOperations`, params);
const task = async (ctx, id) => (await get(ctx, `${OPS}${encodeURIComponent(id)}`)).body;

/** Every page of a list, in order; checks the paging fields of each. */
async function walk(fetchPage, pageSize = 100) {
  const items = [];
  let totalCount = null;
  for (let pageNo = 0; ; pageNo++) {
    const r = await fetchPage({ pageNo, pageSize });
    assert.equal(r.status, 200, r.text.slice(0, 200));
    assert.equal(r.body.pageNo, pageNo);
    assert.equal(r.body.pageSize, pageSize);
    totalCount ??= r.body.totalCount;
    assert.equal(r.body.totalCount, totalCount, "the total changed between pages");
    items.push(...r.body.data);
    if (r.body.data.length < pageSize) break;
  }
  assert.equal(items.length, totalCount);
  return items;
}

const isCount = (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0) || (typeof v === "string" && /^\d+$/.test(v));
/** staResult as the contract reads it (digit strings are counts, missing/null is 0). */
function counts(staResult) {
  return Object.fromEntries(["total", "wait", "processing", "success", "fail", "stop", "timeout"].map((k) => [k, isCount(staResult?.[k]) ? Number(staResult[k]) : 0]));
}
const norm = (v) => String(v ?? "").toLowerCase().replace(/[_-]/g, "");
/** A subtask status as written (`Success`, `PROCESSING`, `failed`) → the platform's spelling. */
const subStatus = (v) => (norm(v) === "failed" ? "fail" : norm(v));
const tally = (items) => {
  const c = Object.fromEntries(SUBTASK_STATUSES.map((s) => [s, 0]));
  for (const it of items) c[subStatus(it.status)] += 1;
  return c;
};
const present = (v) => v !== undefined && v !== null && v !== "";

/** Every problem of one subtask item (its fields, types and times), as path strings. */
function subtaskProblems(it, operateType) {
  const p = [];
  if (it === null || typeof it !== "object" || Array.isArray(it)) return ["not an object"];
  for (const k of ["subOperationId", "deviceId"]) if (typeof it[k] !== "string" || it[k] === "") p.push(k);
  if (!SUBTASK_STATUSES.includes(subStatus(it.status))) p.push(`status ${it.status}`);
  if (norm(it.operateType) !== norm(operateType)) p.push(`operateType ${it.operateType}`);
  for (const k of ["createTime", "startTime", "stopTime"]) {
    if (present(it[k]) && Number.isNaN(parseTime(it[k]))) p.push(`${k} ${it[k]}`);
  }
  if (it.detailInfo !== null && it.detailInfo !== undefined && typeof it.detailInfo !== "string") p.push("detailInfo");
  if (it.extendInfo === null || typeof it.extendInfo !== "object" || Array.isArray(it.extendInfo)) p.push("extendInfo");
  const [c, s, e] = [it.createTime, it.startTime, it.stopTime].map((v) => (present(v) ? parseTime(v) : null));
  if (s !== null && c !== null && s < c) p.push("startTime before createTime");
  if (e !== null && s !== null && e < s) p.push("stopTime before startTime");
  const st = subStatus(it.status);
  if (st === "wait" && (present(it.startTime) || present(it.stopTime))) p.push("a waiting device has times");
  if (st === "processing" && (!present(it.startTime) || present(it.stopTime))) p.push("a processing device's times");
  if (["success", "fail", "timeout"].includes(st) && (!present(it.startTime) || !present(it.stopTime))) p.push(`a ${st} device's times`);
  if ((st === "fail" || st === "timeout") && !(typeof it.detailInfo === "string" && it.detailInfo.length > 10)) p.push(`no reason for ${st}`);
  return p;
}

// ---- the task list -------------------------------------------------------------------

test("the task list: the platform's page of single-task answers, newest first, 10 a page from page 0", async (t) => {
  const ctx = await clocked(t);
  const r = await listPage(ctx);
  assert.equal(r.status, 200);
  assert.equal(r.type, JSON_TYPE);
  assert.deepEqual(Object.keys(r.body), ["data", "pageNo", "pageSize", "totalCount"]);
  assert.equal(r.body.pageNo, 0);
  assert.equal(r.body.pageSize, 10);
  assert.equal(r.body.totalCount, SEEDED);
  assert.equal(r.body.data.length, 10);

  const all = await walk((p) => listPage(ctx, p));
  const ids = all.map((x) => x.operationId);
  assert.deepEqual([...ids].sort(), ctx.sim.tasks().map((x) => x.operationId).sort());
  // each item is exactly what GET operations/{id} serves at that instant, and passes section 3
  for (const item of all) {
    assert.deepEqual(item, await task(ctx, item.operationId));
    assert.deepEqual(checkTask(JSON.stringify(item)), [], item.operationId);
  }
  // newest first: createTime never increases down the list (the progressing tasks started now)
  const times = all.map((x) => parseTime(x.createTime));
  for (let i = 1; i < times.length; i++) assert.ok(times[i] <= times[i - 1], `${ids[i]} is newer than ${ids[i - 1]}`);
  assert.deepEqual(new Set(ids.slice(0, 3)), new Set(Object.keys(PROGRESSING)));
  assert.equal(ids.at(-1), "fw-now-devices");
  // the default page is page 0 of 10
  assert.deepEqual(r.body.data.map((x) => x.operationId), ids.slice(0, 10));
  // a restarted task is created again: it moves to the top
  ctx.now += 60_000;
  ctx.sim.restartTask("demo-progress-success");
  assert.equal((await listPage(ctx, { pageSize: 1 })).body.data[0].operationId, "demo-progress-success");
});

test("task list paging: any size 1-100, pages in order without gaps, past the end is empty", async (t) => {
  const ctx = await clocked(t);
  const all = (await listPage(ctx, { pageSize: 100 })).body.data.map((x) => x.operationId);
  assert.equal(all.length, SEEDED);
  for (const size of [1, 3, 10, 11, 99, 100]) {
    assert.deepEqual((await walk((p) => listPage(ctx, p), size)).map((x) => x.operationId), all, `pageSize ${size}`);
  }
  const second = await listPage(ctx, { pageNo: 1 });
  assert.deepEqual(second.body.data.map((x) => x.operationId), all.slice(10));
  for (const pageNo of [2, 12, 2147483647]) {
    const past = await listPage(ctx, { pageNo, pageSize: 100 });
    assert.equal(past.status, 200, `pageNo ${pageNo}`);
    assert.deepEqual(past.body, { data: [], pageNo, pageSize: 100, totalCount: SEEDED });
  }
  // empty values are absent (the SDKs' query templates send them); a leading + or 0s are integers
  const blank = await get(ctx, `${LIST}?operationType=&operationStatus=&deviceType=&model=&manufacturerName=&deviceId=&pageNo=&pageSize=`);
  assert.equal(blank.status, 200);
  assert.deepEqual([blank.body.pageNo, blank.body.pageSize, blank.body.totalCount], [0, 10, SEEDED]);
  const odd = await get(ctx, `${LIST}?pageNo=%2B1&pageSize=007`);
  assert.deepEqual([odd.body.pageNo, odd.body.pageSize], [1, 7]);
  assert.deepEqual(odd.body.data.map((x) => x.operationId), all.slice(7, 14));
  // the first of repeated parameters counts; unknown parameters are ignored
  const rep = await get(ctx, `${LIST}?pageSize=2&pageSize=50&color=blue`);
  assert.equal(rep.body.pageSize, 2);
});

test("beyond the paging limits is 400 / 123029; paging values that are no integers are 400 / 120015", async (t) => {
  const ctx = await clocked(t);
  const paths = [LIST, `${OPS}fw-256-devices/subOperations`];
  for (const path of paths) {
    for (const params of [{ pageSize: 101 }, { pageSize: 0 }, { pageSize: -1 }, { pageSize: 1000000 }, { pageNo: -1 }, { pageNo: 2147483648 }, { pageNo: -1, pageSize: 101 }]) {
      const r = await get(ctx, path, params);
      assert.equal(r.status, 400, `${path} ${JSON.stringify(params)}`);
      assert.equal(r.type, JSON_TYPE);
      assert.deepEqual(r.body, PAGE_LIMIT, `${path} ${JSON.stringify(params)}`);
    }
    for (const params of [{ pageNo: "abc" }, { pageNo: "1.5" }, { pageSize: "1e2" }, { pageSize: "ten" }, { pageNo: " 1" }, { pageSize: "0x10" }]) {
      const r = await get(ctx, path, params);
      assert.equal(r.status, 400, `${path} ${JSON.stringify(params)}`);
      assert.deepEqual(r.body, BAD_REQUEST, `${path} ${JSON.stringify(params)}`);
    }
    // the edges themselves are fine
    for (const params of [{ pageSize: 1 }, { pageSize: 100 }, { pageNo: 0 }, { pageNo: 2147483647 }]) {
      assert.equal((await get(ctx, path, params)).status, 200, `${path} ${JSON.stringify(params)}`);
    }
  }
});

test("task list filters: values outside the platform's enums, or over 256 characters, are 400 / 120015", async (t) => {
  const ctx = await clocked(t);
  const bad = [
    { operationType: "bios_upgrade" },
    { operationType: "firmwareUpgrade" }, // the query takes the exact spelling
    { operationType: "FIRMWARE_UPGRADE" },
    { operationStatus: "fail" }, // tasks say failed; fail is the subtasks' word
    { operationStatus: "timeout" },
    { operationStatus: "Processing" },
    ...["deviceType", "model", "manufacturerName", "deviceId"].map((k) => ({ [k]: "x".repeat(257) })),
  ];
  for (const params of bad) {
    const r = await listPage(ctx, params);
    assert.equal(r.status, 400, JSON.stringify(params).slice(0, 80));
    assert.deepEqual(r.body, BAD_REQUEST, JSON.stringify(params).slice(0, 80));
  }
  for (const k of ["deviceType", "model", "manufacturerName", "deviceId"]) {
    const r = await listPage(ctx, { [k]: "x".repeat(256) });
    assert.deepEqual([r.status, r.body.totalCount, r.body.data], [200, 0, []], k);
  }
  // a bad filter is refused before the paging is looked at
  assert.deepEqual((await listPage(ctx, { operationStatus: "fail", pageSize: 101 })).body, BAD_REQUEST);
});

test("task list filters: each one, and all together, pick exactly the matching tasks", async (t) => {
  const ctx = await clocked(t);
  const ids = async (params) => {
    const items = await walk((p) => listPage(ctx, { ...params, ...p }));
    return items.map((x) => x.operationId).sort();
  };
  const all = await walk((p) => listPage(ctx, p));
  // the rule, applied to the single-task answers: type and status ignore spelling variants
  // (sw-lenient-shapes says softwareUpgrade), the targets' names match exactly
  const expect = (pred) => all.filter(pred).map((x) => x.operationId).sort();
  for (const type of ["firmware_upgrade", "software_upgrade"]) {
    assert.deepEqual(await ids({ operationType: type }), expect((x) => norm(x.operateType) === norm(type)), type);
  }
  assert.deepEqual(await ids({ operationType: "software_upgrade" }), ["demo-progress-failed", "sw-group-online", "sw-lenient-shapes", "sw-stopped"]);
  for (const status of ["wait", "processing", "failed", "success", "stop"]) {
    const got = await ids({ operationStatus: status });
    assert.deepEqual(got, expect((x) => x.status === status), status);
    assert.ok(got.length > 0, status);
  }
  for (const [k, v, want] of [
    ["deviceType", "WaterMeter", ["sw-group-online"]],
    ["model", "GW-X1", ["fw-custom-window"]],
    ["manufacturerName", "Acme Environmental", ["demo-progress-failed"]],
    ["manufacturerName", "acme environmental", []], // names match exactly
    ["deviceType", "<img src=x onerror=alert(1)>", ["demo-hostile"]],
    ["manufacturerName", "Acme \u202Elmth.exe", ["demo-hostile"]],
  ]) {
    assert.deepEqual(await ids({ [k]: v }), want, `${k}=${v}`);
    assert.deepEqual(await ids({ [k]: v }), expect((x) => x.targets?.[k] === v), `${k}=${v}`);
  }
  // deviceId: a task that has a subtask for that device — listed devices or group members
  for (const [device, want] of [
    ["device-007", ["fw-256-devices"]],
    ["gw-0002", ["fw-custom-window"]],
    ["substation-7-0009", ["fw-custom-window"]], // a member of its group (12 devices: 2 listed + 10)
    ["substation-7-0010", []], // one past the group's share
    ["warehouse-south-0019", ["sw-group-online"]],
    ["warehouse-south-0020", []],
    ["campus-c-0019", ["demo-progress-failed"]],
    ["<script>alert(1)</script>", ["demo-hostile"]],
    ["tracker-000", ["demo-progress-success"]],
    ["nobody", []],
  ]) {
    assert.deepEqual(await ids({ deviceId: device }), want, device);
  }
  // filters combine (AND)
  assert.deepEqual(await ids({ operationType: "firmware_upgrade", operationStatus: "wait" }), ["demo-progress-stop", "demo-progress-success", "fw-custom-window"]);
  assert.deepEqual(await ids({ operationType: "software_upgrade", operationStatus: "wait" }), ["demo-progress-failed"]);
  assert.deepEqual(await ids({ operationType: "firmware_upgrade", deviceType: "WaterMeter" }), []);
  assert.deepEqual(await ids({ operationType: "firmware_upgrade", deviceType: "Gateway", model: "GW-X1", manufacturerName: "Acme Networks", deviceId: "gw-0001", operationStatus: "wait" }), ["fw-custom-window"]);
  // a filtered page counts only the matches
  const fw = await listPage(ctx, { operationType: "firmware_upgrade", pageSize: 2, pageNo: 1 });
  assert.equal(fw.body.totalCount, expect((x) => x.operateType === "firmware_upgrade").length);
  assert.equal(fw.body.data.length, 2);
});

test("the status filter follows a task's progress on the clock", async (t) => {
  const ctx = await clocked(t);
  const ids = async (status) => (await listPage(ctx, { operationStatus: status, pageSize: 100 })).body.data.map((x) => x.operationId).sort();
  assert.deepEqual(await ids("failed"), ["fw-256-devices"]);
  assert.ok((await ids("wait")).includes("demo-progress-failed"));
  ctx.now += 5000; // half-way: processing, the stop task stopped
  assert.ok((await ids("processing")).includes("demo-progress-failed"));
  assert.ok((await ids("stop")).includes("demo-progress-stop"));
  ctx.now += 5000; // the end
  assert.deepEqual(await ids("failed"), ["demo-progress-failed", "fw-256-devices"]);
  assert.ok((await ids("success")).includes("demo-progress-success"));
  assert.ok(!(await ids("processing")).includes("demo-progress-success"));
});

// ---- subtasks --------------------------------------------------------------------------

/** Checks a task's subtasks against its staResult and targets; returns them. */
async function checkSubtasks(ctx, id) {
  const body = await task(ctx, id);
  const c = counts(body.staResult);
  const items = await walk((p) => subPage(ctx, id, p));
  assert.equal(items.length, c.total, `${id}: one subtask per device`);
  const byStatus = tally(items);
  for (const s of SUBTASK_STATUSES) assert.equal(byStatus[s], c[s], `${id}: ${s} subtasks`);
  for (const s of SUBTASK_STATUSES) {
    const filtered = await walk((p) => subPage(ctx, id, { ...p, subOperationStatus: s }));
    assert.equal(filtered.length, c[s], `${id}: subOperationStatus=${s}`);
    assert.ok(filtered.every((x) => subStatus(x.status) === s), `${id}: the filter let other statuses through`);
    // the filtered list is the unfiltered one's items of that status, in the same order
    assert.deepEqual(filtered, items.filter((x) => subStatus(x.status) === s), `${id}: ${s} order`);
  }
  for (const [i, it] of items.entries()) assert.deepEqual(subtaskProblems(it, body.operateType), [], `${id} item ${i}`);
  assert.equal(new Set(items.map((x) => x.subOperationId)).size, items.length, `${id}: subOperationIds repeat`);
  assert.equal(new Set(items.map((x) => x.deviceId)).size, items.length, `${id}: deviceIds repeat`);
  // the task's own devices come first, then its groups' members
  const devices = body.targets.devices ?? [];
  assert.deepEqual(items.slice(0, devices.length).map((x) => x.deviceId), devices.slice(0, items.length), `${id}: devices`);
  const groups = body.targets.deviceGroups ?? [];
  if (groups.length === 0) assert.equal(items.length, devices.length, `${id}: a task on devices only has a subtask per device`);
  return { body, items };
}

test("every seeded task's subtasks agree with its staResult: a device each, one status each, counts equal", async (t) => {
  const ctx = await clocked(t);
  for (const { operationId } of ctx.sim.tasks()) {
    if (operationId === "fw-largest-valid") continue; // 65536 devices: checked page by page below
    const { body, items } = await checkSubtasks(ctx, operationId);
    if (operationId !== "sw-lenient-shapes") {
      for (const it of items) {
        for (const k of ["createTime", "startTime", "stopTime"]) if (k in it) assert.match(it[k], PLATFORM_TIME, `${operationId} ${k}`);
        assert.equal(it.operateType, body.operateType);
        assert.equal(typeof it.detailInfo, "string");
        assert.equal(it.extendInfo.fileVersion, body.extendPara.fileVersion);
        if (body.stopTime && "stopTime" in it) assert.ok(parseTime(it.stopTime) <= parseTime(body.stopTime), `${operationId}: a device stopped after its task`);
        if (body.startTime && "startTime" in it) assert.ok(parseTime(it.startTime) >= parseTime(body.startTime), `${operationId}: a device started before its task`);
      }
    }
  }
  // the shapes a console needs: reasons for failures and timeouts, group members' ids
  const failed = (await walk((p) => subPage(ctx, "fw-256-devices", { ...p, subOperationStatus: "fail" }))).map((x) => x.deviceId);
  assert.equal(failed.length, 4);
  assert.ok(failed.every((d) => /^device-\d{3}$/.test(d)));
  assert.ok(new Set(failed.map((d) => Number(d.slice(7)) >> 6)).size > 1, "failures are scattered, not bunched together");
  const reasons = (await subPage(ctx, "sw-group-online", { subOperationStatus: "fail" })).body.data.map((x) => x.detailInfo);
  assert.equal(new Set(reasons).size, 3, "different reasons");
  const group = (await subPage(ctx, "sw-group-online", { pageSize: 100 })).body.data.map((x) => x.deviceId);
  assert.ok(group.every((d) => /^warehouse-(north|south)-\d{4}$/.test(d)));
  assert.equal(group.filter((d) => d.startsWith("warehouse-north-")).length, 20);
  const stopped = (await subPage(ctx, "sw-stopped", { subOperationStatus: "stop" })).body.data;
  assert.equal(stopped.length, 6);
  assert.ok(stopped.every((x) => x.stopTime === "20240304T071530Z"), "stopped with the task");
  // the hostile seed's reasons carry its hostile text (valid data that must render as text)
  const hostile = (await subPage(ctx, "demo-hostile")).body.data;
  assert.ok(hostile.some((x) => x.detailInfo === "<img src=x onerror=alert(1)>"));
  assert.ok(hostile.some((x) => x.detailInfo.includes("\u202E")));
  assert.ok(hostile.every((x) => x.extendInfo["<script>alert(1)</script>"] === "<img src=x onerror=alert(1)>"));
  // the lenient seed's subtasks use its variant spellings, still one per count
  const lenient = (await subPage(ctx, "sw-lenient-shapes")).body.data;
  assert.deepEqual(lenient.map((x) => [x.deviceId, x.status, x.operateType]), [["dev-a", "PROCESSING", "softwareUpgrade"], ["dev-b", "Success", "softwareUpgrade"]]);
  assert.deepEqual([lenient[0].stopTime, lenient[0].detailInfo, lenient[1].detailInfo], ["", null, ""]);
  assert.deepEqual((await subPage(ctx, "sw-lenient-shapes", { subOperationStatus: "success" })).body.data.map((x) => x.deviceId), ["dev-b"]);
});

test("the largest seed's 65536 subtasks agree with its counts, page by page", async (t) => {
  const ctx = await clocked(t);
  const id = "fw-largest-valid";
  const body = await task(ctx, id);
  const c = counts(body.staResult);
  assert.equal(c.total, 65536);
  const first = await subPage(ctx, id, { pageSize: 100 });
  assert.equal(first.body.totalCount, 65536);
  for (const s of SUBTASK_STATUSES) {
    const r = await subPage(ctx, id, { subOperationStatus: s, pageSize: 100 });
    assert.equal(r.body.totalCount, c[s], s);
    assert.ok(r.body.data.every((x) => x.status === s));
    if (c[s] > 0) {
      const lastPage = Math.ceil(c[s] / 100) - 1;
      const last = await subPage(ctx, id, { subOperationStatus: s, pageSize: 100, pageNo: lastPage });
      assert.equal(last.body.data.length, c[s] - lastPage * 100, `${s}: the last page`);
      assert.deepEqual((await subPage(ctx, id, { subOperationStatus: s, pageSize: 100, pageNo: lastPage + 1 })).body.data, []);
    }
  }
  const last = await subPage(ctx, id, { pageSize: 100, pageNo: 655 });
  assert.equal(last.body.data.length, 36);
  const sample = [...first.body.data, ...(await subPage(ctx, id, { pageSize: 100, pageNo: 2 })).body.data, ...last.body.data];
  for (const it of sample) assert.deepEqual(subtaskProblems(it, body.operateType), []);
  assert.deepEqual(first.body.data.slice(0, 3).map((x) => x.deviceId), body.targets.devices.slice(0, 3));
  assert.ok(last.body.data.every((x) => x.deviceId.length <= 64), "group members get short ids even for 256-character group names");
  assert.equal(new Set(sample.map((x) => x.deviceId)).size, sample.length);
  // a generated member is found by the list's deviceId filter
  const member = last.body.data.at(-1).deviceId;
  assert.deepEqual((await listPage(ctx, { deviceId: member })).body.data.map((x) => x.operationId), [id]);
});

test("a progressing task's subtasks move in step with its counts, device by device", async (t) => {
  const ctx = await clocked(t);
  const seen = {}; // id → deviceId → statuses over time
  const firstStart = {};
  for (let at = 0; at <= 11000; at += 250) {
    ctx.now = T0 + at;
    for (const [id, outcome] of Object.entries(PROGRESSING)) {
      const body = await task(ctx, id);
      const c = counts(body.staResult);
      const { body: page } = await subPage(ctx, id, { pageSize: 100 });
      assert.equal(page.totalCount, c.total);
      const byStatus = tally(page.data);
      for (const s of SUBTASK_STATUSES) assert.equal(byStatus[s], c[s], `${id} @${at} ms: ${s}`);
      for (const it of page.data) {
        assert.deepEqual(subtaskProblems(it, body.operateType), [], `${id} @${at}`);
        assert.equal(it.createTime, body.createTime);
        if (it.stopTime && body.stopTime) assert.ok(parseTime(it.stopTime) <= parseTime(body.stopTime));
        const key = `${id} ${it.deviceId}`;
        (seen[key] ??= []).push(it.status);
        if (it.startTime) {
          firstStart[key] ??= it.startTime;
          assert.equal(it.startTime, firstStart[key], `${key}: startTime moved`);
        }
      }
      // the filter agrees at the same instant
      for (const s of ["processing", "fail", "stop"]) {
        assert.equal((await subPage(ctx, id, { subOperationStatus: s, pageSize: 1 })).body.totalCount, c[s], `${id} @${at} filter ${s}`);
      }
      if (at === 11000) assert.equal(body.status, outcome);
    }
  }
  // each device only moves forward: wait → processing → its end (or wait/processing → stop)
  const rank = { wait: 0, processing: 1, success: 2, fail: 2, timeout: 2, stop: 2 };
  for (const [key, statuses] of Object.entries(seen)) {
    assert.equal(statuses.length, 45, key);
    for (let i = 1; i < statuses.length; i++) {
      assert.ok(rank[statuses[i]] >= rank[statuses[i - 1]], `${key}: ${statuses[i - 1]} → ${statuses[i]}`);
      if (DONE.has(statuses[i - 1])) assert.equal(statuses[i], statuses[i - 1], `${key}: changed after its end`);
    }
    assert.equal(statuses[0], "wait", key);
    assert.ok(statuses.includes("processing") || key.startsWith("demo-progress-stop"), key);
  }
  const ends = (id) => Object.entries(seen).filter(([k]) => k.startsWith(`${id} `)).map(([, s]) => s.at(-1));
  assert.ok(ends("demo-progress-success").every((s) => s === "success"));
  const failedEnds = ends("demo-progress-failed");
  assert.ok(failedEnds.includes("fail") && failedEnds.includes("timeout") && failedEnds.includes("success"));
  const stopEnds = ends("demo-progress-stop");
  assert.ok(stopEnds.includes("stop") && stopEnds.includes("success"));
  // some stopped devices had started, some had not: only those have a startTime
  const stopItems = (await subPage(ctx, "demo-progress-stop", { subOperationStatus: "stop", pageSize: 100 })).body.data;
  assert.ok(stopItems.some((x) => "startTime" in x) && stopItems.some((x) => !("startTime" in x)));
  assert.ok(stopItems.every((x) => x.stopTime === "20260115T080005Z"));
});

test("subtasks of unknown, malformed and odd ids; only GET; no further segments", async (t) => {
  const ctx = await clocked(t);
  const headers = authHeaders(ctx.tok);
  const at = (path) => raw({ port: ctx.sim.port, path, headers });
  for (const id of ["nope", "a".repeat(128)]) {
    const r = await at(`${OPS}${id}/subOperations`);
    assert.equal(r.status, 404, id);
    assert.deepEqual(JSON.parse(r.body), NOT_FOUND);
  }
  for (const seg of ["", "a%20b", "%zz", "..", "a".repeat(129)]) {
    const r = await at(`${OPS}${seg}/subOperations`);
    assert.equal(r.status, 400, seg);
    assert.deepEqual(JSON.parse(r.body), BAD_REQUEST, seg);
  }
  // the query is checked before the task is looked up (as the platform checks parameters first)
  assert.deepEqual(JSON.parse((await at(`${OPS}nope/subOperations?pageSize=101`)).body), PAGE_LIMIT);
  for (const path of [`${OPS}fw-now-devices/subOperations/x`, `${OPS}fw-now-devices/suboperations`, `${OPS}fw-now-devices/subOperations/`, `${LIST}x`]) {
    const r = await at(path);
    assert.equal(r.status, 404, path);
    assert.equal(JSON.parse(r.body).error, "no_route", path);
  }
  // `operations/` (trailing slash) is still the single-task route with an empty id
  assert.deepEqual(JSON.parse((await at(OPS)).body), BAD_REQUEST);
  for (const path of [LIST, `${OPS}fw-now-devices/subOperations`]) {
    const r = await fetch(`${ctx.sim.url}${path}`, { method: "POST", headers });
    assert.equal(r.status, 405, path);
    assert.match(r.headers.get("allow"), /GET/);
  }
  // a stored task whose id needs percent-encoding has subtasks under its encoded id
  const odd = "a/b?c#d é";
  ctx.sim.setTask(odd, { operationId: odd, operateType: "firmware_upgrade", status: "success", targets: { devices: ["d1", "d2"] }, staResult: { total: 2, success: 2 } });
  const r = await subPage(ctx, odd);
  assert.deepEqual(r.body.data.map((x) => [x.deviceId, x.status]), [["d1", "success"], ["d2", "success"]]);
});

// ---- tasks added through the simulator's API --------------------------------------------

test("stored tasks are listed and get subtasks from their staResult; bodies that are no JSON object are served alone", async (t) => {
  const ctx = await clocked(t);
  const body = {
    operationId: "added",
    createTime: "20260115T090000Z", // newer than everything seeded
    startTime: "20260115T090001Z",
    operateType: "software_upgrade",
    targets: { deviceGroups: ["g-1"], deviceType: "Meter", model: "M-1", manufacturerName: "Acme", devices: ["x-1"] },
    policy: { executeType: "now", retryType: true, retryTimes: 3 },
    status: "processing",
    staResult: { total: 9, wait: 2, processing: 2, success: 2, fail: 1, stop: 0, timeout: 2 },
    extendPara: { fileVersion: "9.9" },
  };
  ctx.sim.setTask("added", body);
  const top = await listPage(ctx, { pageSize: 1 });
  assert.equal(top.body.totalCount, SEEDED + 1);
  assert.deepEqual(top.body.data[0], body);
  const { items } = await checkSubtasks(ctx, "added");
  assert.deepEqual(items.map((x) => x.deviceId), ["x-1", ...Array.from({ length: 8 }, (_, i) => `g-1-000${i}`)]);
  assert.ok(items.filter((x) => x.status === "fail" || x.status === "timeout").every((x) => x.extendInfo.retries === 3));
  assert.deepEqual((await listPage(ctx, { deviceId: "g-1-0007" })).body.data.map((x) => x.operationId), ["added"]);

  // without a createTime it counts from when it was stored (the clock): newest again
  ctx.now += 3600_000 * 5;
  ctx.tok = ctx.sim.login(); // the first token expired meanwhile
  ctx.sim.setTask("later", { operationId: "later", operateType: "firmware_upgrade", status: "wait", targets: { devices: ["d"] } });
  assert.equal((await listPage(ctx, { pageSize: 1 })).body.data[0].operationId, "later");
  // no staResult: a waiting subtask per listed device
  assert.deepEqual((await subPage(ctx, "later")).body.data.map((x) => [x.deviceId, x.status, x.createTime]), [["d", "wait", "20260115T130000Z"]]);

  // bodies served verbatim stay verbatim inside the page (big numbers, key order)
  const text = '{"operationId":"verbatim","operateType":"firmware_upgrade","status":"success","targets":{"devices":["d"]},"staResult":{"total":1,"success":1},"extendPara":{"fileVersion":"1","n":12345678901234567890}}';
  ctx.sim.setTask("verbatim", text);
  ctx.sim.setTask("not-json", "<html>oops</html>");
  ctx.sim.setTask("array", "[]");
  ctx.sim.setTask("bad-utf8", Buffer.from([0x7b, 0xff, 0x7d]));
  const page = await get(ctx, LIST, { pageSize: 100 });
  assert.ok(page.text.includes(text), "a stored body was re-serialised in the page");
  const listed = page.body.data.map((x) => x.operationId);
  for (const id of ["not-json", "array", "bad-utf8"]) {
    assert.ok(!listed.includes(id), id);
    assert.equal((await get(ctx, `${OPS}${id}`)).status, 200, id);
    assert.deepEqual((await subPage(ctx, id)).body, { data: [], pageNo: 0, pageSize: 10, totalCount: 0 }, id);
  }
  assert.equal(page.body.totalCount, SEEDED + 3);
  // a stored task replaces a seed under the same id; deleting it takes it off the list
  ctx.sim.deleteTask("added");
  assert.equal((await listPage(ctx, { deviceId: "g-1-0007" })).body.totalCount, 0);
  assert.equal((await subPage(ctx, "added")).status, 404);
});

test("subtasks can be stored verbatim (odd shapes included) through setTask, setSubTasks and PUT /__sim/tasks/{id}/subOperations", async (t) => {
  const ctx = await clocked(t);
  const odd = [
    { subOperationId: "s1", deviceId: "d1", status: "failed", detailInfo: "platform variant spelling" },
    { subOperationId: "s2", deviceId: "d2", status: "fail", extendInfo: "not an object" },
    "a string item",
    null,
    { subOperationId: "s5", deviceId: "d5", status: "FAIL", createTime: "20241301T000000Z" },
    { subOperationId: "s6", deviceId: "d6", status: "success", big: 12345678901234567890 },
  ];
  ctx.sim.setTask("odd", { operationId: "odd", operateType: "firmware_upgrade", status: "failed", targets: { devices: ["d1"] } }, { subTasks: odd });
  const all = await subPage(ctx, "odd", { pageSize: 100 });
  assert.deepEqual(all.body.data, JSON.parse(JSON.stringify(odd)));
  assert.equal(all.body.totalCount, 6);
  // the status filter reads statuses leniently: fail, failed and FAIL are one status
  assert.deepEqual((await subPage(ctx, "odd", { subOperationStatus: "fail" })).body.data.map((x) => x.subOperationId), ["s1", "s2", "s5"]);
  assert.deepEqual((await subPage(ctx, "odd", { subOperationStatus: "fail", pageSize: 2, pageNo: 1 })).body.data.map((x) => x.subOperationId), ["s5"]);
  assert.deepEqual((await listPage(ctx, { deviceId: "d6" })).body.data.map((x) => x.operationId), ["odd"]);

  ctx.sim.setSubTasks("fw-now-devices", [{ deviceId: "only" }]);
  assert.deepEqual((await subPage(ctx, "fw-now-devices")).body.data, [{ deviceId: "only" }]);
  ctx.sim.setSubTasks("fw-now-devices", null);
  assert.equal((await subPage(ctx, "fw-now-devices")).body.totalCount, 3);
  assert.throws(() => ctx.sim.setSubTasks("demo-progress-success", []), /progress/);
  assert.throws(() => ctx.sim.setSubTasks("nope", []), /no such task/);

  const ctl = (method, id, body, query = "") =>
    raw({ port: ctx.sim.port, method, path: `/__sim/tasks/${id}/subOperations${query}`, headers: { "content-type": "application/json" }, body });
  let r = await ctl("PUT", "sw-stopped", JSON.stringify([{ deviceId: "x", status: "stop" }]));
  assert.deepEqual([r.status, JSON.parse(r.body)], [200, { operationId: "sw-stopped", subOperations: 1 }]);
  assert.deepEqual((await subPage(ctx, "sw-stopped")).body.data, [{ deviceId: "x", status: "stop" }]);
  r = await ctl("GET", "sw-stopped");
  assert.deepEqual([r.status, JSON.parse(r.body).totalCount], [200, 1]);
  r = await ctl("DELETE", "sw-stopped");
  assert.deepEqual(JSON.parse(r.body), { operationId: "sw-stopped", subOperations: "generated" });
  assert.equal((await subPage(ctx, "sw-stopped")).body.totalCount, 10);
  // GET is the page as served, without auth, with the same query rules
  assert.deepEqual(JSON.parse((await ctl("GET", "sw-stopped", undefined, "?subOperationStatus=stop&pageSize=2")).body).data.length, 2);
  assert.deepEqual(JSON.parse((await ctl("GET", "fw-now-devices", undefined, "?pageSize=101")).body), PAGE_LIMIT);
  for (const [method, id, body, status, error] of [
    ["PUT", "nope", "[]", 404, "no_task"],
    ["PUT", "demo-progress-stop", "[]", 409, "progressing"],
    ["PUT", "fw-now-devices", "{}", 400, "bad_json"],
    ["PUT", "fw-now-devices", "[oops", 400, "bad_json"],
    ["GET", "nope", undefined, 404, "no_task"],
    ["POST", "fw-now-devices", "[]", 405, "method_not_allowed"],
  ]) {
    const res = await ctl(method, id, body);
    assert.equal(res.status, status, `${method} ${id}`);
    assert.equal(JSON.parse(res.body).error, error, `${method} ${id}`);
  }
  // reset brings the generated ones back
  ctx.sim.setSubTasks("fw-now-devices", []);
  ctx.sim.reset();
  assert.equal((await subPage(ctx, "fw-now-devices")).body.totalCount, 3);
});

// ---- totalSize -------------------------------------------------------------------------

test("totalField: totalSize instead of totalCount, as an option, at run time and by /__sim/settings; reset restores it", async (t) => {
  const ctx = await clocked(t, { totalField: "totalSize" });
  for (const r of [await listPage(ctx), await subPage(ctx, "fw-256-devices")]) {
    assert.deepEqual(Object.keys(r.body), ["data", "pageNo", "pageSize", "totalSize"]);
  }
  assert.equal((await listPage(ctx)).body.totalSize, SEEDED);
  assert.equal((await subPage(ctx, "fw-256-devices")).body.totalSize, 256);
  assert.equal((await json(await fetch(`${ctx.sim.url}/__sim`))).totalField, "totalSize");

  assert.deepEqual(ctx.sim.configure({ totalField: "totalCount" }), { totalField: "totalCount" });
  assert.equal((await listPage(ctx)).body.totalCount, SEEDED);
  const post = (body) => fetch(`${ctx.sim.url}/__sim/settings`, { method: "POST", headers: { "content-type": "application/json" }, body });
  let res = await post('{"totalField":"totalSize"}');
  assert.deepEqual([res.status, await json(res)], [200, { totalField: "totalSize" }]);
  assert.equal((await subPage(ctx, "sw-stopped")).body.totalSize, 10);
  assert.deepEqual(await json(await fetch(`${ctx.sim.url}/__sim/settings`)), { totalField: "totalSize" });
  for (const body of ['{"totalField":"total"}', '{"other":1}', "[1]", "{oops"]) {
    res = await post(body);
    assert.equal(res.status, 400, body);
    assert.ok(["bad_value", "bad_json"].includes((await json(res)).error), body);
  }
  assert.throws(() => ctx.sim.configure({ totalField: "count" }), /totalField/);
  ctx.sim.configure({ totalField: "totalCount" });
  ctx.sim.reset();
  assert.equal(ctx.sim.settings().totalField, "totalSize", "reset goes back to the start options");
  await assert.rejects(simFor(t, { totalField: "TotalCount" }), /totalField/);
});

test("the simulator CLI's --total-field", async (t) => {
  const cli = fileURLToPath(new URL("../../simulator/cli.mjs", import.meta.url));
  const bad = spawnSync(process.execPath, [cli, "--total-field", "size"], { encoding: "utf8", timeout: 5000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--total-field/);
  const child = spawn(process.execPath, [cli, "--port", "0", "--total-field", "totalSize", "--quiet"], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"));
  const started = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && out.includes("Ctrl-C")) resolve({ url: m[1], out });
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}`)));
  });
  assert.match(started.out, /list +GET .*\/operations\?.*total: totalSize/);
  assert.match(started.out, /devices +GET .*\/subOperations/);
  const tok = await json(await fetch(`${started.url}${LOGIN}`, { method: "POST", body: "appId=demo-app&secret=demo-secret" }));
  const page = await json(await fetch(`${started.url}${LIST}?pageSize=1`, { headers: { app_key: "demo-app", authorization: `Bearer ${tok.accessToken}` } }));
  assert.equal(page.totalSize, SEEDED);
  assert.ok(!("totalCount" in page));
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
});

// ---- auth, throttle, faults, CORS, prefix: as for one task ----------------------------------

test("auth on the list routes: checked first, the platform's 403 / 1010005", async (t) => {
  const ctx = await clocked(t);
  const paths = [LIST, `${LIST}?pageSize=101`, `${OPS}fw-now-devices/subOperations`, `${OPS}nope/subOperations`, `${OPS}a%20b/subOperations`];
  const other = ctx.sim.login(); // the first token is now spent
  for (const path of paths) {
    for (const headers of [{}, { app_key: "demo-app" }, { app_key: "demo-app", authorization: "Bearer nope" }, authHeaders(ctx.tok), { ...authHeaders(other), app_key: "someone" }]) {
      const r = await raw({ port: ctx.sim.port, path, headers });
      assert.equal(r.status, 403, `${path} ${JSON.stringify(headers)}`);
      assert.deepEqual(JSON.parse(r.body), INVALID_TOKEN);
    }
  }
  assert.equal((await get({ sim: ctx.sim, tok: other }, LIST)).status, 200);
  const log = ctx.sim.requests();
  assert.equal(log.at(-1).auth, "ok");
  assert.ok(log.some((e) => e.path === LIST && e.auth === "missing"));
  // the token expires on the clock
  ctx.now += 3600_000 + 1000;
  assert.equal((await get({ sim: ctx.sim, tok: other }, `${OPS}fw-now-devices/subOperations`)).status, 403);
});

test("the throttle is one budget per app key across the task, list and subtask routes", async (t) => {
  const ctx = await clocked(t, { throttle: { calls: 3, perMs: 60000 }, retryAfter: true });
  assert.equal((await get(ctx, `${OPS}fw-now-devices`)).status, 200);
  assert.equal((await listPage(ctx)).status, 200);
  assert.equal((await subPage(ctx, "fw-now-devices")).status, 200);
  for (const r of [await listPage(ctx), await subPage(ctx, "fw-now-devices"), await listPage(ctx, { pageSize: 101 })]) {
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, THROTTLED);
    assert.equal(r.headers.get("retry-after"), "60");
  }
  ctx.now += 30_000;
  assert.equal((await listPage(ctx)).headers.get("retry-after"), "30");
  ctx.now += 30_001; // the window has passed: the budget is back
  assert.equal((await listPage(ctx)).status, 200);
  assert.equal((await subPage(ctx, "fw-now-devices")).status, 200);
});

test("faults on the list routes: the header on every call, armed ones by route", async (t) => {
  const ctx = await clocked(t);
  const real = (await listPage(ctx, { pageSize: 2 })).text;
  const fault = (f, path = `${LIST}?pageSize=2`) => get(ctx, path, undefined, { "x-sim-fault": f });
  let r = await fault("status=503;retry-after=2");
  assert.deepEqual([r.status, r.headers.get("retry-after"), r.body.error_code], [503, "2", "50252"]);
  r = await fault("truncated");
  assert.equal(r.status, 200);
  const bytes = Buffer.from(real);
  assert.equal(r.text, bytes.subarray(0, Math.floor(bytes.length / 2)).toString(), "truncated carries the requested page");
  r = await fault("wrong-content-type", `${OPS}sw-stopped/subOperations?pageSize=1`);
  assert.equal(r.type, "text/plain");
  assert.equal(r.text, (await subPage(ctx, "sw-stopped", { pageSize: 1 })).text);
  assert.equal((await fault("html-502", `${OPS}x/subOperations`)).status, 502);
  assert.equal((await fault("bogus")).status, 400);

  // armed faults: "task" (the default, as before) leaves the lists alone
  ctx.sim.setFault("status=500");
  assert.equal((await listPage(ctx)).status, 200);
  assert.equal((await subPage(ctx, "sw-stopped")).status, 200);
  assert.equal((await get(ctx, `${OPS}sw-stopped`)).status, 500);
  ctx.sim.clearFaults();
  ctx.sim.setFault("status=503", { route: "list", count: 2 });
  ctx.sim.setFault("error-code-200=123009", { route: "subtasks", operationId: "sw-stopped" });
  assert.deepEqual(ctx.sim.faults().map((f) => f.route), ["list", "subtasks"]);
  assert.equal((await listPage(ctx)).status, 503);
  assert.equal((await listPage(ctx)).status, 503);
  assert.equal((await listPage(ctx)).status, 200, "used up after its count");
  assert.equal((await subPage(ctx, "fw-now-devices")).status, 200, "another task's subtasks");
  assert.equal((await get(ctx, `${OPS}sw-stopped`)).status, 200, "the task itself");
  r = await subPage(ctx, "sw-stopped");
  assert.deepEqual([r.status, r.body.error_code], [200, "123009"]);
  ctx.sim.clearFaults();
  ctx.sim.setFault({ fault: "json-array", route: "any", operationId: "fw-now-devices" });
  assert.equal((await get(ctx, `${OPS}fw-now-devices`)).text, "[]");
  assert.equal((await subPage(ctx, "fw-now-devices")).text, "[]");
  assert.equal((await listPage(ctx)).status, 200, "an operationId fault never hits the list");
  // a pageNo limits a list fault to that page (no pageNo asks for page 0)
  ctx.sim.clearFaults();
  ctx.sim.setFault("status=503", { route: "list", pageNo: 1, count: 1 });
  ctx.sim.setFault("status=502", { route: "subtasks", pageNo: 0, operationId: "sw-stopped" });
  assert.equal((await listPage(ctx, { pageSize: 5 })).status, 200);
  assert.equal((await listPage(ctx, { pageSize: 5, pageNo: 2 })).status, 200);
  assert.equal((await listPage(ctx, { pageSize: 5, pageNo: 1 })).status, 503);
  assert.equal((await listPage(ctx, { pageSize: 5, pageNo: 1 })).status, 200, "used up");
  assert.equal((await subPage(ctx, "sw-stopped")).status, 502);
  assert.equal((await subPage(ctx, "sw-stopped", { pageNo: 0, pageSize: 3 })).status, 502);
  assert.equal((await subPage(ctx, "sw-stopped", { pageNo: 1, pageSize: 3 })).status, 200);
  assert.equal((await get(ctx, `${OPS}sw-stopped`)).status, 200);
  assert.equal(ctx.sim.faults().at(-1).pageNo, 0);
  assert.throws(() => ctx.sim.setFault("reset", { pageNo: 1 }), /pageNo/); // route "task" has no pages
  assert.throws(() => ctx.sim.setFault("reset", { route: "list", pageNo: -1 }), /pageNo/);
  // bad routes are refused, over HTTP too
  assert.throws(() => ctx.sim.setFault("reset", { route: "everything" }), /route/);
  assert.throws(() => ctx.sim.setFault("reset", { route: "list", operationId: "x" }), /operationId/);
  const res = await fetch(`${ctx.sim.url}/__sim/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"fault":"reset","route":"all"}' });
  assert.equal(res.status, 400);
});

test("CORS and the prefix on the list routes, as for one task", async (t) => {
  const ctx = await clocked(t, { prefix: "/iot", origins: ["http://localhost:5173"] });
  const origin = "http://localhost:5173";
  for (const path of [LIST, `${OPS}fw-now-devices/subOperations`]) {
    const pre = await raw({ port: ctx.sim.port, method: "OPTIONS", path: `/iot${path}`, headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "app_key,authorization" } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers["access-control-allow-origin"], origin);
    for (const r of [await get(ctx, path, { pageSize: 1 }, { origin }), await get(ctx, path, { pageSize: 101 }, { origin })]) {
      assert.equal(r.headers.get("access-control-allow-origin"), origin, `${path} ${r.status}`);
      assert.equal(r.headers.get("access-control-expose-headers"), "retry-after");
    }
    const refused = await get(ctx, path, {}, { origin: "http://evil.example" });
    assert.equal(refused.headers.get("access-control-allow-origin"), null);
    // only under the prefix
    assert.equal((await raw({ port: ctx.sim.port, path, headers: authHeaders(ctx.tok) })).status, 404);
  }
  const info = await json(await fetch(`${ctx.sim.url}/__sim`));
  assert.equal(info.endpoints.queryUpgradeTaskList, `/iot${LIST}`);
  assert.equal(info.endpoints.queryUpgradeSubTasks, `/iot${OPS}{operationId}/subOperations`);
});
