//! Running the `bex` binary against a temporary data directory.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Output};

use bex_engine::ErrorCode;
use serde_json::Value;

pub struct Cli {
    pub dir: tempfile::TempDir,
    /// Global options given before every command.
    global: Vec<OsString>,
}

impl Cli {
    /// A CLI over a fresh data directory.
    pub fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let global = vec!["--data-dir".into(), dir.path().join("data").into()];
        Cli { dir, global }
    }

    /// Adds a global option to every later run.
    pub fn with(mut self, args: &[&std::ffi::OsStr]) -> Cli {
        self.global.extend(args.iter().map(|a| a.to_os_string()));
        self
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bex"))
            .args(&self.global)
            .args(args)
            .env_remove("BEX_DATA_DIR")
            .output()
            .unwrap()
    }

    /// Runs with `--json`, expects success, returns stdout as JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Runs and expects exit status `code`; returns stderr.
    pub fn fails(&self, args: &[&str], code: ErrorCode) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code.number()), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("error[{code}]")),
            "{args:?}: {stderr}"
        );
        stderr
    }
}
