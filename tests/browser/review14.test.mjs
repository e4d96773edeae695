// What the fourteenth session's look at the console found, each driven in a real Chromium
// through the console gateway.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openConsole, query, startStack, withPage } from "./helpers.mjs";

// A second way in beside the demo's console key, switched by the test: the gateway's own
// `authorize` hook, as a deployment that rotates its keys has.
let letIn = false;
let stack;
before(async () => {
  stack = await startStack({ gateway: { authorize: () => letIn } });
});
after(async () => {
  await stack?.close();
});

test("a refused key gives one error card, not a second one for the task list; once the same key is accepted, a query lists the tasks again", { timeout: 30000 }, async () => {
  letIn = false;
  await withPage(stack, async ({ page, seen }) => {
    await openConsole(stack, page);
    await page.fill("#console-key", "a-key-the-gateway-learns-later");
    await page.waitForFunction(() => document.getElementById("picker-note").textContent.includes("refused"));
    assert.equal(await page.isHidden("#list-error"), true, "no card for the list");
    assert.equal(await page.isDisabled("#picker"), true);

    await query(page, "fw-now-devices");
    assert.equal(await page.locator(".error-card").count(), 1, "the query's card only");
    assert.equal(await page.locator("#errors .error-card").getAttribute("data-kind"), "unauthorized");

    letIn = true; // the gateway now accepts the same key
    await query(page, "fw-now-devices");
    assert.equal(await page.textContent("#task-title"), "fw-now-devices");
    await page.waitForFunction(() => document.getElementById("picker-note").textContent.includes("on the platform"));
    assert.equal(await page.isDisabled("#picker"), false);
    assert.equal(await page.locator(".error-card").count(), 0);
    assert.deepEqual(seen.errors, []);
  });
});
