//! What an upgrade or reinstall changes in what a plugin may do: the
//! install asks for consent when it widens (docs/manifest.md).

use serde::Serialize;

use super::Manifest;

/// The permission changes from an installed manifest to a new one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PermissionChanges {
    /// Host patterns the new manifest allows that the old did not cover.
    pub added_hosts: Vec<String>,
    /// Host patterns no longer listed.
    pub removed_hosts: Vec<String>,
    /// Secret names newly declared.
    pub added_secrets: Vec<String>,
    /// Secret names no longer declared.
    pub removed_secrets: Vec<String>,
    /// The storage quota before and after, bytes (`None`: no storage), when
    /// it changed.
    pub storage: Option<(Option<u64>, Option<u64>)>,
    /// Capabilities newly provided (manifest keys, e.g. `stream`).
    pub added_capabilities: Vec<String>,
    /// Capabilities no longer provided.
    pub removed_capabilities: Vec<String>,
}

impl PermissionChanges {
    /// The changes from `old` to `new`.
    pub fn between(old: &Manifest, new: &Manifest) -> PermissionChanges {
        let old_hosts: Vec<String> = old.network.hosts.iter().map(|h| h.to_string()).collect();
        let new_hosts: Vec<String> = new.network.hosts.iter().map(|h| h.to_string()).collect();
        let quota = |m: &Manifest| m.storage.enabled.then_some(m.storage.quota_bytes);
        let (before, after) = (quota(old), quota(new));
        PermissionChanges {
            added_hosts: new_hosts
                .iter()
                .filter(|h| !covered(h, &old_hosts))
                .cloned()
                .collect(),
            removed_hosts: old_hosts
                .iter()
                .filter(|h| !new_hosts.contains(h))
                .cloned()
                .collect(),
            added_secrets: missing(&new.secrets, &old.secrets),
            removed_secrets: missing(&old.secrets, &new.secrets),
            storage: (before != after).then_some((before, after)),
            added_capabilities: new
                .provides
                .iter()
                .filter(|c| !old.provides.contains(*c))
                .map(|c| c.manifest_key().to_string())
                .collect(),
            removed_capabilities: old
                .provides
                .iter()
                .filter(|c| !new.provides.contains(*c))
                .map(|c| c.manifest_key().to_string())
                .collect(),
        }
    }

    /// Whether the new manifest may do something the old could not: a new
    /// host, secret or capability, or storage turned on or raised.
    pub fn widens(&self) -> bool {
        let storage_up = match self.storage {
            Some((None, Some(_))) => true,
            Some((Some(a), Some(b))) => b > a,
            _ => false,
        };
        !self.added_hosts.is_empty()
            || !self.added_secrets.is_empty()
            || !self.added_capabilities.is_empty()
            || storage_up
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == PermissionChanges::default()
    }
}

/// The items of `a` not in `b`.
fn missing(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

/// `host[:port]` split at its port.
fn split_port(pattern: &str) -> (&str, Option<&str>) {
    match pattern.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => (host, Some(port)),
        _ => (pattern, None),
    }
}

/// Whether `pattern` allows nothing that `old` did not: listed as it is,
/// or an exact name (or `*.domain`) under an old `*.domain` with the same
/// port.
fn covered(pattern: &str, old: &[String]) -> bool {
    let (host, port) = split_port(pattern);
    old.iter().any(|o| {
        let (old_host, old_port) = split_port(o);
        o == pattern
            || (old_port == port
                && old_host
                    .strip_prefix('*')
                    .is_some_and(|suffix| host.ends_with(suffix) && host.len() > suffix.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(extra: &str) -> Manifest {
        Manifest::parse(&format!(
            "schema: 1\nid: bex.p\nname: P\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {{search: true}}\n{extra}"
        ))
        .unwrap()
    }

    #[test]
    fn new_hosts_secrets_capabilities_and_more_storage_widen() {
        let old = manifest(
            "network: {hosts: [api.example.com, \"*.cdn.example\"]}\nsecrets: [a]\nstorage: {quota_kb: 64}",
        );
        let same = PermissionChanges::between(&old, &old);
        assert!(same.is_empty() && !same.widens());
        let covered =
            manifest("network: {hosts: [img.cdn.example]}\nsecrets: [a]\nstorage: {quota_kb: 32}");
        let c = PermissionChanges::between(&old, &covered);
        assert!(!c.widens(), "{c:?}");
        assert_eq!(c.removed_hosts, ["api.example.com", "*.cdn.example"]);
        for (extra, what) in [
            (
                "network: {hosts: [evil.example]}\nsecrets: [a]\nstorage: {quota_kb: 64}",
                "host",
            ),
            (
                "network: {hosts: [api.example.com]}\nsecrets: [a, b]\nstorage: {quota_kb: 64}",
                "secret",
            ),
            (
                "network: {hosts: [api.example.com]}\nsecrets: [a]\nstorage: {quota_kb: 128}",
                "storage",
            ),
        ] {
            let c = PermissionChanges::between(&old, &manifest(extra));
            assert!(c.widens(), "{what}: {c:?}");
        }
        let more = Manifest::parse(
            "schema: 1\nid: bex.p\nname: P\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {search: true, stream: true}\n",
        )
        .unwrap();
        let c = PermissionChanges::between(&manifest(""), &more);
        assert_eq!(c.added_capabilities, ["stream"]);
        assert!(c.widens());
        let c = PermissionChanges::between(&manifest(""), &manifest("storage: true"));
        assert!(c.widens(), "{c:?}");
    }

    #[test]
    fn a_port_is_part_of_the_permission() {
        let old = ["*.example.com".to_string()];
        assert!(covered("api.example.com", &old));
        assert!(!covered("api.example.com:8443", &old));
        assert!(!covered("example.com", &old));
        assert!(covered(
            "x.example.com:8443",
            &["*.example.com:8443".to_string()]
        ));
    }
}
