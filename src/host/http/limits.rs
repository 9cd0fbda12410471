//! Per-plugin outbound rate: a token bucket for `network.rate_per_minute`
//! (`network.concurrent` is a [`Permits`](crate::permits::Permits)).

use std::sync::Mutex;
use std::time::Instant;

/// Requests per minute, with bursts of the manifest's `network.burst` (a
/// tenth of a minute's worth by default). It refuses, never waits.
pub(crate) struct TokenBucket {
    state: Mutex<(f64, Instant)>,
    capacity: f64,
    per_sec: f64,
}

impl TokenBucket {
    /// `rate` a minute, `burst` at once.
    pub fn new(rate: u32, burst: u32) -> TokenBucket {
        let capacity = f64::from(burst.max(1));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_refuses() {
        let b = TokenBucket::new(30, 3);
        assert!(b.try_take());
        assert!(b.try_take());
        assert!(b.try_take());
        assert!(!b.try_take(), "burst is rate/10");
        let one = TokenBucket::new(1, 1);
        assert!(one.try_take());
        assert!(!one.try_take());
        // A burst of 7 at 60 a minute: the seven requests of one call.
        let seven = TokenBucket::new(60, 7);
        assert!((0..7).all(|_| seven.try_take()));
        assert!(!seven.try_take());
    }
}
