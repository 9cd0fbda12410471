use super::*;
use crate::package::Package;
use plugins::InstallStep;

pub(super) fn manifest(version: &str) -> String {
    format!(
        "schema: 1\nid: bex.demo\nname: Demo\nversion: {version}\nabi: \"^1.0\"\nprovides: {{search: true}}\nstorage: true\nsecrets: [api-key, token]\n"
    )
}

pub(super) fn package(version: &str, component: &[u8]) -> Package {
    Package::new(&manifest(version), component.to_vec()).unwrap()
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

/// Everything the store holds for bex.demo, for before/after comparisons.
pub(super) type Snapshot = (
    InstalledPlugin,
    Vec<u8>,
    Option<Vec<u8>>,
    KvUsage,
    Vec<String>,
    StoreStats,
);

pub(super) fn snapshot(store: &Store) -> Snapshot {
    let p = store.plugin("bex.demo").unwrap();
    let blob = store.component(&p.component_digest()).unwrap();
    let kv = store.kv_get("bex.demo", "k").unwrap();
    let usage = store.kv_usage("bex.demo").unwrap();
    let secrets = store.secret_keys("bex.demo").unwrap();
    let mut stats = store.stats().unwrap();
    stats.file_bytes = 0;
    (p, blob, kv, usage, secrets, stats)
}

#[test]
fn install_list_and_get() {
    let (_d, store) = open();
    let report = store
        .install(&package("1.0.0", b"v1"), false, None)
        .unwrap();
    assert_eq!(report.action, InstallAction::Installed);
    assert_eq!(report.previous, None);
    let list = store.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, "bex.demo");
    assert!(list[0].enabled);
    assert_eq!(list[0].component_bytes, 2);
    assert_eq!(store.component(&list[0].component_digest()).unwrap(), b"v1");
    assert!(matches!(
        store.plugin("bex.other"),
        Err(StoreError::PluginNotFound { .. })
    ));
}

#[test]
fn upgrade_keeps_data_and_enabled_flag_and_the_previous_version_until_the_next() {
    let (_d, store) = open();
    store
        .install(&package("1.0.0", b"v1"), false, None)
        .unwrap();
    let old_digest = store.plugin("bex.demo").unwrap().component_digest();
    store
        .kv_commit(
            "bex.demo",
            &[KvWrite::Set("k".into(), b"v".to_vec())],
            1 << 20,
        )
        .unwrap();
    store.set_secret("bex.demo", "api-key", "s3cret").unwrap();
    store.set_enabled("bex.demo", false).unwrap();
    let key = format!("{}/engine", crate::digest::hex(&old_digest));
    store.put_compiled(&key, b"artifact").unwrap();

    let report = store
        .install(&package("1.1.0", b"v2"), false, None)
        .unwrap();
    assert_eq!(report.action, InstallAction::Upgraded);
    assert_eq!(report.previous.as_deref(), Some("1.0.0"));
    let p = store.plugin("bex.demo").unwrap();
    assert_eq!(p.version, "1.1.0");
    assert!(!p.enabled, "enabled flag survives upgrades");
    assert_eq!(store.kv_get("bex.demo", "k").unwrap(), Some(b"v".to_vec()));
    assert_eq!(store.get_secret("bex.demo", "api-key").unwrap(), "s3cret");
    // 1.0.0 is kept for a rollback, with its blob and artifact.
    assert_eq!(p.rollback_version.as_deref(), Some("1.0.0"));
    let stats = store.stats().unwrap();
    assert_eq!((stats.components, stats.compiled_artifacts), (2, 1));
    assert!(store.component(&old_digest).is_ok());

    // The next update replaces what is kept: 1.0.0's blob and artifact go.
    store
        .install(&package("1.2.0", b"v3"), false, None)
        .unwrap();
    let p = store.plugin("bex.demo").unwrap();
    assert_eq!(p.rollback_version.as_deref(), Some("1.1.0"));
    let stats = store.stats().unwrap();
    assert_eq!((stats.components, stats.compiled_artifacts), (2, 0));
    assert!(store.component(&old_digest).is_err());

    // A rollback reinstates 1.1.0, keeps the data and the disabled flag,
    // drops 1.2.0 and leaves nothing to roll back to.
    let r = store.rollback("bex.demo").unwrap();
    assert_eq!(
        (r.action, r.version.as_str()),
        (InstallAction::RolledBack, "1.1.0")
    );
    let p = store.plugin("bex.demo").unwrap();
    assert_eq!((p.version.as_str(), p.enabled), ("1.1.0", false));
    assert_eq!(p.rollback_version, None);
    assert_eq!(store.kv_get("bex.demo", "k").unwrap(), Some(b"v".to_vec()));
    assert_eq!(store.stats().unwrap().components, 1);
    assert!(matches!(
        store.rollback("bex.demo"),
        Err(StoreError::KeyNotFound { .. })
    ));
    // Uninstalling removes what is kept too.
    store
        .install(&package("1.3.0", b"v4"), false, None)
        .unwrap();
    let r = store.uninstall("bex.demo").unwrap();
    assert_eq!(r.components, 2);
    assert_eq!(store.stats().unwrap().components, 0);
}

#[test]
fn downgrade_needs_force_and_same_version_reinstalls() {
    let (_d, store) = open();
    store
        .install(&package("2.0.0", b"v2"), false, None)
        .unwrap();
    let err = store
        .install(&package("1.0.0", b"v1"), false, None)
        .unwrap_err();
    assert!(matches!(err, StoreError::Downgrade { .. }), "{err}");
    assert!(err.to_string().contains("--force"));
    assert_eq!(store.plugin("bex.demo").unwrap().version, "2.0.0");
    let r = store
        .install(&package("2.0.0", b"v2"), false, None)
        .unwrap();
    assert_eq!(r.action, InstallAction::Reinstalled);
    let r = store.install(&package("1.0.0", b"v1"), true, None).unwrap();
    assert_eq!(r.action, InstallAction::Downgraded);
    assert_eq!(store.plugin("bex.demo").unwrap().version, "1.0.0");
}

#[test]
fn failed_upgrade_leaves_previous_version_exactly_as_it_was() {
    for step in [
        InstallStep::AfterBlob,
        InstallStep::AfterRecord,
        InstallStep::BeforeCommit,
    ] {
        let (_d, store) = open();
        store
            .install(&package("1.0.0", b"v1"), false, None)
            .unwrap();
        store
            .kv_commit(
                "bex.demo",
                &[KvWrite::Set("k".into(), b"v".to_vec())],
                1 << 20,
            )
            .unwrap();
        store.set_secret("bex.demo", "token", "t").unwrap();
        let before = snapshot(&store);

        store.fail_install_at(Some(step));
        let err = store.install(&package("2.0.0", b"v2-bytes"), false, Some(("x/y", b"art")));
        assert!(err.is_err(), "{step:?} did not fail");
        store.fail_install_at(None);

        assert_eq!(
            snapshot(&store),
            before,
            "state changed after failure at {step:?}"
        );
        assert_eq!(store.compiled("x/y").unwrap(), None);
        let compiled_dir = store.inner.data_dir.join(COMPILED_DIR_NAME);
        let left = std::fs::read_dir(&compiled_dir).map_or(0, |d| d.count());
        assert_eq!(left, 0, "the failed install's code file stayed ({step:?})");
        // And the store still works afterwards.
        store
            .install(&package("2.0.0", b"v2-bytes"), false, None)
            .unwrap();
        assert_eq!(store.plugin("bex.demo").unwrap().version, "2.0.0");
    }
}

#[test]
fn failed_first_install_leaves_nothing() {
    let (_d, store) = open();
    store.fail_install_at(Some(InstallStep::BeforeCommit));
    assert!(
        store
            .install(&package("1.0.0", b"v1"), false, None)
            .is_err()
    );
    store.fail_install_at(None);
    assert!(store.list().unwrap().is_empty());
    let stats = store.stats().unwrap();
    assert_eq!((stats.components, stats.plugins), (0, 0));
}

#[test]
fn uninstall_removes_everything_the_plugin_owns_and_reports_it() {
    let (_d, store) = open();
    store
        .install(&package("1.0.0", b"v1"), false, None)
        .unwrap();
    let digest = store.plugin("bex.demo").unwrap().component_digest();
    store
        .kv_commit(
            "bex.demo",
            &[
                KvWrite::Set("a".into(), b"1".to_vec()),
                KvWrite::Set("b".into(), b"2".to_vec()),
            ],
            1 << 20,
        )
        .unwrap();
    store.set_secret("bex.demo", "api-key", "x").unwrap();
    store
        .put_compiled(&format!("{}/e1", crate::digest::hex(&digest)), b"a")
        .unwrap();
    let report = store.uninstall("bex.demo").unwrap();
    assert_eq!(
        (
            report.kv_entries,
            report.secrets,
            report.components,
            report.compiled_artifacts
        ),
        (2, 1, 1, 1)
    );
    let stats = store.stats().unwrap();
    assert_eq!(
        (
            stats.plugins,
            stats.components,
            stats.compiled_artifacts,
            stats.kv_entries,
            stats.secrets
        ),
        (0, 0, 0, 0, 0)
    );
    assert!(matches!(
        store.uninstall("bex.demo"),
        Err(StoreError::PluginNotFound { .. })
    ));
}

#[test]
fn shared_component_survives_one_uninstall() {
    let (_d, store) = open();
    store
        .install(&package("1.0.0", b"same"), false, None)
        .unwrap();
    let other = manifest("1.0.0").replace("bex.demo", "bex.other");
    store
        .install(
            &Package::new(&other, b"same".to_vec()).unwrap(),
            false,
            None,
        )
        .unwrap();
    let report = store.uninstall("bex.demo").unwrap();
    assert_eq!(report.components, 0);
    let p = store.plugin("bex.other").unwrap();
    assert_eq!(store.component(&p.component_digest()).unwrap(), b"same");
}

#[test]
fn secrets_set_get_delete_list() {
    let (_d, store) = open();
    assert!(matches!(
        store.set_secret("bex.demo", "api-key", "x"),
        Err(StoreError::PluginNotFound { .. })
    ));
    store
        .install(&package("1.0.0", b"v1"), false, None)
        .unwrap();
    store.set_secret("bex.demo", "token", "t1").unwrap();
    store.set_secret("bex.demo", "api-key", "k1").unwrap();
    store.set_secret("bex.demo", "api-key", "k2").unwrap();
    assert_eq!(store.get_secret("bex.demo", "api-key").unwrap(), "k2");
    assert_eq!(
        store.secret_keys("bex.demo").unwrap(),
        vec!["api-key", "token"]
    );
    let undeclared = store.set_secret("bex.demo", "other", "x").unwrap_err();
    assert!(
        undeclared.to_string().contains("declared: api-key, token"),
        "{undeclared}"
    );
    let big = "x".repeat(MAX_SECRET_BYTES + 1);
    assert!(matches!(
        store.set_secret("bex.demo", "token", &big),
        Err(StoreError::InvalidKey(_))
    ));
    store.delete_secret("bex.demo", "token").unwrap();
    assert!(matches!(
        store.delete_secret("bex.demo", "token"),
        Err(StoreError::KeyNotFound { .. })
    ));
    assert!(matches!(
        store.get_secret("bex.demo", "token"),
        Err(StoreError::KeyNotFound { .. })
    ));
    assert_eq!(store.secret_keys("bex.demo").unwrap(), vec!["api-key"]);
}

#[test]
fn kv_is_scoped_and_quota_checked_at_commit() {
    let (_d, store) = open();
    store
        .kv_commit("bex.a", &[KvWrite::Set("k".into(), vec![1; 10])], 100)
        .unwrap();
    store
        .kv_commit("bex.ab", &[KvWrite::Set("k2".into(), vec![2; 10])], 100)
        .unwrap();
    assert_eq!(store.kv_keys("bex.a", "").unwrap(), vec!["k"]);
    assert_eq!(
        store.kv_usage("bex.a").unwrap().bytes,
        11 + KV_ROW_OVERHEAD_BYTES
    );
    assert_eq!(store.kv_get("bex.a", "k2").unwrap(), None);
    // Over quota: nothing of the batch lands.
    let err = store.kv_commit(
        "bex.a",
        &[
            KvWrite::Set("x".into(), vec![0; 10]),
            KvWrite::Set("y".into(), vec![0; 200]),
        ],
        100,
    );
    assert!(err.is_err());
    assert_eq!(store.kv_keys("bex.a", "").unwrap(), vec!["k"]);
    // Overwrites and removes are accounted exactly.
    store
        .kv_commit("bex.a", &[KvWrite::Set("k".into(), vec![1; 35])], 100)
        .unwrap();
    assert_eq!(store.kv_usage("bex.a").unwrap().bytes, 100);
    store
        .kv_commit("bex.a", &[KvWrite::Remove("k".into())], 100)
        .unwrap();
    assert_eq!(store.kv_usage("bex.a").unwrap(), KvUsage::default());
}

#[test]
fn newer_schema_is_refused_with_upgrade_required() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let txn = store.begin_write().unwrap();
        txn.open_table(tables::META)
            .unwrap()
            .insert(tables::SCHEMA_KEY, STORE_SCHEMA_VERSION + 1)
            .unwrap();
        txn.commit().unwrap();
    }
    let err = Store::open(dir.path()).err().expect("must fail");
    assert!(
        matches!(err, StoreError::UpgradeRequired { found, .. } if found == STORE_SCHEMA_VERSION + 1),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade BEX"));
}

#[test]
fn schema_2_compiled_records_move_to_files() {
    let dir = tempfile::tempdir().unwrap();
    let code = b"compiled code of schema 2".to_vec();
    {
        let store = Store::open(dir.path()).unwrap();
        let txn = store.begin_write().unwrap();
        {
            txn.open_table(tables::META)
                .unwrap()
                .insert(tables::SCHEMA_KEY, 2)
                .unwrap();
            let mut compiled = txn.open_table(tables::COMPILED).unwrap();
            // Schema 2's record: the code's SHA-256, then the code.
            let mut record = crate::digest::sha256(&code).to_vec();
            record.extend_from_slice(&code);
            compiled.insert("aa/intact", record.as_slice()).unwrap();
            compiled.insert("bb/damaged", &b"short"[..]).unwrap();
        }
        txn.commit().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.compiled_keys().unwrap(), ["aa/intact"]);
    let file = store
        .compiled("aa/intact")
        .unwrap()
        .expect("moved to a file");
    assert!(file.verify());
    assert_eq!(std::fs::read(&file.path).unwrap(), code);
    let txn = store.begin_read().unwrap();
    let meta = txn.open_table(tables::META).unwrap();
    let schema = meta.get(tables::SCHEMA_KEY).unwrap().unwrap().value();
    assert_eq!(schema, STORE_SCHEMA_VERSION);
}

#[test]
fn garbage_file_is_a_storage_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(DB_FILE_NAME),
        b"this is not a redb file at all",
    )
    .unwrap();
    assert!(Store::open(dir.path()).is_err());
}

#[cfg(unix)]
#[test]
fn the_data_directory_and_the_database_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    let store = Store::open(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(store.path()), 0o600);
    drop(store);
    // A database left readable by others (an older BEX) is made private.
    std::fs::set_permissions(
        dir.join(DB_FILE_NAME),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let store = Store::open(&dir).unwrap();
    assert_eq!(mode(store.path()), 0o600);
}
