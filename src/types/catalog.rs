//! The contract's catalog records (see the module docs of `types`).

use serde::{Deserialize, Serialize};
use wasmtime::component::{ComponentType, Lift, Lower};

use super::*;

/// What kind of title a card or info describes.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, ComponentType, Lift, Lower, Serialize, Deserialize,
)]
#[component(enum)]
#[repr(u8)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// `movie`
    #[component(name = "movie")]
    Movie,
    /// `series`
    #[component(name = "series")]
    Series,
    /// `anime`
    #[component(name = "anime")]
    Anime,
    /// `cartoon`
    #[component(name = "cartoon")]
    Cartoon,
    /// `documentary`
    #[component(name = "documentary")]
    Documentary,
    /// `live`
    #[component(name = "live")]
    Live,
    /// `music`
    #[component(name = "music")]
    Music,
    /// `podcast`
    #[component(name = "podcast")]
    Podcast,
    /// `audiobook`
    #[component(name = "audiobook")]
    Audiobook,
    /// `other`
    #[component(name = "other")]
    Other,
}

/// Release state of a title.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, ComponentType, Lift, Lower, Serialize, Deserialize,
)]
#[component(enum)]
#[repr(u8)]
#[serde(rename_all = "snake_case")]
pub enum MediaStatus {
    /// `upcoming`
    #[component(name = "upcoming")]
    Upcoming,
    /// `ongoing`
    #[component(name = "ongoing")]
    Ongoing,
    /// `completed`
    #[component(name = "completed")]
    Completed,
    /// `hiatus`
    #[component(name = "hiatus")]
    Hiatus,
    /// `cancelled`
    #[component(name = "cancelled")]
    Cancelled,
}

/// A title in a list: what a grid or row shows.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct MediaCard {
    /// Opaque id, passed back to `get-info`.
    pub id: String,
    /// The title as the source shows it.
    pub title: String,
    /// What kind of title it is.
    #[serde(default)]
    pub kind: Option<MediaKind>,
    /// A portrait poster.
    #[serde(default)]
    pub poster: Option<Image>,
    /// A landscape backdrop.
    #[serde(default)]
    pub backdrop: Option<Image>,
    /// Release (or first air) year.
    #[serde(default)]
    pub year: Option<u32>,
    /// Score on a 0 to 10 scale.
    #[serde(default)]
    pub rating: Option<f32>,
    /// Genre names.
    #[serde(default)]
    pub genres: Vec<String>,
    /// A plain-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it is upcoming, ongoing, completed...
    #[serde(default)]
    pub status: Option<MediaStatus>,
    /// Whether it is available subtitled and/or dubbed.
    #[component(name = "dub-status")]
    #[serde(default)]
    pub dub_status: DubStatus,
    /// For series: the number of episodes known, if any.
    #[component(name = "episode-count")]
    #[serde(default)]
    pub episode_count: Option<u32>,
    /// Source-specific name/value attributes, passed through unchanged.
    #[serde(default)]
    pub extra: Vec<Pair>,
}

/// A browsable category: a genre, a list, a "see all" target.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Opaque id, passed to `get-category`.
    pub id: String,
    /// The title as the source shows it.
    pub title: String,
    /// An image to show with it.
    #[serde(default)]
    pub image: Option<Image>,
}

/// How the player should lay out a home section.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, ComponentType, Lift, Lower, Serialize, Deserialize,
)]
#[component(enum)]
#[repr(u8)]
#[serde(rename_all = "snake_case")]
pub enum CardLayout {
    /// `row`
    #[component(name = "row")]
    Row,
    /// `grid`
    #[component(name = "grid")]
    Grid,
    /// `carousel`
    #[component(name = "carousel")]
    Carousel,
    /// `list`
    #[component(name = "list")]
    List,
    /// `banner`
    #[component(name = "banner")]
    Banner,
}

/// One section of a home screen.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct HomeSection {
    /// The plugin's id for it, handed back in later calls.
    pub id: String,
    /// The title as the source shows it.
    pub title: String,
    /// A subtitle line under the title.
    #[serde(default)]
    pub subtitle: Option<String>,
    /// The entries, in the order to show them.
    #[serde(default)]
    pub items: Vec<MediaCard>,
    /// A category id that shows more of this section (`get-category`).
    #[serde(default)]
    pub more: Option<String>,
    /// How the player should lay out the cards.
    pub layout: CardLayout,
    /// Show the item's position (a "top 10" row).
    #[component(name = "show-rank")]
    pub show_rank: bool,
    /// Categories to browse from here.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Source-specific name/value attributes, passed through unchanged.
    #[serde(default)]
    pub extra: Vec<Pair>,
}

/// A page of home sections.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct HomePage {
    /// The sections, in order.
    #[serde(default)]
    pub sections: Vec<HomeSection>,
    /// The cursor of the next page; `None` on the last.
    #[component(name = "next-page")]
    #[serde(default)]
    pub next_page: Option<String>,
}

/// A page of cards: category and search results.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct PagedResult {
    /// The entries, in the order to show them.
    #[serde(default)]
    pub items: Vec<MediaCard>,
    /// Categories to browse from here.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// The cursor of the next page; `None` on the last.
    #[component(name = "next-page")]
    #[serde(default)]
    pub next_page: Option<String>,
    /// Total number of results, if the source says.
    #[serde(default)]
    pub total: Option<u32>,
}

/// Result ordering asked for by a search.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, ComponentType, Lift, Lower, Serialize, Deserialize,
)]
#[component(enum)]
#[repr(u8)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// `relevance`
    #[component(name = "relevance")]
    Relevance,
    /// `popularity`
    #[component(name = "popularity")]
    Popularity,
    /// `rating`
    #[component(name = "rating")]
    Rating,
    /// `newest`
    #[component(name = "newest")]
    Newest,
    /// `oldest`
    #[component(name = "oldest")]
    Oldest,
    /// `title`
    #[component(name = "title")]
    Title,
}

/// Optional search filters; a plugin ignores those it cannot apply.
#[derive(Clone, Debug, Default, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct SearchFilters {
    /// What kind of title it is.
    #[serde(default)]
    pub kind: Option<MediaKind>,
    /// Release (or first air) year.
    #[serde(default)]
    pub year: Option<u32>,
    /// Only this genre.
    #[serde(default)]
    pub genre: Option<String>,
    /// The order of the results.
    #[serde(default)]
    pub sort: Option<SortOrder>,
    /// Source-specific name/value attributes, passed through unchanged.
    #[serde(default)]
    pub extra: Vec<Pair>,
}

/// A person credited on a title.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The name to show.
    pub name: String,
    /// The character played, or the job.
    #[serde(default)]
    pub role: Option<String>,
    /// An image to show with it.
    #[serde(default)]
    pub image: Option<Image>,
}

/// One episode of a series.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct Episode {
    /// Opaque id, passed to `get-servers`.
    pub id: String,
    /// Episode number within its season; fractional for specials (12.5).
    #[serde(default)]
    pub number: Option<f32>,
    /// Season number.
    #[serde(default)]
    pub season: Option<u32>,
    /// The title as the source shows it.
    #[serde(default)]
    pub title: Option<String>,
    /// A plain-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// A still or thumbnail.
    #[serde(default)]
    pub thumbnail: Option<Image>,
    /// First air date (YYYY-MM-DD).
    #[component(name = "air-date")]
    #[serde(default)]
    pub air_date: Option<String>,
    /// Running time in minutes.
    #[component(name = "runtime-minutes")]
    #[serde(default)]
    pub runtime_minutes: Option<u32>,
    /// Whether it is available subtitled and/or dubbed.
    #[component(name = "dub-status")]
    #[serde(default)]
    pub dub_status: DubStatus,
    /// Whether the episode is filler (skippable).
    pub filler: bool,
    /// Source-specific name/value attributes, passed through unchanged.
    #[serde(default)]
    pub extra: Vec<Pair>,
}

/// A season and its episodes.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct Season {
    /// Season number; 0 holds specials.
    pub number: u32,
    /// The plugin's id for it, handed back in later calls.
    #[serde(default)]
    pub id: Option<String>,
    /// The title as the source shows it.
    #[serde(default)]
    pub title: Option<String>,
    /// The episodes, in order.
    #[serde(default)]
    pub episodes: Vec<Episode>,
}

/// Everything the plugin knows about one title.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct MediaInfo {
    /// The plugin's id for it, handed back in later calls.
    pub id: String,
    /// The title as the source shows it.
    pub title: String,
    /// The title in its original language.
    #[component(name = "original-title")]
    #[serde(default)]
    pub original_title: Option<String>,
    /// What kind of title it is.
    #[serde(default)]
    pub kind: Option<MediaKind>,
    /// A portrait poster.
    #[serde(default)]
    pub poster: Option<Image>,
    /// A landscape backdrop.
    #[serde(default)]
    pub backdrop: Option<Image>,
    /// A title logo.
    #[serde(default)]
    pub logo: Option<Image>,
    /// Release (or first air) year.
    #[serde(default)]
    pub year: Option<u32>,
    /// The year it ended, if it has.
    #[component(name = "end-year")]
    #[serde(default)]
    pub end_year: Option<u32>,
    /// Rating, 0 to 10.
    #[serde(default)]
    pub rating: Option<f32>,
    /// Genre names.
    #[serde(default)]
    pub genres: Vec<String>,
    /// Free-form tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// A plain-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it is upcoming, ongoing, completed...
    #[serde(default)]
    pub status: Option<MediaStatus>,
    /// Running time in minutes.
    #[component(name = "runtime-minutes")]
    #[serde(default)]
    pub runtime_minutes: Option<u32>,
    /// Age rating as published ("TV-14", "PG-13").
    #[component(name = "content-rating")]
    #[serde(default)]
    pub content_rating: Option<String>,
    /// People in the cast and crew.
    #[serde(default)]
    pub cast: Vec<Person>,
    /// Ids of the title elsewhere, e.g. ("imdb", "tt0944947").
    #[component(name = "external-ids")]
    #[serde(default)]
    pub external_ids: Vec<Pair>,
    /// Whether it is available subtitled and/or dubbed.
    #[component(name = "dub-status")]
    #[serde(default)]
    pub dub_status: DubStatus,
    /// Seasons with their episodes (empty for a film).
    #[serde(default)]
    pub seasons: Vec<Season>,
    /// For a movie: the id passed to `get-servers`.
    #[component(name = "play-id")]
    #[serde(default)]
    pub play_id: Option<String>,
    /// Trailer urls.
    #[serde(default)]
    #[serde(serialize_with = "super::checked::urls")]
    pub trailers: Vec<String>,
    /// Related titles.
    #[serde(default)]
    pub recommendations: Vec<MediaCard>,
    /// Source-specific name/value attributes, passed through unchanged.
    #[serde(default)]
    pub extra: Vec<Pair>,
}
