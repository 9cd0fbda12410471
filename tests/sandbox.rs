//! Hostile plugins: each misbehaviour ends its call with the exact error
//! code, leaves the process and the engine fine, and the next call to the
//! same plugin works.

mod common;

use bex_engine::manifest::OperationLimits;
use bex_engine::store::KV_ROW_OVERHEAD_BYTES;
use bex_engine::{ErrorCode, LogSource, Request};
use common::{Hostile, TestEngine, title};

const ID: &str = "bex.hostile";

fn engine_with(limits: OperationLimits) -> TestEngine {
    // These tests fault on purpose, one after another: the circuit breaker
    // (tests/lanes.rs) would turn later faults into CIRCUIT_OPEN.
    let t = TestEngine::new(|c| {
        c.default_limits(limits)
            .circuit_breaker(0, std::time::Duration::ZERO)
    });
    Hostile::default().install(&t.engine);
    t
}

fn engine() -> TestEngine {
    engine_with(OperationLimits::default())
}

/// Runs `query`, expects `code`, then checks the plugin still answers.
fn expect(t: &TestEngine, query: &str, code: ErrorCode) -> String {
    let err = t.search(ID, query).expect_err(query);
    assert_eq!(err.code(), code, "{query}: {err}");
    assert_eq!(title(&t.search(ID, "ok").unwrap()), "ok", "after {query}");
    err.to_string()
}

#[test]
fn an_endless_loop_times_out() {
    let t = engine_with(OperationLimits {
        timeout_ms: Some(300),
        fuel: Some(u64::MAX / 4),
        memory_mb: None,
    });
    let msg = expect(&t, "loop", ErrorCode::Timeout);
    assert!(msg.contains("300 ms"), "{msg}");
}

#[test]
fn burning_cpu_exhausts_fuel() {
    let t = engine_with(OperationLimits {
        fuel: Some(5_000_000),
        ..Default::default()
    });
    let msg = expect(&t, "burn", ErrorCode::FuelExhausted);
    assert!(msg.contains("5000000"), "{msg}");
    // A small job within the budget still runs.
    assert!(title(&t.search(ID, "burn:1000").unwrap()).starts_with("burned"));
}

#[test]
fn unbounded_memory_growth_hits_the_memory_limit() {
    let t = engine_with(OperationLimits {
        memory_mb: Some(16),
        ..Default::default()
    });
    let msg = expect(&t, "grow", ErrorCode::PluginFault);
    assert!(msg.contains("memory limit"), "{msg}");
    assert!(msg.contains("16 MiB"), "{msg}");
}

#[test]
fn unbounded_recursion_is_a_fault() {
    let t = engine();
    let msg = expect(&t, "recurse", ErrorCode::PluginFault);
    assert!(msg.contains("stack overflow"), "{msg}");
}

#[test]
fn a_panic_is_a_fault_with_its_message() {
    let t = engine();
    let msg = expect(&t, "panic:boom", ErrorCode::PluginFault);
    assert!(msg.contains("hostile panic: boom"), "{msg}");
    let stderr: Vec<_> = t
        .logs()
        .into_iter()
        .filter(|r| r.source == LogSource::Stderr)
        .collect();
    assert!(
        stderr
            .iter()
            .any(|r| r.message.contains("hostile panic: boom")),
        "{stderr:?}"
    );
}

#[test]
fn exit_is_a_fault() {
    let t = engine();
    let msg = expect(&t, "exit", ErrorCode::PluginFault);
    assert!(msg.contains("exit("), "{msg}");
}

#[test]
fn a_huge_result_is_refused() {
    let t = TestEngine::new(|c| c.max_result_bytes(1 << 20));
    Hostile::default().install(&t.engine);
    let msg = expect(&t, "huge:5000", ErrorCode::PluginFault);
    assert!(msg.contains("result too large"), "{msg}");
    // Below the cap is fine.
    assert!(t.search(ID, "huge:10").is_ok());
}

#[test]
fn a_slow_host_wait_past_the_deadline_times_out() {
    let t = engine_with(OperationLimits {
        timeout_ms: Some(200),
        ..Default::default()
    });
    expect(&t, "sleep:5000", ErrorCode::Timeout);
    assert_eq!(title(&t.search(ID, "sleep:1").unwrap()), "slept");
}

#[test]
fn a_trap_discards_the_calls_kv_writes_and_an_error_keeps_them() {
    let t = engine();
    expect(&t, "kvset-panic:k=lost", ErrorCode::PluginFault);
    expect(&t, "kvget:k", ErrorCode::PluginError);
    assert_eq!(title(&t.search(ID, "kvset:k=kept").unwrap()), "set");
    assert_eq!(title(&t.search(ID, "kvget:k").unwrap()), "kept");
}

#[test]
fn exceeding_the_kv_quota_is_refused_exactly() {
    let t = engine();
    let msg = expect(&t, "kvfill:1000", ErrorCode::PluginError);
    assert!(msg.contains("QuotaExceeded"), "{msg}");
    // A 64 KiB quota holds 61 entries of a 9-byte key, 1000 bytes and the
    // 64-byte row overhead; the writes before the refusal are kept (the
    // call ended without a trap).
    assert!(msg.contains("after 61 keys"), "{msg}");
    let row = 9 + 1000 + KV_ROW_OVERHEAD_BYTES;
    let used = t.engine.store().kv_usage(ID).unwrap();
    assert_eq!((used.bytes, used.rows), (61 * row, 61));
    // Overwrites and removals are accounted exactly.
    assert!(t.search(ID, "kvset:fill00000=small").is_ok());
    let small = 9 + 5 + KV_ROW_OVERHEAD_BYTES;
    assert_eq!(
        t.engine.store().kv_usage(ID).unwrap().bytes,
        60 * row + small
    );
    assert_eq!(
        title(&t.search(ID, "kvremove:fill00001").unwrap()),
        "Ok(true)"
    );
    assert_eq!(
        t.engine.store().kv_usage(ID).unwrap().bytes,
        59 * row + small
    );
    // With room again, a new key fits.
    assert!(t.search(ID, "kvset:late=x").is_ok());
}

#[test]
fn a_plugin_cannot_read_another_plugins_kv() {
    let t = engine();
    Hostile {
        id: "bex.other",
        ..Hostile::default()
    }
    .install(&t.engine);
    t.search("bex.other", "kvset:shared=other's").unwrap();
    expect(&t, "kvget:shared", ErrorCode::PluginError);
    assert_eq!(title(&t.search(ID, "kvkeys:").unwrap()), "");
    assert_eq!(
        title(&t.search("bex.other", "kvget:shared").unwrap()),
        "other's"
    );
}

#[test]
fn undeclared_and_foreign_secrets_are_not_readable() {
    let t = TestEngine::new(|c| c);
    Hostile {
        secrets: "secrets: [api-key, old-key]",
        ..Hostile::default()
    }
    .install(&t.engine);
    t.engine.set_secret(ID, "old-key", "stale").unwrap();
    t.engine.set_secret(ID, "api-key", "mine").unwrap();
    assert_eq!(title(&t.search(ID, "secret:old-key").unwrap()), "stale");
    // The next version no longer declares old-key: the stored value stays
    // unreadable to the plugin.
    Hostile::default().install(&t.engine);
    let msg = expect(&t, "secret:old-key", ErrorCode::PluginError);
    assert!(msg.starts_with("auth:"), "{msg}");
    assert_eq!(title(&t.search(ID, "secret:api-key").unwrap()), "mine");
    // Another plugin declaring the same name sees only its own (unset) one.
    Hostile {
        id: "bex.other",
        ..Hostile::default()
    }
    .install(&t.engine);
    let err = t.search("bex.other", "secret:api-key").unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginError);
}

#[test]
fn kv_without_storage_is_denied() {
    let t = TestEngine::new(|c| c);
    Hostile {
        storage: "",
        ..Hostile::default()
    }
    .install(&t.engine);
    let msg = expect(&t, "kvset:a=b", ErrorCode::PluginError);
    assert!(msg.contains("Denied"), "{msg}");
}

#[test]
fn log_lines_are_tagged_and_capped() {
    let t = engine();
    let json = t
        .engine
        .call_with(
            ID,
            &Request::Search {
                query: "log:1000".into(),
                filters: serde_json::json!({}),
                page: None,
            },
            &bex_engine::CallOptions {
                request_id: Some("req-42".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(title(&json), "logged");
    let logs = t.logs();
    let lines: Vec<_> = logs
        .iter()
        .filter(|r| r.source == LogSource::Plugin)
        .collect();
    // The per-call cap is 256 lines.
    assert_eq!(lines.len(), 256);
    assert!(
        lines
            .iter()
            .all(|r| r.plugin == ID && r.request_id == "req-42")
    );
    assert!(
        logs.iter()
            .any(|r| r.source == LogSource::Engine && r.message.contains("dropped 744"))
    );
}

#[test]
fn stdout_and_stderr_go_to_the_log() {
    let t = engine();
    assert_eq!(title(&t.search(ID, "print").unwrap()), "printed");
    let logs = t.logs();
    assert!(
        logs.iter()
            .any(|r| r.source == LogSource::Stdout && r.message == "hello on stdout")
    );
    assert!(
        logs.iter()
            .any(|r| r.source == LogSource::Stderr && r.message == "hello on stderr")
    );
}

#[test]
fn rng_is_capped_js_works_clock_works() {
    let t = engine();
    assert_eq!(title(&t.search(ID, "rng:32").unwrap()), "32");
    assert_eq!(title(&t.search(ID, "rng:10000000").unwrap()), "65536");
    assert_eq!(title(&t.search(ID, "js").unwrap()), "2");
    let now: u64 = title(&t.search(ID, "time").unwrap())
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(now > 1_700_000_000_000);
}

#[test]
fn disabled_unknown_and_invalid_plugins() {
    let t = engine();
    t.engine.set_enabled(ID, false).unwrap();
    assert_eq!(t.search(ID, "ok").unwrap_err().code(), ErrorCode::Disabled);
    t.engine.set_enabled(ID, true).unwrap();
    assert!(t.search(ID, "ok").is_ok());
    assert_eq!(
        t.search("bex.nothing", "ok").unwrap_err().code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        t.search("Not An Id", "ok").unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
}

#[test]
fn every_failure_leaves_the_engine_usable_in_turn() {
    let t = engine_with(OperationLimits {
        timeout_ms: Some(300),
        fuel: Some(50_000_000),
        memory_mb: Some(16),
    });
    for q in [
        "loop",
        "burn",
        "grow",
        "recurse",
        "panic:x",
        "exit",
        "kvset-panic:a=b",
    ] {
        assert!(t.search(ID, q).is_err(), "{q}");
    }
    assert_eq!(title(&t.search(ID, "ok").unwrap()), "ok");
    let stats = t.engine.stats().unwrap();
    let s = &stats.calls[0];
    assert_eq!(s.calls, 8);
    assert_eq!(s.ok, 1);
    assert!(s.fuel_used > 0);
}
