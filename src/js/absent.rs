//! The host's JavaScript in a build without it (the `js` feature off, to
//! leave QuickJS out of a player): the engine's pool holds no runtimes, and
//! every `js` call a plugin makes returns `unsupported` (src/host/js.rs).

use super::JsConfig;

/// Why `js` calls fail in this build.
pub(crate) const NO_JS_IN_BUILD: &str =
    "this build of BEX has no JavaScript (built without the `js` feature)";

/// The pool of a build without JavaScript: nothing to keep or free.
pub(crate) struct JsPool;

impl JsPool {
    pub fn new(_config: JsConfig) -> JsPool {
        JsPool
    }

    pub fn forget(&self, _plugin: &str) {}

    pub fn end_call(&self, _plugin: &str) {}

    pub fn kept(&self) -> usize {
        0
    }
}

/// Nothing to sweep.
pub(crate) fn sweep_thread() {}

/// Nothing to sweep.
pub(crate) fn sweep_if_due() {}

/// Nothing kept.
pub(crate) fn thread_holds_runtimes() -> bool {
    false
}
