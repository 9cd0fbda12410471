//! Every error variant maps to its code.
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
        (RepoError::InvalidIndex("i".into()).into(), C::InvalidIndex),
        (
            RepoError::BadSignature("s".into()).into(),
            C::SignatureInvalid,
        ),
        (
            RepoError::Rollback { found: 1, seen: 2 }.into(),
            C::IndexRollback,
        ),
        (
            RepoError::Expired {
                version: 1,
                expired: 2,
                now: 3,
            }
            .into(),
            C::IndexExpired,
        ),
        (
            RepoError::Mismatch {
                id: "i".into(),
                version: "1".into(),
                message: "m".into(),
            }
            .into(),
            C::IndexMismatch,
        ),
        (
            RepoError::BadUrl {
                url: "u".into(),
                message: "m".into(),
            }
            .into(),
            C::InvalidArgument,
        ),
        (RepoError::Network("n".into()).into(), C::Network),
        (RepoError::Timeout("t".into()).into(), C::Timeout),
        (RepoError::Blocked("b".into()).into(), C::NetworkBlocked),
        (RepoError::NotFound("n".into()).into(), C::NotFound),
        (
            StoreError::RepoNotFound { url: "u".into() }.into(),
            C::NotFound,
        ),
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
