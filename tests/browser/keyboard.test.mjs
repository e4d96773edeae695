// Keyboard only: the main flow (console key, choose a task, query, open the raw JSON, watch) with
// Tab, arrow keys, Enter and Space, with a visible focus ring all the way.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openConsole, startStack, withPage } from "./helpers.mjs";

let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

/** The focused element: its id (or tag) and whether it shows a focus outline. */
const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    const style = el ? getComputedStyle(el) : null;
    return {
      id: el?.id || el?.tagName.toLowerCase(),
      ring: style ? style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 : false,
      visible: el ? el.matches(":focus-visible") : false,
    };
  });

/** Presses Tab until `id` has the focus; returns the ids passed on the way. */
async function tabTo(page, id, max = 30) {
  const path = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    path.push(f.id);
    assert.ok(f.ring && f.visible, `focus is visible on ${f.id}`);
    if (f.id === id) return path;
  }
  assert.fail(`Tab never reached #${id}: ${path.join(" → ")}`);
}

test("the whole flow works with the keyboard alone", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConsole(stack, page);
    await page.waitForSelector("#picker:not([disabled])");

    // Tab order follows the page: skip link, connection fields, task fields.
    const path = await tabTo(page, "console-key");
    assert.deepEqual(path, ["a", "base-url", "console-key"]);
    await page.keyboard.type(stack.consoleKey);
    await page.waitForSelector("#session[data-state='ok']");
    // Enter in the connection panel moves on to the task.
    await page.keyboard.press("Enter");
    assert.equal((await focused(page)).id, "operation-id");

    assert.deepEqual(await tabTo(page, "picker"), ["picker"]);
    // Arrow keys choose a demo task; that fills in the operation id.
    await page.keyboard.press("ArrowDown");
    const chosen = await page.inputValue("#picker");
    assert.ok(chosen, "a task was chosen with the arrow key");
    assert.equal(await page.inputValue("#operation-id"), chosen);
    // Go back to the id, type another one, press Enter: the form submits the query.
    await page.keyboard.press("Shift+Tab");
    assert.equal((await focused(page)).id, "operation-id");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("fw-now-devices");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#task-status[data-status='success']");
    assert.match(await page.textContent("#status"), /Loaded fw-now-devices: Success, 3 of 3 devices done/);

    // Onwards into the task: the devices list's summary, then the raw JSON toggle.
    const into = await tabTo(page, "raw-toggle");
    assert.deepEqual(into.slice(0, 3), ["picker", "query-button", "watch-button"]);
    assert.ok(into.includes("summary"), `the devices list can be toggled from the keyboard: ${into}`);
    await page.keyboard.press("Enter");
    assert.equal(await page.getAttribute("#raw-toggle", "aria-expanded"), "true");
    assert.equal(await page.isVisible("#raw-json"), true);
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).id, "raw-json", "the JSON can be scrolled from the keyboard");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Space");
    assert.equal(await page.isVisible("#raw-json"), false);

    // Watch with Space on the Watch button; a finished task ends the watch at once.
    await page.keyboard.press("Shift+Tab"); // leave the task…
    await page.focus("#watch-button"); // (Shift+Tab back through the task would work too)
    await page.keyboard.press("Space");
    await page.waitForFunction(() => /^Finished: fw-now-devices ended Success/.test(document.getElementById("status").textContent));
    assert.equal(await page.getAttribute("#watch-button", "aria-pressed"), "false");

    // Skip link: Enter on it moves the focus to the task form.
    await page.focus("#base-url");
    await page.keyboard.press("Shift+Tab");
    assert.equal((await focused(page)).id, "a");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).id, "operation-id");
    assert.deepEqual(seen.errors, []);
  });
});

test("every control has a label, and live regions announce status and errors", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page }) => {
    await openConsole(stack, page);
    const unlabelled = await page.$$eval("input, select, button", (els) =>
      els.filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.textContent.trim())).map((el) => el.id || el.outerHTML),
    );
    assert.deepEqual(unlabelled, []);
    assert.equal(await page.getAttribute("#status", "role"), "status");
    assert.equal(await page.getAttribute("#status", "aria-live"), "polite");
    assert.equal(await page.getAttribute("#errors", "role"), "alert");
    assert.equal(await page.getAttribute("html", "lang"), "en");
  });
});
