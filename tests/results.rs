//! What a plugin returns is checked before the player sees it: every url
//! is http(s) to a public host, every header is one a plugin may set, a
//! subtitle file name is a bare base name. A violation fails the call with
//! `PLUGIN_FAULT` naming the field's path in the result JSON; a clean
//! result comes back byte for byte as before.

mod common;

use std::time::Duration;

use bex_engine::{EngineConfig, ErrorCode, Request, Result};
use common::{Hostile, TestEngine, title};
use serde_json::json;

const ID: &str = "bex.hostile";

/// An engine with the test plugin. These tests fault on purpose, one after
/// another: the circuit breaker would turn later faults into CIRCUIT_OPEN.
fn engine_with(configure: impl FnOnce(EngineConfig) -> EngineConfig) -> TestEngine {
    let t = TestEngine::new(|c| configure(c.circuit_breaker(0, Duration::ZERO)));
    Hostile::default().install(&t.engine);
    t
}

fn engine() -> TestEngine {
    engine_with(|c| c)
}

/// `resolve-stream` of a clean server whose `extra` pairs steer the
/// plugin (tests/plugins/hostile: `url`, `header:NAME`, `subtitle`...).
fn stream(t: &TestEngine, extra: &[(&str, &str)]) -> Result<String> {
    t.engine.call(
        ID,
        &Request::Stream {
            server: json!({
                "id": "s1",
                "name": "Test",
                "url": "https://media.example.org/embed/1",
                "quality": 720,
                "extra": extra,
            }),
        },
    )
}

fn info(t: &TestEngine, field: &str, url: &str) -> Result<String> {
    t.engine.call(
        ID,
        &Request::Info {
            id: format!("info:{field}={url}"),
        },
    )
}

fn subtitle_named(t: &TestEngine, name: &str) -> Result<String> {
    t.engine.call(
        ID,
        &Request::DownloadSubtitle {
            id: format!("name={name}"),
        },
    )
}

/// Expects `PLUGIN_FAULT` whose reason is `result check: PATH: ...`
/// mentioning `why`; then checks the plugin still answers.
fn refused(t: &TestEngine, result: Result<String>, path: &str, why: &str) {
    let err = match result {
        Ok(json) => panic!("{path} ({why}) passed: {json}"),
        Err(e) => e,
    };
    let msg = err.to_string();
    assert_eq!(err.code(), ErrorCode::PluginFault, "{path}: {msg}");
    assert!(
        msg.contains(&format!("plugin fault: result check: {path}: ")),
        "wanted the path {path}: {msg}"
    );
    assert!(msg.contains(why), "wanted {why:?}: {msg}");
    assert_eq!(title(&t.search(ID, "ok").unwrap()), "ok", "after {path}");
}

#[test]
fn urls_that_are_not_absolute_http_are_refused() {
    let t = engine();
    for (url, why) in [
        ("file:///etc/passwd", "scheme \"file\""),
        ("FILE:///etc/passwd", "scheme \"file\""),
        (
            "data:text/html,<script>alert(1)</script>",
            "scheme \"data\"",
        ),
        ("javascript:alert(1)", "scheme \"javascript\""),
        ("ftp://media.example.org/a.m3u8", "scheme \"ftp\""),
        ("/master.m3u8", "not an absolute url"),
        ("master.m3u8", "not an absolute url"),
        ("//media.example.org/a.m3u8", "not an absolute url"),
        ("", "empty"),
        ("https://", "not a valid url"),
        ("https://media.example.org/a b.m3u8", "a space"),
    ] {
        refused(&t, stream(&t, &[("url", url)]), "[0].url", why);
    }
}

#[test]
fn urls_with_user_names_or_passwords_are_refused() {
    let t = engine();
    for url in [
        "https://user:secret@media.example.org/a.m3u8",
        "https://user@media.example.org/a.m3u8",
        "https://@media.example.org/a.m3u8",
    ] {
        refused(&t, stream(&t, &[("url", url)]), "[0].url", "user names");
    }
}

#[test]
fn urls_naming_private_addresses_or_local_names_are_refused() {
    let t = engine();
    for (url, why) in [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://127.0.0.1:631/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://10.0.0.7/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://0.0.0.0:8080/", "unspecified"),
        // Forms a resolver reads as IPv4 (inet_aton, the WHATWG url spec).
        ("http://2130706433/", "loopback"),
        ("http://0x7f.1/", "loopback"),
        ("http://127.1/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://1.2.3.4.5/", "IPv4"),
        ("http://example.0x10/", "IPv4"),
        ("http://localhost/", "localhost"),
        ("http://LOCALHOST:8080/", "localhost"),
        ("http://localhost./", "localhost"),
        ("http://api.localhost/", "localhost"),
        ("http://printer.local/", "local-network name"),
        ("http://nas.home.arpa/", "local-network name"),
        ("http://metadata.google.internal/", "local-network name"),
        ("http://router/", "single-label"),
        ("http://127.0.0.%31/", "not a valid url"),
        ("http://127.0.0.1!.example.org/", "not a host name"),
    ] {
        refused(&t, stream(&t, &[("url", url)]), "[0].url", why);
    }
}

#[test]
fn public_urls_pass() {
    let t = engine();
    for url in [
        "https://cdn.example.org/v/master.m3u8?token=a%20b#t=10",
        "http://cdn.example.org:8080/v.mp4",
        "HTTPS://CDN.Example.ORG./v.mp4",
        "https://93.184.216.34/v.mp4",
        "https://[2606:4700:4700::1111]/v.mp4",
        "https://xn--bcher-kva.example/v.mp4",
        "https://local.example.org/v.mp4",
    ] {
        let json = stream(&t, &[("url", url)]).unwrap_or_else(|e| panic!("{url}: {e}"));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["url"], url, "passed unchanged");
    }
}

#[test]
fn allow_private_networks_lets_local_urls_through() {
    let t = engine_with(|c| c.allow_private_networks(true));
    for url in [
        "http://127.0.0.1:631/",
        "http://[::1]:8080/a.m3u8",
        "http://localhost:8080/a.m3u8",
        "http://10.0.0.7/a.m3u8",
        "http://printer.local/a.m3u8",
        "http://router/a.m3u8",
    ] {
        let json = stream(&t, &[("url", url)]).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(json.contains(url), "{json}");
    }
    // The other rules still hold.
    refused(
        &t,
        stream(&t, &[("url", "file:///etc/passwd")]),
        "[0].url",
        "scheme",
    );
    refused(
        &t,
        stream(&t, &[("url", "http://u:p@127.0.0.1/")]),
        "[0].url",
        "user names",
    );
    refused(
        &t,
        stream(&t, &[("header:Host", "127.0.0.1")]),
        "[0].headers[1]",
        "\"Host\" is not allowed",
    );
}

#[test]
fn the_message_names_the_field_and_what_to_fix() {
    let t = engine();
    let err = stream(&t, &[("header:Host", "internal.example")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bex.hostile resolve_stream: plugin fault: result check: [0].headers[1]: \
         header \"Host\" is not allowed (a plugin may not set it)"
    );
}

#[test]
fn headers_a_plugin_may_not_set_are_refused() {
    let t = engine();
    for (name, why) in [
        ("Host", "header \"Host\" is not allowed"),
        ("content-length", "header \"content-length\" is not allowed"),
        ("Transfer-Encoding", "is not allowed"),
        ("Connection", "is not allowed"),
        ("Keep-Alive", "is not allowed"),
        ("Upgrade", "is not allowed"),
        ("Proxy-Authorization", "is not allowed"),
        ("X Forwarded", "not a valid header name"),
        ("X-Bad:Name", "not a valid header name"),
        ("", "empty header name"),
        ("X-Caf\u{e9}", "not a valid header name"),
    ] {
        refused(
            &t,
            stream(&t, &[(&format!("header:{name}"), "1")]),
            "[0].headers[1]",
            why,
        );
    }
}

#[test]
fn header_values_are_visible_ascii_space_and_tab_only() {
    let t = engine();
    for (value, why) in [
        ("a\r\nX-Injected: 1", "carriage return"),
        ("a\nb", "line feed"),
        ("a\rb", "carriage return"),
        ("a\0b", "NUL"),
        ("a\u{7}b", "control character"),
        ("a\u{7f}b", "control character"),
        // Beyond ASCII: a player that narrows text to bytes turns
        // U+010D U+010A into CR LF; C1 controls and line separators.
        ("a\u{10d}\u{10a}X-Injected: 1", "U+010D"),
        ("a\u{85}b", "U+0085"),
        ("a\u{2028}b", "U+2028"),
        ("caf\u{e9}", "U+00E9"),
    ] {
        refused(
            &t,
            stream(&t, &[("header:X-Token", value)]),
            "[0].headers[1]",
            why,
        );
    }
    // Ordinary headers pass: cookies, tabs, every visible ASCII character.
    let visible: String = (0x20u8..0x7f).map(char::from).collect();
    let ok = stream(
        &t,
        &[
            ("header:Cookie", "a=1; b=2"),
            ("header:User-Agent", "Mozilla/5.0 (X11)\tx"),
            ("header:X-Visible", &visible),
            ("header:x-empty", ""),
        ],
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn every_url_and_header_of_a_stream_is_checked() {
    let t = engine();
    let bad = "http://127.0.0.1/";
    for (knob, value, path, why) in [
        ("audio", bad, "[0].audio_tracks[0].url", "loopback"),
        ("subtitle", bad, "[0].subtitles[0].url", "loopback"),
        (
            "subtitle-header:Host",
            "x",
            "[0].subtitles[0].headers[0]",
            "\"Host\"",
        ),
        ("license", "file:///x", "[0].drm.license_url", "scheme"),
        (
            "license-header:Connection",
            "close",
            "[0].drm.headers[0]",
            "\"Connection\"",
        ),
        (
            "license-header:X-Token",
            "a\nb",
            "[0].drm.headers[0]",
            "line feed",
        ),
        ("certificate", bad, "[0].drm.certificate_url", "loopback"),
    ] {
        refused(&t, stream(&t, &[(knob, value)]), path, why);
    }
    // The index is the stream's place in the result.
    refused(
        &t,
        stream(&t, &[("after-good", ""), ("url", bad)]),
        "[1].url",
        "loopback",
    );
    // Optional urls may be absent; present ones must be good.
    let ok = stream(
        &t,
        &[
            ("audio", "https://media.example.org/de.m4a"),
            ("certificate", "https://license.example.org/cert"),
        ],
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn urls_in_cards_info_servers_and_articles_are_checked() {
    let t = engine();
    let bad = "http://169.254.169.254/";
    refused(
        &t,
        t.search(ID, &format!("poster:{bad}")),
        "items[0].poster.url",
        "link-local",
    );
    refused(
        &t,
        t.search(ID, "poster-header:Transfer-Encoding=chunked"),
        "items[0].poster.headers[0]",
        "\"Transfer-Encoding\"",
    );
    for (field, path) in [
        ("poster", "poster.url"),
        ("backdrop", "backdrop.url"),
        ("logo", "logo.url"),
        ("cast", "cast[0].image.url"),
        ("thumbnail", "seasons[0].episodes[0].thumbnail.url"),
        ("trailer", "trailers[0]"),
        ("recommendation", "recommendations[0].poster.url"),
    ] {
        refused(&t, info(&t, field, bad), path, "link-local");
        let good = info(&t, field, "https://img.example.org/x.jpg");
        assert!(good.is_ok(), "{field}: {good:?}");
    }
    refused(
        &t,
        t.engine.call(
            ID,
            &Request::Servers {
                id: "url=javascript:alert(1)".into(),
            },
        ),
        "[0].url",
        "scheme \"javascript\"",
    );
    for (query, path, why) in [
        (
            "url=file:///etc/passwd",
            "sections[0].items[0].url",
            "scheme \"file\"",
        ),
        (
            "image=http://localhost/x.png",
            "sections[0].items[0].image.url",
            "localhost",
        ),
    ] {
        refused(
            &t,
            t.engine.call(
                ID,
                &Request::SearchArticles {
                    query: query.into(),
                    page: None,
                },
            ),
            path,
            why,
        );
    }
}

#[test]
fn subtitle_file_names_must_be_bare_base_names() {
    let t = engine();
    for (name, why) in [
        ("../../.config/autostart/x.desktop", "\"/\""),
        ("subs/en.srt", "\"/\""),
        ("/etc/passwd", "\"/\""),
        ("..\\..\\x.srt", "\"\\\""),
        ("C:\\x.srt", "\"\\\""),
        ("..", "\"..\""),
        (".", "\".\""),
        ("", "empty"),
        ("en\0.srt", "NUL"),
        ("en\n.srt", "line feed"),
        ("en\u{1b}.srt", "control character"),
        ("en\u{85}.srt", "control character"),
        ("en\u{9b}.srt", "control character"),
        ("x\u{202e}trs.exe", "bidirectional"),
        ("x\u{2066}.srt", "bidirectional"),
        ("x\u{200f}.srt", "bidirectional"),
        ("..\u{ff0f}x.srt", "U+FF0F"),
        ("..\u{ff3c}x.srt", "U+FF3C"),
    ] {
        refused(&t, subtitle_named(&t, name), "file_name", why);
    }
    refused(
        &t,
        subtitle_named(&t, &"a".repeat(256)),
        "file_name",
        "255 bytes",
    );
    for name in ["en.srt", "Night:de.srt", "...srt", "Ünïcødé (1).vtt"] {
        let json = subtitle_named(&t, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["file_name"], name);
    }
}

#[test]
fn refused_results_count_for_the_circuit_breaker() {
    let t = TestEngine::new(|c| c.circuit_breaker(2, Duration::from_secs(3600)));
    Hostile::default().install(&t.engine);
    for _ in 0..2 {
        let err = stream(&t, &[("url", "file:///etc/passwd")]).unwrap_err();
        assert_eq!(err.code(), ErrorCode::PluginFault, "{err}");
    }
    let err = stream(&t, &[]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::CircuitOpen, "{err}");
}

/// Clean results, as the engine returned them before results were
/// checked: the check changes nothing it lets through.
#[test]
fn clean_results_are_byte_identical() {
    let t = engine();
    let call = |r: Request| t.engine.call(ID, &r).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stream(&t, &[]).unwrap(), CLEAN_STREAM);
    assert_eq!(call(Request::Servers { id: "ep$1".into() }), CLEAN_SERVERS);
    assert_eq!(call(Request::Home { page: None }), CLEAN_HOME);
    assert_eq!(
        call(Request::Info {
            id: "info:poster=https://img.example.org/p.jpg".into()
        }),
        CLEAN_INFO
    );
    assert_eq!(
        call(Request::DownloadSubtitle {
            id: "Night:de".into()
        }),
        CLEAN_SUBTITLE
    );
    assert_eq!(
        call(Request::SearchArticles {
            query: "url=https://news.example.org/a/1".into(),
            page: None
        }),
        CLEAN_ARTICLES
    );
}

const CLEAN_STREAM: &str = r#"[{"url":"https://media.example.org/embed/1/master.m3u8","container":"hls","mime_type":"application/vnd.apple.mpegurl","quality":720,"label":"Test","headers":[["Referer","https://media.example.org/"]],"audio_tracks":[],"subtitles":[{"url":"https://media.example.org/en.vtt","format":"vtt","language":"en","label":null,"headers":[],"forced":false,"hearing_impaired":true,"is_default":true}],"expires_at":1900000000000,"drm":{"scheme":"widevine","license_url":"https://license.example.org/","headers":[],"certificate_url":null},"extra":[]}]"#;
const CLEAN_SERVERS: &str = r#"[{"id":"ep$1$srv=1","name":"Test server","url":"https://media.example.org/embed/1","language":"en","dub_status":["subbed","dubbed"],"quality":1080,"extra":[["k","v"]]}]"#;
const CLEAN_HOME: &str = r#"{"sections":[{"id":"s","title":"Section","subtitle":null,"items":[{"id":"card","title":"home","kind":"other","poster":null,"backdrop":null,"year":null,"rating":null,"genres":[],"description":null,"status":null,"dub_status":[],"episode_count":null,"extra":[]}],"more":"all","layout":"list","show_rank":true,"categories":[{"id":"all","title":"All","image":null}],"extra":[]}],"next_page":null}"#;
const CLEAN_INFO: &str = r#"{"id":"info:poster=https://img.example.org/p.jpg","title":"Info","original_title":null,"kind":"series","poster":{"url":"https://img.example.org/p.jpg","width":null,"height":null,"headers":[]},"backdrop":null,"logo":null,"year":null,"end_year":null,"rating":null,"genres":[],"tags":[],"description":null,"status":null,"runtime_minutes":null,"content_rating":null,"cast":[{"name":"Someone","role":null,"image":null}],"external_ids":[],"dub_status":[],"seasons":[{"number":1,"id":null,"title":null,"episodes":[{"id":"e1","number":1.0,"season":1,"title":null,"description":null,"thumbnail":null,"air_date":null,"runtime_minutes":null,"dub_status":[],"filler":false,"extra":[]}]}],"play_id":null,"trailers":[],"recommendations":[{"id":"card","title":"more","kind":"other","poster":null,"backdrop":null,"year":null,"rating":null,"genres":[],"description":null,"status":null,"dub_status":[],"episode_count":null,"extra":[]}],"extra":[]}"#;
const CLEAN_SUBTITLE: &str = r#"{"file_name":"Night:de.srt","format":"srt","language":null,"content":"1\n00:00:01,000 --> 00:00:02,000\nHello\n"}"#;
const CLEAN_ARTICLES: &str = r#"{"sections":[{"id":"results","title":"url=https://news.example.org/a/1","items":[{"id":"a1","title":"url=https://news.example.org/a/1","summary":null,"url":"https://news.example.org/a/1","image":null,"author":null,"published_at":1700000000000,"content":null,"tags":[],"extra":[]}]}],"next_page":null}"#;
