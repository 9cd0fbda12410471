//! The panic hook: a panic's message and place go to the host log (the
//! player sees them with the plugin's id and request id) and to stderr in
//! Rust's own form (`panicked at FILE:LINE:` and the message), which the
//! engine puts in the call's `PLUGIN_FAULT` error, before the call traps.

use std::sync::Once;

use crate::bindings::bex::plugin::log::{Level, write};

static HOOK: Once = Once::new();

/// Runs one operation with the panic hook installed. Used by
/// [`export_plugin!`](crate::export_plugin).
pub fn run<T>(operation: impl FnOnce() -> T) -> T {
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            write(Level::Error, &format!("panic{place}: {message}"));
            // What the default hook prints: the engine reads the message
            // from the call's stderr into the fault it reports, so an
            // author sees it without -v.
            eprintln!("panicked{place}:\n{message}");
        }));
    });
    operation()
}
