//! Per-plugin call statistics, kept in memory for the engine's lifetime.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::error::ErrorCode;

/// Calls to one plugin since the engine opened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PluginStats {
    /// Plugin id.
    pub id: String,
    /// Calls made.
    pub calls: u64,
    /// Calls that returned a result.
    pub ok: u64,
    /// Failed calls by error code name.
    pub errors: BTreeMap<String, u64>,
    /// Fuel used by all calls.
    pub fuel_used: u64,
    /// Wall-clock time of all calls, milliseconds.
    pub total_ms: u64,
    /// The slowest call, milliseconds.
    pub max_ms: u64,
    /// Calls that had to compile the component (cache misses).
    pub compiles: u64,
}

impl PluginStats {
    pub(crate) fn record(&mut self, outcome: Result<(), ErrorCode>, fuel: u64, took: Duration) {
        self.calls += 1;
        match outcome {
            Ok(()) => self.ok += 1,
            Err(code) => *self.errors.entry(code.name().to_string()).or_default() += 1,
        }
        self.fuel_used += fuel;
        let ms = took.as_millis() as u64;
        self.total_ms += ms;
        self.max_ms = self.max_ms.max(ms);
    }
}
