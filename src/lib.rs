//! # iot-upgrade-task
//!
//! Ask the Huawei IoT platform (northbound API) how a firmware/software upgrade task is doing,
//! from JavaScript, through WebAssembly. [`core`] holds every rule (request building,
//! validation, normalisation, error classification) as plain Rust; [`js`] is the thin
//! `wasm-bindgen` edge: argument reading, the gloo-net fetch with deadline, cancellation and
//! a capped body read, and conversion to plain JS values.
//!
//! One call: `fetch` (gloo-net's `RequestBuilder` and `Response`) → capped body (the body
//! stream, 4 MiB at most) → serde (`serde_json` into the lenient wire types of
//! [`core::wire`]) → validate/normalise ([`core::validate`]) → `serde-wasm-bindgen`
//! (`json_compatible`; for a task, a subtask or a list page, its `serde_json` text read by one
//! `JSON.parse`, chosen by measurement) → a plain JS object.
#![forbid(unsafe_code)]

/// The allocator of the .wasm: talc (single-threaded wasm, heaps grown from the module's
/// linear memory as needed) in place of std's dlmalloc.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub mod core;
pub mod js;
