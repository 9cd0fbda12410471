//! A test plugin. Every capability echoes its input, so tests can check
//! the JSON mapping both ways; `search` misbehaves on request, its query
//! naming the behaviour (`loop`, `grow`, `panic`, `fetch:URL`...).
//!
//! Results can carry chosen hostile values, for the engine's result checks
//! (tests/results.rs):
//! - `search` `poster:URL`, `poster-header:NAME=VALUE`: a card's poster;
//! - `get-info` `info:FIELD=URL`: media info with URL in one image or
//!   trailer field (`poster`, `backdrop`, `logo`, `cast`, `thumbnail`,
//!   `trailer`, `recommendation`); other ids are not found;
//! - `get-servers` `url=URL`: the server's url;
//! - `resolve-stream`: the server's `extra` pairs `url`, `header:NAME`,
//!   `audio`, `subtitle`, `subtitle-header:NAME`, `license`,
//!   `license-header:NAME`, `certificate` set those parts of the stream,
//!   and `after-good` puts a clean stream first;
//! - `download-subtitle` `name=NAME`: the file name, verbatim;
//! - `search-articles` `url=URL`, `image=URL`: the article's url or image.
//!
//! Host limits (tests/host_limits.rs): `kvchurn:N` sets and removes N fresh
//! keys, `kvmany:N` sets N tiny keys, `secrets:N` asks for N undeclared
//! secrets, `log-controls` logs and prints text with control characters,
//! `handles:N` opens N WASI stream handles and never drops them,
//! `controls:N` returns a title of N control characters, `error-huge:N`
//! an error message of N bytes, `kvset-wait:K=V,MS` writes a key, logs
//! `written; waiting` and waits MS milliseconds in the host, `wasi-random:N`
//! asks WASI (not our `rng`) for N random bytes.

wit_bindgen::generate!({
    path: "../../../wit",
    world: "bex:plugin/plugin@1.0.0",
    generate_all,
});

mod memory;
mod playback;

use bex::plugin::types::*;
use bex::plugin::{clock, http, js, kv, log, rng, secrets};
use std::hint::black_box;

struct Hostile;

fn card(title: impl Into<String>) -> MediaCard {
    MediaCard {
        id: "card".into(),
        title: title.into(),
        kind: Some(MediaKind::Other),
        poster: None,
        backdrop: None,
        year: None,
        rating: None,
        genres: vec![],
        description: None,
        status: None,
        dub_status: DubStatus::empty(),
        episode_count: None,
        extra: vec![],
    }
}

fn page(items: Vec<MediaCard>) -> PagedResult {
    PagedResult {
        items,
        categories: vec![],
        next_page: None,
        total: None,
    }
}

fn one(title: impl Into<String>) -> Result<PagedResult, PluginError> {
    Ok(page(vec![card(title)]))
}

fn image(url: impl Into<String>) -> Image {
    Image {
        url: url.into(),
        width: None,
        height: None,
        headers: vec![],
    }
}

/// `NAME=VALUE` as a pair (a name may hold anything but `=`).
fn pair(arg: &str) -> (String, String) {
    let (k, v) = arg.split_once('=').unwrap_or((arg, ""));
    (k.to_string(), v.to_string())
}

fn recurse(n: u64) -> u64 {
    let mut pad = [0u8; 64];
    pad[0] = n as u8;
    black_box(&mut pad);
    if black_box(n) == u64::MAX {
        return 0;
    }
    recurse(n + 1) + u64::from(pad[0])
}

fn fetch(url: &str, follow: bool) -> Result<PagedResult, PluginError> {
    fetch_with(url, follow, http::CacheMode::NoStore)
}

fn fetch_with(
    url: &str,
    follow: bool,
    cache_mode: http::CacheMode,
) -> Result<PagedResult, PluginError> {
    let response = http::send_request(&http::Request {
        method: http::Method::Get,
        url: url.to_string(),
        headers: vec![
            ("X-Test".into(), "1".into()),
            ("Host".into(), "spoofed.example".into()),
        ],
        body: None,
        timeout_ms: Some(5_000),
        follow_redirects: follow,
        cache_mode,
        max_bytes: None,
    })
    .map_err(|e| PluginError::Network(format!("{e:?}")))?;
    let body = String::from_utf8_lossy(&response.body).into_owned();
    one(format!(
        "{} {} {}",
        response.status, response.final_url, body
    ))
}

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "wasi:cli/stdout@0.2.0")]
unsafe extern "C" {
    #[link_name = "get-stdout"]
    fn wasi_get_stdout() -> i32;
}

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "wasi:random/random@0.2.0")]
unsafe extern "C" {
    #[link_name = "get-random-bytes"]
    fn wasi_get_random_bytes(len: i64, ret: *mut usize);
}

/// How many bytes WASI's `get-random-bytes` gave for `len`.
#[cfg(target_arch = "wasm32")]
fn wasi_random_len(len: u64) -> usize {
    let mut ret = [0usize; 2];
    // SAFETY: the canonical ABI writes the list's pointer and length to
    // `ret` (8 bytes, aligned), allocating the bytes with our allocator.
    unsafe { wasi_get_random_bytes(len as i64, ret.as_mut_ptr()) };
    ret[1]
}

#[cfg(not(target_arch = "wasm32"))]
fn wasi_random_len(_len: u64) -> usize {
    0
}

/// A new handle to stdout, never dropped.
#[cfg(target_arch = "wasm32")]
fn leak_stdout_handle() -> i32 {
    // SAFETY: `get-stdout` takes nothing and returns a handle by value.
    unsafe { wasi_get_stdout() }
}

#[cfg(not(target_arch = "wasm32"))]
fn leak_stdout_handle() -> i32 {
    0
}

fn js_outcome(r: Result<String, js::JsError>) -> Result<PagedResult, PluginError> {
    one(match r {
        Ok(v) => format!("ok {v}"),
        Err(e) => format!("err {e:?}"),
    })
}

fn run(cmd: &str, arg: &str) -> Result<PagedResult, PluginError> {
    match cmd {
        "ok" => one("ok"),
        "loop" => {
            let mut i = 0u64;
            loop {
                i = black_box(i.wrapping_add(1));
            }
        }
        "burn" => {
            let n: u64 = arg.parse().unwrap_or(u64::MAX);
            let mut x = 1u64;
            for i in 0..n {
                x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
            }
            one(format!("burned {x}"))
        }
        "grow" => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 1 << 20]);
                black_box(&hoard);
            }
        }
        "recurse" => one(format!("{}", recurse(0))),
        "panic" => panic!("hostile panic: {arg}"),
        "huge" => {
            let n: usize = arg.parse().unwrap_or(100_000);
            Ok(page((0..n).map(|i| card(format!("{i:0>1000}"))).collect()))
        }
        "controls" => {
            // A title of N control characters: 6 bytes each as JSON.
            let n: usize = arg.parse().unwrap_or(1 << 20);
            Ok(page(vec![card("\u{1}".repeat(n))]))
        }
        "error-huge" => {
            let n: usize = arg.parse().unwrap_or(1 << 20);
            Err(PluginError::Internal("e".repeat(n)))
        }
        "fetch" => fetch(arg, true),
        "fetch-nofollow" => fetch(arg, false),
        "fetch-cached" => fetch_with(arg, true, http::CacheMode::Normal),
        "fetch-stale" => fetch_with(arg, true, http::CacheMode::ForceCache),
        "kvset" => {
            let (k, v) = arg.split_once('=').unwrap_or((arg, ""));
            kv::set(k, v.as_bytes()).map_err(|e| PluginError::Internal(format!("kv: {e:?}")))?;
            one("set")
        }
        "kvset-panic" => {
            let (k, v) = arg.split_once('=').unwrap_or((arg, ""));
            kv::set(k, v.as_bytes()).map_err(|e| PluginError::Internal(format!("kv: {e:?}")))?;
            panic!("after writing {k}");
        }
        "kvset-wait" => {
            // Writes, says so in the log, then waits MS in the host.
            let (kvpair, ms) = arg.rsplit_once(',').unwrap_or((arg, "1000"));
            let (k, v) = kvpair.split_once('=').unwrap_or((kvpair, ""));
            kv::set(k, v.as_bytes()).map_err(|e| PluginError::Internal(format!("kv: {e:?}")))?;
            log::write(log::Level::Info, "written; waiting");
            std::thread::sleep(std::time::Duration::from_millis(ms.parse().unwrap_or(1000)));
            one("waited")
        }
        "kvget" => match kv::get(arg).map_err(|e| PluginError::Internal(format!("kv: {e:?}")))? {
            Some(v) => one(String::from_utf8_lossy(&v).into_owned()),
            None => Err(PluginError::NotFound(format!("no key {arg}"))),
        },
        "kvkeys" => {
            let keys = kv::keys(arg).map_err(|e| PluginError::Internal(format!("kv: {e:?}")))?;
            one(keys.join(","))
        }
        "kvremove" => one(format!("{:?}", kv::remove(arg))),
        "kvfill" => {
            let n: usize = arg.parse().unwrap_or(10_000);
            for i in 0..n {
                if let Err(e) = kv::set(&format!("fill{i:05}"), &[7u8; 1000]) {
                    return Err(PluginError::Internal(format!("kv after {i} keys: {e:?}")));
                }
            }
            one(format!("wrote {n}"))
        }
        "kvchurn" => {
            // Sets and removes a fresh key each turn: nothing is ever
            // committed, so nothing should stay buffered.
            let n: usize = arg.parse().unwrap_or(20_000);
            for i in 0..n {
                let key = format!("churn{i:06}");
                if let Err(e) = kv::set(&key, b"x") {
                    return Err(PluginError::Internal(format!(
                        "kv set after {i} turns: {e:?}"
                    )));
                }
                if let Err(e) = kv::remove(&key) {
                    return Err(PluginError::Internal(format!(
                        "kv remove after {i} turns: {e:?}"
                    )));
                }
            }
            one(format!("churned {n}"))
        }
        "kvmany" => {
            // Many distinct tiny keys in one call: the buffer's count bound.
            let n: usize = arg.parse().unwrap_or(20_000);
            for i in 0..n {
                if let Err(e) = kv::set(&format!("m{i:06}"), b"x") {
                    return Err(PluginError::Internal(format!("kv after {i} keys: {e:?}")));
                }
            }
            one(format!("wrote {n}"))
        }
        "secrets" => {
            // Asks for many undeclared keys, each with a terminal escape.
            let n: usize = arg.parse().unwrap_or(1_000);
            let found = (0..n)
                .filter(|i| secrets::get(&format!("nope{i}\x1b[31m")).is_some())
                .count();
            one(format!("found {found}"))
        }
        "log-controls" => {
            log::write(log::Level::Info, "a\nb\x1b[31m\u{202e}c");
            println!("out\r\x1b[2J\u{200b}x");
            eprintln!("err\x07\u{feff}\u{85}y");
            one("logged")
        }
        "secret" => match secrets::get(arg) {
            Some(v) => one(v),
            None => Err(PluginError::Auth(format!("no secret {arg}"))),
        },
        "log" => {
            let n: usize = arg.parse().unwrap_or(1);
            for i in 0..n {
                log::write(log::Level::Info, &format!("line {i}"));
            }
            one("logged")
        }
        "print" => {
            println!("hello on stdout");
            eprintln!("hello on stderr");
            one("printed")
        }
        "sleep" => {
            let ms: u64 = arg.parse().unwrap_or(10);
            std::thread::sleep(std::time::Duration::from_millis(ms));
            one("slept")
        }
        "exit" => std::process::exit(3),
        "wasi-random" => one(format!(
            "{}",
            wasi_random_len(arg.parse().unwrap_or(1 << 20))
        )),
        "handles" => {
            // Opens N stdout streams and never drops them: the host's
            // per-call resource table must stop it.
            let n: usize = arg.parse().unwrap_or(1_000_000);
            for _ in 0..n {
                black_box(leak_stdout_handle());
            }
            one(format!("leaked {n}"))
        }
        "rng" => one(format!("{}", rng::bytes(arg.parse().unwrap_or(16)).len())),
        "js" => match js::eval_js("1 + 1", None) {
            Ok(v) => one(v),
            Err(e) => Err(PluginError::Unsupported(format!("{e:?}"))),
        },
        // JavaScript commands answer `ok RESULT` or `err ERROR` (the
        // js-error case in Debug form); fields are split by U+001F.
        "js-eval" => js_outcome(js::eval_js(arg, None)),
        "js-input" => {
            let (input, source) = arg.split_once('\u{1f}').unwrap_or(("null", arg));
            js_outcome(js::eval_js(source, Some(input)))
        }
        "js-opts" => {
            let mut f = arg.splitn(3, '\u{1f}');
            let (ms, bytes, source) = (
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
            );
            let opts = js::EvalOptions {
                timeout_ms: ms.parse().ok(),
                memory_limit_bytes: bytes.parse().ok(),
            };
            js_outcome(js::eval_js_opts(source, None, opts))
        }
        "js-call" => {
            let mut f = arg.splitn(3, '\u{1f}');
            let (name, source, args) = (
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
            );
            js_outcome(js::call_js_fn(name, source, args))
        }
        "js-repeat" => {
            // N calls of one function, for the benchmarks: the last result.
            let mut f = arg.splitn(4, '\u{1f}');
            let (n, name, source, args) = (
                f.next().unwrap_or("1"),
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
            );
            let mut last = js::call_js_fn(name, source, args);
            for _ in 1..n.parse::<u32>().unwrap_or(1) {
                last = js::call_js_fn(name, source, args);
            }
            js_outcome(last)
        }
        "js-clear" => one(format!("{}", js::clear_js_fn(arg))),
        "time" => one(format!("{} {}", clock::now_ms(), clock::monotonic())),
        // `mem-write:PATTERN`, `mem-scan:PATTERN`, `mem-both:PATTERN`.
        "mem-write" => one(format!("{}", memory::write(arg, 8))),
        "mem-scan" => one(format!("{}", memory::scan(arg))),
        "mem-both" => {
            memory::write(arg, 1);
            one(format!("{}", memory::scan(arg)))
        }
        "poster" => {
            let mut c = card("poster");
            c.poster = Some(image(arg));
            Ok(page(vec![c]))
        }
        "poster-header" => {
            let mut c = card("poster");
            let mut i = image("https://img.example.org/p.jpg");
            i.headers.push(pair(arg));
            c.poster = Some(i);
            Ok(page(vec![c]))
        }
        other => Err(PluginError::InvalidInput(format!(
            "unknown command {other:?}"
        ))),
    }
}

impl exports::bex::plugin::search::Guest for Hostile {
    fn search(
        ctx: RequestContext,
        query: String,
        filters: SearchFilters,
        page_cursor: Option<String>,
    ) -> Result<PagedResult, PluginError> {
        if query == "echo" {
            let mut c = card(format!(
                "{}|{:?}|{:?}",
                ctx.request_id, ctx.locale, ctx.region
            ));
            c.kind = filters.kind;
            c.year = filters.year;
            c.genres = filters.genre.into_iter().collect();
            c.extra = ctx.extra;
            c.extra
                .push(("deadline_ms".into(), ctx.deadline_ms.to_string()));
            c.extra.push(("sort".into(), format!("{:?}", filters.sort)));
            c.description = page_cursor;
            return Ok(page(vec![c]));
        }
        let (cmd, arg) = query.split_once(':').unwrap_or((&query, ""));
        run(cmd, arg)
    }
}

impl exports::bex::plugin::home::Guest for Hostile {
    fn get_home(
        _ctx: RequestContext,
        page_cursor: Option<String>,
    ) -> Result<HomePage, PluginError> {
        Ok(HomePage {
            sections: vec![HomeSection {
                id: "s".into(),
                title: "Section".into(),
                subtitle: None,
                items: vec![card("home")],
                more: Some("all".into()),
                layout: CardLayout::List,
                show_rank: true,
                categories: vec![Category {
                    id: "all".into(),
                    title: "All".into(),
                    image: None,
                }],
                extra: vec![],
            }],
            next_page: page_cursor.map(|p| format!("{p}+1")),
        })
    }
}

impl exports::bex::plugin::category::Guest for Hostile {
    fn get_category(
        _ctx: RequestContext,
        id: String,
        page_cursor: Option<String>,
    ) -> Result<PagedResult, PluginError> {
        one(format!("{id}/{}", page_cursor.unwrap_or_default()))
    }
}

impl exports::bex::plugin::info::Guest for Hostile {
    fn get_info(_ctx: RequestContext, id: String) -> Result<MediaInfo, PluginError> {
        let Some((field, url)) = id.strip_prefix("info:").and_then(|r| r.split_once('=')) else {
            return Err(PluginError::NotFound(format!("no media {id}")));
        };
        let at = |f: &str| (field == f).then(|| image(url));
        let mut recommendation = card("more");
        recommendation.poster = at("recommendation");
        Ok(MediaInfo {
            id: id.clone(),
            title: "Info".into(),
            original_title: None,
            kind: Some(MediaKind::Series),
            poster: at("poster"),
            backdrop: at("backdrop"),
            logo: at("logo"),
            year: None,
            end_year: None,
            rating: None,
            genres: vec![],
            tags: vec![],
            description: None,
            status: None,
            runtime_minutes: None,
            content_rating: None,
            cast: vec![Person {
                name: "Someone".into(),
                role: None,
                image: at("cast"),
            }],
            external_ids: vec![],
            dub_status: DubStatus::empty(),
            seasons: vec![Season {
                number: 1,
                id: None,
                title: None,
                episodes: vec![Episode {
                    id: "e1".into(),
                    number: Some(1.0),
                    season: Some(1),
                    title: None,
                    description: None,
                    thumbnail: at("thumbnail"),
                    air_date: None,
                    runtime_minutes: None,
                    dub_status: DubStatus::empty(),
                    filler: false,
                    extra: vec![],
                }],
            }],
            play_id: None,
            trailers: if field == "trailer" {
                vec![url.to_string()]
            } else {
                vec![]
            },
            recommendations: vec![recommendation],
            extra: vec![],
        })
    }
}

impl exports::bex::plugin::articles::Guest for Hostile {
    fn get_articles(
        _ctx: RequestContext,
        page_cursor: Option<String>,
    ) -> Result<ArticlePage, PluginError> {
        Ok(ArticlePage {
            sections: vec![],
            next_page: page_cursor,
        })
    }

    fn search_articles(
        _ctx: RequestContext,
        query: String,
        _page: Option<String>,
    ) -> Result<ArticlePage, PluginError> {
        Ok(ArticlePage {
            sections: vec![ArticleSection {
                id: "results".into(),
                title: query.clone(),
                items: vec![Article {
                    id: "a1".into(),
                    url: query.strip_prefix("url=").map(str::to_string),
                    image: query.strip_prefix("image=").map(image),
                    title: query,
                    summary: None,
                    author: None,
                    published_at: Some(1_700_000_000_000),
                    content: None,
                    tags: vec![],
                    extra: vec![],
                }],
            }],
            next_page: None,
        })
    }
}

export!(Hostile);
