//! TVmaze responses (https://www.tvmaze.com/api) and fetching them through
//! the host's `http` interface.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::bex::plugin::http;
use crate::bex::plugin::types::PluginError;

const BASE: &str = "https://api.tvmaze.com";

/// GETs `path` from the API and decodes the JSON body.
pub fn get<T: DeserializeOwned>(path: &str) -> Result<T, PluginError> {
    let request = http::Request {
        method: http::Method::Get,
        url: format!("{BASE}{path}"),
        headers: vec![("Accept".into(), "application/json".into())],
        body: None,
        timeout_ms: Some(10_000),
        follow_redirects: true,
        cache_mode: http::CacheMode::Normal,
        max_bytes: Some(4 * 1024 * 1024),
    };
    let response = http::send_request(&request).map_err(|e| match e {
        http::HttpError::RateLimited(m) => PluginError::RateLimited(m),
        other => PluginError::Network(format!("{path}: {other:?}")),
    })?;
    match response.status {
        200..=299 => {}
        404 => return Err(PluginError::NotFound(format!("{path}: not found"))),
        429 => return Err(PluginError::RateLimited(format!("{path}: TVmaze rate limit"))),
        s => return Err(PluginError::Network(format!("{path}: HTTP {s}"))),
    }
    serde_json::from_slice(&response.body)
        .map_err(|e| PluginError::Parse(format!("{path}: {e}")))
}

/// Percent-encodes a query-string value.
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
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
