//! One lane's queue: requests in arrival order, handed to the worker that
//! went idle last.
//!
//! A channel wakes the receiver that has waited longest, so one caller's
//! requests, one after another, rotate over all of a lane's workers, and
//! each runs on a thread whose caches went cold since its turn before.
//! Here a request that finds workers idle goes straight to the one that
//! went idle last (a stack), so sequential requests stay on one warm
//! thread while the others sleep on. Requests that find no worker idle
//! wait in order (first in, first out).
//!
//! An idle worker parks until a request is handed to it, its timeout
//! passes or the queue closes, and a hand-over is one unpark. Before it
//! parks, a worker that finds nothing to do yields its CPU for 5 µs,
//! looking for a hand-over in between (a yield gives the CPU to whoever
//! else is ready, such as the caller its callback just woke). A request
//! submitted as soon as the one before returned then finds its worker
//! still awake, as a channel's receiver did with its spin and yields.
//! Longer measured worse: a worker that stays on its CPU pushes the caller
//! it woke to another one. An idle engine uses no CPU all the same.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// What [`Queue::pop`] found.
pub(crate) enum Popped<T> {
    /// The next item.
    Item(T),
    /// The timeout passed with nothing to do.
    TimedOut,
    /// The queue is closed and empty: the worker stops.
    Closed,
}

/// A queue for `workers` workers, numbered `0..workers`.
pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
    /// Per worker: something was handed to it (read without the lock
    /// while it yields before parking).
    handed_flag: Box<[AtomicBool]>,
}

/// How long a worker that finds nothing to do keeps yielding its CPU and
/// looking again before it parks.
const YIELD_FOR: Duration = Duration::from_micros(5);

struct State<T> {
    /// Items no worker has taken yet, oldest first.
    waiting: VecDeque<T>,
    /// Idle workers, the one that went idle last on top.
    idle: Vec<(usize, Thread)>,
    /// What was handed to each worker while it was idle.
    handed: Vec<Option<T>>,
    closed: bool,
}

impl<T> Queue<T> {
    /// An open, empty queue.
    pub fn new(workers: usize) -> Queue<T> {
        Queue {
            state: Mutex::new(State {
                waiting: VecDeque::new(),
                idle: Vec::with_capacity(workers),
                handed: (0..workers).map(|_| None).collect(),
                closed: false,
            }),
            handed_flag: (0..workers).map(|_| AtomicBool::new(false)).collect(),
        }
    }

    /// Queues `item`, or hands it to the worker that went idle last.
    /// Gives it back if the queue is closed.
    pub fn push(&self, item: T) -> Result<(), T> {
        let mut state = self.lock();
        if state.closed {
            return Err(item);
        }
        match state.idle.pop() {
            Some((worker, thread)) => {
                state.handed[worker] = Some(item);
                self.handed_flag[worker].store(true, Ordering::Release);
                drop(state);
                thread.unpark();
            }
            None => state.waiting.push_back(item),
        }
        Ok(())
    }

    /// Closes the queue and wakes every idle worker. Items already queued
    /// are still popped; then `pop` returns [`Popped::Closed`].
    pub fn close(&self) {
        let idle = {
            let mut state = self.lock();
            state.closed = true;
            std::mem::take(&mut state.idle)
        };
        for (_, thread) in idle {
            thread.unpark();
        }
    }

    /// The next item for worker `me` (on its own thread), waiting for one
    /// without a timeout if `timeout` is `None`.
    pub fn pop(&self, me: usize, timeout: Option<Duration>) -> Popped<T> {
        let mut state = self.lock();
        if let Some(item) = state.waiting.pop_front() {
            return Popped::Item(item);
        }
        if state.closed {
            return Popped::Closed;
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        state.idle.push((me, std::thread::current()));
        drop(state);
        let yielding = Instant::now();
        while !self.handed_flag[me].load(Ordering::Acquire) && yielding.elapsed() < YIELD_FOR {
            std::thread::yield_now();
        }
        loop {
            // Wake-ups may be spurious: only the state says what happened.
            let mut state = self.lock();
            if let Some(item) = state.handed[me].take() {
                // Whoever handed it took this worker off the idle stack.
                self.handed_flag[me].store(false, Ordering::Relaxed);
                return Popped::Item(item);
            }
            let timed_out = deadline.is_some_and(|d| Instant::now() >= d);
            if state.closed || timed_out {
                // Nothing waits while a worker is idle (a push hands it
                // over), so there is nothing left to take.
                state.idle.retain(|(worker, _)| *worker != me);
                return if state.closed {
                    Popped::Closed
                } else {
                    Popped::TimedOut
                };
            }
            drop(state);
            // A hand-over after the check above unparks at once.
            match deadline {
                None => std::thread::park(),
                Some(deadline) => {
                    std::thread::park_timeout(deadline.saturating_duration_since(Instant::now()))
                }
            }
        }
    }

    /// Workers parked idle now.
    #[cfg(test)]
    fn idle(&self) -> usize {
        self.lock().idle.len()
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing panics while holding the lock; a poisoned one is intact.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::mpsc::{Receiver, channel};
    use std::thread::JoinHandle;

    use super::*;

    /// A worker's number and what it popped (`None`: it timed out).
    type Report = (usize, Option<u32>);

    /// `workers` threads popping from `queue` until it closes, each
    /// sending (its number, the item) for every item it pops; with a
    /// timeout, also (its number, None) each time it times out.
    fn start(
        queue: &Arc<Queue<u32>>,
        workers: usize,
        timeout: Option<Duration>,
    ) -> (Receiver<Report>, Vec<JoinHandle<()>>) {
        let (tx, rx) = channel();
        let handles = (0..workers)
            .map(|me| {
                let (queue, tx) = (queue.clone(), tx.clone());
                std::thread::spawn(move || {
                    loop {
                        match queue.pop(me, timeout) {
                            Popped::Item(item) => tx.send((me, Some(item))).unwrap(),
                            Popped::TimedOut => tx.send((me, None)).unwrap(),
                            Popped::Closed => return,
                        }
                    }
                })
            })
            .collect();
        (rx, handles)
    }

    /// Waits (bounded) until `n` workers are parked.
    fn until_idle(queue: &Queue<u32>, n: usize) {
        let started = Instant::now();
        while queue.idle() != n {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "workers never parked"
            );
            std::thread::yield_now();
        }
    }

    #[test]
    fn the_worker_that_went_idle_last_gets_the_next_item() {
        let queue = Arc::new(Queue::new(4));
        let (rx, handles) = start(&queue, 4, None);
        until_idle(&queue, 4);
        queue.push(0).unwrap();
        let (first, item) = rx.recv().unwrap();
        assert_eq!(item, Some(0));
        // One item at a time, each after every worker is parked again: the
        // one that just worked is on top of the stack every time (a
        // channel would rotate over all four).
        for n in 1..40 {
            until_idle(&queue, 4);
            queue.push(n).unwrap();
            assert_eq!(rx.recv().unwrap(), (first, Some(n)), "item {n}");
        }
        queue.close();
        for h in handles {
            h.join().unwrap();
        }
    }

    #[test]
    fn items_that_find_no_idle_worker_wait_in_order_and_drain_after_close() {
        let queue = Arc::new(Queue::new(1));
        for n in 0..5 {
            queue.push(n).unwrap();
        }
        queue.close();
        assert_eq!(queue.push(9), Err(9), "a closed queue refuses");
        let (rx, handles) = start(&queue, 1, None);
        for h in handles {
            h.join().unwrap();
        }
        let got: Vec<_> = rx.try_iter().map(|(_, item)| item.unwrap()).collect();
        assert_eq!(got, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn close_wakes_every_parked_worker() {
        let queue = Arc::new(Queue::new(3));
        let (rx, handles) = start(&queue, 3, None);
        until_idle(&queue, 3);
        queue.close();
        for h in handles {
            h.join().unwrap();
        }
        assert!(rx.try_recv().is_err(), "nothing popped");
    }

    #[test]
    fn a_timeout_leaves_the_idle_stack_and_items_still_arrive() {
        let queue = Arc::new(Queue::new(1));
        let (rx, handles) = start(&queue, 1, Some(Duration::from_millis(20)));
        assert_eq!(rx.recv().unwrap(), (0, None), "timed out");
        // Whether parked or between timeouts, the worker gets the item.
        queue.push(7).unwrap();
        let got = rx.iter().find(|(_, item)| item.is_some());
        assert_eq!(got, Some((0, Some(7))));
        queue.close();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(queue.idle(), 0);
    }
}
