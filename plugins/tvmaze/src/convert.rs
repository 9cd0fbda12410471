//! TVmaze records to BEX contract records.

use bex_pdk::{
    Image, MediaCard, MediaInfo, MediaKind, MediaStatus, SearchFilters, Season, ids, records,
};

use crate::api;

fn image(i: &Option<api::Image>, prefer_original: bool) -> Option<Image> {
    let i = i.as_ref()?;
    let url = if prefer_original {
        i.original.clone().or_else(|| i.medium.clone())
    } else {
        i.medium.clone().or_else(|| i.original.clone())
    }?;
    Some(records::image(url))
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
    let mut card = records::card(ids::make("show", show.id), show.name.clone());
    card.kind = Some(kind(show));
    card.poster = image(&show.image, false);
    card.year = year(&show.premiered);
    card.rating = show.rating.as_ref().and_then(|r| r.average);
    card.genres = show.genres.clone();
    card.description = show.summary.as_deref().map(strip_html);
    card.status = status(show);
    card
}

/// Whether a show passes the search filters TVmaze data can answer.
pub fn passes(show: &api::Show, filters: &SearchFilters) -> bool {
    filters.kind.is_none_or(|k| k == kind(show))
        && filters
            .year
            .is_none_or(|y| year(&show.premiered) == Some(y))
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
        let mut episode = records::episode(ids::make("episode", ep.id));
        episode.number = ep.number.map(|n| n as f32);
        episode.season = ep.season;
        episode.title = ep.name.clone();
        episode.description = ep.summary.as_deref().map(strip_html);
        episode.thumbnail = image(&ep.image, false);
        episode.air_date = ep.airdate.clone().filter(|d| !d.is_empty());
        episode.runtime_minutes = ep.runtime;
        episode.filler = ep.kind.as_deref() == Some("insignificant_special");
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
        .map(|c| {
            let mut person = records::person(c.person.name.clone());
            person.role = Some(c.character.name.clone());
            person.image = image(&c.person.image, false);
            person
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
    let mut info = records::info(ids::make("show", show.id), show.name.clone());
    info.kind = Some(kind(&show));
    info.poster = image(&show.image, true);
    info.year = year(&show.premiered);
    info.end_year = year(&show.ended);
    info.rating = show.rating.as_ref().and_then(|r| r.average);
    info.genres = show.genres.clone();
    info.tags = show.kind.iter().cloned().collect();
    info.description = show.summary.as_deref().map(strip_html);
    info.status = status(&show);
    info.runtime_minutes = show.runtime.or(show.average_runtime);
    info.cast = cast;
    info.external_ids = external_ids;
    info.seasons = seasons;
    info
}
