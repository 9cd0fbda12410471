//! TMDB records to BEX contract records.

use bex_pdk::{Image, MediaCard, MediaInfo, MediaKind, MediaStatus, Season, ids, records};

use crate::api;
use crate::entry::{Entry, Genres, Media};

/// Where TMDB's images are served from; the player loads them.
const IMAGES: &str = "https://image.tmdb.org/t/p";
/// TMDB's genre ids that say what kind of title it is (the same in the
/// movie and TV lists).
const ANIMATION: u32 = 16;
const DOCUMENTARY: u32 = 99;
/// Cast members an info lists.
const CAST: usize = 10;

/// Animation in Japanese is anime, other animation a cartoon, genre 99 a
/// documentary; the rest is a movie or a series.
pub fn kind(media: Media, genre_ids: &[u32], language: Option<&str>) -> MediaKind {
    if genre_ids.contains(&DOCUMENTARY) {
        MediaKind::Documentary
    } else if genre_ids.contains(&ANIMATION) && language == Some("ja") {
        MediaKind::Anime
    } else if genre_ids.contains(&ANIMATION) {
        MediaKind::Cartoon
    } else if media == Media::Movie {
        MediaKind::Movie
    } else {
        MediaKind::Series
    }
}

/// The year of a `YYYY-MM-DD` date.
pub fn year(date: Option<&str>) -> Option<u32> {
    date?.get(..4)?.parse().ok()
}

/// An image at one of TMDB's sizes (`w342`...), its width known.
fn image(path: Option<&str>, size: &str) -> Option<Image> {
    let path = path.filter(|p| p.starts_with('/'))?;
    let mut image = records::image(format!("{IMAGES}/{size}{path}"));
    image.width = size.strip_prefix('w').and_then(|w| w.parse().ok());
    Some(image)
}

/// TMDB's 0-10 vote average, unless nobody voted (it says 0 then).
pub fn rating(average: Option<f32>, count: Option<u32>) -> Option<f32> {
    average.filter(|_| count != Some(0))
}

fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A card for a list entry.
pub fn card(entry: &Entry, genres: &Genres) -> MediaCard {
    let item = entry.item;
    let mut card = records::card(ids::make(entry.media.name(), item.id), entry.title());
    card.kind = Some(entry.kind());
    card.poster = image(item.poster_path.as_deref(), "w342");
    card.backdrop = image(item.backdrop_path.as_deref(), "w780");
    card.year = entry.year();
    card.rating = rating(item.vote_average, item.vote_count);
    card.genres = genres.names(entry.media, &item.genre_ids);
    card.description = text(item.overview.as_deref());
    card
}

fn status(media: Media, status: Option<&str>) -> Option<MediaStatus> {
    match (media, status?) {
        (Media::Movie, "Released") => Some(MediaStatus::Completed),
        (Media::Movie, "Rumored" | "Planned" | "In Production" | "Post Production") => {
            Some(MediaStatus::Upcoming)
        }
        (Media::Tv, "Returning Series") => Some(MediaStatus::Ongoing),
        (Media::Tv, "Ended") => Some(MediaStatus::Completed),
        (Media::Tv, "In Production" | "Planned" | "Pilot") => Some(MediaStatus::Upcoming),
        (_, "Canceled") => Some(MediaStatus::Cancelled),
        _ => None,
    }
}

/// A movie's or TV show's details. TV seasons come with their numbers and
/// names but no episodes: TMDB lists those per season
/// (`/tv/{id}/season/{n}`), which this plugin does not fetch.
pub fn info(media: Media, d: api::Details) -> MediaInfo {
    let title = d
        .title
        .clone()
        .or_else(|| d.name.clone())
        .unwrap_or_default();
    let mut info = records::info(ids::make(media.name(), d.id), title.clone());
    let genre_ids: Vec<u32> = d.genres.iter().map(|g| g.id).collect();
    info.kind = Some(kind(media, &genre_ids, d.original_language.as_deref()));
    info.original_title = d
        .original_title
        .clone()
        .or_else(|| d.original_name.clone())
        .filter(|o| *o != title);
    info.poster = image(d.poster_path.as_deref(), "w500");
    info.backdrop = image(d.backdrop_path.as_deref(), "w1280");
    info.rating = rating(d.vote_average, d.vote_count);
    info.genres = d.genres.iter().map(|g| g.name.clone()).collect();
    info.description = text(d.overview.as_deref());
    info.status = status(media, d.status.as_deref());
    match media {
        Media::Movie => {
            info.year = year(d.release_date.as_deref());
            info.runtime_minutes = d.runtime.filter(|r| *r > 0);
        }
        Media::Tv => {
            info.year = year(d.first_air_date.as_deref());
            if matches!(
                info.status,
                Some(MediaStatus::Completed | MediaStatus::Cancelled)
            ) {
                info.end_year = year(d.last_air_date.as_deref());
            }
            info.runtime_minutes = d.episode_run_time.first().copied().filter(|r| *r > 0);
            info.seasons = d
                .seasons
                .iter()
                .map(|s| Season {
                    number: s.season_number,
                    id: None,
                    title: s.name.clone(),
                    episodes: vec![],
                })
                .collect();
        }
    }
    let mut cast: Vec<&api::CastMember> = d
        .credits
        .as_ref()
        .map(|c| c.cast.iter().collect())
        .unwrap_or_default();
    cast.sort_by_key(|c| c.order.unwrap_or(u32::MAX));
    info.cast = cast
        .into_iter()
        .take(CAST)
        .map(|c| {
            let mut person = records::person(c.name.clone());
            person.role = text(c.character.as_deref());
            person.image = image(c.profile_path.as_deref(), "w185");
            person
        })
        .collect();
    info.external_ids = external_ids(&d);
    info.trailers = d
        .videos
        .iter()
        .flat_map(|v| &v.results)
        .filter(|v| v.site == "YouTube" && v.kind == "Trailer")
        .map(|v| format!("https://www.youtube.com/watch?v={}", v.key))
        .collect();
    let extra = [
        ("tagline", text(d.tagline.as_deref())),
        ("original_language", d.original_language.clone()),
        (
            "number_of_seasons",
            d.number_of_seasons.map(|n| n.to_string()),
        ),
        (
            "number_of_episodes",
            d.number_of_episodes.map(|n| n.to_string()),
        ),
    ];
    info.extra = extra
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v?)))
        .collect();
    info
}

fn external_ids(d: &api::Details) -> Vec<(String, String)> {
    let x = d.external_ids.as_ref();
    let imdb = x
        .and_then(|x| x.imdb_id.clone())
        .or_else(|| d.imdb_id.clone());
    let ids = [
        ("tmdb", Some(d.id.to_string())),
        ("imdb", imdb),
        ("thetvdb", x.and_then(|x| x.tvdb_id).map(|t| t.to_string())),
        ("wikidata", x.and_then(|x| x.wikidata_id.clone())),
    ];
    ids.into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.filter(|v| !v.is_empty())?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genres_and_language_tell_the_kind() {
        assert_eq!(kind(Media::Movie, &[27], Some("en")), MediaKind::Movie);
        assert_eq!(kind(Media::Tv, &[18], None), MediaKind::Series);
        assert_eq!(kind(Media::Movie, &[16, 14], Some("ja")), MediaKind::Anime);
        assert_eq!(kind(Media::Tv, &[16, 35], Some("en")), MediaKind::Cartoon);
        assert_eq!(
            kind(Media::Movie, &[16, 99], Some("ja")),
            MediaKind::Documentary
        );
    }

    #[test]
    fn unrated_titles_have_no_rating_and_images_have_sizes() {
        assert_eq!(rating(Some(0.0), Some(0)), None);
        assert_eq!(rating(Some(7.5), Some(2131)), Some(7.5));
        let poster = image(Some("/a.jpg"), "w342").unwrap();
        assert_eq!(
            (poster.url.as_str(), poster.width),
            ("https://image.tmdb.org/t/p/w342/a.jpg", Some(342))
        );
        assert!(image(Some(""), "w342").is_none());
        assert_eq!(year(Some("1968-10-04")), Some(1968));
        assert_eq!(year(Some("")), None);
    }
}
