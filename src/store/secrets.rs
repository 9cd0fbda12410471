//! Per-plugin secrets (API keys). A secret can only be set for an installed
//! plugin and a key its manifest declares, so typos fail loudly instead of
//! being stored where the plugin can never read them.

use redb::WriteTransaction;

use super::{Store, StoreError, tables};

/// Largest secret value, in bytes.
pub const MAX_SECRET_BYTES: usize = 8 * 1024;

/// Removes all of a plugin's secrets; returns how many.
pub(super) fn clear_in(txn: &WriteTransaction, plugin: &str) -> Result<u64, StoreError> {
    tables::clear_plugin(txn, tables::SECRETS, plugin)
}

impl Store {
    /// Stores a secret for an installed plugin. The key must be declared in
    /// the plugin's manifest under `secrets`.
    pub fn set_secret(&self, plugin: &str, key: &str, value: &str) -> Result<(), StoreError> {
        let installed = self.plugin(plugin)?;
        if !installed.manifest.secrets.iter().any(|s| s == key) {
            let declared = if installed.manifest.secrets.is_empty() {
                "none".to_string()
            } else {
                installed.manifest.secrets.join(", ")
            };
            return Err(StoreError::InvalidKey(format!(
                "{plugin} does not declare the secret \"{key}\" (declared: {declared})"
            )));
        }
        if value.len() > MAX_SECRET_BYTES {
            return Err(StoreError::InvalidKey(format!(
                "secret \"{key}\" is {} bytes; the limit is {MAX_SECRET_BYTES}",
                value.len()
            )));
        }
        let txn = self.begin_write()?;
        txn.open_table(tables::SECRETS)?
            .insert((plugin, key), value)?;
        self.commit(txn)?;
        Ok(())
    }

    /// A plugin's secret, if set. Does not check the manifest: the host's
    /// `secrets` interface does that.
    pub fn secret(&self, plugin: &str, key: &str) -> Result<Option<String>, StoreError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(tables::SECRETS)?;
        Ok(table.get((plugin, key))?.map(|v| v.value().to_string()))
    }

    /// A plugin's secret; [`StoreError::KeyNotFound`] if not set.
    pub fn get_secret(&self, plugin: &str, key: &str) -> Result<String, StoreError> {
        self.plugin(plugin)?;
        self.secret(plugin, key)?
            .ok_or_else(|| StoreError::KeyNotFound {
                plugin: plugin.to_string(),
                what: "secret",
                key: key.to_string(),
            })
    }

    /// Deletes a secret; [`StoreError::KeyNotFound`] if it was not set.
    pub fn delete_secret(&self, plugin: &str, key: &str) -> Result<(), StoreError> {
        self.plugin(plugin)?;
        let txn = self.begin_write()?;
        let existed = txn
            .open_table(tables::SECRETS)?
            .remove((plugin, key))?
            .is_some();
        if !existed {
            return Err(StoreError::KeyNotFound {
                plugin: plugin.to_string(),
                what: "secret",
                key: key.to_string(),
            });
        }
        self.commit(txn)?;
        Ok(())
    }

    /// The names of a plugin's secrets, sorted.
    pub fn secret_keys(&self, plugin: &str) -> Result<Vec<String>, StoreError> {
        self.plugin(plugin)?;
        let txn = self.begin_read()?;
        let table = txn.open_table(tables::SECRETS)?;
        let mut out = Vec::new();
        for entry in table.range((plugin, "")..)? {
            let (k, _) = entry?;
            let (p, key) = k.value();
            if p != plugin {
                break;
            }
            out.push(key.to_string());
        }
        Ok(out)
    }
}
