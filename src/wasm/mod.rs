//! What running plugin code needs, below both the engine and component
//! checking: the code target (native or Pulley, for which architecture),
//! the wasmtime settings every plugin engine shares, the linker's shape
//! (the WASI subset and the contract's host interfaces) and the errors of
//! setting them up. The engine adds its instance pool on top
//! (`engine::wasm`); `component` checks components with a plain engine.

pub(crate) mod linker;
mod target;

pub use target::Execution;
pub(crate) use target::{CodeTarget, check_pool_fits, memory_guard_bytes};

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
    /// The instance pool cannot fit the process's address space: too many
    /// execution slots for the memory ceiling (32-bit targets have little).
    #[error("{0}")]
    AddressSpace(String),
}

/// The wasmtime settings every plugin engine for `target` starts from:
/// components, fuel, epoch interruption, a stack that fits wasmtime-wasi's
/// fibers, full backtraces. Everything here changes generated code, so it
/// is all in the artifact profile.
pub(crate) fn base_config(target: &CodeTarget) -> Result<wasmtime::Config, EngineError> {
    let mut c = wasmtime::Config::new();
    if !target.is_host() || target.execution == Execution::Pulley {
        c.target(&target.wasmtime_target())
            .map_err(|e| EngineError::Setup(format!("target {}: {e:#}", target.device_triple())))?;
    }
    c.wasm_component_model(true);
    c.consume_fuel(true);
    c.epoch_interruption(true);
    // wasmtime-wasi enables fibers; the wasm stack must fit in theirs.
    c.max_wasm_stack(512 * 1024);
    c.wasm_backtrace_max_frames(None);
    Ok(c)
}

/// A plain engine for this machine's default execution, for one-off
/// checks (`bex pack`, which needs the compiler): no pool, nothing kept
/// between uses.
#[cfg(feature = "jit")]
pub(crate) fn check_engine() -> Result<wasmtime::Engine, EngineError> {
    let host = CodeTarget::host(Execution::host_default())?;
    wasmtime::Engine::new(&base_config(&host)?).map_err(|e| EngineError::Wasmtime(format!("{e:#}")))
}
