//! [`ErrorCode`]: the stable numbers every error maps to. They are what
//! the C ABI returns and what the CLI uses as its exit status, so they never
//! change: new codes are appended.

use std::fmt;

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
    /// No precompiled artifact fits: a runtime-only engine (built without
    /// the compiler) was given a package without an artifact made for its
    /// key (wasmtime version, target, execution, profile), or one made
    /// from another package. Make one with `bex precompile`.
    NoArtifact = 27,
    /// A package's (or a repository index's) signature does not verify:
    /// it was changed after signing, or signed by another key than it
    /// names.
    SignatureInvalid = 28,
    /// The package (or index) is unsigned, and the engine accepts only
    /// signed ones.
    SignatureRequired = 29,
    /// The plugin is pinned to another publisher key: the package is
    /// signed by a key the installed one never rotated to, or unsigned.
    PublisherMismatch = 30,
    /// A repository served an index older than one already accepted: a
    /// rollback.
    IndexRollback = 31,
    /// A repository's index has expired: a freeze.
    IndexExpired = 32,
    /// A package downloaded from a repository is not what its index lists
    /// (size, SHA-256, id, version or publisher).
    IndexMismatch = 33,
    /// A repository index is malformed (not a signed index, an unknown
    /// format, bad fields).
    InvalidIndex = 34,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 35] = [
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
        ErrorCode::NoArtifact,
        ErrorCode::SignatureInvalid,
        ErrorCode::SignatureRequired,
        ErrorCode::PublisherMismatch,
        ErrorCode::IndexRollback,
        ErrorCode::IndexExpired,
        ErrorCode::IndexMismatch,
        ErrorCode::InvalidIndex,
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
            ErrorCode::NoArtifact => "NO_ARTIFACT",
            ErrorCode::SignatureInvalid => "SIGNATURE_INVALID",
            ErrorCode::SignatureRequired => "SIGNATURE_REQUIRED",
            ErrorCode::PublisherMismatch => "PUBLISHER_MISMATCH",
            ErrorCode::IndexRollback => "INDEX_ROLLBACK",
            ErrorCode::IndexExpired => "INDEX_EXPIRED",
            ErrorCode::IndexMismatch => "INDEX_MISMATCH",
            ErrorCode::InvalidIndex => "INVALID_INDEX",
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
