//! The result checks of this module's docs, done while the JSON is written:
//! a serde_json `Formatter` that watches the object keys and strings going
//! by and judges each string by the key it sits under (`url`, `*_url`,
//! `trailers`, `headers`, `file_name`), exactly as the walk over dynamic
//! values does, with the same paths and messages. One pass writes and
//! checks a typed result; nothing is copied unless a string is checked.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};

use super::{Policy, Violation, rules};

/// The result's JSON (docs/json.md), or the first field in document order
/// the player must not act on.
pub(crate) fn to_json<T: Serialize + ?Sized>(
    result: &T,
    policy: Policy,
) -> Result<String, Violation> {
    let mut out = Vec::with_capacity(4096);
    write(result, policy, &mut out)?;
    // serde_json writes valid UTF-8.
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// Checks a result without keeping its JSON (the typed Rust API).
pub(crate) fn check<T: Serialize + ?Sized>(result: &T, policy: Policy) -> Result<(), Violation> {
    write(result, policy, io::sink())
}

fn write<T: Serialize + ?Sized>(
    result: &T,
    policy: Policy,
    out: impl Write,
) -> Result<(), Violation> {
    let mut checks = Checks {
        policy,
        stack: Vec::new(),
        names: Vec::new(),
        in_key: false,
        key: String::new(),
        capture: None,
        header_name: String::new(),
    };
    let mut ser = serde_json::Serializer::with_formatter(out, &mut checks);
    result.serialize(&mut ser).map_err(|e| {
        match io::Error::from(e)
            .into_inner()
            .map(|b| b.downcast::<Refused>())
        {
            Some(Ok(refused)) => refused.0,
            other => Violation {
                path: String::new(),
                problem: format!("the result does not serialize: {other:?}"),
            },
        }
    })
}

/// What a value is, judged by the key it sits under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Url,
    Urls,
    Headers,
    /// One name/value pair of `headers`.
    Header,
    FileName,
    Other,
}

fn kind(field: &str) -> Kind {
    match field {
        "url" => Kind::Url,
        _ if field.ends_with("_url") => Kind::Url,
        "trailers" => Kind::Urls,
        "headers" => Kind::Headers,
        "file_name" => Kind::FileName,
        _ => Kind::Other,
    }
}

/// An open object (what its current key makes its value; the key itself
/// is in `Checks::names` at the same depth) or array (its current index
/// and what its elements are).
enum Frame {
    Object(Kind),
    Array { index: usize, elements: Kind },
}

/// A string being checked: what it is, and its text so far.
struct Capture {
    kind: Kind,
    text: String,
}

struct Checks {
    policy: Policy,
    stack: Vec<Frame>,
    /// Each open object's current key, by depth (buffers reused).
    names: Vec<String>,
    /// Whether an object key is being written, and its text.
    in_key: bool,
    key: String,
    capture: Option<Capture>,
    /// A header pair's name, kept for its value's check.
    header_name: String,
}

/// The error that stops serialization at a refused field.
#[derive(Debug)]
struct Refused(Violation);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Refused {}

impl Checks {
    fn push(&mut self, frame: Frame) {
        self.stack.push(frame);
        if self.names.len() < self.stack.len() {
            self.names.push(String::new());
        }
    }

    /// What the value about to be written is.
    fn current(&self) -> Kind {
        match self.stack.last() {
            Some(Frame::Object(kind)) => *kind,
            Some(Frame::Array { elements, .. }) => *elements,
            _ => Kind::Other,
        }
    }

    fn refuse(&self, problem: String) -> io::Error {
        let mut path = String::new();
        for (frame, name) in self.stack.iter().zip(&self.names) {
            match frame {
                Frame::Object(_) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                }
                Frame::Array { index, .. } => path.push_str(&format!("[{index}]")),
            }
        }
        io::Error::other(Refused(Violation { path, problem }))
    }

    fn checked(&mut self, kind: Kind, text: &str) -> io::Result<()> {
        let allow_private = self.policy.allow_private_networks;
        let result = match kind {
            Kind::Url => rules::url(text, allow_private),
            Kind::FileName => rules::file_name(text),
            Kind::Header => match self.stack.last() {
                Some(Frame::Array { index: 0, .. }) => {
                    self.header_name = text.to_string();
                    Ok(())
                }
                Some(Frame::Array { index: 1, .. }) => rules::header(&self.header_name, text),
                _ => Ok(()),
            },
            _ => Ok(()),
        };
        match result {
            Ok(()) => Ok(()),
            // A header's problem is the pair's: the path ends at the pair.
            Err(problem) if kind == Kind::Header => {
                let pair = self.stack.pop();
                let e = self.refuse(problem);
                self.stack.extend(pair);
                Err(e)
            }
            Err(problem) => Err(self.refuse(problem)),
        }
    }
}

impl Formatter for &mut Checks {
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.push(Frame::Object(Kind::Other));
        CompactFormatter.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.stack.pop();
        CompactFormatter.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.in_key = true;
        self.key.clear();
        CompactFormatter.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.in_key = false;
        let depth = self.stack.len() - 1;
        if let Some(Frame::Object(current)) = self.stack.last_mut() {
            *current = kind(&self.key);
            let name = &mut self.names[depth];
            name.clear();
            name.push_str(&self.key);
        }
        CompactFormatter.end_object_key(w)
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        let elements = match self.current() {
            Kind::Urls => Kind::Url,
            Kind::Headers => Kind::Header,
            _ => Kind::Other,
        };
        // A header pair's elements stay `Header`; its array is the pair.
        let elements = if self.current() == Kind::Header {
            Kind::Header
        } else {
            elements
        };
        self.push(Frame::Array { index: 0, elements });
        CompactFormatter.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.stack.pop();
        CompactFormatter.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if let Some(Frame::Array { index, .. }) = self.stack.last_mut()
            && !first
        {
            *index += 1;
        }
        CompactFormatter.begin_array_value(w, first)
    }
    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if !self.in_key {
            let kind = self.current();
            let is_pair_element = kind == Kind::Header
                && matches!(
                    self.stack.last(),
                    Some(Frame::Array {
                        elements: Kind::Header,
                        ..
                    })
                )
                && self.stack.len() >= 2
                && matches!(
                    self.stack.get(self.stack.len() - 2),
                    Some(Frame::Array {
                        elements: Kind::Header,
                        ..
                    })
                );
            if matches!(kind, Kind::Url | Kind::FileName) || is_pair_element {
                self.capture = Some(Capture {
                    kind,
                    text: String::new(),
                });
            }
        }
        CompactFormatter.begin_string(w)
    }
    fn end_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if let Some(c) = self.capture.take() {
            self.checked(c.kind, &c.text)?;
        }
        CompactFormatter.end_string(w)
    }
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, s: &str) -> io::Result<()> {
        if self.in_key {
            self.key.push_str(s);
        } else if let Some(c) = &mut self.capture {
            c.text.push_str(s);
        }
        CompactFormatter.write_string_fragment(w, s)
    }
    fn write_char_escape<W: ?Sized + Write>(&mut self, w: &mut W, e: CharEscape) -> io::Result<()> {
        if let Some(c) = &mut self.capture {
            c.text.push(match e {
                CharEscape::Quote => '"',
                CharEscape::ReverseSolidus => '\\',
                CharEscape::Solidus => '/',
                CharEscape::Backspace => '\u{8}',
                CharEscape::FormFeed => '\u{c}',
                CharEscape::LineFeed => '\n',
                CharEscape::CarriageReturn => '\r',
                CharEscape::Tab => '\t',
                CharEscape::AsciiControl(b) => char::from(b),
            });
        }
        CompactFormatter.write_char_escape(w, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::*;

    const GOOD: &str = "https://cdn.example.org/a";
    const BAD: &str = "http://127.0.0.1/";

    fn pairs(p: &[(&str, &str)]) -> Vec<Pair> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn stream(url: &str, headers: &[(&str, &str)]) -> StreamSource {
        StreamSource {
            url: url.into(),
            container: Container::Hls,
            mime_type: None,
            quality: None,
            label: None,
            headers: pairs(headers),
            audio_tracks: vec![],
            subtitles: vec![],
            expires_at: None,
            drm: None,
            // Data, not headers: never checked.
            extra: pairs(&[("Host", "\r\n")]),
        }
    }

    #[test]
    fn typed_results_are_checked_with_the_same_paths_and_messages() {
        let mut second = stream(GOOD, &[("Referer", GOOD), ("Host", "x")]);
        let ok = vec![stream(GOOD, &[("Referer", GOOD)])];
        assert_eq!(check(&ok, Policy::default()), Ok(()));
        let v = vec![stream(GOOD, &[]), second.clone()];
        assert_eq!(
            check(&v, Policy::default()).unwrap_err().to_string(),
            "[1].headers[1]: header \"Host\" is not allowed (a plugin may not set it)"
        );
        second.headers.clear();
        second.drm = Some(Drm {
            scheme: DrmScheme::Widevine,
            license_url: BAD.into(),
            headers: vec![],
            certificate_url: None,
        });
        let e = check(&vec![second], Policy::default()).unwrap_err();
        assert_eq!(e.path, "[0].drm.license_url");
        let open = Policy {
            allow_private_networks: true,
        };
        let s = stream(BAD, &[]);
        assert_eq!(check(&s, open), Ok(()));
        assert_eq!(check(&s, Policy::default()).unwrap_err().path, "url");
        let file = SubtitleFile {
            file_name: "../a.srt".into(),
            format: SubtitleFormat::Srt,
            language: None,
            content: String::new(),
        };
        assert_eq!(
            check(&file, Policy::default()).unwrap_err().path,
            "file_name"
        );
        let value = stream(GOOD, &[("Bad Name", "x")]);
        assert!(
            check(&value, Policy::default())
                .unwrap_err()
                .problem
                .contains("not a valid header name")
        );
        let value = stream(GOOD, &[("X-A", "a\nb")]);
        assert_eq!(
            check(&value, Policy::default()).unwrap_err().path,
            "headers[0]"
        );
    }
}
