//! [`EngineConfig`] from JSON, for the C ABI's `bex_engine_new_with_config`
//! (the document is described in docs/c-api.md). Unknown keys are refused,
//! so a typo never silently keeps a default.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::config::EngineConfig;
use crate::error::{Error, Result};
use crate::js::JsConfig;
use crate::manifest::OperationLimits;
use crate::scheduler::{Lane, LaneSize};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Doc {
    lanes: Option<BTreeMap<String, LaneDoc>>,
    max_executions: Option<u32>,
    execution: Option<String>,
    max_http_in_flight: Option<u32>,
    max_rate_per_minute: Option<u32>,
    max_concurrent_requests: Option<u32>,
    breaker: Option<BreakerDoc>,
    limits: Option<OperationLimits>,
    ceilings: Option<OperationLimits>,
    max_result_bytes: Option<usize>,
    max_http_body_bytes: Option<u64>,
    epoch_tick_ms: Option<u64>,
    record_dir: Option<PathBuf>,
    replay_dir: Option<PathBuf>,
    replay_plugins: Option<BTreeMap<String, PathBuf>>,
    allow_private_networks: Option<bool>,
    allow_unsigned_packages: Option<bool>,
    user_agent: Option<String>,
    resolve: Option<BTreeMap<String, Vec<IpAddr>>>,
    js: Option<JsDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsDoc {
    enabled: Option<bool>,
    memory_bytes: Option<usize>,
    stack_bytes: Option<usize>,
    timeout_ms: Option<u64>,
    max_timeout_ms: Option<u64>,
    runtimes_per_plugin: Option<usize>,
    idle_timeout_ms: Option<u64>,
    sweep_interval_ms: Option<u64>,
    max_jobs: Option<u64>,
    max_timers: Option<u64>,
}

impl JsDoc {
    fn apply(self, mut j: JsConfig) -> JsConfig {
        let ms = |v: u64| Duration::from_millis(v.min(MAX_DURATION_MS));
        if let Some(v) = self.enabled {
            j = j.enabled(v);
        }
        if let Some(v) = self.memory_bytes {
            j = j.memory_bytes(v);
        }
        if let Some(v) = self.stack_bytes {
            j = j.stack_bytes(v);
        }
        if let Some(v) = self.max_timeout_ms {
            j = j.max_timeout(ms(v));
        }
        if let Some(v) = self.timeout_ms {
            j = j.timeout(ms(v));
        }
        if let Some(v) = self.runtimes_per_plugin {
            j = j.runtimes_per_plugin(v);
        }
        if let Some(v) = self.idle_timeout_ms {
            j = j.idle_timeout(ms(v));
        }
        if let Some(v) = self.sweep_interval_ms {
            j = j.sweep_interval(ms(v));
        }
        if let Some(v) = self.max_jobs {
            j = j.max_jobs(v);
        }
        if let Some(v) = self.max_timers {
            j = j.max_timers(v);
        }
        j
    }
}

/// The longest duration a JS setting takes (a day).
const MAX_DURATION_MS: u64 = 24 * 60 * 60 * 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LaneDoc {
    workers: Option<usize>,
    capacity: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakerDoc {
    threshold: Option<u32>,
    cooldown_ms: Option<u64>,
}

impl EngineConfig {
    /// A configuration for `data_dir` with the settings of a JSON object
    /// (docs/c-api.md); absent keys keep their defaults. Fails with
    /// `INVALID_ARGUMENT` naming the bad key or value.
    pub fn from_json(data_dir: impl Into<PathBuf>, json: &str) -> Result<EngineConfig> {
        let doc: Doc = serde_json::from_str(json)
            .map_err(|e| Error::InvalidArgument(format!("engine config JSON: {e}")))?;
        let mut c = EngineConfig::new(data_dir);
        for (name, lane) in doc.lanes.unwrap_or_default() {
            let Some(l) = Lane::from_name(&name) else {
                return Err(Error::InvalidArgument(format!(
                    "engine config JSON: unknown lane \"{name}\" (control, user or background)"
                )));
            };
            let current = c.lanes[l as usize];
            c = c.lane(
                l,
                LaneSize {
                    workers: lane.workers.unwrap_or(current.workers),
                    capacity: lane.capacity.unwrap_or(current.capacity),
                },
            );
        }
        if let Some(n) = doc.max_executions {
            c = c.max_instances(n);
        }
        if let Some(n) = doc.max_http_in_flight {
            c = c.max_http_in_flight(n);
        }
        if doc.max_rate_per_minute.is_some() || doc.max_concurrent_requests.is_some() {
            let rate = doc.max_rate_per_minute.unwrap_or(c.max_rate_per_minute);
            let concurrent = doc
                .max_concurrent_requests
                .unwrap_or(c.max_concurrent_requests);
            c = c.network_ceilings(rate, concurrent);
        }
        if let Some(b) = doc.breaker {
            let threshold = b.threshold.unwrap_or(c.breaker_threshold);
            let cooldown = b
                .cooldown_ms
                .map_or(c.breaker_cooldown, Duration::from_millis);
            c = c.circuit_breaker(threshold, cooldown);
        }
        if let Some(l) = doc.limits {
            c = c.default_limits(l);
        }
        if let Some(l) = doc.ceilings {
            c = c.ceilings(l);
        }
        if let Some(n) = doc.max_result_bytes {
            c = c.max_result_bytes(n);
        }
        if let Some(n) = doc.max_http_body_bytes {
            c = c.max_http_body_bytes(n);
        }
        if let Some(ms) = doc.epoch_tick_ms {
            c = c.epoch_tick(Duration::from_millis(ms));
        }
        if let Some(d) = doc.record_dir {
            c = c.record_dir(d);
        }
        if let Some(d) = doc.replay_dir {
            c = c.replay_dir(d);
        }
        if let Some(e) = doc.execution {
            c = c.execution(e.parse().map_err(Error::InvalidArgument)?);
        }
        for (id, d) in doc.replay_plugins.unwrap_or_default() {
            c = c.replay_dir_for(&id, d);
        }
        if let Some(a) = doc.allow_unsigned_packages {
            c = c.allow_unsigned_packages(a);
        }
        if let Some(a) = doc.allow_private_networks {
            c = c.allow_private_networks(a);
        }
        if let Some(ua) = doc.user_agent {
            c = c.user_agent(ua);
        }
        for (host, addrs) in doc.resolve.unwrap_or_default() {
            c = c.resolve(&host, &addrs);
        }
        if let Some(js) = doc.js {
            let j = js.apply(c.js.clone());
            c = c.js(j);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn keys_set_what_they_name_and_the_rest_keeps_defaults() {
        let c = EngineConfig::from_json(
            "/d",
            r#"{"lanes": {"user": {"workers": 2}}, "max_executions": 3,
                "breaker": {"threshold": 2, "cooldown_ms": 50},
                "max_http_in_flight": 5, "allow_private_networks": true, "allow_unsigned_packages": true,
                "max_rate_per_minute": 60000,
                "limits": {"timeout_ms": 1000},
                "js": {"memory_bytes": 8388608, "runtimes_per_plugin": 1, "timeout_ms": 500}}"#,
        )
        .unwrap();
        assert_eq!(
            c.js,
            JsConfig::default()
                .memory_bytes(8 << 20)
                .runtimes_per_plugin(1)
                .timeout(Duration::from_millis(500))
        );
        assert_eq!(
            (c.max_rate_per_minute, c.max_concurrent_requests),
            (60_000, 32)
        );
        assert_eq!(c.lanes[Lane::User as usize].workers, 2);
        assert_eq!(c.lanes[Lane::User as usize].capacity, 256);
        assert_eq!(c.lanes[Lane::Control as usize].workers, 1);
        assert_eq!(c.max_instances, 3);
        assert_eq!(c.breaker_threshold, 2);
        assert_eq!(c.breaker_cooldown, Duration::from_millis(50));
        assert_eq!(c.http.max_in_flight, 5);
        assert!(c.http.allow_private_networks);
        assert!(c.allow_unsigned_packages);
        assert!(
            !EngineConfig::from_json("/d", "{}")
                .unwrap()
                .allow_unsigned_packages
        );
        assert_eq!(c.defaults.timeout_ms, Some(1000));
        assert_eq!(c.defaults.fuel, Some(super::super::DEFAULT_FUEL));
    }

    #[test]
    fn unknown_keys_lanes_and_bad_json_are_refused() {
        for bad in [
            r#"{"max_executionz": 3}"#,
            r#"{"lanes": {"turbo": {}}}"#,
            r#"{"lanes": {"user": {"workerz": 1}}}"#,
            r#"{"js": {"memory": 1}}"#,
            r#"{"max_executions": -1}"#,
            "not json",
            "[]",
        ] {
            let e = EngineConfig::from_json("/d", bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArgument, "{bad}");
        }
        assert!(EngineConfig::from_json("/d", "{}").is_ok());
    }

    #[test]
    fn huge_durations_are_lowered_to_a_day() {
        let c = EngineConfig::from_json(
            "/d",
            r#"{"breaker": {"cooldown_ms": 18446744073709551615},
                "ceilings": {"timeout_ms": 18446744073709551615},
                "limits": {"timeout_ms": 18446744073709551615}}"#,
        )
        .unwrap();
        let day = 24 * 60 * 60 * 1000;
        assert_eq!(c.breaker_cooldown, Duration::from_millis(day));
        assert_eq!(c.ceilings.timeout_ms, Some(day));
    }
}
