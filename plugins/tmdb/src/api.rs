//! TMDB API v3 responses (https://developer.themoviedb.org/reference) and
//! fetching them through the kit's HTTP helpers.
//!
//! The key goes in the `Authorization: Bearer` header (TMDB's "API Read
//! Access Token"), never in the url: recordings are keyed by url, so a key
//! there would leak into fixtures and tie replay to one key.

use bex_pdk::{ErrorExt, PluginError, http, secrets};
use serde::Deserialize;
use serde::de::DeserializeOwned;

const BASE: &str = "https://api.themoviedb.org/3";

/// The secret holding the user's API Read Access Token.
pub const KEY: &str = "api-key";

/// GETs `path` (which may carry a literal query) with `query` appended,
/// authenticated with the user's token, and decodes the JSON body. A
/// non-2xx status becomes the kit's error for it, with TMDB's
/// `status_message` added to the message.
pub fn get<T: DeserializeOwned>(path: &str, query: &[(&str, &str)]) -> Result<T, PluginError> {
    let token = secrets::require(KEY)?;
    let response = query
        .iter()
        .fold(http::get(format!("{BASE}{path}")), |r, (k, v)| {
            r.query(k, v)
        })
        .bearer(&token)
        .header("Accept", "application/json")
        .timeout_ms(10_000)
        .max_bytes(4 * 1024 * 1024)
        .send_any_status()?;
    if let Err(e) = http::check_status(response.status, &response.final_url, true) {
        let detail = serde_json::from_slice::<ApiError>(&response.body)
            .ok()
            .and_then(|b| b.status_message);
        return Err(match detail {
            Some(d) => e.map_message(|m| format!("{m}: {d}")),
            None => e,
        });
    }
    response.json()
}

/// The body of an error status:
/// `{"success":false,"status_code":34,"status_message":"..."}`.
#[derive(Deserialize)]
struct ApiError {
    status_message: Option<String>,
}

/// A page of list results: trending, popular, top rated, discover, search.
#[derive(Deserialize)]
pub struct Page {
    #[serde(default)]
    pub results: Vec<Item>,
    pub total_pages: u32,
    pub total_results: u32,
}

/// One list result. Movies carry `title`/`release_date`, TV shows
/// `name`/`first_air_date`; `media_type` is there only in mixed lists
/// (trending/all, search/multi), where it may also be `person`.
#[derive(Deserialize)]
pub struct Item {
    pub id: u64,
    pub media_type: Option<String>,
    pub title: Option<String>,
    pub name: Option<String>,
    pub overview: Option<String>,
    pub poster_path: Option<String>,
    pub backdrop_path: Option<String>,
    pub release_date: Option<String>,
    pub first_air_date: Option<String>,
    pub vote_average: Option<f32>,
    pub vote_count: Option<u32>,
    pub popularity: Option<f32>,
    #[serde(default)]
    pub genre_ids: Vec<u32>,
    pub original_language: Option<String>,
}

/// `/genre/{movie,tv}/list`.
#[derive(Deserialize)]
pub struct GenreList {
    pub genres: Vec<Genre>,
}

/// A genre: in lists and in details.
#[derive(Deserialize, Clone)]
pub struct Genre {
    pub id: u32,
    pub name: String,
}

/// `/movie/{id}` and `/tv/{id}` with `append_to_response`: the fields of
/// both (movies: `title`, `release_date`, `runtime`; TV: `name`,
/// `first_air_date`, `episode_run_time`, `seasons`...).
#[derive(Deserialize)]
pub struct Details {
    pub id: u64,
    pub title: Option<String>,
    pub name: Option<String>,
    pub original_title: Option<String>,
    pub original_name: Option<String>,
    pub original_language: Option<String>,
    pub overview: Option<String>,
    pub tagline: Option<String>,
    pub poster_path: Option<String>,
    pub backdrop_path: Option<String>,
    pub release_date: Option<String>,
    pub first_air_date: Option<String>,
    pub last_air_date: Option<String>,
    pub runtime: Option<u32>,
    #[serde(default)]
    pub episode_run_time: Vec<u32>,
    pub status: Option<String>,
    pub vote_average: Option<f32>,
    pub vote_count: Option<u32>,
    #[serde(default)]
    pub genres: Vec<Genre>,
    pub imdb_id: Option<String>,
    pub number_of_seasons: Option<u32>,
    pub number_of_episodes: Option<u32>,
    #[serde(default)]
    pub seasons: Vec<SeasonSummary>,
    pub credits: Option<Credits>,
    pub external_ids: Option<ExternalIds>,
    pub videos: Option<Videos>,
}

/// A season of a TV show as the show's details list it (no episodes).
#[derive(Deserialize)]
pub struct SeasonSummary {
    pub season_number: u32,
    pub name: Option<String>,
}

#[derive(Deserialize)]
pub struct Credits {
    #[serde(default)]
    pub cast: Vec<CastMember>,
}

#[derive(Deserialize)]
pub struct CastMember {
    pub name: String,
    pub character: Option<String>,
    pub profile_path: Option<String>,
    pub order: Option<u32>,
}

#[derive(Deserialize)]
pub struct ExternalIds {
    pub imdb_id: Option<String>,
    pub tvdb_id: Option<u64>,
    pub wikidata_id: Option<String>,
}

#[derive(Deserialize)]
pub struct Videos {
    #[serde(default)]
    pub results: Vec<Video>,
}

#[derive(Deserialize)]
pub struct Video {
    pub key: String,
    pub site: String,
    #[serde(rename = "type")]
    pub kind: String,
}
