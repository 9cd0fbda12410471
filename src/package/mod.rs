//! `.bex` packages: a manifest and a component, zstd-compressed, with a CRC32
//! per section and the SHA-256 of each section's content.
//!
//! Decoding checks every size against the file and the [`PackageLimits`]
//! before allocating, so a hostile package is refused without being
//! inflated. The byte layout is in `format` and docs/package-format.md.

mod format;
mod zframe;

use std::io::{Read, Write};
use std::path::Path;

use serde::Serialize;

use crate::digest::{Sha256Digest, hex, sha256};
use crate::error::Error;
use crate::manifest::{MAX_MANIFEST_BYTES, Manifest, ManifestError};
use crate::trust::{MAX_ROTATIONS, PublisherKey, Rotation, Signature, SigningKey, TrustError};
use format::{Codec, Kind};

/// The newest package format version this engine reads, and writes for
/// signed packages (unsigned ones are written as version 1).
pub const PACKAGE_FORMAT_VERSION: u16 = format::FORMAT_VERSION;

/// The largest signature section: the fixed part and every rotation.
const MAX_SIGNATURE_BYTES: u64 = 104 + 128 * MAX_ROTATIONS as u64;

/// Default cap on a component's decompressed size: 64 MiB.
pub const DEFAULT_MAX_COMPONENT_BYTES: u64 = 64 * 1024 * 1024;

/// Default cap on a zstd window (decoder history): 8 MiB.
pub const DEFAULT_MAX_WINDOW_BYTES: u64 = 8 * 1024 * 1024;

/// Why a package was refused.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The package ends before a header or section does.
    #[error("package truncated: the {what} needs {needed} bytes, {available} remain")]
    Truncated {
        /// The part that is cut short.
        what: &'static str,
        /// Bytes it needs.
        needed: u64,
        /// Bytes left in the package.
        available: u64,
    },
    /// The file does not start with the `.bex` magic.
    #[error("not a .bex package (bad magic)")]
    BadMagic,
    /// The format version is not valid.
    #[error("invalid package format version {version}")]
    BadVersion {
        /// The version found.
        version: u16,
    },
    /// The package was written by a newer BEX.
    #[error("package format {version} is newer than this BEX reads ({supported}); upgrade BEX")]
    VersionTooNew {
        /// The version found.
        version: u16,
        /// The newest version this engine reads.
        supported: u16,
    },
    /// Reserved flags are set.
    #[error("package uses unknown flags {flags:#06x}")]
    BadFlags {
        /// The flags found.
        flags: u16,
    },
    /// Sections are missing, repeated, out of order, or use an unknown codec.
    #[error("malformed package: {message}")]
    BadLayout {
        /// What is wrong.
        message: String,
    },
    /// A declared or actual size exceeds a limit.
    #[error("{what} is {size} bytes; the limit is {max}")]
    TooLarge {
        /// What is too large.
        what: String,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// A CRC32 does not match: the file is corrupt.
    #[error("corrupt package: CRC32 mismatch in the {what}")]
    CrcMismatch {
        /// The header or section.
        what: String,
    },
    /// A section's SHA-256 does not match its content.
    #[error("corrupt package: {section} SHA-256 is {actual}, the package records {expected}")]
    ShaMismatch {
        /// The section.
        section: &'static str,
        /// Recorded digest (hex).
        expected: String,
        /// Computed digest (hex).
        actual: String,
    },
    /// A compressed section does not decode to what its header says.
    #[error("corrupt package: {section} section: {message}")]
    Decompress {
        /// The section.
        section: &'static str,
        /// What went wrong.
        message: String,
    },
    /// Bytes follow the last section.
    #[error("{bytes} unexpected bytes after the last section")]
    TrailingData {
        /// How many.
        bytes: u64,
    },
    /// The manifest section holds an invalid manifest.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The signature section is malformed or does not verify.
    #[error(transparent)]
    Trust(#[from] TrustError),
}

/// Caps applied when reading packages. Cheap to copy.
#[derive(Clone, Copy, Debug)]
pub struct PackageLimits {
    max_component_bytes: u64,
    max_window_bytes: u64,
}

impl Default for PackageLimits {
    fn default() -> Self {
        PackageLimits {
            max_component_bytes: DEFAULT_MAX_COMPONENT_BYTES,
            max_window_bytes: DEFAULT_MAX_WINDOW_BYTES,
        }
    }
}

impl PackageLimits {
    /// Largest decompressed component accepted.
    /// Defaults to [`DEFAULT_MAX_COMPONENT_BYTES`] (64 MiB).
    pub fn max_component_bytes(mut self, bytes: u64) -> Self {
        self.max_component_bytes = bytes;
        self
    }

    /// Largest zstd window (decoder memory) accepted.
    /// Defaults to [`DEFAULT_MAX_WINDOW_BYTES`] (8 MiB).
    pub fn max_window_bytes(mut self, bytes: u64) -> Self {
        self.max_window_bytes = bytes;
        self
    }

    /// The largest package file that could hold sections within these caps.
    pub fn max_package_bytes(&self) -> u64 {
        let bound = |raw: u64| raw.saturating_add(raw / 128).saturating_add(1024);
        (format::FILE_HEADER_LEN + 3 * format::SECTION_HEADER_LEN) as u64
            + MAX_SIGNATURE_BYTES
            + bound(MAX_MANIFEST_BYTES as u64)
            + bound(self.max_component_bytes)
    }
}

/// One section, as `inspect` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SectionInfo {
    /// `manifest`, `component` or `signature`.
    pub kind: &'static str,
    /// `stored` or `zstd`.
    pub codec: &'static str,
    /// Bytes in the package.
    pub stored_bytes: u64,
    /// Bytes after decoding.
    pub raw_bytes: u64,
    /// SHA-256 of the decoded bytes, hex.
    pub sha256: String,
}

/// A verified package: a valid manifest and the component bytes.
#[derive(Clone, Debug)]
pub struct Package {
    manifest: Manifest,
    manifest_text: String,
    /// The SHA-256 of the manifest section as packed (which the package's
    /// identity is made of, whichever form `manifest_text` holds).
    manifest_sha256: Sha256Digest,
    component: Vec<u8>,
    component_sha256: Sha256Digest,
    signature: Option<Signature>,
    sections: Vec<SectionInfo>,
}

impl Package {
    /// A package from a manifest and a component. The manifest is validated;
    /// the component is checked against the contract by
    /// [`crate::component::check`], which `pack` calls.
    pub fn new(manifest_text: &str, component: Vec<u8>) -> Result<Package, ManifestError> {
        let manifest = Manifest::parse(manifest_text)?;
        let component_sha256 = sha256(&component);
        Ok(Package {
            manifest,
            manifest_text: manifest_text.to_string(),
            manifest_sha256: sha256(manifest_text.as_bytes()),
            component,
            component_sha256,
            signature: None,
            sections: Vec::new(),
        })
    }

    /// The package signed by `key`, carrying `rotations` (oldest first,
    /// the last handing over to `key`: see [`Rotation`]). Encoding it
    /// writes a version 2 package.
    pub fn signed(
        mut self,
        key: &SigningKey,
        rotations: Vec<Rotation>,
    ) -> Result<Package, TrustError> {
        let message = crate::trust::package_message(&self.manifest_sha256, &self.component_sha256);
        self.signature = Some(Signature::sign(key, &message, rotations)?);
        Ok(self)
    }

    /// The package's verified signature, if it is signed.
    pub fn signature(&self) -> Option<&Signature> {
        self.signature.as_ref()
    }

    /// The key that signed the package, if it is signed.
    pub fn publisher(&self) -> Option<PublisherKey> {
        self.signature.as_ref().map(Signature::publisher)
    }

    /// The validated manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The manifest as written.
    pub fn manifest_text(&self) -> &str {
        &self.manifest_text
    }

    /// The component bytes.
    pub fn component(&self) -> &[u8] {
        &self.component
    }

    /// SHA-256 of the component.
    pub fn component_sha256(&self) -> Sha256Digest {
        self.component_sha256
    }

    /// The sections as read from a package (empty for [`Package::new`]).
    pub fn sections(&self) -> &[SectionInfo] {
        &self.sections
    }

    /// Encodes the package (both sections zstd-compressed).
    pub fn encode(&self, limits: &PackageLimits) -> Result<Vec<u8>, Error> {
        let window = limits.max_window_bytes;
        let compress = |raw: &[u8]| {
            zframe::compress(raw, window).map_err(|e| Error::InvalidArgument(format!("zstd: {e}")))
        };
        let manifest = compress(self.manifest_text.as_bytes())?;
        let component = compress(&self.component)?;
        let signature = self.signature.as_ref().map(Signature::encode);
        let mut out = Vec::with_capacity(
            format::FILE_HEADER_LEN
                + 3 * format::SECTION_HEADER_LEN
                + manifest.len()
                + component.len()
                + signature.as_ref().map_or(0, Vec::len),
        );
        format::write_file_header(&mut out, signature.is_some());
        format::write_section(
            &mut out,
            Kind::Manifest,
            Codec::Zstd,
            self.manifest_text.len() as u64,
            sha256(self.manifest_text.as_bytes()),
            &manifest,
        );
        format::write_section(
            &mut out,
            Kind::Component,
            Codec::Zstd,
            self.component.len() as u64,
            self.component_sha256,
            &component,
        );
        if let Some(signature) = &signature {
            format::write_section(
                &mut out,
                Kind::Signature,
                Codec::Stored,
                signature.len() as u64,
                sha256(signature),
                signature,
            );
        }
        Ok(out)
    }

    /// Decodes and verifies a package held in memory.
    pub fn decode(bytes: &[u8], limits: &PackageLimits) -> Result<Package, PackageError> {
        Package::decode_with(bytes, limits, None)
    }

    /// [`Package::decode`], with the manifest as JSON from elsewhere: a
    /// precompiled artifact carries its package's manifest that way, for
    /// builds that read no YAML (the `yaml` feature off). The package's
    /// identity ([`Package::digest`]) stays that of its own manifest
    /// section; the caller checks the artifact's pin against it.
    pub fn decode_with_manifest(
        bytes: &[u8],
        limits: &PackageLimits,
        manifest_json: &str,
    ) -> Result<Package, PackageError> {
        Package::decode_with(bytes, limits, Some(manifest_json))
    }

    fn decode_with(
        bytes: &[u8],
        limits: &PackageLimits,
        manifest_json: Option<&str>,
    ) -> Result<Package, PackageError> {
        let signed = format::read_file_header(bytes)?;
        let mut at = format::FILE_HEADER_LEN;
        let (manifest_raw, manifest_info) = read_section(
            bytes,
            &mut at,
            Kind::Manifest,
            MAX_MANIFEST_BYTES as u64,
            limits,
        )?;
        let (component, component_info) = read_section(
            bytes,
            &mut at,
            Kind::Component,
            limits.max_component_bytes,
            limits,
        )?;
        let mut sections = vec![manifest_info, component_info];
        let manifest_sha256 = sha256(&manifest_raw);
        let component_sha256 = sha256(&component);
        let signature = if signed {
            let (raw, info) =
                read_section(bytes, &mut at, Kind::Signature, MAX_SIGNATURE_BYTES, limits)?;
            if info.codec != "stored" {
                return Err(PackageError::BadLayout {
                    message: "the signature section must be stored (codec 0)".into(),
                });
            }
            sections.push(info);
            let message = crate::trust::package_message(&manifest_sha256, &component_sha256);
            Some(Signature::decode(&raw, &message)?)
        } else {
            None
        };
        if at != bytes.len() {
            return Err(PackageError::TrailingData {
                bytes: (bytes.len() - at) as u64,
            });
        }
        let (manifest, manifest_text) = match manifest_json {
            Some(json) => (Manifest::parse(json)?, json.to_string()),
            None => {
                let manifest = Manifest::parse_bytes(&manifest_raw)?;
                let text = String::from_utf8(manifest_raw).expect("parse_bytes checked UTF-8");
                (manifest, text)
            }
        };
        Ok(Package {
            manifest,
            manifest_text,
            manifest_sha256,
            component_sha256,
            component,
            signature,
            sections,
        })
    }

    /// Reads and verifies a package file. Files larger than any valid
    /// package within `limits` are refused before being read.
    pub fn read_file(path: &Path, limits: &PackageLimits) -> Result<Package, Error> {
        Package::read_file_with(path, limits, None)
    }

    /// [`Package::read_file`] with the manifest as JSON from elsewhere (see
    /// [`Package::decode_with_manifest`]).
    pub fn read_file_with_manifest(
        path: &Path,
        limits: &PackageLimits,
        manifest_json: &str,
    ) -> Result<Package, Error> {
        Package::read_file_with(path, limits, Some(manifest_json))
    }

    fn read_file_with(
        path: &Path,
        limits: &PackageLimits,
        manifest_json: Option<&str>,
    ) -> Result<Package, Error> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let max = limits.max_package_bytes();
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len > max {
            return Err(PackageError::TooLarge {
                what: "package file".into(),
                size: len,
                max,
            }
            .into());
        }
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        Ok(Package::decode_with(&bytes, limits, manifest_json)?)
    }

    /// Writes the package to `path` atomically: a temporary file in the same
    /// directory, synced, then renamed over `path`.
    pub fn write_file(&self, path: &Path, limits: &PackageLimits) -> Result<(), Error> {
        let bytes = self.encode(limits)?;
        write_atomically(path, &bytes)
    }

    /// The component's SHA-256 as hex.
    pub fn component_sha256_hex(&self) -> String {
        hex(&self.component_sha256)
    }

    /// The package's identity: the SHA-256 of its manifest's SHA-256
    /// followed by its component's. The same content packed twice (at
    /// another compression level, say) has the same digest; precompiled
    /// artifacts are pinned to it.
    pub fn digest(&self) -> Sha256Digest {
        let mut both = [0u8; 64];
        both[..32].copy_from_slice(&self.manifest_sha256);
        both[32..].copy_from_slice(&self.component_sha256);
        sha256(&both)
    }
}

fn read_section(
    bytes: &[u8],
    at: &mut usize,
    kind: Kind,
    cap: u64,
    limits: &PackageLimits,
) -> Result<(Vec<u8>, SectionInfo), PackageError> {
    let header = format::read_section_header(&bytes[*at..], kind)?;
    *at += format::SECTION_HEADER_LEN;
    if header.raw_len > cap {
        return Err(PackageError::TooLarge {
            what: kind.name().into(),
            size: header.raw_len,
            max: cap,
        });
    }
    let stored_ok = match header.codec {
        Codec::Stored => header.stored_len == header.raw_len,
        Codec::Zstd => {
            header.stored_len as usize
                <= zstd::zstd_safe::compress_bound(header.raw_len as usize).max(64)
        }
    };
    if !stored_ok {
        return Err(PackageError::BadLayout {
            message: format!(
                "{} section stores {} bytes for {} decoded bytes",
                kind.name(),
                header.stored_len,
                header.raw_len
            ),
        });
    }
    let available = (bytes.len() - *at) as u64;
    if header.stored_len > available {
        return Err(PackageError::Truncated {
            what: kind.name(),
            needed: header.stored_len,
            available,
        });
    }
    let data = &bytes[*at..*at + header.stored_len as usize];
    *at += data.len();
    if crc32fast::hash(data) != header.data_crc {
        return Err(PackageError::CrcMismatch {
            what: format!("{} section", kind.name()),
        });
    }
    let raw = match header.codec {
        Codec::Stored => data.to_vec(),
        Codec::Zstd => {
            zframe::decompress(kind.name(), data, header.raw_len, limits.max_window_bytes)?
        }
    };
    let actual = sha256(&raw);
    if actual != header.sha256 {
        return Err(PackageError::ShaMismatch {
            section: kind.name(),
            expected: hex(&header.sha256),
            actual: hex(&actual),
        });
    }
    let info = SectionInfo {
        kind: kind.name(),
        codec: match header.codec {
            Codec::Stored => "stored",
            Codec::Zstd => "zstd",
        },
        stored_bytes: header.stored_len,
        raw_bytes: header.raw_len,
        sha256: hex(&actual),
    };
    Ok((raw, info))
}

/// Writes `bytes` to `path` through a synced temporary file and a rename,
/// so `path` is either the old file or the complete new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::InvalidArgument(format!("{} is not a file path", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}
