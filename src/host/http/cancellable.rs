//! A transport layer that lets a cancelled request out of a blocked read.
//!
//! It sits between TCP and TLS in the connector chain and splits each wait
//! for input into short slices, looking at the cancel token of the request
//! running on this thread (see [`CancelToken::enter`]) between them. A
//! cancel that lands while the server is slow to answer (the TLS handshake,
//! the response head, the body) ends the read within one slice instead of
//! at the request's timeout. Writes look at the token before they start;
//! DNS and connecting do not, and end at the request's timeout.

use std::time::Instant;

use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

use crate::cancel::{CancelToken, Cancelled, POLL};

/// The error a cancelled read or write returns inside ureq. Not an I/O
/// error of kind `Interrupted`: rustls and `read_to_end` retry those at
/// once, which would spin forever on a cancelled token; nor one that means
/// "the peer closed", which would pass a cut-off body as complete.
fn cancelled() -> ureq::Error {
    ureq::Error::Other(Box::new(Cancelled))
}

/// Wraps whatever transport the previous connector made.
#[derive(Debug)]
pub(crate) struct CancelConnector;

impl<In: Transport> Connector<In> for CancelConnector {
    type Out = Cancellable<In>;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(Cancellable))
    }
}

/// A transport whose reads give up when the request is cancelled.
#[derive(Debug)]
pub(crate) struct Cancellable<T>(T);

impl<T: Transport> Transport for Cancellable<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if CancelToken::current_cancelled() {
            return Err(cancelled());
        }
        self.0.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        // The read's own limit (a per-read timeout included) is what the
        // slices add up to; only our slice running out means "look at the
        // token and go on".
        let timeout = timeout.for_read();
        let started = Instant::now();
        let total = *timeout.after;
        loop {
            if CancelToken::current_cancelled() {
                return Err(cancelled());
            }
            let left = total.saturating_sub(started.elapsed());
            let sliced = left > POLL;
            let mut slice = timeout;
            slice.after = UreqDuration::Exact(if sliced { POLL } else { left });
            match self.0.await_input(slice) {
                Err(ureq::Error::Timeout(_)) if sliced => continue,
                other => return other,
            }
        }
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}
