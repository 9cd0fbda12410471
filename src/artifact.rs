//! Precompiled artifacts (`.bexa`): a plugin's component compiled ahead of
//! time, on a build machine, for one device's target, execution strategy
//! and engine profile, so that an engine built without the compiler (the
//! `jit` feature off) can run it. `bex precompile` writes them;
//! docs/package-format.md has the layout, docs/porting.md the workflow.
//!
//! An artifact is machine code (or Pulley bytecode) that the engine maps
//! and runs, so it is trusted like the player binary itself: it comes from
//! the vendor's build, never from a plugin author. The engine loads one
//! only when its [`ArtifactKey`] names that engine exactly and its pin
//! names the package being installed, after checking its SHA-256; wasmtime
//! then checks its own header (version, target, settings) again.

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::digest::{Sha256Digest, hex, sha256};
use crate::error::Error;
use crate::wasm::Execution;

/// The artifact format version this engine writes and reads.
pub const ARTIFACT_FORMAT_VERSION: u16 = 1;

/// Largest compiled code an artifact may carry: 256 MiB.
pub const MAX_ARTIFACT_CODE_BYTES: u64 = 256 << 20;

const MAGIC: [u8; 8] = *b"\x89BEXA\r\n\x1a";
const HEADER_LEN: usize = 136;
const MAX_KEY_BYTES: u32 = 1024;
const MAX_MANIFEST_BYTES: u32 = crate::manifest::MAX_MANIFEST_BYTES as u32;

/// Why an artifact file was refused, or no artifact fits.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The bytes are not an artifact of this format: bad magic, truncated,
    /// reserved fields set, impossible lengths.
    #[error("not a valid .bexa artifact: {message}")]
    Invalid {
        /// What is wrong.
        message: String,
    },
    /// A checksum does not match: the file is corrupt.
    #[error("corrupt artifact: {message}")]
    Corrupt {
        /// Which checksum.
        message: String,
    },
    /// The artifact was written by a newer BEX.
    #[error(
        "artifact format {version} is newer than this BEX reads ({ARTIFACT_FORMAT_VERSION}); upgrade BEX"
    )]
    VersionTooNew {
        /// The version found.
        version: u16,
    },
    /// No artifact fits: none was given to an engine that cannot compile,
    /// or the one given is for another engine or another package.
    #[error("no usable precompiled artifact for {id}: {reason}")]
    Unusable {
        /// The plugin (or package) it was for.
        id: String,
        /// Why, naming what was wanted and what was found.
        reason: String,
    },
}

/// What an artifact was compiled for. It loads only into an engine with
/// the same key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArtifactKey {
    /// wasmtime's major version: its artifacts load only into the same
    /// major version.
    pub wasmtime: String,
    /// The target triple wasmtime compiled for: the device's for native
    /// code, `pulley32`/`pulley64` for Pulley bytecode (which runs on any
    /// device of that width and byte order).
    pub target: String,
    /// Native code or Pulley bytecode.
    pub execution: Execution,
    /// The engine settings that change generated code, frozen under one
    /// name: `bex1-m<N>`, N the memory ceiling in MiB (each instance's
    /// memory reservation, which decides its bounds checks).
    pub profile: String,
}

impl ArtifactKey {
    /// The profile name for a memory ceiling of `memory_ceiling_mb`.
    pub fn profile_name(memory_ceiling_mb: u32) -> String {
        format!("bex1-m{memory_ceiling_mb}")
    }

    fn encode(&self) -> String {
        format!(
            "wasmtime={};target={};execution={};profile={}",
            self.wasmtime, self.target, self.execution, self.profile
        )
    }

    fn decode(text: &str) -> Result<ArtifactKey, String> {
        let mut fields = text.split(';').map(|f| f.split_once('='));
        let mut next = |name: &str| match fields.next() {
            Some(Some((k, v))) if k == name && !v.is_empty() => Ok(v.to_string()),
            _ => Err(format!("key \"{text}\" lacks {name}=")),
        };
        let key = ArtifactKey {
            wasmtime: next("wasmtime")?,
            target: next("target")?,
            execution: next("execution")?.parse()?,
            profile: next("profile")?,
        };
        if fields.next().is_some() {
            return Err(format!("key \"{text}\" has unknown fields"));
        }
        Ok(key)
    }
}

impl fmt::Display for ArtifactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wasmtime {}, {}, {}, profile {}",
            self.wasmtime, self.target, self.execution, self.profile
        )
    }
}

/// A precompiled artifact: the key, the package it came from (pinned by
/// [`Package::digest`](crate::package::Package::digest)), that package's
/// manifest as JSON (for builds that read no YAML) and the code.
#[derive(Clone)]
pub struct Artifact {
    key: ArtifactKey,
    package_digest: Sha256Digest,
    component_sha256: Sha256Digest,
    manifest_json: String,
    code: Vec<u8>,
}

impl fmt::Debug for Artifact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Artifact")
            .field("key", &self.key)
            .field("package_digest", &hex(&self.package_digest))
            .field("code_bytes", &self.code.len())
            .finish()
    }
}

impl Artifact {
    /// Only a build that compiles makes artifacts.
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub(crate) fn new(
        key: ArtifactKey,
        package_digest: Sha256Digest,
        component_sha256: Sha256Digest,
        manifest_json: String,
        code: Vec<u8>,
    ) -> Artifact {
        Artifact {
            key,
            package_digest,
            component_sha256,
            manifest_json,
            code,
        }
    }

    /// What it was compiled for.
    pub fn key(&self) -> &ArtifactKey {
        &self.key
    }

    /// The digest of the package it was compiled from.
    pub fn package_digest(&self) -> Sha256Digest {
        self.package_digest
    }

    /// The SHA-256 of the component it was compiled from.
    pub fn component_sha256(&self) -> Sha256Digest {
        self.component_sha256
    }

    /// The package's manifest, as JSON (see
    /// [`Manifest::json_of`](crate::manifest::Manifest::json_of)): an
    /// engine that reads no YAML installs the package with it. It is
    /// trusted as the code is.
    pub fn manifest_json(&self) -> &str {
        &self.manifest_json
    }

    /// Bytes of compiled code.
    pub fn code_bytes(&self) -> usize {
        self.code.len()
    }

    pub(crate) fn code(&self) -> &[u8] {
        &self.code
    }

    /// The `.bexa` bytes.
    pub fn encode(&self) -> Vec<u8> {
        let key = self.key.encode();
        let manifest = self.manifest_json.as_bytes();
        let mut texts = crc32fast::Hasher::new();
        texts.update(key.as_bytes());
        texts.update(manifest);
        let mut out = Vec::with_capacity(HEADER_LEN + key.len() + manifest.len() + self.code.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&ARTIFACT_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&(key.len() as u32).to_le_bytes());
        out.extend_from_slice(&(self.code.len() as u64).to_le_bytes());
        out.extend_from_slice(&self.package_digest);
        out.extend_from_slice(&self.component_sha256);
        out.extend_from_slice(&sha256(&self.code));
        out.extend_from_slice(&(manifest.len() as u32).to_le_bytes());
        out.extend_from_slice(&texts.finalize().to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        debug_assert_eq!(out.len(), HEADER_LEN);
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(manifest);
        out.extend_from_slice(&self.code);
        out
    }

    /// Reads `.bexa` bytes, checking the header's CRC32 and the code's
    /// SHA-256; every length is checked against the bytes before use.
    pub fn decode(bytes: &[u8]) -> Result<Artifact, ArtifactError> {
        let invalid = |m: &str| ArtifactError::Invalid { message: m.into() };
        let header = bytes
            .get(..HEADER_LEN)
            .ok_or_else(|| invalid("truncated header"))?;
        if header[..8] != MAGIC {
            return Err(invalid("bad magic"));
        }
        let u16_at = |at: usize| u16::from_le_bytes([header[at], header[at + 1]]);
        let u32_at = |at: usize| u32::from_le_bytes(header[at..at + 4].try_into().unwrap());
        let u64_at = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().unwrap());
        let digest_at = |at: usize| -> Sha256Digest { header[at..at + 32].try_into().unwrap() };
        if crc32fast::hash(&header[..132]) != u32_at(132) {
            return Err(ArtifactError::Corrupt {
                message: "header CRC32 mismatch".into(),
            });
        }
        match u16_at(8) {
            0 => return Err(invalid("format version 0")),
            v if v > ARTIFACT_FORMAT_VERSION => {
                return Err(ArtifactError::VersionTooNew { version: v });
            }
            _ => {}
        }
        if u16_at(10) != 0 || u32_at(128) != 0 {
            return Err(invalid("reserved fields are set"));
        }
        let key_len = u32_at(12);
        let code_len = u64_at(16);
        let manifest_len = u32_at(120);
        if key_len == 0 || key_len > MAX_KEY_BYTES {
            return Err(invalid("key length out of range"));
        }
        if manifest_len == 0 || manifest_len > MAX_MANIFEST_BYTES {
            return Err(invalid("manifest length out of range"));
        }
        if code_len == 0 || code_len > MAX_ARTIFACT_CODE_BYTES {
            return Err(invalid("code length out of range"));
        }
        let rest = &bytes[HEADER_LEN..];
        let promised = u64::from(key_len) + u64::from(manifest_len) + code_len;
        if rest.len() as u64 != promised {
            return Err(invalid(&format!(
                "the header promises {promised} bytes after it, the file has {}",
                rest.len()
            )));
        }
        let (key, rest) = rest.split_at(key_len as usize);
        let (manifest, code) = rest.split_at(manifest_len as usize);
        let mut texts = crc32fast::Hasher::new();
        texts.update(key);
        texts.update(manifest);
        if texts.finalize() != u32_at(124) {
            return Err(ArtifactError::Corrupt {
                message: "key or manifest CRC32 mismatch".into(),
            });
        }
        let key = std::str::from_utf8(key)
            .map_err(|_| invalid("the key is not UTF-8"))
            .and_then(|k| ArtifactKey::decode(k).map_err(|m| invalid(&m)))?;
        let manifest_json = std::str::from_utf8(manifest)
            .map_err(|_| invalid("the manifest is not UTF-8"))?
            .to_string();
        if sha256(code) != digest_at(88) {
            return Err(ArtifactError::Corrupt {
                message: "the code's SHA-256 does not match the header".into(),
            });
        }
        Ok(Artifact {
            key,
            package_digest: digest_at(24),
            component_sha256: digest_at(56),
            manifest_json,
            code: code.to_vec(),
        })
    }

    /// Reads and checks a `.bexa` file; files larger than any valid
    /// artifact are refused before they are read.
    pub fn read_file(path: &Path) -> Result<Artifact, Error> {
        let len = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        let max = (HEADER_LEN as u64)
            + u64::from(MAX_KEY_BYTES)
            + u64::from(MAX_MANIFEST_BYTES)
            + MAX_ARTIFACT_CODE_BYTES;
        if len > max {
            return Err(ArtifactError::Invalid {
                message: format!("{} is {len} bytes, more than any artifact", path.display()),
            }
            .into());
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Ok(Artifact::decode(&bytes)?)
    }

    /// Writes the artifact to `path` atomically (a synced temporary file
    /// renamed over it).
    pub fn write_file(&self, path: &Path) -> Result<(), Error> {
        crate::package::write_atomically(path, &self.encode())
    }
}

/// Where `bex install` and [`Engine::install_file`](crate::Engine::install_file)
/// look for a package's artifact: beside it, `NAME.bexa` for `NAME.bex`.
pub fn artifact_path_for(package: &Path) -> std::path::PathBuf {
    package.with_extension("bexa")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Artifact {
        Artifact::new(
            ArtifactKey {
                wasmtime: "48".into(),
                target: "pulley32".into(),
                execution: Execution::Pulley,
                profile: ArtifactKey::profile_name(64),
            },
            [1; 32],
            [2; 32],
            "{\"schema\": 1}".into(),
            b"\x7fELF compiled code".to_vec(),
        )
    }

    #[test]
    fn round_trips() {
        let a = sample();
        let b = Artifact::decode(&a.encode()).unwrap();
        assert_eq!(b.key(), a.key());
        assert_eq!(b.package_digest(), [1; 32]);
        assert_eq!(b.component_sha256(), [2; 32]);
        assert_eq!(b.manifest_json(), "{\"schema\": 1}");
        assert_eq!(b.code(), a.code());
        assert_eq!(
            a.key().to_string(),
            "wasmtime 48, pulley32, pulley, profile bex1-m64"
        );
    }

    #[test]
    fn every_damaged_byte_is_refused() {
        let good = sample().encode();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x20;
            assert!(Artifact::decode(&bad).is_err(), "byte {i} flipped");
        }
        for n in 0..good.len() {
            assert!(Artifact::decode(&good[..n]).is_err(), "truncated to {n}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(matches!(
            Artifact::decode(&longer),
            Err(ArtifactError::Invalid { .. })
        ));
    }

    #[test]
    fn the_committed_fuzz_seed_is_a_valid_artifact() {
        // tests/fuzz/corpus/artifact holds seeds written by hand to this
        // layout; at least one must decode, or the corpus tests nothing.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz/corpus/artifact");
        let valid = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                Artifact::decode(&std::fs::read(e.as_ref().unwrap().path()).unwrap()).is_ok()
            })
            .count();
        assert!(valid >= 2, "{valid} valid seeds");
    }

    #[test]
    fn a_newer_format_asks_for_an_upgrade() {
        let mut bytes = sample().encode();
        bytes[8] = 2;
        let crc = crc32fast::hash(&bytes[..132]);
        bytes[132..136].copy_from_slice(&crc.to_le_bytes());
        assert!(matches!(
            Artifact::decode(&bytes),
            Err(ArtifactError::VersionTooNew { version: 2 })
        ));
    }

    #[test]
    fn keys_parse_strictly() {
        let k = sample().key().clone();
        assert_eq!(ArtifactKey::decode(&k.encode()).unwrap(), k);
        for bad in [
            "",
            "wasmtime=48",
            "target=x;wasmtime=48;execution=native;profile=p",
            "wasmtime=48;target=x;execution=jit;profile=p",
            "wasmtime=48;target=x;execution=native;profile=p;more=1",
            "wasmtime=;target=x;execution=native;profile=p",
        ] {
            assert!(ArtifactKey::decode(bad).is_err(), "{bad}");
        }
    }
}
