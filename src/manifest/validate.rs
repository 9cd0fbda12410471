//! The manifest rules, one function per field group. Every refusal names
//! the field and says what would be accepted.

use std::collections::{BTreeMap, HashSet};

use super::raw::{RawDisplay, RawLimits, RawManifest, RawNetwork, RawOpLimits, RawProvides};
use super::{
    DEFAULT_CONCURRENT, DEFAULT_PRIORITY, DEFAULT_RATE_PER_MINUTE, DEFAULT_STORAGE_QUOTA, Display,
    HostPattern, Limits, MANIFEST_SCHEMA, Manifest, ManifestError, Network, OperationLimits,
    Storage,
};
use crate::contract::{ABI_VERSION, Capabilities, Capability, Operation};

const MAX_ID_NAME: usize = 64;
const MAX_NAME: usize = 100;
const MAX_AUTHORS: usize = 16;
const MAX_AUTHOR: usize = 100;
const MAX_HOSTS: usize = 64;
/// Most a manifest may ask; an engine lowers it to its own ceiling
/// (`EngineConfig::network_ceilings`, 32 by default).
const MAX_CONCURRENT: i64 = 256;
/// Most a manifest may ask; an engine lowers it to its own ceiling
/// (`EngineConfig::network_ceilings`, 6000 by default).
const MAX_RATE_PER_MINUTE: i64 = 600_000;
/// Largest `network.burst`.
const MAX_BURST: i64 = 10_000;
const MAX_QUOTA_KB: i64 = 64 * 1024;
const MAX_SECRETS: usize = 32;
const MAX_SECRET_NAME: usize = 64;
const MAX_DESCRIPTION: usize = 2000;
const MAX_TAGS: usize = 16;
const MAX_TAG: usize = 32;
const MAX_URL: usize = 2048;
const MAX_PRIORITY: i64 = 1000;
const FUEL_RANGE: (i64, i64) = (100_000, 100_000_000_000);
const TIMEOUT_RANGE: (i64, i64) = (10, 600_000);
const MEMORY_RANGE: (i64, i64) = (1, 4096);

type Rule<T> = Result<T, ManifestError>;

pub(super) fn validate(raw: RawManifest) -> Rule<Manifest> {
    if raw.schema > MANIFEST_SCHEMA {
        return Err(ManifestError::SchemaTooNew {
            found: raw.schema,
            supported: MANIFEST_SCHEMA,
        });
    }
    if raw.schema == 0 {
        return Err(ManifestError::field(
            "schema",
            format!("must be {MANIFEST_SCHEMA}"),
        ));
    }
    let provides = provides(&raw.provides)?;
    Ok(Manifest {
        schema: raw.schema,
        id: id(&raw.id)?,
        name: text("name", &raw.name, MAX_NAME, true)?,
        version: version(&raw.version)?,
        authors: authors(&raw.authors)?,
        abi: abi(&raw.abi)?,
        provides,
        network: network(&raw.network)?,
        storage: Storage {
            enabled: raw.storage.enabled,
            quota_bytes: match raw.storage.quota_kb {
                None => DEFAULT_STORAGE_QUOTA,
                Some(kb) => in_range("storage.quota_kb", kb, 1, MAX_QUOTA_KB)? * 1024,
            },
        },
        secrets: secrets(&raw.secrets)?,
        display: display(&raw.display)?,
        priority: match raw.priority {
            None => DEFAULT_PRIORITY,
            Some(p) => {
                u32::try_from(in_range("priority", p, 0, MAX_PRIORITY)?).expect("range checked")
            }
        },
        limits: limits(&raw.limits, provides)?,
    })
}

/// `bex.` followed by 1 to 64 of `a-z 0-9 -`, not starting or ending in `-`.
fn id(id: &str) -> Rule<String> {
    let Some(name) = id.strip_prefix("bex.") else {
        return Err(ManifestError::field(
            "id",
            format!("\"{id}\" must start with \"bex.\" (for example \"bex.tvmaze\")"),
        ));
    };
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if name.is_empty()
        || name.len() > MAX_ID_NAME
        || !ok_chars
        || name.starts_with('-')
        || name.ends_with('-')
    {
        return Err(ManifestError::field(
            "id",
            format!(
                "\"{id}\": the part after \"bex.\" must be 1 to {MAX_ID_NAME} characters of a-z, 0-9 and '-', not starting or ending with '-'"
            ),
        ));
    }
    Ok(id.to_string())
}

/// Checks a plugin id given by a caller with the rule of `manifest.id`.
pub(crate) fn plugin_id(candidate: &str) -> Rule<()> {
    id(candidate).map(|_| ())
}

fn text(field: &str, value: &str, max: usize, required: bool) -> Rule<String> {
    if required && value.trim().is_empty() {
        return Err(ManifestError::field(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(ManifestError::field(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if let Some(c) = value.chars().find(|&c| !displayable(c)) {
        return Err(ManifestError::field(
            field,
            format!(
                "contains U+{:04X}: display strings may not hold control characters, line breaks, bidi controls or zero-width characters",
                u32::from(c)
            ),
        ));
    }
    Ok(value.to_string())
}

/// Whether `c` may appear in a display string (name, description, tag):
/// not a control character (line breaks and tabs included), not a line or
/// paragraph separator, not an invisible character (`crate::invisible`:
/// a bidi control can reverse what a player shows around it, a zero-width
/// character or filler can make two names look alike).
fn displayable(c: char) -> bool {
    !(c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || crate::invisible::is_invisible(c))
}

fn version(v: &str) -> Rule<semver::Version> {
    semver::Version::parse(v).map_err(|e| {
        ManifestError::field(
            "version",
            format!("\"{v}\" is not a semantic version like 1.2.0 ({e})"),
        )
    })
}

fn authors(list: &[String]) -> Rule<Vec<String>> {
    if list.len() > MAX_AUTHORS {
        return Err(ManifestError::field(
            "authors",
            format!("at most {MAX_AUTHORS} entries"),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, a)| text(&format!("authors[{i}]"), a, MAX_AUTHOR, true))
        .collect()
}

fn abi(range: &str) -> Rule<semver::VersionReq> {
    let req = semver::VersionReq::parse(range).map_err(|e| {
        ManifestError::field(
            "abi",
            format!("\"{range}\" is not a version range like \">=1.0.0, <2.0.0\" ({e})"),
        )
    })?;
    if !req.matches(&ABI_VERSION) {
        return Err(ManifestError::AbiMismatch {
            required: range.to_string(),
            host: ABI_VERSION.to_string(),
        });
    }
    Ok(req)
}

fn provides(p: &RawProvides) -> Rule<Capabilities> {
    let flags = [
        (Capability::Home, p.home),
        (Capability::Category, p.category),
        (Capability::Search, p.search),
        (Capability::Info, p.info),
        (Capability::Servers, p.servers),
        (Capability::Stream, p.stream),
        (Capability::Subtitles, p.subtitles),
        (Capability::Articles, p.articles),
    ];
    let set: Capabilities = flags
        .iter()
        .filter(|(_, on)| *on)
        .map(|(c, _)| *c)
        .collect();
    if set.is_empty() {
        return Err(ManifestError::field(
            "provides",
            "the plugin must provide at least one capability (home, category, search, info, servers, stream, subtitles, articles)",
        ));
    }
    Ok(set)
}

fn network(n: &RawNetwork) -> Rule<Network> {
    if n.hosts.len() > MAX_HOSTS {
        return Err(ManifestError::field(
            "network.hosts",
            format!("at most {MAX_HOSTS} entries"),
        ));
    }
    let mut seen = HashSet::new();
    let mut hosts = Vec::with_capacity(n.hosts.len());
    for (i, h) in n.hosts.iter().enumerate() {
        let field = format!("network.hosts[{i}]");
        let pattern = HostPattern::parse(h).map_err(|m| ManifestError::field(&field, m))?;
        if !seen.insert(pattern.clone()) {
            return Err(ManifestError::field(
                field,
                format!("\"{h}\" is listed twice"),
            ));
        }
        hosts.push(pattern);
    }
    let concurrent = match n.concurrent {
        None => DEFAULT_CONCURRENT,
        Some(c) => in_range("network.concurrent", c, 1, MAX_CONCURRENT)? as u32,
    };
    let rate_per_minute = match (n.rate_per_minute, n.rate_per_second) {
        (Some(_), Some(_)) => {
            return Err(ManifestError::field(
                "network.rate_per_second",
                "give rate_per_minute or rate_per_second, not both",
            ));
        }
        (None, None) => DEFAULT_RATE_PER_MINUTE,
        (Some(r), None) => in_range("network.rate_per_minute", r, 1, MAX_RATE_PER_MINUTE)? as u32,
        (None, Some(r)) => {
            in_range("network.rate_per_second", r, 1, MAX_RATE_PER_MINUTE / 60)? as u32 * 60
        }
    };
    let burst = n
        .burst
        .map(|b| in_range("network.burst", b, 1, MAX_BURST))
        .transpose()?
        .map(|b| b as u32);
    Ok(Network {
        hosts,
        concurrent,
        rate_per_minute,
        burst,
    })
}

fn secrets(list: &[String]) -> Rule<Vec<String>> {
    if list.len() > MAX_SECRETS {
        return Err(ManifestError::field(
            "secrets",
            format!("at most {MAX_SECRETS} entries"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, s) in list.iter().enumerate() {
        let field = format!("secrets[{i}]");
        if !is_valid_key_name(s, MAX_SECRET_NAME) {
            return Err(ManifestError::field(
                field,
                format!(
                    "\"{s}\" must be 1 to {MAX_SECRET_NAME} characters of a-z, A-Z, 0-9, '-', '_' and '.'"
                ),
            ));
        }
        if !seen.insert(s) {
            return Err(ManifestError::field(
                field,
                format!("\"{s}\" is listed twice"),
            ));
        }
    }
    Ok(list.to_vec())
}

/// Secret and key names: ASCII letters, digits, `-`, `_`, `.`.
pub(crate) fn is_valid_key_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn display(d: &RawDisplay) -> Rule<Display> {
    if d.tags.len() > MAX_TAGS {
        return Err(ManifestError::field(
            "display.tags",
            format!("at most {MAX_TAGS} entries"),
        ));
    }
    let tags = d
        .tags
        .iter()
        .enumerate()
        .map(|(i, t)| text(&format!("display.tags[{i}]"), t, MAX_TAG, true))
        .collect::<Rule<Vec<_>>>()?;
    Ok(Display {
        description: d
            .description
            .as_deref()
            .map(|s| text("display.description", s, MAX_DESCRIPTION, false))
            .transpose()?,
        tags,
        icon: d
            .icon
            .as_deref()
            .map(|u| https_url("display.icon", u))
            .transpose()?,
        homepage: d
            .homepage
            .as_deref()
            .map(|u| https_url("display.homepage", u))
            .transpose()?,
    })
}

fn https_url(field: &str, url: &str) -> Rule<String> {
    let ok = url.len() <= MAX_URL
        && url
            .strip_prefix("https://")
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace));
    if !ok {
        return Err(ManifestError::field(
            field,
            format!("\"{url}\" must be an https:// url of at most {MAX_URL} characters"),
        ));
    }
    Ok(url.to_string())
}

fn limits(raw: &RawLimits, provides: Capabilities) -> Rule<Limits> {
    let default = raw
        .default
        .map(|l| op_limits("limits.default", l))
        .transpose()?
        .unwrap_or_default();
    let mut operations = BTreeMap::new();
    for (name, entry) in raw.operations() {
        let Some(entry) = entry else { continue };
        let op = Operation::from_name(name).expect("raw limits use operation names");
        let field = format!("limits.{name}");
        if !provides.contains(op.capability()) {
            return Err(ManifestError::field(
                field,
                format!(
                    "sets limits for {name}, but provides.{} is not true",
                    op.capability().manifest_key()
                ),
            ));
        }
        operations.insert(op, op_limits(&field, entry)?);
    }
    Ok(Limits {
        default,
        operations,
    })
}

fn op_limits(field: &str, l: RawOpLimits) -> Rule<OperationLimits> {
    let check = |name: &str, v: Option<i64>, (lo, hi): (i64, i64)| {
        v.map(|v| in_range(&format!("{field}.{name}"), v, lo, hi))
            .transpose()
    };
    Ok(OperationLimits {
        fuel: check("fuel", l.fuel, FUEL_RANGE)?,
        timeout_ms: check("timeout_ms", l.timeout_ms, TIMEOUT_RANGE)?,
        memory_mb: check("memory_mb", l.memory_mb, MEMORY_RANGE)?.map(|v| v as u32),
    })
}

fn in_range(field: &str, v: i64, lo: i64, hi: i64) -> Rule<u64> {
    if v < lo || v > hi {
        return Err(ManifestError::field(
            field,
            format!("{v} is out of range; use {lo} to {hi}"),
        ));
    }
    Ok(v as u64)
}
