//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod cli;
pub mod repo_server;
pub mod server;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bex_engine::{Engine, EngineConfig, LogRecord, Request};

/// Waits (bounded: 10 s, then the test fails naming `what`) until `f`
/// holds, yielding between looks.
pub fn until(what: &str, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "never: {what}"
        );
        std::thread::yield_now();
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A plugin component built by `make plugins` (wasm32-wasip2, release).
pub fn wasm(crate_name: &str) -> Vec<u8> {
    let dir = std::env::var_os("BEX_WASM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/wasm32-wasip2/release"));
    let path = dir.join(format!("{}.wasm", crate_name.replace('-', "_")));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build the plugins first with `make plugins`",
            path.display()
        )
    })
}

/// The manifest of a plugin under `plugins/`.
pub fn plugin_manifest(dir: &str) -> String {
    std::fs::read_to_string(root().join("plugins").join(dir).join("manifest.yaml")).unwrap()
}

/// The TVmaze plugin's component and manifest.
pub fn tvmaze() -> (String, Vec<u8>) {
    (plugin_manifest("tvmaze"), wasm("bex_tvmaze"))
}

/// Options of the test plugin's manifest.
pub struct Hostile {
    pub id: &'static str,
    pub hosts: Vec<String>,
    pub storage: &'static str,
    pub secrets: &'static str,
    pub network: &'static str,
    pub limits: &'static str,
}

impl Default for Hostile {
    fn default() -> Self {
        Hostile {
            id: "bex.hostile",
            hosts: vec![],
            storage: "storage: { quota_kb: 64 }",
            secrets: "secrets: [api-key]",
            network: "",
            limits: "",
        }
    }
}

impl Hostile {
    pub fn manifest(&self) -> String {
        let hosts: Vec<String> = self.hosts.iter().map(|h| format!("\"{h}\"")).collect();
        format!(
            "schema: 1\nid: {}\nname: Hostile\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {{home: true, category: true, search: true, info: true, servers: true, stream: true, subtitles: true, articles: true}}\nnetwork:\n  hosts: [{}]\n{}\n{}\n{}\n{}\n",
            self.id,
            hosts.join(", "),
            self.network,
            self.storage,
            self.secrets,
            self.limits
        )
    }

    /// Packs the test plugin with this manifest and installs it.
    pub fn install(&self, engine: &Engine) {
        let package = bex_engine::pack(&self.manifest(), wasm("bex_hostile")).unwrap();
        // Tests reinstall it with other permissions on purpose.
        let options = bex_engine::store::InstallOptions {
            force: true,
            accept_permissions: true,
            accept_unverified: true,
        };
        engine.install_with(&package, options).unwrap();
    }
}

/// An engine over a fresh data directory; log records are collected.
pub struct TestEngine {
    pub dir: tempfile::TempDir,
    pub engine: Engine,
    pub logs: Arc<Mutex<Vec<LogRecord>>>,
}

impl TestEngine {
    pub fn new(configure: impl FnOnce(EngineConfig) -> EngineConfig) -> TestEngine {
        let dir = tempfile::tempdir().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let config =
            configure(EngineConfig::new(dir.path().join("data")).allow_unsigned_packages(true))
                .log_sink(move |r| sink.lock().unwrap().push(r.clone()));
        TestEngine {
            engine: Engine::open(config).unwrap(),
            dir,
            logs,
        }
    }

    /// `search` on `id` with `query`.
    pub fn search(&self, id: &str, query: &str) -> bex_engine::Result<String> {
        self.engine.call(
            id,
            &Request::Search {
                query: query.into(),
                filters: serde_json::json!({}),
                page: None,
            },
        )
    }

    pub fn logs(&self) -> Vec<LogRecord> {
        self.logs.lock().unwrap().clone()
    }
}

/// The title of the first card of a paged result.
pub fn title(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["items"][0]["title"].as_str().unwrap().to_string()
}
