//! Installed plugins made ready to call: compiled (from the cache),
//! linked (`InstancePre`), with their export indices, argument types and
//! effective limits. Entries are dropped whenever the store changes the
//! plugin, so a call never sees a stale version.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{ComponentExportIndex, InstancePre, Linker};

use super::config::EngineConfig;
use super::vet;
use super::wasm::{LoadError, load_component};
use crate::contract::Operation;
use crate::host::{HostState, PluginEnv};
use crate::manifest::OperationLimits;
use crate::store::{InstalledPlugin, Store};

/// Limits of one operation after defaults, overrides and ceilings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    pub fuel: u64,
    pub timeout: Duration,
    pub memory_bytes: usize,
}

/// One callable export.
pub(crate) struct Export {
    pub func: ComponentExportIndex,
    pub limits: Limits,
}

/// A plugin ready to instantiate.
pub(crate) struct Loaded {
    pub plugin: InstalledPlugin,
    pub pre: InstancePre<HostState>,
    pub env: PluginEnv,
    pub exports: HashMap<Operation, Export>,
    /// What its results may name (see `vet`).
    pub results: vet::Policy,
    /// Whether loading had to compile (the cache had no usable artifact).
    pub compiled: bool,
}

/// The limits for `op`: the manifest's, else the engine's per-operation,
/// else the engine's defaults; each lowered to the ceilings.
pub(crate) fn effective_limits(
    config: &EngineConfig,
    manifest: OperationLimits,
    op: Operation,
) -> (Limits, Vec<String>) {
    let engine = config
        .per_operation
        .get(&op)
        .copied()
        .unwrap_or_default()
        .or(config.defaults);
    let asked = manifest.or(engine);
    let mut lowered = Vec::new();
    let mut clamp = |name: &str, v: u64, max: u64| {
        if v > max {
            lowered.push(format!(
                "{op}.{name} {v} lowered to the engine ceiling {max}"
            ));
            max
        } else {
            v
        }
    };
    let ceil = config.ceilings;
    let fuel = clamp(
        "fuel",
        asked.fuel.unwrap_or(super::config::DEFAULT_FUEL),
        ceil.fuel.unwrap_or(u64::MAX),
    );
    let timeout_ms = clamp(
        "timeout_ms",
        asked
            .timeout_ms
            .unwrap_or(super::config::DEFAULT_TIMEOUT_MS),
        ceil.timeout_ms.unwrap_or(u64::MAX),
    );
    let memory_mb = clamp(
        "memory_mb",
        u64::from(asked.memory_mb.unwrap_or(super::config::DEFAULT_MEMORY_MB)),
        u64::from(
            ceil.memory_mb
                .unwrap_or_else(|| super::config::default_memory_ceiling_mb(usize::BITS)),
        ),
    );
    (
        Limits {
            fuel,
            timeout: Duration::from_millis(timeout_ms),
            memory_bytes: (memory_mb as usize) << 20,
        },
        lowered,
    )
}

/// Why a plugin could not be made ready.
#[derive(Debug)]
pub(crate) enum LoadFailure {
    Store(crate::store::StoreError),
    NoArtifact(crate::artifact::ArtifactError),
    Engine(String),
}

impl From<LoadError> for LoadFailure {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Store(s) => LoadFailure::Store(s),
            LoadError::Compile(m) => LoadFailure::Engine(format!("compiling: {m}")),
            LoadError::NoArtifact(a) => LoadFailure::NoArtifact(a),
        }
    }
}

/// Loads `plugin` (an installed record) for calls; also what the load
/// lowered (limits above the engine's ceilings), for the log.
pub(crate) fn load(
    wasm: &wasmtime::Engine,
    engine_hash: &str,
    linker: &Linker<HostState>,
    config: &EngineConfig,
    store: &Store,
    env: PluginEnv,
    plugin: InstalledPlugin,
) -> Result<(Loaded, Vec<String>), LoadFailure> {
    let mut notes = Vec::new();
    let (component, compiled) = load_component(wasm, engine_hash, store, &plugin)?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(|e| LoadFailure::Engine(format!("linking: {e:#}")))?;
    let mut exports = HashMap::new();
    for cap in plugin.manifest.provides.iter() {
        let iface = component
            .get_export_index(None, cap.export_name())
            .ok_or_else(|| LoadFailure::Engine(format!("{} is not exported", cap.export_name())))?;
        for op in cap.operations() {
            let (item, func) = component
                .get_export(Some(&iface), op.function())
                .ok_or_else(|| {
                    LoadFailure::Engine(format!("{} has no {}", cap.export_name(), op.function()))
                })?;
            let ComponentItem::ComponentFunc(_) = item else {
                return Err(LoadFailure::Engine(format!(
                    "{} is not a function",
                    op.function()
                )));
            };
            let (limits, lowered) =
                effective_limits(config, plugin.manifest.limits.for_operation(*op), *op);
            notes.extend(lowered);
            exports.insert(*op, Export { func, limits });
        }
    }
    Ok((
        Loaded {
            plugin,
            pre,
            env,
            exports,
            results: vet::Policy::of(config),
            compiled,
        },
        notes,
    ))
}

/// The loaded plugins of an engine, and a generation per plugin id,
/// bumped by every change to the plugin (install, uninstall, enable,
/// disable): a load that read the store before a change does not insert
/// what it read after it.
#[derive(Default)]
pub(crate) struct Registry {
    state: std::sync::Mutex<State>,
}

#[derive(Default)]
struct State {
    loaded: HashMap<String, Arc<Loaded>>,
    generations: HashMap<String, u64>,
}

impl Registry {
    pub fn get(&self, id: &str) -> Option<Arc<Loaded>> {
        self.lock().loaded.get(id).cloned()
    }

    /// The generation of `id` now: read it before reading the store.
    pub fn generation(&self, id: &str) -> u64 {
        self.lock().generations.get(id).copied().unwrap_or(0)
    }

    /// Inserts `loaded` if its plugin has not changed since `generation`;
    /// returns whether it did.
    pub fn insert_if_current(&self, loaded: Arc<Loaded>, generation: u64) -> bool {
        let mut state = self.lock();
        let id = &loaded.plugin.id;
        if state.generations.get(id).copied().unwrap_or(0) != generation {
            return false;
        }
        state.loaded.insert(id.clone(), loaded);
        true
    }

    /// Forgets `id` and bumps its generation, so the next call loads it
    /// afresh and a load in progress is not kept. Called after every
    /// committed change to the plugin.
    pub fn invalidate(&self, id: &str) {
        let mut state = self.lock();
        state.loaded.remove(id);
        *state.generations.entry(id.to_string()).or_insert(0) += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_come_from_manifest_then_engine_then_defaults_within_ceilings() {
        let config = EngineConfig::new("/x")
            .allow_unsigned_packages(true)
            .operation_limits(
                Operation::Search,
                OperationLimits {
                    timeout_ms: Some(3000),
                    ..Default::default()
                },
            )
            .ceilings(OperationLimits {
                fuel: Some(1_000_000),
                ..Default::default()
            });
        let (l, lowered) = effective_limits(&config, OperationLimits::default(), Operation::Search);
        assert_eq!(l.timeout, Duration::from_millis(3000));
        assert_eq!(l.fuel, 1_000_000, "default fuel lowered to the ceiling");
        assert_eq!(
            l.memory_bytes,
            (super::super::config::DEFAULT_MEMORY_MB as usize) << 20
        );
        assert_eq!(lowered.len(), 1);
        let manifest = OperationLimits {
            timeout_ms: Some(500),
            memory_mb: Some(8),
            fuel: None,
        };
        let (l, _) = effective_limits(&config, manifest, Operation::Search);
        assert_eq!(
            (l.timeout, l.memory_bytes),
            (Duration::from_millis(500), 8 << 20)
        );
        let (l, _) = effective_limits(&config, OperationLimits::default(), Operation::GetInfo);
        assert_eq!(
            l.timeout,
            Duration::from_millis(super::super::config::DEFAULT_TIMEOUT_MS)
        );
    }
}
