//! The result checks of this module's docs over typed results: a serde
//! `Serializer` that writes nothing and walks the value, judging each
//! field by its name (`url`, `*_url`, `trailers`, `headers`, `file_name`).
//! Typed results serialize with their JSON (snake_case) field names, so
//! the paths are the JSON's; nothing is allocated unless a field is
//! refused.

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::{Policy, Violation, rules};

/// Checks a typed result, stopping at the first violation in document
/// order.
pub(crate) fn check<T: Serialize + ?Sized>(result: &T, policy: Policy) -> Result<(), Violation> {
    let mut walk = Walk {
        policy,
        kind: Kind::Other,
    };
    result.serialize(&mut walk).map_err(|p| Violation {
        path: p.render(),
        problem: p.message,
    })
}

/// What the value being walked is, judged by its field's name.
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

#[derive(Debug)]
enum Step {
    Field(&'static str),
    Index(usize),
}

struct Walk {
    policy: Policy,
    kind: Kind,
}

impl Walk {
    /// Walks `value` at `step` as `kind`. The path is not kept while the
    /// walk goes well: a refusal collects its steps on the way out.
    fn enter<T: Serialize + ?Sized>(
        &mut self,
        step: Step,
        kind: Kind,
        value: &T,
    ) -> Result<(), Problem> {
        let outer = std::mem::replace(&mut self.kind, kind);
        let walked = value.serialize(&mut *self);
        self.kind = outer;
        walked.map_err(|mut p| {
            p.path.push(step);
            p
        })
    }
}

/// A refused field: what is wrong with it, and where (innermost step
/// first, collected as the walk unwinds).
#[derive(Debug)]
struct Problem {
    message: String,
    path: Vec<Step>,
}

impl Problem {
    fn new(message: String) -> Problem {
        Problem {
            message,
            path: Vec::new(),
        }
    }

    /// `[0].drm.license_url`: JSON names, indices in brackets, no leading
    /// dot.
    fn render(&self) -> String {
        let mut out = String::new();
        for step in self.path.iter().rev() {
            match step {
                Step::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl ser::Error for Problem {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Problem::new(msg.to_string())
    }
}

/// Walks a list (its elements' kind follows the list's) or a header pair.
struct Seq<'a> {
    walk: &'a mut Walk,
    index: usize,
    /// A header pair's name, kept for its value's check.
    name: Option<String>,
}

impl<'a> Seq<'a> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Problem> {
        let i = self.index;
        self.index += 1;
        match self.walk.kind {
            Kind::Urls => self.walk.enter(Step::Index(i), Kind::Url, value),
            Kind::Headers => self.walk.enter(Step::Index(i), Kind::Header, value),
            Kind::Header => {
                // A pair: remember the name, check it with the value.
                let text = value.serialize(Text)?;
                match (i, self.name.take()) {
                    (0, _) => self.name = text,
                    (_, Some(name)) => {
                        rules::header(&name, text.as_deref().unwrap_or("")).map_err(Problem::new)?
                    }
                    _ => {}
                }
                Ok(())
            }
            _ => self.walk.enter(Step::Index(i), Kind::Other, value),
        }
    }
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = ();
    type Error = Problem;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Problem> {
        self.element(value)
    }
    fn end(self) -> Result<(), Problem> {
        Ok(())
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = ();
    type Error = Problem;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Problem> {
        self.element(value)
    }
    fn end(self) -> Result<(), Problem> {
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Walk {
    type Ok = ();
    type Error = Problem;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Problem> {
        self.enter(Step::Field(key), kind(key), value)
    }
    fn end(self) -> Result<(), Problem> {
        Ok(())
    }
}

impl<'a> ser::Serializer for &'a mut Walk {
    type Ok = ();
    type Error = Problem;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Impossible<(), Problem>;
    type SerializeTupleVariant = Impossible<(), Problem>;
    type SerializeMap = Impossible<(), Problem>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Problem>;

    fn serialize_str(self, v: &str) -> Result<(), Problem> {
        let allow_private = self.policy.allow_private_networks;
        match self.kind {
            Kind::Url => rules::url(v, allow_private).map_err(Problem::new),
            Kind::FileName => rules::file_name(v).map_err(Problem::new),
            _ => Ok(()),
        }
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Problem> {
        value.serialize(self)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a>, Problem> {
        Ok(Seq {
            walk: self,
            index: 0,
            name: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, Problem> {
        self.serialize_seq(Some(len))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Problem> {
        // Fields are judged by their own names.
        Ok(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), Problem> {
        self.enter(Step::Field("value"), Kind::Other, value)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Problem> {
        value.serialize(self)
    }

    // Scalars carry nothing the player acts on.
    fn serialize_bool(self, _: bool) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_char(self, _: char) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_unit(self) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Problem> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Problem> {
        Ok(())
    }

    // Shapes the contract's types do not have.
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Problem> {
        Err(Problem::new(format!("unexpected tuple struct {name}")))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Problem> {
        Err(Problem::new(format!("unexpected tuple variant {name}")))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Problem> {
        Err(Problem::new("unexpected map".into()))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Problem> {
        Err(Problem::new(format!("unexpected struct variant {name}")))
    }
}

/// Reads a string (a header name or value) out of a `Serialize` value.
struct Text;

macro_rules! not_text {
    ($($f:ident: $t:ty),*) => {
        $(fn $f(self, _: $t) -> Result<Option<String>, Problem> { Ok(None) })*
    };
}

impl ser::Serializer for Text {
    type Ok = Option<String>;
    type Error = Problem;
    type SerializeSeq = Impossible<Option<String>, Problem>;
    type SerializeTuple = Impossible<Option<String>, Problem>;
    type SerializeTupleStruct = Impossible<Option<String>, Problem>;
    type SerializeTupleVariant = Impossible<Option<String>, Problem>;
    type SerializeMap = Impossible<Option<String>, Problem>;
    type SerializeStruct = Impossible<Option<String>, Problem>;
    type SerializeStructVariant = Impossible<Option<String>, Problem>;

    fn serialize_str(self, v: &str) -> Result<Option<String>, Problem> {
        Ok(Some(v.to_string()))
    }
    not_text!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_char: char,
        serialize_bytes: &[u8], serialize_unit_struct: &'static str);
    fn serialize_none(self) -> Result<Option<String>, Problem> {
        Ok(None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Option<String>, Problem> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Option<String>, Problem> {
        Ok(None)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<Option<String>, Problem> {
        Ok(None)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Option<String>, Problem> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Option<String>, Problem> {
        Ok(None)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Problem> {
        Err(Problem::new("a header is a pair of strings".into()))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Problem> {
        Err(Problem::new("a header is a pair of strings".into()))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Problem> {
        Err(Problem::new("a header is a pair of strings".into()))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Problem> {
        Err(Problem::new("a header is a pair of strings".into()))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Problem> {
        Err(Problem::new("a header is a pair of strings".into()))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Problem> {
        Err(Problem::new("a header is a pair of strings".into()))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Problem> {
        Err(Problem::new("a header is a pair of strings".into()))
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

    /// Every field of the contract's records that may carry a url, a
    /// header or a file name is one the walk checks, with the type the
    /// walk expects: a new `poster-link` field would fail here.
    #[test]
    fn every_url_header_and_file_field_of_the_contract_is_checked() {
        let wit = include_str!("../../../wit/plugin.wit");
        let types = &wit[wit.find("interface types").unwrap()..];
        let types = &types[..types.find("\n}\n").unwrap()];
        let mut checked = Vec::new();
        for line in types.lines().map(str::trim) {
            let Some((name, ty)) = line.strip_suffix(',').and_then(|l| l.split_once(": ")) else {
                continue;
            };
            let suspicious = [
                "url", "uri", "link", "href", "header", "file", "path", "trailer",
            ]
            .iter()
            .any(|w| name.contains(w));
            let want = match kind(&name.replace('-', "_")) {
                Kind::Url => ["string", "option<string>"].as_slice(),
                Kind::Urls => &["list<string>"],
                Kind::Headers => &["list<pair>"],
                Kind::FileName => &["string"],
                Kind::Other | Kind::Header => {
                    assert!(
                        !suspicious,
                        "{name}: {ty} is not checked (see vet::typed::kind)"
                    );
                    continue;
                }
            };
            assert!(
                want.contains(&ty),
                "{name}: {ty}, the walk expects {want:?}"
            );
            checked.push(name);
        }
        for name in [
            "url",
            "license-url",
            "certificate-url",
            "headers",
            "trailers",
            "file-name",
        ] {
            assert!(checked.contains(&name), "{name} not found in the contract");
        }
    }
}
