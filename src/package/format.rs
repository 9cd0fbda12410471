//! The byte layout of `.bex` packages, version 1 (docs/package-format.md).
//!
//! ```text
//! file header, 24 bytes
//!   0   8  magic  89 42 45 58 0D 0A 1A 0A  ("\x89BEX\r\n\x1a\n")
//!   8   2  format version, u16 LE (1 unsigned, 2 signed)
//!  10   2  flags, u16 LE (0; reserved)
//!  12   4  section count, u32 LE (2 in version 1, 3 in version 2)
//!  16   4  reserved, 0
//!  20   4  CRC32 of bytes 0..20
//! section header, 64 bytes, then `stored length` bytes of data
//!   0   4  kind, u32 LE: 1 manifest (YAML), 2 component (wasm),
//!              3 signature (version 2 only; `crate::trust`)
//!   4   4  codec, u32 LE: 0 stored, 1 zstd
//!   8   8  stored length, u64 LE
//!  16   8  raw length (after decoding), u64 LE
//!  24  32  SHA-256 of the raw bytes
//!  56   4  CRC32 of the stored bytes
//!  60   4  CRC32 of bytes 0..60 of this header
//! ```
//! Sections appear once each, manifest first; nothing follows the last one.
//! All integers are little-endian.

use super::PackageError;

pub(super) const MAGIC: [u8; 8] = *b"\x89BEX\r\n\x1a\n";
/// The newest version read: 2, a signed package. Unsigned packages are
/// written as version 1, which every BEX reads.
pub(super) const FORMAT_VERSION: u16 = 2;
/// The version of unsigned packages.
pub(super) const UNSIGNED_VERSION: u16 = 1;
pub(super) const FILE_HEADER_LEN: usize = 24;
pub(super) const SECTION_HEADER_LEN: usize = 64;

/// Section kinds, in the order they appear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Manifest = 1,
    Component = 2,
    Signature = 3,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Manifest => "manifest",
            Kind::Component => "component",
            Kind::Signature => "signature",
        }
    }
}

/// How a section's bytes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Codec {
    Stored = 0,
    Zstd = 1,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SectionHeader {
    pub kind: Kind,
    pub codec: Codec,
    pub stored_len: u64,
    pub raw_len: u64,
    pub sha256: [u8; 32],
    pub data_crc: u32,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().expect("2 bytes"))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// The number of sections a package of `version` has.
fn section_count(version: u16) -> u32 {
    if version == UNSIGNED_VERSION { 2 } else { 3 }
}

/// Writes the file header: version 2 (three sections) when `signed`, else 1.
pub(super) fn write_file_header(out: &mut Vec<u8>, signed: bool) {
    let version = if signed {
        FORMAT_VERSION
    } else {
        UNSIGNED_VERSION
    };
    let start = out.len();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&section_count(version).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// Checks the file header at the start of `b`; returns whether the
/// package is signed (version 2).
pub(super) fn read_file_header(b: &[u8]) -> Result<bool, PackageError> {
    // Magic first, so a wrong file type is named as such even when short.
    let magic_len = b.len().min(MAGIC.len());
    if b[..magic_len] != MAGIC[..magic_len] {
        return Err(PackageError::BadMagic);
    }
    if b.len() < FILE_HEADER_LEN {
        return Err(PackageError::Truncated {
            what: "file header",
            needed: FILE_HEADER_LEN as u64,
            available: b.len() as u64,
        });
    }
    let version = u16_at(b, 8);
    if u32_at(b, 20) != crc32fast::hash(&b[..20]) {
        return Err(PackageError::CrcMismatch {
            what: "file header".into(),
        });
    }
    if version > FORMAT_VERSION {
        return Err(PackageError::VersionTooNew {
            version,
            supported: FORMAT_VERSION,
        });
    }
    if version == 0 {
        return Err(PackageError::BadVersion { version });
    }
    let flags = u16_at(b, 10);
    if flags != 0 {
        return Err(PackageError::BadFlags { flags });
    }
    let count = u32_at(b, 12);
    let expected = section_count(version);
    if count != expected {
        return Err(PackageError::BadLayout {
            message: format!("{count} sections; version {version} packages have {expected}"),
        });
    }
    if u32_at(b, 16) != 0 {
        return Err(PackageError::BadLayout {
            message: "reserved header bytes are not zero".into(),
        });
    }
    Ok(version == FORMAT_VERSION)
}

pub(super) fn write_section(
    out: &mut Vec<u8>,
    kind: Kind,
    codec: Codec,
    raw_len: u64,
    sha256: [u8; 32],
    stored: &[u8],
) {
    let start = out.len();
    out.extend_from_slice(&(kind as u32).to_le_bytes());
    out.extend_from_slice(&(codec as u32).to_le_bytes());
    out.extend_from_slice(&(stored.len() as u64).to_le_bytes());
    out.extend_from_slice(&raw_len.to_le_bytes());
    out.extend_from_slice(&sha256);
    out.extend_from_slice(&crc32fast::hash(stored).to_le_bytes());
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(stored);
}

/// Reads the section header at `b[..64]`, expecting `kind`.
pub(super) fn read_section_header(b: &[u8], expected: Kind) -> Result<SectionHeader, PackageError> {
    if b.len() < SECTION_HEADER_LEN {
        return Err(PackageError::Truncated {
            what: expected.name(),
            needed: SECTION_HEADER_LEN as u64,
            available: b.len() as u64,
        });
    }
    if u32_at(b, 60) != crc32fast::hash(&b[..60]) {
        return Err(PackageError::CrcMismatch {
            what: format!("{} section header", expected.name()),
        });
    }
    let kind = u32_at(b, 0);
    if kind != expected as u32 {
        return Err(PackageError::BadLayout {
            message: format!(
                "expected the {} section (kind {}), found kind {kind}",
                expected.name(),
                expected as u32
            ),
        });
    }
    let codec = match u32_at(b, 4) {
        0 => Codec::Stored,
        1 => Codec::Zstd,
        other => {
            return Err(PackageError::BadLayout {
                message: format!("{} section uses unknown codec {other}", expected.name()),
            });
        }
    };
    Ok(SectionHeader {
        kind: expected,
        codec,
        stored_len: u64_at(b, 8),
        raw_len: u64_at(b, 16),
        sha256: b[24..56].try_into().expect("32 bytes"),
        data_crc: u32_at(b, 56),
    })
}
