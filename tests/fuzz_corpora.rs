//! Replays every committed fuzz corpus (tests/fuzz/corpus/<target>/) through
//! its target on stable Rust: none may panic. `make fuzz` grows the corpora
//! on nightly (tests/fuzz/README.md).

mod common;

use std::path::PathBuf;

use bex_engine::fuzzing;

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
    type Target<'a> = (&'a str, &'a dyn Fn(&[u8]));
    let targets: [Target; 7] = [
        ("package", &fuzzing::package),
        ("repo_index", &fuzzing::repo_index),
        ("artifact", &fuzzing::artifact),
        ("manifest", &fuzzing::manifest),
        ("recording", &fuzzing::recording),
        ("host_pattern_and_url", &fuzzing::host_pattern_and_url),
        ("call_values", &fuzzing::call_values),
    ];
    for (target, f) in targets {
        let n = replay(target, f);
        assert!(n >= 3, "{target}: only {n} corpus files");
        println!("{target}: {n} inputs replayed");
    }
}
