// The console's task list and devices table (issue 14) in a real Chromium, through the console
// gateway: the picker is the platform's own task list (filters, paging), a task's devices come
// from its subtasks (failed first, a count per status that matches staResult, the platform's
// reason), they change while a progressing task is watched, hostile text stays text, and the
// whole of it works from the keyboard.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { legendCounts, openConnected, screenshot, startStack, withPage } from "./helpers.mjs";

let stack;
before(async () => {
  stack = await startStack({ progressMs: 4000 });
});
after(async () => {
  await stack?.close();
});

const listed = (page) => page.$$eval("#picker option", (os) => os.map((o) => o.value).filter(Boolean));
const devicesLoaded = (page) => page.waitForFunction(() => !document.getElementById("devices").hidden && !document.getElementById("devices").dataset.loading && document.querySelector("#devices tbody tr"));
const rows = (page) => page.$$eval("#devices tbody tr[data-status]", (rs) => rs.map((r) => ({ device: r.dataset.device, status: r.dataset.status, reason: r.querySelector(".reason").textContent })));

test("the picker lists the platform's tasks; its filters ask the platform; a task's failed devices show the platform's reason", { timeout: 60000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    await page.waitForFunction(() => document.getElementById("picker-note").textContent.includes("on the platform"));
    assert.deepEqual((await listed(page)).sort(), stack.sim.tasks().map((t) => t.operationId).sort(), "every task the platform lists");
    assert.equal(await page.textContent("#list-page"), "Page 1 of 1");

    await page.selectOption("#list-status", "failed");
    // Only failed tasks (fw-256-devices, and any progressing task an earlier test watched to its end).
    await page.waitForFunction(() => {
      const options = [...document.querySelectorAll("#picker option")].filter((o) => o.value);
      return options.length > 0 && options.length < 11 && options.every((o) => o.textContent.endsWith("· Failed"));
    });
    assert.ok((await listed(page)).includes("fw-256-devices"));
    const asked = stack.sim.requests().filter((r) => r.path.endsWith("/operations")).at(-1);
    assert.match(asked.url, /operationStatus=failed/, "the filter went to the platform (through the gateway)");

    await page.selectOption("#picker", "fw-256-devices");
    await page.click("#query-button");
    await devicesLoaded(page);
    // All devices, failed first: 4 failed, then 2 timed out, then the 250 that succeeded.
    const first = await rows(page);
    assert.equal(first.length, 50, "50 rows a page");
    assert.deepEqual(
      first.slice(0, 7).map((r) => r.status),
      ["failed", "failed", "failed", "failed", "timeout", "timeout", "success"],
    );
    assert.equal(await page.textContent("#devices-page"), "Page 1 of 6");
    // The filter's counts are the task's staResult.
    const counts = await page.$$eval("#devices-status option[data-count]", (os) => Object.fromEntries(os.map((o) => [o.value, Number(o.dataset.count)])));
    const legend = await legendCounts(page);
    assert.deepEqual(counts, { failed: legend.fail, timeout: legend.timeout, stop: legend.stop, processing: legend.processing, wait: legend.wait, success: legend.success });

    await page.selectOption("#devices-status", "failed");
    await page.waitForFunction(() => document.getElementById("devices-note").textContent.startsWith("4 failed devices"));
    const failed = await rows(page);
    assert.equal(failed.length, 4);
    assert.ok(failed.every((r) => r.status === "failed" && r.reason.length > 10), JSON.stringify(failed));
    assert.ok(stack.sim.requests().some((r) => r.url.includes("/fw-256-devices/subOperations?subOperationStatus=fail")), "status failed goes out as fail");
    await screenshot(page, "devices-failed");

    await page.selectOption("#devices-status", "");
    await devicesLoaded(page);
    await page.click("#devices-next");
    await page.waitForFunction(() => document.getElementById("devices-page").textContent === "Page 2 of 6");
    assert.ok((await rows(page)).every((r) => r.status === "success"));
    assert.deepEqual(seen.errors, []);
  });
});

test("watching a progressing task: its devices move with the counts", { timeout: 60000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    stack.sim.restartTask("demo-progress-failed", { progressMs: 4000 });
    await openConnected(stack, page);
    await page.fill("#operation-id", "demo-progress-failed");
    await page.click("#watch-button");
    await devicesLoaded(page);
    const statusesSeen = new Set();
    const deadline = Date.now() + 20000;
    let ended = false;
    while (Date.now() < deadline && !ended) {
      for (const r of await rows(page)) statusesSeen.add(r.status);
      ended = (await page.getAttribute("#task-status", "data-status")) === "failed";
      await page.waitForTimeout(150);
    }
    assert.ok(ended, "the task ended");
    await page.waitForFunction(() => !document.getElementById("devices").dataset.loading);
    await page.waitForTimeout(300);
    await page.waitForFunction(() => !document.getElementById("devices").dataset.loading);
    const final = await rows(page);
    assert.ok(!final.some((r) => r.status === "processing" || r.status === "wait"), "at the end no device is still going");
    assert.ok(statusesSeen.has("processing") || statusesSeen.has("wait"), `devices were seen moving: ${[...statusesSeen]}`);
    assert.equal(final[0].status, "failed", "failed first");
    const counts = await page.$$eval("#devices-status option[data-count]", (os) => Object.fromEntries(os.map((o) => [o.value, Number(o.dataset.count)])));
    const all = (await page.textContent("#devices-note")).match(/^(\d+) devices/);
    assert.equal(Number(all[1]), Object.values(counts).reduce((a, b) => a + b, 0), "the rows walked are the counts' sum");
    await screenshot(page, "devices-watched");
    assert.deepEqual(seen.errors, []);
  });
});

test("a hostile detailInfo and device id are rendered as text", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    await page.fill("#operation-id", "demo-hostile");
    await page.click("#query-button");
    await devicesLoaded(page);
    const text = await page.textContent("#devices tbody");
    assert.match(text, /<script>alert\(1\)<\/script>/);
    assert.match(text, /<img src=x onerror=alert\(1\)>/);
    assert.equal(await page.locator("#devices script, #devices img, #devices svg, #devices a").count(), 0, "nothing became markup");
    assert.ok((await page.locator("#devices .ctl").count()) > 0, "the RTL override is shown, not obeyed");
    assert.deepEqual(seen.dialogs, []);
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    await page.waitForFunction(() => document.getElementById("picker-note").textContent.includes("on the platform"));
    await screenshot(page, "devices-hostile");
  });
});

test("the devices table from the keyboard: filter with the arrow keys, page with Enter", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page }) => {
    await openConnected(stack, page);
    await page.fill("#operation-id", "fw-256-devices");
    await page.press("#operation-id", "Enter");
    await devicesLoaded(page);
    await page.focus("#devices-status");
    await page.keyboard.press("ArrowDown"); // All → Failed
    await page.waitForFunction(() => document.getElementById("devices-note").textContent.startsWith("4 failed devices"));
    await page.keyboard.press("ArrowDown"); // → Timed out
    await page.waitForFunction(() => document.getElementById("devices-note").textContent.startsWith("2 timed out devices"));
    assert.deepEqual(
      (await rows(page)).map((r) => r.status),
      ["timeout", "timeout"],
    );
    await page.keyboard.press("Home"); // → All
    await devicesLoaded(page);
    await page.focus("#devices-next");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.getElementById("devices-page").textContent === "Page 2 of 6");
    assert.equal(await page.evaluate(() => document.activeElement.id), "devices-next");
  });
});
