//! OpenSubtitles.com REST API v1 (https://opensubtitles.stoplight.io/docs/opensubtitles-api):
//! the response shapes the plugin reads and the two requests it makes,
//! `GET /subtitles` and `POST /download`, plus fetching the temporary link
//! `/download` hands out.

use bex_pdk::{Error, ErrorExt, PluginError, http, secrets};
use serde::{Deserialize, Serialize};

const BASE: &str = "https://api.opensubtitles.com/api/v1";

/// The API refuses requests whose User-Agent does not name the app and
/// its version.
const USER_AGENT: &str = "BEX v1.0.0";

/// The secret holding the user's API key (manifest `secrets`).
const API_KEY: &str = "api-key";

/// Per request; the engine clamps it to the call's deadline.
const TIMEOUT_MS: u32 = 10_000;

/// A search page is a few dozen KB; subtitle files rarely pass 200 KB.
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// A page of `GET /subtitles`.
#[derive(Deserialize)]
pub struct SearchPage {
    #[serde(default)]
    pub data: Vec<Subtitle>,
}

/// One subtitle (a set of files uploaded together).
#[derive(Deserialize)]
pub struct Subtitle {
    pub attributes: Attributes,
}

/// What the API knows about a subtitle. Every field is optional: the API
/// leaves some out or sends `null` for older uploads.
#[derive(Deserialize)]
pub struct Attributes {
    pub language: Option<String>,
    pub download_count: Option<u64>,
    pub hearing_impaired: Option<bool>,
    pub hd: Option<bool>,
    pub fps: Option<f64>,
    pub votes: Option<u32>,
    pub ratings: Option<f32>,
    pub from_trusted: Option<bool>,
    pub foreign_parts_only: Option<bool>,
    pub ai_translated: Option<bool>,
    pub machine_translated: Option<bool>,
    pub upload_date: Option<String>,
    pub release: Option<String>,
    pub url: Option<String>,
    pub uploader: Option<Uploader>,
    pub feature_details: Option<Feature>,
    #[serde(default)]
    pub files: Vec<File>,
}

/// Who uploaded a subtitle.
#[derive(Deserialize)]
pub struct Uploader {
    pub name: Option<String>,
}

/// The movie or episode a subtitle is for.
#[derive(Deserialize)]
pub struct Feature {
    pub year: Option<u32>,
    pub title: Option<String>,
    /// The API's display name: `1968 - Night of the Living Dead`.
    pub movie_name: Option<String>,
    pub season_number: Option<u32>,
    pub episode_number: Option<u32>,
    /// The show, for episodes.
    pub parent_title: Option<String>,
}

/// One file of a subtitle (one per CD).
#[derive(Deserialize)]
pub struct File {
    pub file_id: u64,
    pub cd_number: Option<u32>,
    pub file_name: Option<String>,
}

/// The body of `POST /download`.
#[derive(Serialize)]
struct DownloadRequest {
    file_id: u64,
}

/// The answer of `POST /download`: a temporary link and the user's quota.
#[derive(Deserialize)]
pub struct Download {
    pub link: Option<String>,
    pub file_name: Option<String>,
    pub message: Option<String>,
}

/// The body of the API's error answers: `{"message": ..}` or
/// `{"errors": [..]}`.
#[derive(Deserialize)]
struct ApiError {
    message: Option<String>,
    #[serde(default)]
    errors: Vec<String>,
}

/// `GET /subtitles` with `params` (name and value pairs; see
/// [`search_url`] for how they are written).
pub fn search(params: &[(&str, String)]) -> Result<SearchPage, PluginError> {
    let request = authorized(http::get(search_url(params)))?;
    send(request)?.json()
}

/// `POST /download` for `file_id`.
pub fn download(file_id: u64) -> Result<Download, PluginError> {
    let request = authorized(http::post(format!("{BASE}/download")))?
        .json_body(&DownloadRequest { file_id })?;
    send(request)?.json()
}

/// The bytes behind a link `/download` returned. The link carries its own
/// token, so the API key is not sent along.
pub fn fetch(link: &str) -> Result<Vec<u8>, PluginError> {
    let request = http::get(link)
        .header("User-Agent", USER_AGENT)
        .timeout_ms(TIMEOUT_MS)
        .max_bytes(MAX_BYTES);
    Ok(send(request)?.body)
}

/// The search url. The API redirects any other spelling of a query to
/// its canonical one, so it is written that way from the start: names
/// sorted, values in lower case, spaces as `+`, commas as they are.
pub fn search_url(params: &[(&str, String)]) -> String {
    let mut params: Vec<_> = params.iter().collect();
    params.sort_by_key(|(name, _)| *name);
    let query: Vec<String> = params
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(&value.to_lowercase())))
        .collect();
    format!("{BASE}/subtitles?{}", query.join("&"))
}

/// Form-style percent-encoding: the kit's, but with `+` for spaces and
/// commas kept (the API's list separator).
fn encode(value: &str) -> String {
    value
        .split(' ')
        .map(|word| {
            word.split(',')
                .map(http::encode)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("+")
}

/// Adds the API's headers, failing with `auth` when the key is not set.
fn authorized(request: http::Request) -> Result<http::Request, PluginError> {
    let key = secrets::require(API_KEY)?;
    Ok(request
        .header("Api-Key", key)
        .header("User-Agent", USER_AGENT)
        .header("Accept", "application/json")
        .timeout_ms(TIMEOUT_MS)
        .max_bytes(MAX_BYTES))
}

/// Sends `request`; a status outside 2xx is the kit's error for it, with
/// the API's own explanation appended. 406 is the API's "download quota
/// used up", hence `rate-limited`.
fn send(request: http::Request) -> Result<http::Response, PluginError> {
    let response = request.send_any_status()?;
    let Err(e) = http::check_status(response.status, &response.final_url, true) else {
        return Ok(response);
    };
    let why = serde_json::from_slice::<ApiError>(&response.body)
        .ok()
        .and_then(|b| {
            b.message
                .or_else(|| (!b.errors.is_empty()).then(|| b.errors.join("; ")))
        })
        .map(|m| format!(" ({})", m.trim()))
        .unwrap_or_default();
    Err(match (response.status, e) {
        (406, _) => Error::rate_limited(format!(
            "{}: HTTP 406, the download quota is used up{why}",
            response.final_url
        )),
        (_, e) => e.map_message(|m| format!("{m}{why}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_urls_are_canonical() {
        let url = search_url(&[
            ("year", "1968".into()),
            ("query", "Night of the Living Dead".into()),
            ("languages", "en,fr".into()),
        ]);
        assert_eq!(
            url,
            "https://api.opensubtitles.com/api/v1/subtitles?languages=en,fr&query=night+of+the+living+dead&year=1968"
        );
        assert_eq!(encode("amélie & co"), "am%C3%A9lie+%26+co");
    }
}
