//! BEX plugin for the Internet Archive's public-domain feature films
//! (the `feature_films` collection of https://archive.org), through two
//! public, key-less APIs:
//!
//! - search: the Advanced Search API (`/advancedsearch.php`), 24 films a
//!   page; the query is taken as literal words (Solr operators escaped)
//!   and narrowed to `mediatype:(movies) AND collection:(feature_films)`.
//!   Filters: `year` and `genre` (matched against the item's subjects)
//!   narrow the query; `sort` maps popularity to downloads, rating to the
//!   average review, newest/oldest to the year, title to the title; a
//!   `kind` other than movie matches nothing (the collection holds only
//!   films), so the plugin answers an empty page without asking;
//! - info: the Metadata API (`/metadata/<identifier>`): title, year,
//!   description, subjects (genres and tags), runtime, creator, license;
//! - servers: the same item's files, one server per video a player can
//!   stream progressively (MP4, Ogg and WebM derivatives, and the original
//!   when it is one of those), best first;
//! - stream: the file's download url (no headers needed) with the item's
//!   `.srt` and `.vtt` files as subtitle tracks.
//!
//! Ids: `item:<identifier>` for films (cards, info and `play_id`);
//! `file:<identifier>/<file name>` for servers. An unknown identifier
//! (the Metadata API answers `{}`) is `not-found`.

mod api;
mod convert;
mod text;

use bex_pdk::{
    Error, MediaInfo, MediaKind, PagedResult, RequestContext, Result, SearchFilters, Server,
    SortOrder, StreamSource, ids, page, records,
};

struct Archive;

bex_pdk::export_plugin!(Archive);

impl bex_pdk::Search for Archive {
    fn search(
        _ctx: RequestContext,
        query: String,
        filters: SearchFilters,
        page: Option<String>,
    ) -> Result<PagedResult> {
        let terms = text::solr_terms(&query);
        if terms.is_empty() {
            return Err(Error::invalid_input("empty query"));
        }
        let page = page::number(page.as_deref(), 1)?;
        if page == 0 {
            return Err(Error::invalid_input("page cursors start at 1"));
        }
        if filters.kind.is_some_and(|k| k != MediaKind::Movie) {
            let mut empty = records::paged(vec![], None);
            empty.total = Some(0);
            return Ok(empty);
        }
        let mut q = format!("({terms}) AND mediatype:(movies) AND collection:(feature_films)");
        if let Some(year) = filters.year {
            q.push_str(&format!(" AND year:({year})"));
        }
        if let Some(genre) = filters
            .genre
            .as_deref()
            .map(text::solr_terms)
            .filter(|g| !g.is_empty())
        {
            q.push_str(&format!(" AND subject:({genre})"));
        }
        let sort = filters.sort.and_then(|s| match s {
            SortOrder::Relevance => None,
            SortOrder::Popularity => Some("downloads desc"),
            SortOrder::Rating => Some("avg_rating desc"),
            SortOrder::Newest => Some("year desc"),
            SortOrder::Oldest => Some("year asc"),
            SortOrder::Title => Some("titleSorter asc"),
        });
        let body = api::search(&q, sort, page)?;
        let items: Vec<_> = body.docs.iter().map(convert::card).collect();
        let seen = body.start + body.docs.len() as u64;
        let mut result = records::paged(
            items,
            page::next(page, !body.docs.is_empty() && seen < body.num_found),
        );
        result.total = Some(body.num_found.min(u64::from(u32::MAX)) as u32);
        Ok(result)
    }
}

impl bex_pdk::Info for Archive {
    fn get_info(_ctx: RequestContext, id: String) -> Result<MediaInfo> {
        let identifier = api::identifier(ids::value(&id, "item")?)?;
        let item = api::item(identifier)?;
        Ok(convert::info(identifier, &item))
    }
}

impl bex_pdk::Servers for Archive {
    fn get_servers(_ctx: RequestContext, id: String) -> Result<Vec<Server>> {
        let identifier = api::identifier(ids::value(&id, "item")?)?;
        // The same request as info: the engine's HTTP cache answers it
        // when the player just showed the title.
        let item = api::item(identifier)?;
        Ok(convert::servers(identifier, &item))
    }
}

impl bex_pdk::Streams for Archive {
    fn resolve_stream(_ctx: RequestContext, server: Server) -> Result<Vec<StreamSource>> {
        let (identifier, name) = convert::parse_server_id(&server.id)?;
        // Read the item again for the file's format and height and for the
        // subtitle files beside it (usually from the engine's HTTP cache).
        let item = api::item(identifier)?;
        Ok(vec![convert::stream(identifier, &item, name)?])
    }
}
