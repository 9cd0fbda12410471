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
use crate::repo::RepoError;
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
    /// A repository, its index or one of its packages was refused.
    #[error(transparent)]
    Repo(#[from] RepoError),
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
            Error::Repo(e) => repo_code(e),
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
        StoreError::PluginNotFound { .. }
        | StoreError::KeyNotFound { .. }
        | StoreError::RepoNotFound { .. } => ErrorCode::NotFound,
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

fn repo_code(e: &RepoError) -> ErrorCode {
    match e {
        RepoError::InvalidIndex(_) => ErrorCode::InvalidIndex,
        RepoError::BadSignature(_) => ErrorCode::SignatureInvalid,
        RepoError::Rollback { .. } => ErrorCode::IndexRollback,
        RepoError::Expired { .. } => ErrorCode::IndexExpired,
        RepoError::Mismatch { .. } => ErrorCode::IndexMismatch,
        RepoError::BadUrl { .. } => ErrorCode::InvalidArgument,
        RepoError::Network(_) => ErrorCode::Network,
        RepoError::Timeout(_) => ErrorCode::Timeout,
        RepoError::Blocked(_) => ErrorCode::NetworkBlocked,
        RepoError::NotFound(_) => ErrorCode::NotFound,
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
mod tests;
