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
