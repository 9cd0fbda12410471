//! Checks a plugin's result before the player sees it. The player fetches
//! the urls a result names and sends the headers it asks for outside the
//! sandbox, and saves subtitle files under the name given; so every url
//! must be http(s) to a public host, every header one a plugin may set,
//! every file name a bare base name (docs/sandbox.md, "Results").
//!
//! The walk ([`typed::check`]) is driven by field names: a field named
//! `url` or `*_url` is a url (a string, or an option of one: none is fine),
//! `trailers` a list of urls, `headers` a list of name/value pairs,
//! `file_name` a file name. Every other field is walked into, so these
//! rules hold wherever the contract puts such a field, today and in later
//! records. It reads no other strings (titles, subtitle content...) and
//! builds the path as text only for a violation.

mod rules;
pub(crate) mod typed;

use std::fmt;

use serde::Serialize;

use crate::manifest::{Manifest, ManifestError};
use crate::types::checked::{Field, Scope};

/// What the checks allow besides public http(s) urls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Urls may name loopback, private and other non-public addresses and
    /// local names (the engine config's `allow_private_networks`).
    pub allow_private_networks: bool,
}

impl Policy {
    /// What an engine opened with `config` allows in results (and in a
    /// package's display urls).
    pub fn of(config: &crate::EngineConfig) -> Policy {
        Policy {
            allow_private_networks: config.http.allow_private_networks,
        }
    }
}

/// Why a result was refused: where in the result JSON, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    /// The field's path in the result JSON (docs/json.md names), such as
    /// `[0].subtitles[1].url` or `items[2].poster.headers[0]`.
    pub path: String,
    /// What is wrong with it and what to do instead.
    pub problem: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

/// The urls of a manifest's display data (icon, homepage), which a
/// player fetches or opens: the rules of a result's urls, checked when a
/// package is packed or installed.
pub(crate) fn display_urls(manifest: &Manifest, policy: Policy) -> Result<(), ManifestError> {
    let display = &manifest.display;
    for (field, url) in [
        ("display.icon", &display.icon),
        ("display.homepage", &display.homepage),
    ] {
        if let Some(url) = url {
            rules::url(url, policy.allow_private_networks).map_err(|why| ManifestError::Field {
                field: field.into(),
                message: why,
            })?;
        }
    }
    Ok(())
}

/// What writing a result's JSON with its checks gave.
pub(crate) enum Written {
    /// The JSON; every field passed.
    Json(String),
    /// A field was refused: the violation.
    Refused(String),
    /// The writer gave up (a size limit) and every field it reached passed.
    Failed,
}

/// Writes `value` with `write` while its fields are checked (one pass, see
/// [`scope`]). Only when the write stops does [`typed::check`] walk the
/// value: to name a refused field, or to tell a field that would be
/// refused after the writer gave up from a result that only failed to
/// write.
pub(crate) fn write_checked<T: Serialize + ?Sized>(
    value: &T,
    policy: Policy,
    write: impl FnOnce(&T) -> Option<String>,
) -> Written {
    let scope = scope(policy);
    let json = write(value);
    let stopped = scope.refused();
    drop(scope);
    match json {
        Some(json) => Written::Json(json),
        None => match typed::check(value, policy) {
            Err(v) => Written::Refused(v.to_string()),
            Ok(()) if stopped => {
                Written::Refused("a field was refused by the result checks".into())
            }
            Ok(()) => Written::Failed,
        },
    }
}

/// Checks result fields while they serialize on this thread, under
/// `policy`, until the scope drops (see `types::checked`): the JSON of a
/// result is checked as it is written, in one pass. A refusal stops the
/// write; [`typed::check`] then names the field.
fn scope(policy: Policy) -> Scope {
    Scope::enter(if policy.allow_private_networks {
        open
    } else {
        strict
    })
}

fn strict(field: Field, value: &str, value2: &str) -> bool {
    judge(field, value, value2, false)
}

fn open(field: Field, value: &str, value2: &str) -> bool {
    judge(field, value, value2, true)
}

fn judge(field: Field, value: &str, value2: &str, allow_private: bool) -> bool {
    match field {
        Field::Url => rules::url(value, allow_private).is_ok(),
        Field::Header => rules::header(value, value2).is_ok(),
        Field::FileName => rules::file_name(value).is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::*;

    const GOOD: &str = "https://cdn.example.org/a";
    const BAD: &str = "http://127.0.0.1/";

    /// Both checks: the walk's violation, and whether writing refused.
    fn both<T: serde::Serialize>(value: &T) -> (Option<String>, bool) {
        let walk = typed::check(value, Policy::default()).err().map(|v| v.path);
        let scope = scope(Policy::default());
        let written = serde_json::to_string(value);
        assert_eq!(written.is_err(), scope.refused());
        (walk, scope.refused())
    }

    fn image(url: &str, headers: Vec<Pair>) -> Image {
        Image {
            url: url.into(),
            width: None,
            height: None,
            headers,
        }
    }

    fn stream() -> StreamSource {
        StreamSource {
            url: GOOD.into(),
            container: Container::Hls,
            mime_type: None,
            quality: None,
            label: None,
            headers: vec![("Referer".into(), GOOD.into())],
            audio_tracks: vec![AudioTrack {
                id: None,
                url: Some(GOOD.into()),
                language: None,
                label: None,
                is_default: false,
            }],
            subtitles: vec![SubtitleTrack {
                url: GOOD.into(),
                format: SubtitleFormat::Vtt,
                language: None,
                label: None,
                headers: vec![],
                forced: false,
                hearing_impaired: false,
                is_default: false,
            }],
            expires_at: None,
            drm: Some(Drm {
                scheme: DrmScheme::Widevine,
                license_url: GOOD.into(),
                headers: vec![],
                certificate_url: Some(GOOD.into()),
            }),
            extra: vec![("Host".into(), "\r\n".into())],
        }
    }

    /// Whatever the walk refuses, writing refuses too, field by field of
    /// every record that carries a url, a header or a file name.
    #[test]
    fn writing_refuses_exactly_what_the_walk_refuses() {
        assert_eq!(both(&vec![stream()]), (None, false));
        let bad_header = || vec![("Host".to_string(), "x".to_string())];
        let mut cases: Vec<(StreamSource, &str)> = Vec::new();
        let mut s = stream();
        s.url = BAD.into();
        cases.push((s, "[0].url"));
        let mut s = stream();
        s.headers = bad_header();
        cases.push((s, "[0].headers[0]"));
        let mut s = stream();
        s.audio_tracks[0].url = Some(BAD.into());
        cases.push((s, "[0].audio_tracks[0].url"));
        let mut s = stream();
        s.subtitles[0].url = BAD.into();
        cases.push((s, "[0].subtitles[0].url"));
        let mut s = stream();
        s.subtitles[0].headers = vec![("Bad Name".into(), "x".into())];
        cases.push((s, "[0].subtitles[0].headers[0]"));
        for field in 0..3 {
            let mut s = stream();
            let drm = s.drm.as_mut().unwrap();
            match field {
                0 => drm.license_url = BAD.into(),
                1 => drm.headers = bad_header(),
                _ => drm.certificate_url = Some(BAD.into()),
            }
            cases.push((s, ""));
        }
        for (s, path) in cases {
            let (walk, refused) = both(&vec![s]);
            assert!(walk.is_some() && refused, "{path}: {walk:?} {refused}");
            if !path.is_empty() {
                assert_eq!(walk.as_deref(), Some(path));
            }
        }
        let mut card = MediaCard {
            poster: Some(image(GOOD, vec![])),
            ..serde_json::from_str(r#"{"id":"1","title":"t","dub_status":[]}"#).unwrap()
        };
        assert_eq!(both(&card), (None, false));
        card.backdrop = Some(image(GOOD, vec![("Bad\nName".into(), "x".into())]));
        assert!(both(&card).1);
        card.backdrop = Some(image(BAD, vec![]));
        assert_eq!(both(&card), (Some("backdrop.url".into()), true));
        let mut info: MediaInfo =
            serde_json::from_str(r#"{"id":"1","title":"t","dub_status":[]}"#).unwrap();
        info.trailers = vec![GOOD.into(), BAD.into()];
        assert_eq!(both(&info), (Some("trailers[1]".into()), true));
        let server = Server {
            id: "s".into(),
            name: "n".into(),
            url: Some(BAD.into()),
            language: None,
            dub_status: DubStatus::empty(),
            quality: None,
            extra: vec![],
        };
        assert_eq!(both(&vec![server]), (Some("[0].url".into()), true));
        let file = SubtitleFile {
            file_name: "../a.srt".into(),
            format: SubtitleFormat::Srt,
            language: None,
            content: String::new(),
        };
        assert_eq!(both(&file), (Some("file_name".into()), true));
        // Under the open policy, private addresses pass both ways.
        let open = scope(Policy {
            allow_private_networks: true,
        });
        let mut s = stream();
        s.url = BAD.into();
        assert!(serde_json::to_string(&s).is_ok() && !open.refused());
    }

    /// Every field the walk judges by name is one that checks as it
    /// serializes: a new `poster_url` without `serialize_with` fails here.
    #[test]
    fn every_checked_field_serializes_through_the_checks() {
        for (file, text) in [
            ("mod.rs", include_str!("../../types/mod.rs")),
            ("catalog.rs", include_str!("../../types/catalog.rs")),
            ("playback.rs", include_str!("../../types/playback.rs")),
            ("articles.rs", include_str!("../../types/articles.rs")),
        ] {
            let lines: Vec<&str> = text.lines().map(str::trim).collect();
            for (i, line) in lines.iter().enumerate() {
                let Some(name) = line
                    .strip_prefix("pub ")
                    .and_then(|l| l.split_once(':'))
                    .map(|(n, _)| n)
                else {
                    continue;
                };
                let checked = name == "url"
                    || name.ends_with("_url")
                    || matches!(name, "trailers" | "headers" | "file_name");
                if checked {
                    assert!(
                        lines[i - 1].contains("serialize_with = \"")
                            && lines[i - 1].contains("checked::"),
                        "{file}: `{name}` does not serialize through types::checked"
                    );
                }
            }
        }
    }
}
