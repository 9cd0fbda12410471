//! The plugin's key-value storage (`kv` interface; `storage` in the
//! manifest), with JSON helpers. Writes are committed when the call
//! succeeds and dropped when it fails.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::bex::plugin::kv as wit;
use crate::types::PluginError;

/// The bytes under `key`, if any.
pub fn get(key: &str) -> Result<Option<Vec<u8>>, PluginError> {
    Ok(wit::get(key)?)
}

/// Stores `value` under `key`.
pub fn set(key: &str, value: &[u8]) -> Result<(), PluginError> {
    Ok(wit::set(key, value)?)
}

/// Removes `key`; whether it was there.
pub fn remove(key: &str) -> Result<bool, PluginError> {
    Ok(wit::remove(key)?)
}

/// The keys starting with `prefix`.
pub fn keys(prefix: &str) -> Result<Vec<String>, PluginError> {
    Ok(wit::keys(prefix)?)
}

/// The JSON value under `key`, if any (`parse` error if it does not decode).
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, PluginError> {
    match get(key)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| PluginError::Parse(format!("kv {key:?}: {e}"))),
    }
}

/// Stores `value` as JSON under `key`.
pub fn set_json(key: &str, value: &impl Serialize) -> Result<(), PluginError> {
    let bytes =
        serde_json::to_vec(value).map_err(|e| PluginError::Internal(format!("kv {key:?}: {e}")))?;
    set(key, &bytes)
}
