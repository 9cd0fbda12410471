//! The version each plugin had before its last update, kept (its record
//! and its component) until the next one, so the user can roll back; and
//! which component blobs are still referenced by an installed or kept
//! version.

use redb::{ReadableTable, WriteTransaction};

use super::plugins::{InstallAction, InstallReport, PluginRecord, decode_record};
use super::{Store, StoreError, now_ms, tables};
use crate::manifest::PermissionChanges;

/// Keeps `old` (the record being replaced) as `id`'s previous version;
/// returns the component digest of the version it displaces, if any.
pub(super) fn keep(
    txn: &WriteTransaction,
    id: &str,
    old: &[u8],
) -> Result<Option<String>, StoreError> {
    let mut table = txn.open_table(tables::PREVIOUS)?;
    let displaced = table.insert(id, old)?.map(|v| v.value().to_vec());
    displaced
        .map(|bytes| Ok(decode_record(id, &bytes)?.component_sha256))
        .transpose()
}

/// Forgets `id`'s previous version; returns its component digest.
pub(super) fn forget(txn: &WriteTransaction, id: &str) -> Result<Option<String>, StoreError> {
    let removed = txn
        .open_table(tables::PREVIOUS)?
        .remove(id)?
        .map(|v| v.value().to_vec());
    removed
        .map(|bytes| Ok(decode_record(id, &bytes)?.component_sha256))
        .transpose()
}

/// The version `id` can roll back to.
pub(super) fn version_in(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    id: &str,
) -> Result<Option<String>, StoreError> {
    let found = table.get(id)?;
    found
        .map(|v| {
            let record = decode_record(id, v.value())?;
            Ok(crate::manifest::Manifest::parse(&record.manifest)
                .map_err(|e| StoreError::Corrupt {
                    what: format!("previous version of {id}"),
                    message: e.to_string(),
                })?
                .version
                .to_string())
        })
        .transpose()
}

/// Whether an installed plugin or a kept previous version uses the
/// component `sha_hex`.
pub(super) fn referenced(txn: &WriteTransaction, sha_hex: &str) -> Result<bool, StoreError> {
    for table in [tables::PLUGINS, tables::PREVIOUS] {
        let table = txn.open_table(table)?;
        for entry in table.iter()? {
            let (k, v) = entry?;
            if decode_record(k.value(), v.value())?.component_sha256 == sha_hex {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Removes the component `sha_hex` and its compiled artifacts unless
/// something still refers to it; returns how many of each were removed.
pub(super) fn drop_unreferenced(
    txn: &WriteTransaction,
    sha_hex: &str,
) -> Result<(u64, u64), StoreError> {
    if referenced(txn, sha_hex)? {
        return Ok((0, 0));
    }
    let mut sha = [0u8; 32];
    if !crate::trust::parse_hex(sha_hex, &mut sha) {
        return Err(StoreError::Corrupt {
            what: "component digest".into(),
            message: format!("{sha_hex} is not 64 hex digits"),
        });
    }
    super::plugins::drop_component(txn, &sha)
}

impl Store {
    /// Reinstates `id`'s previous version (kept since its last update):
    /// its manifest and component; the plugin's data, secrets, enabled
    /// flag and publisher pin stay. The version rolled back from is
    /// dropped, so a second rollback finds nothing (`NOT_FOUND`).
    pub fn rollback(&self, id: &str) -> Result<InstallReport, StoreError> {
        let _files = self.compiled_files_lock();
        let txn = self.begin_write()?;
        let report = {
            let current_bytes = txn
                .open_table(tables::PLUGINS)?
                .get(id)?
                .map(|v| v.value().to_vec())
                .ok_or_else(|| StoreError::PluginNotFound { id: id.to_string() })?;
            let current = decode_record(id, &current_bytes)?;
            let previous_bytes = txn
                .open_table(tables::PREVIOUS)?
                .remove(id)?
                .map(|v| v.value().to_vec())
                .ok_or_else(|| StoreError::KeyNotFound {
                    plugin: id.to_string(),
                    what: "previous version",
                    key: "rollback".into(),
                })?;
            let previous = decode_record(id, &previous_bytes)?;
            let corrupt = |e: crate::manifest::ManifestError| StoreError::Corrupt {
                what: format!("plugin {id}"),
                message: e.to_string(),
            };
            let now_manifest =
                crate::manifest::Manifest::parse(&current.manifest).map_err(corrupt)?;
            let then_manifest =
                crate::manifest::Manifest::parse(&previous.manifest).map_err(corrupt)?;
            let restored = PluginRecord {
                enabled: current.enabled,
                installed_at_ms: current.installed_at_ms,
                updated_at_ms: now_ms(),
                // The pin only moves forward (along rotations).
                publisher: current.publisher.clone(),
                ..previous
            };
            let json = serde_json::to_vec(&restored).expect("a record serializes");
            txn.open_table(tables::PLUGINS)?
                .insert(id, json.as_slice())?;
            drop_unreferenced(&txn, &current.component_sha256)?;
            InstallReport {
                id: id.to_string(),
                version: then_manifest.version.to_string(),
                previous: Some(now_manifest.version.to_string()),
                action: InstallAction::RolledBack,
                permissions: PermissionChanges::between(&now_manifest, &then_manifest),
                precompiled: false,
            }
        };
        self.commit(txn)?;
        self.remove_unnamed_compiled_files()?;
        Ok(report)
    }
}
