//! BEX plugin for TMDB, The Movie Database (API v3,
//! https://developer.themoviedb.org/reference): movie and TV metadata. The
//! user sets their API Read Access Token as the secret `api-key`; without
//! it every operation fails with `auth`. Requests carry the user's locale
//! as `language` (`en-US` when the player gives none).
//!
//! - home: "Trending this week" (`/trending/all/week`), "Popular movies"
//!   (`/movie/popular`, more: `movie:popular`) and "Popular TV"
//!   (`/tv/popular`, more: `tv:popular`); the movies section also lists the
//!   categories: top rated movies and the movie genres
//!   (`/genre/movie/list`);
//! - category: `movie:popular`, `tv:popular`, `movie:top_rated` and
//!   `genre:movie:<genre id>` (`/discover/movie?with_genres=`), paged by
//!   TMDB's page number (TMDB serves pages 1 to 500);
//! - search: `/search/movie` for kind movie, `/search/tv` for series,
//!   `/search/multi` otherwise (people dropped). The year goes to TMDB for
//!   movies and series and is applied to the page for multi; the genre
//!   (matched by name against TMDB's genre lists), the kinds anime,
//!   cartoon and documentary (by genre) and the sort order apply to the
//!   page of results. `total` is TMDB's count (for multi, people
//!   included) unless a filter was applied here, then none;
//! - info: `/movie/<id>` or `/tv/<id>` with credits, external ids and
//!   videos: cast (top 10), IMDb/TVDB/Wikidata ids, YouTube trailers, and
//!   for TV the seasons by number and name, without episodes (TMDB lists
//!   those per season, which this plugin does not fetch). No content
//!   rating.
//!
//! Ids: `movie:<TMDB id>` and `tv:<TMDB id>`. Cards carry genre names only
//! when the call fetched the genre list (home: movies; search with a genre
//! filter).

mod api;
mod convert;
mod entry;

use bex_pdk::{
    Error, HomePage, MediaCard, MediaInfo, MediaKind, PagedResult, RequestContext, Result,
    SearchFilters, SortOrder, ids, page, records,
};

use entry::{Genres, Media};

/// TMDB refuses pages past 500 on every paged endpoint.
const MAX_PAGE: u32 = 500;

struct Tmdb;

bex_pdk::export_plugin!(Tmdb);

/// The `language` TMDB answers in.
fn language(ctx: &RequestContext) -> &str {
    ctx.locale
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or("en-US")
}

/// The page a cursor names (1 when none), within TMDB's 1 to 500.
fn page_number(cursor: Option<String>) -> Result<u32> {
    let n = page::number(cursor.as_deref(), 1)?;
    if !(1..=MAX_PAGE).contains(&n) {
        return Err(Error::invalid_input(format!(
            "page {n} is outside 1 to {MAX_PAGE}"
        )));
    }
    Ok(n)
}

/// The cursor after `page` of a list of `total_pages`.
fn next_page(page: u32, total_pages: u32) -> Option<String> {
    page::next(page, page < total_pages.min(MAX_PAGE))
}

fn genre_list(media: Media, language: &str) -> Result<Vec<api::Genre>> {
    let list: api::GenreList = api::get(
        &format!("/genre/{}/list", media.name()),
        &[("language", language)],
    )?;
    Ok(list.genres)
}

fn cards(page: &api::Page, default: Option<Media>, genres: &Genres) -> Vec<MediaCard> {
    entry::entries(&page.results, default)
        .iter()
        .map(|e| convert::card(e, genres))
        .collect()
}

impl bex_pdk::Home for Tmdb {
    fn get_home(ctx: RequestContext, page: Option<String>) -> Result<HomePage> {
        if page.is_some() {
            // One page of sections; "more" of each is a category.
            return Ok(HomePage {
                sections: vec![],
                next_page: None,
            });
        }
        let lang = language(&ctx);
        let trending: api::Page = api::get("/trending/all/week", &[("language", lang)])?;
        let movies: api::Page = api::get("/movie/popular", &[("language", lang), ("page", "1")])?;
        let tv: api::Page = api::get("/tv/popular", &[("language", lang), ("page", "1")])?;
        let genres = Genres {
            movie: genre_list(Media::Movie, lang)?,
            tv: vec![],
        };

        let mut trending = records::section(
            "trending",
            "Trending this week",
            cards(&trending, None, &genres),
        );
        trending.show_rank = true;
        let mut movies = records::section(
            "popular-movies",
            "Popular movies",
            cards(&movies, Some(Media::Movie), &genres),
        );
        movies.more = Some("movie:popular".into());
        movies.categories =
            std::iter::once(records::category("movie:top_rated", "Top rated movies"))
                .chain(
                    genres.movie.iter().map(|g| {
                        records::category(format!("genre:movie:{}", g.id), g.name.clone())
                    }),
                )
                .collect();
        let mut tv = records::section(
            "popular-tv",
            "Popular TV",
            cards(&tv, Some(Media::Tv), &genres),
        );
        tv.more = Some("tv:popular".into());
        Ok(HomePage {
            sections: vec![trending, movies, tv],
            next_page: None,
        })
    }
}

impl bex_pdk::Category for Tmdb {
    fn get_category(ctx: RequestContext, id: String, page: Option<String>) -> Result<PagedResult> {
        let lang = language(&ctx);
        let (path, media, genre) = match id.as_str() {
            "movie:popular" => ("/movie/popular", Media::Movie, None),
            "movie:top_rated" => ("/movie/top_rated", Media::Movie, None),
            "tv:popular" => ("/tv/popular", Media::Tv, None),
            other => {
                let genre = other
                    .strip_prefix("genre:movie:")
                    .and_then(|g| g.parse::<u32>().ok())
                    .ok_or_else(|| {
                        Error::invalid_input(format!("{id:?} is not a TMDB category"))
                    })?;
                ("/discover/movie", Media::Movie, Some(genre.to_string()))
            }
        };
        let page = page_number(page)?;
        let page_s = page.to_string();
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(g) = &genre {
            query.push(("with_genres", g));
        }
        query.extend([("language", lang), ("page", page_s.as_str())]);
        let list: api::Page = api::get(path, &query)?;
        let mut result = records::paged(
            cards(&list, Some(media), &Genres::default()),
            next_page(page, list.total_pages),
        );
        result.total = Some(list.total_results);
        Ok(result)
    }
}

impl bex_pdk::Search for Tmdb {
    fn search(
        ctx: RequestContext,
        query: String,
        filters: SearchFilters,
        page: Option<String>,
    ) -> Result<PagedResult> {
        let query = query.trim();
        if query.is_empty() {
            return Err(Error::invalid_input("empty query"));
        }
        // The kinds TMDB's genres tell apart are picked from a multi search.
        let only = match filters.kind {
            Some(MediaKind::Movie) => Some(Media::Movie),
            Some(MediaKind::Series) => Some(Media::Tv),
            None | Some(MediaKind::Anime | MediaKind::Cartoon | MediaKind::Documentary) => None,
            Some(other) => {
                let asked = match other {
                    MediaKind::Live => "live channels",
                    MediaKind::Music => "music",
                    MediaKind::Podcast => "podcasts",
                    MediaKind::Audiobook => "audiobooks",
                    _ => "that kind of title",
                };
                return Err(Error::unsupported(format!(
                    "TMDB lists movies and TV shows, not {asked}"
                )));
            }
        };
        let page = page_number(page)?;
        let lang = language(&ctx);
        let page_s = page.to_string();
        let year = filters.year.map(|y| y.to_string());
        let mut params = vec![
            ("query", query),
            ("include_adult", "false"),
            ("language", lang),
            ("page", page_s.as_str()),
        ];
        let path = match (only, year.as_deref()) {
            (Some(Media::Movie), y) => {
                params.extend(y.map(|y| ("primary_release_year", y)));
                "/search/movie"
            }
            (Some(Media::Tv), y) => {
                params.extend(y.map(|y| ("first_air_date_year", y)));
                "/search/tv"
            }
            (None, _) => "/search/multi",
        };
        let list: api::Page = api::get(path, &params)?;

        let mut genres = Genres::default();
        if filters.genre.is_some() {
            if only != Some(Media::Tv) {
                genres.movie = genre_list(Media::Movie, lang)?;
            }
            if only != Some(Media::Movie) {
                genres.tv = genre_list(Media::Tv, lang)?;
            }
        }
        let mut entries = entry::entries(&list.results, only);
        entries.retain(|e| {
            (only.is_some() || filters.year.is_none_or(|y| e.year() == Some(y)))
                && (only.is_some() || filters.kind.is_none_or(|k| e.kind() == k))
                && filters
                    .genre
                    .as_deref()
                    .is_none_or(|g| genres.has(e.media, &e.item.genre_ids, g))
        });
        let filtered = filters.genre.is_some()
            || (only.is_none() && (filters.year.is_some() || filters.kind.is_some()));
        entry::sort(&mut entries, filters.sort.unwrap_or(SortOrder::Relevance));
        let items = entries.iter().map(|e| convert::card(e, &genres)).collect();
        let mut result = records::paged(items, next_page(page, list.total_pages));
        // TMDB's count is of unfiltered results (for multi, people included).
        result.total = (!filtered).then_some(list.total_results);
        Ok(result)
    }
}

impl bex_pdk::Info for Tmdb {
    fn get_info(ctx: RequestContext, id: String) -> Result<MediaInfo> {
        let (kind, _) = ids::split(&id)?;
        let media = match kind {
            "movie" => Media::Movie,
            "tv" => Media::Tv,
            _ => {
                return Err(Error::invalid_input(format!(
                    "{id:?} is not a movie: or tv: id"
                )));
            }
        };
        let tmdb_id: u64 = ids::parse(&id, kind)?;
        // The appended parts are named with literal commas, as TMDB documents.
        let path = format!(
            "/{}/{tmdb_id}?append_to_response=credits,external_ids,videos",
            media.name()
        );
        let details: api::Details = api::get(&path, &[("language", language(&ctx))])?;
        Ok(convert::info(media, details))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_stay_within_what_tmdb_serves() {
        assert_eq!(page_number(None).unwrap(), 1);
        assert_eq!(page_number(Some("500".into())).unwrap(), 500);
        assert!(page_number(Some("0".into())).is_err());
        assert!(page_number(Some("501".into())).is_err());
        assert_eq!(next_page(1, 52412).as_deref(), Some("2"));
        assert_eq!(next_page(499, 514).as_deref(), Some("500"));
        assert_eq!(next_page(500, 514), None);
        assert_eq!(next_page(1, 1), None);
    }
}
