//! The `http` host interface against a loopback server: allowlists,
//! redirects hop by hop, address checks, caps, limits, cache, record and
//! replay.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use bex_engine::manifest::OperationLimits;
use bex_engine::{EngineConfig, ErrorCode};
use common::server::Server;
use common::{Hostile, TestEngine, title, until};

const ID: &str = "bex.hostile";
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// An engine whose test plugin may reach `api.bex.test` and
/// `*.bex.test` on the loopback server's port, all resolving to it.
fn setup(
    network: &'static str,
    configure: impl FnOnce(EngineConfig) -> EngineConfig,
) -> (Server, TestEngine) {
    let server = Server::start();
    let t = TestEngine::new(|c| {
        configure(
            c.allow_private_networks(true)
                .resolve("api.bex.test", &[LOOPBACK])
                .resolve("cdn.bex.test", &[LOOPBACK])
                .resolve("evil.test", &[LOOPBACK]),
        )
    });
    Hostile {
        hosts: vec![server.host("api.bex.test"), server.host("*.bex.test")],
        network,
        ..Hostile::default()
    }
    .install(&t.engine);
    (server, t)
}

fn fetch(t: &TestEngine, url: &str) -> bex_engine::Result<String> {
    t.search(ID, &format!("fetch:{url}")).map(|j| title(&j))
}

#[test]
fn an_allowed_host_is_fetched_with_headers_filtered() {
    let (s, t) = setup("", |c| c);
    let got = fetch(&t, &s.url("api.bex.test", "/ok")).unwrap();
    assert_eq!(got, format!("200 {} hello", s.url("api.bex.test", "/ok")));
    let echoed = fetch(&t, &s.url("api.bex.test", "/echo-headers")).unwrap();
    assert!(echoed.contains("x-test: 1"), "{echoed}");
    assert!(
        echoed.contains(&format!("host: api.bex.test:{}", s.port())),
        "{echoed}"
    );
    assert!(
        !echoed.contains("spoofed"),
        "the plugin's Host header must be dropped: {echoed}"
    );
    assert!(echoed.contains("user-agent: bex/"), "{echoed}");
}

#[test]
fn a_host_outside_the_manifest_is_blocked() {
    let (s, t) = setup("", |c| c);
    let err = fetch(&t, &s.url("evil.test", "/ok")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NetworkBlocked);
    assert!(err.to_string().contains("\"evil.test\""), "{err}");
    assert!(
        err.to_string().contains("add it to the plugin's manifest"),
        "{err}"
    );
    assert_eq!(s.hits("/ok"), 0, "nothing was sent");
    assert!(
        fetch(&t, &s.url("api.bex.test", "/ok")).is_ok(),
        "the plugin still works"
    );
}

#[test]
fn redirects_are_followed_hop_by_hop_and_each_hop_is_checked() {
    // Every hop takes a rate-limit token: room for the 15 hops below.
    let (s, t) = setup("  rate_per_minute: 600", |c| c);
    // Within the allowlist, across hosts and to a relative location.
    let to = s.url("cdn.bex.test", "/redirect-rel");
    let start = s.url("api.bex.test", &format!("/redirect?to={to}"));
    let got = fetch(&t, &start).unwrap();
    assert_eq!(got, format!("200 {} hello", s.url("cdn.bex.test", "/ok")));
    // To a host outside the allowlist: blocked before it is contacted.
    let evil = s.url("evil.test", "/ok");
    let err = fetch(&t, &s.url("api.bex.test", &format!("/redirect?to={evil}"))).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NetworkBlocked);
    assert!(err.to_string().contains("evil.test"), "{err}");
    assert_eq!(s.hits("/ok"), 1);
    // A loop stops after 10 redirects.
    let err = fetch(&t, &s.url("api.bex.test", "/loop")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginError);
    assert!(err.to_string().contains("TooManyRedirects"), "{err}");
    assert_eq!(s.hits("/loop"), 11);
    // Not following: the 3xx comes back as is.
    let got = t
        .search(
            ID,
            &format!("fetch-nofollow:{}", s.url("api.bex.test", "/redirect-rel")),
        )
        .map(|j| title(&j))
        .unwrap();
    assert!(got.starts_with("301 "), "{got}");
}

#[test]
fn every_redirect_hop_takes_a_rate_limit_token() {
    let (s, t) = setup("  rate_per_minute: 1", |c| c);
    let err = fetch(&t, &s.url("api.bex.test", "/redirect-rel")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginError);
    assert!(err.to_string().contains("RateLimited"), "{err}");
    assert_eq!(s.hits("/redirect-rel"), 1);
    assert_eq!(s.hits("/ok"), 0, "the second hop was not sent");
}

#[test]
fn a_relative_location_with_a_url_in_its_query_stays_on_the_host() {
    let (s, t) = setup("", |c| c);
    let got = fetch(
        &t,
        &s.url("api.bex.test", "/redirect?to=/ok?from=http://evil.test/"),
    )
    .unwrap();
    let final_url = s.url("api.bex.test", "/ok?from=http://evil.test/");
    assert_eq!(got, format!("200 {final_url} hello"));
    assert_eq!(s.hits("/ok"), 1);
}

/// Writes a hand-made recording of `GET url` answering `status`.
fn recording(dir: &std::path::Path, name: &str, url: &str, status: u16, location: Option<&str>) {
    let headers: Vec<(&str, &str)> = location.map(|l| ("Location", l)).into_iter().collect();
    let file = serde_json::json!({
        "bex_recording": 1,
        "request": {"method": "GET", "url": url},
        "response": {"status": status, "headers": headers, "body": "reached"},
    });
    std::fs::write(dir.join(name), file.to_string()).unwrap();
}

#[test]
fn a_redirect_from_https_to_http_is_refused() {
    // The loopback server speaks plain http only, so https is replayed.
    let dir = tempfile::tempdir().unwrap();
    let (down, up) = ("https://api.bex.test/down", "http://api.bex.test/up");
    recording(
        dir.path(),
        "down.json",
        down,
        302,
        Some("http://api.bex.test/next"),
    );
    recording(
        dir.path(),
        "up.json",
        up,
        302,
        Some("https://api.bex.test/next"),
    );
    recording(
        dir.path(),
        "plain.json",
        "http://api.bex.test/next",
        200,
        None,
    );
    recording(
        dir.path(),
        "secure.json",
        "https://api.bex.test/next",
        200,
        None,
    );
    let t = TestEngine::new(|c| c.replay_dir(dir.path()));
    Hostile {
        hosts: vec!["api.bex.test".into()],
        ..Hostile::default()
    }
    .install(&t.engine);
    let err = fetch(&t, down).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginError, "{err}");
    assert!(
        err.to_string().contains("InvalidUrl") && err.to_string().contains("https to http"),
        "{err}"
    );
    // An upgrade is followed.
    let got = fetch(&t, up).unwrap();
    assert_eq!(got, "200 https://api.bex.test/next reached");
}

#[test]
fn an_allowed_name_resolving_to_loopback_is_blocked_by_default() {
    let server = Server::start();
    let t = TestEngine::new(|c| c.resolve("api.bex.test", &[LOOPBACK]));
    Hostile {
        hosts: vec![server.host("api.bex.test")],
        ..Hostile::default()
    }
    .install(&t.engine);
    let err = fetch(&t, &server.url("api.bex.test", "/ok")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NetworkBlocked);
    assert!(
        err.to_string().contains("127.0.0.1 (loopback address)"),
        "{err}"
    );
    assert_eq!(server.hits("/ok"), 0);
    assert_eq!(
        title(&t.search(ID, "ok").unwrap()),
        "ok",
        "the plugin still works"
    );
    // Private and link-local answers too, and IPv4-mapped IPv6 forms.
    for ip in [
        "10.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "::ffff:127.0.0.1",
        "::1",
    ] {
        let t = TestEngine::new(|c| c.resolve("api.bex.test", &[ip.parse().unwrap()]));
        Hostile {
            hosts: vec!["api.bex.test".into()],
            ..Hostile::default()
        }
        .install(&t.engine);
        let err = fetch(&t, "http://api.bex.test/").unwrap_err();
        assert_eq!(err.code(), ErrorCode::NetworkBlocked, "{ip}: {err}");
    }
}

#[test]
fn urls_the_sandbox_forbids_are_invalid() {
    let (s, t) = setup("", |c| c);
    for (url, why) in [
        (
            format!("http://user:pw@api.bex.test:{}/ok", s.port()),
            "user names or passwords",
        ),
        ("ftp://api.bex.test/x".to_string(), "scheme"),
        ("api.bex.test/ok".to_string(), "not an absolute url"),
    ] {
        let err = fetch(&t, &url).unwrap_err();
        assert_eq!(err.code(), ErrorCode::PluginError, "{url}");
        assert!(
            err.to_string().contains("InvalidUrl") && err.to_string().contains(why),
            "{url}: {err}"
        );
    }
    // IP literals are never in an allowlist.
    let err = fetch(&t, &format!("http://127.0.0.1:{}/ok", s.port())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NetworkBlocked);
    assert_eq!(s.hits("/ok"), 0);
}

#[test]
fn bodies_are_capped_after_decoding() {
    let (s, t) = setup("", |c| c.max_http_body_bytes(10_000));
    assert!(fetch(&t, &s.url("api.bex.test", "/big?n=10000")).is_ok());
    let err = fetch(&t, &s.url("api.bex.test", "/big?n=10001")).unwrap_err();
    assert!(err.to_string().contains("TooLarge"), "{err}");
    // gzip is decoded, and the cap counts decoded bytes: a small
    // compressed body that inflates past the cap is refused.
    let ok = fetch(&t, &s.url("api.bex.test", "/gzip?n=5000")).unwrap();
    assert!(ok.ends_with(&"z".repeat(5000)), "decoded");
    let err = fetch(&t, &s.url("api.bex.test", "/gzip?n=5000000")).unwrap_err();
    assert!(err.to_string().contains("TooLarge"), "{err}");
}

#[test]
fn the_rate_limit_refuses_at_once() {
    let (s, t) = setup("  rate_per_minute: 1", |c| c);
    assert!(fetch(&t, &s.url("api.bex.test", "/ok")).is_ok());
    let err = fetch(&t, &s.url("api.bex.test", "/ok")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginError);
    assert!(err.to_string().contains("RateLimited"), "{err}");
    assert_eq!(s.hits("/ok"), 1);
}

#[test]
fn a_429_with_a_near_retry_after_is_retried_within_the_deadline() {
    let (s, t) = setup("  rate_per_minute: 600", |c| c);
    let started = Instant::now();
    let got = fetch(&t, &s.url("api.bex.test", "/busy?after=1&times=1")).unwrap();
    assert!(
        got.starts_with("200 ") && got.ends_with("served on try 2"),
        "{got}"
    );
    assert_eq!(s.hits("/busy"), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited Retry-After"
    );
    assert!(
        t.logs()
            .iter()
            .any(|l| l.message.contains("-> 429, retrying after 1000 ms")),
        "the retry is in the log"
    );
}

#[test]
fn a_429_is_retried_twice_at_most_and_a_far_retry_after_goes_to_the_plugin() {
    let (s, t) = setup("  rate_per_minute: 600", |c| c);
    // Still busy after two retries: the plugin sees the 429.
    let got = fetch(&t, &s.url("api.bex.test", "/busy?after=0&times=5")).unwrap();
    assert!(got.starts_with("429 "), "{got}");
    assert_eq!(s.hits("/busy"), 3);
    // Retry-After longer than the host waits: at once, one request.
    let (s, t) = setup("  rate_per_minute: 600", |c| c);
    let started = Instant::now();
    let got = fetch(&t, &s.url("api.bex.test", "/busy?after=60&times=1")).unwrap();
    assert!(got.starts_with("429 "), "{got}");
    assert_eq!(s.hits("/busy"), 1);
    assert!(started.elapsed() < Duration::from_secs(10), "no wait");
}

#[test]
fn concurrency_is_limited_per_plugin() {
    let (s, t) = setup("  concurrent: 1", |c| c);
    let url = s.url("api.bex.test", "/slow?ms=200");
    std::thread::scope(|scope| {
        let calls: Vec<_> = (0..3).map(|_| scope.spawn(|| fetch(&t, &url))).collect();
        for c in calls {
            assert!(c.join().unwrap().is_ok());
        }
    });
    assert_eq!(s.hits("/slow"), 3);
    assert_eq!(s.counters.max_in_flight.load(Ordering::SeqCst), 1);
}

#[test]
fn one_plugin_cannot_hold_every_wire_slot() {
    // Three wire slots for the engine; the first plugin may have eight
    // requests at once, and makes six slow ones.
    let (s, t) = setup("  concurrent: 8", |c| {
        c.max_http_in_flight(3).max_instances(8)
    });
    Hostile {
        id: "bex.other",
        hosts: vec![s.host("api.bex.test")],
        ..Hostile::default()
    }
    .install(&t.engine);
    let slow = s.url("api.bex.test", "/slow?ms=3000");
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| fetch(&t, &slow));
        }
        until("two slow requests in flight", || {
            s.counters.in_flight.load(Ordering::SeqCst) >= 2
        });
        // Its share is all but one slot: the other plugin gets through
        // while the slow requests hold theirs.
        let options = bex_engine::CallOptions {
            timeout: Some(Duration::from_millis(1500)),
            ..Default::default()
        };
        let other = t.engine.call_with(
            "bex.other",
            &bex_engine::Request::Search {
                query: format!("fetch:{}", s.url("api.bex.test", "/ok")),
                filters: serde_json::json!({}),
                page: None,
            },
            &options,
        );
        assert!(title(&other.unwrap()).starts_with("200 "));
        assert_eq!(s.counters.max_in_flight.load(Ordering::SeqCst), 3);
    });
}

#[test]
fn time_in_host_calls_counts_against_the_deadline() {
    let (s, t) = setup("", |c| {
        c.default_limits(OperationLimits {
            timeout_ms: Some(300),
            ..Default::default()
        })
    });
    let err = fetch(&t, &s.url("api.bex.test", "/slow?ms=3000")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(fetch(&t, &s.url("api.bex.test", "/ok")).is_ok());
}

#[test]
fn responses_are_cached_per_plugin_by_max_age() {
    let (s, t) = setup("", |c| c);
    let url = s.url("api.bex.test", "/cached");
    let first = title(&t.search(ID, &format!("fetch-cached:{url}")).unwrap());
    let second = title(&t.search(ID, &format!("fetch-cached:{url}")).unwrap());
    assert_eq!(first, second);
    assert_eq!(s.hits("/cached"), 1, "the second came from the cache");
    // no-store bypasses it.
    fetch(&t, &url).unwrap();
    assert_eq!(s.hits("/cached"), 2);
    // Another plugin has its own cache.
    Hostile {
        id: "bex.other",
        hosts: vec![s.host("api.bex.test")],
        ..Hostile::default()
    }
    .install(&t.engine);
    t.search("bex.other", &format!("fetch-cached:{url}"))
        .unwrap();
    assert_eq!(s.hits("/cached"), 3);
}

#[test]
fn record_then_replay_without_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let (url, host);
    {
        let (s, t) = setup("", |c| c.record_dir(&rec));
        url = s.url("api.bex.test", "/ok");
        host = s.host("api.bex.test");
        assert!(fetch(&t, &url).unwrap().ends_with("hello"));
        assert_eq!(s.hits("/ok"), 1);
    }
    let files: Vec<_> = std::fs::read_dir(&rec).unwrap().collect();
    assert_eq!(files.len(), 2, "one recording and its body");
    // The server is gone; replay serves the recording.
    let t = TestEngine::new(|c| c.replay_dir(&rec));
    Hostile {
        hosts: vec![host],
        ..Hostile::default()
    }
    .install(&t.engine);
    assert!(fetch(&t, &url).unwrap().ends_with("hello"));
    // A request without a recording names itself.
    let missing = url.replace("/ok", "/other");
    let err = fetch(&t, &missing).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network);
    assert!(
        err.to_string()
            .contains(&format!("no recording for GET {missing}")),
        "{err}"
    );
}

#[test]
fn a_broken_replay_directory_is_a_setup_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = EngineConfig::new(dir.path().join("d"))
        .allow_unsigned_packages(true)
        .replay_dir(dir.path().join("nope"));
    let err = bex_engine::Engine::open(missing).err().unwrap();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    std::fs::write(dir.path().join("bad.json"), b"{\"bex_recording\": 1}").unwrap();
    let bad = EngineConfig::new(dir.path().join("d2"))
        .allow_unsigned_packages(true)
        .replay_dir(dir.path());
    let err = bex_engine::Engine::open(bad).err().unwrap();
    assert!(err.to_string().contains("bad.json"), "{err}");
}

#[test]
fn a_plugin_without_hosts_has_no_network() {
    let server = Server::start();
    let t = TestEngine::new(|c| {
        c.allow_private_networks(true)
            .resolve("api.bex.test", &[LOOPBACK])
    });
    Hostile::default().install(&t.engine);
    let err = fetch(&t, &server.url("api.bex.test", "/ok")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NetworkBlocked);
    assert_eq!(server.hits("/ok"), 0);
}

#[test]
fn each_plugin_has_its_own_connection_pool() {
    let (s, t) = setup("", |c| c);
    Hostile {
        id: "bex.other",
        hosts: vec![s.host("api.bex.test")],
        ..Hostile::default()
    }
    .install(&t.engine);
    let url = s.url("api.bex.test", "/ok?keep=1");
    for id in [ID, ID, "bex.other", "bex.other"] {
        assert!(t.search(id, &format!("fetch:{url}")).is_ok(), "{id}");
    }
    let ports = s.peer_ports("/ok");
    assert_eq!(ports.len(), 4);
    assert_eq!(ports[0], ports[1], "a plugin reuses its own connection");
    assert_eq!(ports[2], ports[3], "a plugin reuses its own connection");
    assert_ne!(
        ports[0], ports[2],
        "one plugin's connection served another's request"
    );
    assert_eq!(s.connections(), 2);
}

#[test]
fn only_the_ports_a_pattern_names_are_reachable() {
    let s = Server::start();
    let t = TestEngine::new(|c| {
        c.allow_private_networks(true)
            .resolve("api.bex.test", &[LOOPBACK])
            .resolve("cdn.bex.test", &[LOOPBACK])
    });
    // No port in the pattern: 80 and 443 only.
    Hostile {
        hosts: vec!["api.bex.test".into()],
        ..Hostile::default()
    }
    .install(&t.engine);
    let err = fetch(&t, &s.url("api.bex.test", "/ok")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NetworkBlocked, "{err}");
    assert!(
        err.to_string().contains(&format!("port {}", s.port())),
        "{err}"
    );
    for port in [22, 6379] {
        let err = fetch(&t, &format!("http://api.bex.test:{port}/ok")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NetworkBlocked, "{port}: {err}");
    }
    assert_eq!(s.connections(), 0, "nothing was contacted");
    // A port in the pattern: that port only, redirects included.
    Hostile {
        id: "bex.other",
        hosts: vec![s.host("cdn.bex.test")],
        network: "  rate_per_minute: 600",
        ..Hostile::default()
    }
    .install(&t.engine);
    let other = |url: &str| t.search("bex.other", &format!("fetch:{url}"));
    assert!(other(&s.url("cdn.bex.test", "/ok")).is_ok());
    for url in [
        "http://cdn.bex.test/ok".to_string(),
        "https://cdn.bex.test/ok".to_string(),
        "http://cdn.bex.test:22/ok".to_string(),
        s.url("cdn.bex.test", "/redirect?to=http://cdn.bex.test:22/ok"),
    ] {
        let err = other(&url).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NetworkBlocked, "{url}: {err}");
    }
    assert_eq!(s.hits("/ok"), 1);
    assert_eq!(s.hits("/redirect"), 1);
}

#[test]
fn a_stale_connection_retry_fits_in_the_deadline_and_counts() {
    let deadline = Duration::from_millis(1000);
    let (s, t) = setup("", |c| {
        c.default_limits(OperationLimits {
            timeout_ms: Some(deadline.as_millis() as u64),
            ..Default::default()
        })
    });
    // A kept-alive connection in the pool, which the server drops after
    // stalling on the next request (and then does the same on the retry's
    // fresh connection).
    fetch(&t, &s.url("api.bex.test", "/ok?keep=1")).unwrap();
    let before = t.engine.stats().unwrap().http.requests;
    let started = Instant::now();
    let err = fetch(&t, &s.url("api.bex.test", "/drop?ms=800")).unwrap_err();
    let took = started.elapsed();
    assert!(
        took < deadline + Duration::from_millis(300),
        "took {took:?} with a {deadline:?} deadline: {err}"
    );
    let drops = s.peer_ports("/drop");
    assert_eq!(drops.len(), 2, "one retry");
    assert_eq!(drops[0], s.peer_ports("/ok")[0], "the first try was pooled");
    assert_ne!(drops[1], drops[0], "the retry used a new connection");
    assert_eq!(
        t.engine.stats().unwrap().http.requests - before,
        2,
        "the retry counts as a request"
    );
}

/// Threads running a DNS lookup now: the resolver names them `bex-dns`.
/// The tests that hang lookups count the process's lookup threads: they
/// run one at a time.
static HANGING_LOOKUPS: Mutex<()> = Mutex::new(());

fn dns_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end() == "bex-dns")
        .count()
}

/// Where hanging lookups wait; opened when the test ends.
type Gate = Arc<(Mutex<bool>, Condvar)>;

/// An engine whose resolver hangs on the names `hangs` picks until the
/// gate opens, and answers every other one (and those, once open) with an
/// error. Every call reaches the resolver at once: enough instances and
/// wire slots for `calls`, and no breaker (timeouts are faults).
fn hanging_resolver(
    calls: usize,
    deadline: Duration,
    hangs: fn(&str) -> bool,
) -> (TestEngine, Gate) {
    let gate: Gate = Arc::new((Mutex::new(false), Condvar::new()));
    let g = gate.clone();
    let t = TestEngine::new(|c| {
        c.max_instances(calls as u32 + 1)
            .max_http_in_flight(calls as u32 + 1)
            .circuit_breaker(0, Duration::ZERO)
            .default_limits(OperationLimits {
                timeout_ms: Some(deadline.as_millis() as u64),
                ..Default::default()
            })
            .dns_lookup(move |name, _| {
                if hangs(name) {
                    let (open, cv) = &*g;
                    let mut open = open.lock().unwrap();
                    while !*open {
                        open = cv.wait(open).unwrap();
                    }
                }
                Err(std::io::Error::other("the resolver answered"))
            })
    });
    (t, gate)
}

/// Opens the gate and waits (bounded) until every lookup thread ended.
fn release(gate: &Gate) {
    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    until("every lookup thread ended", || dns_threads() == 0);
}

#[test]
fn a_plugin_whose_names_never_resolve_leaves_lookups_for_the_others() {
    let _one_at_a_time = HANGING_LOOKUPS.lock().unwrap_or_else(|p| p.into_inner());
    const CALLS: usize = 12;
    // Names under stuck.bex.test hang until the test ends; others answer.
    let (t, gate) = hanging_resolver(CALLS, Duration::from_millis(1000), |name| {
        name.ends_with("stuck.bex.test")
    });
    for id in [ID, "bex.hostile2"] {
        Hostile {
            id,
            hosts: vec!["*.bex.test".into()],
            network: "  rate_per_minute: 6000\n  concurrent: 12",
            ..Hostile::default()
        }
        .install(&t.engine);
    }
    // The stuck plugin floods the resolver, twice over (more lookups than
    // the engine has slots); its lookups never return.
    for round in 0..2 {
        std::thread::scope(|scope| {
            for i in 0..CALLS {
                let t = &t;
                scope.spawn(move || fetch(t, &format!("http://n{round}x{i}.stuck.bex.test/")));
            }
        });
    }
    // Another plugin's lookup still reaches the resolver.
    let other = t
        .search("bex.hostile2", "fetch:http://fine.bex.test/")
        .unwrap_err();
    assert!(
        other.to_string().contains("the resolver answered"),
        "{other}"
    );
    release(&gate);
}

#[test]
fn lookups_that_never_answer_are_capped_and_fail_fast() {
    let _one_at_a_time = HANGING_LOOKUPS.lock().unwrap_or_else(|p| p.into_inner());
    const CALLS: usize = 12;
    let deadline = Duration::from_millis(1500);
    // A resolver that answers only when the test ends.
    let (t, gate) = hanging_resolver(CALLS, deadline, |_| true);
    Hostile {
        hosts: vec!["*.bex.test".into()],
        network: "  rate_per_minute: 6000\n  concurrent: 12",
        ..Hostile::default()
    }
    .install(&t.engine);
    let mut busy = 0;
    for round in 0..3 {
        std::thread::scope(|scope| {
            let calls: Vec<_> = (0..CALLS)
                .map(|i| {
                    let t = &t;
                    scope.spawn(move || {
                        let started = Instant::now();
                        let r = fetch(t, &format!("http://n{round}x{i}.bex.test/"));
                        (r, started.elapsed())
                    })
                })
                .collect();
            for call in calls {
                let (r, took) = call.join().unwrap();
                let err = r.unwrap_err();
                assert!(
                    took < deadline + Duration::from_millis(500),
                    "took {took:?}: {err}"
                );
                match err.code() {
                    ErrorCode::Network => {
                        assert!(
                            err.to_string().contains("too many DNS lookups in flight"),
                            "{err}"
                        );
                        busy += 1;
                    }
                    // A lookup that got a slot runs into the deadline.
                    ErrorCode::Timeout | ErrorCode::PluginError => {
                        assert!(
                            err.to_string().to_lowercase().contains("timed out")
                                || err.to_string().contains("Timeout"),
                            "{err}"
                        )
                    }
                    other => panic!("{other:?}: {err}"),
                }
            }
        });
        // One plugin holds at most its share of the engine's lookups.
        let threads = dns_threads();
        assert!(threads <= 4, "round {round}: {threads} lookup threads");
    }
    // 4 slots, then every lookup is refused until one returns.
    assert!(busy >= CALLS, "only {busy} lookups were refused at once");
    // The lookups answer; their threads end.
    release(&gate);
}
