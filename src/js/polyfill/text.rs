//! `TextEncoder` and `TextDecoder` (WHATWG Encoding Standard), backed by
//! `encoding_rs`, which implements that standard's decoders.
//!
//! The decoder accepts every label of the standard except those of the
//! "replacement" encoding (a `RangeError`, as the standard's constructor
//! requires). A decoder's streaming state is a Rust value captured by a
//! native function that the JavaScript object keeps in a private field.

use std::cell::RefCell;

use encoding_rs::{CoderResult, Decoder, DecoderResult, Encoding};
use rquickjs::{Array, Ctx, Exception, Function, Object, TypedArray};

/// Defines `TextEncoder` and `TextDecoder` on the context's global object.
///
/// # Errors
///
/// Fails if the context cannot allocate the natives or run the glue
/// (for example when out of memory).
pub fn install(ctx: &Ctx<'_>) -> rquickjs::Result<()> {
    let natives = Object::new(ctx.clone())?;
    natives.set("encode", Function::new(ctx.clone(), encode)?)?;
    natives.set("encodeInto", Function::new(ctx.clone(), encode_into)?)?;
    natives.set("encodingName", Function::new(ctx.clone(), encoding_name)?)?;
    natives.set("decoder", Function::new(ctx.clone(), decoder)?)?;
    super::run_glue(ctx, include_str!("text.js"), natives)
}

/// UTF-8 bytes of `input` (the glue has already replaced lone surrogates).
fn encode<'js>(ctx: Ctx<'js>, input: String) -> rquickjs::Result<TypedArray<'js, u8>> {
    TypedArray::new_copy(ctx, input.as_bytes())
}

/// `[read, bytes]`: the UTF-8 bytes of the longest prefix of whole characters
/// of `input` that fits in `capacity` bytes, and that prefix's length in
/// UTF-16 code units.
fn encode_into<'js>(ctx: Ctx<'js>, input: String, capacity: usize) -> rquickjs::Result<Array<'js>> {
    let (read, written) = fit_utf8(&input, capacity);
    let result = Array::new(ctx.clone())?;
    result.set(0, read)?;
    result.set(
        1,
        TypedArray::<u8>::new_copy(ctx, &input.as_bytes()[..written])?,
    )?;
    Ok(result)
}

/// `(UTF-16 code units, UTF-8 bytes)` of the longest prefix of whole
/// characters of `s` whose UTF-8 form fits in `capacity` bytes.
fn fit_utf8(s: &str, capacity: usize) -> (usize, usize) {
    let mut read = 0;
    let mut written = 0;
    for c in s.chars() {
        let len = c.len_utf8();
        if written + len > capacity {
            break;
        }
        written += len;
        read += c.len_utf16();
    }
    (read, written)
}

/// The standard's name of the encoding `label` denotes, ASCII-lowercased as
/// `TextDecoder.prototype.encoding` returns it; `None` for an unknown label
/// or one of the "replacement" encoding.
fn encoding_name(label: String) -> Option<String> {
    Encoding::for_label_no_replacement(label.as_bytes()).map(|e| e.name().to_ascii_lowercase())
}

/// A decode function for one `TextDecoder`: `(bytes, stream) => string`,
/// where `bytes` is a binary string. It throws a `TypeError` on malformed
/// input when `fatal` is set.
fn decoder<'js>(
    ctx: Ctx<'js>,
    label: String,
    fatal: bool,
    ignore_bom: bool,
) -> rquickjs::Result<Function<'js>> {
    let Some(encoding) = Encoding::for_label_no_replacement(label.as_bytes()) else {
        return Err(Exception::throw_range(&ctx, "unsupported encoding label"));
    };
    let state = RefCell::new(Stream::new(encoding, fatal, ignore_bom));
    Function::new(
        ctx,
        move |ctx: Ctx<'js>, bytes: String, stream: bool| -> rquickjs::Result<String> {
            let Some(bytes) = super::latin1_to_bytes(&bytes) else {
                return Err(Exception::throw_type(&ctx, "expected a binary string"));
            };
            let mut state = state.borrow_mut();
            state.decode(&bytes, stream).ok_or_else(|| {
                let message = format!(
                    "The encoded data was not valid for encoding {}",
                    state.encoding.name().to_ascii_lowercase()
                );
                Exception::throw_type(&ctx, &message)
            })
        },
    )
}

/// The state of one `TextDecoder` across `decode` calls.
struct Stream {
    /// The decoder's encoding.
    encoding: &'static Encoding,
    /// Whether malformed input is an error rather than U+FFFD.
    fatal: bool,
    /// Whether a leading byte order mark is kept.
    ignore_bom: bool,
    /// The decoder of the current stream.
    decoder: Decoder,
}

impl Stream {
    /// A stream for `encoding` with the given `TextDecoder` options.
    fn new(encoding: &'static Encoding, fatal: bool, ignore_bom: bool) -> Self {
        Stream {
            encoding,
            fatal,
            ignore_bom,
            decoder: fresh_decoder(encoding, ignore_bom),
        }
    }

    /// Decodes `bytes`; unless `stream`, flushes and starts a new stream for
    /// the next call. `None` when `fatal` and the input is malformed; the
    /// stream then starts over too.
    fn decode(&mut self, bytes: &[u8], stream: bool) -> Option<String> {
        let last = !stream;
        let decoded = if self.fatal {
            decode_strict(&mut self.decoder, bytes, last)
        } else {
            Some(decode_lossy(&mut self.decoder, bytes, last))
        };
        if last || decoded.is_none() {
            self.decoder = fresh_decoder(self.encoding, self.ignore_bom);
        }
        decoded
    }
}

/// A decoder that strips the encoding's own byte order mark unless
/// `ignore_bom`; it never switches encodings on another encoding's BOM.
fn fresh_decoder(encoding: &'static Encoding, ignore_bom: bool) -> Decoder {
    if ignore_bom {
        encoding.new_decoder_without_bom_handling()
    } else {
        encoding.new_decoder_with_bom_removal()
    }
}

/// Decodes with U+FFFD for malformed sequences.
fn decode_lossy(decoder: &mut Decoder, mut bytes: &[u8], last: bool) -> String {
    let mut out = String::new();
    loop {
        let needed = decoder.max_utf8_buffer_length(bytes.len());
        out.reserve(needed.unwrap_or(bytes.len()).max(4));
        let (result, read, _) = decoder.decode_to_string(bytes, &mut out, last);
        bytes = &bytes[read..];
        if let CoderResult::InputEmpty = result {
            return out;
        }
    }
}

/// Decodes, or `None` at the first malformed sequence.
fn decode_strict(decoder: &mut Decoder, mut bytes: &[u8], last: bool) -> Option<String> {
    let mut out = String::new();
    loop {
        let needed = decoder.max_utf8_buffer_length_without_replacement(bytes.len());
        out.reserve(needed.unwrap_or(bytes.len()).max(4));
        let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, last);
        bytes = &bytes[read..];
        match result {
            DecoderResult::InputEmpty => return Some(out),
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(..) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_never_splits_a_character() {
        assert_eq!(fit_utf8("a😀b", 0), (0, 0));
        assert_eq!(fit_utf8("a😀b", 4), (1, 1));
        assert_eq!(fit_utf8("a😀b", 5), (3, 5));
        assert_eq!(fit_utf8("a😀b", 99), (4, 6));
    }

    #[test]
    fn labels() {
        assert_eq!(encoding_name(" UTF8\n".into()).as_deref(), Some("utf-8"));
        assert_eq!(
            encoding_name("latin1".into()).as_deref(),
            Some("windows-1252")
        );
        assert_eq!(encoding_name("iso-2022-kr".into()), None);
        assert_eq!(encoding_name("nope".into()), None);
    }

    #[test]
    fn streaming_split_character() {
        let mut stream = Stream::new(encoding_rs::UTF_8, true, false);
        assert_eq!(
            stream
                .decode(&[0xEF, 0xBB, 0xBF, 0xF0, 0x9F], true)
                .unwrap(),
            ""
        );
        assert_eq!(stream.decode(&[0x98, 0x80], false).unwrap(), "😀");
        assert_eq!(stream.decode(&[0xF0, 0x9F], false), None);
        assert_eq!(stream.decode(b"ok", false).unwrap(), "ok");
    }
}
