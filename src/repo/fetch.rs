//! Fetching repository files: the host's own requests, over the network
//! only (never recordings), through the same resolver and refused address
//! ranges as plugin traffic, https only (plain http only where the engine
//! allows private networks, for tests), no redirects, capped in size and
//! time.

use std::time::Duration;

use super::RepoError;
use crate::host::http::HttpConfig;
use crate::host::http::url::Url;
use crate::host::http::{Hop, HopError, Live, Transport, live_settings};

/// The DNS share and connection pool name of repository traffic.
const AGENT: &str = "bex:repositories";

/// Fetches repository indexes and packages.
pub(crate) struct Fetcher {
    live: Live,
    allow_http: bool,
}

impl Fetcher {
    /// A fetcher with the engine's resolver settings.
    pub fn new(config: &HttpConfig) -> Fetcher {
        Fetcher {
            live: Live::new(&live_settings(config), AGENT),
            allow_http: config.allow_private_networks,
        }
    }

    /// Parses a repository or package url: https, or http where allowed.
    pub fn url(&self, text: &str) -> Result<Url, RepoError> {
        let bad = |message: String| RepoError::BadUrl {
            url: text.chars().take(200).collect(),
            message,
        };
        let url = Url::parse(text).map_err(bad)?;
        if !url.https && !self.allow_http {
            return Err(bad("repositories are fetched over https only".into()));
        }
        Ok(url)
    }

    /// `relative` resolved against `base` (a package url in an index).
    pub fn join(&self, base: &Url, relative: &str) -> Result<Url, RepoError> {
        let joined = base.join(relative).map_err(|message| RepoError::BadUrl {
            url: relative.chars().take(200).collect(),
            message,
        })?;
        self.url(&joined.as_string())
    }

    /// The body of `url`: status 200, at most `max_bytes`, within
    /// `timeout` from the first byte sent to the last byte read.
    /// A body over `max_bytes` is `too_large`'s error.
    pub fn get(
        &self,
        url: &Url,
        max_bytes: u64,
        timeout: Duration,
        too_large: impl FnOnce(String) -> RepoError,
    ) -> Result<Vec<u8>, RepoError> {
        let hop = Hop {
            method: ureq::http::Method::GET,
            url: url.clone(),
            headers: Vec::new(),
            body: None,
            timeout,
            max_bytes,
        };
        let target = url.as_string();
        let response = self.live.exchange(&hop).map_err(|e| match e {
            HopError::BlockedAddress(m) => RepoError::Blocked(m),
            HopError::Timeout(m) => RepoError::Timeout(m),
            HopError::TooLarge(m) => too_large(m),
            HopError::BadRequest(m) | HopError::Network(m) | HopError::Stale(m) => {
                RepoError::Network(m)
            }
        })?;
        if response.status != 200 {
            return Err(RepoError::Network(format!(
                "{target}: HTTP {} (repositories must answer 200; redirects are not followed)",
                response.status
            )));
        }
        Ok(response.body)
    }
}
