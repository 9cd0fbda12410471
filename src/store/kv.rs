//! Per-plugin key-value data. The host's `kv` interface buffers a call's
//! writes and commits them here in one transaction when the call ends
//! without a trap.
//!
//! Each plugin's usage (bytes and rows) is kept in its own table, updated in
//! the same transaction as the data, so reading it never scans the data.

use std::collections::BTreeMap;

use redb::{ReadableTable, Table, WriteTransaction};

use super::{Store, StoreError, tables};

/// Largest key, in bytes.
pub const MAX_KV_KEY_BYTES: usize = 512;

/// Largest value, in bytes.
pub const MAX_KV_VALUE_BYTES: usize = 256 * 1024;

/// Bytes every stored key counts against the quota on top of its key and
/// value bytes: roughly what a row costs the database, so that millions of
/// tiny rows cannot hide inside a byte quota.
pub const KV_ROW_OVERHEAD_BYTES: u64 = 64;

/// Most keys one plugin may store, whatever its quota. With the row
/// overhead the default 1 MiB quota holds fewer anyway; this bounds the
/// largest quotas.
pub const MAX_KV_ROWS: u64 = 65_536;

/// What a plugin's key-value data counts against its limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvUsage {
    /// Key plus value bytes, plus [`KV_ROW_OVERHEAD_BYTES`] per key.
    pub bytes: u64,
    /// Stored keys.
    pub rows: u64,
}

impl KvUsage {
    fn add(&mut self, key: &str, value_len: usize) {
        self.bytes += entry_cost(key, value_len);
        self.rows += 1;
    }

    fn sub(&mut self, key: &str, value_len: usize) {
        self.bytes = self.bytes.saturating_sub(entry_cost(key, value_len));
        self.rows = self.rows.saturating_sub(1);
    }
}

/// One buffered write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvWrite {
    /// Set `key` to the value.
    Set(String, Vec<u8>),
    /// Remove `key`.
    Remove(String),
}

/// Removes all of a plugin's entries and its usage row; returns how many
/// entries.
pub(super) fn clear_in(txn: &WriteTransaction, plugin: &str) -> Result<u64, StoreError> {
    txn.open_table(tables::KV_USAGE)?.remove(plugin)?;
    tables::clear_plugin(txn, tables::KV, plugin)
}

/// The bytes an entry counts against the quota.
pub(crate) fn entry_cost(key: &str, value_len: usize) -> u64 {
    (key.len() + value_len) as u64 + KV_ROW_OVERHEAD_BYTES
}

fn usage_in(
    table: &impl ReadableTable<&'static str, (u64, u64)>,
    plugin: &str,
) -> Result<KvUsage, StoreError> {
    Ok(table
        .get(plugin)?
        .map(|v| {
            let (bytes, rows) = v.value();
            KvUsage { bytes, rows }
        })
        .unwrap_or_default())
}

fn put_usage(
    table: &mut Table<&'static str, (u64, u64)>,
    plugin: &str,
    usage: KvUsage,
) -> Result<(), StoreError> {
    if usage.rows == 0 {
        table.remove(plugin)?;
    } else {
        table.insert(plugin, (usage.bytes, usage.rows))?;
    }
    Ok(())
}

/// Computes every plugin's usage from its data, replacing the usage table:
/// the one full scan, when a store from before the usage table is opened.
pub(super) fn rebuild_usage(txn: &WriteTransaction) -> Result<(), StoreError> {
    let mut totals: BTreeMap<String, KvUsage> = BTreeMap::new();
    for entry in txn.open_table(tables::KV)?.iter()? {
        let (k, v) = entry?;
        let (plugin, key) = k.value();
        totals
            .entry(plugin.to_string())
            .or_default()
            .add(key, v.value().len());
    }
    txn.delete_table(tables::KV_USAGE)?;
    let mut table = txn.open_table(tables::KV_USAGE)?;
    for (plugin, usage) in &totals {
        put_usage(&mut table, plugin, *usage)?;
    }
    Ok(())
}

impl Store {
    /// A plugin's value for `key`.
    pub fn kv_get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(tables::KV)?;
        Ok(table.get((plugin, key))?.map(|v| v.value().to_vec()))
    }

    /// A plugin's keys starting with `prefix`, in byte order.
    pub fn kv_keys(&self, plugin: &str, prefix: &str) -> Result<Vec<String>, StoreError> {
        let txn = self.begin_read()?;
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

    /// What a plugin's data counts against its quota, read from the usage
    /// table (no scan).
    pub fn kv_usage(&self, plugin: &str) -> Result<KvUsage, StoreError> {
        let txn = self.begin_read()?;
        usage_in(&txn.open_table(tables::KV_USAGE)?, plugin)
    }

    /// Applies a call's writes in one transaction, with the plugin's usage.
    /// The limits are checked again inside the transaction, so concurrent
    /// calls cannot together exceed them; if they would, nothing is
    /// written. A batch that does not grow usage past a limit is always
    /// accepted, so a plugin over its quota (after the quota shrank) can
    /// still remove and shrink.
    pub fn kv_commit(
        &self,
        plugin: &str,
        writes: &[KvWrite],
        quota: u64,
    ) -> Result<(), StoreError> {
        self.kv_commit_checked(plugin, None, writes, quota)
            .map(|_| ())
    }

    /// [`Store::kv_commit`] for a call of the installation of `plugin`
    /// first installed at `installed_at_ms`: checked inside the
    /// transaction, so writes of a call that an uninstall (and perhaps a
    /// new install of the id) overtook are dropped, never inherited.
    /// Returns whether the writes were applied.
    pub fn kv_commit_installed(
        &self,
        plugin: &str,
        installed_at_ms: u64,
        writes: &[KvWrite],
        quota: u64,
    ) -> Result<bool, StoreError> {
        self.kv_commit_checked(plugin, Some(installed_at_ms), writes, quota)
    }

    fn kv_commit_checked(
        &self,
        plugin: &str,
        installation: Option<u64>,
        writes: &[KvWrite],
        quota: u64,
    ) -> Result<bool, StoreError> {
        if writes.is_empty() {
            return Ok(true);
        }
        let txn = self.begin_write()?;
        if let Some(installed_at_ms) = installation
            && super::plugins::installed_at_in(&txn, plugin)? != Some(installed_at_ms)
        {
            return Ok(false);
        }
        {
            let mut table = txn.open_table(tables::KV)?;
            let mut usage_table = txn.open_table(tables::KV_USAGE)?;
            let before = usage_in(&usage_table, plugin)?;
            let mut usage = before;
            for w in writes {
                let (key, old) = match w {
                    KvWrite::Set(k, v) => {
                        usage.add(k, v.len());
                        (k, table.insert((plugin, k.as_str()), v.as_slice())?)
                    }
                    KvWrite::Remove(k) => (k, table.remove((plugin, k.as_str()))?),
                };
                if let Some(old) = old {
                    usage.sub(key, old.value().len());
                }
            }
            let over_bytes = usage.bytes > quota && usage.bytes > before.bytes;
            let over_rows = usage.rows > MAX_KV_ROWS && usage.rows > before.rows;
            if over_bytes || over_rows {
                return Err(StoreError::QuotaExceeded {
                    plugin: plugin.to_string(),
                    bytes: usage.bytes,
                    rows: usage.rows,
                    quota,
                });
            }
            put_usage(&mut usage_table, plugin, usage)?;
        }
        self.commit(txn)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::Package;

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    fn tiny_rows(n: usize) -> Vec<KvWrite> {
        (0..n)
            .map(|i| KvWrite::Set(format!("k{i:05}"), Vec::new()))
            .collect()
    }

    fn set(key: &str, len: usize) -> KvWrite {
        KvWrite::Set(key.into(), vec![7; len])
    }

    fn usage(bytes: u64, rows: u64) -> KvUsage {
        KvUsage { bytes, rows }
    }

    #[test]
    fn many_tiny_rows_are_charged_a_row_overhead() {
        let (_d, store) = open();
        // 20,000 six-byte keys with empty values are 120,000 bytes of key
        // but 20,000 rows: the overhead puts them far past 1 MiB.
        let err = store.kv_commit("bex.a", &tiny_rows(20_000), 1 << 20);
        assert!(
            matches!(err, Err(StoreError::QuotaExceeded { rows: 20_000, .. })),
            "{err:?}"
        );
        assert!(store.kv_keys("bex.a", "").unwrap().is_empty());
        assert_eq!(store.kv_usage("bex.a").unwrap(), KvUsage::default());
        // What fits: 1 MiB / 70 bytes a row.
        let fits = (1 << 20) / (6 + KV_ROW_OVERHEAD_BYTES) as usize;
        store.kv_commit("bex.a", &tiny_rows(fits), 1 << 20).unwrap();
        let err = store.kv_commit("bex.a", &[set("one-more", 0)], 1 << 20);
        assert!(matches!(err, Err(StoreError::QuotaExceeded { .. })));
    }

    #[test]
    fn rows_are_capped_whatever_the_quota() {
        let (_d, store) = open();
        let err = store.kv_commit("bex.a", &tiny_rows(65_537), 1 << 30);
        assert!(
            matches!(err, Err(StoreError::QuotaExceeded { rows: 65_537, .. })),
            "{err:?}"
        );
        store
            .kv_commit("bex.a", &tiny_rows(65_536), 1 << 30)
            .unwrap();
        assert_eq!(store.kv_usage("bex.a").unwrap().rows, MAX_KV_ROWS);
        let err = store.kv_commit("bex.a", &[set("new", 1)], 1 << 30);
        assert!(matches!(err, Err(StoreError::QuotaExceeded { .. })));
        // At the cap, overwrites and removals still work.
        store
            .kv_commit(
                "bex.a",
                &[set("k00000", 1), KvWrite::Remove("k00001".into())],
                1 << 30,
            )
            .unwrap();
        assert_eq!(store.kv_usage("bex.a").unwrap().rows, MAX_KV_ROWS - 1);
    }

    #[test]
    fn usage_counts_key_value_and_overhead() {
        let (_d, store) = open();
        store
            .kv_commit("bex.a", &[KvWrite::Set("k".into(), vec![0; 10])], 1 << 20)
            .unwrap();
        assert_eq!(store.kv_usage("bex.a").unwrap(), usage(11 + 64, 1));
    }

    #[test]
    fn usage_follows_set_overwrite_remove_and_uninstall() {
        let (_d, store) = open();
        let q = 1 << 20;
        store
            .kv_commit("bex.demo", &[set("a", 10), set("bb", 20)], q)
            .unwrap();
        assert_eq!(store.kv_usage("bex.demo").unwrap(), usage(11 + 22 + 128, 2));
        // An overwrite and a set of the same key in one batch count once.
        store
            .kv_commit("bex.demo", &[set("a", 1), set("a", 3)], q)
            .unwrap();
        assert_eq!(store.kv_usage("bex.demo").unwrap(), usage(4 + 22 + 128, 2));
        // Removing a missing key changes nothing.
        store
            .kv_commit("bex.demo", &[KvWrite::Remove("zz".into())], q)
            .unwrap();
        assert_eq!(store.kv_usage("bex.demo").unwrap(), usage(4 + 22 + 128, 2));
        store
            .kv_commit("bex.demo", &[KvWrite::Remove("a".into())], q)
            .unwrap();
        assert_eq!(store.kv_usage("bex.demo").unwrap(), usage(22 + 64, 1));
        // Another plugin's usage is its own.
        store.kv_commit("bex.demo2", &[set("a", 5)], q).unwrap();
        assert_eq!(store.kv_usage("bex.demo2").unwrap(), usage(6 + 64, 1));

        let manifest = "schema: 1\nid: bex.demo\nname: Demo\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {search: true}\nstorage: true\n";
        let package = Package::new(manifest, b"c".to_vec()).unwrap();
        store.install(&package, false, None).unwrap();
        assert_eq!(store.uninstall("bex.demo").unwrap().kv_entries, 1);
        assert_eq!(store.kv_usage("bex.demo").unwrap(), KvUsage::default());
        let txn = store.begin_read().unwrap();
        let table = txn.open_table(tables::KV_USAGE).unwrap();
        assert!(table.get("bex.demo").unwrap().is_none(), "usage row left");
        assert!(table.get("bex.demo2").unwrap().is_some());
    }

    #[test]
    fn usage_is_read_from_the_usage_table_without_a_scan() {
        let (_d, store) = open();
        store.kv_commit("bex.a", &[set("a", 1)], 1 << 20).unwrap();
        // Rows written behind the usage table's back are not seen by a
        // usage read: it does not scan the data.
        let txn = store.begin_write().unwrap();
        {
            let mut kv = txn.open_table(tables::KV).unwrap();
            for i in 0..100 {
                kv.insert(("bex.a", format!("x{i}").as_str()), &b"v"[..])
                    .unwrap();
            }
        }
        txn.commit().unwrap();
        assert_eq!(store.kv_usage("bex.a").unwrap(), usage(2 + 64, 1));
    }

    #[test]
    fn opening_a_schema_1_store_computes_usage_once() {
        let dir = tempfile::tempdir().unwrap();
        {
            // A schema 1 store: kv rows, no usage table.
            let store = Store::open(dir.path()).unwrap();
            let txn = store.begin_write().unwrap();
            {
                let mut kv = txn.open_table(tables::KV).unwrap();
                kv.insert(("bex.a", "k1"), &[1u8; 10][..]).unwrap();
                kv.insert(("bex.a", "k2"), &[][..]).unwrap();
                kv.insert(("bex.b", "k"), &[2u8; 3][..]).unwrap();
                txn.open_table(tables::META)
                    .unwrap()
                    .insert(tables::SCHEMA_KEY, 1)
                    .unwrap();
            }
            assert!(txn.delete_table(tables::KV_USAGE).unwrap());
            txn.commit().unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.kv_usage("bex.a").unwrap(), usage(12 + 2 + 128, 2));
        assert_eq!(store.kv_usage("bex.b").unwrap(), usage(4 + 64, 1));
        let txn = store.begin_read().unwrap();
        let meta = txn.open_table(tables::META).unwrap();
        let schema = meta.get(tables::SCHEMA_KEY).unwrap().unwrap().value();
        assert_eq!(schema, super::super::STORE_SCHEMA_VERSION);
    }

    #[test]
    fn a_plugin_over_a_shrunk_quota_can_still_shrink() {
        let (_d, store) = open();
        store
            .kv_commit("bex.a", &[set("a", 100), set("b", 100)], 1 << 20)
            .unwrap();
        // The quota is now below usage: growing is refused, shrinking not.
        assert!(store.kv_commit("bex.a", &[set("c", 1)], 100).is_err());
        store.kv_commit("bex.a", &[set("a", 1)], 100).unwrap();
        store
            .kv_commit("bex.a", &[KvWrite::Remove("b".into())], 100)
            .unwrap();
        assert_eq!(store.kv_usage("bex.a").unwrap(), usage(2 + 64, 1));
    }
}
