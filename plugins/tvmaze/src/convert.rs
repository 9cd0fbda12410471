//! TVmaze records to BEX contract records.

use crate::api;
use crate::bex::plugin::types::{
    DubStatus, Episode, Image, MediaCard, MediaInfo, MediaKind, MediaStatus, Person, SearchFilters,
    Season,
};

fn image(i: &Option<api::Image>, prefer_original: bool) -> Option<Image> {
    let i = i.as_ref()?;
    let url = if prefer_original {
        i.original.clone().or_else(|| i.medium.clone())
    } else {
        i.medium.clone().or_else(|| i.original.clone())
    }?;
    Some(Image {
        url,
        width: None,
        height: None,
        headers: vec![],
    })
}

fn kind(show: &api::Show) -> MediaKind {
    match show.kind.as_deref() {
        Some("Animation") if show.language.as_deref() == Some("Japanese") => MediaKind::Anime,
        Some("Animation") => MediaKind::Cartoon,
        Some("Documentary") => MediaKind::Documentary,
        _ => MediaKind::Series,
    }
}

fn status(show: &api::Show) -> Option<MediaStatus> {
    match show.status.as_deref()? {
        "Running" => Some(MediaStatus::Ongoing),
        "Ended" => Some(MediaStatus::Completed),
        "In Development" => Some(MediaStatus::Upcoming),
        "To Be Determined" => Some(MediaStatus::Hiatus),
        _ => None,
    }
}

fn year(date: &Option<String>) -> Option<u32> {
    date.as_deref()?.get(..4)?.parse().ok()
}

/// Plain text from TVmaze's HTML summaries.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .trim()
        .to_string()
}

pub fn card(show: &api::Show) -> MediaCard {
    MediaCard {
        id: format!("show:{}", show.id),
        title: show.name.clone(),
        kind: Some(kind(show)),
        poster: image(&show.image, false),
        backdrop: None,
        year: year(&show.premiered),
        rating: show.rating.as_ref().and_then(|r| r.average),
        genres: show.genres.clone(),
        description: show.summary.as_deref().map(strip_html),
        status: status(show),
        dub_status: DubStatus::empty(),
        episode_count: None,
        extra: vec![],
    }
}

/// Whether a show passes the search filters TVmaze data can answer.
pub fn passes(show: &api::Show, filters: &SearchFilters) -> bool {
    filters.kind.is_none_or(|k| k == kind(show))
        && filters.year.is_none_or(|y| year(&show.premiered) == Some(y))
        && filters
            .genre
            .as_deref()
            .is_none_or(|g| show.genres.iter().any(|sg| sg.eq_ignore_ascii_case(g)))
}

pub fn info(show: api::Show) -> MediaInfo {
    let embedded = show.embedded.as_ref();
    let mut seasons: Vec<Season> = Vec::new();
    for ep in embedded.map(|e| e.episodes.as_slice()).unwrap_or_default() {
        let number = ep.season.unwrap_or(0);
        let episode = Episode {
            id: format!("episode:{}", ep.id),
            number: ep.number.map(|n| n as f32),
            season: ep.season,
            title: ep.name.clone(),
            description: ep.summary.as_deref().map(strip_html),
            thumbnail: image(&ep.image, false),
            air_date: ep.airdate.clone().filter(|d| !d.is_empty()),
            runtime_minutes: ep.runtime,
            dub_status: DubStatus::empty(),
            filler: ep.kind.as_deref() == Some("insignificant_special"),
            extra: vec![],
        };
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
    let cast = embedded
        .map(|e| e.cast.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|c| Person {
            name: c.person.name.clone(),
            role: Some(c.character.name.clone()),
            image: image(&c.person.image, false),
        })
        .collect();
    let mut external_ids = vec![("tvmaze".to_string(), show.id.to_string())];
    if let Some(x) = &show.externals {
        if let Some(imdb) = &x.imdb {
            external_ids.push(("imdb".into(), imdb.clone()));
        }
        if let Some(tvdb) = x.thetvdb {
            external_ids.push(("thetvdb".into(), tvdb.to_string()));
        }
        if let Some(tvrage) = x.tvrage {
            external_ids.push(("tvrage".into(), tvrage.to_string()));
        }
    }
    MediaInfo {
        id: format!("show:{}", show.id),
        title: show.name.clone(),
        original_title: None,
        kind: Some(kind(&show)),
        poster: image(&show.image, true),
        backdrop: None,
        logo: None,
        year: year(&show.premiered),
        end_year: year(&show.ended),
        rating: show.rating.as_ref().and_then(|r| r.average),
        genres: show.genres.clone(),
        tags: show.kind.iter().cloned().collect(),
        description: show.summary.as_deref().map(strip_html),
        status: status(&show),
        runtime_minutes: show.runtime.or(show.average_runtime),
        content_rating: None,
        cast,
        external_ids,
        dub_status: DubStatus::empty(),
        seasons,
        play_id: None,
        trailers: vec![],
        recommendations: vec![],
        extra: vec![],
    }
}
