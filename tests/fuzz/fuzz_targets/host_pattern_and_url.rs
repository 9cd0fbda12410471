#![no_main]
//! Fuzzes `bex_engine::fuzzing::host_pattern_and_url`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| bex_engine::fuzzing::host_pattern_and_url(data));
