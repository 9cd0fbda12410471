//! One QuickJS runtime: a plugin's heap on one thread, with its limits,
//! its interrupt watch, its registered functions and the context they
//! live in. `eval` runs each script in a fresh context of the runtime;
//! `call` runs registered functions in the runtime's functions context.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::function::Rest;
use rquickjs::{CatchResultExt, CaughtError, Context, Ctx, Function, Persistent, Runtime, Value};

use super::config::{JsConfig, MAX_JS_FUNCTION_NAME, MAX_JS_FUNCTIONS};
use super::error::JsError;
use super::globals::{self, Console, Env, SavedHooks};
use super::polyfill::Native;
use super::settle::{self, Fail, Thrown};
use crate::cancel::CancelToken;

/// The file name scripts from `eval-js` carry in stack traces.
const EVAL_FILE: &str = "eval.js";
/// The file name functions from `call-js-fn` carry in stack traces.
const FUNCTION_FILE: &str = "function.js";

/// Why the interrupt handler stopped a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fired {
    Deadline,
    Cancelled,
}

/// The deadline and cancel state the interrupt handler (and long native
/// loops) look at.
pub(crate) struct Watch {
    deadline: Cell<Instant>,
    fired: Cell<Option<Fired>>,
}

impl Watch {
    /// Whether the running script must stop; remembers why.
    pub fn check(&self) -> bool {
        if self.fired.get().is_some() {
            return true;
        }
        let fired = if CancelToken::current_cancelled() {
            Fired::Cancelled
        } else if Instant::now() >= self.deadline.get() {
            Fired::Deadline
        } else {
            return false;
        };
        self.fired.set(Some(fired));
        true
    }

    pub fn fired(&self) -> Option<Fired> {
        self.fired.get()
    }
}

/// The limits of one evaluation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Time the script may run.
    pub timeout: Duration,
    /// The plugin call's deadline, when there is one.
    pub call_deadline: Option<Instant>,
    /// Heap limit of the runtime during the evaluation.
    pub memory_bytes: usize,
}

impl Limits {
    /// The defaults of `config`, with `timeout_ms` and `memory_bytes`
    /// (from `eval-js-opts`) clamped to its ceilings.
    pub fn new(
        config: &JsConfig,
        timeout_ms: Option<u64>,
        memory_bytes: Option<u64>,
        call_deadline: Option<Instant>,
    ) -> Limits {
        Limits {
            timeout: timeout_ms
                .map(|ms| Duration::from_millis(ms.max(1)).min(config.max_timeout))
                .unwrap_or(config.timeout),
            call_deadline,
            // QuickJS takes 0 as "no limit": never below 1 MiB.
            memory_bytes: memory_bytes
                .map(|b| {
                    usize::try_from(b)
                        .unwrap_or(usize::MAX)
                        .clamp(1 << 20, config.memory_bytes)
                })
                .unwrap_or(config.memory_bytes),
        }
    }
}

struct Registered {
    hash: u64,
    function: Persistent<Function<'static>>,
}

/// One plugin's QuickJS runtime on one thread. Not `Send`: it never
/// leaves the thread that made it.
pub(crate) struct JsRuntime {
    // Persistent values first: they must drop before the runtime.
    functions: HashMap<String, Registered>,
    hooks: SavedHooks,
    funcs: Context,
    rt: Runtime,
    env: Env,
    watch: Rc<Watch>,
    config: JsConfig,
    /// The limits of the evaluation running now (for messages).
    limits: Limits,
    poisoned: bool,
}

/// Options for user scripts: global code, sloppy mode (packers rely on
/// it), a fixed file name.
fn script(file: &str) -> EvalOptions {
    let mut o = EvalOptions::default();
    o.strict = false;
    o.filename = Some(file.into());
    o.backtrace_barrier = true;
    o
}

/// Hash of a function's source: a changed source recompiles.
fn source_hash(source: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    source.hash(&mut h);
    h.finish()
}

impl JsRuntime {
    /// A runtime with `config`'s limits and the globals of docs/js.md.
    pub fn new(config: &JsConfig) -> Result<JsRuntime, JsError> {
        let setup =
            |e: rquickjs::Error| JsError::OutOfMemory(format!("creating the JS runtime: {e}"));
        let rt = Runtime::new().map_err(setup)?;
        rt.set_memory_limit(config.memory_bytes);
        rt.set_max_stack_size(config.stack_bytes);
        let limits = Limits::new(config, None, None, None);
        let watch = Rc::new(Watch {
            deadline: Cell::new(Instant::now() + limits.timeout),
            fired: Cell::new(None),
        });
        let w = watch.clone();
        rt.set_interrupt_handler(Some(Box::new(move || w.check())));
        let w = watch.clone();
        let env = Env {
            console: Rc::new(RefCell::new(Console::default())),
            stop: Rc::new(move || w.check()),
            started: Instant::now(),
            native: Native::new(config.memory_bytes),
        };
        let funcs = Context::full(&rt).map_err(setup)?;
        let hooks = funcs.with(|ctx| match globals::install(&ctx, &env).catch(&ctx) {
            Ok(h) => Ok(SavedHooks::save(&ctx, h)),
            Err(e) => Err(settle::thrown(&ctx, e)),
        });
        let fired = watch.fired();
        watch.deadline.set(Instant::now());
        let hooks = hooks.map_err(|t| match fired {
            Some(_) => settle::stopped(fired, &limits),
            None => JsError::OutOfMemory(format!("setting up the JS globals: {}", t.describe())),
        })?;
        Ok(JsRuntime {
            functions: HashMap::new(),
            hooks,
            funcs,
            rt,
            env,
            watch,
            config: config.clone(),
            limits,
            poisoned: false,
        })
    }

    /// Whether the runtime must be dropped (see [`JsError::poisons`]).
    pub fn poisoned(&self) -> bool {
        self.poisoned
    }

    /// Evaluates `source` in a fresh context whose global `input` is the
    /// parsed `input`; returns the completion value (awaited if a
    /// Promise) as JSON.
    pub fn eval(
        &mut self,
        source: &str,
        input: Option<&str>,
        limits: Limits,
    ) -> Result<String, JsError> {
        self.begin(limits);
        let out = match Context::full(&self.rt) {
            Ok(context) => context.with(|ctx| self.eval_in(&ctx, source, input)),
            Err(e) => Err(Fail::Thrown(Thrown::Rust(e.to_string()))),
        };
        self.finish(out, EVAL_FILE)
    }

    fn eval_in<'js>(
        &self,
        ctx: &Ctx<'js>,
        source: &str,
        input: Option<&str>,
    ) -> Result<String, Fail> {
        let hooks = globals::install(ctx, &self.env)
            .catch(ctx)
            .map_err(|e| Fail::Thrown(settle::thrown(ctx, e)))?;
        if let Some(input) = input {
            let value = ctx.json_parse(input).catch(ctx).map_err(|e| {
                Fail::Js(JsError::InvalidInput(format!(
                    "input is not JSON: {}",
                    settle::thrown(ctx, e).describe()
                )))
            })?;
            ctx.globals()
                .set("input", value)
                .catch(ctx)
                .map_err(|e| Fail::Thrown(settle::thrown(ctx, e)))?;
        }
        let value: Value = ctx
            .eval_with_options(source, script(EVAL_FILE))
            .catch(ctx)
            .map_err(|e| Fail::Thrown(settle::thrown(ctx, e)))?;
        settle::finish(ctx, value, &hooks, &self.watch, &self.config)
    }

    /// Calls the function `name` defined by `source` (compiled once per
    /// source hash) with the JSON array `args_json`.
    pub fn call(
        &mut self,
        name: &str,
        source: &str,
        args_json: &str,
        limits: Limits,
    ) -> Result<String, JsError> {
        if name.len() > MAX_JS_FUNCTION_NAME {
            return Err(JsError::InvalidInput(format!(
                "a function name is at most {MAX_JS_FUNCTION_NAME} bytes, not {}",
                name.len()
            )));
        }
        self.begin(limits);
        let hash = source_hash(source);
        let JsRuntime {
            functions,
            hooks,
            funcs,
            watch,
            config,
            ..
        } = self;
        let out = funcs.with(|ctx| {
            let hooks = hooks
                .restore(&ctx)
                .map_err(|e| Fail::Thrown(Thrown::Rust(e.to_string())))?;
            let function = match functions.get(name) {
                Some(r) if r.hash == hash => r
                    .function
                    .clone()
                    .restore(&ctx)
                    .map_err(|e| Fail::Thrown(Thrown::Rust(e.to_string())))?,
                _ => {
                    if !functions.contains_key(name) && functions.len() >= MAX_JS_FUNCTIONS {
                        return Err(Fail::Js(JsError::InvalidInput(format!(
                            "more than {MAX_JS_FUNCTIONS} functions registered; clear some first"
                        ))));
                    }
                    let f = compile(&ctx, name, source)?;
                    let function = Persistent::save(&ctx, f.clone());
                    functions.insert(name.to_string(), Registered { hash, function });
                    f
                }
            };
            let args = ctx.json_parse(args_json).catch(&ctx).map_err(|e| {
                Fail::Js(JsError::InvalidInput(format!(
                    "args-json is not JSON: {}",
                    settle::thrown(&ctx, e).describe()
                )))
            })?;
            let Some(array) = args.as_array() else {
                return Err(Fail::Js(JsError::InvalidInput(
                    "args-json is not a JSON array".into(),
                )));
            };
            let args: Vec<Value> = array
                .iter()
                .collect::<rquickjs::Result<_>>()
                .map_err(|e| Fail::Thrown(Thrown::Rust(e.to_string())))?;
            let result = function
                .call::<_, Value>((Rest(args),))
                .catch(&ctx)
                .map_err(|e| Fail::Thrown(settle::thrown(&ctx, e)))
                .and_then(|value| settle::finish(&ctx, value, &hooks, watch, config));
            // Timers left when the result is ready do not outlive the call.
            let _ = hooks.clear_all.call::<_, ()>(());
            result
        });
        self.finish(out, FUNCTION_FILE)
            .map_err(|e| within(e, source))
    }

    /// Forgets the function `name`; returns whether this runtime had it.
    pub fn clear(&mut self, name: &str) -> bool {
        self.functions.remove(name).is_some()
    }

    /// Keeps only the functions `keep` says yes to.
    pub fn retain_functions(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.functions.retain(|name, _| keep(name));
    }

    /// Takes what the scripts wrote to the console since the last take,
    /// and how many lines were dropped over the cap.
    pub fn take_console(&self) -> Console {
        std::mem::take(&mut *self.env.console.borrow_mut())
    }

    /// The runtime's heap in use, bytes.
    pub fn heap_bytes(&self) -> u64 {
        u64::try_from(self.rt.memory_usage().malloc_size).unwrap_or(0)
    }

    fn begin(&mut self, limits: Limits) {
        let now = Instant::now();
        let mut deadline = now.checked_add(limits.timeout).unwrap_or(now);
        if let Some(d) = limits.call_deadline {
            deadline = deadline.min(d);
        }
        self.limits = limits;
        self.watch.fired.set(None);
        self.watch.deadline.set(deadline);
        self.rt.set_memory_limit(limits.memory_bytes);
    }

    fn finish(&mut self, out: Result<String, Fail>, file: &str) -> Result<String, JsError> {
        let fired = self.watch.fired();
        // Nothing runs between evaluations: a stray callback stops at once.
        self.watch.deadline.set(Instant::now());
        let error = match out {
            Ok(json) if fired.is_none() => {
                self.rt.set_memory_limit(self.config.memory_bytes);
                if self.rt.is_job_pending() {
                    self.poisoned = true;
                }
                return Ok(json);
            }
            Ok(_) => settle::stopped(fired, &self.limits),
            Err(Fail::Js(e)) => e,
            Err(Fail::Thrown(t)) => match fired {
                Some(_) => settle::stopped(fired, &self.limits),
                None => {
                    let heap = self.heap_bytes();
                    settle::classify(t, file, heap, &self.limits, self.config.stack_bytes)
                }
            },
        };
        self.rt.set_memory_limit(self.config.memory_bytes);
        // Jobs left queued would run in the next evaluation's context and
        // time: start that one from a fresh runtime instead.
        if error.poisons() || self.rt.is_job_pending() {
            self.poisoned = true;
        } else {
            self.rt.run_gc();
        }
        Err(error)
    }
}

/// A syntax error past the end of a function's source (found at the
/// closing parenthesis the host adds) points at the source's end.
fn within(e: JsError, source: &str) -> JsError {
    match e {
        JsError::Syntax { message, line, .. } if line as usize > source.lines().count().max(1) => {
            let last = source.lines().last().unwrap_or("");
            JsError::Syntax {
                message,
                line: source.lines().count().max(1) as u32,
                column: last.chars().count() as u32 + 1,
            }
        }
        other => other,
    }
}

/// Compiles a function source: an expression evaluating to a function.
fn compile<'js>(ctx: &Ctx<'js>, name: &str, source: &str) -> Result<Function<'js>, Fail> {
    // The parenthesis keeps line numbers; columns on line 1 shift by one
    // (classify takes it back).
    let value: Value = ctx
        .eval_with_options(format!("({source}\n)"), script(FUNCTION_FILE))
        .catch(ctx)
        .map_err(|e: CaughtError| Fail::Thrown(settle::thrown(ctx, e)))?;
    value.into_function().ok_or_else(|| {
        Fail::Js(JsError::InvalidInput(format!(
            "fn-source of \"{}\" does not evaluate to a function",
            name.escape_debug()
        )))
    })
}
