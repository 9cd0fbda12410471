//! TVmaze's response shapes (https://www.tvmaze.com/api): only the fields
//! the plugin maps.

use serde::Deserialize;

#[derive(Deserialize)]
pub struct Image {
    pub medium: Option<String>,
    pub original: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
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
pub struct Embedded {
    #[serde(default)]
    pub episodes: Vec<Episode>,
    #[serde(default)]
    pub cast: Vec<Credit>,
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
pub struct Credit {
    pub person: Named,
    pub character: Named,
}

#[derive(Deserialize)]
pub struct Named {
    pub name: String,
    pub image: Option<Image>,
}

/// A search hit or a schedule entry: a show, wrapped.
#[derive(Deserialize)]
pub struct Wrapped {
    pub show: Option<Show>,
}
