#![no_main]
//! Fuzzes `bex_engine::fuzzing::manifest`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| bex_engine::fuzzing::manifest(data));
