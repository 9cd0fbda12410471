//! One HTTP exchange (one hop; redirects are followed above this), over the
//! network with ureq, or from recordings.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ureq::config::Config;
use ureq::http::{self, Uri};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{Connector, NextTimeout, RustlsConnector, TcpConnector};
use ureq::{Agent, Body};

use super::addr;
use super::cancellable::CancelConnector;
use super::dns::{LookupError, Lookups, Share};
use super::url::Url;

/// Request headers a plugin may not set: the host decides framing,
/// connection management and the target.
const FORBIDDEN_HEADERS: [&str; 11] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "proxy-authorization",
    "proxy-connection",
];

/// One request on the wire.
#[derive(Clone, Debug)]
pub(crate) struct Hop {
    pub method: http::Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub timeout: Duration,
    pub max_bytes: u64,
}

/// Its answer, body already read (and decoded) within `max_bytes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HopResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HopResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why an exchange failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HopError {
    /// The host resolved to an address the sandbox refuses.
    BlockedAddress(String),
    /// A timeout.
    Timeout(String),
    /// The body exceeded `max_bytes`.
    TooLarge(String),
    /// The request could not be built from the plugin's input.
    BadRequest(String),
    /// Connection, TLS, protocol, DNS failure, or a missing recording.
    Network(String),
    /// A connection failed before anything was answered, the way a pooled
    /// connection the server had already closed fails: an idempotent
    /// request may be sent once more (ureq has dropped that connection).
    Stale(String),
}

/// Where exchanges go.
pub(crate) trait Transport: Send + Sync {
    fn exchange(&self, hop: &Hop) -> Result<HopResponse, HopError>;
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn exchange(&self, hop: &Hop) -> Result<HopResponse, HopError> {
        (**self).exchange(hop)
    }
}

/// Whether plugins may set this request header.
pub(crate) fn header_allowed(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !FORBIDDEN_HEADERS.contains(&lower.as_str()) && !lower.starts_with("proxy-")
}

#[derive(Debug)]
struct BlockedAddress {
    host: String,
    ip: IpAddr,
    why: &'static str,
}

impl std::fmt::Display for BlockedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\"{}\" resolves to {} ({} address); plugins may only reach public addresses",
            self.host, self.ip, self.why
        )
    }
}

impl std::error::Error for BlockedAddress {}

/// Resolves names through [`Lookups`] (or takes fixed answers from the
/// engine config) and
/// refuses the whole answer if any address is not public. ureq connects
/// only to what this returns, so there is no window for DNS rebinding.
#[derive(Debug)]
struct VettingResolver {
    lookups: Arc<Lookups>,
    /// This plugin's lookups in flight.
    share: Share,
    allow_private: bool,
    fixed: Arc<BTreeMap<String, Vec<IpAddr>>>,
}

impl Resolver for VettingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default().to_ascii_lowercase();
        let host = host.trim_end_matches('.');
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        });
        let mut out = self.empty();
        if let Some(ips) = self.fixed.get(host) {
            for ip in ips.iter().take(16) {
                out.push(SocketAddr::new(*ip, port));
            }
        } else {
            let answer = self
                .lookups
                .resolve(&self.share, host, port, *timeout.after)
                .map_err(|e| match e {
                    LookupError::Busy(busy) => ureq::Error::Other(Box::new(busy)),
                    LookupError::TimedOut => ureq::Error::Timeout(timeout.reason),
                    LookupError::Failed(io) => ureq::Error::Io(io),
                })?;
            for a in answer.into_iter().take(16) {
                out.push(a);
            }
        }
        if !self.allow_private {
            for a in out.iter() {
                if let Some(why) = addr::refused(a.ip()) {
                    return Err(ureq::Error::Other(Box::new(BlockedAddress {
                        host: host.to_string(),
                        ip: a.ip(),
                        why,
                    })));
                }
            }
        }
        if out.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(out)
    }
}

/// What every plugin's [`Live`] is built from (engine config).
#[derive(Clone, Debug)]
pub(crate) struct LiveSettings {
    /// Whether non-public addresses may be reached (tests).
    pub allow_private: bool,
    /// Fixed answers for host names (`EngineConfig::resolve`).
    pub fixed: Arc<BTreeMap<String, Vec<IpAddr>>>,
    /// Sent when the plugin sets no User-Agent.
    pub user_agent: String,
    /// Name lookups, capped across all plugins.
    pub lookups: Arc<Lookups>,
}

/// The network, through one plugin's own ureq agent (its own connection
/// pool, rustls).
pub(crate) struct Live {
    agent: Agent,
    user_agent: String,
}

impl Live {
    pub fn new(settings: &LiveSettings, plugin: &str) -> Live {
        let config = Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            // Environment proxies would skip our resolver and its checks.
            .proxy(None)
            .user_agent(settings.user_agent.as_str())
            .max_response_header_size(64 * 1024)
            // Per plugin: a few idle connections each, not a shared 16.
            .max_idle_connections(4)
            .max_idle_connections_per_host(2)
            .max_idle_age(Duration::from_secs(10))
            .build();
        let resolver = VettingResolver {
            lookups: settings.lookups.clone(),
            share: settings.lookups.share(plugin),
            allow_private: settings.allow_private,
            fixed: settings.fixed.clone(),
        };
        Live {
            // TCP, then the cancellable layer, then TLS over it (no proxy
            // connectors: proxies are off).
            agent: Agent::with_parts(
                config,
                TcpConnector::default()
                    .chain(CancelConnector)
                    .chain(RustlsConnector::default()),
                resolver,
            ),
            user_agent: settings.user_agent.clone(),
        }
    }

    fn once(&self, hop: &Hop) -> Result<HopResponse, ureq::Error> {
        let mut b = http::Request::builder()
            .method(hop.method.clone())
            .uri(hop.url.as_string());
        let mut has_agent = false;
        for (k, v) in &hop.headers {
            has_agent |= k.eq_ignore_ascii_case("user-agent");
            b = b.header(k.as_str(), v.as_str());
        }
        if !has_agent {
            b = b.header("user-agent", self.user_agent.as_str());
        }
        let timeout = Some(hop.timeout);
        let response: http::Response<Body> = match &hop.body {
            None => {
                let req = self
                    .agent
                    .configure_request(b.body(())?)
                    .timeout_global(timeout)
                    .build();
                self.agent.run(req)?
            }
            Some(bytes) => {
                let req = self
                    .agent
                    .configure_request(b.body(bytes.as_slice())?)
                    .timeout_global(timeout)
                    .build();
                self.agent.run(req)?
            }
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        // `take` on the decoded reader: the cap counts bytes after gzip.
        response
            .into_body()
            .into_reader()
            .take(hop.max_bytes + 1)
            .read_to_end(&mut body)
            .map_err(ureq::Error::from)?;
        if body.len() as u64 > hop.max_bytes {
            return Err(ureq::Error::BodyExceedsLimit(hop.max_bytes));
        }
        Ok(HopResponse {
            status,
            headers,
            body,
        })
    }
}

fn classify(e: ureq::Error, hop: &Hop) -> HopError {
    let target = hop.url.as_string();
    match e {
        ureq::Error::Other(inner) => match inner.downcast::<BlockedAddress>() {
            Ok(b) => HopError::BlockedAddress(b.to_string()),
            Err(other) => HopError::Network(format!("{target}: {other}")),
        },
        ureq::Error::Timeout(which) => HopError::Timeout(format!(
            "{target}: timed out ({which}) after {:?}",
            hop.timeout
        )),
        ureq::Error::BodyExceedsLimit(n) => {
            HopError::TooLarge(format!("{target}: the body exceeds {n} bytes"))
        }
        ureq::Error::Http(e) => HopError::BadRequest(format!("invalid request: {e}")),
        ureq::Error::HostNotFound => HopError::Network(format!("{target}: host not found")),
        other => HopError::Network(format!("{target}: {other}")),
    }
}

/// Whether a failure happened before anything was answered on a reused
/// connection the server had already closed.
fn stale_connection(e: &ureq::Error) -> bool {
    matches!(e, ureq::Error::Io(io) if matches!(
        io.kind(),
        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::BrokenPipe
    ))
}

impl Transport for Live {
    fn exchange(&self, hop: &Hop) -> Result<HopResponse, HopError> {
        self.once(hop).map_err(|e| {
            if stale_connection(&e) {
                HopError::Stale(format!("{}: {e}", hop.url.as_string()))
            } else {
                classify(e, hop)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_and_hop_headers_are_reserved() {
        for h in [
            "Host",
            "content-length",
            "Transfer-Encoding",
            "Connection",
            "Proxy-Authorization",
            "proxy-foo",
            "TE",
        ] {
            assert!(!header_allowed(h), "{h}");
        }
        for h in [
            "Referer",
            "User-Agent",
            "Authorization",
            "Cookie",
            "Accept",
            "X-Api-Key",
        ] {
            assert!(header_allowed(h), "{h}");
        }
    }
}
