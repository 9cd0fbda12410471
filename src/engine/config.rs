//! Engine configuration: a plain struct, built with setters whose docs say
//! the default.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::contract::Operation;
use crate::host::http::HttpConfig;
use crate::host::log::{LogRecord, LogSink};
use crate::js::JsConfig;
use crate::manifest::OperationLimits;
use crate::package::PackageLimits;
use crate::scheduler::{Lane, LaneSize};
use crate::wasm::{CodeTarget, Execution};

/// Environment variable naming the default data directory.
pub const DATA_DIR_ENV: &str = "BEX_DATA_DIR";

/// Default fuel per call: about a second of WebAssembly.
pub const DEFAULT_FUEL: u64 = 2_000_000_000;
/// Default time one repository fetch may take.
pub const DEFAULT_REPOSITORY_TIMEOUT_MS: u64 = 60_000;
/// Default wall-clock deadline per call.
pub const DEFAULT_TIMEOUT_MS: u64 = 15_000;
/// Default linear-memory limit per call, MiB.
pub const DEFAULT_MEMORY_MB: u32 = 64;
/// Default ceiling on fuel a manifest may ask for.
pub const MAX_FUEL: u64 = 20_000_000_000;
/// Default ceiling on the deadline a manifest may ask for.
pub const MAX_TIMEOUT_MS: u64 = 60_000;
/// Default ceiling on memory a manifest may ask for, MiB, on 64-bit
/// targets. Each instance slot reserves this much address space.
pub const MAX_MEMORY_MB: u32 = 256;
/// Default ceiling on memory a manifest may ask for, MiB, on 32-bit
/// targets, whose 2-4 GiB of address space the player shares.
pub const MAX_MEMORY_MB_32BIT: u32 = 64;
/// The default memory ceiling (the most a manifest may ask for, and what
/// each instance slot reserves) on a target of `pointer_bits`: 256 MiB on
/// 64-bit targets, 64 MiB on 32-bit ones, whose whole address space is
/// 2-4 GiB shared with the player.
pub(crate) fn default_memory_ceiling_mb(pointer_bits: u32) -> u32 {
    if pointer_bits >= 64 {
        MAX_MEMORY_MB
    } else {
        MAX_MEMORY_MB_32BIT
    }
}

/// Default cap on the size of a call's result.
pub const DEFAULT_MAX_RESULT_BYTES: usize = 16 * 1024 * 1024;
pub use crate::host::http::DEFAULT_MAX_HTTP_BODY_BYTES;
/// Default number of plugin calls executing at once across all lanes (the
/// execution permits); the instance pool has exactly this many slots.
pub const DEFAULT_MAX_INSTANCES: u32 = 4;
/// The longest deadline or cooldown the engine accepts (a day); longer
/// settings are lowered to it.
const MAX_DURATION_MS: u64 = 24 * 60 * 60 * 1000;
/// Default ceiling on a manifest's `network.rate_per_minute`.
pub const DEFAULT_MAX_RATE_PER_MINUTE: u32 = 6000;
/// Default ceiling on a manifest's `network.concurrent`.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: u32 = 32;
/// Default number of host HTTP requests on the wire at once, all plugins.
pub const DEFAULT_MAX_HTTP_IN_FLIGHT: u32 = 8;
/// Default consecutive faults that open a plugin's circuit breaker.
pub const DEFAULT_BREAKER_THRESHOLD: u32 = 5;
/// Default time an open breaker refuses calls before a probe.
pub const DEFAULT_BREAKER_COOLDOWN_MS: u64 = 30_000;
/// Default lane sizes: Control 1 worker, User 4, Background 2.
pub const DEFAULT_LANES: [LaneSize; 3] = [
    LaneSize {
        workers: 1,
        capacity: 64,
    },
    LaneSize {
        workers: 4,
        capacity: 256,
    },
    LaneSize {
        workers: 2,
        capacity: 256,
    },
];

/// How to open an [`Engine`](crate::Engine).
#[derive(Clone)]
pub struct EngineConfig {
    pub(crate) data_dir: PathBuf,
    pub(crate) package_limits: PackageLimits,
    pub(crate) allow_unsigned_packages: bool,
    pub(crate) repository_timeout: Duration,
    pub(crate) defaults: OperationLimits,
    pub(crate) per_operation: BTreeMap<Operation, OperationLimits>,
    pub(crate) ceilings: OperationLimits,
    pub(crate) max_result_bytes: usize,
    /// Ceilings on a manifest's network rate and concurrency.
    pub(crate) max_rate_per_minute: u32,
    pub(crate) max_concurrent_requests: u32,
    pub(crate) max_instances: u32,
    pub(crate) execution: Option<Execution>,
    pub(crate) lanes: [LaneSize; 3],
    pub(crate) breaker_threshold: u32,
    pub(crate) breaker_cooldown: Duration,
    pub(crate) epoch_tick: Duration,
    pub(crate) http: HttpConfig,
    pub(crate) log_sink: LogSink,
    pub(crate) js: JsConfig,
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("data_dir", &self.data_dir)
            .field("allow_unsigned_packages", &self.allow_unsigned_packages)
            .field("defaults", &self.defaults)
            .field("ceilings", &self.ceilings)
            .field("max_instances", &self.max_instances)
            .field("execution", &self.execution)
            .field("lanes", &self.lanes)
            .field("breaker_threshold", &self.breaker_threshold)
            .field("breaker_cooldown", &self.breaker_cooldown)
            .field("http", &self.http)
            .field("js", &self.js)
            .finish_non_exhaustive()
    }
}

impl EngineConfig {
    /// A configuration using `data_dir` for the store, with safe defaults
    /// for everything else.
    pub fn new(data_dir: impl Into<PathBuf>) -> EngineConfig {
        EngineConfig {
            data_dir: data_dir.into(),
            package_limits: PackageLimits::default(),
            allow_unsigned_packages: false,
            repository_timeout: Duration::from_millis(DEFAULT_REPOSITORY_TIMEOUT_MS),
            defaults: OperationLimits {
                fuel: Some(DEFAULT_FUEL),
                timeout_ms: Some(DEFAULT_TIMEOUT_MS),
                memory_mb: Some(DEFAULT_MEMORY_MB),
            },
            per_operation: BTreeMap::new(),
            ceilings: OperationLimits {
                fuel: Some(MAX_FUEL),
                timeout_ms: Some(MAX_TIMEOUT_MS),
                // Per pointer width, see `memory_ceiling_mb`.
                memory_mb: None,
            },
            max_result_bytes: DEFAULT_MAX_RESULT_BYTES,
            max_rate_per_minute: DEFAULT_MAX_RATE_PER_MINUTE,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            max_instances: DEFAULT_MAX_INSTANCES,
            execution: None,
            lanes: DEFAULT_LANES,
            breaker_threshold: DEFAULT_BREAKER_THRESHOLD,
            breaker_cooldown: Duration::from_millis(DEFAULT_BREAKER_COOLDOWN_MS),
            epoch_tick: Duration::from_millis(10),
            http: HttpConfig {
                allow_private_networks: false,
                resolve: BTreeMap::new(),
                record_dir: None,
                replay_dir: None,
                replay_plugins: BTreeMap::new(),
                max_body_bytes: None,
                user_agent: None,
                max_in_flight: DEFAULT_MAX_HTTP_IN_FLIGHT,
                lookup: Default::default(),
            },
            log_sink: LogSink::discard(),
            js: JsConfig::default(),
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Caps applied to packages on install.
    /// Defaults to [`PackageLimits::default`] (64 MiB components, 8 MiB zstd
    /// windows).
    pub fn package_limits(mut self, limits: PackageLimits) -> Self {
        self.package_limits = limits;
        self
    }

    /// Limits for every operation that neither [`Self::operation_limits`]
    /// nor the plugin's manifest sets. Unset fields keep their default.
    /// Defaults to [`DEFAULT_FUEL`] fuel, [`DEFAULT_TIMEOUT_MS`] and
    /// [`DEFAULT_MEMORY_MB`].
    pub fn default_limits(mut self, limits: OperationLimits) -> Self {
        self.defaults = limits.or(self.defaults);
        self
    }

    /// Limits for one operation, over [`Self::default_limits`]; a manifest
    /// may still override them within the ceilings.
    /// Defaults to none (the default limits apply).
    pub fn operation_limits(mut self, op: Operation, limits: OperationLimits) -> Self {
        self.per_operation.insert(op, limits);
        self
    }

    /// The most a manifest may ask for; larger requests are lowered to this.
    /// Unset fields keep their default. The memory ceiling is also what
    /// each instance slot reserves, and it changes generated code: it is
    /// part of the profile precompiled artifacts are made for.
    /// Defaults to [`MAX_FUEL`], [`MAX_TIMEOUT_MS`] and [`MAX_MEMORY_MB`]
    /// ([`MAX_MEMORY_MB_32BIT`] on 32-bit targets).
    pub fn ceilings(mut self, limits: OperationLimits) -> Self {
        self.ceilings = limits.or(self.ceilings);
        // Deadlines are instants: keep them representable.
        self.ceilings.timeout_ms = self.ceilings.timeout_ms.map(|t| t.min(MAX_DURATION_MS));
        self
    }

    /// Largest result a call may return, as the host measures it while
    /// lifting and as JSON; larger results fail with `PLUGIN_FAULT`.
    /// Defaults to [`DEFAULT_MAX_RESULT_BYTES`] (16 MiB).
    pub fn max_result_bytes(mut self, bytes: usize) -> Self {
        self.max_result_bytes = bytes.max(1024);
        self
    }

    /// The most a manifest's `network.rate_per_minute` and
    /// `network.concurrent` get (a manifest may ask up to 600,000 and 256):
    /// higher asks are lowered to these, with a warning in the log when the
    /// plugin loads. Defaults to [`DEFAULT_MAX_RATE_PER_MINUTE`] (6000) and
    /// [`DEFAULT_MAX_CONCURRENT_REQUESTS`] (32); raise them for a trusted
    /// local source or a benchmark. Each is at least 1.
    pub fn network_ceilings(mut self, rate_per_minute: u32, concurrent: u32) -> Self {
        self.max_rate_per_minute = rate_per_minute.max(1);
        self.max_concurrent_requests = concurrent.max(1);
        self
    }

    /// Plugin calls that may execute at once across all lanes (the global
    /// execution permits). The instance pool gets exactly this many slots,
    /// so a call holding a permit always finds one; each reserves the
    /// memory ceiling of address space. Calls beyond it wait for a permit
    /// (cancellable, bounded by their timeout). A pool that cannot fit the
    /// address space (at most 1 GiB on 32-bit targets) is refused at open
    /// with `INVALID_ARGUMENT`.
    /// Defaults to [`DEFAULT_MAX_INSTANCES`] (4).
    pub fn max_instances(mut self, n: u32) -> Self {
        self.max_instances = n.max(1);
        self
    }

    /// How plugins run: native code compiled by Cranelift, or the Pulley
    /// interpreter (docs/porting.md). [`Engine::open`](crate::Engine::open)
    /// refuses a strategy this build or machine lacks. Compiled artifacts
    /// are kept per strategy.
    /// Defaults to [`Execution::Native`] where Cranelift has a backend
    /// (x86_64, aarch64, riscv64, s390x), else [`Execution::Pulley`].
    pub fn execution(mut self, execution: Execution) -> Self {
        self.execution = Some(execution);
        self
    }

    /// The strategy plugins run with here: the one set, else the default.
    pub fn execution_or_default(&self) -> Execution {
        self.execution.unwrap_or_else(Execution::host_default)
    }

    /// The memory ceiling in MiB on `target`: the one set, else the
    /// default for its pointer width.
    pub(crate) fn memory_ceiling_mb(&self, target: &CodeTarget) -> u32 {
        self.ceilings
            .memory_mb
            .unwrap_or_else(|| default_memory_ceiling_mb(target.pointer_bits()))
    }

    /// Worker threads and queue capacity of `lane` (each at least 1).
    /// Defaults to [`DEFAULT_LANES`]: Control 1 worker and 64 queued, User 4
    /// and 256, Background 2 and 256.
    pub fn lane(mut self, lane: Lane, size: LaneSize) -> Self {
        self.lanes[lane as usize] = size;
        self
    }

    /// Host HTTP requests that may be on the wire at once, all plugins
    /// together (each plugin's `network.concurrent` still applies).
    /// Defaults to [`DEFAULT_MAX_HTTP_IN_FLIGHT`] (8).
    pub fn max_http_in_flight(mut self, n: u32) -> Self {
        self.http.max_in_flight = n.max(1);
        self
    }

    /// The circuit breaker: after `threshold` consecutive faults (traps,
    /// timeouts, fuel exhaustion) a plugin's calls fail fast with
    /// `CIRCUIT_OPEN` for `cooldown`, then one probe call decides whether
    /// it closes again. A threshold of 0 turns the breaker off.
    /// Defaults to [`DEFAULT_BREAKER_THRESHOLD`] (5) and
    /// [`DEFAULT_BREAKER_COOLDOWN_MS`] (30 s).
    pub fn circuit_breaker(mut self, threshold: u32, cooldown: Duration) -> Self {
        self.breaker_threshold = threshold;
        self.breaker_cooldown = cooldown.min(Duration::from_millis(MAX_DURATION_MS));
        self
    }

    /// Granularity of deadlines: how often the epoch ticker runs.
    /// Defaults to 10 ms.
    pub fn epoch_tick(mut self, tick: Duration) -> Self {
        self.epoch_tick = tick.max(Duration::from_millis(1));
        self
    }

    /// Accepts packages without a signature. A player ships with this off
    /// and installs only signed packages; the CLI, tests and a plugin
    /// author's own machine turn it on. Either way a plugin stays pinned
    /// to its first publisher (docs/distribution.md).
    /// Defaults to false: unsigned packages are refused with
    /// `SIGNATURE_REQUIRED`.
    pub fn allow_unsigned_packages(mut self, allow: bool) -> Self {
        self.allow_unsigned_packages = allow;
        self
    }

    /// How long one repository fetch (an index, a package) may take, from
    /// the request to the last byte.
    /// Defaults to [`DEFAULT_REPOSITORY_TIMEOUT_MS`] (60 s).
    pub fn repository_timeout(mut self, timeout: Duration) -> Self {
        self.repository_timeout = timeout.min(Duration::from_millis(MAX_DURATION_MS));
        self
    }

    /// Lets plugins reach loopback, private, link-local and other
    /// non-public addresses, and return urls that name them (or
    /// `localhost` and other local names) to the player. Only for tests
    /// and trusted local setups.
    /// Defaults to false.
    pub fn allow_private_networks(mut self, allow: bool) -> Self {
        self.http.allow_private_networks = allow;
        self
    }

    /// Resolves `host` to `addrs` instead of asking DNS (like curl's
    /// `--resolve`); the addresses are still checked.
    /// Defaults to none.
    pub fn resolve(mut self, host: &str, addrs: &[IpAddr]) -> Self {
        self.http
            .resolve
            .insert(host.to_ascii_lowercase(), addrs.to_vec());
        self
    }

    /// Looks host names up with `lookup` (host, port) instead of the system
    /// resolver; the answers are still checked. For tests: a resolver
    /// that is slow or never answers.
    /// Defaults to the system resolver.
    #[doc(hidden)]
    pub fn dns_lookup(
        mut self,
        lookup: impl Fn(&str, u16) -> std::io::Result<Vec<std::net::SocketAddr>> + Send + Sync + 'static,
    ) -> Self {
        self.http.lookup = crate::host::http::Lookup(Arc::new(lookup));
        self
    }

    /// Saves every HTTP exchange to `dir` (see docs/recording.md).
    /// Defaults to none.
    pub fn record_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.http.record_dir = Some(dir.into());
        self
    }

    /// Serves HTTP only from recordings in `dir` and never touches the
    /// network; a request with no recording fails with `NETWORK`.
    /// Defaults to none.
    pub fn replay_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.http.replay_dir = Some(dir.into());
        self
    }

    /// Serves plugin `id`'s HTTP only from recordings in `dir` (and its
    /// clock from theirs), over [`Self::replay_dir`]: a player replaying
    /// several plugins, each recorded on its own day. Once any replay
    /// directory is set, no plugin reaches the network; one without
    /// recordings fails every request with `NETWORK`.
    /// Defaults to none.
    pub fn replay_dir_for(mut self, id: &str, dir: impl Into<PathBuf>) -> Self {
        self.http.replay_plugins.insert(id.to_string(), dir.into());
        self
    }

    /// Cap on an HTTP response body when the plugin sets none.
    /// Defaults to [`DEFAULT_MAX_HTTP_BODY_BYTES`] (8 MiB).
    pub fn max_http_body_bytes(mut self, bytes: u64) -> Self {
        self.http.max_body_bytes = Some(bytes);
        self
    }

    /// User-Agent sent when a plugin sets none.
    /// Defaults to `bex/<version>`.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.http.user_agent = Some(agent.into());
        self
    }

    /// Where plugin log lines, captured stdout/stderr and engine
    /// diagnostics go. Called from the thread running the call.
    /// Defaults to discarding them.
    pub fn log_sink(mut self, sink: impl Fn(&LogRecord) + Send + Sync + 'static) -> Self {
        self.log_sink = LogSink::new(Arc::new(sink));
        self
    }

    /// The host's JavaScript: limits, runtimes kept per plugin, idle
    /// eviction, or off (docs/js.md). Defaults to [`JsConfig::default`].
    pub fn js(mut self, js: JsConfig) -> Self {
        self.js = js;
        self
    }
}

/// The default data directory: `$BEX_DATA_DIR`, else the platform's data
/// directory (`$XDG_DATA_HOME/bex`, `~/.local/share/bex`,
/// `~/Library/Application Support/bex`, `%APPDATA%\bex`). `None` if none of
/// those can be found.
pub fn default_data_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env(DATA_DIR_ENV) {
        return Some(dir);
    }
    if cfg!(windows) {
        return env("APPDATA").map(|d| d.join("bex"));
    }
    if cfg!(target_os = "macos") {
        return env("HOME").map(|h| h.join("Library/Application Support/bex"));
    }
    env("XDG_DATA_HOME")
        .map(|d| d.join("bex"))
        .or_else(|| env("HOME").map(|h| h.join(".local/share/bex")))
}
