//! From an embed page to playable streams, through the host's JavaScript.
//!
//! The page carries its player configuration packed with Dean Edwards'
//! packer (`eval(function(p,a,c,k,e,d){...}(...))`). Each packed script is
//! unpacked in the host's QuickJS by [`UNPACK_JS`], which runs the packer's
//! decoder but hands its output back instead of evaluating it; the script
//! that creates the player is then read by [`SETUP_JS`], which runs it
//! against a stub `jwplayer` and returns the `setup` object's sources and
//! tracks. Both are registered once per plugin runtime under fixed names
//! (the host compiles a function again only if its source changes).
//!
//! Every JavaScript failure (a truncated script, a page that changed) is
//! `parse`, as the kit maps it.

use bex_pdk::{
    AudioTrack, Container, PluginError, ResultExt, StreamSource, SubtitleTrack, js, records,
};
use serde::Deserialize;

use crate::api::ORIGIN;

/// Unpacks one packed script (src/js/unpack.js).
const UNPACK_JS: &str = include_str!("js/unpack.js");
/// Reads the jwplayer setup of an unpacked script (src/js/setup.js).
const SETUP_JS: &str = include_str!("js/setup.js");

/// How a packed script starts.
const PACKED: &str = "eval(function(p,a,c,k,e,d)";

/// What [`SETUP_JS`] returns.
#[derive(Deserialize)]
struct Setup {
    sources: Vec<Source>,
    tracks: Vec<Track>,
}

#[derive(Deserialize)]
struct Source {
    file: Option<String>,
    label: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct Track {
    file: Option<String>,
    label: Option<String>,
    kind: Option<String>,
    default: bool,
}

/// The streams of the player on the embed page `html`, best first.
pub fn streams(html: &str) -> Result<Vec<StreamSource>, PluginError> {
    let scripts = packed_scripts(html);
    if scripts.is_empty() {
        return Err(PluginError::Parse(
            "the embed page has no packed player script".into(),
        ));
    }
    let mut player = None;
    for script in scripts {
        let unpacked: String =
            js::call_fn("unpack", UNPACK_JS, &[script]).context("unpacking the player script")?;
        if unpacked.contains("jwplayer(") {
            player = Some(unpacked);
            break;
        }
    }
    let player = player.ok_or_else(|| {
        PluginError::Parse("no packed script on the page sets up a player".into())
    })?;
    let setup: Setup =
        js::call_fn("player_setup", SETUP_JS, &[player]).context("reading the player setup")?;
    to_streams(setup)
}

/// The packed scripts of `html`, in page order: from each `eval(function
/// (p,a,c,k,e,d)` to the end of its `<script>` element.
fn packed_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(PACKED) {
        let script = &rest[start..];
        let end = script.find("</script>").unwrap_or(script.len());
        out.push(script[..end].trim());
        rest = &script[end..];
    }
    out
}

fn to_streams(setup: Setup) -> Result<Vec<StreamSource>, PluginError> {
    let audio: Vec<AudioTrack> = setup.tracks.iter().filter_map(audio).collect();
    let subtitles: Vec<SubtitleTrack> = setup.tracks.into_iter().filter_map(subtitle).collect();
    let mut streams: Vec<StreamSource> = setup
        .sources
        .into_iter()
        .filter_map(|s| {
            let url = absolute(s.file.as_deref()?)?;
            let (container, mime) = container(s.kind.as_deref(), &url);
            let mut stream = records::stream(url, container);
            stream.mime_type = mime.map(String::from);
            stream.quality = s.label.as_deref().and_then(quality);
            stream.label = s.label;
            stream.headers = referer();
            stream.subtitles = subtitles.clone();
            stream.audio_tracks = audio.clone();
            Some(stream)
        })
        .collect();
    if streams.is_empty() {
        return Err(PluginError::Parse(
            "the player setup lists no playable source".into(),
        ));
    }
    // Best first; sources without a known quality last.
    streams.sort_by_key(|s| std::cmp::Reverse(s.quality.unwrap_or(0)));
    Ok(streams)
}

/// The `Referer` the host checks on its players' files.
fn referer() -> Vec<(String, String)> {
    vec![("Referer".into(), format!("{ORIGIN}/"))]
}

/// A captions or subtitles track (jwplayer's default kind is captions);
/// thumbnails and chapters are not subtitles.
fn subtitle(t: Track) -> Option<SubtitleTrack> {
    let kind = t.kind.as_deref().unwrap_or("captions");
    if !kind.eq_ignore_ascii_case("captions") && !kind.eq_ignore_ascii_case("subtitles") {
        return None;
    }
    let url = absolute(t.file.as_deref()?)?;
    Some(SubtitleTrack {
        format: records::subtitle_format(url.split(['?', '#']).next().unwrap_or(&url)),
        language: t.label.as_deref().and_then(language).map(String::from),
        label: t.label,
        headers: referer(),
        forced: false,
        hearing_impaired: false,
        is_default: t.default,
        url,
    })
}

/// A separate audio file (the host's `audio` track kind: a dub), which
/// the player plays in place of the stream's own audio.
fn audio(t: &Track) -> Option<AudioTrack> {
    if !t.kind.as_deref()?.eq_ignore_ascii_case("audio") {
        return None;
    }
    Some(AudioTrack {
        id: None,
        url: Some(absolute(t.file.as_deref()?)?),
        language: t.label.as_deref().and_then(language).map(String::from),
        label: t.label.clone(),
        is_default: t.default,
    })
}

/// An absolute https url for a player's `file`: protocol-relative and
/// root-relative urls are the host's; anything else that is not
/// http(s) is dropped.
fn absolute(file: &str) -> Option<String> {
    let file = file.trim();
    if file.starts_with("https://") || file.starts_with("http://") {
        Some(file.to_string())
    } else if let Some(rest) = file.strip_prefix("//") {
        Some(format!("https://{rest}"))
    } else if file.starts_with('/') {
        Some(format!("{ORIGIN}{file}"))
    } else {
        None
    }
}

/// The container and MIME type by jwplayer `type`, else by extension.
fn container(kind: Option<&str>, url: &str) -> (Container, Option<&'static str>) {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let kind = kind
        .filter(|k| !k.is_empty())
        .unwrap_or(ext)
        .to_ascii_lowercase();
    match kind.as_str() {
        "hls" | "m3u8" => (Container::Hls, Some("application/vnd.apple.mpegurl")),
        "dash" | "mpd" => (Container::Dash, Some("application/dash+xml")),
        "mp4" | "m4v" => (Container::Progressive, Some("video/mp4")),
        "webm" => (Container::Progressive, Some("video/webm")),
        "ogv" | "ogg" => (Container::Progressive, Some("video/ogg")),
        _ => (Container::Other, None),
    }
}

/// The vertical resolution a label names: "480p", "1080p HD", "720".
fn quality(label: &str) -> Option<u32> {
    let digits: String = label
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|q| (100..=4320).contains(q))
}

/// The language tag of a track label players commonly use.
fn language(label: &str) -> Option<&'static str> {
    let name = label
        .split([' ', '('])
        .next()
        .unwrap_or(label)
        .to_ascii_lowercase();
    Some(match name.as_str() {
        "english" => "en",
        "spanish" | "español" => "es",
        "french" | "français" => "fr",
        "german" | "deutsch" => "de",
        "italian" | "italiano" => "it",
        "portuguese" | "português" => "pt",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_scripts_are_found_in_page_order() {
        let html = "<script>var a=1</script>\
            <script>eval(function(p,a,c,k,e,d){return p}('x',1,1,'x'.split('|'),0,{}))\n</script>\
            <script>eval(function(p,a,c,k,e,d){return p}('y',1,1,'y'.split('|'),0,{}))";
        let scripts = packed_scripts(html);
        assert_eq!(scripts.len(), 2);
        assert!(scripts[0].ends_with("0,{}))") && scripts[0].contains("('x'"));
        assert!(scripts[1].contains("('y'"));
        assert!(packed_scripts("<p>no player</p>").is_empty());
    }

    #[test]
    fn labels_types_and_urls_are_read() {
        assert_eq!(quality("480p"), Some(480));
        assert_eq!(quality("1080p HD"), Some(1080));
        assert_eq!(quality("HD"), None);
        assert_eq!(
            container(Some("mp4"), "https://a.b/v"),
            (Container::Progressive, Some("video/mp4"))
        );
        assert_eq!(container(None, "https://a.b/m.m3u8?t=1").0, Container::Hls);
        assert_eq!(container(Some("HLS"), "https://a.b/x").0, Container::Hls);
        assert_eq!(container(None, "https://a.b/x").0, Container::Other);
        assert_eq!(
            absolute("//cdn.example.org/a.mp4").as_deref(),
            Some("https://cdn.example.org/a.mp4")
        );
        assert_eq!(
            absolute("/subs/a.vtt").as_deref(),
            Some("https://player.example.org/subs/a.vtt")
        );
        assert_eq!(absolute("javascript:alert(1)"), None);
        assert_eq!(language("English (CC)"), Some("en"));
        assert_eq!(language("Klingon"), None);
    }

    #[test]
    fn thumbnails_are_not_subtitles() {
        let track = |kind: Option<&str>| Track {
            file: Some("https://player.example.org/t.vtt".into()),
            label: Some("English".into()),
            kind: kind.map(String::from),
            default: false,
        };
        assert!(subtitle(track(Some("thumbnails"))).is_none());
        assert!(subtitle(track(Some("chapters"))).is_none());
        let t = subtitle(track(None)).unwrap();
        assert_eq!(
            (t.format, t.language.as_deref()),
            (bex_pdk::SubtitleFormat::Vtt, Some("en"))
        );
    }
}
