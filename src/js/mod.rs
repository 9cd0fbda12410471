//! The host's JavaScript (QuickJS through rquickjs): the `js` interface of
//! `wit/plugin.wit`, with web globals backed by Rust crates, hard limits
//! (time, heap, stack, jobs, timers, cancellation) and per-plugin runtimes.
//! docs/js.md is the reference.
//!
//! Layers, each importing only those below it: `polyfill` (the web APIs),
//! `globals` (installs them), `runtime` and `settle` (one runtime, one
//! evaluation), then `pool` (runtimes per thread and plugin, for the host)
//! and `sandbox` (one runtime, for `bex js` and tests).

//!
//! The `js` cargo feature (on by default) builds all of this; without it
//! only the configuration and error types remain, and plugins' `js` calls
//! return `unsupported` (`absent`).

#[cfg(not(feature = "js"))]
mod absent;
mod config;
mod error;
#[cfg(feature = "js")]
mod globals;
#[cfg(feature = "js")]
mod polyfill;
#[cfg(feature = "js")]
mod pool;
#[cfg(feature = "js")]
mod runtime;
#[cfg(feature = "js")]
mod sandbox;
#[cfg(feature = "js")]
mod settle;

#[cfg(not(feature = "js"))]
pub(crate) use absent::{
    JsPool, NO_JS_IN_BUILD, sweep_if_due, sweep_thread, thread_holds_runtimes,
};
pub use config::{
    DEFAULT_JS_IDLE_MS, DEFAULT_JS_MAX_JOBS, DEFAULT_JS_MAX_TIMERS, DEFAULT_JS_MEMORY_BYTES,
    DEFAULT_JS_RUNTIMES_PER_PLUGIN, DEFAULT_JS_STACK_BYTES, DEFAULT_JS_TIMEOUT_MS,
    JS_SWEEP_INTERVAL, JsConfig, MAX_JS_FUNCTION_NAME, MAX_JS_FUNCTIONS, MAX_JS_TIMEOUT_MS,
};
pub use error::JsError;
#[cfg(feature = "js")]
pub use globals::{ConsoleLevel, MAX_CONSOLE_BYTES, MAX_CONSOLE_LINES, USER_AGENT};
#[cfg(feature = "js")]
pub(crate) use pool::{JsPool, sweep_if_due, sweep_thread, thread_holds_runtimes};
#[cfg(feature = "js")]
pub(crate) use runtime::{JsRuntime, Limits};
#[cfg(feature = "js")]
pub use sandbox::{ConsoleLine, JsOptions, Sandbox};
