//! The rules for one url, one header, one file name of a result. Urls are
//! parsed as the http host parses what a plugin fetches
//! (`host::http::url`), IP literals judged by the same refused ranges
//! (`host::http::addr`), header names by the same list
//! (`host::http::header_allowed`). What the host learns by resolving names
//! cannot be known here, so names that never denote a public host
//! (`localhost`, `.local`, single labels...) are refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::host::http::url::Url;
use crate::host::http::{addr, header_allowed};

const PUBLIC_ONLY: &str = "results may only name public hosts";

/// Longest file name accepted, in bytes (`NAME_MAX` on Linux and most
/// file systems).
const MAX_FILE_NAME_BYTES: usize = 255;

/// Suffixes of names that only ever resolve inside the local network:
/// mDNS (RFC 6762), home networks (RFC 8375), private use (ICANN, 2024).
const LOCAL_SUFFIXES: [&str; 3] = [".local", ".home.arpa", ".internal"];

/// A url the player may fetch: absolute http or https, no user info, a
/// host that is a public IP literal or a name that may be public.
pub(crate) fn url(text: &str, allow_private: bool) -> Result<(), String> {
    if text.is_empty() {
        return Err(
            "empty url (give an absolute http or https url, or none where the field is optional)"
                .into(),
        );
    }
    if let Some((i, c)) = text
        .char_indices()
        .find(|(_, c)| c.is_ascii_control() || *c == ' ')
    {
        return Err(format!(
            "the url contains {} at byte {i} (percent-encode it)",
            describe(c)
        ));
    }
    // Most urls are plain: judged without the allocations of a full parse.
    if let Some(name) = plain_host(text) {
        return host(name, allow_private);
    }
    let url = Url::parse(text)?;
    host(&url.host, allow_private)
}

/// Bytes a plain url's path and query may hold besides `%XX`: RFC 3986's
/// unreserved and sub-delims, `:`, `@`, `/` and `?`.
fn plain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&b)
}

/// The host of `text` if it is a plain url: `http://` or `https://` in
/// lower case, a host of lower-case letters, digits, `-` and `.` (no port,
/// no user info, no trailing dot), then a path and query of
/// [`plain_byte`]s and `%XX` escapes. [`Url::parse`] accepts every such
/// url with this same host; for anything else it decides (`None`).
fn plain_host(text: &str) -> Option<&str> {
    let text = text.split('#').next().unwrap_or("");
    if text.len() > 8192 {
        return None;
    }
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (name, tail) = rest.split_at(end);
    let name_ok = !name.is_empty()
        && !name.ends_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !name_ok {
        return None;
    }
    let tail = tail.as_bytes();
    let mut i = 0;
    while i < tail.len() {
        match tail[i] {
            b'%' if tail
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
            {
                i += 3
            }
            b if plain_byte(b) => i += 1,
            _ => return None,
        }
    }
    Some(name)
}

fn host(host: &str, allow_private: bool) -> Result<(), String> {
    let public = |ip: IpAddr| match addr::refused(ip) {
        Some(why) if !allow_private => Err(if ip.to_string() == host.trim_matches(['[', ']']) {
            format!("host \"{host}\" is not a public address ({why}); {PUBLIC_ONLY}")
        } else {
            format!("host \"{host}\" means {ip}, not a public address ({why}); {PUBLIC_ONLY}")
        }),
        _ => Ok(()),
    };
    if let Some(inner) = host.strip_prefix('[') {
        let ip: Ipv6Addr = inner
            .strip_suffix(']')
            .and_then(|i| i.parse().ok())
            .ok_or_else(|| format!("host \"{host}\" is not a valid IPv6 address"))?;
        return public(IpAddr::V6(ip));
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(format!(
            "host \"{host}\" is not a host name (it contains {c:?}; use punycode for international names)"
        ));
    }
    let name = host.trim_end_matches('.');
    // A name ending in a number is an IPv4 address to the resolvers and
    // url parsers players use (inet_aton, the WHATWG url standard), in
    // any of its forms: `2130706433`, `0x7f.1`, `0177.0.0.1`.
    if name.rsplit('.').next().is_some_and(is_number) {
        let ip = ipv4(name).ok_or_else(|| {
            format!("host \"{host}\" ends in a number but is not an IPv4 address")
        })?;
        return public(IpAddr::V4(ip));
    }
    if allow_private {
        return Ok(());
    }
    if name == "localhost" || name.ends_with(".localhost") {
        return Err(format!(
            "host \"{host}\" is localhost, this machine; {PUBLIC_ONLY}"
        ));
    }
    if LOCAL_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return Err(format!(
            "host \"{host}\" is a local-network name; {PUBLIC_ONLY}"
        ));
    }
    if !name.contains('.') {
        return Err(format!(
            "host \"{host}\" is a single-label name, looked up in the local network's search domains; {PUBLIC_ONLY}"
        ));
    }
    Ok(())
}

/// Digits, or `0x` and hex digits: a part of a numeric IPv4 host.
fn is_number(label: &str) -> bool {
    match label
        .strip_prefix("0x")
        .or_else(|| label.strip_prefix("0X"))
    {
        Some(hex) => hex.chars().all(|c| c.is_ascii_hexdigit()),
        None => !label.is_empty() && label.chars().all(|c| c.is_ascii_digit()),
    }
}

/// An IPv4 host in the forms inet_aton and the WHATWG url standard
/// accept: one to four parts, each decimal, octal (leading `0`) or hex
/// (`0x`); the last fills the remaining bytes. The `url` crate's host
/// parser reads them exactly so.
fn ipv4(name: &str) -> Option<Ipv4Addr> {
    match ::url::Host::parse(name) {
        Ok(::url::Host::Ipv4(ip)) => Some(ip),
        _ => None,
    }
}

/// A header the player may send: a token name that plugins may set, a
/// value of visible ASCII, space and tab only (RFC 9110 `field-value`
/// without `obs-text`: a player that narrows text to bytes would turn
/// U+010D U+010A into CR LF).
pub(crate) fn header(name: &str, value: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty header name".into());
    }
    if !name.bytes().all(is_token_byte) {
        return Err(format!(
            "{name:?} is not a valid header name (only letters, digits and !#$%&'*+-.^_`|~)"
        ));
    }
    if !header_allowed(name) {
        return Err(format!(
            "header {name:?} is not allowed (a plugin may not set it)"
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|&c| !(matches!(c, ' '..='~') || c == '\t'))
    {
        return Err(format!(
            "the value of header {name:?} contains {} (header values are visible ASCII, space and tab)",
            describe(c)
        ));
    }
    Ok(())
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A file name the player may save under: one path component, not `.`
/// or `..`, without separators (or their fullwidth look-alikes), control
/// characters (C0 and C1) or bidirectional controls, at most
/// [`MAX_FILE_NAME_BYTES`].
pub(crate) fn file_name(name: &str) -> Result<(), String> {
    const BARE: &str = "give a bare base name such as \"en.srt\"";
    if name.is_empty() {
        return Err(format!("empty file name ({BARE})"));
    }
    if name == "." || name == ".." {
        return Err(format!("file name {name:?} is a directory ({BARE})"));
    }
    if let Some(sep) = name.chars().find(|c| matches!(c, '/' | '\\')) {
        return Err(format!("file name {name:?} contains \"{sep}\" ({BARE})"));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| c.is_control() || is_bidi_control(c) || is_slash_lookalike(c))
    {
        return Err(format!("file name {name:?} contains {}", describe(c)));
    }
    if name.len() > MAX_FILE_NAME_BYTES {
        return Err(format!(
            "file name is {} bytes long, more than {MAX_FILE_NAME_BYTES} bytes",
            name.len()
        ));
    }
    Ok(())
}

/// Characters that reorder the text around them (Unicode's bidirectional
/// formatting characters and marks): a name can show `exe.srt` and be
/// `srt.exe`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Characters some systems fold to `/` or `\` (fullwidth and small forms,
/// the division and fraction slashes).
fn is_slash_lookalike(c: char) -> bool {
    matches!(
        c,
        '\u{ff0f}'
            | '\u{ff3c}'
            | '\u{fe68}'
            | '\u{2215}'
            | '\u{2044}'
            | '\u{29f5}'
            | '\u{29f8}'
            | '\u{29f9}'
    )
}

/// A character the rules refuse, named for the message.
fn describe(c: char) -> String {
    match c {
        '\r' => "a carriage return (\\r)".into(),
        '\n' => "a line feed (\\n)".into(),
        '\0' => "a NUL character".into(),
        ' ' => "a space".into(),
        c if c.is_control() => format!("a control character (U+{:04X})", u32::from(c)),
        c if is_bidi_control(c) => {
            format!("a bidirectional control character (U+{:04X})", u32::from(c))
        }
        c if is_slash_lookalike(c) => {
            format!("a character shown as a slash (U+{:04X})", u32::from(c))
        }
        c => format!("U+{:04X}", u32::from(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        url(text, false).expect_err(text)
    }

    #[test]
    fn only_absolute_http_urls_pass() {
        for (bad, why) in [
            ("", "empty url"),
            ("file:///etc/passwd", "scheme \"file\""),
            ("javascript:alert(1)", "scheme \"javascript\""),
            ("data:text/html,x", "scheme \"data\""),
            ("/master.m3u8", "not an absolute url"),
            ("//cdn.example.org/a", "not an absolute url"),
            ("https://u:p@cdn.example.org/", "user names or passwords"),
            ("https://cdn.example.org/a b", "a space at byte 25"),
            ("https://cdn.example.org/\r\nX: 1", "carriage return"),
            ("https://cdn.example.org/\0", "NUL"),
            (
                "https://cdn!example.org/",
                "not a host name (it contains '!'",
            ),
            ("https://cdn$example.org/", "not a host name"),
        ] {
            let e = refused(bad);
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        for good in [
            "https://cdn.example.org/v/master.m3u8?t=1#x",
            "http://cdn.example.org:8080/",
            "HTTPS://CDN.EXAMPLE.ORG./a",
            "https://8.8.8.8/a",
            "https://[2606:4700:4700::1111]/a",
            "https://under_score.example.org/",
        ] {
            assert_eq!(url(good, false), Ok(()), "{good}");
        }
    }

    #[test]
    fn private_addresses_and_local_names_are_refused_unless_allowed() {
        for (bad, why) in [
            (
                "http://127.0.0.1/",
                "\"127.0.0.1\" is not a public address (loopback)",
            ),
            ("http://169.254.169.254/", "(link-local)"),
            (
                "http://[::1]/",
                "\"[::1]\" is not a public address (loopback)",
            ),
            ("http://[::ffff:10.0.0.1]/", "(private)"),
            ("http://2130706433/", "means 127.0.0.1"),
            ("http://0x7f.1/", "means 127.0.0.1"),
            ("http://0177.0.0.01/", "means 127.0.0.1"),
            ("http://127.1/", "means 127.0.0.1"),
            ("http://10.0.0.7./", "(private)"),
            ("http://0x/", "means 0.0.0.0"),
            ("http://localhost/", "localhost"),
            ("http://LocalHost.:1/", "localhost"),
            ("http://a.localhost/", "localhost"),
            ("http://tv.local/", "local-network name"),
            ("http://nas.home.arpa/", "local-network name"),
            ("http://metadata.google.internal/", "local-network name"),
            ("http://intranet/", "single-label"),
        ] {
            let e = refused(bad);
            assert!(e.contains(why), "{bad}: {e}");
            assert!(e.contains(PUBLIC_ONLY), "{bad}: {e}");
            assert_eq!(
                url(bad, true),
                Ok(()),
                "{bad} with private networks allowed"
            );
        }
    }

    #[test]
    fn malformed_hosts_are_refused_even_when_private_networks_are_allowed() {
        for (bad, why) in [
            ("http://1.2.3.4.5/", "not an IPv4 address"),
            ("http://256.1.1.1/", "not an IPv4 address"),
            ("http://1.16777216/", "not an IPv4 address"),
            ("http://4294967296/", "not an IPv4 address"),
            ("http://08.1.1.1/", "not an IPv4 address"),
            ("http://example.123/", "not an IPv4 address"),
        ] {
            for allow in [false, true] {
                let e = url(bad, allow).expect_err(bad);
                assert!(e.contains(why), "{bad}: {e}");
            }
        }
    }

    #[test]
    fn numeric_hosts_read_as_inet_aton_does() {
        let ip = |s: &str| ipv4(s).map(|a| a.to_string());
        assert_eq!(ip("1.2.3.4").as_deref(), Some("1.2.3.4"));
        assert_eq!(ip("1.2.772").as_deref(), Some("1.2.3.4"));
        assert_eq!(ip("1.131844").as_deref(), Some("1.2.3.4"));
        assert_eq!(ip("16909060").as_deref(), Some("1.2.3.4"));
        assert_eq!(ip("0x1.0x2.0x3.0x4").as_deref(), Some("1.2.3.4"));
        assert_eq!(ip("01.02.03.04").as_deref(), Some("1.2.3.4"));
        assert_eq!(ip("4294967295").as_deref(), Some("255.255.255.255"));
        assert_eq!(ip("1.2.3.256"), None);
        assert_eq!(ip("1..3.4"), None);
        assert!(!is_number("") && !is_number("a1") && is_number("0x") && is_number("017"));
    }

    #[test]
    fn headers_must_be_settable_tokens_with_clean_values() {
        for (name, value, why) in [
            (
                "Host",
                "x",
                "header \"Host\" is not allowed (a plugin may not set it)",
            ),
            ("content-length", "1", "\"content-length\" is not allowed"),
            ("Transfer-Encoding", "chunked", "is not allowed"),
            ("Connection", "close", "is not allowed"),
            ("TE", "trailers", "is not allowed"),
            ("Proxy-Foo", "1", "is not allowed"),
            ("", "1", "empty header name"),
            ("X Y", "1", "\"X Y\" is not a valid header name"),
            ("X:Y", "1", "not a valid header name"),
            ("X\r\nY", "1", "\"X\\r\\nY\" is not a valid header name"),
            (
                "X-A",
                "1\r\nX-B: 2",
                "header \"X-A\" contains a carriage return",
            ),
            ("X-A", "1\n", "line feed"),
            ("X-A", "1\0", "NUL"),
            ("X-A", "\u{7f}", "U+007F"),
            ("X-A", "caf\u{e9}", "U+00E9"),
            ("X-A", "\u{10d}\u{10a}", "U+010D"),
        ] {
            let e = header(name, value).expect_err(name);
            assert!(e.contains(why), "{name:?}: {e}");
        }
        for (name, value) in [
            ("Referer", "https://example.org/"),
            ("cookie", "a=1; b=2"),
            ("X-Custom_1!", "tab\tand ~visible ASCII~"),
            ("Authorization", ""),
        ] {
            assert_eq!(header(name, value), Ok(()), "{name}");
        }
    }

    #[test]
    fn file_names_are_bare_base_names() {
        for (bad, why) in [
            ("", "empty file name"),
            (".", "\".\" is a directory"),
            ("..", "\"..\" is a directory"),
            ("../x.desktop", "contains \"/\""),
            ("a\\b.srt", "contains \"\\\""),
            ("a\0.srt", "NUL"),
            ("a\u{1b}.srt", "U+001B"),
        ] {
            let e = file_name(bad).expect_err(bad);
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        assert!(
            file_name(&"a".repeat(256))
                .unwrap_err()
                .contains("256 bytes")
        );
        for good in [
            "en.srt",
            "Night:de.srt",
            "...srt",
            ".hidden.vtt",
            &"a".repeat(255),
        ] {
            assert_eq!(file_name(good), Ok(()), "{good}");
        }
    }

    /// The plain-url shortcut never accepts what the full parse refuses,
    /// and finds the same host: every byte of the plain set, escapes,
    /// ports, cases, dots and user info, around many hosts.
    #[test]
    fn plain_urls_read_as_the_full_parse_reads_them() {
        let hosts = [
            "a.b",
            "cdn.example.org",
            "127.0.0.1",
            "0x7f.1",
            "localhost",
            "x-y.z9",
            "a..b",
            "-a.b",
            "A.b",
            "a.b.",
            "[::1]",
            "a.b:8080",
            "u@a.b",
            "a_b.c",
            "",
        ];
        let mut tails: Vec<String> = [
            "",
            "/",
            "?",
            "/p?q=1&r=2",
            "/%41%7e",
            "/%4",
            "/%zz",
            "/a b",
            "/a\\b",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for b in 0x21u8..0x7f {
            tails.push(format!("/x{}y", b as char));
            tails.push(format!("?q={}", b as char));
        }
        let mut plain = 0;
        for scheme in ["https://", "http://", "HTTPS://", "ftp://", "https:/", ""] {
            for h in hosts {
                for t in &tails {
                    for frag in ["", "#f<>"] {
                        let text = format!("{scheme}{h}{t}{frag}");
                        if let Some(name) = plain_host(&text) {
                            plain += 1;
                            let full = Url::parse(&text).unwrap_or_else(|e| {
                                panic!("{text:?}: shortcut accepts, parse refuses: {e}")
                            });
                            assert_eq!(full.host, name, "{text:?}");
                        }
                    }
                }
            }
        }
        assert!(plain > 1000, "the shortcut took only {plain} urls");
    }
}
