//! The redb tables of store schema 2 (schema 1 had no `kv_usage`).

use redb::{ReadableTable, TableDefinition, WriteTransaction};

use super::StoreError;

/// `"schema_version"` → store schema.
pub(super) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
pub(super) const SCHEMA_KEY: &str = "schema_version";

/// Plugin id → JSON [`super::plugins::PluginRecord`].
pub(super) const PLUGINS: TableDefinition<&str, &[u8]> = TableDefinition::new("plugins");

/// Component SHA-256 → component bytes. Shared by plugins with equal
/// components; removed when no plugin refers to it.
pub(super) const BLOBS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blobs");

/// `"<component sha256 hex>/<engine hash>"` → compiled artifact.
pub(super) const COMPILED: TableDefinition<&str, &[u8]> = TableDefinition::new("compiled");

/// (plugin id, key) → value.
pub(super) const KV: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("kv");

/// Plugin id → (bytes, rows) of its `kv` data, as
/// [`super::kv::KvUsage`] counts them. Written with every `kv` change; no
/// row when the plugin stores nothing.
pub(super) const KV_USAGE: TableDefinition<&str, (u64, u64)> = TableDefinition::new("kv_usage");

/// Repository index url → JSON [`super::repos::RepoRecord`].
pub(super) const REPOS: TableDefinition<&str, &[u8]> = TableDefinition::new("repos");

/// Plugin id → the JSON record of its version before the last update
/// (`super::previous`).
pub(super) const PREVIOUS: TableDefinition<&str, &[u8]> = TableDefinition::new("previous");

/// (plugin id, key) → secret.
pub(super) const SECRETS: TableDefinition<(&str, &str), &str> = TableDefinition::new("secrets");

/// The compiled-artifact keys of a component start with this.
pub(super) fn compiled_prefix(component_sha_hex: &str) -> String {
    format!("{component_sha_hex}/")
}

/// Removes every row of `plugin` from a table keyed by (plugin id, key);
/// returns how many.
pub(super) fn clear_plugin<V: redb::Value + 'static>(
    txn: &WriteTransaction,
    table: TableDefinition<(&str, &str), V>,
    plugin: &str,
) -> Result<u64, StoreError> {
    let mut table = txn.open_table(table)?;
    let mut keys = Vec::new();
    for entry in table.range((plugin, "")..)? {
        let (k, _) = entry?;
        let (p, key) = k.value();
        if p != plugin {
            break;
        }
        keys.push(key.to_string());
    }
    for k in &keys {
        table.remove((plugin, k.as_str()))?;
    }
    Ok(keys.len() as u64)
}
