//! The last error of each thread: what a C caller reads after a function
//! returned a failure code, NULL or request id 0.

use std::cell::RefCell;

use crate::error::ErrorCode;

thread_local! {
    static LAST: RefCell<Option<(ErrorCode, String)>> = const { RefCell::new(None) };
}

/// Records a failure of the calling thread.
pub(super) fn set(code: ErrorCode, message: String) {
    LAST.with(|l| *l.borrow_mut() = Some((code, message)));
}

/// The calling thread's last failure, if any.
pub(super) fn get() -> Option<(ErrorCode, String)> {
    LAST.with(|l| l.borrow().clone())
}
