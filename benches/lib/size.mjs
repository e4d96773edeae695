// Download size: raw, gzip (zlib level 9, as `gzip -9`) and brotli (quality 11) bytes of each
// file a browser fetches from the package, of the package bundled by esbuild (JS minified, the
// .wasm emitted beside it as is), and of the peer (zod + its schema + fetch code) and floor
// bundles, minified by esbuild the same way.

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { moduleGraph } from "../../scripts/module-graph.mjs";
import { HERE, ROOT } from "./stats.mjs";

export const PKG = path.join(ROOT, "pkg");
export const BROWSER_FILES = ["iot_upgrade_task_bg.wasm", "index.js", "iot_upgrade_task.js"];

/** Every file a browser downloads from the package in `dir`: the .wasm first, then the entry
 * (index.js) and every module it imports statically, with the .wasm it fetches by
 * `new URL(…, import.meta.url)` (scripts/module-graph.mjs, as tests/size-budget.test.mjs walks
 * it), so a new module is counted without editing a list. */
export async function browserFiles(dir) {
  const { files } = await moduleGraph(dir, ["index.js"]);
  return ["iot_upgrade_task_bg.wasm", ...files.filter((f) => f !== "iot_upgrade_task_bg.wasm")];
}

export const gzipSize = (buf) => zlib.gzipSync(buf, { level: 9 }).length;
export const brotliSize = (buf) =>
  zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;
const measure = (name, buf) => ({ name, raw: buf.length, gzip: gzipSize(buf), brotli: brotliSize(buf) });

async function bundle(esbuild, entry, outfile) {
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outfile,
    logLevel: "error",
    // The package's .wasm stays a separate file, exactly as bundlers emit it.
    external: ["*.wasm"],
  });
  return readFileSync(outfile);
}

/** The files a browser downloads from the package in `dir`, and their sum. */
export async function measureShipped(dir) {
  const files = (await browserFiles(dir)).map((f) => measure(`pkg/${f}`, readFileSync(path.join(dir, f))));
  return { files, shipped: { name: `package as shipped (the ${files.length} files above)`, raw: files.reduce((a, r) => a + r.raw, 0), gzip: files.reduce((a, r) => a + r.gzip, 0), brotli: files.reduce((a, r) => a + r.brotli, 0) } };
}

/** Measures everything; `outDir` receives the bundles (the Chromium run serves them too). */
export async function measureSizes(outDir) {
  const esbuild = await import("esbuild");
  const files = (await browserFiles(PKG)).map((f) => measure(`pkg/${f}`, readFileSync(path.join(PKG, f))));
  const sum = (rows, name) => ({ name, raw: rows.reduce((a, r) => a + r.raw, 0), gzip: rows.reduce((a, r) => a + r.gzip, 0), brotli: rows.reduce((a, r) => a + r.brotli, 0) });

  const projectEntry = path.join(outDir, "project-entry.mjs");
  writeFileSync(projectEntry, `export { queryUpgradeTask } from ${JSON.stringify(path.join(PKG, "index.js"))};\n`);
  const projectJs = measure("project JS, bundled + minified (esbuild)", await bundle(esbuild, projectEntry, path.join(outDir, "project.min.js")));
  const wasm = files[0];

  const peerEntry = path.join(outDir, "peer-entry.mjs");
  writeFileSync(peerEntry, `export { peerQuery } from ${JSON.stringify(path.join(HERE, "peer.mjs"))};\n`);
  const peer = measure("peer: zod + schema + fetch, bundled + minified (esbuild)", await bundle(esbuild, peerEntry, path.join(outDir, "peer.min.js")));
  const floorEntry = path.join(outDir, "floor-entry.mjs");
  writeFileSync(floorEntry, `export { floorQuery } from ${JSON.stringify(path.join(HERE, "floor.mjs"))};\n`);
  const floor = measure("floor: fetch + JSON.parse, bundled + minified (esbuild)", await bundle(esbuild, floorEntry, path.join(outDir, "floor.min.js")));

  return {
    esbuildVersion: esbuild.version,
    files,
    shipped: sum(files, `package as shipped (the ${files.length} files above)`),
    bundled: sum([projectJs, wasm], "package bundled: minified JS + .wasm"),
    projectJs,
    peer,
    floor,
  };
}
