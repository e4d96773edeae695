// The demo console in a real Chromium, through the console gateway: connect with a console key,
// pick and query tasks, watch one to its end, errors as the product defines them, local times,
// a phone-sized screen.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { DONE_CASES } from "../done-cases.mjs";
import { simClock } from "../sim-clock.mjs";
import { ROOT, connect, legendCounts, openConnected, openConsole, query, screenshot, startStack, withPage } from "./helpers.mjs";

// The simulator's time moves 250 ms per request it answers (the gateway's own included): a
// watched task (progressMs 3000) waits for 2 of them, processes through 9 and ends at the 12th,
// however slowly Chromium runs.
let stack;
before(async () => {
  stack = await startStack({ progressMs: 3000, sim: simClock({ perRequestMs: 250 }).options });
});
after(async () => {
  await stack?.close();
});

/** The console key as the page holds it (read from the password field, as a user's clipboard would). */
const tokenOf = (page) => page.inputValue("#console-key");

test("connect, pick a demo task, query it: status badge, counts, targets, policy, times, raw JSON", { timeout: 30000 }, async () => {
  // A viewer in Shanghai: the platform's UTC times must be shown in local time (UTC+8).
  await withPage(stack, { timezoneId: "Asia/Shanghai" }, async ({ page, seen }) => {
    await openConsole(stack, page);
    assert.equal(await page.inputValue("#base-url"), stack.gatewayUrl, "the URL defaults to the gateway");
    assert.equal(await page.locator("#secret, #app-key, #login-button").count(), 0, "no secret, app key or login on the page");
    assert.equal(await page.getAttribute("#console-key", "type"), "password");

    // The picker lists the simulator's demo tasks with their descriptions.
    await page.waitForSelector("#picker:not([disabled]) option[value='sw-group-online']", { state: "attached" });
    const listed = await page.$$eval("#picker option", (os) => os.map((o) => o.value).filter(Boolean));
    assert.deepEqual(listed.sort(), stack.sim.tasks().map((t) => t.operationId).sort());

    await connect(stack, page);
    assert.equal(await page.textContent("#session"), "Using this console key for every query.");

    await page.selectOption("#picker", "sw-group-online");
    assert.equal(await page.inputValue("#operation-id"), "sw-group-online", "choosing a task fills in its id");
    await page.click("#query-button");
    await page.waitForSelector("#task:not([hidden]) #task-status");

    assert.equal(await page.textContent("#task-title"), "sw-group-online");
    assert.equal(await page.getAttribute("#task-status", "data-status"), "processing");
    assert.equal(await page.textContent("#task-status"), "Processing");
    assert.match(await page.textContent(".eyebrow"), /Software upgrade/);
    assert.deepEqual(await legendCounts(page), { success: 20, fail: 3, timeout: 2, stop: 0, processing: 5, wait: 10 });
    assert.equal(await page.textContent(".progress-headline"), "25 of 40 devices done (62%)");
    const bar = page.locator("[role=progressbar]");
    assert.equal(await bar.getAttribute("aria-valuenow"), "25");
    assert.equal(await bar.getAttribute("aria-valuemax"), "40");
    // Segment widths follow the counts (success 20/40 = half the bar).
    const widths = await page.$$eval(".seg", (segs) => Object.fromEntries(segs.map((s) => [s.dataset.bucket, s.style.width])));
    assert.deepEqual(widths, { success: "50%", fail: "7.5%", timeout: "5%", stop: "0%", processing: "12.5%", wait: "25%" });

    // Targets, policy, extendPara.
    assert.deepEqual(await page.$$eval("ul[data-list=groups] li", (l) => l.map((x) => x.textContent)), ["warehouse-north", "warehouse-south"]);
    const text = await page.textContent("#task");
    for (const s of ["WaterMeter", "WM-200", "Acme Metering", "When each device comes online", "Yes, up to 3 times", "app-4.7.1", "packageSize", "1048576"]) {
      assert.ok(text.includes(s), `the task view shows ${s}`);
    }
    // createTime 2024-03-02T09:30:00Z is 17:30 in Shanghai, with a relative time beside it.
    const created = page.locator("time[datetime='2024-03-02T09:30:00Z']");
    assert.match(await created.textContent(), /05:30:00\s?PM/);
    assert.match(await created.getAttribute("title"), /2024-03-02T09:30:00Z \(UTC\)/);
    assert.match(await page.locator(".relative").first().textContent(), /\((\d+|a|an|last) .*ago\)|\(last year\)/);

    // Raw JSON toggle: hidden, shown, and it is the normalised task.
    assert.equal(await page.isVisible("#raw-json"), false);
    assert.equal(await page.getAttribute("#raw-toggle", "aria-expanded"), "false");
    await screenshot(page, "task-view");
    await page.click("#raw-toggle");
    assert.equal(await page.getAttribute("#raw-toggle", "aria-expanded"), "true");
    const raw = JSON.parse(await page.textContent("#raw-json"));
    assert.equal(raw.operationId, "sw-group-online");
    assert.equal(raw.createTime, "2024-03-02T09:30:00Z");
    assert.deepEqual(raw.staResult, { total: 40, wait: 10, processing: 5, success: 20, fail: 3, stop: 0, timeout: 2 });

    // The status line announced it (role=status).
    assert.match(await page.textContent("#status"), /Loaded sw-group-online: Processing, 25 of 40 devices done/);
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__violations), [], "no CSP violation in normal use");
  });
});

test("devices done are the CLI's: stopped devices are not done, the percentage rounds down", { timeout: 30000 }, async () => {
  // The same table as the CLI's test (tests/cli/get.test.mjs): `get` prints "X of Y done (Z%)".
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    for (const c of DONE_CASES) {
      if (c.body) stack.sim.setTask(c.id, c.body);
      await query(page, c.id);
      const headline = `${c.done} of ${c.total} devices done (${c.percent}%)`;
      assert.equal(await page.textContent(".progress-headline"), headline, `${c.id} (the console showed ${c.was})`);
      const bar = page.locator("[role=progressbar]");
      assert.equal(await bar.getAttribute("aria-valuenow"), String(c.done), c.id);
      assert.equal(await bar.getAttribute("aria-valuetext"), headline, c.id);
      assert.match(await page.textContent("#status"), new RegExp(`^Loaded ${c.id}: \\w+, ${c.done} of ${c.total} devices done \\(${c.percent}%\\)\\.$`), c.id);
    }
    assert.deepEqual(seen.errors, []);
  });
});

test("long target lists are collapsed with their count, and open on demand", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page }) => {
    await openConnected(stack, page);
    await query(page, "fw-256-devices");
    assert.equal(await page.getAttribute("#task-status", "data-status"), "failed");
    assert.equal(await page.textContent("#task-status"), "Failed");
    const box = page.locator("details[data-list=devices]");
    assert.equal(await box.evaluate((d) => d.open), false, "256 devices start collapsed");
    assert.match(await box.locator("summary").textContent(), /Devices\s+\(256\)/);
    assert.equal(await page.locator("ul[data-list=devices] li").count(), 256);
    await box.locator("summary").click();
    assert.equal(await box.evaluate((d) => d.open), true);
    assert.equal(await page.locator("ul[data-list=devices] li").last().textContent(), "device-255");
    assert.deepEqual(await legendCounts(page), { success: 250, fail: 4, timeout: 2, stop: 0, processing: 0, wait: 0 });

    // A short list is open from the start.
    await query(page, "fw-now-devices");
    assert.equal(await page.locator("details[data-list=devices]").evaluate((d) => d.open), true);
    assert.equal(await page.textContent("#task-status"), "Success");
  });
});

test("watch mode polls a progressing task until it ends, animating the progress", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    await page.fill("#operation-id", "demo-progress-success");
    // Record every value the progress bar and the badge take while watching.
    await page.evaluate(() => {
      window.__progress = [];
      new MutationObserver(() => {
        const bar = document.querySelector("#task [role=progressbar]");
        const badge = document.getElementById("task-status");
        if (bar && badge) {
          const v = `${badge.dataset.status}:${bar.getAttribute("aria-valuenow")}`;
          if (window.__progress.at(-1) !== v) window.__progress.push(v);
        }
      }).observe(document.getElementById("task"), { subtree: true, attributes: true, childList: true, characterData: true });
    });
    stack.sim.restartTask("demo-progress-success", { progressMs: 3000 });
    await page.click("#watch-button");
    assert.equal(await page.getAttribute("#watch-button", "aria-pressed"), "true");
    assert.equal(await page.textContent("#watch-button"), "Stop watching");

    await page.waitForSelector("#task-status[data-status='processing']");
    await page.waitForFunction(() => Number(document.querySelector("[role=progressbar]").getAttribute("aria-valuenow")) > 0);
    assert.ok(await page.locator("#task.watching").count(), "the processing segment animates while watching");
    // The note tells when the task last changed (onProgress comes on changes, not on every poll).
    assert.match(await page.textContent("#watch-note"), /^Watching until it ends; last change at \d{1,2}:\d{2}:\d{2}( [AP]M)?\.$/);
    await screenshot(page, "watching");

    await page.waitForSelector("#task-status[data-status='success']", { timeout: 10000 });
    await page.waitForFunction(() => document.getElementById("watch-button").getAttribute("aria-pressed") === "false");
    assert.equal(await page.textContent("#task-status"), "Success");
    assert.equal(await page.textContent(".progress-headline"), "24 of 24 devices done (100%)");
    assert.deepEqual(await legendCounts(page), { success: 24, fail: 0, timeout: 0, stop: 0, processing: 0, wait: 0 });
    assert.match(await page.textContent("#status"), /^Finished: demo-progress-success ended Success, 24 of 24 devices done/);
    assert.equal(await page.locator("#task.watching").count(), 0);
    assert.ok(await page.locator("time[datetime]").count() >= 3, "created, started and stopped times are shown");

    const progress = await page.evaluate(() => window.__progress);
    assert.equal(progress.at(-1), "success:24");
    const done = progress.filter((v) => v.startsWith("processing:")).map((v) => Number(v.split(":")[1]));
    assert.ok(new Set(done).size >= 2, `the bar moved through several values while processing: ${progress.join(" → ")}`);
    assert.ok(done.every((n, i) => i === 0 || n >= done[i - 1]), `progress never goes backwards: ${done}`);
    await page.waitForTimeout(900); // let the last transition finish for the picture
    await screenshot(page, "finished");

    // It stopped polling once the task ended.
    const polls = () => stack.sim.requests().filter((r) => r.path.endsWith("/demo-progress-success") && r.method === "GET").length;
    const n = polls();
    await page.waitForTimeout(600);
    assert.equal(polls(), n, "no polls after the end");
    assert.deepEqual(seen.errors, []);
  });
});

test("Stop watching cancels the polling", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page }) => {
    await openConnected(stack, page);
    stack.sim.restartTask("demo-progress-failed", { progressMs: 60000 });
    await page.fill("#operation-id", "demo-progress-failed");
    await page.click("#watch-button");
    await page.waitForSelector("#task-status");
    await page.click("#watch-button");
    assert.equal(await page.getAttribute("#watch-button", "aria-pressed"), "false");
    assert.equal(await page.textContent("#status"), "Stopped watching.");
    const polls = () => stack.sim.requests().filter((r) => r.path.endsWith("/demo-progress-failed")).length;
    const n = polls();
    await page.waitForTimeout(700);
    assert.equal(polls(), n, "no polls after stopping");
    assert.equal(await page.locator(".error-card").count(), 0, "stopping is not an error");
  }).finally(() => stack.sim.restartTask("demo-progress-failed", { progressMs: 3000 }));
});

test("watching another task clears the one on screen until its first answer", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    await query(page, "sw-stopped");
    assert.equal(await page.textContent("#task-title"), "sw-stopped");
    // Every poll of the watched task fails: sw-stopped must not stay on screen under it.
    stack.sim.setFault("status=503", { operationId: "sw-group-online", count: 30 });
    await page.fill("#operation-id", "sw-group-online");
    await page.click("#watch-button");
    await page.waitForFunction(() => /failed \(server\)/.test(document.getElementById("watch-note").textContent));
    assert.equal(await page.locator("#task-title").count(), 0, "the task queried before is still shown");
    await page.click("#watch-button");
    assert.deepEqual(seen.errors, []);
  }).finally(() => stack.sim.clearFaults());
});

test("a watch whose polls fail says so, and goes on watching", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    await page.fill("#operation-id", "sw-group-online");
    await page.click("#watch-button");
    await page.waitForSelector("#task-status[data-status='processing']");
    await page.waitForFunction(() => /^Watching until it ends/.test(document.getElementById("watch-note").textContent));
    // The platform answers 503 six times (each poll makes up to 3 attempts): two failed polls.
    stack.sim.setFault("status=503", { operationId: "sw-group-online", count: 6 });
    await page.waitForFunction(() => /^The poll at \d{1,2}:\d{2}:\d{2}( [AP]M)? failed \(server\); trying again in \d+ s\.$/.test(document.getElementById("watch-note").textContent));
    // The faults used up, it is still watching: no error card, the button still stops it.
    const faultsLeft = () => stack.sim.faults().filter((f) => f.operationId === "sw-group-online").length;
    for (let i = 0; i < 100 && faultsLeft() > 0; i++) await page.waitForTimeout(100);
    assert.equal(faultsLeft(), 0, "the polls went on until the faults were used up");
    const polls = () => stack.sim.requests().filter((r) => r.path.endsWith("/sw-group-online")).length;
    const n = polls();
    for (let i = 0; i < 100 && polls() === n; i++) await page.waitForTimeout(100);
    assert.ok(polls() > n, "it polls again after the failures");
    assert.equal(await page.getAttribute("#watch-button", "aria-pressed"), "true");
    assert.equal(await page.locator(".error-card").count(), 0, "a failed poll the wait goes on after is not an error");
    await page.click("#watch-button");
    assert.deepEqual(seen.errors, []);
  }).finally(() => stack.sim.clearFaults());
});

test("an unknown id shows not_found as the product defines it, and the console key never appears", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConnected(stack, page);
    const token = await tokenOf(page);
    await query(page, "no-such-task-42");
    const card = page.locator("#errors .error-card");
    assert.equal(await card.getAttribute("data-kind"), "not_found");
    assert.match(await card.locator(".error-title").textContent(), /Task not found/);
    const field = (name) => card.locator(`dd[data-field='${name}']`).textContent();
    assert.equal(await field("kind"), "not_found");
    assert.equal(await field("http-status"), "404");
    assert.equal(await field("platform-code"), "123009");
    assert.equal(await field("platform-text"), "The requested task does not exist.");
    assert.equal(await field("retry-may-help"), "No");
    assert.ok((await card.locator(".hint").textContent()).length > 20, "a hint says what to do");
    assert.equal(await page.isHidden("#task"), true);
    assert.equal(await page.getAttribute("#errors", "role"), "alert", "errors are announced");
    assert.match(await page.textContent("#status"), /Could not load no-such-task-42/);
    await screenshot(page, "error-not-found");

    // Watching it fails the same way (not_found is not worth retrying) and ends the watch.
    await page.evaluate(() => document.getElementById("errors").replaceChildren());
    await page.click("#watch-button");
    await card.waitFor();
    assert.equal(await card.getAttribute("data-kind"), "not_found");
    assert.match(await card.locator(".error-title").textContent(), /^Watch: Task not found/);
    await page.waitForFunction(() => document.getElementById("watch-button").getAttribute("aria-pressed") === "false");

    // The key is nowhere: not in the text, not in the markup, not in any console line.
    const everything = await page.evaluate(() => [document.body.innerText, document.documentElement.outerHTML, document.title].join("\n"));
    assert.ok(!everything.includes(token), "the console key is not in the page");
    assert.ok(!seen.console.some((l) => l.includes(token)), "the console key is not logged");
  });
});

test("a wrong console key is shown as unauthorized (401 / 1010005 from the gateway) without echoing it", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConsole(stack, page);
    const fake = "0123456789abcdef-wrong-console-key";
    await page.fill("#console-key", fake);
    assert.match(await page.textContent("#session"), /console key/);
    const before = stack.sim.requests().length;
    await query(page, "fw-now-devices");
    const card = page.locator("#errors .error-card");
    assert.equal(await card.getAttribute("data-kind"), "unauthorized");
    assert.equal(await card.locator("dd[data-field='http-status']").textContent(), "401");
    assert.equal(await card.locator("dd[data-field='platform-code']").textContent(), "1010005");
    assert.ok((await card.locator(".hint").textContent()).length > 15, "a hint");
    assert.equal(stack.sim.requests().length, before, "nothing reached the platform");
    // The note under the key field says the key was refused (it said "Using this console key").
    assert.equal(await page.getAttribute("#session", "data-state"), "error");
    assert.match(await page.textContent("#session"), /^This key was refused \(unauthorized\): paste the console key/);
    // One card says it (the query's): the task list, refused for the same key, says so in its note.
    await page.waitForFunction(() => document.getElementById("picker-note").textContent.includes("refused"));
    assert.equal(await page.locator(".error-card").count(), 1, "one error card for one refused key");
    assert.equal(await page.isHidden("#list-error"), true);
    assert.match(await page.textContent("#picker-note"), /^The gateway refused this console key, so the task list is not shown; it loads once the key is accepted\.$/);
    assert.equal(await page.isDisabled("#list-next"), true);
    const everything = await page.evaluate(() => document.body.innerText + document.documentElement.outerHTML);
    assert.ok(!everything.includes(fake));
    assert.ok(!seen.console.some((l) => l.includes(fake)));
    // The right key lists the platform's tasks again.
    await page.fill("#console-key", stack.consoleKey);
    await page.waitForFunction(() => document.getElementById("picker-note").textContent.includes("on the platform"));
    assert.equal(await page.isDisabled("#picker"), false);
  });
});

test("error titles name what the console talks to: no gateway at the URL, a broken platform answer", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page }) => {
    await openConnected(stack, page);
    stack.sim.setFault("truncated", { operationId: "sw-lenient-shapes", count: 1 });
    await query(page, "sw-lenient-shapes");
    const card = page.locator("#errors .error-card");
    assert.equal(await card.getAttribute("data-kind"), "invalid_response");
    assert.equal(await card.locator(".error-title").textContent(), "Query: The platform's answer breaks its documented format");

    // A port nothing listens on (taken, then freed).
    const probe = net.createServer();
    await new Promise((r) => probe.listen(0, "127.0.0.1", r));
    const { port } = probe.address();
    await new Promise((r) => probe.close(r));
    await page.fill("#base-url", `http://127.0.0.1:${port}`);
    await page.dispatchEvent("#base-url", "change");
    await query(page, "fw-now-devices");
    assert.equal(await card.getAttribute("data-kind"), "network");
    assert.equal(await card.locator(".error-title").textContent(), "Query: No answer from the gateway or the platform");
  });
});

test("Query or Watch without a console key asks for the key and sends nothing", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page }) => {
    await openConsole(stack, page);
    const requests = [];
    page.on("request", (r) => {
      if (r.url().startsWith(stack.gatewayUrl)) requests.push(r.url());
    });
    await page.fill("#operation-id", "fw-now-devices");
    for (const button of ["#query-button", "#watch-button"]) {
      await page.click(button);
      assert.equal(await page.textContent("#status"), "No console key yet: paste it into the Connection panel.");
      assert.equal(await page.getAttribute("#session", "data-state"), "error");
      assert.match(await page.textContent("#session"), /^Paste the console key here first/);
      assert.equal(await page.evaluate(() => document.activeElement?.id), "console-key");
      assert.equal(await page.locator(".error-card").count(), 0, "no invalid_argument card about accessToken");
      assert.equal(await page.getAttribute("#watch-button", "aria-pressed"), "false", "no watch started");
    }
    assert.deepEqual(requests, [], "nothing sent to the gateway");
    await connect(stack, page);
    assert.equal(await page.textContent("#session"), "Using this console key for every query.");
  });
});

test("phone width: one column, nothing wider than the screen", { timeout: 30000 }, async () => {
  await withPage(stack, { viewport: { width: 390, height: 844 } }, async ({ page }) => {
    await openConnected(stack, page);
    await query(page, "fw-largest-valid");
    assert.equal(await page.textContent("#task-status"), "Processing");
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    assert.ok(scrollWidth <= innerWidth, `no horizontal scrolling (${scrollWidth} > ${innerWidth})`);
    const panels = await page.$$eval(".panel", (ps) => ps.map((p) => p.getBoundingClientRect().left));
    assert.equal(new Set(panels).size, 1, "the two panels stack");
    await screenshot(page, "phone");

    // The devices table fits and keeps the platform's reasons in whole words (each word on one line).
    await query(page, "fw-256-devices");
    await page.waitForFunction(() => /Package verification/.test(document.getElementById("devices").textContent));
    const split = await page.$$eval("#devices td.reason", (cells) =>
      cells.flatMap((cell) => {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        const texts = [];
        while (walker.nextNode()) texts.push(walker.currentNode);
        return texts.flatMap((text) => [...text.data.matchAll(/\S+/g)].flatMap((m) => {
          const range = document.createRange();
          range.setStart(text, m.index);
          range.setEnd(text, m.index + m[0].length);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1 ? [m[0]] : [];
        }));
      }),
    );
    assert.deepEqual([...new Set(split)], [], "no reason word broken across lines");
    const scroll = await page.$eval(".devices-scroll", (el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    assert.ok(scroll.scrollWidth <= scroll.clientWidth, `the devices table fits (${scroll.scrollWidth} > ${scroll.clientWidth})`);
  });
});

test("with a package that has only queryUpgradeTask, the console's own polling takes over", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    // Serve an "older package": the same module, re-exporting only the first release's API.
    await page.route("**/pkg/index.js", (route) =>
      route.fulfill({
        contentType: "text/javascript; charset=utf-8",
        body: 'export { queryUpgradeTask, UpgradeTaskError } from "./index.js?full";\n',
      }),
    );
    const full = await readFile(path.join(ROOT, "pkg", "index.js"), "utf8");
    await page.route("**/pkg/index.js?full", (route) => route.fulfill({ contentType: "text/javascript; charset=utf-8", body: full }));
    await openConsole(stack, page);
    const exported = await page.evaluate(async () => Object.keys(await import("/pkg/index.js")).sort());
    assert.deepEqual(exported, ["UpgradeTaskError", "queryUpgradeTask"]);

    await connect(stack, page);

    stack.sim.restartTask("demo-progress-stop", { progressMs: 3000 });
    await page.fill("#operation-id", "demo-progress-stop");
    await page.click("#watch-button");
    await page.waitForSelector("#task-status[data-status='stop']", { timeout: 10000 });
    await page.waitForFunction(() => /^Finished: demo-progress-stop ended Stopped/.test(document.getElementById("status").textContent));
    const counts = await legendCounts(page);
    assert.ok(counts.stop > 0 && counts.success > 0, JSON.stringify(counts));
    assert.equal(counts.processing + counts.wait, 0, "a stopped task has nothing left to do");
    assert.equal(await page.textContent("#task-status"), "Stopped");
    assert.deepEqual(seen.errors, []);
  });
});

test("without the package the console says what is missing instead of failing silently", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page }) => {
    await page.route("**/pkg/index.js", (route) => route.fulfill({ status: 404, contentType: "text/plain", body: "Not found" }));
    await page.goto(`${stack.server.url}/`);
    await page.waitForSelector("html[data-ready='failed']");
    assert.match(await page.textContent(".error-card .error-title"), /could not start/);
    assert.match(await page.textContent(".error-card"), /build-pkg\.mjs/);
    assert.equal(await page.isDisabled("#query-button"), true);
    assert.equal(await page.isDisabled("#console-key"), true);
  });
});
