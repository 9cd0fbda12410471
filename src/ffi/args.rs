//! Checking what C hands us: NULL pointers, UTF-8, JSON; and handing back
//! strings the caller frees with `bex_string_free`.

use std::ffi::{CStr, CString, c_char};

use crate::error::Error;

/// A required NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
pub(super) unsafe fn text<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::InvalidArgument(format!("{what} is NULL")));
    }
    // SAFETY: non-NULL, and the caller promises a NUL-terminated string
    // valid for 'a.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str()
        .map_err(|e| Error::InvalidArgument(format!("{what} is not UTF-8: {e}")))
}

/// An optional string argument: NULL is `None`.
///
/// # Safety
/// As for [`text`].
pub(super) unsafe fn opt_text<'a>(
    ptr: *const c_char,
    what: &str,
) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { text(ptr, what) }.map(Some)
}

/// A JSON argument; NULL is `default`.
///
/// # Safety
/// As for [`text`].
pub(super) unsafe fn json(
    ptr: *const c_char,
    what: &str,
    default: Option<serde_json::Value>,
) -> Result<serde_json::Value, Error> {
    // SAFETY: forwarded from the caller.
    let Some(t) = (unsafe { opt_text(ptr, what) })? else {
        return default.ok_or_else(|| Error::InvalidArgument(format!("{what} is NULL")));
    };
    serde_json::from_str(t).map_err(|e| Error::InvalidArgument(format!("{what} is not JSON: {e}")))
}

/// `s` as a C string; interior NULs (never in our JSON) become U+FFFD so
/// nothing is cut short.
pub(super) fn c_string(s: String) -> CString {
    let s = if s.contains('\0') {
        s.replace('\0', "\u{fffd}")
    } else {
        s
    };
    CString::new(s).expect("NULs were replaced")
}

/// A string for C: owned by the caller, freed with `bex_string_free`.
pub(super) fn to_c(s: String) -> *mut c_char {
    c_string(s).into_raw()
}

/// Frees a string made by [`to_c`].
///
/// # Safety
/// `ptr` is NULL or came from [`to_c`] and was not freed yet.
pub(super) unsafe fn free_c(ptr: *mut c_char) {
    if !ptr.is_null() {
        // SAFETY: the caller promises it came from CString::into_raw and is
        // freed once.
        drop(unsafe { CString::from_raw(ptr) });
    }
}
