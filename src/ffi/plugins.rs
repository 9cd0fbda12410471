//! Plugin management and secrets: synchronous functions, run on the
//! caller's thread.

use std::ffi::{c_char, c_int};
use std::path::Path;

use super::args::{free_c, text, to_c};
use super::engine::{BexEngine, handle};
use super::{code_of, fail, guard};
use crate::error::{Error, ErrorCode};
use crate::store::{InstallOptions, InstalledPlugin};

/// The state of a plugin's circuit breaker.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BexBreakerState {
    /// Calls go through.
    Closed = 0,
    /// Calls fail fast with `CIRCUIT_OPEN` until the cooldown ends.
    Open = 1,
    /// The cooldown ended: the next call is a probe.
    HalfOpen = 2,
}

/// One installed plugin. Every string is NUL-terminated UTF-8 owned by the
/// struct: free it with `bex_plugin_info_free` (or the list with
/// `bex_plugin_info_list_free`), never field by field.
#[repr(C)]
pub struct BexPluginInfo {
    /// Plugin id, e.g. `"bex.tvmaze"`.
    pub id: *mut c_char,
    /// Display name.
    pub name: *mut c_char,
    /// Installed version (semver).
    pub version: *mut c_char,
    /// One-paragraph description; empty if the manifest has none.
    pub description: *mut c_char,
    /// Allowed network hosts, comma-separated; empty if none.
    pub hosts: *mut c_char,
    /// Capability bits: 1 home, 2 category, 4 search, 8 info, 16 servers,
    /// 32 stream, 64 subtitles, 128 articles.
    pub capabilities: u32,
    /// Whether calls are allowed.
    pub enabled: bool,
    /// The circuit breaker's state.
    pub breaker: BexBreakerState,
    /// First install, Unix milliseconds.
    pub installed_at_ms: u64,
    /// Last install or upgrade, Unix milliseconds.
    pub updated_at_ms: u64,
    /// Size of the component in bytes.
    pub component_bytes: u64,
    /// The publisher key the plugin is pinned to (`"ed25519:"` and 64 hex
    /// digits); empty if it was installed unsigned (docs/distribution.md).
    pub publisher: *mut c_char,
}

/// Installed plugins: `len` entries at `items` (NULL when `len` is 0).
/// Free with `bex_plugin_info_list_free`.
#[repr(C)]
pub struct BexPluginInfoList {
    /// The entries.
    pub items: *mut BexPluginInfo,
    /// How many.
    pub len: usize,
}

fn info(e: &BexEngine, p: &InstalledPlugin) -> BexPluginInfo {
    let m = &p.manifest;
    let hosts: Vec<String> = m.network.hosts.iter().map(|h| h.to_string()).collect();
    BexPluginInfo {
        id: to_c(p.id.clone()),
        name: to_c(p.name.clone()),
        version: to_c(p.version.clone()),
        description: to_c(m.display.description.clone().unwrap_or_default()),
        hosts: to_c(hosts.join(",")),
        capabilities: m.provides.bits(),
        enabled: p.enabled,
        breaker: match e.engine.breaker_state(&p.id) {
            "open" => BexBreakerState::Open,
            "half_open" => BexBreakerState::HalfOpen,
            _ => BexBreakerState::Closed,
        },
        installed_at_ms: p.installed_at_ms,
        updated_at_ms: p.updated_at_ms,
        component_bytes: p.component_bytes,
        publisher: to_c(p.publisher.map(|k| k.to_string()).unwrap_or_default()),
    }
}

fn free_info(i: &mut BexPluginInfo) {
    for s in [
        &mut i.id,
        &mut i.name,
        &mut i.version,
        &mut i.description,
        &mut i.hosts,
        &mut i.publisher,
    ] {
        // SAFETY: each field is NULL or came from to_c; it is nulled so a
        // second free is a no-op.
        unsafe { free_c(*s) };
        *s = std::ptr::null_mut();
    }
}

/// Installs (or upgrades) the `.bex` package at `path`: verified, checked
/// against the contract, compiled and committed atomically; a failure
/// leaves the previous version untouched. Refuses a downgrade
/// (`DOWNGRADE`); see `bex_engine_install_force`.
///
/// Returns 0 or an error code (`bex_engine_last_error` says why).
/// Synchronous, on the caller's thread; thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_install(
    engine: *const BexEngine,
    path: *const c_char,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { bex_engine_install_force(engine, path, false) }
}

/// `bex_engine_install`, allowing a downgrade, or a reinstall of the same
/// version with different content, when `force` is true. An install that
/// widens the plugin's permissions is refused (`CONSENT_REQUIRED`); see
/// `bex_engine_install_with`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_install_force(
    engine: *const BexEngine,
    path: *const c_char,
    force: bool,
) -> c_int {
    let flags = if force {
        BexInstallFlag::Force as u32
    } else {
        0
    };
    // SAFETY: forwarded.
    unsafe { bex_engine_install_with(engine, path, flags) }
}

/// The options `flags` stands for; unknown bits are an error.
pub(super) fn install_options(flags: u32) -> Result<InstallOptions, Error> {
    let known = BexInstallFlag::Force as u32
        | BexInstallFlag::AcceptPermissions as u32
        | BexInstallFlag::AcceptUnverified as u32;
    if flags & !known != 0 {
        return Err(Error::InvalidArgument(format!(
            "unknown install flags {:#x}",
            flags & !known
        )));
    }
    Ok(InstallOptions {
        force: flags & BexInstallFlag::Force as u32 != 0,
        accept_permissions: flags & BexInstallFlag::AcceptPermissions as u32 != 0,
        accept_unverified: flags & BexInstallFlag::AcceptUnverified as u32 != 0,
    })
}

/// Flags of `bex_engine_install_with`, or-ed together.
#[repr(C)]
pub enum BexInstallFlag {
    /// Allow a downgrade, and a reinstall of the same version with
    /// different content.
    Force = 1,
    /// Accept an upgrade or reinstall that widens the plugin's permissions
    /// (new hosts, secrets or capabilities, more storage): pass it only
    /// once the user agreed. Without it such an install fails with
    /// `CONSENT_REQUIRED`, whose message lists what would widen.
    AcceptPermissions = 2,
    /// Accept new content for a plugin installed unsigned: nothing ties
    /// the package to it, and it inherits the plugin's secrets and data.
    /// Pass it only once the user agreed; without it such an install fails
    /// with `CONSENT_REQUIRED`. (A signed plugin is replaced only by its
    /// pinned publisher: `PUBLISHER_MISMATCH`, whatever the flags.)
    AcceptUnverified = 4,
}

/// `bex_engine_install` with `BexInstallFlag`s or-ed together in `flags`;
/// unknown bits are `INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_install_with(
    engine: *const BexEngine,
    path: *const c_char,
    flags: u32,
) -> c_int {
    guard(ErrorCode::Internal.number(), || {
        code_of(install_options(flags).and_then(|options| {
            // SAFETY: NULL or a live handle / NUL-terminated string.
            let e = unsafe { handle(engine) }?;
            // SAFETY: as above.
            let path = unsafe { text(path, "path") }?;
            e.engine.install_file_with(Path::new(path), options)
        }))
    })
}

/// `bex_engine_install_with` from a package and its precompiled artifact
/// (`bex precompile`; docs/porting.md): nothing is compiled. The artifact
/// must have been made from this package for this engine's key (the
/// `code.artifact_key` of `bex_engine_stats`), else `NO_ARTIFACT`, naming
/// both. This is how a runtime-only engine (built without the compiler)
/// installs; `bex_engine_install` also finds `NAME.bexa` beside `NAME.bex`.
///
/// Returns 0 or an error code (`bex_engine_last_error` says why).
/// Synchronous, on the caller's thread; thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_install_precompiled(
    engine: *const BexEngine,
    package_path: *const c_char,
    artifact_path: *const c_char,
    flags: u32,
) -> c_int {
    guard(ErrorCode::Internal.number(), || {
        code_of(install_options(flags).and_then(|options| {
            // SAFETY: NULL or a live handle / NUL-terminated strings.
            let e = unsafe { handle(engine) }?;
            // SAFETY: as above.
            let package = unsafe { text(package_path, "package_path") }?;
            // SAFETY: as above.
            let artifact = unsafe { text(artifact_path, "artifact_path") }?;
            e.engine
                .install_precompiled_file(Path::new(package), Path::new(artifact), options)
        }))
    })
}

/// Uninstalls plugin `id` and everything it owns (kv, secrets, compiled
/// code). Returns 0, `NOT_FOUND`, or another error code. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_uninstall(
    engine: *const BexEngine,
    id: *const c_char,
) -> c_int {
    // SAFETY: NULL or a live handle / NUL-terminated string.
    unsafe { super::engine::with_text(engine, id, "id", |e, id| e.uninstall(id)) }
}

/// The installed plugins, sorted by id. On failure the list is empty
/// (`len` 0) and `bex_engine_last_error` says why. Free it with
/// `bex_plugin_info_list_free`. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_list_plugins(engine: *const BexEngine) -> BexPluginInfoList {
    let empty = || BexPluginInfoList {
        items: std::ptr::null_mut(),
        len: 0,
    };
    guard(empty(), || {
        // SAFETY: NULL or a live handle.
        let r = unsafe { handle(engine) }.and_then(|e| Ok((e, e.engine.list()?)));
        match r {
            Ok((e, plugins)) if !plugins.is_empty() => {
                let items: Box<[BexPluginInfo]> = plugins.iter().map(|p| info(e, p)).collect();
                let len = items.len();
                BexPluginInfoList {
                    items: Box::into_raw(items).cast(),
                    len,
                }
            }
            Ok(_) => empty(),
            Err(err) => {
                fail(&err);
                empty()
            }
        }
    })
}

/// Frees a list from `bex_engine_list_plugins` (an empty one is a no-op).
/// Free each list exactly once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_plugin_info_list_free(list: BexPluginInfoList) {
    guard((), || {
        if list.items.is_null() || list.len == 0 {
            return;
        }
        let slice = std::ptr::slice_from_raw_parts_mut(list.items, list.len);
        // SAFETY: items/len came from Box<[BexPluginInfo]>::into_raw in
        // bex_engine_list_plugins and are freed once.
        let mut items = unsafe { Box::from_raw(slice) };
        items.iter_mut().for_each(free_info);
    })
}

/// Fills `*out` with plugin `id`'s details. `out` is written only on
/// success; free its strings with `bex_plugin_info_free`. Returns 0,
/// `NOT_FOUND`, or `INVALID_ARGUMENT` (NULL `out`, bad id). Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_plugin_info(
    engine: *const BexEngine,
    id: *const c_char,
    out: *mut BexPluginInfo,
) -> c_int {
    guard(ErrorCode::Internal.number(), || {
        // SAFETY: NULL or a live handle / NUL-terminated string.
        let r = unsafe { handle(engine) }.and_then(|e| {
            // SAFETY: as above.
            let id = unsafe { text(id, "id") }?;
            if out.is_null() {
                return Err(Error::InvalidArgument("out is NULL".into()));
            }
            let p = e.engine.plugin(id)?;
            // SAFETY: non-NULL; the caller provides room for one struct.
            unsafe { out.write(info(e, &p)) };
            Ok(())
        });
        code_of(r)
    })
}

/// Frees the strings of a struct filled by `bex_engine_plugin_info` and
/// sets them to NULL (so a second call is a no-op). The struct itself is
/// the caller's. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_plugin_info_free(info: *mut BexPluginInfo) {
    guard((), || {
        // SAFETY: NULL or a struct filled by bex_engine_plugin_info.
        if let Some(i) = unsafe { info.as_mut() } {
            free_info(i);
        }
    })
}

/// # Safety
/// `engine` is NULL or a live handle; `id` NULL or a NUL-terminated string.
unsafe fn set_enabled(engine: *const BexEngine, id: *const c_char, enabled: bool) -> c_int {
    // SAFETY: forwarded from the caller.
    let r = unsafe { handle(engine) }
        .and_then(|e| e.engine.set_enabled(unsafe { text(id, "id") }?, enabled));
    code_of(r)
}

/// Enables plugin `id` (and closes its circuit breaker). Returns 0 or an
/// error code. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_enable(engine: *const BexEngine, id: *const c_char) -> c_int {
    guard(ErrorCode::Internal.number(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { set_enabled(engine, id, true) }
    })
}

/// Disables plugin `id`: its calls fail with `DISABLED` until enabled.
/// Returns 0 or an error code. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_disable(engine: *const BexEngine, id: *const c_char) -> c_int {
    guard(ErrorCode::Internal.number(), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { set_enabled(engine, id, false) }
    })
}

/// Stores secret `key` (one the plugin's manifest declares) for plugin
/// `plugin_id`. Returns 0 or an error code. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_secret_set(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    key: *const c_char,
    value: *const c_char,
) -> c_int {
    guard(ErrorCode::Internal.number(), || {
        // SAFETY: NULL or a live handle / NUL-terminated strings.
        let r = unsafe { handle(engine) }.and_then(|e| unsafe {
            e.engine.set_secret(
                text(plugin_id, "plugin_id")?,
                text(key, "key")?,
                text(value, "value")?,
            )
        });
        code_of(r)
    })
}

/// Copies secret `key` of `plugin_id`, NUL-terminated, into `out_buf`.
/// `*out_buf_len` is the buffer's size on entry; on return, the bytes
/// written without the NUL. A buffer too small (or NULL) is
/// `INVALID_ARGUMENT`, nothing written, with `*out_buf_len` set to the size
/// needed (the value and its NUL), so a caller can ask with a zero length
/// first. Returns 0; `NOT_FOUND` if unset; `INVALID_ARGUMENT` if
/// `out_buf_len` is NULL. Thread-safe.
///
/// ```c
/// char buf[4096];
/// size_t buf_len = sizeof(buf);
/// bex_engine_secret_get(engine, "bex.imdb", "api-key", buf, &buf_len);
/// ```
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_secret_get(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    key: *const c_char,
    out_buf: *mut c_char,
    out_buf_len: *mut usize,
) -> c_int {
    guard(ErrorCode::Internal.number(), || {
        // SAFETY: NULL or a live handle / NUL-terminated strings.
        let r = unsafe { handle(engine) }.and_then(|e| {
            // SAFETY: as above.
            let value = unsafe {
                e.engine
                    .get_secret(text(plugin_id, "plugin_id")?, text(key, "key")?)
            }?;
            if out_buf_len.is_null() {
                return Err(Error::InvalidArgument("out_buf_len is NULL".into()));
            }
            let need = value.len() + 1;
            // SAFETY: non-NULL, and per the contract a valid size_t.
            let have = unsafe { *out_buf_len };
            if out_buf.is_null() || have < need {
                // SAFETY: as above.
                unsafe { *out_buf_len = need };
                return Err(Error::InvalidArgument(format!(
                    "out_buf must hold {need} bytes (the value and its NUL); *out_buf_len now says so"
                )));
            }
            // SAFETY: out_buf has at least `need` writable bytes, per the
            // caller's *out_buf_len; out_buf_len is valid as above.
            unsafe {
                std::ptr::copy_nonoverlapping(value.as_ptr(), out_buf.cast::<u8>(), value.len());
                *out_buf.add(value.len()) = 0;
                *out_buf_len = value.len();
            }
            Ok(())
        });
        code_of(r)
    })
}

/// Deletes secret `key` of `plugin_id`. Returns 0, `NOT_FOUND`, or another
/// error code. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_secret_delete(
    engine: *const BexEngine,
    plugin_id: *const c_char,
    key: *const c_char,
) -> c_int {
    guard(ErrorCode::Internal.number(), || {
        // SAFETY: NULL or a live handle / NUL-terminated strings.
        let r = unsafe { handle(engine) }.and_then(|e| unsafe {
            e.engine
                .delete_secret(text(plugin_id, "plugin_id")?, text(key, "key")?)
        });
        code_of(r)
    })
}

/// The names of `plugin_id`'s stored secrets, comma-separated (empty
/// string if none). Returns a string to free with `bex_string_free`, or
/// NULL on failure. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bex_engine_secret_keys(
    engine: *const BexEngine,
    plugin_id: *const c_char,
) -> *mut c_char {
    guard(std::ptr::null_mut(), || {
        // SAFETY: NULL or a live handle / NUL-terminated string.
        let r = unsafe { handle(engine) }.and_then(|e| {
            e.engine
                .secret_keys(unsafe { text(plugin_id, "plugin_id") }?)
        });
        match r {
            Ok(keys) => to_c(keys.join(",")),
            Err(e) => {
                fail(&e);
                std::ptr::null_mut()
            }
        }
    })
}
