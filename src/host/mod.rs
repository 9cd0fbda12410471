//! What the host gives a plugin during one call: one file per interface of
//! `wit/plugin.wit`, plus WASI with nothing granted.
//!
//! A [`HostState`] lives exactly as long as one call's `Store`; everything it
//! buffers (key-value writes, log lines, stdout) is committed or emitted by
//! the engine when the call ends, and dropped with it on a trap.

pub(crate) mod http;
mod js;
pub(crate) mod kv;
pub(crate) mod log;
pub(crate) mod wasi_io;

use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::bex::plugin::{clock, rng, secrets, types};
use crate::js::JsPool;
use crate::store::Store;
use log::{CallLog, LogLevel, LogSink};

/// Most bytes one `rng.bytes` call returns.
pub const MAX_RNG_BYTES: u32 = 64 * 1024;
/// Most bytes of stdout, and of stderr, kept per call.
pub const MAX_STDIO_BYTES: usize = 256 * 1024;
/// Most handles (WASI streams and pollables, component resources) one
/// call may hold at once, in the host's resource table and in the store.
pub const MAX_CALL_HANDLES: usize = 4096;

/// The fault text of a call that hit [`MAX_CALL_HANDLES`].
pub(crate) fn too_many_handles() -> String {
    format!(
        "too many handles: a call may hold at most {MAX_CALL_HANDLES} handles (WASI streams, pollables, resources) at once; drop them when done"
    )
}

/// True when `e` is a call running out of handles.
pub(crate) fn is_out_of_handles(e: &wasmtime::Error) -> bool {
    matches!(
        e.downcast_ref::<wasmtime::component::ResourceTableError>(),
        Some(wasmtime::component::ResourceTableError::Full)
    ) || format!("{e}").contains("store handle limit exceeded")
}

/// A host call found the call's deadline passed (the host was blocked, so
/// epoch interruption could not fire). Classified as `TIMEOUT`.
#[derive(Debug)]
pub(crate) struct DeadlineExceeded;

impl std::fmt::Display for DeadlineExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the call's deadline passed while the plugin waited on the host")
    }
}

impl std::error::Error for DeadlineExceeded {}

/// Per-plugin facts the host interfaces need, shared by all its calls.
#[derive(Clone)]
pub(crate) struct PluginEnv {
    pub id: String,
    pub store: Option<Store>,
    pub storage_quota: Option<u64>,
    pub secrets: Arc<[String]>,
    pub net: Option<Arc<http::PluginNet>>,
    pub sink: LogSink,
    /// The engine's JavaScript; `None` answers `unsupported`.
    pub js: Option<Arc<JsPool>>,
    /// What `clock.now-ms` reads when fixed (replay); `None`: the real time.
    pub fixed_clock_ms: Option<u64>,
}

impl PluginEnv {
    /// An environment granting nothing (used to check components).
    pub fn sealed() -> PluginEnv {
        PluginEnv {
            id: "(check)".into(),
            store: None,
            storage_quota: None,
            secrets: Arc::from(Vec::new()),
            net: None,
            sink: LogSink::discard(),
            js: None,
            fixed_clock_ms: None,
        }
    }
}

/// Linear memory cap of one call, over all of the component's memories
/// together; remembers a refused growth so the trap that follows can be
/// reported as "memory limit".
pub(crate) struct MemoryLimiter {
    max_bytes: usize,
    /// Bytes of every memory of the call (wasmtime reports a memory's
    /// initial size as a growth from 0).
    total: usize,
    pub denied: Option<usize>,
}

impl MemoryLimiter {
    fn new(max_bytes: usize) -> MemoryLimiter {
        MemoryLimiter {
            max_bytes,
            total: 0,
            denied: None,
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = (self.total - current.min(self.total)).saturating_add(desired);
        if total > self.max_bytes {
            self.denied = Some(total);
            return Ok(false);
        }
        self.total = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

fn call_table() -> ResourceTable {
    let mut table = ResourceTable::new();
    table.set_max_capacity(MAX_CALL_HANDLES);
    table
}

/// The state of one call.
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub env: PluginEnv,
    pub deadline: Instant,
    pub limiter: MemoryLimiter,
    pub log: CallLog,
    pub stdout: MemoryOutputPipe,
    pub stderr: MemoryOutputPipe,
    pub kv: kv::KvSession,
    pub http: http::CallNet,
    /// JavaScript runtimes made during this call may be kept for later
    /// calls (the call runs on a lane worker).
    pub keep_js: bool,
}

impl HostState {
    /// State for one call of `env`'s plugin.
    pub fn new(
        env: PluginEnv,
        request_id: &str,
        deadline: Instant,
        memory_bytes: usize,
    ) -> HostState {
        let stdout = MemoryOutputPipe::new(MAX_STDIO_BYTES);
        let stderr = MemoryOutputPipe::new(MAX_STDIO_BYTES);
        // Closed stdin, no environment, no arguments, no directories, no
        // sockets: the builder's defaults grant nothing.
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .max_random_size(u64::from(MAX_RNG_BYTES))
            .build();
        HostState {
            wasi,
            table: call_table(),
            log: CallLog::new(env.sink.clone(), &env.id, request_id),
            kv: kv::KvSession::default(),
            http: http::CallNet::default(),
            keep_js: false,
            env,
            deadline,
            limiter: MemoryLimiter::new(memory_bytes),
            stdout,
            stderr,
        }
    }

    /// State granting nothing, for checking components.
    pub fn sealed() -> HostState {
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        HostState::new(PluginEnv::sealed(), "check", deadline, 256 << 20)
    }

    /// The call's resource table.
    pub(crate) fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }

    /// The WASI parts the tokio-free io views need.
    pub(crate) fn io_view(&mut self) -> wasi_io::SyncIoView<'_> {
        wasi_io::SyncIoView {
            table: &mut self.table,
            deadline: self.deadline,
        }
    }

    /// Emits captured stdout/stderr to the log; returns stderr's text for
    /// fault messages (panics print there).
    pub fn drain_stdio(&mut self) -> String {
        let out = self.stdout.contents();
        let err = self.stderr.contents();
        self.log.output(log::LogSource::Stdout, &out);
        self.log.output(log::LogSource::Stderr, &err);
        String::from_utf8_lossy(&err).into_owned()
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for HostState {}

/// Milliseconds since the Unix epoch (0 if the system clock is before it).
pub(crate) fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl clock::Host for HostState {
    fn now_ms(&mut self) -> wasmtime::Result<u64> {
        Ok(self.env.fixed_clock_ms.unwrap_or_else(wall_clock_ms))
    }

    fn monotonic(&mut self) -> wasmtime::Result<u64> {
        static START: OnceLock<Instant> = OnceLock::new();
        Ok(START.get_or_init(Instant::now).elapsed().as_nanos() as u64)
    }
}

impl rng::Host for HostState {
    fn bytes(&mut self, len: u32) -> wasmtime::Result<Vec<u8>> {
        let mut buf = vec![0u8; len.min(MAX_RNG_BYTES) as usize];
        getrandom::fill(&mut buf).map_err(|e| wasmtime::format_err!("OS random source: {e}"))?;
        Ok(buf)
    }
}

impl secrets::Host for HostState {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        if !self.env.secrets.contains(&key) {
            self.log.engine_quoting(
                LogLevel::Warn,
                &format!("secret \"{key}\" refused: the manifest does not declare it"),
            );
            return Ok(None);
        }
        let Some(store) = &self.env.store else {
            return Ok(None);
        };
        match store.secret(&self.env.id, &key) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.log
                    .engine_quoting(LogLevel::Error, &format!("reading secret \"{key}\": {e}"));
                Ok(None)
            }
        }
    }
}

impl Drop for HostState {
    /// Frees the JavaScript runtime this call made unless it is kept.
    fn drop(&mut self) {
        if let Some(pool) = &self.env.js {
            pool.end_call(&self.env.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::ResourceLimiter;

    use super::MemoryLimiter;

    #[test]
    fn the_memory_cap_holds_for_all_memories_together() {
        let mut l = MemoryLimiter::new(100);
        // Two memories of 60 each: the second does not fit.
        assert!(l.memory_growing(0, 60, None).unwrap());
        assert!(!l.memory_growing(0, 60, None).unwrap());
        assert_eq!(l.denied, Some(120));
        // Growing the first within the cap is fine; past it, refused.
        assert!(l.memory_growing(60, 100, None).unwrap());
        assert!(!l.memory_growing(100, 101, None).unwrap());
        let mut l = MemoryLimiter::new(100);
        assert!(l.memory_growing(0, 40, None).unwrap());
        assert!(l.memory_growing(0, 60, None).unwrap());
        assert!(!l.memory_growing(40, 41, None).unwrap());
    }
}
