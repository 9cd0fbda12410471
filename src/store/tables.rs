//! The redb tables of store schema 1.

use redb::TableDefinition;

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

/// (plugin id, key) → secret.
pub(super) const SECRETS: TableDefinition<(&str, &str), &str> = TableDefinition::new("secrets");

/// The compiled-artifact keys of a component start with this.
pub(super) fn compiled_prefix(component_sha_hex: &str) -> String {
    format!("{component_sha_hex}/")
}
