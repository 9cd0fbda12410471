//! What the host gives a plugin: one file per interface of
//! `wit/plugin.wit`, plus WASI with nothing granted.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Per-call state of one plugin instance.
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl HostState {
    /// State granting nothing: closed stdin, discarded stdout/stderr, no
    /// environment, no arguments, no directories.
    pub(crate) fn sealed() -> HostState {
        HostState {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
