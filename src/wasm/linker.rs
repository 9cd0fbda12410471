//! The component linker: the WASI subset plugins get (tokio-free), and the
//! contract's host interfaces.

use wasmtime::component::{HasSelf, Linker};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, random, sync};
use wasmtime_wasi::random::WasiRandom;

use crate::host::HostState;
use crate::host::wasi_io::{SyncClock, SyncClockView, SyncIo, TableOnly};

/// WASI interfaces a `wasm32-wasip2` plugin may import. Everything is
/// linked but nothing is granted: no preopened directories, no environment,
/// no arguments, stdin closed, stdout/stderr captured. Sockets and
/// `wasi:http` are not linked at all: plugins reach the network only
/// through `bex:plugin/http`.
pub(crate) const ALLOWED_WASI_PREFIXES: [&str; 5] = [
    "wasi:io/",
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:filesystem/",
];

/// A linker with WASI and every `bex:plugin` host interface.
pub(crate) fn build(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    add_wasi(&mut linker)?;
    crate::bindings::Plugin::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
    Ok(linker)
}

fn add_wasi(l: &mut Linker<HostState>) -> wasmtime::Result<()> {
    type T = HostState;
    // Streams, polling and the monotonic clock: our views, which never
    // start wasmtime-wasi's hidden tokio runtime.
    wasmtime_wasi_io::bindings::wasi::io::error::add_to_linker::<T, TableOnly>(l, |s| s.table())?;
    sync::io::poll::add_to_linker::<T, SyncIo>(l, |s| s.io_view())?;
    sync::io::streams::add_to_linker::<T, SyncIo>(l, |s| s.io_view())?;
    clocks::monotonic_clock::add_to_linker::<T, SyncClock>(l, |s| {
        SyncClockView(<T as WasiClocksView>::clocks(s))
    })?;
    clocks::wall_clock::add_to_linker::<T, WasiClocks>(l, <T as WasiClocksView>::clocks)?;
    random::random::add_to_linker::<T, WasiRandom>(l, |t| t.ctx().ctx.random())?;
    random::insecure::add_to_linker::<T, WasiRandom>(l, |t| t.ctx().ctx.random())?;
    random::insecure_seed::add_to_linker::<T, WasiRandom>(l, |t| t.ctx().ctx.random())?;
    cli::exit::add_to_linker::<T, WasiCli>(l, <T as WasiCliView>::cli)?;
    cli::environment::add_to_linker::<T, WasiCli>(l, <T as WasiCliView>::cli)?;
    cli::stdin::add_to_linker::<T, WasiCli>(l, <T as WasiCliView>::cli)?;
    cli::stdout::add_to_linker::<T, WasiCli>(l, <T as WasiCliView>::cli)?;
    cli::stderr::add_to_linker::<T, WasiCli>(l, <T as WasiCliView>::cli)?;
    cli::terminal_input::add_to_linker::<T, WasiCli>(l, <T as WasiCliView>::cli)?;
    cli::terminal_output::add_to_linker::<T, WasiCli>(l, <T as WasiCliView>::cli)?;
    cli::terminal_stdin::add_to_linker::<T, WasiCli>(l, <T as WasiCliView>::cli)?;
    cli::terminal_stdout::add_to_linker::<T, WasiCli>(l, <T as WasiCliView>::cli)?;
    cli::terminal_stderr::add_to_linker::<T, WasiCli>(l, <T as WasiCliView>::cli)?;
    // No preopens are ever granted, so these can reach nothing.
    filesystem::preopens::add_to_linker::<T, WasiFilesystem>(
        l,
        <T as WasiFilesystemView>::filesystem,
    )?;
    sync::filesystem::types::add_to_linker::<T, WasiFilesystem>(
        l,
        <T as WasiFilesystemView>::filesystem,
    )?;
    Ok(())
}
