//! The Wikimedia REST responses the plugin reads, and fetching them.
//!
//! - featured feed: https://api.wikimedia.org/wiki/Feed_API/Reference/Featured_content
//!   (`/api/rest_v1/feed/featured/YYYY/MM/DD`, items are page summaries:
//!   https://en.wikipedia.org/api/rest_v1/#/Page%20content/get_page_summary__title_);
//! - search: https://www.mediawiki.org/wiki/API:REST_API/Reference#Search_pages
//!   (`/w/rest.php/v1/search/page`).
//!
//! Fields the plugin does not use are left out (serde skips them).

use bex_pdk::{PluginError, http};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Wikimedia asks API clients to identify themselves
/// (https://meta.wikimedia.org/wiki/User-Agent_policy); browsers cannot set
/// `User-Agent`, so the API also reads `Api-User-Agent`.
const USER_AGENT: &str = "BEX/1.0 (https://github.com/bex-engine)";

/// How many search results to ask for (the API allows 1 to 100).
pub const SEARCH_LIMIT: u32 = 10;

/// GETs `request` with the plugin's identification and decodes the JSON.
fn get<T: DeserializeOwned>(request: http::Request) -> Result<T, PluginError> {
    request
        .header("Api-User-Agent", USER_AGENT)
        .timeout_ms(10_000)
        .max_bytes(4 * 1024 * 1024)
        .json()
}

/// The featured feed of `lang`.wikipedia.org for the day `path` (`YYYY/MM/DD`).
pub fn featured(lang: &str, path: &str) -> Result<Feed, PluginError> {
    get(http::get(format!(
        "https://{lang}.wikipedia.org/api/rest_v1/feed/featured/{path}"
    )))
}

/// Pages of `lang`.wikipedia.org matching `query`.
pub fn search(lang: &str, query: &str) -> Result<SearchResults, PluginError> {
    get(http::get(format!(
        "https://{lang}.wikipedia.org/w/rest.php/v1/search/page"
    ))
    .query("q", query)
    .query("limit", SEARCH_LIMIT))
}

/// A page summary: the feed's `tfa` and the items of its other parts.
#[derive(Deserialize)]
pub struct Summary {
    /// The canonical title (`Apollo_11`).
    pub title: String,
    pub titles: Option<Titles>,
    /// Older responses carry the readable title here instead of `titles`.
    pub normalizedtitle: Option<String>,
    pub pageid: Option<u64>,
    /// The Wikidata short description ("first crewed Moon landing").
    pub description: Option<String>,
    /// The lead paragraph(s) as plain text.
    pub extract: Option<String>,
    pub thumbnail: Option<Thumbnail>,
    pub content_urls: Option<ContentUrls>,
    /// The time of the page's latest revision (ISO 8601, UTC).
    pub timestamp: Option<String>,
}

#[derive(Deserialize)]
pub struct Titles {
    pub normalized: String,
}

#[derive(Deserialize)]
pub struct Thumbnail {
    pub source: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Deserialize)]
pub struct ContentUrls {
    pub desktop: Option<PageUrls>,
}

#[derive(Deserialize)]
pub struct PageUrls {
    pub page: Option<String>,
}

/// The featured feed of one day. Which parts are present depends on the
/// wiki (`tfa` and `news` exist for a few languages only).
#[derive(Deserialize)]
pub struct Feed {
    pub tfa: Option<Summary>,
    pub mostread: Option<MostRead>,
    #[serde(default)]
    pub news: Vec<NewsStory>,
    #[serde(default)]
    pub onthisday: Vec<Event>,
}

/// The previous day's most read pages.
#[derive(Deserialize)]
pub struct MostRead {
    #[serde(default)]
    pub articles: Vec<MostReadPage>,
}

#[derive(Deserialize)]
pub struct MostReadPage {
    #[serde(flatten)]
    pub summary: Summary,
    pub views: Option<u64>,
    pub rank: Option<u32>,
}

/// An "In the news" story: HTML text and the pages it links.
#[derive(Deserialize)]
pub struct NewsStory {
    pub story: String,
    #[serde(default)]
    pub links: Vec<Summary>,
}

/// An "On this day" event.
#[derive(Deserialize)]
pub struct Event {
    pub text: String,
    /// Negative for years BC.
    pub year: Option<i32>,
    #[serde(default)]
    pub pages: Vec<Summary>,
}

#[derive(Deserialize)]
pub struct SearchResults {
    #[serde(default)]
    pub pages: Vec<SearchPage>,
}

#[derive(Deserialize)]
pub struct SearchPage {
    pub id: u64,
    /// The title in url form (`Apollo_11`).
    pub key: String,
    pub title: String,
    /// HTML, search terms in `<span class="searchmatch">`.
    pub excerpt: Option<String>,
    /// The redirect the query matched, if any.
    pub matched_title: Option<String>,
    pub description: Option<String>,
    pub thumbnail: Option<SearchThumbnail>,
}

#[derive(Deserialize)]
pub struct SearchThumbnail {
    /// Protocol-relative (`//upload.wikimedia.org/...`).
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}
