//! The plugin kit's host-facing parts, seen from the engine: a panic's
//! message and place reach the host log and the call's error, the logging macros carry the
//! plugin id and request id, kv JSON helpers commit with the call, a
//! missing secret is an `auth` error that says how to set it, HTTP
//! statuses become the documented error cases, and JavaScript round-trips
//! through serde (tests/plugins/kit).

mod common;

use bex_engine::{ErrorCode, LogLevel, LogSource, Request};
use common::server::Server;
use common::{TestEngine, title, wasm};

const ID: &str = "bex.kit";

fn engine(
    hosts: &str,
    configure: impl FnOnce(bex_engine::EngineConfig) -> bex_engine::EngineConfig,
) -> TestEngine {
    let t = TestEngine::new(configure);
    let manifest = format!(
        "schema: 1\nid: {ID}\nname: Kit\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {{search: true}}\nnetwork:\n  hosts: [{hosts}]\nstorage: true\nsecrets: [api-key]\n"
    );
    let package = bex_engine::pack(&manifest, wasm("bex_kit_test")).unwrap();
    t.engine.install(&package, false).unwrap();
    t
}

fn search(t: &TestEngine, query: &str) -> bex_engine::Result<String> {
    t.search(ID, query).map(|json| title(&json))
}

#[test]
fn a_panic_reports_its_message_and_place_through_the_host_log() {
    let t = engine("", |c| c);
    let err = search(&t, "panic:boom").unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginFault, "{err}");
    // The error itself says why, not just "unreachable instruction": what
    // the CLI and the kit's test harness print without -v.
    let text = err.to_string();
    assert!(
        text.contains("panicked at kit/src/lib.rs:") && text.contains("kit panic: boom"),
        "{text}"
    );
    let logs = t.logs();
    let panic = logs
        .iter()
        .find(|r| r.source == LogSource::Plugin && r.message.contains("kit panic: boom"))
        .unwrap_or_else(|| panic!("no panic line in {logs:?}"));
    assert_eq!(panic.level, LogLevel::Error);
    assert_eq!(panic.plugin, ID);
    assert!(
        panic.message.starts_with("panic at kit/src/lib.rs:"),
        "{}",
        panic.message
    );
}

#[test]
fn log_macros_carry_level_plugin_and_request() {
    let t = engine("", |c| c);
    assert_eq!(search(&t, "log:hello").unwrap(), "logged");
    let lines: Vec<_> = t
        .logs()
        .into_iter()
        .filter(|r| r.source == LogSource::Plugin)
        .collect();
    let info = lines
        .iter()
        .find(|r| r.message == "info hello")
        .expect("info line");
    let warn = lines
        .iter()
        .find(|r| r.message == "warn hello")
        .expect("warn line");
    assert_eq!((info.level, warn.level), (LogLevel::Info, LogLevel::Warn));
    assert_eq!(info.request_id, warn.request_id);
    assert!(!info.request_id.is_empty());
}

#[test]
fn kv_json_helpers_commit_with_the_call() {
    let t = engine("", |c| c);
    assert_eq!(search(&t, "kv:k=one").unwrap(), "None -> Some(\"one\")");
    assert_eq!(
        search(&t, "kv:k=two").unwrap(),
        "Some(\"one\") -> Some(\"two\")"
    );
}

#[test]
fn a_missing_secret_is_auth_and_says_how_to_set_it() {
    let t = engine("", |c| c);
    let err = search(&t, "secret:api-key").unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginError);
    assert!(
        err.to_string().contains("auth") && err.to_string().contains("bex set-key"),
        "{err}"
    );
    t.engine.set_secret(ID, "api-key", "s3cret").unwrap();
    assert_eq!(search(&t, "secret:api-key").unwrap(), "s3cret");
}

#[test]
fn http_statuses_become_the_documented_error_cases() {
    let server = Server::start();
    let host = server.host("api.bex.test");
    let t = engine(&format!("\"{host}\""), |c| {
        c.allow_private_networks(true)
            .resolve("api.bex.test", &[std::net::Ipv4Addr::LOCALHOST.into()])
    });
    assert!(
        search(&t, &format!("get:{}", server.url("api.bex.test", "/ok")))
            .unwrap()
            .ends_with("hello")
    );
    let err = search(
        &t,
        &format!("get:{}", server.url("api.bex.test", "/missing")),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginError);
    assert!(
        err.to_string().contains("not_found") && err.to_string().contains("HTTP 404"),
        "{err}"
    );
    // A host outside the manifest is the plugin's bug, and the engine says the sandbox refused it.
    let err = search(&t, "get:https://elsewhere.example/").unwrap_err();
    assert_eq!(err.code(), ErrorCode::NetworkBlocked, "{err}");
}

#[test]
fn javascript_round_trips_through_serde_and_exceptions_are_parse_errors() {
    let t = engine("", |c| c);
    assert_eq!(search(&t, "js:").unwrap(), "42");
    let err = search(&t, "js-throw:").unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginError);
    assert!(
        err.to_string().contains("parse") && err.to_string().contains("nope"),
        "{err}"
    );
    // The request record the player gets is unchanged by the kit.
    let json = t
        .engine
        .call(
            ID,
            &Request::Search {
                query: "js:".into(),
                filters: serde_json::json!({}),
                page: None,
            },
        )
        .unwrap();
    assert!(json.contains("\"id\":\"kit:1\""), "{json}");
}
