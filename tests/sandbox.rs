//! Hostile plugins: each misbehaviour ends its call with the exact error
//! code, leaves the process and the engine fine, and the next call to the
//! same plugin works. Every case runs twice: with native code (`native::`)
//! and under the Pulley interpreter (`pulley::`), which must hold the same
//! limits with the same codes.

mod common;

use std::time::{Duration, Instant};

use bex_engine::manifest::OperationLimits;
use bex_engine::store::KV_ROW_OVERHEAD_BYTES;
use bex_engine::{CallOptions, CancelToken, ErrorCode, Execution, LogSource, Request};
use common::{Hostile, TestEngine, title, until};

const ID: &str = "bex.hostile";

/// Each case once per execution strategy.
macro_rules! both {
    ($($case:ident),* $(,)?) => {
        mod native {
            $(#[test] fn $case() { super::$case(bex_engine::Execution::Native) })*
        }
        mod pulley {
            $(#[test] fn $case() { super::$case(bex_engine::Execution::Pulley) })*
        }
    };
}

both!(
    an_endless_loop_times_out,
    burning_cpu_exhausts_fuel,
    unbounded_memory_growth_hits_the_memory_limit,
    unbounded_recursion_is_a_fault,
    a_panic_is_a_fault_with_its_message,
    exit_is_a_fault,
    a_huge_result_is_refused,
    a_slow_host_wait_past_the_deadline_times_out,
    a_cancelled_call_stops_and_the_next_works,
    a_trap_discards_the_calls_kv_writes_and_an_error_keeps_them,
    exceeding_the_kv_quota_is_refused_exactly,
    a_plugin_cannot_read_another_plugins_kv,
    undeclared_and_foreign_secrets_are_not_readable,
    kv_without_storage_is_denied,
    log_lines_are_tagged_and_capped,
    stdout_and_stderr_go_to_the_log,
    rng_is_capped_js_works_clock_works,
    disabled_unknown_and_invalid_plugins,
    every_failure_leaves_the_engine_usable_in_turn,
);

/// An engine running plugins with `x`, without the installed plugin.
fn plain(
    x: Execution,
    configure: impl FnOnce(bex_engine::EngineConfig) -> bex_engine::EngineConfig,
) -> TestEngine {
    TestEngine::new(|c| configure(c.execution(x)))
}

fn engine_with(x: Execution, limits: OperationLimits) -> TestEngine {
    // These tests fault on purpose, one after another: the circuit breaker
    // (tests/lanes.rs) would turn later faults into CIRCUIT_OPEN.
    let t = plain(x, |c| {
        c.default_limits(limits)
            .circuit_breaker(0, std::time::Duration::ZERO)
    });
    Hostile::default().install(&t.engine);
    assert_eq!(t.engine.execution(), x);
    t
}

fn engine(x: Execution) -> TestEngine {
    engine_with(x, OperationLimits::default())
}

/// Runs `query`, expects `code`, then checks the plugin still answers.
fn expect(t: &TestEngine, query: &str, code: ErrorCode) -> String {
    let err = t.search(ID, query).expect_err(query);
    assert_eq!(err.code(), code, "{query}: {err}");
    assert_eq!(title(&t.search(ID, "ok").unwrap()), "ok", "after {query}");
    err.to_string()
}

fn an_endless_loop_times_out(x: Execution) {
    let t = engine_with(
        x,
        OperationLimits {
            timeout_ms: Some(300),
            fuel: Some(u64::MAX / 4),
            memory_mb: None,
        },
    );
    let msg = expect(&t, "loop", ErrorCode::Timeout);
    assert!(msg.contains("300 ms"), "{msg}");
}

fn burning_cpu_exhausts_fuel(x: Execution) {
    let t = engine_with(
        x,
        OperationLimits {
            fuel: Some(5_000_000),
            ..Default::default()
        },
    );
    let msg = expect(&t, "burn", ErrorCode::FuelExhausted);
    assert!(msg.contains("5000000"), "{msg}");
    // A small job within the budget still runs.
    assert!(title(&t.search(ID, "burn:1000").unwrap()).starts_with("burned"));
}

fn unbounded_memory_growth_hits_the_memory_limit(x: Execution) {
    let t = engine_with(
        x,
        OperationLimits {
            memory_mb: Some(16),
            ..Default::default()
        },
    );
    let msg = expect(&t, "grow", ErrorCode::PluginFault);
    assert!(msg.contains("memory limit"), "{msg}");
    assert!(msg.contains("16 MiB"), "{msg}");
}

fn unbounded_recursion_is_a_fault(x: Execution) {
    let t = engine(x);
    let msg = expect(&t, "recurse", ErrorCode::PluginFault);
    assert!(msg.contains("stack overflow"), "{msg}");
}

fn a_panic_is_a_fault_with_its_message(x: Execution) {
    let t = engine(x);
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

fn exit_is_a_fault(x: Execution) {
    let t = engine(x);
    let msg = expect(&t, "exit", ErrorCode::PluginFault);
    assert!(msg.contains("exit("), "{msg}");
}

fn a_huge_result_is_refused(x: Execution) {
    let t = plain(x, |c| c.max_result_bytes(1 << 20));
    Hostile::default().install(&t.engine);
    let msg = expect(&t, "huge:5000", ErrorCode::PluginFault);
    assert!(msg.contains("result too large"), "{msg}");
    // Below the cap is fine.
    assert!(t.search(ID, "huge:10").is_ok());
    // 900 KiB of control characters would be 5.4 MiB of JSON: the size is
    // checked as the JSON is written, which stops at the limit.
    let msg = expect(&t, "controls:921600", ErrorCode::PluginFault);
    assert!(
        msg.contains("result too large: more than 1048576 bytes of JSON"),
        "{msg}"
    );
}

fn a_slow_host_wait_past_the_deadline_times_out(x: Execution) {
    let t = engine_with(
        x,
        OperationLimits {
            timeout_ms: Some(200),
            ..Default::default()
        },
    );
    expect(&t, "sleep:5000", ErrorCode::Timeout);
    assert_eq!(title(&t.search(ID, "sleep:1").unwrap()), "slept");
}

fn a_cancelled_call_stops_and_the_next_works(x: Execution) {
    let t = engine_with(
        x,
        OperationLimits {
            timeout_ms: Some(30_000),
            fuel: Some(u64::MAX / 4),
            memory_mb: None,
        },
    );
    let token = CancelToken::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let engine = t.engine.clone();
    let cancel = token.clone();
    let caller = std::thread::spawn(move || {
        let request = Request::Search {
            query: "loop".into(),
            filters: serde_json::json!({}),
            page: None,
        };
        tx.send(engine.call_cancellable(ID, &request, &CallOptions::default(), &cancel))
            .unwrap();
    });
    // Cancel once the call holds its execution permit.
    until("the call started", || {
        t.engine.stats().unwrap().executions.in_use > 0
    });
    let cancelled = Instant::now();
    token.cancel();
    let r = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("cancel did not stop the loop");
    caller.join().unwrap();
    assert_eq!(r.unwrap_err().code(), ErrorCode::Cancelled);
    assert!(cancelled.elapsed() < Duration::from_secs(2));
    assert_eq!(title(&t.search(ID, "ok").unwrap()), "ok");
}

fn a_trap_discards_the_calls_kv_writes_and_an_error_keeps_them(x: Execution) {
    let t = engine(x);
    expect(&t, "kvset-panic:k=lost", ErrorCode::PluginFault);
    expect(&t, "kvget:k", ErrorCode::PluginError);
    assert_eq!(title(&t.search(ID, "kvset:k=kept").unwrap()), "set");
    assert_eq!(title(&t.search(ID, "kvget:k").unwrap()), "kept");
}

fn exceeding_the_kv_quota_is_refused_exactly(x: Execution) {
    let t = engine(x);
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

fn a_plugin_cannot_read_another_plugins_kv(x: Execution) {
    let t = engine(x);
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

fn undeclared_and_foreign_secrets_are_not_readable(x: Execution) {
    let t = plain(x, |c| c);
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

fn kv_without_storage_is_denied(x: Execution) {
    let t = plain(x, |c| c);
    Hostile {
        storage: "",
        ..Hostile::default()
    }
    .install(&t.engine);
    let msg = expect(&t, "kvset:a=b", ErrorCode::PluginError);
    assert!(msg.contains("Denied"), "{msg}");
}

fn log_lines_are_tagged_and_capped(x: Execution) {
    let t = engine(x);
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

fn stdout_and_stderr_go_to_the_log(x: Execution) {
    let t = engine(x);
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

fn rng_is_capped_js_works_clock_works(x: Execution) {
    let t = engine(x);
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

fn disabled_unknown_and_invalid_plugins(x: Execution) {
    let t = engine(x);
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

fn every_failure_leaves_the_engine_usable_in_turn(x: Execution) {
    let t = engine_with(
        x,
        OperationLimits {
            timeout_ms: Some(300),
            fuel: Some(50_000_000),
            memory_mb: Some(16),
        },
    );
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

/// Fuel counts WebAssembly work, not time: the same call burns the same
/// fuel natively and interpreted, so a budget means the same on both.
#[test]
fn the_same_call_burns_the_same_fuel_under_both() {
    let used: Vec<u64> = Execution::ALL
        .into_iter()
        .map(|x| {
            let t = engine(x);
            assert!(title(&t.search(ID, "burn:100000").unwrap()).starts_with("burned"));
            t.engine.stats().unwrap().calls[0].fuel_used
        })
        .collect();
    assert!(used[0] > 100_000, "{used:?}");
    assert_eq!(used[0], used[1]);
}
