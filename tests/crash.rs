//! Crash consistency: `bex install` and a kv-committing `bex search` are
//! killed with SIGKILL at seeded random points. Every reopen must show the
//! old or the new state whole: one plugin version with its own component,
//! no stray blobs or artifacts, committed kv intact and its usage exact.
#![cfg(unix)]

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bex_engine::package::PackageLimits;
use bex_engine::store::{COMPILED_DIR_NAME, KV_ROW_OVERHEAD_BYTES, Store};
use bex_engine::trust::SigningKey;
use bex_engine::{Sha256Digest, hex, sha256};
use common::{Hostile, wasm};

const ID: &str = "bex.hostile";
/// Every version is signed by one publisher, as a player receives them.
static KEY: std::sync::LazyLock<SigningKey> =
    std::sync::LazyLock::new(|| SigningKey::generate().unwrap());
/// Kill points per command. `BEX_CRASH_ITERATIONS` overrides it.
const ITERATIONS: usize = 100;
const SEED: u64 = 0x5EED_B0A7_C0FF_EE01;

fn iterations() -> usize {
    std::env::var("BEX_CRASH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ITERATIONS)
}

/// splitmix64: small, seeded, good enough to spread kill points.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A delay in `[0, max]`.
    fn delay(&mut self, max: Duration) -> Duration {
        let micros = max.as_micros().max(1) as u64;
        Duration::from_micros(self.next() % (micros + 1))
    }
}

fn bex(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bex"));
    c.arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("BEX_DATA_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Runs to the end, expecting success; returns how long it took.
fn run(data: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = bex(data, args).status().unwrap();
    assert!(status.success(), "bex {args:?}: {status}");
    start.elapsed()
}

/// Runs and SIGKILLs after `delay` unless it ended first. Returns whether
/// it ran to a successful end (false if killed).
fn run_and_kill(data: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = bex(data, args).spawn().unwrap();
    // The random kill point is what this test is about.
    std::thread::sleep(delay);
    // Killing a process that already exited (but is not reaped) is harmless.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    match status.signal() {
        Some(9) => false,
        _ => {
            assert!(status.success(), "bex {args:?}: {status}");
            true
        }
    }
}

/// The hostile plugin at `version`, with a component whose bytes (so
/// digest) differ per version: a custom section names the version.
fn package(dir: &Path, version: &str) -> (std::path::PathBuf, Sha256Digest) {
    let manifest = Hostile::default()
        .manifest()
        .replace("version: 1.0.0", &format!("version: {version}"));
    let mut component = wasm("bex_hostile");
    let name = b"bex-crash-test";
    let payload = version.as_bytes();
    let size = 1 + name.len() + payload.len();
    assert!(size < 128, "one-byte LEB sizes only");
    component.extend_from_slice(&[0, size as u8, name.len() as u8]);
    component.extend_from_slice(name);
    component.extend_from_slice(payload);
    let digest = sha256(&component);
    let path = dir.join(format!("hostile-{version}.bex"));
    bex_engine::pack(&manifest, component)
        .unwrap()
        .signed(&KEY, Vec::new())
        .unwrap()
        .write_file(&path, &PackageLimits::default())
        .unwrap();
    (path, digest)
}

/// Opens the store as a player would after the crash and checks it is whole;
/// returns the installed version.
fn check(data: &Path, versions: &[(&str, Sha256Digest)], kv: &[(&str, &[u8])]) -> String {
    let store = Store::open(data).unwrap();
    let list = store.list().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let plugin = &list[0];
    let digest = versions
        .iter()
        .find(|(v, _)| *v == plugin.version)
        .unwrap_or_else(|| panic!("unexpected version {}", plugin.version))
        .1;
    assert_eq!(plugin.component_digest(), digest, "{}", plugin.version);
    assert_eq!(sha256(&store.component(&digest).unwrap()), digest);
    // The version before the last update may be kept, whole, for a
    // rollback: never the installed one, never anything else.
    let mut digests = vec![digest];
    if let Some(kept) = &plugin.rollback_version {
        assert_ne!(kept, &plugin.version);
        let (_, d) = versions
            .iter()
            .find(|(v, _)| v == kept)
            .expect("a known version");
        assert_eq!(sha256(&store.component(d).unwrap()), *d);
        digests.push(*d);
    }
    let stats = store.stats().unwrap();
    assert_eq!(
        stats.components,
        digests.len() as u64,
        "a stray blob: {stats:?}"
    );
    let prefixes: Vec<String> = digests.iter().map(|d| hex(d)).collect();
    let keys = store.compiled_keys().unwrap();
    let mut named = std::collections::BTreeSet::new();
    for key in &keys {
        assert!(
            prefixes.iter().any(|p| key.starts_with(p.as_str())),
            "a stray artifact {key}"
        );
        // Every artifact the store names has its whole file.
        let file = store.compiled(key).unwrap().expect("its file exists");
        assert!(file.verify(), "{} is damaged", file.path.display());
        // (Two versions whose code compiles the same share one file.)
        named.insert(file.path.clone());
    }
    // And no file is left that it does not name (open removes them).
    let files = std::fs::read_dir(data.join(COMPILED_DIR_NAME)).map_or(0, |d| d.count());
    assert_eq!(files, named.len(), "stray compiled files");
    for (key, value) in kv {
        assert_eq!(store.kv_get(ID, key).unwrap().as_deref(), Some(*value));
    }
    // The usage row moved with the data.
    let mut bytes = 0;
    let keys = store.kv_keys(ID, "").unwrap();
    for key in &keys {
        let len = store.kv_get(ID, key).unwrap().unwrap().len();
        bytes += (key.len() + len) as u64 + KV_ROW_OVERHEAD_BYTES;
    }
    let usage = store.kv_usage(ID).unwrap();
    assert_eq!((usage.bytes, usage.rows), (bytes, keys.len() as u64));
    plugin.version.clone()
}

#[test]
fn killed_installs_leave_the_old_or_the_new_plugin_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (v1, d1) = package(dir.path(), "1.0.0");
    let (v2, d2) = package(dir.path(), "2.0.0");
    let versions = [("1.0.0", d1), ("2.0.0", d2)];
    let paths = [v1.to_str().unwrap(), v2.to_str().unwrap()];
    run(&data, &["install", paths[0]]);
    run(&data, &["search", ID, "kvset:anchor=kept"]);
    // Measured on an upgrade, which is what the kills interrupt.
    let took = run(&data, &["install", "--force", paths[1]]);
    let mut installed = 1;
    let kv: &[(&str, &[u8])] = &[("anchor", b"kept")];
    assert_eq!(check(&data, &versions, kv), "2.0.0");

    let mut rng = Rng(SEED);
    let (mut killed, mut finished) = (0, 0);
    for i in 0..iterations() {
        let target = 1 - installed;
        let delay = rng.delay(took.mul_f32(1.2));
        let done = run_and_kill(&data, &["install", "--force", paths[target]], delay);
        let version = check(&data, &versions, kv);
        if done {
            finished += 1;
            assert_eq!(version, versions[target].0, "iteration {i}");
        } else {
            killed += 1;
        }
        installed = usize::from(version == "2.0.0");
    }
    eprintln!("install: {killed} killed, {finished} finished; one install took {took:?}");
    assert!(killed > 0, "no kill landed before the end");
}

#[test]
fn killed_updates_and_rollbacks_leave_one_version_whole() {
    use bex_engine::repo::{Entry, INDEX_FORMAT, Index, Release};
    use common::repo_server::{Answer, Repo};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (v1, d1) = package(dir.path(), "1.0.0");
    let (v2, d2) = package(dir.path(), "2.0.0");
    let versions = [("1.0.0", d1), ("2.0.0", d2)];
    // A loopback repository offering both.
    let repo = Repo::start();
    let mut releases = Vec::new();
    for (path, version) in [(&v1, "1.0.0"), (&v2, "2.0.0")] {
        let bytes = std::fs::read(path).unwrap();
        let name = format!("hostile-{version}.bex");
        releases.push(Release {
            version: version.parse().unwrap(),
            url: name.clone(),
            sha256: hex(&sha256(&bytes)),
            size: bytes.len() as u64,
        });
        repo.put(&format!("/{name}"), Answer::Bytes(bytes));
    }
    let index = Index {
        format: INDEX_FORMAT,
        name: "crash".into(),
        version: 1,
        expires: u64::MAX / 2,
        plugins: vec![Entry {
            id: ID.into(),
            name: "Hostile".into(),
            description: String::new(),
            icon: None,
            language: None,
            tags: Vec::new(),
            capabilities: vec!["search".into()],
            abi: "^1.0".into(),
            publisher: KEY.public(),
            versions: releases,
        }],
    };
    let repo_key = SigningKey::generate().unwrap();
    repo.put(
        "/index.json",
        Answer::Bytes(index.sign(&repo_key).unwrap().into_bytes()),
    );
    let local = |args: &[&str]| -> Vec<String> {
        ["--allow-private-networks"]
            .iter()
            .chain(args)
            .map(|s| s.to_string())
            .collect()
    };
    let url = repo.url("/index.json");
    let args = |a: &[&str]| local(a);
    let call = |a: &[&str]| {
        let a = args(a);
        run(&data, &a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    call(&["repo", "add", &url]);
    call(&["install", v1.to_str().unwrap()]);
    call(&["search", ID, "kvset:anchor=kept"]);
    let took = call(&["update"]);
    let kv: &[(&str, &[u8])] = &[("anchor", b"kept")];
    assert_eq!(check(&data, &versions, kv), "2.0.0");

    let mut rng = Rng(SEED ^ 0x55);
    let (mut killed, mut finished) = (0, 0);
    let mut installed = check(&data, &versions, kv);
    for i in 0..iterations() {
        // Up by update, down by rollback, each killed at a random point.
        let (command, target) = if installed == "1.0.0" {
            ("update", "2.0.0")
        } else {
            ("rollback", "1.0.0")
        };
        let a = args(if command == "update" {
            &["update"]
        } else {
            &["rollback", ID]
        });
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let done = run_and_kill(&data, &a, rng.delay(took.mul_f32(1.2)));
        let version = check(&data, &versions, kv);
        if done {
            finished += 1;
            assert_eq!(version, target, "iteration {i}: {command}");
        } else {
            killed += 1;
        }
        installed = version;
    }
    eprintln!("update/rollback: {killed} killed, {finished} finished; an update took {took:?}");
    assert!(killed > 0, "no kill landed before the end");
}

#[test]
fn killed_kv_commits_leave_the_old_or_the_new_value() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (v1, d1) = package(dir.path(), "1.0.0");
    let versions = [("1.0.0", d1)];
    run(&data, &["install", v1.to_str().unwrap()]);
    run(&data, &["search", ID, "kvset:anchor=kept"]);
    let took = run(&data, &["search", ID, "kvset:k=v0"]);
    let kv: &[(&str, &[u8])] = &[("anchor", b"kept")];

    let mut rng = Rng(SEED ^ 1);
    let mut committed = "v0".to_string();
    let (mut killed, mut finished) = (0, 0);
    for i in 1..=iterations() {
        let value = format!("v{i}");
        let delay = rng.delay(took.mul_f32(1.2));
        let done = run_and_kill(&data, &["search", ID, &format!("kvset:k={value}")], delay);
        check(&data, &versions, kv);
        let store = Store::open(&data).unwrap();
        let now = String::from_utf8(store.kv_get(ID, "k").unwrap().unwrap()).unwrap();
        if done {
            finished += 1;
            assert_eq!(now, value, "iteration {i}");
        } else {
            killed += 1;
            assert!(now == value || now == committed, "iteration {i}: {now}");
        }
        committed = now;
    }
    eprintln!("kv: {killed} killed, {finished} finished; one call took {took:?}");
    assert!(killed > 0, "no kill landed before the end");
}
