//! `bex:plugin/kv`: the plugin's own key-value store.
//!
//! A call's writes are buffered here; reads see them. The engine commits the
//! buffer in one transaction when the call ends without a trap, and drops it
//! otherwise. The quota is accounted exactly (keys plus values plus
//! [`KV_ROW_OVERHEAD_BYTES`] per key, overwrites and removals included) as
//! the call goes, with the [`MAX_KV_ROWS`] cap on keys, and both are checked
//! again at commit.
//!
//! The buffer lives on the host heap, outside the plugin's memory limit, so
//! it is bounded: at most [`MAX_KV_BUFFERED_WRITES`] keys and
//! [`max_buffered_bytes`] bytes per call; past that `set` and `remove` return
//! `quota-exceeded`. Removing a key that was set in this call and is not in
//! the store drops the pending set instead of buffering a removal.

use std::collections::BTreeMap;

use super::HostState;
use crate::bindings::bex::plugin::kv::{Host, KvError};
use crate::store::{
    KV_ROW_OVERHEAD_BYTES, KvUsage, KvWrite, MAX_KV_KEY_BYTES, MAX_KV_ROWS, MAX_KV_VALUE_BYTES,
    Store,
};

/// Most distinct keys one call may buffer writes (sets and removals) for.
pub const MAX_KV_BUFFERED_WRITES: usize = 10_000;

/// Most bytes one call may buffer (keys plus values of sets, keys of
/// removals): twice the quota, so a call can remove everything the plugin
/// stores and write a full quota anew.
pub fn max_buffered_bytes(quota: u64) -> u64 {
    quota.saturating_mul(2)
}

/// One call's view of the plugin's key-value data.
#[derive(Default)]
pub(crate) struct KvSession {
    writes: BTreeMap<String, Option<Vec<u8>>>,
    /// What `writes` holds, as [`buffered_cost`] counts it.
    buffered_bytes: u64,
    usage: Option<KvUsage>,
}

/// The bytes one buffered write holds (no row overhead: this bounds host
/// memory, not storage).
fn buffered_cost(key: &str, value: Option<&[u8]>) -> u64 {
    (key.len() + value.map_or(0, <[u8]>::len)) as u64
}

impl KvSession {
    /// The buffered writes, in key order, emptying the buffer.
    pub fn take_writes(&mut self) -> Vec<KvWrite> {
        self.buffered_bytes = 0;
        std::mem::take(&mut self.writes)
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => KvWrite::Set(k, v),
                None => KvWrite::Remove(k),
            })
            .collect()
    }

    /// Buffers a write of `key`, refusing it if the buffer would pass its
    /// bounds; nothing changes on refusal.
    fn buffer(&mut self, key: String, value: Option<Vec<u8>>, quota: u64) -> Result<(), KvError> {
        let old = self
            .writes
            .get(&key)
            .map(|v| buffered_cost(&key, v.as_deref()));
        if old.is_none() && self.writes.len() >= MAX_KV_BUFFERED_WRITES {
            return Err(KvError::QuotaExceeded(format!(
                "this call already buffers writes for {MAX_KV_BUFFERED_WRITES} keys, the most one call may; return and write the rest in a later call"
            )));
        }
        let bytes = self.buffered_bytes - old.unwrap_or(0) + buffered_cost(&key, value.as_deref());
        let max = max_buffered_bytes(quota);
        if bytes > max {
            return Err(KvError::QuotaExceeded(format!(
                "this call's writes would buffer {bytes} bytes; one call may buffer at most {max} (twice the storage quota)"
            )));
        }
        self.buffered_bytes = bytes;
        self.writes.insert(key, value);
        Ok(())
    }

    /// Forgets the buffered write of `key`.
    fn unbuffer(&mut self, key: &str) {
        if let Some(v) = self.writes.remove(key) {
            self.buffered_bytes -= buffered_cost(key, v.as_deref());
        }
    }
}

fn cost(key: &str, len: usize) -> u64 {
    crate::store::kv_entry_cost(key, len)
}

type KvResult<T> = wasmtime::Result<Result<T, KvError>>;

impl HostState {
    fn kv_access(&self) -> Result<(Store, u64), KvError> {
        match (&self.env.store, self.env.storage_quota) {
            (Some(store), Some(quota)) => Ok((store.clone(), quota)),
            _ => Err(KvError::Denied(
                "the manifest does not declare `storage`".into(),
            )),
        }
    }

    fn kv_lookup(&self, store: &Store, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        if let Some(buffered) = self.kv.writes.get(key) {
            return Ok(buffered.clone());
        }
        store
            .kv_get(&self.env.id, key)
            .map_err(|e| KvError::Storage(e.to_string()))
    }

    fn kv_usage(&mut self, store: &Store) -> Result<KvUsage, KvError> {
        if let Some(u) = self.kv.usage {
            return Ok(u);
        }
        let u = store
            .kv_usage(&self.env.id)
            .map_err(|e| KvError::Storage(e.to_string()))?;
        self.kv.usage = Some(u);
        Ok(u)
    }
}

fn check_key(key: &str) -> Result<(), KvError> {
    if key.is_empty() {
        return Err(KvError::InvalidKey("keys must not be empty".into()));
    }
    if key.len() > MAX_KV_KEY_BYTES {
        return Err(KvError::TooLarge(format!(
            "key is {} bytes; the limit is {MAX_KV_KEY_BYTES}",
            key.len()
        )));
    }
    if key.chars().any(char::is_control) {
        return Err(KvError::InvalidKey(
            "keys must not hold control characters".into(),
        ));
    }
    Ok(())
}

impl Host for HostState {
    fn set(&mut self, key: String, value: Vec<u8>) -> KvResult<()> {
        Ok((|| {
            let (store, quota) = self.kv_access()?;
            check_key(&key)?;
            if value.len() > MAX_KV_VALUE_BYTES {
                return Err(KvError::TooLarge(format!(
                    "value is {} bytes; the limit is {MAX_KV_VALUE_BYTES}",
                    value.len()
                )));
            }
            let old = self.kv_lookup(&store, &key)?.map(|v| cost(&key, v.len()));
            let usage = self.kv_usage(&store)?;
            // Saturating: another call may have committed this key since
            // `usage` was read; the commit checks the limits exactly again.
            let new_usage = KvUsage {
                bytes: usage.bytes.saturating_sub(old.unwrap_or(0)) + cost(&key, value.len()),
                rows: usage.rows + u64::from(old.is_none()),
            };
            // Past a limit only refuses what grows usage.
            if new_usage.bytes > quota && new_usage.bytes > usage.bytes {
                return Err(KvError::QuotaExceeded(format!(
                    "storing \"{key}\" would use {} of the plugin's {quota} bytes (each key counts {KV_ROW_OVERHEAD_BYTES} bytes on top of its key and value)",
                    new_usage.bytes
                )));
            }
            if new_usage.rows > MAX_KV_ROWS {
                return Err(KvError::QuotaExceeded(format!(
                    "storing \"{key}\" would make {} keys; a plugin may store at most {MAX_KV_ROWS}",
                    new_usage.rows
                )));
            }
            self.kv.buffer(key, Some(value), quota)?;
            self.kv.usage = Some(new_usage);
            Ok(())
        })())
    }

    fn get(&mut self, key: String) -> KvResult<Option<Vec<u8>>> {
        Ok((|| {
            let (store, _) = self.kv_access()?;
            check_key(&key)?;
            self.kv_lookup(&store, &key)
        })())
    }

    fn remove(&mut self, key: String) -> KvResult<bool> {
        Ok((|| {
            let (store, quota) = self.kv_access()?;
            check_key(&key)?;
            let Some(old) = self.kv_lookup(&store, &key)? else {
                return Ok(false);
            };
            let usage = self.kv_usage(&store)?;
            let old_cost = cost(&key, old.len());
            let pending = self.kv.writes.contains_key(&key);
            let committed = pending
                && store
                    .kv_get(&self.env.id, &key)
                    .map_err(|e| KvError::Storage(e.to_string()))?
                    .is_some();
            if pending && !committed {
                // Set in this call only: dropping the set removes it; a
                // marker would just grow the buffer.
                self.kv.unbuffer(&key);
            } else {
                self.kv.buffer(key, None, quota)?;
            }
            self.kv.usage = Some(KvUsage {
                bytes: usage.bytes.saturating_sub(old_cost),
                rows: usage.rows.saturating_sub(1),
            });
            Ok(true)
        })())
    }

    fn keys(&mut self, prefix: String) -> KvResult<Vec<String>> {
        Ok((|| {
            let (store, _) = self.kv_access()?;
            let stored = store
                .kv_keys(&self.env.id, &prefix)
                .map_err(|e| KvError::Storage(e.to_string()))?;
            let mut keys: std::collections::BTreeSet<String> = stored
                .into_iter()
                .filter(|k| !matches!(self.kv.writes.get(k), Some(None)))
                .collect();
            for (k, v) in &self.kv.writes {
                if v.is_some() && k.starts_with(&prefix) {
                    keys.insert(k.clone());
                }
            }
            Ok(keys.into_iter().collect())
        })())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_refuses_bytes_past_twice_the_quota_and_changes_nothing() {
        let mut kv = KvSession::default();
        kv.buffer("abc".into(), Some(vec![0; 10]), 10).unwrap();
        let err = kv.buffer("d".into(), Some(vec![0; 10]), 10).unwrap_err();
        assert!(matches!(err, KvError::QuotaExceeded(m) if m.contains("at most 20")));
        assert_eq!(kv.writes.len(), 1);
        assert_eq!(kv.buffered_bytes, 13);
        // Replacing a buffered write counts only the difference.
        kv.buffer("abc".into(), Some(vec![0; 17]), 10).unwrap();
        assert_eq!(kv.buffered_bytes, 20);
        kv.unbuffer("abc");
        assert_eq!(kv.buffered_bytes, 0);
        assert!(kv.take_writes().is_empty());
    }

    #[test]
    fn the_buffer_refuses_new_keys_past_the_count_bound() {
        let mut kv = KvSession::default();
        for i in 0..MAX_KV_BUFFERED_WRITES {
            kv.buffer(format!("k{i}"), None, u64::MAX / 2).unwrap();
        }
        let err = kv.buffer("one-more".into(), None, u64::MAX / 2);
        assert!(matches!(err, Err(KvError::QuotaExceeded(_))));
        // Rewriting a key already buffered adds nothing.
        kv.buffer("k0".into(), Some(vec![1]), u64::MAX / 2).unwrap();
        assert_eq!(kv.take_writes().len(), MAX_KV_BUFFERED_WRITES);
        assert_eq!(kv.buffered_bytes, 0);
    }
}
