//! The engine: a data directory's store, a wasmtime engine with its epoch
//! ticker, the host's HTTP client, the loaded plugins and the lanes, behind
//! one cheap-to-clone handle. Calls run on the caller's thread
//! ([`Engine::call_with`]) or on a lane's worker threads
//! ([`Engine::submit`]).

mod breaker;
mod call;
mod config;
mod config_json;
mod dispatch;
mod invoke;
pub(crate) mod linker;
mod registry;
mod request;
mod stats;
mod ticker;
mod typed_api;
pub(crate) mod values;
pub(crate) mod vet;
mod wasm;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::cancel::CancelToken;
use crate::component;
use crate::error::{Error, Result};
use crate::host::HostState;
use crate::host::http::{HttpClient, HttpStats};
use crate::js::JsPool;
use crate::manifest::validate_plugin_id;
use crate::package::Package;
use crate::permits::Permits;
use crate::scheduler::{LaneStats, Scheduler, WorkerHooks};
use crate::store::{
    InstallOptions, InstallReport, InstalledPlugin, Store, StoreStats, UninstallReport,
};
use breaker::Breakers;
use registry::Registry;

pub use call::CallError;
pub(crate) use config::HttpConfig;
pub use config::{
    DATA_DIR_ENV, DEFAULT_BREAKER_COOLDOWN_MS, DEFAULT_BREAKER_THRESHOLD, DEFAULT_FUEL,
    DEFAULT_LANES, DEFAULT_MAX_HTTP_BODY_BYTES, DEFAULT_MAX_HTTP_IN_FLIGHT, DEFAULT_MAX_INSTANCES,
    DEFAULT_MAX_RESULT_BYTES, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_MS, EngineConfig, MAX_FUEL,
    MAX_MEMORY_MB, MAX_TIMEOUT_MS, default_data_dir,
};
pub use dispatch::default_lane;
pub use request::{CallOptions, Request};
pub use stats::PluginStats;
pub(crate) use wasm::wasm_config;

/// Why the engine could not be set up.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The configuration names something unusable (a replay directory
    /// that cannot be read, a malformed recording...).
    #[error("engine setup: {0}")]
    Setup(String),
    /// wasmtime refused the configuration or failed.
    #[error("wasmtime: {0}")]
    Wasmtime(String),
}

/// Store counts, per-plugin call statistics, lanes, permits and HTTP
/// (docs/stats.md).
#[derive(Clone, Debug, Serialize)]
pub struct EngineStats {
    /// Milliseconds since the engine opened.
    pub uptime_ms: u64,
    /// The data directory's counts.
    #[serde(flatten)]
    pub store: StoreStats,
    /// Calls since the engine opened, per plugin.
    pub calls: Vec<PluginStats>,
    /// Each lane's queue and workers.
    pub lanes: Vec<LaneStats>,
    /// The global execution permits.
    pub executions: PermitStats,
    /// Host HTTP across all plugins.
    pub http: HttpStats,
    /// The host's JavaScript.
    pub js: JsStats,
}

/// The host's JavaScript runtimes.
#[derive(Clone, Debug, Serialize)]
pub struct JsStats {
    /// Runtimes kept between calls on the lane workers, all plugins.
    pub runtimes_kept: u64,
}

/// Use of a global permit pool.
#[derive(Clone, Debug, Serialize)]
pub struct PermitStats {
    /// Held now.
    pub in_use: u32,
    /// The pool's size.
    pub max: u32,
}

/// A BEX engine. Cheap to clone; all clones share the store, the wasmtime
/// engine, the loaded plugins and the lanes. Dropping the last clone shuts
/// the lanes down (see [`Engine::shutdown`]) and stops the epoch ticker.
/// `Send` and `Sync`: use it from any thread.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
    /// Only the handles own the lanes: workers hold `inner` alone, so the
    /// last handle dropped shuts them down.
    lanes: Arc<Scheduler>,
}

struct Inner {
    config: EngineConfig,
    store: Store,
    wasm: wasmtime::Engine,
    engine_hash: String,
    linker: wasmtime::component::Linker<HostState>,
    http: Arc<HttpClient>,
    registry: Registry,
    /// Held while loading, so concurrent first calls share one load (and
    /// one set of per-plugin network limits).
    load_lock: Mutex<()>,
    stats: Mutex<BTreeMap<String, PluginStats>>,
    next_request: AtomicU64,
    breakers: Breakers,
    /// Plugin executions at once, all lanes and direct calls together; the
    /// instance pool has exactly this many slots.
    executions: Permits,
    /// The host's JavaScript; runtimes live on the threads that use them.
    js: Arc<JsPool>,
    /// The lanes' key: runtimes are kept between calls on their workers
    /// only (see `crate::js`).
    lanes_key: u64,
    opened: Instant,
    _ticker: ticker::Ticker,
}

fn wasmtime_error(e: wasmtime::Error) -> Error {
    EngineError::Wasmtime(format!("{e:#}")).into()
}

impl Engine {
    /// Opens the data directory named by `config`, and compiles (in
    /// parallel) any installed plugin whose compiled artifact is missing or
    /// was made by a different engine configuration.
    pub fn open(config: EngineConfig) -> Result<Engine> {
        let store = Store::open(&config.data_dir)?;
        let wasm = wasmtime::Engine::new(&wasm_config(Some(&config))).map_err(wasmtime_error)?;
        let engine_hash = wasm::engine_hash(&wasm);
        let linker = linker::build(&wasm).map_err(wasmtime_error)?;
        let http = Arc::new(HttpClient::new(&config.http).map_err(EngineError::Setup)?);
        let ticker = ticker::Ticker::start(wasm.clone(), config.epoch_tick)
            .map_err(|e| EngineError::Setup(format!("starting the epoch thread: {e}")))?;
        let hooks = WorkerHooks {
            idle: crate::js::sweep_thread,
            after_job: crate::js::sweep_if_due,
            idle_tick: config.js.sweep,
        };
        let lanes = Scheduler::start(config.lanes, hooks)
            .map_err(|e| EngineError::Setup(format!("starting the lane threads: {e}")))?;
        let lanes_key = lanes.key();
        let engine = Engine {
            lanes: Arc::new(lanes),
            inner: Arc::new(Inner {
                js: Arc::new(JsPool::new(config.js.clone())),
                lanes_key,
                breakers: Breakers::new(config.breaker_threshold, config.breaker_cooldown),
                executions: Permits::new(config.max_instances),
                opened: Instant::now(),
                config,
                store,
                wasm,
                engine_hash,
                linker,
                http,
                registry: Registry::default(),
                load_lock: Mutex::new(()),
                stats: Mutex::new(BTreeMap::new()),
                next_request: AtomicU64::new(1),
                _ticker: ticker,
            }),
        };
        engine.warm_cache()?;
        Ok(engine)
    }

    /// The configuration the engine was opened with.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Compiles installed plugins that have no artifact for this engine,
    /// in parallel, and drops artifacts no installed plugin can use.
    fn warm_cache(&self) -> Result<()> {
        let inner = &self.inner;
        let plugins = inner.store.list()?;
        let existing = inner.store.compiled_keys()?;
        let wanted: Vec<String> = plugins
            .iter()
            .map(|p| wasm::cache_key(&p.component_sha256, &inner.engine_hash))
            .collect();
        for key in existing.iter().filter(|k| !wanted.contains(k)) {
            inner.store.remove_compiled(key)?;
        }
        let missing: Vec<&InstalledPlugin> = plugins
            .iter()
            .zip(&wanted)
            .filter(|(_, k)| !existing.contains(k))
            .map(|(p, _)| p)
            .collect();
        missing.par_iter().for_each(|p| {
            // A failure here is reported by the plugin's first call.
            let _ = wasm::load_component(&inner.wasm, &inner.engine_hash, &inner.store, p);
        });
        Ok(())
    }

    /// Reads, verifies and installs a `.bex` package file (see
    /// [`Engine::install`]).
    pub fn install_file(&self, path: &Path, force: bool) -> Result<InstallReport> {
        self.install_file_with(path, InstallOptions::forced(force))
    }

    /// [`Engine::install_file`] with explicit [`InstallOptions`].
    pub fn install_file_with(&self, path: &Path, options: InstallOptions) -> Result<InstallReport> {
        let package = Package::read_file(path, &self.inner.config.package_limits)?;
        self.install_with(&package, options)
    }

    /// Installs several package files: reading, checking and compiling in
    /// parallel, then installing each in its own transaction, in order.
    /// Returns one result per file.
    pub fn install_files(&self, paths: &[PathBuf], force: bool) -> Vec<Result<InstallReport>> {
        self.install_files_with(paths, InstallOptions::forced(force))
    }

    /// [`Engine::install_files`] with explicit [`InstallOptions`].
    pub fn install_files_with(
        &self,
        paths: &[PathBuf],
        options: InstallOptions,
    ) -> Vec<Result<InstallReport>> {
        let prepared: Vec<Result<(Package, Vec<u8>)>> = paths
            .par_iter()
            .map(|p| {
                let package = Package::read_file(p, &self.inner.config.package_limits)?;
                let artifact = self.compile(&package)?;
                Ok((package, artifact))
            })
            .collect();
        prepared
            .into_iter()
            .map(|r| {
                r.and_then(|(package, artifact)| self.commit_install(&package, &artifact, options))
            })
            .collect()
    }

    /// Checks a verified package's component against the contract,
    /// compiles it, and installs both atomically (see
    /// [`Store::install_with`]). `force` allows a downgrade and a reinstall
    /// of the same version with different content; an install that widens
    /// the plugin's permissions is refused with `CONSENT_REQUIRED` (see
    /// [`Engine::install_with`]).
    pub fn install(&self, package: &Package, force: bool) -> Result<InstallReport> {
        self.install_with(package, InstallOptions::forced(force))
    }

    /// [`Engine::install`] with explicit [`InstallOptions`]: pass
    /// `accept_permissions` once the user agreed to what the report's
    /// `permissions` (or the refusal) lists.
    pub fn install_with(
        &self,
        package: &Package,
        options: InstallOptions,
    ) -> Result<InstallReport> {
        let artifact = self.compile(package)?;
        self.commit_install(package, &artifact, options)
    }

    fn compile(&self, package: &Package) -> Result<Vec<u8>> {
        // Checking instantiates the component: it takes an instance slot
        // like any call.
        let _permit = self
            .inner
            .executions
            .acquire(Instant::now() + Duration::from_secs(60))
            .map_err(|_| CallError::Busy("no instance slot freed for the install check".into()))?;
        let component =
            component::check_with(&self.inner.wasm, package.manifest(), package.component())?;
        let artifact = component.serialize().map_err(wasmtime_error)?;
        Ok(wasm::artifact_record(&artifact))
    }

    fn commit_install(
        &self,
        package: &Package,
        record: &[u8],
        options: InstallOptions,
    ) -> Result<InstallReport> {
        let key = wasm::cache_key(&package.component_sha256_hex(), &self.inner.engine_hash);
        let report = self
            .inner
            .store
            .install_with(package, options, Some((&key, record)))?;
        self.inner.registry.invalidate(&report.id);
        self.inner.js.forget(&report.id);
        self.inner.breakers.reset(&report.id);
        Ok(report)
    }

    /// Removes a plugin and everything it owns.
    pub fn uninstall(&self, id: &str) -> Result<UninstallReport> {
        validate_plugin_id(id)?;
        let report = self.inner.store.uninstall(id)?;
        self.inner.registry.invalidate(id);
        self.inner.js.forget(id);
        Ok(report)
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
        let was = self.inner.store.set_enabled(id, enabled)?;
        self.inner.registry.invalidate(id);
        self.inner.js.forget(id);
        if enabled {
            self.inner.breakers.reset(id);
        }
        Ok(was)
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

    /// The state of plugin `id`'s circuit breaker: `"closed"`, `"open"`
    /// or `"half_open"`.
    pub fn breaker_state(&self, id: &str) -> &'static str {
        self.inner.breakers.state_name(id)
    }

    /// Store counts, call statistics, lanes, permits and HTTP counters.
    pub fn stats(&self) -> Result<EngineStats> {
        let inner = &self.inner;
        let mut calls: Vec<PluginStats> = inner
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        for c in &mut calls {
            c.compute_percentiles();
            c.breaker = inner.breakers.state_name(&c.id).to_string();
        }
        Ok(EngineStats {
            uptime_ms: inner.opened.elapsed().as_millis() as u64,
            store: inner.store.stats()?,
            calls,
            lanes: self.lanes.stats(),
            executions: PermitStats {
                in_use: inner.executions.in_use(),
                max: inner.executions.max(),
            },
            http: inner.http.stats(),
            js: JsStats {
                runtimes_kept: inner.js.kept() as u64,
            },
        })
    }

    /// Calls a plugin with default options; returns the result as JSON
    /// (docs/json.md).
    pub fn call(&self, id: &str, request: &Request) -> Result<String> {
        self.call_with(id, request, &CallOptions::default())
    }

    /// Calls a plugin on this thread: a fresh instance under the
    /// operation's limits, once an execution permit is free. Returns the
    /// result as JSON (docs/json.md).
    pub fn call_with(&self, id: &str, request: &Request, options: &CallOptions) -> Result<String> {
        self.inner.call(id, request, options, &CancelToken::new())
    }

    /// [`Engine::call_with`] that stops with `CANCELLED` when `cancel` is
    /// cancelled from another thread.
    pub fn call_cancellable(
        &self,
        id: &str,
        request: &Request,
        options: &CallOptions,
        cancel: &CancelToken,
    ) -> Result<String> {
        self.inner.call(id, request, options, cancel)
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
