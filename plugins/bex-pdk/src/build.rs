//! For a plugin's `build.rs`: `manifest.yaml`'s `provides` is the one place
//! a plugin declares its capabilities. [`plugin`] reads it and writes the
//! plugin's world (the host imports and one export per capability) and the
//! export glue that [`export_plugin!`](crate::export_plugin) includes:
//!
//! ```text
//! // build.rs
//! fn main() {
//!     bex_pdk::build::plugin();
//! }
//! ```
//!
//! A capability the manifest provides without the matching trait impl, or a
//! trait impl the manifest does not provide, fails the build with a message
//! naming both places. A `provides` the kit cannot read fails here, naming
//! the manifest's line.

use std::path::{Path, PathBuf};

/// The capabilities, as `provides` names them, with their trait and the
/// contract's interface.
const CAPABILITIES: &[(&str, &str, &str)] = &[
    ("home", "Home", "home"),
    ("category", "Category", "category"),
    ("search", "Search", "search"),
    ("info", "Info", "info"),
    ("servers", "Servers", "servers"),
    ("stream", "Streams", "streams"),
    ("subtitles", "Subtitles", "subtitles"),
    ("articles", "Articles", "articles"),
];

/// The contract's folder in the kit this build script was compiled with.
const WIT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/wit");

/// Reads `manifest.yaml` beside the plugin's `Cargo.toml` and writes
/// `$OUT_DIR/bex_plugin.rs` for [`export_plugin!`](crate::export_plugin).
/// Fails the build, naming the file and line, on a `provides` it cannot read.
pub fn plugin() {
    println!("cargo::rerun-if-changed=manifest.yaml");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(message) = write(&dir.join("manifest.yaml"), &out.join("bex_plugin.rs")) {
        println!("cargo::error={message}");
    }
}

fn write(manifest: &Path, out: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(manifest)
        .map_err(|e| format!("{}: {e} (the plugin's manifest)", manifest.display()))?;
    let provided = provides(&text)?;
    std::fs::write(out, glue(&provided)).map_err(|e| format!("{}: {e}", out.display()))
}

/// One capability `provides` turns on: its index in [`CAPABILITIES`] and
/// the manifest line that says so.
type Provided = (usize, usize);

/// The capabilities `provides` sets to `true`, read from the manifest's
/// text: a block of `name: true|false` lines, or one `{name: true, ...}`.
/// Errors name `manifest.yaml:LINE`.
pub(crate) fn provides(text: &str) -> Result<Vec<Provided>, String> {
    let lines: Vec<&str> = text.lines().map(strip_comment).collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("provides:")) else {
        return Err(
            "manifest.yaml has no `provides:`: list the capabilities the plugin implements".into(),
        );
    };
    let rest = lines[start]["provides:".len()..].trim();
    let mut entries = Vec::new();
    if rest.is_empty() {
        for (n, line) in lines.iter().enumerate().skip(start + 1) {
            if line.trim().is_empty() {
                continue;
            }
            if !line.starts_with([' ', '\t']) {
                break;
            }
            entries.push((n + 1, line.trim()));
        }
    } else if let Some(inner) = rest.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        entries.extend(
            inner
                .split(',')
                .filter(|e| !e.trim().is_empty())
                .map(|e| (start + 1, e.trim())),
        );
    } else {
        return Err(format!(
            "manifest.yaml:{}: the kit reads `provides` as `name: true` lines or `{{name: true, ...}}`",
            start + 1
        ));
    }
    let mut provided = Vec::new();
    for (line, entry) in entries {
        let (name, value) = entry.split_once(':').ok_or_else(|| {
            format!("manifest.yaml:{line}: `{entry}` is not `name: true` under `provides`")
        })?;
        let name = name.trim().trim_matches(|c| c == '"' || c == '\'');
        let index = CAPABILITIES
            .iter()
            .position(|c| c.0 == name)
            .ok_or_else(|| {
                format!(
                    "manifest.yaml:{line}: `{name}` is not a capability; `provides` takes {}",
                    names()
                )
            })?;
        match value.trim() {
            "true" => provided.push((index, line)),
            "false" => {}
            other => {
                return Err(format!(
                    "manifest.yaml:{line}: provides.{name} is `{other}`; it takes true or false"
                ));
            }
        }
    }
    if provided.is_empty() {
        return Err(format!(
            "manifest.yaml:{}: `provides` turns on no capability; set one of {} to true",
            start + 1,
            names()
        ));
    }
    Ok(provided)
}

fn strip_comment(line: &str) -> &str {
    match line.find(" #") {
        Some(i) => &line[..i],
        None if line.trim_start().starts_with('#') => "",
        None => line,
    }
}

fn names() -> String {
    CAPABILITIES
        .iter()
        .map(|c| c.0)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The bindings module and the `bex_plugin_exports!` macro for `provided`.
fn glue(provided: &[Provided]) -> String {
    let mut world = String::from(
        "package bex-plugins:plugin;\nworld plugin {\n    include bex:plugin/imports@1.0.0;\n",
    );
    let mut exports = String::new();
    for &(index, line) in provided {
        let (name, tr, interface) = CAPABILITIES[index];
        world.push_str(&format!("    export bex:plugin/{interface}@1.0.0;\n"));
        // A trait of the plugin's own whose message names the manifest's
        // line: rustc reports it when the plugin lacks the kit's trait.
        exports.push_str(&format!(
            r#"        #[diagnostic::on_unimplemented(
            message = "manifest.yaml:{line} provides `{name}`, but `{{Self}}` does not implement `bex_pdk::{tr}`",
            label = "manifest.yaml:{line} provides `{name}`",
            note = "add `impl bex_pdk::{tr} for {{Self}}` (docs/writing-plugins.md), or remove `{name}` from `provides` in manifest.yaml (line {line})"
        )]
        trait ManifestProvides{tr} {{}}
        impl<T: ::bex_pdk::{tr}> ManifestProvides{tr} for T {{}}
        const _: fn() = || {{
            fn provided<T: ManifestProvides{tr}>() {{}}
            provided::<$plugin>();
        }};
        ::bex_pdk::export_plugin!(@impl $plugin, {interface});
"#
        ));
    }
    world.push_str("}\n");
    format!(
        r#"// Generated by bex_pdk::build from manifest.yaml: do not edit.
::bex_pdk::export_plugin!(@bindings inline: {world:?}, path: {wit:?},);

macro_rules! bex_plugin_exports {{
    ($plugin:ident) => {{
{exports}        bex_plugin_bindings::export!($plugin with_types_in bex_plugin_bindings);
    }};
}}
"#,
        wit = WIT_DIR,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_of(text: &str) -> Result<Vec<(&'static str, usize)>, String> {
        provides(text).map(|p| p.into_iter().map(|(i, l)| (CAPABILITIES[i].0, l)).collect())
    }

    #[test]
    fn block_and_flow_forms_are_read_with_their_lines() {
        let block = "id: x\nprovides:\n  home: true # rows\n\n  search: true\n  info: false\nnetwork:\n  hosts: []\n";
        assert_eq!(names_of(block).unwrap(), [("home", 3), ("search", 5)]);
        let flow = "id: x\nprovides: {search: true, \"stream\": true}\n";
        assert_eq!(names_of(flow).unwrap(), [("search", 2), ("stream", 2)]);
    }

    #[test]
    fn what_the_kit_cannot_read_names_the_line() {
        let unknown = names_of("provides:\n  streams: true\n").unwrap_err();
        assert!(
            unknown.starts_with("manifest.yaml:2: `streams` is not a capability"),
            "{unknown}"
        );
        let value = names_of("provides:\n  home: yes\n").unwrap_err();
        assert!(
            value.contains("manifest.yaml:2: provides.home is `yes`"),
            "{value}"
        );
        let none = names_of("provides:\n  home: false\n").unwrap_err();
        assert!(none.contains("turns on no capability"), "{none}");
        assert!(names_of("id: x\n").unwrap_err().contains("no `provides:`"));
        assert!(
            names_of("provides: [home]\n")
                .unwrap_err()
                .starts_with("manifest.yaml:1:")
        );
    }
}
