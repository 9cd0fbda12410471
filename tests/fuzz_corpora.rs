//! Replays every committed fuzz corpus (tests/fuzz/corpus/<target>/) through
//! its target on stable Rust: none may panic. `make fuzz` grows the corpora
//! on nightly (tests/fuzz/README.md). The ignored test writes the seeds.

mod common;

use std::path::PathBuf;

use bex_engine::fuzzing::{self, CallTypes};

fn corpus(target: &str) -> PathBuf {
    common::root().join("tests/fuzz/corpus").join(target)
}

/// Runs `f` on every file of `target`'s corpus; returns how many.
fn replay(target: &str, f: impl Fn(&[u8])) -> usize {
    let dir = corpus(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in &files {
        let data = std::fs::read(file).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&data)));
        assert!(outcome.is_ok(), "{target}: {} panicked", file.display());
    }
    files.len()
}

#[test]
fn every_corpus_replays_without_a_panic() {
    let types = CallTypes::load(&common::wasm("bex_hostile")).expect("search types");
    type Target<'a> = (&'a str, &'a dyn Fn(&[u8]));
    let targets: [Target; 5] = [
        ("package", &fuzzing::package),
        ("manifest", &fuzzing::manifest),
        ("recording", &fuzzing::recording),
        ("host_pattern_and_url", &fuzzing::host_pattern_and_url),
        ("call_values", &|d: &[u8]| types.values(d)),
    ];
    for (target, f) in targets {
        let n = replay(target, f);
        assert!(n >= 3, "{target}: only {n} corpus files");
        println!("{target}: {n} inputs replayed");
    }
}

/// Writes the seed corpora (run with `-- --ignored`, then commit them).
#[test]
#[ignore]
fn write_seed_corpora() {
    let write = |target: &str, name: &str, data: &[u8]| {
        let dir = corpus(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), data).unwrap();
    };
    let (tvmaze_manifest, _) = common::tvmaze();
    let component = wat::parse_str("(component)").unwrap();
    let package = bex_engine::package::Package::new(&tvmaze_manifest, component).unwrap();
    let bytes = package
        .encode(&bex_engine::package::PackageLimits::default())
        .unwrap();
    write("package", "valid.bex", &bytes);
    write(
        "package",
        "truncated-header.bex",
        &bytes[..12.min(bytes.len())],
    );
    write("package", "truncated-body.bex", &bytes[..bytes.len() / 2]);
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0xff;
    write("package", "flipped.bex", &flipped);
    write("package", "bad-magic.bex", b"NOTABEX\0\0\0\0\0\0\0\0\0");

    write("manifest", "tvmaze.yaml", tvmaze_manifest.as_bytes());
    write(
        "manifest",
        "hostile.yaml",
        common::Hostile::default().manifest().as_bytes(),
    );
    write("manifest", "schema-2.yaml", b"schema: 2\nid: bex.x\n");
    write(
        "manifest",
        "aliases.yaml",
        b"a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n",
    );
    write("manifest", "not-utf8.yaml", b"schema: 1\nname: \xff\xfe\n");

    let fixtures = common::root().join("plugins/tvmaze/fixtures");
    for name in ["search-girls.json", "schedule-us.json"] {
        write(
            "recording",
            name,
            &std::fs::read(fixtures.join(name)).unwrap(),
        );
    }
    write("recording", "inline-body.json", br#"{"bex_recording": 1, "request": {"method": "GET", "url": "https://api.example.org/x"}, "response": {"status": 200, "headers": [["content-type", "text/plain"]], "body": "hi"}}"#);
    write("recording", "bad-version.json", br#"{"bex_recording": 9}"#);
    write("recording", "traversal.json", br#"{"bex_recording": 1, "request": {"method": "GET", "url": "https://a.example/"}, "response": {"status": 200, "headers": [], "body_file": "../../etc/passwd"}}"#);

    for (name, text) in [
        (
            "exact.txt",
            "api.example.org\nhttps://api.example.org/a?b=c\n/d?e=https://evil.example/",
        ),
        (
            "wildcard-port.txt",
            "*.example.org:8443\nhttps://x.example.org:8443/\nhttp://x.example.org/",
        ),
        (
            "ip.txt",
            "127.0.0.1\nhttp://[::ffff:127.0.0.1]/\n//169.254.169.254/latest",
        ),
        (
            "userinfo.txt",
            "example.org\nhttps://user:pw@example.org/\nhttps://example.org@evil.example/",
        ),
        (
            "idna.txt",
            "xn--mnchen-3ya.de\nhttps://münchen.de/\n../../..%2f",
        ),
    ] {
        write("host_pattern_and_url", name, text.as_bytes());
    }

    let card = serde_json::json!({"id": "c", "title": "T", "kind": "movie", "poster": {"url": "https://img.example.org/p.jpg", "width": 10, "height": null, "headers": [["Referer", "https://example.org/"]]}, "backdrop": null, "year": 2001, "rating": 7.5, "genres": ["Drama"], "description": null, "status": null, "dub_status": [], "episode_count": null, "extra": [["k", "v"]]});
    let page = serde_json::json!({"items": [card.clone()], "categories": [], "next_page": "2", "total": 1});
    let mut hostile_card = card;
    hostile_card["poster"]["url"] = "http://169.254.169.254/latest/meta-data".into();
    hostile_card["poster"]["headers"] = serde_json::json!([["Host", "evil.example"]]);
    let hostile_page = serde_json::json!({"items": [hostile_card], "categories": [], "next_page": null, "total": null});
    for (name, v) in [
        ("page.json", page),
        ("hostile-page.json", hostile_page),
        (
            "context.json",
            serde_json::json!({"request_id": "r1", "locale": "en", "region": null, "deadline_ms": 1000, "extra": []}),
        ),
        (
            "filters.json",
            serde_json::json!({"kind": "movie", "year": 2001, "genre": null, "sort": "popular", "extra": []}),
        ),
        ("query.json", serde_json::json!("girls")),
    ] {
        write(
            "call_values",
            name,
            serde_json::to_string(&v).unwrap().as_bytes(),
        );
    }
}
