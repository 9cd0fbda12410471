//! Changes that race a call: a plugin disabled, uninstalled or reinstalled
//! while it loads or runs never keeps running stale, and never leaves data
//! behind for the next installation of its id.

mod common;

use std::sync::{Arc, OnceLock, mpsc};
use std::thread;
use std::time::Duration;

use bex_engine::{Engine, EngineConfig, ErrorCode, LogSource, Request};
use common::Hostile;

const ID: &str = "bex.hostile";

fn search(engine: &Engine, query: &str) -> bex_engine::Result<String> {
    engine.call(
        ID,
        &Request::Search {
            query: query.into(),
            filters: serde_json::json!({}),
            page: None,
        },
    )
}

#[test]
fn a_call_in_flight_during_an_uninstall_leaves_no_kv_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (said, waiting) = mpsc::channel();
    let config = EngineConfig::new(dir.path())
        .allow_unsigned_packages(true)
        .log_sink(move |r| {
            if r.source == LogSource::Plugin && r.message.contains("written; waiting") {
                let _ = said.send(());
            }
        });
    let engine = Engine::open(config).unwrap();
    Hostile::default().install(&engine);
    let call = thread::scope(|s| {
        let running = s.spawn(|| search(&engine, "kvset-wait:inherited=secret,1500"));
        waiting
            .recv_timeout(Duration::from_secs(60))
            .expect("the plugin wrote and waits");
        engine.uninstall(ID).unwrap();
        assert!(
            !running.is_finished(),
            "inconclusive: the uninstall took longer than the plugin's wait"
        );
        running.join().unwrap()
    });
    // The call itself ended well; its writes were not committed.
    assert!(call.is_ok(), "{call:?}");
    assert_eq!(
        engine.store().kv_keys(ID, "").unwrap(),
        Vec::<String>::new()
    );
    // A new installation of the id starts with nothing.
    Hostile::default().install(&engine);
    let err = search(&engine, "kvget:inherited").unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginError, "{err}");
    assert_eq!(engine.store().kv_usage(ID).unwrap().bytes, 0);
}

#[test]
fn a_plugin_disabled_while_it_loads_is_not_called() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig::new(dir.path()).allow_unsigned_packages(true)).unwrap();
    Hostile::default().install(&engine);
    for round in 0..5 {
        // No compiled code: the next load compiles, a slow load to disable
        // the plugin in.
        engine.set_enabled(ID, true).unwrap();
        for key in engine.store().compiled_keys().unwrap() {
            engine.store().remove_compiled(&key).unwrap();
        }
        thread::scope(|s| {
            let loading = s.spawn(|| search(&engine, "ok"));
            engine.set_enabled(ID, false).unwrap();
            // Loaded before or after the change: either way, once the
            // change is committed no call runs the plugin.
            let _ = loading.join().unwrap();
        });
        let err = search(&engine, "ok").expect_err("disabled");
        assert_eq!(err.code(), ErrorCode::Disabled, "round {round}: {err}");
    }
}

#[test]
fn a_log_sink_may_call_the_engine_while_a_plugin_loads() {
    let dir = tempfile::tempdir().unwrap();
    let engine_cell: Arc<OnceLock<Engine>> = Arc::new(OnceLock::new());
    let cell = engine_cell.clone();
    let (answered, answers) = mpsc::channel();
    let config = EngineConfig::new(dir.path())
        .allow_unsigned_packages(true)
        .network_ceilings(10, 2)
        .log_sink(move |r| {
            // The first plugin's load logs its lowered limits; the sink
            // calls the engine for the second, which loads it too.
            if r.plugin == ID && r.message.contains("lowered to the engine ceiling") {
                let engine = cell.get().expect("the engine is open");
                let answer = engine.call(
                    "bex.hostile2",
                    &Request::Search {
                        query: "ok".into(),
                        filters: serde_json::json!({}),
                        page: None,
                    },
                );
                let _ = answered.send(answer.map(|_| ()).map_err(|e| e.to_string()));
            }
        });
    let engine = Engine::open(config).unwrap();
    let _ = engine_cell.set(engine.clone());
    Hostile {
        hosts: vec!["api.bex.test".into()],
        network: "  rate_per_minute: 600",
        ..Hostile::default()
    }
    .install(&engine);
    Hostile {
        id: "bex.hostile2",
        ..Hostile::default()
    }
    .install(&engine);
    let (done, finished) = mpsc::channel();
    let caller = engine.clone();
    thread::spawn(move || {
        let _ = done.send(search(&caller, "ok").map(|_| ()));
    });
    let first = finished
        .recv_timeout(Duration::from_secs(60))
        .expect("the call finished: the sink did not deadlock the engine");
    assert!(first.is_ok(), "{first:?}");
    let nested = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(nested.is_ok(), "{nested:?}");
    // The sink's engine handle keeps the engine alive through the cell:
    // shut it down explicitly.
    engine.shutdown().unwrap();
}
