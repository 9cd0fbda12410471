//! Printing results: human text by default, stable JSON with `--json`.

use std::io::Write;

use bex_engine::Error;

/// What a command produced: a JSON value for `--json`, and text for people.
pub struct Report {
    pub json: serde_json::Value,
    pub text: String,
    /// Print `--json` output on one line (call results can be large).
    pub compact: bool,
    /// JSON text printed as is in both modes (a script's result, which
    /// may hold lone surrogates that `serde_json` cannot represent).
    pub raw: Option<String>,
}

impl Report {
    pub fn new(json: serde_json::Value, text: impl Into<String>) -> Report {
        Report {
            json,
            text: text.into(),
            compact: false,
            raw: None,
        }
    }

    /// A report that is JSON text already, printed unchanged.
    pub fn raw_json(json: String) -> Report {
        Report {
            json: serde_json::Value::Null,
            text: String::new(),
            compact: true,
            raw: Some(json),
        }
    }

    pub fn compact(mut self) -> Report {
        self.compact = true;
        self
    }
}

pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Output {
        Output { json }
    }

    pub fn success(&self, report: &Report) {
        let mut stdout = std::io::stdout().lock();
        let _ = if let Some(raw) = &report.raw {
            writeln!(stdout, "{raw}")
        } else if self.json && report.compact {
            writeln!(stdout, "{}", report.json)
        } else if self.json {
            writeln!(
                stdout,
                "{}",
                serde_json::to_string_pretty(&report.json).unwrap_or_default()
            )
        } else if report.text.is_empty() {
            Ok(())
        } else {
            writeln!(stdout, "{}", report.text.trim_end())
        };
    }

    /// Errors go to stderr: `error[CODE]: message`, or a JSON object.
    pub fn failure(&self, e: &Error) {
        let code = e.code();
        let mut stderr = std::io::stderr().lock();
        let _ = if self.json {
            let v = serde_json::json!({
                "error": { "code": code.name(), "number": code.number(), "message": e.to_string() }
            });
            writeln!(stderr, "{v}")
        } else {
            writeln!(stderr, "error[{code}]: {e}")
        };
    }
}
