//! Precompiled artifacts (`bex precompile`, `.bexa`): made for a device's
//! key, pinned to their package, installed without compiling, and refused
//! with a stable code when anything does not match. (The runtime-only
//! build itself, which can only install this way, is exercised by
//! `make test-runtime`.)

mod common;

use bex_engine::artifact::{Artifact, artifact_path_for};
use bex_engine::manifest::OperationLimits;
use bex_engine::package::{Package, PackageLimits};
use bex_engine::store::InstallOptions;
use bex_engine::{Engine, EngineConfig, ErrorCode, Execution, Precompiler, Request};
use common::{Hostile, root, title, tvmaze};

fn tvmaze_package() -> Package {
    let (manifest, wasm) = tvmaze();
    bex_engine::pack(&manifest, wasm).unwrap()
}

fn engine(dir: &std::path::Path, x: Execution) -> Engine {
    let config = EngineConfig::new(dir.join("data"))
        .allow_unsigned_packages(true)
        .execution(x)
        .replay_dir(root().join("plugins/tvmaze/fixtures"));
    Engine::open(config).unwrap()
}

fn search(engine: &Engine) -> String {
    let json = engine
        .call(
            "bex.tvmaze",
            &Request::Search {
                query: "girls".into(),
                filters: serde_json::json!({}),
                page: None,
            },
        )
        .unwrap();
    title(&json)
}

fn precompile(x: Execution, package: &Package) -> Artifact {
    let config = EngineConfig::new("unused")
        .allow_unsigned_packages(true)
        .execution(x);
    Precompiler::new(&config, None)
        .unwrap()
        .precompile(package)
        .unwrap()
}

#[test]
fn a_precompiled_package_installs_without_compiling_and_runs() {
    let package = tvmaze_package();
    for x in Execution::ALL {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path(), x);
        let artifact = precompile(x, &package);
        assert_eq!(artifact.key(), engine.artifact_key(), "{x}");
        let report = engine
            .install_precompiled(&package, &artifact, InstallOptions::default())
            .unwrap();
        assert!(report.precompiled, "{x}");
        assert_eq!(search(&engine), "Girls", "{x}");
        let stats = engine.stats().unwrap();
        assert_eq!(stats.calls[0].compiles, 0, "{x}: loaded, never compiled");
        assert_eq!(stats.code.execution, x);
        assert!(stats.code.jit);
        assert_eq!(&stats.code.artifact_key, engine.artifact_key());
    }
}

#[test]
fn an_artifact_for_another_engine_is_refused_naming_both_keys() {
    let package = tvmaze_package();
    let dir = tempfile::tempdir().unwrap();
    let native = engine(dir.path(), Execution::Native);
    let pulley = precompile(Execution::Pulley, &package);
    let err = native
        .install_precompiled(&package, &pulley, InstallOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoArtifact);
    let msg = err.to_string();
    assert!(msg.contains(&pulley.key().to_string()), "{msg}");
    assert!(msg.contains(&native.artifact_key().to_string()), "{msg}");
    // Another memory ceiling is another profile: its code checks bounds
    // differently.
    let config = EngineConfig::new("unused")
        .allow_unsigned_packages(true)
        .ceilings(OperationLimits {
            memory_mb: Some(128),
            ..Default::default()
        });
    let other = Precompiler::new(&config, None).unwrap();
    assert_eq!(other.key().profile, "bex1-m128");
    let artifact = other.precompile(&package).unwrap();
    let err = native
        .install_precompiled(&package, &artifact, InstallOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoArtifact, "{err}");
    assert!(native.list().unwrap().is_empty(), "nothing was installed");
}

#[test]
fn an_artifact_from_another_package_is_refused() {
    let tv = tvmaze_package();
    let hostile =
        bex_engine::pack(&Hostile::default().manifest(), common::wasm("bex_hostile")).unwrap();
    let x = Execution::host_default();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path(), x);
    let err = engine
        .install_precompiled(&tv, &precompile(x, &hostile), InstallOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoArtifact);
    assert!(err.to_string().contains("another package"), "{err}");
    // The same component under another manifest is another package too.
    let (manifest, wasm) = tvmaze();
    let renamed = bex_engine::pack(&manifest.replace("name: TVmaze", "name: TV"), wasm).unwrap();
    assert_ne!(renamed.digest(), tv.digest());
    let err = engine
        .install_precompiled(&renamed, &precompile(x, &tv), InstallOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoArtifact);
    assert!(engine.list().unwrap().is_empty());
}

#[test]
fn an_artifact_beside_the_package_is_used_when_it_fits() {
    let package = tvmaze_package();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tvmaze.bex");
    package
        .write_file(&path, &PackageLimits::default())
        .unwrap();
    let engine = engine(dir.path(), Execution::Native);
    // One for Pulley beside it: a compiling engine ignores it and compiles.
    precompile(Execution::Pulley, &package)
        .write_file(&artifact_path_for(&path))
        .unwrap();
    let report = engine.install_file(&path, false).unwrap();
    assert!(!report.precompiled);
    // One that fits is used.
    precompile(Execution::Native, &package)
        .write_file(&artifact_path_for(&path))
        .unwrap();
    let report = engine.install_file(&path, true).unwrap();
    assert!(report.precompiled);
    assert_eq!(search(&engine), "Girls");
}

#[test]
fn a_damaged_artifact_file_is_refused_with_its_code() {
    let package = tvmaze_package();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path(), Execution::host_default());
    let good = precompile(Execution::host_default(), &package).encode();
    let pkg = dir.path().join("tvmaze.bex");
    package.write_file(&pkg, &PackageLimits::default()).unwrap();
    let art = dir.path().join("tvmaze.bexa");
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    for (bytes, code) in [
        (good[..100].to_vec(), ErrorCode::InvalidPackage),
        (
            b"not an artifact at all, not even close to one".repeat(4),
            ErrorCode::InvalidPackage,
        ),
        (flipped, ErrorCode::HashMismatch),
    ] {
        std::fs::write(&art, bytes).unwrap();
        let err = engine
            .install_precompiled_file(&pkg, &art, InstallOptions::default())
            .unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        // Beside the package, a damaged file is reported too.
        assert_eq!(engine.install_file(&pkg, false).unwrap_err().code(), code);
    }
    assert!(engine.list().unwrap().is_empty());
}

#[test]
fn artifacts_for_devices_are_keyed_by_their_target_and_width() {
    let package = tvmaze_package();
    let config = EngineConfig::new("unused").allow_unsigned_packages(true);
    // armv7: no Cranelift backend, so Pulley, 32-bit, the 32-bit ceiling.
    let arm = Precompiler::new(&config, Some("armv7-unknown-linux-gnueabihf")).unwrap();
    assert_eq!(arm.key().target, "pulley32");
    assert_eq!(arm.key().execution, Execution::Pulley);
    assert_eq!(arm.key().profile, "bex1-m64");
    let artifact = arm.precompile(&package).unwrap();
    assert_eq!(artifact.key(), arm.key());
    // Native code for armv7 does not exist.
    let err = Precompiler::new(
        &config.clone().execution(Execution::Native),
        Some("armv7-unknown-linux-gnueabihf"),
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
    // aarch64 Pulley bytecode is the 64-bit one.
    let a64 = Precompiler::new(
        &config.clone().execution(Execution::Pulley),
        Some("aarch64-unknown-linux-gnu"),
    )
    .unwrap();
    assert_eq!(a64.key().target, "pulley64");
    assert_eq!(a64.key().profile, "bex1-m256");
    // A pool a 32-bit device cannot map is refused up front, by name.
    let big = config.clone().max_instances(16).ceilings(OperationLimits {
        memory_mb: Some(256),
        ..Default::default()
    });
    let err = Precompiler::new(&big, Some("armv7-unknown-linux-gnueabihf"))
        .err()
        .unwrap();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
    assert!(err.to_string().contains("max_executions"), "{err}");
}

#[test]
fn native_code_for_another_architecture_needs_the_cross_backend() {
    let config = EngineConfig::new("unused")
        .allow_unsigned_packages(true)
        .execution(Execution::Native);
    let foreign = if cfg!(target_arch = "aarch64") {
        "x86_64-unknown-linux-gnu"
    } else {
        "aarch64-unknown-linux-gnu"
    };
    match Precompiler::new(&config, Some(foreign)) {
        // A build with `cross-precompile` has every backend.
        Ok(p) => assert_eq!(p.key().target, foreign),
        Err(err) => {
            assert_eq!(err.code(), ErrorCode::InvalidArgument);
            assert!(err.to_string().contains("cross-precompile"), "{err}");
        }
    }
}

#[test]
fn an_artifact_carries_its_packages_manifest_as_json() {
    let package = tvmaze_package();
    let artifact = precompile(Execution::host_default(), &package);
    let json = artifact.manifest_json();
    assert!(json.starts_with('{'), "{json}");
    // A build without YAML reads the package with it: the same manifest,
    // the same identity (the pin is still the packed manifest's digest).
    let bytes = package.encode(&PackageLimits::default()).unwrap();
    let read = Package::decode_with_manifest(&bytes, &PackageLimits::default(), json).unwrap();
    assert_eq!(read.manifest(), package.manifest());
    assert_eq!(read.digest(), package.digest());
    assert_eq!(read.manifest_text(), json);
    // Installed that way, it runs.
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path(), Execution::host_default());
    engine
        .install_precompiled(&read, &artifact, InstallOptions::default())
        .unwrap();
    assert_eq!(search(&engine), "Girls");
    assert_eq!(
        engine.plugin("bex.tvmaze").unwrap().manifest_text,
        json,
        "the store keeps the JSON form"
    );
}
