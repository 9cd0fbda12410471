//! Per-plugin key-value data. The host's `kv` interface buffers a call's
//! writes and commits them here in one transaction when the call ends
//! without a trap.

use redb::{ReadableDatabase, ReadableTable, WriteTransaction};

use super::{Store, StoreError, tables};

/// Largest key, in bytes.
pub const MAX_KV_KEY_BYTES: usize = 512;

/// Largest value, in bytes.
pub const MAX_KV_VALUE_BYTES: usize = 256 * 1024;

/// One buffered write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvWrite {
    /// Set `key` to the value.
    Set(String, Vec<u8>),
    /// Remove `key`.
    Remove(String),
}

/// Removes all of a plugin's entries; returns how many.
pub(super) fn clear_in(txn: &WriteTransaction, plugin: &str) -> Result<u64, StoreError> {
    tables::clear_plugin(txn, tables::KV, plugin)
}

/// The bytes an entry counts against the quota.
pub(crate) fn entry_cost(key: &str, value_len: usize) -> u64 {
    (key.len() + value_len) as u64
}

impl Store {
    /// A plugin's value for `key`.
    pub fn kv_get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db().begin_read()?;
        let table = txn.open_table(tables::KV)?;
        Ok(table.get((plugin, key))?.map(|v| v.value().to_vec()))
    }

    /// A plugin's keys starting with `prefix`, in byte order.
    pub fn kv_keys(&self, plugin: &str, prefix: &str) -> Result<Vec<String>, StoreError> {
        let txn = self.db().begin_read()?;
        let table = txn.open_table(tables::KV)?;
        let mut out = Vec::new();
        for entry in table.range((plugin, prefix)..)? {
            let (k, _) = entry?;
            let (p, key) = k.value();
            if p != plugin || !key.starts_with(prefix) {
                break;
            }
            out.push(key.to_string());
        }
        Ok(out)
    }

    /// Bytes (keys plus values) a plugin stores.
    pub fn kv_usage(&self, plugin: &str) -> Result<u64, StoreError> {
        let txn = self.db().begin_read()?;
        let table = txn.open_table(tables::KV)?;
        let mut used = 0;
        for entry in table.range((plugin, "")..)? {
            let (k, v) = entry?;
            let (p, key) = k.value();
            if p != plugin {
                break;
            }
            used += entry_cost(key, v.value().len());
        }
        Ok(used)
    }

    /// Applies a call's writes in one transaction. The quota is checked
    /// again inside the transaction, so concurrent calls cannot together
    /// exceed it; if they would, nothing is written.
    pub fn kv_commit(
        &self,
        plugin: &str,
        writes: &[KvWrite],
        quota: u64,
    ) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        let txn = self.db().begin_write()?;
        {
            let mut table = txn.open_table(tables::KV)?;
            for w in writes {
                match w {
                    KvWrite::Set(k, v) => {
                        table.insert((plugin, k.as_str()), v.as_slice())?;
                    }
                    KvWrite::Remove(k) => {
                        table.remove((plugin, k.as_str()))?;
                    }
                }
            }
            let mut used = 0;
            for entry in table.range((plugin, "")..)? {
                let (k, v) = entry?;
                let (p, key) = k.value();
                if p != plugin {
                    break;
                }
                used += entry_cost(key, v.value().len());
            }
            if used > quota {
                return Err(StoreError::InvalidKey(format!(
                    "{plugin} would store {used} bytes; its quota is {quota}"
                )));
            }
        }
        txn.commit()?;
        Ok(())
    }
}
