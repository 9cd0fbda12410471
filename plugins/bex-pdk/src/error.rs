//! `?`-friendly conversions into the contract's `plugin-error`.

use crate::bindings::bex::plugin::{http::HttpError, js::JsError, kv::KvError};
use crate::types::PluginError;

/// Shorthands for the `plugin-error` cases, for `Err(Error::not_found(..))`
/// and `.ok_or_else(|| Error::invalid_input(..))`.
pub struct Error;

impl Error {
    /// `network`: the source could not be reached or answered badly.
    pub fn network(message: impl Into<String>) -> PluginError {
        PluginError::Network(message.into())
    }
    /// `parse`: the source answered something the plugin cannot read.
    pub fn parse(message: impl Into<String>) -> PluginError {
        PluginError::Parse(message.into())
    }
    /// `not-found`: no such title, episode, file or page.
    pub fn not_found(message: impl Into<String>) -> PluginError {
        PluginError::NotFound(message.into())
    }
    /// `unsupported`: the source cannot serve this operation or option.
    pub fn unsupported(message: impl Into<String>) -> PluginError {
        PluginError::Unsupported(message.into())
    }
    /// `rate-limited`: the source (or the engine) asks to slow down.
    pub fn rate_limited(message: impl Into<String>) -> PluginError {
        PluginError::RateLimited(message.into())
    }
    /// `invalid-input`: an id, cursor or query the plugin cannot use.
    pub fn invalid_input(message: impl Into<String>) -> PluginError {
        PluginError::InvalidInput(message.into())
    }
    /// `auth`: a missing or refused API key.
    pub fn auth(message: impl Into<String>) -> PluginError {
        PluginError::Auth(message.into())
    }
    /// `internal`: a bug in the plugin.
    pub fn internal(message: impl Into<String>) -> PluginError {
        PluginError::Internal(message.into())
    }
}

/// Adds where an error happened to its message, keeping its case:
/// `api::get(path).context("show 139")?`.
pub trait ResultExt<T> {
    /// Prefixes the error message with `what: `.
    fn context(self, what: impl std::fmt::Display) -> Result<T, PluginError>;
}

impl<T, E: Into<PluginError>> ResultExt<T> for Result<T, E> {
    fn context(self, what: impl std::fmt::Display) -> Result<T, PluginError> {
        self.map_err(|e| prefix(e.into(), what))
    }
}

fn prefix(e: PluginError, what: impl std::fmt::Display) -> PluginError {
    e.map_message(|m| format!("{what}: {m}"))
}

/// Reading and rewriting a `plugin-error`'s message without changing its
/// case: `e.map_message(|m| format!("{m}: {api_message}"))`.
pub trait ErrorExt {
    /// The message, whatever the case.
    fn message(&self) -> &str;
    /// The same case with `f` applied to the message.
    fn map_message(self, f: impl FnOnce(String) -> String) -> Self;
}

impl ErrorExt for PluginError {
    fn message(&self) -> &str {
        match self {
            PluginError::Network(m)
            | PluginError::Parse(m)
            | PluginError::NotFound(m)
            | PluginError::Unsupported(m)
            | PluginError::RateLimited(m)
            | PluginError::InvalidInput(m)
            | PluginError::Auth(m)
            | PluginError::Internal(m) => m,
        }
    }

    fn map_message(self, f: impl FnOnce(String) -> String) -> Self {
        match self {
            PluginError::Network(m) => PluginError::Network(f(m)),
            PluginError::Parse(m) => PluginError::Parse(f(m)),
            PluginError::NotFound(m) => PluginError::NotFound(f(m)),
            PluginError::Unsupported(m) => PluginError::Unsupported(f(m)),
            PluginError::RateLimited(m) => PluginError::RateLimited(f(m)),
            PluginError::InvalidInput(m) => PluginError::InvalidInput(f(m)),
            PluginError::Auth(m) => PluginError::Auth(f(m)),
            PluginError::Internal(m) => PluginError::Internal(f(m)),
        }
    }
}

/// A body the plugin cannot decode is `parse`.
impl From<serde_json::Error> for PluginError {
    fn from(e: serde_json::Error) -> Self {
        PluginError::Parse(format!("JSON: {e}"))
    }
}

/// The engine's refusals keep their meaning: its rate limit is
/// `rate-limited`; a url or host the manifest does not allow is a bug in the
/// plugin (`internal`); the rest is `network`.
impl From<HttpError> for PluginError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::RateLimited(m) => PluginError::RateLimited(m),
            HttpError::InvalidUrl(m) => PluginError::Internal(format!("invalid url: {m}")),
            HttpError::BlockedHost(m) => PluginError::Internal(format!("host not allowed: {m}")),
            HttpError::BlockedAddress(m) => PluginError::Network(format!("address refused: {m}")),
            HttpError::Timeout(m) => PluginError::Network(format!("timeout: {m}")),
            HttpError::TooLarge(m) => PluginError::Network(format!("response too large: {m}")),
            HttpError::TooManyRedirects(m) => PluginError::Network(format!("redirects: {m}")),
            HttpError::Network(m) => PluginError::Network(m),
        }
    }
}

/// Storage failures are the plugin's `internal` trouble (quota, size, key).
impl From<KvError> for PluginError {
    fn from(e: KvError) -> Self {
        let m = match e {
            KvError::QuotaExceeded(m) => format!("kv quota exceeded: {m}"),
            KvError::TooLarge(m) => format!("kv value too large: {m}"),
            KvError::InvalidKey(m) => format!("kv key invalid: {m}"),
            KvError::Denied(m) => format!("kv denied (is `storage` on in the manifest?): {m}"),
            KvError::Storage(m) => format!("kv storage: {m}"),
        };
        PluginError::Internal(m)
    }
}

/// Script failures: a page's script the plugin cannot run is `parse`
/// (the page changed); limits are `internal`.
impl From<JsError> for PluginError {
    fn from(e: JsError) -> Self {
        match e {
            JsError::Syntax(m) => PluginError::Parse(format!("script syntax: {m}")),
            JsError::Exception(m) => PluginError::Parse(format!("script threw: {m}")),
            JsError::InvalidInput(m) => PluginError::Internal(format!("script input: {m}")),
            JsError::Unsupported(m) => PluginError::Unsupported(format!("js: {m}")),
            JsError::Timeout(m) => PluginError::Internal(format!("script timeout: {m}")),
            JsError::OutOfMemory(m) => PluginError::Internal(format!("script memory: {m}")),
        }
    }
}
