#![no_main]
//! Fuzzes the JSON-to-component-value mapping and the result check
//! (`bex_engine::fuzzing::CallTypes`), with the types of the test plugin's
//! `search` (build it first: `make plugins`).

use std::sync::OnceLock;

use bex_engine::fuzzing::CallTypes;

fn types() -> &'static CallTypes {
    static TYPES: OnceLock<CallTypes> = OnceLock::new();
    TYPES.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/wasm32-wasip2/release/bex_hostile.wasm");
        let wasm = std::fs::read(path).expect("build the test plugins first: make plugins");
        CallTypes::load(&wasm).expect("the test plugin provides search")
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| types().values(data));
