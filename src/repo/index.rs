//! The repository index (format 1): what a repository offers, signed by
//! the repository's key (docs/distribution.md).
//!
//! The file a repository serves is an envelope whose `index` is the index
//! JSON as a string, signed byte for byte, so no canonical JSON is needed:
//!
//! ```json
//! {"key": "ed25519:…", "signature": "<128 hex>", "index": "{\"format\":1,…}"}
//! ```

use serde::{Deserialize, Serialize};

use super::RepoError;
use crate::trust::{PublisherKey, SigningKey};

/// The index format this engine reads and writes.
pub const INDEX_FORMAT: u32 = 1;
/// The largest index file accepted.
pub const MAX_INDEX_BYTES: u64 = 4 * 1024 * 1024;
const MAX_PLUGINS: usize = 2000;
const MAX_VERSIONS: usize = 64;
const MAX_TEXT: usize = 1024;
const MAX_TAGS: usize = 16;
const INDEX_CONTEXT: &[u8] = b"BEX repository index v1\0";

/// What a repository offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// [`INDEX_FORMAT`].
    pub format: u32,
    /// The repository's display name.
    pub name: String,
    /// Raised with every change; an engine refuses a lower one than it has
    /// seen (rollback).
    pub version: u64,
    /// Unix seconds after which the index is stale and refused (freeze).
    pub expires: u64,
    /// The plugins offered.
    pub plugins: Vec<Entry>,
}

/// One plugin in an index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Plugin id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// One paragraph.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// An https icon url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// BCP 47 language of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Capabilities (`home`, `search`, …), as the manifest's `provides`.
    pub capabilities: Vec<String>,
    /// The manifest's `abi` range.
    pub abi: String,
    /// The key every release of this plugin is signed by.
    pub publisher: PublisherKey,
    /// Releases, any order.
    pub versions: Vec<Release>,
}

/// One downloadable package.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The manifest's version.
    pub version: semver::Version,
    /// The package's url, relative to the index's.
    pub url: String,
    /// SHA-256 of the package file, hex.
    pub sha256: String,
    /// Size of the package file, bytes.
    pub size: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    key: PublisherKey,
    signature: String,
    index: String,
}

fn message(index: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(INDEX_CONTEXT.len() + index.len());
    m.extend_from_slice(INDEX_CONTEXT);
    m.extend_from_slice(index.as_bytes());
    m
}

impl Index {
    /// The signed file for this index.
    pub fn sign(&self, key: &SigningKey) -> Result<String, RepoError> {
        self.validate()?;
        let index = serde_json::to_string(self).expect("an index serializes");
        let envelope = Envelope {
            key: key.public(),
            signature: crate::digest::hex(&key.sign(&message(&index))),
            index,
        };
        Ok(serde_json::to_string_pretty(&envelope).expect("an envelope serializes"))
    }

    /// Reads a signed index file: its signature must verify with `pinned`
    /// (or, on first use, with the key it names); returns the index and
    /// the key that signed it. Checks the index's shape, not its version
    /// or expiry (see [`Index::check_fresh`]).
    pub fn open(
        bytes: &[u8],
        pinned: Option<&PublisherKey>,
    ) -> Result<(Index, PublisherKey), RepoError> {
        if bytes.len() as u64 > MAX_INDEX_BYTES {
            return Err(RepoError::InvalidIndex(format!(
                "{} bytes; at most {MAX_INDEX_BYTES}",
                bytes.len()
            )));
        }
        let envelope: Envelope = serde_json::from_slice(bytes)
            .map_err(|e| RepoError::InvalidIndex(format!("not a signed index: {e}")))?;
        if let Some(pinned) = pinned
            && envelope.key != *pinned
        {
            return Err(RepoError::BadSignature(format!(
                "the index is signed by {}; the repository is pinned to {pinned}",
                envelope.key
            )));
        }
        let mut signature = [0u8; 64];
        if !crate::trust::parse_hex(&envelope.signature, &mut signature)
            || !envelope.key.verifies(&message(&envelope.index), &signature)
        {
            return Err(RepoError::BadSignature(format!(
                "the index's signature does not verify with {}",
                envelope.key
            )));
        }
        let index: Index = serde_json::from_str(&envelope.index)
            .map_err(|e| RepoError::InvalidIndex(e.to_string()))?;
        index.validate()?;
        Ok((index, envelope.key))
    }

    /// Refuses an index older than the one last accepted (`seen`) or
    /// expired at `now_s`.
    pub fn check_fresh(&self, seen: Option<u64>, now_s: u64) -> Result<(), RepoError> {
        if let Some(seen) = seen
            && self.version < seen
        {
            return Err(RepoError::Rollback {
                found: self.version,
                seen,
            });
        }
        if self.expires <= now_s {
            return Err(RepoError::Expired {
                version: self.version,
                expired: self.expires,
                now: now_s,
            });
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), RepoError> {
        let bad = |why: String| Err(RepoError::InvalidIndex(why));
        if self.format != INDEX_FORMAT {
            return bad(format!(
                "format {} (this BEX reads {INDEX_FORMAT})",
                self.format
            ));
        }
        text("name", &self.name)?;
        if self.plugins.len() > MAX_PLUGINS {
            return bad(format!(
                "{} plugins; at most {MAX_PLUGINS}",
                self.plugins.len()
            ));
        }
        let mut ids = std::collections::BTreeSet::new();
        for e in &self.plugins {
            crate::manifest::validate_plugin_id(&e.id)
                .map_err(|err| RepoError::InvalidIndex(err.to_string()))?;
            if !ids.insert(e.id.as_str()) {
                return bad(format!("{} is listed twice", e.id));
            }
            let field = |f: &str| format!("{}.{f}", e.id);
            text(&field("name"), &e.name)?;
            text(&field("description"), &e.description)?;
            for t in e.tags.iter().chain(&e.language).chain(&e.capabilities) {
                text(&field("tags"), t)?;
            }
            if e.tags.len() > MAX_TAGS {
                return bad(format!(
                    "{}: {} tags; at most {MAX_TAGS}",
                    e.id,
                    e.tags.len()
                ));
            }
            if let Some(icon) = &e.icon {
                text(&field("icon"), icon)?;
            }
            semver::VersionReq::parse(&e.abi)
                .map_err(|err| RepoError::InvalidIndex(format!("{}: abi: {err}", e.id)))?;
            if e.versions.is_empty() || e.versions.len() > MAX_VERSIONS {
                return bad(format!(
                    "{}: {} versions; 1 to {MAX_VERSIONS}",
                    e.id,
                    e.versions.len()
                ));
            }
            for r in &e.versions {
                let mut sha = [0u8; 32];
                if !crate::trust::parse_hex(&r.sha256, &mut sha) {
                    return bad(format!(
                        "{} {}: sha256 is not 64 hex digits",
                        e.id, r.version
                    ));
                }
                if r.size == 0
                    || r.size > crate::package::PackageLimits::default().max_package_bytes()
                {
                    return bad(format!("{} {}: size {}", e.id, r.version, r.size));
                }
                text(&field("url"), &r.url)?;
            }
        }
        Ok(())
    }
}

impl Entry {
    /// The newest release.
    pub fn latest(&self) -> &Release {
        self.versions
            .iter()
            .max_by(|a, b| a.version.cmp(&b.version))
            .expect("validated: at least one version")
    }
}

/// A display string: at most [`MAX_TEXT`] bytes, no control or invisible
/// characters.
fn text(field: &str, s: &str) -> Result<(), RepoError> {
    if s.len() > MAX_TEXT {
        return Err(RepoError::InvalidIndex(format!(
            "{field}: {} bytes; at most {MAX_TEXT}",
            s.len()
        )));
    }
    if let Some(c) = s
        .chars()
        .find(|&c| c.is_control() || crate::invisible::is_invisible(c))
    {
        return Err(RepoError::InvalidIndex(format!(
            "{field}: contains the character U+{:04X}",
            c as u32
        )));
    }
    Ok(())
}
