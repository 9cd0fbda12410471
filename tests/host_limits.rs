//! Host-side limits a plugin cannot push past: the kv write buffer of one
//! call, the handles (WASI resources) one call may hold, and the log lines that carry plugin text (capped, counted and
//! escaped, in the sink and in the CLI's `-v` output).

mod common;

use bex_engine::ErrorCode;
use bex_engine::limits::{MAX_CALL_HANDLES, MAX_PLUGIN_ERROR_BYTES};
use bex_engine::package::PackageLimits;
use bex_engine::{LogRecord, LogSource};
use common::cli::Cli;
use common::{Hostile, TestEngine, title};

const ID: &str = "bex.hostile";
/// `host::kv::MAX_KV_BUFFERED_WRITES`.
const MAX_BUFFERED_WRITES: usize = 10_000;
/// `host::log::MAX_LOG_LINES_PER_CALL`.
const MAX_LOG_LINES: usize = 256;

/// The test plugin with a quota large enough that only the buffer's own
/// bounds can stop `kvmany`.
fn engine() -> TestEngine {
    let t = TestEngine::new(|c| c);
    Hostile {
        storage: "storage: { quota_kb: 4096 }",
        ..Hostile::default()
    }
    .install(&t.engine);
    t
}

/// True when `s` holds a character the sink must never pass on raw.
fn has_raw_control(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    })
}

fn records(t: &TestEngine, source: LogSource) -> Vec<LogRecord> {
    t.logs()
        .into_iter()
        .filter(|r| r.source == source)
        .collect()
}

#[test]
fn a_calls_buffered_kv_writes_are_bounded_with_a_kv_error() {
    let t = engine();
    let err = t
        .search(ID, &format!("kvmany:{}", MAX_BUFFERED_WRITES + 5_000))
        .expect_err("the buffer must refuse writes past its bound");
    // The plugin got the contract's error back (no trap) and returned it.
    assert_eq!(err.code(), ErrorCode::PluginError, "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "kv after {MAX_BUFFERED_WRITES} keys: KvError::QuotaExceeded"
        )),
        "{msg}"
    );
    // The call ended without a trap, so the writes it buffered were kept.
    let keys = t.engine.store().kv_keys(ID, "m").unwrap();
    assert_eq!(keys.len(), MAX_BUFFERED_WRITES);
    // The bound is per call: the next call may write again.
    assert_eq!(title(&t.search(ID, "kvset:next=1").unwrap()), "set");
}

#[test]
fn a_call_that_never_drops_its_handles_is_a_fault_naming_the_limit() {
    let t = engine();
    // Well within the cap: fine (a few are the guest's own).
    assert_eq!(title(&t.search(ID, "handles:1000").unwrap()), "leaked 1000");
    let err = t
        .search(ID, "handles:1000000")
        .expect_err("the resource table must stop the leak");
    assert_eq!(err.code(), ErrorCode::PluginFault, "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("{MAX_CALL_HANDLES} handles")),
        "the fault names the limit: {msg}"
    );
    // The table is per call: the next call starts empty.
    assert_eq!(title(&t.search(ID, "handles:1000").unwrap()), "leaked 1000");
}

#[test]
fn wasi_random_gives_at_most_what_rng_does() {
    let t = engine();
    assert_eq!(title(&t.search(ID, "wasi-random:65536").unwrap()), "65536");
    let err = t.search(ID, "wasi-random:65537").unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginFault, "{err}");
    assert!(err.to_string().contains("65536"), "{err}");
    assert_eq!(title(&t.search(ID, "rng:65536").unwrap()), "65536");
}

#[test]
fn a_plugins_error_message_is_capped_with_a_marker() {
    let t = engine();
    let err = t
        .search(ID, "error-huge:1000000")
        .expect_err("the plugin returns an error");
    assert_eq!(err.code(), ErrorCode::PluginError, "{err}");
    let msg = err.to_string();
    assert!(
        msg.len() <= MAX_PLUGIN_ERROR_BYTES + 200,
        "{} bytes of error text",
        msg.len()
    );
    assert!(
        msg.ends_with("… (truncated from 1000000 bytes)"),
        "{}",
        &msg[msg.len().saturating_sub(100)..]
    );
    // A message under the cap is whole.
    let err = t.search(ID, "error-huge:100").unwrap_err();
    assert!(err.to_string().ends_with(&"e".repeat(100)), "{err}");
}

#[test]
fn removing_a_key_set_in_the_same_call_leaves_no_marker() {
    let t = engine();
    // A committed key that the churn overwrites and removes: its removal
    // must still reach the store.
    t.search(ID, "kvset:churn000000=old").unwrap();
    let n = MAX_BUFFERED_WRITES * 2;
    let json = t
        .search(ID, &format!("kvchurn:{n}"))
        .expect("set+remove of fresh keys must not fill the buffer");
    assert_eq!(title(&json), format!("churned {n}"));
    assert_eq!(
        t.engine.store().kv_keys(ID, "").unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(t.engine.store().kv_usage(ID).unwrap().bytes, 0);
}

#[test]
fn plugin_text_is_escaped_in_log_stdout_and_stderr_lines() {
    let t = engine();
    assert_eq!(title(&t.search(ID, "log-controls").unwrap()), "logged");
    let plugin = records(&t, LogSource::Plugin);
    assert_eq!(plugin.len(), 1, "{plugin:?}");
    assert_eq!(plugin[0].message, r"a\nb\u{1b}[31m\u{202e}c");
    let stdout = records(&t, LogSource::Stdout);
    assert_eq!(stdout.len(), 1, "{stdout:?}");
    assert_eq!(stdout[0].message, r"out\r\u{1b}[2J\u{200b}x");
    let stderr = records(&t, LogSource::Stderr);
    assert_eq!(stderr.len(), 1, "{stderr:?}");
    assert_eq!(stderr[0].message, r"err\u{7}\u{feff}\u{85}y");
    for r in t.logs() {
        assert!(!has_raw_control(&r.to_string()), "{r:?}");
    }
}

#[test]
fn refused_secret_lines_are_escaped_capped_and_counted() {
    let t = engine();
    let asked = 5_000;
    assert_eq!(
        title(&t.search(ID, &format!("secrets:{asked}")).unwrap()),
        "found 0"
    );
    let engine = records(&t, LogSource::Engine);
    let refused: Vec<_> = engine
        .iter()
        .filter(|r| r.message.contains("refused"))
        .collect();
    assert_eq!(refused.len(), MAX_LOG_LINES);
    assert_eq!(
        refused[0].message,
        r#"secret "nope0\u{1b}[31m" refused: the manifest does not declare it"#
    );
    let dropped = format!("dropped {} log lines", asked - MAX_LOG_LINES);
    assert!(
        engine.iter().any(|r| r.message.contains(&dropped)),
        "{:?}",
        engine.last()
    );
    for r in t.logs() {
        assert!(!has_raw_control(&r.to_string()), "{r:?}");
    }
}

#[test]
fn the_clis_verbose_output_is_escaped() {
    let cli = Cli::new();
    let path = cli.path("hostile.bex");
    bex_engine::pack(&Hostile::default().manifest(), common::wasm("bex_hostile"))
        .unwrap()
        .write_file(&path, &PackageLimits::default())
        .unwrap();
    cli.json(&["install", path.to_str().unwrap()]);
    let out = cli.run(&["-v", "search", ID, "log-controls"]);
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(r"log] a\nb\u{1b}[31m\u{202e}c"), "{stderr}");
    for line in stderr.lines() {
        assert!(!has_raw_control(line), "{line:?}");
    }
}

/// The test plugin with `network` settings, reaching a loopback server.
fn networked(
    network: &'static str,
    configure: impl FnOnce(bex_engine::EngineConfig) -> bex_engine::EngineConfig,
) -> (common::server::Server, TestEngine) {
    let server = common::server::Server::start();
    let t = TestEngine::new(|c| {
        configure(
            c.allow_private_networks(true)
                .resolve("api.bex.test", &[std::net::Ipv4Addr::LOCALHOST.into()]),
        )
    });
    Hostile {
        hosts: vec![server.host("api.bex.test")],
        network,
        ..Hostile::default()
    }
    .install(&t.engine);
    (server, t)
}

fn lowered(t: &TestEngine) -> Vec<String> {
    t.logs()
        .into_iter()
        .filter(|r| {
            r.source == LogSource::Engine && r.message.contains("lowered to the engine ceiling")
        })
        .map(|r| r.message)
        .collect()
}

#[test]
fn network_asks_above_the_engine_ceilings_are_lowered_and_logged() {
    let (s, t) = networked("  rate_per_minute: 600\n  concurrent: 4", |c| {
        c.network_ceilings(10, 2)
    });
    let url = s.url("api.bex.test", "/ok");
    // A ceiling of 10 a minute allows a burst of one.
    assert!(t.search(ID, &format!("fetch:{url}")).is_ok());
    let refused = t.search(ID, &format!("fetch:{url}")).unwrap_err();
    assert!(refused.to_string().contains("RateLimited"), "{refused}");
    assert_eq!(s.hits("/ok"), 1);
    assert_eq!(
        lowered(&t),
        [
            "network.rate_per_minute 600 lowered to the engine ceiling 10",
            "network.concurrent 4 lowered to the engine ceiling 2"
        ]
    );
}

#[test]
fn a_raised_ceiling_gives_a_manifest_more_than_the_default() {
    // 20,000 a minute: more than a default engine gives (6000).
    let (s, t) = networked("  rate_per_minute: 20000", |c| {
        c.network_ceilings(20_000, 32)
    });
    let url = s.url("api.bex.test", "/ok");
    for _ in 0..30 {
        t.search(ID, &format!("fetch:{url}")).unwrap();
    }
    assert_eq!(s.hits("/ok"), 30);
    assert!(lowered(&t).is_empty(), "{:?}", lowered(&t));
    let (_s, t) = networked("  rate_per_minute: 20000", |c| c);
    t.search(ID, "ok:").unwrap();
    assert_eq!(
        lowered(&t),
        ["network.rate_per_minute 20000 lowered to the engine ceiling 6000"]
    );
}

#[test]
fn a_burst_lets_one_call_make_its_requests_and_rate_per_second_reads() {
    // 60 a minute: the default burst is 6, so the seventh request of a
    // quick run is refused; burst 7 lets all seven through.
    for (network, served) in [
        ("  rate_per_minute: 60", 6),
        ("  rate_per_second: 1\n  burst: 7", 7),
    ] {
        let (s, t) = networked(network, |c| c);
        let url = s.url("api.bex.test", "/ok");
        let ok = (0..7)
            .filter(|_| t.search(ID, &format!("fetch:{url}")).is_ok())
            .count();
        assert_eq!(ok, served, "{network}");
        assert_eq!(s.hits("/ok"), served, "{network}");
    }
    // Per second reads as sixty times that a minute.
    let manifest = Hostile {
        network: "  rate_per_second: 3",
        ..Hostile::default()
    }
    .manifest();
    let package = bex_engine::pack(&manifest, common::wasm("bex_hostile")).unwrap();
    assert_eq!(package.manifest().network.rate_per_minute, 180);
    assert_eq!(package.manifest().network.burst_size(), 18);
    // Both spellings of the rate is a manifest error naming the field.
    let manifest = Hostile {
        network: "  rate_per_minute: 60\n  rate_per_second: 1",
        ..Hostile::default()
    }
    .manifest();
    let e = bex_engine::pack(&manifest, common::wasm("bex_hostile")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidManifest);
    assert!(e.to_string().contains("rate_per_second"), "{e}");
}
