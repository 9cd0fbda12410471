//! Wikimedia responses to BEX articles, and the small text helpers they need.

use bex_pdk::{Article, Image, ids, records};

use crate::api;
use crate::date;

/// The id kind of every article: `page:<title with underscores>`.
pub const PAGE: &str = "page";

/// The article of a page summary, tagged with the feed section it came from.
pub fn summary(s: &api::Summary, tag: &str) -> Article {
    let title = readable_title(s);
    let mut a = records::article(ids::make(PAGE, title.replace(' ', "_")), title);
    a.summary = s
        .extract
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(String::from);
    a.url = s
        .content_urls
        .as_ref()
        .and_then(|c| c.desktop.as_ref())
        .and_then(|d| d.page.clone());
    a.image = s.thumbnail.as_ref().map(|t| Image {
        url: t.source.clone(),
        width: t.width,
        height: t.height,
        headers: vec![],
    });
    a.published_at = s.timestamp.as_deref().and_then(date::timestamp_ms);
    a.tags = vec![tag.to_string()];
    if let Some(d) = s.description.as_deref().filter(|d| !d.is_empty()) {
        a.extra.push(("description".into(), d.into()));
    }
    if let Some(id) = s.pageid {
        a.extra.push(("pageid".into(), id.to_string()));
    }
    a
}

/// A most-read page, with its rank and the previous day's views.
pub fn most_read(p: &api::MostReadPage) -> Article {
    let mut a = summary(&p.summary, "most read");
    if let Some(rank) = p.rank {
        a.extra.push(("rank".into(), rank.to_string()));
    }
    if let Some(views) = p.views {
        a.extra.push(("views".into(), views.to_string()));
    }
    a
}

/// A news story as the article it is about (the story's bold link, as on
/// the Main Page, else its first link), summarised by the story itself.
pub fn news(story: &api::NewsStory) -> Option<Article> {
    let target = bold_link(&story.story);
    let page = target
        .and_then(|t| story.links.iter().find(|l| same_title(&l.title, &t)))
        .or_else(|| story.links.first())?;
    let mut a = summary(page, "news");
    let text = bex_pdk::text::one_line(&story.story);
    if !text.is_empty() {
        a.summary = Some(text);
    }
    Some(a)
}

/// An "On this day" event as the article of its first page, summarised by
/// the event ("1947: The UN General Assembly ...").
pub fn event(e: &api::Event) -> Option<Article> {
    let mut a = summary(e.pages.first()?, "on this day");
    a.summary = Some(match e.year {
        Some(y) if y < 0 => format!("{} BC: {}", -y, e.text),
        Some(y) => format!("{y}: {}", e.text),
        None => e.text.clone(),
    });
    if let Some(y) = e.year {
        a.tags.push(y.to_string());
        a.extra.push(("year".into(), y.to_string()));
    }
    Some(a)
}

/// A search result.
pub fn search_page(p: &api::SearchPage, lang: &str) -> Article {
    let mut a = records::article(ids::make(PAGE, &p.key), p.title.clone());
    a.summary = p
        .excerpt
        .as_deref()
        .map(bex_pdk::text::one_line)
        .filter(|e| !e.is_empty())
        .or_else(|| p.description.clone());
    a.url = Some(format!(
        "https://{lang}.wikipedia.org/wiki/{}",
        encode_title(&p.key)
    ));
    a.image = p.thumbnail.as_ref().map(|t| Image {
        url: absolute(&t.url),
        width: t.width,
        height: t.height,
        headers: vec![],
    });
    if let Some(d) = p.description.as_deref().filter(|d| !d.is_empty()) {
        a.extra.push(("description".into(), d.into()));
    }
    if let Some(m) = p.matched_title.as_deref() {
        a.extra.push(("matched_title".into(), m.into()));
    }
    a.extra.push(("pageid".into(), p.id.to_string()));
    a
}

fn readable_title(s: &api::Summary) -> String {
    s.titles
        .as_ref()
        .map(|t| t.normalized.clone())
        .or_else(|| s.normalizedtitle.clone())
        .unwrap_or_else(|| s.title.replace('_', " "))
}

/// The search API's thumbnails are protocol-relative.
fn absolute(url: &str) -> String {
    match url.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_string(),
    }
}

/// The target of the first `<b><a href="./Title">` in a story.
fn bold_link(story: &str) -> Option<String> {
    let bold = &story[story.find("<b")?..];
    let href = &bold[bold.find("href=\"")? + 6..];
    let href = &href[..href.find('"')?];
    Some(percent_decode(href.strip_prefix("./").unwrap_or(href)))
}

fn same_title(a: &str, b: &str) -> bool {
    a.replace(' ', "_") == b.replace(' ', "_")
}

/// A title for a `/wiki/` url, escaped the way MediaWiki does (wfUrlencode).
fn encode_title(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for b in title.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => out.push(char::from(b)),
            b'-' | b'_' | b'.' | b'~' | b';' | b'@' | b'$' | b'!' | b'*' | b'(' | b')' | b','
            | b'/' | b':' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn story_bold_links_and_titles() {
        let story = "<!--Nov 22--> At <a href=\"./Bel%C3%A9m\">Belém</a>, <b><a rel=\"mw:WikiLink\" href=\"./2025_United_Nations_Climate_Change_Conference\" title=\"x\">COP30</a></b> ends.";
        assert_eq!(
            bold_link(story).as_deref(),
            Some("2025_United_Nations_Climate_Change_Conference")
        );
        assert_eq!(percent_decode("Bel%C3%A9m"), "Belém");
        assert_eq!(
            encode_title("Raúl_Alfonsín_(1927)"),
            "Ra%C3%BAl_Alfons%C3%ADn_(1927)"
        );
        assert_eq!(
            absolute("//upload.wikimedia.org/x.jpg"),
            "https://upload.wikimedia.org/x.jpg"
        );
    }
}
