//! Typed calls write exactly the JSON of mapping v1 (docs/json.md): every
//! operation of a component returning random values of every record of the
//! contract (tests/plugins/random), for 60 fixed seeds, must write the bytes
//! of tests/golden/json_mapping/OPERATION.jsonl, one line per seed. The
//! dynamic call path (values walked one by one, retired since) wrote those
//! files; the typed path must keep them byte for byte.

mod common;

use bex_engine::{EngineConfig, Request};
use common::{TestEngine, wasm};

const ID: &str = "bex.random";
const MANIFEST: &str = "schema: 1\nid: bex.random\nname: Random\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {home: true, category: true, search: true, info: true, servers: true, stream: true, subtitles: true, articles: true}\n";

fn engine(configure: impl FnOnce(EngineConfig) -> EngineConfig) -> TestEngine {
    let t = TestEngine::new(configure);
    let package = bex_engine::pack(MANIFEST, wasm("bex_random_test")).unwrap();
    t.engine.install(&package, false).unwrap();
    t
}

/// Every operation, seeded by `seed`.
fn requests(seed: &str) -> Vec<Request> {
    let s = || seed.to_string();
    vec![
        Request::Home { page: Some(s()) },
        Request::Category {
            id: s(),
            page: None,
        },
        Request::Search {
            query: s(),
            filters: serde_json::json!({}),
            page: None,
        },
        Request::Info { id: s() },
        Request::Servers { id: s() },
        Request::Stream {
            server: serde_json::json!({"id": s(), "name": "n"}),
        },
        Request::SearchSubtitles {
            query: serde_json::json!({"title": s()}),
        },
        Request::DownloadSubtitle { id: s() },
        Request::Articles { page: Some(s()) },
        Request::SearchArticles {
            query: s(),
            page: None,
        },
    ]
}

/// The golden file of each request of [`requests`], in order.
const GOLDEN: [&str; 10] = [
    "home",
    "category",
    "search",
    "info",
    "servers",
    "stream",
    "search_subtitles",
    "download_subtitle",
    "articles",
    "search_articles",
];

#[test]
fn typed_calls_write_the_golden_bytes_for_every_record() {
    let t = engine(|c| c);
    let dir = common::root().join("tests/golden/json_mapping");
    let mut written: Vec<String> = vec![String::new(); GOLDEN.len()];
    let mut nonempty = 0;
    for seed in 0..60u64 {
        for (i, request) in requests(&seed.to_string()).into_iter().enumerate() {
            let json = t.engine.call(ID, &request).unwrap();
            nonempty += usize::from(json.len() > 64);
            written[i].push_str(&json);
            written[i].push('\n');
        }
    }
    assert!(
        nonempty > 300,
        "the generator made mostly empty values: {nonempty}"
    );
    for (name, text) in GOLDEN.iter().zip(&written) {
        let path = dir.join(format!("{name}.jsonl"));
        let golden = std::fs::read_to_string(&path).unwrap();
        if golden == *text {
            continue;
        }
        // Name the first line (seed) and byte that differ.
        let line = golden
            .lines()
            .zip(text.lines())
            .position(|(g, w)| g != w)
            .unwrap_or_else(|| golden.lines().count().min(text.lines().count()));
        let (g, w) = (
            golden.lines().nth(line).unwrap_or(""),
            text.lines().nth(line).unwrap_or(""),
        );
        let at = g
            .bytes()
            .zip(w.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(g.len().min(w.len()));
        panic!(
            "{}:{}: seed {line} differs at byte {at}:\n golden: {}\n  typed: {}",
            path.display(),
            line + 1,
            &g[g.floor_char_boundary(at.saturating_sub(40))
                ..g.floor_char_boundary((at + 40).min(g.len()))],
            &w[w.floor_char_boundary(at.saturating_sub(40))
                ..w.floor_char_boundary((at + 40).min(w.len()))],
        );
    }
}

#[test]
fn shortest_floats_escapes_and_nulls_are_as_mapping_v1_says() {
    let t = engine(|c| c);
    // Over many seeds the generator returns 7.2, -0.0, NaN and controls.
    let mut all = String::new();
    for seed in 0..60 {
        all.push_str(
            &t.engine
                .call(
                    ID,
                    &Request::Info {
                        id: seed.to_string(),
                    },
                )
                .unwrap(),
        );
    }
    assert!(
        all.contains(":7.2,") || all.contains(":7.2}"),
        "f32 7.2 is written as 7.2"
    );
    assert!(!all.contains("7.199999"), "no f64 widening of f32");
    assert!(
        all.contains("\\u0001") && all.contains("\\n"),
        "control characters are escaped"
    );
    assert!(
        all.contains("\"dub_status\":[\"subbed\",\"dubbed\"]"),
        "flags are arrays of names"
    );
    assert!(all.contains(":null"), "none is null");
}

#[test]
fn the_typed_api_returns_the_values_the_json_describes() {
    let t = engine(|c| c);
    for seed in 0..20 {
        let seed = seed.to_string();
        let typed = t.engine.info(ID, &seed).unwrap();
        let json = t
            .engine
            .call(ID, &Request::Info { id: seed.clone() })
            .unwrap();
        assert_eq!(serde_json::to_string(&typed).unwrap(), json, "seed {seed}");
        let home = t.engine.home(ID, Some(&seed)).unwrap();
        let json = t
            .engine
            .call(
                ID,
                &Request::Home {
                    page: Some(seed.clone()),
                },
            )
            .unwrap();
        assert_eq!(serde_json::to_string(&home).unwrap(), json, "seed {seed}");
        let servers = t.engine.servers(ID, &seed).unwrap();
        for server in &servers {
            // A server goes back to the plugin as it came.
            let streams = t.engine.stream(ID, server).unwrap();
            let json = t
                .engine
                .call(
                    ID,
                    &Request::Stream {
                        server: serde_json::to_value(server).unwrap(),
                    },
                )
                .unwrap();
            assert_eq!(serde_json::to_string(&streams).unwrap(), json);
        }
    }
    // Asking for another type than the operation's is the caller's mistake.
    let wrong = t.engine.call_typed::<bex_engine::types::HomePage>(
        ID,
        &Request::Info { id: "1".into() },
        &Default::default(),
        &bex_engine::CancelToken::new(),
    );
    let e = wrong.unwrap_err();
    assert_eq!(e.code(), bex_engine::ErrorCode::InvalidArgument);
    assert!(e.to_string().contains("get_info returns MediaInfo"), "{e}");
}

#[test]
fn the_typed_api_on_a_real_plugin_and_its_errors() {
    use bex_engine::types::{MediaKind, SearchFilters};
    let t = TestEngine::new(|c| c.replay_dir(common::root().join("plugins/tvmaze/fixtures")));
    let (manifest, component) = common::tvmaze();
    t.engine
        .install(&bex_engine::pack(&manifest, component).unwrap(), false)
        .unwrap();
    let page = t
        .engine
        .search("bex.tvmaze", "girls", &SearchFilters::default(), None)
        .unwrap();
    assert_eq!(page.items[0].title, "Girls");
    assert_eq!(page.items[0].kind, Some(MediaKind::Series));
    assert_eq!(page.items[0].rating, Some(6.5));
    let info = t.engine.info("bex.tvmaze", "show:139").unwrap();
    assert!(
        info.seasons
            .iter()
            .any(|s| s.number == 1 && !s.episodes.is_empty())
    );
    let missing = t.engine.info("bex.tvmaze", "show:999999").unwrap_err();
    assert_eq!(missing.code(), bex_engine::ErrorCode::PluginError);
    let unsupported = t.engine.servers("bex.tvmaze", "episode:1").unwrap_err();
    assert_eq!(unsupported.code(), bex_engine::ErrorCode::Unsupported);
}
