//! Repositories against a loopback server (docs/distribution.md): install
//! and update from a signed index, and every refusal — a tampered package,
//! a wrong signature, an index rollback, an expired index, a package that
//! does not match its entry, a second publisher, an unsigned package, a
//! truncated download, a body that never ends — each with its own code,
//! nothing changed, the installed version still working.

mod common;

use std::time::Duration;

use bex_engine::package::{Package, PackageLimits};
use bex_engine::repo::{Entry, INDEX_FORMAT, Index, Release};
use bex_engine::store::{InstallAction, InstallOptions};
use bex_engine::trust::SigningKey;
use bex_engine::{Engine, EngineConfig, ErrorCode, hex, sha256};
use common::repo_server::{Answer, Repo};
use common::{Hostile, title, wasm};

const ID: &str = "bex.hostile";

/// The hostile test plugin at `version`, other code per `variant`.
fn package(version: &str, variant: u8) -> Package {
    let manifest = Hostile::default()
        .manifest()
        .replace("version: 1.0.0", &format!("version: {version}"));
    let mut component = wasm("bex_hostile");
    component.extend_from_slice(&[0, 3, 1, b'x', variant]);
    bex_engine::pack(&manifest, component).unwrap()
}

fn bytes(p: &Package) -> Vec<u8> {
    p.encode(&PackageLimits::default()).unwrap()
}

fn release(version: &str, path: &str, b: &[u8]) -> Release {
    Release {
        version: version.parse().unwrap(),
        url: path.trim_start_matches('/').into(),
        sha256: hex(&sha256(b)),
        size: b.len() as u64,
    }
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A signed index (by `key`) of `version` listing `releases`, published by
/// `publisher`.
fn index(
    key: &SigningKey,
    version: u64,
    expires: u64,
    publisher: &SigningKey,
    releases: Vec<Release>,
) -> Vec<u8> {
    Index {
        format: INDEX_FORMAT,
        name: "Test repository".into(),
        version,
        expires,
        plugins: vec![Entry {
            id: ID.into(),
            name: "Hostile".into(),
            description: "the test plugin".into(),
            icon: None,
            language: Some("en".into()),
            tags: vec!["test".into()],
            capabilities: vec!["search".into()],
            abi: "^1.0".into(),
            publisher: publisher.public(),
            versions: releases,
        }],
    }
    .sign(key)
    .unwrap()
    .into_bytes()
}

struct Setup {
    _dir: tempfile::TempDir,
    engine: Engine,
    repo: Repo,
    key: SigningKey,
    publisher: SigningKey,
}

impl Setup {
    /// An engine (signed packages only, as a player) with the repository
    /// added, refreshed at index version 1, and 1.0.0 installed.
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let config = EngineConfig::new(dir.path().join("data"))
            .allow_private_networks(true)
            .repository_timeout(Duration::from_millis(1500));
        let engine = Engine::open(config).unwrap();
        let (key, publisher) = (
            SigningKey::generate().unwrap(),
            SigningKey::generate().unwrap(),
        );
        let repo = Repo::start();
        let v1 = bytes(&package("1.0.0", 1).signed(&publisher, Vec::new()).unwrap());
        repo.put("/p/hostile-1.0.0.bex", Answer::Bytes(v1.clone()));
        let rel = release("1.0.0", "/p/hostile-1.0.0.bex", &v1);
        repo.put(
            "/index.json",
            Answer::Bytes(index(&key, 1, now_s() + 3600, &publisher, vec![rel])),
        );
        engine
            .repo_add(&repo.url("/index.json"), Some(&key.public()))
            .unwrap();
        assert_eq!(
            engine
                .repo_refresh(&repo.url("/index.json"))
                .unwrap()
                .version,
            1
        );
        let r = engine
            .install_from_repo(ID, InstallOptions::default())
            .unwrap();
        assert_eq!(r.action, InstallAction::Installed);
        engine.set_secret(ID, "api-key", "s3cret").unwrap();
        Setup {
            _dir: dir,
            engine,
            repo,
            key,
            publisher,
        }
    }

    /// Publishes index `version` listing 1.0.0 and `v2` (served as given).
    fn publish_v2(&self, version: u64, v2: &[u8], served: Answer) {
        self.repo.put("/p/hostile-2.0.0.bex", served);
        let v1 = match self.repo.files.lock().unwrap()["/p/hostile-1.0.0.bex"].clone() {
            Answer::Bytes(b) => b,
            _ => unreachable!(),
        };
        let releases = vec![
            release("1.0.0", "/p/hostile-1.0.0.bex", &v1),
            release("2.0.0", "/p/hostile-2.0.0.bex", v2),
        ];
        let idx = index(
            &self.key,
            version,
            now_s() + 3600,
            &self.publisher,
            releases,
        );
        self.repo.put("/index.json", Answer::Bytes(idx));
    }

    fn refresh(&self) -> bex_engine::Result<u64> {
        self.engine
            .repo_refresh(&self.repo.url("/index.json"))
            .map(|r| r.version)
    }

    /// 1.0.0 still installed, still answering, its secret still there.
    fn unchanged(&self, case: &str) {
        assert_eq!(self.engine.plugin(ID).unwrap().version, "1.0.0", "{case}");
        let call = |q: &str| {
            let json = self
                .engine
                .call(
                    ID,
                    &bex_engine::Request::Search {
                        query: q.into(),
                        filters: serde_json::json!({}),
                        page: None,
                    },
                )
                .unwrap();
            title(&json)
        };
        assert_eq!(call("ok"), "ok", "{case}");
        assert_eq!(call("secret:api-key"), "s3cret", "{case}");
    }

    fn update_fails(&self, case: &str, code: ErrorCode) -> String {
        let results = self.engine.update(Some(ID), InstallOptions::default());
        let e = match results {
            Err(e) => e,
            Ok(mut r) => {
                assert_eq!(r.len(), 1, "{case}: {r:?}");
                r.remove(0).1.expect_err(case)
            }
        };
        assert_eq!(e.code(), code, "{case}: {e}");
        self.unchanged(case);
        e.to_string()
    }
}

#[test]
fn install_list_and_update_from_a_signed_repository() {
    let s = Setup::new();
    let offers = s.engine.available(Some("hostile")).unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].installed.as_deref(), Some("1.0.0"));
    assert_eq!(s.engine.repos().unwrap()[0].version, Some(1));
    assert!(
        s.engine
            .available(Some("nothing-like-it"))
            .unwrap()
            .is_empty()
    );
    // Nothing newer: an update does nothing.
    assert!(
        s.engine
            .update(None, InstallOptions::default())
            .unwrap()
            .is_empty()
    );

    let v2 = bytes(
        &package("2.0.0", 2)
            .signed(&s.publisher, Vec::new())
            .unwrap(),
    );
    s.publish_v2(2, &v2, Answer::Bytes(v2.clone()));
    assert_eq!(s.refresh().unwrap(), 2);
    let results = s.engine.update(None, InstallOptions::default()).unwrap();
    let r = results.into_iter().next().unwrap().1.unwrap();
    assert_eq!(
        (r.action, r.version.as_str()),
        (InstallAction::Upgraded, "2.0.0")
    );
    assert_eq!(s.engine.get_secret(ID, "api-key").unwrap(), "s3cret");

    // The version before the update is kept: a rollback reinstates it,
    // with the plugin's data; a second one finds nothing.
    assert_eq!(
        s.engine.plugin(ID).unwrap().rollback_version.as_deref(),
        Some("1.0.0")
    );
    let r = s.engine.rollback(ID).unwrap();
    assert_eq!(
        (r.action, r.version.as_str()),
        (InstallAction::RolledBack, "1.0.0")
    );
    assert_eq!(r.previous.as_deref(), Some("2.0.0"));
    s.unchanged("rollback");
    assert_eq!(s.engine.plugin(ID).unwrap().rollback_version, None);
    assert_eq!(
        s.engine.rollback(ID).unwrap_err().code(),
        ErrorCode::NotFound
    );
    // Only the reinstated version's component is left.
    assert_eq!(s.engine.store().stats().unwrap().components, 1);
}

#[test]
fn an_update_that_widens_permissions_needs_consent() {
    let s = Setup::new();
    let manifest = Hostile {
        hosts: vec!["api.example.org".into()],
        ..Hostile::default()
    }
    .manifest()
    .replace("version: 1.0.0", "version: 2.0.0");
    let wider = bytes(
        &bex_engine::pack(&manifest, wasm("bex_hostile"))
            .unwrap()
            .signed(&s.publisher, Vec::new())
            .unwrap(),
    );
    s.publish_v2(2, &wider, Answer::Bytes(wider.clone()));
    s.refresh().unwrap();
    let e = s.update_fails("wider", ErrorCode::ConsentRequired);
    assert!(e.contains("api.example.org"), "{e}");
    let consent = InstallOptions {
        accept_permissions: true,
        ..InstallOptions::default()
    };
    let r = s.engine.update(Some(ID), consent).unwrap();
    let report = r[0].1.as_ref().unwrap();
    assert_eq!(report.permissions.added_hosts, ["api.example.org"]);
}

#[test]
fn refused_indexes_change_nothing() {
    let s = Setup::new();
    let v2 = bytes(
        &package("2.0.0", 2)
            .signed(&s.publisher, Vec::new())
            .unwrap(),
    );
    s.publish_v2(3, &v2, Answer::Bytes(v2.clone()));
    // Signed by another key than the pinned one.
    let stranger = SigningKey::generate().unwrap();
    let rel = release("2.0.0", "/p/hostile-2.0.0.bex", &v2);
    s.repo.put(
        "/index.json",
        Answer::Bytes(index(
            &stranger,
            9,
            now_s() + 3600,
            &s.publisher,
            vec![rel.clone()],
        )),
    );
    let e = s.refresh().unwrap_err();
    assert_eq!(e.code(), ErrorCode::SignatureInvalid, "{e}");
    // A byte of the signed index changed.
    let good = index(&s.key, 9, now_s() + 3600, &s.publisher, vec![rel.clone()]);
    let text =
        String::from_utf8(good.clone())
            .unwrap()
            .replacen("Test repository", "Test repositorz", 1);
    s.repo.put("/index.json", Answer::Bytes(text.into_bytes()));
    assert_eq!(s.refresh().unwrap_err().code(), ErrorCode::SignatureInvalid);
    // Expired: a freeze.
    s.repo.put(
        "/index.json",
        Answer::Bytes(index(
            &s.key,
            9,
            now_s() - 1,
            &s.publisher,
            vec![rel.clone()],
        )),
    );
    let e = s.refresh().unwrap_err();
    assert_eq!(e.code(), ErrorCode::IndexExpired, "{e}");
    assert_eq!(
        s.engine.repos().unwrap()[0].version,
        Some(1),
        "nothing accepted"
    );
    // Version 9 accepted, then version 3 served again: a rollback.
    s.repo.put("/index.json", Answer::Bytes(good));
    assert_eq!(s.refresh().unwrap(), 9);
    s.publish_v2(3, &v2, Answer::Bytes(v2.clone()));
    let e = s.refresh().unwrap_err();
    assert_eq!(e.code(), ErrorCode::IndexRollback, "{e}");
    assert!(
        e.to_string().contains("version 3") && e.to_string().contains("version 9"),
        "{e}"
    );
    assert_eq!(s.engine.repos().unwrap()[0].version, Some(9));
    s.unchanged("indexes");
}

#[test]
fn refused_packages_change_nothing() {
    let s = Setup::new();
    let v2 = bytes(
        &package("2.0.0", 2)
            .signed(&s.publisher, Vec::new())
            .unwrap(),
    );
    let mut version = 1;
    let mut publish = |listed: &[u8], served: Answer| {
        version += 1;
        s.publish_v2(version, listed, served);
        s.refresh().unwrap();
    };

    // Other bytes than the index lists (a mirror swapped or tampered them).
    let mut tampered = v2.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    publish(&v2, Answer::Bytes(tampered.clone()));
    let e = s.update_fails("tampered", ErrorCode::IndexMismatch);
    assert!(e.contains("SHA-256"), "{e}");
    // Another release's bytes under this release's entry (mix-and-match).
    let v1 = bytes(
        &package("1.0.0", 1)
            .signed(&s.publisher, Vec::new())
            .unwrap(),
    );
    publish(&v1, Answer::Bytes(v1.clone()));
    s.update_fails("mix-and-match", ErrorCode::IndexMismatch);
    // The index vouches for tampered bytes (its key is not the
    // publisher's): the package's own checks still refuse them.
    let mut resealed = v2.clone();
    let body = resealed.len() - 64 - 104 - 64; // inside the component
    resealed[body] ^= 1;
    publish(&resealed, Answer::Bytes(resealed.clone()));
    s.update_fails("re-sealed", ErrorCode::HashMismatch);
    // A second publisher for the installed id.
    let other = SigningKey::generate().unwrap();
    let by_other = bytes(&package("2.0.0", 2).signed(&other, Vec::new()).unwrap());
    s.repo
        .put("/p/hostile-2.0.0.bex", Answer::Bytes(by_other.clone()));
    version += 1;
    let idx = index(
        &s.key,
        version,
        now_s() + 3600,
        &other,
        vec![release("2.0.0", "/p/hostile-2.0.0.bex", &by_other)],
    );
    s.repo.put("/index.json", Answer::Bytes(idx));
    s.refresh().unwrap();
    let e = s.update_fails("second publisher", ErrorCode::PublisherMismatch);
    assert!(e.contains(&other.public().to_string()), "{e}");
    // An unsigned package, on an engine that requires signatures.
    let unsigned = bytes(&package("2.0.0", 2));
    version += 1;
    let idx = index(
        &s.key,
        version,
        now_s() + 3600,
        &s.publisher,
        vec![release("2.0.0", "/p/hostile-2.0.0.bex", &unsigned)],
    );
    s.repo.put("/p/hostile-2.0.0.bex", Answer::Bytes(unsigned));
    s.repo.put("/index.json", Answer::Bytes(idx));
    s.refresh().unwrap();
    s.update_fails("unsigned", ErrorCode::SignatureRequired);
    // A download cut short.
    let mut version2 = version;
    let mut publish2 = |listed: &[u8], served: Answer| {
        version2 += 1;
        s.publish_v2(version2, listed, served);
        s.refresh().unwrap();
    };
    publish2(&v2, Answer::Truncated(v2.clone()));
    s.update_fails("truncated", ErrorCode::Network);
    // A body that never ends: the download's deadline stops it.
    publish2(&v2, Answer::Trickle);
    s.update_fails("never ends", ErrorCode::Timeout);
    // The real one still installs.
    publish2(&v2, Answer::Bytes(v2.clone()));
    let r = s
        .engine
        .update(Some(ID), InstallOptions::default())
        .unwrap();
    assert_eq!(r[0].1.as_ref().unwrap().version, "2.0.0");
}

#[test]
fn publish_and_install_through_the_cli() {
    let cli = common::cli::Cli::new();
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let (manifest, component) = common::tvmaze();
    std::fs::write(cli.path("m.yaml"), manifest).unwrap();
    std::fs::write(cli.path("c.wasm"), component).unwrap();
    for key in ["publisher.key", "repo.key"] {
        cli.json(&["keygen", &s(&cli.path(key))]);
    }
    let pkg = cli.path("tvmaze.bex");
    let (m, c, k) = (
        s(&cli.path("m.yaml")),
        s(&cli.path("c.wasm")),
        s(&cli.path("publisher.key")),
    );
    cli.json(&["pack", &m, &c, &s(&pkg), "--key", &k]);
    let index = cli.path("index.json");
    let v = cli.json(&[
        "repo",
        "index",
        &s(&pkg),
        "--key",
        &s(&cli.path("repo.key")),
        "--name",
        "Test",
        "--version",
        "1",
        "--out",
        &s(&index),
    ]);
    assert_eq!(v["plugins"], 1);

    let repo = Repo::start();
    repo.put("/index.json", Answer::Bytes(std::fs::read(&index).unwrap()));
    repo.put("/tvmaze.bex", Answer::Bytes(std::fs::read(&pkg).unwrap()));
    let url = repo.url("/index.json");
    // Plain http is for local repositories only.
    cli.fails(&["repo", "add", &url], ErrorCode::InvalidArgument);
    let local = ["--allow-private-networks", "--signed-only"];
    let run = |args: &[&str]| cli.json(&[&local[..], args].concat());
    assert_eq!(run(&["repo", "add", &url])["version"], 1);
    let offers = run(&["available"]);
    assert_eq!(offers[0]["id"], "bex.tvmaze");
    assert_eq!(offers[0]["installed"], serde_json::Value::Null);
    assert_eq!(run(&["install", "bex.tvmaze"])[0]["action"], "installed");
    assert_eq!(run(&["available", "tvmaze"])[0]["installed"], "1.0.0");
    assert_eq!(run(&["update"]), serde_json::json!([]));
    assert_eq!(run(&["repo", "list"])[0]["plugins"], 1);
    run(&["repo", "remove", &url]);
    assert_eq!(run(&["repo", "list"]), serde_json::json!([]));
}

#[test]
fn repositories_are_fetched_over_https_from_public_addresses_only() {
    let dir = tempfile::tempdir().unwrap();
    // A player's engine: no private networks.
    let engine = Engine::open(EngineConfig::new(dir.path())).unwrap();
    let repo = Repo::start();
    let e = engine.repo_add(&repo.url("/index.json"), None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
    assert!(e.to_string().contains("https only"), "{e}");
    // https to a loopback address: the resolver refuses it, as for plugins.
    let url = format!("https://127.0.0.1:{}/index.json", repo_port(&repo));
    engine.repo_add(&url, None).unwrap();
    let e = engine.repo_refresh(&url).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NetworkBlocked, "{e}");
    assert_eq!(engine.repos().unwrap()[0].version, None);
    let e = engine
        .install_from_repo(ID, InstallOptions::default())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
}

fn repo_port(repo: &Repo) -> u16 {
    repo.url("/")
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap()
}
