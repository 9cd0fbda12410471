//! Offline tests for plugin authors: build the plugin, pack it, install it
//! into a fresh data directory and run its operations against the recorded
//! responses in its `fixtures/` folder, all through the `bex` CLI (from
//! `$BEX_BIN`, else `bex` on PATH). Nothing reaches the network: a request
//! with no recording fails the call.
//!
//! ```text
//! #[test]
//! fn search_finds_girls() {
//!     let h = bex_pdk::harness!();
//!     let page = h.call(&["search", "girls"]);
//!     assert_eq!(page["items"][0]["title"], "Girls");
//! }
//! ```
//!
//! To record fixtures, run the same command online with `--record
//! fixtures` (docs/writing-plugins.md).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A harness for the plugin in the calling crate.
#[macro_export]
macro_rules! harness {
    () => {
        $crate::testing::Harness::new(env!("CARGO_MANIFEST_DIR"), env!("CARGO_PKG_NAME"))
    };
}

/// One installed copy of the plugin in its own data directory.
pub struct Harness {
    bex: PathBuf,
    data_dir: PathBuf,
    fixtures: PathBuf,
    id: String,
    /// Global options before every call (`--locale`, `--region`).
    global: Vec<String>,
}

/// A call that failed, as `bex --json` reports it (docs/errors.md).
#[derive(Debug)]
pub struct Failure {
    /// The stable code name, e.g. `PLUGIN_ERROR`, `NETWORK`, `TIMEOUT`.
    pub code: String,
    /// The stable code number (also `bex`'s exit status).
    pub number: i32,
    /// The message. For `PLUGIN_ERROR` it starts with the plugin's error
    /// case: `not_found: ...`, `auth: ...`, `unsupported: ...`.
    pub message: String,
}

struct Built {
    package: PathBuf,
    target_dir: PathBuf,
}

static BUILT: OnceLock<Built> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);

impl Harness {
    /// Builds (once per test binary) and packs the plugin in `dir`, then
    /// installs it into a fresh data directory. Panics with what went
    /// wrong: it is for tests.
    pub fn new(dir: &str, crate_name: &str) -> Harness {
        let dir = Path::new(dir);
        let bex = std::env::var_os("BEX_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| "bex".into());
        let built = BUILT.get_or_init(|| build(dir, crate_name, &bex));
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let data_dir = built
            .target_dir
            .join("bex-test")
            .join(format!("{crate_name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        let mut install = Command::new(&bex);
        install
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("install")
            .arg(&built.package);
        run(install, "bex install");
        Harness {
            bex,
            data_dir,
            fixtures: dir.join("fixtures"),
            id: manifest_id(&dir.join("manifest.yaml")),
            global: Vec::new(),
        }
    }

    /// Calls from now on carry the user's language (BCP 47, `de-DE`): the
    /// request context's `locale`.
    pub fn locale(mut self, tag: &str) -> Self {
        self.global
            .extend(["--locale".to_string(), tag.to_string()]);
        self
    }

    /// Calls from now on carry the user's region (ISO 3166-1, `DE`).
    pub fn region(mut self, code: &str) -> Self {
        self.global
            .extend(["--region".to_string(), code.to_string()]);
        self
    }

    /// The plugin's id (from manifest.yaml).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sets a secret for the plugin (`bex set-key`).
    #[track_caller]
    pub fn set_secret(&self, key: &str, value: &str) -> &Self {
        let mut c = Command::new(&self.bex);
        c.arg("--data-dir")
            .arg(&self.data_dir)
            .args(["set-key", &self.id, key, value]);
        run(c, "bex set-key");
        self
    }

    /// Runs `bex --json OPERATION <plugin id> ARGS...` against the fixtures
    /// and returns the result as JSON; panics if the call fails.
    /// `args[0]` is the operation (`search`, `info`, ...).
    #[track_caller]
    pub fn call(&self, args: &[&str]) -> serde_json::Value {
        match self.try_call(args) {
            Ok(v) => v,
            Err(f) => panic!(
                "bex {} failed: {} ({}): {}",
                args.join(" "),
                f.code,
                f.number,
                f.message
            ),
        }
    }

    /// Runs a call that must fail with the plugin's own error of `kind`
    /// (`not_found`, `invalid_input`, `auth`, ... as docs/json.md names
    /// the cases): `PLUGIN_ERROR` whose message starts with `kind: `.
    /// Panics otherwise; returns the failure for further checks.
    #[track_caller]
    pub fn call_err(&self, args: &[&str], kind: &str) -> Failure {
        let failure = match self.try_call(args) {
            Ok(v) => panic!("bex {} succeeded, expected {kind}: {v}", args.join(" ")),
            Err(f) => f,
        };
        assert!(
            failure.code == "PLUGIN_ERROR" && failure.message.starts_with(&format!("{kind}: ")),
            "bex {}: expected {kind}, got {} ({}): {}",
            args.join(" "),
            failure.code,
            failure.number,
            failure.message
        );
        failure
    }

    /// Like [`call`](Self::call), but returns a failure instead of panicking.
    #[track_caller]
    pub fn try_call(&self, args: &[&str]) -> Result<serde_json::Value, Failure> {
        let (operation, rest) = args.split_first().expect("an operation");
        let out = Command::new(&self.bex)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg(fixtures_mode())
            .arg(&self.fixtures)
            .arg("--json")
            .args(&self.global)
            .arg(operation)
            .arg(&self.id)
            .args(rest)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.bex.display()));
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            let json: serde_json::Value = stderr
                .lines()
                .rev()
                .find_map(|l| serde_json::from_str(l).ok())
                .unwrap_or_else(|| panic!("bex failed without a JSON error: {stderr}"));
            let e = &json["error"];
            return Err(Failure {
                code: e["code"].as_str().unwrap_or_default().to_string(),
                number: e["number"].as_i64().unwrap_or(-1) as i32,
                message: e["message"].as_str().unwrap_or_default().to_string(),
            });
        }
        Ok(serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "bex printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        }))
    }
}

fn build(dir: &Path, crate_name: &str, bex: &Path) -> Built {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut metadata = Command::new(&cargo);
    metadata
        .current_dir(dir)
        .args(["metadata", "--no-deps", "--format-version", "1"]);
    let metadata: serde_json::Value = serde_json::from_slice(&run(metadata, "cargo metadata"))
        .expect("cargo metadata prints JSON");
    let target_dir = PathBuf::from(
        metadata["target_directory"]
            .as_str()
            .expect("cargo metadata names the target directory"),
    );
    let mut build = Command::new(&cargo);
    build
        .current_dir(dir)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(&target_dir);
    run(build, "cargo build --release --target wasm32-wasip2");
    let wasm = target_dir
        .join("wasm32-wasip2/release")
        .join(format!("{}.wasm", crate_name.replace('-', "_")));
    let package = target_dir.join(format!("{crate_name}.bex"));
    let mut pack = Command::new(bex);
    pack.arg("pack")
        .arg(dir.join("manifest.yaml"))
        .arg(&wasm)
        .arg(&package);
    run(pack, "bex pack");
    Built {
        package,
        target_dir,
    }
}

fn run(mut command: Command, what: &str) -> Vec<u8> {
    let out = command.output().unwrap_or_else(|e| {
        panic!("{what}: {e} (is bex built? set BEX_BIN to its path or put it on PATH)")
    });
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out.stdout
}

/// The `id:` line of a manifest (the harness needs no YAML parser for it).
fn manifest_id(manifest: &Path) -> String {
    let text =
        std::fs::read_to_string(manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    text.lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| panic!("{}: no `id:` line", manifest.display()))
}

/// `--replay` (tests run offline), or `--record` when `BEX_RECORD` is set
/// to anything but empty or `0`: the tests then call the live source and
/// save what it answers into `fixtures/`.
fn fixtures_mode() -> &'static str {
    match std::env::var("BEX_RECORD") {
        Ok(v) if !v.is_empty() && v != "0" => "--record",
        _ => "--replay",
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A `bex` that fails every call with a JSON error, as the real one
    /// does for a plugin error.
    fn failing_bex(dir: &Path) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("bex");
        std::fs::write(
            &path,
            "#!/bin/sh\necho '{\"error\":{\"code\":\"PLUGIN_FAULT\",\"number\":11,\"message\":\"boom\"}}' >&2\nexit 11\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn a_failing_call_points_at_the_test_line() {
        let dir = std::env::temp_dir().join(format!("bex-pdk-harness-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let h = Harness {
            bex: failing_bex(&dir),
            data_dir: dir.clone(),
            fixtures: dir.clone(),
            id: "bex.x".into(),
            global: Vec::new(),
        };
        static WHERE: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|info| {
            WHERE
                .lock()
                .unwrap()
                .extend(info.location().map(|l| l.line()));
        }));
        let line = line!() + 1;
        let call = std::panic::catch_unwind(|| h.call(&["search", "q"]));
        let line_err = line!() + 1;
        let call_err = std::panic::catch_unwind(|| h.call_err(&["search", "q"], "not_found"));
        std::panic::set_hook(previous);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(call.is_err() && call_err.is_err());
        // Both panics name the test's lines, not the kit's.
        assert_eq!(*WHERE.lock().unwrap(), [line, line_err]);
    }
}
