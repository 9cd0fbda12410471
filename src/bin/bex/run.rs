//! `bex run`: calls a plugin straight from its build, without installing
//! it: the package (or component and manifest) goes into a throwaway data
//! directory for the one call, in the same sandbox, with the global
//! options (`--replay`, `--record`, `-v`, `--locale` ...) as usual.

use std::path::{Path, PathBuf};

use argh::FromArgs;
use bex_engine::package::{Package, PackageLimits};
use bex_engine::store::InstallOptions;
use bex_engine::{Error, Result};

use crate::args::{Args, Command};
use crate::output::Report;

/// Call a plugin from its build without installing it: bex run PACKAGE_OR_WASM [--manifest M] OPERATION ARGS... (the operations and arguments of the call commands, without the plugin id)
#[derive(FromArgs)]
#[argh(subcommand, name = "run")]
pub struct Run {
    /// a .bex package, or a component (.wasm) with its manifest
    #[argh(positional)]
    pub target: PathBuf,
    /// the manifest of a component (default: manifest.yaml beside the current directory's Cargo.toml, i.e. ./manifest.yaml)
    #[argh(option)]
    pub manifest: Option<PathBuf>,
    /// the operation and its arguments, e.g. `search "night of the"` or `info ID`
    #[argh(positional, greedy)]
    pub call: Vec<String>,
}

/// The package `target` names: a `.bex`, or a component packed with its
/// manifest (checked like `bex pack`).
fn package(c: &Run) -> Result<Package> {
    let is_wasm = c.target.extension().is_some_and(|e| e == "wasm");
    if is_wasm {
        let manifest = c
            .manifest
            .clone()
            .unwrap_or_else(|| PathBuf::from("manifest.yaml"));
        bex_engine::pack_files(&manifest, &c.target)
    } else {
        Package::read_file(&c.target, &PackageLimits::default())
    }
}

/// A data directory for one run, removed when dropped.
struct Throwaway(PathBuf);

impl Throwaway {
    fn new() -> Result<Throwaway> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("bex-run-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
        Ok(Throwaway(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(args: &Args, c: &Run) -> Result<Report> {
    let Some((operation, rest)) = c.call.split_first() else {
        return Err(Error::InvalidArgument(
            "bex run needs an operation and its arguments, e.g. `search QUERY`".into(),
        ));
    };
    const CALLS: [&str; 10] = [
        "home",
        "category",
        "search",
        "info",
        "servers",
        "stream",
        "subtitles",
        "subtitle",
        "articles",
        "search-articles",
    ];
    if !CALLS.contains(&operation.as_str()) {
        return Err(Error::InvalidArgument(format!(
            "{operation} is not a plugin call; bex run takes one of: {}",
            CALLS.join(", ")
        )));
    }
    let package = package(c)?;
    let id = package.manifest().id.clone();
    // The call command as if the plugin were installed: OPERATION ID ARGS
    // (argh picks a subcommand by the last word of the command name).
    let mut argv: Vec<&str> = vec![id.as_str()];
    argv.extend(rest.iter().map(String::as_str));
    let command = Command::from_args(&["bex run", operation.as_str()], &argv).map_err(|e| {
        Error::InvalidArgument(format!("bex run {}: {}", c.call.join(" "), e.output.trim()))
    })?;
    let (_, request) = crate::calls::request(&command).expect("a call command")?;
    let dir = Throwaway::new()?;
    let engine = crate::commands::engine_at(args, dir.path().to_path_buf())?;
    // A throwaway directory: nothing to protect, nothing kept.
    let everything = InstallOptions {
        force: true,
        accept_permissions: true,
        accept_unverified: true,
    };
    engine.install_with(&package, everything)?;
    let report = crate::calls::run(&engine, args, &id, &request);
    drop(engine);
    drop(dir);
    report
}
