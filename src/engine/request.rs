//! What a caller asks a plugin: one variant per operation.

use serde_json::{Value as Json, json};

use crate::contract::Operation;

/// A request to a plugin. Structured arguments (filters, servers,
/// subtitle queries) are JSON in the mapping of docs/json.md; missing
/// optional fields may be left out.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// `get-home`.
    Home {
        /// Page cursor from a previous `next_page`.
        page: Option<String>,
    },
    /// `get-category`.
    Category {
        /// Category id.
        id: String,
        /// Page cursor.
        page: Option<String>,
    },
    /// `search`.
    Search {
        /// The query text.
        query: String,
        /// A `search_filters` object (`{}` for none).
        filters: Json,
        /// Page cursor.
        page: Option<String>,
    },
    /// `get-info`.
    Info {
        /// Media id.
        id: String,
    },
    /// `get-servers`.
    Servers {
        /// Episode or movie id.
        id: String,
    },
    /// `resolve-stream`.
    Stream {
        /// A `server` object, as `get-servers` returned it.
        server: Json,
    },
    /// `search-subtitles`.
    SearchSubtitles {
        /// A `subtitle_query` object.
        query: Json,
    },
    /// `download-subtitle`.
    DownloadSubtitle {
        /// Subtitle id.
        id: String,
    },
    /// `get-articles`.
    Articles {
        /// Page cursor.
        page: Option<String>,
    },
    /// `search-articles`.
    SearchArticles {
        /// The query text.
        query: String,
        /// Page cursor.
        page: Option<String>,
    },
}

impl Request {
    /// The operation this request calls.
    pub fn operation(&self) -> Operation {
        match self {
            Request::Home { .. } => Operation::GetHome,
            Request::Category { .. } => Operation::GetCategory,
            Request::Search { .. } => Operation::Search,
            Request::Info { .. } => Operation::GetInfo,
            Request::Servers { .. } => Operation::GetServers,
            Request::Stream { .. } => Operation::ResolveStream,
            Request::SearchSubtitles { .. } => Operation::SearchSubtitles,
            Request::DownloadSubtitle { .. } => Operation::DownloadSubtitle,
            Request::Articles { .. } => Operation::GetArticles,
            Request::SearchArticles { .. } => Operation::SearchArticles,
        }
    }

    /// The export's arguments after the request context, as JSON.
    pub(crate) fn args(&self) -> Vec<Json> {
        match self {
            Request::Home { page } | Request::Articles { page } => vec![json!(page)],
            Request::Category { id, page } => vec![json!(id), json!(page)],
            Request::Search {
                query,
                filters,
                page,
            } => vec![json!(query), filters.clone(), json!(page)],
            Request::Info { id } | Request::Servers { id } | Request::DownloadSubtitle { id } => {
                vec![json!(id)]
            }
            Request::Stream { server } => vec![server.clone()],
            Request::SearchSubtitles { query } => vec![query.clone()],
            Request::SearchArticles { query, page } => vec![json!(query), json!(page)],
        }
    }
}

/// Per-call options from the player.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// The request id in log lines; generated if `None`.
    pub request_id: Option<String>,
    /// The user's language (BCP 47).
    pub locale: Option<String>,
    /// The user's region (ISO 3166-1 alpha-2).
    pub region: Option<String>,
    /// Attributes passed to the plugin unchanged.
    pub extra: Vec<(String, String)>,
}
