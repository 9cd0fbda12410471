//! Commons' HTML pages to contract records, through the kit's `html`
//! helpers: a category's gallery and a search's results to cards, a file
//! page to a title, its `<video>` sources to servers and streams.

use bex_pdk::html::{Document, Element};
use bex_pdk::{Container, MediaCard, MediaInfo, MediaKind, Result, Server, records};

/// A file name as Commons writes it in urls (`Nosferatu_(1922).webm`): the
/// part after `/wiki/File:` of `href`, if it is a file page's link.
pub fn file_name(href: &str) -> Option<&str> {
    let name = href.strip_prefix("/wiki/File:")?;
    valid_name(name).then_some(name)
}

/// What a file name may hold before it goes into a url path: no
/// separators, no whitespace, at most 255 bytes (Commons' own limit).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.contains(['/', '?', '#', '\\'])
        && !name.chars().any(char::is_whitespace)
}

/// `Nosferatu_(1922).webm` → ("Nosferatu", Some(1922)): the extension
/// dropped, underscores as spaces, a trailing `(year)` taken as the year.
pub fn title_and_year(name: &str) -> (String, Option<u32>) {
    let name = name.replace('_', " ");
    let stem = match name.rsplit_once('.') {
        Some((stem, ext)) if (1..=5).contains(&ext.len()) => stem,
        _ => name.as_str(),
    };
    let stem = stem.trim();
    if let Some(open) = stem.rfind(" (")
        && let Some(year) = stem[open + 2..].strip_suffix(')')
        && year.len() == 4
        && let Ok(year) = year.parse::<u32>()
    {
        return (stem[..open].trim().to_string(), Some(year));
    }
    (stem.to_string(), None)
}

/// A card for the file `name`, with the thumbnail `img` inside `link`.
fn card(name: &str, link: &Element) -> Result<MediaCard> {
    let (title, year) = title_and_year(name);
    let mut card = records::card(bex_pdk::ids::make("file", name), title);
    card.kind = Some(MediaKind::Movie);
    card.year = year;
    card.poster = link.url_of("img", "src")?.map(records::image);
    Ok(card)
}

/// A category page's gallery (`li.gallerybox`), and the `filefrom` link of
/// its next page, as a path and query on Commons.
pub fn gallery(doc: &Document) -> Result<(Vec<MediaCard>, Option<String>)> {
    let mut cards = Vec::new();
    for item in doc.select("#mw-category-media li.gallerybox")? {
        let Some(link) = item.first("a.mw-file-description")? else {
            continue;
        };
        if let Some(name) = link.attr("href").and_then(file_name) {
            let mut card = card(name, &link)?;
            // "1 h 34 min 45 s, 1,280 × 960; 1.22 GB" under the name.
            card.description = item.text_of(".gallerytext")?;
            cards.push(card);
        }
    }
    let next = doc
        .select("#mw-category-media > a")?
        .into_iter()
        .filter_map(|a| a.attr("href"))
        .find(|href| href.contains("filefrom="))
        .map(|href| href.split('#').next().unwrap_or_default().to_string());
    Ok((cards, next))
}

/// A search page's file results, the total it reports, and whether a next
/// page exists.
pub fn results(doc: &Document) -> Result<(Vec<MediaCard>, Option<u32>, bool)> {
    let mut cards = Vec::new();
    for result in doc.select("ul.mw-search-results > li.mw-search-result")? {
        let Some(heading) = result.first(".mw-search-result-heading a")? else {
            continue;
        };
        if let Some(name) = heading.attr("href").and_then(file_name) {
            let mut card = card(name, &result)?;
            card.description = result.text_of(".searchresult")?.filter(|s| !s.is_empty());
            cards.push(card);
        }
    }
    let total = doc
        .attr_of(".results-info", "data-mw-num-results-total")?
        .and_then(|t| t.parse().ok());
    Ok((cards, total, doc.first("a.mw-nextlink")?.is_some()))
}

/// A file page to a title whose `play_id` is the file itself.
pub fn info(doc: &Document, name: &str) -> Result<MediaInfo> {
    let heading = doc.expect("h1 .mw-page-title-main")?.text();
    let (title, title_year) = title_and_year(&heading);
    let id = bex_pdk::ids::make("file", name);
    let mut info = records::info(&id, title);
    info.kind = Some(MediaKind::Movie);
    info.play_id = Some(id);
    let video = doc.expect("#file video")?;
    info.poster = video.url("poster").map(records::image);
    info.runtime_minutes = video
        .attr("data-durationhint")
        .and_then(|s| s.parse::<f64>().ok())
        .map(|s| (s / 60.0).round() as u32);
    // The {{Information}} table: description, date, author.
    if let Some(description) = doc.first("td.description")? {
        let label = description.text_of(".language")?.unwrap_or_default();
        let text = description.text();
        let text = text.strip_prefix(label.as_str()).unwrap_or(&text).trim();
        info.description = Some(text.to_string()).filter(|t| !t.is_empty());
    }
    info.year = doc
        .attr_of("time[datetime]", "datetime")?
        .and_then(|d| d.get(..4).and_then(|y| y.parse().ok()))
        .or(title_year);
    if let Some(author) = field(doc, "fileinfotpl_aut")? {
        let mut person = records::person(author);
        person.role = Some("Director".into());
        info.cast.push(person);
    }
    if doc
        .first(".licensetpl_short")?
        .is_some_and(|l| l.text() == "Public domain")
    {
        info.tags.push("public domain".into());
    }
    info.external_ids
        .push(("commons".into(), format!("File:{name}")));
    Ok(info)
}

/// The value cell beside the {{Information}} label cell `#id`.
fn field(doc: &Document, id: &str) -> Result<Option<String>> {
    doc.text_of(&format!("td#{id} + td"))
        .map(|t| t.filter(|t| !t.is_empty()))
}

/// One playable rendition of a file: the original or a transcode.
pub struct Source {
    /// `original`, or the transcode's key (`720p.vp9.webm`).
    pub key: String,
    pub url: String,
    pub mime: Option<String>,
    pub height: Option<u32>,
    pub label: String,
}

/// The file page's `<video>` sources, tallest first.
pub fn sources(doc: &Document) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for source in doc.select("#file video > source")? {
        let Some(url) = source.url("src") else {
            continue;
        };
        let height = source.attr("data-height").and_then(|h| h.parse().ok());
        let key = source.attr("data-transcodekey").unwrap_or("original");
        let label = match source.attr("data-title") {
            Some(t) if !t.trim().is_empty() => t.trim().to_string(),
            _ => height.map_or_else(|| key.to_string(), |h| format!("{h}p")),
        };
        sources.push(Source {
            key: key.to_string(),
            url,
            mime: source
                .attr("type")
                .and_then(|t| t.split(';').next())
                .map(|t| t.trim().to_string()),
            height,
            label,
        });
    }
    sources.sort_by_key(|s| std::cmp::Reverse(s.height));
    Ok(sources)
}

/// A server per source; its id names the file and the source.
pub fn server(name: &str, source: &Source) -> Server {
    let mut server = records::server(format!("source:{}:{name}", source.key), &source.label);
    server.quality = source.height;
    server
}

/// The stream of `source`, with the page's subtitle tracks (WebVTT).
pub fn stream(doc: &Document, source: Source) -> Result<bex_pdk::StreamSource> {
    let mut stream = records::stream(source.url, Container::Progressive);
    stream.mime_type = source.mime;
    stream.quality = source.height;
    stream.label = Some(source.label);
    for track in doc.select("#file video > track[kind=subtitles]")? {
        if let Some(url) = track.url("src") {
            let mut t = records::subtitle_track(url, bex_pdk::SubtitleFormat::Vtt);
            t.language = track.attr("srclang").map(str::to_string);
            // MediaWiki wraps the language code in bidi embedding marks.
            t.label = track
                .attr("label")
                .map(|l| l.replace(['\u{202a}', '\u{202c}'], "").trim().to_string());
            stream.subtitles.push(t);
        }
    }
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_titles_and_years() {
        assert_eq!(
            title_and_year("Nosferatu_(1922).webm"),
            ("Nosferatu".into(), Some(1922))
        );
        assert_eq!(
            title_and_year("Nosferatu (1922) trailer.webm"),
            ("Nosferatu (1922) trailer".into(), None)
        );
        assert_eq!(
            title_and_year("Film (19xx).ogv"),
            ("Film (19xx)".into(), None)
        );
        assert_eq!(
            title_and_year("No_extension"),
            ("No extension".into(), None)
        );
    }

    #[test]
    fn only_file_page_links_are_names() {
        assert_eq!(file_name("/wiki/File:A_(1922).webm"), Some("A_(1922).webm"));
        for bad in [
            "/wiki/Category:A",
            "/wiki/File:",
            "/wiki/File:a/b",
            "/wiki/File:a b",
            "/wiki/File:a?x",
        ] {
            assert_eq!(file_name(bad), None, "{bad}");
        }
    }
}
