//! The BEX plugin kit: what every provider plugin needs, so that a plugin is
//! its parsing and little else (docs/writing-plugins.md).
//!
//! - [`export_plugin!`] generates the component's exports from the plugin's
//!   `wit/` folder and forwards each capability to the kit's traits
//!   ([`Home`], [`Search`], ...), with a panic hook that reports the panic
//!   message through the host log;
//! - [`http`]: typed requests (GET/POST, query encoding, JSON decoding) with
//!   HTTP statuses mapped to [`PluginError`];
//! - [`kv`], [`secrets`], [`js`], [`clock`]: the other host interfaces, `?`-friendly;
//! - [`trace!`], [`debug!`], [`info!`], [`warn!`], [`error!`]: logging;
//! - [`ids`], [`page`] and [`records`]: small helpers for ids, page cursors
//!   and the contract's records;
//! - [`testing`] (not in wasm builds): run a plugin's operations against its
//!   recorded fixtures from `cargo test`.

pub mod clock;
mod error;
pub mod http;
pub mod ids;
pub mod js;
pub mod kv;
#[doc(hidden)]
pub mod log;
pub mod page;
mod panic;
pub mod records;
pub mod secrets;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

/// The generated bindings of the contract's imports (`bex:plugin/imports`).
/// Plugins reach them through the re-exports below; [`export_plugin!`]
/// points the plugin's own bindings here so both share one set of types.
pub mod bindings {
    wit_bindgen::generate!({
        world: "bex:plugin/imports@1.0.0",
        path: "wit",
        generate_all,
    });
}

pub use bindings::bex::plugin::types;
pub use error::{Error, ErrorExt, ResultExt};
pub use types::*;

#[doc(hidden)]
pub use panic::run;
#[doc(hidden)]
pub use wit_bindgen;

/// The result of every plugin operation.
pub type Result<T, E = PluginError> = std::result::Result<T, E>;

/// `home`: the start screen's sections.
pub trait Home {
    /// One page of home sections (`page` is `None` for the first).
    fn get_home(ctx: RequestContext, page: Option<String>) -> Result<HomePage>;
}

/// `category`: a paged list behind a section's "more" or a category id.
///
/// The trait takes the name `bex_pdk::Category`; the contract's record of
/// that name is `bex_pdk::types::Category` (build it with
/// [`records::category`]).
pub trait Category {
    /// One page of the category `id`.
    fn get_category(ctx: RequestContext, id: String, page: Option<String>) -> Result<PagedResult>;
}

/// `search`: titles matching a query.
pub trait Search {
    /// One page of results for `query` narrowed by `filters`.
    fn search(
        ctx: RequestContext,
        query: String,
        filters: SearchFilters,
        page: Option<String>,
    ) -> Result<PagedResult>;
}

/// `info`: a title's details, seasons and episodes.
pub trait Info {
    /// The title `id` (an id the plugin returned earlier).
    fn get_info(ctx: RequestContext, id: String) -> Result<MediaInfo>;
}

/// `servers`: where a title or episode can be played from.
pub trait Servers {
    /// The servers of `id` (a `play-id` or an episode id).
    fn get_servers(ctx: RequestContext, id: String) -> Result<Vec<Server>>;
}

/// `streams`: a server resolved to playable urls.
pub trait Streams {
    /// The streams behind `server` (as `get_servers` returned it).
    fn resolve_stream(ctx: RequestContext, server: Server) -> Result<Vec<StreamSource>>;
}

/// `subtitles`: search and download subtitle files.
pub trait Subtitles {
    /// Subtitles matching `query`.
    fn search_subtitles(ctx: RequestContext, query: SubtitleQuery) -> Result<Vec<SubtitleEntry>>;
    /// The file of the entry `id` (as `search_subtitles` returned it), as UTF-8 text.
    fn download_subtitle(ctx: RequestContext, id: String) -> Result<SubtitleFile>;
}

/// `articles`: news and reading.
pub trait Articles {
    /// One page of article sections.
    fn get_articles(ctx: RequestContext, page: Option<String>) -> Result<ArticlePage>;
    /// Articles matching `query`.
    fn search_articles(
        ctx: RequestContext,
        query: String,
        page: Option<String>,
    ) -> Result<ArticlePage>;
}

/// Generates the plugin's bindings from its `wit/` folder (a world that
/// includes `bex:plugin/imports@1.0.0` and exports the capabilities the
/// manifest `provides`) and exports `$plugin` through the kit's traits:
///
/// ```text
/// struct TvMaze;
/// impl bex_pdk::Search for TvMaze { /* ... */ }
/// bex_pdk::export_plugin!(TvMaze: [search]);
/// ```
///
/// The list names the capabilities as the manifest's `provides` does:
/// `home`, `category`, `search`, `info`, `servers`, `stream`, `subtitles`,
/// `articles` (`streams`, the contract's interface name, is accepted too);
/// each needs the matching trait. Another name is a compile error that
/// lists them. A panic inside an operation is reported through the host log
/// before the call traps.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ident : [$($cap:ident),+ $(,)?]) => {
        #[doc(hidden)]
        #[allow(dead_code, clippy::all)]
        mod bex_plugin_bindings {
            $crate::wit_bindgen::generate!({
                path: "wit",
                runtime_path: "::bex_pdk::wit_bindgen::rt",
                with: {
                    "bex:plugin/types@1.0.0": ::bex_pdk::bindings::bex::plugin::types,
                    "bex:plugin/http@1.0.0": ::bex_pdk::bindings::bex::plugin::http,
                    "bex:plugin/kv@1.0.0": ::bex_pdk::bindings::bex::plugin::kv,
                    "bex:plugin/secrets@1.0.0": ::bex_pdk::bindings::bex::plugin::secrets,
                    "bex:plugin/log@1.0.0": ::bex_pdk::bindings::bex::plugin::log,
                    "bex:plugin/clock@1.0.0": ::bex_pdk::bindings::bex::plugin::clock,
                    "bex:plugin/rng@1.0.0": ::bex_pdk::bindings::bex::plugin::rng,
                    "bex:plugin/js@1.0.0": ::bex_pdk::bindings::bex::plugin::js,
                },
                pub_export_macro: true,
                default_bindings_module: "bex_plugin_bindings",
            });
        }
        $( $crate::export_plugin!(@impl $plugin, $cap); )+
        bex_plugin_bindings::export!($plugin with_types_in bex_plugin_bindings);
    };
    (@impl $plugin:ident, home) => {
        impl bex_plugin_bindings::exports::bex::plugin::home::Guest for $plugin {
            fn get_home(ctx: $crate::RequestContext, page: Option<String>) -> $crate::Result<$crate::HomePage> {
                $crate::run(|| <$plugin as $crate::Home>::get_home(ctx, page))
            }
        }
    };
    (@impl $plugin:ident, category) => {
        impl bex_plugin_bindings::exports::bex::plugin::category::Guest for $plugin {
            fn get_category(ctx: $crate::RequestContext, id: String, page: Option<String>) -> $crate::Result<$crate::PagedResult> {
                $crate::run(|| <$plugin as $crate::Category>::get_category(ctx, id, page))
            }
        }
    };
    (@impl $plugin:ident, search) => {
        impl bex_plugin_bindings::exports::bex::plugin::search::Guest for $plugin {
            fn search(ctx: $crate::RequestContext, query: String, filters: $crate::SearchFilters, page: Option<String>) -> $crate::Result<$crate::PagedResult> {
                $crate::run(|| <$plugin as $crate::Search>::search(ctx, query, filters, page))
            }
        }
    };
    (@impl $plugin:ident, info) => {
        impl bex_plugin_bindings::exports::bex::plugin::info::Guest for $plugin {
            fn get_info(ctx: $crate::RequestContext, id: String) -> $crate::Result<$crate::MediaInfo> {
                $crate::run(|| <$plugin as $crate::Info>::get_info(ctx, id))
            }
        }
    };
    (@impl $plugin:ident, servers) => {
        impl bex_plugin_bindings::exports::bex::plugin::servers::Guest for $plugin {
            fn get_servers(ctx: $crate::RequestContext, id: String) -> $crate::Result<Vec<$crate::Server>> {
                $crate::run(|| <$plugin as $crate::Servers>::get_servers(ctx, id))
            }
        }
    };
    (@impl $plugin:ident, stream) => {
        $crate::export_plugin!(@impl $plugin, streams);
    };
    (@impl $plugin:ident, streams) => {
        impl bex_plugin_bindings::exports::bex::plugin::streams::Guest for $plugin {
            fn resolve_stream(ctx: $crate::RequestContext, server: $crate::Server) -> $crate::Result<Vec<$crate::StreamSource>> {
                $crate::run(|| <$plugin as $crate::Streams>::resolve_stream(ctx, server))
            }
        }
    };
    (@impl $plugin:ident, subtitles) => {
        impl bex_plugin_bindings::exports::bex::plugin::subtitles::Guest for $plugin {
            fn search_subtitles(ctx: $crate::RequestContext, query: $crate::SubtitleQuery) -> $crate::Result<Vec<$crate::SubtitleEntry>> {
                $crate::run(|| <$plugin as $crate::Subtitles>::search_subtitles(ctx, query))
            }
            fn download_subtitle(ctx: $crate::RequestContext, id: String) -> $crate::Result<$crate::SubtitleFile> {
                $crate::run(|| <$plugin as $crate::Subtitles>::download_subtitle(ctx, id))
            }
        }
    };
    (@impl $plugin:ident, articles) => {
        impl bex_plugin_bindings::exports::bex::plugin::articles::Guest for $plugin {
            fn get_articles(ctx: $crate::RequestContext, page: Option<String>) -> $crate::Result<$crate::ArticlePage> {
                $crate::run(|| <$plugin as $crate::Articles>::get_articles(ctx, page))
            }
            fn search_articles(ctx: $crate::RequestContext, query: String, page: Option<String>) -> $crate::Result<$crate::ArticlePage> {
                $crate::run(|| <$plugin as $crate::Articles>::search_articles(ctx, query, page))
            }
        }
    };
    (@impl $plugin:ident, $other:ident) => {
        compile_error!(concat!(
            "export_plugin!: `",
            stringify!($other),
            "` is not a capability; use the names of the manifest's `provides`: home, category, search, info, servers, stream, subtitles, articles"
        ));
    };
}
