// What the fifteenth session's newcomer review of the console found, each driven in a real
// Chromium through the console gateway.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openConnected, openConsole, query, startStack, withPage } from "./helpers.mjs";

let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

test("a platform 403 that is not the key's (100203) does not tell the operator to paste another console key", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    stack.sim.setFault("status=403;code=100203", { operationId: "sw-stopped" });
    try {
      await query(page, "sw-stopped");
      const card = page.locator("#errors .error-card");
      assert.equal(await card.getAttribute("data-kind"), "unauthorized");
      const hint = await card.locator(".hint").textContent();
      assert.doesNotMatch(hint, /paste the key|console key field/i, hint);
      assert.match(hint, /console key was accepted/i, hint);
      assert.match(hint, /100203/, "the platform's code is named");
      assert.equal(await page.getAttribute("#session", "data-state"), "ok", "the key is still the one in use");
    } finally {
      stack.sim.clearFaults();
    }
    await query(page, "fw-now-devices"); // the key's own refusal keeps its own words
    await page.fill("#console-key", "not-the-gateway-key");
    await query(page, "fw-now-devices");
    assert.match(await page.locator("#errors .error-card .hint").textContent(), /paste the key the gateway was started with/);
    assert.deepEqual(seen.errors, []);
  });
});

test("the status line does not keep 'No console key yet' once a key is typed; a refused key says so there too", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConsole(stack, page);
    await page.fill("#operation-id", "fw-now-devices");
    await page.click("#query-button");
    assert.match(await page.textContent("#status"), /No console key yet/);
    await page.fill("#console-key", "a-wrong-console-key");
    await page.waitForFunction(() => document.getElementById("picker-note").textContent.includes("refused"));
    const status = await page.textContent("#status");
    assert.doesNotMatch(status, /No console key yet/, status);
    assert.match(status, /refused this console key/, status);
    assert.deepEqual(seen.errors, []);
  });
});

test("paging to the end of the task list or of the devices keeps the keyboard focus on the pager, and the list's page is announced", { timeout: 40000 }, async (t) => {
  for (let i = 0; i < 45; i += 1) {
    const id = `bulk-${String(i).padStart(2, "0")}`;
    stack.sim.setTask(id, { operationId: id, createTime: "20230101T000000Z", operateType: "firmware_upgrade", status: "wait", targets: { devices: ["d-1"] }, staResult: { total: 1, wait: 1 } });
  }
  t.after(() => stack.sim.reset());
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    await page.waitForFunction(() => /Page 1 of 2/.test(document.getElementById("list-page").textContent));
    assert.equal(await page.getAttribute("#list-page", "aria-live"), "polite");
    await page.focus("#list-next");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => /Page 2 of 2/.test(document.getElementById("list-page").textContent));
    assert.equal(await page.isDisabled("#list-next"), true);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "list-prev", "Next is disabled: focus moves to Previous, not to the page");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => /Page 1 of 2/.test(document.getElementById("list-page").textContent));
    assert.equal(await page.evaluate(() => document.activeElement?.id), "list-next", "and back");

    await query(page, "fw-256-devices");
    await page.waitForFunction(() => /Page 1 of \d+/.test(document.getElementById("devices-page")?.textContent ?? ""));
    const pages = Number((await page.textContent("#devices-page")).match(/of (\d+)/)[1]);
    assert.ok(pages > 1, `${pages} pages`);
    await page.focus("#devices-next");
    for (let p = 2; p <= pages; p += 1) {
      await page.keyboard.press("Enter");
      await page.waitForFunction((n) => document.getElementById("devices-page").textContent.startsWith(`Page ${n} `), p);
    }
    assert.equal(await page.isDisabled("#devices-next"), true);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "devices-prev");
    assert.deepEqual(seen.errors, []);
  });
});

test("at a phone's width (390 px) each task-list filter's label stays on the line of its select", { timeout: 30000 }, async () => {
  await withPage(stack, { viewport: { width: 390, height: 844 } }, async ({ page, seen }) => {
    await openConsole(stack, page);
    for (const id of ["list-status", "list-type"]) {
      const label = await page.locator(`label[for='${id}']`).boundingBox();
      const select = await page.locator(`#${id}`).boundingBox();
      const middle = label.y + label.height / 2;
      assert.ok(middle > select.y && middle < select.y + select.height, `${id}: label at y ${label.y}, its select at y ${select.y}`);
      assert.ok(label.x < select.x, `${id}: the label comes before its select`);
    }
    assert.deepEqual(seen.errors, []);
  });
});
