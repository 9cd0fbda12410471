//! Installing packages: each is checked against the contract and compiled
//! (or its precompiled artifact loaded and checked), then committed with
//! its compiled code in one transaction; uninstalling; packing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::{CallError, Engine, Inner, vet, wasm};
use crate::artifact::{Artifact, ArtifactError, artifact_path_for};
use crate::component;
use crate::digest::hex;
#[cfg(feature = "jit")]
use crate::error::Error;
use crate::error::Result;
use crate::manifest::validate_plugin_id;
use crate::package::Package;
use crate::store::{InstallOptions, InstallReport, UninstallReport};

/// A package's compiled code, ready to commit.
struct Prepared {
    /// The compiled code, as the store keeps it.
    code: Vec<u8>,
    /// Whether it came from a precompiled artifact.
    precompiled: bool,
}

impl Engine {
    /// Reads, verifies and installs a `.bex` package file (see
    /// [`Engine::install`]). A precompiled artifact beside it (`NAME.bexa`
    /// for `NAME.bex`) is used when it was made for this engine and this
    /// package; a runtime-only engine needs one (`NO_ARTIFACT` otherwise).
    pub fn install_file(&self, path: &Path, force: bool) -> Result<InstallReport> {
        self.install_file_with(path, InstallOptions::forced(force))
    }

    /// [`Engine::install_file`] with explicit [`InstallOptions`].
    pub fn install_file_with(&self, path: &Path, options: InstallOptions) -> Result<InstallReport> {
        let (package, artifact) = self.inner.read_with_artifact_beside(path)?;
        let prepared = self.inner.prepare(&package, artifact.as_ref())?;
        self.inner.commit_install(&package, &prepared, options)
    }

    /// Installs the package at `package` with the precompiled artifact at
    /// `artifact` (made by `bex precompile` for this engine's
    /// [`Engine::artifact_key`] from this very package): nothing is
    /// compiled. An artifact for another engine or package is
    /// `NO_ARTIFACT`, naming both.
    pub fn install_precompiled_file(
        &self,
        package: &Path,
        artifact: &Path,
        options: InstallOptions,
    ) -> Result<InstallReport> {
        let artifact = Artifact::read_file(artifact)?;
        let package = self.inner.read_package(package, Some(&artifact))?;
        self.install_precompiled(&package, &artifact, options)
    }

    /// [`Engine::install_precompiled_file`] for a package and an artifact
    /// in memory.
    pub fn install_precompiled(
        &self,
        package: &Package,
        artifact: &Artifact,
        options: InstallOptions,
    ) -> Result<InstallReport> {
        let record = self.inner.prepare(package, Some(artifact))?;
        self.inner.commit_install(package, &record, options)
    }

    /// Installs several package files: reading, checking and compiling in
    /// parallel, then installing each in its own transaction, in order.
    /// Returns one result per file.
    pub fn install_files(&self, paths: &[PathBuf], force: bool) -> Vec<Result<InstallReport>> {
        self.install_files_with(paths, InstallOptions::forced(force))
    }

    /// [`Engine::install_files`] with explicit [`InstallOptions`].
    pub fn install_files_with(
        &self,
        paths: &[PathBuf],
        options: InstallOptions,
    ) -> Vec<Result<InstallReport>> {
        let prepared: Vec<Result<(Package, Prepared)>> = paths
            .par_iter()
            .map(|p| {
                let (package, artifact) = self.inner.read_with_artifact_beside(p)?;
                let prepared = self.inner.prepare(&package, artifact.as_ref())?;
                Ok((package, prepared))
            })
            .collect();
        prepared
            .into_iter()
            .map(|r| {
                r.and_then(|(package, prepared)| {
                    self.inner.commit_install(&package, &prepared, options)
                })
            })
            .collect()
    }

    /// Checks a verified package's component against the contract,
    /// compiles it, and installs both atomically (see
    /// [`Store::install_with`](crate::store::Store::install_with)). `force`
    /// allows a downgrade and a reinstall of the same version with
    /// different content; an install that widens the plugin's permissions
    /// is refused with `CONSENT_REQUIRED` (see [`Engine::install_with`]).
    /// A runtime-only engine cannot compile: see
    /// [`Engine::install_precompiled`].
    pub fn install(&self, package: &Package, force: bool) -> Result<InstallReport> {
        self.install_with(package, InstallOptions::forced(force))
    }

    /// [`Engine::install`] with explicit [`InstallOptions`]: pass
    /// `accept_permissions` once the user agreed to what the report's
    /// `permissions` (or the refusal) lists.
    pub fn install_with(
        &self,
        package: &Package,
        options: InstallOptions,
    ) -> Result<InstallReport> {
        let record = self.inner.prepare(package, None)?;
        self.inner.commit_install(package, &record, options)
    }

    /// Reinstates the version `id` had before its last update (kept until
    /// the next one): its code and manifest; its data, secrets, enabled
    /// flag and publisher pin stay. `NOT_FOUND` if there is none.
    pub fn rollback(&self, id: &str) -> Result<InstallReport> {
        validate_plugin_id(id)?;
        let report = self.inner.store.rollback(id)?;
        self.inner.registry.invalidate(id);
        self.inner.js.forget(id);
        self.inner.breakers.reset(id);
        Ok(report)
    }

    /// Removes a plugin and everything it owns.
    pub fn uninstall(&self, id: &str) -> Result<UninstallReport> {
        validate_plugin_id(id)?;
        let report = self.inner.store.uninstall(id)?;
        self.inner.registry.invalidate(id);
        self.inner.js.forget(id);
        Ok(report)
    }
}

impl Inner {
    /// Checks, compiles and installs a verified package (see
    /// [`Engine::install_with`]); for work running on a lane, which holds
    /// only the engine's inner state.
    pub(super) fn install_package(
        &self,
        package: &Package,
        options: InstallOptions,
    ) -> Result<InstallReport> {
        let prepared = self.prepare(package, None)?;
        self.commit_install(package, &prepared, options)
    }

    /// A package file and the artifact beside it (`NAME.bexa`), if there
    /// is one to use: an engine that can compile uses it only when it fits
    /// (else compiles); a runtime-only one takes it as it is, so a misfit
    /// is reported, and refuses a package without one before reading it.
    fn read_with_artifact_beside(&self, path: &Path) -> Result<(Package, Option<Artifact>)> {
        let beside = artifact_path_for(path);
        let artifact = if beside.is_file() {
            Some(Artifact::read_file(&beside)?)
        } else {
            None
        };
        if !cfg!(feature = "jit") && artifact.is_none() {
            return Err(ArtifactError::Unusable {
                id: path.display().to_string(),
                reason: format!(
                    "this BEX is runtime-only (built without the `jit` feature) and cannot compile plugins; there is no {} beside the package. Make one with `bex precompile` for this engine: {}",
                    beside.display(),
                    self.artifact_key
                ),
            }
            .into());
        }
        let package = self.read_package(path, artifact.as_ref())?;
        let artifact =
            artifact.filter(|a| !cfg!(feature = "jit") || self.fits(&package, a).is_ok());
        Ok((package, artifact))
    }

    /// Reads a package file; a build that reads no YAML takes its manifest
    /// from the artifact (whose pin is checked before anything is
    /// installed: see [`Engine::fits`]).
    fn read_package(&self, path: &Path, artifact: Option<&Artifact>) -> Result<Package> {
        let limits = &self.config.package_limits;
        match artifact {
            Some(a) if !cfg!(feature = "yaml") => {
                Package::read_file_with_manifest(path, limits, a.manifest_json())
            }
            _ => Package::read_file(path, limits),
        }
    }

    /// Whether `artifact` was made for this engine and from `package`.
    fn fits(
        &self,
        package: &Package,
        artifact: &Artifact,
    ) -> std::result::Result<(), ArtifactError> {
        let unusable = |reason: String| ArtifactError::Unusable {
            id: package.manifest().id.clone(),
            reason,
        };
        let wanted = &self.artifact_key;
        if artifact.key() != wanted {
            return Err(unusable(format!(
                "the artifact was made for {}, this engine needs {wanted}",
                artifact.key()
            )));
        }
        if artifact.package_digest() != package.digest()
            || artifact.component_sha256() != package.component_sha256()
        {
            return Err(unusable(format!(
                "the artifact was made from another package (digest {}), not this one ({})",
                hex(&artifact.package_digest()),
                hex(&package.digest())
            )));
        }
        Ok(())
    }

    /// The compiled code for `package`: its artifact's code when
    /// one is given (it must fit), else freshly compiled code; either way
    /// the component is checked against the contract first.
    fn prepare(&self, package: &Package, artifact: Option<&Artifact>) -> Result<Prepared> {
        if package.signature().is_none() && !self.config.allow_unsigned_packages {
            return Err(crate::trust::TrustError::SignatureRequired {
                what: format!(
                    "package {} {}",
                    package.manifest().id,
                    package.manifest().version
                ),
            }
            .into());
        }
        vet::display_urls(package.manifest(), vet::Policy::of(&self.config))?;
        let engine = &self.wasm;
        let code = match artifact {
            Some(a) => {
                self.fits(package, a)?;
                let component =
                    wasm::deserialize(engine, a.code()).map_err(|e| ArtifactError::Unusable {
                        id: package.manifest().id.clone(),
                        reason: format!("wasmtime refused it: {e:#}"),
                    })?;
                self.checked(|| component::check_loaded(engine, package.manifest(), &component))?;
                a.code().to_vec()
            }
            None => {
                let component = self.compile_checked(package)?;
                component.serialize().map_err(super::wasmtime_error)?
            }
        };
        Ok(Prepared {
            code,
            precompiled: artifact.is_some(),
        })
    }

    #[cfg(feature = "jit")]
    fn compile_checked(&self, package: &Package) -> Result<wasmtime::component::Component> {
        let engine = &self.wasm;
        self.checked(|| component::compile_checked(engine, package.manifest(), package.component()))
    }

    #[cfg(not(feature = "jit"))]
    fn compile_checked(&self, package: &Package) -> Result<wasmtime::component::Component> {
        Err(ArtifactError::Unusable {
            id: package.manifest().id.clone(),
            reason: format!(
                "{}; none was given (looked for NAME.bexa beside NAME.bex). This engine needs: {}",
                wasm::NO_COMPILER,
                self.artifact_key
            ),
        }
        .into())
    }

    /// Runs a contract check, which instantiates the component: it takes
    /// an instance slot like any call.
    fn checked<T>(
        &self,
        check: impl FnOnce() -> std::result::Result<T, component::ComponentError>,
    ) -> Result<T> {
        let _permit = self
            .executions
            .acquire(Instant::now() + Duration::from_secs(60))
            .map_err(|_| CallError::Busy("no instance slot freed for the install check".into()))?;
        Ok(check()?)
    }

    fn commit_install(
        &self,
        package: &Package,
        prepared: &Prepared,
        options: InstallOptions,
    ) -> Result<InstallReport> {
        let key = wasm::cache_key(&package.component_sha256_hex(), &self.engine_hash);
        let mut report = self
            .store
            .install_with(package, options, Some((&key, &prepared.code)))?;
        report.precompiled = prepared.precompiled;
        self.registry.invalidate(&report.id);
        self.js.forget(&report.id);
        self.breakers.reset(&report.id);
        Ok(report)
    }
}

/// Builds a package from a manifest and a component after checking both:
/// the manifest's rules, and the component against the contract and the
/// manifest's `provides`. Needs the compiler (the `jit` feature).
#[cfg(feature = "jit")]
pub fn pack(manifest_text: &str, component: Vec<u8>) -> Result<Package> {
    let package = Package::new(manifest_text, component)?;
    vet::display_urls(package.manifest(), vet::Policy::default())?;
    component::check(package.manifest(), package.component())?;
    Ok(package)
}

/// Reads a manifest and a component from files and packs them (see [`pack`]).
#[cfg(feature = "jit")]
pub fn pack_files(manifest: &Path, component: &Path) -> Result<Package> {
    let text = std::fs::read(manifest).map_err(|e| Error::io(manifest, e))?;
    if text.len() > crate::manifest::MAX_MANIFEST_BYTES {
        return Err(crate::manifest::ManifestError::TooLarge {
            size: text.len(),
            max: crate::manifest::MAX_MANIFEST_BYTES,
        }
        .into());
    }
    let text = String::from_utf8(text).map_err(|e| {
        crate::manifest::ManifestError::Syntax(format!("{}: not UTF-8: {e}", manifest.display()))
    })?;
    let len = std::fs::metadata(component)
        .map_err(|e| Error::io(component, e))?
        .len();
    let max = crate::package::DEFAULT_MAX_COMPONENT_BYTES;
    if len > max {
        return Err(crate::package::PackageError::TooLarge {
            what: "component".into(),
            size: len,
            max,
        }
        .into());
    }
    let bytes = std::fs::read(component).map_err(|e| Error::io(component, e))?;
    pack(&text, bytes)
}
