//! Lanes: fixed worker threads fed by one queue per lane (see [`queue`]:
//! the worker that went idle last takes the next request), and the
//! bookkeeping that gives every accepted request exactly one callback.
//!
//! A lane's capacity is counted here rather than by the queue: a request
//! cancelled while queued gives its place back at once, although a worker
//! takes its husk off the queue only when it gets there.
//!
//! The scheduler knows nothing about plugins: it runs [`Work`] closures and
//! hands their outcome to a [`Callback`] on a worker thread. Submitting
//! never blocks: a full lane refuses at once with `BUSY`. Cancelling a
//! queued request hands its callback to a small delivery thread, so a
//! `CANCELLED` arrives promptly even while every worker is busy. Shutdown
//! stops accepting, cancels everything, lets the workers drain their queues
//! (reporting `CANCELLED` without running the work), and joins every
//! thread.

mod job;
mod queue;

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use crossbeam_channel::{Sender, unbounded};
use serde::Serialize;

use crate::error::Error;
pub use job::CancelOutcome;
use job::Job;
pub(crate) use job::{Callback, Work};
use queue::{Popped, Queue};

/// Where a request waits and runs. Each lane has its own queue and its own
/// worker threads, so a flood on one never delays another beyond the
/// global execution permits. The discriminants index per-lane tables (the C
/// ABI has its own `BexLane`, whose 0 means "default").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// Latency-critical work the user is waiting on to start playback:
    /// `get-servers` and `resolve-stream` by default. One worker.
    Control = 0,
    /// Browsing: home, categories, search, info, subtitles, articles by
    /// default. Four workers.
    User = 1,
    /// Prefetching and other work nobody waits on; only when the caller
    /// asks for it. Two workers.
    Background = 2,
}

impl Lane {
    /// Every lane, in index order.
    pub const ALL: [Lane; 3] = [Lane::Control, Lane::User, Lane::Background];

    /// The lane's name as stats and config JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            Lane::Control => "control",
            Lane::User => "user",
            Lane::Background => "background",
        }
    }

    /// The lane with this name.
    pub fn from_name(name: &str) -> Option<Lane> {
        Lane::ALL.into_iter().find(|l| l.name() == name)
    }
}

/// Worker threads and queue capacity of one lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LaneSize {
    /// Worker threads (at least 1).
    pub workers: usize,
    /// Requests that may wait in the queue (at least 1); more are refused
    /// with `BUSY`.
    pub capacity: usize,
}

/// Why the scheduler refused or ended a request.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// The lane's queue is full; the request was not accepted (no callback).
    #[error("the {lane} lane is full ({capacity} requests waiting); retry later")]
    Busy {
        /// The lane's name.
        lane: &'static str,
        /// Its queue capacity.
        capacity: usize,
    },
    /// The engine is shutting down; the request was not accepted.
    #[error("the engine is shutting down and accepts no new requests")]
    Closed,
    /// The request was cancelled before it finished.
    #[error("request {id} was cancelled")]
    Cancelled {
        /// The request id.
        id: u64,
    },
    /// The work panicked (a bug in BEX); only this request failed.
    #[error("request failed inside the engine: {0}")]
    Panicked(String),
    /// Freeing the engine from one of its own callbacks would wait for
    /// the callback itself.
    #[error("the engine cannot be freed from one of its own callbacks")]
    InsideCallback,
}

/// One lane's counters, as stats report them.
#[derive(Clone, Debug, Serialize)]
pub struct LaneStats {
    /// The lane's name.
    pub lane: &'static str,
    /// Worker threads.
    pub workers: usize,
    /// Queue capacity.
    pub capacity: usize,
    /// Requests waiting now.
    pub queued: u64,
    /// Requests running now.
    pub in_flight: u64,
    /// Requests refused with `BUSY` since the engine opened.
    pub rejected: u64,
    /// Requests finished (any outcome) since the engine opened.
    pub completed: u64,
}

#[derive(Default)]
struct Counters {
    queued: AtomicU64,
    in_flight: AtomicU64,
    rejected: AtomicU64,
    completed: AtomicU64,
}

struct Shared {
    /// Identifies this scheduler's threads (see [`Scheduler::on_own_thread`]).
    key: u64,
    /// Run by a worker that waited `idle_tick` for work.
    idle: fn(),
    /// Run by a worker after each job.
    after_job: fn(),
    /// Whether the worker holds what `idle` must look at later.
    holding: fn() -> bool,
    idle_tick: std::time::Duration,
    sizes: [LaneSize; 3],
    /// Whether submits are accepted (false once shutdown began); held for
    /// reading while a submit queues.
    accepting: RwLock<bool>,
    /// The lanes' queues, by lane index.
    queues: [Queue<Arc<Job>>; 3],
    /// Delivers `CANCELLED` for requests cancelled while queued. Lives
    /// until the lane workers are joined, so cancels from callbacks during
    /// shutdown still reach it.
    notify: Mutex<Option<Sender<Arc<Job>>>>,
    /// Accepted requests whose outcome is not yet being delivered.
    jobs: Mutex<HashMap<u64, Arc<Job>>>,
    next_id: AtomicU64,
    counters: [Counters; 3],
}

/// The lanes and their threads. Dropping it shuts down (see
/// [`Scheduler::shutdown`]).
pub(crate) struct Scheduler {
    shared: Arc<Shared>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    notifier: Mutex<Option<JoinHandle<()>>>,
    /// Held by the thread joining everything at shutdown.
    joining: Mutex<()>,
}

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// What lane workers run besides jobs (the engine frees idle JavaScript
/// runtimes with them).
#[derive(Clone, Copy, Debug)]
pub(crate) struct WorkerHooks {
    /// Run by a worker that waited `idle_tick` for work.
    pub idle: fn(),
    /// Run by a worker after each job.
    pub after_job: fn(),
    /// Whether this worker thread holds something `idle` must look at
    /// later (kept JavaScript runtimes). A worker holding nothing waits for
    /// work without a timeout: an idle engine's workers never wake.
    pub holding: fn() -> bool,
    /// See `idle`.
    pub idle_tick: std::time::Duration,
}

impl Default for WorkerHooks {
    fn default() -> WorkerHooks {
        WorkerHooks {
            idle: || {},
            after_job: || {},
            holding: || false,
            idle_tick: std::time::Duration::from_secs(30),
        }
    }
}

/// Stack of a lane worker: room for the plugin's wasm stack (512 KiB),
/// the host's frames and the JavaScript stack (at most 1 MiB).
const WORKER_STACK_BYTES: usize = 4 << 20;

/// The key of the scheduler the calling thread works for (0: none).
pub(crate) fn current_worker_key() -> u64 {
    WORKER_OF.with(|w| w.get())
}

thread_local! {
    /// The key of the scheduler this thread works for (0: none).
    static WORKER_OF: Cell<u64> = const { Cell::new(0) };
}

impl Scheduler {
    /// Builds the queues and starts every thread; workers run `hooks`. If a
    /// thread cannot be started, those already running are stopped and
    /// joined.
    pub fn start(sizes: [LaneSize; 3], hooks: WorkerHooks) -> std::io::Result<Scheduler> {
        let sizes = sizes.map(|s| LaneSize {
            workers: s.workers.max(1),
            capacity: s.capacity.max(1),
        });
        let (notify, notified) = unbounded();
        let shared = Arc::new(Shared {
            key: NEXT_KEY.fetch_add(1, Ordering::Relaxed),
            idle: hooks.idle,
            after_job: hooks.after_job,
            holding: hooks.holding,
            idle_tick: hooks.idle_tick,
            sizes,
            accepting: RwLock::new(true),
            queues: sizes.map(|s| Queue::new(s.workers)),
            notify: Mutex::new(Some(notify)),
            jobs: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            counters: Default::default(),
        });
        // Dropping this on an early return shuts down what did start.
        let scheduler = Scheduler {
            shared: shared.clone(),
            workers: Mutex::new(Vec::new()),
            notifier: Mutex::new(None),
            joining: Mutex::new(()),
        };
        let notifying = shared.clone();
        let handle = std::thread::Builder::new()
            .name("bex-notify".into())
            .spawn(move || {
                WORKER_OF.with(|w| w.set(notifying.key));
                for job in notified.iter() {
                    let job: Arc<Job> = job;
                    notifying.counters[job.lane as usize]
                        .completed
                        .fetch_add(1, Ordering::Relaxed);
                    let error = job.cancelled_error();
                    job.deliver(Err(error));
                }
            })?;
        *scheduler.notifier.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        for lane in Lane::ALL {
            for n in 0..sizes[lane as usize].workers {
                let shared = shared.clone();
                let handle = std::thread::Builder::new()
                    .name(format!("bex-{}-{n}", lane.name()))
                    .stack_size(WORKER_STACK_BYTES)
                    .spawn(move || work_loop(&shared, lane, n))?;
                scheduler
                    .workers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(handle);
            }
        }
        Ok(scheduler)
    }

    /// Queues `work` on `lane`; `callback` gets its outcome exactly once,
    /// on a worker thread. Never blocks. On refusal (`BUSY`, or shutting
    /// down) nothing is queued and the callback is dropped uncalled.
    pub fn submit(&self, lane: Lane, work: Work, callback: Callback) -> Result<u64, Error> {
        let guard = self
            .shared
            .accepting
            .read()
            .unwrap_or_else(|p| p.into_inner());
        if !*guard {
            return Err(SchedulerError::Closed.into());
        }
        // The lane's capacity counts requests still waiting to run, not
        // those cancelled while queued (they leave the count at once, even
        // though a worker takes them off the queue only later).
        let counters = &self.shared.counters[lane as usize];
        let capacity = self.shared.sizes[lane as usize].capacity as u64;
        let admitted = counters
            .queued
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |q| {
                (q < capacity).then_some(q + 1)
            });
        if admitted.is_err() {
            counters.rejected.fetch_add(1, Ordering::Relaxed);
            drop(guard);
            // The caller's closures are dropped here, with no lock held.
            drop((work, callback));
            return Err(SchedulerError::Busy {
                lane: lane.name(),
                capacity: capacity as usize,
            }
            .into());
        }
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let job = Arc::new(Job::new(id, lane, work, callback));
        self.jobs().insert(id, job.clone());
        // The queue closes only under the write lock: this cannot fail
        // while we hold the read lock.
        let queued = self.shared.queues[lane as usize].push(job);
        debug_assert!(queued.is_ok());
        Ok(id)
    }

    /// Cancels request `id` (see [`CancelOutcome`]). Harmless to repeat.
    pub fn cancel(&self, id: u64) -> CancelOutcome {
        let job = self.jobs().get(&id).cloned();
        let Some(job) = job else {
            return CancelOutcome::NotFound;
        };
        let outcome = job.cancel();
        if outcome == CancelOutcome::Queued {
            self.jobs().remove(&id);
            self.shared.counters[job.lane as usize]
                .queued
                .fetch_sub(1, Ordering::SeqCst);
            let notify = self.shared.notify.lock().unwrap_or_else(|p| p.into_inner());
            let unsent = match notify.as_ref() {
                Some(n) => n.send(job).err().map(|e| e.into_inner()),
                None => Some(job),
            };
            drop(notify);
            // Only once every thread is gone: nothing else will deliver
            // it, so do it here.
            if let Some(job) = unsent {
                job.deliver(Err(job.cancelled_error()));
            }
        }
        outcome
    }

    /// Whether the calling thread is one of this scheduler's (a callback
    /// is running on it).
    pub fn on_own_thread(&self) -> bool {
        WORKER_OF.with(|w| w.get()) == self.shared.key
    }

    /// This scheduler's key (see [`current_worker_key`]).
    pub fn key(&self) -> u64 {
        self.shared.key
    }

    /// Stops accepting, cancels every request, delivers every outstanding
    /// callback and joins every thread. Idempotent; a second concurrent
    /// caller returns once the first has joined everything. Called on one
    /// of the scheduler's own threads (the last handle dropped inside a
    /// callback) it only stops accepting and cancels: the threads then
    /// deliver what is left and exit on their own.
    pub fn shutdown(&self) {
        {
            // With submits held off, every accepted request is in the
            // table: cancel them all before the workers may pop another,
            // then close the queues so the workers drain them (reporting
            // CANCELLED) and stop.
            let mut accepting = self
                .shared
                .accepting
                .write()
                .unwrap_or_else(|p| p.into_inner());
            for job in self.jobs().values() {
                job.token.cancel();
            }
            *accepting = false;
            for queue in &self.shared.queues {
                queue.close();
            }
        }
        if self.on_own_thread() {
            // The last handle was dropped inside a callback: this thread
            // cannot wait for itself (nor for a shutdown that waits for
            // it). The other threads drain and exit on their own.
            return;
        }
        // A second caller waits here until the first has joined everything.
        let _joining = self.joining.lock().unwrap_or_else(|p| p.into_inner());
        let workers = std::mem::take(&mut *self.workers.lock().unwrap_or_else(|p| p.into_inner()));
        for w in workers {
            let _ = w.join();
        }
        drop(
            self.shared
                .notify
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
        if let Some(n) = self
            .notifier
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = n.join();
        }
    }

    /// Each lane's counters.
    pub fn stats(&self) -> Vec<LaneStats> {
        Lane::ALL
            .iter()
            .map(|&lane| {
                let c = &self.shared.counters[lane as usize];
                let size = self.shared.sizes[lane as usize];
                LaneStats {
                    lane: lane.name(),
                    workers: size.workers,
                    capacity: size.capacity,
                    queued: c.queued.load(Ordering::SeqCst),
                    in_flight: c.in_flight.load(Ordering::SeqCst),
                    rejected: c.rejected.load(Ordering::Relaxed),
                    completed: c.completed.load(Ordering::Relaxed),
                }
            })
            .collect()
    }

    fn jobs(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Job>>> {
        self.shared.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Worker `me` of `lane`: runs jobs until the lane's queue closes and
/// drains.
fn work_loop(shared: &Shared, lane: Lane, me: usize) {
    WORKER_OF.with(|w| w.set(shared.key));
    let counters = &shared.counters[lane as usize];
    let queue = &shared.queues[lane as usize];
    loop {
        // Holding nothing to sweep later, wait for work without a timeout.
        let timeout = (shared.holding)().then_some(shared.idle_tick);
        let job = match queue.pop(me, timeout) {
            Popped::Item(job) => job,
            Popped::TimedOut => {
                run_hook(shared.idle);
                continue;
            }
            Popped::Closed => break,
        };
        if !job.start() {
            // Cancelled while queued: the canceller delivers, and already
            // took it off the queue count.
            continue;
        }
        counters.queued.fetch_sub(1, Ordering::SeqCst);
        counters.in_flight.fetch_add(1, Ordering::SeqCst);
        let outcome = match job.take_work() {
            Some(work) if !job.token.is_cancelled() => {
                let token = job.token.clone();
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || work(&token)))
                    .unwrap_or_else(|p| Err(SchedulerError::Panicked(panic_text(&*p)).into()))
            }
            _ => Err(job.cancelled_error()),
        };
        shared
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&job.id);
        counters.in_flight.fetch_sub(1, Ordering::SeqCst);
        counters.completed.fetch_add(1, Ordering::Relaxed);
        job.deliver(outcome);
        run_hook(shared.after_job);
    }
}

/// Runs a worker hook; a panic in it (a bug in BEX) is contained, so the
/// worker lives on.
fn run_hook(hook: fn()) {
    let _ = std::panic::catch_unwind(hook);
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

#[cfg(test)]
mod tests;
