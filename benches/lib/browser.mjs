// Per-call time in headless Chromium (playwright-core, the workspace's devDependency, and the
// system's /usr/bin/chromium or $CHROMIUM_PATH). The page, the package and the API answers
// come from one loopback origin (benches/lib/server.mjs in its own process), cross-origin
// isolated so performance.now() is fine-grained.

import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { HERE, startServer, summary } from "./stats.mjs";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

export async function runBrowser(outDir, plan) {
  if (!existsSync(CHROMIUM)) return { skipped: `no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)` };
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch {
    return { skipped: "playwright-core is not installed in the workspace (npm ci at the repo root)" };
  }
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [path.join(HERE, "browser-page.mjs")],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outfile: path.join(outDir, "bench-page.js"),
    logLevel: "error",
    external: ["/pkg/*", "/pkg-before/*"],
  });
  writeFileSync(
    path.join(outDir, "bench.html"),
    '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/bench-page.js"></script>\n',
  );
  const server = await startServer(outDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.baseUrl}/bench.html`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30_000 });
    const results = {};
    for (const [fixture, { rounds, batch }] of Object.entries(plan)) {
      const started = Date.now();
      const r = await page.evaluate((cfg) => window.runBench(cfg), { fixture, rounds, batch, before: Boolean(process.env.BENCH_BASELINE_PKG) });
      results[fixture] = {
        agree: r.agree,
        crossOriginIsolated: r.crossOriginIsolated,
        seconds: (Date.now() - started) / 1000,
        variants: Object.fromEntries(Object.entries(r.samples).map(([k, v]) => [k, summary(v)])),
      };
    }
    if (errors.length) results.pageErrors = errors;
    return { version: browser.version(), results };
  } finally {
    await browser.close();
    await server.close();
  }
}
