#!/usr/bin/env node
// Builds the npm package into pkg/: cargo (wasm32, release, inline threshold 40) →
// wasm-bindgen (--target web, one .wasm for every entry) → wasm-opt -Oz, two more settings and
// the boundary's names minified, the glue rewritten to match (binaryen from npm; never Debian's
// old wasm-opt) →
// the pkg-template files, plus the files derived from them (errors.cjs, index.d.cts) and the
// platform simulator; the Node entry and the browser entry each bundled into one module beside
// the glue and the glue printed compactly (esbuild), the browser entry's parts (in a scratch
// folder, not shipped) and the CommonJS copies without their comments (TypeScript). Fails
// loudly when any step is skipped.

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildSync, transformSync } from "esbuild";
import ts from "typescript";
import { packageReadmeOf } from "./package-readme.mjs";
import { WASM_BINDGEN_FLAGS, WASM_OPT_FLAGS } from "./wasm-opt-flags.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");
const template = join(root, "pkg-template");
const crate = "iot_upgrade_task";

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });

// LLVM's inliner and loop unroller held back from opt-level 3's defaults, passed to the
// crate's own compilation, which is where LTO optimises everything (per-package opt-levels,
// thin LTO and more codegen units change nothing or grow the module): generic serde and
// future code copied into fewer callers, fewer unrolled loops, the same per-call speed.
// - inline threshold 225 → 40: 50 was measured first (−9 KB gzip; 50 vs 225 0.98–1.04×,
//   median 0.995×, 4 runs); 40 takes 1.3 KB more; 30 was 2–7 % slower, 25 4–8 %.
// - unroll threshold (300 → 50) and the threshold for `#[inline]`-hinted callees (325 → 100):
//   1.0 KB less gzip together (on top of 40). Each of the three alone and a few other values
//   were measured for size; only this combination for speed.
// Measured on the whole set against 50 / 300 / 325 (in-memory fetch, interleaved, 10 runs of
// 20 × 200 calls per task): typical 1.008× (0.98–1.03), largest 0.993× (0.94–1.06).
// opt-level "s" instead: 6–9 % slower; "z" 14 %.
// Panic locations name their source files in the .wasm's data. --remap-path-prefix (for every
// crate: the target's RUSTFLAGS) shortens the registry's paths to `serde_json-1.0.154/src/…`
// and maps std's sources back to the `/rustc/<commit>/` prefix std ships with, whether or not
// rustup's rust-src component is installed (with it, rustc otherwise writes the local path,
// `/root/.rustup/…`, beside the /rustc/ one: +424 B raw, +84 B gzip). The .wasm then no longer
// depends on where the builder's home is: 100277 -> 100070 B gzip (229772 -> 228404 raw).
const remaps = [];
const cargoHome = process.env.CARGO_HOME ?? join(homedir(), ".cargo");
const registry = join(cargoHome, "registry", "src");
for (const index of existsSync(registry) ? readdirSync(registry) : []) remaps.push(`--remap-path-prefix=${join(registry, index)}/=`);
const rustcInfo = execFileSync("rustc", ["-vV"], { cwd: root, encoding: "utf8" });
const commit = /^commit-hash: (\w+)$/m.exec(rustcInfo)?.[1];
if (commit) {
  const sysroot = execFileSync("rustc", ["--print", "sysroot"], { cwd: root, encoding: "utf8" }).trim();
  remaps.push(`--remap-path-prefix=${join(sysroot, "lib", "rustlib", "src", "rust")}=/rustc/${commit}`);
}
const targetFlags = "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS";
const cargoEnv = { ...process.env, [targetFlags]: [process.env[targetFlags], ...remaps].filter(Boolean).join(" ") };
run("cargo", [
  "rustc",
  "--release",
  "--locked",
  "--target",
  "wasm32-unknown-unknown",
  "--lib",
  "--",
  "-C",
  "llvm-args=-inline-threshold=40",
  "-C",
  "llvm-args=-inlinehint-threshold=100",
  "-C",
  "llvm-args=-unroll-threshold=50",
], { env: cargoEnv });

rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg, { recursive: true });
const input = join(root, "target", "wasm32-unknown-unknown", "release", `${crate}.wasm`);
run("wasm-bindgen", [...WASM_BINDGEN_FLAGS, "--out-dir", pkg, "--out-name", crate, input]);

const wasmFile = join(pkg, `${crate}_bg.wasm`);
const before = statSync(wasmFile).size;
const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
if (!existsSync(wasmOpt)) throw new Error("wasm-opt from the npm package binaryen is missing: run npm ci");
// wasm-opt -Oz and the flags scripts/wasm-opt-flags.mjs explains (shared with the benches'
// names-kept twin of this .wasm, benches/lib/wasm-profile.mjs).
const printed = run(wasmOpt, [...WASM_OPT_FLAGS, wasmFile, "-o", wasmFile], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
const after = statSync(wasmFile).size;
if (after >= before) throw new Error(`wasm-opt did not shrink the module (${before} → ${after} bytes)`);
const glue = join(pkg, `${crate}.js`);
writeFileSync(glue, renameBoundary(readFileSync(glue, "utf8"), printed, readFileSync(wasmFile)));

/**
 * The glue with the .wasm's imports, their module and its exports under the names wasm-opt's
 * --minify-imports-and-exports-and-modules gave them (`printed`: the mapping it prints), as
 * emscripten does after the same pass. Every name is checked: each import is one key of the
 * glue's imports object, the module is the one the .wasm now imports, and no `wasm.…` the glue
 * reads is left under an old name; anything else fails the build.
 */
function renameBoundary(code, printed, wasmBytes) {
  const start = printed.indexOf("{");
  if (start < 0) throw new Error("wasm-opt printed no mapping of minified names (scripts/wasm-opt-flags.mjs ends with --minify-imports-and-exports-and-modules)");
  const map = JSON.parse(printed.slice(start));
  const modules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(wasmBytes)).map((entry) => entry.module));
  const oldModules = new Set(map.imports.map(([module]) => module));
  if (modules.size !== 1 || oldModules.size !== 1) throw new Error(`wasm-opt left imports from ${[...modules]} (was ${[...oldModules]}): one module expected`);
  const swap = (text, from, to, what) => {
    const parts = text.split(from);
    if (parts.length !== 2) throw new Error(`the glue has ${parts.length - 1} ${what} where one was expected`);
    return parts.join(to);
  };
  code = swap(code, `\n        ${JSON.stringify([...oldModules][0])}: import0,\n`, `\n        ${JSON.stringify([...modules][0])}: import0,\n`, "imports module keys");
  for (const [, from, to] of map.imports) code = swap(code, `\n        ${from}: function(`, `\n        ${JSON.stringify(to)}: function(`, `keys ${from}`);
  const unused = code.match(/\n        (__wb(?:g|indgen)_\w*): function\(/);
  if (unused) throw new Error(`the glue defines the import ${unused[1]}, which the .wasm no longer imports`);
  const exports = new Map(map.exports);
  code = code.replace(/\bwasm\.([A-Za-z_$][\w$]*)/g, (whole, name) => (exports.has(name) ? `wasm[${JSON.stringify(exports.get(name))}]` : whole));
  const left = [...code.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)].map(([, name]) => name);
  if (left.length > 0) throw new Error(`the glue reads wasm.${left.join(", wasm.")}, which the .wasm does not export`);
  return code;
}

// The template's own files: package.json and every entry of its "files" list that lives in
// pkg-template/ (the rest are generated below or by wasm-bindgen), so the list is kept once.
const shipped = JSON.parse(readFileSync(join(template, "package.json"), "utf8")).files;
for (const name of ["package.json", ...shipped.filter((f) => existsSync(join(template, f)))]) {
  cpSync(join(template, name), join(pkg, name));
}
// README.md: the frame in pkg-template/ around the marked parts of the project README.
writeFileSync(join(pkg, "README.md"), packageReadmeOf(root));
// The licence texts (MIT OR Apache-2.0) live at the repository root.
for (const name of ["LICENSE-MIT", "LICENSE-APACHE"]) {
  cpSync(join(root, name), join(pkg, name));
}

// errors.cjs and config.cjs: the same code as CommonJS (instanceof works across both copies of
// the error class through its brand). The ESM sources use only what this conversion handles:
// exported functions and classes, and named imports of sibling files.
for (const [name, exports] of [
  ["errors", ["UpgradeTaskError", "toUpgradeTaskError"]],
  ["config", ["clientConfigProblems", "assertClientConfig"]],
]) {
  const esm = readFileSync(join(template, `${name}.js`), "utf8");
  const cjs =
    `"use strict";\n// Generated from ${name}.js by scripts/build-pkg.mjs.\n` +
    esm
      .replace(/^import (\{[^}]*\}) from "\.\/([\w-]+)\.js";$/gm, 'const $1 = require("./$2.cjs");')
      .replace(/^export (class|function) /gm, "$1 ") +
    `\nmodule.exports = { ${exports.join(", ")} };\n`;
  if (/^(export|import) /m.test(cjs)) throw new Error(`${name}.js has an import or export the CommonJS conversion does not handle`);
  writeFileSync(join(pkg, `${name}.cjs`), cjs);
}

// index.d.cts: the same declarations for `require` consumers under moduleResolution node16.
cpSync(join(template, "index.d.ts"), join(pkg, "index.d.cts"));

// The platform simulator, shipped as a Node-only subpath export and a bin.
if (existsSync(join(root, "simulator"))) {
  cpSync(join(root, "simulator"), join(pkg, "simulator"), { recursive: true, filter: (src) => !src.includes("node_modules") });
}

// The Node entry (node.js) ships as one module: esbuild bundles the template's node.js with
// api.js, config.js, errors.js, pages.js and table.js (readable, not minified; the glue stays its own
// module, shared with the browser entry). Every ES module costs Node a resolve, a read, a
// compile and a link: importing the package took 4.7 ms against 3.4 ms for the bundle (median of
// 30 fresh processes each, interleaved; an empty module 1.1 ms). Line comments are dropped; each
// part keeps a `// api.js` marker, its layout and (keepNames) every function's and class's name.
//
// esbuild's keepNames helper defines each name with a descriptor literal that inherits from
// Object.prototype: a page's `Object.prototype.get` (or `set`, even as a plain data property)
// makes that descriptor invalid, and the entry then failed to import at all ("Invalid
// property descriptor"). The helper's descriptor gets no prototype, as the package's own
// descriptors have (errors.js, api.js); tests/e2e/hostile-runtime.test.mjs imports both entries
// under that pollution.
const NAME_HELPER = 'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';
/** Bundles `entry` of `dir` into pkg/ (the glue kept as its own module), helper rewritten. */
const bundleEntry = (dir, entry, platform) => {
  const outfile = join(pkg, entry);
  buildSync({
    absWorkingDir: dir,
    entryPoints: [entry],
    outfile,
    allowOverwrite: true,
    bundle: true,
    format: "esm",
    platform,
    target: "esnext",
    external: [`./${crate}.js`],
    keepNames: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const code = readFileSync(outfile, "utf8");
  if (code.split(NAME_HELPER).length !== 2) throw new Error(`pkg/${entry}: esbuild's __name helper is not the one line this script rewrites (a new esbuild?)`);
  writeFileSync(outfile, code.replace(NAME_HELPER, NAME_HELPER.replace("{ value,", "{ __proto__: null, value,")));
};
bundleEntry(template, "node.js", "node");
// The wasm-bindgen glue (what the browser downloads most of, after the .wasm) ships printed
// compactly by esbuild: whitespace and syntax minified, every identifier kept (the .wasm's
// import and export names are the minified ones renameBoundary wrote in). 6.9 -> 6.2 KB
// gzip against TypeScript's comment-free printing. The glue has no imports, so the tools that
// follow a module's `import … from` lines (tests/size-budget.test.mjs, benches) still see every
// file a browser loads.
const compact = transformSync(readFileSync(glue, "utf8"), {
  sourcefile: `${crate}.js`,
  format: "esm",
  target: "esnext",
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  logLevel: "warning",
});
writeFileSync(glue, compact.code);
// The browser's modules (bundled below into index.js) and the CommonJS copies derived from
// them ship without comments: TypeScript's printer (the workspace's own devDependency) prints
// each one again with removeComments, the code itself unchanged (target ESNext: nothing is
// down-levelled). The commented sources stay in pkg-template/ (and src/js for the glue's doc
// comments). About 4 KB less gzip of download. The ESM parts are printed into a scratch folder,
// where the bundler reads them: no entry imports them as modules, so they are not shipped.
const printWithoutComments = (file, name) => {
  const { outputText, diagnostics } = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: name,
    reportDiagnostics: true,
    compilerOptions: { removeComments: true, target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.Preserve, allowJs: true },
  });
  if (diagnostics.length > 0) throw new Error(`${name}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, "\n")}`);
  writeFileSync(file, outputText);
};
for (const name of ["config.cjs", "errors.cjs"]) printWithoutComments(join(pkg, name), name);
const parts = mkdtempSync(join(tmpdir(), "iot-build-pkg-"));
try {
  for (const name of ["index.js", "api.js", "config.js", "errors.js", "pages.js", "table.js"]) {
    cpSync(join(template, name), join(parts, name));
    printWithoutComments(join(parts, name), name);
  }

  // The browser entry (index.js) ships as one module, like node.js: index.js bundled with
  // api.js, config.js, errors.js, pages.js and table.js as printed above without comments (esbuild would
  // keep the JSDoc blocks inside classes and functions: +356 B gzip), readable, keepNames, a
  // `// api.js` marker before each part; the glue and the .wasm beside it (`new URL("./…_bg.wasm",
  // import.meta.url)` is kept as written, the pattern bundlers follow). A browser then loads two
  // modules in one round trip instead of six over three (index.js → api.js → config.js →
  // errors.js), and the gzip of the JS it downloads is 13734 → 13222 B (-512 B: one gzip stream,
  // the code shared by name). Measured and not adopted: the same bundle minified (esbuild
  // --minify, keepNames) 11599 B with the glue beside it, 11330 B with the glue inside, 10154 B
  // inside without keepNames; a bundler minifies an app's code anyway, and the package stays
  // readable for the users who load it as is.
  bundleEntry(parts, "index.js", "browser");
} finally {
  rmSync(parts, { recursive: true, force: true });
}
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
const sizes = ["iot_upgrade_task_bg.wasm", "iot_upgrade_task.js", "index.js", "node.js"].map((f) => [f, statSync(join(pkg, f)).size, gz(join(pkg, f))]);
for (const [f, raw, gzip] of sizes) console.log(`pkg/${f}: ${raw} bytes, ${gzip} gzip`);
