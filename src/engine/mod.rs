//! The engine: a data directory's store plus a wasmtime engine, behind one
//! cheap-to-clone handle.

mod config;
pub(crate) mod linker;

use std::path::Path;
use std::sync::Arc;

use crate::component;
use crate::error::{Error, Result};
use crate::manifest::validate_plugin_id;
use crate::package::Package;
use crate::store::{InstallReport, InstalledPlugin, Store, StoreStats, UninstallReport};

pub use config::{DATA_DIR_ENV, EngineConfig, default_data_dir};

/// The wasmtime configuration every BEX engine uses.
pub(crate) fn wasm_config(_settings: Option<&EngineConfig>) -> wasmtime::Config {
    let mut c = wasmtime::Config::new();
    c.wasm_component_model(true);
    c.consume_fuel(true);
    c.epoch_interruption(true);
    c
}

/// A BEX engine. Cheap to clone; all clones share the same store and
/// wasmtime engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    config: EngineConfig,
    store: Store,
    wasm: wasmtime::Engine,
}

impl Engine {
    /// Opens the data directory named by `config`.
    pub fn open(config: EngineConfig) -> Result<Engine> {
        let store = Store::open(&config.data_dir)?;
        let wasm = wasmtime::Engine::new(&wasm_config(Some(&config)))
            .map_err(|e| component::ComponentError::Engine(format!("{e:#}")))?;
        Ok(Engine {
            inner: Arc::new(Inner {
                config,
                store,
                wasm,
            }),
        })
    }

    /// The configuration the engine was opened with.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Reads, verifies and installs a `.bex` package file.
    pub fn install_file(&self, path: &Path, force: bool) -> Result<InstallReport> {
        let package = Package::read_file(path, &self.inner.config.package_limits)?;
        self.install(&package, force)
    }

    /// Checks a verified package's component against the contract, then
    /// installs it atomically (see [`Store::install`]).
    pub fn install(&self, package: &Package, force: bool) -> Result<InstallReport> {
        component::check_with(&self.inner.wasm, package.manifest(), package.component())?;
        Ok(self.inner.store.install(package, force, None)?)
    }

    /// Removes a plugin and everything it owns.
    pub fn uninstall(&self, id: &str) -> Result<UninstallReport> {
        validate_plugin_id(id)?;
        Ok(self.inner.store.uninstall(id)?)
    }

    /// Installed plugins.
    pub fn list(&self) -> Result<Vec<InstalledPlugin>> {
        Ok(self.inner.store.list()?)
    }

    /// One installed plugin.
    pub fn plugin(&self, id: &str) -> Result<InstalledPlugin> {
        validate_plugin_id(id)?;
        Ok(self.inner.store.plugin(id)?)
    }

    /// Enables or disables a plugin; returns the previous state.
    pub fn set_enabled(&self, id: &str, enabled: bool) -> Result<bool> {
        validate_plugin_id(id)?;
        Ok(self.inner.store.set_enabled(id, enabled)?)
    }

    /// Stores a secret the plugin declares.
    pub fn set_secret(&self, id: &str, key: &str, value: &str) -> Result<()> {
        validate_plugin_id(id)?;
        Ok(self.inner.store.set_secret(id, key, value)?)
    }

    /// Reads a secret.
    pub fn get_secret(&self, id: &str, key: &str) -> Result<String> {
        validate_plugin_id(id)?;
        Ok(self.inner.store.get_secret(id, key)?)
    }

    /// Deletes a secret.
    pub fn delete_secret(&self, id: &str, key: &str) -> Result<()> {
        validate_plugin_id(id)?;
        Ok(self.inner.store.delete_secret(id, key)?)
    }

    /// The names of a plugin's secrets.
    pub fn secret_keys(&self, id: &str) -> Result<Vec<String>> {
        validate_plugin_id(id)?;
        Ok(self.inner.store.secret_keys(id)?)
    }

    /// Store statistics.
    pub fn stats(&self) -> Result<StoreStats> {
        Ok(self.inner.store.stats()?)
    }
}

/// Builds a package from a manifest and a component after checking both:
/// the manifest's rules, and the component against the contract and the
/// manifest's `provides`.
pub fn pack(manifest_text: &str, component: Vec<u8>) -> Result<Package> {
    let package = Package::new(manifest_text, component)?;
    component::check(package.manifest(), package.component())?;
    Ok(package)
}

/// Reads a manifest and a component from files and packs them (see [`pack`]).
pub fn pack_files(manifest: &Path, component: &Path) -> Result<Package> {
    let text = std::fs::read(manifest).map_err(|e| Error::io(manifest, e))?;
    if text.len() > crate::manifest::MAX_MANIFEST_BYTES {
        return Err(crate::manifest::ManifestError::TooLarge {
            size: text.len(),
            max: crate::manifest::MAX_MANIFEST_BYTES,
        }
        .into());
    }
    let text = String::from_utf8(text).map_err(|e| {
        crate::manifest::ManifestError::Syntax(format!("{}: not UTF-8: {e}", manifest.display()))
    })?;
    let len = std::fs::metadata(component)
        .map_err(|e| Error::io(component, e))?
        .len();
    let max = crate::package::DEFAULT_MAX_COMPONENT_BYTES;
    if len > max {
        return Err(crate::package::PackageError::TooLarge {
            what: "component".into(),
            size: len,
            max,
        }
        .into());
    }
    let bytes = std::fs::read(component).map_err(|e| Error::io(component, e))?;
    pack(&text, bytes)
}
