//! The pure core: everything that can be decided without JavaScript. No wasm types live here,
//! so every rule is unit-tested natively with `cargo test`.
//!
//! An answer's way through it: the capped body bytes → [`response::parse_body`] (`serde_json`
//! into the lenient [`wire`] types) → the platform's error fields, or
//! [`validate::normalise_task`] (every rule, every problem with its path) → the `Serialize`
//! models ([`task::UpgradeTask`], [`errors::ErrorReport`], [`login::Session`]) that the edge
//! hands to JS (a task as its `serde_json` text for `JSON.parse`, a report or a session
//! through `serde-wasm-bindgen`).

pub mod errors;
pub mod ip;
pub mod limiter;
pub mod lists;
pub mod login;
pub mod problem;
pub mod redact;
pub mod request;
pub mod response;
pub mod retry;
pub mod subtask;
pub mod task;
pub mod time;
pub mod transport;
pub mod validate;
pub mod wire;

pub use errors::{classify, ErrorKind, ErrorReport};
pub use problem::Problem;
pub use request::{build_login, build_request, Argument, RawArguments, RawLogin, WireRequest};
pub use response::{interpret, MAX_BODY_BYTES};
pub use task::UpgradeTask;
