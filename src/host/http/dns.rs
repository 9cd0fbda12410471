//! Name lookups for the http host: at most [`MAX_LOOKUPS_IN_FLIGHT`]
//! running at once per engine, and at most [`MAX_LOOKUPS_PER_PLUGIN`] of
//! them for one plugin.
//!
//! A lookup runs on its own thread so the request can give up at its
//! timeout; the thread itself runs until the system resolver answers. A
//! resolver that never answers would otherwise leave one thread behind per
//! request until spawning fails, so each thread holds a slot until its
//! lookup returns, and a lookup that finds none free fails at once with
//! [`TooManyLookups`]. The per-plugin share keeps one plugin whose
//! nameserver drops queries from taking every slot: it waits on its own
//! lookups, the others resolve.

use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// Most lookups running at once, per engine.
pub(crate) const MAX_LOOKUPS_IN_FLIGHT: usize = 16;
/// Most lookups running at once for one plugin.
pub(crate) const MAX_LOOKUPS_PER_PLUGIN: usize = 4;

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

/// A lookup refused because its plugin's share, or the engine's slots,
/// are all running.
#[derive(Debug)]
pub(crate) enum TooManyLookups {
    /// [`MAX_LOOKUPS_PER_PLUGIN`] of this plugin's lookups are running.
    Plugin,
    /// [`MAX_LOOKUPS_IN_FLIGHT`] lookups of all plugins are running.
    Engine,
}

impl fmt::Display for TooManyLookups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, whose) = match self {
            TooManyLookups::Plugin => (MAX_LOOKUPS_PER_PLUGIN, "of this plugin"),
            TooManyLookups::Engine => (MAX_LOOKUPS_IN_FLIGHT, "of all plugins"),
        };
        write!(
            f,
            "too many DNS lookups in flight ({n} {whose}): the resolver is slow or not answering; retry later"
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
    /// Each plugin's share, by id (kept across reloads of the plugin, so
    /// a reinstall does not bring a fresh share while the old lookups
    /// still hang).
    shares: std::sync::Mutex<std::collections::HashMap<String, Share>>,
}

/// One plugin's lookups in flight (its share of the engine's slots).
#[derive(Debug, Default, Clone)]
pub(crate) struct Share(Arc<AtomicUsize>);

/// A taken count, given back on drop.
struct Taken(Arc<AtomicUsize>);

impl Taken {
    fn take(counter: &Arc<AtomicUsize>, max: usize) -> Option<Taken> {
        counter
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Taken(counter.clone()))
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Lookups {
    pub fn new(lookup: Lookup) -> Lookups {
        Lookups {
            lookup,
            in_flight: Arc::new(AtomicUsize::new(0)),
            shares: Default::default(),
        }
    }

    /// The share of `plugin`'s lookups.
    pub fn share(&self, plugin: &str) -> Share {
        let mut shares = self.shares.lock().unwrap_or_else(|p| p.into_inner());
        shares.entry(plugin.to_string()).or_default().clone()
    }

    /// Looks `host` up for the plugin owning `share`, waiting at most
    /// `timeout`.
    pub fn resolve(
        &self,
        share: &Share,
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<Vec<SocketAddr>, LookupError> {
        let slot = self.take_slot(share)?;
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

    /// The plugin's slot first, then the engine's.
    fn take_slot(&self, share: &Share) -> Result<(Taken, Taken), LookupError> {
        let plugin = Taken::take(&share.0, MAX_LOOKUPS_PER_PLUGIN)
            .ok_or(LookupError::Busy(TooManyLookups::Plugin))?;
        let engine = Taken::take(&self.in_flight, MAX_LOOKUPS_IN_FLIGHT)
            .ok_or(LookupError::Busy(TooManyLookups::Engine))?;
        Ok((plugin, engine))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Condvar, Mutex};

    #[test]
    fn lookups_beyond_a_plugins_share_or_the_engines_cap_fail_at_once() {
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
        let long = Duration::from_secs(60);
        let plugins: Vec<Share> = (0..MAX_LOOKUPS_IN_FLIGHT / MAX_LOOKUPS_PER_PLUGIN)
            .map(|_| Share::default())
            .collect();
        for (i, share) in plugins.iter().enumerate() {
            for _ in 0..MAX_LOOKUPS_PER_PLUGIN {
                assert!(matches!(
                    lookups.resolve(share, "a.example", 80, short),
                    Err(LookupError::TimedOut)
                ));
            }
            // A plugin past its share is refused while others may go on.
            let busy = lookups.resolve(share, "a.example", 80, long);
            assert!(
                matches!(busy, Err(LookupError::Busy(TooManyLookups::Plugin))),
                "plugin {i}: {busy:?}"
            );
        }
        // Every engine slot is taken: a fresh plugin is refused too.
        let busy = lookups.resolve(&Share::default(), "a.example", 80, long);
        assert!(
            matches!(busy, Err(LookupError::Busy(TooManyLookups::Engine))),
            "{busy:?}"
        );
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        // The stuck lookups return and give their slots back.
        let started = std::time::Instant::now();
        while lookups.in_flight.load(Ordering::Acquire) > 0
            || plugins.iter().any(|s| s.0.load(Ordering::Acquire) > 0)
        {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "slots never freed"
            );
            std::thread::yield_now();
        }
        let ok = lookups.resolve(&plugins[0], "a.example", 443, Duration::from_secs(10));
        assert_eq!(ok.unwrap(), vec![SocketAddr::from(([192, 0, 2, 1], 443))]);
    }
}
