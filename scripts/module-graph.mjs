// The module graph of a built package: the files a loader or a bundler reaches from some entry
// files, for the checks that follow pkg/'s imports (tests/size-budget.test.mjs: what a browser
// downloads; tests/packaging/run.mjs: no dead files; benches/lib/size.mjs: the files it sizes).
//
// esbuild (a devDependency of the workspace) parses the JavaScript and lists each file's import
// records in source order with their kind (static import/export … from, require("…"),
// import("…")), so comments, strings and minified code cannot fool the import walk. esbuild
// does not follow `new URL("./x.wasm", import.meta.url)` (the way the glue finds its .wasm), so
// those asset references are read from the source text here (one in a comment would count). Only relative specifiers ("./", "../")
// are followed, to exactly the file they name (no extension or index.js guessing: Node does
// none either); bare and `node:` specifiers are someone else's files.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

/** The files esbuild parses; anything else reached (.wasm, .json, .d.ts …) is a leaf. */
const JS = /\.(?:js|mjs|cjs)$/;
const RELATIVE = /^\.\.?\//;
/** `new URL("./file", import.meta.url)` with a literal, relative first argument. */
const ASSET_URL = /\bnew\s+URL\(\s*(["'])(\.\.?\/[^"'\n]+)\1\s*,\s*import\.meta\.url\s*\)/g;

/** Keeps esbuild to exact relative files: a missing or non-JS target, and every non-relative
 * specifier, is external (recorded in the metafile, never loaded). */
const exactRelative = {
  name: "exact-relative",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      if (!RELATIVE.test(args.path)) return { path: args.path, external: true };
      const target = path.resolve(args.resolveDir, args.path);
      // An external keeps the specifier as written, so the metafile gives it back as is.
      return JS.test(target) && existsSync(target) ? { path: target } : { path: args.path, external: true };
    });
  },
};

/** esbuild's import records of `files` (absolute paths of JS files) and of every file they
 * reach, by absolute path. */
async function importRecords(files) {
  const cwd = process.cwd();
  const result = await build({
    absWorkingDir: cwd,
    entryPoints: files.map((file, i) => ({ in: file, out: `entry${i}` })),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    write: false,
    outdir: "module-graph-out",
    metafile: true,
    logLevel: "silent",
    plugins: [exactRelative],
  });
  const records = new Map();
  for (const [input, { imports }] of Object.entries(result.metafile.inputs)) {
    records.set(path.resolve(cwd, input), imports);
  }
  return records;
}

/**
 * Every file reached from `roots` (paths relative to `dir`), depth-first from each root in
 * turn, a file's imports before its assets: static `import`/`export … from` and `new URL("…", import.meta.url)` always, and
 * `require("…")` and `import("…")` when `follow` says so. Returns `{ files, missing }`, both
 * relative to `dir` with "/" separators; `missing` are the referenced files (roots too) that do
 * not exist. A file esbuild cannot parse rejects with esbuild's message.
 * @param {string} dir
 * @param {string[]} roots
 * @param {{ require?: boolean, dynamicImport?: boolean }} [follow]
 * @returns {Promise<{ files: string[], missing: string[] }>}
 */
export async function moduleGraph(dir, roots, follow = {}) {
  const kinds = new Set(["import-statement", ...(follow.require ? ["require-call"] : []), ...(follow.dynamicImport ? ["dynamic-import"] : [])]);
  /** @type {Map<string, string[]>} absolute file → the absolute files it references, in order */
  const edges = new Map();
  const parse = async (files) => {
    for (const [input, imports] of await importRecords(files)) {
      if (edges.has(input)) continue;
      const from = path.dirname(input);
      const referenced = imports
        .filter((r) => kinds.has(r.kind) && RELATIVE.test(r.original ?? r.path))
        .map((r) => path.resolve(from, r.original ?? r.path));
      for (const m of readFileSync(input, "utf8").matchAll(ASSET_URL)) referenced.push(path.resolve(from, m[2]));
      edges.set(input, referenced);
    }
  };
  // One esbuild run for all the roots; another only for a module reached by `new URL` alone.
  const jsRoots = roots.map((root) => path.resolve(dir, root)).filter((file) => JS.test(file) && existsSync(file));
  if (jsRoots.length > 0) await parse([...new Set(jsRoots)]);
  const edgesOf = async (file) => {
    if (!edges.has(file)) await parse([file]);
    return edges.get(file) ?? [];
  };

  const seen = new Set();
  const missing = new Set();
  const visit = async (file) => {
    if (seen.has(file) || missing.has(file)) return;
    if (!existsSync(file)) {
      missing.add(file);
      return;
    }
    seen.add(file);
    if (!JS.test(file)) return;
    for (const next of await edgesOf(file)) await visit(next);
  };
  for (const root of roots) await visit(path.resolve(dir, root));
  const relative = (file) => path.relative(dir, file).split(path.sep).join("/");
  return { files: [...seen].map(relative), missing: [...missing].map(relative) };
}
