//! The TVmaze plugin end to end, offline: its replay fixtures are shaped
//! like the API's documented responses.

mod common;

use bex_engine::{CallOptions, Engine, EngineConfig, ErrorCode, Request};
use serde_json::{Value, json};

const ID: &str = "bex.tvmaze";

fn engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let config = EngineConfig::new(dir.path().join("data"))
        .allow_unsigned_packages(true)
        .replay_dir(common::root().join("plugins/tvmaze/fixtures"));
    let engine = Engine::open(config).unwrap();
    let (manifest, wasm) = common::tvmaze();
    engine
        .install(&bex_engine::pack(&manifest, wasm).unwrap(), false)
        .unwrap();
    (dir, engine)
}

fn call(engine: &Engine, request: Request) -> Value {
    serde_json::from_str(&engine.call(ID, &request).unwrap()).unwrap()
}

#[test]
fn search_returns_cards() {
    let (_d, engine) = engine();
    let v = call(
        &engine,
        Request::Search {
            query: "girls".into(),
            filters: json!({}),
            page: None,
        },
    );
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], "show:139");
    assert_eq!(items[0]["title"], "Girls");
    assert_eq!(items[0]["kind"], "series");
    assert_eq!(items[0]["year"], 2012);
    assert_eq!(items[0]["status"], "completed");
    assert_eq!(items[0]["genres"], json!(["Drama", "Romance"]));
    assert!(
        items[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("This Emmy winning series")
    );
    assert_eq!(v["next_page"], Value::Null);
    assert_eq!(v["total"], 2);
}

#[test]
fn search_filters_apply() {
    let (_d, engine) = engine();
    let v = call(
        &engine,
        Request::Search {
            query: "girls".into(),
            filters: json!({"genre": "comedy"}),
            page: None,
        },
    );
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"][0]["title"], "Good Girls");
    let anime = call(
        &engine,
        Request::Search {
            query: "brotherhood".into(),
            filters: json!({"kind": "anime", "year": 2009}),
            page: None,
        },
    );
    assert_eq!(anime["items"][0]["kind"], "anime");
    let bad = engine.call(
        ID,
        &Request::Search {
            query: "girls".into(),
            filters: json!({"kind": "opera"}),
            page: None,
        },
    );
    let err = bad.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert!(err.to_string().contains("filters.kind"), "{err}");
}

#[test]
fn info_has_seasons_episodes_cast_and_ids() {
    let (_d, engine) = engine();
    let v = call(
        &engine,
        Request::Info {
            id: "show:139".into(),
        },
    );
    assert_eq!(v["title"], "Girls");
    assert_eq!(v["end_year"], 2017);
    let seasons = v["seasons"].as_array().unwrap();
    assert_eq!(
        seasons
            .iter()
            .map(|s| s["number"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(seasons[1]["episodes"].as_array().unwrap().len(), 3);
    assert_eq!(seasons[1]["episodes"][0]["id"], "episode:11009");
    assert_eq!(seasons[1]["episodes"][0]["number"], 1.0);
    assert_eq!(seasons[0]["episodes"][0]["filler"], true);
    assert_eq!(v["cast"][0]["name"], "Lena Dunham");
    assert_eq!(v["cast"][0]["role"], "Hannah Horvath");
    assert!(
        v["external_ids"]
            .as_array()
            .unwrap()
            .contains(&json!(["imdb", "tt1723816"]))
    );
}

#[test]
fn home_and_category_page() {
    let (_d, engine) = engine();
    let home = call(&engine, Request::Home { page: None });
    let sections = home["sections"].as_array().unwrap();
    assert_eq!(sections[0]["id"], "today");
    assert_eq!(
        sections[0]["items"].as_array().unwrap().len(),
        2,
        "shows deduplicated"
    );
    assert_eq!(sections[1]["layout"], "grid");
    assert_eq!(sections[1]["more"], "shows");
    let page0 = call(
        &engine,
        Request::Category {
            id: "shows".into(),
            page: None,
        },
    );
    assert_eq!(page0["items"].as_array().unwrap().len(), 4);
    assert_eq!(page0["next_page"], "1");
    let page1 = call(
        &engine,
        Request::Category {
            id: "shows".into(),
            page: Some("1".into()),
        },
    );
    assert_eq!(page1["items"], json!([]));
    assert_eq!(page1["next_page"], Value::Null);
}

#[test]
fn errors_from_the_source_and_the_contract() {
    let (_d, engine) = engine();
    let err = engine
        .call(
            ID,
            &Request::Info {
                id: "show:999999".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PluginError);
    assert!(err.to_string().starts_with("not_found:"), "{err}");
    let err = engine
        .call(ID, &Request::Info { id: "139".into() })
        .unwrap_err();
    assert!(err.to_string().starts_with("invalid_input:"), "{err}");
    let err = engine
        .call(
            ID,
            &Request::Servers {
                id: "episode:1".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unsupported);
    let err = engine
        .call(
            ID,
            &Request::Search {
                query: "not recorded".into(),
                filters: json!({}),
                page: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network);
    assert!(
        err.to_string()
            .contains("no recording for GET https://api.tvmaze.com/search/shows?q=not%20recorded"),
        "{err}"
    );
}

#[test]
fn call_options_reach_the_plugin_and_its_log() {
    let (_d, engine) = engine();
    let opts = CallOptions {
        request_id: Some("player-7".into()),
        locale: Some("en-US".into()),
        region: Some("US".into()),
        extra: vec![],
        ..Default::default()
    };
    let json = engine
        .call_with(
            ID,
            &Request::Search {
                query: "girls".into(),
                filters: json!({}),
                page: None,
            },
            &opts,
        )
        .unwrap();
    assert!(json.contains("Girls"));
}
