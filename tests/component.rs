//! Checking components against the contract and their manifest, as `pack`
//! and install do.

mod common;

use bex_engine::ErrorCode;
use bex_engine::component::{ComponentError, check};
use bex_engine::manifest::Manifest;

fn manifest_providing(provides: &str) -> Manifest {
    Manifest::parse(&format!(
        "schema: 1\nid: bex.check\nname: Check\nversion: 1.0.0\nabi: \"^1.0\"\nprovides: {{{provides}}}\n"
    ))
    .unwrap()
}

fn code(e: ComponentError) -> ErrorCode {
    bex_engine::Error::from(e).code()
}

/// A component exporting `bex:plugin/search@1.0.0` whose `search` has the
/// wrong type, with `start` as the body of its core start function.
fn wrong_search(start: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(component
            (core module $m
                (func $start {start})
                (start $start)
                (func (export "f")))
            (core instance $i (instantiate $m))
            (func $f (canon lift (core func $i "f")))
            (instance $inst (export "search" (func $f)))
            (export "bex:plugin/search@1.0.0" (instance $inst)))"#
    ))
    .unwrap()
}

#[test]
fn the_tvmaze_plugin_passes() {
    let (manifest, wasm) = common::tvmaze();
    let manifest = Manifest::parse(&manifest).unwrap();
    check(&manifest, &wasm).unwrap();
}

#[test]
fn provides_must_match_exports_both_ways() {
    let (_, wasm) = common::tvmaze();
    let fewer = manifest_providing("home: true, search: true");
    let e = check(&fewer, &wasm).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("exports bex:plugin/category@1.0.0 but provides.category is not true"),
        "{msg}"
    );
    assert!(
        msg.contains("exports bex:plugin/info@1.0.0 but provides.info is not true"),
        "{msg}"
    );
    assert_eq!(code(e), ErrorCode::InvalidComponent);
    let more =
        manifest_providing("home: true, category: true, search: true, info: true, stream: true");
    let msg = check(&more, &wasm).unwrap_err().to_string();
    assert!(
        msg.contains(
            "provides.stream is true but the component does not export bex:plugin/streams@1.0.0"
        ),
        "{msg}"
    );
}

#[test]
fn core_modules_and_garbage_are_not_components() {
    let m = manifest_providing("search: true");
    let core = wat::parse_str("(module)").unwrap();
    let e = check(&m, &core).unwrap_err();
    assert!(e.to_string().contains("wasm32-wasip2"), "{e}");
    assert_eq!(code(e), ErrorCode::InvalidComponent);
    let e = check(&m, b"definitely not wasm").unwrap_err();
    assert!(matches!(e, ComponentError::Invalid { .. }));
    assert!(matches!(
        check(&m, b""),
        Err(ComponentError::Invalid { .. })
    ));
}

#[test]
fn imports_outside_the_contract_are_refused_with_a_hint() {
    let m = manifest_providing("search: true");
    let sockets = wat::parse_str(
        r#"(component (import "wasi:sockets/tcp@0.2.0" (instance (export "f" (func)))))"#,
    )
    .unwrap();
    let e = check(&m, &sockets).unwrap_err();
    assert!(
        matches!(&e, ComponentError::ForbiddenImport { name, .. } if name == "wasi:sockets/tcp@0.2.0"),
        "{e}"
    );
    assert!(e.to_string().contains("bex:plugin/http"), "{e}");
    let other =
        wat::parse_str(r#"(component (import "evil:host/api" (instance (export "f" (func)))))"#)
            .unwrap();
    assert!(matches!(
        check(&m, &other),
        Err(ComponentError::ForbiddenImport { .. })
    ));
    let newer = wat::parse_str(
        r#"(component (import "bex:plugin/http@1.9.0" (instance (export "f" (func)))))"#,
    )
    .unwrap();
    let e = check(&m, &newer).unwrap_err();
    assert!(e.to_string().contains("newer contract"), "{e}");
}

#[test]
fn exports_with_the_wrong_types_are_refused() {
    let m = manifest_providing("search: true");
    let e = check(&m, &wrong_search("")).unwrap_err();
    assert!(
        matches!(&e, ComponentError::BadExport { name, .. } if name == "bex:plugin/search@1.0.0"),
        "{e}"
    );
    assert_eq!(code(e), ErrorCode::InvalidComponent);
}

#[test]
fn a_start_function_that_never_ends_cannot_hang_the_check() {
    let m = manifest_providing("search: true");
    let e = check(&m, &wrong_search("(loop $l (br $l))")).unwrap_err();
    assert!(
        matches!(&e, ComponentError::Invalid { message } if message.contains("instantiation failed")),
        "{e}"
    );
}
