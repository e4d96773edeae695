//! # iot-upgrade-task
//!
//! Ask the Huawei IoT platform (northbound API) how a firmware/software upgrade task is doing,
//! from JavaScript, through WebAssembly. [`core`] holds every rule (request building,
//! validation, normalisation, error classification) as plain Rust; [`js`] is the thin
//! `wasm-bindgen` edge: argument reading, the gloo-net fetch with deadline, cancellation and
//! a capped body read, and conversion to plain JS values.
#![forbid(unsafe_code)]

pub mod core;
pub mod js;
