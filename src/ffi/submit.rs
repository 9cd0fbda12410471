//! Submitting requests to the lanes, and cancelling them.
//!
//! Every submit returns a request id (never 0) and later calls the callback
//! exactly once on a worker thread; or returns 0, calls nothing, and
//! records why as the thread's last error (`BUSY`, `NOT_READY`,
//! `INVALID_ARGUMENT`).

use std::ffi::{c_char, c_void};
use std::time::Duration;

use serde_json::{Value, json};

use super::args::{json, opt_text, text};
use super::engine::{BexEngine, handle};
use super::{fail, guard};
use crate::contract::Operation;
use crate::engine::{CallOptions, Request};
use crate::error::Error;
use crate::scheduler::{CancelOutcome, Lane};

/// Receives a request's outcome, exactly once, on a BEX worker thread.
/// `success` true: `payload` is the result JSON (docs/json.md); false:
/// `{"code": "NAME", "number": N, "message": "..."}`. `payload` (`len`
/// bytes of UTF-8, not NUL-terminated) is valid only during the call: copy
/// what you keep. It may run before the submit function has returned the
/// id (on another thread): do not rely on having stored the id first. The
/// callback may submit or cancel on the same engine; it must not free it
/// (`bex_engine_free` refuses with `NOT_READY`).
pub type BexResultCallback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        request_id: u64,
        success: bool,
        payload: *const u8,
        len: usize,
    ),
>;

/// Optional settings of one request (`bex_submit`). A zeroed struct means
/// "all defaults".
#[repr(C)]
pub struct BexRequestOptions {
    /// A `BexLane` value; `BEX_LANE_DEFAULT` (0) for the operation's
    /// default lane.
    pub lane: i32,
    /// Lowers the operation's deadline (never raises it); 0 for none.
    pub timeout_ms: u32,
    /// The user's language (BCP 47), or NULL.
    pub locale: *const c_char,
    /// The user's region (ISO 3166-1 alpha-2), or NULL.
    pub region: *const c_char,
    /// The id in log lines, or NULL to generate one.
    pub request_id: *const c_char,
}

/// Lanes for `BexRequestOptions.lane`.
#[repr(C)]
pub enum BexLane {
    /// The operation's default: `get-servers` and `resolve-stream` on
    /// Control, everything else on User.
    Default = 0,
    /// Latency-critical (starting playback); 1 worker by default.
    Control = 1,
    /// Browsing; 4 workers by default.
    User = 2,
    /// Prefetching; 2 workers by default.
    Background = 3,
}

/// `bex_cancel_request`'s answer (non-zero means something was cancelled,
/// so it also reads as a bool).
#[repr(C)]
pub enum BexCancelResult {
    /// Unknown id, or already finished (its callback was or is being
    /// delivered). Cancelling twice lands here.
    NotFound = 0,
    /// It was queued: dropped without entering the plugin; its callback
    /// reports `CANCELLED`.
    Queued = 1,
    /// It was running: it stops at its next check; its callback reports
    /// `CANCELLED` (or its result, if it finished first).
    Running = 2,
}

/// The error payload of a callback.
pub(crate) fn error_payload(e: &Error) -> String {
    json!({"code": e.code().name(), "number": e.code().number(), "message": e.to_string()})
        .to_string()
}

/// The user data pointer, carried to a worker thread as an address.
struct UserData(usize);

/// The engine-side callback that hands a request's outcome to the
/// player's `f` with `user_data`: the result JSON, or the error payload.
pub(super) fn deliver(
    f: unsafe extern "C" fn(*mut c_void, u64, bool, *const u8, usize),
    user_data: *mut c_void,
) -> impl FnOnce(u64, Result<String, Error>) + Send + 'static {
    let data = UserData(user_data as usize);
    move |rid, outcome| {
        let data = data;
        let (ok, payload) = match outcome {
            Ok(json) => (true, json),
            Err(err) => (false, error_payload(&err)),
        };
        // SAFETY: the player registered `f` with this user data for this
        // request; the payload lives until the call returns.
        unsafe {
            f(
                data.0 as *mut c_void,
                rid,
                ok,
                payload.as_ptr(),
                payload.len(),
            )
        };
    }
}

/// Decodes and submits one request; `make` builds it from the caller's
/// other arguments.
///
/// # Safety
/// `engine` is NULL or a live handle; `plugin_id` NULL or a NUL-terminated
/// string; `make` reads only pointers valid for this call.
unsafe fn submit(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
    make: impl FnOnce() -> Result<(Request, CallOptions), Error>,
) -> u64 {
    guard(0, || {
        let r = (|| {
            // SAFETY: NULL or a live handle / NUL-terminated string, per
            // the exported functions' contracts.
            let e = unsafe { handle(engine) }?;
            // SAFETY: as above.
            let id = unsafe { text(plugin_id, "plugin_id") }?;
            let Some(f) = callback else {
                return Err(Error::InvalidArgument("callback is NULL".into()));
            };
            let (request, options) = make()?;
            e.engine.submit(id, request, options, deliver(f, user_data))
        })();
        r.unwrap_or_else(|e| {
            fail(&e);
            0
        })
    })
}

/// An optional page cursor.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for this call.
unsafe fn page(p: *const c_char) -> Result<Option<String>, Error> {
    // SAFETY: forwarded from the caller.
    Ok(unsafe { opt_text(p, "page") }?.map(str::to_string))
}

/// A required string argument, copied.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for this call.
unsafe fn arg(p: *const c_char, what: &str) -> Result<String, Error> {
    // SAFETY: forwarded from the caller.
    Ok(unsafe { text(p, what) }?.to_string())
}

fn plain(request: Request) -> Result<(Request, CallOptions), Error> {
    Ok((request, CallOptions::default()))
}

/// Submits `get-home` (first page) of plugin `plugin_id` on the User lane.
/// Returns the request id, or 0 if not accepted (no callback; see
/// `bex_engine_last_error`). `callback` gets the outcome exactly once on a
/// worker thread. Strings are copied. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_home(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            plain(Request::Home { page: None })
        })
    }
}

/// Submits `search` for `query` (no filters, first page) on the User
/// lane. Returns the request id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_search(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    query: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            plain(Request::Search {
                query: arg(query, "query")?,
                filters: json!({}),
                page: None,
            })
        })
    }
}

/// Submits `get-info` for `media_id` on the User lane. Returns the request
/// id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_info(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    media_id: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            plain(Request::Info {
                id: arg(media_id, "media_id")?,
            })
        })
    }
}

/// Submits `get-servers` for episode or movie `id` on the Control lane.
/// Returns the request id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_servers(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    id: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            plain(Request::Servers { id: arg(id, "id")? })
        })
    }
}

/// Submits `resolve-stream` for `server_json` (a server object as
/// `get-servers` returned it) on the Control lane. Returns the request id
/// or 0, as `bex_submit_home` (0 with `INVALID_ARGUMENT` for bad JSON).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_stream(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    server_json: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            let server = json(server_json, "server_json", None)?;
            plain(Request::Stream { server })
        })
    }
}

/// Submits `get-category` of `category_id` at `page` (NULL: the first) on
/// the User lane. Returns the request id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_category(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    category_id: *const c_char,
    page: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            plain(Request::Category {
                id: arg(category_id, "category_id")?,
                page: self::page(page)?,
            })
        })
    }
}

/// Submits `search` with `filters_json` (a search-filters object, NULL for
/// none) at `page` (NULL: the first) on the User lane. Returns the request
/// id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_search_page(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    query: *const c_char,
    filters_json: *const c_char,
    page: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            plain(Request::Search {
                query: arg(query, "query")?,
                filters: json(filters_json, "filters_json", Some(json!({})))?,
                page: self::page(page)?,
            })
        })
    }
}

/// Submits `search-subtitles` for `query_json` (a subtitle-query object)
/// on the User lane. Returns the request id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_subtitles(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    query_json: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            let query = json(query_json, "query_json", None)?;
            plain(Request::SearchSubtitles { query })
        })
    }
}

/// Submits `download-subtitle` of `subtitle_id` on the User lane. Returns
/// the request id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_subtitle_download(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    subtitle_id: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            plain(Request::DownloadSubtitle {
                id: arg(subtitle_id, "subtitle_id")?,
            })
        })
    }
}

/// Submits `get-articles` at `page` (NULL: the first) on the User lane.
/// Returns the request id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_articles(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    page: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            plain(Request::Articles {
                page: self::page(page)?,
            })
        })
    }
}

/// Submits `search-articles` for `query` at `page` (NULL: the first) on
/// the User lane. Returns the request id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_article_search(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    query: *const c_char,
    page: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            plain(Request::SearchArticles {
                query: arg(query, "query")?,
                page: self::page(page)?,
            })
        })
    }
}

/// Submits any operation: `operation` is its name (`"search"`,
/// `"get_home"` or `"get-home"`...), `args_json` an object of its
/// arguments (docs/c-api.md; NULL is `{}`), `options` the lane, timeout and
/// request context (NULL for defaults). Returns the request id or 0, as
/// `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    operation: *const c_char,
    args_json: *const c_char,
    options: *const BexRequestOptions,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: every pointer is NULL or valid for this call, per this
    // function's contract; `make` runs before submit returns.
    unsafe {
        submit(engine, plugin_id, callback, user_data, || {
            let name = text(operation, "operation")?;
            let op = Operation::from_name(&name.replace('-', "_"))
                .ok_or_else(|| Error::InvalidArgument(format!("unknown operation \"{name}\"")))?;
            let args: Value = json(args_json, "args_json", Some(json!({})))?;
            let request = Request::from_json(op, &args)?;
            let options = match options.as_ref() {
                None => CallOptions::default(),
                Some(o) => request_options(o)?,
            };
            Ok((request, options))
        })
    }
}

/// The call options a C struct asks for.
///
/// # Safety
/// The struct's string pointers are NULL or NUL-terminated strings valid
/// for this call.
unsafe fn request_options(o: &BexRequestOptions) -> Result<CallOptions, Error> {
    let lane = match o.lane {
        n if n == BexLane::Default as i32 => None,
        n if n == BexLane::Control as i32 => Some(Lane::Control),
        n if n == BexLane::User as i32 => Some(Lane::User),
        n if n == BexLane::Background as i32 => Some(Lane::Background),
        n => {
            return Err(Error::InvalidArgument(format!(
                "options.lane {n} is not a BEX_LANE_* value"
            )));
        }
    };
    // SAFETY: NULL or NUL-terminated strings, per this function's contract.
    let s = |p, what| unsafe { opt_text(p, what) }.map(|o| o.map(str::to_string));
    Ok(CallOptions {
        request_id: s(o.request_id, "options.request_id")?,
        locale: s(o.locale, "options.locale")?,
        region: s(o.region, "options.region")?,
        extra: Vec::new(),
        timeout: (o.timeout_ms > 0).then(|| Duration::from_millis(u64::from(o.timeout_ms))),
        lane,
    })
}

/// Cancels request `request_id`: a queued request is dropped without
/// entering the plugin, a running one stops at its next check (an epoch
/// tick, or about 20 ms inside a host wait or HTTP read). Its callback
/// reports `CANCELLED`. Returns a `BexCancelResult` (non-zero: something
/// was cancelled). Harmless to repeat; NULL engine returns 0. Thread-safe,
/// also from a callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_cancel_request(engine: *const BexEngine, request_id: u64) -> i32 {
    guard(0, || {
        // SAFETY: NULL or a live handle.
        match unsafe { handle(engine) } {
            Ok(e) => match e.engine.cancel(request_id) {
                CancelOutcome::NotFound => BexCancelResult::NotFound as i32,
                CancelOutcome::Queued => BexCancelResult::Queued as i32,
                CancelOutcome::Running => BexCancelResult::Running as i32,
            },
            Err(err) => {
                fail(&err);
                BexCancelResult::NotFound as i32
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn error_payloads_carry_code_name_number_and_message() {
        let e = Error::InvalidArgument("bad".into());
        let v: Value = serde_json::from_str(&error_payload(&e)).unwrap();
        assert_eq!(v["code"], "INVALID_ARGUMENT");
        assert_eq!(v["number"], ErrorCode::InvalidArgument.number());
        assert_eq!(v["message"], "invalid argument: bad");
    }
}
