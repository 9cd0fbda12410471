//! Installs the web globals into a fresh context: the polyfills backed by
//! Rust (`polyfill/`) and the JS-only ones (`globals.js`), and hands back
//! the hooks the host drives.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use rquickjs::context::EvalOptions;
use rquickjs::{Ctx, Function, Object, Persistent};

use super::polyfill::{self, Native, Stop};

/// `navigator.userAgent`.
pub const USER_AGENT: &str = "Mozilla/5.0 (compatible; BEX QuickJS)";
/// Most console lines kept per evaluation; the rest are counted.
pub const MAX_CONSOLE_LINES: usize = 200;
/// Most console bytes kept per evaluation.
pub const MAX_CONSOLE_BYTES: usize = 64 * 1024;

/// Severity of a console line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsoleLevel {
    /// `console.debug`, `console.trace`.
    Debug,
    /// `console.log`, `console.info` and the rest.
    Info,
    /// `console.warn`.
    Warn,
    /// `console.error`, a failed `console.assert`.
    Error,
}

/// What the script wrote to the console, bounded; the host passes it on
/// to the plugin's log after each evaluation.
#[derive(Debug, Default)]
pub(crate) struct Console {
    pub lines: Vec<(ConsoleLevel, String)>,
    bytes: usize,
    pub dropped: u64,
}

impl Console {
    fn push(&mut self, level: &str, text: String) {
        if self.lines.len() >= MAX_CONSOLE_LINES || self.bytes + text.len() > MAX_CONSOLE_BYTES {
            self.dropped += 1;
            return;
        }
        let level = match level {
            "debug" => ConsoleLevel::Debug,
            "warn" => ConsoleLevel::Warn,
            "error" => ConsoleLevel::Error,
            _ => ConsoleLevel::Info,
        };
        self.bytes += text.len();
        self.lines.push((level, text));
    }
}

/// What every context of a runtime shares with the host.
#[derive(Clone)]
pub(crate) struct Env {
    pub console: Rc<RefCell<Console>>,
    pub stop: Stop,
    pub started: Instant,
    /// Rust-side bytes of URLs and keys, counted against the heap limit.
    pub native: Native,
}

/// The hooks `globals.js` returns, for one context.
pub(crate) struct Hooks<'js> {
    /// Runs the next due timer; returns whether there was one.
    pub run_next: Function<'js>,
    /// Drops every pending timer.
    pub clear_all: Function<'js>,
    /// The `JSON.stringify` replacer of results (BigInt as a string).
    pub replacer: Function<'js>,
}

/// [`Hooks`] kept across `with` scopes (for the functions context).
pub(crate) struct SavedHooks {
    run_next: Persistent<Function<'static>>,
    clear_all: Persistent<Function<'static>>,
    replacer: Persistent<Function<'static>>,
}

impl SavedHooks {
    pub fn save<'js>(ctx: &Ctx<'js>, hooks: Hooks<'js>) -> SavedHooks {
        SavedHooks {
            run_next: Persistent::save(ctx, hooks.run_next),
            clear_all: Persistent::save(ctx, hooks.clear_all),
            replacer: Persistent::save(ctx, hooks.replacer),
        }
    }

    pub fn restore<'js>(&self, ctx: &Ctx<'js>) -> rquickjs::Result<Hooks<'js>> {
        Ok(Hooks {
            run_next: self.run_next.clone().restore(ctx)?,
            clear_all: self.clear_all.clone().restore(ctx)?,
            replacer: self.replacer.clone().restore(ctx)?,
        })
    }
}

/// Evaluation options for host-internal scripts.
fn internal(name: &str) -> EvalOptions {
    let mut o = EvalOptions::default();
    o.strict = true;
    o.filename = Some(name.into());
    o
}

/// Defines every global of docs/js.md in `ctx`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, env: &Env) -> rquickjs::Result<Hooks<'js>> {
    polyfill::install_dom(ctx)?;
    polyfill::text::install(ctx)?;
    polyfill::base64::install(ctx)?;
    polyfill::url::install(ctx, &env.native)?;
    polyfill::crypto::install(ctx, env.stop.clone(), &env.native)?;
    let natives = Object::new(ctx.clone())?;
    let console = env.console.clone();
    natives.set(
        "log",
        Function::new(ctx.clone(), move |level: String, text: String| {
            console.borrow_mut().push(&level, text);
        })?,
    )?;
    let started = env.started;
    natives.set(
        "now",
        Function::new(ctx.clone(), move || {
            started.elapsed().as_secs_f64() * 1000.0
        })?,
    )?;
    natives.set("userAgent", USER_AGENT)?;
    let glue: Function =
        ctx.eval_with_options(include_str!("globals.js"), internal("globals.js"))?;
    let hooks: Object = glue.call((natives,))?;
    Ok(Hooks {
        run_next: hooks.get("runNext")?,
        clear_all: hooks.get("clearAll")?,
        replacer: hooks.get("replacer")?,
    })
}
