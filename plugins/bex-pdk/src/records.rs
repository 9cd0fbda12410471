//! The contract's records with their optional fields empty, so a plugin
//! sets only what its source knows:
//!
//! ```text
//! let mut card = records::card("show:139", "Girls");
//! card.year = Some(2012);
//! ```

use crate::types::*;

/// An image by url.
pub fn image(url: impl Into<String>) -> Image {
    Image {
        url: url.into(),
        width: None,
        height: None,
        headers: vec![],
    }
}

/// A media card.
pub fn card(id: impl Into<String>, title: impl Into<String>) -> MediaCard {
    MediaCard {
        id: id.into(),
        title: title.into(),
        kind: None,
        poster: None,
        backdrop: None,
        year: None,
        rating: None,
        genres: vec![],
        description: None,
        status: None,
        dub_status: DubStatus::empty(),
        episode_count: None,
        extra: vec![],
    }
}

/// A category.
pub fn category(id: impl Into<String>, title: impl Into<String>) -> Category {
    Category {
        id: id.into(),
        title: title.into(),
        image: None,
    }
}

/// A home section of `items` in a row.
pub fn section(
    id: impl Into<String>,
    title: impl Into<String>,
    items: Vec<MediaCard>,
) -> HomeSection {
    HomeSection {
        id: id.into(),
        title: title.into(),
        subtitle: None,
        items,
        more: None,
        layout: CardLayout::Row,
        show_rank: false,
        categories: vec![],
        extra: vec![],
    }
}

/// A page of results.
pub fn paged(items: Vec<MediaCard>, next_page: Option<String>) -> PagedResult {
    PagedResult {
        items,
        categories: vec![],
        next_page,
        total: None,
    }
}

/// A title's details.
pub fn info(id: impl Into<String>, title: impl Into<String>) -> MediaInfo {
    MediaInfo {
        id: id.into(),
        title: title.into(),
        original_title: None,
        kind: None,
        poster: None,
        backdrop: None,
        logo: None,
        year: None,
        end_year: None,
        rating: None,
        genres: vec![],
        tags: vec![],
        description: None,
        status: None,
        runtime_minutes: None,
        content_rating: None,
        cast: vec![],
        external_ids: vec![],
        dub_status: DubStatus::empty(),
        seasons: vec![],
        play_id: None,
        trailers: vec![],
        recommendations: vec![],
        extra: vec![],
    }
}

/// An episode.
pub fn episode(id: impl Into<String>) -> Episode {
    Episode {
        id: id.into(),
        number: None,
        season: None,
        title: None,
        description: None,
        thumbnail: None,
        air_date: None,
        runtime_minutes: None,
        dub_status: DubStatus::empty(),
        filler: false,
        extra: vec![],
    }
}

/// `episodes` grouped into seasons by their `season` number (none is
/// season 0), seasons in order, episodes as given; each titled `Season N`.
pub fn seasons(episodes: Vec<Episode>) -> Vec<Season> {
    let mut seasons: Vec<Season> = Vec::new();
    for episode in episodes {
        let number = episode.season.unwrap_or(0);
        match seasons.iter_mut().find(|s| s.number == number) {
            Some(season) => season.episodes.push(episode),
            None => seasons.push(Season {
                number,
                id: None,
                title: Some(format!("Season {number}")),
                episodes: vec![episode],
            }),
        }
    }
    seasons.sort_by_key(|s| s.number);
    seasons
}

/// A person in the cast.
pub fn person(name: impl Into<String>) -> Person {
    Person {
        name: name.into(),
        role: None,
        image: None,
    }
}

/// A server.
pub fn server(id: impl Into<String>, name: impl Into<String>) -> Server {
    Server {
        id: id.into(),
        name: name.into(),
        url: None,
        language: None,
        dub_status: DubStatus::empty(),
        quality: None,
        extra: vec![],
    }
}

/// A stream.
pub fn stream(url: impl Into<String>, container: Container) -> StreamSource {
    StreamSource {
        url: url.into(),
        container,
        mime_type: None,
        quality: None,
        label: None,
        headers: vec![],
        audio_tracks: vec![],
        subtitles: vec![],
        expires_at: None,
        drm: None,
        extra: vec![],
    }
}

/// A subtitle track of a stream.
pub fn subtitle_track(url: impl Into<String>, format: SubtitleFormat) -> SubtitleTrack {
    SubtitleTrack {
        url: url.into(),
        format,
        language: None,
        label: None,
        headers: vec![],
        forced: false,
        hearing_impaired: false,
        is_default: false,
    }
}

/// A subtitle search result.
pub fn subtitle_entry(
    id: impl Into<String>,
    title: impl Into<String>,
    language: impl Into<String>,
    format: SubtitleFormat,
) -> SubtitleEntry {
    SubtitleEntry {
        id: id.into(),
        title: title.into(),
        language: language.into(),
        format,
        forced: false,
        hearing_impaired: false,
        release: None,
        downloads: None,
        rating: None,
        extra: vec![],
    }
}

/// An article.
pub fn article(id: impl Into<String>, title: impl Into<String>) -> Article {
    Article {
        id: id.into(),
        title: title.into(),
        summary: None,
        url: None,
        image: None,
        author: None,
        published_at: None,
        content: None,
        tags: vec![],
        extra: vec![],
    }
}

/// The subtitle format a file name or format name says (`srt`, `vtt`, ...).
pub fn subtitle_format(name: &str) -> SubtitleFormat {
    let ext = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    match ext.as_str() {
        "srt" | "subrip" => SubtitleFormat::Srt,
        "vtt" | "webvtt" => SubtitleFormat::Vtt,
        "ass" => SubtitleFormat::Ass,
        "ssa" => SubtitleFormat::Ssa,
        "ttml" | "dfxp" | "xml" => SubtitleFormat::Ttml,
        _ => SubtitleFormat::Other,
    }
}
