// Shared set-up for the browser tests (not a test file itself): a simulator and the demo's
// static server on free ports, and a real headless Chromium driven by playwright-core.

import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startDemo } from "../../scripts/demo.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "../..");
export const FIXTURES = path.join(HERE, "fixtures");
export const ARTIFACTS = path.join(ROOT, "tests", "artifacts");
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];
export const APP = { appId: "demo-app", secret: "demo-secret" };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fails loudly (never skips) when the browser or the built package is missing. */
export function checkPrerequisites() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The browser tests need a real Chromium: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to its executable.`,
    );
  }
  for (const f of ["index.js", "iot_upgrade_task_bg.wasm"]) {
    if (!existsSync(path.join(ROOT, "pkg", f))) {
      throw new Error(`pkg/${f} is missing: build the package first (node scripts/build-pkg.mjs).`);
    }
  }
}

export async function launchBrowser() {
  checkPrerequisites();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30000 });
}

/**
 * Starts a simulator (port 0; plain http with CORS, so tests can also call it straight from the
 * page), the console gateway in front of it, the static server (port 0; /config.json points the
 * page at the gateway and polls fast) and a browser. `faithful: true` makes the simulator the
 * platform-faithful one (https, client certificate, no CORS) as `make demo` runs it.
 * `close()` stops them all.
 */
export async function startStack({ progressMs = 3000, sim: simOptions = {}, config = {}, faithful = false, gateway = {} } = {}) {
  checkPrerequisites();
  const closers = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    const demo = await startDemo({
      port: 0,
      gatewayPort: 0,
      simPort: 0,
      progressMs,
      faithful,
      sim: faithful ? simOptions : { throttle: false, ...simOptions },
      // The browser tests poll fast and the simulator's throttle is off: a wide rate, a short cache.
      gateway: { cacheMs: 100, rate: { calls: 100000, perMs: 60000 }, ...gateway },
      config: { pollMs: 200, ...config },
      mounts: { "/fixtures/": FIXTURES },
    });
    closers.push(() => demo.close());
    const browser = await launchBrowser();
    closers.push(() => browser.close());
    return { sim: demo.sim, server: demo.server, gateway: demo.gateway, gatewayUrl: demo.gatewayUrl, consoleKey: demo.consoleKey, browser, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * A fresh browser context and page, with everything that would betray a bug recorded:
 * dialogs (dismissed), page errors, console lines and CSP violations. `target` is a stack
 * (its browser) or a browser. Should the set-up fail, the context it opened is closed.
 */
export async function newPage(target, { viewport = { width: 1280, height: 900 }, timezoneId = "UTC", locale = "en-US" } = {}) {
  const browser = typeof target.newContext === "function" ? target : target.browser;
  const context = await browser.newContext({ viewport, timezoneId, locale });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    const seen = { dialogs: [], errors: [], console: [] };
    page.on("dialog", (d) => {
      seen.dialogs.push(`${d.type()}: ${d.message()}`);
      d.dismiss().catch(() => {});
    });
    page.on("pageerror", (e) => seen.errors.push(e.message));
    page.on("console", (m) => seen.console.push(`${m.type()}: ${m.text()}`));
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
      });
    });
    return { context, page, seen, close: () => context.close() };
  } catch (err) {
    await context.close().catch(() => {});
    throw err;
  }
}

/**
 * Opens a page as `newPage(target, options)` does, runs `fn({ page, seen, context })` and closes
 * the page's context whatever fn did; resolves to what fn resolves to. When fn fails, its error
 * is the one thrown: a close that fails as well cannot mask it (a close failing after fn
 * succeeded fails the call). `options` may be left out: `withPage(stack, fn)`.
 */
export async function withPage(target, options, fn) {
  if (typeof options === "function") [options, fn] = [{}, options];
  const { close, ...session } = await newPage(target, options);
  let result;
  try {
    result = await fn(session);
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  await close();
  return result;
}

/** Opens the console and waits until it has read its settings. */
export async function openConsole(stack, page, query = "") {
  const response = await page.goto(`${stack.server.url}/${query}`);
  await page.waitForSelector("html[data-ready='true']");
  return response;
}

/** Fills in the console key (the page already points at the stack's gateway). */
export async function connect(stack, page) {
  await page.fill("#console-key", stack.consoleKey);
  await page.waitForSelector("#session[data-state='ok']");
}

/** Opens the console and fills in the console key: a console ready to query. */
export async function openConnected(stack, page) {
  await openConsole(stack, page);
  await connect(stack, page);
}

/** Types an operation id and presses Query; waits for the task or an error. */
export async function query(page, operationId) {
  await page.fill("#operation-id", operationId);
  await page.click("#query-button");
  await page.waitForFunction(() => document.body.dataset.busy === "" && (!document.getElementById("task").hidden || document.querySelector("#errors .error-card")));
}

export async function legendCounts(page) {
  return page.$$eval(".legend-count", (els) => Object.fromEntries(els.map((e) => [e.dataset.count, Number(e.textContent.replace(/\D/g, ""))])));
}

export async function screenshot(page, name, options = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, ...options });
  return file;
}
