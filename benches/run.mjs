#!/usr/bin/env node
// The benchmark suite of iot-upgrade-task: `make bench` (node benches/run.mjs) measures the
// built package in pkg/ against two baselines in the same run and writes BENCHMARKS.md.
//
//   node benches/run.mjs            the full run (a few minutes on 2 cores)
//   node benches/run.mjs --quick    fewer calls, for trying the harness (numbers not for keeps)
//   --no-browser                    skip the Chromium part
//   --out FILE                      write somewhere else than BENCHMARKS.md
//   --size-only                     only section 3 (sizes and the .wasm's profile), written to
//                                   --out (a fast check of the size part; never to BENCHMARKS.md)
//   BENCH_BASELINE=<ref|none>       the "before" commit (default: the merge base with main)
//
// Needs: pkg/ built (node scripts/build-pkg.mjs), `npm ci` in benches/ (zod, esbuild), and
// for the Chromium part playwright-core (the workspace's devDependency) and a Chromium.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runBrowser } from "./lib/browser.mjs";
import { BODIES } from "./lib/fixtures.mjs";
import { baselineRef, ensureBaseline } from "./lib/baseline.mjs";
import { BROWSER_FILES, measureShipped, measureSizes, PKG } from "./lib/size.mjs";
import { HERE, ROOT, runNodeJson, startServer } from "./lib/stats.mjs";
import { measureColdProfile } from "./lib/cold-profile.mjs";
import { buildTwin, measureWasmProfile } from "./lib/wasm-profile.mjs";
import { wasmSections } from "./lib/wasm-sections.mjs";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const BROWSER = !args.includes("--no-browser");
const SIZE_ONLY = args.includes("--size-only");
if (SIZE_ONLY && !args.includes("--out")) throw new Error("--size-only writes only section 3: give it --out FILE (BENCHMARKS.md stays whole)");
const OUT = args.includes("--out") ? path.resolve(args[args.indexOf("--out") + 1]) : path.join(ROOT, "BENCHMARKS.md");
const LIB = HERE; // benches/lib
const BENCHES = path.dirname(HERE);

// How much of everything (full run: see BENCHMARKS.md for the wall time it took).
const PLAN = QUICK
  ? { loop: { typical: [4, 100], largest: [3, 100] }, mem: { typical: [4, 200], largest: [3, 100] }, profile: { typical: 1000, largest: 300 }, cold: 3, coldProfile: { lazy: 5, eager: 3 }, memory: { typical: [1000, 3000], largest: [1000, 2000] }, memoryLong: [1000, 5000, 10000], browser: { typical: { rounds: 2, batch: 50 }, largest: { rounds: 2, batch: 50 } } }
  : { loop: { typical: [25, 200], largest: [15, 200] }, mem: { typical: [25, 400], largest: [25, 200] }, profile: { typical: 5000, largest: 1000 }, cold: 20, coldProfile: { lazy: 15, eager: 7 }, memory: { typical: [1000, 10000, 100000], largest: [1000, 10000] }, memoryLong: [1000, 10000, 100000, 200000, 300000], browser: { typical: { rounds: 10, batch: 100 }, largest: { rounds: 10, batch: 100 } } };

const log = (...a) => console.error("[bench]", ...a);
const started = Date.now();

// ---- prerequisites ------------------------------------------------------------------------

async function waitForPkg() {
  // Another build may be rewriting pkg/ right now: wait (up to 3 min) until every file is there.
  const need = [...BROWSER_FILES, "node.js"].map((f) => path.join(PKG, f));
  for (let i = 0; i < 90; i++) {
    if (need.every((f) => existsSync(f))) return;
    if (i === 0) log("pkg/ is incomplete; waiting for a build to finish (node scripts/build-pkg.mjs)…");
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error("pkg/ is not built: run `node scripts/build-pkg.mjs` (or `make build`) first");
}
await waitForPkg();
for (const dep of ["zod", "esbuild"]) {
  if (!existsSync(path.join(BENCHES, "node_modules", dep))) throw new Error(`benches/node_modules/${dep} is missing: run \`npm ci\` in benches/`);
}

// The "before" of the before/after rows: today's main (the merge base), built beside pkg/.
const baseline = ensureBaseline(baselineRef(), log);
if (baseline) {
  process.env.BENCH_BASELINE_PKG = baseline.pkg; // the child processes and the server see it
  log(`baseline: ${baseline.sha} (${path.relative(ROOT, baseline.pkg)})`);
}

const sh = (cmd, a) => {
  try {
    return execFileSync(cmd, a, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
};
const wasmBytes = readFileSync(path.join(PKG, "iot_upgrade_task_bg.wasm"));
const env = {
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores: os.availableParallelism?.() ?? os.cpus().length,
  memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
  kernel: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  zod: JSON.parse(readFileSync(path.join(BENCHES, "node_modules/zod/package.json"), "utf8")).version,
  esbuild: JSON.parse(readFileSync(path.join(BENCHES, "node_modules/esbuild/package.json"), "utf8")).version,
  commit: sh("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]) ?? "unknown",
  dirty: (sh("git", ["-C", ROOT, "status", "--porcelain", "--", "src", "pkg-template", "Cargo.toml", "Cargo.lock", "scripts"]) ?? "") !== "",
  wasmSha: createHash("sha256").update(wasmBytes).digest("hex").slice(0, 12),
  loadStart: os.loadavg(),
  quick: QUICK,
  baseline: baseline?.sha ?? null,
};
log(`node ${env.node}, ${env.cores} cores, load ${env.loadStart.map((x) => x.toFixed(2)).join(" ")}`);

const outDir = mkdtempSync(path.join(os.tmpdir(), "iot-upgrade-task-bench-"));
const results = { env };
/** @type {Buffer|null} the names-kept twin of pkg/'s .wasm (benches/lib/wasm-profile.mjs) */
let twinBytes = null;
try {
  // ---- 3. size ------------------------------------------------------------------------------
  log("sizes…");
  results.size = await measureSizes(outDir);
  if (baseline) results.sizeBefore = { sha: baseline.sha, ...(await measureShipped(baseline.pkg)) };
  results.sections = wasmSections(wasmBytes);
  // What the code and data are: the names-kept twin of this very build (about 10 s of wasm-opt).
  log("profile of the .wasm (names-kept twin)…");
  try {
    twinBytes = buildTwin(ROOT); // kept for section 4's profile of the cold start (its names)
    results.wasmProfile = measureWasmProfile(ROOT, wasmBytes, twinBytes);
  } catch (e) {
    results.wasmProfile = { skipped: `failed: ${e.message.split("\n")[0]}` };
  }
  if (SIZE_ONLY) {
    const { sizeSection } = await import("./lib/report.mjs");
    writeFileSync(OUT, sizeSection(results).join("\n") + "\n");
    log(`wrote section 3 only to ${OUT} in ${Math.round((Date.now() - started) / 1000)} s`);
    rmSync(outDir, { recursive: true, force: true });
    process.exit(0);
  }

  const server = await startServer();
  try {
    // ---- 1. per call over loopback, 2. in memory (near-zero latency) ----------------------
    results.loop = {};
    results.mem = {};
    for (const fixture of Object.keys(BODIES)) {
      const [r, b] = PLAN.loop[fixture];
      log(`per call, loopback, ${fixture} (${r}×${b} calls per variant)…`);
      results.loop[fixture] = await runNodeJson([path.join(LIB, "node-percall.mjs"), server.baseUrl, fixture, String(r), String(b)]);
      const [mr, mb] = PLAN.mem[fixture];
      log(`per call, in-memory fetch, ${fixture} (${mr}×${mb} calls per variant)…`);
      results.mem[fixture] = await runNodeJson([path.join(LIB, "node-percall.mjs"), "mem", fixture, String(mr), String(mb)]);
    }

    // ---- 2b. where the project's time goes (CPU profile, in-memory fetch) ------------------
    log("CPU profile of the project's calls…");
    results.profile = {};
    for (const [fixture, n] of Object.entries(PLAN.profile)) {
      results.profile[fixture] = await runNodeJson([path.join(LIB, "profile.mjs"), fixture, String(n)]);
    }

    // ---- 4. cold start -----------------------------------------------------------------------
    log(`cold start (${PLAN.cold} fresh processes per variant)…`);
    results.cold = {};
    for (let i = 0; i < PLAN.cold; i++) {
      for (const v of ["floor", "peer", "project", "wasm-compile"]) {
        (results.cold[v] ??= []).push(await runNodeJson([path.join(LIB, "cold.mjs"), v, server.baseUrl, "typical"]));
      }
    }
    // Where the project's cold start goes: a CPU profile of the import + first call (in-memory fetch).
    log(`cold start, CPU profile (${PLAN.coldProfile.lazy} + ${PLAN.coldProfile.eager} fresh processes)…`);
    try {
      results.coldProfile = await measureColdProfile(ROOT, wasmBytes, twinBytes, PLAN.coldProfile);
    } catch (e) {
      results.coldProfile = { skipped: `failed: ${e.message.split("\n")[0]}` };
    }

    // ---- 5. memory -----------------------------------------------------------------------------
    results.memory = {};
    for (const [fixture, marks] of Object.entries(PLAN.memory)) {
      for (const variant of ["project", "floor"]) {
        log(`memory, ${variant}, ${fixture}, up to ${marks.at(-1)} calls…`);
        (results.memory[fixture] ??= {})[variant] = await runNodeJson(["--expose-gc", path.join(LIB, "memory.mjs"), variant, server.baseUrl, fixture, ...marks.map(String)]);
      }
    }
    log(`memory, project, typical, in-memory fetch, up to ${PLAN.memoryLong.at(-1)} calls…`);
    results.memoryLong = await runNodeJson(["--expose-gc", path.join(LIB, "memory.mjs"), "project", "mem", "typical", ...PLAN.memoryLong.map(String)]);
  } finally {
    await server.close();
  }

  // ---- 6. the console gateway (its own module: benches/lib/gateway.mjs) ----------------------
  log("console gateway: added latency and fan-in…");
  try {
    results.gateway = await runNodeJson([path.join(LIB, "gateway.mjs"), ...(QUICK ? ["quick"] : [])]);
  } catch (e) {
    results.gateway = { skipped: `failed: ${e.message.split("\n")[0]}` };
  }

  // ---- 6b. several gateways over one Redis (tests/gateway/fleet.mjs, run by benches/lib/fleet.mjs)
  log("console gateway fleet over Redis: 1 and 3 replicas…");
  try {
    results.fleet = await runNodeJson([path.join(LIB, "fleet.mjs"), ...(QUICK ? ["quick"] : [])]);
  } catch (e) {
    results.fleet = { skipped: `failed: ${e.message.split("\n")[0]}` };
  }

  // ---- 1b. Chromium ---------------------------------------------------------------------------
  if (BROWSER) {
    log("per call in headless Chromium…");
    try {
      results.browser = await runBrowser(outDir, PLAN.browser);
    } catch (e) {
      results.browser = { skipped: `failed: ${e.message.split("\n")[0]}` };
    }
  } else {
    results.browser = { skipped: "--no-browser" };
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
env.loadEnd = os.loadavg();
env.seconds = Math.round((Date.now() - started) / 1000);

// The raw results first: a failing report can be rendered again from them without re-measuring
// (node -e '…renderMarkdown(JSON.parse(readFileSync(FILE)))…').
writeFileSync(path.join(os.tmpdir(), "iot-upgrade-task-bench.json"), JSON.stringify(results, null, 1));
const { renderMarkdown } = await import("./lib/report.mjs");
const markdown = renderMarkdown(results);
writeFileSync(OUT, markdown);
// A 100-item task page (issue 14): its own section, spliced into the report.
await runNodeJson([path.join(LIB, "lists.mjs"), "--splice", OUT, ...(QUICK ? ["3", "20"] : ["20", "50"])]);
// The targets table on stdout, so `make bench` ends with the verdicts.
console.log(markdown.slice(markdown.indexOf("## Targets"), markdown.indexOf("### What dominates")).trim());
log(`wrote ${path.relative(process.cwd(), OUT) || OUT} in ${env.seconds} s (raw results: ${path.join(os.tmpdir(), "iot-upgrade-task-bench.json")})`);
