//! Installed plugins: install, upgrade, uninstall, enable, list.

use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, now_ms, tables};
use crate::digest::hex;
use crate::manifest::{Manifest, PermissionChanges};
use crate::package::Package;
use crate::trust::{PublisherKey, Succession, succession};

/// What the plugins table holds per plugin (JSON).
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct PluginRecord {
    pub manifest: String,
    pub enabled: bool,
    pub installed_at_ms: u64,
    pub updated_at_ms: u64,
    pub component_sha256: String,
    pub component_bytes: u64,
    /// The pinned publisher key (`ed25519:…`); absent: installed unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
}

/// A plugins (or previous-versions) table row.
pub(super) fn decode_record(id: &str, bytes: &[u8]) -> Result<PluginRecord, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what: format!("plugin {id}"),
        message: e.to_string(),
    })
}

/// An installed plugin.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstalledPlugin {
    /// Plugin id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Whether calls are allowed.
    pub enabled: bool,
    /// First install, Unix ms.
    pub installed_at_ms: u64,
    /// Last install or upgrade, Unix ms.
    pub updated_at_ms: u64,
    /// SHA-256 of the component, hex.
    pub component_sha256: String,
    /// Size of the component.
    pub component_bytes: u64,
    /// The publisher key the plugin is pinned to (the key that signed its
    /// first install, or one that key rotated to); `None`: unsigned.
    pub publisher: Option<PublisherKey>,
    /// The version kept from before the last update, which
    /// [`Store::rollback`] reinstates; `None` if there is none.
    pub rollback_version: Option<String>,
    /// The validated manifest.
    pub manifest: Manifest,
    /// The manifest as written.
    #[serde(skip)]
    pub manifest_text: String,
    #[serde(skip)]
    digest: [u8; 32],
}

impl InstalledPlugin {
    /// The component's SHA-256.
    pub fn component_digest(&self) -> [u8; 32] {
        self.digest
    }
}

/// What an install did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallAction {
    /// The plugin was not installed before.
    Installed,
    /// A lower version was replaced.
    Upgraded,
    /// The same version was installed again.
    Reinstalled,
    /// A higher version was replaced (with `force`).
    Downgraded,
    /// The previous version was reinstated ([`Store::rollback`]).
    RolledBack,
}

impl std::fmt::Display for InstallAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InstallAction::Installed => "installed",
            InstallAction::Upgraded => "upgraded",
            InstallAction::Reinstalled => "reinstalled",
            InstallAction::Downgraded => "downgraded",
            InstallAction::RolledBack => "rolled back",
        })
    }
}

/// The outcome of an install.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstallReport {
    /// Plugin id.
    pub id: String,
    /// Version now installed.
    pub version: String,
    /// Version replaced, if any.
    pub previous: Option<String>,
    /// What happened.
    pub action: InstallAction,
    /// How the plugin's permissions changed from the version replaced
    /// (empty for a first install).
    pub permissions: PermissionChanges,
    /// Whether the code came from a precompiled artifact (`bex
    /// precompile`) instead of being compiled at install.
    pub precompiled: bool,
}

/// What an install may do without refusing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InstallOptions {
    /// Replace a higher version (a downgrade), or the same version with
    /// different content.
    pub force: bool,
    /// Accept an upgrade or reinstall that widens the plugin's permissions
    /// (new hosts, secrets or capabilities, more storage): the user agreed
    /// to them.
    pub accept_permissions: bool,
    /// Accept new content for a plugin installed unsigned: nothing ties
    /// the package to the installed plugin, whose data and secrets it
    /// inherits, so the user must agree (docs/distribution.md).
    pub accept_unverified: bool,
}

/// What an uninstall removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UninstallReport {
    /// Plugin id.
    pub id: String,
    /// Version removed.
    pub version: String,
    /// Key-value entries removed.
    pub kv_entries: u64,
    /// Secrets removed.
    pub secrets: u64,
    /// Component blobs removed (0 if another plugin shares it).
    pub components: u64,
    /// Compiled artifacts removed.
    pub compiled_artifacts: u64,
}

impl InstallOptions {
    /// `force` as given, permissions not accepted.
    pub fn forced(force: bool) -> InstallOptions {
        InstallOptions {
            force,
            ..InstallOptions::default()
        }
    }
}

/// The widening parts of `c`, for a message.
fn widened(c: &PermissionChanges) -> String {
    let mut parts = Vec::new();
    if !c.added_hosts.is_empty() {
        parts.push(format!("new hosts: {}", c.added_hosts.join(", ")));
    }
    if !c.added_secrets.is_empty() {
        parts.push(format!("new secrets: {}", c.added_secrets.join(", ")));
    }
    if !c.added_capabilities.is_empty() {
        parts.push(format!(
            "new capabilities: {}",
            c.added_capabilities.join(", ")
        ));
    }
    if let Some((before, after)) = c.storage {
        let kb = |q: Option<u64>| q.map_or("none".to_string(), |b| format!("{} KiB", b / 1024));
        parts.push(format!("storage {} -> {}", kb(before), kb(after)));
    }
    parts.join("; ")
}

/// Points at which tests inject install failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InstallStep {
    AfterBlob,
    AfterRecord,
    BeforeCommit,
}

fn decode(id: &str, bytes: &[u8]) -> Result<InstalledPlugin, StoreError> {
    let corrupt = |message: String| StoreError::Corrupt {
        what: format!("plugin {id}"),
        message,
    };
    let record = decode_record(id, bytes)?;
    let manifest = Manifest::parse(&record.manifest).map_err(|e| corrupt(e.to_string()))?;
    let digest = parse_digest(&record.component_sha256)
        .ok_or_else(|| corrupt("the component digest is not 64 hex digits".into()))?;
    if manifest.id != id {
        return Err(corrupt(format!("it holds the manifest of {}", manifest.id)));
    }
    let publisher = record
        .publisher
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: crate::trust::TrustError| corrupt(e.to_string()))?;
    Ok(InstalledPlugin {
        id: id.to_string(),
        name: manifest.name.clone(),
        version: manifest.version.to_string(),
        enabled: record.enabled,
        installed_at_ms: record.installed_at_ms,
        updated_at_ms: record.updated_at_ms,
        component_sha256: record.component_sha256,
        component_bytes: record.component_bytes,
        publisher,
        rollback_version: None,
        manifest,
        manifest_text: record.manifest,
        digest,
    })
}

fn parse_digest(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

pub(super) fn list_in(txn: &ReadTransaction) -> Result<Vec<InstalledPlugin>, StoreError> {
    let table = txn.open_table(tables::PLUGINS)?;
    let kept = txn.open_table(tables::PREVIOUS)?;
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        let mut plugin = decode(k.value(), v.value())?;
        plugin.rollback_version = super::previous::version_in(&kept, k.value())?;
        out.push(plugin);
    }
    Ok(out)
}

/// When the installation of `id` was first installed, or `None` if it is
/// not installed: what tells one installation of an id from the next.
pub(super) fn installed_at_in(txn: &WriteTransaction, id: &str) -> Result<Option<u64>, StoreError> {
    #[derive(serde::Deserialize)]
    struct Installation {
        installed_at_ms: u64,
    }
    let table = txn.open_table(tables::PLUGINS)?;
    let Some(bytes) = table.get(id)? else {
        return Ok(None);
    };
    let record: Installation =
        serde_json::from_slice(bytes.value()).map_err(|e| StoreError::Corrupt {
            what: format!("plugin {id}"),
            message: e.to_string(),
        })?;
    Ok(Some(record.installed_at_ms))
}

fn get_in_write(txn: &WriteTransaction, id: &str) -> Result<Option<InstalledPlugin>, StoreError> {
    let table = txn.open_table(tables::PLUGINS)?;
    let found = table.get(id)?;
    found.map(|v| decode(id, v.value())).transpose()
}

/// Removes a component blob and its compiled artifacts; returns how many
/// of each were removed.
pub(super) fn drop_component(
    txn: &WriteTransaction,
    sha: &[u8; 32],
) -> Result<(u64, u64), StoreError> {
    let blobs = u64::from(
        txn.open_table(tables::BLOBS)?
            .remove(sha.as_slice())?
            .is_some(),
    );
    let prefix = tables::compiled_prefix(&hex(sha));
    let mut compiled = txn.open_table(tables::COMPILED)?;
    let keys: Vec<String> = compiled
        .range(prefix.as_str()..)?
        .map(|e| e.map(|(k, _)| k.value().to_string()))
        .take_while(|k| k.as_ref().map_or(true, |k| k.starts_with(&prefix)))
        .collect::<Result<_, _>>()?;
    for k in &keys {
        compiled.remove(k.as_str())?;
    }
    Ok((blobs, keys.len() as u64))
}

impl Store {
    /// Every installed plugin, by id.
    pub fn list(&self) -> Result<Vec<InstalledPlugin>, StoreError> {
        list_in(&self.begin_read()?)
    }

    /// The installed plugin `id`.
    pub fn plugin(&self, id: &str) -> Result<InstalledPlugin, StoreError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(tables::PLUGINS)?;
        let found = table.get(id)?;
        let mut plugin = match found {
            Some(v) => decode(id, v.value())?,
            None => return Err(StoreError::PluginNotFound { id: id.to_string() }),
        };
        let kept = txn.open_table(tables::PREVIOUS)?;
        plugin.rollback_version = super::previous::version_in(&kept, id)?;
        Ok(plugin)
    }

    /// Installs or upgrades a verified package in one transaction, with the
    /// compiled code for it if the caller has some (key, code; the code's
    /// file is written first, and named by the transaction). A lower
    /// version than the installed one needs `force`. The plugin's key-value
    /// data and secrets are kept across upgrades; its enabled flag too.
    pub fn install(
        &self,
        package: &Package,
        force: bool,
        compiled: Option<(&str, &[u8])>,
    ) -> Result<InstallReport, StoreError> {
        let options = InstallOptions {
            force,
            accept_permissions: true,
            accept_unverified: true,
        };
        self.install_with(package, options, compiled)
    }

    /// [`Store::install`] that refuses, with `CONSENT_REQUIRED`, to widen
    /// an installed plugin's permissions unless `accept_permissions`, to
    /// replace the installed version with different content (component or
    /// manifest) unless `force`, and to change the content of a plugin
    /// installed unsigned unless `accept_unverified`; and with
    /// `PUBLISHER_MISMATCH`, to replace a plugin pinned to a publisher key
    /// with a package that key did not sign (or rotate to).
    pub fn install_with(
        &self,
        package: &Package,
        options: InstallOptions,
        compiled: Option<(&str, &[u8])>,
    ) -> Result<InstallReport, StoreError> {
        let _files = self.compiled_files_lock();
        let compiled_digest = match compiled {
            Some((key, code)) => Some((key, self.write_compiled_file(code)?)),
            None => None,
        };
        let report = self.install_locked(package, options, compiled_digest);
        // The new file if the install failed, the replaced one if it did not.
        self.remove_unnamed_compiled_files()?;
        report
    }

    fn install_locked(
        &self,
        package: &Package,
        options: InstallOptions,
        compiled_digest: Option<(&str, crate::digest::Sha256Digest)>,
    ) -> Result<InstallReport, StoreError> {
        let force = options.force;
        let manifest = package.manifest();
        let id = manifest.id.as_str();
        let sha = package.component_sha256();
        let sha_hex = hex(&sha);
        let txn = self.begin_write()?;
        // The row as stored (kept for a rollback if replaced) and decoded.
        let previous_bytes = txn
            .open_table(tables::PLUGINS)?
            .get(id)?
            .map(|v| v.value().to_vec());
        let previous = previous_bytes
            .as_deref()
            .map(|b| decode(id, b))
            .transpose()?;
        let action = match &previous {
            None => InstallAction::Installed,
            Some(old) => {
                let old_version = &old.manifest.version;
                match manifest.version.cmp(old_version) {
                    std::cmp::Ordering::Greater => InstallAction::Upgraded,
                    std::cmp::Ordering::Equal => InstallAction::Reinstalled,
                    std::cmp::Ordering::Less if force => InstallAction::Downgraded,
                    std::cmp::Ordering::Less => {
                        return Err(StoreError::Downgrade {
                            id: id.to_string(),
                            installed: old.version.clone(),
                            requested: manifest.version.to_string(),
                        });
                    }
                }
            }
        };
        let permissions = previous
            .as_ref()
            .map(|old| PermissionChanges::between(&old.manifest, manifest))
            .unwrap_or_default();
        let succession = succession(
            id,
            previous.is_some(),
            previous.as_ref().and_then(|p| p.publisher.as_ref()),
            package.signature(),
        )?;
        if let Some(old) = &previous {
            let changed =
                old.component_sha256 != sha_hex || old.manifest_text != package.manifest_text();
            if succession == Succession::Unverified && changed && !options.accept_unverified {
                let by = package
                    .publisher()
                    .map_or("unsigned".to_string(), |k| format!("signed by {k}"));
                return Err(StoreError::ConsentRequired {
                    id: id.to_string(),
                    reason: format!(
                        "it is installed unsigned, and this package ({by}) changes its code or manifest: nothing shows it comes from the same author, and it would inherit the plugin's secrets and data; it needs the user's consent (--accept-unverified)"
                    ),
                });
            }
            if action == InstallAction::Reinstalled && changed && !force {
                return Err(StoreError::ConsentRequired {
                    id: id.to_string(),
                    reason: format!(
                        "version {} is installed with different content; reinstalling it needs force (--force)",
                        old.version
                    ),
                });
            }
            if permissions.widens() && !options.accept_permissions {
                return Err(StoreError::ConsentRequired {
                    id: id.to_string(),
                    reason: format!(
                        "this install widens the plugin's permissions ({}); it needs the user's consent (--accept-permissions)",
                        widened(&permissions)
                    ),
                });
            }
        }
        txn.open_table(tables::BLOBS)?
            .insert(sha.as_slice(), package.component())?;
        self.fail_point(InstallStep::AfterBlob)?;
        if let Some((key, digest)) = compiled_digest {
            txn.open_table(tables::COMPILED)?
                .insert(key, digest.as_slice())?;
        }
        let now = now_ms();
        let record = PluginRecord {
            manifest: package.manifest_text().to_string(),
            enabled: previous.as_ref().is_none_or(|p| p.enabled),
            installed_at_ms: previous.as_ref().map_or(now, |p| p.installed_at_ms),
            updated_at_ms: now,
            component_sha256: sha_hex.clone(),
            component_bytes: package.component().len() as u64,
            // The pin: the first publisher, the key a rotation moved it
            // to, or (the user consenting) whoever replaced an unsigned
            // plugin, pinned from now on.
            publisher: package.publisher().map(|k| k.to_string()),
        };
        let json = serde_json::to_vec(&record).expect("record serializes");
        txn.open_table(tables::PLUGINS)?
            .insert(id, json.as_slice())?;
        self.fail_point(InstallStep::AfterRecord)?;
        if let (Some(old), Some(old_bytes)) = (&previous, &previous_bytes)
            && (old.component_sha256 != sha_hex || old.manifest_text != package.manifest_text())
        {
            // The replaced version is kept for a rollback; the one kept
            // before it goes, with its component unless still used.
            if let Some(displaced) = super::previous::keep(&txn, id, old_bytes)? {
                super::previous::drop_unreferenced(&txn, &displaced)?;
            }
        }
        self.fail_point(InstallStep::BeforeCommit)?;
        self.commit(txn)?;
        Ok(InstallReport {
            id: id.to_string(),
            version: manifest.version.to_string(),
            previous: previous.map(|p| p.version),
            action,
            permissions,
            precompiled: false,
        })
    }

    /// Removes a plugin and everything it owns: its record, key-value data,
    /// secrets, and its component and compiled artifacts unless another
    /// plugin shares them.
    pub fn uninstall(&self, id: &str) -> Result<UninstallReport, StoreError> {
        let _files = self.compiled_files_lock();
        let txn = self.begin_write()?;
        let plugin = get_in_write(&txn, id)?
            .ok_or_else(|| StoreError::PluginNotFound { id: id.to_string() })?;
        txn.open_table(tables::PLUGINS)?.remove(id)?;
        let kv_entries = super::kv::clear_in(&txn, id)?;
        let secrets = super::secrets::clear_in(&txn, id)?;
        let kept = super::previous::forget(&txn, id)?;
        let (mut components, mut compiled_artifacts) =
            super::previous::drop_unreferenced(&txn, &plugin.component_sha256)?;
        if let Some(sha) = kept.filter(|s| *s != plugin.component_sha256) {
            let (c, a) = super::previous::drop_unreferenced(&txn, &sha)?;
            components += c;
            compiled_artifacts += a;
        }
        self.commit(txn)?;
        self.remove_unnamed_compiled_files()?;
        Ok(UninstallReport {
            id: id.to_string(),
            version: plugin.version,
            kv_entries,
            secrets,
            components,
            compiled_artifacts,
        })
    }

    /// Enables or disables a plugin; returns the previous state.
    pub fn set_enabled(&self, id: &str, enabled: bool) -> Result<bool, StoreError> {
        let txn = self.begin_write()?;
        let was;
        {
            let mut table = txn.open_table(tables::PLUGINS)?;
            let mut record: PluginRecord = {
                let found = table.get(id)?;
                let bytes =
                    found.ok_or_else(|| StoreError::PluginNotFound { id: id.to_string() })?;
                serde_json::from_slice(bytes.value()).map_err(|e| StoreError::Corrupt {
                    what: format!("plugin {id}"),
                    message: e.to_string(),
                })?
            };
            was = record.enabled;
            record.enabled = enabled;
            let json = serde_json::to_vec(&record).expect("record serializes");
            table.insert(id, json.as_slice())?;
        }
        self.commit(txn)?;
        Ok(was)
    }

    #[cfg(test)]
    fn fail_point(&self, step: InstallStep) -> Result<(), StoreError> {
        let armed = *self.inner.fail_install_at.lock().unwrap();
        if armed == Some(step) {
            return Err(StoreError::Corrupt {
                what: "install".into(),
                message: format!("injected failure at {step:?}"),
            });
        }
        Ok(())
    }

    #[cfg(not(test))]
    #[inline(always)]
    fn fail_point(&self, _step: InstallStep) -> Result<(), StoreError> {
        Ok(())
    }

    /// Arms an install failure at `step` (tests only).
    #[cfg(test)]
    pub(crate) fn fail_install_at(&self, step: Option<InstallStep>) {
        *self.inner.fail_install_at.lock().unwrap() = step;
    }
}
