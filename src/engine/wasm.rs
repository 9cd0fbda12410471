//! The wasmtime engine configuration, and the compiled-artifact cache.
//!
//! Components are compiled at install time and the artifacts stored in the
//! store's compiled table, keyed by the component's SHA-256 and the
//! engine's compatibility hash. Loading deserializes only from that table,
//! after checking the artifact's own SHA-256; anything else (a corrupt
//! artifact, another engine configuration or wasmtime version) is
//! recompiled from the stored component, transparently.

use std::hash::{Hash, Hasher};

use sha2::Digest;
use wasmtime::component::Component;
use wasmtime::{InstanceAllocationStrategy, PoolingAllocationConfig};

use super::config::EngineConfig;
use crate::artifact::{ArtifactError, ArtifactKey};
use crate::digest::{hex, sha256};
use crate::store::{CompiledFile, InstalledPlugin, Store, StoreError};
use crate::wasm::EngineError;
use crate::wasm::{CodeTarget, Execution, check_pool_fits, memory_guard_bytes};

/// Bytes of each instance slot's linear memory kept mapped between calls
/// (reset with memset, never shared): per slot, so `max_instances` times
/// this stays resident. Memory protection keys are not used: wasmtime
/// marks them experimental, and they shrink address-space reservations
/// rather than first-touch costs.
pub(crate) const KEEP_RESIDENT_BYTES: usize = 4 << 20;

/// The wasmtime configuration for plugin code on `target`. `None` is a
/// plain configuration for one-off checks (`bex pack`); with an engine
/// config, instances come from a pooling allocator sized by it. Everything
/// here that changes generated code is in the artifact profile (see
/// [`artifact_key`]).
pub(crate) fn wasm_config(
    settings: Option<&EngineConfig>,
    target: &CodeTarget,
) -> Result<wasmtime::Config, EngineError> {
    let mut c = crate::wasm::base_config(target)?;
    if let Some(cfg) = settings {
        let ceiling_mb = cfg.memory_ceiling_mb(target);
        let n = cfg.max_instances;
        check_pool_fits(n, ceiling_mb, target)?;
        let memory = u64::from(ceiling_mb) << 20;
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(n)
            .total_core_instances(n * 16)
            .total_memories(n)
            .total_tables(n * 8)
            // Calls are synchronous: no fibers, no async stacks.
            .total_stacks(0)
            .max_memory_size(memory as usize)
            .max_component_instance_size(1 << 20)
            .max_core_instances_per_component(16)
            .max_memories_per_component(2)
            .max_tables_per_component(8)
            .table_elements(20_000);
        keep_resident(&mut pool);
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // Reserve only the memory ceiling per instance (plus a small guard
        // for native code) instead of 4 GiB: explicit bounds checks, small
        // address space.
        c.memory_reservation(memory);
        c.memory_guard_size(memory_guard_bytes(target.execution));
        c.memory_reservation_for_growth(0);
    }
    Ok(c)
}

/// A wasmtime engine for `target`, with `settings` (see [`wasm_config`]).
/// A pool the system will not map is refused like one that cannot fit.
pub(crate) fn wasm_engine(
    settings: Option<&EngineConfig>,
    target: &CodeTarget,
) -> Result<wasmtime::Engine, EngineError> {
    let config = wasm_config(settings, target)?;
    wasmtime::Engine::new(&config).map_err(|e| {
        let message = format!("{e:#}");
        if !target.is_host() {
            let hint = if target.execution == Execution::Native && !cfg!(feature = "cross-precompile")
            {
                " (this bex compiles native code only for its own architecture: build it with `--features cross-precompile`, or precompile for pulley)"
            } else {
                ""
            };
            return EngineError::Setup(format!(
                "cannot compile for {} ({}): {message}{hint}",
                target.device_triple(),
                target.wasmtime_target()
            ));
        }
        match settings {
            Some(cfg) if message.contains("mmap") || message.contains("reserve") => {
                EngineError::AddressSpace(format!(
                    "the instance pool ({} slots of {} MiB) could not be mapped: {message}; lower max_executions or ceilings.memory_mb",
                    cfg.max_instances,
                    cfg.memory_ceiling_mb(target)
                ))
            }
            _ => EngineError::Wasmtime(message),
        }
    })
}

/// What artifacts for `target` under `settings` are keyed by.
pub(crate) fn artifact_key(settings: &EngineConfig, target: &CodeTarget) -> ArtifactKey {
    ArtifactKey {
        wasmtime: wasmtime::ModuleVersionStrategy::default()
            .as_str()
            .to_string(),
        target: target.wasmtime_target(),
        execution: target.execution,
        profile: ArtifactKey::profile_name(settings.memory_ceiling_mb(target)),
    }
}

/// A freed slot's memory is reset to its initial image before reuse, as
/// always; its first [`KEEP_RESIDENT_BYTES`] are reset with memset instead
/// of madvise, so they stay mapped and the next call in the slot takes no
/// page faults there (a call's heap: parsing a response, building the
/// result). Pages above that are released. No decommit batching: a slot
/// waiting in a batch is not free, and a call holding an execution permit
/// must always find one.
fn keep_resident(pool: &mut PoolingAllocationConfig) {
    pool.linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
        .table_keep_resident(64 << 10)
        // Linux 6.7+: reset only the pages a call touched.
        .pagemap_scan(wasmtime::Enabled::Auto);
}

struct ShaHasher(sha2::Sha256);

impl Hasher for ShaHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        unreachable!("only the SHA-256 is read")
    }
}

/// A stable fingerprint of everything that makes compiled artifacts
/// compatible: wasmtime version, target, execution, compiler and runtime
/// settings. (wasmtime's own hash leaves the target out when the engine
/// has no compiler, and a runtime-only build has no such hash at all: its
/// artifacts' key says it all, and wasmtime checks each artifact's header
/// again when loading it.)
pub(crate) fn engine_hash(engine: &wasmtime::Engine, key: &ArtifactKey) -> String {
    let mut h = ShaHasher(sha2::Sha256::new());
    #[cfg(feature = "jit")]
    engine.precompile_compatibility_hash().hash(&mut h);
    #[cfg(not(feature = "jit"))]
    let _ = engine;
    key.to_string().hash(&mut h);
    hex(&h.0.finalize())[..32].to_string()
}

/// The compiled table's key for a component under this engine.
pub(crate) fn cache_key(component_sha_hex: &str, engine_hash: &str) -> String {
    format!("{component_sha_hex}/{engine_hash}")
}

/// Why loading a compiled component failed.
#[derive(Debug)]
pub(crate) enum LoadError {
    Store(StoreError),
    Compile(String),
    NoArtifact(ArtifactError),
}

/// Turns a precompiled artifact (a `.bexa` file's code) into a component,
/// copying it into memory of its own.
pub(crate) fn deserialize(engine: &wasmtime::Engine, code: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: `code` is what a precompiled `.bexa` file carried: the
    // vendor's own build output, trusted like the player binary
    // (docs/porting.md). Its SHA-256 was checked against the file's header
    // when it was read, and the install refuses it unless its key names
    // this engine's wasmtime version, target, execution and settings;
    // wasmtime checks its own header again and refuses an artifact from
    // another version or configuration.
    unsafe { Component::deserialize(engine, code) }
}

/// Maps a stored artifact's file as a component, after checking that the
/// file holds what the install recorded. `None` if it does not, or if
/// wasmtime refuses it.
fn load_stored(engine: &wasmtime::Engine, file: &CompiledFile) -> Option<Component> {
    if !file.verify() {
        return None;
    }
    // SAFETY: the file is the store's own (`<data dir>/compiled/`): written
    // once from code this engine compiled or a `.bexa` artifact installed
    // (see `deserialize`), synced and renamed into place, never modified
    // afterwards (a replacement is a new file, a removal an unlink, so a
    // mapping stays valid), and filed under a key that names this engine's
    // configuration. Its SHA-256 was checked against the digest the install
    // committed just above; wasmtime checks its own header again.
    unsafe { Component::deserialize_file(engine, &file.path) }.ok()
}

/// Compiles a component's bytes. An engine built without the `jit`
/// feature cannot: it says so, naming the way out.
pub(crate) fn compile(engine: &wasmtime::Engine, bytes: &[u8]) -> Result<Component, LoadError> {
    #[cfg(feature = "jit")]
    {
        Component::new(engine, bytes).map_err(|e| LoadError::Compile(format!("{e:#}")))
    }
    #[cfg(not(feature = "jit"))]
    {
        let _ = (engine, bytes);
        Err(LoadError::Compile(NO_COMPILER.into()))
    }
}

/// Why a runtime-only engine cannot compile.
#[cfg(not(feature = "jit"))]
pub(crate) const NO_COMPILER: &str = "this BEX is runtime-only (built without the `jit` feature) and cannot compile plugins: install the package with an artifact made by `bex precompile` for this engine";

/// Loads a plugin's component: from the cache when its artifact is intact
/// and matches this engine, else by compiling the stored component (whose
/// digest is checked first) and refreshing the cache. A runtime-only
/// engine cannot compile: a missing artifact is `NO_ARTIFACT`. Returns the
/// component and whether it had to be compiled.
pub(crate) fn load_component(
    engine: &wasmtime::Engine,
    engine_hash: &str,
    store: &Store,
    plugin: &InstalledPlugin,
) -> Result<(Component, bool), LoadError> {
    let key = cache_key(&plugin.component_sha256, engine_hash);
    let cached = store.compiled(&key).map_err(LoadError::Store)?;
    if let Some(file) = cached
        && let Some(component) = load_stored(engine, &file)
    {
        return Ok((component, false));
    }
    if !cfg!(feature = "jit") {
        return Err(LoadError::NoArtifact(ArtifactError::Unusable {
            id: plugin.id.clone(),
            reason: "the store has no artifact for this engine (it was opened with other settings, or BEX was upgraded): reinstall the package with an artifact made by `bex precompile` for this engine".into(),
        }));
    }
    let digest = plugin.component_digest();
    let bytes = store.component(&digest).map_err(LoadError::Store)?;
    if sha256(&bytes) != digest {
        return Err(LoadError::Store(StoreError::Corrupt {
            what: format!("component of {}", plugin.id),
            message: "its SHA-256 does not match the install record".into(),
        }));
    }
    let component = compile(engine, &bytes)?;
    let artifact = component
        .serialize()
        .map_err(|e| LoadError::Compile(format!("{e:#}")))?;
    store
        .put_compiled(&key, &artifact)
        .map_err(LoadError::Store)?;
    Ok((component, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_hash_is_stable_and_config_sensitive() {
        let host = CodeTarget::host(Execution::host_default()).unwrap();
        let cfg = EngineConfig::new("/nonexistent");
        let key = artifact_key(&cfg, &host);
        let a = wasm_engine(None, &host).unwrap();
        let b = wasm_engine(None, &host).unwrap();
        assert_eq!(engine_hash(&a, &key), engine_hash(&b, &key));
        let pooled = wasm_engine(Some(&cfg), &host).unwrap();
        assert_ne!(engine_hash(&a, &key), engine_hash(&pooled, &key));
    }

    #[test]
    fn native_and_pulley_artifacts_never_share_a_key() {
        let cfg = EngineConfig::new("/nonexistent");
        let keys: Vec<(String, ArtifactKey)> = Execution::ALL
            .into_iter()
            .filter(|e| e.available().is_ok())
            .map(|e| {
                let t = CodeTarget::host(e).unwrap();
                let engine = wasm_engine(Some(&cfg), &t).unwrap();
                let key = artifact_key(&cfg, &t);
                (engine_hash(&engine, &key), key)
            })
            .collect();
        assert_eq!(keys.len(), 2, "this build runs both");
        assert_ne!(keys[0].0, keys[1].0);
        assert_ne!(keys[0].1, keys[1].1);
        assert_eq!(keys[1].1.execution, Execution::Pulley);
        assert_eq!(keys[1].1.target, format!("pulley{}", usize::BITS));
    }
}
