//! Calls through the lanes (`Engine::submit`): cancellation of running
//! WebAssembly and of blocked HTTP, the circuit breaker, execution
//! permits, shutdown by dropping the engine, and the stats they show.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use bex_engine::manifest::OperationLimits;
use bex_engine::{CallOptions, CancelOutcome, EngineConfig, ErrorCode, Lane, Request};
use common::server::Server;
use common::{Hostile, TestEngine, title, until};
use crossbeam_channel::{Receiver, unbounded};

const ID: &str = "bex.hostile";

type Outcome = (u64, Result<String, ErrorCode>);

fn setup(configure: impl FnOnce(EngineConfig) -> EngineConfig) -> TestEngine {
    setup_on(&[], configure)
}

/// `setup`, with `api.bex.test` allowed on each of `ports` (loopback
/// servers) instead of 80 and 443.
fn setup_on(ports: &[u16], configure: impl FnOnce(EngineConfig) -> EngineConfig) -> TestEngine {
    let hosts: Vec<String> = match ports {
        [] => vec!["api.bex.test".into()],
        ports => ports.iter().map(|p| format!("api.bex.test:{p}")).collect(),
    };
    let t = TestEngine::new(|c| {
        configure(
            c.allow_private_networks(true)
                .resolve("api.bex.test", &[IpAddr::V4(Ipv4Addr::LOCALHOST)]),
        )
    });
    for id in [ID, "bex.other"] {
        Hostile {
            id,
            hosts: hosts.clone(),
            ..Hostile::default()
        }
        .install(&t.engine);
    }
    t
}

fn search(query: &str) -> Request {
    Request::Search {
        query: query.into(),
        filters: serde_json::json!({}),
        page: None,
    }
}

/// Submits `query` to plugin `id`; the outcome arrives on the receiver.
fn submit(t: &TestEngine, id: &str, query: &str, lane: Option<Lane>) -> (u64, Receiver<Outcome>) {
    let (tx, rx) = unbounded();
    let options = CallOptions {
        lane,
        ..CallOptions::default()
    };
    let rid = t
        .engine
        .submit(id, search(query), options, move |rid, r| {
            let _ = tx.send((rid, r.map_err(|e| e.code())));
        })
        .unwrap();
    (rid, rx)
}

fn wait(rx: &Receiver<Outcome>) -> Outcome {
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the callback arrives")
}

/// Polls `f` until it holds, for at most 10 s.
#[test]
fn submitted_calls_answer_through_their_callback() {
    let t = setup(|c| c);
    let (rid, rx) = submit(&t, ID, "ok", None);
    let (got, r) = wait(&rx);
    assert_eq!(got, rid);
    assert_eq!(title(&r.unwrap()), "ok");
    let (_, rx) = submit(&t, ID, "panic:x", Some(Lane::Background));
    assert_eq!(wait(&rx).1, Err(ErrorCode::PluginFault));
    let err = t
        .engine
        .submit("Not An Id", search("ok"), CallOptions::default(), |_, _| {
            panic!("a refused request gets no callback")
        })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
}

#[test]
fn a_running_plugin_stops_at_its_next_epoch_check_when_cancelled() {
    let t = setup(|c| c);
    let (rid, rx) = submit(&t, ID, "loop", None);
    until("the loop runs", || {
        t.engine.stats().unwrap().lanes[Lane::User as usize].in_flight == 1
    });
    let cancelled = Instant::now();
    assert_eq!(t.engine.cancel(rid), CancelOutcome::Running);
    assert_eq!(wait(&rx), (rid, Err(ErrorCode::Cancelled)));
    assert!(cancelled.elapsed() < Duration::from_secs(1));
    assert_eq!(t.engine.cancel(rid), CancelOutcome::NotFound);
    assert_eq!(t.engine.breaker_state(ID), "closed", "a cancel is no fault");
    assert_eq!(title(&t.search(ID, "ok").unwrap()), "ok");
}

#[test]
fn a_cancel_inside_a_slow_http_response_returns_within_100_ms() {
    let server = Server::start();
    let t = setup_on(&[server.port()], |c| c);
    let url = server.url("api.bex.test", "/slow?ms=5000");
    let (rid, rx) = submit(&t, ID, &format!("fetch:{url}"), None);
    until("the request reaches the server", || {
        server.hits("/slow") == 1
    });
    let cancelled = Instant::now();
    assert_eq!(t.engine.cancel(rid), CancelOutcome::Running);
    assert_eq!(wait(&rx), (rid, Err(ErrorCode::Cancelled)));
    let took = cancelled.elapsed();
    assert!(took < Duration::from_millis(100), "took {took:?}");
}

/// A loopback server that takes one connection, waits for the client's
/// first bytes (a request, or a TLS ClientHello), sends `reply` if any,
/// says so on the channel, then never answers more: it reads until the
/// client goes away.
fn stalling_server(reply: Option<&'static [u8]>) -> (u16, Receiver<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = unbounded();
    std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let mut seen = Vec::new();
        while let Ok(n @ 1..) = conn.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
            // A TLS ClientHello, or a whole request head.
            if reply.is_none() || seen.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        if let Some(bytes) = reply {
            conn.write_all(bytes).unwrap();
        }
        tx.send(()).unwrap();
        while let Ok(1..) = conn.read(&mut buf) {}
    });
    (port, rx)
}

#[test]
fn a_cancel_during_a_tls_handshake_or_a_slow_body_returns_within_100_ms() {
    let partial: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nthe first bytes";
    let servers: Vec<_> = [("https", None), ("http", Some(partial))]
        .into_iter()
        .map(|(scheme, reply)| (scheme, stalling_server(reply)))
        .collect();
    let ports: Vec<u16> = servers.iter().map(|(_, (port, _))| *port).collect();
    let t = setup_on(&ports, |c| c);
    for (scheme, (port, ready)) in servers {
        let url = format!("{scheme}://api.bex.test:{port}/stall");
        let (rid, rx) = submit(&t, ID, &format!("fetch:{url}"), None);
        ready
            .recv_timeout(Duration::from_secs(10))
            .expect("the request reaches the server");
        let cancelled = Instant::now();
        assert_eq!(t.engine.cancel(rid), CancelOutcome::Running, "{scheme}");
        assert_eq!(wait(&rx), (rid, Err(ErrorCode::Cancelled)), "{scheme}");
        let took = cancelled.elapsed();
        assert!(took < Duration::from_millis(100), "{scheme}: took {took:?}");
    }
    // The worker is free again: nothing spins on the cancelled reads.
    assert_eq!(title(&t.search(ID, "ok").unwrap()), "ok");
    assert_eq!(t.engine.stats().unwrap().executions.in_use, 0);
}

#[test]
fn repeated_faults_open_only_that_plugins_breaker_and_a_probe_closes_it() {
    let t = setup(|c| c.circuit_breaker(2, Duration::from_millis(200)));
    for _ in 0..2 {
        assert_eq!(
            t.search(ID, "panic:x").unwrap_err().code(),
            ErrorCode::PluginFault
        );
    }
    assert_eq!(t.engine.breaker_state(ID), "open");
    let refused = t.search(ID, "ok").unwrap_err();
    assert_eq!(refused.code(), ErrorCode::CircuitOpen, "{refused}");
    assert_eq!(title(&t.search("bex.other", "ok").unwrap()), "ok");
    assert_eq!(t.engine.breaker_state("bex.other"), "closed");
    let stats = t.engine.stats().unwrap();
    let mine = stats.calls.iter().find(|c| c.id == ID).unwrap();
    assert_eq!(mine.breaker, "open");
    assert_eq!(mine.errors.get("CIRCUIT_OPEN"), Some(&1));
    until("the cooldown ends", || {
        t.engine.breaker_state(ID) == "half_open"
    });
    assert_eq!(title(&t.search(ID, "ok").unwrap()), "ok");
    assert_eq!(t.engine.breaker_state(ID), "closed");
    // Plugin-returned errors are not faults.
    for _ in 0..3 {
        assert_eq!(
            t.search(ID, "nosuchcommand").unwrap_err().code(),
            ErrorCode::PluginError
        );
    }
    assert_eq!(t.engine.breaker_state(ID), "closed");
}

#[test]
fn enabling_a_plugin_again_resets_its_breaker() {
    let t = setup(|c| c.circuit_breaker(1, Duration::from_secs(600)));
    assert!(t.search(ID, "panic:x").is_err());
    assert_eq!(t.engine.breaker_state(ID), "open");
    t.engine.set_enabled(ID, false).unwrap();
    t.engine.set_enabled(ID, true).unwrap();
    assert_eq!(t.engine.breaker_state(ID), "closed");
    assert_eq!(title(&t.search(ID, "ok").unwrap()), "ok");
}

#[test]
fn calls_beyond_the_execution_permits_wait_and_give_up_busy_at_their_timeout() {
    let t = setup(|c| {
        c.max_instances(1).default_limits(OperationLimits {
            timeout_ms: Some(5_000),
            ..OperationLimits::default()
        })
    });
    let (rid, rx) = submit(&t, ID, "loop", None);
    until("the loop holds the only permit", || {
        t.engine.stats().unwrap().executions.in_use == 1
    });
    let options = CallOptions {
        timeout: Some(Duration::from_millis(100)),
        ..CallOptions::default()
    };
    let err = t
        .engine
        .call_with("bex.other", &search("ok"), &options)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Busy, "{err}");
    t.engine.cancel(rid);
    assert_eq!(wait(&rx).1, Err(ErrorCode::Cancelled));
    assert_eq!(title(&t.search("bex.other", "ok").unwrap()), "ok");
}

#[test]
fn one_plugin_cannot_hold_every_execution_permit() {
    // Four permits and four User workers: four endless calls of one
    // plugin (fuel for seconds) leave a permit for another plugin.
    let t = setup(|c| {
        c.default_limits(OperationLimits {
            timeout_ms: Some(30_000),
            fuel: Some(20_000_000_000),
            ..OperationLimits::default()
        })
    });
    let looping: Vec<_> = (0..4).map(|_| submit(&t, ID, "loop", None)).collect();
    until("every User worker runs a loop", || {
        t.engine.stats().unwrap().lanes[Lane::User as usize].in_flight == 4
    });
    until("the loops hold their plugin's share", || {
        t.engine.stats().unwrap().executions.in_use == 3
    });
    let options = CallOptions {
        timeout: Some(Duration::from_secs(5)),
        ..CallOptions::default()
    };
    let other = t.engine.call_with("bex.other", &search("ok"), &options);
    assert_eq!(title(&other.unwrap()), "ok");
    assert_eq!(t.engine.stats().unwrap().executions.in_use, 3);
    for (rid, rx) in looping {
        t.engine.cancel(rid);
        assert_eq!(wait(&rx).1, Err(ErrorCode::Cancelled));
    }
}

#[test]
fn dropping_the_last_engine_delivers_every_callback_then_joins() {
    let t = setup(|c| c);
    let mut pending = Vec::new();
    for lane in [Lane::User, Lane::User, Lane::Background, Lane::Control] {
        for _ in 0..5 {
            pending.push(submit(&t, ID, "loop", Some(lane)));
        }
    }
    let TestEngine { engine, dir, .. } = t;
    drop(engine);
    for (rid, rx) in pending {
        assert_eq!(rx.try_recv(), Ok((rid, Err(ErrorCode::Cancelled))));
        assert!(rx.try_recv().is_err(), "exactly one callback");
    }
    // Everything is closed: the data directory opens again at once.
    let again = bex_engine::Engine::open(
        EngineConfig::new(dir.path().join("data")).allow_unsigned_packages(true),
    )
    .unwrap();
    assert_eq!(again.list().unwrap().len(), 2);
}

#[test]
fn stats_show_lanes_permits_http_latency_and_uptime() {
    let server = Server::start();
    let t = setup_on(&[server.port()], |c| c);
    let url = server.url("api.bex.test", "/cached");
    for _ in 0..3 {
        let (_, rx) = submit(&t, ID, &format!("fetch-cached:{url}"), None);
        assert!(wait(&rx).1.is_ok());
    }
    let s = t.engine.stats().unwrap();
    assert_eq!(s.http.requests, 1);
    assert_eq!(s.http.cache_hits, 2);
    let user = &s.lanes[Lane::User as usize];
    assert_eq!((user.lane, user.workers, user.completed), ("user", 4, 3));
    assert_eq!(s.executions.max, 4);
    let mine = s.calls.iter().find(|c| c.id == ID).unwrap();
    assert!(mine.p50_us > 0 && mine.p99_us >= mine.p50_us, "{mine:?}");
    let json: serde_json::Value = serde_json::to_value(&s).unwrap();
    for key in [
        "uptime_ms",
        "lanes",
        "executions",
        "http",
        "calls",
        "plugins",
    ] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
}
