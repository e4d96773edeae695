// Safe by construction: hostile platform data renders as text and runs nothing; the strict
// Content-Security-Policy is sent (header and meta) and enforced.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { contentSecurityPolicy } from "../../scripts/demo.mjs";
import { connect, openConsole, query, screenshot, startStack, withPage } from "./helpers.mjs";

let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

const REQUIRED = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "object-src 'none'",
  "base-uri 'none'",
];

const directives = (policy) => new Map(policy.split(";").map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0], d]));

test("hostile names render as text: no dialog, no injected element, bidi tricks made visible", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    await openConsole(stack, page);
    await page.evaluate(() => {
      window.__injected = [];
      new MutationObserver((records) => {
        for (const r of records) {
          for (const n of r.addedNodes) {
            const all = n.nodeType === 1 ? [n, ...n.querySelectorAll("*")] : [];
            for (const el of all) if (["IMG", "SCRIPT", "SVG", "IFRAME", "OBJECT", "A"].includes(el.tagName.toUpperCase())) window.__injected.push(el.outerHTML);
          }
        }
      }).observe(document, { subtree: true, childList: true });
    });
    await connect(stack, page);
    await query(page, "demo-hostile");
    await page.click("#raw-toggle");
    await page.waitForTimeout(500); // give any injected handler (onerror, onload) time to fire

    assert.deepEqual(seen.dialogs, [], "no alert() ran");
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__injected), [], "no element was created from the data");
    assert.equal(await page.locator("#task img, #task script, #task svg").count(), 0);
    assert.equal(await page.locator("script").count(), 1, "only the console's own module script");

    const devices = await page.$$eval("ul[data-list=devices] li", (l) => l.map((x) => x.textContent));
    assert.ok(devices.includes("<img src=x onerror=alert(1)>"), devices.join(" | "));
    assert.ok(devices.includes("<script>alert(1)</script>"));
    assert.ok(devices.includes("javascript:alert(1)"));
    assert.ok(devices.includes('"><svg onload=alert(1)>'));
    // The right-to-left override is shown as a visible mark, so "gnp.exe" cannot pose as ".png".
    assert.ok(devices.includes("device-U+202Egnp.exe"), devices.join(" | "));
    assert.equal(await page.locator("ul[data-list=devices] .ctl").count(), 1);
    const groups = await page.$$eval("ul[data-list=groups] li", (l) => l.map((x) => x.textContent));
    assert.deepEqual(groups, ["<script>alert(1)</script>", "group-U+202Egnp.exe"]);

    const text = await page.textContent("#task");
    assert.ok(text.includes("<img src=x onerror=alert(1)>"), "deviceType and the extendPara key show as text");
    assert.ok(text.includes("<script>alert(1)</script><img src=x onerror=alert(1)>U+202E1.0"), "fileVersion shows as text");
    const rawText = await page.textContent("#raw-json");
    assert.ok(rawText.includes("device-\\u202egnp.exe"), "the raw JSON escapes the right-to-left override");
    const raw = JSON.parse(rawText);
    assert.equal(raw.targets.devices[3], "device-\u202Egnp.exe");
    assert.equal(raw.targets.deviceType, "<img src=x onerror=alert(1)>");
    assert.equal(raw.extendPara["<img src=x onerror=alert(1)>"], "javascript:alert(1)");
    await screenshot(page, "hostile");
    assert.deepEqual(await page.evaluate(() => window.__violations), [], "the console itself triggers no CSP violation");
  });
});

test("the CSP is sent as a header and as a meta fallback, and the files have the right types", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page }) => {
    const response = await openConsole(stack, page);
    const header = response.headers()["content-security-policy"];
    assert.equal(header, contentSecurityPolicy());
    const h = directives(header);
    for (const d of REQUIRED) assert.equal(h.get(d.split(" ")[0]), d);
    assert.equal(h.get("frame-ancestors"), "frame-ancestors 'none'");
    assert.match(h.get("connect-src"), /http:\/\/127\.0\.0\.1:\*/);
    assert.match(h.get("connect-src"), /https:/);
    assert.equal(response.headers()["x-content-type-options"], "nosniff");

    const meta = await page.getAttribute("meta[http-equiv='Content-Security-Policy']", "content");
    const m = directives(meta);
    for (const d of REQUIRED) assert.equal(m.get(d.split(" ")[0]), d, `meta has ${d}`);
    assert.equal(m.get("connect-src"), h.get("connect-src"));
    // Every header directive is in the meta, except frame-ancestors (ignored in a meta).
    for (const [name, value] of h) if (name !== "frame-ancestors") assert.equal(m.get(name), value, `meta ${name}`);

    const types = {};
    for (const p of ["/", "/style.css", "/js/app.js", "/pkg/index.js", "/pkg/iot_upgrade_task_bg.wasm", "/config.json"]) {
      const r = await page.request.get(`${stack.server.url}${p}`);
      assert.equal(r.status(), 200, p);
      assert.equal(r.headers()["content-security-policy"], header, `${p} carries the CSP`);
      types[p] = r.headers()["content-type"];
    }
    assert.deepEqual(types, {
      "/": "text/html; charset=utf-8",
      "/style.css": "text/css; charset=utf-8",
      "/js/app.js": "text/javascript; charset=utf-8",
      "/pkg/index.js": "text/javascript; charset=utf-8",
      "/pkg/iot_upgrade_task_bg.wasm": "application/wasm",
      "/config.json": "application/json; charset=utf-8",
    });
    for (const p of ["/../package.json", "/%2e%2e/package.json", "/pkg/../../Cargo.toml", "/js/%2e%2e%2f%2e%2e%2fCargo.toml", "/nope.html"]) {
      const r = await page.request.get(`${stack.server.url}${p}`);
      assert.equal(r.status() >= 400 && r.status() < 500, true, `${p} is refused (${r.status()})`);
    }
    assert.equal((await page.request.post(`${stack.server.url}/`)).status(), 405);
  });
});

test("the CSP is enforced: inline script, inline handlers and styles, markup sinks, other origins", { timeout: 30000 }, async () => {
  await withPage(stack, async ({ page, seen }) => {
    // A page on the same server with an inline <script>, an inline style and an onerror handler.
    await page.goto(`${stack.server.url}/fixtures/inline.html`);
    await page.waitForLoadState("load");
    await page.waitForTimeout(200);
    assert.equal(await page.title(), "untouched", "the inline script did not run");
    assert.equal(await page.evaluate(() => window.__inlineRan), undefined);
    assert.equal(await page.evaluate(() => window.__handlerRan), undefined, "the inline onerror handler did not run");
    assert.notEqual(await page.$eval("#styled", (e) => getComputedStyle(e).color), "rgb(255, 0, 0)", "the inline style was not applied");
    const blocked = await page.evaluate(() => window.__violations.map((v) => v.directive));
    assert.ok(blocked.includes("script-src-elem"), `inline script reported: ${blocked}`);
    assert.ok(blocked.includes("script-src-attr"), `inline handler reported: ${blocked}`);
    assert.ok(blocked.includes("style-src-attr"), `inline style reported: ${blocked}`);

    // A same-origin script (allowed) trying what the policy refuses: eval, HTML-string sinks
    // (Trusted Types), script URLs, inline handlers, connections outside connect-src.
    await page.goto(`${stack.server.url}/fixtures/probe.html`);
    const probe = await page.evaluate(() => window.__probe);
    const { violations, ...results } = probe;
    assert.deepEqual(results, {
      eval: "EvalError",
      newFunction: "EvalError",
      innerHTML: "TypeError",
      insertAdjacentHTML: "TypeError",
      documentWrite: "TypeError",
      scriptSrc: "TypeError",
      fetchElsewhere: "TypeError",
      handlerAttribute: "TypeError",
    });
    for (const d of ["require-trusted-types-for", "connect-src"]) {
      assert.ok(violations.includes(d), `a ${d} violation was reported: ${violations}`);
    }
    assert.equal(await page.locator("img").count(), 0);
    assert.deepEqual(seen.dialogs, []);
  });
});
