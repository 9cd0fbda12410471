//! One call: a fresh `Store` and instance, limits armed, arguments from
//! JSON, the export called, the outcome classified, buffered effects
//! committed (key-value writes) or dropped (on a trap).

use std::time::Instant;

use wasmtime::{Store, Trap};

use super::invoke::{self, Args, Finish, Output, Payload, Returned};
use super::registry::{Export, Limits, Loaded};
use crate::cancel::{CancelToken, Cancelled};
use crate::contract::Operation;
use crate::host::log::LogLevel;
use crate::host::{DeadlineExceeded, HostState};

/// Why a call failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The plugin is installed but disabled.
    #[error("plugin {id} is disabled (enable it with `bex enable {id}`)")]
    Disabled {
        /// Plugin id.
        id: String,
    },
    /// The plugin does not provide the capability; it was not entered.
    #[error("plugin {id} does not provide {capability} ({operation} is unsupported)")]
    Unsupported {
        /// Plugin id.
        id: String,
        /// The missing capability.
        capability: String,
        /// The operation asked for.
        operation: String,
    },
    /// The call used up its fuel.
    #[error("{id} {operation}: fuel exhausted after {fuel} units")]
    FuelExhausted {
        /// Plugin id.
        id: String,
        /// Operation.
        operation: String,
        /// The budget.
        fuel: u64,
    },
    /// The call ran past its deadline.
    #[error("{id} {operation}: timed out after {timeout_ms} ms{detail}")]
    Timeout {
        /// Plugin id.
        id: String,
        /// Operation.
        operation: String,
        /// The deadline.
        timeout_ms: u64,
        /// Where, if known.
        detail: String,
    },
    /// The plugin trapped or misbehaved.
    #[error("{id} {operation}: plugin fault: {reason}")]
    Fault {
        /// Plugin id.
        id: String,
        /// Operation.
        operation: String,
        /// What happened: a panic message, "memory limit", ...
        reason: String,
    },
    /// The plugin returned an error of its own.
    #[error("{kind}: {message}")]
    Plugin {
        /// Plugin id.
        id: String,
        /// The `plugin-error` case (`not_found`, `network`...).
        kind: String,
        /// Its message.
        message: String,
    },
    /// The plugin failed after the sandbox refused one of its requests.
    #[error("{blocked} (the plugin then failed: {plugin})")]
    NetworkBlocked {
        /// Plugin id.
        id: String,
        /// The refused request.
        blocked: String,
        /// What the plugin reported.
        plugin: String,
    },
    /// The plugin failed after a network failure.
    #[error("{failure} (the plugin then failed: {plugin})")]
    Network {
        /// Plugin id.
        id: String,
        /// The failure.
        failure: String,
        /// What the plugin reported.
        plugin: String,
    },
    /// Every instance slot is in use, or no execution permit freed up
    /// within the call's timeout.
    #[error("too many plugin calls at once; retry when one finishes ({0})")]
    Busy(String),
    /// The call was cancelled; it stopped at its next check.
    #[error("{id} {operation}: cancelled")]
    Cancelled {
        /// Plugin id.
        id: String,
        /// Operation.
        operation: String,
    },
    /// The plugin's circuit breaker is open; the plugin was not entered.
    #[error(
        "plugin {id} is failing repeatedly: calls are refused for {retry_in_ms} ms more (circuit breaker open)"
    )]
    CircuitOpen {
        /// Plugin id.
        id: String,
        /// When a probe call will be let through.
        retry_in_ms: u64,
    },
    /// The plugin could not be compiled or linked.
    #[error("plugin {id} could not be loaded: {message}")]
    Load {
        /// Plugin id.
        id: String,
        /// Why.
        message: String,
    },
}

/// What a call needs besides the loaded plugin.
pub(crate) struct CallSpec<'a> {
    pub wasm: &'a wasmtime::Engine,
    pub max_result_bytes: usize,
    pub request_id: &'a str,
    pub op: Operation,
    /// The request context and the typed arguments.
    pub ctx: crate::types::RequestContext,
    pub args: Args,
    /// JSON text or the typed value.
    pub output: Output,
    /// The export's limits, its timeout possibly lowered by the caller.
    pub limits: Limits,
    pub cancel: &'a CancelToken,
    /// The call runs on one of the engine's lane workers, so JavaScript
    /// runtimes it makes may be kept for later calls.
    pub keep_js: bool,
}

/// The outcome, and what it cost.
pub(crate) struct CallOutcome {
    pub result: Result<Payload, CallError>,
    pub fuel_used: u64,
}

/// Runs one call of `export` in a fresh store.
pub(crate) fn run(loaded: &Loaded, export: &Export, spec: CallSpec<'_>) -> CallOutcome {
    let limits = spec.limits;
    // Host waits and HTTP reads on this thread look at the token.
    let _entered = spec.cancel.enter();
    let deadline = Instant::now() + limits.timeout;
    let mut state = HostState::new(
        loaded.env.clone(),
        spec.request_id,
        deadline,
        limits.memory_bytes,
    );
    state.keep_js = spec.keep_js;
    let mut store = Store::new(spec.wasm, state);
    store.limiter(|s| &mut s.limiter);
    store.set_hostcall_fuel(spec.max_result_bytes);
    store.set_max_component_handles(crate::host::MAX_CALL_HANDLES);
    // Every tick, the epoch callback looks at the cancel flag and the
    // deadline; the guest runs between ticks at full speed.
    let cancel = spec.cancel.clone();
    store.epoch_deadline_callback(move |_| {
        if cancel.is_cancelled() {
            return Err(Cancelled.into());
        }
        if Instant::now() >= deadline {
            return Ok(wasmtime::UpdateDeadline::Interrupt);
        }
        Ok(wasmtime::UpdateDeadline::Continue(1))
    });
    store.set_epoch_deadline(1);
    if let Err(e) = store.set_fuel(limits.fuel) {
        return CallOutcome {
            result: Err(fault(loaded, spec.op, format!("arming fuel: {e:#}"))),
            fuel_used: 0,
        };
    }
    let outcome = (|| {
        let instance = loaded.pre.instantiate(&mut store)?;
        let how = Finish {
            policy: loaded.results,
            max_bytes: spec.max_result_bytes,
            output: spec.output,
        };
        invoke::invoke(
            &mut store,
            &instance,
            &export.func,
            spec.ctx,
            spec.args,
            how,
        )
    })();
    let fuel_used = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
    let stderr = store.data_mut().drain_stdio();
    let result = match outcome {
        Err(e) => Err(classify(loaded, spec.op, &e, store.data(), &stderr, limits)),
        Ok(value) => {
            commit_kv(loaded, store.data_mut());
            let finished = finish(loaded, spec.op, value, store.data(), spec.max_result_bytes);
            match finished {
                // The plugin gave up because its host calls used up the
                // deadline: that is the call's timeout.
                Err(e) if Instant::now() >= deadline => Err(CallError::Timeout {
                    id: loaded.plugin.id.clone(),
                    operation: spec.op.name().to_string(),
                    timeout_ms: limits.timeout.as_millis() as u64,
                    detail: format!(" in host calls (the plugin then failed: {e})"),
                }),
                other => other,
            }
        }
    };
    if let Err(e) = &result {
        store.data().log.engine(LogLevel::Warn, e.to_string());
    }
    store.data_mut().log.finish();
    CallOutcome { result, fuel_used }
}

fn commit_kv(loaded: &Loaded, state: &mut HostState) {
    let writes = state.kv.take_writes();
    if writes.is_empty() {
        return;
    }
    let (Some(store), Some(quota)) = (&loaded.env.store, loaded.env.storage_quota) else {
        return;
    };
    let plugin = &loaded.plugin;
    match store.kv_commit_installed(&plugin.id, plugin.installed_at_ms, &writes, quota) {
        Ok(true) => {}
        Ok(false) => state.log.engine(
            LogLevel::Warn,
            format!(
                "the call's {} key-value writes were not saved: the plugin was uninstalled while the call ran",
                writes.len()
            ),
        ),
        Err(e) => state.log.engine(
            LogLevel::Error,
            format!(
                "the call's {} key-value writes were not saved: {e}",
                writes.len()
            ),
        ),
    }
}

fn fault(loaded: &Loaded, op: Operation, reason: String) -> CallError {
    CallError::Fault {
        id: loaded.plugin.id.clone(),
        operation: op.name().to_string(),
        reason,
    }
}

/// The panic message a Rust guest printed to stderr, if any.
fn panic_message(stderr: &str) -> Option<String> {
    let start = stderr.find("panicked at ")?;
    let rest = &stderr[start..];
    let end = rest.find("\nnote:").unwrap_or(rest.len());
    let text: Vec<&str> = rest[..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Some(text.join(" "))
}

fn classify(
    loaded: &Loaded,
    op: Operation,
    e: &wasmtime::Error,
    state: &HostState,
    stderr: &str,
    limits: Limits,
) -> CallError {
    let (fuel, timeout) = (limits.fuel, limits.timeout);
    let id = loaded.plugin.id.clone();
    let operation = op.name().to_string();
    let timed_out = |detail: &str| CallError::Timeout {
        id: id.clone(),
        operation: operation.clone(),
        timeout_ms: timeout.as_millis() as u64,
        detail: detail.to_string(),
    };
    if e.downcast_ref::<Cancelled>().is_some() {
        return CallError::Cancelled { id, operation };
    }
    if e.downcast_ref::<DeadlineExceeded>().is_some() {
        return timed_out(" while waiting on the host");
    }
    if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return fault(loaded, op, format!("the plugin called exit({})", exit.0));
    }
    if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
        .is_some()
    {
        return CallError::Busy(format!("{e:#}"));
    }
    let memory = state.limiter.denied.map(|want| {
        format!(
            "memory limit: the plugin asked for {} MiB of linear memory, the limit is {} MiB",
            want >> 20,
            limits.memory_bytes >> 20
        )
    });
    if let Some(trap) = e.downcast_ref::<Trap>() {
        return match trap {
            Trap::OutOfFuel => CallError::FuelExhausted {
                id,
                operation,
                fuel,
            },
            Trap::Interrupt => timed_out(""),
            Trap::StackOverflow => fault(loaded, op, "stack overflow".into()),
            Trap::MemoryOutOfBounds if memory.is_none() => fault(
                loaded,
                op,
                "out-of-bounds memory access (often a stack overflow in linear memory)".into(),
            ),
            _ if memory.is_some() => fault(loaded, op, memory.unwrap_or_default()),
            Trap::UnreachableCodeReached => fault(
                loaded,
                op,
                panic_message(stderr).unwrap_or_else(|| "unreachable instruction (abort)".into()),
            ),
            other => fault(loaded, op, format!("{other}")),
        };
    }
    if let Some(m) = memory {
        return fault(loaded, op, m);
    }
    if crate::host::is_out_of_handles(e) {
        return fault(loaded, op, crate::host::too_many_handles());
    }
    let text = format!("{e:#}");
    if text.contains("fuel allocated for hostcalls") {
        return fault(
            loaded,
            op,
            "result too large: the plugin tried to pass more data to the host than the engine allows".into(),
        );
    }
    fault(loaded, op, text)
}

fn finish(
    loaded: &Loaded,
    op: Operation,
    returned: Returned,
    state: &HostState,
    max: usize,
) -> Result<Payload, CallError> {
    match returned {
        Returned::Ok(payload) => Ok(payload),
        Returned::Error(e) => {
            let (kind, message) = invoke::error_parts(&e);
            Err(plugin_failure(loaded, state, kind.into(), message.into()))
        }
        Returned::Refused(violation) => {
            Err(fault(loaded, op, format!("result check: {violation}")))
        }
        Returned::TooLarge => Err(fault(
            loaded,
            op,
            format!("result too large: more than {max} bytes of JSON"),
        )),
    }
}

/// A `plugin-error`, reported as what caused it: a request the sandbox
/// refused, a network failure, or the plugin's own error.
fn plugin_failure(loaded: &Loaded, state: &HostState, kind: String, message: String) -> CallError {
    let id = loaded.plugin.id.clone();
    // A plugin's text reaches the player's callback: bounded.
    let message = invoke::cap_error_text(&message);
    let plugin = format!("{kind}: {message}");
    if let Some(blocked) = &state.http.blocked {
        return CallError::NetworkBlocked {
            id,
            blocked: blocked.clone(),
            plugin,
        };
    }
    if let (Some(failure), "network" | "rate_limited") = (&state.http.failure, kind.as_str()) {
        return CallError::Network {
            id,
            failure: failure.clone(),
            plugin,
        };
    }
    CallError::Plugin { id, kind, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_are_extracted_from_stderr() {
        let stderr = "\nthread '<unnamed>' (1) panicked at src/lib.rs:17:24:\nhostile panic\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            panic_message(stderr).as_deref(),
            Some("panicked at src/lib.rs:17:24: hostile panic")
        );
        assert_eq!(panic_message("nothing here"), None);
    }
}
