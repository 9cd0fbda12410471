//! The CLI's call commands: JSON results on stdout, errors as code and
//! message with the code's exit status.

mod common;

use std::path::Path;
use std::process::Command;

use bex_engine::ErrorCode;
use bex_engine::package::PackageLimits;
use common::cli::Cli;
use serde_json::{Value, json};

/// A data directory with the TVmaze and the test plugin installed, and
/// HTTP served from the TVmaze fixtures.
fn cli() -> Cli {
    let fixtures = common::root().join("plugins/tvmaze/fixtures");
    let cli = Cli::new().with(&["--replay".as_ref(), fixtures.as_os_str()]);
    let (manifest, wasm) = common::tvmaze();
    install(&cli, &manifest, wasm, "tvmaze.bex");
    let hostile = common::Hostile::default();
    install(
        &cli,
        &hostile.manifest(),
        common::wasm("bex_hostile"),
        "hostile.bex",
    );
    cli
}

fn install(cli: &Cli, manifest: &str, wasm: Vec<u8>, name: &str) {
    let path = cli.path(name);
    bex_engine::pack(manifest, wasm)
        .unwrap()
        .write_file(&path, &PackageLimits::default())
        .unwrap();
    cli.json(&["install", path.to_str().unwrap()]);
}

#[test]
fn tvmaze_calls_print_the_documented_json() {
    let cli = cli();
    let v = cli.json(&["search", "bex.tvmaze", "girls"]);
    assert_eq!(v["items"][0]["title"], "Girls");
    let one_line = cli.run(&["--json", "search", "bex.tvmaze", "girls"]);
    assert_eq!(
        String::from_utf8_lossy(&one_line.stdout)
            .trim_end()
            .lines()
            .count(),
        1
    );
    let v = cli.json(&["search", "bex.tvmaze", "girls", "--genre", "comedy"]);
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let v = cli.json(&["info", "bex.tvmaze", "show:139"]);
    assert_eq!(v["seasons"][1]["episodes"][1]["title"], "Vagina Panic");
    let v = cli.json(&["home", "bex.tvmaze"]);
    assert_eq!(v["sections"][1]["title"], "Popular");
    let v = cli.json(&["category", "bex.tvmaze", "shows", "--page", "1"]);
    assert_eq!(v["items"], json!([]));
    // Without --json: the same JSON, pretty.
    let out = cli.run(&["search", "bex.tvmaze", "girls"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() > 10);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["items"][0]["id"],
        "show:139"
    );
}

#[test]
fn servers_then_stream_round_trips_records() {
    let cli = cli();
    let servers = cli.json(&["servers", "bex.hostile", "ep$1"]);
    let server = &servers[0];
    assert_eq!(server["id"], "ep$1$srv=1");
    assert_eq!(server["dub_status"], json!(["subbed", "dubbed"]));
    let streams = cli.json(&["stream", "bex.hostile", &server.to_string()]);
    let s = &streams[0];
    assert_eq!(s["url"], "https://media.example.org/embed/1/master.m3u8");
    assert_eq!(s["container"], "hls");
    assert_eq!(s["quality"], 1080);
    assert_eq!(
        s["headers"],
        json!([["Referer", "https://media.example.org/"]])
    );
    assert_eq!(s["subtitles"][0]["format"], "vtt");
    assert_eq!(s["drm"]["scheme"], "widevine");
    assert_eq!(s["extra"], json!([["k", "v"]]));
    // Optional fields may be left out of the input.
    let minimal = json!({"id": "x", "name": "Minimal", "dub_status": []});
    let v = cli.json(&["stream", "bex.hostile", &minimal.to_string()]);
    assert_eq!(v[0]["url"], "https://media.example.org/master.m3u8");
    // Malformed input names what is wrong.
    cli.fails(
        &["stream", "bex.hostile", "{not json"],
        ErrorCode::InvalidArgument,
    );
    let e = cli.fails(
        &["stream", "bex.hostile", r#"{"id": "x"}"#],
        ErrorCode::InvalidArgument,
    );
    assert!(e.contains("server.name: missing"), "{e}");
    let e = cli.fails(
        &[
            "stream",
            "bex.hostile",
            r#"{"id": "x", "name": "n", "quality": "high"}"#,
        ],
        ErrorCode::InvalidArgument,
    );
    assert!(
        e.contains("server.quality: invalid type: string \"high\", expected u32"),
        "{e}"
    );
    let e = cli.fails(
        &[
            "stream",
            "bex.hostile",
            r#"{"id": "x", "name": "n", "surprise": 1}"#,
        ],
        ErrorCode::InvalidArgument,
    );
    assert!(e.contains("server.surprise: unknown field"), "{e}");
}

#[test]
fn subtitles_articles_and_pages() {
    let cli = cli();
    let subs = cli.json(&[
        "subtitles",
        "bex.hostile",
        "Night",
        "--lang",
        "en",
        "--lang",
        "pt-BR",
    ]);
    assert_eq!(subs.as_array().unwrap().len(), 2);
    assert_eq!(subs[1]["language"], "pt-BR");
    let q = json!({"title": "Night", "languages": ["de"], "season": 2, "external_ids": [["imdb", "tt1"]]});
    let subs = cli.json(&["subtitles", "bex.hostile", &q.to_string()]);
    assert_eq!(subs[0]["downloads"], 2);
    assert_eq!(subs[0]["extra"], json!([["imdb", "tt1"]]));
    let file = cli.json(&["subtitle", "bex.hostile", "Night:de"]);
    assert_eq!(file["file_name"], "Night:de.srt");
    assert!(file["content"].as_str().unwrap().contains("Hello"));
    let a = cli.json(&["search-articles", "bex.hostile", "news"]);
    assert_eq!(
        a["sections"][0]["items"][0]["published_at"],
        1_700_000_000_000u64
    );
    let a = cli.json(&["articles", "bex.hostile", "--page", "p2"]);
    assert_eq!(a["next_page"], "p2");
    let home = cli.json(&["home", "bex.hostile", "--page", "p"]);
    assert_eq!(home["next_page"], "p+1");
    assert_eq!(home["sections"][0]["layout"], "list");
    let c = cli.json(&["category", "bex.hostile", "all", "--page", "3"]);
    assert_eq!(c["items"][0]["title"], "all/3");
}

#[test]
fn call_options_reach_the_plugin() {
    let cli = cli();
    let v = cli.json(&[
        "--locale",
        "pt-BR",
        "--region",
        "BR",
        "search",
        "bex.hostile",
        "echo",
        "--kind",
        "movie",
        "--year",
        "1999",
        "--sort",
        "rating",
        "--page",
        "p9",
    ]);
    let card = &v["items"][0];
    assert!(
        card["title"]
            .as_str()
            .unwrap()
            .ends_with("|Some(\"pt-BR\")|Some(\"BR\")"),
        "{card}"
    );
    assert_eq!(card["kind"], "movie");
    assert_eq!(card["year"], 1999);
    assert_eq!(card["description"], "p9");
    let extra = card["extra"].to_string();
    assert!(extra.contains("Rating"), "{extra}");
}

#[test]
fn call_errors_exit_with_their_codes() {
    let cli = cli();
    cli.fails(
        &["servers", "bex.tvmaze", "episode:1"],
        ErrorCode::Unsupported,
    );
    cli.fails(
        &["info", "bex.tvmaze", "show:999999"],
        ErrorCode::PluginError,
    );
    let e = cli.fails(&["search", "bex.tvmaze", "unrecorded"], ErrorCode::Network);
    assert!(
        e.contains("no recording for GET https://api.tvmaze.com/search/shows?q=unrecorded"),
        "{e}"
    );
    cli.fails(
        &["search", "bex.hostile", "panic:cli"],
        ErrorCode::PluginFault,
    );
    cli.fails(&["home", "bex.absent"], ErrorCode::NotFound);
    cli.fails(
        &["search", "bex.tvmaze", "girls", "--kind", "opera"],
        ErrorCode::InvalidArgument,
    );
    let out = cli.run(&["search", "bex.tvmaze"]);
    assert_eq!(
        out.status.code(),
        Some(64),
        "missing QUERY is a usage error"
    );
    cli.json(&["disable", "bex.tvmaze"]);
    cli.fails(&["search", "bex.tvmaze", "girls"], ErrorCode::Disabled);
}

#[test]
fn verbose_prints_tagged_plugin_logs() {
    let cli = cli();
    let out = cli.run(&["-v", "search", "bex.hostile", "print"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bex.hostile") && stderr.contains("stdout] hello on stdout"),
        "{stderr}"
    );
    let quiet = cli.run(&["search", "bex.hostile", "print"]);
    assert!(quiet.stderr.is_empty(), "no log output without -v");
}

#[test]
fn record_flag_writes_recordings() {
    let cli = cli();
    let rec: &Path = &cli.path("rec");
    // Recording needs the network; a plugin without hosts records nothing
    // but the flag must still open a recorder.
    let out = Command::new(env!("CARGO_BIN_EXE_bex"))
        .arg("--data-dir")
        .arg(cli.data())
        .arg("--record")
        .arg(rec)
        .args(["search", "bex.hostile", "ok"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(rec.is_dir());
}

#[test]
fn bex_run_calls_a_build_without_installing_it() {
    // A fresh data directory: nothing installed, and nothing after.
    let fixtures = common::root().join("plugins/tvmaze/fixtures");
    let cli = Cli::new().with(&["--replay".as_ref(), fixtures.as_os_str()]);
    let (manifest, wasm) = common::tvmaze();
    let manifest_path = cli.path("manifest.yaml");
    std::fs::write(&manifest_path, &manifest).unwrap();
    let wasm_path = cli.path("bex_tvmaze.wasm");
    std::fs::write(&wasm_path, &wasm).unwrap();
    let package = cli.path("tvmaze.bex");
    bex_engine::pack(&manifest, wasm)
        .unwrap()
        .write_file(&package, &PackageLimits::default())
        .unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();

    // From the package, and from the component and its manifest; twice
    // in a row (the edit-build-run loop), with no flag.
    for _ in 0..2 {
        let page = cli.json(&["run", &s(&package), "search", "girls"]);
        assert_eq!(page["items"][0]["title"], "Girls");
        let info = cli.json(&[
            "run",
            &s(&wasm_path),
            "--manifest",
            &s(&manifest_path),
            "info",
            "show:139",
        ]);
        assert_eq!(info["title"], "Girls");
    }
    assert_eq!(cli.json(&["list"]), json!([]));
    // What is not a call, or a call without its arguments, says so.
    let e = cli.fails(&["run", &s(&package), "list"], ErrorCode::InvalidArgument);
    assert!(e.contains("not a plugin call"), "{e}");
    let e = cli.fails(&["run", &s(&package), "search"], ErrorCode::InvalidArgument);
    assert!(e.contains("query"), "{e}");
    // The plugin's own errors come back as for an installed plugin, with
    // the start of the API's error body.
    let e = cli.fails(
        &["run", &s(&package), "info", "show:999999"],
        ErrorCode::PluginError,
    );
    assert!(
        e.contains("not_found: ") && e.contains("HTTP 404: {"),
        "{e}"
    );
}
