//! `bex precompile`: artifacts for a device whose engine cannot compile.

use std::fmt::Write as _;

use bex_engine::artifact::artifact_path_for;
use bex_engine::manifest::OperationLimits;
use bex_engine::package::{Package, PackageLimits};
use bex_engine::{EngineConfig, Error, Precompiler, Result};
use serde_json::json;

use crate::args::Precompile;
use crate::output::Report;

/// Precompiles each package for the device `c` names, with `config`'s
/// execution (`--execution`).
pub fn run(config: &EngineConfig, c: &Precompile) -> Result<Report> {
    if c.packages.is_empty() {
        return Err(Error::InvalidArgument(
            "precompile needs at least one package".into(),
        ));
    }
    let mut config = config.clone();
    if let Some(mb) = c.memory_ceiling_mb {
        config = config.ceilings(OperationLimits {
            memory_mb: Some(mb),
            ..Default::default()
        });
    }
    let precompiler = Precompiler::new(&config, c.target.as_deref())?;
    let mut text = String::new();
    let mut written = Vec::new();
    for path in &c.packages {
        let package = Package::read_file(path, &PackageLimits::default())?;
        let artifact = precompiler.precompile(&package)?;
        let out = match &c.out_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| Error::Io {
                    path: dir.display().to_string(),
                    source: e,
                })?;
                dir.join(artifact_path_for(path).file_name().unwrap_or_default())
            }
            None => artifact_path_for(path),
        };
        artifact.write_file(&out)?;
        let _ = writeln!(
            text,
            "{} -> {} ({} KiB)",
            path.display(),
            out.display(),
            artifact.code_bytes().div_ceil(1024)
        );
        written.push(json!({
            "package": path,
            "artifact": out,
            "id": package.manifest().id,
            "code_bytes": artifact.code_bytes(),
        }));
    }
    let _ = write!(text, "for {}", precompiler.key());
    Ok(Report::new(
        json!({"key": precompiler.key(), "artifacts": written}),
        text,
    ))
}
