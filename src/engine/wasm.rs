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
use crate::digest::{hex, sha256};
use crate::store::{InstalledPlugin, Store, StoreError};

/// Bytes of each instance slot's linear memory kept mapped between calls
/// (reset with memset, never shared): per slot, so `max_instances` times
/// this stays resident. Memory protection keys are not used: wasmtime
/// marks them experimental, and they shrink address-space reservations
/// rather than first-touch costs.
pub(crate) const KEEP_RESIDENT_BYTES: usize = 4 << 20;

/// The wasmtime configuration of a BEX engine. `None` is a plain
/// configuration for one-off checks (`bex pack`); with an engine config,
/// instances come from a pooling allocator sized by it.
pub(crate) fn wasm_config(settings: Option<&EngineConfig>) -> wasmtime::Config {
    let mut c = wasmtime::Config::new();
    c.wasm_component_model(true);
    c.consume_fuel(true);
    c.epoch_interruption(true);
    // wasmtime-wasi enables fibers; the wasm stack must fit in theirs.
    c.max_wasm_stack(512 * 1024);
    c.wasm_backtrace_max_frames(None);
    if let Some(cfg) = settings {
        let memory = u64::from(
            cfg.ceilings
                .memory_mb
                .unwrap_or(super::config::MAX_MEMORY_MB),
        ) << 20;
        let n = cfg.max_instances;
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
        if !cfg.legacy_call_path {
            keep_resident(&mut pool);
        }
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // Reserve only the memory ceiling per instance (plus a small guard)
        // instead of 4 GiB: explicit bounds checks, small address space.
        c.memory_reservation(memory);
        c.memory_guard_size(64 << 10);
        c.memory_reservation_for_growth(0);
    }
    c
}

/// A freed slot's memory is reset to its initial image before reuse, as
/// always; its first [`KEEP_RESIDENT_BYTES`] are reset with memset instead
/// of madvise, so they stay mapped and the next call in the slot takes no
/// page faults there (a call's heap: parsing a response, building the
/// result). Pages above that are released. No decommit batching: a slot
/// waiting in a batch is not free, and a call holding an execution permit
/// must always find one. Off on the bench-only legacy path, which measures
/// the call path as it was before.
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
/// compatible: wasmtime version, target, compiler and runtime settings.
pub(crate) fn engine_hash(engine: &wasmtime::Engine) -> String {
    let mut h = ShaHasher(sha2::Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut h);
    hex(&h.0.finalize())[..32].to_string()
}

/// The compiled table's key for a component under this engine.
pub(crate) fn cache_key(component_sha_hex: &str, engine_hash: &str) -> String {
    format!("{component_sha_hex}/{engine_hash}")
}

/// What the compiled table holds: the artifact's SHA-256, then the artifact.
pub(crate) fn artifact_record(artifact: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + artifact.len());
    out.extend_from_slice(&sha256(artifact));
    out.extend_from_slice(artifact);
    out
}

/// The artifact inside a record, if the record is intact.
fn verified_artifact(record: &[u8]) -> Option<&[u8]> {
    let (digest, artifact) = record.split_at_checked(32)?;
    (sha256(artifact) == digest).then_some(artifact)
}

/// Why loading a compiled component failed.
#[derive(Debug)]
pub(crate) enum LoadError {
    Store(StoreError),
    Compile(String),
}

/// Loads a plugin's component: from the cache when its artifact is intact
/// and matches this engine, else by compiling the stored component (whose
/// digest is checked first) and refreshing the cache. Returns the component
/// and whether it had to be compiled.
pub(crate) fn load_component(
    engine: &wasmtime::Engine,
    engine_hash: &str,
    store: &Store,
    plugin: &InstalledPlugin,
) -> Result<(Component, bool), LoadError> {
    let key = cache_key(&plugin.component_sha256, engine_hash);
    let cached = store.compiled(&key).map_err(LoadError::Store)?;
    if let Some(record) = cached
        && let Some(artifact) = verified_artifact(&record)
        // SAFETY: `artifact` was produced by `Component::serialize` of an
        // engine with this exact compatibility hash (it is part of the key),
        // was written only by this module into our own store, and its
        // SHA-256 was verified just above, so it is an intact wasmtime
        // artifact and not bytes from a package or elsewhere. wasmtime still
        // refuses artifacts from another version or configuration; that
        // error falls through to a recompile.
        && let Ok(component) = unsafe { Component::deserialize(engine, artifact) }
    {
        return Ok((component, false));
    }
    let digest = plugin.component_digest();
    let bytes = store.component(&digest).map_err(LoadError::Store)?;
    if sha256(&bytes) != digest {
        return Err(LoadError::Store(StoreError::Corrupt {
            what: format!("component of {}", plugin.id),
            message: "its SHA-256 does not match the install record".into(),
        }));
    }
    let component =
        Component::new(engine, &bytes).map_err(|e| LoadError::Compile(format!("{e:#}")))?;
    let artifact = component
        .serialize()
        .map_err(|e| LoadError::Compile(format!("{e:#}")))?;
    store
        .put_compiled(&key, &artifact_record(&artifact))
        .map_err(LoadError::Store)?;
    Ok((component, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_records_verify_their_digest() {
        let rec = artifact_record(b"artifact bytes");
        assert_eq!(verified_artifact(&rec), Some(&b"artifact bytes"[..]));
        let mut bad = rec.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(verified_artifact(&bad), None);
        assert_eq!(verified_artifact(&rec[..10]), None);
    }

    #[test]
    fn engine_hash_is_stable_and_config_sensitive() {
        let a = wasmtime::Engine::new(&wasm_config(None)).unwrap();
        let b = wasmtime::Engine::new(&wasm_config(None)).unwrap();
        assert_eq!(engine_hash(&a), engine_hash(&b));
        let cfg = EngineConfig::new("/nonexistent");
        let pooled = wasmtime::Engine::new(&wasm_config(Some(&cfg))).unwrap();
        assert_ne!(engine_hash(&a), engine_hash(&pooled));
    }
}
