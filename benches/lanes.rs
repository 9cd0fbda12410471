//! Lanes and the C ABI, measured side by side in the same run:
//!
//! 3. submit → callback through the C ABI (`bex_submit_search`) vs. the
//!    direct `Engine::call` of the same operation on the same component;
//! 4. throughput of the 4 User workers on calls whose HTTP request takes
//!    5 ms on a loopback server, against the ideal 4 / 5 ms = 800/s;
//! 5. an idle engine over 10 s: the CPU its threads use and how often
//!    they wake (target: none).
//!
//! With 3, the floor of any handoff: a message to another thread and back
//! over crossbeam channels, two thread wake-ups, the same two a submitted
//! call takes (the worker's and the caller's).

use std::ffi::{CString, c_char, c_void};
use std::path::Path;
use std::time::{Duration, Instant};

use bex_engine::package::PackageLimits;
use bex_engine::{CallOptions, Engine, EngineConfig, Request};
use crossbeam_channel::{Sender, bounded, unbounded};

/// A loopback HTTP/1.1 server with keep-alive that answers every request
/// with `body` after `delay` (one thread per connection), so the runs
/// measure the engine, not connection set-up. Binds 127.0.0.1 only; it
/// lives until the bench process exits.
pub(crate) fn serve(delay: Duration, body: &'static str) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            // One write per response and no Nagle delay: otherwise delayed
            // ACKs stall each keep-alive exchange by tens of milliseconds.
            let _ = conn.set_nodelay(true);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    // Request line and headers, up to the blank line.
                    loop {
                        line.clear();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => return,
                            Ok(_) if line == "\r\n" => break,
                            Ok(_) => {}
                        }
                    }
                    if !delay.is_zero() {
                        std::thread::sleep(delay);
                    }
                    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                    if conn.write_all(head.as_bytes()).is_err()
                        || conn.write_all(body.as_bytes()).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    port
}

use super::{percentile, us};

const CALLS: usize = 400;
/// Fresh engines a handoff is measured on (see [`c_abi_latency`]).
const ROUNDS: usize = 5;
/// Plugin copies for the throughput run, so each plugin's own rate limit
/// (at most 6,000 a minute, a burst of 600) is never what is measured.
const COPIES: usize = 4;
const THROUGHPUT_CALLS: usize = 1_200;

#[repr(C)]
struct BexEngine {
    _opaque: [u8; 0],
}

type Callback = unsafe extern "C" fn(*mut c_void, u64, bool, *const u8, usize);

// The C ABI as a player links it (the symbols of this crate's library).
unsafe extern "C" {
    fn bex_engine_new_with_config(data_dir: *const c_char, config: *const c_char)
    -> *mut BexEngine;
    fn bex_engine_install(engine: *const BexEngine, path: *const c_char) -> i32;
    fn bex_submit_search(
        engine: *const BexEngine,
        plugin_id: *const c_char,
        query: *const c_char,
        callback: Option<Callback>,
        user_data: *mut c_void,
    ) -> u64;
    fn bex_engine_free(engine: *mut BexEngine) -> i32;
}

unsafe extern "C" fn on_result(
    user_data: *mut c_void,
    _id: u64,
    success: bool,
    _payload: *const u8,
    _len: usize,
) {
    // SAFETY: user_data is the &Sender<bool> passed with the request, alive
    // until its callback has run (the caller waits for it).
    let tx = unsafe { &*(user_data as *const Sender<bool>) };
    let _ = tx.send(success);
}

/// Sends the name of the thread the callback runs on (a worker's).
unsafe extern "C" fn on_result_thread(
    user_data: *mut c_void,
    _id: u64,
    _success: bool,
    _payload: *const u8,
    _len: usize,
) {
    // SAFETY: user_data is the &Sender<String> passed with the request,
    // alive until its callback has run (the caller waits for it).
    let tx = unsafe { &*(user_data as *const Sender<String>) };
    let _ = tx.send(std::thread::current().name().unwrap_or("?").to_string());
}

/// `bex_submit_search` with `tx` as the callback's user data.
///
/// # Safety
/// `engine` is a live handle, and `tx` outlives the callback: the caller
/// waits for it on `tx`'s receiver.
unsafe fn submit_search<T>(
    engine: *const BexEngine,
    id: &CString,
    query: &CString,
    callback: Callback,
    tx: &Sender<T>,
) -> u64 {
    // SAFETY: as the caller promises; the strings are NUL-terminated.
    unsafe {
        bex_submit_search(
            engine,
            id.as_ptr(),
            query.as_ptr(),
            Some(callback),
            tx as *const Sender<T> as *mut c_void,
        )
    }
}

fn hostile_manifest(id: &str, hosts: &str) -> String {
    format!(
        "schema: 1\nid: {id}\nname: Hostile\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {{home: true, category: true, search: true, info: true, servers: true, stream: true, subtitles: true, articles: true}}\nnetwork:\n  hosts: [{hosts}]\n  concurrent: 8\n  rate_per_minute: 6000\n"
    )
}

fn package(dir: &Path, id: &str, hosts: &str, component: &[u8]) -> std::path::PathBuf {
    let pkg = bex_engine::pack(&hostile_manifest(id, hosts), component.to_vec()).unwrap();
    let path = dir.join(format!("{id}.bex"));
    pkg.write_file(&path, &PackageLimits::default()).unwrap();
    path
}

pub fn run(dir: &Path, hostile: &[u8]) {
    c_abi_latency(dir, hostile);
    handoff_alone(dir);
    wakeup_floor();
    throughput(dir, hostile);
    idle(dir, hostile);
}

/// The handoff alone: `bex_submit_search` of a plugin that is not
/// installed, whose call fails at once on the worker: submit, queue, wake,
/// the engine's bookkeeping, callback, with no plugin code.
fn handoff_alone(dir: &Path) {
    let mut p50s: Vec<f64> = (0..ROUNDS)
        .map(|round| handoff_alone_once(dir, round))
        .collect();
    print_spread("the handoff alone", &mut p50s);
}

/// One engine's run of [`handoff_alone`]; prints the first's in full.
fn handoff_alone_once(dir: &Path, round: usize) -> f64 {
    let c_dir = CString::new(dir.join(format!("handoff{round}")).to_str().unwrap()).unwrap();
    let config = CString::new("{}").unwrap();
    let (id, query) = (
        CString::new("bex.none").unwrap(),
        CString::new("ok").unwrap(),
    );
    // SAFETY: valid NUL-terminated strings; the handle is freed below.
    let engine = unsafe { bex_engine_new_with_config(c_dir.as_ptr(), config.as_ptr()) };
    assert!(!engine.is_null());
    let (tx, rx) = bounded::<String>(1);
    let mut samples = Vec::with_capacity(CALLS);
    // Which worker ran each call: how many ran any, and how often the
    // next call went to another one.
    let (mut workers, mut moves, mut last) = (std::collections::BTreeSet::new(), 0, None);
    for i in 0..CALLS + 20 {
        let t = Instant::now();
        // SAFETY: a live handle, and we wait for the callback right here.
        let rid = unsafe { submit_search(engine, &id, &query, on_result_thread, &tx) };
        assert_ne!(rid, 0);
        let worker = rx.recv().unwrap();
        if i >= 20 {
            samples.push(t.elapsed());
            moves += usize::from(last.as_ref().is_some_and(|l| *l != worker));
            workers.insert(worker.clone());
        }
        last = Some(worker);
    }
    // SAFETY: the handle from above, freed once.
    assert_eq!(unsafe { bex_engine_free(engine) }, 0);
    let (p50, p99) = (
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.99),
    );
    if round == 0 {
        println!(
            "the handoff alone: submit->callback through the C ABI of a call that fails at once (no plugin installed), {CALLS} times: p50 {:.1} us, p99 {:.1} us; ran on {} of the 4 user workers, moving to another {moves} times",
            us(p50),
            us(p99),
            workers.len()
        );
    }
    us(p50)
}

/// A round trip to a thread blocked on a channel and back: two wake-ups,
/// what a submitted call cannot avoid without a spinning worker.
fn wakeup_floor() {
    let (to, from_main) = bounded::<u64>(1);
    let (back, from_worker) = bounded::<u64>(1);
    let worker = std::thread::spawn(move || {
        while let Ok(n) = from_main.recv() {
            back.send(n).unwrap();
        }
    });
    let mut samples = Vec::with_capacity(CALLS);
    for i in 0..CALLS as u64 + 20 {
        let t = Instant::now();
        to.send(i).unwrap();
        assert_eq!(from_worker.recv().unwrap(), i);
        if i >= 20 {
            samples.push(t.elapsed());
        }
    }
    drop(to);
    worker.join().unwrap();
    let (p50, p99) = (
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.99),
    );
    println!(
        "the floor of a handoff: a channel round trip to a blocked thread (two wake-ups), {CALLS} times: p50 {:.1} us, p99 {:.1} us",
        us(p50),
        us(p99)
    );
}

/// An idle engine (lanes, notifier, epoch thread) after some calls: CPU
/// time and thread wake-ups over 10 s of doing nothing.
fn idle(dir: &Path, hostile: &[u8]) {
    const IDLE: Duration = Duration::from_secs(10);
    let engine =
        Engine::open(EngineConfig::new(dir.join("idle")).allow_unsigned_packages(true)).unwrap();
    engine
        .install_file(&package(dir, "bex.idle", "", hostile), true)
        .unwrap();
    // Work first, on the lanes, so every kind of thread has run.
    let request = Request::Search {
        query: "ok".into(),
        filters: serde_json::json!({}),
        page: None,
    };
    let (tx, rx) = unbounded();
    for _ in 0..20 {
        let tx = tx.clone();
        engine
            .submit(
                "bex.idle",
                request.clone(),
                CallOptions::default(),
                move |_, r| {
                    let _ = tx.send(r.is_ok());
                },
            )
            .unwrap();
    }
    for _ in 0..20 {
        assert!(rx.recv().unwrap());
    }
    // The epoch thread ticks for a second after the last call: measure
    // from two seconds after, ten seconds of nothing to do.
    std::thread::sleep(Duration::from_secs(2));
    let (cpu0, wakes0) = (process_cpu(), bex_thread_wakeups());
    std::thread::sleep(IDLE);
    let (cpu1, wakes1) = (process_cpu(), bex_thread_wakeups());
    let cpu = cpu1.saturating_sub(cpu0);
    println!(
        "an idle engine over {} s, from 2 s after its last call ({} bex threads): {:.0} ms of CPU ({:.2}%), {} thread wake-ups (target: 0%, none)",
        IDLE.as_secs(),
        wakes1.1,
        cpu.as_secs_f64() * 1e3,
        cpu.as_secs_f64() / IDLE.as_secs_f64() * 100.0,
        wakes1.0.saturating_sub(wakes0.0)
    );
    drop(engine);
}

/// User and system CPU time of this process (Linux, /proc/self/stat).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are
    // the 14th and 15th fields of the line, in clock ticks (100 a second).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Context switches (wake-ups) of the engine's threads (named `bex-*`) so
/// far, and how many such threads there are.
fn bex_thread_wakeups() -> (u64, usize) {
    let (mut switches, mut threads) = (0, 0);
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with("bex-") {
            continue;
        }
        threads += 1;
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        for line in status.lines() {
            if let Some(n) = line
                .strip_prefix("voluntary_ctxt_switches:")
                .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
            {
                switches += n.trim().parse::<u64>().unwrap_or(0);
            }
        }
    }
    (switches, threads)
}

fn c_abi_latency(dir: &Path, hostile: &[u8]) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/tvmaze/fixtures");
    // The packages here are unsigned (docs/distribution.md).
    let recorded = serde_json::json!({"replay_dir": fixtures.to_str().unwrap(), "allow_unsigned_packages": true});
    let loopback = serde_json::json!({"allow_private_networks": true, "resolve": {"api.bex.test": ["127.0.0.1"]}, "allow_unsigned_packages": true});
    // Host patterns name the port they reach (docs/manifest.md).
    let port = serve(Duration::from_millis(5), "slow");
    let lat = package(dir, "bex.lat", &format!("\"api.bex.test:{port}\""), hostile);
    let empty = "search \"ok\" (an empty call)";
    // Where the kernel places the worker and the caller decides whether a
    // wake-up crosses CPUs, and it keeps that placement for an engine's
    // life: a handoff read off one engine is one draw. More engines, each
    // fresh, give the spread; the first prints its table.
    let mut handoffs: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            let name = format!("lat{round}");
            let label = (round == 0).then_some(empty);
            compare_c_abi(dir, &name, label, &recorded, &lat, "bex.lat", "ok")
        })
        .collect();
    print_spread("the empty call's handoff (C ABI - direct)", &mut handoffs);
    compare_c_abi(
        dir,
        "net",
        Some("search with one 5 ms HTTP request on loopback"),
        &loopback,
        &lat,
        "bex.lat",
        &format!("fetch-nofollow:http://api.bex.test:{port}/slow"),
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("plugins/tvmaze/manifest.yaml")).unwrap();
    let pkg = bex_engine::pack(&manifest, super::wasm("bex_tvmaze")).unwrap();
    let tvmaze = dir.join("tvmaze.bex");
    pkg.write_file(&tvmaze, &PackageLimits::default()).unwrap();
    compare_c_abi(
        dir,
        "tvmaze",
        Some("TVmaze search \"girls\" (recorded response, parsed into cards)"),
        &recorded,
        &tvmaze,
        "bex.tvmaze",
        "girls",
    );
}

/// The same search through `bex_submit_search` and `Engine::call`, on two
/// engines with the same config JSON over copies of the same install,
/// interleaved; prints the table under `label` (if any) and returns the
/// handoff (C ABI minus direct) at p50, in microseconds.
fn compare_c_abi(
    dir: &Path,
    name: &str,
    label: Option<&str>,
    config: &serde_json::Value,
    pkg: &Path,
    plugin: &str,
    query: &str,
) -> f64 {
    let config = config.to_string();
    let direct = Engine::open(
        EngineConfig::from_json(dir.join(format!("{name}-direct")), &config)
            .unwrap()
            .allow_unsigned_packages(true),
    )
    .unwrap();
    direct.install_file(pkg, true).unwrap();
    let c_dir = CString::new(dir.join(format!("{name}-c")).to_str().unwrap()).unwrap();
    let config = CString::new(config).unwrap();
    let c_pkg = CString::new(pkg.to_str().unwrap()).unwrap();
    let (c_id, c_query) = (CString::new(plugin).unwrap(), CString::new(query).unwrap());
    // SAFETY: valid NUL-terminated strings; the handle is freed below.
    let engine = unsafe { bex_engine_new_with_config(c_dir.as_ptr(), config.as_ptr()) };
    assert!(!engine.is_null());
    // SAFETY: a live handle and a valid path.
    assert_eq!(unsafe { bex_engine_install(engine, c_pkg.as_ptr()) }, 0);
    let request = Request::Search {
        query: query.into(),
        filters: serde_json::json!({}),
        page: None,
    };
    let (tx, rx) = bounded::<bool>(1);
    let c_call = || {
        // SAFETY: a live handle, and we wait for the callback right here.
        let rid = unsafe { submit_search(engine, &c_id, &c_query, on_result, &tx) };
        assert_ne!(rid, 0);
        assert!(rx.recv().unwrap());
    };
    c_call();
    direct.call(plugin, &request).unwrap();
    let (mut via_c, mut via_rust) = (Vec::new(), Vec::new());
    for _ in 0..CALLS {
        let t = Instant::now();
        c_call();
        via_c.push(t.elapsed());
        let t = Instant::now();
        direct.call(plugin, &request).unwrap();
        via_rust.push(t.elapsed());
    }
    // SAFETY: the handle from above, freed once.
    assert_eq!(unsafe { bex_engine_free(engine) }, 0);
    let (c50, c99) = (percentile(&mut via_c, 0.5), percentile(&mut via_c, 0.99));
    let (r50, r99) = (
        percentile(&mut via_rust, 0.5),
        percentile(&mut via_rust, 0.99),
    );
    let handoff = us(c50) - us(r50);
    let Some(label) = label else {
        return handoff;
    };
    println!(
        "{label}: submit->callback through the C ABI vs direct Engine::call ({CALLS} each, interleaved):"
    );
    println!("                        p50 (us)   p99 (us)");
    println!("  C ABI submit->cb     {:>9.1}  {:>9.1}", us(c50), us(c99));
    println!("  Engine::call         {:>9.1}  {:>9.1}", us(r50), us(r99));
    println!(
        "  ratio C ABI/direct   {:>9.2}x {:>9.2}x   (target <= 1.10x at p50); handoff {:.1} us at p50",
        c50.as_secs_f64() / r50.as_secs_f64(),
        c99.as_secs_f64() / r99.as_secs_f64(),
        handoff
    );
    handoff
}

/// Prints the p50s of `ROUNDS` fresh engines and their median.
fn print_spread(what: &str, p50s: &mut [f64]) {
    p50s.sort_by(f64::total_cmp);
    let list: Vec<String> = p50s.iter().map(|v| format!("{v:.1}")).collect();
    println!(
        "{what} over {} fresh engines, p50 of each: {} us; median {:.1} us",
        p50s.len(),
        list.join(", "),
        p50s[p50s.len() / 2]
    );
}

fn throughput(dir: &Path, hostile: &[u8]) {
    let port = serve(Duration::from_millis(5), "slow");
    let loopback = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    let engine = Engine::open(
        EngineConfig::new(dir.join("throughput"))
            .allow_unsigned_packages(true)
            .allow_private_networks(true)
            .resolve("api.bex.test", &[loopback])
            .lane(
                bex_engine::Lane::User,
                bex_engine::LaneSize {
                    workers: 4,
                    capacity: THROUGHPUT_CALLS,
                },
            ),
    )
    .unwrap();
    let ids: Vec<String> = (0..COPIES).map(|i| format!("bex.tp{i}")).collect();
    for id in &ids {
        let pkg = package(dir, id, &format!("\"api.bex.test:{port}\""), hostile);
        engine.install_file(&pkg, true).unwrap();
    }
    let url = format!("http://api.bex.test:{port}/slow");
    let query = format!("fetch-nofollow:{url}");
    // Warm: load every copy once.
    for id in &ids {
        let r = engine.call(
            id,
            &Request::Search {
                query: query.clone(),
                filters: serde_json::json!({}),
                page: None,
            },
        );
        assert!(r.is_ok(), "{r:?}");
    }
    let (tx, rx) = unbounded::<bool>();
    let started = Instant::now();
    for i in 0..THROUGHPUT_CALLS {
        let tx = tx.clone();
        engine
            .submit(
                &ids[i % COPIES],
                Request::Search {
                    query: query.clone(),
                    filters: serde_json::json!({}),
                    page: None,
                },
                CallOptions::default(),
                move |_, r| {
                    let _ = tx.send(r.is_ok());
                },
            )
            .unwrap();
    }
    let ok = (0..THROUGHPUT_CALLS)
        .filter(|_| rx.recv_timeout(Duration::from_secs(60)).unwrap())
        .count();
    let took = started.elapsed();
    let rate = THROUGHPUT_CALLS as f64 / took.as_secs_f64();
    println!(
        "throughput, 4 User workers, each call one HTTP request taking 5 ms on loopback ({THROUGHPUT_CALLS} calls over {COPIES} plugin copies):"
    );
    println!(
        "  {rate:>7.0} calls/s ({ok} ok) vs ideal 800/s: {:.0}% (target >= 90%)",
        rate / 800.0 * 100.0
    );
}
