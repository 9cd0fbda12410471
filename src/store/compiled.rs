//! Compiled code, one file per artifact under `<data dir>/compiled/`, named
//! by its SHA-256, so the engine maps it instead of copying it: only the
//! pages calls run become resident, and they are the page cache's, shared
//! and reclaimable, not the player's private memory.
//!
//! The `compiled` table maps a key (component, engine) to a digest; it is
//! the truth, committed in the same transaction as the install. A file is
//! written in full (synced, renamed into place) before the commit that
//! names it, never changed afterwards, and removed once no key names it.
//! So a failed or interrupted install leaves at worst an unnamed file,
//! which the next cleanup removes, and never a named one half-written.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use redb::{ReadableTable, WriteTransaction};

use super::{Store, StoreError, tables};
use crate::digest::{Sha256Digest, hex, sha256};

/// The directory of compiled code inside the data directory.
pub const COMPILED_DIR_NAME: &str = "compiled";

/// A compiled artifact the store holds: its file and the digest the
/// install recorded for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledFile {
    /// The file (map it, never write it).
    pub path: PathBuf,
    /// Its SHA-256 as recorded.
    pub sha256: Sha256Digest,
}

impl CompiledFile {
    /// Whether the file holds exactly what was recorded, read through once
    /// (not mapped, so it adds nothing to the caller's resident memory).
    pub fn verify(&self) -> bool {
        let Ok(mut file) = std::fs::File::open(&self.path) else {
            return false;
        };
        let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
        let mut buf = vec![0u8; 64 << 10];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => sha2::Digest::update(&mut hasher, &buf[..n]),
                Err(_) => return false,
            }
        }
        let digest: Sha256Digest = sha2::Digest::finalize(hasher).into();
        digest == self.sha256
    }
}

fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Store {
    fn compiled_dir(&self) -> PathBuf {
        self.inner.data_dir.join(COMPILED_DIR_NAME)
    }

    fn compiled_path(&self, digest: &Sha256Digest) -> PathBuf {
        self.compiled_dir().join(format!("{}.cwasm", hex(digest)))
    }

    /// Writes `code` to its file (unless an intact one is there) and
    /// returns its digest. Call with the compiled lock held, before the
    /// commit that names it.
    pub(super) fn write_compiled_file(&self, code: &[u8]) -> Result<Sha256Digest, StoreError> {
        let digest = sha256(code);
        let path = self.compiled_path(&digest);
        let existing = CompiledFile {
            path: path.clone(),
            sha256: digest,
        };
        if existing.verify() {
            return Ok(digest);
        }
        let dir = self.compiled_dir();
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        crate::package::write_atomically(&path, code).map_err(|e| match e {
            crate::Error::Io { source, .. } => io(&path, source),
            other => io(&path, std::io::Error::other(other.to_string())),
        })?;
        Ok(digest)
    }

    /// Removes every compiled file no key names, and leftovers of writes
    /// that never finished. Call with the compiled lock held.
    pub(super) fn remove_unnamed_compiled_files(&self) -> Result<(), StoreError> {
        let named: HashSet<String> = {
            let txn = self.begin_read()?;
            let table = txn.open_table(tables::COMPILED)?;
            let mut named = HashSet::new();
            for entry in table.iter()? {
                let (_, v) = entry?;
                named.insert(format!("{}.cwasm", hex(v.value())));
            }
            named
        };
        let dir = self.compiled_dir();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !named.contains(&name) {
                // Best effort: a file that cannot be removed now is tried
                // again at the next cleanup.
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    /// The compiled artifact under `key`, if the table names one whose
    /// file exists. Its content is not checked here: see
    /// [`CompiledFile::verify`].
    pub fn compiled(&self, key: &str) -> Result<Option<CompiledFile>, StoreError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(tables::COMPILED)?;
        let Some(value) = table.get(key)? else {
            return Ok(None);
        };
        let Ok(sha256) = Sha256Digest::try_from(value.value()) else {
            return Ok(None);
        };
        let path = self.compiled_path(&sha256);
        Ok(path.is_file().then_some(CompiledFile { path, sha256 }))
    }

    /// The keys of every cached compiled artifact.
    pub fn compiled_keys(&self) -> Result<Vec<String>, StoreError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(tables::COMPILED)?;
        let mut keys = Vec::new();
        for entry in table.iter()? {
            keys.push(entry?.0.value().to_string());
        }
        Ok(keys)
    }

    /// Stores compiled code under `key`, replacing any.
    pub fn put_compiled(&self, key: &str, code: &[u8]) -> Result<(), StoreError> {
        let _files = self.compiled_files_lock();
        let digest = self.write_compiled_file(code)?;
        let txn = self.begin_write()?;
        txn.open_table(tables::COMPILED)?
            .insert(key, digest.as_slice())?;
        let committed = self.commit(txn);
        self.remove_unnamed_compiled_files()?;
        committed
    }

    /// Removes a compiled artifact; returns whether it existed.
    pub fn remove_compiled(&self, key: &str) -> Result<bool, StoreError> {
        let _files = self.compiled_files_lock();
        let txn = self.begin_write()?;
        let existed = txn.open_table(tables::COMPILED)?.remove(key)?.is_some();
        self.commit(txn)?;
        self.remove_unnamed_compiled_files()?;
        Ok(existed)
    }

    /// Total bytes of compiled files the table names.
    pub(super) fn compiled_bytes(&self) -> Result<(u64, u64), StoreError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(tables::COMPILED)?;
        let (mut count, mut bytes) = (0, 0);
        for entry in table.iter()? {
            let (_, v) = entry?;
            count += 1;
            if let Ok(digest) = Sha256Digest::try_from(v.value()) {
                bytes += std::fs::metadata(self.compiled_path(&digest)).map_or(0, |m| m.len());
            }
        }
        Ok((count, bytes))
    }

    /// Schema 2 kept each artifact in the table (its SHA-256, then the
    /// code): moves the intact ones to their files and keeps only the
    /// digest; drops the rest (an engine that compiles makes them again).
    pub(super) fn migrate_compiled_to_files(
        &self,
        txn: &WriteTransaction,
    ) -> Result<(), StoreError> {
        let mut table = txn.open_table(tables::COMPILED)?;
        let mut rows = Vec::new();
        for entry in table.iter()? {
            let (k, v) = entry?;
            rows.push((k.value().to_string(), v.value().to_vec()));
        }
        for (key, record) in rows {
            match record.split_at_checked(32) {
                Some((digest, code)) if sha256(code) == digest => {
                    let written = self.write_compiled_file(code)?;
                    table.insert(key.as_str(), written.as_slice())?;
                }
                _ => {
                    table.remove(key.as_str())?;
                }
            }
        }
        Ok(())
    }

    /// Held from writing a compiled file to removing the files a commit
    /// left unnamed, so a cleanup never removes a file another install
    /// wrote and has yet to commit.
    pub(super) fn compiled_files_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.inner
            .compiled_files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
