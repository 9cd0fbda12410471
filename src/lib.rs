//! BEX: run untrusted media-provider plugins (WebAssembly components) inside
//! a media player, with hard limits on what they may do.
//!
//! - [`Engine`]: opens a data directory, installs packages and calls
//!   plugins in a fresh sandboxed instance per call, synchronously or
//!   through lanes of worker threads ([`Engine::submit`], [`Lane`]);
//! - [`manifest`]: what a plugin is and may touch (`manifest.yaml`);
//! - [`package`]: the `.bex` package format;
//! - [`store`]: the data directory (installed plugins, blobs, kv, secrets);
//! - [`artifact`]: precompiled artifacts, for engines built without the
//!   compiler;
//! - [`component`]: checking a component against the plugin contract;
//! - [`contract`]: names from `wit/plugin.wit`.
//!
//! Every error has a stable [`ErrorCode`], shared with the C ABI and the CLI.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod artifact;
#[doc(hidden)]
pub mod bench_hooks;
mod bindings;
mod cancel;
pub mod component;
pub mod contract;
mod digest;
mod engine;
mod error;
mod ffi;
#[doc(hidden)]
pub mod fuzzing;
mod host;
mod invisible;
pub mod js;
pub mod limits {
    //! Default limits and ceilings of [`EngineConfig`](crate::EngineConfig).
    pub use crate::engine::{
        DEFAULT_BREAKER_COOLDOWN_MS, DEFAULT_BREAKER_THRESHOLD, DEFAULT_FUEL, DEFAULT_LANES,
        DEFAULT_MAX_HTTP_BODY_BYTES, DEFAULT_MAX_HTTP_IN_FLIGHT, DEFAULT_MAX_INSTANCES,
        DEFAULT_MAX_RESULT_BYTES, DEFAULT_MEMORY_MB, DEFAULT_REPOSITORY_TIMEOUT_MS,
        DEFAULT_TIMEOUT_MS, MAX_FUEL, MAX_MEMORY_MB, MAX_MEMORY_MB_32BIT, MAX_PLUGIN_ERROR_BYTES,
        MAX_TIMEOUT_MS,
    };
    pub use crate::host::MAX_CALL_HANDLES;
}
pub mod manifest;
pub mod package;
mod permits;
pub mod repo;
mod scheduler;
pub mod store;
pub mod trust;
pub mod types;
mod wasm;

pub use cancel::CancelToken;
pub use digest::{Sha256Digest, hex, sha256};
pub use engine::{
    Available, CallError, CallOptions, CodeStats, DATA_DIR_ENV, Engine, EngineConfig, EngineError,
    EngineStats, Execution, JsStats, PermitStats, PluginStats, RefreshReport, RepoInfo, RepoJob,
    Request, default_data_dir, default_lane,
};
#[cfg(feature = "jit")]
pub use engine::{Precompiler, pack, pack_files};
pub use error::{Error, ErrorCode, Result};
pub use host::http::HttpStats;
pub use host::log::{LogLevel, LogRecord, LogSource};
pub use scheduler::{CancelOutcome, Lane, LaneSize, LaneStats, SchedulerError};
