//! `bex:plugin/http`: outbound HTTP under the plugin's manifest.
//!
//! Every request is checked (scheme, no userinfo, host and port in
//! `network.hosts`),
//! rate limited and concurrency limited per plugin, optionally served from
//! the plugin's own cache, and sent one hop at a time: redirects are
//! followed here, each hop checked again. Resolved addresses are vetted by
//! the transport. A 429 with a near `Retry-After` is retried inside the
//! deadline ([`retry`]). Time spent here counts against the call's deadline.

pub(crate) mod addr;
mod cache;
mod cancellable;
mod config;
mod dns;
mod limits;
pub(crate) mod recording;
mod retry;
mod transport;
pub(crate) mod url;

// The engine's result checks (src/engine/vet) apply the same rules to the
// urls and headers a plugin hands the player.
pub use config::DEFAULT_MAX_HTTP_BODY_BYTES;
pub(crate) use config::HttpConfig;
pub(crate) use transport::header_allowed;
pub(crate) use transport::{Hop, HopError, Live, Transport};

// The engine config may replace the system resolver (tests).
pub(crate) use dns::Lookup;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::http::Method;

use super::HostState;
use crate::bindings::bex::plugin::http as wit;
use crate::cancel::{CancelToken, Cancelled};
use crate::manifest::Network;
use crate::permits::{Permits, Refused};
use cache::{Cached, ResponseCache};
use limits::TokenBucket;
use transport::HopResponse;
use url::Url;

/// Most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 10;
/// Timeout of a request that sets none (still bounded by the deadline).
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The engine's HTTP side: where requests go, the defaults, the global
/// in-flight limit and counters, shared by every plugin.
pub(crate) struct HttpClient {
    backend: Backend,
    max_body_bytes: u64,
    /// Requests on the wire at once, across all plugins.
    in_flight: Permits,
    requests: AtomicU64,
    cache_hits: AtomicU64,
}

/// Where requests go.
enum Backend {
    /// Recordings: a plugin's own directory if it has one, else the
    /// directory for all plugins, else none (every request fails). Replay
    /// never falls back to the network.
    Replay {
        all: Arc<recording::Replay>,
        per_plugin: BTreeMap<String, Arc<recording::Replay>>,
    },
    /// The network (and a recorder, if `record_dir`): each plugin gets its
    /// own agent, see [`HttpClient::transport`].
    Live {
        settings: transport::LiveSettings,
        record_dir: Option<PathBuf>,
    },
}

/// Engine-wide HTTP counters.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HttpStats {
    /// Requests sent (each redirect hop counts), cache hits excluded.
    pub requests: u64,
    /// Requests answered from a plugin's cache.
    pub cache_hits: u64,
    /// Requests on the wire now.
    pub in_flight: u32,
    /// The most that may be on the wire at once.
    pub max_in_flight: u32,
}

/// The network settings of the engine config: the resolver, its fixed
/// answers and refused addresses, the user agent. Plugin traffic and the
/// host's own repository fetches (`crate::repo`) both use them.
pub(crate) fn live_settings(config: &HttpConfig) -> transport::LiveSettings {
    transport::LiveSettings {
        allow_private: config.allow_private_networks,
        fixed: Arc::new(config.resolve.clone()),
        user_agent: config
            .user_agent
            .clone()
            .unwrap_or_else(|| format!("bex/{}", env!("CARGO_PKG_VERSION"))),
        lookups: Arc::new(dns::Lookups::new(config.lookup.clone())),
    }
}

impl HttpClient {
    /// Builds the transport the engine config asks for.
    pub fn new(config: &HttpConfig) -> Result<HttpClient, String> {
        let replaying = config.replay_dir.is_some() || !config.replay_plugins.is_empty();
        let backend = match (replaying, &config.record_dir) {
            (true, _) => Backend::Replay {
                all: Arc::new(match &config.replay_dir {
                    Some(dir) => recording::Replay::load(dir)?,
                    None => recording::Replay::empty(),
                }),
                per_plugin: config
                    .replay_plugins
                    .iter()
                    .map(|(id, dir)| Ok((id.clone(), Arc::new(recording::Replay::load(dir)?))))
                    .collect::<Result<_, String>>()?,
            },
            (false, record_dir) => {
                if let Some(dir) = record_dir {
                    recording::Recorder::prepare(dir)?;
                }
                Backend::Live {
                    settings: live_settings(config),
                    record_dir: record_dir.clone(),
                }
            }
        };
        Ok(HttpClient {
            backend,
            max_body_bytes: config.max_body_bytes.unwrap_or(DEFAULT_MAX_HTTP_BODY_BYTES),
            in_flight: Permits::new(config.max_in_flight),
            requests: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
        })
    }

    /// A transport for one plugin. Over the network it has its own agent,
    /// so its own connection pool: one plugin's connections (and what a
    /// server learns from reusing them) never carry another's requests.
    fn transport(&self, plugin: &str) -> Box<dyn Transport> {
        match &self.backend {
            Backend::Replay { .. } => Box::new(self.replay_for(plugin).expect("replaying").clone()),
            Backend::Live {
                settings,
                record_dir,
            } => {
                let live = transport::Live::new(settings, plugin);
                match record_dir {
                    Some(dir) => Box::new(recording::Recorder::new(live, dir)),
                    None => Box::new(live),
                }
            }
        }
    }

    /// The recordings `plugin` is served from; `None` over the network.
    fn replay_for(&self, plugin: &str) -> Option<&Arc<recording::Replay>> {
        match &self.backend {
            Backend::Replay { all, per_plugin } => Some(per_plugin.get(plugin).unwrap_or(all)),
            Backend::Live { .. } => None,
        }
    }

    /// Whether `plugin`'s requests are served from recordings.
    pub fn replaying(&self, plugin: &str) -> bool {
        self.replay_for(plugin).is_some()
    }

    /// The fixed time `plugin`'s clock reads in replay (see
    /// [`recording::Replay::clock_ms`]); `None` over the network.
    pub fn replay_clock_ms(&self, plugin: &str) -> Option<u64> {
        self.replay_for(plugin).and_then(|r| r.clock_ms())
    }

    /// The counters.
    pub fn stats(&self) -> HttpStats {
        HttpStats {
            requests: self.requests.load(Ordering::Relaxed),
            cache_hits: self.cache_hits.load(Ordering::Relaxed),
            in_flight: self.in_flight.in_use(),
            max_in_flight: self.in_flight.max(),
        }
    }
}

/// One plugin's network state, shared by its calls.
pub(crate) struct PluginNet {
    client: Arc<HttpClient>,
    /// The plugin's own transport (and connection pool).
    transport: Box<dyn Transport>,
    policy: Network,
    bucket: TokenBucket,
    permits: Permits,
    cache: Mutex<ResponseCache>,
}

impl PluginNet {
    pub fn new(client: Arc<HttpClient>, plugin: &str, policy: Network) -> PluginNet {
        PluginNet {
            bucket: TokenBucket::new(policy.rate_per_minute, policy.burst_size()),
            permits: Permits::new(policy.concurrent),
            cache: Mutex::new(ResponseCache::default()),
            transport: client.transport(plugin),
            client,
            policy,
        }
    }
}

/// What happened on the network during one call; the engine reports a
/// blocked request or a transport failure as the root cause when the call
/// then fails.
#[derive(Default)]
pub(crate) struct CallNet {
    /// The first request the sandbox refused.
    pub blocked: Option<String>,
    /// The first transport failure (including a missing recording).
    pub failure: Option<String>,
    /// Requests sent (cache hits excluded).
    pub requests: u32,
}

type HttpResult = wasmtime::Result<Result<wit::Response, wit::HttpError>>;

fn method(m: wit::Method) -> Method {
    match m {
        wit::Method::Get => Method::GET,
        wit::Method::Head => Method::HEAD,
        wit::Method::Post => Method::POST,
        wit::Method::Put => Method::PUT,
        wit::Method::Delete => Method::DELETE,
        wit::Method::Patch => Method::PATCH,
        wit::Method::Options => Method::OPTIONS,
    }
}

impl HostState {
    fn blocked_host(&mut self, host: &str) -> wit::HttpError {
        let msg =
            format!("network.hosts does not allow \"{host}\" (add it to the plugin's manifest)");
        self.http.blocked.get_or_insert(msg.clone());
        wit::HttpError::BlockedHost(msg)
    }

    /// Checks `url`'s host and port against the manifest.
    fn check_allowed(&mut self, policy: &Network, url: &Url) -> Result<(), wit::HttpError> {
        let port = url.effective_port();
        if policy.allows(&url.host, port) {
            return Ok(());
        }
        if !policy.allows_name(&url.host) {
            return Err(self.blocked_host(&url.host));
        }
        let msg = format!(
            "network.hosts does not allow port {port} of \"{host}\" (a pattern without a port allows 80 and 443; add \"{host}:{port}\" to the plugin's manifest)",
            host = url.host
        );
        self.http.blocked.get_or_insert(msg.clone());
        Err(wit::HttpError::BlockedHost(msg))
    }

    fn hop_error(&mut self, e: HopError) -> wit::HttpError {
        match e {
            HopError::BlockedAddress(m) => {
                self.http.blocked.get_or_insert(m.clone());
                wit::HttpError::BlockedAddress(m)
            }
            HopError::Timeout(m) => wit::HttpError::Timeout(m),
            HopError::TooLarge(m) => wit::HttpError::TooLarge(m),
            HopError::BadRequest(m) => wit::HttpError::Network(m),
            HopError::Network(m) | HopError::Stale(m) => {
                self.http.failure.get_or_insert(m.clone());
                wit::HttpError::Network(m)
            }
        }
    }

    /// Sends one hop, `hop.timeout` being the request's own timeout. Each
    /// try is a request: it needs time left before the deadline (and gets
    /// no more than that), a rate token and a wire slot, and is counted.
    /// ureq does not retry a pooled connection the server had closed; an
    /// idempotent request gets one more try here, on those terms. A 429
    /// with a near enough `Retry-After` is retried after it ([`retry`]).
    fn exchange(&mut self, net: &PluginNet, mut hop: Hop) -> Result<HopResponse, wit::HttpError> {
        let wanted = hop.timeout;
        let mut retried = false;
        let mut busy = 0;
        let replaying = net.client.replaying(&self.env.id);
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(wit::HttpError::Timeout(
                    "the call's deadline passed before the request was sent".into(),
                ));
            }
            // One token per try and per hop: a redirect is a request too.
            if !net.bucket.try_take() {
                return Err(wit::HttpError::RateLimited(format!(
                    "the plugin's limit of {} requests per minute is used up; retry later",
                    net.policy.rate_per_minute
                )));
            }
            self.http.requests += 1;
            let result = {
                let _wire = net
                    .client
                    .in_flight
                    .acquire(self.deadline)
                    .map_err(slot_refused)?;
                net.client.requests.fetch_add(1, Ordering::Relaxed);
                hop.timeout = wanted.min(left);
                net.transport.exchange(&hop)
            };
            match result {
                Err(HopError::Stale(_))
                    if !retried && matches!(hop.method, Method::GET | Method::HEAD) =>
                {
                    retried = true;
                }
                // A recording answers the same every time: no retry.
                Ok(r) if !replaying => {
                    let Some(wait) = retry::wait_for(r.status, &r.headers, busy, self.deadline)
                    else {
                        return Ok(r);
                    };
                    busy += 1;
                    self.log.engine(
                        crate::host::log::LogLevel::Debug,
                        format!(
                            "http {} -> 429, retrying after {} ms (Retry-After)",
                            without_query(&hop.url.as_string()),
                            wait.as_millis()
                        ),
                    );
                    retry::pause(wait).map_err(|_| slot_refused(Refused::Cancelled))?;
                }
                other => return other.map_err(|e| self.hop_error(e)),
            }
        }
    }

    fn send(&mut self, req: wit::Request) -> Result<wit::Response, wit::HttpError> {
        let Some(net) = self.env.net.clone() else {
            return Err(self.blocked_host("(any host)"));
        };
        let mut url = Url::parse(&req.url).map_err(wit::HttpError::InvalidUrl)?;
        self.check_allowed(&net.policy, &url)?;
        let mut method = method(req.method);
        let is_get = method == Method::GET;
        let cache_key = url.as_string();
        let (read_cache, write_cache, allow_stale) = match req.cache_mode {
            wit::CacheMode::Normal => (true, true, false),
            wit::CacheMode::ForceCache => (true, true, true),
            wit::CacheMode::Reload => (false, true, false),
            wit::CacheMode::NoStore => (false, false, false),
        };
        if is_get && read_cache {
            let hit = net
                .cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&cache_key, allow_stale);
            if let Some(c) = hit {
                net.client.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(wit::Response {
                    status: c.status,
                    headers: c.headers,
                    body: c.body,
                    final_url: c.final_url,
                });
            }
        }
        let _permit = net.permits.acquire(self.deadline).map_err(slot_refused)?;
        let max_bytes = req
            .max_bytes
            .unwrap_or(net.client.max_body_bytes)
            .min(net.client.max_body_bytes);
        let mut headers: Vec<(String, String)> = req
            .headers
            .into_iter()
            .filter(|(k, _)| transport::header_allowed(k))
            .collect();
        let mut body = req.body;
        let wanted = req.timeout_ms.map_or(DEFAULT_REQUEST_TIMEOUT, |ms| {
            Duration::from_millis(u64::from(ms))
        });
        for hop in 0..=MAX_REDIRECTS {
            let response = self.exchange(
                &net,
                Hop {
                    method: method.clone(),
                    url: url.clone(),
                    headers: headers.clone(),
                    body: body.clone(),
                    timeout: wanted,
                    max_bytes,
                },
            )?;
            let location = response.header("location").map(str::to_string);
            let redirect = matches!(response.status, 301 | 302 | 303 | 307 | 308);
            if !(req.follow_redirects && redirect) || location.is_none() {
                if is_get
                    && write_cache
                    && response.status == 200
                    && let Some(fresh) = cache::freshness(&response.headers)
                {
                    let cached = Cached {
                        status: response.status,
                        headers: response.headers.clone(),
                        body: response.body.clone(),
                        final_url: url.as_string(),
                    };
                    net.cache
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .put(&cache_key, cached, fresh);
                }
                return Ok(wit::Response {
                    status: response.status,
                    headers: response.headers,
                    body: response.body,
                    final_url: url.as_string(),
                });
            }
            if hop == MAX_REDIRECTS {
                break;
            }
            let next = url
                .join(location.as_deref().unwrap_or_default())
                .map_err(|m| wit::HttpError::InvalidUrl(format!("redirect: {m}")))?;
            self.check_allowed(&net.policy, &next)?;
            url.check_redirect(&next)
                .map_err(|m| wit::HttpError::InvalidUrl(format!("redirect: {m}")))?;
            if next.origin() != url.origin() {
                headers.retain(|(k, _)| {
                    !k.eq_ignore_ascii_case("authorization") && !k.eq_ignore_ascii_case("cookie")
                });
            }
            let to_get = response.status == 303
                || (matches!(response.status, 301 | 302) && method == Method::POST);
            if to_get && method != Method::HEAD {
                method = Method::GET;
                body = None;
            }
            url = next;
        }
        Err(wit::HttpError::TooManyRedirects(format!(
            "more than {MAX_REDIRECTS} redirects starting from {cache_key}"
        )))
    }
}

/// `url` without its query string and fragment, for the log: queries
/// often carry keys.
fn without_query(url: &str) -> String {
    match url.find(['?', '#']) {
        Some(i) => format!("{}?…", &url[..i]),
        None => url.to_string(),
    }
    .chars()
    .take(300)
    .collect()
}

impl HostState {
    /// A debug line per request (`bex -v` shows them): method, url
    /// without its query, status, body size, time, and whether it was
    /// replayed or live.
    fn trace_request(
        &mut self,
        what: &str,
        response: &Result<wit::Response, wit::HttpError>,
        started: std::time::Instant,
    ) {
        let ms = started.elapsed().as_millis();
        let source = match &self.env.net {
            Some(net) if net.client.replaying(&self.env.id) => "replayed",
            Some(_) => "live",
            None => "refused",
        };
        let outcome = match response {
            Ok(r) => format!("{}, {} bytes", r.status, r.body.len()),
            Err(e) => format!("failed: {e:?}"),
        };
        self.log.engine(
            crate::host::log::LogLevel::Debug,
            format!("http {what} -> {outcome}, {ms} ms ({source})"),
        );
    }
}

fn slot_refused(r: Refused) -> wit::HttpError {
    match r {
        Refused::Deadline => wit::HttpError::Timeout(
            "the call's deadline passed while waiting for a free connection slot".into(),
        ),
        // The call ends with CANCELLED right after (see send_request).
        Refused::Cancelled => wit::HttpError::Network("the request was cancelled".into()),
    }
}

impl wit::Host for HostState {
    fn send_request(&mut self, req: wit::Request) -> HttpResult {
        let started = std::time::Instant::now();
        let what = format!("{} {}", method(req.method), without_query(&req.url));
        let response = self.send(req);
        self.trace_request(&what, &response, started);
        // A cancelled request ends the call here, whatever the plugin
        // would make of the error.
        if CancelToken::current_cancelled() {
            return Err(Cancelled.into());
        }
        Ok(response)
    }
}
