//! BEX plugin for TVmaze (https://www.tvmaze.com/api): a public, documented,
//! key-less API of TV show metadata.
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

wit_bindgen::generate!({
    inline: r#"
        package bex:tvmaze;
        world tvmaze {
            include bex:plugin/imports@1.0.0;
            export bex:plugin/home@1.0.0;
            export bex:plugin/category@1.0.0;
            export bex:plugin/search@1.0.0;
            export bex:plugin/info@1.0.0;
        }
    "#,
    path: "../../wit",
    generate_all,
});

use bex::plugin::types::{
    Category, CardLayout, HomePage, HomeSection, MediaInfo, PagedResult, PluginError,
    RequestContext, SearchFilters,
};

const SHOWS_CATEGORY: &str = "shows";

struct TvMaze;

impl exports::bex::plugin::home::Guest for TvMaze {
    fn get_home(_ctx: RequestContext, page: Option<String>) -> Result<HomePage, PluginError> {
        if page.is_some() {
            // One page of sections; "more" of each is a category.
            return Ok(HomePage {
                sections: vec![],
                next_page: None,
            });
        }
        let schedule: Vec<api::ScheduleEntry> = api::get("/schedule?country=US")?;
        let mut today: Vec<_> = Vec::new();
        for entry in schedule {
            if let Some(show) = entry.show {
                if !today.iter().any(|s: &api::Show| s.id == show.id) {
                    today.push(show);
                }
            }
        }
        let mut popular: Vec<api::Show> = api::get("/shows?page=0")?;
        popular.sort_by(|a, b| b.weight.cmp(&a.weight));
        popular.truncate(24);
        Ok(HomePage {
            sections: vec![
                HomeSection {
                    id: "today".into(),
                    title: "Airing today (US)".into(),
                    subtitle: None,
                    items: today.iter().map(convert::card).collect(),
                    more: None,
                    layout: CardLayout::Row,
                    show_rank: false,
                    categories: vec![],
                    extra: vec![],
                },
                HomeSection {
                    id: "popular".into(),
                    title: "Popular".into(),
                    subtitle: None,
                    items: popular.iter().map(convert::card).collect(),
                    more: Some(SHOWS_CATEGORY.into()),
                    layout: CardLayout::Grid,
                    show_rank: true,
                    categories: vec![shows_category()],
                    extra: vec![],
                },
            ],
            next_page: None,
        })
    }
}

fn shows_category() -> Category {
    Category {
        id: SHOWS_CATEGORY.into(),
        title: "All shows".into(),
        image: None,
    }
}

impl exports::bex::plugin::category::Guest for TvMaze {
    fn get_category(
        _ctx: RequestContext,
        id: String,
        page: Option<String>,
    ) -> Result<PagedResult, PluginError> {
        if id != SHOWS_CATEGORY {
            return Err(PluginError::NotFound(format!("no category {id:?}")));
        }
        let page: u32 = match page.as_deref() {
            None => 0,
            Some(p) => p
                .parse()
                .map_err(|_| PluginError::InvalidInput(format!("bad page cursor {p:?}")))?,
        };
        // The index answers 404 past its last page.
        let shows: Vec<api::Show> = match api::get(&format!("/shows?page={page}")) {
            Err(PluginError::NotFound(_)) => Vec::new(),
            other => other?,
        };
        Ok(PagedResult {
            next_page: (!shows.is_empty()).then(|| (page + 1).to_string()),
            items: shows.iter().map(convert::card).collect(),
            categories: vec![],
            total: None,
        })
    }
}

impl exports::bex::plugin::search::Guest for TvMaze {
    fn search(
        _ctx: RequestContext,
        query: String,
        filters: SearchFilters,
        page: Option<String>,
    ) -> Result<PagedResult, PluginError> {
        let query = query.trim();
        if query.is_empty() {
            return Err(PluginError::InvalidInput("empty query".into()));
        }
        if page.is_some() {
            // TVmaze returns one page of best matches.
            return Ok(PagedResult {
                items: vec![],
                categories: vec![],
                next_page: None,
                total: None,
            });
        }
        let hits: Vec<api::SearchHit> =
            api::get(&format!("/search/shows?q={}", api::encode_query(query)))?;
        let items: Vec<_> = hits
            .iter()
            .map(|h| &h.show)
            .filter(|s| convert::passes(s, &filters))
            .map(convert::card)
            .collect();
        Ok(PagedResult {
            total: Some(items.len() as u32),
            items,
            categories: vec![],
            next_page: None,
        })
    }
}

impl exports::bex::plugin::info::Guest for TvMaze {
    fn get_info(_ctx: RequestContext, id: String) -> Result<MediaInfo, PluginError> {
        let show_id = id
            .strip_prefix("show:")
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| PluginError::InvalidInput(format!("{id:?} is not a show:<number> id")))?;
        let show: api::Show = api::get(&format!(
            "/shows/{show_id}?embed[]=episodes&embed[]=cast"
        ))?;
        Ok(convert::info(show))
    }
}

export!(TvMaze);
