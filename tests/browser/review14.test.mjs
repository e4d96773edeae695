// What the fourteenth session's look at the console found, each driven in a real Chromium
// through the console gateway.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openConnected, openConsole, query, startStack, withPage } from "./helpers.mjs";

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

test("a platform 403 on the task list (no right to that API) is the platform's error, with its card and code; the key is not called refused", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    await page.waitForFunction(() => document.getElementById("picker-note").textContent.includes("on the platform"));
    stack.sim.setFault("status=403;code=100203", { route: "list" });
    try {
      await page.selectOption("#list-status", "success"); // asks for the list again
      const box = page.locator("#list-error");
      await box.locator(".error-card").waitFor({ timeout: 10000 });
      assert.equal(await box.locator(".error-card").getAttribute("data-kind"), "unauthorized");
      assert.equal(await box.locator("dd[data-field='platform-code']").textContent(), "100203");
      assert.equal(await page.getAttribute("#session", "data-state"), "ok", "the key is still the one in use");
      assert.doesNotMatch(await page.textContent("#picker-note"), /refused this console key/);
      // A query that works does not ask for the list again (only a refused key does).
      const lists = () => stack.sim.requests().filter((r) => /\/operations(\?|$)/.test(r.path ?? r.url ?? "")).length;
      const before = lists();
      await query(page, "fw-now-devices");
      assert.equal(await page.textContent("#task-title"), "fw-now-devices");
      assert.equal(lists(), before);
    } finally {
      stack.sim.clearFaults();
    }
    assert.deepEqual(seen.errors, []);
  });
});
