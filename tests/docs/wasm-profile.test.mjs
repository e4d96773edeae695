// BENCHMARKS.md's "what the .wasm's code and data are" comes from benches/lib/wasm-profile.mjs,
// which reads a names-kept .wasm itself: the sizes of the function bodies, their names from the
// name section (imported functions take the first indices and have no body), and the owner of
// each name. A small module written byte by byte here, so every number is known.

import assert from "node:assert/strict";
import { test } from "node:test";
import { exportedNames, ownerOf, profileWasm, readWasmFunctions, shortName, textBytes } from "../../benches/lib/wasm-profile.mjs";

/** Unsigned LEB128. @param {number} n @returns {number[]} */
const leb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
/** @param {string} s */
const str = (s) => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
/** @param {number} id @param {number[]} bytes */
const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
/** @param {number[][]} items */
const vec = (items) => [...leb(items.length), ...items.flat()];

const EDGE = "iot_upgrade_task::js::execute::{{closure}}::h0123456789abcdef";
const SERDE_JSON = "<&mut serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::deserialize_any::hfedcba9876543210";
const TEXT = "a message users read";
// Body 1: no locals, 3 nops, end (5 bytes). Body 2: no locals, 200 nops, end (202 bytes: its
// size needs two LEB128 bytes). Body 3: unnamed, no locals, end (2 bytes).
const BODIES = [[0x00, 0x01, 0x01, 0x01, 0x0b], [0x00, ...Array(200).fill(0x01), 0x0b], [0x00, 0x0b]];
const DATA = [0x00, 0x41, 0x00, 0x0b, ...str(TEXT + "\u0000\u0001\u0002")]; // active segment at 0

function tinyWasm({ exportName = "errorRecord", edgeName = EDGE } = {}) {
  return Buffer.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 0x00, 0x00]])), // one type: () -> ()
    // Imports: a memory (not a function) between two functions, so only functions count.
    ...section(2, vec([
      [...str("env"), ...str("f"), 0x00, 0x00],
      [...str("env"), ...str("memory"), 0x02, 0x00, 0x01],
      [...str("env"), ...str("g"), 0x00, 0x00],
    ])),
    ...section(3, vec([[0x00], [0x00], [0x00]])), // three functions of type 0
    ...section(7, vec([[...str(exportName), 0x00, 0x02]])), // exports function 2 (body 1)
    ...section(10, vec(BODIES.map((b) => [...leb(b.length), ...b]))),
    ...section(11, vec([DATA])),
    ...section(0, [
      ...str("name"),
      ...section(0, str("tiny")), // the module's name: skipped
      ...section(1, vec([[0x00, ...str("imported_f")], [0x02, ...str(edgeName)], [0x03, ...str(SERDE_JSON)]])),
    ]),
  ]);
}

test("the hand-written module is valid wasm (so the numbers below are a real module's)", () => {
  assert.equal(WebAssembly.validate(tinyWasm()), true);
});

test("function bodies are sized and named by index, imported functions excluded", () => {
  const wasm = readWasmFunctions(tinyWasm());
  assert.equal(wasm.imports, 2);
  const code = wasm.sections.find((s) => s.id === 10);
  // Each body starts after its size field (what V8's CPU profile gives as a wasm frame's column).
  const first = (code?.start ?? NaN) + 1 + 1; // the count, body 1's size
  assert.deepEqual(wasm.functions, [
    { index: 2, name: EDGE, bytes: 5, offset: first },
    { index: 3, name: SERDE_JSON, bytes: 202, offset: first + 5 + 2 },
    { index: 4, name: null, bytes: 2, offset: first + 5 + 2 + 202 + 1 },
  ]);
  // Each body, read at its offset, is the body written: its local count first, `end` last.
  assert.deepEqual(
    wasm.functions.map((f) => [...tinyWasm().subarray(f.offset, f.offset + f.bytes)]),
    BODIES,
  );
  assert.deepEqual([...wasm.exports], [["errorRecord", 2]]);
  assert.equal(code?.bytes, 1 + (1 + 5) + (2 + 202) + (1 + 2)); // count + size fields + bodies
  assert.equal(wasm.data?.length, 1 + DATA.length);
});

test("the profile groups the bodies by owner and compares the code with the shipped module's", () => {
  const wasm = tinyWasm();
  const p = profileWasm(wasm, wasm, { js: new Set(["convert", "fetch"]), core: new Set() });
  assert.equal(p.functionCount, 3);
  assert.equal(p.named, 2);
  assert.equal(p.bodies, 209);
  assert.equal(p.codeIdentical, true);
  assert.equal(p.data, 1 + DATA.length);
  assert.equal(p.dataText, TEXT.length);
  assert.deepEqual(
    p.owners.map((o) => [o.group, o.module, o.functions, o.bytes]),
    [
      ["serde_json", null, 1, 202],
      ["edge", "js", 1, 5],
      ["unnamed", null, 1, 2],
    ],
  );
  assert.deepEqual(p.top.map((f) => [shortName(f.name), f.bytes]), [
    ["<&mut serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::deserialize_any", 202],
    ["crate::js::execute::{{closure}}", 5],
    ["(unnamed)", 2],
  ]);
  // Another code section (one body changed): no longer identical.
  const other = Buffer.from(wasm);
  other[other.indexOf(Buffer.from([0x00, 0x01, 0x01, 0x01, 0x0b])) + 1] = 0x00;
  assert.equal(profileWasm(wasm, other).codeIdentical, false);
});

test("an export is known by its function's own name, whatever its minified export name", () => {
  const wasm = tinyWasm({ exportName: "a", edgeName: "errorRecord externref shim" });
  assert.equal(WebAssembly.validate(wasm), true);
  assert.deepEqual(exportedNames(readWasmFunctions(wasm)), new Set(["errorRecord"]));
  const owners = profileWasm(wasm).owners.map((o) => [o.group, o.module, o.bytes]);
  assert.deepEqual(owners[1], ["edge", "js", 5]);
});

test("owners follow the written rule on names from the real build", () => {
  const context = { modules: { js: new Set(["convert", "fetch"]), core: new Set(["wire", "task", "validate"]) }, exports: new Set(["errorRecord", "nextPollDelay"]) };
  /** @param {string} name */
  const owner = (name) => {
    const o = ownerOf(name, context);
    return o.module === null ? o.group : `${o.group}: ${o.module}`;
  };
  const cases = {
    "iot_upgrade_task::js::list_page::{{closure}}::{{closure}}::hdc00d922c235bd69": "edge: js",
    "iot_upgrade_task::js::convert::read_guarded::hbc223d7b53e22bd5": "edge: js::convert",
    // A trait of the edge implemented for a core type: the edge's.
    "<iot_upgrade_task::core::task::UpgradeTask as iot_upgrade_task::js::convert::ToJs>::to_js::h1ea383e479987178": "edge: js::convert",
    "<iot_upgrade_task::core::wire::WireTask as iot_upgrade_task::core::wire::Fields>::field::h29a4741017d77e5b": "core: core::wire",
    "iot_upgrade_task::core::validate::normalise_task_object::hc31a58c00ea7c21d": "core: core::validate",
    // std generics instantiated for a crate's type: that crate's.
    "core::ptr::drop_in_place<iot_upgrade_task::js::session::{{closure}}>::hbfc4fae31b27d98d": "edge: js",
    "core::ptr::drop_in_place<alloc::vec::Vec<iot_upgrade_task::core::problem::Problem>>::h2703ec79d1193eba": "core: core",
    "<core::marker::PhantomData<T> as serde_core::de::DeserializeSeed>::deserialize::h6efcc0e4f5086b41": "serde",
    [SERDE_JSON]: "serde_json",
    "serde_wasm_bindgen::static_str_to_js::h78e71d70da075e44": "serde-wasm-bindgen",
    "<gloo_net::http::request::Request as core::convert::TryFrom<gloo_net::http::request::RequestBuilder>>::try_from::ha3a14c9502392dd4": "wasm-bindgen & co",
    "js_sys::futures::queue::Queue::schedule_task::h0123456789abcdef": "wasm-bindgen & co",
    "__externref_table_alloc": "wasm-bindgen & co",
    // An export's shim (its Rust code inlined into it) and a bare export: the edge's.
    "errorRecord externref shim": "edge: js",
    nextPollDelay: "edge: js",
    "talc::base::Talc<S,B>::allocate::h0123456789abcdef": "alloc + talc",
    // `::reserve` continues the path after a generic: no crate named "reserve".
    "alloc::raw_vec::RawVecInner<A>::reserve::do_reserve_and_handle::h0123456789abcdef": "alloc + talc",
    "__rustc::__rust_realloc": "alloc + talc",
    "core[c5930c85a12de822]::str::slice_error_fail": "core + std",
    "<core::fmt::Formatter>::pad_integral::write_prefix": "core + std",
    "<char>::escape_debug_ext": "core + std",
    memcmp: "core + std",
    "<hashbrown::raw::Fallibility>::capacity_overflow": "core + std",
    "some_crate::thing::h0123456789abcdef": "other: some_crate",
  };
  assert.deepEqual(Object.fromEntries(Object.keys(cases).map((n) => [n, owner(n)])), cases);
  assert.deepEqual(ownerOf(null), { group: "unnamed", module: null });
});

test("text in the data: runs of 8 or more printable ASCII characters", () => {
  assert.equal(textBytes(Buffer.from("\u0000short\u0000a longer run\u0001")), "a longer run".length);
  assert.equal(textBytes(Buffer.from("ends with text")), "ends with text".length);
});
