//! The `.bex` format: round trips, and every hostile package refused with
//! its own error before anything is inflated.

use bex_engine::ErrorCode;
use bex_engine::package::{Package, PackageError, PackageLimits};
use sha2::Digest;

const MANIFEST: &str = "schema: 1\nid: bex.pkgtest\nname: Pkg\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {search: true}\n";

fn component_bytes(n: usize) -> Vec<u8> {
    // Compressible but not trivial.
    (0..n).map(|i| (i % 251) as u8 ^ (i / 1000) as u8).collect()
}

fn limits() -> PackageLimits {
    PackageLimits::default()
}

fn valid(n: usize) -> Vec<u8> {
    Package::new(MANIFEST, component_bytes(n))
        .unwrap()
        .encode(&limits())
        .unwrap()
}

fn decode(bytes: &[u8]) -> Result<Package, PackageError> {
    Package::decode(bytes, &limits())
}

fn code(e: PackageError) -> ErrorCode {
    bex_engine::Error::from(e).code()
}

// Offsets of the version 1 layout (docs/package-format.md).
const FILE_HEADER: usize = 24;
const SECTION_HEADER: usize = 64;

fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}
fn get_u64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}
fn fix_file_crc(b: &mut [u8]) {
    let crc = crc32fast::hash(&b[..20]);
    put_u32(b, 20, crc);
}
fn fix_section_crc(b: &mut [u8], at: usize) {
    let crc = crc32fast::hash(&b[at..at + 60]);
    put_u32(b, at + 60, crc);
}
/// Offset of the component section header.
fn component_at(b: &[u8]) -> usize {
    FILE_HEADER + SECTION_HEADER + get_u64(b, FILE_HEADER + 8) as usize
}

/// A package written by hand: (kind, codec, raw, stored) per section.
fn craft(sections: &[(u32, u32, &[u8], &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"\x89BEX\r\n\x1a\n");
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    for (kind, codec, raw, stored) in sections {
        let start = out.len();
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&codec.to_le_bytes());
        out.extend_from_slice(&(stored.len() as u64).to_le_bytes());
        out.extend_from_slice(&(raw.len() as u64).to_le_bytes());
        out.extend_from_slice(&sha2::Sha256::digest(raw));
        out.extend_from_slice(&crc32fast::hash(stored).to_le_bytes());
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(stored);
    }
    out
}

#[test]
fn round_trip_keeps_manifest_component_and_digests() {
    let comp = component_bytes(5000);
    let bytes = Package::new(MANIFEST, comp.clone())
        .unwrap()
        .encode(&limits())
        .unwrap();
    assert!(bytes.len() < 5000, "component was compressed");
    let p = decode(&bytes).unwrap();
    assert_eq!(p.manifest_text(), MANIFEST);
    assert_eq!(p.component(), comp.as_slice());
    assert_eq!(p.manifest().id, "bex.pkgtest");
    assert_eq!(p.sections().len(), 2);
    assert_eq!(p.sections()[1].raw_bytes, 5000);
    assert_eq!(p.sections()[1].codec, "zstd");
    assert_eq!(
        p.component_sha256_hex(),
        bex_engine::hex(&bex_engine::sha256(&comp))
    );
}

#[test]
fn uncompressed_sections_are_accepted() {
    let comp = component_bytes(300);
    let bytes = craft(&[
        (1, 0, MANIFEST.as_bytes(), MANIFEST.as_bytes()),
        (2, 0, &comp, &comp),
    ]);
    let p = decode(&bytes).unwrap();
    assert_eq!(p.component(), comp.as_slice());
    assert_eq!(p.sections()[0].codec, "stored");
}

#[test]
fn every_truncation_is_refused() {
    let bytes = valid(2000);
    for n in 0..bytes.len() {
        let err = decode(&bytes[..n])
            .err()
            .unwrap_or_else(|| panic!("prefix {n} accepted"));
        assert!(
            matches!(err, PackageError::Truncated { .. } | PackageError::BadMagic),
            "prefix {n}: {err}"
        );
        assert_eq!(code(err), ErrorCode::InvalidPackage);
    }
}

#[test]
fn bad_magic_is_named() {
    let mut bytes = valid(100);
    bytes[1] = b'Z';
    assert!(matches!(decode(&bytes), Err(PackageError::BadMagic)));
    assert!(matches!(
        decode(b"PK\x03\x04 a zip file"),
        Err(PackageError::BadMagic)
    ));
    assert!(matches!(
        decode(b"\0asm\x01\0\0\0"),
        Err(PackageError::BadMagic)
    ));
}

#[test]
fn versions_and_flags() {
    let mut newer = valid(100);
    put_u16(&mut newer, 8, 3);
    fix_file_crc(&mut newer);
    let err = decode(&newer).unwrap_err();
    assert!(matches!(
        err,
        PackageError::VersionTooNew {
            version: 3,
            supported: 2
        }
    ));
    assert!(err.to_string().contains("upgrade BEX"));
    assert_eq!(code(err), ErrorCode::UpgradeRequired);

    // Version 2 has three sections (the signature); an unsigned package
    // relabelled as version 2 is refused, not read as unsigned.
    let mut relabelled = valid(100);
    put_u16(&mut relabelled, 8, 2);
    fix_file_crc(&mut relabelled);
    assert!(matches!(
        decode(&relabelled),
        Err(PackageError::BadLayout { .. })
    ));

    let mut zero = valid(100);
    put_u16(&mut zero, 8, 0);
    fix_file_crc(&mut zero);
    assert!(matches!(
        decode(&zero),
        Err(PackageError::BadVersion { version: 0 })
    ));

    let mut flags = valid(100);
    put_u16(&mut flags, 10, 1);
    fix_file_crc(&mut flags);
    assert!(matches!(
        decode(&flags),
        Err(PackageError::BadFlags { flags: 1 })
    ));
}

#[test]
fn crc_mismatches_are_hash_mismatches() {
    let bytes = valid(2000);
    // File header.
    let mut b = bytes.clone();
    b[16] ^= 1;
    let e = decode(&b).unwrap_err();
    assert!(
        matches!(&e, PackageError::CrcMismatch { what } if what == "file header"),
        "{e}"
    );
    assert_eq!(code(e), ErrorCode::HashMismatch);
    // Section header.
    let mut b = bytes.clone();
    let at = component_at(&b);
    b[at + 20] ^= 1;
    assert!(
        matches!(decode(&b), Err(PackageError::CrcMismatch { what }) if what.contains("component section header"))
    );
    // Section data: every byte of the component's stored data.
    let data = component_at(&bytes) + SECTION_HEADER;
    for i in data..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x40;
        let e = decode(&b).unwrap_err();
        assert!(
            matches!(&e, PackageError::CrcMismatch { what } if what == "component section"),
            "byte {i}: {e}"
        );
    }
}

#[test]
fn sha_mismatch_is_caught_when_crcs_are_forged() {
    let mut b = valid(2000);
    let at = component_at(&b);
    b[at + 24] ^= 0xff; // recorded SHA-256
    fix_section_crc(&mut b, at);
    let e = decode(&b).unwrap_err();
    assert!(
        matches!(
            &e,
            PackageError::ShaMismatch {
                section: "component",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(code(e), ErrorCode::HashMismatch);

    // Stored data changed and its CRC recomputed: only the SHA notices.
    let comp = component_bytes(300);
    let mut b = craft(&[
        (1, 0, MANIFEST.as_bytes(), MANIFEST.as_bytes()),
        (2, 0, &comp, &comp),
    ]);
    let at = component_at(&b);
    let data = at + SECTION_HEADER;
    b[data + 7] ^= 1;
    let crc = crc32fast::hash(&b[data..]);
    put_u32(&mut b, at + 56, crc);
    fix_section_crc(&mut b, at);
    assert!(matches!(decode(&b), Err(PackageError::ShaMismatch { .. })));
}

#[test]
fn sections_that_lie_about_sizes() {
    let bytes = valid(2000);
    let at = component_at(&bytes);
    // Stored length far past the end of the file.
    let mut b = bytes.clone();
    put_u64(&mut b, at + 8, 1 << 40);
    put_u64(&mut b, at + 16, 1 << 40);
    fix_section_crc(&mut b, at);
    assert!(matches!(decode(&b), Err(PackageError::TooLarge { .. })));
    // Stored length past the end, raw length plausible.
    let mut b = bytes.clone();
    let stored = get_u64(&b, at + 8);
    put_u64(&mut b, at + 8, stored + 10);
    fix_section_crc(&mut b, at);
    assert!(matches!(
        decode(&b),
        Err(PackageError::Truncated {
            what: "component",
            ..
        })
    ));
    // Stored length larger than zstd could ever need for the raw length.
    let mut b = bytes.clone();
    put_u64(&mut b, at + 16, 1);
    fix_section_crc(&mut b, at);
    assert!(matches!(decode(&b), Err(PackageError::BadLayout { .. })));
    // Raw length different from what the frame declares.
    let mut b = bytes.clone();
    put_u64(&mut b, at + 16, 1999);
    fix_section_crc(&mut b, at);
    let e = decode(&b).unwrap_err();
    assert!(
        matches!(&e, PackageError::Decompress { message, .. } if message.contains("declares")),
        "{e}"
    );
    // A stored section whose lengths disagree.
    let comp = component_bytes(300);
    let mut b = craft(&[
        (1, 0, MANIFEST.as_bytes(), MANIFEST.as_bytes()),
        (2, 0, &comp, &comp),
    ]);
    let at = component_at(&b);
    put_u64(&mut b, at + 16, 301);
    fix_section_crc(&mut b, at);
    assert!(matches!(decode(&b), Err(PackageError::BadLayout { .. })));
}

#[test]
fn declared_sizes_over_the_caps_are_refused_before_inflating() {
    let bytes = valid(4000);
    let small = PackageLimits::default().max_component_bytes(1000);
    let e = Package::decode(&bytes, &small).unwrap_err();
    assert!(
        matches!(&e, PackageError::TooLarge { what, size: 4000, max: 1000 } if what == "component"),
        "{e}"
    );
    assert_eq!(code(e), ErrorCode::InvalidPackage);
    // A manifest section declaring more than the manifest cap.
    let big = "#".repeat(70 * 1024);
    let frame = zstd::bulk::compress(big.as_bytes(), 3).unwrap();
    let b = craft(&[(1, 1, big.as_bytes(), &frame), (2, 0, b"x", b"x")]);
    assert!(matches!(decode(&b), Err(PackageError::TooLarge { what, .. }) if what == "manifest"));
}

#[test]
fn zstd_bombs_and_windows_are_refused() {
    // A frame that decompresses to more than it declares: shrink the frame's
    // content size field (and the section's raw length to match).
    let raw = vec![0u8; 100_000];
    let mut frame = zstd::bulk::compress(&raw, 3).unwrap();
    // Frame header: magic(4) descriptor(1) [window(1)] fcs.
    let descriptor = frame[4];
    assert_eq!(descriptor >> 6, 2, "expect a 4-byte content size field");
    let fcs_at = if descriptor & 0x20 != 0 { 5 } else { 6 };
    frame[fcs_at..fcs_at + 4].copy_from_slice(&1000u32.to_le_bytes());
    let claimed = vec![0u8; 1000];
    let mut b = craft(&[
        (1, 0, MANIFEST.as_bytes(), MANIFEST.as_bytes()),
        (2, 1, &claimed, &frame),
    ]);
    let at = component_at(&b);
    fix_section_crc(&mut b, at);
    let e = decode(&b).unwrap_err();
    assert!(
        matches!(
            e,
            PackageError::Decompress {
                section: "component",
                ..
            }
        ),
        "{e}"
    );

    // A frame whose window exceeds the cap.
    let bytes = valid(4096);
    let tight = PackageLimits::default().max_window_bytes(1024);
    let e = Package::decode(&bytes, &tight).unwrap_err();
    assert!(
        matches!(&e, PackageError::TooLarge { what, .. } if what.contains("window")),
        "{e}"
    );

    // A frame without a recorded size, and two frames in one section.
    let mut enc = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    enc.include_contentsize(false).unwrap();
    std::io::Write::write_all(&mut enc, &raw[..500]).unwrap();
    let unsized_frame = enc.finish().unwrap();
    let b = craft(&[
        (1, 0, MANIFEST.as_bytes(), MANIFEST.as_bytes()),
        (2, 1, &raw[..500], &unsized_frame),
    ]);
    assert!(
        matches!(decode(&b), Err(PackageError::Decompress { message, .. }) if message.contains("size"))
    );
    let one = zstd::bulk::compress(&raw[..500], 3).unwrap();
    let two = [one.clone(), one].concat();
    let b = craft(&[
        (1, 0, MANIFEST.as_bytes(), MANIFEST.as_bytes()),
        (2, 1, &raw[..500], &two),
    ]);
    assert!(
        matches!(decode(&b), Err(PackageError::Decompress { message, .. }) if message.contains("follow"))
    );
}

#[test]
fn layout_rules() {
    let comp = b"component";
    let m = MANIFEST.as_bytes();
    // Wrong order.
    let b = craft(&[(2, 0, comp, comp), (1, 0, m, m)]);
    assert!(matches!(decode(&b), Err(PackageError::BadLayout { .. })));
    // Missing a section.
    let b = craft(&[(1, 0, m, m)]);
    assert!(matches!(decode(&b), Err(PackageError::BadLayout { .. })));
    // An extra section.
    let b = craft(&[(1, 0, m, m), (2, 0, comp, comp), (2, 0, comp, comp)]);
    assert!(matches!(decode(&b), Err(PackageError::BadLayout { .. })));
    // Unknown codec.
    let b = craft(&[(1, 0, m, m), (2, 7, comp, comp)]);
    assert!(
        matches!(decode(&b), Err(PackageError::BadLayout { message }) if message.contains("codec 7"))
    );
    // Reserved header bytes.
    let mut b = craft(&[(1, 0, m, m), (2, 0, comp, comp)]);
    put_u32(&mut b, 16, 1);
    fix_file_crc(&mut b);
    assert!(matches!(decode(&b), Err(PackageError::BadLayout { .. })));
}

#[test]
fn trailing_garbage_is_refused() {
    let mut b = valid(500);
    b.push(0);
    let e = decode(&b).unwrap_err();
    assert!(matches!(e, PackageError::TrailingData { bytes: 1 }));
    assert_eq!(code(e), ErrorCode::InvalidPackage);
}

#[test]
fn an_invalid_manifest_inside_a_sound_package_is_a_manifest_error() {
    let bad = MANIFEST.replace("bex.pkgtest", "pkgtest");
    let b = craft(&[(1, 0, bad.as_bytes(), bad.as_bytes()), (2, 0, b"c", b"c")]);
    let e = decode(&b).unwrap_err();
    assert!(matches!(e, PackageError::Manifest(_)));
    assert_eq!(code(e), ErrorCode::InvalidManifest);
    let abi = MANIFEST.replace("^1.0", "^2.0");
    let b = craft(&[(1, 0, abi.as_bytes(), abi.as_bytes()), (2, 0, b"c", b"c")]);
    assert_eq!(code(decode(&b).unwrap_err()), ErrorCode::AbiMismatch);
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.bex");
    let limits = PackageLimits::default().max_component_bytes(1000);
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(limits.max_package_bytes() + 1).unwrap();
    let e = Package::read_file(&path, &limits).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidPackage);
    assert!(e.to_string().contains("package file"), "{e}");
}

#[test]
fn write_file_is_atomic_and_leaves_no_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.bex");
    std::fs::write(&path, b"old").unwrap();
    let p = Package::new(MANIFEST, component_bytes(100)).unwrap();
    p.write_file(&path, &limits()).unwrap();
    assert_eq!(
        decode(&std::fs::read(&path).unwrap()).unwrap().component(),
        p.component()
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // Into a missing directory: an error, and nothing half-written.
    let missing = dir.path().join("no/such/dir/out.bex");
    assert!(p.write_file(&missing, &limits()).is_err());
    assert!(!missing.exists());
}
