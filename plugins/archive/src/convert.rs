//! Archive records to BEX contract records: search documents to cards, an
//! item's metadata to a title, its video files to servers and streams.

use bex_pdk::{
    Container, Error, MediaCard, MediaInfo, MediaKind, PluginError, Server, StreamSource,
    SubtitleTrack, http, ids, records,
};

use crate::api::{self, Doc, File, Item};
use crate::text;

/// Film genres recognised among an item's subjects (which also hold
/// actors, directors and free tags); compared case-insensitively.
const GENRES: &[&str] = &[
    "action",
    "adventure",
    "animation",
    "comedy",
    "crime",
    "documentary",
    "drama",
    "family",
    "fantasy",
    "film noir",
    "film-noir",
    "noir",
    "history",
    "horror",
    "musical",
    "mystery",
    "romance",
    "science fiction",
    "sci-fi",
    "silent",
    "suspense",
    "thriller",
    "war",
    "western",
];

/// The item id of `identifier`: `item:<identifier>`.
pub fn item_id(identifier: &str) -> String {
    ids::make("item", identifier)
}

/// The item's thumbnail service url (the Archive's poster for a film).
fn poster(identifier: &str) -> bex_pdk::Image {
    records::image(format!("{}/services/img/{identifier}", api::BASE))
}

/// `https://archive.org/download/<identifier>/<name>`, each path segment
/// of the file name percent-encoded.
pub fn download_url(identifier: &str, name: &str) -> String {
    let path: Vec<String> = name.split('/').map(http::encode).collect();
    format!("{}/download/{identifier}/{}", api::BASE, path.join("/"))
}

/// A search hit as a card.
pub fn card(doc: &Doc) -> MediaCard {
    let title = api::text(&doc.title).unwrap_or_else(|| doc.identifier.clone());
    let mut card = records::card(item_id(&doc.identifier), title);
    card.kind = Some(MediaKind::Movie);
    card.poster = Some(poster(&doc.identifier));
    card.year = api::text(&doc.year)
        .as_deref()
        .and_then(bex_pdk::text::year);
    card.description = description(&doc.description);
    if let Some(n) = api::number(&doc.downloads) {
        card.extra
            .push(("downloads".into(), (n as u64).to_string()));
    }
    card
}

/// A description given as a string or a list of paragraphs, as plain text.
fn description(v: &serde_json::Value) -> Option<String> {
    let paragraphs: Vec<String> = match v {
        serde_json::Value::Array(items) => items.iter().filter_map(api::text).collect(),
        other => api::text(other).into_iter().collect(),
    };
    let text = paragraphs
        .iter()
        .map(|p| bex_pdk::text::plain(p))
        .collect::<Vec<_>>()
        .join("\n\n");
    Some(text).filter(|t| !t.is_empty())
}

/// The item's details. A film has no seasons: `play_id` is the item id.
pub fn info(identifier: &str, item: &Item) -> MediaInfo {
    let meta = item.metadata.as_ref();
    let field = |f: fn(&api::Metadata) -> &serde_json::Value| meta.and_then(|m| api::text(f(m)));
    let id = item_id(identifier);
    let title = field(|m| &m.title).unwrap_or_else(|| identifier.to_string());
    let mut info = records::info(id.clone(), title);
    info.kind = Some(MediaKind::Movie);
    info.poster = Some(poster(identifier));
    info.year = field(|m| &m.year)
        .or_else(|| field(|m| &m.date))
        .as_deref()
        .and_then(bex_pdk::text::year);
    info.description = meta.and_then(|m| description(&m.description));
    let subjects = meta.map(|m| api::texts(&m.subject)).unwrap_or_default();
    info.genres = subjects
        .iter()
        .filter(|s| GENRES.iter().any(|g| s.eq_ignore_ascii_case(g)))
        .cloned()
        .collect();
    info.tags = subjects;
    info.runtime_minutes = field(|m| &m.runtime)
        .as_deref()
        .and_then(text::runtime_minutes)
        .or_else(|| longest_video(item).and_then(text::minutes));
    info.external_ids = vec![("archive".into(), identifier.to_string())];
    info.play_id = Some(id);
    for (name, value) in [
        ("creator", field(|m| &m.creator)),
        ("language", field(|m| &m.language)),
        ("license", field(|m| &m.licenseurl)),
    ] {
        if let Some(value) = value {
            info.extra.push((name.into(), value));
        }
    }
    info.extra
        .push(("page".into(), format!("{}/details/{identifier}", api::BASE)));
    info
}

/// The length in seconds of the item's longest playable video.
fn longest_video(item: &Item) -> Option<f64> {
    item.files
        .iter()
        .filter(|f| mime_type(f).is_some())
        .filter_map(|f| text::seconds(&api::text(&f.length)?))
        .max_by(f64::total_cmp)
}

/// The MIME type of a file a player can stream progressively (MP4, Ogg or
/// WebM video), by its extension; `None` for everything else (AVI and
/// MPEG-2 originals, thumbnails, metadata...). Names with `.` or `..`
/// segments are never played.
fn mime_type(file: &File) -> Option<&'static str> {
    if file
        .name
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return None;
    }
    let ext = file.name.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "mp4" | "m4v" => Some("video/mp4"),
        "ogv" => Some("video/ogg"),
        "webm" => Some("video/webm"),
        _ => None,
    }
}

fn height(file: &File) -> Option<u32> {
    api::number(&file.height)
        .map(|h| h as u32)
        .filter(|h| *h > 0)
}

fn width(file: &File) -> Option<u32> {
    api::number(&file.width)
        .map(|w| w as u32)
        .filter(|w| *w > 0)
}

fn format_name(file: &File) -> String {
    file.format
        .clone()
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "Video".into())
}

/// `512 MB`, `1.2 GB` (decimal units, as the Archive's pages show them).
fn size_label(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{} MB", ((bytes / 1e6).round() as u64).max(1))
    }
}

/// One server per playable video file, best first: tallest, then MP4
/// before Ogg and WebM, then largest.
pub fn servers(identifier: &str, item: &Item) -> Vec<Server> {
    let mut files: Vec<(&File, &'static str)> = item
        .files
        .iter()
        .filter_map(|f| Some((f, mime_type(f)?)))
        .collect();
    files.sort_by(|(a, am), (b, bm)| {
        let size = |f: &File| api::number(&f.size).unwrap_or(0.0);
        height(b)
            .cmp(&height(a))
            .then((*am != "video/mp4").cmp(&(*bm != "video/mp4")))
            .then(size(b).total_cmp(&size(a)))
    });
    files
        .into_iter()
        .map(|(file, _)| {
            let details: Vec<String> = [
                width(file)
                    .zip(height(file))
                    .map(|(w, h)| format!("{w}x{h}")),
                api::number(&file.size).map(size_label),
            ]
            .into_iter()
            .flatten()
            .collect();
            let mut name = format_name(file);
            if !details.is_empty() {
                name = format!("{name} ({})", details.join(", "));
            }
            let id = ids::make("file", format!("{identifier}/{}", file.name));
            let mut server = records::server(id, name);
            server.url = Some(download_url(identifier, &file.name));
            server.quality = height(file);
            server.extra.push(("format".into(), format_name(file)));
            if let Some(source) = &file.source {
                server.extra.push(("source".into(), source.clone()));
            }
            server
        })
        .collect()
}

/// The (identifier, file name) a server id names: `file:<identifier>/<name>`.
pub fn parse_server_id(id: &str) -> Result<(&str, &str), PluginError> {
    let value = ids::value(id, "file")?;
    let (identifier, name) = value
        .split_once('/')
        .filter(|(_, name)| !name.is_empty())
        .ok_or_else(|| {
            Error::invalid_input(format!("{id:?} is not a file:<identifier>/<name> id"))
        })?;
    Ok((api::identifier(identifier)?, name))
}

/// The stream of the file `name`, with the item's subtitle files as tracks.
pub fn stream(identifier: &str, item: &Item, name: &str) -> Result<StreamSource, PluginError> {
    let (file, mime) = item
        .files
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| Some((f, mime_type(f)?)))
        .ok_or_else(|| {
            Error::not_found(format!("item {identifier:?} has no playable file {name:?}"))
        })?;
    let mut stream = records::stream(download_url(identifier, &file.name), Container::Progressive);
    stream.mime_type = Some(mime.into());
    stream.quality = height(file);
    stream.label = Some(match height(file) {
        Some(h) => format!("{} {h}p", format_name(file)),
        None => format_name(file),
    });
    stream.subtitles = item
        .files
        .iter()
        .filter_map(|f| subtitle(identifier, f))
        .collect();
    Ok(stream)
}

/// A subtitle track for an `.srt` or `.vtt` file of the item.
fn subtitle(identifier: &str, file: &File) -> Option<SubtitleTrack> {
    let ext = file.name.rsplit_once('.')?.1.to_ascii_lowercase();
    if !matches!(ext.as_str(), "srt" | "vtt")
        || file
            .name
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return None;
    }
    let language = text::subtitle_language(&file.name);
    let base = file.name.rsplit('/').next().unwrap_or(&file.name);
    // `<item>.asr.srt` is the Archive's machine transcript.
    let automatic = base.to_ascii_lowercase().ends_with(&format!(".asr.{ext}"));
    let label = match language {
        Some((_, name)) => name.to_string(),
        None if automatic => "Automatic transcript".to_string(),
        None => base.to_string(),
    };
    let mut track = records::subtitle_track(
        download_url(identifier, &file.name),
        records::subtitle_format(&file.name),
    );
    track.language = language.map(|(tag, _)| tag.to_string());
    track.label = Some(label);
    Some(track)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_urls_encode_each_segment() {
        assert_eq!(
            download_url("his_girl_friday", "his_girl_friday_512kb.mp4"),
            "https://archive.org/download/his_girl_friday/his_girl_friday_512kb.mp4"
        );
        assert_eq!(
            download_url("x", "hd/Night of the Living Dead (1968).mp4"),
            "https://archive.org/download/x/hd/Night%20of%20the%20Living%20Dead%20%281968%29.mp4"
        );
    }

    #[test]
    fn server_ids_split_at_the_first_slash() {
        assert_eq!(
            parse_server_id("file:a_b/hd/c d.mp4").unwrap(),
            ("a_b", "hd/c d.mp4")
        );
        for bad in ["item:a_b", "file:a_b", "file:a_b/", "file:../x/y.mp4"] {
            assert!(
                matches!(parse_server_id(bad), Err(PluginError::InvalidInput(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn sizes_read_as_the_archive_shows_them() {
        assert_eq!(size_label(415_473_786.0), "415 MB");
        assert_eq!(size_label(1_036_247_040.0), "1.0 GB");
        assert_eq!(size_label(10.0), "1 MB");
    }
}
