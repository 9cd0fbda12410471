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

    /// The request for `op` from a JSON object of its arguments (the
    /// variant's field names: `page`, `id`, `query`, `filters`, `server`;
    /// see docs/c-api.md). Missing optional fields are `null`; unknown
    /// fields and wrong types fail with `INVALID_ARGUMENT`.
    pub fn from_json(op: Operation, args: &Json) -> Result<Request, crate::Error> {
        let bad =
            |m: String| crate::Error::InvalidArgument(format!("{} arguments: {m}", op.name()));
        let Json::Object(map) = args else {
            return Err(bad("not a JSON object".into()));
        };
        let allowed: &[&str] = match op {
            Operation::GetHome | Operation::GetArticles => &["page"],
            Operation::GetCategory => &["id", "page"],
            Operation::Search => &["query", "filters", "page"],
            Operation::GetInfo | Operation::GetServers | Operation::DownloadSubtitle => &["id"],
            Operation::ResolveStream => &["server"],
            Operation::SearchSubtitles => &["query"],
            Operation::SearchArticles => &["query", "page"],
        };
        if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(bad(format!("unknown field \"{k}\" (expected {allowed:?})")));
        }
        let text = |k: &str| match map.get(k) {
            Some(Json::String(s)) => Ok(s.clone()),
            Some(_) => Err(bad(format!("\"{k}\" must be a string"))),
            None => Err(bad(format!("\"{k}\" is missing"))),
        };
        let page = || match map.get("page") {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad("\"page\" must be a string or null".into())),
        };
        let object = |k: &str, required: bool| match map.get(k) {
            Some(v @ Json::Object(_)) => Ok(v.clone()),
            None | Some(Json::Null) if !required => Ok(json!({})),
            Some(_) => Err(bad(format!("\"{k}\" must be an object"))),
            None => Err(bad(format!("\"{k}\" is missing"))),
        };
        Ok(match op {
            Operation::GetHome => Request::Home { page: page()? },
            Operation::GetArticles => Request::Articles { page: page()? },
            Operation::GetCategory => Request::Category {
                id: text("id")?,
                page: page()?,
            },
            Operation::Search => Request::Search {
                query: text("query")?,
                filters: object("filters", false)?,
                page: page()?,
            },
            Operation::GetInfo => Request::Info { id: text("id")? },
            Operation::GetServers => Request::Servers { id: text("id")? },
            Operation::DownloadSubtitle => Request::DownloadSubtitle { id: text("id")? },
            Operation::ResolveStream => Request::Stream {
                server: object("server", true)?,
            },
            Operation::SearchSubtitles => Request::SearchSubtitles {
                query: object("query", true)?,
            },
            Operation::SearchArticles => Request::SearchArticles {
                query: text("query")?,
                page: page()?,
            },
        })
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
    /// Lowers the operation's deadline for this call (never raises it).
    pub timeout: Option<std::time::Duration>,
    /// The lane for [`Engine::submit`](crate::Engine::submit); `None` is
    /// [`default_lane`](crate::default_lane). Ignored by direct calls.
    pub lane: Option<crate::scheduler::Lane>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_come_from_json_objects_and_bad_ones_are_refused() {
        let r = Request::from_json(Operation::Search, &json!({"query": "q", "page": "2"})).unwrap();
        assert_eq!(
            r,
            Request::Search {
                query: "q".into(),
                filters: json!({}),
                page: Some("2".into())
            }
        );
        assert_eq!(
            Request::from_json(Operation::GetHome, &json!({})).unwrap(),
            Request::Home { page: None }
        );
        for (op, bad) in [
            (Operation::Search, json!({})),
            (Operation::Search, json!({"query": 1})),
            (Operation::GetInfo, json!({"id": "x", "extra": 1})),
            (Operation::ResolveStream, json!({"server": "x"})),
            (Operation::GetHome, json!({"page": 3})),
            (Operation::GetHome, json!([])),
        ] {
            let e = Request::from_json(op, &bad).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::InvalidArgument, "{bad}");
        }
    }
}
