//! Replay fixes the plugin clock at the time its recordings were made, so
//! a plugin whose urls carry today's date (a daily feed) replays the same
//! way every day; over the network, and when no recording says when it was
//! made, the clock is the real time.

mod common;

use common::{Hostile, TestEngine, title};

const ID: &str = "bex.hostile";

fn recording(dir: &std::path::Path, name: &str, url: &str, recorded_at_ms: Option<u64>) {
    let mut file = serde_json::json!({
        "bex_recording": 1,
        "request": {"method": "GET", "url": url},
        "response": {"status": 200, "body": "ok"},
    });
    if let Some(at) = recorded_at_ms {
        file["recorded_at_ms"] = at.into();
    }
    std::fs::write(dir.join(name), file.to_string()).unwrap();
}

/// The plugin's `clock.now-ms`.
fn plugin_now_ms(t: &TestEngine) -> u64 {
    let got = title(&t.search(ID, "time:").unwrap());
    got.split(' ').next().unwrap().parse().unwrap()
}

fn engine(dir: &std::path::Path) -> TestEngine {
    let t = TestEngine::new(|c| c.replay_dir(dir));
    Hostile {
        hosts: vec!["api.bex.test".into()],
        ..Hostile::default()
    }
    .install(&t.engine);
    t
}

fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn the_plugin_clock_reads_the_newest_recording_time() {
    let dir = tempfile::tempdir().unwrap();
    // 2025-11-29T12:00:00Z and a day earlier.
    recording(
        dir.path(),
        "a.json",
        "https://api.bex.test/a",
        Some(1_764_417_600_000),
    );
    recording(
        dir.path(),
        "b.json",
        "https://api.bex.test/b",
        Some(1_764_331_200_000),
    );
    recording(dir.path(), "c.json", "https://api.bex.test/c", None);
    let t = engine(dir.path());
    assert_eq!(plugin_now_ms(&t), 1_764_417_600_000);
    assert_eq!(plugin_now_ms(&t), 1_764_417_600_000, "fixed, not advancing");
}

#[test]
fn without_recording_times_the_clock_is_real() {
    let dir = tempfile::tempdir().unwrap();
    recording(dir.path(), "c.json", "https://api.bex.test/c", None);
    let t = engine(dir.path());
    let before = wall_ms();
    let now = plugin_now_ms(&t);
    assert!(now >= before && now <= wall_ms(), "{before} <= {now}");
}

#[test]
fn recording_writes_the_time_of_the_exchange() {
    let server = common::server::Server::start();
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let url = server.url("api.bex.test", "/ok");
    let before = wall_ms();
    {
        let t = TestEngine::new(|c| {
            c.allow_private_networks(true)
                .resolve("api.bex.test", &[std::net::Ipv4Addr::LOCALHOST.into()])
                .record_dir(&rec)
        });
        Hostile {
            hosts: vec![server.host("api.bex.test")],
            ..Hostile::default()
        }
        .install(&t.engine);
        t.search(ID, &format!("fetch:{url}")).unwrap();
    }
    let json = std::fs::read_dir(&rec)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    let at = file["recorded_at_ms"].as_u64().expect("recorded_at_ms");
    assert!(at >= before && at <= wall_ms(), "{before} <= {at}");
}

#[test]
fn each_request_is_traced_at_debug_level_without_its_query() {
    let dir = tempfile::tempdir().unwrap();
    recording(
        dir.path(),
        "a.json",
        "https://api.bex.test/feed?api_key=s3cret",
        None,
    );
    let t = engine(dir.path());
    t.search(ID, "fetch:https://api.bex.test/feed?api_key=s3cret")
        .unwrap();
    let logs = t.logs();
    let trace = logs
        .iter()
        .find(|r| r.message.starts_with("http GET "))
        .unwrap_or_else(|| panic!("no request trace in {logs:?}"));
    assert_eq!(trace.level, bex_engine::LogLevel::Debug);
    assert_eq!(trace.plugin, ID);
    assert!(
        trace
            .message
            .starts_with("http GET https://api.bex.test/feed?… -> 200, 2 bytes, "),
        "{}",
        trace.message
    );
    assert!(
        trace.message.ends_with("ms (replayed)"),
        "{}",
        trace.message
    );
    // The query (here a key) never reaches the log.
    assert!(
        logs.iter().all(|r| !r.message.contains("s3cret")),
        "{logs:?}"
    );
}

#[test]
fn an_inline_body_may_be_a_json_value() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, url: &str, body: serde_json::Value| {
        let file = serde_json::json!({
            "bex_recording": 1,
            "request": {"method": "GET", "url": url},
            "response": {"status": 200, "body": body},
        });
        std::fs::write(dir.path().join(name), file.to_string()).unwrap();
    };
    // A JSON answer written as JSON (no escaping), a string as text, and
    // a query encoded as the kit encodes it (%20, not +).
    write(
        "object.json",
        "https://api.bex.test/search?q=night%20of",
        serde_json::json!({"results": [{"id": 1, "name": "Night \"Of\""}]}),
    );
    write(
        "text.json",
        "https://api.bex.test/plain",
        serde_json::json!("{not json"),
    );
    let t = engine(dir.path());
    let got = title(
        &t.search(ID, "fetch:https://api.bex.test/search?q=night%20of")
            .unwrap(),
    );
    assert_eq!(
        got,
        r#"200 https://api.bex.test/search?q=night%20of {"results":[{"id":1,"name":"Night \"Of\""}]}"#
    );
    let got = title(&t.search(ID, "fetch:https://api.bex.test/plain").unwrap());
    assert_eq!(got, "200 https://api.bex.test/plain {not json");
}
