//! Section 6, the call path on a realistic job (issue 10), side by side in
//! one run: the job component (tests/plugins/job) GETs a TMDB-shaped search
//! response of 50 results (~21 KB, tests/plugins/job/response.json) from a
//! loopback server, parses it with serde_json and returns 50 media cards.
//!
//! - a: `Engine::call` vs. a bare wasmtime InstancePre instantiate + typed
//!   (bindgen) call of the same export, whose `send-request` does the same
//!   GET with ureq (see `call_path/baseline.rs`): in wasmtime's default
//!   configuration, and with the BEX engine's wasmtime settings (pooling
//!   allocator, bounds checks), which leaves only what BEX adds around the
//!   call;
//! - c: the result-to-JSON step alone (`bench_hooks::result_json`: the
//!   JSON written with the result checks inside it, one pass) vs.
//!   serde_json writing the same 50 cards from plain structs
//!   (byte-identical output, checked);
//! - d: the parse alone, timed inside the guest with the host's monotonic
//!   clock: in a fresh instance per call (`Engine::call`) vs. again and
//!   again in one bare instance with the BEX engine's wasmtime settings,
//!   so that only fresh vs. reused memory differs;
//! - e: Pulley vs native code (`EngineConfig::execution`): this job, and a
//!   compute-bound call (the hostile plugin's `burn`), with the fuel each
//!   burns per second: what the interpreter costs, as a ratio.
//!
//! Each engine plugin copy makes at most 301 requests, within its rate
//! limit's burst (6,000 a minute, bursts of 600): the limiter is never
//! what is measured.

mod baseline;

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::{Duration, Instant};

use bex_engine::package::PackageLimits;
use bex_engine::types::{Image, PagedResult};
use bex_engine::{Engine, EngineConfig, Execution, Request};
use serde::Serialize;

use crate::{percentile, us};
use baseline::Bare;

const CALLS: usize = 300;
/// The search response the server sends (and the job embeds for `parse`).
const RESPONSE: &str = include_str!("../tests/plugins/job/response.json");
const HOST: &str = "api.bex.test";

fn manifest(id: &str, port: u16) -> String {
    format!(
        "schema: 1\nid: {id}\nname: Job\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {{search: true}}\nnetwork:\n  hosts: [\"{HOST}:{port}\"]\n  concurrent: 8\n  rate_per_minute: 6000\n"
    )
}

fn search(query: &str) -> Request {
    Request::Search {
        query: query.into(),
        filters: serde_json::json!({}),
        page: None,
    }
}

/// Opens an engine reaching the loopback server as `api.bex.test`, with
/// one copy of the job per id.
fn engine(dir: &Path, name: &str, port: u16, job: &[u8], ids: &[&str]) -> Engine {
    engine_with(
        dir,
        name,
        EngineConfig::new(dir.join(name)).allow_unsigned_packages(true),
        port,
        job,
        ids,
    )
}

/// [`engine`] from `config`.
fn engine_with(
    dir: &Path,
    name: &str,
    config: EngineConfig,
    port: u16,
    job: &[u8],
    ids: &[&str],
) -> Engine {
    let config = config
        .allow_private_networks(true)
        .resolve(HOST, &[IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    let engine = Engine::open(config).unwrap();
    for id in ids {
        let pkg = bex_engine::pack(&manifest(id, port), job.to_vec()).unwrap();
        let path = dir.join(format!("{name}-{id}.bex"));
        pkg.write_file(&path, &PackageLimits::default()).unwrap();
        engine.install_file(&path, true).unwrap();
    }
    engine
}

/// Runs each of `calls` CALLS times, interleaved; their wall times.
fn interleaved(calls: &mut [&mut dyn FnMut()]) -> Vec<Vec<Duration>> {
    let mut samples = vec![Vec::with_capacity(CALLS); calls.len()];
    for _ in 0..CALLS {
        for (call, times) in calls.iter_mut().zip(&mut samples) {
            let t = Instant::now();
            call();
            times.push(t.elapsed());
        }
    }
    samples
}

/// Prints p50 and p99 of each named sample set, then each ratio `(name,
/// numerator, denominator, target)` at p50 and p99.
fn report(
    label: &str,
    names: &[&str],
    mut samples: Vec<Vec<Duration>>,
    ratios: &[(&str, usize, usize, &str)],
) {
    let p: Vec<[f64; 2]> = samples
        .iter_mut()
        .map(|s| [us(percentile(s, 0.5)), us(percentile(s, 0.99))])
        .collect();
    println!("{label}");
    println!("{:37}p50 (us)   p99 (us)", "");
    for (name, [p50, p99]) in names.iter().zip(&p) {
        println!("  {name:<33}{p50:>9.1}  {p99:>9.1}");
    }
    for &(name, a, b, target) in ratios {
        let (r50, r99) = (p[a][0] / p[b][0], p[a][1] / p[b][1]);
        println!("  {name:<33}{r50:>8.2}x  {r99:>8.2}x   (target {target})");
    }
}

pub fn run(dir: &Path) {
    let job = crate::wasm("bex_job_test");
    let port = crate::lanes::serve(Duration::ZERO, RESPONSE);
    let query = format!("fetch:http://{HOST}:{port}/3/search/movie");
    let fetch = search(&query);
    let ids = ["bex.job-a", "bex.job-d"];
    let typed = engine(dir, "job-typed", port, &job, &ids);
    let json = typed.call("bex.job-a", &fetch).unwrap();
    let paged: PagedResult = serde_json::from_str(&json).unwrap();
    assert_eq!(paged.items.len(), 50);
    println!(
        "the call path on a realistic job: GET {} bytes of JSON (50 results) from a loopback server, parse it with serde_json, return 50 cards ({} bytes of JSON); {CALLS} samples each, interleaved:",
        RESPONSE.len(),
        json.len()
    );

    let bare = Bare::new(&job);
    assert_eq!(bare.call(&query).items.len(), 50);
    assert_eq!(bare.call_bex_like(&query).items.len(), 50);
    let samples = interleaved(&mut [
        &mut || drop(typed.call("bex.job-a", &fetch).unwrap()),
        &mut || drop(bare.call(&query)),
        &mut || drop(bare.call_bex_like(&query)),
    ]);
    report(
        "a. isolated call vs bare wasmtime (InstancePre instantiate + bindgen call; send-request with ureq):",
        &[
            "bex Engine::call",
            "bare wasmtime, default config",
            "bare wasmtime, BEX's settings",
        ],
        samples,
        &[
            ("ratio bex/bare default", 0, 1, "<= 1.3x"),
            ("ratio bex/bare BEX settings", 0, 2, "<= 1.3x"),
        ],
    );

    result_to_json(&paged);
    parse_fresh_vs_reused(&typed, &bare);
    pulley_vs_native(dir, port, &job, &fetch, &typed);
}

/// e. The same calls natively and under Pulley, interleaved.
fn pulley_vs_native(dir: &Path, port: u16, job: &[u8], fetch: &Request, native: &Engine) {
    let pulley_config = EngineConfig::new(dir.join("job-pulley"))
        .allow_unsigned_packages(true)
        .execution(Execution::Pulley);
    let pulley = engine_with(dir, "job-pulley", pulley_config, port, job, &["bex.job-a"]);
    assert_eq!(
        pulley.call("bex.job-a", fetch).unwrap(),
        native.call("bex.job-a", fetch).unwrap()
    );
    let samples = interleaved(&mut [
        &mut || drop(native.call("bex.job-a", fetch).unwrap()),
        &mut || drop(pulley.call("bex.job-a", fetch).unwrap()),
    ]);
    report(
        "e. Pulley vs native code: the realistic job (Engine::call):",
        &["native", "pulley"],
        samples,
        &[("ratio pulley/native", 1, 0, "reported")],
    );
    // Compute-bound: a loop of multiply-adds, no host calls.
    const BURN: u64 = 2_000_000;
    const BURNS: usize = 15;
    let hostile = crate::wasm("bex_hostile");
    let burn = search(&format!("burn:{BURN}"));
    let mut rates = Vec::new();
    let mut times = Vec::new();
    for x in Execution::ALL {
        let engine = Engine::open(
            EngineConfig::new(dir.join(format!("burn-{x}")))
                .allow_unsigned_packages(true)
                .execution(x),
        )
        .unwrap();
        let pkg = bex_engine::pack(crate::HOSTILE, hostile.clone()).unwrap();
        engine.install(&pkg, true).unwrap();
        engine.call("bex.hostile", &burn).unwrap();
        let mut samples: Vec<Duration> = (0..BURNS)
            .map(|_| {
                let t = Instant::now();
                engine.call("bex.hostile", &burn).unwrap();
                t.elapsed()
            })
            .collect();
        let stats = engine.stats().unwrap();
        let fuel_per_call = stats.calls[0].fuel_used / (BURNS as u64 + 1);
        let p50 = percentile(&mut samples, 0.5);
        rates.push(fuel_per_call as f64 / p50.as_secs_f64());
        times.push(p50);
    }
    println!("   compute-bound call (burn:{BURN}, {BURNS} calls each, median):");
    for (i, x) in Execution::ALL.iter().enumerate() {
        println!(
            "  {:<33}{:>9.1} ms   {:>7.0} M fuel/s",
            x.name(),
            times[i].as_secs_f64() * 1e3,
            rates[i] / 1e6
        );
    }
    let default_fuel = bex_engine::limits::DEFAULT_FUEL as f64;
    println!(
        "  ratio pulley/native              {:>8.2}x   (reported; the default fuel, {:.0} M, lasts {:.1} s native, {:.1} s pulley)",
        times[1].as_secs_f64() / times[0].as_secs_f64(),
        default_fuel / 1e6,
        default_fuel / rates[0],
        default_fuel / rates[1]
    );
}

/// c. `bench_hooks::result_json` vs. serde_json on plain structs.
fn result_to_json(paged: &PagedResult) {
    use std::hint::black_box;
    let plain = Paged::from(paged);
    let ours = bex_engine::bench_hooks::result_json(paged).unwrap();
    assert_eq!(ours, serde_json::to_string(&plain).unwrap());
    let samples = interleaved(&mut [
        &mut || {
            drop(black_box(bex_engine::bench_hooks::result_json(black_box(
                paged,
            ))))
        },
        &mut || drop(black_box(serde_json::to_string(black_box(&plain)))),
    ]);
    report(
        &format!("c. result-to-JSON alone, 50 cards ({} bytes):", ours.len()),
        &["bench_hooks::result_json", "serde_json, plain Rust structs"],
        samples,
        &[("ratio bex/serde_json", 0, 1, "<= 1.5x")],
    );
}

/// d. The guest's own timing of the parse: fresh instance vs. reused.
fn parse_fresh_vs_reused(typed: &Engine, bare: &Bare) {
    let parse = search("parse");
    let fresh = || {
        let json = typed.call("bex.job-d", &parse).unwrap();
        let paged: PagedResult = serde_json::from_str(&json).unwrap();
        Duration::from_nanos(paged.items[0].title.parse().unwrap())
    };
    let mut reused = bare.reused_instance();
    fresh();
    reused.parse();
    let mut samples = vec![Vec::with_capacity(CALLS), Vec::with_capacity(CALLS)];
    for _ in 0..CALLS {
        samples[0].push(fresh());
        samples[1].push(reused.parse());
    }
    report(
        &format!(
            "d. parse of the {} bytes inside the guest (guest-measured): a fresh instance per call vs one reused instance:",
            RESPONSE.len()
        ),
        &["fresh (Engine::call)", "reused (bare, BEX's settings)"],
        samples,
        &[("ratio fresh/reused", 0, 1, "<= 1.3x")],
    );
}

// c.'s baseline: the JSON of docs/json.md from plain serde structs with the
// same field names (enums and flags as the strings they map to).

#[derive(Serialize)]
struct Paged {
    items: Vec<Card>,
    categories: Vec<PlainCategory>,
    next_page: Option<String>,
    total: Option<u32>,
}

#[derive(Serialize)]
struct Card {
    id: String,
    title: String,
    kind: Option<String>,
    poster: Option<PlainImage>,
    backdrop: Option<PlainImage>,
    year: Option<u32>,
    rating: Option<f32>,
    genres: Vec<String>,
    description: Option<String>,
    status: Option<String>,
    dub_status: Vec<String>,
    episode_count: Option<u32>,
    extra: Vec<(String, String)>,
}

#[derive(Serialize)]
struct PlainCategory {
    id: String,
    title: String,
    image: Option<PlainImage>,
}

#[derive(Serialize)]
struct PlainImage {
    url: String,
    width: Option<u32>,
    height: Option<u32>,
    headers: Vec<(String, String)>,
}

/// The string a contract enum or flag set maps to.
fn name(v: impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

impl From<&Image> for PlainImage {
    fn from(i: &Image) -> Self {
        PlainImage {
            url: i.url.clone(),
            width: i.width,
            height: i.height,
            headers: i.headers.clone(),
        }
    }
}

impl From<&PagedResult> for Paged {
    fn from(p: &PagedResult) -> Self {
        let str_of = |v: serde_json::Value| v.as_str().unwrap().to_string();
        Paged {
            items: p
                .items
                .iter()
                .map(|c| Card {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    kind: c.kind.map(|k| str_of(name(k))),
                    poster: c.poster.as_ref().map(PlainImage::from),
                    backdrop: c.backdrop.as_ref().map(PlainImage::from),
                    year: c.year,
                    rating: c.rating,
                    genres: c.genres.clone(),
                    description: c.description.clone(),
                    status: c.status.map(|s| str_of(name(s))),
                    dub_status: serde_json::from_value(name(c.dub_status)).unwrap(),
                    episode_count: c.episode_count,
                    extra: c.extra.clone(),
                })
                .collect(),
            categories: p
                .categories
                .iter()
                .map(|c| PlainCategory {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    image: c.image.as_ref().map(PlainImage::from),
                })
                .collect(),
            next_page: p.next_page.clone(),
            total: p.total,
        }
    }
}
