//! Typed calls write exactly the JSON of mapping v1 (docs/json.md) that
//! the dynamic path wrote: every operation of a component returning random
//! values of every record of the contract (tests/plugins/random) is called
//! through both paths, and the bytes must match.

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

#[test]
fn typed_and_dynamic_calls_write_the_same_bytes_for_every_record() {
    let typed = engine(|c| c);
    let dynamic = engine(|c| c.legacy_call_path(true));
    // Fixed seeds, and some that change with every run (printed on failure).
    let base = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let seeds = (0..60u64)
        .map(|i| i.to_string())
        .chain((0..20).map(|i| format!("t{}", base + i)));
    let (mut compared, mut nonempty) = (0, 0);
    for seed in seeds {
        for request in requests(&seed) {
            let a = typed.engine.call(ID, &request);
            let b = dynamic.engine.call(ID, &request);
            match (&a, &b) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "seed {seed}, {request:?}"),
                _ => panic!("seed {seed}, {request:?}: {a:?} vs {b:?}"),
            }
            compared += 1;
            nonempty += usize::from(a.unwrap().len() > 64);
        }
    }
    assert_eq!(compared, 800);
    assert!(
        nonempty > 400,
        "the generator made mostly empty values: {nonempty}"
    );
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
