//! `manifest.yaml`: what a plugin is, what it provides and what it may touch.
//!
//! [`Manifest::parse`] reads the YAML, refuses unknown fields, and checks
//! every rule with an error that names the field (see docs/manifest.md).

mod hosts;
mod permissions;
mod raw;
mod validate;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contract::{Capabilities, Operation};

pub use hosts::{DEFAULT_PORTS, HostPattern};
pub use permissions::PermissionChanges;

/// The manifest schema this engine reads.
pub const MANIFEST_SCHEMA: u32 = 1;

/// Largest manifest accepted, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;

/// Default storage quota when `storage: true`: 1 MiB.
pub const DEFAULT_STORAGE_QUOTA: u64 = 1024 * 1024;

/// Default `network.concurrent`.
pub const DEFAULT_CONCURRENT: u32 = 4;

/// Default `network.rate_per_minute`.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 120;

/// Default `priority`.
pub const DEFAULT_PRIORITY: u32 = 100;

/// Why a manifest was refused.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The manifest is larger than [`MAX_MANIFEST_BYTES`].
    #[error("manifest is {size} bytes; the limit is {max}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The YAML does not parse, has an unknown or duplicate field, a missing
    /// required field or a value of the wrong type.
    #[error("manifest: {0}")]
    Syntax(String),
    /// A field breaks a rule.
    #[error("manifest field `{field}`: {message}")]
    Field {
        /// The field, as a YAML path (`network.hosts[2]`).
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// `schema` is newer than this engine reads.
    #[error("manifest schema {found} is newer than this BEX reads ({supported}); upgrade BEX")]
    SchemaTooNew {
        /// The manifest's schema.
        found: u32,
        /// The newest schema this engine reads.
        supported: u32,
    },
    /// The plugin's `abi` range does not include this engine's ABI.
    #[error("plugin requires ABI {required}, this BEX implements {host}")]
    AbiMismatch {
        /// The manifest's `abi` range.
        required: String,
        /// This engine's ABI version.
        host: String,
    },
}

impl ManifestError {
    fn field(field: impl Into<String>, message: impl Into<String>) -> ManifestError {
        ManifestError::Field {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A validated plugin manifest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Manifest {
    /// Manifest schema (always [`MANIFEST_SCHEMA`] once validated).
    pub schema: u32,
    /// Plugin id, `bex.<name>`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Plugin version.
    #[serde(serialize_with = "display")]
    pub version: semver::Version,
    /// Authors.
    pub authors: Vec<String>,
    /// The contract versions the plugin works with.
    #[serde(serialize_with = "display")]
    pub abi: semver::VersionReq,
    /// Capabilities the plugin exports.
    #[serde(serialize_with = "capabilities")]
    pub provides: Capabilities,
    /// Network permissions.
    pub network: Network,
    /// Key-value storage permission.
    pub storage: Storage,
    /// Secret names the plugin may read.
    pub secrets: Vec<String>,
    /// Presentation.
    pub display: Display,
    /// Ordering among plugins: higher first.
    pub priority: u32,
    /// Resource limits the plugin asks for, within the engine's ceilings.
    pub limits: Limits,
}

/// `network`: where a plugin may connect.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Network {
    /// Allowed hosts (and ports).
    #[serde(serialize_with = "display_list")]
    pub hosts: Vec<HostPattern>,
    /// Most requests in flight at once.
    pub concurrent: u32,
    /// Requests allowed per minute (token bucket).
    pub rate_per_minute: u32,
    /// Requests that may go at once before the rate applies (the bucket's
    /// size); `None`: a tenth of the per-minute rate, at least one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burst: Option<u32>,
}

impl Network {
    /// The bucket's size: [`Network::burst`], or a tenth of the rate.
    pub fn burst_size(&self) -> u32 {
        self.burst.unwrap_or((self.rate_per_minute / 10).max(1))
    }
}

impl Network {
    /// Whether `host` (lower case, no port) on `port` matches one of the
    /// allowed patterns: a pattern without a port allows only
    /// [`DEFAULT_PORTS`] (80 and 443).
    pub fn allows(&self, host: &str, port: u16) -> bool {
        self.hosts.iter().any(|p| p.matches(host, port))
    }

    /// Whether some pattern matches `host` on any port: tells "this port is
    /// not allowed" from "this host is not allowed".
    pub fn allows_name(&self, host: &str) -> bool {
        self.hosts.iter().any(|p| p.matches_name(host))
    }
}

/// `storage`: the plugin's key-value store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Storage {
    /// Whether the plugin may use the store at all.
    pub enabled: bool,
    /// Most bytes (keys plus values) the plugin may keep.
    pub quota_bytes: u64,
}

/// `display`: how players present the plugin.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Display {
    /// One-paragraph description.
    pub description: Option<String>,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// Icon url (https).
    pub icon: Option<String>,
    /// Project page (https).
    pub homepage: Option<String>,
}

/// Limits for one operation; `None` leaves the engine's default.
/// Deserializes from the engine config JSON's `limits` and `ceilings`
/// (manifests are read through their own raw form).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationLimits {
    /// Fuel (roughly, WebAssembly instructions).
    pub fuel: Option<u64>,
    /// Wall-clock deadline, milliseconds.
    pub timeout_ms: Option<u64>,
    /// Linear memory, MiB.
    pub memory_mb: Option<u32>,
}

impl OperationLimits {
    /// `self`, with unset fields taken from `fallback`.
    pub fn or(self, fallback: OperationLimits) -> OperationLimits {
        OperationLimits {
            fuel: self.fuel.or(fallback.fuel),
            timeout_ms: self.timeout_ms.or(fallback.timeout_ms),
            memory_mb: self.memory_mb.or(fallback.memory_mb),
        }
    }
}

/// `limits`: a default plus per-operation overrides.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Applies to every operation.
    pub default: OperationLimits,
    /// Per-operation overrides, on top of `default`.
    #[serde(serialize_with = "operation_map")]
    pub operations: BTreeMap<Operation, OperationLimits>,
}

impl Limits {
    /// What the manifest asks for `op`: its override, then the default.
    pub fn for_operation(&self, op: Operation) -> OperationLimits {
        self.operations
            .get(&op)
            .copied()
            .unwrap_or_default()
            .or(self.default)
    }
}

impl Manifest {
    /// Parses and validates a manifest: YAML, or its JSON form (a text
    /// starting with `{`), which every build reads. A build without the
    /// `yaml` feature reads only JSON (precompiled artifacts carry their
    /// manifest that way, docs/porting.md).
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        if text.len() > MAX_MANIFEST_BYTES {
            return Err(ManifestError::TooLarge {
                size: text.len(),
                max: MAX_MANIFEST_BYTES,
            });
        }
        let raw: raw::RawManifest = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| ManifestError::Syntax(e.to_string()))?
        } else {
            parse_yaml(text)?
        };
        validate::validate(raw)
    }

    /// The JSON form of a YAML manifest, which parses to the same manifest:
    /// the same values, without YAML. Refused when a value would change
    /// meaning on the way (an unquoted scalar read as a number where text
    /// is meant: quote it). A manifest already in JSON comes back as is;
    /// a build without the `yaml` feature refuses YAML as `parse` does.
    pub fn json_of(text: &str) -> Result<String, ManifestError> {
        let manifest = Manifest::parse(text)?;
        if text.trim_start().starts_with('{') {
            return Ok(text.to_string());
        }
        let json = yaml_to_json(text)?;
        match Manifest::parse(&json) {
            Ok(same) if same == manifest => Ok(json),
            Ok(_) => Err(ManifestError::Syntax(
                "the manifest changes meaning as JSON; quote its text values".into(),
            )),
            Err(e) => Err(ManifestError::Syntax(format!(
                "the manifest does not convert to JSON ({e}); quote its text values"
            ))),
        }
    }

    /// Parses a manifest from bytes, which must be UTF-8.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        if bytes.len() > MAX_MANIFEST_BYTES {
            return Err(ManifestError::TooLarge {
                size: bytes.len(),
                max: MAX_MANIFEST_BYTES,
            });
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|e| ManifestError::Syntax(format!("not UTF-8: {e}")))?;
        Manifest::parse(text)
    }
}

#[cfg(feature = "yaml")]
fn parse_yaml(text: &str) -> Result<raw::RawManifest, ManifestError> {
    serde_saphyr::from_str(text).map_err(|e| ManifestError::Syntax(e.to_string()))
}

#[cfg(feature = "yaml")]
fn yaml_to_json(text: &str) -> Result<String, ManifestError> {
    let value: serde_json::Value =
        serde_saphyr::from_str(text).map_err(|e| ManifestError::Syntax(e.to_string()))?;
    Ok(serde_json::to_string(&value).expect("a JSON value serializes"))
}

#[cfg(not(feature = "yaml"))]
fn yaml_to_json(text: &str) -> Result<String, ManifestError> {
    // `parse` has already refused YAML in this build.
    parse_yaml(text).map(|_| String::new())
}

#[cfg(not(feature = "yaml"))]
fn parse_yaml(_text: &str) -> Result<raw::RawManifest, ManifestError> {
    Err(ManifestError::Syntax(
        "this build of BEX reads manifests only as JSON (built without the `yaml` feature): install the package with its precompiled artifact (bex precompile), which carries the manifest as JSON".into(),
    ))
}

/// Checks a plugin id passed by a caller (CLI, C ABI): `bex.` and 1 to 64
/// of `a-z 0-9 -`.
pub fn validate_plugin_id(id: &str) -> Result<(), crate::Error> {
    validate::plugin_id(id).map_err(|e| match e {
        ManifestError::Field { message, .. } => {
            crate::Error::InvalidArgument(format!("plugin id {message}"))
        }
        other => crate::Error::InvalidArgument(other.to_string()),
    })
}

fn display<T: std::fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn display_list<T: std::fmt::Display, S: serde::Serializer>(
    v: &[T],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|x| x.to_string()))
}

fn capabilities<S: serde::Serializer>(v: &Capabilities, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|c| c.manifest_key()))
}

fn operation_map<S: serde::Serializer>(
    v: &BTreeMap<Operation, OperationLimits>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(v.iter().map(|(op, l)| (op.name(), l)))
}
