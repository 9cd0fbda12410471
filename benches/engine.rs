//! `make bench`: measured side by side in one run, on the same components.
//!
//! 1. `Engine::open` with a warm compile cache vs. with the cache emptied
//!    (every installed plugin compiled, in parallel).
//! 2. One warm `search` through `Engine::call` vs. a bare wasmtime
//!    instantiate + call of the same export (typed bindings, no JSON, no
//!    limits beyond fuel and epoch), p50 and p99.
//! 3. and 4. The C ABI and the lanes (see `lanes.rs`).
//! 5. The host's JavaScript (see `js.rs`).
//! 6. The call path on a realistic job: fetch, parse, 50 cards, and Pulley
//!    against native code (see `call_path.rs`).
//!
//! `make bench` then runs `make size` (benches/size/size.sh): the stripped
//! sizes of the CLI and of C players, and resident memory, against budgets.

mod call_path;
mod js;
mod lanes;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bex_engine::package::PackageLimits;
use bex_engine::store::Store;
use bex_engine::{Engine, EngineConfig, Request};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

mod bare {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "plugin",
        imports: { default: trappable },
    });
}

const OPENS: usize = 7;
const CALLS: usize = 400;

pub(crate) fn wasm(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("BEX_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/wasm32-wasip2/release")
        });
    std::fs::read(dir.join(format!("{name}.wasm"))).expect("build the plugins first: make plugins")
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

pub(crate) const HOSTILE: &str = "schema: 1\nid: bex.hostile\nname: Hostile\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {home: true, category: true, search: true, info: true, servers: true, stream: true, subtitles: true, articles: true}\n";

struct BareState {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for BareState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A wasmtime engine for the bare baselines: `config` with the component
/// model, fuel and epochs (what a host needs to bound a call), nothing else.
pub(crate) fn bare_engine(config: &mut wasmtime::Config) -> wasmtime::Engine {
    config
        .wasm_component_model(true)
        .consume_fuel(true)
        .epoch_interruption(true);
    wasmtime::Engine::new(config).unwrap()
}

/// Defines every `bex:plugin/` function `component` imports, except those
/// of the interfaces in `keep` (defined by the caller), as one that traps.
pub(crate) fn stub_imports<T: 'static>(
    linker: &mut Linker<T>,
    component: &Component,
    keep: &[&str],
) {
    use wasmtime::component::types::ComponentItem;
    let engine = component.engine();
    for (name, import) in component.component_type().imports(engine) {
        let ComponentItem::ComponentInstance(inst) = import.ty else {
            continue;
        };
        if !name.starts_with("bex:plugin/") || keep.contains(&name) {
            continue;
        }
        let mut li = linker.instance(name).unwrap();
        for (f, item) in inst.exports(engine) {
            if let ComponentItem::ComponentFunc(_) = item.ty {
                li.func_new(f, |_, _, _, _| wasmtime::bail!("unused"))
                    .unwrap();
            }
        }
    }
}

fn main() {
    // `cargo bench --bench engine -- lanes call_path` runs only those
    // sections (open, call, lanes, js, call_path); none named runs all.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |section: &str| only.is_empty() || only.iter().any(|o| o == section);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let hostile = wasm("bex_hostile");
    {
        let engine = Engine::open(EngineConfig::new(&data).allow_unsigned_packages(true)).unwrap();
        let tvmaze_manifest = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plugins/tvmaze/manifest.yaml"),
        )
        .unwrap();
        for (manifest, component) in [
            (HOSTILE.to_string(), hostile.clone()),
            (tvmaze_manifest, wasm("bex_tvmaze")),
        ] {
            let pkg = bex_engine::pack(&manifest, component).unwrap();
            let path = dir.path().join("p.bex");
            pkg.write_file(&path, &PackageLimits::default()).unwrap();
            engine.install_file(&path, true).unwrap();
        }
    }

    if wanted("open") {
        engine_open(&data);
    }
    if wanted("call") {
        warm_call(&data, &hostile);
    }
    if wanted("lanes") {
        lanes::run(dir.path(), &hostile);
    }
    if wanted("js") {
        js::run(dir.path(), &hostile);
    }
    if wanted("call_path") {
        call_path::run(dir.path());
    }
}

/// 1. Engine open: warm cache vs. compiling, alternating.
fn engine_open(data: &std::path::Path) {
    let (mut warm, mut cold) = (Vec::new(), Vec::new());
    for _ in 0..OPENS {
        let t = Instant::now();
        drop(Engine::open(EngineConfig::new(data).allow_unsigned_packages(true)).unwrap());
        warm.push(t.elapsed());
        {
            let store = Store::open(data).unwrap();
            for key in store.compiled_keys().unwrap() {
                store.remove_compiled(&key).unwrap();
            }
        }
        let t = Instant::now();
        drop(Engine::open(EngineConfig::new(data).allow_unsigned_packages(true)).unwrap());
        cold.push(t.elapsed());
    }
    let (w, c) = (percentile(&mut warm, 0.5), percentile(&mut cold, 0.5));
    println!("engine open, 2 plugins installed ({OPENS} runs each, median):");
    println!("  warm compile cache   {:>9.2} ms", ms(w));
    println!("  compiling            {:>9.2} ms", ms(c));
    println!(
        "  ratio compiling/warm {:>9.1}x",
        c.as_secs_f64() / w.as_secs_f64()
    );
}

/// 2. One warm search call: our API vs. bare wasmtime.
fn warm_call(data: &std::path::Path, hostile: &[u8]) {
    let engine = Engine::open(EngineConfig::new(data).allow_unsigned_packages(true)).unwrap();
    let request = Request::Search {
        query: "ok".into(),
        filters: serde_json::json!({}),
        page: None,
    };
    engine.call("bex.hostile", &request).unwrap();

    let wasm_engine = bare_engine(&mut wasmtime::Config::new());
    let component = Component::new(&wasm_engine, hostile).unwrap();
    let mut linker = Linker::<BareState>::new(&wasm_engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    stub_imports(&mut linker, &component, &[]);
    let pre = linker.instantiate_pre(&component).unwrap();
    let indices = bare::exports::bex::plugin::search::GuestIndices::new(&pre).unwrap();
    let ctx = bare::bex::plugin::types::RequestContext {
        request_id: "bench".into(),
        locale: None,
        region: None,
        deadline_ms: 15_000,
        extra: vec![],
    };
    let filters = bare::bex::plugin::types::SearchFilters {
        kind: None,
        year: None,
        genre: None,
        sort: None,
        extra: vec![],
    };
    let bare_call = || {
        let mut store = wasmtime::Store::new(
            &wasm_engine,
            BareState {
                wasi: WasiCtx::builder().build(),
                table: ResourceTable::new(),
            },
        );
        store.set_fuel(2_000_000_000).unwrap();
        store.set_epoch_deadline(1_000);
        let instance = pre.instantiate(&mut store).unwrap();
        let guest = indices.load(&mut store, &instance).unwrap();
        let page = guest
            .call_search(&mut store, &ctx, "ok", &filters, None)
            .unwrap()
            .unwrap();
        assert_eq!(page.items[0].title, "ok");
    };
    bare_call();

    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..CALLS {
        let t = Instant::now();
        engine.call("bex.hostile", &request).unwrap();
        ours.push(t.elapsed());
        let t = Instant::now();
        bare_call();
        raw.push(t.elapsed());
    }
    let (o50, o99) = (percentile(&mut ours, 0.5), percentile(&mut ours, 0.99));
    let (r50, r99) = (percentile(&mut raw, 0.5), percentile(&mut raw, 0.99));
    println!("warm search call, same component ({CALLS} calls each, interleaved):");
    println!("                        p50 (us)   p99 (us)");
    println!("  bex Engine::call     {:>9.1}  {:>9.1}", us(o50), us(o99));
    println!("  bare wasmtime        {:>9.1}  {:>9.1}", us(r50), us(r99));
    println!(
        "  ratio bex/bare       {:>9.2}x {:>9.2}x",
        o50.as_secs_f64() / r50.as_secs_f64(),
        o99.as_secs_f64() / r99.as_secs_f64()
    );
}
