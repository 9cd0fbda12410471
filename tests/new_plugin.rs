//! `bex new` to an installed plugin that passes its own offline test, by
//! exactly the steps of docs/writing-plugins.md, and the scaffold's
//! refusals. The nested cargo builds run offline (`CARGO_NET_OFFLINE`):
//! the crates they need are the plugin workspace's, already fetched.

use std::path::Path;
use std::process::{Command, Output};

const BEX: &str = env!("CARGO_BIN_EXE_bex");
/// Step 2 of docs/writing-plugins.md: build the component.
const BUILD: [&str; 4] = ["build", "--target", "wasm32-wasip2", "--release"];

fn run(dir: &Path, data: &Path, program: &str, args: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("BEX_DATA_DIR", data)
        .env("BEX_BIN", BEX)
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn from_bex_new_to_an_installed_plugin_that_passes_its_offline_test() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());

    // 1. Scaffold.
    let out = run(tmp.path(), &data, BEX, &["new", "demo-source"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("created ./demo-source"));
    // Moved elsewhere before it is built, as a colleague's clone or CI
    // would have it: nothing in it may name the machine that made it.
    let elsewhere = tmp.path().join("another").join("machine");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let plugin = elsewhere.join("demo-source");
    std::fs::rename(tmp.path().join("demo-source"), &plugin).unwrap();
    let cargo_toml = std::fs::read_to_string(plugin.join("Cargo.toml")).unwrap();
    assert!(
        cargo_toml.contains("bex-pdk = { path = \"bex-pdk\" }"),
        "{cargo_toml}"
    );
    // 2. Build the component.
    run(&plugin, &data, &cargo, &BUILD);
    // 2b. Try it straight from the build, nothing installed.
    let out = run(
        &plugin,
        &data,
        BEX,
        &[
            "--json",
            "--replay",
            "fixtures",
            "run",
            "target/wasm32-wasip2/release/demo_source.wasm",
            "search",
            "example",
        ],
    );
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["items"][0]["title"], "Example Title");
    // 3. Pack it.
    let wasm = "target/wasm32-wasip2/release/demo_source.wasm";
    run(
        &plugin,
        &data,
        BEX,
        &["pack", "manifest.yaml", wasm, "demo-source.bex"],
    );
    // 4. Install it.
    let out = run(&plugin, &data, BEX, &["install", "demo-source.bex"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("bex.demo-source 0.1.0: installed"));
    // 5. Call it offline from the CLI, against its fixtures.
    let out = run(
        &plugin,
        &data,
        BEX,
        &[
            "--json",
            "--replay",
            "fixtures",
            "search",
            "bex.demo-source",
            "example",
        ],
    );
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["items"][0]["title"], "Example Title");
    // 6. Its own offline test passes.
    let out = run(&plugin, &data, &cargo, &["test"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("test result: ok. 4 passed"), "{text}");

    // A second round, edit -> build -> run, needs no flag.
    let lib = plugin.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    let edited = source.replace(
        "card.year = hit.year;",
        "card.year = hit.year;\n                card.title.push_str(\" (edited)\");",
    );
    assert_ne!(edited, source);
    std::fs::write(&lib, edited).unwrap();
    run(&plugin, &data, &cargo, &BUILD);
    let out = run(
        &plugin,
        &data,
        BEX,
        &[
            "--json", "--replay", "fixtures", "run", wasm, "search", "example",
        ],
    );
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["items"][0]["title"], "Example Title (edited)");

    // manifest.yaml is the one declaration: a trait impl it does not
    // provide, or a capability it provides without the impl, fails the
    // build naming the manifest and what to change.
    let manifest = plugin.join("manifest.yaml");
    let original = std::fs::read_to_string(&manifest).unwrap();
    let cases = [
        (
            original.replace("  info: true", "  info: false"),
            vec![
                "`Plugin` implements `bex_pdk::Info`, but manifest.yaml does not provide `info`",
                "add `info: true` under `provides:` in manifest.yaml, or remove this impl",
            ],
        ),
        (
            original.replace("  home: false", "  home: true"),
            vec![
                "manifest.yaml:8 provides `home`, but `Plugin` does not implement `bex_pdk::Home`",
                "add `impl bex_pdk::Home for Plugin`",
                "or remove `home` from `provides` in manifest.yaml (line 8)",
            ],
        ),
        (
            original.replace("  info: true", "  infos: true"),
            vec![
                "manifest.yaml:11: `infos` is not a capability; `provides` takes home, category, search, info, servers, stream, subtitles, articles",
            ],
        ),
    ];
    for (text, wanted) in cases {
        assert_ne!(text, original);
        std::fs::write(&manifest, text).unwrap();
        let stderr = build_fails(&cargo, &plugin);
        for w in wanted {
            assert!(stderr.contains(w), "missing {w:?} in:\n{stderr}");
        }
    }
    // Put back, it builds again.
    std::fs::write(&manifest, original).unwrap();
    run(&plugin, &data, &cargo, &BUILD);
}

/// Builds the plugin, which must fail; its stderr.
fn build_fails(cargo: &str, plugin: &Path) -> String {
    let out = Command::new(cargo)
        .args(BUILD)
        .current_dir(plugin)
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the build passed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn bex_new(dir: &Path, args: &[&str]) -> Output {
    Command::new(BEX)
        .arg("new")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn the_scaffold_refuses_bad_names_capabilities_hosts_and_existing_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let refused = |args: &[&str], code: i32, text: &str| {
        let out = bex_new(tmp.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(text), "{args:?}: {stderr}");
    };
    refused(&["Bad_Name"], 18, "a name is 1-64 of a-z 0-9 -");
    refused(
        &["ok", "--capabilities", "search,teleport"],
        18,
        "unknown capability \"teleport\"",
    );
    refused(&["ok", "--host", "http://x"], 2, "INVALID_MANIFEST");
    refused(&["ok", "--host", "127.0.0.1"], 2, "INVALID_MANIFEST");
    assert!(
        !tmp.path().join("ok").exists(),
        "nothing written on refusal"
    );
    std::fs::create_dir(tmp.path().join("taken")).unwrap();
    refused(&["taken"], 18, "already exists");
}

#[test]
fn every_capability_gets_its_export_and_manifest_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let all = "home,category,search,info,servers,stream,subtitles,articles";
    let out = bex_new(
        tmp.path(),
        &["every", "--capabilities", all, "--host", "api.example.org"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tmp.path().join("every");
    // manifest.yaml is the one declaration: no world of the plugin's own,
    // the build script turns `provides` into the exports.
    assert!(!dir.join("wit").exists());
    let manifest = std::fs::read_to_string(dir.join("manifest.yaml")).unwrap();
    for cap in all.split(',') {
        assert!(manifest.contains(&format!("  {cap}: true\n")), "{manifest}");
    }
    assert!(manifest.contains("- api.example.org"), "{manifest}");
    let build = std::fs::read_to_string(dir.join("build.rs")).unwrap();
    assert!(build.contains("bex_pdk::build::plugin();"), "{build}");
    let source = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    assert!(
        source.contains("bex_pdk::export_plugin!(Plugin);"),
        "{source}"
    );
    assert!(source.contains("impl bex_pdk::Streams for Plugin"));
    // Every stub matches its capability: it compiles with all eight.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(&cargo)
        .args(["check", "--target", "wasm32-wasip2"])
        .current_dir(&dir)
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The contract travels with the kit.
    let contract = std::fs::read_to_string(dir.join("bex-pdk/wit/plugin.wit")).unwrap();
    assert_eq!(contract, include_str!("../wit/plugin.wit"));
    // So does the kit: every file of plugins/bex-pdk/src, as it is, and
    // the same dependencies as the plugins workspace gives it.
    let kit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/bex-pdk");
    let mut sources: Vec<_> = std::fs::read_dir(kit.join("src"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    sources.sort();
    let mut vendored: Vec<_> = std::fs::read_dir(dir.join("bex-pdk/src"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    vendored.sort();
    assert_eq!(
        vendored, sources,
        "the kit's files and bex new's list differ (src/bin/bex/kit.rs)"
    );
    for name in &sources {
        assert_eq!(
            std::fs::read(dir.join("bex-pdk/src").join(name)).unwrap(),
            std::fs::read(kit.join("src").join(name)).unwrap(),
            "{name:?}"
        );
    }
    let workspace = std::fs::read_to_string(kit.join("../Cargo.toml")).unwrap();
    let vendored_toml = std::fs::read_to_string(dir.join("bex-pdk/Cargo.toml")).unwrap();
    for dep in ["wit-bindgen = ", "serde = ", "serde_json = ", "scraper = "] {
        let line = |text: &str| {
            text.lines()
                .find(|l| l.starts_with(dep))
                // The kit's own optional dependency is a workspace one there.
                .map(|l| l.replace(", optional = true", ""))
        };
        assert_eq!(line(&vendored_toml), line(&workspace), "{dep}");
    }
}
