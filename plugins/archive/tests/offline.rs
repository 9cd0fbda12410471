//! The Internet Archive plugin against its fixtures (fixtures/, written
//! after the Advanced Search and Metadata API documentation), through the
//! kit's harness: built, packed and installed like a user's copy, then
//! called with `bex --replay fixtures`. Needs `bex` (`$BEX_BIN` or PATH).

use serde_json::{Value, json};

fn titles(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect()
}

#[test]
fn search_finds_the_film_with_card_details() {
    let h = bex_pdk::harness!();
    let page = h.call(&["search", "night of the living dead"]);
    let first = &page["items"][0];
    assert_eq!(first["id"], "item:night_of_the_living_dead");
    assert_eq!(first["title"], "Night of the Living Dead");
    assert_eq!(first["kind"], "movie");
    assert_eq!(first["year"], 1968);
    assert_eq!(
        first["poster"]["url"],
        "https://archive.org/services/img/night_of_the_living_dead"
    );
    // HTML paragraphs become plain text.
    let description = first["description"].as_str().unwrap();
    assert!(
        description.starts_with("A group of people hide"),
        "{description}"
    );
    assert!(!description.contains('<'), "{description}");
    assert_eq!(first["extra"], json!([["downloads", "3195432"]]));
    // `year` as a string and `description` as a list decode too.
    let second = &page["items"][1];
    assert_eq!(second["year"], 1968);
    assert!(
        second["description"]
            .as_str()
            .unwrap()
            .contains("\n\nDirected by George A. Romero")
    );
    // A document without a description.
    assert_eq!(page["items"][2]["description"], Value::Null);
    // Three found, three shown: no next page.
    assert_eq!(page["total"], 3);
    assert_eq!(page["next_page"], Value::Null);
}

#[test]
fn search_pages_sorts_and_filters() {
    let h = bex_pdk::harness!();
    let page = h.call(&["search", "--sort", "popularity", "horror"]);
    assert_eq!(page["items"].as_array().unwrap().len(), 24);
    assert_eq!(page["total"], 812);
    assert_eq!(page["next_page"], "2");
    assert_eq!(
        titles(&page)[..2],
        ["Night of the Living Dead", "House on Haunted Hill"]
    );

    let page = h.call(&["search", "--year", "1940", "his girl friday"]);
    assert_eq!(titles(&page), ["His Girl Friday", "His Girl Friday (1940)"]);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["year"] == 1940)
    );

    // The collection holds only films: another kind finds nothing, without
    // a request (no fixture exists for it).
    let page = h.call(&["search", "--kind", "series", "horror"]);
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["total"], 0);
}

#[test]
fn info_reads_the_item_metadata() {
    let h = bex_pdk::harness!();
    let info = h.call(&["info", "item:night_of_the_living_dead"]);
    assert_eq!(info["title"], "Night of the Living Dead");
    assert_eq!(info["kind"], "movie");
    assert_eq!(info["year"], 1968);
    assert_eq!(info["runtime_minutes"], 96);
    assert_eq!(info["genres"], json!(["horror"]));
    assert_eq!(
        info["tags"],
        json!(["horror", "zombies", "George A. Romero", "cult film"])
    );
    assert_eq!(
        info["external_ids"],
        json!([["archive", "night_of_the_living_dead"]])
    );
    assert_eq!(info["play_id"], "item:night_of_the_living_dead");
    assert_eq!(info["seasons"], json!([]));
    let description = info["description"].as_str().unwrap();
    assert!(
        description.contains("Directed by George A. Romero"),
        "{description}"
    );
    assert!(!description.contains("<br"), "{description}");
    let extra = info["extra"].as_array().unwrap();
    assert!(
        extra.contains(&json!(["creator", "Image Ten"])),
        "{extra:?}"
    );

    // Another item's shapes: `date` instead of `year`, subjects as a list,
    // description as paragraphs, runtime in words.
    let info = h.call(&["info", "item:his_girl_friday"]);
    assert_eq!(info["title"], "His Girl Friday");
    assert_eq!(info["year"], 1940);
    assert_eq!(info["runtime_minutes"], 92);
    assert_eq!(info["genres"], json!(["Comedy"]));
    assert!(
        info["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("Cary Grant"))
    );
    assert!(
        info["description"]
            .as_str()
            .unwrap()
            .contains("\n\nDirected by Howard Hawks")
    );
}

#[test]
fn servers_list_playable_videos_best_first() {
    let h = bex_pdk::harness!();
    let servers = h.call(&["servers", "item:night_of_the_living_dead"]);
    let ids: Vec<&str> = servers
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    // The AVI original, thumbnails, subtitles and metadata are not servers.
    assert_eq!(
        ids,
        [
            "file:night_of_the_living_dead/night_of_the_living_dead.mp4",
            "file:night_of_the_living_dead/night_of_the_living_dead.ogv",
            "file:night_of_the_living_dead/night_of_the_living_dead_512kb.mp4",
        ]
    );
    let best = &servers[0];
    assert_eq!(best["name"], "h.264 (640x480, 1.0 GB)");
    assert_eq!(best["quality"], 480);
    assert_eq!(
        best["url"],
        "https://archive.org/download/night_of_the_living_dead/night_of_the_living_dead.mp4"
    );
    assert_eq!(servers[2]["name"], "512Kb MPEG4 (320x240, 415 MB)");

    // An MP4 original is a server too.
    let servers = h.call(&["servers", "item:his_girl_friday"]);
    assert_eq!(servers.as_array().unwrap().len(), 3);
    assert_eq!(servers[0]["id"], "file:his_girl_friday/his_girl_friday.mp4");
    assert_eq!(
        servers[0]["extra"],
        json!([["format", "MPEG4"], ["source", "original"]])
    );
}

#[test]
fn stream_is_the_download_with_subtitles() {
    let h = bex_pdk::harness!();
    let servers = h.call(&["servers", "item:night_of_the_living_dead"]);
    let streams = h.call(&["stream", &servers[0].to_string()]);
    assert_eq!(streams.as_array().unwrap().len(), 1);
    let s = &streams[0];
    assert_eq!(
        s["url"],
        "https://archive.org/download/night_of_the_living_dead/night_of_the_living_dead.mp4"
    );
    assert_eq!(s["container"], "progressive");
    assert_eq!(s["mime_type"], "video/mp4");
    assert_eq!(s["quality"], 480);
    assert_eq!(s["label"], "h.264 480p");
    assert_eq!(s["headers"], json!([]));
    let subs = s["subtitles"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    // File names with spaces and parentheses are percent-encoded.
    assert_eq!(
        subs[0]["url"],
        "https://archive.org/download/night_of_the_living_dead/Night%20of%20the%20Living%20Dead%20%281968%29%20English.srt"
    );
    assert_eq!(
        (&subs[0]["format"], &subs[0]["language"]),
        (&json!("srt"), &json!("en"))
    );
    assert_eq!(
        (&subs[1]["format"], &subs[1]["language"]),
        (&json!("vtt"), &json!("es"))
    );

    let ogg = h.call(&["stream", &servers[1].to_string()]);
    assert_eq!(ogg[0]["mime_type"], "video/ogg");
    assert_eq!(ogg[0]["quality"], 300);
}

#[test]
fn errors_keep_their_stable_codes() {
    let h = bex_pdk::harness!();
    // The Metadata API answers `{}` for an unknown identifier.
    let missing = h.call_err(&["info", "item:no_such_film_1900"], "not_found");
    assert_eq!(missing.number, 12);
    h.call_err(&["servers", "item:no_such_film_1900"], "not_found");
    // A file the item does not have.
    let server = json!({"id": "file:night_of_the_living_dead/missing.mp4", "name": "x"});
    h.call_err(&["stream", &server.to_string()], "not_found");
    // A 503 from the Archive is a network failure.
    let down = h.call_err(&["info", "item:Detour1945"], "network");
    assert!(down.message.contains("HTTP 503"), "{}", down.message);

    // Malformed input is refused before any request.
    for args in [
        vec!["info", "file:night_of_the_living_dead/x.mp4"],
        vec!["info", "item:../secrets"],
        vec!["servers", "night_of_the_living_dead"],
        vec!["search", "   "],
        vec!["search", "--page", "0", "horror"],
    ] {
        h.call_err(&args, "invalid_input");
    }
    let server = json!({"id": "item:night_of_the_living_dead", "name": "x"});
    h.call_err(&["stream", &server.to_string()], "invalid_input");
}
