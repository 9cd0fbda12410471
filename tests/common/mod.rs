//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A plugin component built by `make plugins` (wasm32-wasip2, release).
pub fn wasm(crate_name: &str) -> Vec<u8> {
    let dir = std::env::var_os("BEX_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/wasm32-wasip2/release"));
    let path = dir.join(format!("{}.wasm", crate_name.replace('-', "_")));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build the plugins first with `make plugins`",
            path.display()
        )
    })
}

/// The manifest of a plugin under `plugins/`.
pub fn plugin_manifest(dir: &str) -> String {
    std::fs::read_to_string(root().join("plugins").join(dir).join("manifest.yaml")).unwrap()
}

/// The TVmaze plugin's component and manifest.
pub fn tvmaze() -> (String, Vec<u8>) {
    (plugin_manifest("tvmaze"), wasm("bex_tvmaze"))
}
