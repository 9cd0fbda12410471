//! One accepted request: its work, its callback (delivered exactly once),
//! its cancel token and its state.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

use super::{Lane, SchedulerError};
use crate::cancel::CancelToken;
use crate::error::Error;

/// The work of a request; it should stop early when the token is cancelled.
pub(crate) type Work = Box<dyn FnOnce(&CancelToken) -> Result<String, Error> + Send>;

/// Receives the request id and the outcome, exactly once.
pub(crate) type Callback = Box<dyn FnOnce(u64, Result<String, Error>) + Send>;

const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
/// Cancelled while queued: whoever moved it here delivers the callback.
const DROPPED: u8 = 2;

/// What [`Scheduler::cancel`](super::Scheduler::cancel) found (the C ABI
/// maps it to `BexCancelResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    /// No such request: already finished (its callback was delivered or is
    /// being delivered) or never accepted. Cancelling again lands here.
    NotFound = 0,
    /// It was waiting in its lane: it is dropped without entering the
    /// plugin and reported `CANCELLED`.
    Queued = 1,
    /// It was running: it stops at its next check (an epoch tick, a host
    /// wait, an HTTP read) and is reported `CANCELLED`.
    Running = 2,
}

pub(crate) struct Job {
    pub id: u64,
    pub lane: Lane,
    pub token: CancelToken,
    state: AtomicU8,
    work: Mutex<Option<Work>>,
    callback: Mutex<Option<Callback>>,
}

impl Job {
    pub fn new(id: u64, lane: Lane, work: Work, callback: Callback) -> Job {
        Job {
            id,
            lane,
            token: CancelToken::new(),
            state: AtomicU8::new(QUEUED),
            work: Mutex::new(Some(work)),
            callback: Mutex::new(Some(callback)),
        }
    }

    /// A worker claims the job; false if it was cancelled while queued
    /// (then the canceller delivers its callback).
    pub fn start(&self) -> bool {
        self.state
            .compare_exchange(QUEUED, RUNNING, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// Sets the cancel flag; if the job was still queued, claims it for
    /// the canceller.
    pub fn cancel(&self) -> CancelOutcome {
        self.token.cancel();
        match self
            .state
            .compare_exchange(QUEUED, DROPPED, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => CancelOutcome::Queued,
            Err(RUNNING) => CancelOutcome::Running,
            Err(_) => CancelOutcome::NotFound,
        }
    }

    pub fn take_work(&self) -> Option<Work> {
        self.work.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Delivers the outcome if nobody has; returns whether this call did.
    /// No lock is held while the callback runs, and a panicking callback
    /// is contained.
    pub fn deliver(&self, outcome: Result<String, Error>) -> bool {
        let callback = self
            .callback
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        // The work (and what it captured) is dropped before the callback
        // runs, whatever path got here.
        drop(self.take_work());
        let Some(callback) = callback else {
            return false;
        };
        let id = self.id;
        let _ =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || callback(id, outcome)));
        true
    }

    pub fn cancelled_error(&self) -> Error {
        SchedulerError::Cancelled { id: self.id }.into()
    }
}

impl Drop for Job {
    /// A job dropped before its outcome was delivered (a worker thread
    /// died with it, a channel was dropped with it inside) still calls
    /// back, once: every accepted request gets exactly one callback.
    fn drop(&mut self) {
        self.deliver(Err(SchedulerError::Panicked(
            "the request was dropped without an outcome (a worker stopped)".into(),
        )
        .into()));
    }
}
