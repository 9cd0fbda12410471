//! The `js` interface through the engine: a plugin evaluates, registers,
//! calls and clears functions; errors reach it typed; two plugins never
//! see each other's functions, globals or memory; the call's deadline and
//! cancellation stop its scripts; runtimes are kept on the lane workers
//! only and freed at shutdown.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use bex_engine::js::JsConfig;
use bex_engine::manifest::OperationLimits;
use bex_engine::{CallOptions, CancelToken, ErrorCode, Lane, LaneSize, Request};
use common::{Hostile, TestEngine, title, until};

const A: &str = "bex.hostile";
const B: &str = "bex.hostile2";
const US: char = '\u{1f}';

fn engine() -> TestEngine {
    let t = TestEngine::new(|c| c.circuit_breaker(0, Duration::ZERO));
    Hostile::default().install(&t.engine);
    Hostile {
        id: B,
        ..Hostile::default()
    }
    .install(&t.engine);
    t
}

/// The plugin's `ok RESULT` / `err ERROR` answer to a js command.
fn js(t: &TestEngine, id: &str, cmd: &str, fields: &[&str]) -> String {
    let query = format!("{cmd}:{}", fields.join(&US.to_string()));
    title(
        &t.search(id, &query)
            .unwrap_or_else(|e| panic!("{query}: {e}")),
    )
}

#[test]
fn a_plugin_evaluates_calls_and_clears() {
    let t = engine();
    assert_eq!(
        js(&t, A, "js-eval", &["[1, 2].map((x) => x * 2)"]),
        "ok [2,4]"
    );
    assert_eq!(
        js(&t, A, "js-input", &[r#"{"n": 41}"#, "input.n + 1"]),
        "ok 42"
    );
    // Input is data: a string stays a string.
    let hostile = r#""'); globalThis.owned = 1; ('""#;
    assert_eq!(
        js(&t, A, "js-input", &[hostile, "typeof input + typeof owned"]),
        r#"ok "stringundefined""#
    );
    let add = "(a, b) => a + b";
    assert_eq!(js(&t, A, "js-call", &["add", add, "[2, 3]"]), "ok 5");
    assert_eq!(
        js(&t, A, "js-call", &["add", add, r#"["a", "b"]"#]),
        r#"ok "ab""#
    );
    assert_eq!(js(&t, A, "js-clear", &["add"]), "true");
    assert_eq!(js(&t, A, "js-clear", &["add"]), "false");
    assert_eq!(js(&t, A, "js-clear", &["never"]), "false");
    assert_eq!(js(&t, A, "js", &[]), "2");
    // The web globals are there for plugins.
    let digest = "crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc')).then((b) => btoa(String.fromCharCode(...new Uint8Array(b))))";
    assert_eq!(
        js(&t, A, "js-eval", &[digest]),
        r#"ok "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=""#
    );
}

#[test]
fn errors_reach_the_plugin_typed_and_the_next_call_works() {
    let t = engine();
    let cases = [
        ("js-eval", vec!["let x = (;"], "err JsError::Syntax("),
        (
            "js-eval",
            vec!["throw new TypeError('nope')"],
            "err JsError::Exception(\"TypeError: nope",
        ),
        (
            "js-opts",
            vec!["200", "", "while (1) {}"],
            "err JsError::Timeout(",
        ),
        (
            "js-eval",
            vec!["'x'.repeat(2 ** 28)"],
            "err JsError::OutOfMemory(",
        ),
        (
            "js-eval",
            vec!["(function r() { return r() })()"],
            "err JsError::OutOfMemory(",
        ),
        (
            "js-input",
            vec!["{not json", "input"],
            "err JsError::InvalidInput(",
        ),
        (
            "js-call",
            vec!["f", "(x) => x", "not json"],
            "err JsError::InvalidInput(",
        ),
        (
            "js-call",
            vec!["f", "42", "[]"],
            "err JsError::InvalidInput(",
        ),
    ];
    for (cmd, fields, want) in cases {
        let started = Instant::now();
        let got = js(&t, A, cmd, &fields);
        assert!(got.starts_with(want), "{cmd} {fields:?}: {got}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{cmd} {fields:?}"
        );
        assert_eq!(
            js(&t, A, "js-eval", &["'fine'"]),
            r#"ok "fine""#,
            "after {cmd} {fields:?}"
        );
    }
    // A function name is at most 128 bytes (the names a plugin keeps are
    // host memory): a longer one is refused, registers nothing, and the
    // longest allowed one works.
    let long = "f".repeat(129);
    let got = js(&t, A, "js-call", &[&long, "(x) => x", "[1]"]);
    assert!(got.starts_with("err JsError::InvalidInput("), "{got}");
    assert!(got.contains("128"), "{got}");
    assert_eq!(js(&t, A, "js-clear", &[&long]), "false");
    let longest = "f".repeat(128);
    assert_eq!(js(&t, A, "js-call", &[&longest, "(x) => x", "[1]"]), "ok 1");
    // The syntax error names its place.
    let got = js(&t, A, "js-eval", &["1 +\n  (;"]);
    assert!(got.contains("line 2"), "{got}");
}

/// Runs a js command through the User lane (one worker here, so both
/// plugins' runtimes live on the same thread and the kept ones are reused).
fn lane_js(t: &TestEngine, id: &str, cmd: &str, fields: &[&str]) -> String {
    let (tx, rx) = mpsc::channel();
    let options = CallOptions {
        lane: Some(Lane::User),
        ..CallOptions::default()
    };
    let query = format!("{cmd}:{}", fields.join(&US.to_string()));
    t.engine
        .submit(id, search(&query), options, move |_, r| tx.send(r).unwrap())
        .unwrap();
    let r = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    title(&r.unwrap_or_else(|e| panic!("{query}: {e}")))
}

fn search(query: &str) -> Request {
    Request::Search {
        query: query.into(),
        filters: serde_json::json!({}),
        page: None,
    }
}

/// An engine whose User lane has one worker, with the test plugin.
fn one_worker() -> TestEngine {
    let t = TestEngine::new(|c| {
        c.circuit_breaker(0, Duration::ZERO).lane(
            Lane::User,
            LaneSize {
                workers: 1,
                capacity: 8,
            },
        )
    });
    Hostile::default().install(&t.engine);
    t
}

#[test]
fn plugins_never_see_each_others_functions_globals_or_memory() {
    let t = one_worker();
    Hostile {
        id: B,
        ..Hostile::default()
    }
    .install(&t.engine);
    let js = lane_js;
    let setter = "(v) => { globalThis.shared = v; Object.prototype.polluted = v; return v }";
    assert_eq!(
        js(&t, A, "js-call", &["secret", setter, r#"["from A"]"#]),
        r#"ok "from A""#
    );
    let reader = "() => [typeof globalThis.shared, typeof ({}).polluted]";
    assert_eq!(
        js(&t, A, "js-call", &["read", reader, "[]"]),
        r#"ok ["string","string"]"#
    );
    assert_eq!(
        js(&t, B, "js-call", &["read", reader, "[]"]),
        r#"ok ["undefined","undefined"]"#
    );
    // B cannot clear (or know of) A's function.
    assert_eq!(js(&t, B, "js-clear", &["secret"]), "false");
    assert_eq!(js(&t, A, "js-clear", &["secret"]), "true");
    // A filling its heap leaves B's untouched.
    let hog = "globalThis.hog = []; for (;;) hog.push('x'.repeat(1 << 20) + Math.random())";
    assert!(js(&t, A, "js-eval", &[hog]).starts_with("err JsError::OutOfMemory("));
    assert_eq!(
        js(&t, B, "js-eval", &["'y'.repeat(16 << 20).length"]),
        "ok 16777216"
    );
}

#[test]
fn the_calls_deadline_bounds_a_script() {
    let t = TestEngine::new(|c| {
        c.default_limits(OperationLimits {
            timeout_ms: Some(300),
            fuel: None,
            memory_mb: None,
        })
        .circuit_breaker(0, Duration::ZERO)
    });
    Hostile::default().install(&t.engine);
    let started = Instant::now();
    // The script may run 10 s; the call only 300 ms.
    let e = t
        .search(A, &format!("js-opts:10000{US}{US}while (1) {{}}"))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout, "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(title(&t.search(A, "ok").unwrap()), "ok");
}

#[test]
fn a_cancel_stops_a_running_script() {
    let t = engine();
    let token = CancelToken::new();
    let (tx, rx) = mpsc::channel();
    let engine = t.engine.clone();
    let cancel = token.clone();
    let caller = std::thread::spawn(move || {
        let r = engine.call_cancellable(
            A,
            &Request::Search {
                query: format!("js-opts:10000{US}{US}while (1) {{}}"),
                filters: serde_json::json!({}),
                page: None,
            },
            &CallOptions::default(),
            &cancel,
        );
        tx.send(r).unwrap();
    });
    // Cancel once the call holds its execution permit.
    until("the call started", || {
        t.engine.stats().unwrap().executions.in_use > 0
    });
    token.cancel();
    let r = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("cancel did not stop the script");
    caller.join().unwrap();
    assert_eq!(r.unwrap_err().code(), ErrorCode::Cancelled);
    assert_eq!(title(&t.search(A, "ok").unwrap()), "ok");
}

#[test]
fn console_lines_reach_the_log_with_plugin_and_request() {
    let t = engine();
    js(&t, A, "js-eval", &["console.warn('from js\\u001b[31m'); 1"]);
    let logs = t.logs();
    let line = logs
        .iter()
        .find(|r| r.message.starts_with("js: from js"))
        .unwrap_or_else(|| panic!("{logs:?}"));
    assert_eq!(line.plugin, A);
    assert_eq!(line.level, bex_engine::LogLevel::Warn);
    assert!(line.request_id.starts_with('r'), "{line:?}");
    // Control characters are escaped like every plugin line.
    assert!(!line.message.contains('\u{1b}'), "{line:?}");
}

#[test]
fn runtimes_are_kept_on_lane_workers_only_and_freed_at_shutdown() {
    let t = engine();
    // A direct call on this thread keeps nothing.
    js(&t, A, "js-eval", &["1"]);
    assert_eq!(t.engine.stats().unwrap().js.runtimes_kept, 0);
    // Through a lane, the worker keeps the plugin's runtime.
    let (tx, rx) = mpsc::channel();
    t.engine
        .submit(
            A,
            Request::Search {
                query: "js-eval:1".into(),
                filters: serde_json::json!({}),
                page: None,
            },
            CallOptions::default(),
            move |_, r| tx.send(r).unwrap(),
        )
        .unwrap();
    let r = rx.recv_timeout(Duration::from_secs(30)).unwrap().unwrap();
    assert_eq!(title(&r), "ok 1");
    assert_eq!(t.engine.stats().unwrap().js.runtimes_kept, 1);
    t.engine.shutdown().unwrap();
    assert_eq!(t.engine.stats().unwrap().js.runtimes_kept, 0);
}

#[test]
fn idle_runtimes_are_freed() {
    let t = TestEngine::new(|c| {
        c.js(JsConfig::default()
            .idle_timeout(Duration::ZERO)
            .sweep_interval(Duration::from_millis(20)))
    });
    Hostile::default().install(&t.engine);
    assert_eq!(lane_js(&t, A, "js-eval", &["1"]), "ok 1");
    // The worker, idle, looks every 20 ms and frees it.
    until("the idle runtime is freed", || {
        t.engine.stats().unwrap().js.runtimes_kept == 0
    });
    // And the next call makes a fresh one.
    assert_eq!(lane_js(&t, A, "js-eval", &["2"]), "ok 2");
}

#[test]
fn reinstalling_a_plugin_resets_its_javascript() {
    let t = one_worker();
    // Clearing a function on a thread without a runtime makes none.
    assert_eq!(lane_js(&t, A, "js-clear", &["nothing"]), "false");
    assert_eq!(t.engine.stats().unwrap().js.runtimes_kept, 0);
    // A source that does not compile registers nothing.
    assert!(
        lane_js(&t, A, "js-call", &["bad", "function (", "[]"]).starts_with("err JsError::Syntax(")
    );
    assert_eq!(lane_js(&t, A, "js-clear", &["bad"]), "false");
    let setter = "(v) => { globalThis.kept = v; return v }";
    assert_eq!(lane_js(&t, A, "js-call", &["set", setter, "[1]"]), "ok 1");
    let reader = "() => typeof globalThis.kept";
    assert_eq!(
        lane_js(&t, A, "js-call", &["get", reader, "[]"]),
        r#"ok "number""#
    );
    Hostile::default().install(&t.engine);
    assert_eq!(
        lane_js(&t, A, "js-call", &["get", reader, "[]"]),
        r#"ok "undefined""#
    );
    assert_eq!(lane_js(&t, A, "js-clear", &["set"]), "false");
}

/// The largest thing a plugin makes the host keep between calls is its
/// JavaScript runtimes: never more than `runtimes_per_plugin` of them,
/// however many workers ran its scripts (docs/sandbox.md).
#[test]
fn a_plugin_keeps_at_most_its_runtimes_whatever_the_workers() {
    let t = TestEngine::new(|c| {
        c.circuit_breaker(0, Duration::ZERO)
            .max_instances(8)
            .lane(
                Lane::User,
                LaneSize {
                    workers: 8,
                    capacity: 64,
                },
            )
            .js(JsConfig::default().runtimes_per_plugin(2))
    });
    Hostile::default().install(&t.engine);
    let (tx, rx) = mpsc::channel();
    for _ in 0..32 {
        let tx = tx.clone();
        let options = CallOptions {
            lane: Some(Lane::User),
            ..CallOptions::default()
        };
        // Each script holds its worker a little, so many workers run one.
        let query = "js-eval:let t = Date.now(); while (Date.now() - t < 20) {} 1";
        t.engine
            .submit(A, search(query), options, move |_, r| tx.send(r).unwrap())
            .unwrap();
    }
    for _ in 0..32 {
        let r = rx.recv_timeout(Duration::from_secs(60)).unwrap();
        assert_eq!(title(&r.unwrap()), "ok 1");
    }
    let kept = t.engine.stats().unwrap().js.runtimes_kept;
    assert!((1..=2).contains(&kept), "{kept} runtimes kept");
}
