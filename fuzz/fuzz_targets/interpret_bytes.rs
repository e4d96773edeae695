//! Arbitrary bytes as the response body, with an arbitrary status, through `core::interpret`.
//!
//! Input layout: two bytes of status, then the body.
//! - status = the first two bytes (big-endian) modulo 1000; below 100 it becomes 200 + that,
//!   so zeroed inputs land on 2xx and reach the validator;
//! - a status word of 0xFF00 or more means "the body was over the 4 MiB cap" (`None`).
//!
//! Invariants (fuzz/src/lib.rs): the body reader (serde_json into the lenient wire types)
//! accepts what serde_json accepts as a plain value, and keeps each unknown member's text; no panic; a task only from a 2xx without a platform code;
//! every task meets section 3 and survives serialise → interpret unchanged; every report
//! has the contract's kind for its status and code, its own status, and problems only for
//! `invalid_response`, each at a real JS field path and short.
#![no_main]

use iot_upgrade_task_fuzz::{check_interpret, check_json_acceptance};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (word, body) = match data {
        [hi, lo, rest @ ..] => (u16::from_be_bytes([*hi, *lo]), rest),
        _ => (0, data),
    };
    let status = match word % 1000 {
        low @ 0..=99 => 200 + low,
        other => other,
    };
    check_json_acceptance(body);
    let body = if word >= 0xFF00 { None } else { Some(body) };
    let _ = check_interpret(status, body);
});
