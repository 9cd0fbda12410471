//! BEX plugin for Wikipedia: articles from the Wikimedia REST APIs (public,
//! no key). The kit (`bex_pdk`) does the plumbing; this is the APIs' shapes
//! (api.rs), their mapping to articles (convert.rs), days as cursors
//! (date.rs), and the two operations below.
//!
//! - get-articles: the featured feed of one UTC day
//!   (`/api/rest_v1/feed/featured/YYYY/MM/DD`) as the sections "Today's
//!   featured article", "In the news", "Most read" (the day before's) and
//!   "On this day"; parts the feed lacks are left out. The first page is
//!   today by the host clock (in replay, the time the fixtures were
//!   recorded at); `next_page` is the day before as `YYYY-MM-DD`, and such a
//!   cursor fetches that day. Cursors stop at 2016-01-01, the feed's first
//!   day; a day the feed does not serve is `not-found`.
//! - search-articles: `/w/rest.php/v1/search/page`, the 10 best matches in
//!   one section "Search results". That API has no offset, so there is one
//!   page: `next_page` is always none and a cursor gets an empty page.
//!
//! The wiki is the player's language (the request's `locale`, `de-DE` ->
//! de.wikipedia.org), else English. The featured feed has its featured
//! article or news on a few wikis only
//! (https://www.mediawiki.org/wiki/Wikifeeds); for other languages
//! get-articles reads the English feed, while search uses every language.
//!
//! Ids are `page:<title with underscores>` (`page:Apollo_11`), the title as
//! in the page's url.

mod api;
mod convert;
mod date;

use bex_pdk::{ArticlePage, ArticleSection, Error, RequestContext, Result, ResultExt, clock};

use date::Day;

/// Wikis whose featured feed has today's featured article or news (the
/// Wikifeeds docs list both); the others get the English feed.
const FEED_LANGUAGES: &[&str] = &[
    "bg", "bn", "bs", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fr", "he", "hu", "ja", "ko",
    "la", "no", "pl", "pt", "ru", "sco", "sd", "sv", "ur", "vi", "zh",
];

struct Wikipedia;

bex_pdk::export_plugin!(Wikipedia);

impl bex_pdk::Articles for Wikipedia {
    fn get_articles(ctx: RequestContext, page: Option<String>) -> Result<ArticlePage> {
        let day = match page.as_deref() {
            None => Day::from_ms(clock::now_ms()),
            Some(cursor) => Day::parse(cursor)?,
        };
        let lang = feed_language(&language(ctx.locale.as_deref()));
        let feed = api::featured(lang, &day.path())
            .context(format_args!("the {lang} featured feed of {}", day.cursor()))?;

        let featured = feed
            .tfa
            .iter()
            .map(|s| convert::summary(s, "featured"))
            .collect();
        let news = feed.news.iter().filter_map(convert::news).collect();
        let most_read = feed
            .mostread
            .iter()
            .flat_map(|m| &m.articles)
            .map(convert::most_read)
            .collect();
        let on_this_day = feed.onthisday.iter().filter_map(convert::event).collect();
        let sections = [
            ("featured", "Today's featured article", featured),
            ("news", "In the news", news),
            ("most-read", "Most read", most_read),
            ("on-this-day", "On this day", on_this_day),
        ]
        .into_iter()
        .filter(|(_, _, items): &(_, _, Vec<_>)| !items.is_empty())
        .map(|(id, title, items)| ArticleSection {
            id: id.into(),
            title: title.into(),
            items,
        })
        .collect();

        let previous = day.previous();
        Ok(ArticlePage {
            sections,
            next_page: (previous >= date::EARLIEST).then(|| previous.cursor()),
        })
    }

    fn search_articles(
        ctx: RequestContext,
        query: String,
        page: Option<String>,
    ) -> Result<ArticlePage> {
        let query = query.trim();
        if query.is_empty() {
            return Err(Error::invalid_input("empty query"));
        }
        if page.is_some() {
            // One page of best matches (see the module docs).
            return Ok(ArticlePage {
                sections: vec![],
                next_page: None,
            });
        }
        let lang = language(ctx.locale.as_deref());
        let results = api::search(&lang, query)?;
        let items = results
            .pages
            .iter()
            .map(|p| convert::search_page(p, &lang))
            .collect();
        Ok(ArticlePage {
            sections: vec![ArticleSection {
                id: "search".into(),
                title: "Search results".into(),
                items,
            }],
            next_page: None,
        })
    }
}

/// The Wikipedia language of a BCP 47 locale: its primary language subtag
/// (`pt-BR` -> `pt`), `en` when there is none or it is not 2-3 letters.
fn language(locale: Option<&str>) -> String {
    let primary = locale
        .and_then(|l| l.split(['-', '_']).next())
        .map(str::to_ascii_lowercase)
        .filter(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    match primary.as_deref() {
        // Norwegian Bokmål is no.wikipedia.org.
        Some("nb") => "no".into(),
        Some(p) => p.into(),
        None => "en".into(),
    }
}

/// `lang` if its featured feed has more than the most-read list, else `en`.
fn feed_language(lang: &str) -> &'static str {
    FEED_LANGUAGES
        .iter()
        .copied()
        .find(|l| *l == lang)
        .unwrap_or("en")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_pick_the_wiki() {
        assert_eq!(language(None), "en");
        assert_eq!(language(Some("de-DE")), "de");
        assert_eq!(language(Some("pt_BR")), "pt");
        assert_eq!(language(Some("FR")), "fr");
        assert_eq!(language(Some("nb-NO")), "no");
        assert_eq!(language(Some("sco")), "sco");
        assert_eq!(language(Some("")), "en");
        assert_eq!(language(Some("x-private")), "en");
        assert_eq!(language(Some("../evil")), "en");
    }

    #[test]
    fn the_feed_falls_back_to_english() {
        assert_eq!(feed_language("de"), "de");
        assert_eq!(feed_language("sv"), "sv");
        assert_eq!(feed_language("it"), "en");
        assert_eq!(feed_language("xyz"), "en");
    }
}
