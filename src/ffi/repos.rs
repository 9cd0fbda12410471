//! Repositories from C (docs/distribution.md): management and listing
//! synchronous; refresh, install and update as requests on the Background
//! lane with exactly one callback, cancellable with `bex_cancel_request`.

use std::ffi::{c_char, c_int, c_void};

use super::args::{opt_text, text, to_c};
use super::engine::{BexEngine, handle, with_text};
use super::plugins::install_options;
use super::submit::{BexResultCallback, deliver};
use super::{code_of, fail, guard};
use crate::engine::RepoJob;
use crate::error::{Error, ErrorCode};
use crate::trust::PublisherKey;

/// Adds a repository by its index url (https), pinning `key`
/// (`"ed25519:"` and 64 hex digits) if not NULL, else the key of its first
/// index. Nothing is fetched: submit `bex_submit_repo_refresh`.
///
/// Returns 0 or an error code. Synchronous; thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_repo_add(
    engine: *const BexEngine,
    url: *const c_char,
    key: *const c_char,
) -> c_int {
    guard(ErrorCode::Internal.number(), || {
        code_of((|| {
            // SAFETY: NULL or a live handle / NUL-terminated strings, per
            // this function's contract.
            let e = unsafe { handle(engine) }?;
            // SAFETY: as above.
            let url = unsafe { text(url, "url") }?;
            // SAFETY: as above.
            let key = unsafe { opt_text(key, "key") }?
                .map(str::parse::<PublisherKey>)
                .transpose()?;
            e.engine.repo_add(url, key.as_ref())
        })())
    })
}

/// Removes a repository (plugins installed from it stay). `NOT_FOUND` if
/// it was never added. Synchronous; thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_repo_remove(
    engine: *const BexEngine,
    url: *const c_char,
) -> c_int {
    // SAFETY: NULL or a live handle / NUL-terminated string.
    unsafe { with_text(engine, url, "url", |e, url| e.repo_remove(url)) }
}

/// The repositories as a JSON array (docs/json.md): url, key, name,
/// version, expires, plugins, refreshed_at_ms.
///
/// Returns a string to free with `bex_string_free`, or NULL on failure.
/// Synchronous; thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_repos(engine: *const BexEngine) -> *mut c_char {
    json_or_null(|| {
        // SAFETY: NULL or a live handle.
        let e = unsafe { handle(engine) }?;
        Ok(serde_json::to_string(&e.engine.repos()?).expect("repositories serialize"))
    })
}

/// What the repositories offer (from their last refreshed indexes) as a
/// JSON array (docs/json.md); `query` (NULL for everything) filters by id,
/// name, description or tag, case-insensitively.
///
/// Returns a string to free with `bex_string_free`, or NULL on failure.
/// Synchronous; thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_available(
    engine: *const BexEngine,
    query: *const c_char,
) -> *mut c_char {
    json_or_null(|| {
        // SAFETY: NULL or a live handle / NUL-terminated string.
        let e = unsafe { handle(engine) }?;
        // SAFETY: as above.
        let query = unsafe { opt_text(query, "query") }?;
        Ok(serde_json::to_string(&e.engine.available(query)?).expect("offers serialize"))
    })
}

/// Reinstates the version `plugin_id` had before its last update (kept
/// until the next one); its data, secrets and publisher pin stay.
/// `NOT_FOUND` if there is none. Synchronous; thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_rollback(
    engine: *const BexEngine,
    plugin_id: *const c_char,
) -> c_int {
    // SAFETY: NULL or a live handle / NUL-terminated string.
    unsafe { with_text(engine, plugin_id, "plugin_id", |e, id| e.rollback(id)) }
}

/// Submits a refresh of repository `url` (NULL: every repository) on the
/// Background lane: its index is fetched and checked (`SIGNATURE_INVALID`,
/// `INDEX_ROLLBACK`, `INDEX_EXPIRED`, `INVALID_INDEX`; a refused index
/// changes nothing). The callback gets a JSON array of
/// `{"url", "version", "previous", "plugins"}`. Returns the request id or
/// 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_repo_refresh(
    engine: *const BexEngine,
    url: *const c_char,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    // SAFETY: NULL or valid for this call, per this function's contract.
    let url = unsafe { opt_text(url, "url") }.map(|u| u.map(str::to_string));
    // SAFETY: as above.
    unsafe { submit(engine, callback, user_data, url.map(RepoJob::Refresh)) }
}

/// Submits the install (or upgrade) of `plugin_id` from the repositories
/// on the Background lane, with `BexInstallFlag`s: its newest release is
/// downloaded, checked against its index entry (`INDEX_MISMATCH`), and
/// installed as `bex_engine_install_with` would. The callback gets the
/// install report (docs/json.md). Cancelled while downloading, nothing is
/// installed. Returns the request id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_repo_install(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    flags: u32,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    let job = (|| {
        // SAFETY: NULL or valid for this call, per this function's contract.
        let id = unsafe { text(plugin_id, "plugin_id") }?.to_string();
        Ok(RepoJob::Install(id, install_options(flags)?))
    })();
    // SAFETY: as above.
    unsafe { submit(engine, callback, user_data, job) }
}

/// Submits an update of `plugin_id` (NULL: every installed plugin a
/// repository offers a newer version of) on the Background lane. The
/// callback gets `{"updated": [install reports], "refused": [{"id",
/// "code", "message"}]}`; an update that widens permissions is refused
/// unless `flags` has `BEX_INSTALL_FLAG_ACCEPT_PERMISSIONS`. Returns the
/// request id or 0, as `bex_submit_home`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_submit_repo_update(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    flags: u32,
    callback: BexResultCallback,
    user_data: *mut c_void,
) -> u64 {
    let job = (|| {
        // SAFETY: NULL or valid for this call, per this function's contract.
        let id = unsafe { opt_text(plugin_id, "plugin_id") }?.map(str::to_string);
        Ok(RepoJob::Update(id, install_options(flags)?))
    })();
    // SAFETY: as above.
    unsafe { submit(engine, callback, user_data, job) }
}

/// Submits `job` (or records its argument error) on the Background lane.
///
/// # Safety
/// `engine` is NULL or a live handle.
unsafe fn submit(
    engine: *const BexEngine,
    callback: BexResultCallback,
    user_data: *mut c_void,
    job: Result<RepoJob, Error>,
) -> u64 {
    guard(0, || {
        let r = (|| {
            // SAFETY: NULL or a live handle, per the callers' contracts.
            let e = unsafe { handle(engine) }?;
            let Some(f) = callback else {
                return Err(Error::InvalidArgument("callback is NULL".into()));
            };
            e.engine.submit_repo(job?, deliver(f, user_data))
        })();
        r.unwrap_or_else(|e| {
            fail(&e);
            0
        })
    })
}

/// The JSON `make` returns as a C string, or NULL with the error recorded.
fn json_or_null(make: impl FnOnce() -> Result<String, Error>) -> *mut c_char {
    guard(std::ptr::null_mut(), || match make() {
        Ok(json) => to_c(json),
        Err(e) => {
            fail(&e);
            std::ptr::null_mut()
        }
    })
}
