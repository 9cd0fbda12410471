//! [`JsConfig`]: the limits and pool settings of the host's QuickJS.

use std::time::Duration;

/// Default heap limit of one JavaScript runtime (one per plugin and
/// thread): 32 MiB.
pub const DEFAULT_JS_MEMORY_BYTES: usize = 32 << 20;
/// Default stack limit of JavaScript: 512 KiB.
pub const DEFAULT_JS_STACK_BYTES: usize = 512 << 10;
/// Default time one `eval-js` or `call-js-fn` may run: 2 s (always also
/// bounded by the plugin call's own deadline).
pub const DEFAULT_JS_TIMEOUT_MS: u64 = 2_000;
/// Default ceiling on `eval-js-opts`' `timeout-ms`: 10 s.
pub const MAX_JS_TIMEOUT_MS: u64 = 10_000;
/// Default number of runtimes a plugin keeps between calls, all threads
/// together.
pub const DEFAULT_JS_RUNTIMES_PER_PLUGIN: usize = 4;
/// Default idle time after which a kept runtime is freed: 5 minutes.
pub const DEFAULT_JS_IDLE_MS: u64 = 5 * 60 * 1000;
/// Default cap on Promise jobs (microtasks) one evaluation may run.
pub const DEFAULT_JS_MAX_JOBS: u64 = 100_000;
/// Default cap on timer callbacks one evaluation may run.
pub const DEFAULT_JS_MAX_TIMERS: u64 = 10_000;
/// Most functions one plugin may keep registered with `call-js-fn`.
pub const MAX_JS_FUNCTIONS: usize = 256;
/// Longest name of a `call-js-fn` function, in bytes: with
/// [`MAX_JS_FUNCTIONS`], what a plugin's names can hold on the host.
pub const MAX_JS_FUNCTION_NAME: usize = 128;
/// The longest duration a setting takes (a day); longer ones are lowered.
const MAX_SETTING: Duration = Duration::from_secs(24 * 60 * 60);
/// How often idle runtimes are looked for, at most (and by default).
pub const JS_SWEEP_INTERVAL: Duration = Duration::from_secs(30);

/// Settings of the host's QuickJS (part of
/// [`EngineConfig`](crate::EngineConfig), or given to a
/// [`Sandbox`](crate::js::Sandbox) directly). Built with setters whose docs
/// say the default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsConfig {
    pub(crate) enabled: bool,
    pub(crate) memory_bytes: usize,
    pub(crate) stack_bytes: usize,
    pub(crate) timeout: Duration,
    pub(crate) max_timeout: Duration,
    pub(crate) runtimes_per_plugin: usize,
    pub(crate) idle: Duration,
    pub(crate) sweep: Duration,
    pub(crate) max_jobs: u64,
    pub(crate) max_timers: u64,
}

impl Default for JsConfig {
    fn default() -> JsConfig {
        JsConfig {
            enabled: true,
            memory_bytes: DEFAULT_JS_MEMORY_BYTES,
            stack_bytes: DEFAULT_JS_STACK_BYTES,
            timeout: Duration::from_millis(DEFAULT_JS_TIMEOUT_MS),
            max_timeout: Duration::from_millis(MAX_JS_TIMEOUT_MS),
            runtimes_per_plugin: DEFAULT_JS_RUNTIMES_PER_PLUGIN,
            idle: Duration::from_millis(DEFAULT_JS_IDLE_MS),
            sweep: JS_SWEEP_INTERVAL,
            max_jobs: DEFAULT_JS_MAX_JOBS,
            max_timers: DEFAULT_JS_MAX_TIMERS,
        }
    }
}

impl JsConfig {
    /// Whether plugins get JavaScript at all; when off, every `js` call
    /// answers `unsupported`. Default: on.
    pub fn enabled(mut self, on: bool) -> JsConfig {
        self.enabled = on;
        self
    }

    /// Heap limit of one runtime, and the ceiling of `eval-js-opts`'
    /// `memory-limit-bytes`. Default [`DEFAULT_JS_MEMORY_BYTES`]; at least
    /// 1 MiB.
    pub fn memory_bytes(mut self, bytes: usize) -> JsConfig {
        self.memory_bytes = bytes.max(1 << 20);
        self
    }

    /// Stack limit of JavaScript. Default [`DEFAULT_JS_STACK_BYTES`];
    /// between 64 KiB and 1 MiB. The thread running the call needs this
    /// much stack free beyond the plugin's own (lane workers have 4 MiB).
    pub fn stack_bytes(mut self, bytes: usize) -> JsConfig {
        self.stack_bytes = bytes.clamp(64 << 10, 1 << 20);
        self
    }

    /// Time one evaluation may run when the plugin does not say. Default
    /// [`DEFAULT_JS_TIMEOUT_MS`]; at least 1 ms, at most the ceiling.
    pub fn timeout(mut self, timeout: Duration) -> JsConfig {
        self.timeout = timeout.clamp(Duration::from_millis(1), MAX_SETTING);
        self.max_timeout = self.max_timeout.max(self.timeout);
        self
    }

    /// Ceiling on `eval-js-opts`' `timeout-ms`. Default
    /// [`MAX_JS_TIMEOUT_MS`]. Every evaluation also ends at the plugin
    /// call's deadline.
    pub fn max_timeout(mut self, timeout: Duration) -> JsConfig {
        self.max_timeout = timeout.clamp(Duration::from_millis(1), MAX_SETTING);
        self.timeout = self.timeout.min(self.max_timeout);
        self
    }

    /// Runtimes one plugin keeps between calls, all threads together.
    /// A call on a thread with no kept runtime when the plugin already
    /// keeps this many gets one for the call alone. Default
    /// [`DEFAULT_JS_RUNTIMES_PER_PLUGIN`].
    pub fn runtimes_per_plugin(mut self, n: usize) -> JsConfig {
        self.runtimes_per_plugin = n;
        self
    }

    /// Idle time after which a kept runtime is freed (looked for at most
    /// every 30 s). Default [`DEFAULT_JS_IDLE_MS`].
    pub fn idle_timeout(mut self, idle: Duration) -> JsConfig {
        self.idle = idle.min(MAX_SETTING);
        self
    }

    /// How often idle runtimes are looked for: each lane worker looks when
    /// it has waited this long for work, and before a JavaScript use when
    /// it last looked this long ago. Default and most
    /// [`JS_SWEEP_INTERVAL`] (30 s); at least 1 ms.
    pub fn sweep_interval(mut self, every: Duration) -> JsConfig {
        self.sweep = every.clamp(Duration::from_millis(1), JS_SWEEP_INTERVAL);
        self
    }

    /// Cap on Promise jobs one evaluation may run. Default
    /// [`DEFAULT_JS_MAX_JOBS`].
    pub fn max_jobs(mut self, n: u64) -> JsConfig {
        self.max_jobs = n.max(1);
        self
    }

    /// Cap on timer callbacks one evaluation may run. Default
    /// [`DEFAULT_JS_MAX_TIMERS`].
    pub fn max_timers(mut self, n: u64) -> JsConfig {
        self.max_timers = n.max(1);
        self
    }
}
