//! Signed packages and publisher pins (docs/distribution.md): a plugin is
//! replaced only by its pinned publisher, or a key it rotated to; new code
//! over an unsigned plugin needs the user's consent; a signature that does
//! not verify, or a missing one where the engine requires it, is refused
//! before anything is written.

mod common;

use bex_engine::package::{Package, PackageLimits};
use bex_engine::store::{InstallAction, InstallOptions};
use bex_engine::trust::{Rotation, SigningKey};
use bex_engine::{Engine, EngineConfig, ErrorCode};
use common::{Hostile, TestEngine, title, wasm};

const ID: &str = "bex.hostile";

const PLAIN: InstallOptions = InstallOptions {
    force: false,
    accept_permissions: false,
    accept_unverified: false,
};

/// Every consent there is: none of it overrides a publisher pin.
const EVERYTHING: InstallOptions = InstallOptions {
    force: true,
    accept_permissions: true,
    accept_unverified: true,
};

/// The hostile test plugin at `version`; `variant` > 0 appends a custom
/// section to the component: other code, the same behaviour.
fn package(version: &str, variant: u8) -> Package {
    let manifest = Hostile::default()
        .manifest()
        .replace("version: 1.0.0", &format!("version: {version}"));
    let mut component = wasm("bex_hostile");
    if variant > 0 {
        // A custom section (id 0): size, name "x", one byte.
        component.extend_from_slice(&[0, 3, 1, b'x', variant]);
    }
    bex_engine::pack(&manifest, component).unwrap()
}

fn key() -> SigningKey {
    SigningKey::generate().unwrap()
}

fn installed(engine: &Engine) -> (String, String) {
    let p = engine.plugin(ID).unwrap();
    (p.version, p.component_sha256)
}

/// The plugin still answers, and still holds the user's secret.
fn still_works(t: &TestEngine) {
    assert_eq!(title(&t.search(ID, "ok").unwrap()), "ok");
    assert_eq!(title(&t.search(ID, "secret:api-key").unwrap()), "s3cret");
}

#[test]
fn new_code_over_an_unsigned_plugin_needs_consent() {
    // The takeover: a copied manifest, a higher version, other code. Before
    // publisher pins this upgraded silently and read the user's API key.
    let t = TestEngine::new(|c| c);
    t.engine.install_with(&package("1.0.0", 0), PLAIN).unwrap();
    t.engine.set_secret(ID, "api-key", "s3cret").unwrap();
    let before = installed(&t.engine);

    let attacker = key();
    for p in [
        package("2.0.0", 1),
        package("2.0.0", 1).signed(&attacker, Vec::new()).unwrap(),
    ] {
        let e = t.engine.install_with(&p, PLAIN).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ConsentRequired, "{e}");
        assert!(e.to_string().contains("--accept-unverified"), "{e}");
        assert!(e.to_string().contains("installed unsigned"), "{e}");
        assert_eq!(installed(&t.engine), before);
        still_works(&t);
    }
    // The same content again needs nothing.
    let r = t.engine.install_with(&package("1.0.0", 0), PLAIN).unwrap();
    assert_eq!(r.action, InstallAction::Reinstalled);

    // With the user's consent the signed one installs, and pins its key.
    let consent = InstallOptions {
        accept_unverified: true,
        ..PLAIN
    };
    let signed = package("2.0.0", 1).signed(&attacker, Vec::new()).unwrap();
    let r = t.engine.install_with(&signed, consent).unwrap();
    assert_eq!(r.action, InstallAction::Upgraded);
    assert_eq!(
        t.engine.plugin(ID).unwrap().publisher,
        Some(attacker.public())
    );
}

#[test]
fn a_signed_plugin_is_replaced_only_by_its_publisher() {
    let t = TestEngine::new(|c| c);
    let (a, b) = (key(), key());
    let first = package("1.0.0", 0).signed(&a, Vec::new()).unwrap();
    t.engine.install_with(&first, PLAIN).unwrap();
    t.engine.set_secret(ID, "api-key", "s3cret").unwrap();
    assert_eq!(t.engine.plugin(ID).unwrap().publisher, Some(a.public()));
    let before = installed(&t.engine);

    let by_b = package("2.0.0", 1).signed(&b, Vec::new()).unwrap();
    let e = t.engine.install_with(&by_b, EVERYTHING).unwrap_err();
    assert_eq!(e.code(), ErrorCode::PublisherMismatch, "{e}");
    let text = e.to_string();
    assert!(text.contains(&a.public().to_string()), "{text}");
    assert!(text.contains(&b.public().to_string()), "{text}");
    let e = t
        .engine
        .install_with(&package("2.0.0", 1), EVERYTHING)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PublisherMismatch, "{e}");
    assert!(e.to_string().contains("this package is unsigned"), "{e}");
    assert_eq!(installed(&t.engine), before);
    still_works(&t);

    // Its own publisher upgrades it.
    let by_a = package("2.0.0", 1).signed(&a, Vec::new()).unwrap();
    let r = t.engine.install_with(&by_a, PLAIN).unwrap();
    assert_eq!(r.action, InstallAction::Upgraded);
    still_works(&t);

    // Uninstalling (which takes the data and secrets) releases the pin.
    t.engine.uninstall(ID).unwrap();
    t.engine.install_with(&by_b, PLAIN).unwrap();
    assert_eq!(t.engine.plugin(ID).unwrap().publisher, Some(b.public()));
}

#[test]
fn a_rotation_signed_by_the_pinned_key_moves_the_pin() {
    let t = TestEngine::new(|c| c);
    let (a, b) = (key(), key());
    t.engine
        .install_with(&package("1.0.0", 0).signed(&a, Vec::new()).unwrap(), PLAIN)
        .unwrap();
    let rotated = package("2.0.0", 1)
        .signed(&b, vec![Rotation::new(&a, b.public())])
        .unwrap();
    // Through the bytes, as a player gets it.
    let bytes = rotated.encode(&PackageLimits::default()).unwrap();
    let read = Package::decode(&bytes, &PackageLimits::default()).unwrap();
    t.engine.install_with(&read, PLAIN).unwrap();
    assert_eq!(t.engine.plugin(ID).unwrap().publisher, Some(b.public()));
    // The old key no longer replaces it.
    let e = t
        .engine
        .install_with(&package("3.0.0", 2).signed(&a, Vec::new()).unwrap(), PLAIN)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PublisherMismatch, "{e}");
    // The pin survives reopening the data directory.
    let TestEngine { dir, engine, .. } = t;
    drop(engine);
    let data = dir.path().join("data");
    let again = Engine::open(EngineConfig::new(&data)).unwrap();
    assert_eq!(again.plugin(ID).unwrap().publisher, Some(b.public()));
}

/// Recomputes the SHA-256 and CRC32s of the stored section whose header
/// starts at `at` (its data follows the 64-byte header), as a careful
/// forger would.
fn fix_section_crcs(bytes: &mut [u8], at: usize) {
    use sha2::Digest;
    let stored = u64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap()) as usize;
    let sha = sha2::Sha256::digest(&bytes[at + 64..at + 64 + stored]);
    bytes[at + 24..at + 56].copy_from_slice(&sha);
    let data = crc32fast::hash(&bytes[at + 64..at + 64 + stored]);
    bytes[at + 56..at + 60].copy_from_slice(&data.to_le_bytes());
    let header = crc32fast::hash(&bytes[at..at + 60]);
    bytes[at + 60..at + 64].copy_from_slice(&header.to_le_bytes());
}

/// Where the signature section's header starts (the last section).
fn signature_at(bytes: &[u8], rotations: usize) -> usize {
    bytes.len() - 64 - (104 + 128 * rotations)
}

#[test]
fn changed_or_forged_signatures_are_refused_before_anything_is_written() {
    let limits = PackageLimits::default();
    let a = key();
    let good = package("1.0.0", 0).signed(&a, Vec::new()).unwrap();
    let good = good.encode(&limits).unwrap();
    assert_eq!(
        u16::from_le_bytes([good[8], good[9]]),
        2,
        "signed is version 2"
    );
    let unsigned = package("1.0.0", 0).encode(&limits).unwrap();
    assert_eq!(u16::from_le_bytes([unsigned[8], unsigned[9]]), 1);

    // Other code under the first package's signature section, every
    // checksum recomputed: the signature no longer covers the content.
    let other = package("1.0.0", 1).signed(&key(), Vec::new()).unwrap();
    let mut spliced = other.encode(&limits).unwrap();
    let at = signature_at(&spliced, 0);
    spliced.truncate(at);
    spliced.extend_from_slice(&good[signature_at(&good, 0)..]);
    // A flipped bit in the signature itself.
    let mut flipped = good.clone();
    let at = signature_at(&flipped, 0);
    flipped[at + 64 + 50] ^= 1;
    fix_section_crcs(&mut flipped, at);
    // Another publisher key in place of the real one.
    let mut swapped = good.clone();
    swapped[at + 64 + 8..at + 64 + 40].copy_from_slice(key().public().bytes());
    fix_section_crcs(&mut swapped, at);

    let t = TestEngine::new(|c| c);
    for (name, bytes) in [
        ("spliced", spliced),
        ("flipped", flipped),
        ("swapped", swapped),
    ] {
        let e = bex_engine::Error::from(Package::decode(&bytes, &limits).unwrap_err());
        assert_eq!(e.code(), ErrorCode::SignatureInvalid, "{name}: {e}");
        let path = t.dir.path().join(format!("{name}.bex"));
        std::fs::write(&path, &bytes).unwrap();
        let e = t.engine.install_file(&path, true).unwrap_err();
        assert_eq!(e.code(), ErrorCode::SignatureInvalid, "{name}: {e}");
        assert!(t.engine.list().unwrap().is_empty(), "{name}");
    }
    // The untouched one installs.
    let path = t.dir.path().join("good.bex");
    std::fs::write(&path, &good).unwrap();
    t.engine.install_file(&path, false).unwrap();
}

#[test]
fn an_engine_that_requires_signatures_refuses_unsigned_packages() {
    let dir = tempfile::tempdir().unwrap();
    // The default: what a player ships with.
    let engine = Engine::open(EngineConfig::new(dir.path())).unwrap();
    let e = engine
        .install_with(&package("1.0.0", 0), EVERYTHING)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::SignatureRequired, "{e}");
    assert!(e.to_string().contains("bex.hostile 1.0.0"), "{e}");
    assert!(engine.list().unwrap().is_empty());
    let a = key();
    let r = engine
        .install_with(&package("1.0.0", 0).signed(&a, Vec::new()).unwrap(), PLAIN)
        .unwrap();
    assert_eq!(r.action, InstallAction::Installed);
}
