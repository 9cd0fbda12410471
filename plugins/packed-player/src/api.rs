//! The example host's catalogue API and its mapping to contract records.
//!
//! `player.example.org` is a documented example host (fixtures/README.md),
//! shaped like the small JSON catalogues video hosts put beside their
//! players:
//!
//! - `GET /api/search?q=QUERY[&page=N]`: `{page, total_pages,
//!   total_results, results: [title summary]}`;
//! - `GET /api/title/SLUG`: a title's details, with `embeds` (the player
//!   pages that play it); 404 for an unknown slug.

use bex_pdk::{MediaCard, MediaInfo, MediaKind, PluginError, Server, http, ids, records};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The host's origin; also the `Referer` its players and files expect.
pub const ORIGIN: &str = "https://player.example.org";

/// GETs `request` and decodes its JSON body.
pub fn get<T: DeserializeOwned>(request: http::Request) -> Result<T, PluginError> {
    request.timeout_ms(10_000).max_bytes(1024 * 1024).json()
}

/// `/api/search`.
#[derive(Deserialize)]
pub struct SearchPage {
    /// This page's number, from 1.
    pub page: u32,
    /// How many pages the query has.
    pub total_pages: u32,
    /// How many titles match.
    pub total_results: u32,
    /// The titles on this page.
    pub results: Vec<Summary>,
}

/// A title in search results.
#[derive(Deserialize)]
pub struct Summary {
    /// The title's slug.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its release year.
    pub year: Option<u32>,
    /// A poster url.
    pub poster: Option<String>,
    /// Its genres.
    #[serde(default)]
    pub genres: Vec<String>,
    /// A synopsis.
    pub overview: Option<String>,
}

/// `/api/title/SLUG`.
#[derive(Deserialize)]
pub struct Title {
    /// The title's slug.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its release year.
    pub year: Option<u32>,
    /// Its running time in minutes.
    pub runtime: Option<u32>,
    /// Its age rating as published ("Unrated", "PG").
    pub certification: Option<String>,
    /// Its genres.
    #[serde(default)]
    pub genres: Vec<String>,
    /// A synopsis.
    pub overview: Option<String>,
    /// A poster url.
    pub poster: Option<String>,
    /// Its IMDb id.
    pub imdb_id: Option<String>,
    /// Why the host may show it.
    pub license: Option<String>,
    /// Its directors.
    #[serde(default)]
    pub directors: Vec<String>,
    /// Its cast.
    #[serde(default)]
    pub cast: Vec<Credit>,
    /// The player pages that play it.
    #[serde(default)]
    pub embeds: Vec<Embed>,
}

/// An actor and their part.
#[derive(Deserialize)]
pub struct Credit {
    /// The actor.
    pub name: String,
    /// The part.
    pub character: Option<String>,
}

/// A player page of a title.
#[derive(Deserialize)]
pub struct Embed {
    /// The page's id (`/embed/ID`).
    pub id: String,
    /// A name for the player.
    pub label: String,
    /// The page's url.
    pub url: Option<String>,
    /// Its best vertical resolution.
    pub quality: Option<u32>,
    /// Its audio language (BCP 47).
    pub language: Option<String>,
}

/// A search result as a card.
pub fn card(s: &Summary) -> MediaCard {
    let mut card = records::card(ids::make("film", &s.id), s.title.clone());
    card.kind = Some(MediaKind::Movie);
    card.poster = s.poster.clone().map(records::image);
    card.year = s.year;
    card.genres = s.genres.clone();
    card.description = s.overview.clone();
    card
}

/// A title's details; a film plays from its own id (`play_id`).
pub fn info(t: Title) -> MediaInfo {
    let id = ids::make("film", &t.id);
    let mut info = records::info(id.clone(), t.title);
    info.kind = Some(MediaKind::Movie);
    info.poster = t.poster.map(records::image);
    info.year = t.year;
    info.runtime_minutes = t.runtime;
    info.content_rating = t.certification;
    info.genres = t.genres;
    info.description = t.overview;
    info.cast = t
        .directors
        .into_iter()
        .map(|name| {
            let mut p = records::person(name);
            p.role = Some("Director".into());
            p
        })
        .chain(t.cast.into_iter().map(|c| {
            let mut p = records::person(c.name);
            p.role = c.character;
            p
        }))
        .collect();
    info.external_ids = t
        .imdb_id
        .into_iter()
        .map(|i| ("imdb".to_string(), i))
        .collect();
    info.extra = t
        .license
        .into_iter()
        .map(|l| ("license".to_string(), l))
        .collect();
    info.play_id = Some(id);
    info
}

/// A player page as a server (`embed:ID`).
pub fn server(e: Embed) -> Server {
    let mut server = records::server(ids::make("embed", &e.id), e.label);
    server.url = e.url;
    server.quality = e.quality;
    server.language = e.language;
    server
}

/// `value` if it is a slug the host's paths can carry (letters, digits,
/// `-`, `_`), else `invalid-input`: ids never reach a url unchecked.
pub fn slug<'a>(id: &str, value: &'a str) -> Result<&'a str, PluginError> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(value)
    } else {
        Err(PluginError::InvalidInput(format!(
            "{id:?}: not a valid id for this host"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_refuse_path_tricks() {
        assert_eq!(slug("film:a-b_1", "a-b_1").unwrap(), "a-b_1");
        for bad in ["", "../api", "a/b", "a?b", "a b", "é"] {
            assert!(
                matches!(slug("x", bad), Err(PluginError::InvalidInput(_))),
                "{bad:?}"
            );
        }
    }
}
