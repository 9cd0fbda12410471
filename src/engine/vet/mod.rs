//! Checks a plugin's result before the player sees it. The player fetches
//! the urls a result names and sends the headers it asks for outside the
//! sandbox, and saves subtitle files under the name given; so every url
//! must be http(s) to a public host, every header one a plugin may set,
//! every file name a bare base name (docs/sandbox.md, "Results").
//!
//! The walk is driven by field names, like the JSON mapping
//! (`super::values`) is driven by types: a field named `url` or `*-url` is
//! a url (a string, or an option of one: none is fine), `trailers` a list
//! of urls, `headers` a list of name/value pairs, `file-name` a file name.
//! Every other field is walked into, so these rules hold wherever the
//! contract puts such a field, today and in later records. It reads no
//! other strings (titles, subtitle content...) and builds the path as text
//! only for a violation.

mod rules;
pub(crate) mod typed;

use std::fmt;

use wasmtime::component::Val;

use crate::manifest::{Manifest, ManifestError};

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

/// Checks a call's result (the `ok` value of the export), stopping at the
/// first violation in document order.
pub(crate) fn check(result: &Val, policy: Policy) -> Result<(), Violation> {
    let mut walk = Walk {
        policy,
        path: Vec::new(),
    };
    walk.value(result).map_err(|problem| Violation {
        path: walk.render(),
        problem,
    })
}

/// What a record field holds, judged by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Url,
    Urls,
    Headers,
    FileName,
    /// Anything else: walked into.
    Other,
}

fn kind(field: &str) -> Kind {
    match field {
        "url" => Kind::Url,
        _ if field.ends_with("-url") => Kind::Url,
        "trailers" => Kind::Urls,
        "headers" => Kind::Headers,
        "file-name" => Kind::FileName,
        _ => Kind::Other,
    }
}

enum Step<'a> {
    Field(&'a str),
    Index(usize),
}

struct Walk<'a> {
    policy: Policy,
    /// Where the walk is; on a violation, where it was found.
    path: Vec<Step<'a>>,
}

impl<'a> Walk<'a> {
    fn value(&mut self, v: &'a Val) -> Result<(), String> {
        match v {
            Val::Record(fields) => {
                for (name, v) in fields {
                    self.path.push(Step::Field(name));
                    self.field(kind(name), v)?;
                    self.path.pop();
                }
            }
            Val::List(items) => self.each(items, Self::value)?,
            Val::Option(Some(v)) => self.value(v)?,
            Val::Variant(_, Some(v)) => {
                self.path.push(Step::Field("value"));
                self.value(v)?;
                self.path.pop();
            }
            _ => {}
        }
        Ok(())
    }

    fn field(&mut self, kind: Kind, v: &'a Val) -> Result<(), String> {
        let allow_private = self.policy.allow_private_networks;
        match (kind, v) {
            (Kind::Other, v) => self.value(v),
            (Kind::Url, Val::String(s)) => rules::url(s, allow_private),
            (Kind::Url, Val::Option(Some(v))) => self.field(kind, v),
            (Kind::Urls, Val::List(items)) => self.each(items, |w, v| w.field(Kind::Url, v)),
            (Kind::Headers, Val::List(items)) => self.each(items, |_, pair| match pair {
                Val::Tuple(nv) => match nv.as_slice() {
                    [Val::String(name), Val::String(value)] => rules::header(name, value),
                    _ => Ok(()),
                },
                _ => Ok(()),
            }),
            (Kind::FileName, Val::String(s)) => rules::file_name(s),
            // None, or a shape the contract does not give these names.
            _ => Ok(()),
        }
    }

    fn each(
        &mut self,
        items: &'a [Val],
        mut check: impl FnMut(&mut Self, &'a Val) -> Result<(), String>,
    ) -> Result<(), String> {
        for (i, item) in items.iter().enumerate() {
            self.path.push(Step::Index(i));
            check(self, item)?;
            self.path.pop();
        }
        Ok(())
    }

    /// `[0].drm.license_url`: JSON names, indices in brackets, no leading
    /// dot.
    fn render(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                Step::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&name.replace('-', "_"));
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Val {
        Val::String(text.into())
    }

    fn record(fields: Vec<(&str, Val)>) -> Val {
        Val::Record(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    fn some(v: Val) -> Val {
        Val::Option(Some(Box::new(v)))
    }

    fn headers(pairs: &[(&str, &str)]) -> Val {
        Val::List(
            pairs
                .iter()
                .map(|(k, v)| Val::Tuple(vec![s(k), s(v)]))
                .collect(),
        )
    }

    fn image(url: &str, hs: &[(&str, &str)]) -> Val {
        record(vec![
            ("url", s(url)),
            ("width", Val::Option(None)),
            ("headers", headers(hs)),
        ])
    }

    /// A `stream-source` shape with the given url, headers and drm.
    fn stream(url: &str, hs: &[(&str, &str)], drm: Val) -> Val {
        record(vec![
            ("url", s(url)),
            ("headers", headers(hs)),
            (
                "audio-tracks",
                Val::List(vec![record(vec![("url", Val::Option(None))])]),
            ),
            ("drm", drm),
            ("extra", headers(&[("Host", "not a header: extra is data")])),
        ])
    }

    fn path(v: &Val) -> Result<(), String> {
        check(v, Policy::default()).map_err(|e| e.path)
    }

    const GOOD: &str = "https://cdn.example.org/a";
    const BAD: &str = "http://127.0.0.1/";

    #[test]
    fn paths_use_json_names_and_indices() {
        let drm = some(record(vec![
            ("license-url", s(GOOD)),
            ("headers", headers(&[("X-Token", "1"), ("Host", "x")])),
            ("certificate-url", Val::Option(None)),
        ]));
        let list = Val::List(vec![
            stream(GOOD, &[], Val::Option(None)),
            stream(GOOD, &[("Referer", GOOD)], drm),
        ]);
        assert_eq!(path(&list), Err("[1].drm.headers[1]".into()));

        let page = record(vec![(
            "sections",
            Val::List(vec![record(vec![(
                "items",
                Val::List(vec![
                    record(vec![("poster", some(image(GOOD, &[])))]),
                    record(vec![("poster", some(image(BAD, &[])))]),
                ]),
            )])]),
        )]);
        assert_eq!(path(&page), Err("sections[0].items[1].poster.url".into()));

        let info = record(vec![
            ("trailers", Val::List(vec![s(GOOD), s(BAD)])),
            ("file-name", s("a.srt")),
        ]);
        assert_eq!(path(&info), Err("trailers[1]".into()));
        let file = record(vec![("file-name", s("../a.srt"))]);
        assert_eq!(path(&file), Err("file_name".into()));
        let variant = Val::Variant("x".into(), Some(Box::new(record(vec![("url", s(BAD))]))));
        assert_eq!(path(&variant), Err("value.url".into()));
    }

    #[test]
    fn the_message_is_path_then_problem() {
        let v = Val::List(vec![stream(
            GOOD,
            &[("Referer", GOOD), ("Host", "x")],
            Val::Option(None),
        )]);
        assert_eq!(
            check(&v, Policy::default()).unwrap_err().to_string(),
            "[0].headers[1]: header \"Host\" is not allowed (a plugin may not set it)"
        );
    }

    #[test]
    fn clean_results_and_other_fields_pass() {
        let v = Val::List(vec![stream(GOOD, &[("Referer", GOOD)], Val::Option(None))]);
        assert_eq!(check(&v, Policy::default()), Ok(()));
        // Strings under other names are not urls, headers or file names.
        let card = record(vec![
            ("id", s("../../etc/passwd")),
            ("title", s("file:///x")),
            ("external-ids", headers(&[("Host", "\r\n")])),
        ]);
        assert_eq!(check(&card, Policy::default()), Ok(()));
    }

    #[test]
    fn the_policy_reaches_every_url() {
        let v = record(vec![(
            "poster",
            some(image("http://localhost:8080/p.png", &[])),
        )]);
        assert_eq!(path(&v), Err("poster.url".into()));
        let open = Policy {
            allow_private_networks: true,
        };
        assert_eq!(check(&v, open), Ok(()));
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
            let want = match kind(name) {
                Kind::Url => ["string", "option<string>"].as_slice(),
                Kind::Urls => &["list<string>"],
                Kind::Headers => &["list<pair>"],
                Kind::FileName => &["string"],
                Kind::Other => {
                    assert!(!suspicious, "{name}: {ty} is not checked (see vet::kind)");
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
