//! wasmtime-wasi starts a hidden multi-thread tokio runtime the first time
//! a synchronous WASI call blocks. BEX's WASI views never block that way,
//! so normal operation, plugin output and panics included, must never
//! start it. The runtime is process-wide, hence this file holds one test.

mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::server::Server;
use common::{Hostile, TestEngine, title};

/// Threads of this process whose name starts with "tokio-".
fn tokio_threads() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .map(|c| c.trim().to_string())
        .filter(|c| c.starts_with("tokio-"))
        .collect()
}

#[test]
fn normal_operation_never_starts_a_tokio_runtime() {
    let server = Server::start();
    let t = TestEngine::new(|c| {
        c.allow_private_networks(true)
            .resolve("api.bex.test", &[IpAddr::V4(Ipv4Addr::LOCALHOST)])
    });
    Hostile {
        hosts: vec![server.host("api.bex.test")],
        ..Hostile::default()
    }
    .install(&t.engine);
    let id = "bex.hostile";
    // Output on stdout and stderr (blocking-flush), a sleep (pollable
    // block), a panic (stderr, then a trap), exit, logs, kv, secrets,
    // HTTP, clock, rng.
    assert_eq!(title(&t.search(id, "print").unwrap()), "printed");
    assert_eq!(title(&t.search(id, "sleep:20").unwrap()), "slept");
    assert!(t.search(id, "panic:quiet").is_err());
    assert!(t.search(id, "exit").is_err());
    assert!(t.search(id, "log:3").is_ok());
    assert!(t.search(id, "kvset:a=b").is_ok());
    assert!(t.search(id, "secret:api-key").is_err());
    let url = server.url("api.bex.test", "/ok");
    assert!(title(&t.search(id, &format!("fetch:{url}")).unwrap()).ends_with("hello"));
    assert!(t.search(id, "time").is_ok());
    assert!(t.search(id, "rng:8").is_ok());
    // The same through a lane worker thread.
    let (tx, rx) = crossbeam_channel::bounded(1);
    t.engine
        .submit(
            id,
            bex_engine::Request::Search {
                query: format!("fetch:{url}"),
                filters: serde_json::json!({}),
                page: None,
            },
            bex_engine::CallOptions::default(),
            move |_, r| tx.send(r.is_ok()).unwrap(),
        )
        .unwrap();
    assert!(rx.recv().unwrap());
    assert!(
        t.logs()
            .iter()
            .any(|r| r.message.contains("hello on stderr"))
    );
    assert_eq!(tokio_threads(), Vec::<String>::new());
}
