//! Entry points of the fuzz targets (`tests/fuzz`, `make fuzz`) and of
//! their corpus replay in `make test` (tests/fuzz_corpora.rs). Each takes
//! any bytes and must return without panicking or hanging; what it
//! returns is not checked. Not a stable API.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::engine::vet;
use crate::host::http::{recording, url::Url};
use crate::manifest::{HostPattern, Manifest};
use crate::package::{Package, PackageLimits};

/// The package reader.
pub fn package(data: &[u8]) {
    let _ = Package::decode(data, &PackageLimits::default());
}

/// The manifest parser and its rules.
pub fn manifest(data: &[u8]) {
    let _ = Manifest::parse_bytes(data);
}

/// The precompiled-artifact reader (`.bexa`).
pub fn artifact(data: &[u8]) {
    let _ = crate::artifact::Artifact::decode(data);
}

/// A repository index (docs/distribution.md): the signed envelope, the
/// index's fields, then its freshness against a version seen and a time.
pub fn repo_index(data: &[u8]) {
    if let Ok((index, _key)) = crate::repo::Index::open(data, None) {
        let _ = index.check_fresh(Some(u64::MAX / 2), u64::MAX);
        let _ = index.check_fresh(None, 0);
        for entry in &index.plugins {
            let _ = entry.latest();
        }
    }
}

/// The recording reader (one file of docs/recording.md).
pub fn recording(data: &[u8]) {
    let _ = recording::parse(data);
}

/// `PATTERN\nURL\nLOCATION`: a manifest host pattern matched against a
/// URL the sandbox accepts, and a redirect `Location` joined to it and
/// checked.
pub fn host_pattern_and_url(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(3, '\n');
    let pattern = HostPattern::parse(lines.next().unwrap_or(""));
    let Ok(url) = Url::parse(lines.next().unwrap_or("")) else {
        return;
    };
    if let Ok(p) = &pattern {
        let (_, host, port) = url.origin();
        let _ = p.matches(host, port);
    }
    if let Ok(next) = url.join(lines.next().unwrap_or("")) {
        let _ = url.check_redirect(&next);
    }
}

/// JSON as each structured argument of the contract's operations (the
/// mapping of docs/json.md, as `Args` decodes them) and as each result
/// type, and a result that decodes checked as a call's result is, then
/// written back as JSON.
pub fn call_values(data: &[u8]) {
    use crate::types::*;
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = SearchFilters::deserialize(&json);
    let _ = SubtitleQuery::deserialize(&json);
    result::<Server>(&json);
    result::<HomePage>(&json);
    result::<PagedResult>(&json);
    result::<MediaInfo>(&json);
    result::<Vec<Server>>(&json);
    result::<Vec<StreamSource>>(&json);
    result::<Vec<SubtitleEntry>>(&json);
    result::<SubtitleFile>(&json);
    result::<ArticlePage>(&json);
}

fn result<T: DeserializeOwned + Serialize>(json: &serde_json::Value) {
    if let Ok(value) = T::deserialize(json) {
        let _ = vet::typed::check(
            &value,
            vet::Policy {
                allow_private_networks: false,
            },
        );
        let _ = serde_json::to_string(&value);
    }
}
