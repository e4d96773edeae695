// The task list and per-device subtasks end to end (issue 14): the built package against the
// simulator (filters, paging, the platform's spellings, 123029, totalSize, subtasks that agree
// with staResult, the client's walkers through retries, token refresh, rate limit and
// cancellation), and against a hand-written stand-in for shapes the simulator cannot serve
// (no total, data not an array, mixed bad items, totals that lie).

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import { startSimulator } from "../../simulator/index.mjs";
import { assertNoSecrets, inFreshProcess, json, pkg, platformTask, rejection, scriptedServer } from "./helpers.mjs";

const APP_KEY = "appkey-LISTS-SECRET-9b1e";
const APP_SECRET = "appsecret-LISTS-SECRET-44d0";
const LIST_PATH = "/iodm/northbound/v1.5.0/operations";
const T0 = Date.UTC(2026, 0, 15, 8, 0, 0);

let sim;
let token;
const clock = { now: T0 };

before(async () => {
  sim = await startSimulator({ port: 0, apps: [{ appId: APP_KEY, secret: APP_SECRET }], throttle: false, clock: () => clock.now, progressMs: 10000 });
  token = sim.login(APP_KEY, APP_SECRET).accessToken;
});
after(() => sim?.close());

const options = (more = {}) => ({ baseUrl: sim.baseUrl, appKey: APP_KEY, timeoutMs: 5000, ...more });
const client = (more = {}) => new pkg.UpgradeTaskClient({ baseUrl: sim.baseUrl, appKey: APP_KEY, accessToken: token, rateLimit: false, ...more });
/** The query strings of the northbound requests the simulator saw since `clearRequests`. */
const sent = () => sim.requests().map((r) => r.url);

describe("queryUpgradeTaskList against the simulator", () => {
  test("one page: every seeded task, newest first, with the platform's total and echoed paging", async () => {
    sim.reset();
    sim.clearRequests();
    const page = await pkg.queryUpgradeTaskList(token, options({ pageSize: 100 }));
    assert.equal(page.totalCount, 11);
    assert.equal(page.tasks.length, 11);
    assert.deepEqual(page.invalid, []);
    assert.equal(page.pageNo, 0);
    assert.equal(page.pageSize, 100);
    assert.deepEqual(Object.keys(page), ["tasks", "invalid", "pageNo", "pageSize", "totalCount"]);
    const single = await pkg.queryUpgradeTask("fw-now-devices", token, options());
    assert.deepEqual(
      page.tasks.find((t) => t.operationId === "fw-now-devices"),
      single,
      "a listed task is normalised exactly as the task alone",
    );
    const created = page.tasks.map((t) => t.createTime);
    assert.deepEqual(created, [...created].sort().reverse(), "newest first");
    assert.equal(sent()[0], `${LIST_PATH}?pageSize=100`, "no trailing slash, only what was given");
  });

  test("filters are sent in the platform's spellings and filter", async () => {
    sim.reset();
    sim.clearRequests();
    const success = await pkg.queryUpgradeTaskList(token, options({ operationStatus: "success", pageSize: 100 }));
    assert.ok(success.tasks.length > 0);
    assert.ok(success.tasks.every((t) => t.status === "success"));
    const failed = await pkg.queryUpgradeTaskList(token, options({ operationStatus: "failed", operationType: "firmware_upgrade" }));
    assert.ok(failed.tasks.every((t) => t.status === "failed" && t.operateType === "firmware_upgrade"));
    const byDevice = await pkg.queryUpgradeTaskList(token, options({ deviceId: "campus-c-0019" }));
    assert.deepEqual(
      byDevice.tasks.map((t) => t.operationId),
      ["demo-progress-failed"],
      "a group member finds its task",
    );
    const none = await pkg.queryUpgradeTaskList(token, options({ model: "no such model" }));
    assert.deepEqual([none.tasks, none.totalCount], [[], 0]);
    assert.deepEqual(sent(), [
      `${LIST_PATH}?operationStatus=success&pageSize=100`,
      `${LIST_PATH}?operationType=firmware_upgrade&operationStatus=failed`,
      `${LIST_PATH}?deviceId=campus-c-0019`,
      `${LIST_PATH}?model=no%20such%20model`,
    ]);
  });

  test("paging and filters are checked before anything is sent", async () => {
    sim.clearRequests();
    const cases = [
      [{ pageSize: 101 }, "options.pageSize"],
      [{ pageSize: 0 }, "options.pageSize"],
      [{ pageNo: -1 }, "options.pageNo"],
      [{ pageNo: 1.5 }, "options.pageNo"],
      [{ pageNo: "1" }, "options.pageNo"],
      [{ operationStatus: "fail" }, "options.operationStatus"],
      [{ operationType: "firmwareUpgrade" }, "options.operationType"],
      [{ model: "m".repeat(257) }, "options.model"],
      [{ deviceId: 7 }, "options.deviceId"],
    ];
    for (const [bad, path] of cases) {
      const e = await rejection(pkg.queryUpgradeTaskList(token, options(bad)), { token, appKey: APP_KEY });
      assert.equal(e.kind, "invalid_argument", JSON.stringify(bad));
      assert.deepEqual(
        e.problems.map((p) => p.path),
        [path],
      );
      assert.equal(e.attempts, 0);
    }
    const e = await rejection(pkg.queryUpgradeSubTasks("fw-256-devices", token, options({ status: "fail" })), { token, appKey: APP_KEY });
    assert.match(e.problems[0].message, /the platform's "fail" is spelled "failed" here/);
    // The other list's filter is refused, not dropped (an unfiltered list would look like an answer).
    const wrong = await rejection(pkg.queryUpgradeTaskList(token, options({ status: "failed" })), { token, appKey: APP_KEY });
    assert.deepEqual(wrong.problems, [{ path: "options.status", message: "filters a task's subtasks, not the task list: did you mean operationStatus?" }]);
    const other = await rejection(pkg.queryUpgradeSubTasks("fw-256-devices", token, options({ operationStatus: "failed" })), { token, appKey: APP_KEY });
    assert.deepEqual(other.problems, [{ path: "options.operationStatus", message: "filters the task list, not a task's subtasks: did you mean status?" }]);
    assert.deepEqual(sent(), [], "nothing was sent");
  });

  test("the platform's 400/123029 is page_limit", async () => {
    sim.setFault("status=400;code=123029", { route: "list", count: 1 });
    const e = await rejection(pkg.queryUpgradeTaskList(token, options({ retry: false })), { token, appKey: APP_KEY });
    assert.equal(e.kind, "page_limit");
    assert.equal(e.httpStatus, 400);
    assert.equal(e.errorCode, "123029");
    assert.equal(e.retryable, false);
  });

  test("a total named totalSize (the official SDKs' name) is read as totalCount", async (t) => {
    sim.configure({ totalField: "totalSize" });
    t.after(() => sim.configure({ totalField: "totalCount" }));
    const page = await pkg.queryUpgradeTaskList(token, options({ pageSize: 2 }));
    assert.equal(page.totalCount, 11);
    const subs = await pkg.queryUpgradeSubTasks("fw-256-devices", token, options({ pageSize: 1 }));
    assert.equal(subs.totalCount, 256);
  });

  test("one bad stored task goes to invalid with its index, id and paths; the others are listed", async (t) => {
    sim.reset();
    t.after(() => sim.reset());
    const bad = platformTask({ operationId: "bad-one", createTime: null, status: "sleeping", targets: { devices: ["d-1", 7] } });
    sim.setTask("bad-one", bad);
    const page = await pkg.queryUpgradeTaskList(token, options({ pageSize: 100 }));
    assert.equal(page.totalCount, 12);
    assert.equal(page.tasks.length, 11);
    assert.deepEqual(page.invalid, [
      {
        index: 0,
        id: "bad-one",
        problems: [
          { path: "data[0].status", message: '"sleeping" is not a known value' },
          { path: "data[0].targets.devices[1]", message: 'must be a non-empty string, got the number "7"' },
        ],
      },
    ]);
  });
});

describe("queryUpgradeSubTasks against the simulator", () => {
  test("subtasks agree with the task's staResult, status by status, at the same instant", async () => {
    sim.reset();
    clock.now = T0;
    sim.restartTask("demo-progress-failed", { progressMs: 10000 });
    clock.now = T0 + 6000;
    const task = await pkg.queryUpgradeTask("demo-progress-failed", token, options());
    const page = await pkg.queryUpgradeSubTasks("demo-progress-failed", token, options({ pageSize: 100 }));
    assert.equal(page.totalCount, task.staResult.total);
    assert.equal(page.subTasks.length, Math.min(100, task.staResult.total));
    assert.equal(page.invalid.length, 0);
    const walked = [];
    for await (const s of client().listUpgradeSubTasks("demo-progress-failed")) walked.push(s);
    const counts = { wait: 0, processing: 0, failed: 0, success: 0, stop: 0, timeout: 0 };
    for (const s of walked) counts[s.status] += 1;
    const sta = task.staResult;
    assert.deepEqual(counts, { wait: sta.wait, processing: sta.processing, failed: sta.fail, success: sta.success, stop: sta.stop, timeout: sta.timeout });
    assert.ok(counts.failed > 0 || counts.processing > 0, "mid-way: something is happening");
    clock.now = T0 + 60000;
    const ended = [];
    for await (const s of client().listUpgradeSubTasks("demo-progress-failed")) ended.push(s.status);
    assert.ok(!ended.includes("processing") && !ended.includes("wait"), "the devices moved on with the task");
    clock.now = T0;
  });

  test("the status filter goes out as subOperationStatus=fail; items say failed, with the platform's reason", async () => {
    sim.reset();
    sim.clearRequests();
    const page = await pkg.queryUpgradeSubTasks("fw-256-devices", token, options({ status: "failed", pageSize: 100 }));
    const task = await pkg.queryUpgradeTask("fw-256-devices", token, options());
    assert.equal(page.totalCount, task.staResult.fail);
    assert.ok(page.subTasks.length > 0);
    for (const s of page.subTasks) {
      assert.equal(s.status, "failed");
      assert.equal(typeof s.detailInfo, "string");
      assert.ok(s.detailInfo.length > 0);
      assert.match(s.stopTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.deepEqual(Object.keys(s), ["subOperationId", "deviceId", "status", "operateType", "createTime", "startTime", "stopTime", "detailInfo", "extendInfo"]);
    }
    const timeouts = await pkg.queryUpgradeSubTasks("fw-256-devices", token, options({ status: "timeout" }));
    assert.equal(timeouts.totalCount, task.staResult.timeout);
    assert.ok(timeouts.subTasks.every((s) => s.status === "timeout"));
    assert.equal(sent()[0], `${LIST_PATH}/fw-256-devices/subOperations?subOperationStatus=fail&pageSize=100`);
  });

  test("a waiting device's empty detailInfo is null; lenient spellings are normalised as for a task", async () => {
    const page = await pkg.queryUpgradeSubTasks("sw-lenient-shapes", token, options({ pageSize: 100 }));
    assert.equal(page.invalid.length, 0, JSON.stringify(page.invalid));
    assert.ok(page.subTasks.every((s) => s.detailInfo === null || s.detailInfo.length > 0));
    assert.ok(page.subTasks.every((s) => s.operateType === "software_upgrade"));
    for (const s of page.subTasks) for (const t of [s.createTime, s.startTime, s.stopTime]) if (t !== null) assert.match(t, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test("verbatim odd items: the good ones are given, each bad one is named by index and id", async (t) => {
    t.after(() => sim.reset());
    sim.setSubTasks("fw-now-devices", [
      { subOperationId: "s0", deviceId: "d0", status: "FAIL", operateType: "firmware_upgrade", detailInfo: "checksum", extendInfo: { __proto__: null, retries: 1 } },
      null,
      { subOperationId: "s2", deviceId: "d2", status: "wait", operateType: "firmware_upgrade", createTime: "yesterday", extendInfo: "x" },
      { subOperationId: "s3", deviceId: "d3", status: "success", operateType: "firmware_upgrade", detailInfo: "" },
    ]);
    const page = await pkg.queryUpgradeSubTasks("fw-now-devices", token, options());
    assert.deepEqual(
      page.subTasks.map((s) => [s.subOperationId, s.status, s.detailInfo]),
      [
        ["s0", "failed", "checksum"],
        ["s3", "success", null],
      ],
    );
    assert.deepEqual(
      page.invalid.map((i) => [i.index, i.id, i.problems.map((p) => p.path)]),
      [
        [1, null, ["data[1]"]],
        [2, "s2", ["data[2].createTime", "data[2].extendInfo"]],
      ],
    );
  });

  test("an unknown task is not_found; an id that needs encoding travels as one segment", async () => {
    const e = await rejection(pkg.queryUpgradeSubTasks("no-such-task", token, options()), { token, appKey: APP_KEY });
    assert.equal(e.kind, "not_found");
    sim.setTask("a/b?c#d é", platformTask({ operationId: "a/b?c#d é" }));
    const page = await pkg.queryUpgradeSubTasks("a/b?c#d é", token, options());
    assert.equal(page.totalCount, 2);
    sim.reset();
  });
});

describe("the client's walkers", () => {
  test("listUpgradeSubTasks walks 256 devices in device order: pages 0, 1, 2 of 100, then stops", async () => {
    sim.reset();
    sim.clearRequests();
    const ids = [];
    for await (const s of client().listUpgradeSubTasks("fw-256-devices")) ids.push(s.deviceId);
    assert.equal(ids.length, 256);
    assert.equal(new Set(ids).size, 256);
    const page0 = await pkg.queryUpgradeSubTasks("fw-256-devices", token, options({ pageSize: 100 }));
    assert.deepEqual(
      ids.slice(0, 100),
      page0.subTasks.map((s) => s.deviceId),
    );
    assert.deepEqual(sent().slice(0, 3), [0, 1, 2].map((n) => `${LIST_PATH}/fw-256-devices/subOperations?pageNo=${n}&pageSize=100`));
  });

  test("listUpgradeTasks with a filter, and pages()", async () => {
    sim.reset();
    const ids = [];
    for await (const task of client().listUpgradeTasks({ operationStatus: "success" })) ids.push(task.operationId);
    const page = await pkg.queryUpgradeTaskList(token, options({ operationStatus: "success", pageSize: 100 }));
    assert.deepEqual(
      ids,
      page.tasks.map((t) => t.operationId),
    );
    const pages = [];
    for await (const p of client().listUpgradeTasks().pages()) pages.push([p.pageNo, p.tasks.length, p.totalCount]);
    assert.deepEqual(pages, [[0, 11, 11]]);
  });

  test("a failing page is retried by the client's retries; the walk goes on", async () => {
    sim.reset();
    sim.clearRequests();
    sim.setFault("status=503", { route: "subtasks", pageNo: 1, count: 1 });
    let n = 0;
    for await (const _ of client({ retry: { baseDelayMs: 1 } }).listUpgradeSubTasks("fw-256-devices")) n += 1;
    assert.equal(n, 256);
    assert.equal(sent().length, 4, "page 1 twice");
  });

  test("with retry off, the failing page rejects the walk after the earlier pages' items", async () => {
    sim.setFault("status=503", { route: "subtasks", pageNo: 1, count: 1 });
    let n = 0;
    const e = await rejection(
      (async () => {
        for await (const _ of client({ retry: false }).listUpgradeSubTasks("fw-256-devices")) n += 1;
      })(),
      { token, appKey: APP_KEY },
    );
    assert.equal(e.kind, "server");
    assert.equal(n, 100);
  });

  test("a refused token is refreshed once per page through getAccessToken", async () => {
    const asked = [];
    const refreshing = new pkg.UpgradeTaskClient({
      baseUrl: sim.baseUrl,
      appKey: APP_KEY,
      rateLimit: false,
      getAccessToken: ({ forceRefresh }) => {
        asked.push(forceRefresh);
        return forceRefresh ? token : "stale-token-0000";
      },
    });
    let n = 0;
    for await (const _ of refreshing.listUpgradeSubTasks("fw-256-devices", { status: "success" })) n += 1;
    assert.equal(n, 250);
    assert.deepEqual(asked, [false, true, false, true, false, true]);
  });

  test("the walk goes through the client's rate limit (pages never faster than the window)", async () => {
    sim.clearRequests();
    const limited = client({ rateLimit: { calls: 1, perMs: 150 } });
    const started = Date.now();
    let n = 0;
    for await (const _ of limited.listUpgradeSubTasks("fw-256-devices")) n += 1;
    assert.equal(n, 256);
    assert.ok(Date.now() - started >= 300, "three pages, one per 150 ms window");
    const times = sim.requests().map((r) => Date.parse(r.time));
    assert.equal(times.length, 3);
  });

  test("an abort stops the walk: no further page, kind aborted with the signal's reason", async () => {
    sim.clearRequests();
    const controller = new AbortController();
    const reason = new Error("operator closed the view");
    let n = 0;
    const e = await rejection(
      (async () => {
        for await (const _ of client().listUpgradeSubTasks("fw-256-devices", { signal: controller.signal })) {
          n += 1;
          if (n === 10) controller.abort(reason);
        }
      })(),
      { token, appKey: APP_KEY },
    );
    assert.equal(e.kind, "aborted");
    assert.equal(e.cause, reason);
    assert.equal(n, 100);
    assert.equal(sent().length, 1);
  });

  test("breaking out of the loop asks for no further page", async () => {
    sim.clearRequests();
    for await (const _ of client().listUpgradeSubTasks("fw-256-devices")) break;
    assert.equal(sent().length, 1);
  });

  test("bad walk arguments reject on the first step, before anything is sent", async () => {
    sim.clearRequests();
    const steps = [
      client().listUpgradeTasks("processing"),
      client().listUpgradeTasks({ operationStatus: "fail" }),
      client().listUpgradeTasks({ status: "failed" }),
      client().listUpgradeSubTasks("fw-256-devices", { onInvalid: 3 }),
      client().listUpgradeSubTasks("fw-256-devices", { operationStatus: "failed" }),
    ];
    for (const walk of steps) {
      const e = await rejection(walk[Symbol.asyncIterator]().next(), { token, appKey: APP_KEY });
      assert.equal(e.kind, "invalid_argument");
    }
    assert.deepEqual(sent(), []);
  });

  test("the CommonJS entry walks too", async () => {
    const require = createRequire(import.meta.url);
    const cjs = require("../../pkg/node.cjs");
    const c = new cjs.UpgradeTaskClient({ baseUrl: sim.baseUrl, appKey: APP_KEY, accessToken: token, rateLimit: false });
    let n = 0;
    for await (const _ of c.listUpgradeSubTasks("fw-256-devices", { status: "failed" })) n += 1;
    const page = await c.queryUpgradeTaskList({ pageSize: 1 });
    assert.equal(page.totalCount, 11);
    assert.ok(n > 0);
    const one = await cjs.queryUpgradeSubTasks("fw-256-devices", token, options({ status: "timeout" }));
    assert.equal(one.subTasks.length, n > 0 ? one.totalCount : 0);
  });
});

// ---------------------------------------------------------------------------------------------
// A hand-written stand-in for shapes the simulator cannot produce.

/** Serves `pages(url)` (a body, or `{ status, body }`) on both list routes; records the urls. */
async function standIn(pages) {
  const server = await scriptedServer((req, res) => {
    const answer = pages(new URL(req.url, "http://x"));
    if (answer && typeof answer === "object" && "status" in answer) json(res, answer.status, answer.body);
    else json(res, 200, answer);
  });
  return { ...server, options: (more = {}) => ({ baseUrl: server.baseUrl, appKey: APP_KEY, retry: false, ...more }) };
}

describe("odd shapes from a stand-in platform", () => {
  let server;
  let body;
  before(async () => {
    server = await standIn(() => body);
  });
  after(() => server.close());

  const broken = async (page, paths) => {
    body = page;
    const e = await rejection(pkg.queryUpgradeTaskList(token, server.options()), { token, appKey: APP_KEY });
    assert.equal(e.kind, "invalid_response");
    assert.deepEqual(
      e.problems.map((p) => p.path),
      paths,
      JSON.stringify(e.problems),
    );
    return e;
  };

  test("no total, data not an array, not an object: the page is broken", async () => {
    await broken({ data: [] }, ["totalCount"]);
    await broken({ data: {}, totalCount: 1 }, ["data"]);
    await broken({ data: "x", totalCount: 1 }, ["data"]);
    await broken({ totalCount: 4 }, ["data"]);
    await broken([platformTask()], [""]);
    await broken({ data: [], totalCount: "many" }, ["totalCount"]);
    const e = await broken({ data: [], totalCount: -1, totalSize: 2.5 }, ["totalCount", "totalSize"]);
    assert.match(e.problems[1].message, /non-negative integer/);
  });

  test("totalSize instead of totalCount; no data with a zero total is an empty page; no echo gives the page asked for", async () => {
    body = { data: [platformTask()], totalSize: 31 };
    const page = await pkg.queryUpgradeTaskList(token, server.options({ pageNo: 3, pageSize: 10 }));
    assert.deepEqual([page.totalCount, page.pageNo, page.pageSize, page.tasks.length], [31, 3, 10, 1]);
    body = { totalCount: 0 };
    assert.deepEqual(await pkg.queryUpgradeTaskList(token, server.options()), { tasks: [], invalid: [], pageNo: 0, pageSize: 10, totalCount: 0 });
  });

  test("mixed bad items: each named, the rest given", async () => {
    body = {
      data: [platformTask({ operationId: "ok-1" }), "a string", platformTask({ operationId: "bad-2", staResult: { total: 1, success: 2 } }), null, platformTask({ operationId: "ok-4" }), platformTask({ operationId: 5, status: "FAILED" })],
      pageNo: 0,
      pageSize: 10,
      totalCount: 6,
    };
    const page = await pkg.queryUpgradeTaskList(token, server.options());
    assert.deepEqual(
      page.tasks.map((t) => t.operationId),
      ["ok-1", "ok-4"],
    );
    assert.deepEqual(
      page.invalid.map((i) => [i.index, i.id]),
      [
        [1, null],
        [2, "bad-2"],
        [3, null],
        [5, null],
      ],
    );
    assert.equal(page.invalid[0].problems[0].message, 'must be an object (a task), got the string "a string"');
    assert.ok(page.invalid[1].problems.some((p) => p.path === "data[2].staResult.success"));
    assert.deepEqual(
      page.invalid[3].problems.map((p) => p.path),
      ["data[5].operationId"],
    );
  });

  test("a subtask's extendInfo is kept as JSON.parse reads it (an own __proto__ included)", async () => {
    const item = '{"subOperationId":"s","deviceId":"d","status":"fail","operateType":"software_upgrade","extendInfo":{"__proto__":{"polluted":true},"n":1.5e3,"list":[1,"a"]}}';
    const text = `{"data":[${item}],"totalCount":1}`;
    const raw = await scriptedServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(text);
    });
    try {
      const page = await pkg.queryUpgradeSubTasks("op", token, { baseUrl: raw.baseUrl, appKey: APP_KEY });
      const info = page.subTasks[0].extendInfo;
      assert.deepEqual(info, JSON.parse(text).data[0].extendInfo);
      assert.ok(Object.hasOwn(info, "__proto__"));
      assert.equal({}.polluted, undefined);
      assert.equal(page.subTasks[0].status, "failed");
    } finally {
      await raw.close();
    }
  });

  test("secrets stay out of a broken page's error", async () => {
    body = { data: { token }, totalCount: 1 };
    const e = await rejection(pkg.queryUpgradeTaskList(token, server.options()), { token, appKey: APP_KEY });
    assertNoSecrets(e, token, APP_KEY);
  });
});

describe("walkers against a stand-in whose totals lie", () => {
  test("a total that overstates the list stops at the first empty page", async () => {
    const tasks = Array.from({ length: 150 }, (_, i) => platformTask({ operationId: `t-${i}` }));
    const server = await standIn((url) => {
      const no = Number(url.searchParams.get("pageNo"));
      const size = Number(url.searchParams.get("pageSize"));
      return { data: tasks.slice(no * size, no * size + size), pageNo: no, pageSize: size, totalCount: 100000 };
    });
    try {
      const c = new pkg.UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, accessToken: token, rateLimit: false });
      let n = 0;
      for await (const _ of c.listUpgradeTasks()) n += 1;
      assert.equal(n, 150);
      assert.equal(server.requests.length, 3);
    } finally {
      await server.close();
    }
  });

  test("a page over the 4 MiB answer limit is asked for again in smaller pages over the same items, then whole pages again", async () => {
    // Valid tasks of 256 device groups of 256 characters (about 67 KB each): a page of 100 is
    // about 6.7 MB, one of 50 about 3.4 MB.
    const groups = Array.from({ length: 256 }, (_, i) => `group-${i}-`.padEnd(256, "abcdefghijklmnopqrstuvwxyz"));
    const tasks = Array.from({ length: 130 }, (_, i) => platformTask({ operationId: `t-${i}`, targets: { deviceGroups: groups, deviceType: "Lamp", model: "L-1", manufacturerName: "Acme", devices: ["dev-1", "dev-2"] } }));
    const big = "d".repeat(60_000);
    const server = await standIn((url) => {
      const no = Number(url.searchParams.get("pageNo"));
      const size = Number(url.searchParams.get("pageSize"));
      return { data: tasks.slice(no * size, no * size + size), pageNo: no, pageSize: size, totalCount: tasks.length };
    });
    try {
      const c = new pkg.UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, accessToken: token, rateLimit: false, retry: false });
      const ids = [];
      for await (const t of c.listUpgradeTasks()) ids.push(t.operationId);
      assert.deepEqual(ids, tasks.map((t) => t.operationId), "every task once, in order");
      const asked = server.requests.map((r) => { const u = new URL(r.url, "http://x"); return `${u.searchParams.get("pageNo")}/${u.searchParams.get("pageSize")}`; });
      // Before the fix the walk rejected on the first page (invalid_response). Once the pages of
      // 50 have covered the first 100 items, it asks for pages of 100 again.
      assert.deepEqual(asked, ["0/100", "0/50", "1/50", "1/100"]);
      // A walk of a smaller pageSize asks for that; pageNo is the walk's own.
      server.requests.length = 0;
      let n = 0;
      for await (const _ of c.listUpgradeTasks({}, { pageSize: 40 })) n += 1;
      assert.equal(n, 130);
      assert.deepEqual(server.requests.map((r) => new URL(r.url, "http://x").searchParams.get("pageSize")), ["40", "40", "40", "40"]);
      const e = await rejection(c.listUpgradeTasks({}, { pageNo: 2 })[Symbol.asyncIterator]().next(), { token, appKey: APP_KEY });
      assert.equal(e.kind, "invalid_argument");
      assert.deepEqual(e.problems.map((p) => p.path), ["options.pageNo"]);
      // One task over the limit on its own still rejects, after pages of 50, 25, 5 and 1.
      tasks[0] = platformTask({ operationId: "huge", targets: { devices: Array.from({ length: 80 }, (_, i) => `${big}-${i}`) } });
      server.requests.length = 0;
      const tooBig = await rejection(c.listUpgradeTasks()[Symbol.asyncIterator]().next(), { token, appKey: APP_KEY });
      assert.equal(tooBig.kind, "invalid_response");
      assert.deepEqual(server.requests.map((r) => new URL(r.url, "http://x").searchParams.get("pageSize")), ["100", "50", "25", "5", "1"]);
    } finally {
      await server.close();
    }
  });

  test("an onInvalid that throws is reported like an event listener's error; the walk goes on and yields the page's valid items", async () => {
    // In its own process: the reported error is an uncaught exception there, by design.
    const { report, stderr } = await inFreshProcess(`
      import http from "node:http";
      import { UpgradeTaskClient } from ${JSON.stringify(new URL("../../pkg/node.js", import.meta.url).href)};
      const task = (id, status) => ({ operationId: id, createTime: "20151212T121212Z", operateType: "firmware_upgrade", status, targets: { devices: ["d"] }, policy: { executeType: "now", retryType: false }, staResult: { total: 1, wait: 1, processing: 0, success: 0, fail: 0, stop: 0, timeout: 0 }, extendPara: {} });
      const body = JSON.stringify({ data: [task("good-1", "wait"), task("bad", "sleeping"), task("good-2", "wait")], totalCount: 3 });
      const server = http.createServer((_, res) => res.writeHead(200, { "content-type": "application/json" }).end(body));
      await new Promise((r) => server.listen(0, "127.0.0.1", r));
      const uncaught = [];
      process.on("uncaughtException", (e) => uncaught.push(e.message));
      const c = new UpgradeTaskClient({ baseUrl: "http://127.0.0.1:" + server.address().port, appKey: "k", accessToken: "t", rateLimit: false, retry: false });
      const ids = [];
      let rejected = null;
      try {
        for await (const t of c.listUpgradeTasks({}, { onInvalid: () => { throw new Error("callback boom"); } })) ids.push(t.operationId);
      } catch (e) {
        rejected = e.message;
      }
      await new Promise((r) => setImmediate(r));
      server.close();
      console.log(JSON.stringify({ ids, uncaught, rejected }));
    `);
    // Before the fix the walk rejected with the callback's plain Error, and no item came.
    assert.deepEqual(report, { ids: ["good-1", "good-2"], uncaught: ["callback boom"], rejected: null }, stderr);
  });

  test("a task created during the walk (the newest-first list shifts) is not yielded twice; invalid items reach onInvalid", async () => {
    let list = Array.from({ length: 120 }, (_, i) => platformTask({ operationId: `t-${i}` }));
    list[5] = { ...list[5], status: "sleeping" };
    const server = await standIn((url) => {
      const no = Number(url.searchParams.get("pageNo"));
      const page = { data: list.slice(no * 100, no * 100 + 100), totalCount: list.length };
      if (no === 0) list = [platformTask({ operationId: "new" }), ...list];
      return page;
    });
    try {
      const c = new pkg.UpgradeTaskClient({ baseUrl: server.baseUrl, appKey: APP_KEY, accessToken: token, rateLimit: false });
      const ids = [];
      const bad = [];
      for await (const t of c.listUpgradeTasks({}, { onInvalid: (item, ctx) => bad.push([item.index, item.id, ctx.pageNo]) })) ids.push(t.operationId);
      assert.equal(ids.length, 119);
      assert.equal(new Set(ids).size, 119, "t-99 came on both pages, yielded once");
      assert.deepEqual(bad, [[5, "t-5", 0]]);
    } finally {
      await server.close();
    }
  });
});
