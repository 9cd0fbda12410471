//! Logging through the host (`log` interface): each line reaches the
//! player's log with the plugin's id and the request id. Use the macros:
//! `bex_pdk::info!("{} results", n)`.

pub use crate::bindings::bex::plugin::log::Level;

/// Writes one line at `level`. The macros call this.
pub fn write(level: Level, message: &str) {
    crate::bindings::bex::plugin::log::write(level, message);
}

/// Logs at trace level, `format!`-style.
#[macro_export]
macro_rules! trace { ($($t:tt)*) => { $crate::log::write($crate::log::Level::Trace, &format!($($t)*)) }; }
/// Logs at debug level, `format!`-style.
#[macro_export]
macro_rules! debug { ($($t:tt)*) => { $crate::log::write($crate::log::Level::Debug, &format!($($t)*)) }; }
/// Logs at info level, `format!`-style.
#[macro_export]
macro_rules! info { ($($t:tt)*) => { $crate::log::write($crate::log::Level::Info, &format!($($t)*)) }; }
/// Logs at warn level, `format!`-style.
#[macro_export]
macro_rules! warn { ($($t:tt)*) => { $crate::log::write($crate::log::Level::Warn, &format!($($t)*)) }; }
/// Logs at error level, `format!`-style.
#[macro_export]
macro_rules! error { ($($t:tt)*) => { $crate::log::write($crate::log::Level::Error, &format!($($t)*)) }; }
