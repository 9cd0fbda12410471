//! Outbound HTTP settings: what the engine configuration decides for the
//! plugins' client and the repository fetcher.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

/// Default cap on an HTTP response body (decoded).
pub const DEFAULT_MAX_HTTP_BODY_BYTES: u64 = 8 * 1024 * 1024;

/// Outbound HTTP settings (part of [`EngineConfig`](crate::EngineConfig)).
#[derive(Clone, Debug)]
pub(crate) struct HttpConfig {
    pub allow_private_networks: bool,
    pub resolve: BTreeMap<String, Vec<IpAddr>>,
    pub record_dir: Option<PathBuf>,
    pub replay_dir: Option<PathBuf>,
    /// Plugin id → its own replay directory (over `replay_dir`).
    pub replay_plugins: BTreeMap<String, PathBuf>,
    pub max_body_bytes: Option<u64>,
    pub user_agent: Option<String>,
    pub max_in_flight: u32,
    pub lookup: super::Lookup,
}
