//! Runs scripts in a fresh [`Sandbox`] with the default limits.

use bex_engine::js::{JsConfig, JsError, Sandbox};

/// Runs `src` in a fresh sandbox; the result's JSON, or the thrown error
/// as `Name: message` (other failures as `kind: detail`).
pub fn run(src: &str) -> Result<String, String> {
    Sandbox::new(JsConfig::default())
        .eval(src, None)
        .map_err(|e| match e {
            JsError::Exception { message, .. } => message,
            other => format!("{}: {}", other.kind(), other.detail()),
        })
}
