//! The BEX plugin kit: what every provider plugin needs, so that a plugin is
//! its parsing and little else (docs/writing-plugins.md).
//!
//! - [`export_plugin!`] exports the capabilities `manifest.yaml` provides
//!   (read by [`build::plugin`] from the plugin's `build.rs`) and forwards
//!   each to the kit's traits ([`Home`], [`Search`], ...), with a panic hook
//!   that reports the panic message through the host log;
//! - [`http`]: typed requests (GET/POST, query encoding, JSON decoding) with
//!   HTTP statuses mapped to [`PluginError`];
//! - [`kv`], [`secrets`], [`js`], [`clock`]: the other host interfaces, `?`-friendly;
//! - [`trace!`], [`debug!`], [`info!`], [`warn!`], [`error!`]: logging;
//! - [`ids`], [`page`] and [`records`]: small helpers for ids, page cursors
//!   and the contract's records; [`url::join`] makes a page's links absolute;
//! - [`text`]: plain text from HTML snippets in JSON fields, years from dates;
//! - `html` (the `html` feature): pages parsed as a browser does, with CSS
//!   selectors and text, attribute and absolute-url helpers;
//! - [`testing`] (not in wasm builds): run a plugin's operations against its
//!   recorded fixtures from `cargo test`.

#[cfg(not(target_arch = "wasm32"))]
pub mod build;
pub mod clock;
mod error;
#[cfg(feature = "html")]
pub mod html;
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
pub mod text;
pub mod url;

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

/// What `manifest.yaml` provides, as the export glue declares it: each
/// capability trait requires its marker here, so a trait impl the manifest
/// does not provide fails the build, naming the manifest.
pub mod provides {
    /// Set by the export glue when the manifest provides `home`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` implements `bex_pdk::Home`, but manifest.yaml does not provide `home`",
        label = "manifest.yaml does not provide `home`",
        note = "add `home: true` under `provides:` in manifest.yaml, or remove this impl"
    )]
    pub trait HomeProvided {}
    /// Set by the export glue when the manifest provides `category`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` implements `bex_pdk::Category`, but manifest.yaml does not provide `category`",
        label = "manifest.yaml does not provide `category`",
        note = "add `category: true` under `provides:` in manifest.yaml, or remove this impl"
    )]
    pub trait CategoryProvided {}
    /// Set by the export glue when the manifest provides `search`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` implements `bex_pdk::Search`, but manifest.yaml does not provide `search`",
        label = "manifest.yaml does not provide `search`",
        note = "add `search: true` under `provides:` in manifest.yaml, or remove this impl"
    )]
    pub trait SearchProvided {}
    /// Set by the export glue when the manifest provides `info`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` implements `bex_pdk::Info`, but manifest.yaml does not provide `info`",
        label = "manifest.yaml does not provide `info`",
        note = "add `info: true` under `provides:` in manifest.yaml, or remove this impl"
    )]
    pub trait InfoProvided {}
    /// Set by the export glue when the manifest provides `servers`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` implements `bex_pdk::Servers`, but manifest.yaml does not provide `servers`",
        label = "manifest.yaml does not provide `servers`",
        note = "add `servers: true` under `provides:` in manifest.yaml, or remove this impl"
    )]
    pub trait ServersProvided {}
    /// Set by the export glue when the manifest provides `stream`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` implements `bex_pdk::Streams`, but manifest.yaml does not provide `stream`",
        label = "manifest.yaml does not provide `stream`",
        note = "add `stream: true` under `provides:` in manifest.yaml, or remove this impl"
    )]
    pub trait StreamsProvided {}
    /// Set by the export glue when the manifest provides `subtitles`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` implements `bex_pdk::Subtitles`, but manifest.yaml does not provide `subtitles`",
        label = "manifest.yaml does not provide `subtitles`",
        note = "add `subtitles: true` under `provides:` in manifest.yaml, or remove this impl"
    )]
    pub trait SubtitlesProvided {}
    /// Set by the export glue when the manifest provides `articles`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` implements `bex_pdk::Articles`, but manifest.yaml does not provide `articles`",
        label = "manifest.yaml does not provide `articles`",
        note = "add `articles: true` under `provides:` in manifest.yaml, or remove this impl"
    )]
    pub trait ArticlesProvided {}
}

/// `home`: the start screen's sections.
#[diagnostic::on_unimplemented(
    message = "manifest.yaml provides `home`, but `{Self}` does not implement `bex_pdk::Home`",
    note = "add `impl bex_pdk::Home for {Self}`, or remove `home` from `provides` in manifest.yaml"
)]
pub trait Home: provides::HomeProvided {
    /// One page of home sections (`page` is `None` for the first).
    fn get_home(ctx: RequestContext, page: Option<String>) -> Result<HomePage>;
}

/// `category`: a paged list behind a section's "more" or a category id.
///
/// The trait takes the name `bex_pdk::Category`; the contract's record of
/// that name is `bex_pdk::types::Category` (build it with
/// [`records::category`]).
#[diagnostic::on_unimplemented(
    message = "manifest.yaml provides `category`, but `{Self}` does not implement `bex_pdk::Category`",
    note = "add `impl bex_pdk::Category for {Self}`, or remove `category` from `provides` in manifest.yaml"
)]
pub trait Category: provides::CategoryProvided {
    /// One page of the category `id`.
    fn get_category(ctx: RequestContext, id: String, page: Option<String>) -> Result<PagedResult>;
}

/// `search`: titles matching a query.
#[diagnostic::on_unimplemented(
    message = "manifest.yaml provides `search`, but `{Self}` does not implement `bex_pdk::Search`",
    note = "add `impl bex_pdk::Search for {Self}`, or remove `search` from `provides` in manifest.yaml"
)]
pub trait Search: provides::SearchProvided {
    /// One page of results for `query` narrowed by `filters`.
    fn search(
        ctx: RequestContext,
        query: String,
        filters: SearchFilters,
        page: Option<String>,
    ) -> Result<PagedResult>;
}

/// `info`: a title's details, seasons and episodes.
#[diagnostic::on_unimplemented(
    message = "manifest.yaml provides `info`, but `{Self}` does not implement `bex_pdk::Info`",
    note = "add `impl bex_pdk::Info for {Self}`, or remove `info` from `provides` in manifest.yaml"
)]
pub trait Info: provides::InfoProvided {
    /// The title `id` (an id the plugin returned earlier).
    fn get_info(ctx: RequestContext, id: String) -> Result<MediaInfo>;
}

/// `servers`: where a title or episode can be played from.
#[diagnostic::on_unimplemented(
    message = "manifest.yaml provides `servers`, but `{Self}` does not implement `bex_pdk::Servers`",
    note = "add `impl bex_pdk::Servers for {Self}`, or remove `servers` from `provides` in manifest.yaml"
)]
pub trait Servers: provides::ServersProvided {
    /// The servers of `id` (a `play-id` or an episode id).
    fn get_servers(ctx: RequestContext, id: String) -> Result<Vec<Server>>;
}

/// `streams`: a server resolved to playable urls.
#[diagnostic::on_unimplemented(
    message = "manifest.yaml provides `stream`, but `{Self}` does not implement `bex_pdk::Streams`",
    note = "add `impl bex_pdk::Streams for {Self}`, or remove `stream` from `provides` in manifest.yaml"
)]
pub trait Streams: provides::StreamsProvided {
    /// The streams behind `server` (as `get_servers` returned it).
    fn resolve_stream(ctx: RequestContext, server: Server) -> Result<Vec<StreamSource>>;
}

/// `subtitles`: search and download subtitle files.
#[diagnostic::on_unimplemented(
    message = "manifest.yaml provides `subtitles`, but `{Self}` does not implement `bex_pdk::Subtitles`",
    note = "add `impl bex_pdk::Subtitles for {Self}`, or remove `subtitles` from `provides` in manifest.yaml"
)]
pub trait Subtitles: provides::SubtitlesProvided {
    /// Subtitles matching `query`.
    fn search_subtitles(ctx: RequestContext, query: SubtitleQuery) -> Result<Vec<SubtitleEntry>>;
    /// The file of the entry `id` (as `search_subtitles` returned it), as UTF-8 text.
    fn download_subtitle(ctx: RequestContext, id: String) -> Result<SubtitleFile>;
}

/// `articles`: news and reading.
#[diagnostic::on_unimplemented(
    message = "manifest.yaml provides `articles`, but `{Self}` does not implement `bex_pdk::Articles`",
    note = "add `impl bex_pdk::Articles for {Self}`, or remove `articles` from `provides` in manifest.yaml"
)]
pub trait Articles: provides::ArticlesProvided {
    /// One page of article sections.
    fn get_articles(ctx: RequestContext, page: Option<String>) -> Result<ArticlePage>;
    /// Articles matching `query`.
    fn search_articles(
        ctx: RequestContext,
        query: String,
        page: Option<String>,
    ) -> Result<ArticlePage>;
}

/// Exports `$plugin` for every capability `manifest.yaml` provides, through
/// the kit's traits:
///
/// ```text
/// // build.rs: fn main() { bex_pdk::build::plugin() }
/// struct TvMaze;
/// impl bex_pdk::Search for TvMaze { /* ... */ }
/// bex_pdk::export_plugin!(TvMaze);
/// ```
///
/// The manifest is the one declaration: the plugin's `build.rs` calls
/// [`build::plugin`], which writes the world (the host imports and one export
/// per capability) and the glue this macro includes. A capability provided
/// without its trait impl, or a trait impl not provided, fails the build
/// naming manifest.yaml. A panic inside an operation is reported through
/// the host log before the call traps.
///
/// `export_plugin!(Plugin: [search, info])` is the form for a component with
/// no manifest (the engine's test components): it exports what the list
/// names from the crate's own `wit/` world. The list takes the manifest's
/// names (`streams`, the contract's interface name, too); another name is a
/// compile error that lists them.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ident) => {
        include!(concat!(
            env!(
                "OUT_DIR",
                "export_plugin!(Plugin) reads manifest.yaml through the plugin's build.rs: add a build.rs with `fn main() { bex_pdk::build::plugin() }` and bex-pdk under [build-dependencies] (docs/writing-plugins.md)"
            ),
            "/bex_plugin.rs"
        ));
        bex_plugin_exports!($plugin);
    };
    ($plugin:ident : [$($cap:ident),+ $(,)?]) => {
        $crate::export_plugin!(@bindings path: "wit",);
        $( $crate::export_plugin!(@impl $plugin, $cap); )+
        bex_plugin_bindings::export!($plugin with_types_in bex_plugin_bindings);
    };
    // The bindings module over the kit's imports, for a world given by
    // `path` (and `inline`): both forms above, and the glue `build::plugin`
    // writes, generate it here.
    (@bindings $($source:tt)*) => {
        #[doc(hidden)]
        #[allow(dead_code, clippy::all)]
        mod bex_plugin_bindings {
            $crate::wit_bindgen::generate!({
                $($source)*
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
    };
    (@impl $plugin:ident, home) => {
        impl $crate::provides::HomeProvided for $plugin {}
        impl bex_plugin_bindings::exports::bex::plugin::home::Guest for $plugin {
            fn get_home(ctx: $crate::RequestContext, page: Option<String>) -> $crate::Result<$crate::HomePage> {
                $crate::run(|| <$plugin as $crate::Home>::get_home(ctx, page))
            }
        }
    };
    (@impl $plugin:ident, category) => {
        impl $crate::provides::CategoryProvided for $plugin {}
        impl bex_plugin_bindings::exports::bex::plugin::category::Guest for $plugin {
            fn get_category(ctx: $crate::RequestContext, id: String, page: Option<String>) -> $crate::Result<$crate::PagedResult> {
                $crate::run(|| <$plugin as $crate::Category>::get_category(ctx, id, page))
            }
        }
    };
    (@impl $plugin:ident, search) => {
        impl $crate::provides::SearchProvided for $plugin {}
        impl bex_plugin_bindings::exports::bex::plugin::search::Guest for $plugin {
            fn search(ctx: $crate::RequestContext, query: String, filters: $crate::SearchFilters, page: Option<String>) -> $crate::Result<$crate::PagedResult> {
                $crate::run(|| <$plugin as $crate::Search>::search(ctx, query, filters, page))
            }
        }
    };
    (@impl $plugin:ident, info) => {
        impl $crate::provides::InfoProvided for $plugin {}
        impl bex_plugin_bindings::exports::bex::plugin::info::Guest for $plugin {
            fn get_info(ctx: $crate::RequestContext, id: String) -> $crate::Result<$crate::MediaInfo> {
                $crate::run(|| <$plugin as $crate::Info>::get_info(ctx, id))
            }
        }
    };
    (@impl $plugin:ident, servers) => {
        impl $crate::provides::ServersProvided for $plugin {}
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
        impl $crate::provides::StreamsProvided for $plugin {}
        impl bex_plugin_bindings::exports::bex::plugin::streams::Guest for $plugin {
            fn resolve_stream(ctx: $crate::RequestContext, server: $crate::Server) -> $crate::Result<Vec<$crate::StreamSource>> {
                $crate::run(|| <$plugin as $crate::Streams>::resolve_stream(ctx, server))
            }
        }
    };
    (@impl $plugin:ident, subtitles) => {
        impl $crate::provides::SubtitlesProvided for $plugin {}
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
        impl $crate::provides::ArticlesProvided for $plugin {}
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
