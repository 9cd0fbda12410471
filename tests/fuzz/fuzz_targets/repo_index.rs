#![no_main]
//! Fuzzes `bex_engine::fuzzing::repo_index`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| bex_engine::fuzzing::repo_index(data));
