//! Packed player (JavaScript example): the worked example of stream
//! resolution through the host's JavaScript (`js` interface, docs/js.md).
//!
//! It plays public-domain films from a player site that, like many video
//! hosts, ships its player configuration packed with Dean Edwards'
//! JavaScript packer. No such real site is reachable from the tests, so the
//! site is the documented example host `player.example.org` and the
//! fixtures are synthetic (fixtures/README.md); the stream urls in them are
//! real public-domain files on archive.org, which the plugin never fetches.
//!
//! - search: `/api/search?q=` on the host's catalogue;
//! - info: `/api/title/<slug>`: details, cast, and `play_id` (the film);
//! - servers: the title's embed pages (`/embed/<id>`), one server each;
//! - stream: the embed page, its packed script unpacked and its jwplayer
//!   setup read in the host's QuickJS (player.rs), as progressive or HLS
//!   sources with the `Referer` the host checks, and their subtitle tracks.
//!
//! Ids: `film:<slug>` for titles (also their `play_id`), `embed:<id>` for
//! servers; slugs are letters, digits, `-` and `_`.

mod api;
mod player;

use bex_pdk::{
    Error, MediaInfo, MediaKind, PagedResult, RequestContext, Result, ResultExt, SearchFilters,
    Server, StreamSource, http, ids, page, records,
};

use api::ORIGIN;

struct PackedPlayer;

bex_pdk::export_plugin!(PackedPlayer);

impl bex_pdk::Search for PackedPlayer {
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
        let number = page::number(page.as_deref(), 1)?;
        let request = http::get(format!("{ORIGIN}/api/search")).query("q", query);
        let request = if number > 1 {
            request.query("page", number)
        } else {
            request
        };
        let found: api::SearchPage = api::get(request)?;
        // The catalogue holds films only, and cannot filter: do it here.
        let films = filters.kind.is_none_or(|k| k == MediaKind::Movie);
        let items = found
            .results
            .iter()
            .filter(|s| films && filters.year.is_none_or(|y| s.year == Some(y)))
            .map(api::card)
            .collect();
        let mut result = records::paged(
            items,
            page::next(found.page, found.page < found.total_pages),
        );
        result.total = Some(found.total_results);
        Ok(result)
    }
}

impl bex_pdk::Info for PackedPlayer {
    fn get_info(_ctx: RequestContext, id: String) -> Result<MediaInfo> {
        Ok(api::info(title(&id)?))
    }
}

impl bex_pdk::Servers for PackedPlayer {
    fn get_servers(_ctx: RequestContext, id: String) -> Result<Vec<Server>> {
        Ok(title(&id)?.embeds.into_iter().map(api::server).collect())
    }
}

impl bex_pdk::Streams for PackedPlayer {
    fn resolve_stream(_ctx: RequestContext, server: Server) -> Result<Vec<StreamSource>> {
        let embed = api::slug(&server.id, ids::value(&server.id, "embed")?)?;
        // The url is rebuilt from the id: `server.url` came back from the
        // player and is not trusted.
        let html = http::get(format!("{ORIGIN}/embed/{embed}"))
            .header("Referer", format!("{ORIGIN}/"))
            .timeout_ms(10_000)
            .max_bytes(2 * 1024 * 1024)
            .text()
            .context(format!("embed {embed}"))?;
        player::streams(&html).context(format!("embed {embed}"))
    }
}

/// The title behind a `film:<slug>` id.
fn title(id: &str) -> Result<api::Title> {
    let slug = api::slug(id, ids::value(id, "film")?)?;
    api::get(http::get(format!("{ORIGIN}/api/title/{slug}"))).context(format!("title {slug}"))
}
