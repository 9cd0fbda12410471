//! The `bex` CLI: every command, its JSON output, and its exit codes
//! (0 success, 64 usage, otherwise the error code's number).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use bex_engine::ErrorCode;
use common::cli::Cli;
use serde_json::Value;

/// Packs the TVmaze plugin with `manifest` (its real one if None).
fn pack_tvmaze(cli: &Cli, name: &str, manifest: Option<&str>) -> PathBuf {
    let (real, wasm) = common::tvmaze();
    let manifest_path = cli.path(&format!("{name}.yaml"));
    std::fs::write(&manifest_path, manifest.unwrap_or(&real)).unwrap();
    let wasm_path = cli.path("tvmaze.wasm");
    std::fs::write(&wasm_path, wasm).unwrap();
    let out = cli.path(&format!("{name}.bex"));
    let key = publisher_key(cli, "publisher.key");
    let v = cli.json(&[
        "pack",
        s(&manifest_path),
        s(&wasm_path),
        s(&out),
        "--key",
        s(&key),
    ]);
    assert_eq!(v["id"], "bex.tvmaze");
    assert!(v["publisher"].as_str().unwrap().starts_with("ed25519:"));
    out
}

/// The signing key `name` in the test's directory, made by `bex keygen`
/// the first time.
fn publisher_key(cli: &Cli, name: &str) -> PathBuf {
    let key = cli.path(name);
    if !key.exists() {
        cli.json(&["keygen", s(&key)]);
    }
    key
}
fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn full_lifecycle_through_the_cli() {
    let cli = Cli::new();
    let pkg = pack_tvmaze(&cli, "tvmaze", None);

    let v = cli.json(&["inspect", s(&pkg)]);
    assert_eq!(v["manifest"]["id"], "bex.tvmaze");
    assert_eq!(v["sections"][1]["kind"], "component");
    assert_eq!(cli.json(&["verify", s(&pkg)])["ok"], true);

    let v = cli.json(&["install", s(&pkg)]);
    assert_eq!(v[0]["action"], "installed");
    let v = cli.json(&["list"]);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["id"], "bex.tvmaze");
    assert_eq!(v[0]["enabled"], true);
    let v = cli.json(&["plugin-info", "bex.tvmaze"]);
    assert_eq!(
        v["manifest"]["provides"],
        serde_json::json!(["home", "category", "search", "info"])
    );

    assert_eq!(cli.json(&["disable", "bex.tvmaze"])["was_enabled"], true);
    assert_eq!(cli.json(&["plugin-info", "bex.tvmaze"])["enabled"], false);
    cli.json(&["enable", "bex.tvmaze"]);

    let stats = cli.json(&["stats"]);
    assert_eq!(stats["plugins"], 1);
    assert_eq!(stats["components"], 1);

    let unpacked = cli.path("unpacked");
    cli.json(&["unpack", s(&pkg), s(&unpacked)]);
    assert_eq!(
        std::fs::read(unpacked.join("component.wasm")).unwrap(),
        common::wasm("bex_tvmaze")
    );

    let v = cli.json(&["uninstall", "bex.tvmaze"]);
    assert_eq!(v["components"], 1);
    assert_eq!(cli.json(&["list"]), serde_json::json!([]));
}

#[test]
fn human_output_is_readable() {
    let cli = Cli::new();
    let pkg = pack_tvmaze(&cli, "tvmaze", None);
    let out = cli.run(&["install", s(&pkg)]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "bex.tvmaze 1.0.0: installed"
    );
    let out = cli.run(&["list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("bex.tvmaze") && text.contains("enabled"),
        "{text}"
    );
}

#[test]
fn secrets_through_the_cli() {
    let cli = Cli::new();
    let manifest = common::plugin_manifest("tvmaze")
        .replace("storage: true", "storage: true\nsecrets: [api-key]");
    let pkg = pack_tvmaze(&cli, "keyed", Some(&manifest));
    cli.json(&["install", s(&pkg)]);
    cli.json(&["set-key", "bex.tvmaze", "api-key", "s3cret"]);
    assert_eq!(
        cli.json(&["get-key", "bex.tvmaze", "api-key"])["value"],
        "s3cret"
    );
    let out = cli.run(&["get-key", "bex.tvmaze", "api-key"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "s3cret");
    assert_eq!(
        cli.json(&["list-keys", "bex.tvmaze"])["keys"],
        serde_json::json!(["api-key"])
    );
    let e = cli.fails(
        &["set-key", "bex.tvmaze", "other", "x"],
        ErrorCode::InvalidArgument,
    );
    assert!(e.contains("does not declare"), "{e}");
    cli.json(&["delete-key", "bex.tvmaze", "api-key"]);
    cli.fails(&["get-key", "bex.tvmaze", "api-key"], ErrorCode::NotFound);
    cli.fails(
        &["delete-key", "bex.tvmaze", "api-key"],
        ErrorCode::NotFound,
    );
    assert_eq!(
        cli.json(&["list-keys", "bex.tvmaze"])["keys"],
        serde_json::json!([])
    );
}

#[test]
fn exit_codes_match_error_codes() {
    let cli = Cli::new();
    let pkg = pack_tvmaze(&cli, "tvmaze", None);

    // Usage errors.
    let out = cli.run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(64));
    let out = cli.run(&["install"]);
    assert_eq!(out.status.code(), Some(ErrorCode::InvalidArgument.number()));
    let help = Command::new(env!("CARGO_BIN_EXE_bex"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("set-key"));

    cli.fails(&["plugin-info", "bex.missing"], ErrorCode::NotFound);
    cli.fails(&["plugin-info", "NotAnId"], ErrorCode::InvalidArgument);
    cli.fails(&["inspect", s(&cli.path("nope.bex"))], ErrorCode::NotFound);

    let garbage = cli.path("garbage.bex");
    std::fs::write(&garbage, b"this is not a package").unwrap();
    cli.fails(&["install", s(&garbage)], ErrorCode::InvalidPackage);

    let mut bytes = std::fs::read(&pkg).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let corrupt = cli.path("corrupt.bex");
    std::fs::write(&corrupt, bytes).unwrap();
    cli.fails(&["install", s(&corrupt)], ErrorCode::HashMismatch);
    cli.fails(&["verify", s(&corrupt)], ErrorCode::HashMismatch);

    let bad_manifest = cli.path("bad.yaml");
    std::fs::write(&bad_manifest, "schema: 1\nid: nope\n").unwrap();
    let wasm = cli.path("tvmaze.wasm");
    cli.fails(
        &["pack", s(&bad_manifest), s(&wasm), s(&cli.path("x.bex"))],
        ErrorCode::InvalidManifest,
    );
    assert!(!cli.path("x.bex").exists());
    let abi = common::plugin_manifest("tvmaze").replace(">=1.0.0, <2.0.0", ">=2.0.0");
    std::fs::write(&bad_manifest, abi).unwrap();
    cli.fails(
        &["pack", s(&bad_manifest), s(&wasm), s(&cli.path("x.bex"))],
        ErrorCode::AbiMismatch,
    );
    let mismatch = common::plugin_manifest("tvmaze").replace("  info: true\n", "");
    std::fs::write(&bad_manifest, mismatch).unwrap();
    cli.fails(
        &["pack", s(&bad_manifest), s(&wasm), s(&cli.path("x.bex"))],
        ErrorCode::InvalidComponent,
    );

    // Versions: upgrade, refused downgrade, forced downgrade.
    let v2 = common::plugin_manifest("tvmaze").replace("version: 1.0.0", "version: 2.0.0");
    let pkg2 = pack_tvmaze(&cli, "v2", Some(&v2));
    cli.json(&["install", s(&pkg)]);
    assert_eq!(cli.json(&["install", s(&pkg2)])[0]["action"], "upgraded");
    let e = cli.fails(&["install", s(&pkg)], ErrorCode::Downgrade);
    assert!(e.contains("--force"), "{e}");
    assert_eq!(cli.json(&["plugin-info", "bex.tvmaze"])["version"], "2.0.0");
    assert_eq!(
        cli.json(&["install", "--force", s(&pkg)])[0]["action"],
        "downgraded"
    );
}

#[test]
fn signing_keys_rotations_and_pins_through_the_cli() {
    let cli = Cli::new();
    let (manifest, wasm) = common::tvmaze();
    let manifest_path = cli.path("m.yaml");
    std::fs::write(&manifest_path, &manifest).unwrap();
    let wasm_path = cli.path("c.wasm");
    std::fs::write(&wasm_path, wasm).unwrap();
    let unsigned = cli.path("unsigned.bex");
    cli.json(&["pack", s(&manifest_path), s(&wasm_path), s(&unsigned)]);
    assert!(cli.json(&["inspect", s(&unsigned)])["publisher"].is_null());

    let old = publisher_key(&cli, "old.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&old).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the signing key is private");
    }
    // keygen never overwrites a key.
    cli.fails(&["keygen", s(&old)], ErrorCode::Storage);
    let new = cli.path("new.key");
    let new_public = cli.json(&["keygen", s(&new)])["public_key"]
        .as_str()
        .unwrap()
        .to_string();

    // A player's engine refuses the unsigned package.
    let e = cli.fails(
        &["--signed-only", "install", s(&unsigned)],
        ErrorCode::SignatureRequired,
    );
    assert!(e.contains("bex.tvmaze"), "{e}");
    let first = cli.path("first.bex");
    let v = cli.json(&["sign", s(&unsigned), "--key", s(&old), "--out", s(&first)]);
    let pinned = v["publisher"].as_str().unwrap().to_string();
    cli.json(&["--signed-only", "install", s(&first)]);
    assert_eq!(
        cli.json(&["plugin-info", "bex.tvmaze"])["publisher"],
        pinned
    );

    // Another key is refused, whatever the flags, naming both keys.
    let v2 = manifest.replace("version: 1.0.0", "version: 1.1.0");
    std::fs::write(&manifest_path, &v2).unwrap();
    let by_new = cli.path("by-new.bex");
    cli.json(&[
        "pack",
        s(&manifest_path),
        s(&wasm_path),
        s(&by_new),
        "--key",
        s(&new),
    ]);
    let e = cli.fails(
        &[
            "install",
            "--force",
            "--accept-permissions",
            "--accept-unverified",
            s(&by_new),
        ],
        ErrorCode::PublisherMismatch,
    );
    assert!(e.contains(&pinned) && e.contains(&new_public), "{e}");
    // The old key hands over to the new one: accepted, the pin moves.
    let rotation = cli.path("old-to-new.rotation");
    cli.json(&[
        "rotate",
        "--old-key",
        s(&old),
        "--new-public",
        &new_public,
        s(&rotation),
    ]);
    cli.json(&[
        "sign",
        s(&by_new),
        "--key",
        s(&new),
        "--rotation",
        s(&rotation),
    ]);
    let v = cli.json(&["inspect", s(&by_new)]);
    assert_eq!(v["rotations"][0]["from"], pinned);
    assert_eq!(v["sections"][2]["kind"], "signature");
    assert_eq!(cli.json(&["install", s(&by_new)])[0]["action"], "upgraded");
    assert_eq!(
        cli.json(&["plugin-info", "bex.tvmaze"])["publisher"],
        new_public
    );
    // A rotation file that was tampered with is refused.
    let forged = std::fs::read_to_string(&rotation)
        .unwrap()
        .replace(&new_public, &pinned);
    std::fs::write(&rotation, forged).unwrap();
    cli.fails(
        &[
            "sign",
            s(&by_new),
            "--key",
            s(&new),
            "--rotation",
            s(&rotation),
        ],
        ErrorCode::SignatureInvalid,
    );
}

#[test]
fn json_errors_are_structured() {
    let cli = Cli::new();
    let out = cli.run(&["--json", "plugin-info", "bex.missing"]);
    assert_eq!(out.status.code(), Some(ErrorCode::NotFound.number()));
    let v: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["code"], "NOT_FOUND");
    assert_eq!(v["error"]["number"], 4);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bex.missing")
    );
}

#[test]
fn a_data_dir_in_use_fails_at_once_with_already_open() {
    let cli = Cli::new();
    let held = bex_engine::store::Store::open(&cli.data()).unwrap();
    let e = cli.fails(&["list"], ErrorCode::AlreadyOpen);
    assert!(e.contains("in use by another process"), "{e}");
    drop(held);
    cli.json(&["list"]);
}

#[test]
fn data_dir_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bex"))
        .args(["--json", "stats"])
        .env("BEX_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("bex.redb").exists());
}

#[test]
fn js_eval_and_call_print_json_or_the_typed_error() {
    let cli = Cli::new();
    let script = cli.path("s.js");
    std::fs::write(
        &script,
        "console.log('seen', input.n);\n({n: input.n + 1, url: new URL('../x', 'https://a.example/b/c').href})",
    )
    .unwrap();
    let out = cli.run(&["js", "eval", s(&script), "--input", r#"{"n": 41}"#]);
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"n": 42, "url": "https://a.example/x"})
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("console.info: seen 41"));

    let f = cli.path("f.js");
    std::fs::write(&f, "function (a, b) { return a * b }").unwrap();
    let out = cli.run(&["js", "call", s(&f), "--name", "mul", "--args", "[6, 7]"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "42");

    // A lone surrogate comes back escaped, as docs/js.md says (the CLI
    // once re-parsed the result and refused it).
    let lone = cli.path("lone.js");
    std::fs::write(&lone, r#"'a\ud800b'"#).unwrap();
    for args in [
        &["js", "eval", s(&lone)][..],
        &["--json", "js", "eval", s(&lone)],
    ] {
        let out = cli.run(args);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r#""a\ud800b""#);
    }

    let bad = cli.path("bad.js");
    std::fs::write(&bad, "let x = (;").unwrap();
    let msg = cli.fails(&["js", "eval", s(&bad)], ErrorCode::ScriptError);
    assert!(msg.contains("syntax") && msg.contains("line 1"), "{msg}");
    std::fs::write(&bad, "throw new TypeError('no')").unwrap();
    let msg = cli.fails(&["js", "eval", s(&bad)], ErrorCode::ScriptError);
    assert!(msg.contains("TypeError: no"), "{msg}");
    std::fs::write(&bad, "while (1) {}").unwrap();
    cli.fails(
        &["js", "eval", s(&bad), "--timeout-ms", "100"],
        ErrorCode::Timeout,
    );
    cli.fails(
        &["js", "call", s(&f), "--name", "mul", "--args", "{"],
        ErrorCode::InvalidArgument,
    );
    cli.fails(
        &["js", "eval", s(&cli.path("missing.js"))],
        ErrorCode::NotFound,
    );
}

#[test]
fn an_upgrade_that_widens_permissions_needs_accept_permissions() {
    let cli = Cli::new();
    let v1 = pack_tvmaze(&cli, "v1", None);
    cli.json(&["install", s(&v1)]);
    let (real, _) = common::tvmaze();
    let wider = real.replace("version: 1.0.0", "version: 1.1.0").replace(
        "    - api.tvmaze.com",
        "    - api.tvmaze.com\n    - static.tvmaze.com",
    );
    assert_ne!(wider, real, "test bug: the manifest did not change");
    let v2 = pack_tvmaze(&cli, "v2", Some(&wider));
    let msg = cli.fails(&["install", s(&v2)], ErrorCode::ConsentRequired);
    assert!(msg.contains("static.tvmaze.com"), "{msg}");
    assert_eq!(cli.json(&["plugin-info", "bex.tvmaze"])["version"], "1.0.0");
    let out = cli.run(&["install", "--accept-permissions", s(&v2)]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("new hosts: static.tvmaze.com"), "{text}");
    assert_eq!(cli.json(&["plugin-info", "bex.tvmaze"])["version"], "1.1.0");
}
