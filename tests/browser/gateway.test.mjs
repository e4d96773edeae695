// The console as `make demo` runs it: Chromium → the console gateway → the platform-faithful
// simulator (https, client certificate required, no CORS). The page holds only a console key.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, legendCounts, openConsole, query, screenshot, startStack, withPage } from "./helpers.mjs";

let stack;
before(async () => {
  stack = await startStack({ faithful: true, progressMs: 3000 });
});
after(async () => {
  await stack?.close();
});

test("through the gateway: query and watch work; the page never sees the secret or the platform token", { timeout: 40000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    const requests = [];
    page.on("request", (r) => requests.push({ url: r.url(), headers: r.headers() }));
    await openConsole(stack, page);
    assert.equal(await page.inputValue("#base-url"), stack.gatewayUrl);
    assert.match(stack.sim.baseUrl, /^https:/, "the simulator is the faithful one");
    await page.waitForSelector("#picker:not([disabled]) option[value='sw-group-online']", { state: "attached" });
    await connect(stack, page);
    await query(page, "sw-group-online");
    assert.equal(await page.textContent("#task-status"), "Processing");
    assert.deepEqual(await legendCounts(page), { success: 20, fail: 3, timeout: 2, stop: 0, processing: 5, wait: 10 });

    stack.sim.restartTask("demo-progress-success", { progressMs: 3000 });
    await page.fill("#operation-id", "demo-progress-success");
    await page.click("#watch-button");
    await page.waitForSelector("#task-status[data-status='processing']");
    await page.waitForSelector("#task-status[data-status='success']", { timeout: 15000 });
    await page.waitForTimeout(900); // the last transition, for the picture
    await screenshot(page, "console-through-gateway");

    // What the browser sent: only the gateway (and its own origin), with the console key.
    const origins = new Set(requests.map((r) => new URL(r.url).origin));
    const pageOrigin = new URL(stack.server.url).origin;
    assert.deepEqual([...origins].filter((o) => o !== pageOrigin), [stack.gatewayUrl]);
    const toGateway = requests.filter((r) => r.url.startsWith(stack.gatewayUrl) && r.headers.authorization);
    assert.ok(toGateway.length >= 3);
    assert.ok(toGateway.every((r) => r.headers.authorization === `Bearer ${stack.consoleKey}`));
    // The platform saw one login (the gateway's), and the gateway's token on every query.
    const sim = stack.sim.requests();
    assert.equal(sim.filter((r) => r.path.endsWith("/login")).length, 1);
    assert.ok(sim.filter((r) => r.method === "GET").every((r) => r.auth === "ok"));
    const token = (await stack.gateway.store.token.current()).accessToken;
    const everything = await page.evaluate(() => document.body.innerText + document.documentElement.outerHTML);
    for (const secret of ["demo-secret", token]) {
      assert.ok(!everything.includes(secret), "not in the page");
      assert.ok(!seen.console.some((l) => l.includes(secret)), "not in the console");
    }
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
  });
});
