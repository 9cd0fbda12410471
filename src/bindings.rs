//! Host bindings generated from `wit/plugin.wit`.
//!
//! Host functions are `trappable`: they return `wasmtime::Result`, so a host
//! can end a misbehaving call with a trap (a log flood, say) instead of
//! answering it.

wasmtime::component::bindgen!({
    path: "wit",
    world: "plugin",
    imports: { default: trappable },
});
