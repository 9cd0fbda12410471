//! The crate error and the stable codes every error maps to.
//!
//! Each area has its own error enum ([`ManifestError`], [`PackageError`],
//! [`StoreError`], [`ComponentError`]); they all convert into [`Error`], and
//! [`Error::code`] is the one place that maps an error to its [`ErrorCode`].
//! The codes are what the C ABI returns and what the CLI uses as its exit
//! status, so their numbers never change: new codes are appended.

use std::fmt;

use crate::component::ComponentError;
use crate::engine::{CallError, EngineError};
use crate::js::JsError;
use crate::manifest::ManifestError;
use crate::package::PackageError;
use crate::scheduler::SchedulerError;
use crate::store::StoreError;

/// Stable error codes, shared by the Rust API, the C ABI and the CLI's exit
/// status. Numbers are never reused; new codes are appended.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Success (never carried by an error).
    Ok = 0,
    /// The plugin's `abi` range is not satisfied by this engine's ABI.
    AbiMismatch = 1,
    /// The manifest failed validation.
    InvalidManifest = 2,
    /// A package checksum (CRC32 or SHA-256) does not match its content.
    HashMismatch = 3,
    /// The plugin, key or resource does not exist.
    NotFound = 4,
    /// The plugin is disabled.
    Disabled = 5,
    /// The plugin does not provide the requested capability.
    Unsupported = 6,
    /// A plugin tried to reach a host or address its manifest does not allow.
    NetworkBlocked = 7,
    /// The call ran past its deadline.
    Timeout = 8,
    /// The call used up its fuel (CPU) budget.
    FuelExhausted = 9,
    /// The call was cancelled.
    Cancelled = 10,
    /// The plugin trapped: a panic, a memory limit, a stack overflow.
    PluginFault = 11,
    /// The plugin returned an error of its own.
    PluginError = 12,
    /// A network error outside the plugin's control.
    Network = 13,
    /// The engine's storage failed.
    Storage = 14,
    /// The engine is not ready (shutting down, not initialised).
    NotReady = 15,
    /// A bug in the engine.
    Internal = 16,
    /// A `.bex` package is malformed: truncated, bad magic, lying sizes,
    /// oversized or trailing data.
    InvalidPackage = 17,
    /// An argument from the caller is malformed (bad id, bad JSON, NULL).
    InvalidArgument = 18,
    /// The component is not a valid component, or does not match the plugin
    /// contract or the manifest's `provides`.
    InvalidComponent = 19,
    /// The data directory is in use by another process.
    AlreadyOpen = 20,
    /// The data or package comes from a newer BEX; upgrade to use it.
    UpgradeRequired = 21,
    /// Installing would replace a newer version; pass `force` to downgrade.
    Downgrade = 22,
    /// The request's lane is full (or no instance slot was free); it was
    /// not accepted. Retry later.
    Busy = 23,
    /// The plugin's circuit breaker is open after repeated faults; the
    /// call failed fast without entering the plugin.
    CircuitOpen = 24,
    /// JavaScript given to the host's QuickJS failed: a syntax error or an
    /// uncaught exception (`bex js`; plugins get the typed `js-error`).
    ScriptError = 25,
    /// The install needs explicit consent: it widens an installed plugin's
    /// permissions (accept them) or changes the content of the installed
    /// version (force).
    ConsentRequired = 26,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 27] = [
        ErrorCode::Ok,
        ErrorCode::AbiMismatch,
        ErrorCode::InvalidManifest,
        ErrorCode::HashMismatch,
        ErrorCode::NotFound,
        ErrorCode::Disabled,
        ErrorCode::Unsupported,
        ErrorCode::NetworkBlocked,
        ErrorCode::Timeout,
        ErrorCode::FuelExhausted,
        ErrorCode::Cancelled,
        ErrorCode::PluginFault,
        ErrorCode::PluginError,
        ErrorCode::Network,
        ErrorCode::Storage,
        ErrorCode::NotReady,
        ErrorCode::Internal,
        ErrorCode::InvalidPackage,
        ErrorCode::InvalidArgument,
        ErrorCode::InvalidComponent,
        ErrorCode::AlreadyOpen,
        ErrorCode::UpgradeRequired,
        ErrorCode::Downgrade,
        ErrorCode::Busy,
        ErrorCode::CircuitOpen,
        ErrorCode::ScriptError,
        ErrorCode::ConsentRequired,
    ];

    /// The code's stable name, e.g. `"ABI_MISMATCH"`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::Ok => "OK",
            ErrorCode::AbiMismatch => "ABI_MISMATCH",
            ErrorCode::InvalidManifest => "INVALID_MANIFEST",
            ErrorCode::HashMismatch => "HASH_MISMATCH",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Disabled => "DISABLED",
            ErrorCode::Unsupported => "UNSUPPORTED",
            ErrorCode::NetworkBlocked => "NETWORK_BLOCKED",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::FuelExhausted => "FUEL_EXHAUSTED",
            ErrorCode::Cancelled => "CANCELLED",
            ErrorCode::PluginFault => "PLUGIN_FAULT",
            ErrorCode::PluginError => "PLUGIN_ERROR",
            ErrorCode::Network => "NETWORK",
            ErrorCode::Storage => "STORAGE",
            ErrorCode::NotReady => "NOT_READY",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::InvalidPackage => "INVALID_PACKAGE",
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::InvalidComponent => "INVALID_COMPONENT",
            ErrorCode::AlreadyOpen => "ALREADY_OPEN",
            ErrorCode::UpgradeRequired => "UPGRADE_REQUIRED",
            ErrorCode::Downgrade => "DOWNGRADE",
            ErrorCode::Busy => "BUSY",
            ErrorCode::CircuitOpen => "CIRCUIT_OPEN",
            ErrorCode::ScriptError => "SCRIPT_ERROR",
            ErrorCode::ConsentRequired => "CONSENT_REQUIRED",
        }
    }

    /// The code's stable number (the C value and the CLI exit status).
    pub fn number(self) -> i32 {
        self as i32
    }

    /// The code with this number, if any.
    pub fn from_number(n: i32) -> Option<ErrorCode> {
        ErrorCode::ALL.get(usize::try_from(n).ok()?).copied()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Any error from the BEX engine.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A manifest failed to parse or validate.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A `.bex` package is malformed or corrupt.
    #[error(transparent)]
    Package(#[from] PackageError),
    /// The store failed or refused an operation.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A component is invalid or does not match the contract.
    #[error(transparent)]
    Component(#[from] ComponentError),
    /// The engine could not be set up.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A plugin call failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// A lane refused, cancelled or lost a request.
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    /// A script run by [`Sandbox`](crate::js::Sandbox) failed.
    #[error("script {0}")]
    Js(#[from] JsError),
    /// An argument from the caller is malformed.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Reading or writing a file the caller named failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The stable code of this error. This is the only place errors are
    /// mapped to codes.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Manifest(e) => manifest_code(e),
            Error::Package(e) => package_code(e),
            Error::Store(e) => store_code(e),
            Error::Component(e) => component_code(e),
            Error::Engine(e) => match e {
                EngineError::Setup(_) => ErrorCode::InvalidArgument,
                EngineError::Wasmtime(_) => ErrorCode::Internal,
            },
            Error::Call(e) => call_code(e),
            Error::Scheduler(e) => match e {
                SchedulerError::Busy { .. } => ErrorCode::Busy,
                SchedulerError::Closed | SchedulerError::InsideCallback => ErrorCode::NotReady,
                SchedulerError::Cancelled { .. } => ErrorCode::Cancelled,
                SchedulerError::Panicked(_) => ErrorCode::Internal,
            },
            Error::Js(e) => match e {
                JsError::Unsupported(_) => ErrorCode::Unsupported,
                JsError::Syntax { .. } | JsError::Exception { .. } => ErrorCode::ScriptError,
                JsError::Timeout(_) => ErrorCode::Timeout,
                JsError::Cancelled(_) => ErrorCode::Cancelled,
                JsError::OutOfMemory(_) => ErrorCode::PluginFault,
                JsError::InvalidInput(_) => ErrorCode::InvalidArgument,
            },
            Error::InvalidArgument(_) => ErrorCode::InvalidArgument,
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorCode::NotFound
            }
            Error::Io { .. } => ErrorCode::Storage,
        }
    }

    /// Wraps an I/O error on a file the caller named.
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

fn manifest_code(e: &ManifestError) -> ErrorCode {
    match e {
        ManifestError::AbiMismatch { .. } => ErrorCode::AbiMismatch,
        ManifestError::SchemaTooNew { .. } => ErrorCode::UpgradeRequired,
        ManifestError::TooLarge { .. } | ManifestError::Syntax(_) | ManifestError::Field { .. } => {
            ErrorCode::InvalidManifest
        }
    }
}

fn package_code(e: &PackageError) -> ErrorCode {
    match e {
        PackageError::CrcMismatch { .. } | PackageError::ShaMismatch { .. } => {
            ErrorCode::HashMismatch
        }
        PackageError::VersionTooNew { .. } => ErrorCode::UpgradeRequired,
        PackageError::Manifest(m) => manifest_code(m),
        PackageError::Truncated { .. }
        | PackageError::BadMagic
        | PackageError::BadVersion { .. }
        | PackageError::BadFlags { .. }
        | PackageError::BadLayout { .. }
        | PackageError::TooLarge { .. }
        | PackageError::Decompress { .. }
        | PackageError::TrailingData { .. } => ErrorCode::InvalidPackage,
    }
}

fn store_code(e: &StoreError) -> ErrorCode {
    match e {
        StoreError::AlreadyOpen { .. } => ErrorCode::AlreadyOpen,
        StoreError::UpgradeRequired { .. } => ErrorCode::UpgradeRequired,
        StoreError::PluginNotFound { .. } | StoreError::KeyNotFound { .. } => ErrorCode::NotFound,
        StoreError::Downgrade { .. } => ErrorCode::Downgrade,
        StoreError::ConsentRequired { .. } => ErrorCode::ConsentRequired,
        StoreError::InvalidKey(_) | StoreError::QuotaExceeded { .. } => ErrorCode::InvalidArgument,
        StoreError::Corrupt { .. } | StoreError::Database(_) | StoreError::Io { .. } => {
            ErrorCode::Storage
        }
    }
}

fn component_code(e: &ComponentError) -> ErrorCode {
    match e {
        ComponentError::Engine(_) => ErrorCode::Internal,
        ComponentError::Invalid { .. }
        | ComponentError::ForbiddenImport { .. }
        | ComponentError::BadExport { .. }
        | ComponentError::ProvidesMismatch { .. } => ErrorCode::InvalidComponent,
    }
}

fn call_code(e: &CallError) -> ErrorCode {
    match e {
        CallError::Disabled { .. } => ErrorCode::Disabled,
        CallError::Unsupported { .. } => ErrorCode::Unsupported,
        CallError::FuelExhausted { .. } => ErrorCode::FuelExhausted,
        CallError::Timeout { .. } => ErrorCode::Timeout,
        CallError::Fault { .. } => ErrorCode::PluginFault,
        CallError::Plugin { .. } => ErrorCode::PluginError,
        CallError::NetworkBlocked { .. } => ErrorCode::NetworkBlocked,
        CallError::Network { .. } => ErrorCode::Network,
        CallError::Busy(_) => ErrorCode::Busy,
        CallError::Cancelled { .. } => ErrorCode::Cancelled,
        CallError::CircuitOpen { .. } => ErrorCode::CircuitOpen,
        CallError::Load { .. } => ErrorCode::Internal,
    }
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_stable_and_dense() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(code.number(), i as i32, "{code}");
            assert_eq!(ErrorCode::from_number(i as i32), Some(*code));
        }
        assert_eq!(ErrorCode::from_number(-1), None);
        assert_eq!(ErrorCode::from_number(ErrorCode::ALL.len() as i32), None);
        // Spot-check the published numbers: these must never change.
        assert_eq!(ErrorCode::AbiMismatch.number(), 1);
        assert_eq!(ErrorCode::Internal.number(), 16);
        assert_eq!(ErrorCode::Downgrade.number(), 22);
        assert_eq!(ErrorCode::Busy.number(), 23);
        assert_eq!(ErrorCode::CircuitOpen.number(), 24);
    }

    #[test]
    fn every_variant_maps_to_its_code() {
        use ErrorCode as C;
        let io = || std::io::Error::other("x");
        let m = |e: ManifestError| Error::Manifest(e);
        let p = |e: PackageError| Error::Package(e);
        let s = |e: StoreError| Error::Store(e);
        let c = |e: ComponentError| Error::Component(e);
        let field = ManifestError::Field {
            field: "f".into(),
            message: "m".into(),
        };
        let cases = [
            (
                m(ManifestError::TooLarge { size: 1, max: 0 }),
                C::InvalidManifest,
            ),
            (m(ManifestError::Syntax("x".into())), C::InvalidManifest),
            (m(field.clone()), C::InvalidManifest),
            (
                m(ManifestError::SchemaTooNew {
                    found: 2,
                    supported: 1,
                }),
                C::UpgradeRequired,
            ),
            (
                m(ManifestError::AbiMismatch {
                    required: "2".into(),
                    host: "1".into(),
                }),
                C::AbiMismatch,
            ),
            (
                p(PackageError::Truncated {
                    what: "x",
                    needed: 1,
                    available: 0,
                }),
                C::InvalidPackage,
            ),
            (p(PackageError::BadMagic), C::InvalidPackage),
            (
                p(PackageError::BadVersion { version: 0 }),
                C::InvalidPackage,
            ),
            (
                p(PackageError::VersionTooNew {
                    version: 2,
                    supported: 1,
                }),
                C::UpgradeRequired,
            ),
            (p(PackageError::BadFlags { flags: 1 }), C::InvalidPackage),
            (
                p(PackageError::BadLayout {
                    message: "x".into(),
                }),
                C::InvalidPackage,
            ),
            (
                p(PackageError::TooLarge {
                    what: "x".into(),
                    size: 1,
                    max: 0,
                }),
                C::InvalidPackage,
            ),
            (
                p(PackageError::CrcMismatch { what: "x".into() }),
                C::HashMismatch,
            ),
            (
                p(PackageError::ShaMismatch {
                    section: "x",
                    expected: "a".into(),
                    actual: "b".into(),
                }),
                C::HashMismatch,
            ),
            (
                p(PackageError::Decompress {
                    section: "x",
                    message: "m".into(),
                }),
                C::InvalidPackage,
            ),
            (
                p(PackageError::TrailingData { bytes: 1 }),
                C::InvalidPackage,
            ),
            (p(PackageError::Manifest(field)), C::InvalidManifest),
            (
                s(StoreError::AlreadyOpen { path: "p".into() }),
                C::AlreadyOpen,
            ),
            (
                s(StoreError::UpgradeRequired {
                    path: "p".into(),
                    found: 2,
                    supported: 1,
                }),
                C::UpgradeRequired,
            ),
            (
                s(StoreError::PluginNotFound { id: "i".into() }),
                C::NotFound,
            ),
            (
                s(StoreError::KeyNotFound {
                    plugin: "p".into(),
                    what: "secret",
                    key: "k".into(),
                }),
                C::NotFound,
            ),
            (
                s(StoreError::Downgrade {
                    id: "i".into(),
                    installed: "2".into(),
                    requested: "1".into(),
                }),
                C::Downgrade,
            ),
            (s(StoreError::InvalidKey("k".into())), C::InvalidArgument),
            (
                s(StoreError::QuotaExceeded {
                    plugin: "p".into(),
                    bytes: 2,
                    rows: 1,
                    quota: 1,
                }),
                C::InvalidArgument,
            ),
            (
                s(StoreError::Corrupt {
                    what: "w".into(),
                    message: "m".into(),
                }),
                C::Storage,
            ),
            (
                s(StoreError::Database(redb::Error::DatabaseAlreadyOpen)),
                C::Storage,
            ),
            (
                s(StoreError::Io {
                    path: "p".into(),
                    source: io(),
                }),
                C::Storage,
            ),
            (
                c(ComponentError::Invalid {
                    message: "m".into(),
                }),
                C::InvalidComponent,
            ),
            (
                c(ComponentError::ForbiddenImport {
                    name: "n".into(),
                    hint: "",
                }),
                C::InvalidComponent,
            ),
            (
                c(ComponentError::BadExport {
                    name: "n".into(),
                    message: "m".into(),
                }),
                C::InvalidComponent,
            ),
            (
                c(ComponentError::ProvidesMismatch {
                    message: "m".into(),
                }),
                C::InvalidComponent,
            ),
            (c(ComponentError::Engine("e".into())), C::Internal),
            (
                Error::Engine(EngineError::Setup("s".into())),
                C::InvalidArgument,
            ),
            (
                Error::Engine(EngineError::Wasmtime("w".into())),
                C::Internal,
            ),
            (
                Error::Call(CallError::Disabled { id: "i".into() }),
                C::Disabled,
            ),
            (
                Error::Call(CallError::Unsupported {
                    id: "i".into(),
                    capability: "c".into(),
                    operation: "o".into(),
                }),
                C::Unsupported,
            ),
            (
                Error::Call(CallError::FuelExhausted {
                    id: "i".into(),
                    operation: "o".into(),
                    fuel: 1,
                }),
                C::FuelExhausted,
            ),
            (
                Error::Call(CallError::Timeout {
                    id: "i".into(),
                    operation: "o".into(),
                    timeout_ms: 1,
                    detail: String::new(),
                }),
                C::Timeout,
            ),
            (
                Error::Call(CallError::Fault {
                    id: "i".into(),
                    operation: "o".into(),
                    reason: "r".into(),
                }),
                C::PluginFault,
            ),
            (
                Error::Call(CallError::Plugin {
                    id: "i".into(),
                    kind: "k".into(),
                    message: "m".into(),
                }),
                C::PluginError,
            ),
            (
                Error::Call(CallError::NetworkBlocked {
                    id: "i".into(),
                    blocked: "b".into(),
                    plugin: "p".into(),
                }),
                C::NetworkBlocked,
            ),
            (
                Error::Call(CallError::Network {
                    id: "i".into(),
                    failure: "f".into(),
                    plugin: "p".into(),
                }),
                C::Network,
            ),
            (Error::Call(CallError::Busy("b".into())), C::Busy),
            (
                Error::Call(CallError::Cancelled {
                    id: "i".into(),
                    operation: "o".into(),
                }),
                C::Cancelled,
            ),
            (
                Error::Call(CallError::CircuitOpen {
                    id: "i".into(),
                    retry_in_ms: 5,
                }),
                C::CircuitOpen,
            ),
            (
                Error::Scheduler(SchedulerError::Busy {
                    lane: "user",
                    capacity: 1,
                }),
                C::Busy,
            ),
            (Error::Scheduler(SchedulerError::Closed), C::NotReady),
            (
                Error::Scheduler(SchedulerError::InsideCallback),
                C::NotReady,
            ),
            (
                Error::Scheduler(SchedulerError::Cancelled { id: 1 }),
                C::Cancelled,
            ),
            (
                Error::Scheduler(SchedulerError::Panicked("p".into())),
                C::Internal,
            ),
            (
                Error::Call(CallError::Load {
                    id: "i".into(),
                    message: "m".into(),
                }),
                C::Internal,
            ),
            (Error::InvalidArgument("a".into()), C::InvalidArgument),
            (
                Error::Io {
                    path: "p".into(),
                    source: io(),
                },
                C::Storage,
            ),
            (
                Error::Io {
                    path: "p".into(),
                    source: std::io::ErrorKind::NotFound.into(),
                },
                C::NotFound,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code, "{error:?}");
            assert!(!error.to_string().is_empty());
        }
    }

    #[test]
    fn names_are_unique_screaming_snake() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.name()).collect();
        for n in &names {
            assert!(n.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{n}");
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }
}
