//! The Wikimedia Commons plugin against its fixtures (hand-written HTML
//! pages in MediaWiki's markup, fixtures/README.md), through the kit's
//! harness: built, packed and installed like a user's copy, then called
//! with `bex --replay fixtures`. Needs `bex` (`$BEX_BIN` or PATH).

use serde_json::Value;

const NOSFERATU: &str = "file:Nosferatu_(1922).webm";

fn titles(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect()
}

#[test]
fn home_and_category_page_through_the_gallery() {
    let h = bex_pdk::harness!();
    let home = h.call(&["home"]);
    let section = &home["sections"][0];
    assert_eq!(section["title"], "Public-domain films");
    assert_eq!(section["more"], "films");
    // The script's markup and the entry without a file are not films.
    assert_eq!(
        titles(&section["items"]),
        [
            "Nosferatu",
            "His Girl Friday",
            "Night of the Living Dead",
            "The General"
        ]
    );
    let first = &section["items"][0];
    assert_eq!(first["id"], NOSFERATU);
    assert_eq!(first["year"], 1922);
    assert_eq!(first["kind"], "movie");
    assert_eq!(
        first["poster"]["url"],
        "https://upload.wikimedia.org/wikipedia/commons/thumb/8/8b/Nosferatu_%281922%29.webm/120px--Nosferatu_%281922%29.webm.jpg"
    );
    assert_eq!(
        first["description"],
        "Nosferatu (1922).webm 1 h 34 min 45 s, 1,280 × 960; 1.22 GB"
    );

    let page = h.call(&["category", "films"]);
    let next = page["next_page"].as_str().unwrap();
    assert_eq!(
        next,
        "/w/index.php?title=Category:Films_in_the_public_domain&filefrom=The+Phantom+of+the+Opera+%281925%29.webm"
    );
    let last = h.call(&["category", "films", "--page", next]);
    assert_eq!(titles(&last["items"]), ["The Phantom of the Opera"]);
    assert_eq!(last["next_page"], Value::Null);
    // A cursor is only ever the gallery's own link.
    h.call_err(
        &["category", "films", "--page", "https://evil.example/x"],
        "invalid_input",
    );
    h.call_err(&["category", "silent"], "not_found");
}

#[test]
fn search_reads_results_snippets_and_totals() {
    let h = bex_pdk::harness!();
    let page = h.call(&["search", "nosferatu"]);
    assert_eq!(
        titles(&page["items"]),
        ["Nosferatu", "Nosferatu (1922) trailer"]
    );
    assert_eq!(page["total"], 2);
    assert_eq!(page["next_page"], Value::Null);
    // Entities decoded, the highlight's tags gone, text nodes joined as they stand.
    assert_eq!(
        page["items"][0]["description"],
        "Nosferatu, eine Symphonie des Grauens & a 1922 German Expressionist vampire film directed by F. W. Murnau"
    );
    assert_eq!(page["items"][1]["description"], Value::Null);
    let none = h.call(&["search", "zzzz"]);
    assert_eq!(none["items"], serde_json::json!([]));
    h.call_err(&["search", "  "], "invalid_input");
}

#[test]
fn info_reads_the_file_page() {
    let h = bex_pdk::harness!();
    let info = h.call(&["info", NOSFERATU]);
    assert_eq!(info["title"], "Nosferatu");
    assert_eq!(info["year"], 1922);
    assert_eq!(info["runtime_minutes"], 95);
    assert_eq!(info["play_id"], NOSFERATU);
    assert_eq!(info["cast"][0]["name"], "F. W. Murnau");
    assert_eq!(info["tags"][0], "public domain");
    assert_eq!(
        info["description"],
        "Nosferatu, eine Symphonie des Grauens is a 1922 German Expressionist vampire film directed by F. W. Murnau & starring Max Schreck as Count Orlok."
    );
    assert_eq!(
        info["poster"]["url"],
        "https://upload.wikimedia.org/wikipedia/commons/thumb/8/8b/Nosferatu_%281922%29.webm/1280px--Nosferatu_%281922%29.webm.jpg"
    );
    // Commons answers 404 for a missing file page.
    h.call_err(&["info", "file:Lost_film_(1926).webm"], "not_found");
    // A name that would leave the file page is refused before any request.
    h.call_err(&["info", "file:../../w/api.php"], "invalid_input");
    h.call_err(&["info", "show:1"], "invalid_input");
}

#[test]
fn servers_and_streams_come_from_the_video_element() {
    let h = bex_pdk::harness!();
    let servers = h.call(&["servers", NOSFERATU]);
    let names: Vec<&str> = servers
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Original WebM file, 1,280 × 960 (1.71 Mbps overall, file size: 1.22 GB)",
            "720p",
            "480p",
            "Lowest bandwidth VP9 (240P)"
        ]
    );
    assert_eq!(
        servers[1]["id"],
        "source:720p.vp9.webm:Nosferatu_(1922).webm"
    );
    assert_eq!(servers[1]["quality"], 720);

    let streams = h.call(&["stream", &servers[1].to_string()]);
    let stream = &streams[0];
    assert_eq!(
        stream["url"],
        "https://upload.wikimedia.org/wikipedia/commons/transcoded/8/8b/Nosferatu_%281922%29.webm/Nosferatu_%281922%29.webm.720p.vp9.webm"
    );
    assert_eq!(stream["container"], "progressive");
    assert_eq!(stream["mime_type"], "video/webm");
    assert_eq!(stream["quality"], 720);
    // The two subtitle tracks; the metadata track is not one.
    let subs = stream["subtitles"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0]["label"], "English (en)");
    assert_eq!(subs[1]["language"], "de");
    assert_eq!(subs[0]["format"], "vtt");

    let mut gone = servers[1].clone();
    gone["id"] = "source:1080p.vp9.webm:Nosferatu_(1922).webm".into();
    h.call_err(&["stream", &gone.to_string()], "not_found");
    let mut foreign = servers[1].clone();
    foreign["id"] = "file:x/y".into();
    h.call_err(&["stream", &foreign.to_string()], "invalid_input");
}
