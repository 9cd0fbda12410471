//! The realistic job `make bench` measures (benches/call_path.rs): a TMDB-
//! shaped search response of 50 results (~21 KB, `response.json`, which
//! the bench's loopback server also serves) parsed with serde_json into
//! 50 media cards.
//!
//! Search queries:
//! - `fetch:URL`: GET `URL` with the kit's HTTP helpers, parse the body,
//!   return the 50 cards;
//! - `parse`: parse the embedded copy of the same response without HTTP,
//!   timing only the parse with the host's monotonic clock; one card whose
//!   title is the parse's nanoseconds.

use bex_pdk::{
    Error, MediaCard, MediaKind, PagedResult, RequestContext, Result, SearchFilters, clock, http,
    records,
};
use serde::Deserialize;

/// The response the bench's server sends, embedded for `parse`.
const RESPONSE: &str = include_str!("../response.json");
const IMAGES: &str = "https://image.tmdb.org/t/p/w342";

/// A page of search results, as TMDB's `/search/movie` returns it.
#[derive(Deserialize)]
struct Page {
    page: u32,
    #[serde(default)]
    results: Vec<Item>,
    total_pages: u32,
    total_results: u32,
}

#[derive(Deserialize)]
struct Item {
    id: u64,
    title: String,
    original_title: Option<String>,
    original_language: Option<String>,
    overview: Option<String>,
    poster_path: Option<String>,
    // Parsed like the rest (the work being measured), not shown.
    #[allow(dead_code)]
    backdrop_path: Option<String>,
    release_date: Option<String>,
    vote_average: Option<f32>,
    vote_count: Option<u32>,
    #[allow(dead_code)]
    popularity: Option<f32>,
    #[serde(default)]
    genre_ids: Vec<u32>,
}

/// TMDB's movie genres.
fn genre(id: u32) -> Option<&'static str> {
    Some(match id {
        28 => "Action",
        12 => "Adventure",
        16 => "Animation",
        35 => "Comedy",
        80 => "Crime",
        99 => "Documentary",
        18 => "Drama",
        10751 => "Family",
        14 => "Fantasy",
        36 => "History",
        27 => "Horror",
        10402 => "Music",
        9648 => "Mystery",
        10749 => "Romance",
        878 => "Science Fiction",
        10770 => "TV Movie",
        53 => "Thriller",
        10752 => "War",
        37 => "Western",
        _ => return None,
    })
}

fn card(item: &Item) -> MediaCard {
    let mut card = records::card(format!("movie:{}", item.id), item.title.clone());
    card.kind = Some(MediaKind::Movie);
    card.poster = item
        .poster_path
        .as_ref()
        .map(|p| records::image(format!("{IMAGES}{p}")));
    card.year = item
        .release_date
        .as_deref()
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse().ok());
    card.rating = item.vote_average;
    card.genres = item
        .genre_ids
        .iter()
        .filter_map(|&g| genre(g))
        .map(String::from)
        .collect();
    card.description = item.overview.clone().filter(|o| !o.is_empty());
    let extra = [
        ("original_title", item.original_title.clone()),
        ("original_language", item.original_language.clone()),
        ("vote_count", item.vote_count.map(|n| n.to_string())),
    ];
    card.extra = extra
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v?)))
        .collect();
    card
}

fn cards(page: &Page) -> PagedResult {
    let next = (page.page < page.total_pages).then(|| (page.page + 1).to_string());
    let mut result = records::paged(page.results.iter().map(card).collect(), next);
    result.total = Some(page.total_results);
    result
}

struct Job;

bex_pdk::export_plugin!(Job: [search]);

impl bex_pdk::Search for Job {
    fn search(
        _ctx: RequestContext,
        query: String,
        _filters: SearchFilters,
        _page: Option<String>,
    ) -> Result<PagedResult> {
        if let Some(url) = query.strip_prefix("fetch:") {
            let page: Page = http::get(url).query("query", "the").json()?;
            return Ok(cards(&page));
        }
        if query == "parse" {
            let start = clock::monotonic_ns();
            let page: Page = serde_json::from_str(std::hint::black_box(RESPONSE))
                .map_err(|e| Error::parse(format!("response.json: {e}")))?;
            let elapsed = clock::monotonic_ns() - start;
            let page = std::hint::black_box(page);
            let mut card = records::card("parse", elapsed.to_string());
            card.episode_count = Some(page.results.len() as u32);
            return Ok(records::paged(vec![card], None));
        }
        Err(Error::invalid_input(format!("unknown query {query:?}")))
    }
}
