//! TVmaze records to BEX contract records.

use bex_pdk::{
    Image, MediaCard, MediaInfo, MediaKind, MediaStatus, SearchFilters, ids, records, text,
};

use crate::api::{self, Show};

fn image(i: &Option<api::Image>, original: bool) -> Option<Image> {
    let i = i.as_ref()?;
    let (first, second) = if original {
        (&i.original, &i.medium)
    } else {
        (&i.medium, &i.original)
    };
    first.clone().or_else(|| second.clone()).map(records::image)
}

fn kind(show: &Show) -> MediaKind {
    match show.kind.as_deref() {
        Some("Animation") if show.language.as_deref() == Some("Japanese") => MediaKind::Anime,
        Some("Animation") => MediaKind::Cartoon,
        Some("Documentary") => MediaKind::Documentary,
        _ => MediaKind::Series,
    }
}

fn status(show: &Show) -> Option<MediaStatus> {
    Some(match show.status.as_deref()? {
        "Running" => MediaStatus::Ongoing,
        "Ended" => MediaStatus::Completed,
        "In Development" => MediaStatus::Upcoming,
        "To Be Determined" => MediaStatus::Hiatus,
        _ => return None,
    })
}

fn year(date: &Option<String>) -> Option<u32> {
    date.as_deref().and_then(text::year)
}

pub fn card(show: &Show) -> MediaCard {
    let mut card = records::card(ids::make("show", show.id), &show.name);
    card.kind = Some(kind(show));
    card.poster = image(&show.image, false);
    card.year = year(&show.premiered);
    card.rating = show.rating.as_ref().and_then(|r| r.average);
    card.genres = show.genres.clone();
    card.description = show.summary.as_deref().map(text::plain);
    card.status = status(show);
    card
}

/// Whether a show passes the search filters TVmaze data can answer.
pub fn passes(show: &Show, f: &SearchFilters) -> bool {
    f.kind.is_none_or(|k| k == kind(show))
        && f.year.is_none_or(|y| year(&show.premiered) == Some(y))
        && f.genre
            .as_deref()
            .is_none_or(|g| show.genres.iter().any(|s| s.eq_ignore_ascii_case(g)))
}

pub fn info(show: Show) -> MediaInfo {
    let card = card(&show);
    let mut info = records::info(card.id, card.title);
    let embedded = show.embedded.unwrap_or(api::Embedded {
        episodes: vec![],
        cast: vec![],
    });
    let episodes = embedded.episodes.into_iter().map(|ep| {
        let mut episode = records::episode(ids::make("episode", ep.id));
        episode.number = ep.number.map(|n| n as f32);
        episode.season = ep.season;
        episode.title = ep.name;
        episode.description = ep.summary.as_deref().map(text::plain);
        episode.thumbnail = image(&ep.image, false);
        episode.air_date = ep.airdate.filter(|d| !d.is_empty());
        episode.runtime_minutes = ep.runtime;
        episode.filler = ep.kind.as_deref() == Some("insignificant_special");
        episode
    });
    info.seasons = records::seasons(episodes.collect());
    for credit in embedded.cast {
        let mut person = records::person(credit.person.name);
        person.role = Some(credit.character.name);
        person.image = image(&credit.person.image, false);
        info.cast.push(person);
    }
    info.external_ids = vec![("tvmaze".into(), show.id.to_string())];
    if let Some(x) = show.externals {
        let ids = [
            ("imdb", x.imdb),
            ("thetvdb", x.thetvdb.map(|v| v.to_string())),
            ("tvrage", x.tvrage.map(|v| v.to_string())),
        ];
        info.external_ids.extend(
            ids.into_iter()
                .filter_map(|(k, v)| Some((k.to_string(), v?))),
        );
    }
    info.kind = card.kind;
    info.poster = image(&show.image, true);
    info.year = card.year;
    info.end_year = year(&show.ended);
    info.rating = card.rating;
    info.genres = card.genres;
    info.tags = show.kind.into_iter().collect();
    info.description = card.description;
    info.status = card.status;
    info.runtime_minutes = show.runtime.or(show.average_runtime);
    info
}
