//! JavaScript in the host's QuickJS (`js` interface; docs/js.md), with
//! JSON in and out through serde.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::bex::plugin::js as wit;
use crate::types::PluginError;

/// Calls the function `fn_source` (an expression evaluating to a function)
/// registered as `name`, with `args` (serialized as a JSON array), and
/// decodes its result. The host compiles the source once per plugin and
/// name, and again only when the source changes.
pub fn call_fn<T: DeserializeOwned>(
    name: &str,
    fn_source: &str,
    args: &impl Serialize,
) -> Result<T, PluginError> {
    let args =
        serde_json::to_string(args).map_err(|e| PluginError::Internal(format!("js args: {e}")))?;
    let out = wit::call_js_fn(name, fn_source, &args)?;
    decode(name, &out)
}

/// Evaluates `source` in a fresh context with `input` bound to the global
/// `input`, and decodes its completion value (a Promise is awaited).
pub fn eval<T: DeserializeOwned>(
    source: &str,
    input: Option<&impl Serialize>,
) -> Result<T, PluginError> {
    let input = input
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| PluginError::Internal(format!("js input: {e}")))?;
    let out = wit::eval_js(source, input.as_deref())?;
    decode("eval", &out)
}

fn decode<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, PluginError> {
    serde_json::from_str(json)
        .map_err(|e| PluginError::Parse(format!("js {what} returned unexpected JSON: {e}")))
}
