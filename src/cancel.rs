//! Cancellation: a shared flag a request's work checks at every point where
//! it may block or run long (the epoch callback, host waits, HTTP reads).
//!
//! The token of the call running on a thread is also kept in a thread-local
//! ([`CancelToken::enter`]), so layers that cannot be handed it (the HTTP
//! transport inside ureq) still see it.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often blocking waits look at the cancel flag.
pub(crate) const POLL: Duration = Duration::from_millis(20);

/// A cancel flag shared by a request and whoever may cancel it. Cheap to
/// clone; all clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

thread_local! {
    static CURRENT: RefCell<Option<CancelToken>> = const { RefCell::new(None) };
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels; returns whether this call did it (false if already
    /// cancelled).
    pub fn cancel(&self) -> bool {
        !self.0.swap(true, Ordering::SeqCst)
    }

    /// Whether the token was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Makes this the token of the work running on this thread until the
    /// guard drops.
    pub(crate) fn enter(&self) -> Entered {
        let previous = CURRENT.with(|c| c.replace(Some(self.clone())));
        Entered { previous }
    }

    /// Whether the work running on this thread was cancelled.
    pub(crate) fn current_cancelled() -> bool {
        CURRENT.with(|c| c.borrow().as_ref().is_some_and(CancelToken::is_cancelled))
    }
}

/// Restores the thread's previous token on drop.
pub(crate) struct Entered {
    previous: Option<CancelToken>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The error that stops a call when its token is cancelled (raised from
/// the epoch callback and host calls; classified as `CANCELLED`).
#[derive(Debug)]
pub(crate) struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request was cancelled")
    }
}

impl std::error::Error for Cancelled {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_is_shared_and_idempotent() {
        let t = CancelToken::new();
        let u = t.clone();
        assert!(!u.is_cancelled());
        assert!(t.cancel());
        assert!(!t.cancel(), "the second cancel reports it was already done");
        assert!(u.is_cancelled());
    }

    #[test]
    fn the_current_token_is_scoped_to_the_guard() {
        assert!(!CancelToken::current_cancelled());
        let t = CancelToken::new();
        {
            let _g = t.enter();
            assert!(!CancelToken::current_cancelled());
            t.cancel();
            assert!(CancelToken::current_cancelled());
        }
        assert!(!CancelToken::current_cancelled());
    }
}
