//! Where runtimes live: one per (thread, plugin), made on first use and
//! kept in a thread-local, so a call never waits for a runtime or hops a
//! thread. Only the engine's own lane workers keep runtimes between calls
//! (at most [`JsConfig::runtimes_per_plugin`] per plugin, freed after
//! [`JsConfig::idle_timeout`]); they end with the workers at shutdown. A
//! call on any other thread gets a runtime for the call alone.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::config::{JsConfig, MAX_JS_FUNCTIONS};
use super::error::JsError;
use super::runtime::JsRuntime;

static NEXT_POOL: AtomicU64 = AtomicU64::new(1);

/// What every runtime of one plugin shares: the registered function names
/// (so `clear-js-fn` answers the same on every thread) and the count of
/// kept runtimes.
#[derive(Default)]
struct PluginJs {
    names: Mutex<HashSet<String>>,
    /// Bumped by every clear, so other threads' runtimes drop cleared
    /// functions on their next use.
    generation: AtomicU64,
    kept: AtomicUsize,
}

/// The engine's JavaScript: configuration and per-plugin bookkeeping.
/// The runtimes themselves are thread-local.
pub(crate) struct JsPool {
    key: u64,
    config: JsConfig,
    plugins: Mutex<HashMap<String, Arc<PluginJs>>>,
    kept: Arc<AtomicUsize>,
}

struct Slot {
    pool: u64,
    plugin: String,
    shared: Arc<PluginJs>,
    runtime: JsRuntime,
    seen: u64,
    kept: bool,
    /// The pool's count of kept runtimes.
    total: Arc<AtomicUsize>,
    idle: Duration,
    sweep: Duration,
    last_used: Instant,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.kept {
            self.shared.kept.fetch_sub(1, Ordering::SeqCst);
            self.total.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

thread_local! {
    static SLOTS: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
    static LAST_SWEEP: Cell<Option<Instant>> = const { Cell::new(None) };
}

fn take_slot(pool: u64, plugin: &str) -> Option<Slot> {
    SLOTS.with(|s| {
        let mut slots = s.borrow_mut();
        let i = slots
            .iter()
            .position(|s| s.pool == pool && s.plugin == plugin)?;
        Some(slots.swap_remove(i))
    })
}

/// Frees this thread's kept runtimes that were idle longer than their
/// pool allows. Lane workers call it when they have waited
/// [`JsConfig::sweep_interval`] for work; every JS use calls it at most
/// that often.
pub(crate) fn sweep_thread() {
    LAST_SWEEP.with(|l| l.set(Some(Instant::now())));
    let now = Instant::now();
    // Dropped outside the borrow: a runtime's drop runs no host code, but
    // keep the thread-local free anyway.
    let idle: Vec<Slot> = SLOTS.with(|s| {
        let mut slots = s.borrow_mut();
        let (gone, keep) = std::mem::take(&mut *slots)
            .into_iter()
            .partition(|s| now.duration_since(s.last_used) >= s.idle);
        *slots = keep;
        gone
    });
    drop(idle);
}

/// Whether this thread keeps JavaScript runtimes (that a later
/// [`sweep_thread`] may free).
pub(crate) fn thread_holds_runtimes() -> bool {
    SLOTS.with(|s| !s.borrow().is_empty())
}

/// [`sweep_thread`] if this thread last looked longer ago than the
/// shortest sweep interval of its runtimes (lane workers run it after each
/// job, so busy workers free idle runtimes too).
pub(crate) fn sweep_if_due() {
    let every = SLOTS.with(|s| s.borrow().iter().map(|s| s.sweep).min());
    let Some(every) = every else {
        return;
    };
    let due = LAST_SWEEP.with(|l| l.get().is_none_or(|t| t.elapsed() >= every));
    if due {
        sweep_thread();
    }
}

impl JsPool {
    pub fn new(config: JsConfig) -> JsPool {
        JsPool {
            key: NEXT_POOL.fetch_add(1, Ordering::Relaxed),
            config,
            plugins: Mutex::new(HashMap::new()),
            kept: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn config(&self) -> &JsConfig {
        &self.config
    }

    fn plugin(&self, id: &str) -> Arc<PluginJs> {
        let mut plugins = self.plugins.lock().unwrap_or_else(|p| p.into_inner());
        plugins.entry(id.to_string()).or_default().clone()
    }

    /// Runs `f` with this thread's runtime of `plugin`, making one when
    /// there is none. `may_keep`: the thread is one of the engine's lane
    /// workers, so the runtime may outlive the call. A runtime an error
    /// poisoned is dropped.
    pub fn with<R>(
        &self,
        plugin: &str,
        may_keep: bool,
        f: impl FnOnce(&mut JsRuntime) -> Result<R, JsError>,
    ) -> Result<R, JsError> {
        if !self.config.enabled {
            return Err(JsError::Unsupported(
                "JavaScript is turned off in this engine's configuration".into(),
            ));
        }
        sweep_if_due();
        let current = self.plugin(plugin);
        // A slot of a reinstalled or removed plugin is dropped here.
        let slot = take_slot(self.key, plugin).filter(|s| Arc::ptr_eq(&s.shared, &current));
        let mut slot = match slot {
            Some(slot) => slot,
            None => {
                let shared = current;
                let runtime = JsRuntime::new(&self.config)?;
                let kept = may_keep
                    && shared
                        .kept
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                            (n < self.config.runtimes_per_plugin).then_some(n + 1)
                        })
                        .is_ok();
                if kept {
                    self.kept.fetch_add(1, Ordering::SeqCst);
                }
                Slot {
                    pool: self.key,
                    plugin: plugin.to_string(),
                    seen: shared.generation.load(Ordering::SeqCst),
                    shared,
                    runtime,
                    kept,
                    total: self.kept.clone(),
                    idle: self.config.idle,
                    sweep: self.config.sweep,
                    last_used: Instant::now(),
                }
            }
        };
        let generation = slot.shared.generation.load(Ordering::SeqCst);
        if generation != slot.seen {
            let names = slot.shared.names.lock().unwrap_or_else(|p| p.into_inner());
            slot.runtime.retain_functions(|n| names.contains(n));
            drop(names);
            slot.seen = generation;
        }
        let out = f(&mut slot.runtime);
        slot.last_used = Instant::now();
        if !slot.runtime.poisoned() {
            SLOTS.with(|s| s.borrow_mut().push(slot));
        }
        out
    }

    /// Refuses a new function name past [`MAX_JS_FUNCTIONS`] for `plugin`.
    pub fn may_register(&self, plugin: &str, name: &str) -> Result<(), JsError> {
        let shared = self.plugin(plugin);
        let names = shared.names.lock().unwrap_or_else(|p| p.into_inner());
        if !names.contains(name) && names.len() >= MAX_JS_FUNCTIONS {
            return Err(JsError::InvalidInput(format!(
                "more than {MAX_JS_FUNCTIONS} functions registered; clear some first"
            )));
        }
        Ok(())
    }

    /// Records that `plugin` registered `name` (for [`JsPool::clear`]).
    pub fn register(&self, plugin: &str, name: &str) {
        let shared = self.plugin(plugin);
        let mut names = shared.names.lock().unwrap_or_else(|p| p.into_inner());
        names.insert(name.to_string());
    }

    /// Forgets everything of `plugin` (it was reinstalled, upgraded or
    /// removed): its names now, its runtimes on their thread's next use.
    pub fn forget(&self, plugin: &str) {
        let mut plugins = self.plugins.lock().unwrap_or_else(|p| p.into_inner());
        plugins.remove(plugin);
    }

    /// This thread's runtime of `plugin`, if it has one, forgets `name`.
    pub fn clear_here(&self, plugin: &str, name: &str) {
        if let Some(mut slot) = take_slot(self.key, plugin) {
            slot.runtime.clear(name);
            SLOTS.with(|s| s.borrow_mut().push(slot));
        }
    }

    /// Forgets `name` for `plugin` on every thread; returns whether it was
    /// registered.
    pub fn clear(&self, plugin: &str, name: &str) -> bool {
        let shared = self.plugin(plugin);
        let existed = shared
            .names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        if existed {
            shared.generation.fetch_add(1, Ordering::SeqCst);
        }
        existed
    }

    /// Frees this thread's runtime of `plugin` unless it is kept: called
    /// when a call ends.
    pub fn end_call(&self, plugin: &str) {
        if let Some(slot) = take_slot(self.key, plugin)
            && slot.kept
        {
            SLOTS.with(|s| s.borrow_mut().push(slot));
        }
    }

    /// Runtimes kept between calls, all plugins and threads (those of
    /// forgotten plugins until their thread drops them).
    pub fn kept(&self) -> usize {
        self.kept.load(Ordering::SeqCst)
    }
}
