//! Installs that widen an installed plugin's permissions need the caller's
//! consent, and the report shows what changed; the same version with other
//! content needs force. A refused install leaves the installed one as it
//! was. The packages are signed by one publisher, so only permissions and
//! content are in question here (publishers: tests/signing.rs).

mod common;

use std::sync::LazyLock;

use bex_engine::store::{InstallAction, InstallOptions};
use bex_engine::trust::SigningKey;
use bex_engine::{Engine, ErrorCode};
use common::{Hostile, TestEngine, wasm};

const ID: &str = "bex.hostile";

fn package(hostile: &Hostile, version: &str) -> bex_engine::package::Package {
    let manifest = hostile
        .manifest()
        .replace("version: 1.0.0", &format!("version: {version}"));
    static KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate().unwrap());
    bex_engine::pack(&manifest, wasm("bex_hostile"))
        .unwrap()
        .signed(&KEY, Vec::new())
        .unwrap()
}

fn manifest_of(engine: &Engine) -> String {
    engine.plugin(ID).unwrap().manifest_text
}

const PLAIN: InstallOptions = InstallOptions {
    force: false,
    accept_permissions: false,
    accept_unverified: false,
};

#[test]
fn widening_permissions_needs_consent() {
    let t = TestEngine::new(|c| c);
    let base = Hostile {
        hosts: vec!["api.example.org".into()],
        ..Hostile::default()
    };
    t.engine
        .install_with(&package(&base, "1.0.0"), PLAIN)
        .unwrap();
    let before = manifest_of(&t.engine);

    let widened = [
        Hostile {
            hosts: vec!["api.example.org".into(), "tracker.example.net".into()],
            ..Hostile::default()
        },
        Hostile {
            hosts: vec!["api.example.org".into()],
            secrets: "secrets: [api-key, other-key]",
            ..Hostile::default()
        },
        Hostile {
            hosts: vec!["api.example.org".into()],
            storage: "storage: { quota_kb: 1024 }",
            ..Hostile::default()
        },
    ];
    for (i, h) in widened.iter().enumerate() {
        let e = t
            .engine
            .install_with(&package(h, "1.1.0"), PLAIN)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::ConsentRequired, "{i}: {e}");
        assert!(e.to_string().contains("--accept-permissions"), "{e}");
        // Nothing changed.
        assert_eq!(manifest_of(&t.engine), before, "{i}");
    }
    let e = t
        .engine
        .install_with(&package(&widened[0], "1.1.0"), PLAIN)
        .unwrap_err();
    assert!(e.to_string().contains("tracker.example.net"), "{e}");

    // With consent it installs, and the report lists the change.
    let accept = InstallOptions {
        accept_permissions: true,
        ..PLAIN
    };
    let r = t
        .engine
        .install_with(&package(&widened[0], "1.1.0"), accept)
        .unwrap();
    assert_eq!(r.action, InstallAction::Upgraded);
    assert_eq!(r.permissions.added_hosts, ["tracker.example.net"]);
    assert!(r.permissions.widens());

    // Narrowing needs no consent; the report shows it.
    let r = t
        .engine
        .install_with(&package(&base, "1.2.0"), PLAIN)
        .unwrap();
    assert_eq!(r.permissions.removed_hosts, ["tracker.example.net"]);
    assert!(!r.permissions.widens());
    // The plain Rust install (force only) refuses widening too.
    let e = t
        .engine
        .install(&package(&widened[0], "1.3.0"), true)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ConsentRequired);
}

#[test]
fn the_same_version_with_other_content_needs_force() {
    let t = TestEngine::new(|c| c);
    let h = Hostile::default();
    t.engine.install_with(&package(&h, "1.0.0"), PLAIN).unwrap();
    // Byte-identical: a plain reinstall.
    let r = t.engine.install_with(&package(&h, "1.0.0"), PLAIN).unwrap();
    assert_eq!(r.action, InstallAction::Reinstalled);
    assert!(r.permissions.is_empty());
    // Same version, another manifest: needs force.
    let changed = Hostile {
        limits: "priority: 7",
        ..Hostile::default()
    };
    let before = manifest_of(&t.engine);
    let e = t
        .engine
        .install_with(&package(&changed, "1.0.0"), PLAIN)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ConsentRequired, "{e}");
    assert!(e.to_string().contains("--force"), "{e}");
    assert_eq!(manifest_of(&t.engine), before);
    let forced = InstallOptions {
        force: true,
        ..PLAIN
    };
    let r = t
        .engine
        .install_with(&package(&changed, "1.0.0"), forced)
        .unwrap();
    assert_eq!(r.action, InstallAction::Reinstalled);
    assert!(manifest_of(&t.engine).contains("priority: 7"));
}
