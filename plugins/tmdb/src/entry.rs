//! List results with their media type known: which are movies and which
//! TV shows (people dropped), their genre names, and the orderings TMDB
//! cannot apply itself.

use std::cmp::Ordering;

use bex_pdk::{MediaKind, SortOrder};

use crate::api;
use crate::convert::{kind, rating, year};

/// What a TMDB id names: its kind in ids (`movie:10331`, `tv:1396`) is also
/// its path segment in the API (`/movie/10331`, `/tv/1396`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Media {
    /// A film.
    Movie,
    /// A TV show.
    Tv,
}

impl Media {
    /// The id kind and API path segment.
    pub fn name(self) -> &'static str {
        match self {
            Media::Movie => "movie",
            Media::Tv => "tv",
        }
    }

    /// An item's media type: its `media_type` in mixed lists, else the
    /// list's (`default`). `None` for people and unknown types.
    pub fn of(item: &api::Item, default: Option<Media>) -> Option<Media> {
        match item.media_type.as_deref() {
            Some("movie") => Some(Media::Movie),
            Some("tv") => Some(Media::Tv),
            Some(_) => None,
            None => default,
        }
    }
}

/// The genre lists fetched for this call; empty when none were. Cards get
/// genre names only from these.
#[derive(Default)]
pub struct Genres {
    /// `/genre/movie/list`.
    pub movie: Vec<api::Genre>,
    /// `/genre/tv/list`.
    pub tv: Vec<api::Genre>,
}

impl Genres {
    fn list(&self, media: Media) -> &[api::Genre] {
        match media {
            Media::Movie => &self.movie,
            Media::Tv => &self.tv,
        }
    }

    /// The names of `genre_ids`, in order, skipping ids the list lacks.
    pub fn names(&self, media: Media, genre_ids: &[u32]) -> Vec<String> {
        let list = self.list(media);
        genre_ids
            .iter()
            .filter_map(|id| list.iter().find(|g| g.id == *id).map(|g| g.name.clone()))
            .collect()
    }

    /// Whether one of `genre_ids` is called `name` (any case).
    pub fn has(&self, media: Media, genre_ids: &[u32], name: &str) -> bool {
        self.list(media)
            .iter()
            .any(|g| g.name.eq_ignore_ascii_case(name) && genre_ids.contains(&g.id))
    }
}

/// A list result with its media type known.
pub struct Entry<'a> {
    pub media: Media,
    pub item: &'a api::Item,
}

impl Entry<'_> {
    /// Its title (movies) or name (TV).
    pub fn title(&self) -> &str {
        self.item
            .title
            .as_deref()
            .or(self.item.name.as_deref())
            .unwrap_or_default()
    }

    fn date(&self) -> Option<&str> {
        match self.media {
            Media::Movie => self.item.release_date.as_deref(),
            Media::Tv => self.item.first_air_date.as_deref(),
        }
        .filter(|d| !d.is_empty())
    }

    /// The year it was released or first aired.
    pub fn year(&self) -> Option<u32> {
        year(self.date())
    }

    /// The contract's kind (see [`kind`]).
    pub fn kind(&self) -> MediaKind {
        kind(
            self.media,
            &self.item.genre_ids,
            self.item.original_language.as_deref(),
        )
    }
}

/// The entries of `items` that are movies or TV shows (people dropped).
pub fn entries(items: &[api::Item], default: Option<Media>) -> Vec<Entry<'_>> {
    items
        .iter()
        .filter_map(|item| Media::of(item, default).map(|media| Entry { media, item }))
        .collect()
}

/// Orders `entries` as asked. TMDB returns relevance (search) or its own
/// order (lists); other orders apply within the page.
pub fn sort(entries: &mut [Entry], order: SortOrder) {
    let desc = |a: Option<f32>, b: Option<f32>| {
        b.unwrap_or(-1.0)
            .partial_cmp(&a.unwrap_or(-1.0))
            .unwrap_or(Ordering::Equal)
    };
    match order {
        SortOrder::Relevance => {}
        SortOrder::Popularity => entries.sort_by(|a, b| desc(a.item.popularity, b.item.popularity)),
        SortOrder::Rating => entries.sort_by(|a, b| {
            desc(
                rating(a.item.vote_average, a.item.vote_count),
                rating(b.item.vote_average, b.item.vote_count),
            )
        }),
        SortOrder::Newest => entries.sort_by(|a, b| by_date(a.date(), b.date(), true)),
        SortOrder::Oldest => entries.sort_by(|a, b| by_date(a.date(), b.date(), false)),
        SortOrder::Title => entries.sort_by_key(|e| e.title().to_lowercase()),
    }
}

/// Dates in the order asked; undated entries last either way.
fn by_date(a: Option<&str>, b: Option<&str>, newest: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) if newest => y.cmp(x),
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: u64, media_type: Option<&str>, date: &str, average: f32) -> api::Item {
        api::Item {
            id,
            media_type: media_type.map(str::to_string),
            title: Some(format!("title {id}")),
            name: None,
            overview: None,
            poster_path: None,
            backdrop_path: None,
            release_date: Some(date.to_string()),
            first_air_date: Some(date.to_string()),
            vote_average: Some(average),
            vote_count: Some(10),
            popularity: None,
            genre_ids: vec![],
            original_language: None,
        }
    }

    #[test]
    fn people_are_dropped_and_dates_sort_undated_last() {
        let mut undated = item(4, None, "", 9.0);
        undated.release_date = None;
        undated.first_air_date = None;
        let items = vec![
            item(1, Some("movie"), "1968-10-04", 7.6),
            item(2, Some("person"), "", 0.0),
            item(3, None, "2010-10-31", 8.1),
            undated,
        ];
        let mut entries = entries(&items, Some(Media::Tv));
        let order = |e: &[Entry]| e.iter().map(|e| e.item.id).collect::<Vec<_>>();
        assert_eq!(order(&entries), [1, 3, 4]);
        assert_eq!(entries[1].media, Media::Tv);
        sort(&mut entries, SortOrder::Oldest);
        assert_eq!(order(&entries), [1, 3, 4]);
        sort(&mut entries, SortOrder::Newest);
        assert_eq!(order(&entries), [3, 1, 4]);
        sort(&mut entries, SortOrder::Rating);
        assert_eq!(order(&entries), [4, 3, 1]);
    }
}
