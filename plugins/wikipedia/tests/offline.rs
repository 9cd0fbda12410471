//! The Wikipedia plugin against its fixtures (fixtures/), through the kit's
//! harness: built, packed and installed like a user's copy, then called with
//! `bex --replay fixtures`. Needs `bex` (`$BEX_BIN` or PATH).

use serde_json::Value;

/// The fixtures' featured feed is the one of 2025-11-29.
const DAY: &str = "2025-11-29";

fn section<'a>(page: &'a Value, id: &str) -> &'a Value {
    page["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no section {id} in {page}"))
}

fn extra<'a>(article: &'a Value, name: &str) -> Option<&'a str> {
    article["extra"].as_array()?.iter().find(|p| p[0] == name)?[1].as_str()
}

#[test]
fn a_day_of_the_featured_feed_has_its_four_sections() {
    let h = bex_pdk::harness!();
    let page = h.call(&["articles", "--page", DAY]);
    let titles: Vec<_> = page["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["title"])
        .collect();
    assert_eq!(
        titles,
        [
            "Today's featured article",
            "In the news",
            "Most read",
            "On this day"
        ]
    );
    assert_eq!(page["next_page"], "2025-11-28");

    let tfa = &section(&page, "featured")["items"][0];
    assert_eq!(tfa["id"], "page:Periodic_table");
    assert_eq!(tfa["title"], "Periodic table");
    assert_eq!(tfa["url"], "https://en.wikipedia.org/wiki/Periodic_table");
    assert!(
        tfa["summary"]
            .as_str()
            .unwrap()
            .starts_with("The periodic table, also known as")
    );
    assert_eq!(tfa["image"]["width"], 320);
    assert!(
        tfa["image"]["url"]
            .as_str()
            .unwrap()
            .ends_with("320px-Simple_Periodic_Table_Chart-blocks.svg.png")
    );
    // "2025-11-28T21:14:03Z"
    assert_eq!(tfa["published_at"], 1_764_364_443_000u64);
    assert_eq!(
        extra(tfa, "description"),
        Some("Tabular arrangement of the chemical elements")
    );

    // A story is the article it links in bold, not its first link (Belém).
    let news = section(&page, "news")["items"].as_array().unwrap();
    assert_eq!(news.len(), 2);
    assert_eq!(
        news[0]["id"],
        "page:2025_United_Nations_Climate_Change_Conference"
    );
    assert_eq!(
        news[0]["summary"],
        "The United Nations Climate Change Conference (COP30) concludes in Belém, Brazil."
    );

    let most_read = section(&page, "most-read")["items"].as_array().unwrap();
    assert_eq!(most_read.len(), 3);
    assert_eq!(most_read[0]["id"], "page:Black_Friday_(shopping)");
    assert_eq!(most_read[0]["image"], Value::Null);
    assert_eq!(
        (extra(&most_read[0], "rank"), extra(&most_read[0], "views")),
        (Some("3"), Some("412315"))
    );
    assert_eq!(most_read[1]["title"], "Thanksgiving");

    let events = section(&page, "on-this-day")["items"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["id"], "page:Mercury-Atlas_5");
    assert_eq!(
        events[0]["summary"],
        "1961: Enos, a chimpanzee, orbited the Earth twice aboard the Mercury-Atlas 5 spacecraft."
    );
    assert_eq!(
        events[0]["tags"],
        serde_json::json!(["on this day", "1961"])
    );
}

#[test]
fn the_first_page_is_today_by_the_replay_clock() {
    // In replay the host clock reads the fixtures' `recorded_at_ms`
    // (2025-11-29, noon UTC), so "today" is the recorded day.
    let h = bex_pdk::harness!();
    let page = h.call(&["articles"]);
    assert_eq!(
        section(&page, "featured")["items"][0]["title"],
        "Periodic table"
    );
    assert_eq!(page["next_page"], "2025-11-28");
}

#[test]
fn search_finds_the_moon_landings() {
    let h = bex_pdk::harness!();
    let page = h.call(&["search-articles", "moon landing"]);
    assert_eq!(page["next_page"], Value::Null);
    let results = &section(&page, "search");
    assert_eq!(results["title"], "Search results");
    let items = results["items"].as_array().unwrap();
    let ids: Vec<_> = items.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "page:Moon_landing",
            "page:Apollo_11",
            "page:Moon_landing_conspiracy_theories",
            "page:Apollo_program"
        ]
    );

    let apollo = &items[1];
    assert_eq!(apollo["title"], "Apollo 11");
    assert_eq!(apollo["url"], "https://en.wikipedia.org/wiki/Apollo_11");
    // The excerpt's highlighting and entities are gone.
    let summary = apollo["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Apollo 11 was the first spaceflight to land humans on the Moon."),
        "{summary}"
    );
    assert!(summary.contains("Lunar Module \"Eagle\""), "{summary}");
    assert_eq!(
        apollo["image"]["url"],
        "https://upload.wikimedia.org/wikipedia/commons/thumb/2/27/Apollo_11_insignia.png/200px-Apollo_11_insignia.png"
    );
    assert_eq!(
        extra(apollo, "description"),
        Some("First crewed Moon landing (1969)")
    );
    assert_eq!(extra(apollo, "matched_title"), Some("First Moon landing"));
    assert_eq!(items[2]["image"], Value::Null);

    // The search API has no offset: one page only.
    let next = h.call(&["search-articles", "--page", "2", "moon landing"]);
    assert_eq!(next["sections"], serde_json::json!([]));
}

#[test]
fn errors_keep_their_stable_codes() {
    let h = bex_pdk::harness!();
    // The feed answers 404 (a problem JSON) for a day it does not serve.
    let missing = h.call_err(&["articles", "--page", "2015-12-31"], "not_found");
    assert_eq!(missing.number, 12);
    assert!(
        missing.message.contains("2015-12-31"),
        "{}",
        missing.message
    );

    for cursor in ["yesterday", "2025-02-30", "2025/11/29"] {
        h.call_err(&["articles", "--page", cursor], "invalid_input");
    }
    h.call_err(&["search-articles", "  "], "invalid_input");
}

#[test]
fn the_locale_picks_the_wiki() {
    // Search uses the locale's wiki...
    let page = bex_pdk::harness!()
        .locale("de-DE")
        .call(&["search-articles", "Mondlandung"]);
    let first = &section(&page, "search")["items"][0];
    assert_eq!(first["id"], "page:Mondlandung");
    assert_eq!(first["url"], "https://de.wikipedia.org/wiki/Mondlandung");
    // ...the featured feed falls back to English where Wikipedia has none.
    let page = bex_pdk::harness!()
        .locale("it-IT")
        .call(&["articles", "--page", DAY]);
    assert_eq!(
        section(&page, "featured")["items"][0]["url"],
        "https://en.wikipedia.org/wiki/Periodic_table"
    );
}
