// What the rev13-A review of the console found, each driven in a real Chromium through the
// console gateway: a link cannot choose where the console key goes, a watched large task does
// not spend the platform's call budget on its devices table, a failed devices table or task
// list can be loaded again, a running query can be cancelled, a watch that ends in an error
// marks what it showed as stale, the error cards speak to the console's operator, and the
// devices table can be scrolled from the keyboard.

import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { ALMOST_DONE } from "../done-cases.mjs";
import { connect, openConnected, openConsole, query, screenshot, startStack, withPage } from "./helpers.mjs";

let stack;
before(async () => {
  stack = await startStack({ progressMs: 4000 });
});
after(async () => {
  await stack?.close();
});

const devicesLoaded = (page) =>
  page.waitForFunction(() => !document.getElementById("devices").hidden && !document.getElementById("devices").dataset.loading && document.querySelector("#devices tbody tr[data-status]"));

/** A server that logs every request and answers CORS, as the reviewer's "evil" logger did. */
async function startLogger() {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null });
    res.writeHead(req.method === "OPTIONS" ? 204 : 200, {
      "access-control-allow-origin": "*",
      "access-control-allow-headers": "*",
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "content-type": "application/json",
    });
    res.end(req.method === "OPTIONS" ? "" : "{}");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

test("finding 1: a link's baseUrl cannot send the console key elsewhere; the gateway's own URL, operationId and pollMs still work", { timeout: 30000 }, async () => {
  const logger = await startLogger();
  try {
    await withPage(stack, async ({ page, seen }) => {
      await openConsole(stack, page, `?baseUrl=${encodeURIComponent(logger.url)}&appKey=evil&operationId=fw-now-devices`);
      assert.equal(await page.inputValue("#base-url"), stack.gatewayUrl, "the field keeps the gateway URL of the page's config");
      assert.equal(await page.inputValue("#operation-id"), "fw-now-devices", "operationId still fills in the field");
      const note = page.locator("#base-url-note");
      assert.equal(await note.isVisible(), true, "the ignored baseUrl is said, not dropped silently");
      assert.match(await note.textContent(), /ignored/);
      assert.ok((await note.textContent()).includes(logger.url), "the note names what was asked for");
      await connect(stack, page);
      await page.waitForFunction(() => document.getElementById("picker-note").textContent.includes("on the platform"));
      await query(page, "fw-now-devices");
      assert.equal(await page.textContent("#task-title"), "fw-now-devices");
      assert.deepEqual(logger.seen, [], "nothing, and no console key, went to the link's server");
      await screenshot(page, "review13-crafted-link");
      assert.deepEqual(seen.errors, []);
    });
    // The gateway's own URL in a link is fine (and no note).
    await withPage(stack, async ({ page }) => {
      await openConsole(stack, page, `?baseUrl=${encodeURIComponent(`${stack.gatewayUrl}/`)}&pollMs=250`);
      assert.equal(await page.inputValue("#base-url"), stack.gatewayUrl);
      assert.equal(await page.locator("#base-url-note").isVisible(), false);
    });
  } finally {
    await logger.close();
  }
});

test("finding 9: one heading says Devices; the devices table's scroller takes focus, with a name, and scrolls from the keyboard at 375 px", { timeout: 30000 }, async () => {
  await withPage(stack, { viewport: { width: 375, height: 800 } }, async ({ page, seen }) => {
    await openConnected(stack, page);
    await query(page, "demo-hostile"); // long device ids: the table is wider than a phone
    await devicesLoaded(page);
    const headings = await page.$$eval("#task h3, #devices h3", (hs) => hs.map((x) => x.textContent));
    assert.equal(headings.filter((t) => t === "Devices").length, 1, `headings: ${headings.join(" | ")}`);
    assert.equal(await page.textContent("#progress-title"), "Device progress");
    const scroller = page.locator(".devices-scroll");
    assert.equal(await scroller.getAttribute("tabindex"), "0");
    assert.ok(((await scroller.getAttribute("aria-label")) ?? "").length > 5, "the scroller has an accessible name");
    // Tab from the filter lands on the scroller (the pager comes after it).
    await page.focus("#devices-status");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains("devices-scroll")), true);
    const wide = await scroller.evaluate((el) => el.scrollWidth > el.clientWidth);
    assert.ok(wide, "at 375 px the table is wider than its scroller");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => document.querySelector(".devices-scroll").scrollLeft > 0);
    const box = await scroller.boundingBox();
    await screenshot(page, "review13-375-scroller-focus", { fullPage: false, clip: { x: Math.max(0, box.x - 8), y: Math.max(0, box.y - 8), width: Math.min(375, box.width + 16), height: Math.min(300, box.height + 16) } });
    assert.deepEqual(seen.errors, []);
  });
});

test("finding 7: the error cards say what to do in the console's words, the package's text kept as the detail", { timeout: 40000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConsole(stack, page);
    const card = page.locator("#errors .error-card"); // (the task list shows its own)
    const hint = () => card.locator(".hint").textContent();
    const detail = () => card.locator(".error-message").textContent();

    // A refused console key (401 from the gateway): no "getAccessToken", no "log in".
    await page.fill("#console-key", "not-the-console-key");
    await query(page, "fw-now-devices");
    assert.equal(await card.getAttribute("data-kind"), "unauthorized");
    assert.match(await hint(), /console key/);
    assert.doesNotMatch(await hint(), /getAccessToken|log in/);
    assert.match(await detail(), /getAccessToken/, "the package's hint stays visible as the detail");
    assert.match(await page.textContent("#session"), /refused/, "the card and the note under the key agree");

    // A Gateway URL that is no URL: the field's name, not options.baseUrl or `problems`.
    await connect(stack, page);
    await page.fill("#base-url", "not a url");
    await query(page, "fw-now-devices");
    assert.equal(await card.getAttribute("data-kind"), "invalid_argument");
    assert.match(await hint(), /Gateway URL/);
    assert.doesNotMatch(await hint(), /problems|options\.baseUrl/);
    assert.match(await card.locator(".problems").textContent(), /Gateway URL/);

    // http://[::1] is blocked by the page's CSP: it says so, not "check CORS".
    await page.fill("#base-url", stack.gatewayUrl.replace("127.0.0.1", "[::1]"));
    await query(page, "fw-now-devices");
    assert.equal(await card.getAttribute("data-kind"), "network");
    assert.match(await hint(), /security policy/);
    assert.match(await hint(), /127\.0\.0\.1/);
    await screenshot(page, "review13-hint-ipv6");

    // A timeout: nothing to set here, so retry / check the gateway; other kinds keep the package's hint.
    const hints = await page.evaluate(async () => {
      const { consoleHint } = await import("/js/format.js");
      return {
        timeout: consoleHint({ kind: "timeout" }, { timeoutMs: 15000 }),
        notFound: consoleHint({ kind: "not_found" }),
      };
    });
    assert.match(hints.timeout, /15 s/);
    assert.match(hints.timeout, /Retry/);
    assert.doesNotMatch(hints.timeout, /timeoutMs|attemptTimeoutMs|allow more time/);
    assert.equal(hints.notFound, null, "the package's own hint where it speaks to the operator");
    assert.deepEqual(seen.errors, []);
  });
});

/** A task of 1000 devices, processing, `k` steps along (platform JSON; done-cases' task, grown). */
const big = (k) => ({
  ...ALMOST_DONE,
  operationId: "big-1000",
  targets: { ...ALMOST_DONE.targets, deviceGroups: ["fleet-1000"] },
  staResult: { total: 1000, wait: 990 - 20 * k, processing: 10, success: 20 * k, fail: 0, stop: 0, timeout: 0 },
});

test("finding 3: watching a task of 1000 devices whose counts keep changing asks for a bounded number of subtask pages; the polls go on", { timeout: 40000 }, async () => {
  stack.sim.setTask("big-1000", big(0));
  let changer = null;
  try {
    await withPage(stack, async ({ page, seen }) => {
      await openConnected(stack, page);
      const subtaskCalls = () => stack.sim.requests().filter((r) => r.path.includes("/big-1000/subOperations")).length;
      const polls = () => stack.sim.requests().filter((r) => r.path.endsWith("/operations/big-1000")).length;
      const calls0 = subtaskCalls();
      const polls0 = polls();
      await page.fill("#operation-id", "big-1000");
      await page.click("#watch-button");
      await devicesLoaded(page);
      // The counts change every 300 ms for 6 s (the page polls every 200 ms).
      let k = 0;
      changer = setInterval(() => stack.sim.setTask("big-1000", big(Math.min(++k, 20))), 300);
      await page.waitForTimeout(6000);
      clearInterval(changer);
      stack.sim.setTask("big-1000", big(20));
      const calls = subtaskCalls() - calls0;
      // Before: a walk of 10 pages at every change (about 20 changes): well over 100 requests.
      // Now: the page on screen at the start, and at most one more every 10 s.
      assert.ok(calls >= 1 && calls <= 4, `subtask requests during the watch: ${calls}`);
      assert.ok(polls() - polls0 >= 10, `the task polls went on: ${polls() - polls0}`);
      await page.waitForFunction(() => /^400 of 1,000 devices done/.test(document.querySelector(".progress-headline").textContent));
      assert.match(await page.textContent("#devices-note"), /while the task is watched/);
      assert.equal(await page.locator("#devices tbody tr[data-status]").count(), 50, "the page on screen");
      await screenshot(page, "review13-big-watch");
      await page.click("#watch-button");
      assert.deepEqual(seen.errors, []);
    });
  } finally {
    clearInterval(changer);
    stack.sim.deleteTask("big-1000");
  }
});

test("finding 4: after a devices error the pager is disabled, and querying the same task again loads the devices", { timeout: 40000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    stack.sim.setFault("status=503", { operationId: "sw-group-online", route: "subtasks", count: 20 });
    await page.fill("#operation-id", "sw-group-online");
    await page.click("#query-button");
    await page.waitForFunction(() => /^Devices:/.test(document.querySelector(".error-card .error-title")?.textContent ?? ""), null, { timeout: 20000 });
    assert.equal(await page.isDisabled("#devices-prev"), true);
    assert.equal(await page.isDisabled("#devices-next"), true);
    assert.match(await page.textContent("#devices tbody"), /could not be loaded/);
    await screenshot(page, "review13-devices-error");

    stack.sim.clearFaults();
    const subtaskCalls = () => stack.sim.requests().filter((r) => r.path.includes("/sw-group-online/subOperations")).length;
    const before = subtaskCalls();
    await page.click("#query-button");
    await devicesLoaded(page);
    assert.ok(subtaskCalls() > before, "the new Query asked for the devices again");
    assert.equal(await page.locator("#devices tbody tr[data-status]").count(), 40);
    assert.equal(await page.locator(".error-card").count(), 0);
    assert.equal(await page.textContent("#devices-page"), "Page 1 of 1");
    assert.equal(await page.isDisabled("#devices-next"), true, "one page: nothing next");
    assert.deepEqual(seen.errors, []);
  }).finally(() => stack.sim.clearFaults());
});

test("finding 5: a running query is cancelled by Escape or the Cancel button, and another id's Enter replaces it", { timeout: 40000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    stack.sim.setFault("hang-headers", { operationId: "sw-stopped", route: "task" });
    const idle = () => page.waitForFunction(() => document.body.dataset.busy === "", null, { timeout: 5000 });

    // Escape.
    await page.fill("#operation-id", "sw-stopped");
    await page.press("#operation-id", "Enter");
    await page.waitForSelector("#cancel-button:not([hidden])");
    await page.keyboard.press("Escape");
    await idle();
    assert.match(await page.textContent("#status"), /^Cancelled: sw-stopped was not loaded\.$/);
    assert.equal(await page.locator(".error-card").count(), 0, "cancelling is not an error");
    assert.equal(await page.isHidden("#cancel-button"), true);

    // The Cancel button, from the keyboard: focus lands on Query beside it, visibly.
    await page.click("#query-button");
    await page.waitForSelector("#cancel-button:not([hidden])");
    await screenshot(page, "review13-query-running");
    await page.focus("#cancel-button");
    await page.keyboard.press("Enter");
    await idle();
    assert.match(await page.textContent("#status"), /^Cancelled/);
    assert.equal(await page.evaluate(() => document.activeElement.id), "query-button");
    assert.equal(await page.locator(".error-card").count(), 0);

    // A new Enter with another id while one runs: the running query is cancelled, the new one loads.
    await page.click("#query-button");
    await page.waitForSelector("#cancel-button:not([hidden])");
    await page.fill("#operation-id", "fw-now-devices");
    await page.press("#operation-id", "Enter");
    await page.waitForSelector("#task:not([hidden]) #task-title", { timeout: 5000 });
    assert.equal(await page.textContent("#task-title"), "fw-now-devices");
    await idle();
    assert.match(await page.textContent("#status"), /^Loaded fw-now-devices/);
    assert.equal(await page.locator(".error-card").count(), 0);
    assert.deepEqual(seen.errors, []);
  }).finally(() => stack.sim.clearFaults());
});

test("finding 6: a failed page of the task list shows its typed error and a Retry; the page number and the pager stay", { timeout: 40000 }, async () => {
  const extra = Array.from({ length: 60 }, (_, i) => `list-${String(i).padStart(2, "0")}`);
  for (const id of extra) stack.sim.setTask(id, { ...big(0), operationId: id, staResult: { total: 1, wait: 1, processing: 0, success: 0, fail: 0, stop: 0, timeout: 0 } });
  try {
    await withPage(stack, async ({ page, seen }) => {
      await openConnected(stack, page);
      await page.waitForFunction(() => document.getElementById("list-page").textContent === "Page 1 of 2");
      stack.sim.setFault("status=503", { route: "list", count: 50 });
      await page.click("#list-next");
      const box = page.locator("#list-error");
      await box.locator(".error-card").waitFor({ timeout: 20000 });
      assert.match(await box.locator(".error-title").textContent(), /^Task list: The platform had an error$/);
      assert.ok((await box.locator(".hint").textContent()).length > 15, "what to do");
      assert.equal(await box.locator("dd[data-field='http-status']").textContent(), "503");
      assert.equal(await page.textContent("#list-page"), "Page 2 of 2", "the page number stays");
      assert.equal(await page.isDisabled("#list-prev"), false, "Previous still goes back");
      assert.equal(await page.isDisabled("#list-next"), true, "page 2 is the last");
      await screenshot(page, "review13-list-error");

      stack.sim.clearFaults();
      await box.locator("#list-retry").focus();
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => document.getElementById("list-error").hidden && !document.getElementById("picker").disabled);
      assert.equal(await page.textContent("#list-page"), "Page 2 of 2");
      const listed = await page.$$eval("#picker option", (os) => os.map((o) => o.value).filter(Boolean));
      assert.equal(listed.length, 71 - 50, "the second page");
      assert.equal(await page.evaluate(() => document.activeElement.id), "picker", "focus goes on to what Retry loaded");
      assert.deepEqual(seen.errors, []);
    });
  } finally {
    stack.sim.clearFaults();
    for (const id of extra) stack.sim.deleteTask(id);
  }
});

test("finding 8: a watch that ends in an error marks the task it showed as stale, as a failed query of it does", { timeout: 40000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    stack.sim.restartTask("demo-progress-failed", { progressMs: 60000 });
    await page.fill("#operation-id", "demo-progress-failed");
    await page.click("#watch-button");
    await page.waitForSelector("#task-status[data-status]");
    await devicesLoaded(page);
    assert.equal(await page.isHidden("#task-stale"), true, "a fresh answer is not stale");
    stack.sim.setFault("status=404", { operationId: "demo-progress-failed", route: "task" });
    await page.waitForFunction(() => /^Watch: Task not found/.test(document.querySelector(".error-card .error-title")?.textContent ?? ""), null, { timeout: 15000 });
    const note = page.locator("#task-stale");
    assert.equal(await note.isVisible(), true, "the old panel says it is stale");
    assert.match(await note.textContent(), /^As of \d{1,2}:\d{2}:\d{2}( [AP]M)?, the watch ended: Task not found\./);
    assert.equal(await page.getAttribute("#task", "data-stale"), "true");
    assert.equal(await page.getAttribute("#devices", "data-stale"), "true");
    assert.match(await page.textContent("#devices-note"), /^As of .*the watch ended/);
    await screenshot(page, "review13-watch-404-stale");

    // A query of it that fails says the same; one that works clears the mark.
    await page.click("#query-button");
    await page.waitForFunction(() => /^Query: Task not found/.test(document.querySelector(".error-card .error-title")?.textContent ?? ""));
    assert.match(await note.textContent(), /querying it again failed: Task not found/);
    stack.sim.clearFaults();
    await page.waitForTimeout(150); // the gateway's cache of the 404 (100 ms here)
    await query(page, "demo-progress-failed");
    await page.waitForFunction(() => document.getElementById("task-stale").hidden && !document.getElementById("task").dataset.stale);
    assert.equal(await page.locator(".error-card").count(), 0);
    assert.deepEqual(seen.errors, []);
  }).finally(() => {
    stack.sim.clearFaults();
    stack.sim.restartTask("demo-progress-failed", { progressMs: 4000 });
  });
});
