//! Internet Archive responses and fetching them through the kit's HTTP
//! helpers: the Advanced Search API (`/advancedsearch.php`, Solr behind a
//! form) and the Metadata API (`/metadata/<identifier>`).
//!
//! Both answer loosely typed JSON: the same metadata field may come as a
//! string, a number or a list of strings depending on the item and its
//! age. Fields that vary are kept as [`Value`]s and read through the
//! lenient helpers at the bottom ([`text`], [`texts`], [`number`]).

use bex_pdk::{Error, PluginError, http};
use serde::Deserialize;
use serde_json::Value;

/// Where both APIs live.
pub const BASE: &str = "https://archive.org";

/// Results per search page.
pub const ROWS: u32 = 24;

/// One page of Advanced Search results for the Solr query `q`, ordered by
/// `sort` (Solr's `field dir`; `None` is relevance), pages numbered from 1.
pub fn search(q: &str, sort: Option<&str>, page: u32) -> Result<SearchBody, PluginError> {
    let request = ["identifier", "title", "year", "description", "downloads"]
        .iter()
        .fold(
            http::get(format!("{BASE}/advancedsearch.php")).query("q", q),
            |r, field| r.query("fl[]", field),
        )
        .query_opt("sort[]", sort)
        .query("rows", ROWS)
        .query("page", page)
        .query("output", "json");
    let answer: SearchResponse = request
        .timeout_ms(15_000)
        .max_bytes(2 * 1024 * 1024)
        .json()?;
    // A query Solr refuses comes back as 200 with an error and no response.
    answer
        .response
        .ok_or_else(|| Error::parse("advancedsearch answered without a `response` object"))
}

/// The item `identifier` (already checked by [`identifier`]); an unknown
/// identifier is `not-found` (the API answers `{}` for it).
pub fn item(identifier: &str) -> Result<Item, PluginError> {
    // Items with thousands of derivative thumbnails list them all: allow a
    // generous body.
    let item: Item = http::get(format!("{BASE}/metadata/{identifier}"))
        .timeout_ms(15_000)
        .max_bytes(16 * 1024 * 1024)
        .json()?;
    if item.metadata.is_none() {
        return Err(Error::not_found(format!(
            "no item {identifier:?} on the Internet Archive"
        )));
    }
    Ok(item)
}

/// `identifier` if it is a valid Archive identifier (letters, digits, `_`,
/// `-` and `.`, starting with a letter or digit, at most 100 characters);
/// anything else is `invalid-input`, so an id can never walk out of the
/// `/metadata/` or `/download/` paths.
pub fn identifier(identifier: &str) -> Result<&str, PluginError> {
    let valid = (1..=100).contains(&identifier.len())
        && identifier.starts_with(|c: char| c.is_ascii_alphanumeric())
        && identifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if valid {
        Ok(identifier)
    } else {
        Err(Error::invalid_input(format!(
            "{identifier:?} is not an Internet Archive identifier"
        )))
    }
}

/// The Advanced Search answer.
#[derive(Deserialize)]
pub struct SearchResponse {
    /// Absent when Solr refused the query.
    pub response: Option<SearchBody>,
}

/// The `response` object: the page of documents and the total.
#[derive(Deserialize)]
pub struct SearchBody {
    /// How many items match the query.
    #[serde(rename = "numFound")]
    pub num_found: u64,
    /// The offset of the first document of this page.
    #[serde(default)]
    pub start: u64,
    /// The documents, with the requested `fl[]` fields that they have.
    #[serde(default)]
    pub docs: Vec<Doc>,
}

/// One search hit.
#[derive(Deserialize)]
pub struct Doc {
    pub identifier: String,
    #[serde(default)]
    pub title: Value,
    /// A number or a string.
    #[serde(default)]
    pub year: Value,
    /// A string or a list of paragraphs, often HTML.
    #[serde(default)]
    pub description: Value,
    #[serde(default)]
    pub downloads: Value,
}

/// A Metadata API answer (only the parts the plugin reads).
#[derive(Deserialize)]
pub struct Item {
    /// Absent for an unknown identifier (`{}`) or a dark item.
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub files: Vec<File>,
}

/// The item's descriptive metadata; every field may be a string or a list.
#[derive(Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub title: Value,
    #[serde(default)]
    pub year: Value,
    /// `YYYY` or `YYYY-MM-DD`, when `year` is missing.
    #[serde(default)]
    pub date: Value,
    #[serde(default)]
    pub description: Value,
    #[serde(default)]
    pub creator: Value,
    /// A list, or one string of `;`-separated subjects.
    #[serde(default)]
    pub subject: Value,
    /// Free text: `1:35:42`, `96 min`, `92 minutes`...
    #[serde(default)]
    pub runtime: Value,
    #[serde(default)]
    pub language: Value,
    #[serde(default)]
    pub licenseurl: Value,
}

/// One file of the item. Sizes and dimensions are strings in the API (and
/// numbers in a few old items).
#[derive(Deserialize)]
pub struct File {
    /// The path inside the item (may contain `/` and spaces).
    pub name: String,
    /// `original` or `derivative`.
    #[serde(default)]
    pub source: Option<String>,
    /// The Archive's format name: `h.264`, `512Kb MPEG4`, `Ogg Video`, `SubRip`...
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub size: Value,
    /// Seconds (`5732.12`) or a clock time (`01:35:32`).
    #[serde(default)]
    pub length: Value,
    #[serde(default)]
    pub height: Value,
    #[serde(default)]
    pub width: Value,
}

/// The first non-empty text of a string, number or list.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => items.iter().find_map(text),
        _ => None,
    }
}

/// Every text of a list, or of one string split at `;` (how the Archive
/// stores several subjects in one field).
pub fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => s
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        Value::Array(items) => items.iter().flat_map(texts).collect(),
        Value::Number(n) => vec![n.to_string()],
        _ => vec![],
    }
}

/// A number given as a number or a numeric string.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Array(items) => items.first().and_then(number),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identifiers_are_checked() {
        assert_eq!(
            identifier("night_of_the_living_dead").unwrap(),
            "night_of_the_living_dead"
        );
        assert!(identifier("Detour.1945-restored").is_ok());
        for bad in [
            "",
            "../etc",
            ".hidden",
            "a/b",
            "a b",
            "a?b=c",
            &"x".repeat(101),
        ] {
            assert!(
                matches!(identifier(bad), Err(PluginError::InvalidInput(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn loose_fields_read_leniently() {
        assert_eq!(
            text(&json!("  His Girl Friday ")).as_deref(),
            Some("His Girl Friday")
        );
        assert_eq!(text(&json!(1940)).as_deref(), Some("1940"));
        assert_eq!(text(&json!(["", "second"])).as_deref(), Some("second"));
        assert_eq!(text(&json!(null)), None);
        assert_eq!(
            texts(&json!("horror; zombies;;cult")),
            ["horror", "zombies", "cult"]
        );
        assert_eq!(
            texts(&json!(["Comedy", "Cary Grant; Howard Hawks"])).len(),
            3
        );
        assert_eq!(number(&json!("480")), Some(480.0));
        assert_eq!(number(&json!(5732.5)), Some(5732.5));
        assert_eq!(number(&json!("n/a")), None);
    }
}
