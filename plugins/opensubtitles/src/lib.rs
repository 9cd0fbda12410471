//! BEX plugin for OpenSubtitles.com through its REST API v1
//! (https://opensubtitles.stoplight.io/docs/opensubtitles-api). It provides
//! subtitles only and needs the user's API key (the `api-key` secret: `bex
//! set-key bex.opensubtitles api-key <key>`); without it every call fails
//! with `auth`. The API's shapes and requests are in api.rs, their mapping
//! to the contract in convert.rs, downloaded files to text in file.rs.
//!
//! - search-subtitles: `GET /subtitles` by IMDb or TMDB id (from the
//!   query's `external_ids`; with a season or episode they name the show),
//!   else by title and year, narrowed by season, episode and languages.
//!   Entries come sorted by the query's languages, best first. The
//!   query's `media_id` is not used: the plugin has no titles of its own.
//! - download-subtitle: `POST /download` for a temporary link (this counts
//!   against the user's daily download quota; a used-up quota is
//!   `rate-limited`), then the file behind it, decoded to UTF-8.
//!
//! Ids are OpenSubtitles file ids with the subtitle's language when the API
//! gave one: `file:<file_id>:<language>` (`file:4951384:en`), else
//! `file:<file_id>`. The language rides in the id because `/download` does
//! not say it, and the downloaded file should.

mod api;
mod convert;
mod file;

use bex_pdk::{RequestContext, Result, SubtitleEntry, SubtitleFile, SubtitleQuery};

struct OpenSubtitles;

bex_pdk::export_plugin!(OpenSubtitles);

impl bex_pdk::Subtitles for OpenSubtitles {
    fn search_subtitles(_ctx: RequestContext, query: SubtitleQuery) -> Result<Vec<SubtitleEntry>> {
        let params = convert::search_params(&query)?;
        let page = api::search(&params)?;
        let mut entries: Vec<SubtitleEntry> = page.data.iter().flat_map(convert::entries).collect();
        convert::by_preference(&mut entries, &query.languages);
        Ok(entries)
    }

    fn download_subtitle(_ctx: RequestContext, id: String) -> Result<SubtitleFile> {
        let (file_id, language) = convert::parse_id(&id)?;
        let download = api::download(file_id)?;
        let link = download.link.filter(|l| !l.is_empty()).ok_or_else(|| {
            let why = download
                .message
                .unwrap_or_else(|| "no link in the answer".into());
            bex_pdk::Error::parse(format!("download of file {file_id}: {why}"))
        })?;
        let content = file::decode(&api::fetch(&link)?);
        let name = download.file_name.unwrap_or_default();
        let format = file::format_of(&name, &content);
        Ok(SubtitleFile {
            file_name: file::base_name(&name, file_id, format),
            format,
            language,
            content,
        })
    }
}
