//! `bex:plugin/log`, and the engine's log sink: plugin log lines, captured
//! stdout/stderr and engine diagnostics, each tagged with the plugin id and
//! the request id, with a per-call cap on lines and bytes.
//!
//! Every message is escaped by [`escape`] before it reaches the sink, so
//! plugin text cannot break a line, move the cursor, recolour a terminal or
//! reorder what a reader sees. Lines that carry plugin text (the plugin's
//! own lines, its stdout and stderr, and engine lines quoting what it asked
//! for) count against the per-call cap; the few engine lines about the call
//! itself (its outcome, the dropped-lines count) do not.

use std::fmt;
use std::sync::Arc;

use crate::bindings::bex::plugin::log as wit;

/// Most log lines one call may emit; later lines are counted and dropped.
pub const MAX_LOG_LINES_PER_CALL: usize = 256;
/// Most log bytes one call may emit.
pub const MAX_LOG_BYTES_PER_CALL: usize = 64 * 1024;
/// Longest single log line kept; longer lines are cut.
pub const MAX_LOG_LINE_BYTES: usize = 4096;

/// Severity of a log record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Very detailed tracing.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected that was handled.
    Warn,
    /// A failure.
    Error,
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        })
    }
}

/// Where a log record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogSource {
    /// The plugin's `log` interface.
    Plugin,
    /// The plugin's stdout.
    Stdout,
    /// The plugin's stderr (panic messages land here).
    Stderr,
    /// The engine, about this call.
    Engine,
}

impl fmt::Display for LogSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogSource::Plugin => "log",
            LogSource::Stdout => "stdout",
            LogSource::Stderr => "stderr",
            LogSource::Engine => "engine",
        })
    }
}

/// One log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    /// Severity.
    pub level: LogLevel,
    /// Origin.
    pub source: LogSource,
    /// The plugin the line is about.
    pub plugin: String,
    /// The call it belongs to.
    pub request_id: String,
    /// The text, at most [`MAX_LOG_LINE_BYTES`], with control, bidi and
    /// zero-width characters escaped (`\n`, `\u{1b}`, `\u{202e}`).
    pub message: String,
}

/// `[level plugin request source] message`, on one line: the engine
/// escapes every field when it makes the record (see [`escape`]).
impl fmt::Display for LogRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{} {} {} {}] {}",
            self.level, self.plugin, self.request_id, self.source, self.message
        )
    }
}

/// Whether `c` is escaped: C0 and C1 controls and DEL (`Cc`), the line
/// and paragraph separators U+2028 and U+2029, and every invisible
/// character (`crate::invisible`: format characters such as bidi controls
/// and zero-width ones, Hangul fillers, variation selectors).
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || crate::invisible::is_invisible(c)
}

/// `text` with every character [`needs_escape`] picks written as Rust
/// writes it in a string literal: `\n`, `\r`, `\t`, otherwise `\u{hex}`
/// (ESC is `\u{1b}`). Backslashes are kept as they are, so escaping twice
/// changes nothing. The result is at most `max` bytes, cut between escapes.
pub(crate) fn escape(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let escaped;
        let piece: &str = match c {
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if needs_escape(c) => {
                escaped = format!("\\u{{{:x}}}", c as u32);
                &escaped
            }
            c => c.encode_utf8(&mut buf),
        };
        if out.len() + piece.len() > max {
            break;
        }
        out.push_str(piece);
    }
    out
}

type SinkFn = dyn Fn(&LogRecord) + Send + Sync;

/// Where log records go. Cheap to clone.
#[derive(Clone)]
pub(crate) struct LogSink(Option<Arc<SinkFn>>);

impl LogSink {
    pub fn new(f: Arc<SinkFn>) -> LogSink {
        LogSink(Some(f))
    }

    pub fn discard() -> LogSink {
        LogSink(None)
    }

    pub fn emit(&self, record: &LogRecord) {
        if let Some(f) = &self.0 {
            f(record);
        }
    }
}

/// One call's logger: tags lines and enforces the per-call cap.
pub(crate) struct CallLog {
    sink: LogSink,
    plugin: String,
    request_id: String,
    lines: usize,
    bytes: usize,
    dropped: usize,
}

impl CallLog {
    pub fn new(sink: LogSink, plugin: &str, request_id: &str) -> CallLog {
        CallLog {
            sink,
            // Ids come from the player or the manifest: escaped once here,
            // like every message, so the record prints safely as it is.
            plugin: escape(plugin, MAX_LOG_LINE_BYTES),
            request_id: escape(request_id, MAX_LOG_LINE_BYTES),
            lines: 0,
            bytes: 0,
            dropped: 0,
        }
    }

    /// Emits a line if the call's budget allows; returns whether it did.
    /// The message is escaped and cut to [`MAX_LOG_LINE_BYTES`] first.
    pub fn line(&mut self, level: LogLevel, source: LogSource, message: &str) -> bool {
        let message = escape(message.trim_end(), MAX_LOG_LINE_BYTES);
        if self.lines >= MAX_LOG_LINES_PER_CALL
            || self.bytes + message.len() > MAX_LOG_BYTES_PER_CALL
        {
            self.dropped += 1;
            return false;
        }
        self.lines += 1;
        self.bytes += message.len();
        self.emit(level, source, message);
        true
    }

    /// Emits every line of captured output.
    pub fn output(&mut self, source: LogSource, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            self.line(LogLevel::Info, source, line);
        }
    }

    /// An engine line quoting plugin input (a key it asked for): counted
    /// against the cap like the plugin's own lines, since the plugin
    /// decides how many there are.
    pub fn engine_quoting(&mut self, level: LogLevel, message: &str) -> bool {
        self.line(level, LogSource::Engine, message)
    }

    /// An engine line about the call, at most one or two per call (its
    /// outcome, the dropped-lines count); not counted against the cap, but
    /// escaped and cut like every line. Lines the plugin can repeat go
    /// through [`CallLog::engine_quoting`].
    pub fn engine(&self, level: LogLevel, message: String) {
        self.emit(
            level,
            LogSource::Engine,
            escape(message.trim_end(), MAX_LOG_LINE_BYTES),
        );
    }

    fn emit(&self, level: LogLevel, source: LogSource, message: String) {
        self.sink.emit(&LogRecord {
            level,
            source,
            plugin: self.plugin.clone(),
            request_id: self.request_id.clone(),
            message,
        });
    }

    /// Reports dropped lines, once, at the end of the call.
    pub fn finish(&mut self) {
        if self.dropped > 0 {
            self.engine(
                LogLevel::Warn,
                format!(
                    "dropped {} log lines over the per-call cap ({MAX_LOG_LINES_PER_CALL} lines, {MAX_LOG_BYTES_PER_CALL} bytes)",
                    self.dropped
                ),
            );
            self.dropped = 0;
        }
    }
}

impl From<wit::Level> for LogLevel {
    fn from(l: wit::Level) -> Self {
        match l {
            wit::Level::Trace => LogLevel::Trace,
            wit::Level::Debug => LogLevel::Debug,
            wit::Level::Info => LogLevel::Info,
            wit::Level::Warn => LogLevel::Warn,
            wit::Level::Error => LogLevel::Error,
        }
    }
}

impl wit::Host for super::HostState {
    fn write(&mut self, level: wit::Level, message: String) -> wasmtime::Result<()> {
        self.log.line(level.into(), LogSource::Plugin, &message);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn collecting() -> (LogSink, Arc<Mutex<Vec<LogRecord>>>) {
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = got.clone();
        (
            LogSink::new(Arc::new(move |r: &LogRecord| {
                g.lock().unwrap().push(r.clone())
            })),
            got,
        )
    }

    #[test]
    fn lines_are_tagged_and_capped() {
        let (sink, got) = collecting();
        let mut log = CallLog::new(sink, "bex.x", "req-1");
        for i in 0..MAX_LOG_LINES_PER_CALL + 10 {
            log.line(LogLevel::Info, LogSource::Plugin, &format!("line {i}"));
        }
        log.finish();
        let got = got.lock().unwrap();
        assert_eq!(got.len(), MAX_LOG_LINES_PER_CALL + 1);
        assert_eq!(got[0].plugin, "bex.x");
        assert_eq!(got[0].request_id, "req-1");
        assert!(got.last().unwrap().message.contains("dropped 10 log lines"));
    }

    #[test]
    fn controls_bidi_and_zero_width_are_escaped_once() {
        let raw = "a\nb\r\t\x1b[31m\x7f\u{85}\u{200b}\u{202e}\u{2066}\u{feff}\u{2028}é\\n";
        let once = escape(raw, usize::MAX);
        assert_eq!(
            once,
            r"a\nb\r\t\u{1b}[31m\u{7f}\u{85}\u{200b}\u{202e}\u{2066}\u{feff}\u{2028}é\n"
        );
        assert_eq!(escape(&once, usize::MAX), once);
        // Invisible characters beyond bidi and zero-width ones.
        assert_eq!(
            escape("a\u{ad}\u{3164}\u{fe0f}\u{e0041}b", usize::MAX),
            r"a\u{ad}\u{3164}\u{fe0f}\u{e0041}b"
        );
    }

    #[test]
    fn escapes_are_never_cut_in_half() {
        assert_eq!(escape("ab\x1b", 5), "ab");
        assert_eq!(escape("ab\x1b", 8), r"ab\u{1b}");
    }

    #[test]
    fn engine_lines_quoting_plugin_text_share_the_cap() {
        let (sink, got) = collecting();
        let mut log = CallLog::new(sink, "bex.x", "r");
        for i in 0..MAX_LOG_LINES_PER_CALL {
            log.line(LogLevel::Info, LogSource::Plugin, &format!("line {i}"));
        }
        assert!(!log.engine_quoting(LogLevel::Warn, "key \"k\x1b\" refused"));
        log.engine(LogLevel::Warn, "the call failed:\nfault".into());
        log.finish();
        let got = got.lock().unwrap();
        assert_eq!(got.len(), MAX_LOG_LINES_PER_CALL + 2);
        assert_eq!(
            got[MAX_LOG_LINES_PER_CALL].message,
            r"the call failed:\nfault"
        );
        assert!(got.last().unwrap().message.contains("dropped 1 log lines"));
    }

    #[test]
    fn long_lines_are_cut_on_char_boundaries() {
        let (sink, got) = collecting();
        let mut log = CallLog::new(sink, "bex.x", "r");
        log.line(
            LogLevel::Warn,
            LogSource::Stderr,
            &"é".repeat(MAX_LOG_LINE_BYTES),
        );
        assert!(got.lock().unwrap()[0].message.len() <= MAX_LOG_LINE_BYTES);
    }
}
