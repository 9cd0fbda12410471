//! The contract's playback records (see the module docs of `types`).

use serde::{Deserialize, Serialize};
use wasmtime::component::{ComponentType, Lift, Lower};

use super::*;

/// A source from which an episode or movie can be resolved.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// Opaque id; the plugin reads it back in `resolve-stream`.
    pub id: String,
    /// The name to show.
    pub name: String,
    /// A page or embed url, if the plugin wants it back.
    #[serde(default)]
    #[serde(serialize_with = "super::checked::opt_url")]
    pub url: Option<String>,
    /// Language (BCP 47), if known.
    #[serde(default)]
    pub language: Option<String>,
    /// Whether it is available subtitled and/or dubbed.
    #[component(name = "dub-status")]
    #[serde(default)]
    pub dub_status: DubStatus,
    /// Vertical resolution, if known before resolving (1080).
    #[serde(default)]
    pub quality: Option<u32>,
    /// Source-specific name/value attributes, passed through unchanged.
    #[serde(default)]
    pub extra: Vec<Pair>,
}

/// How a stream is packaged.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, ComponentType, Lift, Lower, Serialize, Deserialize,
)]
#[component(enum)]
#[repr(u8)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// `hls`
    #[component(name = "hls")]
    Hls,
    /// `dash`
    #[component(name = "dash")]
    Dash,
    /// `progressive`
    #[component(name = "progressive")]
    Progressive,
    /// `other`
    #[component(name = "other")]
    Other,
}

/// Subtitle file formats.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, ComponentType, Lift, Lower, Serialize, Deserialize,
)]
#[component(enum)]
#[repr(u8)]
#[serde(rename_all = "snake_case")]
pub enum SubtitleFormat {
    /// `srt`
    #[component(name = "srt")]
    Srt,
    /// `vtt`
    #[component(name = "vtt")]
    Vtt,
    /// `ass`
    #[component(name = "ass")]
    Ass,
    /// `ssa`
    #[component(name = "ssa")]
    Ssa,
    /// `ttml`
    #[component(name = "ttml")]
    Ttml,
    /// `other`
    #[component(name = "other")]
    Other,
}

/// An alternative audio track of a stream.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct AudioTrack {
    /// The plugin's id for it, handed back in later calls.
    #[serde(default)]
    pub id: Option<String>,
    /// A separate audio url, if the track is not muxed in the stream.
    #[serde(default)]
    #[serde(serialize_with = "super::checked::opt_url")]
    pub url: Option<String>,
    /// Language (BCP 47), if known.
    #[serde(default)]
    pub language: Option<String>,
    /// A label for the player to show.
    #[serde(default)]
    pub label: Option<String>,
    /// Whether the player should pick it by default.
    #[component(name = "is-default")]
    pub is_default: bool,
}

/// A subtitle track shipped with a stream.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct SubtitleTrack {
    /// The url (http or https; the engine checks it).
    #[serde(serialize_with = "super::checked::url")]
    pub url: String,
    /// The subtitle format.
    pub format: SubtitleFormat,
    /// Language (BCP 47), if known.
    #[serde(default)]
    pub language: Option<String>,
    /// A label for the player to show.
    #[serde(default)]
    pub label: Option<String>,
    /// Headers the player must send when fetching the url.
    #[serde(default)]
    #[serde(serialize_with = "super::checked::headers")]
    pub headers: Vec<Pair>,
    /// Whether it only covers foreign-language parts (forced subtitles).
    pub forced: bool,
    /// Whether it is made for the hearing impaired (SDH).
    #[component(name = "hearing-impaired")]
    pub hearing_impaired: bool,
    /// Whether the player should pick it by default.
    #[component(name = "is-default")]
    pub is_default: bool,
}

/// DRM systems a stream may need.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, ComponentType, Lift, Lower, Serialize, Deserialize,
)]
#[component(enum)]
#[repr(u8)]
#[serde(rename_all = "snake_case")]
pub enum DrmScheme {
    /// `widevine`
    #[component(name = "widevine")]
    Widevine,
    /// `playready`
    #[component(name = "playready")]
    Playready,
    /// `fairplay`
    #[component(name = "fairplay")]
    Fairplay,
    /// `clearkey`
    #[component(name = "clearkey")]
    Clearkey,
}

/// How to obtain licenses for a protected stream.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct Drm {
    /// The DRM system.
    pub scheme: DrmScheme,
    /// The license server url.
    #[component(name = "license-url")]
    #[serde(serialize_with = "super::checked::url")]
    pub license_url: String,
    /// Headers to send with license requests.
    #[serde(default)]
    #[serde(serialize_with = "super::checked::headers")]
    pub headers: Vec<Pair>,
    /// FairPlay certificate url.
    #[component(name = "certificate-url")]
    #[serde(default)]
    #[serde(serialize_with = "super::checked::opt_url")]
    pub certificate_url: Option<String>,
}

/// A playable stream.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct StreamSource {
    /// The url (http or https; the engine checks it).
    #[serde(serialize_with = "super::checked::url")]
    pub url: String,
    /// The stream's container or protocol.
    pub container: Container,
    /// The MIME type of the media, if known.
    #[component(name = "mime-type")]
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Vertical resolution (1080), if known.
    #[serde(default)]
    pub quality: Option<u32>,
    /// A label for the player to show.
    #[serde(default)]
    pub label: Option<String>,
    /// Headers the player must send when fetching the stream and its
    /// segments: Referer, User-Agent, Cookie...
    #[serde(default)]
    #[serde(serialize_with = "super::checked::headers")]
    pub headers: Vec<Pair>,
    /// Audio tracks to offer with the stream.
    #[component(name = "audio-tracks")]
    #[serde(default)]
    pub audio_tracks: Vec<AudioTrack>,
    /// Subtitle tracks to offer with the stream.
    #[serde(default)]
    pub subtitles: Vec<SubtitleTrack>,
    /// The url stops working at this time; resolve again after it.
    #[component(name = "expires-at")]
    #[serde(default)]
    pub expires_at: Option<u64>,
    /// DRM, if the stream is protected.
    #[serde(default)]
    pub drm: Option<Drm>,
    /// Source-specific name/value attributes, passed through unchanged.
    #[serde(default)]
    pub extra: Vec<Pair>,
}

/// What to look subtitles up for.
#[derive(Clone, Debug, Default, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct SubtitleQuery {
    /// The title as the source shows it.
    #[serde(default)]
    pub title: Option<String>,
    /// A plugin media id, if the title came from the same plugin.
    #[component(name = "media-id")]
    #[serde(default)]
    pub media_id: Option<String>,
    /// Ids elsewhere, e.g. ("imdb", "tt0944947").
    #[component(name = "external-ids")]
    #[serde(default)]
    pub external_ids: Vec<Pair>,
    /// Season number.
    #[serde(default)]
    pub season: Option<u32>,
    /// Episode number.
    #[serde(default)]
    pub episode: Option<u32>,
    /// Release (or first air) year.
    #[serde(default)]
    pub year: Option<u32>,
    /// Wanted languages, best first; empty means any.
    #[serde(default)]
    pub languages: Vec<String>,
}

/// A subtitle found by `search-subtitles`.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct SubtitleEntry {
    /// Opaque id, passed to `download-subtitle`.
    pub id: String,
    /// The title as the source shows it.
    pub title: String,
    /// Language (BCP 47), if known.
    pub language: String,
    /// The subtitle format.
    pub format: SubtitleFormat,
    /// Whether it only covers foreign-language parts (forced subtitles).
    pub forced: bool,
    /// Whether it is made for the hearing impaired (SDH).
    #[component(name = "hearing-impaired")]
    pub hearing_impaired: bool,
    /// The release it was timed for, if known.
    #[serde(default)]
    pub release: Option<String>,
    /// Download count at the source.
    #[serde(default)]
    pub downloads: Option<u32>,
    /// Rating, 0 to 10.
    #[serde(default)]
    pub rating: Option<f32>,
    /// Source-specific name/value attributes, passed through unchanged.
    #[serde(default)]
    pub extra: Vec<Pair>,
}

/// A downloaded subtitle, already decoded to UTF-8.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct SubtitleFile {
    /// A bare file name to save it under (no directories).
    #[component(name = "file-name")]
    #[serde(serialize_with = "super::checked::file_name")]
    pub file_name: String,
    /// The subtitle format.
    pub format: SubtitleFormat,
    /// Language (BCP 47), if known.
    #[serde(default)]
    pub language: Option<String>,
    /// The text itself.
    pub content: String,
}
