//! A downloaded file: its bytes as text, its format and a name to save it
//! under.

use bex_pdk::{SubtitleFormat, records};

/// The format a file name says, else what `content` looks like. The API
/// often lists file names without an extension; it serves SubRip unless
/// asked for another format, so that is the default.
pub fn format_of(file_name: &str, content: &str) -> SubtitleFormat {
    let by_name = records::subtitle_format(file_name);
    if !matches!(by_name, SubtitleFormat::Other) {
        return by_name;
    }
    let head = content.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("WEBVTT") {
        SubtitleFormat::Vtt
    } else if head.starts_with("[Script Info]") {
        if head.contains("v4.00+") {
            SubtitleFormat::Ass
        } else {
            SubtitleFormat::Ssa
        }
    } else {
        SubtitleFormat::Srt
    }
}

/// A bare base name for the file, as players save it (no path, no control
/// characters, at most 255 bytes); `<file_id>.<format>` if the API gave none.
pub fn base_name(name: &str, file_id: u64, format: SubtitleFormat) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let mut clean: String = base.chars().filter(|c| !c.is_control()).collect();
    if clean.is_empty() || clean == "." || clean == ".." {
        let ext = match format {
            SubtitleFormat::Srt => "srt",
            SubtitleFormat::Vtt => "vtt",
            SubtitleFormat::Ass => "ass",
            SubtitleFormat::Ssa => "ssa",
            SubtitleFormat::Ttml => "ttml",
            SubtitleFormat::Other => "txt",
        };
        clean = format!("{file_id}.{ext}");
    }
    while clean.len() > 255 {
        clean.pop();
    }
    clean
}

/// Subtitle bytes as text: UTF-8 (the API's promise) or UTF-16 with a
/// byte order mark, else Windows-1252, the usual encoding of older
/// Western uploads. A UTF-8 byte order mark is dropped.
pub fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let utf16 = |le: bool| {
        let units = bytes[2..].chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or('\u{fffd}'))
            .collect()
    };
    match bytes {
        [0xff, 0xfe, ..] => utf16(true),
        [0xfe, 0xff, ..] => utf16(false),
        _ => match std::str::from_utf8(bytes) {
            Ok(text) => text.to_string(),
            Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
        },
    }
}

/// Windows-1252: Latin-1 with printable characters in 0x80-0x9F.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_decode_to_text() {
        assert_eq!(decode("caf\u{e9}".as_bytes()), "caf\u{e9}");
        assert_eq!(decode(b"\xef\xbb\xbfhi"), "hi");
        assert_eq!(
            decode(b"L\x92hiver \xe9t\xe9 \x80"),
            "L\u{2019}hiver \u{e9}t\u{e9} \u{20ac}"
        );
        assert_eq!(decode(b"\xff\xfeh\x00i\x00"), "hi");
    }

    #[test]
    fn names_and_formats() {
        assert_eq!(base_name("a/b\\c.srt", 1, SubtitleFormat::Srt), "c.srt");
        assert_eq!(base_name("..", 7, SubtitleFormat::Vtt), "7.vtt");
        assert!(matches!(format_of("x.-eng", ""), SubtitleFormat::Srt));
        assert!(matches!(format_of("x", "WEBVTT\n"), SubtitleFormat::Vtt));
        assert!(matches!(format_of("x.ass", ""), SubtitleFormat::Ass));
    }
}
