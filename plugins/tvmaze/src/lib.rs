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

use bex_pdk::{
    CardLayout, Error, HomePage, MediaInfo, PagedResult, PluginError, RequestContext, Result,
    SearchFilters, ids, page, records,
};

const SHOWS_CATEGORY: &str = "shows";

struct TvMaze;

bex_pdk::export_plugin!(TvMaze);

impl bex_pdk::Home for TvMaze {
    fn get_home(_ctx: RequestContext, page: Option<String>) -> Result<HomePage> {
        if page.is_some() {
            // One page of sections; "more" of each is a category.
            return Ok(HomePage {
                sections: vec![],
                next_page: None,
            });
        }
        let schedule: Vec<api::ScheduleEntry> = api::get("/schedule", &[("country", "US")])?;
        let mut today: Vec<api::Show> = Vec::new();
        for show in schedule.into_iter().filter_map(|e| e.show) {
            if !today.iter().any(|s| s.id == show.id) {
                today.push(show);
            }
        }
        let mut popular: Vec<api::Show> = api::get("/shows", &[("page", "0")])?;
        popular.sort_by_key(|s| std::cmp::Reverse(s.weight));
        popular.truncate(24);

        let today = records::section("today", "Airing today (US)", cards(&today));
        let mut popular = records::section("popular", "Popular", cards(&popular));
        popular.more = Some(SHOWS_CATEGORY.into());
        popular.layout = CardLayout::Grid;
        popular.show_rank = true;
        popular.categories = vec![records::category(SHOWS_CATEGORY, "All shows")];
        Ok(HomePage {
            sections: vec![today, popular],
            next_page: None,
        })
    }
}

impl bex_pdk::Category for TvMaze {
    fn get_category(_ctx: RequestContext, id: String, page: Option<String>) -> Result<PagedResult> {
        if id != SHOWS_CATEGORY {
            return Err(Error::not_found(format!("no category {id:?}")));
        }
        let page = page::number(page.as_deref(), 0)?;
        // The index answers 404 past its last page.
        let shows: Vec<api::Show> = match api::get("/shows", &[("page", &page.to_string())]) {
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
        if page.is_some() {
            // TVmaze returns one page of best matches.
            return Ok(records::paged(vec![], None));
        }
        let hits: Vec<api::SearchHit> = api::get("/search/shows", &[("q", query)])?;
        let items: Vec<_> = hits
            .iter()
            .map(|h| &h.show)
            .filter(|s| convert::passes(s, &filters))
            .map(convert::card)
            .collect();
        let mut result = records::paged(items, None);
        result.total = Some(result.items.len() as u32);
        Ok(result)
    }
}

impl bex_pdk::Info for TvMaze {
    fn get_info(_ctx: RequestContext, id: String) -> Result<MediaInfo> {
        let show_id: u64 = ids::parse(&id, "show")?;
        // TVmaze documents the embeds with literal brackets.
        let show: api::Show = api::get(
            &format!("/shows/{show_id}?embed[]=episodes&embed[]=cast"),
            &[],
        )?;
        Ok(convert::info(show))
    }
}

fn cards(shows: &[api::Show]) -> Vec<bex_pdk::MediaCard> {
    shows.iter().map(convert::card).collect()
}
