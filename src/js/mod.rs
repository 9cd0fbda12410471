//! The host's JavaScript (QuickJS through rquickjs): the `js` interface of
//! `wit/plugin.wit`, with web globals backed by Rust crates, hard limits
//! (time, heap, stack, jobs, timers, cancellation) and per-plugin runtimes.
//! docs/js.md is the reference.
//!
//! Layers, each importing only those below it: `polyfill` (the web APIs),
//! `globals` (installs them), `runtime` and `settle` (one runtime, one
//! evaluation), then `pool` (runtimes per thread and plugin, for the host)
//! and `sandbox` (one runtime, for `bex js` and tests).

mod config;
mod error;
mod globals;
mod polyfill;
mod pool;
mod runtime;
mod sandbox;
mod settle;

pub use config::{
    DEFAULT_JS_IDLE_MS, DEFAULT_JS_MAX_JOBS, DEFAULT_JS_MAX_TIMERS, DEFAULT_JS_MEMORY_BYTES,
    DEFAULT_JS_RUNTIMES_PER_PLUGIN, DEFAULT_JS_STACK_BYTES, DEFAULT_JS_TIMEOUT_MS,
    JS_SWEEP_INTERVAL, JsConfig, MAX_JS_FUNCTIONS, MAX_JS_TIMEOUT_MS,
};
pub use error::JsError;
pub use globals::{ConsoleLevel, MAX_CONSOLE_BYTES, MAX_CONSOLE_LINES, USER_AGENT};
pub(crate) use pool::{JsPool, sweep_if_due, sweep_thread};
pub(crate) use runtime::{JsRuntime, Limits};
pub use sandbox::{ConsoleLine, JsOptions, Sandbox};
