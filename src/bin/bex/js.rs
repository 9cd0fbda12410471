//! `bex js eval` and `bex js call`: a plugin's JavaScript sandbox on the
//! command line, for authors debugging a script before wiring it in.

use bex_engine::js::{ConsoleLevel, JsConfig, JsOptions, Sandbox};
use bex_engine::{Error, Result};

use crate::args::{Js, JsCommand};
use crate::output::Report;

pub fn run(js: &Js) -> Result<Report> {
    let mut sandbox = Sandbox::new(JsConfig::default());
    let outcome = match &js.command {
        JsCommand::Eval(c) => {
            let source = read(&c.file)?;
            let options = JsOptions {
                timeout_ms: c.timeout_ms,
                memory_limit_bytes: c.memory_limit_bytes,
                ..JsOptions::default()
            };
            sandbox.eval_with(&source, c.input.as_deref(), &options)
        }
        JsCommand::Call(c) => {
            let source = read(&c.file)?;
            let options = JsOptions {
                timeout_ms: c.timeout_ms,
                ..JsOptions::default()
            };
            sandbox.call_with(&c.name, &source, &c.args, &options)
        }
    };
    print_console(&mut sandbox);
    // The sandbox's JSON as is: re-parsing it would refuse the lone
    // surrogates docs/js.md promises come back escaped.
    Ok(Report::raw_json(outcome?))
}

fn read(path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    String::from_utf8(bytes)
        .map_err(|_| Error::InvalidArgument(format!("{}: not UTF-8", path.display())))
}

/// The script's console lines on stderr, control characters escaped.
fn print_console(sandbox: &mut Sandbox) {
    let (lines, dropped) = sandbox.take_console();
    for line in lines {
        let level = match line.level {
            ConsoleLevel::Debug => "debug",
            ConsoleLevel::Info => "info",
            ConsoleLevel::Warn => "warn",
            ConsoleLevel::Error => "error",
        };
        let text: String = line
            .text
            .chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().collect()
                } else {
                    c.to_string()
                }
            })
            .collect();
        eprintln!("console.{level}: {text}");
    }
    if dropped > 0 {
        eprintln!("console: {dropped} more lines dropped over the cap");
    }
}
