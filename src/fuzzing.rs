//! Entry points of the fuzz targets (`tests/fuzz`, `make fuzz`) and of
//! their corpus replay in `make test` (tests/fuzz_corpora.rs). Each takes
//! any bytes and must return without panicking or hanging; what it
//! returns is not checked. Not a stable API.

#[cfg(feature = "jit")]
use wasmtime::component::types::ComponentItem;
#[cfg(feature = "jit")]
use wasmtime::component::{Component, Type};

#[cfg(feature = "jit")]
use crate::engine::{values, vet};
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

/// The types of the `search` export of a component providing it: its
/// arguments and its result.
#[cfg(feature = "jit")]
pub struct CallTypes {
    params: Vec<(String, Type)>,
    result: Option<Type>,
}

#[cfg(feature = "jit")]
impl CallTypes {
    /// Reads the types from `component` (the bytes of a plugin providing
    /// `search`); `None` if it has no such export.
    pub fn load(component: &[u8]) -> Option<CallTypes> {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        let engine = wasmtime::Engine::new(&config).ok()?;
        let component = Component::new(&engine, component).ok()?;
        let iface = component.get_export_index(None, "bex:plugin/search@1.0.0")?;
        let (item, _) = component.get_export(Some(&iface), "search")?;
        let ComponentItem::ComponentFunc(func) = item else {
            return None;
        };
        let result = func.results().next().and_then(|r| match r {
            Type::Result(r) => r.ok(),
            _ => None,
        });
        Some(CallTypes {
            params: func.params().map(|(n, t)| (n.to_string(), t)).collect(),
            result,
        })
    }

    /// JSON mapped to each argument of `search` and to its result
    /// (docs/json.md), and a result that maps checked as a call's result
    /// is, then mapped back to JSON.
    pub fn values(&self, data: &[u8]) {
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
            return;
        };
        for (name, ty) in &self.params {
            let _ = values::from_json(ty, &json, name);
        }
        if let Some(ty) = &self.result
            && let Ok(v) = values::from_json(ty, &json, "result")
        {
            let _ = vet::check(
                &v,
                vet::Policy {
                    allow_private_networks: false,
                },
            );
            let _ = values::to_json(&v);
        }
    }
}
