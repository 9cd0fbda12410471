//! `atob` and `btoa` (HTML Standard), with the "forgiving-base64" decoding
//! of the Infra Standard, backed by the `base64` crate.

use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rquickjs::{Ctx, Function, Object};

/// The standard alphabet, padding already stripped, and nonzero trailing
/// bits allowed (forgiving-base64 discards them).
const FORGIVING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Defines `atob` and `btoa` on the context's global object.
///
/// # Errors
///
/// Fails if the context cannot allocate the natives or run the glue
/// (for example when out of memory).
pub fn install(ctx: &Ctx<'_>) -> rquickjs::Result<()> {
    let natives = Object::new(ctx.clone())?;
    natives.set("atob", Function::new(ctx.clone(), atob)?)?;
    natives.set("btoa", Function::new(ctx.clone(), btoa)?)?;
    super::run_glue(ctx, include_str!("base64.js"), natives)
}

/// The binary string `data` decodes to; `None` (an `InvalidCharacterError`
/// for the glue) if `data` is not forgiving-base64. A string with lone
/// surrogates cannot convert to Rust and is invalid too.
fn atob(data: rquickjs::String<'_>) -> Option<String> {
    let data = data.to_string().ok()?;
    forgiving_decode(&data).map(|bytes| super::bytes_to_latin1(&bytes))
}

/// The base64 of the binary string `data`; `None` (an
/// `InvalidCharacterError` for the glue) if a character is above U+00FF.
fn btoa(data: rquickjs::String<'_>) -> Option<String> {
    let data = data.to_string().ok()?;
    super::latin1_to_bytes(&data).map(|bytes| STANDARD.encode(bytes))
}

/// The Infra Standard's forgiving-base64 decode.
fn forgiving_decode(data: &str) -> Option<Vec<u8>> {
    let mut data: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if data.len().is_multiple_of(4) {
        let padding = if data.ends_with("==") {
            2
        } else {
            usize::from(data.ends_with('='))
        };
        data.truncate(data.len() - padding);
    }
    if data.len() % 4 == 1 {
        return None;
    }
    FORGIVING.decode(data).ok()
}

#[cfg(test)]
mod tests {
    use super::forgiving_decode;

    #[test]
    fn forgiving() {
        assert_eq!(forgiving_decode(" YW\tJj\n ").as_deref(), Some(&b"abc"[..]));
        assert_eq!(forgiving_decode("YQ").as_deref(), Some(&b"a"[..]));
        assert_eq!(forgiving_decode("YR==").as_deref(), Some(&b"a"[..]));
        assert_eq!(forgiving_decode("").as_deref(), Some(&b""[..]));
        assert_eq!(forgiving_decode("YQ="), None);
        assert_eq!(forgiving_decode("Y"), None);
        assert_eq!(forgiving_decode("YQ===="), None);
        assert_eq!(forgiving_decode("Y\u{b}Q"), None);
        assert_eq!(forgiving_decode("YQ-_"), None);
    }
}
