#![no_main]
//! Fuzzes the JSON mapping of the contract's arguments and results and the
//! result check (`bex_engine::fuzzing::call_values`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| bex_engine::fuzzing::call_values(data));
