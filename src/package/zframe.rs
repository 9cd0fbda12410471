//! zstd sections: compression for `pack`, and bounded decompression that
//! inspects the frame header (RFC 8878, section 3.1.1) before the decoder
//! allocates anything.

use super::PackageError;

const ZSTD_MAGIC: u32 = 0xFD2F_B528;

/// What a zstd frame header declares.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct FrameHeader {
    /// Bytes the decoder must keep as history.
    pub window_size: u64,
    /// Decompressed size, when the frame records it.
    pub content_size: Option<u64>,
    /// Dictionary the frame needs (0 for none).
    pub dictionary_id: u32,
}

/// Parses the header of the zstd frame at the start of `data`.
pub(super) fn parse_header(data: &[u8]) -> Result<FrameHeader, String> {
    let need = |n: usize| {
        if data.len() < n {
            Err(format!(
                "frame header truncated ({} of {n} bytes)",
                data.len()
            ))
        } else {
            Ok(())
        }
    };
    need(5)?;
    let magic = u32::from_le_bytes(data[0..4].try_into().expect("4 bytes"));
    if magic != ZSTD_MAGIC {
        return Err(format!("not a zstd frame (magic {magic:#010x})"));
    }
    let descriptor = data[4];
    let fcs_flag = descriptor >> 6;
    let single_segment = descriptor & 0x20 != 0;
    if descriptor & 0x08 != 0 {
        return Err("reserved bit set in the frame header".into());
    }
    let did_len = [0usize, 1, 2, 4][usize::from(descriptor & 0x03)];
    let fcs_len = match (fcs_flag, single_segment) {
        (0, false) => 0,
        (0, true) => 1,
        (1, _) => 2,
        (2, _) => 4,
        _ => 8,
    };
    let mut at = 5;
    let window_descriptor = if single_segment {
        None
    } else {
        need(at + 1)?;
        at += 1;
        Some(data[at - 1])
    };
    need(at + did_len + fcs_len)?;
    let mut le = |len: usize| {
        let mut v = 0u64;
        for (i, b) in data[at..at + len].iter().enumerate() {
            v |= u64::from(*b) << (8 * i);
        }
        at += len;
        v
    };
    let dictionary_id = le(did_len) as u32;
    let content_size = match fcs_len {
        0 => None,
        2 => Some(le(2) + 256),
        n => Some(le(n)),
    };
    let window_size = match window_descriptor {
        Some(w) => {
            let log = 10 + u64::from(w >> 3);
            let base = 1u64 << log;
            base + (base / 8) * u64::from(w & 0x07)
        }
        // A single-segment frame keeps its whole content as history.
        None => content_size.expect("single-segment frames always record their size"),
    };
    Ok(FrameHeader {
        window_size,
        content_size,
        dictionary_id,
    })
}

/// Decompresses one zstd frame of exactly `raw_len` bytes, refusing frames
/// whose declared size or window exceed what the section and the limits
/// allow, before the decoder allocates.
pub(super) fn decompress(
    section: &'static str,
    data: &[u8],
    raw_len: u64,
    max_window: u64,
) -> Result<Vec<u8>, PackageError> {
    let bad = |message: String| PackageError::Decompress { section, message };
    let header = parse_header(data).map_err(&bad)?;
    if header.dictionary_id != 0 {
        return Err(bad(
            "the frame needs a zstd dictionary; BEX packages use none".into(),
        ));
    }
    match header.content_size {
        None => return Err(bad("the frame does not record its decompressed size".into())),
        Some(n) if n != raw_len => {
            return Err(bad(format!(
                "the frame declares {n} decompressed bytes, the section {raw_len}"
            )));
        }
        Some(_) => {}
    }
    if header.window_size > max_window {
        return Err(PackageError::TooLarge {
            what: format!("{section} zstd window"),
            size: header.window_size,
            max: max_window,
        });
    }
    let frame_len = zstd::zstd_safe::find_frame_compressed_size(data)
        .map_err(|code| bad(zstd::zstd_safe::get_error_name(code).to_string()))?;
    if frame_len != data.len() {
        return Err(bad(format!(
            "{} bytes follow the zstd frame inside the section",
            data.len() - frame_len
        )));
    }
    let mut decoder = zstd::bulk::Decompressor::new().map_err(|e| bad(e.to_string()))?;
    let window_log = 63 - max_window.max(1 << 10).leading_zeros();
    decoder
        .set_parameter(zstd::zstd_safe::DParameter::WindowLogMax(window_log))
        .map_err(|e| bad(e.to_string()))?;
    // raw_len was checked against the section cap by the caller.
    let mut out = Vec::with_capacity(raw_len as usize);
    let n = decoder
        .decompress_to_buffer(data, &mut out)
        .map_err(|e| bad(e.to_string()))?;
    if n as u64 != raw_len {
        return Err(bad(format!(
            "decompressed to {n} bytes, expected {raw_len}"
        )));
    }
    Ok(out)
}

/// Compresses `raw` into one frame that records its size and keeps its
/// window within `max_window`.
pub(super) fn compress(raw: &[u8], max_window: u64) -> std::io::Result<Vec<u8>> {
    use zstd::zstd_safe::CParameter;
    let mut c = zstd::bulk::Compressor::new(19)?;
    c.set_parameter(CParameter::ContentSizeFlag(true))?;
    c.set_parameter(CParameter::ChecksumFlag(false))?;
    let window_log = (63 - max_window.max(1 << 10).leading_zeros()).min(23);
    c.set_parameter(CParameter::WindowLog(window_log))?;
    c.compress(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_of_our_frames() {
        let raw = vec![7u8; 100_000];
        let frame = compress(&raw, 8 << 20).unwrap();
        let h = parse_header(&frame).unwrap();
        assert_eq!(h.content_size, Some(100_000));
        assert_eq!(h.dictionary_id, 0);
        assert!(h.window_size <= 8 << 20);
        assert_eq!(
            decompress("component", &frame, 100_000, 8 << 20).unwrap(),
            raw
        );
    }

    #[test]
    fn window_descriptor_arithmetic() {
        // Not single-segment, window byte 0x08: log 11, mantissa 0 => 2 KiB.
        let frame = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x08];
        let h = parse_header(&frame).unwrap();
        assert_eq!(h.window_size, 2048);
        assert_eq!(h.content_size, None);
        // Window byte 0x0b: log 11, mantissa 3 => 2048 + 3*256.
        let frame = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x0b];
        assert_eq!(parse_header(&frame).unwrap().window_size, 2048 + 768);
    }

    #[test]
    fn refuses_garbage_headers() {
        assert!(parse_header(b"").is_err());
        assert!(parse_header(b"\x28\xb5\x2f").is_err());
        assert!(parse_header(b"PK\x03\x04\x00\x00").is_err());
        // Reserved bit.
        assert!(parse_header(&[0x28, 0xB5, 0x2F, 0xFD, 0x08, 0x00]).is_err());
        // Eight-byte content size announced, two given.
        assert!(parse_header(&[0x28, 0xB5, 0x2F, 0xFD, 0xE0, 0x00, 0x00]).is_err());
    }
}
