//! `bex:plugin/kv`: the plugin's own key-value store.
//!
//! A call's writes are buffered here; reads see them. The engine commits the
//! buffer in one transaction when the call ends without a trap, and drops it
//! otherwise. The quota is accounted exactly (keys plus values, overwrites
//! and removals included) as the call goes, and checked again at commit.

use std::collections::BTreeMap;

use super::HostState;
use crate::bindings::bex::plugin::kv::{Host, KvError};
use crate::store::{KvWrite, MAX_KV_KEY_BYTES, MAX_KV_VALUE_BYTES, Store};

/// One call's view of the plugin's key-value data.
#[derive(Default)]
pub(crate) struct KvSession {
    writes: BTreeMap<String, Option<Vec<u8>>>,
    usage: Option<u64>,
}

impl KvSession {
    /// The buffered writes, in key order, emptying the buffer.
    pub fn take_writes(&mut self) -> Vec<KvWrite> {
        std::mem::take(&mut self.writes)
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => KvWrite::Set(k, v),
                None => KvWrite::Remove(k),
            })
            .collect()
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

    fn kv_usage(&mut self, store: &Store) -> Result<u64, KvError> {
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
            let old = self
                .kv_lookup(&store, &key)?
                .map_or(0, |v| cost(&key, v.len()));
            let usage = self.kv_usage(&store)?;
            // Saturating: another call may have committed this key since
            // `usage` was read; the commit checks the quota exactly again.
            let new_usage = usage.saturating_sub(old) + cost(&key, value.len());
            if new_usage > quota {
                return Err(KvError::QuotaExceeded(format!(
                    "storing \"{key}\" would use {new_usage} of the plugin's {quota} bytes"
                )));
            }
            self.kv.usage = Some(new_usage);
            self.kv.writes.insert(key, Some(value));
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
            let (store, _) = self.kv_access()?;
            check_key(&key)?;
            let Some(old) = self.kv_lookup(&store, &key)? else {
                return Ok(false);
            };
            let usage = self.kv_usage(&store)?;
            self.kv.usage = Some(usage.saturating_sub(cost(&key, old.len())));
            self.kv.writes.insert(key, None);
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
