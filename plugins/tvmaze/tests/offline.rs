//! The TVmaze plugin against its recorded responses (fixtures/), through
//! the kit's harness: built, packed and installed like a user's copy, then
//! called with `bex --replay fixtures`. Needs `bex` (`$BEX_BIN` or PATH).

#[test]
fn search_returns_the_show_with_its_details() {
    let h = bex_pdk::harness!();
    let page = h.call(&["search", "girls"]);
    let first = &page["items"][0];
    assert_eq!(first["id"], "show:139");
    assert_eq!(first["title"], "Girls");
    assert_eq!(first["year"], 2012);
    assert_eq!(page["total"], page["items"].as_array().unwrap().len());
}

#[test]
fn info_has_seasons_episodes_and_cast() {
    let h = bex_pdk::harness!();
    let info = h.call(&["info", "show:139"]);
    assert_eq!(info["title"], "Girls");
    let seasons = info["seasons"].as_array().unwrap();
    assert!(!seasons.is_empty());
    assert!(
        seasons[0]["episodes"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("episode:")
    );
    assert!(!info["cast"].as_array().unwrap().is_empty());
}

#[test]
fn home_sections_lead_to_the_category() {
    let h = bex_pdk::harness!();
    let home = h.call(&["home"]);
    let popular = &home["sections"][1];
    assert_eq!(popular["more"], "shows");
    let page = h.call(&["category", "shows"]);
    assert_eq!(page["next_page"], "1");
    assert!(!page["items"].as_array().unwrap().is_empty());
}

#[test]
fn errors_keep_their_stable_codes() {
    let h = bex_pdk::harness!();
    // TVmaze answers 404 for an unknown show: the plugin's `not-found`,
    // which the engine reports as PLUGIN_ERROR (code 12, docs/errors.md).
    let missing = h.call_err(&["info", "show:999999"], "not_found");
    assert_eq!(missing.number, 12);
    // An id of another kind is `invalid-input`.
    h.call_err(&["info", "episode:1"], "invalid_input");
}
