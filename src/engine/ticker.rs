//! The epoch ticker: one thread per engine that advances wasmtime's epoch,
//! so every call's deadline (a number of ticks) expires on wall-clock time.
//!
//! It ticks only while a call runs ([`Ticker::running`]): with none, the
//! thread blocks until one starts, so an idle engine wakes no thread at all
//! (a set-top box idles at 0% CPU, `make bench` shows it).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded, select};

/// Owns the ticker thread; dropping it stops and joins the thread.
pub(crate) struct Ticker {
    activity: Arc<Activity>,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Calls running, and the ticker's wake-up when the first one starts.
struct Activity {
    running: AtomicUsize,
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
    /// it was idle.
    pub fn running(&self) -> Running {
        if self.activity.running.fetch_add(1, Ordering::SeqCst) == 0 {
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

/// Until the engine stops: tick every `tick` while a call runs, block
/// while none does.
fn tick_while_running(
    engine: &wasmtime::Engine,
    tick: Duration,
    activity: &Activity,
    stopped: &Receiver<()>,
    woken: &Receiver<()>,
) {
    loop {
        if activity.running.load(Ordering::SeqCst) == 0 {
            select! {
                recv(woken) -> _ => continue,
                recv(stopped) -> _ => return,
            }
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
