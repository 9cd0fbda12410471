//! TVmaze responses (https://www.tvmaze.com/api) and fetching them through
//! the kit's HTTP helpers.

use bex_pdk::{PluginError, http};
use serde::Deserialize;
use serde::de::DeserializeOwned;

const BASE: &str = "https://api.tvmaze.com";

/// GETs `path` (with `query`) from the API and decodes the JSON body.
pub fn get<T: DeserializeOwned>(path: &str, query: &[(&str, &str)]) -> Result<T, PluginError> {
    query
        .iter()
        .fold(http::get(format!("{BASE}{path}")), |r, (k, v)| {
            r.query(k, v)
        })
        .timeout_ms(10_000)
        .max_bytes(4 * 1024 * 1024)
        .json()
}

#[derive(Deserialize)]
pub struct Image {
    pub medium: Option<String>,
    pub original: Option<String>,
}

#[derive(Deserialize)]
pub struct Rating {
    pub average: Option<f32>,
}

#[derive(Deserialize)]
pub struct Externals {
    pub imdb: Option<String>,
    pub thetvdb: Option<u64>,
    pub tvrage: Option<u64>,
}

#[derive(Deserialize)]
pub struct Show {
    pub id: u64,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub language: Option<String>,
    #[serde(default)]
    pub genres: Vec<String>,
    pub status: Option<String>,
    pub runtime: Option<u32>,
    #[serde(rename = "averageRuntime")]
    pub average_runtime: Option<u32>,
    pub premiered: Option<String>,
    pub ended: Option<String>,
    pub rating: Option<Rating>,
    pub weight: Option<u32>,
    pub externals: Option<Externals>,
    pub image: Option<Image>,
    pub summary: Option<String>,
    #[serde(rename = "_embedded")]
    pub embedded: Option<Embedded>,
}

#[derive(Deserialize)]
pub struct Embedded {
    #[serde(default)]
    pub episodes: Vec<Episode>,
    #[serde(default)]
    pub cast: Vec<CastCredit>,
}

#[derive(Deserialize)]
pub struct Episode {
    pub id: u64,
    pub name: Option<String>,
    pub season: Option<u32>,
    pub number: Option<u32>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub airdate: Option<String>,
    pub runtime: Option<u32>,
    pub image: Option<Image>,
    pub summary: Option<String>,
}

#[derive(Deserialize)]
pub struct CastCredit {
    pub person: Person,
    pub character: Character,
}

#[derive(Deserialize)]
pub struct Person {
    pub name: String,
    pub image: Option<Image>,
}

#[derive(Deserialize)]
pub struct Character {
    pub name: String,
}

#[derive(Deserialize)]
pub struct SearchHit {
    pub show: Show,
}

#[derive(Deserialize)]
pub struct ScheduleEntry {
    pub show: Option<Show>,
}
