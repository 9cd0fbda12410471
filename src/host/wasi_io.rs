//! `wasi:io/{streams,poll}` and `wasi:clocks/monotonic-clock` without tokio.
//!
//! wasmtime-wasi's synchronous bindings run every blocking stream or poll
//! call through a hidden multi-thread tokio runtime, which a `println!` or a
//! panic in a plugin would start. These views implement the same
//! interfaces by polling wasmtime-wasi's futures once with a no-op waker:
//! every stream and pollable a plugin can hold here (in-memory stdio, our
//! deadline pollables) is ready or never-ready without a reactor. Blocking
//! waits are bounded by the call's deadline, since epoch interruption cannot
//! fire while the host is blocked.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use wasmtime::component::{HasData, Resource, ResourceTable};
use wasmtime_wasi::p2::bindings::clocks::monotonic_clock as mono;
use wasmtime_wasi::p2::bindings::io::{poll as apoll, streams as astreams};
use wasmtime_wasi::p2::bindings::sync::io::{poll as spoll, streams as sstreams};
use wasmtime_wasi::p2::{
    DynInputStream, DynOutputStream, DynPollable, Pollable, StreamError, StreamResult,
};

use super::DeadlineExceeded;

/// How long a blocked guest waits between readiness checks.
const BLOCK_STEP: Duration = Duration::from_millis(1);

/// `HasData` marker for the io view.
pub(crate) struct SyncIo;

impl HasData for SyncIo {
    type Data<'a> = SyncIoView<'a>;
}

/// The resource table of one call, and that call's deadline.
pub(crate) struct SyncIoView<'a> {
    pub table: &'a mut ResourceTable,
    pub deadline: Instant,
}

/// `HasData` marker for the monotonic clock view.
pub(crate) struct SyncClock;

impl HasData for SyncClock {
    type Data<'a> = SyncClockView<'a>;
}

/// The clock context of one call.
pub(crate) struct SyncClockView<'a>(pub wasmtime_wasi::clocks::WasiClocksCtxView<'a>);

fn ready_now<F: Future>(f: F) -> wasmtime::Result<F::Output> {
    wasmtime_wasi::runtime::poll_noop(std::pin::pin!(f))
        .ok_or_else(|| wasmtime::format_err!("a host stream would block"))
}

fn ready_now_stream<T, F: Future<Output = StreamResult<T>>>(f: F) -> StreamResult<T> {
    ready_now(f).unwrap_or_else(|e| Err(StreamError::Trap(e)))
}

impl SyncIoView<'_> {
    /// Between readiness checks of a blocked guest: fails once the call's
    /// deadline has passed.
    fn pause(&self) -> wasmtime::Result<()> {
        if Instant::now() >= self.deadline {
            return Err(DeadlineExceeded.into());
        }
        if crate::cancel::CancelToken::current_cancelled() {
            return Err(crate::cancel::Cancelled.into());
        }
        std::thread::sleep(BLOCK_STEP);
        Ok(())
    }
}

/// `HasData` marker for interfaces that need only the resource table.
pub(crate) struct TableOnly;

impl HasData for TableOnly {
    type Data<'a> = &'a mut ResourceTable;
}

impl sstreams::Host for SyncIoView<'_> {
    fn convert_stream_error(
        &mut self,
        err: StreamError,
    ) -> wasmtime::Result<sstreams::StreamError> {
        sstreams::Host::convert_stream_error(self.table, err)
    }
}

impl sstreams::HostOutputStream for SyncIoView<'_> {
    fn drop(&mut self, s: Resource<DynOutputStream>) -> wasmtime::Result<()> {
        ready_now(astreams::HostOutputStream::drop(self.table, s))?
    }
    fn check_write(&mut self, s: Resource<DynOutputStream>) -> StreamResult<u64> {
        sstreams::HostOutputStream::check_write(self.table, s)
    }
    fn write(&mut self, s: Resource<DynOutputStream>, b: Vec<u8>) -> StreamResult<()> {
        sstreams::HostOutputStream::write(self.table, s, b)
    }
    fn blocking_write_and_flush(
        &mut self,
        s: Resource<DynOutputStream>,
        b: Vec<u8>,
    ) -> StreamResult<()> {
        ready_now_stream(astreams::HostOutputStream::blocking_write_and_flush(
            self.table, s, b,
        ))
    }
    fn blocking_write_zeroes_and_flush(
        &mut self,
        s: Resource<DynOutputStream>,
        n: u64,
    ) -> StreamResult<()> {
        ready_now_stream(astreams::HostOutputStream::blocking_write_zeroes_and_flush(
            self.table, s, n,
        ))
    }
    fn subscribe(
        &mut self,
        s: Resource<DynOutputStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        sstreams::HostOutputStream::subscribe(self.table, s)
    }
    fn write_zeroes(&mut self, s: Resource<DynOutputStream>, n: u64) -> StreamResult<()> {
        sstreams::HostOutputStream::write_zeroes(self.table, s, n)
    }
    fn flush(&mut self, s: Resource<DynOutputStream>) -> StreamResult<()> {
        sstreams::HostOutputStream::flush(self.table, s)
    }
    fn blocking_flush(&mut self, s: Resource<DynOutputStream>) -> StreamResult<()> {
        ready_now_stream(astreams::HostOutputStream::blocking_flush(self.table, s))
    }
    fn splice(
        &mut self,
        d: Resource<DynOutputStream>,
        s: Resource<DynInputStream>,
        n: u64,
    ) -> StreamResult<u64> {
        sstreams::HostOutputStream::splice(self.table, d, s, n)
    }
    fn blocking_splice(
        &mut self,
        d: Resource<DynOutputStream>,
        s: Resource<DynInputStream>,
        n: u64,
    ) -> StreamResult<u64> {
        ready_now_stream(astreams::HostOutputStream::blocking_splice(
            self.table, d, s, n,
        ))
    }
}

impl sstreams::HostInputStream for SyncIoView<'_> {
    fn drop(&mut self, s: Resource<DynInputStream>) -> wasmtime::Result<()> {
        ready_now(astreams::HostInputStream::drop(self.table, s))?
    }
    fn read(&mut self, s: Resource<DynInputStream>, n: u64) -> StreamResult<Vec<u8>> {
        sstreams::HostInputStream::read(self.table, s, n)
    }
    fn blocking_read(&mut self, s: Resource<DynInputStream>, n: u64) -> StreamResult<Vec<u8>> {
        ready_now_stream(astreams::HostInputStream::blocking_read(self.table, s, n))
    }
    fn skip(&mut self, s: Resource<DynInputStream>, n: u64) -> StreamResult<u64> {
        sstreams::HostInputStream::skip(self.table, s, n)
    }
    fn blocking_skip(&mut self, s: Resource<DynInputStream>, n: u64) -> StreamResult<u64> {
        ready_now_stream(astreams::HostInputStream::blocking_skip(self.table, s, n))
    }
    fn subscribe(
        &mut self,
        s: Resource<DynInputStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        sstreams::HostInputStream::subscribe(self.table, s)
    }
}

impl spoll::Host for SyncIoView<'_> {
    fn poll(&mut self, ps: Vec<Resource<DynPollable>>) -> wasmtime::Result<Vec<u32>> {
        let reps: Vec<u32> = ps.iter().map(|p| p.rep()).collect();
        loop {
            let borrowed = reps.iter().map(|r| Resource::new_borrow(*r)).collect();
            let poll = apoll::Host::poll(&mut *self.table, borrowed);
            if let Some(r) = wasmtime_wasi::runtime::poll_noop(std::pin::pin!(poll)) {
                return r;
            }
            self.pause()?;
        }
    }
}

impl spoll::HostPollable for SyncIoView<'_> {
    fn ready(&mut self, p: Resource<DynPollable>) -> wasmtime::Result<bool> {
        ready_now(apoll::HostPollable::ready(self.table, p))?
    }
    fn block(&mut self, p: Resource<DynPollable>) -> wasmtime::Result<()> {
        let rep = p.rep();
        loop {
            let block = apoll::HostPollable::block(&mut *self.table, Resource::new_borrow(rep));
            if let Some(r) = wasmtime_wasi::runtime::poll_noop(std::pin::pin!(block)) {
                return r;
            }
            self.pause()?;
        }
    }
    fn drop(&mut self, p: Resource<DynPollable>) -> wasmtime::Result<()> {
        apoll::HostPollable::drop(self.table, p)
    }
}

/// A pollable ready at an instant, needing no timer driver.
struct Deadline(Instant);

// The trait is declared with `async_trait`; this is its expanded form, so no
// async code is written here: the future is a plain `poll_fn`, polled once
// at a time by `poll_noop`.
impl Pollable for Deadline {
    fn ready<'a, 'b>(&'a mut self) -> Pin<Box<dyn Future<Output = ()> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        let at = self.0;
        Box::pin(std::future::poll_fn(move |_| {
            if Instant::now() >= at {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }))
    }
}

impl mono::Host for SyncClockView<'_> {
    fn now(&mut self) -> wasmtime::Result<u64> {
        mono::Host::now(&mut self.0)
    }
    fn resolution(&mut self) -> wasmtime::Result<u64> {
        mono::Host::resolution(&mut self.0)
    }
    fn subscribe_instant(&mut self, when: u64) -> wasmtime::Result<Resource<DynPollable>> {
        let now = mono::Host::now(&mut self.0)?;
        self.subscribe_duration(when.saturating_sub(now))
    }
    fn subscribe_duration(&mut self, ns: u64) -> wasmtime::Result<Resource<DynPollable>> {
        // Past any call's deadline is as good as forever.
        let wait = Duration::from_nanos(ns).min(Duration::from_secs(24 * 3600));
        let r = self.0.table.push(Deadline(Instant::now() + wait))?;
        wasmtime_wasi::p2::subscribe(self.0.table, r)
    }
}
