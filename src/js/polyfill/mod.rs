//! Web-platform globals for plugin JavaScript. Each module installs its
//! globals into a context with `install`.
//!
//! The algorithms live in Rust, backed by `encoding_rs`, `base64`, `url`,
//! `form_urlencoded` and RustCrypto; each module's JavaScript glue only shapes the Web IDL
//! surface. The glue is a function expression `(function (natives) { ... })`
//! called with an object of native helpers, so nothing but the standard
//! globals reaches `globalThis`.

use std::rc::Rc;

use rquickjs::{Ctx, Function, Object};

pub mod base64;
pub mod crypto;
mod subtle;
pub mod text;
pub mod url;

/// Returns true when the running evaluation must stop (its deadline
/// passed or it was cancelled). Native loops that can run long check it
/// now and then and throw when it says so.
pub type Stop = Rc<dyn Fn() -> bool>;

/// Bytes the polyfills keep on the Rust side for as long as a JS object
/// lives (a URL's state, a key's bytes), per runtime. QuickJS does not see
/// them, so they are counted here against a limit of their own (the heap
/// limit): past it, making another such object throws the out-of-memory
/// error QuickJS would.
#[derive(Clone)]
pub struct Native(Rc<NativeState>);

struct NativeState {
    used: std::cell::Cell<usize>,
    limit: usize,
}

/// A part of a [`Native`] budget held by one object; given back on drop.
pub struct Charge {
    native: Native,
    bytes: usize,
}

/// What a kept native object costs besides its payload.
const NATIVE_OVERHEAD: usize = 64;

impl Native {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Native {
        Native(Rc::new(NativeState {
            used: std::cell::Cell::new(0),
            limit,
        }))
    }

    /// Takes `bytes` (plus a fixed overhead) from the budget, or throws
    /// `InternalError: out of memory`.
    pub fn charge(&self, ctx: &Ctx<'_>, bytes: usize) -> rquickjs::Result<Charge> {
        let mut charge = Charge {
            native: self.clone(),
            bytes: 0,
        };
        charge.resize(ctx, bytes)?;
        Ok(charge)
    }
}

impl Charge {
    /// Changes the bytes held to `bytes` (plus the overhead), or throws
    /// `InternalError: out of memory` and keeps the old amount.
    pub fn resize(&mut self, ctx: &Ctx<'_>, bytes: usize) -> rquickjs::Result<()> {
        let bytes = bytes.saturating_add(NATIVE_OVERHEAD);
        let state = &self.native.0;
        let others = state.used.get() - self.bytes;
        if others.saturating_add(bytes) > state.limit {
            return Err(rquickjs::Exception::throw_internal(ctx, "out of memory"));
        }
        state.used.set(others + bytes);
        self.bytes = bytes;
        Ok(())
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        let state = &self.native.0;
        state.used.set(state.used.get() - self.bytes);
    }
}

/// Defines `DOMException`; the other polyfills throw it.
pub fn install_dom(ctx: &Ctx<'_>) -> rquickjs::Result<()> {
    ctx.eval::<(), _>(include_str!("dom.js"))
}

/// Evaluates `glue`, a function expression, and calls it with `natives`.
fn run_glue<'js>(ctx: &Ctx<'js>, glue: &str, natives: Object<'js>) -> rquickjs::Result<()> {
    let init: Function<'js> = ctx.eval(glue)?;
    init.call((natives,))
}

/// Bytes of a "binary string" (every character U+0000..=U+00FF stands for
/// one byte), the form in which the glue hands byte buffers to Rust; `None`
/// if a character is outside that range.
fn latin1_to_bytes(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(c).ok()).collect()
}

/// The "binary string" of `bytes`: one character U+0000..=U+00FF per byte.
fn bytes_to_latin1(bytes: &[u8]) -> String {
    bytes.iter().copied().map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::{bytes_to_latin1, latin1_to_bytes};

    #[test]
    fn latin1_round_trip() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(latin1_to_bytes(&bytes_to_latin1(&all)), Some(all));
        assert_eq!(latin1_to_bytes("\u{100}"), None);
    }
}
