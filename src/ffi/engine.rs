//! Engine lifecycle, the log callback, stats and the last error.

use std::ffi::{c_char, c_void};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::args::{c_string, free_c, opt_text, text, to_c};
use super::{code_of, fail, guard, last_error};
use crate::engine::{Engine, EngineConfig};
use crate::error::{Error, ErrorCode};
use crate::host::log::{LogLevel, LogRecord};

/// An engine handle: opaque. Create it with `bex_engine_new` or
/// `bex_engine_new_with_config`, free it exactly once with
/// `bex_engine_free`. Every function taking it is thread-safe.
pub struct BexEngine {
    pub(super) engine: Engine,
    log: Arc<LogSlot>,
}

/// Receives engine and plugin log lines: `level` is 0 trace, 1 debug,
/// 2 info, 3 warn, 4 error; `plugin_id`, `request_id` and `message` are
/// NUL-terminated UTF-8, valid only during the call (copy what you keep).
/// Called on the thread running the call (a lane worker, or the thread of a
/// synchronous function), never while BEX holds an internal lock.
pub type BexLogCallback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        level: i32,
        plugin_id: *const c_char,
        request_id: *const c_char,
        message: *const c_char,
    ),
>;

/// A registered log callback (non-NULL) and its user data, kept as an
/// address: the player vouches for its thread safety by registering it.
type LogTarget = (
    unsafe extern "C" fn(*mut c_void, i32, *const c_char, *const c_char, *const c_char),
    usize,
);

/// The engine's log callback, replaceable at any time.
#[derive(Default)]
struct LogSlot(Mutex<Option<LogTarget>>);

impl LogSlot {
    fn emit(&self, r: &LogRecord) {
        // Copied out: the lock is released before the callback runs.
        let Some((f, user_data)) = *self.0.lock().unwrap_or_else(|p| p.into_inner()) else {
            return;
        };
        let c = |s: &str| c_string(s.to_string());
        let (plugin, request, message) = (c(&r.plugin), c(&r.request_id), c(&r.message));
        let level = match r.level {
            LogLevel::Trace => 0,
            LogLevel::Debug => 1,
            LogLevel::Info => 2,
            LogLevel::Warn => 3,
            LogLevel::Error => 4,
        };
        // SAFETY: the player registered `f` with this user data and keeps
        // both valid until it replaces them or frees the engine; the
        // strings live until the call returns.
        unsafe {
            f(
                user_data as *mut c_void,
                level,
                plugin.as_ptr(),
                request.as_ptr(),
                message.as_ptr(),
            )
        };
    }
}

fn open(data_dir: &str, config_json: Option<&str>) -> Result<*mut BexEngine, Error> {
    if data_dir.is_empty() {
        return Err(Error::InvalidArgument("data_dir is empty".into()));
    }
    let config = match config_json {
        Some(j) => EngineConfig::from_json(PathBuf::from(data_dir), j)?,
        None => EngineConfig::new(data_dir),
    };
    let log = Arc::new(LogSlot::default());
    let sink = log.clone();
    let engine = Engine::open(config.log_sink(move |r| sink.emit(r)))?;
    Ok(Box::into_raw(Box::new(BexEngine { engine, log })))
}

/// Opens (creating if needed) the data directory `data_dir` with default
/// settings and starts the engine's threads.
///
/// Returns a handle to free with `bex_engine_free`, or NULL on failure
/// (NULL or non-UTF-8 `data_dir`, another process has it open, storage
/// errors); then `bex_engine_last_error(NULL)` on this thread says why.
/// `data_dir` is copied. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_new(data_dir: *const c_char) -> *mut BexEngine {
    guard(std::ptr::null_mut(), || {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let r = unsafe { text(data_dir, "data_dir") }.and_then(|d| open(d, None));
        r.unwrap_or_else(|e| {
            fail(&e);
            std::ptr::null_mut()
        })
    })
}

/// Like `bex_engine_new`, with settings from `config_json` (NULL for
/// defaults): lanes, permits, limits, the circuit breaker, HTTP record and
/// replay directories, private networks, user agent (docs/c-api.md lists
/// every key). Unknown keys or bad values fail with `INVALID_ARGUMENT`.
///
/// Returns NULL on failure; `bex_engine_last_error(NULL)` says why. Both
/// strings are copied. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_new_with_config(
    data_dir: *const c_char,
    config_json: *const c_char,
) -> *mut BexEngine {
    guard(std::ptr::null_mut(), || {
        // SAFETY: the caller passes NULL or NUL-terminated strings.
        let r = unsafe { text(data_dir, "data_dir") }.and_then(|d| {
            // SAFETY: as above.
            let j = unsafe { opt_text(config_json, "config_json") }?;
            open(d, j)
        });
        r.unwrap_or_else(|e| {
            fail(&e);
            std::ptr::null_mut()
        })
    })
}

/// Shuts the engine down and frees it: stops accepting requests, cancels
/// queued and running ones, delivers every outstanding callback, joins
/// every thread, then frees the handle. No callback runs after it returns.
/// (The exception: a DNS lookup still waiting on the system resolver
/// cannot be interrupted; its thread, `bex-dns`, holds nothing of the
/// engine and exits when the resolver answers. docs/c-api.md.)
///
/// Free exactly once. No other call with the handle may be in progress on
/// another thread when it starts, nor start afterwards (callbacks running
/// on BEX's threads may still call in: free waits for them). NULL is a
/// no-op (returns 0). Returns 0, or `BEX_ERROR_CODE_NOT_READY` when called
/// from one of this engine's result callbacks or from a log callback (it
/// would wait for, or free under, its own caller): then nothing is freed
/// and the engine keeps working.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_free(engine: *mut BexEngine) -> i32 {
    guard(ErrorCode::Internal.number(), || {
        if engine.is_null() {
            return 0;
        }
        if super::nested() {
            return fail(&crate::scheduler::SchedulerError::InsideCallback.into());
        }
        // SAFETY: non-NULL, and the caller promises a live handle from
        // bex_engine_new that is freed only here.
        let e = unsafe { &*engine };
        if let Err(err) = e.engine.shutdown() {
            return fail(&err);
        }
        // SAFETY: every engine thread is joined, so no callback can reach
        // the handle any more; it came from Box::into_raw.
        drop(unsafe { Box::from_raw(engine) });
        0
    })
}

/// Sets (or, with a NULL `callback`, removes) the log callback; see
/// `BexLogCallback`. `user_data` is passed back unchanged. A line already
/// on its way may still reach the previous callback just after it was
/// replaced, so keep every `user_data` you registered valid until
/// `bex_engine_free` returns.
/// Returns 0, or `INVALID_ARGUMENT` for a NULL engine. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_set_log_callback(
    engine: *const BexEngine,
    callback: BexLogCallback,
    user_data: *mut c_void,
) -> i32 {
    guard(ErrorCode::Internal.number(), || {
        // SAFETY: NULL or a live handle.
        let r = unsafe { handle(engine) }.map(|e| {
            *e.log.0.lock().unwrap_or_else(|p| p.into_inner()) =
                callback.map(|f| (f, user_data as usize));
        });
        code_of(r)
    })
}

/// Engine statistics as JSON (docs/stats.md): per plugin calls, errors by
/// code, p50/p99 latency, fuel and breaker state; per lane queue depth, in
/// flight and rejected; execution permits; HTTP requests and cache hits;
/// uptime; store counts.
///
/// Returns a string to free with `bex_string_free`, or NULL on failure
/// (see `bex_engine_last_error`). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_stats(engine: *const BexEngine) -> *mut c_char {
    guard(std::ptr::null_mut(), || {
        // SAFETY: NULL or a live handle.
        let r = unsafe { handle(engine) }.and_then(|e| e.engine.stats());
        match r {
            Ok(stats) => to_c(serde_json::to_string(&stats).expect("stats serialize")),
            Err(e) => {
                fail(&e);
                std::ptr::null_mut()
            }
        }
    })
}

/// The message of the last failure of a BEX function on the calling
/// thread (with any engine, or none: pass NULL to read why
/// `bex_engine_new` failed), e.g. `"BUSY: the user lane is full ..."`.
/// Successful calls do not clear it.
///
/// Returns a string to free with `bex_string_free`, or NULL if this thread
/// saw no failure. Thread-safe (per thread).
#[unsafe(no_mangle)]
pub extern "C" fn bex_engine_last_error(engine: *const BexEngine) -> *mut c_char {
    let _ = engine;
    guard(std::ptr::null_mut(), || match last_error::get() {
        Some((code, message)) => to_c(format!("{code}: {message}")),
        None => std::ptr::null_mut(),
    })
}

/// The code (`BexErrorCode`) of the calling thread's last failure, or 0
/// if none. `engine` may be NULL. Thread-safe (per thread).
#[unsafe(no_mangle)]
pub extern "C" fn bex_engine_last_error_code(engine: *const BexEngine) -> i32 {
    let _ = engine;
    guard(ErrorCode::Internal.number(), || {
        last_error::get().map_or(0, |(c, _)| c.number())
    })
}

/// Frees a string returned by BEX (`bex_engine_stats`,
/// `bex_engine_last_error`, `bex_engine_secret_keys`...). NULL is a no-op.
/// Free each string exactly once. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_string_free(s: *mut c_char) {
    guard((), || {
        // SAFETY: the caller passes NULL or a string from BEX, once.
        unsafe { free_c(s) }
    })
}

/// A synchronous call taking one string argument: the engine and the
/// argument decoded, `f` run, 0 or the error's code returned (the error
/// recorded), panics caught.
///
/// # Safety
/// `engine` is NULL or a live handle; `arg` NULL or a NUL-terminated
/// string valid for this call.
pub(super) unsafe fn with_text<T>(
    engine: *const BexEngine,
    arg: *const c_char,
    what: &str,
    f: impl FnOnce(&crate::Engine, &str) -> Result<T, Error>,
) -> i32 {
    guard(crate::ErrorCode::Internal.number(), || {
        // SAFETY: as this function's contract says.
        let r = unsafe { handle(engine) }.and_then(|e| f(&e.engine, unsafe { text(arg, what) }?));
        super::code_of(r)
    })
}

/// The engine behind a handle.
///
/// # Safety
/// `engine` is NULL or a live handle from `bex_engine_new`.
pub(super) unsafe fn handle<'a>(engine: *const BexEngine) -> Result<&'a BexEngine, Error> {
    if engine.is_null() {
        return Err(Error::InvalidArgument("engine is NULL".into()));
    }
    // SAFETY: non-NULL and, per the caller, live.
    Ok(unsafe { &*engine })
}
