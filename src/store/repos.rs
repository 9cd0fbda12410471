//! Repositories the user added: each one's url, pinned key, and the last
//! index accepted from it (whose version later indexes must not go below).
//! The store keeps them opaque: what an index means is `crate::repo`'s.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, now_ms, tables};

/// A repository as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoRecord {
    /// The index url.
    pub url: String,
    /// The pinned index key (`ed25519:…`): given when added, else the key
    /// of the first index accepted.
    pub key: Option<String>,
    /// The version of the last index accepted.
    pub version: Option<u64>,
    /// The last index accepted (its JSON).
    pub index: Option<String>,
    /// When it was added, Unix ms.
    pub added_at_ms: u64,
    /// When an index was last accepted, Unix ms.
    pub refreshed_at_ms: Option<u64>,
}

fn decode(url: &str, bytes: &[u8]) -> Result<RepoRecord, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what: format!("repository {url}"),
        message: e.to_string(),
    })
}

impl Store {
    /// Adds a repository (its key pinned if given). Adding one that is
    /// there is a no-op, unless it names another key (`INVALID_ARGUMENT`).
    pub fn repo_add(&self, url: &str, key: Option<&str>) -> Result<RepoRecord, StoreError> {
        let txn = self.begin_write()?;
        let record = {
            let mut table = txn.open_table(tables::REPOS)?;
            let existing = table
                .get(url)?
                .map(|v| decode(url, v.value()))
                .transpose()?;
            match existing {
                Some(r) if key.is_none() || r.key.as_deref() == key => r,
                Some(r) => {
                    return Err(StoreError::InvalidKey(format!(
                        "repository {url} is already added with key {}; remove it first to change its key",
                        r.key.as_deref().unwrap_or("(trusted on first use)")
                    )));
                }
                None => {
                    let r = RepoRecord {
                        url: url.to_string(),
                        key: key.map(str::to_string),
                        version: None,
                        index: None,
                        added_at_ms: now_ms(),
                        refreshed_at_ms: None,
                    };
                    let json = serde_json::to_vec(&r).expect("a record serializes");
                    table.insert(url, json.as_slice())?;
                    r
                }
            }
        };
        self.commit(txn)?;
        Ok(record)
    }

    /// Removes a repository; installed plugins stay.
    pub fn repo_remove(&self, url: &str) -> Result<(), StoreError> {
        let txn = self.begin_write()?;
        let removed = txn.open_table(tables::REPOS)?.remove(url)?.is_some();
        if !removed {
            return Err(StoreError::RepoNotFound {
                url: url.to_string(),
            });
        }
        self.commit(txn)
    }

    /// Every repository, by url.
    pub fn repos(&self) -> Result<Vec<RepoRecord>, StoreError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(tables::REPOS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (k, v) = entry?;
            out.push(decode(k.value(), v.value())?);
        }
        Ok(out)
    }

    /// The repository at `url`.
    pub fn repo(&self, url: &str) -> Result<RepoRecord, StoreError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(tables::REPOS)?;
        let found = table.get(url)?;
        match found {
            Some(v) => decode(url, v.value()),
            None => Err(StoreError::RepoNotFound {
                url: url.to_string(),
            }),
        }
    }

    /// Replaces the repository's record with what `update` makes of it,
    /// in one transaction: `update` sees the record as committed, so two
    /// refreshes cannot both pass a version check against a stale one.
    pub fn repo_update<E: From<StoreError>>(
        &self,
        url: &str,
        update: impl FnOnce(&RepoRecord) -> Result<RepoRecord, E>,
    ) -> Result<RepoRecord, E> {
        let txn = self.begin_write()?;
        let record = {
            let mut table = txn.open_table(tables::REPOS).map_err(StoreError::from)?;
            let current = table
                .get(url)
                .map_err(StoreError::from)?
                .map(|v| decode(url, v.value()))
                .transpose()?
                .ok_or_else(|| StoreError::RepoNotFound {
                    url: url.to_string(),
                })?;
            let next = update(&current)?;
            let json = serde_json::to_vec(&next).expect("a record serializes");
            table
                .insert(url, json.as_slice())
                .map_err(StoreError::from)?;
            next
        };
        self.commit(txn)?;
        Ok(record)
    }
}
