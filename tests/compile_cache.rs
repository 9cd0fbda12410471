//! The compiled-artifact cache: filled at install, used at load, verified
//! before use, and rebuilt transparently when corrupt or made by another
//! engine configuration.

mod common;

use bex_engine::manifest::OperationLimits;
use bex_engine::store::COMPILED_DIR_NAME;
use bex_engine::{Engine, EngineConfig};
use common::{Hostile, title};

const ID: &str = "bex.hostile";

fn open(dir: &std::path::Path, memory_ceiling: Option<u32>) -> Engine {
    let mut config = EngineConfig::new(dir).allow_unsigned_packages(true);
    if let Some(mb) = memory_ceiling {
        config = config.ceilings(OperationLimits {
            memory_mb: Some(mb),
            ..Default::default()
        });
    }
    Engine::open(config).unwrap()
}

fn ok(engine: &Engine) {
    let json = engine
        .call(
            ID,
            &bex_engine::Request::Search {
                query: "ok".into(),
                filters: serde_json::json!({}),
                page: None,
            },
        )
        .unwrap();
    assert_eq!(title(&json), "ok");
}

fn compiles(engine: &Engine) -> u64 {
    engine
        .stats()
        .unwrap()
        .calls
        .iter()
        .map(|s| s.compiles)
        .sum()
}

#[test]
fn install_stores_an_artifact_that_later_engines_use() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = open(dir.path(), None);
        Hostile::default().install(&engine);
        assert_eq!(engine.stats().unwrap().store.compiled_artifacts, 1);
        ok(&engine);
        assert_eq!(compiles(&engine), 0, "install compiled it already");
    }
    let engine = open(dir.path(), None);
    ok(&engine);
    assert_eq!(
        compiles(&engine),
        0,
        "a new engine deserializes the artifact"
    );
}

#[test]
fn a_corrupt_artifact_is_never_deserialized_and_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let key;
    {
        let engine = open(dir.path(), None);
        Hostile::default().install(&engine);
        key = engine.store().compiled_keys().unwrap().remove(0);
        // Flip a byte of the code in its file, keeping its length.
        let file = engine.store().compiled(&key).unwrap().unwrap();
        let mut code = std::fs::read(&file.path).unwrap();
        let n = code.len();
        code[n / 2] ^= 0x55;
        std::fs::write(&file.path, &code).unwrap();
        assert!(!file.verify());
    }
    let engine = open(dir.path(), None);
    ok(&engine);
    assert_eq!(compiles(&engine), 1, "recompiled from the stored component");
    let fixed = engine.store().compiled(&key).unwrap().unwrap();
    assert!(fixed.verify(), "the cache holds a sound artifact again");
    // Garbage recorded with its own digest is refused by wasmtime, then
    // rebuilt.
    engine
        .store()
        .put_compiled(&key, b"not a wasmtime artifact at all")
        .unwrap();
    drop(engine);
    let engine = open(dir.path(), None);
    ok(&engine);
    assert_eq!(compiles(&engine), 1);
}

#[test]
fn compiled_code_is_a_file_named_by_its_digest_and_nothing_else_stays() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let compiled = data.join(COMPILED_DIR_NAME);
    let files = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&compiled)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    {
        let engine = open(data, None);
        Hostile::default().install(&engine);
        let key = engine.store().compiled_keys().unwrap().remove(0);
        let file = engine.store().compiled(&key).unwrap().unwrap();
        assert_eq!(
            files(),
            [format!("{}.cwasm", bex_engine::hex(&file.sha256))]
        );
        assert_eq!(
            engine.stats().unwrap().store.compiled_bytes,
            std::fs::metadata(&file.path).unwrap().len()
        );
        // The database holds the digest, not the code.
        assert!(std::fs::metadata(engine.store().path()).unwrap().len() < 4 << 20);
    }
    // A file no install named (a crash between writing and committing) is
    // removed when the store opens.
    std::fs::write(compiled.join("0000.cwasm"), b"left over").unwrap();
    std::fs::write(compiled.join(".x.cwasm.tmp123"), b"half").unwrap();
    let engine = open(data, None);
    assert_eq!(files().len(), 1);
    ok(&engine);
    engine.uninstall(ID).unwrap();
    assert!(files().is_empty(), "uninstall removed the file");
}

#[test]
fn an_engine_configuration_change_recompiles_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let first;
    {
        let engine = open(dir.path(), None);
        Hostile::default().install(&engine);
        first = engine.store().compiled_keys().unwrap();
    }
    // A different memory ceiling changes the engine's compatibility hash.
    let engine = open(dir.path(), Some(128));
    let second = engine.store().compiled_keys().unwrap();
    assert_eq!(second.len(), 1, "the stale artifact was dropped");
    assert_ne!(first, second);
    ok(&engine);
    assert_eq!(compiles(&engine), 0, "open already compiled it");
}

#[test]
fn uninstall_removes_the_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), None);
    Hostile::default().install(&engine);
    let report = engine.uninstall(ID).unwrap();
    assert_eq!(report.compiled_artifacts, 1);
    assert_eq!(engine.stats().unwrap().store.compiled_artifacts, 0);
    assert_eq!(
        engine
            .call(ID, &bex_engine::Request::Home { page: None })
            .unwrap_err()
            .code(),
        bex_engine::ErrorCode::NotFound
    );
}
