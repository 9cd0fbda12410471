//! The contract's records (`wit/plugin.wit`, interface `types`) as Rust
//! types, for typed calls and the typed Rust API.
//!
//! One definition serves three ends: the component model's lifting and
//! lowering (`ComponentType`, `Lift`, `Lower`: wasmtime checks them
//! against a plugin's exports when it loads, so a drift from the contract
//! fails loudly), the JSON of docs/json.md (`serde`: fields in declaration
//! order and snake_case, enums as snake_case strings, variants as
//! `{"kind", "value"}`, flags as arrays of names, `f32` in shortest form),
//! and a Rust player reading results without parsing them back.

mod articles;
mod catalog;
pub(crate) mod checked;
mod playback;

use serde::{Deserialize, Serialize};
use wasmtime::component::{ComponentType, Lift, Lower};

pub use articles::*;
pub use catalog::*;
pub use playback::*;

/// A name/value pair: HTTP headers, attributes.
pub type Pair = (String, String);

/// What the host tells the plugin about the call it is making.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct RequestContext {
    /// The host's id for this call; appears in the plugin's log lines.
    #[component(name = "request-id")]
    pub request_id: String,
    /// The user's preferred language (BCP 47), if the player knows it.
    #[serde(default)]
    pub locale: Option<String>,
    /// The user's region (ISO 3166-1 alpha-2), if the player knows it.
    #[serde(default)]
    pub region: Option<String>,
    /// Milliseconds left before the host abandons this call.
    #[component(name = "deadline-ms")]
    pub deadline_ms: u64,
    /// Player-defined attributes, passed through unchanged.
    #[serde(default)]
    pub extra: Vec<Pair>,
}

/// Why a plugin call failed. Each case carries a human-readable message.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(variant)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PluginError {
    /// The source could not be reached or answered with a server error.
    #[component(name = "network")]
    Network(String),
    /// The source answered something the plugin could not understand.
    #[component(name = "parse")]
    Parse(String),
    /// The requested id does not exist at the source.
    #[component(name = "not-found")]
    NotFound(String),
    /// The plugin does not support this request (a filter, a kind...).
    #[component(name = "unsupported")]
    Unsupported(String),
    /// The source or the host rate limit refused the request; retry later.
    #[component(name = "rate-limited")]
    RateLimited(String),
    /// The request's arguments are malformed (a bad id, an empty query).
    #[component(name = "invalid-input")]
    InvalidInput(String),
    /// Credentials are missing or refused (set them with `bex set-key`).
    #[component(name = "auth")]
    Auth(String),
    /// A bug or unexpected state inside the plugin.
    #[component(name = "internal")]
    Internal(String),
}

/// `flags!` takes no doc comments or visibility; the type is documented
/// where it is re-exported.
#[allow(missing_docs)]
mod flags {
    wasmtime::component::flags! {
        DubStatus {
            #[component(name = "subbed")]
            const SUBBED;
            #[component(name = "dubbed")]
            const DUBBED;
        }
    }
}

/// Whether a title or episode is available subtitled and/or dubbed.
pub use flags::DubStatus;

/// An image the player may load; `headers` must be sent with the request.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// The url (http or https; the engine checks it).
    #[serde(serialize_with = "checked::url")]
    pub url: String,
    /// Width in pixels, if known.
    #[serde(default)]
    pub width: Option<u32>,
    /// Height in pixels, if known.
    #[serde(default)]
    pub height: Option<u32>,
    /// Headers the player must send when fetching the url.
    #[serde(default)]
    #[serde(serialize_with = "checked::headers")]
    pub headers: Vec<Pair>,
}

const DUB_STATUS_NAMES: [(DubStatus, &str); 2] =
    [(DubStatus::SUBBED, "subbed"), (DubStatus::DUBBED, "dubbed")];

/// An array of the set flags' names, in declaration order.
impl Serialize for DubStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let set = DUB_STATUS_NAMES.iter().filter(|(f, _)| self.contains(*f));
        let mut seq = s.serialize_seq(Some(set.clone().count()))?;
        for (_, name) in set {
            seq.serialize_element(name)?;
        }
        seq.end()
    }
}

/// From an array of flag names; an unknown name is an error.
impl<'de> Deserialize<'de> for DubStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        let mut flags = DubStatus::empty();
        for name in names {
            let (flag, _) = DUB_STATUS_NAMES
                .iter()
                .find(|(_, n)| *n == name)
                .ok_or_else(|| serde::de::Error::unknown_variant(&name, &["subbed", "dubbed"]))?;
            flags |= *flag;
        }
        Ok(flags)
    }
}
