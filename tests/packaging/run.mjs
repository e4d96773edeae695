#!/usr/bin/env node
// Packaging tests: the built package (pkg/) packed with `npm pack` and installed from that
// tarball into tiny consumer projects, each used the way users use it — Node ESM and CommonJS
// scripts, TypeScript under node16 and bundler resolution, no bundler at all, Vite 8 and 7 (build
// and dev server), webpack 5 and esbuild — with every browser build run in headless Chromium,
// page and module worker. Each one makes a real round trip to the local platform simulator: a
// task fetched and normalised, and a missing task rejected with an UpgradeTaskError "not_found".
//
//   node tests/packaging/run.mjs [name-filter ...]      (pkg/ must be built: make build)
//
// Scratch lives in tests/packaging/.work/ (git-ignored): the build tools, installed once from
// tools/package-lock.json (again only when the lock changes), and for each run its own
// runs/<pid>/ with the tarball and a fresh copy of every consumer under consumers/ (so two runs
// in one checkout do not collide; a passing run removes its copy, a failing one leaves it for a
// look until the next run). The last line printed is "N passed, N failed"; the exit code is
// non-zero when anything failed.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { moduleGraph } from "../../scripts/module-graph.mjs";
import { exec, freePort, launchChromium, runPage, serveStatic, startProcess } from "./lib/harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const pkgDir = join(repo, "pkg");
const work = join(here, ".work");
const runs = join(work, "runs");
const runDir = join(runs, String(process.pid));
const consumersDir = join(here, "consumers");
const filters = process.argv.slice(2);

const TASK_ID = "fw-now-devices";
const MISSING_ID = "no-such-task-from-packaging-tests";
/** Which installed tool a consumer's pinned devDependency is (vite7 installs Vite 7 under an alias). */
const TOOL_ALIASES = { vite7: { vite: "vite7" } };

const env = { NO_COLOR: "1", FORCE_COLOR: "0", BROWSERSLIST_IGNORE_OLD_DATA: "1", npm_config_update_notifier: "false" };
const npm = (args, cwd, timeoutMs) => exec("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"], { cwd, env, timeoutMs });
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const node = (args, opts) => exec(process.execPath, args, { env, ...opts });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/** The script of a tool's bin, from the shared tool install (run with this Node). */
function toolBin(pkgName, binName = pkgName) {
  const dir = join(work, "node_modules", pkgName);
  const { bin } = readJson(join(dir, "package.json"));
  return join(dir, typeof bin === "string" ? bin : bin[binName]);
}

// ---- the run ------------------------------------------------------------------------------------

const results = [];
const cleanups = [];
let expected = null; // the normalised task every consumer must produce
let EXPORTS = null; // the runtime exports every entry must have: the values index.d.ts declares
let session = null; // { baseUrl, appKey, token }
let browser = null;

async function test(name, fn, { always = false } = {}) {
  if (!always && filters.length > 0 && !filters.some((f) => name.toLowerCase().includes(f.toLowerCase()))) return;
  const started = Date.now();
  try {
    await fn();
    results.push(true);
    console.log(`ok ${results.length} - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    results.push(false);
    console.log(`not ok ${results.length} - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    console.log(String(error?.stack ?? error).replace(/^/gm, "    "));
  }
}

/** Output of a step that several tests read; a failed step fails each of them. */
function once(fn) {
  let promise = null;
  return () => (promise ??= fn());
}

// ---- checks -------------------------------------------------------------------------------------

/** The normalised form of the seeded task, derived from what the simulator serves raw. */
function expectedTask(raw) {
  const compact = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;
  for (const key of ["createTime", "startTime", "stopTime"]) {
    if (!compact.test(raw[key])) throw new Error(`the simulator's seeded task ${TASK_ID} changed: ${key} is ${raw[key]}, not yyyyMMddTHHmmssZ`);
  }
  if (raw.targets.deviceGroups || raw.policy.startTime || raw.policy.retryTimes || raw.targets.deviceType) {
    throw new Error(`the simulator's seeded task ${TASK_ID} changed shape: update expectedTask() in run.mjs`);
  }
  const iso = (t) => t.replace(compact, "$1-$2-$3T$4:$5:$6Z");
  return {
    operationId: raw.operationId,
    createTime: iso(raw.createTime),
    startTime: iso(raw.startTime),
    stopTime: iso(raw.stopTime),
    operateType: raw.operateType,
    status: raw.status,
    targets: { deviceGroups: [], deviceType: null, model: null, manufacturerName: null, devices: raw.targets.devices },
    policy: { executeType: raw.policy.executeType, startTime: null, endTime: null, retryType: raw.policy.retryType, retryTimes: null },
    staResult: raw.staResult,
    extendPara: raw.extendPara,
  };
}

/** A consumer's round trip: {exports?, task, taskError, notFound} as the consumer reported it. */
function checkRoundTrip(r, where) {
  if (r === null || typeof r !== "object") throw new Error(`${where}: no result (${JSON.stringify(r)})`);
  if (r.workerError) throw new Error(`${where}: ${r.workerError}`);
  const problems = [];
  if (r.exports !== undefined && JSON.stringify(r.exports) !== JSON.stringify(EXPORTS)) {
    problems.push(`exports are ${JSON.stringify(r.exports)}, expected ${JSON.stringify(EXPORTS)}`);
  }
  if (r.taskError) problems.push(`the task call rejected: ${r.taskError.kind}: ${r.taskError.message}`);
  else {
    try {
      assert.deepStrictEqual(r.task, expected);
    } catch (error) {
      problems.push(`the task is not the expected normalised task:\n${error.message}`);
    }
  }
  const nf = r.notFound ?? {};
  const want = {
    instanceofUpgradeTaskError: true,
    instanceofError: true,
    name: "UpgradeTaskError",
    kind: "not_found",
    httpStatus: 404,
    errorCode: "123009",
    retryable: false,
  };
  for (const [key, value] of Object.entries(want)) {
    if (nf[key] !== value) problems.push(`missing task: ${key} is ${JSON.stringify(nf[key])}, expected ${JSON.stringify(value)}`);
  }
  if (!Array.isArray(nf.problems) || nf.problems.length > 0) problems.push(`missing task: problems is ${JSON.stringify(nf.problems)}, expected []`);
  if (typeof nf.message === "string" && nf.message.includes(session.token)) problems.push("missing task: the message contains the access token");
  if (problems.length > 0) throw new Error(`${where}: ${problems.join("\n")}`);
}

/** Opens a served app in Chromium and checks page (and worker) round trips, render and .wasm loads. */
async function checkBrowserApp(url, { worker = true } = {}) {
  const query = new URLSearchParams({ ...session, taskId: TASK_ID, missingId: MISSING_ID });
  const { result, shown, log, wasm } = await runPage(browser, `${url}/?${query}`);
  const context = `\n    browser log: ${log.join("\n      ") || "(empty)"}\n    .wasm responses: ${JSON.stringify(wasm)}`;
  try {
    checkRoundTrip(result?.page, "page");
    if (worker) checkRoundTrip(result?.worker, "module worker");
    const text = `${expected.operationId}: ${expected.status}, ${expected.staResult.success}/${expected.staResult.total} devices, version ${expected.extendPara.fileVersion}`;
    if (shown.task !== text) throw new Error(`the page shows ${JSON.stringify(shown.task)}, expected ${JSON.stringify(text)}`);
    if (shown.missing !== "not_found") throw new Error(`the page shows ${JSON.stringify(shown.missing)} for the missing task`);
    if (wasm.length === 0) throw new Error("no .wasm was fetched");
    if (worker && wasm.length < 2) throw new Error("only one .wasm fetch was seen: the page's and the worker's were expected");
    const bad = wasm.filter((w) => w.status !== 200 || !String(w.type).startsWith("application/wasm"));
    if (bad.length > 0) throw new Error(`.wasm responses that are not 200 application/wasm: ${JSON.stringify(bad)}`);
    if (log.some((line) => line.includes("instantiateStreaming"))) throw new Error("WebAssembly.instantiateStreaming fell back");
  } catch (error) {
    error.message += context;
    throw error;
  }
  if (process.env.PACKAGING_DEBUG) console.log(`    .wasm responses: ${JSON.stringify(wasm)}`);
  return { result, wasm };
}

/** Serves a build output directory and checks the app in it. */
async function checkBuiltApp(dist, options) {
  if (!readdirSync(dist, { recursive: true }).some((f) => String(f).endsWith(".wasm"))) {
    throw new Error(`the build emitted no .wasm into ${dist}`);
  }
  const server = await serveStatic(dist);
  try {
    return await checkBrowserApp(server.url, options);
  } finally {
    await server.close();
  }
}

/** Runs `vite` (dev server) in `dir` with a fresh dependency pre-bundle, and checks the app in it. */
async function withViteDev(viteBin, dir, fn) {
  let port;
  let dev;
  for (let attempt = 1; !dev; attempt++) {
    port = await freePort();
    try {
      dev = await startProcess(process.execPath, [viteBin, "--port", String(port), "--strictPort", "--host", "127.0.0.1", "--force"], {
        cwd: dir,
        env,
        ready: (out) => out.includes(`127.0.0.1:${port}`),
      });
    } catch (error) {
      // Another process took the free port between freePort() and vite's listen: try another.
      if (attempt >= 3 || !/already in use/i.test(error.message)) throw error;
    }
  }
  try {
    return await fn(`http://127.0.0.1:${port}`);
  } catch (error) {
    error.message += `\n    vite output:\n${dev.output().trimEnd().replace(/^/gm, "      ")}`;
    throw error;
  } finally {
    await dev.stop();
  }
}

/** Runs a Node consumer script and parses the JSON line it prints. */
async function runNodeConsumer(dir, script) {
  const { stdout } = await node([script], {
    cwd: dir,
    env: { ...env, IUT_BASE_URL: session.baseUrl, IUT_APP_KEY: session.appKey, IUT_TOKEN: session.token, IUT_TASK_ID: TASK_ID, IUT_MISSING_ID: MISSING_ID },
    timeoutMs: 60000,
  });
  const line = stdout.trim().split("\n").pop();
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${script} printed no JSON line:\n${stdout}`);
  }
}

/** The runtime names a declaration file exports (functions, classes, consts), sorted. */
function declaredValues(dts) {
  return [...new Set([...dts.matchAll(/^export declare (?:function|class|const|let|var|enum) (\w+)/gm)].map((m) => m[1]))].sort();
}

/** Every exported name (types too) of a declaration file, sorted. */
function declaredNames(dts) {
  return [...new Set([...dts.matchAll(/^export (?:declare )?(?:function|class|const|let|var|enum|interface|type) (\w+)/gm)].map((m) => m[1]))].sort();
}

/** Every file path that a package.json points to (exports targets, main, module, types, bin). */
function pointedFiles(manifest) {
  const out = new Set();
  const walk = (v) => {
    if (typeof v === "string") out.add(v.replace(/^\.\//, ""));
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(manifest.exports);
  for (const key of ["main", "module", "types", "typings", "browser"]) if (typeof manifest[key] === "string") walk(manifest[key]);
  walk(manifest.bin);
  return [...out].filter((p) => !p.includes("*"));
}

// ---- setup: tarball, tools, consumers, simulator, browser ---------------------------------------

const setupTarball = once(async () => {
  if (!existsSync(join(pkgDir, "package.json")) || !existsSync(join(pkgDir, "iot_upgrade_task_bg.wasm"))) {
    throw new Error(`${pkgDir} is not built: run \`make build\` (node scripts/build-pkg.mjs) first`);
  }
  mkdirSync(runDir, { recursive: true });
  const { stdout } = await npm(["pack", pkgDir, "--pack-destination", runDir, "--json"], runDir, 120000);
  const [info] = JSON.parse(stdout.slice(stdout.indexOf("[")));
  renameSync(join(runDir, info.filename), join(runDir, "iot-upgrade-task.tgz"));
  return info;
});

/** Runs `fn` holding .work/.lock (a directory: atomic), so two runs never install at once. */
async function withWorkLock(fn) {
  const lock = join(work, ".lock");
  const deadline = Date.now() + 10 * 60000;
  mkdirSync(work, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {}
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held by process ${holder || "?"} for over 10 minutes`);
      else await sleep(300);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const setupTools = once(() =>
  withWorkLock(async () => {
    // Scratch of earlier runs that are over (their process is gone).
    if (existsSync(runs)) {
      for (const pid of readdirSync(runs)) if (Number(pid) !== process.pid && !alive(Number(pid))) rmSync(join(runs, pid), { recursive: true, force: true });
    }
    const lock = readFileSync(join(here, "tools", "package-lock.json"));
    const manifest = readFileSync(join(here, "tools", "package.json"));
    const stamp = createHash("sha256").update(manifest).update(lock).digest("hex");
    const stampFile = join(work, "node_modules", ".packaging-tools-stamp");
    if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return "cached";
    writeFileSync(join(work, "package.json"), manifest);
    writeFileSync(join(work, "package-lock.json"), lock);
    await npm(["ci"], work, 300000);
    writeFileSync(stampFile, stamp);
    return "installed";
  }),
);

/** A fresh copy of consumers/<name> (plus its overlay and the shared browser round trip), installed from the tarball. */
const consumer = (name, { overlay = null, browserApp = false } = {}) =>
  once(async () => {
    await Promise.all([setupTarball(), setupTools()]);
    const dir = join(runDir, name);
    rmSync(dir, { recursive: true, force: true });
    if (overlay) cpSync(join(consumersDir, overlay), dir, { recursive: true, filter: (src) => !/(node_modules|dist|package\.json)$/.test(src) });
    cpSync(join(consumersDir, name), dir, { recursive: true });
    if (browserApp) cpSync(join(here, "shared", "roundtrip.js"), join(dir, "src", "roundtrip.js"));
    // Dev dependencies (the build tools) come from the shared install in .work/node_modules.
    await npm(["install", "--omit=dev", "--no-package-lock"], dir, 120000);
    const manifest = readJson(join(dir, "package.json"));
    for (const [dep, version] of Object.entries(manifest.devDependencies ?? {})) {
      const tool = TOOL_ALIASES[name]?.[dep] ?? dep;
      const installed = readJson(join(work, "node_modules", tool, "package.json")).version;
      if (installed !== version) throw new Error(`${name} pins ${dep} ${version} but tools/package-lock.json installs ${installed}`);
    }
    const installed = readJson(join(dir, "node_modules", "iot-upgrade-task", "package.json"));
    if (installed.version !== readJson(join(pkgDir, "package.json")).version) throw new Error(`${name}: the installed package is not the packed one`);
    return dir;
  });

const consumers = {
  nodeEsm: consumer("node-esm"),
  nodeCjs: consumer("node-cjs"),
  typescript: consumer("typescript"),
  browserEsm: consumer("browser-esm", { browserApp: true }),
  vite: consumer("vite", { browserApp: true }),
  vite7: consumer("vite7", { overlay: "vite", browserApp: true }),
  webpack: consumer("webpack", { browserApp: true }),
  esbuild: consumer("esbuild", { browserApp: true }),
};

async function setup() {
  const { startSimulator } = await import(join(repo, "simulator", "index.mjs"));
  const sim = await startSimulator({ port: 0, throttle: false });
  cleanups.push(() => sim.close());
  const login = sim.login();
  session = { baseUrl: sim.baseUrl, appKey: login.appId, token: login.accessToken };
  const listed = await (await fetch(`${sim.url}/__sim/tasks`)).json();
  if (!listed.tasks.some((t) => t.operationId === TASK_ID)) throw new Error(`the simulator lists no task ${TASK_ID}`);
  expected = expectedTask(await (await fetch(`${sim.url}/__sim/tasks/${TASK_ID}`)).json());
  browser = await launchChromium(repo);
  cleanups.push(() => browser.close());
}

// ---- the tests ----------------------------------------------------------------------------------

async function main() {
  await test("setup: platform simulator, headless Chromium, packed tarball, locked build tools", async () => {
    await setup();
    const [info, tools] = await Promise.all([setupTarball(), setupTools()]);
    EXPORTS = declaredValues(readFileSync(join(pkgDir, "index.d.ts"), "utf8"));
    if (!EXPORTS.includes("queryUpgradeTask") || !EXPORTS.includes("UpgradeTaskError")) throw new Error(`index.d.ts declares ${EXPORTS.join(", ")}`);
    console.log(`    ${info.filename}: ${info.entryCount} files, ${info.size} bytes packed; build tools ${tools}`);
    // Install every consumer now (in parallel), so each test below times only its own work.
    const installs = await Promise.allSettled(Object.values(consumers).map((c) => c()));
    const failed = installs.filter((r) => r.status === "rejected");
    if (failed.length > 0) throw new Error(failed.map((r) => r.reason?.message ?? r.reason).join("\n"));
  }, { always: true });
  if (!browser || !expected || !EXPORTS) return; // nothing below can run

  await test("tarball: ships every file its package.json points to, and nothing from the workspace", async () => {
    const info = await setupTarball();
    const files = new Set(info.files.map((f) => f.path));
    const manifest = readJson(join(pkgDir, "package.json"));
    const missing = pointedFiles(manifest).filter((p) => !files.has(p));
    for (const f of ["iot_upgrade_task_bg.wasm", "iot_upgrade_task.js", "errors.cjs", "config.cjs", "index.d.ts", "index.d.cts", "README.md", "LICENSE-MIT", "LICENSE-APACHE"]) {
      if (!files.has(f)) missing.push(f);
    }
    if (missing.length > 0) throw new Error(`the tarball lacks: ${[...new Set(missing)].join(", ")}`);
    const stray = [...files].filter((f) => /(^|\/)(node_modules|\.work|tests?)\/|\.tgz$|\.map$|\.rs$/.test(f));
    if (stray.length > 0) throw new Error(`the tarball ships workspace files: ${stray.join(", ")}`);
    if (manifest.sideEffects !== false) throw new Error(`sideEffects is ${JSON.stringify(manifest.sideEffects)}, expected false`);
  });

  await test("tarball: every module it ships is loaded from an entry (no dead files)", async () => {
    const info = await setupTarball();
    const isCode = (f) => /\.(?:js|cjs|mjs)$/.test(f);
    const shipped = info.files.map((f) => f.path).filter(isCode);
    // From every file package.json points to, follow the relative specifiers a loader or a
    // bundler follows: import/export … from, import(…), require(…), new URL(…, import.meta.url)
    // (scripts/module-graph.mjs).
    const graph = await moduleGraph(pkgDir, pointedFiles(readJson(join(pkgDir, "package.json"))), { require: true, dynamicImport: true });
    const reached = new Set(graph.files);
    const dead = shipped.filter((f) => !reached.has(f));
    if (dead.length > 0) throw new Error(`the tarball ships modules no entry loads: ${dead.join(", ")}`);
  });

  const nodeEsm = once(async () => runNodeConsumer(await consumers.nodeEsm(), "test.mjs"));
  await test("Node ESM: `import` resolves to node.js and makes the round trip", async () => {
    const out = await nodeEsm();
    if (!out.entry.endsWith("/node_modules/iot-upgrade-task/node.js")) throw new Error(`import resolved to ${out.entry}`);
    checkRoundTrip(out, "node ESM");
  });
  await test("Node ESM: the shipped simulator (iot-upgrade-task/simulator) serves the package", async () => {
    const out = await nodeEsm();
    assert.deepStrictEqual(out.shippedSimulator, { operationId: TASK_ID, status: expected.status });
  });

  const nodeCjs = once(async () => runNodeConsumer(await consumers.nodeCjs(), "test.js"));
  await test("Node CommonJS: `require` resolves to node.cjs and makes the round trip", async () => {
    const out = await nodeCjs();
    if (!out.entry.endsWith("/node_modules/iot-upgrade-task/node.cjs")) throw new Error(`require resolved to ${out.entry}`);
    if (out.errorClassIsSync !== true) throw new Error("UpgradeTaskError is not available synchronously from require()");
    checkRoundTrip(out, "node CommonJS");
    checkRoundTrip(out.client, "node CommonJS, UpgradeTaskClient");
  });
  await test("Node CommonJS and ESM builds agree: errors are instanceof across both", async () => {
    const { interop } = await nodeCjs();
    const want = {
      sameExportNames: true,
      importKind: "not_found",
      requireErrorIsEsmInstance: true,
      requireErrorIsCjsInstance: true,
      importErrorIsCjsInstance: true,
      importErrorIsEsmInstance: true,
      badArgumentKind: "invalid_argument",
      badArgumentIsEsmInstance: true,
      clientBadConfigKind: "invalid_argument",
      clientBadConfigIsEsmInstance: true,
      cjsConstructedIsEsmInstance: true,
      esmConstructedIsCjsInstance: true,
      plainErrorIsNotInstance: true,
      namesAgree: true,
    };
    assert.deepStrictEqual(interop, want);
  });

  const tsc = toolBin("typescript", "tsc");
  await test("TypeScript (tsc --strict, moduleResolution node16): every exported type; the emitted ESM and CJS run", async () => {
    const dir = await consumers.typescript();
    await node([tsc, "--strict", "-p", "tsconfig.node16.json"], { cwd: dir, timeoutMs: 120000 });
    const esm = await runNodeConsumer(dir, "out/esm.mjs");
    if (esm.taskFailure) throw new Error(`ESM: the task call rejected: ${JSON.stringify(esm.taskFailure)}`);
    assert.equal(esm.task.operationId, TASK_ID);
    assert.equal(esm.task.status, expected.status);
    assert.equal(esm.task.progress, `${expected.staResult.success}/${expected.staResult.total}`);
    assert.equal(esm.task.version, expected.extendPara.fileVersion);
    assert.equal(esm.missing?.kind, "not_found");
    assert.equal(esm.missing?.advice, "give up");
    assert.equal(esm.missing?.isError, true);
    assert.equal(esm.waited, expected.status);
    assert.deepStrictEqual(esm.batch, [
      { operationId: TASK_ID, ok: true, detail: expected.status },
      { operationId: MISSING_ID, ok: false, detail: "not_found" },
    ]);
    assert.equal(esm.client.task?.operationId, TASK_ID);
    assert.equal(esm.client.missingKind, "not_found");
    const cjs = await runNodeConsumer(dir, "out/cjs.cjs");
    assert.equal(cjs.shape.operationId, TASK_ID);
    assert.deepStrictEqual(cjs.shape.devices, expected.targets.devices);
    assert.deepStrictEqual(cjs.missing, { kind: "not_found", problems: [], httpStatus: 404 });
    assert.equal(cjs.waited, expected.status);
    assert.deepStrictEqual(cjs.batch, [expected.status, "not_found"]);
    assert.equal(cjs.client, TASK_ID);
  });
  await test("TypeScript consumer names every export of index.d.ts (ESM and CommonJS files)", async () => {
    const names = declaredNames(readFileSync(join(pkgDir, "index.d.ts"), "utf8"));
    const cts = declaredNames(readFileSync(join(pkgDir, "index.d.cts"), "utf8"));
    assert.deepStrictEqual(cts, names, "index.d.cts and index.d.ts export different names");
    for (const file of ["src/usage.ts", "src/cjs.cts"]) {
      const source = readFileSync(join(consumersDir, "typescript", file), "utf8");
      const unused = names.filter((n) => !new RegExp(`\\b${n}\\b`).test(source));
      if (unused.length > 0) throw new Error(`consumers/typescript/${file} does not use: ${unused.join(", ")}`);
    }
  });
  await test("TypeScript (tsc --strict, moduleResolution bundler): every exported type", async () => {
    const dir = await consumers.typescript();
    await node([tsc, "--strict", "-p", "tsconfig.bundler.json"], { cwd: dir, timeoutMs: 120000 });
  });

  await test("browser without a bundler (import map, <script type=module>): round trip in Chromium", async () => {
    const dir = await consumers.browserEsm();
    const server = await serveStatic(dir);
    try {
      await checkBrowserApp(server.url, { worker: false });
    } finally {
      await server.close();
    }
  });

  const vite8 = toolBin("vite");
  const vite7 = toolBin("vite7", "vite");
  await test("Vite 8 build (no settings): dist/ served, page and module worker in Chromium", async () => {
    const dir = await consumers.vite();
    await node([vite8, "build"], { cwd: dir, timeoutMs: 120000 });
    await checkBuiltApp(join(dir, "dist"));
  });
  await test("Vite 8 dev server (pre-bundled dependency, no settings): page and module worker", async () => {
    const dir = await consumers.vite();
    await withViteDev(vite8, dir, (url) => checkBrowserApp(url));
  });
  await test("Vite 8 dev server with the Vite 7 setting (optimizeDeps.exclude) kept: still works", async () => {
    const dir = await consumers.vite7();
    await withViteDev(vite8, dir, (url) => checkBrowserApp(url));
  });
  await test("Vite 7 build: dist/ served, page and module worker in Chromium", async () => {
    const dir = await consumers.vite7();
    await node([vite7, "build"], { cwd: dir, timeoutMs: 120000 });
    await checkBuiltApp(join(dir, "dist"));
  });
  await test("Vite 7 dev server with optimizeDeps.exclude (NOTES.md): page and module worker", async () => {
    const dir = await consumers.vite7();
    await withViteDev(vite7, dir, (url) => checkBrowserApp(url));
  });
  await test("Vite 7 dev server without the setting still breaks (why NOTES.md documents it)", async () => {
    const dir = await consumers.vite(); // the same app, no config
    await withViteDev(vite7, dir, async (url) => {
      let failure = null;
      try {
        await checkBrowserApp(url);
      } catch (error) {
        failure = error;
      }
      if (!failure) throw new Error("Vite 7's dev server now serves the .wasm of a pre-bundled dependency: drop the Vite 7 note from NOTES.md");
      if (!/\.vite\/deps\/iot_upgrade_task_bg\.wasm/.test(failure.message)) throw new Error(`it broke in an unexpected way: ${failure.message}`);
      if (!failure.message.includes("the task call rejected: network:")) throw failure;
    });
  });

  let webpackResult = null;
  await test("webpack 5 production build (no settings): dist/ served, page and module worker in Chromium", async () => {
    const dir = await consumers.webpack();
    await node([toolBin("webpack-cli", "webpack-cli"), "--mode", "production"], { cwd: dir, timeoutMs: 180000 });
    webpackResult = (await checkBuiltApp(join(dir, "dist"))).result;
  });
  await test("webpack 5: `require()` in the bundle (index.cjs) makes the round trip; errors are instanceof the ESM class", async () => {
    if (!webpackResult) throw new Error("the webpack build did not run");
    checkRoundTrip(webpackResult.viaRequire, "require() in the webpack bundle");
    if (webpackResult.viaRequire.notFound.instanceofEsmClass !== true) throw new Error("the error from require() is not instanceof the UpgradeTaskError from import");
  });

  await test("webpack 5 with experiments.asyncWebAssembly on (apps with other .wasm deps): still works", async () => {
    const dir = await consumers.webpack();
    await node([toolBin("webpack-cli", "webpack-cli"), "--mode", "production", "--config", "webpack.async-wasm.config.js"], { cwd: dir, timeoutMs: 180000 });
    await checkBuiltApp(join(dir, "dist-async-wasm"));
  });

  await test("esbuild bundle (.wasm copied next to it): served, page and module worker in Chromium", async () => {
    const dir = await consumers.esbuild();
    await node(["build.mjs"], { cwd: dir, timeoutMs: 120000 });
    await checkBuiltApp(join(dir, "dist"));
  });
}

const started = Date.now();
try {
  await main();
} catch (error) {
  results.push(false);
  console.log(`not ok ${results.length} - the runner itself failed`);
  console.log(String(error?.stack ?? error).replace(/^/gm, "    "));
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch(() => {});
}
const passed = results.filter(Boolean).length;
const failed = results.length - passed;
if (failed === 0) rmSync(runDir, { recursive: true, force: true });
else console.log(`# the consumer projects of this run are left in ${runDir}`);
console.log(`# packaging tests took ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || results.length === 0 ? 1 : 0;
