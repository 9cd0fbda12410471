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
mod install;
mod invoke;
#[cfg(feature = "jit")]
mod precompile;
mod registry;
mod repos;
mod request;
mod stats;
mod ticker;
mod typed_api;
pub(crate) mod vet;
mod wasm;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::artifact::ArtifactKey;
use crate::cancel::CancelToken;
use crate::error::{Error, Result};
use crate::host::HostState;
use crate::host::http::{HttpClient, HttpStats};
use crate::js::JsPool;
use crate::manifest::validate_plugin_id;
use crate::permits::{Permits, Shares};
use crate::scheduler::{LaneStats, Scheduler, WorkerHooks};
use crate::store::{InstalledPlugin, Store, StoreStats};
use crate::wasm::{CodeTarget, linker};
use breaker::Breakers;
use registry::Registry;

pub use crate::wasm::{EngineError, Execution};
pub use call::CallError;
pub use config::{
    DATA_DIR_ENV, DEFAULT_BREAKER_COOLDOWN_MS, DEFAULT_BREAKER_THRESHOLD, DEFAULT_FUEL,
    DEFAULT_LANES, DEFAULT_MAX_HTTP_BODY_BYTES, DEFAULT_MAX_HTTP_IN_FLIGHT, DEFAULT_MAX_INSTANCES,
    DEFAULT_MAX_RESULT_BYTES, DEFAULT_MEMORY_MB, DEFAULT_REPOSITORY_TIMEOUT_MS, DEFAULT_TIMEOUT_MS,
    EngineConfig, MAX_FUEL, MAX_MEMORY_MB, MAX_MEMORY_MB_32BIT, MAX_TIMEOUT_MS, default_data_dir,
};
pub use dispatch::default_lane;
#[cfg(feature = "jit")]
pub use install::{pack, pack_files};
pub use invoke::MAX_PLUGIN_ERROR_BYTES;
#[cfg(feature = "jit")]
pub use precompile::Precompiler;
pub use repos::{Available, RefreshReport, RepoInfo, RepoJob};
pub use request::{CallOptions, Request};
pub use stats::PluginStats;
pub(crate) use wasm::wasm_config;

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
    /// How plugins run here, and what their artifacts must be made for.
    pub code: CodeStats,
}

/// How plugins run, and the key their precompiled artifacts need.
#[derive(Clone, Debug, Serialize)]
pub struct CodeStats {
    /// `native` or `pulley`.
    pub execution: Execution,
    /// Whether this engine can compile plugins (the `jit` feature); a
    /// runtime-only engine installs only precompiled artifacts.
    pub jit: bool,
    /// The key artifacts for this engine must have (`bex precompile`).
    pub artifact_key: ArtifactKey,
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
    target: CodeTarget,
    artifact_key: ArtifactKey,
    engine_hash: String,
    linker: wasmtime::component::Linker<HostState>,
    http: Arc<HttpClient>,
    /// The host's own fetches of repository indexes and packages.
    fetcher: crate::repo::Fetcher,
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
    /// Each plugin's share of `executions`: all but one of them (at least
    /// one), so a plugin whose calls hang leaves a slot for the others.
    plugin_executions: Shares,
    /// The host's JavaScript; runtimes live on the threads that use them.
    js: Arc<JsPool>,
    /// The lanes' key: runtimes are kept between calls on their workers
    /// only (see `crate::js`).
    lanes_key: u64,
    opened: Instant,
    ticker: ticker::Ticker,
}

fn wasmtime_error(e: wasmtime::Error) -> Error {
    EngineError::Wasmtime(format!("{e:#}")).into()
}

impl Engine {
    /// Opens the data directory named by `config`, and compiles (in
    /// parallel) any installed plugin whose compiled artifact is missing or
    /// was made by a different engine configuration.
    pub fn open(config: EngineConfig) -> Result<Engine> {
        let target = CodeTarget::host(config.execution_or_default())?;
        let wasm = wasm::wasm_engine(Some(&config), &target)?;
        let store = Store::open(&config.data_dir)?;
        let artifact_key = wasm::artifact_key(&config, &target);
        let engine_hash = wasm::engine_hash(&wasm, &artifact_key);
        let linker = linker::build(&wasm).map_err(wasmtime_error)?;
        let http = Arc::new(HttpClient::new(&config.http).map_err(EngineError::Setup)?);
        let fetcher = crate::repo::Fetcher::new(&config.http);
        let ticker = ticker::Ticker::start(wasm.clone(), config.epoch_tick)
            .map_err(|e| EngineError::Setup(format!("starting the epoch thread: {e}")))?;
        let hooks = WorkerHooks {
            idle: crate::js::sweep_thread,
            after_job: crate::js::sweep_if_due,
            holding: crate::js::thread_holds_runtimes,
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
                plugin_executions: Shares::new(config.max_instances.saturating_sub(1)),
                opened: Instant::now(),
                config,
                store,
                wasm,
                target,
                artifact_key,
                engine_hash,
                linker,
                fetcher,
                http,
                registry: Registry::default(),
                load_lock: Mutex::new(()),
                stats: Mutex::new(BTreeMap::new()),
                next_request: AtomicU64::new(1),
                ticker,
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

    /// The key precompiled artifacts must have to load into this engine.
    pub fn artifact_key(&self) -> &ArtifactKey {
        &self.inner.artifact_key
    }

    /// How plugins run in this engine.
    pub fn execution(&self) -> Execution {
        self.inner.target.execution
    }

    /// Compiles installed plugins that have no artifact for this engine,
    /// in parallel, and drops artifacts no installed plugin can use. A
    /// runtime-only engine compiles nothing and keeps every artifact: it
    /// could not make them again.
    fn warm_cache(&self) -> Result<()> {
        if !cfg!(feature = "jit") {
            return Ok(());
        }
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
            code: CodeStats {
                execution: inner.target.execution,
                jit: cfg!(feature = "jit"),
                artifact_key: inner.artifact_key.clone(),
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
