// Where the package's cold start goes (BENCHMARKS.md section 4), from a CPU profile of this build.
//
// Each child (`node benches/lib/cold-profile.mjs child`, a fresh process) starts a V8 CPU profile
// through node:inspector (50 µs sampling) BEFORE importing ../../pkg/node.js, imports it, makes
// the first call, stops and prints the profile. The call gets an in-memory fetch (a `Response`
// made from the typical body), not the loopback server of cold.mjs: the loopback call also pays
// Node's first real fetch (loading undici's client and its llhttp parser, opening the first
// connection) and waits on the server, which the floor pays as well and which is not the
// package's. undici's `Response`, `Request` and `Headers` are loaded before the profile starts
// (every client pays that); what undici then runs for the package's request is in the profile.
//
// The parent (`measureColdProfile`) runs N such children, and a few with
// `--no-wasm-lazy-compilation` (a diagnosis only: with V8's lazy compilation, Node 20's default,
// a wasm function is compiled the first time it runs, and the profile shows that compile as the
// function's own self time; with eager compilation `new WebAssembly.Module` compiles everything
// and the functions' self time is only their running), and sums each profile's self time by
// category (`categorise`). Wasm frames are `wasm-function[N]` (N: the function index, imports
// first) at column = the body's offset in the module; each is checked against the shipped
// .wasm's own body offsets and named from the names-kept twin (benches/lib/wasm-profile.mjs),
// whose code section is the shipped one byte for byte.
//
//   node benches/lib/cold-profile.mjs [N]     builds the twin, prints the measurement as JSON

import { Session } from "node:inspector/promises";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runNodeJson } from "./stats.mjs";
import { buildTwin, ownerOf, readWasmFunctions, shortName } from "./wasm-profile.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SAMPLING_US = 50;

/** The categories, in the order of the table, with what each row says it is. */
export const CATEGORIES = {
  wasm: "the package's wasm functions (running; with lazy compilation also being compiled on first use)",
  "wasm-compile": "`new WebAssembly.Module` (decoding, validating; with eager compilation also compiling)",
  "wasm-instantiate": "`new WebAssembly.Instance`",
  wrappers: "V8's JS↔wasm wrappers (`js-to-wasm`, `wasm-to-js`)",
  glue: "wasm-bindgen glue (pkg/iot_upgrade_task.js)",
  "package-js": "package JS (pkg/node.js)",
  undici: "undici (Node's fetch: `Request`, `Headers`, `Response`, body stream)",
  "node-loader": "Node's module loader (resolving, reading, compiling the imported modules)",
  node: "other Node internals (streams, events, timers, `AbortController`, fs)",
  program: "(program): V8 outside any JS or wasm frame (parsing and compiling JS lazily, …)",
  builtins: "V8 built-ins without a script (`JSON.parse`, …)",
  gc: "garbage collector",
  idle: "idle",
  "other-wasm": "other wasm (not the package's module)",
  harness: "this bench script (the in-memory fetch)",
  profiler: "the profiler's own stop (node:inspector's `dispatch`; not in the sum)",
  other: "other",
};

/**
 * Self time of one CPU profile by category, and of the package's wasm functions by index.
 * The time after each sample, up to the next one, is that sample's (the first delta, from the
 * profile's start to the first sample, is the profiler's own start-up and is dropped; the last
 * sample gets none). The profiler's own stop (`Profiler.stop` through the session's `dispatch`)
 * is its own category, left out of `total`.
 * @param {{nodes: {id: number, callFrame: {functionName: string, url: string, columnNumber: number}}[], samples: number[], timeDeltas: number[]}} profile
 * @param {{ offsets?: Map<number, number> }} [wasm] offsets: function index → body offset in the
 *   package's .wasm; a wasm frame whose column is not its index's offset is "other-wasm" (and
 *   counted in `mismatched`). Without `offsets` every `wasm-function[N]` frame is the package's.
 * @returns {{ categories: Record<string, number>, total: number, functions: Map<number, number>,
 *   frames: Map<string, number>, matched: number, mismatched: number }} times in ms; `frames`:
 *   the other categories' self time by "category\tfunction file"; matched / mismatched count
 *   distinct wasm frames (profile nodes).
 */
export function categorise(profile, { offsets } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  /** @type {Record<string, number>} */
  const categories = {};
  const functions = new Map();
  const checked = new Map();
  /** @type {Map<string, number>} */
  const frameTimes = new Map();
  let total = 0;
  for (let i = 0; i + 1 < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i]);
    if (!frame) continue;
    const ms = profile.timeDeltas[i + 1] / 1000;
    const { functionName: name, url, columnNumber } = frame;
    let cat;
    const fn = /^wasm-function\[(\d+)\]$/.exec(name);
    if (url.startsWith("wasm://")) {
      if (/^(?:js-to-wasm|wasm-to-js)(?::|$)/.test(name)) cat = "wrappers";
      else if (fn) {
        const index = Number(fn[1]);
        const ok = offsets ? offsets.get(index) === columnNumber : true;
        checked.set(frame, ok);
        if (ok) {
          cat = "wasm";
          functions.set(index, (functions.get(index) ?? 0) + ms);
        } else cat = "other-wasm";
      } else cat = "other-wasm";
    } else if (name === "(garbage collector)") cat = "gc";
    else if (name === "(idle)") cat = "idle";
    else if (name === "(program)" || name === "(root)") cat = "program";
    else if (url === "" && name === "Module") cat = "wasm-compile";
    else if (url === "" && name === "Instance") cat = "wasm-instantiate";
    else if (url === "" && name === "dispatch") cat = "profiler"; // the inspector session's Profiler.stop
    else if (url === "") cat = "builtins";
    else if (/\/pkg\/iot_upgrade_task\.js$/.test(url)) cat = "glue";
    else if (/\/pkg\/[^/]+\.js$/.test(url)) cat = "package-js";
    else if (url.includes("undici")) cat = "undici";
    // fs/promises: the loader reading the modules' source (the package reads its .wasm with readFileSync).
    else if (/internal\/modules\/|internal\/fs\/promises/.test(url)) cat = "node-loader";
    else if (url.includes("/benches/lib/")) cat = "harness";
    else if (url.startsWith("node:") || !url.includes("/")) cat = "node";
    else cat = "other";
    categories[cat] = (categories[cat] ?? 0) + ms;
    if (cat !== "wasm") {
      const key = `${cat}\t${name || "(anonymous)"}${url && !url.startsWith("wasm://") ? " " + url.replace(/^.*\//, "") : ""}`;
      frameTimes.set(key, (frameTimes.get(key) ?? 0) + ms);
    }
    if (cat !== "profiler") total += ms;
  }
  const verdicts = [...checked.values()];
  return { categories, total, functions, frames: frameTimes, matched: verdicts.filter(Boolean).length, mismatched: verdicts.filter((x) => !x).length };
}

const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The medians across processes: per category, of the total, and what wasm functions ran.
 * @param {ReturnType<typeof categorise>[]} runs
 * @param {{ functions: {index: number, name: string|null, bytes: number}[] } | null} twin the
 *   names-kept twin's functions (readWasmFunctions), or null (no names, no sizes)
 */
export function aggregate(runs, twin) {
  const keys = Object.keys(CATEGORIES).filter((k) => runs.some((r) => (r.categories[k] ?? 0) > 0));
  const frameKeys = new Set(runs.flatMap((r) => [...(r.frames ?? new Map()).keys()]));
  /** @param {string} key the top three frames of a category, by their median self time */
  const topFrames = (key) =>
    [...frameKeys]
      .filter((k) => k.startsWith(key + "\t"))
      .map((k) => ({ name: k.slice(key.length + 1), ms: median(runs.map((r) => r.frames?.get(k) ?? 0)) }))
      .filter((f) => f.ms > 0)
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3);
  const categories = keys.map((key) => ({ key, ms: median(runs.map((r) => r.categories[key] ?? 0)), top: topFrames(key) })).sort((a, b) => b.ms - a.ms);
  const byIndex = new Map((twin?.functions ?? []).map((f) => [f.index, f]));
  const union = new Map();
  for (const r of runs) for (const [i, t] of r.functions) union.set(i, [...(union.get(i) ?? []), t]);
  const bytesOf = (/** @type {Iterable<number>} */ ids) => [...ids].reduce((a, i) => a + (byIndex.get(i)?.bytes ?? 0), 0);
  const ran = [...union].map(([index, times]) => {
    const f = byIndex.get(index);
    return { index, name: f?.name ?? null, bytes: f?.bytes ?? null, owner: ownerOf(f?.name ?? null).group, ms: median([...times, ...Array(runs.length - times.length).fill(0)]), runs: times.length };
  });
  return {
    processes: runs.length,
    total: median(runs.map((r) => r.total)),
    categories,
    functionsPerProcess: median(runs.map((r) => r.functions.size)),
    bytesPerProcess: median(runs.map((r) => bytesOf(r.functions.keys()))),
    functionsAny: union.size,
    bytesAny: bytesOf(union.keys()),
    moduleFunctions: twin?.functions.length ?? null,
    moduleBytes: twin ? twin.functions.reduce((a, f) => a + f.bytes, 0) : null,
    largest: [...ran].sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0)).slice(0, 8),
    slowest: [...ran].sort((a, b) => b.ms - a.ms).slice(0, 8),
    matched: runs.reduce((a, r) => a + r.matched, 0),
    mismatched: runs.reduce((a, r) => a + r.mismatched, 0),
  };
}

/**
 * How far the names-kept twin's function indices are the shipped module's: same imports, same
 * number of bodies, each index's body the same size.
 * @param {ReturnType<typeof readWasmFunctions>} twin @param {ReturnType<typeof readWasmFunctions>} shipped
 */
export function sameIndices(twin, shipped) {
  const sizes = twin.functions.filter((f, i) => shipped.functions[i]?.bytes === f.bytes).length;
  return { imports: twin.imports === shipped.imports, functions: twin.functions.length === shipped.functions.length, sameSize: sizes, of: twin.functions.length };
}

/**
 * Which wasm functions V8 compiled in one more child, exactly (not sampled): V8's
 * `--trace-wasm-compilation-times` prints a line per compiled function, its index (imports
 * first) and body size; with lazy compilation those are the functions the import and the first
 * call ran. Each line's size is checked against the shipped body of that index.
 * @param {string} text the child's stdout
 * @param {Map<number, {bytes: number}>} shipped the shipped .wasm's bodies by index
 */
export function compiledFunctions(text, shipped) {
  /** @type {Map<number, number>} */
  const seen = new Map();
  let sizeMismatches = 0;
  for (const m of text.matchAll(/^Compiled function \S*#(\d+) using (\w+).*bodysize (\d+)/gm)) {
    const [index, bytes] = [Number(m[1]), Number(m[3])];
    if (shipped.get(index)?.bytes !== bytes) sizeMismatches++;
    seen.set(index, bytes);
  }
  return { functions: seen.size, bytes: [...seen.values()].reduce((a, b) => a + b, 0), indices: [...seen.keys()], sizeMismatches };
}

/**
 * The whole measurement for benches/run.mjs.
 * @param {string} root @param {Buffer} pkgWasm @param {Buffer|null} twinBytes
 * @param {{ lazy?: number, eager?: number }} [plan] processes with V8's default (lazy) and eager compilation
 */
export async function measureColdProfile(root, pkgWasm, twinBytes, { lazy = 11, eager = 5 } = {}) {
  const started = Date.now();
  const shipped = readWasmFunctions(pkgWasm);
  const twin = twinBytes ? readWasmFunctions(twinBytes) : null;
  const shippedByIndex = new Map(shipped.functions.map((f) => [f.index, f]));
  const offsets = new Map(shipped.functions.map((f) => [f.index, f.offset]));
  const script = path.join(root, "benches", "lib", "cold-profile.mjs");
  /** @type {{lazy: ReturnType<typeof categorise>[], eager: ReturnType<typeof categorise>[]}} */
  const runs = { lazy: [], eager: [] };
  /** @type {{lazy: number[], eager: number[]}} */
  const first = { lazy: [], eager: [] };
  // Interleaved, so a change in the machine's load touches both alike.
  for (let i = 0; i < Math.max(lazy, eager); i++) {
    for (const mode of /** @type {const} */ (["lazy", "eager"])) {
      if (i >= (mode === "lazy" ? lazy : eager)) continue;
      const out = await runNodeJson([...(mode === "eager" ? ["--no-wasm-lazy-compilation"] : []), script, "child"]);
      runs[mode].push(categorise(out.profile, { offsets }));
      first[mode].push(out.importMs + out.firstMs);
    }
  }
  const traced = execFileSync(process.execPath, ["--trace-wasm-compilation-times", script, "child"], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const compiled = compiledFunctions(traced, shippedByIndex);
  const byIndex = new Map((twin?.functions ?? []).map((f) => [f.index, f]));
  return {
    compiled: {
      functions: compiled.functions,
      bytes: compiled.bytes,
      sizeMismatches: compiled.sizeMismatches,
      largest: compiled.indices
        .map((index) => ({ index, name: byIndex.get(index)?.name ?? null, bytes: shippedByIndex.get(index)?.bytes ?? 0 }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 8),
    },
    lazy: aggregate(runs.lazy, twin),
    eager: aggregate(runs.eager, twin),
    importAndFirst: { lazy: median(first.lazy), eager: median(first.eager) },
    indices: twin ? sameIndices(twin, shipped) : null,
    samplingUs: SAMPLING_US,
    seconds: (Date.now() - started) / 1000,
  };
}

/** A function's row name: its twin name, shortened, or its index. @param {{index: number, name: string|null}} f */
export const functionLabel = (f, max = 80) => (f.name ? shortName(f.name, max) : `wasm-function[${f.index}]`);

// ---- the child ---------------------------------------------------------------------------------

async function child() {
  const { BODIES } = await import("./fixtures.mjs");
  const body = new TextEncoder().encode(BODIES.typical);
  const headers = { "content-type": "application/json;charset=UTF-8", "content-length": String(body.length) };
  // Load undici's classes now (Node loads them on first use; every client pays it).
  void [globalThis.Response, globalThis.Request, globalThis.Headers];
  globalThis.fetch = async () => new Response(body, { status: 200, headers });
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: SAMPLING_US });
  await session.post("Profiler.start");
  const t0 = performance.now();
  const { queryUpgradeTask } = await import("../../pkg/node.js");
  const t1 = performance.now();
  const task = await queryUpgradeTask("typical", "bench-token", { baseUrl: "http://127.0.0.1:9", appKey: "bench-app", retry: false });
  const t2 = performance.now();
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  if (!task || typeof task !== "object") throw new Error("the first call gave no task");
  console.log(JSON.stringify({ importMs: t1 - t0, firstMs: t2 - t1, profile }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === "child") await child();
  else {
    const root = path.join(HERE, "..", "..");
    const pkgWasm = readFileSync(path.join(root, "pkg", "iot_upgrade_task_bg.wasm"));
    const n = Number(process.argv[2] ?? 11);
    const result = await measureColdProfile(root, pkgWasm, buildTwin(root), { lazy: n, eager: Math.ceil(n / 2) });
    const plain = JSON.stringify(result, (_, v) => (v instanceof Map ? Object.fromEntries(v) : v), 1);
    console.log(plain);
  }
}
