//! The engine: a data directory's store, a wasmtime engine with its epoch
//! ticker, the host's HTTP client and the loaded plugins, behind one
//! cheap-to-clone handle. Calls are synchronous and run on the caller's
//! thread.

mod call;
mod config;
pub(crate) mod linker;
mod registry;
mod request;
mod stats;
mod ticker;
mod values;
mod wasm;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::component;
use crate::error::{Error, ErrorCode, Result};
use crate::host::http::{HttpClient, PluginNet};
use crate::host::{HostState, PluginEnv};
use crate::manifest::validate_plugin_id;
use crate::package::Package;
use crate::store::{InstallReport, InstalledPlugin, Store, StoreStats, UninstallReport};
use registry::{LoadFailure, Loaded, Registry};

pub use call::CallError;
pub(crate) use config::HttpConfig;
pub use config::{
    DATA_DIR_ENV, DEFAULT_FUEL, DEFAULT_MAX_HTTP_BODY_BYTES, DEFAULT_MAX_INSTANCES,
    DEFAULT_MAX_RESULT_BYTES, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_MS, EngineConfig, MAX_FUEL,
    MAX_MEMORY_MB, MAX_TIMEOUT_MS, default_data_dir,
};
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

/// Store counts and per-plugin call statistics.
#[derive(Clone, Debug, Serialize)]
pub struct EngineStats {
    /// The data directory's counts.
    #[serde(flatten)]
    pub store: StoreStats,
    /// Calls since the engine opened, per plugin.
    pub calls: Vec<PluginStats>,
}

/// A BEX engine. Cheap to clone; all clones share the store, the wasmtime
/// engine and the loaded plugins. The last clone dropped stops the epoch
/// ticker.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
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
        let engine = Engine {
            inner: Arc::new(Inner {
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

    /// Reads, verifies and installs a `.bex` package file.
    pub fn install_file(&self, path: &Path, force: bool) -> Result<InstallReport> {
        let package = Package::read_file(path, &self.inner.config.package_limits)?;
        self.install(&package, force)
    }

    /// Installs several package files: reading, checking and compiling in
    /// parallel, then installing each in its own transaction, in order.
    /// Returns one result per file.
    pub fn install_files(&self, paths: &[PathBuf], force: bool) -> Vec<Result<InstallReport>> {
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
                r.and_then(|(package, artifact)| self.commit_install(&package, &artifact, force))
            })
            .collect()
    }

    /// Checks a verified package's component against the contract,
    /// compiles it, and installs both atomically (see [`Store::install`]).
    pub fn install(&self, package: &Package, force: bool) -> Result<InstallReport> {
        let artifact = self.compile(package)?;
        self.commit_install(package, &artifact, force)
    }

    fn compile(&self, package: &Package) -> Result<Vec<u8>> {
        let component =
            component::check_with(&self.inner.wasm, package.manifest(), package.component())?;
        let artifact = component.serialize().map_err(wasmtime_error)?;
        Ok(wasm::artifact_record(&artifact))
    }

    fn commit_install(
        &self,
        package: &Package,
        record: &[u8],
        force: bool,
    ) -> Result<InstallReport> {
        let key = wasm::cache_key(&package.component_sha256_hex(), &self.inner.engine_hash);
        let report = self
            .inner
            .store
            .install(package, force, Some((&key, record)))?;
        self.inner.registry.invalidate(&report.id);
        Ok(report)
    }

    /// Removes a plugin and everything it owns.
    pub fn uninstall(&self, id: &str) -> Result<UninstallReport> {
        validate_plugin_id(id)?;
        let report = self.inner.store.uninstall(id)?;
        self.inner.registry.invalidate(id);
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

    /// Store counts and call statistics.
    pub fn stats(&self) -> Result<EngineStats> {
        let calls = self
            .inner
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        Ok(EngineStats {
            store: self.inner.store.stats()?,
            calls,
        })
    }

    /// Calls a plugin with default options; returns the result as JSON
    /// (docs/json.md).
    pub fn call(&self, id: &str, request: &Request) -> Result<String> {
        self.call_with(id, request, &CallOptions::default())
    }

    /// Calls a plugin: a fresh instance under the operation's limits, on
    /// this thread. Returns the result as JSON (docs/json.md).
    pub fn call_with(&self, id: &str, request: &Request, options: &CallOptions) -> Result<String> {
        validate_plugin_id(id)?;
        let loaded = self.loaded(id)?;
        if !loaded.plugin.enabled {
            return Err(CallError::Disabled { id: id.to_string() }.into());
        }
        let op = request.operation();
        let Some(export) = loaded.exports.get(&op) else {
            return Err(CallError::Unsupported {
                id: id.to_string(),
                capability: op.capability().manifest_key().to_string(),
                operation: op.name().to_string(),
            }
            .into());
        };
        let request_id = options.request_id.clone().unwrap_or_else(|| {
            format!(
                "r{}",
                self.inner.next_request.fetch_add(1, Ordering::Relaxed)
            )
        });
        let ctx = json!({
            "request_id": request_id,
            "locale": options.locale,
            "region": options.region,
            "deadline_ms": export.limits.timeout.as_millis() as u64,
            "extra": options.extra,
        });
        let args: Vec<serde_json::Value> = std::iter::once(ctx).chain(request.args()).collect();
        if args.len() != export.params.len() {
            return Err(Error::InvalidArgument(format!(
                "{} takes {} arguments",
                op.function(),
                export.params.len()
            )));
        }
        let params = export
            .params
            .iter()
            .zip(&args)
            .map(|((name, ty), v)| values::from_json(ty, v, &name.replace('-', "_")))
            .collect::<std::result::Result<Vec<_>, String>>()
            .map_err(Error::InvalidArgument)?;
        let started = Instant::now();
        let outcome = call::run(
            &loaded,
            export,
            call::CallSpec {
                wasm: &self.inner.wasm,
                tick: self.inner.config.epoch_tick,
                max_result_bytes: self.inner.config.max_result_bytes,
                request_id: &request_id,
                op,
                params,
            },
        );
        let result = outcome.result.map_err(Error::from);
        self.record(
            id,
            result.as_ref().map(|_| ()).map_err(Error::code),
            outcome.fuel_used,
            started,
        );
        result
    }

    fn record(
        &self,
        id: &str,
        outcome: std::result::Result<(), ErrorCode>,
        fuel: u64,
        started: Instant,
    ) {
        let mut stats = self.inner.stats.lock().unwrap_or_else(|p| p.into_inner());
        stats_entry(&mut stats, id).record(outcome, fuel, started.elapsed());
    }

    /// The plugin ready to call, loading it if needed.
    fn loaded(&self, id: &str) -> Result<Arc<Loaded>> {
        if let Some(l) = self.inner.registry.get(id) {
            return Ok(l);
        }
        let inner = &self.inner;
        let _loading = inner.load_lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = inner.registry.get(id) {
            return Ok(l);
        }
        let plugin = inner.store.plugin(id)?;
        let m = &plugin.manifest;
        let env = PluginEnv {
            id: plugin.id.clone(),
            store: Some(inner.store.clone()),
            storage_quota: m.storage.enabled.then_some(m.storage.quota_bytes),
            secrets: Arc::from(m.secrets.clone()),
            net: (!m.network.hosts.is_empty())
                .then(|| Arc::new(PluginNet::new(inner.http.clone(), m.network.clone()))),
            sink: inner.config.log_sink.clone(),
        };
        let loaded = registry::load(
            &inner.wasm,
            &inner.engine_hash,
            &inner.linker,
            &inner.config,
            &inner.store,
            env,
            plugin,
        )
        .map_err(|e| match e {
            LoadFailure::Store(s) => Error::from(s),
            LoadFailure::Engine(message) => CallError::Load {
                id: id.to_string(),
                message,
            }
            .into(),
        })?;
        if loaded.compiled {
            let mut stats = inner.stats.lock().unwrap_or_else(|p| p.into_inner());
            stats_entry(&mut stats, id).compiles += 1;
        }
        let loaded = Arc::new(loaded);
        inner.registry.insert(loaded.clone());
        Ok(loaded)
    }
}

/// The statistics of plugin `id`, created on first use.
fn stats_entry<'a>(stats: &'a mut BTreeMap<String, PluginStats>, id: &str) -> &'a mut PluginStats {
    stats.entry(id.to_string()).or_insert_with(|| PluginStats {
        id: id.to_string(),
        ..PluginStats::default()
    })
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
