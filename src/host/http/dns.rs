//! Name lookups for the http host, with at most [`MAX_LOOKUPS_IN_FLIGHT`]
//! running at once per engine.
//!
//! A lookup runs on its own thread so the request can give up at its
//! timeout; the thread itself runs until the system resolver answers. A
//! resolver that never answers would otherwise leave one thread behind per
//! request until spawning fails, so each thread holds a slot until its
//! lookup returns, and a lookup that finds none free fails at once with
//! [`TooManyLookups`].

use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// Most lookups running at once, per engine.
pub(crate) const MAX_LOOKUPS_IN_FLIGHT: usize = 8;

/// Looks `host` up, answering addresses with `port`.
pub(crate) type LookupFn = dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync;

/// How names are looked up: the system resolver, unless the engine config
/// sets another (tests).
#[derive(Clone)]
pub(crate) struct Lookup(pub Arc<LookupFn>);

impl Default for Lookup {
    fn default() -> Lookup {
        Lookup(Arc::new(|host, port| {
            (host, port).to_socket_addrs().map(Iterator::collect)
        }))
    }
}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lookup")
    }
}

/// A lookup refused because [`MAX_LOOKUPS_IN_FLIGHT`] are running.
#[derive(Debug)]
pub(crate) struct TooManyLookups;

impl fmt::Display for TooManyLookups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "too many DNS lookups in flight ({MAX_LOOKUPS_IN_FLIGHT}): the resolver is slow or not answering; retry later"
        )
    }
}

impl std::error::Error for TooManyLookups {}

/// Why a lookup gave no addresses.
#[derive(Debug)]
pub(crate) enum LookupError {
    /// No slot was free.
    Busy(TooManyLookups),
    /// No answer within the timeout (the lookup goes on, holding its slot).
    TimedOut,
    /// The resolver answered with an error, or no thread could be started.
    Failed(io::Error),
}

/// The lookups of one engine, all plugins together.
#[derive(Debug)]
pub(crate) struct Lookups {
    lookup: Lookup,
    in_flight: Arc<AtomicUsize>,
}

/// A taken slot, given back on drop.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Lookups {
    pub fn new(lookup: Lookup) -> Lookups {
        Lookups {
            lookup,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Looks `host` up, waiting at most `timeout`.
    pub fn resolve(
        &self,
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<Vec<SocketAddr>, LookupError> {
        let slot = self.take_slot()?;
        let (tx, rx) = mpsc::sync_channel(1);
        let lookup = self.lookup.0.clone();
        let name = host.to_string();
        std::thread::Builder::new()
            .name("bex-dns".into())
            .spawn(move || {
                let answer = lookup(&name, port);
                drop(slot);
                // The request may have given up already.
                let _ = tx.send(answer);
            })
            .map_err(LookupError::Failed)?;
        match rx.recv_timeout(timeout) {
            Ok(answer) => answer.map_err(LookupError::Failed),
            Err(RecvTimeoutError::Timeout) => Err(LookupError::TimedOut),
            Err(RecvTimeoutError::Disconnected) => Err(LookupError::Failed(io::Error::other(
                "the lookup ended without an answer",
            ))),
        }
    }

    fn take_slot(&self) -> Result<Slot, LookupError> {
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_LOOKUPS_IN_FLIGHT).then_some(n + 1)
            })
            .map(|_| Slot(self.in_flight.clone()))
            .map_err(|_| LookupError::Busy(TooManyLookups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Condvar, Mutex};

    #[test]
    fn lookups_beyond_the_cap_fail_at_once_until_one_returns() {
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let g = gate.clone();
        let lookups = Lookups::new(Lookup(Arc::new(move |_, port| {
            let (open, cv) = &*g;
            let mut open = open.lock().unwrap();
            while !*open {
                open = cv.wait(open).unwrap();
            }
            Ok(vec![SocketAddr::from(([192, 0, 2, 1], port))])
        })));
        let short = Duration::from_millis(1);
        for _ in 0..MAX_LOOKUPS_IN_FLIGHT {
            assert!(matches!(
                lookups.resolve("a.example", 80, short),
                Err(LookupError::TimedOut)
            ));
        }
        let busy = lookups.resolve("a.example", 80, Duration::from_secs(60));
        assert!(matches!(busy, Err(LookupError::Busy(_))), "{busy:?}");
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        // The stuck lookups return and give their slots back.
        let started = std::time::Instant::now();
        while lookups.in_flight.load(Ordering::Acquire) > 0 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "slots never freed"
            );
            std::thread::yield_now();
        }
        let ok = lookups.resolve("a.example", 443, Duration::from_secs(10));
        assert_eq!(ok.unwrap(), vec![SocketAddr::from(([192, 0, 2, 1], 443))]);
    }
}
