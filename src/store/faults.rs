//! Storage faults for tests: a redb backend over the real file that fails
//! writes (`set_len` included) or syncs on demand, the way a full disk
//! (`ENOSPC`) or a failing one (`EIO`) would.

use std::fs::OpenOptions;
use std::io;
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use redb::backends::FileBackend;
use redb::{BackendError, Database, StorageBackend};

use super::{Store, StoreError};

/// Which backend operation a fault hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    /// `write` and `set_len`.
    Write,
    /// `sync_data`.
    Sync,
}

/// A fault to inject: fail every `op` with `errno` once `skip` of them
/// have gone through, until disarmed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Fault {
    pub op: Op,
    pub errno: i32,
    pub skip: u64,
}

/// The switch a test holds; shared with every backend it opens.
#[derive(Debug, Default)]
pub(super) struct Faults {
    armed: Mutex<Option<Fault>>,
    seen: AtomicU64,
    fired: AtomicBool,
}

impl Faults {
    /// Arms `fault`, counting `skip` from now.
    pub fn arm(&self, fault: Fault) {
        self.seen.store(0, Ordering::SeqCst);
        self.fired.store(false, Ordering::SeqCst);
        *self.armed.lock().unwrap() = Some(fault);
    }

    /// Disarms; returns whether the fault fired.
    pub fn disarm(&self) -> bool {
        *self.armed.lock().unwrap() = None;
        self.fired.load(Ordering::SeqCst)
    }

    fn check(&self, op: Op) -> io::Result<()> {
        let Some(fault) = *self.armed.lock().unwrap() else {
            return Ok(());
        };
        if fault.op != op || self.seen.fetch_add(1, Ordering::SeqCst) < fault.skip {
            return Ok(());
        }
        self.fired.store(true, Ordering::SeqCst);
        Err(io::Error::from_raw_os_error(fault.errno))
    }
}

#[derive(Debug)]
struct FaultyBackend {
    file: FileBackend,
    faults: Arc<Faults>,
}

impl StorageBackend for FaultyBackend {
    fn len(&self) -> io::Result<u64> {
        self.file.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.file.read(offset, out)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.faults.check(Op::Write)?;
        self.file.set_len(len)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.faults.check(Op::Sync)?;
        self.file.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.faults.check(Op::Write)?;
        self.file.write(offset, data)
    }

    fn close(&self) -> io::Result<()> {
        self.file.close()
    }

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.file.try_lock_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.file.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.lock_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.file.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.file.query_lock_range(start, end)
    }
}

impl Store {
    /// Opens the store in `data_dir` over a backend that fails as `faults`
    /// says, now and after every reopen.
    pub(super) fn open_faulty(data_dir: &Path, faults: Arc<Faults>) -> Result<Store, StoreError> {
        Store::open_with(
            data_dir,
            Box::new(move |path: &Path| {
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(path)?;
                let file = FileBackend::new(file)?;
                Database::builder().create_with_backend(FaultyBackend {
                    file,
                    faults: faults.clone(),
                })
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Snapshot, package, snapshot};
    use super::*;
    use crate::store::KvWrite;

    const ENOSPC: i32 = 28;
    const EIO: i32 = 5;

    /// Every fault kind, at every point an operation reaches (the fault
    /// skips 0, 1, 2... matching backend calls), until one runs clean.
    /// `setup` commits the old state; `change` is the operation under test;
    /// `is_changed` recognises its whole result.
    ///
    /// A failed commit leaves the old state, or, when only a sync failed
    /// after everything was written, the whole new one: an fsync error does
    /// not say the data did not land. Never a mix.
    fn at_every_fault_point(
        setup: impl Fn(&Store),
        change: impl Fn(&Store) -> Result<(), StoreError>,
        is_changed: impl Fn(&Snapshot) -> bool,
    ) -> usize {
        let mut failures = 0;
        for op in [Op::Write, Op::Sync] {
            for errno in [ENOSPC, EIO] {
                let mut skip = 0;
                loop {
                    assert!(skip < 1_000, "{op:?} never ran clean");
                    let dir = tempfile::tempdir().unwrap();
                    let faults = Arc::new(Faults::default());
                    let store = Store::open_faulty(dir.path(), faults.clone()).unwrap();
                    setup(&store);
                    let before = snapshot(&store);
                    faults.arm(Fault { op, errno, skip });
                    let result = change(&store);
                    let fired = faults.disarm();
                    if !fired {
                        result.unwrap();
                        break;
                    }
                    let at = format!("{op:?} errno {errno} after {skip}");
                    let after = match result {
                        Ok(()) => snapshot(&store),
                        Err(e) => {
                            failures += 1;
                            let code = crate::Error::from(e).code();
                            assert_eq!(code, crate::ErrorCode::Storage, "{at}");
                            // Still usable (this reopened the file),
                            // showing the old or the new state whole.
                            let after = snapshot(&store);
                            assert!(after == before || is_changed(&after), "{at}: {after:?}");
                            after
                        }
                    };
                    // The same store takes the change now.
                    change(&store).unwrap_or_else(|e| panic!("{at}: {e}"));
                    let changed = snapshot(&store);
                    assert!(is_changed(&changed), "{at}");
                    drop(store);
                    // A plain reopen shows the last commit.
                    let store = Store::open(dir.path()).unwrap();
                    assert_eq!(snapshot(&store), changed, "{at}");
                    assert_ne!(after, changed, "{at}: the change did nothing");
                    skip += 1;
                }
            }
        }
        failures
    }

    /// Version 1.0.0 installed, with `k` set to `value`.
    fn installed_with_kv(store: &Store, value: &[u8]) {
        store
            .install(&package("1.0.0", b"v1"), false, None)
            .unwrap();
        store
            .kv_commit(
                "bex.demo",
                &[KvWrite::Set("k".into(), value.to_vec())],
                1 << 20,
            )
            .unwrap();
    }

    #[test]
    fn write_and_sync_faults_during_install_fail_with_storage_and_leave_the_old_plugin() {
        let failures = at_every_fault_point(
            |store| installed_with_kv(store, b"v"),
            |store| {
                let report = store.install(&package("2.0.0", b"v2"), true, Some(("x/y", b"a")))?;
                assert_eq!(report.version, "2.0.0");
                // Reinstalling the same version the second time round
                // changes nothing visible; make each change count.
                store.set_enabled("bex.demo", !store.plugin("bex.demo")?.enabled)?;
                Ok(())
            },
            |(plugin, blob, kv, usage, _, stats)| {
                plugin.version == "2.0.0"
                    && blob == b"v2"
                    && kv.as_deref() == Some(&b"v"[..])
                    && usage.rows == 1
                    // 1.0.0's blob is kept for a rollback.
                    && (stats.components, stats.compiled_artifacts) == (2, 1)
            },
        );
        assert!(failures >= 4, "only {failures} injected faults failed");
    }

    #[test]
    fn write_and_sync_faults_during_kv_commit_fail_with_storage_and_keep_committed_kv() {
        let failures = at_every_fault_point(
            |store| installed_with_kv(store, b"old"),
            |store| {
                let old = store.kv_get("bex.demo", "k")?.unwrap();
                let mut new = old.clone();
                new.push(b'+');
                store.kv_commit(
                    "bex.demo",
                    &[
                        KvWrite::Set("k".into(), new),
                        KvWrite::Set("other".into(), vec![1; 4096]),
                    ],
                    1 << 20,
                )
            },
            |(plugin, _, kv, usage, _, stats)| {
                let k = kv.as_deref().unwrap_or_default();
                plugin.version == "1.0.0"
                    && k.starts_with(b"old+")
                    && usage.rows == 2
                    && usage.bytes == (1 + k.len() + 5 + 4096) as u64 + 128
                    && stats.kv_entries == 2
            },
        );
        assert!(failures >= 4, "only {failures} injected faults failed");
    }
}
