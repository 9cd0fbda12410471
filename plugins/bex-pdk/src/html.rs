//! HTML pages with CSS selectors, for plugins that scrape (the kit's
//! `html` feature): a browser's parse (html5ever, through `scraper`), so
//! unclosed tags, entities and scripts read as a browser reads them, and
//! the selectors of CSS 3 and 4 (`li.item > a[href]`, `:nth-child(2)`,
//! `:not(.ad)`).
//!
//! ```text
//! let page = http::get(format!("{BASE}/films")).html()?;  // fetched and parsed at its url
//! for film in page.select("ul.films > li")? {
//!     let title = film.text_of("a.title")?;                 // Option<String>, whitespace collapsed
//!     let href = film.url_of("a.title", "href")?;           // absolute against the page url
//! }
//! let next = page.first("a[rel=next]")?.and_then(|a| a.url("href"));
//! let heading = page.expect("h1")?.text();                  // missing: a `parse` error naming it
//! ```
//!
//! A selector that does not parse is the plugin's bug (`internal`, naming
//! it); a required element missing from the page is `parse`, naming the
//! selector and the page.

use crate::{Error, Result};

/// A parsed page, with the url its relative links resolve against.
pub struct Document {
    html: scraper::Html,
    base: String,
}

/// One element of a [`Document`].
#[derive(Clone, Copy)]
pub struct Element<'a> {
    element: scraper::ElementRef<'a>,
    doc: &'a Document,
}

impl Document {
    /// Parses `html`, a page at `url`. A `<base href>` in the page moves
    /// the base its relative links resolve against, as in a browser.
    pub fn parse(html: &str, url: &str) -> Document {
        let mut doc = Document {
            html: scraper::Html::parse_document(html),
            base: url.to_string(),
        };
        let base = selector("base[href]")
            .ok()
            .and_then(|s| doc.html.select(&s).next())
            .and_then(|b| b.attr("href"))
            .and_then(|href| crate::url::join(url, href));
        if let Some(base) = base {
            doc.base = base;
        }
        doc
    }

    /// The url relative links resolve against.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Every element matching `css`, in document order.
    pub fn select(&self, css: &str) -> Result<Vec<Element<'_>>> {
        let s = selector(css)?;
        Ok(self.html.select(&s).map(|e| self.wrap(e)).collect())
    }

    /// The first element matching `css`, if any.
    pub fn first(&self, css: &str) -> Result<Option<Element<'_>>> {
        let s = selector(css)?;
        Ok(self.html.select(&s).next().map(|e| self.wrap(e)))
    }

    /// The first element matching `css`; a `parse` error naming the
    /// selector and the page if there is none.
    pub fn expect(&self, css: &str) -> Result<Element<'_>> {
        self.first(css)?
            .ok_or_else(|| Error::parse(format!("no {css:?} on {}", self.base)))
    }

    /// The text of the first element matching `css` (see [`Element::text`]).
    pub fn text_of(&self, css: &str) -> Result<Option<String>> {
        Ok(self.first(css)?.map(|e| e.text()))
    }

    /// Attribute `name` of the first element matching `css`.
    pub fn attr_of(&self, css: &str, name: &str) -> Result<Option<String>> {
        Ok(self
            .first(css)?
            .and_then(|e| e.attr(name).map(str::to_string)))
    }

    /// Attribute `name` of the first element matching `css`, as an
    /// absolute url (see [`Element::url`]).
    pub fn url_of(&self, css: &str, name: &str) -> Result<Option<String>> {
        Ok(self.first(css)?.and_then(|e| e.url(name)))
    }

    fn wrap<'a>(&'a self, element: scraper::ElementRef<'a>) -> Element<'a> {
        Element { element, doc: self }
    }
}

impl<'a> Element<'a> {
    /// The element's text and its descendants', with runs of whitespace
    /// collapsed to one space and trimmed (as Jsoup's `text()`).
    pub fn text(&self) -> String {
        let raw: String = self.element.text().collect();
        let mut out = String::with_capacity(raw.len());
        for word in raw.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        out
    }

    /// Attribute `name` as written (entities decoded), if present.
    pub fn attr(&self, name: &str) -> Option<&'a str> {
        self.element.attr(name)
    }

    /// Attribute `name` (`href`, `src`, ...) as an absolute http or https
    /// url against the page; `None` if absent, empty, or another scheme
    /// (`javascript:`, `data:`).
    pub fn url(&self, name: &str) -> Option<String> {
        let value = self.attr(name).filter(|v| !v.trim().is_empty())?;
        crate::url::join(&self.doc.base, value)
    }

    /// The element's tag name, lower case.
    pub fn name(&self) -> &'a str {
        self.element.value().name()
    }

    /// Whether the element has class `class`.
    pub fn has_class(&self, class: &str) -> bool {
        self.element.value().classes().any(|c| c == class)
    }

    /// The element's markup, without its own tags.
    pub fn inner_html(&self) -> String {
        self.element.inner_html()
    }

    /// Every descendant matching `css`, in document order.
    pub fn select(&self, css: &str) -> Result<Vec<Element<'a>>> {
        let s = selector(css)?;
        let doc = self.doc;
        Ok(self.element.select(&s).map(|e| doc.wrap(e)).collect())
    }

    /// The first descendant matching `css`, if any.
    pub fn first(&self, css: &str) -> Result<Option<Element<'a>>> {
        let s = selector(css)?;
        Ok(self.element.select(&s).next().map(|e| self.doc.wrap(e)))
    }

    /// The first descendant matching `css`; a `parse` error naming it.
    pub fn expect(&self, css: &str) -> Result<Element<'a>> {
        self.first(css)?.ok_or_else(|| {
            Error::parse(format!(
                "no {css:?} inside <{}> on {}",
                self.name(),
                self.doc.base
            ))
        })
    }

    /// The text of the first descendant matching `css`.
    pub fn text_of(&self, css: &str) -> Result<Option<String>> {
        Ok(self.first(css)?.map(|e| e.text()))
    }

    /// Attribute `name` of the first descendant matching `css`.
    pub fn attr_of(&self, css: &str, name: &str) -> Result<Option<String>> {
        Ok(self
            .first(css)?
            .and_then(|e| e.attr(name).map(str::to_string)))
    }

    /// Attribute `name` of the first descendant matching `css`, absolute.
    pub fn url_of(&self, css: &str, name: &str) -> Result<Option<String>> {
        Ok(self.first(css)?.and_then(|e| e.url(name)))
    }
}

fn selector(css: &str) -> Result<scraper::Selector> {
    scraper::Selector::parse(css)
        .map_err(|e| Error::internal(format!("CSS selector {css:?} does not parse: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PluginError;

    const PAGE: &str = r#"<!DOCTYPE html><html><head><title>Films &amp; Shows &eacute;</title>
<script>if (a < b) document.write("<li class='item'>no</li>");</script></head>
<body><ul class="list"><li class=item><a href="/wiki/File:Nosferatu.webm">Nosferatu
   (1922)</a><li class="item ad"><a href='../wiki/File:Metropolis.webm'>Metropolis</a>
<li class=item><a href="javascript:void(0)">Play</a></ul>
<p>One<p>Two <b>bold</b>
<!-- <li class="item">comment</li> -->
<div><a rel=next href="?from=M">next</a></div></body></html>"#;

    fn page() -> Document {
        Document::parse(PAGE, "https://commons.example.org/wiki/Category:Films")
    }

    #[test]
    fn pages_parse_as_a_browser_reads_them() {
        let doc = page();
        assert_eq!(doc.text_of("title").unwrap().unwrap(), "Films & Shows é");
        // Unclosed <li>s, the script's markup and the comment's are not items.
        let items = doc.select("ul.list > li.item").unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].text(), "Nosferatu (1922)");
        // Text nodes join as they stand: no space between a tag and a comma.
        let inline = Document::parse("<p><i>Nosferatu</i>, a <b>film</b></p>", "https://x.org/");
        assert_eq!(inline.text_of("p").unwrap().unwrap(), "Nosferatu, a film");
        assert!(items[1].has_class("ad"));
        assert_eq!(doc.select("li.item:not(.ad) a").unwrap().len(), 2);
        assert_eq!(
            doc.text_of("li:nth-child(2)").unwrap().unwrap(),
            "Metropolis"
        );
        // A <div> closes the open <p>, as in a browser.
        assert_eq!(doc.select("p").unwrap()[1].text(), "Two bold");
        assert_eq!(items[0].first("a").unwrap().unwrap().name(), "a");
    }

    #[test]
    fn links_come_back_absolute() {
        let doc = page();
        let urls: Vec<Option<String>> = doc
            .select("li a")
            .unwrap()
            .iter()
            .map(|a| a.url("href"))
            .collect();
        assert_eq!(
            urls,
            [
                Some("https://commons.example.org/wiki/File:Nosferatu.webm".into()),
                Some("https://commons.example.org/wiki/File:Metropolis.webm".into()),
                None,
            ]
        );
        assert_eq!(
            doc.url_of("a[rel=next]", "href").unwrap().unwrap(),
            "https://commons.example.org/wiki/Category:Films?from=M"
        );
        let based = Document::parse(
            r#"<base href="https://cdn.example.org/v/"><a href="x.mp4">x</a>"#,
            "https://example.org/page",
        );
        assert_eq!(
            based.url_of("a", "href").unwrap().unwrap(),
            "https://cdn.example.org/v/x.mp4"
        );
    }

    #[test]
    fn errors_name_the_selector() {
        let doc = page();
        match doc.select("li[") {
            Err(PluginError::Internal(m)) => assert!(m.contains("\"li[\" does not parse"), "{m}"),
            _ => panic!("a bad selector is the plugin's bug"),
        }
        match doc.expect("h1") {
            Err(PluginError::Parse(m)) => assert_eq!(
                m,
                "no \"h1\" on https://commons.example.org/wiki/Category:Films"
            ),
            _ => panic!("a missing element is a parse error"),
        }
        assert!(doc.first("h1").unwrap().is_none());
    }
}
