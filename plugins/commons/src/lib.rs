//! BEX plugin for public-domain films on Wikimedia Commons
//! (https://commons.wikimedia.org), scraped from its HTML pages with the
//! kit's `html` helpers: the worked example of a scraping plugin
//! (docs/writing-plugins.md).
//!
//! - home: the gallery of [`CATEGORY`], one section whose `more` is the
//!   category `films`;
//! - category `films`: the gallery page by page (the cursor is the
//!   gallery's own `filefrom` link);
//! - search: Special:Search over file pages of videos, 20 a page;
//! - info: a file page: title and year from its name, description, date
//!   and author from its {{Information}} table, runtime and poster from its
//!   `<video>`;
//! - servers: the `<video>`'s sources (the original and its transcodes);
//! - stream: the source's url on upload.wikimedia.org, with the file's
//!   WebVTT subtitle tracks.
//!
//! Ids: `file:<name>` for films, `<name>` as Commons writes it in urls
//! (`Nosferatu_(1922).webm`); `source:<key>:<name>` for servers.

mod pages;

use bex_pdk::{
    Error, HomePage, MediaInfo, PagedResult, RequestContext, Result, SearchFilters, Server,
    StreamSource, http, ids, page, records,
};

const BASE: &str = "https://commons.wikimedia.org";
/// The category the home row and the `films` category show.
const CATEGORY: &str = "Category:Films_in_the_public_domain";
const FILMS: &str = "films";
const PER_PAGE: u32 = 20;

struct Commons;

bex_pdk::export_plugin!(Commons);

impl bex_pdk::Home for Commons {
    fn get_home(_ctx: RequestContext, page: Option<String>) -> Result<HomePage> {
        if page.is_some() {
            return Ok(HomePage {
                sections: vec![],
                next_page: None,
            });
        }
        let (cards, _) = pages::gallery(&http::get(format!("{BASE}/wiki/{CATEGORY}")).html()?)?;
        let mut section = records::section(FILMS, "Public-domain films", cards);
        section.more = Some(FILMS.into());
        section.categories = vec![records::category(FILMS, "All public-domain films")];
        Ok(HomePage {
            sections: vec![section],
            next_page: None,
        })
    }
}

impl bex_pdk::Category for Commons {
    fn get_category(_ctx: RequestContext, id: String, page: Option<String>) -> Result<PagedResult> {
        if id != FILMS {
            return Err(Error::not_found(format!("no category {id:?}")));
        }
        // The cursor is the gallery's next-page link: only that page.
        let url = match page {
            None => format!("{BASE}/wiki/{CATEGORY}"),
            Some(next) if next.starts_with(&format!("/w/index.php?title={CATEGORY}&")) => {
                format!("{BASE}{next}")
            }
            Some(other) => return Err(Error::invalid_input(format!("bad page {other:?}"))),
        };
        let (cards, next) = pages::gallery(&http::get(url).html()?)?;
        Ok(records::paged(cards, next))
    }
}

impl bex_pdk::Search for Commons {
    fn search(
        _ctx: RequestContext,
        query: String,
        _filters: SearchFilters,
        page: Option<String>,
    ) -> Result<PagedResult> {
        let query = query.trim();
        if query.is_empty() {
            return Err(Error::invalid_input("empty query"));
        }
        let page = page::number(page.as_deref(), 0)?;
        let doc = http::get(format!("{BASE}/w/index.php"))
            .query("search", format!("{query} filetype:video"))
            .query("title", "Special:Search")
            .query("ns6", 1)
            .query("fulltext", 1)
            .query("limit", PER_PAGE)
            .query("offset", page * PER_PAGE)
            .html()?;
        let (cards, total, more) = pages::results(&doc)?;
        let mut result = records::paged(cards, page::next(page, more));
        result.total = total;
        Ok(result)
    }
}

impl bex_pdk::Info for Commons {
    fn get_info(_ctx: RequestContext, id: String) -> Result<MediaInfo> {
        let name = file(&id)?;
        pages::info(&file_page(&name)?, &name)
    }
}

impl bex_pdk::Servers for Commons {
    fn get_servers(_ctx: RequestContext, id: String) -> Result<Vec<Server>> {
        let name = file(&id)?;
        let sources = pages::sources(&file_page(&name)?)?;
        Ok(sources.iter().map(|s| pages::server(&name, s)).collect())
    }
}

impl bex_pdk::Streams for Commons {
    fn resolve_stream(_ctx: RequestContext, server: Server) -> Result<Vec<StreamSource>> {
        let rest = server.id.strip_prefix("source:").ok_or_else(|| {
            Error::invalid_input(format!("not a server of this plugin: {:?}", server.id))
        })?;
        let (key, name) = rest
            .split_once(':')
            .filter(|(_, name)| pages::valid_name(name))
            .ok_or_else(|| Error::invalid_input(format!("bad server id {:?}", server.id)))?;
        let doc = file_page(name)?;
        let source = pages::sources(&doc)?
            .into_iter()
            .find(|s| s.key == key)
            .ok_or_else(|| Error::not_found(format!("{name} has no source {key:?} any more")))?;
        Ok(vec![pages::stream(&doc, source)?])
    }
}

/// The file name in a `file:<name>` id.
fn file(id: &str) -> Result<String> {
    let name: String = ids::parse(id, "file")?;
    if !pages::valid_name(&name) {
        return Err(Error::invalid_input(format!("bad file name in {id:?}")));
    }
    Ok(name)
}

fn file_page(name: &str) -> Result<bex_pdk::html::Document> {
    http::get(format!("{BASE}/wiki/File:{name}")).html()
}
