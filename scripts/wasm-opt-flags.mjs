// The wasm-bindgen options and the wasm-opt flags of the shipped .wasm, in one place:
// scripts/build-pkg.mjs builds pkg/ with them, and benches/lib/wasm-profile.mjs builds its
// names-kept twin of the same .wasm with them (plus --keep-debug and --debuginfo), so the
// profile in BENCHMARKS.md is of the code that ships.

/** wasm-bindgen's options (before `--out-dir`, `--out-name` and the input): one .wasm for every
 * entry, ES module glue, no .d.ts (pkg-template/ has its own), no default URL of the .wasm. */
export const WASM_BINDGEN_FLAGS = ["--target", "web", "--no-typescript", "--omit-default-module-path"];

// -Oz, then two settings measured to shrink the gzip (each alone, on the talc build: the .wasm
// 101018 B gzip with -Oz alone):
// - --low-memory-unused: binaryen may then fold `ptr + C` (C < 1024) into a load's or store's
//   constant offset, which changes the result only when the 32-bit sum wraps past 2^32, that
//   is for a "pointer" within 1 KiB below 4 GiB: none here (the memory is a few MiB). Rust's
//   wasm32 layout puts the 1 MiB stack first, growing down to 0: the low 1 KiB is used only by
//   a nearly full stack, and its addresses are small positive numbers that never wrap; a stack
//   overflow still traps (the stack pointer wraps far out of bounds). -596 B gzip (-1.4 KB raw).
// - --reorder-functions-by-name (after -Oz, while the name section is still there; stripped
//   next): functions of one module and one generic sit side by side, which gzip likes. -68 B
//   alone, -741 B with the one above (100277 B).
// Per call against -Oz alone (interleaved, 5 runs, load 3-4): in memory typical 0.994x
// (0.99-1.01), largest 0.994x (0.96-1.04); loopback typical 0.988x (0.95-1.02), largest 0.965x
// (0.92-1.02). Tried and left out (gzip of the .wasm against -Oz): --converge, -Oz -Oz,
// --gufa, --type-ssa, --monomorphize all +50 B; --precompute-propagate, --zero-filled-memory,
// --rse, -aimfs 0 nothing; -O3 +124 B, -Os -48 B; --traps-never-happen -117 B and
// --ignore-implicit-traps -45 B (too little for what they assume); -ocimfs 20 (no inlining of
// one-caller functions above 20 size units) -1.0 KB more, but 1.01x in memory and 1.04x on
// loopback typical. binaryen 132.0.0 is the newest on npm (2026-12-02).
// - --minify-imports-and-exports-and-modules (last): every import, their module
//   ("./iot_upgrade_task_bg.js") and every export renamed to one or two letters; wasm-opt
//   prints the mapping and scripts/build-pkg.mjs rewrites the glue with it, as emscripten does
//   after the same pass. wasm-bindgen names each of the 108 imports `__wbg_<name>_<16 hex
//   digits>`, a hash gzip cannot compress, once in the .wasm and once in the glue: the .wasm
//   95212 -> 92604 B gzip, the glue 6010 -> 4511 B, the browser download -4.1 KB (108.8 ->
//   104.7 KB). The code section is unchanged (import indices stay); stack traces through the
//   glue name its import functions by the short names.
/** wasm-opt's flags (before the input, `-o` and the output). */
export const WASM_OPT_FLAGS = [
  "-Oz",
  "--low-memory-unused",
  "--reorder-functions-by-name",
  "--enable-bulk-memory",
  "--enable-nontrapping-float-to-int",
  "--enable-sign-ext",
  "--enable-mutable-globals",
  "--enable-reference-types",
  "--enable-multivalue",
  "--strip-debug",
  "--strip-producers",
  "--minify-imports-and-exports-and-modules",
];
