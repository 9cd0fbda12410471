//! The data directory: one redb file holding installed plugins, component
//! blobs, the compiled-artifact index, plugin key-value data and secrets,
//! and the compiled code itself as files beside it (see `compiled`).
//!
//! Every change is one redb write transaction, so it lands whole or not at
//! all: a failed install leaves the previous version exactly as it was.
//!
//! After a storage fault (a failed write or sync) redb refuses all further
//! work on its handle; the store then drops the handle and opens the file
//! again, which recovers the last committed state, so one failed commit
//! does not take the store down with it.

mod compiled;
#[cfg(test)]
mod faults;
mod kv;
mod plugins;
mod previous;
mod private;
mod repos;
mod secrets;
mod tables;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use redb::{
    CommitError, Database, DatabaseError, ReadTransaction, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, StorageError, TransactionError, WriteTransaction,
};
use serde::Serialize;

pub use compiled::{COMPILED_DIR_NAME, CompiledFile};
pub(crate) use kv::entry_cost as kv_entry_cost;
pub use kv::{
    KV_ROW_OVERHEAD_BYTES, KvUsage, KvWrite, MAX_KV_KEY_BYTES, MAX_KV_ROWS, MAX_KV_VALUE_BYTES,
};
pub use plugins::{InstallAction, InstallOptions, InstallReport, InstalledPlugin, UninstallReport};
pub use repos::RepoRecord;
pub use secrets::MAX_SECRET_BYTES;

/// The store schema this engine reads and writes. Older stores are
/// migrated when opened (1 → 2 adds the `kv` usage table; 2 → 3 moves
/// compiled code out of the database into files); newer ones are refused
/// with [`StoreError::UpgradeRequired`].
pub const STORE_SCHEMA_VERSION: u64 = 3;

/// The database file inside the data directory.
pub const DB_FILE_NAME: &str = "bex.redb";

/// Why a store operation failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process has the data directory open.
    #[error("{path} is in use by another process (close the other BEX first)")]
    AlreadyOpen {
        /// The database file.
        path: String,
    },
    /// The data directory was written by a newer BEX.
    #[error("{path} has store schema {found}; this BEX reads {supported}: upgrade BEX")]
    UpgradeRequired {
        /// The database file.
        path: String,
        /// The file's schema (or redb format) version.
        found: u64,
        /// The newest this engine reads.
        supported: u64,
    },
    /// No plugin with this id is installed.
    #[error("plugin {id} is not installed")]
    PluginNotFound {
        /// The id asked for.
        id: String,
    },
    /// No repository with this url was added.
    #[error("no repository {url} (add it with `bex repo add`)")]
    RepoNotFound {
        /// The url asked for.
        url: String,
    },
    /// The key does not exist.
    #[error("{plugin} has no {what} \"{key}\"")]
    KeyNotFound {
        /// The plugin.
        plugin: String,
        /// `secret` or `key`.
        what: &'static str,
        /// The key.
        key: String,
    },
    /// Installing would replace a newer version.
    #[error("{id} {installed} is installed; installing {requested} is a downgrade (use --force)")]
    Downgrade {
        /// The plugin.
        id: String,
        /// Installed version.
        installed: String,
        /// Version in the package.
        requested: String,
    },
    /// The install needs the caller's explicit consent: it widens the
    /// plugin's permissions, or changes the content of the installed
    /// version.
    #[error("{id}: {reason}")]
    ConsentRequired {
        /// The plugin.
        id: String,
        /// What needs consent, and the option that gives it.
        reason: String,
    },
    /// The package's publisher may not replace the installed plugin.
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    /// A key or value is malformed or too large.
    #[error("{0}")]
    InvalidKey(String),
    /// Committing a plugin's `kv` writes would take it past its byte quota
    /// or [`MAX_KV_ROWS`]; nothing was written.
    #[error(
        "{plugin} would store {rows} keys in {bytes} bytes (each key counts {KV_ROW_OVERHEAD_BYTES} bytes on top of its key and value); its quota is {quota} bytes and at most {MAX_KV_ROWS} keys"
    )]
    QuotaExceeded {
        /// The plugin.
        plugin: String,
        /// Bytes it would use, overhead included.
        bytes: u64,
        /// Keys it would store.
        rows: u64,
        /// Its byte quota.
        quota: u64,
    },
    /// A record in the database does not decode.
    #[error("store record {what} is corrupt: {message}")]
    Corrupt {
        /// Which record.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// The database failed.
    #[error("store: {0}")]
    Database(#[from] redb::Error),
    /// Creating the data directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Database(e.into())
            }
        }
    )*};
}
from_redb!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// Counts for `bex stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StoreStats {
    /// The database file.
    pub path: String,
    /// Its size on disk.
    pub file_bytes: u64,
    /// Installed plugins.
    pub plugins: u64,
    /// Enabled plugins.
    pub enabled: u64,
    /// Component blobs and their total size.
    pub components: u64,
    /// Total component bytes.
    pub component_bytes: u64,
    /// Cached compiled artifacts.
    pub compiled_artifacts: u64,
    /// Total compiled-artifact bytes.
    pub compiled_bytes: u64,
    /// Key-value entries, all plugins.
    pub kv_entries: u64,
    /// Secrets, all plugins.
    pub secrets: u64,
}

/// A handle on the data directory's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Handle {
    /// `None` only between dropping a broken handle and a reopen that
    /// failed too; the next transaction tries again.
    db: Option<Database>,
    /// Counts reopens, so threads that met the same broken handle reopen
    /// it once.
    generation: u64,
}

/// Opens the database file (the real file, or a faulty one in tests).
type Opener = Box<dyn Fn(&Path) -> Result<Database, DatabaseError> + Send + Sync>;

struct Inner {
    db: RwLock<Handle>,
    /// A commit failed on the current handle: reopen before the next
    /// transaction (redb refuses writes after it, but may still serve
    /// reads from its cache).
    broken: AtomicBool,
    open: Opener,
    path: PathBuf,
    data_dir: PathBuf,
    /// See `Store::compiled_files_lock`.
    compiled_files: std::sync::Mutex<()>,
    #[cfg(test)]
    fail_install_at: std::sync::Mutex<Option<plugins::InstallStep>>,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`.
    ///
    /// Fails with [`StoreError::AlreadyOpen`] at once, without waiting, if
    /// another process has it open, and with [`StoreError::UpgradeRequired`]
    /// if a newer BEX wrote it.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        Store::open_with(data_dir, Box::new(|path: &Path| Database::create(path)))
    }

    fn open_with(data_dir: &Path, open: Opener) -> Result<Store, StoreError> {
        private::create_dir(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.display().to_string(),
            source,
        })?;
        let path = data_dir.join(DB_FILE_NAME);
        private::prepare_file(&path).map_err(|source| StoreError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let db = open_db(&open, &path)?;
        let store = Store {
            inner: Arc::new(Inner {
                db: RwLock::new(Handle {
                    db: Some(db),
                    generation: 0,
                }),
                broken: AtomicBool::new(false),
                open,
                path,
                data_dir: data_dir.to_path_buf(),
                compiled_files: std::sync::Mutex::new(()),
                #[cfg(test)]
                fail_install_at: std::sync::Mutex::new(None),
            }),
        };
        store.check_schema()?;
        let _files = store.compiled_files_lock();
        store.remove_unnamed_compiled_files()?;
        drop(_files);
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Starts a write transaction, reopening the file first if a storage
    /// fault broke the handle.
    fn begin_write(&self) -> Result<WriteTransaction, StoreError> {
        self.with_db(Database::begin_write)
    }

    /// Starts a read transaction, like [`Store::begin_write`].
    fn begin_read(&self) -> Result<ReadTransaction, StoreError> {
        self.with_db(Database::begin_read)
    }

    fn with_db<T>(
        &self,
        begin: impl Fn(&Database) -> Result<T, TransactionError>,
    ) -> Result<T, StoreError> {
        let seen = {
            let handle = self.inner.db.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(db) = &handle.db
                && !self.inner.broken.load(Ordering::Acquire)
            {
                match begin(db) {
                    Err(TransactionError::Storage(StorageError::PreviousIo)) => {}
                    other => return Ok(other?),
                }
            }
            handle.generation
        };
        self.reopen(seen)?;
        let handle = self.inner.db.read().unwrap_or_else(PoisonError::into_inner);
        match &handle.db {
            Some(db) => Ok(begin(db)?),
            None => Err(StorageError::PreviousIo.into()),
        }
    }

    /// Replaces the handle of generation `seen`, broken by a storage
    /// fault, with a fresh one, unless another thread already did.
    fn reopen(&self, seen: u64) -> Result<(), StoreError> {
        let mut handle = self
            .inner
            .db
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if handle.generation != seen && handle.db.is_some() {
            return Ok(());
        }
        // The old handle holds the file lock until it is dropped.
        handle.db = None;
        handle.db = Some(open_db(&self.inner.open, &self.inner.path)?);
        handle.generation += 1;
        self.inner.broken.store(false, Ordering::Release);
        Ok(())
    }

    /// Commits `txn`; a storage fault marks the handle for reopening.
    fn commit(&self, txn: WriteTransaction) -> Result<(), StoreError> {
        txn.commit().map_err(|e| {
            if matches!(
                e,
                CommitError::Storage(StorageError::Io(_) | StorageError::PreviousIo)
            ) {
                self.inner.broken.store(true, Ordering::Release);
            }
            e.into()
        })
    }

    /// Creates the tables of a new store, or checks an existing store's
    /// schema version.
    fn check_schema(&self) -> Result<(), StoreError> {
        let txn = self.begin_write()?;
        {
            let mut meta = txn.open_table(tables::META)?;
            let found = meta.get(tables::SCHEMA_KEY)?.map(|v| v.value());
            match found {
                Some(v) if v > STORE_SCHEMA_VERSION => {
                    return Err(StoreError::UpgradeRequired {
                        path: self.inner.path.display().to_string(),
                        found: v,
                        supported: STORE_SCHEMA_VERSION,
                    });
                }
                Some(STORE_SCHEMA_VERSION) => {}
                Some(v) => {
                    if v < 2 {
                        // Schema 1: the usage table is new; fill it once.
                        kv::rebuild_usage(&txn)?;
                    }
                    let _files = self.compiled_files_lock();
                    self.migrate_compiled_to_files(&txn)?;
                    meta.insert(tables::SCHEMA_KEY, STORE_SCHEMA_VERSION)?;
                }
                None => {
                    meta.insert(tables::SCHEMA_KEY, STORE_SCHEMA_VERSION)?;
                }
            }
            // Create every table so readers never meet a missing one.
            txn.open_table(tables::PLUGINS)?;
            txn.open_table(tables::BLOBS)?;
            txn.open_table(tables::COMPILED)?;
            txn.open_table(tables::KV)?;
            txn.open_table(tables::KV_USAGE)?;
            txn.open_table(tables::SECRETS)?;
            txn.open_table(tables::REPOS)?;
            txn.open_table(tables::PREVIOUS)?;
        }
        self.commit(txn)?;
        Ok(())
    }

    /// Store-wide counts.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let txn = self.begin_read()?;
        let mut stats = StoreStats {
            path: self.inner.path.display().to_string(),
            file_bytes: std::fs::metadata(&self.inner.path)
                .map(|m| m.len())
                .unwrap_or(0),
            ..StoreStats::default()
        };
        for plugin in plugins::list_in(&txn)? {
            stats.plugins += 1;
            stats.enabled += u64::from(plugin.enabled);
        }
        let blobs = txn.open_table(tables::BLOBS)?;
        for entry in blobs.iter()? {
            stats.components += 1;
            stats.component_bytes += entry?.1.value().len() as u64;
        }
        (stats.compiled_artifacts, stats.compiled_bytes) = self.compiled_bytes()?;
        stats.kv_entries = txn.open_table(tables::KV)?.len()?;
        stats.secrets = txn.open_table(tables::SECRETS)?.len()?;
        Ok(stats)
    }

    /// The component blob with this digest.
    pub fn component(&self, sha256: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
        let txn = self.begin_read()?;
        let blobs = txn.open_table(tables::BLOBS)?;
        let blob = blobs
            .get(sha256.as_slice())?
            .ok_or_else(|| StoreError::Corrupt {
                what: format!("component {}", crate::digest::hex(sha256)),
                message: "missing blob".into(),
            })?;
        Ok(blob.value().to_vec())
    }
}

fn open_db(open: &Opener, path: &Path) -> Result<Database, StoreError> {
    let shown = || path.display().to_string();
    open(path).map_err(|e| match e {
        DatabaseError::DatabaseAlreadyOpen => StoreError::AlreadyOpen { path: shown() },
        DatabaseError::UpgradeRequired(v) => StoreError::UpgradeRequired {
            path: shown(),
            found: u64::from(v),
            supported: STORE_SCHEMA_VERSION,
        },
        other => StoreError::Database(other.into()),
    })
}

/// The current time as Unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
