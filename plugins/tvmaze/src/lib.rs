//! BEX plugin for TVmaze (https://www.tvmaze.com/api): a public, documented,
//! key-less API of TV show metadata. The worked example of
//! docs/writing-plugins.md: the kit (`bex_pdk`) does the plumbing, so this
//! is the API's shapes (api.rs), their mapping to the contract
//! (convert.rs), and the four operations below.
//!
//! - home: today's US schedule and the first page of the show index;
//! - category `shows`: the show index, 250 shows a page (`page` = index page);
//! - search: `/search/shows`;
//! - info: `/shows/{id}` with embedded episodes and cast.
//!
//! Ids are TVmaze's numeric ids: `show:<id>` for titles, `episode:<id>` for
//! episodes.

mod api;
mod convert;

use bex_pdk::{CardLayout, Error, HomePage, MediaInfo, PagedResult, PluginError, RequestContext};
use bex_pdk::{Result, SearchFilters, http, ids, page, records};

const BASE: &str = "https://api.tvmaze.com";
const SHOWS: &str = "shows";

struct TvMaze;

bex_pdk::export_plugin!(TvMaze);

/// GETs `path` from the API and decodes its JSON.
fn get<T: serde::de::DeserializeOwned>(path: &str) -> Result<T> {
    http::get(format!("{BASE}{path}")).timeout_ms(10_000).json()
}

fn cards<'a>(shows: impl IntoIterator<Item = &'a api::Show>) -> Vec<bex_pdk::MediaCard> {
    shows.into_iter().map(convert::card).collect()
}

impl bex_pdk::Home for TvMaze {
    fn get_home(_ctx: RequestContext, page: Option<String>) -> Result<HomePage> {
        // One page of sections; "more" of each is a category.
        let mut sections = vec![];
        if page.is_none() {
            let schedule: Vec<api::Wrapped> = get("/schedule?country=US")?;
            let mut today: Vec<api::Show> = Vec::new();
            for show in schedule.into_iter().filter_map(|e| e.show) {
                if !today.iter().any(|s| s.id == show.id) {
                    today.push(show);
                }
            }
            let mut popular: Vec<api::Show> = get("/shows?page=0")?;
            popular.sort_by_key(|s| std::cmp::Reverse(s.weight));
            let mut row = records::section("popular", "Popular", cards(popular.iter().take(24)));
            row.more = Some(SHOWS.into());
            row.layout = CardLayout::Grid;
            row.show_rank = true;
            row.categories = vec![records::category(SHOWS, "All shows")];
            sections = vec![
                records::section("today", "Airing today (US)", cards(&today)),
                row,
            ];
        }
        Ok(HomePage {
            sections,
            next_page: None,
        })
    }
}

impl bex_pdk::Category for TvMaze {
    fn get_category(_ctx: RequestContext, id: String, page: Option<String>) -> Result<PagedResult> {
        if id != SHOWS {
            return Err(Error::not_found(format!("no category {id:?}")));
        }
        let page = page::number(page.as_deref(), 0)?;
        // The index answers 404 past its last page.
        let shows: Vec<api::Show> = match get(&format!("/shows?page={page}")) {
            Err(PluginError::NotFound(_)) => Vec::new(),
            other => other?,
        };
        Ok(records::paged(
            cards(&shows),
            page::next(page, !shows.is_empty()),
        ))
    }
}

impl bex_pdk::Search for TvMaze {
    fn search(
        _ctx: RequestContext,
        query: String,
        filters: SearchFilters,
        page: Option<String>,
    ) -> Result<PagedResult> {
        let query = query.trim();
        if query.is_empty() {
            return Err(Error::invalid_input("empty query"));
        }
        // TVmaze returns one page of best matches.
        let hits: Vec<api::Wrapped> = match page {
            Some(_) => vec![],
            None => http::get(format!("{BASE}/search/shows"))
                .query("q", query)
                .json()?,
        };
        let shows = hits
            .iter()
            .filter_map(|h| h.show.as_ref())
            .filter(|s| convert::passes(s, &filters));
        let mut result = records::paged(cards(shows), None);
        result.total = page.is_none().then_some(result.items.len() as u32);
        Ok(result)
    }
}

impl bex_pdk::Info for TvMaze {
    fn get_info(_ctx: RequestContext, id: String) -> Result<MediaInfo> {
        let show_id: u64 = ids::parse(&id, "show")?;
        // TVmaze documents the embeds with literal brackets.
        Ok(convert::info(get(&format!(
            "/shows/{show_id}?embed[]=episodes&embed[]=cast"
        ))?))
    }
}
