//! The typed Rust API: every operation with the contract's records
//! ([`crate::types`]) as arguments and results, for Rust players. The call
//! is the same as [`Engine::call`] (the checks, limits, breaker and
//! statistics), but the result is handed over as the value the plugin
//! returned, checked, without writing and parsing JSON in between.

use super::invoke::{Output, Payload};
use super::{CallOptions, Engine, Request};
use crate::cancel::CancelToken;
use crate::error::{Error, Result};
use crate::types::{
    ArticlePage, HomePage, MediaInfo, PagedResult, SearchFilters, Server, StreamSource,
    SubtitleEntry, SubtitleFile, SubtitleQuery,
};

impl Engine {
    /// `get-home`: one page of home sections (`page` is a cursor from a
    /// previous `next_page`, `None` for the first).
    pub fn home(&self, id: &str, page: Option<&str>) -> Result<HomePage> {
        self.typed(
            id,
            Request::Home {
                page: page.map(Into::into),
            },
        )
    }

    /// `get-category`: one page of the category `category`.
    pub fn category(&self, id: &str, category: &str, page: Option<&str>) -> Result<PagedResult> {
        let (id_, page) = (category.to_string(), page.map(Into::into));
        self.typed(id, Request::Category { id: id_, page })
    }

    /// `search`: one page of titles matching `query` and `filters`.
    pub fn search(
        &self,
        id: &str,
        query: &str,
        filters: &SearchFilters,
        page: Option<&str>,
    ) -> Result<PagedResult> {
        let filters = to_json(filters)?;
        let (query, page) = (query.to_string(), page.map(Into::into));
        self.typed(
            id,
            Request::Search {
                query,
                filters,
                page,
            },
        )
    }

    /// `get-info`: a title's details, seasons and episodes.
    pub fn info(&self, id: &str, media_id: &str) -> Result<MediaInfo> {
        self.typed(
            id,
            Request::Info {
                id: media_id.into(),
            },
        )
    }

    /// `get-servers`: where a title (its `play_id`) or episode plays from.
    pub fn servers(&self, id: &str, media_id: &str) -> Result<Vec<Server>> {
        self.typed(
            id,
            Request::Servers {
                id: media_id.into(),
            },
        )
    }

    /// `resolve-stream`: the playable streams of `server`.
    pub fn stream(&self, id: &str, server: &Server) -> Result<Vec<StreamSource>> {
        let server = to_json(server)?;
        self.typed(id, Request::Stream { server })
    }

    /// `search-subtitles`.
    pub fn subtitles(&self, id: &str, query: &SubtitleQuery) -> Result<Vec<SubtitleEntry>> {
        let query = to_json(query)?;
        self.typed(id, Request::SearchSubtitles { query })
    }

    /// `download-subtitle`: the file of a subtitle entry, as UTF-8 text.
    pub fn subtitle(&self, id: &str, subtitle_id: &str) -> Result<SubtitleFile> {
        self.typed(
            id,
            Request::DownloadSubtitle {
                id: subtitle_id.into(),
            },
        )
    }

    /// `get-articles`: one page of article sections.
    pub fn articles(&self, id: &str, page: Option<&str>) -> Result<ArticlePage> {
        self.typed(
            id,
            Request::Articles {
                page: page.map(Into::into),
            },
        )
    }

    /// `search-articles`.
    pub fn search_articles(
        &self,
        id: &str,
        query: &str,
        page: Option<&str>,
    ) -> Result<ArticlePage> {
        let (query, page) = (query.to_string(), page.map(Into::into));
        self.typed(id, Request::SearchArticles { query, page })
    }

    /// Any request with call options and a cancel token, typed: `T` is the
    /// operation's result type ([`HomePage`] for `Request::Home`...); another
    /// type is `INVALID_ARGUMENT`.
    pub fn call_typed<T: serde::de::DeserializeOwned + 'static>(
        &self,
        id: &str,
        request: &Request,
        options: &CallOptions,
        cancel: &CancelToken,
    ) -> Result<T> {
        match self
            .inner
            .call_for(id, request, options, cancel, Output::Value)?
        {
            Payload::Value(v) => v.downcast::<T>().map(|b| *b).map_err(|_| {
                Error::InvalidArgument(format!(
                    "{} returns {}, not {}",
                    request.operation().name(),
                    result_type(request),
                    std::any::type_name::<T>()
                ))
            }),
            // Asked for a value, a call answers one; JSON is decoded all the same.
            Payload::Json(json) => serde_json::from_str(&json)
                .map_err(|e| Error::InvalidArgument(format!("the result does not decode: {e}"))),
        }
    }

    fn typed<T: serde::de::DeserializeOwned + 'static>(
        &self,
        id: &str,
        request: Request,
    ) -> Result<T> {
        self.call_typed(id, &request, &CallOptions::default(), &CancelToken::new())
    }
}

fn to_json(value: &impl serde::Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::InvalidArgument(e.to_string()))
}

/// The result type of `request`'s operation, for the message.
fn result_type(request: &Request) -> &'static str {
    match request {
        Request::Home { .. } => "HomePage",
        Request::Category { .. } | Request::Search { .. } => "PagedResult",
        Request::Info { .. } => "MediaInfo",
        Request::Servers { .. } => "Vec<Server>",
        Request::Stream { .. } => "Vec<StreamSource>",
        Request::SearchSubtitles { .. } => "Vec<SubtitleEntry>",
        Request::DownloadSubtitle { .. } => "SubtitleFile",
        Request::Articles { .. } | Request::SearchArticles { .. } => "ArticlePage",
    }
}
