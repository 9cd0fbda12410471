//! BEX: run untrusted media-provider plugins (WebAssembly components) inside
//! a media player, with hard limits on what they may do.
//!
//! - [`manifest`]: what a plugin is and may touch (`manifest.yaml`);
//! - [`package`]: the `.bex` package format;
//! - [`store`]: the data directory (installed plugins, blobs, kv, secrets);
//! - [`component`]: checking a component against the plugin contract;
//! - [`contract`]: names from `wit/plugin.wit`.
//!
//! Every error has a stable [`ErrorCode`], shared with the C ABI and the CLI.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

mod bindings;
pub mod component;
pub mod contract;
mod digest;
mod engine;
mod error;
mod ffi;
mod host;
pub mod manifest;
pub mod package;
pub mod store;

pub use digest::{Sha256Digest, hex, sha256};
pub use engine::{DATA_DIR_ENV, Engine, EngineConfig, default_data_dir, pack, pack_files};
pub use error::{Error, ErrorCode, Result};
