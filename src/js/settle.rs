//! After a script returns: running its microtasks and timers until its
//! result settles, turning the result into JSON, and turning what it threw
//! into a typed [`JsError`].

use rquickjs::{CatchResultExt, CaughtError, Ctx, Type, Value};

use super::config::JsConfig;
use super::error::JsError;
use super::globals::Hooks;
use super::runtime::{Fired, Limits, Watch};

/// What a script threw, copied out of the runtime.
#[derive(Debug)]
pub(crate) enum Thrown {
    /// An Error object (or anything with a name and a message).
    Error {
        name: String,
        message: String,
        stack: String,
    },
    /// `null`: also what QuickJS throws when it cannot allocate the error.
    Null,
    /// Another value, as JSON or `String(value)`.
    Value(String),
    /// An error of the binding layer.
    Rust(String),
}

impl Thrown {
    /// One line: `Name: message` or the value.
    pub fn describe(&self) -> String {
        match self {
            Thrown::Error { name, message, .. } => format!("{name}: {message}"),
            Thrown::Null => "null".into(),
            Thrown::Value(v) | Thrown::Rust(v) => v.clone(),
        }
    }
}

/// An evaluation that did not produce a result.
#[derive(Debug)]
pub(crate) enum Fail {
    /// Already typed (bad input, a cap reached).
    Js(JsError),
    /// The script threw; classified once the runtime is free again.
    Thrown(Thrown),
}

/// Copies a caught error out of the runtime.
pub(crate) fn thrown<'js>(ctx: &Ctx<'js>, e: CaughtError<'js>) -> Thrown {
    match e {
        CaughtError::Exception(ex) => Thrown::Error {
            name: ex
                .get::<_, String>("name")
                .unwrap_or_else(|_| "Error".into()),
            message: ex.message().unwrap_or_default(),
            stack: ex.stack().unwrap_or_default(),
        },
        CaughtError::Value(v) if v.is_null() => Thrown::Null,
        CaughtError::Value(v) => {
            let text = ctx
                .json_stringify(v.clone())
                .ok()
                .flatten()
                .and_then(|s| s.to_string().ok())
                .or_else(|| v.as_string().and_then(|s| s.to_string().ok()))
                .unwrap_or_else(|| format!("a {}", v.type_name()));
            Thrown::Value(text)
        }
        CaughtError::Error(rquickjs::Error::Allocation) => Thrown::Null,
        CaughtError::Error(e) => Thrown::Rust(e.to_string()),
    }
}

/// Runs the microtasks the script queued; if its value is a Promise, runs
/// timers (in due order, on virtual time) until it settles. Then the
/// value as JSON.
pub(crate) fn finish<'js>(
    ctx: &Ctx<'js>,
    value: Value<'js>,
    hooks: &Hooks<'js>,
    watch: &Watch,
    config: &JsConfig,
) -> Result<String, Fail> {
    let mut budget = Budget {
        jobs: config.max_jobs,
        timers: config.max_timers,
    };
    drain(ctx, watch, &mut budget)?;
    let value = match value.as_promise() {
        None => value,
        Some(promise) => loop {
            match promise.result::<Value>() {
                Some(Ok(v)) => break v,
                Some(Err(_)) => {
                    return Err(Fail::Thrown(thrown(
                        ctx,
                        CaughtError::from_error(ctx, rquickjs::Error::Exception),
                    )));
                }
                None => {
                    if budget.timers == 0 {
                        return Err(Fail::Js(JsError::Timeout(format!(
                            "the script ran more than {} timer callbacks",
                            config.max_timers
                        ))));
                    }
                    budget.timers -= 1;
                    let ran: bool = hooks
                        .run_next
                        .call(())
                        .catch(ctx)
                        .map_err(|e| Fail::Thrown(thrown(ctx, e)))?;
                    if !ran {
                        return Err(Fail::Js(JsError::Exception {
                            message: "the result is a Promise that never settles (no pending jobs or timers)".into(),
                            stack: String::new(),
                        }));
                    }
                    drain(ctx, watch, &mut budget)?;
                }
            }
        },
    };
    to_json(ctx, value, hooks)
}

struct Budget {
    jobs: u64,
    timers: u64,
}

/// Runs pending Promise jobs, within the budget.
fn drain(ctx: &Ctx<'_>, watch: &Watch, budget: &mut Budget) -> Result<(), Fail> {
    loop {
        if watch.fired().is_some() {
            // The interrupt already fired; `finish` reports why.
            return Err(Fail::Thrown(Thrown::Rust("interrupted".into())));
        }
        if budget.jobs == 0 {
            return Err(Fail::Js(JsError::Timeout(
                "the script queued more Promise jobs than allowed".into(),
            )));
        }
        if !ctx.execute_pending_job() {
            return Ok(());
        }
        budget.jobs -= 1;
    }
}

/// The JSON encoding of a result (docs/js.md): `JSON.stringify`, with
/// BigInts as decimal strings, and `null` for a value JSON cannot hold at
/// the top (undefined, a function, a symbol).
fn to_json<'js>(ctx: &Ctx<'js>, value: Value<'js>, hooks: &Hooks<'js>) -> Result<String, Fail> {
    if matches!(
        value.type_of(),
        Type::Undefined | Type::Uninitialized | Type::Function | Type::Constructor | Type::Symbol
    ) {
        return Ok("null".into());
    }
    let text = ctx
        .json_stringify_replacer(value, hooks.replacer.clone())
        .catch(ctx)
        .map_err(|e| Fail::Thrown(thrown(ctx, e)))?;
    match text {
        None => Ok("null".into()),
        Some(s) => s
            .to_string()
            .map_err(|e| Fail::Thrown(Thrown::Rust(e.to_string()))),
    }
}

/// The error of an evaluation the interrupt handler stopped.
pub(crate) fn stopped(fired: Option<Fired>, limits: &Limits) -> JsError {
    match fired {
        Some(Fired::Cancelled) => JsError::Cancelled("the call was cancelled".into()),
        _ => {
            let own = std::time::Instant::now();
            let by_call = limits
                .call_deadline
                .is_some_and(|d| d <= own + std::time::Duration::from_millis(1));
            if by_call {
                JsError::Timeout("the script ran past the plugin call's deadline".into())
            } else {
                JsError::Timeout(format!(
                    "the script ran past its {} ms limit",
                    limits.timeout.as_millis()
                ))
            }
        }
    }
}

/// Types what a script threw. `heap` (bytes in use now) tells a `null`
/// thrown for want of memory from a script's own `throw null`.
pub(crate) fn classify(
    thrown: Thrown,
    file: &str,
    heap: u64,
    limits: &Limits,
    stack_bytes: usize,
) -> JsError {
    let out_of_memory = || {
        JsError::OutOfMemory(format!(
            "the script ran out of memory (limit {} bytes)",
            limits.memory_bytes
        ))
    };
    match thrown {
        Thrown::Error { name, message, .. }
            if name == "InternalError" && message == "out of memory" =>
        {
            out_of_memory()
        }
        Thrown::Error { name, message, .. }
            if (name == "RangeError" && message.starts_with("Maximum call stack size"))
                || (name == "InternalError" && message.contains("stack overflow")) =>
        {
            JsError::OutOfMemory(format!(
                "the script overflowed its stack (limit {stack_bytes} bytes)"
            ))
        }
        Thrown::Error {
            name,
            message,
            stack,
        } => match parse_location(&name, &stack, file) {
            Some((line, column)) => JsError::Syntax {
                message,
                line,
                column,
            },
            None => JsError::Exception {
                message: format!("{name}: {message}"),
                stack: stack.trim_end().to_string(),
            },
        },
        Thrown::Null if heap.saturating_mul(2) >= limits.memory_bytes as u64 => out_of_memory(),
        Thrown::Null => JsError::Exception {
            message: "uncaught null".into(),
            stack: String::new(),
        },
        Thrown::Value(v) => JsError::Exception {
            message: format!("uncaught {v}"),
            stack: String::new(),
        },
        Thrown::Rust(e) if e.contains("Allocation") || e.contains("out of memory") => {
            out_of_memory()
        }
        Thrown::Rust(e) => JsError::Exception {
            message: e,
            stack: String::new(),
        },
    }
}

/// A syntax error from parsing the script itself (not one thrown while it
/// ran, e.g. by `JSON.parse`): its one stack frame is the bare location
/// `    at FILE:LINE:COLUMN`.
fn parse_location(name: &str, stack: &str, file: &str) -> Option<(u32, u32)> {
    if name != "SyntaxError" {
        return None;
    }
    let mut frames = stack.lines().filter(|l| !l.trim().is_empty());
    let frame = frames.next()?.trim();
    if frames.next().is_some() {
        return None;
    }
    let rest = frame
        .strip_prefix("at ")?
        .strip_prefix(file)?
        .strip_prefix(':')?;
    let (line, column) = rest.split_once(':')?;
    let line: u32 = line.parse().ok()?;
    let mut column: u32 = column.parse().ok()?;
    // Function sources are wrapped in one parenthesis on their first line.
    if file == "function.js" && line == 1 {
        column = column.saturating_sub(1).max(1);
    }
    Some((line, column))
}
