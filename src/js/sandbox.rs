//! [`Sandbox`]: the plugin's JavaScript, outside a plugin, for `bex js`
//! and for testing scripts.

use super::config::JsConfig;
use super::error::JsError;
use super::globals::ConsoleLevel;
use super::runtime::{JsRuntime, Limits};
use crate::cancel::CancelToken;

/// Limits of one evaluation, as `eval-js-opts` gives them; clamped to the
/// configuration's ceilings.
#[derive(Clone, Debug, Default)]
pub struct JsOptions {
    /// Time the script may run, ms (default: the configured timeout).
    pub timeout_ms: Option<u64>,
    /// Heap limit during the evaluation, bytes (default: the configured
    /// limit).
    pub memory_limit_bytes: Option<u64>,
    /// Stops the script with [`JsError::Cancelled`] when cancelled.
    pub cancel: Option<CancelToken>,
}

/// One console line a script wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleLine {
    /// Its severity.
    pub level: ConsoleLevel,
    /// Its text (not escaped: escape it before printing it to a terminal).
    pub text: String,
}

/// Exactly the JavaScript runtime, limits and globals a plugin gets
/// (docs/js.md), on the calling thread. Not `Send`: keep it on the thread
/// that made it. A runtime an evaluation poisons (timeout, cancel, out of
/// memory) is replaced before the next one.
pub struct Sandbox {
    config: JsConfig,
    runtime: Option<JsRuntime>,
    console: Vec<ConsoleLine>,
    dropped: u64,
}

impl Sandbox {
    /// A sandbox with `config`'s limits; the runtime is made on first use.
    pub fn new(config: JsConfig) -> Sandbox {
        Sandbox {
            config,
            runtime: None,
            console: Vec::new(),
            dropped: 0,
        }
    }

    fn run<R>(
        &mut self,
        options: &JsOptions,
        f: impl FnOnce(&mut JsRuntime, Limits) -> Result<R, JsError>,
    ) -> Result<R, JsError> {
        if !self.config.enabled {
            return Err(JsError::Unsupported(
                "JavaScript is turned off in this configuration".into(),
            ));
        }
        let runtime = match self.runtime.take() {
            Some(r) => r,
            None => JsRuntime::new(&self.config)?,
        };
        let runtime = self.runtime.insert(runtime);
        let limits = Limits::new(
            &self.config,
            options.timeout_ms,
            options.memory_limit_bytes,
            None,
        );
        let _entered = options.cancel.as_ref().map(CancelToken::enter);
        let out = f(runtime, limits);
        let console = runtime.take_console();
        self.dropped += console.dropped;
        self.console.extend(
            console
                .lines
                .into_iter()
                .map(|(level, text)| ConsoleLine { level, text }),
        );
        if runtime.poisoned() {
            self.runtime = None;
        }
        out
    }

    /// Evaluates `source` with the global `input` set to the parsed JSON
    /// `input`; returns the completion value as JSON (docs/js.md).
    pub fn eval(&mut self, source: &str, input: Option<&str>) -> Result<String, JsError> {
        self.eval_with(source, input, &JsOptions::default())
    }

    /// [`Sandbox::eval`] with explicit limits.
    pub fn eval_with(
        &mut self,
        source: &str,
        input: Option<&str>,
        options: &JsOptions,
    ) -> Result<String, JsError> {
        self.run(options, |rt, limits| rt.eval(source, input, limits))
    }

    /// Calls the function `name` defined by `fn_source` (compiled once
    /// per source) with the JSON array `args_json`; the result as JSON.
    pub fn call(
        &mut self,
        name: &str,
        fn_source: &str,
        args_json: &str,
    ) -> Result<String, JsError> {
        self.call_with(name, fn_source, args_json, &JsOptions::default())
    }

    /// [`Sandbox::call`] with explicit limits.
    pub fn call_with(
        &mut self,
        name: &str,
        fn_source: &str,
        args_json: &str,
        options: &JsOptions,
    ) -> Result<String, JsError> {
        self.run(options, |rt, limits| {
            rt.call(name, fn_source, args_json, limits)
        })
    }

    /// Forgets the function `name`; returns whether it existed.
    pub fn clear(&mut self, name: &str) -> bool {
        self.runtime.as_mut().is_some_and(|r| r.clear(name))
    }

    /// Takes the console lines written since the last take, and how many
    /// were dropped over the per-evaluation cap.
    pub fn take_console(&mut self) -> (Vec<ConsoleLine>, u64) {
        (
            std::mem::take(&mut self.console),
            std::mem::take(&mut self.dropped),
        )
    }
}
