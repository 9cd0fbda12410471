#![no_main]
//! Fuzzes `bex_engine::fuzzing::artifact`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| bex_engine::fuzzing::artifact(data));
