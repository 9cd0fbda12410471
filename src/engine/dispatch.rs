//! The unit of work, and the ways to run it: [`Inner::call`] (breaker,
//! execution permit, fresh instance, statistics) runs on the caller's
//! thread for [`Engine::call_with`] and on a lane worker for
//! [`Engine::submit`].

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::invoke::{Args, Output, Payload};
use super::registry::{self, LoadFailure, Loaded};
use super::stats::stats_entry;
use super::{CallError, CallOptions, Engine, Inner, Request, call};
use crate::cancel::CancelToken;
use crate::contract::Operation;
use crate::error::{Error, Result};
use crate::host::PluginEnv;
use crate::host::http::PluginNet;
use crate::host::log::{CallLog, LogLevel};
use crate::manifest::{Network, validate_plugin_id};
use crate::permits::Refused;
use crate::scheduler::{CancelOutcome, Lane};
use crate::types::RequestContext;

/// A call's arguments: the request context and the operation's arguments,
/// typed.
struct CallArgs {
    ctx: RequestContext,
    args: Args,
}

/// The lane an operation runs on unless the caller picks one: starting
/// playback (`get-servers`, `resolve-stream`) on Control, browsing on
/// User. Background is only ever chosen by the caller (prefetching).
pub fn default_lane(op: Operation) -> Lane {
    match op {
        Operation::GetServers | Operation::ResolveStream => Lane::Control,
        _ => Lane::User,
    }
}

impl Engine {
    /// Queues a call on a lane and returns its request id at once (never
    /// 0). `callback` receives the id and the outcome exactly once, on a
    /// worker thread: the result JSON (docs/json.md) or the error
    /// (`CANCELLED` if cancelled, also while the engine shuts down).
    ///
    /// The lane is `options.lane`, else [`default_lane`]. Refusals come
    /// back here and the callback is dropped uncalled: `BUSY` when the
    /// lane's queue is full, `NOT_READY` once shutdown began,
    /// `INVALID_ARGUMENT` for a malformed plugin id.
    ///
    /// A callback may submit and cancel on this engine. It should not hold
    /// the last clone of the engine: the engine then shuts down on that
    /// worker thread, which cannot join itself.
    pub fn submit(
        &self,
        id: &str,
        request: Request,
        options: CallOptions,
        callback: impl FnOnce(u64, Result<String>) + Send + 'static,
    ) -> Result<u64> {
        validate_plugin_id(id)?;
        let lane = options
            .lane
            .unwrap_or_else(|| default_lane(request.operation()));
        let inner = self.inner.clone();
        let id = id.to_string();
        self.lanes.submit(
            lane,
            Box::new(move |token| inner.call(&id, &request, &options, token)),
            Box::new(callback),
        )
    }

    /// Cancels a submitted request: a queued one is dropped without
    /// entering the plugin, a running one stops at its next check (within
    /// an epoch tick, or about 20 ms inside a host wait or HTTP read). Its
    /// callback reports `CANCELLED` (unless it finished first). Harmless to
    /// repeat, or to call with an unknown id.
    pub fn cancel(&self, request_id: u64) -> CancelOutcome {
        self.lanes.cancel(request_id)
    }

    /// Stops accepting requests, cancels queued and running ones, delivers
    /// every outstanding callback and joins every worker thread. Later
    /// submits fail with `NOT_READY`; synchronous calls still work.
    /// Idempotent. Dropping the last clone of the engine does the same.
    ///
    /// Called from one of the engine's own callbacks, it cannot wait for
    /// that callback: it refuses with `NOT_READY` and does nothing.
    pub fn shutdown(&self) -> Result<()> {
        if self.lanes.on_own_thread() {
            return Err(crate::scheduler::SchedulerError::InsideCallback.into());
        }
        self.lanes.shutdown();
        Ok(())
    }

    /// Whether the calling thread is one of this engine's workers (that
    /// is, a callback of this engine is running on it).
    pub fn on_worker_thread(&self) -> bool {
        self.lanes.on_own_thread()
    }
}

impl Inner {
    /// One call: checks, the circuit breaker, an execution permit, then a
    /// fresh instance (see [`call::run`]). Recorded in the statistics.
    pub(super) fn call(
        &self,
        id: &str,
        request: &Request,
        options: &CallOptions,
        cancel: &CancelToken,
    ) -> Result<String> {
        match self.call_for(id, request, options, cancel, Output::Json)? {
            Payload::Json(json) => Ok(json),
            Payload::Value(_) => unreachable!("JSON was asked for"),
        }
    }

    /// [`Inner::call`] with the result as JSON text or as the typed value.
    pub(super) fn call_for(
        &self,
        id: &str,
        request: &Request,
        options: &CallOptions,
        cancel: &CancelToken,
        output: Output,
    ) -> Result<Payload> {
        validate_plugin_id(id)?;
        let loaded = self.loaded(id)?;
        if !loaded.plugin.enabled {
            return Err(CallError::Disabled { id: id.to_string() }.into());
        }
        let op = request.operation();
        let Some(export) = loaded.exports.get(&op) else {
            return Err(CallError::Unsupported {
                id: id.to_string(),
                capability: op.capability().manifest_key().to_string(),
                operation: op.name().to_string(),
            }
            .into());
        };
        let mut limits = export.limits;
        if let Some(t) = options.timeout {
            limits.timeout = limits.timeout.min(t.max(Duration::from_millis(1)));
        }
        let request_id = options
            .request_id
            .clone()
            .unwrap_or_else(|| format!("r{}", self.next_request.fetch_add(1, Ordering::Relaxed)));
        let ctx = RequestContext {
            request_id: request_id.clone(),
            locale: options.locale.clone(),
            region: options.region.clone(),
            deadline_ms: limits.timeout.as_millis() as u64,
            extra: options.extra.clone(),
        };
        // Typed arguments; one that does not decode is INVALID_ARGUMENT
        // naming its field (`server.quality: invalid type: ...`).
        let args = Args::of(request).map_err(Error::InvalidArgument)?;
        let typed = CallArgs { ctx, args };
        let started = Instant::now();
        let result = self.admitted(
            &loaded,
            export,
            op,
            typed,
            limits,
            &request_id,
            cancel,
            output,
        );
        let outcome = result.as_ref().map(|(_, _)| ()).map_err(Error::code);
        let fuel = result.as_ref().map_or(0, |(_, f)| *f);
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        stats_entry(&mut stats, id).record(outcome, fuel, started.elapsed());
        drop(stats);
        result.map(|(json, _)| json)
    }

    /// Past the breaker and the permits, runs the call; the fuel it used
    /// comes back with the result.
    #[allow(clippy::too_many_arguments)]
    fn admitted(
        &self,
        loaded: &Loaded,
        export: &registry::Export,
        op: Operation,
        args: CallArgs,
        limits: registry::Limits,
        request_id: &str,
        cancel: &CancelToken,
        output: Output,
    ) -> Result<(Payload, u64)> {
        let id = &loaded.plugin.id;
        let admission = self
            .breakers
            .admit(id)
            .map_err(|r| CallError::CircuitOpen {
                id: id.clone(),
                retry_in_ms: r.retry_in.as_millis() as u64,
            })?;
        let cancelled = || CallError::Cancelled {
            id: id.clone(),
            operation: op.name().to_string(),
        };
        // The plugin's share first, then a slot of the engine's pool.
        let share = self.plugin_executions.of(id);
        let _permits = {
            let _entered = cancel.enter();
            let deadline = Instant::now() + limits.timeout;
            let busy = |what: String| {
                CallError::Busy(format!(
                    "{what} stayed in use for the call's {} ms timeout",
                    limits.timeout.as_millis()
                ))
            };
            let mine = share.acquire(deadline).map_err(|r| match r {
                Refused::Cancelled => cancelled(),
                Refused::Deadline => busy(format!(
                    "{id}'s {} execution permits (its share of the engine's {})",
                    share.max(),
                    self.executions.max()
                )),
            })?;
            let engine = self.executions.acquire(deadline).map_err(|r| match r {
                Refused::Cancelled => cancelled(),
                Refused::Deadline => {
                    busy(format!("all {} execution permits", self.executions.max()))
                }
            })?;
            (mine, engine)
        };
        if cancel.is_cancelled() {
            return Err(cancelled().into());
        }
        // The epoch ticks while a call runs (an idle engine wakes nothing).
        let _running = self.ticker.running();
        let outcome = call::run(
            loaded,
            export,
            call::CallSpec {
                wasm: &self.wasm,
                max_result_bytes: self.config.max_result_bytes,
                request_id,
                op,
                ctx: args.ctx,
                args: args.args,
                output,
                limits,
                cancel,
                keep_js: crate::scheduler::current_worker_key() == self.lanes_key,
            },
        );
        let result = outcome.result.map_err(Error::from);
        admission.finish(result.as_ref().map(|_| ()).map_err(Error::code));
        result.map(|json| (json, outcome.fuel_used))
    }

    /// A manifest's network limits lowered to the engine's ceilings (and
    /// `concurrent` to the plugin's share of the wire slots), with a note
    /// for each lowered one.
    fn network_within_ceilings(&self, asked: &Network, notes: &mut Vec<String>) -> Network {
        let mut n = asked.clone();
        for (name, v, max) in [
            (
                "rate_per_minute",
                &mut n.rate_per_minute,
                self.config.max_rate_per_minute,
            ),
            (
                "concurrent",
                &mut n.concurrent,
                // A plugin's share of the engine's wire slots: all but one
                // (at least one), so its slow requests leave one for others.
                self.config
                    .max_concurrent_requests
                    .min(self.config.http.max_in_flight.saturating_sub(1).max(1)),
            ),
        ] {
            if *v > max {
                notes.push(format!(
                    "network.{name} {v} lowered to the engine ceiling {max}"
                ));
                *v = max;
            }
        }
        // Never more at once than a minute's worth of the rate it got.
        if let Some(b) = n.burst.filter(|b| *b > n.rate_per_minute) {
            notes.push(format!(
                "network.burst {b} lowered to the rate per minute {}",
                n.rate_per_minute
            ));
            n.burst = Some(n.rate_per_minute);
        }
        n
    }

    /// The plugin ready to call, loading it if needed. A load that a
    /// change to the plugin (disable, uninstall, upgrade) overtook is
    /// thrown away and done again from what is installed now.
    pub(super) fn loaded(&self, id: &str) -> Result<Arc<Loaded>> {
        loop {
            if let Some(l) = self.registry.get(id) {
                return Ok(l);
            }
            let _loading = self.load_lock.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(l) = self.registry.get(id) {
                return Ok(l);
            }
            let generation = self.registry.generation(id);
            let mut notes = Vec::new();
            let loaded = Arc::new(self.load(id, &mut notes)?);
            if self.registry.insert_if_current(loaded.clone(), generation) {
                drop(_loading);
                // The log sink runs with no engine lock held: it may call
                // the engine.
                let log = CallLog::new(self.config.log_sink.clone(), id, "load");
                for note in notes {
                    log.engine(LogLevel::Warn, note);
                }
                return Ok(loaded);
            }
        }
    }

    /// Loads `id` as the store has it now; what the load lowered or
    /// changed goes to `notes`, for the log.
    fn load(&self, id: &str, notes: &mut Vec<String>) -> Result<Loaded> {
        let plugin = self.store.plugin(id)?;
        let m = &plugin.manifest;
        let network = self.network_within_ceilings(&m.network, notes);
        let env = PluginEnv {
            id: plugin.id.clone(),
            store: Some(self.store.clone()),
            storage_quota: m.storage.enabled.then_some(m.storage.quota_bytes),
            secrets: Arc::from(m.secrets.clone()),
            net: (!m.network.hosts.is_empty())
                .then(|| Arc::new(PluginNet::new(self.http.clone(), &plugin.id, network))),
            sink: self.config.log_sink.clone(),
            js: Some(self.js.clone()),
            fixed_clock_ms: self.http.replay_clock_ms(&plugin.id),
        };
        let (loaded, lowered) = registry::load(
            &self.wasm,
            &self.engine_hash,
            &self.linker,
            &self.config,
            &self.store,
            env,
            plugin,
        )
        .map_err(|e| match e {
            LoadFailure::Store(s) => Error::from(s),
            LoadFailure::NoArtifact(a) => Error::from(a),
            LoadFailure::Engine(message) => CallError::Load {
                id: id.to_string(),
                message,
            }
            .into(),
        })?;
        notes.extend(lowered);
        if loaded.compiled {
            let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
            stats_entry(&mut stats, id).compiles += 1;
        }
        Ok(loaded)
    }
}
