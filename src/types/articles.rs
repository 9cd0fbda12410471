//! The contract's articles records (see the module docs of `types`).

use serde::{Deserialize, Serialize};
use wasmtime::component::{ComponentType, Lift, Lower};

use super::*;

/// An article: news, reviews, editorial pages.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// The plugin's id for it, handed back in later calls.
    pub id: String,
    /// The title as the source shows it.
    pub title: String,
    /// A short plain-text summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// The url (http or https; the engine checks it).
    #[serde(default)]
    #[serde(serialize_with = "super::checked::opt_url")]
    pub url: Option<String>,
    /// An image to show with it.
    #[serde(default)]
    pub image: Option<Image>,
    /// The author.
    #[serde(default)]
    pub author: Option<String>,
    /// Publication time, milliseconds since the Unix epoch.
    #[component(name = "published-at")]
    #[serde(default)]
    pub published_at: Option<u64>,
    /// The article body as plain text or basic HTML, if available.
    #[serde(default)]
    pub content: Option<String>,
    /// Free-form tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Source-specific name/value attributes, passed through unchanged.
    #[serde(default)]
    pub extra: Vec<Pair>,
}

/// A titled group of articles.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct ArticleSection {
    /// The plugin's id for it, handed back in later calls.
    pub id: String,
    /// The title as the source shows it.
    pub title: String,
    /// The entries, in the order to show them.
    #[serde(default)]
    pub items: Vec<Article>,
}

/// A page of article sections.
#[derive(Clone, Debug, PartialEq, ComponentType, Lift, Lower, Serialize, Deserialize)]
#[component(record)]
#[serde(deny_unknown_fields)]
pub struct ArticlePage {
    /// The sections, in order.
    #[serde(default)]
    pub sections: Vec<ArticleSection>,
    /// The cursor of the next page; `None` on the last.
    #[component(name = "next-page")]
    #[serde(default)]
    pub next_page: Option<String>,
}
