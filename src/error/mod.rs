//! The crate error and the stable codes every error maps to.
//!
//! Each area has its own error enum ([`ManifestError`], [`PackageError`],
//! [`StoreError`], [`ComponentError`]); they all convert into [`Error`], and
//! [`Error::code`] is the one place that maps an error to its [`ErrorCode`].
//! The codes are what the C ABI returns and what the CLI uses as its exit
//! status, so their numbers never change: new codes are appended.

mod code;

pub use code::ErrorCode;

use crate::artifact::ArtifactError;
use crate::component::ComponentError;
use crate::engine::{CallError, EngineError};
use crate::js::JsError;
use crate::manifest::ManifestError;
use crate::package::PackageError;
use crate::scheduler::SchedulerError;
use crate::store::StoreError;
use crate::trust::TrustError;

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
    /// A precompiled artifact is malformed, or none fits.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The engine could not be set up.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A plugin call failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// A lane refused, cancelled or lost a request.
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    /// A key, signature or publisher was refused.
    #[error(transparent)]
    Trust(#[from] TrustError),
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
            Error::Artifact(e) => match e {
                ArtifactError::Invalid { .. } => ErrorCode::InvalidPackage,
                ArtifactError::Corrupt { .. } => ErrorCode::HashMismatch,
                ArtifactError::VersionTooNew { .. } => ErrorCode::UpgradeRequired,
                ArtifactError::Unusable { .. } => ErrorCode::NoArtifact,
            },
            Error::Engine(e) => match e {
                EngineError::Setup(_) | EngineError::AddressSpace(_) => ErrorCode::InvalidArgument,
                EngineError::Wasmtime(_) => ErrorCode::Internal,
            },
            Error::Call(e) => call_code(e),
            Error::Trust(e) => trust_code(e),
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
        PackageError::Trust(t) => trust_code(t),
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
        StoreError::Trust(t) => trust_code(t),
        StoreError::InvalidKey(_) | StoreError::QuotaExceeded { .. } => ErrorCode::InvalidArgument,
        StoreError::Corrupt { .. } | StoreError::Database(_) | StoreError::Io { .. } => {
            ErrorCode::Storage
        }
    }
}

fn trust_code(e: &TrustError) -> ErrorCode {
    match e {
        TrustError::BadKey(_) => ErrorCode::InvalidArgument,
        TrustError::BadSignature(_) => ErrorCode::SignatureInvalid,
        TrustError::SignatureRequired { .. } => ErrorCode::SignatureRequired,
        TrustError::PublisherMismatch { .. } => ErrorCode::PublisherMismatch,
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
                Error::Engine(EngineError::AddressSpace("a".into())),
                C::InvalidArgument,
            ),
            (
                Error::Artifact(ArtifactError::Invalid {
                    message: "m".into(),
                }),
                C::InvalidPackage,
            ),
            (
                Error::Artifact(ArtifactError::Corrupt {
                    message: "m".into(),
                }),
                C::HashMismatch,
            ),
            (
                Error::Artifact(ArtifactError::VersionTooNew { version: 2 }),
                C::UpgradeRequired,
            ),
            (
                Error::Artifact(ArtifactError::Unusable {
                    id: "i".into(),
                    reason: "r".into(),
                }),
                C::NoArtifact,
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
                StoreError::ConsentRequired {
                    id: "x".into(),
                    reason: "r".into(),
                }
                .into(),
                C::ConsentRequired,
            ),
            (TrustError::BadKey("k".into()).into(), C::InvalidArgument),
            (
                TrustError::BadSignature("s".into()).into(),
                C::SignatureInvalid,
            ),
            (
                TrustError::SignatureRequired { what: "w".into() }.into(),
                C::SignatureRequired,
            ),
            (
                StoreError::Trust(TrustError::PublisherMismatch {
                    id: "i".into(),
                    pinned: "a".into(),
                    found: "b".into(),
                })
                .into(),
                C::PublisherMismatch,
            ),
            (
                PackageError::Trust(TrustError::BadSignature("s".into())).into(),
                C::SignatureInvalid,
            ),
            (JsError::Timeout("t".into()).into(), C::Timeout),
            (JsError::Cancelled("c".into()).into(), C::Cancelled),
            (JsError::OutOfMemory("m".into()).into(), C::PluginFault),
            (JsError::InvalidInput("i".into()).into(), C::InvalidArgument),
            (JsError::Unsupported("u".into()).into(), C::Unsupported),
            (
                JsError::Exception {
                    message: "e".into(),
                    stack: String::new(),
                }
                .into(),
                C::ScriptError,
            ),
            (
                JsError::Syntax {
                    message: "s".into(),
                    line: 1,
                    column: 1,
                }
                .into(),
                C::ScriptError,
            ),
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
}
