//! The TMDB plugin against its hand-written responses (fixtures/), through
//! the kit's harness: built, packed and installed like a user's copy, then
//! called with `bex --replay fixtures`. Needs `bex` (`$BEX_BIN` or PATH).

use bex_pdk::testing::Harness;
use serde_json::Value;

/// A fresh install with a (dummy) token set: replay does not check headers.
fn tmdb() -> Harness {
    let h = bex_pdk::harness!();
    h.set_secret("api-key", "demo-key");
    h
}

fn ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

#[test]
fn home_has_trending_popular_rows_and_the_categories() {
    let home = tmdb().call(&["home"]);
    let sections = home["sections"].as_array().unwrap();
    let names: Vec<&str> = sections
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Trending this week", "Popular movies", "Popular TV"]
    );

    // Trending mixes movies and TV; the person in it (Brad Pitt) is dropped.
    let trending = &sections[0];
    assert_eq!(ids(trending), ["movie:83533", "tv:66732", "movie:1084242"]);
    assert_eq!(trending["show_rank"], true);
    assert_eq!(trending["items"][1]["kind"], "series");
    assert_eq!(trending["items"][2]["kind"], "cartoon");

    let movies = &sections[1];
    assert_eq!(movies["more"], "movie:popular");
    assert_eq!(movies["items"][0]["title"], "Zootopia 2");
    assert_eq!(
        movies["items"][0]["poster"]["url"],
        "https://image.tmdb.org/t/p/w342/bjUWGw0Ao0qVWxagN3VCwBJHVo6.jpg"
    );
    // Movie cards get genre names from the genre list home fetched.
    assert_eq!(movies["items"][2]["genres"][0], "Action");
    let categories = movies["categories"].as_array().unwrap();
    assert_eq!(categories[0]["id"], "movie:top_rated");
    assert_eq!(categories.len(), 1 + 19);
    assert!(
        categories
            .iter()
            .any(|c| c["id"] == "genre:movie:27" && c["title"] == "Horror"),
        "{categories:?}"
    );

    let tv = &sections[2];
    assert_eq!(tv["more"], "tv:popular");
    assert_eq!(ids(tv), ["tv:66732", "tv:456", "tv:1434"]);
}

#[test]
fn categories_page_through_tmdb_lists() {
    let h = tmdb();
    let popular = h.call(&["category", "movie:popular"]);
    assert_eq!(
        ids(&popular),
        [
            "movie:1084242",
            "movie:83533",
            "movie:1242898",
            "movie:967941"
        ]
    );
    assert_eq!(popular["next_page"], "2");
    assert_eq!(popular["total"], 1048223);

    let tv = h.call(&["category", "tv:popular"]);
    assert_eq!(tv["items"][0]["title"], "Stranger Things");
    assert_eq!(tv["items"][0]["year"], 2016);

    // The cursor is TMDB's page number.
    let top = h.call(&["category", "--page", "2", "movie:top_rated"]);
    assert_eq!(ids(&top), ["movie:129", "movie:496243", "movie:346"]);
    assert_eq!(top["next_page"], "3");
    // Japanese animation is anime.
    assert_eq!(top["items"][0]["kind"], "anime");

    let horror = h.call(&["category", "genre:movie:27"]);
    assert_eq!(ids(&horror), ["movie:1228246", "movie:923", "movie:10331"]);
    assert_eq!(horror["total"], 45225);
}

#[test]
fn unknown_categories_and_cursors_are_invalid_input() {
    let h = tmdb();
    for args in [
        &["category", "movie:10331"][..],
        &["category", "genre:movie:horror"],
        &["category", "--page", "0", "movie:popular"],
        &["category", "--page", "501", "movie:popular"],
    ] {
        h.call_err(args, "invalid_input");
    }
}

#[test]
fn search_without_a_kind_is_multi_search() {
    let page = tmdb().call(&["search", "dead"]);
    assert_eq!(
        ids(&page),
        ["movie:207", "tv:1402", "movie:923", "movie:10331"]
    );
    let first = &page["items"][0];
    assert_eq!(first["title"], "Dead Poets Society");
    assert_eq!(first["year"], 1989);
    assert_eq!(first["kind"], "movie");
    assert_eq!(page["items"][1]["title"], "The Walking Dead");
    assert_eq!(page["items"][1]["kind"], "series");
    assert_eq!(page["total"], 2785);
    assert_eq!(page["next_page"], "2");
}

#[test]
fn kind_movie_searches_movies_with_the_release_year() {
    // fixtures/search-movie-notld-1968.json: /search/movie with primary_release_year.
    let page = tmdb().call(&[
        "search",
        "--kind",
        "movie",
        "--year",
        "1968",
        "night of the living dead",
    ]);
    assert_eq!(ids(&page), ["movie:10331"]);
    assert_eq!(page["items"][0]["rating"], 7.6);
    assert_eq!(page["total"], 1);
    assert_eq!(page["next_page"], Value::Null);
}

#[test]
fn kind_series_searches_tv_with_the_first_air_year() {
    // fixtures/search-tv-breaking-bad-2008.json: /search/tv with first_air_date_year.
    let page = tmdb().call(&[
        "search",
        "--kind",
        "series",
        "--year",
        "2008",
        "breaking bad",
    ]);
    assert_eq!(ids(&page), ["tv:1396"]);
    assert_eq!(page["items"][0]["title"], "Breaking Bad");
    assert_eq!(page["items"][0]["kind"], "series");
    assert_eq!(page["total"], 1);
}

#[test]
fn year_genre_and_kind_filter_a_multi_search_page() {
    let h = tmdb();
    // Multi search takes no year: the page is filtered, and TMDB's total no longer applies.
    let y1978 = h.call(&["search", "--year", "1978", "dead"]);
    assert_eq!(ids(&y1978), ["movie:923"]);
    assert_eq!(y1978["total"], Value::Null);
    assert_eq!(y1978["next_page"], "2");

    // Genres match by name in the movie and the TV lists.
    let drama = h.call(&["search", "--genre", "drama", "dead"]);
    assert_eq!(ids(&drama), ["movie:207", "tv:1402"]);
    assert_eq!(
        drama["items"][1]["genres"],
        serde_json::json!(["Action & Adventure", "Drama", "Sci-Fi & Fantasy"])
    );
    let horror = h.call(&["search", "--genre", "Horror", "dead"]);
    assert_eq!(ids(&horror), ["movie:923", "movie:10331"]);
    assert_eq!(
        horror["items"][1]["genres"],
        serde_json::json!(["Horror", "Thriller"])
    );

    let docs = h.call(&["search", "--kind", "documentary", "dead"]);
    assert_eq!(ids(&docs), Vec::<&str>::new());
    assert_eq!(docs["total"], Value::Null);
}

#[test]
fn sort_orders_the_page() {
    let h = tmdb();
    let rating = h.call(&["search", "--sort", "rating", "dead"]);
    assert_eq!(
        ids(&rating),
        ["movie:207", "tv:1402", "movie:10331", "movie:923"]
    );
    // Sorting drops nothing, so TMDB's total stands.
    assert_eq!(rating["total"], 2785);
    let newest = h.call(&["search", "--sort", "newest", "dead"]);
    assert_eq!(
        ids(&newest),
        ["tv:1402", "movie:207", "movie:923", "movie:10331"]
    );
    let oldest = h.call(&["search", "--sort", "oldest", "dead"]);
    assert_eq!(
        ids(&oldest),
        ["movie:10331", "movie:923", "movie:207", "tv:1402"]
    );
    let title = h.call(&["search", "--sort", "title", "dead"]);
    assert_eq!(
        ids(&title),
        ["movie:923", "movie:207", "movie:10331", "tv:1402"]
    );
}

#[test]
fn searches_tmdb_cannot_serve_are_refused() {
    let h = tmdb();
    h.call_err(&["search", "--kind", "podcast", "dead"], "unsupported");
    h.call_err(&["search", "  "], "invalid_input");
}

#[test]
fn movie_info_has_cast_ids_and_trailers() {
    let info = tmdb().call(&["info", "movie:10331"]);
    assert_eq!(info["id"], "movie:10331");
    assert_eq!(info["title"], "Night of the Living Dead");
    assert_eq!(info["original_title"], Value::Null);
    assert_eq!(info["kind"], "movie");
    assert_eq!(info["year"], 1968);
    assert_eq!(info["runtime_minutes"], 96);
    assert_eq!(info["rating"], 7.6);
    assert_eq!(info["status"], "completed");
    assert_eq!(info["genres"], serde_json::json!(["Horror", "Thriller"]));
    assert_eq!(
        info["poster"]["url"],
        "https://image.tmdb.org/t/p/w500/rb2NWyb008u1EcKCOyXs2Nmj0ra.jpg"
    );
    // The top 10 of 12, with their characters.
    let cast = info["cast"].as_array().unwrap();
    assert_eq!(cast.len(), 10);
    assert_eq!(
        (&cast[0]["name"], &cast[0]["role"]),
        (&"Duane Jones".into(), &"Ben".into())
    );
    assert_eq!(cast[1]["role"], "Barbra");
    assert_eq!(
        info["external_ids"],
        serde_json::json!([["tmdb", "10331"], ["imdb", "tt0063350"]])
    );
    // The YouTube trailer, not the clip.
    assert_eq!(
        info["trailers"],
        serde_json::json!(["https://www.youtube.com/watch?v=H91BxkBXttE"])
    );
    assert_eq!(info["seasons"], serde_json::json!([]));
    assert_eq!(info["content_rating"], Value::Null);
}

#[test]
fn tv_info_has_seasons_without_episodes() {
    let info = tmdb().call(&["info", "tv:1396"]);
    assert_eq!(info["title"], "Breaking Bad");
    assert_eq!(info["kind"], "series");
    assert_eq!(
        (info["year"].as_u64(), info["end_year"].as_u64()),
        (Some(2008), Some(2013))
    );
    assert_eq!(info["runtime_minutes"], 45);
    assert_eq!(info["status"], "completed");
    let seasons = info["seasons"].as_array().unwrap();
    let numbers: Vec<u64> = seasons
        .iter()
        .map(|s| s["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [0, 1, 2, 3, 4, 5]);
    assert_eq!(seasons[0]["title"], "Specials");
    assert_eq!(seasons[5]["title"], "Season 5");
    assert!(
        seasons
            .iter()
            .all(|s| s["episodes"] == serde_json::json!([]))
    );
    assert_eq!(info["cast"][0]["name"], "Bryan Cranston");
    assert_eq!(info["cast"][0]["role"], "Walter White");
    assert_eq!(
        info["external_ids"],
        serde_json::json!([
            ["tmdb", "1396"],
            ["imdb", "tt0903747"],
            ["thetvdb", "81189"],
            ["wikidata", "Q1079"]
        ])
    );
    let extra = info["extra"].as_array().unwrap();
    assert!(
        extra.contains(&serde_json::json!(["number_of_episodes", "62"])),
        "{extra:?}"
    );
}

#[test]
fn errors_keep_their_stable_codes() {
    let h = tmdb();
    // TMDB answers 404 with status_code 34; the message carries its text.
    let missing = h.call_err(&["info", "movie:99999999"], "not_found");
    assert_eq!(missing.number, 12);
    assert!(
        missing.message.ends_with("could not be found."),
        "{}",
        missing.message
    );
    for id in ["show:1", "movie:abc", "movie:popular", "tv"] {
        h.call_err(&["info", id], "invalid_input");
    }
}

#[test]
fn every_operation_needs_the_token() {
    // No `set_secret`: the plugin refuses before any request.
    let h = bex_pdk::harness!();
    for args in [
        &["home"][..],
        &["category", "movie:popular"],
        &["search", "dead"],
        &["info", "movie:10331"],
    ] {
        let e = h.call_err(args, "auth");
        assert!(e.message.contains("api-key"), "{}", e.message);
    }
}
