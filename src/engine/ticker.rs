//! The epoch ticker: one thread per engine that advances wasmtime's epoch,
//! so every call's deadline (a number of ticks) expires on wall-clock time.
//!
//! It ticks only while calls run ([`Ticker::running`]) and for a second
//! after the last one: then the thread blocks until a call starts, so an
//! idle engine wakes no thread at all (a set-top box idles at 0% CPU,
//! `make bench` shows it), while a burst of calls never waits on a wake-up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded, select};

/// Owns the ticker thread; dropping it stops and joins the thread.
pub(crate) struct Ticker {
    activity: Arc<Activity>,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Ticks without a call before the ticker sleeps (a second at 10 ms).
const LINGER_TICKS: u32 = 100;

/// Calls running, and the ticker's wake-up when one starts while it sleeps.
struct Activity {
    running: AtomicUsize,
    /// The ticker is asleep (or about to be): a starting call wakes it.
    asleep: AtomicBool,
    wake: Sender<()>,
}

/// A running call: the ticker ticks until every one has dropped.
pub(crate) struct Running(Arc<Activity>);

impl Ticker {
    pub fn start(engine: wasmtime::Engine, tick: Duration) -> std::io::Result<Ticker> {
        let (stop, stopped) = bounded::<()>(0);
        let (wake, woken) = bounded::<()>(1);
        let activity = Arc::new(Activity {
            running: AtomicUsize::new(0),
            asleep: AtomicBool::new(false),
            wake,
        });
        let seen = activity.clone();
        let thread = std::thread::Builder::new()
            .name("bex-epoch".into())
            .spawn(move || tick_while_running(&engine, tick, &seen, &stopped, &woken))?;
        Ok(Ticker {
            activity,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Marks a call running until the guard drops, waking the ticker if
    /// it sleeps.
    pub fn running(&self) -> Running {
        self.activity.running.fetch_add(1, Ordering::SeqCst);
        if self.activity.asleep.load(Ordering::SeqCst) {
            // Full: a wake-up is already pending.
            let _ = self.activity.wake.try_send(());
        }
        Running(self.activity.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Until the engine stops: tick every `tick` while calls run and for
/// [`LINGER_TICKS`] after, then block until a call starts.
fn tick_while_running(
    engine: &wasmtime::Engine,
    tick: Duration,
    activity: &Activity,
    stopped: &Receiver<()>,
    woken: &Receiver<()>,
) {
    let mut quiet = 0;
    loop {
        if activity.running.load(Ordering::SeqCst) > 0 {
            quiet = 0;
        } else if quiet >= LINGER_TICKS {
            // Asleep first, then look again: a call starting in between
            // either is seen here or sees `asleep` and sends a wake-up.
            activity.asleep.store(true, Ordering::SeqCst);
            if activity.running.load(Ordering::SeqCst) == 0 {
                select! {
                    recv(woken) -> _ => {}
                    recv(stopped) -> _ => return,
                }
            }
            activity.asleep.store(false, Ordering::SeqCst);
            quiet = 0;
            continue;
        } else {
            quiet += 1;
        }
        match stopped.recv_timeout(tick) {
            Err(RecvTimeoutError::Timeout) => engine.increment_epoch(),
            _ => return,
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
