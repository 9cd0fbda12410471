//! Calling an export with typed values: arguments lowered from the
//! contract's Rust types (`crate::types`), the result lifted straight into
//! them, checked (`vet::typed`) and written as the JSON of docs/json.md
//! in one pass. No dynamic `Val` trees and no intermediate JSON values.

use serde::Serialize;
use wasmtime::Store;
use wasmtime::component::{ComponentExportIndex, ComponentNamedList, Instance, Lift, Lower};

use super::request::Request;
use super::vet::{self, Policy};
use crate::host::HostState;
use crate::types::{
    ArticlePage, HomePage, MediaInfo, PagedResult, PluginError, RequestContext, SearchFilters,
    Server, StreamSource, SubtitleEntry, SubtitleFile, SubtitleQuery,
};

/// An operation's arguments after the request context.
#[derive(Clone, Debug)]
pub(crate) enum Args {
    Home(Option<String>),
    Category(String, Option<String>),
    Search(String, SearchFilters, Option<String>),
    Info(String),
    Servers(String),
    Stream(Server),
    SearchSubtitles(SubtitleQuery),
    DownloadSubtitle(String),
    Articles(Option<String>),
    SearchArticles(String, Option<String>),
}

impl Args {
    /// The typed arguments of `request`. Structured arguments are JSON in
    /// the mapping of docs/json.md, already checked against the export's
    /// types; a failure here names the argument.
    pub fn of(request: &Request) -> Result<Args, String> {
        fn typed<T: serde::de::DeserializeOwned>(
            what: &str,
            v: &serde_json::Value,
        ) -> Result<T, String> {
            serde_path_to_error::deserialize(v).map_err(|e| field_error(what, &e))
        }
        Ok(match request {
            Request::Home { page } => Args::Home(page.clone()),
            Request::Category { id, page } => Args::Category(id.clone(), page.clone()),
            Request::Search {
                query,
                filters,
                page,
            } => Args::Search(query.clone(), typed("filters", filters)?, page.clone()),
            Request::Info { id } => Args::Info(id.clone()),
            Request::Servers { id } => Args::Servers(id.clone()),
            Request::Stream { server } => Args::Stream(typed("server", server)?),
            Request::SearchSubtitles { query } => Args::SearchSubtitles(typed("query", query)?),
            Request::DownloadSubtitle { id } => Args::DownloadSubtitle(id.clone()),
            Request::Articles { page } => Args::Articles(page.clone()),
            Request::SearchArticles { query, page } => {
                Args::SearchArticles(query.clone(), page.clone())
            }
        })
    }
}

/// A decoding error as `argument.path.to.field: problem`: a missing field
/// is `server.name: missing`, an unknown one `server.surprise: unknown
/// field (expected id, name, ...)`, a wrong value names what was expected.
fn field_error(what: &str, e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let mut path = what.to_string();
    for segment in e.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => path.push_str(&format!(".{key}")),
            serde_path_to_error::Segment::Enum { variant } => path.push_str(&format!(".{variant}")),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    let inner = e.inner().to_string();
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_string);
    if let Some(rest) = inner.strip_prefix("missing field ")
        && let Some(field) = quoted(rest)
    {
        return format!("{path}.{field}: missing");
    }
    if let Some(rest) = inner.strip_prefix("unknown field ")
        && let Some(field) = quoted(rest)
    {
        let expected: Vec<&str> = rest.split('`').skip(3).step_by(2).collect();
        // The path already ends at the unknown key.
        if !path.ends_with(&format!(".{field}")) {
            path = format!("{path}.{field}");
        }
        return format!("{path}: unknown field (expected {})", expected.join(", "));
    }
    format!("{path}: {inner}")
}

/// What a call hands back: JSON text (the C ABI, the CLI, `Engine::call`)
/// or the typed value (the typed Rust API).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Output {
    Json,
    Value,
}

/// A checked result in the form asked for.
pub(crate) enum Payload {
    Json(String),
    /// The operation's result type (`PagedResult`, `Vec<Server>`...).
    Value(Box<dyn std::any::Any + Send>),
}

/// What the plugin returned.
pub(crate) enum Returned {
    /// The result, checked.
    Ok(Payload),
    /// The plugin's own error.
    Error(PluginError),
    /// A field the player must not act on (the violation, for the fault).
    Refused(String),
    /// The JSON would be more than the limit: writing stopped there.
    TooLarge,
}

/// How a result is finished: checked with `policy`, at most `max_bytes`
/// of JSON, handed back as `output`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Finish {
    pub policy: Policy,
    pub max_bytes: usize,
    pub output: Output,
}

/// Calls `func` of `instance` with `ctx` and `args`, and turns the result
/// into [`Returned`].
pub(crate) fn invoke(
    store: &mut Store<HostState>,
    instance: &Instance,
    func: &ComponentExportIndex,
    ctx: RequestContext,
    args: Args,
    how: Finish,
) -> wasmtime::Result<Returned> {
    let (s, i, f) = (store, instance, func);
    let (p, m) = ((how.policy, how.output), how.max_bytes);
    Ok(match args {
        Args::Home(page) => finish(call::<_, HomePage>(s, i, f, (ctx, page))?, p, m),
        Args::Category(id, page) => finish(call::<_, PagedResult>(s, i, f, (ctx, id, page))?, p, m),
        Args::Search(query, filters, page) => finish(
            call::<_, PagedResult>(s, i, f, (ctx, query, filters, page))?,
            p,
            m,
        ),
        Args::Info(id) => finish(call::<_, MediaInfo>(s, i, f, (ctx, id))?, p, m),
        Args::Servers(id) => finish(call::<_, Vec<Server>>(s, i, f, (ctx, id))?, p, m),
        Args::Stream(server) => finish(call::<_, Vec<StreamSource>>(s, i, f, (ctx, server))?, p, m),
        Args::SearchSubtitles(query) => {
            finish(call::<_, Vec<SubtitleEntry>>(s, i, f, (ctx, query))?, p, m)
        }
        Args::DownloadSubtitle(id) => finish(call::<_, SubtitleFile>(s, i, f, (ctx, id))?, p, m),
        Args::Articles(page) => finish(call::<_, ArticlePage>(s, i, f, (ctx, page))?, p, m),
        Args::SearchArticles(query, page) => {
            finish(call::<_, ArticlePage>(s, i, f, (ctx, query, page))?, p, m)
        }
    })
}

/// The typed call itself; the export's type is checked against `P` and
/// `R` (a plugin whose types drift from the contract fails here).
fn call<P, R>(
    store: &mut Store<HostState>,
    instance: &Instance,
    func: &ComponentExportIndex,
    params: P,
) -> wasmtime::Result<Result<R, PluginError>>
where
    P: ComponentNamedList + Lower + Send + Sync + 'static,
    R: Lift + Send + Sync + 'static,
{
    let typed = instance.get_typed_func::<P, (Result<R, PluginError>,)>(&mut *store, func)?;
    Ok(typed.call(&mut *store, params)?.0)
}

fn finish<R: Serialize + Send + 'static>(
    result: Result<R, PluginError>,
    (policy, output): (Policy, Output),
    max: usize,
) -> Returned {
    let value = match result {
        Ok(v) => v,
        Err(e) => return Returned::Error(e),
    };
    // The player acts on what passes: fetches its urls, sends its headers,
    // writes its files.
    if output == Output::Value {
        return match vet::typed::check(&value, policy) {
            Err(v) => Returned::Refused(v.to_string()),
            Ok(()) => Returned::Ok(Payload::Value(Box::new(value))),
        };
    }
    match vet::write_checked(&value, policy, |v| to_json_capped(v, max)) {
        vet::Written::Json(json) => Returned::Ok(Payload::Json(json)),
        vet::Written::Refused(v) => Returned::Refused(v),
        vet::Written::Failed => Returned::TooLarge,
    }
}

/// Most bytes of a plugin's error message passed on; a longer one is cut
/// at a character boundary and marked `… (truncated from N bytes)`.
pub const MAX_PLUGIN_ERROR_BYTES: usize = 4096;

/// `message`, cut to [`MAX_PLUGIN_ERROR_BYTES`] with a marker.
pub(crate) fn cap_error_text(message: &str) -> String {
    if message.len() <= MAX_PLUGIN_ERROR_BYTES {
        return message.to_string();
    }
    let mut end = MAX_PLUGIN_ERROR_BYTES;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… (truncated from {} bytes)",
        &message[..end],
        message.len()
    )
}

/// The JSON of `value` if it is at most `max` bytes. The size is checked
/// as the JSON is written, so a result that escapes to many times its
/// size (control characters: six bytes each) never exists whole.
fn to_json_capped<T: Serialize>(value: &T, max: usize) -> Option<String> {
    let mut out = Capped {
        buf: Vec::with_capacity(max.min(16 << 10)),
        max,
    };
    serde_json::to_writer(&mut out, value).ok()?;
    Some(String::from_utf8(out.buf).expect("serde_json writes UTF-8"))
}

/// A buffer that refuses to grow past `max` bytes. serde_json writes a
/// token at a time: the writes stay inlined, the refusal out of line.
struct Capped {
    buf: Vec<u8>,
    max: usize,
}

impl Capped {
    #[inline]
    fn push(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.buf.len() + bytes.len() > self.max {
            return Err(over_the_limit());
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }
}

#[cold]
fn over_the_limit() -> std::io::Error {
    std::io::Error::other("over the result size limit")
}

impl std::io::Write for Capped {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.push(bytes).map(|()| bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.push(bytes)
    }

    #[inline]
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The `kind` and message of a plugin error, as docs/json.md names them.
pub(crate) fn error_parts(e: &PluginError) -> (&'static str, &str) {
    match e {
        PluginError::Network(m) => ("network", m),
        PluginError::Parse(m) => ("parse", m),
        PluginError::NotFound(m) => ("not_found", m),
        PluginError::Unsupported(m) => ("unsupported", m),
        PluginError::RateLimited(m) => ("rate_limited", m),
        PluginError::InvalidInput(m) => ("invalid_input", m),
        PluginError::Auth(m) => ("auth", m),
        PluginError::Internal(m) => ("internal", m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_capped_as_it_is_written() {
        let title = "\u{1}".repeat(100_000);
        let whole = serde_json::to_string(&title).unwrap();
        assert_eq!(to_json_capped(&title, whole.len()), Some(whole.clone()));
        assert_eq!(to_json_capped(&title, whole.len() - 1), None);
        // Writing stops at the limit: the buffer never holds more.
        let mut out = Capped {
            buf: Vec::new(),
            max: 1000,
        };
        assert!(serde_json::to_writer(&mut out, &title).is_err());
        assert!(out.buf.len() <= 1000, "{}", out.buf.len());
    }

    #[test]
    fn error_text_is_cut_at_a_character_boundary_with_a_marker() {
        assert_eq!(cap_error_text("short"), "short");
        let exact = "e".repeat(MAX_PLUGIN_ERROR_BYTES);
        assert_eq!(cap_error_text(&exact), exact);
        // Three-byte characters straddle the limit.
        let long = "€".repeat(MAX_PLUGIN_ERROR_BYTES);
        let cut = cap_error_text(&long);
        let marker = format!("… (truncated from {} bytes)", long.len());
        assert!(cut.ends_with(&marker), "{cut}");
        let kept = &cut[..cut.len() - marker.len()];
        assert!(kept.len() <= MAX_PLUGIN_ERROR_BYTES && kept.chars().all(|c| c == '€'));
        assert_eq!(kept.len(), MAX_PLUGIN_ERROR_BYTES / 3 * 3);
    }

    #[test]
    fn argument_errors_name_the_field() {
        let err = |server: serde_json::Value| match Args::of(&Request::Stream { server }) {
            Err(e) => e,
            Ok(_) => panic!("decoded"),
        };
        use serde_json::json;
        assert_eq!(err(json!({"id": "x"})), "server.name: missing");
        assert_eq!(
            err(json!({"id": "x", "name": "n", "extra": [["a", 1]]})),
            "server.extra[0][1]: invalid type: integer `1`, expected a string"
        );
        assert_eq!(
            err(json!({"id": "x", "name": "n", "dub_status": ["loud"]})),
            "server.dub_status: unknown variant `loud`, expected `subbed` or `dubbed`"
        );
        assert!(
            err(json!({"id": "x", "name": "n", "oops": 1}))
                .starts_with("server.oops: unknown field (expected id, name, url,")
        );
        let filters = Args::of(&Request::Search {
            query: "q".into(),
            filters: json!({"kind": "opera"}),
            page: None,
        });
        assert!(
            matches!(filters, Err(e) if e.starts_with("filters.kind: unknown variant `opera`"))
        );
    }
}
