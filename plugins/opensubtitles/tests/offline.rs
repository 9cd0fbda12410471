//! The OpenSubtitles plugin against its hand-written recordings
//! (fixtures/), through the kit's harness: built, packed and installed like
//! a user's copy, then called with `bex --replay fixtures`. Needs `bex`
//! (`$BEX_BIN` or PATH).

use bex_pdk::testing::Harness;

const NOTLD: &str = r#"{"title":"Night of the Living Dead","year":1968,"languages":["en"]}"#;

/// An installed copy with a (dummy) key: recordings ignore headers.
fn keyed() -> Harness {
    let h = bex_pdk::harness!();
    h.set_secret("api-key", "test-key");
    h
}

#[test]
fn search_by_title_lists_every_file() {
    let h = keyed();
    let entries = h.call(&["subtitles", NOTLD]);
    let entries = entries.as_array().unwrap();
    // Three subtitles, the last in two files (CD1, CD2): four entries.
    assert_eq!(entries.len(), 4);
    let first = &entries[0];
    assert_eq!(first["id"], "file:4951384:en");
    assert_eq!(
        first["title"],
        "Night of the Living Dead (1968) - Night.of.the.Living.Dead.1968.1080p.BluRay.x264-AMIABLE"
    );
    assert_eq!(first["language"], "en");
    assert_eq!(first["format"], "srt");
    assert_eq!(first["downloads"], 38412);
    assert_eq!(first["rating"], 8.0);
    assert_eq!(first["hearing_impaired"], false);
    assert_eq!(
        first["release"],
        "Night.of.the.Living.Dead.1968.1080p.BluRay.x264-AMIABLE"
    );
    assert!(
        first["extra"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["fps", "23.976"]))
    );
    // No extension in the API's file name: SubRip, what the API serves.
    // No votes: no rating, rather than 0.
    let sdh = &entries[1];
    assert_eq!(
        (sdh["hearing_impaired"].as_bool(), sdh["format"].as_str()),
        (Some(true), Some("srt"))
    );
    assert!(sdh["rating"].is_null());
    assert_eq!(entries[2]["id"], "file:8236510:en");
    assert!(entries[2]["title"].as_str().unwrap().ends_with("(CD 1/2)"));
    assert!(entries[3]["title"].as_str().unwrap().ends_with("(CD 2/2)"));
}

#[test]
fn search_by_show_id_puts_the_preferred_language_first() {
    let h = keyed();
    let query =
        r#"{"external_ids":[["imdb","tt0944947"]],"season":1,"episode":1,"languages":["fr","en"]}"#;
    let entries = h.call(&["subtitles", query]);
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 3);
    // The API lists English first (more downloads); French was asked first.
    assert_eq!(entries[0]["id"], "file:8236512:fr");
    assert_eq!(entries[0]["language"], "fr");
    assert_eq!(
        entries[0]["title"],
        "Game of Thrones S01E01 Winter Is Coming - Game.of.Thrones.S01E01.FRENCH.720p.BluRay.x264"
    );
    assert_eq!(entries[1]["id"], "file:6371541:en");
    assert_eq!(entries[2]["hearing_impaired"], true);
    assert_eq!(entries[2]["language"], "en");
}

#[test]
fn a_search_without_results_is_an_empty_list() {
    let h = keyed();
    let entries = h.call(&["subtitles", r#"{"title":"Xyzzy No Such Film"}"#]);
    assert_eq!(entries, serde_json::json!([]));
}

#[test]
fn download_returns_the_file_as_text() {
    let h = keyed();
    let file = h.call(&["subtitle", "file:4951384:en"]);
    assert_eq!(
        file["file_name"],
        "Night.of.the.Living.Dead.1968.1080p.BluRay.x264-AMIABLE.srt"
    );
    assert_eq!(file["format"], "srt");
    assert_eq!(file["language"], "en");
    let content = file["content"].as_str().unwrap();
    assert!(
        content.starts_with(
            "1\r\n00:02:42,330 --> 00:02:45,150\r\nThey're coming to get you, Barbra."
        )
    );
    // Without the language in the id the file's language is unknown.
    let bare = h.call(&["subtitle", "file:4951384"]);
    assert!(bare["language"].is_null());
    assert_eq!(bare["content"], file["content"]);
}

#[test]
fn a_windows_1252_file_is_decoded() {
    let h = keyed();
    let file = h.call(&["subtitle", "file:8236512:fr"]);
    let content = file["content"].as_str().unwrap();
    assert!(content.contains("L\u{2019}hiver vient."), "{content}");
    assert!(content.contains("O\u{f9} \u{e9}taient-ils ?"), "{content}");
    assert_eq!(file["language"], "fr");
}

#[test]
fn a_used_up_quota_is_rate_limited() {
    let h = keyed();
    let e = h.call_err(&["subtitle", "file:4951385:en"], "rate_limited");
    assert_eq!(e.number, 12);
    assert!(
        e.message.contains("allowed 5 subtitles for 24h"),
        "{}",
        e.message
    );
}

#[test]
fn a_missing_key_is_an_auth_error() {
    let h = bex_pdk::harness!();
    for call in [&["subtitles", NOTLD][..], &["subtitle", "file:4951384:en"]] {
        let e = h.call_err(call, "auth");
        assert!(e.message.contains("api-key"), "{}", e.message);
    }
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let h = keyed();
    for id in ["show:139", "file:abc", "file:", "file:4951384:"] {
        h.call_err(&["subtitle", id], "invalid_input");
    }
    for query in [
        r#"{"title":"  "}"#,
        r#"{"external_ids":[["imdb","tt"]]}"#,
        r#"{"title":"x","languages":["english!"]}"#,
    ] {
        h.call_err(&["subtitles", query], "invalid_input");
    }
}
