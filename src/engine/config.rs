//! Engine configuration: a plain struct, built with setters whose docs say
//! the default.

use std::path::{Path, PathBuf};

use crate::package::PackageLimits;

/// Environment variable naming the default data directory.
pub const DATA_DIR_ENV: &str = "BEX_DATA_DIR";

/// How to open an [`Engine`](crate::Engine).
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub(crate) data_dir: PathBuf,
    pub(crate) package_limits: PackageLimits,
}

impl EngineConfig {
    /// A configuration using `data_dir` for the store, with safe defaults
    /// for everything else.
    pub fn new(data_dir: impl Into<PathBuf>) -> EngineConfig {
        EngineConfig {
            data_dir: data_dir.into(),
            package_limits: PackageLimits::default(),
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Caps applied to packages on install.
    /// Defaults to [`PackageLimits::default`] (64 MiB components, 8 MiB zstd
    /// windows).
    pub fn package_limits(mut self, limits: PackageLimits) -> Self {
        self.package_limits = limits;
        self
    }
}

/// The default data directory: `$BEX_DATA_DIR`, else the platform's data
/// directory (`$XDG_DATA_HOME/bex`, `~/.local/share/bex`,
/// `~/Library/Application Support/bex`, `%APPDATA%\bex`). `None` if none of
/// those can be found.
pub fn default_data_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env(DATA_DIR_ENV) {
        return Some(dir);
    }
    if cfg!(windows) {
        return env("APPDATA").map(|d| d.join("bex"));
    }
    if cfg!(target_os = "macos") {
        return env("HOME").map(|h| h.join("Library/Application Support/bex"));
    }
    env("XDG_DATA_HOME")
        .map(|d| d.join("bex"))
        .or_else(|| env("HOME").map(|h| h.join(".local/share/bex")))
}
