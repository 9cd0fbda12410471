//! A counting semaphore whose waits end at a deadline or when the running
//! request is cancelled: global execution and HTTP permits, each plugin's
//! share of the execution permits, and each plugin's `network.concurrent`.

use std::sync::{Condvar, Mutex};
use std::time::Instant;

use crate::cancel::{CancelToken, POLL};

/// At most `max` holders at once.
pub(crate) struct Permits {
    max: u32,
    used: Mutex<u32>,
    freed: Condvar,
}

/// A held slot, returned on drop.
pub(crate) struct Permit<'a>(&'a Permits);

/// Why no permit was had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The deadline passed first.
    Deadline,
    /// The request running on this thread was cancelled.
    Cancelled,
}

impl Permits {
    pub fn new(max: u32) -> Permits {
        Permits {
            max: max.max(1),
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// The number of slots.
    pub fn max(&self) -> u32 {
        self.max
    }

    /// Slots held now.
    pub fn in_use(&self) -> u32 {
        *self.used.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a slot until `deadline`, looking at the thread's cancel
    /// token (see [`CancelToken::enter`]) every few milliseconds.
    pub fn acquire(&self, deadline: Instant) -> Result<Permit<'_>, Refused> {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used >= self.max {
            if CancelToken::current_cancelled() {
                return Err(Refused::Cancelled);
            }
            let left = deadline
                .checked_duration_since(Instant::now())
                .ok_or(Refused::Deadline)?;
            used = self
                .freed
                .wait_timeout(used, left.min(POLL))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *used += 1;
        Ok(Permit(self))
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self.0.used.lock().unwrap_or_else(|p| p.into_inner());
        *used -= 1;
        self.0.freed.notify_one();
    }
}

/// One [`Permits`] per plugin id, each of `share` slots: how much of an
/// engine-wide pool one plugin may hold at once. Kept by id, so a plugin
/// reloaded (reinstalled, re-enabled) keeps counting what its earlier
/// calls still hold.
pub(crate) struct Shares {
    share: u32,
    by_id: Mutex<std::collections::HashMap<String, std::sync::Arc<Permits>>>,
}

impl Shares {
    pub fn new(share: u32) -> Shares {
        Shares {
            share: share.max(1),
            by_id: Mutex::default(),
        }
    }

    /// The permits of `id`.
    pub fn of(&self, id: &str) -> std::sync::Arc<Permits> {
        let mut by_id = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        // Every call asks: no allocation once the id is known.
        if let Some(permits) = by_id.get(id) {
            return permits.clone();
        }
        let permits = std::sync::Arc::new(Permits::new(self.share));
        by_id.insert(id.to_string(), permits.clone());
        permits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn permits_block_until_freed_or_deadline() {
        let p = Permits::new(1);
        let first = p.acquire(Instant::now() + Duration::from_secs(1)).unwrap();
        assert_eq!(p.in_use(), 1);
        assert_eq!(
            p.acquire(Instant::now() + Duration::from_millis(20)).err(),
            Some(Refused::Deadline)
        );
        std::thread::scope(|s| {
            let waiter = s.spawn(|| p.acquire(Instant::now() + Duration::from_secs(10)).is_ok());
            drop(first);
            assert!(waiter.join().unwrap());
        });
        assert_eq!(p.in_use(), 0);
    }

    #[test]
    fn a_cancelled_request_stops_waiting() {
        let p = Permits::new(1);
        let _held = p.acquire(Instant::now() + Duration::from_secs(1)).unwrap();
        let token = CancelToken::new();
        let p = &p;
        std::thread::scope(|s| {
            let t = token.clone();
            let waiter = s.spawn(move || {
                let _g = t.enter();
                p.acquire(Instant::now() + Duration::from_secs(30)).err()
            });
            token.cancel();
            assert_eq!(waiter.join().unwrap(), Some(Refused::Cancelled));
        });
    }
}
