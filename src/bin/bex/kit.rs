//! The plugin kit (plugins/bex-pdk), carried inside `bex` so `bex new`
//! can vendor it into each new plugin (`bex-pdk/`): the plugin then builds
//! on any machine, offline, with no BEX checkout. tests/new_plugin.rs
//! checks this list against the kit's files.

/// Each file of the kit: its path in the vendored folder, and its text.
pub const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("template/bex-pdk.Cargo.toml.in")),
    ("wit/plugin.wit", include_str!("../../../wit/plugin.wit")),
    (
        "src/build.rs",
        include_str!("../../../plugins/bex-pdk/src/build.rs"),
    ),
    (
        "src/clock.rs",
        include_str!("../../../plugins/bex-pdk/src/clock.rs"),
    ),
    (
        "src/error.rs",
        include_str!("../../../plugins/bex-pdk/src/error.rs"),
    ),
    (
        "src/html.rs",
        include_str!("../../../plugins/bex-pdk/src/html.rs"),
    ),
    (
        "src/http.rs",
        include_str!("../../../plugins/bex-pdk/src/http.rs"),
    ),
    (
        "src/ids.rs",
        include_str!("../../../plugins/bex-pdk/src/ids.rs"),
    ),
    (
        "src/js.rs",
        include_str!("../../../plugins/bex-pdk/src/js.rs"),
    ),
    (
        "src/kv.rs",
        include_str!("../../../plugins/bex-pdk/src/kv.rs"),
    ),
    (
        "src/lib.rs",
        include_str!("../../../plugins/bex-pdk/src/lib.rs"),
    ),
    (
        "src/log.rs",
        include_str!("../../../plugins/bex-pdk/src/log.rs"),
    ),
    (
        "src/page.rs",
        include_str!("../../../plugins/bex-pdk/src/page.rs"),
    ),
    (
        "src/panic.rs",
        include_str!("../../../plugins/bex-pdk/src/panic.rs"),
    ),
    (
        "src/records.rs",
        include_str!("../../../plugins/bex-pdk/src/records.rs"),
    ),
    (
        "src/secrets.rs",
        include_str!("../../../plugins/bex-pdk/src/secrets.rs"),
    ),
    (
        "src/text.rs",
        include_str!("../../../plugins/bex-pdk/src/text.rs"),
    ),
    (
        "src/url.rs",
        include_str!("../../../plugins/bex-pdk/src/url.rs"),
    ),
    (
        "src/testing.rs",
        include_str!("../../../plugins/bex-pdk/src/testing.rs"),
    ),
];
