//! `bex new`: scaffolds a plugin in its own directory (manifest, build
//! script, source over the plugin kit, a recorded fixture and an offline test),
//! buildable at once with `cargo build --target wasm32-wasip2 --release`
//! and packable with `bex pack` (docs/writing-plugins.md).

use std::path::{Path, PathBuf};

use bex_engine::manifest::{Manifest, validate_plugin_id};
use bex_engine::{Error, Result};
use serde_json::json;

use crate::args::New;
use crate::output::Report;

/// Capabilities as `--capabilities` and the manifest's `provides` name
/// them, with the stub a capability without a template starts with.
const CAPABILITIES: &[(&str, &str)] = &[
    ("home", STUB_HOME),
    ("category", STUB_CATEGORY),
    ("search", ""),
    ("info", ""),
    ("servers", STUB_SERVERS),
    ("stream", STUB_STREAMS),
    ("subtitles", STUB_SUBTITLES),
    ("articles", STUB_ARTICLES),
];

const STUB_HOME: &str = "
impl bex_pdk::Home for Plugin {
    fn get_home(_ctx: RequestContext, _page: Option<String>) -> Result<bex_pdk::HomePage> {
        // Fetch the source's home rows from BASE; build them with
        // bex_pdk::records::section.
        Err(bex_pdk::Error::unsupported(\"get-home is not written yet\"))
    }
}
";
const STUB_CATEGORY: &str = "
impl bex_pdk::Category for Plugin {
    fn get_category(
        _ctx: RequestContext,
        _id: String,
        _page: Option<String>,
    ) -> Result<bex_pdk::PagedResult> {
        Err(bex_pdk::Error::unsupported(\"get-category is not written yet\"))
    }
}
";
const STUB_SERVERS: &str = "
impl bex_pdk::Servers for Plugin {
    fn get_servers(_ctx: RequestContext, _id: String) -> Result<Vec<bex_pdk::Server>> {
        Err(bex_pdk::Error::unsupported(\"get-servers is not written yet\"))
    }
}
";
const STUB_STREAMS: &str = "
impl bex_pdk::Streams for Plugin {
    fn resolve_stream(
        _ctx: RequestContext,
        _server: bex_pdk::Server,
    ) -> Result<Vec<bex_pdk::StreamSource>> {
        Err(bex_pdk::Error::unsupported(\"resolve-stream is not written yet\"))
    }
}
";
const STUB_SUBTITLES: &str = "
impl bex_pdk::Subtitles for Plugin {
    fn search_subtitles(
        _ctx: RequestContext,
        _query: bex_pdk::SubtitleQuery,
    ) -> Result<Vec<bex_pdk::SubtitleEntry>> {
        Err(bex_pdk::Error::unsupported(\"search-subtitles is not written yet\"))
    }

    fn download_subtitle(_ctx: RequestContext, _id: String) -> Result<bex_pdk::SubtitleFile> {
        Err(bex_pdk::Error::unsupported(\"download-subtitle is not written yet\"))
    }
}
";
const STUB_ARTICLES: &str = "
impl bex_pdk::Articles for Plugin {
    fn get_articles(_ctx: RequestContext, _page: Option<String>) -> Result<bex_pdk::ArticlePage> {
        Err(bex_pdk::Error::unsupported(\"get-articles is not written yet\"))
    }

    fn search_articles(
        _ctx: RequestContext,
        _query: String,
        _page: Option<String>,
    ) -> Result<bex_pdk::ArticlePage> {
        Err(bex_pdk::Error::unsupported(\"search-articles is not written yet\"))
    }
}
";

pub fn run(c: &New) -> Result<Report> {
    let name = c.name.as_str();
    validate_plugin_id(&format!("bex.{name}")).map_err(|_| {
        invalid(format!(
            "{name:?}: a name is 1-64 of a-z 0-9 - (the id is bex.NAME)"
        ))
    })?;
    let wanted: Vec<&str> = c
        .capabilities
        .as_deref()
        .unwrap_or("search,info")
        .split(',')
        .map(str::trim)
        .collect();
    let mut caps = Vec::new();
    for w in &wanted {
        let cap = CAPABILITIES.iter().find(|(n, ..)| n == w).ok_or_else(|| {
            let known: Vec<_> = CAPABILITIES.iter().map(|(n, ..)| *n).collect();
            invalid(format!(
                "unknown capability {w:?}; known: {}",
                known.join(", ")
            ))
        })?;
        if !caps.contains(&cap) {
            caps.push(cap);
        }
    }
    let host = c.host.as_deref().unwrap_or("api.example.com");
    let parent = c.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = parent.join(name);
    if root.exists() {
        return Err(invalid(format!("{} already exists", root.display())));
    }
    // The kit: vendored into the plugin (it builds anywhere), or a kit
    // checkout's when asked (kit development).
    let pdk = match &c.pdk {
        Some(p) => {
            if !p.join("Cargo.toml").is_file() {
                return Err(invalid(format!(
                    "{} is not the plugin kit (no Cargo.toml): pass PATH/TO/plugins/bex-pdk",
                    p.display()
                )));
            }
            std::fs::canonicalize(p).map_err(|e| io(p, e))?
        }
        None => PathBuf::from("bex-pdk"),
    };

    let has = |n: &str| caps.iter().any(|(c, ..)| *c == n);
    let title = title_case(name);
    let fill = |template: &str, extra: &[(&str, &str)]| {
        let mut s = template
            .replace("{{name}}", name)
            .replace("{{crate}}", &name.replace('-', "_"))
            .replace("{{title}}", &title)
            .replace("{{host}}", host)
            .replace("{{pdk}}", &pdk.display().to_string());
        for (k, v) in extra {
            s = s.replace(&format!("{{{{{k}}}}}"), v);
        }
        s
    };
    let provides: String = CAPABILITIES
        .iter()
        .map(|(n, ..)| format!("  {n}: {}\n", caps.iter().any(|(c, ..)| c == n)))
        .collect();
    let manifest = fill(
        include_str!("template/manifest.yaml.in"),
        &[("provides", provides.trim_end())],
    );
    // The scaffold must itself be a valid manifest (a bad --host says so here).
    Manifest::parse(&manifest)?;
    let mut impls = String::new();
    let mut tests = String::new();
    for (n, stub) in &caps {
        match *n {
            "search" => {
                impls.push_str(include_str!("template/search.rs.in"));
                tests.push_str(include_str!("template/search_test.rs.in"));
            }
            "info" => {
                impls.push_str(include_str!("template/info.rs.in"));
                tests.push_str(include_str!("template/info_test.rs.in"));
            }
            _ => impls.push_str(stub),
        }
    }
    let base_attr = if has("search") || has("info") {
        ""
    } else {
        "#[allow(dead_code)] // until an operation fetches from it\n"
    };
    let mut files: Vec<(PathBuf, String)> = vec![
        (
            "Cargo.toml".into(),
            fill(include_str!("template/Cargo.toml.in"), &[]),
        ),
        ("manifest.yaml".into(), manifest),
        (
            "README.md".into(),
            fill(include_str!("template/README.md.in"), &[]),
        ),
        (
            ".gitignore".into(),
            include_str!("template/gitignore.in").into(),
        ),
        (
            "build.rs".into(),
            include_str!("template/build.rs.in").into(),
        ),
        (
            "src/lib.rs".into(),
            fill(
                include_str!("template/lib.rs.in"),
                &[("impls", &impls), ("base_attr", base_attr)],
            ),
        ),
        ("fixtures/README.md".into(), fill(FIXTURES_README, &[])),
    ];
    if !tests.is_empty() {
        files.push((
            "tests/offline.rs".into(),
            fill(include_str!("template/offline.rs.in"), &[("tests", &tests)]),
        ));
    }
    if has("search") {
        files.extend(fixture(
            host,
            "search-example",
            "/search?q=example&page=1",
            200,
            SEARCH_BODY,
        ));
    }
    if has("info") {
        files.extend(fixture(host, "title-1", "/titles/1", 200, TITLE_BODY));
        files.extend(fixture(
            host,
            "title-999",
            "/titles/999",
            404,
            NOT_FOUND_BODY,
        ));
    }
    if c.pdk.is_none() {
        files.extend(
            crate::kit::FILES
                .iter()
                .map(|(path, text)| (Path::new("bex-pdk").join(path), text.to_string())),
        );
    }
    for (path, text) in &files {
        let path = root.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        }
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    let listed: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    let text = format!(
        "created {} (bex.{name}: {}) with {} files\nnext: cd {} && cargo build --target wasm32-wasip2 --release (docs/writing-plugins.md)",
        root.display(),
        wanted.join(", "),
        files.len(),
        root.display()
    );
    Ok(Report::new(
        json!({"dir": root.display().to_string(), "id": format!("bex.{name}"), "files": listed}),
        text,
    ))
}

const FIXTURES_README: &str = "# Fixtures\n\nRecorded HTTP exchanges the plugin's tests and `bex --replay fixtures`\nserve instead of the network (docs/recording.md). These were written by\n`bex new` for the example api at {{host}}; replace them with recordings\nof the real source:\n\n    bex --record fixtures search bex.{{name}} \"some query\"\n";
const SEARCH_BODY: &str = "{\"page\":1,\"total_pages\":1,\"results\":[{\"id\":1,\"title\":\"Example Title\",\"year\":2001},{\"id\":2,\"title\":\"Another Example\",\"year\":1999}]}\n";
const TITLE_BODY: &str = "{\"id\":1,\"title\":\"Example Title\",\"year\":2001,\"overview\":\"An example title, served from a recorded fixture.\",\"genres\":[\"Drama\"]}\n";
const NOT_FOUND_BODY: &str = "{\"error\":\"not found\"}\n";

/// A recording of `GET https://host{path}` and its body file.
fn fixture(host: &str, stem: &str, path: &str, status: u16, body: &str) -> [(PathBuf, String); 2] {
    let recording = json!({
        "bex_recording": 1,
        "request": {"method": "GET", "url": format!("https://{host}{path}"), "body_sha256": null},
        "response": {
            "status": status,
            "headers": [["content-type", "application/json"]],
            "body_file": format!("{stem}.body"),
        },
    });
    let text = serde_json::to_string_pretty(&recording).expect("a recording serializes") + "\n";
    [
        (PathBuf::from(format!("fixtures/{stem}.json")), text),
        (PathBuf::from(format!("fixtures/{stem}.body")), body.into()),
    ]
}

/// `demo-source` -> `Demo Source`.
fn title_case(name: &str) -> String {
    name.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn invalid(message: String) -> Error {
    Error::InvalidArgument(message)
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}
