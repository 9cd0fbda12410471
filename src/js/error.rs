//! [`JsError`]: how a script fails, as the `js` interface reports it.

use std::fmt;

/// Why a script failed. Each kind maps to one case of the contract's
/// `js-error` and to one stable [`ErrorCode`](crate::ErrorCode) (see
/// `crate::error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsError {
    /// JavaScript is turned off in this engine.
    Unsupported(String),
    /// The source does not parse.
    Syntax {
        /// The parser's message.
        message: String,
        /// 1-based line of the error.
        line: u32,
        /// 1-based column of the error.
        column: u32,
    },
    /// The script threw and did not catch it.
    Exception {
        /// `Name: message` of the thrown value.
        message: String,
        /// The stack trace, one frame per line (may be empty).
        stack: String,
    },
    /// The script ran past its time limit, or its call was cancelled.
    Timeout(String),
    /// The call was cancelled while the script ran.
    Cancelled(String),
    /// The script ran out of memory or stack.
    OutOfMemory(String),
    /// Bad arguments: not JSON, not an array, not a function.
    InvalidInput(String),
}

impl JsError {
    /// The kind's stable name, as the contract spells it (`syntax`,
    /// `exception`, `timeout`, `out-of-memory`, `invalid-input`,
    /// `unsupported`; a cancel is a `timeout` to the plugin and
    /// `cancelled` here).
    pub fn kind(&self) -> &'static str {
        match self {
            JsError::Unsupported(_) => "unsupported",
            JsError::Syntax { .. } => "syntax",
            JsError::Exception { .. } => "exception",
            JsError::Timeout(_) => "timeout",
            JsError::Cancelled(_) => "cancelled",
            JsError::OutOfMemory(_) => "out-of-memory",
            JsError::InvalidInput(_) => "invalid-input",
        }
    }

    /// The text the plugin receives with the error: the message, with the
    /// location of a syntax error and the stack of an exception.
    pub fn detail(&self) -> String {
        match self {
            JsError::Syntax {
                message,
                line,
                column,
            } => format!("line {line}, column {column}: {message}"),
            JsError::Exception { message, stack } if !stack.is_empty() => {
                format!("{message}\n{stack}")
            }
            JsError::Exception { message, .. } => message.clone(),
            JsError::Unsupported(m)
            | JsError::Timeout(m)
            | JsError::Cancelled(m)
            | JsError::OutOfMemory(m)
            | JsError::InvalidInput(m) => m.clone(),
        }
    }

    /// Whether the runtime that produced the error must be dropped: it
    /// was interrupted mid-script or ran out of memory, so its state is
    /// not trusted for the next call.
    #[cfg_attr(not(feature = "js"), allow(dead_code))]
    pub(crate) fn poisons(&self) -> bool {
        matches!(
            self,
            JsError::Timeout(_) | JsError::Cancelled(_) | JsError::OutOfMemory(_)
        )
    }
}

/// `kind: detail`, e.g. `exception: TypeError: x` and the stack below.
impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind(), self.detail())
    }
}

impl std::error::Error for JsError {}
