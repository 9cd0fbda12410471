//! The `js` interface: the plugin's scripts run in its own QuickJS runtime
//! on the calling thread (see `crate::js`), bounded by the JS limits and
//! by the call's deadline and cancellation.

//!
//! A build without the `js` feature answers every call `unsupported`.

#[cfg(feature = "js")]
mod with_js {
    use std::time::Instant;

    use super::super::log::{LogLevel, LogSource};
    use super::super::{DeadlineExceeded, HostState};
    use crate::bindings::bex::plugin::js;
    use crate::cancel::{CancelToken, Cancelled};
    use crate::js::{ConsoleLevel, JsError, JsPool, JsRuntime, Limits};

    const NO_JS: &str = "JavaScript is not available to this plugin";

    impl From<JsError> for js::JsError {
        fn from(e: JsError) -> js::JsError {
            let detail = e.detail();
            match e {
                JsError::Unsupported(_) => js::JsError::Unsupported(detail),
                JsError::Syntax { .. } => js::JsError::Syntax(detail),
                JsError::Exception { .. } => js::JsError::Exception(detail),
                JsError::Timeout(_) => js::JsError::Timeout(detail),
                JsError::Cancelled(_) => js::JsError::Timeout(detail),
                JsError::OutOfMemory(_) => js::JsError::OutOfMemory(detail),
                JsError::InvalidInput(_) => js::JsError::InvalidInput(detail),
            }
        }
    }

    impl HostState {
        /// Runs `f` on this plugin's runtime, then passes its console lines to
        /// the call's log.
        /// A script stopped by the call's cancel or deadline ends the call
        /// (a trap classified `CANCELLED` or `TIMEOUT`), as any host wait does.
        fn with_js<R>(
            &mut self,
            f: impl FnOnce(&mut JsRuntime, &JsPool) -> Result<R, JsError>,
        ) -> wasmtime::Result<Result<R, js::JsError>> {
            let Some(pool) = self.env.js.clone() else {
                return Ok(Err(js::JsError::Unsupported(NO_JS.into())));
            };
            let mut console = None;
            let out = pool.with(&self.env.id, self.keep_js, |rt| {
                let out = f(rt, &pool);
                console = Some(rt.take_console());
                out
            });
            if let Some(console) = console {
                for (level, text) in console.lines {
                    let level = match level {
                        ConsoleLevel::Debug => LogLevel::Debug,
                        ConsoleLevel::Info => LogLevel::Info,
                        ConsoleLevel::Warn => LogLevel::Warn,
                        ConsoleLevel::Error => LogLevel::Error,
                    };
                    self.log
                        .line(level, LogSource::Plugin, &format!("js: {text}"));
                }
                if console.dropped > 0 {
                    self.log.engine_quoting(
                        LogLevel::Warn,
                        &format!(
                            "dropped {} JavaScript console lines over the cap",
                            console.dropped
                        ),
                    );
                }
            }
            if CancelToken::current_cancelled() {
                return Err(Cancelled.into());
            }
            if Instant::now() >= self.deadline {
                return Err(DeadlineExceeded.into());
            }
            Ok(out.map_err(js::JsError::from))
        }

        fn eval(
            &mut self,
            source: String,
            input: Option<String>,
            opts: Option<js::EvalOptions>,
        ) -> wasmtime::Result<Result<String, js::JsError>> {
            let deadline = self.deadline;
            self.with_js(|rt, pool| {
                let limits = Limits::new(
                    pool.config(),
                    opts.as_ref().and_then(|o| o.timeout_ms).map(u64::from),
                    opts.as_ref()
                        .and_then(|o| o.memory_limit_bytes)
                        .map(u64::from),
                    Some(deadline),
                );
                rt.eval(&source, input.as_deref(), limits)
            })
        }
    }

    impl js::Host for HostState {
        fn eval_js(
            &mut self,
            source: String,
            input: Option<String>,
        ) -> wasmtime::Result<Result<String, js::JsError>> {
            self.eval(source, input, None)
        }

        fn eval_js_opts(
            &mut self,
            source: String,
            input: Option<String>,
            opts: js::EvalOptions,
        ) -> wasmtime::Result<Result<String, js::JsError>> {
            self.eval(source, input, Some(opts))
        }

        fn call_js_fn(
            &mut self,
            name: String,
            fn_source: String,
            args_json: String,
        ) -> wasmtime::Result<Result<String, js::JsError>> {
            let deadline = self.deadline;
            let id = self.env.id.clone();
            self.with_js(|rt, pool| {
                pool.may_register(&id, &name)?;
                let limits = Limits::new(pool.config(), None, None, Some(deadline));
                let out = rt.call(&name, &fn_source, &args_json, limits);
                // A source that did not compile registers nothing.
                if !matches!(out, Err(JsError::Syntax { .. } | JsError::InvalidInput(_))) {
                    pool.register(&id, &name);
                }
                out
            })
        }

        fn clear_js_fn(&mut self, name: String) -> wasmtime::Result<bool> {
            let Some(pool) = &self.env.js else {
                return Ok(false);
            };
            let existed = pool.clear(&self.env.id, &name);
            // This thread's runtime forgets it now; others on their next use.
            pool.clear_here(&self.env.id, &name);
            Ok(existed)
        }
    }
}

#[cfg(not(feature = "js"))]
mod without_js {
    use super::super::HostState;
    use crate::bindings::bex::plugin::js;
    use crate::js::NO_JS_IN_BUILD;

    fn absent() -> wasmtime::Result<Result<String, js::JsError>> {
        Ok(Err(js::JsError::Unsupported(NO_JS_IN_BUILD.into())))
    }

    impl js::Host for HostState {
        fn eval_js(
            &mut self,
            _source: String,
            _input: Option<String>,
        ) -> wasmtime::Result<Result<String, js::JsError>> {
            absent()
        }

        fn eval_js_opts(
            &mut self,
            _source: String,
            _input: Option<String>,
            _opts: js::EvalOptions,
        ) -> wasmtime::Result<Result<String, js::JsError>> {
            absent()
        }

        fn call_js_fn(
            &mut self,
            _name: String,
            _fn_source: String,
            _args_json: String,
        ) -> wasmtime::Result<Result<String, js::JsError>> {
            absent()
        }

        fn clear_js_fn(&mut self, _name: String) -> wasmtime::Result<bool> {
            Ok(false)
        }
    }
}
