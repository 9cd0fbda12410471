//! Per-plugin outbound limits: a token bucket for `network.rate_per_minute`
//! and a counting semaphore for `network.concurrent`.

use std::sync::{Condvar, Mutex};
use std::time::Instant;

/// Requests per minute, with bursts of a tenth of a minute's worth.
pub(crate) struct TokenBucket {
    state: Mutex<(f64, Instant)>,
    capacity: f64,
    per_sec: f64,
}

impl TokenBucket {
    pub fn per_minute(rate: u32) -> TokenBucket {
        let capacity = f64::from((rate / 10).max(1));
        TokenBucket {
            state: Mutex::new((capacity, Instant::now())),
            capacity,
            per_sec: f64::from(rate) / 60.0,
        }
    }

    /// Takes a token if one is available; never waits.
    pub fn try_take(&self) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(s.1).as_secs_f64() * self.per_sec;
        s.0 = (s.0 + refill).min(self.capacity);
        s.1 = now;
        if s.0 >= 1.0 {
            s.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

/// At most `max` requests in flight.
pub(crate) struct Permits {
    max: u32,
    used: Mutex<u32>,
    freed: Condvar,
}

/// A request slot, returned on drop.
pub(crate) struct Permit<'a>(&'a Permits);

impl Permits {
    pub fn new(max: u32) -> Permits {
        Permits {
            max: max.max(1),
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Waits for a slot until `deadline`; `None` if it passes first.
    pub fn acquire(&self, deadline: Instant) -> Option<Permit<'_>> {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used >= self.max {
            let left = deadline.checked_duration_since(Instant::now())?;
            used = self
                .freed
                .wait_timeout(used, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *used += 1;
        Some(Permit(self))
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self.0.used.lock().unwrap_or_else(|p| p.into_inner());
        *used -= 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_allows_a_burst_then_refuses() {
        let b = TokenBucket::per_minute(30);
        assert!(b.try_take());
        assert!(b.try_take());
        assert!(b.try_take());
        assert!(!b.try_take(), "burst is rate/10");
        let one = TokenBucket::per_minute(1);
        assert!(one.try_take());
        assert!(!one.try_take());
    }

    #[test]
    fn permits_block_until_freed_or_deadline() {
        let p = Permits::new(1);
        let first = p.acquire(Instant::now() + Duration::from_secs(1)).unwrap();
        assert!(
            p.acquire(Instant::now() + Duration::from_millis(20))
                .is_none()
        );
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                p.acquire(Instant::now() + Duration::from_secs(10))
                    .is_some()
            });
            drop(first);
            assert!(waiter.join().unwrap());
        });
    }
}
