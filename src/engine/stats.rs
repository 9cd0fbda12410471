//! Per-plugin call statistics, kept in memory for the engine's lifetime.

use std::collections::{BTreeMap, VecDeque};
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
    /// Median latency of the recent calls (up to the last 1024),
    /// microseconds.
    pub p50_us: u64,
    /// 99th percentile latency of the recent calls, microseconds.
    pub p99_us: u64,
    /// The circuit breaker: `"closed"`, `"open"` or `"half_open"`.
    pub breaker: String,
    #[serde(skip)]
    recent: VecDeque<u64>,
}

/// Latencies kept for the percentiles.
const WINDOW: usize = 1024;

/// The statistics of plugin `id`, created on first use.
pub(crate) fn stats_entry<'a>(
    stats: &'a mut BTreeMap<String, PluginStats>,
    id: &str,
) -> &'a mut PluginStats {
    stats.entry(id.to_string()).or_insert_with(|| PluginStats {
        id: id.to_string(),
        breaker: "closed".into(),
        ..PluginStats::default()
    })
}

/// The `q` quantile (0..=1) of `values`, nearest rank.
fn quantile(values: &VecDeque<u64>, q: f64) -> u64 {
    if values.is_empty() {
        return 0;
    }
    let mut sorted: Vec<u64> = values.iter().copied().collect();
    sorted.sort_unstable();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
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
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(took.as_micros() as u64);
    }

    /// Fills in `p50_us` and `p99_us` from the recent calls. Done when the
    /// stats are read, so a call never pays for sorting the window.
    pub(crate) fn compute_percentiles(&mut self) {
        self.p50_us = quantile(&self.recent, 0.50);
        self.p99_us = quantile(&self.recent, 0.99);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_the_recent_calls() {
        let mut s = PluginStats::default();
        for us in 1..=100u64 {
            s.record(Ok(()), 1, Duration::from_micros(us));
        }
        s.compute_percentiles();
        assert_eq!((s.p50_us, s.p99_us), (50, 99));
        s.record(Err(ErrorCode::Timeout), 0, Duration::from_micros(5));
        assert_eq!(s.errors.get("TIMEOUT"), Some(&1));
        assert_eq!(s.calls, 101);
    }
}
