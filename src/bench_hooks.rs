//! Entry points `make bench` measures on their own (benches/). Not a
//! stable API.

use serde::Serialize;

use crate::engine::vet;

/// The result-to-JSON step of a call, alone: the JSON text, its urls,
/// headers and file names checked as it is written (one pass), as a call
/// does.
pub fn result_json<T: Serialize>(result: &T) -> Result<String, String> {
    match vet::write_checked(result, vet::Policy::default(), |v| {
        serde_json::to_string(v).ok()
    }) {
        vet::Written::Json(json) => Ok(json),
        vet::Written::Refused(v) => Err(v),
        vet::Written::Failed => Err("the JSON could not be written".into()),
    }
}

/// The wasmtime configuration an engine opened with `config` uses (its
/// pooling allocator and memory settings), so a bare wasmtime baseline can
/// be measured under exactly the engine's settings.
pub fn wasm_config(config: &crate::EngineConfig) -> wasmtime::Config {
    let target = crate::wasm::CodeTarget::host(config.execution_or_default())
        .expect("the engine's execution is available");
    crate::engine::wasm_config(Some(config), &target).expect("the engine's settings fit")
}
