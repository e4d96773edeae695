// What the .wasm's bytes are: every function body's size by its name, grouped by the crate and
// module that owns it, and the data section, measured on the build `make bench` benchmarks.
//
// The shipped .wasm has no names (wasm-opt --strip-debug). Its "names-kept twin" is built from
// the same cargo output (target/wasm32-unknown-unknown/release/iot_upgrade_task.wasm, the input
// of scripts/build-pkg.mjs) by the same wasm-bindgen options plus --keep-debug and exactly the
// shipped wasm-opt flags plus --debuginfo (scripts/wasm-opt-flags.mjs): the name section
// survives, the code is the shipped code (its code section is compared with pkg/'s, byte for
// byte). The twin is read here (no twiggy): the import section (imported functions take the
// first function indices, and have no body), the code section (one size per body) and the
// "name" custom section's function names (subsection 1). Names are Rust's demangled paths.
//
//   node benches/lib/wasm-profile.mjs      builds the twin, prints the profile as JSON

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WASM_BINDGEN_FLAGS, WASM_OPT_FLAGS } from "../../scripts/wasm-opt-flags.mjs";
import { leb, wasmSections } from "./wasm-sections.mjs";

const CRATE = "iot_upgrade_task";

/** @param {Buffer} buf @param {number} at @returns {[string, number]} */
const utf8 = (buf, at) => {
  const [len, p] = leb(buf, at);
  return [buf.subarray(p, p + len).toString("utf8"), p + len];
};

/** Skips one import's description (after module and field names).
 * @param {Buffer} buf @param {number} at @returns {[boolean, number]} [isFunction, at] */
function skipImport(buf, at) {
  const kind = buf[at++];
  /** @param {number} p */
  const limits = (p) => {
    const flags = buf[p++];
    [, p] = leb(buf, p);
    if (flags & 1) [, p] = leb(buf, p);
    return p;
  };
  switch (kind) {
    case 0: // function: type index
      return [true, leb(buf, at)[1]];
    case 1: // table: reftype, limits
      return [false, limits(at + 1)];
    case 2: // memory: limits
      return [false, limits(at)];
    case 3: // global: valtype, mutability
      return [false, at + 2];
    case 4: // tag: attribute, type index
      return [false, leb(buf, at + 1)[1]];
    default:
      throw new Error(`wasm: unknown import kind ${kind}`);
  }
}

/**
 * Reads a .wasm's function bodies and names.
 * @param {Buffer} buf
 * @returns {{ imports: number, exports: Map<string, number>,
 *   functions: {index: number, name: string|null, bytes: number, offset: number}[],
 *   sections: ReturnType<typeof wasmSections>, code: Buffer|null,
 *   data: Buffer|null }}
 *   `index` is the function index (imports first), `bytes` the body's size (its size field not
 *   counted), `offset` where the body starts in `buf` (after its size field: what V8's CPU
 *   profile gives as a wasm frame's columnNumber), `code` and `data` the code and data sections'
 *   contents.
 */
export function readWasmFunctions(buf) {
  if (buf.length < 8 || buf.readUInt32LE(0) !== 0x6d736100) throw new Error("not a .wasm (no \\0asm magic)");
  let imports = 0;
  const exports = new Map();
  const bodies = [];
  /** @type {number[]} */
  const offsets = [];
  const names = new Map();
  let code = null;
  let data = null;
  const sections = wasmSections(buf);
  for (const { id, name, bytes: size, start: at } of sections) {
    const end = at + size;
    if (id === 2) {
      let [count, p] = leb(buf, at);
      for (let i = 0; i < count; i++) {
        [, p] = utf8(buf, p); // module
        [, p] = utf8(buf, p); // field
        let isFunction;
        [isFunction, p] = skipImport(buf, p);
        if (isFunction) imports++;
      }
    } else if (id === 7) {
      let [count, p] = leb(buf, at);
      for (let i = 0; i < count; i++) {
        let field, index;
        [field, p] = utf8(buf, p);
        const kind = buf[p++];
        [index, p] = leb(buf, p);
        if (kind === 0) exports.set(field, index);
      }
    } else if (id === 10) {
      code = buf.subarray(at, end);
      let [count, p] = leb(buf, at);
      for (let i = 0; i < count; i++) {
        let len;
        [len, p] = leb(buf, p);
        bodies.push(len);
        offsets.push(p);
        p += len;
      }
      if (p !== end) throw new Error("wasm: the code section's bodies do not fill it");
    } else if (id === 11) {
      data = buf.subarray(at, end);
    } else if (name === 'custom "name"') {
      let [, p] = utf8(buf, at);
      while (p < end) {
        const sub = buf[p++];
        let subSize;
        [subSize, p] = leb(buf, p);
        if (sub === 1) {
          let [count, q] = leb(buf, p);
          for (let i = 0; i < count; i++) {
            let index, fn;
            [index, q] = leb(buf, q);
            [fn, q] = utf8(buf, q);
            names.set(index, fn);
          }
        }
        p += subSize;
      }
    }
  }
  const functions = bodies.map((bytes, i) => ({ index: imports + i, name: names.get(imports + i) ?? null, bytes, offset: offsets[i] }));
  return { imports, exports, functions, sections, code, data };
}

// ---- owners --------------------------------------------------------------------------------

/** Rust's standard library crates: they own a function only when it names no other crate. */
const STD = new Set(["core", "alloc", "std", "compiler_builtins", "__rustc", "hashbrown"]);
/** compiler-builtins' functions, named as in C. */
const BUILTINS = /^(?:mem(?:cpy|move|set|cmp)|bcmp|fmaxf?|fminf?|__(?:multi3|udivti3|umodti3|divti3|modti3|ashlti3|lshrti3|ashrti3|muloti4))$/;
const PRIMITIVES = /^<(?:&(?:mut )?)?(?:char|str|bool|u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize|f32|f64|\[.*\])>::/;
/** The groups of library crates (BENCHMARKS.md's rows), by crate name. */
/** @type {Record<string, string>} */
const LIBRARY = {
  serde_json: "serde_json",
  serde: "serde",
  serde_core: "serde",
  serde_derive: "serde",
  serde_wasm_bindgen: "serde-wasm-bindgen",
  wasm_bindgen: "wasm-bindgen & co",
  js_sys: "wasm-bindgen & co",
  wasm_bindgen_futures: "wasm-bindgen & co",
  gloo_net: "wasm-bindgen & co",
  gloo_utils: "wasm-bindgen & co",
  web_sys: "wasm-bindgen & co",
  talc: "alloc + talc",
  __rustc: "alloc + talc",
  alloc: "alloc + talc",
  core: "core + std",
  std: "core + std",
  compiler_builtins: "core + std",
  hashbrown: "core + std", // std's own (HashMap); not a dependency of the crate
};
/** The crate paths a name mentions, in order (`a::b::c` with at least one `::`).
 * @param {string} name @returns {string[]} */
function cratePaths(name) {
  // A path starts at an identifier not preceded by `::` (the `::reserve` of
  // `RawVecInner<A>::reserve` continues a path, it is no crate).
  return name.match(/(?<![A-Za-z0-9_:])[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_{][A-Za-z0-9_{}]*)+/g) ?? [];
}

/** A name without the `::h<hash>` suffix and std's `[<hash>]` crate disambiguators.
 * @param {string} name @returns {string} */
export function cleanName(name) {
  return name.replace(/::h[0-9a-f]{16}\b/g, "").replace(/\[[0-9a-f]{16}\]/g, "");
}

/** The modules of the project's two halves ("js", "core"): its source files' names.
 * @param {string} root @returns {{js: Set<string>, core: Set<string>}} */
export function projectModules(root) {
  /** @param {string} dir */
  const of = (dir) => new Set(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".rs") && f !== "mod.rs").map((f) => f.slice(0, -3)) : []);
  return { js: of(path.join(root, "src", "js")), core: of(path.join(root, "src", "core")) };
}

/**
 * The owner of a function, by its name. The rule:
 * - The first crate path in the name that is not Rust's standard library (core, alloc, std) owns
 *   it, so generic library code instantiated for a crate's type counts with that crate
 *   (`core::ptr::drop_in_place<iot_upgrade_task::js::…>` is the edge's, `<core::marker::PhantomData<T>
 *   as serde_core::de::DeserializeSeed>::deserialize` serde's), and a trait impl counts with its
 *   type's crate (`<&mut serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::…` is
 *   serde_json's).
 * - Among the project's own paths an `iot_upgrade_task::js::…` one wins over an
 *   `iot_upgrade_task::core::…` one: the core never names the edge, so such code is the edge's
 *   (`<…::core::task::UpgradeTask as …::js::convert::ToJs>::to_js` is js::convert's). The module is
 *   the path's third segment when src/<half>/<segment>.rs exists, else the half (src/js/mod.rs).
 * - A name with only std paths is alloc's (counted with talc, the allocator) or core/std's, by
 *   its first path; std's methods on primitives (`<char>::…`) and compiler-builtins' C names
 *   (`memcmp`, `__multi3`) are core/std's.
 * - A name that is one of the module's exported functions (`nextPollDelay`, or `errorRecord
 *   externref shim`: wasm-bindgen's shim with the export's Rust code inlined into it) is the
 *   edge's exports (src/js/mod.rs); wasm-bindgen's other generated functions (`… shim`,
 *   `__wbindgen_…`, `__externref_…`) are wasm-bindgen's.
 * @param {string|null} name
 * @param {{ modules?: {js: Set<string>, core: Set<string>}, exports?: Set<string> }} context
 * @returns {{ group: string, module: string|null }} group: "edge" or "core" (the project's
 *   halves; `module` e.g. "js::convert", "js" for src/js/mod.rs), a LIBRARY group, "other"
 *   (`module`: the crate's name) or "unnamed"; report.mjs's OWNER_LABEL says what each row is.
 */
export function ownerOf(name, { modules = { js: new Set(), core: new Set() }, exports = new Set() } = {}) {
  if (name === null || name === "") return { group: "unnamed", module: null };
  const clean = cleanName(name);
  const paths = cratePaths(clean);
  /** @param {string} p */
  const crateOf = (p) => p.slice(0, p.indexOf("::"));
  const first = paths.find((p) => !STD.has(crateOf(p)));
  if (first && crateOf(first) === CRATE) {
    const mine = paths.find((p) => p.startsWith(`${CRATE}::js::`)) ?? first;
    const [, half, module] = mine.split("::");
    if (half !== "js" && half !== "core") return { group: "edge", module: "lib.rs" };
    return { group: half === "js" ? "edge" : "core", module: modules[half]?.has(module) ? `${half}::${module}` : half };
  }
  if (first) {
    const crate = crateOf(first);
    return LIBRARY[crate] ? { group: LIBRARY[crate], module: null } : { group: "other", module: crate };
  }
  if (paths.length > 0) return { group: LIBRARY[crateOf(paths[0])] ?? "core + std", module: null };
  if (PRIMITIVES.test(clean) || BUILTINS.test(clean)) return { group: "core + std", module: null };
  const word = clean.split(" ")[0];
  if (exports.has(word) && !/^__|^wasm_bindgen/.test(word)) return { group: "edge", module: "js" };
  if (/\bshim$|^__wbindgen|^__wbg_|^__externref|^wasm_bindgen/.test(clean)) return { group: "wasm-bindgen & co", module: null };
  return { group: "other", module: word || null };
}

/** A function's name for a table: no hashes, the project's crate as `crate::`, at most `max` characters.
 * @param {string|null} name @param {number} [max] @returns {string} */
export function shortName(name, max = 110) {
  if (name === null) return "(unnamed)";
  const s = cleanName(name).replaceAll(`${CRATE}::`, "crate::");
  return s.length <= max ? s : s.slice(0, max - 1) + "…";
}

/** How many bytes of `buf` lie in runs of `run` (8) or more printable ASCII characters (text).
 * @param {Uint8Array} buf @param {number} [run] @returns {number} */
export function textBytes(buf, run = 8) {
  let total = 0;
  let length = 0;
  for (const byte of buf) {
    if ((byte >= 0x20 && byte < 0x7f) || byte === 0x0a) length++;
    else {
      if (length >= run) total += length;
      length = 0;
    }
  }
  return length >= run ? total + length : total;
}

/**
 * The names ownerOf knows the exports by: the first word of each exported function's name in
 * the name section (`nextPollDelay`; `errorRecord` for `errorRecord externref shim`). The
 * export names themselves are minified (scripts/wasm-opt-flags.mjs), the internal ones not.
 * @param {ReturnType<typeof readWasmFunctions>} wasm @returns {Set<string>}
 */
export function exportedNames(wasm) {
  const exported = new Set(wasm.exports.values());
  return new Set(wasm.functions.filter((f) => exported.has(f.index) && f.name).map((f) => cleanName(f.name).split(" ")[0]));
}

/**
 * The profile of a names-kept .wasm (`twin`), against the shipped one (`shipped`, whose code
 * section it should equal).
 * @param {Buffer} twin @param {Buffer|null} [shipped] @param {{js: Set<string>, core: Set<string>}} [modules]
 */
export function profileWasm(twin, shipped = null, modules = { js: new Set(), core: new Set() }) {
  const t = readWasmFunctions(twin);
  const context = { modules, exports: exportedNames(t) };
  const s = shipped ? readWasmFunctions(shipped) : null;
  const rows = new Map();
  for (const f of t.functions) {
    const o = ownerOf(f.name, context);
    const key = `${o.group}\u0000${o.module ?? ""}`;
    const row = rows.get(key) ?? { group: o.group, module: o.module, functions: 0, bytes: 0 };
    row.functions++;
    row.bytes += f.bytes;
    rows.set(key, row);
  }
  /** @param {ReturnType<typeof readWasmFunctions>|null} w @param {number} id */
  const section = (w, id) => w?.sections.find((x) => x.id === id)?.bytes ?? null;
  const codeBytes = section(t, 10);
  const shippedCode = s ? section(s, 10) : null;
  return {
    imports: t.imports,
    functionCount: t.functions.length,
    named: t.functions.filter((f) => f.name !== null).length,
    bodies: t.functions.reduce((a, f) => a + f.bytes, 0),
    code: codeBytes,
    data: section(t, 11),
    shippedCode,
    shippedData: s ? section(s, 11) : null,
    shippedBytes: shipped?.length ?? null,
    codeIdentical: s && t.code && s.code ? Buffer.compare(t.code, s.code) === 0 : null,
    dataText: t.data ? textBytes(t.data) : null,
    owners: [...rows.values()].sort((a, b) => b.bytes - a.bytes),
    top: [...t.functions].sort((a, b) => b.bytes - a.bytes).slice(0, 12).map((f) => ({ name: f.name, bytes: f.bytes, owner: ownerOf(f.name, context) })),
  };
}

// ---- the twin ------------------------------------------------------------------------------

/** The extra flags that keep the names (the rest is the shipped build's). */
export const TWIN_BINDGEN_FLAGS = [...WASM_BINDGEN_FLAGS, "--keep-debug"];
export const TWIN_OPT_FLAGS = [...WASM_OPT_FLAGS, "--debuginfo"];

/** Builds the names-kept twin of pkg/'s .wasm from the cargo output in `root`/target; returns its bytes.
 * @param {string} root @returns {Buffer} */
export function buildTwin(root) {
  const input = path.join(root, "target", "wasm32-unknown-unknown", "release", `${CRATE}.wasm`);
  if (!existsSync(input)) throw new Error(`no cargo output ${path.relative(root, input)} (node scripts/build-pkg.mjs makes it)`);
  const wasmOpt = path.join(root, "node_modules", ".bin", "wasm-opt");
  if (!existsSync(wasmOpt)) throw new Error("wasm-opt from the npm package binaryen is missing");
  const dir = mkdtempSync(path.join(os.tmpdir(), "iot-wasm-twin-"));
  try {
    /** @param {string} cmd @param {string[]} args */
    const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    run("wasm-bindgen", [...TWIN_BINDGEN_FLAGS, "--out-dir", dir, "--out-name", CRATE, input]);
    const file = path.join(dir, `${CRATE}_bg.wasm`);
    run(wasmOpt, [...TWIN_OPT_FLAGS, file, "-o", file]);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The whole measurement for benches/run.mjs: the twin built (unless given), read, compared with `pkgWasm`.
 * @param {string} root @param {Buffer} pkgWasm @param {Buffer} [twin] */
export function measureWasmProfile(root, pkgWasm, twin = buildTwin(root)) {
  const started = Date.now();
  const profile = profileWasm(twin, pkgWasm, projectModules(root));
  return {
    ...profile,
    bindgenFlags: TWIN_BINDGEN_FLAGS,
    optFlags: TWIN_OPT_FLAGS,
    bindgenVersion: execFileSync("wasm-bindgen", ["--version"], { encoding: "utf8" }).trim(),
    seconds: (Date.now() - started) / 1000,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
  const result = measureWasmProfile(root, readFileSync(path.join(root, "pkg", `${CRATE}_bg.wasm`)));
  console.log(JSON.stringify(result, null, 1));
}
