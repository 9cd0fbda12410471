//! Checking a component against the plugin contract and its manifest.
//!
//! A component passes when it is a valid component, imports only the
//! contract's host interfaces and the WASI subset BEX links, exports exactly
//! the capability interfaces its manifest `provides`, and each of those
//! exports has the contract's function types. `bex pack` and install run
//! this check; nothing is stored for a component that fails it.

use wasmtime::component::Component;

use crate::contract::{ABI_VERSION, Capabilities, Capability, WIT_PACKAGE};
use crate::host::HostState;
use crate::manifest::Manifest;
use crate::wasm::linker;

/// Fuel allowed to a component's start-up code while checking it.
const CHECK_FUEL: u64 = 500_000_000;

/// Why a component was refused.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    /// The bytes are not a valid component.
    #[error("not a valid component: {message}")]
    Invalid {
        /// What is wrong.
        message: String,
    },
    /// The component imports something the host does not provide.
    #[error("component imports `{name}`, which BEX does not provide{hint}")]
    ForbiddenImport {
        /// The import.
        name: String,
        /// What to do instead, if there is something.
        hint: &'static str,
    },
    /// An export does not match the contract.
    #[error("export `{name}` does not match the contract: {message}")]
    BadExport {
        /// The export.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// The exports and the manifest's `provides` disagree.
    #[error("{message}")]
    ProvidesMismatch {
        /// What disagrees.
        message: String,
    },
    /// The engine failed.
    #[error("engine: {0}")]
    Engine(String),
}

/// Checks `bytes` against the contract and `manifest`, with a throwaway
/// engine. This is what `bex pack` runs. Only a build with the compiler
/// (the `jit` feature) can.
#[cfg(feature = "jit")]
pub fn check(manifest: &Manifest, bytes: &[u8]) -> Result<(), ComponentError> {
    let engine = crate::wasm::check_engine().map_err(|e| ComponentError::Engine(e.to_string()))?;
    compile_checked(&engine, manifest, bytes).map(|_| ())
}

/// Compiles `bytes` with `engine` and checks the result, returning the
/// compiled component.
#[cfg(feature = "jit")]
pub(crate) fn compile_checked(
    engine: &wasmtime::Engine,
    manifest: &Manifest,
    bytes: &[u8],
) -> Result<Component, ComponentError> {
    if bytes.starts_with(b"\0asm\x01\0\0\0") {
        return Err(ComponentError::Invalid {
            message: "this is a core WebAssembly module, not a component; build the plugin for wasm32-wasip2".into(),
        });
    }
    let component = Component::new(engine, bytes).map_err(|e| ComponentError::Invalid {
        message: format!("{e:#}"),
    })?;
    check_loaded(engine, manifest, &component)?;
    Ok(component)
}

/// Checks a compiled (or precompiled and loaded) component against the
/// contract and `manifest`.
pub(crate) fn check_loaded(
    engine: &wasmtime::Engine,
    manifest: &Manifest,
    component: &Component,
) -> Result<(), ComponentError> {
    check_imports(engine, component)?;
    check_provides(component, manifest.provides)?;
    check_export_types(engine, component, manifest.provides)
}

fn check_imports(engine: &wasmtime::Engine, component: &Component) -> Result<(), ComponentError> {
    for (name, _) in component.component_type().imports(engine) {
        if let Some(rest) = name.strip_prefix(&format!("{WIT_PACKAGE}/")) {
            let (_iface, version) = rest.split_once('@').unwrap_or((rest, ""));
            let compatible = semver::Version::parse(version)
                .is_ok_and(|v| v.major == ABI_VERSION.major && v <= ABI_VERSION);
            if !compatible {
                return Err(ComponentError::ForbiddenImport {
                    name: name.to_string(),
                    hint: " (the plugin was built against a newer contract; rebuild it against this BEX's wit/plugin.wit)",
                });
            }
            continue;
        }
        if linker::ALLOWED_WASI_PREFIXES
            .iter()
            .any(|p| name.starts_with(p))
        {
            continue;
        }
        let hint = if name.starts_with("wasi:sockets/") || name.starts_with("wasi:http/") {
            " (plugins reach the network through bex:plugin/http)"
        } else {
            ""
        };
        return Err(ComponentError::ForbiddenImport {
            name: name.to_string(),
            hint,
        });
    }
    Ok(())
}

/// The capability interfaces a component exports.
pub(crate) fn exported_capabilities(component: &Component) -> Capabilities {
    Capability::ALL
        .into_iter()
        .filter(|c| component.get_export_index(None, c.export_name()).is_some())
        .collect()
}

fn check_provides(component: &Component, provides: Capabilities) -> Result<(), ComponentError> {
    let exported = exported_capabilities(component);
    let mut problems = Vec::new();
    for cap in Capability::ALL {
        match (provides.contains(cap), exported.contains(cap)) {
            (true, false) => problems.push(format!(
                "provides.{cap} is true but the component does not export {}",
                cap.export_name()
            )),
            (false, true) => problems.push(format!(
                "the component exports {} but provides.{cap} is not true",
                cap.export_name()
            )),
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ComponentError::ProvidesMismatch {
            message: problems.join("; "),
        })
    }
}

/// Links the component against the real host (so import types are
/// checked too), instantiates it with a state granting nothing, and loads
/// each provided interface with the contract's types.
fn check_export_types(
    engine: &wasmtime::Engine,
    component: &Component,
    provides: Capabilities,
) -> Result<(), ComponentError> {
    let engine_err = |e: wasmtime::Error| ComponentError::Engine(format!("{e:#}"));
    let linker = linker::build(engine).map_err(engine_err)?;
    let pre = linker
        .instantiate_pre(component)
        .map_err(|e| ComponentError::Invalid {
            message: format!("{e:#}"),
        })?;
    let mut store = wasmtime::Store::new(engine, HostState::sealed());
    store.set_fuel(CHECK_FUEL).map_err(engine_err)?;
    store.set_epoch_deadline(u64::MAX / 2);
    let instance = pre
        .instantiate(&mut store)
        .map_err(|e| ComponentError::Invalid {
            message: format!("instantiation failed: {e:#}"),
        })?;
    for cap in provides.iter() {
        typecheck(cap, &pre, &mut store, &instance).map_err(|e| ComponentError::BadExport {
            name: cap.export_name(),
            message: format!("{e:#}"),
        })?;
    }
    Ok(())
}

fn typecheck(
    cap: Capability,
    pre: &wasmtime::component::InstancePre<HostState>,
    store: &mut wasmtime::Store<HostState>,
    instance: &wasmtime::component::Instance,
) -> wasmtime::Result<()> {
    use crate::bindings::exports::bex::plugin as ex;
    macro_rules! load {
        ($iface:ident) => {{
            ex::$iface::GuestIndices::new(pre)?.load(&mut *store, instance)?;
        }};
    }
    match cap {
        Capability::Home => load!(home),
        Capability::Category => load!(category),
        Capability::Search => load!(search),
        Capability::Info => load!(info),
        Capability::Servers => load!(servers),
        Capability::Stream => load!(streams),
        Capability::Subtitles => load!(subtitles),
        Capability::Articles => load!(articles),
    }
    Ok(())
}
