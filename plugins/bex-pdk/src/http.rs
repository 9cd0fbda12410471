//! Typed HTTP through the host (`http` interface): build a request, send
//! it, and get either a response with a 2xx status or a `plugin-error`
//! saying what went wrong.
//!
//! ```text
//! let hits: Vec<Hit> = http::get("https://api.tvmaze.com/search/shows")
//!     .query("q", query)
//!     .json()?;
//! ```
//!
//! Statuses map to errors as: 400 and 422 `invalid-input`, 401 and 403
//! `auth`, 404 and 410 `not-found`, 429 `rate-limited`, any other non-2xx
//! `network`. The engine's own refusals map as [`PluginError`]'s `From`
//! conversions say.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::bex::plugin::http as wit;
use crate::error::ErrorExt;
use crate::types::PluginError;

pub use wit::{CacheMode, Method};

/// A request being built. Send it with [`send`](Self::send),
/// [`json`](Self::json) or [`text`](Self::text).
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    inner: wit::Request,
}

/// Starts a GET request.
pub fn get(url: impl Into<String>) -> Request {
    Request::new(Method::Get, url)
}

/// Starts a POST request.
pub fn post(url: impl Into<String>) -> Request {
    Request::new(Method::Post, url)
}

impl Request {
    /// Starts a request with any method.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            inner: wit::Request {
                method,
                url: url.into(),
                headers: Vec::new(),
                body: None,
                timeout_ms: None,
                follow_redirects: true,
                cache_mode: CacheMode::Normal,
                max_bytes: None,
            },
        }
    }

    /// Appends `key=value` to the query string, both percent-encoded.
    pub fn query(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        let sep = if self.inner.url.contains('?') {
            '&'
        } else {
            '?'
        };
        let value = value.to_string();
        self.inner.url = format!("{}{sep}{}={}", self.inner.url, encode(key), encode(&value));
        self
    }

    /// Appends `key=value` when `value` is `Some`.
    pub fn query_opt(self, key: &str, value: Option<impl std::fmt::Display>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.inner.headers.push((name.into(), value.into()));
        self
    }

    /// Adds `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", format!("Bearer {token}"))
    }

    /// Sets a raw body and its content type.
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.inner.body = Some(body);
        self.header("Content-Type", content_type)
    }

    /// Sets a JSON body (and `Content-Type: application/json`).
    pub fn json_body(self, value: &impl Serialize) -> Result<Self, PluginError> {
        let body = serde_json::to_vec(value)
            .map_err(|e| PluginError::Internal(format!("encoding a JSON body: {e}")))?;
        Ok(self.body("application/json", body))
    }

    /// Sets an `application/x-www-form-urlencoded` body.
    pub fn form_body(self, pairs: &[(&str, &str)]) -> Self {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.body("application/x-www-form-urlencoded", body.into_bytes())
    }

    /// Limits this request's time (the engine clamps it to the call's deadline).
    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.inner.timeout_ms = Some(ms);
        self
    }

    /// Refuses bodies larger than `bytes`.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.inner.max_bytes = Some(bytes);
        self
    }

    /// Returns a redirect as it is instead of following it.
    pub fn no_redirects(mut self) -> Self {
        self.inner.follow_redirects = false;
        self
    }

    /// How the engine's HTTP cache may answer.
    pub fn cache(mut self, mode: CacheMode) -> Self {
        self.inner.cache_mode = mode;
        self
    }

    /// The url as it will be requested.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// Sends the request; any status outside 2xx (and 3xx when redirects
    /// are not followed) becomes an error whose message ends with the
    /// start of the response body (the API's own explanation, at most
    /// [`MAX_ERROR_BODY`] characters).
    pub fn send(self) -> Result<Response, PluginError> {
        let follow = self.inner.follow_redirects;
        let response = self.send_any_status()?;
        check_status(response.status, &response.final_url, follow)
            .map_err(|e| with_body(e, &response.body))?;
        Ok(response)
    }

    /// Sends the request and returns the response whatever its status.
    pub fn send_any_status(self) -> Result<Response, PluginError> {
        let r = wit::send_request(&self.inner).map_err(PluginError::from)?;
        Ok(Response {
            status: r.status,
            headers: r.headers,
            body: r.body,
            final_url: r.final_url,
        })
    }

    /// Sends the request (asking for JSON) and decodes the body.
    pub fn json<T: DeserializeOwned>(self) -> Result<T, PluginError> {
        self.accept("application/json").send()?.json()
    }

    /// Sends the request (asking for HTML) and parses the page at its
    /// final url (the kit's `html` feature).
    #[cfg(feature = "html")]
    pub fn html(self) -> Result<crate::html::Document, PluginError> {
        let response = self.accept("text/html").send()?;
        let text = String::from_utf8_lossy(&response.body);
        Ok(crate::html::Document::parse(&text, &response.final_url))
    }

    /// Adds `Accept: value` unless the plugin set an Accept header.
    fn accept(self, value: &str) -> Self {
        let has_accept = self
            .inner
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("accept"));
        if has_accept {
            self
        } else {
            self.header("Accept", value)
        }
    }

    /// Sends the request and returns the body as text.
    pub fn text(self) -> Result<String, PluginError> {
        self.send()?.text()
    }
}

/// A response.
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body (decompressed).
    pub body: Vec<u8>,
    /// The url after redirects.
    pub final_url: String,
}

impl Response {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Decodes the body as JSON (`parse` error naming the url if it is not).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, PluginError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| PluginError::Parse(format!("{}: JSON: {e}", self.final_url)))
    }

    /// The body as UTF-8 text (`parse` error if it is not).
    pub fn text(self) -> Result<String, PluginError> {
        String::from_utf8(self.body)
            .map_err(|_| PluginError::Parse(format!("{}: body is not UTF-8", self.final_url)))
    }
}

/// Maps a status to the kit's errors (see the module docs).
pub fn check_status(status: u16, url: &str, redirects_followed: bool) -> Result<(), PluginError> {
    let m = || format!("{url}: HTTP {status}");
    match status {
        200..=299 => Ok(()),
        300..=399 if !redirects_followed => Ok(()),
        400 | 422 => Err(PluginError::InvalidInput(m())),
        401 | 403 => Err(PluginError::Auth(m())),
        404 | 410 => Err(PluginError::NotFound(m())),
        429 => Err(PluginError::RateLimited(m())),
        _ => Err(PluginError::Network(m())),
    }
}

/// The most characters of an error response's body an error message
/// keeps.
pub const MAX_ERROR_BODY: usize = 200;

/// `e` with the start of `body` appended: printable text only (control
/// characters and runs of white space become one space), cut at
/// [`MAX_ERROR_BODY`] characters with an ellipsis.
pub fn with_body(e: PluginError, body: &[u8]) -> PluginError {
    let text = String::from_utf8_lossy(body);
    let mut excerpt = String::new();
    let mut chars = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !excerpt.is_empty();
            continue;
        }
        if chars == MAX_ERROR_BODY {
            excerpt.push('…');
            break;
        }
        if space {
            excerpt.push(' ');
            chars += 1;
            space = false;
        }
        excerpt.push(c);
        chars += 1;
    }
    if excerpt.is_empty() {
        return e;
    }
    e.map_message(|m| format!("{m}: {excerpt}"))
}

/// Percent-encodes a query or form component (RFC 3986 unreserved kept).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded_and_joined() {
        let r = get("https://a.example/s")
            .query("q", "tom & jerry")
            .query("page", 2);
        assert_eq!(r.url(), "https://a.example/s?q=tom%20%26%20jerry&page=2");
        let r = get("https://a.example/s?x=1")
            .query_opt("y", None::<u32>)
            .query("z", "é");
        assert_eq!(r.url(), "https://a.example/s?x=1&z=%C3%A9");
    }

    #[test]
    fn an_error_keeps_the_start_of_the_body() {
        let e = with_body(
            PluginError::Auth("u: HTTP 401".into()),
            b"{\"status_message\": \"Invalid API key:\n\tyou must be granted a valid key.\"}",
        );
        assert!(
            matches!(&e, PluginError::Auth(m) if m == "u: HTTP 401: {\"status_message\": \"Invalid API key: you must be granted a valid key.\"}"),
            "{e:?}"
        );
        let long = with_body(PluginError::Network("u: HTTP 500".into()), &[b'x'; 5000]);
        assert_eq!(
            long.message().chars().count(),
            "u: HTTP 500: ".len() + MAX_ERROR_BODY + 1
        );
        assert!(long.message().ends_with('…'));
        // No body, or only white space: the message as it was.
        let empty = with_body(PluginError::NotFound("u".into()), b" \r\n");
        assert!(
            matches!(&empty, PluginError::NotFound(m) if m == "u"),
            "{empty:?}"
        );
        // Invalid UTF-8 and control characters do not reach the message.
        let e = with_body(PluginError::Network("u".into()), b"\xffbad\x1b[31m");
        assert_eq!(e.message(), "u: \u{fffd}bad [31m");
    }

    #[test]
    fn statuses_map_to_plugin_errors() {
        assert!(check_status(204, "u", true).is_ok());
        assert!(check_status(302, "u", false).is_ok());
        assert!(matches!(
            check_status(302, "u", true),
            Err(PluginError::Network(_))
        ));
        assert!(matches!(
            check_status(401, "u", true),
            Err(PluginError::Auth(_))
        ));
        assert!(
            matches!(check_status(404, "u", true), Err(PluginError::NotFound(m)) if m == "u: HTTP 404")
        );
        assert!(matches!(
            check_status(429, "u", true),
            Err(PluginError::RateLimited(_))
        ));
        assert!(matches!(
            check_status(422, "u", true),
            Err(PluginError::InvalidInput(_))
        ));
        assert!(matches!(
            check_status(503, "u", true),
            Err(PluginError::Network(_))
        ));
    }
}
