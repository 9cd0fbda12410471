//! Compiling packages ahead of time for a device (`bex precompile`): its
//! target, execution strategy and engine settings, so a runtime-only
//! engine there runs them without a compiler.

use super::{EngineConfig, Execution, wasm};
use crate::artifact::{Artifact, ArtifactKey};
use crate::component;
use crate::error::Result;
use crate::package::Package;
use crate::wasm::CodeTarget;

/// Makes precompiled artifacts for one device. Build it once, then
/// [`Precompiler::precompile`] each package.
pub struct Precompiler {
    /// Compiles for the device, configured as the device's engine is.
    device: wasmtime::Engine,
    /// Checks packages against the contract on this machine, when the
    /// device is another one (its code cannot be instantiated here).
    check: Option<wasmtime::Engine>,
    key: ArtifactKey,
}

impl Precompiler {
    /// A precompiler for the device `target` (a Rust target triple such as
    /// `aarch64-unknown-linux-gnu`; `None` for this machine) whose engine
    /// is opened with `config`: its [`EngineConfig::execution`] (else the
    /// device's default: native where Cranelift has a backend, Pulley
    /// elsewhere) and its memory ceiling decide the artifact key. Native
    /// code for another architecture needs a bex built with the
    /// `cross-precompile` feature; Pulley bytecode never does.
    pub fn new(config: &EngineConfig, target: Option<&str>) -> Result<Precompiler> {
        let device = match target {
            Some(triple) => CodeTarget::device(triple, config.execution)?,
            None => CodeTarget::host(config.execution_or_default())?,
        };
        let check = if device.is_host() {
            None
        } else {
            let host = CodeTarget::host(Execution::host_default())?;
            Some(wasm::wasm_engine(None, &host)?)
        };
        Ok(Precompiler {
            device: wasm::wasm_engine(Some(config), &device)?,
            check,
            key: wasm::artifact_key(config, &device),
        })
    }

    /// What the artifacts are for: the key the device's engine reports as
    /// its [`Engine::artifact_key`](crate::Engine::artifact_key).
    pub fn key(&self) -> &ArtifactKey {
        &self.key
    }

    /// Checks `package` against the contract (as an install would), then
    /// compiles it for the device.
    pub fn precompile(&self, package: &Package) -> Result<Artifact> {
        let (manifest, bytes) = (package.manifest(), package.component());
        let code = match &self.check {
            // This machine is the device: compile, check, keep the code.
            None => component::compile_checked(&self.device, manifest, bytes)?
                .serialize()
                .map_err(|e| super::EngineError::Wasmtime(format!("{e:#}")))?,
            Some(check) => {
                component::compile_checked(check, manifest, bytes)?;
                self.device.precompile_component(bytes).map_err(|e| {
                    component::ComponentError::Invalid {
                        message: format!("{e:#}"),
                    }
                })?
            }
        };
        let manifest_json = crate::manifest::Manifest::json_of(package.manifest_text())?;
        Ok(Artifact::new(
            self.key.clone(),
            package.digest(),
            package.component_sha256(),
            manifest_json,
            code,
        ))
    }
}
