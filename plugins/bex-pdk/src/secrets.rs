//! Secrets the user set for the plugin (`secrets` in the manifest; `bex
//! set-key`, `bex_engine_secret_set`).

use crate::types::PluginError;

/// The secret `key`, if the user set it.
pub fn get(key: &str) -> Option<String> {
    crate::bindings::bex::plugin::secrets::get(key).filter(|v| !v.is_empty())
}

/// The secret `key`, or an `auth` error telling the user how to set it.
pub fn require(key: &str) -> Result<String, PluginError> {
    get(key).ok_or_else(|| {
        PluginError::Auth(format!(
            "the secret {key:?} is not set (bex set-key <plugin> {key} <value>)"
        ))
    })
}
